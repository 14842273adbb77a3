"""The portfolio report in text and markdown: what a VP reads in one minute."""

from __future__ import annotations

import textwrap

from customer_success_mcp.formatting import contract_end, money
from customer_success_mcp.formatting import share as _pct
from customer_success_mcp.render.markdown import escape_markdown
from customer_success_mcp.render.text import WIDTH, fit
from customer_success_mcp.scoring.models import (
    AtRiskAccount,
    Bucket,
    GroupBreakdown,
    OwnerBreakdown,
    PortfolioSummary,
    RecommendedAction,
)
from customer_success_mcp.scoring.vocabulary import ENDED_QUESTION


def _renewal(a: AtRiskAccount) -> str:
    return contract_end(a.renewal_date, a.days_to_renewal)


def _bucket_lines(title: str, buckets: list[Bucket]) -> list[str]:
    lines = [title]
    for b in buckets:
        lines.append(
            f"  {fit(b.name.replace('_', ' '), 18)}{b.accounts:>6} accts {_pct(b.account_share):>5}"
            f"{money(b.arr):>16} {_pct(b.arr_share):>5} of ARR"
        )
    return lines


GROUP_HEAD = ("Accounts", "ARR", "At risk", "Renewing", "Pipeline")
GROUP_NOTE = "At risk: critical and high tiers. Renewing: in the window. Pipeline: weighted by likelihood."


def _group_cells(b: OwnerBreakdown) -> tuple[str, ...]:
    return (str(b.accounts), money(b.arr), money(b.arr_at_risk), money(b.renewing_arr),
            money(b.pipeline_weighted))  # fmt: skip


def _group_lines(title: str, groups: list[GroupBreakdown] | list[OwnerBreakdown]) -> list[str]:
    """Segments or owners: accounts, ARR, ARR at risk, renewing ARR and weighted pipeline."""
    widths = (8, 13, 12, 12, 12)
    head = "".join(f"{h:>{w}}" for h, w in zip(GROUP_HEAD, widths, strict=True))
    lines = [f"{fit(title, 21)}{head}"]
    for b in groups:
        cells = "".join(f"{c:>{w}}" for c, w in zip(_group_cells(b), widths, strict=True))
        lines.append(f"  {fit(b.name, 19)}{cells}")
    return lines


def _who(a: RecommendedAction) -> str:
    """The accounts an action names, with how many more it concerns."""
    named = ", ".join(f"{n} ({i})" for n, i in zip(a.account_names, a.accounts, strict=True))
    more = a.account_count - len(a.accounts)
    return named + (f" and {more} more" if more > 0 else "")


def _wrap(text: str, indent: str = "", hang: str = "") -> list[str]:
    """Wrap to 80 columns: `indent` before the first line, `hang` before the others."""
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=hang or indent)


def report_text(s: PortfolioSummary) -> str:
    out = [
        f"PORTFOLIO REPORT · as of {s.as_of.isoformat()} · profile {s.profile}",
        *_wrap(
            f"{s.accounts} accounts · {money(s.total_arr)} ARR · average health {s.average_health:.1f}"
            f" · ARR at risk {money(s.arr_at_risk)}"
        ),
        *[line for notice in s.notices for line in _wrap(f"NOTE: {notice}")],
        "",
    ]
    out += _bucket_lines("Health", s.by_health)
    out += _bucket_lines("Churn risk", s.by_risk_tier)
    out += ["", *_group_lines("Segments", s.by_segment)]
    if s.by_owner:
        out += _group_lines("Owners", s.by_owner)
    out += _wrap(GROUP_NOTE, "  ")
    r = s.renewals
    out += ["", f"Renewals in the next {r.days} days (to {r.ends_on.isoformat()})"]
    out += _wrap(
        f"{r.accounts} accounts, {money(r.arr)} ARR; {r.not_green} not green ({money(r.not_green_arr)})", "  "
    )
    if r.not_green_accounts:
        out += _wrap("not green: " + ", ".join(r.not_green_accounts), "  ", "    ")
    if r.ended:
        ended = ", ".join(r.ended_accounts)
        out += _wrap(
            f"{r.ended} ended before as_of ({money(r.ended_arr)}): {ENDED_QUESTION} {ended}",
            "  ",
            "    ",
        )
    out += ["", "Top at-risk accounts (critical first, then by ARR)"]
    if not s.at_risk_accounts:
        out.append("  none")
    for i, a in enumerate(s.at_risk_accounts, 1):
        out += _wrap(
            f"{i}. {a.name} ({a.customer_id}) · {money(a.arr)} · risk {a.risk_score:g} {a.risk_tier} · "
            f"health {a.health_score:g} {a.health_class} · {_renewal(a)}",
            "  ",
            "     ",
        )
        out += _wrap(", ".join(a.reasons), "     ")
    out += ["", f"Expansion pipeline, weighted by likelihood: {money(s.expansion_weighted)}"]
    out.append(f"  {fit('Segment', 14)}{'Accounts':>9}{'Weighted':>14}{'Net':>14}{'Gross':>14}")
    for b in s.by_segment:
        out.append(
            f"  {fit(b.name, 14)}{b.pipeline_accounts:>9}{money(b.pipeline_weighted):>14}"
            f"{money(b.pipeline_net):>14}{money(b.pipeline_gross):>14}"
        )
    out += _wrap(
        f"Gross {money(s.expansion_pipeline)} adds up every estimate (they overlap, at-risk accounts "
        f"included); net {money(s.expansion_net)} drops the seat/tier overlap; weighted applies each health "
        "class's likelihood.",
        "  ",
    )
    out += ["", "Expansion-ready (green, not at risk), by weighted pipeline"]
    if not s.expansion_ready:
        out.append("  none")
    for i, x in enumerate(s.expansion_ready, 1):
        out += _wrap(
            f"{i}. {x.name} ({x.customer_id}) · {money(x.arr)} ARR · weighted {money(x.weighted_revenue)} "
            f"(gross {money(x.estimated_revenue)}) · top: {x.top_opportunity} "
            f"({money(x.top_opportunity_revenue)})",
            "  ",
            "     ",
        )
    out += ["", "Recommended actions"]
    for i, act in enumerate(s.actions, 1):
        out += _wrap(f"{i}. {act.action}", "  ", "     ")
        out += _wrap(f"owner: {act.owner} · by {act.due.isoformat()}", "     ")
        if act.account_names:
            out += _wrap("for: " + _who(act), "     ", "       ")
    out += ["", "Against targets"]
    for t in s.targets:
        actual = _pct(t.actual) if "share" in t.metric else f"{t.actual:.1f}"
        status = "met" if t.met else "MISSED"
        out.append(f"  {fit(t.metric, 16)}{actual:>7}   target {fit(t.target, 8)} {status}")
    q = s.data_quality
    out += ["", f"Data: {q.total} accounts read, {q.accepted} scored, {q.rejected} rejected"]
    for note in q.notes:
        out += _wrap(note, "  - ", "    ")
    return "\n".join(out)


def _md_escape(text: str) -> str:
    return escape_markdown(text)


def _md_buckets(title: str, buckets: list[Bucket]) -> list[str]:
    lines = [f"| {title} | Accounts | Share | ARR | Share of ARR |", "|---|---:|---:|---:|---:|"]
    for b in buckets:
        lines.append(f"| {b.name} | {b.accounts} | {_pct(b.account_share)} | {money(b.arr)} | "
                     f"{_pct(b.arr_share)} |")  # fmt: skip
    return lines


def _md_groups(title: str, groups: list[GroupBreakdown] | list[OwnerBreakdown]) -> list[str]:
    lines = [f"| {title} | {' | '.join(GROUP_HEAD)} |", "|---|" + "---:|" * len(GROUP_HEAD)]
    lines += [f"| {_md_escape(b.name)} | {' | '.join(_group_cells(b))} |" for b in groups]
    return lines


def report_markdown(s: PortfolioSummary) -> str:
    r = s.renewals
    out = [
        f"# Portfolio report, as of {s.as_of.isoformat()}",
        "",
        f"**{s.accounts} accounts · {money(s.total_arr)} ARR · average health {s.average_health:.1f} · "
        f"ARR at risk {money(s.arr_at_risk)}** (profile `{s.profile}`)",
        "",
        *[f"> **Note:** {_md_escape(notice)}\n" for notice in s.notices],
        "## Where the book stands",
        "",
        *_md_buckets("Health", s.by_health),
        "",
        *_md_buckets("Churn risk", s.by_risk_tier),
        "",
        *_md_groups("Segment", s.by_segment),
        "",
        *([*_md_groups("Owner", s.by_owner), ""] if s.by_owner else []),
        GROUP_NOTE,
        "",
        f"**Renewals in the next {r.days} days** (to {r.ends_on.isoformat()}): {r.accounts} accounts, "
        f"{money(r.arr)} ARR; {r.not_green} not green ({money(r.not_green_arr)}).",
    ]
    if r.not_green_accounts:
        out.append(f"Not green: {_md_escape(', '.join(r.not_green_accounts))}.")
    if r.ended:
        ended = _md_escape(", ".join(r.ended_accounts))
        out.append(f"{r.ended} ended before as_of ({money(r.ended_arr)}): {ENDED_QUESTION} {ended}.")
    out += ["", "## Top at-risk accounts", ""]
    if s.at_risk_accounts:
        out += ["| Account | ARR | Risk | Health | Renewal | Why |", "|---|---:|---|---|---|---|"]
        for a in s.at_risk_accounts:
            out.append(
                f"| {_md_escape(a.name)} ({_md_escape(a.customer_id)}) | {money(a.arr)} | "
                f"{a.risk_score:g} {a.risk_tier} | {a.health_score:g} {a.health_class} | "
                f"{_renewal(a)} | {_md_escape(', '.join(a.reasons))} |"
            )
    else:
        out.append("None.")
    out += ["", f"## Expansion pipeline: {money(s.expansion_weighted)} weighted by likelihood", ""]
    out += ["| Segment | Accounts | Weighted | Net | Gross |", "|---|---:|---:|---:|---:|"]
    out += [f"| {b.name} | {b.pipeline_accounts} | {money(b.pipeline_weighted)} | {money(b.pipeline_net)} | "
            f"{money(b.pipeline_gross)} |" for b in s.by_segment]  # fmt: skip
    out += [
        "",
        f"Gross {money(s.expansion_pipeline)} adds up every estimate (they overlap, at-risk accounts "
        f"included); net {money(s.expansion_net)} drops the seat/tier overlap; weighted applies each health "
        "class's likelihood.",
        "",
        "### Expansion-ready accounts (green, not at risk)",
        "",
    ]
    if s.expansion_ready:
        out += [
            "| Account | ARR | Health | Weighted | Gross | Top opportunity |",
            "|---|---:|---:|---:|---:|---|",
        ]
        for x in s.expansion_ready:
            out.append(
                f"| {_md_escape(x.name)} ({_md_escape(x.customer_id)}) | {money(x.arr)} | "
                f"{x.health_score:g} | {money(x.weighted_revenue)} | {money(x.estimated_revenue)} | "
                f"{_md_escape(x.top_opportunity)} ({money(x.top_opportunity_revenue)}) |"
            )
    else:
        out.append("None.")
    out += ["", "## Recommended actions", ""]
    for i, act in enumerate(s.actions, 1):
        who = f" For: {_md_escape(_who(act))}." if act.account_names else ""
        out.append(f"{i}. {_md_escape(act.action)}: **{act.owner}**, by {act.due.isoformat()}.{who}")
    out += ["", "## Against targets", "", "| Metric | Actual | Target | |", "|---|---:|---|---|"]
    for t in s.targets:
        actual = _pct(t.actual) if "share" in t.metric else f"{t.actual:.1f}"
        out.append(f"| {t.metric} | {actual} | {t.target} | {'met' if t.met else '**missed**'} |")
    q = s.data_quality
    out += [
        "",
        "## Data quality",
        "",
        f"{q.total} accounts read, {q.accepted} scored, {q.rejected} rejected.",
    ]
    out += [f"- {_md_escape(n)}" for n in q.notes]
    return "\n".join(out) + "\n"
