"""``qualcode matrix`` and ``qualcode summary``: CLI contracts, errors, the demo's reading."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from conftest import fingerprint, run

from qualcode.storage.project import Project, audit_entries

# The tests that take a project also run on PostgreSQL (see tests/conftest.py).
pytestmark = pytest.mark.backends

INDICATORS = ["Enabling", "Empowering", "Protecting"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    result = run("demo", "--no-app", db=db)
    assert result.exit_code == 0, result.output
    return db


def _json(db: Path, *args: str) -> dict:
    result = run("matrix", *args, "--format", "json", db=db)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_demo_depth_1_compares_officials_and_msme_actors(demo: Path) -> None:
    table = _json(demo, "--depth", "1")
    assert table["columns"][:3] == INDICATORS and table["row_dimension"] == "informant"
    people = {
        p["name"]: p["role"]
        for p in json.loads(run("informants", "--format", "json", db=demo).output)
    }
    rows = {r["label"]: r["cells"] for r in table["rows"]}
    assert {people[name] for name in rows} == {"official", "msme actor"}
    for name, cells in rows.items():
        assert all(isinstance(cells[c], int) and cells[c] > 0 for c in INDICATORS), name


def test_demo_role_magnitudes_officials_positive_msme_actors_negative(demo: Path) -> None:
    table = _json(demo, "role", "--cells", "magnitude")
    totals = {r["label"]: r["cells"] for r in table["rows"] if r["subtotal"]}
    assert list(totals) == ["msme actor (total)", "official (total)"]
    means = table["magnitudes"]
    for code in INDICATORS:
        assert means["official (total)"][code]["mean"] > 0, code
        assert means["msme actor (total)"][code]["mean"] < 0, code
        assert totals["msme actor (total)"][code].startswith("-"), code
        assert not totals["official (total)"][code].startswith("-"), code
    # Empowering is where the officials' accounts are clearly positive (the study's "+").
    assert totals["official (total)"]["Empowering"].startswith("+ ")


def test_csv_contract(demo: Path) -> None:
    result = run("matrix", "--format", "csv", db=demo)
    rows = list(csv.reader(io.StringIO(result.output)))
    table = _json(demo)
    assert rows[0] == ["informant", *table["columns"]]
    assert [r[0] for r in rows[1:]] == [r["label"] for r in table["rows"]]
    assert all(cell.isdigit() for r in rows[1:] for cell in r[1:])


def test_csv_keeps_missing_cells_empty(project: Path) -> None:
    rows = list(
        csv.reader(
            io.StringIO(run("matrix", "--format", "csv", "--kind", "document", db=project).output)
        )
    )
    assert rows == [
        ["informant", "Enabling", "Empowering", "Obstacles"],
        ["Ratna Kurniasih", "", "", ""],
    ]


def test_every_display_in_every_format(demo: Path) -> None:
    kinds = {
        "clustered": [],
        "role": [],
        "checklist": ["--code", "Empowering"],
        "time": [],
        "cooccurrence": [],
        "method": [],
    }
    for kind, args in kinds.items():
        for fmt in ("table", "md", "csv", "json"):
            result = run("matrix", kind, *args, "--format", fmt, db=demo)
            assert result.exit_code == 0 and result.output, (kind, fmt, result.output)


def test_output_file(demo: Path, tmp_path: Path) -> None:
    target = tmp_path / "role.md"
    result = run("matrix", "role", "--format", "md", "-o", str(target), db=demo)
    assert result.exit_code == 0 and result.stdout == ""
    assert f"to {target}" in result.stderr
    assert (
        target.read_text(encoding="utf-8")
        == run("matrix", "role", "--format", "md", db=demo).output
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--codes", "Enabing"], "error: unknown code 'Enabing' (did you mean 'Enabling'?)"),
        (["--informants", "Nobody"], "error: unknown informant 'Nobody'"),
        (["checklist"], "error: a checklist needs --code INDICATOR"),
        (["--depth", "0"], "error: --depth must be 1 or more"),
        (["--depth", "3"], "error: no codes at depth 3 (the codebook is 2 levels deep)"),
        (["--role", "mayor"], "error: no informant has role 'mayor' (roles: msme actor, official)"),
        (["--coder", "nobody"], "error: unknown coder 'nobody' (coders: resa)"),
        (["checklist", "--code", "Enabling/Motivation and socialisation"], "has no sub-codes"),
        (["cooccurrence", "--cells", "quotes"], "error: the co-occurrence table shows counts only"),
        (
            ["time", "--by", "timestamp", "--bin", "ten"],
            "error: --bin for timestamps is a duration",
        ),
        (["--quotes", "0", "--cells", "quotes"], "error: --quotes must be 1 or more"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(demo: Path, args: list[str], message: str) -> None:
    result = run("matrix", *args, db=demo)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert message in result.stderr


def test_pseudonymize_needs_every_pseudonym(project: Path) -> None:
    result = run("matrix", "--pseudonymize", db=project)
    assert result.exit_code == 1
    assert "no pseudonym for Ratna Kurniasih" in result.stderr


def test_summary_set_show_delete_audited(project: Path) -> None:
    args = ["--row", "Ratna Kurniasih", "--column", "Empowering"]
    result = run(
        "summary", "set", *args, "Training for café owners 🙂", "--coder", "ana", db=project
    )
    assert result.exit_code == 0, result.output
    assert "Training for café owners 🙂" in run("matrix", "--cells", "summary", db=project).output
    listed = json.loads(run("summary", "list", "--format", "json", db=project).output)
    assert listed == [
        {
            "display": "clustered",
            "row": "Ratna Kurniasih",
            "column": "Empowering",
            "text": "Training for café owners 🙂",
            "coder": "ana",
        }
    ]
    assert run("summary", "set", *args, "Revised.", db=project).exit_code == 0
    assert run("summary", "delete", *args, db=project).exit_code == 0
    with Project.open(project) as p, p.read() as s:
        trail = [
            (e.action, json.loads(e.detail)) for e in audit_entries(s) if e.entity == "cell_summary"
        ]
    assert [a for a, _ in trail] == ["create", "update", "delete"]
    assert trail[1][1]["before"] == "Training for café owners 🙂"
    assert trail[2][1]["before"] == "Revised."
    assert json.loads(run("summary", "list", "--format", "json", db=project).output) == []


def test_summary_bad_cell_changes_nothing(project: Path) -> None:
    before = fingerprint(project)
    for args, message in [
        (["--row", "Nobody", "--column", "Empowering"], "no informant or source named 'Nobody'"),
        (["--row", "Ratna Kurniasih", "--column", "Empowerment"], "unknown code 'Empowerment'"),
        (["--display", "role", "--row", "mayor", "--column", "Enabling"], "no informant has role"),
        (["--display", "method", "--row", "Enabling", "--column", "video"], "unknown source kind"),
    ]:
        result = run("summary", "set", *args, "text", db=project)
        assert result.exit_code == 1 and message in result.stderr, result.stderr
    assert fingerprint(project) == before
