"""The built-in profiles, every default the engine has in one module.

- `reference`: the published reference scripts' model, number for number (with their three known
  defects fixed): missing inputs score their defaults, ended contracts count as renewing today.
- `default`: the same weights, benchmarks and tiers, truthful about gaps in the data: missing inputs
  are left out (weights renormalised) and too little data is `insufficient_data`; absent churn signals
  add nothing; ended contracts get no renewal urgency; expansion is reported gross, net of the
  seat/tier overlap and weighted by a likelihood per health class; a critical warning escalates the
  playbook to at least the high tier's.
- `five_dimension`: `default` plus a business-outcomes dimension, with its own weights and bands.
"""

from __future__ import annotations

from typing import Any

from customer_success_mcp.scoring.profile import Profile, ProfileError, with_overrides

_BENCHMARKS = {
    "enterprise": {
        "login_frequency_target": 90, "feature_adoption_target": 80, "dau_mau_target": 0.50,
        "support_ticket_volume_max": 5, "meeting_attendance_target": 95, "nps_target": 9,
        "csat_target": 4.5, "open_tickets_max": 10, "escalation_rate_max": 0.25,
        "avg_resolution_hours_max": 72, "exec_sponsor_target": 90, "multi_threading_target": 5,
    },
    "mid-market": {
        "login_frequency_target": 80, "feature_adoption_target": 70, "dau_mau_target": 0.40,
        "support_ticket_volume_max": 8, "meeting_attendance_target": 85, "nps_target": 8,
        "csat_target": 4.0, "open_tickets_max": 15, "escalation_rate_max": 0.30,
        "avg_resolution_hours_max": 96, "exec_sponsor_target": 75, "multi_threading_target": 3,
    },
    "smb": {
        "login_frequency_target": 70, "feature_adoption_target": 60, "dau_mau_target": 0.30,
        "support_ticket_volume_max": 10, "meeting_attendance_target": 75, "nps_target": 7,
        "csat_target": 3.8, "open_tickets_max": 20, "escalation_rate_max": 0.40,
        "avg_resolution_hours_max": 120, "exec_sponsor_target": 60, "multi_threading_target": 2,
    },
}  # fmt: skip

_SEGMENTS: dict[str, dict[str, Any]] = {
    "enterprise": {
        "label": "Enterprise",
        "aliases": ["ent", "large", "strategic-enterprise"],
        "arr_floor": 100_000, "arr_floor_inclusive": False,
        "green_min": 75, "yellow_min": 50,
        "seat_expansion_factor": 0.25, "review_every_days": 7,
        "touch_model": "high-touch: about 1 CSM per 8 accounts, weekly or bi-weekly contact, "
        "a QBR every quarter",
    },
    "mid-market": {
        "label": "Mid-market",
        "aliases": ["mid market", "midmarket", "mm", "mid", "commercial"],
        "arr_floor": 25_000, "arr_floor_inclusive": True,
        "green_min": 70, "yellow_min": 45,
        "seat_expansion_factor": 0.20, "review_every_days": 14,
        "touch_model": "medium-touch: about 1 CSM per 25 accounts, monthly contact, "
        "a QBR twice a year",
    },
    "smb": {
        "label": "SMB",
        "aliases": ["small business", "small and medium business", "small-medium business"],
        "arr_floor": 0, "arr_floor_inclusive": True,
        "green_min": 65, "yellow_min": 40,
        "seat_expansion_factor": 0.15, "review_every_days": 30,
        "touch_model": "tech-touch: 1 CSM per 100 or more accounts, automated and triggered "
        "contact, QBRs on request",
    },
}  # fmt: skip

_SENTIMENT = {"positive": 100, "neutral": 60, "negative": 20, "unknown": 50}


# Each sub-metric in plain words, as briefs and drafts name it ("no CSAT on file").
_METRIC_LABELS = {
    "login_frequency": "login frequency", "feature_adoption": "feature adoption", "dau_mau_ratio": "DAU/MAU",
    "support_ticket_volume": "support ticket volume", "meeting_attendance": "meeting attendance",
    "nps_score": "NPS", "csat_score": "CSAT", "open_tickets": "open tickets",
    "escalation_rate": "escalation rate", "avg_resolution_hours": "resolution time",
    "executive_sponsor_engagement": "executive sponsor engagement",
    "multi_threading_depth": "contacts engaged (multi-threading)", "renewal_sentiment": "renewal sentiment",
    "goals_met": "goals met", "roi_attainment": "ROI against the promise",
    "kpi_improvement": "KPI improvement", "time_to_value": "time to value",
}  # fmt: skip


def _metric(
    name: str, field: str, direction: str, weight: float, benchmark: str | None = None, **extra: Any
) -> dict[str, Any]:
    return {"name": name, "label": _METRIC_LABELS[name], "field": field, "direction": direction,
            "weight": weight, "benchmark": benchmark, **extra}  # fmt: skip


_USAGE = {
    "name": "usage", "label": "Usage", "weight": 0.30,
    "previous_field": "previous_period.usage_score",
    "metrics": [
        _metric("login_frequency", "usage.login_frequency", "higher", 0.35, "login_frequency_target"),
        _metric("feature_adoption", "usage.feature_adoption", "higher", 0.40, "feature_adoption_target"),
        _metric("dau_mau_ratio", "usage.dau_mau_ratio", "higher", 0.25, "dau_mau_target"),
    ],
}  # fmt: skip
_ENGAGEMENT = {
    "name": "engagement", "label": "Engagement", "weight": 0.25,
    "previous_field": "previous_period.engagement_score",
    "metrics": [
        _metric("support_ticket_volume", "engagement.support_ticket_volume", "lower", 0.20,
                "support_ticket_volume_max"),
        _metric("meeting_attendance", "engagement.meeting_attendance", "higher", 0.30,
                "meeting_attendance_target"),
        _metric("nps_score", "engagement.nps_score", "higher", 0.25, "nps_target"),
        _metric("csat_score", "engagement.csat_score", "higher", 0.25, "csat_target"),
    ],
}  # fmt: skip
_SUPPORT = {
    "name": "support", "label": "Support", "weight": 0.20,
    "previous_field": "previous_period.support_score",
    "metrics": [
        _metric("open_tickets", "support.open_tickets", "lower", 0.35, "open_tickets_max"),
        _metric("escalation_rate", "support.escalation_rate", "lower", 0.35, "escalation_rate_max"),
        _metric("avg_resolution_hours", "support.avg_resolution_hours", "lower", 0.30,
                "avg_resolution_hours_max"),
    ],
}  # fmt: skip
_RELATIONSHIP = {
    "name": "relationship", "label": "Relationship", "weight": 0.25,
    "previous_field": "previous_period.relationship_score",
    "metrics": [
        _metric("executive_sponsor_engagement", "relationship.executive_sponsor_engagement",
                "higher", 0.35, "exec_sponsor_target"),
        _metric("multi_threading_depth", "relationship.multi_threading_depth", "higher", 0.30,
                "multi_threading_target"),
        _metric("renewal_sentiment", "relationship.renewal_sentiment", "mapping", 0.35,
                mapping=_SENTIMENT, mapping_other=50),
    ],
}  # fmt: skip

_RECOMMENDATIONS = [
    ("login_frequency", "subscore", "<", 60,
     "Logins are well under the segment target: review usage with the customer and re-launch "
     "the core workflows"),
    ("feature_adoption", "subscore", "<", 50,
     "Few features are in use: plan enablement sessions on the capabilities they bought"),
    ("dau_mau_ratio", "subscore", "<", 50,
     "Daily use is shallow (low DAU/MAU): find the workflows that should be daily and coach them"),
    ("meeting_attendance", "subscore", "<", 60,
     "The customer is missing meetings: reset the cadence and agree an agenda they value"),
    ("nps_score", "value", "<", 7,
     "NPS is below 7: hold a feedback session and close the loop on what they raise"),
    ("csat_score", "value", "<", 3.5,
     "Support satisfaction is low: review recent tickets with the support lead"),
    ("open_tickets", "benchmark_share", ">", 0.5,
     "The open-ticket backlog is over half the segment maximum: agree a clean-up plan with support"),
    ("escalation_rate", "benchmark_share", ">", 0.5,
     "Escalations run high: look for the root cause behind the escalated tickets"),
    ("avg_resolution_hours", "benchmark_share", ">", 0.5,
     "Tickets take long to resolve: ask support for a faster path on this account"),
    ("executive_sponsor_engagement", "subscore", "<", 50,
     "The executive sponsor is disengaged: arrange an executive meeting on business outcomes"),
    ("multi_threading_depth", "value", "<", 2,
     "The relationship hangs on one person: build contacts in other teams and levels"),
    ("renewal_sentiment", "value", "==", "negative",
     "Renewal sentiment is negative: start a save plan now"),
]  # fmt: skip

_TREND_PRIORITY = {
    "green:declining": "high",
    "yellow:declining": "critical",
    "yellow:improving": "medium",
    "red:improving": "high",
    "red:stable": "critical",
    # Not in the reference framework's table; a red account that keeps falling is our most urgent case.
    "red:declining": "critical",
}


def _warn(text: str, *levels: tuple[str, Any, str]) -> dict[str, Any]:
    """A signal's warning: its text and (op, value, severity) levels, most severe first."""
    return {
        "text": text,
        "levels": [{"op": op, "value": value, "severity": sev} for op, value, sev in levels],
    }


def _signal(
    name: str, field: str, rule: str, label: str, description: str, warning: dict[str, Any], **params: Any
) -> dict[str, Any]:
    return {"name": name, "field": field, "rule": rule, "label": label, "description": description,
            **params, "warning": warning}  # fmt: skip


# The churn table: categories in the order they add up, each signal with its rule, wording and warning.
# Support issues list critical tickets before escalations, the reference scripts' warning order.
_CHURN_CATEGORIES = [
    {"name": "usage_decline", "label": "Usage decline", "weight": 0.30, "combine": "weighted",
     "signals": [
        _signal("login", "usage_decline.login_trend", "fall", "Logins falling",
                "Fewer logins than in the period before: people are using the product less.",
                _warn("Logins down {abs:g}%",
                      ("<=", -20, "critical"), ("<=", -10, "high"), ("<", -5, "medium")),
                scale=3, weight=0.40),
        _signal("feature", "usage_decline.feature_adoption_change", "fall", "Feature adoption falling",
                "Fewer features in use than before: the product does less of the customer's work.",
                _warn("Feature adoption down {abs:g} pts", ("<=", -15, "high"), ("<", -5, "medium")),
                scale=4, weight=0.35),
        _signal("dau_mau", "usage_decline.dau_mau_change", "fall", "Daily use falling",
                "A smaller share of monthly users come back daily (DAU/MAU): the habit is fading.",
                _warn("DAU/MAU down {abs:g}", ("<=", -0.10, "high")),
                scale=500, weight=0.25),
    ]},
    {"name": "engagement_drop", "label": "Engagement drop", "weight": 0.25, "combine": "weighted",
     "signals": [
        _signal("cancellations", "engagement_drop.meeting_cancellations", "rise", "Meetings cancelled",
                "The customer cancels meetings with the team.",
                _warn("{value:g} meetings cancelled", (">=", 3, "critical"), (">=", 2, "high")),
                scale=25, weight=0.30),
        _signal("response", "engagement_drop.response_time_days", "rise", "Slow replies",
                "The customer takes days to answer; going quiet often comes before leaving.",
                _warn("Replies take {value:g} days", (">=", 7, "critical"), (">=", 4, "high")),
                scale=15, baseline=1, weight=0.35),
        _signal("nps", "engagement_drop.nps_change", "fall", "NPS falling",
                "The customer is less likely to recommend the product than before.",
                _warn("NPS down {abs:g} pts", ("<=", -4, "critical"), ("<=", -2, "high")),
                scale=20, weight=0.35),
    ]},
    {"name": "support_issues", "label": "Support issues", "weight": 0.20, "combine": "weighted",
     "signals": [
        _signal("critical", "support_issues.unresolved_critical", "rise", "Unresolved critical tickets",
                "Critical problems are still open.",
                _warn("{value:g} unresolved critical ticket(s)", (">=", 2, "critical"), (">=", 1, "high")),
                scale=50, weight=0.35),
        _signal("escalations", "support_issues.open_escalations", "rise", "Open escalations",
                "Problems the customer has escalated are still open.",
                _warn("{value:g} open escalation(s)", (">=", 2, "high"), (">=", 1, "medium")),
                scale=35, weight=0.35),
        _signal("satisfaction", "support_issues.satisfaction_trend", "mapping", "Support satisfaction trend",
                "Which way the customer's satisfaction with support is moving.",
                _warn("Support satisfaction {value}", ("==", "critical", "critical"),
                      ("==", "declining", "high")),
                mapping={"improving": 10, "stable": 30, "declining": 70, "critical": 95}, mapping_other=30,
                weight=0.30),
    ]},
    {"name": "relationship_signals", "label": "Relationship signals", "weight": 0.15, "combine": "summed",
     "signals": [
        _signal("champion_left", "relationship_signals.champion_left", "flag", "Champion left",
                "The person inside the customer who carried the product has left.",
                _warn("Champion has left", ("true", None, "critical")), points=45),
        _signal("sponsor_change", "relationship_signals.sponsor_change", "flag", "Sponsor changed",
                "A new executive sponsor who has not yet seen the value.",
                _warn("Executive sponsor changed", ("true", None, "high")), points=30),
        _signal("competitors", "relationship_signals.competitor_mentions", "rise", "Competitor mentions",
                "The customer names competitors in conversations.",
                _warn("Competitor named {value:g} time(s)", (">=", 3, "critical"), (">=", 1, "medium")),
                scale=12, step_at=3, step_points=35),
    ]},
    {"name": "commercial_factors", "label": "Commercial factors", "weight": 0.10, "combine": "summed",
     "signals": [
        _signal("contract_type", "commercial_factors.contract_type", "mapping", "Short contract term",
                "A month-to-month or quarterly contract makes leaving cheap.",
                _warn("Month-to-month contract", ("==", "month-to-month", "medium")),
                mapping={"month-to-month": 30, "quarterly": 15}, mapping_other=0),
        _signal("pricing", "commercial_factors.pricing_complaints", "flag", "Pricing complaints",
                "The customer has complained about the price.",
                _warn("Pricing complaints", ("true", None, "high")), points=35),
        _signal("budget_cuts", "commercial_factors.budget_cuts_mentioned", "flag", "Budget cuts",
                "The customer has mentioned cuts to its budget.",
                _warn("Budget cuts mentioned", ("true", None, "high")), points=40),
    ]},
]  # fmt: skip


def _steps(*items: tuple[str, str, int, float, tuple[str, ...]]) -> list[dict[str, Any]]:
    """Playbook steps: (text, owner, due within days, effort in hours, the inputs the step answers). The
    efforts are our planning defaults for the weekly plan, not measurements: a team sets its own in a
    profile."""
    return [{"text": text, "owner": owner, "within_days": days, "effort_hours": hours,
             "answers": list(answers)} for text, owner, days, hours, answers in items]  # fmt: skip


# The inputs each kind of step answers (health metrics and churn signals, by input field).
_USE = (
    "usage.login_frequency",
    "usage.feature_adoption",
    "usage.dau_mau_ratio",
    "usage_decline.login_trend",
    "usage_decline.feature_adoption_change",
    "usage_decline.dau_mau_change",
)
_FEATURES = ("usage.feature_adoption", "usage_decline.feature_adoption_change", "usage.dau_mau_ratio")
_VOICE = (
    "engagement_drop.meeting_cancellations",
    "engagement_drop.response_time_days",
    "engagement_drop.nps_change",
    "engagement.meeting_attendance",
    "engagement.nps_score",
    "engagement.csat_score",
)
_SUPPORT_ISSUES = (
    "support_issues.unresolved_critical",
    "support_issues.open_escalations",
    "support_issues.satisfaction_trend",
    "support.open_tickets",
    "support.escalation_rate",
    "support.avg_resolution_hours",
    "engagement.support_ticket_volume",
)
_SPONSOR = (
    "relationship.executive_sponsor_engagement",
    "relationship_signals.sponsor_change",
    "relationship_signals.champion_left",
)
_CONTACTS = ("relationship.multi_threading_depth", "relationship_signals.champion_left")
_COMMERCIAL = (
    "commercial_factors.pricing_complaints",
    "commercial_factors.budget_cuts_mentioned",
    "commercial_factors.contract_type",
    "relationship.renewal_sentiment",
)
_COMPETITION = ("relationship_signals.competitor_mentions",)

_INTERVENTIONS = {
    "critical": {
        "label": "Executive rescue", "respond_within_days": 2,
        "owner": "CS leader with the executive sponsor",
        "steps": _steps(
            ("Brief CS leadership and the account executive today and name one rescue owner", "CS leader", 0,
             0.5, ()),
            ("Hold an executive-to-executive call with the customer", "Executive sponsor", 2, 1.0,
             _SPONSOR + _VOICE[:2]),
            ("Write a save plan with dated value milestones and walk the customer through it", "CSM", 5, 2.0,
             _USE),
            ("Form a rescue team (CSM, solutions engineer, support lead); review it daily", "CS leader", 2,
             1.0, _SUPPORT_ISSUES),
            ("Settle the commercial options (term, scope, concessions) before the renewal talk",
             "Account executive", 7, 1.0, _COMMERCIAL),
            ("Prepare a competitive response if another vendor is in play", "Account executive", 7, 1.0,
             _COMPETITION),
        ),
    },
    "high": {
        "label": "CSM intervention", "respond_within_days": 7, "owner": "CSM with manager review",
        "steps": _steps(
            ("Call the main contact and hear the problems first-hand", "CSM", 7, 1.0, _VOICE),
            ("Resolve or escalate the open support issues behind the warnings", "Support lead", 7, 1.0,
             _SUPPORT_ISSUES),
            ("Run a value review: the outcomes promised against those delivered", "CSM", 14, 2.0, _USE),
            ("Re-engage the executive sponsor, or find a new one", "CSM with the account executive", 14, 1.0,
             _SPONSOR),
            ("Agree a recovery plan with the customer and check it weekly", "CSM", 14, 1.0, ()),
        ),
    },
    "medium": {
        "label": "Proactive outreach", "respond_within_days": 14, "owner": "CSM",
        "steps": _steps(
            ("Reach out with a short usage and outcomes review", "CSM", 14, 1.0, _USE),
            ("Offer enablement on the features they use least", "CSM", 21, 1.0, _FEATURES),
            ("Add contacts beyond the main champion", "CSM", 30, 0.5, _CONTACTS),
            ("Check the warning signals again at the next scoring run", "CSM", 30, 0.25, ()),
        ),
    },
    "low": {
        "label": "Standard cadence", "respond_within_days": 30, "owner": "CSM",
        "steps": _steps(
            ("Keep the segment's normal touch cadence", "CSM", 30, 0.5, ()),
            ("Share product updates and customer stories that fit their goals", "CSM", 30, 0.25, ()),
            ("Review the health trend at each scoring run", "CSM", 30, 0.25, ()),
            ("Note the date renewal work starts and plan the renewal from it", "CSM", 30, 0.25, ()),
        ),
    },
}  # fmt: skip

_CHURN = {
    "categories": _CHURN_CATEGORIES,
    "renewal_multipliers": [(30, 1.5), (60, 1.35), (90, 1.2), (180, 1.1)],
    "tier_floors": {"critical": 80, "high": 60, "medium": 40},
}  # fmt: skip

_EXPANSION = {
    "tier_multipliers": {"starter": 1.0, "professional": 1.8, "enterprise": 3.0,
                         "enterprise_plus": 4.5},
    "module_fractions": {
        "core_platform": 0.00, "analytics_module": 0.15, "integrations_module": 0.12,
        "api_access": 0.10, "advanced_reporting": 0.18, "security_module": 0.20,
        "automation_module": 0.15, "collaboration_module": 0.10, "data_export": 0.08,
        "custom_workflows": 0.22, "sso_module": 0.08, "audit_module": 0.10,
    },
    "effort_multipliers": {"low": 3, "medium": 2, "high": 1},
}  # fmt: skip


def _reference_profile_data() -> dict[str, Any]:
    return {
        "name": "reference",
        "description": "The reference scripts' model, number for number: four health dimensions, five "
        "churn categories and the expansion catalogue (their three known defects fixed); missing inputs "
        "score their defaults.",
        "default_segment": "mid-market",
        "segments": {k: {**v, "benchmarks": _BENCHMARKS[k]} for k, v in _SEGMENTS.items()},
        "health": {
            "dimensions": [_USAGE, _ENGAGEMENT, _SUPPORT, _RELATIONSHIP],
            "recommendations": [
                {"metric": m, "on": on, "op": op, "threshold": th, "text": text}
                for m, on, op, th, text in _RECOMMENDATIONS
            ],
            "trend_priority": _TREND_PRIORITY,
        },
        "churn": _CHURN,
        "expansion": _EXPANSION,
        "interventions": _INTERVENTIONS,
    }


_OUTCOME_BENCHMARKS = {
    "enterprise": {"goals_met_target": 80, "kpi_improvement_target": 20, "time_to_value_max_days": 120},
    "mid-market": {"goals_met_target": 75, "kpi_improvement_target": 15, "time_to_value_max_days": 90},
    "smb": {"goals_met_target": 70, "kpi_improvement_target": 10, "time_to_value_max_days": 60},
}  # fmt: skip

_OUTCOMES = {
    "name": "outcomes", "label": "Business outcomes", "weight": 0.15,
    "previous_field": "previous_period.outcomes_score",
    "bands": [(90, "exceeding"), (70, "on track"), (50, "partial"), (0, "not achieving value")],
    "metrics": [
        _metric("goals_met", "outcomes.goals_met_pct", "higher", 0.35, "goals_met_target"),
        _metric("roi_attainment", "outcomes.roi_achieved", "attainment", 0.25,
                target_field="outcomes.roi_promised"),
        _metric("kpi_improvement", "outcomes.kpi_improvement_pct", "higher", 0.25,
                "kpi_improvement_target"),
        _metric("time_to_value", "outcomes.time_to_value_days", "lower", 0.15,
                "time_to_value_max_days"),
    ],
}  # fmt: skip


def _default_profile_data() -> dict[str, Any]:
    """The reference model, truthful about gaps in the data (see the module docstring)."""
    data = _reference_profile_data()
    data["name"] = "default"
    data["description"] = (
        "The reference weights, benchmarks and tiers, truthful about gaps: missing inputs are left out "
        "(weights renormalised, under half the model's weight is insufficient_data), absent churn signals "
        "add nothing, ended contracts get no renewal urgency, expansion is net of overlap and weighted by "
        "health, and a critical warning escalates the playbook."
    )
    data["health"] |= {"missing_inputs": "omit", "min_weight_share": 0.5, "previous_overall_tolerance": 10}
    data["churn"] = {**data["churn"], "absent_signals": "omit", "ended_contract_multiplier": 1.0}
    data["expansion"] = {**data["expansion"], "net_of_overlap": True, "unlisted_departments_as_one": True,
                         "after_renewal_on_red": True}  # fmt: skip
    data["escalation"] = {"on_severity": "critical", "at_least_tier": "high"}
    return data


def _five_dimension_profile_data() -> dict[str, Any]:
    data = _default_profile_data()
    data["name"] = "five_dimension"
    data["description"] = (
        "The five-dimension framework: product usage 30%, engagement 25%, support 20%, "
        "business outcomes 15%, relationship 10%; green from 80, yellow from 50."
    )
    for key, seg in data["segments"].items():
        seg["green_min"], seg["yellow_min"] = 80, 50
        seg["benchmarks"] = {**seg["benchmarks"], **_OUTCOME_BENCHMARKS[key]}
    usage = {**_USAGE, "label": "Product usage"}
    relationship = {**_RELATIONSHIP, "weight": 0.10}
    data["health"]["dimensions"] = [usage, _ENGAGEMENT, _SUPPORT, _OUTCOMES, relationship]
    return data


REFERENCE_PROFILE = Profile.model_validate(_reference_profile_data())
DEFAULT_PROFILE = Profile.model_validate(_default_profile_data())
FIVE_DIMENSION_PROFILE = Profile.model_validate(_five_dimension_profile_data())
BUILTIN_PROFILES: dict[str, Profile] = {
    "reference": REFERENCE_PROFILE,
    "default": DEFAULT_PROFILE,
    "five_dimension": FIVE_DIMENSION_PROFILE,
}


def build_profile(overrides: dict[str, Any], source: str = "profile") -> Profile:
    """Apply an override mapping (as read from TOML) to its base built-in profile (`base`, default
    "default") and validate it."""
    overrides = dict(overrides)
    base_name = overrides.pop("base", "default")
    if not isinstance(base_name, str) or base_name not in BUILTIN_PROFILES:
        raise ProfileError(
            f"{source}: base: unknown profile {base_name!r} (choose one of {', '.join(BUILTIN_PROFILES)})"
        )
    return with_overrides(BUILTIN_PROFILES[base_name], overrides, source)
