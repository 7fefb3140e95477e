"""Print the benchmark results (exports/bench/results.json) as a table: `make bench` ends here."""

from __future__ import annotations

import json
import sys

from bench_results import RESULTS


def main() -> int:
    if not RESULTS.exists():
        print("no results: run the benchmarks first (make bench)")
        return 1
    records = json.loads(RESULTS.read_text())
    print(f"\n{'benchmark':<40} {'median':>10} {'limit':>16} {'ratio':>7}")
    for r in records:
        if "limit_s" in r:
            limit = f"< {r['limit_s']:g} s"
        elif "limit_ratio" in r:
            limit = f"< {r['limit_ratio']:g}x of {r.get('baseline_s', 0) * 1000:.1f} ms"
        else:
            limit = ""
        ratio = r.get("ratio")
        print(
            f"{r['name']:<40} {r['median_s'] * 1000:>8.1f}ms {limit:>16} "
            f"{ratio if ratio is not None else '':>7}"
        )
    print(f"\nmachine: {records[0].get('machine', '?')}  (figures: {RESULTS})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
