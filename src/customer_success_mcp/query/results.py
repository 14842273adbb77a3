"""What a SQL query over a portfolio returns (pydantic only: the server imports it at start)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class QueryResult(BaseModel):
    """The rows a statement returned, cut to the row limit and the size budget."""

    sql: str
    columns: list[str]
    rows: list[list[Any]] = Field(description="The first rows, each in the order of `columns`")
    total: int = Field(description="Rows the statement returned (counted up to 10,000)")
    truncated: bool = Field(description="True when `rows` holds fewer than `total`")
    note: str | None = Field(None, description="Why rows were left out, and how to get them")
    elapsed_ms: float
