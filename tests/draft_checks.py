"""Shared checks of the drafts: their facts against the engine, and the markdown against the facts.

Used by test_drafts.py (facts, words, snapshots), test_draft_audiences.py (what each audience may read),
test_draft_files.py (deck and document) and test_draft_tools.py (MCP tools and CLI). Expected values are
worked out from the raw input and the profile where that is simple, else read from the engine's
explanation of the account, never from the draft itself.
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
from customer_success_mcp.render.drafts import Draft, DraftSource, draft_for_account, template_name
from customer_success_mcp.render.markdown import escape_markdown
from customer_success_mcp.scoring.lifecycle import Lifecycle, lifecycle_of
from customer_success_mcp.scoring.models import AccountExplanation, DimensionBreakdown, MetricBreakdown

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "portfolio.json"
CSM = shutil.which("csm", path=str(Path(sys.executable).parent)) or str(Path(sys.executable).parent / "csm")
RECORDS: dict[str, dict[str, Any]] = {
    r["customer_id"]: r for r in json.loads(EXAMPLE.read_text())["customers"]
}
ALL_IDS = sorted(RECORDS)
# Named accounts of examples/portfolio.json (as_of 2026-11-23) and what each one exercises.
RED_CRITICAL = "ACC-00016"  # Pinebridge Outfitters Group: red, critical, renewal in 50 days (the snapshots)
GREEN_EXPANDING = "ACC-00017"  # Cresthill Technologies: the largest account, green, renewal in 15 days
NAMED = {
    RED_CRITICAL: ("red", "critical"),
    "ACC-00008": ("red", "high"),  # renewal in 114 days
    "ACC-00018": ("red", "high"),  # ten opportunities, all held until the renewal is secured
    "ACC-00003": ("yellow", "high"),  # renewal in 3 days: steps brought forward
    "ACC-00050": ("green", "low"),  # no relationship inputs: that dimension is left out (no data)
    GREEN_EXPANDING: ("green", "low"),
    "ACC-00030": ("green", "low"),  # contract ended 28 days before as_of
    "ACC-00034": ("green", "low"),  # renewal in 95 days
}
# Every draft: (kind, audience). A save plan is internal only.
DRAFTS = (
    ("qbr", "customer"),
    ("qbr", "internal"),
    ("ebr", "customer"),
    ("ebr", "internal"),
    ("save-plan", "internal"),
)
CUSTOMER_DRAFTS = [d for d in DRAFTS if d[1] == "customer"]
CASES = [
    pytest.param(kind, audience, cid, id=f"{kind}-{audience}-{cid}")
    for kind, audience in DRAFTS
    for cid in ALL_IDS
]
QUARTER = "Q4 2026"
SNAPSHOT_ACCOUNT = RED_CRITICAL
SNAPSHOTS = {
    (kind, audience): ROOT / "tests" / "snapshots" / f"{template_name(kind, audience)}_{SNAPSHOT_ACCOUNT}.md"
    for kind, audience in DRAFTS
}

TOKEN = re.compile(
    r"(?P<date>(?<!\d)\d{4}-\d{2}-\d{2}(?!\d))"
    r"|(?P<money>\$(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)"
    r"|(?<![\w.\\-])(?P<num>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)(?P<pct>%)?"
)
UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")
TO_FILL = re.compile(r"\[to fill: ([^\]\n]+)\]")
# Words that belong to our own view of the account, never to a document the customer reads: churn risk and
# its tiers, warning signals, playbooks and escalations, revenue estimates and plays, coaching notes
# (the templates' "_If the account is ..." guidance), the health classes as colours, and our relationship
# readings. "Escalation rate" stays allowed: it is the customer's support figure.
INTERNAL_WORDS = re.compile(
    r"\b(churn|risks?|tiers?|warnings?|signals?|playbooks?|escalated|upsell\w*|expansion|opportunit\w*"
    r"|estimat\w*|ARR|save plans?|coach\w*|interventions?|urgency|priority|at stake|discount|walk-away"
    r"|deal desk|internal|rescue|likelihood|sentiment|red|yellow|green|plays?)\b"
    r"|\$|_If the ",
    re.IGNORECASE,
)
AREA_STATUS = {"green": "on track", "yellow": "needs attention", "red": "needs action"}


# --------------------------------------------------------------------------- helpers


@cache
def example() -> ScoredPortfolio:
    return score_file(EXAMPLE, AS_OF)


def cli_source(scored: ScoredPortfolio) -> DraftSource:
    """The provenance `csm draft ... examples/portfolio.json` gives."""
    return DraftSource("portfolio.json", "read from the file", scored.as_of, scored.profile.name)


@cache
def example_draft(kind: str, cid: str, quarter: str | None = QUARTER, audience: str | None = None) -> Draft:
    """A draft of the example; the audience defaults as the tools do (customer, internal for a save plan)."""
    scored = example()
    who = audience or ("internal" if kind == "save-plan" else "customer")
    return draft_for_account(scored, find_account(scored.table, cid), kind, cli_source(scored), quarter, who)  # type: ignore[arg-type]


def life_of(scored: ScoredPortfolio, a: AccountExplanation, record: dict[str, Any]) -> Lifecycle:
    """The lifecycle from the record's own date strings (not the table's ordinals)."""
    return lifecycle_of(
        scored.profile,
        a.segment,
        record_date(record, "contract_start_date"),
        record_date(record, "contract_end_date"),
        scored.as_of,
    )


def record_date(record: dict[str, Any], field: str) -> dt.date | None:
    return dt.date.fromisoformat(record[field]) if record.get(field) else None


def blocks_of(kind: str, audience: str) -> set[str]:
    return set(re.findall(r"\{\{([a-z_]+)\}\}", raw_text("templates", template_name(kind, audience))))  # type: ignore[arg-type]


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


def section(text: str, heading: str) -> list[str]:
    """The non-blank lines under a `## ` heading, up to the next heading or rule."""
    lines = text.splitlines()
    assert f"## {heading}" in lines, f"no section {heading!r}"
    out = []
    for line in lines[lines.index(f"## {heading}") + 1 :]:
        if line.startswith("#") or line == "---":
            break
        if line.strip():
            out.append(line)
    return out


def customer_facing(a: AccountExplanation) -> list[DimensionBreakdown]:
    """The dimensions a customer draft shows: those read from the customer's own use and service, not from
    our relationship inputs (sponsor engagement, contacts, renewal sentiment)."""
    return [
        d
        for d in a.health.dimensions
        if not any(m.input_field.startswith("relationship.") for m in d.metrics)
    ]


def weak_metrics(dims: list[DimensionBreakdown]) -> list[MetricBreakdown]:
    """Every sub-metric under the weak line, weakest first."""
    scored = [m for d in dims for m in d.metrics if m.subscore is not None]
    return sorted(
        (m for m in scored if (m.subscore or 0.0) < drafts.WEAK_SUBSCORE), key=lambda m: m.subscore or 0.0
    )


def benchmark_kind(m: MetricBreakdown) -> str | None:
    return None if m.benchmark is None else ("maximum" if m.direction == "lower" else "target")


def evidence_words(m: MetricBreakdown) -> str:
    """How a weak sub-metric is quoted as evidence: 'login frequency 25 against a target of 80'."""
    shown = m.value if isinstance(m.value, str) else ("no data" if m.value is None else number(m.value))
    against = "" if m.benchmark is None else f" against a {benchmark_kind(m)} of {number(m.benchmark)}"
    return f"{m.label} {shown}{against}"


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


def expected_note_codes(a: AccountExplanation, record: dict[str, Any], scored: ScoredPortfolio) -> list[str]:
    """The data notes an internal draft must make, from the record by hand."""
    codes = []
    if a.health.previous_score_mismatch:
        codes.append("previous_score_mismatch")
    if (record.get("contract") or {}).get("licensed_seats") == 0:
        codes.append("seats_licensed_zero")
    start, end = record_date(record, "contract_start_date"), record_date(record, "contract_end_date")
    if start is not None and end is not None and start >= end:
        codes.append("start_after_end")
    elif start is not None and start > scored.as_of:
        codes.append("not_started")
    if end is not None and end < scored.as_of:
        codes.append("contract_ended")
    elif start is None and end is not None:
        codes.append("no_start_date")
    if a.health.coverage < scored.profile.targets.low_coverage_below:
        codes.append("low_coverage")
    return codes


def expected_steps(
    a: AccountExplanation, scored: ScoredPortfolio
) -> list[tuple[str, str, dt.date, bool, list[str]]]:
    """(text, owner, due, brought forward, answers) of the playbook tier's steps in due-date order (ties in
    the playbook's order): due `within_days` after as_of but never after a contract end still ahead, each
    answering the account's warnings (then weak sub-metrics) on the inputs it names, else its tier."""
    c = a.churn
    plan = scored.profile.interventions[c.playbook_tier]
    end = c.renewal_date
    evidence: dict[str, str] = {}
    for w in c.warning_signals:
        evidence.setdefault(w.field, w.signal)
    for m in weak_metrics(a.health.dimensions):
        evidence.setdefault(m.input_field, evidence_words(m))
    steps = []
    for step in plan.steps:
        due = a.as_of + dt.timedelta(days=step.within_days)
        forward = end is not None and a.as_of <= end < due
        answers = [text for field, text in evidence.items() if field in step.answers][:3]
        tier = f"the {c.playbook_tier} risk tier (churn risk {c.risk_score:g})"
        steps.append((step.text, step.owner, end if forward and end else due, forward, answers or [tier]))
    return sorted(steps, key=lambda s: s[2])  # sorted() is stable: equal dates keep the playbook's order


def check_facts(
    f: DraftFacts,
    kind: str,
    audience: str,
    scored: ScoredPortfolio,
    row: int,
    record: dict[str, Any],
    source: DraftSource,
    quarter: str | None,
) -> None:
    a = explain_account(scored, row)
    life = life_of(scored, a, record)
    profile = scored.profile
    blocks = blocks_of(kind, audience)
    customer, meeting = audience == "customer", kind != "save-plan"
    assert (f.kind, f.audience) == (kind, audience)
    # Identity and contract, against the raw input.
    assert (f.customer_id, f.name, f.segment) == (record["customer_id"], record["name"], a.segment)
    assert f.arr == pytest.approx(float(record["arr"]))
    assert (f.as_of, f.quarter) == (scored.as_of, quarter)
    end = record_date(record, "contract_end_date")
    start = record_date(record, "contract_start_date")
    assert f.renewal_date == end
    days = None if end is None else (end - scored.as_of).days
    assert f.days_to_renewal == days
    assert f.contract_status == expected_status(days, scored)
    seats = record.get("contract") or {}
    c = f.contract
    assert (c.contract_type, c.start_date, c.end_date, c.days_left, c.owner) == (
        (record.get("commercial_factors") or {}).get("contract_type"),
        start,
        end,
        days,
        record.get("owner"),
    )
    assert (c.licensed_seats, c.active_seats) == (seats.get("licensed_seats"), seats.get("active_seats"))
    assert c.arr_at_stake == pytest.approx(float(record["arr"]))
    # Health, against the engine's arrays and the segment's thresholds.
    h = f.health
    engine_score = float(scored.health.overall[row])
    if engine_score != engine_score:
        assert h.score is None and h.classification == "insufficient_data"
    else:
        assert h.score == pytest.approx(engine_score, abs=0.05)
    assert h.classification == scored.health.classification(row) == a.health.classification
    assert (h.trend, h.previous_score) == (a.health.trend, a.health.previous_score)
    assert h.trend_priority == (None if customer else a.health.trend_priority)
    segment = profile.segments[f.segment]
    assert (h.green_min, h.yellow_min) == (segment.green_min, segment.yellow_min)
    shown_dims = customer_facing(a) if customer else a.health.dimensions
    if blocks & {"health_table", "health_by_area"}:
        assert f.dimensions is not None
        assert [
            (d.label, d.score, d.band, d.classification, d.previous_score, d.trend) for d in f.dimensions
        ] == [(d.label, d.score, d.band, d.classification, d.previous_score, d.trend) for d in shown_dims]
        weights = {d.name: d.weight for d in profile.health.dimensions}
        assert [d.weight for d in f.dimensions] == [weights[d.name] for d in f.dimensions]
    else:
        assert f.dimensions is None
    # Churn risk: internal only; the multiplier and tier worked out by hand from the profile.
    r = f.risk
    if customer:
        assert r is None
    else:
        assert r is not None
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
        assert (r.playbook, r.owner, r.respond_within_days) == (
            plan.label,
            plan.owner,
            plan.respond_within_days,
        )
    if "warning_signals" in blocks:
        assert f.warnings is not None
        assert [(w.severity, w.signal) for w in f.warnings] == [
            (w.severity, w.signal) for w in a.churn.warning_signals
        ]
    else:
        assert f.warnings is None
    # The weakest sub-metrics of the dimensions shown, weakest first, at most MAX_DRIVERS.
    if blocks & {"health_drivers", "focus_areas"}:
        weak = weak_metrics(shown_dims)[: drafts.MAX_DRIVERS]
        assert f.drivers is not None
        assert [
            (d.metric, d.input_field, d.value, d.subscore, d.supplied, d.benchmark, d.benchmark_kind)
            for d in f.drivers
        ] == [
            (m.metric, m.input_field, m.value, m.subscore, m.supplied, m.benchmark, benchmark_kind(m))
            for m in weak
        ]
    else:
        assert f.drivers is None
    assert f.recommendations == (a.health.recommendations if "recommendations" in blocks else None)
    # Adoption and outcomes, against the input where it is simple.
    if meeting:
        s, raw = f.adoption, a.expansion.adoption_summary
        assert s is not None
        assert (
            s.seat_utilisation_pct,
            s.adopted_modules,
            s.total_modules,
            s.avg_usage_pct,
            s.plan_tier,
            s.enablement_needed,
        ) == (
            raw.seat_utilisation,
            raw.adopted_modules,
            raw.total_modules,
            raw.avg_usage_pct,
            raw.current_tier,
            raw.enablement_needed,
        )
        if seats.get("licensed_seats") and seats.get("active_seats") is not None:
            assert s.seat_utilisation_pct == round(seats["active_seats"] / seats["licensed_seats"] * 100, 1)
        elif profile.health.missing_inputs == "omit":
            assert s.seat_utilisation_pct is None, "no seats licensed: no utilisation is stated"
        modules = record.get("product_usage")
        if modules:
            assert (s.adopted_modules, s.total_modules) == (
                sum(bool(m.get("adopted")) for m in modules.values()),
                len(modules),
            )
        outcomes = record.get("outcomes")
        if outcomes:
            assert f.outcomes is not None and f.outcomes.model_dump() == {
                k: outcomes.get(k) for k in f.outcomes.model_dump()
            }
        else:
            assert f.outcomes is None
    else:
        assert (f.adoption, f.outcomes) == (None, None)
    if "customer_adoption" in blocks:
        assert f.modules_in_use == [
            n for n, m in (record.get("product_usage") or {}).items() if m.get("adopted")
        ]
        assert f.departments_using == list((record.get("departments") or {}).get("current") or [])
    else:
        assert (f.modules_in_use, f.departments_using) == (None, None)
    # Expansion plays: internal meeting briefs only, and none on a red account before the renewal.
    if "plays_now" in blocks:
        e, opps = f.expansion, a.expansion.opportunities
        assert e is not None
        red = a.health.classification == "red"
        listed = [] if red else opps[: drafts.MAX_PLAYS]
        assert e.held_until_renewal == red
        assert [(o.rationale, o.estimated_revenue, o.effort, o.priority_score) for o in e.shown] == [
            (o.rationale, o.estimated_revenue, o.effort, o.priority_score) for o in listed
        ]
        assert (e.count, e.not_listed) == (len(opps), len(opps) - len(listed))
        assert e.total_estimated_revenue == pytest.approx(sum(o.estimated_revenue for o in opps), abs=0.5)
        net = sum(o.estimated_revenue for o in opps if o.counted_in_net)
        assert e.net_estimated_revenue == pytest.approx(net, abs=0.5)
        likelihood = profile.expansion.likelihood[a.health.classification]
        assert e.weighted_estimated_revenue == pytest.approx(round(net * likelihood), abs=0.5)
    else:
        assert f.expansion is None
    # The tier's steps in due-date order, each with the signals it answers.
    if "playbook_steps" in blocks:
        p = f.playbook
        assert p is not None and r is not None
        assert (p.tier, p.label) == (r.playbook_tier, profile.interventions[r.playbook_tier].label)
        assert [(s.text, s.owner, s.due, s.brought_forward, s.answers) for s in p.steps] == expected_steps(
            a, scored
        )
        assert [s.due for s in p.steps] == sorted(s.due for s in p.steps)
        assert p.capped_at == (end if any(s.brought_forward for s in p.steps) else None)
    else:
        assert f.playbook is None
    # Renewal checkpoints, counted back from a contract end still ahead.
    if "renewal" in blocks:
        life_days = profile.lifecycle
        back = {
            "renewal work starts": life_days.renewal_lead_days,
            "value review": life_days.value_review_days,
            "proposal": life_days.proposal_days,
            "close": life_days.close_days,
        }
        want = (
            []
            if end is None or days is None or days < 0
            else sorted(
                ((label, end - dt.timedelta(days=n)) for label, n in back.items()), key=lambda k: k[1]
            )
        )
        assert f.checkpoints is not None
        assert [(k.label, k.due, k.days_from_as_of) for k in f.checkpoints] == [
            (label, due, (due - scored.as_of).days) for label, due in want
        ]
    else:
        assert f.checkpoints is None
    # Lists for one audience only.
    if customer:
        assert (f.questions, f.avoid, f.talking_points, f.data_notes) == (None, None, None, None)
        assert f.next_steps is not None and f.next_steps[-1].startswith(
            "Agree the priorities for next quarter"
        )
        lead = profile.lifecycle.renewal_lead_days
        assert any("contract renews on" in s for s in f.next_steps) == (
            days is not None and 0 <= days <= lead
        )
    else:
        assert f.next_steps is None
        assert f.data_notes is not None
        assert [n.code for n in f.data_notes] == expected_note_codes(a, record, scored)
        if meeting:
            assert f.questions and f.avoid
            assert (
                f.questions[-1] == "What would make next quarter a success for them, in their own measures?"
            )
            assert [q for q in f.questions if q.endswith(": ask what changed, for whom and since when.")] == [
                f"{w.signal}: ask what changed, for whom and since when." for w in a.churn.warning_signals[:3]
            ]
            assert f.avoid[0].startswith("Showing the customer this brief")
            assert any("Proposing growth before the renewal" in x for x in f.avoid) == (
                a.health.classification == "red"
            )
            assert f.talking_points  # equal to the customer version's summary: test_draft_audiences.py
        else:
            assert (f.questions, f.avoid, f.talking_points) == (None, None, None)
    assert 3 <= len(f.summary) <= 5, f.summary
    # Lifecycle, from the record's dates and the profile.
    lf = f.lifecycle
    assert lf.phase == life.phase
    starts = None if end is None else end - dt.timedelta(days=profile.lifecycle.renewal_lead_days)
    assert lf.renewal_work_starts == starts
    assert lf.renewal_work_started == (starts is not None and starts <= scored.as_of)
    assert (lf.review_every_days, lf.touch_model) == (segment.review_every_days, segment.touch_model)
    # Coverage and provenance.
    cov = f.coverage
    assert cov.health == a.health.coverage
    assert (cov.churn_risk, cov.expansion) == (
        (None, None) if customer else (a.churn.coverage, a.expansion.coverage)
    )
    missing = [m.label for d in shown_dims for m in d.metrics if not m.supplied]
    if not customer:
        missing += [s.label for cat in a.churn.categories for s in cat.signals if not s.supplied]
    assert cov.not_supplied == missing
    assert cov.left_out == (profile.health.missing_inputs == "omit")
    pv = f.provenance
    assert (pv.portfolio, pv.snapshot, pv.profile) == (source.portfolio, source.snapshot, source.profile)
    assert "usage" in pv.health_inputs and ("relationship" in pv.health_inputs) == (not customer)
    assert "contract_end_date" in pv.churn_inputs and "contract" in pv.expansion_inputs


# --------------------------------------------------------------------------- the markdown shows each fact


def check_markdown(f: DraftFacts, text: str) -> None:
    lines = text.splitlines()
    customer = f.audience == "customer"
    blocks = blocks_of(f.kind, f.audience)
    assert lines[0].endswith(": " + escape_markdown(f.name))
    # Header, executive summary and quarter.
    if customer:
        assert f"**{escape_markdown(f.name)}** · figures as of {day(f.as_of)}" in lines
    else:
        who = f"**{escape_markdown(f.name)}** ({escape_markdown(f.customer_id)})"
        ended = ": renewed, or stale data?" if f.contract_status == "ended" else ""
        assert (
            f"{who} · {f.segment} · {money(f.arr)} ARR · scored as of {day(f.as_of)} · "
            f"{contract_end(f.renewal_date, f.days_to_renewal)}{ended}"
        ) in lines
    assert section(text, "Executive summary") == [escape_markdown(" ".join(f.summary))]
    if "{{quarter}}" in raw_text("templates", template_name(f.kind, f.audience)):
        shown = escape_markdown(f.quarter) if f.quarter else "[to fill: the quarter this review covers]"
        assert f"- Quarter under review: {shown}" in lines
    h = f.health
    if "health_summary" in blocks:
        summary = line_starting(lines, "Health **")
        assert summary == (
            f"Health **{score(h.score)}** ({readable(h.classification)}), trend {readable(h.trend)}, "
            "trend priority "
            f"**{h.trend_priority}**. In this segment green starts at {number(h.green_min)} and yellow at "
            f"{number(h.yellow_min)}."
        )
    if "health_table" in blocks:
        assert f.dimensions is not None
        rows = table_rows(lines, "| Dimension | Score | Class | Previous | Trend | Weight |")
        assert rows == [
            [
                d.label,
                score(d.score) + (f" ({d.band})" if d.band else ""),
                readable(d.classification),
                "—" if d.previous_score is None else number(d.previous_score),
                readable(d.trend),
                share(d.weight),
            ]
            for d in f.dimensions
        ] + [
            [
                "**Overall**",
                f"**{score(h.score)}**",
                readable(h.classification),
                "—" if h.previous_score is None else number(h.previous_score),
                readable(h.trend),
                "",
            ]
        ]
    if "health_by_area" in blocks:
        assert f.dimensions is not None
        rows = table_rows(lines, "| Area | Score | Last period | Direction | Status |")
        assert rows == [
            [
                d.label,
                score(d.score),
                "—" if d.previous_score is None else number(d.previous_score),
                readable(d.trend),
                AREA_STATUS.get(d.classification, "too little data"),
            ]
            for d in f.dimensions
        ]
    if f.risk is not None and "risk_summary" in blocks:
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
        assert ("No warning signals in this period's data." in lines) == (not f.warnings)
    if f.drivers is not None and "health_drivers" in blocks:
        if not f.drivers:
            assert (
                f"Every sub-metric scores {number(drafts.WEAK_SUBSCORE)} or more against its benchmark."
                in lines
            )
        for m in f.drivers:
            value = m.value if isinstance(m.value, str) else ("—" if m.value is None else number(m.value))
            against = "" if m.benchmark is None else f" against a {m.benchmark_kind} of {number(m.benchmark)}"
            missing = "" if m.supplied else " (not supplied: the default was used)"
            assert (
                f"- {readable(m.metric)}: {escape_markdown(value)}{against}, "
                f"sub-score {score(m.subscore)}{missing}"
            ) in lines
    if f.drivers is not None and "focus_areas" in blocks:
        if not f.drivers:
            assert "Every measure on file is at or close to its benchmark." in lines
        for m in f.drivers:
            value = m.value if isinstance(m.value, str) else ("—" if m.value is None else number(m.value))
            against = ""
            if m.benchmark is not None:
                against = (
                    f", against a target of {number(m.benchmark)}"
                    if m.benchmark_kind == "target"
                    else f", where lower is better (benchmark ceiling {number(m.benchmark)})"
                )
            assert f"- {m.label[:1].upper() + m.label[1:]}: {escape_markdown(value)}{against}" in lines
    if f.recommendations is not None:
        if f.recommendations:
            start = lines.index(f"- {f.recommendations[0]}")
            assert lines[start : start + len(f.recommendations)] == [f"- {x}" for x in f.recommendations]
        else:
            assert "No health recommendation is triggered." in lines
    if "customer_adoption" in blocks and f.adoption is not None:
        a, c = f.adoption, f.contract
        seat_lines = [ln for ln in lines if ln.startswith("- Seats in use: ")]
        if c.licensed_seats and c.active_seats is not None:
            pct = "" if a.seat_utilisation_pct is None else f" ({number(a.seat_utilisation_pct)}%)"
            assert seat_lines == [
                f"- Seats in use: {number(c.active_seats)} of {number(c.licensed_seats)} licensed{pct}"
            ]
        else:
            assert seat_lines == [], "no licensed seats on file: no seat figure for the customer"
        if a.total_modules:
            assert line_starting(lines, "- Modules in use: ").startswith(
                f"- Modules in use: {a.adopted_modules} of {a.total_modules}"
            )
    if "customer_outcomes" in blocks:
        o = f.outcomes
        if o is None or all(v is None for v in o.model_dump().values()):
            assert any(ln.startswith("- Outcome figures: [to fill:") for ln in lines)
        else:
            if o.goals_met_pct is not None:
                assert f"- Goals met: {number(o.goals_met_pct)}%" in lines
            if o.roi_achieved is not None:
                assert line_starting(lines, "- Return on investment: ").startswith(
                    f"- Return on investment: {number(o.roi_achieved)}x"
                )
    if "customer_contract" in blocks:
        c = f.contract
        if c.end_date is None or c.days_left is None or c.days_left < 0:
            assert any(ln.startswith("- Current term: [to fill:") for ln in lines)
        else:
            since = f" from {day(c.start_date)}" if c.start_date and c.start_date < c.end_date else ""
            kind = f"{escape_markdown(c.contract_type)} " if c.contract_type else ""
            assert f"- Your {kind}contract runs{since} to {day(c.end_date)}." in lines
    for name in ("questions", "avoid", "talking_points", "next_steps"):
        items = getattr(f, name)
        if name in blocks:
            assert items, name
            start = lines.index(f"- {escape_markdown(items[0])}")
            assert lines[start : start + len(items)] == [f"- {escape_markdown(x)}" for x in items], name
    if f.data_notes is not None:
        if f.data_notes:
            assert section(text, "Check the data first") == [
                f"- {escape_markdown(n.text)}" for n in f.data_notes
            ]
        else:
            assert section(text, "Check the data first") == [
                "No input contradicts another: previous scores, seats and contract dates agree."
            ]
    if f.expansion is not None:
        e = f.expansion
        if e.held_until_renewal:
            assert any(
                ln.startswith("None before the renewal is secured: the account is red.") for ln in lines
            )
            assert "| Play | Estimated ARR | Effort | Priority |" not in lines
        elif not e.shown:
            assert "The data shows no expansion opportunity." in lines
        else:
            rows = table_rows(lines, "| Play | Estimated ARR | Effort | Priority |")
            assert rows == [
                [escape_markdown(o.rationale), money(o.estimated_revenue), o.effort, number(o.priority_score)]
                for o in e.shown
            ]
            total = line_starting(lines, "Total estimated: ")
            assert total.startswith(
                f"Total estimated: {money(e.total_estimated_revenue)} across {e.count} opportunit"
            )
            assert (f"; {e.not_listed} smaller not listed" in total) == (e.not_listed > 0)
    if f.playbook is not None:
        p = f.playbook
        assert f"{p.label} ({p.tier} playbook), due dates counted from the scoring date:" in lines
        assert table_rows(lines, "| Due | Step | Owner | Answers |") == [
            [day(s.due), s.text, s.owner, escape_markdown("; ".join(s.answers))] for s in p.steps
        ]
        note = f"Steps due after the contract end ({day(p.capped_at)}) are brought forward to it."
        assert (note in lines) == (p.capped_at is not None)
    if "renewal" in blocks:
        c = f.contract
        assert (
            f"- Contract type: {escape_markdown(c.contract_type) if c.contract_type else 'not on file'}"
            in lines
        )
        assert f"- Renewal: {contract_end(f.renewal_date, f.days_to_renewal)}" in lines
        assert f"- ARR at stake: {money(c.arr_at_stake)}" in lines
        lf = f.lifecycle
        phase = lf.phase or f"unknown ({lf.phase_unknown_because})"
        assert f"- Lifecycle phase: {phase}" in lines
        assert (
            f"- Review cadence for this segment: every {plural(lf.review_every_days, 'day')} "
            f"({lf.touch_model})"
        ) in lines
    if "coverage_note" in blocks:
        c = f.coverage
        coverage = line_starting(lines, "Inputs supplied: ")
        assert c.churn_risk is not None and c.expansion is not None
        assert coverage.startswith(
            f"Inputs supplied: health {share(c.health)}, churn risk {share(c.churn_risk)}, "
            f"expansion {share(c.expansion)}."
        )
    if "customer_appendix" in blocks:
        assert f"- Share of the health inputs on file: {share(f.coverage.health)}." in lines
    pv = f.provenance
    footer = lines[-1]
    assert footer.startswith(
        f"_Draft generated by customer-success-mcp from portfolio {escape_markdown(pv.portfolio)}, "
        f"{escape_markdown(pv.snapshot)}, scored as of {day(f.as_of)} with the "
        f"{escape_markdown(pv.profile)} profile. Health used: {', '.join(pv.health_inputs)}."
    )
    # The gaps the facts list are exactly the draft's [to fill: ...] marks, in order, and listed once more
    # at the end for the CSM.
    body, _, tail = text.rpartition("**Gaps to fill**")
    assert TO_FILL.findall(body) == f.gaps
    assert [ln.split(". ", 1)[1] for ln in tail.splitlines() if re.match(r"\d+\. ", ln)] == f.gaps


def check_draft(
    draft: Draft,
    kind: str,
    audience: str,
    scored: ScoredPortfolio,
    row: int,
    record: dict[str, Any],
    source: DraftSource,
    quarter: str | None,
) -> None:
    check_facts(draft.facts, kind, audience, scored, row, record, source, quarter)
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


def _record_figures(record: dict[str, Any], numbers: set[float], dates: set[str]) -> None:
    """What the file states beyond the scores: seats, outcomes and the contract dates."""
    _walk([record.get("contract", {}).get(k) for k in ("licensed_seats", "active_seats")], numbers, dates)
    _walk(record.get("outcomes") or {}, numbers, dates)
    _walk(
        [record_date(record, "contract_start_date"), record_date(record, "contract_end_date")], numbers, dates
    )


def known_figures(
    kind: str,
    audience: str,
    a: AccountExplanation,
    life: Lifecycle,
    scored: ScoredPortfolio,
    record: dict[str, Any],
    quarter: str | None,
    gaps: int,
) -> tuple[set[float], set[str]]:
    """Every figure a draft for `audience` may show.

    Customer: the scores and benchmarks of the customer-facing dimensions, adoption, the file's seats,
    outcomes and contract dates, the share of health inputs on file, the template with the profile's figures.
    Internal: also the whole of the engine's explanation (churn risk, warnings, opportunities), the
    lifecycle, the tier's playbook, the segment and the renewal checkpoints. Both: the quarter, and the
    numbering and count of the gap list (`gaps`)."""
    numbers: set[float] = set()
    dates: set[str] = {a.as_of.isoformat()}
    template = raw_text("templates", template_name(kind, audience))  # type: ignore[arg-type]
    _tokens_into(fill_inline(template, profile_figures(scored.profile)), numbers, dates)
    _tokens_into(quarter or "", numbers, dates)
    _record_figures(record, numbers, dates)
    numbers |= {float(i) for i in range(1, gaps + 1)}
    if audience == "customer":
        for d in customer_facing(a):
            _walk([d.score, d.previous_score], numbers, dates)
            _walk([[m.value, m.benchmark] for m in d.metrics if not isinstance(m.value, str)], numbers, dates)
        s = a.expansion.adoption_summary
        _walk([s.seat_utilisation, s.adopted_modules, s.total_modules, s.avg_usage_pct], numbers, dates)
        numbers.add(round(a.health.coverage * 100))
        return numbers, dates
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
    end = a.churn.renewal_date
    if end is not None:
        lc = scored.profile.lifecycle
        for back in (lc.renewal_lead_days, lc.value_review_days, lc.proposal_days, lc.close_days):
            due = end - dt.timedelta(days=back)
            dates.add(due.isoformat())
            numbers.add(float(abs((due - a.as_of).days)))
    numbers.add(drafts.WEAK_SUBSCORE)  # "Every sub-metric scores 70 or more against its benchmark."
    numbers.add(float(len(a.expansion.opportunities) - drafts.MAX_PLAYS))  # "(k smaller not listed)"
    numbers.add(0.0)  # "Seats licensed is 0 on file"
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
