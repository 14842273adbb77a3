"""Deterministic drafts (QBR, EBR, save plan): our templates filled with one account's scores.

Facts, then words. `build_facts` takes every number, date and step a draft shows from the engine's
explanation of the account, its lifecycle and the profile, once; `render_markdown` writes the
template from those facts alone (the profile supplies only the template's own figures, such as the
renewal threshold of a guidance line). What the data cannot know stays `[to fill: ...]`. Account
names and other free text are escaped, so data never becomes markup.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from customer_success_mcp.formatting import contract_end, day, money, number, plural, renewal, score, share
from customer_success_mcp.library import (
    BLOCK,
    INLINE_NOTES,
    fill_blocks,
    fill_inline,
    profile_figures,
    raw_text,
    renewal_checkpoints,
)
from customer_success_mcp.render.draft_facts import (
    AdoptionFact,
    CoverageFact,
    DimensionFact,
    DraftFacts,
    DraftKind,
    DriverFact,
    ExpansionFact,
    HealthFact,
    LifecycleFact,
    OpportunityFact,
    PlaybookFact,
    ProvenanceFact,
    RiskFact,
    StepFact,
    WarningFact,
)
from customer_success_mcp.render.markdown import escape_markdown as esc
from customer_success_mcp.scoring.lifecycle import Lifecycle
from customer_success_mcp.scoring.models import AccountExplanation
from customer_success_mcp.scoring.profile import Profile

if TYPE_CHECKING:
    from customer_success_mcp.pipeline import ScoredPortfolio

DRAFT_KINDS: tuple[DraftKind, ...] = ("qbr", "ebr", "save-plan")
WEAK_SUBSCORE = 70.0
MAX_DRIVERS = 5
MAX_OPPORTUNITIES = 8
# A guidance line for accounts near renewal names its threshold as a profile figure, never a number.
RENEWAL_GUIDANCE = re.compile(r"^_If the renewal is \{\{([a-z_]+)\}\} away or less:")
TO_FILL = re.compile(r"\[to fill: ([^\]\n]+)\]")
QUARTER_GAP = INLINE_NOTES["quarter"]


@dataclass(frozen=True)
class DraftSource:
    """Where the numbers came from, for the provenance footer."""

    portfolio: str
    snapshot: str
    as_of: dt.date
    profile: str


@dataclass(frozen=True)
class Draft:
    """A draft as markdown, and the facts it was written from."""

    markdown: str
    facts: DraftFacts


# --------------------------------------------------------------------------- facts


def template_blocks(kind: DraftKind) -> set[str]:
    """The engine blocks the template of `kind` shows."""
    return set(BLOCK.findall(raw_text("templates", kind)))


def _steps(a: AccountExplanation, profile: Profile) -> PlaybookFact:
    """The playbook tier's steps, due `within_days` after as_of, but never after a contract end ahead."""
    tier = a.churn.playbook_tier
    plan = profile.interventions[tier]
    end = a.churn.renewal_date
    steps = []
    for step in plan.steps:
        due = a.as_of + dt.timedelta(days=step.within_days)
        capped = end is not None and a.as_of <= end < due
        steps.append(StepFact(text=step.text, owner=step.owner, due=end if capped and end else due,
                              brought_forward=capped))  # fmt: skip
    capped_at = end if any(s.brought_forward for s in steps) else None
    return PlaybookFact(tier=tier, label=plan.label, steps=steps, capped_at=capped_at)


def _drivers(a: AccountExplanation) -> list[DriverFact]:
    scored = [m for d in a.health.dimensions for m in d.metrics if m.subscore is not None]
    weak = sorted((m for m in scored if (m.subscore or 0.0) < WEAK_SUBSCORE), key=lambda m: m.subscore or 0.0)
    return [
        DriverFact(
            metric=m.metric,
            input_field=m.input_field,
            value=m.value,
            benchmark=m.benchmark,
            benchmark_kind=None if m.benchmark is None else "maximum" if m.direction == "lower" else "target",
            subscore=m.subscore,
            supplied=m.supplied,
        )
        for m in weak[:MAX_DRIVERS]
    ]


def _expansion(a: AccountExplanation) -> ExpansionFact:
    e = a.expansion
    shown = [
        OpportunityFact(
            rationale=o.rationale,
            estimated_revenue=o.estimated_revenue,
            effort=o.effort,
            priority_score=o.priority_score,
        )
        for o in e.opportunities[:MAX_OPPORTUNITIES]
    ]
    return ExpansionFact(shown=shown, count=e.opportunity_count, not_listed=e.opportunity_count - len(shown),
                         total_estimated_revenue=e.total_estimated_revenue,
                         net_estimated_revenue=e.net_estimated_revenue,
                         weighted_estimated_revenue=e.weighted_estimated_revenue)  # fmt: skip


def _adoption(a: AccountExplanation) -> AdoptionFact:
    s = a.expansion.adoption_summary
    return AdoptionFact(
        seat_utilisation_pct=s.seat_utilisation, adopted_modules=s.adopted_modules,
        total_modules=s.total_modules, adoption_rate_pct=s.adoption_rate, avg_usage_pct=s.avg_usage_pct,
        plan_tier=s.current_tier, departments_using=s.departments_covered,
        departments_potential=s.departments_potential, enablement_needed=list(s.enablement_needed),
    )  # fmt: skip


def _sections(paths: list[str]) -> list[str]:
    return list(dict.fromkeys(p.split(".")[0] for p in paths))


def _provenance(profile: Profile, source: DraftSource) -> ProvenanceFact:
    from customer_success_mcp.scoring.churn import RENEWAL_FIELD
    from customer_success_mcp.scoring.expansion import COVERAGE_FIELDS

    health = [m.field for _, m in profile.health.metrics] + [
        d.previous_field for d in profile.health.dimensions
    ]
    return ProvenanceFact(
        portfolio=source.portfolio, snapshot=source.snapshot, profile=source.profile,
        health_inputs=_sections(health),
        churn_inputs=_sections([*profile.churn.input_fields, RENEWAL_FIELD]),
        expansion_inputs=_sections(list(COVERAGE_FIELDS)),
    )  # fmt: skip


def build_facts(
    kind: DraftKind,
    a: AccountExplanation,
    life: Lifecycle,
    profile: Profile,
    source: DraftSource,
    quarter: str | None = None,
) -> DraftFacts:
    """Every fact the draft of `kind` shows, from the engine; sections the template lacks are None."""
    blocks = template_blocks(kind)
    h, c = a.health, a.churn
    start = life.renewal_work_starts
    facts = DraftFacts(
        kind=kind, customer_id=a.customer_id, name=a.name, segment=a.segment, arr=a.arr, as_of=a.as_of,
        quarter=quarter, renewal_date=c.renewal_date, days_to_renewal=c.days_to_renewal,
        contract_status=c.contract_status,
        health=HealthFact(score=h.score, previous_score=h.previous_score,
                          previous_score_supplied=h.previous_score_supplied,
                          previous_score_mismatch=h.previous_score_mismatch, classification=h.classification,
                          trend=h.trend, trend_priority=h.trend_priority, green_min=h.green_min,
                          yellow_min=h.yellow_min),
        dimensions=[
            DimensionFact(label=d.label, score=d.score, band=d.band, classification=d.classification,
                          previous_score=d.previous_score, trend=d.trend, weight=d.weight)
            for d in h.dimensions
        ] if "health_table" in blocks else None,
        risk=RiskFact(score=c.risk_score, raw_score=c.raw_score, tier=c.risk_tier,
                      playbook_tier=c.playbook_tier, escalated_by=list(c.escalated_by),
                      urgency_multiplier=c.urgency_multiplier, playbook=c.intervention, owner=c.owner,
                      respond_within_days=c.respond_within_days),
        warnings=[WarningFact(severity=w.severity, signal=w.signal) for w in c.warning_signals]
        if "warning_signals" in blocks else None,
        drivers=_drivers(a) if "health_drivers" in blocks else None,
        recommendations=list(h.recommendations) if "recommendations" in blocks else None,
        adoption=_adoption(a) if "adoption" in blocks else None,
        expansion=_expansion(a) if "expansion_opportunities" in blocks else None,
        playbook=_steps(a, profile) if "playbook_steps" in blocks else None,
        lifecycle=LifecycleFact(phase=life.phase, renewal_work_starts=start,
                                renewal_work_started=start is not None and start <= a.as_of,
                                review_every_days=life.review_every_days, touch_model=life.touch_model),
        coverage=CoverageFact(
            health=h.coverage, churn_risk=c.coverage, expansion=a.expansion.coverage,
            not_supplied=[m.label for d in h.dimensions for m in d.metrics if not m.supplied]
            + [s.label for cat in c.categories for s in cat.signals if not s.supplied],
            left_out=profile.health.missing_inputs == "omit",
        ),
        provenance=_provenance(profile, source),
        gaps=[],
    )  # fmt: skip
    kept = _kept_lines(kind, facts, profile)
    if quarter is None:
        kept = [line.replace("{{quarter}}", f"[to fill: {QUARTER_GAP}]") for line in kept]
    return facts.model_copy(update={"gaps": TO_FILL.findall("\n".join(kept))})


# --------------------------------------------------------------------------- words


def _kept_lines(kind: DraftKind, facts: DraftFacts, profile: Profile) -> list[str]:
    """The template's lines, without the guidance written for another situation."""
    checkpoints = renewal_checkpoints(profile)
    days = facts.days_to_renewal

    def keep(line: str) -> bool:
        if line.startswith("_If the account is red or yellow:"):
            return facts.health.classification in ("red", "yellow")
        if line.startswith("_If the account is green:"):
            return facts.health.classification == "green"
        soon = RENEWAL_GUIDANCE.match(line)
        if soon:
            return days is not None and 0 <= days <= checkpoints[soon.group(1)]
        return True

    return [line for line in raw_text("templates", kind).splitlines() if keep(line)]


def _header(f: DraftFacts) -> str:
    ended = ": renewed, or stale data?" if f.contract_status == "ended" else ""
    return (
        f"**{esc(f.name)}** ({esc(f.customer_id)}) · {f.segment} · {money(f.arr)} ARR · "
        f"scored as of {day(f.as_of)} · {contract_end(f.renewal_date, f.days_to_renewal)}{ended}"
    )


def _readable(word: str) -> str:
    return word.replace("_", " ")


def _health_summary(h: HealthFact) -> str:
    text = (
        f"Health **{score(h.score)}** ({_readable(h.classification)}), trend {_readable(h.trend)}, "
        f"trend priority **{h.trend_priority}**. In this segment green starts at {number(h.green_min)} and "
        f"yellow at {number(h.yellow_min)}."
    )
    if h.previous_score_mismatch and h.previous_score_supplied is not None:
        text += (
            f" Data note: the file's previous overall ({number(h.previous_score_supplied)}) disagrees with "
            f"its own previous dimension scores ({score(h.previous_score)}); the trend uses the dimensions."
        )
    return text


def _previous(score: float | None) -> str:
    return "—" if score is None else number(score)


def _health_table(h: HealthFact, dims: list[DimensionFact]) -> str:
    lines = ["| Dimension | Score | Class | Previous | Trend | Weight |", "|---|---:|---|---:|---|---:|"]
    for d in dims:
        band = f" ({d.band})" if d.band else ""
        lines.append(
            f"| {d.label} | {score(d.score)}{band} | {_readable(d.classification)} | "
            f"{_previous(d.previous_score)} | "
            f"{_readable(d.trend)} | {share(d.weight)} |"
        )
    lines.append(
        f"| **Overall** | **{score(h.score)}** | {_readable(h.classification)} | "
        f"{_previous(h.previous_score)} | {_readable(h.trend)} | |"
    )
    return "\n".join(lines)


def _drivers_text(drivers: list[DriverFact]) -> str:
    if not drivers:
        return f"Every sub-metric scores {number(WEAK_SUBSCORE)} or more against its benchmark."
    lines = []
    for m in drivers:
        value = m.value if isinstance(m.value, str) else _previous(m.value)
        against = "" if m.benchmark is None else f" against a {m.benchmark_kind} of {number(m.benchmark)}"
        missing = "" if m.supplied else " (not supplied: the default was used)"
        lines.append(
            f"- {_readable(m.metric)}: {esc(value)}{against}, sub-score {score(m.subscore)}{missing}"
        )
    return "\n".join(lines)


def _risk(f: DraftFacts) -> str:
    r = f.risk
    escalated = ""
    if r.escalated_by:
        escalated = f" (escalated from {r.tier}: {esc('; '.join(r.escalated_by))})"
    return (
        f"Churn risk **{number(r.score)}** ({r.tier}): raw {number(r.raw_score)} × "
        f"{number(r.urgency_multiplier)} renewal urgency ({renewal(f.days_to_renewal)}). "
        f"Playbook: {r.playbook}, led by {r.owner}{escalated}."
    )


def _warnings(warnings: list[WarningFact]) -> str:
    if not warnings:
        return "No warning signals in this period's data."
    return "\n".join(f"- **{w.severity}**: {w.signal}" for w in warnings)  # the profile's wording


def _recommendations(recs: list[str]) -> str:
    if not recs:
        return "No health recommendation is triggered."
    return "\n".join(f"- {r}" for r in recs)  # the profile's wording


def _adoption_text(s: AdoptionFact) -> str:
    lines = [
        "- Seat utilisation: "
        + (
            "no licensed seats on file"
            if s.seat_utilisation_pct is None
            else f"{number(s.seat_utilisation_pct)}%"
        ),
        f"- Modules adopted: {s.adopted_modules} of {s.total_modules} ({number(s.adoption_rate_pct)}%), "
        f"average use of adopted modules {number(s.avg_usage_pct)}%",
        f"- Plan tier: {esc(s.plan_tier or 'not recorded')}",
        f"- Departments using the product: {s.departments_using}; "
        f"named as potential: {s.departments_potential}",
    ]
    if s.enablement_needed:
        lines.append(f"- Adopted but barely used (enablement first): {esc(', '.join(s.enablement_needed))}")
    return "\n".join(lines)


def _opportunities(e: ExpansionFact) -> str:
    if not e.shown:
        return "The data shows no expansion opportunity."
    lines = ["| Opportunity | Estimated ARR | Effort | Priority |", "|---|---:|---|---:|"]
    lines += [
        f"| {esc(o.rationale)} | {money(o.estimated_revenue)} | {o.effort} | {number(o.priority_score)} |"
        for o in e.shown
    ]
    listed = f"; {e.not_listed} smaller not listed" if e.not_listed > 0 else ""
    lines += [
        "",
        f"Total estimated: {money(e.total_estimated_revenue)} across {e.count} opportunities (estimates can "
        f"overlap, e.g. an upgrade that includes a module{listed}); net of the seat/tier overlap "
        f"{money(e.net_estimated_revenue)}, weighted by likelihood {money(e.weighted_estimated_revenue)}.",
    ]
    return "\n".join(lines)


def _steps_text(p: PlaybookFact) -> str:
    lines = [f"{p.label} ({p.tier} playbook):", "", "| Step | Owner | Due |", "|---|---|---|"]
    lines += [f"| {s.text} | {s.owner} | {day(s.due)} |" for s in p.steps]
    if p.capped_at is not None:
        lines += ["", f"Steps due after the contract end ({day(p.capped_at)}) are brought forward to it."]
    return "\n".join(lines)


def _lifecycle(life: LifecycleFact) -> str:
    started = " (already under way)" if life.renewal_work_started else ""
    return "\n".join([
        f"- Lifecycle phase: {life.phase or 'unknown (no contract dates)'}",
        f"- Renewal work starts: {day(life.renewal_work_starts)}{started}",
        f"- Review cadence for this segment: every {plural(life.review_every_days, 'day')} "
        f"({life.touch_model})",
    ])  # fmt: skip


def _coverage(c: CoverageFact) -> str:
    text = (
        f"Inputs supplied: health {share(c.health)}, churn risk {share(c.churn_risk)}, "
        f"expansion {share(c.expansion)}."
    )
    if c.not_supplied:
        how = "left out of the scores" if c.left_out else "their defaults were scored"
        text += f" Not on file ({how}): {', '.join(c.not_supplied)}."
    return text


def _provenance_text(p: ProvenanceFact, as_of: dt.date) -> str:
    return "\n".join([
        "---",
        "",
        f"_Draft generated by customer-success-mcp from portfolio {esc(p.portfolio)}, {esc(p.snapshot)}, "
        f"scored as of {day(as_of)} with the {esc(p.profile)} profile. "
        f"Health used: {', '.join(p.health_inputs)}. Churn risk used: {', '.join(p.churn_inputs)}. "
        f"Adoption and expansion used: {', '.join(p.expansion_inputs)}. "
        "Lifecycle used: contract_start_date, contract_end_date. Every figure comes from the scoring engine; "
        "fill in each gap marked \"to fill\" before the meeting._",
    ])  # fmt: skip


def _blocks(f: DraftFacts) -> dict[str, str]:
    """Each engine block of the templates, written from the facts the draft carries."""
    blocks = {
        "account_header": _header(f),
        "health_summary": _health_summary(f.health),
        "risk_summary": _risk(f),
        "lifecycle": _lifecycle(f.lifecycle),
        "coverage_note": _coverage(f.coverage),
        "provenance": _provenance_text(f.provenance, f.as_of),
    }
    optional = {
        "health_table": (f.dimensions, lambda: _health_table(f.health, f.dimensions or [])),
        "health_drivers": (f.drivers, lambda: _drivers_text(f.drivers or [])),
        "warning_signals": (f.warnings, lambda: _warnings(f.warnings or [])),
        "recommendations": (f.recommendations, lambda: _recommendations(f.recommendations or [])),
        "adoption": (f.adoption, lambda: _adoption_text(f.adoption) if f.adoption else ""),
        "expansion_opportunities": (f.expansion, lambda: _opportunities(f.expansion) if f.expansion else ""),
        "playbook_steps": (f.playbook, lambda: _steps_text(f.playbook) if f.playbook else ""),
    }
    blocks |= {name: write() for name, (fact, write) in optional.items() if fact is not None}
    return blocks


def render_markdown(facts: DraftFacts, profile: Profile) -> str:
    """The template for `facts.kind` written from the facts; the profile fills only the template's figures."""
    text = fill_blocks("\n".join(_kept_lines(facts.kind, facts, profile)), _blocks(facts))
    inline = profile_figures(profile) | {
        "account_name": esc(facts.name),
        "quarter": esc(facts.quarter) if facts.quarter else f"[to fill: {QUARTER_GAP}]",
    }
    return fill_inline(text, inline).rstrip() + "\n"


def draft_for_account(
    scored: ScoredPortfolio, row: int, kind: DraftKind, source: DraftSource, quarter: str | None = None
) -> Draft:
    """The draft of one account of a scored portfolio: its facts, and the markdown written from them."""
    from customer_success_mcp.pipeline import account_lifecycle, explain_account

    facts = build_facts(kind, explain_account(scored, row), account_lifecycle(scored, row), scored.profile,
                        source, quarter)  # fmt: skip
    return Draft(markdown=render_markdown(facts, scored.profile), facts=facts)
