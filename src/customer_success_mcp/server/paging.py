"""Pages of results: opaque cursors tied to the query that issued them, and page bounds."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from customer_success_mcp.server.errors import UserError

MAX_LIMIT = 100


def encode_cursor(offset: int, query: str) -> str:
    raw = json.dumps({"o": offset, "q": query}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, query: str) -> int:
    if not cursor:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        offset, owner = int(data["o"]), data["q"]
    except (ValueError, KeyError, TypeError):
        raise UserError(
            "That cursor is not one this server issued; leave it out to start from the top."
        ) from None
    if owner != query or offset < 0:
        raise UserError("That cursor belongs to a different query; repeat the same filters, or leave it out.")
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
