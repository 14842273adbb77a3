"""Benchmark: the backtest on a large generated book with outcomes.

    python benchmarks/bench_backtest.py                    # 100,000 accounts, 3 runs
    python benchmarks/bench_backtest.py --accounts 10000 --repeat 1

Generates a deterministic portfolio and its outcomes (`csm generate --outcomes`: the hidden model),
both cached under benchmarks/data/, loads and scores the portfolio once, then times, as medians of
`--repeat` runs in this process: reading the outcomes CSV (`load_outcomes`), and the backtest itself
(`query.analysis.backtest`: matching outcomes to accounts, ROC AUC, average precision and KS for both
scores overall and per segment, deciles, churn per tier and class, lead time, the AUC of every
dimension, category and signal, and the cut-offs). Target: the backtest under 2 s. Also checks the
headline AUCs against scikit-learn when it is installed (the test extra).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

from portfolios import AS_OF, DATA_DIR, portfolio_file

TARGET_SECONDS = 2.0


def outcomes_file(accounts: int, seed: int, portfolio: Path) -> Path:
    """The generated outcomes of that portfolio, made once and reused."""
    from customer_success_mcp.generate.outcomes import generate_outcomes, outcomes_bytes

    path = DATA_DIR / f"outcomes_{accounts}_{seed}.csv"
    if not path.exists():
        data = json.loads(portfolio.read_bytes())
        path.write_bytes(outcomes_bytes(generate_outcomes(data, seed, AS_OF), path.name))
    return path


def timed(fn, repeat: int):  # type: ignore[no-untyped-def]
    runs, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs), runs, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from customer_success_mcp.ingest.outcomes import load_outcomes
    from customer_success_mcp.pipeline import score_file
    from customer_success_mcp.query.analysis import backtest

    portfolio = portfolio_file(args.accounts, args.seed)
    outcomes_path = outcomes_file(args.accounts, args.seed, portfolio)
    started = time.perf_counter()
    scored = score_file(portfolio, AS_OF)
    score_s = time.perf_counter() - started
    data = outcomes_path.read_bytes()
    read_s, read_runs, loaded = timed(lambda: load_outcomes(outcomes_path.name, data), args.repeat)
    outcomes = loaded.outcomes
    summary_s, summary_runs, report = timed(lambda: backtest(scored, outcomes), args.repeat)
    full_s, full_runs, _ = timed(lambda: backtest(scored, outcomes, detail="full"), args.repeat)

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    c, h = report.churn_risk.overall, report.health.overall
    print(f"accounts          {args.accounts:,} (seed {args.seed}); {os.cpu_count()} CPUs, load {load:.2f}")
    print(f"load and score    {score_s:.2f} s (once, not part of the backtest)")
    print(f"outcomes          {loaded.accepted:,} read ({outcomes_path.stat().st_size / 1e6:.1f} MB CSV), "
          f"{report.outcomes.churned:,} churned, {report.outcomes.downgraded:,} downgraded")  # fmt: skip

    def line(label: str, median: float, runs: list[float], target: bool = False) -> None:
        listed = ", ".join(f"{r:.3f}" for r in runs)
        mark = ("   ok" if median <= TARGET_SECONDS else "   MISSED") if target else ""
        print(f"{label:<18}{median:.3f} s (runs {listed}){mark}")

    line("read outcomes", read_s, read_runs)
    line("backtest", summary_s, summary_runs, target=True)
    line("backtest (full)", full_s, full_runs, target=True)
    print(f"                  target: the backtest under {TARGET_SECONDS:g} s")
    assert c is not None and h is not None
    for label, sep in (("churn risk", c), ("health", h)):
        figures = f"ROC AUC {sep.roc_auc:.4f}, average precision {sep.average_precision:.4f}, KS {sep.ks:.4f}"
        print(f"{label:<18}{figures}")
    try:
        import numpy as np
        from sklearn.metrics import roc_auc_score
    except ImportError:
        print("scikit-learn not installed: the cross-check is skipped", file=sys.stderr)
        return 0
    known = np.isin(scored.table.ids, outcomes.ids)
    churned = set(np.array(outcomes.ids)[outcomes.kind == 1].tolist())
    y = np.fromiter((cid in churned for cid in scored.table.ids), bool, scored.table.size)[known]
    gap = abs(roc_auc_score(y, scored.churn.risk[known]) - (c.roc_auc or 0))
    print(f"scikit-learn      churn risk ROC AUC differs by {gap:.1e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
