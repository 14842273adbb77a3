"""`csm find`: the query layer from a terminal, with the same filters and sort keys as find_accounts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import make_account
from customer_success_mcp.cli import main
from customer_success_mcp.query.models import SORT_KEYS, AccountFilter

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "portfolio.json"


def run(capsys: pytest.CaptureFixture[str], *argv: Any) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


def find_json(capsys: pytest.CaptureFixture[str], path: Path, *argv: Any) -> dict[str, Any]:
    rc, out, err = run(capsys, "find", path, "--format", "json", *argv)
    assert rc == 0, err
    return json.loads(out)


@pytest.fixture
def book(tmp_path: Path) -> Path:
    """Five accounts whose filters and sort orders are known by construction."""
    accounts = [
        make_account(customer_id="A", name="Alpha Ltd", segment="enterprise", arr=500_000,
                     contract_end_date="2026-12-13"),  # 20 days after as_of
        make_account(customer_id="B", name="Beta GmbH", segment="smb", arr=10_000,
                     contract_end_date="2026-11-13",  # ended 10 days before as_of
                     relationship_signals={"champion_left": True}),
        make_account(customer_id="C", name="Gamma Inc", arr=60_000, contract_end_date="2027-06-30",
                     usage={"login_frequency": 10, "feature_adoption": 10, "dau_mau_ratio": 0.05}),
        make_account(customer_id="D", name="Delta alpha Co", arr=40_000, contract_end_date=None),
        make_account(customer_id="E", name="Epsilon SA", segment="smb", arr=5_000,
                     contract_end_date="2027-01-22"),  # 60 days after as_of
    ]  # fmt: skip
    path = tmp_path / "book.json"
    path.write_text(json.dumps({"as_of": "2026-11-23", "customers": accounts}))
    return path


def ids(result: dict[str, Any]) -> list[str]:
    return [a["customer_id"] for a in result["accounts"]]


def test_every_query_filter_has_its_option():
    from customer_success_mcp.cli import build_parser

    find = build_parser()._subparsers._group_actions[0].choices["find"]  # type: ignore[union-attr]
    options = {opt for action in find._actions for opt in action.option_strings}
    for name in AccountFilter.model_fields:
        assert "--" + name.replace("_", "-") in options
    sort = next(a for a in find._actions if "--sort-by" in a.option_strings)
    assert tuple(sort.choices) == SORT_KEYS


def test_filters_narrow_to_the_accounts_built_for_them(capsys, book):
    assert ids(find_json(capsys, book, "--segment", "SMB")) == ["B", "E"]
    assert ids(find_json(capsys, book, "--min-arr", "50,000")) == ["A", "C"]
    # Ended contracts are not renewals within a window.
    assert ids(find_json(capsys, book, "--renewal-within-days", "30")) == ["A"]
    assert ids(find_json(capsys, book, "--renewal-within-days", "60", "--sort-by", "renewal")) == ["A", "E"]
    assert ids(find_json(capsys, book, "--text", "ALPHA")) == ["A", "D"]
    assert ids(find_json(capsys, book, "--segment", "smb", "--text", "beta")) == ["B"]


def test_renewal_sort_puts_ended_contracts_after_upcoming_ones_and_no_date_last(capsys, book):
    result = find_json(capsys, book, "--sort-by", "renewal")
    assert ids(result) == ["A", "E", "C", "B", "D"]
    assert [a["days_to_renewal"] for a in result["accounts"]] == [20, 60, 219, -10, None]
    assert [a["contract_status"] for a in result["accounts"]] == [
        "renewing", "renewing", "active", "ended", "no_end_date"
    ]  # fmt: skip


def test_paging_and_the_text_table(capsys, book):
    first = find_json(capsys, book, "--limit", "2")
    assert (first["total"], first["offset"], first["has_more"], ids(first)) == (5, 0, True, ["A", "C"])
    last = find_json(capsys, book, "--limit", "2", "--offset", "4")
    assert (last["has_more"], ids(last)) == (False, ["E"])
    rc, out, _ = run(capsys, "find", book, "--sort-by", "renewal", "--limit", "4")
    assert rc == 0
    assert "5 match; showing 1-4, sorted by renewal" in out
    assert "renews in 20 days" in out and "ended 10 days ago" in out
    assert "-10" not in out
    assert "… 1 more (use --offset 4)" in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_the_cli_and_the_tool_give_the_same_rows(capsys):
    """The same query through the CLI and through the service returns the same accounts in order."""
    from customer_success_mcp.pipeline import score_file
    from customer_success_mcp.query.accounts import find_accounts

    cli = find_json(capsys, EXAMPLE, "--health", "yellow", "--sort-by", "risk", "--limit", "100")
    import datetime as dt

    scored = score_file(EXAMPLE, dt.date(2026, 11, 23))
    lib = find_accounts(scored, AccountFilter(health="yellow"), "risk", 0, 100)
    assert cli["accounts"] == lib.model_dump(mode="json")["accounts"]
    risks = [a["risk_score"] for a in cli["accounts"]]
    assert risks == sorted(risks, reverse=True) and cli["total"] == len(risks) > 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--health", "purple"],
            "health must be one of green, yellow, red, insufficient_data, got 'purple'.",
        ),
        (["--segment", "galactic"], "Unknown segment 'galactic'; use one of enterprise, mid-market, smb."),
    ],
)
def test_an_unknown_filter_value_is_one_line_naming_the_choices(capsys, book, argv, message):
    rc, out, err = run(capsys, "find", book, *argv)
    assert rc == 2 and out == ""
    assert err.strip() == f"csm: error: {message}"
