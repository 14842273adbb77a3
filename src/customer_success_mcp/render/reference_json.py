"""JSON in the reference scripts' shapes, so pipelines built on them keep working.

Rows and summaries are the typed models of `render.reference_models`; the three `*_report`
functions add the header and the rejection report that `csm ... --format json` prints.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from customer_success_mcp.ingest.load import LoadReport
from customer_success_mcp.pipeline import ScoredPortfolio
from customer_success_mcp.render.reference_models import (
    CategoryScore,
    ChurnRow,
    ChurnSummary,
    DimensionScore,
    ExpansionRow,
    ExpansionSummary,
    HealthRow,
    HealthSummary,
    OpportunityRow,
    WarningRow,
)
from customer_success_mcp.scoring.vocabulary import (
    HEALTH_CLASSES,
    RISK_TIERS,
    HealthClass,
    RiskTier,
    is_at_risk,
)


def _percent(weight: float) -> str:
    return f"{weight * 100:g}%"


def _echo(value: float) -> int | float:
    """Whole numbers the way the input wrote them (120000, not 120000.0)."""
    return int(value) if float(value).is_integer() else float(value)


def _header(p: ScoredPortfolio, report: str) -> dict[str, Any]:
    source = p.report.as_of_source or "argument"
    return {"report": report, "as_of": p.as_of.isoformat(), "as_of_source": source, "profile": p.profile.name}


def _identity(p: ScoredPortfolio, row: int) -> dict[str, Any]:
    t = p.table
    return {
        "customer_id": t.ids[row],
        "name": t.names[row],
        "segment": t.segments[row],
        "arr": _echo(t.values["arr"][row]),
    }


def _rejections(report: LoadReport) -> dict[str, Any]:
    return {
        "input_accounts": report.total,
        "rejected_count": report.rejected,
        "rejections": [r.model_dump() for r in report.rejections],
    }


def _rows(p: ScoredPortfolio, rows: list[int] | None) -> np.ndarray:
    return np.arange(p.table.size) if rows is None else np.asarray(rows, dtype=np.intp)


def health_order(p: ScoredPortfolio) -> list[int]:
    """Input order, as the reference script prints it."""
    return list(range(p.table.size))


def health_customer(p: ScoredPortfolio, row: int) -> HealthRow:
    h = p.health
    dims = p.profile.health.dimensions
    return HealthRow(
        **_identity(p, row),
        overall_score=_score(h.overall[row]),
        classification=h.classification(row),
        dimensions={
            d.name: DimensionScore(
                score=_score(h.dimensions[d.name][row]),
                weight=_percent(d.weight),
                classification=HEALTH_CLASSES[h.dimension_classes[d.name][row]],
            )
            for d in dims
        },
        trends={**{d.name: h.dimension_trend(d.name, row) for d in dims}, "overall": h.trend_of(row)},
        trend_priority=h.priority(row),
        recommendations=h.recommendations(row),
        coverage=round(float(h.coverage[row]), 3),
    )


def _score(value: float) -> float | None:
    value = float(value)
    return None if value != value else value


def health_summary(p: ScoredPortfolio, rows: list[int] | None = None) -> HealthSummary:
    idx = _rows(p, rows)
    counts = np.bincount(p.health.classes[idx], minlength=len(HEALTH_CLASSES))
    scores = p.health.overall[idx]
    scores = scores[~np.isnan(scores)]
    return HealthSummary(
        total_customers=int(idx.size),
        average_score=round(float(scores.mean()), 1) if scores.size else 0.0,
        green_count=int(counts[HealthClass.GREEN.code]),
        yellow_count=int(counts[HealthClass.YELLOW.code]),
        red_count=int(counts[HealthClass.RED.code]),
        insufficient_data_count=int(counts[HealthClass.INSUFFICIENT_DATA.code]),
    )


def health_report(p: ScoredPortfolio) -> dict[str, Any]:
    return {
        **_header(p, "customer_health_scores"),
        "summary": {**health_summary(p).model_dump(), **_rejections(p.report)},
        "customers": [health_customer(p, row).model_dump(mode="json") for row in health_order(p)],
    }


def churn_order(p: ScoredPortfolio) -> list[int]:
    """Riskiest first; ties keep input order."""
    return np.argsort(-p.churn.risk, kind="stable").tolist()


def _reference_days(days: int | None) -> int | None:
    """The reference's days_to_renewal: floored at 0, so an ended contract reads 0."""
    return None if days is None else max(days, 0)


def churn_customer(p: ScoredPortfolio, row: int) -> ChurnRow:
    c = p.churn
    tier = c.tier(row)
    return ChurnRow(
        **_identity(p, row),
        risk_score=float(c.risk[row]),
        raw_score=round(float(c.raw[row]), 1),
        risk_tier=tier,
        risk_label=tier.upper(),
        urgency_multiplier=float(c.multiplier[row]),
        days_to_renewal=_reference_days(c.days_left(row)),
        days_to_contract_end=c.days_left(row),
        contract_status=c.status(row),
        signal_scores={
            cat.name: CategoryScore(score=float(c.categories[cat.name][row]), weight=_percent(cat.weight))
            for cat in p.profile.churn.categories
        },
        warning_signals=[WarningRow(severity=w.severity, signal=w.signal) for w in c.warnings(row)],
        recommended_actions=p.profile.interventions[tier].step_texts,
        coverage=round(float(c.coverage[row]), 3),
    )


def churn_summary(p: ScoredPortfolio, rows: list[int] | None = None) -> ChurnSummary:
    idx = _rows(p, rows)
    tiers = p.churn.tiers[idx]
    counts = np.bincount(tiers, minlength=len(RISK_TIERS))
    return ChurnSummary(
        total_customers=int(idx.size),
        critical_count=int(counts[RiskTier.CRITICAL.code]),
        high_count=int(counts[RiskTier.HIGH.code]),
        medium_count=int(counts[RiskTier.MEDIUM.code]),
        low_count=int(counts[RiskTier.LOW.code]),
        total_arr_at_risk=_echo(float(p.table.values["arr"][idx][is_at_risk(tiers)].sum())),
    )


def churn_report(p: ScoredPortfolio) -> dict[str, Any]:
    return {
        **_header(p, "churn_risk_analysis"),
        "summary": {**churn_summary(p).model_dump(), **_rejections(p.report)},
        "customers": [churn_customer(p, row).model_dump(mode="json") for row in churn_order(p)],
    }


def expansion_order(p: ScoredPortfolio) -> list[int]:
    """Largest estimated revenue first; ties keep input order."""
    return np.argsort(-p.expansion.total_revenue, kind="stable").tolist()


def expansion_customer(p: ScoredPortfolio, row: int) -> ExpansionRow:
    detail = p.expansion.explain(row)
    return ExpansionRow(
        **_identity(p, row),
        adoption_summary=detail.adoption_summary,
        total_estimated_revenue=detail.total_estimated_revenue,
        opportunity_count=detail.opportunity_count,
        opportunities=[OpportunityRow.model_validate(o.model_dump()) for o in detail.opportunities],
        coverage=detail.coverage,
    )


def expansion_summary(p: ScoredPortfolio, rows: list[int] | None = None) -> ExpansionSummary:
    idx = _rows(p, rows)
    return ExpansionSummary(
        total_customers=int(idx.size),
        total_estimated_revenue=float(p.expansion.total_revenue[idx].sum()),
        total_opportunities=int(p.expansion.counts[idx].sum()),
    )


def expansion_report(p: ScoredPortfolio) -> dict[str, Any]:
    return {
        **_header(p, "expansion_opportunities"),
        "summary": {**expansion_summary(p).model_dump(), **_rejections(p.report)},
        "customers": [expansion_customer(p, row).model_dump(mode="json") for row in expansion_order(p)],
    }
