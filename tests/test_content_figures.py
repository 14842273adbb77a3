"""One source of truth for the texts (issue 7): no figure the profile owns is written in `content/`.

Every playbook, template and reference is rendered under a profile whose tier floors, urgency ladder,
respond-within and step days, warning levels, segment thresholds, bands, cadences and benchmarks,
portfolio targets, lifecycle days and expansion figures all differ from the default profile. None of
the default figures may appear, in any of the forms the texts write them, and the custom figures must
appear where the texts state them (so the test cannot pass by deleting text). Blank templates still
mark the account's facts as gaps, and a draft's renewal guidance follows the profile's threshold.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from typing import Any

import pytest

from conftest import AS_OF, make_account
from customer_success_mcp import library
from customer_success_mcp.pipeline import score_records
from customer_success_mcp.render.drafts import DraftSource, draft_for_account
from customer_success_mcp.scoring.default_profiles import (
    DEFAULT_PROFILE,
    FIVE_DIMENSION_PROFILE,
    build_profile,
)
from customer_success_mcp.scoring.profile import Profile

DOCUMENTS = [
    (kind, name) for kind in ("playbooks", "templates", "references") for name in library.names(kind)
]
GENERATED = ("references", "health-scoring")  # written from the profile object in full (render/model_doc.py)


def _scaled(value: float, factor: float = 1.07) -> float:
    return round(value * factor, 2)


def custom_warning_rules() -> dict[str, Any]:
    """Churn overrides moving every numeric warning threshold of the default table by 30% (order kept)."""
    categories: dict[str, Any] = {}
    for category in DEFAULT_PROFILE.churn.categories:
        signals = {}
        for signal in category.signals:
            if signal.warning is None:
                continue
            warning = signal.warning.model_dump()
            for level in warning["levels"]:
                if isinstance(level["value"], int | float) and not isinstance(level["value"], bool):
                    level["value"] = _scaled(level["value"], 1.3)
            signals[signal.name] = {"warning": warning}
        if signals:
            categories[category.name] = {"signals": signals}
    return categories


CUSTOM_STEP_DAYS = {0: 1, 2: 3, 5: 6, 7: 8, 14: 11, 21: 19, 30: 26}
CUSTOM_RESPOND = {"critical": 3, "high": 9, "medium": 17, "low": 44}
CUSTOM_SEGMENTS = {  # arr floor, green, yellow, review days, seat factor
    "enterprise": (150_000, 78, 52, 6, 0.27),
    "mid-market": (40_000, 72, 47, 12, 0.22),
    "smb": (0, 67, 43, 27, 0.13),
}


@cache
def custom_profile() -> Profile:
    segments = {
        key: {
            "arr_floor": floor,
            "green_min": green,
            "yellow_min": yellow,
            "review_every_days": review,
            "seat_expansion_factor": seat,
            "benchmarks": {k: _scaled(v) for k, v in DEFAULT_PROFILE.segments[key].benchmarks.items()},
        }
        for key, (floor, green, yellow, review, seat) in CUSTOM_SEGMENTS.items()
    }
    interventions = {
        tier: {
            "respond_within_days": CUSTOM_RESPOND[tier],
            "steps": [{**s.model_dump(), "within_days": CUSTOM_STEP_DAYS[s.within_days]} for s in plan.steps],
        }
        for tier, plan in DEFAULT_PROFILE.interventions.items()
    }
    phases = [["onboarding", 0], ["adoption", 100], ["optimisation", 200], ["renewal", 290]]
    return build_profile(
        {
            "name": "custom",
            "churn": {
                "tier_floors": {"critical": 83, "high": 57, "medium": 33},
                "renewal_multipliers": [[22, 1.7], [46, 1.45], [73, 1.25], [150, 1.15]],
                "ended_contract_multiplier": 1.05,
                "categories": custom_warning_rules(),
            },
            "interventions": interventions,
            "segments": segments,
            "health": {"trend_delta": 6},
            "expansion": {
                "seat_utilisation_trigger": 0.85,
                "department_factor": 0.72,
                "enablement_usage_below": 27,
                "effort_multipliers": {"low": 3.5, "medium": 2.5, "high": 1.25},
            },
            "targets": {
                "green_share_min": 0.63,
                "red_share_max": 0.12,
                "average_health_min": 77,
                "nrr_min": 1.13,
                "grr_min": 0.88,
                "low_coverage_below": 0.55,
                "nps_min": 42,
                "time_to_value_max_days": 24,
            },
            "lifecycle": {
                "phases": phases,
                "renewal_lead_days": 130,
                "value_review_days": 97,
                "proposal_days": 68,
                "close_days": 34,
                "first_value_gate_day": 27,
                "broad_use_gate_day": 55,
            },
            "early_warnings": {"health_drop_points": 23, "usage_drop_pct": 35},
        }
    )


# --------------------------------------------------------------------------- the default figures, as written


def _fig(value: float) -> str:
    return f"{value:g}"


def _bare(value: float) -> str:
    """A number standing alone: not part of a longer number, a money amount, an id or a percentage."""
    if float(value).is_integer():
        return rf"(?<![\w.$,-]){_fig(value)}(?![\w%]|[.,]\d)"
    return rf"(?<![\d.]){re.escape(_fig(value))}(?!\d)"


def _pct(fraction: float) -> str:
    return rf"(?<![\d.]){_fig(round(fraction * 100, 6))}%"


NUMBER_WORDS = {2: "two", 5: "five", 7: "seven", 14: "fourteen", 21: "twenty-one", 30: "thirty"}


def _days(days: int) -> list[str]:
    forms = [rf"(?<![\d.]){days}[- ]days?\b", rf"\bday {days}(?![\d.])", rf"\bwithin {days}(?![\d.])"]
    if days in NUMBER_WORDS:
        forms.append(rf"\b{NUMBER_WORDS[days]}[- ]days?\b")
    return forms


@cache
def default_figure_patterns() -> dict[str, list[str]]:
    """What the default profile's figures look like in text, each with the figures it stands for."""
    p = DEFAULT_PROFILE
    found: dict[str, list[str]] = {}

    def add(what: str, *patterns: str) -> None:
        for pattern in patterns:
            found.setdefault(pattern, []).append(what)

    for tier, floor in p.churn.tier_floors.items():
        add(f"{tier} tier floor", _bare(floor), _bare(floor - 0.1))
    for days, factor in p.churn.renewal_multipliers:
        add("urgency multiplier", _bare(factor))
        add("urgency bracket", _bare(days), *_days(days))
    for tier, plan in p.interventions.items():
        add(f"{tier} respond-within days", *_days(plan.respond_within_days))
        add(f"{tier} respond-within days", *[_bare(d) for d in [plan.respond_within_days] if d >= 10])
        for step in plan.steps:
            add(f"{tier} step due days", *(_days(step.within_days) if step.within_days else []))
    add("respond within two days", r"\b48 hours\b")
    add(
        "cadence or respond-within in words",
        r"\bwithin (?:a|the|one|two) (?:week|weeks|month)\b",
        r"\bevery two weeks\b",
        r"\bfour months\b",
        r"\benterprise weekly\b",
    )
    for seg in p.segments.values():
        label = re.escape(seg.label)
        for score in (seg.green_min, seg.yellow_min):
            add(f"{seg.label} class threshold", _bare(score))
        add(
            f"{seg.label} ARR floor",
            *[rf"\${seg.arr_floor / 1000:g}k\b", rf"\${seg.arr_floor:,.0f}\b"] if seg.arr_floor else [],
        )
        add(f"{seg.label} review cadence", *_days(seg.review_every_days))
        add(f"{seg.label} seat factor", _pct(seg.seat_expansion_factor))
        for key, value in seg.benchmarks.items():
            figure = re.escape(_fig(value))
            add(
                f"{seg.label} benchmark {key}",
                rf"(?<![\d.]){figure} for {label}\b",
                rf"\b{label} {figure}(?![\d.])",
            )
    t = p.targets
    add(
        "portfolio share target",
        *map(_pct, (t.green_share_min, t.red_share_max, t.nrr_min, t.grr_min, t.low_coverage_below)),
    )
    add("portfolio score target", _bare(t.average_health_min), _bare(t.nps_min))
    add("time-to-value target", *_days(t.time_to_value_max_days), _bare(t.time_to_value_max_days))
    life = p.lifecycle
    for days in (
        life.renewal_lead_days,
        life.value_review_days,
        life.proposal_days,
        life.close_days,
        life.first_value_gate_day,
        life.broad_use_gate_day,
        365 - life.renewal_lead_days,
        *(first for _, first in life.phases if first),
    ):
        add("lifecycle days", _bare(days), *_days(days))
    add("trend delta", rf"(?<![\d.]){_fig(p.health.trend_delta)} points\b")
    e = p.expansion
    add(
        "expansion share",
        _pct(e.seat_utilisation_trigger),
        _pct(e.department_factor),
        rf"(?<![\d.]){_fig(e.enablement_usage_below)}%",
    )
    add(
        "effort multiplier",
        *[rf"\b{effort} x{_fig(m)}(?![\d.])" for effort, m in e.effort_multipliers.items()],
    )
    w = p.early_warnings
    add("red flag", _bare(w.health_drop_points), rf"(?<![\d.]){_fig(w.usage_drop_pct)}%")
    for rule in p.churn.warning_rules():
        parts = re.split(r"\{(?:value|abs)(?::g)?\}", rule.text, maxsplit=1)
        unit = re.match(r"%|\s\S+", parts[1] if len(parts) > 1 else "")
        for level in rule.levels:
            if isinstance(level.value, int | float) and not isinstance(level.value, bool):
                figure = re.escape(_fig(abs(level.value) if "{abs" in rule.text else level.value))
                after = re.escape(unit.group(0)) if unit else r"(?!\d)"
                add(f"warning level of {rule.field}", rf"(?<![\d.]){figure}{after}")
    return found


# Published figures the benchmarks reference cites (not the profile's): taken out before searching.
CITATIONS = (
    "- Bessemer Venture Partners, State of the Cloud report (2019):",
    "- SaaS Capital, annual survey",
)


def without_citations(text: str) -> tuple[str, int]:
    """The text without the cited lines, and how many lines were taken out."""
    lines = text.splitlines()
    cited = [ln for ln in lines if ln.startswith(CITATIONS)]
    return "\n".join(ln for ln in lines if ln not in cited), len(cited)


def rendered(kind: str, name: str, profile: Profile) -> str:
    return library.document(kind, name, profile)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- tests


def test_the_custom_profile_differs_from_the_default_everywhere_the_texts_look() -> None:
    custom = custom_profile()
    default_figures = library.profile_figures(DEFAULT_PROFILE)
    custom_figures = library.profile_figures(custom)
    assert default_figures.keys() == custom_figures.keys()
    same = [k for k in default_figures if default_figures[k] == custom_figures[k]]
    # The phase names are the same; every figure differs.
    assert same == ["retention_example_verdict", "phase_onboarding_start_day", "time_to_value_scoring"], same
    assert library.profile_blocks(DEFAULT_PROFILE).keys() == library.profile_blocks(custom).keys()


def test_the_patterns_find_the_default_figures_in_the_default_texts() -> None:
    """The search is not blind: under the default profile, the texts show many of its figures."""
    patterns = default_figure_patterns()
    texts = [
        without_citations(rendered(k, n, DEFAULT_PROFILE))[0] for k, n in DOCUMENTS if (k, n) != GENERATED
    ]
    hits = {
        what
        for pattern, whats in patterns.items()
        if any(re.search(pattern, t, re.I) for t in texts)
        for what in whats
    }
    for expected in (
        "critical tier floor",
        "high tier floor",
        "medium tier floor",
        "urgency multiplier",
        "urgency bracket",
        "critical respond-within days",
        "high respond-within days",
        "Enterprise class threshold",
        "Enterprise ARR floor",
        "Enterprise review cadence",
        "Enterprise seat factor",
        "portfolio share target",
        "portfolio score target",
        "time-to-value target",
        "lifecycle days",
        "trend delta",
        "expansion share",
        "effort multiplier",
        "red flag",
        "warning level of usage_decline.login_trend",
        "Enterprise benchmark multi_threading_target",
    ):
        assert expected in hits, expected


@pytest.mark.parametrize(("kind", "name"), DOCUMENTS, ids=[f"{k}/{n}" for k, n in DOCUMENTS])
def test_no_default_figure_under_a_custom_profile(kind: str, name: str) -> None:
    text = rendered(kind, name, custom_profile())
    assert "{{" not in text and "}}" not in text
    assert "not set in the active profile" not in text
    if (kind, name) == GENERATED:
        return  # every figure in it is a profile field; the next test checks it follows the profile
    body, cited = without_citations(text)
    assert cited == (2 if name == "benchmarks" else 0), "the citations taken out are the two expected"
    found = [
        (whats[0], m.group(0), body[max(0, m.start() - 40) : m.end() + 20])
        for pattern, whats in default_figure_patterns().items()
        for m in re.finditer(pattern, body, re.I)
    ]
    assert found == [], "\n".join(f"{what}: {hit!r} in ...{ctx}..." for what, hit, ctx in found)


# What each text states under the custom profile: its own figures, where the text quotes them.
EXPECTED = {
    ("playbooks", "critical"): [
        "**83 or above**",
        "exactly 83 is critical",
        "x1.7 within 22 days of the end date, x1.45 within 46, x1.25 within 73 and x1.15 within 150",
        "**Respond within 3 days**",
        "  - Logins down at least 26%;",
        "every 6 days for Enterprise, every 12 days for Mid-market and every 27 days for SMB",
        "(owner: CS leader; within 1 day of the scoring run)",
        "below 83",
    ],
    ("playbooks", "high"): [
        "**at 57 or above and below 83**",
        "**Respond within 9 days**",
        "  - Logins down at least 13%;",
        "  - Replies take at least 5.2 days;",
        "within 9 days and a written recap",
        "130 days away or less",
        "below 57",
    ],
    ("playbooks", "medium"): [
        "**at 33 or above and below 57**",
        "**Respond within 17 days**",
        "  - Logins down more than 6.5%;",
        "usage under 27%",
        "contacts: 5.35 for Enterprise, 3.21 for Mid-market and 2.14 for SMB",
    ],
    ("playbooks", "low"): [
        "**below 33**",
        "within 44 days of `as_of`",
        "within 9 days even though",
        "more than 6 points",
        "more than 23 points",
        "more than 35%",
        "at 85% or above",
        "green from 78 for Enterprise, 72 for Mid-market and 67 for SMB",
        "**130 days** before",
        "(over $150k)",
        "scored every 6 days",
    ],
    ("playbooks", "onboarding"): [
        "lasts 100 days",
        "| adoption | 100 to 199 |",
        "under 24 days",
        "## Phase 1: to day 27",
        "## Phase 2: to day 55",
        "## Phase 3: to day 100",
        "96.3 for Enterprise",
        "below 33",
    ],
    ("playbooks", "renewal"): [
        "## 130 days out",
        "## 97 days out",
        "## 68 days out",
        "## 34 days out",
        "| 0 to 22 | x1.7 |",
        "| 74 to 150 | x1.15 |",
        "| more than 150 | x1 |",
        "| past the end date | x1.05 |",
        "critical from 83, high from 57, medium from 33",
        "red below 52 for Enterprise",
    ],
    ("playbooks", "expansion"): [
        "at 85% or above",
        "27% for Enterprise, 22% for Mid-market and 13% for SMB",
        "72% of the ARR",
        "low x3.5, medium x2.5 and high x1.25",
        "under 27%",
        "130 days before",
    ],
    ("playbooks", "escalation"): [
        "(83 or above)",
        "3 days for critical, 9 days for high and 17 days for medium",
        "ARR over $150k",
        "ARR from $40k up to $150k",
        "ARR under $40k",
        "(34 days or less",
        "  - Logins down at least 26%;",
    ],
    ("playbooks", "save-plan"): [
        "(83 or above)",
        "97 days away or less",
        "under 83 from critical, under 57 from high",
        "every 6 days for Enterprise",
    ],
    ("templates", "qbr"): ["a move of 6 points or more"],
    ("templates", "ebr"): ["a move of 6 points or more"],
    ("templates", "qbr-prep"): ["_If the renewal is 130 days away or less:"],
    ("templates", "ebr-prep"): ["_If the renewal is 130 days away or less:"],
    ("templates", "save-plan"): ["_If the renewal is 97 days away or less:", "(under 57)"],
    ("templates", "onboarding-checklist"): [
        "first 100 days",
        "under 24 days",
        "gate 1 falls on day 27",
        "(to day 27)",
        "(to day 55)",
        "(to day 100)",
    ],
    ("templates", "success-plan"): ["# Success plan: [to fill: account name]"],
    ("references", "benchmarks"): [
        "| 113% or above |",
        "| 88% or above |",
        "| above 77 |",
        "| 63% or more |",
        "| under 12% |",
        "| above 42 |",
        "| under 24 days |",
        "under 55% of the inputs",
        "Enterprise over $150k",
        "9.63 for Enterprise",
    ],
    ("references", "segments-and-lifecycle"): [
        "Enterprise over $150k, Mid-market from $40k up to $150k and SMB under $40k",
        "| 6 days | 78 | 52 |",
        "around day 235, not day 290",
        "more than 23 points",
        "more than 35%",
        "**97 days out: show the value.**",
        "| renewal | 290 to 364 |",
    ],
    ("references", "health-scoring"): ["critical from 83, high from 57, medium from 33", "<= 22 days x1.7"],
}


def test_every_document_has_its_expectations() -> None:
    assert set(EXPECTED) == set(DOCUMENTS)


@pytest.mark.parametrize(("kind", "name"), DOCUMENTS, ids=[f"{k}/{n}" for k, n in DOCUMENTS])
def test_the_custom_figures_appear(kind: str, name: str) -> None:
    text = rendered(kind, name, custom_profile())
    missing = [want for want in EXPECTED[(kind, name)] if want not in text]
    assert missing == []


def test_the_retention_example_is_judged_against_the_active_targets() -> None:
    verdict = library.profile_figures(DEFAULT_PROFILE)["retention_example_verdict"]
    assert verdict.startswith(
        "this book meets the GRR target but misses the NRR target"
    )  # 106% against 110%, 93% against 90%
    lenient = build_profile({"targets": {"nrr_min": 1.0, "grr_min": 0.95}})
    assert library.profile_figures(lenient)["retention_example_verdict"].startswith(
        "this book meets the NRR target but misses the GRR target"
    )  # 106% against 100%, 93% against 95%


def test_time_to_value_limits_come_from_the_profile_that_scores_them() -> None:
    default = rendered("references", "benchmarks", DEFAULT_PROFILE)
    five = rendered("references", "benchmarks", FIVE_DIMENSION_PROFILE)
    assert "Per account, the active profile does not score time to value." in default
    limits = "120 for Enterprise, 90 for Mid-market and 60 for SMB"
    assert f"time to value against a segment maximum in days ({limits})" in five


def test_warning_levels_read_as_conditions() -> None:
    levels = library.warning_levels(DEFAULT_PROFILE)
    assert ("critical", "Logins down at least 20%") in levels  # login_trend <= -20
    assert ("medium", "Logins down more than 5%") in levels  # login_trend < -5
    assert ("critical", "at least 3 meetings cancelled") in levels  # >= 3
    assert ("critical", "Champion has left") in levels  # true
    assert ("critical", "Support satisfaction critical") in levels  # == "critical"


def test_summaries_carry_no_profile_token() -> None:
    """Resource descriptions are read without a profile, so the first paragraph states no figure."""
    for kind, name in DOCUMENTS:
        assert "{{" not in library.summary_of(kind, name), (kind, name)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- blank templates


@pytest.mark.parametrize("name", library.names("templates"))
def test_blank_templates_mark_the_account_and_fill_the_profile(name: str) -> None:
    raw = library.raw_text("templates", name)
    text = rendered("templates", name, custom_profile())
    for block in set(library.BLOCK.findall(raw)):
        assert f"_[filled by the draft tools from the scores: {library.BLOCK_NOTES[block]}]_" in text, block
    assert text.splitlines()[0] == raw.splitlines()[0].replace("{{account_name}}", "[to fill: account name]")
    if "{{quarter}}" in raw:
        assert "- Quarter under review: [to fill: the quarter this review covers]" in text
    figures = library.profile_figures(custom_profile())
    for token in set(library.INLINE.findall(raw)) - set(library.INLINE_NOTES) - set(library.BLOCK_NOTES):
        assert figures[token] in text, token


# --------------------------------------------------------------------------- drafts read the profile


def _renewing_in(days: int) -> dict[str, Any]:
    end = AS_OF + dt.timedelta(days=days)
    return make_account(customer_id=f"R-{days}", name=f"Renews in {days}", contract_end_date=end.isoformat())


@pytest.mark.parametrize(
    ("kind", "audience", "token"),
    [
        ("qbr", "internal", "renewal_lead_days"),
        ("ebr", "internal", "renewal_lead_days"),
        ("save-plan", "internal", "value_review_days"),
        ("qbr", "customer", "renewal_lead_days"),
        ("ebr", "customer", "renewal_lead_days"),
    ],
)
def test_draft_renewal_guidance_follows_the_profile(kind: str, audience: str, token: str) -> None:
    """The prep briefs and the save plan carry a guidance line near the renewal; the customer drafts carry
    a next step about the renewal decision instead. Both follow the profile's threshold."""
    lead = {"renewal_lead_days": 125, "value_review_days": 93, "proposal_days": 61, "close_days": 31}
    profile = build_profile({"name": "lead", "lifecycle": lead})
    threshold = lead[token]
    accounts = [_renewing_in(d) for d in (threshold - 1, threshold, threshold + 1, -3)]
    scored = score_records(accounts, AS_OF, profile)
    source = DraftSource("inline", "snapshot 1", AS_OF, profile.name)
    line = (
        f"_If the renewal is {threshold} days away or less:"
        if audience == "internal"
        else "- Your contract renews on "
    )
    for row, expected in enumerate((True, True, False, False)):  # at or inside the threshold; not once ended
        draft = draft_for_account(scored, row, kind, source, None, audience)  # type: ignore[arg-type]
        assert (line in draft.markdown) == expected, (kind, accounts[row]["contract_end_date"])
        assert draft.facts.days_to_renewal == (threshold - 1, threshold, threshold + 1, -3)[row]
    # The default profile's threshold is shorter (120 and 90 days): the same account gets no such line.
    default = score_records([_renewing_in(threshold)], AS_OF)
    assert getattr(DEFAULT_PROFILE.lifecycle, token) < threshold
    text = draft_for_account(default, 0, kind, source, None, audience).markdown  # type: ignore[arg-type]
    assert "_If the renewal is" not in text and "- Your contract renews on " not in text
