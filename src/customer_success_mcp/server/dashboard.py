"""The portfolio dashboard (an MCP App) and the chart tool's result: models, data and the app's HTML.

`show_dashboard` returns a compact summary as structured content (what a model reads) and one row
per account, up to MAX_ROWS, in the result's `_meta` under ROWS_META_KEY: the MCP Apps spec keeps
`_meta` out of the model's context and delivers it to the app with the tool result, so the app can
filter and sort every account while the model is handed a page, not the whole book. The HTML
(`ui/dashboard.html`) is a template with no data in it; the engine is imported on first use only.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from customer_success_mcp.render.chart_models import (
    HEALTH_COLOURS,
    SEGMENT_COLOURS,
    TIER_COLOURS,
    ChartKind,
    ChartNumbers,
    RenewalsChart,
)
from customer_success_mcp.scoring.models import AtRiskAccount, Bucket
from customer_success_mcp.server.models import SnapshotRef

if TYPE_CHECKING:
    from customer_success_mcp.pipeline import ScoredPortfolio
    from customer_success_mcp.scoring.models import PortfolioSummary

DASHBOARD_URI = "ui://customer-success/dashboard.html"
ROWS_META_KEY = "customer-success/accounts"
MAX_ROWS = 2_000
DASHBOARD_RENEWAL_DAYS = 180
ROW_COLUMNS = (
    "customer_id",
    "name",
    "segment",
    "arr",
    "health_score",
    "health_class",
    "health_trend",
    "risk_score",
    "risk_tier",
    "renewal_date",
    "days_to_renewal",
    "contract_status",
    "expansion_weighted",
    "expansion_gross",
    "top_reason",
)


class DashboardRows(BaseModel):
    """Where the app finds the per-account rows, and how many there are."""

    sent: int = Field(description="Rows given to the app")
    total: int = Field(description="Accounts in the portfolio")
    order: str
    where: str


class Dashboard(BaseModel):
    """The figures the dashboard shows; every account's row goes to the app only (see `rows`)."""

    snapshot: SnapshotRef
    profile: str
    notices: list[str]
    accounts: int
    total_arr: float
    arr_at_risk: float = Field(description="ARR of accounts in the critical and high churn-risk tiers")
    average_health: float
    expansion_weighted: float = Field(description="Weighted expansion pipeline: net x likelihood")
    by_health: list[Bucket]
    by_risk_tier: list[Bucket]
    by_segment: list[Bucket]
    renewals: RenewalsChart
    at_risk_accounts: list[AtRiskAccount] = Field(description="Critical first, then by ARR; the first 5")
    tier_floors: dict[str, float] = Field(description="Lowest risk score of each tier above low")
    data_quality: list[str]
    rows: DashboardRows


class ImageInfo(BaseModel):
    mime_type: str
    width: int
    height: int
    bytes: int


class ChartResult(BaseModel):
    """A chart: the picture is the image content beside this; these are the numbers it shows."""

    snapshot: SnapshotRef
    kind: ChartKind
    title: str
    image: ImageInfo
    data: ChartNumbers


def _rows(scored: ScoredPortfolio, limit: int) -> list[list[Any]]:
    """Column-ordered rows of the `limit` largest accounts by ARR (words only for these rows)."""
    import datetime as dt

    import numpy as np

    from customer_success_mcp.scoring.portfolio import reasons_for

    t, h, c, x = scored.table, scored.health, scored.churn, scored.expansion
    arr = t.values["arr"]
    order = np.argsort(-arr, kind="stable")[:limit].tolist()
    out = []
    for r in order:
        health = float(h.overall[r])
        days = c.days_left(r)
        reasons = reasons_for(r, h, c, limit=1)
        renewal = None if days is None else (scored.as_of + dt.timedelta(days=days)).isoformat()
        out.append(
            [
                t.ids[r],
                t.names[r],
                t.segments[r],
                float(arr[r]),
                None if health != health else health,
                h.classification(r),
                h.trend_of(r),
                float(c.risk[r]),
                c.tier(r).value,
                renewal,
                days,
                c.status(r).value,
                float(x.weighted_revenue[r]),
                float(x.total_revenue[r]),
                reasons[0] if reasons else None,
            ]
        )
    return out


def build_dashboard(
    scored: ScoredPortfolio, summary: PortfolioSummary, snapshot: SnapshotRef, max_rows: int = MAX_ROWS
) -> tuple[Dashboard, dict[str, Any]]:
    """The dashboard's figures and, for the app, its rows as {"columns": [...], "rows": [[...], ...]}."""
    from customer_success_mcp.render.chart_data import renewals_by_month

    rows = _rows(scored, max_rows)
    total = scored.table.size
    where = f"in this result's _meta[{ROWS_META_KEY!r}], for the dashboard app (not shown to the model)"
    if len(rows) < total:
        where += f"; the {len(rows):,} largest of {total:,} accounts (the figures above count every account)"
    dashboard = Dashboard(
        snapshot=snapshot,
        profile=summary.profile,
        notices=summary.notices,
        accounts=summary.accounts,
        total_arr=summary.total_arr,
        arr_at_risk=summary.arr_at_risk,
        average_health=summary.average_health,
        expansion_weighted=summary.expansion_weighted,
        by_health=summary.by_health,
        by_risk_tier=summary.by_risk_tier,
        by_segment=summary.by_segment,
        renewals=renewals_by_month(scored, DASHBOARD_RENEWAL_DAYS),
        at_risk_accounts=summary.at_risk_accounts,
        tier_floors=dict(scored.profile.churn.tier_floors),
        data_quality=summary.data_quality.notes,
        rows=DashboardRows(sent=len(rows), total=total, order="largest ARR first", where=where),
    )
    return dashboard, {"columns": list(ROW_COLUMNS), "rows": rows}


def _palette_css() -> str:
    """The chart palette as CSS custom properties: the app draws with the colours the PNGs use."""
    lines = [f"--health-{k.replace('_', '-')}: {v};" for k, v in HEALTH_COLOURS.items()]
    lines += [f"--tier-{k}: {v};" for k, v in TIER_COLOURS.items()]
    lines += [f"--segment-{i}: {v};" for i, v in enumerate(SEGMENT_COLOURS)]
    return " ".join(lines)


@cache
def dashboard_html() -> str:
    """The app's HTML: self-contained (inline script and style, no network), no data baked in."""
    template = resources.files("customer_success_mcp.server").joinpath("ui/dashboard.html")
    return template.read_text(encoding="utf-8").replace("/*@palette@*/", _palette_css(), 1)
