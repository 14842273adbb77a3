"""A store that is corrupt, truncated, locked, read-only, missing or full answers with the cause and the
fix, through the tools as through the store; a read-only store still lists and reads; a failed write
never hides its cause behind the rollback's."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from pathlib import Path
from typing import Any

import mcp_types
import pytest
from mcp import Client

from customer_success_mcp.server.app import build_server
from customer_success_mcp.server.config import ServerConfig
from customer_success_mcp.store import SnapshotStore, StoreError

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "portfolio.json"
AS_OF = dt.date(2026, 11, 23)
pytestmark = pytest.mark.anyio


def accounts() -> list[dict[str, Any]]:
    return json.loads(EXAMPLE.read_text())["customers"][:5]


def text_of(result: mcp_types.CallToolResult) -> str:
    return "\n".join(b.text for b in result.content if isinstance(b, mcp_types.TextContent))


def tool_error(result: mcp_types.CallToolResult, *needles: str) -> str:
    message = text_of(result)
    assert result.is_error, message[:300]
    assert "Traceback" not in message
    assert message.removeprefix("Error executing tool ").split(": ", 1)[-1].strip(), "an error needs a reason"
    for needle in needles:
        assert needle.casefold() in message.casefold(), f"{needle!r} not in {message!r}"
    return message


def filled_store(data_dir: Path) -> Path:
    """A store holding one small portfolio, closed; returns the store file."""
    store = SnapshotStore(data_dir)
    report = {"total": 5, "accepted": 5, "rejected": 0, "rejections": [], "notes": []}
    store.add("book", AS_OF, "inline", accounts(), report, 1.0)
    store.close()
    return store.path


async def test_a_corrupt_store_says_so_and_how_to_recover(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / SnapshotStore.FILENAME).write_bytes(b"this is not a database, it is a text file\n" * 200)
    async with Client(build_server(ServerConfig(data_dir=data_dir))) as client:
        for name, args in (("list_portfolios", {}), ("load_portfolio", {"accounts": accounts()})):
            tool_error(await client.call_tool(name, args), "damaged", "Move it aside", "--data-dir")


async def test_a_truncated_store_is_caught_on_open(tmp_path: Path) -> None:
    path = filled_store(tmp_path / "data")
    store = SnapshotStore(tmp_path / "data")  # fill it past a few pages so a cut loses content
    report = {"total": 5, "accepted": 5, "rejected": 0, "rejections": [], "notes": []}
    for i in range(30):
        store.add(f"p{i}", AS_OF, "inline", accounts() * 20, report, 1.0)
    store.close()
    for leftover in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.truncate(size // 2)
    async with Client(build_server(ServerConfig(data_dir=tmp_path / "data"))) as client:
        tool_error(await client.call_tool("list_portfolios", {}), "damaged", "Move it aside")


async def test_a_locked_store_says_who_holds_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = filled_store(tmp_path / "data")
    monkeypatch.setattr(SnapshotStore, "BUSY_SECONDS", 0.2)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        async with Client(build_server(ServerConfig(data_dir=tmp_path / "data"))) as client:
            assert not (await client.call_tool("list_portfolios", {})).is_error  # WAL: readers go on
            tool_error(await client.call_tool("load_portfolio", {"accounts": accounts()}),
                       "locked by another program", "Try again", "--data-dir")  # fmt: skip
    finally:
        holder.execute("ROLLBACK")
        holder.close()


async def test_a_full_disk_names_the_cause_not_the_rollback(tmp_path: Path) -> None:
    filled_store(tmp_path / "data")
    config = ServerConfig(data_dir=tmp_path / "data")
    server = build_server(config)
    async with Client(server) as client:
        assert not (await client.call_tool("list_portfolios", {})).is_error
        # SQLite's page cap gives the very error a full disk does (SQLITE_FULL) on the next write.
        store: SnapshotStore = _service_store(server)
        pages = store._connection().execute("PRAGMA page_count").fetchone()[0]
        store._connection().execute(f"PRAGMA max_page_count = {pages}")
        big = json.loads(EXAMPLE.read_text())["customers"]
        message = tool_error(await client.call_tool("load_portfolio", {"accounts": big}), "is full",
                             "Free some space", "nothing was saved")  # fmt: skip
        assert "rollback" not in message.casefold()
        listed = (await client.call_tool("list_portfolios", {})).structured_content
        assert listed is not None and [p["name"] for p in listed["portfolios"]] == ["book"]


def _service_store(server: Any) -> SnapshotStore:
    """The store behind a built server (found through the registered tool's closure)."""
    tool = server._tool_manager.get_tool("list_portfolios")
    service = next(c.cell_contents for c in tool.fn.__closure__ if hasattr(c.cell_contents, "store"))
    return service.store


async def test_a_data_dir_that_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    async with Client(build_server(ServerConfig(data_dir=blocker / "data"))) as client:
        for name, args in (("list_portfolios", {}), ("load_portfolio", {"accounts": accounts()})):
            tool_error(await client.call_tool(name, args), "cannot be created", "--data-dir")


async def test_a_read_only_store_still_lists_and_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The read-only path, as taken when the file or its directory cannot be written (forced here, since
    permissions do not bind root; the next test checks real permissions where they apply)."""
    filled_store(tmp_path / "data")
    monkeypatch.setattr("customer_success_mcp.store._can_write", lambda path: False)
    async with Client(build_server(ServerConfig(data_dir=tmp_path / "data"))) as client:
        await _reads_but_refuses_loads(client)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="permissions do not bind root")
async def test_a_read_only_data_dir_still_lists_and_reads(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    path = filled_store(data_dir)
    path.chmod(0o444)
    data_dir.chmod(0o555)
    try:
        async with Client(build_server(ServerConfig(data_dir=data_dir))) as client:
            await _reads_but_refuses_loads(client)
    finally:
        data_dir.chmod(0o755)


async def _reads_but_refuses_loads(client: Client) -> None:
    listed = (await client.call_tool("list_portfolios", {})).structured_content
    assert listed is not None and [p["name"] for p in listed["portfolios"]] == ["book"]
    overview = await client.call_tool("portfolio_overview", {})
    assert not overview.is_error, text_of(overview)
    tool_error(await client.call_tool("load_portfolio", {"accounts": accounts()}), "read-only",
               "can be listed and read", "writable", "--data-dir")  # fmt: skip


def test_store_errors_are_store_errors_with_the_fix(tmp_path: Path) -> None:
    path = filled_store(tmp_path / "data")
    path.write_bytes(b"\x00" * 4096)
    store = SnapshotStore(tmp_path / "data")
    with pytest.raises(StoreError, match=r"damaged.*Move it aside"):
        store.portfolios()
