"""Scoring profiles: every weight, threshold, benchmark and ladder the engine uses.

A profile is data, validated on construction. `DEFAULT_PROFILE` reproduces the reference
scripts (see docs/scoring-model in the README); `FIVE_DIMENSION_PROFILE` is the alternative
framework with a business-outcomes dimension. Overrides (as read from a user's TOML file by
`customer_success_mcp.profiles`) are deep-merged onto their base by `build_profile` and validated
as a whole. Nothing here reads a file.
"""

from __future__ import annotations

import itertools
import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

Severity = Literal["critical", "high", "medium", "low"]
SEVERITY_ORDER: tuple[Severity, ...] = ("critical", "high", "medium", "low")
WEIGHT_TOLERANCE = 1e-6
DAYS_PER_YEAR = 365


class ProfileError(ValueError):
    """A profile file or override that cannot be used; the message names the bad key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_weights(weights: dict[str, float], where: str) -> None:
    total = sum(weights.values())
    if abs(total - 1.0) > WEIGHT_TOLERANCE:
        parts = ", ".join(f"{k}={v:g}" for k, v in weights.items())
        raise ValueError(f"{where} weights must sum to 1, got {total:g} ({parts})")


CHURN_CATEGORIES = (
    "usage_decline",
    "engagement_drop",
    "support_issues",
    "relationship_signals",
    "commercial_factors",
)


def _check_keys(given: dict[str, float], expected: tuple[str, ...], where: str) -> None:
    """The engine computes a fixed set of churn signals; a weight must name one of them, all of them."""
    unknown = sorted(set(given) - set(expected))
    missing = [k for k in expected if k not in given]
    if unknown or missing:
        parts = [
            f"unknown {', '.join(unknown)}" if unknown else "",
            f"missing {', '.join(missing)}" if missing else "",
        ]
        raise ValueError(
            f"{where} must name exactly {', '.join(expected)} ({'; '.join(p for p in parts if p)})"
        )


# --------------------------------------------------------------------------- segments


class SegmentSpec(_Strict):
    """One customer segment: how to recognise it, its benchmarks and health thresholds."""

    label: str
    aliases: list[str] = Field(default_factory=list, description="Other spellings that mean this segment")
    arr_floor: float = Field(ge=0, description="Derive this segment when ARR is at or above the floor")
    arr_floor_inclusive: bool = True
    green_min: float = Field(ge=0, le=100)
    yellow_min: float = Field(ge=0, le=100)
    benchmarks: dict[str, float]
    seat_expansion_factor: float = Field(ge=0, le=10)
    review_every_days: int = Field(gt=0, description="How often accounts of this segment are scored")
    touch_model: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> SegmentSpec:
        if self.yellow_min > self.green_min:
            raise ValueError(
                f"yellow_min ({self.yellow_min:g}) must not exceed green_min ({self.green_min:g})"
            )
        bad = [k for k, v in self.benchmarks.items() if not math.isfinite(v) or v < 0]
        if bad:
            raise ValueError(f"benchmarks must be finite and >= 0: {', '.join(bad)}")
        return self


# --------------------------------------------------------------------------- health


class MetricSpec(_Strict):
    """A health sub-metric: which input it reads and how it turns into a 0-100 sub-score."""

    name: str
    field: str = Field(description="Input path, section.field")
    direction: Literal["higher", "lower", "mapping", "attainment"]
    benchmark: str | None = Field(None, description="Segment benchmark key (target or max)")
    target_field: str | None = Field(
        None, description="For 'attainment': the input the value is measured against"
    )
    weight: float = Field(ge=0, le=1)
    mapping: dict[str, float] = Field(default_factory=dict)
    mapping_other: float = 50.0
    missing_subscore: float | None = Field(
        None, description="Sub-score when the input is absent (else the input default is scored)"
    )

    @model_validator(mode="after")
    def _needs(self) -> MetricSpec:
        if self.direction == "mapping" and not self.mapping:
            raise ValueError(f"metric {self.name}: a mapping metric needs a mapping")
        if self.direction == "attainment" and not self.target_field:
            raise ValueError(f"metric {self.name}: an attainment metric needs a target_field")
        if self.direction in ("higher", "lower") and not self.benchmark:
            raise ValueError(f"metric {self.name}: a {self.direction} metric needs a benchmark")
        return self


class DimensionSpec(_Strict):
    name: str
    label: str
    weight: float = Field(ge=0, le=1)
    previous_field: str = Field(description="Input path of last period's score for the trend")
    metrics: list[MetricSpec]
    bands: list[tuple[float, str]] = Field(
        default_factory=list, description="(lowest score, label) pairs, highest first, e.g. (90, 'exceeding')"
    )

    def band_for(self, score: float) -> str | None:
        return next((label for floor, label in self.bands if score >= floor), None)

    @model_validator(mode="after")
    def _weights(self) -> DimensionSpec:
        _check_weights({m.name: m.weight for m in self.metrics}, f"dimension {self.name} metric")
        floors = [f for f, _ in self.bands]
        if floors != sorted(floors, reverse=True):
            raise ValueError(f"dimension {self.name}: bands must run from the highest floor down")
        return self


class RecommendationRule(_Strict):
    """Recommend an action when a metric crosses a line.

    `on`: "subscore" compares the 0-100 sub-score; "value" the raw input; "benchmark_share"
    compares the raw input with `threshold` x the segment benchmark.
    """

    metric: str
    on: Literal["subscore", "value", "benchmark_share"]
    op: Literal["<", ">", "=="]
    threshold: float | str
    text: str


class HealthModel(_Strict):
    dimensions: list[DimensionSpec]
    previous_overall_field: str = "previous_period.overall_score"
    trend_delta: float = Field(5.0, ge=0, description="Change beyond which a trend is not stable")
    recommendations: list[RecommendationRule]
    trend_priority: dict[str, Literal["critical", "high", "medium", "normal"]] = Field(
        description="'<class>:<trend>' -> priority; absent combinations are 'normal'"
    )

    @model_validator(mode="after")
    def _weights(self) -> HealthModel:
        _check_weights({d.name: d.weight for d in self.dimensions}, "health dimension")
        combos = {
            f"{c}:{t}" for c in ("green", "yellow", "red") for t in ("improving", "stable", "declining")
        }
        odd = [k for k in self.trend_priority if k not in combos]
        if odd:
            raise ValueError(
                f"trend_priority keys are '<green|yellow|red>:<improving|stable|declining>', got {odd[0]!r}"
            )
        known = {m.name for d in self.dimensions for m in d.metrics}
        unknown = [r.metric for r in self.recommendations if r.metric not in known]
        if unknown:
            raise ValueError(f"recommendations name unknown metrics: {', '.join(unknown)}")
        return self

    @property
    def metrics(self) -> list[tuple[DimensionSpec, MetricSpec]]:
        return [(d, m) for d in self.dimensions for m in d.metrics]


# --------------------------------------------------------------------------- churn


class WarningLevel(_Strict):
    op: Literal["<=", "<", ">=", ">", "==", "true"]
    value: float | str | None = None
    severity: Severity


class WarningRule(_Strict):
    """A warning signal on one input; the first matching level (most severe first) applies.

    `text` may use {value} and {abs} (the value without its sign).
    """

    field: str
    levels: list[WarningLevel]
    text: str


class ChurnModel(_Strict):
    weights: dict[str, float]
    # usage_decline
    login_decline_scale: float = 3.0
    feature_decline_scale: float = 4.0
    dau_mau_decline_scale: float = 500.0
    usage_subweights: dict[str, float]
    # engagement_drop
    cancellation_points: float = 25.0
    response_days_baseline: float = 1.0
    response_day_points: float = 15.0
    nps_drop_points: float = 20.0
    engagement_subweights: dict[str, float]
    # support_issues
    escalation_points: float = 35.0
    critical_ticket_points: float = 50.0
    satisfaction_trend_scores: dict[str, float]
    satisfaction_trend_other: float = 30.0
    support_subweights: dict[str, float]
    # relationship_signals
    champion_left_points: float = 45.0
    sponsor_change_points: float = 30.0
    competitor_many_at: int = 3
    competitor_many_points: float = 35.0
    competitor_each_points: float = 12.0
    # commercial_factors
    contract_type_points: dict[str, float]
    pricing_complaint_points: float = 35.0
    budget_cut_points: float = 40.0
    # renewal urgency: (max days, multiplier), ascending; beyond the last one, 1.0
    renewal_multipliers: list[tuple[int, float]]
    ended_contract_multiplier: float | None = Field(
        None,
        ge=0,
        description="Urgency multiplier for a contract whose end date has passed; null counts it as "
        "0 days to renewal (the reference scripts' rule)",
    )
    tier_floors: dict[str, float] = Field(description="Lowest score of each tier above low")
    warnings: list[WarningRule]

    @model_validator(mode="after")
    def _valid(self) -> ChurnModel:
        _check_keys(self.weights, CHURN_CATEGORIES, "churn.weights")
        _check_keys(self.usage_subweights, ("login", "feature", "dau_mau"), "churn.usage_subweights")
        _check_keys(
            self.engagement_subweights, ("cancellations", "response", "nps"), "churn.engagement_subweights"
        )
        _check_keys(
            self.support_subweights, ("escalations", "critical", "satisfaction"), "churn.support_subweights"
        )
        _check_weights(self.weights, "churn category")
        _check_weights(self.usage_subweights, "churn usage_decline")
        _check_weights(self.engagement_subweights, "churn engagement_drop")
        _check_weights(self.support_subweights, "churn support_issues")
        days = [d for d, _ in self.renewal_multipliers]
        if days != sorted(days):
            raise ValueError("renewal_multipliers must be ordered by days, ascending")
        floors = [self.tier_floors[t] for t in ("critical", "high", "medium")]
        if floors != sorted(floors, reverse=True):
            raise ValueError("tier_floors must satisfy critical >= high >= medium")
        return self


# --------------------------------------------------------------------------- expansion


class ExpansionModel(_Strict):
    tier_multipliers: dict[str, float] = Field(description="Plan tier -> price multiplier")
    unknown_tier_multiplier: float = 1.0
    seat_utilisation_trigger: float = Field(0.90, ge=0, le=1)
    module_fractions: dict[str, float]
    other_module_fraction: float = 0.10
    department_factor: float = 0.8
    effort_multipliers: dict[str, float]
    priority_revenue_unit: float = Field(2000.0, gt=0)
    enablement_usage_below: float = 30.0

    @model_validator(mode="after")
    def _valid(self) -> ExpansionModel:
        bad = [k for k, v in self.tier_multipliers.items() if v <= 0]
        if bad:
            raise ValueError(f"tier_multipliers must be > 0: {', '.join(bad)}")
        bad = [k for k, v in self.module_fractions.items() if v < 0]
        if bad:
            raise ValueError(f"module_fractions must be >= 0: {', '.join(bad)}")
        return self


# --------------------------------------------------------------------------- playbooks


class PlaybookStep(_Strict):
    text: str
    owner: str
    within_days: int = Field(ge=0, description="Due this many days after the scoring date")


class Intervention(_Strict):
    """What a churn-risk tier asks of the team."""

    label: str
    respond_within_days: int
    owner: str
    steps: list[PlaybookStep]

    @property
    def step_texts(self) -> list[str]:
        return [s.text for s in self.steps]


# --------------------------------------------------------------------------- lifecycle


class LifecycleModel(_Strict):
    """Phases of a contract year by days since the contract started, and when renewal work starts."""

    phases: list[tuple[str, int]] = Field(
        default=[("onboarding", 0), ("adoption", 90), ("optimisation", 180), ("renewal", 270)],
        description="(phase, first day) pairs, ascending",
    )
    renewal_lead_days: int = Field(120, ge=0, description="Renewal work starts this many days before the end")
    value_review_days: int = Field(
        90, ge=1, description="Renewal checkpoint: the value review with the customer, days before the end"
    )
    proposal_days: int = Field(
        60, ge=1, description="Renewal checkpoint: the proposal is sent, days before the end"
    )
    close_days: int = Field(30, ge=1, description="Renewal checkpoint: the close, days before the end")
    first_value_gate_day: int = Field(
        30, ge=1, description="Onboarding gate 1 (first value confirmed), days after the contract start"
    )
    broad_use_gate_day: int = Field(
        60, ge=1, description="Onboarding gate 2 (broad use), days after the contract start"
    )

    @property
    def onboarding_days(self) -> int:
        """Length of the first phase (onboarding): the day the second phase starts."""
        return self.phases[1][1] if len(self.phases) > 1 else DAYS_PER_YEAR

    @model_validator(mode="after")
    def _ordered(self) -> LifecycleModel:
        days = [d for _, d in self.phases]
        if not days or days[0] != 0 or days != sorted(days):
            raise ValueError("lifecycle phases must start at day 0 and ascend")
        checkpoints = [self.renewal_lead_days, self.value_review_days, self.proposal_days, self.close_days]
        if any(a <= b for a, b in itertools.pairwise(checkpoints)):
            raise ValueError(
                "renewal checkpoints must fall in order: renewal_lead_days > value_review_days > "
                f"proposal_days > close_days (got {', '.join(str(d) for d in checkpoints)})"
            )
        if not self.first_value_gate_day < self.broad_use_gate_day < self.onboarding_days:
            raise ValueError(
                "onboarding gates must fall in order inside the onboarding phase: first_value_gate_day < "
                f"broad_use_gate_day < {self.onboarding_days} (got {self.first_value_gate_day}, "
                f"{self.broad_use_gate_day})"
            )
        return self


# --------------------------------------------------------------------------- portfolio targets


class PortfolioTargets(_Strict):
    """What a healthy book of business looks like (from the mission documents)."""

    green_share_min: float = Field(0.60, ge=0, le=1)
    red_share_max: float = Field(0.15, ge=0, le=1)
    average_health_min: float = Field(75.0, ge=0, le=100)
    nrr_min: float = Field(1.10, ge=0)
    grr_min: float = Field(0.90, ge=0)
    low_coverage_below: float = Field(0.6, ge=0, le=1, description="Coverage under this is flagged")
    nps_min: float = Field(50.0, ge=-100, le=100, description="Portfolio NPS (promoters minus detractors)")
    time_to_value_max_days: int = Field(30, gt=0, description="Days from kickoff to the first agreed result")


class EarlyWarnings(_Strict):
    """Red flags a CSM watches between scoring runs (guidance in the playbooks; not scored)."""

    health_drop_points: float = Field(20.0, gt=0, description="A fall in overall health between periods")
    usage_drop_pct: float = Field(30.0, gt=0, le=100, description="A fall in usage, in percent")


# --------------------------------------------------------------------------- profile


class Profile(_Strict):
    name: str
    description: str = ""
    default_segment: str = Field(description="Segment whose benchmarks apply when none is known")
    segments: dict[str, SegmentSpec]
    health: HealthModel
    churn: ChurnModel
    expansion: ExpansionModel
    interventions: dict[str, Intervention]
    targets: PortfolioTargets = Field(default_factory=PortfolioTargets)
    lifecycle: LifecycleModel = Field(default_factory=LifecycleModel)
    early_warnings: EarlyWarnings = Field(default_factory=EarlyWarnings)

    @model_validator(mode="after")
    def _consistent(self) -> Profile:
        if self.default_segment not in self.segments:
            raise ValueError(f"default_segment {self.default_segment!r} is not a defined segment")
        needed = {m.benchmark for _, m in self.health.metrics if m.benchmark}
        for name, seg in self.segments.items():
            missing = needed - set(seg.benchmarks)
            if missing:
                raise ValueError(f"segment {name} lacks benchmarks: {', '.join(sorted(missing))}")
        missing_tiers = set(SEVERITY_ORDER) - set(self.interventions)
        if missing_tiers:
            raise ValueError(f"interventions missing for tiers: {', '.join(sorted(missing_tiers))}")
        return self

    def segment_aliases(self) -> dict[str, str]:
        """Normalised spelling -> segment key, including each key itself."""
        table: dict[str, str] = {}
        for key, seg in self.segments.items():
            for spelling in (key, seg.label, *seg.aliases):
                table[normalise_label(spelling)] = key
        return table

    def segments_by_floor(self) -> list[tuple[str, SegmentSpec]]:
        """Segments from the highest ARR floor down, for deriving a segment from ARR."""
        return sorted(self.segments.items(), key=lambda kv: kv[1].arr_floor, reverse=True)


def normalise_label(text: str) -> str:
    """'Mid_Market ' -> 'mid-market': lower case, single hyphens for spaces and underscores."""
    return "-".join(text.strip().lower().replace("_", " ").replace("-", " ").split())


# --------------------------------------------------------------------------- loading


def _deep_merge(base: dict[str, Any], override: dict[str, Any], path: str = "") -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        here = f"{path}.{key}" if path else key
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = _deep_merge(base[key], value, here)
        else:
            merged[key] = value
    return merged


def _override_dimensions(base: list[dict[str, Any]], override: Any) -> list[dict[str, Any]]:
    """TOML writes dimensions as a table keyed by name; merge those onto the base list."""
    if isinstance(override, list):
        return override
    if not isinstance(override, dict):
        raise ProfileError("health.dimensions must be a table of dimensions keyed by name")
    by_name = {d["name"]: d for d in base}
    unknown = [k for k in override if k not in by_name]
    if unknown:
        raise ProfileError(
            f"health.dimensions.{unknown[0]}: no such dimension "
            f"(known: {', '.join(by_name)}); to add one, give the full list"
        )
    result = []
    for name, dim in by_name.items():
        patch = override.get(name, {})
        if not isinstance(patch, dict):
            raise ProfileError(f"health.dimensions.{name}: must be a table, got {patch!r}")
        patch = dict(patch)
        metrics_patch = patch.pop("metrics", None)
        merged = _deep_merge(dim, patch)
        if isinstance(metrics_patch, dict):
            metrics = {m["name"]: m for m in dim["metrics"]}
            bad = [k for k in metrics_patch if k not in metrics]
            if bad:
                raise ProfileError(
                    f"health.dimensions.{name}.metrics.{bad[0]}: no such metric (known: {', '.join(metrics)})"
                )
            not_tables = [k for k, v in metrics_patch.items() if not isinstance(v, dict)]
            if not_tables:
                raise ProfileError(f"health.dimensions.{name}.metrics.{not_tables[0]}: must be a table")
            merged["metrics"] = [_deep_merge(m, metrics_patch.get(m["name"], {})) for m in dim["metrics"]]
        elif metrics_patch is not None:
            merged["metrics"] = metrics_patch
        result.append(merged)
    return result


def _format_validation_error(err: ValidationError, source: str) -> str:
    first = err.errors()[0]
    loc = ".".join(str(p) for p in first["loc"]) or "(top level)"
    more = f" (and {err.error_count() - 1} more problems)" if err.error_count() > 1 else ""
    return f"{source}: {loc}: {first['msg']}{more}"


def build_profile(overrides: dict[str, Any], source: str = "profile") -> Profile:
    """Apply an override mapping (as read from TOML) to its base profile and validate it."""
    from customer_success_mcp.scoring.default_profiles import BUILTIN_PROFILES

    overrides = dict(overrides)
    base_name = overrides.pop("base", "default")
    if not isinstance(base_name, str) or base_name not in BUILTIN_PROFILES:
        raise ProfileError(
            f"{source}: base: unknown profile {base_name!r} (choose one of {', '.join(BUILTIN_PROFILES)})"
        )
    data = BUILTIN_PROFILES[base_name].model_dump()
    health_patch = overrides.get("health")
    if isinstance(health_patch, dict) and "dimensions" in health_patch:
        health_patch = dict(health_patch)
        try:
            data["health"]["dimensions"] = _override_dimensions(
                data["health"]["dimensions"], health_patch.pop("dimensions")
            )
        except ProfileError as exc:
            raise ProfileError(f"{source}: {exc}") from None
        overrides["health"] = health_patch
    data = _deep_merge(data, overrides)
    data.setdefault("name", base_name)
    try:
        profile = Profile.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(_format_validation_error(exc, source)) from None
    return profile


__all__ = [
    "ChurnModel",
    "DimensionSpec",
    "EarlyWarnings",
    "ExpansionModel",
    "HealthModel",
    "Intervention",
    "LifecycleModel",
    "MetricSpec",
    "PortfolioTargets",
    "Profile",
    "ProfileError",
    "RecommendationRule",
    "SegmentSpec",
    "WarningLevel",
    "WarningRule",
    "build_profile",
    "normalise_label",
]
