"""Property tests: the three scorers over generated accounts, through the real pipeline.

Accounts are built in the reference format from strategies over each field's valid range
(ingest/contract.py), so every generated account must be accepted; each test checks that.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import AS_OF, score

LADDER = ["starter", "professional", "enterprise", "enterprise_plus"]
MODULES = [
    "core_platform",
    "analytics_module",
    "security_module",
    "api_access",
    "custom_workflows",
    "widgets",
]
DEPARTMENTS = ["Sales", "sales", "Support", "Marketing", "HR", "Finance"]
SENTIMENTS = ["positive", "neutral", "negative", "unknown", "lukewarm"]
SATISFACTION = ["improving", "stable", "declining", "critical", "wobbly"]
CONTRACT_TYPES = ["annual", "multi-year", "quarterly", "month-to-month"]

SETTINGS = settings(max_examples=60, deadline=None)


def fl(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


# Health inputs: (section, field, strategy, direction); "higher" is better for higher values.
HEALTH_FIELDS: list[tuple[str, str, st.SearchStrategy[Any], str]] = [
    ("usage", "login_frequency", fl(0, 100), "higher"),
    ("usage", "feature_adoption", fl(0, 100), "higher"),
    ("usage", "dau_mau_ratio", fl(0, 1), "higher"),
    ("engagement", "support_ticket_volume", fl(0, 60), "lower"),
    ("engagement", "meeting_attendance", fl(0, 100), "higher"),
    ("engagement", "nps_score", fl(0, 10), "higher"),
    ("engagement", "csat_score", fl(0, 5), "higher"),
    ("support", "open_tickets", st.integers(0, 60), "lower"),
    ("support", "escalation_rate", fl(0, 1), "lower"),
    ("support", "avg_resolution_hours", fl(0, 400), "lower"),
    ("relationship", "executive_sponsor_engagement", fl(0, 100), "higher"),
    ("relationship", "multi_threading_depth", st.integers(0, 12), "higher"),
]
HEALTH_LIMITS = {  # the worst value a "lower" field is pushed to in the monotonicity test
    "support_ticket_volume": 60,
    "open_tickets": 60,
    "escalation_rate": 1,
    "avg_resolution_hours": 400,
}

# Churn inputs: (section, field, strategy)
CHURN_FIELDS: list[tuple[str, str, st.SearchStrategy[Any]]] = [
    ("usage_decline", "login_trend", fl(-100, 200)),
    ("usage_decline", "feature_adoption_change", fl(-100, 100)),
    ("usage_decline", "dau_mau_change", fl(-1, 1)),
    ("engagement_drop", "meeting_cancellations", st.integers(0, 12)),
    ("engagement_drop", "response_time_days", fl(0, 40)),
    ("engagement_drop", "nps_change", fl(-10, 10)),
    ("support_issues", "open_escalations", st.integers(0, 8)),
    ("support_issues", "unresolved_critical", st.integers(0, 8)),
    ("support_issues", "satisfaction_trend", st.sampled_from(SATISFACTION[:4])),
    ("relationship_signals", "champion_left", st.booleans()),
    ("relationship_signals", "sponsor_change", st.booleans()),
    ("relationship_signals", "competitor_mentions", st.integers(0, 8)),
    ("commercial_factors", "contract_type", st.sampled_from(CONTRACT_TYPES)),
    ("commercial_factors", "pricing_complaints", st.booleans()),
    ("commercial_factors", "budget_cuts_mentioned", st.booleans()),
]


def _section(fields: list[tuple[str, st.SearchStrategy[Any]]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({name: strat for name, strat in fields})


def _sections_of(table: list[tuple[Any, ...]]) -> dict[str, list[tuple[str, st.SearchStrategy[Any]]]]:
    out: dict[str, list[tuple[str, st.SearchStrategy[Any]]]] = {}
    for section, field, strat, *_ in table:
        out.setdefault(section, []).append((field, strat))
    return out


HEALTH_SECTIONS = _sections_of(HEALTH_FIELDS)
CHURN_SECTIONS = _sections_of(CHURN_FIELDS)


@st.composite
def accounts(draw: st.DrawFn, customer_id: str = "P-1", complete: bool = False) -> dict[str, Any]:
    """One valid account. `complete` supplies every health and churn input (for monotonicity)."""
    acct: dict[str, Any] = {
        "customer_id": customer_id,
        "name": f"Account {customer_id}",
        "arr": draw(fl(0, 2_000_000)),
    }
    segment = draw(st.sampled_from(["enterprise", "mid-market", "smb", "Mid Market", None]))
    if segment is not None:
        acct["segment"] = segment
    end = draw(st.none() | st.integers(-100, 800))
    if end is not None:
        acct["contract_end_date"] = (AS_OF + dt.timedelta(days=end)).isoformat()
    for name, fields in {**HEALTH_SECTIONS, **CHURN_SECTIONS}.items():
        if complete or draw(st.booleans()) or draw(st.booleans()):
            acct[name] = draw(_section(fields))
    if not complete:
        acct["relationship"] = {
            **acct.get("relationship", {}),
            "renewal_sentiment": draw(st.sampled_from(SENTIMENTS)),
        }
        if "support_issues" in acct:
            acct["support_issues"]["satisfaction_trend"] = draw(st.sampled_from(SATISFACTION))
    else:
        acct["relationship"]["renewal_sentiment"] = draw(st.sampled_from(SENTIMENTS[:3]))
    if draw(st.booleans()):
        acct["previous_period"] = draw(
            st.dictionaries(
                st.sampled_from(
                    [
                        "usage_score",
                        "engagement_score",
                        "support_score",
                        "relationship_score",
                        "overall_score",
                    ]
                ),
                fl(0, 100),
            )
        )
    if draw(st.booleans()):
        contract: dict[str, Any] = {
            "licensed_seats": draw(st.integers(0, 1000)),
            "active_seats": draw(st.integers(0, 1200)),
        }
        tier = draw(st.none() | st.sampled_from([*LADDER, "legacy"]))
        if tier is not None:
            contract["plan_tier"] = tier
        offered = draw(st.none() | st.lists(st.sampled_from([*LADDER, "legacy"]), max_size=6))
        if offered is not None:
            contract["available_tiers"] = offered
        acct["contract"] = contract
    if draw(st.booleans()):
        acct["product_usage"] = draw(
            st.dictionaries(
                st.sampled_from(MODULES),
                st.fixed_dictionaries({"adopted": st.booleans(), "usage_pct": fl(0, 100)}),
                max_size=6,
            )
        )
    if draw(st.booleans()):
        acct["departments"] = {
            "current": draw(st.lists(st.sampled_from(DEPARTMENTS), max_size=4)),
            "potential": draw(st.lists(st.sampled_from(DEPARTMENTS), max_size=5)),
        }
    return acct


@st.composite
def portfolios(draw: st.DrawFn, min_size: int = 2, max_size: int = 6) -> list[dict[str, Any]]:
    n = draw(st.integers(min_size, max_size))
    return [draw(accounts(customer_id=f"P-{i}")) for i in range(n)]


def scored_ok(records: list[dict[str, Any]], as_of: dt.date = AS_OF):
    result = score(*records, as_of=as_of)
    assert result.report.accepted == len(records), result.report.rejections
    return result


def _with(acct: dict[str, Any], section: str, field: str, value: Any) -> dict[str, Any]:
    out = {k: dict(v) if isinstance(v, dict) else v for k, v in acct.items()}
    out[section] = {**out.get(section, {}), field: value}
    return out


# --------------------------------------------------------------------------- ranges


@SETTINGS
@given(portfolios(1, 5))
def test_scores_within_bounds(records):
    s = scored_ok(records)
    h, c = s.health, s.churn
    for arr in (h.overall, c.risk, *h.dimensions.values(), *h.subscores.values(), *c.categories.values()):
        # NaN only where an account supplied none of a score's inputs (the default profile leaves them out)
        assert np.all(np.isnan(arr) | ((arr >= 0) & (arr <= 100))), arr
    assert not np.isnan(c.risk).any()
    assert np.all((h.coverage >= 0) & (h.coverage <= 1))
    for row in range(len(records)):
        for opp in s.expansion.explain(row).opportunities:
            assert 0 <= opp.priority_score <= 300
            assert opp.estimated_revenue >= 0


# --------------------------------------------------------------------------- determinism


@SETTINGS
@given(portfolios(1, 5))
def test_scoring_is_deterministic(records):
    a, b = scored_ok(records), scored_ok(records)
    pairs = [
        (a.health.overall, b.health.overall),
        (a.health.classes, b.health.classes),
        (a.health.trend, b.health.trend),
        (a.churn.raw, b.churn.raw),
        (a.churn.risk, b.churn.risk),
        (a.churn.tiers, b.churn.tiers),
        (a.expansion.total_revenue, b.expansion.total_revenue),
        (a.expansion.counts, b.expansion.counts),
    ]
    pairs += [(a.health.dimensions[d], b.health.dimensions[d]) for d in a.health.dimensions]
    for x, y in pairs:
        assert np.array_equal(x, y, equal_nan=True)
    for row in range(len(records)):
        assert a.expansion.explain(row) == b.expansion.explain(row)


# --------------------------------------------------------------------------- order independence


@SETTINGS
@given(st.data())
def test_input_order_does_not_change_any_account(data):
    records = data.draw(portfolios(2, 6))
    shuffled = data.draw(st.permutations(records))
    a, b = scored_ok(records), scored_ok(shuffled)

    def by_id(s):
        return {
            cid: (
                float(s.health.overall[i]),
                int(s.health.classes[i]),
                float(s.churn.risk[i]),
                float(s.expansion.total_revenue[i]),
                int(s.expansion.counts[i]),
                [o.priority_score for o in s.expansion.explain(i).opportunities],
            )
            for i, cid in enumerate(s.table.ids)
        }

    assert by_id(a) == by_id(b)


# --------------------------------------------------------------------------- health monotonicity


@SETTINGS
@given(st.data())
def test_worsening_one_health_input_never_raises_health(data):
    acct = data.draw(accounts(complete=True))
    section, field, _, direction = data.draw(st.sampled_from(HEALTH_FIELDS))
    current = acct[section][field]
    if direction == "higher":
        worse = data.draw(st.integers(0, current) if isinstance(current, int) else fl(0, current))
    else:
        limit = HEALTH_LIMITS[field]
        worse = data.draw(st.integers(current, limit) if isinstance(current, int) else fl(current, limit))
    s = scored_ok([acct, _with(acct, section, field, worse) | {"customer_id": "P-2"}])
    assert s.health.overall[1] <= s.health.overall[0]
    assert s.health.dimensions[section][1] <= s.health.dimensions[section][0]


@SETTINGS
@given(accounts(complete=True), st.data())
def test_worse_renewal_sentiment_never_raises_health(acct, data):
    order = ["positive", "neutral", "negative"]
    start = order.index(acct["relationship"]["renewal_sentiment"])
    worse = data.draw(st.sampled_from(order[start:]))
    s = scored_ok([acct, _with(acct, "relationship", "renewal_sentiment", worse) | {"customer_id": "P-2"}])
    assert s.health.overall[1] <= s.health.overall[0]


# --------------------------------------------------------------------------- churn monotonicity

_UP = {"meeting_cancellations": 12, "response_time_days": 40, "open_escalations": 8, "unresolved_critical": 8,
       "competitor_mentions": 8}  # fmt: skip
_DOWN = {"login_trend": -100, "feature_adoption_change": -100, "dau_mau_change": -1, "nps_change": -10}
_LADDERS = {
    "satisfaction_trend": ["improving", "stable", "declining", "critical"],
    "contract_type": ["multi-year", "annual", "quarterly", "month-to-month"],
}


@SETTINGS
@given(st.data())
def test_worsening_one_churn_signal_never_lowers_risk(data):
    acct = data.draw(accounts(complete=True))
    section, field, _ = data.draw(st.sampled_from(CHURN_FIELDS))
    current = acct[section][field]
    if isinstance(current, bool):
        worse: Any = True
    elif field in _LADDERS:
        ladder = _LADDERS[field]
        worse = data.draw(st.sampled_from(ladder[ladder.index(current) :]))
    elif field in _DOWN:
        worse = data.draw(fl(_DOWN[field], current))
    else:
        hi = _UP[field]
        worse = data.draw(st.integers(current, hi) if isinstance(current, int) else fl(current, hi))
    s = scored_ok([acct, _with(acct, section, field, worse) | {"customer_id": "P-2"}])
    assert s.churn.risk[1] >= s.churn.risk[0]
    assert s.churn.raw[1] >= s.churn.raw[0]


@SETTINGS
@given(accounts(complete=True), st.integers(-30, 800), st.integers(0, 400), st.integers(0, 400))
def test_moving_as_of_closer_to_renewal_never_lowers_risk(acct, end_offset, earlier_back, step):
    """Before the end date, a later as_of never lowers the risk (the default profile drops the urgency
    once the contract has ended, so both dates stay on or before it here)."""
    end = AS_OF + dt.timedelta(days=end_offset)
    acct = {**acct, "contract_end_date": end.isoformat()}
    early = AS_OF - dt.timedelta(days=earlier_back)
    later = min(early + dt.timedelta(days=step), end)
    if early > end:
        early = later
    a, b = scored_ok([acct], as_of=early), scored_ok([acct], as_of=later)
    assert b.churn.risk[0] >= a.churn.risk[0]
    assert b.churn.multiplier[0] >= a.churn.multiplier[0]
    assert b.churn.raw[0] == a.churn.raw[0]


# --------------------------------------------------------------------------- the whole-book warning table


@SETTINGS
@given(portfolios(1, 6))
def test_warning_table_holds_each_accounts_warnings_in_order(records):
    """The SQL `warnings` table is built from arrays for the whole book; it must list exactly the
    warnings `account_brief` shows for each account, most severe first."""
    from customer_success_mcp.scoring.churn import SEVERITY_ORDER, warning_table

    s = scored_ok(records)
    rows, severities, texts, fields = warning_table(s.table, s.profile.churn)
    listed: dict[int, list[tuple[str, str, str]]] = {}
    columns = (rows.tolist(), severities.tolist(), texts.tolist(), fields.tolist())
    for row, severity, text, field in zip(*columns, strict=True):
        listed.setdefault(row, []).append((SEVERITY_ORDER[severity], text, field))
    for row in range(len(records)):
        assert listed.get(row, []) == [(w.severity, w.signal, w.field) for w in s.churn.warnings(row)]
