"""Cells of an export as contract values, a whole column at a time.

Numbers may carry thousands separators, currency symbols or a `%`; flags read yes/no, true/false,
y/n and 1/0; dates read YYYY-MM-DD, MM/DD/YYYY or DD/MM/YYYY (the order comes from the values, or
from `date_order` when they cannot tell), DD.MM.YYYY and Excel serial numbers. Empty cells, "n/a",
"null", "none" and "-" mean "not supplied". The ranges, whole-number rule and vocabularies are the
contract's (`ingest.columns`), so a value accepted here is one the JSON path would accept.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from customer_success_mcp.dates import FIRST_YEAR, LAST_YEAR
from customer_success_mcp.ingest.columns import (
    FieldRule,
    printable_text,
    range_failures,
    tier_key,
    unknown_label_note,
)
from customer_success_mcp.ingest.textscan import (
    NO_TEXT,
    Distinct,
    as_arrow,
    as_floats,
    as_list,
    blank_gaps,
    encoded,
    per_distinct,
    plain_rows,
    pooled,
    spread_findings,
    spread_values,
    true_rows,
    valid_rows,
)
from customer_success_mcp.scoring.coded import Coded
from customer_success_mcp.scoring.profile import normalise_label

EMPTY_WORDS = ("", "n/a", "na", "null", "none", "-", "—")
_LONGEST_EMPTY_WORD = max(len(word.encode()) for word in EMPTY_WORDS)  # in UTF-8 bytes
_EMPTY_TEXTS = pa.array(EMPTY_WORDS, pa.string())  # typed, as NO_TEXT is
_ZERO_TEXT = pa.scalar("0", pa.string())
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "t", "x"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "f"})
_NUMBER_FORM = r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$"
# NaN and infinity as the reader reads them in a number column: numbers, then refused as not finite.
_NOT_FINITE = r"(?i)^[+-]?(?:nan|inf|infinity)$"
_SYMBOLS = ("$", "€", "£", "¥", "%", " ", "\u00a0")
_CODES = r"(?i)^(?:usd|eur|gbp)|(?:usd|eur|gbp)$"
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d{1,2}$")
_LIST_SEPARATORS = re.compile(r"[;|,]")  # between the items of a list in one cell
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_EXCEL_EPOCH_ORDINAL = dt.date(
    1899, 12, 30
).toordinal()  # serial 61 is 1900-03-01 (after Excel's leap-day bug)
DATE_FORMS = "YYYY-MM-DD, MM/DD/YYYY, DD/MM/YYYY, DD.MM.YYYY or an Excel date number"
_DATE_PATTERNS = (
    ("ymd", r"^\s*(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:[T ][0-9:.+Z-]*)?\s*$"),
    ("ymd", r"^\s*(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})\s*$"),
    ("dmy", r"^\s*(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})\s*$"),
    ("slash", r"^\s*(?P<a>\d{1,2})[/-](?P<b>\d{1,2})[/-](?P<y>\d{4})(?:\s+[0-9:]+(?:\s*[AaPp][Mm])?)?\s*$"),
    ("serial", r"^\s*(?P<s>\d{2,6})(?:\.\d+)?\s*$"),
)


@dataclass
class Parsed:
    """One column as contract values, and what was wrong with which records."""

    values: Any  # np.ndarray of floats (NaN: not supplied), or a list or `Coded` column (None: not supplied)
    present: np.ndarray
    problems: list[tuple[int, str]] = field(default_factory=list)
    notes: list[tuple[int, str]] = field(default_factory=list)
    date_question: str | None = None  # slash dates whose day/month order the values cannot tell

    @property
    def clean(self) -> bool:
        """Nothing to report: no problem, no note (the values can be used as checked)."""
        return not self.problems and not self.notes


def _spread(parsed: Parsed, distinct: Distinct) -> Parsed:
    """A column parsed once per distinct text, as the parse of every record (`textscan.per_distinct`)."""
    indices = distinct.indices
    if isinstance(parsed.values, np.ndarray):
        values: Any = spread_values(parsed.values, indices, np.nan)
    else:  # texts: kept as codes over the distinct values (-1, an empty cell, reads the last: None)
        values = Coded([*parsed.values, None], indices)
    return Parsed(values, spread_values(parsed.present, indices, False),
                  spread_findings(parsed.problems, indices), spread_findings(parsed.notes, indices),
                  parsed.date_question)  # fmt: skip


def shown(text: Any) -> str:
    """A cell as the file showed it, quoted and cut short (numbers the reader converted, written plainly)."""
    if isinstance(text, float):
        text = f"{text:.15g}"
    value = repr(text)
    return value if len(value) <= 40 else value[:37] + "..."


def _cells(col: pa.Array) -> list[Any]:
    return col.to_pylist()


def _by_distinct(col: pa.Array) -> tuple[list[Any], np.ndarray]:
    """The column's distinct texts, and each record's position among them (-1 where empty)."""
    distinct = encoded(col)
    return distinct.texts.to_pylist(), distinct.indices


def _mapped(col: pa.Array, convert: Any) -> Parsed:
    """`convert` applied once per distinct text and spread to the records (None: not supplied)."""
    distinct = encoded(col)
    converted = [convert(text) for text in distinct.texts.to_pylist()]
    given = np.array([v is not None for v in converted] + [False], dtype=bool)
    return Parsed(Coded([*converted, None], distinct.indices), given[distinct.indices])  # -1 (empty): None


def _is_empty_word(text: str) -> bool:
    return text.strip().casefold() in EMPTY_WORDS


# --------------------------------------------------------------------------- numbers


_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _numbers_fast(col: pa.Array) -> np.ndarray | None:
    """Plain numbers cast by Arrow in one call; None when any value needs cleaning (a failed cast costs as
    much as a good one, so the first values are looked at before trying)."""
    if pa.types.is_floating(col.type):  # the reader converted it already
        return as_floats(col)
    head = [v for v in col.slice(0, 64).to_pylist() if v is not None]
    if not all(_PLAIN_NUMBER.fullmatch(v) for v in head):
        return None
    try:
        return as_floats(pc.cast(col, pa.float64()))
    except pa.ArrowInvalid:
        return None


def parse_numbers(
    col: pa.Array, rule: FieldRule, *, ratio: bool = False, percent_header: bool = False
) -> Parsed:
    """Numbers, with '1,200', '$1,200', '45%' read as people write them; ranges from the contract."""
    problems: list[tuple[int, str]] = []
    values = _numbers_fast(col)
    percent: np.ndarray | None = None  # the cells written with a % sign
    empty: np.ndarray | None = None  # the cells that say "not supplied" ('n/a', '-', ...)
    if values is None:
        values, percent, empty = _cleaned_numbers(col, problems)
    finite = np.isfinite(values)
    unfilled = finite.size - np.count_nonzero(finite)
    if unfilled and (empty is not None or unfilled != col.null_count):  # NaN or infinity written in a cell
        given = valid_rows(col)
        if empty is not None:
            given &= ~empty
        reported = {i for i, _ in problems}
        problems.extend(
            (i, f"must be a finite number (not NaN or infinity), got {shown(col[i].as_py())}")
            for i in np.flatnonzero(given & ~finite).tolist()
            if i not in reported
        )
        values = np.where(finite, values, np.nan)
    if ratio and percent_header:
        values = values / 100.0
    elif ratio and percent is not None and percent.any():
        values = np.where(percent, values / 100.0, values)
    for i, reason in range_failures(rule, values):
        problems.append((i, f"{reason}, got {shown(col[i].as_py())}"))
    return Parsed(values, finite, problems)


def _cleaned_numbers(
    col: pa.Array, problems: list[tuple[int, str]]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values, written with %, not supplied) of text cells with separators, symbols and currency codes;
    a cell that is none of these is reported."""
    trimmed = pc.utf8_trim_whitespace(col)
    percent = true_rows(pc.ends_with(trimmed, "%"))
    bare = trimmed
    for symbol in _SYMBOLS:  # plain replacements: several times faster than one regular expression
        if pc.any(pc.match_substring(bare, symbol)).as_py():
            bare = pc.replace_substring(bare, symbol, "")
    if pc.any(pc.match_substring_regex(bare, "[A-Za-z]")).as_py():  # currency codes: 'USD 1,200'
        bare = pc.replace_substring_regex(bare, _CODES, "")
    empty_mask = pc.or_(pc.equal(bare, NO_TEXT), pc.is_in(pc.utf8_lower(trimmed), _EMPTY_TEXTS))
    written = pc.or_(
        pc.match_substring_regex(bare, _NUMBER_FORM), pc.match_substring_regex(bare, _NOT_FINITE)
    )
    valid = pc.and_(written, pc.invert(empty_mask))
    numeric = pc.if_else(valid, pc.replace_substring(bare, ",", ""), pa.scalar(None, pa.string()))
    values = as_floats(pc.cast(numeric, pa.float64()))
    empty = true_rows(pc.fill_null(empty_mask, True))
    unread = pc.and_(pc.is_valid(col), pc.invert(pc.fill_null(pc.or_(valid, empty_mask), False)))
    for i in np.flatnonzero(true_rows(unread)).tolist():
        text = col[i].as_py()
        hint = " (write decimals with a point)" if _DECIMAL_COMMA.match(text.strip()) else ""
        problems.append((i, f"must be a number{hint}, got {shown(text)}"))
    return values, percent, empty


# --------------------------------------------------------------------------- flags and labels


def _flag(text: str) -> float | None:
    word = text.strip().casefold()
    if word in TRUE_WORDS:
        return 1.0
    if word in FALSE_WORDS:
        return 0.0
    return None


def _true_false(col: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """A boolean column as 1.0/0.0, NaN where empty, and where it is not empty, read straight from its
    bitmaps."""
    given = valid_rows(col)
    true = true_rows(col)
    values = pooled(len(true), np.float64)
    np.copyto(values, true)
    return (blank_gaps(values, given) if col.null_count else values), given


def parse_flags(col: pa.Array) -> Parsed:
    """yes/no, true/false, y/n, 1/0 (any case) as 1/0; anything else is reported."""
    if pa.types.is_boolean(col.type):  # the reader read the words already
        return Parsed(*_true_false(col))
    distinct, indices = _by_distinct(col)
    converted = [_flag(text) for text in distinct]
    lookup = np.array([np.nan if v is None else v for v in converted] + [np.nan])
    values = lookup[indices]
    unreadable = {k for k, v in enumerate(converted) if v is None and not _is_empty_word(distinct[k])}
    problems = []
    if unreadable:
        problems = [
            (i, f"must be yes or no (or true/false, 1/0), got {shown(distinct[k])}")
            for i, k in enumerate(indices.tolist())
            if k in unreadable
        ]
    return Parsed(values, ~np.isnan(values), problems)


def _texts(col: pa.Array, tidy: Any) -> Parsed:
    def convert(text: str) -> str | None:
        return None if _is_empty_word(text) else (tidy(text) or None)

    return _mapped(col, convert)


def _already_tidy(col: pa.Array) -> pa.Array:
    """True where printable_text would leave the text as it is (checked without a regular expression)."""
    untidy = pc.or_(pc.or_(pc.starts_with(col, " "), pc.ends_with(col, " ")), pc.match_substring(col, "  "))
    return pc.fill_null(pc.and_(pc.utf8_is_printable(col), pc.invert(untidy)), False)


def parse_text(col: pa.Array, listed: list[Any] | None = None) -> Parsed:
    """Free text (names, owners): control characters become spaces, runs of spaces collapse. `listed`: the
    column as a Python list already, if it was made one."""
    return per_distinct(col, lambda texts: _text_cells(texts, listed if texts is col else None), _spread)


def _text_cells(col: pa.Array, listed: list[Any] | None = None) -> Parsed:
    """Cells that cannot need tidying (plain ASCII, longer than any empty word) are kept as read; the
    others are checked one by one."""
    plain = plain_rows(col, min_bytes=_LONGEST_EMPTY_WORD + 1)
    if plain is None:
        return _text_exactly(col)
    if plain.all():
        return Parsed(as_list(col) if listed is None else listed, plain)
    values = as_list(col) if listed is None else list(listed)
    present = plain.copy()
    rest = np.flatnonzero(~plain & valid_rows(col))
    if rest.size:
        checked = _text_exactly(col.take(as_arrow(rest)))
        for i, value in zip(rest.tolist(), checked.values, strict=True):
            values[i] = value
        present[rest] = checked.present
    return Parsed(values, present)


def _text_exactly(col: pa.Array) -> Parsed:
    tidy = _already_tidy(col)
    empty = pc.fill_null(pc.is_in(pc.utf8_lower(col), _EMPTY_TEXTS), False)
    keep = pc.and_(tidy, pc.invert(empty))
    values = as_list(pc.if_else(keep, col, pa.scalar(None, pa.string())))
    for i in np.flatnonzero(~true_rows(keep) & valid_rows(col)).tolist():
        text = col[i].as_py()
        values[i] = None if _is_empty_word(text) else (printable_text(text) or None)
    return Parsed(values, np.array([v is not None for v in values], dtype=bool))


def parse_tier(col: pa.Array) -> Parsed:
    return _texts(col, tier_key)


def parse_labels(col: pa.Array, rule: FieldRule) -> Parsed:
    """Vocabulary values, normalised; unknown ones are kept and noted, as in JSON."""
    distinct, indices = _by_distinct(col)
    labels = [None if _is_empty_word(t) else (normalise_label(t) or None) for t in distinct]
    values = Coded([*labels, None], indices)  # -1 (empty) reads the last: None
    known = set(rule.vocabulary)
    unknown = {k for k, v in enumerate(labels) if v is not None and v not in known}
    notes = []
    if unknown:
        notes = [(i, unknown_label_note(rule, shown(distinct[k].strip())))
                 for i, k in enumerate(indices.tolist()) if k in unknown]  # fmt: skip
    supplied = np.array([v is not None for v in labels] + [False])[indices]  # -1 (empty) reads the last
    return Parsed(values, supplied, notes=notes)


def parse_lists(col: pa.Array, tiers: bool) -> Parsed:
    """A list in one cell: 'Sales; Marketing' (separated by ; | or ,); 'none' is an empty list."""
    item = functools.cache(tier_key if tiers else printable_text)  # the same few items recur across the lists

    def convert(text: str) -> list[str] | None:
        if text.strip().casefold() == "none":
            return []  # supplied, and empty: "no departments"
        if _is_empty_word(text):
            return None
        return [item(part) for part in _LIST_SEPARATORS.split(text) if part.strip()]

    return _mapped(col, convert)


# --------------------------------------------------------------------------- dates


def _ordinals(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(proleptic ordinals, valid) for whole-number year, month and day arrays, checked as calendar dates."""
    ok = (month >= 1) & (month <= 12) & (year >= FIRST_YEAR) & (year <= LAST_YEAR) & (day >= 1)
    months = np.where(ok, (year - 1970) * 12 + month - 1, 0).astype("datetime64[M]")
    start = months.astype("datetime64[D]")
    length = ((months + 1).astype("datetime64[D]") - start).astype(np.int64)
    ok &= day <= length
    ordinals = start.astype(np.int64) + day - 1 + _EPOCH_ORDINAL
    return np.where(ok, ordinals, np.nan), ok


def _groups(col: pa.Array, pattern: str) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    found = pc.extract_regex(col, pattern)
    valid = pc.fill_null(found.is_valid(), False)
    parts = {}
    for i in range(found.type.num_fields):
        name = found.type.field(i).name
        part = pc.if_else(valid, found.field(name), _ZERO_TEXT)
        parts[name] = pc.cast(pc.fill_null(part, "0"), pa.int64()).to_numpy(zero_copy_only=False)
    return true_rows(valid), parts


def _likely_first(col: pa.Array, given: np.ndarray) -> list[tuple[str, str]]:
    """The date patterns, the one that reads the column's first value first (most columns use one form)."""
    if not given.any():
        return list(_DATE_PATTERNS)
    first = col[int(np.argmax(given))].as_py()
    return sorted(_DATE_PATTERNS, key=lambda fp: re.match(fp[1].replace("?P<", "?P<"), first) is None)


def parse_dates(col: pa.Array, header: str, date_order: str | None) -> Parsed:
    """Dates in any of the common forms; a slash-date column is read day-first or month-first only when its
    values (or `date_order`) say which."""
    n = len(col)
    values = np.full(n, np.nan)
    given = valid_rows(col)
    left = given.copy()
    question = None
    for form, pattern in _likely_first(col, given):
        if not left.any():
            break
        matched, g = _groups(col, pattern)
        matched &= left
        if not matched.any():
            continue
        if form in ("ymd", "dmy"):
            ordinals, ok = _ordinals(g["y"], g["m"], g["d"])
        elif form == "serial":
            serial = g["s"]
            ok = serial >= 61
            ordinals = np.where(ok, serial + _EXCEL_EPOCH_ORDINAL, np.nan)
            years_ok = np.zeros(n, dtype=bool)
            years_ok[ok] = [FIRST_YEAR <= dt.date.fromordinal(int(o)).year <= LAST_YEAR for o in ordinals[ok]]
            ok = years_ok
        else:
            first, second = g["a"][matched], g["b"][matched]
            order = date_order
            if order is None:
                day_first = bool(((first > 12) & (second <= 12)).any())  # 25/03: only day-first reads it
                month_first = bool(((second > 12) & (first <= 12)).any())  # 03/25: only month-first does
                either = bool(((first <= 12) & (second <= 12)).any())
                if day_first != month_first:
                    order = "DMY" if day_first else "MDY"
                elif not day_first and not either:
                    order = "MDY"  # no value reads either way: each is reported as not a date
                else:
                    example = col[int(np.flatnonzero(matched)[0])].as_py().strip()
                    how = (
                        "mixes day-first and month-first dates"
                        if day_first
                        else (f"has dates such as {example!r} that read either way (no day above 12)")
                    )
                    question = (
                        f'column "{header}" {how}; say which order the file uses with date_order = "MDY" '
                        '(month first) or "DMY" (day first)'
                    )  # fmt: skip
                    left &= ~matched
                    continue
            month, day = (g["a"], g["b"]) if order == "MDY" else (g["b"], g["a"])
            ordinals, ok = _ordinals(g["y"], month, day)
        hit = matched & ok
        values[hit] = ordinals[hit]
        left &= ~matched
    problems = []
    for i in np.flatnonzero(given & np.isnan(values)).tolist():
        text = col[i].as_py()
        if _is_empty_word(text) or (question is not None and re.match(_DATE_PATTERNS[3][1], text)):
            continue  # not supplied, or waiting for the date order
        problems.append((i, f"must be a date as {DATE_FORMS} ({FIRST_YEAR}-{LAST_YEAR}), got {shown(text)}"))
    return Parsed(values, ~np.isnan(values), problems, date_question=question)


def parse_column(col: pa.Array, rule: FieldRule, header: str, *, percent_header: bool, ratio: bool,
                 date_order: str | None) -> Parsed:  # fmt: skip
    """One mapped column as the values of its contract field (text that repeats, once per distinct text)."""
    if rule.kind in ("number", "integer"):
        if pa.types.is_floating(col.type):  # the reader converted it already
            return parse_numbers(col, rule, ratio=ratio, percent_header=percent_header)
        return per_distinct(col, lambda c: parse_numbers(c, rule, ratio=ratio, percent_header=percent_header),
                            _spread)  # fmt: skip
    if rule.kind == "flag":
        return parse_flags(col)
    if rule.kind == "date":
        return per_distinct(col, lambda c: parse_dates(c, header, date_order), _spread)
    if rule.kind == "label":
        return parse_labels(col, rule)
    if rule.kind == "tier":
        return parse_tier(col)
    if rule.kind == "text":
        return parse_text(col)
    return parse_lists(col, tiers=rule.kind == "tier_list")
