"""How an import writes: sources in batches of a few MB (one INSERT each, one executemany of their
segments), new informants in one INSERT, and on SQLite without the segment insert trigger (new
sources have no codings to keep in step) but with it back, unchanged, afterwards."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import INTERVIEW, fingerprint, run
from sqlalchemy import text

from qualcode.core.errors import InputError
from qualcode.ingest import importer
from qualcode.ingest.importer import import_files
from qualcode.storage.codings import coder_id
from qualcode.storage.project import Project

# The tests that take a project also run on PostgreSQL (see tests/conftest.py).
pytestmark = pytest.mark.backends

PEOPLE = ["Ratna Kurniasih", "Budi Santoso", "Siti Aminah", "Agus Salim"]


def study(folder: Path) -> list[Path]:
    """Eight interviews of four informants, listed in an informants.yaml beside them."""
    folder.mkdir()
    files, lines = [], ["informants:"]
    for i in range(8):
        person = PEOPLE[i % 4]
        path = folder / f"interview-{i + 1}.txt"
        path.write_text(INTERVIEW.replace("Ratna Kurniasih", person) + f"\nP{i}: extra {i}.\n")
        files.append(path)
    for n, person in enumerate(PEOPLE):
        lines += [f"  - name: {person}", "    role: official" if n % 2 else "    role: owner"]
        lines.append(f"    files: [{', '.join(p.name for p in files[n::4])}]")
    (folder / "informants.yaml").write_text("\n".join(lines) + "\n")
    return files


def contents(location: Path | str) -> dict[str, list[Any]]:
    """Every row an import writes, but for the time it was written."""
    queries = {
        "informants": "SELECT id, name, pseudonym, role, attributes FROM informant ORDER BY id",
        "sources": "SELECT id, name, kind, filename, sha256, encoding, segmented_by, text, "
        "informant_id FROM source ORDER BY id",
        "segments": 'SELECT id, source_id, ordinal, start, "end", speaker, timestamp '
        "FROM segment ORDER BY id",
        "audit": "SELECT id, actor, action, entity, entity_id, detail FROM audit_log ORDER BY id",
    }
    with Project.open(location) as project, project.read() as session:
        conn = session.connection()
        return {name: [tuple(r) for r in conn.execute(text(sql))] for name, sql in queries.items()}


def imported(location: Path | str, files: list[Path]) -> dict[str, list[Any]]:
    assert run("init", db=location).exit_code == 0
    with Project.open(location) as project:
        report = import_files(project, files, actor="tester")
    assert len(report.imported) == len(files)
    assert report.created_informants == sorted(PEOPLE)
    return contents(location)


def test_batches_of_any_size_write_the_same_project(
    tmp_path: Path, new_location: Callable[[str], Path | str], monkeypatch: pytest.MonkeyPatch
) -> None:
    files = study(tmp_path / "study")
    whole = imported(new_location("whole.db"), files)  # all eight in one batch
    monkeypatch.setattr(importer, "STORE_BATCH_CHARS", 1)  # each source a batch of its own
    one_by_one = imported(new_location("one.db"), files)
    monkeypatch.setattr(importer, "STORE_BATCH_CHARS", 3 * len(files[0].read_text()))
    in_threes = imported(new_location("threes.db"), files)
    assert whole == one_by_one == in_threes
    sources = whole["sources"]
    assert [s[1] for s in sources] == [f"interview-{i}" for i in range(1, 9)]
    informant_ids = {name: i for i, name, *_ in whole["informants"]}
    assert [s[8] for s in sources] == [informant_ids[PEOPLE[i % 4]] for i in range(8)]
    # Each source's segments numbered from 1, in its own order; five turns each.
    by_source: dict[int, list[int]] = {}
    for _, source_id, ordinal, *_ in whole["segments"]:
        by_source.setdefault(source_id, []).append(ordinal)
    assert by_source == {s[0]: [1, 2, 3, 4, 5] for s in sources}
    actions = [(a[2], a[3]) for a in whole["audit"]]
    assert actions == [("create", "informant")] * 4 + [("import", "source")] * 8


def segment_triggers(location: Path | str) -> list[tuple[str, str]]:
    with Project.open(location) as project, project.read() as session:
        return [
            (r[0], r[1])
            for r in session.connection().exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
            )
        ]


def test_the_segment_trigger_is_back_after_an_import_and_after_a_failed_one(
    project: Path | str, backend: str, workdir: Path
) -> None:
    if backend != "sqlite":
        pytest.skip("the trigger is left in place on PostgreSQL")
    before = segment_triggers(project)
    assert "segment_codings_insert" in {name for name, _ in before}
    good = workdir / "budi.txt"
    good.write_text(INTERVIEW.replace("Ratna Kurniasih", "Budi"))
    assert run("import", str(good), "--informant", "Budi", db=project).exit_code == 0
    assert segment_triggers(project) == before
    bad = workdir / "empty.txt"
    bad.write_text("")
    unchanged = fingerprint(project)
    other = workdir / "siti.txt"
    other.write_text(INTERVIEW.replace("Ratna Kurniasih", "Siti"))
    with Project.open(project) as p, pytest.raises(InputError):
        import_files(p, [other, bad], informant="Siti")
    assert fingerprint(project) == unchanged
    assert segment_triggers(project) == before


def test_segments_written_after_an_import_still_move_codings(project: Path | str) -> None:
    """The trigger paused for the import's new sources works again for the next writer: a
    segment deleted and written again takes back the coding inside it."""
    with Project.open(project) as p, p.write() as session:
        conn = session.connection()
        coder = coder_id(session, "tester")
        source_id, start, end, code_id = conn.execute(
            text(
                'SELECT s.source_id, s.start, s."end", (SELECT MIN(id) FROM code) FROM segment s '
                "WHERE s.ordinal = 2"
            )
        ).one()
        conn.execute(
            text(
                'INSERT INTO coding (source_id, code_id, coder_id, start, "end", created_at, '
                "updated_at) VALUES (:s, :c, :coder, :a, :b, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ),
            {"s": source_id, "c": code_id, "coder": coder, "a": start + 1, "b": start + 5},
        )
    segment = "SELECT id FROM segment WHERE source_id = :s AND ordinal = 2"
    coding_segment = "SELECT segment_id FROM coding WHERE source_id = :s"
    with Project.open(project) as p, p.write() as session:
        conn = session.connection()
        first = conn.execute(text(segment), {"s": source_id}).scalar_one()
        assert conn.execute(text(coding_segment), {"s": source_id}).scalar_one() == first
        conn.execute(text("DELETE FROM segment WHERE id = :i"), {"i": first})
        assert conn.execute(text(coding_segment), {"s": source_id}).scalar_one() is None
        conn.execute(
            text('INSERT INTO segment (source_id, ordinal, start, "end") VALUES (:s, 2, :a, :b)'),
            {"s": source_id, "a": start, "b": end},
        )
        again = conn.execute(text(segment), {"s": source_id}).scalar_one()
        assert conn.execute(text(coding_segment), {"s": source_id}).scalar_one() == again


def test_an_import_of_files_known_already_changes_nothing(
    project: Path | str, workdir: Path
) -> None:
    """Not even the schema: the trigger is left out only once a new source is written."""
    unchanged = fingerprint(project)
    with Project.open(project) as p:
        report = import_files(p, [workdir / "ratna.txt"], informant="Ratna Kurniasih")
    assert report.imported == [] and len(report.skipped) == 1
    assert fingerprint(project) == unchanged


def test_the_error_is_the_one_that_happened_when_sqlite_rolled_back_by_itself(
    project: Path | str, backend: str, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After an I/O error SQLite may end the transaction itself (and so restore the trigger):
    the user hears of that error, not of a failed attempt to make the trigger again."""
    if backend != "sqlite":
        pytest.skip("SQLite's own rollback")
    before = segment_triggers(project)
    unchanged = fingerprint(project)

    def failing_store(conn: Any, *args: Any) -> None:
        conn.exec_driver_sql("ROLLBACK")  # as SQLite does on SQLITE_IOERR or SQLITE_NOMEM
        raise OSError("disk I/O error")

    monkeypatch.setattr(importer, "_store", failing_store)
    other = workdir / "siti.txt"
    other.write_text(INTERVIEW.replace("Ratna Kurniasih", "Siti"))
    with Project.open(project) as p, pytest.raises(OSError, match="disk I/O error"):
        import_files(p, [other], informant="Siti")
    assert segment_triggers(project) == before
    assert fingerprint(project) == unchanged
