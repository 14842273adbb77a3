"""The text block of a tool result, written from its structured content: the same facts, for hosts
that show the model only the text (Claude Desktop and others; Claude Code shows only the structure).

The rendering is generic, so nothing in the structured content can be left out of the text: scalars
become `key: value` lines, lists of records become tables (a header row, then one `|`-separated row
per record), nested records become indented sections. Figures are written as they are in the structure
(no rounding, no currency shorthand), dates as YYYY-MM-DD. Data from a portfolio stays inert: control
and bidirectional characters become spaces (so no value can start a line of its own), a value holding
its line's separator is quoted, and nothing is markdown-escaped: this is plain text, and a reader would
see the backslashes.
"""

from __future__ import annotations

import json
import math
import unicodedata
from typing import Any

from pydantic import BaseModel

from customer_success_mcp.formatting import plural

SEPARATOR = " | "
FIELD_SEPARATOR = " · "
INDENT = "  "
BLOCK_FIELDS = frozenset({"csv"})  # multi-line content of our own making (a file's text): one line per line
_BIDI = {"\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
         "\u2069", "\u061c"}  # fmt: skip


def _hidden(ch: str) -> bool:
    return not ch.isprintable() or ch in _BIDI or unicodedata.category(ch) == "Cf"


def inert(text: str) -> str:
    """A string from the data, safe on one line: control, format and bidi characters become spaces."""
    if text.isprintable() and not _BIDI.intersection(text):
        return text
    cleaned = "".join(
        " " if (not ch.isprintable() or ch in _BIDI or unicodedata.category(ch) == "Cf") else ch
        for ch in text
    )
    return " ".join(cleaned.split())


def scalar(value: Any) -> str:
    """One value as written in the text: figures exactly, true/false, dates ISO, strings inert."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return "n/a"
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return inert(str(value))


def _field(value: Any) -> str:
    """A value on a `key: value · key: value` line; one holding the separator is quoted."""
    text = scalar(value)
    return json.dumps(text, ensure_ascii=False) if FIELD_SEPARATOR.strip() in text else text


def _cell(value: Any) -> str:
    text = _inline(value) if isinstance(value, dict | list) else scalar(value)
    return json.dumps(text, ensure_ascii=False) if "|" in text or '"' in text[:1] else text


def _inline(value: Any) -> str:
    """A nested value inside a table cell, on one line: `k=v; k=v` or `a, b, c`."""
    if isinstance(value, dict):
        return "; ".join(
            f"{k}={_inline(v)}" for k, v in value.items() if v is not None and v != [] and v != {}
        )
    if isinstance(value, list):
        return ", ".join(_inline(v) for v in value)
    return scalar(value)


def _is_record_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _table(rows: list[dict[str, Any]], indent: str) -> list[str]:
    keys = list(dict.fromkeys(k for row in rows for k, v in row.items() if v is not None and v != []))
    lines = [indent + SEPARATOR.join(keys)]
    lines += [indent + SEPARATOR.join(_cell(row.get(k)) for k in keys) for row in rows]
    return lines


def _is_grid(data: dict[str, Any]) -> bool:
    """A `columns` list of names beside a `rows` list of lists: a result set, written as a table."""
    columns, rows = data.get("columns"), data.get("rows")
    return (
        isinstance(columns, list)
        and all(isinstance(c, str) for c in columns)
        and isinstance(rows, list)
        and all(isinstance(r, list) for r in rows)
    )


def _lines(data: dict[str, Any], indent: str = "") -> list[str]:
    if _is_grid(data):
        rest = {k: v for k, v in data.items() if k not in ("columns", "rows")}
        head = indent + SEPARATOR.join(_cell(c) for c in data["columns"])
        body = [indent + SEPARATOR.join(_cell(v) for v in row) for row in data["rows"]]
        return [*_lines(rest, indent), f"{indent}rows ({len(body)}):", head, *body]
    out: list[str] = []
    blocks = {k: v for k, v in data.items() if k in BLOCK_FIELDS and isinstance(v, str)}
    simple = [(k, v) for k, v in data.items() if not isinstance(v, dict | list) and k not in blocks]
    if simple:
        out.append(indent + FIELD_SEPARATOR.join(f"{k}: {_field(v)}" for k, v in simple if v is not None))
    for key, value in data.items():
        if key in blocks:
            rows = value.splitlines()
            out.append(f"{indent}{key} ({plural(len(rows), 'line')}):")
            out += [f"{indent}{INDENT}{inert(row)}" for row in rows]
        elif isinstance(value, dict):
            if not value:
                continue
            out.append(f"{indent}{key}:")
            out += _lines(value, indent + INDENT)
        elif isinstance(value, list):
            if not value:
                out.append(f"{indent}{key}: none")
            elif _is_record_list(value):
                out.append(f"{indent}{key} ({len(value)}):")
                out += _table(value, indent + INDENT)
            elif any(isinstance(v, str) and (", " in v or len(v) > 60) for v in value):
                out.append(f"{indent}{key} ({len(value)}):")  # sentences: one per line
                out += [f"{indent}{INDENT}- {_inline(v)}" for v in value]
            else:
                out.append(f"{indent}{key}: {', '.join(_inline(v) for v in value)}")
    return [line for line in out if line.strip()]


def compact_text(model: BaseModel | dict[str, Any], headline: str | None = None) -> str:
    """The whole structured content as compact lines, under an optional one-line headline."""
    data = model.model_dump(mode="json") if isinstance(model, BaseModel) else model
    lines = _lines(data)
    return "\n".join([inert(headline), *lines] if headline else lines)
