"""The reference profile reproduces the reference scripts' outputs to 0.1, number for number.

The fixtures live outside the project, in ../shared/fixtures/reference (CI has them);
where that folder is absent these tests skip and the project's own tests still run.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from customer_success_mcp.pipeline import ScoredPortfolio, score_file
from customer_success_mcp.render.reference_json import churn_report, expansion_report, health_report
from customer_success_mcp.scoring.default_profiles import REFERENCE_PROFILE

REFERENCE = Path(
    os.environ.get("CSM_REFERENCE_DIR", Path(__file__).resolve().parents[2] / "shared/fixtures/reference")
)
pytestmark = pytest.mark.skipif(
    not (REFERENCE / "sample_customer_data.json").is_file(),
    reason=f"reference fixtures not found at {REFERENCE} (set CSM_REFERENCE_DIR to run them)",
)
TOLERANCE = 0.1 + 1e-9
CHURN_DATES = ["2026-01-15", "2026-11-23"]


def expected(name: str) -> dict:
    return json.loads((REFERENCE / name).read_text())


def scored(as_of: str = "2026-11-23") -> ScoredPortfolio:
    """The reference sample under the `reference` profile, the one that reproduces the scripts."""
    return score_file(
        REFERENCE / "sample_customer_data.json", dt.date.fromisoformat(as_of), REFERENCE_PROFILE
    )


def by_id(report: dict) -> dict[str, dict]:
    return {c["customer_id"]: c for c in report["customers"]}


def close(a: float, b: float) -> bool:
    return abs(a - b) <= TOLERANCE


def assert_numbers_match(ours: object, theirs: object, path: str = "") -> None:
    """Every number in `theirs` is matched within 0.1 at the same key path in `ours`."""
    if isinstance(theirs, dict):
        assert isinstance(ours, dict), path
        for key, value in theirs.items():
            assert key in ours, f"missing key {path}.{key}"
            assert_numbers_match(ours[key], value, f"{path}.{key}")
    elif isinstance(theirs, bool | str) or theirs is None:
        return
    elif isinstance(theirs, int | float):
        assert isinstance(ours, int | float), f"{path}: {ours!r}"
        assert close(ours, theirs), f"{path}: ours {ours}, reference {theirs}"


def test_health_matches_reference():
    ref = expected("expected_health.json")
    ours = health_report(scored())
    assert_numbers_match(ours["summary"], ref["summary"], "summary")
    assert [c["customer_id"] for c in ours["customers"]] == [c["customer_id"] for c in ref["customers"]]
    for cid, theirs in by_id(ref).items():
        mine = by_id(ours)[cid]
        assert_numbers_match(mine, theirs, cid)
        assert mine["classification"] == theirs["classification"]
        for dim, values in theirs["dimensions"].items():
            assert mine["dimensions"][dim]["classification"] == values["classification"], (cid, dim)
            assert mine["dimensions"][dim]["weight"] == values["weight"]
        assert mine["trends"] == theirs["trends"], cid
        # Wording is ours; the triggers that fire must be the same ones.
        assert len(mine["recommendations"]) == len(theirs["recommendations"]), cid


@pytest.mark.parametrize("as_of", CHURN_DATES)
def test_churn_matches_reference(as_of: str):
    ref = expected(f"expected_churn.as_of_{as_of}.json")
    ours = churn_report(scored(as_of))
    assert_numbers_match(ours["summary"], ref["summary"], "summary")
    assert [c["customer_id"] for c in ours["customers"]] == [c["customer_id"] for c in ref["customers"]]
    for cid, theirs in by_id(ref).items():
        mine = by_id(ours)[cid]
        assert_numbers_match(mine, theirs, cid)
        assert (mine["risk_tier"], mine["risk_label"]) == (theirs["risk_tier"], theirs["risk_label"])
        assert mine["days_to_renewal"] == theirs["days_to_renewal"]
        assert [w["severity"] for w in mine["warning_signals"]] == [
            w["severity"] for w in theirs["warning_signals"]
        ], cid
        assert mine["recommended_actions"], cid


def test_expansion_matches_reference():
    ref = expected("expected_expansion.json")
    ours = expansion_report(scored())
    assert_numbers_match(ours["summary"], ref["summary"], "summary")
    assert [c["customer_id"] for c in ours["customers"]] == [c["customer_id"] for c in ref["customers"]]
    for cid, theirs in by_id(ref).items():
        mine = by_id(ours)[cid]
        assert_numbers_match(mine["adoption_summary"], theirs["adoption_summary"], f"{cid}.adoption")
        assert mine["adoption_summary"]["current_tier"] == theirs["adoption_summary"]["current_tier"]
        assert_numbers_match(mine["total_estimated_revenue"], theirs["total_estimated_revenue"], cid)
        assert mine["opportunity_count"] == theirs["opportunity_count"]

        def key(o: dict) -> tuple:
            return (o["category"], o.get("target_tier") or o.get("module") or o.get("department"))

        mine_opps = [(key(o), o["estimated_revenue"], o["priority_score"], o["type"], o["effort"])
                     for o in mine["opportunities"]]  # fmt: skip
        their_opps = [(key(o), o["estimated_revenue"], o["priority_score"], o["type"], o["effort"])
                      for o in theirs["opportunities"]]  # fmt: skip
        assert mine_opps == their_opps, cid


def test_reference_keys_are_kept():
    """Existing pipelines read these keys; additions are fine, removals are not."""
    for name, ours in [
        ("expected_health.json", health_report(scored())),
        ("expected_expansion.json", expansion_report(scored())),
        ("expected_churn.as_of_2026-11-23.json", churn_report(scored())),
    ]:
        ref = expected(name)
        assert ours["report"] == ref["report"]
        assert set(ref["summary"]) <= set(ours["summary"])
        for theirs, mine in zip(ref["customers"], ours["customers"], strict=True):
            assert set(theirs) <= set(mine), name
