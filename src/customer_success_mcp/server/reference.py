"""The README's tool reference, rendered from the tools the server actually lists.

`python -m customer_success_mcp.server.reference README.md` rewrites the block between
`<!-- tool-reference:start -->` and `<!-- tool-reference:end -->`; a test fails when they differ.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

START, END = "<!-- tool-reference:start -->", "<!-- tool-reference:end -->"


def _summary(description: str | None) -> str:
    """The description's first paragraph on one line (a docstring's summary may wrap)."""
    first = re.split(r"\n\s*\n", (description or "").strip(), maxsplit=1)[0]
    return " ".join(first.split())


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _arguments(schema: dict[str, Any]) -> str:
    required = set(schema.get("required") or ())
    names = list((schema.get("properties") or {}).keys())
    return ", ".join(f"`{n}` (required)" if n in required else f"`{n}`" for n in names) or "none"


def tool_reference_markdown(tools: Iterable[Any]) -> str:
    """A markdown table of tools as `MCPServer.list_tools()` returns them: name, title, the first
    paragraph of the description, and the input properties (required ones marked)."""
    lines = ["| Tool | Title | What it does | Arguments |", "|---|---|---|---|"]
    for tool in tools:
        lines.append(
            f"| `{tool.name}` | {_cell(tool.title or '')} | {_cell(_summary(tool.description))} "
            f"| {_arguments(tool.input_schema)} |"
        )
    return "\n".join(lines) + "\n"


def with_tool_reference(readme: str, tools: Iterable[Any]) -> str:
    """The README text with its tool-reference block rewritten from the tools."""
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{tool_reference_markdown(tools)}{END}{tail}"


async def live_tools() -> list[Any]:
    """The tools of a freshly built server (its store is never opened: listing touches no disk)."""
    import tempfile
    from pathlib import Path

    from customer_success_mcp.server.app import build_server
    from customer_success_mcp.server.config import ServerConfig

    with tempfile.TemporaryDirectory() as data_dir:
        return await build_server(ServerConfig(data_dir=Path(data_dir))).list_tools()


if __name__ == "__main__":  # python -m customer_success_mcp.server.reference README.md
    import sys
    from pathlib import Path

    import anyio

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "README.md")
    tools = anyio.run(live_tools)
    target.write_text(with_tool_reference(target.read_text(encoding="utf-8"), tools), encoding="utf-8")
