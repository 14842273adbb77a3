"""What the score, chart and dashboard tools show: pages of the reference-shaped scores (inline accounts
or a loaded portfolio), chart images with their numbers, the dashboard's figures. Functions over a
`PortfolioService`, like `analysis` and `snapshots`; the service keeps to loading, the store and the cache.
"""

from __future__ import annotations

import datetime as dt
import struct
from typing import TYPE_CHECKING, Any

from customer_success_mcp.ingest.report import Rejection
from customer_success_mcp.render.chart_models import ChartKind
from customer_success_mcp.server.briefs import compact_churn_rows, compact_expansion_rows
from customer_success_mcp.server.dashboard import ChartResult, Dashboard, ImageInfo
from customer_success_mcp.server.errors import UserError
from customer_success_mcp.server.models import ChurnScorePage, Detail, ExpansionScorePage, HealthScorePage
from customer_success_mcp.server.paging import check_limit, decode_cursor, page_bounds, query_key
from customer_success_mcp.server.service import (
    FIRST_REJECTIONS,
    PortfolioService,
    ScoreKind,
    first_rejections,
    snapshot_ref,
)

if TYPE_CHECKING:
    from customer_success_mcp.pipeline import ScoredPortfolio
    from customer_success_mcp.scoring.compare_models import Comparison


def dashboard(service: PortfolioService, portfolio: str | None = None) -> tuple[Dashboard, dict[str, Any]]:
    """The dashboard app's figures, and its per-account rows (which go to the app only)."""
    from customer_success_mcp.server.dashboard import build_dashboard

    cached = service.cached_portfolio(portfolio)
    return build_dashboard(cached.scored, service.summary_of(cached, 90), snapshot_ref(cached.info))


def chart(
    service: PortfolioService,
    kind: ChartKind,
    portfolio: str | None = None,
    renewal_window_days: int = 180,
    comparison: Comparison | None = None,
) -> tuple[ChartResult, bytes]:
    """One chart as PNG bytes, with the numbers it shows (health_migration: of `comparison`)."""
    from customer_success_mcp.render.chart_data import ChartUnavailable, chart_data
    from customer_success_mcp.render.chart_models import CHART_KINDS, RiskVsArr
    from customer_success_mcp.render.charts import png as draw_png

    if kind not in CHART_KINDS:
        raise UserError(f"Unknown chart kind {kind!r}; use one of {', '.join(CHART_KINDS)}.")
    if not 0 <= renewal_window_days <= 3650:
        raise UserError(f"renewal_window_days must be between 0 and 3650, got {renewal_window_days}.")
    cached = service.cached_portfolio(portfolio)
    try:
        data = chart_data(
            kind, cached.scored, service.summary_of(cached, 90), renewal_window_days, comparison
        )
    except ChartUnavailable as exc:
        raise UserError(str(exc)) from None
    image = draw_png(data)
    numbers = data.numbers() if isinstance(data, RiskVsArr) else data
    width, height = struct.unpack(">II", image[16:24])  # the PNG's IHDR
    info = ImageInfo(mime_type="image/png", width=width, height=height, bytes=len(image))
    result = ChartResult(
        snapshot=snapshot_ref(cached.info),
        kind=kind,
        title=data.title,
        image=info,
        data=numbers,
    )
    return result, image


def score_page(
    service: PortfolioService,
    kind: ScoreKind,
    *,
    accounts: list[dict[str, Any]] | None = None,
    portfolio: str | None = None,
    account_ids: list[str] | None = None,
    as_of: dt.date | None = None,
    limit: int = 10,
    cursor: str | None = None,
    today: dt.date | None = None,
    detail: Detail = "summary",
) -> HealthScorePage | ChurnScorePage | ExpansionScorePage:
    """One scorer's results in the reference shape, for inline accounts or a loaded portfolio."""
    from customer_success_mcp.render import reference_json as ref
    from customer_success_mcp.scoring.portfolio import as_of_notice

    check_limit(limit)
    p, source, snapshot, rejections = _scoring_source(service, accounts, portfolio, account_ids, as_of, today)
    order = {"health": ref.health_order, "churn": ref.churn_order, "expansion": ref.expansion_order}[kind](p)
    if account_ids is not None:
        wanted = _rows_of(p, account_ids, source)
        order = [r for r in order if r in wanted]
    query = query_key(kind=kind, source=source, snapshot=snapshot, ids=account_ids, as_of=str(p.as_of),
                       inline=query_key(a=accounts) if accounts is not None else None)  # fmt: skip
    offset = decode_cursor(cursor, query)
    start, end, has_more, next_cursor = page_bounds(len(order), offset, limit, query)
    as_of_source = "argument" if as_of is not None else p.report.as_of_source or "argument"
    notice = as_of_notice(p.as_of, as_of_source)
    page = {"as_of": p.as_of, "as_of_source": as_of_source, "notices": [notice] if notice else [],
            "source": source, "rejections": rejections[:FIRST_REJECTIONS],
            "total": len(order), "offset": start, "has_more": has_more,
            "next_cursor": next_cursor}  # fmt: skip
    shown = order[start:end]
    if kind == "health":
        return HealthScorePage(report="customer_health_scores", summary=ref.health_summary(p, order),
                               customers=[ref.health_customer(p, r) for r in shown], **page)  # fmt: skip
    if kind == "churn":
        rows = [ref.churn_customer(p, r) for r in shown]
        playbooks = compact_churn_rows(rows) if detail == "summary" else {}
        return ChurnScorePage(report="churn_risk_analysis", summary=ref.churn_summary(p, order),
                              customers=rows, playbooks=playbooks, **page)  # fmt: skip
    rows_e = [ref.expansion_customer(p, r) for r in shown]
    if detail == "summary":
        compact_expansion_rows(rows_e)
    return ExpansionScorePage(report="expansion_opportunities", summary=ref.expansion_summary(p, order),
                              customers=rows_e, **page)  # fmt: skip


def _scoring_source(
    service: PortfolioService,
    accounts: list[dict[str, Any]] | None,
    portfolio: str | None,
    account_ids: list[str] | None,
    as_of: dt.date | None,
    today: dt.date | None,
) -> tuple[ScoredPortfolio, str, int | None, list[Rejection]]:
    """Inline accounts scored now, or a loaded portfolio (rescored for another as_of if asked)."""
    from customer_success_mcp.pipeline import score_records, score_table

    if accounts is not None and (portfolio is not None or account_ids is not None):
        raise UserError("Give inline `accounts`, or a `portfolio` (optionally with `account_ids`), not both.")
    if accounts is not None:
        if not accounts:
            raise UserError("`accounts` is empty; give at least one account.")
        service.check_inline(accounts)
        p = score_records(list(accounts), as_of or today or dt.date.today(), service.profile)
        p.report.as_of_source = "argument" if as_of is not None else "today"
        if p.report.accepted == 0:
            raise UserError(
                f"None of the {p.report.total} accounts could be scored: {first_rejections(p.report)}"
            )
        return p, "inline", None, p.report.rejections
    cached = service.cached_portfolio(portfolio)
    p = cached.scored
    if as_of is not None and as_of != p.as_of:
        p = score_table(p.table, p.report, p.profile, as_of)
    return p, cached.info.portfolio, cached.info.id, []


def _rows_of(p: ScoredPortfolio, account_ids: list[str], source: str) -> set[int]:
    from customer_success_mcp.pipeline import closest_accounts

    index = {cid: i for i, cid in enumerate(p.table.ids)}
    unknown = [a for a in account_ids if a not in index]
    if unknown:
        hints = closest_accounts(p.table, unknown[0], limit=3)
        hint = f" Closest to {unknown[0]!r}: {', '.join(hints)}." if hints else ""
        raise UserError(f"Unknown account id(s) in {source}: {', '.join(unknown[:5])}.{hint}")
    return {index[a] for a in account_ids}
