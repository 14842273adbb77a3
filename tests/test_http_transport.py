"""Streamable HTTP cannot be used without a key: a real server on 127.0.0.1 answers 401 without a valid
bearer token, checks Host and Origin, and serves the tools with one; it refuses to start without a key,
and on a wildcard address without the host clients use."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx2
import mcp_types
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from customer_success_mcp.server.http import (
    HttpSettings,
    HttpSetupError,
    IntrospectionVerifier,
    TokensFileVerifier,
)
from customer_success_mcp.server.main import main as server_main
from test_server_subprocess import server_command, server_env

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
TOKEN = "team-token-" + "k" * 32
HASHED = "hashed-token-" + "h" * 32
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "t", "version": "1"},
    },
}
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(tmp_path: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*server_command(), "--transport", "streamable-http", "--data-dir", str(tmp_path / "data"), *args],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=server_env(tmp_path),
        cwd=tmp_path,
    )  # fmt: skip


@pytest.fixture(scope="module")
def http_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = tmp_path_factory.mktemp("http")
    tokens = base / "tokens"
    tokens.write_text(f"# the team's keys\n{TOKEN}\nsha256:{hashlib.sha256(HASHED.encode()).hexdigest()}\n")
    tokens.chmod(0o600)
    port = free_port()
    proc = start(base, "--port", str(port), "--http-tokens-file", str(tokens), "--allow-dir", str(EXAMPLES))
    url = f"http://127.0.0.1:{port}/mcp"
    deadline = time.monotonic() + 30
    while True:
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else "exited"
        try:
            httpx2.get(url, timeout=1)
            break
        except httpx2.HTTPError:
            assert time.monotonic() < deadline, "the HTTP server did not start"
            time.sleep(0.1)
    yield url
    proc.terminate()
    _, err = proc.communicate(timeout=10)
    assert b"Traceback" not in err, err.decode()[-2000:]


def post(url: str, headers: dict[str, str] | None = None, body: Any = INITIALIZE) -> httpx2.Response:
    return httpx2.post(url, headers={**HEADERS, **(headers or {})}, content=json.dumps(body), timeout=10)


def test_no_key_no_service(http_server: str) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Bearer {TOKEN}x"},
                    {"Authorization": TOKEN}, {"Authorization": f"Basic {TOKEN}"}):  # fmt: skip
        response = post(http_server, headers)
        assert response.status_code == 401, (headers, response.status_code, response.text)
        assert "mcp-session-id" not in response.headers


def test_a_valid_key_is_served(http_server: str) -> None:
    for token in (TOKEN, HASHED):
        response = post(http_server, {"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.text
        assert "serverInfo" in response.text


def test_host_and_origin_are_checked(http_server: str) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert post(http_server, {**auth, "Host": "evil.example"}).status_code == 421
    assert post(http_server, {**auth, "Host": "evil.example:80"}).status_code == 421
    assert post(http_server, {**auth, "Origin": "http://evil.example"}).status_code == 403
    assert post(http_server, {**auth, "Origin": "http://localhost:1234"}).status_code == 200


def test_tools_work_over_http_with_a_key_and_roots_are_ignored(http_server: str, tmp_path: Path) -> None:
    (tmp_path / "book.json").write_text((EXAMPLES / "portfolio.json").read_text())

    async def list_roots(context: Any) -> mcp_types.ListRootsResult:  # a root the server must not use
        return mcp_types.ListRootsResult(roots=[mcp_types.Root(uri=tmp_path.as_uri())])

    async def session() -> tuple[mcp_types.CallToolResult, mcp_types.CallToolResult]:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with (
            httpx2.AsyncClient(headers=headers, timeout=30) as http,
            Client(
                streamable_http_client(http_server, http_client=http), list_roots_callback=list_roots
            ) as client,
        ):
            loaded = await client.call_tool("load_portfolio", {"path": str(EXAMPLES / "portfolio.json")})
            refused = await client.call_tool("load_portfolio", {"path": str(tmp_path / "book.json")})
            return loaded, refused

    loaded, refused = anyio.run(session)
    assert not loaded.is_error and loaded.structured_content is not None
    assert loaded.structured_content["accepted"] == 50
    assert refused.is_error and "outside the allowed directories" in refused.content[0].text  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        ([], "needs a key"),
        (["--host", "0.0.0.0"], "needs a key"),
        (["--host", "0.0.0.0", "--http-tokens-file", "TOKENS"], "--allowed-host"),
        (["--http-tokens-file", "WEAK"], "at least 32 characters"),
        (["--http-tokens-file", "MISSING"], "cannot read the tokens file"),
        (["--oauth-issuer", "https://auth.example"], "--oauth-introspection-url"),
        (["--http-tokens-file", "TOKENS", "--oauth-issuer", "https://auth.example"], "not both"),
    ],
)
def test_the_server_refuses_to_start_without_what_it_needs(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    needle: str,
) -> None:
    for name in [k for k in os.environ if k.startswith("CSM_")]:
        monkeypatch.delenv(name)
    (tmp_path / "tokens").write_text(TOKEN + "\n")
    (tmp_path / "weak").write_text("password\n")
    files = {"TOKENS": tmp_path / "tokens", "WEAK": tmp_path / "weak", "MISSING": tmp_path / "nope"}
    argv = [
        "--transport",
        "streamable-http",
        "--data-dir",
        str(tmp_path / "data"),
        "--port",
        str(free_port()),
    ]
    assert server_main(argv + [str(files.get(a, a)) for a in args]) == 2  # before anything is served
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err


def test_tokens_are_compared_by_hash_and_weak_ones_refused(tmp_path: Path) -> None:
    path = tmp_path / "tokens"
    path.write_text(f"{TOKEN}\nsha256:{hashlib.sha256(HASHED.encode()).hexdigest()}\n")
    verifier = TokensFileVerifier.from_file(path)
    found = [anyio.run(verifier.verify_token, t) for t in (TOKEN, HASHED, "nope", TOKEN[:-1], "")]
    assert [f.client_id if f else None for f in found] == ["token-1", "token-2", None, None, None]
    for bad in ("short\n", "sha256:abcd\n", "# only a comment\n", f"{TOKEN} trailing words\n"):
        path.write_text(bad)
        with pytest.raises(HttpSetupError):
            TokensFileVerifier.from_file(path)


def test_wildcard_and_named_hosts(tmp_path: Path) -> None:
    def settings(**kw: Any) -> HttpSettings:
        return HttpSettings(tokens_file=tmp_path / "t", **kw)

    loopback = settings().security()
    assert "127.0.0.1:*" in loopback.allowed_hosts and "http://localhost:*" in loopback.allowed_origins
    with pytest.raises(HttpSetupError, match="--allowed-host"):
        settings(host="0.0.0.0").security()
    named = settings(
        host="0.0.0.0", allowed_hosts=("cs.example.com",), allowed_origins=("https://cs.example.com",)
    )
    checked = named.security()
    assert checked.enable_dns_rebinding_protection
    assert set(checked.allowed_hosts) == {"cs.example.com", "cs.example.com:*"}
    assert checked.allowed_origins == ["https://cs.example.com"]
    assert set(settings(host="10.1.2.3").security().allowed_hosts) == {"10.1.2.3", "10.1.2.3:*"}


def test_oauth_introspection_accepts_only_active_tokens_for_this_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    resource = "https://cs.example.com/mcp"
    answers = {
        "good": {
            "active": True,
            "aud": resource,
            "client_id": "c1",
            "scope": "csm.read",
            "exp": 4_102_444_800,
        },
        "other-audience": {"active": True, "aud": "https://else.example/mcp", "client_id": "c1"},
        "inactive": {"active": False},
    }
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        token = dict(item.split("=") for item in request.content.decode().split("&"))["token"]
        return httpx2.Response(200, json=answers.get(token, {"active": False}))

    real = httpx2.AsyncClient
    monkeypatch.setattr(
        httpx2, "AsyncClient", lambda **kw: real(transport=httpx2.MockTransport(handler), **kw)
    )
    verifier = IntrospectionVerifier("https://auth.example/introspect", resource, "rs", "secret")
    good = anyio.run(verifier.verify_token, "good")
    assert good is not None and good.scopes == ["csm.read"] and good.client_id == "c1"
    assert anyio.run(verifier.verify_token, "other-audience") is None
    assert anyio.run(verifier.verify_token, "inactive") is None
    assert seen[0].headers["authorization"].startswith("Basic ")
    settings = HttpSettings(oauth_issuer="https://auth.example", oauth_introspection_url="https://auth.example/i",
                            resource_url=resource, required_scopes=("csm.read",))  # fmt: skip
    _, auth = settings.authentication()
    assert str(auth.resource_server_url) == resource and auth.required_scopes == ["csm.read"]
