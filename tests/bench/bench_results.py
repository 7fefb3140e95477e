"""Recording benchmark figures: exports/bench/results.json, one record per benchmark name.

Each record keeps the median and the limit it is held to, as a ratio, so docs/benchmarks.md can
quote figures measured in one run (see `make bench`).
"""

from __future__ import annotations

import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parents[2] / "exports" / "bench" / "results.json"
# When this run of the benchmarks started (they record from one pytest process): the table marks
# the records of earlier runs by it. (By the hour of each record, a run crossing an hour looked
# like two.)
RUN = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, {cpu}, "
        f"Python {platform.python_version()}"
    )


def record(
    name: str, median_s: float | None, *, limit_s: float | None = None, **extra: object
) -> dict:
    """Add or replace the record ``name`` and print it. ``median_s=None`` records a benchmark
    that was not measured; say why in ``status``."""
    entry: dict[str, object] = {"name": name, "median_s": _round(median_s)}
    if limit_s is not None and median_s is not None:
        entry["limit_s"] = limit_s
        entry["ratio"] = round(median_s / limit_s, 3)
    entry.update({k: round(v, 6) if isinstance(v, float) else v for k, v in extra.items()})
    entry["machine"] = machine()
    entry["at"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    entry["run"] = RUN
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    records = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    records = [r for r in records if r.get("name") != name] + [entry]
    RESULTS.write_text(json.dumps(sorted(records, key=lambda r: r["name"]), indent=2) + "\n")
    print(f"\n{name}: {json.dumps(entry)}")
    return entry


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)
