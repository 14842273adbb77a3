"""Argument completion for the resource templates and prompts: portfolios, accounts, documents, segments.

One handler serves every argument, by its name: `portfolio` (loaded portfolio names), `account_id`
(account ids) and `account` (ids and names), of the portfolio named in the request's context or else
the default one; `name` of a document template (that kind's documents); `segment` (the profile's
segment keys). Prefix matches come first, then case-insensitive substring matches; at most 100.
Anything else gets no completion.
"""

from __future__ import annotations

from collections.abc import Iterable

import anyio.to_thread
from mcp.server.mcpserver import MCPServer
from mcp_types import (
    Completion,
    CompletionArgument,
    CompletionContext,
    PromptReference,
    ResourceTemplateReference,
)

from customer_success_mcp import library
from customer_success_mcp.server.service import PortfolioService, UserError
from customer_success_mcp.store import StoreError

MAX_VALUES = 100


def matching(candidates: Iterable[str], typed: str) -> Completion:
    """Candidates starting with what was typed (case-insensitive), then those containing it; deduplicated."""
    wanted = typed.strip().casefold()
    prefix: dict[str, None] = {}
    inside: dict[str, None] = {}
    for value in candidates:
        folded = value.casefold()
        if folded.startswith(wanted):
            prefix[value] = None
        elif wanted in folded:
            inside[value] = None
    found = [*prefix, *(v for v in inside if v not in prefix)]
    return Completion(values=found[:MAX_VALUES], total=len(found), has_more=len(found) > MAX_VALUES)


def register_completion(mcp: MCPServer, service: PortfolioService) -> None:
    """The server's one `completion/complete` handler."""
    documents: dict[str, library.Kind] = {
        f"cs://{kind}/{{name}}": kind for kind in ("playbooks", "templates", "references")
    }

    def portfolios() -> list[str]:
        try:
            return [entry.latest.portfolio for entry in service.store.portfolios()]
        except StoreError:
            return []

    def accounts(portfolio: str | None, with_names: bool) -> list[str]:
        try:
            table = service.cached_portfolio(portfolio).scored.table
        except (UserError, StoreError):
            return []
        return [*table.ids, *table.names] if with_names else list(table.ids)

    def segments() -> list[str]:
        try:
            return list(service.profile.segments)
        except UserError:
            return []

    def candidates(
        ref: PromptReference | ResourceTemplateReference, arg: str, portfolio: str | None
    ) -> list[str] | None:
        if isinstance(ref, ResourceTemplateReference) and ref.uri in documents:
            return library.names(documents[ref.uri]) if arg == "name" else None
        if arg == "portfolio":
            return portfolios()
        if arg == "account_id" and isinstance(ref, ResourceTemplateReference):
            return accounts(portfolio, with_names=False)
        if arg == "account" and isinstance(ref, PromptReference):
            return accounts(portfolio, with_names=True)
        if arg == "segment":
            return segments()
        return None

    @mcp.completion()
    async def complete(
        ref: PromptReference | ResourceTemplateReference,
        argument: CompletionArgument,
        context: CompletionContext | None,
    ) -> Completion | None:
        portfolio = ((context.arguments or {}).get("portfolio") if context else None) or None
        # Store reads and a first scoring of the portfolio are blocking work: off the event loop.
        values = await anyio.to_thread.run_sync(lambda: candidates(ref, argument.name, portfolio))
        return None if values is None else matching(values, argument.value)
