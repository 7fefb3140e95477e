"""``coding.segment_id`` and ``coding.multi_segment`` are right on every write path, and
migrations 4 and 8 fill them in.

The definition (qualcode/storage/coding_segment.py), computed here by brute force: the segment of
the coding's source with the greatest start at or before the coding's start, if it ends after
that start; otherwise the first segment starting after the coding's start, if it starts before
the coding's end; otherwise none.
"""

from __future__ import annotations

import csv
import shutil
import sqlite3
from collections.abc import Iterator
from itertools import count
from pathlib import Path

import pytest
from conftest import SMALL_CODEBOOK, PgDatabases, run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from qualcode.storage import coding_segment
from qualcode.storage.actions import CodingActions
from qualcode.storage.project import Project

V1_PROJECT = Path(__file__).parent / "data" / "project-v1.db"
Segments = list[tuple[int, int, int]]  # (id, start, end)


def expected_segment(segments: Segments, start: int, end: int) -> int | None:
    before = [g for g in segments if g[1] <= start]
    if before:
        holding = max(before, key=lambda g: g[1])
        if holding[2] > start:
            return holding[0]
    after = [g for g in segments if g[1] > start]
    if after:
        first = min(after, key=lambda g: g[1])
        if first[1] < end:
            return first[0]
    return None


def check_source(project: Project, source_id: int) -> int:
    """Assert every coding of the source has the expected segment; return how many there are."""
    with project.read() as s:
        conn = s.connection()
        segments = [
            (r[0], r[1], r[2])
            for r in conn.execute(
                text('SELECT id, start, "end" FROM segment WHERE source_id = :s'), {"s": source_id}
            )
        ]
        codings = conn.execute(
            text(
                'SELECT id, start, "end", segment_id, multi_segment FROM coding '
                "WHERE source_id = :s"
            ),
            {"s": source_id},
        ).all()
    for cid, start, end, segment_id, multi in codings:
        want = expected_segment(segments, start, end)
        assert segment_id == want, (cid, start, end, segments)
        overlapped = [g for g in segments if g[1] < end and g[2] > start]
        assert multi == (len(overlapped) > 1), (cid, start, end, segments)
    return len(codings)


# -- a random source: segments with gaps between them, codings written by each path -----------
@st.composite
def layouts(draw: st.DrawFn, length: int) -> list[tuple[int, int]]:
    """Consecutive pieces of ``[0, length)``, some of them left out (gaps, also at either end)."""
    cuts = sorted(draw(st.sets(st.integers(0, length), max_size=10)) | {0, length})
    return [p for p in zip(cuts, cuts[1:], strict=False) if draw(st.booleans())]


def spans(length: int) -> st.SearchStrategy[tuple[int, int]]:
    return st.integers(0, length - 1).flatmap(
        lambda a: st.tuples(st.just(a), st.integers(a + 1, length))
    )


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, object]:
    length = draw(st.integers(1, 60))
    written = draw(st.lists(spans(length), min_size=1, max_size=10, unique=True))
    return {
        "length": length,
        "segments": draw(layouts(length)),
        "codings": [(a, b, draw(st.sampled_from(("action", "csv", "raw")))) for a, b in written],
        "moves": draw(st.lists(st.tuples(st.integers(0, 100), spans(length)), max_size=4)),
        "undo": draw(st.integers(0, 3)),
        "segment_edit": draw(
            st.tuples(st.integers(0, 100), st.integers(0, 100), st.integers(0, 100), st.booleans())
        ),
        "resegmented": draw(layouts(length)),
    }


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory, backend: str) -> Iterator[tuple[Path, Project]]:
    folder = tmp_path_factory.mktemp("segment")
    (folder / "codebook.yaml").write_text(SMALL_CODEBOOK, encoding="utf-8")
    databases = PgDatabases()
    db = folder / "p.db" if backend == "sqlite" else databases.create()
    assert run("init", db=db).exit_code == 0
    assert run("codebook", "load", str(folder / "codebook.yaml"), db=db).exit_code == 0
    project = Project.open(db)
    yield folder, project
    project.close()
    if backend != "sqlite":
        databases.drop(str(db))


NUMBER = count(1)


def _new_source(project: Project, length: int, segments: list[tuple[int, int]]) -> int:
    n = next(NUMBER)
    with project.write() as s:
        conn = s.connection()
        source_id = conn.execute(
            text(
                "INSERT INTO source (name, kind, sha256, segmented_by, text, imported_at) "
                "VALUES (:n, 'interview', :h, 'turn', :t, '2024-01-01') RETURNING id"
            ),
            {"n": f"source {n}", "h": f"sha {n}", "t": "x" * length},
        ).scalar_one()
        _insert_segments(conn, source_id, segments)
    return int(source_id)


def _insert_segments(conn: object, source_id: int, segments: list[tuple[int, int]]) -> None:
    for ordinal, (a, b) in enumerate(segments, start=1):
        conn.execute(  # type: ignore[attr-defined]
            text('INSERT INTO segment (source_id, ordinal, start, "end") VALUES (:s, :o, :a, :b)'),
            {"s": source_id, "o": ordinal, "a": a, "b": b},
        )


def _code_id(project: Project) -> int:
    with project.read() as s:
        return int(
            s.connection()
            .execute(text("SELECT id FROM code WHERE path = 'Empowering/Training and coaching'"))
            .scalar_one()
        )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios())
def test_segment_id_follows_the_definition_on_every_write_path(
    base: tuple[Path, Project], scenario: dict
) -> None:
    folder, project = base
    length = scenario["length"]
    source_id = _new_source(project, length, scenario["segments"])
    code = _code_id(project)
    actions = CodingActions(project, "ana")

    # Codings written by the app's action, the CSV import (CLI) and raw SQL.
    rows = []
    for start, end, path in scenario["codings"]:
        if path == "action":
            actions.apply(source_id, code, start, end)
        elif path == "csv":
            rows.append((start, end))
        else:
            with project.write() as s:
                s.connection().execute(
                    text(
                        'INSERT INTO coding (source_id, code_id, coder_id, start, "end", '
                        "segment_id, created_at, updated_at) VALUES (:s, :c, :k, :a, :b, -1, "
                        "'2024-01-01', '2024-01-01')"
                    ),
                    {"s": source_id, "c": code, "k": actions.coder_id, "a": start, "b": end},
                )  # a wrong segment_id given: the trigger puts it right
    if rows:
        path = folder / "codings.csv"
        with project.read() as s:  # not "source {source_id}": ids and names part on PostgreSQL
            name = (
                s.connection()
                .execute(text("SELECT name FROM source WHERE id = :i"), {"i": source_id})
                .scalar_one()
            )
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["source", "start", "end", "code", "coder"])
            for start, end in rows:
                writer.writerow([name, start, end, "Training and coaching", "ben"])
        result = run("codings", "import", str(path), db=project.location)
        assert result.exit_code == 0, result.output
    assert check_source(project, source_id) == len(scenario["codings"])

    # Undo and redo of the app's actions (a redo re-inserts the coding with its id).
    undone = [actions.undo() for _ in range(scenario["undo"])]
    check_source(project, source_id)
    for step in undone:
        if step is not None:
            actions.redo()
    check_source(project, source_id)

    # A coding moved: UPDATE of its start and end.
    with project.read() as s:
        ids = [
            r[0]
            for r in s.connection().execute(
                text("SELECT id FROM coding WHERE source_id = :s ORDER BY id"), {"s": source_id}
            )
        ]
    for pick, (start, end) in scenario["moves"]:
        try:
            with project.write() as s:
                s.connection().execute(
                    text('UPDATE coding SET start = :a, "end" = :b WHERE id = :i'),
                    {"a": start, "b": end, "i": ids[pick % len(ids)]},
                )
        except IntegrityError:
            pass  # onto an identical coding: the unique constraint refuses the move
    check_source(project, source_id)

    # A segment edited: moved into any free room of the source (past other segments too, or
    # within its own: grown into a gap, shrunk, leaving one).
    with project.read() as s:
        segments = (
            s.connection()
            .execute(
                text('SELECT id, start, "end" FROM segment WHERE source_id = :s ORDER BY start'),
                {"s": source_id},
            )
            .all()
        )
    if segments:
        pick, room, at, grow = scenario["segment_edit"]
        moved = segments[pick % len(segments)]
        free, edge = [], 0
        for g in [g for g in segments if g != moved] + [(None, length, length)]:
            if g[1] > edge:
                free.append((edge, g[1]))
            edge = g[2]
        low, high = free[room % len(free)]  # never empty: the moved segment's own room is free
        a = low + at % (high - low)
        b = high if grow else a + 1  # up to the next segment, or one character
        with project.write() as s:
            s.connection().execute(
                text('UPDATE segment SET start = :a, "end" = :b WHERE id = :i'),
                {"a": a, "b": b, "i": moved[0]},
            )
        check_source(project, source_id)

    # The transcript corrected: its segments deleted and created again, differently.
    with project.write() as s:
        conn = s.connection()
        conn.execute(text("DELETE FROM segment WHERE source_id = :s"), {"s": source_id})
        with_segment = conn.execute(
            text("SELECT COUNT(*) FROM coding WHERE source_id = :s AND segment_id IS NOT NULL"),
            {"s": source_id},
        ).scalar_one()
        assert with_segment == 0  # no segments left: no coding has one
        _insert_segments(conn, source_id, scenario["resegmented"])
    check_source(project, source_id)


# -- migration 4 on a project made before it ---------------------------------------------------
def test_migration_fills_in_the_segment_of_every_coding(tmp_path: Path) -> None:
    copy = tmp_path / "old.db"
    shutil.copy(V1_PROJECT, copy)
    # Codings of every kind the definition tells apart, written in the old schema. The v1
    # project's source 'ratna' has segments [24, 93), [123, 212), [238, 261), [291, 356).
    spans = [(0, 10), (0, 30), (93, 100), (100, 130), (200, 300), (260, 290), (261, 291)]
    with sqlite3.connect(copy) as db:
        source = db.execute("SELECT id FROM source WHERE name = 'ratna'").fetchone()[0]
        code = db.execute("SELECT id FROM code WHERE codable ORDER BY id").fetchone()[0]
        db.executemany(
            'INSERT INTO coding (source_id, code_id, coder_id, start, "end", created_at, '
            "updated_at) VALUES (?, ?, 1, ?, ?, '2024-01-01', '2024-01-01')",
            [(source, code, a, b) for a, b in spans],
        )
        assert "segment_id" not in {r[1] for r in db.execute("PRAGMA table_info(coding)")}
    db.close()
    project = Project.open(copy)
    try:
        assert check_source(project, source) == 3 + len(spans)
        ordinal = {segment_id: n for n, segment_id in _ordinals(project, source)}
        with project.read() as s:
            got = {
                (r[0], r[1]): ordinal.get(r[2])
                for r in s.connection().execute(
                    text('SELECT start, "end", segment_id FROM coding WHERE code_id = :c'),
                    {"c": code},
                )
            }
        assert {span: got[span] for span in spans} == {
            (0, 10): None,  # before the first segment, not reaching it
            (0, 30): 1,  # from before the first segment into it
            (93, 100): None,  # inside a gap
            (100, 130): 2,  # from a gap into the next segment
            (200, 300): 2,  # from segment 2 across 3 into 4: its first is 2
            (260, 290): 3,  # from the last character of segment 3 into the gap after it
            (261, 291): None,  # the whole gap, up to where segment 4 starts
        }
        # The triggers are there: a coding written now gets its segment too.
        CodingActions(project, "ana").apply(source, code, 130, 240)
        assert check_source(project, source) == 4 + len(spans)
    finally:
        project.close()


def _ordinals(project: Project, source: int) -> list[tuple[int, int]]:
    with project.read() as s:
        return [
            (r[0], r[1])
            for r in s.connection().execute(
                text("SELECT ordinal, id FROM segment WHERE source_id = :s"), {"s": source}
            )
        ]


def test_upgraded_and_new_projects_have_the_same_triggers_and_indexes(tmp_path: Path) -> None:
    copy = tmp_path / "old.db"
    shutil.copy(V1_PROJECT, copy)
    Project.open(copy).close()
    Project.open(tmp_path / "new.db", create=True).close()

    def objects(path: Path) -> set[tuple[str, str]]:
        with sqlite3.connect(path) as db:
            rows = db.execute(
                "SELECT type, name FROM sqlite_master WHERE type IN ('trigger', 'index')"
            ).fetchall()
        db.close()
        return {(r[0], r[1]) for r in rows}

    upgraded, new = objects(copy), objects(tmp_path / "new.db")
    assert upgraded == new
    assert ("index", "ix_coding_segment") in new
    assert {n for t, n in new if t == "trigger"} >= {
        "coding_segment_insert",
        "coding_segment_update",
        "segment_codings_insert",
        "segment_codings_delete",
        "segment_codings_update",
    }


def _drop_segment_triggers(conn: Connection) -> None:
    """Drop the triggers that keep coding.segment_id and multi_segment, on either back end."""
    if conn.dialect.name == "sqlite":
        for name in coding_segment.SQLITE_TRIGGERS:
            conn.exec_driver_sql(f"DROP TRIGGER {name}")
    else:
        conn.exec_driver_sql("DROP TRIGGER coding_segment_id ON coding")
        conn.exec_driver_sql("DROP TRIGGER segment_codings ON segment")


def test_migration_4_upgrades_a_project_on_this_back_end(project: Path | str) -> None:
    """Migration 4 (column, backfill, index, triggers) on a project taken back to schema 3, on
    SQLite and PostgreSQL alike."""
    p = Project.open(project)
    source, code = _ratna_and_a_code(p)
    actions = CodingActions(p, "ana")
    for start, end in [(0, 30), (100, 130), (200, 300)]:
        actions.apply(source, code, start, end)
    with p.write() as s:
        conn = s.connection()
        _drop_segment_triggers(conn)
        conn.exec_driver_sql("DROP INDEX ix_coding_segment")
        conn.exec_driver_sql("ALTER TABLE coding DROP COLUMN segment_id")
        conn.exec_driver_sql("DELETE FROM schema_migration WHERE id = 4")
    p.close()
    upgraded = Project.open(project)
    try:
        assert check_source(upgraded, source) == 3
        CodingActions(upgraded, "ana").apply(source, code, 130, 240)  # the triggers are back
        assert check_source(upgraded, source) == 4
    finally:
        upgraded.close()


def test_migration_8_upgrades_a_project_on_this_back_end(project: Path | str) -> None:
    """Migration 8 (multi_segment computed, the triggers made again, the coding index with the
    magnitude, the partial index) on a project taken back to schema 7, on SQLite and
    PostgreSQL alike."""
    p = Project.open(project)
    source, code = _ratna_and_a_code(p)
    actions = CodingActions(p, "ana")
    for start, end in [(0, 30), (100, 130), (0, 300)]:  # the last one over several segments
        actions.apply(source, code, start, end)
    with p.write() as s:
        conn = s.connection()
        conn.exec_driver_sql("DROP INDEX ix_coding_multi_segment")
        conn.exec_driver_sql("ALTER TABLE coding DROP COLUMN multi_segment")
        _drop_segment_triggers(conn)  # schema 7's triggers know no multi_segment
        conn.exec_driver_sql("DELETE FROM schema_migration WHERE id = 8")
    p.close()
    upgraded = Project.open(project)
    try:
        assert check_source(upgraded, source) == 3
        with upgraded.read() as s:
            marked = s.connection().exec_driver_sql(
                "SELECT COUNT(*) FROM coding WHERE multi_segment = 1"
            )
            assert marked.scalar_one() == 1
        CodingActions(upgraded, "ana").apply(source, code, 130, 240)  # the triggers are back
        assert check_source(upgraded, source) == 4
    finally:
        upgraded.close()


def _ratna_and_a_code(project: Project) -> tuple[int, int]:
    with project.read() as s:
        row = (
            s.connection()
            .execute(
                text(
                    "SELECT s.id, c.id FROM source s, code c WHERE s.name = 'ratna' "
                    "AND c.path = 'Empowering/Training and coaching'"
                )
            )
            .one()
        )
    return int(row[0]), int(row[1])
