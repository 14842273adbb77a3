"""Plain-text tables for the three scorers, sized for an 80-column terminal."""

from __future__ import annotations

import re
import textwrap

import numpy as np

from customer_success_mcp.formatting import money, renewal
from customer_success_mcp.pipeline import ScoredPortfolio
from customer_success_mcp.query.models import AccountSelection
from customer_success_mcp.query.results import QueryResult
from customer_success_mcp.scoring.vocabulary import HEALTH_CLASSES, RISK_TIERS, HealthClass, is_at_risk

WIDTH = 80
# Characters that steer a terminal or reorder text rather than show: C0 and C1 controls (escape
# sequences start with them), DEL, the bidirectional overrides and isolates, line/paragraph separators.
BIDI = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c")
_HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029" + "".join(sorted(BIDI)) + "]")
_HIDDEN_BUT_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029" + "".join(sorted(BIDI)) + "]")


def visible(text: str) -> str:
    """Data on one terminal line: controls, escape sequences and bidi characters become spaces."""
    return _HIDDEN.sub(" ", str(text))


def visible_lines(text: str) -> str:
    """A block of text whose data stays data: every control or bidi character but tab and line feed
    becomes a space (the last guard on a tool's text block, after each renderer's own escaping)."""
    return _HIDDEN_BUT_LINES.sub(" ", text)


def escape_hidden(text: str) -> str:
    """Whole output for a terminal: every control or bidi character but tab and line feed written as a
    visible \\uXXXX escape (inside JSON strings this is the same data)."""
    return _HIDDEN_BUT_LINES.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def fit(text: str, width: int) -> str:
    """Cut to width with an ellipsis, then pad; data stays data (no control or bidi characters)."""
    text = " ".join(visible(str(text)).split())
    if len(text) > width:
        text = text[: width - 1] + "…"
    return text.ljust(width)


def _title(p: ScoredPortfolio, what: str) -> list[str]:
    line = f"{what} · {p.table.size} accounts · as of {p.as_of.isoformat()} · profile {p.profile.name}"
    lines = [line, "=" * min(len(line), WIDTH)]
    if p.report.rejected:
        lines.append(
            f"{p.report.rejected} of {p.report.total} accounts rejected and not scored "
            "(see `csm validate FILE`)"
        )
    return lines


def _rows(count: int, limit: int | None) -> int:
    return count if limit is None else min(limit, count)


def health_text(p: ScoredPortfolio, limit: int | None = None) -> str:
    h, t = p.health, p.table
    counts = np.bincount(h.classes, minlength=len(HEALTH_CLASSES))
    avg = float(h.overall.mean()) if t.size else 0.0
    out = _title(p, "Health scores")
    out.append(f"Average {avg:.1f} · green {counts[0]} · yellow {counts[1]} · red {counts[2]}")
    out.append("")
    out.append(f"{fit('ID', 11)}{fit('Name', 22)}{fit('Segment', 11)}{'Score':>6}  "
               f"{fit('Class', 7)}{fit('Trend', 10)}Priority")  # fmt: skip
    out.append("-" * 77)
    shown = _rows(t.size, limit)
    for row in range(shown):
        out.append(
            f"{fit(t.ids[row], 11)}{fit(t.names[row], 22)}{fit(t.segments[row], 11)}"
            f"{float(h.overall[row]):>6.1f}  {fit(h.classification(row), 7)}"
            f"{fit(h.trend_of(row), 10)}{h.priority(row)}"
        )
    if shown < t.size:
        out.append(f"… {t.size - shown} more (use --limit or --format json)")
    flagged = [r for r in range(shown) if h.classes[r] != HealthClass.GREEN.code]
    if flagged:
        out += ["", "What to do (yellow and red accounts):"]
        for row in flagged:
            recs = h.recommendations(row)
            if recs:
                out += textwrap.wrap(f"{t.names[row]} ({t.ids[row]}):", WIDTH, initial_indent="  ",
                                     subsequent_indent="    ")  # fmt: skip
                for rec in recs:
                    out += textwrap.wrap(rec, WIDTH - 2, initial_indent="    - ", subsequent_indent="      ")
    return "\n".join(out)


def churn_text(p: ScoredPortfolio, limit: int | None = None) -> str:
    c, t = p.churn, p.table
    counts = np.bincount(c.tiers, minlength=len(RISK_TIERS))
    at_risk = float(t.values["arr"][is_at_risk(c.tiers)].sum())
    out = _title(p, "Churn risk")
    out.append(f"critical {counts[0]} · high {counts[1]} · medium {counts[2]} · low {counts[3]} · "
               f"ARR at risk {money(at_risk)}")  # fmt: skip
    out.append("")
    out.append(f"{fit('ID', 11)}{fit('Name', 20)}{'Risk':>6}  {fit('Tier', 9)}{'Days':>5}  Main signal")
    out.append("-" * 78)
    order = np.argsort(-c.risk, kind="stable")[: _rows(t.size, limit)].tolist()
    for row in order:
        warnings = c.warnings(row)
        days: int | str | None = c.days_left(row)
        end = c.renewal_date(row)
        if end is not None and end < p.as_of:
            days = "ended"
        out.append(
            f"{fit(t.ids[row], 11)}{fit(t.names[row], 20)}{float(c.risk[row]):>6.1f}  "
            f"{fit(c.tier(row), 9)}{'-' if days is None else days:>5}  "
            f"{fit(warnings[0].signal if warnings else '', 25)}".rstrip()
        )
    if len(order) < t.size:
        out.append(f"… {t.size - len(order)} more (use --limit or --format json)")
    return "\n".join(out)


def expansion_text(p: ScoredPortfolio, limit: int | None = None) -> str:
    e, t = p.expansion, p.table
    out = _title(p, "Expansion opportunities")
    out.append(f"{int(e.counts.sum())} opportunities · {money(float(e.total_revenue.sum()))} estimated")
    out.append("")
    out.append(f"{fit('ID', 11)}{fit('Name', 18)}{'Estimated':>11}  {'Opps':>4}  Top opportunity")
    out.append("-" * 78)
    order = np.argsort(-e.total_revenue, kind="stable")[: _rows(t.size, limit)].tolist()
    for row in order:
        top = e.top(row)
        label = ""
        if top is not None:
            label = top.category.replace("_", " ") + (f": {top.subject}" if top.subject else "")
        out.append(
            f"{fit(t.ids[row], 11)}{fit(t.names[row], 18)}{money(float(e.total_revenue[row])):>11}  "
            f"{int(e.counts[row]):>4}  {fit(label, 30)}".rstrip()
        )
    if len(order) < t.size:
        out.append(f"… {t.size - len(order)} more (use --limit or --format json)")
    return "\n".join(out)


def accounts_text(p: ScoredPortfolio, found: AccountSelection, sort_by: str) -> str:
    """A page of `csm find` results: one line of figures per account, its main reason beneath."""
    out = _title(p, "Accounts")
    if not found.total:
        return "\n".join([*out, "No accounts match."])
    last = found.offset + len(found.accounts)
    out.append(f"{found.total} match; showing {found.offset + 1}-{last}, sorted by {sort_by}")
    out.append("")
    out.append(f"{fit('ID', 11)}{fit('Name', 26)}{'ARR':>12}  {fit('Health', 13)}Risk")
    out.append(f"{'':11}Contract · main reason")
    out.append("-" * 79)
    for a in found.accounts:
        out.append(
            f"{fit(a.customer_id, 11)}{fit(a.name, 26)}{money(a.arr):>12}  "
            f"{fit(f'{a.health_score:g} {a.health_class}', 13)}{a.risk_score:g} {a.risk_tier}"
        )
        detail = renewal(a.days_to_renewal) + (f" · {a.top_reason}" if a.top_reason else "")
        out.append(f"{'':11}{fit(detail, WIDTH - 11)}".rstrip())
    if found.has_more:
        out.append(f"… {found.total - last} more (use --offset {last})")
    return "\n".join(out)


def query_text(result: QueryResult) -> str:
    """A query's rows as an aligned table (cells cut to fit), then the row count and any note."""
    cells = [[_plain(v) for v in row] for row in result.rows]
    widths = [
        min(max([len(c)] + [len(r[i]) for r in cells]), 40) for i, c in enumerate(result.columns)
    ]  # fmt: skip
    lines = ["  ".join(fit(c, w) for c, w in zip(result.columns, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(fit(v, w) for v, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    shown = f"{len(cells)} of {result.total}" if result.truncated else f"{result.total}"
    lines += ["", f"{shown} row(s) in {result.elapsed_ms:g} ms" + (f". {result.note}" if result.note else "")]
    return "\n".join(lines)


def _plain(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)
