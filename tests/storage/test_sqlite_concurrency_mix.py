"""Several writers on one SQLite project at once: two coding-app instances (the app's code path,
``CodingActions``) and the command line importing transcripts and codings. Nobody sees
"database is locked" and nothing is lost. When another program holds the lock longer than the
busy timeout, the user gets one line saying the project is busy, and nothing is half-written."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run
from sqlalchemy import text
from test_crash_safety import (
    Child,
    assert_sound,
    coding_state,
    make_sqlite_project,
)

from qualcode.core.errors import QualcodeError
from qualcode.storage import db as storage_db
from qualcode.storage.actions import CodingActions
from qualcode.storage.project import Project

N = 120  # codings per app instance


@pytest.fixture
def sqlite_project(workdir: Path) -> Path:
    return make_sqlite_project(workdir)


def test_two_app_instances_and_the_cli_write_at_once(sqlite_project: Path, tmp_path: Path) -> None:
    folder = tmp_path / "more"
    folder.mkdir()
    for i in range(12):
        turns = [f"Budi: batch {i} turn {t} about the cooperative." for t in range(200)]
        (folder / f"b{i:02d}.txt").write_text("\n\n".join(turns) + "\n", "utf-8")
    csv_file = tmp_path / "codings.csv"
    rows = [f"ratna,,{s},{s + 3},Empowering/Training and coaching,carla," for s in range(80)]
    csv_file.write_text("source,segment,start,end,code,coder,magnitude\n" + "\n".join(rows) + "\n")

    ana = Child("code", str(sqlite_project), "ana", str(N))
    budi = Child("code", str(sqlite_project), "budi", str(N))
    importer = Child(
        "cli",
        str(sqlite_project),
        "import",
        *map(str, sorted(folder.glob("*.txt"))),
        "--informant",
        "Budi",
    )
    coder_csv = Child("cli", str(sqlite_project), "codings", "import", str(csv_file))
    for child in (importer, coder_csv):
        assert child.proc.wait(timeout=120) == 0, child.proc.stderr.read()  # type: ignore[union-attr]
        err = child.proc.stderr.read()  # type: ignore[union-attr]
        assert "locked" not in err and "Traceback" not in err, err
    for child in (ana, budi):
        assert child.proc.wait(timeout=120) == 0, child.proc.stderr.read()  # type: ignore[union-attr]
        child.kill()  # collects its output
        acks = [line for line in child.lines if line.startswith("ack ")]
        assert len(acks) == N
    assert_sound(sqlite_project)
    for coder in ("ana", "budi"):
        ids, audited, steps = coding_state(sqlite_project, coder)
        assert len(ids) == audited == steps == N
    with Project.open(sqlite_project) as p, p.read() as s:
        conn = s.connection()
        assert conn.execute(text("SELECT COUNT(*) FROM source")).scalar_one() == 13
        carla = conn.execute(
            text(
                "SELECT COUNT(*) FROM coding c JOIN coder k ON k.id = c.coder_id "
                "WHERE k.name = 'carla'"
            )
        ).scalar_one()
    assert carla == 80


@pytest.fixture
def short_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(storage_db, "BUSY_TIMEOUT_MS", 300)
    # Writers may also queue for a while by trying again (a longer wait for the write lock).
    monkeypatch.setattr(storage_db, "WRITE_WAIT_S", 0.3, raising=False)


def test_a_lock_held_too_long_is_one_line_and_changes_nothing(
    sqlite_project: Path, workdir: Path, short_timeout: None
) -> None:
    (workdir / "late.txt").write_text("Budi: I came late.\n", "utf-8")
    app = Project.open(sqlite_project)  # the coding app, open before the lock is taken
    actions = CodingActions(app, "ana")
    holder = Child("hold", str(sqlite_project), "4")
    holder.wait_for("ready")
    try:
        result = run("import", str(workdir / "late.txt"), "--informant", "Budi", db=sqlite_project)
        assert result.exit_code == 1
        assert result.stderr.startswith("error: the project is busy: ")
        assert result.stderr.count("\n") == 1
        with pytest.raises(QualcodeError, match="the project is busy"):
            actions.apply(1, 2, 0, 5)  # the app shows this line in a notification
    finally:
        holder.kill()
    actions.apply(1, 2, 0, 5)  # once the lock is free, the same key works
    app.close()
    with Project.open(sqlite_project) as p, p.read() as s:
        assert s.connection().execute(text("SELECT COUNT(*) FROM source")).scalar_one() == 1
        assert s.connection().execute(text("SELECT COUNT(*) FROM coding")).scalar_one() == 1
    again = run("import", str(workdir / "late.txt"), "--informant", "Budi", db=sqlite_project)
    assert again.exit_code == 0, again.output
