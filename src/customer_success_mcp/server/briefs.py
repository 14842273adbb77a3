"""Compact views of the engine's results for tool responses: the account brief, trimmed score pages."""

from __future__ import annotations

from customer_success_mcp.render.reference_models import ChurnRow, ExpansionRow
from customer_success_mcp.scoring.lifecycle import Lifecycle
from customer_success_mcp.scoring.models import AccountExplanation, HealthExplanation
from customer_success_mcp.server.models import (
    AccountBrief,
    ChurnBrief,
    Detail,
    DimensionSummary,
    Driver,
    ExpansionBrief,
    HealthBrief,
    SnapshotRef,
)

BRIEF_OPPORTUNITIES = 3
BRIEF_WARNINGS = 5
BRIEF_DRIVERS = 5
BRIEF_RECOMMENDATIONS = 3


def health_brief(h: HealthExplanation, detail: Detail) -> HealthBrief:
    """Health without the sub-metric tables: the lowest sub-metrics against benchmarks stand for them."""
    metrics = [(d, m) for d in h.dimensions for m in d.metrics if m.subscore is not None]
    lowest = sorted(metrics, key=lambda dm: dm[1].subscore or 0.0)[:BRIEF_DRIVERS]
    full = detail == "full"
    return HealthBrief(
        score=h.score, previous_score=h.previous_score, previous_score_supplied=h.previous_score_supplied,
        previous_score_mismatch=h.previous_score_mismatch, classification=h.classification, trend=h.trend,
        trend_priority=h.trend_priority, green_min=h.green_min, yellow_min=h.yellow_min, coverage=h.coverage,
        not_supplied=h.not_supplied,
        dimensions=[DimensionSummary(dimension=d.dimension, label=d.label, score=d.score, weight=d.weight,
                                     classification=d.classification, previous_score=d.previous_score,
                                     trend=d.trend) for d in h.dimensions],
        drivers=[Driver(dimension=d.dimension, metric=m.label, value=m.value, benchmark=m.benchmark,
                        direction=m.direction, subscore=m.subscore or 0.0)
                 for d, m in lowest if (m.subscore or 0.0) < 100],
        recommendations=h.recommendations if full else h.recommendations[:BRIEF_RECOMMENDATIONS],
        recommendation_count=len(h.recommendations),
    )  # fmt: skip


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
        health=health_brief(full.health, detail),
        health_breakdown=full.health if detail == "full" else None,
        churn=ChurnBrief(
            risk_score=churn.risk_score,
            raw_score=churn.raw_score,
            risk_tier=churn.risk_tier,
            playbook_tier=churn.playbook_tier,
            escalated_by=churn.escalated_by,
            urgency_multiplier=churn.urgency_multiplier,
            days_to_renewal=churn.days_to_renewal,
            contract_status=churn.contract_status,
            renewal_date=churn.renewal_date,
            categories={c.category: c.score for c in churn.categories},
            warning_signals=churn.warning_signals[: None if detail == "full" else BRIEF_WARNINGS],
            warning_count=len(churn.warning_signals),
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
