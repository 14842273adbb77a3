"""The first line of each tool's text block: what the result is, in one sentence.

The rest of the text block is the structured content itself, written as compact lines by
`server.compact.compact_text`, so a host that shows the model only the text (Claude Desktop) and one
that shows only the structure (Claude Code) carry the same facts. Headlines use exact figures only;
names from the data go through `compact_text`'s inert rendering.
"""

from __future__ import annotations

import json

from pydantic import BaseModel

from customer_success_mcp.formatting import contract_end, plural
from customer_success_mcp.ingest.report import ExportInspection
from customer_success_mcp.scoring.models import PortfolioSummary
from customer_success_mcp.scoring.vocabulary import ENDED_QUESTION
from customer_success_mcp.server.compact import compact_text, scalar
from customer_success_mcp.server.models import (
    AccountBrief,
    AccountExport,
    AccountHistory,
    AccountPage,
    ChurnScorePage,
    DraftResult,
    ExpansionScorePage,
    HealthScorePage,
    LoadResult,
    Overview,
    PortfolioList,
    QueryAnswer,
    SnapshotComparison,
)

REPORT_TITLES = {"customer_health_scores": "Health scores", "churn_risk_analysis": "Churn risk",
                 "expansion_opportunities": "Expansion opportunities"}  # fmt: skip


def named(text: str) -> str:
    """A name from the data in a headline: quoted when it holds something that reads like structure."""
    return json.dumps(text, ensure_ascii=False) if any(m in text for m in (": ", " · ", " | ")) else text


def tool_text(model: BaseModel, headline: str) -> str:
    """A tool's whole text block: the headline, then every fact of the structured content."""
    return compact_text(model, headline)


def _book(s: PortfolioSummary) -> str:
    return (
        f"{s.accounts} accounts, ARR {scalar(s.total_arr)}, average health {scalar(s.average_health)}, "
        f"ARR at risk {scalar(s.arr_at_risk)} (critical and high tiers)"
    )


def _page(total: int, offset: int, shown: int, has_more: bool) -> str:
    if not total:
        return "no accounts match"
    more = "; more: pass next_cursor" if has_more else ""
    return f"{total} match, showing {offset + 1}-{offset + shown}{more}"


def load_headline(r: LoadResult) -> str:
    snap = r.snapshot
    return (
        f"Loaded {named(snap.portfolio)} as of {snap.as_of} (snapshot {snap.snapshot_id}): "
        f"{r.accepted} of {r.total} accounts accepted, {r.rejected} rejected. {_book(r.overview)}."
    )


def inspect_headline(e: ExportInspection) -> str:
    return f"How {named(e.source)} would be imported: {e.rows} rows, {len(e.headers)} columns."


def list_headline(r: PortfolioList) -> str:
    if not r.portfolios:
        return "No portfolios loaded yet. Call load_portfolio with a file path or inline accounts."
    return f"{plural(r.total, 'portfolio')}; tools use {named(r.default or '')} when none is named."


def overview_headline(r: Overview) -> str:
    return f"Portfolio {named(r.snapshot.portfolio)} as of {r.snapshot.as_of}: {_book(r.summary)}."


def find_headline(r: AccountPage) -> str:
    return f"Accounts sorted by {r.sorted_by}: {_page(r.total, r.offset, len(r.accounts), r.has_more)}."


def brief_headline(b: AccountBrief) -> str:
    who = f"{named(b.name)} ({named(b.customer_id)})"
    days = b.churn.days_to_renewal
    end = contract_end(b.churn.renewal_date, days)
    end += f": {ENDED_QUESTION}" if days is not None and days < 0 else "."
    return f"{who}, {b.segment}, ARR {scalar(b.arr)}, as of {b.snapshot.as_of}; {end}"


def score_headline(r: HealthScorePage | ChurnScorePage | ExpansionScorePage) -> str:
    title = REPORT_TITLES.get(r.report, r.report)
    page = _page(r.total, r.offset, len(r.customers), r.has_more)
    return f"{title} for {named(r.source)} as of {r.as_of}: {page}."


def query_headline(a: QueryAnswer) -> str:
    r = a.result
    shown = f"{len(r.rows):,} of {plural(r.total, 'row')}" if r.truncated else plural(r.total, "row")
    note = f"; {r.note}" if r.note else ""
    return f"{shown} from {named(a.snapshot.portfolio)} as of {a.snapshot.as_of}{note}"


def comparison_headline(r: SnapshotComparison) -> str:
    c = r.comparison
    return (
        f"{named(r.portfolio)}: snapshot {r.from_snapshot.snapshot_id} ({c.from_as_of}) to "
        f"{r.to_snapshot.snapshot_id} ({c.to_as_of}); {c.accounts_in_both} accounts in both, "
        f"{c.added} added, {c.lost} lost"
    )


def history_headline(r: AccountHistory) -> str:
    snapshots = plural(len(r.points), "snapshot")
    return f"{named(r.name)} ({named(r.customer_id)}) in {snapshots} of {named(r.portfolio)}"


def export_headline(r: AccountExport) -> str:
    where = f"written to {named(r.saved_to)}" if r.saved_to else "returned inline (csv below)"
    return f"{plural(r.accounts, 'account')} exported as {r.format}, {plural(r.bytes, 'byte')}, {where}."


def draft_text(result: DraftResult, markdown: str) -> str:
    """A draft's text block: the markdown draft, then its facts and gaps as compact lines."""
    rest = result.model_dump(mode="json", exclude={"markdown"})
    return markdown.rstrip() + "\n\n---\n" + compact_text(rest, "The draft's figures, from the engine:")
