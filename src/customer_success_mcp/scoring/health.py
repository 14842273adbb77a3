"""Health score (0-100, higher is healthier), for a whole table at once.

`score_health` returns arrays for every account; `HealthScores.explain(row)` builds the
full breakdown (sub-metrics against benchmarks, recommendations, trends) for one account,
so the cost of words is paid only for the accounts someone looks at.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from customer_success_mcp.scoring.coded import per_row
from customer_success_mcp.scoring.models import (
    DimensionBreakdown,
    HealthExplanation,
    MetricBreakdown,
)
from customer_success_mcp.scoring.numeric import clamp, py_round, safe_ratio
from customer_success_mcp.scoring.profile import (
    DimensionSpec,
    HealthModel,
    MetricSpec,
    Profile,
    RecommendationRule,
    SegmentSpec,
)
from customer_success_mcp.scoring.table import AccountTable
from customer_success_mcp.scoring.vocabulary import HEALTH_CLASSES, TRENDS, HealthClass, Trend


def segment_column(table: AccountTable, profile: Profile, pick: Callable[[SegmentSpec], float]) -> np.ndarray:
    """A per-account array of one per-segment figure, e.g. a benchmark or threshold."""
    keys = list(profile.segments)
    codes = {k: i for i, k in enumerate(keys)}
    seg_idx = per_row(table.segments, codes.__getitem__, np.intp)
    per_segment = np.array([float(pick(profile.segments[k])) for k in keys], dtype=float)
    return per_segment[seg_idx]


def classify(scores: np.ndarray, green_min: np.ndarray, yellow_min: np.ndarray) -> np.ndarray:
    """Health class codes: score >= green_min is green, >= yellow_min yellow, else red; NaN is no data."""
    green, yellow, red = HealthClass.GREEN.code, HealthClass.YELLOW.code, HealthClass.RED.code
    codes = np.where(scores >= green_min, green, np.where(scores >= yellow_min, yellow, red))
    return np.where(np.isnan(scores), HealthClass.INSUFFICIENT_DATA.code, codes).astype(np.int8)


def trend_codes(current: np.ndarray, previous: np.ndarray, delta: float) -> np.ndarray:
    """Trend codes: a change beyond delta improves or declines; without both values, no_data."""
    diff = current - previous
    codes = np.where(
        diff > delta, Trend.IMPROVING.code, np.where(diff < -delta, Trend.DECLINING.code, Trend.STABLE.code)
    )
    return np.where(np.isnan(diff), Trend.NO_DATA.code, codes).astype(np.int8)


def weighted_mean(parts: list[tuple[np.ndarray, float]], size: int) -> np.ndarray:
    """Sum of value x weight over the values present, over the sum of their weights; NaN with none.

    Where every value is present the plain weighted sum is returned as it is (no division by a sum of
    weights that may differ from 1 in the last bit), so complete accounts score exactly as before.
    """
    total, weight, complete = np.zeros(size), np.zeros(size), np.ones(size, dtype=bool)
    for values, w in parts:
        given = ~np.isnan(values)
        total = total + np.where(given, values, 0.0) * w
        weight = weight + given * w
        complete &= given
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(complete, total, np.where(weight > 0, total / weight, np.nan))


def supplied(table: AccountTable, metric: MetricSpec) -> np.ndarray:
    """Which accounts gave this metric's inputs (both of them for an attainment metric, with a target)."""
    given = table.present[metric.field]
    if metric.direction == "attainment":
        target = table.values[metric.target_field or ""]
        given = given & table.present[metric.target_field or ""] & (np.nan_to_num(target) > 0)
    return given


def _metric_scores(table: AccountTable, profile: Profile, metric: MetricSpec) -> np.ndarray:
    if metric.direction == "mapping":
        get, other = metric.mapping.get, metric.mapping_other
        scores = per_row(table.labels[metric.field], lambda v: get(v, other), float)
    else:
        value = table.values[metric.field]
        if metric.direction == "attainment":
            target = table.values[metric.target_field or ""]
            scores = clamp(safe_ratio(np.nan_to_num(value), np.nan_to_num(target)) * 100)
            missing = ~supplied(table, metric)  # no promise recorded (or 0) is not a failed promise
        else:
            key = metric.benchmark or ""  # the profile's validator requires one for these directions
            bench = segment_column(table, profile, lambda s: s.benchmarks[key])
            r = safe_ratio(np.nan_to_num(value), bench)
            scores = clamp(r * 100) if metric.direction == "higher" else clamp((1 - r) * 100)
            missing = np.isnan(value)
        if metric.missing_subscore is not None:
            scores = np.where(missing, metric.missing_subscore, scores)
    return scores


@dataclass(frozen=True)
class HealthScores:
    """Health for every account of a table: arrays, plus `explain` for one account."""

    table: AccountTable
    profile: Profile
    subscores: dict[str, np.ndarray]
    dimensions: dict[str, np.ndarray]
    dimension_classes: dict[str, np.ndarray]
    dimension_trends: dict[str, np.ndarray]
    overall: np.ndarray
    previous_overall: np.ndarray  # what the trend compares with (NaN where unknown)
    given_previous_overall: np.ndarray  # previous_period.overall_score as supplied
    previous_mismatch: np.ndarray  # the supplied previous overall disagrees with its own dimensions
    classes: np.ndarray
    trend: np.ndarray
    coverage: np.ndarray

    @cached_property
    def change(self) -> np.ndarray:
        """Overall points since last period (negative: worse); NaN where either score is unknown."""
        return py_round(self.overall - self.previous_overall, 1)

    def classification(self, row: int) -> str:
        return HEALTH_CLASSES[self.classes[row]]

    def trend_of(self, row: int) -> str:
        return TRENDS[self.trend[row]]

    def dimension_trend(self, dimension: str, row: int) -> str:
        return TRENDS[self.dimension_trends[dimension][row]]

    def priority(self, row: int) -> str:
        key = f"{self.classification(row)}:{self.trend_of(row)}"
        return self.profile.health.trend_priority.get(key, "normal")

    def recommendations(self, row: int) -> list[str]:
        return [r.text for r in self.profile.health.recommendations if self._triggered(r, row)]

    def _triggered(self, rule: RecommendationRule, row: int) -> bool:
        metric = next(m for _, m in self.profile.health.metrics if m.name == rule.metric)
        if self.profile.health.missing_inputs == "omit" and not supplied_row(self.table, metric, row):
            return False  # nothing is said about an input the account did not supply
        if rule.on == "subscore":
            subject: float | str = float(self.subscores[metric.name][row])
        elif metric.direction == "mapping":
            subject = self.table.labels[metric.field][row]
        else:
            value = self.table.value(metric.field, row)
            if value is None:
                return False
            subject = value
        threshold = rule.threshold
        if rule.on == "benchmark_share":
            bench = self.profile.segments[self.table.segments[row]].benchmarks[metric.benchmark or ""]
            threshold = float(rule.threshold) * bench
        if rule.op == "==":
            return subject == threshold
        if isinstance(subject, str) or isinstance(threshold, str):
            return False
        return subject < threshold if rule.op == "<" else subject > threshold

    def explain(self, row: int) -> HealthExplanation:
        """The full breakdown of one account's health score (an input not supplied shows no value)."""
        table, profile = self.table, self.profile
        omit = profile.health.missing_inputs == "omit"
        seg = profile.segments[table.segments[row]]
        dims = []
        for dim in profile.health.dimensions:
            metrics = []
            for m in dim.metrics:
                given = supplied_row(table, m, row)
                if m.direction == "mapping":
                    value: float | str | None = table.labels[m.field][row]
                    benchmark = None
                else:
                    value = table.value(m.field, row)
                    benchmark = (
                        seg.benchmarks[m.benchmark] if m.benchmark else table.value(m.target_field or "", row)
                    )
                metrics.append(
                    MetricBreakdown(
                        metric=m.name,
                        label=m.label or m.name.replace("_", " "),
                        input_field=m.field,
                        value=value if given or not omit else None,
                        supplied=given,
                        benchmark=benchmark,
                        direction=m.direction,
                        subscore=_rounded(self.subscores[m.name][row]),
                        weight=m.weight,
                    )
                )
            prev = table.value(dim.previous_field, row) if dim.previous_field in table.values else None
            score = _rounded(self.dimensions[dim.name][row])
            dims.append(
                DimensionBreakdown(
                    dimension=dim.name,
                    label=dim.label,
                    score=score,
                    weight=dim.weight,
                    classification=HEALTH_CLASSES[self.dimension_classes[dim.name][row]],
                    previous_score=prev,
                    trend=TRENDS[self.dimension_trends[dim.name][row]],
                    band=dim.band_for(score),
                    metrics=metrics,
                )
            )
        given_previous = _rounded(self.given_previous_overall[row])
        return HealthExplanation(
            score=_rounded(self.overall[row]),
            previous_score=_rounded(self.previous_overall[row]),
            previous_score_supplied=given_previous,
            previous_score_mismatch=bool(self.previous_mismatch[row]),
            classification=self.classification(row),
            trend=self.trend_of(row),
            trend_priority=self.priority(row),
            green_min=seg.green_min,
            yellow_min=seg.yellow_min,
            dimensions=dims,
            recommendations=self.recommendations(row),
            coverage=round(float(self.coverage[row]), 3),
            not_supplied=[
                m.label or m.name.replace("_", " ")
                for _, m in profile.health.metrics
                if not supplied_row(table, m, row)
            ],
        )


def _rounded(value: float) -> float | None:
    value = float(value)
    return None if value != value else round(value, 1)


def supplied_row(table: AccountTable, metric: MetricSpec, row: int) -> bool:
    """Whether one account supplied a metric's inputs (see `supplied`)."""
    if not table.supplied(metric.field, row):
        return False
    if metric.direction == "attainment":
        target = table.value(metric.target_field or "", row)
        return table.supplied(metric.target_field or "", row) and target is not None and target > 0
    return True


def score_health(table: AccountTable, profile: Profile) -> HealthScores:
    """Score every account's health with the profile's dimensions, weights and benchmarks.

    With `missing_inputs = "omit"` a sub-metric the account did not supply is NaN and left out (the
    dimension's other weights renormalised); a dimension with no input is NaN (no data) and left out
    of the overall; an overall on under `min_weight_share` of the model's weight is insufficient_data.
    """
    health = profile.health
    omit = health.missing_inputs == "omit"
    n = table.size
    green_min = segment_column(table, profile, lambda s: s.green_min)
    yellow_min = segment_column(table, profile, lambda s: s.yellow_min)
    subscores: dict[str, np.ndarray] = {}
    dimensions: dict[str, np.ndarray] = {}
    dim_classes: dict[str, np.ndarray] = {}
    dim_trends: dict[str, np.ndarray] = {}
    seen = np.zeros(n)  # the share of the model's weight the account supplied
    for dim in health.dimensions:
        parts = []
        for metric in dim.metrics:
            sub = _metric_scores(table, profile, metric)
            given = supplied(table, metric)
            if omit:
                sub = np.where(given, sub, np.nan)
            subscores[metric.name] = sub
            parts.append((sub, metric.weight))
            seen = seen + given * (metric.weight * dim.weight)
        dim_score = py_round(weighted_mean(parts, n), 1)
        dimensions[dim.name] = dim_score
        dim_classes[dim.name] = classify(dim_score, green_min, yellow_min)
        previous = table.values.get(dim.previous_field, np.full(n, np.nan))
        dim_trends[dim.name] = trend_codes(dim_score, previous, health.trend_delta)
    overall = py_round(weighted_mean([(dimensions[d.name], d.weight) for d in health.dimensions], n), 1)
    classes = classify(overall, green_min, yellow_min)
    if health.min_weight_share is not None:
        classes = np.where(seen < health.min_weight_share - 1e-9, HealthClass.INSUFFICIENT_DATA.code, classes)

    given_previous = table.values.get(health.previous_overall_field, np.full(n, np.nan))
    previous_dims = [
        (table.values.get(d.previous_field, np.full(n, np.nan)), d.weight) for d in health.dimensions
    ]
    if health.previous_overall_tolerance is None:
        # The reference rule, with its fix: no previous overall is rebuilt from all previous dimensions.
        rebuilt = np.zeros(n)
        for values, weight in previous_dims:
            rebuilt = rebuilt + values * weight
        previous_overall = np.where(np.isnan(given_previous), rebuilt, given_previous)
        trend = trend_codes(overall, previous_overall, health.trend_delta)
        mismatch = np.zeros(n, dtype=bool)
    else:
        previous_overall, trend, mismatch = _trend_from_dimensions(
            health.dimensions, dimensions, previous_dims, given_previous, overall, health
        )
    return HealthScores(
        table=table,
        profile=profile,
        subscores=subscores,
        dimensions=dimensions,
        dimension_classes=dim_classes,
        dimension_trends=dim_trends,
        overall=overall,
        previous_overall=previous_overall,
        given_previous_overall=given_previous,
        previous_mismatch=mismatch,
        classes=classes,
        trend=trend,
        coverage=seen,
    )


def _trend_from_dimensions(
    dims: list[DimensionSpec],
    current: dict[str, np.ndarray],
    previous_dims: list[tuple[np.ndarray, float]],
    given_previous: np.ndarray,
    overall: np.ndarray,
    health: HealthModel,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(previous overall, overall trend, previous-overall mismatch), comparing like with like.

    The previous overall is rebuilt from the previous dimension scores that the account also has now,
    and compared with today's score on the same dimensions; a file's own previous overall further than
    the tolerance from its dimensions is flagged. Without comparable dimensions, the file's previous
    overall is compared with today's overall.
    """
    n = overall.size
    rebuilt_all = weighted_mean(previous_dims, n)
    both = [
        (np.where(np.isnan(now), np.nan, prev), np.where(np.isnan(prev), np.nan, now), w)
        for now, (prev, w) in zip((current[d.name] for d in dims), previous_dims, strict=True)
    ]
    previous_like = weighted_mean([(p, w) for p, _, w in both], n)
    current_like = weighted_mean([(c, w) for _, c, w in both], n)
    comparable = ~np.isnan(previous_like)
    trend = np.where(
        comparable,
        trend_codes(current_like, previous_like, health.trend_delta),
        trend_codes(overall, given_previous, health.trend_delta),
    ).astype(np.int8)
    tolerance = health.previous_overall_tolerance or 0.0
    with np.errstate(invalid="ignore"):
        mismatch = np.abs(given_previous - rebuilt_all) > tolerance
    # Shown as the previous overall: the file's own figure, unless it contradicts its dimensions.
    previous = np.where(np.isnan(given_previous) | mismatch, rebuilt_all, given_previous)
    return previous, trend, mismatch
