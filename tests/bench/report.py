"""Print the benchmark results (exports/bench/results.json) as a table: `make bench` ends here.

``python report.py --markdown`` prints the same table in Markdown, for docs/benchmarks.md.
"""

from __future__ import annotations

import json
import sys

from bench_results import RESULTS

HEADER = ("benchmark", "median", "CPU", "limit", "ratio", "peak MB", "note")


def seconds(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"


def limit_of(r: dict) -> str:
    if "limit_s" in r:
        return f"< {seconds(r['limit_s'])}"
    if "limit_ratio" in r:
        return f"<= {r['limit_ratio']:g}x of {seconds(r.get('baseline_s'))}"
    return ""


def ratio_of(r: dict) -> str:
    ratio = r.get("ratio")
    if ratio is None:
        return ""
    return f"{ratio:.2f}x" if "limit_ratio" in r else f"{ratio:.2f}"


def note_of(r: dict, latest: str) -> str:
    if r.get("run") != latest:
        return f"from an earlier run ({r.get('at', 'undated')})"
    if r.get("status"):
        return f"{r['status']}: {r.get('why', '')}"
    if r.get("note"):
        return str(r["note"])
    if r.get("peak_limit_mb") and r.get("peak_mb", 0) >= r["peak_limit_mb"]:
        return f"peak over {r['peak_limit_mb']:g} MB"
    ratio = r.get("ratio")
    if ratio is not None and ("limit_s" in r and ratio >= 1 or ratio >= r.get("limit_ratio", 1e9)):
        return "limit missed"
    return ""


def rows(records: list[dict]) -> list[tuple[str, ...]]:
    latest = max((r.get("run", "") for r in records), default="")
    return [
        (
            r["name"],
            seconds(r.get("median_s")),
            seconds(r["cpu_s"]) if "cpu_s" in r else "",
            limit_of(r),
            ratio_of(r)
            if "limit_s" in r or r.get("limit_ratio") is None
            else f"{r['ratio'] / r['limit_ratio']:.2f} ({r['ratio']:.2f}x)",
            f"{r['peak_mb']:.0f}" if r.get("peak_mb") else "",
            note_of(r, latest),
        )
        for r in records
    ]


def main(argv: list[str]) -> int:
    if not RESULTS.exists():
        print("no results: run the benchmarks first (make bench)")
        return 1
    records = json.loads(RESULTS.read_text())
    table = rows(records)
    if "--markdown" in argv:
        print("| " + " | ".join(HEADER) + " |")
        print("| --- | ---: | ---: | --- | ---: | ---: | --- |")
        for row in table:
            print("| " + " | ".join(row) + " |")
        return 0
    widths = [max(len(row[i]) for row in [HEADER, *table]) for i in range(len(HEADER))]
    print()
    for row in [HEADER, *table]:
        cells = [
            c.ljust(w) if i in (0, 3, 6) else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        print("  ".join(cells).rstrip())
    print(f"\nmachine: {records[0].get('machine', '?')}  (figures: {RESULTS})")
    print("ratio: median / limit; for a limit relative to a baseline, (median / baseline) / limit")
    print("CPU: median CPU seconds of the process (steadier than wall time on a shared machine)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
