"""Data stays data and every odd input gets a clear answer: hostile ids and names in every rendering,
escape sequences kept off the terminal, forged cursors, absurd option values, oversized inline data."""

from __future__ import annotations

import base64
import copy
import json
import os
import re
import threading
from pathlib import Path
from typing import Any

import mcp_types
import pytest
from mcp import Client

from conftest import assert_no_live_markup, assert_text_carries_structure
from customer_success_mcp.cli import main as csm
from customer_success_mcp.server.app import build_server
from customer_success_mcp.server.config import ServerConfig
from customer_success_mcp.server.main import add_server_arguments
from customer_success_mcp.server.main import main as server_main

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "portfolio.json"
ESCAPE = "\x1b]0;pwned\x07"
BIDI = "\u202e"
HIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def accounts() -> list[dict[str, Any]]:
    return json.loads(EXAMPLE.read_text())["customers"]


def hostile_accounts() -> list[dict[str, Any]]:
    """The example with an escape sequence in a sentiment, tier, module and department of the first
    account, a bidi override in a name, and a markdown link as an id."""
    data = accounts()
    first = data[0]
    first["relationship"]["renewal_sentiment"] = f"negative{ESCAPE}"
    first["contract"]["plan_tier"] = f"professional{ESCAPE}"
    first["contract"]["available_tiers"] = [f"professional{ESCAPE}", f"enterprise{ESCAPE}"]
    first["product_usage"][f"audit{ESCAPE}"] = {"adopted": False, "usage_pct": 0}
    first["departments"]["potential"] = [f"legal{ESCAPE}"]
    first["departments"]["current"].append(f"ops{BIDI}")
    data[1]["name"] = f"Evil{BIDI}Corp{ESCAPE}"
    data[2]["customer_id"] = "[click](http://evil.example)*x*"
    return data


def strings(value: Any) -> list[str]:
    """Every string in a JSON document, keys included."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [*value.keys(), *(s for v in value.values() for s in strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def text_of(result: mcp_types.CallToolResult) -> str:
    return "\n".join(b.text for b in result.content if isinstance(b, mcp_types.TextContent))


def tool_error(result: mcp_types.CallToolResult, *needles: str) -> str:
    message = text_of(result)
    assert result.is_error, message[:300]
    assert "Traceback" not in message
    for needle in needles:
        assert needle.casefold() in message.casefold(), f"{needle!r} not in {message!r}"
    return message


# --------------------------------------------------------------------------- tool text


@pytest.mark.anyio
async def test_hostile_ids_and_names_are_inert_in_every_tool_text(tmp_path: Path) -> None:
    data = hostile_accounts()
    async with Client(build_server(ServerConfig(data_dir=tmp_path / "d"))) as client:
        loaded = await client.call_tool("load_portfolio", {"accounts": data, "name": "hostile"})
        assert not loaded.is_error, text_of(loaded)
        calls: list[tuple[str, dict[str, Any]]] = [
            ("portfolio_overview", {"detail": "full"}),
            ("find_accounts", {"limit": 100}),
            ("find_accounts", {"text": "evil"}),
            ("score_health", {"limit": 100}),
            ("score_churn_risk", {"limit": 100}),
            ("score_expansion", {"limit": 100}),
            *[("account_brief", {"account": a["customer_id"], "detail": "full"}) for a in data[:3]],
            *[
                (f"draft_{k}", {"account": a["customer_id"]})
                for k in ("qbr", "ebr", "save_plan")
                for a in data[:3]
            ],
            ("score_health", {"accounts": data[:3]}),
        ]
        for name, args in calls:
            result = await client.call_tool(name, args)
            text = text_of(result)
            assert not result.is_error, f"{name}: {text[:300]}"
            assert not HIDDEN.search(text), f"{name} text carries a control or bidi character"
            if name.startswith("draft_"):  # a markdown document: markup from the data is escaped
                assert_no_live_markup(result.structured_content["markdown"])
            else:  # plain text: the data as it is, on its own line or cell, every fact of the structure
                assert_text_carries_structure(result, limit=200_000)
        ids = text_of(await client.call_tool("find_accounts", {"limit": 100}))
        assert "[click](http://evil.example)*x*" in ids  # plain text, no backslashes to read past


@pytest.mark.anyio
async def test_argument_errors_are_one_inert_line_without_the_values_sent(tmp_path: Path) -> None:
    """A key the client chose, holding NUL, an escape sequence and a bell, comes back as spaces; the
    rejected values are not quoted back; every problem is named with the fix."""
    config = ServerConfig(data_dir=tmp_path / "data", allowed_dirs=(tmp_path,))
    async with Client(build_server(config)) as client:
        hostile = await client.call_tool("load_portfolio", {"mapping": {"a\x00\x1b]0;pwned\x07b": [1]}})
        several = await client.call_tool("find_accounts", {"limit": 0, "sort_by": "SECRET-VALUE"})
    text = tool_error(hostile, "Invalid arguments for load_portfolio", "mapping", "Fix them and call again")
    assert not any(ch in text for ch in "\x00\x1b\x07") and "\n" not in text
    text = tool_error(several, "limit: Input should be greater than or equal to 1", "sort_by:")
    assert "SECRET-VALUE" not in text and "errors.pydantic.dev" not in text


@pytest.mark.anyio
async def test_ids_and_names_over_the_contract_limit_are_rejected_with_the_reason(tmp_path: Path) -> None:
    data = accounts()[:3]
    data[0]["customer_id"] = "X" * 257
    data[1]["name"] = "N" * 100_000
    async with Client(build_server(ServerConfig(data_dir=tmp_path / "d"))) as client:
        result = await client.call_tool("load_portfolio", {"accounts": data, "name": "long"})
        assert not result.is_error
        report = result.structured_content
        assert report is not None and (report["accepted"], report["rejected"]) == (1, 2)
        reasons = {r["problems"][0]["field"]: r["problems"][0]["reason"] for r in report["rejections"]}
        assert reasons["customer_id"] == "is 257 characters long, over the 256 a customer_id may have"
        assert reasons["name"] == "is 100,000 characters long, over the 512 a name may have"
        assert len(text_of(result)) < 5_000 and "NNNN" not in text_of(result)
        assert "X" * 257 not in json.dumps(report)


# --------------------------------------------------------------------------- terminal


@pytest.mark.parametrize(
    "argv",
    [
        ["health", "FILE"],
        ["churn", "FILE"],
        ["expansion", "FILE"],
        ["report", "FILE"],
        ["report", "FILE", "--format", "markdown"],
        ["find", "FILE", "--limit", "100"],
        ["explain", "ACC-00001", "FILE"],
        ["explain", "ACC-00002", "FILE"],
        ["draft", "qbr", "ACC-00001", "FILE"],
        ["validate", "FILE"],
        ["health", "FILE", "--format", "json"],
        ["explain", "ACC-00001", "FILE", "--format", "json"],
    ],
    ids=lambda argv: "-".join(a for a in argv if a != "FILE"),
)
def test_the_cli_never_prints_escape_sequences_from_the_data(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps({"as_of": "2026-11-23", "customers": hostile_accounts()}))
    csm([str(path) if a == "FILE" else a for a in argv])
    out, err = capsys.readouterr()
    for stream in (out, err):
        assert "\x1b" not in stream and "\x07" not in stream and BIDI not in stream
    assert out.strip()
    if "json" in argv:
        parsed = json.loads(out)  # still valid JSON: the data is intact, its escapes written as \\u001b
        if "ACC-00001" in argv:
            assert any(ESCAPE in text for text in strings(parsed))


def test_draft_output_never_overwrites(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "qbr.md"
    target.write_text("my notes")
    rc = csm(["draft", "qbr", "ACC-00001", str(EXAMPLE), "--output", str(target)])
    err = capsys.readouterr().err
    assert rc == 2 and "already exists" in err and "choose another name" in err
    assert target.read_text() == "my notes"


def test_a_file_that_is_not_an_export_is_described_never_quoted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secrets = tmp_path / "secrets.csv"
    secrets.write_text("AWS_SECRET_ACCESS_KEY=abc123supersecret\nOTHER=1\n")
    headers_only = tmp_path / "noid.csv"
    headers_only.write_text("Company,ARR\nAcme,100\n")
    assert csm(["health", str(secrets)]) == 2
    err = capsys.readouterr().err
    assert "abc123supersecret" not in err and "AWS_SECRET" not in err
    assert "does not look like a header row" in err
    assert csm(["health", str(headers_only)]) == 2  # a real header row is named, so it can be mapped
    assert "headers: Company, ARR" in capsys.readouterr().err
    odd = tmp_path / "odd.csv"  # one header with "=" hides only itself
    odd.write_text("Acct Ref,Company,NPS (0=detractor)\nA1,Foo,5\n")
    assert csm(["health", str(odd)]) == 2
    assert "headers: Acct Ref, Company; 1 cell not shown" in capsys.readouterr().err


@pytest.mark.parametrize("option", ["--output", "--outcomes", "--exports"])
def test_generate_never_overwrites_or_follows_a_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str
) -> None:
    """A link planted where csm generate writes points at a file of the user's: it stays as it was."""
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    if option == "--exports":
        folder = tmp_path / "exports"
        folder.mkdir()
        (folder / "crm_accounts.csv").symlink_to(victim)
        target = str(folder)
    else:
        (tmp_path / "link.csv").symlink_to(victim)
        target = str(tmp_path / "link.csv")
    rc = csm(["generate", "--accounts", "5", "--as-of", "2026-11-23", option, target])
    err = capsys.readouterr().err
    assert rc == 2 and "nothing is overwritten" in err and "Traceback" not in err, err
    assert victim.read_text() == "precious"
    if option == "--exports":  # all four or none: no half-written set beside the old file
        assert sorted(p.name for p in (tmp_path / "exports").iterdir()) == ["crm_accounts.csv"]


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_cli_commands_refuse_devices_and_oversized_files_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for command in (["health", "/dev/zero"], ["inspect", "/dev/zero"], ["validate", "/dev/zero"]):
        assert csm(command) == 2
        assert "not a regular file" in capsys.readouterr().err
    assert csm(["health", str(EXAMPLE), "--max-file-mb", "0.001"]) == 2
    assert "over the 1,048 bytes limit" in capsys.readouterr().err
    assert csm(["health", str(EXAMPLE), "--mapping", "/dev/zero"]) == 2
    assert "not a regular file" in capsys.readouterr().err
    assert csm(["profile", "--profile", "/dev/zero"]) == 2
    assert "not a regular file" in capsys.readouterr().err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_cli_commands_refuse_a_fifo_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "book.json"
    os.mkfifo(fifo)
    codes: list[int] = []
    for command in (["health", str(fifo)], ["validate", str(fifo)], ["draft", "qbr", "X", str(fifo)]):
        worker = threading.Thread(target=lambda c=command: codes.append(csm(c)), daemon=True)
        worker.start()
        worker.join(10)
        assert not worker.is_alive(), f"csm {command[0]} hangs on a FIFO"
    assert codes == [2, 2, 2]
    assert capsys.readouterr().err.count("not a regular file") == 3


@pytest.mark.parametrize("value", ["inf", "nan", "-1", "0", "1e400", "lots"])
def test_absurd_sizes_are_refused_by_the_cli_and_the_server(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        csm(["health", str(EXAMPLE), "--max-file-mb", value])
    assert exited.value.code == 2
    assert "megabytes" in capsys.readouterr().err
    for option in ("--max-file-mb", "--max-inline-mb"):
        with pytest.raises(SystemExit) as exited:
            server_main([option, value])
        assert exited.value.code == 2
        err = capsys.readouterr().err
        assert "megabytes" in err and "Traceback" not in err


def test_absurd_counts_and_ports_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    parser = argparse.ArgumentParser(exit_on_error=False)
    add_server_arguments(parser)
    for argv in (["--max-inline-accounts", "1.5"], ["--max-inline-accounts", "0"], ["--port", "70000"],
                 ["--port", "-1"], ["--port", "²"]):  # fmt: skip
        with pytest.raises((argparse.ArgumentError, SystemExit)) as refused:
            parser.parse_args(argv)
        if argv == ["--port", "²"]:  # a digit to str.isdigit, not a number to int()
            reason = "the value must be a whole number from 1 to 65535, got '²'"
            assert str(refused.value) == f"argument --port: {reason}"
    with pytest.raises(ValueError, match="CSM_MAX_FILE_MB"):
        ServerConfig.from_sources(environ={"CSM_MAX_FILE_MB": "inf"})
    with pytest.raises(ValueError, match="CSM_MAX_INLINE_ACCOUNTS"):
        ServerConfig.from_sources(environ={"CSM_MAX_INLINE_ACCOUNTS": "many"})


# --------------------------------------------------------------------------- cursors and caps


def _forged(payload: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.anyio
async def test_cursors_are_opaque_and_checked(tmp_path: Path) -> None:
    async with Client(build_server(ServerConfig(data_dir=tmp_path / "d"))) as client:
        await client.call_tool("load_portfolio", {"accounts": accounts(), "name": "p"})
        page = (await client.call_tool("find_accounts", {"limit": 5})).structured_content
        assert page is not None
        cursor = page["next_cursor"]
        following = (
            await client.call_tool("find_accounts", {"limit": 5, "cursor": cursor})
        ).structured_content
        assert following is not None and following["offset"] == 5
        offset, mac = cursor.split(".")
        forged = [
            '{"o": Infinity}',
            _forged({"o": float("inf"), "q": "x"}).replace("Infinity", "1e999"),
            "1.9",
            "-5." + mac,
            f"{int(offset) + 5}.{mac}",  # another offset with the old signature
            f"{offset}.{'0' * 32}",
            f"{offset}.{mac}x",
            "9" * 10_000,
            "\x00",
            "١٢." + mac,  # digits of another script
        ]
        for bad in forged:
            tool_error(await client.call_tool("find_accounts", {"limit": 5, "cursor": bad}), "cursor")
            tool_error(await client.call_tool("score_health", {"limit": 5, "cursor": bad}), "cursor")


@pytest.mark.anyio
async def test_inline_accounts_are_capped_by_count_size_and_depth(tmp_path: Path) -> None:
    config = ServerConfig(data_dir=tmp_path / "d", max_inline_accounts=10, max_inline_bytes=20_000)
    data = accounts()
    deep: Any = {"leaf": 1}
    for _ in range(60):
        deep = {"nested": deep}
    nested = copy.deepcopy(data[:1])
    nested[0]["extra"] = deep
    async with Client(build_server(config)) as client:
        for tool in ("load_portfolio", "score_health", "score_churn_risk", "score_expansion"):
            many = await client.call_tool(tool, {"accounts": data[:11]})
            tool_error(many, "11 inline accounts", "10", "--max-inline-accounts", "CSM_MAX_INLINE_ACCOUNTS")
            big = await client.call_tool(tool, {"accounts": [{**a, "pad": "x" * 5_000} for a in data[:4]]})
            tool_error(big, "MB", "--max-inline-mb", "path")
            tool_error(await client.call_tool(tool, {"accounts": nested}), "nested more than 32 levels")
        fits = await client.call_tool("score_health", {"accounts": data[:10]})
        assert not fits.is_error, text_of(fits)
        many_files = await client.call_tool("load_portfolio", {"paths": [str(EXAMPLE)] * 21})
        tool_error(many_files, "21 files", "at most 20")
