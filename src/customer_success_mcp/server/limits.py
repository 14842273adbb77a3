"""Bounds on what a caller may send inline: how many accounts, how many bytes, how deeply nested."""

from __future__ import annotations

import json
from typing import Any

from customer_success_mcp.fileio import MB
from customer_success_mcp.server.errors import UserError

MAX_DEPTH = 32  # a list of accounts in the contract nests 4 deep (list > account > product_usage > module)


def nesting_depth(value: Any, limit: int = MAX_DEPTH) -> int:
    """How deeply lists and objects nest in `value`, counted without recursion; stops past `limit`."""
    depth = 0
    level = [value] if isinstance(value, dict | list) else []
    while level and depth <= limit:
        depth += 1
        following: list[Any] = []
        for item in level:
            children = item.values() if isinstance(item, dict) else item
            following.extend(c for c in children if isinstance(c, dict | list))
        level = following
    return depth


def check_nesting(value: Any, what: str, limit: int = MAX_DEPTH) -> None:
    """Refuse arguments nested deeper than any contract needs (a clear error, not a stack overflow)."""
    if nesting_depth(value, limit) > limit:
        raise UserError(
            f"`{what}` is nested more than {limit} levels deep; accounts in the data contract nest at most 4 "
            "(the list, an account, a section, a module). Send the accounts in the reference format."
        )


def check_inline_accounts(accounts: list[Any], max_accounts: int, max_bytes: int) -> None:
    """Inline accounts within the server's caps (count, then nesting, then size as compact JSON)."""
    if len(accounts) > max_accounts:
        raise UserError(
            f"{len(accounts):,} inline accounts are more than the {max_accounts:,} this server accepts "
            "inline; "
            "save them to a file in an allowed directory and pass its path, or start the server with "
            "--max-inline-accounts N (or CSM_MAX_INLINE_ACCOUNTS)."
        )
    check_nesting(accounts, "accounts")
    try:
        size = len(json.dumps(accounts, separators=(",", ":"), ensure_ascii=False, default=str).encode())
    except (RecursionError, ValueError, TypeError):
        raise UserError("`accounts` cannot be read as JSON data; send a list of account objects.") from None
    if size > max_bytes:
        raise UserError(
            f"The inline accounts take {size / MB:.1f} MB, over the {max_bytes / MB:g} MB this server "
            "accepts inline; save them to a file in an allowed directory and pass its path, or start the "
            "server with --max-inline-mb N (or CSM_MAX_INLINE_MB)."
        )
