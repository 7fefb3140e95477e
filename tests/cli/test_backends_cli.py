"""The whole study from the command line on each back end, with the same answers as on SQLite.

The Sampang study is built with the commands a researcher types (init, codebook load, import,
codings import, a conclusion, a cell summary); then every display, triangulation, listing and
export is compared, byte for byte, with the same commands on a SQLite project.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import DEMO, FAHRUDIN, run

pytestmark = pytest.mark.backends

READS = [
    ("status", "--format", "json"),
    ("sources", "--format", "json"),
    ("informants", "--format", "json"),
    ("segments", "--source", "nurhayati", "--format", "json"),
    ("codebook", "show"),
    ("matrix",),
    ("matrix", "role", "--format", "json"),
    ("matrix", "checklist", "--code", "Empowering"),
    ("matrix", "time", "--format", "csv"),
    ("matrix", "cooccurrence"),
    ("matrix", "method", "--format", "md"),
    ("triangulate", "--format", "json"),
    ("triangulate", "--by", "kind"),
    ("conclude", "check"),
    ("summary", "list"),
]
FILES = [
    ("codings", "export", "-o", "{out}/codings.csv"),
    ("export", "quotes", "--format", "md", "-o", "{out}/quotes.md"),
    ("export", "codebook", "--format", "tex", "-o", "{out}/codebook.tex"),
    ("matrix", "role", "--format", "xlsx", "-o", "{out}/role.xlsx"),
    ("triangulate", "--format", "docx", "-o", "{out}/triangulation.docx"),
]


def study(location: Path | str, out: Path) -> dict[str, bytes | str]:
    """Build the study into ``location``; return what each read and export gave."""
    steps = [
        ("init",),
        ("codebook", "load", str(FAHRUDIN)),
        ("import", *sorted(str(p) for p in DEMO.glob("*.txt")), "--meta",
         str(DEMO / "informants.yaml")),
        ("import", str(DEMO / "msme-recapitulation-2021.md"), "--kind", "document"),
        ("codings", "import", str(DEMO / "codings.csv")),
        ("conclude", "add", "Training does not reach all MSMEs", "--code", "Empowering",
         "--coding", "nurhayati#6:Training and coaching", "--coder", "resa"),
        ("summary", "set", "Officials stress training", "--row", "Nurhayati", "--column",
         "Empowering", "--coder", "resa"),
    ]  # fmt: skip
    for step in steps:
        result = run(*step, db=location)
        assert result.exit_code == 0, (step, result.output)
    seen: dict[str, bytes | str] = {}
    for args in READS:
        result = run(*args, db=location)
        assert result.exit_code == 0, (args, result.output)
        seen[" ".join(args)] = result.stdout
    out.mkdir()
    for args in FILES:
        command = [a.format(out=out) for a in args]
        result = run(*command, db=location)
        assert result.exit_code == 0, (args, result.output)
        seen[" ".join(args)] = Path(command[-1]).read_bytes()
    return seen


@pytest.fixture(scope="module")
def on_sqlite(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes | str]:
    folder = tmp_path_factory.mktemp("reference")
    return study(folder / "study.db", folder / "out")


def test_the_study_gives_the_same_answers_on_this_back_end(
    on_sqlite: dict[str, bytes | str],
    new_location: Callable[[str], Path | str],
    tmp_path: Path,
) -> None:
    here = study(new_location("study.db"), tmp_path / "out")
    assert '"codings": 106' in str(here["status --format json"])
    for what, expected in on_sqlite.items():
        assert here[what] == expected, what
