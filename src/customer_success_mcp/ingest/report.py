"""The load report: what happened to every input account (accepted + rejected = total)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class FieldProblem(BaseModel):
    field: str = Field(description="Field path, e.g. usage.login_frequency")
    reason: str


class Rejection(BaseModel):
    index: int = Field(description="Position of the account in the input, from 0")
    customer_id: str | None
    problems: list[FieldProblem]


class DataNote(BaseModel):
    index: int
    customer_id: str | None
    field: str
    note: str


class LoadReport(BaseModel):
    """What happened to every input account: accepted + rejected = total."""

    total: int
    accepted: int
    rejected: int
    rejections: list[Rejection]
    notes: list[DataNote] = Field(description="Accepted accounts with values worth a second look")
    as_of_source: str | None = Field(
        None, description="Where the scoring date came from: argument, file (its as_of) or today"
    )
