"""Triangulation (analysis/triangulation.py): the convergence rule case by case, the figures of
a small study computed by hand, and the demo's figures against an independent computation from
transcripts/sampang/codings.csv and informants.yaml."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

import pytest
import yaml
from conftest import DEMO, SMALL_CODEBOOK, run

from qualcode.analysis.triangulation import (
    AGREEMENT,
    CATEGORIES,
    DISSONANCE,
    PARTIAL,
    SILENCE,
    ConvergenceRule,
    GroupSummary,
    convergence,
    leaning,
    summary_table,
    to_json_value,
    triangulate,
)
from qualcode.core.errors import QualcodeError
from qualcode.exchange.tables import render, to_text
from qualcode.storage.models import Informant
from qualcode.storage.project import Project


def g(informants: int, total: int, mean: float | None, codings: int | None = None) -> GroupSummary:
    n = codings if codings is not None else informants
    return GroupSummary(n, informants, total, mean, n if mean is not None else 0)


# -- the rule ----------------------------------------------------------------------------------


def test_silence_when_one_group_is_silent() -> None:
    assert convergence({"official": g(3, 3, 1.0), "msme actor": g(0, 3, None, 0)}) == SILENCE


def test_silence_when_nobody_mentions_the_code() -> None:
    assert convergence({"a": g(0, 3, None, 0), "b": g(0, 2, None, 0)}) == SILENCE


def test_dissonance_when_groups_lean_opposite_ways() -> None:
    assert convergence({"official": g(3, 3, 0.8), "msme actor": g(3, 3, -1.3)}) == DISSONANCE


def test_agreement_same_leaning_and_similar_prominence() -> None:
    assert convergence({"a": g(3, 3, -1.0), "b": g(2, 3, -1.8)}) == AGREEMENT
    assert convergence({"a": g(1, 3, 0.2), "b": g(2, 3, -0.3)}) == AGREEMENT  # both near 0


def test_agreement_without_magnitudes() -> None:
    assert convergence({"a": g(2, 3, None), "b": g(3, 3, None)}) == AGREEMENT


def test_partial_agreement_when_one_group_is_neutral() -> None:
    # officials +0.21 (within 0.5 of 0), actors -1.3: no opposite leanings, different leanings
    assert convergence({"official": g(3, 3, 0.21), "msme actor": g(3, 3, -1.3)}) == PARTIAL


def test_partial_agreement_when_only_one_group_has_magnitudes() -> None:
    assert convergence({"a": g(2, 3, None), "b": g(2, 3, 1.0)}) == PARTIAL


def test_partial_agreement_when_prominence_differs() -> None:
    assert convergence({"a": g(1, 4, 1.0), "b": g(4, 4, 1.5)}) == PARTIAL  # 0.25 vs 1.0


def test_prominence_threshold() -> None:
    groups = {"a": g(1, 3, 1.0), "b": g(3, 3, 1.0)}  # shares differ by 2/3
    assert convergence(groups) == PARTIAL
    assert convergence(groups, ConvergenceRule(prominence=0.7)) == AGREEMENT
    assert convergence({"a": g(1, 2, 1.0), "b": g(2, 2, 1.0)}) == AGREEMENT  # exactly 0.5


def test_direction_threshold() -> None:
    groups = {"official": g(3, 3, 0.3), "msme actor": g(3, 3, -1.3)}
    assert convergence(groups) == PARTIAL
    assert convergence(groups, ConvergenceRule(direction=0.25)) == DISSONANCE
    assert convergence(groups, ConvergenceRule(direction=0)) == DISSONANCE
    # with direction 0 a mean of exactly 0 still leans nowhere
    assert leaning(g(1, 1, 0.0), ConvergenceRule(direction=0)) == "0"
    assert leaning(g(1, 1, None), ConvergenceRule()) is None
    assert leaning(g(1, 1, -0.5), ConvergenceRule()) == "-"


def test_presence_threshold() -> None:
    groups = {"a": g(1, 10, 1.0), "b": g(6, 10, 1.0)}
    assert convergence(groups, ConvergenceRule(prominence=1)) == AGREEMENT
    assert convergence(groups, ConvergenceRule(presence=2, prominence=1)) == SILENCE


def test_more_than_two_groups() -> None:
    base = {"a": g(2, 3, 1.0), "b": g(3, 3, 1.2), "c": g(2, 2, 0.9)}
    assert convergence(base) == AGREEMENT
    assert convergence({**base, "c": g(2, 2, -0.9)}) == DISSONANCE  # any pair opposite
    assert convergence({**base, "c": g(0, 2, None, 0)}) == SILENCE  # any group silent
    assert convergence({**base, "c": g(2, 2, 0.1)}) == PARTIAL  # one group neutral


def test_a_group_without_informants_is_missing_not_silent() -> None:
    groups = {"a": g(2, 3, 1.0), "b": g(3, 3, 1.2), "nobody heard": g(0, 0, None, 0)}
    assert convergence(groups) == AGREEMENT
    assert convergence({"a": g(2, 3, 1.0), "nobody heard": g(0, 0, None, 0)}) == SILENCE
    assert g(0, 0, None, 0).share is None


def test_silence_before_dissonance() -> None:
    groups = {"a": g(3, 3, 1.5), "b": g(2, 3, -1.5), "c": g(0, 3, None, 0)}
    assert convergence(groups) == SILENCE


def test_rule_rejects_nonsense_thresholds() -> None:
    for bad in ({"presence": 0}, {"prominence": 1.5}, {"direction": -1}):
        with pytest.raises(QualcodeError):
            ConvergenceRule(**bad)  # type: ignore[arg-type]


# -- a small study ------------------------------------------------------------------------------

TRANSCRIPT = """\
[00:00:01] INTERVIEWER: What does the department do?

[00:00:05] {name}: We talk about programmes and motivation.

[00:00:30] INTERVIEWER: And training?

[00:00:35] {name}: There was training and coaching, some of it useful.

[00:01:10] INTERVIEWER: Anything else?

[00:01:15] {name}: Licensing is costly.
"""

PEOPLE = {  # name: (role, gender)
    "Ana": ("official", "f"),
    "Budi": ("official", "m"),
    "Citra": ("msme actor", "f"),
    "Dewi": ("msme actor", "f"),
    "Eko": ("msme actor", "m"),
}

CODINGS = """\
source,segment,start,end,code,coder,magnitude,memo
ana,2,,,Enabling/Motivation,ana,2,
ana,4,,,Empowering/Training and coaching,ana,1,
ana,6,,,Empowering/Training and coaching,ana,-1,official admits
budi,2,,,Enabling/Motivation,ana,1,
budi,4,,,Obstacles/Licensing cost,ana,,
citra,2,,,Enabling/Motivation,ana,-2,
citra,4,,,Empowering/Training and coaching,ana,-2,
citra,6,,,Empowering/Training and coaching,ana,2,the coaching helped
dewi,2,,,Enabling,ana,-1,
dewi,4,,,Obstacles/Licensing cost,ana,,
eko,2,,,Empowering/Training and coaching,budi,-1,
report,1,,,Enabling/Motivation,ana,-1,
"""


def build_study(folder: Path) -> Path:
    """Five interviews (two officials, three MSME actors), a document, and an expert who was
    listed but never interviewed; codings by two coders."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "codebook.yaml").write_text(SMALL_CODEBOOK, encoding="utf-8")
    meta: dict[str, list[dict[str, object]]] = {"informants": [], "sources": []}
    for name, (role, gender) in PEOPLE.items():
        file = f"{name.lower()}.txt"
        (folder / file).write_text(TRANSCRIPT.format(name=name), encoding="utf-8")
        meta["informants"].append(
            {"name": name, "role": role, "attributes": {"gender": gender}, "files": [file]}
        )
    (folder / "report.md").write_text(
        "Only 5 of 3,318 MSMEs went up a class.\n\nThe WUB quota is 100.\n", encoding="utf-8"
    )
    meta["sources"].append(
        {"file": "report.md", "kind": "document", "name": "report", "segment": "paragraph"}
    )
    (folder / "informants.yaml").write_text(yaml.safe_dump(meta), encoding="utf-8")
    (folder / "codings.csv").write_text(CODINGS, encoding="utf-8")
    db = folder / "study.db"
    assert run("init", db=db).exit_code == 0
    assert run("codebook", "load", str(folder / "codebook.yaml"), db=db).exit_code == 0
    files = [str(folder / f"{n.lower()}.txt") for n in PEOPLE] + [str(folder / "report.md")]
    assert run("import", *files, db=db).exit_code == 0
    result = run("codings", "import", str(folder / "codings.csv"), db=db)
    assert result.exit_code == 0, result.output
    with Project.open(db) as project, project.write() as s:
        s.add(Informant(name="Fajar", role="expert", attributes='{"gender": "f"}'))
    return db


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_study(tmp_path_factory.mktemp("study"))


def tri(db: Path, **options: object):  # type: ignore[no-untyped-def]
    with Project.open(db) as project, project.read() as s:
        return triangulate(s, **options)  # type: ignore[arg-type]


def figures(row) -> dict[str, tuple]:  # type: ignore[no-untyped-def]
    return {
        name: (s.codings, s.informants, s.informants_total, s.mean_magnitude, s.magnitude_n)
        for name, s in row.groups.items()
    }


def test_small_study_by_role(study: Path) -> None:
    result = tri(study)
    assert result.groups == ["expert", "msme actor", "official"]
    rows = {r.code: r for r in result.rows}
    assert list(rows) == [
        "Enabling",
        "Enabling/Motivation",
        "Empowering",
        "Empowering/Training and coaching",
        "Obstacles",
        "Obstacles/Licensing cost",
    ]
    assert figures(rows["Enabling"]) == {
        "expert": (0, 0, 0, None, 0),
        "msme actor": (2, 2, 3, -1.5, 2),
        "official": (2, 2, 2, 1.5, 2),
    }
    assert rows["Enabling"].convergence == DISSONANCE
    assert figures(rows["Enabling/Motivation"])["msme actor"] == (1, 1, 3, -2.0, 1)
    assert figures(rows["Empowering"]) == {
        "expert": (0, 0, 0, None, 0),
        "msme actor": (3, 2, 3, pytest.approx(-1 / 3), 3),
        "official": (2, 1, 2, 0.0, 2),
    }
    assert rows["Empowering"].convergence == AGREEMENT  # both within 0.5 of 0, 2/3 vs 1/2
    assert figures(rows["Obstacles"])["official"] == (1, 1, 2, None, 0)
    assert rows["Obstacles"].convergence == AGREEMENT
    assert result.left_out == 1  # the document's coding has no role
    # negative evidence: Citra's +2 against the actors' -1/3; officials' mean 0 has no direction
    evidence = rows["Empowering"].negative_evidence
    assert [(e.group, e.excerpt.informant, e.magnitude) for e in evidence] == [
        ("msme actor", "Citra", 2)
    ]
    assert evidence[0].citation() == "Citra, citra #6, 00:01:15"
    assert rows["Empowering"].negative_n == 1
    assert rows["Enabling"].negative_evidence == []


def test_small_study_by_kind_counts_sources_for_documents(study: Path) -> None:
    result = tri(study, by="kind", depth=1)
    assert result.groups == ["interview", "document"]
    assert result.units == {"interview": "informants", "document": "sources"}
    rows = {r.code: r for r in result.rows}
    assert figures(rows["Enabling"]) == {
        "interview": (4, 4, 5, 0.0, 4),
        "document": (1, 1, 1, -1.0, 1),
    }
    assert rows["Enabling"].convergence == PARTIAL
    assert rows["Obstacles"].convergence == SILENCE  # the document says nothing about it
    assert result.left_out == 0
    assert any("document: counts sources" in n for n in result.notes())


def test_small_study_by_attribute(study: Path) -> None:
    result = tri(study, by="gender", depth=1)
    assert result.groups == ["f", "m"]
    rows = {r.code: r for r in result.rows}
    # Fajar (f) has no source: not counted in the total
    assert figures(rows["Enabling"])["f"] == (3, 3, 3, pytest.approx(-1 / 3), 3)
    assert figures(rows["Enabling"])["m"] == (1, 1, 2, 1.0, 1)


def test_unknown_attribute_is_an_error(study: Path) -> None:
    with pytest.raises(QualcodeError, match="no informant has an attribute 'age'.*gender"):
        tri(study, by="age")


def test_depth_codes_and_coder_filters(study: Path) -> None:
    assert [r.code for r in tri(study, depth=1).rows] == ["Enabling", "Empowering", "Obstacles"]
    only = tri(study, codes=["Empowering"])
    assert [r.code for r in only.rows] == ["Empowering", "Empowering/Training and coaching"]
    named = tri(study, codes=["Training and coaching", "Enabling"], subcodes=False)
    assert [r.code for r in named.rows] == ["Enabling", "Empowering/Training and coaching"]
    budi = tri(study, coder="budi")
    assert [r.code for r in budi.rows] == ["Empowering", "Empowering/Training and coaching"]
    assert figures(budi.rows[0])["msme actor"] == (1, 1, 3, -1.0, 1)
    assert budi.rows[0].convergence == SILENCE
    with pytest.raises(QualcodeError, match="unknown coder"):
        tri(study, coder="nobody")
    with pytest.raises(QualcodeError, match="unknown code"):
        tri(study, codes=["Empowerment"])


def test_a_code_named_without_codings_is_shown_as_silence(study: Path) -> None:
    result = tri(study, codes=["Enabling/Motivation"], coder="budi")
    assert [r.code for r in result.rows] == ["Enabling/Motivation"]
    assert result.rows[0].convergence == SILENCE
    assert all(s.codings == 0 for s in result.rows[0].groups.values())


def test_evidence_limit(study: Path) -> None:
    assert tri(study, evidence=0).rows[2].negative_evidence == []
    assert len(tri(study, evidence=None).rows[2].negative_evidence) == 1


def test_tables_in_every_format(study: Path) -> None:
    result = tri(study, depth=1)
    text = to_text(summary_table(result), max_width=80)
    assert "2/3 · 2 · -1.50 (n=2)" in text and "dissonance" in text
    assert "  ↳ Citra, citra #6, 00:01:15 [Training and coaching]" in text
    md = render(summary_table(result), "md")
    assert md.startswith("## Triangulation by role\n\n| code | expert | msme actor | official |")
    rows = list(csv.reader(render(summary_table(result, flat=True), "csv").splitlines()))
    assert rows[0][:3] == ["code", "expert codings", "expert informants"]
    assert rows[1] == ["Enabling", "", "", "0", "", ""] + ["2", "2", "3", "-1.50", "2"] + [
        "2",
        "2",
        "2",
        "1.50",
        "2",
        "dissonance",
    ]
    assert len(rows) == 4  # no evidence rows in CSV


def test_json_contract(study: Path) -> None:
    value = json.loads(json.dumps(to_json_value(tri(study))))
    assert isinstance(value, list) and value
    for item in value:
        assert set(item) == {"code", "groups", "convergence", "negative_evidence"}
        assert item["convergence"] in CATEGORIES
        for fig in item["groups"].values():
            assert set(fig) == {
                "codings",
                "informants",
                "informants_total",
                "mean_magnitude",
                "magnitude_n",
            }
    first = value[0]
    assert first["code"] == "Enabling"
    assert first["groups"]["official"] == {
        "codings": 2,
        "informants": 2,
        "informants_total": 2,
        "mean_magnitude": 1.5,
        "magnitude_n": 2,
    }
    assert value[4]["groups"]["official"]["mean_magnitude"] is None


# -- the demo against an independent computation ------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    assert run("demo", "--no-app", db=db).exit_code == 0
    return db


def expected_from_files() -> dict[str, dict[str, tuple[int, int, int, float | None]]]:
    """Per top-level code and role, straight from codings.csv and informants.yaml."""
    meta = yaml.safe_load((DEMO / "informants.yaml").read_text(encoding="utf-8"))
    role_of = {}
    members: dict[str, set[str]] = defaultdict(set)
    for person in meta["informants"]:
        for file in person["files"]:
            role_of[Path(file).stem] = (person["name"], person["role"])
        members[person["role"]].add(person["name"])
    counts: dict[tuple[str, str], list] = defaultdict(lambda: [0, set(), []])
    with (DEMO / "codings.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["source"] not in role_of:
                continue  # the document
            name, role = role_of[row["source"]]
            top = row["code"].split("/")[0]
            c = counts[(top, role)]
            c[0] += 1
            c[1].add(name)
            if row["magnitude"]:
                c[2].append(int(row["magnitude"]))
    out: dict[str, dict[str, tuple[int, int, int, float | None]]] = defaultdict(dict)
    for (top, role), (n, names, mags) in counts.items():
        mean = sum(mags) / len(mags) if mags else None
        out[top][role] = (n, len(names), len(members[role]), mean)
    return out


def test_demo_figures_match_an_independent_computation(demo: Path) -> None:
    result = run("triangulate", "--depth", "1", "--format", "json", db=demo)
    assert result.exit_code == 0, result.output
    value = {item["code"]: item for item in json.loads(result.stdout)}
    expected = expected_from_files()
    assert set(value) == set(expected) == {"Enabling", "Empowering", "Protecting", "Obstacles"}
    for code, per_role in expected.items():
        for role, (n, k, total, mean) in per_role.items():
            got = value[code]["groups"][role]
            assert (got["codings"], got["informants"], got["informants_total"]) == (n, k, total)
            if mean is None:
                assert got["mean_magnitude"] is None
            else:
                assert got["mean_magnitude"] == pytest.approx(mean, abs=1e-4)


def test_demo_officials_report_programmes_the_actors_say_did_not_reach_them(demo: Path) -> None:
    value = {
        item["code"]: item
        for item in json.loads(run("triangulate", "--format", "json", db=demo).stdout)
    }
    for indicator in ("Enabling", "Empowering", "Protecting"):
        item = value[indicator]
        official, actor = item["groups"]["official"], item["groups"]["msme actor"]
        assert official["mean_magnitude"] > 0 > actor["mean_magnitude"], indicator
        assert item["convergence"] in (DISSONANCE, PARTIAL), indicator
    assert value["Enabling"]["convergence"] == PARTIAL  # officials +0.21: not a clear lean
    assert value["Enabling"]["groups"]["official"]["mean_magnitude"] == pytest.approx(3 / 14)
    assert value["Enabling"]["groups"]["msme actor"]["mean_magnitude"] == pytest.approx(-1.3)
    assert value["Empowering"]["convergence"] == DISSONANCE  # +0.72 against -1.05
    assert value["Protecting"]["convergence"] == PARTIAL  # +0.375 against -1.57
    kur = value["Protecting/Capital and KUR credit"]
    assert kur["convergence"] == DISSONANCE
    assert kur["groups"]["official"]["mean_magnitude"] == 1.0
    assert kur["groups"]["msme actor"]["mean_magnitude"] == pytest.approx(-4 / 3)
    # where the officials admit the gap, the accounts agree
    assert value["Enabling/Information reaching MSMEs"]["convergence"] == AGREEMENT
    # negative evidence on Empowering: Nurhayati's useful coaching, Hadi's NIB help, and the
    # officials' admissions
    cited = {
        (e["group"], e["informant"], e["segment"], e["magnitude"])
        for e in value["Empowering"]["negative_evidence"]
    }
    assert ("msme actor", "Nurhayati", 6, 2) in cited
    assert ("msme actor", "Hadi Sutrisno", 10, 1) in cited
    assert ("official", "Slamet Riyanto", 14, -1) in cited
    assert all(
        e["citation"].startswith(e["informant"]) for e in value["Empowering"]["negative_evidence"]
    )


def test_demo_method_triangulation(demo: Path) -> None:
    value = {
        item["code"]: item
        for item in json.loads(
            run("triangulate", "--by", "kind", "--depth", "1", "--format", "json", db=demo).stdout
        )
    }
    assert value["Empowering"]["groups"]["document"] == {
        "codings": 1,
        "informants": 1,
        "informants_total": 1,
        "mean_magnitude": -2.0,
        "magnitude_n": 1,
    }
    assert value["Obstacles"]["convergence"] == SILENCE  # the recapitulation names no obstacle
