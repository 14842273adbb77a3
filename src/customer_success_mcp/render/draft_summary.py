"""The sentences a draft opens with, and the lists it builds from its facts: all from `DraftFacts` alone.

The executive summary is three to five sentences written from the same facts as the sections below it
(the dimension scores and their previous values, adoption, outcomes, risk, the playbook), so it cannot
say anything a section contradicts. The customer summary reads only customer facts. Data notes name
inputs that contradict each other; they appear in internal drafts only. Plain text here: the markdown
writers escape what comes from the data.
"""

from __future__ import annotations

import datetime as dt

from customer_success_mcp.formatting import (
    contract_end,
    day,
    days_to_end,
    money,
    number,
    plural,
    score,
    share,
)
from customer_success_mcp.render.draft_facts import (
    ContractFact,
    DataNote,
    DimensionFact,
    DraftFacts,
    HealthFact,
    OutcomesFact,
)
from customer_success_mcp.scoring.vocabulary import AT_RISK_TIERS, ENDED_QUESTION

# How each trend reads in a sentence about one dimension, and which way the figure moved.
MOVED = {"declining": "fell", "improving": "rose", "stable": "held steady", "no_data": "stands"}
TREND_WORD = {"declining": "declined", "improving": "improved", "stable": "held steady"}
SAVE_PLAN_ASKS = {
    "red": "The ask: secure the renewal before anything else: name the save owner, agree the first "
    "milestones with the customer and propose no growth until the renewal is signed.",
    "yellow": "The ask: name the save owner and agree a recovery plan with dated milestones on both sides "
    "before any growth conversation.",
    "green": "The ask: health is green, so confirm the churn risk above with the main contact before "
    "committing a save team.",
}


def join_words(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def readable(word: str) -> str:
    return word.replace("_", " ")


def lower_first(text: str) -> str:
    """'Usage' -> 'usage' for the middle of a sentence; 'NPS' and 'DAU/MAU' stay as they are."""
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


# --------------------------------------------------------------------------- dimensions in words


def dimension_clauses(dims: list[DimensionFact]) -> list[str]:
    """'usage fell from 50 to 27.7', 'support held steady at 81', ... in the dimensions' order.

    Each clause states the same score, previous score and trend the health table shows."""
    clauses = []
    for d in dims:
        if d.score is None:
            continue
        label = lower_first(d.label)
        if d.previous_score is None or d.trend == "no_data":
            clauses.append(f"{label} stands at {score(d.score)}")
        elif d.trend == "stable":
            clauses.append(f"{label} held steady at {score(d.score)} ({number(d.previous_score)} before)")
        else:
            clauses.append(f"{label} {MOVED[d.trend]} from {number(d.previous_score)} to {score(d.score)}")
    return clauses


def movement(dims: list[DimensionFact]) -> str:
    """'usage, engagement and support declined; relationship held steady' from the dimensions' trends."""
    groups: dict[str, list[str]] = {}
    for d in dims:
        if d.score is not None and d.trend in TREND_WORD:
            groups.setdefault(d.trend, []).append(lower_first(d.label))
    parts = [f"{join_words(names)} {TREND_WORD[trend]}" for trend, names in groups.items()]
    return "; ".join(parts)


def _overall(name: str, h: HealthFact) -> str:
    if h.score is None:
        return f"{name} has too little health data for a reading"
    text = f"{name} is {readable(h.classification)} at {score(h.score)} overall health"
    if h.previous_score is None:
        return text + ", with no earlier period to compare"
    if h.trend == "stable":
        return text + f", steady against {number(h.previous_score)} last period"
    way = "down" if h.trend == "declining" else "up"
    return text + f", {way} from {number(h.previous_score)} last period"


def _renewal_phrase(f: DraftFacts) -> str:
    days = f.days_to_renewal
    if f.renewal_date is None or days is None:
        return "no contract end date on file"
    if days < 0:
        return f"a contract that ended on {day(f.renewal_date)} ({plural(-days, 'day')} ago)"
    return f"the renewal on {day(f.renewal_date)} ({days_to_end(days)})"


# --------------------------------------------------------------------------- the internal summary


def internal_summary(f: DraftFacts) -> list[str]:
    """Health and its direction by dimension, risk and renewal, what matters most, data notes, the ask."""
    first = _overall(f.name, f.health)
    moved = movement(f.dimensions or [])
    sentences = [first + (f": {moved}." if moved else ".")]
    if f.risk is not None:
        r = f.risk
        escalated = f", escalated to the {r.playbook_tier} playbook" if r.escalated_by else ""
        sentences.append(
            f"Churn risk is {number(r.score)} ({r.tier}{escalated}), with {_renewal_phrase(f)} and "
            f"{money(f.arr)} ARR at stake."
        )
    most = _what_matters(f)
    if most:
        sentences.append(f"What matters most: {most}.")
    if f.data_notes:
        sentences.append(
            f"Check the data first: {plural(len(f.data_notes), 'input')} "
            f"{'contradicts' if len(f.data_notes) == 1 else 'contradict'} another or "
            f"{'is' if len(f.data_notes) == 1 else 'are'} too thin to trust (see below)."
        )
    sentences.append(_internal_ask(f))
    return sentences[:5]


def _what_matters(f: DraftFacts) -> str:
    if f.warnings:
        return join_words([lower_first(w.signal) for w in f.warnings[:2]])
    if f.drivers:
        return join_words(
            [driver_words(d.label, d.value, d.benchmark, d.benchmark_kind) for d in f.drivers[:2]]
        )
    return ""


def at_risk(f: DraftFacts) -> bool:
    """The playbook tier counts towards ARR at risk (critical or high)."""
    return f.risk is not None and f.risk.playbook_tier in AT_RISK_TIERS


def driver_words(label: str, value: float | str | None, benchmark: float | None, kind: str | None) -> str:
    """'login frequency 25 against a target of 80'."""
    shown = value if isinstance(value, str) else ("no data" if value is None else number(value))
    against = "" if benchmark is None else f" against a {kind} of {number(benchmark)}"
    return f"{label} {shown}{against}"


def _internal_ask(f: DraftFacts) -> str:
    cls = f.health.classification
    if f.kind == "save-plan":
        return SAVE_PLAN_ASKS.get(cls, SAVE_PLAN_ASKS["green"])
    if cls == "red":
        return (
            "The ask: secure the renewal before anything else; agree the first two recovery commitments "
            "in the meeting and propose no growth until the renewal is signed."
        )
    if cls == "yellow":
        return (
            "The ask: agree a recovery plan with owners and dates on both sides before any growth "
            "conversation."
        )
    if at_risk(f) and f.risk is not None:
        r = f.risk
        why = f"the churn risk is {r.tier}"
        if r.escalated_by:
            why = f"a warning ({r.escalated_by[0]}) puts it on the {r.playbook_tier} playbook"
        return (
            f"The ask: health reads {readable(cls)} but {why}: agree with the customer how the warnings "
            "above will be settled, with owners and dates, before any growth conversation."
        )
    if f.expansion is not None and f.expansion.shown:
        top = f.expansion.shown[0]
        return (
            f"The ask: agree the next step toward the customer's priorities, with one play in mind: "
            f"{top.rationale}."
        )
    return "The ask: confirm the customer's priorities for next quarter and how they will measure them."


# --------------------------------------------------------------------------- the customer summary


def customer_summary(f: DraftFacts, renewal_lead_days: int) -> list[str]:
    """What a customer can read: the period, health by area, adoption, outcomes, the ask (3-5 sentences)."""
    period = f"covers {f.quarter} for {f.name}" if f.quarter else f"looks at how {f.name} uses the product"
    sentences = [f"This review {period}, with figures as of {day(f.as_of)}."]
    clauses = dimension_clauses(f.dimensions or [])
    if clauses:
        sentences.append(f"By area, {join_words(clauses)}.")
    adoption = adoption_sentence(f)
    if adoption:
        sentences.append(adoption)
    outcomes = outcomes_sentence(f.outcomes)
    if outcomes:
        sentences.append(outcomes)
    if len(sentences) == 1:
        sentences.append(
            "The figures on file are too few for a reading by area; we will go through them together."
        )
    sentences.append(_customer_ask(f, renewal_lead_days))
    return sentences


def seats_in_use(c: ContractFact) -> str | None:
    """'20 of 39 licensed seats are active', or None when the seat counts cannot support it."""
    if not c.licensed_seats or c.active_seats is None:
        return None
    return f"{number(c.active_seats)} of {number(c.licensed_seats)} licensed seats are active"


def adoption_sentence(f: DraftFacts) -> str:
    parts = []
    seats = seats_in_use(f.contract)
    if seats:
        parts.append(seats)
    if f.adoption is not None and f.adoption.total_modules:
        a = f.adoption
        parts.append(f"{a.adopted_modules} of {a.total_modules} modules are in use")
    return f"Adoption: {join_words(parts)}." if parts else ""


def outcomes_sentence(o: OutcomesFact | None) -> str:
    if o is None:
        return ""
    parts = []
    if o.goals_met_pct is not None:
        parts.append(f"{number(o.goals_met_pct)}% of the goals set are met")
    if o.roi_achieved is not None and o.roi_promised is not None:
        parts.append(
            f"the return on investment stands at {number(o.roi_achieved)}x against the "
            f"{number(o.roi_promised)}x expected"
        )
    elif o.roi_achieved is not None:
        parts.append(f"the return on investment stands at {number(o.roi_achieved)}x")
    if not parts:
        return ""
    return f"On outcomes, {join_words(parts)}."


def renewing_soon(f: DraftFacts, lead_days: int) -> bool:
    return f.days_to_renewal is not None and 0 <= f.days_to_renewal <= lead_days


def _customer_ask(f: DraftFacts, renewal_lead_days: int) -> str:
    ahead = ""
    if f.renewal_date is not None and renewing_soon(f, renewal_lead_days):
        ahead = f", ahead of the contract renewal on {day(f.renewal_date)}"
    if f.health.classification in ("red", "yellow"):
        return f"We propose to agree a short plan together today, with owners and dates on both sides{ahead}."
    return f"We propose to agree your priorities for next quarter and the next step toward each{ahead}."


# --------------------------------------------------------------------------- lists from the facts


def customer_next_steps(f: DraftFacts, renewal_lead_days: int) -> list[str]:
    steps = []
    if f.adoption is not None and f.adoption.enablement_needed:
        modules = join_words([readable(m) for m in f.adoption.enablement_needed])
        steps.append(
            f"Hands-on sessions on {modules}, in use but lightly used so far, for the teams that use them"
        )
    if renewing_soon(f, renewal_lead_days) and f.renewal_date is not None:
        steps.append(
            f"Your contract renews on {day(f.renewal_date)}: agree who takes part in the renewal decision "
            "and what they need to see before then"
        )
    steps.append("Agree the priorities for next quarter and how we will measure each one together")
    return steps


def questions(f: DraftFacts, renewal_lead_days: int) -> list[str]:
    """What to ask in the meeting: the warnings (or the weakest measures), adoption, outcomes, renewal."""
    asks = [f"{w.signal}: ask what changed, for whom and since when." for w in (f.warnings or [])[:3]]
    if not asks:
        asks = [
            upper_first(driver_words(d.label, d.value, d.benchmark, d.benchmark_kind))
            + ": ask what holds it back."
            for d in (f.drivers or [])[:2]
        ]
    if f.adoption is not None and f.adoption.enablement_needed:
        modules = join_words([readable(m) for m in f.adoption.enablement_needed])
        asks.append(f"Which workflow in {modules} would matter most if it were used every day?")
    if f.outcomes is not None and f.outcomes.goals_met_pct is not None:
        asks.append(
            f"Goals met stand at {number(f.outcomes.goals_met_pct)}%: which open goals matter most now, and "
            "what stands in the way?"
        )
    if renewing_soon(f, renewal_lead_days) and f.renewal_date is not None:
        asks.append(
            f"Who decides on the renewal on {day(f.renewal_date)}, and what do they need to see first?"
        )
    asks.append("What would make next quarter a success for them, in their own measures?")
    return asks


def avoid(f: DraftFacts, renewal_lead_days: int) -> list[str]:
    cls = f.health.classification
    items = [
        "Showing the customer this brief: the churn risk, its tier, the warning signals, our playbook and "
        "the revenue estimates stay internal (the customer version leaves them out)."
    ]
    if cls == "red":
        items.append("Proposing growth before the renewal is secured: every play waits (see below).")
    elif cls == "yellow" or at_risk(f):
        items.append("A growth proposal that does not fix a problem the customer raises.")
    if f.adoption is not None and f.adoption.enablement_needed:
        modules = join_words([readable(m) for m in f.adoption.enablement_needed])
        items.append(
            f"Pitching modules they have not adopted while {modules} are barely used: enablement first."
        )
    if (cls in ("red", "yellow") or at_risk(f)) and renewing_soon(f, renewal_lead_days):
        items.append(
            "Opening with a discount: settle the commercial options internally first, and offer a concession "
            "only in return for a commitment."
        )
    if f.data_notes:
        items.append("Quoting a figure the data notes above call into question.")
    return items


# --------------------------------------------------------------------------- inputs that disagree


def data_notes(
    h: HealthFact, c: ContractFact, as_of: dt.date, health_coverage: float, low_coverage_below: float
) -> list[DataNote]:
    """Inputs that contradict each other, or too few to trust, said plainly (internal drafts only)."""
    notes = []
    if h.previous_score_mismatch and h.previous_score_supplied is not None:
        notes.append(DataNote(code="previous_score_mismatch", text=(
            f"The file's previous overall health ({number(h.previous_score_supplied)}) disagrees with its "
            f"own previous dimension scores, which give {score(h.previous_score)}: the trend reads the "
            "dimensions. Check the export before quoting last period's overall."
        )))  # fmt: skip
    if c.licensed_seats == 0:
        active = f" while {number(c.active_seats)} seats are active" if c.active_seats else ""
        notes.append(DataNote(code="seats_licensed_zero", text=(
            f"Seats licensed is 0 on file{active}: no seat utilisation can be stated. Check the contract "
            "record."
        )))  # fmt: skip
    start, end = c.start_date, c.end_date
    if start is not None and end is not None and start >= end:
        notes.append(DataNote(code="start_after_end", text=(
            f"The contract starts on {day(start)}, on or after its end date {day(end)}: check the contract "
            "dates."
        )))  # fmt: skip
    elif start is not None and start > as_of:
        notes.append(DataNote(code="not_started", text=(
            f"The contract starts on {day(start)}, after the scoring date {day(as_of)}: it has no lifecycle "
            "phase yet."
        )))  # fmt: skip
    if c.days_left is not None and c.days_left < 0:
        notes.append(DataNote(code="contract_ended", text=(
            f"The contract {contract_end(end, c.days_left)}: {ENDED_QUESTION} Check before the "
            "meeting."
        )))  # fmt: skip
    elif start is None and end is not None:
        notes.append(DataNote(code="no_start_date", text=(
            "No contract start date on file: the lifecycle phase is unknown outside the renewal window."
        )))  # fmt: skip
    if health_coverage < low_coverage_below:
        notes.append(DataNote(code="low_coverage", text=(
            f"Only {share(health_coverage)} of the health inputs are on file: read the scores with care."
        )))  # fmt: skip
    return notes
