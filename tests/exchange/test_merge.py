"""``qualcode merge``: another coder's copy brought in, on SQLite and PostgreSQL, and across them.

Two copies are built the way two coders build them (the same codebook and interview, then each
their own work), merged, and the result compared with what each copy holds.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import INTERVIEW, SMALL_CODEBOOK, build_small_project, fingerprint, run
from sqlalchemy import text

from qualcode.core.codebook import code_guid
from qualcode.core.errors import QualcodeError
from qualcode.exchange.merge import merge_projects
from qualcode.storage.project import Project

pytestmark = pytest.mark.backends

V1_PROJECT = Path(__file__).parent.parent / "storage" / "data" / "project-v1.db"
HEADER = "source,segment,start,end,code,coder,magnitude,memo\n"
SECOND = "[00:00:02] Nur: Licensing is slow and the training never came to our village.\n"


def build(location: Path | str, folder: Path, codings: str, extra: str | None = None) -> None:
    """A copy of the study: the small codebook, Ratna's interview, ``codings`` (CSV rows) and,
    when given, a second interview with the text ``extra``."""
    build_small_project(location, folder)
    if extra is not None:
        (folder / "nur.txt").write_text(extra, encoding="utf-8")
        nur = run("import", str(folder / "nur.txt"), "--informant", "Nur", "--role",
                  "msme actor", db=location)  # fmt: skip
        assert nur.exit_code == 0, nur.output
    (folder / "codings.csv").write_text(HEADER + codings, encoding="utf-8")
    result = run("codings", "import", str(folder / "codings.csv"), db=location)
    assert result.exit_code == 0, result.output


def rows(location: Path | str, sql: str) -> list[tuple]:
    with Project.open(location) as p, p.read() as s:
        return [tuple(r) for r in s.connection().execute(text(sql))]


CODINGS_SQL = (
    'SELECT s.name, c.start, c."end", k.path, d.name, c.magnitude, c.memo, c.segment_id IS NULL '
    "FROM coding c JOIN source s ON s.id = c.source_id JOIN code k ON k.id = c.code_id "
    "JOIN coder d ON d.id = c.coder_id ORDER BY 1, 2, 3, 4, 5"
)


@pytest.fixture
def copies(
    tmp_path: Path, new_location: Callable[[str], Path | str]
) -> tuple[Path | str, Path | str]:
    """Ana's project (the target) and Ben's copy (OTHER), on the back end under test."""
    folders = [tmp_path / "ana", tmp_path / "ben"]
    for folder in folders:
        folder.mkdir()
        (folder / "codebook.yaml").write_text(SMALL_CODEBOOK, encoding="utf-8")
        (folder / "ratna.txt").write_text(INTERVIEW, encoding="utf-8")
    ours, theirs = new_location("ana.db"), new_location("ben.db")
    build(ours, folders[0], "ratna,2,,,Training and coaching,ana,1,runs training\n")
    build(
        theirs,
        folders[1],
        "ratna,2,,,Training and coaching,ana,1,runs training\n"  # the same coding: matched
        "ratna,2,,,Training and coaching,ben,2,claims reach\n"
        "ratna,4,,,Motivation,ben,-1,\n"
        "nur,1,,,Licensing cost,ben,-2,slow licence\n",
        extra=SECOND,
    )
    return ours, theirs


def test_merge_adds_what_is_new_and_merging_again_changes_nothing(copies) -> None:
    ours, theirs = copies
    their_codings = rows(theirs, CODINGS_SQL)
    other_before = fingerprint(theirs)

    result = run("merge", str(theirs), "--format", "json", db=ours)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["added"] == {
        "coders": 1,
        "informants": 1,
        "codes": 0,
        "sources": 1,
        "segments": 1,
        "codings": 3,
        "codebook_settings": 0,
        "memos": 0,
        "cell_summaries": 0,
        "conclusions": 0,
        "suggestion_rejections": 0,
    }
    assert report["already_here"]["codings"] == 1 and report["already_here"]["codes"] == 6
    assert report["conflicts"] == []
    # Ana's project now holds exactly Ben's codings (his were a superset), segments computed.
    assert rows(ours, CODINGS_SQL) == their_codings
    assert all(not r[-1] for r in their_codings)
    assert rows(ours, "SELECT name, role FROM informant ORDER BY name") == [
        ("Nur", "msme actor"),
        ("Ratna Kurniasih", "official"),
    ]
    assert fingerprint(theirs) == other_before  # OTHER is only read

    merged = fingerprint(ours)
    again = run("merge", str(theirs), db=ours)
    assert again.exit_code == 0 and "nothing new" in again.stdout
    assert fingerprint(ours) == merged


def test_merge_is_recorded_in_the_audit_log(copies) -> None:
    ours, theirs = copies
    assert run("merge", str(theirs), db=ours).exit_code == 0
    entries = rows(ours, "SELECT action, entity, detail FROM audit_log ORDER BY id")
    merge = [json.loads(d) for a, e, d in entries if a == "merge"]
    assert len(merge) == 1 and merge[0]["added"]["coding"] == 3
    created = [e for a, e, d in entries if a == "create" and "merge:" in d]
    assert sorted(created) == sorted(["coder", "informant", "source", "coding", "coding", "coding"])


def test_dry_run_reports_the_same_and_writes_nothing(copies) -> None:
    ours, theirs = copies
    before = fingerprint(ours)
    dry = run("merge", str(theirs), "--dry-run", "--format", "json", db=ours)
    assert dry.exit_code == 0, dry.output
    assert fingerprint(ours) == before
    table = run("merge", str(theirs), "--dry-run", db=ours)
    assert "would add" in table.stdout and "dry run: nothing written" in table.stdout
    assert fingerprint(ours) == before
    real = run("merge", str(theirs), "--format", "json", db=ours)
    assert {**json.loads(dry.stdout), "dry_run": False} == json.loads(real.stdout)


def test_conflicts_are_reported_and_ours_kept(
    tmp_path: Path, new_location: Callable[[str], Path | str]
) -> None:
    for name in ("ana", "ben"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "ratna.txt").write_text(INTERVIEW, encoding="utf-8")
        (tmp_path / name / "codebook.yaml").write_text(SMALL_CODEBOOK, encoding="utf-8")
    # Ben renamed Motivation (its GUID kept, as the codebook docs advise).
    renamed = SMALL_CODEBOOK.replace(
        "      - name: Motivation\n",
        "      - name: Motivation and socialisation\n"
        f"        guid: {code_guid('Enabling/Motivation')}\n",
    )
    (tmp_path / "ben" / "codebook.yaml").write_text(renamed, encoding="utf-8")
    ours, theirs = new_location("ana.db"), new_location("ben.db")
    build(ours, tmp_path / "ana", "ratna,2,,,Training and coaching,ana,1,runs training\n",
          extra=SECOND)  # fmt: skip
    build(
        theirs,
        tmp_path / "ben",
        "ratna,2,,,Training and coaching,ana,2,reaches everyone\n"
        "ratna,4,,,Motivation and socialisation,ben,,\n",
        extra=SECOND.replace("slow", "fast"),  # the same name, another text
    )
    mine_before = rows(ours, CODINGS_SQL)
    result = run("merge", str(theirs), "--format", "json", db=ours)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    conflicts = {(c["kind"], c["what"]): (c["ours"], c["theirs"]) for c in report["conflicts"]}
    label = "ratna [107, 180) Empowering/Training and coaching, ana"
    nur = conflicts.pop(("source", "nur"))
    assert nur[0].startswith("text sha256 ") and nur[0] != nur[1]
    assert conflicts == {
        ("code", code_guid("Enabling/Motivation")): (
            "Enabling/Motivation",
            "Enabling/Motivation and socialisation",
        ),
        ("coding", f"{label}: magnitude"): ("1", "2"),
        ("coding", f"{label}: memo"): ("runs training", "reaches everyone"),
    }
    # Ours kept; Ben's coding of the renamed code went to our code with that GUID.
    after = rows(ours, CODINGS_SQL)
    assert [r for r in after if r[4] == "ana"] == [r for r in mine_before if r[4] == "ana"]
    assert [r[:5] for r in after if r[4] == "ben"] == [
        ("ratna", 259, 303, "Enabling/Motivation", "ben")
    ]
    assert rows(ours, "SELECT COUNT(*) FROM source") == [(2,)]

    table = run("merge", str(theirs), db=ours)
    assert "4 conflicts (this project's values are kept)" in table.stdout


def test_memos_summaries_and_conclusions_come_along(copies) -> None:
    ours, theirs = copies
    assert (
        run("summary", "set", "Ratna stresses training", "--row", "Ratna Kurniasih",
            "--column", "Empowering", "--coder", "ben", db=theirs).exit_code == 0
    )  # fmt: skip
    concluded = run(
        "conclude", "add", "Training is planned, not delivered", "--code", "Empowering",
        "--coding", "ratna#2:Training and coaching", "--coder", "ben", db=theirs,
    )  # fmt: skip
    assert concluded.exit_code == 0, concluded.output
    result = run("merge", str(theirs), "--format", "json", db=ours)
    assert result.exit_code == 0, result.output
    added = json.loads(result.stdout)["added"]
    assert (added["cell_summaries"], added["conclusions"]) == (1, 1)
    assert rows(ours, "SELECT row_key, column_key, text FROM cell_summary") == [
        ("Ratna Kurniasih", "Empowering", "Ratna stresses training")
    ]
    linked = rows(
        ours,
        "SELECT k.path FROM conclusion_code cc JOIN code k ON k.id = cc.code_id "
        "UNION ALL SELECT d.name FROM conclusion_coding x JOIN coding c ON c.id = x.coding_id "
        "JOIN coder d ON d.id = c.coder_id",
    )
    assert sorted(linked) == [("Empowering",), ("ben",)]
    checked = run("conclude", "check", db=ours)
    assert checked.exit_code == 0 and "Training is planned" in checked.stdout


def test_all_or_nothing(copies, monkeypatch: pytest.MonkeyPatch) -> None:
    ours, theirs = copies
    before = fingerprint(ours)

    def crash(*_args: object) -> None:
        raise RuntimeError("disk full, say")

    monkeypatch.setattr("qualcode.exchange.merge.apply._memos_summaries_conclusions", crash)
    with Project.open(ours) as project, pytest.raises(RuntimeError):
        merge_projects(project, theirs, actor="ana")
    assert fingerprint(ours) == before


def test_a_copy_on_the_other_back_end_merges_too(
    copies, tmp_path: Path, backend: str, new_location: Callable[[str], Path | str]
) -> None:
    """SQLite target with a PostgreSQL OTHER and the reverse (skipped without PostgreSQL)."""
    ours, theirs = copies
    if backend == "sqlite":
        from conftest import PG_URL, PgDatabases

        if not PG_URL:
            pytest.skip("PostgreSQL not tested: QUALCODE_TEST_PG is not set")
        databases = PgDatabases()
        elsewhere: Path | str = databases.create()
    else:
        elsewhere = tmp_path / "ben-copy.db"
    try:
        first = run("merge", str(theirs), db=ours)  # ana gets ben's work
        assert first.exit_code == 0
        assert run("init", db=elsewhere).exit_code == 0
        into = run("merge", str(ours), "--format", "json", db=elsewhere)
        assert into.exit_code == 0, into.output
        assert rows(elsewhere, CODINGS_SQL) == rows(ours, CODINGS_SQL)
        before = fingerprint(elsewhere)
        assert run("merge", str(ours), db=elsewhere).exit_code == 0
        assert fingerprint(elsewhere) == before
    finally:
        if backend == "sqlite":
            databases.drop(str(elsewhere))


def test_an_older_copy_is_read_without_upgrading_it(
    tmp_path: Path, new_location: Callable[[str], Path | str]
) -> None:
    old = tmp_path / "old.db"
    shutil.copy(V1_PROJECT, old)
    before = fingerprint(old)
    project = new_location("new.db")
    assert run("init", db=project).exit_code == 0
    result = run("merge", str(old), "--format", "json", db=project)
    assert result.exit_code == 0, result.output
    added = json.loads(result.stdout)["added"]
    assert (added["sources"], added["codes"], added["codings"]) == (1, 23, 3)
    with sqlite3.connect(old) as db:  # not rows(): opening the project would upgrade it
        theirs = db.execute(CODINGS_SQL.replace("c.segment_id IS NULL", "0")).fetchall()
    db.close()
    assert rows(project, CODINGS_SQL) == theirs  # and every merged coding got its segment
    assert fingerprint(old) == before
    with sqlite3.connect(old) as db:
        assert db.execute("SELECT MAX(id) FROM schema_migration").fetchone() == (1,)
    db.close()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.db", "missing.db: no such file"),
        (lambda d: _write(d / "notes.db", b"just some notes"), "not a qualcode project"),
        (lambda d: _foreign(d / "foreign.db"), "not a qualcode project"),
        (lambda d: _newer(d / "newer.db"), "written by a newer qualcode"),
    ],
    ids=["missing", "not-sqlite", "foreign-sqlite", "newer-schema"],
)
def test_bad_other_is_one_line_and_changes_nothing(
    project: Path | str, tmp_path: Path, make: Callable[[Path], Path], message: str
) -> None:
    other = make(tmp_path)
    before = fingerprint(project)
    result = run("merge", str(other), db=project)
    assert result.exit_code == 1
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert fingerprint(project) == before


def test_merging_a_project_into_itself_is_refused(project: Path | str) -> None:
    before = fingerprint(project)
    result = run("merge", str(project), db=project)
    assert result.exit_code == 1 and "that is this project" in result.stderr
    assert fingerprint(project) == before
    with Project.open(project) as p, pytest.raises(QualcodeError):
        merge_projects(p, str(project), actor="ana")


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _foreign(path: Path) -> Path:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE things (x)")
    db.close()
    return path


def _newer(path: Path) -> Path:
    shutil.copy(V1_PROJECT, path)
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO schema_migration (id, name, applied_at) "
            "VALUES (999, 'future', '2030-01-01')"
        )
    db.close()
    return path


def test_memos_are_added_or_reported(copies) -> None:
    ours, theirs = copies
    from qualcode.storage.codings import coder_id
    from qualcode.storage.memos import save_memo

    def memo(location: Path | str, coder: str, target: str, sql: str, body: str) -> None:
        with Project.open(location) as p, p.write() as s:
            target_id = s.connection().execute(text(sql)).scalar_one()
            save_memo(s, target, target_id, coder_id(s, coder), body, actor=coder)

    code = "SELECT id FROM code WHERE path = 'Enabling'"
    bens = (  # ben's coding of Nur's interview, a source new to ana's project
        "SELECT c.id FROM coding c JOIN coder d ON d.id = c.coder_id "
        "JOIN source s ON s.id = c.source_id WHERE d.name = 'ben' AND s.name = 'nur'"
    )
    memo(ours, "ana", "code", code, "climate for growth")
    memo(theirs, "ana", "code", code, "the department's climate")
    memo(theirs, "ben", "coding", bens, "he means the café owners")
    result = run("merge", str(theirs), "--format", "json", db=ours)
    report = json.loads(result.stdout)
    assert report["added"]["memos"] == 1
    assert [c for c in report["conflicts"] if c["kind"] == "memo"] == [
        {
            "kind": "memo",
            "what": "code analytic memo on Enabling by ana",
            "ours": "climate for growth",
            "theirs": "the department's climate",
            "outcome": "kept ours",
        }
    ]
    # Ben's memo is on his coding as merged here (a new id in this project).
    assert rows(
        ours,
        "SELECT m.text, s.name, d.name FROM memo m JOIN coding c ON c.id = m.target_id "
        "JOIN coder d ON d.id = c.coder_id JOIN source s ON s.id = c.source_id "
        "WHERE m.target = 'coding'",
    ) == [("he means the café owners", "nur", "ben")]


# -- what the later features keep in a project: review memos, rejected suggestions, replaced texts


def test_review_memos_come_along_marked_as_review(copies) -> None:
    """A supervisor's review memo on OTHER stays a review memo here, beside the coder's analytic
    memo on the same source; merging again adds nothing."""
    ours, theirs = copies
    from qualcode.storage.codings import coder_id
    from qualcode.storage.memos import save_memo
    from qualcode.storage.review import save_review_memo

    ratna = "SELECT id FROM source WHERE name = 'ratna'"
    with Project.open(theirs) as p:
        with p.write() as s:
            source = s.connection().execute(text(ratna)).scalar_one()
            save_memo(s, "source", source, coder_id(s, "ben"), "turn 2 is about reach", actor="ben")
        save_review_memo(p, "prof", "source", source, "recode turn 2?")
        save_review_memo(p, "prof", "project", None, "consistent so far")
    result = run("merge", str(theirs), "--format", "json", db=ours)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["added"]["memos"] == 3
    memos = (
        "SELECT m.kind, m.target, s.name, d.name, m.text FROM memo m "
        "JOIN coder d ON d.id = m.coder_id LEFT JOIN source s ON s.id = m.target_id "
        "AND m.target = 'source' ORDER BY m.kind, m.text"
    )
    assert rows(ours, memos) == [
        ("analytic", "source", "ratna", "ben", "turn 2 is about reach"),
        ("review", "project", None, "prof", "consistent so far"),
        ("review", "source", "ratna", "prof", "recode turn 2?"),
    ]
    before = fingerprint(ours)
    again = json.loads(run("merge", str(theirs), "--format", "json", db=ours).stdout)
    assert again["added"]["memos"] == 0 and again["already_here"]["memos"] == 3
    assert fingerprint(ours) == before


def _reject(location: Path | str, source: str, ordinal: int, code: str, coder: str) -> None:
    """Record a rejected suggestion as the Suggestions queue does."""
    from qualcode.storage.codings import coder_id
    from qualcode.storage.models import SuggestionRejection

    with Project.open(location) as p, p.write() as s:
        conn = s.connection()
        segment = conn.execute(
            text(
                "SELECT g.id FROM segment g JOIN source s ON s.id = g.source_id "
                "WHERE s.name = :s AND g.ordinal = :o"
            ),
            {"s": source, "o": ordinal},
        ).scalar_one()
        code_id = conn.execute(
            text("SELECT id FROM code WHERE name = :c"), {"c": code}
        ).scalar_one()
        s.add(
            SuggestionRejection(
                segment_id=segment, code_id=code_id, coder_id=coder_id(s, coder), score=80.0,
                matched="café",
            )
        )  # fmt: skip


REJECTED_SQL = (
    "SELECT s.name, g.ordinal, c.path, d.name, r.matched FROM suggestion_rejection r "
    "JOIN segment g ON g.id = r.segment_id JOIN source s ON s.id = g.source_id "
    "JOIN code c ON c.id = r.code_id LEFT JOIN coder d ON d.id = r.coder_id ORDER BY 1, 2, 3"
)


def test_rejected_suggestions_come_along(copies) -> None:
    """A suggestion Ben rejected on his copy is not suggested again after the merge: on a source
    both have, and on his new source; one both rejected is matched, not doubled."""
    ours, theirs = copies
    _reject(ours, "ratna", 4, "Motivation", "ana")
    _reject(theirs, "ratna", 4, "Motivation", "ben")  # the same rejection, by another coder
    _reject(theirs, "ratna", 2, "Licensing cost", "ben")
    _reject(theirs, "nur", 1, "Motivation", "ben")
    dry = json.loads(run("merge", str(theirs), "--dry-run", "--format", "json", db=ours).stdout)
    assert (
        dry["added"]["suggestion_rejections"],
        dry["already_here"]["suggestion_rejections"],
    ) == (
        2,
        1,
    )
    result = run("merge", str(theirs), db=ours)
    assert result.exit_code == 0, result.output
    assert rows(ours, REJECTED_SQL) == [
        ("nur", 1, "Enabling/Motivation", "ben", "café"),
        ("ratna", 2, "Obstacles/Licensing cost", "ben", "café"),
        ("ratna", 4, "Enabling/Motivation", "ana", "café"),
    ]
    audited = rows(ours, "SELECT COUNT(*) FROM audit_log WHERE action = 'reject'")
    assert audited == [(2,)]
    before = fingerprint(ours)
    assert "nothing new" in run("merge", str(theirs), db=ours).output
    assert fingerprint(ours) == before


def _replace(location: Path | str, folder: Path, new_text: str) -> None:
    corrected = folder / "ratna-corrected.txt"
    corrected.write_text(new_text, encoding="utf-8")
    result = run("source", "replace", "ratna", str(corrected), db=location)
    assert result.exit_code == 0, result.output


CORRECTED = INTERVIEW.replace("The café owners came too.", "The cafe owners came as well.")


def test_a_source_replaced_on_one_side_is_a_conflict_that_says_which(copies, tmp_path) -> None:
    """Nothing breaks on a project whose text was replaced (its revisions and flagged codings
    stay where they were made): the source is a conflict naming the side that replaced it, and
    once both sides have the same text the next merge brings its codings."""
    ours, theirs = copies
    _replace(theirs, tmp_path, CORRECTED)
    report = json.loads(run("merge", str(theirs), "--format", "json", db=ours).stdout)
    [conflict] = [c for c in report["conflicts"] if c["kind"] == "source"]
    assert conflict["what"] == "ratna"
    assert conflict["ours"].endswith(tuple("0123456789abcdef"))  # no note: not replaced here
    assert conflict["theirs"].endswith(", replaced since")
    assert conflict["outcome"] == "same name, another text: not merged, nor its codings and memos"
    bens_ratna = (
        "SELECT COUNT(*) FROM coding c JOIN coder d ON d.id = c.coder_id "
        "JOIN source s ON s.id = c.source_id WHERE d.name = 'ben' AND s.name = 'ratna'"
    )
    assert rows(ours, bens_ratna) == [(0,)]
    assert rows(ours, "SELECT COUNT(*) FROM source_revision") == [(0,)]  # history not carried
    # The supervisor replaces the text here too: the same sha256, so Ben's codings come.
    _replace(ours, tmp_path, CORRECTED)
    report = json.loads(run("merge", str(theirs), "--format", "json", db=ours).stdout)
    assert not [c for c in report["conflicts"] if c["kind"] == "source"]
    assert rows(ours, bens_ratna) == rows(theirs, bens_ratna) == [(2,)]


def test_a_source_replaced_here_only_is_a_conflict_that_says_so(copies, tmp_path) -> None:
    ours, theirs = copies
    _replace(ours, tmp_path, CORRECTED)
    report = json.loads(run("merge", str(theirs), "--format", "json", db=ours).stdout)
    [conflict] = [c for c in report["conflicts"] if c["kind"] == "source"]
    assert conflict["ours"].endswith(", replaced since")
    assert not conflict["theirs"].endswith(", replaced since")
