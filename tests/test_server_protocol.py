"""The MCP server through the real protocol, in memory (mcp.Client over the MCPServer instance).

Every tool is listed with a title, truthful annotations, described inputs and an output schema; every
successful result carries structured content valid against that schema and a short text block for a
person; lists page with cursors; every error is an isError result a user can act on, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import mcp_types
import numpy as np
import pytest
from mcp import Client
from pydantic import BaseModel

from conftest import EXPECTED_TOOLS, assert_text_carries_structure
from customer_success_mcp.generate import generate_portfolio, write_portfolio
from customer_success_mcp.pipeline import score_file
from customer_success_mcp.server import models
from customer_success_mcp.server.app import build_server
from customer_success_mcp.server.config import ServerConfig
from customer_success_mcp.server.service import PortfolioService

try:  # a dependency of mcp, so normally present; the pydantic models are the fallback
    import jsonschema
except ImportError:  # pragma: no cover
    jsonschema = None

pytestmark = pytest.mark.anyio

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "portfolio.json"
AS_OF = dt.date(2026, 11, 23)
MARKER = "hunter2-unique-marker"
SIZE_LIMIT = 12_000

READ_ONLY_TOOLS = (
    "list_portfolios",
    "portfolio_overview",
    "find_accounts",
    "account_brief",
    "score_health",
    "score_churn_risk",
    "score_expansion",
)
TOOLS = ("load_portfolio", *READ_ONLY_TOOLS)
DRAFT_TOOLS = ("draft_qbr", "draft_ebr", "draft_save_plan")  # issue 4; tested in test_drafts.py
IMPORT_TOOLS = ("inspect_export",)  # read-only; tested in test_import_surfaces.py
HISTORY_TOOLS = ("compare_snapshots", "account_history")  # read-only; tested in test_history.py
QUERY_TOOLS = ("query_portfolio",)  # read-only; tested in test_query_sql.py
ANALYSIS_TOOLS = ("backtest", "what_if", "what_if_profile", "plan_week")  # issue 11; test_analysis_server.py
VISUAL_TOOLS = ("show_dashboard", "chart")  # issue 12 (read-only); tested in test_visual_tools.py
EXPORT_TOOLS = ("export_accounts",)  # writes a file only with save_to; tested in test_export.py
OUTPUT_MODELS: dict[str, type[BaseModel]] = {
    "load_portfolio": models.LoadResult,
    "list_portfolios": models.PortfolioList,
    "portfolio_overview": models.Overview,
    "find_accounts": models.AccountPage,
    "account_brief": models.AccountBrief,
    "score_health": models.ScorePage,
    "score_churn_risk": models.ScorePage,
    "score_expansion": models.ScorePage,
}
SCORE_TOOLS = ("score_health", "score_churn_risk", "score_expansion")


# --------------------------------------------------------------------------- helpers


def example_accounts() -> list[dict[str, Any]]:
    return json.loads(EXAMPLE.read_text())["customers"]


@asynccontextmanager
async def connect(config: ServerConfig, **client_options: Any) -> AsyncIterator[Client]:
    async with Client(build_server(config), **client_options) as client:
        yield client


def text_of(result: mcp_types.CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, mcp_types.TextContent))


def ok(result: mcp_types.CallToolResult) -> dict[str, Any]:
    """The structured content of a successful result (fails with the error text otherwise)."""
    assert not result.is_error, text_of(result)
    assert result.structured_content is not None
    return result.structured_content


def assert_tool_error(result: mcp_types.CallToolResult, *needles: str, absent: tuple[str, ...] = ()) -> str:
    """An isError result whose message holds every needle and nothing that looks like a traceback."""
    message = text_of(result)
    assert result.is_error, f"expected an error, got: {message[:500]}"
    assert message.strip(), "an error needs a message"
    assert "Traceback" not in message
    assert not re.search(r'File "[^"]+", line \d+', message), message
    for needle in needles:
        assert needle.casefold() in message.casefold(), f"{needle!r} not in {message!r}"
    for text in absent:
        assert text not in message, f"{text!r} leaked into {message!r}"
    return message


def validate_structured(tool: mcp_types.Tool, structured: dict[str, Any]) -> None:
    assert tool.output_schema is not None
    if jsonschema is not None:
        validator_class = jsonschema.validators.validator_for(
            tool.output_schema, jsonschema.Draft202012Validator
        )
        validator_class.check_schema(tool.output_schema)
        validator_class(tool.output_schema).validate(structured)
    else:  # pragma: no cover
        OUTPUT_MODELS[tool.name].model_validate(structured)


def result_bytes(result: mcp_types.CallToolResult) -> int:
    texts = "".join(b.text for b in result.content if isinstance(b, mcp_types.TextContent))
    return len(texts.encode()) + len(json.dumps(result.structured_content).encode())


async def load(client: Client, path: Path | str, **args: Any) -> dict[str, Any]:
    return ok(await client.call_tool("load_portfolio", {"path": str(path), **args}))


async def all_pages(client: Client, tool: str, args: dict[str, Any], items: str) -> list[dict[str, Any]]:
    """Every item of a paginated tool, following next_cursor, with the page invariants checked."""
    rows: list[dict[str, Any]] = []
    cursor = None
    pages = 0
    while True:
        page = ok(await client.call_tool(tool, {**args, **({"cursor": cursor} if cursor else {})}))
        pages += 1
        assert page["offset"] == len(rows)
        rows += page[items]
        assert page["has_more"] == (len(rows) < page["total"])
        if not page["has_more"]:
            assert page["next_cursor"] is None
            break
        assert page["next_cursor"]
        cursor = page["next_cursor"]
        assert pages < 1000
    assert len(rows) == page["total"]
    return rows


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def allowed(tmp_path: Path) -> Path:
    d = tmp_path / "allowed"
    d.mkdir()
    shutil.copy(EXAMPLE, d / "portfolio.json")
    return d


@pytest.fixture
def config(tmp_path: Path, allowed: Path) -> ServerConfig:
    return ServerConfig(data_dir=tmp_path / "data", allowed_dirs=(allowed,))


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict[str, Any]]]:
    """The example with every third account stripped of its expansion inputs, every seventh of its
    relationship section (thin data), owners on most, and brute-force facts about each account (raw
    file for ids, names, owners, ARR and dates; the engine for classes, tiers, trends and coverage)."""
    accounts = example_accounts()
    for i, account in enumerate(accounts):
        if i % 3 == 0:
            for key in ("contract", "product_usage", "departments"):
                account.pop(key, None)
        if i % 7 == 1:
            account.pop("relationship", None)
        if i % 4:
            account["owner"] = f"CSM {'ABC'[i % 4 - 1]}"
    path = tmp_path_factory.mktemp("mixed") / "mixed.json"
    path.write_text(json.dumps({"as_of": AS_OF.isoformat(), "customers": accounts}))
    scored = score_file(path, AS_OF)
    raw = {a["customer_id"]: a for a in accounts}
    facts: dict[str, dict[str, Any]] = {}
    for i, cid in enumerate(scored.table.ids):
        account = raw[cid]
        end = account.get("contract_end_date")
        facts[cid] = {
            "customer_id": cid,
            "name": account["name"],
            "segment": scored.table.segments[i],
            "arr": float(account["arr"]),
            "health_class": scored.health.classification(i),
            "risk_tier": scored.churn.tier(i),
            "days_to_renewal": (dt.date.fromisoformat(end) - AS_OF).days if end else None,
            "has_expansion": bool(scored.expansion.counts[i] > 0),
            "owner": account.get("owner"),
            "health_trend": scored.health.trend_of(i),
            "health_change": None if np.isnan(change := scored.health.change[i]) else float(change),
            "coverage": round(min(float(scored.health.coverage[i]), float(scored.churn.coverage[i])), 3),
            "contract_status": scored.churn.status(i),
        }
        # Thin data, as the overview counts it: under 60% of the inputs, or a dimension with no data.
        facts[cid]["thin_data"] = facts[cid]["coverage"] < 0.6 or any(
            np.isnan(v[i]) for v in scored.health.dimensions.values()
        )
    assert len(facts) == 50
    return path, facts


# --------------------------------------------------------------------------- listing


async def test_tools_listed_with_titles_annotations_descriptions_and_output_schemas(
    config: ServerConfig,
) -> None:
    async with connect(config) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    assert sorted(tools) == sorted(EXPECTED_TOOLS)
    assert sorted(EXPECTED_TOOLS) == sorted(
        [
            *TOOLS,
            *DRAFT_TOOLS,
            *IMPORT_TOOLS,
            *HISTORY_TOOLS,
            *QUERY_TOOLS,
            *ANALYSIS_TOOLS,
            *VISUAL_TOOLS,
            *EXPORT_TOOLS,
        ]
    )
    for name, tool in tools.items():
        assert tool.title and tool.title.strip(), name
        assert tool.description and tool.description.strip(), name
        assert tool.annotations is not None, name
        assert tool.output_schema is not None and tool.output_schema.get("type") == "object", name
        props = tool.input_schema.get("properties", {})
        for arg, spec in props.items():
            assert spec.get("description", "").strip(), f"{name}.{arg} has no description"
        assert not {"ctx", "roots", "context"} & set(props), f"{name} exposes an injected argument"
        read_only = (
            *READ_ONLY_TOOLS,
            *IMPORT_TOOLS,
            *HISTORY_TOOLS,
            *QUERY_TOOLS,
            *ANALYSIS_TOOLS,
            *VISUAL_TOOLS,
        )
        if name in read_only:
            assert tool.annotations.read_only_hint is True, name
        else:
            assert tool.annotations.read_only_hint is not True, name
            # Each load adds a snapshot; nothing is overwritten.
            assert tool.annotations.destructive_hint is False
    assert set(tools["load_portfolio"].input_schema["properties"]) == {
        "path", "paths", "accounts", "mapping", "date_order", "name", "as_of"
    }  # fmt: skip
    assert tools["account_brief"].input_schema.get("required") == ["account"]


async def test_server_identifies_itself_with_instructions(config: ServerConfig) -> None:
    async with connect(config) as client:
        instructions = client.instructions or ""
        server_info = client.server_info
    assert server_info is not None and server_info.name == "customer-success"
    for tool_name in (
        "load_portfolio",
        "portfolio_overview",
        "find_accounts",
        "account_brief",
        "list_portfolios",
    ):
        assert tool_name in instructions
    assert len(instructions.splitlines()) <= 15


# --------------------------------------------------------------------------- every tool succeeds


TOOL_CALLS: list[tuple[str, dict[str, Any]]] = [
    ("load_portfolio", {"path": "<example>"}),
    ("load_portfolio", {"accounts": "<two inline>", "name": "pasted"}),
    ("list_portfolios", {}),
    ("portfolio_overview", {}),
    ("portfolio_overview", {"detail": "full", "renewal_window_days": 30}),
    ("find_accounts", {}),
    ("find_accounts", {"sort_by": "risk", "limit": 5}),
    ("account_brief", {"account": "ACC-00001"}),
    ("account_brief", {"account": "ACC-00003", "detail": "full"}),
    ("score_health", {}),
    ("score_churn_risk", {}),
    ("score_expansion", {}),
    ("score_health", {"accounts": "<two inline>"}),
    ("score_churn_risk", {"accounts": "<two inline>", "as_of": "2026-11-23"}),
    ("score_expansion", {"portfolio": "portfolio", "account_ids": ["ACC-00003", "ACC-00017"]}),
    ("score_churn_risk", {"detail": "full", "limit": 3}),
    ("score_expansion", {"detail": "full", "limit": 3}),
]


@pytest.mark.parametrize(
    ("tool_name", "args"), TOOL_CALLS, ids=[f"{t}-{i}" for i, (t, _) in enumerate(TOOL_CALLS)]
)
async def test_every_tool_result_is_schema_valid_and_its_text_carries_the_same_facts(
    config: ServerConfig, allowed: Path, tool_name: str, args: dict[str, Any]
) -> None:
    args = dict(args)
    if args.get("path") == "<example>":
        args["path"] = str(allowed / "portfolio.json")
    if args.get("accounts") == "<two inline>":
        args["accounts"] = example_accounts()[:2]
    async with connect(config) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        if tool_name != "load_portfolio":
            await load(client, allowed / "portfolio.json")
        result = await client.call_tool(tool_name, args)
        structured = ok(result)
        validate_structured(tools[tool_name], structured)
        OUTPUT_MODELS[tool_name].model_validate(structured)
        # detail='full' asks for every breakdown: the size budget is for default results.
        assert_text_carries_structure(result, limit=SIZE_LIMIT if args.get("detail") != "full" else 100_000)


async def test_load_result_counts_and_overview(config: ServerConfig, allowed: Path) -> None:
    async with connect(config) as client:
        result = await client.call_tool("load_portfolio", {"path": str(allowed / "portfolio.json")})
        loaded = ok(result)
        assert loaded["snapshot"]["portfolio"] == "portfolio"  # the file's stem
        assert loaded["snapshot"]["as_of"] == AS_OF.isoformat()  # the file's as_of
        assert (loaded["total"], loaded["accepted"], loaded["rejected"]) == (50, 50, 0)
        assert loaded["overview"]["accounts"] == 50
        assert "50" in text_of(result)

        named = ok(
            await client.call_tool(
                "load_portfolio",
                {"path": str(allowed / "portfolio.json"), "name": "Q4 book", "as_of": "2026-12-01"},
            )
        )
        assert named["snapshot"]["portfolio"] == "Q4 book"
        assert named["snapshot"]["as_of"] == "2026-12-01"

        listing = ok(await client.call_tool("list_portfolios", {}))
        assert listing["total"] == 2
        assert listing["default"] == "Q4 book"
        assert [p["name"] for p in listing["portfolios"]] == ["Q4 book", "portfolio"]
        assert all(p["accounts"] == 50 and p["snapshots"] == 1 for p in listing["portfolios"])


async def test_inline_load_with_rejections_reports_them(config: ServerConfig) -> None:
    good = example_accounts()[:2]
    bad = [{"customer_id": f"BAD-{i}", "name": f"Bad {i}", "arr": "lots"} for i in range(7)]
    async with connect(config) as client:
        result = await client.call_tool("load_portfolio", {"accounts": good + bad, "name": "pasted"})
        loaded = ok(result)
        assert (loaded["total"], loaded["accepted"], loaded["rejected"]) == (9, 2, 7)
        assert 0 < len(loaded["rejections"]) < 7
        assert loaded["rejections"][0]["customer_id"] == "BAD-0"
        assert loaded["rejections"][0]["problems"][0]["field"] == "arr"
        assert loaded["more_rejections"] and "detail='full'" in loaded["more_rejections"]
        assert "rejected" in text_of(result)
        overview = ok(await client.call_tool("portfolio_overview", {"portfolio": "pasted", "detail": "full"}))
        assert len(overview["rejections"]) == 7


# --------------------------------------------------------------------------- pagination


@pytest.mark.parametrize(
    ("tool_name", "items"), [("find_accounts", "accounts"), ("score_health", "customers")]
)
async def test_pagination_covers_every_account_once(
    config: ServerConfig, allowed: Path, tool_name: str, items: str
) -> None:
    all_ids = {a["customer_id"] for a in example_accounts()}
    async with connect(config) as client:
        await load(client, allowed / "portfolio.json")
        rows = await all_pages(client, tool_name, {"limit": 7}, items)
        ids = [r["customer_id"] for r in rows]
        assert len(ids) == len(set(ids)), "an account appeared on two pages"
        assert set(ids) == all_ids
        # One page holding everything gives the same order.
        single = ok(await client.call_tool(tool_name, {"limit": 100}))
        assert [r["customer_id"] for r in single[items]] == ids
        assert single["has_more"] is False and single["next_cursor"] is None


async def test_pagination_of_a_filtered_query(config: ServerConfig, allowed: Path) -> None:
    async with connect(config) as client:
        await load(client, allowed / "portfolio.json")
        args = {"segment": "mid-market", "sort_by": "health", "limit": 4}
        rows = await all_pages(client, "find_accounts", args, "accounts")
        assert len(rows) == 22
        assert all(r["segment"] == "mid-market" for r in rows)
        assert [r["health_score"] for r in rows] == sorted(r["health_score"] for r in rows)


async def test_a_cursor_is_rejected_by_another_query(config: ServerConfig, allowed: Path) -> None:
    async with connect(config) as client:
        await load(client, allowed / "portfolio.json")
        find_cursor = ok(await client.call_tool("find_accounts", {"limit": 5}))["next_cursor"]
        health_cursor = ok(await client.call_tool("score_health", {"limit": 5}))["next_cursor"]
        assert find_cursor and health_cursor

        # The same query continues.
        ok(await client.call_tool("find_accounts", {"limit": 5, "cursor": find_cursor}))
        # Another filter, sort order, or tool refuses it.
        for tool_name, args in [
            ("find_accounts", {"limit": 5, "cursor": find_cursor, "sort_by": "risk"}),
            ("find_accounts", {"limit": 5, "cursor": find_cursor, "segment": "smb"}),
            ("score_health", {"limit": 5, "cursor": find_cursor}),
            ("find_accounts", {"limit": 5, "cursor": health_cursor}),
            ("score_churn_risk", {"limit": 5, "cursor": health_cursor}),
            ("score_expansion", {"limit": 5, "cursor": health_cursor}),
        ]:
            assert_tool_error(await client.call_tool(tool_name, args), "cursor")
        for garbage in ("not-a-cursor", "e30", "!!!"):
            assert_tool_error(await client.call_tool("find_accounts", {"cursor": garbage}), "cursor")


async def test_a_cursor_from_an_older_snapshot_is_rejected(config: ServerConfig, allowed: Path) -> None:
    async with connect(config) as client:
        await load(client, allowed / "portfolio.json")
        cursor = ok(await client.call_tool("find_accounts", {"limit": 5}))["next_cursor"]
        await load(client, allowed / "portfolio.json")  # a new snapshot of the same portfolio
        assert_tool_error(await client.call_tool("find_accounts", {"limit": 5, "cursor": cursor}), "cursor")


# --------------------------------------------------------------------------- find_accounts


FILTERS: list[tuple[str, dict[str, Any], Any]] = [
    ("segment", {"segment": "enterprise"}, lambda r: r["segment"] == "enterprise"),
    ("segment-label", {"segment": "Mid-Market"}, lambda r: r["segment"] == "mid-market"),
    ("health-red", {"health": "red"}, lambda r: r["health_class"] == "red"),
    ("health-yellow", {"health": "yellow"}, lambda r: r["health_class"] == "yellow"),
    ("health-case", {"health": "GREEN"}, lambda r: r["health_class"] == "green"),
    ("risk-high", {"risk_tier": "high"}, lambda r: r["risk_tier"] == "high"),
    ("risk-low", {"risk_tier": "low"}, lambda r: r["risk_tier"] == "low"),
    (
        "renewal-90",
        {"renewal_within_days": 90},
        lambda r: r["days_to_renewal"] is not None and 0 <= r["days_to_renewal"] <= 90,
    ),
    (
        "renewal-0",
        {"renewal_within_days": 30},
        lambda r: r["days_to_renewal"] is not None and 0 <= r["days_to_renewal"] <= 30,
    ),
    ("min-arr", {"min_arr": 100_000}, lambda r: r["arr"] >= 100_000),
    ("has-expansion", {"has_expansion": True}, lambda r: r["has_expansion"]),
    ("no-expansion", {"has_expansion": False}, lambda r: not r["has_expansion"]),
    (
        "text-name",
        {"text": "TECHNOLOGIES"},
        lambda r: "technologies" in r["name"].lower() or "technologies" in r["customer_id"].lower(),
    ),
    ("text-id", {"text": "acc-0004"}, lambda r: "acc-0004" in r["customer_id"].lower()),
    ("owner", {"owner": " csm  b "}, lambda r: r["owner"] == "CSM B"),
    ("declining", {"trend": "Declining"}, lambda r: r["health_trend"] == "declining"),
    (
        "drop-10",
        {"min_health_drop": 10},
        lambda r: r["health_change"] is not None and r["health_change"] <= -10,
    ),
    ("coverage-below", {"coverage_below": 0.9}, lambda r: r["coverage"] < 0.9),
    ("thin-data", {"thin_data": True}, lambda r: r["thin_data"]),
    ("not-thin", {"thin_data": False}, lambda r: not r["thin_data"]),
    ("ended", {"contract_status": "ended"}, lambda r: r["contract_status"] == "ended"),
    (
        "combined",
        {"segment": "smb", "health": "green", "min_arr": 15_000},
        lambda r: r["segment"] == "smb" and r["health_class"] == "green" and r["arr"] >= 15_000,
    ),
]


@pytest.mark.parametrize(("label", "args", "predicate"), FILTERS, ids=[f[0] for f in FILTERS])
async def test_find_accounts_filters_narrow_exactly(
    mixed: tuple[Path, dict[str, dict[str, Any]]], tmp_path: Path, label: str, args: dict, predicate: Any
) -> None:
    path, facts = mixed
    expected = {cid for cid, f in facts.items() if predicate(f)}
    assert 0 < len(expected) < len(facts), f"{label}: the filter should narrow this portfolio"
    config = ServerConfig(data_dir=tmp_path / "data", allowed_dirs=(path.parent,))
    async with connect(config) as client:
        await load(client, path)
        page = ok(await client.call_tool("find_accounts", {**args, "limit": 100}))
    rows = page["accounts"]
    assert page["total"] == len(expected) == len(rows)
    assert page["has_more"] is False
    assert {r["customer_id"] for r in rows} == expected
    for row in rows:
        # The row itself shows it satisfies the filter.
        own = {**row, "has_expansion": row["expansion_revenue"] > 0}
        own["thin_data"] = facts[row["customer_id"]]["thin_data"]
        if page["reason_kind"] == "coverage":  # the reason says why the data is thin
            own["thin_data"] = row["coverage"] < 0.6 or "no data for" in (row["top_reason"] or "")
        assert predicate(own), (label, row)


async def test_find_accounts_rows_agree_with_the_engine(
    mixed: tuple[Path, dict[str, dict[str, Any]]], tmp_path: Path
) -> None:
    path, facts = mixed
    config = ServerConfig(data_dir=tmp_path / "data", allowed_dirs=(path.parent,))
    async with connect(config) as client:
        await load(client, path)
        page = ok(await client.call_tool("find_accounts", {"limit": 100}))
        health = {
            c["customer_id"]: c for c in await all_pages(client, "score_health", {"limit": 100}, "customers")
        }
        churn = {
            c["customer_id"]: c
            for c in await all_pages(client, "score_churn_risk", {"limit": 100}, "customers")
        }
    assert page["total"] == 50
    for row in page["accounts"]:
        f = facts[row["customer_id"]]
        for key in ("name", "segment", "arr", "health_class", "risk_tier", "days_to_renewal"):
            assert row[key] == f[key], (row["customer_id"], key)
        # Same numbers as the reference-shaped scorers.
        assert row["health_score"] == health[row["customer_id"]]["overall_score"]
        assert row["health_class"] == health[row["customer_id"]]["classification"]
        assert row["risk_score"] == churn[row["customer_id"]]["risk_score"]
        assert row["risk_tier"] == churn[row["customer_id"]]["risk_tier"]


SORTS: list[tuple[str, Any, bool]] = [
    ("arr", lambda r: r["arr"], True),
    ("health", lambda r: r["health_score"], False),
    ("risk", lambda r: r["risk_score"], True),
    ("expansion", lambda r: r["expansion_weighted"], True),
    ("health_drop", lambda r: r["health_change"], False),
    ("coverage", lambda r: r["coverage"], False),
]


@pytest.mark.parametrize(("sort_by", "key", "descending"), SORTS, ids=[s[0] for s in SORTS])
async def test_find_accounts_sort_orders(
    config: ServerConfig, allowed: Path, sort_by: str, key: Any, descending: bool
) -> None:
    async with connect(config) as client:
        await load(client, allowed / "portfolio.json")
        rows = ok(await client.call_tool("find_accounts", {"sort_by": sort_by, "limit": 100}))["accounts"]
    values = [key(r) for r in rows]
    assert len(values) == 50
    assert values == sorted(values, reverse=descending)
    assert len(set(values)) > 1


async def test_find_accounts_sort_by_renewal_soonest_first_unknown_last(
    config: ServerConfig, allowed: Path
) -> None:
    accounts = example_accounts()[:6]
    accounts[2].pop("contract_end_date")
    async with connect(config) as client:
        await load(client, allowed / "portfolio.json")
        rows = ok(await client.call_tool("find_accounts", {"sort_by": "renewal", "limit": 100}))["accounts"]
        days = [r["days_to_renewal"] for r in rows]
        upcoming = [d for d in days if d >= 0]
        ended = [d for d in days if d < 0]
        assert days == upcoming + ended, "ended contracts come after every upcoming renewal"
        assert upcoming == sorted(upcoming) and ended == sorted(ended, reverse=True)
        ok(
            await client.call_tool(
                "load_portfolio", {"accounts": accounts, "name": "six", "as_of": "2026-11-23"}
            )
        )
        rows = ok(await client.call_tool("find_accounts", {"sort_by": "renewal", "portfolio": "six"}))[
            "accounts"
        ]
    days = [r["days_to_renewal"] for r in rows]
    known = [d for d in days if d is not None]
    assert known == sorted(known)
    assert days[-1] is None and days.count(None) == 1


async def test_find_accounts_default_sorts_by_arr_and_pages_twenty(
    config: ServerConfig, allowed: Path
) -> None:
    async with connect(config) as client:
        await load(client, allowed / "portfolio.json")
        page = ok(await client.call_tool("find_accounts", {}))
    assert len(page["accounts"]) == 20
    assert page["total"] == 50 and page["has_more"] is True
    arrs = [r["arr"] for r in page["accounts"]]
    assert arrs == sorted(arrs, reverse=True)
    assert arrs[0] == max(a["arr"] for a in example_accounts())


# --------------------------------------------------------------------------- account_brief


async def test_account_brief_by_id_and_by_name_in_another_case(config: ServerConfig, allowed: Path) -> None:
    first = example_accounts()[0]
    async with connect(config) as client:
        await load(client, allowed / "portfolio.json")
        by_id = ok(await client.call_tool("account_brief", {"account": first["customer_id"]}))
        by_name = ok(await client.call_tool("account_brief", {"account": first["name"].upper()}))
        by_lower = ok(await client.call_tool("account_brief", {"account": f"  {first['name'].lower()}"}))
    assert by_id["customer_id"] == by_name["customer_id"] == first["customer_id"]
    assert by_lower["customer_id"] == first["customer_id"]
    assert by_id == by_name
    assert by_id["name"] == first["name"]
    assert by_id["arr"] == first["arr"]
    health = by_id["health"]
    assert health["classification"] in {"green", "yellow", "red"}
    assert health["dimensions"] and health["trend"]
    churn = by_id["churn"]
    assert churn["risk_tier"] in {"critical", "high", "medium", "low"}
    assert churn["playbook_steps"] and churn["categories"]
    assert by_id["churn_breakdown"] is None  # only with detail='full'
    assert by_id["expansion"]["opportunity_count"] >= len(by_id["expansion"]["opportunities"])
    assert by_id["lifecycle"]["phase"]


async def test_account_brief_unknown_name_names_the_closest_matches(
    config: ServerConfig, allowed: Path
) -> None:
    async with connect(config) as client:
        await load(client, allowed / "portfolio.json")
        typo = await client.call_tool("account_brief", {"account": "Hazelrok Dental LLC"})
        assert_tool_error(typo, "Hazelrok Dental LLC", "ACC-00001", "Hazelrock Dental LLC")
        partial = await client.call_tool("account_brief", {"account": "hazelrock"})
        assert_tool_error(partial, "ACC-00001")
        unknown_id = await client.call_tool("account_brief", {"account": "ACC-00001X"})
        assert_tool_error(unknown_id, "ACC-00001X", "ACC-00001 ")


async def test_account_brief_ambiguous_name_lists_the_candidates(config: ServerConfig) -> None:
    accounts = example_accounts()[:3]
    accounts[0]["name"] = "Twin Holdings"
    accounts[1]["name"] = "TWIN HOLDINGS"
    async with connect(config) as client:
        ok(await client.call_tool("load_portfolio", {"accounts": accounts, "name": "twins"}))
        result = await client.call_tool("account_brief", {"account": "twin holdings"})
        assert_tool_error(result, accounts[0]["customer_id"], accounts[1]["customer_id"])
        # Each stays reachable by id.
        assert ok(await client.call_tool("account_brief", {"account": accounts[1]["customer_id"]}))[
            "name"
        ] == ("TWIN HOLDINGS")


# --------------------------------------------------------------------------- score_*


@pytest.mark.parametrize("tool_name", SCORE_TOOLS)
async def test_score_inline_scores_the_good_and_reports_the_bad(config: ServerConfig, tool_name: str) -> None:
    good = example_accounts()[0]
    bad = {"customer_id": "BAD-1", "name": "Broken Co", "arr": "a lot"}
    async with connect(config) as client:
        result = await client.call_tool(tool_name, {"accounts": [good, bad], "as_of": AS_OF.isoformat()})
        page = ok(result)
    assert page["source"] == "inline"
    assert page["total"] == 1
    assert [c["customer_id"] for c in page["customers"]] == [good["customer_id"]]
    assert [r["customer_id"] for r in page["rejections"]] == ["BAD-1"]
    assert page["rejections"][0]["problems"][0]["field"] == "arr"
    assert "reject" in text_of(result).lower()


async def test_score_inline_matches_the_loaded_portfolio_numbers(config: ServerConfig, allowed: Path) -> None:
    accounts = example_accounts()[:3]
    ids = [a["customer_id"] for a in accounts]
    async with connect(config) as client:
        await load(client, allowed / "portfolio.json")
        for tool_name, key in [
            ("score_health", "overall_score"),
            ("score_churn_risk", "risk_score"),
            ("score_expansion", "total_estimated_revenue"),
        ]:
            inline = ok(await client.call_tool(tool_name, {"accounts": accounts, "as_of": AS_OF.isoformat()}))
            stored = ok(await client.call_tool(tool_name, {"account_ids": ids}))
            assert stored["source"] == "portfolio"
            assert stored["total"] == 3
            assert {c["customer_id"]: c[key] for c in inline["customers"]} == {
                c["customer_id"]: c[key] for c in stored["customers"]
            }


@pytest.mark.parametrize("tool_name", SCORE_TOOLS)
async def test_score_portfolio_with_account_ids(config: ServerConfig, allowed: Path, tool_name: str) -> None:
    wanted = ["ACC-00003", "ACC-00017", "ACC-00042"]
    async with connect(config) as client:
        await load(client, allowed / "portfolio.json")
        page = ok(await client.call_tool(tool_name, {"portfolio": "portfolio", "account_ids": wanted}))
        assert page["total"] == 3
        assert sorted(c["customer_id"] for c in page["customers"]) == wanted
        unknown = await client.call_tool(tool_name, {"account_ids": ["ACC-00003", "ACC-00001X"]})
        assert_tool_error(unknown, "ACC-00001X", "ACC-00001 ")


async def test_score_churn_on_a_portfolio_with_another_as_of(config: ServerConfig, allowed: Path) -> None:
    async with connect(config) as client:
        await load(client, allowed / "portfolio.json")
        base = ok(await client.call_tool("score_churn_risk", {"account_ids": ["ACC-00003"]}))
        later = ok(
            await client.call_tool("score_churn_risk", {"account_ids": ["ACC-00003"], "as_of": "2027-06-01"})
        )
    assert base["as_of"] == AS_OF.isoformat() and later["as_of"] == "2027-06-01"
    assert base["customers"][0]["days_to_renewal"] != later["customers"][0]["days_to_renewal"]


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("tool_name", "args"),
    [
        ("portfolio_overview", {}),
        ("find_accounts", {}),
        ("account_brief", {"account": "ACC-00001"}),
        ("score_health", {}),
        ("score_churn_risk", {"account_ids": ["ACC-00001"]}),
        ("score_expansion", {"portfolio": "portfolio"}),
    ],
)
async def test_no_portfolio_loaded_yet(config: ServerConfig, tool_name: str, args: dict) -> None:
    async with connect(config) as client:
        assert_tool_error(await client.call_tool(tool_name, args), "no portfolio", "load_portfolio")
        listing = await client.call_tool("list_portfolios", {})
        assert ok(listing) == {"portfolios": [], "total": 0, "default": None}
        assert "load_portfolio" in text_of(listing)


@pytest.mark.parametrize(
    ("tool_name", "args"),
    [
        ("portfolio_overview", {"portfolio": "nope"}),
        ("find_accounts", {"portfolio": "nope"}),
        ("account_brief", {"account": "ACC-00001", "portfolio": "nope"}),
        ("score_health", {"portfolio": "nope"}),
        ("score_churn_risk", {"portfolio": "nope"}),
        ("score_expansion", {"portfolio": "nope"}),
    ],
)
async def test_unknown_portfolio_lists_the_loaded_ones(
    config: ServerConfig, allowed: Path, tool_name: str, args: dict
) -> None:
    async with connect(config) as client:
        await load(client, allowed / "portfolio.json")
        await load(client, allowed / "portfolio.json", name="second book")
        result = await client.call_tool(tool_name, args)
        assert_tool_error(result, "'nope'", "portfolio", "second book", "list_portfolios")


async def test_portfolio_names_are_case_insensitive(config: ServerConfig, allowed: Path) -> None:
    async with connect(config) as client:
        await load(client, allowed / "portfolio.json", name="Q4 Book")
        page = ok(await client.call_tool("find_accounts", {"portfolio": "q4 book", "limit": 1}))
    assert page["snapshot"]["portfolio"] == "Q4 Book"


async def test_unknown_account(config: ServerConfig, allowed: Path) -> None:
    async with connect(config) as client:
        await load(client, allowed / "portfolio.json")
        result = await client.call_tool("account_brief", {"account": "Nonexistent Widgets"})
        assert_tool_error(result, "Nonexistent Widgets", "find_accounts")


async def test_path_outside_the_allowed_directories(
    config: ServerConfig, allowed: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(EXAMPLE, outside / "portfolio.json")
    async with connect(config) as client:
        result = await client.call_tool("load_portfolio", {"path": str(outside / "portfolio.json")})
        assert_tool_error(result, str(allowed), "--allow-dir", "CSM_ALLOWED_DIRS")
        # A relative path that climbs out is refused too.
        result = await client.call_tool("load_portfolio", {"path": "../outside/portfolio.json"})
        assert_tool_error(result, str(allowed), "--allow-dir")
        assert ok(await client.call_tool("list_portfolios", {}))["total"] == 0


async def test_symlink_inside_an_allowed_dir_pointing_outside_is_refused(
    config: ServerConfig, allowed: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(EXAMPLE, outside / "secret.json")
    (allowed / "innocent.json").symlink_to(outside / "secret.json")
    (allowed / "linked-dir").symlink_to(outside, target_is_directory=True)
    async with connect(config) as client:
        for path in (allowed / "innocent.json", allowed / "linked-dir" / "secret.json"):
            result = await client.call_tool("load_portfolio", {"path": str(path)})
            assert_tool_error(result, "outside the allowed", "--allow-dir")
        assert ok(await client.call_tool("list_portfolios", {}))["total"] == 0
        # A symlink that stays inside is fine.
        (allowed / "alias.json").symlink_to(allowed / "portfolio.json")
        assert (await load(client, allowed / "alias.json"))["accepted"] == 50


async def test_directory_and_fifo_are_refused(config: ServerConfig, allowed: Path) -> None:
    (allowed / "folder.json").mkdir()
    paths = [allowed / "folder.json", allowed]
    if hasattr(os, "mkfifo"):
        os.mkfifo(allowed / "pipe.json")
        paths.append(allowed / "pipe.json")
    async with connect(config) as client:
        for path in paths:
            result = await client.call_tool("load_portfolio", {"path": str(path)})
            assert_tool_error(result, "not a regular file")


async def test_missing_file(config: ServerConfig, allowed: Path) -> None:
    async with connect(config) as client:
        result = await client.call_tool("load_portfolio", {"path": str(allowed / "nope.json")})
        assert_tool_error(result, "nope.json", "no such file")


async def test_file_over_the_size_cap_is_refused(tmp_path: Path, allowed: Path) -> None:
    config = ServerConfig(data_dir=tmp_path / "data", allowed_dirs=(allowed,), max_file_bytes=100)
    async with connect(config) as client:
        result = await client.call_tool("load_portfolio", {"path": str(allowed / "portfolio.json")})
        assert_tool_error(result, "limit", "--max-file-mb", "CSM_MAX_FILE_MB")
        assert ok(await client.call_tool("list_portfolios", {}))["total"] == 0


_QUANTITY = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*-?\s*(bytes?|b|kb|kib|mb|mib|gb)\b", re.IGNORECASE)
_UNIT = {"byte": 1, "bytes": 1, "b": 1, "kb": 1e3, "kib": 1024, "mb": 1e6, "mib": 2**20, "gb": 1e9}


@pytest.mark.parametrize(
    ("file_bytes", "max_bytes"),
    [
        (None, 100),  # the example (~36 KB) against a 100-byte cap
        (150_000, 120_000),  # a cap of a little over 0.1 MB
        (1_040_000, 1_000_000),  # --max-file-mb 1 and a file just over it
    ],
    ids=["36KB-over-100B", "150KB-over-120KB", "1.04MB-over-1MB"],
)
async def test_size_cap_message_states_a_size_above_the_limit(
    tmp_path: Path, allowed: Path, file_bytes: int | None, max_bytes: int
) -> None:
    """The refusal should tell the user how big the file is against the limit: the two figures it
    quotes must differ, in the right direction (not "1.0 MB, over the 1.0 MB limit")."""
    file = allowed / "portfolio.json"
    if file_bytes is not None:  # the same portfolio, padded with whitespace to the size wanted
        text = EXAMPLE.read_text().rstrip()
        file.write_text(text + " " * (file_bytes - len(text.encode()) - 1) + "\n")
        assert file.stat().st_size == file_bytes
    assert file.stat().st_size > max_bytes
    config = ServerConfig(data_dir=tmp_path / "data", allowed_dirs=(allowed,), max_file_bytes=max_bytes)
    async with connect(config) as client:
        result = await client.call_tool("load_portfolio", {"path": str(file)})
    message = assert_tool_error(result, "limit")
    prose = message.replace(str(file.resolve()), "FILE").replace(str(file), "FILE")
    quantities = [float(n.replace(",", "")) * _UNIT[u.lower()] for n, u in _QUANTITY.findall(prose)]
    assert len(quantities) >= 2, message
    size, limit = quantities[0], quantities[1]
    assert size > limit, f"the message quotes the file as no larger than the limit: {message!r}"


async def test_invalid_json_names_line_and_column(config: ServerConfig, allowed: Path) -> None:
    (allowed / "broken.json").write_text('{"customers": [\n  {"customer_id": "A", "name": "B"},\n  oops\n]}')
    async with connect(config) as client:
        result = await client.call_tool("load_portfolio", {"path": str(allowed / "broken.json")})
        message = assert_tool_error(result, "broken.json", "not valid JSON", "line 3", "column")
    assert "oops" not in message


NON_PORTFOLIOS: list[tuple[str, Any]] = [
    ("object", {"secret": MARKER}),
    ("nested-object", {"config": {"password": MARKER, "customers_count": 3}}),
    ("bare-string", MARKER),
    ("customers-not-a-list", {"customers": MARKER}),
    ("list-of-objects", [{"secret": MARKER}, {"token": MARKER}]),
    ("list-of-strings", [MARKER, MARKER]),
    ("keys", [{MARKER: 1}]),
    ("id-only", [{"customer_id": MARKER}]),
    ("bad-number", [{"customer_id": "x", "name": MARKER, "arr": MARKER}]),
    ("bad-date", [{"customer_id": "x", "name": "y", "contract_end_date": MARKER}]),
    ("bad-segment", [{"customer_id": "x", "name": "y", "segment": MARKER}]),
    ("duplicate-ids", [{"customer_id": MARKER, "name": "a"}, {"customer_id": MARKER, "name": "b"}]),
    # Keys of the file's own objects are content too (product_usage is keyed by module name).
    (
        "product-usage-key",
        [{"customer_id": "x", "name": "y", "product_usage": {MARKER: {"adopted": "maybe"}}}],
    ),
    ("product-usage-value", [{"customer_id": "x", "name": "y", "product_usage": {MARKER: "on"}}]),
]


@pytest.mark.parametrize(("label", "document"), NON_PORTFOLIOS, ids=[n[0] for n in NON_PORTFOLIOS])
async def test_a_non_portfolio_file_is_refused_without_quoting_it(
    config: ServerConfig, allowed: Path, label: str, document: Any
) -> None:
    path = allowed / f"{label}.json"
    path.write_text(json.dumps(document))
    async with connect(config) as client:
        result = await client.call_tool("load_portfolio", {"path": str(path)})
        message = assert_tool_error(result, absent=(MARKER, "hunter2"))
        assert "portfolio" in message.lower() or "customers" in message.lower(), message
        assert ok(await client.call_tool("list_portfolios", {}))["total"] == 0


async def test_invalid_json_with_secrets_does_not_quote_them(config: ServerConfig, allowed: Path) -> None:
    (allowed / "env.json").write_text(f'{{"password": "{MARKER}", oops}}')
    (allowed / "dotenv.json").write_text(f"PASSWORD={MARKER}\n")
    async with connect(config) as client:
        for name in ("env.json", "dotenv.json"):
            result = await client.call_tool("load_portfolio", {"path": str(allowed / name)})
            assert_tool_error(result, "line", "column", absent=(MARKER, "hunter2"))


async def test_invalid_inline_data(config: ServerConfig) -> None:
    async with connect(config) as client:
        result = await client.call_tool(
            "load_portfolio", {"accounts": [{"customer_id": "X-1"}, {"name": "No Id"}]}
        )
        assert_tool_error(result, "None of the 2", "name", "customer_id")
        assert_tool_error(await client.call_tool("load_portfolio", {"accounts": []}), "empty")
        assert_tool_error(await client.call_tool("load_portfolio", {"accounts": "two accounts"}), "accounts")
        assert_tool_error(await client.call_tool("load_portfolio", {"accounts": ["A", "B"]}), "accounts")
        assert_tool_error(await client.call_tool("score_health", {"accounts": []}), "empty")
        result = await client.call_tool(
            "load_portfolio", {"accounts": example_accounts()[:1], "name": "../../etc/passwd"}
        )
        assert_tool_error(result, "name")
        result = await client.call_tool(
            "load_portfolio", {"accounts": example_accounts()[:1], "as_of": "2026-13-45"}
        )
        assert_tool_error(result, "as_of")
        assert ok(await client.call_tool("list_portfolios", {}))["total"] == 0


async def test_both_path_and_accounts_or_neither(config: ServerConfig, allowed: Path) -> None:
    async with connect(config) as client:
        both = await client.call_tool(
            "load_portfolio", {"path": str(allowed / "portfolio.json"), "accounts": example_accounts()[:1]}
        )
        assert_tool_error(both, "path", "accounts")
        assert_tool_error(await client.call_tool("load_portfolio", {}), "path", "accounts")
        await load(client, allowed / "portfolio.json")
        mixed_call = await client.call_tool(
            "score_health", {"accounts": example_accounts()[:1], "portfolio": "portfolio"}
        )
        assert_tool_error(mixed_call, "accounts", "portfolio")


@pytest.mark.parametrize(
    ("tool_name", "args", "needle"),
    [
        ("find_accounts", {"limit": 0}, "limit"),
        ("find_accounts", {"limit": 101}, "limit"),
        ("score_health", {"limit": 101}, "limit"),
        ("score_churn_risk", {"limit": 0}, "limit"),
        ("score_expansion", {"limit": -5}, "limit"),
        ("find_accounts", {"renewal_within_days": -1}, "renewal_within_days"),
        ("find_accounts", {"min_arr": -1}, "min_arr"),
        ("portfolio_overview", {"renewal_window_days": 100_000}, "renewal_window_days"),
        ("find_accounts", {"health": "purple"}, "green"),
        ("find_accounts", {"risk_tier": "extreme"}, "critical"),
        ("find_accounts", {"segment": "galaxy"}, "enterprise"),
        ("find_accounts", {"sort_by": "vibes"}, "sort_by"),
        ("portfolio_overview", {"detail": "everything"}, "detail"),
        ("account_brief", {}, "account"),
    ],
)
async def test_bad_arguments(
    config: ServerConfig, allowed: Path, tool_name: str, args: dict, needle: str
) -> None:
    async with connect(config) as client:
        await load(client, allowed / "portfolio.json")
        assert_tool_error(await client.call_tool(tool_name, args), needle)


# --------------------------------------------------------------------------- allowed directories


async def test_client_roots_allow_their_directories(tmp_path: Path) -> None:
    root = tmp_path / "root"
    other = tmp_path / "other"
    root.mkdir()
    other.mkdir()
    shutil.copy(EXAMPLE, root / "book.json")
    shutil.copy(EXAMPLE, other / "book.json")

    async def list_roots(context: Any) -> mcp_types.ListRootsResult:
        return mcp_types.ListRootsResult(roots=[mcp_types.Root(uri=root.as_uri(), name="work")])

    config = ServerConfig(data_dir=tmp_path / "data")  # no configured directory
    async with connect(config, list_roots_callback=list_roots) as client:
        assert (await load(client, root / "book.json"))["accepted"] == 50
        refused = await client.call_tool("load_portfolio", {"path": str(other / "book.json")})
        assert_tool_error(refused, str(root.resolve()), "--allow-dir")


async def test_client_roots_narrow_the_configured_dirs_and_never_widen_them(tmp_path: Path) -> None:
    configured = tmp_path / "configured"
    inside = configured / "project"
    outside = tmp_path / "outside"
    inside.mkdir(parents=True)
    outside.mkdir()
    for folder in (configured, inside, outside):
        shutil.copy(EXAMPLE, folder / "book.json")
    offered: list[Path] = [inside]

    async def list_roots(context: Any) -> mcp_types.ListRootsResult:
        return mcp_types.ListRootsResult(roots=[mcp_types.Root(uri=r.as_uri()) for r in offered])

    config = ServerConfig(data_dir=tmp_path / "data", allowed_dirs=(configured.resolve(),))
    async with connect(config, list_roots_callback=list_roots) as client:
        assert (await load(client, inside / "book.json"))["accepted"] == 50
        narrowed = await client.call_tool("load_portfolio", {"path": str(configured / "book.json")})
        assert_tool_error(narrowed, "outside the allowed directories", str(inside.resolve()))
        # A root beyond the ceiling widens nothing: the configured directory stays the one allowed (as
        # when Claude Code offers its project folder while the exports sit in the configured directory).
        offered[:] = [outside]
        widened = await client.call_tool("load_portfolio", {"path": str(outside / "book.json")})
        assert_tool_error(widened, "outside the allowed directories", str(configured.resolve()))
        assert (await load(client, configured / "book.json", name="project-elsewhere"))["accepted"] == 50
        offered[:] = [tmp_path]  # a root above the configured directory narrows nothing
        assert (await load(client, configured / "book.json", name="again"))["accepted"] == 50
        refused = await client.call_tool("load_portfolio", {"path": str(outside / "book.json")})
        assert_tool_error(refused, "outside the allowed directories", str(configured.resolve()))


async def test_without_dirs_or_roots_no_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    shutil.copy(EXAMPLE, cwd / "here.json")
    monkeypatch.chdir(cwd)
    config = ServerConfig(data_dir=tmp_path / "data")
    async with connect(config) as client:
        for path in ("here.json", str(cwd / "here.json"), "/etc/passwd"):
            refused = await client.call_tool("load_portfolio", {"path": path})
            assert_tool_error(
                refused, "no directory is allowed", "--allow-dir", "CSM_ALLOWED_DIRS", "accounts"
            )
        inline = await client.call_tool(
            "load_portfolio", {"accounts": example_accounts()[:3], "name": "inline"}
        )
        assert ok(inline)["accepted"] == 3


# --------------------------------------------------------------------------- progress and persistence


async def test_load_reports_increasing_progress(config: ServerConfig, allowed: Path) -> None:
    events: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        events.append((progress, total, message))

    async with connect(config) as client:
        result = await client.call_tool(
            "load_portfolio", {"path": str(allowed / "portfolio.json")}, progress_callback=on_progress
        )
        ok(result)
    assert len(events) >= 3, events
    values = [p for p, _, _ in events]
    assert values == sorted(values) and len(set(values)) == len(values), events
    totals = {t for _, t, _ in events}
    assert len(totals) == 1 and None not in totals
    assert values[-1] == totals.pop()
    assert all(m for _, _, m in events)


async def test_a_new_server_on_the_same_data_dir_sees_the_portfolio(
    config: ServerConfig, allowed: Path
) -> None:
    async with connect(config) as client:
        loaded = await load(client, allowed / "portfolio.json", name="kept")
        first = ok(await client.call_tool("portfolio_overview", {}))
        brief = ok(await client.call_tool("account_brief", {"account": "ACC-00003"}))
    async with connect(config) as client:  # a fresh service and store on the same directory
        listing = ok(await client.call_tool("list_portfolios", {}))
        assert [p["name"] for p in listing["portfolios"]] == ["kept"]
        assert listing["portfolios"][0]["accounts"] == 50
        assert listing["portfolios"][0]["snapshots"] == 1
        again = ok(await client.call_tool("portfolio_overview", {"portfolio": "kept"}))
        assert again == first
        assert again["snapshot"]["snapshot_id"] == loaded["snapshot"]["snapshot_id"]
        assert ok(await client.call_tool("account_brief", {"account": "ACC-00003"})) == brief
        # Loading again adds a snapshot.
        await load(client, allowed / "portfolio.json", name="kept")
        assert ok(await client.call_tool("list_portfolios", {}))["portfolios"][0]["snapshots"] == 2


# --------------------------------------------------------------------------- sizes at 10,000 accounts


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory):
    """A 10,000-account portfolio on disk, loaded once into a shared service."""
    base = tmp_path_factory.mktemp("big")
    files = base / "files"
    files.mkdir()
    data = generate_portfolio(10_000, 20261123, AS_OF, missing_sections_share=0.08)
    for i, account in enumerate(data["customers"]):  # 60 CSMs: the overview's owner breakdown at full width
        account["owner"] = f"CSM {i % 60:02d}"
    path = files / "big.json"
    write_portfolio(path, {"as_of": AS_OF.isoformat(), **data})
    config = ServerConfig(data_dir=base / "data", allowed_dirs=(files,))
    service = PortfolioService(config)
    service.load(path=str(path), name="big")
    return config, service, path


@pytest.fixture(scope="module")
def size_table():
    sizes: dict[str, int] = {}
    yield sizes
    if sizes:
        print("\n\nDefault result size with 10,000 accounts (text block + json.dumps(structured_content)):")
        print(f"  {'tool':<20} {'bytes':>7}  (limit {SIZE_LIMIT:,} for each of the two)")
        for name in TOOLS:
            if name in sizes:
                print(f"  {name:<20} {sizes[name]:>7,}")


@pytest.mark.parametrize("tool_name", TOOLS)
async def test_default_results_stay_small_at_ten_thousand_accounts(big, size_table, tool_name: str) -> None:
    config, service, path = big
    async with Client(build_server(config, service)) as client:
        if tool_name == "load_portfolio":
            results = [await client.call_tool("load_portfolio", {"path": str(path), "name": "big"})]
        elif tool_name == "account_brief":
            # The heaviest briefs: the riskiest accounts and those with the most expansion.
            ids: list[str] = []
            for sort_by in ("risk", "expansion"):
                page = ok(await client.call_tool("find_accounts", {"sort_by": sort_by, "limit": 3}))
                ids += [r["customer_id"] for r in page["accounts"]]
            results = [await client.call_tool("account_brief", {"account": cid}) for cid in ids]
        else:
            results = [await client.call_tool(tool_name, {})]
    for result in results:
        ok(result)
        assert_text_carries_structure(result, limit=SIZE_LIMIT)  # each of the two blocks within 12 KB
    size = max(result_bytes(r) for r in results)
    size_table[tool_name] = size
