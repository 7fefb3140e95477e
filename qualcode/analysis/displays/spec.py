"""What a display is asked for: the kind, the cell content and the filters (the CLI's options)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from qualcode.core.errors import QualcodeError

KINDS = ("clustered", "role", "checklist", "time", "cooccurrence", "method")
CELLS = ("count", "quotes", "magnitude", "summary", "presence")
ROWS = ("informant", "source")
TIME_BY = ("date", "timestamp")
DATE_BINS = ("day", "week", "month", "year")
DEFAULT_TIMESTAMP_BIN = "10m"
_DURATION = re.compile(r"(\d+)\s*(s|m|h)")


@dataclass(frozen=True)
class DisplaySpec:
    """One display request. ``cells=None`` means the kind's default (presence for the checklist,
    count for the others)."""

    kind: str = "clustered"
    rows: str = "informant"
    depth: int = 1
    cells: str | None = None
    quotes: int = 2
    code: str | None = None  # the indicator whose sub-codes a checklist lists
    by: str = "date"  # time-ordered: interview date, or segment timestamps within sources
    bin: str | None = None  # date: day|week|month|year; timestamp: a duration such as 10m
    codes: tuple[str, ...] = ()
    informants: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    coders: tuple[str, ...] = ()
    pseudonymize: bool = False

    @property
    def cell_mode(self) -> str:
        if self.cells is not None:
            return self.cells
        return "presence" if self.kind == "checklist" else "count"

    def check(self) -> None:
        """Raise QualcodeError for a request that cannot be answered (one line, for the CLI)."""
        if self.kind not in KINDS:
            raise QualcodeError(f"unknown display '{self.kind}' (one of: {', '.join(KINDS)})")
        if self.cell_mode not in CELLS:
            raise QualcodeError(f"unknown cell content '{self.cells}' ({', '.join(CELLS)})")
        if self.rows not in ROWS:
            raise QualcodeError(f"rows are 'informant' or 'source', not '{self.rows}'")
        if self.depth < 1:
            raise QualcodeError(
                f"--depth must be 1 or more (1 = top-level codes), not {self.depth}"
            )
        if self.quotes < 1:
            raise QualcodeError(f"--quotes must be 1 or more, not {self.quotes}")
        if self.kind == "checklist" and not self.code:
            raise QualcodeError(
                "a checklist needs --code INDICATOR (its sub-codes are the columns)"
            )
        if self.kind != "checklist" and self.code:
            raise QualcodeError("--code is for the checklist display (use --codes to filter)")
        if self.kind == "cooccurrence" and self.cell_mode != "count":
            raise QualcodeError("the co-occurrence table shows counts only (no --cells)")
        if self.kind != "time" and self.bin is not None:
            raise QualcodeError("--bin is for the time-ordered display")
        if self.kind == "time":
            if self.by not in TIME_BY:
                raise QualcodeError(f"--by is 'date' or 'timestamp', not '{self.by}'")
            if self.by == "date" and self.bin is not None and self.bin not in DATE_BINS:
                raise QualcodeError(
                    f"--bin for interview dates is one of {', '.join(DATE_BINS)}, not '{self.bin}'"
                )
            if self.by == "timestamp":
                timestamp_bin_seconds(self.bin or DEFAULT_TIMESTAMP_BIN)
            if self.cell_mode == "summary" and self.by == "timestamp":
                raise QualcodeError("summaries are kept for interview-date columns, not time bins")


def timestamp_bin_seconds(text: str) -> int:
    """``"10m"`` -> 600; ``s``, ``m`` and ``h`` are understood."""
    m = _DURATION.fullmatch(text.strip())
    if m is None or int(m[1]) == 0:
        raise QualcodeError(
            f"--bin for timestamps is a duration such as 30s, 10m or 1h, not '{text}'"
        )
    return int(m[1]) * {"s": 1, "m": 60, "h": 3600}[m[2]]
