"""The scored portfolio as tables of columns (arrays where the engine has them), in the schema's order.

The SQL engine (`query.sql`) loads them into DuckDB and the export (`query.export`) writes the accounts
table to CSV or Excel, so a column means the same in both. `query.schema` names and describes them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from customer_success_mcp.pipeline import ScoredPortfolio
from customer_success_mcp.scoring.churn import RENEWAL_FIELD
from customer_success_mcp.scoring.expansion import CATEGORIES, EFFORTS
from customer_success_mcp.scoring.lifecycle import lifecycle_phases
from customer_success_mcp.scoring.portfolio import thin_data
from customer_success_mcp.scoring.profile import SEVERITY_ORDER
from customer_success_mcp.scoring.vocabulary import CONTRACT_STATUSES, HEALTH_CLASSES, RISK_TIERS, TRENDS


def _nullable(values: np.ndarray, digits: int = 1) -> np.ndarray:
    """Rounded, with NaN kept (Arrow turns it into NULL)."""
    return np.round(values.astype(float), digits)


def _dates(ordinals: np.ndarray) -> list[str | None]:
    return [None if v != v else dt.date.fromordinal(int(v)).isoformat() for v in ordinals.tolist()]


def _names(codes: np.ndarray, values: tuple[Any, ...]) -> np.ndarray:
    return np.asarray([v.value for v in values], dtype=object)[codes.astype(np.intp)]


def account_table(p: ScoredPortfolio) -> dict[str, Any]:
    """The accounts table as columns (arrays where the engine has them), in the schema's order."""
    t, h, c, e = p.table, p.health, p.churn, p.expansion
    days = c.days
    data: dict[str, Any] = {
        "customer_id": t.ids, "name": t.names, "segment": t.segments,
        "owner": t.labels.get("owner", [None] * t.size), "arr": t.values["arr"],
        "contract_start_date": _dates(t.values["contract_start_date"]),
        "contract_end_date": _dates(t.values[RENEWAL_FIELD]),
        "days_to_renewal": [None if v != v else int(v) for v in days.tolist()],
        "contract_status": _names(c.contract_status, CONTRACT_STATUSES),
        "health": _nullable(h.overall), "health_previous": _nullable(h.previous_overall),
        "health_change": _nullable(h.change),
        "health_class": _names(h.classes, HEALTH_CLASSES), "health_trend": _names(h.trend, TRENDS),
        "health_coverage": _nullable(h.coverage, 3),
    }  # fmt: skip
    for d in p.profile.health.dimensions:
        now = h.dimensions[d.name]
        before = t.values.get(d.previous_field, np.full(t.size, np.nan))
        data |= {d.name: now, f"{d.name}_previous": before, f"{d.name}_change": _nullable(now - before)}
    data |= {
        "risk": c.risk, "risk_raw": _nullable(c.raw), "risk_tier": _names(c.tiers, RISK_TIERS),
        "playbook_tier": _names(c.playbook_tiers, RISK_TIERS), "urgency_multiplier": c.multiplier,
        "churn_coverage": _nullable(c.coverage, 3),
    }  # fmt: skip
    data |= {f"churn_{cat.name}": c.categories[cat.name] for cat in p.profile.churn.categories}
    data["thin_data"] = thin_data(h, c, p.profile).astype(np.int64)
    data |= {
        "expansion_gross": e.total_revenue, "expansion_net": e.net_revenue,
        "expansion_weighted": e.weighted_revenue, "opportunity_count": e.counts,
        "lifecycle_phase": lifecycle_phases(t.values["contract_start_date"], t.values[RENEWAL_FIELD],
                                            p.profile, p.as_of),
    }  # fmt: skip
    return data


def warning_table_columns(p: ScoredPortfolio) -> dict[str, Any]:
    from customer_success_mcp.scoring.churn import warning_table

    rows, severities, texts, fields = warning_table(p.table, p.profile.churn)
    return {
        "customer_id": np.asarray(p.table.ids, dtype=object)[rows],
        "severity": np.asarray(SEVERITY_ORDER, dtype=object)[severities.astype(np.intp)],
        "signal": texts,
        "field": fields,
    }


def opportunity_table(p: ScoredPortfolio) -> dict[str, Any]:
    e = p.expansion
    ids = np.asarray(p.table.ids, dtype=object)
    return {
        "customer_id": ids[e.rows] if e.rows.size else [],
        "category": _names_of(e.categories, CATEGORIES),
        "subject": e.subjects,
        "estimated_revenue": e.revenue,
        "counted_in_net": e.in_net.astype(np.int64),
        "priority": e.priority,
        "effort": _names_of(e.categories, EFFORTS),
    }


def _names_of(codes: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    return np.asarray(names, dtype=object)[codes.astype(np.intp)] if codes.size else np.asarray([], object)


def playbook_step_table(p: ScoredPortfolio) -> dict[str, Any]:
    steps = [(tier, i, step.text, step.owner, step.within_days)
             for tier, plan in p.profile.interventions.items()
             for i, step in enumerate(plan.steps, 1)]  # fmt: skip
    return {name: [row[k] for row in steps] for k, name in enumerate(("tier", "step", "text", "owner",
                                                                       "within_days"))}  # fmt: skip
