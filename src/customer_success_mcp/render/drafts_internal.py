"""The blocks of the internal drafts (QBR and EBR prep briefs, save plan), written from their facts.

Internal drafts are for the CSM and their manager: they carry the churn risk with its evidence, the
warning signals, the weakest sub-metrics, the playbook in date order with the signal each step answers,
the plays appropriate now, the renewal position and the data notes. Free text from the data is escaped.
"""

from __future__ import annotations

import datetime as dt

from customer_success_mcp.formatting import contract_end, day, money, number, plural, renewal, score, share
from customer_success_mcp.render.draft_facts import (
    CheckpointFact,
    CoverageFact,
    DataNote,
    DimensionFact,
    DraftFacts,
    DriverFact,
    ExpansionFact,
    HealthFact,
    LifecycleFact,
    PlaybookFact,
    WarningFact,
)
from customer_success_mcp.render.draft_summary import readable
from customer_success_mcp.render.markdown import escape_markdown as esc
from customer_success_mcp.scoring.vocabulary import ENDED_QUESTION

WEAK_SUBSCORE = 70.0


def account_header(f: DraftFacts) -> str:
    ended = f": {ENDED_QUESTION}" if f.contract_status == "ended" else ""
    return (
        f"**{esc(f.name)}** ({esc(f.customer_id)}) · {f.segment} · {money(f.arr)} ARR · "
        f"scored as of {day(f.as_of)} · {contract_end(f.renewal_date, f.days_to_renewal)}{ended}"
    )


def health_summary(h: HealthFact) -> str:
    return (
        f"Health **{score(h.score)}** ({readable(h.classification)}), trend {readable(h.trend)}, "
        f"trend priority **{h.trend_priority}**. In this segment green starts at {number(h.green_min)} and "
        f"yellow at {number(h.yellow_min)}."
    )


def _previous(value: float | None) -> str:
    return "—" if value is None else number(value)


def health_table(h: HealthFact, dims: list[DimensionFact]) -> str:
    lines = ["| Dimension | Score | Class | Previous | Trend | Weight |", "|---|---:|---|---:|---|---:|"]
    for d in dims:
        band = f" ({d.band})" if d.band else ""
        lines.append(
            f"| {d.label} | {score(d.score)}{band} | {readable(d.classification)} | "
            f"{_previous(d.previous_score)} | {readable(d.trend)} | {share(d.weight)} |"
        )
    lines.append(
        f"| **Overall** | **{score(h.score)}** | {readable(h.classification)} | "
        f"{_previous(h.previous_score)} | {readable(h.trend)} | |"
    )
    return "\n".join(lines)


def drivers_text(drivers: list[DriverFact]) -> str:
    if not drivers:
        return f"Every sub-metric scores {number(WEAK_SUBSCORE)} or more against its benchmark."
    lines = []
    for m in drivers:
        value = m.value if isinstance(m.value, str) else _previous(m.value)
        against = "" if m.benchmark is None else f" against a {m.benchmark_kind} of {number(m.benchmark)}"
        missing = "" if m.supplied else " (not supplied: the default was used)"
        lines.append(f"- {readable(m.metric)}: {esc(value)}{against}, sub-score {score(m.subscore)}{missing}")
    return "\n".join(lines)


def risk_summary(f: DraftFacts) -> str:
    r = f.risk
    if r is None:
        return ""
    escalated = f" (escalated from {r.tier}: {esc('; '.join(r.escalated_by))})" if r.escalated_by else ""
    return (
        f"Churn risk **{number(r.score)}** ({r.tier}): raw {number(r.raw_score)} × "
        f"{number(r.urgency_multiplier)} renewal urgency ({renewal(f.days_to_renewal)}). "
        f"Playbook: {r.playbook}, led by {r.owner}{escalated}."
    )


def warnings_text(warnings: list[WarningFact]) -> str:
    if not warnings:
        return "No warning signals in this period's data."
    return "\n".join(f"- **{w.severity}**: {w.signal}" for w in warnings)  # the profile's wording


def recommendations_text(recs: list[str]) -> str:
    if not recs:
        return "No health recommendation is triggered."
    return "\n".join(["Also from the scores (no owner or date set yet):", "", *[f"- {r}" for r in recs]])


def bullets(items: list[str]) -> str:
    """A list of sentences built from the facts (their data parts escaped where they were built)."""
    return "\n".join(f"- {esc(item)}" for item in items)


def data_notes_text(notes: list[DataNote]) -> str:
    if not notes:
        return "No input contradicts another: previous scores, seats and contract dates agree."
    return "\n".join(f"- {esc(n.text)}" for n in notes)


def plays_text(e: ExpansionFact, cautious: bool) -> str:
    """The plays appropriate now; `cautious` (not green, or a churn risk at the high tiers): only those that
    remove a problem."""
    if e.held_until_renewal:
        return (
            "None before the renewal is secured: the account is red. "
            f"{plural(e.count, 'opportunity', 'opportunities')} ({money(e.net_estimated_revenue)} net "
            "estimated) wait until the renewal is signed; keep them for the internal account plan."
        )
    if not e.shown:
        return "The data shows no expansion opportunity."
    lines = []
    if cautious:
        lines += ["Only a play that removes a problem the customer raises:", ""]
    lines += ["| Play | Estimated ARR | Effort | Priority |", "|---|---:|---|---:|"]
    lines += [
        f"| {esc(o.rationale)} | {money(o.estimated_revenue)} | {o.effort} | {number(o.priority_score)} |"
        for o in e.shown
    ]
    listed = f"; {e.not_listed} smaller not listed" if e.not_listed > 0 else ""
    lines += [
        "",
        f"Total estimated: {money(e.total_estimated_revenue)} across "
        f"{plural(e.count, 'opportunity', 'opportunities')} (estimates can overlap{listed}); net of the "
        f"seat/tier overlap {money(e.net_estimated_revenue)}, weighted by likelihood "
        f"{money(e.weighted_estimated_revenue)}.",
    ]
    return "\n".join(lines)


def steps_text(p: PlaybookFact) -> str:
    lines = [
        f"{p.label} ({p.tier} playbook), due dates counted from the scoring date:",
        "",
        "| Due | Step | Owner | Answers |",
        "|---|---|---|---|",
    ]
    lines += [f"| {day(s.due)} | {s.text} | {s.owner} | {esc('; '.join(s.answers))} |" for s in p.steps]
    if p.capped_at is not None:
        lines += ["", f"Steps due after the contract end ({day(p.capped_at)}) are brought forward to it."]
    return "\n".join(lines)


def _checkpoint(c: CheckpointFact) -> str:
    days = c.days_from_as_of
    when = (
        "today"
        if days == 0
        else f"in {plural(days, 'day')}"
        if days > 0
        else f"passed {plural(-days, 'day')} ago"
    )
    return f"{c.label} {day(c.due)} ({when})"


def _phase(life: LifecycleFact) -> str:
    return life.phase or f"unknown ({life.phase_unknown_because or 'no contract dates on file'})"


def renewal_text(f: DraftFacts) -> str:
    c, life = f.contract, f.lifecycle
    term = "not on file"
    if c.start_date is not None or c.end_date is not None:
        term = f"{day(c.start_date)} to {day(c.end_date)}"
    lines = [
        f"- Contract type: {esc(c.contract_type) if c.contract_type else 'not on file'}",
        f"- Contract term: {term}",
        f"- Renewal: {contract_end(f.renewal_date, f.days_to_renewal)}",
        f"- ARR at stake: {money(c.arr_at_stake)}",
    ]
    if f.checkpoints:
        lines.append(f"- Renewal checkpoints: {'; '.join(_checkpoint(k) for k in f.checkpoints)}")
    lines += [
        f"- Lifecycle phase: {_phase(life)}",
        f"- Review cadence for this segment: every {plural(life.review_every_days, 'day')} "
        f"({life.touch_model})",
    ]
    return "\n".join(lines)


def coverage_text(c: CoverageFact) -> str:
    text = f"Inputs supplied: health {share(c.health)}"
    if c.churn_risk is not None and c.expansion is not None:
        text += f", churn risk {share(c.churn_risk)}, expansion {share(c.expansion)}"
    text += "."
    if c.not_supplied:
        how = "left out of the scores" if c.left_out else "their defaults were scored"
        text += f" Not on file ({how}): {', '.join(c.not_supplied)}."
    return text


def due_order(days: list[dt.date]) -> list[int]:
    """Positions that sort due dates ascending, keeping the playbook's order among equal dates."""
    return sorted(range(len(days)), key=lambda i: days[i])
