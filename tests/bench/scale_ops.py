"""One benchmark operation on one scale's project, run in a process of its own.

``python scale_ops.py OP SCALE RUNS`` runs OP RUNS times and prints one JSON line:
``{"times": [...], "peak_mb": ..., ...}``. A process per operation makes ``peak_mb`` (the
process's peak resident memory, ``VmHWM``) the memory that operation needs, interpreter and
imports included, as a user running the command would see it. ``test_bench_scales.py`` runs
these and records the figures.

An operation whose qualcode module does not exist (agreement, suggestions: built on other
branches) prints ``{"unavailable": "..."}`` instead.
"""

from __future__ import annotations

import importlib
import json
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from corpus import CODERS, Corpus, generate
from projects import new_project, project_for

from qualcode.storage.project import Project, remove_sqlite_files

HERE = Path(__file__).resolve().parent
WORK = HERE.parents[1] / "exports" / "bench" / "work"

Op = Callable[[Corpus, Path, int], dict[str, Any]]
OPS: dict[str, Op] = {}


class Unavailable(Exception):
    """The module an operation measures is not in this qualcode."""


def op(name: str) -> Callable[[Op], Op]:
    def register(fn: Op) -> Op:
        OPS[name] = fn
        return fn

    return register


# The process's CPU seconds of each timed call, by what was timed (ours, the baseline, or a
# setup step such as building the search index). On a shared machine CPU time moves less than
# wall-clock time, so both are reported.
CPU: dict[str, list[float]] = {"ours": [], "baseline": [], "setup": []}


def timed(fn: Callable[[], object], what: str = "ours") -> tuple[float, Any]:
    c0, t0 = time.process_time(), time.perf_counter()
    result = fn()
    wall = time.perf_counter() - t0
    CPU[what].append(time.process_time() - c0)
    return wall, result


def repeat(fn: Callable[[], object], runs: int) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(runs):
        t, result = timed(fn)
        times.append(t)
    return times, result


def scratch(name: str) -> Path:
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / name
    remove_sqlite_files(path)
    return path


# --- import ------------------------------------------------------------------------------------


@op("import")
def import_transcripts(corpus: Corpus, db: Path, runs: int) -> dict[str, Any]:
    """All transcripts in one ``import_files`` call (as ``qualcode import DIR/*.txt``), into a
    fresh project with the codebook loaded."""
    from qualcode.ingest.importer import import_files

    files, times = corpus.files(), []
    for _ in range(runs):
        project = new_project(scratch("import.db"), corpus)
        t, report = timed(lambda: import_files(project, files, actor="bench"))  # noqa: B023
        project.close()
        assert len(report.imported) == len(files), report.skipped[:3]
        times.append(t)
    return {"times": times, "files": len(files)}


@op("import_raw")
def import_raw(corpus: Corpus, db: Path, runs: int) -> dict[str, Any]:
    """The limit of the import: the same informant, source and segment rows (read from the
    built project) written by raw ``sqlite3`` ``executemany`` into a fresh project of the same
    schema (indexes and triggers included), one transaction: ``times``. Alternating with it,
    ``untriggered_times``: the same, but with the segment insert trigger left out while the
    segments are written and made again before the commit, as the import itself does
    (storage/coding_segment.py ``writing_new_sources``), a stricter floor."""
    with sqlite3.connect(db) as src:
        informants = src.execute(
            "SELECT id, name, pseudonym, role, attributes, created_at FROM informant"
        ).fetchall()
        sources = src.execute(
            "SELECT id, name, kind, filename, sha256, encoding, segmented_by, text, informant_id, "
            "imported_at FROM source"
        ).fetchall()
        segments = src.execute(
            'SELECT source_id, ordinal, start, "end", speaker, timestamp FROM segment'
        ).fetchall()

    def write(con: sqlite3.Connection, untriggered: bool) -> None:
        con.execute("BEGIN IMMEDIATE")
        if untriggered:
            (trigger,) = con.execute(
                "SELECT sql FROM sqlite_master WHERE name = 'segment_codings_insert'"
            ).fetchone()
            con.execute("DROP TRIGGER segment_codings_insert")
        con.executemany("INSERT INTO informant VALUES (?, ?, ?, ?, ?, ?)", informants)
        con.executemany(
            "INSERT INTO source (id, name, kind, filename, sha256, encoding, segmented_by, "
            "text, informant_id, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            sources,
        )
        con.executemany(
            'INSERT INTO segment (source_id, ordinal, start, "end", speaker, timestamp) '
            "VALUES (?, ?, ?, ?, ?, ?)",
            segments,
        )
        if untriggered:
            con.execute(trigger)
        con.execute("COMMIT")

    times: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(runs):
        for untriggered in (False, True):
            path = scratch("import-raw.db")
            new_project(path, corpus).close()
            con = sqlite3.connect(path, isolation_level=None)
            t, _ = timed(lambda: write(con, untriggered), "baseline")  # noqa: B023
            con.close()
            times[untriggered].append(t)
    return {"times": times[False], "untriggered_times": times[True], "segments": len(segments)}


@op("import_codings")
def import_codings(corpus: Corpus, db: Path, runs: int) -> dict[str, Any]:
    """The codings CSV (``qualcode codings import``) into the project with its transcripts."""
    from qualcode.exchange.codings_csv import import_codings_csv

    times, imported = [], 0
    for _ in range(runs):
        path = scratch("codings.db")
        shutil.copyfile(db, path)
        with sqlite3.connect(path) as con:
            con.execute("DELETE FROM coding")
        project = Project.open(path)
        t, report = timed(lambda: import_codings_csv(project, corpus.codings, actor="bench"))  # noqa: B023
        project.close()
        imported = report.imported
        times.append(t)
    return {"times": times, "codings": imported}


# --- displays ----------------------------------------------------------------------------------

# The count matrix's numbers from one hand-written GROUP BY: informant x top-level code, distinct
# segments. Exact for this corpus, whose codings each lie in one segment (whole turns) and whose
# codebook has two levels; the display itself handles codings over several segments and any depth.
HAND_GROUP_BY = """
    SELECT s.informant_id, COALESCE(c.parent_id, c.id) AS top, COUNT(DISTINCT cd.segment_id)
    FROM coding cd
    JOIN code c ON c.id = cd.code_id
    JOIN source s ON s.id = cd.source_id
    GROUP BY s.informant_id, top
"""


def _display(db: Path, runs: int, **spec: Any) -> tuple[list[float], Any]:
    from qualcode.analysis.displays import DisplaySpec, build_display

    project = Project.open(db)
    try:
        with project.read() as session:
            return repeat(lambda: build_display(session, DisplaySpec(**spec)), runs)
    finally:
        project.close()


@op("count_matrix")
def count_matrix(corpus: Corpus, db: Path, runs: int) -> dict[str, Any]:
    """The conceptually clustered count matrix (informants x themes), interleaved with the
    hand-written GROUP BY over the same tables; both give the same numbers."""
    from sqlalchemy import text

    from qualcode.analysis.displays import DisplaySpec, build_display

    project = Project.open(db)
    ours, theirs = [], []
    try:
        with project.read() as session:
            conn = session.connection()
            names = dict(conn.execute(text("SELECT id, name FROM informant")).all())
            paths = dict(conn.execute(text("SELECT id, path FROM code")).all())
            spec = DisplaySpec(kind="clustered", depth=1)
            build_display(session, spec)  # the page cache warmed for both
            for _ in range(runs):
                t, table = timed(lambda: build_display(session, spec))  # noqa: B023
                ours.append(t)
                t, rows = timed(lambda: conn.execute(text(HAND_GROUP_BY)).all(), "baseline")
                theirs.append(t)
    finally:
        project.close()
    expected = {(names[i], paths[c]): n for i, c, n in rows if n}
    got = {
        (row.label, column): value
        for row in table.rows
        for column, value in zip(table.columns, row.cells, strict=True)
        if value
    }
    assert got == expected, "count matrix and the hand-written GROUP BY differ"
    return {"times": ours, "baseline_times": theirs, "cells": len(expected)}


@op("quotes_matrix")
def quotes_matrix(corpus: Corpus, db: Path, runs: int) -> dict[str, Any]:
    times, table = _display(db, runs, kind="clustered", depth=1, cells="quotes")
    return {"times": times, "rows": len(table.rows)}


@op("cooccurrence")
def cooccurrence(corpus: Corpus, db: Path, runs: int) -> dict[str, Any]:
    times, table = _display(db, runs, kind="cooccurrence", depth=1)
    return {"times": times, "rows": len(table.rows)}


@op("triangulation")
def triangulation(corpus: Corpus, db: Path, runs: int) -> dict[str, Any]:
    from qualcode.analysis.triangulation import triangulate

    project = Project.open(db)
    try:
        with project.read() as session:
            times, result = repeat(lambda: triangulate(session), runs)
    finally:
        project.close()
    assert result.groups == ["expert", "msme actor", "official"], result.groups
    return {"times": times, "rows": len(result.rows)}


# --- the same tables as the peer's (test_bench_peer.py) ---------------------------------------


@op("peer_counts")
def peer_counts(corpus: Corpus, db: Path, runs: int) -> dict[str, Any]:
    """The count matrix at the codes' level, a row per source (interview): the 36 sub-codes'
    distinct coded segments per document, as the peer's ``stats --by-document`` counts them."""
    times, table = _display(db, runs, kind="clustered", depth=2, rows="source")
    cells = {
        f"{row.label}|{column}": value
        for row in table.rows
        for column, value in zip(table.columns, row.cells, strict=True)
        if value
    }
    return {"times": times, "cells": cells}


@op("peer_crosstab")
def peer_crosstab(corpus: Corpus, db: Path, runs: int) -> dict[str, Any]:
    """The co-occurrence table of the six themes, the first coder's codings."""
    from qualcode.analysis.displays import DisplaySpec, build_display

    spec = DisplaySpec(kind="cooccurrence", depth=1, coders=(CODERS[0],))
    project = Project.open(db)
    try:
        with project.read() as session:
            times, table = repeat(lambda: build_display(session, spec, fmt="json"), runs)
    finally:
        project.close()
    labels = table.columns[::2]  # a count column and a "(c)" column per code
    matrix = {row.label: dict(zip(labels, row.cells[::2], strict=True)) for row in table.rows}
    return {"times": times, "matrix": matrix}


# --- search ------------------------------------------------------------------------------------

QUERIES = ("training", "the training", "trainng", "credit market", "licnce permit", "zzqxv")


@op("search")
def search(corpus: Corpus, db: Path, runs: int) -> dict[str, Any]:
    """Build the segment index (once per app run), then typo-tolerant queries: the median over
    queries and runs."""
    from qualcode.analysis.search import SegmentIndex

    project = Project.open(db)
    try:
        with project.read() as session:
            build, index = timed(lambda: SegmentIndex.from_session(session), "setup")
    finally:
        project.close()
    times = []
    for query in QUERIES:
        times += repeat(lambda: index.search(query), runs)[0]  # noqa: B023
    assert index.search("training"), "no hit for a word of the corpus"
    return {"times": times, "build_s": build, "segments": len(index)}


# --- REFI-QDA ----------------------------------------------------------------------------------


def _qdpx(corpus: Corpus, db: Path) -> Path:
    from qualcode.exchange.refi import export_qdpx

    out = corpus.root / "project.qdpx"
    if not out.exists() or out.stat().st_mtime < db.stat().st_mtime:
        project = Project.open(db)
        try:
            export_qdpx(project, out)
        finally:
            project.close()
    return out


@op("qdpx_export")
def qdpx_export(corpus: Corpus, db: Path, runs: int) -> dict[str, Any]:
    from qualcode.exchange.refi import export_qdpx

    out = scratch("export.qdpx")
    project = Project.open(db)
    try:
        times, report = repeat(lambda: export_qdpx(project, out), runs)
    finally:
        project.close()
    return {"times": times, "codings": report.codings, "bytes": out.stat().st_size}


@op("qdpx_import")
def qdpx_import(corpus: Corpus, db: Path, runs: int) -> dict[str, Any]:
    from qualcode.exchange.refi import import_refi

    qdpx, times = _qdpx(corpus, db), []
    for _ in range(runs):
        project = Project.open(scratch("refi-import.db"), create=True)
        t, report = timed(lambda: import_refi(project, qdpx, actor="bench"))  # noqa: B023
        project.close()
        assert not report.not_placed and not report.moved
        times.append(t)
    return {"times": times, "codings": report.codings_imported}


# --- built on other branches: measured when their modules exist ------------------------------


def _optional(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise Unavailable(f"{module} is not in this qualcode ({err.name} missing)") from None


@op("agreement")
def agreement(corpus: Corpus, db: Path, runs: int) -> dict[str, Any]:
    mod = _optional("qualcode.analysis.agreement")
    project = Project.open(db)
    try:
        with project.read() as session:
            times, _ = repeat(lambda: mod.agreement(session, list(CODERS)), runs)
    finally:
        project.close()
    return {"times": times}


@op("suggestions")
def suggestions(corpus: Corpus, db: Path, runs: int) -> dict[str, Any]:
    mod = _optional("qualcode.analysis.suggestions")
    # As the app's Suggestions queue asks (the best 1,000, and how many there are in all): no
    # user path asks for every suggestion (the CLI shows 50 by default).
    queue = 1_000
    project = Project.open(db)
    try:
        with project.read() as session:
            times, found = repeat(lambda: mod.suggest(session, CODERS[1], limit=queue), runs)
    finally:
        project.close()
    return {"times": times, "suggestions": len(found), "total": found.total, "limit": queue}


# --- the coding app ------------------------------------------------------------------------------


@op("app")
def app(corpus: Corpus, db: Path, runs: int) -> dict[str, Any]:
    """The coding app on the scale's project (app_timing.py): its start, the largest transcript
    opened to first paint, and the coding key's round trip there against an empty Textual app's
    (40 presses each: the code applied and removed again, so the project ends as it began). On a
    copy of the project: the round trip writes."""
    import asyncio
    import statistics

    from app_timing import EmptyApp, open_source, round_trips

    from qualcode.tui.app import make_app

    path = scratch("app.db")
    shutil.copyfile(db, path)
    with sqlite3.connect(path) as con:
        source_id, segments = con.execute(
            "SELECT source_id, COUNT(*) FROM segment GROUP BY source_id ORDER BY 2 DESC, 1 LIMIT 1"
        ).fetchone()
        codings = con.execute("SELECT COUNT(*) FROM coding").fetchone()[0]
        audited = con.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
        # the synthetic codebook has no shortcuts: key 2 for its first codable code, as a
        # researcher's codebook would give one
        con.execute(
            "UPDATE code SET shortcut = '2' WHERE id = "
            "(SELECT MIN(id) FROM code WHERE codable AND shortcut IS NULL)"
        )

    def make() -> Any:
        return make_app(str(path), coder=CODERS[0])

    opened = [asyncio.run(open_source(make, source_id)) for _ in range(runs)]
    assert all(o.segments == segments and o.screen_text.strip() for o in opened)
    CPU["ours"] += [o.cpu for o in opened]
    presses = 40
    empty = asyncio.run(round_trips(EmptyApp(), presses, None))
    ours = asyncio.run(round_trips(make(), presses, source_id))
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT COUNT(*) FROM coding").fetchone()[0] == codings
        written = con.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0] - audited
    assert written >= presses, "the key must code and uncode (check the code on key 2)"
    return {
        "times": [o.first_paint for o in opened],
        "settled": [o.settled for o in opened],
        "start_times": [o.start for o in opened],
        "segments": segments,
        "round_trip": statistics.median(ours),
        "empty_round_trip": statistics.median(empty),
        "presses": presses,
    }


def run_op(name: str, scale: str, runs: int) -> dict[str, Any]:
    """Run this script for ``name`` in a fresh interpreter and return its JSON (the caller's
    side: test_bench_scales.py and test_bench_peer.py)."""
    done = subprocess.run(
        [sys.executable, str(HERE / "scale_ops.py"), name, scale, str(runs)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(f"{name} at {scale} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def peak_mb() -> float:
    """This process's peak resident memory. Linux's ``VmHWM`` belongs to the process's own memory
    since its ``exec``; ``getrusage``'s ``ru_maxrss`` would carry over the parent's (pytest's)
    peak from before the ``exec``."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def main(argv: list[str]) -> int:
    name, scale, runs = argv[0], argv[1], int(argv[2])
    corpus = generate(scale)
    db = project_for(corpus)
    try:
        out = OPS[name](corpus, db, runs)
    except Unavailable as why:
        out = {"unavailable": str(why)}
    out["cpu_times"], out["baseline_cpu_times"] = CPU["ours"], CPU["baseline"]
    out["peak_mb"] = peak_mb()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
