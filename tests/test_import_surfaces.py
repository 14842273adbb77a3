"""CSV and Excel imports through the service, the store, the MCP protocol and the `csm` command line."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import mcp_types
import pytest
from mcp import Client

from conftest import assert_text_carries_structure
from customer_success_mcp.cli import main
from customer_success_mcp.generate import EXAMPLE_AS_OF, example_portfolio
from customer_success_mcp.generate.exports import write_exports
from customer_success_mcp.server.app import build_server
from customer_success_mcp.server.config import ServerConfig
from customer_success_mcp.server.errors import UserError
from customer_success_mcp.server.service import PortfolioService
from customer_success_mcp.store import SnapshotStore

pytestmark = pytest.mark.anyio

CRM = "Ref,Client,ARR (USD),Renewal Date,CSM,Internal Notes\r\nA-1,Acme,\"$120,000\",2027-03-25,Dana,x\r\n" \
      "A-2,Beta,\"45,000\",2027-04-01,Marco,y\r\n"  # fmt: skip
PRODUCT = "Account ID;Logins (30d);Feature Adoption %\r\nA-1;1204;45%\r\nA-2;310;72\r\n"


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    d = tmp_path / "exports"
    d.mkdir()
    (d / "crm.csv").write_text(CRM, encoding="utf-8")
    (d / "product.csv").write_text(PRODUCT, encoding="cp1252")
    (d / "map.toml").write_text('[columns]\n"Ref" = "customer_id"\n"Client" = "name"\n', encoding="utf-8")
    return d


@pytest.fixture
def config(tmp_path: Path, exports: Path) -> ServerConfig:
    return ServerConfig(data_dir=tmp_path / "data", allowed_dirs=(exports,))


def text_of(result: mcp_types.CallToolResult) -> str:
    return "\n".join(b.text for b in result.content if isinstance(b, mcp_types.TextContent))


def ok(result: mcp_types.CallToolResult) -> dict[str, Any]:
    assert not result.is_error, text_of(result)
    assert result.structured_content is not None
    return result.structured_content


# --------------------------------------------------------------------------- service and store


def test_a_mapping_that_worked_is_saved_and_reused_next_time(config: ServerConfig, exports: Path) -> None:
    service = PortfolioService(config)
    paths = [str(exports / "crm.csv"), str(exports / "product.csv")]
    with pytest.raises(UserError, match="no column holds the account id"):
        service.load(paths=paths)  # "Ref" is not a header anyone could guess
    first = service.load(paths=paths, mapping=str(exports / "map.toml"), name="book")
    assert (first.total, first.accepted, first.rejected) == (2, 2, 0)
    assert [i.reused_saved_mapping for i in first.imports] == [False, False]
    again = PortfolioService(config).load(
        paths=paths, name="book"
    )  # a fresh process: only the store remembers
    # Both mappings worked, so both were kept: the CRM's explicit one and the product file's automatic one.
    assert (again.accepted, [i.reused_saved_mapping for i in again.imports]) == (2, [True, True])
    found = PortfolioService(config).find_accounts("book")
    assert {(a.customer_id, a.owner) for a in found.accounts} == {("A-1", "Dana"), ("A-2", "Marco")}


def test_an_explicit_mapping_wins_over_the_saved_one(config: ServerConfig, exports: Path) -> None:
    service = PortfolioService(config)
    crm = str(exports / "crm.csv")
    service.load(path=crm, mapping={"Ref": "customer_id", "Client": "name"})
    result = service.load(path=crm, mapping={"Ref": "customer_id", "Client": "name", "CSM": "ignore"})
    assert result.accepted == 2
    inspected = service.inspect_export(crm)
    assert inspected.reused_saved_mapping
    assert "CSM" in inspected.ignored  # the last mapping that worked is the one remembered


def test_a_store_from_before_mappings_existed_keeps_working(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    with sqlite3.connect(data / SnapshotStore.FILENAME) as conn:  # the schema as it was: snapshots only
        conn.executescript(
            "CREATE TABLE snapshots (id INTEGER PRIMARY KEY AUTOINCREMENT, portfolio TEXT NOT NULL, "
            "as_of TEXT NOT NULL, loaded_at TEXT NOT NULL, source TEXT NOT NULL, total INTEGER NOT NULL, "
            "accepted INTEGER NOT NULL, rejected INTEGER NOT NULL, arr REAL NOT NULL, "
            "accounts BLOB NOT NULL, report TEXT NOT NULL);"
        )
    store = SnapshotStore(data)
    assert store.saved_mapping("headers:x") is None
    store.save_mapping("headers:x", "crm.csv", {"columns": {"Ref": "customer_id"}})
    assert store.saved_mapping("headers:x").mapping == {"columns": {"Ref": "customer_id"}}
    assert store.portfolios() == []


def test_imported_snapshots_survive_a_restart(config: ServerConfig, exports: Path, tmp_path: Path) -> None:
    paths = write_exports(example_portfolio(), exports / "generated")
    loaded = PortfolioService(config).load(paths=[str(p) for p in paths], as_of=EXAMPLE_AS_OF, name="gen")
    assert loaded.accepted == 50
    before = loaded.overview
    after = PortfolioService(config).overview("gen").summary  # re-read from the store, re-validated
    assert after.total_arr == before.total_arr and after.average_health == before.average_health


# --------------------------------------------------------------------------- MCP protocol


async def test_inspect_export_through_the_protocol(config: ServerConfig, exports: Path) -> None:
    async with Client(build_server(config)) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        result = await client.call_tool("inspect_export", {"path": str(exports / "product.csv")})
        mapped = await client.call_tool(
            "inspect_export", {"path": str(exports / "crm.csv"), "mapping": str(exports / "map.toml")}
        )
    assert tools["inspect_export"].annotations.read_only_hint is True
    assert tools["inspect_export"].description.startswith("Check how a CSV or Excel export would be imported")
    found = ok(result)
    assert found["headers"] == ["Account ID", "Logins (30d)", "Feature Adoption %"]
    assert found["sample"][0] == {"Account ID": "A-1", "Logins (30d)": "1204", "Feature Adoption %": "45%"}
    assert found["format"] == "csv" and found["delimiter"] == ";"
    assert {(c["header"], c["field"]) for c in found["columns"]} == {
        ("Account ID", "customer_id"), ("Logins (30d)", "usage.logins_30d"),
        ("Feature Adoption %", "usage.feature_adoption"),
    }  # fmt: skip
    assert all(c["confidence"] >= 0.9 for c in found["columns"])
    assert found["not_found"] == ["name", "arr", "contract_end_date"]
    text = assert_text_carries_structure(result)  # a text-only host sees the whole mapping too
    assert "Logins (30d) | usage.logins_30d | 0.95" in text
    crm = ok(mapped)
    assert {c["header"]: c["origin"] for c in crm["columns"]}["Ref"] == "explicit"
    assert crm["unmapped"] == ["Internal Notes"]
    assert "Internal Notes" in text_of(mapped)


async def test_load_several_exports_and_filter_by_owner(config: ServerConfig, exports: Path) -> None:
    async with Client(build_server(config)) as client:
        loaded = ok(await client.call_tool("load_portfolio", {
            "paths": [str(exports / "crm.csv"), str(exports / "product.csv")],
            "mapping": {"Ref": "customer_id", "Client": "name"}, "name": "book",
        }))  # fmt: skip
        page = ok(await client.call_tool("find_accounts", {"owner": "DANA"}))
        refused = await client.call_tool("load_portfolio", {"paths": ["/etc/passwd"]})
    assert (loaded["total"], loaded["accepted"]) == (2, 2)
    assert [i["source"] for i in loaded["imports"]] == ["crm.csv", "product.csv"]
    assert loaded["imports"][0]["unmapped"] == ["Internal Notes"]
    assert [(a["customer_id"], a["owner"]) for a in page["accounts"]] == [("A-1", "Dana")]
    assert refused.is_error and "allowed directories" in text_of(refused)


async def test_an_ambiguous_date_order_is_a_tool_error_naming_the_fix(
    config: ServerConfig, exports: Path
) -> None:
    (exports / "dates.csv").write_text(
        "Account ID,Name,Renewal Date\nA-1,One,03/04/2027\nA-2,Two,05/06/2027\n"
    )
    async with Client(build_server(config)) as client:
        asked = await client.call_tool("load_portfolio", {"path": str(exports / "dates.csv")})
        told = await client.call_tool(
            "load_portfolio", {"path": str(exports / "dates.csv"), "date_order": "DMY"}
        )
    assert asked.is_error and "date_order" in text_of(asked) and "Renewal Date" in text_of(asked)
    assert ok(told)["accepted"] == 2


async def test_the_whole_tool_list_stays_under_24_kb(config: ServerConfig) -> None:
    async with Client(build_server(config)) as client:
        tools = (await client.list_tools()).tools
    listed = [{"name": t.name, "description": t.description, "inputSchema": t.input_schema} for t in tools]
    assert len(json.dumps(listed).encode()) < 24 * 1024


# --------------------------------------------------------------------------- command line


def test_csm_inspect_text_and_json(capsys: pytest.CaptureFixture[str], exports: Path) -> None:
    assert main(["inspect", str(exports / "crm.csv"), "--mapping", str(exports / "map.toml")]) == 0
    out = capsys.readouterr().out
    assert "crm.csv: CSV, utf-8, comma-separated; 2 rows, 6 columns" in out
    assert "Ref -> customer_id (1, explicit)" in out
    assert "ARR (USD) -> arr (0.95, synonym)" in out
    assert "Unmapped (left out): Internal Notes" in out
    assert main(["inspect", str(exports / "product.csv"), "--format", "json"]) == 0
    [found] = json.loads(capsys.readouterr().out)
    assert found["rows"] == 2 and found["unmapped"] == []


def test_csm_scores_several_exports_and_validate_names_file_row_and_column(
    capsys: pytest.CaptureFixture[str], exports: Path
) -> None:
    files = [str(exports / "crm.csv"), str(exports / "product.csv")]
    assert main(["health", *files, "--mapping", str(exports / "map.toml"), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {c["customer_id"] for c in report["customers"]} == {"A-1", "A-2"}
    (exports / "bad.csv").write_text("Account ID,Name,NPS\nA-1,One,11\n", encoding="utf-8")
    assert main(["validate", str(exports / "bad.csv")]) == 2
    out = capsys.readouterr().out
    assert (
        'rejected #0 A-1: bad.csv row 2, column "NPS": engagement.nps_score must be between 0 and 10' in out
    )


def test_csm_generate_exports_then_report(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "out"
    assert (
        main(
            ["generate", "--accounts", "20", "--seed", "4", "--as-of", "2026-11-23", "--exports", str(target)]
        )
        == 0
    )
    names = sorted(p.name for p in target.iterdir())
    assert names == ["crm_accounts.csv", "nps_survey.csv", "product_analytics.csv", "support_desk.xlsx"]
    capsys.readouterr()
    assert (
        main(["report", *[str(target / n) for n in names], "--as-of", "2026-11-23", "--format", "json"]) == 0
    )
    assert json.loads(capsys.readouterr().out)["accounts"] == 20
