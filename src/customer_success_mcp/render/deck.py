"""The customer QBR as a slide deck (.pptx, python-pptx), written from the customer draft alone.

Seven slides: title, executive summary, adoption and health by area (with the chart drawn by
`render.charts`, as the `chart` tool draws its charts), outcomes and goals, what we heard, next steps and
an appendix with health by area as a table and the basis of the figures. Every line is a line of the
customer draft (its summary, or the bullets of its sections) and every number is one of its facts, so
the deck can hold nothing the customer draft leaves out; `[to fill: ...]` gaps stay visible for the CSM.
"""

from __future__ import annotations

import io

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.presentation import Presentation as Deck
from pptx.slide import Slide
from pptx.util import Emu, Inches, Pt

from customer_success_mcp.formatting import day, number, score
from customer_success_mcp.render.chart_data import account_health
from customer_success_mcp.render.charts import png
from customer_success_mcp.render.draft_facts import DraftFacts
from customer_success_mcp.render.draft_summary import readable
from customer_success_mcp.render.drafts_customer import area_status
from customer_success_mcp.render.office import (
    AUTHOR,
    bullets_of,
    items_of,
    midnight,
    plain,
    sections,
    stable_zip,
)

SLIDE_TITLES = (
    "Quarterly business review",
    "Executive summary",
    "Adoption and health by area",
    "Outcomes and goals",
    "What we heard",
    "Next steps",
    "Appendix: health by area and the figures behind it",
)
WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.6)
INK, MUTED = RGBColor(0x1F, 0x23, 0x28), RGBColor(0x59, 0x63, 0x6E)
TABLE_HEADER = ("Area", "Score", "Last period", "Direction", "Status")


def _title(slide: Slide, text: str) -> None:
    shape = slide.shapes.title
    if shape is None:  # every layout used here has a title
        raise ValueError("a slide layout without a title placeholder")
    shape.left, shape.top = MARGIN, Inches(0.35)
    shape.width, shape.height = Emu(WIDTH - 2 * MARGIN), Inches(0.9)
    shape.text_frame.text = text
    para = shape.text_frame.paragraphs[0]
    para.font.size, para.font.bold, para.font.color.rgb = Pt(30), True, INK


def _text(slide: Slide, lines: list[str], left: int, top: int, width: int, height: int, size: int) -> None:
    box = slide.shapes.add_textbox(Emu(left), Emu(top), Emu(width), Emu(height))
    frame = box.text_frame
    frame.word_wrap = True
    for i, line in enumerate(lines):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        para.text = f"• {line}"
        para.font.size, para.font.color.rgb = Pt(size), INK
        para.space_after = Pt(size * 0.5)


def _size(lines: list[str]) -> int:
    words = sum(len(line) for line in lines)
    return 20 if words < 400 else 17 if words < 700 else 14


def _footer(slide: Slide, f: DraftFacts) -> None:
    box = slide.shapes.add_textbox(MARGIN, Emu(HEIGHT - Inches(0.5)), Emu(WIDTH - 2 * MARGIN), Inches(0.3))
    box.text_frame.text = f"{f.name} · figures as of {day(f.as_of)}"
    para = box.text_frame.paragraphs[0]
    para.font.size, para.font.color.rgb = Pt(10), MUTED


def _bullet_slide(deck: Deck, f: DraftFacts, title: str, lines: list[str]) -> None:
    slide = deck.slides.add_slide(deck.slide_layouts[5])  # title only
    _title(slide, title)
    _text(slide, lines, MARGIN, Inches(1.45), WIDTH - 2 * MARGIN, Inches(5.4), _size(lines))
    _footer(slide, f)


def _area_rows(f: DraftFacts) -> list[tuple[str, ...]]:
    return [
        (d.label, score(d.score), "—" if d.previous_score is None else number(d.previous_score),
         readable(d.trend), area_status(d.classification))
        for d in f.dimensions or []
    ]  # fmt: skip


def qbr_deck(f: DraftFacts, markdown: str) -> bytes:
    """The customer QBR deck of a customer QBR draft (its facts and its markdown), as .pptx bytes."""
    parts = sections(markdown)
    deck = Presentation()
    deck.slide_width, deck.slide_height = WIDTH, HEIGHT
    props = deck.core_properties
    props.title, props.author, props.last_modified_by = f"{SLIDE_TITLES[0]}: {f.name}", AUTHOR, AUTHOR
    props.created = props.modified = midnight(f.as_of)
    props.revision = 1

    cover = deck.slides.add_slide(deck.slide_layouts[0])
    _title(cover, SLIDE_TITLES[0])
    cover.shapes.title.top, cover.shapes.title.height = Inches(2.2), Inches(1.2)
    subtitle = cover.placeholders[1]
    subtitle.left, subtitle.top, subtitle.width, subtitle.height = (
        MARGIN,
        Inches(3.6),
        WIDTH - 2 * MARGIN,
        Inches(1.6),
    )
    period = plain(next((ln for ln in parts.get("Meeting details", []) if "Quarter under review" in ln), ""))
    subtitle.text_frame.text = f.name
    for line in (period.removeprefix("- "), f"Figures as of {day(f.as_of)}"):
        if line:
            para = subtitle.text_frame.add_paragraph()
            para.text = line
            para.font.size, para.font.color.rgb = Pt(18), MUTED

    _bullet_slide(deck, f, SLIDE_TITLES[1], [plain(s) for s in f.summary])

    health = deck.slides.add_slide(deck.slide_layouts[5])
    _title(health, SLIDE_TITLES[2])
    chart = png(account_health(f.name, f.as_of, f.dimensions or []))
    picture_width = Inches(7.7)
    health.shapes.add_picture(io.BytesIO(chart), MARGIN, Inches(1.4), width=picture_width)
    adoption = bullets_of(parts.get("Adoption and health", []))
    right = MARGIN + picture_width + Inches(0.3)
    _text(health, adoption, right, Inches(1.5), WIDTH - right - MARGIN, Inches(4.8), 14)
    note = [plain(ln) for ln in parts.get("Adoption and health", []) if ln.startswith("Scores run")]
    if note:
        box = health.shapes.add_textbox(MARGIN, Inches(5.85), picture_width, Inches(0.8))
        box.text_frame.word_wrap = True
        box.text_frame.text = note[0]
        box.text_frame.paragraphs[0].font.size = Pt(11)
        box.text_frame.paragraphs[0].font.color.rgb = MUTED
    _footer(health, f)

    for title in SLIDE_TITLES[3:6]:
        _bullet_slide(deck, f, title, bullets_of(parts.get(title, [])))

    appendix = deck.slides.add_slide(deck.slide_layouts[5])
    _title(appendix, SLIDE_TITLES[6])
    rows = _area_rows(f)
    shape = appendix.shapes.add_table(len(rows) + 1, len(TABLE_HEADER), MARGIN, Inches(1.4),
                                      WIDTH - 2 * MARGIN, Inches(0.4) * (len(rows) + 1))  # fmt: skip
    for r, row in enumerate([TABLE_HEADER, *rows]):
        for c, value in enumerate(row):
            cell = shape.table.cell(r, c)
            cell.text = value
            cell.text_frame.paragraphs[0].font.size = Pt(13)
    basis = items_of(parts.get("Where the figures fall short", []))
    basis += items_of(parts.get("Appendix: about these figures", []))
    top = Inches(1.6) + Inches(0.4) * (len(rows) + 1)
    _text(appendix, basis, MARGIN, top, WIDTH - 2 * MARGIN, HEIGHT - top - Inches(0.6), 12)
    _footer(appendix, f)

    out = io.BytesIO()
    deck.save(out)
    return stable_zip(out.getvalue(), f.as_of)
