"""backtest, what_if, what_if_profile and plan_week through the real MCP protocol (in memory)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from mcp import Client

from customer_success_mcp.generate import generate_portfolio, write_portfolio
from customer_success_mcp.generate.outcomes import generate_outcomes, outcomes_bytes
from customer_success_mcp.pipeline import score_file
from customer_success_mcp.server.app import build_server
from customer_success_mcp.server.config import ServerConfig
from test_server_protocol import AS_OF, assert_tool_error, ok, text_of, validate_structured

pytestmark = pytest.mark.anyio
ACCOUNTS = 250


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated book and its outcomes in one directory."""
    folder = tmp_path_factory.mktemp("book")
    data = generate_portfolio(ACCOUNTS, 21, AS_OF, missing_sections_share=0.05)
    write_portfolio(folder / "book.json", {"as_of": AS_OF.isoformat(), **data})
    (folder / "outcomes.csv").write_bytes(outcomes_bytes(generate_outcomes(data, 21, AS_OF), "outcomes.csv"))
    later = [dict(a) for a in data["customers"][40:]]  # the first 40 are gone 90 days on
    for account in later[:15]:
        account["arr"] = account["arr"] // 2  # and 15 pay half
    write_portfolio(folder / "later.json", {"as_of": "2027-02-21", "customers": later})
    (folder / "weights.toml").write_text("[health.dimensions.usage]\nweight = 0.4\n"
                                         "[health.dimensions.relationship]\nweight = 0.15\n")  # fmt: skip
    return folder


async def session(tmp_path: Path, book: Path) -> Any:
    return Client(build_server(ServerConfig(data_dir=tmp_path / "data", allowed_dirs=(book,))))


async def call(client: Client, tool: str, args: dict[str, Any]) -> dict[str, Any]:
    tools = {t.name: t for t in (await client.list_tools()).tools}
    result = await client.call_tool(tool, args)
    structured = ok(result)
    validate_structured(tools[tool], structured)
    assert not text_of(result).lstrip().startswith("{")
    return structured


async def test_backtest_with_an_outcomes_file_matches_scikit_learn(tmp_path: Path, book: Path) -> None:
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    async with await session(tmp_path, book) as client:
        await call(client, "load_portfolio", {"path": str(book / "book.json")})
        result = await client.call_tool("backtest", {"outcomes": str(book / "outcomes.csv")})
        report = ok(result)
        await call(client, "backtest", {"outcomes": str(book / "outcomes.csv"), "detail": "full"})
    scored = score_file(book / "book.json", AS_OF)
    churned = {
        line.split(",")[0] for line in (book / "outcomes.csv").read_text().splitlines() if ",churned," in line
    }
    y = np.array([cid in churned for cid in scored.table.ids])
    expected = sklearn_metrics.roc_auc_score(y, scored.churn.risk)
    assert report["churn_risk"]["overall"]["roc_auc"] == pytest.approx(expected, abs=1e-9)
    read = report["outcomes_read"]
    assert read["source"] == str(book / "outcomes.csv")
    assert (read["rows"], read["used"], read["rejected"]) == (ACCOUNTS, ACCOUNTS, 0)
    assert report["snapshot"]["portfolio"] == "book" and "roc_auc" in report["definitions"]
    text = text_of(result)
    assert text.startswith("Backtest of book (as of 2026-11-23, target churned): churn risk ROC AUC")
    assert repr(report["churn_risk"]["overall"]["roc_auc"]) in text  # the same figures, written compactly


async def test_backtest_from_the_snapshot_history(tmp_path: Path, book: Path) -> None:
    async with await session(tmp_path, book) as client:
        first = await call(client, "load_portfolio", {"path": str(book / "book.json"), "name": "acme"})
        alone = await client.call_tool("backtest", {"from_history": True, "portfolio": "acme"})
        assert_tool_error(alone, "at least two snapshots", "outcomes file")
        await call(client, "load_portfolio", {"path": str(book / "later.json"), "name": "acme"})
        report = await call(client, "backtest", {"from_history": True, "portfolio": "acme"})
    # The earliest snapshot's scores, tested against what the later one shows: 40 gone, 15 paying less.
    assert report["snapshot"]["snapshot_id"] == first["snapshot"]["snapshot_id"]
    assert report["as_of"] == "2026-11-23" and "snapshot history" in report["outcomes_read"]["source"]
    counts = report["outcomes"]
    assert (counts["churned"], counts["downgraded"], counts["renewed"]) == (40, 15, ACCOUNTS - 55)
    assert report["lead_time"]["scored_in_time"] == 40  # scored 90 days before they were gone


async def test_backtest_arguments_and_files_are_checked(tmp_path: Path, book: Path) -> None:
    outside = tmp_path / "outside.csv"
    outside.write_text("customer_id,outcome,date\nA,churned,2027-01-01\n")
    async with await session(tmp_path, book) as client:
        await call(client, "load_portfolio", {"path": str(book / "book.json")})
        assert_tool_error(await client.call_tool("backtest", {}), "Give `outcomes`")
        both = {"outcomes": str(book / "outcomes.csv"), "from_history": True}
        assert_tool_error(await client.call_tool("backtest", both), "Give `outcomes`")
        assert_tool_error(await client.call_tool("backtest", {"outcomes": str(outside)}), "allow")
        portfolio_as_outcomes = await client.call_tool("backtest", {"outcomes": str(book / "book.json")})
        assert_tool_error(portfolio_as_outcomes, f"none of its {ACCOUNTS} rows is a usable outcome")


async def test_what_if_through_the_server(tmp_path: Path, book: Path) -> None:
    async with await session(tmp_path, book) as client:
        await call(client, "load_portfolio", {"path": str(book / "book.json")})
        changes = {"relationship_signals.champion_left": True, "contract_end_date": "2026-12-01"}
        result = await client.call_tool("what_if", {"account": "ACC-00007", "changes": changes})
        reply = ok(result)
        brief = ok(await client.call_tool("account_brief", {"account": "ACC-00007"}))
        bad = await client.call_tool(
            "what_if", {"account": "ACC-00007", "changes": {"usage.login_frequency": -1}}
        )
        unknown = await client.call_tool("what_if", {"account": "ACC-99999", "changes": changes})
    assert reply["churn_risk"]["before"] == brief["churn"]["risk_score"] and reply["stored"] is False
    assert [c["field"] for c in reply["changes"]] == list(changes)
    risk = reply["churn_risk"]
    parts = risk["from_categories"] + risk["from_renewal_urgency"] + risk["rounding_and_cap"]
    assert parts == pytest.approx(risk["change"], abs=1e-9)
    assert text_of(result).startswith(f"What if for {reply['name']} (ACC-00007): churn risk")
    assert_tool_error(bad, "usage.login_frequency", "between 0 and 100")
    assert_tool_error(unknown, "ACC-99999", "find_accounts")


async def test_what_if_profile_by_keys_and_by_file(tmp_path: Path, book: Path) -> None:
    async with await session(tmp_path, book) as client:
        await call(client, "load_portfolio", {"path": str(book / "book.json")})
        keys = {"health": {"dimensions": {"usage": {"weight": 0.4}, "relationship": {"weight": 0.15}}}}
        by_keys = await call(
            client, "what_if_profile", {"changes": keys, "outcomes": str(book / "outcomes.csv")}
        )
        by_file = await call(client, "what_if_profile", {"profile_file": str(book / "weights.toml")})
        wrong = await client.call_tool(
            "what_if_profile", {"changes": {"health": {"dimensions": {"usage": {"weight": 2}}}}}
        )
        neither = await client.call_tool("what_if_profile", {})
    assert by_keys["class_changed"] == by_file["class_changed"] > 0
    assert (
        by_keys["backtest_before"]["churn_risk"]["roc_auc"] != by_keys["backtest_after"]["health"]["roc_auc"]
    )
    assert by_keys["outcomes_read"]["used"] == ACCOUNTS and by_file["outcomes_read"] is None
    assert by_keys["stored"] is False
    assert_tool_error(wrong, "health.dimensions.usage.weight")
    assert_tool_error(neither, "Give `changes`")


async def test_plan_week_through_the_server(tmp_path: Path, book: Path) -> None:
    async with await session(tmp_path, book) as client:
        await call(client, "load_portfolio", {"path": str(book / "book.json")})
        result = await client.call_tool("plan_week", {"hours": 12})
        plan = ok(result)
        nobody = await client.call_tool("plan_week", {"hours": 12, "owner": "Nobody"})
        too_many = await client.call_tool("plan_week", {"hours": 500})
    items = [*plan["renewals"], *plan["confirm_status"], *plan["at_risk"], *plan["expansion"]]
    assert sum(s["hours"] for i in items for s in i["steps"]) <= 12
    assert items[0]["section"] == "renewals" and items[0]["rank"] == 1
    assert text_of(result).startswith(
        f"Week plan (2026-11-23 to 2026-11-30): {plan['hours_planned']:g} of 12 h"
    )
    assert json.dumps(plan["did_not_fit"][0]["reason"]).count("h are left") == 1
    assert_tool_error(nobody, "No account is owned by 'Nobody'")
    assert too_many.is_error
