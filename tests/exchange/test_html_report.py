"""``qualcode export html-report``: one self-contained HTML file. Golden bytes on a small project
whose code names and transcripts carry HTML and script payloads; the payloads stay text; the
file loads nothing and runs only its own script; its tables hold the CLI's numbers."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import fingerprint, run

from qualcode.exchange.report import SORT_SCRIPT

GOLDEN = Path(__file__).parent / "golden_report" / "report.html"
UPDATE = os.environ.get("QUALCODE_UPDATE_GOLDEN") == "1"

CODEBOOK = """\
name: Hostile codebook
magnitude:
  -1: negative
  0: neutral
  1: positive
codes:
  - name: <img src=x onerror=alert('code')>
    definition: "Climate & \\"quotes\\" <script>alert('definition')</script>"
    codes:
      - name: Motivation <b onmouseover=alert(1)>
  - name: Obstacles
"""

RATNA = """\
[00:00:01] INTERVIEWER: What happens in training?

[00:00:09] Ratna: We say </td></tr></table><script>window.pwned=1</script> in class.

[00:00:30] INTERVIEWER: And permits?

[00:00:41] Ratna: The form says <a href="http://evil.example">click</a> & pay.
"""

CODINGS = """\
source,segment,start,end,code,coder,magnitude,memo
ratna,2,,,<img src=x onerror=alert('code')>,ana,1,<script>memo</script>
ratna,2,,,<img src=x onerror=alert('code')>/Motivation <b onmouseover=alert(1)>,ana,-1,
ratna,4,,,Obstacles,ana,,
"""

# Markup the report may contain: anything else came from the data.
TAGS = {
    "html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "nav", "ol", "li", "a",
    "section", "table", "caption", "thead", "tbody", "tr", "th", "td", "br", "script",
}  # fmt: skip


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    for name, body in {"codebook.yaml": CODEBOOK, "ratna.txt": RATNA, "c.csv": CODINGS}.items():
        (folder / name).write_text(body, encoding="utf-8")
    db = folder / "p.db"
    for args in (
        ["init", "--name", "Hostile <i>study</i>"],
        ["codebook", "load", str(folder / "codebook.yaml")],
        ["import", str(folder / "ratna.txt"), "--informant", "Ratna", "--role", "official"],
        ["codings", "import", str(folder / "c.csv")],
    ):
        result = run(*args, db=db)
        assert result.exit_code == 0, (args, result.output)
    return db


def report(db: Path, *args: str) -> str:
    result = run("export", "html-report", "-o", "-", *args, db=db)
    assert result.exit_code == 0, result.output
    return result.stdout


class Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in = tag

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "script":
            self.scripts.append(data)
        else:
            self.text.append(data)


def parse(page: str) -> Markup:
    parser = Markup()
    parser.feed(page)
    return parser


def test_golden(hostile: Path) -> None:
    page = report(hostile).encode("utf-8")
    if UPDATE:
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_bytes(page)
    assert GOLDEN.exists(), f"no golden file {GOLDEN}: run with QUALCODE_UPDATE_GOLDEN=1"
    assert page == GOLDEN.read_bytes()
    assert report(hostile).encode("utf-8") == page  # same project, same bytes


def test_hostile_text_stays_text(hostile: Path) -> None:
    page = report(hostile)
    markup = parse(page)
    assert {tag for tag, _ in markup.tags} <= TAGS
    # The only script is the report's own; no event handler, no link out, no resource.
    assert markup.scripts == [SORT_SCRIPT]
    for tag, attrs in markup.tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        assert "src" not in attrs, (tag, attrs)
        if tag == "a":
            assert re.fullmatch(r"#[a-z]+", attrs["href"] or ""), attrs
    text = "".join(markup.text)
    for payload in (
        "<img src=x onerror=alert('code')>",
        "Motivation <b onmouseover=alert(1)>",
        "</td></tr></table><script>window.pwned=1</script>",
        '<a href="http://evil.example">click</a> & pay.',
        "<script>alert('definition')</script>",
        "Supervisor report: Hostile <i>study</i>",
    ):
        assert payload in text, payload
    assert "<script>window.pwned" not in page and "&lt;script&gt;window.pwned=1" in page


def test_only_its_own_script_is_allowed(hostile: Path) -> None:
    page = report(hostile)
    digest = base64.b64encode(hashlib.sha256(SORT_SCRIPT.encode()).digest()).decode()
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert csp is not None
    assert csp.group(1) == (
        f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{digest}'"
    )
    assert "http://" not in page.replace("http://evil.example", "")  # nothing to fetch


def test_tables_hold_the_cli_numbers(demo_report: tuple[Path, str]) -> None:
    db, page = demo_report
    tables = re.findall(r'<table class="sortable">(.*?)</table>', page, re.S)
    captions = [re.search(r"<caption>(.*?)</caption>", t).group(1) for t in tables]  # type: ignore[union-attr]
    assert [c.split(" (")[0].split(":")[0] for c in captions] == [
        "Conceptually clustered matrix",
        "Role-ordered matrix",
        "Method display",
        "Triangulation by role",
        "Triangulation by kind",
        "Codebook",
        "Quotes",
    ]
    expected = list(csv.reader(io.StringIO(run("matrix", "--format", "csv", db=db).stdout)))
    rows = [
        [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r)]
        for r in re.findall(r"<tr[^>]*>(.*?)</tr>", tables[0], re.S)
    ]
    assert rows == expected
    codebook = run("export", "codebook", "--format", "csv", "-o", "-", db=db).stdout
    n_codes = len(list(csv.reader(io.StringIO(codebook)))) - 1
    assert tables[5].count("<tr") - 1 == n_codes


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    assert run("demo", "--no-app", db=db).exit_code == 0
    return db, report(db)


def test_pseudonymized_report_names_no_informant(
    demo_report: tuple[Path, str], tmp_path: Path
) -> None:
    db, plain = demo_report
    out = tmp_path / "r.html"
    result = run("export", "html-report", "--pseudonymize", "-o", str(out), db=db)
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert "Hadi Sutrisno" in plain
    for name in ("Hadi", "Sutrisno", "Ratna Kurniasih", "Komarudin", "Nurhayati"):
        assert name not in page, name
    assert (tmp_path / "r.html.pseudonyms.txt").exists()


def test_default_file_and_bad_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "empty.db"
    assert run("init", db=db).exit_code == 0
    before = fingerprint(db)
    empty = run("export", "html-report", db=db)
    assert empty.exit_code == 1
    assert empty.stderr == (
        "error: the project has no codebook yet (load one: qualcode codebook load FILE)\n"
    )
    assert not (tmp_path / "exports").exists()
    (tmp_path / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    assert run("codebook", "load", str(tmp_path / "codebook.yaml"), db=db).exit_code == 0
    before = fingerprint(db)
    result = run("export", "html-report", db=db)  # a codebook, no codings yet
    assert result.exit_code == 0, result.output
    assert result.stderr == "wrote the HTML report (6 tables) to exports/report.html\n"
    page = (tmp_path / "exports" / "report.html").read_text(encoding="utf-8")
    assert page.count("Nothing here yet.") == 1  # the quotes
    assert fingerprint(db) == before
    missing = run("export", "html-report", db=tmp_path / "nope.db")
    assert missing.exit_code == 1
    assert missing.stderr.strip().splitlines() == [
        f"error: {tmp_path / 'nope.db'}: no project here (create one with 'qualcode init' "
        "or give --db PATH)"
    ]
    (tmp_path / "file").write_text("x")
    blocked = run("export", "html-report", "-o", str(tmp_path / "file" / "r.html"), db=db)
    assert blocked.exit_code == 1 and "cannot write" in blocked.stderr
    assert "Traceback" not in blocked.output
