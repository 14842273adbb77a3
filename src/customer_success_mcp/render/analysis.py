"""One-line headlines for backtests, what-ifs and weekly plans (the text blocks and `csm` print them above
the full result, written generically from the same structure)."""

from __future__ import annotations

from customer_success_mcp.formatting import money, plural
from customer_success_mcp.scoring.backtest_models import BacktestReport
from customer_success_mcp.scoring.plan import WeekPlan
from customer_success_mcp.scoring.whatif import BookChange, WhatIfResult


def _figure(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def backtest_headline(r: BacktestReport, portfolio: str) -> str:
    c, h = r.churn_risk.overall, r.health.overall
    if c is None and h is None:
        return (f"Backtest of {portfolio} (as of {r.as_of}): too few outcomes to say anything "
                f"({r.outcomes.with_outcome} accounts with an outcome); see notes.")  # fmt: skip
    n = c or h
    assert n is not None
    return (
        f"Backtest of {portfolio} (as of {r.as_of}, target {r.target}): churn risk ROC AUC "
        f"{_figure(c.roc_auc if c else None)}, health ROC AUC {_figure(h.roc_auc if h else None)}, on "
        f"{n.accounts} accounts with an outcome ({n.churners} churners)."
    )


def what_if_headline(r: WhatIfResult) -> str:
    h, c = r.health, r.churn_risk
    health = f"health {_figure(h.before, 1)} -> {_figure(h.after, 1)} ({h.class_before} -> {h.class_after})"
    risk = f"churn risk {c.before:g} -> {c.after:g} ({c.tier_before} -> {c.tier_after})"
    return f"What if for {r.name} ({r.customer_id}): {risk}, {health}. Nothing is stored."


def profile_headline(r: BookChange, portfolio: str) -> str:
    return (f"Profile change on {portfolio}: {r.class_changed} of {r.accounts} accounts change health class "
            f"({money(r.class_changed_arr)} ARR), {r.tier_changed} change risk tier "
            f"({money(r.tier_changed_arr)} ARR). Nothing is stored.")  # fmt: skip


def plan_headline(r: WeekPlan) -> str:
    planned = len(r.renewals) + len(r.confirm_status) + len(r.at_risk) + len(r.expansion)
    who = f" for {r.account_owner}" if r.account_owner else ""
    return (f"Week plan{who} ({r.as_of} to {r.week_ends}): {r.hours_planned:g} of {r.hours_available:g} h "
            f"planned for {plural(planned, 'account')}, renewals first; "
            f"{r.did_not_fit_total} left out.")  # fmt: skip
