"""The displays as DisplayTables: clustered, role-ordered, checklist, time-ordered and method.

Each display has one dimension of code columns (codes at ``--depth``, or an indicator's
sub-codes) and one other dimension (informants, sources, interview dates, timestamp bins, source
kinds). Cells come from the per-source SQL aggregates of facts.py added up to that dimension.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Connection

from qualcode.analysis.displays import cells as C
from qualcode.analysis.displays import facts as F
from qualcode.analysis.displays.scope import Scope, SourceInfo
from qualcode.analysis.displays.spec import DisplaySpec
from qualcode.exchange.tables import MISSING, Cell, DisplayRow, DisplayTable
from qualcode.storage.models import SOURCE_KINDS

CELL_WORDS = {
    "count": "coded segments",
    "quotes": "quotes",
    "magnitude": "mean magnitude",
    "summary": "summaries",
    "presence": "presence and strength",
}
COUNT_NOTE = (
    "Cells: coded segments (distinct segments overlapping a coding of the column's code or "
    "its sub-codes)."
)
SUMMARY_NOTE = "Cells: the researcher's condensed summaries (qualcode summary set)."


@dataclass
class Axis:
    """The dimension that is not codes: one entry per informant, source, date, bin or kind."""

    dimension: str
    keys: list[Any]
    labels: list[str]
    summary_keys: list[str]
    missing: set[Hashable] = field(default_factory=set)
    groups: list[str | None] | None = None


@dataclass
class Ctx:
    conn: Connection
    spec: DisplaySpec
    scope: Scope
    scale_max: int
    notes: list[str] = field(default_factory=list)

    @property
    def mode(self) -> str:
        return self.spec.cell_mode

    def source_name(self, source_id: int) -> str:
        return self.scope.source_by_id[source_id].name

    def cite(self, q: F.Quote) -> str:
        source = self.scope.source_by_id[q.source_id]
        where = f"#{q.ordinal}" if q.ordinal is not None else f"@{q.start}"
        if q.timestamp:
            where += f", {q.timestamp}"
        return f"{self.scope.who(source)}, {self.scope.cited_source(source)} {where}"

    def gather(
        self, key_of: Callable[[F.FactKey], Hashable | None], by_timestamp: bool = False
    ) -> C.Cells:
        """Only the aggregates the cell mode needs, added up by ``key_of``."""
        mode, keep = self.mode, self.spec.quotes
        counts = magnitudes = quotes = None
        if mode in ("count", "presence"):
            counts = F.segment_counts(self.conn, self.scope, by_timestamp)
        if mode in ("magnitude", "presence"):
            magnitudes = F.magnitude_sums(self.conn, self.scope, by_timestamp)
        if mode == "quotes":
            quotes = F.top_quotes(self.conn, self.scope, keep, by_timestamp)
        return C.gather(key_of, keep, counts, magnitudes, quotes, self.source_name)

    def valuer(self) -> Callable[[C.Agg | None, str | None], Cell]:
        """The function giving a cell's content from its aggregate (None: missing) and summary,
        for this display's cell mode, chosen once: a display at scale has tens of thousands of
        cells."""
        mode, scale_max = self.mode, self.scale_max

        def content(agg: C.Agg | None, summary: str | None) -> Cell:
            if agg is None:
                return None
            if mode == "magnitude":
                return C.magnitude_text(agg, scale_max)
            if mode == "presence":
                return C.presence(agg, scale_max)
            if mode == "quotes":
                return C.quote_text(agg, self.spec.quotes, self.cite)
            return summary or ""

        if mode == "count":
            return lambda agg, _: None if agg is None else agg.segments
        return content

    def mode_note(self) -> str:
        return {
            "count": COUNT_NOTE,
            "magnitude": C.rating_note(self.scale_max),
            "presence": C.presence_note(self.scale_max),
            "quotes": f"{C.QUOTE_NOTE} At most {self.spec.quotes} per cell.",
            "summary": SUMMARY_NOTE,
        }[self.mode]


# -- assembling -------------------------------------------------------------------------------
NOTHING = C.Agg()  # every empty cell's aggregate (read only): not one object per empty cell


def assemble(
    ctx: Ctx,
    title: str,
    axis: Axis,
    cells: C.Cells,
    codes_as_rows: bool,
    summary_display: str,
    subtotals: dict[str, list[Hashable]] | None = None,
) -> DisplayTable:
    scope, spec = ctx.scope, ctx.spec
    summaries = F.cell_summaries(ctx.conn, summary_display) if ctx.mode == "summary" else {}
    group_summaries = F.cell_summaries(ctx.conn, "role") if ctx.mode == "summary" else {}
    # One entry per display row: label, group, subtotal?, key, and per column (agg, summary);
    # agg None = missing.
    grid: list[tuple[str, str | None, bool, str, list[tuple[C.Agg | None, str | None]]]] = []

    def entry(key: Hashable, col: int, summary_key: str) -> tuple[C.Agg | None, str | None]:
        column = scope.columns[col].key
        pair = (column, summary_key) if codes_as_rows else (summary_key, column)
        agg = None if key in axis.missing else cells.get((key, col), NOTHING)
        return agg, summaries.get(pair)

    def row_entries(key: Hashable, summary_key: str) -> list[tuple[C.Agg | None, str | None]]:
        """``entry`` for every column of a row (the loop of a display at scale: inlined)."""
        if summaries or key in axis.missing:
            return [entry(key, k, summary_key) for k in range(len(scope.columns))]
        return [(cells.get((key, k), NOTHING), None) for k in range(len(scope.columns))]

    if codes_as_rows:
        columns, column_keys = axis.labels, axis.summary_keys
        for k, column in enumerate(scope.columns):
            found = [
                entry(key, k, sk) for key, sk in zip(axis.keys, axis.summary_keys, strict=True)
            ]
            grid.append((column.label, None, False, column.key, found))
    else:
        columns, column_keys = [c.label for c in scope.columns], [c.key for c in scope.columns]
        groups = axis.groups or [None] * len(axis.keys)
        entries = list(zip(axis.keys, axis.labels, axis.summary_keys, groups, strict=True))
        for i, (key, label, skey, group) in enumerate(entries):
            found = row_entries(key, skey)
            grid.append((label, group, False, skey, found))
            last_of_group = i + 1 == len(entries) or entries[i + 1][3] != group
            if subtotals is not None and group in subtotals and last_of_group:
                present = [m for m in subtotals[group] if m not in axis.missing]
                found = [
                    (
                        C.merge((cells[(m, k)] for m in present if (m, k) in cells), spec.quotes)
                        if present
                        else None,
                        group_summaries.get((group, column.key)),
                    )
                    for k, column in enumerate(scope.columns)
                ]
                grid.append((f"{group} (total)", group, True, group, found))
    value = ctx.valuer()
    rows = [
        DisplayRow(label, [value(a, s) for a, s in found], group, subtotal)
        for label, group, subtotal, _, found in grid
    ]
    notes = [ctx.mode_note()]
    if any(v is None for r in rows for v in r.cells):
        notes.append(f"{MISSING} = missing: {_missing_words(axis.dimension)}.")
    notes += ctx.notes
    notes += scope_notes(ctx)
    meta: dict[str, Any] = {
        "display": spec.kind,
        "cells": ctx.mode,
        "filters": scope.filters(spec),
        "coders": scope.coder_names,
        "pseudonymized": spec.pseudonymize,
        # Pseudonymized, the labels are the keys: the real names must not reach the output.
        "row_keys": [
            label if spec.pseudonymize and not codes_as_rows else key
            for label, _, _, key, _ in grid
        ],
        "column_keys": column_keys,
    }
    if ctx.mode == "magnitude":  # the numbers behind the ratings, for JSON readers
        meta["magnitudes"] = {
            label: {
                c: None if a is None else {"mean": _round(a.mean), "n": a.mag_n}
                for c, (a, _) in zip(columns, found, strict=True)
            }
            for label, _, _, _, found in grid
        }
    return DisplayTable(
        title=f"{title}: {CELL_WORDS[ctx.mode]}",
        row_dimension="code" if codes_as_rows else axis.dimension,
        columns=columns,
        rows=rows,
        notes=notes,
        meta=meta,
    )


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 2)


def _missing_words(dimension: str) -> str:
    return {
        "informant": "no source (of the selected kinds) for this informant",
        "date": "no source for the informants interviewed then",
        "time": "no segment in this time bin",
        "kind": "no source of this kind",
    }.get(dimension, "no source")


def scope_notes(ctx: Ctx) -> list[str]:
    scope, spec = ctx.scope, ctx.spec
    notes = [f"Coders: {', '.join(scope.coder_names) or 'none'}."]
    given = [f"{k}: {', '.join(v)}" for k, v in scope.filters(spec).items() if v and k != "coders"]
    if given:
        notes.append(f"Filters: {'; '.join(given)}.")
    uncounted = F.uncounted_codings(ctx.conn, scope)
    if uncounted:
        where = ", ".join(f"{c.path} {uncounted[c.id]}" for c in scope.above if c.id in uncounted)
        notes.append(
            f"Not counted: {sum(uncounted.values())} coding(s) on codes above the columns "
            f"({where})."
        )
    return notes


def note_sources_without_informant(ctx: Ctx, what: str) -> None:
    loose = [s.name for s in ctx.scope.sources if s.informant_id is None]
    if loose:
        ctx.notes.append(
            f"Not in any {what}: {len(loose)} source(s) without an informant ({', '.join(loose)})."
        )


# -- informant or source rows -----------------------------------------------------------------
def _entity_axis(
    ctx: Ctx, grouped: bool
) -> tuple[Axis, Callable[[F.FactKey], Hashable | None], dict[str, list[Hashable]]]:
    scope = ctx.scope
    groups: dict[str, list[Hashable]] = {}
    if ctx.spec.rows == "informant":
        people = scope.informants
        axis = Axis(
            "informant",
            [i.id for i in people],
            [scope.informant_label(i) for i in people],
            [i.name for i in people],
            missing={i.id for i in people if i.id not in scope.sources_of},
            groups=[i.group for i in people] if grouped else None,
        )
        for i in people:
            groups.setdefault(i.group, []).append(i.id)
        note_sources_without_informant(ctx, "row")

        def key_of(fact: F.FactKey) -> Hashable | None:
            source = scope.source_by_id.get(fact[0])
            return None if source is None else source.informant_id

        return axis, key_of, groups

    def group_of(s: SourceInfo) -> str:
        if s.informant_id is None:
            return "(no informant)"
        return scope.informant_by_id[s.informant_id].group

    axis = Axis(
        "source",
        [s.id for s in scope.sources],
        [scope.source_label(s) for s in scope.sources],
        [s.name for s in scope.sources],
        groups=[group_of(s) for s in scope.sources] if grouped else None,
    )
    for s in scope.sources:
        if s.informant_id is not None:  # documents without an informant form no role group
            groups.setdefault(group_of(s), []).append(s.id)

    def source_key(fact: F.FactKey) -> Hashable | None:
        return fact[0] if fact[0] in scope.source_by_id else None

    return axis, source_key, groups


def depth_words(spec: DisplaySpec) -> str:
    return f"codes at depth {spec.depth}"


def clustered(ctx: Ctx) -> DisplayTable:
    axis, key_of, _ = _entity_axis(ctx, grouped=False)
    title = f"Conceptually clustered matrix ({axis.dimension}s × {depth_words(ctx.spec)})"
    return assemble(ctx, title, axis, ctx.gather(key_of), False, "clustered")


def role_ordered(ctx: Ctx) -> DisplayTable:
    axis, key_of, groups = _entity_axis(ctx, grouped=True)
    title = f"Role-ordered matrix ({axis.dimension}s by role × {depth_words(ctx.spec)})"
    return assemble(ctx, title, axis, ctx.gather(key_of), False, "clustered", subtotals=groups)


def checklist(ctx: Ctx) -> DisplayTable:
    axis, key_of, _ = _entity_axis(ctx, grouped=False)
    indicator = ctx.scope.columns[0].key.rsplit("/", 1)[0]
    title = f"Checklist matrix ({axis.dimension}s × sub-codes of {indicator})"
    return assemble(ctx, title, axis, ctx.gather(key_of), False, "clustered")


# -- code rows: time, method ------------------------------------------------------------------
def method(ctx: Ctx) -> DisplayTable:
    scope = ctx.scope
    kinds = [k for k in SOURCE_KINDS if not ctx.spec.kinds or k in ctx.spec.kinds]
    used = {s.kind for s in scope.sources}
    axis = Axis("kind", list(kinds), list(kinds), list(kinds), {k for k in kinds if k not in used})

    def key_of(fact: F.FactKey) -> Hashable | None:
        source = scope.source_by_id.get(fact[0])
        return None if source is None else source.kind

    title = f"Method display ({depth_words(ctx.spec)} × source kind)"
    return assemble(ctx, title, axis, ctx.gather(key_of), True, "method")
