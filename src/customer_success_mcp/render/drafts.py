"""Deterministic drafts (QBR, EBR, save plan) for two audiences: our templates filled with one account.

Facts, then words. `build_facts` takes every number, date and step a draft shows from the engine's
explanation of the account, its inputs, its lifecycle and the profile, once, for one audience; the
markdown (and the deck or document file) is written from those facts alone. A customer draft is built
from customer facts, which hold no churn risk, warning, playbook step, coaching note or revenue estimate
and none of the dimensions that read our own view of the relationship, so none can reach the customer.
Every draft opens with an executive summary written from the same facts as its sections; what the data
cannot know stays `[to fill: ...]`, and the gaps are listed once more at the end. Names and other free
text are escaped, so data never becomes markup.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from customer_success_mcp.library import (
    BLOCK,
    INLINE_NOTES,
    fill_blocks,
    fill_inline,
    profile_figures,
    raw_text,
    renewal_checkpoints,
)
from customer_success_mcp.render import drafts_customer as cust
from customer_success_mcp.render import drafts_internal as intl
from customer_success_mcp.render.draft_facts import (
    AdoptionFact,
    Audience,
    CheckpointFact,
    ContractFact,
    CoverageFact,
    DimensionFact,
    DraftFacts,
    DraftFormat,
    DraftKind,
    DriverFact,
    ExpansionFact,
    HealthFact,
    LifecycleFact,
    OpportunityFact,
    OutcomesFact,
    PlaybookFact,
    ProvenanceFact,
    RiskFact,
    StepFact,
    WarningFact,
)
from customer_success_mcp.render.draft_summary import (
    at_risk,
    avoid,
    customer_next_steps,
    customer_summary,
    data_notes,
    driver_words,
    internal_summary,
    questions,
)
from customer_success_mcp.render.markdown import escape_markdown as esc
from customer_success_mcp.scoring.lifecycle import Lifecycle
from customer_success_mcp.scoring.models import AccountExplanation, DimensionBreakdown, MetricBreakdown
from customer_success_mcp.scoring.profile import Profile

if TYPE_CHECKING:
    from customer_success_mcp.pipeline import ScoredPortfolio

DRAFT_KINDS: tuple[DraftKind, ...] = ("qbr", "ebr", "save-plan")
AUDIENCES: tuple[Audience, ...] = ("customer", "internal")
TEMPLATES: dict[tuple[DraftKind, Audience], str] = {
    ("qbr", "customer"): "qbr",
    ("qbr", "internal"): "qbr-prep",
    ("ebr", "customer"): "ebr",
    ("ebr", "internal"): "ebr-prep",
    ("save-plan", "internal"): "save-plan",
}
KIND_NAMES: dict[DraftKind, str] = {"qbr": "QBR", "ebr": "EBR", "save-plan": "save plan"}
# Input sections holding our own reading of the relationship (sponsor engagement, contacts, renewal
# sentiment): a dimension or sub-metric that reads one stays out of customer drafts.
INTERNAL_SECTIONS = ("relationship",)
WEAK_SUBSCORE = intl.WEAK_SUBSCORE
MAX_DRIVERS = 5
MAX_PLAYS = 5
MAX_ANSWERS = 3
CHECKPOINT_LABELS = {
    "renewal_lead_days": "renewal work starts",
    "value_review_days": "value review",
    "proposal_days": "proposal",
    "close_days": "close",
}
OUTCOME_FIELDS = {
    "goals_met_pct": "outcomes.goals_met_pct",
    "roi_promised": "outcomes.roi_promised",
    "roi_achieved": "outcomes.roi_achieved",
    "kpi_improvement_pct": "outcomes.kpi_improvement_pct",
    "time_to_value_days": "outcomes.time_to_value_days",
}
# A guidance line for accounts near renewal names its threshold as a profile figure, never a number.
RENEWAL_GUIDANCE = re.compile(r"^_If the renewal is \{\{([a-z_]+)\}\} away or less:")
TO_FILL = re.compile(r"(?<!\\)\[to fill: ([^\]\n]+)\]")
QUARTER_GAP = INLINE_NOTES["quarter"]


# Each file format: its ending, what it is called in messages, and the one draft it is made of.
FILE_FORMATS: dict[DraftFormat, tuple[str, str, tuple[DraftKind, Audience] | None]] = {
    "markdown": (".md", "markdown draft", None),
    "pptx": (".pptx", "slide deck", ("qbr", "customer")),
    "docx": (".docx", "Word document", ("save-plan", "internal")),
}


class DraftError(ValueError):
    """A draft that does not exist (a customer save plan); the message says which one to ask for."""


def template_name(kind: DraftKind, audience: Audience) -> str:
    """The template of a draft kind for an audience; DraftError for a customer save plan."""
    if (kind, audience) not in TEMPLATES:
        raise DraftError(
            f"a {KIND_NAMES[kind]} is internal only (it holds the diagnosis and the commercial options): ask "
            "for the internal audience; for the customer, draft a QBR or an EBR"
        )
    return TEMPLATES[(kind, audience)]


def template_blocks(name: str) -> set[str]:
    """The engine blocks a template shows."""
    return set(BLOCK.findall(raw_text("templates", name)))


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


@dataclass(frozen=True)
class AccountInputs:
    """What the file states about an account beyond its scores: contract, seats, owner, outcomes, names."""

    contract_type: str | None = None
    start_date: dt.date | None = None
    licensed_seats: float | None = None
    active_seats: float | None = None
    owner: str | None = None
    outcomes: OutcomesFact | None = None
    modules_in_use: tuple[str, ...] = ()
    departments_using: tuple[str, ...] = ()


def inputs_of(scored: ScoredPortfolio, row: int) -> AccountInputs:
    """The account's own inputs a draft states, only where the account supplied them."""
    t = scored.table

    def supplied(path: str) -> float | None:
        return t.value(path, row) if path in t.values and t.supplied(path, row) else None

    def label(path: str) -> str | None:
        found = t.labels.get(path)
        return None if found is None or found[row] is None else str(found[row])

    start = supplied("contract_start_date")
    outcomes = {name: supplied(path) for name, path in OUTCOME_FIELDS.items()}
    modules = t.modules.of(row)
    return AccountInputs(
        contract_type=label("commercial_factors.contract_type"),
        start_date=None if start is None else dt.date.fromordinal(int(start)),
        licensed_seats=supplied("contract.licensed_seats"),
        active_seats=supplied("contract.active_seats"),
        owner=label("owner"),
        outcomes=OutcomesFact(**outcomes) if any(v is not None for v in outcomes.values()) else None,
        modules_in_use=tuple(name for name, m in modules.items() if m.get("adopted")),
        departments_using=tuple(t.listed("departments.current", row)),
    )


# --------------------------------------------------------------------------- facts


def _customer_facing(d: DimensionBreakdown) -> bool:
    return not any(m.input_field.split(".")[0] in INTERNAL_SECTIONS for m in d.metrics)


def _benchmark_kind(m: MetricBreakdown) -> str | None:
    return None if m.benchmark is None else "maximum" if m.direction == "lower" else "target"


def _weak(dims: list[DimensionBreakdown]) -> list[MetricBreakdown]:
    scored = [m for d in dims for m in d.metrics if m.subscore is not None]
    return sorted((m for m in scored if (m.subscore or 0.0) < WEAK_SUBSCORE), key=lambda m: m.subscore or 0.0)


def _drivers(dims: list[DimensionBreakdown]) -> list[DriverFact]:
    return [
        DriverFact(metric=m.metric, label=m.label, input_field=m.input_field, value=m.value,
                   benchmark=m.benchmark, benchmark_kind=_benchmark_kind(m),
                   subscore=m.subscore, supplied=m.supplied)
        for m in _weak(dims)[:MAX_DRIVERS]
    ]  # fmt: skip


def _evidence(a: AccountExplanation) -> dict[str, str]:
    """Input field -> what the account shows there: warnings (most severe first), then weak sub-metrics."""
    found: dict[str, str] = {}
    for w in a.churn.warning_signals:
        found.setdefault(w.field, w.signal)
    for m in _weak(a.health.dimensions):
        found.setdefault(m.input_field, driver_words(m.label, m.value, m.benchmark, _benchmark_kind(m)))
    return found


def _steps(a: AccountExplanation, profile: Profile) -> PlaybookFact:
    """The playbook tier's steps in due-date order: due `within_days` after as_of, never after a contract
    end ahead, each with the account's warnings or weak sub-metrics it answers (else its risk tier)."""
    c = a.churn
    plan = profile.interventions[c.playbook_tier]
    end, evidence = c.renewal_date, _evidence(a)
    tier_itself = f"the {c.playbook_tier} risk tier (churn risk {c.risk_score:g})"
    steps = []
    for step in plan.steps:
        due = a.as_of + dt.timedelta(days=step.within_days)
        capped = end is not None and a.as_of <= end < due
        answers = [text for field, text in evidence.items() if field in step.answers][:MAX_ANSWERS]
        steps.append(StepFact(text=step.text, owner=step.owner, due=end if capped and end else due,
                              brought_forward=capped, answers=answers or [tier_itself]))  # fmt: skip
    ordered = [steps[i] for i in intl.due_order([s.due for s in steps])]
    capped_at = end if any(s.brought_forward for s in steps) else None
    return PlaybookFact(tier=c.playbook_tier, label=plan.label, steps=ordered, capped_at=capped_at)


def _plays(a: AccountExplanation) -> ExpansionFact:
    """The plays appropriate now: none on a red account before the renewal is secured."""
    e = a.expansion
    held = a.health.classification == "red"
    shown = [] if held else e.opportunities[:MAX_PLAYS]
    return ExpansionFact(
        shown=[OpportunityFact(rationale=o.rationale, estimated_revenue=o.estimated_revenue, effort=o.effort,
                               priority_score=o.priority_score) for o in shown],
        count=e.opportunity_count, not_listed=e.opportunity_count - len(shown), held_until_renewal=held,
        total_estimated_revenue=e.total_estimated_revenue, net_estimated_revenue=e.net_estimated_revenue,
        weighted_estimated_revenue=e.weighted_estimated_revenue,
    )  # fmt: skip


def _adoption(a: AccountExplanation) -> AdoptionFact:
    s = a.expansion.adoption_summary
    return AdoptionFact(
        seat_utilisation_pct=s.seat_utilisation, adopted_modules=s.adopted_modules,
        total_modules=s.total_modules, adoption_rate_pct=s.adoption_rate, avg_usage_pct=s.avg_usage_pct,
        plan_tier=s.current_tier, departments_using=s.departments_covered,
        departments_potential=s.departments_potential, enablement_needed=list(s.enablement_needed),
    )  # fmt: skip


def _checkpoints(a: AccountExplanation, profile: Profile) -> list[CheckpointFact]:
    """The renewal checkpoints (counted back from the contract end) of a contract still running."""
    end, days = a.churn.renewal_date, a.churn.days_to_renewal
    if end is None or days is None or days < 0:
        return []
    found = []
    for key, before in renewal_checkpoints(profile).items():
        due = end - dt.timedelta(days=before)
        found.append(
            CheckpointFact(label=CHECKPOINT_LABELS[key], due=due, days_from_as_of=(due - a.as_of).days)
        )
    return sorted(found, key=lambda k: k.due)


def _phase_unknown(life: Lifecycle, start: dt.date | None, end: dt.date | None, as_of: dt.date) -> str | None:
    if life.phase is not None:
        return None
    if start is not None and end is not None and start >= end:
        return "the contract dates contradict each other"
    if start is not None and start > as_of:
        return f"the contract starts on {start.isoformat()}"
    return "no contract start date on file" if end is not None else "no contract dates on file"


def _sections(paths: list[str]) -> list[str]:
    return list(dict.fromkeys(p.split(".")[0] for p in paths))


def _provenance(profile: Profile, source: DraftSource, dims: list[DimensionBreakdown]) -> ProvenanceFact:
    """The input sections each part of the draft read; health: those of the dimensions it shows."""
    from customer_success_mcp.scoring.churn import RENEWAL_FIELD
    from customer_success_mcp.scoring.expansion import COVERAGE_FIELDS

    shown = {d.dimension for d in dims}
    health = [m.input_field for d in dims for m in d.metrics] + [
        d.previous_field for d in profile.health.dimensions if d.name in shown
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
    audience: Audience = "customer",
    inputs: AccountInputs | None = None,
) -> DraftFacts:
    """Every fact the draft of `kind` shows to `audience`, from the engine; what it does not show is None."""
    blocks = template_blocks(template_name(kind, audience))
    customer, meeting = audience == "customer", kind != "save-plan"
    inputs = inputs or AccountInputs()
    h, c = a.health, a.churn
    dims = [d for d in h.dimensions if not customer or _customer_facing(d)]
    lead = profile.lifecycle.renewal_lead_days
    facts = DraftFacts(
        kind=kind, audience=audience, customer_id=a.customer_id, name=a.name, segment=a.segment, arr=a.arr,
        as_of=a.as_of, quarter=quarter, renewal_date=c.renewal_date, days_to_renewal=c.days_to_renewal,
        contract_status=c.contract_status, summary=[],
        contract=ContractFact(contract_type=inputs.contract_type, start_date=inputs.start_date,
                              end_date=c.renewal_date, days_left=c.days_to_renewal, arr_at_stake=a.arr,
                              licensed_seats=inputs.licensed_seats, active_seats=inputs.active_seats,
                              owner=inputs.owner),
        health=HealthFact(score=h.score, previous_score=h.previous_score,
                          previous_score_supplied=h.previous_score_supplied,
                          previous_score_mismatch=h.previous_score_mismatch, classification=h.classification,
                          trend=h.trend, trend_priority=None if customer else h.trend_priority,
                          green_min=h.green_min,
                          yellow_min=h.yellow_min),
        dimensions=[
            DimensionFact(name=d.dimension, label=d.label, score=d.score, band=d.band,
                          classification=d.classification, previous_score=d.previous_score, trend=d.trend,
                          weight=d.weight)
            for d in dims
        ] if blocks & {"health_table", "health_by_area"} else None,
        risk=None if customer else RiskFact(
            score=c.risk_score, raw_score=c.raw_score, tier=c.risk_tier, playbook_tier=c.playbook_tier,
            escalated_by=list(c.escalated_by), urgency_multiplier=c.urgency_multiplier,
            playbook=c.intervention, owner=c.owner, respond_within_days=c.respond_within_days),
        warnings=[WarningFact(severity=w.severity, signal=w.signal) for w in c.warning_signals]
        if "warning_signals" in blocks else None,
        drivers=_drivers(dims) if blocks & {"health_drivers", "focus_areas"} else None,
        recommendations=list(h.recommendations) if "recommendations" in blocks else None,
        adoption=_adoption(a) if meeting else None,
        modules_in_use=list(inputs.modules_in_use) if "customer_adoption" in blocks else None,
        departments_using=list(inputs.departments_using) if "customer_adoption" in blocks else None,
        outcomes=inputs.outcomes if meeting else None,
        expansion=_plays(a) if "plays_now" in blocks else None,
        playbook=_steps(a, profile) if "playbook_steps" in blocks else None,
        checkpoints=_checkpoints(a, profile) if "renewal" in blocks else None,
        next_steps=None, questions=None, avoid=None, talking_points=None, data_notes=None,
        lifecycle=LifecycleFact(phase=life.phase,
                                phase_unknown_because=_phase_unknown(life, inputs.start_date, c.renewal_date,
                                                                     a.as_of),
                                renewal_work_starts=life.renewal_work_starts,
                                renewal_work_started=life.renewal_work_starts is not None
                                and life.renewal_work_starts <= a.as_of,
                                review_every_days=life.review_every_days, touch_model=life.touch_model),
        coverage=CoverageFact(
            health=h.coverage, churn_risk=None if customer else c.coverage,
            expansion=None if customer else a.expansion.coverage,
            not_supplied=[m.label for d in dims for m in d.metrics if not m.supplied]
            + ([] if customer else [s.label for cat in c.categories for s in cat.signals if not s.supplied]),
            left_out=profile.health.missing_inputs == "omit",
        ),
        provenance=_provenance(profile, source, dims),
        gaps=[],
    )  # fmt: skip
    notes = data_notes(facts.health, facts.contract, a.as_of, h.coverage, profile.targets.low_coverage_below)
    facts = facts.model_copy(update={"data_notes": notes if "data_notes" in blocks else None})
    lists: dict[str, Callable[[], list[str]]] = {
        "next_steps": lambda: customer_next_steps(facts, lead),
        "questions": lambda: questions(facts, lead),
        "avoid": lambda: avoid(facts, lead),
        "talking_points": lambda: (
            build_facts(kind, a, life, profile, source, quarter, "customer", inputs).summary
        ),
    }
    facts = facts.model_copy(update={name: make() for name, make in lists.items() if name in blocks})
    summary = customer_summary(facts, lead) if customer else internal_summary(facts)
    facts = facts.model_copy(update={"summary": summary})
    return facts.model_copy(update={"gaps": TO_FILL.findall(_body(facts, profile, []))})


# --------------------------------------------------------------------------- words


def _kept_lines(facts: DraftFacts, profile: Profile) -> list[str]:
    """The template's lines, without the guidance written for another situation."""
    checkpoints = renewal_checkpoints(profile)
    days = facts.days_to_renewal

    def keep(line: str) -> bool:
        if line.startswith("_If the account is red or yellow:"):
            return facts.health.classification in ("red", "yellow")
        if line.startswith("_If the account is green:"):  # not when the churn risk says otherwise
            return facts.health.classification == "green" and not at_risk(facts)
        soon = RENEWAL_GUIDANCE.match(line)
        if soon:
            return days is not None and 0 <= days <= checkpoints[soon.group(1)]
        return True

    name = template_name(facts.kind, facts.audience)
    return [line for line in raw_text("templates", name).splitlines() if keep(line)]


def _gap_list(gaps: list[str], customer: bool) -> str:
    lines = ["---", ""]
    if not gaps:
        return "\n".join([*lines, "**Gaps to fill**: none."])
    who = "for the CSM: remove this list before sending" if customer else "for the CSM"
    lines += [f'**Gaps to fill** ({len(gaps)}, each marked "to fill" above; {who}):', ""]
    return "\n".join(lines + [f"{i}. {gap}" for i, gap in enumerate(gaps, 1)])


def _provenance_text(f: DraftFacts) -> str:
    p = f.provenance
    used = [f"Health used: {', '.join(p.health_inputs)}."]
    if f.audience == "internal":
        used += [
            f"Churn risk used: {', '.join(p.churn_inputs)}.",
            f"Adoption and expansion used: {', '.join(p.expansion_inputs)}.",
            "Lifecycle used: contract_start_date, contract_end_date.",
        ]
    else:
        used.append(f"Adoption used: {', '.join(p.expansion_inputs)}.")
        if f.outcomes is not None:
            used.append("Outcomes as on file: outcomes.")
    before = (
        {"customer": "sending", "internal": "the meeting"}[f.audience]
        if f.kind != "save-plan"
        else ("the plan is agreed")
    )
    return "\n".join([
        "---",
        "",
        f"_Draft generated by customer-success-mcp from portfolio {esc(p.portfolio)}, {esc(p.snapshot)}, "
        f"scored as of {f.as_of.isoformat()} with the {esc(p.profile)} profile. {' '.join(used)} Every "
        "figure comes from the scoring engine or the file; fill in each gap marked \"to fill\" before "
        f"{before}._",
    ])  # fmt: skip


def _blocks(f: DraftFacts, gaps: list[str]) -> dict[str, Callable[[], str]]:
    """Each engine block of the templates, written from the facts the draft carries."""
    customer = f.audience == "customer"
    return {
        "account_header": lambda: intl.account_header(f),
        "customer_header": lambda: cust.customer_header(f),
        "executive_summary": lambda: esc(" ".join(f.summary)),
        "data_notes": lambda: intl.data_notes_text(f.data_notes or []),
        "health_summary": lambda: intl.health_summary(f.health),
        "health_table": lambda: intl.health_table(f.health, f.dimensions or []),
        "health_by_area": lambda: cust.health_by_area(f.dimensions or []),
        "risk_summary": lambda: intl.risk_summary(f),
        "warning_signals": lambda: intl.warnings_text(f.warnings or []),
        "health_drivers": lambda: intl.drivers_text(f.drivers or []),
        "focus_areas": lambda: cust.focus_areas(f.drivers or []),
        "recommendations": lambda: intl.recommendations_text(f.recommendations or []),
        "customer_adoption": lambda: cust.customer_adoption(f),
        "customer_outcomes": lambda: cust.customer_outcomes(f.outcomes),
        "customer_contract": lambda: cust.customer_contract(f),
        "next_steps": lambda: cust.next_steps(f.next_steps or []),
        "questions": lambda: intl.bullets(f.questions or []),
        "avoid": lambda: intl.bullets(f.avoid or []),
        "talking_points": lambda: intl.bullets(f.talking_points or []),
        "plays_now": lambda: (
            intl.plays_text(f.expansion, f.health.classification != "green" or at_risk(f))
            if f.expansion
            else ""
        ),
        "playbook_steps": lambda: intl.steps_text(f.playbook) if f.playbook else "",
        "renewal": lambda: intl.renewal_text(f),
        "coverage_note": lambda: intl.coverage_text(f.coverage),
        "customer_appendix": lambda: cust.customer_appendix(f, f.coverage),
        "gap_list": lambda: _gap_list(gaps, customer),
        "provenance": lambda: _provenance_text(f),
    }


def _our_attendees(f: DraftFacts) -> str:
    if f.contract.owner:
        return (
            f"{esc(f.contract.owner)} (account owner on file), with "
            "[to fill: the account executive and any specialist joining, with their roles]"
        )
    return f"[to fill: {INLINE_NOTES['our_attendees']}]"


def _body(facts: DraftFacts, profile: Profile, gaps: list[str]) -> str:
    lines = _kept_lines(facts, profile)
    writers = _blocks(facts, gaps)
    used = {name for line in lines for name in BLOCK.findall(line)}
    text = fill_blocks("\n".join(lines), {name: writers[name]() for name in used})
    inline = profile_figures(profile) | {
        "account_name": esc(facts.name),
        "quarter": esc(facts.quarter) if facts.quarter else f"[to fill: {QUARTER_GAP}]",
        "our_attendees": _our_attendees(facts),
    }
    return re.sub(r"\n{3,}", "\n\n", fill_inline(text, inline)).rstrip() + "\n"


def render_markdown(facts: DraftFacts, profile: Profile) -> str:
    """The template of the facts' kind and audience, written from the facts; the profile fills only the
    template's own figures."""
    return _body(facts, profile, facts.gaps)


def draft_file(draft: Draft, fmt: DraftFormat) -> bytes:
    """The draft as the bytes of a file: markdown, the customer QBR deck (.pptx) or the save plan (.docx)."""
    _, what, made_of = FILE_FORMATS[fmt]
    f = draft.facts
    if made_of is not None and (f.kind, f.audience) != made_of:
        kind, audience = made_of
        raise DraftError(
            f"a {what} (.{fmt}) is made of the {audience} {KIND_NAMES[kind]} only, not the {f.audience} "
            f"{KIND_NAMES[f.kind]}: ask for the {audience} {KIND_NAMES[kind]}, or for markdown"
        )
    if fmt == "pptx":
        from customer_success_mcp.render.deck import qbr_deck

        return qbr_deck(f, draft.markdown)
    if fmt == "docx":
        from customer_success_mcp.render.docx_plan import save_plan_document

        return save_plan_document(f, draft.markdown)
    return draft.markdown.encode("utf-8")


def draft_for_account(
    scored: ScoredPortfolio,
    row: int,
    kind: DraftKind,
    source: DraftSource,
    quarter: str | None = None,
    audience: Audience = "customer",
) -> Draft:
    """The draft of one account of a scored portfolio for one audience: its facts, and the markdown."""
    from customer_success_mcp.pipeline import account_lifecycle, explain_account

    facts = build_facts(kind, explain_account(scored, row), account_lifecycle(scored, row), scored.profile,
                        source, quarter, audience, inputs_of(scored, row))  # fmt: skip
    return Draft(markdown=render_markdown(facts, scored.profile), facts=facts)
