"""Comparing two snapshots of a large book: `compare_scores` on two scored 100,000-account snapshots.

The second snapshot is the first one month later with realistic movement: 2% of accounts lost, 1% new,
ARR changed for a fifth of them and logins down for a tenth. Both are scored first (as the server has
them cached); the figure is the comparison itself, median of several runs, against the 2 s target.

    python benchmarks/bench_compare.py [--accounts 100000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import random
import statistics
import time

from portfolios import AS_OF, portfolio_file

TARGET_SECONDS = 2.0


def later_book(customers: list[dict], seed: int) -> list[dict]:
    rng = random.Random(seed)
    kept = [copy.deepcopy(c) for c in customers if rng.random() >= 0.02]
    for c in kept:
        if rng.random() < 0.2:
            c["arr"] = round(c.get("arr", 0) * rng.uniform(0.7, 1.3))
        if rng.random() < 0.1 and "usage" in c:
            c["usage"]["login_frequency"] = max(0, c["usage"].get("login_frequency", 50) - rng.uniform(5, 40))
    new = [{"customer_id": f"NEW-{i:06d}", "name": f"New account {i}", "arr": rng.randint(5_000, 200_000)}
           for i in range(len(customers) // 100)]  # fmt: skip
    return kept + new


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from customer_success_mcp.pipeline import score_records
    from customer_success_mcp.scoring.compare import ScoredSide, compare_scores

    customers = json.loads(portfolio_file(args.accounts, 7).read_bytes())["customers"]
    later = later_book(customers, 11)
    started = time.perf_counter()
    before = score_records(customers, AS_OF)
    after = score_records(later, AS_OF + dt.timedelta(days=30))
    scoring = time.perf_counter() - started
    old = ScoredSide(before.table, before.health, before.churn, before.as_of)
    new = ScoredSide(after.table, after.health, after.churn, after.as_of)
    times = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        result = compare_scores(old, new)
        times.append(time.perf_counter() - started)
    median = statistics.median(times)
    print(f"accounts: {before.table.size:,} before, {after.table.size:,} after "
          f"({result.accounts_in_both:,} in both, {result.added:,} added, {result.lost:,} lost)")  # fmt: skip
    print(f"scoring both snapshots (not timed below): {scoring:.2f} s")
    print(f"compare_scores, median of {args.repeat}: {median:.3f} s (min {min(times):.3f}, "
          f"max {max(times):.3f}); target {TARGET_SECONDS:.1f} s: "
          f"ratio {median / TARGET_SECONDS:.2f}")  # fmt: skip
    print(f"NRR {result.nrr}, GRR {result.grr}; {len(result.health_movers)} health movers shown")


if __name__ == "__main__":
    main()
