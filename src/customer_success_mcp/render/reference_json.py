"""JSON in the reference scripts' shapes, so pipelines built on them keep working.

Keys and nesting follow the reference outputs; additions (as_of, profile, coverage, trend
priority, rejections) are extra keys that old consumers ignore.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from customer_success_mcp.ingest.load import LoadReport
from customer_success_mcp.pipeline import ScoredPortfolio
from customer_success_mcp.scoring.health import CLASSES


def _percent(weight: float) -> str:
    return f"{weight * 100:g}%"


def _echo(value: float) -> int | float:
    """Whole numbers the way the input wrote them (120000, not 120000.0)."""
    return int(value) if float(value).is_integer() else float(value)


def _header(p: ScoredPortfolio, report: str) -> dict[str, Any]:
    return {"report": report, "as_of": p.as_of.isoformat(), "profile": p.profile.name}


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


def health_report(p: ScoredPortfolio) -> dict[str, Any]:
    h = p.health
    dims = p.profile.health.dimensions
    customers = []
    for row in range(p.table.size):
        customers.append({
            **_identity(p, row),
            "overall_score": float(h.overall[row]),
            "classification": h.classification(row),
            "dimensions": {
                d.name: {
                    "score": float(h.dimensions[d.name][row]),
                    "weight": _percent(d.weight),
                    "classification": CLASSES[h.dimension_classes[d.name][row]],
                }
                for d in dims
            },
            "trends": {**{d.name: h.dimension_trend(d.name, row) for d in dims}, "overall": h.trend_of(row)},
            "trend_priority": h.priority(row),
            "recommendations": h.recommendations(row),
            "coverage": round(float(h.coverage[row]), 3),
        })  # fmt: skip
    counts = np.bincount(h.classes, minlength=3) if p.table.size else np.zeros(3, int)
    return {
        **_header(p, "customer_health_scores"),
        "summary": {
            "total_customers": p.table.size,
            "average_score": round(float(h.overall.mean()), 1) if p.table.size else 0.0,
            "green_count": int(counts[0]),
            "yellow_count": int(counts[1]),
            "red_count": int(counts[2]),
            **_rejections(p.report),
        },
        "customers": customers,
    }


def churn_report(p: ScoredPortfolio) -> dict[str, Any]:
    c = p.churn
    weights = p.profile.churn.weights
    order = np.argsort(-c.risk, kind="stable").tolist()
    customers = []
    for row in order:
        tier = c.tier(row)
        customers.append({
            **_identity(p, row),
            "risk_score": float(c.risk[row]),
            "raw_score": round(float(c.raw[row]), 1),
            "risk_tier": tier,
            "risk_label": tier.upper(),
            "urgency_multiplier": float(c.multiplier[row]),
            "days_to_renewal": c.days_left(row),
            "signal_scores": {
                name: {"score": float(c.categories[name][row]), "weight": _percent(w)}
                for name, w in weights.items()
            },
            "warning_signals": [{"severity": w.severity, "signal": w.signal} for w in c.warnings(row)],
            "recommended_actions": list(p.profile.interventions[tier].steps),
            "coverage": round(float(c.coverage[row]), 3),
        })  # fmt: skip
    counts = np.bincount(c.tiers, minlength=4) if p.table.size else np.zeros(4, int)
    return {
        **_header(p, "churn_risk_analysis"),
        "summary": {
            "total_customers": p.table.size,
            "critical_count": int(counts[0]),
            "high_count": int(counts[1]),
            "medium_count": int(counts[2]),
            "low_count": int(counts[3]),
            "total_arr_at_risk": _echo(float(p.table.values["arr"][c.tiers <= 1].sum())),
            **_rejections(p.report),
        },
        "customers": customers,
    }


def _opportunity_dict(opp: Any) -> dict[str, Any]:
    data = {"type": opp.type, "category": opp.category}
    for key in ("target_tier", "module", "department"):
        value = getattr(opp, key)
        if value is not None:
            data[key] = value
    data.update({
        "estimated_revenue": opp.estimated_revenue,
        "effort": opp.effort,
        "rationale": opp.rationale,
        "priority_score": opp.priority_score,
    })  # fmt: skip
    if opp.additional_seats is not None:
        data["additional_seats"] = opp.additional_seats
    return data


def expansion_report(p: ScoredPortfolio) -> dict[str, Any]:
    e = p.expansion
    order = np.argsort(-e.total_revenue, kind="stable").tolist()
    customers = []
    for row in order:
        detail = e.explain(row)
        customers.append({
            **_identity(p, row),
            "adoption_summary": detail.adoption_summary.model_dump(),
            "total_estimated_revenue": detail.total_estimated_revenue,
            "opportunity_count": detail.opportunity_count,
            "opportunities": [_opportunity_dict(o) for o in detail.opportunities],
            "coverage": detail.coverage,
        })  # fmt: skip
    return {
        **_header(p, "expansion_opportunities"),
        "summary": {
            "total_customers": p.table.size,
            "total_estimated_revenue": float(e.total_revenue.sum()),
            "total_opportunities": int(e.counts.sum()),
            **_rejections(p.report),
        },
        "customers": customers,
    }
