"""`customer-success-mcp` as a real subprocess over stdio: a load survives a restart, and nothing but
protocol messages ever reaches stdout.

These run in CI as they are (no skip); each starts one or two server processes and stays well under
20 seconds.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import sysconfig
import threading
import time
from pathlib import Path
from typing import Any

import anyio
import mcp_types
import pytest
from mcp import Client, StdioServerParameters
from mcp_types.version import LATEST_HANDSHAKE_VERSION  # what the SDK client offers in initialize

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
EXAMPLE = EXAMPLES / "portfolio.json"
TIME_LIMIT = 20  # seconds per test, for everything it does


def server_command() -> list[str]:
    """The installed console script, from the environment running these tests."""
    name = "customer-success-mcp.exe" if os.name == "nt" else "customer-success-mcp"
    for scripts in (Path(sysconfig.get_path("scripts")), Path(sys.executable).parent):
        if (scripts / name).is_file():
            return [str(scripts / name)]
    found = shutil.which("customer-success-mcp")
    assert found, "the customer-success-mcp console script is not installed (pip install -e .)"
    return [found]


def server_env(tmp_path: Path) -> dict[str, str]:
    """The caller's environment without CSM_* settings, with a throwaway home."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CSM_")}
    env["HOME"] = str(tmp_path / "home")
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg")
    return env


def text_of(result: mcp_types.CallToolResult) -> str:
    return "\n".join(b.text for b in result.content if isinstance(b, mcp_types.TextContent))


@pytest.mark.anyio
async def test_a_loaded_portfolio_survives_a_restart(tmp_path: Path) -> None:
    [command, *prefix] = server_command()
    data_dir = tmp_path / "data"
    params = StdioServerParameters(
        command=command,
        args=[*prefix, "--data-dir", str(data_dir), "--allow-dir", str(EXAMPLES)],
        env=server_env(tmp_path),
        cwd=str(tmp_path),
    )
    started = time.monotonic()
    with anyio.fail_after(TIME_LIMIT):
        async with Client(params) as client:
            tools = {t.name for t in (await client.list_tools()).tools}
            assert "load_portfolio" in tools and "portfolio_overview" in tools
            result = await client.call_tool("load_portfolio", {"path": str(EXAMPLE)})
            assert not result.is_error, text_of(result)
            loaded = result.structured_content
            assert loaded is not None
            assert (loaded["accepted"], loaded["snapshot"]["portfolio"]) == (50, "portfolio")
            first_overview = (await client.call_tool("portfolio_overview", {})).structured_content
        assert (data_dir / "portfolios.sqlite3").is_file()

        # A new process on the same data directory: no reload needed.
        async with Client(params) as client:
            listing = await client.call_tool("list_portfolios", {})
            assert not listing.is_error, text_of(listing)
            assert listing.structured_content is not None
            [entry] = listing.structured_content["portfolios"]
            assert (entry["name"], entry["accounts"], entry["snapshots"]) == ("portfolio", 50, 1)
            assert entry["as_of"] == "2026-11-23"
            overview = await client.call_tool("portfolio_overview", {"portfolio": "portfolio"})
            assert not overview.is_error, text_of(overview)
            assert overview.structured_content == first_overview
            assert overview.structured_content["summary"]["accounts"] == 50
            page = await client.call_tool("find_accounts", {"risk_tier": "critical"})
            assert not page.is_error and page.structured_content["total"] >= 1
    assert time.monotonic() - started < TIME_LIMIT


class _Lines:
    """Lines of a pipe, read on a thread so a silent server cannot hang the test."""

    def __init__(self, stream: Any) -> None:
        self.lines: queue.Queue[bytes | None] = queue.Queue()
        self.seen: list[bytes] = []
        self._thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self._thread.start()

    def _pump(self, stream: Any) -> None:
        for line in iter(stream.readline, b""):
            self.lines.put(line)
        self.lines.put(None)

    def until_response(self, request_id: int, deadline: float) -> dict[str, Any]:
        """Read lines until the response to `request_id`; every line must be JSON-RPC."""
        while True:
            timeout = deadline - time.monotonic()
            assert timeout > 0, f"no response to request {request_id}; stdout so far: {self.seen!r}"
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                continue
            assert line is not None, f"stdout closed before the response to {request_id}: {self.seen!r}"
            self.seen.append(line)
            message = parse_jsonrpc(line)
            if message.get("id") == request_id and "method" not in message:
                return message

    def rest(self, deadline: float) -> None:
        while True:
            timeout = deadline - time.monotonic()
            assert timeout > 0, "stdout did not close"
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                continue
            if line is None:
                return
            self.seen.append(line)


def parse_jsonrpc(line: bytes) -> dict[str, Any]:
    text = line.decode("utf-8").strip()
    assert text, "an empty line on stdout"
    try:
        message = json.loads(text)
    except ValueError:
        raise AssertionError(f"a non-JSON line on stdout: {text[:300]!r}") from None
    assert isinstance(message, dict), text[:300]
    assert message.get("jsonrpc") == "2.0", text[:300]
    assert "method" in message or "id" in message, text[:300]
    return message


def test_stdout_carries_only_protocol_messages(tmp_path: Path) -> None:
    command = server_command()
    data_dir = tmp_path / "data"
    proc = subprocess.Popen(
        [*command, "--data-dir", str(data_dir), "--allow-dir", str(EXAMPLES), "--log-level", "DEBUG"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=server_env(tmp_path),
        cwd=str(tmp_path),
    )
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    deadline = time.monotonic() + TIME_LIMIT
    stdout = _Lines(proc.stdout)
    stderr = _Lines(proc.stderr)

    def send(message: dict[str, Any]) -> None:
        assert proc.stdin is not None
        proc.stdin.write((json.dumps(message) + "\n").encode())
        proc.stdin.flush()

    try:
        send(
            {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "initialize",
                "params": {
                    "protocolVersion": LATEST_HANDSHAKE_VERSION,
                    "capabilities": {},
                    "clientInfo": {"name": "stdout-check", "version": "0"},
                },
            }
        )
        init = stdout.until_response(1, deadline)
        assert "error" not in init, init
        assert init["result"]["protocolVersion"] == LATEST_HANDSHAKE_VERSION
        assert init["result"]["serverInfo"]["name"] == "customer-success"
        assert "load_portfolio" in (init["result"].get("instructions") or "")

        send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        send({"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
        listed = stdout.until_response(2, deadline)
        assert "error" not in listed, listed
        assert len(listed["result"]["tools"]) == 13

        # Exercise the engine too (imports, scoring, the store), with progress notifications.
        send(
            {
                "jsonrpc": "2.0",
                "id": 3,
                "method": "tools/call",
                "params": {
                    "name": "load_portfolio",
                    "arguments": {"path": str(EXAMPLE)},
                    "_meta": {"progressToken": "load-1"},
                },
            }
        )
        loaded = stdout.until_response(3, deadline)
        assert loaded["result"].get("isError") is not True, loaded
        send(
            {
                "jsonrpc": "2.0",
                "id": 4,
                "method": "tools/call",
                "params": {"name": "account_brief", "arguments": {"account": "no such account"}},
            }
        )
        failed = stdout.until_response(4, deadline)
        assert failed["result"]["isError"] is True
        send(
            {
                "jsonrpc": "2.0",
                "id": 5,
                "method": "tools/call",
                "params": {"name": "find_accounts", "arguments": {"sort_by": "risk", "limit": 5}},
            }
        )
        found = stdout.until_response(5, deadline)
        assert found["result"]["structuredContent"]["total"] == 50

        proc.stdin.close()  # end of input: the server exits
        stdout.rest(deadline)
        proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)

    assert stdout.seen, "nothing on stdout"
    messages = [parse_jsonrpc(line) for line in stdout.seen]
    progress = [m for m in messages if m.get("method") == "notifications/progress"]
    assert progress, "no progress notifications for the file load"
    assert all(m["params"]["progressToken"] == "load-1" for m in progress)
    assert {m.get("id") for m in messages if "method" not in m} == {1, 2, 3, 4, 5}
    stderr.rest(time.monotonic() + 5)
    assert b"Traceback" not in b"".join(stderr.seen), b"".join(stderr.seen).decode(errors="replace")[-2000:]
