"""What the MCP tools return: small, typed, paginated (pydantic, no engine imports)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from customer_success_mcp.ingest.report import ImportSummary, Rejection
from customer_success_mcp.query.models import AccountRow
from customer_success_mcp.query.results import QueryResult
from customer_success_mcp.render.draft_facts import DraftFacts
from customer_success_mcp.render.reference_models import (
    ChurnRow,
    ChurnSummary,
    ExpansionRow,
    ExpansionSummary,
    HealthRow,
    HealthSummary,
)
from customer_success_mcp.scoring.compare_models import Comparison
from customer_success_mcp.scoring.lifecycle import Lifecycle
from customer_success_mcp.scoring.models import (
    AdoptionSummary,
    ChurnExplanation,
    HealthExplanation,
    Opportunity,
    PortfolioSummary,
    WarningSignal,
)

Detail = Literal["summary", "full"]


class SnapshotRef(BaseModel):
    """Which stored snapshot a result comes from."""

    portfolio: str
    snapshot_id: int
    as_of: dt.date
    loaded_at: str
    source: str


class DerivedInputs(BaseModel):
    """Inputs the file left out, filled from the latest earlier snapshot of the same portfolio."""

    snapshot_id: int = Field(description="The earlier snapshot the values came from")
    as_of: dt.date
    fields: dict[str, int] = Field(
        description="Input path -> accounts that received it (previous_period scores; usage_decline and "
        "engagement_drop changes computed between the two snapshots)"
    )


class LoadResult(BaseModel):
    snapshot: SnapshotRef
    total: int = Field(description="Accounts read")
    accepted: int
    rejected: int
    rejections: list[Rejection] = Field(description="The first rejected accounts, with reasons")
    more_rejections: str | None = Field(None, description="How to see the rest, when there are more")
    notes: int = Field(description="Accepted accounts with values worth a second look")
    imports: list[ImportSummary] = Field(
        default_factory=list, description="For CSV and Excel exports: how each file was read and mapped"
    )
    derived: DerivedInputs | None = Field(
        None, description="Inputs derived from an earlier snapshot, when the portfolio has one"
    )
    overview: PortfolioSummary


class SnapshotListing(BaseModel):
    snapshot_id: int
    as_of: dt.date
    loaded_at: str
    accounts: int
    arr: float


class PortfolioListing(BaseModel):
    name: str
    as_of: dt.date
    loaded_at: str
    source: str
    accounts: int
    arr: float
    snapshots: int
    history: list[SnapshotListing] = Field(
        default_factory=list,
        description="Its snapshots, newest first (the last 10): address them by id or as_of in "
        "compare_snapshots",
    )


class SnapshotComparison(BaseModel):
    """Two snapshots of one portfolio compared (both scored under the current profile)."""

    portfolio: str
    from_snapshot: SnapshotRef
    to_snapshot: SnapshotRef
    comparison: Comparison


class HistoryPoint(BaseModel):
    snapshot_id: int
    as_of: dt.date
    present: bool = Field(description="False when the account is not in this snapshot")
    arr: float | None
    health: float | None
    health_class: str | None
    risk: float | None
    risk_tier: str | None


class AccountHistory(BaseModel):
    portfolio: str
    customer_id: str
    name: str
    points: list[HistoryPoint] = Field(description="One per snapshot, oldest as_of first")


class QueryAnswer(BaseModel):
    """The rows of one read-only SQL statement over a portfolio snapshot."""

    snapshot: SnapshotRef
    result: QueryResult


class PortfolioList(BaseModel):
    portfolios: list[PortfolioListing]
    total: int
    default: str | None = Field(description="The portfolio tools use when none is named")


class Overview(BaseModel):
    snapshot: SnapshotRef
    summary: PortfolioSummary
    rejections: list[Rejection] = Field(default_factory=list, description="With detail='full'")


class Page(BaseModel):
    total: int = Field(description="Matching items in all")
    offset: int
    has_more: bool
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page")


class AccountPage(Page):
    snapshot: SnapshotRef
    accounts: list[AccountRow]


class ChurnBrief(BaseModel):
    """Churn risk without the per-signal breakdown (detail='full' adds it)."""

    risk_score: float
    raw_score: float
    risk_tier: str
    playbook_tier: str = Field(description="The tier whose playbook applies (escalated above the risk tier "
                               "when a critical warning fires)")  # fmt: skip
    escalated_by: list[str] = Field(default_factory=list, description="The warnings behind an escalation")
    urgency_multiplier: float
    days_to_renewal: int | None
    renewal_date: dt.date | None
    categories: dict[str, float]
    warning_signals: list[WarningSignal]
    intervention: str
    owner: str
    respond_within_days: int
    playbook_steps: list[str]
    coverage: float


class ExpansionBrief(BaseModel):
    total_estimated_revenue: float = Field(description="Gross: every opportunity added up")
    net_estimated_revenue: float = Field(description="Without the seat/tier overlap")
    weighted_estimated_revenue: float = Field(description="Net x the likelihood for the health class")
    opportunity_count: int
    opportunities: list[Opportunity] = Field(
        description="Highest priority first; the top 5 unless detail='full'"
    )
    adoption_summary: AdoptionSummary
    coverage: float


class AccountBrief(BaseModel):
    snapshot: SnapshotRef
    customer_id: str
    name: str
    segment: str
    segment_source: str
    arr: float
    health: HealthExplanation
    churn: ChurnBrief
    churn_breakdown: ChurnExplanation | None = Field(None, description="With detail='full'")
    expansion: ExpansionBrief
    lifecycle: Lifecycle


class ScorePage(Page):
    """Scores in the reference scripts' shape for each account, one page at a time."""

    report: str
    as_of: dt.date
    source: str = Field(description="The portfolio, or 'inline' for accounts given in the call")
    rejections: list[Rejection] = Field(
        default_factory=list, description="Inline accounts that were rejected"
    )


class HealthScorePage(ScorePage):
    summary: HealthSummary = Field(description="Over every account the query matched, not just this page")
    customers: list[HealthRow] = Field(description="Per account, in input order")


class ChurnScorePage(ScorePage):
    summary: ChurnSummary = Field(description="Over every account the query matched, not just this page")
    customers: list[ChurnRow] = Field(
        description="Riskiest first; with detail='summary' rows keep the first 5 warnings (warning_count has "
        "them all) and leave the tier's steps to `playbooks`"
    )
    playbooks: dict[str, list[str]] = Field(
        default_factory=dict, description="detail='summary': each tier's playbook steps, once per page"
    )


class ExpansionScorePage(ScorePage):
    summary: ExpansionSummary = Field(description="Over every account the query matched, not just this page")
    customers: list[ExpansionRow] = Field(
        description="Largest estimate first; with detail='summary' the top 2 opportunities of each"
    )


class DraftResult(BaseModel):
    """A draft's facts (every number, date and step it shows); the markdown itself is the text block."""

    snapshot: SnapshotRef
    facts: DraftFacts
    gaps_to_fill: int = Field(description="How many [to fill: ...] gaps the CSM must complete")
    characters: int = Field(description="Length of the markdown draft")
    saved_to: str | None = Field(None, description="Where the draft was written, when save_to was given")
