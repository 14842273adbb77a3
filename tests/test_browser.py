"""The dashboard app and the HTML report drawn in a real browser (headless Chromium, system package).

The dashboard runs inside our own minimal MCP Apps host (tests/browser_host.py) in a sandboxed frame under
the spec's restrictive CSP, fed the real `show_dashboard` result from the real server; its tool calls go
back to that server. Every test asserts that the page logged no console error, threw nothing and made no
network request. Skips locally without Chromium; fails instead when CSM_BROWSER_TESTS=require (CI).
`CSM_UPDATE_SCREENSHOTS=1` also writes the README's screenshots to docs/.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from browser_host import LAUNCH_ARGS, chromium_path, distinct_colours, keep_screenshot, open_app, watched_page
from customer_success_mcp.formatting import money, money_short, share
from customer_success_mcp.pipeline import score_file, summarise
from customer_success_mcp.render.report_html import report_html
from customer_success_mcp.server.app import build_server
from customer_success_mcp.server.config import ServerConfig
from customer_success_mcp.server.dashboard import dashboard_html

pytestmark = pytest.mark.anyio

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "portfolio.json"
AS_OF = dt.date(2026, 11, 23)


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Any]:
    path = chromium_path()
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        launched = await pw.chromium.launch(executable_path=path, args=LAUNCH_ARGS)
        yield launched
        await launched.close()


class Served:
    """The real server with the example loaded, over the in-memory MCP client."""

    def __init__(self, client: Client, dashboard: dict[str, Any]) -> None:
        self.client = client
        self.dashboard = dashboard
        self.html = dashboard_html()

    async def call_tool(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        result = await self.client.call_tool(name, arguments)
        return result.model_dump(by_alias=True, mode="json", exclude_none=True)


@pytest.fixture(scope="module")
async def served() -> AsyncIterator[Served]:
    with tempfile.TemporaryDirectory() as tmp:
        config = ServerConfig(data_dir=Path(tmp) / "data", allowed_dirs=(EXAMPLE.parent,))
        async with Client(build_server(config)) as client:
            loaded = await client.call_tool("load_portfolio", {"path": str(EXAMPLE)})
            assert not loaded.is_error
            result = await client.call_tool("show_dashboard", {})
            assert not result.is_error
            yield Served(client, result.model_dump(by_alias=True, mode="json", exclude_none=True))


@pytest.fixture(scope="module")
def example() -> dict[str, Any]:
    return json.loads(EXAMPLE.read_text())


async def _open(browser: Any, served: Served, result: dict[str, Any] | None = None, **context: Any) -> tuple:
    page, watch = await watched_page(browser, 1200, 1700)  # tall enough for the whole app: no resize to shoot
    frame = await open_app(page, served.html, result or served.dashboard, served.call_tool, context or None)
    return page, watch, frame


async def _rows(frame: Any) -> list[str]:
    return await frame.eval_on_selector_all("#rows tr", "rows => rows.map(r => r.dataset.id)")


async def test_dashboard_draws_the_real_tool_result(browser: Any, served: Served, example: dict) -> None:
    page, watch, frame = await _open(browser, served)
    data = served.dashboard["structuredContent"]
    text = await frame.inner_text("body")
    for figure in (
        money(data["total_arr"]),
        money(data["arr_at_risk"]),
        money(data["expansion_weighted"]),
        money(data["renewals"]["arr"]),
    ):
        assert figure in text
    assert data["data_quality"] and all(note in text for note in data["data_quality"])
    customers = example["customers"]
    assert sorted(await _rows(frame)) == sorted(c["customer_id"] for c in customers)
    assert await frame.locator(".bar").count() == 4 + 4 + 3  # health classes, risk tiers, segments
    assert await frame.locator("#scatter circle").count() == sum(1 for c in customers if c["arr"] > 0)
    ends = [dt.date.fromisoformat(c["contract_end_date"]) for c in customers if c.get("contract_end_date")]
    assert await frame.locator("#timeline circle").count() == sum(0 <= (e - AS_OF).days <= 180 for e in ends)
    log = await page.evaluate("window.hostLog.map(m => m.method)")
    assert log[:2] == ["ui/initialize", "ui/notifications/initialized"]
    assert "ui/notifications/size-changed" in log
    shot = await page.locator("#app").screenshot()
    assert distinct_colours(shot) > 200
    keep_screenshot("dashboard.png", shot)
    watch.assert_clean()
    await page.context.close()


async def test_keyboard_opens_an_account_brief_through_the_host(browser: Any, served: Served) -> None:
    page, watch, frame = await _open(browser, served)
    await frame.locator("h1").click()
    for _ in range(80):
        await page.keyboard.press("Tab")
        if await frame.evaluate("document.activeElement.tagName") == "TR":
            break
    else:
        pytest.fail("Tab never reached an account row")
    account = await frame.evaluate("document.activeElement.dataset.id")
    await page.keyboard.press("Enter")
    await frame.locator(f"#brief-body[data-account='{account}']").wait_for(timeout=5_000)
    calls = await page.evaluate("window.hostLog.filter(m => m.method === 'tools/call').map(m => m.params)")
    assert calls == [{"name": "account_brief", "arguments": {"account": account, "portfolio": "portfolio"}}]
    brief = (await served.call_tool("account_brief", {"account": account}))["structuredContent"]
    shown = await frame.inner_text("#brief")
    assert brief["name"] in shown and money(brief["arr"]) in shown
    assert f"{brief['health']['score']:g}" in shown and f"{brief['churn']['risk_score']:g}" in shown
    await page.keyboard.press("Escape")
    assert await frame.evaluate("document.getElementById('brief').open") is False
    assert await frame.evaluate("document.activeElement.dataset.id") == account  # focus back on the row
    watch.assert_clean()
    await page.context.close()


async def test_filters_and_sorting_run_in_the_page(browser: Any, served: Served, example: dict) -> None:
    page, watch, frame = await _open(browser, served)
    rows = served.dashboard["_meta"]["customer-success/accounts"]
    cols = rows["columns"]
    table = [dict(zip(cols, r, strict=True)) for r in rows["rows"]]
    red = sorted(r["customer_id"] for r in table if r["health_class"] == "red")
    await frame.locator("select[name='health']").select_option("red")
    assert sorted(await _rows(frame)) == red
    assert await frame.locator(".bar[data-value='red']").get_attribute("aria-pressed") == "true"
    await frame.locator("button[type='reset']").click()
    await frame.locator(".bar[data-value='enterprise']").click()  # a bar filters too
    assert sorted(await _rows(frame)) == sorted(
        c["customer_id"] for c in example["customers"] if c["segment"].lower() == "enterprise"
    )
    await frame.locator("button[type='reset']").click()
    await frame.locator("input[name='text']").fill("acc-0001")
    assert sorted(await _rows(frame)) == [f"ACC-000{n}" for n in range(10, 20)]
    await frame.locator("input[name='text']").fill("")
    arr_header = frame.locator("th[data-key='arr']")
    assert await arr_header.get_attribute("aria-sort") == "descending"
    await arr_header.locator("button").press("Enter")  # sorting by keyboard
    assert await arr_header.get_attribute("aria-sort") == "ascending"
    smallest = min(example["customers"], key=lambda c: c["arr"])
    assert (await _rows(frame))[0] == smallest["customer_id"]
    watch.assert_clean()
    await page.context.close()


def _luminance(css: str) -> float:
    r, g, b = (int(v) for v in css[css.index("(") + 1 : css.index(")")].split(",")[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


async def test_dashboard_follows_the_host_theme(browser: Any, served: Served) -> None:
    page, watch, frame = await _open(browser, served, theme="dark")
    colours = await frame.evaluate(
        "[getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]"
    )
    assert _luminance(colours[0]) < 0.2 and _luminance(colours[1]) > 0.7, colours
    keep_screenshot("dashboard-dark.png", await page.locator("#app").screenshot())
    watch.assert_clean()
    await page.context.close()
    host_colour = "rgb(250, 240, 220)"
    page, watch, frame = await _open(
        browser, served, theme="light", styles={"variables": {"--color-background-primary": host_colour}}
    )
    assert await frame.evaluate("getComputedStyle(document.body).backgroundColor") == host_colour
    watch.assert_clean()
    await page.context.close()


async def test_hover_shows_name_arr_health_and_tier(browser: Any, served: Served) -> None:
    page, watch, frame = await _open(browser, served)
    row = next(iter(served.dashboard["structuredContent"]["at_risk_accounts"]))
    await frame.locator(f"#scatter circle[data-id='{row['customer_id']}']").hover()
    tip = await frame.inner_text("#tip")
    for part in (row["name"], money(row["arr"]), row["health_class"], row["risk_tier"]):
        assert part in tip
    watch.assert_clean()
    await page.context.close()


async def test_without_meta_rows_the_app_pages_through_find_accounts(browser: Any, served: Served) -> None:
    stripped = {k: v for k, v in served.dashboard.items() if k != "_meta"}  # a host that drops _meta
    page, watch, frame = await _open(browser, served, result=stripped)
    await frame.locator("#rows tr").nth(49).wait_for(timeout=5_000)
    assert len(await _rows(frame)) == 50
    names = await page.evaluate(
        "window.hostLog.filter(m => m.method === 'tools/call').map(m => m.params.name)"
    )
    assert set(names) == {"find_accounts"}
    watch.assert_clean()
    await page.context.close()


async def test_a_tool_error_is_shown_not_thrown(browser: Any, served: Served) -> None:
    error = {"content": [{"type": "text", "text": "No portfolio is loaded yet."}], "isError": True}
    page, watch = await watched_page(browser)
    await page.expose_function("callServerTool", served.call_tool)
    from browser_host import host_page

    await page.set_content(host_page(served.html, {"theme": "light"}, {}, error))
    alert = page.frame_locator("#app").locator("[role='alert']")
    await alert.wait_for(timeout=5_000)
    assert "No portfolio is loaded yet." in await alert.inner_text()
    watch.assert_clean()
    await page.context.close()


FORMAT_CASES = [
    0,
    0.5,
    1.5,
    2.5,
    9_999.5,
    10_000,
    12_500,
    99_999,
    999_499.9,
    999_500,
    1_000_000,
    1_250_000,
    1_350_000,
    4_206_900,
    2_487_557.3,
    123_456_789.5,
    -1_200,
    -0.4,
]
SHARE_CASES = [0, 0.005, 0.125, 0.135, 0.4237, 0.5875, 1, 0.0069]


async def test_app_writes_figures_as_formatting_py_does(browser: Any, served: Served) -> None:
    page, watch, frame = await _open(browser, served)
    got = await frame.evaluate(
        "([m, s]) => { const f = window.csmDashboard.format; return [m.map(f.money), m.map(f.moneyShort),"
        " s.map(v => f.share(v)), s.map(v => f.share(v, 1))]; }",
        [FORMAT_CASES, SHARE_CASES],
    )
    assert got == [
        [money(v) for v in FORMAT_CASES],
        [money_short(v) for v in FORMAT_CASES],
        [share(v) for v in SHARE_CASES],
        [share(v, 1) for v in SHARE_CASES],
    ]
    watch.assert_clean()
    await page.context.close()


async def test_html_report_draws_offline_and_prints_to_pdf(browser: Any) -> None:
    scored = score_file(EXAMPLE, AS_OF)
    summary = summarise(scored)
    page, watch = await watched_page(browser, width=1100, height=1400)
    await page.set_content(report_html(scored, summary, EXAMPLE.name))
    text = await page.inner_text("body")
    for figure in (money(summary.total_arr), money(summary.arr_at_risk), money(summary.expansion_weighted)):
        assert figure in text
    for risky in summary.at_risk_accounts:
        assert risky.name in text and ", ".join(risky.reasons) in text
    assert await page.locator("figure svg").count() == 4
    shot = await page.screenshot(full_page=False)
    assert distinct_colours(shot) > 200
    keep_screenshot("report.png", shot)
    pdf = await page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    assert 1 <= pages <= 3, pages  # two A4 pages for the example
    watch.assert_clean()
    await page.context.close()
