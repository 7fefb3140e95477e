"""``qualcode triangulate`` and ``qualcode conclude``: formats, contracts, errors, the demo."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from conftest import fingerprint, run

# The tests that take a project also run on PostgreSQL (see tests/conftest.py).
pytestmark = pytest.mark.backends

ALLOWED_KEYS = {"code", "groups", "convergence", "magnitude_n", "negative_evidence"}
GROUP_KEYS = {"codings", "informants", "informants_total", "mean_magnitude"}
CATEGORIES = {"agreement", "partial agreement", "silence", "dissonance"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    assert run("demo", "--no-app", db=db).exit_code == 0
    return db


def test_json_contract(demo: Path) -> None:
    result = run("triangulate", "--format", "json", db=demo)
    assert result.exit_code == 0, result.output
    value = json.loads(result.stdout)
    assert isinstance(value, list) and len(value) == 23  # every code of the codebook is coded
    for item in value:
        assert {"code", "groups", "convergence"} <= set(item) <= ALLOWED_KEYS
        assert item["convergence"] in CATEGORIES
        assert list(item["groups"]) == ["msme actor", "official"]
        for fig in item["groups"].values():
            assert GROUP_KEYS <= set(fig) <= GROUP_KEYS | {"magnitude_n"}
            assert isinstance(fig["codings"], int) and isinstance(fig["informants_total"], int)
            assert fig["mean_magnitude"] is None or isinstance(fig["mean_magnitude"], float)
        for e in item["negative_evidence"]:
            assert e["citation"] and e["text"] and isinstance(e["coding"], int)
    assert [item["code"] for item in value[:2]] == [
        "Enabling",
        "Enabling/Programme design and community involvement",
    ]


def test_table_md_csv_and_output_file(demo: Path, tmp_path: Path) -> None:
    table = run("triangulate", "--depth", "1", db=demo)
    assert table.exit_code == 0
    lines = table.stdout.splitlines()
    assert lines[0] == "Triangulation by role"
    enabling = next(line for line in lines if line.startswith("Enabling "))
    assert "3/3 · 10 · -1.30 (n=10)" in enabling and "3/3 · 14 · +0.21 (n=14)" in enabling
    assert enabling.endswith("partial agreement")
    assert any(line.startswith("  ↳ Nurhayati, nurhayati #6") for line in lines)
    assert "4 codings are on sources outside every group and left out" in table.stdout

    md = run("triangulate", "--depth", "1", "--format", "md", db=demo).stdout
    assert md.startswith("## Triangulation by role\n\n| code | msme actor | official |")

    out = tmp_path / "tri.csv"
    result = run("triangulate", "--depth", "1", "--format", "csv", "-o", str(out), db=demo)
    assert result.exit_code == 0 and result.stdout == ""
    assert "wrote triangulation of 4 codes" in result.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [r["code"] for r in rows] == ["Enabling", "Empowering", "Protecting", "Obstacles"]
    assert rows[1]["official codings"] == "18" and rows[1]["convergence"] == "dissonance"
    assert rows[3]["official mean_magnitude"] == ""  # obstacles carry no magnitude


def test_by_kind_says_documents_count_sources(demo: Path) -> None:
    result = run("triangulate", "--by", "kind", "--depth", "1", db=demo)
    assert "document (sources)" in result.stdout
    assert "document: counts sources" in result.stdout


def test_rule_options_and_environment(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def enabling(*args: str) -> str:
        out = run("triangulate", "--codes", "Enabling", "--depth", "1", "--format", "json", *args)
        return json.loads(out.stdout)[0]["convergence"]

    monkeypatch.setenv("QUALCODE_DB", str(demo))
    assert enabling() == "partial agreement"  # officials' +0.21 leans nowhere
    assert enabling("--direction", "0.2") == "dissonance"
    monkeypatch.setenv("QUALCODE_TRIANGULATION_DIRECTION", "0.2")
    assert enabling() == "dissonance"
    assert enabling("--presence", "4") == "silence"


def test_pseudonyms(demo: Path) -> None:
    args = ["--codes", "Empowering", "--depth", "1", "--format", "json", "--pseudonyms"]
    value = json.loads(run("triangulate", *args, db=demo).stdout)
    cited = [e["citation"] for e in value[0]["negative_evidence"]]
    assert "MSME actor A, interview #6, 00:01:50" in cited
    assert not any("Nurhayati," in c for c in cited)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--by", "age"], "error: no informant has an attribute 'age' (group by one of: role"),
        (["--codes", "Empowerment"], "error: unknown code 'Empowerment'"),
        (["--coder", "nobody"], "error: unknown coder 'nobody'"),
    ],
)
def test_errors_are_one_line(demo: Path, args: list[str], message: str) -> None:
    result = run("triangulate", *args, db=demo)
    assert result.exit_code == 1
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1


# -- conclude -----------------------------------------------------------------------------------


def test_conclude_add_list_check_remove(project: Path, workdir: Path) -> None:
    (workdir / "c.csv").write_text(
        "source,segment,start,end,code,coder,magnitude,memo\n"
        "ratna,2,,,Empowering/Training and coaching,ana,1,\n"
        "ratna,4,,,Enabling,ana,-1,\n",
        encoding="utf-8",
    )
    assert run("codings", "import", str(workdir / "c.csv"), db=project).exit_code == 0
    result = run(
        "conclude",
        "add",
        "Training runs, but the main programme is only planned.",
        "--code",
        "Training and coaching",
        "--coding",
        "ratna#4:Enabling",
        "--coder",
        "ana",
        db=project,
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == "recorded conclusion 1\n"
    listed = json.loads(run("conclude", "list", "--format", "json", db=project).stdout)
    assert [(c["id"], c["codes"], c["coder"]) for c in listed] == [
        (1, ["Empowering/Training and coaching"], "ana")
    ]
    assert len(listed[0]["codings"]) == 1
    table = run("conclude", "list", db=project).stdout
    assert table.splitlines()[0].split() == [
        "id",
        "statement",
        "codes",
        "codings",
        "coder",
        "created_at",
    ]

    check = run("conclude", "check", db=project)
    assert check.exit_code == 0
    assert "1. Training runs, but the main programme is only planned." in check.stdout
    assert "supported, not triangulated" in check.stdout  # one official, one method
    assert check.stdout.rstrip().endswith("1 conclusions: 1 supported, not triangulated")
    value = json.loads(run("conclude", "check", "--format", "json", db=project).stdout)
    assert value[0]["verdict"] == "supported, not triangulated"
    assert value[0]["groups"] == {"official": {"informants": 1, "informants_total": 1}}
    md = run("conclude", "check", "1", "--format", "md", db=project).stdout
    assert md.startswith("## 1. Training runs") and "| verdict | supported, not" in md

    removed = run("conclude", "remove", "1", db=project)
    assert removed.exit_code == 0
    assert removed.stdout.startswith("removed conclusion 1: Training runs")
    assert json.loads(run("conclude", "list", "--format", "json", db=project).stdout) == []
    empty = run("conclude", "check", db=project)
    assert empty.exit_code == 0 and "no conclusions yet" in empty.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "X.", "--code", "Empowerment"], "error: unknown code 'Empowerment'"),
        (["add", "X.", "--code", "Enabling", "--coding", "42"], "error: unknown coding 42"),
        (["add", "X.", "--coding", "ratna#2:Enabling"], "error: no coding Enabling in ratna #2"),
        (["add", "X.", "--coding", "ratna:2"], "error: 'ratna:2' is neither a coding id"),
        (["add", "X."], "error: a conclusion needs its evidence"),
        (["add", " ", "--code", "Enabling"], "error: a conclusion needs a statement"),
        (["remove", "3"], "error: no conclusion 3"),
        (["check", "3"], "error: no conclusion 3"),
    ],
)
def test_conclude_bad_input_is_one_line_and_writes_nothing(
    project: Path, args: list[str], message: str
) -> None:
    before = fingerprint(project)
    result = run("conclude", *args, db=project)
    assert result.exit_code == 1
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1
    assert fingerprint(project) == before


def test_conclude_check_on_the_demo(demo: Path) -> None:
    result = run("conclude", "check", db=demo)
    assert result.exit_code == 0
    out = result.stdout
    assert out.rstrip().endswith("4 conclusions: 4 supported")
    assert out.count("msme actor 3/3, official 3/3: triangulated") == 3
    assert "msme actor 3/3, official 2/3: triangulated" in out  # Protecting: Slamet is silent
    assert out.count("interview (") == 4 and out.count("document (") == 4
    assert "  ↳ +2 Nurhayati, nurhayati #6, 00:01:50" in out
    assert "  ↳ +1 Hadi Sutrisno, hadi-sutrisno #10, 00:03:51" in out
    assert "  ↳ -2 Ratna Kurniasih, ratna-kurniasih #12, 00:04:44" in out
    value = json.loads(run("conclude", "check", "--format", "json", db=demo).stdout)
    assert [c["verdict"] for c in value] == ["supported"] * 4
    assert all(c["triangulated"] == {"groups": True, "methods": True} for c in value)
    against = [e for e in value[1]["negative_evidence"] if e["against_conclusion"]]
    assert {(e["informant"], e["segment"]) for e in against} == {
        ("Nurhayati", 6),
        ("Hadi Sutrisno", 10),
    }
