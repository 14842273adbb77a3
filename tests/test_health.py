"""Health score: every formula of spec section 1, with expected values worked out by hand.

Benchmarks used below (spec section 1):
  enterprise: login 90, features 80, dau/mau 0.50, tickets max 5, meetings 95, nps 9, csat 4.5,
              open max 10, escalation max 0.25, resolution max 72, exec 90, threading 5
  mid-market: login 80, features 70, dau/mau 0.40, tickets max 8, meetings 85, nps 8, csat 4.0,
              open max 15, escalation max 0.30, resolution max 96, exec 75, threading 3
  smb:        login 70, features 60, dau/mau 0.30, tickets max 10, meetings 75, nps 7, csat 3.8,
              open max 20, escalation max 0.40, resolution max 120, exec 60, threading 2
Overall = 0.30 usage + 0.25 engagement + 0.20 support + 0.25 relationship.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from conftest import make_account, score
from customer_success_mcp.scoring.default_profiles import (
    DEFAULT_PROFILE,
    FIVE_DIMENSION_PROFILE,
    REFERENCE_PROFILE,
    build_profile,
)

# Every input at or beyond the best value of every segment: each sub-score is 100.
PERFECT: dict[str, dict[str, Any]] = {
    "usage": {"login_frequency": 100, "feature_adoption": 100, "dau_mau_ratio": 1.0},
    "engagement": {"support_ticket_volume": 0, "meeting_attendance": 100, "nps_score": 10, "csat_score": 5},
    "support": {"open_tickets": 0, "escalation_rate": 0.0, "avg_resolution_hours": 0},
    "relationship": {
        "executive_sponsor_engagement": 100,
        "multi_threading_depth": 5,
        "renewal_sentiment": "positive",
    },
}
ZERO_USAGE = {"login_frequency": 0, "feature_adoption": 0, "dau_mau_ratio": 0}
PERFECT_OUTCOMES = {
    "goals_met_pct": 100,
    "roi_promised": 2,
    "roi_achieved": 3,
    "kpi_improvement_pct": 50,
    "time_to_value_days": 0,
}


def perfect(segment: str | None = "mid-market", **sections: Any) -> dict[str, Any]:
    """An account scoring 100 on every default health sub-metric, with sections patched."""
    merged: dict[str, Any] = {k: dict(v) for k, v in PERFECT.items()}
    for key, value in sections.items():
        if isinstance(value, dict) and key in merged:
            merged[key].update(value)
        else:
            merged[key] = value
    return make_account(segment=segment, **merged)


def health_of(account: dict[str, Any], profile=None):
    """Health under the reference profile unless told: these tests hold the reference arithmetic
    (tests/test_truthful_default.py holds the default profile's rules for missing data)."""
    scored = score(account, profile=profile or REFERENCE_PROFILE)
    assert scored.report.accepted == 1, scored.report
    return scored.health


def sub(account: dict[str, Any], metric: str, profile=None) -> float:
    return float(health_of(account, profile).subscores[metric][0])


def dim(account: dict[str, Any], name: str, profile=None) -> float:
    return float(health_of(account, profile).dimensions[name][0])


def overall(account: dict[str, Any], profile=None) -> float:
    return float(health_of(account, profile).overall[0])


def rec_text(metric: str) -> str:
    return next(r.text for r in DEFAULT_PROFILE.health.recommendations if r.metric == metric)


# --------------------------------------------------------------------------- sub-metrics


def test_perfect_account_scores_100_everywhere():
    h = health_of(perfect())
    assert float(h.overall[0]) == 100.0
    assert all(float(v[0]) == 100.0 for v in h.dimensions.values())


def test_higher_is_better_is_ratio_to_target():
    # mid-market login target 80: 40 / 80 * 100 = 50
    assert sub(perfect(usage={"login_frequency": 40}), "login_frequency") == pytest.approx(50.0)


def test_higher_is_better_over_target_caps_at_100():
    # mid-market nps target 8: 10 / 8 * 100 = 125 -> clamp 100
    assert sub(perfect(engagement={"nps_score": 10}), "nps_score") == 100.0


def test_higher_is_better_zero_value_scores_zero():
    # 0 / 70 * 100 = 0
    assert sub(perfect(usage={"feature_adoption": 0}), "feature_adoption") == 0.0


def test_lower_is_better_is_one_minus_ratio_to_max():
    # mid-market open_tickets max 15: (1 - 6/15) * 100 = 60
    assert sub(perfect(support={"open_tickets": 6}), "open_tickets") == pytest.approx(60.0)


def test_lower_is_better_at_zero_scores_100():
    # (1 - 0/96) * 100 = 100
    assert sub(perfect(support={"avg_resolution_hours": 0}), "avg_resolution_hours") == 100.0


def test_lower_is_better_over_max_floors_at_zero():
    # mid-market open_tickets max 15: (1 - 30/15) * 100 = -100 -> clamp 0
    assert sub(perfect(support={"open_tickets": 30}), "open_tickets") == 0.0


def test_lower_is_better_exactly_at_max_scores_zero():
    # mid-market support_ticket_volume max 8: (1 - 8/8) * 100 = 0
    assert sub(perfect(engagement={"support_ticket_volume": 8}), "support_ticket_volume") == 0.0


def test_ratio_by_zero_target_makes_higher_metric_zero():
    # login target overridden to 0: ratio(60, 0) = 0 -> 0 * 100 = 0
    profile = build_profile({"segments": {"mid-market": {"benchmarks": {"login_frequency_target": 0}}}})
    assert sub(perfect(usage={"login_frequency": 60}), "login_frequency", profile) == 0.0


def test_ratio_by_zero_max_makes_lower_metric_100():
    # ticket max overridden to 0: ratio(5, 0) = 0 -> (1 - 0) * 100 = 100
    profile = build_profile({"segments": {"mid-market": {"benchmarks": {"support_ticket_volume_max": 0}}}})
    acct = perfect(engagement={"support_ticket_volume": 5})
    assert sub(acct, "support_ticket_volume", profile) == 100.0


# --------------------------------------------------------------------------- segments: full accounts


def test_enterprise_benchmarks_full_account():
    acct = make_account(
        segment="enterprise",
        # usage: 45/90=50, 60/80=75, 0.25/0.5=50 -> 0.35*50 + 0.40*75 + 0.25*50 = 17.5+30+12.5 = 60.0
        usage={"login_frequency": 45, "feature_adoption": 60, "dau_mau_ratio": 0.25},
        # engagement: (1-1/5)=80, 76/95=80, 9/9=100, 3.6/4.5=80
        #   -> 0.20*80 + 0.30*80 + 0.25*100 + 0.25*80 = 16+24+25+20 = 85.0
        engagement={"support_ticket_volume": 1, "meeting_attendance": 76, "nps_score": 9, "csat_score": 3.6},
        # support: (1-2/10)=80, (1-0.05/0.25)=80, (1-36/72)=50 -> 28+28+15 = 71.0
        support={"open_tickets": 2, "escalation_rate": 0.05, "avg_resolution_hours": 36},
        # relationship: 45/90=50, 4/5=80, neutral 60 -> 17.5+24+21 = 62.5
        relationship={
            "executive_sponsor_engagement": 45,
            "multi_threading_depth": 4,
            "renewal_sentiment": "neutral",
        },
    )
    h = health_of(acct)
    assert float(h.dimensions["usage"][0]) == pytest.approx(60.0)
    assert float(h.dimensions["engagement"][0]) == pytest.approx(85.0)
    assert float(h.dimensions["support"][0]) == pytest.approx(71.0)
    assert float(h.dimensions["relationship"][0]) == pytest.approx(62.5)
    # 0.3*60 + 0.25*85 + 0.2*71 + 0.25*62.5 = 18 + 21.25 + 14.2 + 15.625 = 69.075 -> 69.1
    assert float(h.overall[0]) == pytest.approx(69.1)
    # enterprise: 50 <= 69.1 < 75 -> yellow
    assert h.classification(0) == "yellow"


def test_mid_market_benchmarks_full_account():
    acct = make_account(
        segment="mid-market",
        # usage: 60/80=75, 35/70=50, 0.1/0.4=25 -> 26.25 + 20 + 6.25 = 52.5
        usage={"login_frequency": 60, "feature_adoption": 35, "dau_mau_ratio": 0.1},
        # engagement: (1-2/8)=75, 68/85=80, 6/8=75, 3/4=75 -> 15 + 24 + 18.75 + 18.75 = 76.5
        engagement={"support_ticket_volume": 2, "meeting_attendance": 68, "nps_score": 6, "csat_score": 3.0},
        # support: (1-3/15)=80, (1-0.15/0.30)=50, (1-24/96)=75 -> 28 + 17.5 + 22.5 = 68.0
        support={"open_tickets": 3, "escalation_rate": 0.15, "avg_resolution_hours": 24},
        # relationship: 30/75=40, 3/3=100, negative 20 -> 14 + 30 + 7 = 51.0
        relationship={
            "executive_sponsor_engagement": 30,
            "multi_threading_depth": 3,
            "renewal_sentiment": "negative",
        },
    )
    h = health_of(acct)
    assert float(h.dimensions["usage"][0]) == pytest.approx(52.5)
    assert float(h.dimensions["engagement"][0]) == pytest.approx(76.5)
    assert float(h.dimensions["support"][0]) == pytest.approx(68.0)
    assert float(h.dimensions["relationship"][0]) == pytest.approx(51.0)
    # 0.3*52.5 + 0.25*76.5 + 0.2*68 + 0.25*51 = 15.75 + 19.125 + 13.6 + 12.75 = 61.225 -> 61.2
    assert float(h.overall[0]) == pytest.approx(61.2)
    # mid-market: 45 <= 61.2 < 70 -> yellow
    assert h.classification(0) == "yellow"


def test_smb_benchmarks_full_account():
    acct = make_account(
        segment="smb",
        # usage: 35/70=50, 15/60=25, 0.06/0.3=20 -> 17.5 + 10 + 5 = 32.5
        usage={"login_frequency": 35, "feature_adoption": 15, "dau_mau_ratio": 0.06},
        # engagement: (1-5/10)=50, 30/75=40, 3.5/7=50, 1.9/3.8=50 -> 10 + 12 + 12.5 + 12.5 = 47.0
        engagement={
            "support_ticket_volume": 5,
            "meeting_attendance": 30,
            "nps_score": 3.5,
            "csat_score": 1.9,
        },
        # support: (1-15/20)=25, (1-0.3/0.4)=25, (1-90/120)=25 -> 25.0
        support={"open_tickets": 15, "escalation_rate": 0.3, "avg_resolution_hours": 90},
        # relationship: 30/60=50, 1/2=50, unknown 50 -> 17.5 + 15 + 17.5 = 50.0
        relationship={
            "executive_sponsor_engagement": 30,
            "multi_threading_depth": 1,
            "renewal_sentiment": "unknown",
        },
    )
    h = health_of(acct)
    assert float(h.dimensions["usage"][0]) == pytest.approx(32.5)
    assert float(h.dimensions["engagement"][0]) == pytest.approx(47.0)
    assert float(h.dimensions["support"][0]) == pytest.approx(25.0)
    assert float(h.dimensions["relationship"][0]) == pytest.approx(50.0)
    # 0.3*32.5 + 0.25*47 + 0.2*25 + 0.25*50 = 9.75 + 11.75 + 5 + 12.5 = 39.0 -> smb red (< 40)
    assert float(h.overall[0]) == pytest.approx(39.0)
    assert h.classification(0) == "red"


def test_same_inputs_score_differently_per_segment():
    # login 45: enterprise 45/90 = 50, mid-market 45/80 = 56.25, smb 45/70 = 64.2857...
    subs = {
        seg: sub(perfect(segment=seg, usage={"login_frequency": 45}), "login_frequency")
        for seg in ("enterprise", "mid-market", "smb")
    }
    assert subs["enterprise"] == pytest.approx(50.0)
    assert subs["mid-market"] == pytest.approx(56.25)
    assert subs["smb"] == pytest.approx(450 / 7)


def test_unknown_segment_spelling_alias_uses_mid_market():
    # "mm" is a mid-market alias: 40 / 80 = 50
    assert sub(perfect(segment="mm", usage={"login_frequency": 40}), "login_frequency") == pytest.approx(50)


# --------------------------------------------------------------------------- classification thresholds
# Overall with engagement and relationship perfect: 0.25*100 + 0.25*100 + 0.3*U + 0.2*S = 50 + 0.3U + 0.2S.
# Usage at a share f of every target gives U = 100 f; support at a share g of every max gives S = 100 (1-g).


def _usage_share(seg: str, f: float) -> dict[str, float]:
    targets = {"enterprise": (90, 80, 0.5), "mid-market": (80, 70, 0.4), "smb": (70, 60, 0.3)}[seg]
    login, feature, dau = targets
    return {"login_frequency": login * f, "feature_adoption": feature * f, "dau_mau_ratio": dau * f}


def test_enterprise_green_at_exactly_75():
    # U = 50 (share 0.5), S: open 5/10, esc 0.125/0.25, res 36/72 -> each 50 -> S = 50
    # overall = 50 + 15 + 10 = 75.0 -> green (>= 75)
    acct = perfect(
        segment="enterprise",
        usage=_usage_share("enterprise", 0.5),
        support={"open_tickets": 5, "escalation_rate": 0.125, "avg_resolution_hours": 36},
    )
    h = health_of(acct)
    assert float(h.overall[0]) == pytest.approx(75.0)
    assert h.classification(0) == "green"


def test_enterprise_yellow_just_under_75():
    # U = 49.7 (share 0.497): overall = 50 + 14.91 + 10 = 74.91 -> 74.9 -> yellow
    acct = perfect(
        segment="enterprise",
        usage=_usage_share("enterprise", 0.497),
        support={"open_tickets": 5, "escalation_rate": 0.125, "avg_resolution_hours": 36},
    )
    h = health_of(acct)
    assert float(h.overall[0]) == pytest.approx(74.9)
    assert h.classification(0) == "yellow"


def test_enterprise_yellow_at_exactly_50():
    # U = 0, S = 0 (open 10, esc 0.25, res 72 all at max) -> overall 50.0 -> yellow
    acct = perfect(
        segment="enterprise",
        usage=ZERO_USAGE,
        support={"open_tickets": 10, "escalation_rate": 0.25, "avg_resolution_hours": 72},
    )
    h = health_of(acct)
    assert float(h.overall[0]) == pytest.approx(50.0)
    assert h.classification(0) == "yellow"


def test_enterprise_red_just_under_50():
    # as above but nps 8.856: 8.856/9 = 98.4 -> E = 75 + 0.25*98.4 = 99.6
    # overall = 0.25*99.6 + 25 = 24.9 + 25 = 49.9 -> red
    acct = perfect(
        segment="enterprise",
        usage=ZERO_USAGE,
        support={"open_tickets": 10, "escalation_rate": 0.25, "avg_resolution_hours": 72},
        engagement={"nps_score": 8.856},
    )
    h = health_of(acct)
    assert float(h.dimensions["engagement"][0]) == pytest.approx(99.6)
    assert float(h.overall[0]) == pytest.approx(49.9)
    assert h.classification(0) == "red"


def test_mid_market_green_at_exactly_70():
    # U = 0, S = 100 -> overall = 50 + 0 + 20 = 70.0 -> green (>= 70)
    h = health_of(perfect(usage=ZERO_USAGE))
    assert float(h.overall[0]) == pytest.approx(70.0)
    assert h.classification(0) == "green"


def test_mid_market_yellow_just_under_70():
    # resolution 1.6h: (1 - 1.6/96)*100 = 98.333 -> S = 35 + 35 + 0.3*98.333 = 99.5
    # overall = 50 + 0 + 0.2*99.5 = 69.9 -> yellow
    h = health_of(perfect(usage=ZERO_USAGE, support={"avg_resolution_hours": 1.6}))
    assert float(h.dimensions["support"][0]) == pytest.approx(99.5)
    assert float(h.overall[0]) == pytest.approx(69.9)
    assert h.classification(0) == "yellow"


def test_mid_market_yellow_at_exactly_45():
    # engagement: nps 0, csat 0 -> E = 20 + 30 = 50; U = 25 (share 0.25); S = 0; R = 100
    # overall = 0.3*25 + 0.25*50 + 0 + 25 = 7.5 + 12.5 + 25 = 45.0 -> yellow (>= 45)
    acct = perfect(
        usage=_usage_share("mid-market", 0.25),
        engagement={"nps_score": 0, "csat_score": 0},
        support={"open_tickets": 15, "escalation_rate": 0.3, "avg_resolution_hours": 96},
    )
    h = health_of(acct)
    assert float(h.overall[0]) == pytest.approx(45.0)
    assert h.classification(0) == "yellow"


def test_mid_market_red_just_under_45():
    # as above with U = 24.7: overall = 7.41 + 12.5 + 25 = 44.91 -> 44.9 -> red
    acct = perfect(
        usage=_usage_share("mid-market", 0.247),
        engagement={"nps_score": 0, "csat_score": 0},
        support={"open_tickets": 15, "escalation_rate": 0.3, "avg_resolution_hours": 96},
    )
    h = health_of(acct)
    assert float(h.overall[0]) == pytest.approx(44.9)
    assert h.classification(0) == "red"


def test_smb_green_at_exactly_65():
    # U = 50, S = 0 (open 20, esc 0.4, res 120) -> overall = 50 + 15 + 0 = 65.0 -> green (>= 65)
    acct = perfect(
        segment="smb",
        usage=_usage_share("smb", 0.5),
        support={"open_tickets": 20, "escalation_rate": 0.4, "avg_resolution_hours": 120},
    )
    h = health_of(acct)
    assert float(h.overall[0]) == pytest.approx(65.0)
    assert h.classification(0) == "green"


def test_smb_yellow_just_under_65():
    # U = 49.7 -> overall = 50 + 14.91 = 64.91 -> 64.9 -> yellow
    acct = perfect(
        segment="smb",
        usage=_usage_share("smb", 0.497),
        support={"open_tickets": 20, "escalation_rate": 0.4, "avg_resolution_hours": 120},
    )
    h = health_of(acct)
    assert float(h.overall[0]) == pytest.approx(64.9)
    assert h.classification(0) == "yellow"


def test_smb_yellow_at_exactly_40():
    # U = 0; E = 50 (nps 0, csat 0); R = 72 (negative sentiment: 35 + 30 + 7)
    # S: open 20 -> 0, esc 0.2/0.4 -> 50, res 0 -> 100: 0 + 17.5 + 30 = 47.5
    # overall = 0 + 12.5 + 9.5 + 18 = 40.0 -> yellow (>= 40)
    acct = perfect(
        segment="smb",
        usage=ZERO_USAGE,
        engagement={"nps_score": 0, "csat_score": 0},
        support={"open_tickets": 20, "escalation_rate": 0.2, "avg_resolution_hours": 0},
        relationship={"renewal_sentiment": "negative"},
    )
    h = health_of(acct)
    assert float(h.dimensions["support"][0]) == pytest.approx(47.5)
    assert float(h.overall[0]) == pytest.approx(40.0)
    assert h.classification(0) == "yellow"


def test_smb_red_just_under_40():
    # as above with res 2h: (1 - 2/120)*100 = 98.333 -> S = 17.5 + 29.5 = 47.0
    # overall = 12.5 + 9.4 + 18 = 39.9 -> red
    acct = perfect(
        segment="smb",
        usage=ZERO_USAGE,
        engagement={"nps_score": 0, "csat_score": 0},
        support={"open_tickets": 20, "escalation_rate": 0.2, "avg_resolution_hours": 2},
        relationship={"renewal_sentiment": "negative"},
    )
    h = health_of(acct)
    assert float(h.overall[0]) == pytest.approx(39.9)
    assert h.classification(0) == "red"


def test_dimension_classified_with_segment_thresholds():
    # usage at share 0.75 of enterprise targets -> U = 75.0 -> green in enterprise (>= 75);
    # share 0.749 -> 74.9 -> yellow; in smb the same 74.9 share is green (>= 65)
    ent = score(
        perfect(segment="enterprise", customer_id="E1", usage=_usage_share("enterprise", 0.75)),
        perfect(segment="enterprise", customer_id="E2", usage=_usage_share("enterprise", 0.749)),
        perfect(segment="smb", customer_id="S1", usage=_usage_share("smb", 0.749)),
    ).health
    assert [float(x) for x in ent.dimensions["usage"]] == pytest.approx([75.0, 74.9, 74.9])
    assert [int(c) for c in ent.dimension_classes["usage"]] == [0, 1, 0]


# --------------------------------------------------------------------------- rounding


def test_dimension_score_rounded_to_one_decimal():
    # mid-market: 45/80 = 56.25, 60/70 = 85.714..., 0.25/0.4 = 62.5
    # 0.35*56.25 + 0.40*85.714 + 0.25*62.5 = 19.6875 + 34.2857 + 15.625 = 69.598 -> 69.6
    acct = perfect(usage={"login_frequency": 45, "feature_adoption": 60, "dau_mau_ratio": 0.25})
    assert dim(acct, "usage") == 69.6


def test_overall_rounded_to_one_decimal():
    # usage 69.6 (above), others 100: 0.3*69.6 + 70 = 20.88 + 70 = 90.88 -> 90.9
    acct = perfect(usage={"login_frequency": 45, "feature_adoption": 60, "dau_mau_ratio": 0.25})
    assert overall(acct) == 90.9


# --------------------------------------------------------------------------- renewal sentiment


@pytest.mark.parametrize(
    ("sentiment", "expected_sub", "expected_dim"),
    [
        # relationship = 0.35*100 + 0.30*100 + 0.35*sentiment = 65 + 0.35 s
        ("positive", 100, 100.0),  # 65 + 35 = 100
        ("neutral", 60, 86.0),  # 65 + 21 = 86
        ("negative", 20, 72.0),  # 65 + 7 = 72
        ("unknown", 50, 82.5),  # 65 + 17.5 = 82.5
        ("ecstatic", 50, 82.5),  # unrecognised word: 50
    ],
)
def test_renewal_sentiment_mapping(sentiment, expected_sub, expected_dim):
    h = health_of(perfect(relationship={"renewal_sentiment": sentiment}))
    assert float(h.subscores["renewal_sentiment"][0]) == expected_sub
    assert float(h.dimensions["relationship"][0]) == pytest.approx(expected_dim)


def test_renewal_sentiment_spelling_is_normalised():
    # " Positive " is read as positive -> 100
    assert sub(perfect(relationship={"renewal_sentiment": " Positive "}), "renewal_sentiment") == 100


# --------------------------------------------------------------------------- defaults


def test_missing_nps_defaults_to_5():
    acct = perfect()
    del acct["engagement"]["nps_score"]
    # mid-market: 5 / 8 * 100 = 62.5
    assert sub(acct, "nps_score") == pytest.approx(62.5)


def test_missing_csat_defaults_to_3():
    acct = perfect()
    del acct["engagement"]["csat_score"]
    # 3.0 / 4.0 * 100 = 75
    assert sub(acct, "csat_score") == pytest.approx(75.0)


def test_missing_multi_threading_defaults_to_1():
    acct = perfect()
    del acct["relationship"]["multi_threading_depth"]
    # 1 / 3 * 100 = 33.33
    assert sub(acct, "multi_threading_depth") == pytest.approx(100 / 3)


def test_missing_sentiment_defaults_to_unknown_50():
    acct = perfect()
    del acct["relationship"]["renewal_sentiment"]
    assert sub(acct, "renewal_sentiment") == 50


@pytest.mark.parametrize(
    ("section", "field", "expected"),
    [
        ("usage", "login_frequency", 0.0),  # 0 / 80
        ("usage", "feature_adoption", 0.0),  # 0 / 70
        ("usage", "dau_mau_ratio", 0.0),  # 0 / 0.4
        ("engagement", "meeting_attendance", 0.0),  # 0 / 85
        ("relationship", "executive_sponsor_engagement", 0.0),  # 0 / 75
        ("engagement", "support_ticket_volume", 100.0),  # (1 - 0/8)
        ("support", "open_tickets", 100.0),  # (1 - 0/15)
        ("support", "escalation_rate", 100.0),  # (1 - 0/0.3)
        ("support", "avg_resolution_hours", 100.0),  # (1 - 0/96)
    ],
)
def test_other_missing_fields_default_to_zero(section, field, expected):
    acct = perfect()
    del acct[section][field]
    assert sub(acct, field) == expected


def test_account_with_no_health_sections_scores_defaults():
    acct = make_account(usage=None, engagement=None, support=None, relationship=None)
    h = health_of(acct)
    # usage: all 0 -> 0
    assert float(h.dimensions["usage"][0]) == 0.0
    # engagement: tickets 0 -> 100, meetings 0 -> 0, nps 5/8 = 62.5, csat 3/4 = 75
    #   -> 20 + 0 + 15.625 + 18.75 = 54.375 -> 54.4
    assert float(h.dimensions["engagement"][0]) == pytest.approx(54.4)
    # support: all 0 -> 100
    assert float(h.dimensions["support"][0]) == 100.0
    # relationship: exec 0, threading 1/3 -> 33.33 * 0.3 = 10, unknown 50 * 0.35 = 17.5 -> 27.5
    assert float(h.dimensions["relationship"][0]) == pytest.approx(27.5)
    # overall: 0 + 0.25*54.4 + 0.2*100 + 0.25*27.5 = 13.6 + 20 + 6.875 = 40.475 -> 40.5
    assert float(h.overall[0]) == pytest.approx(40.5)
    assert h.classification(0) == "red"  # mid-market: 40.5 < 45


# --------------------------------------------------------------------------- trend


def test_no_previous_period_is_no_data():
    h = health_of(perfect())
    assert h.trend_of(0) == "no_data"
    assert all(h.dimension_trend(d, 0) == "no_data" for d in h.dimensions)


def test_trend_improving_past_5_points():
    # current 100, previous 94.9: +5.1 > 5 -> improving
    assert health_of(perfect(previous_period={"overall_score": 94.9})).trend_of(0) == "improving"


def test_trend_stable_at_exactly_plus_5():
    # current 100, previous 95: +5 is not > 5 -> stable
    assert health_of(perfect(previous_period={"overall_score": 95})).trend_of(0) == "stable"


def test_trend_declining_past_minus_5():
    # negative sentiment: relationship 72 -> overall 75 + 18 = 93.0; previous 98.1: -5.1 -> declining
    acct = perfect(relationship={"renewal_sentiment": "negative"}, previous_period={"overall_score": 98.1})
    h = health_of(acct)
    assert float(h.overall[0]) == pytest.approx(93.0)
    assert h.trend_of(0) == "declining"


def test_trend_stable_at_exactly_minus_5():
    # 93.0 - 98.0 = -5 is not < -5 -> stable
    acct = perfect(relationship={"renewal_sentiment": "negative"}, previous_period={"overall_score": 98})
    assert health_of(acct).trend_of(0) == "stable"


def test_dimension_trends_use_previous_dimension_scores():
    # current dims all 100; previous usage 94 (+6 improving), engagement 95 (+5 stable),
    # support 100 (0 stable), relationship missing (no_data)
    acct = perfect(previous_period={"usage_score": 94, "engagement_score": 95, "support_score": 100})
    h = health_of(acct)
    assert h.dimension_trend("usage", 0) == "improving"
    assert h.dimension_trend("engagement", 0) == "stable"
    assert h.dimension_trend("support", 0) == "stable"
    assert h.dimension_trend("relationship", 0) == "no_data"


def test_dimension_trend_declining():
    # relationship now 72 (negative sentiment), previously 80: -8 -> declining
    acct = perfect(relationship={"renewal_sentiment": "negative"}, previous_period={"relationship_score": 80})
    assert health_of(acct).dimension_trend("relationship", 0) == "declining"


def test_fix_previous_overall_rebuilt_from_dimension_scores():
    # No previous overall; previous dims 83 / 100 / 100 / 100.
    # Weighted: 0.3*83 + 0.25*100 + 0.2*100 + 0.25*100 = 24.9 + 70 = 94.9
    # Current 100: +5.1 -> improving. (A plain mean, 95.75, would say stable.)
    acct = perfect(
        previous_period={
            "usage_score": 83,
            "engagement_score": 100,
            "support_score": 100,
            "relationship_score": 100,
        }
    )
    h = health_of(acct)
    assert h.trend_of(0) != "no_data"
    assert h.trend_of(0) == "improving"


def test_fix_rebuilt_previous_overall_can_be_declining():
    # previous dims 100/100/100/100 -> previous overall 100;
    # current 93.0 (negative sentiment): -7 -> declining
    acct = perfect(
        relationship={"renewal_sentiment": "negative"},
        previous_period={
            "usage_score": 100,
            "engagement_score": 100,
            "support_score": 100,
            "relationship_score": 100,
        },
    )
    assert health_of(acct).trend_of(0) == "declining"


def test_fix_rebuilt_previous_overall_stable_within_5():
    # previous dims 100/100/100/80 -> 30 + 25 + 20 + 20 = 95; current 93.0: -2 -> stable
    acct = perfect(
        relationship={"renewal_sentiment": "negative"},
        previous_period={
            "usage_score": 100,
            "engagement_score": 100,
            "support_score": 100,
            "relationship_score": 80,
        },
    )
    assert health_of(acct).trend_of(0) == "stable"


def test_three_previous_dimensions_only_is_still_no_data():
    acct = perfect(previous_period={"usage_score": 50, "engagement_score": 50, "support_score": 50})
    assert health_of(acct).trend_of(0) == "no_data"


def test_previous_overall_score_takes_precedence_over_dimensions():
    # overall_score 99 given: 100 - 99 = 1 -> stable (the dims, all 50, would give +50 improving)
    acct = perfect(
        previous_period={
            "overall_score": 99,
            "usage_score": 50,
            "engagement_score": 50,
            "support_score": 50,
            "relationship_score": 50,
        }
    )
    assert health_of(acct).trend_of(0) == "stable"


# --------------------------------------------------------------------------- trend priority
# mid-market: green >= 70, yellow >= 45.
#   green account: perfect but negative sentiment -> relationship 72 -> 75 + 18 = 93.0
#   yellow account: usage 0 and support 0 -> 0 + 25 + 0 + 25 = 50
#   red account: as yellow plus nps 0 and csat 0 -> E = 50 -> 0 + 12.5 + 0 + 25 = 37.5
YELLOW = {
    "usage": ZERO_USAGE,
    "support": {"open_tickets": 15, "escalation_rate": 0.3, "avg_resolution_hours": 96},
}
RED = {**YELLOW, "engagement": {"nps_score": 0, "csat_score": 0}}
GREEN = {"relationship": {"renewal_sentiment": "negative"}}
CLASS_ACCOUNTS = {"green": (GREEN, 93.0), "yellow": (YELLOW, 50.0), "red": (RED, 37.5)}
TREND_OFFSETS = {"improving": -7, "stable": 0, "declining": 7}  # previous = current + offset


@pytest.mark.parametrize(
    ("cls", "trend", "priority"),
    [
        ("green", "declining", "high"),
        ("yellow", "declining", "critical"),
        ("yellow", "improving", "medium"),
        ("red", "improving", "high"),
        ("red", "stable", "critical"),
        ("red", "declining", "critical"),
        ("green", "improving", "normal"),
        ("green", "stable", "normal"),
        ("yellow", "stable", "normal"),
    ],
)
def test_trend_priority_table(cls, trend, priority):
    sections, current = CLASS_ACCOUNTS[cls]
    acct = perfect(**sections, previous_period={"overall_score": current + TREND_OFFSETS[trend]})
    h = health_of(acct)
    assert float(h.overall[0]) == pytest.approx(current)
    assert (h.classification(0), h.trend_of(0)) == (cls, trend)
    assert h.priority(0) == priority


@pytest.mark.parametrize("cls", ["green", "yellow", "red"])
def test_trend_priority_without_trend_data_is_normal(cls):
    sections, _ = CLASS_ACCOUNTS[cls]
    h = health_of(perfect(**sections))
    assert h.trend_of(0) == "no_data"
    assert h.priority(0) == "normal"


# --------------------------------------------------------------------------- recommendations


def test_perfect_account_has_no_recommendations():
    assert health_of(perfect()).recommendations(0) == []


@pytest.mark.parametrize(
    ("metric", "patch_fires", "patch_quiet"),
    [
        # login sub < 60: 47.9/80 = 59.875 fires; 48/80 = 60 does not
        ("login_frequency", {"usage": {"login_frequency": 47.9}}, {"usage": {"login_frequency": 48}}),
        # adoption sub < 50: 34.9/70 = 49.86 fires; 35/70 = 50 does not
        ("feature_adoption", {"usage": {"feature_adoption": 34.9}}, {"usage": {"feature_adoption": 35}}),
        # dau/mau sub < 50: 0.199/0.4 = 49.75 fires; 0.2/0.4 = 50 does not
        ("dau_mau_ratio", {"usage": {"dau_mau_ratio": 0.199}}, {"usage": {"dau_mau_ratio": 0.2}}),
        # meeting sub < 60: 50.9/85 = 59.88 fires; 51/85 = 60 does not
        (
            "meeting_attendance",
            {"engagement": {"meeting_attendance": 50.9}},
            {"engagement": {"meeting_attendance": 51}},
        ),
        # raw nps < 7
        ("nps_score", {"engagement": {"nps_score": 6.9}}, {"engagement": {"nps_score": 7}}),
        # raw csat < 3.5
        ("csat_score", {"engagement": {"csat_score": 3.4}}, {"engagement": {"csat_score": 3.5}}),
        # open tickets > 0.5 * 15 = 7.5
        ("open_tickets", {"support": {"open_tickets": 8}}, {"support": {"open_tickets": 7}}),
        # escalation > 0.5 * 0.30 = 0.15
        ("escalation_rate", {"support": {"escalation_rate": 0.16}}, {"support": {"escalation_rate": 0.15}}),
        # resolution > 0.5 * 96 = 48
        (
            "avg_resolution_hours",
            {"support": {"avg_resolution_hours": 48.1}},
            {"support": {"avg_resolution_hours": 48}},
        ),
        # exec sub < 50: 37.4/75 = 49.87 fires; 37.5/75 = 50 does not
        (
            "executive_sponsor_engagement",
            {"relationship": {"executive_sponsor_engagement": 37.4}},
            {"relationship": {"executive_sponsor_engagement": 37.5}},
        ),
        # raw threading < 2
        (
            "multi_threading_depth",
            {"relationship": {"multi_threading_depth": 1}},
            {"relationship": {"multi_threading_depth": 2}},
        ),
        # sentiment negative
        (
            "renewal_sentiment",
            {"relationship": {"renewal_sentiment": "negative"}},
            {"relationship": {"renewal_sentiment": "neutral"}},
        ),
    ],
)
def test_recommendation_trigger_line(metric, patch_fires, patch_quiet):
    text = rec_text(metric)
    assert health_of(perfect(**patch_fires)).recommendations(0) == [text]
    assert text not in health_of(perfect(**patch_quiet)).recommendations(0)


def test_open_tickets_trigger_uses_segment_maximum():
    # enterprise max 10: line at 5. 5 does not fire, 6 does.
    text = rec_text("open_tickets")
    assert text not in health_of(perfect(segment="enterprise", support={"open_tickets": 5})).recommendations(
        0
    )
    assert text in health_of(perfect(segment="enterprise", support={"open_tickets": 6})).recommendations(0)


def test_default_nps_and_threading_trigger_recommendations():
    # nps default 5 < 7 and threading default 1 < 2 both fire
    acct = perfect()
    del acct["engagement"]["nps_score"]
    del acct["relationship"]["multi_threading_depth"]
    recs = health_of(acct).recommendations(0)
    assert rec_text("nps_score") in recs
    assert rec_text("multi_threading_depth") in recs


# --------------------------------------------------------------------------- coverage


def test_coverage_all_inputs_present_is_one():
    assert float(health_of(perfect()).coverage[0]) == 1.0


def test_coverage_without_support_section():
    # coverage is the share of the model's weight supplied: support is 20% of it -> 0.8
    assert float(health_of(perfect(support=None)).coverage[0]) == pytest.approx(0.8)


def test_coverage_one_field_missing():
    acct = perfect()
    del acct["relationship"]["renewal_sentiment"]
    # relationship 25% x sentiment 0.35 = 0.0875 missing -> 0.9125
    assert float(health_of(acct).coverage[0]) == pytest.approx(0.9125)


def test_coverage_no_health_inputs_is_zero():
    acct = make_account(usage=None, engagement=None, support=None, relationship=None)
    assert float(health_of(acct).coverage[0]) == 0.0


# --------------------------------------------------------------------------- segment from ARR


@pytest.mark.parametrize(
    ("arr", "segment"),
    [
        (100_000.01, "enterprise"),  # > 100000
        (100_000, "mid-market"),  # exactly 100000 is not > 100000
        (25_000, "mid-market"),  # 25000 is mid-market
        (24_999.99, "smb"),  # < 25000
    ],
)
def test_segment_derived_from_arr(arr, segment):
    scored = score(make_account(segment=None, arr=arr))
    assert scored.table.segments == [segment]


@pytest.mark.parametrize(
    ("arr", "expected_sub"),
    [
        (150_000, 50.0),  # enterprise: 45/90
        (100_000, 56.25),  # mid-market: 45/80
        (10_000, 450 / 7),  # smb: 45/70
    ],
)
def test_derived_segment_benchmarks_are_applied(arr, expected_sub):
    acct = perfect(segment=None, arr=arr, usage={"login_frequency": 45})
    assert sub(acct, "login_frequency") == pytest.approx(expected_sub)


def test_no_segment_and_no_arr_uses_mid_market():
    # spec: "unknown or missing segment uses mid-market"; with no ARR there is nothing to derive from
    scored = score(make_account(segment=None, arr=None))
    assert scored.table.segments == ["mid-market"]


def test_given_segment_wins_over_arr():
    scored = score(make_account(segment="smb", arr=500_000))
    assert scored.table.segments == ["smb"]


# --------------------------------------------------------------------------- five-dimension profile
# weights usage 0.30, engagement 0.25, support 0.20, outcomes 0.15, relationship 0.10;
# green >= 80, yellow >= 50.
# mid-market outcome benchmarks: goals 75, kpi 15, time-to-value max 90.

FIVE = FIVE_DIMENSION_PROFILE


def test_five_dimension_weights():
    weights = {d.name: d.weight for d in FIVE.health.dimensions}
    assert weights == {
        "usage": 0.30,
        "engagement": 0.25,
        "support": 0.20,
        "outcomes": 0.15,
        "relationship": 0.10,
    }


def test_five_dimension_outcomes_scored():
    acct = perfect(
        outcomes={
            "goals_met_pct": 60,  # 60/75 = 80
            "roi_promised": 2,
            "roi_achieved": 1.6,  # 1.6/2 = 80
            "kpi_improvement_pct": 12,  # 12/15 = 80
            "time_to_value_days": 30,  # (1 - 30/90) = 66.67
        }
    )
    h = health_of(acct, FIVE)
    assert float(h.subscores["goals_met"][0]) == pytest.approx(80.0)
    assert float(h.subscores["roi_attainment"][0]) == pytest.approx(80.0)
    assert float(h.subscores["kpi_improvement"][0]) == pytest.approx(80.0)
    assert float(h.subscores["time_to_value"][0]) == pytest.approx(200 / 3)
    # 0.35*80 + 0.25*80 + 0.25*80 + 0.15*66.67 = 28 + 20 + 20 + 10 = 78.0
    assert float(h.dimensions["outcomes"][0]) == pytest.approx(78.0)
    # 0.3*100 + 0.25*100 + 0.2*100 + 0.15*78 + 0.1*100 = 85 + 11.7 = 96.7
    assert float(h.overall[0]) == pytest.approx(96.7)


def test_five_dimension_relationship_weight_is_010():
    # negative sentiment -> relationship 72; perfect outcomes 100
    # five-dim: 30 + 25 + 20 + 15 + 0.1*72 = 97.2 ; default: 30 + 25 + 20 + 0.25*72 = 93.0
    acct = perfect(relationship={"renewal_sentiment": "negative"}, outcomes=PERFECT_OUTCOMES)
    assert overall(acct, FIVE) == pytest.approx(97.2)
    assert overall(acct) == pytest.approx(93.0)


def test_five_dimension_missing_outcomes_are_no_data_and_left_out():
    # The five-dimension profile builds on default: no outcomes input -> the dimension is no data, and the
    # overall renormalises over the other four: (30 + 25 + 20 + 10) x 100 / 0.85 = 100.
    h = health_of(perfect(), FIVE)
    for metric in ("goals_met", "roi_attainment", "kpi_improvement", "time_to_value"):
        assert np.isnan(h.subscores[metric][0])
    assert np.isnan(h.dimensions["outcomes"][0])
    assert float(h.overall[0]) == pytest.approx(100.0)
    assert h.explain(0).dimensions[3].classification == "insufficient_data"


def test_five_dimension_partly_missing_outcomes_renormalise():
    # goals 60/75 = 80 is the only outcomes input: the dimension is 80 on its own (0.35 x 80 / 0.35)
    h = health_of(perfect(outcomes={"goals_met_pct": 60}), FIVE)
    assert float(h.dimensions["outcomes"][0]) == pytest.approx(80.0)
    # overall: 0.30*100 + 0.25*100 + 0.20*100 + 0.15*80 + 0.10*100 = 97
    assert float(h.overall[0]) == pytest.approx(97.0)


def test_five_dimension_roi_without_promise_is_left_out():
    # roi_achieved without roi_promised: nothing to measure against, so the sub-metric is left out
    assert np.isnan(sub(perfect(outcomes={"roi_achieved": 2}), "roi_attainment", FIVE))


def test_five_dimension_roi_with_no_promise_is_not_supplied():
    # No promise recorded (0) is not a broken promise: left out, and no coverage credit.
    account = perfect(outcomes={"roi_achieved": 2, "roi_promised": 0})
    assert np.isnan(sub(account, "roi_attainment", FIVE))
    metric = next(
        m
        for d in score(account, profile=FIVE).health.explain(0).dimensions
        for m in d.metrics
        if m.metric == "roi_attainment"
    )
    assert metric.supplied is False and metric.subscore is None and metric.value is None


def test_five_dimension_roi_over_promise_caps_at_100():
    # 3 / 2 * 100 = 150 -> 100
    assert sub(perfect(outcomes={"roi_achieved": 3, "roi_promised": 2}), "roi_attainment", FIVE) == 100.0


def test_five_dimension_negative_kpi_floors_at_zero():
    # -10 / 15 * 100 = -66.7 -> 0
    assert sub(perfect(outcomes={"kpi_improvement_pct": -10}), "kpi_improvement", FIVE) == 0.0


def test_five_dimension_time_to_value_over_max_is_zero():
    # (1 - 180/90) * 100 = -100 -> 0
    assert sub(perfect(outcomes={"time_to_value_days": 180}), "time_to_value", FIVE) == 0.0


def test_five_dimension_outcome_benchmarks_per_segment():
    # goals 40: enterprise 40/80 = 50, smb 40/70 = 57.14
    assert sub(perfect(segment="enterprise", outcomes={"goals_met_pct": 40}), "goals_met", FIVE) == 50.0
    assert sub(perfect(segment="smb", outcomes={"goals_met_pct": 40}), "goals_met", FIVE) == pytest.approx(
        400 / 7
    )


@pytest.mark.parametrize("segment", ["enterprise", "mid-market", "smb"])
def test_five_dimension_green_at_80(segment):
    # support 0 (everything at its max), rest perfect: 30 + 25 + 0 + 15 + 10 = 80.0 -> green
    maxes = {"enterprise": (10, 0.25, 72), "mid-market": (15, 0.30, 96), "smb": (20, 0.40, 120)}[segment]
    support = dict(zip(("open_tickets", "escalation_rate", "avg_resolution_hours"), maxes, strict=True))
    h = health_of(perfect(segment=segment, support=support, outcomes=PERFECT_OUTCOMES), FIVE)
    assert float(h.overall[0]) == pytest.approx(80.0)
    assert h.classification(0) == "green"


@pytest.mark.parametrize("segment", ["enterprise", "mid-market", "smb"])
def test_five_dimension_yellow_just_under_80(segment):
    # as above with usage at share 0.997 -> U = 99.7: 29.91 + 50 = 79.91 -> 79.9 -> yellow (even smb)
    maxes = {"enterprise": (10, 0.25, 72), "mid-market": (15, 0.30, 96), "smb": (20, 0.40, 120)}[segment]
    support = dict(zip(("open_tickets", "escalation_rate", "avg_resolution_hours"), maxes, strict=True))
    acct = perfect(
        segment=segment, support=support, usage=_usage_share(segment, 0.997), outcomes=PERFECT_OUTCOMES
    )
    h = health_of(acct, FIVE)
    assert float(h.overall[0]) == pytest.approx(79.9)
    assert h.classification(0) == "yellow"


def test_five_dimension_yellow_at_50_and_red_below():
    support = {"open_tickets": 15, "escalation_rate": 0.3, "avg_resolution_hours": 96}
    # usage 0, support 0, others 100: 25 + 15 + 10 = 50.0 -> yellow
    at_50 = perfect(customer_id="A", usage=ZERO_USAGE, support=support, outcomes=PERFECT_OUTCOMES)
    # exec 73/75 = 97.33 -> R = 0.35*97.33 + 30 + 35 = 99.07 -> 99.1 -> 25 + 15 + 9.91 = 49.91 -> 49.9 red
    below = perfect(
        customer_id="B",
        usage=ZERO_USAGE,
        support=support,
        outcomes=PERFECT_OUTCOMES,
        relationship={"executive_sponsor_engagement": 73},
    )
    h = score(at_50, below, profile=FIVE).health
    assert [float(x) for x in h.overall] == pytest.approx([50.0, 49.9])
    assert [h.classification(0), h.classification(1)] == ["yellow", "red"]


def test_five_dimension_coverage_counts_outcomes():
    # the outcomes dimension is 15% of the model's weight: without it, 0.85 of the weight was supplied
    assert float(health_of(perfect(), FIVE).coverage[0]) == pytest.approx(0.85)
    acct = perfect(outcomes=PERFECT_OUTCOMES)
    # roi_promised is a target, not a metric's own field: 17/17
    assert float(health_of(acct, FIVE).coverage[0]) == 1.0


def test_five_dimension_rebuilt_previous_overall_uses_five_weights():
    # previous dims: usage 80, others 100 -> 0.3*80 + 0.7*100 = 24 + 70 = 94
    # current: perfect with perfect outcomes -> 100; +6 -> improving
    acct = perfect(
        outcomes=PERFECT_OUTCOMES,
        previous_period={
            "usage_score": 80,
            "engagement_score": 100,
            "support_score": 100,
            "outcomes_score": 100,
            "relationship_score": 100,
        },
    )
    assert health_of(acct, FIVE).trend_of(0) == "improving"
