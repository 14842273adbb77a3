"""The save plan as a Word document (.docx, python-docx), written from the save-plan draft's markdown.

The document is the draft itself, block by block: headings, paragraphs, lists, the check-list of exit
criteria and the tables (the plan in date order among them), so its wording and figures are the draft's
and nothing is added. Our markdown is simple and known (see render/drafts*.py), so it is read line by
line: `#` headings, `- ` and `- [ ] ` items, `1. ` numbered items, `|` tables, `_..._` notes, `---`.
"""

from __future__ import annotations

import io
import re

from docx import Document
from docx.shared import Pt

from customer_success_mcp.render.draft_facts import DraftFacts
from customer_success_mcp.render.office import AUTHOR, bold_spans, midnight, plain, stable_zip

NUMBERED = re.compile(r"^\d+\. ")
CELL_SPLIT = re.compile(r"(?<!\\)\|")


def _cells(row: str) -> list[str]:
    return [c.strip() for c in CELL_SPLIT.split(row.strip())[1:-1]]


def _paragraph(doc: object, text: str, style: str | None = None, italic: bool = False) -> None:
    para = doc.add_paragraph(style=style)  # type: ignore[attr-defined]
    for words, bold in bold_spans(text):
        run = para.add_run(words)
        run.bold, run.italic = bold or None, italic or None


def _table(doc: object, rows: list[str]) -> None:
    header, body = _cells(rows[0]), [_cells(r) for r in rows[2:]]  # rows[1] is the |---| line
    table = doc.add_table(rows=1 + len(body), cols=len(header))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    for r, cells in enumerate([header, *body]):
        for c, value in enumerate(cells):
            cell = table.cell(r, c)
            cell.text = plain(value)
            for run in cell.paragraphs[0].runs:
                run.font.size = Pt(9.5)
                run.bold = r == 0 or None


def save_plan_document(f: DraftFacts, markdown: str) -> bytes:
    """The save plan's markdown as .docx bytes."""
    doc = Document()
    props = doc.core_properties
    props.title, props.author, props.last_modified_by = plain(markdown.splitlines()[0][2:]), AUTHOR, AUTHOR
    props.created = props.modified = midnight(f.as_of)
    props.revision = 1
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(lines[i])
                i += 1
            _table(doc, rows)
            continue
        if line.startswith("# "):
            doc.add_heading(plain(line[2:]), level=0)
        elif line.startswith("## "):
            doc.add_heading(plain(line[3:]), level=1)
        elif line.startswith("### "):
            doc.add_heading(plain(line[4:]), level=2)
        elif line.startswith("- [ ] "):
            _paragraph(doc, "☐ " + line[6:], "List Bullet")
        elif line.startswith("- "):
            _paragraph(doc, line[2:], "List Bullet")
        elif NUMBERED.match(line):
            _paragraph(doc, NUMBERED.sub("", line), "List Number")
        elif line.startswith("_") and line.endswith("_") and len(line) > 1:
            _paragraph(doc, line[1:-1], italic=True)
        elif line.strip() and line.strip() != "---":
            _paragraph(doc, line)
        i += 1
    out = io.BytesIO()
    doc.save(out)
    return stable_zip(out.getvalue(), f.as_of)
