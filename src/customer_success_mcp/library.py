"""Our playbooks, templates and references: markdown shipped with the package, filled from the profile.

Texts live in `content/` as markdown. A line holding only `{{block}}` is an engine block: the
profile's own figures (tier steps, segment tables) or, in templates, an account's scores when a
draft is made. Reading a template as a resource shows each block as a note of what the draft fills.
"""

from __future__ import annotations

import re
from importlib import resources
from typing import Literal

from customer_success_mcp.scoring.profile import Profile

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
    "expansion_opportunities": "expansion opportunities with estimated revenue and priority",
    "playbook_steps": "the risk tier's playbook steps with owners and due dates",
    "lifecycle": "lifecycle phase, contract dates, renewal work start and review cadence",
    "coverage_note": "which inputs the account did not supply",
    "provenance": "portfolio, snapshot, scoring date and the input fields each section used",
}
INLINE_NOTES = {"account_name": "account name", "quarter": "the quarter this review covers"}


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


# --------------------------------------------------------------------------- profile-driven blocks


def intervention_steps(profile: Profile, tier: str) -> str:
    plan = profile.interventions[tier]
    lines = [
        f"**{plan.label}**, led by {plan.owner}: first response within {plan.respond_within_days} days.",
        "",
    ]
    lines += [
        f"{i}. {step.text} (owner: {step.owner}; within {step.within_days} days of the scoring run)"
        for i, step in enumerate(plan.steps, 1)
    ]
    return "\n".join(lines)


def segment_table(profile: Profile) -> str:
    lines = [
        "| Segment | Derived from ARR | Touch model | Scored every | Green from | Yellow from |",
        "|---|---|---|---:|---:|---:|",
    ]
    for seg in profile.segments.values():
        floor = f"{'over' if not seg.arr_floor_inclusive else 'from'} ${seg.arr_floor:,.0f}"
        lines.append(
            f"| {seg.label} | {floor} | {seg.touch_model} | {seg.review_every_days} days | "
            f"{seg.green_min:g} | {seg.yellow_min:g} |"
        )
    return "\n".join(lines)


def lifecycle_table(profile: Profile) -> str:
    model = profile.lifecycle
    bounds = [*[d for _, d in model.phases[1:]], 365]
    lines = ["| Phase | Days of the contract year |", "|---|---|"]
    lines += [
        f"| {name} | {first} to {end - 1} |" for (name, first), end in zip(model.phases, bounds, strict=True)
    ]
    lines += ["", f"Renewal work starts {model.renewal_lead_days} days before the contract end date."]
    return "\n".join(lines)


def document(kind: Kind, name: str, profile: Profile) -> str:
    """A playbook, template or reference as served: profile blocks filled, template blocks described."""
    if kind == "references" and name == "health-scoring":
        from customer_success_mcp.render.model_doc import scoring_model_markdown

        return "# Health scoring model\n\n" + scoring_model_markdown(profile)
    text = raw_text(kind, name)
    if kind == "playbooks" and name in TIER_PLAYBOOKS:
        return fill_blocks(text, {"intervention_steps": intervention_steps(profile, name)})
    if kind == "references":
        return fill_blocks(
            text, {"segment_table": segment_table(profile), "lifecycle_table": lifecycle_table(profile)}
        )
    if kind == "templates":
        blank = {
            block: f"_[filled by the draft tools from the scores: {note}]_"
            for block, note in BLOCK_NOTES.items()
        }
        text = fill_blocks(text, blank)
        return INLINE.sub(lambda m: f"[to fill: {INLINE_NOTES.get(m.group(1), m.group(1))}]", text)
    return text
