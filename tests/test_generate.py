"""The portfolio generator: deterministic, within the data contract, correlated, and the example."""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from customer_success_mcp import generate
from customer_success_mcp.generate import (
    example_portfolio,
    generate_portfolio,
    portfolio_json,
    write_portfolio,
)
from customer_success_mcp.generate.sections import MODULES
from customer_success_mcp.pipeline import score_records

AS_OF = dt.date(2026, 11, 23)
EXAMPLE_FILE = Path(__file__).resolve().parents[1] / "examples" / "portfolio.json"
ALL_SECTIONS = (
    "usage", "engagement", "support", "relationship", "previous_period", "usage_decline",
    "engagement_drop", "support_issues", "relationship_signals", "commercial_factors", "contract",
    "product_usage", "departments", "outcomes",
)  # fmt: skip


def _pct(value: Any) -> bool:
    """A number from 0 to 100."""
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 100


def _unit(value: Any) -> bool:
    """A ratio from 0 to 1."""
    return isinstance(value, float | int) and not isinstance(value, bool) and 0 <= value <= 1


def _count(value: Any) -> bool:
    """A non-negative integer."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _flag(value: Any) -> bool:
    """A boolean."""
    return isinstance(value, bool)


def _between(low: float, high: float, kind: type | tuple[type, ...] = (int, float)) -> Callable[[Any], bool]:
    """A number of the given kind in [low, high]."""
    return lambda v: isinstance(v, kind) and not isinstance(v, bool) and low <= v <= high


def _one_of(*choices: str) -> Callable[[Any], bool]:
    """One of the given labels."""
    return lambda v: v in choices


FIELD_RULES: dict[str, dict[str, Callable[[Any], bool]]] = {
    "usage": {"login_frequency": _pct, "feature_adoption": _pct, "dau_mau_ratio": _unit},
    "engagement": {
        "support_ticket_volume": _count, "meeting_attendance": _pct,
        "nps_score": _between(0, 10, int), "csat_score": _between(0, 5),
    },
    "support": {"open_tickets": _count, "escalation_rate": _unit, "avg_resolution_hours": _count},
    "relationship": {
        "executive_sponsor_engagement": _pct, "multi_threading_depth": _count,
        "renewal_sentiment": _one_of("positive", "neutral", "negative", "unknown"),
    },
    "previous_period": {
        key: _pct
        for key in (
            "usage_score",
            "engagement_score",
            "support_score",
            "relationship_score",
            "outcomes_score",
            "overall_score",
        )
    },
    "usage_decline": {
        "login_trend": _between(-100, 1000, int), "feature_adoption_change": _between(-100, 100, int),
        "dau_mau_change": _between(-1, 1),
    },
    "engagement_drop": {
        "meeting_cancellations": _count, "response_time_days": _count, "nps_change": _between(-10, 10, int),
    },
    "support_issues": {
        "open_escalations": _count, "unresolved_critical": _count,
        "satisfaction_trend": _one_of("improving", "stable", "declining", "critical"),
    },
    "relationship_signals": {"champion_left": _flag, "sponsor_change": _flag, "competitor_mentions": _count},
    "commercial_factors": {
        "contract_type": _one_of("annual", "multi-year", "quarterly", "month-to-month"),
        "pricing_complaints": _flag, "budget_cuts_mentioned": _flag,
    },
    "outcomes": {
        "goals_met_pct": _pct, "roi_promised": _between(0, 100), "roi_achieved": _between(0, 100),
        "kpi_improvement_pct": _between(-100, 1000), "time_to_value_days": _count,
    },
}  # fmt: skip
TIERS = ("starter", "professional", "enterprise", "enterprise_plus")


def contract_violations(account: dict[str, Any]) -> list[str]:
    """Every way an account breaks the data contract, as readable strings (empty when clean)."""
    problems = []
    for section, rules in FIELD_RULES.items():
        if section not in account:
            continue
        if set(account[section]) != set(rules):
            problems.append(f"{section} has fields {sorted(account[section])}")
        problems += [
            f"{section}.{k}={account[section].get(k)!r}"
            for k, ok in rules.items()
            if not ok(account[section].get(k))
        ]
    if "contract" in account:
        c = account["contract"]
        if not (
            _count(c["licensed_seats"])
            and _count(c["active_seats"])
            and c["active_seats"] <= c["licensed_seats"]
        ):
            problems.append(f"contract seats {c['active_seats']}/{c['licensed_seats']}")
        if c["plan_tier"] not in c["available_tiers"] or not set(c["available_tiers"]) <= set(TIERS):
            problems.append(f"contract tiers {c['plan_tier']} {c['available_tiers']}")
    for name, module in account.get("product_usage", {}).items():
        if name not in MODULES or not _flag(module["adopted"]) or not _pct(module["usage_pct"]):
            problems.append(f"product_usage.{name}={module}")
        if not module["adopted"] and module["usage_pct"] != 0:
            problems.append(f"product_usage.{name} not adopted but used")
    departments = account.get("departments", {"current": ["x"], "potential": []})
    if not departments["current"] or set(departments["current"]) & set(departments["potential"]):
        problems.append(f"departments {departments}")
    problems += previous_value_violations(account)
    start, end = (dt.date.fromisoformat(account[k]) for k in ("contract_start_date", "contract_end_date"))
    if not 365 <= (end - start).days <= 3 * 366:
        problems.append(f"contract {start} to {end}")
    return problems


def previous_value_violations(account: dict[str, Any]) -> list[str]:
    """Changes that would put last period's value out of range (e.g. NPS 9 after a -3 swing from 12)."""
    problems = []
    usage, decline = account.get("usage"), account.get("usage_decline")
    if usage and decline:
        if usage["login_frequency"] > 100.5 * (1 + decline["login_trend"] / 100):
            problems.append(f"login {usage['login_frequency']} after a {decline['login_trend']}% trend")
        if not 0 <= usage["feature_adoption"] - decline["feature_adoption_change"] <= 100:
            problems.append(
                f"adoption {usage['feature_adoption']} after {decline['feature_adoption_change']}"
            )
        if not 0 <= usage["dau_mau_ratio"] - decline["dau_mau_change"] <= 1:
            problems.append(f"dau/mau {usage['dau_mau_ratio']} after {decline['dau_mau_change']}")
    engagement, drop = account.get("engagement"), account.get("engagement_drop")
    if engagement and drop and not 0 <= engagement["nps_score"] - drop["nps_change"] <= 10:
        problems.append(f"nps {engagement['nps_score']} after a change of {drop['nps_change']}")
    return problems


def arr_segment(arr: int) -> str:
    """The segment an ARR figure implies (enterprise > 100k, mid-market 25k-100k, smb < 25k)."""
    return "enterprise" if arr > 100_000 else "mid-market" if arr >= 25_000 else "smb"


def warning_count(account: dict[str, Any]) -> int:
    """How many churn warning signals an account raises (the reference thresholds, any severity)."""
    u, e = account["usage_decline"], account["engagement_drop"]
    s, r, c = account["support_issues"], account["relationship_signals"], account["commercial_factors"]
    return sum((
        u["login_trend"] < -5, u["feature_adoption_change"] < -5, u["dau_mau_change"] <= -0.10,
        e["meeting_cancellations"] >= 2, e["response_time_days"] >= 4, e["nps_change"] <= -2,
        s["unresolved_critical"] >= 1, s["open_escalations"] >= 1,
        s["satisfaction_trend"] in ("declining", "critical"), r["champion_left"], r["sponsor_change"],
        r["competitor_mentions"] >= 1, c["contract_type"] == "month-to-month", c["pricing_complaints"],
        c["budget_cuts_mentioned"],
    ))  # fmt: skip


@pytest.fixture(scope="module")
def portfolio() -> list[dict[str, Any]]:
    """A default-mix portfolio big enough for statistics."""
    return generate_portfolio(3000, 11, AS_OF)["customers"]


# --------------------------------------------------------------------------- determinism


def test_same_arguments_give_identical_bytes() -> None:
    first = generate_portfolio(300, 42, AS_OF, missing_sections_share=0.1)
    second = generate_portfolio(300, 42, AS_OF, missing_sections_share=0.1)
    assert json.dumps(first) == json.dumps(second)


def test_output_does_not_depend_on_the_hash_seed() -> None:
    code = (
        "import datetime, hashlib, json; from customer_success_mcp.generate import generate_portfolio; "
        "d = generate_portfolio(200, 5, datetime.date(2026, 11, 23), missing_sections_share=0.2); "
        "print(hashlib.sha256(json.dumps(d).encode()).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", code], env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True, text=True, check=True,
        ).stdout
        for seed in ("1", "2")
    }  # fmt: skip
    assert len(digests) == 1


def test_different_seeds_give_different_portfolios() -> None:
    first = generate_portfolio(50, 1, AS_OF)["customers"]
    second = generate_portfolio(50, 2, AS_OF)["customers"]
    assert [a["name"] for a in first] != [a["name"] for a in second]
    assert [a["usage"] for a in first] != [a["usage"] for a in second]


def test_the_as_of_date_moves_only_the_dates() -> None:
    first = generate_portfolio(20, 3, AS_OF)["customers"]
    later = generate_portfolio(20, 3, AS_OF + dt.timedelta(days=7))["customers"]
    for a, b in zip(first, later, strict=True):
        shift = dt.date.fromisoformat(b["contract_end_date"]) - dt.date.fromisoformat(a["contract_end_date"])
        assert shift == dt.timedelta(days=7)
        assert a["usage"] == b["usage"] and a["name"] == b["name"]


# --------------------------------------------------------------------------- shape and ranges


@pytest.mark.parametrize("accounts", [0, 1, 7, 250])
def test_the_requested_number_of_accounts_with_sequential_ids(accounts: int) -> None:
    customers = generate_portfolio(accounts, 9, AS_OF)["customers"]
    assert [a["customer_id"] for a in customers] == [f"ACC-{i:05d}" for i in range(1, accounts + 1)]


def test_every_value_is_within_the_data_contract(portfolio: list[dict[str, Any]]) -> None:
    problems = {a["customer_id"]: p for a in portfolio if (p := contract_violations(a))}
    assert not problems, dict(list(problems.items())[:5])


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    accounts=st.integers(0, 40),
    share=st.floats(0, 1),
    as_of=st.dates(dt.date(2000, 1, 1), dt.date(2090, 12, 31)),
)
def test_any_seed_date_and_coverage_stays_within_the_contract(
    seed: int, accounts: int, share: float, as_of: dt.date
) -> None:
    for account in generate_portfolio(accounts, seed, as_of, missing_sections_share=share)["customers"]:
        assert not contract_violations(account), account["customer_id"]
        assert arr_segment(account["arr"]) == account["segment"]


def test_segment_is_consistent_with_arr_and_near_the_default_mix(portfolio: list[dict[str, Any]]) -> None:
    assert all(arr_segment(a["arr"]) == a["segment"] for a in portfolio)
    counts = Counter(a["segment"] for a in portfolio)
    assert counts == {"enterprise": 720, "mid-market": 1320, "smb": 960}


def test_renewals_fall_in_the_next_twelve_months_or_just_past(portfolio: list[dict[str, Any]]) -> None:
    offsets = [(dt.date.fromisoformat(a["contract_end_date"]) - AS_OF).days for a in portfolio]
    assert min(offsets) >= -30 and max(offsets) <= 365
    past = sum(o < 0 for o in offsets)
    assert 0 < past < 0.1 * len(offsets)
    months = Counter(a["contract_end_date"][:7] for a in portfolio if a["contract_end_date"] > "2026-11-30")
    assert len(months) == 12 and min(months.values()) > 0.5 * max(months.values())


def test_company_names_are_unique(portfolio: list[dict[str, Any]]) -> None:
    assert len({a["name"] for a in portfolio}) == len(portfolio)


def test_missing_sections_share_drops_one_to_three_sections_from_that_share() -> None:
    customers = generate_portfolio(200, 4, AS_OF, missing_sections_share=0.25)["customers"]
    missing = [len([s for s in ALL_SECTIONS if s not in a]) for a in customers]
    assert sum(m > 0 for m in missing) == 50
    assert all(m <= 3 for m in missing)
    assert all(a["customer_id"] and a["name"] and a["segment"] and a["arr"] for a in customers)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"accounts": -1},
        {"missing_sections_share": 1.5},
        {"segment_mix": {"enterprise": 1, "giant": 1}},
        {"state_mix": {"thriving": -1, "critical": 2}},
        {"state_mix": {"thriving": 0}},
    ],
)
def test_bad_arguments_are_refused(kwargs: dict[str, Any]) -> None:
    arguments = {"accounts": 10, "seed": 1, "as_of": AS_OF, **kwargs}
    with pytest.raises(ValueError):
        generate_portfolio(**arguments)


def test_a_segment_mix_is_honoured_exactly() -> None:
    customers = generate_portfolio(40, 2, AS_OF, segment_mix={"enterprise": 1, "smb": 3})["customers"]
    assert Counter(a["segment"] for a in customers) == {"enterprise": 10, "smb": 30}


# --------------------------------------------------------------------------- correlation


def _mean(values: list[float]) -> float:
    """The arithmetic mean."""
    return statistics.fmean(values)


def test_the_worst_latent_state_declines_in_many_signals_together() -> None:
    best = generate_portfolio(400, 8, AS_OF, state_mix={"thriving": 1})["customers"]
    worst = generate_portfolio(400, 8, AS_OF, state_mix={"critical": 1})["customers"]
    assert _mean([a["usage_decline"]["login_trend"] for a in worst]) < -20
    assert _mean([a["usage_decline"]["login_trend"] for a in best]) > 0
    assert _mean([warning_count(a) for a in worst]) > _mean([warning_count(a) for a in best]) + 5
    for section, field in [
        ("usage", "login_frequency"),
        ("engagement", "nps_score"),
        ("relationship", "executive_sponsor_engagement"),
        ("outcomes", "goals_met_pct"),
    ]:
        assert _mean([a[section][field] for a in worst]) < 0.7 * _mean([a[section][field] for a in best])
    assert _mean([a["relationship_signals"]["champion_left"] for a in worst]) > 0.3
    assert _mean([a["relationship_signals"]["champion_left"] for a in best]) < 0.05
    sentiments = Counter(a["relationship"]["renewal_sentiment"] for a in worst)
    assert sentiments.most_common(1)[0][0] == "negative"


def test_signals_move_together_across_a_default_portfolio(portfolio: list[dict[str, Any]]) -> None:
    left = [a for a in portfolio if a["relationship_signals"]["champion_left"]]
    stayed = [a for a in portfolio if not a["relationship_signals"]["champion_left"]]
    assert (
        _mean([a["usage_decline"]["login_trend"] for a in left])
        < _mean([a["usage_decline"]["login_trend"] for a in stayed]) - 5
    )
    negative = [a for a in portfolio if a["relationship"]["renewal_sentiment"] == "negative"]
    positive = [a for a in portfolio if a["relationship"]["renewal_sentiment"] == "positive"]
    assert _mean([warning_count(a) for a in negative]) > _mean([warning_count(a) for a in positive]) + 2


def test_previous_period_agrees_with_the_direction_of_change() -> None:
    for state, expected in (("thriving", "improving"), ("steady", "stable"), ("critical", "declining")):
        records = generate_portfolio(200, 6, AS_OF, state_mix={state: 1})["customers"]
        health = score_records(records, AS_OF).health
        trends = Counter(health.trend_of(i) for i in range(len(records)))
        assert trends[expected] > 0.45 * len(records), (state, trends)
        opposite = {"improving": "declining", "declining": "improving", "stable": "no_data"}[expected]
        assert trends[opposite] < 0.02 * len(records), (state, trends)


def test_default_mix_scores_about_55_percent_green_and_6_percent_red(portfolio: list[dict[str, Any]]) -> None:
    health = score_records(portfolio, AS_OF).health
    classes = Counter(health.classification(i) for i in range(len(portfolio)))
    assert 0.50 <= classes["green"] / len(portfolio) <= 0.60
    assert 0.04 <= classes["red"] / len(portfolio) <= 0.08


# --------------------------------------------------------------------------- example and files


def test_example_portfolio_matches_its_brief() -> None:
    data = example_portfolio()
    customers = data["customers"]
    assert data["as_of"] == "2026-11-23" and "generated_by" in data
    assert Counter(a["segment"] for a in customers) == {"enterprise": 12, "mid-market": 22, "smb": 16}
    assert abs(sum(a["arr"] for a in customers) - 4_200_000) <= 0.05 * 4_200_000
    assert 3 <= sum(any(s not in a for s in ALL_SECTIONS) for a in customers) <= 5
    ends = [dt.date.fromisoformat(a["contract_end_date"]) for a in customers]
    assert all(-30 <= (end - generate.EXAMPLE_AS_OF).days <= 365 for end in ends)
    assert len({(end.year, end.month) for end in ends if end > generate.EXAMPLE_AS_OF}) >= 12


def test_example_portfolio_health_distribution() -> None:
    customers = example_portfolio()["customers"]
    health = score_records(customers, generate.EXAMPLE_AS_OF).health
    classes = Counter(health.classification(i) for i in range(len(customers)))
    # A realistic mix (the README's example conversation quotes it): mostly green, a few red.
    assert classes["green"] in (28, 29) and classes["red"] == 3 and classes["insufficient_data"] == 0, classes


def test_examples_file_is_the_generated_example() -> None:
    assert EXAMPLE_FILE.read_bytes() == portfolio_json(example_portfolio(), compact=False)


def test_write_portfolio_is_indented_up_to_1000_accounts_and_compact_above(tmp_path: Path) -> None:
    small, large = tmp_path / "small.json", tmp_path / "large.json"
    write_portfolio(small, generate_portfolio(3, 1, AS_OF))
    write_portfolio(large, generate_portfolio(1001, 1, AS_OF))
    assert small.read_text().startswith('{\n  "customers": [\n')
    assert "\n" not in large.read_text().rstrip("\n")
    assert json.loads(large.read_text()) == generate_portfolio(1001, 1, AS_OF)


def test_standard_library_and_orjson_write_the_same_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("orjson")
    data = example_portfolio()
    fast = (portfolio_json(data), portfolio_json(data, compact=False))
    monkeypatch.setattr(generate, "orjson", None)
    assert (portfolio_json(data), portfolio_json(data, compact=False)) == fast
