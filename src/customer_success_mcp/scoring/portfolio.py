"""Portfolio aggregates: the numbers behind `csm report` and the portfolio overview.

Everything here is computed from the three scorers' arrays; words are produced only for
the handful of accounts the summary names.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from customer_success_mcp.formatting import day, plural, share
from customer_success_mcp.scoring.actions import ActionInputs, recommended_actions
from customer_success_mcp.scoring.churn import ChurnScores
from customer_success_mcp.scoring.coded import per_row
from customer_success_mcp.scoring.expansion import ExpansionScores
from customer_success_mcp.scoring.health import HealthScores
from customer_success_mcp.scoring.models import (
    AtRiskAccount,
    Bucket,
    DataQuality,
    ExpansionReadyAccount,
    GroupBreakdown,
    OwnerBreakdown,
    PortfolioSummary,
    RenewalWindow,
    TargetCheck,
)
from customer_success_mcp.scoring.profile import Profile
from customer_success_mcp.scoring.table import AccountTable
from customer_success_mcp.scoring.vocabulary import (
    ENDED_QUESTION,
    HEALTH_CLASSES,
    RISK_TIERS,
    ContractStatus,
    HealthClass,
    in_classes,
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
        scored = [(name, float(scores[row])) for name, scores in health.dimensions.items()]
        for name, score in sorted((kv for kv in scored if kv[1] == kv[1]), key=lambda kv: kv[1]):
            if len(reasons) >= limit or health.dimension_classes[name][row] == HealthClass.GREEN.code:
                break
            reasons.append(f"{name} health {score:g}")
    return reasons


def opportunity_words(expansion: ExpansionScores, row: int) -> tuple[str, float]:
    """An account's largest opportunity in a few words ('tier upgrade: enterprise') and its estimate."""
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
            risk_tier=churn.tier(r), health_score=_score(health.overall[r]),
            health_class=health.classification(r),
            days_to_renewal=churn.days_left(r), contract_status=churn.status(r),
            renewal_date=churn.renewal_date(r),
            reasons=reasons_for(r, health, churn),
        )
        for r in order.tolist()
    ]  # fmt: skip


def thin_data(health: HealthScores, churn: ChurnScores, profile: Profile) -> np.ndarray:
    """Per account, whether its scores rest on thin data: under the profile's coverage floor for health
    or churn inputs, or a health dimension with no data at all (what `data_quality` counts)."""
    floor = profile.targets.low_coverage_below
    thin = (health.coverage < floor) | (churn.coverage < floor)
    for values in health.dimensions.values():
        thin |= np.isnan(values)
    return thin


def _expansion_ready(table: AccountTable, health: HealthScores, churn: ChurnScores,
                     expansion: ExpansionScores) -> list[ExpansionReadyAccount]:  # fmt: skip
    healthy = in_classes(health.classes, HealthClass.GREEN) & ~is_at_risk(churn.tiers)
    ready = np.flatnonzero(healthy & (expansion.counts > 0))
    order = ready[np.argsort(-expansion.weighted_revenue[ready], kind="stable")][:TOP_ACCOUNTS]
    out = []
    for r in order.tolist():
        words, revenue = opportunity_words(expansion, r)
        out.append(ExpansionReadyAccount(
            customer_id=table.ids[r], name=table.names[r], segment=table.segments[r],
            arr=float(table.values["arr"][r]), health_score=_score(health.overall[r]),
            estimated_revenue=float(expansion.total_revenue[r]), net_revenue=float(expansion.net_revenue[r]),
            weighted_revenue=float(expansion.weighted_revenue[r]),
            top_opportunity=words, top_opportunity_revenue=revenue,
        ))  # fmt: skip
    return out


def _score(value: float) -> float:
    """A health score for a list of accounts; NaN (no data at all) is shown as 0 with its class saying why."""
    return 0.0 if value != value else float(value)


def _sums(codes: np.ndarray, groups: int, measures: dict[str, np.ndarray]) -> list[dict[str, float | int]]:
    """Per group, every measure summed over its accounts (bincount, no Python loop); counts as ints."""
    sums = {key: np.bincount(codes, weights=values, minlength=groups) for key, values in measures.items()}
    counts = np.bincount(codes, minlength=groups)
    return [
        {"accounts": int(counts[g]),
         **{key: int(v[g]) if key.endswith("accounts") else float(v[g]) for key, v in sums.items()}}
        for g in range(groups)
    ]  # fmt: skip


def _segments(names: list[str], codes: np.ndarray, measures: dict[str, np.ndarray]) -> list[GroupBreakdown]:
    n, total_arr = max(codes.size, 1), float(measures["arr"].sum()) or 1.0
    return [
        GroupBreakdown(name=name, account_share=round(int(row["accounts"]) / n, 4),
                       arr_share=round(float(row["arr"]) / total_arr, 4), **row)
        for name, row in zip(names, _sums(codes, len(names), measures), strict=True)
    ]  # fmt: skip


def _owners(names: list[str], codes: np.ndarray, measures: dict[str, np.ndarray]) -> list[OwnerBreakdown]:
    fields = OwnerBreakdown.model_fields
    return [
        OwnerBreakdown(name=name, **{k: v for k, v in row.items() if k in fields})
        for name, row in zip(names, _sums(codes, len(names), measures), strict=True)
    ]


def _measures(arr: np.ndarray, health: HealthScores, churn: ChurnScores, expansion: ExpansionScores,
              in_window: np.ndarray) -> dict[str, np.ndarray]:  # fmt: skip
    """Per account, what each group row adds up (0/1 flags for the counts)."""
    at_risk = is_at_risk(churn.tiers)
    renewing = np.zeros(arr.size, dtype=bool)
    renewing[in_window] = True
    not_green = ~in_classes(health.classes, HealthClass.GREEN)
    return {
        "arr": arr,
        "red_accounts": in_classes(health.classes, HealthClass.RED).astype(float),
        "arr_at_risk": np.where(at_risk, arr, 0.0),
        "at_risk_accounts": at_risk.astype(float),
        "renewing_accounts": renewing.astype(float),
        "renewing_arr": np.where(renewing, arr, 0.0),
        "renewing_not_green_arr": np.where(renewing & not_green, arr, 0.0),
        "pipeline_accounts": (expansion.counts > 0).astype(float),
        "pipeline_gross": expansion.total_revenue,
        "pipeline_net": expansion.net_revenue,
        "pipeline_weighted": expansion.weighted_revenue,
    }


OWNERS_SHOWN = 8
NO_OWNER = "(no owner in the data)"


def _owner_groups(table: AccountTable, arr: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Owner names and each account's group: the largest owners by ARR, then the rest as one group."""
    owners = table.labels.get("owner") or [None] * table.size
    if all(o is None for o in owners):
        return [], np.zeros(0, dtype=np.intp)
    keys = np.array([NO_OWNER if o is None else o for o in owners], dtype=object)
    names, codes = np.unique(keys, return_inverse=True)
    order = np.argsort(-np.bincount(codes, weights=arr, minlength=names.size), kind="stable")
    shown = order[:OWNERS_SHOWN]
    rank = np.full(names.size, len(shown), dtype=np.intp)
    rank[shown] = np.arange(len(shown))
    labels = [str(names[g]) for g in shown]
    if names.size > len(shown):
        labels.append(f"{names.size - len(shown)} other owners, together")
    return labels, rank[codes]


def _largest(arr: np.ndarray, rows: np.ndarray) -> list[int]:
    return rows[np.argsort(-arr[rows], kind="stable")][:TOP_ACCOUNTS].tolist()


def _names(table: AccountTable, rows: list[int]) -> list[str]:
    return [f"{table.names[r]} ({table.ids[r]})" for r in rows]


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


AS_OF_WORDS = {
    "argument": "as asked",
    "file": "the file's as_of",
    "today": "the day it was loaded, as the file has no as_of",
}


def as_of_notice(as_of: dt.date, source: str | None) -> str | None:
    """What every result says when its scoring date was not given but taken to be today."""
    return f"Scored as of {day(as_of)}, {AS_OF_WORDS['today']}." if source == "today" else None


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
    as_of_source: str = "argument",
) -> PortfolioSummary:
    """Aggregate a scored table into the portfolio summary."""
    n = table.size
    arr = table.values["arr"]
    seg_names = list(profile.segments)
    seg_codes = per_row(table.segments, seg_names.index, np.int8)
    until_end = churn.days  # signed; NaN where no end date
    in_window = np.flatnonzero((until_end >= 0) & (until_end <= renewal_window_days))
    ended = np.flatnonzero(churn.contract_status == ContractStatus.ENDED.code)
    not_green = in_window[~in_classes(health.classes[in_window], HealthClass.GREEN)]
    green_share = float(in_classes(health.classes, HealthClass.GREEN).mean()) if n else 0.0
    red_share = float(in_classes(health.classes, HealthClass.RED).mean()) if n else 0.0
    scored = ~np.isnan(health.overall)
    average = round(float(health.overall[scored].mean()), 1) if scored.any() else 0.0
    floor = profile.targets.low_coverage_below
    thin = thin_data(health, churn, profile)
    insufficient = int(in_classes(health.classes, HealthClass.INSUFFICIENT_DATA).sum())
    mismatches = int(health.previous_mismatch.sum())
    ready = _expansion_ready(table, health, churn, expansion)
    notices = []
    if (notice := as_of_notice(as_of, as_of_source)) is not None:
        notices.append(notice)
    quality_notes = list(notes or [])
    if thin.any():
        quality_notes.append(
            f"{plural(int(thin.sum()), 'account')} with thin data (under {share(floor)} of the scoring "
            "inputs, or a health dimension with no data at all); "
            + ("their missing inputs are left out of the scores" if profile.health.missing_inputs == "omit"
               else "their scores lean on fallback values")
        )  # fmt: skip
    if insufficient:
        quality_notes.append(
            f"{plural(insufficient, 'account')} with too little health data for a colour (insufficient_data)"
        )
    if ended.size:
        quality_notes.append(
            f"{plural(int(ended.size), 'contract')} ended before {day(as_of)}: {ENDED_QUESTION} "
            "They are kept out of the renewal window."
        )
    if mismatches:
        quality_notes.append(
            f"{plural(mismatches, 'account')} whose previous overall score disagrees with its own previous "
            "dimension scores; the trend uses the dimensions"
        )
    renewal_rows = in_window
    measures = _measures(arr, health, churn, expansion, in_window)
    owner_names, owner_codes = _owner_groups(table, arr)
    return PortfolioSummary(
        as_of=as_of,
        as_of_source=as_of_source,
        notices=notices,
        profile=profile.name,
        accounts=n,
        total_arr=float(arr.sum()),
        average_health=average,
        average_risk=round(float(churn.risk.mean()), 1) if n else 0.0,
        by_health=_buckets(HEALTH_CLASSES, health.classes, arr),
        by_risk_tier=_buckets(RISK_TIERS, churn.tiers, arr),
        by_segment=_segments(seg_names, seg_codes, measures),
        by_owner=_owners(owner_names, owner_codes, measures) if owner_names else [],
        renewals=RenewalWindow(
            days=renewal_window_days,
            ends_on=as_of + dt.timedelta(days=renewal_window_days),
            accounts=int(in_window.size),
            arr=float(arr[in_window].sum()),
            not_green=int(not_green.size),
            not_green_arr=float(arr[not_green].sum()),
            ended=int(ended.size),
            ended_arr=float(arr[ended].sum()),
            not_green_accounts=_names(table, _largest(arr, not_green)),
            ended_accounts=_names(table, _largest(arr, ended)),
        ),
        arr_at_risk=float(arr[is_at_risk(churn.tiers)].sum()),
        at_risk_accounts=_at_risk(table, health, churn),
        expansion_pipeline=float(expansion.total_revenue.sum()),
        expansion_net=float(expansion.net_revenue.sum()),
        expansion_weighted=float(expansion.weighted_revenue.sum()),
        expansion_ready_total=float(sum(a.estimated_revenue for a in ready)),
        expansion_ready=ready,
        actions=recommended_actions(
            ActionInputs(table, profile, as_of, health, churn, renewal_rows, ready, rejected, int(thin.sum()))
        ),
        targets=_target_checks(profile, green_share, red_share, average),
        data_quality=DataQuality(
            total=total if total is not None else n + rejected,
            accepted=n,
            rejected=rejected,
            low_coverage_accounts=int(thin.sum()),
            insufficient_data=insufficient,
            ended_contracts=int(ended.size),
            previous_overall_mismatches=mismatches,
            notes=quality_notes,
        ),
    )
