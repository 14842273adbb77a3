"""`csm` end to end: reference JSON shapes, dates, text width, the report, validate, errors."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import make_account
from customer_success_mcp.cli import main

REFERENCE = Path(
    os.environ.get("CSM_REFERENCE_DIR", Path(__file__).resolve().parents[2] / "shared/fixtures/reference")
)
SAMPLE = REFERENCE / "sample_customer_data.json"
needs_reference = pytest.mark.skipif(not SAMPLE.is_file(), reason=f"reference fixtures not at {REFERENCE}")
AS_OF = "2026-11-23"
CSM = shutil.which("csm", path=str(Path(sys.executable).parent)) or str(Path(sys.executable).parent / "csm")


def run(capsys: pytest.CaptureFixture[str], *argv: Any) -> tuple[int, str, str]:
    """main() in-process: (exit code, stdout, stderr)."""
    capsys.readouterr()
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: Any) -> dict[str, Any]:
    rc, out, err = run(capsys, *argv, "--format", "json")
    assert rc == 0, err
    return json.loads(out)


def usage_error(capsys: pytest.CaptureFixture[str], *argv: Any) -> tuple[int, str]:
    """A usage error: SystemExit with a non-zero code and one line on stderr naming the fix."""
    capsys.readouterr()
    with pytest.raises(SystemExit) as info:
        main([str(a) for a in argv])
    _, err = capsys.readouterr()
    code = info.value.code
    assert code not in (0, None)
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    assert "error:" in err and "--help" in err
    return int(code), err  # type: ignore[arg-type]


def assert_one_error_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {lines!r}"
    assert lines[0].startswith("csm: error:"), lines[0]
    assert "Traceback" not in err
    return lines[0]


def write_portfolio(path: Path, accounts: list[Any], **extra: Any) -> Path:
    path.write_text(json.dumps({**extra, "customers": accounts}, indent=1), encoding="utf-8")
    return path


# --- a realistic portfolio built from make_account variations

NAMES = [
    "Acme Corporation",
    "Northwind Traders International",
    "Globex Health Systems",
    "Initech Financial Services",
    "Umbrella Pharmaceuticals Europe",
    "Stark Industries",
    "Wayne Enterprises Logistics",
    "Cyberdyne Systems",
    "Soylent Foods",
    "Hooli",
    "Vandelay Industries Import Export",
    "Pied Piper",
    "Massive Dynamic Research Labs",
    "Tyrell Corporation",
    "Oscorp Biotech",
    "Wonka Confectionery Worldwide",
    "Gringotts Bank",
    "Monarch Solutions",
    "Aperture Science Laboratories",
    "Black Mesa",
    "Dunder Mifflin Paper",
    "Prestige Worldwide",
    "Sterling Cooper Draper Pryce",
    "Bluth Company",
    "Los Pollos Hermanos",
    "Gekko and Company Capital Partners",
    "Nakatomi Trading",
    "Weyland-Yutani Corporation",
    "Duff Brewing",
    "Kramerica",
]
SEGMENTS = ["enterprise", "Mid-Market", "SMB", "mid_market", "Enterprise", None]
TIERS = [None, "starter", "professional", "enterprise", "enterprise_plus"]
SENTIMENTS = ["positive", "neutral", "negative", "Positive", "unknown"]
CONTRACTS = ["annual", "multi-year", "quarterly", "month-to-month", "Month_to_Month"]
MODULES = ["core_platform", "analytics_module", "integrations_module", "api_access", "security_module"]


def realistic_accounts(count: int = 30) -> list[dict[str, Any]]:
    as_of = dt.date.fromisoformat(AS_OF)
    accounts = []
    for i in range(count):
        level = (i * 37) % 100  # a spread of good and bad accounts
        bad = 100 - level
        segment = SEGMENTS[i % len(SEGMENTS)]
        arr = [450_000, 60_000, 12_000, 38_000, 180_000, 8_500][i % 6] + 1_000 * i
        end = as_of + dt.timedelta(days=(i * 23) % 400 - 30)
        tier = TIERS[i % len(TIERS)]
        account = make_account(
            customer_id=f"CUST-{1000 + i}",
            name=NAMES[i],
            segment=segment,
            arr=arr,
            contract_end_date=end.isoformat(),
            usage={
                "login_frequency": level,
                "feature_adoption": max(level - 10, 0),
                "dau_mau_ratio": round(level / 200, 2),
            },
            engagement={
                "support_ticket_volume": bad // 10,
                "meeting_attendance": min(level + 20, 100),
                "nps_score": level // 10,
                "csat_score": round(level / 20, 1),
            },
            support={
                "open_tickets": bad // 5,
                "escalation_rate": round(bad / 250, 2),
                "avg_resolution_hours": bad * 1.5,
            },
            relationship={
                "executive_sponsor_engagement": level,
                "multi_threading_depth": 1 + level // 20,
                "renewal_sentiment": SENTIMENTS[i % len(SENTIMENTS)],
            },
            previous_period={
                "usage_score": (level + 20) % 100,
                "engagement_score": 60,
                "support_score": 70,
                "relationship_score": (level + 50) % 100,
            },
            usage_decline={
                "login_trend": -(bad // 3),
                "feature_adoption_change": -(bad // 6),
                "dau_mau_change": -round(bad / 1000, 2),
            },
            engagement_drop={
                "meeting_cancellations": bad // 30,
                "response_time_days": 1 + bad // 15,
                "nps_change": -(bad // 25),
            },
            support_issues={
                "open_escalations": bad // 40,
                "unresolved_critical": bad // 45,
                "satisfaction_trend": ["improving", "stable", "declining", "critical"][i % 4],
            },
            relationship_signals={
                "champion_left": i % 7 == 3,
                "sponsor_change": i % 5 == 2,
                "competitor_mentions": bad // 25,
            },
            commercial_factors={
                "contract_type": CONTRACTS[i % len(CONTRACTS)],
                "pricing_complaints": i % 4 == 1,
                "budget_cuts_mentioned": i % 6 == 5,
            },
            contract={
                "licensed_seats": 50 + i * 10,
                "active_seats": int((50 + i * 10) * min(0.5 + level / 100, 1.0)),
                **({"plan_tier": tier} if tier else {}),
            },
            product_usage={
                m: {"adopted": (i + j) % 3 != 0, "usage_pct": (level + 13 * j) % 100}
                for j, m in enumerate(MODULES[: 2 + i % 4])
            },
            departments={
                "current": ["engineering", "product", "customer support"][: 1 + i % 3],
                "potential": ["marketing", "sales", "finance", "operations"][: i % 5],
            },
        )
        accounts.append(account)
    return accounts


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_portfolio(tmp_path_factory.mktemp("cli") / "portfolio.json", realistic_accounts())


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    """Four accounts, two of them bad."""
    accounts = [
        make_account(customer_id="good-1"),
        make_account(customer_id="bad-1", usage={"login_frequency": 140}),
        make_account(customer_id="good-2", segment="SMB", arr=9_000),
        make_account(customer_id="bad-2", relationship_signals={"champion_left": "yes"}),
    ]
    return write_portfolio(tmp_path / "mixed.json", accounts)


# --- reference JSON shapes


def assert_has_reference_keys(ours: Any, theirs: Any, path: str = "") -> None:
    """Every key of the reference output is present in ours, recursively (first list item)."""
    if isinstance(theirs, dict):
        assert isinstance(ours, dict), f"{path}: {type(ours).__name__}"
        for key, value in theirs.items():
            assert key in ours, f"missing {path}.{key}"
            assert_has_reference_keys(ours[key], value, f"{path}.{key}")
    elif isinstance(theirs, list) and theirs and isinstance(theirs[0], dict):
        assert isinstance(ours, list), path
        # Compare like with like: the list items of ours that carry the reference item's keys.
        for item in ours:
            assert isinstance(item, dict), path


REFERENCE_FILES = {
    "health": "expected_health.json",
    "churn": f"expected_churn.as_of_{AS_OF}.json",
    "expansion": "expected_expansion.json",
}


@needs_reference
@pytest.mark.parametrize("command", list(REFERENCE_FILES))
def test_scorer_json_keeps_reference_shape(capsys: pytest.CaptureFixture[str], command: str) -> None:
    ours = run_json(capsys, command, SAMPLE, "--as-of", AS_OF)
    theirs = json.loads((REFERENCE / REFERENCE_FILES[command]).read_text())
    assert ours["report"] == theirs["report"]
    assert ours["as_of"] == AS_OF
    assert ours["summary"]["total_customers"] == theirs["summary"]["total_customers"] == 4
    for key, value in theirs["summary"].items():
        assert key in ours["summary"] and type(ours["summary"][key]) in (int, float, type(value))
    ours_by_id = {c["customer_id"]: c for c in ours["customers"]}
    assert set(ours_by_id) == {c["customer_id"] for c in theirs["customers"]}
    for ref in theirs["customers"]:
        mine = ours_by_id[ref["customer_id"]]
        for key in ("customer_id", "name", "segment", "arr"):
            assert mine[key] == ref[key], key
        assert_has_reference_keys(mine, ref, ref["customer_id"])
        for key, value in ref.items():
            if isinstance(value, list) and value and isinstance(value[0], dict):
                for mine_item in mine[key]:
                    assert set(value[0]) - {"target_tier"} <= set(mine_item) | {"target_tier"}


@pytest.mark.parametrize("command", ["health", "churn", "expansion"])
def test_scorer_json_on_realistic_file(
    capsys: pytest.CaptureFixture[str], portfolio: Path, command: str
) -> None:
    data = run_json(capsys, command, portfolio, "--as-of", AS_OF)
    assert data["as_of"] == AS_OF
    assert data["summary"]["total_customers"] == 30 == len(data["customers"])
    for customer in data["customers"]:
        assert {"customer_id", "name", "segment", "arr"} <= set(customer)
        assert customer["segment"] in ("enterprise", "mid-market", "smb")
    per_scorer = {
        "health": {"overall_score", "classification", "dimensions", "trends", "recommendations"},
        "churn": {
            "risk_score",
            "raw_score",
            "risk_tier",
            "risk_label",
            "urgency_multiplier",
            "days_to_renewal",
            "signal_scores",
            "warning_signals",
            "recommended_actions",
        },
        "expansion": {"adoption_summary", "total_estimated_revenue", "opportunity_count", "opportunities"},
    }[command]
    for customer in data["customers"]:
        assert per_scorer <= set(customer), per_scorer - set(customer)


@pytest.mark.parametrize("command", ["health", "churn", "expansion"])
def test_as_of_is_echoed(capsys: pytest.CaptureFixture[str], portfolio: Path, command: str) -> None:
    assert run_json(capsys, command, portfolio, "--as-of", "2026-03-01")["as_of"] == "2026-03-01"


# --- the scoring date


def churn_days(data: dict[str, Any]) -> dict[str, int | None]:
    return {c["customer_id"]: c["days_to_renewal"] for c in data["customers"]}


def test_as_of_changes_churn_days(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write_portfolio(
        tmp_path / "p.json", [make_account(customer_id="R", contract_end_date="2027-03-01")]
    )
    early = run_json(capsys, "churn", path, "--as-of", "2026-12-01")
    late = run_json(capsys, "churn", path, "--as-of", "2027-02-01")
    assert churn_days(early) == {"R": 90}
    assert churn_days(late) == {"R": 28}
    # Closer to renewal, the urgency multiplier grows (1.2 within 90 days, 1.5 within 30).
    assert early["customers"][0]["urgency_multiplier"] == 1.2
    assert late["customers"][0]["urgency_multiplier"] == 1.5


def test_file_as_of_is_used_when_no_flag(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    account = make_account(customer_id="R", contract_end_date="2027-03-01")
    path = write_portfolio(tmp_path / "p.json", [account], as_of="2026-12-01")
    data = run_json(capsys, "churn", path)
    assert data["as_of"] == "2026-12-01"
    assert churn_days(data) == {"R": 90}
    # The flag wins over the file.
    flagged = run_json(capsys, "churn", path, "--as-of", "2027-01-30")
    assert flagged["as_of"] == "2027-01-30"
    assert churn_days(flagged) == {"R": 30}
    report = run_json(capsys, "report", path)
    assert report["as_of"] == "2026-12-01"


def test_file_as_of_that_is_not_a_date_is_one_error_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_portfolio(tmp_path / "p.json", [make_account()], as_of="next tuesday")
    rc, out, err = run(capsys, "health", path)
    assert rc != 0 and out == ""
    line = assert_one_error_line(err)
    assert "as_of" in line and "next tuesday" in line


# --- text output fits 80 columns


@pytest.mark.parametrize("command", ["health", "churn", "expansion", "report"])
def test_text_output_fits_80_columns(
    capsys: pytest.CaptureFixture[str], portfolio: Path, command: str
) -> None:
    rc, out, err = run(capsys, command, portfolio, "--as-of", AS_OF)
    assert rc == 0, err
    assert err == ""
    lines = out.splitlines()
    assert len(lines) > 10
    long = [(len(line), line) for line in lines if len(line) > 80]
    assert not long, "\n".join(f"{n}: {line}" for n, line in long)


@pytest.mark.parametrize("command", ["health", "churn", "expansion"])
def test_text_output_names_accounts(
    capsys: pytest.CaptureFixture[str], portfolio: Path, command: str
) -> None:
    rc, out, _ = run(capsys, command, portfolio, "--as-of", AS_OF)
    assert rc == 0
    assert AS_OF in out
    assert "CUST-10" in out


def test_text_limit(capsys: pytest.CaptureFixture[str], portfolio: Path) -> None:
    rc, full, _ = run(capsys, "churn", portfolio, "--as-of", AS_OF)
    rc2, limited, _ = run(capsys, "churn", portfolio, "--as-of", AS_OF, "--limit", "3")
    assert rc == rc2 == 0
    count = lambda text: sum(1 for line in text.splitlines() if line.startswith("CUST-"))  # noqa: E731
    assert count(full) == 30 and count(limited) == 3


# --- csm report

REPORT_KEYS = {
    "by_health",
    "by_risk_tier",
    "by_segment",
    "renewals",
    "at_risk_accounts",
    "expansion_ready",
    "actions",
    "targets",
    "data_quality",
}


def test_report_json(capsys: pytest.CaptureFixture[str], portfolio: Path) -> None:
    data = run_json(capsys, "report", portfolio, "--as-of", AS_OF)
    assert set(data) >= REPORT_KEYS
    assert data["as_of"] == AS_OF
    assert data["accounts"] == 30
    assert sum(b["accounts"] for b in data["by_health"]) == 30
    assert sum(b["accounts"] for b in data["by_risk_tier"]) == 30
    assert sum(b["accounts"] for b in data["by_segment"]) == 30
    assert data["data_quality"]["total"] == 30 and data["data_quality"]["rejected"] == 0


def test_report_text(capsys: pytest.CaptureFixture[str], portfolio: Path) -> None:
    rc, out, err = run(capsys, "report", portfolio, "--as-of", AS_OF)
    assert rc == 0 and err == ""
    for heading in (
        "PORTFOLIO REPORT",
        "Health",
        "Churn risk",
        "Segments",
        "Renewals",
        "Recommended actions",
    ):
        assert heading in out
    assert AS_OF in out


def test_report_markdown(capsys: pytest.CaptureFixture[str], portfolio: Path) -> None:
    rc, out, err = run(capsys, "report", portfolio, "--as-of", AS_OF, "--format", "markdown")
    assert rc == 0 and err == ""
    assert out.startswith("# ")
    assert "| Health |" in out and "|---|" in out
    assert AS_OF in out


def test_renewal_window_changes_renewals(capsys: pytest.CaptureFixture[str], portfolio: Path) -> None:
    short = run_json(capsys, "report", portfolio, "--as-of", AS_OF, "--renewal-window", "30")
    long = run_json(capsys, "report", portfolio, "--as-of", AS_OF, "--renewal-window", "365")
    assert short["renewals"]["days"] == 30 and long["renewals"]["days"] == 365
    assert short["renewals"]["ends_on"] == "2026-12-23"
    assert short["renewals"]["accounts"] < long["renewals"]["accounts"]
    assert short["renewals"]["arr"] < long["renewals"]["arr"]
    # End dates in the file run from as_of - 30 to as_of + 369 days.
    ends = [dt.date.fromisoformat(a["contract_end_date"]) for a in realistic_accounts()]
    as_of = dt.date.fromisoformat(AS_OF)
    for window, data in ((30, short), (365, long)):
        expected = sum(0 <= (end - as_of).days <= window for end in ends)
        assert data["renewals"]["accounts"] == expected


# --- csm validate


def test_validate_all_accepted_exits_0(capsys: pytest.CaptureFixture[str], portfolio: Path) -> None:
    rc, out, _ = run(capsys, "validate", portfolio)
    assert rc == 0
    assert "30 accounts, 30 accepted, 0 rejected" in out
    assert "rejected #" not in out


def test_validate_some_rejected_exits_1(capsys: pytest.CaptureFixture[str], mixed: Path) -> None:
    rc, out, _ = run(capsys, "validate", mixed)
    assert rc == 1
    assert "4 accounts, 2 accepted, 2 rejected" in out
    lines = [line for line in out.splitlines() if "rejected #" in line]
    assert len(lines) == 2
    first, second = lines
    assert "#1" in first and "bad-1" in first and "usage.login_frequency" in first and "140" in first
    assert "#3" in second and "bad-2" in second and "relationship_signals.champion_left" in second
    assert "true or false" in second


def test_validate_json(capsys: pytest.CaptureFixture[str], mixed: Path) -> None:
    rc, out, _ = run(capsys, "validate", mixed, "--format", "json")
    assert rc == 1
    report = json.loads(out)
    assert (report["total"], report["accepted"], report["rejected"]) == (4, 2, 2)
    assert [(r["index"], r["customer_id"]) for r in report["rejections"]] == [(1, "bad-1"), (3, "bad-2")]


def test_validate_all_rejected_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write_portfolio(tmp_path / "bad.json", [make_account(name=""), 5])
    rc, out, _ = run(capsys, "validate", path)
    assert rc == 2
    assert "2 accounts, 0 accepted, 2 rejected" in out
    assert "(no id)" in out


@pytest.mark.parametrize("content", [None, '{"customers": [', '{"customers": []}', "[1, 2"])
def test_validate_unusable_file_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str | None
) -> None:
    path = tmp_path / "f.json"
    if content is not None:
        path.write_text(content)
    rc, out, err = run(capsys, "validate", path)
    assert rc == 2 and out == ""
    assert_one_error_line(err)


def test_validate_uses_profile_segments(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = write_portfolio(tmp_path / "p.json", [make_account(segment="strategic")])
    assert run(capsys, "validate", path)[0] == 2
    toml = tmp_path / "strategic.toml"
    toml.write_text(
        '[segments.strategic]\nlabel = "Strategic"\narr_floor = 10000000\ngreen_min = 80\nyellow_min = 55\n'
        "seat_expansion_factor = 0.3\nreview_every_days = 7\n"
        "[segments.strategic.benchmarks]\n" + "".join(f"{k} = {v}\n" for k, v in make_benchmarks().items())
    )
    rc, out, err = run(capsys, "validate", path, "--profile", toml)
    assert rc == 0, out + err


def make_benchmarks() -> dict[str, float]:
    from customer_success_mcp.scoring.default_profiles import DEFAULT_PROFILE

    return dict(DEFAULT_PROFILE.segments["enterprise"].benchmarks)


# --- failures: one line on stderr, never a traceback


def failure_cases(tmp: Path) -> dict[str, list[Any]]:
    good = write_portfolio(tmp / "good.json", [make_account()])
    (tmp / "invalid.json").write_text('{"customers": [\n  {"customer_id": "A", "name": "B",}\n]}')
    (tmp / "empty.json").write_text('{"customers": []}')
    (tmp / "notlist.json").write_text('{"customers": {"customer_id": "A"}}')
    (tmp / "scalar.json").write_text("42")
    write_portfolio(tmp / "allbad.json", [make_account(arr=-1)])
    (tmp / "bad.toml").write_text("[health\ntrend_delta = 3\n")
    (tmp / "typo.toml").write_text("[health]\ntrend_delt = 3\n")
    (tmp / "weights.toml").write_text("[health.dimensions.usage]\nweight = 0.9\n")
    (tmp / "shape.toml").write_text("[health.dimensions]\nusage = 5\n")
    return {
        "missing_file": [tmp / "nope.json"],
        "directory": [tmp],
        "invalid_json": [tmp / "invalid.json"],
        "no_customers": [tmp / "empty.json"],
        "customers_not_list": [tmp / "notlist.json"],
        "top_level_scalar": [tmp / "scalar.json"],
        "all_rejected": [tmp / "allbad.json"],
        "bad_profile_toml": [good, "--profile", tmp / "bad.toml"],
        "profile_typo": [good, "--profile", tmp / "typo.toml"],
        "profile_weights": [good, "--profile", tmp / "weights.toml"],
        "profile_wrong_shape": [good, "--profile", tmp / "shape.toml"],
        "missing_profile": [good, "--profile", tmp / "nope.toml"],
    }


FAILURES = [
    "missing_file",
    "directory",
    "invalid_json",
    "no_customers",
    "customers_not_list",
    "top_level_scalar",
    "all_rejected",
    "bad_profile_toml",
    "profile_typo",
    "profile_weights",
    "profile_wrong_shape",
    "missing_profile",
]
EXPECTED_WORDS = {
    "missing_file": ["nope.json", "no such file"],
    "invalid_json": ["invalid.json", "not valid JSON", "line 2", "column"],
    "no_customers": ["no customers"],
    "customers_not_list": ['"customers" must be a list'],
    "all_rejected": ["rejected", "csm validate"],
    "bad_profile_toml": ["bad.toml", "not valid TOML", "line 1"],
    "profile_typo": ["health.trend_delt"],
    "profile_weights": ["sum to 1"],
    "profile_wrong_shape": ["health.dimensions.usage"],
    "missing_profile": ["nope.toml"],
}


@pytest.mark.parametrize("command", ["health", "churn", "expansion", "report"])
@pytest.mark.parametrize("case", FAILURES)
def test_failure_is_one_error_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str, case: str
) -> None:
    argv = failure_cases(tmp_path)[case]
    rc, out, err = run(capsys, command, *argv, "--as-of", AS_OF)
    assert rc != 0
    assert out == ""
    line = assert_one_error_line(err)
    for word in EXPECTED_WORDS.get(case, []):
        assert word in line, f"{word!r} not in {line!r}"


@pytest.mark.parametrize(
    "argv",
    [
        ["health", "FILE", "--as-of", "2026-13-01"],
        ["churn", "FILE", "--as-of", "yesterday"],
        ["report", "FILE", "--renewal-window", "-5"],
        ["health", "FILE", "--format", "xml"],
        ["health", "FILE", "--limit", "many"],
        ["frobnicate", "FILE"],
        ["health"],
        [],
    ],
    ids=[
        "bad-date",
        "word-date",
        "negative-window",
        "bad-format",
        "bad-limit",
        "unknown-command",
        "no-file",
        "no-command",
    ],
)
def test_usage_errors_exit_non_zero_without_traceback(
    capsys: pytest.CaptureFixture[str], portfolio: Path, argv: list[str]
) -> None:
    argv = [str(portfolio) if a == "FILE" else a for a in argv]
    code, err = usage_error(capsys, *argv)
    assert code == 2
    if "--as-of" in argv:
        assert "--as-of" in err and "YYYY-MM-DD" in err


# --- partial acceptance from the scoring commands


@pytest.mark.parametrize("command", ["health", "churn", "expansion", "report"])
def test_rejections_warn_on_one_line_and_the_rest_is_scored(
    capsys: pytest.CaptureFixture[str], mixed: Path, command: str
) -> None:
    rc, out, err = run(capsys, command, mixed, "--as-of", AS_OF, "--format", "json")
    assert rc == 0
    lines = err.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("csm:") and "2 of 4" in lines[0] and "rejected" in lines[0]
    assert "Traceback" not in err
    data = json.loads(out)
    if command == "report":
        assert data["accounts"] == 2
        assert data["data_quality"]["rejected"] == 2 and data["data_quality"]["total"] == 4
    else:
        assert data["summary"]["total_customers"] == 2
        assert {c["customer_id"] for c in data["customers"]} == {"good-1", "good-2"}
        assert data["summary"]["rejected_count"] == 2


def test_rejections_are_mentioned_in_text_output(capsys: pytest.CaptureFixture[str], mixed: Path) -> None:
    rc, out, err = run(capsys, "health", mixed, "--as-of", AS_OF)
    assert rc == 0
    assert len(err.splitlines()) == 1
    assert "good-1" in out and "bad-1" not in out


# --- the installed console script


def test_console_script_json(tmp_path: Path) -> None:
    path = write_portfolio(tmp_path / "p.json", [make_account(customer_id="S-1")], as_of="2026-12-01")
    proc = subprocess.run(
        [CSM, "churn", str(path), "--format", "json"], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    data = json.loads(proc.stdout)
    assert data["as_of"] == "2026-12-01"
    assert [c["customer_id"] for c in data["customers"]] == ["S-1"]


def test_console_script_error_is_one_line(tmp_path: Path) -> None:
    proc = subprocess.run(
        [CSM, "health", str(tmp_path / "missing.json")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.splitlines() == [f"csm: error: {tmp_path / 'missing.json'}: no such file"]
