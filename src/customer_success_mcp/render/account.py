"""One account explained in plain text: every score with the inputs and benchmarks behind it."""

from __future__ import annotations

import textwrap

from customer_success_mcp.formatting import contract_end, money, score, share
from customer_success_mcp.render.text import WIDTH, fit
from customer_success_mcp.scoring.models import AccountExplanation, MetricBreakdown


def _value(v: float | str | None) -> str:
    if v is None:
        return "-"
    return v if isinstance(v, str) else f"{v:g}"


def _metric_line(m: MetricBreakdown) -> str:
    bench = "" if m.benchmark is None else f"{'max' if m.direction == 'lower' else 'target'} {m.benchmark:g}"
    if not m.supplied and m.subscore is None:
        return f"    {fit(m.metric, 30)}{'-':>8}  {fit(bench, 12)}  not on file: left out"
    given = "" if m.supplied else " (not supplied: default scored)"
    return f"    {fit(m.metric, 30)}{_value(m.value):>8}  {fit(bench, 12)}{score(m.subscore):>6}{given}"


def _wrapped(items: list[str], bullet: str = "  - ") -> list[str]:
    out = []
    for item in items:
        out += textwrap.wrap(item, WIDTH, initial_indent=bullet, subsequent_indent=" " * max(len(bullet), 2))
    return out


def account_text(a: AccountExplanation) -> str:
    h, c, e = a.health, a.churn, a.expansion
    segment = a.segment + ("" if a.segment_source == "input" else f" (from {a.segment_source})")
    out = [
        *_wrapped([f"{a.name} ({a.customer_id}) · {segment} · {money(a.arr)} ARR · as of {a.as_of}"], ""),
        "",
        f"Health {score(h.score)} {h.classification.replace('_', ' ')} · trend {h.trend} · priority "
        f"{h.trend_priority} · coverage {share(h.coverage)}",
    ]
    if h.previous_score_mismatch and h.previous_score_supplied is not None:
        out += _wrapped(
            [f"Data note: the file's previous overall {h.previous_score_supplied:g} disagrees with its own "
             f"previous dimension scores ({score(h.previous_score)}); the trend uses the dimensions"], "  "
        )  # fmt: skip
    for d in h.dimensions:
        prev = "" if d.previous_score is None else f", was {d.previous_score:g}"
        out.append(
            f"  {d.label} {score(d.score)} {d.classification.replace('_', ' ')} ({share(d.weight)} weight, "
            f"{d.trend}{prev})"
        )
        out += [_metric_line(m) for m in d.metrics]
    if h.recommendations:
        out += ["  What to do:", *_wrapped(h.recommendations, "    - ")]
    days = contract_end(c.renewal_date, c.days_to_renewal)
    out += [
        "",
        *_wrapped(
            [f"Churn risk {c.risk_score:.1f} {c.risk_tier} · raw {c.raw_score:.1f} x{c.urgency_multiplier:g} "
             f"({days}) · coverage {share(c.coverage)}"],
            "",
        ),
    ]  # fmt: skip
    out += [f"  {fit(cat.label, 22)}{cat.score:>6.1f}  ({share(cat.weight)} weight)" for cat in c.categories]
    if c.warning_signals:
        out += ["  Warning signals:", *[f"    [{w.severity}] {w.signal}" for w in c.warning_signals]]
    escalated = f" (escalated from {c.risk_tier}: {'; '.join(c.escalated_by)})" if c.escalated_by else ""
    out += _wrapped([f"{c.intervention}: {c.owner}, within {c.respond_within_days} days{escalated}"], "  ")
    out += _wrapped(c.recommended_actions, "    - ")
    s = e.adoption_summary
    out += [
        "",
        f"Expansion weighted {money(e.weighted_estimated_revenue)} (net {money(e.net_estimated_revenue)}, "
        f"gross {money(e.total_estimated_revenue)}) in {e.opportunity_count} opportunities · "
        f"coverage {share(e.coverage)}",
        f"  seats {'-' if s.seat_utilisation is None else f'{s.seat_utilisation:g}%'} used · "
        f"{s.adopted_modules}/{s.total_modules} modules adopted "
        f"(avg use {s.avg_usage_pct:g}%)",
        f"  tier {s.current_tier or '-'} · {s.departments_covered} departments in, "
        f"{s.departments_potential} named as potential",
    ]
    if s.enablement_needed:
        out.append(f"  needs enablement first: {', '.join(s.enablement_needed)}")
    out += _wrapped(
        [f"{o.rationale} (priority {o.priority_score:g}, {o.effort} effort)" for o in e.opportunities]
    )
    return "\n".join(out)
