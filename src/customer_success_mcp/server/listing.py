"""The tools as the SDK holds and lists them: schemas built once per process, the tool list as the model
reads it (every input schema without the bytes that say nothing), and argument errors it can act on.

A host puts the whole tool list (names, descriptions, input schemas) in front of the model, so its
size is a cost on every turn. Pydantic's schemas repeat each argument's name as a `title` and spell an
optional argument as `anyOf: [{type: X}, {type: null}]` with `default: null`. Here an optional
argument is advertised as its own type, left out when not wanted, and titles are dropped. Only the
listing changes: arguments are still validated by the tool's own pydantic model (which also accepts
an explicit null), and the SDK's header checks keep the full schema.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp.server.mcpserver.tools import Tool
from mcp_types import Tool as ListedTool
from mcp_types import ToolAnnotations
from pydantic import ValidationError

from customer_success_mcp.server.compact import inert

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


MAX_SHOWN_ERRORS = 5
MAX_PART = 60  # characters of one location part (a key the client chose can be anything)


def argument_errors(tool: str, error: ValidationError) -> str:
    """Arguments that failed validation, as one line the model can fix them from: where and what is
    wrong, never the values sent (they are the caller's, and may hold anything, control characters
    included), no documentation links."""
    problems = []
    for detail in error.errors(include_url=False, include_input=False)[:MAX_SHOWN_ERRORS]:
        where = ".".join(inert(str(part))[:MAX_PART] for part in detail["loc"]) or "(arguments)"
        problems.append(f"{where}: {inert(detail['msg'])}")
    more = error.error_count() - len(problems)
    tail = f"; and {more} more" if more > 0 else ""
    return f"Invalid arguments for {tool}: {'; '.join(problems)}{tail}. Fix them and call again."


class CompactToolListServer(MCPServer):
    """An MCPServer whose tools/list carries compact input schemas (see the module docstring) and whose
    argument errors are one inert line each."""

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as exc:
            cause = exc.__cause__
            if isinstance(cause, ValidationError) and not isinstance(exc, UnexpectedToolError):
                raise ToolError(argument_errors(name, cause)) from cause
            raise

    async def list_tools(self) -> list[ListedTool]:
        tools = await super().list_tools()
        return [tool.model_copy(update={"input_schema": compact_schema(tool.input_schema)}) for tool in tools]


_TOOLS: dict[tuple[Any, ...], Tool] = {}


def cached_tool(
    fn: Callable[..., Any],
    *,
    title: str,
    description: str,
    annotations: ToolAnnotations,
    name: str | None = None,
) -> Tool:
    """The SDK's Tool for `fn`. Its argument model and schemas are built once per process and reused by
    every server built after (each server's tool functions are closures over its own service, sharing
    their code), which makes a server five times quicker to build."""
    key = (fn.__code__, name or fn.__name__, title, description, annotations.model_dump_json())
    if key not in _TOOLS:
        built = Tool.from_function(
            fn, name=name, title=title, description=description, annotations=annotations
        )
        _TOOLS[key] = built.model_copy(update={"fn": _unbound})  # holds no server's service alive
    return _TOOLS[key].model_copy(update={"fn": fn})


def _unbound(*args: Any, **kwargs: Any) -> Any:
    """The cached tools' function: each server's copy carries its own."""
    raise RuntimeError("a cached tool definition was called without its server's function")
