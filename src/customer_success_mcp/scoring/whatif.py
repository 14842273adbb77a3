"""What a change would do: one account before and after, or a whole book under another profile.

`compare_account` sets one account's scores before a change beside its scores after, and attributes the
moves exactly:

- health: the overall is the weighted mean of the dimension scores present (weights renormalised over
  them), so each dimension's part is weight x score / (sum of weights present), after minus before; the
  parts add up to the change in the unrounded overall, and `rounding` holds what rounding to 0.1 adds;
- churn risk: risk = clamp(round(raw x multiplier, 1)) and raw = sum of weight x category score, so the
  change is sum over categories of multiplier_after x weight x (category after - before), plus
  raw_before x (multiplier after - before) from renewal urgency, plus `rounding_and_cap`; the parts add
  up to the change in risk.

`compare_books` counts the accounts and ARR whose health class or risk tier moves between two scorings
of the same accounts (the same table under two profiles). Nothing is stored.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from customer_success_mcp.scoring.backtest_models import BacktestBrief
from customer_success_mcp.scoring.churn import ChurnScores
from customer_success_mcp.scoring.expansion import ExpansionScores
from customer_success_mcp.scoring.health import HealthScores
from customer_success_mcp.scoring.vocabulary import HEALTH_CLASSES, RISK_TIERS, is_at_risk

TOP_MOVES = 10


class FieldChange(BaseModel):
    field: str
    before: Any = Field(description="The input before (null: not supplied)")
    after: Any = Field(description="The input after (null: not supplied)")


class DimensionShift(BaseModel):
    dimension: str
    label: str
    weight: float
    before: float | None
    after: float | None
    contribution: float | None = Field(
        description="Points of the overall health change from this dimension (null without both scores)"
    )


class HealthChange(BaseModel):
    before: float | None
    after: float | None
    change: float | None = Field(description="after - before; null when either has no score")
    class_before: str
    class_after: str
    dimensions: list[DimensionShift] = Field(description="The dimensions that moved")
    rounding: float | None = Field(description="What rounding the overall to 0.1 adds to the change")


class SignalShift(BaseModel):
    signal: str
    label: str
    category: str
    points_before: float
    points_after: float


class CategoryShift(BaseModel):
    category: str
    label: str
    weight: float
    before: float
    after: float
    contribution: float = Field(
        description="Points of the churn-risk change: multiplier_after x weight x change"
    )


class RiskChange(BaseModel):
    before: float
    after: float
    change: float
    tier_before: str
    tier_after: str
    playbook_tier_before: str
    playbook_tier_after: str
    raw_before: float
    raw_after: float
    multiplier_before: float
    multiplier_after: float
    days_to_renewal_before: int | None
    days_to_renewal_after: int | None
    from_categories: float = Field(description="Sum of the categories' contributions")
    from_renewal_urgency: float = Field(description="raw_before x (multiplier_after - multiplier_before)")
    rounding_and_cap: float = Field(description="What rounding to 0.1 and the 0-100 cap add")
    categories: list[CategoryShift] = Field(description="The categories that moved")
    signals: list[SignalShift] = Field(description="The signals whose points moved")


class ExpansionChange(BaseModel):
    gross_before: float
    gross_after: float
    net_before: float
    net_after: float
    weighted_before: float
    weighted_after: float
    likelihood_before: float
    likelihood_after: float


class WhatIfResult(BaseModel):
    """One account before and after a change to its inputs; nothing is stored."""

    customer_id: str
    name: str
    as_of: dt.date
    profile: str
    changes: list[FieldChange]
    health: HealthChange
    churn_risk: RiskChange
    expansion: ExpansionChange
    stored: bool = Field(False, description="Always false: a what-if changes nothing")


ATTRIBUTION_DECIMALS = 4  # what a what-if's differences are rounded to (scores are shown to 1 decimal)


def _number(x: float) -> float | None:
    x = float(x)
    return None if x != x else x


def _health_parts(h: HealthScores) -> tuple[dict[str, float], float]:
    """Each dimension's weighted part of the unrounded overall (0 where no data), and their sum."""
    dims = h.profile.health.dimensions
    values = {d.name: float(h.dimensions[d.name][0]) for d in dims}
    present = {d.name: values[d.name] == values[d.name] for d in dims}
    complete = all(present.values())
    weight = sum(d.weight for d in dims if present[d.name])
    scale = 1.0 if complete else (1.0 / weight if weight else 0.0)
    parts = {d.name: d.weight * values[d.name] * scale if present[d.name] else 0.0 for d in dims}
    return parts, sum(parts.values())


def _health_change(a: HealthScores, b: HealthScores) -> HealthChange:
    before, after = _number(a.overall[0]), _number(b.overall[0])
    parts_a, _ = _health_parts(a)
    parts_b, _ = _health_parts(b)
    both = before is not None and after is not None
    shifts = []
    for dim in a.profile.health.dimensions:
        x, y = _number(a.dimensions[dim.name][0]), _number(b.dimensions[dim.name][0])
        part = parts_b[dim.name] - parts_a[dim.name]
        if x != y or part != 0:
            shifts.append(DimensionShift(dimension=dim.name, label=dim.label, weight=dim.weight, before=x,
                                         after=y, contribution=_exact(part) if both else None))  # fmt: skip
    change = _exact(after - before) if before is not None and after is not None else None
    rounding = _exact(change - sum(s.contribution or 0.0 for s in shifts)) if change is not None else None
    return HealthChange(before=before, after=after, change=change, class_before=a.classification(0),
                        class_after=b.classification(0), dimensions=shifts, rounding=rounding)  # fmt: skip


def _exact(value: float) -> float:
    """A difference as shown: to 4 decimals, so float noise (61.050000000000004) never reaches a reader;
    the parts of a change still add up to it, to the last decimal shown."""
    return round(value, ATTRIBUTION_DECIMALS)


def _risk_change(a: ChurnScores, b: ChurnScores) -> RiskChange:
    m_a, m_b = float(a.multiplier[0]), float(b.multiplier[0])
    raw_a, raw_b = float(a.raw[0]), float(b.raw[0])
    cats = []
    for category in a.profile.churn.categories:
        x, y = float(a.categories[category.name][0]), float(b.categories[category.name][0])
        if x != y:
            part = _exact(m_b * category.weight * (y - x))
            cats.append(CategoryShift(category=category.name, label=category.label, weight=category.weight,
                                      before=x, after=y, contribution=part))  # fmt: skip
    signals = [
        SignalShift(signal=s.name, label=s.label, category=c.name, points_before=float(a.points[s.name][0]),
                    points_after=float(b.points[s.name][0]))
        for c, s in a.profile.churn.signals
        if a.points[s.name][0] != b.points[s.name][0]
    ]  # fmt: skip
    change = _exact(float(b.risk[0]) - float(a.risk[0]))
    from_categories = _exact(sum(c.contribution for c in cats))
    urgency = _exact(raw_a * (m_b - m_a))
    return RiskChange(
        before=float(a.risk[0]), after=float(b.risk[0]), change=change, tier_before=a.tier(0),
        tier_after=b.tier(0), playbook_tier_before=a.playbook_tier(0), playbook_tier_after=b.playbook_tier(0),
        raw_before=_exact(raw_a), raw_after=_exact(raw_b), multiplier_before=m_a, multiplier_after=m_b,
        days_to_renewal_before=a.days_left(0), days_to_renewal_after=b.days_left(0),
        from_categories=from_categories, from_renewal_urgency=urgency,
        rounding_and_cap=_exact(change - from_categories - urgency), categories=cats, signals=signals,
    )  # fmt: skip


def _expansion_change(a: ExpansionScores, b: ExpansionScores) -> ExpansionChange:
    return ExpansionChange(
        gross_before=float(a.total_revenue[0]), gross_after=float(b.total_revenue[0]),
        net_before=float(a.net_revenue[0]), net_after=float(b.net_revenue[0]),
        weighted_before=float(a.weighted_revenue[0]), weighted_after=float(b.weighted_revenue[0]),
        likelihood_before=float(a.likelihood[0]), likelihood_after=float(b.likelihood[0]),
    )  # fmt: skip


def compare_account(
    before: tuple[HealthScores, ChurnScores, ExpansionScores],
    after: tuple[HealthScores, ChurnScores, ExpansionScores],
    changes: list[FieldChange],
) -> WhatIfResult:
    """One account (row 0 of two one-row scorings) before and after, the moves attributed."""
    h, c, e = before
    table = h.table
    return WhatIfResult(
        customer_id=table.ids[0], name=table.names[0], as_of=c.as_of, profile=c.profile.name, changes=changes,
        health=_health_change(h, after[0]), churn_risk=_risk_change(c, after[1]),
        expansion=_expansion_change(e, after[2]),
    )  # fmt: skip


# --------------------------------------------------------------------------- the whole book


class Transition(BaseModel):
    before: str
    after: str
    accounts: int
    arr: float


class MovedAccount(BaseModel):
    customer_id: str
    name: str
    arr: float
    health_before: float | None
    health_after: float | None
    class_before: str
    class_after: str
    risk_before: float
    risk_after: float
    tier_before: str
    tier_after: str


class BookChange(BaseModel):
    """A whole book scored under its profile and under a changed one; nothing is stored."""

    as_of: dt.date
    profile_before: str
    profile_after: str
    accounts: int
    class_changed: int = Field(description="Accounts whose health class changes")
    class_changed_arr: float
    tier_changed: int = Field(description="Accounts whose churn-risk tier changes")
    tier_changed_arr: float
    arr_at_risk_before: float = Field(description="ARR in the critical and high tiers")
    arr_at_risk_after: float
    mean_health_change: float | None = Field(description="Mean change of the health score where both exist")
    mean_risk_change: float
    class_transitions: list[Transition] = Field(description="Health class before -> after, changes only")
    tier_transitions: list[Transition] = Field(description="Risk tier before -> after, changes only")
    largest_moves: list[MovedAccount] = Field(description="The largest accounts that change class or tier")
    backtest_before: BacktestBrief | None = Field(None, description="With outcomes: the backtest before")
    backtest_after: BacktestBrief | None = Field(None, description="With outcomes: the backtest after")
    stored: bool = Field(False, description="Always false: nothing is stored")


def _transitions(a: np.ndarray, b: np.ndarray, names: tuple[str, ...], arr: np.ndarray) -> list[Transition]:
    moved = a != b
    out = []
    for i, before in enumerate(names):
        for j, after in enumerate(names):
            pick = moved & (a == i) & (b == j)
            if pick.any():
                out.append(Transition(before=before, after=after, accounts=int(pick.sum()),
                                      arr=float(arr[pick].sum())))  # fmt: skip
    return sorted(out, key=lambda t: (-t.accounts, -t.arr))


def compare_books(
    before: tuple[HealthScores, ChurnScores], after: tuple[HealthScores, ChurnScores], top: int = TOP_MOVES
) -> BookChange:
    """Which accounts and how much ARR change health class or risk tier between two scorings."""
    (h0, c0), (h1, c1) = before, after
    table = h0.table
    arr = np.nan_to_num(table.values["arr"])
    class_moved = h0.classes != h1.classes
    tier_moved = c0.tiers != c1.tiers
    either = np.flatnonzero(class_moved | tier_moved)
    largest = either[np.argsort(-arr[either], kind="stable")][:top].tolist()
    both = ~np.isnan(h0.overall) & ~np.isnan(h1.overall)
    moves = [
        MovedAccount(
            customer_id=table.ids[r], name=table.names[r], arr=float(arr[r]),
            health_before=_number(h0.overall[r]), health_after=_number(h1.overall[r]),
            class_before=h0.classification(r), class_after=h1.classification(r),
            risk_before=float(c0.risk[r]), risk_after=float(c1.risk[r]), tier_before=c0.tier(r),
            tier_after=c1.tier(r),
        )
        for r in largest
    ]  # fmt: skip
    return BookChange(
        as_of=c0.as_of, profile_before=c0.profile.name, profile_after=c1.profile.name, accounts=table.size,
        class_changed=int(class_moved.sum()), class_changed_arr=float(arr[class_moved].sum()),
        tier_changed=int(tier_moved.sum()), tier_changed_arr=float(arr[tier_moved].sum()),
        arr_at_risk_before=float(arr[is_at_risk(c0.tiers)].sum()),
        arr_at_risk_after=float(arr[is_at_risk(c1.tiers)].sum()),
        mean_health_change=_exact(float(np.mean((h1.overall - h0.overall)[both]))) if both.any() else None,
        mean_risk_change=_exact(float(np.mean(c1.risk - c0.risk))) if table.size else 0.0,
        class_transitions=_transitions(h0.classes, h1.classes, tuple(HEALTH_CLASSES), arr),
        tier_transitions=_transitions(c0.tiers, c1.tiers, tuple(RISK_TIERS), arr),
        largest_moves=moves,
    )  # fmt: skip
