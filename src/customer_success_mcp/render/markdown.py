"""Keeping data as data in markdown, with as few visible backslashes as that allows.

Only what could start markup is escaped: backslashes, code spans, emphasis, links and images (their
brackets), HTML (angle brackets), table cells (pipes), strikethrough, and a heading, list or quote
marker at the start of the value. Parentheses, `$`, `+`, `!` and intraword underscores are left alone:
without a bracket or a line start they cannot become markup, and a reader would see the backslash.
"""

from __future__ import annotations

import re

_ALWAYS = set("\\`*[]<>|~")
_LINE_START = re.compile(r"^(#{1,6}(?=\s|$)|[-+](?=\s)|\d+(?=[.)](\s|$)))")


def _escape_underscore(text: str, i: int) -> bool:
    """An underscore can open or close emphasis only at a word boundary (CommonMark, GFM)."""
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return not (before.isalnum() and after.isalnum())


def escape_markdown(text: str) -> str:
    """One line of data, inert in markdown: control characters dropped, markup characters escaped."""
    cleaned = " ".join("".join(ch if ch.isprintable() else " " for ch in str(text)).split())
    out = []
    for i, ch in enumerate(cleaned):
        if ch in _ALWAYS or (ch == "_" and _escape_underscore(cleaned, i)):
            out.append("\\" + ch)
        else:
            out.append(ch)
    escaped = "".join(out)
    marker = _LINE_START.match(escaped)
    if marker:
        head = marker.group(0)
        if head.isdigit():  # "1." or "1)" at the start would begin an ordered list
            return head + "\\" + escaped[len(head) :]
        return "\\" + escaped
    return escaped
