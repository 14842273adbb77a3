"""Scoring profiles: every weight, threshold, benchmark and ladder the engine uses.

A profile is data, validated on construction. `DEFAULT_PROFILE` reproduces the reference
scripts (see docs/scoring-model in the README); `FIVE_DIMENSION_PROFILE` is the alternative
framework with a business-outcomes dimension. Overrides (as read from a user's TOML file by
`customer_success_mcp.profiles`) are deep-merged onto their base by `default_profiles.build_profile` and
validated as a whole. Nothing here reads a file.
"""

from __future__ import annotations

import itertools
import math
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator

from customer_success_mcp.scoring.churn_model import (
    ChurnCategory,
    ChurnModel,
    ChurnSignal,
    SignalWarning,
    WarningLevel,
    WarningRule,
    merge_churn_categories,
)
from customer_success_mcp.scoring.profile_base import (
    SEVERITY_ORDER,
    ProfileError,
    Severity,
    normalise_label,
)
from customer_success_mcp.scoring.profile_base import StrictModel as _Strict
from customer_success_mcp.scoring.profile_base import check_weights as _check_weights
from customer_success_mcp.scoring.profile_base import deep_merge as _deep_merge

DAYS_PER_YEAR = 365

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
    label: str | None = Field(None, description="The sub-metric in plain words (default: its name)")
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

    def band_for(self, score: float | None) -> str | None:
        if score is None:
            return None
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


MissingInputs = Literal["fallback", "omit"]


class HealthModel(_Strict):
    dimensions: list[DimensionSpec]
    previous_overall_field: str = "previous_period.overall_score"
    trend_delta: float = Field(5.0, ge=0, description="Change beyond which a trend is not stable")
    missing_inputs: MissingInputs = Field(
        "fallback",
        description="'fallback': a sub-metric the account did not supply scores its contract default (the "
        "reference rule); 'omit': it is left out and the dimension's other weights are renormalised, a "
        "dimension with no input is 'no data' and left out of the overall",
    )
    min_weight_share: float | None = Field(
        None,
        ge=0,
        le=1,
        description="With 'omit': an overall built on less than this share of the model's weight is "
        "classified insufficient_data rather than a colour",
    )
    previous_overall_tolerance: float | None = Field(
        None,
        ge=0,
        description="When set, the overall trend compares like with like from the dimension scores, and a "
        "previous overall further than this from its own dimensions is reported as a data-quality note",
    )
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


# --------------------------------------------------------------------------- expansion


DEFAULT_LIKELIHOOD = {"green": 0.5, "yellow": 0.25, "red": 0.05, "insufficient_data": 0.1}


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
    net_of_overlap: bool = Field(
        False,
        description="A seat expansion and a tier upgrade on one account price the same ARR: the net "
        "estimate keeps only the larger of the two (the gross estimate still shows both)",
    )
    unlisted_departments_as_one: bool = Field(
        False,
        description="With no current departments listed, the department expansion counts as one "
        "department (how many the account already covers is unknown), not one per department named",
    )
    likelihood: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_LIKELIHOOD),
        description="Share of the net estimate to expect, by health class: the weighted pipeline",
    )
    after_renewal_on_red: bool = Field(
        False, description="Plays on red accounts are said to wait until the renewal is secured"
    )

    @model_validator(mode="after")
    def _valid(self) -> ExpansionModel:
        bad = [k for k, v in self.tier_multipliers.items() if v <= 0]
        if bad:
            raise ValueError(f"tier_multipliers must be > 0: {', '.join(bad)}")
        bad = [k for k, v in self.module_fractions.items() if v < 0]
        if bad:
            raise ValueError(f"module_fractions must be >= 0: {', '.join(bad)}")
        classes = ("green", "yellow", "red", "insufficient_data")
        odd = sorted(set(self.likelihood) ^ set(classes))
        if odd:
            raise ValueError(f"likelihood must name exactly {', '.join(classes)} (check: {', '.join(odd)})")
        bad = [k for k, v in self.likelihood.items() if not 0 <= v <= 1]
        if bad:
            raise ValueError(f"likelihood must be between 0 and 1: {', '.join(bad)}")
        return self


# --------------------------------------------------------------------------- playbooks


class PlaybookStep(_Strict):
    text: str
    owner: str
    within_days: int = Field(ge=0, description="Due this many days after the scoring date")
    effort_hours: float = Field(
        gt=0,
        le=80,
        allow_inf_nan=False,
        description="Hours of the account team's time the step takes "
        "(the weekly plan fits these into the hours available)",
    )
    answers: list[str] = Field(
        default_factory=list,
        description="Input fields (health metrics or churn signals, section.field) whose weakness or warning "
        "this step addresses; drafts show the ones an account has. Empty: the step answers the tier itself",
    )


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


# --------------------------------------------------------------------------- planning and backtests


class PlanningModel(_Strict):
    """How the weekly plan is built (`plan_week`): its horizon, the renewal window it serves first and the
    effort of the actions that are not playbook steps."""

    week_days: int = Field(
        7, ge=1, le=31, description="The plan covers the steps due this many days from as_of"
    )
    renewal_window_days: int = Field(
        30, ge=0, le=365, description="Renewals this close are planned first, every playbook step of theirs"
    )
    confirm_status_hours: float = Field(
        0.25,
        gt=0,
        le=8,
        description="Hours to confirm whether an ended contract renewed (or the data is stale)",
    )
    expansion_hours: float = Field(
        1.5,
        gt=0,
        le=40,
        description="Hours to prepare and hold an expansion conversation with a healthy account",
    )


class BacktestModel(_Strict):
    """What a backtest needs before it says anything, and its calibration test."""

    lead_days: int = Field(
        60, ge=1, le=730,
        description="A churned account was caught early when its health was yellow or red this many days "
        "before it churned (the framework's calibration test)",
    )  # fmt: skip
    min_outcomes: int = Field(
        30,
        ge=2,
        description="Fewer accounts with outcomes than this (overall or in a segment): too few to say",
    )
    min_churned: int = Field(5, ge=1, description="Fewer churned accounts than this: too few to say")
    target_recall: float = Field(
        0.8, gt=0, le=1, description="Suggested risk cut-offs catch at least this share of churned accounts"
    )


# --------------------------------------------------------------------------- profile


class Escalation(_Strict):
    """An account with a warning of `on_severity` (or worse) gets at least `at_least_tier`'s playbook."""

    on_severity: Severity = "critical"
    at_least_tier: Severity = "high"


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
    escalation: Escalation | None = Field(
        None,
        description="Escalate the playbook (not the score) of an account whose warnings reach a severity",
    )
    planning: PlanningModel = Field(default_factory=PlanningModel)
    backtest: BacktestModel = Field(default_factory=BacktestModel)

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


# --------------------------------------------------------------------------- loading


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


def _named_location(loc: tuple[int | str, ...], data: Any) -> str:
    """The error's key path as the user writes it: list entries with a name go by that name.

    ('churn', 'categories', 0, 'signals', 2, 'scale') -> churn.categories.usage_decline.signals.dau_mau.scale
    """
    parts, node = [], data
    for step in loc:
        if isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            node = node[step]
            name = node.get("name") if isinstance(node, dict) else None
            parts.append(name if isinstance(name, str) else str(step))
        else:
            node = node.get(step) if isinstance(node, dict) else None
            parts.append(str(step))
    return ".".join(parts)


def _format_validation_error(err: ValidationError, source: str, data: Any) -> str:
    first = err.errors()[0]
    loc = _named_location(first["loc"], data) or "(top level)"
    more = f" (and {err.error_count() - 1} more problems)" if err.error_count() > 1 else ""
    message = first["msg"].removeprefix("Value error, ")
    return f"{source}: {loc}: {message}{more}"


def with_overrides(profile: Profile, overrides: dict[str, Any], source: str = "overrides") -> Profile:
    """A profile changed by an override mapping (the same rules as a TOML file's, on any profile)."""
    return _merged(profile, dict(overrides), source)


def _merged(base: Profile, overrides: dict[str, Any], source: str) -> Profile:
    data = base.model_dump()
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
    churn_patch = overrides.get("churn")
    if isinstance(churn_patch, dict) and "categories" in churn_patch:
        churn_patch = dict(churn_patch)
        try:
            data["churn"]["categories"] = merge_churn_categories(
                data["churn"]["categories"], churn_patch.pop("categories")
            )
        except ProfileError as exc:
            raise ProfileError(f"{source}: {exc}") from None
        overrides["churn"] = churn_patch
    data = _deep_merge(data, overrides)
    try:
        profile = Profile.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(_format_validation_error(exc, source, data)) from None
    return profile


__all__ = [
    "SEVERITY_ORDER",
    "BacktestModel",
    "ChurnCategory",
    "ChurnModel",
    "ChurnSignal",
    "DimensionSpec",
    "EarlyWarnings",
    "ExpansionModel",
    "HealthModel",
    "Intervention",
    "LifecycleModel",
    "MetricSpec",
    "PlanningModel",
    "PortfolioTargets",
    "Profile",
    "ProfileError",
    "RecommendationRule",
    "SegmentSpec",
    "Severity",
    "SignalWarning",
    "WarningLevel",
    "WarningRule",
    "normalise_label",
    "with_overrides",
]
