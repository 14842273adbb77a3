"""Expansion opportunities: seats, tier upgrades, module cross-sell and new departments.

`score_expansion` computes every account's opportunities and keeps the totals and the top
one; `ExpansionScores.explain(row)` rebuilds one account's full list with its rationale.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain
from typing import NamedTuple

import numpy as np

from customer_success_mcp.scoring.coded import pairs
from customer_success_mcp.scoring.models import AdoptionSummary, ExpansionExplanation, Opportunity
from customer_success_mcp.scoring.numeric import clamp, py_round
from customer_success_mcp.scoring.profile import Profile
from customer_success_mcp.scoring.table import AccountTable
from customer_success_mcp.scoring.vocabulary import HEALTH_CLASSES, HealthClass

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
    rank: np.ndarray | None = None  # within an account, the order its entries were listed in (modules)


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
    held, which = pairs(table.labels["contract.plan_tier"], table.lists["contract.available_tiers"])
    upgrades: list[tuple[str, float] | None] = []  # per (tier, offered tiers) pair the rows hold
    for current, offered in held:
        key = (current, default_offer if offered is None else tuple(offered))
        if current is not None and key not in memo:
            memo[key] = _next_tier(current, key[1], profile)
        upgrades.append(None if current is None else memo[key])
    idx = np.flatnonzero(np.array([u is not None for u in upgrades], dtype=bool)[which])
    pair = which[idx]
    from_mult = np.array([ladder.get(current, unknown) for current, _ in held])  # None: no upgrade, unused
    to_mult = np.array([u[1] if u is not None else 1.0 for u in upgrades])
    arr = table.values["arr"][idx]
    revenue = py_round(arr / from_mult[pair] * to_mult[pair] - arr, 0)
    targets: list[str | None] = [u[0] for u in map(upgrades.__getitem__, pair.tolist()) if u is not None]
    return _Found(1, idx, revenue, targets)


def _module_cross_sell(table: AccountTable, profile: Profile) -> _Found:
    fractions, other = profile.expansion.module_fractions, profile.expansion.other_module_fraction
    usage = table.modules
    share = np.array([fractions.get(module, other) for module in usage.names], dtype=float)
    entries = np.flatnonzero((share[usage.module] > 0) & (usage.adopted != 1))  # not adopted, or not said
    idx = usage.rows[entries]
    names = [usage.names[m] for m in usage.module[entries].tolist()]
    revenue = py_round(table.values["arr"][idx] * share[usage.module[entries]], 0)
    return _Found(2, idx, revenue, names, rank=usage.rank[entries])


UNLISTED = "one of "  # the subject of a department expansion counted as one (no current departments listed)


def _new_departments(potential: list[str] | None, listed: list[str] | None, as_one: bool) -> list[str]:
    """One account's department opportunities, in the order it lists them."""
    if not potential:
        return []
    if as_one and not listed:
        # Which departments use the product is unknown: count one more department, not each one named.
        return [UNLISTED + ", ".join(dict.fromkeys(potential))]
    have = {d.lower() for d in listed or []}
    return [dept for dept in potential if dept.lower() not in have]


def _department_expansion(table: AccountTable, profile: Profile) -> _Found:
    as_one = profile.expansion.unlisted_departments_as_one
    held, which = pairs(table.lists["departments.potential"], table.lists["departments.current"])
    found = [_new_departments(potential, listed, as_one) for potential, listed in held]
    counts = np.array([len(names) for names in found], dtype=np.intp)[which]
    idx = np.repeat(np.arange(which.size, dtype=np.intp), counts)
    names: list[str | None] = list(chain.from_iterable(map(found.__getitem__, which.tolist())))
    # each opportunity's share of the account's ARR: one of its current departments (one if none listed)
    divisor = np.array([max(len(listed or []), 1) for _, listed in held], dtype=float)
    per_department = table.values["arr"][idx] / np.repeat(divisor[which], counts)
    revenue = py_round(per_department * profile.expansion.department_factor, 0)
    return _Found(3, idx, revenue, names)


def _priorities(revenue: np.ndarray, effort: str, profile: Profile) -> np.ndarray:
    """round(clamp(revenue / unit) x effort multiplier, 1)."""
    exp = profile.expansion
    scaled = clamp(revenue / exp.priority_revenue_unit)
    return py_round(scaled * exp.effort_multipliers[effort], 1)


_TYPES = {"seat_expansion": "expansion", "tier_upgrade": "upsell",
          "module_cross_sell": "cross_sell", "department_expansion": "expansion"}  # fmt: skip


def describe(
    opp: RawOpportunity,
    current_tier: str | None,
    utilisation: float | None,
    *,
    counted_in_net: bool = True,
    after_renewal: bool = False,
) -> Opportunity:
    """Put one opportunity into words."""
    money = f"${opp.revenue:,.0f}"
    if opp.category == "seat_expansion":
        why = f"{utilisation or 0:.0f}% of seats in use: room for about {opp.seats} more ({money} ARR)"
    elif opp.category == "tier_upgrade":
        why = f"Moving from {current_tier} to {opp.subject} adds {money} ARR"
    elif opp.category == "module_cross_sell":
        why = f"{opp.subject} not adopted yet: {money} potential ARR"
    elif opp.subject and opp.subject.startswith(UNLISTED):
        why = (f"One more department ({opp.subject}) could add about {money} ARR; no current departments "
               "are listed, so it counts as one")  # fmt: skip
    else:
        why = f"The {opp.subject} department could add about {money} ARR"
    if not counted_in_net:
        why += " (overlaps the larger seat or tier estimate: left out of the net)"
    if after_renewal:
        why += "; after the renewal is secured"
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
        counted_in_net=counted_in_net,
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
    in_net: np.ndarray  # per opportunity: counted in the net estimate (False: overlapped by a larger one)
    total_revenue: np.ndarray  # gross: every opportunity of the account
    net_revenue: np.ndarray  # without the smaller of a seat expansion and a tier upgrade on one account
    weighted_revenue: np.ndarray  # net x the profile's likelihood for the account's health class
    likelihood: np.ndarray
    health_classes: np.ndarray
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
        modules = t.modules.of(row)
        adopted = [float(e.get("usage_pct", 0)) for e in modules.values() if e.get("adopted", False)]
        licensed = float(t.values["contract.licensed_seats"][row])
        active = float(t.values["contract.active_seats"][row])
        threshold = self.profile.expansion.enablement_usage_below
        utilisation: float | None = round(active / max(licensed, 1) * 100, 1)
        if self.profile.health.missing_inputs == "omit" and not licensed > 0:
            utilisation = None  # no seats licensed (or none on file): there is no utilisation to state
        return AdoptionSummary(
            total_modules=len(modules),
            adopted_modules=len(adopted),
            adoption_rate=round(len(adopted) / len(modules) * 100, 1) if modules else 0.0,
            avg_usage_pct=round(sum(adopted) / len(adopted), 1) if adopted else 0.0,
            seat_utilisation=utilisation,
            current_tier=t.labels["contract.plan_tier"][row],
            departments_covered=len(t.listed("departments.current", row)),
            departments_potential=len(t.listed("departments.potential", row)),
            enablement_needed=[
                m for m, e in modules.items() if e.get("adopted", False) and e.get("usage_pct", 0) < threshold
            ],
        )

    def health_class(self, row: int) -> HealthClass:
        return HEALTH_CLASSES[self.health_classes[row]]

    def explain(self, row: int) -> ExpansionExplanation:
        summary = self.adoption(row)
        found = self.opportunities(row)
        wait = self.profile.expansion.after_renewal_on_red and self.health_class(row) == HealthClass.RED
        counted = self.in_net[int(self.starts[row]) : int(self.starts[row + 1])].tolist()
        return ExpansionExplanation(
            total_estimated_revenue=float(self.total_revenue[row]),
            net_estimated_revenue=float(self.net_revenue[row]),
            weighted_estimated_revenue=float(self.weighted_revenue[row]),
            likelihood=float(self.likelihood[row]),
            health_class=self.health_class(row),
            opportunity_count=len(found),
            opportunities=[
                describe(
                    o, summary.current_tier, summary.seat_utilisation, counted_in_net=c, after_renewal=wait
                )
                for o, c in zip(found, counted, strict=True)
            ],
            adoption_summary=summary,
            coverage=round(float(self.coverage[row]), 3),
        )


def _overlap(rows: np.ndarray, categories: np.ndarray, revenue: np.ndarray, size: int) -> np.ndarray:
    """Per opportunity, whether the net estimate counts it: of a seat expansion and a tier upgrade on the
    same account (both price the same ARR), only the larger is counted; a tie keeps the tier upgrade."""
    seat, tier = CATEGORIES.index("seat_expansion"), CATEGORIES.index("tier_upgrade")
    seat_rev = np.bincount(rows, weights=np.where(categories == seat, revenue, 0.0), minlength=size)
    tier_rev = np.bincount(rows, weights=np.where(categories == tier, revenue, 0.0), minlength=size)
    has_seat = np.bincount(rows, weights=categories == seat, minlength=size) > 0
    has_tier = np.bincount(rows, weights=categories == tier, minlength=size) > 0
    both = has_seat & has_tier
    drop_seat = both & (seat_rev <= tier_rev)
    drop_tier = both & ~drop_seat
    return ~(((categories == seat) & drop_seat[rows]) | ((categories == tier) & drop_tier[rows]))


def score_expansion(
    table: AccountTable, profile: Profile, health_classes: np.ndarray | None = None
) -> ExpansionScores:
    """Find every account's expansion opportunities, priced and prioritised, gross, net and weighted.

    `health_classes` (the health scorer's codes) sets each account's likelihood; without them every
    account takes the insufficient-data likelihood.
    """
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
    ranks = np.concatenate([f.rank if f.rank is not None else np.zeros(f.rows.size, np.int64) for f in found])
    # Per account: priority, highest first; ties keep discovery order (seats, tier, modules in the order
    # the account lists them, departments).
    order = np.lexsort((np.arange(rows.size), ranks, categories, -priority, rows))
    rows, categories, revenue, priority, seats = (
        rows[order],
        categories[order],
        revenue[order],
        priority[order],
        seats[order],
    )
    subjects = [subjects[i] for i in order.tolist()]
    starts = np.searchsorted(rows, np.arange(table.size + 1))
    exp = profile.expansion
    in_net = (
        _overlap(rows, categories, revenue, table.size) if exp.net_of_overlap else np.ones(rows.size, bool)
    )
    total = np.bincount(rows, weights=revenue, minlength=table.size)
    net = np.bincount(rows, weights=np.where(in_net, revenue, 0.0), minlength=table.size)
    if health_classes is None:
        health_classes = np.full(table.size, HealthClass.INSUFFICIENT_DATA.code, dtype=np.int8)
    per_class = np.array([exp.likelihood[c] for c in HEALTH_CLASSES])
    likelihood = per_class[health_classes]
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
        in_net=in_net,
        total_revenue=total,
        net_revenue=net,
        weighted_revenue=np.round(net * likelihood, 0),
        likelihood=likelihood,
        health_classes=health_classes,
        counts=np.bincount(rows, minlength=table.size).astype(np.int32),
        coverage=coverage,
    )
