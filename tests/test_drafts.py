"""Deterministic drafts (issue 4, items 4 to 6; issue 7, item 7): QBR, EBR and save plan.

A draft is its facts, then its words. The facts (`Draft.facts`, also the tools' structured content) are
checked against the engine's explanation of the account, the raw input and the profile, with due dates
and multipliers worked out by hand; the markdown must show each fact, written with the formatting
functions; and every number-like token of the markdown must be one the engine, the profile or the
template holds. Drafts carry no placeholder but `[to fill: ...]`, are byte-for-byte reproducible, keep
data as data, and are the same through the library, `csm draft` and the MCP tools. One reviewed snapshot
per kind, all of the same account, is kept in tests/snapshots/.
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
from customer_success_mcp.render.drafts import DRAFT_KINDS, DraftSource, draft_for_account
from customer_success_mcp.render.markdown import escape_markdown
from draft_checks import (
    CASES,
    CSM,
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
    green = explain_account(scored, find_account(scored.table, GREEN_EXPANDING))
    assert green.expansion.total_estimated_revenue > green.arr, "ACC-00017 should be the expanding account"


@pytest.mark.parametrize(("kind", "cid"), CASES)
def test_facts_equal_the_engines_and_the_markdown_shows_them(kind: str, cid: str) -> None:
    scored = example()
    check_draft(
        example_draft(kind, cid),
        kind,
        scored,
        find_account(scored.table, cid),
        RECORDS[cid],
        cli_source(scored),
        QUARTER,
    )


def test_facts_by_hand_for_one_account() -> None:
    """Pinebridge (ACC-00016), worked out from its record: critical, 50 days to renewal, steps not capped."""
    f = example_draft("save-plan", RED_CRITICAL).facts
    assert (f.renewal_date, f.days_to_renewal, f.contract_status) == (dt.date(2027, 1, 12), 50, "renewing")
    assert (f.risk.tier, f.risk.urgency_multiplier) == ("critical", 1.35)  # 50 days: the "within 60" bracket
    assert f.playbook is not None and f.playbook.capped_at is None
    assert [s.due for s in f.playbook.steps] == [
        dt.date(2026, 11, 23) + dt.timedelta(days=d) for d in (0, 2, 5, 2, 7, 7)
    ]
    assert f.lifecycle.renewal_work_starts == dt.date(2026, 9, 14)  # 120 days before 2027-01-12
    assert (f.dimensions, f.adoption, f.expansion, f.recommendations) == (
        None,
        None,
        None,
        None,
    )  # not in a save plan
    capped = example_draft("qbr", "ACC-00003").facts  # renews in 3 days: later steps brought forward
    assert capped.playbook is not None and capped.playbook.capped_at == dt.date(2026, 11, 26)
    assert [s.brought_forward for s in capped.playbook.steps] == [
        s.within_days > 3 for s in example().profile.interventions["high"].steps
    ]


@pytest.mark.parametrize(("kind", "cid"), CASES)
def test_no_figure_is_invented(kind: str, cid: str) -> None:
    scored = example()
    a = explain_account(scored, find_account(scored.table, cid))
    numbers, dates = known_figures(kind, a, life_of(scored, a, RECORDS[cid]), scored, QUARTER)
    text = example_draft(kind, cid).markdown
    assert TOKEN.search(text), "the token pattern finds figures at all"
    assert invented_figures(text, numbers, dates) == []


def test_the_reverse_check_catches_an_invented_figure() -> None:
    scored = example()
    a = explain_account(scored, find_account(scored.table, RED_CRITICAL))
    numbers, dates = known_figures("qbr", a, life_of(scored, a, RECORDS[RED_CRITICAL]), scored, QUARTER)
    text = example_draft("qbr", RED_CRITICAL).markdown
    for fake in ("$12,345", "77.7%", "2031-02-03", "4.44"):
        assert invented_figures(text + f"\nAlso {fake} here.\n", numbers, dates) == [fake]


PREVIOUS = {"usage_score": 80, "engagement_score": 80, "support_score": 80, "relationship_score": 80}


def test_an_account_without_contract_dates() -> None:
    account = make_account(
        customer_id="NODATES-1", name="Undated Co", contract_end_date=None, previous_period=PREVIOUS
    )
    scored = score_records([account], AS_OF)
    source = DraftSource("inline", "snapshot 1", AS_OF, scored.profile.name)
    a = explain_account(scored, 0)
    assert a.churn.renewal_date is None
    for kind in DRAFT_KINDS:
        draft = draft_for_account(scored, 0, kind, source, None)
        check_draft(draft, kind, scored, 0, account, source, None)
        assert (draft.facts.days_to_renewal, draft.facts.contract_status) == (None, "no_end_date")
        numbers, dates = known_figures(kind, a, life_of(scored, a, account), scored, None)
        assert invented_figures(draft.markdown, numbers, dates) == []
        assert "no contract end date" in draft.markdown
        assert "- Lifecycle phase: unknown (no contract dates)" in draft.markdown
        assert "- Renewal work starts: not recorded" in draft.markdown
        assert "_If the renewal is" not in draft.markdown
        assert "(no end date)" in draft.markdown  # the risk line


def test_an_account_without_previous_period_reads_no_data() -> None:
    """Without last period's scores every trend is "no data"; the overall row must read the same."""
    account = make_account(customer_id="NEW-1", name="New Co")
    scored = score_records([account], AS_OF)
    draft = draft_for_account(
        scored, 0, "qbr", DraftSource("inline", "snapshot 1", AS_OF, "default"), QUARTER
    )
    assert draft.facts.health.trend == "no_data"
    assert draft.facts.dimensions is not None and all(
        d.previous_score is None for d in draft.facts.dimensions
    )
    assert "trend no data," in draft.markdown
    assert "no_data" not in draft.markdown, next(ln for ln in draft.markdown.splitlines() if "no_data" in ln)
    check_draft(
        draft, "qbr", scored, 0, account, DraftSource("inline", "snapshot 1", AS_OF, "default"), QUARTER
    )


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


@pytest.mark.parametrize(("kind", "cid"), CASES)
def test_no_placeholder_but_to_fill(kind: str, cid: str) -> None:
    draft = example_draft(kind, cid)
    assert_only_to_fill_gaps(draft.markdown)
    assert len(draft.facts.gaps) >= 10, "the gaps the data cannot know are marked"
    assert "the quarter this review covers" not in draft.facts.gaps
    no_quarter = example_draft(kind, cid, None)
    assert_only_to_fill_gaps(no_quarter.markdown)
    if kind == "qbr":
        assert "- Quarter under review: [to fill: the quarter this review covers]" in no_quarter.markdown
        assert no_quarter.facts.gaps == [
            *draft.facts.gaps[:1],
            "the quarter this review covers",
            *draft.facts.gaps[1:],
        ]


@pytest.mark.parametrize(("kind", "cid"), CASES)
def test_guidance_for_another_situation_is_dropped(kind: str, cid: str) -> None:
    f = example_draft(kind, cid).facts
    lines = example_draft(kind, cid).markdown.splitlines()
    template = raw_text("templates", kind).splitlines()
    green = f.health.classification == "green"
    for own, other in (("_If the account is green:", "_If the account is red or yellow:"),):
        mine, theirs = (own, other) if green else (other, own)
        assert not [ln for ln in lines if ln.startswith(theirs)]
        assert len([ln for ln in lines if ln.startswith(mine)]) == len(
            [ln for ln in template if ln.startswith(mine)]
        )
    life = example().profile.lifecycle
    threshold = {
        "qbr": life.renewal_lead_days,
        "ebr": life.renewal_lead_days,
        "save-plan": life.value_review_days,
    }[kind]
    near = f.days_to_renewal is not None and 0 <= f.days_to_renewal <= threshold
    renewal_lines = [ln for ln in lines if ln.startswith("_If the renewal is")]
    assert renewal_lines == (
        [ln for ln in renewal_lines if ln.startswith(f"_If the renewal is {threshold} days away or less:")]
        if near
        else []
    )
    assert bool(renewal_lines) == near


@pytest.mark.parametrize(("kind", "cid"), CASES)
def test_markdown_stays_well_formed(kind: str, cid: str) -> None:
    text = example_draft(kind, cid).markdown
    assert_tables_well_formed(text)
    lines = text.splitlines()
    for i in [i for i, ln in enumerate(lines) if ln.startswith("#")]:
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
            assert a.markdown.encode() == b.markdown.encode(), f"{kind} {cid}"
            assert a.facts.model_dump_json() == b.facts.model_dump_json()
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
    assert runs[0].stdout.decode("utf-8") == example_draft("save-plan", RED_CRITICAL, None).markdown


# --------------------------------------------------------------------------- 4. the reviewed snapshots


def snapshot_args(kind: str) -> list[str]:
    return [
        "draft",
        kind,
        SNAPSHOT_ACCOUNT,
        "examples/portfolio.json",
        *(["--quarter", QUARTER] if kind == "qbr" else []),
    ]


@pytest.mark.parametrize("kind", DRAFT_KINDS)
def test_snapshot_is_unchanged(kind: str) -> None:
    """One reviewed draft per kind. The library gives the same bytes as `csm draft` (checked above)."""
    text = example_draft(kind, SNAPSHOT_ACCOUNT, QUARTER if kind == "qbr" else None).markdown
    path = SNAPSHOTS[kind]
    command = "csm " + " ".join(f'"{a}"' if " " in a else a for a in snapshot_args(kind))
    assert text == path.read_text(encoding="utf-8"), (
        f"The {kind} draft for {SNAPSHOT_ACCOUNT} no longer matches the reviewed snapshot "
        f"{path.relative_to(ROOT)}. If the change is intended, regenerate it from the repository root with\n"
        f"    {command} > {path.relative_to(ROOT)}\n"
        "then review the diff (git diff tests/snapshots) as a CSM would before committing it."
    )


def test_the_snapshots_are_one_account_at_risk() -> None:
    texts = {kind: path.read_text(encoding="utf-8") for kind, path in SNAPSHOTS.items()}
    assert sorted(p.name for p in (ROOT / "tests" / "snapshots").iterdir()) == sorted(
        p.name for p in SNAPSHOTS.values()
    )
    for text in texts.values():
        assert "**Pinebridge Outfitters Group** (ACC-00016) · mid-market · $29,000 ARR" in text
        assert "renews 2027-01-12 (in 50 days)" in text
        assert "Churn risk **90.4** (critical): raw 67 × 1.35 renewal urgency (renews in 50 days)." in text
        assert "_If the account is green" not in text
        assert_only_to_fill_gaps(text)
        assert_tables_well_formed(text)
    assert "- Quarter under review: Q4 2026" in texts["qbr"]
    assert (
        "_If the renewal is 120 days away or less:" in texts["qbr"]
        and "_If the renewal is 120" in texts["ebr"]
    )
    assert (
        "_If the renewal is 90 days away or less:" in texts["save-plan"]
    )  # 50 days: inside the value review


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
    scored = score_records([account], AS_OF)
    assert scored.report.rejected == 0
    return scored


@pytest.mark.parametrize("kind", DRAFT_KINDS)
def test_data_stays_data(kind: str) -> None:
    scored = evil_scored()
    source = DraftSource("pasted [p](http://p)", "snapshot 1", AS_OF, scored.profile.name)
    draft = draft_for_account(scored, 0, kind, source, "Q4 [q](http://q)")
    text = draft.markdown
    assert_no_live_markup(text)
    name = escape_markdown(EVIL_NAME)
    assert "\n" not in name and "\x1b" not in name
    title = text.splitlines()[0]
    assert title.endswith(name) and "Evil" in title and "newline" in title, "the name stays on one line"
    header = next(ln for ln in text.splitlines() if ln.startswith("**Evil"))
    assert "(EVIL-1)" in header and "newline" in header
    assert_tables_well_formed(text)
    name_in_data = explain_account(scored, 0).name  # ingest has turned the control characters into spaces
    assert draft.facts.name == name_in_data and "[click](http://x)" in name_in_data, (
        "only the markdown escapes"
    )
    if draft.facts.expansion is not None:
        rows = table_rows(text.splitlines(), "| Opportunity | Estimated ARR | Effort | Priority |")
        assert len(rows) == len(draft.facts.expansion.shown) and all(len(r) == 4 for r in rows)
        joined = "\n".join(r[0] for r in rows)
        assert escape_markdown(EVIL_MODULE) in joined and "department" in joined
    if kind == "qbr":
        assert escape_markdown(EVIL_ADOPTED_MODULE) in text, "the barely used module is named, escaped"
    # And the facts are still the engine's, shown as they are (last: the escaping checks above come first).
    record = {
        **make_account(customer_id="EVIL-1", name=name_in_data),
        "contract_start_date": "2026-06-01",
        "contract": {"licensed_seats": 100, "active_seats": 95},
    }
    check_draft(draft, kind, scored, 0, record, source, "Q4 [q](http://q)")
