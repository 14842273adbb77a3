"""The tool list as the model reads it: every input schema without the bytes that say nothing.

A host puts the whole tool list (names, descriptions, input schemas) in front of the model, so its
size is a cost on every turn. Pydantic's schemas repeat each argument's name as a `title` and spell an
optional argument as `anyOf: [{type: X}, {type: null}]` with `default: null`. Here an optional
argument is advertised as its own type, left out when not wanted, and titles are dropped. Only the
listing changes: arguments are still validated by the tool's own pydantic model (which also accepts
an explicit null), and the SDK's header checks keep the full schema.
"""

from __future__ import annotations

from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp_types import Tool

NULL = {"type": "null"}


def compact_schema(schema: Any) -> Any:
    """A JSON schema without property titles and with `X or null, default null` written as `X`."""
    if isinstance(schema, list):
        return [compact_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: compact_schema(value) for key, value in schema.items() if key != "title"}
    options = out.get("anyOf")
    if isinstance(options, list) and NULL in options and "default" in out and out["default"] is None:
        rest = [option for option in options if option != NULL]
        if len(rest) == 1 and isinstance(rest[0], dict):
            del out["anyOf"], out["default"]
            out = {**rest[0], **out}
    return out


class CompactToolListServer(MCPServer):
    """An MCPServer whose tools/list carries compact input schemas (see the module docstring)."""

    async def list_tools(self) -> list[Tool]:
        tools = await super().list_tools()
        return [tool.model_copy(update={"input_schema": compact_schema(tool.input_schema)}) for tool in tools]
