"""The README's "Use it from Claude" section stays true to the server: tool reference, host entries."""

from __future__ import annotations

import argparse
import json
import re
import shlex
from pathlib import Path, PureWindowsPath
from types import SimpleNamespace

import anyio
import pytest

from customer_success_mcp.server.main import add_server_arguments
from customer_success_mcp.server.reference import (
    END,
    START,
    live_tools,
    tool_reference_markdown,
    with_tool_reference,
)

README = Path(__file__).resolve().parents[1] / "README.md"
ENTRY_POINT = "customer-success-mcp"
CLAUDE_CODE_LINE = "claude mcp add customer-success -- customer-success-mcp --allow-dir ~/exports"


def readme() -> str:
    return README.read_text(encoding="utf-8")


def claude_section() -> str:
    text = readme()
    start = text.index("## Use it from Claude\n")
    return text[start : text.index("\n## ", start + 1)]


def desktop_entries() -> list[dict]:
    blocks = re.findall(r"```json\n(.*?)```", claude_section(), flags=re.S)
    assert len(blocks) >= 2, "expected the Claude Desktop entry and its uvx variant"
    return [json.loads(block)["mcpServers"]["customer-success"] for block in blocks]


def server_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=ENTRY_POINT, exit_on_error=False)
    add_server_arguments(parser)
    return parser


def parse_server_args(args: list[str]) -> argparse.Namespace:
    """The server's own parser on these arguments; an unknown option or a bad value raises."""
    namespace, unknown = server_parser().parse_known_args(args)
    if unknown:
        raise argparse.ArgumentError(None, f"unrecognized arguments: {' '.join(unknown)}")
    return namespace


def is_entry_point(command: str) -> bool:
    return PureWindowsPath(command).name.removesuffix(".exe") == ENTRY_POINT


@pytest.fixture(scope="module")
def tools():
    return anyio.run(live_tools)


def test_tool_reference_block_is_rendered_from_the_live_server(tools):
    text = readme()
    assert text.count(START) == 1 and text.count(END) == 1
    assert with_tool_reference(text, tools) == text, (
        "README tool reference drifted; run: python -m customer_success_mcp.server.reference README.md"
    )


def test_tool_reference_names_every_tool_and_marks_required_arguments(tools):
    table = tool_reference_markdown(tools)
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == [t.name for t in tools]
    assert len(tools) == 13  # the eight portfolio tools, the three drafts, show_dashboard and chart
    brief = next(row for row in rows if row.startswith("| `account_brief`"))
    assert "`account` (required)" in brief and "`portfolio` (required)" not in brief
    # A description whose summary wraps onto a second line is shown whole, on one line.
    overview = next(row for row in rows if row.startswith("| `portfolio_overview`"))
    assert "expansion-ready accounts, recommended actions" in overview


def test_tool_reference_escapes_pipes_and_handles_tools_without_arguments():
    tool = SimpleNamespace(
        name="t", title="A | B", description="Does x | y.\n\nMore detail.", input_schema={"type": "object"}
    )
    (row,) = [line for line in tool_reference_markdown([tool]).splitlines() if line.startswith("| `t`")]
    assert row == "| `t` | A \\| B | Does x \\| y. | none |"


def test_claude_desktop_entry_runs_the_entry_point_with_options_the_server_accepts():
    entry = desktop_entries()[0]
    assert Path(entry["command"]).is_absolute(), "Claude Desktop needs the executable's absolute path"
    assert is_entry_point(entry["command"])
    args = parse_server_args(entry["args"])
    assert args.allow_dir, "the entry should show --allow-dir"
    assert "CSM_DATA_DIR" in entry["env"]


def test_uvx_variant_runs_the_entry_point_from_a_source_with_accepted_options():
    entry = desktop_entries()[1]
    assert PureWindowsPath(entry["command"]).name == "uvx"
    args = entry["args"]
    assert args[0] == "--from" and args[1]
    assert args[2] == ENTRY_POINT
    assert parse_server_args(args[3:]).allow_dir
    assert "CSM_DATA_DIR" in entry["env"]


def test_server_parser_rejects_an_option_it_does_not_know():
    # Guards the checks above: a misspelt option in the README would fail them.
    with pytest.raises(argparse.ArgumentError):
        parse_server_args(["--allow-dirs", "/tmp"])
    with pytest.raises(argparse.ArgumentError):
        parse_server_args(["--max-file-mb", "lots"])


@pytest.mark.parametrize("line", [CLAUDE_CODE_LINE])
def test_claude_code_line_is_present_and_its_server_arguments_parse(line):
    assert line in claude_section()
    words = shlex.split(line)
    command = words[words.index("--") + 1 :]
    assert command[0] == ENTRY_POINT
    assert parse_server_args(command[1:]).allow_dir == ["~/exports"]


def test_every_claude_mcp_add_line_runs_the_entry_point_with_accepted_options():
    lines = [
        line.strip()
        for block in re.findall(r"```bash\n(.*?)```", claude_section(), flags=re.S)
        for line in block.splitlines()
        if line.strip().startswith("claude mcp add")
    ]
    assert len(lines) >= 2, "expected the plain and the uvx claude mcp add lines"
    for line in lines:
        command = shlex.split(line)
        command = command[command.index("--") + 1 :]
        if command[0] == "uvx":
            assert command[1] == "--from"
            command = command[3:]
        assert command[0] == ENTRY_POINT, line
        parse_server_args(command[1:])
