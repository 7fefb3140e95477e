"""Triangulation across informant groups and methods (Farmer et al. 2006), per code.

For each code (its codings and its sub-codes' codings together) and each group, the figures are
SQL aggregates: codings, informants of the group who mention the code out of all informants of
the group, and the mean magnitude with its n. The groups are informant roles (``by="role"``), the
values of any informant attribute (``by="gender"``), or source kinds (``by="kind"``: method
triangulation). A source without an informant (a document) counts as its own unit, so under
``by="kind"`` a document group counts sources, not informants; under a role or an attribute such
sources belong to no group and are left out.

An informant without any source was never heard: they are not counted in ``informants_total``,
and a group whose informants have no source at all is *missing* (not silent) and takes no part in
the convergence rule.

The convergence category is :func:`convergence` over presence, prominence and direction, with
the thresholds of :class:`ConvergenceRule` (see docs/triangulation.md). Negative evidence is the
codings whose magnitude has the opposite sign of their group's mean magnitude for the code.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from heapq import nsmallest
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from qualcode.analysis.retrieval import Excerpt
from qualcode.core.collector import without_collection
from qualcode.core.errors import QualcodeError
from qualcode.exchange.tables import Cell, DisplayRow, DisplayTable
from qualcode.storage.models import SOURCE_KINDS

AGREEMENT = "agreement"
PARTIAL = "partial agreement"
SILENCE = "silence"
DISSONANCE = "dissonance"
CATEGORIES = (AGREEMENT, PARTIAL, SILENCE, DISSONANCE)


@dataclass(frozen=True)
class ConvergenceRule:
    """The thresholds of the convergence rule; see :func:`convergence`.

    presence:   a group *mentions* a code when at least this many of its informants do.
    prominence: agreement needs the groups' shares of informants mentioning the code to differ
                by at most this much (0..1).
    direction:  a group *leans* positive or negative when its mean magnitude is at least this far
                from 0; dissonance needs groups leaning opposite ways.
    """

    presence: int = 1
    prominence: float = 0.5
    direction: float = 0.5

    def __post_init__(self) -> None:
        if self.presence < 1:
            raise QualcodeError("presence must be at least 1 informant")
        if not 0 <= self.prominence <= 1:
            raise QualcodeError("prominence is a difference of shares, between 0 and 1")
        if self.direction < 0:
            raise QualcodeError("direction is a distance from 0 and cannot be negative")


@dataclass(frozen=True)
class GroupSummary:
    """One group's figures for one code."""

    codings: int
    informants: int
    informants_total: int
    mean_magnitude: float | None  # None when no coding of the group carries a magnitude
    magnitude_n: int = 0
    positive: int = 0  # codings with magnitude > 0
    negative: int = 0  # codings with magnitude < 0

    @property
    def missing(self) -> bool:
        """No informant of the group has a source: nobody was asked."""
        return self.informants_total == 0

    @property
    def share(self) -> float | None:
        return None if self.missing else self.informants / self.informants_total

    @property
    def sign(self) -> int:
        """The sign of the mean magnitude (0 when there is none or it is 0)."""
        m = self.mean_magnitude
        return 0 if m is None or m == 0 else (1 if m > 0 else -1)

    @property
    def against(self) -> int:
        """How many codings oppose the group's direction (its negative evidence)."""
        return self.negative if self.sign > 0 else self.positive if self.sign < 0 else 0

    def as_json(self) -> dict[str, Any]:
        return {
            "codings": self.codings,
            "informants": self.informants,
            "informants_total": self.informants_total,
            "mean_magnitude": self.mean_magnitude,
            "magnitude_n": self.magnitude_n,
        }


def leaning(group: GroupSummary, rule: ConvergenceRule) -> str | None:
    """``"+"``, ``"-"`` or ``"0"`` (within ``rule.direction`` of 0); None without magnitudes."""
    m = group.mean_magnitude
    if m is None:
        return None
    if m >= rule.direction and m > 0:
        return "+"
    if m <= -rule.direction and m < 0:
        return "-"
    return "0"


def convergence(groups: Mapping[str, GroupSummary], rule: ConvergenceRule | None = None) -> str:
    """The convergence category of one code across groups (Farmer et al. 2006).

    Groups without informants (``informants_total == 0``) are missing and left out. Then, in
    this order, over any number of groups:

    1. **silence**: some group mentions the code (at least ``rule.presence`` informants) and
       another does not -- or fewer than two groups mention it at all;
    2. **dissonance**: one group leans positive and another negative (mean magnitudes of
       opposite sign, each at least ``rule.direction`` from 0);
    3. **agreement**: every group leans the same way (all positive, all negative, all within
       ``rule.direction`` of 0, or all without magnitudes) and the shares of informants
       mentioning the code differ by at most ``rule.prominence``;
    4. **partial agreement**: otherwise (same presence, no opposite leanings, but different
       leanings -- e.g. one group neutral or without magnitudes -- or different prominence).
    """
    rule = rule or ConvergenceRule()
    heard = [g for g in groups.values() if not g.missing]
    present = [g for g in heard if g.informants >= rule.presence]
    if len(present) < 2 or len(present) < len(heard):
        return SILENCE
    leanings = [leaning(g, rule) for g in present]
    if "+" in leanings and "-" in leanings:
        return DISSONANCE
    shares = [g.informants / g.informants_total for g in present]
    if len(set(leanings)) == 1 and max(shares) - min(shares) <= rule.prominence + 1e-9:
        return AGREEMENT
    return PARTIAL


# -- results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """A coding cited as evidence, with its group and citation."""

    excerpt: Excerpt
    group: str | None

    @property
    def magnitude(self) -> int | None:
        return self.excerpt.magnitude

    def citation(self, pseudonymize: bool = False) -> str:
        return self.excerpt.citation(pseudonymize)

    def as_json(self, pseudonymize: bool = False) -> dict[str, Any]:
        e = self.excerpt
        return {
            "coding": e.coding_id,
            "code": e.code_path,
            "group": self.group,
            "informant": (e.pseudonym if pseudonymize and e.pseudonym else e.informant),
            "source": e.source,
            "segment": e.ordinal,
            "magnitude": e.magnitude,
            "citation": e.citation(pseudonymize),
            "text": e.text,
            "memo": e.memo,
        }


@dataclass
class CodeTriangulation:
    code: str
    groups: dict[str, GroupSummary]
    convergence: str
    negative_evidence: list[Evidence] = field(default_factory=list)

    @property
    def negative_n(self) -> int:
        """All negative evidence, also when only the first few are listed."""
        return sum(g.against for g in self.groups.values())


@dataclass
class Triangulation:
    by: str
    groups: list[str]
    units: dict[str, str]  # group -> "informants", "sources" or "informants or sources"
    rows: list[CodeTriangulation]
    rule: ConvergenceRule
    left_out: int = 0  # codings on sources outside every group
    coder: str | None = None
    evidence_limit: int | None = None

    def notes(self) -> list[str]:
        out = []
        for g, unit in self.units.items():
            if unit != "informants":
                out.append(f"{g}: counts {unit} (a source without an informant counts as one).")
        if self.left_out:
            n = self.left_out
            out.append(
                f"{n} coding{' is' if n == 1 else 's are'} on sources outside every group and "
                "left out (e.g. documents, which have no informant; see --by kind)."
            )
        if any(r.negative_evidence for r in self.rows):
            out.append(
                "↳ negative evidence: a coding whose magnitude opposes its group's mean "
                "(shown in the group's column)."
            )
        heard = [g for g in self.groups if self.units.get(g) != "none"]
        if len(heard) < 2:
            out.append("fewer than two groups have informants: nothing to compare.")
        r = self.rule
        out.append(
            f"convergence rule: presence >= {r.presence} informant(s); agreement when shares "
            f"differ by <= {r.prominence:g}; leaning when |mean| >= {r.direction:g}."
        )
        return out


# -- the query ---------------------------------------------------------------------------------


def _group_expr(session: Session, by: str) -> tuple[str, dict[str, object]]:
    """SQL for a source's group (aliases ``s`` source, ``i`` informant) and its parameters."""
    if by == "role":
        return "i.role", {}
    if by == "kind":
        return "s.kind", {}
    if '"' in by or not by.strip():
        raise QualcodeError(f"cannot group by '{by}'")
    if session.get_bind().dialect.name == "postgresql":
        return "(CAST(i.attributes AS json) ->> :attr)", {"attr": by}
    return "CAST(json_extract(i.attributes, :attr) AS TEXT)", {"attr": f'$."{by}"'}


def _groups(session: Session, by: str, expr: str, params: dict[str, object]) -> list[str]:
    conn = session.connection()
    if by == "kind":
        found = {r[0] for r in conn.execute(text("SELECT DISTINCT kind FROM source"))}
        return [k for k in SOURCE_KINDS if k in found] + sorted(found - set(SOURCE_KINDS))
    values = {
        str(r[0])
        for r in conn.execute(
            text(f"SELECT DISTINCT {expr} FROM informant i WHERE {expr} IS NOT NULL"), params
        )
    }
    if not values and by != "role":
        keys: set[str] = set()
        for (attrs,) in conn.execute(text("SELECT attributes FROM informant")):
            keys.update(json.loads(attrs or "{}"))
        known = ", ".join(["role", "kind", *sorted(keys)])
        raise QualcodeError(f"no informant has an attribute '{by}' (group by one of: {known})")
    return sorted(values, key=lambda v: (v.casefold(), v))


@dataclass(frozen=True)
class _Code:
    id: int
    path: str

    @property
    def depth(self) -> int:
        return self.path.count("/") + 1

    def within(self, ancestor: str) -> bool:
        return self.path == ancestor or self.path.startswith(ancestor + "/")


def _code_rows(
    session: Session, codes: Sequence[str], depth: int | None, subcodes: bool
) -> tuple[list[_Code], list[_Code], set[str]]:
    """All codes (codebook order), the candidate rows, and the rows asked for by name."""
    from qualcode.storage.codes import resolve_code

    every = [
        _Code(int(i), p)
        for i, p in session.connection().execute(
            text("SELECT id, path FROM code ORDER BY position, path")
        )
    ]
    named = {resolve_code(session, c).path for c in codes}
    if depth is not None and depth < 1:
        raise QualcodeError("--depth counts from 1 (the top-level codes)")
    rows = [
        c
        for c in every
        if (depth is None or c.depth <= depth)
        and (not named or (c.path in named if not subcodes else any(c.within(n) for n in named)))
    ]
    return every, rows, named


def _coder_filter(session: Session, coder: str | None, params: dict[str, object]) -> str:
    if coder is None:
        return ""
    found = session.connection().execute(text("SELECT id FROM coder WHERE name = :n"), {"n": coder})
    coder_id = found.scalar()
    if coder_id is None:
        raise QualcodeError(f"unknown coder '{coder}'")
    params["coder_id"] = coder_id
    return "AND cd.coder_id = :coder_id"


@dataclass(frozen=True)
class _Unit:
    """A source's group and the unit it counts as (its informant, or itself without one)."""

    group: str | None
    unit: int  # informant id, or -source id
    name: str  # for ordering evidence: the informant's or the source's name
    source: str


@dataclass
class _Acc:
    codings: int = 0
    units: set[int] = field(default_factory=set)
    msum: int = 0
    mn: int = 0
    pos: int = 0
    neg: int = 0
    # (code position, code id, source id, positive, negative): cells with signed magnitudes
    cells: list[tuple[int, int, int, int, int]] = field(default_factory=list)


@without_collection  # see core/collector.py
def triangulate(
    session: Session,
    *,
    by: str = "role",
    codes: Sequence[str] = (),
    depth: int | None = None,
    coder: str | None = None,
    rule: ConvergenceRule | None = None,
    evidence: int | None = 10,
    subcodes: bool = True,
) -> Triangulation:
    """Triangulate every code with codings (codebook order), or the ``codes`` named.

    ``depth`` keeps codes down to that depth (1: the top-level indicators); every row counts
    the code's own codings and its sub-codes' together. ``subcodes=False`` keeps only the codes
    named. ``evidence`` caps the negative evidence listed per code and group (None: all,
    0: none).

    One aggregate query reduces the codings to (code, source) cells; the cells are then rolled
    up to rows and groups (a few thousand rows, whatever the number of codings).
    """
    rule = rule or ConvergenceRule()
    expr, params = _group_expr(session, by)
    groups = _groups(session, by, expr, params)
    every, candidates, named = _code_rows(session, codes, depth, subcodes)
    coder_sql = _coder_filter(session, coder, params)
    conn = session.connection()

    units: dict[int, _Unit] = {}
    for sid, grp, informant_id, unit_name, source_name in conn.execute(
        text(
            f"""SELECT s.id, {expr}, s.informant_id, COALESCE(i.name, s.name), s.name
            FROM source s LEFT JOIN informant i ON i.id = s.informant_id"""
        ),
        params,
    ):
        unit = int(informant_id) if informant_id is not None else -int(sid)
        units[int(sid)] = _Unit(None if grp is None else str(grp), unit, unit_name, source_name)
    members: dict[str, set[int]] = {g: set() for g in groups}
    for u in units.values():
        if u.group is not None:
            members.setdefault(u.group, set()).add(u.unit)
    groups += [g for g in members if g not in groups]
    totals = {g: len(members[g]) for g in groups}
    unit_kind = {g: {u > 0 for u in members[g]} for g in groups}
    unit_names = {
        g: "none"
        if not k
        else "informants"
        if k == {True}
        else "sources"
        if k == {False}
        else "informants or sources"
        for g, k in unit_kind.items()
    }

    position = {c.id: n for n, c in enumerate(every)}
    rows_of: dict[int, list[int]] = {}
    for ix, r in enumerate(candidates):
        for c in every:
            if c.within(r.path):
                rows_of.setdefault(c.id, []).append(ix)
    acc: dict[tuple[int, str], _Acc] = {}
    left_out = 0
    if rows_of:
        # In the order of the coding index (source, code, coder, segment, magnitude), which
        # holds every column read here: no sort and no row read (SQLite); PostgreSQL hashes.
        sql = f"""
            SELECT cd.source_id, cd.code_id, COUNT(*),
                   SUM(cd.magnitude), COUNT(cd.magnitude),
                   SUM(CASE WHEN cd.magnitude > 0 THEN 1 ELSE 0 END),
                   SUM(CASE WHEN cd.magnitude < 0 THEN 1 ELSE 0 END)
            FROM coding cd WHERE 1 = 1 {coder_sql}
            GROUP BY cd.source_id, cd.code_id
        """
        # First per (code, group), one dictionary update per cell; then each code's figures
        # are added to the rows it counts for (itself and the codes above it): a large study has
        # hundreds of thousands of (code, source) cells and only a few dozen codes.
        by_code: dict[tuple[int, str], _Acc] = {}
        last_sid, group, unit = None, None, 0
        for sid, code_id, n, msum, mn, pos, neg in conn.execute(text(sql), params):
            if code_id not in rows_of:
                continue
            if sid != last_sid:  # the rows come source by source
                u = units[sid]
                last_sid, group, unit = sid, u.group, u.unit
            if group is None:
                left_out += n
                continue
            a = by_code.get((code_id, group))
            if a is None:
                a = by_code[(code_id, group)] = _Acc()
            a.codings += n
            a.units.add(unit)
            if mn:
                a.msum += int(msum)  # SUM is a Decimal on PostgreSQL
                a.mn += mn
            if pos or neg:
                pos, neg = int(pos), int(neg)
                a.pos += pos
                a.neg += neg
                a.cells.append((position[code_id], code_id, sid, pos, neg))
        for (code_id, group), a in by_code.items():
            for ix in rows_of[code_id]:
                b = acc.get((ix, group))
                if b is None:
                    b = acc[(ix, group)] = _Acc()
                b.codings += a.codings
                b.units |= a.units
                b.msum += a.msum
                b.mn += a.mn
                b.pos += a.pos
                b.neg += a.neg
                b.cells += a.cells

    rows: list[CodeTriangulation] = []
    cells_of: list[dict[str, _Acc]] = []
    for ix, code in enumerate(candidates):
        found = {g: acc[(ix, g)] for g in groups if (ix, g) in acc}
        if not found and code.path not in named:
            continue
        per_group = {}
        for g in groups:
            a = found.get(g) or _Acc()
            per_group[g] = GroupSummary(
                codings=a.codings,
                informants=len(a.units),
                informants_total=totals[g],
                mean_magnitude=a.msum / a.mn if a.mn else None,
                magnitude_n=a.mn,
                positive=a.pos,
                negative=a.neg,
            )
        rows.append(CodeTriangulation(code.path, per_group, convergence(per_group, rule)))
        cells_of.append(found)
    result = Triangulation(
        by,
        groups,
        unit_names,
        rows,
        rule,
        left_out=left_out,
        coder=coder,
        evidence_limit=evidence,
    )
    if evidence != 0:
        _attach_negative_evidence(session, result, cells_of, units, params, coder_sql, evidence)
    return result


def _attach_negative_evidence(
    session: Session,
    result: Triangulation,
    cells_of: list[dict[str, _Acc]],
    units: dict[int, _Unit],
    params: dict[str, object],
    coder_sql: str,
    limit: int | None,
) -> None:
    """Codings whose magnitude opposes their group's direction: per code, group by group, at
    most ``limit`` per group, in the order of informant (or source) name, source, position."""
    conn = session.connection()
    picked: list[tuple[int, str, int]] = []
    for ix, row in enumerate(result.rows):
        for g, s in row.groups.items():
            left = limit
            if not s.sign or not s.against:
                continue
            by_source: dict[int, list[int]] = {}
            for _, code_id, sid, pos, neg in cells_of[ix][g].cells:
                if neg if s.sign > 0 else pos:
                    by_source.setdefault(sid, []).append(code_id)

            def order(i: int) -> tuple[str, str, int]:
                return units[i].name, units[i].source, i

            # Each source listed gives at least one coding: the first ``limit`` sources will do.
            first = (
                sorted(by_source, key=order)
                if left is None
                else nsmallest(left, by_source, key=order)
            )
            for sid in first:
                if left == 0:
                    break
                code_ids = ", ".join(f"{c:d}" for c in by_source[sid])
                # "+ 0": look the codings up by (source, code) -- a few per cell -- rather than
                # walking all of the source's codings in the order of the start index
                query = f"""
                    SELECT cd.id FROM coding cd
                    WHERE cd.source_id = :sid AND cd.code_id IN ({code_ids})
                      AND cd.magnitude * :sign < 0 {coder_sql}
                    ORDER BY cd.start + 0, cd."end", cd.id
                    {"" if left is None else f"LIMIT {left:d}"}
                """
                args = {**params, "sid": sid, "sign": s.sign}
                ids = [int(r[0]) for r in conn.execute(text(query), args)]
                picked += [(ix, g, i) for i in ids]
                if left is not None:
                    left -= len(ids)
    excerpts = excerpts_of(session, [i for _, _, i in picked])
    for ix, g, coding_id in picked:
        result.rows[ix].negative_evidence.append(Evidence(excerpts[coding_id], g))


def excerpts_of(session: Session, coding_ids: Sequence[int]) -> dict[int, Excerpt]:
    """The excerpts (with citations, no context) of the given codings."""
    ids = sorted({int(i) for i in coding_ids})
    if not ids:
        return {}
    out: dict[int, Excerpt] = {}
    for chunk in (ids[k : k + 500] for k in range(0, len(ids), 500)):
        sql = f"""
            SELECT cd.id, c.path, k.name, s.id, s.name, s.kind, i.name, i.pseudonym, i.role,
                   (SELECT g.ordinal FROM segment g WHERE g.source_id = cd.source_id
                      AND g.start <= cd.start ORDER BY g.start DESC LIMIT 1),
                   (SELECT g.timestamp FROM segment g WHERE g.source_id = cd.source_id
                      AND g.start <= cd.start ORDER BY g.start DESC LIMIT 1),
                   cd.start, cd."end", SUBSTR(s.text, cd.start + 1, cd."end" - cd.start),
                   cd.magnitude, cd.memo
            FROM coding cd
            JOIN code c ON c.id = cd.code_id
            JOIN coder k ON k.id = cd.coder_id
            JOIN source s ON s.id = cd.source_id
            LEFT JOIN informant i ON i.id = s.informant_id
            WHERE cd.id IN ({", ".join(f"{i:d}" for i in chunk)})
        """
        for r in session.connection().execute(text(sql)):
            out[int(r[0])] = Excerpt(
                coding_id=int(r[0]),
                code_path=r[1],
                coder=r[2],
                source_id=int(r[3]),
                source=r[4],
                kind=r[5],
                informant=r[6],
                pseudonym=r[7],
                role=r[8],
                ordinal=r[9],
                timestamp=r[10],
                start=int(r[11]),
                end=int(r[12]),
                text=r[13],
                before="",
                after="",
                magnitude=r[14],
                memo=r[15],
            )
    return out


# -- output ------------------------------------------------------------------------------------


def to_json_value(result: Triangulation, pseudonymize: bool = False) -> list[dict[str, Any]]:
    """The JSON contract: one object per code, groups in order, plus the negative evidence."""
    return [
        {
            "code": row.code,
            "groups": {g: s.as_json() for g, s in row.groups.items()},
            "convergence": row.convergence,
            "negative_evidence": [e.as_json(pseudonymize) for e in row.negative_evidence],
        }
        for row in result.rows
    ]


def signed(value: float | int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, int):
        return f"{value:+d}" if value else "0"
    return f"{value:+.2f}" if round(value, 2) else "0.00"


LEGEND = "cells: informants who mention the code / all in the group · codings · mean magnitude (n)"


def group_cell(s: GroupSummary) -> str | None:
    """``"2/3 · 5 · -1.20 (n=5)"``; None (missing) when the group has no informants."""
    if s.missing:
        return None
    mean = "—" if s.mean_magnitude is None else f"{signed(s.mean_magnitude)} (n={s.magnitude_n})"
    return f"{s.informants}/{s.informants_total} · {s.codings} · {mean}"


def summary_table(
    result: Triangulation, *, flat: bool = False, pseudonymize: bool = False
) -> DisplayTable:
    """The triangulation as a display table.

    ``flat`` (for CSV): five numeric columns per group (codings, informants, informants_total,
    mean_magnitude, magnitude_n) and the convergence, one row per code. Otherwise (terminal,
    Markdown): one cell per group (see :data:`LEGEND`) and the convergence, with the negative
    evidence in rows under each code, its magnitude in its group's column.
    """
    title = f"Triangulation by {result.by}" + (f" (coder {result.coder})" if result.coder else "")
    columns: list[str] = []
    for g in result.groups:
        unit = result.units.get(g, "informants")
        if flat:
            unit = "sources" if unit == "sources" else "informants"
            columns += [
                f"{g} codings",
                f"{g} {unit}",
                f"{g} {unit}_total",
                f"{g} mean_magnitude",
                f"{g} magnitude_n",
            ]
        else:
            columns.append(g if unit in ("informants", "none") else f"{g} ({unit})")
    columns.append("convergence")
    rows: list[DisplayRow] = []
    for row in result.rows:
        cells: list[Cell] = []
        for g in result.groups:
            s = row.groups[g]
            if not flat:
                cells.append(group_cell(s))
            elif s.missing:
                cells += [None, None, 0, None, None]
            else:
                mean = None if s.mean_magnitude is None else round(s.mean_magnitude, 4)
                cells += [s.codings, s.informants, s.informants_total, mean, s.magnitude_n]
        cells.append(row.convergence)
        rows.append(DisplayRow(row.code, cells))
        if not flat:
            rows += evidence_rows(
                row.code,
                row.negative_evidence,
                row.negative_n,
                columns,
                result.groups,
                pseudonymize,
            )
    notes = [] if flat else [LEGEND, *result.notes()]
    return DisplayTable(
        title=title,
        row_dimension="code",
        columns=columns,
        rows=rows,
        notes=notes,
        meta={"kind": "triangulation", "by": result.by},
    )


def evidence_rows(
    code: str,
    evidence: Sequence[Evidence],
    total: int,
    columns: Sequence[str],
    groups: Sequence[str],
    pseudonymize: bool = False,
) -> list[DisplayRow]:
    """Rows under a code: the citation as label, the magnitude in its group's column."""
    out = []
    for e in evidence:
        label = f"  ↳ {e.citation(pseudonymize)}"
        if e.excerpt.code_path != code:
            label += f" [{e.excerpt.code_path.rsplit('/', 1)[-1]}]"
        cells: list[Cell] = [""] * len(columns)
        where = groups.index(e.group) if e.group in groups else len(columns) - 1
        cells[where] = f"{signed(e.magnitude)} against"
        out.append(DisplayRow(label, cells, group=e.group))
    if evidence and total > len(evidence):
        cells = [""] * len(columns)
        cells[-1] = f"{total - len(evidence)} more against"
        out.append(DisplayRow("  ↳ …", cells))
    return out
