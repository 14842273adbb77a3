"""Pages of results: opaque cursors tied to the query that issued them, and page bounds."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from typing import Any

from customer_success_mcp.server.errors import UserError

MAX_LIMIT = 100


# Cursors are signed with a key made when the process starts: a cursor cannot be forged or edited,
# and one from another query (or from before a restart) is refused with a message, never trusted.
_KEY = secrets.token_bytes(32)
_CURSOR = re.compile(r"^([0-9]{1,9})\.([0-9a-f]{32})$")
MAX_CURSOR_CHARS = 64


def _mac(offset: int, query: str) -> str:
    return hmac.new(_KEY, f"{offset}:{query}".encode(), hashlib.sha256).hexdigest()[:32]


def encode_cursor(offset: int, query: str) -> str:
    """An opaque cursor for `offset` in the results of `query`: the offset and its signature."""
    return f"{offset}.{_mac(offset, query)}"


def decode_cursor(cursor: str | None, query: str) -> int:
    """The offset a cursor stands for, if this process issued it for this very query."""
    if not cursor:
        return 0
    match = _CURSOR.match(cursor) if isinstance(cursor, str) and len(cursor) <= MAX_CURSOR_CHARS else None
    if match is None:
        raise UserError(
            "That cursor is not one this server issued; pass next_cursor exactly as returned, or leave it "
            "out to start from the top."
        )
    offset = int(match.group(1))
    if not hmac.compare_digest(match.group(2), _mac(offset, query)):
        raise UserError(
            "That cursor belongs to a different query (or to an earlier run of the server); repeat the "
            "same filters with it, or leave it out to start from the top."
        )
    return offset


def query_key(**params: Any) -> str:
    return hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[:12]


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise UserError(f"limit must be between 1 and {MAX_LIMIT}, got {limit}.")
    return limit


def page_bounds(total: int, offset: int, limit: int, query: str) -> tuple[int, int, bool, str | None]:
    end = min(offset + limit, total)
    has_more = end < total
    return offset, end, has_more, (encode_cursor(end, query) if has_more else None)
