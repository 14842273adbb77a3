"""Always an answer: every message to the real stdio server gets its reply (a result, or the JSON-RPC
error the spec requires), whatever the bytes; every tool call, whatever its arguments, gets a result or
an error with a reason. Hypothesis drives both, bounded to stay well inside CI's minute."""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import mcp_types
import pydantic_core
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mcp import Client

from customer_success_mcp.server.app import build_server
from customer_success_mcp.server.config import ServerConfig
from test_server_subprocess import server_command, server_env

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "portfolio.json"
WAIT = 10.0  # seconds for any one answer
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": "init",
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "fuzz", "version": "1"},
    },
}


class RawServer:
    """The console script over raw pipes: lines in, every stdout line parsed as JSON (anything else fails)."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        self.proc = subprocess.Popen(server_command() + args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env, cwd=cwd)  # fmt: skip
        self.answers: queue.Queue[dict[str, Any]] = queue.Queue()
        self.garbage: list[bytes] = []
        self.stderr: list[bytes] = []
        self._sentinels = 0
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                self.answers.put(json.loads(line))
            except ValueError:
                self.garbage.append(line)

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        self.stderr.extend(self.proc.stderr)

    def send(self, line: bytes | str | dict[str, Any]) -> None:
        data = json.dumps(line) if isinstance(line, dict) else line
        raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
        assert self.proc.stdin is not None
        self.proc.stdin.write(raw + b"\n")
        self.proc.stdin.flush()

    def exchange(self, line: bytes | str | dict[str, Any], wanted_id: Any = None) -> list[dict[str, Any]]:
        """Send a line, then a ping; every answer until the ping's (and `wanted_id`'s, if given)."""
        self._sentinels += 1
        sentinel = f"sentinel-{self._sentinels}"
        self.send(line)
        self.send({"jsonrpc": "2.0", "id": sentinel, "method": "ping"})
        got: list[dict[str, Any]] = []
        seen_sentinel, seen_wanted = False, wanted_id is None
        deadline = time.monotonic() + WAIT
        while not (seen_sentinel and seen_wanted):
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"no answer within {WAIT}s to {str(line)[:200]!r}; got {got}"
            try:
                answer = self.answers.get(timeout=remaining)
            except queue.Empty:
                continue
            if answer.get("id") == sentinel:
                seen_sentinel = True
                continue
            got.append(answer)
            seen_wanted = seen_wanted or ("id" in answer and answer["id"] == wanted_id)
        return got

    def close(self) -> str:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(WAIT)
        return b"".join(self.stderr).decode(errors="replace")


@pytest.fixture(scope="module")
def raw_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RawServer]:
    base = tmp_path_factory.mktemp("fuzz")
    server = RawServer(["--data-dir", str(base / "data"), "--allow-dir", str(EXAMPLE.parent),
                        "--max-inline-mb", "0.05"], server_env(base), base)  # fmt: skip
    server.send(INITIALIZE)
    assert server.answers.get(timeout=WAIT)["id"] == "init"
    server.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
    yield server
    stderr = server.close()
    assert not server.garbage, f"stdout carried non-protocol output: {server.garbage[:3]}"
    assert "Traceback" not in stderr, stderr[-3000:]


def _error(answers: list[dict[str, Any]], code: int, request_id: Any) -> dict[str, Any]:
    found = [a for a in answers if a.get("error", {}).get("code") == code and a.get("id") == request_id]
    assert found, f"expected error {code} for id {request_id!r}, got {answers}"
    return found[0]["error"]


def test_every_unusable_message_gets_the_jsonrpc_error(raw_server: RawServer) -> None:
    deep: Any = {"a": 1}
    for _ in range(300):
        deep = {"x": deep}
    cases: list[tuple[bytes | str | dict[str, Any], int, Any]] = [
        ("{not json", -32700, None),
        (b"\xff\xfe garbage \x00", -32700, None),
        ('{"jsonrpc": "2.0", "id": 5, "method": "ping"', -32700, None),  # cut short
        ('{"jsonrpc": "2.0", "id": 6}', -32600, 6),
        ('{"id": "seven", "method": "ping"}', -32600, "seven"),
        ("[]", -32600, None),
        ('[{"jsonrpc": "2.0", "id": 8, "method": "ping"}]', -32600, None),
        ('"just a string"', -32600, None),
        ("42", -32600, None),
        ({"jsonrpc": "2.0", "id": 9, "method": "tools/call",
          "params": {"name": "score_health", "arguments": {"accounts": [deep]}}}, -32600, 9),
        ('{"jsonrpc": "2.0", "id": 10, "method": "ping", "params": 5}', -32600, 10),
        ('{"jsonrpc": "2.0", "id": 13, "method": "ping", "result": {}}', -32600, 13),  # both kinds at once
        ('{"jsonrpc": "2.0", "id": null, "method": "tools/list"}', -32600, None),  # MCP forbids a null id
    ]  # fmt: skip
    for line, code, request_id in cases:
        _error(raw_server.exchange(line), code, request_id)
    oversized = json.dumps({"jsonrpc": "2.0", "id": 11, "method": "tools/call", "params": {
        "name": "score_health", "arguments": {"accounts": [{"customer_id": "x" * 2_000_000}]}}})  # fmt: skip
    error = _error(raw_server.exchange(oversized), -32600, 11)
    assert "larger than" in error["message"]
    # Still serving after all of that.
    answers = raw_server.exchange({"jsonrpc": "2.0", "id": 12, "method": "tools/list"}, wanted_id=12)
    assert any(a.get("id") == 12 and "tools" in a.get("result", {}) for a in answers)


def test_tool_errors_over_stdio_carry_their_reason(raw_server: RawServer) -> None:
    calls = [
        {"name": "load_portfolio", "arguments": {"path": "/etc/shadow"}},
        {"name": "load_portfolio", "arguments": {"path": "a\u0000b"}},
        {"name": "find_accounts", "arguments": {"cursor": '{"o": Infinity}'}},
        {"name": "score_health", "arguments": {"accounts": [{"customer_id": "a", "name": "b"}] * 2}},
        {"name": "nope", "arguments": {}},
    ]
    for i, params in enumerate(calls):
        request_id = 100 + i
        answers = raw_server.exchange({"jsonrpc": "2.0", "id": request_id, "method": "tools/call",
                                       "params": params}, wanted_id=request_id)  # fmt: skip
        [answer] = [a for a in answers if a.get("id") == request_id]
        if "error" in answer:
            assert answer["error"]["message"].strip()
            continue
        result = answer["result"]
        text = " ".join(b.get("text", "") for b in result["content"])
        assert result.get("isError") and ": " in text and "Traceback" not in text, text


# --------------------------------------------------------------------------- raw-line fuzz

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
METHODS = [
    *("ping", "tools/list", "tools/call", "resources/list", "resources/read", "prompts/list", "prompts/get"),
    *("completion/complete", "initialize", "nope/unknown", "notifications/cancelled"),
]
ids = (
    st.integers(-1000, 10**6)
    | st.text("abcdefxyz0123456789", min_size=1, max_size=8)
    | st.none()
    | st.booleans()
)
fields = {
    "jsonrpc": st.sampled_from(["2.0", "1.0", 2]),
    "id": ids,
    "method": st.sampled_from(METHODS) | st.text(max_size=10),
    "params": json_values,
    "result": json_values,
    "error": json_values,
}
messages = st.fixed_dictionaries({}, optional=fields)
lines = (
    messages.map(json.dumps)
    | json_values.map(json.dumps)
    | st.text(
        alphabet=st.characters(blacklist_characters="\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"), max_size=60
    )
    | st.binary(max_size=60).map(lambda b: b.replace(b"\n", b" "))
)


def _needs(line: str | bytes) -> tuple[bool, Any]:
    """Whether the spec requires an answer to this line, and with which id (None: null). Whether the
    bytes are JSON at all is the server's parser's call (pydantic-core's, strict RFC 8259)."""
    raw = line if isinstance(line, bytes) else line.encode("utf-8", "surrogatepass")
    text = raw.decode("utf-8", errors="replace")
    if not text.strip():
        return False, None
    try:
        doc = pydantic_core.from_json(text)
    except ValueError:
        return True, None  # a parse error: -32700 with a null id
    if not isinstance(doc, dict):
        return True, None  # not a message: -32600 with a null id
    request_id = doc.get("id")
    if "id" in doc and request_id is None and "method" in doc and "result" not in doc and "error" not in doc:
        return True, None  # a request with a null id, which MCP forbids: -32600 with a null id
    if not isinstance(request_id, int | str) or isinstance(request_id, bool):
        return False, None  # a notification (or unanswerable): nothing is required
    if "method" not in doc and ("result" in doc or "error" in doc):
        return False, None  # a response to nothing we sent: the spec wants no answer
    return True, request_id


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                    HealthCheck.too_slow])  # fmt: skip
@given(line=lines)
def test_every_line_gets_the_answer_the_spec_requires(raw_server: RawServer, line: str | bytes) -> None:
    needed, request_id = _needs(line)
    answers = raw_server.exchange(line, wanted_id=request_id if needed and request_id is not None else None)
    if needed and request_id is None:
        assert any(a.get("id") is None and "error" in a for a in answers), f"{line!r}: {answers}"
    assert raw_server.proc.poll() is None, "the server exited"


# --------------------------------------------------------------------------- tool-argument fuzz


def _from_schema(schema: dict[str, Any], defs: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values for a JSON schema as the tools declare them (enough of the vocabulary for their schemas)."""
    if "$ref" in schema:
        return _from_schema(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
    if "anyOf" in schema:
        return st.one_of([_from_schema(s, defs) for s in schema["anyOf"]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "string":
        if schema.get("format") == "date":
            return st.dates().map(str) | st.text(max_size=12)
        return st.text(max_size=30) | st.sampled_from(["ACC-00001", "../../etc/passwd", str(EXAMPLE), "\x00"])
    if kind == "integer":
        return st.integers(schema.get("minimum", -(2**31)) - 2, schema.get("maximum", 2**31) + 2)
    if kind == "number":
        return st.floats(allow_nan=False, allow_infinity=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    if kind == "array":
        return st.lists(_from_schema(schema.get("items", {}), defs), max_size=4)
    if kind == "object":
        properties = schema.get("properties")
        if properties:
            return st.fixed_dictionaries(
                {}, optional={k: _from_schema(v, defs) for k, v in properties.items()}
            )
        return st.dictionaries(st.text(max_size=10), json_values, max_size=5)
    return json_values


@pytest.fixture(scope="module")
def tool_schemas(tmp_path_factory: pytest.TempPathFactory) -> tuple[ServerConfig, list[mcp_types.Tool]]:
    base = tmp_path_factory.mktemp("tools")
    config = ServerConfig(data_dir=base / "data", allowed_dirs=(EXAMPLE.parent,), max_inline_accounts=50)

    async def listed() -> list[mcp_types.Tool]:
        async with Client(build_server(config)) as client:
            await client.call_tool("load_portfolio", {"path": str(EXAMPLE)})
            return (await client.list_tools()).tools

    return config, anyio.run(listed)


def test_every_tool_answers_any_arguments_with_a_result_or_a_reason(tool_schemas) -> None:
    config, tools = tool_schemas
    arguments = st.one_of(
        [
            st.tuples(st.just(t.name), _from_schema(t.input_schema, t.input_schema.get("$defs", {})))
            for t in tools
        ]
        + [
            st.tuples(
                st.sampled_from([t.name for t in tools]), st.dictionaries(st.text(max_size=10), json_values)
            )
        ]
    )
    calls: list[tuple[str, dict[str, Any]]] = []

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(call=arguments)
    def collect(call: tuple[str, dict[str, Any]]) -> None:
        calls.append(call)

    collect()

    async def run() -> None:
        async with Client(build_server(config)) as client:
            for name, args in calls:
                result = await client.call_tool(name, args)
                if result.is_error:
                    text = " ".join(b.text for b in result.content if isinstance(b, mcp_types.TextContent))
                    assert text.strip() != f"Error executing tool {name}", f"no reason for {name}({args!r})"
                    assert "Traceback" not in text and "\x00" not in text

    anyio.run(run)
