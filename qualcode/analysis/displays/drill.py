"""Numbers keep their words: the excerpts behind one cell of a display, most telling first.

``cell_excerpts(session, spec, row_key, column_key)`` takes the keys a display gives in
``table.meta["row_keys"]`` and ``["column_keys"]`` and returns the codings that make up that cell,
with the same filters (codes, informants, roles, kinds, coders) as the display: a count cell
counts the distinct segments these codings overlap. Keys may be names or, from a pseudonymized
display, pseudonyms. In a timestamp bin, a coding is listed in the bin of the segment it starts in.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from qualcode.analysis.displays.scope import NO_ROLE, Scope, resolve_scope
from qualcode.analysis.displays.spec import (
    DEFAULT_TIMESTAMP_BIN,
    DisplaySpec,
    timestamp_bin_seconds,
)
from qualcode.analysis.displays.timeline import date_bins, timestamp_bin_label
from qualcode.analysis.retrieval import Excerpt, retrieve
from qualcode.core.errors import QualcodeError
from qualcode.core.segmentation import parse_timestamp


def cell_excerpts(
    session: Session, spec: DisplaySpec, row_key: str, column_key: str, subtotal: bool = False
) -> list[Excerpt]:
    """The excerpts of one cell; ``subtotal`` for a role-ordered display's group row (whose key is
    the role)."""
    spec.check()
    if spec.kind == "cooccurrence":
        raise QualcodeError("a co-occurrence cell has no excerpts of its own; open either code")
    scope = resolve_scope(session.connection(), spec)
    code_rows = spec.kind in ("time", "method")
    code_key, other = (row_key, column_key) if code_rows else (column_key, row_key)
    column = next((c for c in scope.columns if c.key == code_key), None)
    if column is None:
        raise QualcodeError(f"'{code_key}' is not a column of this display")
    head = next(c for c in scope.codes if c.path == column.key)
    keep = _belongs(scope, spec, other, subtotal)
    found = [
        e
        for e in retrieve(session, head.id, include_subcodes=True)
        if e.source_id in scope.source_by_id
        and (scope.coder_ids is None or e.coder in scope.coder_names)
        and _code_id(scope, e.code_path) in column.code_ids
        and keep(e)
    ]
    return sorted(found, key=_telling)


def _telling(e: Excerpt) -> tuple[object, ...]:
    """The rule of the quotes cells: a memo, the strongest |magnitude|, the longest, position."""
    return (not e.memo, -abs(e.magnitude or 0), -(e.end - e.start), e.source, e.start, e.coding_id)


def _code_id(scope: Scope, path: str) -> int:
    return next(c.id for c in scope.codes if c.path == path)


def _belongs(
    scope: Scope, spec: DisplaySpec, key: str, subtotal: bool
) -> Callable[[Excerpt], bool]:
    if spec.kind == "method":
        return lambda e: e.kind == key
    if spec.kind == "time" and spec.by == "timestamp":
        width = timestamp_bin_seconds(spec.bin or DEFAULT_TIMESTAMP_BIN)

        def in_bin(e: Excerpt) -> bool:
            s = parse_timestamp(e.timestamp) if e.timestamp else None
            return s is not None and timestamp_bin_label(s // width, width) == key

        return in_bin
    if spec.kind == "time":
        bin_of, _ = date_bins(scope, spec.bin or "day")
        people = {i.name for i in scope.informants if i.id in bin_of and bin_of[i.id][1] == key}
        return lambda e: e.informant in people
    if subtotal:
        return lambda e: e.informant is not None and (e.role or NO_ROLE) == key
    if spec.rows == "source":
        return lambda e: key in (e.source, scope.source_label(scope.source_by_id[e.source_id]))
    return lambda e: e.informant is not None and key in (e.informant, e.pseudonym)
