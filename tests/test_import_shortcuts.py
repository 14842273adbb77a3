"""The CSV import's whole-column shortcuts give exactly the result of checking every cell.

The import checks most cells without looking at them one by one: plain ASCII cells are found by a
byte scan (`textscan.plain_rows`) and pass as read; a column whose texts repeat is parsed once per
distinct text and the results spread back (`textscan.per_distinct`); ids already joined in the same
order are matched without a lookup; numbers the reader converted stay in its chunks. A bug in any of
these would silently accept or misplace values, so each is held here to the cell-by-cell path on
columns mixing plain cells with every awkward kind (spaces, control characters, non-ASCII, empty
words, bad numbers and dates), and big files are read in several chunks with problems placed far in.
"""

from __future__ import annotations

import gc
import itertools
import math
import random
import weakref
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from customer_success_mcp.ingest import cells
from customer_success_mcp.ingest import sources as ingest_sources
from customer_success_mcp.ingest.columns import MAX_ID, MAX_NAME, range_failures
from customer_success_mcp.ingest.errors import InputError
from customer_success_mcp.ingest.join import _usable_ids
from customer_success_mcp.ingest.load import gc_paused
from customer_success_mcp.ingest.mapping import field_rule
from customer_success_mcp.ingest.sources import load_sources, read_order, read_sources
from customer_success_mcp.ingest.textscan import (
    HASHED_WIDTH,
    LIST_PIECE,
    _text_hashes,
    all_distinct,
    as_floats,
    as_list,
    longest_bytes,
    plain_rows,
    repeating,
    true_rows,
    valid_rows,
)
from customer_success_mcp.scoring.default_profiles import DEFAULT_PROFILE

AWKWARD = [
    "Acme Corp", "Acme", "IBM", " Acme", "Acme ", "Acme  Corp", "Ac\tme", "Ac\x1bme", "Ac\x7fme", "Zürich AG",
    "n/a", "N/A", "none", "null", "-", "—", "na", "  ", " ", "\u00a0Acme", "Acme\u2028Corp", "x" * 70,
    "A" * 64, "A" * 65, "Ünïcode", "O'Brien & Sons", "a,b", "",
]  # fmt: skip
NUMBERS = [
    "12", "1,200", "$1,200", "45%", " 7 ", "USD 300", "1.5e3", "-3", "2.5", "nan", "inf", "-inf", "lots",
    "4,5", "1,20", "n/a", "-", "", "101", "0", "0.5", "€9", "1 000",
]  # fmt: skip
NUMBER_FIELDS = ["arr", "usage.dau_mau_ratio", "contract.licensed_seats", "engagement.nps_score"]
DATES = [
    "2027-03-25", "2027-3-5", "03/25/2027", "25.03.2027", "2027/03/25", "46000", "2027-02-30", "soon", "n/a",
    "2027-03-25T10:00", " 2027-01-01 ", "1899-12-31", "",
]  # fmt: skip


def column(texts: list[str | None], offset: int = 0) -> pa.Array:
    """A string column as the reader gives it (empty cells are null), sliced to exercise array offsets."""
    cells_ = [None if t == "" else t for t in texts]
    return pa.array(["pad"] * offset + cells_, pa.string()).slice(offset)


def by_record(found: list[tuple[int, Any]]) -> list[tuple[int, Any]]:
    """Findings in record order, each record's own findings in the order they were found."""
    return sorted(found, key=lambda item: item[0])


def assert_same_parse(got: cells.Parsed, expected: cells.Parsed) -> None:
    if isinstance(expected.values, np.ndarray):
        assert np.array_equal(got.values, expected.values, equal_nan=True)
    else:
        assert list(got.values) == list(expected.values)
    assert np.array_equal(got.present, expected.present)
    assert by_record(got.problems) == by_record(expected.problems)
    assert by_record(got.notes) == by_record(expected.notes)
    assert got.date_question == expected.date_question


def drawn(seed: int, pool: list[str], size: int, plain_share: float) -> list[str]:
    """Mostly plain cells (as real exports are), the rest drawn from the awkward pool."""
    rng = random.Random(seed)
    plain = [f"Plain Company {k}" for k in range(5)]
    return [rng.choice(plain) if rng.random() < plain_share else rng.choice(pool) for _ in range(size)]


def expected_plain(text: str | None, low: int, high: int | None) -> bool:
    if text is None:
        return False
    size = len(text.encode())
    return (
        text.isascii()
        and text.isprintable()
        and not text.startswith(" ")
        and not text.endswith(" ")
        and "  " not in text
        and low <= size
        and (high is None or size <= high)
    )


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32), st.integers(0, 60), st.integers(0, 3), st.floats(0, 1))
def test_plain_rows_marks_exactly_the_cells_that_cannot_need_a_closer_look(seed, size, offset, share) -> None:
    texts = drawn(seed, AWKWARD, size, share)
    col = column(texts, offset)
    for low, high in ((1, None), (5, None), (1, MAX_ID)):
        got = plain_rows(col, low, high)
        assert got is not None
        assert got.tolist() == [expected_plain(None if t == "" else t, low, high) for t in texts]


ID_LIKE = st.sampled_from(["ACC-1", "ACC-10", "ACC-100", "acc-1", "", "a", "a\x00", "Zürich", "x" * 8,
                           "x" * 9, "y" * HASHED_WIDTH, "y" * (HASHED_WIDTH + 1)])  # fmt: skip


@settings(max_examples=100, deadline=None)
@given(st.lists(ID_LIKE | st.text(max_size=70), max_size=50), st.integers(0, 3))
def test_all_distinct_says_whether_any_text_appears_twice(texts: list[str], offset: int) -> None:
    # The first file's ids become the accounts only when none is there twice: the NumPy hashes must never
    # call a repeated id distinct, whatever the lengths (past 8 bytes, past the hashed width) and slicing.
    col = pa.array(["spare"] * offset + texts, pa.string()).slice(offset)
    assert all_distinct(col) == (len(set(texts)) == len(texts))


def test_texts_that_differ_only_past_a_word_or_in_length_hash_differently() -> None:
    # Distinct hashes are what lets `all_distinct` answer without Arrow's hash table; bytes after the
    # first 8, and a trailing zero byte, must change the hash.
    texts = ["a", "a\x00", "ACC-0000001", "ACC-0000002", "abcdefgh", "abcdefghi", "", "\x00"]
    hashes = _text_hashes(pa.array(texts, pa.string()))
    assert hashes is not None and len(set(hashes.tolist())) == len(texts)
    assert _text_hashes(pa.array(["z" * (HASHED_WIDTH + 1), "z"], pa.string())) is None  # left to Arrow


@settings(max_examples=60, deadline=None)
@given(st.lists(st.none() | st.text(max_size=20), max_size=40), st.integers(0, 3))
def test_the_longest_cell_in_bytes_is_read_from_the_offsets(texts: list[str | None], offset: int) -> None:
    # The name-length check skips counting characters when no cell has more bytes than a name may have
    # characters; that needs the byte count of the longest cell, empty and sliced columns included.
    col = pa.array(["spare"] * offset + texts, pa.string()).slice(offset)
    assert longest_bytes(col) == max((len(t.encode()) for t in texts if t is not None), default=0)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32), st.integers(1, 80), st.floats(0, 1))
def test_text_read_once_per_distinct_text_and_plain_cells_as_read_match_cell_by_cell(
    seed, size, share
) -> None:
    col = column(drawn(seed, AWKWARD, size, share))
    expected = cells._text_exactly(col)
    assert_same_parse(cells._text_cells(col), expected)
    distinct = repeating(col)
    if distinct is not None:
        assert_same_parse(cells._spread(cells._text_cells(distinct.texts), distinct), expected)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 2**32), st.integers(2, 80), st.floats(0, 1), st.sampled_from(NUMBER_FIELDS), st.booleans()
)
def test_numbers_read_once_per_distinct_text_match_cell_by_cell(seed, size, share, path, percent) -> None:
    rule = field_rule(path)
    assert rule is not None
    texts = drawn(seed, NUMBERS, size, share)
    texts = [t if not t.startswith("Plain") else str(random.Random(t).randint(0, 9)) for t in texts]
    col = column(texts)
    ratio = rule.high == 1
    expected = cells.parse_numbers(col, rule, ratio=ratio, percent_header=percent)
    encoded = pc.dictionary_encode(col)
    distinct = cells.Distinct(
        encoded.dictionary, pc.fill_null(encoded.indices, -1).to_numpy().astype(np.int64)
    )
    once = cells.parse_numbers(distinct.texts, rule, ratio=ratio, percent_header=percent)
    assert_same_parse(cells._spread(once, distinct), expected)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32), st.integers(2, 60), st.floats(0, 1), st.sampled_from([None, "MDY", "DMY"]))
def test_dates_read_once_per_distinct_text_match_cell_by_cell(seed, size, share, order) -> None:
    texts = [t if not t.startswith("Plain") else "2026-11-23" for t in drawn(seed, DATES, size, share)]
    col = column(texts)
    expected = cells.parse_dates(col, "Renewal Date", order)
    encoded = pc.dictionary_encode(col)
    distinct = cells.Distinct(
        encoded.dictionary, pc.fill_null(encoded.indices, -1).to_numpy().astype(np.int64)
    )
    assert_same_parse(
        cells._spread(cells.parse_dates(distinct.texts, "Renewal Date", order), distinct), expected
    )


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32), st.integers(0, 60), st.floats(0, 1))
def test_ids_that_pass_as_read_are_the_ones_the_full_check_accepts_unchanged(seed, size, share) -> None:
    texts = drawn(seed, AWKWARD, size, share)
    col = column(texts)
    ids, usable = _usable_ids(col)
    trimmed = pc.utf8_trim_whitespace(col)
    printable = pc.and_(pc.utf8_is_printable(trimmed), pc.less_equal(pc.utf8_length(trimmed), MAX_ID))
    expected = pc.fill_null(pc.and_(pc.not_equal(trimmed, ""), printable), False).to_numpy(
        zero_copy_only=False
    )
    assert usable.tolist() == expected.tolist()
    assert ids.to_pylist() == trimmed.to_pylist()


# --------------------------------------------------------------------------- whole files


def csv_text(header: list[str], rows: list[list[str]]) -> bytes:
    return ("\r\n".join(",".join(r) for r in [header, *rows]) + "\r\n").encode()


CRM_HEADER = ["Account ID", "Account Name", "ARR", "Licensed Seats", "NPS", "Departments", "Renewal Date"]
PRODUCT_HEADER = [
    "Account ID",
    "Feature Adoption %",
    "product_usage.sso.adopted",
    "product_usage.sso.usage_pct",
]


def big_exports(count: int, order: list[int]) -> list[tuple[str, bytes]]:
    """A CRM export of `count` accounts (over 1 MB: the reader returns it in several chunks) with bad
    numbers far down, and a product export listing the same accounts in `order`."""
    crm = []
    for i in range(count):
        seats, nps = str(10 + i % 40), str(i % 11)
        if i == count - 7:
            seats = "nan"  # read as a number by the reader, then refused as not finite
        if i == count - 3:
            nps = "12"  # out of range
        crm.append([f"ACC-{i:06d}", f"Company number {i} with a long enough name", f"{1000 + i}", seats, nps,
                    "Sales; Marketing", "2027-01-15"])  # fmt: skip
    product = [[f"ACC-{i:06d}", str(i % 100), "" if i % 3 else "Yes", str(i % 90)] for i in order]
    return [("crm.csv", csv_text(CRM_HEADER, crm)), ("product.csv", csv_text(PRODUCT_HEADER, product))]


def test_a_big_export_read_in_chunks_reports_problems_where_they_are_and_joins_in_any_order() -> None:
    count = 20_000
    in_order = load_sources(big_exports(count, list(range(count))), DEFAULT_PROFILE)
    shuffled = list(range(count))
    random.Random(7).shuffle(shuffled)
    reordered = load_sources(big_exports(count, shuffled), DEFAULT_PROFILE)
    for loaded in (in_order, reordered):
        report = loaded.report
        assert (report.total, report.accepted, report.rejected) == (count, count - 2, 2)
        found = {(r.customer_id, p.field, p.row, p.reason) for r in report.rejections for p in r.problems}
        not_finite = "must be a finite number (not NaN or infinity), got 'nan'"
        assert found == {
            (f"ACC-{count - 7:06d}", "contract.licensed_seats", count - 7 + 2, not_finite),
            (
                f"ACC-{count - 3:06d}",
                "engagement.nps_score",
                count - 3 + 2,
                "must be between 0 and 10, got '12'",
            ),
        }
        table = loaded.table
        assert table.ids[:2] == ["ACC-000000", "ACC-000001"] and table.size == count - 2
        assert table.values["contract.licensed_seats"][:3].tolist() == [10.0, 11.0, 12.0]
        assert table.values["usage.feature_adoption"][:3].tolist() == [0.0, 1.0, 2.0]
        assert table.modules.of(0) == {"sso": {"adopted": True, "usage_pct": 0.0}}
        assert table.modules.of(1) == {"sso": {"adopted": False, "usage_pct": 1.0}}
        assert table.lists["departments.current"][5] == ["Sales", "Marketing"]
    assert reordered.table.ids == in_order.table.ids
    for path, values in in_order.table.values.items():
        assert np.array_equal(reordered.table.values[path], values, equal_nan=True), path
    assert reordered.table.lists == in_order.table.lists
    assert reordered.table.modules == in_order.table.modules


def test_a_list_column_where_every_account_lists_as_many_items_loads() -> None:
    # Two departments each: a list of equal-length lists once became a two-dimensional array and crashed.
    crm = csv_text(
        ["Account ID", "Name", "Departments"], [["A-1", "One", "Sales; HR"], ["A-2", "Two", "IT; Ops"]]
    )
    more = csv_text(
        ["Account ID", "Potential Departments"], [["A-2", "Legal; Data"], ["A-1", "Finance; R&D"]]
    )
    for sources in ([("crm.csv", crm)], [("crm.csv", crm), ("more.csv", more)]):
        table = load_sources(sources, DEFAULT_PROFILE).table
        assert table.lists["departments.current"] == [["Sales", "HR"], ["IT", "Ops"]]
    assert table.lists["departments.potential"] == [["Finance", "R&D"], ["Legal", "Data"]]


MESSY_HEADER = ["Acct Id", "Company", "ARR (USD)", "Renewal Date", "Tier", "Account Owner", "Champion Left",
                "NPS", "Plan", "Departments", "Renewal Sentiment"]  # fmt: skip
MESSY = [
    ["A-1", "Acme, Inc.", "$120,000", "03/25/2027", "Enterprise", "Dana Whitfield", "Yes", "9", "pro",
     "Sales; HR", "positive"],
    ["A-2", "Beta LLC", "45,500.50", "04/01/2027", "", "marco ruiz", "no", "n/a", "", "none", "meh"],
    ["A-3", " Gamma ", "$8,000", "2027-02-30", "SMB", "", "maybe", "11", "Starter", "", ""],
    ["A-4", "Delta\tCo", "lots", "2027-13-01", "Mid-Market", "Dana Whitfield", "TRUE", "7.5", "pro", "IT",
     "neutral"],
    ["A-2", "Beta again", "1", "", "", "", "", "", "", "", ""],
]  # fmt: skip


def test_the_readers_own_conversions_change_nothing_the_import_reports() -> None:
    # The reader converts plain-number columns and dictionary-encodes repeating ones; the same files read
    # as plain text (as `inspect` reads them) must give the same table, rejections and notes.
    from customer_success_mcp.ingest.join import join_files
    from customer_success_mcp.ingest.sources import read_sources

    messy = ("messy.csv", csv_text(MESSY_HEADER, [[f'"{c}"' if "," in c else c for c in r] for r in MESSY]))
    count = 3000
    for sources in ([messy], big_exports(count, list(range(count))[::-1])):
        converted = join_files(read_sources(sources), DEFAULT_PROFILE)
        as_text = join_files(read_sources(sources, convert_numbers=False), DEFAULT_PROFILE)
        assert converted[1] == as_text[1]  # the report: totals, every rejection and note, in order
        table, again = converted[0], as_text[0]
        assert (table.ids, table.names, table.segments, table.segment_source) == (
            again.ids, again.names, again.segments, again.segment_source)  # fmt: skip
        assert table.labels == again.labels and table.lists == again.lists and table.modules == again.modules
        for path, values in table.values.items():
            assert np.array_equal(again.values[path], values, equal_nan=True), path
            assert np.array_equal(again.present[path], table.present[path]), path
    assert len(converted[1].rejections) > 0


FLAG_HEADER = ["Account ID", "Account Name", "Champion Left", "Budget Cuts"]


def flag_export(count: int, later: dict[int, str] | None = None) -> bytes:
    """Two flag columns spelled Yes/No (some empty), with `later` replacing Champion Left far down."""
    rows = []
    for i in range(count):
        left = (later or {}).get(i, ["Yes", "No", ""][i % 3])
        rows.append([f"A-{i:05d}", f"Account {i}", left, "No" if i % 2 else "Yes"])
    return csv_text(FLAG_HEADER, rows)


def test_yes_no_read_by_the_reader_gives_the_values_the_text_path_gives() -> None:
    from customer_success_mcp.ingest.join import join_files
    from customer_success_mcp.ingest.sources import read_sources

    count = 6000  # several times the rows the reader's sample looks at
    for later, typed in (({}, True), ({5000: "yes"}, False), ({5000: "maybe"}, False)):
        sources = [("flags.csv", flag_export(count, later))]
        (mapped,) = read_sources(sources)
        assert (str(mapped.raw.columns[2].type) == "bool") is typed, later
        converted = join_files(read_sources(sources), DEFAULT_PROFILE)
        as_text = join_files(read_sources(sources, convert_numbers=False), DEFAULT_PROFILE)
        assert converted[1] == as_text[1], later
        for path in ("relationship_signals.champion_left", "commercial_factors.budget_cuts_mentioned"):
            got, expected = converted[0], as_text[0]
            assert np.array_equal(got.values[path], expected.values[path], equal_nan=True), (later, path)
            assert np.array_equal(got.present[path], expected.present[path]), (later, path)
        left = converted[0].values["relationship_signals.champion_left"]
        assert left[:3].tolist() == [1.0, 0.0, 0.0]  # Yes, No, and empty (not given: the contract's no)
        assert converted[0].present["relationship_signals.champion_left"][:3].tolist() == [True, True, False]
    rejected = converted[1].rejections  # "maybe" is named as it is written
    assert [(r.customer_id, r.problems[0].reason) for r in rejected] == [
        ("A-05000", "must be yes or no (or true/false, 1/0), got 'maybe'")
    ]


def test_a_conflict_on_a_yes_no_field_quotes_each_file_as_it_is_written() -> None:
    crm = flag_export(10)
    other = csv_text(["Account ID", "Champion Left"], [["A-00000", "No"], ["A-00001", "No"]])
    loaded = load_sources([("crm.csv", crm), ("other.csv", other)], DEFAULT_PROFILE)
    (rejection,) = loaded.report.rejections
    assert rejection.customer_id == "A-00000"
    assert "crm.csv row 2 (\"Champion Left\") says 'Yes', other.csv row 2" in rejection.problems[0].reason
    assert "says 'No'" in rejection.problems[0].reason


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.booleans()), max_size=80), st.integers(0, 9), st.integers(1, 3))
def test_yes_no_read_from_the_bitmaps_match_arrows_own_conversion(cells_, offset, pieces) -> None:
    # Flags the reader read as true/false are turned into 1/0/NaN from the bitmaps, at any offset, in pieces.
    whole = pa.array([True] * offset + cells_, pa.bool_()).slice(offset)
    cut = sorted({0, len(whole), *(len(whole) * k // pieces for k in range(pieces))})
    chunked = pa.chunked_array([whole.slice(a, b - a) for a, b in itertools.pairwise(cut)], pa.bool_())
    for col in (whole, chunked):
        expected = pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False)
        assert np.array_equal(cells.parse_flags(col).values, expected, equal_nan=True)
        assert cells.parse_flags(col).present.tolist() == [c is not None for c in cells_]


def test_module_usage_is_the_same_however_its_columns_are_spread_over_the_files() -> None:
    # Each file's module usage is built as soon as its columns are checked when every module lives in one
    # file; a module split over two files is built from the joined columns. Either way an account lists a
    # module where either of its columns has a value, the other read as 0, modules in name order.
    ids = [f"A-{k}" for k in range(6)]
    crm = csv_text(["Account ID", "Account Name", "product_usage.sso.adopted"],
                   [[i, f"Account {i}", ["Yes", "No", ""][k % 3]] for k, i in enumerate(ids)])  # fmt: skip
    usage = csv_text(["Account ID", "product_usage.sso.usage_pct", "product_usage.api.adopted"],
                     [[i, str(10 * k) if k % 2 else "", "Yes" if k < 3 else ""]
                      for k, i in reversed(list(enumerate(ids)))])  # fmt: skip
    api, sso = (
        {"api": {"adopted": True, "usage_pct": 0.0}},
        lambda a, u: {"sso": {"adopted": a, "usage_pct": u}},
    )
    expected = [
        {**api, **sso(True, 0.0)},  # Yes; no usage given
        {**api, **sso(False, 10.0)},  # No; 10
        api,  # sso has neither column
        sso(True, 30.0),
        sso(False, 0.0),
        sso(False, 50.0),  # no flag, usage 50
    ]
    split = load_sources([("crm.csv", crm), ("usage.csv", usage)], DEFAULT_PROFILE).table
    assert split.ids == ids and split.modules.per_account() == expected
    apart = csv_text(["Account ID", "Account Name"], [[i, f"Account {i}"] for i in ids])
    whole = csv_text(["Account ID", "product_usage.sso.adopted", "product_usage.sso.usage_pct",
                      "product_usage.api.adopted"],
                     [[i, ["Yes", "No", ""][k % 3], str(10 * k) if k % 2 else "", "Yes" if k < 3 else ""]
                      for k, i in reversed(list(enumerate(ids)))])  # fmt: skip
    one_file = load_sources([("crm.csv", apart), ("usage.csv", whole)], DEFAULT_PROFILE).table
    assert one_file.ids == ids and one_file.modules.per_account() == expected


@settings(max_examples=150, deadline=None)
@given(
    path=st.sampled_from(["engagement.nps_score", "arr", "usage.dau_mau_ratio", "contract.licensed_seats"]),
    values=st.lists(
        st.one_of(
            st.floats(allow_nan=True, allow_infinity=True),
            st.integers(-20, 200).map(float),
            st.sampled_from([0.5, 10.0, 100.5, -1.0]),
        ),
        max_size=60,
    ),
)
def test_range_failures_are_the_values_out_of_range_or_not_whole(path: str, values: list[float]) -> None:
    # The check looks at the smallest and largest values first; what it reports must still be every
    # value a cell-by-cell look finds: out of range (NaN never is), or not whole for a count.
    rule = field_rule(path)
    assert rule is not None
    low = -math.inf if rule.low is None else rule.low
    high = math.inf if rule.high is None else rule.high
    outside = [i for i, v in enumerate(values) if v < low or v > high]
    broken = [
        i for i, v in enumerate(values) if rule.kind == "integer" and math.isfinite(v) and v != math.floor(v)
    ]
    found = range_failures(rule, np.array(values, dtype=float))
    assert [i for i, reason in found if reason != "must be a whole number"] == outside
    assert [i for i, reason in found if reason == "must be a whole number"] == broken
    assert all(reason.startswith("must be ") for _, reason in found)


def test_a_name_is_too_long_only_as_tidied_and_the_reason_counts_its_characters() -> None:
    # Names are measured by the reader first; a raw cell over the limit is measured again as tidied.
    rows = [["A-1", "N" * (MAX_NAME + 1)], ["A-2", "M" * MAX_NAME], ["A-3", "Wide" + " " * MAX_NAME + "Name"],
            ["A-4", "Ünïcödé " * 60]]  # fmt: skip
    loaded = load_sources([("crm.csv", csv_text(["Account ID", "Account Name"], rows))], DEFAULT_PROFILE)
    assert loaded.table.ids == ["A-2", "A-3", "A-4"]
    assert loaded.table.names[1:] == ["Wide Name", ("Ünïcödé " * 60).strip()]
    (rejected,) = loaded.report.rejections
    assert rejected.customer_id == "A-1"
    assert [p.reason for p in rejected.problems] == ["is 513 characters long, over the 512 a name may have"]
    # A name over the limit in the second file's name column is found too.
    first = csv_text(["Account ID", "Account Name"], [["A-1", "One"]])
    second = csv_text(["Account ID", "Account Name"], [["A-1", "One"], ["A-2", "L" * (MAX_NAME + 1)]])
    both = load_sources([("crm.csv", first), ("other.csv", second)], DEFAULT_PROFILE)
    assert both.table.ids == ["A-1"] and [r.customer_id for r in both.report.rejections] == ["A-2"]
    (problem,) = both.report.rejections[0].problems
    assert problem.reason == "is 513 characters long, over the 512 a name may have"
    fitting = [rows[1], rows[3]]  # every cell within the limit as read: no name is measured one by one
    short = load_sources([("crm.csv", csv_text(["Account ID", "Account Name"], fitting))], DEFAULT_PROFILE)
    assert short.report.rejected == 0 and short.table.names == [loaded.table.names[0], loaded.table.names[2]]


def test_exports_are_read_largest_first_each_on_one_thread_unless_one_holds_most_of_the_bytes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ingest_sources, "PROCESSORS", 2)
    # The benchmark's four exports (MB): largest first, side by side, none on the reader's own threads.
    assert read_order([27, 2, 9, 4]) == [(0, False), (2, False), (3, False), (1, False)]
    assert read_order([100, 1, 2]) == [(0, True), (2, False), (1, False)]  # 97% of the bytes: shared out
    assert read_order([5]) == [(0, True)]  # one export: the reader's threads share it out
    monkeypatch.setattr(ingest_sources, "PROCESSORS", 8)
    assert read_order([27, 2, 9, 4]) == [(0, True), (2, True), (3, True), (1, True)]  # processors to spare


def test_exports_come_back_in_the_order_given_and_the_first_bad_one_in_that_order_is_named() -> None:
    small = csv_text(["Account ID", "Account Name"], [["A-1", "One"]])
    large = csv_text(["Account ID", "ARR"], [[f"A-{i}", str(i)] for i in range(2_000)])
    read = read_sources([("small.csv", small), ("large.csv", large)])  # the large one is started first
    assert [mf.raw.source for mf in read] == ["small.csv", "large.csv"]
    assert [mf.raw.rows for mf in read] == [1, 2_000]
    with pytest.raises(InputError, match=r"^empty\.csv: no header row"):
        read_sources([("empty.csv", b"\n\n"), ("blank.csv", b"\n" * 5_000), ("large.csv", large)])


def test_which_accounts_use_modules_is_kept_for_the_accepted_accounts_only() -> None:
    crm = csv_text(["Account ID", "Account Name", "ARR"], [["A-1", "One", "-5"], ["A-2", "Two", "10"]])
    usage = csv_text(["Account ID", "product_usage.sso.adopted"], [["A-1", "yes"], ["A-2", ""]])
    loaded = load_sources([("crm.csv", crm), ("usage.csv", usage)], DEFAULT_PROFILE)
    assert loaded.table.ids == ["A-2"]  # A-1's negative ARR rejects it
    assert loaded.table.present["product_usage"].tolist() == [False]
    assert loaded.table.modules.per_account() == [{}]


def test_the_load_asks_about_an_ambiguous_date_order_before_naming_a_file_without_ids() -> None:
    # Each file's columns are checked as soon as it is read and the ids are joined meanwhile; the questions
    # still come in the same order: a file that cannot be read, then a date order, then a missing id column.
    header = ["Account ID", "Account Name", "Renewal Date"]
    dated = ("dated.csv", csv_text(header, [["A-1", "One", "03/04/2027"]]))
    no_ids = ("no_ids.csv", csv_text(["Whatever", "NPS"], [["x", "5"]]))
    question = r"^dated\.csv: column \"Renewal Date\" has dates such as '03/04/2027' that read either way"
    for exports in ([dated, no_ids], [no_ids, dated]):
        with pytest.raises(InputError, match=question):
            load_sources(exports, DEFAULT_PROFILE)
    with pytest.raises(InputError, match=r"^broken\.xlsx: not a readable \.xlsx workbook"):
        load_sources([no_ids, dated, ("broken.xlsx", b"PK\x03\x04junk")], DEFAULT_PROFILE)
    clear = ("crm.csv", dated[1].replace(b"03/04", b"03/24"))
    with pytest.raises(InputError, match=r"^no_ids\.csv: no column holds the account id"):
        load_sources([no_ids, clear], DEFAULT_PROFILE)


ID_LIKE = ["A-1", "ACC-42", "x" * MAX_ID, "x" * (MAX_ID + 1), "", "Ac\x1bme", "Zürich", "a b", " A-2", "~!"]


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**32), st.integers(0, 60), st.integers(0, 3), st.floats(0.8, 1))
def test_plain_rows_of_ids_without_spaces_match_the_cell_rule(seed, size, offset, share) -> None:
    # A column whose bytes are all printable and none a space is judged by its cell lengths alone; any other
    # byte, an empty cell or a length out of bounds sends it down the byte-by-byte path.
    rng = random.Random(seed)
    texts = [f"ACC-{rng.randrange(10**6)}" if rng.random() < share else rng.choice(ID_LIKE)
             for _ in range(size)]  # fmt: skip
    col = column(texts, offset)
    for low, high in ((1, None), (5, None), (1, MAX_ID), (9, 9)):
        got = plain_rows(col, low, high)
        assert got is not None
        assert got.tolist() == [expected_plain(None if t == "" else t, low, high) for t in texts]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)), max_size=70),
    st.lists(st.one_of(st.none(), st.booleans()), max_size=70),
    st.integers(0, 9),
    st.integers(1, 3),
)
def test_numbers_and_bitmaps_read_from_arrow_match_their_values(floats, flags, offset, pieces) -> None:
    # as_floats, valid_rows and true_rows read Arrow's buffers directly, at any offset and in pieces.
    def cut(values: list[Any], kind: pa.DataType) -> tuple[pa.Array, pa.ChunkedArray]:
        whole = pa.array([None] * offset + values, kind).slice(offset)
        ends = sorted({0, len(whole), *(len(whole) * k // pieces for k in range(pieces))})
        return whole, pa.chunked_array([whole.slice(a, b - a) for a, b in itertools.pairwise(ends)], kind)

    for col in cut(floats, pa.float64()):
        expected = [math.nan if v is None else v for v in floats]
        assert np.array_equal(as_floats(col), np.array(expected, dtype=float), equal_nan=True)
        assert valid_rows(col).tolist() == [v is not None for v in floats]
    whole, _ = cut(flags, pa.bool_())
    assert true_rows(whole).tolist() == [v is True for v in flags]
    assert valid_rows(whole).tolist() == [v is not None for v in flags]
    # An empty cell's value bit means nothing (compute kernels leave it as it falls): it reads as False.
    validity = pa.array([v is not None for v in flags], pa.bool_()).buffers()[1]
    ones = pa.array([True] * len(flags), pa.bool_()).buffers()[1]
    garbled = pa.Array.from_buffers(pa.bool_(), len(flags), [validity, ones], null_count=flags.count(None))
    assert true_rows(garbled).tolist() == [v is not None for v in flags]


def test_the_first_files_ids_are_the_accounts_and_a_repeated_one_is_still_reported() -> None:
    # Every id usable: the first file's records are the accounts, in order, when each id is there once; a
    # repeated id is still reported with its rows, and a second file in another order joins by id.
    twice = csv_text(["Account ID", "Account Name"],
                     [["A-1", "One"], ["A-2", "Two"], ["A-1", "One again"], ["A-3", "Three"]])  # fmt: skip
    loaded = load_sources([("crm.csv", twice)], DEFAULT_PROFILE)
    assert loaded.table.ids == ["A-2", "A-3"]
    [rejection] = loaded.report.rejections
    assert rejection.customer_id == "A-1" and "(rows 2, 4)" in rejection.problems[0].reason
    crm = csv_text(["Account ID", "Account Name"], [["A-2", "Two"], ["A-1", "One"], ["A-3", "Three"]])
    nps = csv_text(["Account ID", "NPS"], [["A-3", "9"], ["A-9", "5"], ["A-1", "7"], ["A-2", "8"]])
    loaded = load_sources([("crm.csv", crm), ("nps.csv", nps)], DEFAULT_PROFILE)
    assert loaded.table.ids == ["A-2", "A-1", "A-3"]
    assert loaded.table.values["engagement.nps_score"].tolist() == [8.0, 7.0, 9.0]
    assert [(r.customer_id, r.problems[0].field) for r in loaded.report.rejections] == [("A-9", "name")]


def test_a_later_file_with_the_same_ids_joins_and_one_repeating_a_known_id_is_reported() -> None:
    # A later file holding exactly the accounts' ids, in order, takes their positions as they are; one whose
    # ids are all known but which repeats one still has the repeat reported, with its rows.
    crm = csv_text(["Account ID", "Account Name"], [["A-1", "One"], ["A-2", "Two"], ["A-3", "Three"]])
    same = csv_text(["Account ID", "NPS"], [["A-1", "9"], ["A-2", "5"], ["A-3", "7"]])
    again = csv_text(["Account ID", "CSAT"], [["A-3", "4"], ["A-1", "3"], ["A-3", "5"]])
    loaded = load_sources([("crm.csv", crm), ("nps.csv", same), ("csat.csv", again)], DEFAULT_PROFILE)
    assert loaded.table.ids == ["A-1", "A-2"]
    assert loaded.table.values["engagement.nps_score"].tolist() == [9.0, 5.0]
    assert loaded.table.present["engagement.csat_score"].tolist() == [True, False]
    assert loaded.table.values["engagement.csat_score"][0] == 3.0
    [rejection] = loaded.report.rejections
    assert rejection.customer_id == "A-3"
    assert "appears more than once in csat.csv (rows 2, 4)" in rejection.problems[0].reason


def test_module_usage_built_before_the_other_columns_are_checked_is_the_joined_one() -> None:
    # With the module columns in one file, in account order, and nothing to report, usage is built as soon
    # as they are checked; a module value that is out of range falls back to the join, which rejects it.
    ids = [f"A-{k}" for k in range(5)]
    crm = csv_text(["Account ID", "Account Name", "Renewal Date"],
                   [[i, f"Account {i}", "2027-01-31"] for i in ids])  # fmt: skip
    rows = [[i, ["Yes", "No", ""][k % 3], str(10 * k) if k % 2 else ""] for k, i in enumerate(ids)]
    header = ["Account ID", "product_usage.sso.adopted", "product_usage.sso.usage_pct"]
    table = load_sources([("crm.csv", crm), ("usage.csv", csv_text(header, rows))], DEFAULT_PROFILE).table
    assert table.modules.per_account() == [
        {"sso": {"adopted": True, "usage_pct": 0.0}},
        {"sso": {"adopted": False, "usage_pct": 10.0}},
        {},
        {"sso": {"adopted": True, "usage_pct": 30.0}},
        {"sso": {"adopted": False, "usage_pct": 0.0}},
    ]
    assert table.present["product_usage"].tolist() == [True, True, False, True, True]
    rows[1][2] = "140"
    loaded = load_sources([("crm.csv", crm), ("usage.csv", csv_text(header, rows))], DEFAULT_PROFILE)
    assert loaded.table.ids == ["A-0", "A-2", "A-3", "A-4"]
    assert [r.customer_id for r in loaded.report.rejections] == ["A-1"]
    assert loaded.table.modules.per_account()[2] == {"sso": {"adopted": True, "usage_pct": 30.0}}


def test_module_usage_built_as_a_file_is_checked_is_used_only_when_that_file_is_the_accounts_in_order() -> (
    None
):
    # The usage file's own rows are not the accounts when it lists them in another order, names an account
    # the CRM does not, or shares the module columns with another file: usage then comes from the join.
    crm = csv_text(["Account ID", "Account Name"], [["A-0", "Zero"], ["A-1", "One"], ["A-2", "Two"]])
    header = ["Account ID", "product_usage.sso.adopted", "product_usage.sso.usage_pct"]
    expected = [
        {"sso": {"adopted": True, "usage_pct": 5.0}},
        {},
        {"sso": {"adopted": False, "usage_pct": 20.0}},
    ]
    reversed_rows = [["A-2", "No", "20"], ["A-1", "", ""], ["A-0", "Yes", "5"]]
    loaded = load_sources([("crm.csv", crm), ("usage.csv", csv_text(header, reversed_rows))], DEFAULT_PROFILE)
    assert loaded.table.modules.per_account() == expected
    extra = [["A-0", "Yes", "5"], ["A-1", "", ""], ["A-2", "No", "20"], ["A-9", "Yes", "1"]]
    loaded = load_sources([("crm.csv", crm), ("usage.csv", csv_text(header, extra))], DEFAULT_PROFILE)
    assert loaded.table.ids == ["A-0", "A-1", "A-2"]
    assert loaded.table.modules.per_account() == expected
    api = csv_text(["Account ID", "product_usage.api.adopted"], [["A-0", "No"], ["A-1", "Yes"], ["A-2", ""]])
    in_order = [["A-0", "Yes", "5"], ["A-1", "", ""], ["A-2", "No", "20"]]
    loaded = load_sources([("crm.csv", crm), ("usage.csv", csv_text(header, in_order)), ("api.csv", api)],
                          DEFAULT_PROFILE)  # fmt: skip
    assert loaded.table.modules.per_account() == [
        {"api": {"adopted": False, "usage_pct": 0.0}, "sso": {"adopted": True, "usage_pct": 5.0}},
        {"api": {"adopted": True, "usage_pct": 0.0}},
        {"sso": {"adopted": False, "usage_pct": 20.0}},
    ]


class _Node:
    """An object that can hold a reference to itself (a cycle only the cyclic GC frees)."""

    me: Any = None


def test_what_the_gc_pause_built_goes_to_the_oldest_generation_and_cycles_are_still_freed() -> None:
    # The young collection after a load would walk every list the table holds only to find it alive: the
    # pause moves what it built to the oldest generation instead. Garbage cycles are not kept for good.
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        kept = [["a"], ["b"]]
        cycle = _Node()
        cycle.me = cycle
        freed = weakref.ref(cycle)
        del cycle
    assert gc.isenabled()
    assert any(obj is kept for obj in gc.get_objects(generation=2))
    gc.collect()
    assert freed() is None


@pytest.mark.parametrize("size", [0, 1, LIST_PIECE - 1, LIST_PIECE, LIST_PIECE + 1, 2 * LIST_PIECE + 5])
def test_lists_built_a_piece_at_a_time_are_the_whole_list(size: int) -> None:
    # as_list hands the GIL round between pieces; the list is the one a single call makes, in order.
    texts = [None if k % 11 == 0 else f"account {k}" for k in range(size)]
    arrow = pa.array(texts, pa.string())
    assert as_list(arrow) == texts
    assert as_list(arrow.slice(1)) == texts[1:]
    assert as_list(pa.chunked_array([arrow, arrow], pa.string())) == texts + texts
    assert as_list(np.array(texts, dtype=object)) == texts


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["Acme", "Acme  Ltd", " Beta", "Gamma Co", "n/a", "", "Delta\tInc", "Émile"])
                | st.text(max_size=12), max_size=60))  # fmt: skip
def test_names_listed_by_the_reading_thread_check_as_the_column_does(names: list[str]) -> None:
    # The reading thread may hand over the name column already as a Python list; the check is the same,
    # whether the names repeat (checked once per distinct text) or not.
    col = pa.array([None if n == "" else n for n in names], pa.string())
    plain, listed = cells.parse_text(col), cells.parse_text(col, col.to_pylist())
    assert listed.values == plain.values
    assert listed.present.tolist() == plain.present.tolist()


def test_the_gc_pause_leaves_what_the_application_froze_frozen() -> None:
    # An application may freeze its heap (before forking, say); a load must not thaw it.
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with gc_paused():
            pass
        assert gc.get_freeze_count() > frozen // 2
    finally:
        gc.unfreeze()


def test_reading_numbers_never_writes_into_the_readers_memory() -> None:
    # Arrow arrays are immutable: filling the empty cells with NaN happens in a copy, in one piece or many.
    whole = pa.array([1.5, None, -0.0, None, 7.0], pa.float64())
    for col in (whole, pa.chunked_array([whole.slice(0, 2), whole.slice(2)])):
        before = [bytes(chunk.buffers()[1]) for chunk in getattr(col, "chunks", [col])]
        values = as_floats(col)
        assert [bytes(chunk.buffers()[1]) for chunk in getattr(col, "chunks", [col])] == before
        assert np.array_equal(values, [1.5, np.nan, -0.0, np.nan, 7.0], equal_nan=True)
        assert math.copysign(1.0, values[2]) == -1.0
