"""Churn risk: every formula of spec section 2, with expected values worked out by hand.

raw = 0.30 usage_decline + 0.25 engagement_drop + 0.20 support_issues
      + 0.15 relationship_signals + 0.10 commercial_factors
risk = clamp(round(raw * multiplier, 1)); tiers critical >= 80, high >= 60, medium >= 40.

The conftest base account carries no churn signal except satisfaction_trend "stable"
(support = 0.30 * 30 = 9.0, so raw = 0.2 * 9 = 1.8) and a contract ending 2027-09-30,
311 days after AS_OF (2026-11-23), so its multiplier is 1.0.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest

from conftest import AS_OF, make_account, score
from customer_success_mcp.scoring.churn import tier_codes
from customer_success_mcp.scoring.default_profiles import DEFAULT_PROFILE, REFERENCE_PROFILE


def churn_of(account: dict[str, Any], as_of: dt.date = AS_OF, profile=None):
    """Churn under the reference profile unless told: these tests hold the reference arithmetic."""
    scored = score(account, as_of=as_of, profile=profile or REFERENCE_PROFILE)
    assert scored.report.accepted == 1, scored.report
    return scored.churn


def category(account: dict[str, Any], name: str) -> float:
    return float(churn_of(account).categories[name][0])


def risk(account: dict[str, Any], as_of: dt.date = AS_OF) -> float:
    return float(churn_of(account, as_of).risk[0])


def ends_in(days: int) -> str:
    return (AS_OF + dt.timedelta(days=days)).isoformat()


# raw = 40.0 exactly:
#   usage: login -34 -> 102 -> 100, feature -25 -> 100, dau -0.2 -> 100 -> 100 -> 0.3*100 = 30
#   support: declining -> 0.3*70 = 21 -> 0.2*21 = 4.2
#   relationship: 1 competitor mention -> 12 -> 0.15*12 = 1.8
#   commercial: budget cuts -> 40 -> 0.1*40 = 4.0
#   30 + 0 + 4.2 + 1.8 + 4.0 = 40.0
RAW_40: dict[str, Any] = {
    "usage_decline": {"login_trend": -34, "feature_adoption_change": -25, "dau_mau_change": -0.2},
    "support_issues": {"satisfaction_trend": "declining"},
    "relationship_signals": {"competitor_mentions": 1},
    "commercial_factors": {"budget_cuts_mentioned": True},
}
# engagement 100: cancellations 4 -> 100, response 8 -> 105 -> 100, nps -5 -> 100
ENGAGEMENT_100 = {"meeting_cancellations": 4, "response_time_days": 8, "nps_change": -5}
# relationship 100: 45 + 30 + 35 = 110 -> 100; commercial 100: 30 + 35 + 40 = 105 -> 100
RELATIONSHIP_100 = {"champion_left": True, "sponsor_change": True, "competitor_mentions": 3}
COMMERCIAL_100 = {
    "contract_type": "month-to-month",
    "pricing_complaints": True,
    "budget_cuts_mentioned": True,
}


def heavy(login: float, feature: float, dau: float, satisfaction: str = "stable") -> dict[str, Any]:
    """Engagement, relationship and commercial at 100 (25 + 15 + 10 = 50 raw points)."""
    return make_account(
        usage_decline={"login_trend": login, "feature_adoption_change": feature, "dau_mau_change": dau},
        engagement_drop=ENGAGEMENT_100,
        support_issues={"satisfaction_trend": satisfaction},
        relationship_signals=RELATIONSHIP_100,
        commercial_factors=COMMERCIAL_100,
    )


# --------------------------------------------------------------------------- usage_decline


def test_base_account_risk():
    # only "stable" satisfaction: 0.2 * 9 = 1.8; 311 days -> x1.0
    c = churn_of(make_account())
    assert float(c.risk[0]) == pytest.approx(1.8)
    assert c.tier(0) == "low"


def test_login_decline_times_3():
    # -10 -> 30 points; usage = 0.40 * 30 = 12.0
    acct = make_account(usage_decline={"login_trend": -10})
    assert float(churn_of(acct).points["login"][0]) == pytest.approx(30.0)
    assert category(acct, "usage_decline") == pytest.approx(12.0)


def test_feature_decline_times_4():
    # -5 -> 20 points; usage = 0.35 * 20 = 7.0
    acct = make_account(usage_decline={"feature_adoption_change": -5})
    assert float(churn_of(acct).points["feature"][0]) == pytest.approx(20.0)
    assert category(acct, "usage_decline") == pytest.approx(7.0)


def test_dau_mau_decline_times_500():
    # -0.04 -> 20 points; usage = 0.25 * 20 = 5.0
    acct = make_account(usage_decline={"dau_mau_change": -0.04})
    assert float(churn_of(acct).points["dau_mau"][0]) == pytest.approx(20.0)
    assert category(acct, "usage_decline") == pytest.approx(5.0)


def test_usage_decline_combined():
    # 0.40*30 + 0.35*20 + 0.25*20 = 12 + 7 + 5 = 24.0
    acct = make_account(
        usage_decline={"login_trend": -10, "feature_adoption_change": -5, "dau_mau_change": -0.04}
    )
    assert category(acct, "usage_decline") == pytest.approx(24.0)


def test_usage_increases_score_nothing():
    acct = make_account(
        usage_decline={"login_trend": 15, "feature_adoption_change": 20, "dau_mau_change": 0.2}
    )
    assert category(acct, "usage_decline") == 0.0


@pytest.mark.parametrize(
    ("field", "value", "signal"),
    [
        ("login_trend", -40, "login"),  # 120 -> 100
        ("feature_adoption_change", -30, "feature"),  # 120 -> 100
        ("dau_mau_change", -0.3, "dau_mau"),  # 150 -> 100
    ],
)
def test_usage_signals_clamped_at_100(field, value, signal):
    assert float(churn_of(make_account(usage_decline={field: value})).points[signal][0]) == 100.0


def test_usage_decline_all_maxed_is_100():
    # 0.4*100 + 0.35*100 + 0.25*100 = 100
    acct = make_account(
        usage_decline={"login_trend": -50, "feature_adoption_change": -50, "dau_mau_change": -0.5}
    )
    assert category(acct, "usage_decline") == pytest.approx(100.0)


# --------------------------------------------------------------------------- engagement_drop


def test_cancellations_times_25():
    # 2 -> 50; engagement = 0.30 * 50 = 15.0
    assert category(make_account(engagement_drop={"meeting_cancellations": 2}), "engagement_drop") == (
        pytest.approx(15.0)
    )


def test_cancellations_clamped_at_100():
    # 5 -> 125 -> 100; 0.30 * 100 = 30
    assert category(make_account(engagement_drop={"meeting_cancellations": 5}), "engagement_drop") == (
        pytest.approx(30.0)
    )


def test_response_days_minus_one_times_15():
    # 3 days -> (3 - 1) * 15 = 30; 0.35 * 30 = 10.5
    assert category(make_account(engagement_drop={"response_time_days": 3}), "engagement_drop") == (
        pytest.approx(10.5)
    )


def test_response_under_one_day_floors_at_zero():
    # (0.5 - 1) * 15 = -7.5 -> 0
    assert category(make_account(engagement_drop={"response_time_days": 0.5}), "engagement_drop") == 0.0


def test_response_clamped_at_100():
    # (10 - 1) * 15 = 135 -> 100; 0.35 * 100 = 35
    assert category(make_account(engagement_drop={"response_time_days": 10}), "engagement_drop") == (
        pytest.approx(35.0)
    )


def test_missing_response_days_defaults_to_one():
    acct = make_account(engagement_drop={"meeting_cancellations": 0, "nps_change": 0})
    del acct["engagement_drop"]["response_time_days"]
    # default 1 -> 0 points
    assert float(churn_of(acct).points["response"][0]) == 0.0


def test_nps_drop_times_20():
    # -1 -> 20; 0.35 * 20 = 7.0
    assert category(make_account(engagement_drop={"nps_change": -1}), "engagement_drop") == pytest.approx(7.0)


def test_nps_rise_scores_nothing():
    assert category(make_account(engagement_drop={"nps_change": 3}), "engagement_drop") == 0.0


def test_nps_drop_clamped_at_100():
    # -6 -> 120 -> 100; 0.35 * 100 = 35
    assert category(make_account(engagement_drop={"nps_change": -6}), "engagement_drop") == pytest.approx(
        35.0
    )


def test_engagement_drop_combined():
    # 0.30*50 + 0.35*30 + 0.35*20 = 15 + 10.5 + 7 = 32.5
    acct = make_account(
        engagement_drop={"meeting_cancellations": 2, "response_time_days": 3, "nps_change": -1}
    )
    assert category(acct, "engagement_drop") == pytest.approx(32.5)


# --------------------------------------------------------------------------- support_issues


def test_escalations_times_35():
    # 2 -> 70; 0.35*70 + 0.30*30 (stable) = 24.5 + 9 = 33.5
    assert category(make_account(support_issues={"open_escalations": 2}), "support_issues") == (
        pytest.approx(33.5)
    )


def test_escalations_clamped_at_100():
    # 3 -> 105 -> 100; 35 + 9 = 44.0
    assert category(make_account(support_issues={"open_escalations": 3}), "support_issues") == (
        pytest.approx(44.0)
    )


def test_critical_tickets_times_50():
    # 1 -> 50; 0.35*50 + 9 = 17.5 + 9 = 26.5
    assert category(make_account(support_issues={"unresolved_critical": 1}), "support_issues") == (
        pytest.approx(26.5)
    )


def test_critical_tickets_clamped_at_100():
    # 3 -> 150 -> 100; 35 + 9 = 44.0
    assert category(make_account(support_issues={"unresolved_critical": 3}), "support_issues") == (
        pytest.approx(44.0)
    )


@pytest.mark.parametrize(
    ("trend", "expected"),
    [
        ("improving", 3.0),  # 0.30 * 10
        ("stable", 9.0),  # 0.30 * 30
        ("declining", 21.0),  # 0.30 * 70
        ("critical", 28.5),  # 0.30 * 95
        ("worsening", 9.0),  # other -> 30
    ],
)
def test_satisfaction_trend_mapping(trend, expected):
    acct = make_account(support_issues={"satisfaction_trend": trend})
    assert category(acct, "support_issues") == pytest.approx(expected)


def test_missing_satisfaction_trend_defaults_to_stable():
    acct = make_account(support_issues=None)
    # stable -> 30 -> 0.30 * 30 = 9.0
    assert category(acct, "support_issues") == pytest.approx(9.0)


def test_support_issues_combined():
    # 0.35*70 + 0.35*50 + 0.30*70 = 24.5 + 17.5 + 21 = 63.0
    acct = make_account(
        support_issues={"open_escalations": 2, "unresolved_critical": 1, "satisfaction_trend": "declining"}
    )
    assert category(acct, "support_issues") == pytest.approx(63.0)


# --------------------------------------------------------------------------- relationship_signals


@pytest.mark.parametrize(
    ("signals", "expected"),
    [
        ({"champion_left": True}, 45.0),
        ({"sponsor_change": True}, 30.0),
        ({"competitor_mentions": 1}, 12.0),  # 1 x 12
        ({"competitor_mentions": 2}, 24.0),  # 2 x 12
        ({"competitor_mentions": 3}, 35.0),  # >= 3: flat 35
        ({"competitor_mentions": 7}, 35.0),
        ({"champion_left": True, "competitor_mentions": 2}, 69.0),  # 45 + 24
        ({"champion_left": True, "sponsor_change": True}, 75.0),  # 45 + 30
        ({"champion_left": True, "sponsor_change": True, "competitor_mentions": 3}, 100.0),  # 110 -> 100
    ],
)
def test_relationship_signal_points(signals, expected):
    assert category(make_account(relationship_signals=signals), "relationship_signals") == pytest.approx(
        expected
    )


# --------------------------------------------------------------------------- commercial_factors


@pytest.mark.parametrize(
    ("factors", "expected"),
    [
        ({"contract_type": "month-to-month"}, 30.0),
        ({"contract_type": "quarterly"}, 15.0),
        ({"contract_type": "annual"}, 0.0),
        ({"contract_type": "multi-year"}, 0.0),
        ({"pricing_complaints": True}, 35.0),
        ({"budget_cuts_mentioned": True}, 40.0),
        ({"contract_type": "quarterly", "budget_cuts_mentioned": True}, 55.0),  # 15 + 40
        (COMMERCIAL_100, 100.0),  # 30 + 35 + 40 = 105 -> 100
    ],
)
def test_commercial_factor_points(factors, expected):
    assert category(make_account(commercial_factors=factors), "commercial_factors") == pytest.approx(expected)


def test_contract_type_spelling_is_normalised():
    # "Month_To_Month" reads as month-to-month -> 30
    acct = make_account(commercial_factors={"contract_type": "Month_To_Month"})
    assert category(acct, "commercial_factors") == pytest.approx(30.0)


def test_missing_contract_type_defaults_to_annual():
    assert category(make_account(commercial_factors=None), "commercial_factors") == 0.0


# --------------------------------------------------------------------------- weighted raw score


def test_raw_is_weighted_sum_of_categories():
    acct = make_account(
        usage_decline={"login_trend": -10, "feature_adoption_change": -5, "dau_mau_change": -0.04},  # 24.0
        engagement_drop={"meeting_cancellations": 2, "response_time_days": 3, "nps_change": -1},  # 32.5
        support_issues={"open_escalations": 2, "unresolved_critical": 1, "satisfaction_trend": "declining"},
        relationship_signals={"champion_left": True},  # 45
        commercial_factors={"contract_type": "month-to-month"},  # 30
    )
    c = churn_of(acct)
    # 0.3*24 + 0.25*32.5 + 0.2*63 + 0.15*45 + 0.1*30 = 7.2 + 8.125 + 12.6 + 6.75 + 3 = 37.675
    assert float(c.raw[0]) == pytest.approx(37.675)
    # x1.0 (311 days) -> round(37.675, 1) = 37.7
    assert float(c.risk[0]) == pytest.approx(37.7)
    assert c.tier(0) == "low"


def test_raw_40_design():
    c = churn_of(make_account(**RAW_40))
    assert float(c.raw[0]) == pytest.approx(40.0)


# --------------------------------------------------------------------------- urgency multiplier


@pytest.mark.parametrize(
    ("days", "multiplier", "expected_risk"),
    [
        (0, 1.5, 60.0),  # 40 * 1.5
        (30, 1.5, 60.0),
        (31, 1.35, 54.0),  # 40 * 1.35
        (60, 1.35, 54.0),
        (61, 1.2, 48.0),  # 40 * 1.2
        (90, 1.2, 48.0),
        (91, 1.1, 44.0),  # 40 * 1.1
        (180, 1.1, 44.0),
        (181, 1.0, 40.0),
        (400, 1.0, 40.0),
    ],
)
def test_urgency_multiplier_boundaries(days, multiplier, expected_risk):
    c = churn_of(make_account(**RAW_40, contract_end_date=ends_in(days)))
    assert c.days_left(0) == days
    assert float(c.multiplier[0]) == pytest.approx(multiplier)
    assert float(c.risk[0]) == pytest.approx(expected_risk)


def test_past_renewal_date_counts_as_zero_days_for_urgency():
    # Reference rule: 10 days ago -> urgency counted at max(-10, 0) = 0 days -> x1.5 -> 60.0,
    # while days_to_renewal stays signed and the status says the contract has ended.
    c = churn_of(make_account(**RAW_40, contract_end_date=ends_in(-10)))
    assert c.days_left(0) == -10
    assert c.status(0) == "ended"
    assert float(c.multiplier[0]) == pytest.approx(1.5)
    assert float(c.risk[0]) == pytest.approx(60.0)


def test_a_profile_can_give_ended_contracts_their_own_multiplier():
    from customer_success_mcp.scoring.default_profiles import build_profile

    profile = build_profile({"churn": {"ended_contract_multiplier": 1.0}})
    c = churn_of(make_account(**RAW_40, contract_end_date=ends_in(-10)), profile=profile)
    assert float(c.multiplier[0]) == 1.0
    assert float(c.risk[0]) == pytest.approx(40.0)
    # A contract ending today is not ended: it still takes the nearest bracket.
    c = churn_of(make_account(**RAW_40, contract_end_date=ends_in(0)), profile=profile)
    assert c.status(0) == "renewing"
    assert float(c.multiplier[0]) == pytest.approx(1.5)


@pytest.mark.parametrize(
    ("days", "status"),
    [(-1, "ended"), (0, "renewing"), (120, "renewing"), (121, "active"), (None, "no_end_date")],
)
def test_contract_status_follows_the_renewal_window(days, status):
    end = None if days is None else ends_in(days)
    c = churn_of(make_account(**RAW_40, contract_end_date=end))
    assert c.status(0) == status


def test_no_renewal_date_means_no_multiplier():
    c = churn_of(make_account(**RAW_40, contract_end_date=None))
    assert c.days_left(0) is None
    assert float(c.multiplier[0]) == 1.0
    assert float(c.risk[0]) == pytest.approx(40.0)


def test_days_counted_from_as_of_not_today():
    # end 2027-01-15: from 2026-11-23 it is 7 + 31 + 15 = 53 days; from 2026-06-01 it is
    # 29 + 31 + 31 + 30 + 31 + 30 + 31 + 15 = 228 days
    acct = make_account(**RAW_40, contract_end_date="2027-01-15")
    assert churn_of(acct, dt.date(2026, 11, 23)).days_left(0) == 53
    assert churn_of(acct, dt.date(2026, 6, 1)).days_left(0) == 228


def test_risk_clamped_at_100():
    # usage 100, engagement 100, support (esc 3, crit 2, critical) 35 + 35 + 28.5 = 98.5,
    # relationship 100, commercial 100: 30 + 25 + 19.7 + 15 + 10 = 99.7; x1.5 = 149.55 -> 100
    acct = make_account(
        usage_decline={"login_trend": -50, "feature_adoption_change": -50, "dau_mau_change": -0.5},
        engagement_drop=ENGAGEMENT_100,
        support_issues={"open_escalations": 3, "unresolved_critical": 2, "satisfaction_trend": "critical"},
        relationship_signals=RELATIONSHIP_100,
        commercial_factors=COMMERCIAL_100,
        contract_end_date=ends_in(10),
    )
    c = churn_of(acct)
    assert float(c.raw[0]) == pytest.approx(99.7)
    assert float(c.risk[0]) == 100.0
    assert c.tier(0) == "critical"


def test_risk_rounded_after_multiplier():
    # base account raw 1.8, 45 days -> x1.35 = 2.43 -> 2.4
    assert risk(make_account(contract_end_date=ends_in(45))) == pytest.approx(2.4)


# --------------------------------------------------------------------------- tiers


def test_tier_critical_at_exactly_80():
    # login -17.5 -> 52.5: usage = 0.4*52.5 + 35 + 25 = 81.0; support "critical" 28.5
    # 0.3*81 + 25 + 0.2*28.5 + 15 + 10 = 24.3 + 25 + 5.7 + 15 + 10 = 80.0
    c = churn_of(heavy(-17.5, -25, -0.2, "critical"))
    assert float(c.risk[0]) == pytest.approx(80.0)
    assert c.tier(0) == "critical"


def test_tier_high_just_under_80():
    # login -17.25 -> 51.75: usage = 20.7 + 60 = 80.7
    # 0.3*80.7 + 55.7 = 24.21 + 55.7 = 79.91 -> 79.9 -> high
    c = churn_of(heavy(-17.25, -25, -0.2, "critical"))
    assert float(c.risk[0]) == pytest.approx(79.9)
    assert c.tier(0) == "high"


def test_fix_79_5_is_high_not_low():
    # login -27 -> 81: usage = 0.4*81 + 35 + 25 = 92.4; support stable 9
    # 0.3*92.4 + 25 + 0.2*9 + 15 + 10 = 27.72 + 25 + 1.8 + 15 + 10 = 79.52 -> 79.5 -> high
    c = churn_of(heavy(-27, -25, -0.2))
    assert float(c.risk[0]) == pytest.approx(79.5)
    assert c.tier(0) == "high"


def test_tier_high_at_exactly_60():
    # raw 40.0, 30 days -> x1.5 = 60.0 -> high
    c = churn_of(make_account(**RAW_40, contract_end_date=ends_in(30)))
    assert float(c.risk[0]) == pytest.approx(60.0)
    assert c.tier(0) == "high"


def test_fix_59_5_is_medium_not_low():
    # login -12 -> 36, feature -8 -> 32: usage = 0.4*36 + 0.35*32 = 14.4 + 11.2 = 25.6
    # 0.3*25.6 + 25 + 1.8 + 15 + 10 = 7.68 + 51.8 = 59.48 -> 59.5 -> medium
    c = churn_of(heavy(-12, -8, 0))
    assert float(c.risk[0]) == pytest.approx(59.5)
    assert c.tier(0) == "medium"


def test_tier_medium_just_under_60():
    # login -10.75 -> 32.25, feature -10 -> 40: usage = 12.9 + 14 = 26.9
    # 0.3*26.9 + 51.8 = 8.07 + 51.8 = 59.87 -> 59.9 -> medium
    c = churn_of(heavy(-10.75, -10, 0))
    assert float(c.risk[0]) == pytest.approx(59.9)
    assert c.tier(0) == "medium"


def test_tier_medium_at_exactly_40():
    c = churn_of(make_account(**RAW_40))
    assert float(c.risk[0]) == pytest.approx(40.0)
    assert c.tier(0) == "medium"


def test_tier_low_just_under_40():
    # RAW_40 with feature -24.5 -> 98: usage = 40 + 0.35*98 + 25 = 99.3
    # 0.3*99.3 + 4.2 + 1.8 + 4.0 = 29.79 + 10 = 39.79 -> 39.8 -> low
    acct = make_account(**RAW_40)
    acct["usage_decline"]["feature_adoption_change"] = -24.5
    c = churn_of(acct)
    assert float(c.risk[0]) == pytest.approx(39.8)
    assert c.tier(0) == "low"


def test_fix_tier_codes_have_no_gaps_between_tiers():
    # The >= rule: each score in exactly one tier, including fractions just under a floor.
    scores = np.array([100, 80, 79.95, 79.5, 60, 59.95, 59.5, 40, 39.95, 39.5, 0.0])
    expected = [0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert tier_codes(scores, DEFAULT_PROFILE.churn).tolist() == expected


# --------------------------------------------------------------------------- warning signals


def test_base_account_has_no_warnings():
    assert churn_of(make_account()).warnings(0) == []


@pytest.mark.parametrize(
    ("section", "field", "value", "severity"),
    [
        ("usage_decline", "login_trend", -20, "critical"),
        ("usage_decline", "login_trend", -19, "high"),
        ("usage_decline", "login_trend", -10, "high"),
        ("usage_decline", "login_trend", -9, "medium"),
        ("usage_decline", "login_trend", -5.1, "medium"),
        ("usage_decline", "login_trend", -5, None),
        ("usage_decline", "feature_adoption_change", -15, "high"),
        ("usage_decline", "feature_adoption_change", -14, "medium"),
        ("usage_decline", "feature_adoption_change", -5.1, "medium"),
        ("usage_decline", "feature_adoption_change", -5, None),
        ("usage_decline", "dau_mau_change", -0.10, "high"),
        ("usage_decline", "dau_mau_change", -0.09, None),
        ("engagement_drop", "meeting_cancellations", 3, "critical"),
        ("engagement_drop", "meeting_cancellations", 2, "high"),
        ("engagement_drop", "meeting_cancellations", 1, None),
        ("engagement_drop", "response_time_days", 7, "critical"),
        ("engagement_drop", "response_time_days", 6.9, "high"),
        ("engagement_drop", "response_time_days", 4, "high"),
        ("engagement_drop", "response_time_days", 3.9, None),
        ("engagement_drop", "nps_change", -4, "critical"),
        ("engagement_drop", "nps_change", -3, "high"),
        ("engagement_drop", "nps_change", -2, "high"),
        ("engagement_drop", "nps_change", -1.9, None),
        ("support_issues", "unresolved_critical", 2, "critical"),
        ("support_issues", "unresolved_critical", 1, "high"),
        ("support_issues", "unresolved_critical", 0, None),
        ("support_issues", "open_escalations", 2, "high"),
        ("support_issues", "open_escalations", 1, "medium"),
        ("support_issues", "open_escalations", 0, None),
        ("support_issues", "satisfaction_trend", "critical", "critical"),
        ("support_issues", "satisfaction_trend", "declining", "high"),
        ("support_issues", "satisfaction_trend", "improving", None),
        ("relationship_signals", "champion_left", True, "critical"),
        ("relationship_signals", "champion_left", False, None),
        ("relationship_signals", "sponsor_change", True, "high"),
        ("relationship_signals", "competitor_mentions", 3, "critical"),
        ("relationship_signals", "competitor_mentions", 2, "medium"),
        ("relationship_signals", "competitor_mentions", 1, "medium"),
        ("relationship_signals", "competitor_mentions", 0, None),
        ("commercial_factors", "contract_type", "month-to-month", "medium"),
        ("commercial_factors", "contract_type", "quarterly", None),
        ("commercial_factors", "pricing_complaints", True, "high"),
        ("commercial_factors", "budget_cuts_mentioned", True, "high"),
    ],
)
def test_warning_level_boundaries(section, field, value, severity):
    warnings = churn_of(make_account(**{section: {field: value}})).warnings(0)
    if severity is None:
        assert warnings == []
    else:
        assert [(w.severity, w.field) for w in warnings] == [(severity, f"{section}.{field}")]


def test_warnings_sorted_by_severity():
    acct = make_account(
        commercial_factors={"contract_type": "month-to-month", "pricing_complaints": True},  # medium, high
        support_issues={"open_escalations": 1},  # medium
        usage_decline={"login_trend": -12},  # high
        relationship_signals={"champion_left": True},  # critical
    )
    severities = [w.severity for w in churn_of(acct).warnings(0)]
    assert severities == ["critical", "high", "high", "medium", "medium"]


def test_warnings_only_for_supplied_inputs():
    # without the engagement_drop section, the defaults (0 cancellations, 1 day) raise nothing
    assert churn_of(make_account(engagement_drop=None)).warnings(0) == []


# --------------------------------------------------------------------------- as_of


def test_as_of_changes_only_urgency_numbers():
    acct = make_account(**RAW_40, contract_end_date="2027-01-15")
    near = churn_of(acct, dt.date(2026, 11, 23))  # 53 days -> x1.35
    far = churn_of(acct, dt.date(2026, 6, 1))  # 228 days -> x1.0
    for name in near.categories:
        assert float(near.categories[name][0]) == float(far.categories[name][0])
    assert float(near.raw[0]) == float(far.raw[0])
    assert near.warnings(0) == far.warnings(0)
    assert (near.days_left(0), far.days_left(0)) == (53, 228)
    assert (float(near.multiplier[0]), float(far.multiplier[0])) == pytest.approx((1.35, 1.0))
    # 40 * 1.35 = 54.0 ; 40 * 1.0 = 40.0
    assert (float(near.risk[0]), float(far.risk[0])) == pytest.approx((54.0, 40.0))


def test_explain_matches_arrays():
    acct = make_account(**RAW_40, contract_end_date=ends_in(45))
    c = churn_of(acct)
    e = c.explain(0)
    # 40 * 1.35 = 54.0 -> medium
    assert e.risk_score == pytest.approx(54.0)
    assert e.raw_score == pytest.approx(40.0)
    assert e.urgency_multiplier == pytest.approx(1.35)
    assert e.days_to_renewal == 45
    assert e.risk_tier == "medium"
    assert {cat.category: cat.score for cat in e.categories} == pytest.approx(
        {
            "usage_decline": 100.0,
            "engagement_drop": 0.0,
            "support_issues": 21.0,
            "relationship_signals": 12.0,
            "commercial_factors": 40.0,
        }
    )
