"""How every renderer writes money, shares, day counts and dates: one place, so they read alike.

Text, markdown, drafts, resources, tool summaries and the engine's own action texts all format
figures with these functions. Nothing here imports from the package, so every layer may use it.
"""

from __future__ import annotations

import datetime as dt
import math


def money(value: float) -> str:
    """Whole currency units with thousands separators: $1,234,567 (negative as -$1,200)."""
    if not math.isfinite(value):
        return "n/a"
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.0f}"


def money_short(value: float) -> str:
    """Compact for chat and charts: $4.2M, $812k, $9,500."""
    if not math.isfinite(value):
        return "n/a"
    sign = "-" if value < 0 else ""
    size = abs(value)
    if size >= 1e6:
        return f"{sign}${size / 1e6:.1f}M"
    if size >= 1e4:
        return f"{sign}${size / 1e3:.0f}k"
    return f"{sign}${size:,.0f}"


def share(fraction: float, digits: int = 0) -> str:
    """A 0-1 share as a percentage: 0.4237 -> '42%' (digits after the point on request)."""
    if not math.isfinite(fraction):
        return "n/a"
    return f"{fraction * 100:.{digits}f}%"


def number(value: float | int) -> str:
    """A figure as short as it can be written exactly enough: 42, 41.5, 0.45."""
    return f"{value:g}"


def score(value: float | None) -> str:
    """A 0-100 score as written in text, or 'no data' where there is none."""
    return "no data" if value is None else f"{value:g}"


def day(value: dt.date | None, missing: str = "not recorded") -> str:
    """A date as YYYY-MM-DD."""
    return missing if value is None else value.isoformat()


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """'1 account', '3 accounts'."""
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count:,} {word}"


def days_to_end(days: int | None) -> str:
    """Signed days from as_of to a contract end, in words: 'in 12 days', 'today', 'ended 5 days ago'.

    Never 'in -5 days': a negative count is a contract that has already ended.
    """
    if days is None:
        return "no end date"
    if days > 0:
        return f"in {plural(days, 'day')}"
    if days == 0:
        return "today"
    return f"ended {plural(-days, 'day')} ago"


def renewal(days: int | None) -> str:
    """'renews in 12 days', 'renews today', 'ended 9 days ago' or 'no end date'."""
    if days is None or days < 0:
        return days_to_end(days)
    return f"renews {days_to_end(days)}"


def contract_end(end: dt.date | None, days: int | None) -> str:
    """'renews 2027-03-17 (in 114 days)', 'ended 2026-11-14 (9 days ago)', 'no contract end date'."""
    if end is None or days is None:
        return "no contract end date"
    if days < 0:
        return f"ended {end.isoformat()} ({plural(-days, 'day')} ago)"
    return f"renews {end.isoformat()} ({days_to_end(days)})"
