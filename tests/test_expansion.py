"""Expansion opportunities: every rule of spec section 3, with expected values worked out by hand.

Tier ladder: starter 1.0, professional 1.8, enterprise 3.0, enterprise_plus 4.5 (unknown 1.0).
Seat factor: enterprise 0.25, mid-market 0.20, smb 0.15.
priority = round(clamp(revenue / 2000) * effort), effort low 3, medium 2, high 1.
The conftest base account is mid-market with ARR 50,000 and no contract, modules or departments.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from conftest import make_account, score
from customer_success_mcp.scoring.default_profiles import REFERENCE_PROFILE

LADDER = ["starter", "professional", "enterprise", "enterprise_plus"]


def explain(account: dict[str, Any]):
    """Expansion under the reference profile: these tests hold the reference arithmetic."""
    scored = score(account, profile=REFERENCE_PROFILE)
    assert scored.report.accepted == 1, scored.report
    return scored.expansion.explain(0)


def opps(account: dict[str, Any], category: str | None = None):
    found = explain(account).opportunities
    return [o for o in found if category is None or o.category == category]


def seats(licensed: int, active: int, **extra: Any) -> dict[str, Any]:
    return {"licensed_seats": licensed, "active_seats": active, **extra}


# --------------------------------------------------------------------------- nothing to sell


def test_account_without_expansion_inputs_has_no_opportunities():
    e = explain(make_account())
    assert e.opportunities == []
    assert e.total_estimated_revenue == 0.0


# --------------------------------------------------------------------------- seat expansion


def test_seat_expansion_fires_at_90_percent():
    # 90/100 = 0.90 >= 0.90; mid-market: round(50000 * 0.20) = 10000; int(100 * 0.20) = 20 seats
    (o,) = opps(make_account(contract=seats(100, 90)), "seat_expansion")
    assert o.estimated_revenue == 10000
    assert o.additional_seats == 20
    assert (o.type, o.effort) == ("expansion", "low")
    # clamp(10000 / 2000) * 3 = 15.0
    assert o.priority_score == pytest.approx(15.0)


def test_seat_expansion_not_at_89_percent():
    # 89/100 = 0.89 < 0.90
    assert opps(make_account(contract=seats(100, 89)), "seat_expansion") == []


def test_seat_expansion_over_full_utilisation():
    # 120/100 = 1.2 >= 0.9
    assert len(opps(make_account(contract=seats(100, 120)), "seat_expansion")) == 1


def test_no_seat_expansion_without_licensed_seats():
    # ratio(5, 0) = 0 < 0.9
    assert opps(make_account(contract=seats(0, 5)), "seat_expansion") == []


@pytest.mark.parametrize(
    ("segment", "arr", "revenue", "extra_seats"),
    [
        # 37 seats, 34 active (0.919): int(37 * factor)
        ("enterprise", 200_000, 50_000, 9),  # 200000 * 0.25 ; int(9.25) = 9
        ("mid-market", 50_000, 10_000, 7),  # 50000 * 0.20 ; int(7.4) = 7
        ("smb", 20_000, 3_000, 5),  # 20000 * 0.15 ; int(5.55) = 5
    ],
)
def test_seat_expansion_segment_factor(segment, arr, revenue, extra_seats):
    (o,) = opps(make_account(segment=segment, arr=arr, contract=seats(37, 34)), "seat_expansion")
    assert o.estimated_revenue == revenue
    assert o.additional_seats == extra_seats


def test_seat_expansion_revenue_rounded_to_whole():
    # smb: 12345 * 0.15 = 1851.75 -> 1852
    (o,) = opps(make_account(segment="smb", arr=12_345, contract=seats(10, 9)), "seat_expansion")
    assert o.estimated_revenue == 1852


# --------------------------------------------------------------------------- tier upgrade


def test_tier_upgrade_to_next_tier():
    # professional (1.8) -> enterprise (3.0): round(50000 / 1.8 * 3.0 - 50000) = round(33333.33) = 33333
    (o,) = opps(
        make_account(contract={"plan_tier": "professional", "available_tiers": LADDER}), "tier_upgrade"
    )
    assert o.target_tier == "enterprise"
    assert o.estimated_revenue == 33333
    assert (o.type, o.effort) == ("upsell", "medium")
    # clamp(33333 / 2000 = 16.6665) * 2 = 33.333 -> 33.3
    assert o.priority_score == pytest.approx(33.3)


def test_fix_tier_upgrade_highest_first_list_gives_same_target():
    (o,) = opps(
        make_account(contract={"plan_tier": "professional", "available_tiers": LADDER[::-1]}), "tier_upgrade"
    )
    assert o.target_tier == "enterprise"
    assert o.estimated_revenue == 33333


@pytest.mark.parametrize("order", list(itertools.permutations(LADDER)))
def test_fix_tier_upgrade_independent_of_list_order(order):
    # starter (1.0) -> professional (1.8): 50000 * 1.8 - 50000 = 40000
    (o,) = opps(
        make_account(contract={"plan_tier": "starter", "available_tiers": list(order)}), "tier_upgrade"
    )
    assert o.target_tier == "professional"
    assert o.estimated_revenue == 40000


def test_tier_upgrade_skips_tiers_not_offered():
    # starter -> only enterprise_plus offered: 50000 * 4.5 - 50000 = 175000
    # priority: clamp(87.5) * 2 = 175.0
    (o,) = opps(
        make_account(contract={"plan_tier": "starter", "available_tiers": ["starter", "enterprise_plus"]}),
        "tier_upgrade",
    )
    assert o.target_tier == "enterprise_plus"
    assert o.estimated_revenue == 175_000
    assert o.priority_score == pytest.approx(175.0)


def test_tier_upgrade_defaults_to_the_ladder():
    # no available_tiers: professional -> enterprise
    (o,) = opps(make_account(contract={"plan_tier": "professional"}), "tier_upgrade")
    assert o.target_tier == "enterprise"


def test_unknown_current_tier_counts_as_1():
    # "legacy" -> 1.0 -> professional 1.8: round(50000 / 1.0 * 1.8 - 50000) = 40000
    (o,) = opps(make_account(contract={"plan_tier": "legacy", "available_tiers": LADDER}), "tier_upgrade")
    assert o.target_tier == "professional"
    assert o.estimated_revenue == 40000


def test_no_upgrade_when_already_top():
    acct = make_account(contract={"plan_tier": "enterprise_plus", "available_tiers": LADDER})
    assert opps(acct, "tier_upgrade") == []


def test_no_upgrade_without_plan_tier():
    assert opps(make_account(contract={"available_tiers": LADDER}), "tier_upgrade") == []


def test_tier_names_normalised():
    # "Enterprise Plus" -> enterprise_plus; enterprise (3.0) -> 4.5: 50000 / 3 * 4.5 - 50000 = 25000
    acct = make_account(contract={"plan_tier": "Enterprise", "available_tiers": ["Enterprise Plus"]})
    (o,) = opps(acct, "tier_upgrade")
    assert o.target_tier == "enterprise_plus"
    assert o.estimated_revenue == 25000


# --------------------------------------------------------------------------- module cross-sell


@pytest.mark.parametrize(
    ("module", "revenue", "priority"),
    [
        ("security_module", 10_000, 15.0),  # 50000 * 0.20; 5 * 3
        ("custom_workflows", 11_000, 16.5),  # 50000 * 0.22; 5.5 * 3
        ("data_export", 4_000, 6.0),  # 50000 * 0.08; 2 * 3
        ("widget_studio", 5_000, 7.5),  # unknown module: 0.10; 2.5 * 3
    ],
)
def test_module_cross_sell_fraction(module, revenue, priority):
    (o,) = opps(make_account(product_usage={module: {"adopted": False, "usage_pct": 0}}), "module_cross_sell")
    assert o.module == module
    assert o.estimated_revenue == revenue
    assert o.priority_score == pytest.approx(priority)
    assert (o.type, o.effort) == ("cross_sell", "low")


def test_core_platform_fraction_zero_is_not_an_opportunity():
    acct = make_account(product_usage={"core_platform": {"adopted": False, "usage_pct": 0}})
    assert opps(acct) == []


def test_adopted_module_is_not_sold():
    acct = make_account(product_usage={"security_module": {"adopted": True, "usage_pct": 80}})
    assert opps(acct, "module_cross_sell") == []


def test_low_usage_adopted_module_is_enablement_not_sale():
    acct = make_account(
        product_usage={
            "analytics_module": {"adopted": True, "usage_pct": 29.9},  # < 30: enablement
            "api_access": {"adopted": True, "usage_pct": 30},  # not < 30
            "sso_module": {"adopted": False, "usage_pct": 10},  # not adopted: a sale, not enablement
        }
    )
    e = explain(acct)
    assert e.adoption_summary.enablement_needed == ["analytics_module"]
    assert [o.module for o in e.opportunities] == ["sso_module"]


def test_equal_cross_sells_keep_the_order_each_account_lists_its_modules():
    # widget_studio and gadget_hub are unknown modules (0.10 each): equal revenue, equal priority. Ties keep
    # the account's own order, whatever order other accounts list them in and however the table is cut.
    unsold = {"adopted": False, "usage_pct": 0}
    first = make_account(customer_id="A", product_usage={"widget_studio": unsold, "gadget_hub": unsold})
    second = make_account(customer_id="B", product_usage={"gadget_hub": unsold, "widget_studio": unsold})
    scored = score(first, second, profile=REFERENCE_PROFILE)
    modules = [[o.module for o in scored.expansion.explain(row).opportunities] for row in (0, 1)]
    assert modules == [["widget_studio", "gadget_hub"], ["gadget_hub", "widget_studio"]]
    swapped = scored.table.take([1, 0]).modules
    assert [list(swapped.of(row)) for row in (0, 1)] == [["gadget_hub", "widget_studio"],
                                                         ["widget_studio", "gadget_hub"]]  # fmt: skip


# --------------------------------------------------------------------------- department expansion


def test_department_expansion_per_department_times_08():
    # per_department = 50000 / 2 = 25000; each new department round(25000 * 0.8) = 20000
    # "sales" is already covered ("Sales", case-insensitive)
    acct = make_account(
        departments={"current": ["Sales", "Support"], "potential": ["sales", "Marketing", "Finance"]}
    )
    found = opps(acct, "department_expansion")
    assert sorted(o.department for o in found) == ["Finance", "Marketing"]
    assert all(o.estimated_revenue == 20_000 for o in found)
    # clamp(10) * 1 = 10.0
    assert all(o.priority_score == pytest.approx(10.0) for o in found)
    assert all((o.type, o.effort) == ("expansion", "high") for o in found)


def test_department_expansion_with_no_current_departments():
    # ratio(50000, max(0, 1)) = 50000 -> round(50000 * 0.8) = 40000
    (o,) = opps(make_account(departments={"potential": ["Legal"]}), "department_expansion")
    assert o.estimated_revenue == 40_000


def test_department_expansion_rounds_revenue():
    # 50000 / 3 = 16666.67 * 0.8 = 13333.33 -> 13333
    acct = make_account(departments={"current": ["A", "B", "C"], "potential": ["D"]})
    (o,) = opps(acct, "department_expansion")
    assert o.estimated_revenue == 13_333


# --------------------------------------------------------------------------- priority


@pytest.mark.parametrize(
    ("account_patch", "category", "cap"),
    [
        # enterprise ARR 5,000,000: seat revenue 1,250,000 -> clamp(625) = 100 -> x3 = 300
        ({"segment": "enterprise", "arr": 5_000_000, "contract": seats(10, 10)}, "seat_expansion", 300.0),
        # starter -> professional on 5,000,000: 4,000,000 -> 100 x 2 = 200
        (
            {"arr": 5_000_000, "contract": {"plan_tier": "starter", "available_tiers": LADDER}},
            "tier_upgrade",
            200.0,
        ),
        # new department on 5,000,000: 4,000,000 -> 100 x 1 = 100
        ({"arr": 5_000_000, "departments": {"potential": ["Ops"]}}, "department_expansion", 100.0),
    ],
)
def test_priority_capped_at_100_times_effort(account_patch, category, cap):
    (o,) = opps(make_account(**account_patch), category)
    assert o.priority_score == pytest.approx(cap)


def test_priority_uses_effort_multiplier():
    # the same 10,000 of revenue scores by effort:
    #   seat (low): round(50000 * 0.20) = 10000 -> 5 x 3 = 15.0
    #   department (high): 50000 / 4 = 12500 -> round(12500 * 0.8) = 10000 -> 5 x 1 = 5.0
    acct = make_account(
        contract=seats(10, 10), departments={"current": ["A", "B", "C", "D"], "potential": ["E"]}
    )
    (seat,) = opps(acct, "seat_expansion")
    (dept,) = opps(acct, "department_expansion")
    assert seat.estimated_revenue == dept.estimated_revenue == 10_000
    assert seat.priority_score == pytest.approx(15.0)
    assert dept.priority_score == pytest.approx(5.0)


def test_opportunities_sorted_by_priority():
    acct = make_account(
        contract={
            "licensed_seats": 100,
            "active_seats": 95,
            "plan_tier": "starter",
            "available_tiers": LADDER,
        },
        product_usage={
            "widget_studio": {"adopted": False, "usage_pct": 0},  # 5000 -> 7.5
            "security_module": {"adopted": True, "usage_pct": 50},  # adopted: nothing
            "analytics_module": {"adopted": False, "usage_pct": 0},  # 7500 -> 3.75 x 3 = 11.25 -> 11.2
        },
        departments={"current": ["Sales"], "potential": ["HR"]},  # 40000 -> 20 x 1 = 20.0
    )
    # seat: 10000 -> 15.0; tier starter -> professional 40000 -> 40.0
    found = opps(acct)
    assert [(o.category, o.priority_score) for o in found] == [
        ("tier_upgrade", pytest.approx(40.0)),
        ("department_expansion", pytest.approx(20.0)),
        ("seat_expansion", pytest.approx(15.0)),
        ("module_cross_sell", pytest.approx(11.2)),
        ("module_cross_sell", pytest.approx(7.5)),
    ]


def test_totals_count_and_top():
    acct = make_account(
        contract={
            "licensed_seats": 100,
            "active_seats": 95,
            "plan_tier": "starter",
            "available_tiers": LADDER,
        },
        departments={"current": ["Sales"], "potential": ["HR"]},
    )
    scored = score(acct)
    x = scored.expansion
    # 10000 (seat) + 40000 (tier) + 40000 (department) = 90000
    assert float(x.total_revenue[0]) == 90_000
    assert int(x.counts[0]) == 3
    top = x.top(0) if callable(x.top) else x.top[0]
    assert top is not None
    assert top.category == "tier_upgrade"
    assert x.explain(0).total_estimated_revenue == 90_000


# --------------------------------------------------------------------------- adoption summary


def test_adoption_summary_numbers():
    acct = make_account(
        contract={"licensed_seats": 50, "active_seats": 45, "plan_tier": "professional"},
        product_usage={
            "analytics_module": {"adopted": True, "usage_pct": 80},
            "api_access": {"adopted": True, "usage_pct": 25},
            "sso_module": {"adopted": False, "usage_pct": 10},
            "audit_module": {"adopted": False, "usage_pct": 0},
        },
        departments={"current": ["Sales", "Support"], "potential": ["Marketing", "Finance", "support"]},
    )
    s = explain(acct).adoption_summary
    assert (s.total_modules, s.adopted_modules) == (4, 2)
    assert s.adoption_rate == pytest.approx(50.0)  # 2 / 4 * 100
    assert s.avg_usage_pct == pytest.approx(52.5)  # (80 + 25) / 2
    assert s.seat_utilisation == pytest.approx(90.0)  # 45 / 50 * 100
    assert s.current_tier == "professional"
    assert (s.departments_covered, s.departments_potential) == (2, 3)
    assert s.enablement_needed == ["api_access"]


def test_adoption_summary_rounds_rates():
    # 1 of 3 adopted: 33.333 -> 33.3; seats 2 / 3 -> 66.667 -> 66.7
    acct = make_account(
        contract={"licensed_seats": 3, "active_seats": 2},
        product_usage={
            "a": {"adopted": True, "usage_pct": 40},
            "b": {"adopted": False, "usage_pct": 0},
            "c": {"adopted": False, "usage_pct": 0},
        },
    )
    s = explain(acct).adoption_summary
    assert s.adoption_rate == pytest.approx(33.3)
    assert s.seat_utilisation == pytest.approx(66.7)


def test_adoption_summary_without_modules_or_seats():
    # no modules: rate 0, average 0; seats active 0 / max(0, 1) = 0
    s = explain(make_account()).adoption_summary
    assert (s.total_modules, s.adopted_modules, s.adoption_rate, s.avg_usage_pct) == (0, 0, 0.0, 0.0)
    assert s.seat_utilisation == 0.0
    assert s.current_tier is None
