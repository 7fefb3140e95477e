"""Code co-occurrence: in how many segments two codes' codings overlap, and the c-coefficient.

Definition (docs/displays.md): two codings *overlap* when they are on the same source, by the same
coder, and their spans ``[start, end)`` share at least one character. For codes A and B (each with
its sub-codes), ``n(A, B)`` is the number of distinct segments that contain a shared character of
an overlapping pair of a coding of A and a coding of B. ``n(A, A)`` is then A's own number of
coded segments (a coding overlaps itself), the count of the clustered matrix, and
``c = n(A, B) / (n(A) + n(B) - n(A, B))`` lies between 0 (never together) and 1 (always together).
A coding of A by one coder and of B by another is a comparison between coders, not a
co-occurrence, so it does not count.
"""

from __future__ import annotations

from sqlalchemy import text

from qualcode.analysis.displays import facts as F
from qualcode.analysis.displays.build import Ctx, scope_notes
from qualcode.exchange.tables import Cell, DisplayRow, DisplayTable

NOTE = (
    "n = distinct segments where a coding of the row's code overlaps a coding of the column's "
    "code by the same coder (codes include their sub-codes); the diagonal is the code's own "
    "coded segments."
)
C_NOTE = "c = n12 / (n1 + n2 - n12), the c-coefficient: 0 = never together, 1 = always together."


# A coding's piece in one segment it overlaps: that segment, the coder, the column and the span.
PIECE = """g.id AS seg, cd.coder_id, m.col,
    CASE WHEN cd.start > g.start THEN cd.start ELSE g.start END AS s,
    CASE WHEN cd."end" < g."end" THEN cd."end" ELSE g."end" END AS e"""


def pair_counts(ctx: Ctx) -> dict[tuple[int, int], int]:
    """``{(a, b): n}`` for column indices a <= b.

    Two codings sharing a character share a segment, so each coding is first cut into its pieces
    per segment (the same index seeks as the count) and pairs are only looked for among the pieces
    of one segment and coder: a few per segment, instead of every coding of a source. Each pair
    is taken once (``b.col >= a.col``) and made distinct per segment before counting: a third
    less time on a million codings than counting distinct segments over both orders.
    """
    scope = ctx.scope
    sql = f"""
        WITH {F._colmap(scope)},
        piece AS ({F._overlapped_segments(scope, PIECE)}),
        pair AS (
            SELECT DISTINCT a.seg, a.col AS ca, b.col AS cb
            FROM piece a JOIN piece b ON b.seg = a.seg AND b.coder_id = a.coder_id
                AND b.col >= a.col AND b.s < a.e AND a.s < b.e
        )
        SELECT ca, cb, COUNT(*) FROM pair GROUP BY ca, cb
    """
    return {(int(a), int(b)): int(n) for a, b, n in ctx.conn.execute(text(sql))}


def c_coefficient(n12: int, n1: int, n2: int) -> float | None:
    union = n1 + n2 - n12
    return n12 / union if union else None


def cooccurrence(ctx: Ctx, numeric: bool) -> DisplayTable:
    """``numeric``: for CSV and JSON, a count column and a ``(c)`` column per code; otherwise
    one cell ``n (c=0.33)`` per pair, for reading."""
    scope = ctx.scope
    pairs = pair_counts(ctx)
    k = len(scope.columns)

    def n(a: int, b: int) -> int:
        return pairs.get((min(a, b), max(a, b)), 0)

    labels = [c.label for c in scope.columns]
    columns = [x for label in labels for x in (label, f"{label} (c)")] if numeric else labels
    rows = []
    for a in range(k):
        values: list[Cell] = []
        for b in range(k):
            n12 = n(a, b)
            c = c_coefficient(n12, n(a, a), n(b, b))
            if numeric:
                values += [n12, None if c is None else round(c, 2)]
            elif a == b or not n12 or c is None:
                values.append(str(n12))
            else:
                values.append(f"{n12} (c={c:.2f})")
        rows.append(DisplayRow(labels[a], values))
    return DisplayTable(
        title=f"Code co-occurrence (codes at depth {ctx.spec.depth}): overlapping codings",
        row_dimension="code",
        columns=columns,
        rows=rows,
        notes=[NOTE, C_NOTE, *scope_notes(ctx)],
        meta={
            "display": "cooccurrence",
            "cells": "count",
            "filters": scope.filters(ctx.spec),
            "coders": scope.coder_names,
            "pseudonymized": ctx.spec.pseudonymize,
            "row_keys": [c.key for c in scope.columns],
            "column_keys": [c.key for c in scope.columns],
        },
    )
