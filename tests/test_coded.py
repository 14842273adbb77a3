"""Coded columns (labels, tiers, owners, segments, department lists as an import reads them) read exactly
as the lists they stand for, and an imported table holds them so: once per distinct value."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from conftest import AS_OF
from customer_success_mcp.generate import example_portfolio
from customer_success_mcp.generate.exports import write_exports
from customer_success_mcp.ingest.changes import apply_changes
from customer_success_mcp.ingest.sources import load_sources
from customer_success_mcp.pipeline import score_loaded
from customer_success_mcp.scoring.coded import Coded, filled, per_row, take_rows
from customer_success_mcp.scoring.default_profiles import DEFAULT_PROFILE

texts = st.lists(st.one_of(st.none(), st.sampled_from(["smb", "enterprise", "Dana", "mid-market", ""])),
                 max_size=60)  # fmt: skip


@given(texts, st.data())
def test_a_coded_column_reads_as_the_list_it_encodes(values: list[Any], data: st.DataObject) -> None:
    coded = Coded.encode(values)
    assert len(set(coded.values)) == len(coded.values)  # each value held once
    assert coded == values and values == coded and list(coded) == values and len(coded) == len(values)
    assert coded != tuple(values)  # as a list: equal to a list, never to a tuple
    assert filled(coded, "n/a") == filled(values, "n/a") == ["n/a" if v is None else v for v in values]
    assert [coded[i] for i in range(len(values))] == values
    assert [coded[-i] for i in range(1, len(values) + 1)] == [values[-i] for i in range(1, len(values) + 1)]
    start, stop = data.draw(st.integers(0, len(values))), data.draw(st.integers(0, len(values)))
    assert coded[start:stop] == values[start:stop]
    assert np.asarray(coded).tolist() == values
    rows = data.draw(st.lists(st.integers(0, len(values) - 1), max_size=80)) if values else []
    picked = [values[i] for i in rows]
    assert coded.take(np.array(rows, dtype=np.intp)) == picked
    assert take_rows(coded, np.array(rows, dtype=np.intp)) == take_rows(values, np.array(rows)) == picked
    assert coded.with_values(lambda v: "none" if v is None else v.upper()) == [
        "none" if v is None else v.upper() for v in values
    ]
    length = [len(v) if v else 0 for v in values]
    assert per_row(coded, lambda v: len(v) if v else 0, np.int64).tolist() == length
    assert per_row(values, lambda v: len(v) if v else 0, np.int64).tolist() == length
    if values:
        changed = [*values[:-1], "changed"]
        assert coded != changed and changed != coded


def test_code_minus_one_reads_the_last_value_everywhere() -> None:
    coded = Coded(["a", "b", None], np.array([1, -1, 0, -1], dtype=np.int32))
    assert list(coded) == ["b", None, "a", None]
    assert [coded[i] for i in range(4)] == ["b", None, "a", None]
    assert np.asarray(coded).tolist() == ["b", None, "a", None]
    assert per_row(coded, lambda v: v is None, bool).tolist() == [False, True, False, True]


def test_list_values_stay_lists_one_per_row() -> None:
    pairs = Coded([["Sales", "HR"], ["IT", "Ops"]], np.array([0, 1, 1]))  # lists of one length
    as_array = np.asarray(pairs)
    assert as_array.shape == (3,) and as_array.dtype == object  # never a second axis
    assert as_array.tolist() == [["Sales", "HR"], ["IT", "Ops"], ["IT", "Ops"]]
    assert pairs == [["Sales", "HR"], ["IT", "Ops"], ["IT", "Ops"]]


def test_an_imported_table_holds_repeating_text_once_per_distinct_value(tmp_path) -> None:  # type: ignore[no-untyped-def]
    paths = write_exports(example_portfolio(), tmp_path)
    loaded = load_sources([(p.name, p.read_bytes()) for p in paths], DEFAULT_PROFILE)
    t = loaded.table
    owners = t.labels["owner"]
    assert isinstance(owners, Coded) and isinstance(t.segments, Coded)
    assert len(owners.values) <= len(set(owners)) + 1 < t.size  # the distinct owners (and "not given")
    for path in ("departments.current", "contract.available_tiers"):
        assert isinstance(t.lists[path], Coded), path
    assert isinstance(t.labels["commercial_factors.contract_type"], Coded)


def test_a_change_to_an_imported_account_leaves_the_book_as_it_was(tmp_path) -> None:  # type: ignore[no-untyped-def]
    paths = write_exports(example_portfolio(), tmp_path)
    scored = score_loaded(load_sources([(p.name, p.read_bytes()) for p in paths], DEFAULT_PROFILE),
                          DEFAULT_PROFILE, AS_OF)  # fmt: skip
    t = scored.table
    before = (list(t.segments), list(t.labels["commercial_factors.contract_type"]),
              list(t.lists["departments.current"]))  # fmt: skip
    row = 3
    changes = {"segment": "smb", "commercial_factors.contract_type": "quarterly",
               "departments.current": ["Finance"]}  # fmt: skip
    one, applied = apply_changes(t, row, changes, DEFAULT_PROFILE)
    assert (one.segments[0], one.labels["commercial_factors.contract_type"][0]) == ("smb", "quarterly")
    assert one.lists["departments.current"][0] == ["Finance"]
    assert [a.after for a in applied] == ["smb", "quarterly", ["Finance"]]
    assert (list(t.segments), list(t.labels["commercial_factors.contract_type"]),
            list(t.lists["departments.current"])) == before  # fmt: skip


SEGMENTS = [
    ["Account ID", "Company", "ARR", "Segment"],
    ["S-1", "One", "250000", "Enterprise"],
    ["S-2", "Two", "40000", "galactic"],
    ["S-3", "Three", "9000", ""],
    ["S-4", "Four", "60000", "SMB"],
    ["S-5", "Five", "700000", "enterprise"],
    ["S-6", "Six", "12000", "Mid Market"],
]


def _csv(rows: list[list[str]]) -> bytes:
    return ("\n".join(",".join(row) for row in rows) + "\n").encode()


def test_segments_read_once_per_spelling_are_given_derived_or_rejected() -> None:
    # 6 rows, 5 spellings: not "repeating" by the sample's rule, so also load a book where they repeat
    for rows in (SEGMENTS, [SEGMENTS[0]] + [[f"{r[0]}-{k}", *r[1:]] for k in range(4) for r in SEGMENTS[1:]]):
        loaded = load_sources([("crm.csv", _csv(rows))], DEFAULT_PROFILE)
        rejected = {r.customer_id: [p.reason for p in r.problems] for r in loaded.report.rejections}
        assert set(rejected) == {cid for cid, *_ in rows[1:] if cid.startswith("S-2")}
        assert all(reasons == ["'galactic' is not a known segment (enterprise, mid-market, smb)"]
                   for reasons in rejected.values())  # fmt: skip
        t = loaded.table
        by_id = dict(zip(t.ids, zip(t.segments, t.segment_source, strict=True), strict=True))
        for cid in t.ids:
            expected = {"S-1": ("enterprise", "input"), "S-3": ("smb", "arr"), "S-4": ("smb", "input"),
                        "S-5": ("enterprise", "input"), "S-6": ("mid-market", "input")}[cid[:3]]  # fmt: skip
            assert by_id[cid] == expected, cid


def test_a_lookup_is_made_only_for_values_some_row_holds() -> None:
    kept = Coded(["smb", "enterprise", "mid-market"], np.array([0, 1, 2, 0])).take(np.array([0, 2, 3]))
    known = {"smb": 0, "mid-market": 1}  # "enterprise" is no row's any more: a lookup must not meet it
    assert per_row(kept, known.__getitem__, np.int64).tolist() == [0, 1, 0]
    assert per_row(list(kept), known.__getitem__, np.int64).tolist() == [0, 1, 0]


def test_a_rejected_accounts_segment_is_not_looked_up_for_the_accounts_kept() -> None:
    from customer_success_mcp.ingest.outcomes import load_outcomes
    from customer_success_mcp.query.analysis import backtest, what_if_profile
    from customer_success_mcp.scoring.profile import Profile

    crm = _csv([["Account ID", "Account Name", "Segment", "ARR"], ["A-1", "One", "SMB", "9000"],
                ["A-2", "Two", "Mid Market", "60000"], ["A-3", "Three", "Enterprise", "abc"]])  # fmt: skip
    loaded = load_sources([("crm.csv", crm)], DEFAULT_PROFILE)
    assert [r.customer_id for r in loaded.report.rejections] == ["A-3"]  # its ARR is not a number
    scored = score_loaded(loaded, DEFAULT_PROFILE, AS_OF)
    outcomes = load_outcomes(
        "o.csv", b"customer_id,outcome,date\nA-1,churned,2027-01-15\nA-2,renewed,2027-01-15\n"
    )
    assert [(s.segment, s.accounts) for s in backtest(scored, outcomes.outcomes).segments] == [
        ("mid-market", 1), ("smb", 1)]  # fmt: skip
    without = DEFAULT_PROFILE.model_dump()
    del without["segments"]["enterprise"]  # a profile with no enterprise segment: no account kept has one
    assert what_if_profile(scored, Profile.model_validate(without)).accounts == 2


def _coded_twin(column: Any) -> Coded[Any]:
    """A list column coded over its distinct values (lists compared by content)."""
    number: dict[Any, int] = {}
    values: list[Any] = []
    codes = []
    for v in column:
        key = tuple(v) if isinstance(v, list) else v
        if key not in number:
            number[key] = len(values)
            values.append(v)
        codes.append(number[key])
    return Coded(values, np.array(codes, dtype=np.int32))


DEPARTMENTS = ["Sales", "sales", "HR", "Ops", "IT", "Legal"]
TIERS = ["starter", "professional", "enterprise", "enterprise_plus", "gold"]
departments = st.one_of(st.none(), st.lists(st.sampled_from(DEPARTMENTS), max_size=4))
tiers = st.one_of(st.none(), st.sampled_from(TIERS))
offers = st.one_of(st.none(), st.lists(st.sampled_from(TIERS[1:]), max_size=3))


@given(st.lists(st.tuples(departments, departments, tiers, offers), min_size=1, max_size=40), st.booleans())
def test_expansion_over_coded_columns_finds_what_it_finds_over_lists(rows: list[Any], as_one: bool) -> None:
    from dataclasses import replace

    from conftest import make_account
    from customer_success_mcp.pipeline import score_records
    from customer_success_mcp.scoring import expansion

    accounts = [
        make_account(customer_id=f"C{i}", departments={"potential": p, "current": c},
                     contract={"plan_tier": t, "available_tiers": o})
        for i, (p, c, t, o) in enumerate(rows)
    ]  # fmt: skip
    rules = DEFAULT_PROFILE.expansion.model_copy(update={"unlisted_departments_as_one": as_one})
    profile = DEFAULT_PROFILE.model_copy(update={"expansion": rules})
    table = score_records(accounts, AS_OF, profile).table
    assert table.size == len(rows)
    coded = replace(table, lists={k: _coded_twin(v) for k, v in table.lists.items()},
                    labels={k: _coded_twin(v) for k, v in table.labels.items()})  # fmt: skip
    for find in (expansion._tier_upgrade, expansion._department_expansion):
        want, got = find(table, profile), find(coded, profile)
        assert got.rows.tolist() == want.rows.tolist() and got.subjects == want.subjects, find.__name__
        assert np.array_equal(got.revenue, want.revenue), find.__name__
