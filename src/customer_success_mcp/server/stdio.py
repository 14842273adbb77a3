"""The stdio transport, with an answer for every message: JSON-RPC's errors for what the SDK drops.

The SDK's stdio reader silently drops a line that is not JSON (-32700 is due), not a valid JSON-RPC
message (-32600), or nested past its parser's depth limit, and takes a request with a null id for a
notification, so the client waits for ever. This module
reads stdin itself, line by line with a size cap, answers those lines with the error the JSON-RPC 2.0
specification requires (echoing the request's id when it can be read, else null), and hands every
valid line to the SDK's own stdio transport and server loop unchanged. Nothing but protocol messages
is ever written to stdout: the error answers go through the SDK's writer like every other message.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import IO, Any

import anyio
import anyio.to_thread
import mcp_types as types
import pydantic_core
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from mcp.server.mcpserver import MCPServer
from mcp.server.stdio import stdio_server
from mcp.shared.message import SessionMessage
from pydantic import ValidationError

log = logging.getLogger(__name__)

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
DISCARD_CHUNK = 1 << 20
# The id of a request whose body cannot be parsed, when it leads the object (as clients write it).
_LEADING_ID = re.compile(
    rb'^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"id"\s*:\s*(-?\d{1,18}|"(?:[^"\\]|\\.){0,200}")'
)


def leading_id(head: bytes) -> int | str | None:
    """The request id at the start of a message that cannot be parsed whole, else None."""
    match = _LEADING_ID.match(head)
    if match is None:
        return None
    try:
        value = pydantic_core.from_json(match.group(1))
    except ValueError:
        return None
    return value if isinstance(value, int | str) and not isinstance(value, bool) else None


def _is_mixed(message: types.JSONRPCMessage, text: str) -> bool:
    """A message with a "method" and a "result" or "error" is neither a request nor a response (the SDK
    takes it as one or the other depending on its other fields; as a response it stays silent)."""
    if isinstance(message, types.JSONRPCRequest | types.JSONRPCNotification):
        if '"result"' not in text and '"error"' not in text:
            return False
    elif '"method"' not in text:
        return False
    try:
        document = pydantic_core.from_json(text)
    except ValueError:
        return False
    return (
        isinstance(document, dict) and "method" in document and ("result" in document or "error" in document)
    )


def _has_null_id(message: types.JSONRPCMessage, text: str) -> bool:
    """A request whose id is null: MCP forbids it, and the SDK would take it for a notification and stay
    silent, so the client would wait for ever."""
    if not isinstance(message, types.JSONRPCNotification) or '"id"' not in text:
        return False
    try:
        document = pydantic_core.from_json(text)
    except ValueError:
        return False
    return isinstance(document, dict) and "id" in document and document["id"] is None


TOO_LARGE = (
    "Invalid Request: the message is larger than the {max_bytes:,} bytes this server reads; send large "
    "portfolios as a file path in an allowed directory, not inline."
)
TOO_DEEP = (
    "Invalid Request: the message is nested too deeply to read; accounts in the data contract nest at most "
    "4 levels."
)
NOT_A_MESSAGE = (
    'Invalid Request: not a JSON-RPC 2.0 request, notification or response (an object with "jsonrpc": '
    '"2.0" and a "method", or a "result" or "error" with an "id").'
)
NULL_ID = "Invalid Request: a request id must be a string or a number; MCP does not allow null."
MIXED = (
    'Invalid Request: a message has a "method" (a request) or a "result" or "error" (a response), not both.'
)


def _error(code: int, message: str, request_id: int | str | None) -> types.JSONRPCError:
    return types.JSONRPCError(jsonrpc="2.0", id=request_id, error=types.ErrorData(code=code, message=message))


def _id_of(line: bytes) -> int | str | None:
    """The id of a message that parses as JSON, if it is a usable one."""
    try:
        document = pydantic_core.from_json(line.decode("utf-8", errors="replace"))
    except ValueError:
        return None
    found = document.get("id") if isinstance(document, dict) else None
    return found if isinstance(found, int | str) and not isinstance(found, bool) else None


def error_answer(
    line: bytes, exc: ValidationError | None, max_bytes: int, mixed: bool = False
) -> types.JSONRPCError:
    """The JSON-RPC error for a line the SDK cannot use: too large (`exc` None), not JSON, too deep, not a
    message, or a request and a response at once (`mixed`)."""
    if mixed:
        return _error(INVALID_REQUEST, MIXED, _id_of(line))
    if exc is None:
        return _error(INVALID_REQUEST, TOO_LARGE.format(max_bytes=max_bytes), leading_id(line[:4096]))
    problems = exc.errors()
    first = problems[0] if problems else {"type": "", "msg": ""}
    if first["type"] == "json_invalid" and "recursion limit" in str(first["msg"]):
        return _error(INVALID_REQUEST, TOO_DEEP, leading_id(line[:4096]))
    if first["type"] == "json_invalid":
        detail = str(first["msg"]).removeprefix("Invalid JSON: ")
        return _error(PARSE_ERROR, f"Parse error: not valid JSON ({detail}).", None)
    return _error(INVALID_REQUEST, NOT_A_MESSAGE, _id_of(line))


class CheckedLines:
    """stdin as the SDK's reader wants it (an async iterable of lines), holding back each line it could
    not use and queueing the JSON-RPC error that answers it."""

    def __init__(
        self, source: IO[bytes], max_bytes: int, errors: MemoryObjectSendStream[types.JSONRPCError]
    ) -> None:
        self._source = source
        self._max_bytes = max_bytes
        self._errors = errors

    def _next_line(self) -> tuple[bytes, bool]:
        """The next line (blocking, in a worker thread) and whether it fitted under the cap."""
        line = self._source.readline(self._max_bytes + 1)
        if len(line) <= self._max_bytes or line.endswith(b"\n"):
            return line, True
        rest = line
        while rest and not rest.endswith(b"\n"):  # drop the remainder of the oversized line
            rest = self._source.readline(DISCARD_CHUNK)
        return line, False

    async def __aiter__(self) -> AsyncIterator[str]:
        async with self._errors:
            while True:
                line, fits = await anyio.to_thread.run_sync(self._next_line)
                if not line:
                    return
                if not fits:
                    await self._errors.send(error_answer(line, None, self._max_bytes))
                    continue
                text = line.decode("utf-8", errors="replace")
                if not text.strip():
                    continue
                try:
                    message = types.jsonrpc_message_adapter.validate_json(text, by_name=False)
                except ValidationError as exc:
                    log.info("answering an unusable message with a JSON-RPC error: %s", exc.errors()[:1])
                    await self._errors.send(error_answer(line, exc, self._max_bytes))
                    continue
                if _is_mixed(message, text):
                    await self._errors.send(error_answer(line, None, self._max_bytes, mixed=True))
                    continue
                if _has_null_id(message, text):
                    await self._errors.send(_error(INVALID_REQUEST, NULL_ID, None))
                    continue
                yield text


async def _forward(errors: MemoryObjectReceiveStream[types.JSONRPCError], write_stream: Any) -> None:
    async with errors, write_stream:
        async for error in errors:
            await write_stream.send(SessionMessage(error))


@contextmanager
def claimed_stdin() -> Iterator[IO[bytes]]:
    """The protocol's stdin on a private descriptor, with fd 0 pointed at the null device meanwhile (as the
    SDK does), so nothing else in the process can read from the wire."""
    try:
        wire = sys.stdin.fileno()
    except (AttributeError, OSError, ValueError):
        yield sys.stdin.buffer
        return
    private = os.dup(wire)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, wire)
    os.close(null)
    try:
        # closefd=False: a worker thread may still be blocked reading it after the transport exits.
        yield os.fdopen(private, "rb", closefd=False)
    finally:
        os.dup2(private, wire)


async def serve_stdio(mcp: MCPServer, max_message_bytes: int) -> None:
    """Serve over stdin/stdout until the client closes stdin; every message gets an answer."""
    send_errors, receive_errors = anyio.create_memory_object_stream[types.JSONRPCError](16)
    # MCPServer.run_stdio_async does exactly this with the SDK's own reader; the SDK offers no public
    # accessor for its low-level server, whose run() is the public way to serve custom streams.
    lowlevel = mcp._lowlevel_server
    with claimed_stdin() as source:
        lines: Any = CheckedLines(source, max_message_bytes, send_errors)  # async lines, as the SDK reads
        async with stdio_server(stdin=lines) as (reader, writer), anyio.create_task_group() as tasks:
            tasks.start_soon(_forward, receive_errors, writer.clone())
            await lowlevel.run(reader, writer, lowlevel.create_initialization_options())
