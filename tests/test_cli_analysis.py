"""`csm generate --outcomes`, `csm backtest`, `csm what-if`, `csm what-if-profile` and `csm plan`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from customer_success_mcp.cli import main


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli")
    code = main(["generate", "--accounts", "300", "--seed", "9", "--as-of", "2026-11-23",
                 "-o", str(folder / "book.json"), "--outcomes", str(folder / "outcomes.csv")])  # fmt: skip
    assert code == 0
    return folder


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_generate_writes_outcomes_as_csv_or_json(tmp_path: Path, files: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    lines = (files / "outcomes.csv").read_text().splitlines()
    assert lines[0] == "customer_id,outcome,date,arr_after" and len(lines) == 301
    assert {line.split(",")[1] for line in lines[1:]} == {"renewed", "churned", "downgraded"}
    args = [
        "generate",
        "--accounts",
        "5",
        "--seed",
        "9",
        "--as-of",
        "2026-11-23",
        "-o",
        str(tmp_path / "b.json"),
    ]
    code, _, err = run([*args, "--outcomes", str(tmp_path / "o.json")], capsys)
    assert code == 0 and "wrote the outcomes of 5 accounts" in err
    assert len(json.loads((tmp_path / "o.json").read_text())["outcomes"]) == 5


def test_backtest_text_and_json(files: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    book, outcomes = str(files / "book.json"), str(files / "outcomes.csv")
    code, out, _ = run(["backtest", book, "--outcomes", outcomes], capsys)
    assert code == 0 and out.startswith(
        "Backtest of book.json (as of 2026-11-23, target churned): churn risk"
    )
    code, out, _ = run(["backtest", book, "--outcomes", outcomes, "--format", "json",
                        "--target", "churned_or_downgraded", "--target-recall", "0.7"], capsys)  # fmt: skip
    report = json.loads(out)
    assert code == 0 and report["target"] == "churned_or_downgraded" and report["target_recall"] == 0.7
    assert report["outcomes"]["with_outcome"] == 300 and 0.5 < report["churn_risk"]["overall"]["roc_auc"] < 1
    code, _, err = run(["backtest", book, "--outcomes", str(files / "missing.csv")], capsys)
    assert code == 2 and err.count("\n") == 1 and "no such file" in err


def test_what_if_from_the_command_line(files: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    book = str(files / "book.json")
    changes = ["relationship_signals.champion_left=true", "commercial_factors.contract_type=multi-year"]
    code, out, _ = run(["what-if", "ACC-00002", book, *changes, "--format", "json"], capsys)
    result = json.loads(out)
    assert code == 0 and [c["after"] for c in result["changes"]] == [True, "multi-year"]
    assert (
        result["churn_risk"]["after"] > result["churn_risk"]["before"] or result["churn_risk"]["after"] == 100
    )
    code, _, err = run(["what-if", "ACC-00002", book, "usage.login_frequency=150"], capsys)
    assert code == 2 and "usage.login_frequency: must be between 0 and 100, got 150" in err
    code, _, err = run(["what-if", "ACC-00002", book, "champion_left"], capsys)
    assert code == 2 and "field=value" in err


def test_what_if_profile_from_the_command_line(tmp_path: Path, files: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    book = str(files / "book.json")
    code, out, _ = run(["what-if-profile", book, "--override", "churn.tier_floors.critical=90",
                        "--outcomes", str(files / "outcomes.csv"), "--format", "json"], capsys)  # fmt: skip
    result = json.loads(out)
    moved = {(t["before"], t["after"]) for t in result["tier_transitions"]}
    assert code == 0 and moved <= {("critical", "high")} and result["backtest_after"] is not None
    change = tmp_path / "change.toml"
    change.write_text("[churn.tier_floors]\ncritical = 90\n")
    code, out, _ = run(["what-if-profile", book, "--profile-change", str(change), "--format", "json"], capsys)
    assert code == 0 and json.loads(out)["tier_changed"] == result["tier_changed"]
    code, _, err = run(["what-if-profile", book], capsys)
    assert code == 2 and "--override" in err
    code, _, err = run(["what-if-profile", book, "--override", "health.dimensions.usage.weight=2"], capsys)
    assert code == 2 and "health.dimensions.usage.weight" in err


def test_plan_from_the_command_line(files: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    book = str(files / "book.json")
    code, out, _ = run(["plan", book, "--hours", "10", "--format", "json"], capsys)
    plan = json.loads(out)
    assert code == 0 and plan["hours_planned"] <= 10 and plan["renewals"][0]["rank"] == 1
    code, out, _ = run(["plan", book, "--hours", "10"], capsys)
    assert out.startswith("Week plan (2026-11-23 to 2026-11-30):")
    code, _, err = run(["plan", book, "--hours", "10", "--owner", "Nobody"], capsys)
    assert code == 2 and "No account is owned by 'Nobody'" in err
    with pytest.raises(SystemExit) as stop:
        main(["plan", book, "--hours", "0"])
    assert stop.value.code == 2
