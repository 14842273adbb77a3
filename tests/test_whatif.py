"""What-if: one account's changes checked by the contract and attributed exactly; a whole book under a
changed profile. Expected figures are worked out by hand from the reference arithmetic."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import make_account, score
from customer_success_mcp.ingest.changes import ChangeError, apply_changes, parse_assignments
from customer_success_mcp.profiles import changed_profile
from customer_success_mcp.query.analysis import what_if, what_if_profile
from customer_success_mcp.query.models import QueryError
from customer_success_mcp.scoring.default_profiles import DEFAULT_PROFILE
from customer_success_mcp.scoring.outcomes import OutcomeKind, OutcomeRecord, Outcomes
from test_backtest import HEAVY

CHAMPION_GONE = {
    "relationship_signals": {"champion_left": True, "sponsor_change": False, "competitor_mentions": 0}
}


def test_field_value_words_are_read_as_json_where_they_are_json() -> None:
    changes = parse_assignments(["relationship_signals.champion_left=false", "arr=120000",
                                 "commercial_factors.contract_type=multi-year", "engagement.nps_score=null",
                                 'name_like="quoted"'])  # fmt: skip
    assert changes == {"relationship_signals.champion_left": False, "arr": 120000,
                       "commercial_factors.contract_type": "multi-year", "engagement.nps_score": None,
                       "name_like": "quoted"}  # fmt: skip
    with pytest.raises(ChangeError, match="field=value"):
        parse_assignments(["champion_left"])


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"usage.login_frequency": 150}, "usage.login_frequency: must be between 0 and 100, got 150"),
        (
            {"relationship_signals.champion_left": "yes"},
            "relationship_signals.champion_left: must be true or false",
        ),
        ({"commercial_factors.contract_type": "biennial"}, "must be one of annual, multi-year, quarterly"),
        ({"contract_end_date": "30/06/2028"}, "contract_end_date: must be a date as YYYY-MM-DD"),
        ({"relationship_signals.champion_lef": False}, "Did you mean relationship_signals.champion_left"),
        ({"customer_id": "X"}, "identity cannot be changed"),
        ({"segment": "galactic"}, "segment: 'galactic' is not a known segment"),
        ({}, "no changes given"),
    ],
)
def test_a_bad_change_names_the_field_and_what_it_accepts(changes: dict, message: str) -> None:
    scored = score(make_account())
    with pytest.raises(ChangeError, match=message.replace("(", r"\(")):
        apply_changes(scored.table, 0, changes, scored.profile)


def test_null_removes_an_input_and_arr_rederives_a_derived_segment() -> None:
    derived = make_account(customer_id="D", segment=None)  # 50,000: mid-market from its ARR
    given = make_account(customer_id="G", segment="smb")
    scored = score(derived, given)
    one, applied = apply_changes(
        scored.table, 0, {"arr": 150_000, "engagement.nps_score": None}, scored.profile
    )
    assert (one.segments[0], one.segment_source[0]) == ("enterprise", "arr")
    assert not one.present["engagement.nps_score"][0]
    assert [(a.field, a.before, a.after) for a in applied] == [("arr", 50_000, 150_000),
                                                               ("engagement.nps_score", 8, None)]  # fmt: skip
    kept, _ = apply_changes(scored.table, 1, {"arr": 150_000}, scored.profile)
    assert kept.segments[0] == "smb"  # a segment the account gave stays


def test_champion_back_attributed_to_relationship_signals() -> None:
    scored = score(make_account(**CHAMPION_GONE))  # renews in 311 days: multiplier 1.0
    result = what_if(scored, "T-1", {"relationship_signals.champion_left": False})
    risk = result.churn_risk
    # A stable support trend scores 30 points (x 0.30 x 0.20 = raw 1.8); relationship_signals 45 -> 0 at
    # weight 0.15 adds 6.75: raw 8.55 -> 1.8, risk round(8.55, 1) = 8.6 -> 1.8.
    assert (risk.before, risk.after, risk.tier_before, risk.tier_after) == (8.6, 1.8, "low", "low")
    (category,) = risk.categories
    assert (category.category, category.before, category.after) == ("relationship_signals", 45, 0)
    assert category.contribution == pytest.approx(-6.75)
    assert risk.from_renewal_urgency == 0 and risk.rounding_and_cap == pytest.approx(-0.05)
    assert [(s.signal, s.points_before, s.points_after) for s in risk.signals] == [("champion_left", 45, 0)]
    assert result.changes[0].before is True and result.changes[0].after is False
    assert scored.table.values["relationship_signals.champion_left"][0] == 1  # nothing stored


def test_a_sooner_renewal_is_attributed_to_urgency() -> None:
    scored = score(make_account(**CHAMPION_GONE))
    risk = what_if(scored, "T-1", {"contract_end_date": "2026-12-13"}).churn_risk  # 20 days: x1.5
    assert (risk.multiplier_before, risk.multiplier_after, risk.days_to_renewal_after) == (1.0, 1.5, 20)
    assert risk.after == 12.8  # round(8.55 x 1.5, 1)
    assert risk.from_categories == 0 and risk.from_renewal_urgency == pytest.approx(8.55 * 0.5)
    assert risk.rounding_and_cap == pytest.approx(12.8 - 8.6 - 4.275)


def test_health_change_by_dimension() -> None:
    scored = score(make_account())
    health = what_if(scored, "T-1", {"engagement.nps_score": 4}).health
    # NPS 4 of 8: sub-score 50; engagement 0.2 x 100 + 0.3 x 100 + 0.25 x 50 + 0.25 x 100 = 87.5;
    # overall 0.3 x 100 + 0.25 x 87.5 + 0.2 x 100 + 0.25 x 100 = 96.875 -> 96.9.
    assert (health.before, health.after) == (100.0, 96.9)
    (dim,) = health.dimensions
    assert (dim.dimension, dim.before, dim.after) == ("engagement", 100.0, 87.5)
    assert dim.contribution == pytest.approx(-3.125) and health.rounding == pytest.approx(0.025)


CHANGE_VALUES = st.fixed_dictionaries(
    {},
    optional={
        "relationship_signals.champion_left": st.booleans(),
        "relationship_signals.competitor_mentions": st.integers(0, 6),
        "commercial_factors.contract_type": st.sampled_from(
            ["annual", "multi-year", "quarterly", "month-to-month"]
        ),
        "contract_end_date": st.sampled_from(["2026-11-30", "2027-01-15", "2027-04-01", "2028-06-30", None]),
        "usage.login_frequency": st.one_of(st.none(), st.floats(0, 100)),
        "engagement.nps_score": st.one_of(st.none(), st.floats(0, 10)),
        "support.open_tickets": st.integers(0, 30),
        "usage_decline.login_trend": st.floats(-100, 50),
        "relationship.renewal_sentiment": st.sampled_from(["positive", "neutral", "negative", "unknown"]),
    },
).filter(bool)


@settings(max_examples=60, deadline=None)
@given(changes=CHANGE_VALUES, heavy=st.booleans())
def test_the_parts_always_add_up_to_the_change(changes: dict, heavy: bool) -> None:
    account = make_account(**CHAMPION_GONE, usage_decline={"login_trend": -25}) if heavy else make_account()
    scored = score(account)
    result = what_if(scored, "T-1", changes)
    risk, health = result.churn_risk, result.health
    assert risk.before == scored.churn.risk[0] and risk.after - risk.before == pytest.approx(risk.change)
    assert sum(c.contribution for c in risk.categories) == pytest.approx(risk.from_categories, abs=1e-9)
    assert risk.from_categories + risk.from_renewal_urgency + risk.rounding_and_cap == pytest.approx(
        risk.change, abs=1e-9
    )
    assert abs(risk.rounding_and_cap) <= 0.1 + 1e-9 or risk.after in (0.0, 100.0)  # two roundings, or the cap
    if health.change is not None:
        parts = sum(d.contribution or 0.0 for d in health.dimensions) + (health.rounding or 0.0)
        assert parts == pytest.approx(health.change, abs=1e-9)
        assert abs(health.rounding or 0.0) <= 0.1 + 1e-9


# --------------------------------------------------------------------------- the whole book


def book():  # type: ignore[no-untyped-def]
    accounts = [make_account(customer_id=f"H{i}", arr=100_000 + i, **HEAVY) for i in range(3)]  # risk 99.7
    accounts += [make_account(customer_id=f"N{i}", engagement={"nps_score": 7}) for i in range(2)]  # 99.2
    accounts += [make_account(customer_id=f"B{i}") for i in range(2)]  # health 100
    return score(*accounts)


def test_a_profile_change_counts_what_moves() -> None:
    scored = book()
    changed = changed_profile(scored.profile, {"segments": {"mid-market": {"green_min": 100}},
                                               "churn": {"tier_floors": {"critical": 100}}})  # fmt: skip
    result = what_if_profile(scored, changed)
    # Critical from 100: the three 99.7 accounts move to high (still at risk); green from 100: the two
    # accounts at 99.2 turn yellow, those at 100 stay green.
    assert (result.tier_changed, result.tier_changed_arr) == (3, 300_003)
    assert [(t.before, t.after, t.accounts) for t in result.tier_transitions] == [("critical", "high", 3)]
    assert (result.class_changed, result.class_changed_arr) == (2, 100_000)
    assert [(t.before, t.after, t.accounts) for t in result.class_transitions] == [("green", "yellow", 2)]
    assert result.arr_at_risk_before == result.arr_at_risk_after == 300_003
    assert [m.customer_id for m in result.largest_moves] == ["H2", "H1", "H0", "N0", "N1"]
    assert result.mean_health_change == 0 and result.backtest_before is None and not result.stored


def test_a_profile_change_with_outcomes_gives_the_backtest_before_and_after() -> None:
    scored = book()
    kinds = {True: OutcomeKind.CHURNED, False: OutcomeKind.RENEWED}
    records = [OutcomeRecord(customer_id=cid, outcome=kinds[cid.startswith("H")], date="2027-03-01")
               for cid in scored.table.ids]  # fmt: skip
    changed = changed_profile(scored.profile, {"backtest": {"min_outcomes": 5, "min_churned": 1}})
    result = what_if_profile(scored, changed, Outcomes.from_records(records))
    assert result.backtest_before is not None and result.backtest_after is not None
    assert result.backtest_after.churn_risk is not None and result.backtest_after.churn_risk.roc_auc == 1.0


def test_a_profile_without_a_segment_the_book_uses_is_refused() -> None:
    scored = book()
    fewer = DEFAULT_PROFILE.model_copy(update={"segments": {"smb": DEFAULT_PROFILE.segments["smb"]},
                                               "default_segment": "smb"})  # fmt: skip
    with pytest.raises(QueryError, match="no segment mid-market"):
        what_if_profile(scored, fewer)


def test_changed_profile_starts_from_the_current_profile_unless_a_base_is_named() -> None:
    current = changed_profile(DEFAULT_PROFILE, {"churn": {"tier_floors": {"critical": 90}}})
    again = changed_profile(current, {"segments": {"smb": {"green_min": 70}}})
    assert again.churn.tier_floors["critical"] == 90 and again.segments["smb"].green_min == 70
    fresh = changed_profile(current, {"base": "reference"})
    assert fresh.name == "reference" and fresh.churn.tier_floors["critical"] == 80
    assert np.isclose(sum(d.weight for d in again.health.dimensions), 1.0)


def test_differences_are_shown_without_float_noise_and_a_changed_profile_says_so() -> None:
    """61.05 - 51.69 is 9.359999999999999 in floating point; a reader sees 9.36."""
    account = make_account(**CHAMPION_GONE, usage_decline={"login_trend": -25})
    result = what_if(score(account), "T-1", {"usage_decline.login_trend": 0})
    risk = result.churn_risk
    shown = [risk.change, risk.raw_before, risk.raw_after, risk.from_categories, risk.from_renewal_urgency,
             risk.rounding_and_cap, *(c.contribution for c in risk.categories)]  # fmt: skip
    assert all(v == round(v, 4) for v in shown), shown
    assert risk.change != 0
    changed = changed_profile(score(account).profile, {"health": {"trend_delta": 3}}, "changes")
    assert changed.name == "default with changes"
