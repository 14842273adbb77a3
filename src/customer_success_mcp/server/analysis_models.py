"""What the backtest, what-if and plan tools return: the engine's result plus the snapshot it is about."""

from __future__ import annotations

from pydantic import BaseModel, Field

from customer_success_mcp.scoring.backtest_models import BacktestReport
from customer_success_mcp.scoring.plan import WeekPlan
from customer_success_mcp.scoring.whatif import BookChange, WhatIfResult
from customer_success_mcp.server.models import SnapshotRef


class OutcomeRejection(BaseModel):
    row: int = Field(description="Row as a spreadsheet shows it (CSV/Excel), or position from 0 (JSON)")
    customer_id: str | None
    field: str
    reason: str


class OutcomesRead(BaseModel):
    """Where the outcomes came from, and every row accounted for."""

    source: str = Field(description="The outcomes file, or 'snapshot history' with the snapshots compared")
    rows: int
    used: int
    rejected: int
    first_rejections: list[OutcomeRejection] = Field(default_factory=list)


class BacktestResult(BacktestReport):
    snapshot: SnapshotRef = Field(description="The snapshot whose scores were tested")
    outcomes_read: OutcomesRead


class WhatIfReply(WhatIfResult):
    snapshot: SnapshotRef


class ProfileWhatIfReply(BookChange):
    snapshot: SnapshotRef
    outcomes_read: OutcomesRead | None = None


class WeekPlanReply(WeekPlan):
    snapshot: SnapshotRef
