"""The tool list carries compact input schemas that still describe every argument truthfully."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from mcp import Client

from customer_success_mcp.server.app import build_server
from customer_success_mcp.server.config import ServerConfig
from customer_success_mcp.server.listing import compact_schema


def test_optional_arguments_are_advertised_as_their_own_type_without_titles() -> None:
    full = {
        "type": "object",
        "title": "find_accountsArguments",
        "properties": {
            "owner": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None,
                      "description": "The owner", "title": "Owner"},
            "min_arr": {"anyOf": [{"type": "number", "minimum": 0}, {"type": "null"}], "default": None,
                        "title": "Min Arr"},
            "limit": {"type": "integer", "default": 20, "maximum": 100, "title": "Limit"},
            "mapping": {"anyOf": [{"type": "object"}, {"type": "string"}, {"type": "null"}], "default": None},
        },
        "required": [],
    }  # fmt: skip
    assert compact_schema(full) == {
        "type": "object",
        "properties": {
            "owner": {"type": "string", "description": "The owner"},
            "min_arr": {"type": "number", "minimum": 0},
            "limit": {"type": "integer", "default": 20, "maximum": 100},
            # Two real alternatives besides null: kept as written (null included), only the title goes.
            "mapping": {"anyOf": [{"type": "object"}, {"type": "string"}, {"type": "null"}], "default": None},
        },
        "required": [],
    }


@pytest.mark.anyio
async def test_the_listed_schemas_accept_what_the_tools_accept(tmp_path: Path) -> None:
    config = ServerConfig(data_dir=tmp_path / "d", allowed_dirs=(tmp_path,))
    async with Client(build_server(config)) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        listed = json.dumps(
            [
                {"name": t.name, "description": t.description, "inputSchema": t.input_schema}
                for t in tools.values()
            ]
        )
        assert '"title":' not in listed  # no schema titles (each tool's own title is outside its schema)
        nulls = [t.name for t in tools.values() if '{"type": "null"}' in json.dumps(t.input_schema)]
        assert nulls == ["load_portfolio", "inspect_export"], nulls  # mapping: object, path or null
        calls = {
            "find_accounts": {
                "owner": "Ana",
                "min_arr": 1000,
                "coverage_below": 0.6,
                "sort_by": "health_drop",
            },
            "query_portfolio": {"sql": "SELECT COUNT(*) FROM accounts", "max_rows": 10},
            "load_portfolio": {"path": str(tmp_path / "book.csv"), "mapping": {"Account": "customer_id"}},
        }
        for name, args in calls.items():
            jsonschema.validate(args, tools[name].input_schema)
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({"coverage_below": 2}, tools["find_accounts"].input_schema)
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({"sort_by": "vibes"}, tools["find_accounts"].input_schema)
        # The tool itself still takes an explicit null for an optional argument.
        result = await client.call_tool("list_portfolios", {})
        assert not result.is_error
        empty = await client.call_tool("find_accounts", {"owner": None})
        assert (
            empty.is_error and "load_portfolio" in empty.content[0].text
        )  # nothing loaded yet, not a type error


@pytest.mark.anyio
async def test_servers_in_one_process_share_tool_schemas_but_not_their_services(tmp_path: Path) -> None:
    """Tool schemas are built once per process and reused; each server's tools still reach its own
    service (a portfolio loaded through one server is not in the other)."""
    from conftest import make_account

    first = build_server(ServerConfig(data_dir=tmp_path / "one", allowed_dirs=(tmp_path,)))
    second = build_server(ServerConfig(data_dir=tmp_path / "two", allowed_dirs=(tmp_path,)))
    async with Client(first) as one, Client(second) as two:
        listed_one = {t.name: t.input_schema for t in (await one.list_tools()).tools}
        listed_two = {t.name: t.input_schema for t in (await two.list_tools()).tools}
        assert listed_one == listed_two and len(listed_one) > 20
        loaded = await one.call_tool("load_portfolio", {"accounts": [make_account()], "name": "only-one"})
        assert not loaded.is_error
        mine = (await one.call_tool("list_portfolios", {})).structured_content
        theirs = (await two.call_tool("list_portfolios", {})).structured_content
    assert [p["name"] for p in mine["portfolios"]] == ["only-one"]
    assert theirs["portfolios"] == []


def test_a_dropped_server_leaves_nothing_behind(tmp_path: Path) -> None:
    """The process-wide tool cache keeps schemas, not a server's service (its store and cache)."""
    import gc
    import weakref

    from customer_success_mcp.server import listing
    from customer_success_mcp.server.service import PortfolioService

    listing._TOOLS.clear()  # this server is the first to build the tools, as a process's first server is
    service = PortfolioService(ServerConfig(data_dir=tmp_path / "one", allowed_dirs=(tmp_path,)))
    gone = weakref.ref(service)
    build_server(service.config, service)
    del service
    gc.collect()
    assert gone() is None
