"""Churn risk (0-100, higher is riskier), for a whole table at once.

Five weighted categories, an urgency multiplier from days to renewal (counted from an
explicit `as_of` date), and tiers by the >= rule (the reference's integer ranges left
scores such as 79.5 in no tier; here every score has exactly one).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from customer_success_mcp.scoring.models import (
    CategoryBreakdown,
    ChurnExplanation,
    SignalBreakdown,
    WarningSignal,
)
from customer_success_mcp.scoring.numeric import clamp, py_round
from customer_success_mcp.scoring.profile import SEVERITY_ORDER, ChurnModel, Profile, WarningRule
from customer_success_mcp.scoring.table import AccountTable
from customer_success_mcp.scoring.vocabulary import (
    CONTRACT_STATUSES,
    RISK_TIERS,
    ContractStatus,
    RiskTier,
    contract_status_codes,
)

# (category, signal, input field) in the order the categories add them up.
SIGNAL_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("usage_decline", "login", "usage_decline.login_trend"),
    ("usage_decline", "feature", "usage_decline.feature_adoption_change"),
    ("usage_decline", "dau_mau", "usage_decline.dau_mau_change"),
    ("engagement_drop", "cancellations", "engagement_drop.meeting_cancellations"),
    ("engagement_drop", "response", "engagement_drop.response_time_days"),
    ("engagement_drop", "nps", "engagement_drop.nps_change"),
    ("support_issues", "escalations", "support_issues.open_escalations"),
    ("support_issues", "critical", "support_issues.unresolved_critical"),
    ("support_issues", "satisfaction", "support_issues.satisfaction_trend"),
    ("relationship_signals", "champion_left", "relationship_signals.champion_left"),
    ("relationship_signals", "sponsor_change", "relationship_signals.sponsor_change"),
    ("relationship_signals", "competitors", "relationship_signals.competitor_mentions"),
    ("commercial_factors", "contract_type", "commercial_factors.contract_type"),
    ("commercial_factors", "pricing", "commercial_factors.pricing_complaints"),
    ("commercial_factors", "budget_cuts", "commercial_factors.budget_cuts_mentioned"),
)
RENEWAL_FIELD = "contract_end_date"


def _decline(values: np.ndarray, scale: float) -> np.ndarray:
    """Points for a fall: only negative changes count, scaled and bounded to 0-100."""
    return clamp(-np.minimum(values, 0) * scale)


def signal_points(table: AccountTable, churn: ChurnModel) -> dict[str, np.ndarray]:
    """Each churn signal's 0-100 points (or raw points for the two points categories)."""
    v = table.values
    competitors = v["relationship_signals.competitor_mentions"]
    trend_scores, trend_other = churn.satisfaction_trend_scores, churn.satisfaction_trend_other
    contract_points = churn.contract_type_points
    size = table.size
    return {
        "login": _decline(v["usage_decline.login_trend"], churn.login_decline_scale),
        "feature": _decline(v["usage_decline.feature_adoption_change"], churn.feature_decline_scale),
        "dau_mau": _decline(v["usage_decline.dau_mau_change"], churn.dau_mau_decline_scale),
        "cancellations": clamp(v["engagement_drop.meeting_cancellations"] * churn.cancellation_points),
        "response": clamp(
            (v["engagement_drop.response_time_days"] - churn.response_days_baseline)
            * churn.response_day_points
        ),
        "nps": _decline(v["engagement_drop.nps_change"], churn.nps_drop_points),
        "escalations": clamp(v["support_issues.open_escalations"] * churn.escalation_points),
        "critical": clamp(v["support_issues.unresolved_critical"] * churn.critical_ticket_points),
        "satisfaction": np.fromiter(
            (trend_scores.get(t, trend_other) for t in table.labels["support_issues.satisfaction_trend"]),
            float, size,
        ),
        "champion_left": v["relationship_signals.champion_left"] * churn.champion_left_points,
        "sponsor_change": v["relationship_signals.sponsor_change"] * churn.sponsor_change_points,
        "competitors": np.where(
            competitors >= churn.competitor_many_at,
            churn.competitor_many_points,
            competitors * churn.competitor_each_points,
        ),
        "contract_type": np.fromiter(
            (contract_points.get(t, 0.0) for t in table.labels["commercial_factors.contract_type"]),
            float, size,
        ),
        "pricing": v["commercial_factors.pricing_complaints"] * churn.pricing_complaint_points,
        "budget_cuts": v["commercial_factors.budget_cuts_mentioned"] * churn.budget_cut_points,
    }  # fmt: skip


def category_scores(points: dict[str, np.ndarray], churn: ChurnModel) -> dict[str, np.ndarray]:
    """The five category scores, each rounded to 0.1 as the reference does."""

    def weighted(subweights: dict[str, float]) -> np.ndarray:
        total = np.zeros_like(points["login"])
        for name, weight in subweights.items():
            total = total + points[name] * weight
        return py_round(total, 1)

    def summed(*names: str) -> np.ndarray:
        total = np.zeros_like(points["login"])
        for name in names:
            total = total + points[name]
        return py_round(clamp(total), 1)

    return {
        "usage_decline": weighted(churn.usage_subweights),
        "engagement_drop": weighted(churn.engagement_subweights),
        "support_issues": weighted(churn.support_subweights),
        "relationship_signals": summed("champion_left", "sponsor_change", "competitors"),
        "commercial_factors": summed("contract_type", "pricing", "budget_cuts"),
    }


def days_to_renewal(table: AccountTable, as_of: dt.date) -> np.ndarray:
    """Signed whole days from `as_of` to the contract end (negative once ended); NaN where no end date."""
    return table.values[RENEWAL_FIELD] - as_of.toordinal()


def urgency_multipliers(days: np.ndarray, churn: ChurnModel) -> np.ndarray:
    """The renewal urgency multiplier from signed days to the contract end.

    An ended contract takes `ended_contract_multiplier` when the profile sets one; otherwise it
    counts as 0 days away, as the reference scripts do (so it gets the nearest bracket's factor).
    """
    ended = days < 0
    counted = np.maximum(days, 0)
    mult = np.ones_like(days)
    assigned = np.isnan(days)
    if churn.ended_contract_multiplier is not None:
        mult = np.where(ended, churn.ended_contract_multiplier, mult)
        assigned = assigned | ended
    for max_days, factor in churn.renewal_multipliers:
        hit = ~assigned & (counted <= max_days)
        mult = np.where(hit, factor, mult)
        assigned |= hit
    return mult


def tier_codes(risk: np.ndarray, churn: ChurnModel) -> np.ndarray:
    """Risk tier codes by the >= rule: each score in exactly one tier."""
    floors = churn.tier_floors
    return np.select(
        [risk >= floors["critical"], risk >= floors["high"], risk >= floors["medium"]],
        [RiskTier.CRITICAL.code, RiskTier.HIGH.code, RiskTier.MEDIUM.code],
        default=RiskTier.LOW.code,
    ).astype(np.int8)


def _matches(op: str, value: float | str | None, threshold: float | str | None) -> bool:
    if value is None:
        return False
    if op == "true":
        return bool(value)
    if op == "==":
        return value == threshold
    if isinstance(value, str) or isinstance(threshold, str) or threshold is None:
        return False
    return {"<=": value <= threshold, "<": value < threshold, ">=": value >= threshold,
            ">": value > threshold}[op]  # fmt: skip


def _warning(rule: WarningRule, value: float | str | None) -> WarningSignal | None:
    for level in rule.levels:
        if _matches(level.op, value, level.value):
            shown = value if isinstance(value, str) else float(value or 0)
            text = rule.text.format(value=shown, abs=abs(shown) if isinstance(shown, float) else shown)
            return WarningSignal(severity=level.severity, signal=text, field=rule.field)
    return None


@dataclass(frozen=True)
class ChurnScores:
    """Churn risk for every account of a table: arrays, plus `explain` for one account."""

    table: AccountTable
    profile: Profile
    as_of: dt.date
    points: dict[str, np.ndarray]
    categories: dict[str, np.ndarray]
    raw: np.ndarray
    days: np.ndarray
    contract_status: np.ndarray
    multiplier: np.ndarray
    risk: np.ndarray
    tiers: np.ndarray
    coverage: np.ndarray

    def tier(self, row: int) -> RiskTier:
        return RISK_TIERS[self.tiers[row]]

    def days_left(self, row: int) -> int | None:
        """Signed days from as_of to the contract end (negative once ended); None without an end date."""
        d = float(self.days[row])
        return None if d != d else int(d)

    def status(self, row: int) -> ContractStatus:
        return CONTRACT_STATUSES[self.contract_status[row]]

    def renewal_date(self, row: int) -> dt.date | None:
        ordinal = self.table.value(RENEWAL_FIELD, row)
        return None if ordinal is None else dt.date.fromordinal(int(ordinal))

    def input_value(self, field: str, row: int) -> float | str | None:
        if field in self.table.labels:
            return self.table.labels[field][row]
        return self.table.value(field, row)

    def warnings(self, row: int) -> list[WarningSignal]:
        """Warning signals for one account, most severe first."""
        found = []
        for rule in self.profile.churn.warnings:
            if not self.table.supplied(rule.field, row):
                continue
            signal = _warning(rule, self.input_value(rule.field, row))
            if signal is not None:
                found.append(signal)
        rank = {s: i for i, s in enumerate(SEVERITY_ORDER)}
        return sorted(found, key=lambda w: rank[w.severity])

    def explain(self, row: int) -> ChurnExplanation:
        churn = self.profile.churn
        tier = self.tier(row)
        plan = self.profile.interventions[tier]
        cats = []
        for category, weight in churn.weights.items():
            signals = [
                SignalBreakdown(
                    signal=name,
                    input_field=field,
                    value=self.input_value(field, row),
                    supplied=self.table.supplied(field, row),
                    points=round(float(self.points[name][row]), 1),
                )
                for cat, name, field in SIGNAL_FIELDS
                if cat == category
            ]
            cats.append(
                CategoryBreakdown(
                    category=category,
                    score=float(self.categories[category][row]),
                    weight=weight,
                    signals=signals,
                )
            )
        return ChurnExplanation(
            risk_score=float(self.risk[row]),
            raw_score=round(float(self.raw[row]), 1),
            risk_tier=tier,
            urgency_multiplier=float(self.multiplier[row]),
            days_to_renewal=self.days_left(row),
            contract_status=self.status(row),
            renewal_date=self.renewal_date(row),
            categories=cats,
            warning_signals=self.warnings(row),
            intervention=plan.label,
            respond_within_days=plan.respond_within_days,
            owner=plan.owner,
            recommended_actions=plan.step_texts,
            coverage=round(float(self.coverage[row]), 3),
        )


def score_churn(table: AccountTable, profile: Profile, as_of: dt.date) -> ChurnScores:
    """Score every account's churn risk as of the given date."""
    churn = profile.churn
    points = signal_points(table, churn)
    categories = category_scores(points, churn)
    raw = np.zeros(table.size)
    for name, weight in churn.weights.items():
        raw = raw + categories[name] * weight
    days = days_to_renewal(table, as_of)
    multiplier = urgency_multipliers(days, churn)
    risk = clamp(py_round(raw * multiplier, 1))
    fields = [f for _, _, f in SIGNAL_FIELDS] + [RENEWAL_FIELD]
    coverage = sum(table.present[f].astype(float) for f in fields) / len(fields)
    return ChurnScores(
        table=table,
        profile=profile,
        as_of=as_of,
        points=points,
        categories=categories,
        raw=raw,
        days=days,
        contract_status=contract_status_codes(days, profile.lifecycle.renewal_lead_days),
        multiplier=multiplier,
        risk=risk,
        tiers=tier_codes(risk, churn),
        coverage=coverage,
    )
