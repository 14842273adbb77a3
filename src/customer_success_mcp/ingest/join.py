"""Several mapped exports -> one validated portfolio, joined on the account id.

Each file's mapped columns are read as contract values (`ingest.cells`); records are then joined on
their account id. An account present in some files gets the fields those files supply. Two files
giving different values for one field of one account reject that account, naming both files, rows
and values: nothing is resolved silently. (Names are the exception: a different spelling in another
system is noted and the first file's name kept, since the id, not the name, is the join key.)
Every account is accounted for: accepted + rejected = distinct ids + rows without a usable id.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor, as_completed
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from customer_success_mcp.formatting import plural
from customer_success_mcp.ingest.cells import Parsed, parse_column, parse_text, shown
from customer_success_mcp.ingest.columns import (
    MAX_ID,
    MAX_NAME,
    SECTION_RULES,
    TOP_RULES,
    Problems,
    derive_segments,
    too_long,
)
from customer_success_mcp.ingest.errors import InputError
from customer_success_mcp.ingest.mapping import FileMapping, field_rule, is_ratio, normalise_header
from customer_success_mcp.ingest.modules import Usage, module_usage, usage_once_checked
from customer_success_mcp.ingest.report import ColumnMatch, DataNote, FieldProblem, LoadReport, Rejection
from customer_success_mcp.ingest.tabular import RawTable
from customer_success_mcp.ingest.textscan import (
    NO_TEXT,
    all_distinct,
    as_list,
    longest_bytes,
    plain_rows,
    true_rows,
)
from customer_success_mcp.scoring.coded import Coded, filled, objects, take_rows
from customer_success_mcp.scoring.profile import Profile, normalise_label
from customer_success_mcp.scoring.table import AccountTable, ModuleColumns

T = TypeVar("T")
_ARRAY_KINDS = ("number", "integer", "flag", "date")
WORKERS = min(4, os.cpu_count() or 1)  # threads that read exports and check their columns (the reader,
# NumPy and Arrow release the GIL)


@dataclass
class MappedFile:
    raw: RawTable
    mapping: FileMapping


@dataclass
class _Column:
    """One file's values for one field, checked on a worker thread."""

    file: int
    header: str
    checking: Future[Parsed]

    @property
    def parsed(self) -> Parsed:
        return self.checking.result()


class _Accounts:
    """The joined accounts: their ids, where each was first seen, and their problems."""

    def __init__(self) -> None:
        self.ids: list[str | None] = []
        self.first_file: list[np.ndarray] = []  # where each account was first seen: file ...
        self.first_row: list[np.ndarray] = []  # ... and row, in chunks
        self.known = pa.array([], pa.string())  # every id seen so far ...
        self.known_at = np.zeros(0, dtype=np.int64)  # ... and its account
        self.errors: dict[int, list[FieldProblem]] = defaultdict(list)
        self.notes: dict[int, list[tuple[str, str]]] = defaultdict(list)

    def add(self, cid: str | None, where: tuple[int, int]) -> int:
        self.ids.append(cid)
        self.first_file.append(np.array([where[0]]))
        self.first_row.append(np.array([where[1]]))
        return len(self.ids) - 1

    def first_seen(self, account: int) -> tuple[int, int]:
        if len(self.first_file) > 1:
            self.first_file = [np.concatenate(self.first_file)]
            self.first_row = [np.concatenate(self.first_row)]
        return int(self.first_file[0][account]), int(self.first_row[0][account])

    def __len__(self) -> int:
        return len(self.ids)


def _date_questions(files: list[MappedFile], parsed: dict[tuple[int, str], _Column]) -> None:
    questions = [f"{files[c.file].raw.source}: {c.parsed.date_question}" for c in parsed.values()
                 if c.parsed.date_question]  # fmt: skip
    if questions:
        raise InputError(
            "; ".join(questions) + " (in a mapping file, or the date_order argument; "
            "`csm ... --mapping FILE` with date_order in it)"
        )


def _parse_one(mf: MappedFile, match: ColumnMatch) -> Parsed:
    col = mf.raw.columns[match.index]
    if match.field in ("name", "segment"):
        return parse_text(col, mf.raw.listed.get(match.index))
    rule = field_rule(match.field)
    assert rule is not None
    return parse_column(col, rule, match.header, percent_header=normalise_header(match.header).percent,
                        ratio=is_ratio(match.field), date_order=mf.mapping.date_order)  # fmt: skip


_SLOW_FIRST = ("tier_list", "text_list", "label", "date")  # the kinds that take longest to check


def _check_file(mf: MappedFile, pool: Executor) -> dict[str, Future[Parsed]]:
    """A file's mapped columns (the id apart) checked as contract values on the pool's threads (the array
    work releases the GIL), slowest kinds first."""

    def slow(match: ColumnMatch) -> bool:
        rule = field_rule(match.field)
        return match.field in ("name", "segment") or (rule is not None and rule.kind in _SLOW_FIRST)

    jobs = sorted((m for m in mf.mapping.columns if m.field != "customer_id"), key=slow, reverse=True)
    return {m.field: pool.submit(_parse_one, mf, m) for m in jobs}


def _ready(value: T | Future[T]) -> Future[T]:
    """A value as a future (a future as it is)."""
    if isinstance(value, Future):
        return value
    done: Future[T] = Future()
    done.set_result(value)
    return done


MAX_HEADER_SHOWN = 60
MAX_HEADERS_LISTED = 12


def _headers_named(headers: list[str]) -> str:
    """The header row as an error may quote it: the cells that look like column names (no `=`, at most
    60 characters), the others counted. A file that is not an export (a one-column key=value secrets file,
    say, or a row most of whose cells are not names) is described, never quoted."""
    shown = [h for h in headers if "=" not in h and len(h) <= MAX_HEADER_SHOWN]
    if len(headers) < 2 or len(shown) * 2 < len(headers):
        columns = plural(len(headers), "column")
        return f"its first row, {columns}, does not look like a header row: is it an export?"
    hidden = len(headers) - len(shown)
    more = len(shown) - MAX_HEADERS_LISTED
    tail = f", and {more} more" if more > 0 else ""
    unnamed = f"; {plural(hidden, 'cell')} not shown" if hidden else ""
    return f"headers: {', '.join(shown[:MAX_HEADERS_LISTED])}{tail}{unnamed}"


def _id_column(files: list[MappedFile], f: int) -> tuple[int, str]:
    raw, match = files[f].raw, files[f].mapping.by_field().get("customer_id")
    if match is None:
        raise InputError(
            f"{raw.source}: no column holds the account id ({_headers_named(raw.headers)}). "
            'Map one in a mapping file ([columns] "Your Header" = "customer_id") or the mapping argument.'
        )
    return match[0], match[1].header


def _join_ids(files: list[MappedFile], accounts: _Accounts) -> list[np.ndarray]:
    """Each file's records -> account positions; rows without a usable id are accounts of their own."""
    positions = []
    for f, mf in enumerate(files):
        raw = mf.raw
        column, header = _id_column(files, f)
        if _same_ids(raw.columns[column], accounts.known):  # the accounts already joined, in their order:
            pos = accounts.known_at  # each id usable and there once, nothing to report (never written to)
        else:
            pos = _file_ids(f, raw, column, header, accounts)
        for row, reason in raw.malformed:
            a = accounts.add(None, (f, row))
            accounts.errors[a].append(FieldProblem(field="(row)", reason=reason, file=raw.source, row=row))
        positions.append(pos)
    return positions


def _file_ids(f: int, raw: RawTable, column: int, header: str, accounts: _Accounts) -> np.ndarray:
    """One file's records -> account positions, new ids opening accounts; unusable and repeated ids
    reported."""
    pos = np.full(raw.rows, -1, dtype=np.int64)
    ids, usable = _usable_ids(raw.columns[column])
    listed = raw.listed.get(column) if ids is raw.columns[column] else None  # as the reading thread made it
    each_once = _place(ids, usable, pos, f, raw, accounts, listed)
    for rec in np.flatnonzero(~usable).tolist():
        cell = ids[rec].as_py()
        pos[rec] = a = accounts.add(None, (f, raw.row_of(rec)))
        reason = "is required and must be non-empty text"
        if cell and len(cell) > MAX_ID:
            reason = too_long("customer_id", cell, MAX_ID)
        elif cell:
            reason = "must not contain control characters"
        accounts.errors[a].append(FieldProblem(field="customer_id", reason=reason, file=raw.source,
                                               row=raw.row_of(rec), column=header))  # fmt: skip
    if each_once or not usable.any():
        return pos
    counts = np.bincount(pos[usable], minlength=len(accounts))
    for a in np.flatnonzero(counts > 1).tolist():
        rows = ", ".join(str(raw.row_of(r)) for r in np.flatnonzero(pos == a).tolist())
        second = int(np.flatnonzero(pos == a)[1])
        accounts.errors[a].append(FieldProblem(
            field="customer_id", reason=f"{accounts.ids[a]!r} appears more than once in {raw.source} "
            f"(rows {rows}); ids must be unique in each file", file=raw.source, row=raw.row_of(second),
            column=header,
        ))  # fmt: skip
    return pos


def _usable_ids(col: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """The ids as joined (trimmed) and which records have a usable one: non-empty printable text of at
    most MAX_ID characters. Plain ASCII ids pass as read; only the others are trimmed and checked."""
    plain = plain_rows(col, 1, MAX_ID)
    if plain is not None and plain.all():
        return col, plain
    rest = pa.array(np.ones(len(col), dtype=bool) if plain is None else ~plain)
    ids = pc.utf8_trim_whitespace(col.filter(rest))
    longest = pa.scalar(MAX_ID, pa.int32())  # typed, as NO_TEXT is
    printable = pc.and_(pc.utf8_is_printable(ids), pc.less_equal(pc.utf8_length(ids), longest))
    ok = true_rows(pc.and_(pc.not_equal(ids, NO_TEXT), printable))
    if plain is None:
        return ids, ok
    usable = plain.copy()
    usable[~plain] = ok
    return pc.replace_with_mask(col, rest, ids), usable


def _same_ids(ids: pa.Array, known: pa.Array) -> bool:
    """True when the column is exactly the ids already joined, in their order (no cell empty)."""
    return len(ids) == len(known) > 0 and ids.null_count == 0 and bool(pc.all(pc.equal(ids, known)).as_py())


def _place(ids: pa.Array, usable: np.ndarray, pos: np.ndarray, f: int, raw: RawTable, accounts: _Accounts,
           listed: list[Any] | None = None) -> bool:  # fmt: skip
    """Each record with a usable id -> its account; ids not seen in an earlier file open new accounts.
    True when every such record opened an account of its own (no id there twice: nothing to count)."""
    if len(accounts.known):
        found = pc.index_in(ids, value_set=accounts.known).to_numpy(zero_copy_only=False)
        seen = usable & ~np.isnan(found)
        pos[seen] = accounts.known_at[found[seen].astype(np.int64)]
        new = usable & np.isnan(found)
    else:
        new = usable
    if not new.any():
        return False
    if not len(accounts) and new.all() and _each_once(ids, f, raw, pos, accounts, listed):
        return True
    distinct = pc.dictionary_encode(ids.filter(pa.array(new)) if not new.all() else ids)
    codes = distinct.indices.to_numpy(zero_copy_only=False)
    base = len(accounts)
    new_records = np.flatnonzero(new)
    if len(distinct.dictionary) == codes.size:  # every new id once: codes are 0, 1, 2, ...
        firsts = new_records
    else:
        _, first = np.unique(codes, return_index=True)
        firsts = new_records[first]
    accounts.ids.extend(as_list(distinct.dictionary))
    accounts.first_file.append(np.full(len(firsts), f))
    accounts.first_row.append(firsts + 2 if raw.row_numbers is None else raw.row_numbers[firsts])
    pos[new_records] = base + codes
    accounts.known = pa.concat_arrays([accounts.known, distinct.dictionary])
    accounts.known_at = np.concatenate([accounts.known_at, base + np.arange(len(distinct.dictionary))])
    return False


def _each_once(ids: pa.Array, f: int, raw: RawTable, pos: np.ndarray, accounts: _Accounts,
               listed: list[Any] | None) -> bool:  # fmt: skip
    """The first file's records as the accounts, in order, when every id is there once (`all_distinct` is
    cheaper than encoding each record by its id)."""
    if not all_distinct(ids):
        return False
    listed = as_list(ids) if listed is None else listed
    records = np.arange(len(listed))
    accounts.ids.extend(listed)
    accounts.first_file.append(np.full(len(listed), f))
    accounts.first_row.append(records + 2 if raw.row_numbers is None else raw.row_numbers)
    pos[:] = records
    accounts.known, accounts.known_at = ids, records
    return True


def _combine(
    path: str,
    columns: list[_Column],
    files: list[MappedFile],
    positions: list[np.ndarray],
    accounts: _Accounts,
    in_order: list[bool],
) -> tuple[np.ndarray, np.ndarray]:
    """One field across files: values per account (numbers in an array, others in a list or an object
    array), with conflicts between files reported. `in_order`: the files whose records are the accounts,
    one for one and in order."""
    n = len(accounts)
    arrays = isinstance(columns[0].parsed.values, np.ndarray)
    as_checked = _as_checked(columns, in_order)
    if as_checked is not None:
        return as_checked
    values = np.full(n, np.nan) if arrays else np.full(n, None, dtype=object)
    have = np.zeros(n, dtype=bool)
    origin_file = np.full(n, -1, dtype=np.int64)
    origin_record = np.full(n, -1, dtype=np.int64)
    for col in columns:
        raw = files[col.file].raw
        for rec, reason in col.parsed.problems:
            a = int(positions[col.file][rec])
            accounts.errors[a].append(FieldProblem(field=path, reason=reason, file=raw.source,
                                                   row=raw.row_of(rec), column=col.header))  # fmt: skip
        for rec, text in col.parsed.notes:
            accounts.notes[int(positions[col.file][rec])].append(
                (path, f"{_where(raw, rec, col.header)}{text}")
            )
        records = np.flatnonzero(col.parsed.present)
        accs = positions[col.file][records]
        new = (col.parsed.values if arrays else objects(col.parsed.values))[records]
        seen = have[accs]
        for k in np.flatnonzero(seen).tolist():  # only where another file gave this field too
            a = int(accs[k])
            if origin_file[a] != col.file and not _same(path, values[a], new[k]):
                _conflict(path, a, (int(origin_file[a]), int(origin_record[a])), (col.file, int(records[k])),
                          col.header, files, accounts)  # fmt: skip
        fresh = ~seen
        values[accs[fresh]] = new[fresh]
        origin_file[accs[fresh]] = col.file
        origin_record[accs[fresh]] = records[fresh]
        have[accs] = True
    return values, have


def _as_checked(columns: list[_Column], in_order: list[bool]) -> tuple[Any, np.ndarray] | None:
    """A field's values as its one column was checked, when there is nothing to join: one file gives it,
    in account order, with nothing to report. None otherwise."""
    only = columns[0]
    if len(columns) == 1 and only.parsed.clean and in_order[only.file]:
        return only.parsed.values, only.parsed.present
    return None


def _early_usage(by_field: dict[str, list[_Column]], in_order: list[bool],
                 built: dict[int, Future[Usage | None]]) -> Usage | None:  # fmt: skip
    """The module usage a file built as its columns were checked (`usage_once_checked`), when it is the only
    file with module columns and its records are the accounts, in order; None otherwise."""
    files = {col.file for path, columns in by_field.items() if path.startswith("product_usage.")
             for col in columns}  # fmt: skip
    only = files.pop() if len(files) == 1 else None
    return built[only].result() if only is not None and in_order[only] else None


def _same(path: str, old: Any, new: Any) -> bool:
    if path in ("name", "owner", "segment"):
        return bool(normalise_label(str(old)) == normalise_label(str(new)))
    return bool(old == new)


def _where(raw: RawTable, rec: int, header: str) -> str:
    return f'{raw.source} row {raw.row_of(rec)}, column "{header}": '


def _conflict(path: str, account: int, first: tuple[int, int], second: tuple[int, int], header: str,
              files: list[MappedFile], accounts: _Accounts) -> None:  # fmt: skip
    (f1, r1), (f2, r2) = first, second
    raw1, raw2 = files[f1].raw, files[f2].raw
    header1 = next(m.header for m in files[f1].mapping.columns if m.field == path)
    text1 = raw1.cell(next(m.index for m in files[f1].mapping.columns if m.field == path), r1)
    text2 = raw2.cell(next(m.index for m in files[f2].mapping.columns if m.field == path), r2)
    said = (f'{raw1.source} row {raw1.row_of(r1)} ("{header1}") says {shown(text1)}, '
            f'{raw2.source} row {raw2.row_of(r2)} ("{header}") says {shown(text2)}')  # fmt: skip
    if path == "name":
        accounts.notes[account].append((path, f"{said}; the first file's name is used"))
        return
    accounts.errors[account].append(FieldProblem(
        field=path, reason=f"the files disagree: {said}; correct one file (or leave one column out with "
        "'ignore' in the mapping) and load again", file=raw2.source, row=raw2.row_of(r2), column=header,
    ))  # fmt: skip


def join_files(
    exports: Sequence[MappedFile | Future[MappedFile]], profile: Profile, pool: Executor | None = None
) -> tuple[AccountTable, LoadReport]:
    """Validated accounts from mapped exports, and the report of every account read. Exports may still be
    being read on `pool`: each file's values are checked there as soon as it is in, queued behind the
    reading still to do, so no more threads run than the pool has."""
    arriving = [_ready(export) for export in exports]
    accounts = _Accounts()
    with ExitStack() as stack:
        if pool is None:
            pool = stack.enter_context(ThreadPoolExecutor(max_workers=WORKERS))
        number = {future: f for f, future in enumerate(arriving)}
        checking: dict[int, dict[str, Future[Parsed]]] = {}
        built: dict[int, Future[Usage | None]] = {}  # module usage, built as each file's columns are checked
        for future in as_completed(arriving):
            if future.exception() is None:
                f = number[future]
                checking[f] = _check_file(future.result(), pool)
                built[f] = usage_once_checked(future.result().raw.rows, checking[f])
        files = [future.result() for future in arriving]  # the first file that failed, in order, says why
        parsed = {(f, m.field): _Column(f, m.header, checking[f][m.field])  # in file and column order
                  for f, mf in enumerate(files) for m in mf.mapping.columns
                  if m.field in checking[f]}  # fmt: skip
        by_field: dict[str, list[_Column]] = defaultdict(list)
        for (_, path), col in parsed.items():
            by_field[path].append(col)
        try:  # the ids are joined here while the pool checks the values
            positions, no_ids = _join_ids(files, accounts), None
        except InputError as exc:
            positions, no_ids = [], exc
        n = len(accounts)
        every = np.arange(n)
        in_order = [pos.size == n and np.array_equal(pos, every) for pos in positions]
        early = _early_usage(by_field, in_order, built) if no_ids is None else None
        _date_questions(files, parsed)  # an ambiguous date order is asked about before a missing id column
        if no_ids is not None:
            raise no_ids
        combined: dict[str, tuple[Any, np.ndarray]] = {
            path: _combine(path, cols, files, positions, accounts, in_order)
            for path, cols in by_field.items()
        }
        # else built on the pool while names and segments are checked
        usage = _ready(early) if early is not None else pool.submit(module_usage, n, combined)
        empty = ([None] * n, np.zeros(n, dtype=bool))
        names, named = combined.get("name", empty)
        _check_names(names, named, files, accounts)
        segments, from_input = _given_segments(combined.get("segment", empty), profile, accounts)
        rejected = np.zeros(n, dtype=bool)
        rejected[list(accounts.errors)] = True
        accepted = np.flatnonzero(~rejected)
        table = _table(accepted, accounts, combined, names, segments, from_input, profile, *usage.result())
    return table, _report(accepted.size, accounts, n)


def _check_names(
    names: np.ndarray | Sequence[Any], named: np.ndarray, files: list[MappedFile], accounts: _Accounts
) -> None:
    """Every account needs a name, of at most MAX_NAME characters."""
    long: list[int] = []
    if not _names_fit(files):  # else no name can be too long: tidying a cell never lengthens it
        rows = np.flatnonzero(named)
        given = _take(names, rows)
        long = rows[np.fromiter(map(len, given), dtype=np.int64, count=rows.size) > MAX_NAME].tolist()
    for a in long:
        f, row = accounts.first_seen(a)
        accounts.errors[a].append(FieldProblem(field="name", reason=too_long("name", names[a], MAX_NAME),
                                               file=files[f].raw.source, row=row))  # fmt: skip
    for a in np.flatnonzero(~named).tolist():
        if accounts.ids[a] is not None:
            f, row = accounts.first_seen(a)
            accounts.errors[a].append(FieldProblem(
                field="name", reason="is required: no file gives this account a name (map a name column)",
                file=files[f].raw.source, row=row,
            ))  # fmt: skip


def _names_fit(files: list[MappedFile]) -> bool:
    """True when no cell of any name column, as read, is longer than MAX_NAME characters (counted by
    Arrow, without making a Python string of each)."""
    for mf in files:
        found = mf.mapping.by_field().get("name")
        if found is None:
            continue
        col = mf.raw.columns[found[0]]
        texts = col.dictionary if pa.types.is_dictionary(col.type) else col
        if not pa.types.is_string(texts.type):
            return False
        if longest_bytes(texts) <= MAX_NAME:  # no text has more characters than bytes
            continue
        longest = pc.max(pc.utf8_length(texts)).as_py()
        if longest is not None and longest > MAX_NAME:
            return False
    return True


def _given_segments(given: tuple[Any, np.ndarray], profile: Profile, accounts: _Accounts
                    ) -> tuple[Sequence[str], np.ndarray]:  # fmt: skip
    """Each account's segment (the profile's default where none is given, for now) and whether the account
    gave it; a segment the profile does not know rejects the account. Each spelling is looked up once."""
    texts, has_segment = given
    default = profile.default_segment
    if not has_segment.any():
        return [default] * len(has_segment), has_segment
    column = texts if isinstance(texts, Coded) else Coded.encode(texts)
    codes = column.positions()  # never -1 (the last value): values are added below
    aliases = profile.segment_aliases()
    keys = [None if text is None else aliases.get(text) or aliases.get(normalise_label(text))
            for text in column.values]  # fmt: skip
    unknown = np.array([key is None for key in keys])[codes] & has_segment
    known = ", ".join(profile.segments)
    for a in np.flatnonzero(unknown).tolist():
        reason = f"{shown(column[a])} is not a known segment ({known})"
        accounts.errors[a].append(FieldProblem(field="segment", reason=reason))
    codes = codes if has_segment.all() else np.where(has_segment, codes, len(keys))  # not given: the default
    return Coded([key or default for key in keys] + [default], codes), has_segment & ~unknown


def _take(values: np.ndarray | Sequence[Any], rows: np.ndarray) -> Sequence[Any]:
    """values[rows]: from an object array as a list; a coded column stays coded; a list as a list (the
    column itself when every row is taken)."""
    if isinstance(values, np.ndarray):
        return as_list(values[rows])
    return values if rows.size == len(values) else take_rows(values, rows)


def _table(
    accepted: np.ndarray,
    accounts: _Accounts,
    combined: dict[str, tuple[Any, np.ndarray]],
    names: np.ndarray | Sequence[Any],
    segments: Sequence[str],
    from_input: np.ndarray,
    profile: Profile,
    usage: ModuleColumns,
    uses_modules: np.ndarray,
) -> AccountTable:
    """The engine's table of the accepted accounts, taken from the joined columns (`usage`: every
    account's module usage; `uses_modules`: whether it lists any)."""
    keep = accepted.astype(np.intp)
    size = keep.size
    everyone = size == len(accounts)  # nothing rejected: the joined columns are the table's as they are

    def kept(column: np.ndarray) -> np.ndarray:  # may be the reader's read-only memory: the engine never
        return column[keep] if not everyone else column  # writes into a table, it takes a copy first

    values: dict[str, np.ndarray] = {}
    labels: dict[str, Sequence[Any]] = {}
    present: dict[str, np.ndarray] = {}
    lists: dict[str, Sequence[Any]] = {}
    for rule in (*TOP_RULES, *SECTION_RULES):
        got, have = combined.get(rule.path, (None, None))
        mask = np.zeros(size, dtype=bool) if have is None else kept(have)
        present[rule.path] = mask
        if rule.kind in _ARRAY_KINDS:
            if got is None:
                fill = np.nan if rule.fallback is None else float(rule.fallback)
                values[rule.path] = np.full(size, fill)
            elif rule.fallback is not None and not mask.all():
                column = np.asarray(got, dtype=float)
                values[rule.path] = np.where(mask, column if everyone else column[keep], float(rule.fallback))
            else:
                values[rule.path] = kept(np.asarray(got, dtype=float))
            continue
        picked = [None] * size if got is None else _take(got, keep)
        if rule.kind == "label" and not mask.all():  # a value is there exactly where the account gave one
            picked = filled(picked, rule.fallback)
        (lists if rule.kind in ("tier_list", "text_list") else labels)[rule.path] = picked
    modules = usage if everyone else usage.take(keep)
    present["product_usage"] = kept(uses_modules)
    src = ["input"] * size
    seg = _segments_from_arr(np.where(present["arr"], values["arr"], np.nan), _take(segments, keep), src,
                             ~kept(from_input), profile, accepted, accounts)  # fmt: skip
    # An account without a usable id is always rejected, so every accepted one has its id.
    ids = cast(list[str], list(accounts.ids) if everyone else [accounts.ids[a] for a in accepted.tolist()])
    kept_names = _take(names, keep)  # a name column that repeats may be coded: the table's names are a list
    kept_names = kept_names if isinstance(kept_names, list) else list(kept_names)
    return AccountTable(ids, kept_names, seg, src, values, labels, present, lists, modules)


def _segments_from_arr(arr: np.ndarray, given: Sequence[str], sources: list[str], missing: np.ndarray,
                       profile: Profile, accepted: np.ndarray, accounts: _Accounts
                       ) -> Sequence[str]:  # fmt: skip
    """The segments, `derive_segments`'s (the one statement of the ARR ladder) for the accounts that gave
    none (their `sources` set to say where it came from)."""
    rows = np.flatnonzero(missing).tolist()
    if not rows:
        return given
    segments = list(given)
    seg, src = [segments[r] for r in rows], ["default"] * len(rows)
    found = Problems()
    derive_segments(arr[rows], seg, src, profile, found)
    for r, segment, source in zip(rows, seg, src, strict=True):
        segments[r], sources[r] = segment, source
    for i, items in sorted(found.notes.items()):
        accounts.notes[int(accepted[rows[i]])].extend(items)
    return segments


def _report(accepted: int, accounts: _Accounts, total: int) -> LoadReport:
    rejections = [Rejection(index=a, customer_id=accounts.ids[a], problems=problems)
                  for a, problems in sorted(accounts.errors.items())]  # fmt: skip
    notes = [DataNote(index=a, customer_id=accounts.ids[a], field=path, note=text)
             for a in sorted(accounts.notes) if a not in accounts.errors
             for path, text in accounts.notes[a]]  # fmt: skip
    return LoadReport(total=total, accepted=accepted, rejected=len(rejections), rejections=rejections,
                      notes=notes)  # fmt: skip
