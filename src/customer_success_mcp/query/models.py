"""What the query layer takes and returns (pydantic, no engine imports: the server loads these at start)."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, Field

from customer_success_mcp.scoring.vocabulary import DAYS_TO_RENEWAL_DEFINITION

SortKey = Literal["arr", "health", "risk", "renewal", "expansion"]
SORT_KEYS: tuple[SortKey, ...] = get_args(SortKey)
SORT_HELP = "arr (largest first), health (worst first), risk (riskiest first), renewal (soonest first), "
SORT_HELP += "expansion (largest estimate first)"


class QueryError(ValueError):
    """A filter or sort the query layer cannot apply; the message names the accepted values."""


class AccountFilter(BaseModel):
    """Accounts must match every filter given; None means no filter on that field."""

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
    contract_status: str = Field(description="active, renewing, ended or no_end_date")
    expansion_revenue: float = Field(description="All of the account's expansion estimates together")
    top_reason: str | None = Field(description="The main driver of its risk, in a few words")


class AccountSelection(BaseModel):
    """A page of matching accounts and how many matched in all."""

    total: int = Field(description="Matching accounts in all")
    offset: int
    has_more: bool
    accounts: list[AccountRow]
