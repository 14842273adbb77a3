"""Portfolio aggregates: the numbers behind `csm report` and the portfolio overview.

Everything here is computed from the three scorers' arrays; words are produced only for
the handful of accounts the summary names.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from customer_success_mcp.formatting import money, share
from customer_success_mcp.scoring.churn import ChurnScores
from customer_success_mcp.scoring.expansion import ExpansionScores
from customer_success_mcp.scoring.health import HealthScores
from customer_success_mcp.scoring.models import (
    AtRiskAccount,
    Bucket,
    DataQuality,
    ExpansionReadyAccount,
    PortfolioSummary,
    RecommendedAction,
    RenewalWindow,
    TargetCheck,
)
from customer_success_mcp.scoring.profile import Profile
from customer_success_mcp.scoring.table import AccountTable
from customer_success_mcp.scoring.vocabulary import (
    HEALTH_CLASSES,
    RISK_TIERS,
    HealthClass,
    RiskTier,
    Trend,
    in_classes,
    in_tiers,
    is_at_risk,
)

TOP_ACCOUNTS = 5


def _buckets(names: tuple[str, ...] | list[str], codes: np.ndarray, arr: np.ndarray) -> list[Bucket]:
    total_n, total_arr = max(len(codes), 1), float(arr.sum()) or 1.0
    out = []
    for code, name in enumerate(names):
        mask = codes == code
        n, value = int(mask.sum()), float(arr[mask].sum())
        out.append(Bucket(name=name, accounts=n, arr=value, account_share=round(n / total_n, 4),
                          arr_share=round(value / total_arr, 4)))  # fmt: skip
    return out


def reasons_for(row: int, health: HealthScores, churn: ChurnScores, limit: int = 3) -> list[str]:
    """The main drivers of an account's risk, most severe first, in a few words each."""
    reasons = [w.signal for w in churn.warnings(row)][:limit]
    if len(reasons) < limit:
        weakest = sorted(health.dimensions.items(), key=lambda kv: kv[1][row])
        for name, scores in weakest:
            if len(reasons) >= limit or health.dimension_classes[name][row] == HealthClass.GREEN.code:
                break
            reasons.append(f"{name} health {float(scores[row]):g}")
    return reasons


def _opportunity_words(expansion: ExpansionScores, row: int) -> tuple[str, float]:
    top = expansion.top(row)
    if top is None:
        return "", 0.0
    label = top.category.replace("_", " ")
    return (f"{label}: {top.subject}" if top.subject else label), top.revenue


def _at_risk(table: AccountTable, health: HealthScores, churn: ChurnScores) -> list[AtRiskAccount]:
    risky = np.flatnonzero(is_at_risk(churn.tiers))
    # Critical before high; within a tier, the largest ARR first.
    order = risky[np.lexsort((-table.values["arr"][risky], churn.tiers[risky]))][:TOP_ACCOUNTS]
    return [
        AtRiskAccount(
            customer_id=table.ids[r], name=table.names[r], segment=table.segments[r],
            arr=float(table.values["arr"][r]), risk_score=float(churn.risk[r]),
            risk_tier=churn.tier(r), health_score=float(health.overall[r]),
            health_class=health.classification(r),
            days_to_renewal=churn.days_left(r), contract_status=churn.status(r),
            renewal_date=churn.renewal_date(r),
            reasons=reasons_for(r, health, churn),
        )
        for r in order.tolist()
    ]  # fmt: skip


def _expansion_ready(table: AccountTable, health: HealthScores, churn: ChurnScores,
                     expansion: ExpansionScores) -> list[ExpansionReadyAccount]:  # fmt: skip
    healthy = in_classes(health.classes, HealthClass.GREEN) & ~is_at_risk(churn.tiers)
    ready = np.flatnonzero(healthy & (expansion.counts > 0))
    order = ready[np.argsort(-expansion.total_revenue[ready], kind="stable")][:TOP_ACCOUNTS]
    out = []
    for r in order.tolist():
        words, revenue = _opportunity_words(expansion, r)
        out.append(ExpansionReadyAccount(
            customer_id=table.ids[r], name=table.names[r], segment=table.segments[r],
            arr=float(table.values["arr"][r]), health_score=float(health.overall[r]),
            estimated_revenue=float(expansion.total_revenue[r]),
            top_opportunity=words, top_opportunity_revenue=revenue,
        ))  # fmt: skip
    return out


def _largest(arr: np.ndarray, rows: np.ndarray) -> list[int]:
    return rows[np.argsort(-arr[rows], kind="stable")][:TOP_ACCOUNTS].tolist()


def _names(table: AccountTable, rows: list[int]) -> list[str]:
    return [f"{table.names[r]} ({table.ids[r]})" for r in rows]


def _actions(table: AccountTable, profile: Profile, as_of: dt.date, health: HealthScores,
             churn: ChurnScores, renewal_rows: np.ndarray, ready: list[ExpansionReadyAccount],
             rejected: int, low_coverage: int) -> list[RecommendedAction]:  # fmt: skip
    """Three to five actions, most urgent first, each with an owner, a date and the accounts it names."""
    arr = table.values["arr"]
    actions: list[RecommendedAction] = []

    def add(action: str, owner: str, days: int, concerned: np.ndarray | list[int] | None = None) -> None:
        rows = np.asarray([] if concerned is None else concerned, dtype=np.intp)
        top = rows[np.argsort(-arr[rows], kind="stable")][:TOP_ACCOUNTS].tolist()
        actions.append(RecommendedAction(
            action=action, owner=owner, due=as_of + dt.timedelta(days=days),
            accounts=[table.ids[r] for r in top], account_names=[table.names[r] for r in top],
            account_count=int(rows.size),
        ))  # fmt: skip

    for tier in (RiskTier.CRITICAL, RiskTier.HIGH):
        rows = np.flatnonzero(in_tiers(churn.tiers, tier))
        if rows.size:
            plan = profile.interventions[tier]
            add(f"{plan.label} for {rows.size} {tier}-risk account(s) ({money(float(arr[rows].sum()))} ARR)",
                plan.owner, plan.respond_within_days, rows)  # fmt: skip
    not_green = renewal_rows[~in_classes(health.classes[renewal_rows], HealthClass.GREEN)]
    if not_green.size:
        at_stake = money(float(arr[not_green].sum()))
        add(f"Build renewal plans for {not_green.size} account(s) renewing soon, not green ({at_stake} ARR)",
            "CSM with the account executive", 14, not_green)  # fmt: skip
    quiet_red = np.flatnonzero(in_classes(health.classes, HealthClass.RED) & ~is_at_risk(churn.tiers))
    if quiet_red.size:
        add(f"Health check for {quiet_red.size} red account(s) whose churn signals are still quiet",
            "CSM", 14, quiet_red)  # fmt: skip
    slipping = np.flatnonzero(
        in_classes(health.classes, HealthClass.GREEN) & (health.trend == Trend.DECLINING.code)
    )
    if slipping.size:
        add(f"Check in with {slipping.size} green account(s) whose health is falling", "CSM", 14, slipping)
    if ready:
        ready_rows = [table.ids.index(a.customer_id) for a in ready]
        total = sum(a.estimated_revenue for a in ready)
        add(f"Open expansion conversations with the top {len(ready)} healthy account(s) "
            f"({money(total)} estimated)", "CSM with the account executive", 30, ready_rows)  # fmt: skip
    if rejected or low_coverage:
        add(
            f"Fix the data: {rejected} rejected account(s), {low_coverage} with thin data", "CS operations", 7
        )
    # Always worth doing, so the list never runs short of three.
    cadence = min(s.review_every_days for s in profile.segments.values())
    add("Score the portfolio again to see what moved (the fastest segment cadence)", "CS operations", cadence)
    yellow = np.flatnonzero(in_classes(health.classes, HealthClass.YELLOW))
    if yellow.size:
        add(f"Review the weakest health dimension of the {yellow.size} yellow account(s) with their CSMs",
            "CS team lead", 14, yellow)  # fmt: skip
    if renewal_rows.size:
        add("Confirm renewal dates and main contacts are current for the accounts renewing soon",
            "CSM", 30, renewal_rows)  # fmt: skip
    add("Schedule the next business reviews with the largest accounts, at their segment's cadence",
        "CSM", 30, np.arange(table.size))  # fmt: skip
    add("Confirm each account's main contact and executive sponsor are current in the CRM",
        "CS team lead", 14, np.arange(table.size))  # fmt: skip
    return actions[:5]


def _target_checks(
    profile: Profile, green_share: float, red_share: float, average: float
) -> list[TargetCheck]:
    t = profile.targets
    return [
        TargetCheck(metric="green share", actual=round(green_share, 4),
                    target=f">= {share(t.green_share_min)}", met=green_share >= t.green_share_min),
        TargetCheck(metric="red share", actual=round(red_share, 4),
                    target=f"< {share(t.red_share_max)}", met=red_share < t.red_share_max),
        TargetCheck(metric="average health", actual=average,
                    target=f"> {t.average_health_min:g}", met=average > t.average_health_min),
    ]  # fmt: skip


def summarise_portfolio(
    table: AccountTable,
    profile: Profile,
    as_of: dt.date,
    health: HealthScores,
    churn: ChurnScores,
    expansion: ExpansionScores,
    *,
    renewal_window_days: int = 90,
    rejected: int = 0,
    total: int | None = None,
    notes: list[str] | None = None,
) -> PortfolioSummary:
    """Aggregate a scored table into the portfolio summary."""
    n = table.size
    arr = table.values["arr"]
    seg_names = list(profile.segments)
    seg_codes = np.fromiter((seg_names.index(s) for s in table.segments), np.int8, n)
    until_end = churn.days  # signed; NaN where no end date
    in_window = np.flatnonzero((until_end >= 0) & (until_end <= renewal_window_days))
    overdue = int((until_end < 0).sum())
    not_green = in_window[~in_classes(health.classes[in_window], HealthClass.GREEN)]
    green_share = float(in_classes(health.classes, HealthClass.GREEN).mean()) if n else 0.0
    red_share = float(in_classes(health.classes, HealthClass.RED).mean()) if n else 0.0
    average = round(float(health.overall.mean()), 1) if n else 0.0
    floor = profile.targets.low_coverage_below
    low_cov = int(((health.coverage < floor) | (churn.coverage < floor)).sum())
    at_risk = _at_risk(table, health, churn)
    ready = _expansion_ready(table, health, churn, expansion)
    quality_notes = list(notes or [])
    if low_cov:
        quality_notes.append(
            f"{low_cov} account(s) supplied under {share(floor)} of the scoring inputs; "
            "their scores lean on fallback values"
        )
    return PortfolioSummary(
        as_of=as_of,
        profile=profile.name,
        accounts=n,
        total_arr=float(arr.sum()),
        average_health=average,
        average_risk=round(float(churn.risk.mean()), 1) if n else 0.0,
        by_health=_buckets(HEALTH_CLASSES, health.classes, arr),
        by_risk_tier=_buckets(RISK_TIERS, churn.tiers, arr),
        by_segment=_buckets(seg_names, seg_codes, arr),
        renewals=RenewalWindow(
            days=renewal_window_days,
            ends_on=as_of + dt.timedelta(days=renewal_window_days),
            accounts=int(in_window.size),
            arr=float(arr[in_window].sum()),
            not_green=int(not_green.size),
            not_green_arr=float(arr[not_green].sum()),
            overdue=overdue,
            not_green_accounts=_names(table, _largest(arr, not_green)),
            overdue_accounts=_names(table, _largest(arr, np.flatnonzero(until_end < 0))),
        ),
        arr_at_risk=float(arr[is_at_risk(churn.tiers)].sum()),
        at_risk_accounts=at_risk,
        expansion_pipeline=float(expansion.total_revenue.sum()),
        expansion_ready_total=float(sum(a.estimated_revenue for a in ready)),
        expansion_ready=ready,
        actions=_actions(table, profile, as_of, health, churn, in_window, ready, rejected, low_cov),
        targets=_target_checks(profile, green_share, red_share, average),
        data_quality=DataQuality(
            total=total if total is not None else n + rejected,
            accepted=n,
            rejected=rejected,
            low_coverage_accounts=low_cov,
            notes=quality_notes,
        ),
    )
