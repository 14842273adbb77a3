"""Deterministic generator of realistic, internally consistent customer-success portfolios.

Each account draws a latent state (thriving, steady, drifting, at_risk, critical) that sets a
health level and a momentum per dimension; every signal derives from those plus noise, so a
declining account shows it in logins, adoption, NPS, meetings, escalations and sentiment
together, and its previous-period scores sit where its trend says they were. Only
`random.Random(seed)` is used: the same arguments give the same data, byte for byte.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import math
import random
from bisect import bisect
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from statistics import NormalDist
from typing import Any

SEGMENTS = ("enterprise", "mid-market", "smb")
LATENT_STATES = ("thriving", "steady", "drifting", "at_risk", "critical")
DEFAULT_SEGMENT_MIX: Mapping[str, float] = {"enterprise": 0.24, "mid-market": 0.44, "smb": 0.32}
DEFAULT_STATE_MIX: Mapping[str, float] = {
    "thriving": 0.22, "steady": 0.30, "drifting": 0.27, "at_risk": 0.15, "critical": 0.06,
}  # fmt: skip
EXAMPLE_ACCOUNTS = 50
EXAMPLE_SEED = 2026
EXAMPLE_AS_OF = dt.date(2026, 11, 23)
EXAMPLE_MISSING_SECTIONS_SHARE = 0.08
COMPACT_JSON_ABOVE = 1000

TIERS = ("starter", "professional", "enterprise", "enterprise_plus")
MODULES = (
    "core_platform", "analytics_module", "integrations_module", "api_access",
    "advanced_reporting", "security_module", "automation_module", "collaboration_module",
    "data_export", "custom_workflows", "sso_module", "audit_module",
)  # fmt: skip
DEPARTMENTS = (
    "engineering", "product", "sales", "marketing", "finance", "operations", "customer support",
    "IT", "HR", "legal", "compliance", "procurement", "data science", "security", "design",
)  # fmt: skip
_DEPARTMENT_STRIDES = tuple(k for k in range(1, len(DEPARTMENTS)) if math.gcd(k, len(DEPARTMENTS)) == 1)
CONTRACT_TYPES = ("annual", "multi-year", "quarterly", "month-to-month")
_SEAT_PRICE = {"starter": 240, "professional": 432, "enterprise": 720, "enterprise_plus": 1080}
_OPTIONAL_SECTIONS = {
    "previous_period": 3.0, "outcomes": 3.0, "departments": 2.0, "product_usage": 2.0,
    "commercial_factors": 2.0, "relationship_signals": 2.0, "engagement_drop": 1.5,
    "usage_decline": 1.5, "support_issues": 1.5, "contract": 1.0, "support": 1.0,
    "engagement": 0.5, "relationship": 0.5, "usage": 0.5,
}  # fmt: skip
_PREVIOUS_KEYS = ("usage_score", "engagement_score", "support_score", "relationship_score")
_WEIGHTS = (0.30, 0.25, 0.20, 0.25)  # the reference health weights, for the previous overall
_SENTIMENT_POINTS = {"positive": 100, "neutral": 60, "negative": 20, "unknown": 50}
_NORMAL_STEPS = 2048
_NORMAL = tuple(NormalDist().inv_cdf((i + 0.5) / _NORMAL_STEPS) for i in range(_NORMAL_STEPS))


def _words(text: str) -> tuple[str, ...]:
    """Split a word list written as one string."""
    return tuple(text.split())


_NAME_HEADS = _words(
    "Amber Arbor Aspen Beacon Birch Bright Cedar Clear Cobalt Copper Crest Delta Ember Fern Flint "
    "Golden Granite Harbor Hazel Iron Juniper Key Lark Linden Maple Meridian North Oak Onyx "
    "Orchid Pine Prairie Quarry Raven Red Ridge River Sable Silver Slate Spruce Stone Summit "
    "Tidal Timber True Valley Vista Willow Zephyr"
)
_NAME_TAILS = _words(
    "bridge brook crest field forge gate haven hill lake light line mark mill point port rock "
    "shore spring stead view water wood works wave peak path ford dale bay"
)
_SURNAMES = _words(
    "Abbott Barlow Calloway Dunmore Ellery Fairbank Garrow Hollis Iverson Jardine Kessler Lowell "
    "Marchetti Navarro Okafor Pendleton Quintero Rasmussen Sandoval Thackeray Ueda Vance Whitlock "
    "Yardley Zielinski Brandt Castellano Dorsey Ferreira Lindqvist"
)
_INDUSTRIES = _words(
    "Analytics Bank Biotech Capital Clinics Communications Construction Consulting Dental Energy "
    "Engineering Foods Freight Health Holdings Insurance Labs Learning Logistics Manufacturing "
    "Media Medical Networks Partners Pharma Properties Retail Robotics Security Software "
    "Solutions Staffing Systems Technologies Telecom Travel Ventures Wellness Outfitters Brewing"
)
_LEGAL_SUFFIXES = ("", "", "", "Inc", "Inc", "LLC", "Ltd", "Group", "Co", "Corp")
_QUALIFIERS = ("North America", "EMEA", "APAC", "West", "East", "International", "Global")


_STATE_SHAPES = {  # health level (mean, sd) and momentum per period (mean, sd)
    "thriving": (0.89, 0.04, 0.05, 0.03),
    "steady": (0.755, 0.045, 0.0, 0.025),
    "drifting": (0.615, 0.05, -0.07, 0.03),
    "at_risk": (0.53, 0.05, -0.13, 0.035),
    "critical": (0.35, 0.06, -0.22, 0.05),
}


@dataclass(frozen=True, slots=True)
class _SegmentShape:
    """What differs by segment: ARR band, benchmarks, tiers, breadth and contract habits."""

    arr_low: int
    arr_high: int
    arr_step: int
    targets: tuple[float, ...]  # login, adoption, dau/mau, attendance, nps, csat, exec, threads
    maxima: tuple[float, ...]  # ticket volume, open tickets, escalation rate, resolution hours
    tier_weights: tuple[float, ...]
    module_share: float
    departments: tuple[int, int]
    contract_weights: tuple[float, ...]  # annual, multi-year, quarterly, month-to-month
    time_to_value_days: int


_SEGMENT_SHAPES = {
    "enterprise": _SegmentShape(101_000, 600_000, 1000, (90, 80, 0.50, 95, 9, 4.5, 90, 5),
                           (5, 10, 0.25, 72), (0.0, 0.2, 0.55, 0.25), 0.75, (2, 5),
                           (0.45, 0.5, 0.05, 0.0), 120),
    "mid-market": _SegmentShape(25_000, 100_000, 500, (80, 70, 0.40, 85, 8, 4.0, 75, 3),
                           (8, 15, 0.30, 96), (0.1, 0.55, 0.3, 0.05), 0.5, (1, 3),
                           (0.65, 0.2, 0.08, 0.07), 90),
    "smb": _SegmentShape(5_000, 24_900, 100, (70, 60, 0.30, 75, 7, 3.8, 60, 2),
                    (10, 20, 0.40, 120), (0.6, 0.35, 0.05, 0.0), 0.35, (1, 2),
                    (0.5, 0.05, 0.15, 0.3), 60),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Latent:
    """One account's hidden truth: level and momentum per dimension, and overall badness."""

    level: tuple[float, ...]  # usage, engagement, support, relationship
    momentum: tuple[float, ...]
    badness: float  # 0 (nothing wrong) .. 1 (everything wrong)


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
    with _gc_paused():
        customers = [
            _account(rng, number, segment, state, calendar, used_names)
            for number, (segment, state) in enumerate(zip(segments, states, strict=True), 1)
        ]
    for index in sorted(rng.sample(range(accounts), round(accounts * missing_sections_share))):
        _drop_sections(rng, customers[index], rng.randint(1, 3))
    return {"customers": customers}


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
    """Write a portfolio as JSON: compact above 1,000 accounts, indented otherwise."""
    if len(data.get("customers", ())) > COMPACT_JSON_ABOVE:
        text = json.dumps(data, separators=(",", ":"))
    else:
        text = json.dumps(data, indent=2)
    Path(path).write_text(text + "\n", encoding="utf-8")


# --------------------------------------------------------------------------- helpers


def _apportion(
    count: int, mix: Mapping[str, float], allowed: Sequence[str], rng: random.Random
) -> list[str]:
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


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic GC: generation makes millions of acyclic objects it would rescan."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _renewal_calendar(as_of: dt.date) -> dict[int, tuple[str, str, str, str]]:
    """Map renewal offsets (days from as_of) to end date and starts 1, 2 and 3 years before."""
    calendar = {}
    for offset in range(-30, 366):
        end = as_of + dt.timedelta(days=offset)
        day = 28 if (end.month, end.day) == (2, 29) else end.day
        starts = [end.replace(year=end.year - years, day=day).isoformat() for years in (1, 2, 3)]
        calendar[offset] = (end.isoformat(), *starts)
    return calendar


def _clamp(value: float, low: float, high: float) -> float:
    """Bound a value to [low, high]."""
    return low if value < low else high if value > high else value


def _noise(rng: random.Random, sd: float) -> float:
    """Draw normal noise cheaply from a table of quantiles (about 3x faster than gauss)."""
    return sd * _NORMAL[int(rng.random() * _NORMAL_STEPS)]


def _choice(rng: random.Random, items: Sequence[Any]) -> Any:
    """Choose an item uniformly (cheaper than `Random.choice`)."""
    return items[int(rng.random() * len(items))]


def _pick(rng: random.Random, items: Sequence[str], weights: Sequence[float]) -> str:
    """Choose an item by weight (cheaper than `Random.choices`)."""
    cumulative = list(accumulate(weights))
    return items[bisect(cumulative, rng.random() * cumulative[-1])]


def _poisson(rng: random.Random, lam: float) -> int:
    """Draw a small Poisson count by Knuth's method."""
    limit, count, product = math.exp(-lam), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _ratio(rng: random.Random, level: float, floor: float = 0.0, sd: float = 0.07) -> float:
    """Turn a latent level into a value-to-target ratio; `floor` keeps bad values plausible."""
    value = floor + (1 - floor) * (level * 1.06 + sd * _NORMAL[int(rng.random() * _NORMAL_STEPS)])
    return value if value > 0 else 0.0


def _shortfall(rng: random.Random, level: float) -> float:
    """Turn a latent level into a share of a lower-is-better maximum."""
    spread = math.exp(0.3 * _NORMAL[int(rng.random() * _NORMAL_STEPS)])
    return (1.0 - level) * spread if level < 1 else 0.0


def _company_name(rng: random.Random, used: set[str]) -> str:
    """Invent a plausible company name, unique within the portfolio."""
    name = ""
    for _ in range(6):
        if rng.random() < 0.8:
            stem = _choice(rng, _NAME_HEADS) + _choice(rng, _NAME_TAILS)
        elif rng.random() < 0.3:
            stem = f"{_choice(rng, _SURNAMES)} & {_choice(rng, _SURNAMES)}"
        else:
            stem = _choice(rng, _SURNAMES)
        suffix = _choice(rng, _LEGAL_SUFFIXES)
        name = f"{stem} {_choice(rng, _INDUSTRIES)}" + (f" {suffix}" if suffix else "")
        if name not in used:
            break
    while name in used:
        name = f"{name} {_choice(rng, _QUALIFIERS)}"
    used.add(name)
    return name


# --------------------------------------------------------------------------- account


def _draw_latent(rng: random.Random, state: str) -> _Latent:
    """Draw the hidden level and momentum of one account in a latent state."""
    level_mean, level_sd, momentum_mean, momentum_sd = _STATE_SHAPES[state]
    base = level_mean + _noise(rng, level_sd)
    drift = momentum_mean + _noise(rng, momentum_sd)
    level = tuple([_clamp(base + _noise(rng, 0.05), 0.05, 1.05) for _ in range(4)])
    momentum = tuple([_clamp(drift + _noise(rng, 0.02), -0.45, 0.2) for _ in range(4)])
    return _Latent(level, momentum, _clamp((0.85 - base) / 0.5 - drift * 2, 0.0, 1.0))


def _account(
    rng: random.Random,
    number: int,
    segment: str,
    state: str,
    calendar: Mapping[int, tuple[str, ...]],
    used: set[str],
) -> dict[str, Any]:
    """Build one complete account from its segment and latent state."""
    shape = _SEGMENT_SHAPES[segment]
    latent = _draw_latent(rng, state)
    arr = _arr(rng, shape)
    contract_type = _contract_type(rng, shape, latent)
    end, start = _contract_dates(rng, calendar, contract_type)
    usage = _usage(rng, shape, latent.level[0])
    engagement = _engagement(rng, shape, latent.level[1])
    support = _support(rng, shape, latent.level[2])
    signals = _relationship_signals(rng, latent.badness)
    relationship = _relationship(rng, shape, latent, signals["champion_left"])
    current = (usage, engagement, support, relationship)
    return {
        "customer_id": f"ACC-{number:05d}",
        "name": _company_name(rng, used),
        "segment": segment,
        "arr": arr,
        "contract_start_date": start,
        "contract_end_date": end,
        "usage": usage,
        "engagement": engagement,
        "support": support,
        "relationship": relationship,
        "previous_period": _previous_period(rng, shape, current, latent),
        "usage_decline": _usage_decline(rng, shape, latent, usage),
        "engagement_drop": _engagement_drop(rng, shape, latent, engagement["nps_score"]),
        "support_issues": _support_issues(rng, latent),
        "relationship_signals": signals,
        "commercial_factors": _commercial_factors(rng, latent.badness, contract_type),
        "contract": _contract(rng, segment, shape, arr, latent.level[0]),
        "product_usage": _product_usage(rng, shape, latent.level[0], usage["feature_adoption"]),
        "departments": _departments(rng, shape, latent.level[3]),
        "outcomes": _outcomes(rng, shape, sum(latent.level) / 4),
    }


def _arr(rng: random.Random, shape: _SegmentShape) -> int:
    """Draw ARR in the segment's band, skewed towards its low end as real books are."""
    value = shape.arr_low * (shape.arr_high / shape.arr_low) ** (rng.random() ** 1.4)
    return int(_clamp(round(value / shape.arr_step) * shape.arr_step, shape.arr_low, shape.arr_high))


def _contract_type(rng: random.Random, shape: _SegmentShape, latent: _Latent) -> str:
    """Pick the contract type; troubled accounts lean towards short terms."""
    annual, multi, quarterly, monthly = shape.contract_weights
    bad = latent.badness
    weights = (annual, multi * (1 - bad), quarterly + 0.07 * bad, monthly + 0.15 * bad)
    return _pick(rng, CONTRACT_TYPES, weights)


def _contract_dates(
    rng: random.Random, calendar: Mapping[int, tuple[str, ...]], contract_type: str
) -> tuple[str, str]:
    """Renewal within the next 12 months (a few just past), start 1-3 years before it."""
    offset = -1 - int(rng.random() * 30) if rng.random() < 0.04 else 1 + int(rng.random() * 365)
    if contract_type == "annual":
        years = 1
    elif contract_type == "multi-year":
        years = 2 + int(rng.random() * 2)
    else:
        years = 1 + int(rng.random() * 3)
    dates = calendar[offset]
    return dates[0], dates[years]


def _usage(rng: random.Random, shape: _SegmentShape, level: float) -> dict[str, Any]:
    """Current product usage against the segment targets."""
    login, adoption, dau = shape.targets[:3]
    return {
        "login_frequency": round(_clamp(login * _ratio(rng, level, 0.1), 0, 100)),
        "feature_adoption": round(_clamp(adoption * _ratio(rng, level), 0, 100)),
        "dau_mau_ratio": round(_clamp(dau * _ratio(rng, level, 0.05), 0.01, 0.95), 2),
    }


def _engagement(rng: random.Random, shape: _SegmentShape, level: float) -> dict[str, Any]:
    """Current engagement: tickets raised, meetings attended, NPS and CSAT."""
    attendance, nps, csat = shape.targets[3:6]
    return {
        "support_ticket_volume": round(shape.maxima[0] * _shortfall(rng, level) * 1.2),
        "meeting_attendance": round(_clamp(attendance * _ratio(rng, level, 0.15), 0, 100)),
        "nps_score": round(_clamp(nps * _ratio(rng, level, 0.15, 0.09), 0, 10)),
        "csat_score": round(_clamp(csat * _ratio(rng, level, 0.35), 1.0, 5.0), 1),
    }


def _support(rng: random.Random, shape: _SegmentShape, level: float) -> dict[str, Any]:
    """Current support load: open tickets, escalation rate and resolution time."""
    _, open_max, escalation_max, hours_max = shape.maxima
    return {
        "open_tickets": round(open_max * _shortfall(rng, level)),
        "escalation_rate": round(_clamp(escalation_max * _shortfall(rng, level), 0, 1), 2),
        "avg_resolution_hours": max(1, round(hours_max * _shortfall(rng, level))),
    }


def _relationship(
    rng: random.Random, shape: _SegmentShape, latent: _Latent, champion_left: bool
) -> dict[str, Any]:
    """Current relationship: sponsor engagement, contacts and renewal sentiment."""
    level = latent.level[3]
    exec_target, threads = shape.targets[6:]
    depth = round(threads * _ratio(rng, level, 0.1, 0.12)) - (1 if champion_left else 0)
    mood = level + 1.5 * latent.momentum[3] + _noise(rng, 0.08)
    if rng.random() < 0.05:
        sentiment = "unknown"
    else:
        sentiment = "positive" if mood > 0.78 else "neutral" if mood > 0.45 else "negative"
    return {
        "executive_sponsor_engagement": round(_clamp(exec_target * _ratio(rng, level), 0, 100)),
        "multi_threading_depth": int(_clamp(depth, 1, 12)),
        "renewal_sentiment": sentiment,
    }


def _previous_period(
    rng: random.Random, shape: _SegmentShape, sections: Sequence[dict[str, Any]], latent: _Latent
) -> dict[str, int]:
    """Last period's scores: today's (the reference formula) before this period's momentum."""
    usage, engagement, support, relationship = sections
    login, adoption, dau, attendance, nps, csat, exec_target, threads = shape.targets
    volume_max, open_max, escalation_max, hours_max = shape.maxima
    current = (
        35 * min(1.0, usage["login_frequency"] / login)
        + 40 * min(1.0, usage["feature_adoption"] / adoption)
        + 25 * min(1.0, usage["dau_mau_ratio"] / dau),
        20 * max(0.0, 1 - engagement["support_ticket_volume"] / volume_max)
        + 30 * min(1.0, engagement["meeting_attendance"] / attendance)
        + 25 * min(1.0, engagement["nps_score"] / nps)
        + 25 * min(1.0, engagement["csat_score"] / csat),
        35 * max(0.0, 1 - support["open_tickets"] / open_max)
        + 35 * max(0.0, 1 - support["escalation_rate"] / escalation_max)
        + 30 * max(0.0, 1 - support["avg_resolution_hours"] / hours_max),
        35 * min(1.0, relationship["executive_sponsor_engagement"] / exec_target)
        + 30 * min(1.0, relationship["multi_threading_depth"] / threads)
        + 0.35 * _SENTIMENT_POINTS[relationship["renewal_sentiment"]],
    )
    previous = [
        round(_clamp(score - 100 * move + _noise(rng, 2.5), 0, 100))
        for score, move in zip(current, latent.momentum, strict=True)
    ]
    section = dict(zip(_PREVIOUS_KEYS, previous, strict=False))
    section["overall_score"] = round(sum(w * v for w, v in zip(_WEIGHTS, previous, strict=True)))
    return section


def _usage_decline(
    rng: random.Random, shape: _SegmentShape, latent: _Latent, usage: dict[str, Any]
) -> dict[str, Any]:
    """Usage change this period, consistent with current values (previous stays in range)."""
    level, move = latent.level[0], latent.momentum[0]
    relative = move / max(level - move, 0.1) * 100 + _noise(rng, 3)
    adoption, dau = usage["feature_adoption"], usage["dau_mau_ratio"]
    adoption_change = shape.targets[1] * move + _noise(rng, 2)
    return {
        "login_trend": round(_clamp(relative, usage["login_frequency"] - 100, 60)),
        "feature_adoption_change": round(_clamp(adoption_change, adoption - 100, adoption)),
        "dau_mau_change": round(_clamp(shape.targets[2] * move + _noise(rng, 0.015), dau - 1, dau), 2),
    }


def _engagement_drop(rng: random.Random, shape: _SegmentShape, latent: _Latent, nps: int) -> dict[str, Any]:
    """Engagement change: cancelled meetings, slower replies and the NPS swing."""
    level, move = latent.level[1], latent.momentum[1]
    response = max(0.0, (0.85 - level) * 12 + _noise(rng, 1.0))
    nps_change = _clamp(shape.targets[4] * move * 1.5 + _noise(rng, 0.7), nps - 10, nps)
    return {
        "meeting_cancellations": _poisson(rng, max(0.0, -move) * 12 + (1 - level) * 0.4),
        "response_time_days": 1 + round(response) if level < 0.9 else _choice(rng, (0, 1, 1)),
        "nps_change": round(nps_change),
    }


def _support_issues(rng: random.Random, latent: _Latent) -> dict[str, Any]:
    """Escalations, unresolved critical defects and the satisfaction trend."""
    level, move = latent.level[2], latent.momentum[2]
    trend = move + _noise(rng, 0.03)
    if trend > 0.03:
        satisfaction = "improving"
    elif trend > -0.05:
        satisfaction = "stable"
    else:
        satisfaction = "declining" if trend > -0.17 else "critical"
    return {
        "open_escalations": _poisson(rng, max(0.0, 0.8 - level) * 4 + max(0.0, -move) * 4),
        "unresolved_critical": _poisson(rng, max(0.0, 0.65 - level) * 4),
        "satisfaction_trend": satisfaction,
    }


def _relationship_signals(rng: random.Random, bad: float) -> dict[str, Any]:
    """Champion and sponsor turnover and competitor mentions, likelier the worse things are."""
    return {
        "champion_left": rng.random() < 0.02 + 0.4 * bad * bad,
        "sponsor_change": rng.random() < 0.04 + 0.25 * bad,
        "competitor_mentions": _poisson(rng, 0.05 + 2.5 * bad * bad),
    }


def _commercial_factors(rng: random.Random, bad: float, contract_type: str) -> dict[str, Any]:
    """Contract type and money worries."""
    return {
        "contract_type": contract_type,
        "pricing_complaints": rng.random() < 0.04 + 0.4 * bad,
        "budget_cuts_mentioned": rng.random() < 0.03 + 0.3 * bad,
    }


def _contract(
    rng: random.Random, segment: str, shape: _SegmentShape, arr: int, level: float
) -> dict[str, Any]:
    """Tier, seats sized from ARR and tier price, utilisation from usage health, tiers on offer."""
    tier = _pick(rng, TIERS, shape.tier_weights)
    seats = arr / _SEAT_PRICE[tier] * (0.8 + 0.45 * rng.random())
    step = 10 if seats > 500 else 5 if seats > 50 else 1
    licensed = max(3, round(seats / step) * step)
    utilisation = _clamp(0.35 + 0.62 * level + _noise(rng, 0.06), 0.05, 1.0)
    offered = TIERS[:3] if segment == "smb" else TIERS[1:]
    return {
        "licensed_seats": licensed,
        "active_seats": max(1, min(licensed, round(licensed * utilisation))),
        "plan_tier": tier,
        "available_tiers": [t for t in TIERS if t in offered or t == tier],
    }


def _product_usage(
    rng: random.Random, shape: _SegmentShape, level: float, adoption: int
) -> dict[str, dict[str, Any]]:
    """Modules on the account, adopted in line with feature adoption, used in line with health."""
    modules = {"core_platform": {"adopted": True, "usage_pct": _module_usage(rng, level, 0.95)}}
    random_ = rng.random
    for module in MODULES[1:]:
        if random_() >= shape.module_share:
            continue
        if random_() < adoption / 100:
            modules[module] = {"adopted": True, "usage_pct": _module_usage(rng, level, 0.8)}
        else:
            modules[module] = {"adopted": False, "usage_pct": 0}
    return modules


def _module_usage(rng: random.Random, level: float, scale: float) -> int:
    """Usage percentage of an adopted module."""
    return round(_clamp(100 * (level * scale + _noise(rng, 0.1)), 5, 100))


def _departments(rng: random.Random, shape: _SegmentShape, level: float) -> dict[str, list[str]]:
    """Departments using the product now, and others that could."""
    low, high = shape.departments
    count = round(_clamp(low + (high - low) * level + _noise(rng, 0.6), low, high))
    start, stride = _choice(rng, range(len(DEPARTMENTS))), _choice(rng, _DEPARTMENT_STRIDES)
    total = count + 1 + int(rng.random() * 4)
    chosen = [DEPARTMENTS[(start + i * stride) % len(DEPARTMENTS)] for i in range(total)]
    return {"current": chosen[:count], "potential": chosen[count:]}


def _outcomes(rng: random.Random, shape: _SegmentShape, level: float) -> dict[str, Any]:
    """Business outcomes: goals met, ROI promised and achieved, KPI lift, time to value."""
    promised = round(2.0 + 3.0 * rng.random(), 1)
    achieved = promised * _clamp(level * 1.1 + _noise(rng, 0.12), 0.0, 2.0)
    ttv = shape.time_to_value_days * (1.35 - level) * math.exp(_noise(rng, 0.25))
    return {
        "goals_met_pct": round(_clamp(100 * (level + _noise(rng, 0.08)), 0, 100)),
        "roi_promised": promised,
        "roi_achieved": round(achieved, 1),
        "kpi_improvement_pct": round(_clamp((level - 0.45) * 60 + _noise(rng, 5), -100, 500)),
        "time_to_value_days": max(1, round(ttv)),
    }


def _drop_sections(rng: random.Random, account: dict[str, Any], count: int) -> None:
    """Remove `count` optional sections from an account, as a partial CRM export would."""
    names = [n for n in _OPTIONAL_SECTIONS if n in account]
    for _ in range(min(count, len(names))):
        name = rng.choices(names, weights=[_OPTIONAL_SECTIONS[n] for n in names])[0]
        names.remove(name)
        del account[name]
