"""Shared checks of the drafts: their facts against the engine, and the markdown against the facts.

Used by test_drafts.py (facts, words, snapshots) and test_draft_tools.py (MCP tools and CLI). Expected
values are worked out from the raw input and the profile where that is simple, else read from the
engine's explanation of the account, never from the draft itself.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from conftest import AS_OF
from customer_success_mcp.formatting import contract_end, day, money, number, plural, renewal, score, share
from customer_success_mcp.library import fill_inline, profile_figures, raw_text
from customer_success_mcp.pipeline import ScoredPortfolio, explain_account, find_account, score_file
from customer_success_mcp.render import drafts
from customer_success_mcp.render.draft_facts import DraftFacts
from customer_success_mcp.render.drafts import DRAFT_KINDS, Draft, DraftSource, draft_for_account
from customer_success_mcp.render.markdown import escape_markdown
from customer_success_mcp.scoring.lifecycle import Lifecycle, lifecycle_of
from customer_success_mcp.scoring.models import AccountExplanation

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "portfolio.json"
CSM = shutil.which("csm", path=str(Path(sys.executable).parent)) or str(Path(sys.executable).parent / "csm")
RECORDS: dict[str, dict[str, Any]] = {
    r["customer_id"]: r for r in json.loads(EXAMPLE.read_text())["customers"]
}
ALL_IDS = sorted(RECORDS)
# Named accounts of examples/portfolio.json (as_of 2026-11-23) and what each one exercises.
RED_CRITICAL = "ACC-00016"  # Pinebridge Outfitters Group: red, critical, renewal in 50 days (the snapshots)
GREEN_EXPANDING = "ACC-00017"  # Cresthill Technologies: green, renewal in 15 days, $767,000 of opportunities
NAMED = {
    RED_CRITICAL: ("red", "critical"),
    "ACC-00008": ("red", "high"),  # renewal in 114 days
    "ACC-00018": ("red", "high"),  # ten opportunities: two not listed
    "ACC-00003": ("yellow", "high"),  # renewal in 3 days: steps brought forward
    "ACC-00050": ("green", "low"),  # no relationship inputs: that dimension is left out (no data)
    GREEN_EXPANDING: ("green", "low"),
    "ACC-00030": ("green", "low"),  # contract ended 28 days before as_of
    "ACC-00034": ("green", "low"),  # renewal in 95 days
}
CASES = [pytest.param(kind, cid, id=f"{kind}-{cid}") for kind in DRAFT_KINDS for cid in ALL_IDS]
QUARTER = "Q4 2026"
SNAPSHOT_ACCOUNT = RED_CRITICAL
SNAPSHOTS = {kind: ROOT / "tests" / "snapshots" / f"{kind}_{SNAPSHOT_ACCOUNT}.md" for kind in DRAFT_KINDS}

TOKEN = re.compile(
    r"(?P<date>(?<!\d)\d{4}-\d{2}-\d{2}(?!\d))"
    r"|(?P<money>\$(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)"
    r"|(?<![\w.\\-])(?P<num>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)(?P<pct>%)?"
)
UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")
TO_FILL = re.compile(r"\[to fill: ([^\]\n]+)\]")


# --------------------------------------------------------------------------- helpers


@cache
def example() -> ScoredPortfolio:
    return score_file(EXAMPLE, AS_OF)


def cli_source(scored: ScoredPortfolio) -> DraftSource:
    """The provenance `csm draft ... examples/portfolio.json` gives."""
    return DraftSource("portfolio.json", "read from the file", scored.as_of, scored.profile.name)


@cache
def example_draft(kind: str, cid: str, quarter: str | None = QUARTER) -> Draft:
    scored = example()
    return draft_for_account(scored, find_account(scored.table, cid), kind, cli_source(scored), quarter)


def life_of(scored: ScoredPortfolio, a: AccountExplanation, record: dict[str, Any]) -> Lifecycle:
    """The lifecycle from the record's own date strings (not the table's ordinals)."""

    def date(field: str) -> dt.date | None:
        return dt.date.fromisoformat(record[field]) if record.get(field) else None

    return lifecycle_of(
        scored.profile, a.segment, date("contract_start_date"), date("contract_end_date"), scored.as_of
    )


def blocks_of(kind: str) -> set[str]:
    return set(re.findall(r"^\{\{([a-z_]+)\}\}$", raw_text("templates", kind), re.M))


def cells(row: str) -> list[str]:
    assert row.startswith("|") and row.endswith("|"), row
    return [c.strip() for c in UNESCAPED_PIPE.split(row)[1:-1]]


def table_rows(lines: list[str], header: str) -> list[list[str]]:
    """The body rows of the table whose header line is `header`."""
    assert lines.count(header) == 1, f"table {header!r} not found once"
    i = lines.index(header)
    rows = []
    for line in lines[i + 2 :]:
        if not line.startswith("|"):
            break
        rows.append(cells(line))
    return rows


def line_starting(lines: list[str], prefix: str) -> str:
    found = [ln for ln in lines if ln.startswith(prefix)]
    assert len(found) == 1, f"expected one line starting {prefix!r}, found {len(found)}"
    return found[0]


def readable(word: str) -> str:
    return word.replace("_", " ")


# --------------------------------------------------------------------------- the facts, against the engine


def expected_multiplier(days: int | None, scored: ScoredPortfolio) -> float:
    """The renewal urgency by hand: the first bracket that holds the days left; an ended contract takes the
    profile's own multiplier where it sets one (default 1.0), else counts as 0 days (the reference rule)."""
    if days is None:
        return 1.0
    ended = scored.profile.churn.ended_contract_multiplier
    if days < 0 and ended is not None:
        return ended
    for max_days, factor in scored.profile.churn.renewal_multipliers:
        if max(days, 0) <= max_days:
            return factor
    return 1.0


def expected_tier(risk: float, scored: ScoredPortfolio) -> str:
    floors = scored.profile.churn.tier_floors
    return next((t for t in ("critical", "high", "medium") if risk >= floors[t]), "low")


def expected_playbook_tier(tier: str, a: AccountExplanation, scored: ScoredPortfolio) -> str:
    """At least the escalation tier when a warning is as severe as the profile's escalation severity."""
    esc = scored.profile.escalation
    order = ("critical", "high", "medium", "low")
    if esc is None or not any(
        order.index(w.severity) <= order.index(esc.on_severity) for w in a.churn.warning_signals
    ):
        return tier
    return min(tier, esc.at_least_tier, key=order.index)


def expected_status(days: int | None, scored: ScoredPortfolio) -> str:
    if days is None:
        return "no_end_date"
    if days < 0:
        return "ended"
    return "renewing" if days <= scored.profile.lifecycle.renewal_lead_days else "active"


def check_facts(
    f: DraftFacts,
    kind: str,
    scored: ScoredPortfolio,
    row: int,
    record: dict[str, Any],
    source: DraftSource,
    quarter: str | None,
) -> None:
    a = explain_account(scored, row)
    life = life_of(scored, a, record)
    profile = scored.profile
    blocks = blocks_of(kind)
    assert f.kind == kind
    # Identity and contract, against the raw input.
    assert (f.customer_id, f.name, f.segment) == (record["customer_id"], record["name"], a.segment)
    assert f.arr == pytest.approx(float(record["arr"]))
    assert (f.as_of, f.quarter) == (scored.as_of, quarter)
    end = dt.date.fromisoformat(record["contract_end_date"]) if record.get("contract_end_date") else None
    assert f.renewal_date == end
    days = None if end is None else (end - scored.as_of).days
    assert f.days_to_renewal == days
    assert f.contract_status == expected_status(days, scored)
    # Health, against the engine's arrays and the segment's thresholds.
    h = f.health
    engine_score = float(scored.health.overall[row])
    if engine_score != engine_score:
        assert h.score is None and h.classification == "insufficient_data"
    else:
        assert h.score == pytest.approx(engine_score, abs=0.05)
    assert h.classification == scored.health.classification(row) == a.health.classification
    assert (h.trend, h.trend_priority, h.previous_score) == (
        a.health.trend,
        a.health.trend_priority,
        a.health.previous_score,
    )
    segment = profile.segments[f.segment]
    assert (h.green_min, h.yellow_min) == (segment.green_min, segment.yellow_min)
    if "health_table" in blocks:
        assert f.dimensions is not None
        assert [
            (d.label, d.score, d.band, d.classification, d.previous_score, d.trend) for d in f.dimensions
        ] == [
            (d.label, d.score, d.band, d.classification, d.previous_score, d.trend)
            for d in a.health.dimensions
        ]
        assert [d.weight for d in f.dimensions] == [d.weight for d in profile.health.dimensions]
    else:
        assert f.dimensions is None
    # Churn risk: the multiplier and tier worked out by hand from the profile.
    r = f.risk
    assert r.score == pytest.approx(float(scored.churn.risk[row]), abs=0.05)
    assert r.raw_score == a.churn.raw_score
    assert r.urgency_multiplier == expected_multiplier(days, scored)
    assert r.score == pytest.approx(
        min(100.0, r.raw_score * r.urgency_multiplier), abs=0.05 * r.urgency_multiplier + 0.06
    )
    assert r.tier == expected_tier(r.score, scored) == scored.churn.tier(row)
    assert r.playbook_tier == expected_playbook_tier(r.tier, a, scored)
    assert bool(r.escalated_by) == (r.playbook_tier != r.tier)
    plan = profile.interventions[r.playbook_tier]
    assert (r.playbook, r.owner, r.respond_within_days) == (plan.label, plan.owner, plan.respond_within_days)
    if "warning_signals" in blocks:
        assert [(w.severity, w.signal) for w in f.warnings or []] == [
            (w.severity, w.signal) for w in a.churn.warning_signals
        ]
        assert f.warnings is not None
    else:
        assert f.warnings is None
    # The weakest drivers: every sub-metric under the line, weakest first, at most MAX_DRIVERS.
    if "health_drivers" in blocks:
        weak = sorted(
            (
                m
                for d in a.health.dimensions
                for m in d.metrics
                if m.subscore is not None and m.subscore < drafts.WEAK_SUBSCORE
            ),
            key=lambda m: m.subscore or 0.0,
        )[: drafts.MAX_DRIVERS]
        assert all(m.supplied for m in weak) or profile.health.missing_inputs == "fallback"
        assert f.drivers is not None and len(f.drivers) == len(weak)
        for shown, m in zip(f.drivers, weak, strict=True):
            assert (shown.metric, shown.input_field, shown.value, shown.subscore, shown.supplied) == (
                m.metric,
                m.input_field,
                m.value,
                m.subscore,
                m.supplied,
            )
            assert shown.benchmark == m.benchmark
            kind_of = None if m.benchmark is None else ("maximum" if m.direction == "lower" else "target")
            assert shown.benchmark_kind == kind_of
    else:
        assert f.drivers is None
    assert f.recommendations == (a.health.recommendations if "recommendations" in blocks else None)
    # Adoption, against the input where it is simple.
    if "adoption" in blocks:
        s, raw = f.adoption, a.expansion.adoption_summary
        assert s is not None
        assert (
            s.seat_utilisation_pct,
            s.adopted_modules,
            s.total_modules,
            s.adoption_rate_pct,
            s.avg_usage_pct,
            s.plan_tier,
            s.departments_using,
            s.departments_potential,
            s.enablement_needed,
        ) == (
            raw.seat_utilisation,
            raw.adopted_modules,
            raw.total_modules,
            raw.adoption_rate,
            raw.avg_usage_pct,
            raw.current_tier,
            raw.departments_covered,
            raw.departments_potential,
            raw.enablement_needed,
        )
        contract = record.get("contract") or {}
        if contract.get("licensed_seats") and contract.get("active_seats") is not None:
            assert s.seat_utilisation_pct == round(
                contract["active_seats"] / contract["licensed_seats"] * 100, 1
            )
        elif profile.health.missing_inputs == "omit":
            assert s.seat_utilisation_pct is None, "no seats licensed: no utilisation is stated"
        modules = record.get("product_usage")
        if modules:
            assert (s.adopted_modules, s.total_modules) == (
                sum(bool(m.get("adopted")) for m in modules.values()),
                len(modules),
            )
    else:
        assert f.adoption is None
    # Expansion: the listed opportunities are the highest-priority ones; the total covers them all.
    if "expansion_opportunities" in blocks:
        e, opps = f.expansion, a.expansion.opportunities
        assert e is not None
        assert [(o.rationale, o.estimated_revenue, o.effort, o.priority_score) for o in e.shown] == [
            (o.rationale, o.estimated_revenue, o.effort, o.priority_score)
            for o in opps[: drafts.MAX_OPPORTUNITIES]
        ]
        assert (e.count, e.not_listed) == (len(opps), max(len(opps) - drafts.MAX_OPPORTUNITIES, 0))
        assert e.total_estimated_revenue == pytest.approx(sum(o.estimated_revenue for o in opps), abs=0.5)
        net = sum(o.estimated_revenue for o in opps if o.counted_in_net)
        assert e.net_estimated_revenue == pytest.approx(net, abs=0.5)
        likelihood = profile.expansion.likelihood[a.health.classification]
        assert e.weighted_estimated_revenue == pytest.approx(round(net * likelihood), abs=0.5)
        if e.not_listed:
            assert min(o.priority_score for o in e.shown) >= max(
                o.priority_score for o in opps[len(e.shown) :]
            )
    else:
        assert f.expansion is None
    # The tier's steps, due within_days after as_of, but never after a contract end still ahead.
    if "playbook_steps" in blocks:
        p = f.playbook
        assert p is not None and (p.tier, p.label) == (r.playbook_tier, plan.label)
        assert [(s.text, s.owner) for s in p.steps] == [(s.text, s.owner) for s in plan.steps]
        for shown, step in zip(p.steps, plan.steps, strict=True):
            due = scored.as_of + dt.timedelta(days=step.within_days)
            forward = end is not None and scored.as_of <= end < due
            assert (shown.due, shown.brought_forward) == ((end, True) if forward else (due, False))
        assert p.capped_at == (end if any(s.brought_forward for s in p.steps) else None)
    else:
        assert f.playbook is None
    # Lifecycle, from the record's dates and the profile.
    lf = f.lifecycle
    assert lf.phase == life.phase
    starts = None if end is None else end - dt.timedelta(days=profile.lifecycle.renewal_lead_days)
    assert lf.renewal_work_starts == starts
    assert lf.renewal_work_started == (starts is not None and starts <= scored.as_of)
    assert (lf.review_every_days, lf.touch_model) == (segment.review_every_days, segment.touch_model)
    # Coverage and provenance.
    c = f.coverage
    assert (c.health, c.churn_risk, c.expansion) == (
        a.health.coverage,
        a.churn.coverage,
        a.expansion.coverage,
    )
    missing = [m.label for d in a.health.dimensions for m in d.metrics if not m.supplied]
    missing += [s.label for cat in a.churn.categories for s in cat.signals if not s.supplied]
    assert c.not_supplied == missing
    assert c.left_out == (profile.health.missing_inputs == "omit")
    pv = f.provenance
    assert (pv.portfolio, pv.snapshot, pv.profile) == (source.portfolio, source.snapshot, source.profile)
    assert (
        "usage" in pv.health_inputs
        and "contract_end_date" in pv.churn_inputs
        and "contract" in pv.expansion_inputs
    )


# --------------------------------------------------------------------------- the markdown shows each fact


def check_markdown(f: DraftFacts, text: str) -> None:
    lines = text.splitlines()
    # Title, header and quarter.
    assert lines[0].endswith(": " + escape_markdown(f.name))
    who = f"**{escape_markdown(f.name)}** ({escape_markdown(f.customer_id)})"
    ended = ": renewed, or stale data?" if f.contract_status == "ended" else ""
    assert (
        f"{who} · {f.segment} · {money(f.arr)} ARR · scored as of {day(f.as_of)} · "
        f"{contract_end(f.renewal_date, f.days_to_renewal)}{ended}"
    ) in lines
    if "{{quarter}}" in raw_text("templates", f.kind):
        shown = escape_markdown(f.quarter) if f.quarter else "[to fill: the quarter this review covers]"
        assert f"- Quarter under review: {shown}" in lines
    # Health summary.
    h = f.health
    summary = line_starting(lines, "Health **")
    for part in (
        f"**{score(h.score)}** ({readable(h.classification)})",
        f"trend {readable(h.trend)}",
        f"trend priority **{h.trend_priority}**",
        f"green starts at {number(h.green_min)}",
        f"yellow at {number(h.yellow_min)}",
    ):
        assert part in summary, (part, summary)
    if f.dimensions is not None:
        rows = table_rows(lines, "| Dimension | Score | Class | Previous | Trend | Weight |")
        assert len(rows) == len(f.dimensions) + 1
        for cell, d in zip(rows, f.dimensions, strict=False):
            prev = "—" if d.previous_score is None else number(d.previous_score)
            band = f" ({d.band})" if d.band else ""
            assert cell == [
                d.label,
                score(d.score) + band,
                readable(d.classification),
                prev,
                readable(d.trend),
                share(d.weight),
            ]
        prev = "—" if h.previous_score is None else number(h.previous_score)
        assert rows[-1] == [
            "**Overall**",
            f"**{score(h.score)}**",
            readable(h.classification),
            prev,
            readable(h.trend),
            "",
        ]
    # Churn risk.
    r = f.risk
    risk = line_starting(lines, "Churn risk **")
    for part in (
        f"**{number(r.score)}** ({r.tier})",
        f"raw {number(r.raw_score)} × {number(r.urgency_multiplier)}",
        f"({renewal(f.days_to_renewal)})",
        f"Playbook: {r.playbook}, led by {r.owner}",
    ):
        assert part in risk, (part, risk)
    if r.escalated_by:
        assert f"(escalated from {r.tier}: {escape_markdown('; '.join(r.escalated_by))})." in risk
    if f.warnings is not None:
        shown = [ln for ln in lines if re.match(r"- \*\*(critical|high|medium|low)\*\*: ", ln)]
        assert shown == [f"- **{w.severity}**: {w.signal}" for w in f.warnings]
        if not f.warnings:
            assert "No warning signals in this period's data." in lines
    if f.drivers is not None:
        if not f.drivers:
            assert (
                f"Every sub-metric scores {number(drafts.WEAK_SUBSCORE)} or more against its benchmark."
                in lines
            )
        for m in f.drivers:
            line = line_starting(lines, f"- {readable(m.metric)}: ")
            value = m.value if isinstance(m.value, str) else ("—" if m.value is None else number(m.value))
            assert line.startswith(f"- {readable(m.metric)}: {escape_markdown(value)}")
            if m.benchmark is not None:
                assert f" against a {m.benchmark_kind} of {number(m.benchmark)}," in line
            assert f"sub-score {score(m.subscore)}" in line
            assert line.endswith("(not supplied: the default was used)") == (not m.supplied)
    if f.recommendations is not None:
        if f.recommendations:
            start = lines.index(f"- {f.recommendations[0]}")
            assert lines[start : start + len(f.recommendations)] == [f"- {x}" for x in f.recommendations]
        else:
            assert "No health recommendation is triggered." in lines
    if f.adoption is not None:
        s = f.adoption
        seats = (
            "no licensed seats on file"
            if s.seat_utilisation_pct is None
            else f"{number(s.seat_utilisation_pct)}%"
        )
        assert f"- Seat utilisation: {seats}" in lines
        assert (
            f"- Modules adopted: {s.adopted_modules} of {s.total_modules} ({number(s.adoption_rate_pct)}%), "
            f"average use of adopted modules {number(s.avg_usage_pct)}%"
        ) in lines
        assert f"- Plan tier: {escape_markdown(s.plan_tier or 'not recorded')}" in lines
        assert (
            f"- Departments using the product: {s.departments_using}; "
            f"named as potential: {s.departments_potential}"
        ) in lines
        enablement = [ln for ln in lines if ln.startswith("- Adopted but barely used (enablement first): ")]
        assert enablement == (
            [
                f"- Adopted but barely used (enablement first): "
                f"{escape_markdown(', '.join(s.enablement_needed))}"
            ]
            if s.enablement_needed
            else []
        )
    if f.expansion is not None:
        e = f.expansion
        if not e.shown:
            assert "The data shows no expansion opportunity." in lines
        else:
            rows = table_rows(lines, "| Opportunity | Estimated ARR | Effort | Priority |")
            assert rows == [
                [escape_markdown(o.rationale), money(o.estimated_revenue), o.effort, number(o.priority_score)]
                for o in e.shown
            ]
            total = line_starting(lines, "Total estimated: ")
            assert total.startswith(
                f"Total estimated: {money(e.total_estimated_revenue)} across {e.count} opportunities"
            )
            assert total.endswith(
                f"net of the seat/tier overlap {money(e.net_estimated_revenue)}, weighted by likelihood "
                f"{money(e.weighted_estimated_revenue)}."
            )
            assert (f"; {e.not_listed} smaller not listed" in total) == (e.not_listed > 0)
            for o in e.shown:  # the amount quoted inside the rationale is the same figure as the column
                assert re.findall(r"\$[\d,]+", o.rationale) == [money(o.estimated_revenue)]
                if o.rationale.endswith("; after the renewal is secured"):
                    assert f.health.classification == "red", "only a red account's plays wait for the renewal"
    if f.playbook is not None:
        p = f.playbook
        assert f"{p.label} ({p.tier} playbook):" in lines
        assert table_rows(lines, "| Step | Owner | Due |") == [[s.text, s.owner, day(s.due)] for s in p.steps]
        note = f"Steps due after the contract end ({day(p.capped_at)}) are brought forward to it."
        assert (note in lines) == (p.capped_at is not None)
    lf = f.lifecycle
    assert f"- Lifecycle phase: {lf.phase or 'unknown (no contract dates)'}" in lines
    under_way = " (already under way)" if lf.renewal_work_started else ""
    assert f"- Renewal work starts: {day(lf.renewal_work_starts)}{under_way}" in lines
    assert (
        f"- Review cadence for this segment: every {plural(lf.review_every_days, 'day')} ({lf.touch_model})"
    ) in lines
    c = f.coverage
    coverage = line_starting(lines, "Inputs supplied: ")
    assert coverage.startswith(
        f"Inputs supplied: health {share(c.health)}, churn risk {share(c.churn_risk)}, "
        f"expansion {share(c.expansion)}."
    )
    how = "left out of the scores" if c.left_out else "their defaults were scored"
    assert coverage.endswith(
        f"Not on file ({how}): {', '.join(c.not_supplied)}."
        if c.not_supplied
        else "expansion " + share(c.expansion) + "."
    )
    pv = f.provenance
    footer = lines[-1]
    assert footer.startswith(
        f"_Draft generated by customer-success-mcp from portfolio {escape_markdown(pv.portfolio)}, "
        f"{escape_markdown(pv.snapshot)}, scored as of {day(f.as_of)} with the "
        f"{escape_markdown(pv.profile)} profile. Health used: {', '.join(pv.health_inputs)}."
    )
    # The gaps the facts list are exactly the draft's [to fill: ...] marks, in order.
    assert TO_FILL.findall(text) == f.gaps


def check_draft(
    draft: Draft,
    kind: str,
    scored: ScoredPortfolio,
    row: int,
    record: dict[str, Any],
    source: DraftSource,
    quarter: str | None,
) -> None:
    check_facts(draft.facts, kind, scored, row, record, source, quarter)
    check_markdown(draft.facts, draft.markdown)


# --------------------------------------------------------------------------- the reverse: no invented figure


def _walk(value: Any, numbers: set[float], dates: set[str]) -> None:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int | float):
        numbers.add(abs(float(value)))
    elif isinstance(value, dt.date):
        dates.add(value.isoformat())
    elif isinstance(value, str):
        _tokens_into(value, numbers, dates)
    elif isinstance(value, dict):
        for v in value.values():
            _walk(v, numbers, dates)
    elif isinstance(value, list | tuple):
        for v in value:
            _walk(v, numbers, dates)


def _tokens_into(text: str, numbers: set[float], dates: set[str]) -> None:
    for m in TOKEN.finditer(text):
        if m["date"]:
            dates.add(m["date"])
        else:
            numbers.add(float((m["money"] or m["num"]).lstrip("$").replace(",", "")))


def known_figures(
    kind: str, a: AccountExplanation, life: Lifecycle, scored: ScoredPortfolio, quarter: str | None
) -> tuple[set[float], set[str]]:
    """Every figure a draft may show: the engine's explanation (not the draft's facts), the lifecycle, the
    tier's playbook and the segment from the profile, the template with the profile's figures filled in, and
    the drafts' own fixed wording."""
    numbers: set[float] = set()
    dates: set[str] = set()
    _walk(a.model_dump(), numbers, dates)
    _walk(life.model_dump(), numbers, dates)
    plan = scored.profile.interventions[a.churn.playbook_tier]
    _walk(plan.model_dump(), numbers, dates)
    segment = scored.profile.segments[a.segment]
    _walk(
        [segment.touch_model, segment.review_every_days, segment.green_min, segment.yellow_min],
        numbers,
        dates,
    )
    dates |= {(a.as_of + dt.timedelta(days=s.within_days)).isoformat() for s in plan.steps}
    if a.churn.renewal_date is not None:
        dates.add(a.churn.renewal_date.isoformat())
    _tokens_into(fill_inline(raw_text("templates", kind), profile_figures(scored.profile)), numbers, dates)
    _tokens_into(quarter or "", numbers, dates)
    numbers.add(drafts.WEAK_SUBSCORE)  # "Every sub-metric scores 70 or more against its benchmark."
    numbers.add(float(len(a.expansion.opportunities) - drafts.MAX_OPPORTUNITIES))  # "(k smaller not listed)"
    return numbers, dates


def invented_figures(text: str, numbers: set[float], dates: set[str]) -> list[str]:
    invented = []
    for m in TOKEN.finditer(text):
        if m["date"]:
            if m["date"] not in dates:
                invented.append(m["date"])
            continue
        shown = (m["money"] or m["num"]).lstrip("$").replace(",", "")
        value = float(shown)
        decimals = len(shown.split(".")[1]) if "." in shown else 0
        candidates = numbers | ({n * 100 for n in numbers} if m["pct"] else set())
        if not any(round(n, decimals) == value for n in candidates):
            invented.append(m[0])
    return invented
