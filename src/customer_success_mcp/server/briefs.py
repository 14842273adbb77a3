"""Compact views of the engine's results for tool responses: the account brief, trimmed score pages."""

from __future__ import annotations

from customer_success_mcp.render.reference_models import ChurnRow, ExpansionRow
from customer_success_mcp.scoring.lifecycle import Lifecycle
from customer_success_mcp.scoring.models import AccountExplanation
from customer_success_mcp.server.models import AccountBrief, ChurnBrief, Detail, ExpansionBrief, SnapshotRef

BRIEF_OPPORTUNITIES = 5


def brief_of(
    full: AccountExplanation, lifecycle: Lifecycle, snapshot: SnapshotRef, detail: Detail
) -> AccountBrief:
    """One account's brief: churn without per-signal points, the top opportunities (unless 'full')."""
    churn = full.churn
    return AccountBrief(
        snapshot=snapshot,
        customer_id=full.customer_id,
        name=full.name,
        segment=full.segment,
        segment_source=full.segment_source,
        arr=full.arr,
        health=full.health,
        churn=ChurnBrief(
            risk_score=churn.risk_score,
            raw_score=churn.raw_score,
            risk_tier=churn.risk_tier,
            playbook_tier=churn.playbook_tier,
            escalated_by=churn.escalated_by,
            urgency_multiplier=churn.urgency_multiplier,
            days_to_renewal=churn.days_to_renewal,
            renewal_date=churn.renewal_date,
            categories={c.category: c.score for c in churn.categories},
            warning_signals=churn.warning_signals,
            intervention=churn.intervention,
            owner=churn.owner,
            respond_within_days=churn.respond_within_days,
            playbook_steps=churn.recommended_actions,
            coverage=churn.coverage,
        ),
        churn_breakdown=churn if detail == "full" else None,
        expansion=ExpansionBrief(
            total_estimated_revenue=full.expansion.total_estimated_revenue,
            net_estimated_revenue=full.expansion.net_estimated_revenue,
            weighted_estimated_revenue=full.expansion.weighted_estimated_revenue,
            opportunity_count=full.expansion.opportunity_count,
            opportunities=full.expansion.opportunities[: None if detail == "full" else BRIEF_OPPORTUNITIES],
            adoption_summary=full.expansion.adoption_summary,
            coverage=full.expansion.coverage,
        ),
        lifecycle=lifecycle,
    )


SUMMARY_WARNINGS = 5
SUMMARY_OPPORTUNITIES = 2


def compact_churn_rows(rows: list[ChurnRow]) -> dict[str, list[str]]:
    """detail='summary': each tier's steps once per page (returned), the first warnings on each row."""
    playbooks: dict[str, list[str]] = {}
    for row in rows:
        playbooks.setdefault(row.risk_tier, row.recommended_actions or [])
        row.recommended_actions = None
        row.warning_count = len(row.warning_signals)
        row.warning_signals = row.warning_signals[:SUMMARY_WARNINGS]
    return playbooks


def compact_expansion_rows(rows: list[ExpansionRow]) -> None:
    """detail='summary': the top opportunities of each row."""
    for row in rows:
        row.opportunities = row.opportunities[:SUMMARY_OPPORTUNITIES]
