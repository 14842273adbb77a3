"""The facts a draft carries: every number, date and step it shows, as data.

A draft is made in two steps: `render.drafts` builds these facts once from the engine's explanation
of an account, its inputs, the lifecycle and the profile, then writes the markdown (or the deck) from
them alone. The MCP tools return the same facts as structured content, so a client (or a test) reads
the numbers without parsing markdown. A section the draft does not show is `None`: a customer draft
carries no churn risk, trend priority, warning, playbook step, question, caution, data note or revenue
estimate, even as data.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

DraftKind = Literal["qbr", "ebr", "save-plan"]
Audience = Literal["customer", "internal"]
DraftFormat = Literal["markdown", "pptx", "docx"]
DataNoteCode = Literal[
    "previous_score_mismatch",
    "seats_licensed_zero",
    "start_after_end",
    "not_started",
    "contract_ended",
    "no_start_date",
    "low_coverage",
]


def default_audience(kind: DraftKind) -> Audience:
    """A save plan is internal; a QBR or an EBR is drafted for the customer unless asked otherwise."""
    return "internal" if kind == "save-plan" else "customer"


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
    trend_priority: str | None = Field(description="critical, high, medium or normal; internal drafts only")
    green_min: float = Field(description="The segment's green line")
    yellow_min: float = Field(description="The segment's yellow line (red below)")


class DimensionFact(BaseModel):
    name: str
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
    label: str = Field(description="The sub-metric in plain words, from the profile")
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
    shown: list[OpportunityFact] = Field(
        description="Plays appropriate now, highest priority first, as many as the draft lists"
    )
    count: int = Field(description="All opportunities of the account")
    not_listed: int = Field(description="Opportunities the draft does not list (held, or smaller)")
    held_until_renewal: bool = Field(
        False, description="A red account: no play before the renewal is secured, so none is listed"
    )
    total_estimated_revenue: float = Field(description="All opportunities together (estimates can overlap)")
    net_estimated_revenue: float = Field(0.0, description="Without the seat/tier overlap")
    weighted_estimated_revenue: float = Field(0.0, description="Net x the likelihood for the health class")


class StepFact(BaseModel):
    text: str
    owner: str
    due: dt.date
    brought_forward: bool = Field(description="Due after the contract end, so brought forward to it")
    answers: list[str] = Field(
        description="The account's warnings and weak sub-metrics this step addresses, or its risk tier"
    )


class PlaybookFact(BaseModel):
    tier: str
    label: str
    steps: list[StepFact] = Field(
        description="In due-date order: `within_days` after as_of, never after a contract end ahead"
    )
    capped_at: dt.date | None = Field(description="The contract end later steps were brought forward to")


class LifecycleFact(BaseModel):
    phase: str | None = Field(
        description="onboarding, adoption, optimisation, renewal, or ended past the end date; None without "
        "dates"
    )
    phase_unknown_because: str | None = Field(
        None, description="Why no phase can be given (which date is missing or contradicts another)"
    )
    renewal_work_starts: dt.date | None
    renewal_work_started: bool
    review_every_days: int
    touch_model: str


class ContractFact(BaseModel):
    """The contract as the file states it."""

    contract_type: str | None = Field(
        description="annual, multi-year, month-to-month...; null when not on file"
    )
    start_date: dt.date | None
    end_date: dt.date | None
    days_left: int | None = Field(description="Signed days from as_of to the end date (negative once ended)")
    arr_at_stake: float = Field(description="The account's ARR: what the renewal puts at stake")
    licensed_seats: float | None = Field(description="Null when not on file")
    active_seats: float | None = Field(description="Null when not on file")
    owner: str | None = Field(description="The account owner on file, if any")


class CheckpointFact(BaseModel):
    """A renewal checkpoint: a date counted back from the contract end (the profile's lifecycle days)."""

    label: str
    due: dt.date
    days_from_as_of: int = Field(description="Negative when the date has passed")


class OutcomesFact(BaseModel):
    """The customer's business outcomes as the file states them (null where not on file)."""

    goals_met_pct: float | None
    roi_promised: float | None = Field(description="Return on investment expected at purchase, x")
    roi_achieved: float | None = Field(description="Return on investment reached so far, x")
    kpi_improvement_pct: float | None
    time_to_value_days: float | None


class DataNote(BaseModel):
    """An input that contradicts another, or is too thin to trust: said in internal drafts only."""

    code: DataNoteCode
    text: str


class CoverageFact(BaseModel):
    health: float = Field(description="Share of the health inputs supplied, 0-1")
    churn_risk: float | None = Field(description="Share of the churn inputs supplied; internal drafts only")
    expansion: float | None = Field(
        description="Share of the expansion inputs supplied; internal drafts only"
    )
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
    audience: Audience = Field(description="customer: safe to share; internal: the CSM's prep, never sent")
    customer_id: str
    name: str
    segment: str
    arr: float
    as_of: dt.date
    quarter: str | None
    renewal_date: dt.date | None
    days_to_renewal: int | None = Field(description="Signed days from as_of to the contract end")
    contract_status: str = Field(description="active, renewing, ended or no_end_date")
    summary: list[str] = Field(description="The executive summary, one sentence each, from the facts below")
    contract: ContractFact
    health: HealthFact
    dimensions: list[DimensionFact] | None = Field(
        description="By dimension; a customer draft shows those built from the customer's own use and service"
    )
    risk: RiskFact | None
    warnings: list[WarningFact] | None = Field(description="Most severe first")
    drivers: list[DriverFact] | None = Field(description="The weakest sub-metrics, weakest first")
    recommendations: list[str] | None
    adoption: AdoptionFact | None
    modules_in_use: list[str] | None = Field(description="Adopted modules, by name")
    departments_using: list[str] | None
    outcomes: OutcomesFact | None = Field(description="Null when the file has no outcome for the account")
    expansion: ExpansionFact | None
    playbook: PlaybookFact | None
    checkpoints: list[CheckpointFact] | None = Field(description="Renewal checkpoints, in date order")
    next_steps: list[str] | None = Field(description="Customer drafts: the next steps the data supports")
    questions: list[str] | None = Field(description="Internal: what to ask in the meeting")
    avoid: list[str] | None = Field(description="Internal: what to avoid in the meeting")
    talking_points: list[str] | None = Field(description="Internal: the customer version's summary")
    data_notes: list[DataNote] | None = Field(description="Internal: inputs that contradict each other")
    lifecycle: LifecycleFact
    coverage: CoverageFact
    provenance: ProvenanceFact
    gaps: list[str] = Field(description="What the CSM must fill in, each marked [to fill: ...] in the draft")
