"""What a comparison of two snapshots returns (pydantic only: the server imports these at start)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

DEFINITIONS = {
    "start_arr": "ARR of the accounts in the earlier snapshot",
    "expansion_arr": "ARR gained by accounts in both snapshots whose ARR rose",
    "contraction_arr": "ARR lost by accounts in both snapshots whose ARR fell",
    "churned_arr": "earlier ARR of the accounts missing from the later snapshot",
    "nrr": "net revenue retention = (start + expansion - contraction - churned) / start "
    "(new accounts excluded)",
    "grr": "gross revenue retention = (start - contraction - churned) / start",
    "migration_arr": "ARR in the migration tables is each account's ARR in the later snapshot",
    "attribution": "a mover's change split into the parts that caused it; the parts add up to the change",
}


class Part(BaseModel):
    part: str = Field(description="What moved: a dimension, 'dimension.sub_metric', a signal, 'urgency', ...")
    change: float = Field(description="Points of the total change it accounts for")


class Mover(BaseModel):
    customer_id: str
    name: str
    arr: float
    before: float | None
    after: float | None
    change: float = Field(description="after - before, in points")
    class_before: str
    class_after: str
    groups: list[Part] = Field(description="The change by dimension (health) or category (risk); adds up too")
    parts: list[Part] = Field(description="The change by sub-metric or signal; the parts add up to `change`")


class Cell(BaseModel):
    before: str
    after: str
    accounts: int
    arr: float


class AccountMove(BaseModel):
    customer_id: str
    name: str
    arr: float


class Comparison(BaseModel):
    """What changed between two scorings of one book."""

    from_as_of: dt.date
    to_as_of: dt.date
    accounts_before: int
    accounts_after: int
    accounts_in_both: int
    added: int
    added_arr: float
    lost: int
    lost_arr: float
    added_accounts: list[AccountMove] = Field(description="Largest ARR first, the first few")
    lost_accounts: list[AccountMove] = Field(description="Largest earlier ARR first, the first few")
    start_arr: float
    expansion_arr: float
    contraction_arr: float
    churned_arr: float
    nrr: float | None = Field(description="Net revenue retention, 0-1+ (see definitions)")
    grr: float | None = Field(description="Gross revenue retention, 0-1 (see definitions)")
    health_migration: list[Cell] = Field(description="Accounts in both, by health class before and after")
    risk_migration: list[Cell] = Field(description="Accounts in both, by risk tier before and after")
    health_movers: list[Mover] = Field(description="The largest health changes, either way")
    risk_movers: list[Mover] = Field(description="The largest churn-risk changes, either way")
    definitions: dict[str, str] = Field(default_factory=lambda: dict(DEFINITIONS))
