"""The MCP surface: tools that wrap `PortfolioService` (thin, typed, compact by default)."""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable
from typing import Annotated, Any, Literal

import anyio
import anyio.from_thread
import anyio.to_thread
from mcp.server.auth.provider import TokenVerifier
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver import Context, ListRoots, MCPServer, Resolve
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, ListRootsResult, TextContent, ToolAnnotations
from pydantic import BaseModel, Field

from customer_success_mcp.ingest.sources import ExportInspection
from customer_success_mcp.query.models import SORT_HELP, AccountFilter, SortKey
from customer_success_mcp.render.text import visible_lines
from customer_success_mcp.server import text as summaries
from customer_success_mcp.server.config import ServerConfig
from customer_success_mcp.server.files import roots_to_dirs
from customer_success_mcp.server.models import (
    AccountBrief,
    AccountPage,
    ChurnScorePage,
    Detail,
    DraftResult,
    ExpansionScorePage,
    HealthScorePage,
    LoadResult,
    Overview,
    PortfolioList,
    ScorePage,
)
from customer_success_mcp.server.prompts import register_prompts
from customer_success_mcp.server.resources import register_resources
from customer_success_mcp.server.service import DraftKind, PortfolioService, ScoreKind, UserError
from customer_success_mcp.store import StoreError

INSTRUCTIONS = """\
Customer success scoring: deterministic health (0-100, higher is healthier), churn risk (0-100,
higher is riskier) and expansion opportunities for a book of accounts.
1. load_portfolio once per export (a JSON file, CSV/Excel exports joined on the account id, or inline
   accounts); it is stored and survives restarts. inspect_export shows how a CSV or Excel file would map.
2. portfolio_overview for the one-minute view; find_accounts to filter and rank;
   account_brief to explain one account.
3. score_health / score_churn_risk / score_expansion give the reference scripts' per-account output.
Take every number you show from these results; never estimate one. Tools default to the most
recently loaded portfolio; list_portfolios shows them all."""

READ_ONLY = ToolAnnotations(
    read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False
)
DRAFTS = ToolAnnotations(  # writes only a new file, and only when save_to is given
    read_only_hint=False, destructive_hint=False, idempotent_hint=True, open_world_hint=False
)
WRITES_SNAPSHOT = ToolAnnotations(
    read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=False
)

PortfolioArg = Annotated[
    str | None,
    Field(description="Loaded portfolio name (default: the most recently loaded; see list_portfolios)"),
]
AccountsArg = Annotated[
    list[dict[str, Any]] | None,
    Field(
        description="Accounts in the reference format: each an object with customer_id and name, plus any of "
        "arr, segment, contract_end_date and the sections usage, engagement, support, relationship, "
        "previous_period, usage_decline, engagement_drop, support_issues, relationship_signals, "
        "commercial_factors, contract, product_usage, departments, outcomes",
    ),
]
MappingArg = Annotated[
    dict[str, str] | str | None,
    Field(
        description='Column mapping for CSV/Excel: {"Export header": "contract field"} (e.g. '
        '"usage.logins_30d", "ignore"), or the path of a TOML mapping file; overrides automatic and saved'
    ),
]
DateOrderArg = Annotated[
    Literal["MDY", "DMY"] | None,
    Field(description="Order of slash dates such as 03/04/2027 when the values cannot tell: MDY or DMY"),
]
DetailArg = Annotated[Detail, Field(description="'summary' (compact, default) or 'full' (every breakdown)")]
LimitArg = Annotated[int, Field(ge=1, le=100, description="Page size (max 100)")]
CursorArg = Annotated[str | None, Field(description="next_cursor from the previous page")]


def client_roots(ctx: Context) -> ListRoots | None:
    """Ask for the client's roots when it offers them; they widen the allowed directories."""
    caps = ctx.client_capabilities
    if caps is None or caps.roots is None:
        return None
    return ListRoots()


RootsArg = Annotated[ListRootsResult | None, Resolve(client_roots)]
AccountArg = Annotated[str, Field(description="Account id, or name (case-insensitive)")]
SaveToArg = Annotated[
    str | None, Field(description="Also write the draft to this new .md file inside an allowed directory")
]


def _result(model: BaseModel, summary: str) -> CallToolResult:
    return CallToolResult(
        content=[TextContent(type="text", text=visible_lines(summary))],
        structured_content=model.model_dump(mode="json"),
    )


async def _run(fn: Callable[[], Any]) -> Any:
    """Run service work in a worker thread; user-fixable problems (and store failures, with their cause
    and fix) become ToolErrors."""
    try:
        return await anyio.to_thread.run_sync(fn)
    except (UserError, StoreError) as exc:
        raise ToolError(visible_lines(str(exc))) from None


def build_server(
    config: ServerConfig,
    service: PortfolioService | None = None,
    *,
    token_verifier: TokenVerifier | None = None,
    auth: AuthSettings | None = None,
) -> MCPServer:
    """The customer success MCP server, over one PortfolioService (with bearer-token auth over HTTP)."""
    from customer_success_mcp import __version__

    service = service or PortfolioService(config)

    def tool(title: str, annotations: ToolAnnotations) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Register a tool whose description is its docstring without the source's indentation."""

        def register(fn: Callable[..., Any]) -> Callable[..., Any]:
            mcp.add_tool(
                fn, title=title, description=inspect.cleandoc(fn.__doc__ or ""), annotations=annotations
            )
            return fn

        return register

    mcp = MCPServer(
        name="customer-success",
        title="Customer Success",
        instructions=INSTRUCTIONS,
        version=__version__,
        token_verifier=token_verifier,
        auth=auth,
    )

    @tool(title="Load a portfolio", annotations=WRITES_SNAPSHOT)
    async def load_portfolio(
        ctx: Context,
        path: Annotated[
            str | None,
            Field(description="A JSON, CSV or Excel (.xlsx) portfolio file inside an allowed directory"),
        ] = None,
        paths: Annotated[
            list[str] | None,
            Field(
                description="Several CSV or Excel exports (CRM, product, support, survey) joined by account"
            ),
        ] = None,
        accounts: AccountsArg = None,
        mapping: MappingArg = None,
        date_order: DateOrderArg = None,
        name: Annotated[
            str | None, Field(description="Name to store it under (default: the file's stem)")
        ] = None,
        as_of: Annotated[
            dt.date | None,
            Field(description="Scoring date, YYYY-MM-DD (default: the file's as_of, else today)"),
        ] = None,
        roots: RootsArg = None,
    ) -> Annotated[CallToolResult, LoadResult]:
        """Load a portfolio (JSON, CSV or Excel exports, or inline accounts): validate, score, store it.

        CSV and Excel headers are mapped to the data contract automatically (see inspect_export); a mapping
        that worked is remembered per export. Returns the counts, the first rejected accounts with file, row
        and column, how each export was mapped, and the portfolio overview.
        """
        root_dirs = roots_to_dirs([str(r.uri) for r in roots.roots]) if roots else []

        def progress(done: int, total: int, message: str) -> None:
            anyio.from_thread.run(lambda: ctx.report_progress(done, total, message))

        result = await _run(lambda: service.load(path=path, paths=paths, accounts=accounts, mapping=mapping,
                                                 date_order=date_order, name=name, as_of=as_of,
                                                 roots=root_dirs, progress=progress))  # fmt: skip
        return _result(result, summaries.load_text(result))

    @tool(title="Inspect an export", annotations=READ_ONLY)
    async def inspect_export(
        path: Annotated[str, Field(description="A CSV or Excel (.xlsx) export inside an allowed directory")],
        mapping: MappingArg = None,
        date_order: DateOrderArg = None,
        roots: RootsArg = None,
    ) -> Annotated[CallToolResult, ExportInspection]:
        """Check how a CSV or Excel export would be imported, before loading it.

        Shows its headers, a sample, the proposed mapping of each column to a contract field with its
        confidence, the columns left unmapped, key fields not found and values that would be rejected.
        """
        root_dirs = roots_to_dirs([str(r.uri) for r in roots.roots]) if roots else []
        result = await _run(lambda: service.inspect_export(path, mapping, date_order, root_dirs))
        return _result(result, summaries.inspect_text(result))

    @tool(title="List loaded portfolios", annotations=READ_ONLY)
    async def list_portfolios() -> Annotated[CallToolResult, PortfolioList]:
        """Every stored portfolio: name, as_of, accounts, ARR and how many snapshots it has."""
        result = await _run(service.list_portfolios)
        return _result(result, summaries.list_text(result))

    @tool(title="Portfolio overview", annotations=READ_ONLY)
    async def portfolio_overview(
        portfolio: PortfolioArg = None,
        renewal_window_days: Annotated[
            int, Field(ge=0, le=3650, description="Renewal window from as_of")
        ] = 90,
        detail: DetailArg = "summary",
    ) -> Annotated[CallToolResult, Overview]:
        """The one-minute view: health, risk and segment mix by ARR, renewals, ARR at risk, top at-risk and
        expansion-ready accounts, recommended actions, targets and data quality."""
        result = await _run(lambda: service.overview(portfolio, renewal_window_days, detail))
        return _result(result, summaries.overview_text(result))

    @tool(title="Find accounts", annotations=READ_ONLY)
    async def find_accounts(
        portfolio: PortfolioArg = None,
        segment: Annotated[str | None, Field(description="enterprise, mid-market or smb")] = None,
        health: Annotated[str | None, Field(description="green, yellow or red")] = None,
        risk_tier: Annotated[str | None, Field(description="critical, high, medium or low")] = None,
        renewal_within_days: Annotated[
            int | None, Field(ge=0, description="Contract ends within this many days of as_of")
        ] = None,
        min_arr: Annotated[
            float | None, Field(ge=0, description="Only accounts with at least this ARR")
        ] = None,
        has_expansion: Annotated[
            bool | None, Field(description="Only accounts with (or without) an opportunity")
        ] = None,
        text: Annotated[str | None, Field(description="Name or id contains this (case-insensitive)")] = None,
        owner: Annotated[str | None, Field(description="Account owner (CSM), ignoring case")] = None,
        sort_by: Annotated[SortKey, Field(description=SORT_HELP)] = "arr",
        limit: LimitArg = 20,
        cursor: CursorArg = None,
    ) -> Annotated[CallToolResult, AccountPage]:
        """Filter and rank accounts; compact rows with health, risk, renewal and the top reason."""
        filters = AccountFilter(segment=segment, health=health, risk_tier=risk_tier,
                                renewal_within_days=renewal_within_days, min_arr=min_arr,
                                has_expansion=has_expansion, text=text, owner=owner)  # fmt: skip
        result = await _run(lambda: service.find_accounts(portfolio, filters, sort_by, limit, cursor))
        return _result(result, summaries.find_text(result))

    @tool(title="Account brief", annotations=READ_ONLY)
    async def account_brief(
        account: Annotated[str, Field(description="Account id, or name (case-insensitive)")],
        portfolio: PortfolioArg = None,
        detail: DetailArg = "summary",
    ) -> Annotated[CallToolResult, AccountBrief]:
        """One account explained: health by dimension and sub-metric against benchmarks, trends, churn
        risk with warnings and the tier's playbook, expansion opportunities, lifecycle phase, coverage."""
        result = await _run(lambda: service.account_brief(account, portfolio, detail))
        return _result(result, summaries.brief_text(result))

    def scorer(kind: ScoreKind, page: type[ScorePage], title: str, doc: str) -> None:
        async def score(
            accounts: AccountsArg = None,
            portfolio: PortfolioArg = None,
            account_ids: Annotated[list[str] | None, Field(description="Only these account ids")] = None,
            as_of: Annotated[dt.date | None, Field(description="Scoring date (churn depends on it)")] = None,
            limit: LimitArg = 10,
            cursor: CursorArg = None,
            detail: DetailArg = "summary",
        ) -> CallToolResult:
            result = await _run(lambda: service.score(kind, accounts=accounts, portfolio=portfolio,
                                                      account_ids=account_ids, as_of=as_of, limit=limit,
                                                      cursor=cursor, detail=detail))  # fmt: skip
            return _result(result, summaries.score_text(result))

        score.__doc__ = doc
        score.__annotations__["return"] = Annotated[CallToolResult, page]  # each scorer its own schema
        mcp.add_tool(score, name=f"score_{kind}" if kind != "churn" else "score_churn_risk", title=title,
                     description=doc, annotations=READ_ONLY)  # fmt: skip

    scorer(
        "health",
        HealthScorePage,
        "Score health",
        "Health scores (reference shape) for inline accounts or a loaded portfolio.",
    )
    scorer(
        "churn",
        ChurnScorePage,
        "Score churn risk",
        "Churn risk (reference shape), riskiest first, inline or for a portfolio.",
    )
    scorer(
        "expansion",
        ExpansionScorePage,
        "Score expansion",
        "Expansion opportunities (reference shape), largest first.",
    )

    async def _draft(
        kind: DraftKind, account: str, portfolio: str | None, quarter: str | None, save_to: str | None,
        roots: ListRootsResult | None,
    ) -> CallToolResult:  # fmt: skip
        root_dirs = roots_to_dirs([str(r.uri) for r in roots.roots]) if roots else []
        result, markdown = await _run(
            lambda: service.draft(kind, account, portfolio, quarter, save_to, root_dirs)
        )
        return CallToolResult(
            content=[TextContent(type="text", text=visible_lines(markdown))],
            structured_content=result.model_dump(mode="json"),
        )

    @tool(title="Draft a QBR", annotations=DRAFTS)
    async def draft_qbr(
        account: AccountArg,
        quarter: Annotated[str | None, Field(description="The quarter under review, e.g. 'Q4 2026'")] = None,
        portfolio: PortfolioArg = None,
        save_to: SaveToArg = None,
        roots: RootsArg = None,
    ) -> Annotated[CallToolResult, DraftResult]:
        """A quarterly business review draft in markdown: every figure from the engine (health, risk,
        adoption, expansion, the tier's dated playbook steps), [to fill: ...] for what data cannot know."""
        return await _draft("qbr", account, portfolio, quarter, save_to, roots)

    @tool(title="Draft an EBR", annotations=DRAFTS)
    async def draft_ebr(
        account: AccountArg, portfolio: PortfolioArg = None, save_to: SaveToArg = None, roots: RootsArg = None
    ) -> Annotated[CallToolResult, DraftResult]:
        """An executive business review draft in markdown: outcomes and direction for executives, figures from
        the engine, [to fill: ...] for what the data cannot know."""
        return await _draft("ebr", account, portfolio, None, save_to, roots)

    @tool(title="Draft a save plan", annotations=DRAFTS)
    async def draft_save_plan(
        account: AccountArg, portfolio: PortfolioArg = None, save_to: SaveToArg = None, roots: RootsArg = None
    ) -> Annotated[CallToolResult, DraftResult]:
        """A save-plan draft in markdown for an at-risk account: diagnosis from the warning signals and
        weakest sub-metrics, the tier's dated steps, [to fill: ...] for goals, options and exit criteria."""
        return await _draft("save-plan", account, portfolio, None, save_to, roots)

    register_resources(mcp, service)
    register_prompts(mcp, service)
    return mcp


def default_server() -> MCPServer:
    """A server configured from the environment only (for `mcp` tooling that imports a server object)."""
    return build_server(ServerConfig.from_sources())
