"""The dashboard app and the chart tool through the real protocol (in-memory client): the app is a ui://
resource bound to show_dashboard and advertised as the MCP Apps extension; its HTML is self-contained
and carries no data; the tool's result is small for the model and carries every row for the app; the
chart tool returns a PNG image beside the numbers it shows."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import re
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from PIL import Image

from customer_success_mcp.pipeline import score_file, summarise
from customer_success_mcp.render.chart_models import HEALTH_COLOURS, TIER_COLOURS
from customer_success_mcp.server.app import build_server
from customer_success_mcp.server.compact import compact_text
from customer_success_mcp.server.config import ServerConfig
from customer_success_mcp.server.dashboard import (
    DASHBOARD_URI,
    ROW_COLUMNS,
    ROWS_META_KEY,
    ChartResult,
    Dashboard,
    build_dashboard,
)
from customer_success_mcp.server.models import SnapshotRef

pytestmark = pytest.mark.anyio

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "portfolio.json"
APP_MIME = "text/html;profile=mcp-app"
RESULT_LIMIT = 12_000  # bytes of structured content + text, as for every other tool's default result
TOOL_LIST_LIMIT = 24_000


@asynccontextmanager
async def connect(tmp_path: Path, portfolio: Path | None = EXAMPLE) -> AsyncIterator[Client]:
    files = tmp_path / "files"
    files.mkdir(exist_ok=True)
    config = ServerConfig(data_dir=tmp_path / "data", allowed_dirs=(files,))
    async with Client(build_server(config)) as client:
        if portfolio is not None:
            target = files / portfolio.name
            if not target.exists():
                shutil.copy(portfolio, target)
            loaded = await client.call_tool("load_portfolio", {"path": str(target)})
            assert not loaded.is_error, loaded
        yield client


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
async def example_client(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Client]:
    """One server with the example loaded, shared by the tests that only read it."""
    async with connect(tmp_path_factory.mktemp("visual")) as client:
        yield client


def text_of(result: Any) -> str:
    return "\n".join(c.text for c in result.content if c.type == "text")


def size_of(result: Any) -> int:
    return len(text_of(result).encode()) + len(json.dumps(result.structured_content).encode())


async def test_dashboard_is_an_app_bound_to_a_self_contained_resource(tmp_path: Path) -> None:
    async with connect(tmp_path, None) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert tools["show_dashboard"].meta == {"ui": {"resourceUri": DASHBOARD_URI}}
        assert tools["show_dashboard"].annotations.read_only_hint is True
        assert "io.modelcontextprotocol/ui" in (client.server_capabilities.extensions or {})
        listed = {str(r.uri): r for r in (await client.list_resources()).resources}
        assert listed[DASHBOARD_URI].mime_type == APP_MIME
        content = (await client.read_resource(DASHBOARD_URI)).contents[0]
    html = content.text
    assert content.mime_type == APP_MIME
    assert len(html.encode()) < 300_000
    assert html.startswith("<!doctype html>")
    # Self-contained: nothing to fetch (the only URL is the SVG namespace, which is a name, not a request).
    assert re.findall(r"https?://[^\s\"'<>]+", html) == ["http://www.w3.org/2000/svg"]
    for fetching in (
        "src=",
        "href=",
        "url(",
        "@import",
        "fetch(",
        "XMLHttpRequest",
        "WebSocket",
        "@font-face",
    ):
        assert fetching not in html, fetching
    # No data baked in: nothing from the loaded example, no figure.
    example = json.loads(EXAMPLE.read_text())["customers"]
    assert not any(c["customer_id"] in html or c["name"] in html for c in example)
    assert not re.search(r"\$\d", html)  # no money figure
    # The palette the PNGs use is the app's too.
    for name, colour in {**HEALTH_COLOURS, **{f"tier-{k}": v for k, v in TIER_COLOURS.items()}}.items():
        assert colour in html, name


async def test_dashboard_result_is_small_for_the_model_and_complete_for_the_app(
    example_client: Client,
) -> None:
    client = example_client
    result = await client.call_tool("show_dashboard", {})
    brief = (await client.call_tool("account_brief", {"account": "ACC-00016"})).structured_content
    assert not result.is_error
    dashboard = Dashboard.model_validate(result.structured_content)
    assert (dashboard.accounts, dashboard.total_arr, dashboard.arr_at_risk) == (50, 4_206_900, 851_000)
    assert dashboard.renewals.days == 180
    text = text_of(result)
    headline, _, body = text.partition("\n")
    assert "Portfolio dashboard for portfolio, as of 2026-11-23" in headline
    assert body == compact_text(dashboard)  # the text carries what the structure carries
    assert size_of(result) < RESULT_LIMIT
    rows = result.meta[ROWS_META_KEY]
    assert rows["columns"] == list(ROW_COLUMNS)
    assert dashboard.rows.sent == dashboard.rows.total == len(rows["rows"]) == 50
    table = [dict(zip(rows["columns"], r, strict=True)) for r in rows["rows"]]
    assert [r["arr"] for r in table] == sorted((r["arr"] for r in table), reverse=True)
    assert (table[0]["customer_id"], table[0]["arr"]) == ("ACC-00017", 590_000)  # the largest account
    row = next(r for r in table if r["customer_id"] == "ACC-00016")  # Pinebridge: critical, renews in 50 days
    assert (row["risk_tier"], row["health_class"], row["days_to_renewal"], row["renewal_date"]) == (
        "critical",
        "red",
        50,
        "2027-01-12",
    )
    assert (
        row["health_score"] == brief["health"]["score"] and row["risk_score"] == brief["churn"]["risk_score"]
    )
    assert row["expansion_weighted"] == brief["expansion"]["weighted_estimated_revenue"]


def test_a_large_book_sends_the_largest_accounts_and_says_so() -> None:
    scored = score_file(EXAMPLE, dt.date(2026, 11, 23))
    ref = SnapshotRef(portfolio="p", snapshot_id=1, as_of=scored.as_of, loaded_at="-", source="-")
    dashboard, rows = build_dashboard(scored, summarise(scored), ref, max_rows=10)
    assert (dashboard.accounts, dashboard.rows.sent, dashboard.rows.total) == (50, 10, 50)
    assert "the 10 largest of 50 accounts" in dashboard.rows.where
    arr = [r[ROW_COLUMNS.index("arr")] for r in rows["rows"]]
    assert arr == sorted(scored.table.values["arr"].tolist(), reverse=True)[:10]
    assert dashboard.total_arr == 4_206_900  # the figures still count every account


async def test_dashboard_without_a_portfolio_says_how_to_load_one(tmp_path: Path) -> None:
    async with connect(tmp_path, None) as client:
        result = await client.call_tool("show_dashboard", {})
    assert result.is_error and "load_portfolio" in text_of(result)


@pytest.mark.parametrize(
    "kind", ["arr_by_health", "arr_by_risk_tier", "arr_by_segment", "renewals_by_month", "risk_vs_arr"]
)
async def test_chart_returns_a_png_and_the_numbers_behind_it(example_client: Client, kind: str) -> None:
    client = example_client
    result = await client.call_tool("chart", {"kind": kind})
    assert not result.is_error
    images = [c for c in result.content if c.type == "image"]
    assert len(images) == 1 and images[0].mime_type == "image/png"
    png = base64.b64decode(images[0].data)
    assert len(png) < 100_000
    with Image.open(io.BytesIO(png)) as image:
        image.load()
        assert image.size == (900, 500)
    chart = ChartResult.model_validate(result.structured_content)
    assert (chart.kind, chart.image.bytes, chart.image.width, chart.image.height) == (
        kind,
        len(png),
        900,
        500,
    )
    assert chart.data.kind == kind
    headline, _, body = text_of(result).partition("\n")
    assert chart.title in headline and "PNG" in headline
    assert body == compact_text(chart)
    assert size_of(result) < RESULT_LIMIT
    if kind == "risk_vs_arr":  # one point per account is drawn, not sent
        assert "arr" not in result.structured_content["data"]
        assert [p["customer_id"] for p in result.structured_content["data"]["labelled"]][:2] == [
            "ACC-00003",
            "ACC-00018",
        ]


async def test_chart_renewal_window_is_an_argument(example_client: Client) -> None:
    client = example_client
    result = await client.call_tool("chart", {"kind": "renewals_by_month", "renewal_window_days": 90})
    data = result.structured_content["data"]
    # As `csm report` says for the example: 18 accounts, $1,695,300 renew within 90 days (to 2027-02-21).
    assert (data["days"], data["ends_on"], data["accounts"], data["arr"]) == (90, "2027-02-21", 18, 1_695_300)


async def test_health_migration_names_what_it_needs(example_client: Client) -> None:
    client = example_client
    result = await client.call_tool("chart", {"kind": "health_migration"})
    assert result.is_error
    assert "two snapshots" in text_of(result) and "load_portfolio" in text_of(result)


async def test_health_migration_draws_the_last_two_snapshots(tmp_path: Path) -> None:
    """A later export of the same book, 5 accounts gone: the chart's cells are compare_snapshots' cells."""
    later = json.loads(EXAMPLE.read_text())
    later["as_of"], later["customers"] = "2027-02-21", later["customers"][5:]
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "later.json").write_text(json.dumps(later))
    async with connect(tmp_path) as client:
        second = {"path": str(tmp_path / "files" / "later.json"), "name": "portfolio"}
        assert not (await client.call_tool("load_portfolio", second)).is_error
        result = await client.call_tool("chart", {"kind": "health_migration"})
        compared = (await client.call_tool("compare_snapshots", {})).structured_content["comparison"]
    assert not result.is_error, text_of(result)
    data = result.structured_content["data"]
    assert (data["from_as_of"], data["to_as_of"]) == ("2026-11-23", "2027-02-21")
    assert (data["gone_accounts"], data["new_accounts"]) == (5, 0)
    cells = {(c["from_class"], c["to_class"]): (c["accounts"], c["arr"]) for c in data["cells"]}
    assert cells == {
        (c["before"], c["after"]): (c["accounts"], c["arr"]) for c in compared["health_migration"]
    }
    assert sum(n for n, _ in cells.values()) == 45
    image = next(c for c in result.content if c.type == "image")
    assert base64.b64decode(image.data)[:8] == b"\x89PNG\r\n\x1a\n"


async def test_unknown_chart_kind_is_refused(example_client: Client) -> None:
    client = example_client
    result = await client.call_tool("chart", {"kind": "pie_of_everything"})
    assert result.is_error and "arr_by_health" in text_of(result)


async def test_the_whole_tool_list_stays_under_24_kb(tmp_path: Path) -> None:
    async with connect(tmp_path, None) as client:
        tools = (await client.list_tools()).tools
    listing = [{"name": t.name, "description": t.description, "inputSchema": t.input_schema} for t in tools]
    assert len(json.dumps(listing).encode()) < TOOL_LIST_LIMIT
    first_lines = {t.name: (t.description or "").splitlines()[0] for t in tools}
    assert first_lines["show_dashboard"].startswith("Show the interactive portfolio dashboard")
    assert first_lines["chart"].startswith("Draw a portfolio chart")
