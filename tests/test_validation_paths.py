"""The validator's bulk shortcuts give exactly the result of checking row by row.

`validate_records` checks a column at a time and takes C-speed shortcuts when a column is clean
(identity, all-number columns, plain dates, text lists, product_usage, whole sections read with
itemgetter). A bug in a shortcut would silently accept or mis-store values, so these tests hold
`fast=True` (the default) to `fast=False` (row by row, every shortcut skipped) on mixed batches:
mostly valid accounts with random sections and fields, and in some columns a sprinkling of every
kind of bad value the contract knows about.

Hypothesis chooses each batch's plan (its size, which columns are spoiled and how, which sections are
complete) and a seeded `random.Random` fills in the values. Hundreds of values per batch stay cheap that
way and every batch is new (drawing each value through Hypothesis made it replay near-copies of a few
batches); a failure is reported with its whole batch, shrunk as far as fewer rows and spoiled columns
still fail.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from customer_success_mcp.ingest import columns
from customer_success_mcp.ingest.columns import SECTION_RULES, TOP_RULES, FieldRule, validate_records
from customer_success_mcp.ingest.contract import SECTIONS
from customer_success_mcp.scoring.default_profiles import BUILTIN_PROFILES, DEFAULT_PROFILE
from customer_success_mcp.scoring.profile import Profile

MISSING = object()  # the key is left out of the mapping (unlike None, which is an explicit null)
RULES: dict[str, FieldRule] = {rule.path: rule for rule in (*TOP_RULES, *SECTION_RULES)}
SECTION_FIELDS: dict[str, list[str]] = {name: list(model.model_fields) for name, model in SECTIONS.items()}
Draw = Callable[[random.Random], Any]

# --- good and bad values, by the kind of field
#
# A bad value is "sly" when its type is one the column's shortcut lets through (NaN or 250 among
# numbers, "2024-02-30" among dates, [1] among text lists, a repeated or blank id among text ids): the
# shortcut itself must notice it. A "crude" one has the wrong type (true for a number, "85" quoted, a
# list for a date) and sends the column to the row-by-row path. Flags, labels and tiers have no shortcut,
# so their only bad values are crude.

HUGE = 10**400  # a JSON integer too large for a float
NON_FINITE = [math.nan, math.inf, -math.inf]
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1).toordinal(), dt.date(2200, 12, 31).toordinal()
DATE_TIME_TAILS = ["T10:30:00", " 08:00", "T00:00:00+02:00", "T23:59:59Z", "T12:00:00.123456"]
TIERS = ["starter", "Professional", "Enterprise Plus", "enterprise_plus", "pro", "ENTERPRISE"]
DEPARTMENTS = ["Sales", "support", "Customer Success", "", "HR"]
SLY_DATES = [
    "2024-02-30", "2023-02-29", "2024-13-01", "2024-00-10", "1899-12-31", "2201-01-01", "0000-01-01",
    "9999-12-31", "2024/01/01", "20240101", "2024-1-1", " 2024-01-01", "2024-01-01 ", "2024-01-01x",
    "2024-01-01T25:00", "2024-01-01Tnoon", "\u0662\u0660\u0662\u0664-01-01", "\uff12\uff10\uff12\uff14-01-01",
    "-024-01-01", "", "soon",
]  # fmt: skip
SLY_LISTS = [["Sales", 1], [None], [["x"]], ["ok", {"a": 1}], [True], [2.5]]
CRUDE_VALUES = {
    "number": [True, False, "85", "0", "1e3", "", [1], {"v": 1}],
    "flag": [0, 1, 1.0, "true", "yes", "false", [True], {"f": False}],
    "date": [20240101, 2024.5, True, ["2024-01-01"], {"date": "2024-01-01"}],
    "text": [3, 2.5, True, ["text"], {"t": 1}],
    "list": ["Sales", 5, True, {"a": "b"}, ("Sales",)],
}
NAMES = ["Acme", "  Acme   Corp  ", "Ünïcode GmbH", "Tab\there", "Esc\x1b[31mape", "O'Brien & Sons"]
SEGMENTS = ["enterprise", "Mid_Market", " SMB ", "mm", "Small Business", "ENT", "commercial", None, MISSING]
NOT_OBJECTS = [None, "account", 5, 2.5, True, [], [{"customer_id": "X"}]]
NOT_SECTIONS = [None, [1, 2], "high", 7, True]


def good_maker(rule: FieldRule) -> Draw:
    """Values the contract accepts for this field (labels include unknown words: those are notes)."""
    low, high = float(rule.low or 0), float(rule.high if rule.high is not None else 1e13)
    if rule.kind in ("number", "integer"):
        whole = rule.kind == "integer"
        edges = [low, high, int(low), None]

        def number(rnd: random.Random) -> Any:
            r = rnd.random()
            if r < 0.5:
                n = rnd.randint(math.ceil(low), int(min(high, 10**6)))
                return float(n) if r < 0.1 else n  # a whole float such as 4.0 is a count
            if r < 0.85:
                return float(rnd.randint(math.ceil(low), int(high))) if whole else rnd.uniform(low, high)
            return rnd.choice(edges)

        return number
    if rule.kind == "flag":
        return lambda rnd: rnd.choice([True, False, None])
    if rule.kind == "date":

        def date(rnd: random.Random) -> Any:
            r = rnd.random()
            if r < 0.1:
                return None
            day = dt.date.fromordinal(rnd.randint(FIRST_DAY, LAST_DAY)).isoformat()
            return day + rnd.choice(DATE_TIME_TAILS) if r < 0.2 else day

        return date
    if rule.kind == "label":
        spell = (str, str.upper, str.title, lambda v: f" {v.replace('-', '_')} ")
        labels = [*(f(v) for v in rule.vocabulary for f in spell), "lukewarm", "", "  ", None]
        return lambda rnd: rnd.choice(labels)
    if rule.kind == "tier":
        return lambda rnd: rnd.choice([*TIERS, None])
    pool = TIERS if rule.kind == "tier_list" else DEPARTMENTS
    return lambda rnd: None if rnd.random() < 0.1 else [rnd.choice(pool) for _ in range(rnd.randint(0, 3))]


def sly_values(rule: FieldRule) -> list[Any]:
    """Bad values of a type the column's shortcut lets through (crude ones where it has no shortcut)."""
    low, high = float(rule.low or 0), float(rule.high if rule.high is not None else 1e13)
    if rule.kind in ("number", "integer"):
        values = [*NON_FINITE, HUGE, -HUGE, low - 1, low - 0.001, high + 1, high * 10 + 1, 1e308]
        return values + ([1.5, 2.000001, low + 0.5] if rule.kind == "integer" else [])
    if rule.kind == "date":
        return SLY_DATES
    if rule.kind in ("tier_list", "text_list"):
        return SLY_LISTS
    return crude_values(rule)


def crude_values(rule: FieldRule) -> list[Any]:
    kind = {"integer": "number", "label": "text", "tier": "text", "tier_list": "list", "text_list": "list"}
    return CRUDE_VALUES[kind.get(rule.kind, rule.kind)]


class Column:
    """How one column is filled in a batch, by its state: 'clean' (good values only), 'sly' (good values
    and one sly value), 'crude' (good values and one crude value) or 'chaos' (any value, null or absent)."""

    def __init__(self, good: Draw, sly: list[Any], crude: list[Any]) -> None:
        self.good, self.sly, self.crude = good, sly, crude

    def filler(self, state: str, rnd: random.Random) -> Draw:
        if state in ("sly", "crude"):
            pick = rnd.choice(self.sly if state == "sly" else self.crude)
            return lambda rnd: pick if rnd.random() < 0.4 else self.good(rnd)
        if state == "chaos":
            anything = [self.good, lambda r: r.choice(self.sly), lambda r: r.choice(self.crude)]
            return lambda rnd: (
                rnd.choice([None, MISSING]) if rnd.random() < 0.15 else rnd.choice(anything)(rnd)
            )
        return self.good


COLUMNS = {
    path: Column(good_maker(rule), sly_values(rule), crude_values(rule)) for path, rule in RULES.items()
}
COLUMNS["name"] = Column(
    lambda rnd: rnd.choice(NAMES),
    ["", "   ", "\n\t", "\x1b\x07"],  # blank once control characters are spaces
    [5, 1.5, True, ["Acme"], {"n": 1}],
)
COLUMNS["segment"] = Column(
    lambda rnd: rnd.choice(SEGMENTS),
    ["galactic", "", "  ", "mid market plus", "smb\x00"],
    [3, True, ["smb"], {"segment": "smb"}],
)
# An id depends on its row: good and sly ids are made by these from (row, previous row's id).
COLUMNS["customer_id"] = Column(
    lambda rnd: rnd.choice([lambda row, _: f"C-{row}", lambda row, _: f" C-{row} "]),
    [
        lambda row, _: "",
        lambda row, _: "   ",
        lambda row, _: f"C-{row}\x1b[0m",
        lambda row, _: f"C\n{row}",
        lambda row, _: f"C-{row}\u200b",
        *[lambda row, previous: previous] * 2,  # the same id twice
        *[lambda row, previous: f" {previous}  "] * 2,  # the same id twice once trimmed
    ],
    [1.5, True, ["C-1"], {"id": 1}, 0, 1, None],  # an integer id is read as text
)


def customer_id(fill: Draw, row: int, rnd: random.Random, previous: Any) -> Any:
    value = fill(rnd)
    return value(row, previous) if callable(value) else value


SLY_USAGE = [-1, -0.001, 100.0001, 100.5, 250, 1e6, HUGE, -HUGE, *NON_FINITE]
NOT_MODULES = [[{"adopted": True}], "core_platform", 3, True]
CRUDE_MODULE_PARTS = {
    "entry": [True, 50, "x", None, [1]],
    "adopted": [1, 0, "yes", None, 1.0],
    "usage_pct": ["50", None, True, [50]],
}

CRUDE_MODULE_KINDS = [("whole", v) for v in NOT_MODULES] + [
    (part, v) for part, values in CRUDE_MODULE_PARTS.items() for v in values
]


def modules(state: str, rnd: random.Random, sly: Any, crude: tuple[str, Any]) -> Any:
    """product_usage. Sly: the batch's one out-of-range usage_pct. Crude: the batch's one wrong shape
    (not an object, an entry that is not an object, adopted or usage_pct of the wrong type). Chaos: any."""
    if state == "chaos":
        sly, crude = rnd.choice(SLY_USAGE), rnd.choice(CRUDE_MODULE_KINDS)
    part, bad = crude
    if state in ("crude", "chaos") and part == "whole" and rnd.random() < 0.4:
        return bad
    entries: dict[str, Any] = {}
    for name in rnd.sample(["core", "api", "analytics", "sso"], rnd.randint(0, 3)):
        entry: Any = {}
        if rnd.random() < 0.7:
            entry["adopted"] = rnd.choice([True, False])
        if rnd.random() < 0.7:
            entry["usage_pct"] = rnd.choice([rnd.uniform(0, 100), rnd.randint(0, 100), 0, 100, 100.0])
        if state in ("sly", "chaos") and rnd.random() < 0.5:
            entry["usage_pct"] = sly
        if state in ("crude", "chaos") and part != "whole" and rnd.random() < 0.3:
            if part == "entry":
                entry = bad
            else:
                entry[part] = bad
        entries[name] = entry
    return entries


# What a batch can spoil: every field and whole sections, by the batch's level of mess; product_usage
# (one shortcut for all its entries) on its own; and one of the identity keys or whole rows, which all
# gate the one identity shortcut (so each kind of fault meets it on its own).
TARGETS = [*RULES, *(f"section:{s}" for s in SECTION_FIELDS)]
IDENTITY_TARGETS = [None, "customer_id", "customer_id", "name", "segment", "(account)"]
# How much of it: nothing (every shortcut applies), about one column in four, or three in five.
MESS_LEVELS = [
    st.just("clean"),
    st.sampled_from(["clean"] * 9 + ["sly", "crude", "chaos"]),
    st.sampled_from(["clean", "clean", "sly", "crude", "chaos"]),
]


@st.composite
def mixed_batch(draw: st.DrawFn) -> tuple[list[Any], str]:
    """Mostly valid accounts with random sections and fields; some columns spoiled, by the batch's plan."""
    size = draw(st.integers(0, 8))
    level = draw(st.sampled_from(MESS_LEVELS))
    state = {target: draw(level) for target in TARGETS}
    state["product_usage"] = draw(st.sampled_from(["clean", "sly", "crude", "chaos"]))
    spoiled_identity = draw(st.sampled_from(IDENTITY_TARGETS))
    identity_state = draw(st.sampled_from(["sly", "crude", "chaos"]))
    for target in IDENTITY_TARGETS[1:]:
        state[target] = identity_state if target == spoiled_identity else "clean"
    # Per section: every row has every field (the itemgetter shortcut), rows vary, or no row has it.
    shapes = {s: draw(st.sampled_from(["complete", "varied", "absent"])) for s in SECTION_FIELDS}
    rnd = draw(st.randoms(use_true_random=True))
    fill = {path: COLUMNS[path].filler(state[path], rnd) for path in COLUMNS}
    top_present = {path: rnd.random() < 0.6 for path in ("arr", "contract_start_date", "contract_end_date")}
    module_faults = (rnd.choice(SLY_USAGE), rnd.choice(CRUDE_MODULE_KINDS))

    records: list[Any] = []
    previous_id: Any = None
    for i in range(size):
        row: dict[str, Any] = {"customer_id": customer_id(fill["customer_id"], i, rnd, previous_id)}
        previous_id = row["customer_id"]
        row["name"], row["segment"] = fill["name"](rnd), fill["segment"](rnd)
        for path, present in top_present.items():
            if present or state[path] != "clean":
                row[path] = fill[path](rnd)
        for section, names in SECTION_FIELDS.items():
            spoiled = state[f"section:{section}"] != "clean"
            shape = shapes[section]
            if shape == "absent" or (shape == "varied" and rnd.random() < 0.3):
                if spoiled:
                    row[section] = rnd.choice(NOT_SECTIONS)
                continue
            chosen = names if shape == "complete" else [n for n in names if rnd.random() < 0.6]
            fields = {name: fill[f"{section}.{name}"](rnd) for name in chosen}
            row[section] = rnd.choice([*NOT_SECTIONS, [fields]]) if spoiled and rnd.random() < 0.4 else fields
        if rnd.random() < 0.5:
            row["product_usage"] = modules(state["product_usage"], rnd, *module_faults)
        elif state["product_usage"] == "chaos":
            row["product_usage"] = rnd.choice([None, MISSING])
        row["unknown_extra"] = 1
        if state["(account)"] != "clean" and rnd.random() < 0.4:
            records.append(rnd.choice(NOT_OBJECTS))
        else:
            records.append(_drop_missing(row))
    return records, draw(st.sampled_from(sorted(BUILTIN_PROFILES)))  # a name: short failure reports


def _drop_missing(row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in row.items():
        if value is MISSING:
            continue
        out[key] = _drop_missing(value) if isinstance(value, dict) and key in SECTION_FIELDS else value
    return out


# --- comparison


def assert_same_result(records: list[Any], profile: Profile) -> columns.ValidatedAccounts:
    """Validate both ways; every part of the two results must be identical."""
    fast = validate_records(records, profile)
    slow = validate_records(records, profile, fast=False)
    assert fast.total == slow.total == len(records)
    assert fast.problems.errors == slow.problems.errors
    assert fast.problems.notes == slow.problems.notes
    assert fast.ids_by_row == slow.ids_by_row
    assert fast.accepted_rows == slow.accepted_rows
    a, b = fast.table, slow.table
    assert (a.ids, a.names, a.segments, a.segment_source) == (b.ids, b.names, b.segments, b.segment_source)
    assert a.values.keys() == b.values.keys()
    for path in a.values:
        assert a.values[path].dtype == b.values[path].dtype == np.float64, path
        assert np.array_equal(a.values[path], b.values[path], equal_nan=True), path
    assert a.present.keys() == b.present.keys()
    for path in a.present:
        assert a.present[path].dtype == b.present[path].dtype == np.bool_, path
        assert np.array_equal(a.present[path], b.present[path]), path
    assert a.labels == b.labels
    assert a.lists == b.lists and a.modules == b.modules
    for result in (fast, slow):
        assert len(result.accepted_rows) + len(result.problems.errors) == result.total
        assert result.table.size == len(result.accepted_rows)
        assert set(result.accepted_rows).isdisjoint(result.problems.errors)
    return fast


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mixed_batch())
def test_bulk_shortcuts_match_the_row_by_row_path_on_mixed_batches(batch: tuple[list[Any], str]) -> None:
    records, profile = batch
    assert_same_result(records, BUILTIN_PROFILES[profile])


def clean_account(i: int) -> dict[str, Any]:
    """A valid account with every section complete, in the spellings exports use."""
    account: dict[str, Any] = {
        "customer_id": f" ACC-{i} ", "name": f"Account {i}",
        "segment": ["Enterprise", "mid_market", None][i % 3], "arr": 10_000.0 * (i + 1),
        "contract_start_date": "2025-01-01", "contract_end_date": f"2027-0{i + 1}-15",
        "product_usage": {"core": {"adopted": True, "usage_pct": 50 + i}, "api": {"adopted": False}},
    }  # fmt: skip
    for section, names in SECTION_FIELDS.items():
        account[section] = {}
        for name in names:
            rule = RULES[f"{section}.{name}"]
            value: Any = {"flag": i % 2 == 0, "date": "2026-06-30", "tier": "Professional"}.get(rule.kind, i)
            if rule.kind == "label":
                value = rule.vocabulary[i % len(rule.vocabulary)].upper()
            elif rule.kind in ("tier_list", "text_list"):
                value = ["Starter", "Enterprise Plus"] if rule.kind == "tier_list" else ["Sales", "HR"]
            elif rule.kind in ("number", "integer") and rule.high is not None:
                value = min(i, rule.high)
            account[section][name] = value
    return account


def test_a_clean_batch_takes_every_shortcut(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shortcuts are what make 100,000 accounts fast; on clean input none may fall back."""
    outcomes: dict[str, list[bool]] = {}

    def spy(name: str) -> None:
        real = getattr(columns, name)

        def wrapped(*args: Any) -> Any:
            result = real(*args)
            outcomes.setdefault(name, []).append(result is not None and result is not False)
            return result

        monkeypatch.setattr(columns, name, wrapped)

    for name in ("_identity_fast", "_numbers_fast", "_dates_fast", "_text_lists_fast", "_modules_look_valid"):
        spy(name)
    real_getter, sections_read, sections_missed = columns.itemgetter, [], set()

    def getter(*names: str) -> Any:  # reads whole sections; a KeyError sends them to the row-by-row path
        get = real_getter(*names)
        sections_read.append(names)

        def read(section: dict[str, Any]) -> Any:
            try:
                return get(section)
            except KeyError:
                sections_missed.add(names)
                raise

        return read

    monkeypatch.setattr(columns, "itemgetter", getter)
    records = [clean_account(i) for i in range(3)]
    result = assert_same_result(records, DEFAULT_PROFILE)
    assert result.accepted_rows == [0, 1, 2] and not result.problems.errors and not result.problems.notes
    outcomes["itemgetter"] = [names not in sections_missed for names in sections_read]

    numbers = sum(rule.kind in ("number", "integer") for rule in RULES.values())
    lists = sum(rule.kind in ("tier_list", "text_list") for rule in RULES.values())
    assert outcomes == {
        "_identity_fast": [True],
        "_numbers_fast": [True] * numbers,
        "_dates_fast": [True] * 2,
        "_text_lists_fast": [True] * lists,
        "itemgetter": [True] * len(SECTION_FIELDS),
        "_modules_look_valid": [True],
    }
