"""The query layer: filter, sort and page the accounts of a scored portfolio.

The CLI (`csm find`) and the MCP tools (`find_accounts`) both call `find_accounts` here, so a
filter or sort key means the same in both. Filters and sorts work on the engine's arrays; words
(the row's reason) are built only for the accounts on the page.
"""

from __future__ import annotations

import numpy as np

from customer_success_mcp.pipeline import ScoredPortfolio
from customer_success_mcp.query.models import (
    SORT_KEYS,
    AccountFilter,
    AccountRow,
    AccountSelection,
    QueryError,
)
from customer_success_mcp.scoring.portfolio import reasons_for
from customer_success_mcp.scoring.profile import normalise_label
from customer_success_mcp.scoring.vocabulary import (
    HEALTH_CLASSES,
    RISK_TIERS,
    HealthClass,
    RiskTier,
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
        mask &= np.fromiter((s == key for s in t.segments), bool, t.size)
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
        owners = t.labels["owner"]
        mask &= np.fromiter((o is not None and o.casefold() == wanted_owner for o in owners), bool, t.size)
    return np.flatnonzero(mask)


def sort_rows(scored: ScoredPortfolio, rows: np.ndarray, sort_by: str) -> np.ndarray:
    """The rows in the order of a sort key; ties keep table order."""
    if sort_by not in SORT_KEYS:
        raise QueryError(f"sort_by must be one of {', '.join(SORT_KEYS)}, got {sort_by!r}.")
    days = scored.churn.days
    keys = {
        "arr": lambda: -scored.table.values["arr"],
        "health": lambda: scored.health.overall,
        "risk": lambda: -scored.churn.risk,
        # Soonest renewal first, then contracts already ended (most recent first), then no end date.
        "renewal": lambda: np.where(np.isnan(days), np.inf, np.where(days < 0, ENDED_AFTER - days, days)),
        "expansion": lambda: -scored.expansion.total_revenue,
    }
    return rows[np.argsort(keys[sort_by]()[rows], kind="stable")]


def account_row(scored: ScoredPortfolio, row: int) -> AccountRow:
    """One account as a list row (its reason is put into words here, for this row only)."""
    t, h, c = scored.table, scored.health, scored.churn
    reasons = reasons_for(row, h, c, limit=1)
    return AccountRow(
        customer_id=t.ids[row],
        name=t.names[row],
        segment=t.segments[row],
        owner=t.labels["owner"][row],
        arr=float(t.values["arr"][row]),
        health_score=float(h.overall[row]),
        health_class=h.classification(row),
        health_trend=h.trend_of(row),
        risk_score=float(c.risk[row]),
        risk_tier=c.tier(row),
        days_to_renewal=c.days_left(row),
        contract_status=c.status(row),
        expansion_revenue=float(scored.expansion.total_revenue[row]),
        top_reason=reasons[0] if reasons else None,
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
    page = rows[offset : offset + limit].tolist()
    return AccountSelection(
        total=int(rows.size),
        offset=offset,
        has_more=offset + len(page) < rows.size,
        accounts=[account_row(scored, r) for r in page],
    )
