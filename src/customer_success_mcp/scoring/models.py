"""Result models: the explained score of one account, as the CLI and MCP tools show it."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from customer_success_mcp.scoring.vocabulary import ARR_AT_RISK_DEFINITION


class MetricBreakdown(BaseModel):
    metric: str
    input_field: str
    value: float | str | None = Field(description="The input used (fallback if not supplied)")
    supplied: bool = Field(description="False when the fallback value was used")
    benchmark: float | None = Field(description="Segment target (higher) or maximum (lower)")
    direction: str
    subscore: float
    weight: float


class DimensionBreakdown(BaseModel):
    dimension: str
    label: str
    score: float
    weight: float
    classification: str
    previous_score: float | None
    trend: str
    band: str | None = Field(None, description="The dimension's own reading of the score, where it has bands")
    metrics: list[MetricBreakdown]


class HealthExplanation(BaseModel):
    score: float
    previous_score: float | None = Field(
        None,
        description="Last period's overall score (rebuilt from its dimensions when only those were given)",
    )
    classification: str
    trend: str
    trend_priority: str = Field(description="critical, high, medium or normal (the tier's cadence)")
    green_min: float
    yellow_min: float
    dimensions: list[DimensionBreakdown]
    recommendations: list[str]
    coverage: float = Field(description="Share of the health inputs the account supplied, 0-1")


class SignalBreakdown(BaseModel):
    signal: str
    label: str = Field(description="The signal in plain words, from the profile")
    input_field: str
    value: float | str | None
    supplied: bool
    points: float


class CategoryBreakdown(BaseModel):
    category: str
    label: str = Field(description="The category in plain words, from the profile")
    score: float
    weight: float
    signals: list[SignalBreakdown]


class WarningSignal(BaseModel):
    severity: Literal["critical", "high", "medium", "low"]
    signal: str
    field: str


class ChurnExplanation(BaseModel):
    risk_score: float
    raw_score: float
    risk_tier: str
    urgency_multiplier: float
    days_to_renewal: int | None = Field(
        description="Signed days from as_of to the contract end (negative once ended); "
        "null without an end date"
    )
    contract_status: str = Field(
        description="active, renewing (ends within the renewal window), ended, or no_end_date"
    )
    renewal_date: dt.date | None
    categories: list[CategoryBreakdown]
    warning_signals: list[WarningSignal]
    intervention: str
    respond_within_days: int
    owner: str
    recommended_actions: list[str]
    coverage: float = Field(description="Share of the churn inputs the account supplied, 0-1")


class Opportunity(BaseModel):
    type: str
    category: str
    estimated_revenue: float
    effort: str
    rationale: str
    priority_score: float
    target_tier: str | None = None
    module: str | None = None
    department: str | None = None
    additional_seats: int | None = None


class AdoptionSummary(BaseModel):
    total_modules: int
    adopted_modules: int
    adoption_rate: float
    avg_usage_pct: float
    seat_utilisation: float
    current_tier: str | None
    departments_covered: int
    departments_potential: int
    enablement_needed: list[str] = Field(
        default_factory=list, description="Adopted modules used under the enablement threshold"
    )


class ExpansionExplanation(BaseModel):
    total_estimated_revenue: float
    opportunity_count: int
    opportunities: list[Opportunity]
    adoption_summary: AdoptionSummary
    coverage: float = Field(description="Share of the expansion inputs the account supplied, 0-1")


class AccountExplanation(BaseModel):
    """Everything the engine can say about one account."""

    customer_id: str
    name: str
    segment: str
    segment_source: str = Field(description="input, arr (derived from ARR) or default")
    arr: float
    as_of: dt.date
    health: HealthExplanation
    churn: ChurnExplanation
    expansion: ExpansionExplanation


# --------------------------------------------------------------------------- portfolio summary


class Bucket(BaseModel):
    """Accounts and ARR in one group, with their shares of the portfolio."""

    name: str
    accounts: int
    arr: float
    account_share: float = Field(description="Share of accounts, 0-1")
    arr_share: float = Field(description="Share of ARR, 0-1")


class RenewalWindow(BaseModel):
    days: int
    ends_on: dt.date
    accounts: int
    arr: float
    not_green: int = Field(description="Renewing accounts whose health is yellow or red")
    not_green_arr: float
    overdue: int = Field(description="Accounts whose contract end date is already past")
    not_green_accounts: list[str] = Field(default_factory=list, description="'Name (id)', largest ARR first")
    overdue_accounts: list[str] = Field(default_factory=list, description="'Name (id)', largest ARR first")


class AtRiskAccount(BaseModel):
    customer_id: str
    name: str
    segment: str
    arr: float
    risk_score: float
    risk_tier: str
    health_score: float
    health_class: str
    days_to_renewal: int | None = Field(description="Days from as_of to the contract end; negative once past")
    contract_status: str = Field(description="active, renewing, ended or no_end_date")
    renewal_date: dt.date | None
    reasons: list[str] = Field(description="The two or three main drivers, in a few words")


class ExpansionReadyAccount(BaseModel):
    customer_id: str
    name: str
    segment: str
    arr: float
    health_score: float
    estimated_revenue: float = Field(description="All opportunities together")
    top_opportunity: str
    top_opportunity_revenue: float


class RecommendedAction(BaseModel):
    action: str
    owner: str
    due: dt.date
    accounts: list[str] = Field(description="Account ids concerned (the first few, largest ARR first)")
    account_names: list[str] = Field(default_factory=list, description="Their names, in the same order")
    account_count: int = Field(0, description="How many accounts the action concerns in all")


class TargetCheck(BaseModel):
    metric: str
    actual: float
    target: str
    met: bool


class DataQuality(BaseModel):
    total: int
    accepted: int
    rejected: int
    low_coverage_accounts: int = Field(description="Accepted accounts with under the coverage floor")
    notes: list[str]


class PortfolioSummary(BaseModel):
    """The one-minute view of a book of business."""

    as_of: dt.date
    profile: str
    accounts: int
    total_arr: float
    average_health: float
    average_risk: float
    by_health: list[Bucket]
    by_risk_tier: list[Bucket]
    by_segment: list[Bucket]
    renewals: RenewalWindow
    arr_at_risk: float = Field(description=ARR_AT_RISK_DEFINITION)
    at_risk_accounts: list[AtRiskAccount]
    expansion_pipeline: float = Field(
        description="Estimated revenue of every opportunity in the book (estimates overlap, at-risk included)"
    )
    expansion_ready_total: float = Field(
        0.0, description="Estimated revenue of the expansion-ready accounts listed"
    )
    expansion_ready: list[ExpansionReadyAccount]
    actions: list[RecommendedAction]
    targets: list[TargetCheck]
    data_quality: DataQuality
