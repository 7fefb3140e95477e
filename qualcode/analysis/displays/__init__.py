"""Miles–Huberman data displays, each built as one :class:`DisplayTable`.

``build_display(session, DisplaySpec(kind=...))`` gives the conceptually clustered, role-ordered,
checklist, time-ordered, co-occurrence or method display; ``exchange.tables.render`` writes it as
a terminal table, Markdown, CSV or JSON. The rules (what a cell counts, the order of rows and
columns, missing data, ratings, the most telling quotes) are in the module docstrings here and in
docs/displays.md.

Package layout: spec (the request), scope (codes, informants, sources, coders in play), facts
(the SQL aggregates), cells (cell content and rules), build and cooccurrence (the displays),
timeline (the time-ordered display), drill (the excerpts behind a cell), summaries (the
researcher's cell summaries).
"""

from __future__ import annotations

from sqlmodel import Session

from qualcode.analysis.displays.build import Ctx, checklist, clustered, method, role_ordered
from qualcode.analysis.displays.cells import rating
from qualcode.analysis.displays.cooccurrence import c_coefficient, cooccurrence
from qualcode.analysis.displays.drill import cell_excerpts
from qualcode.analysis.displays.scope import resolve_scope
from qualcode.analysis.displays.spec import CELLS, KINDS, DisplaySpec
from qualcode.analysis.displays.timeline import time_ordered
from qualcode.core.collector import without_collection
from qualcode.exchange.tables import DisplayTable
from qualcode.storage.codes import magnitude_scale

__all__ = [
    "CELLS",
    "KINDS",
    "DisplaySpec",
    "build_display",
    "c_coefficient",
    "cell_excerpts",
    "rating",
]

_BUILDERS = {
    "clustered": clustered,
    "role": role_ordered,
    "checklist": checklist,
    "time": time_ordered,
    "method": method,
}


@without_collection  # see core/collector.py: a third of the time at scale
def build_display(session: Session, spec: DisplaySpec, fmt: str = "table") -> DisplayTable:
    """Build the display ``spec`` asks for. ``fmt`` matters only to the co-occurrence table,
    whose CSV and JSON carry the c-coefficient as separate numeric columns."""
    spec.check()
    conn = session.connection()
    scope = resolve_scope(conn, spec)
    scale = magnitude_scale(session)
    scale_max = max(abs(scale.min), abs(scale.max)) if scale is not None else 2
    ctx = Ctx(conn, spec, scope, scale_max or 2)
    if spec.kind == "cooccurrence":
        return cooccurrence(ctx, numeric=fmt in ("csv", "json"))
    return _BUILDERS[spec.kind](ctx)
