"""What the slide deck and the Word document share: plain text from our markdown, and stable bytes.

Both files are written from a draft's markdown and facts, so their wording is the draft's own. Office
files are zip archives whose entries carry the time they were written; `stable_zip` rewrites them with
the scoring date, so the same draft gives the same file, byte for byte.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

ESCAPED = re.compile(r"\\(.)")
BOLD = re.compile(r"\*\*(.+?)\*\*")
AUTHOR = "customer-success-mcp"


def plain(text: str) -> str:
    """A line of our markdown as plain text: bold markers and backslash escapes removed."""
    return ESCAPED.sub(r"\1", BOLD.sub(r"\1", text))


def bold_spans(text: str) -> list[tuple[str, bool]]:
    """A line of our markdown as (plain text, bold) runs."""
    runs: list[tuple[str, bool]] = []
    last = 0
    for m in BOLD.finditer(text):
        if m.start() > last:
            runs.append((plain(text[last : m.start()]), False))
        runs.append((plain(m.group(1)), True))
        last = m.end()
    if last < len(text):
        runs.append((plain(text[last:]), False))
    return runs


def sections(markdown: str) -> dict[str, list[str]]:
    """The lines under each `## ` or `### ` heading of a draft, blank lines left out, by heading text."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in markdown.splitlines():
        if line.startswith(("## ", "### ")):
            current = found.setdefault(plain(line.lstrip("#").strip()), [])
        elif line.strip() == "---":
            current = None
        elif current is not None and line.strip():
            current.append(line)
    return found


def bullets_of(lines: list[str]) -> list[str]:
    """The `- ` items of a section, as plain text."""
    return [plain(line[2:]) for line in lines if line.startswith("- ")]


def items_of(lines: list[str]) -> list[str]:
    """The `- ` items and the paragraphs of a section, as plain text (tables left out)."""
    return [plain(line[2:] if line.startswith("- ") else line) for line in lines if not line.startswith("|")]


def stable_zip(data: bytes, when: dt.date) -> bytes:
    """The same archive with every entry dated `when` (midnight), entries in their original order."""
    stamp = (when.year, when.month, when.day, 0, 0, 0)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            target.writestr(info, source.read(entry.filename))
    return out.getvalue()


def midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day)
