"""The portfolio report as one self-contained HTML page: headline figures, charts as inline SVG, top
risks with reasons, renewals, weighted expansion, actions, targets and data quality.

Nothing is fetched (no scripts, fonts, images or styles from anywhere): the file can be mailed, opened
offline and printed to PDF from a browser (print styles keep sections whole on A4 or Letter).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from customer_success_mcp.formatting import contract_end, day, money, money_short, plural, share
from customer_success_mcp.pipeline import ScoredPortfolio
from customer_success_mcp.render.chart_data import breakdown, renewals_by_month, risk_vs_arr
from customer_success_mcp.render.chart_models import HEALTH_COLOURS, TIER_COLOURS, Drawable
from customer_success_mcp.scoring.models import Bucket, PortfolioSummary, RecommendedAction
from customer_success_mcp.scoring.vocabulary import ENDED_QUESTION

REPORT_CHART_SIZE = (7.2, 4.4)  # inches: two charts side by side keep readable text on A4
CSS = """
:root { --ink: #1f2328; --muted: #59636e; --line: #d8dee4; --soft: #f5f6f8; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1040px; padding: 24px; color: var(--ink); background: #fff;
  font: 13px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
h1 { font-size: 24px; margin: 0; }
h2 { font-size: 16px; margin: 22px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
.sub, .muted { color: var(--muted); }
.notice { border-left: 3px solid #e8590c; background: var(--soft); padding: 6px 10px; margin: 8px 0; }
.kpis { display: grid; grid-template-columns: repeat(6, 1fr); gap: 8px; margin: 14px 0; }
.kpi { background: var(--soft); border-radius: 6px; padding: 8px 10px; }
.kpi b { display: block; font-size: 18px; }
.kpi span { color: var(--muted); font-size: 11px; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 10px; }
figure { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 4px; }
figure svg { width: 100%; height: auto; display: block; }
table { border-collapse: collapse; width: 100%; margin: 4px 0 8px; }
th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--soft); font-size: 12px; }
td.n, th.n { text-align: right; white-space: nowrap; }
.chip { display: inline-block; padding: 0 6px; border-radius: 8px; color: #fff; font-size: 11px;
  white-space: nowrap; }
.cols { display: grid; grid-template-columns: 1fr 1fr 1fr; gap: 12px; }
ol, ul { margin: 4px 0; padding-left: 20px; }
li { margin: 2px 0; }
footer { margin-top: 20px; color: var(--muted); font-size: 11px; }
section, figure, table, .kpis { break-inside: avoid; }
h2 { break-after: avoid; }
@page { size: A4; margin: 12mm; }
@media print {
  body { padding: 0; max-width: none; font-size: 11px; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
@media (max-width: 760px) { .kpis, .charts, .cols { grid-template-columns: 1fr 1fr; } }
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _chip(name: str) -> str:
    colour = {**HEALTH_COLOURS, **TIER_COLOURS}.get(name, "#59636e")
    ink = "#1f2328" if name in ("yellow", "medium") else "#fff"
    return f'<span class="chip" style="background:{colour};color:{ink}">{_e(name.replace("_", " "))}</span>'


def _kpis(s: PortfolioSummary) -> str:
    r = s.renewals
    tiles = [
        ("Total ARR", money(s.total_arr), plural(s.accounts, "account")),
        (
            "ARR at risk",
            money(s.arr_at_risk),
            f"{share(s.arr_at_risk / s.total_arr if s.total_arr else 0)} of ARR",
        ),
        ("Average health", f"{s.average_health:.1f}", "0-100, higher is healthier"),
        (
            f"Renewals, {r.days} days",
            money(r.arr),
            f"{plural(r.accounts, 'account')}, {r.not_green} not green",
        ),
        ("Weighted expansion", money(s.expansion_weighted), "net x likelihood"),
        ("Expansion-ready", money(s.expansion_ready_total), plural(len(s.expansion_ready), "account")),
    ]
    cells = "".join(
        f'<div class="kpi"><span>{_e(t)}</span><b>{_e(v)}</b><span>{_e(n)}</span></div>' for t, v, n in tiles
    )
    return f'<section class="kpis" aria-label="Headline figures">{cells}</section>'


def _table(head: list[str], rows: list[list[str]]) -> str:
    """A table from cells already written as HTML; a heading starting with '#' is a right-aligned figure."""
    figure = [h.startswith("#") for h in head]
    th = "".join(
        f'<th class="n">{h[1:]}</th>' if n else f"<th>{h}</th>" for h, n in zip(head, figure, strict=True)
    )
    body = "".join(
        "<tr>"
        + "".join(f'<td class="n">{c}</td>' if n else f"<td>{c}</td>" for c, n in zip(r, figure, strict=True))
        + "</tr>"
        for r in rows
    )
    return f"<table><tr>{th}</tr>{body}</table>"


def _mix_table(title: str, buckets: Sequence[Bucket]) -> str:
    def name(b: Bucket) -> str:
        return _chip(b.name) if b.name in HEALTH_COLOURS or b.name in TIER_COLOURS else _e(b.name)

    rows = [[name(b), f"{b.accounts:,}", money(b.arr), share(b.arr_share)] for b in buckets]
    return _table([_e(title), "#Accounts", "#ARR", "#Share"], rows)


def _charts(scored: ScoredPortfolio, s: PortfolioSummary) -> str:
    from customer_success_mcp.render.charts import svg

    figures: list[Drawable] = [
        breakdown(s, "arr_by_health"),
        breakdown(s, "arr_by_risk_tier"),
        renewals_by_month(scored, s.renewals.days),
        risk_vs_arr(scored, s),
    ]
    body = "".join(f"<figure>{svg(f, f.title, REPORT_CHART_SIZE)}</figure>" for f in figures)
    return f'<section class="charts" aria-label="Charts">{body}</section>'


def _who(a: RecommendedAction) -> str:
    named = ", ".join(f"{n} ({i})" for n, i in zip(a.account_names, a.accounts, strict=True))
    more = a.account_count - len(a.accounts)
    return named + (f" and {more} more" if more > 0 else "")


def _risks(s: PortfolioSummary) -> str:
    if not s.at_risk_accounts:
        return "<p>No account is in the critical or high tier.</p>"
    rows = [
        [
            f"{_e(a.name)}<br><span class='muted'>{_e(a.customer_id)} · {_e(a.segment)}</span>",
            money(a.arr),
            f"{a.risk_score:g} {_chip(a.risk_tier)}",
            f"{a.health_score:g} {_chip(a.health_class)}",
            _e(contract_end(a.renewal_date, a.days_to_renewal)),
            _e(", ".join(a.reasons)),
        ]
        for a in s.at_risk_accounts
    ]
    return _table(["Account", "#ARR", "Risk", "Health", "Renewal", "Why"], rows)


def _renewals(s: PortfolioSummary) -> str:
    r = s.renewals
    out = [
        f"<p><b>{plural(r.accounts, 'account')}, {money(r.arr)} ARR</b> renew by {day(r.ends_on)}; "
        f"{r.not_green} not green ({money(r.not_green_arr)}).</p>"
    ]
    if r.not_green_accounts:
        out.append(f"<p>Not green, largest first: {_e(', '.join(r.not_green_accounts))}.</p>")
    if r.ended:
        out.append(
            f"<p>{plural(r.ended, 'contract')} ended before {day(s.as_of)} ({money(r.ended_arr)}): "
            f"{ENDED_QUESTION} {_e(', '.join(r.ended_accounts))}.</p>"
        )
    return "".join(out)


def _expansion(s: PortfolioSummary) -> str:
    rows = [
        [
            _e(b.name),
            f"{b.pipeline_accounts:,}",
            money(b.pipeline_weighted),
            money(b.pipeline_net),
            money(b.pipeline_gross),
        ]
        for b in s.by_segment
    ]
    table = _table(["Segment", "#Accounts", "#Weighted", "#Net", "#Gross"], rows)
    ready = "".join(
        f"<li>{_e(x.name)} ({_e(x.customer_id)}): weighted {money(x.weighted_revenue)} "
        f"(gross {money(x.estimated_revenue)}), top: {_e(x.top_opportunity)} "
        f"({money(x.top_opportunity_revenue)})</li>"
        for x in s.expansion_ready
    )
    note = (
        f"Gross {money(s.expansion_pipeline)} adds up every estimate (they overlap, at-risk accounts "
        f"included); net {money(s.expansion_net)} drops the seat/tier overlap; weighted applies each health "
        "class's likelihood."
    )
    ready_block = f"<p><b>Expansion-ready</b> (green, not at risk):</p><ol>{ready}</ol>" if ready else ""
    return f'{table}<p class="muted">{_e(note)}</p>{ready_block}'


def _actions(s: PortfolioSummary) -> str:
    items = "".join(
        f"<li>{_e(a.action)} <span class='muted'>· {_e(a.owner)} · by {day(a.due)}</span>"
        + (f"<br><span class='muted'>for: {_e(_who(a))}</span>" if a.account_names else "")
        + "</li>"
        for a in s.actions
    )
    return f"<ol>{items}</ol>" if items else "<p>None.</p>"


def _targets_and_quality(s: PortfolioSummary) -> str:
    rows = [
        [
            _e(t.metric),
            share(t.actual) if "share" in t.metric else f"{t.actual:.1f}",
            _e(t.target),
            "met" if t.met else "<b>missed</b>",
        ]
        for t in s.targets
    ]
    q = s.data_quality
    notes = "".join(f"<li>{_e(n)}</li>" for n in q.notes)
    return (
        f"<div><h2>Against targets</h2>{_table(['Metric', '#Actual', 'Target', ''], rows)}</div>"
        f"<div><h2>Data quality</h2><p>{q.total:,} accounts read, {q.accepted:,} scored, {q.rejected:,} "
        f"rejected.</p>{f'<ul>{notes}</ul>' if notes else ''}</div>"
    )


def report_html(scored: ScoredPortfolio, s: PortfolioSummary, source: str | None = None) -> str:
    """The whole report as one HTML document (UTF-8 text), charts inline."""
    from customer_success_mcp import __version__

    notices = "".join(f'<p class="notice">{_e(n)}</p>' for n in s.notices)
    origin = f" from {_e(source)}" if source else ""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Portfolio report, as of {day(s.as_of)}</title>
<style>{CSS}</style>
</head>
<body>
<header>
<h1>Portfolio report</h1>
<p class="sub">As of {day(s.as_of)} · profile {_e(s.profile)} · {plural(s.accounts, "account")} ·
{money_short(s.total_arr)} ARR</p>
{notices}
</header>
{_kpis(s)}
{_charts(scored, s)}
<section class="cols">
<div><h2>Health</h2>{_mix_table("Class", s.by_health)}</div>
<div><h2>Churn risk</h2>{_mix_table("Tier", s.by_risk_tier)}</div>
<div><h2>Segments</h2>{_mix_table("Segment", s.by_segment)}</div>
</section>
<section><h2>Top risks (critical first, then by ARR)</h2>{_risks(s)}</section>
<section><h2>Renewals in the next {plural(s.renewals.days, "day")}</h2>{_renewals(s)}</section>
<section><h2>Expansion pipeline: {money(s.expansion_weighted)} weighted</h2>{_expansion(s)}</section>
<section><h2>Recommended actions</h2>{_actions(s)}</section>
<section class="cols">{_targets_and_quality(s)}</section>
<footer>customer-success-mcp {_e(__version__)}{origin}: every figure comes from the scoring engine
(profile {_e(s.profile)}, as of {day(s.as_of)}); ARR at risk counts the critical and high churn-risk
tiers.</footer>
</body>
</html>
"""
