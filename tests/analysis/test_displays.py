"""Miles–Huberman displays on a small project built through the CLI: golden files per display and
format, and the numbers checked against a plain-Python computation over the exported codings.

The project has overlapping codings, a coding across three segments and one starting in the gap
between two turns, two coders, magnitudes and memos, Unicode names and text ("Ibu Ña 🙂"), an
informant without any source (Dewi: missing, not 0), one with only an observation (Eko), and a
document without an informant.

Update the golden files with ``QUALCODE_UPDATE_GOLDEN=1 pytest tests/analysis/test_displays.py``
and read the diff before committing it.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import re
from collections import defaultdict
from pathlib import Path

import pytest
from conftest import run

from qualcode.analysis.displays import DisplaySpec, c_coefficient, cell_excerpts, rating
from qualcode.analysis.displays.cells import Agg, presence
from qualcode.core.errors import QualcodeError
from qualcode.storage.models import Informant
from qualcode.storage.project import Project, audit

# The tests that take a project also run on PostgreSQL (see tests/conftest.py).
pytestmark = pytest.mark.backends

GOLDEN = Path(__file__).parent / "golden" / "displays"
UPDATE = os.environ.get("QUALCODE_UPDATE_GOLDEN") == "1"
EXT = {"table": "txt", "md": "md", "csv": "csv", "json": "json"}

CODEBOOK = """\
name: Displays fixture
magnitude:
  -2: strongly negative
  -1: negative
  0: neutral
  1: positive
  2: strongly positive
codes:
  - name: Enabling
    codes:
      - name: Motivation
      - name: Planning
  - name: Empowering
    codes:
      - name: Training
      - name: Licensing
  - name: Protecting
    codes:
      - name: Capital
"""

FILES = {
    "ibu-na.txt": """\
[00:00:05] INTERVIEWER: Selamat pagi, Ibu Ña. What does the office do for small businesses?

[00:01:10] Ibu Ña: We run training — pelatihan — for café owners monthly. 🙂 Motivation comes first.

[00:02:30] INTERVIEWER: And licensing, the NIB?

[00:03:15] Ibu Ña: The NIB is free now; we help with the forms. Capital is harder: the bank decides.

[00:12:00] Ibu Ña: Our plan for next year: more villages, more training.
""",
    "budi.txt": """\
[00:00:02] INTERVIEWER: Pak Budi, how do you plan the programmes?

[00:00:40] Budi Santoso: Every year we set priorities with the villages. Training comes first.

[00:05:00] Budi Santoso: Licensing is slow, I admit it. Capital comes through KUR.
""",
    "cetin.txt": """\
[00:00:03] INTERVIEWER: Çetin, did the training reach you?

[00:00:30] Çetin Ölmez: No. I heard about it too late: «the invitation never came».

[00:01:45] Çetin Ölmez: Licensing cost me three trips to town. Capital? Only from family.

[00:09:59] Çetin Ölmez: I would join if they came to the market.
""",
    "cetin-market.txt": """\
Market day in Torjun. Çetin sells chips beside the mosque; no permit displayed.

A department banner announces training; nobody near the stall has heard of it.
""",
    "eko-obs.txt": "Eko's workshop: three looms, one idle. He says capital is the problem.\n",
    "recap.md": """\
# Recap 2021

Training sessions held: 12. Licenses (NIB) issued: 47.

Capital facilitated through KUR: 5 actors.
""",
}

INFORMANTS = """\
informants:
  - name: Ibu Ña 🙂
    pseudonym: Official A
    role: official
    attributes:
      interview_date: 2021-12-14
    files: [ibu-na.txt]
  - name: Budi Santoso
    pseudonym: Official B
    role: official
    attributes:
      interview_date: 2021-12-15
    files: [budi.txt]
  - name: Çetin Ölmez
    pseudonym: Actor A
    role: msme actor
    attributes:
      interview_date: 2021-12-15
    files: [cetin.txt, cetin-market.txt]
  - name: Eko
    pseudonym: Actor C
    role: msme actor
    attributes:
      interview_date: 2021-12-20
    files: [eko-obs.txt]
sources:
  - file: cetin-market.txt
    kind: observation
    segment: paragraph
  - file: eko-obs.txt
    kind: observation
    segment: paragraph
  - file: recap.md
    kind: document
    name: Recap 2021
    segment: paragraph
"""

# (source, segment ordinal, words inside it or None for the whole segment, code, coder,
#  magnitude, memo)
CODINGS = [
    ("ibu-na", 2, None, "Empowering/Training", "ana", 2, "Monthly training claimed."),
    ("ibu-na", 2, "Motivation comes first.", "Enabling/Motivation", "ana", 1, None),
    ("ibu-na", 2, None, "Empowering/Training", "ben", 1, None),
    (
        "ibu-na",
        4,
        "The NIB is free now; we help with the forms.",
        "Empowering/Licensing",
        "ana",
        1,
        None,
    ),
    (
        "ibu-na",
        4,
        "forms. Capital is harder: the bank decides.",
        "Protecting/Capital",
        "ana",
        -1,
        None,
    ),
    ("ibu-na", 5, None, "Enabling/Planning", "ben", 1, None),
    (
        "budi",
        2,
        "Every year we set priorities with the villages.",
        "Enabling/Planning",
        "ana",
        2,
        None,
    ),
    ("budi", 2, "Training comes first.", "Empowering/Training", "ana", 1, None),
    ("budi", 2, None, "Enabling/Planning", "ben", 1, "Planning with the villages."),
    ("budi", 3, "Licensing is slow, I admit it.", "Empowering/Licensing", "ana", -1, None),
    ("budi", 3, "Capital comes through KUR.", "Protecting/Capital", "ana", 1, None),
    ("cetin", 2, None, "Enabling/Motivation", "ana", -2, "The invitation never came: «reach»."),
    ("cetin", 2, "the invitation never came", "Enabling/Motivation", "ben", -1, None),
    ("cetin", 3, "Licensing cost me three trips to town.", "Empowering/Licensing", "ana", -2, None),
    ("cetin", 3, "Capital? Only from family.", "Protecting/Capital", "ana", -2, None),
    ("cetin", 3, None, "Protecting/Capital", "ben", -1, None),
    ("cetin", 4, None, "Empowering/Training", "ana", -1, None),
    ("cetin-market", 1, "no permit displayed", "Empowering/Licensing", "ana", -1, None),
    ("cetin-market", 2, None, "Empowering/Training", "ana", -1, None),
    ("eko-obs", 1, "He says capital is the problem.", "Protecting/Capital", "ben", -2, None),
    ("Recap 2021", 2, None, "Empowering", "ana", None, None),
    ("Recap 2021", 3, None, "Protecting/Capital", "ana", 1, None),
]

SUMMARIES = [
    ("clustered", "Ibu Ña 🙂", "Empowering", "Claims monthly training; «actors never heard»."),
    ("clustered", "Çetin Ölmez", "Enabling", "No invitation reached him."),
    ("role", "official", "Empowering", "Officials: programmes exist | on paper."),
    ("method", "Empowering", "observation", "Observed: a banner, no uptake."),
    ("time", "Enabling", "2021-12-15", "Both accounts on one day diverge."),
]


def _segments(db: Path, source: str) -> list[dict]:
    return json.loads(run("segments", "--source", source, "--format", "json", db=db).output)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("displays")
    (folder / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    for name, body in FILES.items():
        (folder / name).write_text(body, encoding="utf-8")
    (folder / "informants.yaml").write_text(INFORMANTS, encoding="utf-8")
    db = folder / "displays.db"
    assert run("init", db=db).exit_code == 0
    assert run("codebook", "load", str(folder / "codebook.yaml"), db=db).exit_code == 0
    result = run("import", *(str(folder / n) for n in FILES), db=db)
    assert result.exit_code == 0, result.output
    # An informant interviewed on paper but whose transcript never came: the CLI imports only
    # informants with a source, so this one goes in the way the importer writes one.
    with Project.open(db) as p, p.write() as s:
        dewi = Informant(
            name="Dewi",
            pseudonym="Actor B",
            role="msme actor",
            attributes=json.dumps({"interview_date": "2021-12-22"}),
        )
        s.add(dewi)
        s.flush()
        audit(s, "test", "create", "informant", dewi.id, name="Dewi")
    rows = []
    for source, ordinal, words, code, coder, magnitude, memo in CODINGS:
        seg = _segments(db, source)[ordinal - 1]
        if words is None:
            start, end = seg["start"], seg["end"]
        else:
            start = seg["start"] + seg["text"].index(words)
            end = start + len(words)
        rows.append([source, "", start, end, code, coder, magnitude, memo])
    ibu, budi = _segments(db, "ibu-na"), _segments(db, "budi")
    # Across three segments: from ibu-na #2 "Motivation..." to "The NIB" in #4, on the parent code.
    start = ibu[1]["start"] + ibu[1]["text"].index("Motivation")
    end = ibu[3]["start"] + len("The NIB")
    rows.append(["ibu-na", "", start, end, "Enabling", "ana", "", "Spans the exchange."])
    # Starting in the blank line between budi #2 and #3: it overlaps #3 only.
    rows.append(
        ["budi", "", budi[1]["end"], budi[2]["start"] + 9, "Empowering/Licensing", "ben", -1, ""]
    )
    with (folder / "codings.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["source", "segment", "start", "end", "code", "coder", "magnitude", "memo"])
        writer.writerows(["" if v is None else v for v in r] for r in rows)
    result = run("codings", "import", str(folder / "codings.csv"), db=db)
    assert result.exit_code == 0, result.output
    for display, row, column, text in SUMMARIES:
        args = ["summary", "set", "--display", display, "--row", row, "--column", column, text]
        result = run(*args, "--coder", "ana", db=db)
        assert result.exit_code == 0, result.output
    return db


# -- golden files -----------------------------------------------------------------------------
BASE = {
    "clustered": ["clustered"],
    "role": ["role"],
    "checklist": ["checklist", "--code", "Empowering"],
    "time": ["time"],
    "cooccurrence": ["cooccurrence"],
    "method": ["method"],
}
VARIANTS = {
    "clustered-depth2-sources": ["clustered", "--depth", "2", "--rows", "source"],
    "clustered-quotes": ["clustered", "--cells", "quotes", "--quotes", "1"],
    "clustered-quotes-pseudonymized": ["clustered", "--cells", "quotes", "--pseudonymize"],
    "clustered-summary": ["clustered", "--cells", "summary"],
    "clustered-interviews-only": ["clustered", "--kind", "interview"],
    "role-magnitude": ["role", "--cells", "magnitude"],
    "role-summary": ["role", "--cells", "summary"],
    "role-sources-coder-ben": ["role", "--rows", "source", "--coder", "ben"],
    "checklist-magnitude": ["checklist", "--code", "Empowering", "--cells", "magnitude"],
    "time-timestamp-5m": ["time", "--by", "timestamp", "--bin", "5m"],
    "time-summary": ["time", "--cells", "summary"],
    "cooccurrence-depth2": ["cooccurrence", "--depth", "2"],
    "method-summary": ["method", "--cells", "summary"],
}
CASES = [(name, args, fmt) for name, args in BASE.items() for fmt in EXT] + [
    (name, args, fmt) for name, args in VARIANTS.items() for fmt in ("md", "json")
]


@pytest.mark.parametrize(("name", "args", "fmt"), CASES, ids=[f"{n}.{EXT[f]}" for n, _, f in CASES])
def test_golden(project: Path, name: str, args: list[str], fmt: str) -> None:
    result = run("matrix", *args, "--format", fmt, db=project)
    assert result.exit_code == 0, result.output
    path = GOLDEN / f"{name}.{EXT[fmt]}"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(result.stdout.encode("utf-8"))
    assert path.exists(), f"no golden file {path}: run with QUALCODE_UPDATE_GOLDEN=1"
    assert result.stdout.encode("utf-8") == path.read_bytes()


def test_no_stray_golden_files() -> None:
    expected = {f"{n}.{EXT[f]}" for n, _, f in CASES}
    assert {p.name for p in GOLDEN.iterdir()} == expected


# -- an independent computation ---------------------------------------------------------------
class Plain:
    """The project read back through the CLI's exports, and the displays recomputed with plain
    Python loops over sets (no SQL, no qualcode.analysis)."""

    def __init__(self, db: Path) -> None:
        self.codings = json.loads(run("codings", "export", "--format", "json", db=db).output)
        self.sources = json.loads(run("sources", "--format", "json", db=db).output)
        self.people = json.loads(run("informants", "--format", "json", db=db).output)
        self.segments = {s["name"]: _segments(db, s["name"]) for s in self.sources}

    def overlapped(self, source: str, start: int, end: int) -> set[tuple[str, int]]:
        return {
            (source, g["ordinal"])
            for g in self.segments[source]
            if g["start"] < end and start < g["end"]
        }

    def column(self, code: str, depth: int) -> str | None:
        parts = code.split("/")
        return "/".join(parts[:depth]) if len(parts) >= depth else None

    def counts(self, depth: int = 1, coder: str | None = None) -> dict[str, dict[str, int | None]]:
        owner = {s["name"]: s["informant"] for s in self.sources}
        seen: dict[tuple[str, str], set[tuple[str, int]]] = defaultdict(set)
        for c in self.codings:
            col = self.column(c["code"], depth)
            if col is None or owner[c["source"]] is None or coder not in (None, c["coder"]):
                continue
            seen[(owner[c["source"]], col)] |= self.overlapped(c["source"], c["start"], c["end"])
        with_source = {s["informant"] for s in self.sources}
        cols = sorted({col for _, col in seen})
        return {
            p["name"]: {
                col: len(seen[(p["name"], col)]) if p["name"] in with_source else None
                for col in cols
            }
            for p in self.people
        }

    def cooccurrence(self, depth: int = 1) -> dict[tuple[str, str], int]:
        hits: dict[tuple[str, str], set[tuple[str, int]]] = defaultdict(set)
        for a, b in itertools.product(self.codings, repeat=2):
            ca, cb = self.column(a["code"], depth), self.column(b["code"], depth)
            if ca is None or cb is None or a["source"] != b["source"] or a["coder"] != b["coder"]:
                continue
            lo, hi = max(a["start"], b["start"]), min(a["end"], b["end"])
            if lo < hi:
                hits[(ca, cb)] |= self.overlapped(a["source"], lo, hi)
        return {k: len(v) for k, v in hits.items()}

    def mean_magnitudes(self) -> dict[tuple[str, str], float]:
        role = {p["name"]: p["role"] for p in self.people}
        owner = {s["name"]: s["informant"] for s in self.sources}
        found: dict[tuple[str, str], list[int]] = defaultdict(list)
        for c in self.codings:
            if c["magnitude"] is not None and owner[c["source"]] is not None:
                found[(role[owner[c["source"]]], c["code"].split("/")[0])].append(c["magnitude"])
        return {k: sum(v) / len(v) for k, v in found.items()}


@pytest.fixture(scope="module")
def plain(project: Path) -> Plain:
    return Plain(project)


def _json(db: Path, *args: str) -> dict:
    result = run("matrix", *args, "--format", "json", db=db)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.parametrize(("depth", "coder"), [(1, None), (2, None), (1, "ben"), (2, "ana")])
def test_counts_match_a_plain_computation(
    project: Path, plain: Plain, depth: int, coder: str | None
) -> None:
    args = ["--depth", str(depth)] + (["--coder", coder] if coder else [])
    table = _json(project, *args)
    expected = plain.counts(depth, coder)
    got = {r["label"]: r["cells"] for r in table["rows"]}
    assert set(got) == set(expected)
    for person, cells in got.items():
        for col, value in cells.items():
            assert value == expected[person].get(col, None if value is None else 0), (person, col)
    assert got["Dewi"] == dict.fromkeys(table["columns"])  # no source: missing, not 0


def test_cooccurrence_and_c_coefficient_match_a_plain_computation(
    project: Path, plain: Plain
) -> None:
    for depth in (1, 2):
        table = _json(project, "cooccurrence", "--depth", str(depth))
        pairs = plain.cooccurrence(depth)
        codes = table["row_keys"]
        for row, code in zip(table["rows"], codes, strict=True):
            for other in codes:
                n12 = pairs.get((code, other), 0)
                n1, n2 = pairs.get((code, code), 0), pairs.get((other, other), 0)
                assert row["cells"][other] == n12, (code, other)
                c = n12 / (n1 + n2 - n12) if n1 + n2 - n12 else None
                assert row["cells"][f"{other} (c)"] == (None if c is None else round(c, 2))
    # Checked by hand: Empowering and Protecting overlap in ibu-na #4 (ana's Licensing and
    # Capital spans share "forms."); in cetin #3 ana's Licensing meets only ben's Capital, a
    # comparison between coders, not a co-occurrence.
    assert plain.cooccurrence(1)[("Empowering", "Protecting")] == 1


def test_role_magnitudes_match_a_plain_computation(project: Path, plain: Plain) -> None:
    table = _json(project, "role", "--cells", "magnitude")
    totals = {r["label"]: r for r in table["rows"] if r["subtotal"]}
    assert list(totals) == ["msme actor (total)", "official (total)"]
    for (role, code), mean in plain.mean_magnitudes().items():
        label = f"{role} (total)"
        assert table["magnitudes"][label][code]["mean"] == round(mean, 2)
        assert totals[label]["cells"][code].startswith(rating(mean) + " (n=")


def test_informant_with_only_an_observation_is_missing_among_interviews(project: Path) -> None:
    rows = {r["label"]: r["cells"] for r in _json(project, "--kind", "interview")["rows"]}
    assert rows["Eko"] == {"Enabling": None, "Empowering": None, "Protecting": None}
    assert rows["Çetin Ölmez"]["Protecting"] == 1  # his observation is not counted here


# -- the rules ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("mean", "symbol"),
    [
        (2, "++"),
        (1.5, "++"),
        (1.49, "+"),
        (0.5, "+"),
        (0.49, "0"),
        (0, "0"),
        (-0.49, "0"),
        (-0.5, "-"),
        (-1.49, "-"),
        (-1.5, "--"),
        (-2, "--"),
    ],
)
def test_rating_thresholds(mean: float, symbol: str) -> None:
    assert rating(mean) == symbol


def test_rating_scales_with_the_codebook_scale() -> None:
    assert rating(2.25, scale_max=3) == "++" and rating(2.24, scale_max=3) == "+"


def test_presence_and_strength() -> None:
    assert presence(Agg(segments=0), 2) == "·"
    assert presence(Agg(segments=1), 2) == "✓"
    assert presence(Agg(segments=2), 2) == "✓✓"
    assert presence(Agg(segments=1, mag_sum=-2, mag_n=1), 2) == "✓✓"
    assert presence(Agg(segments=1, mag_sum=1, mag_n=1), 2) == "✓"


def test_c_coefficient() -> None:
    assert c_coefficient(1, 2, 2) == pytest.approx(1 / 3)
    assert c_coefficient(3, 3, 3) == 1.0
    assert c_coefficient(0, 0, 0) is None


def test_most_telling_quote_first(project: Path) -> None:
    table = _json(project, "--cells", "quotes", "--quotes", "1", "--codes", "Enabling")
    cells = {r["label"]: r["cells"]["Enabling"] for r in table["rows"]}
    # Çetin's memo'd, strongest (-2) coding beats the other coder's shorter span of the same words.
    assert cells["Çetin Ölmez"].startswith("“No. I heard about it too late")
    assert "(Çetin Ölmez, cetin #2, 00:00:30)" in cells["Çetin Ölmez"]
    assert cells["Çetin Ölmez"].endswith("(+1 more)")
    assert cells["Dewi"] is None and cells["Eko"] == ""


def test_pseudonymized_output_names_nobody(project: Path) -> None:
    """Labels, keys, citations and notes use pseudonyms (the quoted words are the data's own)."""
    seen = []
    for args in (
        ["--cells", "quotes", "--informants", "Ibu Ña 🙂", "--informants", "Eko"],
        ["role", "--rows", "source", "--cells", "quotes"],
        ["time", "--cells", "quotes"],
    ):
        table = _json(project, *args, "--pseudonymize")
        cells = [v or "" for r in table["rows"] for v in r["cells"].values()]
        citations = [c for v in cells for c in re.findall(r"” \(([^)]*)\)", v)]
        words = [r["label"] for r in table["rows"]] + table["columns"] + table["notes"]
        words += citations + [table["row_keys"], table["column_keys"], table["filters"]]
        text = json.dumps(words, ensure_ascii=False)
        for name in ("Ña", "Budi", "Çetin", "Dewi", "Eko", "ibu-na", "cetin"):
            assert name not in text, (args, name)
        seen += citations
    assert "Official A, interview #2, 00:01:10" in seen
    assert "Actor A, observation #2" in seen


# -- drill-down -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "args",
    [
        ["clustered"],
        ["clustered", "--depth", "2", "--rows", "source", "--coder", "ben"],
        ["role", "--kind", "interview"],
        ["checklist", "--code", "Empowering"],
        ["time"],
        ["method", "--codes", "Empowering"],
        ["clustered", "--pseudonymize"],
    ],
)
def test_a_count_cell_expands_to_the_codings_it_counts(
    project: Path, plain: Plain, args: list[str]
) -> None:
    table = _json(project, *args, "--cells", "count")
    spec = _spec(args)
    with Project.open(project) as p, p.read() as s:
        for row, row_key in zip(table["rows"], table["row_keys"], strict=True):
            for label, column_key in zip(table["columns"], table["column_keys"], strict=True):
                found = cell_excerpts(s, spec, row_key, column_key, subtotal=row["subtotal"])
                segments = set().union(*(plain.overlapped(e.source, e.start, e.end) for e in found))
                assert len(segments) == (row["cells"][label] or 0), (row_key, column_key)
                assert all(not e.memo for e in found[1:]) or found[0].memo  # memo'd first


def _spec(args: list[str]) -> DisplaySpec:
    values: dict[str, object] = {"kind": args[0]}
    options = iter(args[1:])
    names = {"--depth": "depth", "--rows": "rows", "--code": "code"}
    many = {"--coder": "coders", "--kind": "kinds", "--codes": "codes"}
    for option in options:
        if option == "--pseudonymize":
            values["pseudonymize"] = True
        elif option in names:
            value = next(options)
            values[names[option]] = int(value) if option == "--depth" else value
        else:
            values[many[option]] = (next(options),)
    return DisplaySpec(**values)  # type: ignore[arg-type]


def test_drill_refuses_what_is_not_a_cell(project: Path) -> None:
    with Project.open(project) as p, p.read() as s:
        with pytest.raises(QualcodeError, match="not a column"):
            cell_excerpts(s, DisplaySpec(), "Eko", "Empowering/Training")
        with pytest.raises(QualcodeError, match="co-occurrence"):
            cell_excerpts(s, DisplaySpec(kind="cooccurrence"), "Enabling", "Empowering")
