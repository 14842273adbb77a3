"""What the query layer takes and returns (pydantic, no engine imports: the server loads these at start)."""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from customer_success_mcp.scoring.vocabulary import CONTRACT_STATUS_DEFINITION, DAYS_TO_RENEWAL_DEFINITION

SortKey = Literal["arr", "health", "risk", "renewal", "expansion", "health_drop", "coverage"]
SORT_KEYS: tuple[SortKey, ...] = get_args(SortKey)
SORT_HELP = (
    "arr (largest first), health (worst first), risk (riskiest first), renewal (soonest first), "
    "expansion (largest weighted estimate first), health_drop (largest fall since last period first), "
    "coverage (thinnest data first)"
)
# The row field each sort key ranks by (the page names it, so each row shows the figure it was sorted by).
SORT_FIELDS: dict[str, str] = {
    "arr": "arr", "health": "health_score", "risk": "risk_score", "renewal": "days_to_renewal",
    "expansion": "expansion_weighted", "health_drop": "health_change", "coverage": "coverage",
}  # fmt: skip
ReasonKind = Literal["risk", "expansion", "health_drop", "coverage"]
COVERAGE_DEFINITION = "coverage = the lower of the shares of health and churn inputs supplied, 0-1"


class QueryError(ValueError):
    """A filter or sort the query layer cannot apply; the message names the accepted values."""


class AccountFilter(BaseModel):
    """Accounts must match every filter given; None means no filter on that field."""

    model_config = ConfigDict(extra="forbid")

    segment: str | None = Field(None, description="enterprise, mid-market or smb (any common spelling)")
    health: str | None = Field(None, description="green, yellow or red")
    risk_tier: str | None = Field(None, description="critical, high, medium or low")
    renewal_within_days: int | None = Field(
        None, ge=0, description="The contract ends within this many days of as_of (ended contracts excluded)"
    )
    min_arr: float | None = Field(None, ge=0, description="At least this ARR")
    has_expansion: bool | None = Field(None, description="With (true) or without (false) an opportunity")
    text: str | None = Field(None, description="Name or id contains this, ignoring case")
    owner: str | None = Field(None, description="The account owner (CSM) is this, ignoring case")
    trend: str | None = Field(None, description="Health trend: improving, stable, declining or no_data")
    min_health_drop: float | None = Field(
        None, ge=0, description="Health fell by at least this many points since last period"
    )
    coverage_below: float | None = Field(
        None, ge=0, le=1, description="Thin data: coverage (0-1) under this share, e.g. 0.6"
    )
    contract_status: str | None = Field(None, description=CONTRACT_STATUS_DEFINITION)
    thin_data: bool | None = Field(
        None, description="Scores resting on thin data (true), as portfolio_overview's data_quality counts"
    )


class AccountRow(BaseModel):
    """One account in a list: identity, scores, renewal and its main reason, in a few fields."""

    customer_id: str
    name: str
    segment: str
    owner: str | None = Field(description="The account's owner (CSM), when the data names one")
    arr: float
    health_score: float
    health_class: str
    health_trend: str
    risk_score: float
    risk_tier: str
    days_to_renewal: int | None = Field(description=DAYS_TO_RENEWAL_DEFINITION)
    contract_status: str = Field(description=CONTRACT_STATUS_DEFINITION)
    health_change: float | None = Field(
        description="Health points since last period (negative: worse); null when there is no previous score"
    )
    coverage: float = Field(description=COVERAGE_DEFINITION)
    expansion_revenue: float = Field(description="Gross: all of the account's expansion estimates together")
    expansion_weighted: float = Field(description="Net of overlap x the likelihood for its health class")
    top_opportunity: str | None = Field(description="Its largest expansion opportunity, in a few words")
    top_opportunity_revenue: float | None = None
    top_reason: str | None = Field(description="The main reason in a few words, of the page's reason_kind")


class AccountSelection(BaseModel):
    """A page of matching accounts and how many matched in all."""

    sorted_by: SortKey = "arr"
    sort_field: str = Field("arr", description="The row field the page is ranked by")
    reason_kind: ReasonKind = Field(
        "risk", description="What each row's top_reason explains: risk, expansion, health_drop or coverage"
    )
    total: int = Field(description="Matching accounts in all")
    offset: int
    has_more: bool
    accounts: list[AccountRow]


class ExportPreview(BaseModel):
    """The first rows of an export, as a table."""

    columns: list[str]
    rows: list[list[Any]]


class AccountExportSummary(BaseModel):
    """What an export wrote: where, how many accounts, the columns, the first rows."""

    format: Literal["csv", "xlsx"]
    saved_to: str | None = Field(description="The new file, when save_to was given")
    accounts: int = Field(description="Rows written (one per account)")
    bytes: int = Field(description="Size of the file")
    sorted_by: SortKey
    filters: dict[str, Any] = Field(description="The filters applied (none: every account)")
    preview: ExportPreview = Field(description="The first 5 rows")
    csv: str | None = Field(None, description="The whole CSV, when it is under 8 KB")
