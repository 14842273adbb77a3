"""The scoring model in brief, written from a profile object so the docs cannot drift from the code."""

from __future__ import annotations

import re

from customer_success_mcp.scoring.churn_model import ChurnSignal
from customer_success_mcp.scoring.profile import Profile


def _pct(weight: float) -> str:
    return f"{weight * 100:g}%"


def _health(profile: Profile) -> list[str]:
    segs = list(profile.segments)
    labels = [profile.segments[s].label for s in segs]
    out = [
        "### Health (0-100, higher is healthier)",
        "",
        "Overall = weighted sum of the dimension scores, rounded to 0.1. Each sub-metric scores 0-100:",
        "*higher* metrics as value / target x 100, *lower* metrics as (1 - value / max) x 100, both",
        "bounded to 0-100; a dimension is the weighted sum of its sub-metrics, rounded to 0.1.",
        "",
        "| Dimension | Weight | Sub-metric (input) | Direction | Sub-weight | Benchmark |",
        "|---|---:|---|---|---:|---|",
    ]
    for dim in profile.health.dimensions:
        for i, m in enumerate(dim.metrics):
            if m.direction == "mapping":
                bench = ", ".join(f"{k} {v:g}" for k, v in m.mapping.items()) + f", other {m.mapping_other:g}"
            elif m.direction == "attainment":
                bench = f"vs `{m.target_field}`"
            else:
                bench = f"`{m.benchmark}`"
            if m.missing_subscore is not None:
                bench += f" (absent: {m.missing_subscore:g})"
            head = (dim.label, _pct(dim.weight)) if i == 0 else ("", "")
            out.append(
                f"| {head[0]} | {head[1]} | {m.name} (`{m.field}`) | {m.direction} | {m.weight:g} | {bench} |"
            )
    out += ["", "Benchmarks by segment:", "", "| Benchmark | " + " | ".join(labels) + " |"]
    out.append("|---|" + "---:|" * len(segs))
    keys = list(dict.fromkeys(k for s in segs for k in profile.segments[s].benchmarks))
    for key in keys:
        cells = [f"{profile.segments[s].benchmarks.get(key, float('nan')):g}" for s in segs]
        out.append(f"| `{key}` | " + " | ".join(cells) + " |")
    out += ["", "| Classification | " + " | ".join(labels) + " |", "|---|" + "---:|" * len(segs)]
    out.append("| green from | " + " | ".join(f"{profile.segments[s].green_min:g}" for s in segs) + " |")
    out.append("| yellow from | " + " | ".join(f"{profile.segments[s].yellow_min:g}" for s in segs) + " |")
    out += [
        "",
        f"Trend: a change of more than {profile.health.trend_delta:g} points against `previous_period` is "
        "improving or declining. Trend priority: "
        + ", ".join(f"{k.replace(':', ' + ')} {v}" for k, v in profile.health.trend_priority.items())
        + "; anything else keeps the segment's normal cadence.",
        "",
        *_missing_health(profile),
    ]
    return out


def _missing_health(profile: Profile) -> list[str]:
    """How the profile treats health inputs an account did not supply, and last period's overall."""
    h = profile.health
    if h.missing_inputs == "fallback":
        text = (
            "Missing inputs: a sub-metric the account did not supply scores its contract default (the "
            "reference rule; coverage shows how much was supplied). Without a previous overall, it is "
            "rebuilt from all four previous dimension scores."
        )
    else:
        text = (
            "Missing inputs: a sub-metric the account did not supply is left out and its dimension's other "
            "weights are renormalised; a dimension with no input is no data and is left out of the overall "
            "the same way."
        )
        if h.min_weight_share is not None:
            text += (
                f" An overall built on under {h.min_weight_share:.0%} of the model's weight is "
                "insufficient_data, not a colour."
            )
        if h.previous_overall_tolerance is not None:
            text += (
                " The overall trend compares today's score with last period's on the dimensions both have; "
                f"a file's previous overall more than {h.previous_overall_tolerance:g} points from its own "
                "dimensions is reported as a data-quality note."
            )
    return [text]


def _cell(text: str) -> str:
    """Profile wording inside a table cell: one line, no column breaks."""
    return " ".join(text.split()).replace("|", "\\|")


def rule_text(signal: ChurnSignal) -> str:
    """How a signal's input becomes points, in brief (the rules are defined in scoring.churn_model)."""
    if signal.rule == "flag":
        return f"{signal.points or 0:g} if true"
    if signal.rule == "mapping":
        pairs = [f"{k} {v:g}" for k, v in (signal.mapping or {}).items()]
        return ", ".join([*pairs, f"other {signal.mapping_other or 0:g}"])
    scale, base = signal.scale or 0, signal.baseline or 0
    if signal.rule == "fall":
        text = f"{scale:g} x (fall below {base:g})" if base else f"{scale:g} x fall"
    else:
        text = f"{scale:g} x (value - {base:g})" if base else f"{scale:g} x value"
    text += ", max 100"
    if signal.step_at is not None:
        text += f"; {signal.step_points or 0:g} from {signal.step_at:g} up"
    return text


_LEVEL_WORDS = {"<=": "at <=", "<": "at <", ">=": "at >=", ">": "at >", "==": "if"}


def warning_text(signal: ChurnSignal) -> str:
    """A signal's warning in brief: its text (N or … for the value) and when it fires at which severity."""
    if signal.warning is None:
        return "none"
    shown = "…" if signal.rule == "mapping" else "N"
    text = re.sub(r"\{(value|abs)(:[^}]*)?\}", shown, signal.warning.text)
    levels = [
        level.severity
        if level.op == "true"
        else f"{level.severity} {_LEVEL_WORDS[level.op]} {level.value:g}"
        if isinstance(level.value, float)
        else f"{level.severity} {_LEVEL_WORDS[level.op]} {level.value}"
        for level in signal.warning.levels
    ]
    return f'"{text}": {", ".join(levels)}'


def _churn(profile: Profile) -> list[str]:
    c = profile.churn
    ladder = ", ".join(f"<= {d} days x{m:g}" for d, m in c.renewal_multipliers)
    ended = (
        "a contract already ended counts as 0 days"
        if c.ended_contract_multiplier is None
        else f"a contract already ended x{c.ended_contract_multiplier:g}"
    )
    floors = c.tier_floors
    out = [
        "### Churn risk (0-100, higher is riskier)",
        "",
        "Raw = " + " + ".join(f"{_pct(cat.weight)} {cat.name}" for cat in c.categories) + ".",
        "Each signal turns its input into 0-100 points; a *weighted* category is the weighted sum of its",
        "signals' points, a *summed* category adds them up to at most 100; both are rounded to 0.1. An input",
        "with neither a value nor a default scores 0.",
        "",
        "| Category | Weight | Signal (input) | Points | Sub-weight | Warning |",
        "|---|---:|---|---|---:|---|",
    ]
    for cat in c.categories:
        for i, sig in enumerate(cat.signals):
            head = (f"{_cell(cat.label)} ({cat.combine})", _pct(cat.weight)) if i == 0 else ("", "")
            what = f"`{sig.name}`: {_cell(sig.label)} (`{sig.field}`). {_cell(sig.description)}"
            sub = "" if sig.weight is None else f"{sig.weight:g}"
            out.append(
                f"| {head[0]} | {head[1]} | {what} | {rule_text(sig)} | {sub} | {_cell(warning_text(sig))} |"
            )
    out += [
        "",
        f"- Renewal urgency (days from `as_of` to `contract_end_date`): {ladder}, otherwise x1; {ended}.",
        f"- Tiers: critical from {floors['critical']:g}, high from {floors['high']:g}, "
        f"medium from {floors['medium']:g}, low below; every score falls in exactly one tier.",
        "- Warnings are listed most severe first; a warning needs its input to be supplied.",
        "- Absent signals: "
        + ("an input the account did not supply adds nothing." if profile.churn.absent_signals == "omit"
           else "an input the account did not supply scores its contract default (the reference rule)."),
    ]  # fmt: skip
    if profile.escalation is not None:
        esc = profile.escalation
        out.append(
            f"- Escalation: an account with a {esc.on_severity}-severity warning gets at least the "
            f"{esc.at_least_tier} tier's playbook (its risk score and tier are unchanged)."
        )
    return out


def _expansion(profile: Profile) -> list[str]:
    e = profile.expansion
    seats = ", ".join(f"{s.label} {s.seat_expansion_factor:g}" for s in profile.segments.values())
    return [
        "### Expansion",
        "",
        f"Seats: at {e.seat_utilisation_trigger:.0%} utilisation or more, ARR x segment factor ({seats}).",
        "Tier upgrade to the offered tier with the next multiplier up: "
        + ", ".join(f"{k} {v:g}" for k, v in e.tier_multipliers.items())
        + f" (unknown {e.unknown_tier_multiplier:g}).",
        "Module cross-sell, ARR x fraction per module not adopted: "
        + ", ".join(f"{k} {v:g}" for k, v in e.module_fractions.items())
        + f", any other {e.other_module_fraction:g}.",
        f"New departments: ARR / current departments x {e.department_factor:g} each"
        + (
            "; with no current departments listed, one department in all (how many it covers is unknown)."
            if e.unlisted_departments_as_one
            else "."
        ),
        f"Priority = min(revenue / {e.priority_revenue_unit:g}, 100) x effort ("
        + ", ".join(f"{k} {v:g}" for k, v in e.effort_multipliers.items())
        + ").",
        "Gross adds up every estimate; net "
        + (
            "keeps only the larger of a seat expansion and a tier upgrade on the same account (both price "
            "the same ARR)"
            if e.net_of_overlap
            else "is the gross (overlaps are not removed)"
        )
        + "; weighted = net x likelihood by health class ("
        + ", ".join(f"{k.replace('_', ' ')} {v:g}" for k, v in e.likelihood.items())
        + ")."
        + (" Plays on red accounts wait until the renewal is secured." if e.after_renewal_on_red else ""),
    ]


def _bullets(lines: list[str]) -> list[str]:
    """Heading and blank line as they are, every other line as a list item."""
    return lines[:2] + [f"- {line}" for line in lines[2:]]


def scoring_model_markdown(profile: Profile) -> str:
    """Weights, thresholds and benchmarks of a profile, as markdown."""
    lines = [f"Profile `{profile.name}`: {profile.description}", ""]
    lines += [*_health(profile), "", *_churn(profile), "", *_bullets(_expansion(profile))]
    return "\n".join(lines) + "\n"


START, END = "<!-- scoring-model:start -->", "<!-- scoring-model:end -->"


def with_model_section(readme: str, profile: Profile) -> str:
    """The README text with its scoring-model block rewritten from the profile."""
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{scoring_model_markdown(profile)}{END}{tail}"


if __name__ == "__main__":  # python -m customer_success_mcp.render.model_doc README.md
    import sys
    from pathlib import Path

    from customer_success_mcp.scoring.default_profiles import DEFAULT_PROFILE

    target = Path(sys.argv[1])
    target.write_text(
        with_model_section(target.read_text(encoding="utf-8"), DEFAULT_PROFILE), encoding="utf-8"
    )
