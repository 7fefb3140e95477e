"""``qualcode agree``, ``adjudicate`` and ``blind`` on a small project double-coded by CSV import.

The interview has four turns (segments 1-4). ana codes Training on 2, Motivation on 2 and 4;
ben codes Training on 2 and 4. The figures below are worked out by hand in the comments.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import fingerprint, run

from qualcode.storage.codings import coder_id
from qualcode.storage.project import Project

TRAINING, MOTIVATION = "Empowering/Training and coaching", "Enabling/Motivation"
CODINGS = f"""source,segment,code,coder,memo
ratna,2,{TRAINING},ana,offers training
ratna,2,{MOTIVATION},ana,
ratna,4,{MOTIVATION},ana,planned programme motivates
ratna,2,{TRAINING},ben,
ratna,4,{TRAINING},ben,training is planned
"""


@pytest.fixture
def double_coded(project: Path, workdir: Path) -> Path:
    csv = workdir / "codings.csv"
    csv.write_text(CODINGS, encoding="utf-8")
    result = run("codings", "import", str(csv), db=project)
    assert result.exit_code == 0, result.output
    return project


def _json(*args: str, db: Path) -> object:
    result = run(*args, "--format", "json", db=db)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_agree_json_contract_with_hand_computed_figures(double_coded: Path) -> None:
    out = _json("agree", "--coders", "ana", "ben", db=double_coded)
    assert out["coders"] == ["ana", "ben"] and out["unit"] == "segment"
    assert set(out) == {"coders", "unit", "codes", "overall"}  # the contract, nothing more
    assert list(out["codes"]) == [MOTIVATION, TRAINING]  # codebook order
    training = out["codes"][TRAINING]
    # both on 2, ben only on 4, neither on 1 and 3: po .75, pe .25*.5 + .75*.5 = .5, kappa .5;
    # n = 8 values, 3 present, one mixed unit: alpha = 1 - 7 * 1 / (3 * 5).
    assert training["units"] == 4
    assert training["percent_agreement"] == 0.75
    assert training["cohen_kappa"] == pytest.approx(0.5)
    assert training["krippendorff_alpha"] == pytest.approx(1 - 7 / 15)
    assert training["flag"] == "unreliable"
    motivation = out["codes"][MOTIVATION]
    # ana only on 2 and 4: po .5, pe .5, kappa 0; alpha = 1 - 7 * 2 / (2 * 6).
    assert motivation["percent_agreement"] == 0.5
    assert motivation["cohen_kappa"] == 0.0
    assert motivation["krippendorff_alpha"] == pytest.approx(1 - 14 / 12)
    overall = out["overall"]
    # pooled: 8 (code, segment) units, 5 agreeing; alpha = 1 - 15 * 3 / (5 * 11).
    assert overall["units"] == 8
    assert overall["percent_agreement"] == 0.625
    assert overall["cohen_kappa"] == pytest.approx((0.625 - 0.5625) / 0.4375)
    assert overall["krippendorff_alpha"] == pytest.approx(1 - 45 / 55)


def test_agree_on_characters_and_one_code(double_coded: Path) -> None:
    out = _json(
        "agree", "--coders", "ana", "ben", "--codes", TRAINING, "--unit", "character",
        db=double_coded,
    )  # fmt: skip
    assert list(out["codes"]) == [TRAINING]
    with Project.open(double_coded) as project, project.read() as s:
        length, seg4 = (
            s.connection()
            .exec_driver_sql(
                'SELECT LENGTH(s.text), g."end" - g.start FROM source s '
                "JOIN segment g ON g.source_id = s.id AND g.ordinal = 4"
            )
            .one()
        )
    training = out["codes"][TRAINING]
    assert training["units"] == length
    # they disagree exactly on the characters of segment 4
    assert training["percent_agreement"] == pytest.approx(1 - seg4 / length)


def test_agree_table_and_csv(double_coded: Path) -> None:
    table = run("agree", "--coders", "ana", "ben", db=double_coded)
    assert table.exit_code == 0
    lines = table.stdout.splitlines()
    assert lines[0] == "coders ana, ben · unit segment · 1 compared sources"
    assert lines[1].split() == ["code", "units", "agree", "%", "kappa", "alpha", "flag"]
    assert lines[-1].split() == ["(overall)", "8", "62.5", "0.143", "0.182", "unreliable"]
    csv = run("agree", "--coders", "ana", "ben", "--format", "csv", db=double_coded)
    assert csv.stdout.splitlines()[0] == (
        "code,units,percent_agreement,cohen_kappa,krippendorff_alpha,flag"
    )
    assert csv.stdout.splitlines()[-1].startswith("(overall),8,0.625,0.142857")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--coders", "ana", "bne"], "error: unknown coder 'bne' (did you mean 'ben'?)"),
        (["--coders", "ana"], "error: agreement needs at least two different coders"),
        (
            ["--coders", "ana", "ben", "--codes", "Motivaton"],
            "error: unknown code 'Motivaton' (did you mean 'Enabling/Motivation'?)",
        ),
    ],
)
def test_agree_bad_names_are_one_line_errors(
    double_coded: Path, args: list[str], message: str
) -> None:
    result = run("agree", *args, db=double_coded)
    assert result.exit_code == 1
    assert result.stderr.strip().startswith(message)
    assert len(result.stderr.strip().splitlines()) == 1


def test_agree_with_a_coder_who_coded_nothing(double_coded: Path, workdir: Path) -> None:
    (workdir / "one.csv").write_text(
        "source,segment,code,coder\nratna,1,Enabling/Motivation,cita\n", encoding="utf-8"
    )
    run("codings", "import", str(workdir / "one.csv"), db=double_coded)
    # cita coded the same source: compared, units 4; a fresh coder without codings: nothing.
    out = _json("agree", "--coders", "ana", "cita", db=double_coded)
    assert out["overall"]["units"] == 4 * 2
    with Project.open(double_coded) as project, project.write() as s:
        coder_id(s, "dora")
    result = run("agree", "--coders", "ana", "dora", "--format", "json", db=double_coded)
    assert result.exit_code == 0
    assert "nothing to compare" in result.stderr
    out = json.loads(result.stdout)
    assert out["codes"] == {} and out["overall"]["units"] == 0
    assert out["overall"]["krippendorff_alpha"] is None


# -- adjudication ------------------------------------------------------------------------------
def _ids(db: Path) -> dict[tuple[int, str], str]:
    items = _json("adjudicate", "--coders", "ana", "ben", "--list", db=db)
    return {(d["segment"], d["code"]): d["id"] for d in items}  # type: ignore[union-attr]


def _consensus(db: Path) -> list[tuple[str, int, int, int, str | None]]:
    with Project.open(db) as project, project.read() as s:
        return [
            tuple(r)  # type: ignore[misc]
            for r in s.connection().exec_driver_sql(
                'SELECT c.path, g.ordinal, cd.start - g.start, cd."end" - g."end", cd.memo '
                "FROM coding cd JOIN coder k ON k.id = cd.coder_id "
                "JOIN code c ON c.id = cd.code_id JOIN segment g ON g.id = cd.segment_id "
                "WHERE k.name = 'consensus' ORDER BY g.ordinal, c.path"
            )
        ]


def _audit(db: Path) -> list[dict[str, object]]:
    with Project.open(db) as project, project.read() as s:
        return [
            {"actor": a, "action": b, **json.loads(d)}
            for a, b, d in s.connection().exec_driver_sql(
                "SELECT actor, action, detail FROM audit_log "
                "WHERE action LIKE 'adjudicate%' ORDER BY id"
            )
        ]


def test_adjudicate_lists_disagreements_side_by_side(double_coded: Path) -> None:
    items = _json("adjudicate", "--coders", "ana", "ben", "--list", db=double_coded)
    assert [(d["segment"], d["code"]) for d in items] == [  # type: ignore[union-attr]
        (2, MOTIVATION),
        (4, MOTIVATION),
        (4, TRAINING),
    ]
    second = items[1]  # type: ignore[index]
    assert second["applied"]["ben"] == []
    (ana,) = second["applied"]["ana"]
    assert ana["memo"] == "planned programme motivates"
    assert ana["text"] == second["text"]  # the whole turn was coded
    assert second["decision"] is None


def test_adjudicate_decisions_write_consensus_and_audit(double_coded: Path) -> None:
    ids = _ids(double_coded)
    for key, accept in [((2, MOTIVATION), "neither"), ((4, MOTIVATION), "ana")]:
        result = run(
            "adjudicate", "--coders", "ana", "ben", "--unit-id", ids[key], "--accept", accept,
            db=double_coded,
        )  # fmt: skip
        assert result.exit_code == 0, result.output
    result = run(
        "adjudicate", "--coders", "ben", "ana", "--unit-id", ids[(4, TRAINING)], "--accept",
        "both", db=double_coded,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert _consensus(double_coded) == [
        (TRAINING, 4, 0, 0, "training is planned"),
        (MOTIVATION, 4, 0, 0, "planned programme motivates"),
    ]
    assert run(
        "adjudicate", "--coders", "ana", "ben", "--accept-agreed", db=double_coded
    ).stdout.startswith("copied 1 agreed")
    assert _consensus(double_coded)[0] == (TRAINING, 2, 0, 0, "offers training")
    log = _audit(double_coded)
    assert [(e["action"], e.get("accept")) for e in log] == [
        ("adjudicate", "neither"),
        ("adjudicate", "ana"),
        ("adjudicate", "both"),
        ("adjudicate agreed", None),
    ]
    assert log[1]["code"] == MOTIVATION and log[1]["segment"] == 4 and log[1]["into"] == "consensus"
    assert log[1]["applied_by"] == ["ana"]
    # decided ones are marked; --pending hides them
    listed = _json("adjudicate", "--coders", "ana", "ben", "--list", db=double_coded)
    assert [d["decision"] for d in listed] == ["neither", "ana", "both"]  # type: ignore[union-attr]
    pending = _json("adjudicate", "--coders", "ana", "ben", "--list", "--pending", db=double_coded)
    assert pending == []


def test_a_new_decision_replaces_the_old_one(double_coded: Path) -> None:
    key = _ids(double_coded)[(4, MOTIVATION)]
    for accept in ("ana", "ben"):
        run("adjudicate", "--coders", "ana", "ben", "--unit-id", key, "--accept", accept,
            db=double_coded)  # fmt: skip
    assert _consensus(double_coded) == []  # ben did not apply it: accepting ben removed it
    assert [e["accept"] for e in _audit(double_coded)] == ["ana", "ben"]


def test_adjudicate_with_a_decisions_file(double_coded: Path, workdir: Path) -> None:
    listing = run("adjudicate", "--coders", "ana", "ben", "--list", "--format", "csv",
                  db=double_coded)  # fmt: skip
    lines = listing.stdout.splitlines()
    assert lines[0] == "id,source,segment,code,ana,ana memo,ben,ben memo,decision"
    filled = [lines[0]] + [lines[1] + "neither", lines[2] + "ana", lines[3]]  # last undecided
    path = workdir / "decisions.csv"
    path.write_text("\n".join(filled) + "\n", encoding="utf-8")
    result = run("adjudicate", "--coders", "ana", "ben", "--decisions", str(path),
                 db=double_coded)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"applied 2 decisions from {path} into coder 'consensus'"
    assert [c[:2] for c in _consensus(double_coded)] == [(MOTIVATION, 4)]


def test_a_bad_decisions_file_changes_nothing(double_coded: Path, workdir: Path) -> None:
    ids = _ids(double_coded)
    path = workdir / "decisions.csv"
    path.write_text(
        f"id,decision\n{ids[(2, MOTIVATION)]},ana\n{ids[(4, TRAINING)]},maybe\n", encoding="utf-8"
    )
    before = fingerprint(double_coded)
    result = run("adjudicate", "--coders", "ana", "ben", "--decisions", str(path),
                 db=double_coded)  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"error: {path}:3: cannot accept 'maybe' (choose ana, ben, both, neither)"
    )
    assert fingerprint(double_coded) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--unit-id", "x", "--accept", "ana"], "'x' is not a disagreement id"),
        (["--unit-id", "1:1"], "--unit-id and --accept go together"),
        (["--unit-id", "99999:1", "--accept", "ana"], "no segment with id 99999"),
        (["--unit-id", "1:99999", "--accept", "ana"], "no code with id 99999"),
        (["--into", "ana", "--list"], "'ana' is one of the compared coders"),
    ],
)
def test_adjudicate_bad_input(double_coded: Path, args: list[str], message: str) -> None:
    result = run("adjudicate", "--coders", "ana", "ben", *args, db=double_coded)
    assert result.exit_code == 1
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_deciding_an_agreement_is_refused(double_coded: Path) -> None:
    with Project.open(double_coded) as project, project.read() as s:
        seg2, training = (
            s.connection()
            .exec_driver_sql(
                "SELECT g.id, c.id FROM segment g, code c WHERE g.ordinal = 2 AND c.path = ?",
                (TRAINING,),
            )
            .one()
        )
    result = run("adjudicate", "--coders", "ana", "ben", "--unit-id", f"{seg2}:{training}",
                 "--accept", "ana", db=double_coded)  # fmt: skip
    assert result.exit_code == 1
    assert "the coders agree on" in result.stderr


def test_adjudicate_interactively(double_coded: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("qualcode.cli.agreement._interactive", lambda: True)
    result = run(
        "adjudicate", "--coders", "ana", "ben", db=double_coded, input="neither\nskip\nben\n"
    )
    assert result.exit_code == 0, result.output
    assert "ana: applied it to" in result.stdout and "ben: did not apply it" in result.stdout
    assert [e["accept"] for e in _audit(double_coded)] == ["neither", "ben"]
    assert [c[:2] for c in _consensus(double_coded)] == [(TRAINING, 4)]


# -- blind mode --------------------------------------------------------------------------------
def test_blind_mode_switch(double_coded: Path) -> None:
    assert run("blind", db=double_coded).stdout.startswith("blind mode is off")
    on = run("blind", "on", "--supervisor", "sri", db=double_coded)
    assert on.stdout.strip() == (
        "blind mode is on: coders see only their own codings (supervisors: sri)"
    )
    assert run("blind", "on", db=double_coded).stdout.strip().endswith("(supervisors: sri)")
    agree = run("agree", "--coders", "ana", "ben", db=double_coded)
    assert agree.exit_code == 0 and "blind mode is on" in agree.stderr
    assert run("blind", "off", db=double_coded).stdout.startswith("blind mode is off")
    actions = [e for e in _all_audit(double_coded) if e.startswith("blind")]
    assert actions == ["blind on", "blind on", "blind off"]


def _all_audit(db: Path) -> list[str]:
    with Project.open(db) as project, project.read() as s:
        rows = s.connection().exec_driver_sql("SELECT action FROM audit_log ORDER BY id")
        return [r[0] for r in rows]
