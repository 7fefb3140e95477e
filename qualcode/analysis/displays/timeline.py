"""The time-ordered display: codes × interview dates, or × timestamp bins within sources.

``--by date``: the informant attribute ``interview_date`` (``YYYY-MM-DD``), binned by day (the
default), ISO week, month or year; informants without a readable date are left out and named.
``--by timestamp``: each segment's timestamp, in bins of ``--bin`` (10 minutes by default) from
the start of its source; the columns run from the first bin to the last, and a bin without any
segment is missing.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import date

from qualcode.analysis.displays import facts as F
from qualcode.analysis.displays.build import (
    Axis,
    Ctx,
    assemble,
    depth_words,
    note_sources_without_informant,
)
from qualcode.analysis.displays.scope import Scope
from qualcode.analysis.displays.spec import DEFAULT_TIMESTAMP_BIN, timestamp_bin_seconds
from qualcode.core.segmentation import format_timestamp, parse_timestamp
from qualcode.exchange.tables import DisplayTable

DATE_ATTRIBUTE = "interview_date"


def time_ordered(ctx: Ctx) -> DisplayTable:
    if ctx.spec.by == "timestamp":
        return _time_by_timestamp(ctx)
    scope, unit = ctx.scope, ctx.spec.bin or "day"
    bin_of, undated = date_bins(scope, unit)
    bins = sorted(set(bin_of.values()))
    labels = [label for _, label in bins]
    with_source = {bin_of[i] for i in scope.sources_of if i in bin_of}
    axis = Axis(
        "date",
        labels,
        labels,
        labels,
        {label for b, label in bins if (b, label) not in with_source},
    )
    if undated:
        ctx.notes.append(
            f"Not shown: {len(undated)} informant(s) without an interview_date "
            f"({', '.join(undated)})."
        )
    note_sources_without_informant(ctx, "column")

    def key_of(fact: F.FactKey) -> Hashable | None:
        source = scope.source_by_id.get(fact[0])
        if source is None or source.informant_id not in bin_of:
            return None
        return bin_of[source.informant_id][1]  # type: ignore[index]

    title = f"Time-ordered display ({depth_words(ctx.spec)} × interview date, by {unit})"
    return assemble(ctx, title, axis, ctx.gather(key_of), True, "time")


def date_bins(scope: Scope, unit: str) -> tuple[dict[int, tuple[date, str]], list[str]]:
    """Each informant's interview-date bin (its first day and label), and who has no date."""
    bin_of: dict[int, tuple[date, str]] = {}
    undated = []
    for person in scope.informants:
        raw = person.attributes.get(DATE_ATTRIBUTE)
        try:
            day = date.fromisoformat(str(raw)) if raw else None
        except ValueError:
            day = None
        if day is None:
            undated.append(scope.informant_label(person))
        else:
            bin_of[person.id] = _date_bin(day, unit)
    return bin_of, undated


def timestamp_bin_label(b: int, width: int) -> str:
    return f"{format_timestamp(b * width)}–{format_timestamp((b + 1) * width)}"


def _date_bin(day: date, unit: str) -> tuple[date, str]:
    if unit == "week":
        year, week, _ = day.isocalendar()
        return date.fromisocalendar(year, week, 1), f"{year}-W{week:02d}"
    if unit == "month":
        return day.replace(day=1), f"{day.year}-{day.month:02d}"
    if unit == "year":
        return day.replace(month=1, day=1), f"{day.year}"
    return day, day.isoformat()


def _time_by_timestamp(ctx: Ctx) -> DisplayTable:
    scope = ctx.scope
    width = timestamp_bin_seconds(ctx.spec.bin or DEFAULT_TIMESTAMP_BIN)
    stamps = F.segment_timestamps(ctx.conn, scope)
    seconds = {ts: parse_timestamp(ts) for ts in stamps}
    untimed = sum(n for ts, n in stamps.items() if seconds[ts] is None)
    filled = {s // width for s in seconds.values() if s is not None}
    count = max(filled) + 1 if filled else 0
    keys = list(range(count))
    labels = [timestamp_bin_label(b, width) for b in keys]
    axis = Axis("time", list(keys), labels, labels, {b for b in keys if b not in filled})
    if untimed:
        ctx.notes.append(f"Not shown: {untimed} segment(s) without a timestamp.")

    def key_of(fact: F.FactKey) -> Hashable | None:
        if fact[0] not in scope.source_by_id:
            return None
        s = parse_timestamp(fact[1]) if fact[1] is not None else None
        return None if s is None else s // width

    bin_words = ctx.spec.bin or DEFAULT_TIMESTAMP_BIN
    title = f"Time-ordered display ({depth_words(ctx.spec)} × timestamp, {bin_words} bins)"
    return assemble(ctx, title, axis, ctx.gather(key_of, by_timestamp=True), True, "time")
