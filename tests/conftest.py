"""Shared fixtures: small files and projects built through the same code paths users take.

Back ends: a test that takes the ``backend`` fixture (directly or through ``project`` or
``new_location``) runs on SQLite only, unless it is under tests/storage/ or marked
``@pytest.mark.backends``: then it runs on SQLite and on PostgreSQL. PostgreSQL needs the
environment variable QUALCODE_TEST_PG, a URL of a server where the tests may create and drop
databases (``make test`` starts a throwaway server when PostgreSQL is installed, see
.ci/with-postgres.sh); without it those runs are skipped, and the summary says so.
"""

from __future__ import annotations

import hashlib
import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from qualcode.cli import main

PG_URL = os.environ.get("QUALCODE_TEST_PG", "").strip()
BACKENDS = ("sqlite", "postgresql")
PG_SKIP_REASON = "PostgreSQL not tested: QUALCODE_TEST_PG is not set (see docs/team.md)"

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "transcripts" / "sampang"
FAHRUDIN = REPO / "codebooks" / "fahrudin.yaml"

SMALL_CODEBOOK = """\
name: Small codebook
magnitude:
  -2: strongly negative
  -1: negative
  0: neutral
  1: positive
  2: strongly positive
codes:
  - name: Enabling
    shortcut: "1"
    color: "#2E7D32"
    brief: Creating a climate for growth.
    codes:
      - name: Motivation
        keywords: [motivation, socialisation]
  - name: Empowering
    shortcut: "2"
    codes:
      - name: Training and coaching
        keywords: [training, coaching]
  - name: Obstacles
    codable: false
    codes:
      - name: Licensing cost
"""

INTERVIEW = """\
[00:00:01] INTERVIEWER: Good morning, Ibu Ratna. What does the department do?

[00:00:09] Ratna Kurniasih: We run training and coaching for MSME actors. 🙂 The café owners came too.

[00:00:40] INTERVIEWER: Does it reach everyone?

[00:00:45] Ratna Kurniasih: Not yet. The main programme is only planned.
"""


def run(*args: str, db: Path | str | None = None, input: str | None = None):
    """Invoke the CLI in-process; returns click's Result (exit_code, stdout, stderr)."""
    argv = (["--db", str(db)] if db is not None else []) + list(args)
    return CliRunner().invoke(main, argv, input=input, catch_exceptions=False)


def fingerprint(db: Path | str) -> str:
    """The bytes of a project file and its WAL companions, to prove a failure changed nothing;
    for a PostgreSQL URL, the rows of every table."""
    if "://" in str(db):
        return _database_fingerprint(str(db))
    digest = hashlib.sha256()
    for suffix in ("", "-wal", "-shm"):
        part = Path(str(db) + suffix)
        digest.update(suffix.encode())
        data = part.read_bytes() if part.exists() and suffix != "-shm" else b""
        digest.update(data or b"-")  # an empty WAL holds nothing (a reader may leave one)
    return digest.hexdigest()


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "codebook.yaml").write_text(SMALL_CODEBOOK, encoding="utf-8")
    (tmp_path / "ratna.txt").write_text(INTERVIEW, encoding="utf-8")
    return tmp_path


@pytest.fixture
def project(workdir: Path, new_location: Callable[[str], Path | str]) -> Path | str:
    """A project with the small codebook and one interview (informant Ratna, role official):
    a file in workdir on SQLite, a URL on PostgreSQL."""
    db = new_location("p.db")
    build_small_project(db, workdir)
    return db


def build_small_project(db: Path | str, workdir: Path) -> None:
    """Through the CLI, into the new project ``db``: the small codebook and Ratna's interview
    (informant Ratna Kurniasih, role official), both from ``workdir`` (the ``workdir`` fixture)."""
    assert run("init", db=db).exit_code == 0
    assert run("codebook", "load", str(workdir / "codebook.yaml"), db=db).exit_code == 0
    result = run(
        "import",
        str(workdir / "ratna.txt"),
        "--informant",
        "Ratna Kurniasih",
        "--role",
        "official",
        db=db,
    )
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo project (``qualcode demo --no-app``), built once per test run."""
    db = tmp_path_factory.mktemp("demo-template") / "demo.db"
    result = run("demo", "--no-app", db=db)
    assert result.exit_code == 0, result.output
    return db


@pytest.fixture
def demo_db(demo_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the demo project, for a test that changes it."""
    import shutil

    db = tmp_path / "demo.db"
    shutil.copyfile(demo_template, db)
    return db


# -- back ends -----------------------------------------------------------------------------------
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "backends: run the test on SQLite and on PostgreSQL (QUALCODE_TEST_PG)"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" not in metafunc.fixturenames:
        return
    under_storage = Path(str(metafunc.definition.path)).parent.name == "storage"
    every = os.environ.get("QUALCODE_TEST_PG_ALL") == "1"  # all that take a project, to explore
    if under_storage or every or metafunc.definition.get_closest_marker("backends"):
        metafunc.parametrize("backend", BACKENDS, indirect=True, scope="module")


@pytest.fixture(scope="module")
def backend(request: pytest.FixtureRequest) -> str:
    """``sqlite`` or ``postgresql`` (see the module docstring); SQLite when not parametrized."""
    name = getattr(request, "param", "sqlite")
    if name == "postgresql" and not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    return name


class PgDatabases:
    """Throwaway databases on the QUALCODE_TEST_PG server, each dropped after its test."""

    _numbers = itertools.count(1)

    def create(self) -> str:
        from sqlalchemy.engine import make_url

        name = f"qualcode_test_{os.getpid()}_{next(self._numbers)}"
        self._admin(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
        return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        from sqlalchemy.engine import make_url

        # FORCE: a test may leave a project open; its connections are ended.
        self._admin(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')

    def _admin(self, *statements: str) -> None:
        import psycopg

        with psycopg.connect(PG_URL, autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)  # type: ignore[arg-type]


@pytest.fixture
def new_location(backend: str, tmp_path: Path) -> Iterator[Callable[[str], Path | str]]:
    """``new_location(name)``: where a new project goes on this back end (nothing created yet
    on SQLite; an empty database on PostgreSQL)."""
    made: list[str] = []
    databases = PgDatabases()

    def new(name: str) -> Path | str:
        if backend == "sqlite":
            return tmp_path / name
        made.append(databases.create())
        return made[-1]

    yield new
    for url in made:
        databases.drop(url)


def _database_fingerprint(url: str) -> str:
    from sqlalchemy import create_engine, inspect, text

    from qualcode.storage.db import database_url

    digest = hashlib.sha256()
    engine = create_engine(database_url(url))
    try:
        with engine.connect() as conn:
            for table in sorted(inspect(conn).get_table_names()):
                digest.update(table.encode())
                rows = conn.execute(text(f'SELECT * FROM "{table}"'))
                for row in sorted(repr(tuple(r)) for r in rows):  # in no particular order
                    digest.update(row.encode())
    finally:
        engine.dispose()
    return digest.hexdigest()


def pytest_report_header(config: pytest.Config) -> str:
    if PG_URL:
        from sqlalchemy.engine import make_url

        return f"PostgreSQL back end: tested on {make_url(PG_URL).render_as_string()}"
    return f"PostgreSQL back end: {PG_SKIP_REASON}"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    on_pg = [
        report
        for reports in terminalreporter.stats.values()
        for report in reports
        if isinstance(report, pytest.TestReport) and "[postgresql" in report.nodeid
    ]
    ran = {r.nodeid for r in on_pg if r.when == "call"}
    skipped = {r.nodeid for r in on_pg if r.skipped}
    if ran:
        terminalreporter.write_line(f"PostgreSQL back end: {len(ran)} tests ran on PostgreSQL")
    if skipped or not PG_URL:
        terminalreporter.write_line(
            f"PostgreSQL back end: SKIPPED {len(skipped)} tests ({PG_SKIP_REASON})",
            yellow=True,
            bold=True,
        )
