"""Churn risk (0-100, higher is riskier), for a whole table at once.

Everything about the signals comes from the profile's churn table (`scoring.churn_model`): each
signal's rule turns its input into 0-100 points, each category combines its signals' points (a
weighted sum, or a sum capped at 100), and the raw risk is the categories' weighted sum. Then an
urgency multiplier from days to renewal (counted from an explicit `as_of` date), and tiers by the
>= rule (the reference's integer ranges left scores such as 79.5 in no tier; here every score has
exactly one).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from customer_success_mcp.scoring.churn_model import ChurnCategory, ChurnModel, ChurnSignal, WarningRule
from customer_success_mcp.scoring.coded import per_row
from customer_success_mcp.scoring.models import (
    CategoryBreakdown,
    ChurnExplanation,
    SignalBreakdown,
    WarningSignal,
)
from customer_success_mcp.scoring.numeric import clamp, py_round
from customer_success_mcp.scoring.profile import SEVERITY_ORDER, Profile
from customer_success_mcp.scoring.table import AccountTable
from customer_success_mcp.scoring.vocabulary import (
    CONTRACT_STATUSES,
    RISK_TIERS,
    ContractStatus,
    RiskTier,
    contract_status_codes,
)

RENEWAL_FIELD = "contract_end_date"


def _points(table: AccountTable, signal: ChurnSignal) -> np.ndarray:
    """One signal's 0-100 points for every account (the rules are described in `churn_model`)."""
    if signal.rule == "mapping":
        # An absent input with no contract default (None) scores 0; an unrecognised value, mapping_other.
        lookup: dict[str | None, float] = {value: p for value, p in (signal.mapping or {}).items()}
        lookup[None] = 0.0
        other = signal.mapping_other or 0.0
        return per_row(table.labels[signal.field], lambda v: lookup.get(v, other), float)
    values = table.values[signal.field]
    if signal.rule == "flag":
        points = np.where(values != 0, signal.points or 0.0, 0.0)
    else:
        base = signal.baseline or 0.0
        scale = signal.scale or 0.0
        if signal.rule == "fall":
            points = clamp(-np.minimum(values - base if base else values, 0) * scale)
        else:
            points = clamp((values - base if base else values) * scale)
            if signal.step_at is not None:
                points = np.where(values >= signal.step_at, signal.step_points or 0.0, points)
    missing = np.isnan(values)
    return np.where(missing, 0.0, points) if missing.any() else points


def signal_points(table: AccountTable, churn: ChurnModel) -> dict[str, np.ndarray]:
    """Each churn signal's 0-100 points, by signal name; under `absent_signals = "omit"` a signal the
    account did not supply adds nothing (rather than scoring its contract default)."""
    points = {signal.name: _points(table, signal) for _, signal in churn.signals}
    if churn.absent_signals == "omit":
        for _, signal in churn.signals:
            points[signal.name] = np.where(table.present[signal.field], points[signal.name], 0.0)
    return points


def _category_score(points: dict[str, np.ndarray], category: ChurnCategory) -> np.ndarray:
    total = np.zeros_like(points[category.signals[0].name])
    if category.combine == "weighted":
        for signal in category.signals:
            total = total + points[signal.name] * (signal.weight or 0.0)
        return py_round(total, 1)
    for signal in category.signals:
        total = total + points[signal.name]
    return py_round(clamp(total), 1)


def category_scores(points: dict[str, np.ndarray], churn: ChurnModel) -> dict[str, np.ndarray]:
    """Each category's score, rounded to 0.1 as the reference does."""
    return {c.name: _category_score(points, c) for c in churn.categories}


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


def _level_mask(table: AccountTable, field: str, op: str, threshold: float | str | None) -> np.ndarray:
    """Which accounts' supplied input meets one warning level, for the whole table at once."""
    present = table.present[field]
    if field in table.labels:
        labels = np.asarray(table.labels[field], dtype=object)
        return present & (labels == threshold) if op == "==" else np.zeros(table.size, dtype=bool)
    values = table.values[field]
    if op == "true":
        return present & (values != 0) & ~np.isnan(values)
    if op == "==":
        return present & (values == threshold)
    if not isinstance(threshold, int | float):
        return np.zeros(table.size, dtype=bool)
    compare = {"<=": np.less_equal, "<": np.less, ">=": np.greater_equal, ">": np.greater}[op]
    return present & compare(values, threshold)


def warning_at_least(table: AccountTable, churn: ChurnModel, severity: str) -> np.ndarray:
    """Which accounts carry a warning of `severity` or worse (levels run most severe first, so a rule
    reaches the severity exactly when one of its levels that severe or worse matches)."""
    rank = SEVERITY_ORDER.index(severity)
    found = np.zeros(table.size, dtype=bool)
    for rule in churn.warning_rules():
        for level in rule.levels:
            if SEVERITY_ORDER.index(level.severity) <= rank:
                found |= _level_mask(table, rule.field, level.op, level.value)
    return found


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


def _warning_text(rule: WarningRule, value: float | str | None) -> str:
    shown = value if isinstance(value, str) else float(value or 0)
    return rule.text.format(value=shown, abs=abs(shown) if isinstance(shown, float) else shown)


def _warning(rule: WarningRule, value: float | str | None) -> WarningSignal | None:
    for level in rule.levels:
        if _matches(level.op, value, level.value):
            return WarningSignal(severity=level.severity, signal=_warning_text(rule, value), field=rule.field)
    return None


def warning_table(
    table: AccountTable, churn: ChurnModel
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every warning of every account as columns (row, severity code, text, input field), ordered by
    account, most severe first: the same warnings as `ChurnScores.warnings`, without a loop over
    accounts. Each distinct value is put into words once (a few hundred texts for 100,000 accounts)."""
    rows: list[np.ndarray] = []
    severities: list[np.ndarray] = []
    texts: list[np.ndarray] = []
    fields: list[np.ndarray] = []
    for rule in churn.warning_rules():
        assigned = np.zeros(table.size, dtype=bool)
        source = table.labels.get(rule.field)
        values = table.values.get(rule.field)
        for level in rule.levels:
            hit = _level_mask(table, rule.field, level.op, level.value) & ~assigned
            assigned |= hit
            found = np.flatnonzero(hit)
            if not found.size:
                continue
            if source is not None:
                shown = np.asarray([source[r] for r in found.tolist()], dtype=object)
            else:
                shown = np.asarray(values, dtype=float)[found]
            distinct, which = np.unique(shown, return_inverse=True)
            words = np.asarray([_warning_text(rule, v if isinstance(v, str) else float(v)) for v in distinct],
                               dtype=object)  # fmt: skip
            rows.append(found)
            severities.append(np.full(found.size, SEVERITY_ORDER.index(level.severity), dtype=np.int8))
            texts.append(words[which.reshape(-1)])
            fields.append(np.full(found.size, rule.field, dtype=object))
    if not rows:
        empty = np.zeros(0, dtype=object)
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.int8), empty, empty
    row, severity = np.concatenate(rows), np.concatenate(severities)
    order = np.lexsort((severity, row))  # stable: within an account and severity, the rules' order
    return row[order], severity[order], np.concatenate(texts)[order], np.concatenate(fields)[order]


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
    playbook_tiers: np.ndarray  # the tier whose playbook applies: the risk tier, or higher when escalated
    coverage: np.ndarray

    def tier(self, row: int) -> RiskTier:
        return RISK_TIERS[self.tiers[row]]

    def playbook_tier(self, row: int) -> RiskTier:
        return RISK_TIERS[self.playbook_tiers[row]]

    def escalated_by(self, row: int) -> list[str]:
        """The warnings that lifted this account's playbook above its risk tier (empty if none did)."""
        escalation = self.profile.escalation
        if escalation is None or self.playbook_tiers[row] == self.tiers[row]:
            return []
        rank = SEVERITY_ORDER.index(escalation.on_severity)
        return [w.signal for w in self.warnings(row) if SEVERITY_ORDER.index(w.severity) <= rank]

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
        for rule in self.profile.churn.warning_rules():
            if not self.table.supplied(rule.field, row):
                continue
            signal = _warning(rule, self.input_value(rule.field, row))
            if signal is not None:
                found.append(signal)
        rank = {s: i for i, s in enumerate(SEVERITY_ORDER)}
        return sorted(found, key=lambda w: rank[w.severity])

    def explain(self, row: int) -> ChurnExplanation:
        tier = self.tier(row)
        playbook = self.playbook_tier(row)
        plan = self.profile.interventions[playbook]
        cats = [
            CategoryBreakdown(
                category=category.name,
                label=category.label,
                score=float(self.categories[category.name][row]),
                weight=category.weight,
                signals=[
                    SignalBreakdown(
                        signal=signal.name,
                        label=signal.label,
                        input_field=signal.field,
                        value=self.input_value(signal.field, row),
                        supplied=self.table.supplied(signal.field, row),
                        points=round(float(self.points[signal.name][row]), 1),
                    )
                    for signal in category.signals
                ],
            )
            for category in self.profile.churn.categories
        ]
        return ChurnExplanation(
            risk_score=float(self.risk[row]),
            raw_score=round(float(self.raw[row]), 1),
            risk_tier=tier,
            playbook_tier=playbook,
            escalated_by=self.escalated_by(row),
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
    for category in churn.categories:
        raw = raw + categories[category.name] * category.weight
    days = days_to_renewal(table, as_of)
    multiplier = urgency_multipliers(days, churn)
    risk = clamp(py_round(raw * multiplier, 1))
    tiers = tier_codes(risk, churn)
    playbook_tiers = tiers
    if profile.escalation is not None:
        ceiling = RiskTier(profile.escalation.at_least_tier).code
        escalate = warning_at_least(table, churn, profile.escalation.on_severity)
        playbook_tiers = np.where(escalate, np.minimum(tiers, ceiling), tiers).astype(np.int8)
    fields = [*churn.input_fields, RENEWAL_FIELD]
    supplied = np.zeros(table.size)
    for f in fields:
        supplied = supplied + table.present[f]
    coverage = supplied / len(fields)
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
        tiers=tiers,
        playbook_tiers=playbook_tiers,
        coverage=coverage,
    )
