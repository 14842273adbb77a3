"""Deterministic drafts (issue 4, items 4 to 6): QBR, EBR and save-plan markdown filled by the engine.

Every figure a draft shows is parsed back out of the markdown and compared with the engine's explanation
of the account (and, where it is simple, with the raw input); every number-like token of a draft must be
one the engine, the profile or the template itself holds. Drafts carry no placeholder but `[to fill: ...]`,
are byte-for-byte reproducible, keep data as data, and are the same through the library, `csm draft` and
the MCP tools. One full QBR is kept as a reviewed snapshot in tests/snapshots/.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import mcp_types
import pytest
from mcp import Client

from conftest import AS_OF, make_account
from customer_success_mcp.cli import main
from customer_success_mcp.library import raw_text
from customer_success_mcp.pipeline import (
    ScoredPortfolio,
    explain_account,
    find_account,
    score_file,
    score_records,
)
from customer_success_mcp.render import drafts
from customer_success_mcp.render.drafts import DRAFT_KINDS, DraftSource, draft_for_account
from customer_success_mcp.render.markdown import escape_markdown
from customer_success_mcp.scoring.lifecycle import Lifecycle, lifecycle_of
from customer_success_mcp.scoring.models import AccountExplanation
from customer_success_mcp.server.app import build_server
from customer_success_mcp.server.config import ServerConfig
from customer_success_mcp.server.service import PortfolioService

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "portfolio.json"
SNAPSHOT = ROOT / "tests" / "snapshots" / "qbr_ACC-00017.md"
SNAPSHOT_COMMAND = (
    'csm draft qbr ACC-00017 examples/portfolio.json --quarter "Q4 2026" > tests/snapshots/qbr_ACC-00017.md'
)
CSM = shutil.which("csm", path=str(Path(sys.executable).parent)) or str(Path(sys.executable).parent / "csm")
RECORDS: dict[str, dict[str, Any]] = {
    r["customer_id"]: r for r in json.loads(EXAMPLE.read_text())["customers"]
}
ALL_IDS = sorted(RECORDS)
# Named accounts of examples/portfolio.json (as_of 2026-11-23) and what each one exercises.
RED_CRITICAL = "ACC-00016"  # Pinebridge Outfitters Group: red, critical, renewal in 50 days
GREEN_EXPANDING = "ACC-00017"  # Cresthill Technologies: green, renewal in 15 days, $767,000 of opportunities
NAMED = {
    RED_CRITICAL: ("red", "critical"),
    "ACC-00008": ("red", "high"),  # renewal in 114 days
    "ACC-00018": ("red", "high"),  # ten opportunities: two not listed
    "ACC-00003": ("yellow", "high"),  # renewal in 3 days
    "ACC-00050": ("yellow", "low"),  # inputs missing: defaults used
    GREEN_EXPANDING: ("green", "low"),
    "ACC-00030": ("green", "low"),  # contract ended 28 days before as_of
    "ACC-00034": ("green", "low"),  # renewal in 95 days
}
CASES = [pytest.param(kind, cid, id=f"{kind}-{cid}") for kind in DRAFT_KINDS for cid in ALL_IDS]
NAMED_CASES = [pytest.param(kind, cid, id=f"{kind}-{cid}") for kind in DRAFT_KINDS for cid in NAMED]
QUARTER = "Q4 2026"

NUM = r"-?\d+(?:\.\d+)?(?:e[+-]\d+)?"
DATE = r"\d{4}-\d{2}-\d{2}"
TOKEN = re.compile(
    r"(?P<date>(?<!\d)\d{4}-\d{2}-\d{2}(?!\d))"
    r"|(?P<money>\$(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)"
    r"|(?<![\w.\\-])(?P<num>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)(?P<pct>%)?"
)
UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


# --------------------------------------------------------------------------- helpers


@cache
def example() -> ScoredPortfolio:
    return score_file(EXAMPLE, AS_OF)


def cli_source(scored: ScoredPortfolio) -> DraftSource:
    """The provenance `csm draft ... examples/portfolio.json` gives."""
    return DraftSource("portfolio.json", "read from the file", scored.as_of, scored.profile.name)


@cache
def example_draft(kind: str, cid: str, quarter: str | None = QUARTER) -> str:
    scored = example()
    return draft_for_account(scored, find_account(scored.table, cid), kind, cli_source(scored), quarter)


def life_of(scored: ScoredPortfolio, a: AccountExplanation, record: dict[str, Any]) -> Lifecycle:
    """The lifecycle from the record's own date strings (not the table's ordinals)."""

    def day(field: str) -> dt.date | None:
        return dt.date.fromisoformat(record[field]) if record.get(field) else None

    return lifecycle_of(
        scored.profile, a.segment, day("contract_start_date"), day("contract_end_date"), scored.as_of
    )


def blocks_of(kind: str) -> set[str]:
    return set(re.findall(r"^\{\{([a-z_]+)\}\}$", raw_text("templates", kind), re.M))


def one(lines: list[str], pattern: str) -> re.Match[str]:
    """The single line of the draft that matches `pattern` in full."""
    found = [m for line in lines if (m := re.fullmatch(pattern, line))]
    assert len(found) == 1, f"expected one line matching {pattern!r}, found {len(found)}"
    return found[0]


def cells(row: str) -> list[str]:
    assert row.startswith("|") and row.endswith("|"), row
    return [c.strip() for c in UNESCAPED_PIPE.split(row)[1:-1]]


def table_rows(lines: list[str], header: str) -> list[list[str]]:
    """The body rows of the table whose header line is `header`."""
    assert lines.count(header) == 1, f"table {header!r} not found once"
    i = lines.index(header)
    assert re.fullmatch(r"\|(?:-*:?-+:?\|)+", lines[i + 1]), lines[i + 1]
    rows = []
    for line in lines[i + 2 :]:
        if not line.startswith("|"):
            break
        rows.append(cells(line))
    return rows


def money(text: str) -> float:
    assert text.startswith("$"), text
    return float(text[1:].replace(",", ""))


def assert_money(shown: str | float, value: float, what: str) -> None:
    amount = money(shown) if isinstance(shown, str) else shown
    assert abs(amount - value) <= 0.5, f"{what}: the draft shows {amount:,.2f}, the engine {value:,.2f}"


def assert_num(shown: str, value: float, what: str) -> None:
    assert float(shown) == pytest.approx(value, rel=1e-6, abs=1e-9), f"{what}: draft {shown}, engine {value}"


def readable(word: str) -> str:
    return word.replace("_", " ")


# --------------------------------------------------------------------------- figure checks, block by block


def check_header(lines: list[str], a: AccountExplanation, life: Lifecycle, record: dict[str, Any]) -> None:
    m = one(
        lines,
        r"\*\*(?P<name>.+)\*\* \((?P<id>.+?)\) · (?P<segment>[\w-]+) · (?P<arr>\$[\d,]+) ARR · "
        rf"scored as of (?P<as_of>{DATE}) · renewal (?:(?P<renewal>{DATE}) "
        r"\((?:(?P<left>\d+) days left|ended (?P<ended>\d+) days ago)\)|no contract end date recorded)",
    )
    assert m["name"] == escape_markdown(a.name)
    assert m["id"] == escape_markdown(a.customer_id)
    assert m["segment"] == a.segment
    assert_money(m["arr"], a.arr, "ARR")
    assert_money(m["arr"], float(record["arr"]), "ARR against the input")
    assert m["as_of"] == a.as_of.isoformat()
    if a.churn.renewal_date is None:
        assert m["renewal"] is None and life.days_to_renewal is None
        return
    assert m["renewal"] == a.churn.renewal_date.isoformat() == record["contract_end_date"]
    days = (a.churn.renewal_date - a.as_of).days
    assert life.days_to_renewal == days
    if days >= 0:
        assert m["left"] is not None and int(m["left"]) == days, "days to renewal in the header"
    else:
        assert m["ended"] is not None and int(m["ended"]) == -days, "days since the contract ended"


def check_health_summary(lines: list[str], a: AccountExplanation, scored: ScoredPortfolio, row: int) -> None:
    h = a.health
    m = one(
        lines,
        rf"Health \*\*(?P<score>{NUM})\*\* \((?P<cls>\w+)\), trend (?P<trend>[a-z ]+), trend priority "
        rf"\*\*(?P<priority>\w+)\*\*\. In this segment green starts at (?P<green>{NUM}) and yellow at "
        rf"(?P<yellow>{NUM})\.",
    )
    assert_num(m["score"], h.score, "health score")
    assert float(m["score"]) == pytest.approx(float(scored.health.overall[row]), abs=0.05)
    assert m["cls"] == h.classification == scored.health.classification(row)
    assert m["trend"] == readable(h.trend)
    assert m["priority"] == h.trend_priority
    segment = scored.profile.segments[a.segment]
    assert_num(m["green"], h.green_min, "green threshold")
    assert_num(m["yellow"], h.yellow_min, "yellow threshold")
    assert (h.green_min, h.yellow_min) == (segment.green_min, segment.yellow_min)


def check_health_table(lines: list[str], a: AccountExplanation) -> None:
    rows = table_rows(lines, "| Dimension | Score | Class | Previous | Trend | Weight |")
    dims = a.health.dimensions
    assert len(rows) == len(dims) + 1, "one row per dimension, then the overall row"
    for cell, d in zip(rows, dims, strict=False):
        label, score, cls, prev, trend, weight = cell
        assert label == d.label
        m = re.fullmatch(rf"(?P<score>{NUM})(?: \((?P<band>.+)\))?", score)
        assert m, score
        assert_num(m["score"], d.score, f"{d.label} score")
        assert m["band"] == d.band
        assert cls == d.classification
        if d.previous_score is None:
            assert prev == "—"
        else:
            assert_num(prev, d.previous_score, f"{d.label} previous score")
        assert trend == readable(d.trend)
        assert weight.endswith("%")
        assert float(weight[:-1]) == round(d.weight * 100), f"{d.label} weight"
    label, score, cls, prev, trend, weight = rows[-1]
    assert label == "**Overall**"
    assert score.startswith("**") and score.endswith("**")
    assert_num(score.strip("*"), a.health.score, "overall health score")
    assert cls == a.health.classification
    if a.health.previous_score is None:
        assert prev in ("", "—")
    else:
        assert_num(prev, a.health.previous_score, "last period's overall score")
    assert weight == ""
    # The overall trend reads like the dimension trends and the summary line ("no data", not "no_data").
    assert trend == readable(a.health.trend), f"overall trend shown as {trend!r}"


def check_risk(lines: list[str], a: AccountExplanation, scored: ScoredPortfolio, row: int) -> None:
    c = a.churn
    m = one(
        lines,
        rf"Churn risk \*\*(?P<risk>{NUM})\*\* \((?P<tier>\w+)\): raw (?P<raw>{NUM}) × (?P<mult>{NUM}) "
        r"renewal urgency \((?:(?P<days>\d+) days to renewal|the contract ended (?P<ago>\d+) days ago|"
        r"no contract end date)\)\. "
        r"Playbook: (?P<playbook>.+), led by (?P<owner>.+)\.",
    )
    assert_num(m["risk"], c.risk_score, "risk score")
    assert float(m["risk"]) == pytest.approx(float(scored.churn.risk[row]), abs=0.05)
    assert m["tier"] == c.risk_tier == scored.churn.tier(row)
    assert_num(m["raw"], c.raw_score, "raw risk score")
    assert_num(m["mult"], c.urgency_multiplier, "urgency multiplier")
    # What the reader can check by hand: risk = raw × urgency (capped at 100), up to the shown rounding.
    raw, mult = float(m["raw"]), float(m["mult"])
    assert float(m["risk"]) == pytest.approx(min(100.0, raw * mult), abs=0.05 * mult + 0.05 + 1e-9)
    if c.days_to_renewal is None:
        assert m["days"] is None and m["ago"] is None
    elif c.renewal_date < a.as_of:  # a lapsed contract says how long ago it ended
        assert m["ago"] is not None and int(m["ago"]) == (a.as_of - c.renewal_date).days
    else:
        assert m["days"] is not None and int(m["days"]) == c.days_to_renewal
        assert c.days_to_renewal == (c.renewal_date - a.as_of).days
    plan = scored.profile.interventions[c.risk_tier]
    assert m["playbook"] == c.intervention == plan.label
    assert m["owner"] == c.owner


def check_drivers(lines: list[str], a: AccountExplanation) -> None:
    weak = sorted(
        (m for d in a.health.dimensions for m in d.metrics if m.subscore < drafts.WEAK_SUBSCORE),
        key=lambda m: m.subscore,
    )[: drafts.MAX_DRIVERS]
    shown = [
        m
        for line in lines
        if (
            m := re.fullmatch(
                rf"- (?P<metric>[a-z0-9 /]+): (?P<value>.+?)(?: against a (?P<kind>maximum|target) of "
                rf"(?P<bench>{NUM}))?, sub-score (?P<sub>{NUM})"
                r"(?P<missing> \(not supplied: the default was used\))?",
                line,
            )
        )
    ]
    if not weak:
        assert not shown
        one(lines, rf"Every sub-metric scores {drafts.WEAK_SUBSCORE:g} or more against its benchmark\.")
        return
    assert len(shown) == len(weak), "one line per weak sub-metric"
    for m, metric in zip(shown, weak, strict=True):
        assert m["metric"] == readable(metric.metric)
        if isinstance(metric.value, str):
            assert m["value"] == metric.value
        elif metric.value is None:
            assert m["value"] == "—"
        else:
            assert_num(m["value"], metric.value, f"{metric.metric} value")
        if metric.benchmark is None:
            assert m["bench"] is None
        else:
            assert_num(m["bench"], metric.benchmark, f"{metric.metric} benchmark")
            assert m["kind"] == ("maximum" if metric.direction == "lower" else "target")
        assert_num(m["sub"], metric.subscore, f"{metric.metric} sub-score")
        assert (m["missing"] is not None) == (not metric.supplied)


def check_warnings(lines: list[str], a: AccountExplanation) -> None:
    shown = [
        (m["sev"], m["signal"])
        for ln in lines
        if (m := re.fullmatch(r"- \*\*(?P<sev>\w+)\*\*: (?P<signal>.+)", ln))
    ]
    assert shown == [(w.severity, w.signal) for w in a.churn.warning_signals]
    if not shown:
        one(lines, re.escape("No warning signals in this period's data."))
    # The figure inside each warning is the input value of the signal it names.
    values = {s.input_field: s.value for c in a.churn.categories for s in c.signals}
    for w in a.churn.warning_signals:
        for token in re.findall(r"\d+(?:\.\d+)?", w.signal):
            value = values[w.field]
            assert isinstance(value, float | int), (w, value)
            assert float(token) == pytest.approx(abs(value), abs=0.05), f"{w.signal!r} against {value}"


def check_recommendations(lines: list[str], a: AccountExplanation) -> None:
    recs = a.health.recommendations
    if not recs:
        one(lines, re.escape("No health recommendation is triggered."))
        return
    start = lines.index(f"- {recs[0]}")
    assert lines[start : start + len(recs)] == [f"- {r}" for r in recs]


def check_adoption(lines: list[str], a: AccountExplanation, record: dict[str, Any]) -> None:
    s = a.expansion.adoption_summary
    m = one(lines, rf"- Seat utilisation: (?P<u>{NUM})%")
    assert_num(m["u"], s.seat_utilisation, "seat utilisation")
    contract = record.get("contract") or {}
    if contract.get("licensed_seats") and contract.get("active_seats") is not None:
        expected = round(contract["active_seats"] / contract["licensed_seats"] * 100, 1)
        assert float(m["u"]) == pytest.approx(expected), "seat utilisation against the input"
    m = one(
        lines,
        rf"- Modules adopted: (?P<adopted>\d+) of (?P<total>\d+) \((?P<rate>{NUM})%\), "
        rf"average use of adopted modules (?P<avg>{NUM})%",
    )
    assert (int(m["adopted"]), int(m["total"])) == (s.adopted_modules, s.total_modules)
    assert_num(m["rate"], s.adoption_rate, "adoption rate")
    assert_num(m["avg"], s.avg_usage_pct, "average module use")
    modules = record.get("product_usage")
    if modules:
        adopted = [e for e in modules.values() if e.get("adopted")]
        assert (int(m["adopted"]), int(m["total"])) == (len(adopted), len(modules)), "modules vs the input"
        assert float(m["rate"]) == pytest.approx(round(len(adopted) / len(modules) * 100, 1))
    m = one(lines, r"- Plan tier: (?P<tier>.+)")
    assert m["tier"] == escape_markdown(s.current_tier or "not recorded")
    m = one(lines, r"- Departments using the product: (?P<cur>\d+); named as potential: (?P<pot>\d+)")
    assert (int(m["cur"]), int(m["pot"])) == (s.departments_covered, s.departments_potential)
    enablement = [ln for ln in lines if ln.startswith("- Adopted but barely used (enablement first): ")]
    if s.enablement_needed:
        assert enablement == [
            "- Adopted but barely used (enablement first): " + escape_markdown(", ".join(s.enablement_needed))
        ]
    else:
        assert not enablement


def check_opportunities(lines: list[str], a: AccountExplanation) -> None:
    e = a.expansion
    if not e.opportunities:
        one(lines, re.escape("The data shows no expansion opportunity."))
        return
    rows = table_rows(lines, "| Opportunity | Estimated ARR | Effort | Priority |")
    listed = e.opportunities[: drafts.MAX_OPPORTUNITIES]
    assert len(rows) == len(listed)
    for (why, revenue, effort, priority), o in zip(rows, listed, strict=True):
        assert why == escape_markdown(o.rationale)
        assert_money(revenue, o.estimated_revenue, f"{o.rationale!r} estimated revenue")
        assert effort == o.effort
        assert_num(priority, o.priority_score, f"{o.rationale!r} priority")
        # The amount quoted inside the rationale is the same figure as the column.
        quoted = [t for t in re.findall(r"\$[\d,]+", why)]
        assert quoted == [revenue], f"{why!r} quotes {quoted}, the column shows {revenue}"
    m = one(
        lines,
        r"Total estimated: (?P<total>\$[\d,]+) across (?P<count>\d+) opportunities \(estimates can overlap, "
        r"e\.g\. an upgrade that includes a module(?:; (?P<more>\d+) smaller not listed)?\)\.",
    )
    assert_money(m["total"], e.total_estimated_revenue, "total estimated revenue")
    assert_money(
        m["total"], sum(o.estimated_revenue for o in e.opportunities), "total = sum of opportunities"
    )
    assert int(m["count"]) == e.opportunity_count == len(e.opportunities)
    more = len(e.opportunities) - drafts.MAX_OPPORTUNITIES
    assert (int(m["more"]) if m["more"] else 0) == max(more, 0)
    # Not listed means smaller: every listed one ranks at least as high as every one left out.
    if more > 0:
        assert min(o.priority_score for o in listed) >= max(
            o.priority_score for o in e.opportunities[drafts.MAX_OPPORTUNITIES :]
        )


def check_steps(lines: list[str], a: AccountExplanation, scored: ScoredPortfolio) -> None:
    tier = a.churn.risk_tier
    plan = scored.profile.interventions[tier]
    one(lines, re.escape(f"{plan.label} ({tier} risk):"))
    rows = table_rows(lines, "| Step | Owner | Due |")
    assert len(rows) == len(plan.steps)
    end = a.churn.renewal_date
    for (text, owner, due), step in zip(rows, plan.steps, strict=True):
        assert (text, owner) == (step.text, step.owner)
        expected = a.as_of + dt.timedelta(days=step.within_days)
        if end is not None and a.as_of <= end < expected:  # never due after a contract end still ahead
            expected = end
        assert due == expected.isoformat(), f"due date of {text!r}"


def check_lifecycle(
    lines: list[str], a: AccountExplanation, life: Lifecycle, scored: ScoredPortfolio
) -> None:
    m = one(lines, r"- Lifecycle phase: (?P<phase>.+)")
    assert m["phase"] == (life.phase or "unknown (no contract dates)")
    m = one(lines, r"- Renewal work starts: (?P<day>.+)")
    if a.churn.renewal_date is None:
        assert m["day"] == "not recorded"
    else:
        lead = dt.timedelta(days=scored.profile.lifecycle.renewal_lead_days)
        start = a.churn.renewal_date - lead
        under_way = " (already under way)" if start <= a.as_of else ""
        assert m["day"] == start.isoformat() + under_way
    segment = scored.profile.segments[a.segment]
    m = one(lines, r"- Review cadence for this segment: every (?P<days>\d+) days \((?P<touch>.+)\)")
    assert int(m["days"]) == segment.review_every_days == life.review_every_days
    assert m["touch"] == segment.touch_model


def check_coverage(lines: list[str], a: AccountExplanation) -> None:
    m = one(
        lines,
        r"Inputs supplied: health (?P<h>\d+)%, churn risk (?P<c>\d+)%, expansion (?P<e>\d+)%\."
        r"(?: Not in the data \(defaults used\): (?P<missing>.+)\.)?",
    )
    for shown, value, what in ((m["h"], a.health.coverage, "health"), (m["c"], a.churn.coverage, "churn"),
                               (m["e"], a.expansion.coverage, "expansion")):  # fmt: skip
        assert int(shown) == round(value * 100), f"{what} coverage"
    missing = [x.input_field for d in a.health.dimensions for x in d.metrics if not x.supplied]
    missing += [s.input_field for c in a.churn.categories for s in c.signals if not s.supplied]
    assert (m["missing"] or None) == (", ".join(missing) or None)


def check_provenance(lines: list[str], source: DraftSource) -> None:
    m = one(
        lines,
        rf"_Draft generated by customer-success-mcp from portfolio (?P<portfolio>.+?), (?P<snapshot>.+?), "
        rf"scored as of (?P<as_of>{DATE}) with the (?P<profile>.+?) profile\. Health used: .+\._",
    )
    assert m["portfolio"] == escape_markdown(source.portfolio)
    assert m["snapshot"] == escape_markdown(source.snapshot)
    assert m["as_of"] == source.as_of.isoformat()
    assert m["profile"] == escape_markdown(source.profile)
    assert lines[-1] == m[0], "the provenance footer closes the draft"


def check_all_figures(
    kind: str,
    text: str,
    scored: ScoredPortfolio,
    row: int,
    record: dict[str, Any],
    source: DraftSource,
    quarter: str | None,
) -> None:
    a = explain_account(scored, row)
    life = life_of(scored, a, record)
    lines = text.splitlines()
    blocks = blocks_of(kind)
    check_header(lines, a, life, record)
    checks = {
        "health_summary": lambda: check_health_summary(lines, a, scored, row),
        "health_table": lambda: check_health_table(lines, a),
        "risk_summary": lambda: check_risk(lines, a, scored, row),
        "health_drivers": lambda: check_drivers(lines, a),
        "warning_signals": lambda: check_warnings(lines, a),
        "recommendations": lambda: check_recommendations(lines, a),
        "adoption": lambda: check_adoption(lines, a, record),
        "expansion_opportunities": lambda: check_opportunities(lines, a),
        "playbook_steps": lambda: check_steps(lines, a, scored),
        "lifecycle": lambda: check_lifecycle(lines, a, life, scored),
        "coverage_note": lambda: check_coverage(lines, a),
        "provenance": lambda: check_provenance(lines, source),
    }
    assert blocks - {"account_header"} <= set(checks), f"unchecked blocks: {blocks - set(checks)}"
    for block in sorted(blocks - {"account_header"}):
        checks[block]()
    if "{{quarter}}" in raw_text("templates", kind):
        shown = one(lines, r"- Quarter under review: (?P<q>.+)")["q"]
        assert shown == (escape_markdown(quarter) if quarter else "[to fill: the quarter this review covers]")


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
    """Every figure a draft may show: the engine's explanation, the lifecycle, the tier's playbook and the
    segment from the profile, the fixed text of the template, and the drafts' own fixed wording."""
    numbers: set[float] = set()
    dates: set[str] = set()
    _walk(a.model_dump(), numbers, dates)
    _walk(life.model_dump(), numbers, dates)
    plan = scored.profile.interventions[a.churn.risk_tier]
    _walk(plan.model_dump(), numbers, dates)
    segment = scored.profile.segments[a.segment]
    _walk([segment.touch_model, segment.review_every_days, segment.green_min, segment.yellow_min],
          numbers, dates)  # fmt: skip
    dates |= {(a.as_of + dt.timedelta(days=s.within_days)).isoformat() for s in plan.steps}
    if a.churn.renewal_date is not None:
        dates.add(a.churn.renewal_date.isoformat())
    _tokens_into(raw_text("templates", kind), numbers, dates)
    _tokens_into(quarter or "", numbers, dates)
    numbers.add(drafts.WEAK_SUBSCORE)  # "Every sub-metric scores 70 or more against its benchmark."
    numbers.add(float(len(a.expansion.opportunities) - drafts.MAX_OPPORTUNITIES))  # "(k smaller ones ...)"
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


# --------------------------------------------------------------------------- 1. figures equal the engine's


def test_named_examples_cover_every_health_class() -> None:
    scored = example()
    for cid, (cls, tier) in NAMED.items():
        a = explain_account(scored, find_account(scored.table, cid))
        assert (a.health.classification, a.churn.risk_tier) == (cls, tier), cid
    green = explain_account(scored, find_account(scored.table, GREEN_EXPANDING))
    assert green.expansion.total_estimated_revenue > green.arr, "ACC-00017 should be the expanding account"


@pytest.mark.parametrize(("kind", "cid"), CASES)
def test_every_figure_equals_the_engines(kind: str, cid: str) -> None:
    scored = example()
    row = find_account(scored.table, cid)
    text = example_draft(kind, cid)
    check_all_figures(kind, text, scored, row, RECORDS[cid], cli_source(scored), QUARTER)


@pytest.mark.parametrize(("kind", "cid"), CASES)
def test_no_figure_is_invented(kind: str, cid: str) -> None:
    scored = example()
    a = explain_account(scored, find_account(scored.table, cid))
    numbers, dates = known_figures(kind, a, life_of(scored, a, RECORDS[cid]), scored, QUARTER)
    text = example_draft(kind, cid)
    assert TOKEN.search(text), "the token pattern finds figures at all"
    assert invented_figures(text, numbers, dates) == []


def test_the_reverse_check_catches_an_invented_figure() -> None:
    scored = example()
    a = explain_account(scored, find_account(scored.table, RED_CRITICAL))
    numbers, dates = known_figures("qbr", a, life_of(scored, a, RECORDS[RED_CRITICAL]), scored, QUARTER)
    text = example_draft("qbr", RED_CRITICAL)
    for fake in ("$12,345", "77.7%", "2031-02-03", "4.44"):
        assert invented_figures(text + f"\nAlso {fake} here.\n", numbers, dates) == [fake]


PREVIOUS = {"usage_score": 80, "engagement_score": 80, "support_score": 80, "relationship_score": 80}


def test_an_account_without_contract_dates() -> None:
    account = make_account(customer_id="NODATES-1", name="Undated Co", contract_end_date=None,
                           previous_period=PREVIOUS)  # fmt: skip
    scored = score_records([account], AS_OF)
    source = DraftSource("inline", "snapshot 1", AS_OF, scored.profile.name)
    a = explain_account(scored, 0)
    assert a.churn.renewal_date is None
    for kind in DRAFT_KINDS:
        text = draft_for_account(scored, 0, kind, source, None)
        check_all_figures(kind, text, scored, 0, account, source, None)
        numbers, dates = known_figures(kind, a, life_of(scored, a, account), scored, None)
        assert invented_figures(text, numbers, dates) == []
        assert "no contract end date recorded" in text
        assert "- Lifecycle phase: unknown (no contract dates)" in text
        assert "- Renewal work starts: not recorded" in text
        assert "_If the renewal is less than" not in text
        if kind != "ebr":
            assert "(no contract end date)" in text


def test_an_account_without_previous_period_reads_no_data() -> None:
    """Without last period's scores every trend is "no data"; the overall row must read the same."""
    scored = score_records([make_account(customer_id="NEW-1", name="New Co")], AS_OF)
    a = explain_account(scored, 0)
    assert a.health.trend == "no_data" and all(d.previous_score is None for d in a.health.dimensions)
    source = DraftSource("inline", "snapshot 1", AS_OF, scored.profile.name)
    text = draft_for_account(scored, 0, "qbr", source, QUARTER)
    assert "trend no data," in text  # the summary line
    assert "no_data" not in text, next(ln for ln in text.splitlines() if "no_data" in ln)
    check_all_figures("qbr", text, scored, 0, make_account(), source, QUARTER)


# -------------------------------------------------------------- 2. no placeholder but [to fill: ...]


def assert_only_to_fill_gaps(text: str) -> None:
    assert "{{" not in text and "}}" not in text
    leftovers = re.findall(r"\b(?:TBD|TODO|XXX|FIXME|lorem|ipsum)\b", text, re.I)
    assert not leftovers, leftovers
    for m in re.finditer(r"(?<!\\)\[", text):
        rest = text[m.start() :]
        line = text[text.rfind("\n", 0, m.start()) + 1 : text.find("\n", m.start())]
        assert rest.startswith("[to fill:") or (rest.startswith("[ ] ") and line.startswith("- [ ] ")), (
            f"a bracket that is not a [to fill: ...] gap: {line!r}"
        )
    gaps = re.findall(r"\[to fill: [^\]\n]+\]", text)
    assert len(gaps) == text.count("[to fill:"), "every [to fill: ...] gap is closed on its line"


def assert_guidance_fits(text: str, health_class: str, days_to_renewal: int | None) -> None:
    lines = text.splitlines()
    red_or_yellow = [ln for ln in lines if ln.startswith("_If the account is red or yellow")]
    green = [ln for ln in lines if ln.startswith("_If the account is green")]
    if health_class == "green":
        assert not red_or_yellow, red_or_yellow
    else:
        assert not green, green
    for line in lines:
        m = re.match(r"_If the renewal is less than (\d+) days away", line)
        if m:
            assert days_to_renewal is not None and days_to_renewal < int(m[1]), (
                f"guidance kept for a renewal {days_to_renewal} days away: {line!r}"
            )


@pytest.mark.parametrize(("kind", "cid"), CASES)
def test_no_placeholder_but_to_fill(kind: str, cid: str) -> None:
    text = example_draft(kind, cid)
    assert_only_to_fill_gaps(text)
    assert text.count("[to fill:") >= 10, "the gaps the data cannot know are marked"
    assert "[to fill: the quarter this review covers]" not in text
    no_quarter = example_draft(kind, cid, None)
    assert_only_to_fill_gaps(no_quarter)
    if kind == "qbr":
        assert "- Quarter under review: [to fill: the quarter this review covers]" in no_quarter


@pytest.mark.parametrize(("kind", "cid"), CASES)
def test_guidance_for_another_situation_is_dropped(kind: str, cid: str) -> None:
    scored = example()
    a = explain_account(scored, find_account(scored.table, cid))
    life = life_of(scored, a, RECORDS[cid])
    text = example_draft(kind, cid)
    assert_guidance_fits(text, a.health.classification, life.days_to_renewal)
    template = raw_text("templates", kind)
    kept = [ln for ln in template.splitlines() if ln.startswith("_If the account is")]
    if kept:  # the guidance for the account's own class is there
        own = "_If the account is green" if a.health.classification == "green" else "_If the account is red"
        assert any(ln.startswith(own) for ln in text.splitlines()), own


@pytest.mark.parametrize(("kind", "cid"), CASES)
def test_markdown_stays_well_formed(kind: str, cid: str) -> None:
    assert_tables_well_formed(example_draft(kind, cid))
    lines = example_draft(kind, cid).splitlines()
    headings = [i for i, ln in enumerate(lines) if ln.startswith("#")]
    for i in headings:
        following = next((ln for ln in lines[i + 1 :] if ln.strip()), "")
        assert not following.startswith("#"), f"empty section {lines[i]!r}"


def assert_tables_well_formed(text: str) -> None:
    """Every row of every table has as many unescaped `|` cells as its header."""
    width = None
    for line in text.splitlines():
        if not line.startswith("|"):
            width = None
            continue
        count = len(UNESCAPED_PIPE.findall(line))
        if width is None:
            width = count
        assert count == width, f"row with {count - 1} cells under a {width - 1}-column header: {line!r}"


# --------------------------------------------------------------------------- 3. determinism


def test_the_same_input_gives_the_same_draft() -> None:
    first, second = score_file(EXAMPLE, AS_OF), score_file(EXAMPLE, AS_OF)
    for cid in NAMED:
        for kind in DRAFT_KINDS:
            a = draft_for_account(first, find_account(first.table, cid), kind, cli_source(first), QUARTER)
            b = draft_for_account(second, find_account(second.table, cid), kind, cli_source(second), QUARTER)
            assert a.encode() == b.encode(), f"{kind} {cid}"
            assert a == example_draft(kind, cid)


def run_csm(*args: str, hash_seed: str = "0") -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    return subprocess.run([CSM, *args], cwd=ROOT, env=env, capture_output=True, timeout=60, check=False)


def test_the_cli_gives_the_same_bytes_twice() -> None:
    args = ("draft", "save-plan", RED_CRITICAL, "examples/portfolio.json")
    runs = [run_csm(*args, hash_seed=seed) for seed in ("1", "2")]
    for proc in runs:
        assert proc.returncode == 0, proc.stderr.decode()
        assert proc.stderr == b""
    assert runs[0].stdout == runs[1].stdout
    assert runs[0].stdout.decode("utf-8") == example_draft("save-plan", RED_CRITICAL, None)


# --------------------------------------------------------------------------- 4. the reviewed snapshot


def test_qbr_snapshot_is_unchanged() -> None:
    proc = run_csm("draft", "qbr", GREEN_EXPANDING, "examples/portfolio.json", "--quarter", QUARTER)
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout == SNAPSHOT.read_bytes(), (
        f"The QBR for {GREEN_EXPANDING} no longer matches the reviewed snapshot "
        f"{SNAPSHOT.relative_to(ROOT)}. "
        f"If the change is intended, regenerate it from the repository root with\n    {SNAPSHOT_COMMAND}\n"
        "then review the diff (git diff tests/snapshots) as a CSM would before committing it."
    )


def test_the_snapshot_is_a_complete_green_qbr() -> None:
    text = SNAPSHOT.read_text(encoding="utf-8")
    scored = example()
    row = find_account(scored.table, GREEN_EXPANDING)
    check_all_figures("qbr", text, scored, row, RECORDS[GREEN_EXPANDING], cli_source(scored), QUARTER)
    assert_only_to_fill_gaps(text)
    assert_tables_well_formed(text)
    assert text.startswith("# Quarterly business review: Cresthill Technologies\n")
    assert "- Quarter under review: Q4 2026" in text
    assert "_If the account is red or yellow" not in text
    assert "_If the renewal is less than 120 days away" in text  # the renewal is 15 days away


# --------------------------------------------------------------------------- 5. data stays data

EVIL_NAME = "Evil [click](http://x) ![img](http://y) <script>|pipe|\x1b[2J\nnewline"
EVIL_MODULE = "[mod](http://m) |x| <b>"
EVIL_ADOPTED_MODULE = "![i](http://i)<img src=x>|"
EVIL_DEPARTMENT = "![d](http://d)|<i>\r\nlab"


def evil_scored() -> ScoredPortfolio:
    account = make_account(
        customer_id="EVIL-1",
        name=EVIL_NAME,
        contract_start_date="2026-06-01",
        contract={"licensed_seats": 100, "active_seats": 95, "plan_tier": "professional",
                  "available_tiers": ["professional", "enterprise"]},
        product_usage={"core_platform": {"adopted": True, "usage_pct": 80},
                       EVIL_MODULE: {"adopted": False, "usage_pct": 0},
                       EVIL_ADOPTED_MODULE: {"adopted": True, "usage_pct": 5}},
        departments={"current": ["sales"], "potential": [EVIL_DEPARTMENT]},
        previous_period={"usage_score": 80, "engagement_score": 80, "support_score": 80,
                         "relationship_score": 80},
    )  # fmt: skip
    scored = score_records([account], AS_OF)
    assert scored.report.rejected == 0
    return scored


@pytest.mark.parametrize("kind", DRAFT_KINDS)
def test_data_stays_data(kind: str) -> None:
    scored = evil_scored()
    source = DraftSource("pasted [p](http://p)", "snapshot 1", AS_OF, scored.profile.name)
    text = draft_for_account(scored, 0, kind, source, "Q4 [q](http://q)")
    assert "](" not in text, "a markdown link or image survived"
    assert "![" not in text
    assert not re.search(r"(?<!\\)<(?:script|img|b|i)\b", text), "raw HTML survived"
    assert not [ch for ch in text if ch != "\n" and not ch.isprintable()], "control characters survived"
    name = escape_markdown(EVIL_NAME)
    assert "\n" not in name and "\x1b" not in name
    title = text.splitlines()[0]
    assert title.endswith(name) and "Evil" in title and "newline" in title, "the name stays on one line"
    header = next(ln for ln in text.splitlines() if ln.startswith("**Evil"))
    assert "(EVIL-1)" in header and "newline" in header
    assert_tables_well_formed(text)
    a = explain_account(scored, 0)
    if kind != "save-plan":
        rows = table_rows(text.splitlines(), "| Opportunity | Estimated ARR | Effort | Priority |")
        assert len(rows) == len(a.expansion.opportunities)
        assert all(len(r) == 4 for r in rows)
        joined = "\n".join(r[0] for r in rows)
        assert escape_markdown(EVIL_MODULE) in joined and "department" in joined
    if kind == "qbr":
        assert escape_markdown(EVIL_ADOPTED_MODULE) in text, "the barely used module is named, escaped"
    # And the figures are still the engine's (last: the escaping checks above come first).
    record = {"arr": 50_000, "contract_end_date": "2027-09-30", "contract_start_date": "2026-06-01"}
    check_all_figures(kind, text, scored, 0, record, source, "Q4 [q](http://q)")


# --------------------------------------------------------------------------- 6. through the protocol


def text_of(result: mcp_types.CallToolResult) -> str:
    return "\n".join(b.text for b in result.content if isinstance(b, mcp_types.TextContent))


def assert_tool_error(result: mcp_types.CallToolResult, *needles: str) -> str:
    message = text_of(result)
    assert result.is_error, f"expected an error, got: {message[:300]}"
    assert "Traceback" not in message
    for needle in needles:
        assert needle.casefold() in message.casefold(), f"{needle!r} not in {message!r}"
    return message


def body(text: str) -> str:
    """A draft without its provenance footer (which names where the portfolio was read from)."""
    head, sep, _ = text.rpartition("\n---\n")
    assert sep, "no provenance footer"
    return head


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path, Path]:
    examples_dir, out_dir, elsewhere = tmp_path / "examples", tmp_path / "out", tmp_path / "elsewhere"
    for d in (examples_dir, out_dir, elsewhere):
        d.mkdir()
    shutil.copy(EXAMPLE, examples_dir / "portfolio.json")
    return examples_dir.resolve(), out_dir.resolve(), elsewhere.resolve()


TOOL_KINDS = {"draft_qbr": "qbr", "draft_ebr": "ebr", "draft_save_plan": "save-plan"}


@pytest.mark.anyio
async def test_draft_tools_return_the_draft(tmp_path: Path, dirs: tuple[Path, Path, Path]) -> None:
    examples_dir, out_dir, _ = dirs
    config = ServerConfig(data_dir=tmp_path / "d", allowed_dirs=(examples_dir, out_dir))
    service = PortfolioService(config)
    async with Client(build_server(config, service)) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        loaded = await client.call_tool("load_portfolio", {"path": str(examples_dir / "portfolio.json")})
        assert not loaded.is_error, text_of(loaded)
        scored = example()
        for tool, kind in TOOL_KINDS.items():
            assert tools[tool].output_schema is not None
            for cid in (RED_CRITICAL, "ACC-00050", GREEN_EXPANDING):
                args: dict[str, Any] = {"account": cid}
                if kind == "qbr":
                    args["quarter"] = QUARTER
                result = await client.call_tool(tool, args)
                assert not result.is_error, text_of(result)
                assert len(result.content) == 1
                text = text_of(result)
                _, expected = service.draft(kind, cid, quarter=args.get("quarter"))
                assert text == expected, f"{tool} {cid}: the text block is not the service's draft"
                assert body(text) == body(example_draft(kind, cid)), f"{tool} {cid}: differs from `csm draft`"
                s = result.structured_content
                assert s is not None
                a = explain_account(scored, find_account(scored.table, cid))
                assert s["kind"] == kind and s["customer_id"] == cid and s["name"] == a.name
                assert s["gaps_to_fill"] == text.count("[to fill:") > 0
                assert s["characters"] == len(text)
                assert s["saved_to"] is None
                assert (s["health_class"], s["risk_tier"]) == (a.health.classification, a.churn.risk_tier)
                assert s["health_score"] == pytest.approx(a.health.score, abs=0.05)
                assert s["risk_score"] == pytest.approx(a.churn.risk_score, abs=0.05)
                m = re.search(r"from portfolio portfolio, snapshot (\d+) \(loaded ", text)
                assert m and int(m[1]) == s["snapshot"]["snapshot_id"], "the footer names the stored snapshot"
        by_name = await client.call_tool("draft_save_plan", {"account": "pinebridge outfitters GROUP"})
        assert text_of(by_name) == service.draft("save-plan", RED_CRITICAL)[1]


@pytest.mark.anyio
async def test_save_to(tmp_path: Path, dirs: tuple[Path, Path, Path]) -> None:
    examples_dir, out_dir, elsewhere = dirs
    config = ServerConfig(data_dir=tmp_path / "d", allowed_dirs=(examples_dir, out_dir))
    async with Client(build_server(config)) as client:
        loaded = await client.call_tool("load_portfolio", {"path": str(examples_dir / "portfolio.json")})
        assert not loaded.is_error, text_of(loaded)
        target = out_dir / "qbr-cresthill.md"
        args = {"account": GREEN_EXPANDING, "quarter": QUARTER, "save_to": str(target)}
        saved = await client.call_tool("draft_qbr", args)
        assert not saved.is_error, text_of(saved)
        assert saved.structured_content is not None
        assert saved.structured_content["saved_to"] == str(target)
        assert target.read_text(encoding="utf-8") == text_of(saved)

        again = await client.call_tool("draft_qbr", args)
        assert_tool_error(again, str(target), "already exists", "another name")
        assert target.read_text(encoding="utf-8") == text_of(saved), "the existing file was not touched"

        outside = elsewhere / "plan.md"
        refused = await client.call_tool(
            "draft_save_plan", {"account": RED_CRITICAL, "save_to": str(outside)}
        )
        assert_tool_error(refused, "outside the allowed directories", str(out_dir), "--allow-dir")
        assert not outside.exists()

        escape = out_dir / "link"
        escape.symlink_to(elsewhere, target_is_directory=True)
        via_link = await client.call_tool(
            "draft_ebr", {"account": RED_CRITICAL, "save_to": str(escape / "x.md")}
        )
        assert_tool_error(via_link, "outside the allowed directories")
        assert not (elsewhere / "x.md").exists()

        not_md = out_dir / "plan.txt"
        wrong = await client.call_tool("draft_save_plan", {"account": RED_CRITICAL, "save_to": str(not_md)})
        assert_tool_error(wrong, ".md", "markdown")
        assert not not_md.exists()

        nowhere = await client.call_tool(
            "draft_ebr", {"account": RED_CRITICAL, "save_to": str(out_dir / "missing" / "x.md")}
        )
        assert_tool_error(nowhere, "no such directory")
        assert sorted(p.name for p in out_dir.iterdir()) == ["link", "qbr-cresthill.md"]


@pytest.mark.anyio
async def test_unknown_account_names_the_closest(tmp_path: Path, dirs: tuple[Path, Path, Path]) -> None:
    examples_dir, out_dir, _ = dirs
    config = ServerConfig(data_dir=tmp_path / "d", allowed_dirs=(examples_dir, out_dir))
    async with Client(build_server(config)) as client:
        before = await client.call_tool("draft_qbr", {"account": RED_CRITICAL})
        assert_tool_error(before, "no portfolio is loaded", "load_portfolio")
        loaded = await client.call_tool("load_portfolio", {"path": str(examples_dir / "portfolio.json")})
        assert not loaded.is_error, text_of(loaded)
        for tool in TOOL_KINDS:
            result = await client.call_tool(tool, {"account": "pinebridge"})
            assert_tool_error(result, "no account 'pinebridge'", "ACC-00016 (Pinebridge Outfitters Group)")
        typo = await client.call_tool("draft_ebr", {"account": "ACC-0016"})
        assert_tool_error(typo, "Closest:", "ACC-00016")
        other = await client.call_tool("draft_qbr", {"account": RED_CRITICAL, "portfolio": "nope"})
        assert_tool_error(other, "No portfolio named 'nope'", "list_portfolios")


# --------------------------------------------------------------------------- 7. the CLI


def run_main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_cli_draft_by_full_name(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    for account in ("Pinebridge Outfitters Group", "pinebridge outfitters group", RED_CRITICAL):
        rc, out, err = run_main(capsys, "draft", "save-plan", account, "examples/portfolio.json")
        assert (rc, err) == (0, "")
        assert out.startswith("# Save plan: Pinebridge Outfitters Group\n")
        assert out == example_draft("save-plan", RED_CRITICAL, None)


def test_cli_unknown_account(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    for account in ("pinebridge", "Nobody At All"):
        rc, out, err = run_main(capsys, "draft", "qbr", account, "examples/portfolio.json")
        assert rc == 2 and out == ""
        lines = err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("csm: error:"), err
        assert f"no account {account!r}" in lines[0]
    _, _, err = run_main(capsys, "draft", "qbr", "pinebridge", "examples/portfolio.json")
    assert "ACC-00016 (Pinebridge Outfitters Group)" in err


def test_cli_output_file(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(ROOT)
    target = tmp_path / "ebr.md"
    rc, out, err = run_main(capsys, "draft", "ebr", GREEN_EXPANDING, "examples/portfolio.json", "--output",
                            str(target))  # fmt: skip
    assert (rc, out) == (0, "")
    assert err == f"wrote the ebr draft for Cresthill Technologies to {target}\n"
    assert target.read_text(encoding="utf-8") == example_draft("ebr", GREEN_EXPANDING, None)
    rc, out, err = run_main(capsys, "draft", "ebr", GREEN_EXPANDING, "examples/portfolio.json", "--output",
                            str(tmp_path / "missing" / "ebr.md"))  # fmt: skip
    assert rc == 2 and out == "" and err.startswith("csm: error: cannot write") and len(err.splitlines()) == 1
