"""The weekly plan: renewals at stake first, ended contracts apart, expansion only where it is healthy, and
never more hours than given. Hand-built books with hand-worked priorities, and a property over many."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import AS_OF, make_account, score
from customer_success_mcp.generate import generate_portfolio
from customer_success_mcp.pipeline import score_table
from customer_success_mcp.query.analysis import plan_week
from customer_success_mcp.query.models import QueryError
from customer_success_mcp.scoring.default_profiles import DEFAULT_PROFILE
from customer_success_mcp.scoring.profile import with_overrides
from test_backtest import HEAVY

CHAMPION_GONE = {
    "relationship_signals": {"champion_left": True, "sponsor_change": False, "competitor_mentions": 0}
}
SEATS = {"contract": {"licensed_seats": 100, "active_seats": 95}}  # 95% used: a seat expansion


def day(offset: int) -> str:
    return (AS_OF + dt.timedelta(days=offset)).isoformat()


def hand_book():  # type: ignore[no-untyped-def]
    return score(
        make_account(customer_id="R763", name="Big", arr=763_000, contract_end_date=day(3), **CHAMPION_GONE),
        make_account(customer_id="RCRIT", name="Rescue", arr=200_000, contract_end_date=day(20), **HEAVY),
        make_account(customer_id="ENDED", name="Lapsed", arr=900_000, contract_end_date=day(-10), **SEATS),
        make_account(customer_id="ATRISK", name="Later", arr=300_000, contract_end_date=day(200), **HEAVY),
        make_account(customer_id="GREEN", name="Grower", contract_end_date=day(311), **SEATS),
        # Health 0.3 x 73.8 + 0.25 x 45 + 0.2 x 100 + 0.25 x 37 = 62.6: yellow (mid-market 45-70).
        make_account(customer_id="YELLOW", name="Meh", engagement={"nps_score": 0, "meeting_attendance": 0},
                     usage={"login_frequency": 20}, **SEATS,
                     relationship={"executive_sponsor_engagement": 0, "renewal_sentiment": "negative"}),
    )  # fmt: skip


def test_renewals_first_then_ended_contracts_then_playbooks_then_expansion() -> None:
    plan = plan_week(hand_book(), 10)
    # Renewals within 30 days, by ARR x risk/100 x (1 + (30 - days)/30):
    #   RCRIT  200,000 x 1.00  x (1 + 10/30) = 266,666.67 (risk 99.7 x 1.5, capped at 100)
    #   R763   763,000 x 0.128 x (1 + 27/30) = 185,561.6  (risk round(8.55 x 1.5, 1) = 12.8)
    # RCRIT's critical playbook, every step (renewal in the window): 0.5 + 1 + 2 + 1 + 1 + 1 = 6.5 h. R763 is
    # low risk, but the critical "champion left" warning escalates it to the high playbook (1, 1, 2, 1, 1 h):
    # its first two steps fit (8.5 h used), the 2 h value review does not.
    assert [(i.customer_id, i.priority, i.hours, i.deferred_steps) for i in plan.renewals] == [
        ("RCRIT", 266_666.67, 6.5, 0), ("R763", 185_561.6, 2.0, 3),
    ]  # fmt: skip
    assert plan.renewals[1].playbook_tier == "high" and plan.renewals[1].risk_tier == "low"
    # The ended contract is a 0.25 h check of its own, not a renewal and not an expansion (8.75 h).
    (ended,) = plan.confirm_status
    assert (ended.customer_id, ended.hours, ended.rank) == ("ENDED", 0.25, 3)
    assert "ended 10 days ago" in ended.steps[0].text
    # ATRISK's critical playbook: the 0.5 h briefing fits (9.25 h), the 1 h executive call does not.
    (later,) = plan.at_risk
    assert (later.customer_id, len(later.steps), later.hours, later.deferred_steps) == ("ATRISK", 1, 0.5, 5)
    assert plan.expansion == []
    assert (plan.hours_planned, plan.hours_left) == (9.25, 0.75)
    left_out = [(n.customer_id, n.hours_needed) for n in plan.did_not_fit]
    assert left_out == [("R763", 4.0), ("ATRISK", 6.0), ("GREEN", 1.5)]
    assert "the next step takes 1.5 h and 0.75 h are left" in plan.did_not_fit[2].reason
    assert plan.candidates == {"renewals": 2, "confirm_status": 1, "at_risk": 1, "expansion": 1}


def test_renewal_steps_are_due_by_the_renewal_date() -> None:
    plan = plan_week(hand_book(), 10)
    big = next(i for i in plan.renewals if i.customer_id == "R763")
    assert {s.due.isoformat() for s in big.steps} == {day(3)}  # 30-day steps brought forward to the end
    rescue = next(i for i in plan.renewals if i.customer_id == "RCRIT")
    assert [s.due.isoformat() for s in rescue.steps] == [day(0), day(2), day(5), day(2), day(7), day(7)]


def test_with_time_to_spare_the_healthy_account_gets_its_expansion_talk() -> None:
    plan = plan_week(hand_book(), 25)
    assert [i.customer_id for i in plan.expansion] == ["GREEN"]  # YELLOW has seats to sell, but is not green
    assert plan.expansion[0].steps[0].text.startswith("Open an expansion conversation starting with the seat")
    assert plan.hours_planned == 6.5 + 6 + 0.25 + 6.5 + 1.5 and plan.did_not_fit == []


def test_a_plan_for_one_owner_and_an_unknown_owner() -> None:
    scored = score(
        make_account(customer_id="A", owner="Dana Reyes", contract_end_date=day(5)),
        make_account(customer_id="B", owner="Sam Ode", contract_end_date=day(6)),
    )
    plan = plan_week(scored, 5, owner="dana reyes")
    assert [i.customer_id for i in plan.renewals] == ["A"] and plan.account_owner == "dana reyes"
    with pytest.raises(QueryError, match="Owners in this portfolio: Dana Reyes, Sam Ode"):
        plan_week(scored, 5, owner="Nobody")
    with pytest.raises(QueryError, match="at most 168"):
        plan_week(scored, 200)


@pytest.fixture(scope="module")
def generated():  # type: ignore[no-untyped-def]
    return score(*generate_portfolio(400, 5, AS_OF, missing_sections_share=0.1)["customers"])


@settings(max_examples=40, deadline=None)
@given(
    hours=st.floats(0.05, 168),
    efforts=st.lists(st.sampled_from([0.1, 0.2, 0.3, 0.25, 0.7, 1.0, 1.3, 2.0, 3.5]), min_size=6, max_size=6),
)
def test_a_plan_never_exceeds_the_hours(generated, hours: float, efforts: list[float]) -> None:  # type: ignore[no-untyped-def]
    profile = with_overrides(DEFAULT_PROFILE, {
        "interventions": {tier: {"steps": [{**s.model_dump(), "effort_hours": efforts[i % 6]}
                                           for i, s in enumerate(plan.steps)]}
                          for tier, plan in DEFAULT_PROFILE.interventions.items()},
        "planning": {"confirm_status_hours": efforts[0], "expansion_hours": efforts[1]},
    })  # fmt: skip
    scored = score_table(generated.table, generated.report, profile, generated.as_of)
    plan = plan_week(scored, hours)
    items = [*plan.renewals, *plan.confirm_status, *plan.at_risk, *plan.expansion]
    total = sum(Fraction(s.hours) for i in items for s in i.steps)
    assert total <= Fraction(hours)
    assert plan.hours_planned == pytest.approx(float(total)) and plan.hours_left >= 0
    assert [i.rank for i in items] == sorted(i.rank for i in items) == list(range(1, len(items) + 1))
    fully_planned = sum(1 for i in items if i.deferred_steps == 0)
    assert fully_planned + plan.did_not_fit_total == sum(plan.candidates.values())
    for item in plan.expansion:
        assert item.health_class == "green" and item.playbook_tier in ("medium", "low")
    for item in plan.renewals:
        assert item.days_to_renewal is not None and 0 <= item.days_to_renewal <= 30
        urgency = 1 + (30 - item.days_to_renewal) / 30
        assert item.priority == pytest.approx(item.arr * item.risk_score / 100 * urgency, abs=0.01)
    assert [i.priority for i in plan.renewals] == sorted((i.priority for i in plan.renewals), reverse=True)
