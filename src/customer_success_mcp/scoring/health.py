"""Health score (0-100, higher is healthier), for a whole table at once.

`score_health` returns arrays for every account; `HealthScores.explain(row)` builds the
full breakdown (sub-metrics against benchmarks, recommendations, trends) for one account,
so the cost of words is paid only for the accounts someone looks at.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from customer_success_mcp.scoring.models import (
    DimensionBreakdown,
    HealthExplanation,
    MetricBreakdown,
)
from customer_success_mcp.scoring.numeric import clamp, py_round, safe_ratio
from customer_success_mcp.scoring.profile import MetricSpec, Profile, RecommendationRule, SegmentSpec
from customer_success_mcp.scoring.table import AccountTable
from customer_success_mcp.scoring.vocabulary import HEALTH_CLASSES, TRENDS, HealthClass, Trend


def segment_column(table: AccountTable, profile: Profile, pick: Callable[[SegmentSpec], float]) -> np.ndarray:
    """A per-account array of one per-segment figure, e.g. a benchmark or threshold."""
    keys = list(profile.segments)
    codes = {k: i for i, k in enumerate(keys)}
    seg_idx = np.fromiter((codes[s] for s in table.segments), np.intp, table.size)
    per_segment = np.array([float(pick(profile.segments[k])) for k in keys], dtype=float)
    return per_segment[seg_idx]


def classify(scores: np.ndarray, green_min: np.ndarray, yellow_min: np.ndarray) -> np.ndarray:
    """Health class codes: score >= green_min is green, >= yellow_min yellow, else red."""
    green, yellow, red = HealthClass.GREEN.code, HealthClass.YELLOW.code, HealthClass.RED.code
    return np.where(scores >= green_min, green, np.where(scores >= yellow_min, yellow, red)).astype(np.int8)


def trend_codes(current: np.ndarray, previous: np.ndarray, delta: float) -> np.ndarray:
    """Trend codes: a change beyond delta improves or declines; no previous value is no_data."""
    diff = current - previous
    codes = np.where(
        diff > delta, Trend.IMPROVING.code, np.where(diff < -delta, Trend.DECLINING.code, Trend.STABLE.code)
    )
    return np.where(np.isnan(previous), Trend.NO_DATA.code, codes).astype(np.int8)


def supplied(table: AccountTable, metric: MetricSpec) -> np.ndarray:
    """Which accounts gave this metric's inputs (both of them for an attainment metric, with a target)."""
    given = table.present[metric.field]
    if metric.direction == "attainment":
        target = table.values[metric.target_field or ""]
        given = given & table.present[metric.target_field or ""] & (np.nan_to_num(target) > 0)
    return given


def _metric_scores(table: AccountTable, profile: Profile, metric: MetricSpec) -> np.ndarray:
    if metric.direction == "mapping":
        labels = table.labels[metric.field]
        get, other = metric.mapping.get, metric.mapping_other
        scores = np.fromiter((get(v, other) for v in labels), float, table.size)
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
    previous_overall: np.ndarray
    classes: np.ndarray
    trend: np.ndarray
    coverage: np.ndarray

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
        """The full breakdown of one account's health score."""
        table, profile = self.table, self.profile
        seg = profile.segments[table.segments[row]]
        dims = []
        for dim in profile.health.dimensions:
            metrics = []
            for m in dim.metrics:
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
                        input_field=m.field,
                        value=value,
                        supplied=bool(supplied(table, m)[row]),
                        benchmark=benchmark,
                        direction=m.direction,
                        subscore=round(float(self.subscores[m.name][row]), 1),
                        weight=m.weight,
                    )
                )
            prev = table.value(dim.previous_field, row) if dim.previous_field in table.values else None
            dims.append(
                DimensionBreakdown(
                    dimension=dim.name,
                    label=dim.label,
                    score=float(self.dimensions[dim.name][row]),
                    weight=dim.weight,
                    classification=HEALTH_CLASSES[self.dimension_classes[dim.name][row]],
                    previous_score=prev,
                    trend=TRENDS[self.dimension_trends[dim.name][row]],
                    band=dim.band_for(float(self.dimensions[dim.name][row])),
                    metrics=metrics,
                )
            )
        previous = float(self.previous_overall[row])
        return HealthExplanation(
            score=float(self.overall[row]),
            previous_score=None if previous != previous else round(previous, 1),
            classification=self.classification(row),
            trend=self.trend_of(row),
            trend_priority=self.priority(row),
            green_min=seg.green_min,
            yellow_min=seg.yellow_min,
            dimensions=dims,
            recommendations=self.recommendations(row),
            coverage=round(float(self.coverage[row]), 3),
        )


def score_health(table: AccountTable, profile: Profile) -> HealthScores:
    """Score every account's health with the profile's dimensions, weights and benchmarks."""
    health = profile.health
    green_min = segment_column(table, profile, lambda s: s.green_min)
    yellow_min = segment_column(table, profile, lambda s: s.yellow_min)
    subscores: dict[str, np.ndarray] = {}
    dimensions: dict[str, np.ndarray] = {}
    dim_classes: dict[str, np.ndarray] = {}
    dim_trends: dict[str, np.ndarray] = {}
    overall_raw = np.zeros(table.size)
    present_count = np.zeros(table.size)
    metric_count = 0
    for dim in health.dimensions:
        weighted = np.zeros(table.size)
        for metric in dim.metrics:
            sub = _metric_scores(table, profile, metric)
            subscores[metric.name] = sub
            weighted = weighted + sub * metric.weight
            present_count += supplied(table, metric)
            metric_count += 1
        dim_score = py_round(weighted, 1)
        dimensions[dim.name] = dim_score
        dim_classes[dim.name] = classify(dim_score, green_min, yellow_min)
        previous = table.values.get(dim.previous_field, np.full(table.size, np.nan))
        dim_trends[dim.name] = trend_codes(dim_score, previous, health.trend_delta)
        overall_raw = overall_raw + dim_score * dim.weight
    overall = py_round(overall_raw, 1)

    # Fix: with no previous overall score, rebuild it from the previous dimension scores.
    prev_overall = table.values.get(health.previous_overall_field, np.full(table.size, np.nan))
    rebuilt = np.zeros(table.size)
    for dim in health.dimensions:
        rebuilt = rebuilt + table.values.get(dim.previous_field, np.full(table.size, np.nan)) * dim.weight
    prev_overall = np.where(np.isnan(prev_overall), rebuilt, prev_overall)

    return HealthScores(
        table=table,
        profile=profile,
        subscores=subscores,
        dimensions=dimensions,
        dimension_classes=dim_classes,
        dimension_trends=dim_trends,
        overall=overall,
        previous_overall=prev_overall,
        classes=classify(overall, green_min, yellow_min),
        trend=trend_codes(overall, prev_overall, health.trend_delta),
        coverage=present_count / max(metric_count, 1),
    )
