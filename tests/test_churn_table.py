"""The churn table: signals are data, and a signal added in a TOML profile is scored, explained,
documented and warned about. Expected values are worked out by hand in the comments.

The conftest base account carries no churn signal except satisfaction_trend "stable" (30 points,
support = 0.30 x 30 = 9.0) and a contract ending 311 days after AS_OF (multiplier 1.0).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import make_account, score
from customer_success_mcp.cli import main
from customer_success_mcp.profiles import load_profile, profile_from_overrides
from customer_success_mcp.render.model_doc import scoring_model_markdown
from customer_success_mcp.scoring.churn import signal_points
from customer_success_mcp.scoring.churn_model import ChurnModel, ChurnSignal
from customer_success_mcp.scoring.default_profiles import DEFAULT_PROFILE, build_profile
from customer_success_mcp.scoring.profile import Profile, ProfileError
from customer_success_mcp.scoring.table import AccountTable, ModuleColumns

# Open support tickets join support_issues: critical 0.30, escalations 0.30, satisfaction 0.30
# (unchanged), open_tickets 0.10 = 1.0. Points = 5 per open ticket, at most 100.
OPEN_TICKETS_TOML = """\
name = "tickets"

[churn.categories.support_issues.signals.critical]
weight = 0.30

[churn.categories.support_issues.signals.escalations]
weight = 0.30

[churn.categories.support_issues.signals.open_tickets]
field = "support.open_tickets"
rule = "rise"
scale = 5
weight = 0.10
label = "Open tickets piling up"
description = "Many tickets are open at once: the customer is waiting on us."

[churn.categories.support_issues.signals.open_tickets.warning]
text = "{value:g} support tickets open"
levels = [
  { op = ">=", value = 15, severity = "high" },
  { op = ">=", value = 10, severity = "medium" },
]
"""


@pytest.fixture(scope="module")
def tickets_profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("profiles") / "tickets.toml"
    path.write_text(OPEN_TICKETS_TOML, encoding="utf-8")
    return path


def churn_with(profile: Profile | None, *accounts: dict[str, Any]):
    scored = score(*accounts, profile=profile)
    assert scored.report.accepted == len(accounts), scored.report
    return scored.churn


def signal_of(profile: Profile, name: str) -> ChurnSignal:
    return next(s for _, s in profile.churn.signals if s.name == name)


def override(category: str, signal: str, **fields: Any) -> dict[str, Any]:
    """Overrides (as read from TOML) that change or add one churn signal."""
    return {"churn": {"categories": {category: {"signals": {signal: fields}}}}}


# --------------------------------------------------------------------------- a signal added in TOML


def test_signal_added_in_toml_is_scored(tickets_profile: Path) -> None:
    profile = load_profile(tickets_profile)
    assert [s.name for s in profile.churn.categories[2].signals] == [
        "critical", "escalations", "satisfaction", "open_tickets",
    ]  # fmt: skip
    acct = make_account(
        support={"open_tickets": 12},
        support_issues={"unresolved_critical": 1, "satisfaction_trend": "declining"},
    )
    many = make_account(customer_id="T-2", support={"open_tickets": 25})
    before = churn_with(None, acct, many)
    after = churn_with(profile, acct, many)
    # Default: support = 0.35 x 50 (one critical) + 0.35 x 0 + 0.30 x 70 (declining) = 38.5;
    # raw = 0.2 x 38.5 = 7.7
    assert float(before.categories["support_issues"][0]) == pytest.approx(38.5)
    assert float(before.risk[0]) == pytest.approx(7.7)
    # Tickets: open_tickets 12 x 5 = 60; support = 0.30 x 50 + 0 + 0.30 x 70 + 0.10 x 60 = 42.0; raw 8.4
    assert float(after.points["open_tickets"][0]) == pytest.approx(60.0)
    assert float(after.categories["support_issues"][0]) == pytest.approx(42.0)
    assert float(after.risk[0]) == pytest.approx(8.4)
    # 25 tickets: 125 -> 100 points; support = 0 + 0 + 0.30 x 30 (stable) + 0.10 x 100 = 19.0; raw 3.8
    assert float(after.points["open_tickets"][1]) == pytest.approx(100.0)
    assert float(after.risk[1]) == pytest.approx(3.8)
    # The other categories are untouched.
    for name in ("usage_decline", "engagement_drop", "relationship_signals", "commercial_factors"):
        assert np.array_equal(after.categories[name], before.categories[name])


def test_signal_added_in_toml_is_explained(tickets_profile: Path) -> None:
    acct = make_account(support={"open_tickets": 12})
    explanation = churn_with(load_profile(tickets_profile), acct).explain(0)
    (support,) = [c for c in explanation.categories if c.category == "support_issues"]
    assert (support.label, support.weight) == ("Support issues", 0.2)
    # 0.30 x 0 + 0.30 x 0 + 0.30 x 30 (stable) + 0.10 x 60 = 15.0
    assert support.score == pytest.approx(15.0)
    signal = support.signals[-1]
    assert (signal.signal, signal.label, signal.input_field) == (
        "open_tickets", "Open tickets piling up", "support.open_tickets",
    )  # fmt: skip
    assert (signal.value, signal.supplied, signal.points) == (12.0, True, 60.0)
    assert "12 support tickets open" in [w.signal for w in explanation.warning_signals]


def test_signal_added_in_toml_is_documented(
    tickets_profile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["profile", "--profile", str(tickets_profile)]) == 0
    out = capsys.readouterr().out
    assert out == scoring_model_markdown(load_profile(tickets_profile))
    row = next(line for line in out.splitlines() if "`open_tickets`" in line)
    assert "Open tickets piling up (`support.open_tickets`)" in row
    assert "Many tickets are open at once: the customer is waiting on us." in row
    assert "5 x value, max 100" in row
    assert '"N support tickets open": high at >= 15, medium at >= 10' in row
    assert "| 0.1 |" in row
    assert "`open_tickets`" not in scoring_model_markdown(DEFAULT_PROFILE)


@pytest.mark.parametrize(
    ("tickets", "expected"),
    [(16, ("high", "16 support tickets open")), (10, ("medium", "10 support tickets open")), (9, None)],
)
def test_signal_added_in_toml_warns_with_its_text(tickets_profile: Path, tickets: int, expected) -> None:
    churn = churn_with(load_profile(tickets_profile), make_account(support={"open_tickets": tickets}))
    found = [(w.severity, w.signal) for w in churn.warnings(0) if w.field == "support.open_tickets"]
    assert found == ([] if expected is None else [expected])


def test_added_signal_counts_in_coverage(tickets_profile: Path) -> None:
    profile = load_profile(tickets_profile)
    # 15 signal inputs + contract_end_date = 16 before; the new input makes 17.
    full, no_support = make_account(), make_account(customer_id="T-2", support=None)
    assert churn_with(profile, full, no_support).explain(1).coverage == round(16 / 17, 3)
    assert churn_with(profile, full).explain(0).coverage == 1.0
    assert churn_with(None, no_support).explain(0).coverage == 1.0


def test_warning_rules_accessor_follows_the_table(tickets_profile: Path) -> None:
    rules = DEFAULT_PROFILE.churn.warning_rules()
    assert [r.field for r in rules] == [s.field for _, s in DEFAULT_PROFILE.churn.signals]
    login = rules[0]
    assert (login.field, login.text) == ("usage_decline.login_trend", "Logins down {abs:g}%")
    assert [(lv.op, lv.value, lv.severity) for lv in login.levels] == [
        ("<=", -20, "critical"), ("<=", -10, "high"), ("<", -5, "medium"),
    ]  # fmt: skip
    added = [r.field for r in load_profile(tickets_profile).churn.warning_rules()]
    assert added.index("support.open_tickets") == added.index("support_issues.satisfaction_trend") + 1
    silenced = build_profile(override("usage_decline", "login", warning=False))
    assert "usage_decline.login_trend" not in [r.field for r in silenced.churn.warning_rules()]
    acct = make_account(usage_decline={"login_trend": -30})
    assert [w.field for w in churn_with(None, acct).warnings(0)] == ["usage_decline.login_trend"]
    assert churn_with(silenced, acct).warnings(0) == []
    # The signal still scores: 30 x 3 = 90 -> 0.4 x 90 = 36.0
    assert float(churn_with(silenced, acct).categories["usage_decline"][0]) == pytest.approx(36.0)


def test_new_category_from_toml(tmp_path: Path) -> None:
    text = """\
[churn.categories.usage_decline]
weight = 0.20

[churn.categories.outcomes]
label = "Outcomes missed"
weight = 0.10
combine = "summed"

[churn.categories.outcomes.signals.goals]
field = "outcomes.goals_met_pct"
rule = "fall"
baseline = 50
scale = 2
label = "Goals missed"
description = "Fewer than half the success-plan goals are met."
"""
    path = tmp_path / "outcomes.toml"
    path.write_text(text, encoding="utf-8")
    profile = load_profile(path)
    assert [c.name for c in profile.churn.categories][-1] == "outcomes"
    behind = make_account(outcomes={"goals_met_pct": 30})
    silent = make_account(customer_id="T-2")  # no outcomes section, and the field has no default
    churn = churn_with(profile, behind, silent)
    # goals: (50 - 30) x 2 = 40; outcomes = 40.0; raw = 0.2 x 9 (support) + 0.1 x 40 = 5.8
    assert float(churn.categories["outcomes"][0]) == pytest.approx(40.0)
    assert float(churn.risk[0]) == pytest.approx(5.8)
    # No value and no default: 0 points, not NaN.
    assert float(churn.points["goals"][1]) == 0.0
    assert float(churn.risk[1]) == pytest.approx(1.8)


# --------------------------------------------------------------------------- each rule kind, by hand


def points_with(profile: Profile, signal: str, *accounts: dict[str, Any]) -> list[float]:
    return [float(p) for p in churn_with(profile, *accounts).points[signal]]


def test_fall_rule_with_a_baseline() -> None:
    profile = build_profile(override("usage_decline", "login", baseline=-10))
    trends = (-25, -10, -5, -60)
    accounts = [make_account(customer_id=f"A{v}", usage_decline={"login_trend": v}) for v in trends]
    # (-10 - v) x 3, floored at 0 and capped at 100: -25 -> 45; -10 -> 0; -5 -> 0; -60 -> 150 -> 100
    assert points_with(profile, "login", *accounts) == [45.0, 0.0, 0.0, 100.0]


def test_rise_rule_with_a_baseline_and_a_step() -> None:
    profile = build_profile(
        override("relationship_signals", "competitors", baseline=1, scale=20, step_points=90)
    )
    mentions = (0, 1, 2, 3, 9)
    accounts = [
        make_account(customer_id=f"C{v}", relationship_signals={"competitor_mentions": v}) for v in mentions
    ]
    # (v - 1) x 20 below step_at 3: 0 -> 0 (not negative), 1 -> 0, 2 -> 20; from 3 up a flat 90
    assert points_with(profile, "competitors", *accounts) == [0.0, 0.0, 20.0, 90.0, 90.0]


def test_flag_rule_and_the_summed_cap() -> None:
    profile = build_profile(override("commercial_factors", "pricing", points=70))
    acct = make_account(commercial_factors={"pricing_complaints": True, "budget_cuts_mentioned": True})
    calm = make_account(customer_id="T-2")
    assert points_with(profile, "pricing", acct, calm) == [70.0, 0.0]
    # summed: 70 + 40 = 110, capped at 100
    assert float(churn_with(profile, acct).categories["commercial_factors"][0]) == 100.0


def test_mapping_rule_values_other_and_spelling() -> None:
    profile = build_profile(
        override("commercial_factors", "contract_type", mapping={"Multi_Year": 7}, mapping_other=12)
    )
    kinds = ["multi-year", "month-to-month", "annual", "quarterly", "perpetual"]
    accounts = [make_account(customer_id=k, commercial_factors={"contract_type": k}) for k in kinds]
    # multi-year 7 (key normalised), month-to-month 30 and quarterly 15 kept, annual and perpetual: other 12
    assert points_with(profile, "contract_type", *accounts) == [7.0, 30.0, 12.0, 15.0, 12.0]


def test_weighted_category_uses_signal_weights() -> None:
    signals = {"login": {"weight": 0.5}, "feature": {"weight": 0.25}}
    profile = build_profile({"churn": {"categories": {"usage_decline": {"signals": signals}}}})
    decline = {"login_trend": -10, "feature_adoption_change": -5, "dau_mau_change": -0.04}
    churn = churn_with(profile, make_account(usage_decline=decline))
    # points 30, 20, 20: 0.5 x 30 + 0.25 x 20 + 0.25 x 20 = 25.0 (default weights give 24.0)
    assert float(churn.categories["usage_decline"][0]) == pytest.approx(25.0)


def test_changing_a_signals_rule_replaces_its_parameters() -> None:
    profile = build_profile(
        override("relationship_signals", "competitors", rule="flag", points=20, warning=False)
    )
    competitors = signal_of(profile, "competitors")
    assert (competitors.rule, competitors.points, competitors.warning) == ("flag", 20, None)
    assert (competitors.scale, competitors.step_at, competitors.step_points) == (None, None, None)
    # The engine builds it; the loader refuses it, as competitor_mentions is a count, not a flag.
    with pytest.raises(ProfileError, match=r"a flag signal reads flag inputs; .* is an integer input"):
        profile_from_overrides(
            override("relationship_signals", "competitors", rule="flag", points=20, warning=False)
        )


# --------------------------------------------------------------------------- rule properties


def table_of(values: list[float], field: str = "x.v") -> AccountTable:
    n = len(values)
    return AccountTable(
        ids=[str(i) for i in range(n)], names=[""] * n, segments=["smb"] * n, segment_source=["input"] * n,
        values={field: np.array(values, dtype=float)}, labels={}, present={field: np.ones(n, bool)},
        lists={}, modules=ModuleColumns.none(n),
    )  # fmt: skip


def one_signal_model(**rule: Any) -> ChurnModel:
    signal = {"name": "s", "field": "x.v", "label": "S", "description": "S.", **rule}
    category = {"name": "c", "label": "C", "weight": 1.0, "combine": "summed", "signals": [signal]}
    return ChurnModel.model_validate(
        {
            "categories": [category],
            "renewal_multipliers": [],
            "tier_floors": DEFAULT_PROFILE.churn.tier_floors,
        }
    )


finite = st.floats(-1e6, 1e6, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(finite, min_size=1, max_size=20),
    rule=st.sampled_from(["fall", "rise"]),
    scale=st.floats(0, 1e3),
    baseline=st.floats(-100, 100),
)
def test_fall_and_rise_points_are_bounded_and_monotone(values, rule, scale, baseline) -> None:
    values = sorted(values)
    model = one_signal_model(rule=rule, scale=scale, baseline=baseline)
    points = signal_points(table_of(values), model)["s"]
    assert ((points >= 0) & (points <= 100)).all()
    steps = np.diff(points)
    assert (steps <= 1e-9).all() if rule == "fall" else (steps >= -1e-9).all()


@settings(max_examples=40, deadline=None)
@given(values=st.lists(finite, min_size=1, max_size=20), step_at=finite, step_points=st.floats(0, 100))
def test_rise_step_scores_a_flat_amount_from_the_step(values, step_at, step_points) -> None:
    model = one_signal_model(rule="rise", scale=1.0, step_at=step_at, step_points=step_points)
    points = signal_points(table_of(values), model)["s"]
    above = np.array(values) >= step_at
    assert (points[above] == step_points).all()
    assert ((points >= 0) & (points <= 100)).all()


# --------------------------------------------------------------------------- bad overrides


NEW_SIGNAL = {
    "field": "support.open_tickets", "rule": "rise", "scale": 5, "weight": 0.1,
    "label": "Open tickets", "description": "Tickets open.",
}  # fmt: skip


def with_new_signal(drop: str = "", **changes: Any) -> dict[str, Any]:
    signal = {k: v for k, v in {**NEW_SIGNAL, **changes}.items() if k != drop}
    signals = {"critical": {"weight": 0.3}, "escalations": {"weight": 0.3}, "open_tickets": signal}
    return {"churn": {"categories": {"support_issues": {"signals": signals}}}}


def test_the_new_signal_overrides_are_valid_as_given() -> None:
    assert signal_of(profile_from_overrides(with_new_signal(), "mine.toml"), "open_tickets").scale == 5


def usage_signal(**fields: Any) -> dict[str, Any]:
    return override("usage_decline", "login", **fields)


BAD_OVERRIDES: dict[str, tuple[dict[str, Any], list[str]]] = {
    "unknown_rule_kind": (
        with_new_signal(rule="grow"),
        ["churn.categories.support_issues.signals.open_tickets.rule", "'fall', 'rise', 'flag' or 'mapping'"],
    ),
    "signal_weights_not_summing": (
        with_new_signal(weight=0.3),
        ["churn.categories.support_issues", "signal weights must sum to 1", "open_tickets=0.3"],
    ),
    "category_weights_not_summing": (
        {"churn": {"categories": {"commercial_factors": {"weight": 0.2}}}},
        ["churn", "category weights must sum to 1", "commercial_factors=0.2"],
    ),
    "unknown_field": (
        with_new_signal(field="support.tickets_open"),
        [
            "churn.categories.support_issues.signals.open_tickets.field",
            "'support.tickets_open' is not an input",
        ],
    ),
    "field_of_the_wrong_kind": (
        with_new_signal(field="support_issues.satisfaction_trend"),
        ["signals.open_tickets.rule", "a rise signal reads number or integer inputs", "label input"],
    ),
    "mapping_value_not_in_vocabulary": (
        override("commercial_factors", "contract_type", mapping={"monthly": 20}),
        ["signals.contract_type", "'monthly' is not a value of commercial_factors.contract_type"],
    ),
    "new_signal_missing_its_label": (
        with_new_signal(drop="label"),
        ["churn.categories.support_issues.signals.open_tickets.label"],
    ),
    "misspelt_signal": (
        override("usage_decline", "logins", scale=4),
        ["churn.categories.usage_decline.signals.logins", "no such signal", "login, feature, dau_mau"],
    ),
    "misspelt_category": (
        {"churn": {"categories": {"usage": {"weight": 0.3}}}},
        ["churn.categories.usage", "no such category", "usage_decline"],
    ),
    "rule_parameter_missing": (
        usage_signal(rule="rise", warning=False),
        ["signals.login", "a rise signal needs scale"],
    ),
    "parameter_of_another_rule": (
        usage_signal(points=10),
        ["signals.login", "points does not apply to a fall signal"],
    ),
    "weight_in_a_summed_category": (
        override("relationship_signals", "champion_left", weight=0.5),
        ["churn.categories.relationship_signals", "takes no weight"],
    ),
    "severity_levels_out_of_order": (
        usage_signal(
            warning={
                "levels": [
                    {"op": "<", "value": -5, "severity": "medium"},
                    {"op": "<=", "value": -20, "severity": "critical"},
                ]
            }
        ),
        ["signals.login.warning", "most severe down", "medium, critical"],
    ),
    "unknown_severity": (
        usage_signal(warning={"levels": [{"op": "<", "value": -5, "severity": "urgent"}]}),
        ["signals.login.warning.levels.0.severity", "'critical', 'high', 'medium' or 'low'"],
    ),
    "warning_text_placeholder": (
        usage_signal(warning={"text": "Logins down {pct}%"}),
        ["signals.login", "cannot be filled in", "{value} and {abs}"],
    ),
    "duplicate_signal_name": (
        override("engagement_drop", "login", **{**NEW_SIGNAL, "weight": 0.0}),
        ["churn", "signal names must be unique", "login"],
    ),
    "signals_not_a_table": (
        {"churn": {"categories": {"usage_decline": {"signals": {"login": 3}}}}},  # not a table
        ["churn.categories.usage_decline.signals.login", "must be a table"],
    ),
    "old_weights_key": (
        {"churn": {"weights": {"usage_decline": 0.3}}},
        ["churn.weights"],
    ),
}


@pytest.mark.parametrize("case", list(BAD_OVERRIDES))
def test_bad_churn_override_names_the_key(case: str) -> None:
    overrides, words = BAD_OVERRIDES[case]
    with pytest.raises(ProfileError) as info:
        profile_from_overrides(overrides, "mine.toml")
    message = str(info.value)
    assert message.startswith("mine.toml: ")
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    assert "\n" not in message and "Value error" not in message
