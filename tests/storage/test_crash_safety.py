"""Crash safety, by killing for real: a child process (crash_child.py) runs an import, a burst of
coding actions, a REFI-QDA import or a schema migration and is sent SIGKILL at a chosen point
(paused there by PAUSE_AT, inside its open transaction or between two), or after a delay.

Afterwards the project must open, pass SQLite's integrity check and ``qualcode check``, and hold
each operation entirely or not at all; every coding the child reported as done must be there.
"""

from __future__ import annotations

import os
import queue
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import INTERVIEW, build_small_project, run
from sqlalchemy import text

from qualcode.storage.integrity import check_project
from qualcode.storage.migrations import MIGRATIONS, SCHEMA_VERSION
from qualcode.storage.project import Project

CHILD = Path(__file__).with_name("crash_child.py")
V1_PROJECT = Path(__file__).parent / "data" / "project-v1.db"
TIMEOUT = 120  # generous: the machine is shared; a healthy child answers in about a second


class Child:
    """A crash_child.py process whose stdout lines are read as they come."""

    def __init__(self, *args: str, pause: str | None = None) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("PAUSE_AT", None)
        if pause:
            env["PAUSE_AT"] = pause
        self.proc = subprocess.Popen(
            [sys.executable, str(CHILD), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, wanted: str) -> None:
        while True:
            try:
                line = self._queue.get(timeout=TIMEOUT)
            except queue.Empty:
                self.kill()
                raise AssertionError(f"child never said {wanted!r}; said {self.lines}") from None
            if line is None:
                err = self.proc.stderr.read() if self.proc.stderr else ""
                raise AssertionError(f"child ended before {wanted!r}: {self.lines} {err}")
            self.lines.append(line)
            if line == wanted:
                return

    def kill_after(self, seconds: float) -> None:
        self.wait_for("ready")
        try:
            self.proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            pass
        self.kill()

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=TIMEOUT)
        while True:  # what it printed before it died is in the pipe still
            try:
                line = self._queue.get(timeout=TIMEOUT)
            except queue.Empty:
                break
            if line is None:
                break
            self.lines.append(line)
        if self.proc.returncode not in (0, -signal.SIGKILL):
            err = self.proc.stderr.read() if self.proc.stderr else ""
            raise AssertionError(f"child failed ({self.proc.returncode}): {err}")
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream:
                stream.close()


def make_sqlite_project(workdir: Path) -> Path:
    """The small project of conftest's ``project`` (codebook, one interview), always a SQLite
    file: these tests are about SQLite itself (its file, its locks, its WAL), so they do not run
    on PostgreSQL as the rest of tests/storage may."""
    db = workdir / "p.db"
    build_small_project(db, workdir)
    return db


@pytest.fixture
def sqlite_project(workdir: Path) -> Path:
    return make_sqlite_project(workdir)


def run_and_kill(*args: str, point: str | float) -> Child:
    """Run the child; kill it at a PAUSE_AT point (a name) or after a delay (seconds)."""
    if isinstance(point, str):
        child = Child(*args, pause=point)
        child.wait_for(f"paused {point}")
        child.kill()
    else:
        child = Child(*args)
        child.kill_after(point)
    return child


def assert_sound(db: Path) -> None:
    """SQLite's own check on the raw file (as it is after the crash), then qualcode's."""
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()
    with Project.open(db) as sqlite_project, sqlite_project.engine.connect() as conn:
        report = check_project(conn)
    assert report.ok, report.findings


def counts(db: Path, **queries: str) -> dict[str, int]:
    with Project.open(db) as sqlite_project, sqlite_project.read() as s:
        return {k: s.connection().execute(text(q)).scalar_one() for k, q in queries.items()}


# -- (a) a large import ------------------------------------------------------------------------

FILES = 40
TURNS = 120


@pytest.fixture(scope="module")
def transcripts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("many")
    for f in range(FILES):
        turns = [
            f"[00:{t // 60 % 60:02d}:{t % 60:02d}] {'INTERVIEWER' if t % 2 else 'Ratna'}: "
            f"file {f} turn {t}: we talked about training, licensing and markets at length."
            for t in range(TURNS)
        ]
        (folder / f"interview-{f:03d}.txt").write_text("\n\n".join(turns) + "\n", "utf-8")
    return folder


IMPORTED = {
    "sources": "SELECT COUNT(*) FROM source",
    "segments": "SELECT COUNT(*) FROM segment",
    "informants": "SELECT COUNT(*) FROM informant WHERE name = 'Crash Informant'",
    "audited": "SELECT COUNT(*) FROM audit_log WHERE actor = 'crash-test' AND action = 'import'",
}


@pytest.mark.parametrize("point", ["store:1", "store:20", f"store:{FILES}", 0.4, 1.5])
def test_a_killed_import_is_all_or_nothing(
    sqlite_project: Path, transcripts: Path, point: str | float
) -> None:
    before = counts(sqlite_project, **IMPORTED)
    run_and_kill("import", str(sqlite_project), str(transcripts), "Crash Informant", point=point)
    assert_sound(sqlite_project)
    after = counts(sqlite_project, **IMPORTED)
    everything = {
        "sources": before["sources"] + FILES,
        "segments": before["segments"] + FILES * TURNS,
        "informants": 1,
        "audited": FILES,
    }
    assert after in (before, everything), after
    if isinstance(point, str):  # killed inside the transaction: nothing
        assert after == before
    if after == before:  # and the import can simply be run again
        files = [str(p) for p in sorted(transcripts.glob("*.txt"))]
        result = run("import", *files, "--informant", "Crash Informant", db=sqlite_project)
        assert result.exit_code == 0, result.output
        assert counts(sqlite_project, **IMPORTED)["sources"] == everything["sources"]


# -- (b) a burst of coding writes from the app's code path ---------------------------------------


def coding_state(db: Path, coder: str) -> tuple[set[int], int, int]:
    with Project.open(db) as sqlite_project, sqlite_project.read() as s:
        conn = s.connection()
        ids = {
            r[0]
            for r in conn.execute(
                text(
                    "SELECT c.id FROM coding c JOIN coder k ON k.id = c.coder_id WHERE k.name = :n"
                ),
                {"n": coder},
            )
        }
        audited = conn.execute(
            text(
                "SELECT COUNT(*) FROM audit_log WHERE actor = :n AND entity = 'coding' "
                "AND action = 'create'"
            ),
            {"n": coder},
        ).scalar_one()
        steps = conn.execute(
            text(
                "SELECT COUNT(*) FROM coding_action a JOIN coder k ON k.id = a.coder_id "
                "WHERE k.name = :n"
            ),
            {"n": coder},
        ).scalar_one()
    return ids, audited, steps


@pytest.mark.parametrize("point", ["ack:1", "ack:37", "inflight:1", "inflight:12", 0.3, 1.2])
def test_every_acknowledged_coding_survives_a_kill(
    sqlite_project: Path, point: str | float
) -> None:
    child = run_and_kill("code", str(sqlite_project), "ana", "1000000", point=point)
    acked = {int(line.split()[1]) for line in child.lines if line.startswith("ack ")}
    assert_sound(sqlite_project)
    ids, audited, steps = coding_state(sqlite_project, "ana")
    assert acked <= ids, f"lost acknowledged codings: {sorted(acked - ids)}"
    assert len(ids) <= len(acked) + 1  # at most the one in flight, committed but not yet told
    # Each action is whole: its coding, its audit entry and its undo step, or none of them.
    assert audited == steps == len(ids)
    if isinstance(point, str):
        name, k = point.split(":")
        assert ids == acked and len(acked) == (int(k) if name == "ack" else int(k) - 1)


# -- (c) a REFI-QDA import ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def qdpx(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """A .qdpx of a project with 30 interviews and codings, and what importing it adds."""
    from qualcode.exchange.refi import export_qdpx, import_refi
    from qualcode.storage.actions import CodingActions

    folder = tmp_path_factory.mktemp("refi")
    source_db = folder / "source.db"
    (folder / "codebook.yaml").write_text(
        "name: C\ncodes:\n  - name: A\n  - name: B\n", encoding="utf-8"
    )
    assert run("init", db=source_db).exit_code == 0
    assert run("codebook", "load", str(folder / "codebook.yaml"), db=source_db).exit_code == 0
    for i in range(30):
        (folder / f"i{i:02d}.txt").write_text(INTERVIEW.replace("Ratna", f"Ratna {i}"), "utf-8")
    files = [str(p) for p in sorted(folder.glob("i*.txt"))]
    assert run("import", *files, "--informant", "Ratna", db=source_db).exit_code == 0
    with Project.open(source_db) as p:
        actions = CodingActions(p, "ana")
        for source in range(1, 31):
            for code in (1, 2):
                actions.apply(source, code, 10, 40)
        export_qdpx(p, folder / "study.qdpx")
    reference = folder / "reference.db"
    assert run("init", db=reference).exit_code == 0
    before = counts(reference, **REFI_COUNTS)
    with Project.open(reference) as p:
        import_refi(p, folder / "study.qdpx")
    after = counts(reference, **REFI_COUNTS)
    return folder / "study.qdpx", {k: after[k] - before[k] for k in after}


REFI_COUNTS = {
    "sources": "SELECT COUNT(*) FROM source",
    "segments": "SELECT COUNT(*) FROM segment",
    "codes": "SELECT COUNT(*) FROM code",
    "codings": "SELECT COUNT(*) FROM coding",
    "audit": "SELECT COUNT(*) FROM audit_log",
}


@pytest.mark.parametrize("point", ["codes", "sources", 0.3, 0.8])
def test_a_killed_refi_import_is_all_or_nothing(
    tmp_path: Path, qdpx: tuple[Path, dict[str, int]], point: str | float
) -> None:
    file, added = qdpx
    assert added["sources"] == 30 and added["codings"] == 60
    db = tmp_path / "target.db"
    assert run("init", db=db).exit_code == 0
    before = counts(db, **REFI_COUNTS)
    run_and_kill("refi", str(db), str(file), point=point)
    assert_sound(db)
    after = counts(db, **REFI_COUNTS)
    assert after in (before, {k: before[k] + added[k] for k in before}), after
    if isinstance(point, str):
        assert after == before


# -- (d) a schema migration ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "point",
    ["backup", "migration:2", "committed:2", "migration:7", f"migration:{SCHEMA_VERSION}", 0.5],
)
def test_a_killed_migration_leaves_a_project_that_opens_and_upgrades(
    tmp_path: Path, point: str | float
) -> None:
    db = tmp_path / "old.db"
    shutil.copy(V1_PROJECT, db)
    run_and_kill("open", str(db), point=point)
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        done = [r[0] for r in conn.execute("SELECT id FROM schema_migration ORDER BY id")]
    finally:
        conn.close()
    ids = [m.id for m in MIGRATIONS]
    expected_done = {
        "backup": [1],
        "migration:2": [1],
        "committed:2": [1, 2],
        "migration:7": ids[:6],  # inside the coding table's rebuild
        f"migration:{SCHEMA_VERSION}": ids[:-1],
    }
    if isinstance(point, str):
        assert done == expected_done[point]
    assert done == ids[: len(done)]  # whole migrations, in order
    assert_sound(db)  # opening it finishes the upgrade (and its backup)
    backups = tmp_path / "old.db.backups"
    assert len(list(backups.glob("old-before-schema-*.db"))) >= 1
    assert not list(backups.glob(".*partial*"))  # a killed backup's leftovers are cleared
    with Project.open(db) as p, p.read() as s:
        conn2 = s.connection()
        versions = [r[0] for r in conn2.execute(text("SELECT id FROM schema_migration"))]
        codings = conn2.execute(text("SELECT id, segment_id FROM coding ORDER BY id")).all()
    assert versions == ids
    assert [tuple(c) for c in codings] == [(1, 2), (2, 2), (3, 4)]  # the v1 codings, placed


# -- (e) a source replacement (issue 7), one transaction like the rest ---------------------------

REPLACED = {
    "revisions": "SELECT COUNT(*) FROM source_revision",
    "audited": "SELECT COUNT(*) FROM audit_log WHERE action = 'replace'",
    "codings": "SELECT COUNT(*) FROM coding",
}


@pytest.mark.parametrize("point", ["rewritten", 0.3, 1.0, 3.0])
def test_a_killed_source_replace_is_all_or_nothing(
    sqlite_project: Path, workdir: Path, point: str | float
) -> None:
    from qualcode.storage.actions import CodingActions

    with Project.open(sqlite_project) as p:
        with p.read() as s:
            conn = s.connection()
            source, old = conn.execute(text("SELECT id, text FROM source")).one()
            code = conn.execute(text("SELECT id FROM code WHERE codable LIMIT 1")).scalar_one()
            turns = conn.execute(text('SELECT start, "end" FROM segment ORDER BY ordinal')).all()
        for a, b in turns:
            CodingActions(p, "ana").apply(source, code, a, b)
    coded = {tuple(t) for t in turns}
    new = "INTERVIEWER: A question put first.\n\n" + old
    corrected = workdir / "ratna-corrected.txt"
    corrected.write_text(new, encoding="utf-8")
    run_and_kill("replace", str(sqlite_project), "ratna", str(corrected), point=point)
    assert_sound(sqlite_project)
    after = counts(sqlite_project, **REPLACED)
    nothing = {"revisions": 0, "audited": 0, "codings": 4}
    assert after in (nothing, {**nothing, "revisions": 1, "audited": 1}), after
    with Project.open(sqlite_project) as p, p.read() as s:
        conn = s.connection()
        now = conn.execute(text("SELECT text FROM source")).scalar_one()
        spans = {tuple(r) for r in conn.execute(text('SELECT start, "end" FROM coding'))}
    shift = len(new) - len(old)
    if after["revisions"]:
        assert now == new and spans == {(a + shift, b + shift) for a, b in coded}
    else:
        assert now == old and spans == coded
    if isinstance(point, str):
        assert after["revisions"] == 0
