"""Result models: the explained score of one account, as the CLI and MCP tools show it."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from customer_success_mcp.scoring.vocabulary import (
    ARR_AT_RISK_DEFINITION,
    CONTRACT_STATUS_DEFINITION,
    ENDED_QUESTION,
)


class MetricBreakdown(BaseModel):
    metric: str
    label: str = Field(description="The sub-metric in plain words, from the profile")
    input_field: str
    value: float | str | None = Field(
        description="The input scored; null when not supplied and the profile leaves missing inputs out "
        "(under a fallback profile, the default that was scored)"
    )
    supplied: bool = Field(description="Whether the account supplied this input")
    benchmark: float | None = Field(description="Segment target (higher) or maximum (lower)")
    direction: str
    subscore: float | None = Field(description="0-100; null when left out for want of data")
    weight: float


class DimensionBreakdown(BaseModel):
    dimension: str
    label: str
    score: float | None = Field(description="0-100; null when the account supplied none of its inputs")
    weight: float
    classification: str = Field(description="green, yellow, red, or insufficient_data (no data)")
    previous_score: float | None
    trend: str
    band: str | None = Field(None, description="The dimension's own reading of the score, where it has bands")
    metrics: list[MetricBreakdown]


class HealthExplanation(BaseModel):
    score: float | None = Field(description="0-100, higher is healthier; null when no input was supplied")
    previous_score: float | None = Field(
        None,
        description="Last period's overall score as the trend reads it (rebuilt from last period's dimension "
        "scores where the file gives them)",
    )
    previous_score_supplied: float | None = Field(
        None, description="previous_period.overall_score as supplied"
    )
    previous_score_mismatch: bool = Field(
        False, description="The supplied previous overall disagrees with its own dimension scores"
    )
    classification: str = Field(description="green, yellow, red, or insufficient_data")
    trend: str
    trend_priority: str = Field(description="critical, high, medium or normal (the tier's cadence)")
    green_min: float
    yellow_min: float
    dimensions: list[DimensionBreakdown]
    recommendations: list[str]
    coverage: float = Field(description="Share of the health model's weight the account supplied, 0-1")
    not_supplied: list[str] = Field(
        default_factory=list, description="Health inputs the account did not supply"
    )


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
    playbook_tier: str = Field(
        description="The tier whose playbook applies: the risk tier, or higher when a warning escalates it"
    )
    escalated_by: list[str] = Field(
        default_factory=list, description="The warnings that escalated the playbook above the risk tier"
    )
    urgency_multiplier: float
    days_to_renewal: int | None = Field(
        description="Signed days from as_of to the contract end (negative once ended); "
        "null without an end date"
    )
    contract_status: str = Field(description=CONTRACT_STATUS_DEFINITION)
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
    counted_in_net: bool = Field(
        True, description="False for the smaller of a seat expansion and a tier upgrade on one account"
    )


class AdoptionSummary(BaseModel):
    total_modules: int
    adopted_modules: int
    adoption_rate: float
    avg_usage_pct: float
    seat_utilisation: float | None = Field(
        description="Active over licensed seats, %; null when no seats are licensed or none are on file"
    )
    current_tier: str | None
    departments_covered: int
    departments_potential: int
    enablement_needed: list[str] = Field(
        default_factory=list, description="Adopted modules used under the enablement threshold"
    )


class ExpansionExplanation(BaseModel):
    total_estimated_revenue: float = Field(
        description="Gross: every opportunity added up (estimates overlap)"
    )
    net_estimated_revenue: float = Field(
        description="Gross without the smaller of a seat expansion and a tier upgrade on the same ARR"
    )
    weighted_estimated_revenue: float = Field(description="Net x likelihood: what to expect, for a pipeline")
    likelihood: float = Field(description="The profile's likelihood for the account's health class, 0-1")
    health_class: str
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
    ended: int = Field(description="Contracts whose end date has passed (not counted as renewals)")
    ended_arr: float = 0.0
    not_green_accounts: list[str] = Field(default_factory=list, description="'Name (id)', largest ARR first")
    ended_accounts: list[str] = Field(default_factory=list, description="'Name (id)', largest ARR first")


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
    contract_status: str = Field(description=CONTRACT_STATUS_DEFINITION)
    renewal_date: dt.date | None
    reasons: list[str] = Field(description="The two or three main drivers, in a few words")


class ExpansionReadyAccount(BaseModel):
    customer_id: str
    name: str
    segment: str
    arr: float
    health_score: float
    estimated_revenue: float = Field(description="Gross: all opportunities together")
    net_revenue: float = Field(description="Net of the seat/tier overlap")
    weighted_revenue: float = Field(description="Net x the likelihood for the account's health class")
    top_opportunity: str
    top_opportunity_revenue: float


class OwnerBreakdown(BaseModel):
    """One account owner's book: ARR at risk, renewals in the window, weighted expansion pipeline."""

    name: str
    accounts: int
    arr: float
    red_accounts: int = Field(0, description="Accounts whose health is red")
    at_risk_accounts: int = Field(0, description="Accounts in the critical and high tiers")
    arr_at_risk: float = Field(0.0, description="ARR of the accounts in the critical and high tiers")
    renewing_accounts: int = Field(0, description="Contracts ending within the renewal window")
    renewing_arr: float = 0.0
    renewing_not_green_arr: float = Field(0.0, description="Renewing ARR whose health is not green")
    pipeline_weighted: float = Field(0.0, description="Net x the likelihood for each account's health class")


class GroupBreakdown(OwnerBreakdown, Bucket):
    """One segment: its share of the book (a Bucket), the owner figures, and the pipeline gross and net."""

    pipeline_accounts: int = Field(0, description="Accounts with at least one expansion opportunity")
    pipeline_gross: float = Field(0.0, description="Every estimate added up (they overlap)")
    pipeline_net: float = Field(0.0, description="Gross without the seat/tier overlap")


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
    low_coverage_accounts: int = Field(
        description="Thin data: accounts under the coverage floor or with a health dimension of no data"
    )
    insufficient_data: int = Field(0, description="Accounts whose health is insufficient_data")
    ended_contracts: int = Field(0, description=f"Contracts past their end date: {ENDED_QUESTION}")
    previous_overall_mismatches: int = Field(
        0, description="Accounts whose supplied previous overall disagrees with its own dimension scores"
    )
    notes: list[str]


class PortfolioSummary(BaseModel):
    """The one-minute view of a book of business."""

    as_of: dt.date
    as_of_source: str = Field(
        "argument",
        description="Where as_of came from: argument (asked for), file (the file's as_of) or today",
    )
    notices: list[str] = Field(default_factory=list, description="What a reader must know before the figures")
    profile: str
    accounts: int
    total_arr: float
    average_health: float = Field(description="Mean health of the accounts that have a score")
    average_risk: float
    by_health: list[Bucket]
    by_risk_tier: list[Bucket]
    by_segment: list[GroupBreakdown] = Field(description="Per segment: mix, ARR at risk, renewals, pipeline")
    by_owner: list[OwnerBreakdown] = Field(
        default_factory=list,
        description="Per account owner, largest ARR first; owners past the first 8 are summed in one row "
        "(every owner: query_portfolio, GROUP BY owner)",
    )
    renewals: RenewalWindow
    arr_at_risk: float = Field(description=ARR_AT_RISK_DEFINITION)
    at_risk_accounts: list[AtRiskAccount]
    expansion_pipeline: float = Field(
        description="Gross: every opportunity in the book added up (estimates overlap, at-risk included)"
    )
    expansion_net: float = Field(0.0, description="Gross without the seat/tier overlap on the same ARR")
    expansion_weighted: float = Field(
        0.0, description="The weighted pipeline: net x likelihood by health class (what to expect)"
    )
    expansion_ready_total: float = Field(
        0.0, description="Estimated revenue of the expansion-ready accounts listed"
    )
    expansion_ready: list[ExpansionReadyAccount]
    actions: list[RecommendedAction]
    targets: list[TargetCheck]
    data_quality: DataQuality
