"""Conclusions (analysis/conclusions.py): the verdict rule case by case, recording with the audit
trail, the YAML file, and the check on a small study and on the demo's recorded conclusions."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DEMO, run
from sqlalchemy import text
from test_triangulation import build_study

from qualcode.analysis.conclusions import (
    CONTESTED,
    NOT_TRIANGULATED,
    SUPPORTED,
    UNSUPPORTED,
    Support,
    VerdictRule,
    add_conclusion,
    check_conclusions,
    check_tables,
    list_conclusions,
    load_conclusions,
    remove_conclusion,
    verdict,
)
from qualcode.core.errors import InputError, QualcodeError
from qualcode.exchange.tables import to_text
from qualcode.storage.project import Project, audit_entries

# -- the verdict rule ---------------------------------------------------------------------------


def support(corroborating=5, speaking=6, contradicting=1, groups=2, methods=1) -> Support:  # type: ignore[no-untyped-def]
    return Support(corroborating, speaking, contradicting, groups, methods)


def test_supported_when_triangulated_across_groups_or_methods() -> None:
    assert verdict(support()) == SUPPORTED
    assert verdict(support(groups=1, methods=2)) == SUPPORTED


def test_not_triangulated_with_one_group_and_one_method() -> None:
    assert verdict(support(groups=1, methods=1)) == NOT_TRIANGULATED
    assert verdict(support(groups=1, methods=1), VerdictRule(min_groups=1)) == SUPPORTED


def test_contested_when_contradicting_informants_reach_the_share() -> None:
    assert verdict(support(speaking=6, contradicting=3)) == CONTESTED  # 3 >= 0.5 * 6
    assert verdict(support(speaking=7, contradicting=3)) == SUPPORTED  # 3 < 3.5
    assert verdict(support(speaking=7, contradicting=3), VerdictRule(contest_share=0.4)) == (
        CONTESTED
    )
    assert verdict(support(contradicting=0), VerdictRule(contest_share=0.01)) == SUPPORTED


def test_unsupported_before_anything_else() -> None:
    assert verdict(support(corroborating=0, contradicting=4, speaking=4)) == UNSUPPORTED
    assert verdict(support(corroborating=2), VerdictRule(min_informants=3)) == UNSUPPORTED


def test_verdict_rule_rejects_nonsense() -> None:
    for bad in ({"min_informants": 0}, {"contest_share": 0}, {"contest_share": 2}):
        with pytest.raises(QualcodeError):
            VerdictRule(**bad)  # type: ignore[arg-type]


# -- recording ----------------------------------------------------------------------------------


@pytest.fixture
def study(tmp_path: Path) -> Path:
    return build_study(tmp_path / "study")


def coding_id(db: Path, source: str, ordinal: int, code: str) -> int:
    with Project.open(db) as project, project.read() as s:
        return int(
            s.connection()
            .execute(
                text(
                    """SELECT cd.id FROM coding cd JOIN source s ON s.id = cd.source_id
                    JOIN code c ON c.id = cd.code_id
                    JOIN segment g ON g.source_id = s.id AND g.ordinal = :o
                    WHERE s.name = :s AND c.path = :c AND cd.start = g.start"""
                ),
                {"s": source, "o": ordinal, "c": code},
            )
            .scalar_one()
        )


def test_add_list_remove_with_audit(study: Path) -> None:
    citra = coding_id(study, "citra", 6, "Empowering/Training and coaching")
    with Project.open(study) as project:
        with project.write() as s:
            cid = add_conclusion(
                s,
                "  Training is  uneven.\n",
                ["Training and coaching", "Empowering/Training and coaching"],
                [citra, citra],
                actor="tester",
                coder="ana",
            )
        with project.read() as s:
            (row,) = list_conclusions(s)
            entries = [e for e in audit_entries(s) if e.entity == "conclusion"]
        assert (row.id, row.statement, row.codes, row.codings, row.coder) == (
            cid,
            "Training is uneven.",
            ["Empowering/Training and coaching"],
            [citra],
            "ana",
        )
        assert [(e.action, e.actor, e.entity_id) for e in entries] == [("create", "tester", cid)]
        with project.write() as s:
            assert remove_conclusion(s, cid, actor="tester") == "Training is uneven."
        with project.read() as s:
            assert list_conclusions(s) == []
            links = s.connection().execute(text("SELECT COUNT(*) FROM conclusion_coding"))
            assert links.scalar_one() == 0
            deleted = [e for e in audit_entries(s) if e.action == "delete"][-1]
        assert deleted.entity == "conclusion" and '"Training is uneven."' in deleted.detail
        assert str(citra) in deleted.detail  # enough to restore it by hand


@pytest.mark.parametrize(
    ("codes", "codings", "message"),
    [
        (["Empowerment"], [], "unknown code 'Empowerment'"),
        (["Enabling"], [99999], "unknown coding 99999"),
        ([], [], "at least one --code or --coding"),
    ],
)
def test_bad_input_writes_nothing(
    study: Path, codes: list[str], codings: list[int], message: str
) -> None:
    with Project.open(study) as project:
        with project.read() as s:
            before = len(audit_entries(s))
        with pytest.raises(QualcodeError, match=message), project.write() as s:
            add_conclusion(s, "A statement.", codes, codings, actor="tester")
        with project.read() as s:
            assert list_conclusions(s) == [] and len(audit_entries(s)) == before


def test_empty_statement_and_unknown_id(study: Path) -> None:
    with Project.open(study) as project, project.write() as s:
        with pytest.raises(QualcodeError, match="needs a statement"):
            add_conclusion(s, "   ", ["Enabling"], actor="tester")
        with pytest.raises(QualcodeError, match="no conclusion 7"):
            remove_conclusion(s, 7, actor="tester")
        with pytest.raises(QualcodeError, match="no conclusion 7"):
            check_conclusions(s, [7])


# -- the YAML file ------------------------------------------------------------------------------

GOOD = """\
coder: ana
conclusions:
  - statement: Motivation programmes reach MSME actors.
    codes: [Enabling/Motivation]
    codings:
      - {source: ana, segment: 2, code: Enabling/Motivation}
  - statement: Training does not build capacity.
    codes: [Empowering]
"""


def test_load_conclusions(study: Path, tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(GOOD, encoding="utf-8")
    with Project.open(study) as project:
        with project.write() as s:
            ids = load_conclusions(s, tmp_path / "c.yaml", actor="tester")
        with project.read() as s:
            rows = list_conclusions(s)
    assert [r.id for r in rows] == ids and len(ids) == 2
    assert rows[0].codings == [coding_id(study, "ana", 2, "Enabling/Motivation")]
    assert rows[1].codes == ["Empowering"] and rows[1].coder == "ana"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (GOOD.replace("codes: [Empowering]", "codez: [Empowering]"), r"c.yaml:8: unknown key"),
        (GOOD.replace("segment: 2", "segment: 4"), r"c.yaml:6: no coding Enabling/Motivation"),
        (GOOD.replace("[Empowering]", "[Empowerment]"), r"c.yaml:7: unknown code 'Empowerment'"),
        (GOOD.replace("coder: ana\n", "coder: ana\ncoder: budi\n"), "duplicate key 'coder'"),
        ("conclusions: [\n", "invalid YAML"),
        ("conclusions: []\n", "must be a list of conclusions"),
    ],
)
def test_load_conclusions_all_or_none(study: Path, tmp_path: Path, body: str, message: str) -> None:
    (tmp_path / "c.yaml").write_text(body, encoding="utf-8")
    with Project.open(study) as project:
        with pytest.raises(InputError, match=message), project.write() as s:
            load_conclusions(s, tmp_path / "c.yaml", actor="tester")
        with project.read() as s:
            assert list_conclusions(s) == []


# -- the check ----------------------------------------------------------------------------------


def test_check_on_the_small_study(study: Path) -> None:
    ana = coding_id(study, "ana", 2, "Enabling/Motivation")
    eko = coding_id(study, "eko", 2, "Empowering/Training and coaching")
    with Project.open(study) as project:
        with project.write() as s:
            # linked to Ana's +2: a positive claim the actors and the document contradict
            reach = add_conclusion(
                s, "Motivation reaches actors.", ["Enabling/Motivation"], [ana], actor="t"
            )
            thin = add_conclusion(s, "Eko lacks training.", [], [eko], actor="t")
            gaps = add_conclusion(s, "Licensing is costly.", ["Licensing cost"], actor="t")
        with project.read() as s:
            checks = {c.conclusion.id: c for c in check_conclusions(s)}
            budi = {c.conclusion.id: c for c in check_conclusions(s, coder="budi")}
    c = checks[reach]
    assert (c.direction, c.basis, c.mean_magnitude) == (1, "linked codings", 2.0)
    assert (c.informants, c.documents, c.speaking, c.evidence) == (2, 0, 4, 4)
    assert c.groups == {"msme actor": (0, 3), "official": (2, 2)}
    assert c.methods == {"interview": 2}
    assert c.contradicting == [("Citra", -2.0), ("report", -1.0)]
    assert c.verdict == CONTESTED  # 2 of the 4 who speak to it contradict it
    assert c.convergence == {"Enabling/Motivation": "dissonance"}
    # the officials lean positive and say nothing against it; the actors' mean is -2 and
    # none of them is positive: no negative evidence within a group
    assert c.negative_evidence == []

    t = checks[thin]
    assert (t.direction, t.informants, t.groups, t.verdict) == (
        -1,
        1,
        {"msme actor": (1, 3)},
        NOT_TRIANGULATED,
    )
    g = checks[gaps]
    assert (g.direction, g.basis, g.informants, g.verdict) == (None, "none", 2, SUPPORTED)
    assert g.triangulated_groups and not g.triangulated_methods
    assert budi[reach].verdict == UNSUPPORTED and budi[reach].evidence == 0
    assert budi[thin].verdict == NOT_TRIANGULATED


def test_check_lists_negative_evidence_within_groups(study: Path) -> None:
    with Project.open(study) as project:
        with project.write() as s:
            add_conclusion(s, "Training is weak.", ["Empowering"], actor="t")
        with project.read() as s:
            (c,) = check_conclusions(s)
            (limited,) = check_conclusions(s, evidence=0)
    # actors: -2, +2, -1 (mean -1/3): Citra's +2 is negative evidence, against the conclusion
    assert [(e.group, e.excerpt.informant, e.magnitude) for e in c.negative_evidence] == [
        ("msme actor", "Citra", 2)
    ]
    assert c.against(c.negative_evidence[0])
    assert limited.negative_evidence == []
    (table,) = check_tables([c])
    out = to_text(table, max_width=100)
    assert "  ↳ +2 Citra, citra #6, 00:01:15" in out
    assert "msme actor; Training and coaching; against the conclusion" in out


# -- the demo -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    assert run("demo", "--no-app", db=db).exit_code == 0
    return db


def test_demo_loads_the_studys_conclusions(demo: Path) -> None:
    with Project.open(demo) as project, project.read() as s:
        rows = list_conclusions(s)
    assert len(rows) == 4 == (DEMO / "conclusions.yaml").read_text().count("- statement:")
    assert [r.codes[0] for r in rows] == ["Enabling", "Empowering", "Protecting", "Enabling"]
    assert all("not" in r.statement and "optimal" in r.statement for r in rows)
    assert all(r.coder == "resa" and r.codings for r in rows)


def test_demo_conclusions_check_out_with_their_evidence(demo: Path) -> None:
    with Project.open(demo) as project, project.read() as s:
        checks = check_conclusions(s)
    for c in checks:
        assert c.verdict == SUPPORTED, c.conclusion.statement
        assert c.direction == -1  # "not optimal"
        assert c.triangulated_groups and c.triangulated_methods
        assert set(c.groups) == {"official", "msme actor"} and c.groups["msme actor"] == (3, 3)
        assert c.groups["official"][0] >= 2  # the officials' own admissions corroborate
        assert list(c.methods) == ["interview", "document"]
        assert c.documents == 1
    enabling, empowering, protecting, overall = checks
    assert enabling.convergence == {
        "Enabling": "partial agreement",
        "Obstacles/Access to information": "agreement",
    }
    assert empowering.convergence["Empowering"] == "dissonance"
    assert protecting.convergence["Protecting"] == "partial agreement"
    cited = {
        (e.group, e.excerpt.informant, e.excerpt.ordinal, e.magnitude, empowering.against(e))
        for e in empowering.negative_evidence
    }
    assert ("msme actor", "Nurhayati", 6, 2, True) in cited  # the useful coaching
    assert ("msme actor", "Hadi Sutrisno", 10, 1, True) in cited  # the assistant's NIB help
    admissions = {(who, seg) for grp, who, seg, m, against in cited if grp == "official"}
    assert admissions >= {("Slamet Riyanto", 14), ("Kurnia Supartina", 16)}
    assert all(not against for grp, *_, against in cited if grp == "official")
    # the officials who report the programmes as working contradict it, but they are fewer
    # than half of the informants and sources speaking to it
    assert {who for who, _ in empowering.contradicting} == {
        "Kurnia Supartina",
        "Ratna Kurniasih",
        "Slamet Riyanto",
    }
    assert empowering.speaking == 7
    overall_cited = {(e.excerpt.informant, e.excerpt.ordinal) for e in overall.negative_evidence}
    assert ("Ratna Kurniasih", 12) in overall_cited  # the main programme is only planned
