"""The scoring model in brief, written from a profile object so the docs cannot drift from the code."""

from __future__ import annotations

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
    ]
    return out


def _churn(profile: Profile) -> list[str]:
    c = profile.churn
    ladder = ", ".join(f"<= {d} days x{m:g}" for d, m in c.renewal_multipliers)
    floors = c.tier_floors
    return [
        "### Churn risk (0-100, higher is riskier)",
        "",
        "Raw = " + " + ".join(f"{_pct(w)} {k}" for k, w in c.weights.items()) + ".",
        f"Usage decline: login fall x{c.login_decline_scale:g}, adoption fall x{c.feature_decline_scale:g}, "
        f"DAU/MAU fall x{c.dau_mau_decline_scale:g} (weights "
        + ", ".join(f"{k} {v:g}" for k, v in c.usage_subweights.items())
        + ").",
        f"Engagement drop: {c.cancellation_points:g} per cancelled meeting, {c.response_day_points:g} per "
        f"reply day over {c.response_days_baseline:g}, {c.nps_drop_points:g} per NPS point lost (weights "
        + ", ".join(f"{k} {v:g}" for k, v in c.engagement_subweights.items())
        + ").",
        f"Support issues: {c.escalation_points:g} per open escalation, {c.critical_ticket_points:g} per "
        "unresolved critical ticket, satisfaction trend "
        + ", ".join(f"{k} {v:g}" for k, v in c.satisfaction_trend_scores.items())
        + f" (weights {', '.join(f'{k} {v:g}' for k, v in c.support_subweights.items())}).",
        f"Relationship signals: champion left +{c.champion_left_points:g}, sponsor change "
        f"+{c.sponsor_change_points:g}, competitors {c.competitor_many_at}+ mentions "
        f"+{c.competitor_many_points:g}, fewer +{c.competitor_each_points:g} each.",
        "Commercial factors: "
        + ", ".join(f"{k} +{v:g}" for k, v in c.contract_type_points.items())
        + f", pricing complaints +{c.pricing_complaint_points:g}, budget cuts +{c.budget_cut_points:g}.",
        f"Renewal urgency (days from `as_of` to `contract_end_date`): {ladder}, otherwise x1.",
        f"Tiers: critical from {floors['critical']:g}, high from {floors['high']:g}, "
        f"medium from {floors['medium']:g}, low below; every score falls in exactly one tier.",
    ]


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
        f"New departments: ARR / current departments x {e.department_factor:g} each.",
        f"Priority = min(revenue / {e.priority_revenue_unit:g}, 100) x effort ("
        + ", ".join(f"{k} {v:g}" for k, v in e.effort_multipliers.items())
        + ").",
    ]


def _bullets(lines: list[str]) -> list[str]:
    """Heading and blank line as they are, every other line as a list item."""
    return lines[:2] + [f"- {line}" for line in lines[2:]]


def scoring_model_markdown(profile: Profile) -> str:
    """Weights, thresholds and benchmarks of a profile, as markdown."""
    lines = [f"Profile `{profile.name}`: {profile.description}", ""]
    lines += [*_health(profile), "", *_bullets(_churn(profile)), "", *_bullets(_expansion(profile))]
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
