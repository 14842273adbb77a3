"""SQL over a 100,000-account portfolio: a grouped aggregate's time, p50 and p95 (target p95 100 ms).

Builds the in-memory tables once (timed apart: the server does it once per snapshot), then runs each
statement many times.

    python benchmarks/bench_query.py [--accounts 100000] [--runs 50]
"""

from __future__ import annotations

import argparse
import statistics
import time

from portfolios import AS_OF, portfolio_file

TARGET_P95_MS = 100.0
STATEMENTS = {
    "ARR at risk by segment": (
        "SELECT segment, COUNT(*), SUM(arr), SUM(CASE WHEN risk_tier IN ('critical','high') THEN arr "
        "ELSE 0 END) FROM accounts GROUP BY segment"
    ),
    "weighted pipeline by owner and class": (
        "SELECT owner, health_class, SUM(expansion_weighted) FROM accounts GROUP BY owner, health_class"
    ),
    "10 largest health drops": (
        "SELECT customer_id, name, health_change FROM accounts WHERE health_change IS NOT NULL "
        "ORDER BY health_change LIMIT 10"
    ),
    "warnings by severity": "SELECT severity, COUNT(*) FROM warnings GROUP BY severity",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()

    from customer_success_mcp.pipeline import score_file
    from customer_success_mcp.query.sql import build_database

    scored = score_file(portfolio_file(args.accounts, 7), AS_OF)
    started = time.perf_counter()
    database = build_database(scored)
    print(
        f"{scored.table.size:,} accounts; tables built in {time.perf_counter() - started:.2f} s "
        "(once per snapshot)"
    )
    worst = 0.0
    for label, sql in STATEMENTS.items():
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            database.query(sql)
            times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        p95 = times[max(0, int(len(times) * 0.95) - 1)]
        worst = max(worst, p95)
        print(f"{label}: p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms")
    print(
        f"worst p95 {worst:.1f} ms against the {TARGET_P95_MS:.0f} ms target: "
        f"ratio {worst / TARGET_P95_MS:.2f}"
    )


if __name__ == "__main__":
    main()
