"""Typed rows and summaries in the reference scripts' JSON shapes (keys and nesting kept).

`csm health|churn|expansion --format json` and the `score_*` MCP tools both return these, so the
tools publish a complete output schema and old pipelines keep reading the reference keys. Additions
(coverage, trend priority, contract status, ...) are extra keys that old consumers ignore.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, model_serializer

from customer_success_mcp.scoring.models import AdoptionSummary
from customer_success_mcp.scoring.vocabulary import (
    ARR_AT_RISK_DEFINITION,
    CONTRACT_STATUS_DEFINITION,
    DAYS_TO_RENEWAL_DEFINITION,
)

Money = int | float  # whole amounts are written as the input wrote them (120000, not 120000.0)


class AccountIdentity(BaseModel):
    customer_id: str
    name: str
    segment: str
    arr: Money


class DimensionScore(BaseModel):
    score: float | None = Field(description="0-100; null when the account supplied none of its inputs")
    weight: str = Field(description="The dimension's weight, e.g. '30%'")
    classification: str = Field(description="green, yellow or red against the segment's thresholds")


class HealthRow(AccountIdentity):
    overall_score: float | None = Field(description="0-100, higher is healthier; null with no health data")
    classification: str
    dimensions: dict[str, DimensionScore]
    trends: dict[str, str] = Field(
        description="Per dimension and overall: improving, stable, declining, no_data"
    )
    trend_priority: str = Field(description="critical, high, medium or normal")
    recommendations: list[str]
    coverage: float = Field(description="Share of the health inputs the account supplied, 0-1")


class CategoryScore(BaseModel):
    score: float
    weight: str


class WarningRow(BaseModel):
    severity: str = Field(description="critical, high, medium or low")
    signal: str


class ChurnRow(AccountIdentity):
    risk_score: float = Field(description="0-100, higher is riskier, after renewal urgency")
    raw_score: float = Field(description="Weighted category score before renewal urgency")
    risk_tier: str
    risk_label: str
    urgency_multiplier: float
    days_to_renewal: int | None = Field(
        description="The reference scripts' key: days to the contract end floored at 0 "
        "(an ended contract reads 0)"
    )
    days_to_contract_end: int | None = Field(description=DAYS_TO_RENEWAL_DEFINITION)
    contract_status: str = Field(description=CONTRACT_STATUS_DEFINITION)
    signal_scores: dict[str, CategoryScore]
    warning_signals: list[WarningRow] = Field(description="Most severe first")
    warning_count: int | None = Field(None, description="All warnings, when the list shown is cut short")
    recommended_actions: list[str] | None = Field(
        None,
        description="The tier's playbook steps (in `playbooks` instead, once per page, in summary detail)",
    )
    coverage: float = Field(description="Share of the churn inputs the account supplied, 0-1")

    @model_serializer(mode="wrap")
    def _without_trimming_notes(self, handler: Any) -> dict[str, Any]:
        """warning_count and recommended_actions appear only when they say something."""
        data: dict[str, Any] = handler(self)
        for key in ("warning_count", "recommended_actions"):
            if data.get(key) is None:
                data.pop(key, None)
        return data


class OpportunityRow(BaseModel):
    type: str
    category: str
    target_tier: str | None = None
    module: str | None = None
    department: str | None = None
    estimated_revenue: float
    effort: str
    rationale: str
    priority_score: float
    additional_seats: int | None = None

    @model_serializer(mode="wrap")
    def _without_empty_subjects(self, handler: Any) -> dict[str, Any]:
        """The reference writes target_tier, module, department and seats only where they apply."""
        data: dict[str, Any] = handler(self)
        return {k: v for k, v in data.items() if v is not None}


class ExpansionRow(AccountIdentity):
    adoption_summary: AdoptionSummary
    total_estimated_revenue: float
    opportunity_count: int
    opportunities: list[OpportunityRow] = Field(description="Highest priority first")
    coverage: float = Field(description="Share of the expansion inputs the account supplied, 0-1")


class HealthSummary(BaseModel):
    total_customers: int
    average_score: float = Field(description="Mean of the accounts that have a score")
    green_count: int
    yellow_count: int
    red_count: int
    insufficient_data_count: int = Field(0, description="Accounts with too little health data for a colour")


class ChurnSummary(BaseModel):
    total_customers: int
    critical_count: int
    high_count: int
    medium_count: int
    low_count: int
    total_arr_at_risk: Money = Field(description=ARR_AT_RISK_DEFINITION)


class ExpansionSummary(BaseModel):
    total_customers: int
    total_estimated_revenue: float
    total_opportunities: int
