"""Benchmark: the full pipeline against `orjson.loads` of the same bytes, measured in one run.

    python benchmarks/bench_pipeline.py                 # 100,000 accounts (the target size)
    python benchmarks/bench_pipeline.py --accounts 10000 --repeat 1

Generates a deterministic portfolio (cached under benchmarks/data/), then alternates fresh child
processes that time (a) `orjson.loads` of the file's bytes and (b) the whole pipeline from the same
bytes: parse, validate, score health, churn and expansion, and aggregate the portfolio summary. Prints
the medians, their ratio and the pipeline's peak resident memory. Targets: ratio <= 2.0, peak <= 1.5 GB.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from portfolios import AS_OF, portfolio_file

TARGET_RATIO, TARGET_RSS_MB = 2.0, 1536


def child_orjson(path: str) -> dict:
    """orjson.loads as a caller gets it, and again with the cyclic GC paused (as the pipeline runs)."""
    import gc

    import orjson

    data = Path(path).read_bytes()
    started = time.perf_counter()
    parsed = orjson.loads(data)
    plain = time.perf_counter() - started
    del parsed
    gc.collect()
    gc.disable()
    started = time.perf_counter()
    orjson.loads(data)
    paused = time.perf_counter() - started
    gc.enable()
    return {"seconds": plain, "seconds_gc_paused": paused}


def child_pipeline(path: str) -> dict:
    import resource

    from customer_success_mcp.ingest.load import load_bytes
    from customer_success_mcp.pipeline import score_loaded, summarise
    from customer_success_mcp.scoring.default_profiles import DEFAULT_PROFILE

    data = Path(path).read_bytes()
    marks = {}
    started = time.perf_counter()
    loaded = load_bytes(data, DEFAULT_PROFILE, path)
    marks["parse+validate"] = time.perf_counter() - started
    scored = score_loaded(loaded, DEFAULT_PROFILE, AS_OF)
    marks["score"] = time.perf_counter() - started - marks["parse+validate"]
    summary = summarise(scored)
    total = time.perf_counter() - started
    marks["aggregate"] = total - marks["parse+validate"] - marks["score"]
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "seconds": total,
        "stages": marks,
        "peak_rss_mb": peak_kb / 1024,
        "accepted": loaded.report.accepted,
        "green_share": summary.by_health[0].account_share,
    }


def run_child(kind: str, path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(path)], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side (medians are reported)")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, path = args.child
        print(json.dumps(child_orjson(path) if kind == "orjson" else child_pipeline(path)))
        return 0

    path = portfolio_file(args.accounts, args.seed)
    parse_runs, paused_runs, pipeline_runs = [], [], []
    for _ in range(args.repeat):
        parsed = run_child("orjson", path)
        parse_runs.append(parsed["seconds"])
        paused_runs.append(parsed["seconds_gc_paused"])
        pipeline_runs.append(run_child("pipeline", path))
    parse_s = statistics.median(parse_runs)
    paused_s = statistics.median(paused_runs)
    pipe_s = statistics.median(r["seconds"] for r in pipeline_runs)
    peak = max(r["peak_rss_mb"] for r in pipeline_runs)
    ratio = pipe_s / parse_s
    stages = {k: statistics.median(r["stages"][k] for r in pipeline_runs) for k in pipeline_runs[0]["stages"]}
    size_mb = path.stat().st_size / 1e6
    print(
        f"accounts           {args.accounts:,} ({size_mb:.0f} MB, seed {args.seed}, {args.repeat} runs each)"
    )
    print(f"orjson.loads       {parse_s:.2f} s   (runs: {', '.join(f'{s:.2f}' for s in parse_runs)})")
    pipe_list = ", ".join(f"{r['seconds']:.2f}" for r in pipeline_runs)
    print(f"pipeline           {pipe_s:.2f} s   (runs: {pipe_list})")
    print("  stages           " + ", ".join(f"{k} {v:.2f} s" for k, v in stages.items()))
    print(f"ratio              {ratio:.2f}   (target <= {TARGET_RATIO})")
    strict = pipe_s / paused_s
    print(f"  stricter yardstick: orjson.loads with the GC paused {paused_s:.2f} s, ratio {strict:.2f}")
    print(f"peak RSS           {peak:.0f} MB (target <= {TARGET_RSS_MB} MB)")
    first = pipeline_runs[0]
    print(f"accepted           {first['accepted']:,}; green share {first['green_share']:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
