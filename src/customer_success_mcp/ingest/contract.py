"""The data contract: what one account looks like, field by field.

These pydantic models are the single statement of the input format. They document every
field (and feed the JSON schema that MCP clients see), and `ingest.columns` derives its bulk
validation rules (type, range, fallback value) from them, so ranges and defaults cannot drift.

Every section is optional; a missing field falls back to the value given here, which is the
reference scripts' default, and counts against the score's coverage. The bulk validator reads
two things more plainly than pydantic's lax mode: `null` means "not supplied" (any field), and
values are taken as typed (no "85" for 85, no 1 or "yes" for true), so an export with quoted
numbers is reported rather than silently converted.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import JsonDict


class KnownValues:
    """Marks a text field whose values come from a fixed vocabulary (others are reported)."""

    def __init__(self, *values: str) -> None:
        self.values = values

    def __repr__(self) -> str:
        return f"KnownValues{self.values!r}"


Percent = Annotated[float, Field(ge=0, le=100)]
Ratio = Annotated[float, Field(ge=0, le=1)]
MAX_COUNT = 1_000_000_000  # a billion seats or tickets is a data error, not a customer
MAX_AMOUNT = 1e13  # ten trillion in any currency: larger is a data error (and would overflow sums)
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
Amount = Annotated[float, Field(ge=0, le=MAX_AMOUNT)]
Score = Annotated[float, Field(ge=0, le=100)]
MAX_ID_CHARS = 256  # an id or name longer than these is a data error (or an attack), not a customer
MAX_NAME_CHARS = 512
NOT_SCORED: JsonDict = {"scored": False}  # a field kept and shown, but read by no built-in profile


class Section(BaseModel):
    """A block of related inputs; unknown keys are ignored, not rejected."""

    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)


class Usage(Section):
    login_frequency: Percent = Field(0, description="Share of expected logins that happened, 0-100")
    feature_adoption: Percent = Field(0, description="Share of licensed features in use, 0-100")
    dau_mau_ratio: Ratio = Field(0, description="Daily over monthly active users, 0-1")
    logins_30d: Count | None = Field(
        None,
        description="Logins in the last 30 days (a count, unlike login_frequency); kept, not scored",
        json_schema_extra=NOT_SCORED,
    )


class Engagement(Section):
    support_ticket_volume: Amount = Field(0, description="Support tickets raised this period")
    meeting_attendance: Percent = Field(0, description="Share of scheduled meetings attended, 0-100")
    nps_score: Annotated[float, Field(ge=0, le=10)] = Field(5, description="Likelihood to recommend, 0-10")
    csat_score: Annotated[float, Field(ge=0, le=5)] = Field(3.0, description="Support satisfaction, 0-5")


class Support(Section):
    open_tickets: Count = Field(0, description="Tickets open now")
    escalation_rate: Ratio = Field(0, description="Share of tickets escalated, 0-1")
    avg_resolution_hours: Amount = Field(0, description="Mean hours to resolve a ticket")


SENTIMENTS = KnownValues("positive", "neutral", "negative", "unknown")


class Relationship(Section):
    executive_sponsor_engagement: Percent = Field(0, description="Executive sponsor engagement, 0-100")
    multi_threading_depth: Count = Field(1, description="People engaged across the customer")
    renewal_sentiment: Annotated[str, SENTIMENTS] = Field(
        "unknown", description="positive, neutral, negative or unknown"
    )


class PreviousPeriod(Section):
    usage_score: Score | None = Field(None, description="Last period's usage score")
    engagement_score: Score | None = Field(None, description="Last period's engagement score")
    support_score: Score | None = Field(None, description="Last period's support score")
    relationship_score: Score | None = Field(None, description="Last period's relationship score")
    outcomes_score: Score | None = Field(None, description="Last period's business-outcomes score")
    overall_score: Score | None = Field(None, description="Last period's overall health score")


class UsageDecline(Section):
    login_trend: Annotated[float, Field(ge=-100, le=MAX_AMOUNT)] = Field(
        0, description="Change in logins over the period, % (negative is a decline)"
    )
    feature_adoption_change: Annotated[float, Field(ge=-100, le=100)] = Field(
        0, description="Change in feature adoption, percentage points"
    )
    dau_mau_change: Annotated[float, Field(ge=-1, le=1)] = Field(0, description="Change in DAU/MAU")


class EngagementDrop(Section):
    meeting_cancellations: Count = Field(0, description="Meetings the customer cancelled")
    response_time_days: Amount = Field(1, description="Days the customer takes to reply")
    nps_change: Annotated[float, Field(ge=-10, le=10)] = Field(0, description="Change in NPS")


SATISFACTION_TRENDS = KnownValues("improving", "stable", "declining", "critical")


class SupportIssues(Section):
    open_escalations: Count = Field(0, description="Escalations open now")
    unresolved_critical: Count = Field(0, description="Unresolved critical tickets")
    satisfaction_trend: Annotated[str, SATISFACTION_TRENDS] = Field(
        "stable", description="improving, stable, declining or critical"
    )


class RelationshipSignals(Section):
    champion_left: bool = Field(False, description="The internal champion has left")
    sponsor_change: bool = Field(False, description="The executive sponsor has changed")
    competitor_mentions: Count = Field(0, description="Times a competitor came up")


CONTRACT_TYPES = KnownValues("annual", "multi-year", "quarterly", "month-to-month")


class CommercialFactors(Section):
    contract_type: Annotated[str, CONTRACT_TYPES] = Field(
        "annual", description="annual, multi-year, quarterly or month-to-month"
    )
    pricing_complaints: bool = Field(False, description="The customer complained about price")
    budget_cuts_mentioned: bool = Field(False, description="The customer mentioned budget cuts")


class Contract(Section):
    licensed_seats: Count = Field(0, description="Seats paid for")
    active_seats: Count = Field(0, description="Seats in use")
    plan_tier: str | None = Field(None, description="Current plan tier, e.g. professional")
    available_tiers: list[str] | None = Field(
        None, description="Tiers this customer could buy (default: the profile's tier ladder)"
    )


class ModuleUsage(Section):
    adopted: bool = Field(False, description="The module is in use")
    usage_pct: Percent = Field(0, description="How much of the module is used, 0-100")


class Departments(Section):
    current: list[str] = Field(default_factory=list, description="Departments using the product")
    potential: list[str] = Field(default_factory=list, description="Departments that could")


class Outcomes(Section):
    """Business outcomes, read by the five-dimension profile."""

    goals_met_pct: Percent | None = Field(None, description="Share of success-plan goals met, 0-100")
    roi_promised: Amount | None = Field(None, description="ROI promised at sale, as a multiple")
    roi_achieved: Amount | None = Field(None, description="ROI achieved so far, as a multiple")
    kpi_improvement_pct: Annotated[float, Field(ge=-100, le=MAX_AMOUNT)] | None = Field(
        None, description="Improvement in the customer's headline KPI, %"
    )
    time_to_value_days: Amount | None = Field(None, description="Days from start to first value")


SECTIONS: dict[str, type[Section]] = {
    "usage": Usage,
    "engagement": Engagement,
    "support": Support,
    "relationship": Relationship,
    "previous_period": PreviousPeriod,
    "usage_decline": UsageDecline,
    "engagement_drop": EngagementDrop,
    "support_issues": SupportIssues,
    "relationship_signals": RelationshipSignals,
    "commercial_factors": CommercialFactors,
    "contract": Contract,
    "departments": Departments,
    "outcomes": Outcomes,
}


class Account(BaseModel):
    """One customer account. Only `customer_id` and `name` are required."""

    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)

    customer_id: Annotated[str, Field(min_length=1, max_length=MAX_ID_CHARS)] = Field(
        description=f"Unique account id (up to {MAX_ID_CHARS} characters)"
    )
    name: Annotated[str, Field(min_length=1, max_length=MAX_NAME_CHARS)] = Field(
        description=f"Account name (up to {MAX_NAME_CHARS} characters)"
    )
    segment: str | None = Field(
        None, description="enterprise, mid-market or smb (any common spelling); derived from ARR if absent"
    )
    owner: str | None = Field(
        None,
        description="The account's owner (its CSM); filters and groups, not scored",
        json_schema_extra=NOT_SCORED,
    )
    arr: Amount = Field(0, description="Annual recurring revenue, in the portfolio's currency")
    contract_start_date: dt.date | None = Field(None, description="Contract start, YYYY-MM-DD")
    contract_end_date: dt.date | None = Field(None, description="Contract end (renewal), YYYY-MM-DD")
    usage: Usage | None = None
    engagement: Engagement | None = None
    support: Support | None = None
    relationship: Relationship | None = None
    previous_period: PreviousPeriod | None = None
    usage_decline: UsageDecline | None = None
    engagement_drop: EngagementDrop | None = None
    support_issues: SupportIssues | None = None
    relationship_signals: RelationshipSignals | None = None
    commercial_factors: CommercialFactors | None = None
    contract: Contract | None = None
    product_usage: dict[str, ModuleUsage] | None = Field(
        None, description="Module name -> adoption and usage"
    )
    departments: Departments | None = None
    outcomes: Outcomes | None = None


class Portfolio(BaseModel):
    """A whole export: `{"customers": [ ... ]}`."""

    customers: list[Account]


def is_scored(path: str) -> bool:
    """False for fields kept and shown but read by no built-in profile (owner, usage.logins_30d)."""
    section, _, name = path.rpartition(".")
    model: type[BaseModel] = SECTIONS.get(section, Account)
    info = model.model_fields.get(name)
    return not (info is not None and info.json_schema_extra == NOT_SCORED)


def input_paths() -> set[str]:
    """Every scalar input a profile may read: top-level fields and section.field paths."""
    paths = {name for name in Account.model_fields if name not in SECTIONS and name != "product_usage"}
    paths |= {f"{section}.{name}" for section, model in SECTIONS.items() for name in model.model_fields}
    return paths
