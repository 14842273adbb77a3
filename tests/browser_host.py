"""A real browser for the tests: headless Chromium from the system's packages, driven by Playwright, and a
minimal MCP Apps host page of our own (after the ext-apps spec, 2026-01-26) that runs the dashboard in a
sandboxed iframe under the spec's restrictive default CSP.

The host answers the app's `ui/initialize` with a host context (theme, style variables), sends the tool
input and the real tool result once the app says `ui/notifications/initialized`, and answers the app's
`tools/call` by calling the real MCP server (through `call_tool`, a Python function exposed to the page).
Every message the app sends is kept in `window.hostLog`. Pages are watched: console errors, page errors
and every network request (each one is also refused) are recorded for the tests to assert on.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REQUIRE_ENV = "CSM_BROWSER_TESTS"  # "require": a missing browser fails the tests instead of skipping them
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# What a host must apply when a ui:// resource declares no CSP (the spec's restrictive default), tightened
# for a document with no origin of its own: nothing may be loaded or fetched at all.
APP_CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
    "media-src data:; connect-src 'none'; font-src 'none'; frame-src 'none'; object-src 'none'; "
    "base-uri 'none'; form-action 'none'"
)
ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
UPDATE_SCREENSHOTS = "CSM_UPDATE_SCREENSHOTS"


def chromium_path() -> str:
    """The system's Chromium, or a skip (a failure when CSM_BROWSER_TESTS=require, as in CI)."""
    found = os.environ.get("CSM_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    problem = None
    if found is None:
        problem = "no chromium on PATH (apt-get install chromium)"
    else:
        try:
            import playwright  # noqa: F401
        except ImportError:
            problem = "the playwright package is missing (pip install -e '.[test]')"
    if problem:
        if os.environ.get(REQUIRE_ENV) == "require":
            pytest.fail(f"browser tests required ({REQUIRE_ENV}=require) but {problem}")
        pytest.skip(f"browser tests skipped: {problem}; set {REQUIRE_ENV}=require to make this a failure")
    assert found is not None
    return found


@dataclass
class Watch:
    """What a page did that a self-contained page must not: console errors, exceptions, requests."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.console_errors == [], self.console_errors
        assert self.page_errors == [], self.page_errors
        assert self.requests == [], f"network requests were made: {self.requests}"


async def watched_page(browser: Any, width: int = 1200, height: int = 900) -> tuple[Any, Watch]:
    """A fresh context and page whose every request is recorded and refused."""
    watch = Watch()
    context = await browser.new_context(viewport={"width": width, "height": height})

    await context.route("**/*", lambda route: route.abort())
    page = await context.new_page()
    page.on("console", lambda m: watch.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: watch.page_errors.append(str(e)))
    page.on("request", lambda r: watch.requests.append(r.url))
    return page, watch


def _script_json(value: Any) -> str:
    """JSON safe inside a <script> element."""
    return json.dumps(value).replace("</", "<\\/")


def app_document(app_html: str) -> str:
    """The app's HTML as a host gives it to the frame: with the CSP meta first in its head."""
    meta = f'<meta http-equiv="Content-Security-Policy" content="{APP_CSP}">'
    head = app_html.index("<head>") + len("<head>")
    return app_html[:head] + meta + app_html[head:]


def host_page(
    app_html: str, host_context: dict[str, Any], tool_input: dict[str, Any], tool_result: dict[str, Any]
) -> str:
    """A minimal MCP Apps host: one sandboxed frame and the postMessage JSON-RPC bridge."""
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>test host</title>
<style>body {{ margin: 0; background: #888; }}
iframe {{ border: 0; width: 100%; height: 900px; display: block; }}</style>
</head><body>
<iframe id="app" title="Portfolio dashboard" sandbox="allow-scripts"></iframe>
<script>
const DOCUMENT = {_script_json(app_document(app_html))};
const CONTEXT = {_script_json(host_context)};
const INPUT = {_script_json(tool_input)};
const RESULT = {_script_json(tool_result)};
window.hostLog = [];
const frame = document.getElementById("app");
const post = (message) => frame.contentWindow.postMessage(Object.assign({{jsonrpc: "2.0"}}, message), "*");
window.addEventListener("message", async (event) => {{
  if (event.source !== frame.contentWindow) return;
  const msg = event.data;
  window.hostLog.push(msg);
  const reply = (body) => post(Object.assign({{id: msg.id}}, body));
  if (msg.method === "ui/initialize") {{
    reply({{result: {{protocolVersion: "2026-01-26", hostInfo: {{name: "csm-test-host", version: "1"}},
      hostCapabilities: {{serverTools: {{}}}}, hostContext: CONTEXT}}}});
  }} else if (msg.method === "ui/notifications/initialized") {{
    post({{method: "ui/notifications/tool-input", params: {{arguments: INPUT}}}});
    post({{method: "ui/notifications/tool-result", params: RESULT}});
  }} else if (msg.method === "tools/call") {{
    try {{ reply({{result: await window.callServerTool(msg.params.name, msg.params.arguments || {{}})}}); }}
    catch (err) {{ reply({{error: {{code: -32000, message: String(err)}}}}); }}
  }} else if (msg.method === "ui/notifications/size-changed") {{
    frame.style.height = Math.max(msg.params.height, 300) + "px";
  }} else if (msg.id !== undefined) {{
    reply({{error: {{code: -32601, message: "not supported by the test host: " + msg.method}}}});
  }}
}});
frame.srcdoc = DOCUMENT;
</script></body></html>"""


async def open_app(
    page: Any,
    app_html: str,
    tool_result: dict[str, Any],
    call_tool: Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]],
    host_context: dict[str, Any] | None = None,
    tool_input: dict[str, Any] | None = None,
) -> Any:
    """Load the host with the app and the result; return the app's frame once it has drawn."""
    await page.expose_function("callServerTool", call_tool)
    context = {"theme": "light", "displayMode": "inline", "platform": "web", **(host_context or {})}
    await page.set_content(host_page(app_html, context, tool_input or {}, tool_result))
    frame = page.frame_locator("#app")
    await frame.locator("body[data-ready='true']").wait_for(timeout=10_000)
    return next(f for f in page.frames if f != page.main_frame)


def distinct_colours(png: bytes) -> int:
    """How many different colours a screenshot has (a blank page has one or two)."""
    import io

    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        return len(image.convert("RGB").getcolors(maxcolors=1 << 24) or [])


def keep_screenshot(name: str, png: bytes) -> None:
    """Write docs/<name> when CSM_UPDATE_SCREENSHOTS=1 (how the README's pictures are made)."""
    if os.environ.get(UPDATE_SCREENSHOTS) == "1":
        import io

        from PIL import Image

        DOCS.mkdir(exist_ok=True)
        with Image.open(io.BytesIO(png)) as shot:  # 256 colours: a third of the bytes, no visible loss
            shot.convert("RGB").quantize(256, dither=Image.Dither.NONE).save(DOCS / name, optimize=True)
