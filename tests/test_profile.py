"""Scoring profiles: the built-ins validate, TOML overrides apply, bad overrides say where."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import make_account, score
from customer_success_mcp.profiles import load_profile, profile_from_overrides
from customer_success_mcp.scoring.default_profiles import (
    BUILTIN_PROFILES,
    DEFAULT_PROFILE,
    FIVE_DIMENSION_PROFILE,
    build_profile,
)
from customer_success_mcp.scoring.profile import Profile, ProfileError

# An account whose four health dimensions all score differently, so weights matter.
UNEVEN = make_account(
    customer_id="U-1",
    usage={"login_frequency": 40, "feature_adoption": 35, "dau_mau_ratio": 0.1},
    engagement={"support_ticket_volume": 2, "meeting_attendance": 85, "nps_score": 8, "csat_score": 4.0},
    support={"open_tickets": 6, "escalation_rate": 0.15, "avg_resolution_hours": 48},
    relationship={
        "executive_sponsor_engagement": 60,
        "multi_threading_depth": 2,
        "renewal_sentiment": "neutral",
    },
)


def write(tmp_path: Path, text: str, name: str = "profile.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def weights(profile: Profile) -> dict[str, float]:
    return {d.name: d.weight for d in profile.health.dimensions}


# --- built-in profiles


@pytest.mark.parametrize("profile", [DEFAULT_PROFILE, FIVE_DIMENSION_PROFILE], ids=["default", "five"])
def test_builtin_profile_validates(profile: Profile) -> None:
    again = Profile.model_validate(profile.model_dump())
    assert again == profile
    assert abs(sum(weights(profile).values()) - 1) < 1e-9
    for dim in profile.health.dimensions:
        assert abs(sum(m.weight for m in dim.metrics) - 1) < 1e-9
    assert abs(sum(c.weight for c in profile.churn.categories) - 1) < 1e-9
    assert profile.default_segment in profile.segments
    for seg in profile.segments.values():
        assert seg.yellow_min <= seg.green_min


def test_builtin_profiles_are_registered() -> None:
    assert BUILTIN_PROFILES["default"] is DEFAULT_PROFILE
    assert BUILTIN_PROFILES["five_dimension"] is FIVE_DIMENSION_PROFILE
    assert DEFAULT_PROFILE.name == "default"
    assert FIVE_DIMENSION_PROFILE.name == "five_dimension"


def test_builtin_dimensions() -> None:
    assert list(weights(DEFAULT_PROFILE)) == ["usage", "engagement", "support", "relationship"]
    five = weights(FIVE_DIMENSION_PROFILE)
    assert set(five) == {"usage", "engagement", "support", "outcomes", "relationship"}
    assert five["outcomes"] == 0.15 and five["relationship"] == 0.10


def test_load_profile_none_is_default() -> None:
    assert load_profile(None) is DEFAULT_PROFILE


def test_empty_toml_is_the_default_model(tmp_path: Path) -> None:
    profile = load_profile(write(tmp_path, "", "mine.toml"))
    assert profile.name == "mine"
    assert profile.health == DEFAULT_PROFILE.health
    assert profile.segments == DEFAULT_PROFILE.segments


# --- overrides that work


def test_dimension_weight_override_changes_scores(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "[health.dimensions.usage]\nweight = 0.35\n\n[health.dimensions.engagement]\nweight = 0.20\n",
    )
    profile = load_profile(path)
    assert weights(profile) == {"usage": 0.35, "engagement": 0.20, "support": 0.20, "relationship": 0.25}
    # Only the weights changed: metrics and benchmarks are the default ones.
    for mine, base in zip(profile.health.dimensions, DEFAULT_PROFILE.health.dimensions, strict=True):
        assert mine.metrics == base.metrics

    default = score(UNEVEN)
    custom = score(UNEVEN, profile=profile)
    dims = {name: float(default.health.dimensions[name][0]) for name in weights(DEFAULT_PROFILE)}
    # Dimension scores do not depend on dimension weights...
    for name, value in dims.items():
        assert float(custom.health.dimensions[name][0]) == value
    # ...the overall score is their weighted sum with the new weights.
    expected = sum(dims[name] * w for name, w in weights(profile).items())
    assert float(custom.health.overall[0]) == pytest.approx(round(expected, 1), abs=0.051)
    default_expected = sum(dims[name] * w for name, w in weights(DEFAULT_PROFILE).items())
    assert float(default.health.overall[0]) == pytest.approx(round(default_expected, 1), abs=0.051)
    # Usage is this account's weakest dimension and engagement its strongest: the score drops.
    assert dims["usage"] < dims["engagement"]
    assert float(custom.health.overall[0]) < float(default.health.overall[0])


def test_base_five_dimension_selects_that_profile(tmp_path: Path) -> None:
    profile = load_profile(write(tmp_path, 'base = "five_dimension"\n', "five.toml"))
    assert weights(profile) == weights(FIVE_DIMENSION_PROFILE)
    assert profile.health == FIVE_DIMENSION_PROFILE.health
    assert profile.segments == FIVE_DIMENSION_PROFILE.segments
    scored = score(UNEVEN, profile=profile)
    assert "outcomes" in scored.health.dimensions
    builtin = score(UNEVEN, profile=FIVE_DIMENSION_PROFILE)
    assert float(scored.health.overall[0]) == float(builtin.health.overall[0])
    assert float(scored.health.overall[0]) != float(score(UNEVEN).health.overall[0])


def test_override_on_five_dimension_base(tmp_path: Path) -> None:
    text = 'base = "five_dimension"\n[health.dimensions.outcomes]\nweight = 0.20\n'
    text += "[health.dimensions.relationship]\nweight = 0.05\n"
    profile = load_profile(write(tmp_path, text))
    assert weights(profile)["outcomes"] == 0.20 and weights(profile)["relationship"] == 0.05


def test_segment_benchmark_override_changes_that_segments_subscores(tmp_path: Path) -> None:
    path = write(tmp_path, "[segments.mid-market.benchmarks]\nlogin_frequency_target = 40\n")
    profile = load_profile(path)
    assert profile.segments["mid-market"].benchmarks["login_frequency_target"] == 40
    assert profile.segments["smb"] == DEFAULT_PROFILE.segments["smb"]
    mid = make_account(customer_id="mid", segment="mid-market", usage={"login_frequency": 40})
    smb = make_account(customer_id="smb", segment="smb", arr=10_000, usage={"login_frequency": 35})
    before = score(mid, smb)
    after = score(mid, smb, profile=profile)
    login_before = before.health.subscores["login_frequency"]
    login_after = after.health.subscores["login_frequency"]
    assert float(login_before[0]) == 50.0  # 40 of the default target 80
    assert float(login_after[0]) == 100.0  # 40 of the new target 40
    assert float(login_before[1]) == float(login_after[1]) == 50.0  # smb: 35 of 70, unchanged
    assert float(after.health.overall[0]) > float(before.health.overall[0])
    assert float(after.health.overall[1]) == float(before.health.overall[1])


def test_segment_threshold_override_changes_classification(tmp_path: Path) -> None:
    before = score(UNEVEN).health
    overall = float(before.overall[0])
    assert overall < 99
    assert before.classification(0) == ("green" if overall >= 70 else "yellow" if overall >= 45 else "red")
    text = f"[segments.mid-market]\ngreen_min = {overall + 1:g}\nyellow_min = {overall:g}\n"
    profile = load_profile(write(tmp_path, text))
    assert score(UNEVEN, profile=profile).health.classification(0) == "yellow"
    text = f"[segments.mid-market]\ngreen_min = {overall + 1:g}\nyellow_min = {overall + 0.5:g}\n"
    profile = load_profile(write(tmp_path, text, "red.toml"))
    assert score(UNEVEN, profile=profile).health.classification(0) == "red"


def tier_upgrade(profile: Profile | None, plan: str = "professional") -> tuple[str | None, float]:
    account = make_account(arr=90_000, contract={"plan_tier": plan})
    detail = score(account, profile=profile).expansion.explain(0)
    upgrades = [o for o in detail.opportunities if o.category == "tier_upgrade"]
    assert len(upgrades) <= 1
    if not upgrades:
        return None, 0.0
    return upgrades[0].target_tier, upgrades[0].estimated_revenue


def test_default_tier_ladder() -> None:
    # professional 1.8 -> enterprise 3.0: 90,000 / 1.8 * 3.0 - 90,000
    assert tier_upgrade(None) == ("enterprise", 60_000)
    assert tier_upgrade(None, "enterprise_plus") == (None, 0.0)


def test_tier_multiplier_override_changes_upgrade_revenue(tmp_path: Path) -> None:
    profile = load_profile(write(tmp_path, "[expansion.tier_multipliers]\nenterprise = 2.4\n"))
    assert profile.expansion.tier_multipliers["enterprise"] == 2.4
    assert profile.expansion.tier_multipliers["professional"] == 1.8
    assert tier_upgrade(profile) == ("enterprise", 30_000)


def test_tier_added_to_ladder_is_the_next_step(tmp_path: Path) -> None:
    profile = load_profile(write(tmp_path, "[expansion.tier_multipliers]\ngold = 2.0\n"))
    assert tier_upgrade(profile) == ("gold", 10_000)
    # The top of the ladder is still the top.
    top = load_profile(write(tmp_path, "[expansion.tier_multipliers]\nplatinum = 9.0\n", "top.toml"))
    assert tier_upgrade(top, "enterprise_plus") == ("platinum", 90_000 / 4.5 * 9.0 - 90_000)


def test_build_profile_adds_a_segment() -> None:
    strategic = DEFAULT_PROFILE.segments["enterprise"].model_dump()
    strategic.update(label="Strategic", aliases=[], arr_floor=5_000_000)
    profile = build_profile({"segments": {"strategic": strategic}})
    assert set(profile.segments) == {"enterprise", "mid-market", "smb", "strategic"}
    assert profile.segment_aliases()["strategic"] == "strategic"


# --- overrides that fail, naming the key


BAD_PROFILES = {
    "weights_not_summing": (
        "[health.dimensions.usage]\nweight = 0.5\n",
        ["health", "weights must sum to 1", "usage=0.5"],
    ),
    "metric_weights_not_summing": (
        "[health.dimensions.usage.metrics.login_frequency]\nweight = 0.9\n",
        ["health.dimensions", "usage", "must sum to 1"],
    ),
    "churn_weights_not_summing": (
        "[churn.categories.usage_decline]\nweight = 0.5\n",
        ["churn", "category weights must sum to 1", "usage_decline=0.5"],
    ),
    "yellow_above_green": (
        "[segments.smb]\nyellow_min = 90\n",
        ["segments.smb", "yellow_min", "green_min"],
    ),
    "negative_benchmark": (
        "[segments.enterprise.benchmarks]\nnps_target = -1\n",
        ["segments.enterprise", "nps_target"],
    ),
    "green_min_over_100": (
        "[segments.smb]\ngreen_min = 120\n",
        ["segments.smb.green_min"],
    ),
    "typo_in_health": (
        "[health]\ntrend_delt = 3\n",
        ["health.trend_delt"],
    ),
    "typo_at_top_level": (
        "[segmnets.smb]\ngreen_min = 60\n",
        ["segmnets"],
    ),
    "typo_in_segment": (
        "[segments.smb]\ngreen_minimum = 60\n",
        ["segments.smb.green_minimum"],
    ),
    "typo_in_dimension": (
        "[health.dimensions.usage]\nwieght = 0.30\n",
        ["health.dimensions", "wieght"],
    ),
    "negative_trend_delta": (
        "[health]\ntrend_delta = -1\n",
        ["health.trend_delta"],
    ),
    "wrong_type": (
        '[health]\ntrend_delta = "big"\n',
        ["health.trend_delta"],
    ),
    "unknown_dimension": (
        "[health.dimensions.usag]\nweight = 0.30\n",
        ["health.dimensions.usag", "no such dimension", "usage"],
    ),
    "unknown_metric": (
        "[health.dimensions.usage.metrics.logins]\nweight = 0.35\n",
        ["health.dimensions.usage.metrics.logins", "no such metric", "login_frequency"],
    ),
    "unknown_base": (
        'base = "six_dimension"\n',
        ["base", "six_dimension", "default", "five_dimension"],
    ),
    "default_segment_unknown": (
        'default_segment = "galaxy"\n',
        ["default_segment", "galaxy"],
    ),
    "tier_multiplier_zero": (
        "[expansion.tier_multipliers]\nstarter = 0\n",
        ["expansion", "tier_multipliers", "starter"],
    ),
}


@pytest.mark.parametrize("case", list(BAD_PROFILES))
def test_bad_profile_raises_profile_error_naming_the_key(tmp_path: Path, case: str) -> None:
    text, words = BAD_PROFILES[case]
    path = write(tmp_path, text)
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    message = str(info.value)
    assert str(path) in message
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    assert "\n" not in message


# Values of the wrong shape where the override expects a table: still a ProfileError.
NOT_A_TABLE = {
    "dimension_not_a_table": ("[health.dimensions]\nusage = 5\n", "health.dimensions.usage"),
    "dimensions_not_a_table": ("[health]\ndimensions = 5\n", "health.dimensions"),
    "metric_not_a_table": (
        "[health.dimensions.usage.metrics]\nlogin_frequency = 5\n",
        "health.dimensions.usage.metrics.login_frequency",
    ),
    "base_not_text": ('base = ["default"]\n', "base"),
    "segments_not_a_table": ("segments = 5\n", "segments"),
    "benchmarks_not_a_table": ("[segments.smb]\nbenchmarks = 5\n", "segments.smb.benchmarks"),
}


@pytest.mark.parametrize("case", list(NOT_A_TABLE))
def test_value_of_wrong_shape_raises_profile_error(tmp_path: Path, case: str) -> None:
    text, key = NOT_A_TABLE[case]
    with pytest.raises(ProfileError) as info:
        load_profile(write(tmp_path, text))
    assert key in str(info.value)


def test_invalid_toml_raises_profile_error(tmp_path: Path) -> None:
    path = write(tmp_path, "[health\ntrend_delta = 3\n")
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    message = str(info.value)
    assert str(path) in message and "not valid TOML" in message and "line 1" in message


def test_missing_profile_file_raises_profile_error(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    assert "not found" in str(info.value) and str(path) in str(info.value)


def test_profile_directory_raises_profile_error(tmp_path: Path) -> None:
    with pytest.raises(ProfileError):
        load_profile(tmp_path)


def test_build_profile_unknown_base() -> None:
    with pytest.raises(ProfileError, match="base"):
        build_profile({"base": "nope"})


def test_profile_error_is_a_value_error() -> None:
    assert issubclass(ProfileError, ValueError)


def test_builtin_profiles_are_not_mutated_by_overrides(tmp_path: Path) -> None:
    before = DEFAULT_PROFILE.model_dump()
    load_profile(
        write(
            tmp_path,
            "[health.dimensions.usage]\nweight = 0.35\n[health.dimensions.engagement]\nweight = 0.2\n",
        )
    )
    load_profile(write(tmp_path, "[segments.smb.benchmarks]\nnps_target = 9\n", "b.toml"))
    load_profile(write(tmp_path, "[expansion.tier_multipliers]\ngold = 2.0\n", "c.toml"))
    assert DEFAULT_PROFILE.model_dump() == before


def test_a_profile_naming_an_input_the_contract_lacks_is_refused_with_its_key():
    overrides = {
        "health": {"dimensions": {"usage": {"metrics": {"login_frequency": {"field": "usage.logins"}}}}}
    }
    with pytest.raises(
        ProfileError, match=r"metrics\.login_frequency\.field: 'usage\.logins' is not an input"
    ):
        profile_from_overrides(overrides, "mine.toml")
    # The engine alone builds it (it knows nothing of the data contract); the loader checks it.
    assert build_profile(overrides).health.dimensions[0].metrics[0].field == "usage.logins"


def test_a_playbook_step_answering_an_input_the_contract_lacks_is_refused_with_its_key():
    step = {"text": "Call them", "owner": "CSM", "within_days": 3, "effort_hours": 1.0}
    good = {"interventions": {"low": {"steps": [{**step, "answers": ["usage.login_frequency"]}]}}}
    assert profile_from_overrides(good, "mine.toml").interventions["low"].steps[0].answers == [
        "usage.login_frequency"
    ]
    bad = {"interventions": {"low": {"steps": [{**step, "answers": ["usage.logins"]}]}}}
    with pytest.raises(
        ProfileError, match=r"interventions\.low\.steps\[0\]\.answers: 'usage\.logins' is not an input"
    ):
        profile_from_overrides(bad, "mine.toml")
