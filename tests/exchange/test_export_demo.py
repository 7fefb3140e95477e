"""No real name of any demo informant appears in any pseudonymised export: every display, the
triangulation, the quote table and the codebook, in every format (Word and Excel unzipped)."""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path

import pytest
import yaml
from conftest import DEMO, run

from qualcode.cli.export import CODEBOOK_FORMATS, DISPLAY_FORMATS, QUOTE_FORMATS
from qualcode.exchange.formats import EXTENSIONS
from qualcode.exchange.pseudonyms import fold

PEOPLE = yaml.safe_load((DEMO / "informants.yaml").read_text(encoding="utf-8"))["informants"]
NAME_WORDS = {fold(w) for p in PEOPLE for w in re.findall(r"[^\W\d_]+", p["name"])}
COMMANDS = {
    "clustered-quotes": (["matrix", "--cells", "quotes", "--quotes", "3"], DISPLAY_FORMATS),
    "sources-quotes": (["matrix", "--rows", "source", "--cells", "quotes"], DISPLAY_FORMATS),
    "role-quotes": (["matrix", "role", "--cells", "quotes"], DISPLAY_FORMATS),
    "checklist-quotes": (
        ["matrix", "checklist", "--code", "Empowering", "--cells", "quotes"],
        DISPLAY_FORMATS,
    ),
    "time-quotes": (["matrix", "time", "--cells", "quotes"], DISPLAY_FORMATS),
    "timestamp-quotes": (
        ["matrix", "time", "--by", "timestamp", "--cells", "quotes"],
        DISPLAY_FORMATS,
    ),
    "cooccurrence": (["matrix", "cooccurrence", "--depth", "2"], DISPLAY_FORMATS),
    "method-quotes": (["matrix", "method", "--cells", "quotes"], DISPLAY_FORMATS),
    "filtered-by-name": (
        ["matrix", "--cells", "magnitude", "--informants", "Ratna Kurniasih"],
        DISPLAY_FORMATS,
    ),
    "triangulation": (["triangulate", "--all-evidence"], DISPLAY_FORMATS),
    "triangulation-by-kind": (["triangulate", "--by", "kind", "--all-evidence"], DISPLAY_FORMATS),
    "quotes": (["export", "quotes", "--per-code", "0"], QUOTE_FORMATS),
    "codebook": (["export", "codebook"], CODEBOOK_FORMATS),
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    assert run("demo", "--no-app", db=db).exit_code == 0
    return db


def words_in(path: Path) -> set[str]:
    """Every word of the file as a reader sees it (Word and Excel: all their XML parts)."""
    if path.suffix in (".docx", ".xlsx"):
        with zipfile.ZipFile(path) as archive:
            parts = [archive.read(n).decode("utf-8", errors="replace") for n in archive.namelist()]
            text = "\n".join(parts)
        text = html.unescape(text)
    else:
        text = path.read_text(encoding="utf-8")
    return {fold(w) for w in re.findall(r"[^\W\d_]+", text)}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_no_real_name_in_any_pseudonymised_export(demo: Path, tmp_path: Path, name: str) -> None:
    args, formats = COMMANDS[name]
    for fmt in formats:
        out = tmp_path / f"{name}.{EXTENSIONS[fmt]}"
        result = run(*args, "--pseudonymize", "--format", fmt, "-o", str(out), db=demo)
        assert result.exit_code == 0, (fmt, result.output)
        leaked = words_in(out) & NAME_WORDS
        assert not leaked, (name, fmt, sorted(leaked))
        assert (tmp_path / f"{out.name}.pseudonyms.txt").is_file()


def test_the_check_can_see_names(demo: Path, tmp_path: Path) -> None:
    """Without --pseudonymize the same exports do name the informants (so the test above can
    see a leak), and quotes mention them by title and first name."""
    for fmt in ("md", "docx", "xlsx"):
        out = tmp_path / f"q.{EXTENSIONS[fmt]}"
        assert run("export", "quotes", "--format", fmt, "-o", str(out), db=demo).exit_code == 0
        assert {"ratna", "kurniasih", "hadi", "nurhayati"} <= words_in(out)


def test_demo_side_report(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "quotes.md"
    result = run("export", "quotes", "--per-code", "0", "--pseudonymize", "-o", str(out), db=demo)
    assert result.exit_code == 0
    report = (tmp_path / "quotes.md.pseudonyms.txt").read_text(encoding="utf-8")
    assert "  Ratna Kurniasih -> Official C\n" in report
    for found in ("'Pak Hadi' -> '[MSME actor B]'", "'Ibu Ratna' -> '[Official C]'"):
        assert found in report
    assert "replaced" in result.stderr and "do not publish it" in result.stderr
