"""Deterministic generator of realistic, internally consistent customer-success portfolios.

Each account draws a latent state (thriving, steady, drifting, at_risk, critical) that sets a
health level and a momentum per dimension; every signal derives from those plus noise, so a
declining account shows it in logins, adoption, NPS, meetings, escalations and sentiment
together. Its previous-period scores are today's scores, computed by the engine itself, before
this period's momentum. Only seeded `random.Random` generators are used: the same arguments
give the same data, byte for byte.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from customer_success_mcp.generate.draws import clamp, noise
from customer_success_mcp.generate.sections import (
    DEFAULT_SEGMENT_MIX,
    DEFAULT_STATE_MIX,
    LATENT_STATES,
    SEGMENTS,
    _account,
    _drop_sections,
)
from customer_success_mcp.ingest.load import gc_paused

orjson: ModuleType | None
try:
    import orjson
except ImportError:  # optional: the standard library writes the same bytes, only slower
    orjson = None

EXAMPLE_ACCOUNTS = 50
EXAMPLE_SEED = 518
EXAMPLE_AS_OF = dt.date(2026, 11, 23)
EXAMPLE_MISSING_SECTIONS_SHARE = 0.08
COMPACT_JSON_ABOVE = 1000

__all__ = [
    "DEFAULT_SEGMENT_MIX",
    "DEFAULT_STATE_MIX",
    "EXAMPLE_AS_OF",
    "LATENT_STATES",
    "SEGMENTS",
    "example_portfolio",
    "generate_portfolio",
    "portfolio_json",
    "write_portfolio",
]


def generate_portfolio(
    accounts: int,
    seed: int,
    as_of: dt.date,
    *,
    missing_sections_share: float = 0.0,
    segment_mix: Mapping[str, float] | None = None,
    state_mix: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """Generate `accounts` correlated accounts as `{"customers": [...]}`, deterministically."""
    if accounts < 0:
        raise ValueError(f"accounts must be >= 0, got {accounts}")
    if not 0.0 <= missing_sections_share <= 1.0:
        raise ValueError(f"missing_sections_share must be in [0, 1], got {missing_sections_share}")
    rng = random.Random(seed)
    segments = _apportion(accounts, segment_mix or DEFAULT_SEGMENT_MIX, SEGMENTS, rng)
    states = _apportion(accounts, state_mix or DEFAULT_STATE_MIX, LATENT_STATES, rng)
    calendar = _renewal_calendar(as_of)
    used_names: set[str] = set()
    with gc_paused():
        drawn = [
            _account(rng, number, segment, state, calendar, used_names)
            for number, (segment, state) in enumerate(zip(segments, states, strict=True), 1)
        ]
    customers = [account for account, _ in drawn]
    _fill_previous_period(
        customers, [momentum for _, momentum in drawn], as_of, random.Random(f"{seed}:previous")
    )
    for index in sorted(rng.sample(range(accounts), round(accounts * missing_sections_share))):
        _drop_sections(rng, customers[index], rng.randint(1, 3))
    return {"customers": customers}


def _fill_previous_period(
    customers: list[dict[str, Any]], momentum: Sequence[tuple[float, ...]], as_of: dt.date, rng: random.Random
) -> None:
    """Last period's scores: today's, as the engine scores them, before this period's momentum."""
    from customer_success_mcp.pipeline import score_records
    from customer_success_mcp.scoring.default_profiles import DEFAULT_PROFILE, FIVE_DIMENSION_PROFILE

    if not customers:
        return
    today = score_records(customers, as_of, DEFAULT_PROFILE).health
    outcomes = score_records(customers, as_of, FIVE_DIMENSION_PROFILE).health.dimensions["outcomes"]
    dims = DEFAULT_PROFILE.health.dimensions
    current = [today.dimensions[d.name].tolist() for d in dims]
    for row, account in enumerate(customers):
        moves = momentum[row]
        previous, overall = {}, 0.0
        for i, dim in enumerate(dims):
            score = round(clamp(current[i][row] - 100 * moves[i] + noise(rng, 2.5), 0, 100))
            previous[f"{dim.name}_score"] = score
            overall += dim.weight * score
        drift = sum(moves) / len(moves)
        previous["outcomes_score"] = round(
            clamp(float(outcomes[row]) - 100 * drift + noise(rng, 2.5), 0, 100)
        )
        previous["overall_score"] = round(overall)
        account["previous_period"] = previous


def example_portfolio() -> dict[str, Any]:
    """Build the documented example: 50 accounts (12/22/16), about $4.2M ARR, as of 2026-11-23."""
    data = generate_portfolio(
        EXAMPLE_ACCOUNTS,
        EXAMPLE_SEED,
        EXAMPLE_AS_OF,
        missing_sections_share=EXAMPLE_MISSING_SECTIONS_SHARE,
    )
    note = (
        "customer_success_mcp.generate.example_portfolio() (seed "
        f"{EXAMPLE_SEED}, default mixes, {EXAMPLE_MISSING_SECTIONS_SHARE:.0%} of accounts with "
        "missing sections); every name and figure is invented"
    )
    return {"as_of": EXAMPLE_AS_OF.isoformat(), "generated_by": note, **data}


def write_portfolio(path: str | Path, data: Mapping[str, Any]) -> None:
    """Write a portfolio as JSON to a new file (never over an existing one): compact above 1,000 accounts,
    indented otherwise."""
    from customer_success_mcp.fileio import write_new_file

    write_new_file(path, portfolio_json(data, compact=len(data["customers"]) > COMPACT_JSON_ABOVE))


def portfolio_json(data: Mapping[str, Any], *, compact: bool = True) -> bytes:
    """Serialise a portfolio with a trailing newline; orjson (same bytes, ~8x faster) if present."""
    if orjson is not None:
        return orjson.dumps(data, option=0 if compact else orjson.OPT_INDENT_2) + b"\n"
    layout: dict[str, Any] = {"separators": (",", ":")} if compact else {"indent": 2}
    text = json.dumps(data, ensure_ascii=False, check_circular=False, **layout)
    return (text + "\n").encode("utf-8")


def _apportion(count: int, mix: Mapping[str, float], allowed: Sequence[str], rng: random.Random) -> list[str]:
    """Split `count` by `mix` as exactly as whole numbers allow, shuffled; leftovers drawn."""
    if set(mix) - set(allowed) or any(w < 0 for w in mix.values()) or sum(mix.values()) <= 0:
        raise ValueError(f"a mix weights only {', '.join(allowed)}, non-negative, not all zero")
    keys = [k for k in allowed if mix.get(k, 0) > 0]
    total = sum(mix[k] for k in keys)
    exact = {k: count * mix[k] / total for k in keys}
    quota = {k: math.floor(exact[k]) for k in keys}
    remainders = {k: exact[k] - quota[k] + 1e-12 for k in keys}
    for _ in range(count - sum(quota.values())):
        pick = rng.choices(keys, weights=[remainders[k] for k in keys])[0]
        quota[pick] += 1
        remainders[pick] = 0.0
    labels = [k for k in keys for _ in range(quota[k])]
    rng.shuffle(labels)
    return labels


def _renewal_calendar(as_of: dt.date) -> dict[int, tuple[str, str, str, str]]:
    """Map renewal offsets (days from as_of) to end date and starts 1, 2 and 3 years before."""
    calendar = {}
    for offset in range(-30, 366):
        end = as_of + dt.timedelta(days=offset)
        day = 28 if (end.month, end.day) == (2, 29) else end.day
        one, two, three = (end.replace(year=end.year - years, day=day).isoformat() for years in (1, 2, 3))
        calendar[offset] = (end.isoformat(), one, two, three)
    return calendar
