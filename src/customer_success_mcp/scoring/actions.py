"""The portfolio's recommended actions: three to five, most urgent first, each with owner, date, accounts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from customer_success_mcp.formatting import money, plural
from customer_success_mcp.scoring.churn import ChurnScores
from customer_success_mcp.scoring.health import HealthScores
from customer_success_mcp.scoring.models import ExpansionReadyAccount, RecommendedAction
from customer_success_mcp.scoring.profile import Profile
from customer_success_mcp.scoring.table import AccountTable
from customer_success_mcp.scoring.vocabulary import (
    ENDED_QUESTION,
    ContractStatus,
    HealthClass,
    RiskTier,
    Trend,
    in_classes,
    in_tiers,
    is_at_risk,
)

TOP_ACCOUNTS = 5
MAX_ACTIONS = 5
CONFIRM_STATUS_DAYS = 7  # ended contracts: confirm whether they renewed before anything else is planned


@dataclass(frozen=True)
class ActionInputs:
    """What the actions are built from: the scored book and a few figures the summary already has."""

    table: AccountTable
    profile: Profile
    as_of: dt.date
    health: HealthScores
    churn: ChurnScores
    renewal_rows: np.ndarray
    ready: list[ExpansionReadyAccount]
    rejected: int
    thin_data: int


def recommended_actions(a: ActionInputs) -> list[RecommendedAction]:
    """Three to five actions, most urgent first, each with an owner, a date and the accounts it names.

    Playbook actions follow the playbook tier (a critical warning escalates an account to at least the
    high tier's playbook), so the counts here agree with the playbooks the briefs and drafts apply.
    """
    table, profile, health, churn = a.table, a.profile, a.health, a.churn
    arr = table.values["arr"]
    actions: list[RecommendedAction] = []

    def add(action: str, owner: str, days: int, concerned: np.ndarray | list[int] | None = None) -> None:
        rows = np.asarray([] if concerned is None else concerned, dtype=np.intp)
        top = rows[np.argsort(-arr[rows], kind="stable")][:TOP_ACCOUNTS].tolist()
        actions.append(RecommendedAction(
            action=action, owner=owner, due=a.as_of + dt.timedelta(days=days),
            accounts=[table.ids[r] for r in top], account_names=[table.names[r] for r in top],
            account_count=int(rows.size),
        ))  # fmt: skip

    ended = np.flatnonzero(churn.contract_status == ContractStatus.ENDED.code)
    live = churn.contract_status != ContractStatus.ENDED.code
    for tier in (RiskTier.CRITICAL, RiskTier.HIGH):
        rows = np.flatnonzero(in_tiers(churn.playbook_tiers, tier) & live)
        if rows.size:
            plan = profile.interventions[tier]
            escalated = int((churn.playbook_tiers[rows] != churn.tiers[rows]).sum())
            why = f", {escalated} escalated by a critical warning" if escalated else ""
            accounts = plural(int(rows.size), f"{tier}-playbook account")
            add(f"{plan.label} for {accounts} ({money(float(arr[rows].sum()))} ARR{why})",
                plan.owner, plan.respond_within_days, rows)  # fmt: skip
    if ended.size:
        add(f"Confirm the status of {plural(int(ended.size), 'contract')} past the end date "
            f"({money(float(arr[ended].sum()))} ARR): {ENDED_QUESTION}", "CSM",
            CONFIRM_STATUS_DAYS, ended)  # fmt: skip
    not_green = a.renewal_rows[~in_classes(health.classes[a.renewal_rows], HealthClass.GREEN)]
    if not_green.size:
        at_stake = money(float(arr[not_green].sum()))
        add(f"Build renewal plans for {plural(int(not_green.size), 'account')} renewing soon, not green "
            f"({at_stake} ARR)",
            "CSM with the account executive", 14, not_green)  # fmt: skip
    quiet = ~is_at_risk(churn.playbook_tiers) & live
    quiet_red = np.flatnonzero(in_classes(health.classes, HealthClass.RED) & quiet)
    if quiet_red.size:
        add(f"Health check for {plural(int(quiet_red.size), 'red account')} whose churn signals are "
            "still quiet",
            "CSM", 14, quiet_red)  # fmt: skip
    slipping = np.flatnonzero(
        in_classes(health.classes, HealthClass.GREEN) & (health.trend == Trend.DECLINING.code)
    )
    if slipping.size:
        add(
            f"Check in with {plural(int(slipping.size), 'green account')} whose health is falling",
            "CSM",
            14,
            slipping,
        )
    if a.ready:
        ready_rows = [table.ids.index(r.customer_id) for r in a.ready]
        total = sum(r.weighted_revenue for r in a.ready)
        add(f"Open expansion conversations with the top {plural(len(a.ready), 'healthy account')} "
            f"({money(total)} weighted pipeline)", "CSM with the account executive", 30,
            ready_rows)  # fmt: skip
    if a.rejected or a.thin_data:
        add(
            f"Fix the data: {plural(a.rejected, 'rejected account')}, {a.thin_data} with thin data",
            "CS operations",
            7,
        )
    # Always worth doing, so the list never runs short of three.
    cadence = min(s.review_every_days for s in profile.segments.values())
    add("Score the portfolio again to see what moved (the fastest segment cadence)", "CS operations", cadence)
    yellow = np.flatnonzero(in_classes(health.classes, HealthClass.YELLOW))
    if yellow.size:
        add(f"Review the weakest health dimension of the {plural(int(yellow.size), 'yellow account')} "
            "with their CSMs",
            "CS team lead", 14, yellow)  # fmt: skip
    if a.renewal_rows.size:
        add("Confirm renewal dates and main contacts are current for the accounts renewing soon",
            "CSM", 30, a.renewal_rows)  # fmt: skip
    add("Schedule the next business reviews with the largest accounts, at their segment's cadence",
        "CSM", 30, np.arange(table.size))  # fmt: skip
    add("Confirm each account's main contact and executive sponsor are current in the CRM",
        "CS team lead", 14, np.arange(table.size))  # fmt: skip
    return actions[:MAX_ACTIONS]
