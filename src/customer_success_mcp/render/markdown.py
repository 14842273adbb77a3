"""Keeping data as data in markdown."""

from __future__ import annotations

_SPECIAL = "\\`*_{}[]()<>#+!|~"


def escape_markdown(text: str) -> str:
    """Escape markup characters and drop control characters: no links, images or tables smuggled in."""
    cleaned = " ".join("".join(ch if ch.isprintable() else " " for ch in str(text)).split())
    return "".join("\\" + ch if ch in _SPECIAL else ch for ch in cleaned)
