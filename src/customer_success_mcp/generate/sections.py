"""One synthetic account: a latent state, and every section drawn from it plus noise."""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from customer_success_mcp.generate.draws import (
    _NORMAL,
    _NORMAL_BITS,
    choice,
    clamp,
    noise,
    pick,
    poisson,
    ratio,
    shortfall,
)
from customer_success_mcp.generate.names import _company_name
from customer_success_mcp.scoring.default_profiles import DEFAULT_PROFILE

SEGMENTS = ("enterprise", "mid-market", "smb")
LATENT_STATES = ("thriving", "steady", "drifting", "at_risk", "critical")
DEFAULT_SEGMENT_MIX: Mapping[str, float] = {"enterprise": 0.24, "mid-market": 0.44, "smb": 0.32}
DEFAULT_STATE_MIX: Mapping[str, float] = {
    "thriving": 0.22, "steady": 0.30, "drifting": 0.27, "at_risk": 0.15, "critical": 0.06,
}  # fmt: skip

TIERS = tuple(DEFAULT_PROFILE.expansion.tier_multipliers)  # the profile's ladder, lowest first
MODULES = tuple(DEFAULT_PROFILE.expansion.module_fractions)
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
_STATE_SHAPES = {  # health level (mean, sd) and momentum per period (mean, sd)
    "thriving": (0.89, 0.04, 0.05, 0.03),
    "steady": (0.755, 0.045, 0.0, 0.025),
    "drifting": (0.615, 0.05, -0.07, 0.03),
    "at_risk": (0.53, 0.05, -0.13, 0.035),
    "critical": (0.35, 0.06, -0.22, 0.05),
}


_TARGET_KEYS = ("login_frequency_target", "feature_adoption_target", "dau_mau_target",
                "meeting_attendance_target", "nps_target", "csat_target", "exec_sponsor_target",
                "multi_threading_target")  # fmt: skip
_MAXIMUM_KEYS = ("support_ticket_volume_max", "open_tickets_max", "escalation_rate_max",
                 "avg_resolution_hours_max")  # fmt: skip


@dataclass(frozen=True, slots=True)
class _SegmentShape:
    """What differs by segment: ARR band, benchmarks, tiers, breadth and contract habits."""

    arr_low: int
    arr_high: int
    arr_step: int
    segment: str
    tier_weights: tuple[float, ...]
    module_share: float
    departments: tuple[int, int]
    contract_weights: tuple[float, ...]  # annual, multi-year, quarterly, month-to-month
    time_to_value_days: int

    @property
    def targets(self) -> tuple[float, ...]:
        """login, adoption, dau/mau, attendance, nps, csat, exec, threads: the profile's targets."""
        bench = DEFAULT_PROFILE.segments[self.segment].benchmarks
        return tuple(bench[k] for k in _TARGET_KEYS)

    @property
    def maxima(self) -> tuple[float, ...]:
        """ticket volume, open tickets, escalation rate, resolution hours: the profile's maxima."""
        bench = DEFAULT_PROFILE.segments[self.segment].benchmarks
        return tuple(bench[k] for k in _MAXIMUM_KEYS)


_SEGMENT_SHAPES = {
    "enterprise": _SegmentShape(
        arr_low=101_000, arr_high=600_000, arr_step=1000,
        segment="enterprise",
        tier_weights=(0.0, 0.2, 0.55, 0.25), module_share=0.75, departments=(2, 5),
        contract_weights=(0.45, 0.5, 0.05, 0.0), time_to_value_days=120,
    ),
    "mid-market": _SegmentShape(
        arr_low=25_000, arr_high=100_000, arr_step=500,
        segment="mid-market",
        tier_weights=(0.1, 0.55, 0.3, 0.05), module_share=0.5, departments=(1, 3),
        contract_weights=(0.65, 0.2, 0.08, 0.07), time_to_value_days=90,
    ),
    "smb": _SegmentShape(
        arr_low=5_000, arr_high=24_900, arr_step=100,
        segment="smb",
        tier_weights=(0.6, 0.35, 0.05, 0.0), module_share=0.35, departments=(1, 2),
        contract_weights=(0.5, 0.05, 0.15, 0.3), time_to_value_days=60,
    ),
}  # fmt: skip


_SOLD_TIERS = {"enterprise": TIERS[1:], "mid-market": TIERS[1:], "smb": TIERS[:3]}
_OFFERED_TIERS = {  # the tiers sold to the segment, plus the account's own
    (segment, tier): tuple(t for t in TIERS if t == tier or t in _SOLD_TIERS[segment])
    for segment in SEGMENTS
    for tier in TIERS
}


@dataclass(slots=True)
class _Latent:
    """One account's hidden truth: level and momentum per dimension, and overall badness."""

    level: tuple[float, ...]  # usage, engagement, support, relationship
    momentum: tuple[float, ...]
    badness: float  # 0 (nothing wrong) .. 1 (everything wrong)


def _draw_latent(rng: random.Random, state: str) -> _Latent:
    """Draw the hidden level and momentum of one account in a latent state."""
    level_mean, level_sd, momentum_mean, momentum_sd = _STATE_SHAPES[state]
    base = level_mean + noise(rng, level_sd)
    drift = momentum_mean + noise(rng, momentum_sd)
    bits, normal = rng.getrandbits, _NORMAL
    level = tuple([clamp(base + 0.05 * normal[bits(_NORMAL_BITS)], 0.05, 1.05) for _ in range(4)])
    momentum = tuple([clamp(drift + 0.02 * normal[bits(_NORMAL_BITS)], -0.45, 0.2) for _ in range(4)])
    return _Latent(level, momentum, clamp((0.85 - base) / 0.5 - drift * 2, 0.0, 1.0))


def _account(
    rng: random.Random,
    number: int,
    segment: str,
    state: str,
    calendar: Mapping[int, tuple[str, ...]],
    used: set[str],
) -> tuple[dict[str, Any], tuple[float, ...]]:
    """One complete account from its segment and latent state, and its momentum per dimension.

    `previous_period` is left empty: it is derived from the engine's scores afterwards.
    """
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
    account = {
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
        "previous_period": None,  # filled in from the engine's scores: see generate_portfolio
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
    return account, latent.momentum


def _arr(rng: random.Random, shape: _SegmentShape) -> int:
    """Draw ARR in the segment's band, skewed towards its low end as real books are."""
    value = shape.arr_low * (shape.arr_high / shape.arr_low) ** (rng.random() ** 1.4)
    return int(clamp(round(value / shape.arr_step) * shape.arr_step, shape.arr_low, shape.arr_high))


def _contract_type(rng: random.Random, shape: _SegmentShape, latent: _Latent) -> str:
    """Pick the contract type; troubled accounts lean towards short terms."""
    annual, multi, quarterly, monthly = shape.contract_weights
    bad = latent.badness
    weights = (annual, multi * (1 - bad), quarterly + 0.07 * bad, monthly + 0.15 * bad)
    return pick(rng, CONTRACT_TYPES, weights)


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
        "login_frequency": round(clamp(login * ratio(rng, level, 0.1), 0, 100)),
        "feature_adoption": round(clamp(adoption * ratio(rng, level), 0, 100)),
        "dau_mau_ratio": round(clamp(dau * ratio(rng, level, 0.05), 0.01, 0.95), 2),
    }


def _engagement(rng: random.Random, shape: _SegmentShape, level: float) -> dict[str, Any]:
    """Current engagement: tickets raised, meetings attended, NPS and CSAT."""
    attendance, nps, csat = shape.targets[3:6]
    return {
        "support_ticket_volume": round(shape.maxima[0] * shortfall(rng, level) * 1.2),
        "meeting_attendance": round(clamp(attendance * ratio(rng, level, 0.15), 0, 100)),
        "nps_score": round(clamp(nps * ratio(rng, level, 0.15, 0.09), 0, 10)),
        "csat_score": round(clamp(csat * ratio(rng, level, 0.35), 1.0, 5.0), 1),
    }


def _support(rng: random.Random, shape: _SegmentShape, level: float) -> dict[str, Any]:
    """Current support load: open tickets, escalation rate and resolution time."""
    _, open_max, escalation_max, hours_max = shape.maxima
    return {
        "open_tickets": round(open_max * shortfall(rng, level)),
        "escalation_rate": round(clamp(escalation_max * shortfall(rng, level), 0, 1), 2),
        "avg_resolution_hours": max(1, round(hours_max * shortfall(rng, level))),
    }


def _relationship(
    rng: random.Random, shape: _SegmentShape, latent: _Latent, champion_left: bool
) -> dict[str, Any]:
    """Current relationship: sponsor engagement, contacts and renewal sentiment."""
    level = latent.level[3]
    exec_target, threads = shape.targets[6:]
    depth = round(threads * ratio(rng, level, 0.1, 0.12)) - (1 if champion_left else 0)
    mood = level + 1.5 * latent.momentum[3] + noise(rng, 0.08)
    if rng.random() < 0.05:
        sentiment = "unknown"
    else:
        sentiment = "positive" if mood > 0.78 else "neutral" if mood > 0.45 else "negative"
    return {
        "executive_sponsor_engagement": round(clamp(exec_target * ratio(rng, level), 0, 100)),
        "multi_threading_depth": int(clamp(depth, 1, 12)),
        "renewal_sentiment": sentiment,
    }


def _usage_decline(
    rng: random.Random, shape: _SegmentShape, latent: _Latent, usage: dict[str, Any]
) -> dict[str, Any]:
    """Usage change this period, consistent with current values (previous stays in range)."""
    level, move = latent.level[0], latent.momentum[0]
    relative = move / max(level - move, 0.1) * 100 + noise(rng, 3)
    adoption, dau = usage["feature_adoption"], usage["dau_mau_ratio"]
    adoption_change = shape.targets[1] * move + noise(rng, 2)
    dau_change = clamp(shape.targets[2] * move + noise(rng, 0.015), dau - 1, dau)
    return {
        "login_trend": round(clamp(relative, usage["login_frequency"] - 100, 60)),
        "feature_adoption_change": round(clamp(adoption_change, adoption - 100, adoption)),
        "dau_mau_change": round(dau_change, 2) + 0.0,  # + 0.0 turns -0.0 into 0.0
    }


def _engagement_drop(rng: random.Random, shape: _SegmentShape, latent: _Latent, nps: int) -> dict[str, Any]:
    """Engagement change: cancelled meetings, slower replies and the NPS swing."""
    level, move = latent.level[1], latent.momentum[1]
    response = max(0.0, (0.85 - level) * 12 + noise(rng, 1.0))
    nps_change = clamp(shape.targets[4] * move * 1.5 + noise(rng, 0.7), nps - 10, nps)
    return {
        "meeting_cancellations": poisson(rng, max(0.0, -move) * 12 + (1 - level) * 0.4),
        "response_time_days": 1 + round(response) if level < 0.9 else choice(rng, (0, 1, 1)),
        "nps_change": round(nps_change),
    }


def _support_issues(rng: random.Random, latent: _Latent) -> dict[str, Any]:
    """Escalations, unresolved critical defects and the satisfaction trend."""
    level, move = latent.level[2], latent.momentum[2]
    trend = move + noise(rng, 0.03)
    if trend > 0.03:
        satisfaction = "improving"
    elif trend > -0.05:
        satisfaction = "stable"
    else:
        satisfaction = "declining" if trend > -0.17 else "critical"
    return {
        "open_escalations": poisson(rng, max(0.0, 0.8 - level) * 4 + max(0.0, -move) * 4),
        "unresolved_critical": poisson(rng, max(0.0, 0.65 - level) * 4),
        "satisfaction_trend": satisfaction,
    }


def _relationship_signals(rng: random.Random, bad: float) -> dict[str, Any]:
    """Champion and sponsor turnover and competitor mentions, likelier the worse things are."""
    return {
        "champion_left": rng.random() < 0.02 + 0.4 * bad * bad,
        "sponsor_change": rng.random() < 0.04 + 0.25 * bad,
        "competitor_mentions": poisson(rng, 0.05 + 2.5 * bad * bad),
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
    tier = pick(rng, TIERS, shape.tier_weights)
    seats = arr / _SEAT_PRICE[tier] * (0.8 + 0.45 * rng.random())
    step = 10 if seats > 500 else 5 if seats > 50 else 1
    licensed = max(3, round(seats / step) * step)
    utilisation = clamp(0.35 + 0.62 * level + noise(rng, 0.06), 0.05, 1.0)
    return {
        "licensed_seats": licensed,
        "active_seats": max(1, min(licensed, round(licensed * utilisation))),
        "plan_tier": tier,
        "available_tiers": list(_OFFERED_TIERS[segment, tier]),
    }


def _product_usage(
    rng: random.Random, shape: _SegmentShape, level: float, adoption: int
) -> dict[str, dict[str, Any]]:
    """Modules on the account, adopted in line with feature adoption, used in line with health."""
    modules = {"core_platform": {"adopted": True, "usage_pct": _module_usage(rng, level * 0.95)}}
    draw, share, adopted_share = rng.random, shape.module_share, adoption / 100
    for module in MODULES[1:]:
        if draw() < share:
            if draw() < adopted_share:
                modules[module] = {"adopted": True, "usage_pct": _module_usage(rng, level * 0.8)}
            else:
                modules[module] = {"adopted": False, "usage_pct": 0}
    return modules


def _module_usage(rng: random.Random, level: float) -> int:
    """Usage percentage of an adopted module."""
    value = round(100 * level + 10 * _NORMAL[rng.getrandbits(_NORMAL_BITS)])
    return 5 if value < 5 else 100 if value > 100 else value


def _departments(rng: random.Random, shape: _SegmentShape, level: float) -> dict[str, list[str]]:
    """Departments using the product now, and others that could."""
    low, high = shape.departments
    count = round(clamp(low + (high - low) * level + noise(rng, 0.6), low, high))
    start, stride = int(rng.random() * len(DEPARTMENTS)), choice(rng, _DEPARTMENT_STRIDES)
    total = count + 1 + int(rng.random() * 4)
    chosen = [DEPARTMENTS[(start + i * stride) % len(DEPARTMENTS)] for i in range(total)]
    return {"current": chosen[:count], "potential": chosen[count:]}


def _outcomes(rng: random.Random, shape: _SegmentShape, level: float) -> dict[str, Any]:
    """Business outcomes: goals met, ROI promised and achieved, KPI lift, time to value."""
    promised = round(2.0 + 3.0 * rng.random(), 1)
    achieved = promised * clamp(level * 1.1 + noise(rng, 0.12), 0.0, 2.0)
    ttv = shape.time_to_value_days * (1.35 - level) * math.exp(noise(rng, 0.25))
    return {
        "goals_met_pct": round(clamp(100 * (level + noise(rng, 0.08)), 0, 100)),
        "roi_promised": promised,
        "roi_achieved": round(achieved, 1),
        "kpi_improvement_pct": round(clamp((level - 0.45) * 60 + noise(rng, 5), -100, 500)),
        "time_to_value_days": max(1, round(ttv)),
    }


def _drop_sections(rng: random.Random, account: dict[str, Any], count: int) -> None:
    """Remove `count` optional sections from an account, as a partial CRM export would."""
    names = [n for n in _OPTIONAL_SECTIONS if n in account]
    for _ in range(min(count, len(names))):
        name = rng.choices(names, weights=[_OPTIONAL_SECTIONS[n] for n in names])[0]
        names.remove(name)
        del account[name]
