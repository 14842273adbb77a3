"""The MCP surface: tools that wrap `PortfolioService` (thin, typed, compact by default)."""

from __future__ import annotations

import base64
import datetime as dt
import inspect
from collections.abc import Callable
from typing import Annotated, Any, Literal

import anyio
import anyio.from_thread
import anyio.to_thread
from mcp.server.apps import Apps
from mcp.server.auth.provider import TokenVerifier
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.tools import Tool
from mcp_types import CallToolResult, ImageContent, ListRootsResult, TextContent, ToolAnnotations
from pydantic import BaseModel, Field

from customer_success_mcp.ingest.report import ExportInspection
from customer_success_mcp.query.models import SORT_HELP, AccountFilter, SortKey
from customer_success_mcp.query.schema import describe_schema
from customer_success_mcp.render import analysis as headlines
from customer_success_mcp.render.chart_models import ChartKind
from customer_success_mcp.render.text import visible_lines
from customer_success_mcp.scoring.outcomes import TARGET_HELP
from customer_success_mcp.scoring.outcomes import Target as OutcomeTarget
from customer_success_mcp.server import analysis, exports, snapshots, views
from customer_success_mcp.server import text as summaries
from customer_success_mcp.server.analysis_models import (
    BacktestResult,
    ProfileWhatIfReply,
    WeekPlanReply,
    WhatIfReply,
)
from customer_success_mcp.server.arguments import (
    DRAFTS,
    READ_ONLY,
    WRITES_SNAPSHOT,
    AccountArg,
    AccountsArg,
    AudienceArg,
    ContractStatusFilter,
    CoverageBelowFilter,
    CursorArg,
    DateOrderArg,
    DetailArg,
    HasExpansionFilter,
    HealthFilter,
    LimitArg,
    MappingArg,
    MinArrFilter,
    MinHealthDropFilter,
    OwnerFilter,
    PortfolioArg,
    RenewalWithinFilter,
    RiskTierFilter,
    RootsArg,
    SaveToArg,
    SegmentFilter,
    TextFilter,
    ThinDataFilter,
    TrendFilter,
)
from customer_success_mcp.server.config import ServerConfig
from customer_success_mcp.server.dashboard import (
    DASHBOARD_URI,
    ROWS_META_KEY,
    ChartResult,
    Dashboard,
    dashboard_html,
)
from customer_success_mcp.server.files import roots_to_dirs
from customer_success_mcp.server.listing import CompactToolListServer, cached_tool
from customer_success_mcp.server.models import (
    AccountBrief,
    AccountExport,
    AccountHistory,
    AccountPage,
    ChurnScorePage,
    Detail,
    DraftResult,
    ExpansionScorePage,
    HealthScorePage,
    LoadResult,
    Overview,
    PortfolioList,
    QueryAnswer,
    ScorePage,
    SnapshotComparison,
)
from customer_success_mcp.server.prompts import register_prompts
from customer_success_mcp.server.resources import register_resources
from customer_success_mcp.server.service import (
    Audience,
    DraftFormat,
    DraftKind,
    PortfolioService,
    ScoreKind,
    UserError,
)
from customer_success_mcp.store import StoreError

INSTRUCTIONS = """\
Customer success scoring: deterministic health (0-100, higher is healthier), churn risk (0-100,
higher is riskier) and expansion opportunities for a book of accounts.
1. load_portfolio once per export (a JSON file, CSV/Excel exports joined on the account id, or inline
   accounts); it is stored and survives restarts. inspect_export shows how a CSV or Excel file would map.
2. portfolio_overview for the one-minute view; find_accounts to filter and rank;
   account_brief to explain one account.
3. score_health / score_churn_risk / score_expansion give the reference scripts' per-account output.
4. backtest (do the scores predict churn here, against outcomes), what_if / what_if_profile (what a change
   would do; nothing stored) and plan_week (the week's work within the hours available).
Take every number you show from these results; never estimate one. Tools default to the most
recently loaded portfolio; list_portfolios shows them all."""

QUERY_DOC = (
    "Answer any question about a loaded portfolio with one read-only SQL statement: totals by segment or "
    "owner, largest health drops, thin data, renewals in a window.\n\n"
    + describe_schema()
    + " Writes, ATTACH, PRAGMA and extensions are refused; a statement is stopped after 2 s; rows past the "
    "limit are cut with a note."
)


def _result(model: BaseModel, headline: str) -> CallToolResult:
    """The structured content, and the same facts as compact lines under a headline for text-only hosts."""
    return CallToolResult(
        content=[TextContent(type="text", text=visible_lines(summaries.tool_text(model, headline)))],
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

    def tool(
        title: str, annotations: ToolAnnotations, description: str | None = None
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Register a tool whose description is its docstring without the source's indentation."""

        def register(fn: Callable[..., Any]) -> Callable[..., Any]:
            text = description or inspect.cleandoc(fn.__doc__ or "")
            tools.append(cached_tool(fn, title=title, description=text, annotations=annotations))
            return fn

        return register

    tools: list[Tool] = []

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
        return _result(result, summaries.load_headline(result))

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
        return _result(result, summaries.inspect_headline(result))

    @tool(title="List loaded portfolios", annotations=READ_ONLY)
    async def list_portfolios() -> Annotated[CallToolResult, PortfolioList]:
        """Every stored portfolio: name, as_of, accounts, ARR and how many snapshots it has."""
        result = await _run(service.list_portfolios)
        return _result(result, summaries.list_headline(result))

    @tool(title="Query the portfolio with SQL", annotations=READ_ONLY, description=QUERY_DOC)
    async def query_portfolio(
        sql: Annotated[
            str,
            Field(
                description="One read-only SQL statement (DuckDB, close to PostgreSQL) over the tables below"
            ),
        ],
        portfolio: PortfolioArg = None,
        max_rows: Annotated[
            int, Field(ge=1, le=1000, description="Rows to return at most (default 200)")
        ] = 200,
    ) -> Annotated[CallToolResult, QueryAnswer]:
        result = await _run(lambda: service.query(sql, portfolio, max_rows))
        return _result(result, summaries.query_headline(result))

    @tool(title="Compare snapshots", annotations=READ_ONLY)
    async def compare_snapshots(
        portfolio: PortfolioArg = None,
        before: Annotated[
            str | None,
            Field(
                description="Earlier snapshot: id or as_of date (default: the latest with an earlier as_of)"
            ),
        ] = None,
        after: Annotated[
            str | None, Field(description="Later snapshot: id or as_of date (default: the latest)")
        ] = None,
    ) -> Annotated[CallToolResult, SnapshotComparison]:
        """What moved between two snapshots of a portfolio: health and risk migration (accounts and ARR),
        accounts added and lost, NRR and GRR, and the biggest movers with the change split by cause."""
        result = await _run(lambda: snapshots.compare_snapshots(service, portfolio, before, after))
        return _result(result, summaries.comparison_headline(result))

    @tool(title="Account history", annotations=READ_ONLY)
    async def account_history(
        account: AccountArg, portfolio: PortfolioArg = None
    ) -> Annotated[CallToolResult, AccountHistory]:
        """One account's ARR, health and churn risk in every snapshot of its portfolio, oldest first."""
        result = await _run(lambda: snapshots.account_history(service, account, portfolio))
        return _result(result, summaries.history_headline(result))

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
        return _result(result, summaries.overview_headline(result))

    @tool(title="Find accounts", annotations=READ_ONLY)
    async def find_accounts(
        portfolio: PortfolioArg = None,
        segment: SegmentFilter = None,
        health: HealthFilter = None,
        risk_tier: RiskTierFilter = None,
        renewal_within_days: RenewalWithinFilter = None,
        min_arr: MinArrFilter = None,
        has_expansion: HasExpansionFilter = None,
        text: TextFilter = None,
        owner: OwnerFilter = None,
        trend: TrendFilter = None,
        min_health_drop: MinHealthDropFilter = None,
        coverage_below: CoverageBelowFilter = None,
        contract_status: ContractStatusFilter = None,
        thin_data: ThinDataFilter = None,
        sort_by: Annotated[SortKey, Field(description=SORT_HELP)] = "arr",
        limit: LimitArg = 20,
        cursor: CursorArg = None,
    ) -> Annotated[CallToolResult, AccountPage]:
        """Filter and rank accounts (all filters combine). Each row has health with its change since last
        period, coverage, risk, renewal, expansion, the figure it was sorted by and a reason of the sort's
        kind: the top opportunity when sorted by expansion, the largest dimension fall by health_drop."""
        filters = AccountFilter(
            segment=segment, health=health, risk_tier=risk_tier, renewal_within_days=renewal_within_days,
            min_arr=min_arr, has_expansion=has_expansion, text=text, owner=owner, trend=trend,
            min_health_drop=min_health_drop, coverage_below=coverage_below, contract_status=contract_status,
            thin_data=thin_data,
        )  # fmt: skip
        result = await _run(lambda: service.find_accounts(portfolio, filters, sort_by, limit, cursor))
        return _result(result, summaries.find_headline(result))

    @tool(title="Export accounts", annotations=DRAFTS)
    async def export_accounts(
        filters: Annotated[
            dict[str, Any] | None,
            Field(description='find_accounts filters, e.g. {"health": "red", "segment": "smb"}; none: all'),
        ] = None,
        sort_by: Annotated[SortKey, Field(description="As in find_accounts")] = "arr",
        format: Annotated[
            Literal["csv", "xlsx"] | None,
            Field(description="csv or xlsx (default: save_to's ending, else csv)"),
        ] = None,
        save_to: Annotated[
            str | None, Field(description="A new .csv or .xlsx file inside an allowed directory")
        ] = None,
        portfolio: PortfolioArg = None,
        roots: RootsArg = None,
    ) -> Annotated[CallToolResult, AccountExport]:
        """Export the filtered accounts (every column of query_portfolio's accounts table) as a spreadsheet.

        Writes a new CSV or Excel file and returns its path, the row count and the first rows; a CSV under
        8 KB also comes back inline (without save_to, only that)."""
        root_dirs = roots_to_dirs([str(r.uri) for r in roots.roots]) if roots else []
        result = await _run(lambda: exports.export_accounts(service, portfolio=portfolio, filters=filters,
                                                            sort_by=sort_by, fmt=format, save_to=save_to,
                                                            roots=root_dirs))  # fmt: skip
        return _result(result, summaries.export_headline(result))

    @tool(title="Account brief", annotations=READ_ONLY)
    async def account_brief(
        account: Annotated[str, Field(description="Account id, or name (case-insensitive)")],
        portfolio: PortfolioArg = None,
        detail: DetailArg = "summary",
    ) -> Annotated[CallToolResult, AccountBrief]:
        """One account explained: health by dimension and sub-metric against benchmarks, trends, churn
        risk with warnings and the tier's playbook, expansion opportunities, lifecycle phase, coverage."""
        result = await _run(lambda: service.account_brief(account, portfolio, detail))
        return _result(result, summaries.brief_headline(result))

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
            result = await _run(lambda: views.score_page(service, kind, accounts=accounts,
                                                         portfolio=portfolio, account_ids=account_ids,
                                                         as_of=as_of, limit=limit, cursor=cursor,
                                                         detail=detail))  # fmt: skip
            return _result(result, summaries.score_headline(result))

        score.__doc__ = doc
        score.__annotations__["return"] = Annotated[CallToolResult, page]  # each scorer its own schema
        tools.append(cached_tool(score, name=f"score_{kind}" if kind != "churn" else "score_churn_risk",
                           title=title, description=doc, annotations=READ_ONLY))  # fmt: skip

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
        roots: ListRootsResult | None, audience: Audience, file_format: DraftFormat = "markdown",
    ) -> CallToolResult:  # fmt: skip
        dirs = roots_to_dirs([str(r.uri) for r in roots.roots]) if roots else []
        result, markdown = await _run(
            lambda: service.draft(kind, account, portfolio, quarter, save_to, dirs, audience, file_format)
        )
        return CallToolResult(
            content=[TextContent(type="text", text=visible_lines(summaries.draft_text(result, markdown)))],
            structured_content=result.model_dump(mode="json"),
        )

    @tool(title="Draft a QBR", annotations=DRAFTS)
    async def draft_qbr(
        account: AccountArg,
        quarter: Annotated[str | None, Field(description="The quarter under review, e.g. 'Q4 2026'")] = None,
        audience: AudienceArg = "customer",
        format: Annotated[
            Literal["markdown", "pptx"], Field(description="pptx: the customer deck, written to save_to")
        ] = "markdown",
        portfolio: PortfolioArg = None,
        save_to: SaveToArg = None,
        roots: RootsArg = None,
    ) -> Annotated[CallToolResult, DraftResult]:
        """A quarterly business review draft: for the customer (adoption, health by area, outcomes, next
        steps; no internal score) or the internal prep brief; figures from the engine, [to fill: ...] gaps."""
        return await _draft("qbr", account, portfolio, quarter, save_to, roots, audience, format)

    @tool(title="Draft an EBR", annotations=DRAFTS)
    async def draft_ebr(
        account: AccountArg,
        audience: AudienceArg = "customer",
        portfolio: PortfolioArg = None,
        save_to: SaveToArg = None,
        roots: RootsArg = None,
    ) -> Annotated[CallToolResult, DraftResult]:
        """An executive business review draft: for the customer's executives or the internal prep brief;
        figures from the engine, [to fill: ...] for what the data cannot know."""
        return await _draft("ebr", account, portfolio, None, save_to, roots, audience)

    @tool(title="Draft a save plan", annotations=DRAFTS)
    async def draft_save_plan(
        account: AccountArg,
        format: Annotated[
            Literal["markdown", "docx"], Field(description="docx: a Word document, written to save_to")
        ] = "markdown",
        portfolio: PortfolioArg = None,
        save_to: SaveToArg = None,
        roots: RootsArg = None,
    ) -> Annotated[CallToolResult, DraftResult]:
        """An internal save plan for an at-risk account: diagnosis from the warning signals and weakest
        sub-metrics, the tier's steps in date order, the renewal at stake, [to fill: ...] gaps."""
        return await _draft("save-plan", account, portfolio, None, save_to, roots, "internal", format)

    @tool(title="Backtest the scores", annotations=READ_ONLY)
    async def backtest(
        outcomes: Annotated[
            str | None,
            Field(
                description="Outcomes file (CSV, Excel or JSON): customer_id, outcome (renewed, churned or "
                "downgraded), date, arr_after"
            ),
        ] = None,
        from_history: Annotated[
            bool, Field(description="Outcomes from this portfolio's snapshots instead (gone: churned)")
        ] = False,
        target: Annotated[OutcomeTarget, Field(description=TARGET_HELP)] = "churned",
        target_recall: Annotated[
            float | None, Field(gt=0, le=1, description="Recall for the suggested cut-offs (default 0.8)")
        ] = None,
        portfolio: PortfolioArg = None,
        detail: Annotated[Detail, Field(description="'full' adds deciles per segment")] = "summary",
        roots: RootsArg = None,
    ) -> Annotated[CallToolResult, BacktestResult]:
        """Test whether the scores predict churn in this book, against outcomes.

        ROC AUC, average precision, KS, lift and capture by decile, churn per risk tier and health class,
        lead time, per segment with counts; the inputs that separate churners best and risk cut-offs for a
        target recall. Definitions are in the result.
        """
        root_dirs = roots_to_dirs([str(r.uri) for r in roots.roots]) if roots else []
        result = await _run(lambda: analysis.backtest(service, outcomes=outcomes, from_history=from_history,
                                                      portfolio=portfolio, target=target,
                                                      target_recall=target_recall, detail=detail,
                                                      roots=root_dirs))  # fmt: skip
        return _result(result, headlines.backtest_headline(result, result.snapshot.portfolio))

    @tool(title="What if an account changed", annotations=READ_ONLY)
    async def what_if(
        account: AccountArg,
        changes: Annotated[
            dict[str, Any],
            Field(
                description='Contract field -> new value, e.g. {"relationship_signals.champion_left": false, '
                '"commercial_factors.contract_type": "multi-year", "contract_end_date": "2028-06-30"}; '
                "null removes an input"
            ),
        ],
        portfolio: PortfolioArg = None,
    ) -> Annotated[CallToolResult, WhatIfReply]:
        """See what changing an account's inputs would do to its health, churn risk, tier and expansion.

        Before and after, the change attributed to the dimensions, churn categories and signals that
        moved. Nothing is stored.
        """
        result = await _run(lambda: analysis.what_if(service, account, changes, portfolio))
        return _result(result, headlines.what_if_headline(result))

    @tool(title="What if the scoring model changed", annotations=READ_ONLY)
    async def what_if_profile(
        changes: Annotated[
            dict[str, Any] | None,
            Field(
                description='Profile keys as in a profile file, e.g. {"health": {"dimensions": {"usage": '
                '{"weight": 0.35}, "engagement": {"weight": 0.2}}}}'
            ),
        ] = None,
        profile_file: Annotated[
            str | None, Field(description="Or a TOML profile file with the changes")
        ] = None,
        outcomes: Annotated[
            str | None, Field(description="Outcomes file: adds the backtest before and after")
        ] = None,
        target: Annotated[OutcomeTarget, Field(description=TARGET_HELP)] = "churned",
        portfolio: PortfolioArg = None,
        roots: RootsArg = None,
    ) -> Annotated[CallToolResult, ProfileWhatIfReply]:
        """See what a change to the scoring model would do to the whole book.

        Accounts and ARR that change health class or risk tier, the largest of them, ARR at risk before and
        after, and with outcomes the backtest before and after. Nothing is stored.
        """
        root_dirs = roots_to_dirs([str(r.uri) for r in roots.roots]) if roots else []
        result = await _run(lambda: analysis.what_if_profile(
            service, changes=changes, profile_file=profile_file, portfolio=portfolio, outcomes=outcomes,
            target=target, roots=root_dirs,
        ))  # fmt: skip
        return _result(result, headlines.profile_headline(result, result.snapshot.portfolio))

    @tool(title="Plan the week", annotations=READ_ONLY)
    async def plan_week(
        hours: Annotated[
            float, Field(gt=0, le=168, description="Hours available for account work this week")
        ],
        owner: Annotated[str | None, Field(description="Only this account owner's (CSM's) accounts")] = None,
        portfolio: PortfolioArg = None,
    ) -> Annotated[CallToolResult, WeekPlanReply]:
        """Plan the week's account work within the hours available, renewals at stake first.

        Playbook steps with their effort, ended contracts to confirm, expansion talks with healthy accounts;
        never more hours than given, and what did not fit and why.
        """
        result = await _run(lambda: analysis.plan_week(service, hours, owner, portfolio))
        return _result(result, headlines.plan_headline(result))

    @tool(title="Chart", annotations=READ_ONLY)
    async def chart(
        kind: Annotated[ChartKind, Field(description="Which chart; health_migration needs two snapshots")],
        portfolio: PortfolioArg = None,
        renewal_window_days: Annotated[
            int, Field(ge=0, le=3650, description="renewals_by_month: contracts ending within this many days")
        ] = 180,
    ) -> Annotated[CallToolResult, ChartResult]:
        """Draw a portfolio chart as a PNG image (ARR by health, risk tier or segment, renewals by month,
        risk against ARR, health migration between the last two snapshots), with the numbers behind it."""

        def draw() -> tuple[ChartResult, bytes]:
            migration = None  # health_migration: the latest two snapshots, when there are two
            if kind == "health_migration":
                name = service.snapshot_of(portfolio).portfolio
                if len(service.store.snapshots(name)) > 1:
                    migration = snapshots.compare_snapshots(service, portfolio).comparison
            return views.chart(service, kind, portfolio, renewal_window_days, migration)

        result, image = await _run(draw)
        headline = f"{result.title}, as of {result.snapshot.as_of.isoformat()}: the PNG image is attached"
        return CallToolResult(
            content=[
                TextContent(type="text", text=summaries.tool_text(result, headline)),
                ImageContent(type="image", data=base64.b64encode(image).decode(), mime_type="image/png"),
            ],
            structured_content=result.model_dump(mode="json"),
        )

    mcp = CompactToolListServer(
        name="customer-success",
        title="Customer Success",
        instructions=INSTRUCTIONS,
        version=__version__,
        tools=tools,
        extensions=[_dashboard_app(service)],
        token_verifier=token_verifier,
        auth=auth,
    )
    register_resources(mcp, service)
    register_prompts(mcp, service)
    return mcp


def _dashboard_app(service: PortfolioService) -> Apps:
    """The dashboard as an MCP App: a tool bound to a ui:// HTML resource the host renders."""
    apps = Apps()

    @apps.tool(resource_uri=DASHBOARD_URI, name="show_dashboard", title="Portfolio dashboard",
               annotations=READ_ONLY, description=DASHBOARD_DESCRIPTION)  # fmt: skip
    async def show_dashboard(portfolio: PortfolioArg = None) -> Annotated[CallToolResult, Dashboard]:
        dashboard, rows = await _run(lambda: views.dashboard(service, portfolio))
        snapshot = dashboard.snapshot
        headline = (
            f"Portfolio dashboard for {snapshot.portfolio}, as of {snapshot.as_of.isoformat()} "
            "(hosts with MCP Apps show it interactive)"
        )
        return CallToolResult(
            content=[TextContent(type="text", text=summaries.tool_text(dashboard, headline))],
            structured_content=dashboard.model_dump(mode="json"),
            meta={ROWS_META_KEY: rows},
        )

    apps.add_html_resource(DASHBOARD_URI, dashboard_html(), name="dashboard", title="Portfolio dashboard",
                           description="Interactive portfolio dashboard (data comes from show_dashboard)",
                           prefers_border=True)  # fmt: skip
    return apps


DASHBOARD_DESCRIPTION = """Show the interactive portfolio dashboard: ARR by health, risk tier and segment,
renewals on a timeline, risk against ARR, a filterable account table; choosing an account opens its brief."""


def default_server() -> MCPServer:
    """A server configured from the environment only (for `mcp` tooling that imports a server object)."""
    return build_server(ServerConfig.from_sources())
