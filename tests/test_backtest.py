"""The backtest on hand-built books whose answers are worked out by hand, and on a generated book."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest

from conftest import AS_OF, make_account, score
from customer_success_mcp.generate import generate_portfolio
from customer_success_mcp.generate.outcomes import generate_outcomes, outcomes_bytes
from customer_success_mcp.ingest.load import InputError
from customer_success_mcp.ingest.outcomes import load_outcomes
from customer_success_mcp.query.analysis import backtest
from customer_success_mcp.scoring.backtest import EarlierScoring
from customer_success_mcp.scoring.default_profiles import DEFAULT_PROFILE
from customer_success_mcp.scoring.outcomes import (
    OutcomeKind,
    OutcomeRecord,
    Outcomes,
    Snapshot,
    outcomes_from_history,
)
from customer_success_mcp.scoring.profile import with_overrides
from customer_success_mcp.scoring.vocabulary import HealthClass

# Every churn signal at its worst: raw = 0.3 x 100 + 0.25 x 100 + 0.2 x 98.5 + 0.15 x 100 + 0.1 x 100 = 99.7,
# and the contract ends 311 days after AS_OF (multiplier 1.0): risk 99.7, critical. Health stays 100 (green).
HEAVY = {
    "usage_decline": {"login_trend": -40, "feature_adoption_change": -30, "dau_mau_change": -0.3},
    "engagement_drop": {"meeting_cancellations": 4, "response_time_days": 8, "nps_change": -6},
    "support_issues": {"open_escalations": 3, "unresolved_critical": 2, "satisfaction_trend": "critical"},
    "relationship_signals": {"champion_left": True, "sponsor_change": True, "competitor_mentions": 3},
    "commercial_factors": {"contract_type": "month-to-month", "pricing_complaints": True,
                           "budget_cuts_mentioned": True},
}  # fmt: skip
SMALL_BOOKS = with_overrides(DEFAULT_PROFILE, {"backtest": {"min_outcomes": 10, "min_churned": 1}})


def day(offset: int) -> dt.date:
    return AS_OF + dt.timedelta(days=offset)


def hand_book():  # type: ignore[no-untyped-def]
    """H1-H6 critical (99.7), B1-B9 and X1 low (1.8: a stable support trend scores 30 points); X1 has no
    health inputs (insufficient_data); N1 has no usable outcome. Churned: H1-H5 and B1; B2 downgraded; the
    rest renewed."""
    heavy = [make_account(customer_id=f"H{i}", name=f"Heavy {i}", **HEAVY) for i in range(1, 7)]
    base = [make_account(customer_id=f"B{i}", name=f"Base {i}") for i in range(1, 10)]
    bare = make_account(
        customer_id="X1", name="Bare", usage=None, engagement=None, support=None, relationship=None
    )
    none = make_account(customer_id="N1", name="No outcome")
    scored = score(*heavy, *base, bare, none, profile=SMALL_BOOKS)
    dates = {"H1": 100, "H2": 100, "H3": 30, "H4": 30, "H5": 200, "B1": 10}
    records = [OutcomeRecord(customer_id=cid, outcome=OutcomeKind.CHURNED, date=day(d), arr_after=0)
               for cid, d in dates.items()]  # fmt: skip
    records += [
        OutcomeRecord(customer_id="B2", outcome=OutcomeKind.DOWNGRADED, date=day(40), arr_after=30_000)
    ]
    records += [OutcomeRecord(customer_id=cid, outcome=OutcomeKind.RENEWED, date=day(50))
                for cid in ("H6", *(f"B{i}" for i in range(3, 10)), "X1", "GHOST")]  # fmt: skip
    records += [
        OutcomeRecord(customer_id="N1", outcome=OutcomeKind.CHURNED, date=AS_OF)
    ]  # on as_of: left out
    return scored, Outcomes.from_records(records)


def test_coverage_accounts_for_every_account_and_outcome() -> None:
    scored, outcomes = hand_book()
    report = backtest(scored, outcomes)
    c = report.outcomes
    assert (c.accounts, c.with_outcome, c.without_outcome) == (17, 16, 1)
    assert (c.renewed, c.churned, c.downgraded) == (9, 6, 1)
    assert (c.unknown_ids, c.first_unknown_ids, c.on_or_before_as_of) == (1, ["GHOST"], 1)
    assert any("do not" in n or "does not" in n for n in report.notes)


def test_churn_risk_separation_worked_by_hand() -> None:
    scored, outcomes = hand_book()
    report = backtest(scored, outcomes)
    risk = report.churn_risk.overall
    assert risk is not None
    # Churners: five at 99.7, one at 1.8; retained: one at 99.7, nine at 1.8 (B2, downgraded, is retained).
    # Each 99.7 churner beats nine and ties one (9.5); the 1.8 churner ties nine (4.5): 52 of 60 pairs.
    assert (risk.accounts, risk.churners, risk.churn_rate) == (16, 6, 0.375)
    assert risk.roc_auc == pytest.approx(52 / 60)
    # One threshold at 99.7 (6 flagged, 5 churners: recall 5/6 at precision 5/6), then 1.8 (all 16).
    assert risk.average_precision == pytest.approx(5 / 6 * 5 / 6 + 1 / 6 * 6 / 16)
    assert risk.ks == pytest.approx(5 / 6 - 1 / 10)


def test_health_leaves_out_insufficient_data_and_ties_give_one_half() -> None:
    scored, outcomes = hand_book()
    assert scored.health.classification(scored.table.index_of("X1")) == HealthClass.INSUFFICIENT_DATA
    health = backtest(scored, outcomes).health
    assert health.excluded == 1
    assert health.overall is not None and health.overall.accounts == 15
    assert health.overall.roc_auc == 0.5  # every scored account is at 100


def test_churn_per_tier_and_class_with_arr() -> None:
    scored, outcomes = hand_book()
    report = backtest(scored, outcomes)
    tiers = {g.group: g for g in report.risk_tiers}
    assert (tiers["critical"].accounts, tiers["critical"].churners) == (6, 5)
    assert tiers["critical"].churn_rate == pytest.approx(0.8333, abs=1e-4)
    assert (tiers["critical"].arr, tiers["critical"].arr_churned) == (300_000, 250_000)
    assert (tiers["low"].accounts, tiers["low"].churners, tiers["low"].churn_rate) == (10, 1, 0.1)
    assert tiers["high"].accounts == 0 and tiers["high"].churn_rate is None
    classes = {g.group: g for g in report.health_classes}
    assert (classes["green"].accounts, classes["green"].churners) == (15, 6)
    assert (classes["insufficient_data"].accounts, classes["insufficient_data"].churners) == (1, 0)


def test_a_downgrade_counts_when_the_target_says_so() -> None:
    scored, outcomes = hand_book()
    assert backtest(scored, outcomes, target="churned_or_downgraded").churn_risk.overall.churners == 7  # type: ignore[union-attr]


def test_cutoffs_say_what_they_catch_and_cost() -> None:
    scored, outcomes = hand_book()
    cutoffs = {c.rule.split(" (")[0]: c for c in backtest(scored, outcomes).cutoffs}
    critical = cutoffs["churn risk >= 80"]
    assert (critical.flagged, critical.caught, critical.missed, critical.false_alarms) == (6, 5, 1, 1)
    assert (critical.flagged_arr, critical.caught_arr, critical.missed_arr) == (300_000, 250_000, 50_000)
    assert critical.recall == pytest.approx(0.8333, abs=1e-4) and not critical.suggested
    suggested = [c for c in cutoffs.values() if c.suggested and c.rule.startswith("churn risk")]
    assert [c.rule.split(" (")[0] for c in suggested] == ["churn risk >= 99.7"]  # recall 5/6 >= 0.8


def test_separators_rank_the_inputs_best_first() -> None:
    scored, outcomes = hand_book()
    separators = backtest(scored, outcomes, detail="full").separators
    aucs = [s.roc_auc for s in separators]
    assert aucs == sorted(aucs, reverse=True)  # type: ignore[type-var]
    assert aucs[0] == pytest.approx(52 / 60)
    dims = [s for s in separators if s.input.startswith("dimension:")]
    assert {s.roc_auc for s in dims} == {0.5} and {s.accounts for s in dims} == {15}
    assert len(separators) == 4 + 5 + 15


def test_lead_time_uses_the_latest_scoring_in_time() -> None:
    scored, outcomes = hand_book()
    ids = ["H1", "H2", "H3", "H5", "B1"]  # H4 is absent from the earlier scoring
    codes = [HealthClass.RED, HealthClass.GREEN, HealthClass.YELLOW, HealthClass.RED, HealthClass.YELLOW]
    earlier = EarlierScoring(day(-90), ids, np.array([c.code for c in codes], dtype=np.int8))
    lead = backtest(scored, outcomes, history=[earlier]).lead_time
    # 60 days before churning: H1, H2 (day 100) and H5 (day 200) were scored on as_of, green; H3 (day 30) and
    # B1 (day 10) only 90 days before as_of, yellow; H4 (day 30) was not scored in time.
    assert (lead.churners, lead.scored_in_time, lead.caught, lead.share_caught) == (6, 5, 2, 0.4)
    assert lead.scorings_used == [day(-90), AS_OF]
    alone = backtest(scored, outcomes).lead_time
    assert (alone.scored_in_time, alone.caught, alone.share_caught) == (3, 0, 0.0)


def test_lead_time_without_history_says_it_needs_some() -> None:
    scored, outcomes = hand_book()
    soon = Outcomes(
        outcomes.ids, outcomes.kind, np.minimum(outcomes.date, day(20).toordinal()), outcomes.arr_after
    )
    lead = backtest(scored, soon).lead_time
    assert lead.scored_in_time == 0 and lead.share_caught is None
    assert lead.note and "earlier scorings" in lead.note


def test_too_few_outcomes_gives_a_note_not_a_figure() -> None:
    heavy = [make_account(customer_id=f"H{i}", **HEAVY) for i in range(3)]
    base = [make_account(customer_id=f"B{i}") for i in range(5)]
    scored = score(*heavy, *base)
    records = [OutcomeRecord(customer_id=f"H{i}", outcome=OutcomeKind.CHURNED, date=day(5)) for i in range(3)]
    report = backtest(scored, Outcomes.from_records(records))
    assert report.churn_risk.overall is None and report.health.overall is None
    assert report.separators == [] and report.cutoffs == []
    assert any("too few outcomes" in n for n in report.notes)
    (segment,) = report.segments
    assert segment.churn_risk is None and segment.note and "3 accounts with an outcome" in segment.note


def test_one_outcome_per_account() -> None:
    scored, outcomes = hand_book()
    twice = Outcomes.from_records([*outcomes.records(), OutcomeRecord(customer_id="H1", outcome="renewed",
                                                                      date=day(300))])  # fmt: skip
    with pytest.raises(ValueError, match="'H1' appears more than once"):
        backtest(scored, twice)


def test_outcomes_from_snapshot_history() -> None:
    nan = float("nan")
    base = Snapshot(day(0), ["A", "B", "C", "D"], np.array([100.0, 100, 100, nan]))
    first = Snapshot(day(30), ["A", "B", "D"], np.array([100.0, 80, 50]))
    second = Snapshot(day(60), ["A", "B"], np.array([120.0, 80]))
    found = outcomes_from_history(base, [second, first])  # any order: they are sorted by as_of
    by_id = {r.customer_id: r for r in found.records()}
    assert (by_id["A"].outcome, by_id["A"].date, by_id["A"].arr_after) == ("renewed", day(60), 120)
    assert (by_id["B"].outcome, by_id["B"].date, by_id["B"].arr_after) == ("downgraded", day(30), 80)
    assert (by_id["C"].outcome, by_id["C"].date, by_id["C"].arr_after) == ("churned", day(30), 0)
    # D supplied no ARR at first: its ARR cannot be "down"; it is gone at day 60.
    assert (by_id["D"].outcome, by_id["D"].date) == ("churned", day(60))


# --------------------------------------------------------------------------- reading outcome files


def test_an_outcomes_csv_as_crms_write_it() -> None:
    text = (
        "Account ID,Status,Churn Date,ARR After\n"
        "A-1,Churned,03/15/2027,0\n"
        'A-2,renewed,2027-04-01,"$12,000"\n'
        "A-3,bogus,2027-04-01,\n"
        "A-4,renewed,2027-05-01,\n"
        "A-4,renewed,2027-06-01,\n"
        ",renewed,2027-05-01,\n"
        "A-5,Downgraded,46113,5000\n"
    )
    loaded = load_outcomes("outcomes.csv", text.encode())
    records = {r.customer_id: r for r in loaded.outcomes.records()}
    assert (loaded.total, loaded.accepted) == (7, 3)
    assert records["A-1"].date == dt.date(2027, 3, 15) and records["A-1"].outcome == "churned"
    assert records["A-2"].arr_after == 12_000 and records["A-5"].date == dt.date(2026, 4, 1)
    problems = [(p.row, p.field) for p in loaded.rejected]
    assert problems == [(4, "outcome"), (5, "customer_id"), (6, "customer_id"), (7, "customer_id")]
    assert "renewed, churned, downgraded" in loaded.rejected[0].reason
    assert "appears more than once (rows 5, 6)" in loaded.rejected[1].reason


def test_outcomes_as_json_and_excel(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import Workbook

    document = {"outcomes": [{"customer_id": "A", "outcome": "lost", "date": "2027-01-01"},
                             {"customer_id": "B", "outcome": "renewed", "date": "2027-13-01"}]}  # fmt: skip
    loaded = load_outcomes("o.json", json.dumps(document).encode())
    assert [r.outcome for r in loaded.outcomes.records()] == ["churned"]
    assert [(p.row, p.customer_id, p.field) for p in loaded.rejected] == [(1, "B", "date")]
    book = Workbook()
    sheet = book.active
    sheet.append(["customer_id", "outcome", "date", "arr_after"])
    sheet.append(["A", "renewed", dt.datetime(2027, 2, 1), 1000])
    path = tmp_path / "o.xlsx"
    book.save(path)
    (record,) = load_outcomes("o.xlsx", path.read_bytes()).outcomes.records()
    assert (record.customer_id, record.date, record.arr_after) == ("A", dt.date(2027, 2, 1), 1000)


def test_an_outcomes_file_without_its_columns_says_which() -> None:
    with pytest.raises(InputError, match="no column for outcome, date"):
        load_outcomes("o.csv", b"customer_id,arr\nA,1\n")


# --------------------------------------------------------------------------- a generated book


@pytest.fixture(scope="module")
def generated() -> tuple[object, Outcomes]:
    data = generate_portfolio(1500, 11, AS_OF, missing_sections_share=0.08)
    outcomes = generate_outcomes(data, 11, AS_OF)
    loaded = load_outcomes("outcomes.csv", outcomes_bytes(outcomes, "outcomes.csv"))
    return score(*data["customers"]), loaded.outcomes


def test_generated_outcomes_are_deterministic_and_dated_after_as_of() -> None:
    data = generate_portfolio(40, 3, AS_OF)
    first, again = generate_outcomes(data, 3, AS_OF), generate_outcomes(data, 3, AS_OF)
    assert first == again and first != generate_outcomes(data, 4, AS_OF)
    assert all(dt.date.fromisoformat(o["date"]) > AS_OF for o in first)
    assert {o["customer_id"] for o in first} == {a["customer_id"] for a in data["customers"]}


def test_a_generated_book_has_a_real_signal_matching_scikit_learn(generated) -> None:  # type: ignore[no-untyped-def]
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    scored, outcomes = generated
    report = backtest(scored, outcomes)
    churned = {cid for cid, k in zip(outcomes.ids, outcomes.kind.tolist(), strict=True) if k == 1}
    y = np.array([cid in churned for cid in scored.table.ids])
    risk, health = report.churn_risk.overall, report.health.overall
    assert risk is not None and health is not None
    assert 0.65 < risk.roc_auc < 0.97 and 0.65 < health.roc_auc < 0.97  # a signal, not a certainty
    assert risk.roc_auc == pytest.approx(sklearn_metrics.roc_auc_score(y, scored.churn.risk), abs=1e-9)
    assert risk.average_precision == pytest.approx(
        sklearn_metrics.average_precision_score(y, scored.churn.risk), abs=1e-9
    )
    ok = ~np.isnan(scored.health.overall) & (scored.health.classes != HealthClass.INSUFFICIENT_DATA.code)
    assert health.roc_auc == pytest.approx(
        sklearn_metrics.roc_auc_score(y[ok], -scored.health.overall[ok]), abs=1e-9
    )
    lift = [d.lift for d in report.churn_risk.deciles]
    assert lift[0] > 2 and lift[0] > lift[-1]  # the riskiest tenth churns far more than average
    assert [s.segment for s in report.segments] == ["enterprise", "mid-market", "smb"]
    assert sum(s.accounts for s in report.segments) == report.outcomes.with_outcome
