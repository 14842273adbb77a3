"""The files a draft becomes (issue 14, item 5): the customer QBR as a slide deck (.pptx) and the save
plan as a Word document (.docx), through the library, the MCP tools and `csm draft --output`.

Each file is opened with its own library (python-pptx, python-docx), not parsed by hand. The deck's
slides are the ones the issue names; its chart is the `chart` tool's drawing code; its numbers are the
engine's (the dimension scores read from the explanation of the account, not from the draft) and none
is internal. Decks are rendered for two accounts only (the largest and the red one): the per-account
text checks live in test_draft_audiences.py.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import docx
import mcp_types
import pptx
import pytest
from mcp import Client
from pptx.enum.shapes import MSO_SHAPE_TYPE

from conftest import assert_text_carries_structure
from customer_success_mcp.cli import main
from customer_success_mcp.formatting import day, money, number, score
from customer_success_mcp.pipeline import explain_account, find_account
from customer_success_mcp.render.chart_data import account_health
from customer_success_mcp.render.charts import png
from customer_success_mcp.render.drafts import DraftError, draft_file
from customer_success_mcp.server.app import build_server
from customer_success_mcp.server.config import ServerConfig
from draft_checks import (
    EXAMPLE,
    GREEN_EXPANDING,
    INTERNAL_WORDS,
    QUARTER,
    RECORDS,
    RED_CRITICAL,
    ROOT,
    customer_facing,
    example,
    example_draft,
    invented_figures,
    known_figures,
    life_of,
)

SLIDES = [
    "Quarterly business review",
    "Executive summary",
    "Adoption and health by area",
    "Outcomes and goals",
    "What we heard",
    "Next steps",
    "Appendix: health by area and the figures behind it",
]
STATUS = {"green": "on track", "yellow": "needs attention", "red": "needs action"}


@pytest.fixture(scope="module")
def decks() -> dict[str, bytes]:
    """The customer QBR deck of the largest account and of the red one, rendered once for the module."""
    return {cid: draft_file(example_draft("qbr", cid), "pptx") for cid in (GREEN_EXPANDING, RED_CRITICAL)}


def slide_texts(slide: Any) -> list[str]:
    texts = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            texts += [p.text for p in shape.text_frame.paragraphs if p.text]
        if shape.has_table:
            texts += [cell.text for row in shape.table.rows for cell in row.cells]
    return texts


@pytest.mark.parametrize("cid", [GREEN_EXPANDING, RED_CRITICAL])
def test_the_deck_opens_with_the_slides_and_the_engines_numbers(decks: dict[str, bytes], cid: str) -> None:
    deck = pptx.Presentation(io.BytesIO(decks[cid]))
    slides = list(deck.slides)
    assert [s.shapes.title.text for s in slides] == SLIDES
    draft = example_draft("qbr", cid)
    f = draft.facts
    scored = example()
    a = explain_account(scored, find_account(scored.table, cid))
    # Title: the account, the quarter and the date of the figures.
    assert slide_texts(slides[0])[1:] == [
        a.name,
        f"Quarter under review: {QUARTER}",
        f"Figures as of {day(a.as_of)}",
    ]
    # The executive summary, sentence by sentence.
    assert slide_texts(slides[1])[1:-1] == [f"• {s}" for s in f.summary]
    # Adoption and health: the chart is the chart tool's drawing of the same areas, and the seats come
    # from the file.
    pictures = [s for s in slides[2].shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
    assert len(pictures) == 1 and pictures[0].image.content_type == "image/png"
    dims = customer_facing(a)
    assert pictures[0].image.blob == png(account_health(a.name, a.as_of, f.dimensions or []))
    seats = RECORDS[cid]["contract"]
    assert (
        f"• Seats in use: {number(seats['active_seats'])} of {number(seats['licensed_seats'])} licensed"
        in (" ".join(slide_texts(slides[2])))
    )
    # The appendix table: every area's score, last period, direction and status, from the engine.
    table = next(s for s in slides[6].shapes if s.has_table).table
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows == [["Area", "Score", "Last period", "Direction", "Status"]] + [
        [
            d.label,
            score(d.score),
            number(d.previous_score) if d.previous_score is not None else "—",
            d.trend.replace("_", " "),
            STATUS[d.classification],
        ]
        for d in dims
    ]
    # Outcomes from the file; nothing internal anywhere; every figure one the customer draft may show.
    outcomes = RECORDS[cid]["outcomes"]
    assert f"• Goals met: {number(outcomes['goals_met_pct'])}%" in slide_texts(slides[3])
    text = "\n".join(t for s in slides for t in slide_texts(s))
    found = INTERNAL_WORDS.search(text)
    assert found is None, text[max(found.start() - 80, 0) : found.end() + 40]
    assert money(a.arr) not in text and f"{a.churn.risk_score:g}" not in text.split()
    numbers, dates = known_figures(
        "qbr", "customer", a, life_of(scored, a, RECORDS[cid]), scored, RECORDS[cid], QUARTER, len(f.gaps)
    )
    assert invented_figures(text, numbers, dates) == []
    assert "[to fill:" in text, "the gaps stay visible for the CSM"


def test_the_deck_is_the_same_bytes_every_time(decks: dict[str, bytes]) -> None:
    assert draft_file(example_draft("qbr", RED_CRITICAL), "pptx") == decks[RED_CRITICAL]


def test_the_save_plan_document_opens_with_the_plan_in_date_order() -> None:
    draft = example_draft("save-plan", RED_CRITICAL)
    f = draft.facts
    data = draft_file(draft, "docx")
    assert draft_file(draft, "docx") == data, "the same draft gives the same file"
    document = docx.Document(io.BytesIO(data))
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[0] == "Save plan: Pinebridge Outfitters Group"
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:3] == ["Executive summary", "Check the data first", "Diagnosis"]
    assert "Plan, in date order" in headings and "Renewal position" in headings
    assert " ".join(f.summary) in paragraphs
    plan = next(t for t in document.tables if t.rows[0].cells[0].text == "Due")
    rows = [[c.text for c in row.cells] for row in plan.rows][1:]
    assert rows == [[day(s.due), s.text, s.owner, "; ".join(s.answers)] for s in f.playbook.steps]  # type: ignore[union-attr]
    assert [r[0] for r in rows] == sorted(r[0] for r in rows)
    for line in ("Contract type: annual", "ARR at stake: $29,000", "Renewal: renews 2027-01-12 (in 50 days)"):
        assert line in paragraphs
    assert sum(p.count("[to fill:") for p in paragraphs) == len(f.gaps)
    listed = [p.text for p in document.paragraphs if p.style.name == "List Number"]
    assert listed == f.gaps, "the gaps, listed once more at the end"


def test_each_file_is_made_of_its_one_draft() -> None:
    with pytest.raises(DraftError, match="customer QBR only"):
        draft_file(example_draft("qbr", RED_CRITICAL, QUARTER, "internal"), "pptx")
    with pytest.raises(DraftError, match="internal save plan only"):
        draft_file(example_draft("ebr", RED_CRITICAL), "docx")


# --------------------------------------------------------------------------- through the MCP tools


def text_of(result: mcp_types.CallToolResult) -> str:
    return "\n".join(b.text for b in result.content if isinstance(b, mcp_types.TextContent))


@pytest.mark.anyio
async def test_the_tools_write_a_deck_and_a_document_once(tmp_path: Path) -> None:
    examples_dir, out_dir = tmp_path / "examples", tmp_path / "out"
    examples_dir.mkdir()
    out_dir.mkdir()
    shutil.copy(EXAMPLE, examples_dir / "portfolio.json")
    config = ServerConfig(data_dir=tmp_path / "d", allowed_dirs=(examples_dir.resolve(), out_dir.resolve()))
    async with Client(build_server(config)) as client:
        loaded = await client.call_tool("load_portfolio", {"path": str(examples_dir / "portfolio.json")})
        assert not loaded.is_error, text_of(loaded)
        deck_path = out_dir.resolve() / "cresthill.pptx"
        args = {"account": GREEN_EXPANDING, "quarter": QUARTER, "format": "pptx", "save_to": str(deck_path)}
        saved = await client.call_tool("draft_qbr", args)
        assert not saved.is_error, text_of(saved)
        assert_text_carries_structure(saved, limit=24_000)
        s = saved.structured_content or {}
        assert (s["saved_to"], s["saved_format"], s["saved_bytes"]) == (
            str(deck_path),
            "pptx",
            deck_path.stat().st_size,
        )
        assert [sl.shapes.title.text for sl in pptx.Presentation(str(deck_path)).slides] == SLIDES
        assert s["facts"]["audience"] == "customer" and s["facts"]["risk"] is None
        again = await client.call_tool("draft_qbr", args)
        assert again.is_error and "already exists" in text_of(again)
        no_path = await client.call_tool("draft_qbr", {"account": GREEN_EXPANDING, "format": "pptx"})
        assert no_path.is_error and "give save_to" in text_of(no_path)
        wrong_end = await client.call_tool(
            "draft_qbr", {"account": GREEN_EXPANDING, "format": "pptx", "save_to": str(out_dir / "deck.md")}
        )
        assert wrong_end.is_error and ".pptx" in text_of(wrong_end)
        internal = await client.call_tool(
            "draft_qbr",
            {
                "account": GREEN_EXPANDING,
                "audience": "internal",
                "format": "pptx",
                "save_to": str(out_dir / "x.pptx"),
            },
        )
        assert internal.is_error and "customer QBR only" in text_of(internal)
        plan_path = out_dir.resolve() / "plan.docx"
        plan = await client.call_tool(
            "draft_save_plan", {"account": RED_CRITICAL, "format": "docx", "save_to": str(plan_path)}
        )
        assert not plan.is_error, text_of(plan)
        assert docx.Document(str(plan_path)).paragraphs[0].text == "Save plan: Pinebridge Outfitters Group"
        assert sorted(p.name for p in out_dir.iterdir()) == ["cresthill.pptx", "plan.docx"]


# --------------------------------------------------------------------------- through the CLI


def run_main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_the_cli_writes_the_deck_and_the_document(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    decks: dict[str, bytes],
) -> None:
    monkeypatch.chdir(ROOT)
    deck = tmp_path / "deck.pptx"
    qbr = ("draft", "qbr", RED_CRITICAL, "examples/portfolio.json", "--quarter", QUARTER)
    rc, out, err = run_main(capsys, *qbr, "--output", str(deck))
    assert (rc, out) == (0, "")
    assert err == f"wrote the slide deck of the customer QBR for Pinebridge Outfitters Group to {deck}\n"
    assert deck.read_bytes() == decks[RED_CRITICAL]
    rc, out, err = run_main(capsys, *qbr, "--output", str(deck))
    assert rc == 2 and "already exists" in err and len(err.splitlines()) == 1
    rc, _, err = run_main(capsys, *qbr, "--audience", "internal", "--output", str(tmp_path / "brief.pptx"))
    assert rc == 2 and "customer QBR only" in err and not (tmp_path / "brief.pptx").exists()
    plan = tmp_path / "plan.docx"
    rc, _, err = run_main(
        capsys, "draft", "save-plan", RED_CRITICAL, "examples/portfolio.json", "-o", str(plan)
    )
    assert rc == 0 and err.startswith("wrote the Word document of the internal save plan")
    assert docx.Document(str(plan)).paragraphs[0].text == "Save plan: Pinebridge Outfitters Group"
    rc, _, err = run_main(
        capsys, "draft", "save-plan", RED_CRITICAL, "examples/portfolio.json", "--audience", "customer"
    )
    assert rc == 2 and "a save plan is internal only" in err
