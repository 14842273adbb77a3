"""Our playbooks, templates and references: markdown shipped with the package, filled from the profile.

Texts live in `content/` as markdown and state no figure the profile owns. A line holding only
`{{block}}` is an engine block: a list or table written from the profile (tier steps, warning levels,
segment and lifecycle tables) or, in templates, an account's scores when a draft is made. An inline
`{{name}}` is one profile figure (`profile_figures`), or in a template a fact of the account. Reading
a template as a resource shows each account block as a note and each account fact as `[to fill: ...]`.
"""

from __future__ import annotations

import re
from importlib import resources
from typing import Literal

from customer_success_mcp.formatting import money_short, number, plural, share
from customer_success_mcp.scoring.profile import DAYS_PER_YEAR, SEVERITY_ORDER, Profile

Kind = Literal["playbooks", "templates", "references"]
BLOCK = re.compile(r"^\{\{([a-z_]+)\}\}$", re.M)
INLINE = re.compile(r"\{\{([a-z_]+)\}\}")
GENERATED_REFERENCES = {
    "health-scoring": "The scoring model: every weight, threshold and benchmark of the profile"
}
TIER_PLAYBOOKS = ("critical", "high", "medium", "low")

# What each engine block holds, as shown in a blank template.
BLOCK_NOTES = {
    "account_header": "account name, id, segment, ARR, scoring date, renewal date and days left",
    "health_summary": "overall health score, class, trend and trend priority",
    "health_table": "health by dimension against the previous period",
    "health_drivers": "the weakest sub-metrics against their benchmarks",
    "risk_summary": "churn risk score, tier and renewal urgency",
    "warning_signals": "warning signals by severity",
    "recommendations": "the health recommendations",
    "adoption": "seat utilisation, module adoption, enablement needs, tier and departments",
    "playbook_steps": "the risk tier's playbook steps in date order, with owners, due dates and the signals "
    "each answers",
    "lifecycle": "lifecycle phase, contract dates, renewal work start and review cadence",
    "coverage_note": "which inputs the account did not supply",
    "provenance": "portfolio, snapshot, scoring date and the input fields each section used",
    "customer_header": "account name and the date of the figures",
    "executive_summary": "three to five sentences from the figures below: health and its direction by area, "
    "what matters most, the ask",
    "data_notes": "inputs that contradict each other (previous overall, seats, contract dates), said plainly",
    "health_by_area": "health by area against the previous period, without the internal readings",
    "customer_adoption": "seats in use, modules in use, teams using the product, plan",
    "focus_areas": "the measures furthest below their benchmarks",
    "customer_outcomes": "goals met, return on investment, KPI improvement and time to value, as on file",
    "customer_contract": "contract type and term",
    "next_steps": "the next steps the figures support",
    "questions": "what to ask, from the warnings, adoption, outcomes and renewal",
    "avoid": "what to avoid in the meeting",
    "plays_now": "expansion plays appropriate now (none on a red account before the renewal is secured)",
    "talking_points": "the customer version's summary, to say in the meeting",
    "renewal": "contract type, term, renewal date, ARR at stake, days left and the renewal checkpoints",
    "customer_appendix": "the date of the figures and the inputs not on file",
    "gap_list": "every gap to fill, in one list",
}
INLINE_NOTES = {
    "account_name": "account name",
    "quarter": "the quarter this review covers",
    "our_attendees": "CSM, account executive and any specialist joining, with their roles",
}


def _folder(kind: Kind) -> resources.abc.Traversable:
    return resources.files("customer_success_mcp") / "content" / kind


def names(kind: Kind) -> list[str]:
    """The documents of one kind, by name (file stem)."""
    found = sorted(p.name[:-3] for p in _folder(kind).iterdir() if p.name.endswith(".md"))
    return sorted([*found, *GENERATED_REFERENCES]) if kind == "references" else found


def raw_text(kind: Kind, name: str) -> str:
    """A document's markdown as shipped, blocks unfilled; KeyError for an unknown name."""
    if name not in names(kind) or name in GENERATED_REFERENCES:
        raise KeyError(name)
    return (_folder(kind) / f"{name}.md").read_text(encoding="utf-8")


def title_of(kind: Kind, name: str) -> str:
    if name in GENERATED_REFERENCES:
        return "Health scoring model"
    first = raw_text(kind, name).splitlines()[0]
    return INLINE.sub("account", first.lstrip("# ").strip())


def summary_of(kind: Kind, name: str) -> str:
    """The first paragraph after the title: the document's one-line purpose."""
    if name in GENERATED_REFERENCES:
        return GENERATED_REFERENCES[name]
    paragraphs = [p.strip() for p in raw_text(kind, name).split("\n\n")[1:] if p.strip()]
    return next((p for p in paragraphs if not p.startswith(("{{", "#", "_"))), "").replace("\n", " ")


def fill_blocks(text: str, blocks: dict[str, str]) -> str:
    """Replace each `{{block}}` line with its markdown; blocks not given are left as they are."""
    return BLOCK.sub(lambda m: blocks.get(m.group(1), m.group(0)), text)


def fill_inline(
    text: str, values: dict[str, str], missing: str = "[not set in the active profile: {}]"
) -> str:
    """Replace each inline `{{name}}` with its value; a name not given becomes `missing` (with the name)."""
    return INLINE.sub(lambda m: values.get(m.group(1), missing.format(m.group(1).replace("_", " "))), text)


# --------------------------------------------------------------------------- figures of the profile

# The worked example of references/benchmarks.md (made-up round numbers): its NRR and GRR, judged
# against the active profile's targets by `profile_figures`.
EXAMPLE_NRR, EXAMPLE_GRR = 1.06, 0.93


def _join(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _days(count: int) -> str:
    return plural(count, "day")


def _times(factor: float) -> str:
    return f"x{number(factor)}"


def _per_segment(profile: Profile, value: dict[str, str]) -> str:
    """'75 for Enterprise, 70 for Mid-market and 65 for SMB' for the segments `value` names."""
    return _join([f"{value[key]} for {seg.label}" for key, seg in profile.segments.items() if key in value])


def _condition(text: str, op: str, value: float | str | None) -> str:
    """A warning level in words: the rule's own text at its threshold, e.g. 'Logins down at least 20%'."""
    if op == "true" or value is None:
        return " ".join(re.sub(r"\{(?:value|abs)[^}]*\}", "", text).split())
    if isinstance(value, str):
        return text.format(value=value, abs=value)
    uses_abs = "{abs" in text
    shown = text.format(value=value, abs=abs(value))
    if op == "==":
        return shown
    if uses_abs and value < 0:  # 'down {abs}%' at -20 with <= means a fall of 20 or more
        op = {"<=": ">=", "<": ">", ">=": "<=", ">": "<"}[op]
    word = {">=": "at least", ">": "more than", "<=": "at most", "<": "less than"}[op]
    figure = number(abs(value) if uses_abs else value)
    found = re.search(rf"(?<![\d.]){re.escape(figure)}(?![\d.])", shown)
    if found is None:
        return f"{shown} ({word} {figure})"
    return f"{shown[: found.start()]}{word} {shown[found.start() :]}"


def warning_levels(profile: Profile) -> list[tuple[str, str]]:
    """(severity, condition in words) for every level of the profile's churn warning rules.

    The one place the texts read the warning rules, so a change to how the profile stores them is
    adapted here alone.
    """
    return [
        (level.severity, _condition(rule.text, level.op, level.value))
        for rule in profile.churn.warning_rules()
        for level in rule.levels
    ]


def _warnings_of(profile: Profile, severity: str, indent: str = "") -> str:
    """The warning levels of one severity as a list, one condition per line."""
    found = [text[:1].upper() + text[1:] for sev, text in warning_levels(profile) if sev == severity]
    if not found:
        return f"{indent}- None: the active profile has no warning at this severity."
    return ";\n".join(f"{indent}- {text}" for text in found) + "."


def _urgency(profile: Profile) -> tuple[list[tuple[int, float]], float | None]:
    """The renewal urgency ladder (max days, multiplier), nearest first, and the ended-contract rule."""
    return list(profile.churn.renewal_multipliers), profile.churn.ended_contract_multiplier


def _ended_multiplier(profile: Profile) -> float:
    """The urgency multiplier of a contract whose end date has passed."""
    ladder, ended = _urgency(profile)
    if ended is not None:
        return ended
    return ladder[0][1] if ladder else 1.0


def _ended_rule(profile: Profile) -> str:
    ladder, ended = _urgency(profile)
    factor = _times(_ended_multiplier(profile))
    if ended is None and ladder:
        return (
            "a contract whose end date has passed counts as 0 days from renewal, so it takes the nearest "
            f"multiplier, {factor}"
        )
    return f"a contract whose end date has passed takes a multiplier of {factor}"


def renewal_checkpoints(profile: Profile) -> dict[str, int]:
    """Days before the contract end of each renewal checkpoint, keyed by the token that writes it."""
    life = profile.lifecycle
    return {
        "renewal_lead_days": life.renewal_lead_days,
        "value_review_days": life.value_review_days,
        "proposal_days": life.proposal_days,
        "close_days": life.close_days,
    }


def _retention_verdict(profile: Profile) -> str:
    t = profile.targets
    nrr, grr = t.nrr_min <= EXAMPLE_NRR, t.grr_min <= EXAMPLE_GRR
    if nrr and grr:
        return "this book meets both the NRR and the GRR target: it defends its revenue and grows it."
    if grr:
        return (
            "this book meets the GRR target but misses the NRR target: it defends its revenue well but does "
            "not grow it enough."
        )
    if nrr:
        return "this book meets the NRR target but misses the GRR target: its growth is hiding losses."
    return "this book misses both the NRR and the GRR target."


def profile_figures(profile: Profile) -> dict[str, str]:
    """Every figure the texts quote, written from the active profile: inline `{{name}}` -> text."""
    ladder, _ = _urgency(profile)
    floors = profile.churn.tier_floors
    segs = profile.segments
    life, targets, exp = profile.lifecycle, profile.targets, profile.expansion
    steps = [f"{_times(factor)} within {days}" for days, factor in ladder]
    if steps:
        steps[0] += " days of the end date"
    figures = {
        "critical_floor": number(floors["critical"]),
        "high_floor": number(floors["high"]),
        "medium_floor": number(floors["medium"]),
        "urgency_ladder": _join(steps) or "no renewal urgency multiplier",
        "ended_contract_urgency": _ended_rule(profile),
        "segment_bands": _join([f"{segs[k].label} {band}" for k, band in _segment_bands(profile)]),
        "green_floors": _per_segment(profile, {k: number(s.green_min) for k, s in segs.items()}),
        "yellow_floors": _per_segment(profile, {k: number(s.yellow_min) for k, s in segs.items()}),
        "review_cadences": _per_segment(
            profile, {k: f"every {_days(s.review_every_days)}" for k, s in segs.items()}
        ),
        "seat_factors": _per_segment(profile, {k: share(s.seat_expansion_factor) for k, s in segs.items()}),
        "trend_delta": number(profile.health.trend_delta),
        "seat_trigger": share(exp.seat_utilisation_trigger),
        "department_factor": share(exp.department_factor),
        "enablement_below": f"{number(exp.enablement_usage_below)}%",
        "effort_weights": _join([f"{effort} {_times(m)}" for effort, m in exp.effort_multipliers.items()]),
        "target_green_share": share(targets.green_share_min),
        "target_red_share": share(targets.red_share_max),
        "target_average_health": number(targets.average_health_min),
        "target_nrr": share(targets.nrr_min),
        "target_grr": share(targets.grr_min),
        "target_low_coverage": share(targets.low_coverage_below),
        "target_nps": number(targets.nps_min),
        "target_time_to_value": _days(targets.time_to_value_max_days),
        "retention_example_verdict": _retention_verdict(profile),
        "onboarding_days": _days(life.onboarding_days),
        "onboarding_end_day": str(life.onboarding_days),
        "first_value_gate_day": str(life.first_value_gate_day),
        "broad_use_gate_day": str(life.broad_use_gate_day),
        "renewal_entry_day": str(DAYS_PER_YEAR - life.renewal_lead_days),
        "red_flag_health_drop": number(profile.early_warnings.health_drop_points),
        "red_flag_usage_drop": f"{number(profile.early_warnings.usage_drop_pct)}%",
    }
    figures |= {name: _days(days) for name, days in renewal_checkpoints(profile).items()}
    figures |= {f"phase_{name}_start_day": str(first) for name, first in life.phases}
    figures |= {f"{tier}_respond_days": _days(plan.respond_within_days) for tier, plan in
                profile.interventions.items()}  # fmt: skip
    figures |= {f"segment_{key.replace('-', '_')}_band": band for key, band in _segment_bands(profile)}
    benchmarks = dict.fromkeys(k for s in segs.values() for k in s.benchmarks)
    figures |= {
        f"benchmark_{key}": _per_segment(
            profile, {k: number(s.benchmarks[key]) for k, s in segs.items() if key in s.benchmarks}
        )
        for key in benchmarks
    }
    figures["time_to_value_scoring"] = _time_to_value_scoring(profile, figures)
    return figures


def _segment_bands(profile: Profile) -> list[tuple[str, str]]:
    """Each segment's ARR band in words ('over $100k', 'from $25k up to $100k', 'under $25k')."""
    bands: list[tuple[str, str]] = []
    above: tuple[float, bool] | None = None  # the next segment up: its floor and whether it is inclusive
    for key, seg in profile.segments_by_floor():
        lower = ""
        if seg.arr_floor > 0 or not seg.arr_floor_inclusive:
            lower = f"{'from' if seg.arr_floor_inclusive else 'over'} {money_short(seg.arr_floor)}"
        upper = ""
        if above is not None:
            upper = f"{'under' if above[1] else 'up to'} {money_short(above[0])}"
        bands.append((key, " ".join(p for p in (lower, upper) if p) or "any ARR"))
        above = (seg.arr_floor, seg.arr_floor_inclusive)
    return bands


def _time_to_value_scoring(profile: Profile, figures: dict[str, str]) -> str:
    if "benchmark_time_to_value_max_days" not in figures:
        return "the active profile does not score time to value"
    return (
        "the active profile also scores each account's time to value against a segment maximum in days "
        f"({figures['benchmark_time_to_value_max_days']})"
    )


# --------------------------------------------------------------------------- profile-driven blocks


def intervention_steps(profile: Profile, tier: str) -> str:
    plan = profile.interventions[tier]
    lines = [
        f"**{plan.label}**, led by {plan.owner}: first response within {_days(plan.respond_within_days)} "
        "of the scoring run.",
        "",
    ]
    lines += [f"{i}. {step.text} (owner: {step.owner}; {_due(step.within_days)})" for i, step in
              enumerate(plan.steps, 1)]  # fmt: skip
    return "\n".join(lines)


def _due(within_days: int) -> str:
    if within_days == 0:
        return "due on the day of the scoring run"
    return f"within {_days(within_days)} of the scoring run"


def segment_table(profile: Profile) -> str:
    lines = [
        "| Segment | Derived from ARR | Touch model | Scored every | Green from | Yellow from |",
        "|---|---|---|---:|---:|---:|",
    ]
    bands = dict(_segment_bands(profile))
    for key, seg in profile.segments.items():
        lines.append(
            f"| {seg.label} | {bands[key]} | {seg.touch_model} | {_days(seg.review_every_days)} | "
            f"{number(seg.green_min)} | {number(seg.yellow_min)} |"
        )
    return "\n".join(lines)


def touch_models(profile: Profile, indent: str = "  ") -> str:
    """One list item per segment (nested under the line before): its touch model and scoring cadence."""
    return "\n".join(
        f"{indent}- **{seg.label}** ({band}): {seg.touch_model}; scored every {_days(seg.review_every_days)}."
        for (key, band) in _segment_bands(profile)
        for seg in [profile.segments[key]]
    )


def lifecycle_table(profile: Profile) -> str:
    model = profile.lifecycle
    bounds = [*[d for _, d in model.phases[1:]], DAYS_PER_YEAR]
    lines = ["| Phase | Days of the contract year |", "|---|---|"]
    lines += [
        f"| {name} | {first} to {end - 1} |" for (name, first), end in zip(model.phases, bounds, strict=True)
    ]
    lines += [
        "",
        f"Renewal work starts {_days(model.renewal_lead_days)} before the contract end date; from then the "
        "phase reads renewal whatever the day of the contract year.",
    ]
    return "\n".join(lines)


def urgency_table(profile: Profile) -> str:
    """The renewal urgency multiplier by days to the end date, farthest first."""
    ladder, _ = _urgency(profile)
    lines = ["| Days to the end date | Multiplier on churn risk |", "|---|---|"]
    if ladder:
        lines.append(f"| more than {ladder[-1][0]} | x1 |")
    for i in range(len(ladder) - 1, -1, -1):
        days, factor = ladder[i]
        low = ladder[i - 1][0] + 1 if i > 0 else 0
        lines.append(f"| {low} to {days} | {_times(factor)} |")
    if not ladder:
        lines.append("| any | x1 |")
    lines += [
        f"| past the end date | {_times(_ended_multiplier(profile))} |",
        "| no end date on file | no multiplier |",
    ]
    return "\n".join(lines)


def profile_blocks(profile: Profile) -> dict[str, str]:
    """The `{{block}}` lines every text may use, written from the profile."""
    blocks = {
        "segment_table": segment_table(profile),
        "touch_models": touch_models(profile),
        "lifecycle_table": lifecycle_table(profile),
        "urgency_table": urgency_table(profile),
    }
    blocks |= {f"{sev}_warnings": _warnings_of(profile, sev, indent="  ") for sev in SEVERITY_ORDER}
    return blocks


def document(kind: Kind, name: str, profile: Profile) -> str:
    """A playbook, template or reference as served: profile figures filled, template blocks described."""
    if kind == "references" and name == "health-scoring":
        from customer_success_mcp.render.model_doc import scoring_model_markdown

        return "# Health scoring model\n\n" + scoring_model_markdown(profile)
    blocks = profile_blocks(profile)
    if kind == "playbooks" and name in TIER_PLAYBOOKS:
        blocks["intervention_steps"] = intervention_steps(profile, name)
    text = fill_blocks(raw_text(kind, name), blocks)
    figures = profile_figures(profile)
    if kind != "templates":
        return fill_inline(text, figures)
    blank = {
        block: f"_[filled by the draft tools from the scores: {note}]_" for block, note in BLOCK_NOTES.items()
    }
    text = fill_blocks(text, blank)
    return fill_inline(
        text, figures | {k: f"[to fill: {v}]" for k, v in INLINE_NOTES.items()}, "[to fill: {}]"
    )
