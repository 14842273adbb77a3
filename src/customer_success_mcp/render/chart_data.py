"""The numbers for each chart kind, from a scored portfolio and its summary (no drawing here)."""

from __future__ import annotations

import datetime as dt

import numpy as np

from customer_success_mcp.formatting import money, plural
from customer_success_mcp.pipeline import ScoredPortfolio
from customer_success_mcp.render.chart_models import (
    AccountHealthChart,
    AreaScore,
    BreakdownChart,
    BreakdownKind,
    ChartKind,
    Drawable,
    HealthMigration,
    MigrationCell,
    RenewalMonth,
    RenewalsChart,
    RiskPoint,
    RiskVsArr,
)
from customer_success_mcp.render.draft_facts import DimensionFact
from customer_success_mcp.scoring.compare_models import Comparison
from customer_success_mcp.scoring.models import PortfolioSummary
from customer_success_mcp.scoring.vocabulary import HEALTH_CLASSES, RISK_TIERS, ContractStatus, is_at_risk

LABELLED_POINTS = 6
DEFAULT_RENEWAL_DAYS = 180

BREAKDOWN_TITLES: dict[BreakdownKind, str] = {
    "arr_by_health": "ARR by health class",
    "arr_by_risk_tier": "ARR by churn-risk tier",
    "arr_by_segment": "ARR by segment",
}


class ChartUnavailable(ValueError):
    """A chart the data cannot draw yet; the message says what is needed."""


MIGRATION_NEEDS = (
    "health_migration compares two snapshots of a portfolio, and this one has a single snapshot. Load its "
    "next export under the same name (load_portfolio with name=...; each load adds a snapshot) and chart "
    "again; meanwhile arr_by_health shows today's health mix."
)


def health_migration(comparison: Comparison) -> HealthMigration:
    """Accounts in both snapshots by health class before and after (the cells compare_snapshots gives),
    with the accounts added and lost."""
    return HealthMigration(
        title="Health class migration",
        from_as_of=comparison.from_as_of,
        to_as_of=comparison.to_as_of,
        classes=[c.value for c in HEALTH_CLASSES],
        cells=[
            MigrationCell(from_class=c.before, to_class=c.after, accounts=c.accounts, arr=c.arr)
            for c in comparison.health_migration
        ],
        new_accounts=comparison.added,
        gone_accounts=comparison.lost,
    )


def breakdown(summary: PortfolioSummary, kind: BreakdownKind) -> BreakdownChart:
    """ARR and accounts per health class, risk tier or segment (the summary's buckets, all of them)."""
    buckets = {
        "arr_by_health": summary.by_health,
        "arr_by_risk_tier": summary.by_risk_tier,
        "arr_by_segment": summary.by_segment,
    }[kind]
    return BreakdownChart(
        kind=kind,
        title=BREAKDOWN_TITLES[kind],
        as_of=summary.as_of,
        accounts=summary.accounts,
        total_arr=summary.total_arr,
        buckets=buckets,
    )


def _month_keys(first: dt.date, last: dt.date) -> list[str]:
    keys, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return keys


def renewals_by_month(scored: ScoredPortfolio, days: int = DEFAULT_RENEWAL_DAYS) -> RenewalsChart:
    """Contracts ending 0 to `days` days after as_of, by calendar month, ARR split by risk tier."""
    if not 0 <= days <= 3650:
        raise ValueError(f"the renewal window must be 0 to 3650 days, got {days}")
    as_of = scored.as_of
    ends_on = as_of + dt.timedelta(days=days)
    arr = scored.table.values["arr"]
    until = scored.churn.days
    rows = np.flatnonzero((until >= 0) & (until <= days))
    months = {
        key: {"accounts": 0, "arr": 0.0, **{t.value: 0.0 for t in RISK_TIERS}}
        for key in _month_keys(as_of, ends_on)
    }
    base = as_of.toordinal()
    for row, offset, tier in zip(
        rows.tolist(), until[rows].tolist(), scored.churn.tiers[rows].tolist(), strict=True
    ):
        end = dt.date.fromordinal(base + int(offset))
        bucket = months[f"{end.year:04d}-{end.month:02d}"]
        bucket["accounts"] += 1
        bucket["arr"] += float(arr[row])
        bucket[RISK_TIERS[tier].value] += float(arr[row])
    status = scored.churn.contract_status
    ended = np.flatnonzero(status == ContractStatus.ENDED.code)
    no_end = int((status == ContractStatus.NO_END_DATE.code).sum())
    left_out = (
        f"Not renewals, so left out: {plural(int(ended.size), 'contract')} already ended "
        f"({money(float(arr[ended].sum()))}) and {plural(no_end, 'account')} without a contract end date."
    )
    return RenewalsChart(
        title=f"Renewals in the next {plural(days, 'day')}, by month",
        as_of=as_of,
        days=days,
        ends_on=ends_on,
        accounts=int(rows.size),
        arr=float(arr[rows].sum()),
        at_risk_arr=float(arr[rows][is_at_risk(scored.churn.tiers[rows])].sum()),
        months=[
            RenewalMonth(
                month=key,
                accounts=int(v["accounts"]),
                arr=v["arr"],
                critical_arr=v["critical"],
                high_arr=v["high"],
                medium_arr=v["medium"],
                low_arr=v["low"],
            )
            for key, v in months.items()
        ],
        left_out=left_out,
    )


def _point(scored: ScoredPortfolio, row: int) -> RiskPoint:
    health = float(scored.health.overall[row])
    return RiskPoint(
        customer_id=scored.table.ids[row],
        name=scored.table.names[row],
        arr=float(scored.table.values["arr"][row]),
        risk_score=float(scored.churn.risk[row]),
        risk_tier=scored.churn.tier(row),
        health_score=None if health != health else health,
        health_class=scored.health.classification(row),
    )


def risk_vs_arr(scored: ScoredPortfolio, summary: PortfolioSummary) -> RiskVsArr:
    """Every account with ARR by ARR and risk; the largest at-risk accounts named."""
    arr = scored.table.values["arr"]
    plotted = np.flatnonzero(arr > 0)
    risky = plotted[is_at_risk(scored.churn.tiers[plotted])]
    named = risky[np.argsort(-arr[risky], kind="stable")][:LABELLED_POINTS]
    classes = scored.health.classes[plotted]
    return RiskVsArr(
        title="Churn risk against ARR",
        as_of=scored.as_of,
        accounts=int(plotted.size),
        not_plotted=int(scored.table.size - plotted.size),
        tier_floors=dict(scored.profile.churn.tier_floors),
        by_tier=summary.by_risk_tier,
        labelled=[_point(scored, r) for r in named.tolist()],
        arr=arr[plotted].tolist(),
        risk=scored.churn.risk[plotted].tolist(),
        health_class=[HEALTH_CLASSES[c].value for c in classes.tolist()],
    )


def account_health(name: str, as_of: dt.date, dimensions: list[DimensionFact]) -> AccountHealthChart:
    """One account's health by area, this period against the last (the areas a draft shows)."""
    return AccountHealthChart(
        title="Health by area",
        account=name,
        as_of=as_of,
        areas=[
            AreaScore(label=d.label, score=d.score, previous_score=d.previous_score,
                      classification=d.classification)
            for d in dimensions
        ],
    )  # fmt: skip


def chart_data(
    kind: ChartKind,
    scored: ScoredPortfolio,
    summary: PortfolioSummary,
    days: int = DEFAULT_RENEWAL_DAYS,
    comparison: Comparison | None = None,
) -> Drawable:
    """The numbers for one chart kind (health_migration from `comparison`, the latest two snapshots);
    ChartUnavailable when the data cannot support it."""
    if kind in BREAKDOWN_TITLES:
        return breakdown(summary, kind)
    if kind == "renewals_by_month":
        return renewals_by_month(scored, days)
    if kind == "risk_vs_arr":
        return risk_vs_arr(scored, summary)
    if kind == "health_migration":
        if comparison is None:
            raise ChartUnavailable(MIGRATION_NEEDS)
        return health_migration(comparison)
    raise ValueError(f"unknown chart kind {kind!r}")
