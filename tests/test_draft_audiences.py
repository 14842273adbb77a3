"""Two audiences, never mixed (issue 14): what a customer draft may say, what the prep brief adds, the
executive summary that agrees with the body, inputs that contradict each other, plans in date order, and
gaps only where no input can know the answer.

Every account of the generated example (examples/portfolio.json) is checked for the customer drafts;
inputs the example does not hold (a previous overall far from its dimensions, no licensed seats,
contract dates that contradict each other, an owner on file, no outcomes) are built with make_account.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from conftest import AS_OF, make_account
from customer_success_mcp.formatting import day, money, number, score
from customer_success_mcp.pipeline import explain_account, find_account, score_records
from customer_success_mcp.render.drafts import DraftError, DraftSource, draft_for_account
from draft_checks import (
    ALL_IDS,
    CUSTOMER_DRAFTS,
    DRAFTS,
    INTERNAL_WORDS,
    QUARTER,
    RECORDS,
    RED_CRITICAL,
    TO_FILL,
    example,
    example_draft,
    section,
    table_rows,
)

SOURCE = DraftSource("inline", "snapshot 1", AS_OF, "default")


def drafts_of(account: dict[str, Any]) -> dict[tuple[str, str], Any]:
    scored = score_records([account], AS_OF)
    assert scored.report.rejected == 0
    return {(k, a): draft_for_account(scored, 0, k, SOURCE, QUARTER, a) for k, a in DRAFTS}  # type: ignore[arg-type]


# --------------------------------------------------------------------------- 1. the customer version


@pytest.mark.parametrize(("kind", "audience"), CUSTOMER_DRAFTS)
def test_customer_drafts_hold_no_internal_word_for_every_account(kind: str, audience: str) -> None:
    """No churn score, risk tier, warning signal, playbook step, coaching note, upsell estimate or money
    figure, in the markdown or in the facts the tool returns beside it, for every account of the example."""
    for cid in ALL_IDS:
        draft = example_draft(kind, cid, QUARTER, audience)
        found = INTERNAL_WORDS.search(draft.markdown)
        assert found is None, (
            f"{cid}: {found[0]!r} in {draft.markdown[max(found.start() - 80, 0) : found.end() + 40]!r}"
        )
        f = draft.facts
        assert (f.risk, f.warnings, f.playbook, f.expansion, f.questions, f.avoid, f.data_notes) == (
            None,
        ) * 7
        assert (f.health.trend_priority, f.coverage.churn_risk, f.coverage.expansion) == (None, None, None)
        a = explain_account(example(), find_account(example().table, cid))
        text = draft.markdown
        for figure in (
            money(a.arr),
            money(a.expansion.total_estimated_revenue),
            f"raw {a.churn.raw_score:g}",
        ):
            assert figure not in text, (cid, figure)
        # Our reading of the relationship (sponsor, contacts, renewal sentiment) is not the customer's figure.
        assert "Relationship" not in text and "relationship" not in " ".join(f.provenance.health_inputs)


def test_the_internal_vocabulary_is_what_the_internal_drafts_use() -> None:
    """The word list is not vacuous: each internal draft of the example trips it, in its own words."""
    for cid in ALL_IDS:
        for kind, audience in DRAFTS:
            if audience == "internal":
                text = example_draft(kind, cid, QUARTER, audience).markdown
                assert {m[0].lower() for m in INTERNAL_WORDS.finditer(text)} >= {"churn", "playbook", "$"}, (
                    cid
                )


def test_a_save_plan_for_the_customer_does_not_exist() -> None:
    scored = example()
    row = find_account(scored.table, RED_CRITICAL)
    with pytest.raises(DraftError, match="a save plan is internal only"):
        draft_for_account(scored, row, "save-plan", SOURCE, None, "customer")


# --------------------------------------------------------------------------- 2. the internal prep brief


@pytest.mark.parametrize("kind", ["qbr", "ebr"])
def test_the_prep_brief_has_risks_asks_cautions_plays_and_the_talking_points(kind: str) -> None:
    for cid in ALL_IDS:
        draft = example_draft(kind, cid, QUARTER, "internal")
        text, f = draft.markdown, draft.facts
        for heading in (
            "Risks, with their evidence",
            "What to ask",
            "What to avoid",
            "Expansion plays appropriate now",
            "Talking points (the customer version's summary)",
        ):
            assert section(text, heading), (cid, heading)
        customer = example_draft(kind, cid, QUARTER, "customer")
        assert f.talking_points == customer.facts.summary, (
            "the talking points are the customer version's summary"
        )
        plays = section(text, "Expansion plays appropriate now")
        if f.health.classification == "red":
            assert plays[0].startswith("None before the renewal is secured: the account is red.")
            assert not any(line.startswith("| ") for line in plays), f"{cid}: a play listed on a red account"
        elif f.expansion and f.expansion.shown:
            assert plays[plays.index("| Play | Estimated ARR | Effort | Priority |") - 2 :]
        risks = section(text, "Risks, with their evidence")
        assert [ln for ln in risks if ln.startswith("- **")] == [
            f"- **{w.severity}**: {w.signal}"
            for w in explain_account(example(), find_account(example().table, cid)).churn.warning_signals
        ]


def test_a_green_account_on_a_high_playbook_gets_no_growth_advice() -> None:
    """ACC-00022 reads green (79.9) with a low churn risk, but its champion has left: the warning puts it
    on the high playbook, so the brief asks for a recovery, lists only plays that remove a problem and
    drops the growth guidance written for green accounts."""
    draft = example_draft("qbr", "ACC-00022", QUARTER, "internal")
    f, text = draft.facts, draft.markdown
    assert f.risk is not None
    assert (f.health.classification, f.risk.tier, f.risk.playbook_tier) == ("green", "low", "high")
    assert f.summary[-1] == (
        "The ask: health reads green but a warning (Champion has left) puts it on the high playbook: agree "
        "with the customer how the warnings above will be settled, with owners and dates, before any growth "
        "conversation."
    )
    assert "_If the account is green" not in text
    assert (
        section(text, "Expansion plays appropriate now")[0]
        == "Only a play that removes a problem the customer raises:"
    )
    assert "- A growth proposal that does not fix a problem the customer raises." in text


# -------------------------------------------------------------- 3. a headline that agrees with the body

MOVED = {"declining": "fell", "improving": "rose"}
TREND = {"declining": "declined", "improving": "improved", "stable": "held steady"}


def test_every_summary_has_three_to_five_sentences_and_agrees_with_the_sections() -> None:
    for cid in ALL_IDS:
        for kind, audience in DRAFTS:
            draft = example_draft(kind, cid, QUARTER, audience)
            f = draft.facts
            assert 3 <= len(f.summary) <= 5, (cid, kind, audience, f.summary)
            assert all(s.endswith(".") for s in f.summary)
            text = " ".join(f.summary)
            dims = [d for d in f.dimensions or [] if d.score is not None]
            h = f.health
            if audience == "customer":
                # Each area is said the way its row of the table reads: score, last period, direction.
                for d in dims:
                    label = d.label.lower()
                    if d.trend in MOVED:
                        before = number(d.previous_score or 0)
                        said = f"{label} {MOVED[d.trend]} from {before} to {score(d.score)}"
                    elif d.trend == "stable":
                        before = number(d.previous_score or 0)
                        said = f"{label} held steady at {score(d.score)} ({before} before)"
                    else:
                        said = f"{label} stands at {score(d.score)}"
                    assert said in text, (cid, kind, said, text)
                continue
            # Internal: the overall reading is the health section's, its direction the trend's, and each
            # dimension is grouped under the verb of its own trend.
            assert text.startswith(
                f"{f.name} is {h.classification.replace('_', ' ')} at {score(h.score)} overall health"
            )
            direction = {"declining": ", down from", "improving": ", up from", "stable": ", steady against"}
            for trend, words in direction.items():
                assert (words in f.summary[0]) == (h.trend == trend), (cid, f.summary[0])
            for d in dims:
                if d.trend in TREND:
                    group = next(
                        part for part in f.summary[0].split(": ", 1)[1].split("; ") if d.label.lower() in part
                    )
                    assert group.rstrip(".").endswith(TREND[d.trend]), (cid, d.label, d.trend, group)
            if f.risk is not None:
                assert f"Churn risk is {number(f.risk.score)} ({f.risk.tier}" in text
            if f.warnings:
                assert f.warnings[0].signal[:1].lower() + f.warnings[0].signal[1:] in text


def test_the_previous_overall_far_from_its_dimensions_is_said_plainly_internally_only() -> None:
    """The file says last period's overall was 90 while its dimensions were all 40: the trend reads the
    dimensions, the internal drafts say so plainly, the customer drafts never quote the 90."""
    previous = {
        "overall_score": 90,
        "usage_score": 40,
        "engagement_score": 40,
        "support_score": 40,
        "relationship_score": 40,
    }
    drafts = drafts_of(
        make_account(customer_id="MISMATCH-1", contract_start_date="2026-01-01", previous_period=previous)
    )
    for (_kind, audience), draft in drafts.items():
        f, text = draft.facts, draft.markdown
        assert f.health.previous_score_mismatch and f.health.previous_score_supplied == 90
        assert f.health.trend == "improving" and f.health.previous_score == pytest.approx(40, abs=0.05)
        if audience == "internal":
            assert [n.code for n in f.data_notes or []] == ["previous_score_mismatch"]
            assert (
                "The file's previous overall health (90) disagrees with its own previous dimension scores, "
                "which give 40" in text
            )
            assert (
                "Check the data first: 1 input contradicts another or is too thin to trust (see below)."
                in text
            )
            assert "up from 40 last period" in f.summary[0]
        else:
            assert "90" not in text and "previous overall" not in text and "Check the data" not in text


def test_no_licensed_seats_is_said_internally_and_gives_no_seat_figure_to_the_customer() -> None:
    drafts = drafts_of(
        make_account(customer_id="SEATS-0", contract={"licensed_seats": 0, "active_seats": 12})
    )
    for (_kind, audience), draft in drafts.items():
        f, text = draft.facts, draft.markdown
        assert "Seat utilisation: 0%" not in text and "0 licensed" not in text
        if f.adoption is not None:
            assert f.adoption.seat_utilisation_pct is None
        if audience == "internal":
            assert (
                "- Seats licensed is 0 on file while 12 seats are active: no seat utilisation can be stated."
                in (text.replace(" Check the contract record.", ""))
            )
        else:
            assert "Seats in use" not in text and "seats are active" not in text


def test_contract_dates_that_contradict_each_other() -> None:
    """A start after the end: the internal drafts say so and give no phase; the customer drafts quote only
    the end date, and never as a phase or a contradiction."""
    account = make_account(
        customer_id="DATES-1", contract_start_date="2027-12-01", contract_end_date="2027-09-30"
    )
    drafts = drafts_of(account)
    for (kind, audience), draft in drafts.items():
        f, text = draft.facts, draft.markdown
        assert f.lifecycle.phase is None
        if audience == "internal":
            assert (
                "- The contract starts on 2027-12-01, on or after its end date 2027-09-30: "
                "check the contract dates." in text
            )
            assert "- Lifecycle phase: unknown (the contract dates contradict each other)" in text
        else:
            assert "2027-12-01" not in text and "unknown" not in text and "Lifecycle" not in text
            if kind == "ebr":
                assert "- Your annual contract runs to 2027-09-30." in text


# --------------------------------------------------------------------------- 4. plans that read in order

CLAIMS = re.compile(
    r"\b(already|under ?way|in progress|has started|have started|has been done|completed|finished)\b", re.I
)


def test_plans_read_in_date_order_and_claim_nothing_done() -> None:
    for cid in ALL_IDS:
        for kind, audience in DRAFTS:
            if audience != "internal":
                continue
            draft = example_draft(kind, cid, QUARTER, audience)
            f, lines = draft.facts, draft.markdown.splitlines()
            rows = table_rows(lines, "| Due | Step | Owner | Answers |")
            dues = [dt.date.fromisoformat(r[0]) for r in rows]
            assert dues == sorted(dues), (cid, kind)
            assert all(r[1] and r[2] and r[3] for r in rows), (
                "each step has its owner and the signal it answers"
            )
            assert all(d >= AS_OF for d in dues)
            assert not CLAIMS.search(TO_FILL.sub("", draft.markdown)), (
                cid,
                kind,
                CLAIMS.search(draft.markdown),
            )
            c = f.contract
            renewal = section(draft.markdown, "Renewal position" if kind == "save-plan" else "Renewal")
            assert f"- Contract type: {c.contract_type}" in renewal
            assert f"- ARR at stake: {money(c.arr_at_stake)}" in renewal
            end = dt.date.fromisoformat(RECORDS[cid]["contract_end_date"])
            days = (end - AS_OF).days
            said = (
                f"renews {day(end)} (in {days} days)" if days > 0 else f"ended {day(end)} ({-days} days ago)"
            )
            assert f"- Renewal: {said}" in renewal, (cid, renewal)


# --------------------------------------------------------------------------- 5. fewer blanks

# What no input can know: meeting logistics, the people, the customer's words and goals, our own
# commitments, the commercial options, and the current term of a contract the file shows as ended (renewed,
# or stale data?). Each gap of every draft is one of these.
UNKNOWABLE = re.compile(
    r"meeting date|attending|names and roles|roles$|the questions or decisions|goals agreed last time|"
    r"wins of the quarter|completed this quarter|describes the quarter|training or help requested|"
    r"each action with its owner|date of the next|strategic goals|the goals our product supports|"
    r"outcomes promised when the contract was signed|one concrete outcome|room for more value|"
    r"what we commit to|what the customer commits to|decision or question|real reasons|"
    r"describes what went wrong|"
    r"our share of the problem|accountable for this plan|executive sponsor for this plan|want to stay|"
    r"show the account is recovering|each milestone|deal desk|the least we can accept|"
    r"the quarter this review covers|"
    r"current contract term"
)


def test_every_gap_is_something_no_input_can_know_and_is_listed_once_at_the_end() -> None:
    for cid in ALL_IDS:
        for kind, audience in DRAFTS:
            draft = example_draft(kind, cid, QUARTER, audience)
            assert draft.facts.gaps, (cid, kind, audience)
            for gap in draft.facts.gaps:
                assert UNKNOWABLE.search(gap), (cid, kind, audience, gap)
            tail = draft.markdown.split("**Gaps to fill**", 1)[1]
            assert tail.startswith(f" ({len(draft.facts.gaps)}, each marked")
            assert draft.markdown.count("**Gaps to fill**") == 1


def test_what_the_file_holds_is_filled_and_what_it_lacks_is_a_gap() -> None:
    with_owner = drafts_of(
        make_account(
            customer_id="OWNED-1",
            owner="Dana Reyes",
            contract_start_date="2026-01-01",
            outcomes={"goals_met_pct": 60},
        )
    )
    qbr = with_owner[("qbr", "customer")].markdown
    assert (
        "- Our attendees: Dana Reyes (account owner on file), with [to fill: the account executive and any"
        in qbr
    )
    assert "- Goals met: 60%" in qbr and "Outcome figures" not in qbr
    bare = drafts_of(make_account(customer_id="BARE-1"))
    qbr = bare[("qbr", "customer")].markdown
    assert (
        "- Our attendees: [to fill: CSM, account executive and any specialist joining, with their roles]"
        in qbr
    )
    assert "- Outcome figures: [to fill: results against the goals in the customer's own measures" in qbr
    ended = example_draft("ebr", "ACC-00030", QUARTER, "customer").markdown  # ended 28 days before as_of
    assert (
        "- Current term: [to fill: the current contract term, confirmed with the account executive]" in ended
    )
    running = example_draft("ebr", "ACC-00034", QUARTER, "customer").markdown
    assert "- Current term:" not in running and "contract runs from" in running
