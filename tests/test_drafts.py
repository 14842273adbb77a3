"""Deterministic drafts (issue 4, items 4 to 6; issue 7, item 7; issue 14): QBR, EBR and save plan.

A draft is its facts, then its words. The facts (`Draft.facts`, also the tools' structured content) are
checked against the engine's explanation of the account, the raw input and the profile, with due dates
and multipliers worked out by hand; the markdown must show each fact, written with the formatting
functions; and every number-like token of the markdown must be one the engine, the file, the profile or
the template holds (for a customer draft: only the customer's own figures). Drafts carry no placeholder
but `[to fill: ...]`, are byte-for-byte reproducible, keep data as data, and are the same through the
library, `csm draft` and the MCP tools. One reviewed snapshot per kind and audience, all of the same
account, is kept in tests/snapshots/.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess

import pytest

from conftest import AS_OF, assert_no_live_markup, make_account
from customer_success_mcp.library import raw_text
from customer_success_mcp.pipeline import (
    ScoredPortfolio,
    explain_account,
    find_account,
    score_file,
    score_records,
)
from customer_success_mcp.render.drafts import DraftSource, draft_for_account, template_name
from customer_success_mcp.render.markdown import escape_markdown
from draft_checks import (
    ALL_IDS,
    CASES,
    CSM,
    DRAFTS,
    EXAMPLE,
    GREEN_EXPANDING,
    NAMED,
    QUARTER,
    RECORDS,
    RED_CRITICAL,
    ROOT,
    SNAPSHOT_ACCOUNT,
    SNAPSHOTS,
    TO_FILL,
    TOKEN,
    UNESCAPED_PIPE,
    check_draft,
    cli_source,
    example,
    example_draft,
    invented_figures,
    known_figures,
    life_of,
    table_rows,
)

# --------------------------------------------------------------------------- 1. facts equal the engine's


def test_named_examples_cover_every_health_class() -> None:
    scored = example()
    for cid, (cls, tier) in NAMED.items():
        a = explain_account(scored, find_account(scored.table, cid))
        assert (a.health.classification, a.churn.risk_tier) == (cls, tier), cid
    arr = {cid: r["arr"] for cid, r in RECORDS.items()}
    assert max(arr, key=arr.__getitem__) == GREEN_EXPANDING, "ACC-00017 should be the largest account"


@pytest.mark.parametrize(("kind", "audience", "cid"), CASES)
def test_facts_equal_the_engines_and_the_markdown_shows_them(kind: str, audience: str, cid: str) -> None:
    scored = example()
    row = find_account(scored.table, cid)
    draft = example_draft(kind, cid, QUARTER, audience)
    check_draft(draft, kind, audience, scored, row, RECORDS[cid], cli_source(scored), QUARTER)


def test_facts_by_hand_for_one_account() -> None:
    """Pinebridge (ACC-00016), worked out from its record: critical, 50 days to renewal, steps not capped."""
    f = example_draft("save-plan", RED_CRITICAL).facts
    assert (f.renewal_date, f.days_to_renewal, f.contract_status) == (dt.date(2027, 1, 12), 50, "renewing")
    assert f.risk is not None and (f.risk.tier, f.risk.urgency_multiplier) == ("critical", 1.35)  # within 60
    assert f.playbook is not None and f.playbook.capped_at is None
    # The critical steps are due 0, 2, 5, 2, 7 and 7 days out: in date order 0, 2, 2, 5, 7, 7.
    assert [(s.due - AS_OF).days for s in f.playbook.steps] == [0, 2, 2, 5, 7, 7]
    assert [s.text.split()[0] for s in f.playbook.steps] == [
        "Brief",
        "Hold",
        "Form",
        "Write",
        "Settle",
        "Prepare",
    ]
    assert [s.owner for s in f.playbook.steps] == [
        "CS leader",
        "Executive sponsor",
        "CS leader",
        "CSM",
        "Account executive",
        "Account executive",
    ]
    by_text = {s.text.split()[0]: s.answers for s in f.playbook.steps}
    assert by_text["Brief"] == ["the critical risk tier (churn risk 90.4)"]  # answers the tier itself
    assert by_text["Prepare"] == ["Competitor named 5 time(s)"]  # competitor_mentions = 5 in the record
    assert by_text["Form"][0] == "3 unresolved critical ticket(s)"  # unresolved_critical = 3
    assert by_text["Settle"] == ["renewal sentiment negative"]  # the weak sub-metric, no warning on it
    assert f.lifecycle.renewal_work_starts == dt.date(2026, 9, 14)  # 120 days before 2027-01-12
    assert (f.contract.contract_type, f.contract.arr_at_stake, f.contract.days_left) == ("annual", 29_000, 50)
    assert [(k.label, k.due) for k in f.checkpoints or []] == [
        ("renewal work starts", dt.date(2026, 9, 14)),  # 120 days before the end
        ("value review", dt.date(2026, 10, 14)),  # 90
        ("proposal", dt.date(2026, 11, 13)),  # 60
        ("close", dt.date(2026, 12, 13)),  # 30
    ]
    assert (f.dimensions is not None, f.adoption, f.expansion, f.recommendations) == (True, None, None, None)
    capped = example_draft("qbr", "ACC-00003", QUARTER, "internal").facts  # renews in 3 days
    assert capped.playbook is not None and capped.playbook.capped_at == dt.date(2026, 11, 26)
    steps = example().profile.interventions["high"].steps
    assert sorted(s.brought_forward for s in capped.playbook.steps) == sorted(
        s.within_days > 3 for s in steps
    )
    customer = example_draft("qbr", RED_CRITICAL).facts
    assert [d.name for d in customer.dimensions or []] == ["usage", "engagement", "support"]
    assert (customer.risk, customer.playbook, customer.expansion, customer.warnings) == (
        None,
        None,
        None,
        None,
    )


@pytest.mark.parametrize(("kind", "audience", "cid"), CASES)
def test_no_figure_is_invented(kind: str, audience: str, cid: str) -> None:
    scored = example()
    a = explain_account(scored, find_account(scored.table, cid))
    draft = example_draft(kind, cid, QUARTER, audience)
    numbers, dates = known_figures(
        kind,
        audience,
        a,
        life_of(scored, a, RECORDS[cid]),
        scored,
        RECORDS[cid],
        QUARTER,
        len(draft.facts.gaps),
    )
    assert TOKEN.search(draft.markdown), "the token pattern finds figures at all"
    assert invented_figures(draft.markdown, numbers, dates) == []


def test_the_reverse_check_catches_an_invented_figure() -> None:
    scored = example()
    a = explain_account(scored, find_account(scored.table, RED_CRITICAL))
    record = RECORDS[RED_CRITICAL]
    for audience in ("customer", "internal"):
        text = example_draft("qbr", RED_CRITICAL, QUARTER, audience).markdown
        numbers, dates = known_figures(
            "qbr", audience, a, life_of(scored, a, record), scored, record, QUARTER, 12
        )
        for fake in ("$12,345", "77.7%", "2031-02-03", "4.44"):
            assert invented_figures(text + f"\nAlso {fake} here.\n", numbers, dates) == [fake]
    # A customer draft may not quote the churn risk, its raw score or an internal date.
    numbers, dates = known_figures(
        "qbr", "customer", a, life_of(scored, a, record), scored, record, QUARTER, 12
    )
    internal = [f"{a.churn.risk_score:g}", f"{a.churn.raw_score:g}", "$29,000", "2026-11-25"]
    assert invented_figures(" ".join(internal), numbers, dates) == internal


PREVIOUS = {"usage_score": 80, "engagement_score": 80, "support_score": 80, "relationship_score": 80}


@pytest.mark.parametrize(("kind", "audience"), DRAFTS)
def test_an_account_without_contract_dates(kind: str, audience: str) -> None:
    account = make_account(
        customer_id="NODATES-1", name="Undated Co", contract_end_date=None, previous_period=PREVIOUS
    )
    scored = score_records([account], AS_OF)
    source = DraftSource("inline", "snapshot 1", AS_OF, scored.profile.name)
    a = explain_account(scored, 0)
    assert a.churn.renewal_date is None
    draft = draft_for_account(scored, 0, kind, source, None, audience)  # type: ignore[arg-type]
    check_draft(draft, kind, audience, scored, 0, account, source, None)
    assert (draft.facts.days_to_renewal, draft.facts.contract_status) == (None, "no_end_date")
    numbers, dates = known_figures(
        kind, audience, a, life_of(scored, a, account), scored, account, None, len(draft.facts.gaps)
    )
    assert invented_figures(draft.markdown, numbers, dates) == []
    assert "_If the renewal is" not in draft.markdown
    if audience == "internal":
        assert "- Renewal: no contract end date" in draft.markdown
        assert "- Lifecycle phase: unknown (no contract dates on file)" in draft.markdown
        assert "(no end date)" in draft.markdown  # the risk line
        assert draft.facts.checkpoints == []
    else:
        assert "renew" not in draft.markdown.lower()
        if kind == "ebr":
            assert (
                "- Current term: [to fill: the current contract term, confirmed with the account executive]"
                in (draft.markdown)
            )


def test_an_account_without_previous_period_reads_no_data() -> None:
    """Without last period's scores every trend is "no data"; the overall row must read the same."""
    account = make_account(customer_id="NEW-1", name="New Co")
    scored = score_records([account], AS_OF)
    source = DraftSource("inline", "snapshot 1", AS_OF, "default")
    for audience in ("customer", "internal"):
        draft = draft_for_account(scored, 0, "qbr", source, QUARTER, audience)  # type: ignore[arg-type]
        assert draft.facts.health.trend == "no_data"
        assert draft.facts.dimensions is not None
        assert all(d.previous_score is None for d in draft.facts.dimensions)
        assert "no_data" not in draft.markdown, next(
            ln for ln in draft.markdown.splitlines() if "no_data" in ln
        )
        assert "with no earlier period to compare" in draft.markdown or "stands at" in draft.markdown
        check_draft(draft, "qbr", audience, scored, 0, account, source, QUARTER)
    assert "trend no data," in draft.markdown


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
    assert len(TO_FILL.findall(text)) == text.count("[to fill:"), (
        "every [to fill: ...] gap is closed on its line"
    )


@pytest.mark.parametrize(("kind", "audience"), DRAFTS)
def test_no_placeholder_but_to_fill(kind: str, audience: str) -> None:
    for cid in ALL_IDS:
        draft = example_draft(kind, cid, QUARTER, audience)
        assert_only_to_fill_gaps(draft.markdown)
        assert "the quarter this review covers" not in draft.facts.gaps
        if "{{quarter}}" not in raw_text("templates", template_name(kind, audience)):  # type: ignore[arg-type]
            continue
        scored = example()
        no_quarter = draft_for_account(
            scored,
            find_account(scored.table, cid),
            kind,
            cli_source(scored),
            None,  # type: ignore[arg-type]
            audience,
        )  # type: ignore[arg-type]
        assert_only_to_fill_gaps(no_quarter.markdown)
        assert "- Quarter under review: [to fill: the quarter this review covers]" in no_quarter.markdown
        assert no_quarter.facts.gaps == [
            *draft.facts.gaps[:1],
            "the quarter this review covers",
            *draft.facts.gaps[1:],
        ]


@pytest.mark.parametrize(("kind", "audience"), DRAFTS)
def test_guidance_for_another_situation_is_dropped(kind: str, audience: str) -> None:
    template = raw_text("templates", template_name(kind, audience)).splitlines()  # type: ignore[arg-type]
    life = example().profile.lifecycle
    threshold = life.value_review_days if kind == "save-plan" else life.renewal_lead_days
    if audience == "customer":
        assert not [ln for ln in template if ln.startswith("_")], (
            "a customer template carries no coaching note"
        )
    for cid in ALL_IDS:
        draft = example_draft(kind, cid, QUARTER, audience)
        f, lines = draft.facts, draft.markdown.splitlines()
        green = f.health.classification == "green"
        mine, theirs = ("_If the account is green:", "_If the account is red or yellow:")[
            :: 1 if green else -1
        ]
        assert not [ln for ln in lines if ln.startswith(theirs)]
        # A green account whose churn risk is critical or high gets no green guidance (no growth advice).
        at_risk = f.risk is not None and f.risk.playbook_tier in ("critical", "high")
        expected = 0 if green and at_risk else len([ln for ln in template if ln.startswith(mine)])
        assert len([ln for ln in lines if ln.startswith(mine)]) == expected
        near = f.days_to_renewal is not None and 0 <= f.days_to_renewal <= threshold
        renewal_lines = [ln for ln in lines if ln.startswith("_If the renewal is")]
        has_guidance = any(ln.startswith("_If the renewal is") for ln in template)
        assert renewal_lines == (
            [
                ln
                for ln in renewal_lines
                if ln.startswith(f"_If the renewal is {threshold} days away or less:")
            ]
            if near and has_guidance
            else []
        )
        assert bool(renewal_lines) == (near and has_guidance)


@pytest.mark.parametrize(("kind", "audience"), DRAFTS)
def test_markdown_stays_well_formed(kind: str, audience: str) -> None:
    for cid in ALL_IDS:
        text = example_draft(kind, cid, QUARTER, audience).markdown
        assert_tables_well_formed(text)
        lines = text.splitlines()
        for i in [i for i, ln in enumerate(lines) if ln.startswith("#")]:
            following = next((ln for ln in lines[i + 1 :] if ln.strip()), "")
            assert not following.startswith("#"), f"{cid}: empty section {lines[i]!r}"


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
        for kind, audience in DRAFTS:
            a = draft_for_account(
                first, find_account(first.table, cid), kind, cli_source(first), QUARTER, audience
            )  # type: ignore[arg-type]
            b = draft_for_account(
                second,
                find_account(second.table, cid),
                kind,
                cli_source(second),
                QUARTER,  # type: ignore[arg-type]
                audience,
            )  # type: ignore[arg-type]
            assert a.markdown.encode() == b.markdown.encode(), f"{kind} {audience} {cid}"
            assert a.facts.model_dump_json() == b.facts.model_dump_json()
            assert a == example_draft(kind, cid, QUARTER, audience)


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
    assert runs[0].stdout.decode("utf-8") == example_draft("save-plan", RED_CRITICAL, None).markdown


# --------------------------------------------------------------------------- 4. the reviewed snapshots


def snapshot_args(kind: str, audience: str) -> list[str]:
    return [
        "draft",
        kind,
        SNAPSHOT_ACCOUNT,
        "examples/portfolio.json",
        *(["--quarter", QUARTER] if kind == "qbr" else []),
        *(["--audience", "internal"] if audience == "internal" and kind != "save-plan" else []),
    ]


@pytest.mark.parametrize(("kind", "audience"), DRAFTS)
def test_snapshot_is_unchanged(kind: str, audience: str) -> None:
    """One reviewed draft per kind and audience. The library gives the same bytes as `csm draft`."""
    text = example_draft(kind, SNAPSHOT_ACCOUNT, QUARTER if kind == "qbr" else None, audience).markdown
    path = SNAPSHOTS[(kind, audience)]
    command = "csm " + " ".join(f'"{a}"' if " " in a else a for a in snapshot_args(kind, audience))
    assert text == path.read_text(encoding="utf-8"), (
        f"The {audience} {kind} draft for {SNAPSHOT_ACCOUNT} no longer matches the reviewed snapshot "
        f"{path.relative_to(ROOT)}. If the change is intended, regenerate it from the repository root with\n"
        f"    {command} > {path.relative_to(ROOT)}\n"
        "then review the diff (git diff tests/snapshots) as a CSM would before committing it."
    )


def test_the_snapshots_are_one_account_at_risk() -> None:
    texts = {key: path.read_text(encoding="utf-8") for key, path in SNAPSHOTS.items()}
    assert sorted(p.name for p in (ROOT / "tests" / "snapshots").iterdir()) == sorted(
        p.name for p in SNAPSHOTS.values()
    )
    for (_kind, audience), text in texts.items():
        assert "_If the account is green" not in text
        assert_only_to_fill_gaps(text)
        assert_tables_well_formed(text)
        if audience == "internal":
            assert "**Pinebridge Outfitters Group** (ACC-00016) · mid-market · $29,000 ARR" in text
            assert "renews 2027-01-12 (in 50 days)" in text
            assert (
                "Churn risk **90.4** (critical): raw 67 × 1.35 renewal urgency (renews in 50 days)." in text
            )
            assert "- ARR at stake: $29,000" in text and "- Contract type: annual" in text
        else:
            assert "**Pinebridge Outfitters Group** · figures as of 2026-11-23" in text
            assert "90.4" not in text and "$" not in text and "churn" not in text.lower()
    assert "- Quarter under review: Q4 2026" in texts[("qbr", "customer")]
    assert "_If the renewal is 120 days away or less:" in texts[("qbr", "internal")]
    assert "_If the renewal is 120 days away or less:" in texts[("ebr", "internal")]
    assert (
        "_If the renewal is 90 days away or less:" in texts[("save-plan", "internal")]
    )  # inside the value review
    assert "None before the renewal is secured: the account is red." in texts[("qbr", "internal")]


# --------------------------------------------------------------------------- 5. data stays data

EVIL_NAME = "Evil [click](http://x) ![img](http://y) <script>|pipe|\x1b[2J\nnewline"
EVIL_MODULE = "[mod](http://m) |x| <b>"
EVIL_ADOPTED_MODULE = "![i](http://i)<img src=x>|"
EVIL_DEPARTMENT = "![d](http://d)|<i>\r\nlab"


def evil_account() -> dict[str, object]:
    return make_account(
        customer_id="EVIL-1",
        name=EVIL_NAME,
        contract_start_date="2026-06-01",
        contract={
            "licensed_seats": 100,
            "active_seats": 95,
            "plan_tier": "professional",
            "available_tiers": ["professional", "enterprise"],
        },
        product_usage={
            "core_platform": {"adopted": True, "usage_pct": 80},
            EVIL_MODULE: {"adopted": False, "usage_pct": 0},
            EVIL_ADOPTED_MODULE: {"adopted": True, "usage_pct": 5},
        },
        departments={"current": ["sales"], "potential": [EVIL_DEPARTMENT]},
        previous_period=PREVIOUS,
    )


def evil_scored() -> ScoredPortfolio:
    scored = score_records([evil_account()], AS_OF)
    assert scored.report.rejected == 0
    return scored


@pytest.mark.parametrize(("kind", "audience"), DRAFTS)
def test_data_stays_data(kind: str, audience: str) -> None:
    scored = evil_scored()
    source = DraftSource("pasted [p](http://p)", "snapshot 1", AS_OF, scored.profile.name)
    draft = draft_for_account(scored, 0, kind, source, "Q4 [q](http://q)", audience)  # type: ignore[arg-type]
    text = draft.markdown
    assert_no_live_markup(text)
    name = escape_markdown(EVIL_NAME)
    assert "\n" not in name and "\x1b" not in name
    title = text.splitlines()[0]
    assert title.endswith(name) and "Evil" in title and "newline" in title, "the name stays on one line"
    header = next(ln for ln in text.splitlines() if ln.startswith("**Evil"))
    assert "newline" in header and (("(EVIL-1)" in header) == (audience == "internal"))
    assert_tables_well_formed(text)
    name_in_data = explain_account(scored, 0).name  # ingest has turned the control characters into spaces
    assert draft.facts.name == name_in_data and "[click](http://x)" in name_in_data, (
        "only the markdown escapes"
    )
    if draft.facts.expansion is not None and draft.facts.expansion.shown:
        rows = table_rows(text.splitlines(), "| Play | Estimated ARR | Effort | Priority |")
        assert len(rows) == len(draft.facts.expansion.shown) and all(len(r) == 4 for r in rows)
        joined = "\n".join(r[0] for r in rows)
        assert escape_markdown(EVIL_MODULE) in joined and "department" in joined
    if audience == "customer":
        assert escape_markdown(EVIL_ADOPTED_MODULE) in text, "the lightly used module is named, escaped"
    # And the facts are still the engine's, shown as they are (last: the escaping checks above come first).
    record = {**evil_account(), "name": name_in_data}
    check_draft(draft, kind, audience, scored, 0, record, source, "Q4 [q](http://q)")
