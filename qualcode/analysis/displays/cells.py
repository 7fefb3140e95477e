"""Cell content: counts, magnitude ratings, presence and strength, quotes, summaries.

The rules (docs/displays.md repeats them, and every table states its own in its notes):

- **rating** of a mean magnitude on a scale of -M..+M (M = 2 on the usual -2..+2 scale):
  ``++`` mean >= 0.75 M (1.5), ``+`` >= 0.25 M (0.5), ``0`` between, ``-`` <= -0.25 M (-0.5),
  ``--`` <= -0.75 M (-1.5); written with its n, e.g. ``+ (n=4)``;
- **presence and strength** (checklist): ``✓✓`` strong = at least 2 coded segments, or a mean
  magnitude of at least 0.75 M either way; ``✓`` present = 1 coded segment; ``·`` absent = the
  informant has a source but nothing is coded; ``—`` missing = no source at all;
- **most telling quotes**: codings with a memo first, then the strongest |magnitude|, then the
  longest excerpt, then position (source, offset); a span coded twice is one excerpt.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field

from qualcode.analysis.displays.facts import FactKey, Quote

STRONG, PRESENT, ABSENT = "✓✓", "✓", "·"
STRONG_SEGMENTS = 2
STRONG_SHARE, WEAK_SHARE = 0.75, 0.25  # of the scale's largest |value|


@dataclass(slots=True)
class Agg:
    """What one cell knows: coded segments, magnitude sum and n, the best quotes so far."""

    segments: int = 0
    mag_sum: int = 0
    mag_n: int = 0
    quotes: list[tuple[tuple[object, ...], Quote]] = field(default_factory=list)
    quote_total: int = 0

    @property
    def mean(self) -> float | None:
        return self.mag_sum / self.mag_n if self.mag_n else None

    def add(self, other: Agg, keep: int) -> None:
        self.segments += other.segments
        self.mag_sum += other.mag_sum
        self.mag_n += other.mag_n
        self.quote_total += other.quote_total
        if other.quotes:
            self.quotes = sorted(self.quotes + other.quotes, key=lambda q: q[0])[:keep]


Cells = dict[tuple[Hashable, int], Agg]


def gather(
    key_of: Callable[[FactKey], Hashable | None],
    keep: int,
    counts: dict[FactKey, int] | None = None,
    magnitudes: dict[FactKey, tuple[int, int]] | None = None,
    quotes: dict[FactKey, tuple[list[Quote], int]] | None = None,
    source_name: Callable[[int], str] = str,
) -> Cells:
    """Add per-source facts up to display cells; ``key_of`` maps a fact key (its last item is
    the column) to the display key, or None to leave the fact out."""
    cells: Cells = {}

    def cell(fact: FactKey) -> Agg | None:
        key = key_of(fact)
        if key is None:
            return None
        at = (key, int(fact[-1]))
        agg = cells.get(at)
        if agg is None:  # (setdefault would build an Agg for every fact, found or not)
            agg = cells[at] = Agg()
        return agg

    for fact, n in (counts or {}).items():
        if (agg := cell(fact)) is not None:
            agg.segments += n
    for fact, (total, n) in (magnitudes or {}).items():
        if (agg := cell(fact)) is not None:
            agg.mag_sum += total
            agg.mag_n += n
    for fact, (found, total) in (quotes or {}).items():
        if (agg := cell(fact)) is not None:
            ranked = [(q.rank_key(source_name(q.source_id)), q) for q in found]
            agg.add(Agg(quotes=ranked, quote_total=total), keep)
    return cells


def merge(aggs: Iterable[Agg], keep: int) -> Agg:
    out = Agg()
    for a in aggs:
        out.add(a, keep)
    return out


# -- ratings ---------------------------------------------------------------------------------
def rating(mean: float, scale_max: int = 2) -> str:
    strong, weak = STRONG_SHARE * scale_max, WEAK_SHARE * scale_max
    if mean >= strong:
        return "++"
    if mean >= weak:
        return "+"
    if mean <= -strong:
        return "--"
    if mean <= -weak:
        return "-"
    return "0"


def magnitude_text(agg: Agg, scale_max: int) -> str:
    mean = agg.mean
    return "" if mean is None else f"{rating(mean, scale_max)} (n={agg.mag_n})"


def presence(agg: Agg, scale_max: int) -> str:
    mean = agg.mean
    if agg.segments >= STRONG_SEGMENTS or (
        agg.segments and mean is not None and abs(mean) >= STRONG_SHARE * scale_max
    ):
        return STRONG
    return PRESENT if agg.segments else ABSENT


def _fmt(x: float) -> str:
    return f"{x:g}"


def rating_note(scale_max: int) -> str:
    s, w = STRONG_SHARE * scale_max, WEAK_SHARE * scale_max
    return (
        f"Rating of the mean magnitude (n = codings with a magnitude): ++ >= {_fmt(s)}, "
        f"+ >= {_fmt(w)}, 0 between, - <= -{_fmt(w)}, -- <= -{_fmt(s)}."
    )


def presence_note(scale_max: int) -> str:
    return (
        f"{STRONG} strong: >= {STRONG_SEGMENTS} coded segments or |mean magnitude| >= "
        f"{_fmt(STRONG_SHARE * scale_max)}; {PRESENT} present: 1 coded segment; "
        f"{ABSENT} absent: nothing coded."
    )


QUOTE_NOTE = (
    "Quotes, most telling first: codings with a memo, then the strongest |magnitude|, "
    "then the longest, then by position."
)

_SPACE = re.compile(r"\s+")


def quote_text(agg: Agg, keep: int, cite: Callable[[Quote], str]) -> str:
    lines = [f"“{_SPACE.sub(' ', q.text).strip()}” ({cite(q)})" for _, q in agg.quotes[:keep]]
    more = agg.quote_total - len(lines)
    if more > 0:
        lines.append(f"(+{more} more)")
    return "\n".join(lines)
