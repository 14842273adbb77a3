"""Tool text blocks keep data as data, and inline input that is all bad is an error with reasons."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from conftest import make_account
from customer_success_mcp.server.app import build_server
from customer_success_mcp.server.config import ServerConfig

EVIL = "Evil ![img](http://y/p.png) [x](http://y) \x1b[2J"


@pytest.mark.anyio
async def test_text_blocks_escape_account_names(tmp_path: Path) -> None:
    server = build_server(ServerConfig(data_dir=tmp_path / "d", allowed_dirs=(tmp_path,)))
    account = make_account(customer_id="E1", name=EVIL)
    async with Client(server) as client:
        calls = [
            ("load_portfolio", {"accounts": [account], "name": "evil"}),
            ("find_accounts", {}),
            ("account_brief", {"account": "E1"}),
            ("score_health", {}),
            ("score_churn_risk", {"accounts": [account]}),
        ]
        for tool, args in calls:
            result = await client.call_tool(tool, args)
            assert not result.is_error, (tool, result.content)
            text = result.content[0].text
            assert "](" not in text and "![" not in text and "\x1b" not in text, (tool, text)
            if tool != "load_portfolio":  # the load summary names accounts only when some are at risk
                assert "Evil" in text, tool


@pytest.mark.anyio
async def test_inline_accounts_that_are_all_rejected_are_an_error_with_reasons(tmp_path: Path) -> None:
    server = build_server(ServerConfig(data_dir=tmp_path / "d", allowed_dirs=(tmp_path,)))
    bad = make_account(customer_id="X1", usage={"login_frequency": 140})
    async with Client(server) as client:
        for tool in ("load_portfolio", "score_health"):
            result = await client.call_tool(tool, {"accounts": [bad]})
            assert result.is_error, tool
            message = result.content[0].text
            assert "X1" in message and "usage.login_frequency" in message and "between 0 and 100" in message


def test_a_bad_size_cap_in_the_environment_is_one_clear_line(tmp_path: Path, monkeypatch, capsys) -> None:
    from customer_success_mcp.server.main import main

    monkeypatch.setenv("CSM_MAX_FILE_MB", "lots")
    assert main(["--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "CSM_MAX_FILE_MB" in err and "Traceback" not in err
