"""The data contract, rule by rule: what the bulk validator accepts, rejects and notes.

Every test goes through `load_records` (or `load_bytes` for text-level inputs), the same
path the CLI and the MCP tools use.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from conftest import AS_OF, make_account, score
from customer_success_mcp.ingest.contract import Account
from customer_success_mcp.ingest.load import InputError, LoadedPortfolio, load_bytes, load_records
from customer_success_mcp.scoring.default_profiles import DEFAULT_PROFILE, build_profile
from customer_success_mcp.scoring.profile import Profile

# --- helpers


def load(*accounts: Any, profile: Profile = DEFAULT_PROFILE) -> LoadedPortfolio:
    return load_records(list(accounts), profile)


def problems_of(loaded: LoadedPortfolio, index: int = 0) -> list[tuple[str, str]]:
    """(field, reason) pairs of one rejected row; fails if the row was accepted."""
    for rej in loaded.report.rejections:
        if rej.index == index:
            return [(p.field, p.reason) for p in rej.problems]
    raise AssertionError(f"row {index} was not rejected: {loaded.report.model_dump()}")


def assert_accepted(loaded: LoadedPortfolio) -> None:
    report = loaded.report
    assert report.rejected == 0, report.rejections
    assert report.accepted == report.total == loaded.table.size


def assert_rejected_on(loaded: LoadedPortfolio, field: str, *words: str) -> str:
    """The single account was rejected, with a problem on `field` whose reason has `words`."""
    report = loaded.report
    assert report.accepted == 0 and report.rejected == 1 and report.total == 1
    assert loaded.table.size == 0
    reasons = [r for f, r in problems_of(loaded) if f == field]
    assert reasons, f"no problem on {field}: {problems_of(loaded)}"
    for word in words:
        assert any(word in r for r in reasons), f"{word!r} not in {reasons}"
    return reasons[0]


def with_field(path: str, value: Any) -> dict[str, Any]:
    """make_account() with one dotted field set (section.field or a top-level key)."""
    account = make_account()
    if "." in path:
        section, name = path.split(".", 1)
        account.setdefault(section, {})[name] = value
    else:
        account[path] = value
    return account


def notes_of(loaded: LoadedPortfolio) -> list[tuple[int, str | None, str, str]]:
    return [(n.index, n.customer_id, n.field, n.note) for n in loaded.report.notes]


# --- required identity


def test_base_account_is_accepted() -> None:
    loaded = load(make_account())
    assert_accepted(loaded)
    assert loaded.table.ids == ["T-1"]
    assert loaded.table.names == ["Test Co"]
    assert loaded.report.notes == []


@pytest.mark.parametrize("field", ["customer_id", "name"])
def test_required_field_missing_is_rejected(field: str) -> None:
    account = make_account(**{field: None})
    assert field not in account
    reason = assert_rejected_on(load(account), field)
    assert "required" in reason


@pytest.mark.parametrize("field", ["customer_id", "name"])
@pytest.mark.parametrize("value", ["", "   "], ids=["empty", "blank"])
def test_required_field_empty_is_rejected(field: str, value: str) -> None:
    reason = assert_rejected_on(load(make_account(**{field: value})), field)
    assert "non-empty" in reason


@pytest.mark.parametrize("field", ["customer_id", "name"])
@pytest.mark.parametrize("value", [[1], {"a": 1}, True, 1.5], ids=["list", "object", "bool", "float"])
def test_required_field_wrong_type_is_rejected(field: str, value: Any) -> None:
    assert_rejected_on(load(make_account(**{field: value})), field, "text")


def test_null_customer_id_is_rejected() -> None:
    loaded = load(make_account(customer_id=None) | {"customer_id": None})
    assert_rejected_on(loaded, "customer_id", "required")
    assert loaded.report.rejections[0].customer_id is None


def test_integer_customer_id_is_accepted_as_text() -> None:
    loaded = load(make_account(customer_id=1234))
    assert_accepted(loaded)
    assert loaded.table.ids == ["1234"]
    assert isinstance(loaded.table.ids[0], str)


def test_integer_name_is_rejected() -> None:
    assert_rejected_on(load(make_account(name=42)), "name", "text")


def test_identity_is_trimmed() -> None:
    loaded = load(make_account(customer_id="  C-9 ", name=" Spaced Co  "))
    assert_accepted(loaded)
    assert loaded.table.ids == ["C-9"]
    assert loaded.table.names == ["Spaced Co"]


def test_only_id_and_name_are_required() -> None:
    loaded = load({"customer_id": "min", "name": "Minimal"})
    assert_accepted(loaded)
    assert loaded.table.ids == ["min"]


# --- numeric ranges

PERCENT_FIELDS = [
    "usage.login_frequency",
    "usage.feature_adoption",
    "engagement.meeting_attendance",
    "relationship.executive_sponsor_engagement",
    "outcomes.goals_met_pct",
]
RATIO_FIELDS = ["usage.dau_mau_ratio", "support.escalation_rate"]
COUNT_FIELDS = [
    "support.open_tickets",
    "relationship.multi_threading_depth",
    "engagement_drop.meeting_cancellations",
    "support_issues.open_escalations",
    "support_issues.unresolved_critical",
    "relationship_signals.competitor_mentions",
    "contract.licensed_seats",
    "contract.active_seats",
]
MONEY_FIELDS = [
    "arr",
    "engagement.support_ticket_volume",
    "support.avg_resolution_hours",
    "engagement_drop.response_time_days",
    "outcomes.roi_promised",
    "outcomes.time_to_value_days",
]
FLAG_FIELDS = [
    "relationship_signals.champion_left",
    "relationship_signals.sponsor_change",
    "commercial_factors.pricing_complaints",
    "commercial_factors.budget_cuts_mentioned",
]


@pytest.mark.parametrize("field", PERCENT_FIELDS)
@pytest.mark.parametrize("value", [0, 100, 55.5])
def test_percentage_in_range_is_accepted(field: str, value: float) -> None:
    assert_accepted(load(with_field(field, value)))


@pytest.mark.parametrize("field", PERCENT_FIELDS)
@pytest.mark.parametrize("value", [-0.1, 100.5, 250])
def test_percentage_out_of_range_is_rejected(field: str, value: float) -> None:
    reason = assert_rejected_on(load(with_field(field, value)), field, "between 0 and 100")
    assert repr(value) in reason


@pytest.mark.parametrize("field", RATIO_FIELDS)
@pytest.mark.parametrize("value", [0, 1, 0.42])
def test_ratio_in_range_is_accepted(field: str, value: float) -> None:
    assert_accepted(load(with_field(field, value)))


@pytest.mark.parametrize("field", RATIO_FIELDS)
@pytest.mark.parametrize("value", [-0.01, 1.01, 45])
def test_ratio_out_of_range_is_rejected(field: str, value: float) -> None:
    assert_rejected_on(load(with_field(field, value)), field, "between 0 and 1")


@pytest.mark.parametrize("value", [0, 10, 7.5])
def test_nps_in_range_is_accepted(value: float) -> None:
    assert_accepted(load(with_field("engagement.nps_score", value)))


@pytest.mark.parametrize("value", [-1, 10.5, 50])
def test_nps_out_of_range_is_rejected(value: float) -> None:
    assert_rejected_on(load(with_field("engagement.nps_score", value)), "engagement.nps_score", "0 and 10")


@pytest.mark.parametrize("value", [0, 5, 4.2])
def test_csat_in_range_is_accepted(value: float) -> None:
    assert_accepted(load(with_field("engagement.csat_score", value)))


@pytest.mark.parametrize("value", [-0.5, 5.01, 9])
def test_csat_out_of_range_is_rejected(value: float) -> None:
    assert_rejected_on(load(with_field("engagement.csat_score", value)), "engagement.csat_score", "0 and 5")


@pytest.mark.parametrize("field", COUNT_FIELDS)
def test_count_negative_is_rejected(field: str) -> None:
    assert_rejected_on(load(with_field(field, -1)), field, "0 or more")


@pytest.mark.parametrize("field", COUNT_FIELDS)
def test_count_fraction_is_rejected(field: str) -> None:
    assert_rejected_on(load(with_field(field, 2.5)), field, "whole number", "2.5")


@pytest.mark.parametrize("field", COUNT_FIELDS)
@pytest.mark.parametrize("value", [0, 3, 3.0])
def test_count_whole_is_accepted(field: str, value: float) -> None:
    assert_accepted(load(with_field(field, value)))


@pytest.mark.parametrize("field", MONEY_FIELDS)
def test_money_negative_is_rejected(field: str) -> None:
    assert_rejected_on(load(with_field(field, -0.5)), field, "0 or more")


@pytest.mark.parametrize("field", MONEY_FIELDS)
def test_money_zero_and_fractions_are_accepted(field: str) -> None:
    assert_accepted(load(with_field(field, 0)))
    assert_accepted(load(with_field(field, 1234.56)))


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("usage_decline.login_trend", -100.5, "-100 or more"),
        ("usage_decline.feature_adoption_change", 101, "between -100 and 100"),
        ("usage_decline.dau_mau_change", -1.5, "between -1 and 1"),
        ("engagement_drop.nps_change", 11, "between -10 and 10"),
        ("previous_period.usage_score", 101, "between 0 and 100"),
        ("previous_period.overall_score", -1, "between 0 and 100"),
        ("outcomes.kpi_improvement_pct", -101, "-100 or more"),
    ],
)
def test_change_and_score_ranges(field: str, value: float, words: str) -> None:
    assert_rejected_on(load(with_field(field, value)), field, words)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("usage_decline.login_trend", -40),
        ("usage_decline.login_trend", 250),
        ("usage_decline.dau_mau_change", -0.2),
        ("engagement_drop.nps_change", -3),
        ("outcomes.kpi_improvement_pct", -20),
    ],
)
def test_negative_changes_are_accepted(field: str, value: float) -> None:
    assert_accepted(load(with_field(field, value)))


@pytest.mark.parametrize(
    "field", ["usage.login_frequency", "arr", "support.open_tickets", "engagement.nps_score"]
)
@pytest.mark.parametrize("value", ["80", "1e3", "", "high"])
def test_number_given_as_string_is_rejected(field: str, value: str) -> None:
    reason = assert_rejected_on(load(with_field(field, value)), field, "must be a number")
    assert "str" in reason


@pytest.mark.parametrize("field", ["usage.login_frequency", "arr", "support.open_tickets"])
@pytest.mark.parametrize("value", [True, [50], {"v": 50}], ids=["bool", "list", "object"])
def test_number_of_wrong_type_is_rejected(field: str, value: Any) -> None:
    assert_rejected_on(load(with_field(field, value)), field, "must be a number")


def test_too_large_integer_is_rejected_once_with_a_plain_reason() -> None:
    loaded = load(make_account(arr=10**400))
    reasons = [r for f, r in problems_of(loaded) if f == "arr"]
    assert reasons == ["is too large to be a real figure"]


# --- non-finite numbers


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize("field", ["arr", "usage.login_frequency", "support.open_tickets"])
def test_non_finite_numbers_in_json_are_rejected(token: str, field: str) -> None:
    account = make_account()
    marker = "__MARK__"
    if "." in field:
        section, name = field.split(".")
        account[section][name] = marker
    else:
        account[field] = marker
    text = json.dumps({"customers": [account, make_account(customer_id="ok")]})
    text = text.replace(f'"{marker}"', token)
    assert token in text
    loaded = load_bytes(text.encode(), DEFAULT_PROFILE)
    assert loaded.report.total == 2 and loaded.report.accepted == 1
    assert loaded.table.ids == ["ok"]
    reasons = [r for f, r in problems_of(loaded, 0) if f == field]
    assert reasons and all("finite" in r for r in reasons), reasons


def test_non_finite_python_floats_are_rejected() -> None:
    loaded = load(
        make_account(customer_id="a", arr=float("nan")),
        make_account(customer_id="b", usage={"dau_mau_ratio": float("inf")}),
    )
    assert loaded.report.accepted == 0 and loaded.report.rejected == 2
    assert any("finite" in r for f, r in problems_of(loaded, 0) if f == "arr")
    assert any("finite" in r for f, r in problems_of(loaded, 1) if f == "usage.dau_mau_ratio")


# --- booleans


@pytest.mark.parametrize("field", FLAG_FIELDS)
@pytest.mark.parametrize("value", [True, False])
def test_boolean_true_false_is_accepted(field: str, value: bool) -> None:
    loaded = load(with_field(field, value))
    assert_accepted(loaded)
    assert loaded.table.value(field, 0) == float(value)


@pytest.mark.parametrize("field", FLAG_FIELDS)
@pytest.mark.parametrize("value", [1, 0, "yes", "true", "false", 1.0, [True]])
def test_boolean_lookalikes_are_rejected(field: str, value: Any) -> None:
    assert_rejected_on(load(with_field(field, value)), field, "true or false")


# --- dates


@pytest.mark.parametrize("field", ["contract_end_date", "contract_start_date"])
@pytest.mark.parametrize(
    "value", ["2027-02-30", "31/12/2026", "tomorrow", "2026-13-01", "", 20270101, ["2027-01-01"]]
)
def test_bad_date_is_rejected(field: str, value: Any) -> None:
    assert_rejected_on(load(make_account(**{field: value})), field, "YYYY-MM-DD")


@pytest.mark.parametrize(
    "value",
    [
        "2027-01-31",
        "2027-01-31T00:00:00",
        "2027-01-31T10:30:00",
        "2027-01-31T10:30:00+02:00",
        "2027-01-31T23:59:59Z",
    ],
)
def test_iso_date_and_datetime_are_accepted(value: str) -> None:
    loaded = load(make_account(contract_end_date=value))
    assert_accepted(loaded)
    assert loaded.table.value("contract_end_date", 0) == dt.date(2027, 1, 31).toordinal()


def test_datetime_end_date_scores_days_to_renewal() -> None:
    scored = score(make_account(contract_end_date="2026-12-03T09:00:00"))
    assert scored.churn.days_left(0) == (dt.date(2026, 12, 3) - AS_OF).days


# --- sections


@pytest.mark.parametrize(
    "section",
    [
        "usage",
        "engagement",
        "support",
        "relationship",
        "usage_decline",
        "commercial_factors",
        "contract",
        "departments",
        "outcomes",
    ],
)
@pytest.mark.parametrize("value", [[1, 2], "high", 5, True], ids=["list", "text", "number", "bool"])
def test_section_that_is_not_an_object_is_rejected(section: str, value: Any) -> None:
    assert_rejected_on(load(make_account(**{section: value})), section, "must be an object")


def test_null_section_is_treated_as_absent() -> None:
    loaded = load(make_account(usage=None) | {"usage": None})
    assert_accepted(loaded)
    assert not loaded.table.supplied("usage.login_frequency", 0)


def test_missing_section_uses_contract_fallback() -> None:
    loaded = load(make_account(engagement=None))
    assert_accepted(loaded)
    assert loaded.table.value("engagement.nps_score", 0) == 5
    assert loaded.table.value("engagement.csat_score", 0) == 3.0
    assert not loaded.table.supplied("engagement.nps_score", 0)
    assert loaded.table.supplied("usage.login_frequency", 0)


def test_unknown_extra_keys_are_ignored() -> None:
    account = make_account(favourite_colour="teal", region={"name": "EMEA"})
    account["usage"]["bogus_metric"] = "anything"
    account["support"]["notes"] = [1, 2, 3]
    loaded = load(account)
    assert_accepted(loaded)
    assert loaded.report.notes == []
    plain = score(make_account())
    extra = score(account)
    assert float(extra.health.overall[0]) == float(plain.health.overall[0])
    assert float(extra.churn.risk[0]) == float(plain.churn.risk[0])


# --- product usage, departments, tiers


def test_product_usage_valid_entries_are_accepted() -> None:
    modules = {
        "core_platform": {"adopted": True, "usage_pct": 85},
        "analytics_module": {"adopted": False, "usage_pct": 0},
        "api_access": {"adopted": True},
    }
    account = make_account(product_usage=modules)
    assert_accepted(load(account))
    summary = score(account).expansion.adoption(0)
    assert summary.total_modules == 3
    assert summary.adopted_modules == 2
    assert summary.avg_usage_pct == 42.5  # (85 + 0) / 2: a missing usage_pct counts as 0


@pytest.mark.parametrize("value", [1, 0, "yes", None])
def test_product_usage_adopted_must_be_boolean(value: Any) -> None:
    account = make_account(product_usage={"analytics_module": {"adopted": value, "usage_pct": 10}})
    assert_rejected_on(load(account), "product_usage.analytics_module.adopted", "true or false")


@pytest.mark.parametrize("value", [-1, 100.5, 250])
def test_product_usage_pct_out_of_range_is_rejected(value: float) -> None:
    account = make_account(product_usage={"analytics_module": {"adopted": True, "usage_pct": value}})
    assert_rejected_on(load(account), "product_usage.analytics_module.usage_pct", "between 0 and 100")


@pytest.mark.parametrize("value", ["50", None, True, float("nan")])
def test_product_usage_pct_not_a_number_is_rejected(value: Any) -> None:
    account = make_account(product_usage={"analytics_module": {"adopted": True, "usage_pct": value}})
    assert_rejected_on(load(account), "product_usage.analytics_module.usage_pct", "number")


@pytest.mark.parametrize("sign", ["", "-"])
def test_product_usage_pct_too_large_for_a_float_is_rejected_not_a_crash(sign: str) -> None:
    # Found by tests/test_validation_paths.py: a 400-digit integer made math.isfinite raise OverflowError.
    digits = "1" + "0" * 400
    account = json.dumps(make_account(product_usage={"api_access": {"adopted": True, "usage_pct": 0}}))
    text = '{"customers": [' + account.replace('"usage_pct": 0', f'"usage_pct": {sign}{digits}') + "]}"
    assert digits in text
    loaded = load_bytes(text.encode(), DEFAULT_PROFILE)
    reason = assert_rejected_on(loaded, "product_usage.api_access.usage_pct", "between 0 and 100")
    assert reason == f"must be between 0 and 100, got {(sign + digits)[:37]}..."  # 40 characters, not 401


@pytest.mark.parametrize("value", [[{"adopted": True}], "core_platform", 3])
def test_product_usage_not_an_object_is_rejected(value: Any) -> None:
    assert_rejected_on(load(make_account(product_usage=value)), "product_usage", "must be an object")


def test_product_usage_entry_not_an_object_is_rejected() -> None:
    account = make_account(product_usage={"core_platform": True})
    assert_rejected_on(load(account), "product_usage.core_platform", "must be an object")


@pytest.mark.parametrize("key", ["current", "potential"])
@pytest.mark.parametrize("value", ["engineering", ["sales", 3], [None], {"a": 1}])
def test_departments_must_be_lists_of_text(key: str, value: Any) -> None:
    account = make_account(departments={key: value})
    assert_rejected_on(load(account), f"departments.{key}", "list of text")


def test_departments_lists_are_accepted() -> None:
    account = make_account(departments={"current": ["engineering"], "potential": ["sales", "hr"]})
    assert_accepted(load(account))
    summary = score(account).expansion.adoption(0)
    assert (summary.departments_covered, summary.departments_potential) == (1, 2)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("contract.plan_tier", 3),
        ("contract.available_tiers", "pro"),
        ("contract.available_tiers", ["pro", 2]),
    ],
)
def test_tier_fields_must_be_text(field: str, value: Any) -> None:
    assert_rejected_on(load(with_field(field, value)), field, "text")


def test_tier_spellings_normalise_to_ladder_keys() -> None:
    account = make_account(
        contract={"plan_tier": "Enterprise Plus", "available_tiers": ["Professional", "enterprise-plus"]}
    )
    loaded = load(account)
    assert_accepted(loaded)
    assert loaded.table.label("contract.plan_tier", 0) == "enterprise_plus"
    professional = make_account(
        contract={"plan_tier": "Professional", "available_tiers": ["Professional", "Enterprise Plus"]}
    )
    tiers = [o.target_tier for o in score(professional).expansion.explain(0).opportunities]
    assert "enterprise_plus" in tiers


# --- vocabulary fields

ENUM_FIELDS = [
    ("relationship.renewal_sentiment", "mixed"),
    ("support_issues.satisfaction_trend", "volatile"),
    ("commercial_factors.contract_type", "perpetual"),
]


@pytest.mark.parametrize(("field", "value"), ENUM_FIELDS)
def test_unknown_enum_value_is_noted_not_rejected(field: str, value: str) -> None:
    loaded = load(with_field(field, value))
    assert_accepted(loaded)
    notes = notes_of(loaded)
    assert len(notes) == 1
    index, cid, where, text = notes[0]
    assert (index, cid, where) == (0, "T-1", field)
    assert repr(value) in text and "unrecognised" in text


@pytest.mark.parametrize(("field", "value"), ENUM_FIELDS)
def test_enum_of_wrong_type_is_rejected(field: str, value: str) -> None:
    assert_rejected_on(load(with_field(field, 3)), field, "must be text")


def test_unknown_renewal_sentiment_is_scored_as_unrecognised() -> None:
    scored = score(make_account(relationship={"renewal_sentiment": "mixed"}))
    metric = next(m for _, m in DEFAULT_PROFILE.health.metrics if m.name == "renewal_sentiment")
    assert float(scored.health.subscores["renewal_sentiment"][0]) == metric.mapping_other
    assert scored.report.notes[0].field == "relationship.renewal_sentiment"


def test_unknown_satisfaction_trend_is_scored_as_unrecognised() -> None:
    scored = score(make_account(support_issues={"satisfaction_trend": "volatile"}))
    signal = next(s for _, s in DEFAULT_PROFILE.churn.signals if s.name == "satisfaction")
    assert float(scored.churn.points["satisfaction"][0]) == signal.mapping_other == 30.0
    # Unrecognised is not a warning signal.
    assert not any(w.field == "support_issues.satisfaction_trend" for w in scored.churn.warnings(0))


def test_unknown_contract_type_is_scored_as_unrecognised() -> None:
    scored = score(make_account(commercial_factors={"contract_type": "perpetual"}))
    assert float(scored.churn.points["contract_type"][0]) == 0.0
    assert scored.churn.input_value("commercial_factors.contract_type", 0) == "perpetual"


@pytest.mark.parametrize(
    ("field", "value", "normalised"),
    [
        ("relationship.renewal_sentiment", "Positive", "positive"),
        ("relationship.renewal_sentiment", "  NEGATIVE ", "negative"),
        ("commercial_factors.contract_type", "Month_to_Month", "month-to-month"),
        ("commercial_factors.contract_type", "Multi Year", "multi-year"),
        ("support_issues.satisfaction_trend", "Declining", "declining"),
    ],
)
def test_enum_spelling_is_normalised_without_a_note(field: str, value: str, normalised: str) -> None:
    loaded = load(with_field(field, value))
    assert_accepted(loaded)
    assert loaded.report.notes == []
    assert loaded.table.label(field, 0) == normalised


def test_normalised_enum_scores_like_the_canonical_spelling() -> None:
    odd = score(
        make_account(
            relationship={"renewal_sentiment": "Negative"},
            commercial_factors={"contract_type": "Month_to_Month"},
        )
    )
    canonical = score(
        make_account(
            relationship={"renewal_sentiment": "negative"},
            commercial_factors={"contract_type": "month-to-month"},
        )
    )
    assert float(odd.health.overall[0]) == float(canonical.health.overall[0])
    assert float(odd.churn.risk[0]) == float(canonical.churn.risk[0])
    assert float(odd.churn.points["contract_type"][0]) == 30.0
    assert any(w.signal == "Month-to-month contract" for w in odd.churn.warnings(0))


# --- segments


@pytest.mark.parametrize(
    ("spelling", "segment"),
    [
        ("Mid-Market", "mid-market"),
        ("mid_market", "mid-market"),
        ("MidMarket", "mid-market"),
        ("mid market", "mid-market"),
        ("SMB", "smb"),
        ("smb", "smb"),
        ("Enterprise", "enterprise"),
        ("ENTERPRISE ", "enterprise"),
    ],
)
def test_segment_spellings_normalise(spelling: str, segment: str) -> None:
    loaded = load(make_account(segment=spelling))
    assert_accepted(loaded)
    assert loaded.table.segments == [segment]
    assert loaded.table.segment_source == ["input"]


@pytest.mark.parametrize("value", ["strategic", "gold", 5, ["smb"]])
def test_unknown_segment_is_rejected_naming_the_known_ones(value: Any) -> None:
    reason = assert_rejected_on(load(make_account(segment=value)), "segment")
    for known in DEFAULT_PROFILE.segments:
        assert known in reason


def strategic_profile() -> Profile:
    strategic = DEFAULT_PROFILE.segments["enterprise"].model_dump()
    strategic.update(label="Strategic", aliases=["key account"], arr_floor=1_000_000_000)
    return build_profile({"segments": {"strategic": strategic}}, source="test")


def test_segment_defined_by_profile_is_accepted() -> None:
    profile = strategic_profile()
    for spelling in ("strategic", "Strategic", "Key_Account"):
        loaded = load(make_account(segment=spelling), profile=profile)
        assert_accepted(loaded)
        assert loaded.table.segments == ["strategic"]
    scored = score(make_account(segment="strategic"), profile=profile)
    assert scored.table.segments == ["strategic"]
    # The default profile still refuses it.
    assert load(make_account(segment="strategic")).report.rejected == 1


@pytest.mark.parametrize(
    ("arr", "segment"),
    [
        (250_000, "enterprise"),
        (100_001, "enterprise"),
        (100_000, "mid-market"),
        (25_000, "mid-market"),
        (24_999, "smb"),
        (0, "smb"),
    ],
)
def test_segment_is_derived_from_arr_when_absent(arr: float, segment: str) -> None:
    loaded = load(make_account(segment=None, arr=arr))
    assert_accepted(loaded)
    assert loaded.table.segments == [segment]
    assert loaded.table.segment_source == ["arr"]
    assert loaded.report.notes == []


def test_null_segment_is_derived_from_arr() -> None:
    loaded = load(make_account(segment=None, arr=500_000) | {"segment": None})
    assert loaded.table.segments == ["enterprise"]
    assert loaded.table.segment_source == ["arr"]


def test_no_segment_and_no_arr_uses_default_segment_with_note() -> None:
    account = make_account(segment=None, arr=None)
    assert "segment" not in account and "arr" not in account
    loaded = load(account)
    assert_accepted(loaded)
    assert loaded.table.segments == [DEFAULT_PROFILE.default_segment]
    assert loaded.table.segment_source == ["default"]
    notes = notes_of(loaded)
    assert [(i, cid, f) for i, cid, f, _ in notes] == [(0, "T-1", "segment")]
    assert DEFAULT_PROFILE.default_segment in notes[0][3]


# --- partial acceptance


def test_good_and_bad_accounts_partial_acceptance() -> None:
    accounts = [
        make_account(customer_id="good-0"),
        make_account(customer_id="bad-1", usage={"login_frequency": 180}),
        make_account(customer_id="good-2", segment="SMB"),
        make_account(customer_id="bad-3", relationship_signals={"champion_left": "yes"}),
        make_account(customer_id="good-4", relationship={"renewal_sentiment": "mixed"}),
        make_account(customer_id="bad-5", contract_end_date="2026-02-31"),
    ]
    loaded = load(*accounts)
    report = loaded.report
    assert report.total == 6 and report.accepted == 3 and report.rejected == 3
    assert report.accepted + report.rejected == report.total
    assert loaded.table.ids == ["good-0", "good-2", "good-4"]
    found = {(r.index, r.customer_id): [(p.field, p.reason) for p in r.problems] for r in report.rejections}
    assert set(found) == {(1, "bad-1"), (3, "bad-3"), (5, "bad-5")}
    assert found[(1, "bad-1")][0][0] == "usage.login_frequency"
    assert "180" in found[(1, "bad-1")][0][1]
    assert found[(3, "bad-3")][0][0] == "relationship_signals.champion_left"
    assert found[(5, "bad-5")][0][0] == "contract_end_date"
    # Notes are only about accepted accounts.
    assert [(n.index, n.customer_id) for n in report.notes] == [(4, "good-4")]
    scored = score(*accounts)
    assert scored.table.ids == ["good-0", "good-2", "good-4"]
    assert scored.health.overall.shape == (3,)


def test_one_account_with_several_problems_lists_all() -> None:
    account = make_account(
        name="",
        arr=-5,
        usage={"login_frequency": 120, "dau_mau_ratio": "0.4"},
        support={"open_tickets": 1.5},
        relationship_signals={"champion_left": 1},
        contract_end_date="soon",
        engagement="n/a",
        departments={"current": "all"},
        product_usage={"api_access": {"adopted": "yes"}},
    )
    loaded = load(account, make_account(customer_id="fine"))
    assert loaded.report.accepted == 1 and loaded.report.rejected == 1
    fields = {f for f, _ in problems_of(loaded, 0)}
    assert fields >= {
        "name",
        "arr",
        "usage.login_frequency",
        "usage.dau_mau_ratio",
        "support.open_tickets",
        "relationship_signals.champion_left",
        "contract_end_date",
        "engagement",
        "departments.current",
        "product_usage.api_access.adopted",
    }


def test_duplicate_ids_reject_every_copy_naming_the_rows() -> None:
    loaded = load(
        make_account(customer_id="A"),
        make_account(customer_id="dup"),
        make_account(customer_id="B"),
        make_account(customer_id="dup"),
        make_account(customer_id="dup"),
    )
    report = loaded.report
    assert report.total == 5 and report.accepted == 2 and report.rejected == 3
    assert loaded.table.ids == ["A", "B"]
    assert [r.index for r in report.rejections] == [1, 3, 4]
    for rej in report.rejections:
        assert rej.customer_id == "dup"
        (field, reason), *_ = [(p.field, p.reason) for p in rej.problems]
        assert field == "customer_id"
        assert "1, 3, 4" in reason and "more than once" in reason


def test_duplicate_ids_after_trimming_and_int_conversion() -> None:
    loaded = load(make_account(customer_id=7), make_account(customer_id=" 7 "))
    assert loaded.report.rejected == 2 and loaded.report.accepted == 0


@pytest.mark.parametrize("row", [5, "CUST-1", None, ["a"], True])
def test_row_that_is_not_an_object_is_rejected_with_no_id(row: Any) -> None:
    loaded = load(make_account(customer_id="ok"), row)
    report = loaded.report
    assert report.total == 2 and report.accepted == 1 and report.rejected == 1
    rej = report.rejections[0]
    assert rej.index == 1 and rej.customer_id is None
    assert rej.problems[0].field == "(account)"
    assert "must be an object" in rej.problems[0].reason


# --- hypothesis: every account accounted for

CORRUPTIONS: list[tuple[str, Any]] = [
    ("usage.login_frequency", 101),
    ("usage.dau_mau_ratio", -0.2),
    ("engagement.nps_score", "9"),
    ("engagement.csat_score", 6),
    ("support.open_tickets", 2.5),
    ("support.escalation_rate", float("nan")),
    ("relationship_signals.champion_left", 1),
    ("commercial_factors.pricing_complaints", "no"),
    ("arr", -100),
    ("contract_end_date", "2026/12/31"),
    ("name", ""),
    ("name", None),
    ("segment", "galactic"),
    ("usage", [80, 70]),
    ("relationship.renewal_sentiment", 4),
    ("departments", {"current": "everyone"}),
    ("product_usage", {"api_access": {"adopted": True, "usage_pct": 140}}),
]

VALID_VARIATIONS: list[dict[str, Any]] = [
    {},
    {"segment": "Enterprise", "arr": 250_000},
    {"segment": None, "arr": 12_000},
    {"usage": {"login_frequency": 12.5}, "relationship": {"renewal_sentiment": "mixed"}},
    {"support": {"open_tickets": 4.0}, "contract_end_date": "2026-12-24T08:00:00"},
    {"engagement": None, "product_usage": {"core_platform": {"adopted": True, "usage_pct": 30}}},
    {"commercial_factors": {"contract_type": "Month_to_Month"}, "unknown_key": [1]},
]


def corrupt(account: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    account = copy.deepcopy(account)
    if "." in path:
        section, name = path.split(".", 1)
        if not isinstance(account.get(section), dict):
            account[section] = {}
        account[section][name] = value
    else:
        account[path] = value
    return account


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.integers(0, len(VALID_VARIATIONS) - 1),
            st.one_of(st.none(), st.integers(0, len(CORRUPTIONS) - 1)),
        ),
        min_size=1,
        max_size=25,
    )
)
def test_accepted_plus_rejected_is_total_and_exactly_the_corrupted_are_rejected(
    plan: list[tuple[int, int | None]],
) -> None:
    accounts, corrupted = [], set()
    for i, (variation, corruption) in enumerate(plan):
        account = make_account(customer_id=f"H-{i}", **VALID_VARIATIONS[variation])
        if corruption is not None:
            account = corrupt(account, *CORRUPTIONS[corruption])
            corrupted.add(i)
        accounts.append(account)
    loaded = load(*accounts)
    report = loaded.report
    assert report.total == len(accounts)
    assert report.accepted + report.rejected == report.total
    assert report.accepted == loaded.table.size
    assert {r.index for r in report.rejections} == corrupted
    assert loaded.table.ids == [f"H-{i}" for i in range(len(accounts)) if i not in corrupted]
    for rej in report.rejections:
        assert rej.customer_id == f"H-{rej.index}"
        path = CORRUPTIONS[plan[rej.index][1]][0]  # type: ignore[index]
        fields = [p.field for p in rej.problems]
        assert any(f == path or f.startswith(path + ".") for f in fields), (path, fields)


# --- file-level failures


def test_invalid_json_reports_line_and_column() -> None:
    with pytest.raises(InputError) as info:
        load_bytes(b'{"customers": [\n  {"customer_id": "a",}\n]}', DEFAULT_PROFILE, "portfolio.json")
    message = str(info.value)
    assert "portfolio.json" in message and "not valid JSON" in message
    assert "line 2" in message and "column" in message


@pytest.mark.parametrize("data", [b"", b"{", b"customers", b'{"customers": [}'])
def test_unparseable_text_raises_input_error(data: bytes) -> None:
    with pytest.raises(InputError, match="not valid JSON"):
        load_bytes(data, DEFAULT_PROFILE)


@pytest.mark.parametrize("data", [b'{"customers": []}', b"[]"])
def test_no_customers_raises_input_error(data: bytes) -> None:
    with pytest.raises(InputError, match="no customers"):
        load_bytes(data, DEFAULT_PROFILE)


@pytest.mark.parametrize("value", [b"{}", b'"CUST-1"', b"null", b"5"])
def test_customers_not_a_list_raises_input_error(value: bytes) -> None:
    with pytest.raises(InputError, match='"customers" must be a list'):
        load_bytes(b'{"customers": ' + value + b"}", DEFAULT_PROFILE)


@pytest.mark.parametrize("data", [b"5", b'"text"', b"null", b"true", b'{"accounts": []}'])
def test_top_level_not_object_or_list_raises_input_error(data: bytes) -> None:
    with pytest.raises(InputError, match="customers"):
        load_bytes(data, DEFAULT_PROFILE)


def test_bare_top_level_list_is_accepted() -> None:
    data = json.dumps([make_account(customer_id="x"), make_account(customer_id="y")]).encode()
    loaded = load_bytes(data, DEFAULT_PROFILE)
    assert_accepted(loaded)
    assert loaded.table.ids == ["x", "y"]
    assert loaded.extras == {}


def test_other_top_level_keys_are_kept_as_extras() -> None:
    data = json.dumps({"as_of": "2026-01-15", "source": "crm", "customers": [make_account()]}).encode()
    loaded = load_bytes(data, DEFAULT_PROFILE)
    assert loaded.extras == {"as_of": "2026-01-15", "source": "crm"}


# --- agreement with the pydantic contract


def pydantic_accepts(account: Any) -> bool:
    try:
        Account.model_validate(account)
    except ValidationError:
        return False
    return True


def bulk_accepts(account: Any) -> bool:
    loaded = load(account)
    assert loaded.report.accepted + loaded.report.rejected == 1
    return loaded.report.accepted == 1


AGREEMENT_CASES: dict[str, dict[str, Any]] = {
    # accepted by both
    "base": make_account(),
    "minimal": {"customer_id": "m", "name": "Minimal"},
    "boundaries": make_account(
        usage={"login_frequency": 100, "dau_mau_ratio": 1}, engagement={"nps_score": 10, "csat_score": 5}
    ),
    "zero_everything": make_account(arr=0, support={"open_tickets": 0, "escalation_rate": 0}),
    "whole_float_count": make_account(support={"open_tickets": 3.0}),
    "unknown_enum": make_account(relationship={"renewal_sentiment": "mixed"}),
    "unknown_keys": make_account(extra_field=1, usage={"login_frequency": 50, "other": "x"}),
    "datetime_midnight": make_account(contract_end_date="2027-01-01T00:00:00"),
    "null_optional_score": make_account(previous_period={"usage_score": None}),
    "product_usage_ok": make_account(product_usage={"a": {"adopted": True, "usage_pct": 40}}),
    "departments_ok": make_account(departments={"current": ["x"], "potential": []}),
    "outcomes_ok": make_account(outcomes={"goals_met_pct": 60, "roi_promised": 3, "roi_achieved": 1.5}),
    "negative_changes": make_account(usage_decline={"login_trend": -30, "dau_mau_change": -0.5}),
    # rejected by both
    "missing_id": make_account(customer_id=None),
    "missing_name": make_account(name=None),
    "empty_id": make_account(customer_id=""),
    "empty_name": make_account(name=""),
    "float_id": make_account(customer_id=1.5),
    "list_name": make_account(name=["x"]),
    "percent_high": make_account(usage={"login_frequency": 100.1}),
    "percent_low": make_account(engagement={"meeting_attendance": -1}),
    "ratio_high": make_account(usage={"dau_mau_ratio": 1.5}),
    "nps_high": make_account(engagement={"nps_score": 11}),
    "csat_high": make_account(engagement={"csat_score": 5.5}),
    "count_negative": make_account(support={"open_tickets": -1}),
    "count_fraction": make_account(relationship={"multi_threading_depth": 2.5}),
    "money_negative": make_account(arr=-1),
    "nan": make_account(arr=float("nan")),
    "infinity": make_account(usage={"login_frequency": float("inf")}),
    "text_number_word": make_account(usage={"login_frequency": "high"}),
    "bad_date": make_account(contract_end_date="2026-02-30"),
    "date_as_number": make_account(contract_end_date=20270101),
    "section_list": make_account(usage=[1, 2]),
    "section_text": make_account(support="none"),
    "enum_number": make_account(relationship={"renewal_sentiment": 3}),
    "tier_number": make_account(contract={"plan_tier": 3}),
    "tiers_text": make_account(contract={"available_tiers": "pro"}),
    "module_pct_high": make_account(product_usage={"a": {"adopted": True, "usage_pct": 101}}),
    "module_not_object": make_account(product_usage={"a": 5}),
    "product_usage_list": make_account(product_usage=[1]),
    "departments_text": make_account(departments={"current": "x"}),
    "departments_numbers": make_account(departments={"potential": [1, 2]}),
    "flag_text_word": make_account(relationship_signals={"champion_left": "maybe"}),
    "outcomes_high": make_account(outcomes={"goals_met_pct": 150}),
    "previous_high": make_account(previous_period={"overall_score": 101}),
}


@pytest.mark.parametrize("name", list(AGREEMENT_CASES))
def test_bulk_validator_agrees_with_pydantic_contract(name: str) -> None:
    account = AGREEMENT_CASES[name]
    assert bulk_accepts(account) == pydantic_accepts(account)


def test_agreement_cases_cover_both_outcomes() -> None:
    outcomes = {pydantic_accepts(a) for a in AGREEMENT_CASES.values()}
    assert outcomes == {True, False}


# Where the two deliberately differ: pydantic's lax mode coerces, the bulk validator does not;
# the bulk validator accepts integer ids (common in CRM exports) and datetimes for dates.
DOCUMENTED_DIFFERENCES: dict[str, tuple[dict[str, Any], bool, bool]] = {
    # name: (account, pydantic accepts, bulk accepts)
    "numeric_string": (make_account(usage={"login_frequency": "80"}), True, False),
    "numeric_string_arr": (make_account(arr="50000"), True, False),
    "bool_as_1": (make_account(relationship_signals={"champion_left": 1}), True, False),
    "bool_as_0": (make_account(commercial_factors={"pricing_complaints": 0}), True, False),
    "bool_as_yes": (make_account(relationship_signals={"sponsor_change": "yes"}), True, False),
    "bool_for_number": (make_account(usage={"login_frequency": True}), True, False),
    "module_pct_string": (
        make_account(product_usage={"a": {"adopted": True, "usage_pct": "5"}}),
        True,
        False,
    ),
    "module_adopted_1": (make_account(product_usage={"a": {"adopted": 1}}), True, False),
    "blank_name": (make_account(name="   "), True, False),
    "integer_id": (make_account(customer_id=42), False, True),
    "datetime_with_time": (make_account(contract_end_date="2027-01-01T10:00:00"), False, True),
}


@pytest.mark.parametrize("name", list(DOCUMENTED_DIFFERENCES))
def test_documented_differences_from_pydantic_lax_mode(name: str) -> None:
    account, pyd, bulk = DOCUMENTED_DIFFERENCES[name]
    assert pydantic_accepts(account) is pyd
    assert bulk_accepts(account) is bulk
