"""Portfolio aggregates, checked by hand on a four-account book built for the purpose."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import AS_OF, make_account, score
from customer_success_mcp.pipeline import summarise
from customer_success_mcp.scoring.default_profiles import DEFAULT_PROFILE


def day(offset: int) -> str:
    return (AS_OF + dt.timedelta(days=offset)).isoformat()


# A struggling account: every health input at its worst and every churn signal raised.
TROUBLED = {
    "usage": {"login_frequency": 5, "feature_adoption": 5, "dau_mau_ratio": 0.02},
    "engagement": {"support_ticket_volume": 20, "meeting_attendance": 10, "nps_score": 1, "csat_score": 1},
    "support": {"open_tickets": 30, "escalation_rate": 0.9, "avg_resolution_hours": 300},
    "relationship": {"executive_sponsor_engagement": 5, "multi_threading_depth": 1,
                     "renewal_sentiment": "negative"},
    "usage_decline": {"login_trend": -40, "feature_adoption_change": -20, "dau_mau_change": -0.2},
    "engagement_drop": {"meeting_cancellations": 4, "response_time_days": 9, "nps_change": -5},
    "support_issues": {"open_escalations": 3, "unresolved_critical": 2, "satisfaction_trend": "critical"},
    "relationship_signals": {"champion_left": True, "sponsor_change": True, "competitor_mentions": 4},
    "commercial_factors": {"contract_type": "month-to-month", "pricing_complaints": True,
                           "budget_cuts_mentioned": True},
}  # fmt: skip
EXPANDING = {"contract": {"licensed_seats": 100, "active_seats": 100, "plan_tier": "professional"}}


@pytest.fixture
def book():
    accounts = [
        # A: healthy enterprise, 200k, renews in 30 days, seats full -> expansion-ready.
        make_account(customer_id="A", name="Alpha", segment="enterprise", arr=200_000,
                     contract_end_date=day(30), **EXPANDING),
        # B: troubled mid-market, 50k, renews in 60 days -> red, critical risk.
        make_account(customer_id="B", name="Beta", arr=50_000, contract_end_date=day(60), **TROUBLED),
        # C: troubled smb, 20k, renews in 200 days -> red, high or critical risk, outside the window.
        make_account(customer_id="C", name="Gamma", segment="smb", arr=20_000, contract_end_date=day(200),
                     **TROUBLED),
        # D: healthy mid-market, 30k, contract ended 10 days ago -> overdue.
        make_account(customer_id="D", name="Delta", arr=30_000, contract_end_date=day(-10)),
    ]  # fmt: skip
    scored = score(*accounts)
    return scored, summarise(scored, renewal_window_days=90)


def test_the_book_is_what_the_test_assumes(book):
    scored, _ = book
    classes = [scored.health.classification(r) for r in range(4)]
    tiers = [scored.churn.tier(r) for r in range(4)]
    assert classes == ["green", "red", "red", "green"]
    assert tiers[0] == tiers[3] == "low" and tiers[1] == tiers[2] == "critical"


def test_totals_and_shares_by_health(book):
    _, s = book
    assert s.accounts == 4 and s.total_arr == 300_000
    green, yellow, red, insufficient = s.by_health
    assert (insufficient.name, insufficient.accounts, insufficient.arr) == ("insufficient_data", 0, 0)
    # green: A + D = 230k of 300k; red: B + C = 70k
    assert (green.accounts, green.arr, green.account_share, green.arr_share) == (2, 230_000, 0.5, 0.7667)
    assert (yellow.accounts, yellow.arr) == (0, 0)
    assert (red.accounts, red.arr, red.account_share, red.arr_share) == (2, 70_000, 0.5, 0.2333)


def test_segments_and_risk_tiers(book):
    _, s = book
    by_segment = {b.name: (b.accounts, b.arr) for b in s.by_segment}
    assert by_segment == {"enterprise": (1, 200_000), "mid-market": (2, 80_000), "smb": (1, 20_000)}
    tiers = {b.name: (b.accounts, b.arr) for b in s.by_risk_tier}
    assert tiers["critical"] == (2, 70_000) and tiers["low"] == (2, 230_000)
    assert s.arr_at_risk == 70_000  # critical + high


def test_renewal_window_counts_only_upcoming_ends(book):
    _, s = book
    r = s.renewals
    # Inside 90 days: A (30 d, green) and B (60 d, red); C is at 200 d; D ended 10 days ago.
    assert (r.accounts, r.arr, r.not_green, r.not_green_arr, r.ended, r.ended_arr) == (
        2,
        250_000,
        1,
        50_000,
        1,
        30_000,
    )
    assert r.ends_on == AS_OF + dt.timedelta(days=90)
    assert r.not_green_accounts == ["Beta (B)"] and r.ended_accounts == ["Delta (D)"]
    # The ended contract is counted in data quality and said out loud.
    assert s.data_quality.ended_contracts == 1
    assert any(
        "1 contract ended before 2026-11-23: renewed, or stale data?" in n for n in s.data_quality.notes
    )


def test_at_risk_accounts_come_critical_first_then_by_arr(book):
    _, s = book
    assert [a.customer_id for a in s.at_risk_accounts] == ["B", "C"]  # both critical: 50k before 20k
    beta = s.at_risk_accounts[0]
    assert beta.days_to_renewal == 60 and beta.renewal_date == AS_OF + dt.timedelta(days=60)
    assert 2 <= len(beta.reasons) <= 3 and all(beta.reasons)


def test_expansion_ready_means_green_not_at_risk_with_an_opportunity(book):
    scored, s = book
    assert [x.customer_id for x in s.expansion_ready] == ["A"]
    assert s.expansion_ready[0].estimated_revenue == float(scored.expansion.total_revenue[0])
    assert s.expansion_ready_total == s.expansion_ready[0].estimated_revenue
    assert s.expansion_pipeline == float(scored.expansion.total_revenue.sum())


def test_three_to_five_actions_each_with_an_owner_a_date_and_accounts(book):
    _, s = book
    assert 3 <= len(s.actions) <= 5
    first = s.actions[0]
    rescue = DEFAULT_PROFILE.interventions["critical"]
    assert first.action.startswith(f"{rescue.label} for 2 critical-playbook accounts ($70,000 ARR)")
    assert first.owner == rescue.owner and first.due == AS_OF + dt.timedelta(days=rescue.respond_within_days)
    assert (
        first.accounts == ["B", "C"] and first.account_names == ["Beta", "Gamma"] and first.account_count == 2
    )
    assert all(a.owner and a.due >= AS_OF for a in s.actions)


def test_even_a_quiet_book_gets_three_actions():
    _, s = (lambda p: (p, summarise(p)))(score(make_account(customer_id="Q", name="Quiet")))
    assert len(s.actions) >= 3


def test_targets_compare_with_the_profile(book):
    scored, s = book
    t = {c.metric: c for c in s.targets}
    assert t["green share"].actual == 0.5 and not t["green share"].met  # target >= 60%
    assert t["red share"].actual == 0.5 and not t["red share"].met  # target < 15%
    average = round(float(scored.health.overall.mean()), 1)
    assert t["average health"].actual == s.average_health == average
    assert t["average health"].met == (average > DEFAULT_PROFILE.targets.average_health_min)
