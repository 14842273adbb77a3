"""What the MCP tools return: small, typed, paginated (pydantic, no engine imports)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from customer_success_mcp.ingest.report import ImportSummary, Rejection
from customer_success_mcp.query.models import AccountExportSummary, AccountRow, ReasonKind, SortKey
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
from customer_success_mcp.scoring.vocabulary import (
    CONTRACT_STATUS_DEFINITION,
    DAYS_TO_RENEWAL_DEFINITION,
    UNITS,
)

Detail = Literal["summary", "full"]


class Explained(BaseModel):
    """A result that says what its figures are measured in, so it reads right on its own."""

    units: str = Field(UNITS, description="What the figures are measured in, and the definitions they use")


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


class LoadResult(Explained):
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


class SnapshotComparison(Explained):
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


class AccountHistory(Explained):
    portfolio: str
    customer_id: str
    name: str
    points: list[HistoryPoint] = Field(description="One per snapshot, oldest as_of first")


class QueryAnswer(Explained):
    """The rows of one read-only SQL statement over a portfolio snapshot."""

    snapshot: SnapshotRef
    result: QueryResult


class PortfolioList(BaseModel):
    portfolios: list[PortfolioListing]
    total: int
    default: str | None = Field(description="The portfolio tools use when none is named")


class Overview(Explained):
    snapshot: SnapshotRef
    summary: PortfolioSummary
    rejections: list[Rejection] = Field(default_factory=list, description="With detail='full'")


class Page(BaseModel):
    total: int = Field(description="Matching items in all")
    offset: int
    has_more: bool
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page")


class AccountPage(Page, Explained):
    snapshot: SnapshotRef
    sorted_by: SortKey = Field("arr", description="What the rows are ranked by")
    sort_field: str = Field("arr", description="The row field holding the figure they are ranked by")
    reason_kind: ReasonKind = Field(
        "risk", description="What each row's top_reason explains: risk, expansion, health_drop or coverage"
    )
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
    days_to_renewal: int | None = Field(description=DAYS_TO_RENEWAL_DEFINITION)
    contract_status: str = Field(description=CONTRACT_STATUS_DEFINITION)
    renewal_date: dt.date | None
    categories: dict[str, float]
    warning_signals: list[WarningSignal] = Field(
        description="Most severe first; the first 5 unless detail='full'"
    )
    warning_count: int = Field(0, description="Warning signals in all")
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
        description="Highest priority first; the top 3 unless detail='full'"
    )
    adoption_summary: AdoptionSummary
    coverage: float


class DimensionSummary(BaseModel):
    dimension: str
    label: str
    score: float | None = Field(description="0-100; null when the account supplied none of its inputs")
    weight: float
    classification: str = Field(description="green, yellow, red, or insufficient_data (no data)")
    previous_score: float | None
    trend: str


class Driver(BaseModel):
    """A sub-metric pulling the health score down: the account's value against its segment's benchmark."""

    dimension: str
    metric: str = Field(description="The sub-metric in plain words")
    value: float | str | None
    benchmark: float | None = Field(description="Segment target (direction higher) or maximum (lower)")
    direction: str
    subscore: float = Field(description="0-100: how the value scores against the benchmark")


class HealthBrief(BaseModel):
    """Health in brief: the dimensions, the sub-metrics pulling it down and the first recommendations."""

    score: float | None = Field(description="0-100, higher is healthier; null when no input was supplied")
    previous_score: float | None = Field(None, description="Last period's overall, as the trend reads it")
    previous_score_supplied: float | None = None
    previous_score_mismatch: bool = False
    classification: str = Field(description="green, yellow, red, or insufficient_data")
    trend: str
    trend_priority: str
    green_min: float = Field(description="In this segment, green starts here")
    yellow_min: float
    coverage: float = Field(description="Share of the health model's weight the account supplied, 0-1")
    not_supplied: list[str] = Field(default_factory=list, description="Inputs not on file (left out)")
    dimensions: list[DimensionSummary]
    drivers: list[Driver] = Field(description="The lowest-scoring sub-metrics, lowest first (at most 5)")
    recommendations: list[str] = Field(description="The first recommendations (all with detail='full')")
    recommendation_count: int


class AccountBrief(Explained):
    snapshot: SnapshotRef
    customer_id: str
    name: str
    segment: str
    segment_source: str
    arr: float
    health: HealthBrief
    health_breakdown: HealthExplanation | None = Field(
        None, description="With detail='full': every sub-metric"
    )
    churn: ChurnBrief
    churn_breakdown: ChurnExplanation | None = Field(None, description="With detail='full'")
    expansion: ExpansionBrief
    lifecycle: Lifecycle


class ScorePage(Page, Explained):
    """Scores in the reference scripts' shape for each account, one page at a time."""

    report: str
    as_of: dt.date
    as_of_source: str = Field(description="Where as_of came from: file, argument, or today (none given)")
    notices: list[str] = Field(default_factory=list, description="What a reader must know first")
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


class DraftResult(Explained):
    """A draft in markdown, with its facts (every number, date and step it shows) and gaps to fill."""

    snapshot: SnapshotRef
    markdown: str = Field(description="The draft, ready to edit; [to fill: ...] marks what data cannot say")
    facts: DraftFacts
    gaps_to_fill: int = Field(description="How many [to fill: ...] gaps the CSM must complete")
    characters: int = Field(description="Length of the markdown draft")
    saved_to: str | None = Field(None, description="Where the file was written, when save_to was given")
    saved_format: str | None = Field(None, description="markdown, pptx (customer deck) or docx (save plan)")
    saved_bytes: int | None = Field(None, description="Size of the file written")


class AccountExport(AccountExportSummary, Explained):
    """Accounts written to a CSV or Excel file (the accounts table's columns), with a preview."""

    snapshot: SnapshotRef
