"""The three follow-up questions over a scored portfolio, shared by the CLI and the MCP tools.

- `backtest`: do the scores predict churn in this book (against outcomes)?
- `what_if` / `what_if_profile`: what would a change to an account, or to the scoring model, do?
- `plan_week`: with these hours, what should the team do this week?

Each wraps the engine (`scoring.backtest`, `scoring.whatif`, `scoring.plan`); nothing is stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from customer_success_mcp.ingest.changes import apply_changes
from customer_success_mcp.pipeline import ScoredPortfolio, find_account, score_table
from customer_success_mcp.query.accounts import matching_rows
from customer_success_mcp.query.models import AccountFilter, QueryError
from customer_success_mcp.scoring.backtest import Detail, EarlierScoring, backtest_scores
from customer_success_mcp.scoring.backtest_models import BacktestBrief, BacktestReport
from customer_success_mcp.scoring.churn import ChurnScores, score_churn
from customer_success_mcp.scoring.expansion import ExpansionScores, score_expansion
from customer_success_mcp.scoring.health import HealthScores, score_health
from customer_success_mcp.scoring.outcomes import Outcomes, Target, align_outcomes
from customer_success_mcp.scoring.plan import WeekPlan
from customer_success_mcp.scoring.plan import plan_week as plan_engine
from customer_success_mcp.scoring.profile import Profile
from customer_success_mcp.scoring.table import AccountTable
from customer_success_mcp.scoring.whatif import (
    BookChange,
    FieldChange,
    WhatIfResult,
    compare_account,
    compare_books,
)

Scores = tuple[HealthScores, ChurnScores, ExpansionScores]


def backtest(
    scored: ScoredPortfolio,
    outcomes: Outcomes,
    *,
    target: Target = "churned",
    history: Sequence[EarlierScoring] = (),
    target_recall: float | None = None,
    detail: Detail = "summary",
) -> BacktestReport:
    """How well the portfolio's scores separated the accounts that churned (see `scoring.backtest`)."""
    aligned = align_outcomes(scored.table.ids, outcomes, scored.as_of)
    return backtest_scores(scored.table, scored.health, scored.churn, aligned, target=target, history=history,
                           target_recall=target_recall, detail=detail)  # fmt: skip


def _score(table: AccountTable, profile: Profile, scored: ScoredPortfolio) -> Scores:
    health = score_health(table, profile)
    return health, score_churn(table, profile, scored.as_of), score_expansion(table, profile, health.classes)


def what_if(scored: ScoredPortfolio, account: str, changes: Mapping[str, Any]) -> WhatIfResult:
    """One account (by id or name) before and after changes to its inputs (`ingest.changes`), the moves
    attributed to dimensions, categories and signals. Raises AccountNotFound or ChangeError."""
    row = find_account(scored.table, account)
    changed, applied = apply_changes(scored.table, row, changes, scored.profile)
    before = _score(scored.table.take([row]), scored.profile, scored)
    after = _score(changed, scored.profile, scored)
    fields = [FieldChange(field=a.field, before=a.before, after=a.after) for a in applied]
    return compare_account(before, after, fields)


def what_if_profile(
    scored: ScoredPortfolio,
    profile: Profile,
    outcomes: Outcomes | None = None,
    *,
    target: Target = "churned",
    top: int = 10,
) -> BookChange:
    """The whole book rescored under another profile: what changes class or tier, and with outcomes the
    backtest before and after. Raises QueryError when the profile drops a segment the book uses."""
    missing = sorted(set(scored.table.segments) - set(profile.segments))
    if missing:
        raise QueryError(
            f"the changed profile has no segment {', '.join(missing)}, which this book uses; keep the "
            "segments (change their figures instead), or load the portfolio under that profile"
        )
    after = score_table(scored.table, scored.report, profile, scored.as_of)
    result = compare_books((scored.health, scored.churn), (after.health, after.churn), top=top)
    if outcomes is not None:
        result.backtest_before = BacktestBrief.of(backtest(scored, outcomes, target=target))
        result.backtest_after = BacktestBrief.of(backtest(after, outcomes, target=target))
    return result


def owner_rows(scored: ScoredPortfolio, owner: str | None) -> np.ndarray:
    """The rows of one owner's accounts (all rows without an owner); QueryError naming the known owners."""
    if owner is None:
        return np.arange(scored.table.size)
    rows = matching_rows(scored, AccountFilter(owner=owner))
    if rows.size == 0:
        known = sorted({o for o in scored.table.labels["owner"] if o})
        listed = ", ".join(known[:10]) + (", …" if len(known) > 10 else "")
        hint = (
            f"Owners in this portfolio: {listed}."
            if known
            else "No account in this portfolio names an owner."
        )
        raise QueryError(f"No account is owned by {owner!r}. {hint}")
    return rows


def plan_week(scored: ScoredPortfolio, hours: float, owner: str | None = None) -> WeekPlan:
    """The week's plan within `hours` for the book, or one owner's accounts (see `scoring.plan`)."""
    if not 0 < hours <= 168:
        raise QueryError(f"hours must be above 0 and at most 168 (a week), got {hours:g}")
    rows = owner_rows(scored, owner)
    return plan_engine(scored.health, scored.churn, scored.expansion, hours, rows, account_owner=owner)
