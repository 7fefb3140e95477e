"""The Sources screen's figures (``storage/views.py source_overview``) against a brute force:
per source, its segments, the segments a coder's codings overlap (every coder's, for a
reviewer) and the coder's codings — with codings inside one segment, over several, starting in
the gap between two, and over no segment at all."""

from __future__ import annotations

import random
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path

from sqlalchemy import text

from qualcode.core.codebook import load_codebook
from qualcode.ingest.importer import import_files
from qualcode.storage.actions import CodingActions
from qualcode.storage.codes import load_codebook_into
from qualcode.storage.project import Project
from qualcode.storage.views import source_overview

REPO = Path(__file__).resolve().parents[2]


def brute_force(project: Project, coder: str | None) -> dict[int, tuple[int, int, int]]:
    with project.read() as s:
        conn = s.connection()
        segments = conn.execute(text('SELECT source_id, start, "end" FROM segment')).all()
        codings = conn.execute(
            text(
                'SELECT cd.source_id, cd.start, cd."end", k.name FROM coding cd '
                "JOIN coder k ON k.id = cd.coder_id"
            )
        ).all()
        sources = [r[0] for r in conn.execute(text("SELECT id FROM source"))]
    mine = [c for c in codings if coder is None or c[3] == coder]
    out = {}
    for source in sources:
        own = [g for g in segments if g[0] == source]
        spans = [c for c in mine if c[0] == source]
        coded = sum(1 for g in own if any(c[1] < g[2] and g[1] < c[2] for c in spans))
        out[source] = (len(own), coded, len(spans))
    return out


def test_the_sources_figures_are_the_brute_force_ones(
    new_location: Callable[[str], Path | str],
) -> None:
    rng = random.Random(7)
    with Project.open(new_location("overview.db"), create=True) as project:
        with project.write() as session:
            load_codebook_into(session, load_codebook(REPO / "codebooks" / "fahrudin.yaml"), "t")
        import_files(project, sorted((REPO / "transcripts" / "sampang").glob("*.txt")))
        with project.read() as s:
            conn = s.connection()
            sources = conn.execute(text("SELECT id, length(text) FROM source")).all()
            codes = [r[0] for r in conn.execute(text("SELECT id FROM code WHERE codable"))]
            spans = conn.execute(
                text('SELECT source_id, start, "end" FROM segment ORDER BY source_id, start')
            ).all()
        for coder in ("ana", "ben"):
            actions = CodingActions(project, coder)
            for _ in range(60):
                source, length = rng.choice(sources)
                start = rng.randrange(0, length - 1)
                end = min(length, start + rng.choice([1, 5, 40, 400, 1500]))
                actions.apply(source, rng.choice(codes), start, end)
        # a coding in the gap between two segments (over no segment), where there is one
        gaps = [(a[0], a[2], b[1]) for a, b in pairwise(spans) if a[0] == b[0]]
        source, gap_start, gap_end = next(g for g in gaps if g[2] - g[1] > 1)
        CodingActions(project, "ana").apply(source, codes[0], gap_start, gap_end)
        with project.read() as s:
            multi = s.connection().execute(
                text("SELECT COUNT(*) FROM coding WHERE multi_segment = 1")
            )
            assert multi.scalar_one() > 5, "some codings must reach over several segments"
            for coder in ("ana", "ben", "nobody", None):
                rows = source_overview(s, coder)
                got = {r.id: (r.segments, r.coded_segments, r.codings) for r in rows}
                assert got == brute_force(project, coder), coder
