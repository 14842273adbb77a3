"""The blocks of the customer drafts (QBR and EBR), written from customer facts only.

A customer draft speaks of adoption, health by area, outcomes, goals and next steps in the customer's
terms. Its facts hold no churn risk, warning signal, playbook step, coaching note or revenue estimate,
and none of the dimensions built from our own reading of the relationship, so nothing here can print
one. Free text from the data is escaped.
"""

from __future__ import annotations

from customer_success_mcp.formatting import day, number, score, share
from customer_success_mcp.render.draft_facts import (
    ContractFact,
    CoverageFact,
    DimensionFact,
    DraftFacts,
    DriverFact,
    OutcomesFact,
)
from customer_success_mcp.render.draft_summary import join_words, readable, upper_first
from customer_success_mcp.render.markdown import escape_markdown as esc

OUTCOMES_GAP = "[to fill: results against the goals in the customer's own measures, from their project lead]"
CONTRACT_GAP = "[to fill: the current contract term, confirmed with the account executive]"
# How an area's health class reads to the customer: their own figures against the benchmarks, in words.
AREA_STATUS = {
    "green": "on track",
    "yellow": "needs attention",
    "red": "needs action",
    "insufficient_data": "too little data",
}


def area_status(classification: str) -> str:
    return AREA_STATUS.get(classification, readable(classification))


def customer_header(f: DraftFacts) -> str:
    return f"**{esc(f.name)}** · figures as of {day(f.as_of)}"


def _previous(value: float | None) -> str:
    return "—" if value is None else number(value)


def health_by_area(dims: list[DimensionFact]) -> str:
    if not dims:
        return "No area has figures on file yet."
    lines = ["| Area | Score | Last period | Direction | Status |", "|---|---:|---:|---|---|"]
    lines += [
        f"| {d.label} | {score(d.score)} | {_previous(d.previous_score)} | {readable(d.trend)} | "
        f"{area_status(d.classification)} |"
        for d in dims
    ]
    return "\n".join(lines)


def _seats(c: ContractFact, utilisation: float | None) -> str | None:
    if not c.licensed_seats or c.active_seats is None:
        return None
    share_of = "" if utilisation is None else f" ({number(utilisation)}%)"
    return f"- Seats in use: {number(c.active_seats)} of {number(c.licensed_seats)} licensed{share_of}"


def customer_adoption(f: DraftFacts) -> str:
    lines = []
    a = f.adoption
    seats = _seats(f.contract, a.seat_utilisation_pct if a is not None else None)
    if seats:
        lines.append(seats)
    if a is not None and a.total_modules:
        named = (
            f": {esc(join_words([readable(m) for m in f.modules_in_use or []]))}" if f.modules_in_use else ""
        )
        lines.append(f"- Modules in use: {a.adopted_modules} of {a.total_modules}{named}")
        if a.adopted_modules:
            lines.append(f"- Average use of those modules: {number(a.avg_usage_pct)}%")
        if a.enablement_needed:
            lines.append(
                f"- Lightly used so far: {esc(join_words([readable(m) for m in a.enablement_needed]))}"
            )
    if f.departments_using:
        lines.append(f"- Teams using the product: {esc(join_words(f.departments_using))}")
    if a is not None and a.plan_tier:
        lines.append(f"- Plan: {esc(readable(a.plan_tier))}")
    return "\n".join(lines) if lines else "- Adoption figures: none on file for this account."


def focus_areas(drivers: list[DriverFact]) -> str:
    if not drivers:
        return "Every measure on file is at or close to its benchmark."
    lines = []
    for d in drivers:
        value = d.value if isinstance(d.value, str) else _previous(d.value)
        against = ""
        if d.benchmark is not None:  # a target scores 100 when reached; a ceiling scores 0 when reached
            bench = number(d.benchmark)
            against = (
                f", against a target of {bench}"
                if d.benchmark_kind == "target"
                else (f", where lower is better (benchmark ceiling {bench})")
            )
        lines.append(f"- {upper_first(d.label)}: {esc(value)}{against}")
    return "\n".join(lines)


def customer_outcomes(o: OutcomesFact | None) -> str:
    if o is None:
        return f"- Outcome figures: {OUTCOMES_GAP}"
    lines = []
    if o.goals_met_pct is not None:
        lines.append(f"- Goals met: {number(o.goals_met_pct)}%")
    if o.roi_achieved is not None:
        expected = (
            f", against {number(o.roi_promised)}x expected at purchase" if o.roi_promised is not None else ""
        )
        lines.append(f"- Return on investment: {number(o.roi_achieved)}x{expected}")
    if o.kpi_improvement_pct is not None:
        lines.append(f"- Change in your key measure: {number(o.kpi_improvement_pct)}%")
    if o.time_to_value_days is not None:
        lines.append(f"- Time to first value: {number(o.time_to_value_days)} days")
    return "\n".join(lines) if lines else f"- Outcome figures: {OUTCOMES_GAP}"


def customer_contract(f: DraftFacts) -> str:
    c = f.contract
    if c.end_date is None or c.days_left is None or c.days_left < 0:
        return f"- Current term: {CONTRACT_GAP}"
    kind = f"{esc(c.contract_type)} " if c.contract_type else ""
    start = f" from {day(c.start_date)}" if c.start_date is not None and c.start_date < c.end_date else ""
    return f"- Your {kind}contract runs{start} to {day(c.end_date)}."


def next_steps(steps: list[str]) -> str:
    return "\n".join(f"- {esc(s)}" for s in steps)


def customer_appendix(f: DraftFacts, c: CoverageFact) -> str:
    lines = [f"- Figures as of {day(f.as_of)}, from your product usage, surveys and support records."]
    lines.append(f"- Share of the health inputs on file: {share(c.health)}.")
    if c.not_supplied:
        how = "left out of the scores" if c.left_out else "a standard value was used"
        lines.append(f"- Not on file ({how}): {', '.join(c.not_supplied)}.")
    return "\n".join(lines)
