"""Expansion opportunities: seats, tier upgrades, module cross-sell and new departments.

`score_expansion` computes every account's opportunities and keeps the totals and the top
one; `ExpansionScores.explain(row)` rebuilds one account's full list with its rationale.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from customer_success_mcp.scoring.models import AdoptionSummary, ExpansionExplanation, Opportunity
from customer_success_mcp.scoring.numeric import clamp, py_round
from customer_success_mcp.scoring.profile import Profile
from customer_success_mcp.scoring.table import AccountTable

COVERAGE_FIELDS = ("contract.licensed_seats", "contract.active_seats", "contract.plan_tier",
                   "product_usage", "departments.current", "departments.potential")  # fmt: skip


CATEGORIES = ("seat_expansion", "tier_upgrade", "module_cross_sell", "department_expansion")
EFFORTS = ("low", "medium", "low", "high")


class RawOpportunity(NamedTuple):
    """An opportunity before it is put into words."""

    category: str
    subject: str | None
    revenue: float
    effort: str
    priority: float
    seats: int | None = None


def _next_tier(current: str, offered: tuple[str, ...], profile: Profile) -> tuple[str, float] | None:
    """The offered tier with the smallest multiplier above the current one, whatever the order."""
    ladder, unknown = profile.expansion.tier_multipliers, profile.expansion.unknown_tier_multiplier
    current_mult = ladder.get(current, unknown)
    above = [(ladder.get(t, unknown), t) for t in set(offered) if ladder.get(t, unknown) > current_mult]
    if not above:
        return None
    mult, tier = min(above)
    return tier, mult


@dataclass(frozen=True)
class _Found:
    """Opportunities of one category across the table, in discovery order."""

    category: int
    rows: np.ndarray
    revenue: np.ndarray
    subjects: list[str | None]
    seats: np.ndarray | None = None


def _seat_expansion(table: AccountTable, profile: Profile) -> _Found:
    v = table.values
    licensed, active = v["contract.licensed_seats"], v["contract.active_seats"]
    util = np.divide(active, licensed, out=np.zeros(table.size), where=licensed > 0)
    rows = np.flatnonzero((licensed > 0) & (util >= profile.expansion.seat_utilisation_trigger))
    factor = np.array([profile.segments[table.segments[r]].seat_expansion_factor for r in rows.tolist()])
    factor = factor.reshape(-1)
    revenue = py_round(v["arr"][rows] * factor, 0)
    seats = np.floor(licensed[rows] * factor).astype(np.int64)
    return _Found(0, rows, revenue, [None] * rows.size, seats)


def _tier_upgrade(table: AccountTable, profile: Profile) -> _Found:
    exp = profile.expansion
    ladder, unknown = exp.tier_multipliers, exp.unknown_tier_multiplier
    default_offer = tuple(ladder)
    memo: dict[tuple, tuple[str, float] | None] = {}
    rows: list[int] = []
    targets: list[str | None] = []
    current_mult: list[float] = []
    target_mult: list[float] = []
    for row, current in enumerate(table.labels["contract.plan_tier"]):
        if current is None:
            continue
        offered = table.records[row]["available_tiers"]
        key = (current, default_offer if offered is None else tuple(offered))
        if key not in memo:
            memo[key] = _next_tier(current, key[1], profile)
        upgrade = memo[key]
        if upgrade is not None:
            rows.append(row)
            targets.append(upgrade[0])
            current_mult.append(ladder.get(current, unknown))
            target_mult.append(upgrade[1])
    idx = np.asarray(rows, dtype=np.intp)
    arr = table.values["arr"][idx]
    revenue = py_round(arr / np.asarray(current_mult, float) * np.asarray(target_mult, float) - arr, 0)
    return _Found(1, idx, revenue, targets)


def _module_cross_sell(table: AccountTable, profile: Profile) -> _Found:
    fractions, other = profile.expansion.module_fractions, profile.expansion.other_module_fraction
    rows, names, shares = [], [], []
    for row, rec in enumerate(table.records):
        for module, entry in rec["modules"].items():
            fraction = fractions.get(module, other)
            if fraction > 0 and not entry.get("adopted", False):
                rows.append(row)
                names.append(module)
                shares.append(fraction)
    idx = np.asarray(rows, dtype=np.intp)
    revenue = py_round(table.values["arr"][idx] * np.asarray(shares, float), 0)
    return _Found(2, idx, revenue, names)


def _department_expansion(table: AccountTable, profile: Profile) -> _Found:
    rows, names, divisors = [], [], []
    for row, rec in enumerate(table.records):
        potential = rec["departments_potential"]
        if not potential:
            continue
        current = rec["departments_current"]
        have = {d.lower() for d in current}
        for dept in potential:
            if dept.lower() not in have:
                rows.append(row)
                names.append(dept)
                divisors.append(max(len(current), 1))
    idx = np.asarray(rows, dtype=np.intp)
    per_department = table.values["arr"][idx] / np.asarray(divisors, float)
    revenue = py_round(per_department * profile.expansion.department_factor, 0)
    return _Found(3, idx, revenue, names)


def _priorities(revenue: np.ndarray, effort: str, profile: Profile) -> np.ndarray:
    """round(clamp(revenue / unit) x effort multiplier, 1)."""
    exp = profile.expansion
    scaled = clamp(revenue / exp.priority_revenue_unit)
    return py_round(scaled * exp.effort_multipliers[effort], 1)


_TYPES = {"seat_expansion": "expansion", "tier_upgrade": "upsell",
          "module_cross_sell": "cross_sell", "department_expansion": "expansion"}  # fmt: skip


def describe(opp: RawOpportunity, current_tier: str | None, utilisation: float) -> Opportunity:
    """Put one opportunity into words."""
    money = f"${opp.revenue:,.0f}"
    if opp.category == "seat_expansion":
        why = f"{utilisation:.0f}% of seats in use: room for about {opp.seats} more ({money} ARR)"
    elif opp.category == "tier_upgrade":
        why = f"Moving from {current_tier} to {opp.subject} adds {money} ARR"
    elif opp.category == "module_cross_sell":
        why = f"{opp.subject} not adopted yet: {money} potential ARR"
    else:
        why = f"The {opp.subject} department could add about {money} ARR"
    return Opportunity(
        type=_TYPES[opp.category],
        category=opp.category,
        estimated_revenue=opp.revenue,
        effort=opp.effort,
        rationale=why,
        priority_score=opp.priority,
        target_tier=opp.subject if opp.category == "tier_upgrade" else None,
        module=opp.subject if opp.category == "module_cross_sell" else None,
        department=opp.subject if opp.category == "department_expansion" else None,
        additional_seats=opp.seats,
    )


@dataclass(frozen=True)
class ExpansionScores:
    """Every opportunity of every account, as one flat table sorted by account then priority."""

    table: AccountTable
    profile: Profile
    rows: np.ndarray
    categories: np.ndarray
    subjects: list[str | None]
    revenue: np.ndarray
    priority: np.ndarray
    seats: np.ndarray
    starts: np.ndarray
    total_revenue: np.ndarray
    counts: np.ndarray
    coverage: np.ndarray

    def opportunities(self, row: int) -> list[RawOpportunity]:
        """One account's opportunities, highest priority first (ties keep discovery order)."""
        out = []
        for i in range(int(self.starts[row]), int(self.starts[row + 1])):
            cat = int(self.categories[i])
            seats = int(self.seats[i])
            out.append(RawOpportunity(CATEGORIES[cat], self.subjects[i], float(self.revenue[i]),
                                      EFFORTS[cat], float(self.priority[i]),
                                      seats if seats >= 0 else None))  # fmt: skip
        return out

    def top(self, row: int) -> RawOpportunity | None:
        """The highest-priority opportunity of one account, if any."""
        found = self.opportunities(row)
        return found[0] if found else None

    def adoption(self, row: int) -> AdoptionSummary:
        t = self.table
        rec = t.records[row]
        modules = rec["modules"]
        adopted = [float(e.get("usage_pct", 0)) for e in modules.values() if e.get("adopted", False)]
        licensed = float(t.values["contract.licensed_seats"][row])
        active = float(t.values["contract.active_seats"][row])
        threshold = self.profile.expansion.enablement_usage_below
        return AdoptionSummary(
            total_modules=len(modules),
            adopted_modules=len(adopted),
            adoption_rate=round(len(adopted) / len(modules) * 100, 1) if modules else 0.0,
            avg_usage_pct=round(sum(adopted) / len(adopted), 1) if adopted else 0.0,
            seat_utilisation=round(active / max(licensed, 1) * 100, 1),
            current_tier=t.labels["contract.plan_tier"][row],
            departments_covered=len(rec["departments_current"]),
            departments_potential=len(rec["departments_potential"]),
            enablement_needed=[
                m for m, e in modules.items() if e.get("adopted", False) and e.get("usage_pct", 0) < threshold
            ],
        )

    def explain(self, row: int) -> ExpansionExplanation:
        summary = self.adoption(row)
        found = self.opportunities(row)
        return ExpansionExplanation(
            total_estimated_revenue=float(self.total_revenue[row]),
            opportunity_count=len(found),
            opportunities=[describe(o, summary.current_tier, summary.seat_utilisation) for o in found],
            adoption_summary=summary,
            coverage=round(float(self.coverage[row]), 3),
        )


def score_expansion(table: AccountTable, profile: Profile) -> ExpansionScores:
    """Find every account's expansion opportunities, priced and prioritised."""
    found = [
        _seat_expansion(table, profile),
        _tier_upgrade(table, profile),
        _module_cross_sell(table, profile),
        _department_expansion(table, profile),
    ]
    rows = np.concatenate([f.rows for f in found]).astype(np.intp)
    categories = np.concatenate([np.full(f.rows.size, f.category, np.int8) for f in found])
    revenue = np.concatenate([f.revenue for f in found]).astype(float)
    priority = np.concatenate([_priorities(f.revenue, EFFORTS[f.category], profile) for f in found])
    seats = np.concatenate([f.seats if f.seats is not None else np.full(f.rows.size, -1) for f in found])
    subjects = [s for f in found for s in f.subjects]
    # Per account: priority, highest first; ties keep discovery order (seats, tier, modules, departments).
    order = np.lexsort((np.arange(rows.size), -priority, rows))
    rows, categories, revenue, priority, seats = (
        rows[order],
        categories[order],
        revenue[order],
        priority[order],
        seats[order],
    )
    subjects = [subjects[i] for i in order.tolist()]
    starts = np.searchsorted(rows, np.arange(table.size + 1))
    coverage = np.mean([table.present[f] for f in COVERAGE_FIELDS], axis=0) if table.size else np.zeros(0)
    return ExpansionScores(
        table=table,
        profile=profile,
        rows=rows,
        categories=categories,
        subjects=subjects,
        revenue=revenue,
        priority=priority,
        seats=seats,
        starts=starts,
        total_revenue=np.bincount(rows, weights=revenue, minlength=table.size),
        counts=np.bincount(rows, minlength=table.size).astype(np.int32),
        coverage=coverage,
    )
