"""The numbers behind each chart (pydantic only, cheap to import: the server's schemas use them).

A chart is built in two steps: `render.chart_data` turns a scored portfolio into one of these models
(the numbers), and `render.charts` draws a model to PNG or SVG bytes. Tools return the numbers as
structured content beside the picture, the HTML report embeds the SVG, and a slide deck can reuse both.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, Field

from customer_success_mcp.scoring.models import Bucket

ChartKind = Literal[
    "arr_by_health",
    "arr_by_risk_tier",
    "arr_by_segment",
    "renewals_by_month",
    "risk_vs_arr",
    "health_migration",
]
CHART_KINDS: tuple[ChartKind, ...] = get_args(ChartKind)
BreakdownKind = Literal["arr_by_health", "arr_by_risk_tier", "arr_by_segment"]

# One palette for every picture we draw (PNG, SVG, the dashboard app): health classes, risk tiers, segments.
HEALTH_COLOURS = {"green": "#2e8540", "yellow": "#e0a800", "red": "#c62828", "insufficient_data": "#8c8c8c"}
TIER_COLOURS = {"critical": "#8e1b1b", "high": "#e8590c", "medium": "#f2c12e", "low": "#4f9a5b"}
SEGMENT_COLOURS = ("#1f5f99", "#4a90c8", "#93c1e6", "#6b5b95", "#a391c7")


class BreakdownChart(BaseModel):
    """ARR and accounts per health class, risk tier or segment."""

    kind: BreakdownKind
    title: str
    as_of: dt.date
    accounts: int
    total_arr: float
    buckets: list[Bucket] = Field(description="Every class, tier or segment, empty ones included")


class RenewalMonth(BaseModel):
    month: str = Field(description="Calendar month of the contract end, YYYY-MM")
    accounts: int
    arr: float
    critical_arr: float
    high_arr: float
    medium_arr: float
    low_arr: float


class RenewalsChart(BaseModel):
    """Contracts ending within the window, by calendar month of their end date, ARR split by risk tier."""

    kind: Literal["renewals_by_month"] = "renewals_by_month"
    title: str
    as_of: dt.date
    days: int = Field(description="Window: contracts ending 0 to `days` days after as_of")
    ends_on: dt.date
    accounts: int
    arr: float
    at_risk_arr: float = Field(description="ARR of the renewing accounts in the critical and high tiers")
    months: list[RenewalMonth]
    left_out: str = Field(description="What the window does not count")


class RiskPoint(BaseModel):
    customer_id: str
    name: str
    arr: float
    risk_score: float
    risk_tier: str
    health_score: float | None = Field(description="Null when the account supplied no health input")
    health_class: str


class RiskVsArrNumbers(BaseModel):
    """Every account placed by ARR (log scale) and churn risk, coloured by health class."""

    kind: Literal["risk_vs_arr"] = "risk_vs_arr"
    title: str
    as_of: dt.date
    accounts: int = Field(description="Accounts plotted (every account with ARR above zero)")
    not_plotted: int = Field(description="Accounts with no ARR, which a log scale cannot place")
    tier_floors: dict[str, float] = Field(description="Lowest risk score of each tier above low")
    by_tier: list[Bucket]
    labelled: list[RiskPoint] = Field(
        description="Named on the chart: the at-risk accounts (critical, high) with the largest ARR"
    )


class RiskVsArr(RiskVsArrNumbers):
    """The numbers plus one point per plotted account (what the drawing needs; never sent as is)."""

    arr: list[float]
    risk: list[float]
    health_class: list[str]

    def numbers(self) -> RiskVsArrNumbers:
        return RiskVsArrNumbers.model_validate(self.model_dump(exclude={"arr", "risk", "health_class"}))


class MigrationCell(BaseModel):
    from_class: str
    to_class: str
    accounts: int
    arr: float = Field(description="ARR at the later snapshot")


class HealthMigration(BaseModel):
    """How accounts moved between health classes from one snapshot to the next."""

    kind: Literal["health_migration"] = "health_migration"
    title: str
    from_as_of: dt.date
    to_as_of: dt.date
    classes: list[str]
    cells: list[MigrationCell] = Field(description="One per (from, to) pair that holds accounts")
    new_accounts: int = Field(0, description="In the later snapshot only")
    gone_accounts: int = Field(0, description="In the earlier snapshot only")


class AreaScore(BaseModel):
    label: str
    score: float | None = Field(description="0-100; null when the account supplied none of its inputs")
    previous_score: float | None
    classification: str


class AccountHealthChart(BaseModel):
    """One account's health by area against the previous period (the customer deck's chart)."""

    kind: Literal["account_health"] = "account_health"
    title: str
    account: str
    as_of: dt.date
    areas: list[AreaScore]


ChartNumbers = Annotated[
    BreakdownChart | RenewalsChart | RiskVsArrNumbers | HealthMigration, Field(discriminator="kind")
]
Drawable = BreakdownChart | RenewalsChart | RiskVsArr | HealthMigration | AccountHealthChart
