"""Every tool, one call each: the text block carries every fact of the structured content, both small.

Claude Code shows its model only the structured content; Claude Desktop and other hosts only the text.
This test calls every listed tool (a new tool must be added here) on a generated 250-account book with
owners, outcomes and a later snapshot, and checks the two agree and stay within the size budget.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from conftest import AS_OF, EXPECTED_TOOLS, TEXT_BLOCK_LIMIT, assert_text_carries_structure
from customer_success_mcp.generate import generate_portfolio, write_portfolio
from customer_success_mcp.generate.outcomes import generate_outcomes, outcomes_bytes
from customer_success_mcp.server.app import build_server
from customer_success_mcp.server.config import ServerConfig

pytestmark = pytest.mark.anyio
DRAFT_LIMIT = 24_000  # a draft is a document: its size follows the template, not the book


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("parity")
    data = generate_portfolio(250, 7, AS_OF, missing_sections_share=0.05)
    for i, account in enumerate(data["customers"]):
        account["owner"] = f"CSM {i % 12:02d}"
    write_portfolio(folder / "book.json", {"as_of": AS_OF.isoformat(), **data})
    (folder / "outcomes.csv").write_bytes(outcomes_bytes(generate_outcomes(data, 7, AS_OF), "outcomes.csv"))
    write_portfolio(folder / "later.json", {"as_of": "2027-02-21", "customers": data["customers"][20:]})
    return folder


def calls(book: Path, account: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        ("inspect_export", {"path": str(book / "outcomes.csv")}),
        ("list_portfolios", {}),
        ("portfolio_overview", {}),
        ("find_accounts", {"sort_by": "expansion"}),
        ("account_brief", {"account": account}),
        ("score_health", {}),
        ("score_churn_risk", {}),
        ("score_expansion", {}),
        ("draft_qbr", {"account": account}),
        ("draft_ebr", {"account": account}),
        ("draft_save_plan", {"account": account}),
        ("compare_snapshots", {}),
        ("account_history", {"account": account}),
        ("query_portfolio", {"sql": "SELECT owner, SUM(arr) AS arr FROM accounts GROUP BY owner ORDER BY 1"}),
        ("backtest", {"outcomes": str(book / "outcomes.csv"), "portfolio": "book"}),
        ("what_if", {"account": account, "changes": {"relationship_signals.champion_left": False}}),
        ("what_if_profile", {"changes": {"health": {"dimensions": {"usage": {"weight": 0.35},
                                                                   "engagement": {"weight": 0.2}}}}}),
        ("plan_week", {"hours": 20}),
        ("show_dashboard", {}),
        ("chart", {"kind": "arr_by_segment"}),
        ("export_accounts", {"filters": {"health": "red", "segment": "smb"}}),
    ]  # fmt: skip


async def test_every_tool_says_the_same_in_its_text_and_its_structure(tmp_path: Path, book: Path) -> None:
    config = ServerConfig(data_dir=tmp_path / "data", allowed_dirs=(book,))
    async with Client(build_server(config)) as client:
        first = await client.call_tool("load_portfolio", {"path": str(book / "book.json"), "name": "book"})
        assert_text_carries_structure(first)
        later = await client.call_tool("load_portfolio", {"path": str(book / "later.json"), "name": "book"})
        assert_text_carries_structure(later)
        largest = (await client.call_tool("find_accounts", {"limit": 1})).structured_content
        assert largest is not None
        account = largest["accounts"][0]["customer_id"]
        planned = calls(book, account)
        assert sorted({"load_portfolio", *(name for name, _ in planned)}) == sorted(EXPECTED_TOOLS)
        for name, args in planned:
            result = await client.call_tool(name, args)
            assert not result.is_error, (name, result.content[0].text[:300])
            limit = DRAFT_LIMIT if name.startswith("draft_") else TEXT_BLOCK_LIMIT
            try:
                assert_text_carries_structure(result, limit=limit)
            except AssertionError as exc:
                raise AssertionError(f"{name}: {exc}") from None
