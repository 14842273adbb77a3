"""The default profile tells the truth about gaps in the data (issue 8), on hand-built accounts.

Each rule is checked against the reference profile too, which keeps the reference scripts' behaviour.
Expected values are worked out by hand in the comments.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import AS_OF, make_account, score
from customer_success_mcp.cli import main
from customer_success_mcp.pipeline import explain_account, resolve_as_of, summarise
from customer_success_mcp.scoring.default_profiles import (
    DEFAULT_PROFILE,
    FIVE_DIMENSION_PROFILE,
    REFERENCE_PROFILE,
)

REF, DEF = REFERENCE_PROFILE, DEFAULT_PROFILE


def one(account: dict[str, Any], profile=DEF, as_of: dt.date = AS_OF):
    scored = score(account, profile=profile, as_of=as_of)
    assert scored.report.accepted == 1, scored.report
    return scored


def without(account: dict[str, Any], section: str, field: str) -> dict[str, Any]:
    account = {k: dict(v) if isinstance(v, dict) else v for k, v in account.items()}
    del account[section][field]
    return account


def ends_in(days: int) -> str:
    return (AS_OF + dt.timedelta(days=days)).isoformat()


# --------------------------------------------------------------------------- profiles


def test_the_three_built_in_profiles_and_what_default_changes():
    assert [p.name for p in (REF, DEF, FIVE_DIMENSION_PROFILE)] == ["reference", "default", "five_dimension"]
    # default keeps the reference weights, benchmarks and tiers ...
    assert DEF.segments == REF.segments
    assert DEF.health.dimensions == REF.health.dimensions
    assert DEF.churn.categories == REF.churn.categories and DEF.churn.tier_floors == REF.churn.tier_floors
    # ... and changes only the rules of issue 8.
    assert (REF.health.missing_inputs, DEF.health.missing_inputs) == ("fallback", "omit")
    assert (REF.churn.ended_contract_multiplier, DEF.churn.ended_contract_multiplier) == (None, 1.0)
    assert (REF.escalation, DEF.escalation is not None) == (None, True)
    assert DEF.expansion.likelihood == {"green": 0.5, "yellow": 0.25, "red": 0.05, "insufficient_data": 0.1}


def test_a_complete_account_scores_the_same_under_both_profiles():
    acct = make_account(usage={"login_frequency": 40})
    ref, default = one(acct, REF), one(acct, DEF)
    assert float(ref.health.overall[0]) == float(default.health.overall[0])
    assert float(ref.churn.risk[0]) == float(default.churn.risk[0])


# --------------------------------------------------------------------------- 2. missing is not good


def test_a_missing_sub_metric_is_left_out_and_its_dimension_renormalised():
    acct = without(make_account(engagement={"nps_score": 4}), "engagement", "csat_score")
    # default: tickets 100 x .2, meetings 100 x .3, NPS 4/8 = 50 x .25 -> 62.5 / .75 = 83.33 -> 83.3
    assert float(one(acct).health.dimensions["engagement"][0]) == pytest.approx(83.3)
    assert np.isnan(one(acct).health.subscores["csat_score"][0])
    # reference: CSAT defaults to 3 -> 3/4 = 75 -> 20 + 30 + 12.5 + 18.75 = 81.25 -> 81.2
    assert float(one(acct, REF).health.dimensions["engagement"][0]) == pytest.approx(81.2)


def test_a_dimension_with_no_input_is_no_data_and_left_out_of_the_overall():
    acct = make_account(usage={"login_frequency": 40}, support=None,
                        previous_period={"support_score": 60})  # fmt: skip
    # usage: 40/80 = 50 x .35 + 100 x .4 + 100 x .25 = 82.5; engagement and relationship 100.
    # default: (0.3 x 82.5 + 0.25 x 100 + 0.25 x 100) / 0.8 = 74.75 / 0.8 = 93.44 -> 93.4
    h = one(acct).health
    assert np.isnan(h.dimensions["support"][0])
    assert float(h.overall[0]) == pytest.approx(93.4)
    support = h.explain(0).dimensions[2]
    assert (support.score, support.classification, support.trend) == (None, "insufficient_data", "no_data")
    assert float(h.coverage[0]) == pytest.approx(0.8)
    # reference: every support input defaults to 0 -> support 100, "improving" against 60;
    # overall 0.3 x 82.5 + 25 + 20 + 25 = 94.75 -> 94.8
    r = one(acct, REF).health
    assert float(r.dimensions["support"][0]) == 100.0 and r.dimension_trend("support", 0) == "improving"
    assert float(r.overall[0]) == pytest.approx(94.8)


@pytest.mark.parametrize(
    ("sections", "expected"),
    [
        ({"engagement": None, "support": None, "relationship": None}, "insufficient_data"),  # 30% of weight
        ({"engagement": None, "relationship": None}, "green"),  # usage + support = 50%: enough
    ],
)
def test_under_half_the_models_weight_is_insufficient_data(sections, expected):
    h = one(make_account(**sections)).health
    assert h.classification(0) == expected
    assert one(make_account(**sections), REF).health.classification(0) != "insufficient_data"


def test_an_account_with_no_health_input_has_no_score():
    h = one(make_account(usage=None, engagement=None, support=None, relationship=None)).health
    assert np.isnan(h.overall[0]) and h.classification(0) == "insufficient_data"
    assert h.explain(0).score is None and float(h.coverage[0]) == 0.0


def test_absent_churn_signals_add_nothing():
    acct = make_account(support_issues=None)
    # reference: the satisfaction trend defaults to stable -> 30 x .3 = 9.0 in support issues
    assert float(one(acct, REF).churn.categories["support_issues"][0]) == pytest.approx(9.0)
    assert float(one(acct).churn.categories["support_issues"][0]) == 0.0
    # and coverage says how much was seen: 3 of the 15 signals and the end date missing -> 13/16
    assert float(one(acct).churn.coverage[0]) == pytest.approx(13 / 16)


# --------------------------------------------------------------------------- 3. only supplied facts stated


def test_recommendations_never_describe_an_input_that_was_not_supplied():
    acct = without(
        without(make_account(), "engagement", "nps_score"), "relationship", "multi_threading_depth"
    )
    nps = next(r.text for r in DEF.health.recommendations if r.metric == "nps_score")
    threads = next(r.text for r in DEF.health.recommendations if r.metric == "multi_threading_depth")
    # reference: NPS defaults to 5 (< 7) and threading to 1 (< 2): both fire on inputs nobody gave
    assert {nps, threads} <= set(one(acct, REF).health.recommendations(0))
    assert not {nps, threads} & set(one(acct).health.recommendations(0))


def test_a_missing_input_is_said_to_be_missing_in_brief_text_and_drafts():
    from customer_success_mcp.render.account import account_text
    from customer_success_mcp.render.drafts import DraftSource, draft_for_account

    acct = without(make_account(), "engagement", "csat_score")
    scored = one(acct)
    a = explain_account(scored, 0)
    assert "CSAT" in a.health.not_supplied
    csat = next(m for d in a.health.dimensions for m in d.metrics if m.metric == "csat_score")
    assert (csat.value, csat.subscore, csat.supplied) == (None, None, False)
    text = account_text(a)
    assert "not on file: left out" in text
    source = DraftSource("book", "snapshot 1", AS_OF, "default")
    draft = draft_for_account(scored, 0, "qbr", source).markdown
    assert "Not on file (left out of the scores): CSAT" in draft
    assert not re.search(r"csat score: \d", draft, re.I)  # no value stated for it


def test_a_previous_overall_that_contradicts_its_dimensions_is_flagged_and_the_trend_uses_dimensions():
    prev = {"overall_score": 90, "usage_score": 50, "engagement_score": 50, "support_score": 50,
            "relationship_score": 50}  # fmt: skip
    acct = make_account(previous_period=prev, usage={"login_frequency": 16})
    # usage: 16/80 = 20 x .35 + 40 + 25 = 72; overall = 0.3 x 72 + 0.25 x 100 + 0.2 x 100 + 0.25 x 100 = 91.6
    h = one(acct).health
    assert float(h.overall[0]) == pytest.approx(91.6)
    # default: dimensions rebuild the previous overall at 50 (|90 - 50| > 10: flagged); 91.6 vs 50 improving
    e = h.explain(0)
    assert (e.previous_score_mismatch, e.previous_score_supplied, e.previous_score) == (True, 90.0, 50.0)
    assert e.trend == "improving"
    summary = summarise(one(acct))
    assert summary.data_quality.previous_overall_mismatches == 1
    # reference: the file's 90 is taken as given: 91.6 - 90 = 1.6 -> stable, and nothing is flagged
    r = one(acct, REF).health.explain(0)
    assert (r.trend, r.previous_score_mismatch) == ("stable", False)


def test_a_consistent_previous_overall_is_shown_as_supplied():
    prev = {"overall_score": 52, "usage_score": 50, "engagement_score": 50, "support_score": 50,
            "relationship_score": 50}  # fmt: skip
    e = one(make_account(previous_period=prev)).health.explain(0)
    assert (e.previous_score_mismatch, e.previous_score) == (False, 52.0)


# --------------------------------------------------------------------------- 4. dates said out loud


def test_a_missing_as_of_is_today_and_said_so():
    today = dt.date(2026, 11, 29)
    assert resolve_as_of(None, {}, today) == (today, "today")
    assert resolve_as_of(None, {"as_of": "2026-01-02"}, today) == (dt.date(2026, 1, 2), "file")
    assert resolve_as_of(dt.date(2026, 3, 4), {"as_of": "2026-01-02"}, today) == (
        dt.date(2026, 3, 4),
        "argument",
    )
    scored = one(make_account())
    scored.report.as_of_source = "today"
    s = summarise(scored)
    assert s.as_of_source == "today"
    loaded_day = "the day it was loaded, as the file has no as_of"
    assert s.notices == [f"Scored as of {AS_OF.isoformat()}, {loaded_day}."]


def test_the_cli_report_says_when_the_file_has_no_as_of(tmp_path, capsys):
    path = tmp_path / "book.json"
    path.write_text(json.dumps({"customers": [make_account()]}))
    assert main(["report", str(path)]) == 0
    out = capsys.readouterr().out
    today = dt.date.today().isoformat()
    assert f"NOTE: Scored as of {today}, the day it was loaded, as the file has no as_of." in out


@pytest.mark.parametrize("command", ["health", "churn", "expansion", "explain"])
def test_every_cli_scorer_says_when_the_file_has_no_as_of(tmp_path, capsys, command):
    path = tmp_path / "book.json"
    path.write_text(json.dumps({"customers": [make_account(customer_id="T-1")]}))
    argv = [command, "T-1", str(path)] if command == "explain" else [command, str(path)]
    assert main(argv) == 0
    note = f"Scored as of {dt.date.today().isoformat()}, the day it was loaded, as the file has no as_of."
    assert f"csm: NOTE: {note}" in capsys.readouterr().err
    if command != "explain":
        assert main([*argv, "--format", "json"]) == 0
        assert json.loads(capsys.readouterr().out)["as_of_source"] == "today"


@pytest.mark.anyio
async def test_the_score_tools_say_when_as_of_is_today(tmp_path):
    from mcp import Client

    from customer_success_mcp.server.app import build_server
    from customer_success_mcp.server.config import ServerConfig

    config = ServerConfig(data_dir=tmp_path / "data", allowed_dirs=(tmp_path,))
    async with Client(build_server(config)) as client:
        today = await client.call_tool("score_health", {"accounts": [make_account()]})
        asked = await client.call_tool(
            "score_churn_risk", {"accounts": [make_account()], "as_of": "2026-11-23"}
        )
    page = today.structured_content
    note = f"Scored as of {page['as_of']}, the day it was loaded, as the file has no as_of."
    assert (page["as_of_source"], page["notices"]) == ("today", [note])
    assert note in today.content[0].text
    assert (asked.structured_content["as_of_source"], asked.structured_content["notices"]) == ("argument", [])


def test_an_ended_contract_gets_no_urgency_in_default_and_is_said_so():
    acct = make_account(contract_end_date=ends_in(-20), relationship_signals={"champion_left": True})
    default, ref = one(acct), one(acct, REF)
    assert (default.churn.status(0), default.churn.days_left(0)) == ("ended", -20)
    assert float(default.churn.multiplier[0]) == 1.0
    assert float(ref.churn.multiplier[0]) == 1.5  # the reference counts it as renewing today
    s = summarise(default)
    assert (s.renewals.accounts, s.renewals.ended, s.data_quality.ended_contracts) == (0, 1, 1)


@pytest.mark.anyio
async def test_the_brief_says_a_contract_has_ended_and_its_phase_is_ended(tmp_path):
    """Past its end date a contract is 'ended' in the brief's churn facts, its lifecycle and its headline,
    never a renewal under way."""
    from mcp import Client

    from customer_success_mcp.scoring.lifecycle import lifecycle_phases
    from customer_success_mcp.server.app import build_server
    from customer_success_mcp.server.config import ServerConfig

    acct = make_account(customer_id="OLD", contract_start_date=ends_in(-385), contract_end_date=ends_in(-20))
    config = ServerConfig(data_dir=tmp_path / "data", allowed_dirs=(tmp_path,))
    async with Client(build_server(config)) as client:
        await client.call_tool("load_portfolio", {"accounts": [acct], "as_of": AS_OF.isoformat()})
        result = await client.call_tool("account_brief", {"account": "OLD"})
    brief = result.structured_content
    assert (brief["churn"]["contract_status"], brief["churn"]["days_to_renewal"]) == ("ended", -20)
    assert brief["lifecycle"]["phase"] == "ended"
    headline = result.content[0].text.splitlines()[0]
    assert f"ended {ends_in(-20)} (20 days ago): renewed, or stale data?" in headline
    scored = one(acct)
    t = scored.table
    assert lifecycle_phases(t.values["contract_start_date"], t.values["contract_end_date"], scored.profile,
                            AS_OF) == ["ended"]  # fmt: skip


def test_no_output_says_renews_in_minus_n_days():
    from customer_success_mcp.query.accounts import find_accounts
    from customer_success_mcp.render.account import account_text
    from customer_success_mcp.render.report import report_markdown, report_text
    from customer_success_mcp.render.text import accounts_text, churn_text

    acct = make_account(contract_end_date=ends_in(-622))
    scored = one(acct)
    texts = [
        account_text(explain_account(scored, 0)),
        report_text(summarise(scored)),
        report_markdown(summarise(scored)),
        churn_text(scored),
        accounts_text(scored, find_accounts(scored), "renewal"),
    ]
    for text in texts:
        assert not re.search(r"in -\d|-622", text), text
    assert "ended 622 days ago" in texts[4]


# --------------------------------------------------------------------------- 5. realistic expansion


def test_no_current_departments_counts_as_one_department():
    acct = make_account(arr=100_000, departments={"current": [], "potential": ["sales", "legal", "hr"]})
    # reference: 100k / max(0, 1) x 0.8 = 80k for each of three departments = 240k
    ref = [
        o for o in one(acct, REF).expansion.explain(0).opportunities if o.category == "department_expansion"
    ]
    assert [o.estimated_revenue for o in ref] == [80_000, 80_000, 80_000]
    # default: one department in all, 80k, naming the candidates
    found = [o for o in one(acct).expansion.explain(0).opportunities if o.category == "department_expansion"]
    assert [o.estimated_revenue for o in found] == [80_000]
    assert "sales, legal, hr" in found[0].rationale and "counts as one" in found[0].rationale


def test_seats_and_tier_upgrade_on_one_account_are_not_both_counted_in_net():
    acct = make_account(
        segment="mid-market", arr=100_000,
        contract={"licensed_seats": 100, "active_seats": 95, "plan_tier": "professional",
                  "available_tiers": ["professional", "enterprise"]},
    )  # fmt: skip
    e = one(acct).expansion.explain(0)
    # seats: 100k x 0.20 = 20,000; tier: 100k / 1.8 x 3.0 - 100k = 66,667 -> the net keeps the tier only
    assert e.total_estimated_revenue == 86_667
    assert e.net_estimated_revenue == 66_667
    seat = next(o for o in e.opportunities if o.category == "seat_expansion")
    assert not seat.counted_in_net and "left out of the net" in seat.rationale
    # the account is green (likelihood 0.5): weighted = 66,667 x 0.5 = 33,333.5 -> 33,334 (half to even)
    assert e.health_class == "green" and e.weighted_estimated_revenue == pytest.approx(33_334, abs=1)
    # reference: net is the gross
    assert one(acct, REF).expansion.explain(0).net_estimated_revenue == 86_667


def test_plays_on_red_accounts_wait_for_the_renewal():
    red = {"usage": {"login_frequency": 0, "feature_adoption": 0, "dau_mau_ratio": 0},
           "relationship": {"executive_sponsor_engagement": 0, "multi_threading_depth": 0,
                            "renewal_sentiment": "negative"},
           "engagement": {"meeting_attendance": 0, "nps_score": 0, "csat_score": 0}}  # fmt: skip
    acct = make_account(product_usage={"analytics_module": {"adopted": False}}, **red)
    e = one(acct).expansion.explain(0)
    assert e.health_class == "red"
    assert all(o.rationale.endswith("; after the renewal is secured") for o in e.opportunities)
    # red likelihood 0.05: 50k x 0.15 = 7,500 -> 375
    assert e.weighted_estimated_revenue == 375


def test_the_example_books_weighted_pipeline_is_below_its_arr():
    from customer_success_mcp.pipeline import score_file

    s = summarise(score_file("examples/portfolio.json", AS_OF))
    assert s.expansion_weighted < s.total_arr < s.expansion_pipeline
    assert s.expansion_weighted == pytest.approx(sum(b.pipeline_weighted for b in s.by_segment))


# --------------------------------------------------------------------------- 6. escalation by warning


def test_a_critical_warning_escalates_the_playbook_not_the_score():
    acct = make_account(relationship_signals={"champion_left": True})
    default = one(acct)
    c = default.churn.explain(0)
    # champion left: 45 points in relationship signals -> raw 0.15 x 45 = 6.75 -> low tier
    assert (c.risk_tier, c.playbook_tier, c.escalated_by) == ("low", "high", ["Champion has left"])
    assert c.intervention == DEF.interventions["high"].label
    assert one(acct, REF).churn.explain(0).playbook_tier == "low"


def test_the_overview_counts_agree_with_escalation():
    red = {"usage": {"login_frequency": 0, "feature_adoption": 0, "dau_mau_ratio": 0},
           "relationship": {"executive_sponsor_engagement": 0, "multi_threading_depth": 0,
                            "renewal_sentiment": "negative"},
           "engagement": {"meeting_attendance": 0, "nps_score": 0, "csat_score": 0}}  # fmt: skip
    quiet_red = make_account(customer_id="Q", name="Quiet", **red)
    loud_red = make_account(customer_id="L", name="Loud", relationship_signals={"champion_left": True}, **red)
    s = summarise(score(quiet_red, loud_red))
    actions = {a.action.split(" ")[0]: a for a in s.actions}
    high = next(a for a in s.actions if "high-playbook" in a.action)
    assert high.accounts == ["L"] and "1 escalated by a critical warning" in high.action
    quiet = next(a for a in s.actions if "churn signals are still quiet" in a.action)
    assert quiet.accounts == ["Q"] and quiet.account_count == 1
    assert actions


# --------------------------------------------------------------------------- 7. no free points for gaps

HEALTH_METRICS = [(d, m) for d in DEF.health.dimensions for m in d.metrics]


@settings(max_examples=80, deadline=None)
@given(
    st.sampled_from(range(len(HEALTH_METRICS))),
    st.lists(st.floats(0, 1), min_size=len(HEALTH_METRICS), max_size=len(HEALTH_METRICS)),
)
def test_removing_an_input_never_raises_health_by_more_than_its_renormalised_share(which, shares):
    """Leaving out sub-metric m moves its weight to what remains, in proportion: the overall moves by
    exactly m's share of the model's weight x (the rest's mean - m's sub-score), give or take rounding. A
    fallback profile fails this: the default it scores instead can be worth more (free points)."""
    sentiments = ["negative", "neutral", "unknown", "positive"]
    acct = make_account()
    for (_, metric), fraction in zip(HEALTH_METRICS, shares, strict=True):
        section, field = metric.field.split(".")
        if metric.direction == "mapping":
            acct[section][field] = sentiments[min(int(fraction * 4), 3)]
        elif metric.benchmark:
            bench = DEF.segments["mid-market"].benchmarks[metric.benchmark]
            value = fraction * bench * (1.2 if metric.direction == "lower" else 1.0)  # stays in range
            acct[section][field] = (
                round(value) if field in ("open_tickets", "multi_threading_depth") else value
            )
    dim, metric = HEALTH_METRICS[which]
    section, field = metric.field.split(".")
    before = one(acct).health
    after = one(without(acct, section, field)).health
    sub = {m.name: float(before.subscores[m.name][0]) for _, m in HEALTH_METRICS}
    dims = {d.name: float(before.dimensions[d.name][0]) for d in DEF.health.dimensions}
    others = [m for m in dim.metrics if m.name != metric.name]
    if others:  # its weight goes to the dimension's other inputs, in proportion: R = their weighted mean
        rest = sum(sub[m.name] * m.weight for m in others) / sum(m.weight for m in others)
        implied = dim.weight * metric.weight / sum(m.weight for m in dim.metrics) * (rest - sub[metric.name])
    else:  # the dimension becomes no data: its weight goes to the other dimensions
        kept = [d for d in DEF.health.dimensions if d.name != dim.name]
        rest = sum(dims[d.name] * d.weight for d in kept) / sum(d.weight for d in kept)
        implied = dim.weight * (rest - dims[dim.name])
    rise = float(after.overall[0]) - float(before.overall[0])
    # Exactly the renormalised share, give or take rounding to 0.1: the overall before and after (0.05 each)
    # and the changed dimension before and after (0.05 each, weighted by its share, at most 0.3).
    assert abs(rise - implied) <= 0.1 + 0.1 * 0.3 + 1e-9, (metric.name, rise, implied)


def test_no_dimension_of_the_example_scores_from_defaults():
    """On the generated example (which has gaps), a dimension whose inputs are all missing has no score,
    and every sub-score left out is exactly an input the account did not supply."""
    from customer_success_mcp.pipeline import score_file
    from customer_success_mcp.scoring.health import supplied

    scored = score_file("examples/portfolio.json", AS_OF)
    h, t = scored.health, scored.table
    for dim in DEF.health.dimensions:
        given = np.zeros(t.size, dtype=bool)
        for metric in dim.metrics:
            mask = supplied(t, metric)
            assert np.array_equal(np.isnan(h.subscores[metric.name]), ~mask), metric.name
            given |= mask
        assert np.array_equal(np.isnan(h.dimensions[dim.name]), ~given), dim.name
    assert any(np.isnan(v).any() for v in h.dimensions.values()), "the example should have gaps to test"
