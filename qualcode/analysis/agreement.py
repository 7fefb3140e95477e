"""Intercoder agreement of two or more coders, per code and overall (``qualcode agree``).

What is compared
    The *compared sources* are those every compared coder has coded (at least one coding of any
    code): the double-coded part of the data. A source only some of them coded says nothing about
    their agreement.

Units
    ``segment``: every segment of the compared sources is a unit; a coder applied a code to it
    when one of their codings of that code overlaps it (a coding over three segments counts for
    all three). ``character``: every character of the compared sources' text is a unit, as NVivo
    measures; computed with interval arithmetic (unions of coded spans per coder, swept once), so
    a long source never becomes a list of characters.

Codes
    By default the codes any compared coder applied in the compared sources, in codebook order
    (a code nobody applied has nothing to agree on). ``codes`` names codes explicitly; each code
    is measured on its own codings (a parent code does not include its sub-codes' codings).

Overall
    Pooled: every (code, unit) pair is one unit with a present/absent value per coder, and the
    same statistics are computed over all of them (``agreement_stats.pooled``). So overall alpha
    is Krippendorff's alpha of the stacked code-by-unit reliability data, not an average of the
    per-code alphas, and a rarely used code weighs as much per unit as a common one.

Statistics and their undefined values are in ``agreement_stats``.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlmodel import Session

from qualcode.analysis.agreement_stats import Figures, binary_figures, pooled
from qualcode.core.errors import QualcodeError
from qualcode.storage.codes import resolve_code

UNITS = ("segment", "character")


@dataclass
class Agreement:
    """The figures of one comparison; ``as_json`` is the ``qualcode agree --format json`` shape
    (the issue's contract, each figure set with its ``flag``)."""

    coders: list[str]
    unit: str
    codes: dict[str, Figures]
    overall: Figures
    sources: list[str] = field(default_factory=list)  # the compared (double-coded) sources

    def as_json(self) -> dict[str, object]:
        return {
            "coders": self.coders,
            "unit": self.unit,
            "codes": {path: f.as_json() for path, f in self.codes.items()},
            "overall": self.overall.as_json(),
        }


@dataclass(frozen=True)
class Comparison:
    """Resolved coders and codes of a comparison, shared by agreement and adjudication."""

    coder_names: list[str]
    coder_ids: list[int]
    code_ids: list[int] | None  # None: every code a compared coder applied
    paths: dict[int, str]  # every code's path, by id, in codebook order
    sources: dict[int, str]  # the compared sources: id -> name, by name
    partly_coded: bool  # some source only some of the coders coded (to be filtered out)

    def mask_sql(self) -> str:
        """SQL aggregate for the mask of coders among a group's rows (coder i is bit i)."""
        return " + ".join(
            f"MAX(CASE WHEN coder_id = {k} THEN {1 << i} ELSE 0 END)"
            for i, k in enumerate(self.coder_ids)
        )

    def coder_sql(self) -> str:
        return ", ".join(str(k) for k in self.coder_ids)

    def code_filter(self) -> str:
        if self.code_ids is None:
            return ""
        return f"AND cd.code_id IN ({', '.join(str(c) for c in self.code_ids) or 'NULL'})"

    def source_list(self) -> str:
        return ", ".join(str(s) for s in self.sources) or "NULL"

    def source_filter(self) -> str:
        """A condition keeping the codings of the compared sources. Not needed (and left out)
        when every source these coders coded is compared. The unary + keeps SQLite scanning
        the codings in order rather than seeking each source's rows through an index."""
        return f"AND +cd.source_id IN ({self.source_list()})" if self.partly_coded else ""


def comparison(session: Session, coders: Sequence[str], codes: Sequence[str] = ()) -> Comparison:
    """Resolve coder names and code paths (one-line errors with a guess for unknown names)."""
    names = list(dict.fromkeys(c.strip() for c in coders))
    if len(names) < 2:
        raise QualcodeError("agreement needs at least two different coders (--coders A B)")
    conn = session.connection()
    known: dict[str, int] = dict(conn.execute(text("SELECT name, id FROM coder")).all())
    for name in names:
        if name not in known:
            raise QualcodeError(f"unknown coder '{name}'{_guess(name, list(known))}")
    code_ids = None
    if codes:
        code_ids = list(dict.fromkeys(_code_id(session, c) for c in codes))
    paths: dict[int, str] = dict(
        conn.execute(text("SELECT id, path FROM code ORDER BY position, path")).all()
    )
    ids = [known[n] for n in names]
    # How many of the coders coded each source (an index probe per source and coder).
    coded_by = " + ".join(
        f"(CASE WHEN EXISTS (SELECT 1 FROM coding c WHERE c.source_id = s.id "
        f"AND c.coder_id = {k}) THEN 1 ELSE 0 END)"
        for k in ids
    )
    rows = conn.execute(text(f"SELECT s.id, s.name, {coded_by} FROM source s ORDER BY s.name"))
    sources, partly = {}, False
    for sid, name, n in rows:
        if n == len(ids):
            sources[sid] = name
        partly = partly or 0 < n < len(ids)
    return Comparison(names, ids, code_ids, paths, sources, partly)


def agreement(
    session: Session, coders: Sequence[str], codes: Sequence[str] = (), unit: str = "segment"
) -> Agreement:
    """Agreement of ``coders`` per code and overall, on segments or characters."""
    if unit not in UNITS:
        raise QualcodeError(f"unknown unit '{unit}' (choose {' or '.join(UNITS)})")
    cmp = comparison(session, coders, codes)
    conn = session.connection()
    if unit == "segment":
        units, patterns = segment_patterns(conn, cmp)
    else:
        units, patterns = character_patterns(conn, cmp)
    code_ids = cmp.code_ids if cmp.code_ids is not None else list(patterns)
    chosen = [c for c in cmp.paths if c in set(code_ids)]  # codebook order
    m = len(cmp.coder_ids)
    per_code = {}
    for code_id in chosen:
        counts = dict(patterns.get(code_id, {}))
        counts[0] = units - sum(counts.values())  # units nobody coded with it
        per_code[cmp.paths[code_id]] = counts
    figures = {path: binary_figures(counts, m) for path, counts in per_code.items()}
    return Agreement(
        coders=cmp.coder_names,
        unit=unit,
        codes=figures,
        overall=binary_figures(pooled(per_code.values()), m),
        sources=list(cmp.sources.values()),
    )


def segment_patterns(conn: Connection, cmp: Comparison) -> tuple[int, dict[int, dict[int, int]]]:
    """(number of segments of the compared sources, code id -> {mask: segments}) for the
    segments some compared coder coded; the all-absent count is left to the caller.

    Each coder's segments per source and code come as one list from the covering index
    ``ix_coding_segment`` (source, code, coder, segment), in index order, so the database neither
    sorts nor groups 400,000 rows (``marks_sql`` does, and takes twice as long); the patterns are
    then set operations per source and code.
    """
    units = conn.execute(
        text(f"SELECT COUNT(*) FROM segment WHERE source_id IN ({cmp.source_list()})")
    ).scalar_one()
    where = f"cd.coder_id IN ({cmp.coder_sql()}) {cmp.code_filter()} {cmp.source_filter()}"
    further: dict[tuple[int, int, int], list[int]] = defaultdict(list)
    for source_id, code_id, coder, unit in conn.execute(text(_further_segments_sql(where))):
        further[source_id, code_id, coder].append(unit)
    listed = _list_agg(conn, "cd.segment_id")
    sql = f"""
        SELECT cd.source_id, cd.code_id, cd.coder_id, {listed} FROM coding cd
        WHERE cd.segment_id IS NOT NULL AND {where}
        GROUP BY cd.source_id, cd.code_id, cd.coder_id
        ORDER BY cd.source_id, cd.code_id, cd.coder_id
    """
    bits = {k: 1 << i for i, k in enumerate(cmp.coder_ids)}
    patterns: dict[int, dict[int, int]] = defaultdict(dict)
    group: tuple[int, int] | None = None
    sets: dict[int, set[str]] = {}
    for source_id, code_id, coder, segments in conn.execute(text(sql)):
        if (source_id, code_id) != group:
            if group is not None:
                _count_patterns(sets, patterns[group[1]])
            group, sets = (source_id, code_id), {}
        found = set(segments.split(","))
        found.update(str(u) for u in further.pop((source_id, code_id, coder), ()))
        sets[bits[coder]] = found
    if group is not None:
        _count_patterns(sets, patterns[group[1]])
    # A coding reaching further also has its first segment, so every group was met above.
    assert not further
    return units, patterns


def _count_patterns(sets: dict[int, set[str]], into: dict[int, int]) -> None:
    """Add to ``into`` the units per coder pattern, given each coder's (bit -> units) set."""
    if len(sets) == 1:
        ((bit, units),) = sets.items()
        into[bit] = into.get(bit, 0) + len(units)
        return
    if len(sets) == 2:  # the common case, in C: intersections and differences
        (bit_a, a), (bit_b, b) = sets.items()
        both = len(a & b)
        for mask, n in ((bit_a | bit_b, both), (bit_a, len(a) - both), (bit_b, len(b) - both)):
            if n:
                into[mask] = into.get(mask, 0) + n
        return
    masks: dict[str, int] = defaultdict(int)
    for bit, units in sets.items():
        for unit in units:
            masks[unit] |= bit
    for mask in masks.values():
        into[mask] = into.get(mask, 0) + 1


def _list_agg(conn: Connection, column: str) -> str:
    """SQL aggregating ``column`` of a group into one comma-separated string."""
    if conn.dialect.name == "postgresql":
        return f"string_agg(CAST({column} AS TEXT), ',')"
    return f"group_concat({column})"


def _further_segments_sql(where: str) -> str:
    """SQL for (source, code, coder, segment) of the segments after their first one that
    codings reach into: the codings marked ``multi_segment`` (a partial index), and for each an
    index range on (source_id, start) inside its span (see storage/coding_segment.py)."""
    return f"""
        SELECT cd.source_id, cd.code_id, cd.coder_id, g.id AS unit FROM coding cd
        JOIN segment g ON g.source_id = cd.source_id
            AND g.start > cd.start AND g.start < cd."end" AND g.id <> cd.segment_id
        WHERE cd.multi_segment = 1 AND {where}
    """


def marks_sql(cmp: Comparison) -> str:
    """A WITH clause ending in ``marks(code_id, unit, mask)``: for each code and segment of the
    compared sources that some compared coder coded with it, the mask of those coders."""
    # A coding's segments: its first one (coding.segment_id, kept by triggers), and for the few
    # codings reaching past it, the further ones. (Joining every coding to its segment range
    # instead takes 2.5 times as long.) MAX per coder in ``marks`` makes a coder's second coding
    # of a code on the same segment count once.
    where = f"cd.coder_id IN ({cmp.coder_sql()}) {cmp.code_filter()} {cmp.source_filter()}"
    return f"""
        WITH hits AS (
            SELECT cd.code_id, cd.segment_id AS unit, cd.coder_id FROM coding cd
            WHERE cd.segment_id IS NOT NULL AND {where}
            UNION ALL
            SELECT x.code_id, x.unit, x.coder_id FROM ({_further_segments_sql(where)}) x
        ),
        marks AS (
            SELECT code_id, unit, {cmp.mask_sql()} AS mask FROM hits GROUP BY code_id, unit
        )
    """


def character_patterns(conn: Connection, cmp: Comparison) -> tuple[int, dict[int, dict[int, int]]]:
    """(characters of the compared sources, code id -> {mask: characters}) by interval sweeps."""
    units = conn.execute(
        text(f"SELECT COALESCE(SUM(LENGTH(text)), 0) FROM source WHERE id IN ({cmp.source_list()})")
    ).scalar_one()
    bits = " ".join(f"WHEN {k} THEN {1 << i}" for i, k in enumerate(cmp.coder_ids))
    sql = f"""
        SELECT cd.code_id, cd.source_id, CASE cd.coder_id {bits} END, cd.start, cd."end"
        FROM coding cd
        WHERE cd.coder_id IN ({cmp.coder_sql()}) {cmp.code_filter()} {cmp.source_filter()}
        ORDER BY cd.code_id, cd.source_id
    """
    patterns: dict[int, dict[int, int]] = defaultdict(dict)
    group: tuple[int, int] | None = None
    spans: list[tuple[int, int, int]] = []
    for code_id, source_id, bit, start, end in conn.execute(text(sql)):
        if (code_id, source_id) != group:
            if group is not None:
                _sweep(spans, patterns[group[0]])
            group, spans = (code_id, source_id), []
        spans.append((bit, start, end))
    if group is not None:
        _sweep(spans, patterns[group[0]])
    return int(units), patterns


def _sweep(spans: list[tuple[int, int, int]], into: dict[int, int]) -> None:
    """Add to ``into`` how many characters each non-empty coder pattern covers, given the spans
    (coder bit, start, end) of one code in one source. Overlapping spans of one coder count once:
    a depth counter per coder says whether the coder's union covers the position."""
    events: list[tuple[int, int, int]] = []
    for bit, start, end in spans:
        events.append((start, 1, bit))
        events.append((end, -1, bit))
    events.sort()
    depth: dict[int, int] = defaultdict(int)
    mask, here = 0, 0
    for position, step, bit in events:
        if mask and position > here:
            into[mask] = into.get(mask, 0) + position - here
        here = position
        depth[bit] += step
        mask = mask | bit if depth[bit] else mask & ~bit


def _code_id(session: Session, name_or_path: str) -> int:
    code = resolve_code(session, name_or_path)
    assert code.id is not None
    return code.id


def _guess(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if close:
        return f" (did you mean '{close[0]}'?)"
    return f" (coders: {', '.join(sorted(known)) or 'none yet'})"
