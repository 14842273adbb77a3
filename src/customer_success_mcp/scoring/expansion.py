"""Expansion opportunities: seats, tier upgrades, module cross-sell and new departments.

`score_expansion` computes every account's opportunities and keeps the totals and the top
one; `ExpansionScores.explain(row)` rebuilds one account's full list with its rationale.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from customer_success_mcp.scoring.models import AdoptionSummary, ExpansionExplanation, Opportunity
from customer_success_mcp.scoring.profile import Profile
from customer_success_mcp.scoring.table import AccountTable

COVERAGE_FIELDS = ("contract.licensed_seats", "contract.active_seats", "contract.plan_tier",
                   "product_usage", "departments.current", "departments.potential")  # fmt: skip


class RawOpportunity(NamedTuple):
    """An opportunity before it is put into words."""

    category: str
    subject: str | None
    revenue: float
    effort: str
    priority: float
    seats: int | None = None


def _priority(revenue: float, effort: str, profile: Profile) -> float:
    exp = profile.expansion
    scaled = min(max(revenue / exp.priority_revenue_unit, 0.0), 100.0)
    return round(scaled * exp.effort_multipliers[effort], 1)


def _next_tier(current: str, offered: list[str], profile: Profile) -> tuple[str, float] | None:
    """The offered tier with the smallest multiplier above the current one, whatever the order."""
    ladder, unknown = profile.expansion.tier_multipliers, profile.expansion.unknown_tier_multiplier
    current_mult = ladder.get(current, unknown)
    above = [(ladder.get(t, unknown), t) for t in set(offered) if ladder.get(t, unknown) > current_mult]
    if not above:
        return None
    mult, tier = min(above)
    return tier, mult


def opportunities(table: AccountTable, row: int, profile: Profile) -> list[RawOpportunity]:
    """One account's opportunities, highest priority first (ties keep discovery order)."""
    exp = profile.expansion
    v = table.values
    arr = float(v["arr"][row])
    rec = table.records[row]
    found: list[RawOpportunity] = []

    licensed = float(v["contract.licensed_seats"][row])
    active = float(v["contract.active_seats"][row])
    if licensed > 0 and active / licensed >= exp.seat_utilisation_trigger:
        factor = profile.segments[table.segments[row]].seat_expansion_factor
        revenue = round(arr * factor, 0)
        found.append(RawOpportunity("seat_expansion", None, revenue, "low",
                                    _priority(revenue, "low", profile), int(licensed * factor)))  # fmt: skip

    current = table.labels["contract.plan_tier"][row]
    if current is not None:
        offered = rec["available_tiers"] if rec["available_tiers"] is not None else list(exp.tier_multipliers)
        upgrade = _next_tier(current, offered, profile)
        if upgrade is not None:
            tier, mult = upgrade
            cur_mult = exp.tier_multipliers.get(current, exp.unknown_tier_multiplier)
            revenue = round(arr / cur_mult * mult - arr, 0)
            found.append(RawOpportunity("tier_upgrade", tier, revenue, "medium",
                                        _priority(revenue, "medium", profile)))  # fmt: skip

    fractions, other = exp.module_fractions, exp.other_module_fraction
    for module, (adopted, _usage) in rec["modules"].items():
        fraction = fractions.get(module, other)
        if not adopted and fraction > 0:
            revenue = round(arr * fraction, 0)
            found.append(RawOpportunity("module_cross_sell", module, revenue, "low",
                                        _priority(revenue, "low", profile)))  # fmt: skip

    current_depts = rec["departments_current"]
    have = {d.lower() for d in current_depts}
    per_department = arr / max(len(current_depts), 1)
    for dept in rec["departments_potential"]:
        if dept.lower() not in have:
            revenue = round(per_department * exp.department_factor, 0)
            found.append(RawOpportunity("department_expansion", dept, revenue, "high",
                                        _priority(revenue, "high", profile)))  # fmt: skip

    found.sort(key=lambda o: -o.priority)
    return found


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
    """Expansion for every account of a table: totals and the top opportunity per account."""

    table: AccountTable
    profile: Profile
    total_revenue: np.ndarray
    counts: np.ndarray
    top: list[RawOpportunity | None]
    coverage: np.ndarray

    def adoption(self, row: int) -> AdoptionSummary:
        t = self.table
        rec = t.records[row]
        modules = rec["modules"]
        adopted = [usage for ok, usage in modules.values() if ok]
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
            enablement_needed=[m for m, (ok, usage) in modules.items() if ok and usage < threshold],
        )

    def explain(self, row: int) -> ExpansionExplanation:
        summary = self.adoption(row)
        found = opportunities(self.table, row, self.profile)
        return ExpansionExplanation(
            total_estimated_revenue=float(self.total_revenue[row]),
            opportunity_count=len(found),
            opportunities=[describe(o, summary.current_tier, summary.seat_utilisation) for o in found],
            adoption_summary=summary,
            coverage=round(float(self.coverage[row]), 3),
        )


def score_expansion(table: AccountTable, profile: Profile) -> ExpansionScores:
    """Find every account's expansion opportunities; keep totals and the top one."""
    totals = np.zeros(table.size)
    counts = np.zeros(table.size, dtype=np.int32)
    top: list[RawOpportunity | None] = [None] * table.size
    for row in range(table.size):
        found = opportunities(table, row, profile)
        if found:
            totals[row] = sum(o.revenue for o in found)
            counts[row] = len(found)
            top[row] = found[0]
    coverage = sum(table.present[f].astype(float) for f in COVERAGE_FIELDS) / len(COVERAGE_FIELDS)
    return ExpansionScores(table, profile, totals, counts, top, coverage)
