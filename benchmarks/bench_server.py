"""Benchmark: the MCP server over a real stdio connection: latency, startup and response sizes.

    python benchmarks/bench_server.py                   # 10,000 accounts, 200 calls per tool, 5 starts
    python benchmarks/bench_server.py --accounts 1000 --calls 50 --starts 3

Generates a deterministic portfolio (cached under benchmarks/data/) and copies it into a temporary
directory that is the server's --allow-dir, with a fresh temporary --data-dir. Then, in one run:

1. starts `customer-success-mcp` (the console script next to this Python) as a subprocess over stdio,
   times load_portfolio on the file, and times the `call_tool` round trip (wall time, client side,
   including the SDK client's output-schema validation) of find_accounts, account_brief and
   portfolio_overview with varied arguments, after a few discarded warm-up calls per tool.
   Targets: p50 <= 20 ms, p95 <= 50 ms.
2. with the same server, records the default response size of every tool and of the leadership
   questions (README): the text of all content blocks, and json.dumps(structured_content), in bytes.
   Target: <= 12,000 bytes each.
3. starts, alternately, fresh processes of `customer-success-mcp` and of a minimal MCPServer with one
   tool (the SDK's own floor, same Python) and times process start to the initialize response: a
   timestamp before the spawn, another when entering `Client(..., mode="legacy")` returns, i.e. when
   `ClientSession.initialize()` has its InitializeResult (and has sent `initialized`). The SDK's default
   mode="auto", used for the latency session, probes with server/discover instead and adopts the
   2026-07-28 protocol; "legacy" is the initialize handshake hosts do today. Medians and their ratio;
   target ratio <= 1.3. On Linux it also prints each server's CPU time by then, which a busy machine
   disturbs less than wall time.

Prints the figures; a missed target is marked MISSED (the exit status stays 0).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio
from mcp import Client, StdioServerParameters

from portfolios import portfolio_file

TARGET_P50_MS, TARGET_P95_MS, TARGET_STARTUP_RATIO, TARGET_BYTES = 20.0, 50.0, 1.3, 12_000

MINIMAL_SERVER = '''\
"""The SDK's floor: an MCPServer with one tool, over stdio."""

from mcp.server.mcpserver import MCPServer

mcp = MCPServer("minimal")


@mcp.tool()
def echo(text: str) -> str:
    """Return the text."""
    return text


if __name__ == "__main__":
    mcp.run("stdio")
'''

# find_accounts: filter and sort combinations a CSM would ask for; each is followed for a few pages.
FIND_QUERIES: list[dict[str, Any]] = [
    {},
    {"health": "red"},
    {"segment": "enterprise", "sort_by": "risk"},
    {"renewal_within_days": 90, "sort_by": "renewal"},
    {"has_expansion": True, "sort_by": "expansion", "min_arr": 50_000},
    {"risk_tier": "high", "sort_by": "health"},
    {"text": "tech", "sort_by": "risk"},
    {"segment": "smb", "health": "yellow", "limit": 50},
    {"renewal_within_days": 180, "health": "red", "sort_by": "arr"},
]
FIND_PAGES = 3
OVERVIEW_ARGS: list[dict[str, Any]] = [
    {},
    {"renewal_window_days": 30},
    {},
    {"renewal_window_days": 180},
]


def server_command() -> str:
    """The console script installed beside this interpreter."""
    name = "customer-success-mcp" + (".exe" if sys.platform == "win32" else "")
    return str(Path(sys.executable).parent / ("Scripts" if sys.platform == "win32" else "") / name)


def response_bytes(result: Any) -> tuple[int, int]:
    """(text of every content block, json.dumps(structured_content)), UTF-8 bytes: what a text-only host
    and what Claude Code give the model."""
    text_size = 0
    for block in result.content:
        text = getattr(block, "text", None)
        text_size += len((text if text is not None else block.model_dump_json()).encode())
    structured = result.structured_content
    return text_size, len(json.dumps(structured).encode()) if structured is not None else 0


class ToolFailed(RuntimeError):
    pass


async def call(client: Client, tool: str, args: dict[str, Any]) -> tuple[float, Any]:
    """One timed call_tool round trip: (seconds, result); a tool error stops the benchmark."""
    started = time.perf_counter()
    result = await client.call_tool(tool, args)
    elapsed = time.perf_counter() - started
    if result.is_error:
        text = " ".join(getattr(b, "text", "") for b in result.content)
        raise ToolFailed(f"{tool}({args}) failed: {text}")
    return elapsed, result


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


async def find_calls(client: Client, count: int) -> tuple[list[float], list[tuple[int, int]]]:
    """count find_accounts calls: cycle through FIND_QUERIES, following next_cursor for a few pages."""
    times: list[float] = []
    sizes: list[tuple[int, int]] = []
    query = 0
    while len(times) < count:
        args = dict(FIND_QUERIES[query % len(FIND_QUERIES)])
        query += 1
        for _ in range(FIND_PAGES):
            elapsed, result = await call(client, "find_accounts", args)
            times.append(elapsed)
            if "limit" not in args:
                sizes.append(response_bytes(result))
            cursor = result.structured_content.get("next_cursor")
            if not cursor or len(times) >= count:
                break
            args = {**args, "cursor": cursor}
    return times, sizes


async def account_ids(client: Client, count: int, seed: int) -> list[str]:
    """Account ids drawn deterministically from find_accounts pages under every sort order."""
    ids: set[str] = set()
    for sort_by in ("arr", "health", "risk", "renewal", "expansion"):
        for segment in ("enterprise", "mid-market", "smb"):
            _, result = await call(
                client, "find_accounts", {"sort_by": sort_by, "segment": segment, "limit": 100}
            )
            ids.update(row["customer_id"] for row in result.structured_content["accounts"])
    ordered = sorted(ids)
    rng = random.Random(seed)
    if count <= len(ordered):
        return rng.sample(ordered, count)
    return [rng.choice(ordered) for _ in range(count)]


LEADERSHIP_CALLS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("find_accounts", {"sort_by": "health_drop", "limit": 10}),
    ("find_accounts", {"segment": "mid-market", "sort_by": "expansion", "limit": 5}),
    ("find_accounts", {"coverage_below": 0.6}),
    ("find_accounts", {"thin_data": True}),
    ("query_portfolio", {"sql": "SELECT segment, SUM(arr) AS arr, SUM(CASE WHEN risk_tier IN "
                                "('critical','high') THEN arr ELSE 0 END) AS arr_at_risk FROM accounts "
                                "GROUP BY segment"}),
)  # fmt: skip
RED_EXPORT = {"filters": {"health": "red"}}


async def measure_session(
    path: Path, data_dir: Path, allow_dir: Path, calls: int, warmup: int, seed: int
) -> dict:
    """One server: load the portfolio, time the three tools, record every tool's default response size."""
    params = StdioServerParameters(
        command=server_command(), args=["--data-dir", str(data_dir), "--allow-dir", str(allow_dir)]
    )
    out: dict[str, Any] = {"latency": {}, "first_calls": {}, "sizes": []}
    async with Client(params) as client:
        await client.list_tools()  # the client validates structured content against these schemas
        load_s, loaded = await call(client, "load_portfolio", {"path": str(path)})
        out["load_seconds"] = load_s
        out["loaded"] = loaded.structured_content
        out["protocol"] = client.protocol_version

        # Latency: warm-up calls first (discarded but shown), then the measured ones.
        find_times, find_sizes = await find_calls(client, warmup + calls)
        out["first_calls"]["find_accounts"] = find_times[:warmup]
        out["latency"]["find_accounts"] = find_times[warmup:]

        ids = await account_ids(client, warmup + calls, seed)
        brief_times, brief_sizes = [], []
        for account in ids:
            elapsed, result = await call(client, "account_brief", {"account": account})
            brief_times.append(elapsed)
            brief_sizes.append((response_bytes(result), account))
        out["first_calls"]["account_brief"] = brief_times[:warmup]
        out["latency"]["account_brief"] = brief_times[warmup:]

        overview_times = []
        for i in range(warmup + calls):
            elapsed, _ = await call(client, "portfolio_overview", OVERVIEW_ARGS[i % len(OVERVIEW_ARGS)])
            overview_times.append(elapsed)
        out["first_calls"]["portfolio_overview"] = overview_times[:warmup]
        out["latency"]["portfolio_overview"] = overview_times[warmup:]

        # Default response sizes, every tool.
        sizes = out["sizes"]
        sizes.append(("load_portfolio", f"path={path.name}", response_bytes(loaded)))
        for tool in ("list_portfolios", "portfolio_overview", "find_accounts"):
            _, result = await call(client, tool, {})
            sizes.append((tool, "(none)", response_bytes(result)))
        sizes.append(
            (
                "find_accounts",
                f"largest of {len(find_sizes)} default-limit pages above",
                max(find_sizes, key=max),
            )
        )
        _, result = await call(client, "account_brief", {"account": ids[0]})
        sizes.append(("account_brief", f"account {ids[0]}", response_bytes(result)))
        largest, largest_id = max(brief_sizes, key=lambda s: max(s[0]))
        sizes.append(("account_brief", f"largest of {len(set(ids))} accounts above ({largest_id})", largest))
        for tool in ("score_health", "score_churn_risk", "score_expansion"):
            _, result = await call(client, tool, {})
            sizes.append((tool, "(none)", response_bytes(result)))
        # The leadership questions, one call each (README "Leadership questions in one call").
        export_to = allow_dir / f"red-{os.getpid()}.csv"
        for tool, args in (*LEADERSHIP_CALLS, ("export_accounts", {**RED_EXPORT, "save_to": str(export_to)})):
            _, result = await call(client, tool, args)
            sizes.append((tool, json.dumps(args), response_bytes(result)))
        export_to.unlink(missing_ok=True)
    return out


async def measure_floor(minimal: Path, calls: int, warmup: int) -> list[float]:
    """The transport's floor: round trips of the minimal server's echo tool."""
    params = StdioServerParameters(command=sys.executable, args=[str(minimal)])
    async with Client(params) as client:
        await client.list_tools()
        times = [(await call(client, "echo", {"text": "ping"}))[0] for _ in range(warmup + calls)]
    return times[warmup:]


def child_cpu_seconds() -> float | None:
    """CPU time (user + system) used so far by this process's newest live child; Linux /proc, else None."""
    if not Path("/proc/self/stat").exists():
        return None
    me, tick, found = os.getpid(), os.sysconf("SC_CLK_TCK"), []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()  # from field 3 (state): ppid, ..., utime, stime
        if int(fields[1]) == me and fields[0] != "Z":
            found.append((int(fields[19]), (int(fields[11]) + int(fields[12])) / tick))
    return max(found)[1] if found else None


async def time_start(params: StdioServerParameters) -> tuple[float, float | None]:
    """Seconds from just before the spawn to the initialize response, and the server's CPU seconds by then."""
    started = time.perf_counter()
    async with Client(params, mode="legacy") as client:
        elapsed = time.perf_counter() - started
        assert client.session.initialize_result is not None
        cpu = child_cpu_seconds()
    return elapsed, cpu


async def measure_startup(
    data_dir: Path, allow_dir: Path, minimal: Path, starts: int
) -> dict[str, list[tuple[float, float | None]]]:
    """Alternate fresh starts of both servers (order swapped each round); one unrecorded warm-up each."""
    servers = {
        "minimal MCPServer": StdioServerParameters(command=sys.executable, args=[str(minimal)]),
        "customer-success-mcp": StdioServerParameters(
            command=server_command(), args=["--data-dir", str(data_dir), "--allow-dir", str(allow_dir)]
        ),
    }
    for params in servers.values():
        await time_start(params)
    runs: dict[str, list[tuple[float, float | None]]] = {name: [] for name in servers}
    names = list(servers)
    for round_ in range(starts):
        for name in names if round_ % 2 == 0 else names[::-1]:
            runs[name].append(await time_start(servers[name]))
    return runs


def verdict(ok: bool) -> str:
    return "   ok" if ok else "   MISSED"


def report(
    args: argparse.Namespace,
    path: Path,
    session: dict,
    floor: list[float],
    startup: dict[str, list[tuple[float, float | None]]],
    load: tuple[float, float],
) -> None:
    loaded = session["loaded"]
    size_mb = path.stat().st_size / 1e6
    versions = f"mcp {importlib.metadata.version('mcp')}, Python {platform.python_version()}"
    print(f"accounts            {args.accounts:,} ({size_mb:.0f} MB, seed {args.seed}); {versions}")
    print(
        f"machine             {os.cpu_count()} CPUs; 1-minute load average {load[0]:.2f} before the run, "
        f"{load[1]:.2f} after"
    )
    print(
        f"load_portfolio      {session['load_seconds']:.2f} s over stdio "
        f"({loaded['accepted']:,} accepted, {loaded['rejected']:,} rejected)"
    )
    print()
    print(
        f"latency: wall time of each call_tool round trip over stdio (protocol {session['protocol']}), "
        f"{args.calls} calls per tool after {args.warmup} warm-up calls"
    )
    print(f"  {'tool':<20}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}   targets p50 <= 20, p95 <= 50")
    for tool, times in session["latency"].items():
        ms = [t * 1000 for t in times]
        p50, p95 = percentile(ms, 0.5), percentile(ms, 0.95)
        missed = [label for label, value, target in (("p50", p50, TARGET_P50_MS), ("p95", p95, TARGET_P95_MS))
                  if value > target]  # fmt: skip
        note = f"   MISSED ({', '.join(missed)})" if missed else "   ok"
        print(f"  {tool:<20}{p50:>8.1f}{p95:>8.1f}{max(ms):>8.1f}{note}")
    first = "; ".join(
        f"{tool} {', '.join(f'{t * 1000:.0f}' for t in times)}"
        for tool, times in session["first_calls"].items()
    )
    print(f"  warm-up calls, discarded (ms): {first}")
    floor_ms = [t * 1000 for t in floor]
    print(
        f"  floor: echo tool of a minimal MCPServer, same transport: p50 {percentile(floor_ms, 0.5):.1f} ms, "
        f"p95 {percentile(floor_ms, 0.95):.1f} ms"
    )
    print()
    print(f"startup: process start to initialize response, {args.starts} starts each, alternating (medians)")
    medians = {name: statistics.median(r[0] for r in runs) for name, runs in startup.items()}
    for name, runs in startup.items():
        listed = ", ".join(f"{r[0]:.2f}" for r in runs)
        print(f"  {name:<22}{medians[name]:.2f} s   (runs: {listed})")
    ratio = medians["customer-success-mcp"] / medians["minimal MCPServer"]
    target = f"(target <= {TARGET_STARTUP_RATIO})"
    print(f"  {'ratio':<22}{ratio:.2f}     {target}{verdict(ratio <= TARGET_STARTUP_RATIO)}")
    cpu = {name: [r[1] for r in runs if r[1] is not None] for name, runs in startup.items()}
    if all(cpu.values()):
        cpu_median = {name: statistics.median(values) for name, values in cpu.items()}
        listed = ", ".join(f"{name} {value:.2f} s" for name, value in cpu_median.items())
        cpu_ratio = cpu_median["customer-success-mcp"] / cpu_median["minimal MCPServer"]
        print(
            f"  server CPU time by then (less sensitive to a busy machine): {listed}; ratio {cpu_ratio:.2f}"
        )
    print()
    print(
        f"default response size: text blocks and json.dumps(structured_content), {args.accounts:,} accounts "
        f"loaded (target <= {TARGET_BYTES:,} bytes each)"
    )
    print(f"  {'tool':<20}{'text':>8}{'json':>8}   arguments")
    for tool, arguments, (text, structured) in session["sizes"]:
        within = verdict(max(text, structured) <= TARGET_BYTES)
        print(f"  {tool:<20}{text:>8,}{structured:>8,}{within}   {arguments}")


async def run(args: argparse.Namespace) -> int:
    path = portfolio_file(args.accounts, args.seed)
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    with tempfile.TemporaryDirectory(prefix="bench_server_") as tmp:
        allow_dir, data_dir = Path(tmp) / "exports", Path(tmp) / "data"
        allow_dir.mkdir()
        data_dir.mkdir()
        # A copy, not a symlink: the server resolves links before its allowed-directory check.
        copy = allow_dir / path.name
        shutil.copyfile(path, copy)
        minimal = Path(tmp) / "minimal_server.py"
        minimal.write_text(MINIMAL_SERVER)
        try:
            session = await measure_session(copy, data_dir, allow_dir, args.calls, args.warmup, args.seed)
        except ToolFailed as exc:
            print(f"benchmark aborted: {exc}", file=sys.stderr)
            return 1
        floor = await measure_floor(minimal, args.calls, args.warmup)
        startup = await measure_startup(data_dir, allow_dir, minimal, args.starts)
    load_after = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    report(args, path, session, floor, startup, (load_before, load_after))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--calls", type=int, default=200, help="measured calls per tool (default 200)")
    parser.add_argument("--warmup", type=int, default=5, help="discarded calls per tool first (default 5)")
    parser.add_argument("--starts", type=int, default=5, help="fresh starts of each server (default 5)")
    args = parser.parse_args()
    return anyio.run(run, args)


if __name__ == "__main__":
    sys.exit(main())
