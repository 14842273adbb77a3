"""Bulk validation: raw account mappings -> an `AccountTable` plus a rejection report.

The rules (type, range, fallback, vocabulary) are read from the pydantic contract in
`ingest.contract`, then applied a column at a time, which is what lets 100,000 accounts
validate in a fraction of the time their JSON takes to parse. Every problem is reported
with the account's index, id, field path and a plain reason; every other account is kept.

Each column first tries a bulk shortcut (C-speed checks of the common, clean case) and falls
back to checking row by row when anything in it needs a closer look. `validate_records(...,
fast=False)` skips every shortcut: the row-by-row path is the reference the property tests
(tests/test_validation_paths.py) hold the shortcuts to.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import types
import typing
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain, repeat
from operator import itemgetter
from typing import Any, Literal

import annotated_types
import numpy as np
from pydantic.fields import FieldInfo

from customer_success_mcp.dates import FIRST_YEAR, ISO_DAY, LAST_YEAR, parse_iso_day
from customer_success_mcp.ingest.contract import SECTIONS, Account, KnownValues, ModuleUsage
from customer_success_mcp.scoring.profile import Profile, normalise_label
from customer_success_mcp.scoring.table import LIST_FIELDS, AccountTable, ModuleColumns

Kind = Literal["number", "integer", "flag", "label", "date", "tier", "text", "tier_list", "text_list"]
_NUMBER_TYPES = {int, float, type(None)}
_EMPTY: dict[str, Any] = {}


@dataclass(frozen=True)
class FieldRule:
    """How one input field is checked and stored, as read from the contract."""

    path: str
    section: str | None
    name: str
    kind: Kind
    low: float | None = None
    high: float | None = None
    fallback: Any = None
    vocabulary: tuple[str, ...] = ()


@dataclass
class Problems:
    """Per-account findings: rejections (fatal) and notes (the account is still scored)."""

    errors: dict[int, list[tuple[str, str]]] = field(default_factory=dict)
    notes: dict[int, list[tuple[str, str]]] = field(default_factory=dict)

    def reject(self, row: int, path: str, reason: str) -> None:
        self.errors.setdefault(row, []).append((path, reason))

    def note(self, row: int, path: str, text: str) -> None:
        self.notes.setdefault(row, []).append((path, text))


# --------------------------------------------------------------------------- rules


def _unwrap(annotation: Any, metadata: list[Any]) -> tuple[Any, list[Any]]:
    """Strip Optional and Annotated, collecting constraint metadata on the way."""
    metadata = list(metadata)
    changed = True
    while changed:
        changed = False
        origin = typing.get_origin(annotation)
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) == 1:
                annotation, changed = args[0], True
        elif origin is typing.Annotated:
            base, *extra = typing.get_args(annotation)
            for item in extra:
                metadata.extend(item.metadata if isinstance(item, FieldInfo) else [item])
            annotation, changed = base, True
    return annotation, metadata


def _rule(path: str, section: str | None, name: str, info: FieldInfo) -> FieldRule | None:
    annotation, metadata = _unwrap(info.annotation, info.metadata)
    low = next((typing.cast(float, m.ge) for m in metadata if isinstance(m, annotated_types.Ge)), None)
    high = next((typing.cast(float, m.le) for m in metadata if isinstance(m, annotated_types.Le)), None)
    vocab = next((m.values for m in metadata if isinstance(m, KnownValues)), ())
    fallback = None if info.default_factory is not None else info.default
    kind: Kind
    if annotation is bool:
        kind = "flag"
    elif annotation is int:
        kind = "integer"
    elif annotation is float:
        kind = "number"
    elif annotation is dt.date:
        kind = "date"
    elif annotation is str and vocab:
        kind = "label"
    elif annotation is str:
        kind = "tier" if name == "plan_tier" else "text"
    elif typing.get_origin(annotation) is list:
        kind = "tier_list" if name == "available_tiers" else "text_list"
    else:
        return None
    return FieldRule(path, section, name, kind, low, high, fallback, vocab)


def _contract_rules() -> tuple[list[FieldRule], list[FieldRule]]:
    """(top-level scalar rules, section field rules), in contract order."""
    top = []
    for name in ("owner", "arr", "contract_start_date", "contract_end_date"):
        rule = _rule(name, None, name, Account.model_fields[name])
        assert rule is not None
        top.append(rule)
    nested = []
    for section, model in SECTIONS.items():
        for name, info in model.model_fields.items():
            rule = _rule(f"{section}.{name}", section, name, info)
            if rule is not None:
                nested.append(rule)
    return top, nested


TOP_RULES, SECTION_RULES = _contract_rules()
MODULE_RULES = {  # product_usage.<module>.adopted / usage_pct, as tables carry them
    name: rule for name, info in ModuleUsage.model_fields.items()
    if (rule := _rule(f"product_usage.{name}", "product_usage", name, info)) is not None
}  # fmt: skip


# --------------------------------------------------------------------------- checks


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


_SANITY_CAP = 1e6  # upper bounds above this are sanity caps, not part of the field's meaning


def _range_reason(rule: FieldRule, value: float) -> str:
    """'between 0 and 100' for a real range; otherwise the side that was crossed."""
    if rule.low is not None and rule.high is not None and rule.high <= _SANITY_CAP:
        return f"must be between {rule.low:g} and {rule.high:g}"
    if rule.low is not None and value < rule.low:
        return f"must be {rule.low:g} or more"
    return f"must be at most {rule.high:,.0f}"


def _numbers_fast(raw: list[Any]) -> np.ndarray | None:
    """A column of plain numbers and nulls as floats in one call; None when any value needs a closer look."""
    if not set(map(type, raw)) <= _NUMBER_TYPES:
        return None
    try:
        return np.array(raw, dtype=float)
    except OverflowError:  # an integer too large for a float
        return None


def _number_column(rule: FieldRule, raw: list[Any], problems: Problems, fast: bool) -> np.ndarray:
    """Numbers as floats (NaN where absent); wrong types, non-finite and out-of-range rejected."""
    arr = _numbers_fast(raw) if fast else None
    reported: set[int] = set()
    if arr is None:
        arr = np.full(len(raw), np.nan)
        for i, v in enumerate(raw):
            if v is None:
                continue
            if type(v) not in (int, float):
                what = "true/false" if isinstance(v, bool) else type(v).__name__
                problems.reject(i, rule.path, f"must be a number, got {what} {_describe(v)}")
                continue
            try:
                arr[i] = float(v)
            except OverflowError:
                problems.reject(i, rule.path, "is too large to be a real figure")
                reported.add(i)
    finite = np.isfinite(arr)
    if not finite.all():
        for i in np.flatnonzero(~finite).tolist():
            if raw[i] is not None and type(raw[i]) in (int, float) and i not in reported:
                problems.reject(i, rule.path, "must be a finite number (not NaN or infinity)")
                arr[i] = np.nan
    for i, reason in range_failures(rule, arr):
        problems.reject(i, rule.path, f"{reason}, got {_describe(raw[i])}")
    return arr


def range_failures(rule: FieldRule, arr: np.ndarray) -> list[tuple[int, str]]:
    """Rows whose number is outside the field's range, or not whole for a count, with the reason. (The
    smallest and largest numbers, NaN left out, are looked at first: most columns have nothing to report.)"""
    found: list[tuple[int, str]] = []
    if not arr.size:
        return found
    low, high = np.fmin.reduce(arr), np.fmax.reduce(arr)  # NaN only when every value is NaN
    if (rule.low is not None and low < rule.low) or (rule.high is not None and high > rule.high):
        bad = np.zeros(len(arr), dtype=bool)
        if rule.low is not None:
            bad |= arr < rule.low
        if rule.high is not None:
            bad |= arr > rule.high
        found = [(i, _range_reason(rule, arr[i])) for i in np.flatnonzero(bad).tolist()]
    if rule.kind == "integer" and _has_fraction(arr):
        whole = np.isnan(arr) | (arr == np.floor(arr))
        found += [(i, "must be a whole number") for i in np.flatnonzero(~whole).tolist()]
    return found


def _has_fraction(arr: np.ndarray) -> bool:
    """Whether a number is not whole (NaN and the infinities are not counted)."""
    fraction = np.floor(arr)
    with np.errstate(invalid="ignore"):  # an infinity minus itself: NaN, left out
        return bool(np.fmax.reduce(np.subtract(arr, fraction, out=fraction)) > 0)


def unknown_label_note(rule: FieldRule, shown: str) -> str:
    """The note for a vocabulary value the model does not know (the account is still scored)."""
    return f"{shown} is not one of {', '.join(rule.vocabulary)}; scored as unrecognised"


def _flag_column(rule: FieldRule, raw: list[Any], problems: Problems) -> np.ndarray:
    arr = np.full(len(raw), np.nan)
    for i, v in enumerate(raw):
        if v is True:
            arr[i] = 1.0
        elif v is False:
            arr[i] = 0.0
        elif v is not None:
            problems.reject(i, rule.path, f"must be true or false, got {_describe(v)}")
    return arr


_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_FIRST_ORDINAL = dt.date(FIRST_YEAR, 1, 1).toordinal()
_AFTER_LAST_ORDINAL = dt.date(LAST_YEAR + 1, 1, 1).toordinal()


def _dates_fast(raw: list[Any]) -> np.ndarray | None:
    """Plain YYYY-MM-DD dates parsed by numpy in bulk; None when any value needs a closer look."""
    if not set(map(type, raw)) <= {str, type(None)}:
        return None
    given = [v for v in raw if v is not None]
    if {len(v) for v in given} - {10} or not all(map(ISO_DAY.fullmatch, given)):
        return None  # the same predicate as parse_iso_day, so both paths accept the same dates
    try:
        days = np.array(["NaT" if v is None else v for v in raw], dtype="datetime64[D]")
    except ValueError:
        return None
    ordinals = days.astype(np.int64).astype(float) + _EPOCH_ORDINAL
    ordinals[np.isnat(days)] = np.nan
    years_ok = (ordinals >= _FIRST_ORDINAL) & (ordinals < _AFTER_LAST_ORDINAL)
    if not np.all(years_ok | np.isnan(ordinals)):
        return None
    return ordinals


def _date_column(rule: FieldRule, raw: list[Any], problems: Problems, fast: bool) -> np.ndarray:
    bulk = _dates_fast(raw) if fast else None
    if bulk is not None:
        return bulk
    arr = np.full(len(raw), np.nan)
    for i, v in enumerate(raw):
        if v is None:
            continue
        if type(v) is not str:
            problems.reject(i, rule.path, f"must be a date as YYYY-MM-DD, got {_describe(v)}")
            continue
        try:
            day = parse_iso_day(v)
        except ValueError:
            problems.reject(
                i, rule.path, f"must be a date as YYYY-MM-DD ({FIRST_YEAR}-{LAST_YEAR}), got {_describe(v)}"
            )
            continue
        arr[i] = day.toordinal()
    return arr


def _label_column(rule: FieldRule, raw: list[Any], problems: Problems) -> list[Any]:
    known = set(rule.vocabulary)
    out: list[Any] = [None] * len(raw)
    cache: dict[str, str] = {}
    for i, v in enumerate(raw):
        if v is None:
            continue
        if type(v) is not str:
            problems.reject(i, rule.path, f"must be text, got {_describe(v)}")
            continue
        label = cache.get(v)
        if label is None:
            label = cache[v] = normalise_label(v)
        if label not in known:
            problems.note(i, rule.path, unknown_label_note(rule, _describe(v)))
        out[i] = label
    return out


@functools.lru_cache(maxsize=4096)
def tier_key(text: str) -> str:
    """'Enterprise Plus' -> 'enterprise_plus', the spelling of the tier ladder."""
    return normalise_label(text).replace("-", "_")


def _text_lists_fast(rule: FieldRule, raw: list[Any]) -> list[Any] | None:
    """A whole column of text lists checked in bulk; None when any value needs a closer look."""
    if not set(map(type, raw)) <= {list, type(None)}:
        return None
    if not set(map(type, chain.from_iterable(v for v in raw if v))) <= {str}:
        return None
    if rule.kind == "tier_list":
        return [None if v is None else list(map(tier_key, v)) for v in raw]
    return raw


def _text_list(rule: FieldRule, value: Any, row: int, problems: Problems) -> list[str] | None:
    if type(value) is not list or not set(map(type, value)) <= {str}:
        problems.reject(row, rule.path, "must be a list of text values")
        return None
    if rule.kind == "tier_list":
        return [tier_key(x) for x in value]
    return value


def _modules_look_valid(columns: list[Any]) -> bool:
    """True when every product_usage entry is well formed (checked in bulk, no per-row loop)."""
    if not set(map(type, columns)) <= {dict, type(None)}:
        return False
    entries = [entry for modules in columns if modules for entry in modules.values()]
    if not entries:
        return True
    if set(map(type, entries)) != {dict}:
        return False
    if not set(map(type, map(dict.get, entries, repeat("adopted"), repeat(False)))) <= {bool}:
        return False
    usage = list(map(dict.get, entries, repeat("usage_pct"), repeat(0)))
    if not set(map(type, usage)) <= {int, float}:
        return False
    try:
        values = np.array(usage, dtype=float)
    except OverflowError:
        return False
    return bool(np.all((values >= 0) & (values <= 100)))  # NaN fails both comparisons


def _checked_modules(value: Any, row: int, problems: Problems) -> dict[str, dict[str, Any]]:
    """product_usage: module name -> {adopted, usage_pct}; problems are reported per module."""
    if not isinstance(value, dict):
        problems.reject(row, "product_usage", "must be an object of module name -> usage")
        return {}
    for name, entry in value.items():
        if type(entry) is dict:
            adopted = entry.get("adopted", False)
            usage = entry.get("usage_pct", 0)
            if (adopted is True or adopted is False) and type(usage) in (int, float) and 0 <= usage <= 100:
                continue  # the common case: nothing to report (NaN fails the range test)
        path = f"product_usage.{name}"
        if type(entry) is not dict:
            problems.reject(row, path, "must be an object with adopted and usage_pct")
        elif type(adopted) is not bool:
            problems.reject(row, f"{path}.adopted", f"must be true or false, got {_describe(adopted)}")
        elif type(usage) not in (int, float) or (type(usage) is float and not math.isfinite(usage)):
            problems.reject(row, f"{path}.usage_pct", f"must be a number, got {_describe(usage)}")
        else:  # outside 0-100, including integers too large for a float (math.isfinite would overflow)
            problems.reject(row, f"{path}.usage_pct", f"must be between 0 and 100, got {_describe(usage)}")
    return value


# --------------------------------------------------------------------------- table


@dataclass
class ValidatedAccounts:
    table: AccountTable
    accepted_rows: list[int]
    problems: Problems
    ids_by_row: list[str | None]
    total: int


def _fields_of(sections: list[dict[str, Any]], names: list[str], fast: bool) -> list[list[Any]]:
    """One list per field name, None where absent; each section is read once, all its fields together."""
    rows: list[Any] | None = None
    if fast:
        try:
            rows = list(map(itemgetter(*names), sections))  # C speed when every field is present
        except KeyError:
            rows = None
        if rows is not None and len(names) == 1:
            return [rows]  # itemgetter of one name gives the values themselves, not 1-tuples
    if rows is None:
        rows = [tuple(map(section.get, names)) for section in sections]
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in names]


def _max_length(name: str) -> int:
    """The contract's max_length for a top-level text field (customer_id, name)."""
    _, metadata = _unwrap(Account.model_fields[name].annotation, Account.model_fields[name].metadata)
    return next(m.max_length for m in metadata if isinstance(m, annotated_types.MaxLen))


MAX_ID = _max_length("customer_id")
MAX_NAME = _max_length("name")


def _longest(texts: list[Any]) -> int:
    """The length of the longest text in a column (at C speed)."""
    return max(map(len, texts))


def too_long(what: str, text: str, limit: int) -> str:
    return f"is {len(text):,} characters long, over the {limit} a {what} may have"


def printable_text(text: str) -> str:
    """Names as data: control characters (terminal escapes, line breaks) become spaces, runs collapse."""
    if not text.isprintable():
        text = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(text.split())


def _identity_fast(records: list[Any], profile: Profile) -> tuple[list, list, list, list] | None:
    """The common case at C speed: every row an object with text id, name and a known segment."""
    if set(map(type, records)) != {dict}:
        return None
    ids: list[Any] = list(map(dict.get, records, repeat("customer_id")))
    names: list[Any] = list(map(dict.get, records, repeat("name")))
    if set(map(type, ids)) != {str} or set(map(type, names)) != {str}:
        return None
    ids, names = list(map(str.strip, ids)), list(map(printable_text, names))
    if not all(map(str.isprintable, ids)):
        return None
    if "" in set(ids) or "" in set(names) or len(set(ids)) != len(ids):
        return None
    if ids and (_longest(ids) > MAX_ID or _longest(names) > MAX_NAME):
        return None
    aliases = profile.segment_aliases()
    given = list(map(dict.get, records, repeat("segment")))
    if not set(map(type, given)) <= {str, type(None)}:
        return None
    resolved: dict[str | None, str] = {}
    for spelling in set(given):
        if spelling is None:
            resolved[None] = profile.default_segment
            continue
        key = aliases.get(normalise_label(spelling))
        if key is None:
            return None
        resolved[spelling] = key
    segments = list(map(resolved.__getitem__, given))
    sources = ["default" if g is None else "input" for g in given]
    return ids, names, segments, sources


def _identity(
    records: list[Any], profile: Profile, problems: Problems, fast: bool
) -> tuple[list, list, list, list]:
    """ids, names, segments and segment sources; rows that are not objects are rejected."""
    bulk = _identity_fast(records, profile) if fast else None
    if bulk is not None:
        return bulk
    n = len(records)
    ids: list[str | None] = [None] * n
    names: list[str] = [""] * n
    segments: list[str] = [profile.default_segment] * n
    sources: list[str] = ["default"] * n
    aliases = profile.segment_aliases()
    for i, rec in enumerate(records):
        if not isinstance(rec, dict):
            problems.reject(i, "(account)", f"must be an object, got {type(rec).__name__}")
            continue
        cid = rec.get("customer_id")
        if type(cid) is int:
            cid = str(cid)
        if type(cid) is not str or not cid.strip():
            problems.reject(i, "customer_id", "is required and must be non-empty text")
        elif not cid.strip().isprintable():
            problems.reject(i, "customer_id", "must not contain control characters")
        elif len(cid.strip()) > MAX_ID:
            problems.reject(i, "customer_id", too_long("customer_id", cid.strip(), MAX_ID))
        else:
            ids[i] = cid.strip()
        name = rec.get("name")
        if type(name) is not str or not printable_text(name):
            problems.reject(i, "name", "is required and must be non-empty text")
        elif len(printable_text(name)) > MAX_NAME:
            problems.reject(i, "name", too_long("name", printable_text(name), MAX_NAME))
        else:
            names[i] = printable_text(name)
        seg = rec.get("segment")
        if seg is not None:
            key = None
            if type(seg) is str:
                key = aliases.get(seg) or aliases.get(normalise_label(seg))
            if key is None:
                known = ", ".join(profile.segments)
                problems.reject(i, "segment", f"{_describe(seg)} is not a known segment ({known})")
            else:
                segments[i], sources[i] = key, "input"
    counts = Counter(i for i in ids if i is not None)
    dupes = {cid for cid, c in counts.items() if c > 1}
    if dupes:
        first_rows: dict[str, list[int]] = {}
        for i, cid in enumerate(ids):
            if cid in dupes:
                first_rows.setdefault(cid, []).append(i)
        for cid, rows in first_rows.items():
            where = ", ".join(str(r) for r in rows)
            for r in rows:
                problems.reject(r, "customer_id", f"{cid!r} appears more than once (rows {where})")
    return ids, names, segments, sources


def derive_segments(
    arr: np.ndarray, segments: list[str], sources: list[str], profile: Profile, problems: Problems
) -> None:
    """Segment from ARR where the account gave none; the profile's default where ARR is absent too."""
    ladder = profile.segments_by_floor()
    for i, src in enumerate(sources):
        if src != "default":
            continue
        value = arr[i]
        if value != value:
            problems.note(i, "segment", f"no segment and no ARR; {profile.default_segment} benchmarks used")
            continue
        for key, seg in ladder:
            if value > seg.arr_floor or (seg.arr_floor_inclusive and value == seg.arr_floor):
                segments[i], sources[i] = key, "arr"
                break


def validate_records(records: list[Any], profile: Profile, *, fast: bool = True) -> ValidatedAccounts:
    """Check every account against the contract; build the table of the accepted ones.

    `fast=False` checks every column row by row, skipping the bulk shortcuts; the result is the same
    (tests/test_validation_paths.py holds them to it), only slower.
    """
    problems = Problems()
    n = len(records)
    ids, names, segments, sources = _identity(records, profile, problems, fast)
    dicts = [r if isinstance(r, dict) else {} for r in records]

    values: dict[str, np.ndarray] = {}
    labels: dict[str, Sequence[Any]] = {}
    present: dict[str, np.ndarray] = {}
    lists: dict[str, Sequence[Any]] = {}

    def store(rule: FieldRule, raw: list[Any]) -> None:
        if rule.kind in ("number", "integer"):
            col = _number_column(rule, raw, problems, fast)
        elif rule.kind == "flag":
            col = _flag_column(rule, raw, problems)
        elif rule.kind == "date":
            col = _date_column(rule, raw, problems, fast)
        elif rule.kind == "label":
            col_l = _label_column(rule, raw, problems)
            present[rule.path] = np.fromiter((v is not None for v in col_l), bool, n)
            labels[rule.path] = [rule.fallback if v is None else v for v in col_l]
            return
        elif rule.kind in ("tier", "text"):
            tidy = tier_key if rule.kind == "tier" else printable_text
            col_t: list[Any] = [None] * n
            for i, v in enumerate(raw):
                if v is None:
                    continue
                if type(v) is not str:
                    problems.reject(i, rule.path, f"must be text, got {_describe(v)}")
                else:
                    col_t[i] = tidy(v)
            present[rule.path] = np.fromiter((v is not None for v in col_t), bool, n)
            labels[rule.path] = col_t
            return
        else:
            col_list: list[Any] | None = _text_lists_fast(rule, raw) if fast else None
            if col_list is None:
                col_list = [
                    None if v is None else _text_list(rule, v, i, problems) for i, v in enumerate(raw)
                ]
            present[rule.path] = np.fromiter((v is not None for v in col_list), bool, n)
            lists[rule.path] = col_list
            return
        mask = ~np.isnan(col)
        present[rule.path] = mask
        if rule.fallback is not None and not mask.all():
            col = np.where(mask, col, float(rule.fallback))
        values[rule.path] = col

    for rule in TOP_RULES:
        store(rule, list(map(dict.get, dicts, repeat(rule.name))))

    by_section: dict[str, list[FieldRule]] = {}
    for rule in SECTION_RULES:
        by_section.setdefault(rule.section or "", []).append(rule)
    for section, rules in by_section.items():
        secs = list(map(dict.get, dicts, repeat(section), repeat(_EMPTY)))
        if not fast or set(map(type, secs)) != {dict}:
            for i, s in enumerate(secs):
                if type(s) is not dict:
                    if s is not None:
                        problems.reject(i, section, f"must be an object, got {type(s).__name__}")
                    secs[i] = _EMPTY
        for rule, raw in zip(rules, _fields_of(secs, [r.name for r in rules], fast), strict=True):
            store(rule, raw)

    modules: list[dict[str, Any] | None] = list(map(dict.get, dicts, repeat("product_usage")))
    if not (fast and _modules_look_valid(modules)):
        for i, pu in enumerate(modules):
            if pu is not None:
                modules[i] = _checked_modules(pu, i, problems)
    present["product_usage"] = np.fromiter((m is not None for m in modules), bool, n)

    supplied_arr = np.where(present["arr"], values["arr"], np.nan)
    derive_segments(supplied_arr, segments, sources, profile, problems)

    usable = [None if i in problems.errors else m for i, m in enumerate(modules)]  # rejected rows are dropped
    lists_kept = {path: lists[path] for path in LIST_FIELDS}
    table = AccountTable(ids, names, segments, sources, values, labels, present, lists_kept,
                         ModuleColumns.from_dicts(usable))  # fmt: skip
    accepted = [i for i in range(n) if i not in problems.errors]
    if len(accepted) < n:
        table = table.take(accepted)
    return ValidatedAccounts(table, accepted, problems, ids, n)
