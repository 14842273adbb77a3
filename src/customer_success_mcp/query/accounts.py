"""The query layer: filter, sort and page the accounts of a scored portfolio.

The CLI (`csm find`) and the MCP tools (`find_accounts`) both call `find_accounts` here, so a
filter or sort key means the same in both. Filters and sorts work on the engine's arrays; words
(the row's reason) are built only for the accounts on the page.
"""

from __future__ import annotations

import numpy as np

from customer_success_mcp.formatting import share
from customer_success_mcp.pipeline import ScoredPortfolio
from customer_success_mcp.query.models import (
    SORT_FIELDS,
    SORT_KEYS,
    AccountFilter,
    AccountRow,
    AccountSelection,
    QueryError,
    ReasonKind,
)
from customer_success_mcp.scoring.coded import per_row
from customer_success_mcp.scoring.portfolio import opportunity_words, reasons_for, thin_data
from customer_success_mcp.scoring.profile import normalise_label
from customer_success_mcp.scoring.vocabulary import (
    CONTRACT_STATUSES,
    HEALTH_CLASSES,
    RISK_TIERS,
    TRENDS,
    ContractStatus,
    HealthClass,
    RiskTier,
    Trend,
)

MAX_PAGE = 100
ENDED_AFTER = 1e9  # sorts ended contracts after every upcoming renewal


def _choice(value: str, allowed: tuple[str, ...], name: str) -> str:
    wanted = value.strip().lower()
    if wanted not in allowed:
        raise QueryError(f"{name} must be one of {', '.join(allowed)}, got {value!r}.")
    return wanted


def matching_rows(scored: ScoredPortfolio, filters: AccountFilter) -> np.ndarray:
    """Rows of the accounts that match every filter, in table order."""
    t = scored.table
    mask = np.ones(t.size, dtype=bool)
    if filters.segment is not None:
        key = scored.profile.segment_aliases().get(normalise_label(filters.segment))
        if key is None:
            raise QueryError(
                f"Unknown segment {filters.segment!r}; use one of {', '.join(scored.profile.segments)}."
            )
        mask &= per_row(t.segments, lambda s: s == key, bool)
    if filters.health is not None:
        wanted = HealthClass(_choice(filters.health, HEALTH_CLASSES, "health"))
        mask &= scored.health.classes == wanted.code
    if filters.risk_tier is not None:
        tier = RiskTier(_choice(filters.risk_tier, RISK_TIERS, "risk_tier"))
        mask &= scored.churn.tiers == tier.code
    days = scored.churn.days
    if filters.renewal_within_days is not None:
        mask &= (days >= 0) & (days <= filters.renewal_within_days)
    if filters.min_arr is not None:
        mask &= t.values["arr"] >= filters.min_arr
    if filters.has_expansion is not None:
        mask &= (scored.expansion.counts > 0) == filters.has_expansion
    if filters.text:
        needle = filters.text.casefold()
        mask &= np.fromiter(
            (needle in n.casefold() or needle in i.casefold() for n, i in zip(t.names, t.ids, strict=True)),
            bool,
            t.size,
        )
    if filters.owner is not None:
        wanted_owner = " ".join(filters.owner.split()).casefold()
        mask &= per_row(t.labels["owner"], lambda o: o is not None and o.casefold() == wanted_owner, bool)
    if filters.trend is not None:
        mask &= scored.health.trend == Trend(_choice(filters.trend, TRENDS, "trend")).code
    if filters.min_health_drop is not None:
        mask &= scored.health.change <= -filters.min_health_drop  # NaN (no previous score) never matches
    if filters.coverage_below is not None:
        mask &= coverage(scored) < filters.coverage_below
    if filters.contract_status is not None:
        status = ContractStatus(_choice(filters.contract_status, CONTRACT_STATUSES, "contract_status"))
        mask &= scored.churn.contract_status == status.code
    if filters.thin_data is not None:
        mask &= thin_data(scored.health, scored.churn, scored.profile) == filters.thin_data
    return np.flatnonzero(mask)


def coverage(scored: ScoredPortfolio) -> np.ndarray:
    """Per account, the lower of the shares of health and churn inputs it supplied (0-1)."""
    return np.round(np.minimum(scored.health.coverage, scored.churn.coverage), 3)


def sort_values(scored: ScoredPortfolio, sort_by: str) -> np.ndarray:
    """The figure each account is ranked by under a sort key (NaN: it has none, ranked last)."""
    if sort_by not in SORT_KEYS:
        raise QueryError(f"sort_by must be one of {', '.join(SORT_KEYS)}, got {sort_by!r}.")
    values = {
        "arr": lambda: scored.table.values["arr"],
        "health": lambda: scored.health.overall,
        "risk": lambda: scored.churn.risk,
        "renewal": lambda: scored.churn.days,
        "expansion": lambda: scored.expansion.weighted_revenue,
        "health_drop": lambda: scored.health.change,
        "coverage": lambda: coverage(scored),
    }
    return np.asarray(values[sort_by](), dtype=float)


def sort_rows(scored: ScoredPortfolio, rows: np.ndarray, sort_by: str) -> np.ndarray:
    """The rows in the order of a sort key; ties keep table order."""
    values = sort_values(scored, sort_by)
    if sort_by == "renewal":
        # Soonest renewal first, then contracts already ended (most recent first), then no end date.
        key = np.where(values < 0, ENDED_AFTER - values, values)
    elif sort_by in ("arr", "risk", "expansion"):
        key = -values  # largest first
    else:
        key = values  # health and coverage lowest first; health_drop most negative first
    key = np.where(np.isnan(key), np.inf, key)
    return rows[np.argsort(key[rows], kind="stable")]


REASON_FOR_SORT: dict[str, ReasonKind] = {"expansion": "expansion", "health_drop": "health_drop",
                                          "coverage": "coverage"}  # fmt: skip


def reason_kind(sort_by: str, filters: AccountFilter | None = None) -> ReasonKind:
    """What each row's reason explains: the sort's own kind, else what the filters asked about, else risk."""
    if sort_by in REASON_FOR_SORT:
        return REASON_FOR_SORT[sort_by]
    f = filters or AccountFilter()
    if f.thin_data or f.coverage_below is not None:
        return "coverage"
    if f.min_health_drop is not None:
        return "health_drop"
    if f.has_expansion:
        return "expansion"
    return "risk"


def _drop_words(scored: ScoredPortfolio, row: int) -> str | None:
    """The health dimension that fell most since last period: 'Usage 72 -> 50 (-22)'."""
    t, worst = scored.table, None
    for d in scored.profile.health.dimensions:
        now = float(scored.health.dimensions[d.name][row])
        before = float(t.values[d.previous_field][row]) if d.previous_field in t.values else float("nan")
        change = round(now - before, 1)
        if change == change and change < 0 and (worst is None or change < worst[0]):
            worst = (change, f"{d.label} {before:g} -> {now:g} ({change:+g})")
    return worst[1] if worst else None


def _coverage_words(scored: ScoredPortfolio, row: int) -> str:
    """What the account's scores rest on: input shares and the health dimensions with no data."""
    h, c = scored.health, scored.churn
    words = f"health inputs {share(float(h.coverage[row]))}, churn inputs {share(float(c.coverage[row]))}"
    empty = [d.label for d in scored.profile.health.dimensions if np.isnan(h.dimensions[d.name][row])]
    return words + (f"; no data for {', '.join(empty)}" if empty else "")


def _reason(scored: ScoredPortfolio, row: int, kind: ReasonKind) -> str | None:
    if kind == "expansion":
        return opportunity_words(scored.expansion, row)[0] or None
    if kind == "health_drop":
        return _drop_words(scored, row)
    if kind == "coverage":
        return _coverage_words(scored, row)
    reasons = reasons_for(row, scored.health, scored.churn, limit=1)
    return reasons[0] if reasons else None


def _optional(value: float) -> float | None:
    return None if value != value else float(value)


def account_row(
    scored: ScoredPortfolio,
    row: int,
    sort_by: str = "arr",
    *,
    cover: np.ndarray | None = None,
    kind: ReasonKind | None = None,
) -> AccountRow:
    """One account as a list row (its words are built here, for this row only); the reason is of `kind`,
    by default the sort's.

    `cover` (everyone's coverage) may be passed in when building many rows.
    """
    t, h, c, e = scored.table, scored.health, scored.churn, scored.expansion
    cover = coverage(scored) if cover is None else cover
    kind = kind or reason_kind(sort_by)
    words, revenue = opportunity_words(e, row)
    return AccountRow(
        customer_id=t.ids[row],
        name=t.names[row],
        segment=t.segments[row],
        owner=t.labels["owner"][row],
        arr=float(t.values["arr"][row]),
        health_score=float(h.overall[row]),
        health_class=h.classification(row),
        health_trend=h.trend_of(row),
        health_change=_optional(h.change[row]),
        coverage=float(cover[row]),
        risk_score=float(c.risk[row]),
        risk_tier=c.tier(row),
        days_to_renewal=c.days_left(row),
        contract_status=c.status(row),
        expansion_revenue=float(e.total_revenue[row]),
        expansion_weighted=float(e.weighted_revenue[row]),
        top_opportunity=words or None,
        top_opportunity_revenue=revenue if words else None,
        top_reason=_reason(scored, row, kind),
    )


def find_accounts(
    scored: ScoredPortfolio,
    filters: AccountFilter | None = None,
    sort_by: str = "arr",
    offset: int = 0,
    limit: int = 20,
) -> AccountSelection:
    """The accounts matching every filter, sorted, from `offset`, at most `limit` of them."""
    if not 1 <= limit <= MAX_PAGE:
        raise QueryError(f"limit must be between 1 and {MAX_PAGE}, got {limit}.")
    if offset < 0:
        raise QueryError(f"offset must be 0 or more, got {offset}.")
    rows = sort_rows(scored, matching_rows(scored, filters or AccountFilter()), sort_by)
    cover = coverage(scored)
    kind = reason_kind(sort_by, filters)
    page = rows[offset : offset + limit].tolist()
    return AccountSelection(
        total=int(rows.size),
        offset=offset,
        has_more=offset + len(page) < rows.size,
        sorted_by=sort_by,
        sort_field=SORT_FIELDS[sort_by],
        reason_kind=kind,
        accounts=[account_row(scored, r, sort_by, cover=cover, kind=kind) for r in page],
    )
