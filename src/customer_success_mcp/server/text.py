"""The short text block each tool returns beside its structured content: a summary for a person."""

from __future__ import annotations

from customer_success_mcp.formatting import money_short as money
from customer_success_mcp.formatting import renewal, score, share
from customer_success_mcp.ingest.report import where
from customer_success_mcp.ingest.sources import ExportInspection
from customer_success_mcp.render.imports import import_lines, inspection_lines
from customer_success_mcp.render.markdown import escape_markdown
from customer_success_mcp.scoring.models import PortfolioSummary
from customer_success_mcp.server.models import (
    AccountBrief,
    AccountPage,
    ChurnScorePage,
    ExpansionScorePage,
    HealthScorePage,
    LoadResult,
    Overview,
    PortfolioList,
)

TREND_MARK = {"improving": "↑", "declining": "↓", "stable": "→", "no_data": ""}


def clean(text: str) -> str:
    """Account names and other data as data: one line, no control characters, markup escaped."""
    return escape_markdown(text)


def _headline(s: PortfolioSummary) -> str:
    mix = " / ".join(f"{b.accounts} {b.name.replace('_', ' ')}" for b in s.by_health if b.accounts)
    return (
        f"{s.accounts} accounts · {money(s.total_arr)} ARR · average health {s.average_health:.1f} · "
        f"{mix} · ARR at risk {money(s.arr_at_risk)}"
    )


def summary_text(s: PortfolioSummary) -> list[str]:
    r = s.renewals
    ended = (
        f"; {r.ended} ended before as_of ({money(r.ended_arr)}): renewed, or stale data?" if r.ended else ""
    )
    lines = [
        *s.notices,
        _headline(s),
        f"Renewals in {r.days} days: {r.accounts} ({money(r.arr)}), {r.not_green} not green "
        f"({money(r.not_green_arr)}){ended}",
        f"Expansion, weighted pipeline {money(s.expansion_weighted)} (net {money(s.expansion_net)}, gross "
        f"{money(s.expansion_pipeline)}); by segment: "
        + ", ".join(f"{b.name} {money(b.weighted)}" for b in s.pipeline_by_segment),
    ]
    if s.at_risk_accounts:
        lines.append("At risk: " + "; ".join(
            f"{clean(a.name)} {money(a.arr)} {a.risk_tier} ({', '.join(a.reasons[:2])})"
            for a in s.at_risk_accounts[:3]
        ))  # fmt: skip
    if s.expansion_ready:
        lines.append("Expansion-ready: " + "; ".join(
            f"{clean(x.name)} weighted {money(x.weighted_revenue)}" for x in s.expansion_ready[:3]
        ))  # fmt: skip
    lines += [f"Action: {clean(a.action)} ({a.owner}, by {a.due.isoformat()})" for a in s.actions[:3]]
    missed = [t.metric for t in s.targets if not t.met]
    if missed:
        lines.append("Below target: " + ", ".join(missed))
    return lines


def load_text(r: LoadResult) -> str:
    snap = r.snapshot
    lines = [
        f"Loaded {snap.portfolio!r} as of {snap.as_of} (snapshot {snap.snapshot_id}): "
        f"{r.accepted} of {r.total} accounts accepted, {r.rejected} rejected.",
        *import_lines(r.imports, clean),
        *summary_text(r.overview),
    ]
    for rej in r.rejections[:3]:
        problem = rej.problems[0]
        lines.append(
            f"Rejected #{rej.index} {clean(rej.customer_id or '(no id)')}: {clean(where(problem))}"
            f"{problem.field} {problem.reason}"
        )
    if r.more_rejections:
        lines.append(r.more_rejections)
    return "\n".join(lines)


def inspect_text(e: ExportInspection) -> str:
    return "\n".join(inspection_lines(e, clean))


def list_text(r: PortfolioList) -> str:
    if not r.portfolios:
        return "No portfolios loaded yet. Call load_portfolio with a file path or inline accounts."
    lines = [f"{r.total} portfolio(s); tools use {r.default!r} when none is named."]
    lines += [
        f"- {p.name}: {p.accounts} accounts, {money(p.arr)} ARR, as of {p.as_of}, {p.snapshots} snapshot(s)"
        for p in r.portfolios
    ]
    return "\n".join(lines)


def overview_text(r: Overview) -> str:
    lines = [f"Portfolio {r.snapshot.portfolio!r} as of {r.snapshot.as_of}:", *summary_text(r.summary)]
    if r.rejections:
        lines.append(f"{len(r.rejections)} rejected account(s) listed in the structured result.")
    return "\n".join(lines)


def _page_line(total: int, offset: int, shown: int, has_more: bool) -> str:
    if not total:
        return "No accounts match."
    more = " More: pass next_cursor." if has_more else ""
    return f"{total} match; showing {offset + 1}-{offset + shown}.{more}"


def find_text(r: AccountPage) -> str:
    lines = [_page_line(r.total, r.offset, len(r.accounts), r.has_more)]
    for a in r.accounts:
        days = "" if a.days_to_renewal is None else f" · {renewal(a.days_to_renewal)}"
        reason = f" · {clean(a.top_reason)}" if a.top_reason else ""
        reason += f" · owner {clean(a.owner)}" if a.owner else ""
        lines.append(
            f"- {clean(a.name)} ({clean(a.customer_id)}) {money(a.arr)} · health {a.health_score:g} "
            f"{a.health_class}"
            f"{TREND_MARK[a.health_trend]} · risk {a.risk_score:g} {a.risk_tier}{days}{reason}"
        )
    return "\n".join(lines)


def brief_text(b: AccountBrief) -> str:
    h, c, e = b.health, b.churn, b.expansion
    weak = sorted((d for d in h.dimensions if d.score is not None), key=lambda d: d.score or 0.0)[:2]
    lines = [
        f"{clean(b.name)} ({clean(b.customer_id)}) · {b.segment} · {money(b.arr)} ARR · "
        f"as of {b.snapshot.as_of}",
        f"Health {score(h.score)} {h.classification.replace('_', ' ')}, {h.trend} (priority "
        f"{h.trend_priority}); weakest: "
        + ", ".join(f"{d.label.lower()} {score(d.score)}" for d in weak)
        + f"; coverage {share(h.coverage)}",
        f"Churn risk {c.risk_score:g} {c.risk_tier}"
        + (
            f"; {', '.join(w.signal for w in c.warning_signals[:3])}"
            if c.warning_signals
            else "; no warning signals"
        )
        + f". {c.intervention}: {c.owner}, within {c.respond_within_days} days"
        + (f" (escalated: {'; '.join(c.escalated_by)})" if c.escalated_by else ""),
    ]
    if h.not_supplied:
        lines.append(f"Not on file (left out of the score): {', '.join(h.not_supplied)}")
    if h.previous_score_mismatch and h.previous_score_supplied is not None:
        lines.append(
            f"Data note: the file's previous overall {h.previous_score_supplied:g} disagrees with its own "
            f"previous dimension scores ({score(h.previous_score)}); the trend uses the dimensions"
        )
    if e.opportunities:
        top = e.opportunities[0]
        lines.append(f"Expansion weighted {money(e.weighted_estimated_revenue)} (net "
                     f"{money(e.net_estimated_revenue)}, gross {money(e.total_estimated_revenue)}) in "
                     f"{e.opportunity_count} opportunities; top: {clean(top.rationale)}")  # fmt: skip
    life = b.lifecycle
    if life.phase:
        renew = "" if life.days_to_renewal is None else f", {renewal(life.days_to_renewal)}"
        lines.append(f"Lifecycle: {life.phase}{renew}; review every {life.review_every_days} days")
    return "\n".join(lines)


def score_text(r: HealthScorePage | ChurnScorePage | ExpansionScorePage) -> str:
    head = {"customer_health_scores": "Health", "churn_risk_analysis": "Churn risk",
            "expansion_opportunities": "Expansion"}[r.report]  # fmt: skip
    lines = [
        f"{head} for {clean(r.source)} as of {r.as_of}. "
        + _page_line(r.total, r.offset, len(r.customers), r.has_more)
    ]
    if isinstance(r, HealthScorePage):
        lines += [f"- {clean(c.name)} ({clean(c.customer_id)}): {score(c.overall_score)} {c.classification}, "
                  f"{c.trends['overall']}" for c in r.customers]  # fmt: skip
    elif isinstance(r, ChurnScorePage):
        for c in r.customers:
            first = c.warning_signals[0].signal if c.warning_signals else "no warning signals"
            lines.append(
                f"- {clean(c.name)} ({clean(c.customer_id)}): {c.risk_score:g} {c.risk_tier}; {first}"
            )
    else:
        lines += [f"- {clean(c.name)} ({clean(c.customer_id)}): {money(c.total_estimated_revenue)} in "
                  f"{c.opportunity_count} opportunities" for c in r.customers]  # fmt: skip
    if r.rejections:
        lines.append(f"{len(r.rejections)} inline account(s) rejected; see `rejections`.")
    return "\n".join(lines)
