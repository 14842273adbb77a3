"""What-if changes to one account: contract field paths and new values, checked by the contract's rules.

`apply_changes` returns a one-row copy of an account with the changes made (nothing is stored), after
checking every new value exactly as a loaded file's would be (`ingest.columns`): a bad value is an error
naming the field. `null` removes an input (as if the account had not supplied it). Paths are the
contract's (`relationship_signals.champion_left`, `contract_end_date`), plus `segment` and
`product_usage.<module>.adopted` / `.usage_pct`. `parse_assignments` reads `field=value` words as the
command line writes them (the value as JSON where it is JSON: true, 12, null, "text"; else as text).
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from customer_success_mcp.ingest.columns import SECTION_RULES, TOP_RULES, FieldRule, validate_records
from customer_success_mcp.scoring.profile import Profile
from customer_success_mcp.scoring.table import AccountTable

RULES: dict[str, FieldRule] = {r.path: r for r in (*TOP_RULES, *SECTION_RULES)}
MODULE_FIELDS = ("adopted", "usage_pct")
MAX_CHANGES = 50


class ChangeError(ValueError):
    """A change that cannot be made; the message names the field and what it accepts."""


@dataclass(frozen=True)
class AppliedChange:
    field: str
    before: Any
    after: Any


def parse_assignments(words: list[str]) -> dict[str, Any]:
    """`field=value` words -> {field: value}; the value is read as JSON when it is JSON, else as text."""
    changes: dict[str, Any] = {}
    for word in words:
        path, sep, text = word.partition("=")
        if not sep or not path.strip():
            raise ChangeError(
                f"{word!r}: write a change as field=value, e.g. relationship_signals.champion_left=false"
            )
        try:
            value = json.loads(text)
        except ValueError:
            value = text
        changes[path.strip()] = value
    return changes


def known_paths() -> list[str]:
    return ["segment", *RULES, "product_usage.<module>.adopted", "product_usage.<module>.usage_pct"]


def _check_path(path: str) -> None:
    if path in RULES or path == "segment":
        return
    parts = path.split(".")
    if len(parts) == 3 and parts[0] == "product_usage" and parts[1] and parts[2] in MODULE_FIELDS:
        return
    if path in ("customer_id", "name"):
        raise ChangeError(f"{path}: an account's identity cannot be changed in a what-if")
    close = difflib.get_close_matches(path, [*RULES, "segment"], n=3, cutoff=0.6)
    hint = f" Did you mean {', '.join(close)}?" if close else " See the README's input format for the fields."
    raise ChangeError(f"{path}: not a field of the data contract.{hint}")


def shown_value(table: AccountTable, path: str, row: int) -> Any:
    """An input as a person reads it: None where the account did not supply it, dates as YYYY-MM-DD."""
    if path == "segment":
        return table.segments[row]
    if path.startswith("product_usage."):
        _, module, name = path.split(".")
        entry = table.modules.of(row).get(module)
        return None if entry is None else entry.get(name)
    if path in table.lists:
        return table.lists[path][row] if table.present[path][row] else None
    if not table.present[path][row]:
        return None
    if path in table.labels:
        return table.labels[path][row]
    value = table.value(path, row)
    rule = RULES[path]
    if value is None:
        return None
    if rule.kind == "date":
        return dt.date.fromordinal(int(value)).isoformat()
    if rule.kind == "flag":
        return bool(value)
    return int(value) if rule.kind == "integer" else value


def apply_changes(
    table: AccountTable, row: int, changes: Mapping[str, Any], profile: Profile
) -> tuple[AccountTable, list[AppliedChange]]:
    """A one-row copy of the account at `row` with the changes made, and what changed (see the module)."""
    if not changes:
        raise ChangeError("no changes given: name at least one field and its new value")
    if len(changes) > MAX_CHANGES:
        raise ChangeError(f"at most {MAX_CHANGES} changes at a time, got {len(changes)}")
    for path in changes:
        _check_path(path)
    record: dict[str, Any] = {"customer_id": table.ids[row], "name": table.names[row]}
    modules = table.modules.of(row)
    for path, value in changes.items():
        if path.startswith("product_usage."):
            _, module, name = path.split(".")
            entry = modules.setdefault(module, {})
            if value is None:
                entry.pop(name, None)
            else:
                entry[name] = value
            record["product_usage"] = modules
        elif "." in path:
            section, _, name = path.partition(".")
            record.setdefault(section, {})[name] = value
        else:
            record[path] = value
    keep_segment = "segment" not in changes and table.segment_source[row] == "input"
    if keep_segment:
        record["segment"] = table.segments[row]
    if "arr" not in changes and table.present["arr"][row]:
        record["arr"] = table.value("arr", row)  # a segment derived from ARR is derived the same way
    checked = validate_records([record], profile)
    for _, problems in checked.problems.errors.items():
        path, reason = problems[0]
        raise ChangeError(f"{path}: {reason}")
    for _, notes in checked.problems.notes.items():
        for path, _text in notes:
            if path in changes and path in RULES and RULES[path].vocabulary:
                allowed = ", ".join(RULES[path].vocabulary)
                raise ChangeError(f"{path}: must be one of {allowed}, got {changes[path]!r}")
    new = checked.table
    one = table.take([row])
    applied = [AppliedChange(path, shown_value(table, path, row), None) for path in changes]
    for path in changes:
        if path == "segment" or path == "arr":
            continue
        if path.startswith("product_usage."):
            one = replace(one, modules=new.modules)
            one.present["product_usage"][0] = True
        elif path in one.lists:
            one.lists[path] = [new.lists[path][0]]  # one row: the column is replaced (it may be coded)
            one.present[path][0] = new.present[path][0]
        else:
            _copy(one, new, path)
    if "arr" in changes:
        _copy(one, new, "arr")
    if "segment" in changes or "arr" in changes:
        one = replace(one, segments=[new.segments[0]], segment_source=[new.segment_source[0]])
    return one, [AppliedChange(a.field, a.before, shown_value(one, a.field, 0)) for a in applied]


def _copy(one: AccountTable, new: AccountTable, path: str) -> None:
    one.present[path][0] = new.present[path][0]
    if path in new.labels:
        one.labels[path] = [new.labels[path][0]]
    else:
        one.values[path][0] = new.values[path][0]
