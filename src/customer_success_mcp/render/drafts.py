"""Deterministic drafts (QBR, EBR, save plan): our templates filled with one account's scores.

Every figure comes from the engine's explanation of the account; what the data cannot know stays
`[to fill: ...]`. Account names and other free text are escaped, so data never becomes markup.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from customer_success_mcp.formatting import day as _date
from customer_success_mcp.formatting import money as _money
from customer_success_mcp.library import INLINE, fill_blocks, raw_text
from customer_success_mcp.render.markdown import escape_markdown as esc
from customer_success_mcp.scoring.lifecycle import Lifecycle
from customer_success_mcp.scoring.models import AccountExplanation
from customer_success_mcp.scoring.profile import Profile

if TYPE_CHECKING:
    from customer_success_mcp.pipeline import ScoredPortfolio

DraftKind = Literal["qbr", "ebr", "save-plan"]
DRAFT_KINDS: tuple[DraftKind, ...] = ("qbr", "ebr", "save-plan")
WEAK_SUBSCORE = 70.0
MAX_DRIVERS = 5
MAX_OPPORTUNITIES = 8
RENEWAL_SOON = re.compile(r"_If the renewal is less than (\d+) days")


@dataclass(frozen=True)
class DraftSource:
    """Where the numbers came from, for the provenance footer."""

    portfolio: str
    snapshot: str
    as_of: dt.date
    profile: str


def _header(a: AccountExplanation, life: Lifecycle) -> str:
    renewal = "no contract end date recorded"
    if a.churn.renewal_date is not None:
        days = life.days_to_renewal
        left = f"{days} days left" if days is not None and days >= 0 else f"ended {-(days or 0)} days ago"
        renewal = f"{a.churn.renewal_date.isoformat()} ({left})"
    return (
        f"**{esc(a.name)}** ({esc(a.customer_id)}) · {a.segment} · {_money(a.arr)} ARR · "
        f"scored as of {a.as_of.isoformat()} · renewal {renewal}"
    )


def _health_summary(a: AccountExplanation) -> str:
    h = a.health
    return (
        f"Health **{h.score:g}** ({h.classification}), trend {h.trend.replace('_', ' ')}, "
        f"trend priority **{h.trend_priority}**. In this segment green starts at {h.green_min:g} and yellow "
        f"at {h.yellow_min:g}."
    )


def _health_table(a: AccountExplanation) -> str:
    lines = ["| Dimension | Score | Class | Previous | Trend | Weight |", "|---|---:|---|---:|---|---:|"]
    for d in a.health.dimensions:
        prev = "—" if d.previous_score is None else f"{d.previous_score:g}"
        band = f" ({d.band})" if d.band else ""
        lines.append(
            f"| {d.label} | {d.score:g}{band} | {d.classification} | {prev} | {d.trend.replace('_', ' ')} | "
            f"{d.weight:.0%} |"
        )
    prev = "—" if a.health.previous_score is None else f"{a.health.previous_score:g}"
    lines.append(
        f"| **Overall** | **{a.health.score:g}** | {a.health.classification} | {prev} | "
        f"{a.health.trend.replace('_', ' ')} | |"
    )
    return "\n".join(lines)


def _drivers(a: AccountExplanation) -> str:
    metrics = [m for d in a.health.dimensions for m in d.metrics if m.subscore < WEAK_SUBSCORE]
    metrics.sort(key=lambda m: m.subscore)
    if not metrics:
        return f"Every sub-metric scores {WEAK_SUBSCORE:g} or more against its benchmark."
    lines = []
    for m in metrics[:MAX_DRIVERS]:
        value = m.value if isinstance(m.value, str) else ("—" if m.value is None else f"{m.value:g}")
        against = ""
        if m.benchmark is not None:
            against = f" against a {'maximum' if m.direction == 'lower' else 'target'} of {m.benchmark:g}"
        missing = " (not supplied: the default was used)" if not m.supplied else ""
        lines.append(f"- {m.metric.replace('_', ' ')}: {value}{against}, sub-score {m.subscore:g}{missing}")
    return "\n".join(lines)


def _risk(a: AccountExplanation, life: Lifecycle) -> str:
    c = a.churn
    until = life.days_to_renewal
    if until is None:
        days = "no contract end date"
    elif until < 0:
        days = f"the contract ended {-until} days ago"
    else:
        days = f"{until} days to renewal"
    return (
        f"Churn risk **{c.risk_score:g}** ({c.risk_tier}): raw {c.raw_score:g} × {c.urgency_multiplier:g} "
        f"renewal urgency ({days}). Playbook: {c.intervention}, led by {c.owner}."
    )


def _warnings(a: AccountExplanation) -> str:
    if not a.churn.warning_signals:
        return "No warning signals in this period's data."
    return "\n".join(f"- **{w.severity}**: {w.signal}" for w in a.churn.warning_signals)  # our own words


def _recommendations(a: AccountExplanation) -> str:
    if not a.health.recommendations:
        return "No health recommendation is triggered."
    return "\n".join(f"- {r}" for r in a.health.recommendations)


def _adoption(a: AccountExplanation) -> str:
    s = a.expansion.adoption_summary
    lines = [
        f"- Seat utilisation: {s.seat_utilisation:g}%",
        f"- Modules adopted: {s.adopted_modules} of {s.total_modules} ({s.adoption_rate:g}%), average use "
        f"of adopted modules {s.avg_usage_pct:g}%",
        f"- Plan tier: {esc(s.current_tier or 'not recorded')}",
        f"- Departments using the product: {s.departments_covered}; "
        f"named as potential: {s.departments_potential}",
    ]
    if s.enablement_needed:
        lines.append(f"- Adopted but barely used (enablement first): {esc(', '.join(s.enablement_needed))}")
    return "\n".join(lines)


def _opportunities(a: AccountExplanation) -> str:
    e = a.expansion
    if not e.opportunities:
        return "The data shows no expansion opportunity."
    lines = ["| Opportunity | Estimated ARR | Effort | Priority |", "|---|---:|---|---:|"]
    for o in e.opportunities[:MAX_OPPORTUNITIES]:
        lines.append(
            f"| {esc(o.rationale)} | {_money(o.estimated_revenue)} | {o.effort} | {o.priority_score:g} |"
        )
    more = len(e.opportunities) - MAX_OPPORTUNITIES
    total = f"Total estimated: {_money(e.total_estimated_revenue)} across {e.opportunity_count} opportunities"
    listed = f"; {more} smaller not listed" if more > 0 else ""
    lines += ["", f"{total} (estimates can overlap, e.g. an upgrade that includes a module{listed})."]
    return "\n".join(lines)


def _steps(a: AccountExplanation, profile: Profile) -> str:
    """The tier's steps, due `within_days` after as_of, but never after a contract end still ahead."""
    plan = profile.interventions[a.churn.risk_tier]
    end = a.churn.renewal_date
    lines = [f"{plan.label} ({a.churn.risk_tier} risk):", "", "| Step | Owner | Due |", "|---|---|---|"]
    capped = False
    for step in plan.steps:
        due = a.as_of + dt.timedelta(days=step.within_days)
        if end is not None and a.as_of <= end < due:
            due, capped = end, True
        lines.append(f"| {step.text} | {step.owner} | {due.isoformat()} |")
    if capped:
        lines += ["", f"Steps due after the contract end ({end.isoformat()}) are brought forward to it."]
    return "\n".join(lines)


def _lifecycle(life: Lifecycle, as_of: dt.date) -> str:
    start = life.renewal_work_starts
    started = " (already under way)" if start is not None and start <= as_of else ""
    return "\n".join([
        f"- Lifecycle phase: {life.phase or 'unknown (no contract dates)'}",
        f"- Renewal work starts: {_date(start)}{started}",
        f"- Review cadence for this segment: every {life.review_every_days} days ({life.touch_model})",
    ])  # fmt: skip


def _coverage(a: AccountExplanation) -> str:
    missing = [m.input_field for d in a.health.dimensions for m in d.metrics if not m.supplied]
    missing += [s.input_field for c in a.churn.categories for s in c.signals if not s.supplied]
    lines = [
        f"Inputs supplied: health {a.health.coverage:.0%}, churn risk {a.churn.coverage:.0%}, "
        f"expansion {a.expansion.coverage:.0%}."
    ]
    if missing:
        lines.append(f"Not in the data (defaults used): {', '.join(missing)}.")
    return " ".join(lines)


def _sections(paths: list[str]) -> str:
    return ", ".join(dict.fromkeys(p.split(".")[0] for p in paths))


def _provenance(profile: Profile, source: DraftSource) -> str:
    from customer_success_mcp.scoring.churn import RENEWAL_FIELD
    from customer_success_mcp.scoring.expansion import COVERAGE_FIELDS

    health = [m.field for _, m in profile.health.metrics] + [
        d.previous_field for d in profile.health.dimensions
    ]
    churn = [*profile.churn.input_fields, RENEWAL_FIELD]
    return "\n".join([
        "---",
        "",
        f"_Draft generated by customer-success-mcp from portfolio {esc(source.portfolio)}, "
        f"{source.snapshot}, scored as of {source.as_of.isoformat()} "
        f"with the {esc(source.profile)} profile. "
        f"Health used: {_sections(health)}. Churn risk used: {_sections(churn)}. "
        f"Adoption and expansion used: {_sections(list(COVERAGE_FIELDS))}. "
        "Lifecycle used: contract_start_date, contract_end_date. Every figure comes from the scoring engine; "
        "complete the parts marked [to fill: ...] before the meeting._",
    ])  # fmt: skip


def _keep_line(line: str, a: AccountExplanation, life: Lifecycle) -> bool:
    """Template guidance written for another situation is dropped from the draft."""
    if line.startswith("_If the account is red or yellow:"):
        return a.health.classification in ("red", "yellow")
    if line.startswith("_If the account is green:"):
        return a.health.classification == "green"
    soon = RENEWAL_SOON.match(line)
    if soon:
        return life.days_to_renewal is not None and 0 <= life.days_to_renewal < int(soon.group(1))
    return True


def render_draft(
    kind: DraftKind,
    a: AccountExplanation,
    life: Lifecycle,
    profile: Profile,
    source: DraftSource,
    quarter: str | None = None,
) -> str:
    """The template for `kind` with every engine block filled from the account's explanation."""
    blocks = {
        "account_header": _header(a, life),
        "health_summary": _health_summary(a),
        "health_table": _health_table(a),
        "health_drivers": _drivers(a),
        "risk_summary": _risk(a, life),
        "warning_signals": _warnings(a),
        "recommendations": _recommendations(a),
        "adoption": _adoption(a),
        "expansion_opportunities": _opportunities(a),
        "playbook_steps": _steps(a, profile),
        "lifecycle": _lifecycle(life, a.as_of),
        "coverage_note": _coverage(a),
        "provenance": _provenance(profile, source),
    }
    text = fill_blocks(raw_text("templates", kind), blocks)
    inline = {
        "account_name": esc(a.name),
        "quarter": esc(quarter) if quarter else "[to fill: the quarter this review covers]",
    }
    text = INLINE.sub(lambda m: inline.get(m.group(1), m.group(0)), text)
    lines = [line for line in text.splitlines() if _keep_line(line, a, life)]
    return "\n".join(lines).rstrip() + "\n"


def draft_for_account(
    scored: ScoredPortfolio, row: int, kind: DraftKind, source: DraftSource, quarter: str | None = None
) -> str:
    """The draft of one account of a scored portfolio."""
    from customer_success_mcp.pipeline import account_lifecycle, explain_account

    explanation = explain_account(scored, row)
    life = account_lifecycle(scored, row)
    return render_draft(kind, explanation, life, scored.profile, source, quarter)
