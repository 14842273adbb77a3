"""Generated benchmark portfolios, cached under benchmarks/data/ (git-ignored)."""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

AS_OF = dt.date(2026, 11, 23)
DATA_DIR = Path(__file__).resolve().parent / "data"


def portfolio_file(accounts: int, seed: int) -> Path:
    """The generated portfolio of that size and seed, made once and reused."""
    from customer_success_mcp.generate import generate_portfolio, write_portfolio

    path = DATA_DIR / f"portfolio_{accounts}_{seed}.json"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        write_portfolio(path, generate_portfolio(accounts, seed, AS_OF))
        print(f"generated {path.name} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return path
