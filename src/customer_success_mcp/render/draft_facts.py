"""The facts a draft carries: every number, date and step it shows, as data.

A draft is made in two steps: `render.drafts` builds these facts once from the engine's explanation
of an account, the lifecycle and the profile, then writes the markdown from them alone. The MCP tools
return the same facts as structured content, so a client (or a test) reads the numbers without
parsing markdown. A section the template of the draft does not show is `None`.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

DraftKind = Literal["qbr", "ebr", "save-plan"]


class HealthFact(BaseModel):
    score: float | None = Field(description="Overall health, 0-100; null with no health data")
    previous_score: float | None = Field(description="Last period's overall score, as the trend reads it")
    previous_score_supplied: float | None = Field(None, description="The file's own previous overall")
    previous_score_mismatch: bool = Field(
        False, description="The file's previous overall disagrees with its own previous dimension scores"
    )
    classification: str = Field(
        description="green, yellow or red against the segment thresholds, or insufficient_data"
    )
    trend: str = Field(description="improving, stable, declining or no_data")
    trend_priority: str = Field(description="critical, high, medium or normal")
    green_min: float = Field(description="The segment's green line")
    yellow_min: float = Field(description="The segment's yellow line (red below)")


class DimensionFact(BaseModel):
    label: str
    score: float | None = Field(description="0-100; null when the account supplied none of its inputs")
    band: str | None = Field(description="The dimension's own reading of the score, where it has bands")
    classification: str
    previous_score: float | None
    trend: str
    weight: float = Field(description="Share of the overall score, 0-1")


class RiskFact(BaseModel):
    score: float = Field(description="Churn risk, 0-100: raw score x urgency multiplier, capped at 100")
    raw_score: float
    tier: str = Field(description="critical, high, medium or low")
    playbook_tier: str = Field(
        description="The tier whose playbook applies (escalated above `tier` by a warning)"
    )
    escalated_by: list[str] = Field(default_factory=list, description="The warnings behind an escalation")
    urgency_multiplier: float = Field(description="Renewal urgency from the days to the contract end")
    playbook: str = Field(description="The tier's intervention")
    owner: str
    respond_within_days: int


class WarningFact(BaseModel):
    severity: str
    signal: str


class DriverFact(BaseModel):
    """A weak health sub-metric against its benchmark."""

    metric: str
    input_field: str
    value: float | str | None = Field(description="The input scored (the default when not supplied)")
    benchmark: float | None
    benchmark_kind: Literal["target", "maximum"] | None
    subscore: float | None
    supplied: bool


class AdoptionFact(BaseModel):
    seat_utilisation_pct: float | None = Field(description="Null when no seats are licensed or none on file")
    adopted_modules: int
    total_modules: int
    adoption_rate_pct: float
    avg_usage_pct: float = Field(description="Average use of the adopted modules, percent")
    plan_tier: str | None
    departments_using: int
    departments_potential: int
    enablement_needed: list[str] = Field(description="Adopted modules barely used: enablement first")


class OpportunityFact(BaseModel):
    rationale: str
    estimated_revenue: float
    effort: str
    priority_score: float


class ExpansionFact(BaseModel):
    shown: list[OpportunityFact] = Field(description="Highest priority first, as many as the draft lists")
    count: int = Field(description="All opportunities of the account")
    not_listed: int = Field(description="Smaller opportunities the draft leaves out")
    total_estimated_revenue: float = Field(description="All opportunities together (estimates can overlap)")
    net_estimated_revenue: float = Field(0.0, description="Without the seat/tier overlap")
    weighted_estimated_revenue: float = Field(0.0, description="Net x the likelihood for the health class")


class StepFact(BaseModel):
    text: str
    owner: str
    due: dt.date
    brought_forward: bool = Field(description="Due after the contract end, so brought forward to it")


class PlaybookFact(BaseModel):
    tier: str
    label: str
    steps: list[StepFact] = Field(
        description="Due `within_days` after as_of, never after a contract end ahead"
    )
    capped_at: dt.date | None = Field(description="The contract end later steps were brought forward to")


class LifecycleFact(BaseModel):
    phase: str | None = Field(description="onboarding, adoption, optimisation or renewal; None without dates")
    renewal_work_starts: dt.date | None
    renewal_work_started: bool
    review_every_days: int
    touch_model: str


class CoverageFact(BaseModel):
    health: float = Field(description="Share of the health inputs supplied, 0-1")
    churn_risk: float
    expansion: float
    not_supplied: list[str] = Field(description="Inputs the account did not supply")
    left_out: bool = Field(
        True, description="True: missing inputs are left out of the scores; false: their defaults are scored"
    )


class ProvenanceFact(BaseModel):
    portfolio: str
    snapshot: str
    profile: str
    health_inputs: list[str] = Field(description="Input sections the health score read")
    churn_inputs: list[str]
    expansion_inputs: list[str]


class DraftFacts(BaseModel):
    """Everything a draft states that comes from the engine, and the gaps it leaves to the CSM."""

    kind: DraftKind
    customer_id: str
    name: str
    segment: str
    arr: float
    as_of: dt.date
    quarter: str | None
    renewal_date: dt.date | None
    days_to_renewal: int | None = Field(description="Signed days from as_of to the contract end")
    contract_status: str = Field(description="active, renewing, ended or no_end_date")
    health: HealthFact
    dimensions: list[DimensionFact] | None
    risk: RiskFact
    warnings: list[WarningFact] | None = Field(description="Most severe first")
    drivers: list[DriverFact] | None = Field(description="The weakest sub-metrics, weakest first")
    recommendations: list[str] | None
    adoption: AdoptionFact | None
    expansion: ExpansionFact | None
    playbook: PlaybookFact | None
    lifecycle: LifecycleFact
    coverage: CoverageFact
    provenance: ProvenanceFact
    gaps: list[str] = Field(description="What the CSM must fill in, each marked [to fill: ...] in the draft")
