"""Loading and inspecting exports: JSON, or one or more CSV / Excel files joined on the account id.

The interface is bytes in, `LoadedPortfolio` out: the caller reads the files (the server through its
allowed-directory checks) and passes `(name, bytes)` pairs. A mapping saved from an earlier load is
looked up through `saved`, a function from a source key to what was saved (or None).
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from customer_success_mcp.fileio import FileReadError, read_regular_file
from customer_success_mcp.formatting import plural
from customer_success_mcp.ingest.cells import FALSE_WORDS, TRUE_WORDS, parse_column
from customer_success_mcp.ingest.columns import SECTION_RULES, TOP_RULES
from customer_success_mcp.ingest.join import WORKERS, MappedFile, join_files
from customer_success_mcp.ingest.load import (
    DEFAULT_MAX_FILE_BYTES,
    InputError,
    LoadedPortfolio,
    gc_paused,
    load_bytes,
)
from customer_success_mcp.ingest.mapping import (
    FileMapping,
    MappingSpec,
    field_rule,
    is_ratio,
    normalise_header,
    propose_mapping,
    source_key,
)
from customer_success_mcp.ingest.report import ExportInspection, FileImport
from customer_success_mcp.ingest.tabular import ColumnKinds, RawTable, read_table, source_format
from customer_success_mcp.ingest.textscan import as_list
from customer_success_mcp.scoring.coded import take_rows
from customer_success_mcp.scoring.profile import Profile
from customer_success_mcp.scoring.table import AccountTable

Source = tuple[str, bytes]
SavedLookup = Callable[[str], dict[str, Any] | None]
SAMPLE_ROWS = 3
PROCESSORS = os.cpu_count() or 1
MOSTLY = 0.75  # an export holding more of the bytes than this is read on the reader's own threads
_DISTINCT_TEXTS = ("customer_id", "name")  # a different text in (nearly) every row: read as plain text


def _check_sources(sources: Sequence[Source], spec: MappingSpec | None) -> bool:
    """True for one JSON portfolio; raises where JSON is mixed with tables or given a column mapping."""
    if not sources:
        raise InputError("no file given")
    formats = [source_format(name, data) for name, data in sources]
    if "json" not in formats:
        names = [name for name, _ in sources]
        if len(set(names)) < len(names):
            raise InputError(f"two exports have the same name ({', '.join(names)}); rename one")
        return False
    if len(sources) > 1:
        raise InputError(
            "a JSON portfolio is complete on its own and cannot be joined with other files; load it alone, "
            "or give only CSV and Excel exports"
        )
    if spec is not None and (spec.columns or spec.files):
        raise InputError("a column mapping applies to CSV and Excel exports; a JSON portfolio needs none")
    return True


def _propose(
    name: str, headers: list[str], spec: MappingSpec | None, saved: SavedLookup | None
) -> FileMapping:
    remembered = saved(source_key(headers)) if saved is not None else None
    return propose_mapping(name, headers, spec, remembered)


def read_sources(
    sources: Sequence[Source],
    spec: MappingSpec | None = None,
    saved: SavedLookup | None = None,
    *,
    convert_numbers: bool = True,
) -> list[MappedFile]:
    """Each export read and its headers mapped (explicit mapping, then a saved one, then the synonyms).

    With `convert_numbers`, the CSV reader converts the columns mapped to numeric fields itself where
    their values are plain numbers (faster than casting text afterwards), reads flag columns as true/false
    where they spell yes and no one way, and dictionary-encodes the columns whose texts repeat (labels,
    dates, lists, owners); `inspect` keeps the text."""
    with ThreadPoolExecutor(max_workers=WORKERS) as readers:
        reading = start_reading(sources, readers, spec, saved, convert_numbers=convert_numbers, listing=False)
        return [future.result() for future in reading]  # the first that fails, in order, says why


def start_reading(
    sources: Sequence[Source],
    readers: Executor,
    spec: MappingSpec | None = None,
    saved: SavedLookup | None = None,
    *,
    convert_numbers: bool = True,
    listing: bool = True,
) -> list[Future[MappedFile]]:
    """`read_sources` on `readers` (as many files at once as it has threads), started in the order
    `read_order` gives (the reader releases the GIL); the futures in the order given. A saved mapping is
    looked up one file at a time. With `listing`, for `join_files`: the thread that reads a file also makes
    Python lists of its names and (first file only) its ids (`_list_texts`)."""
    lock = threading.Lock()

    def propose(name: str, headers: list[str]) -> FileMapping:
        with lock:
            return _propose(name, headers, spec, saved)

    def read_one(i: int, threads: bool) -> MappedFile:
        name, data = sources[i]
        chosen: list[FileMapping] = []

        def plan(headers: list[str]) -> ColumnKinds:
            chosen.append(propose(name, headers))
            kinds = ColumnKinds(yes_words=TRUE_WORDS, no_words=FALSE_WORDS)
            for match in chosen[-1].columns:
                rule = field_rule(match.field)
                if rule is not None and rule.kind in ("number", "integer"):
                    kinds.numbers.add(match.index)
                elif rule is not None and rule.kind == "flag":
                    kinds.flags.add(match.index)
                elif match.field not in _DISTINCT_TEXTS:
                    kinds.repeating.add(match.index)
            return kinds

        raw = read_table(name, data, plan if convert_numbers else None, threads=threads)
        mapped = MappedFile(raw, chosen[-1] if chosen else propose(name, raw.headers))
        if listing:
            _list_texts(mapped, ("customer_id", "name") if i == 0 else ("name",))
        return mapped

    order = read_order([len(data) for _, data in sources])
    started = {i: readers.submit(read_one, i, threads) for i, threads in order}
    return [started[i] for i in range(len(sources))]


def _list_texts(mf: MappedFile, fields: tuple[str, ...]) -> None:
    """These columns of the export as Python lists, made by the thread that read it, while the other threads
    are reading too: made later, beside the threads checking values, they would hold the GIL against them.
    Ids of the first file only (they become the accounts; later files' ids are joined in Arrow)."""
    for wanted in fields:
        found = mf.mapping.by_field().get(wanted)
        if found is not None and pa.types.is_string(mf.raw.columns[found[0]].type):
            mf.raw.listed[found[0]] = as_list(mf.raw.columns[found[0]])


def read_order(sizes: Sequence[int]) -> list[tuple[int, bool]]:
    """How to read exports of these sizes: (position, on the reader's own threads?) in the order to start
    them. Largest first, each on one thread, side by side: on this project's 2-core machine that reads four
    exports in about three quarters of the time the reader takes sharing each file out over its threads,
    one file after another. The reader's threads are used where there are fewer exports than processors,
    and for an export holding most of the bytes (more than `MOSTLY`), which would otherwise keep one thread
    busy long after the others are done."""
    total, spare = sum(sizes), len(sizes) < PROCESSORS
    ranked = sorted(range(len(sizes)), key=lambda i: -sizes[i])
    return [(i, spare or sizes[i] > MOSTLY * total) for i in ranked]


def file_import(mf: MappedFile) -> FileImport:
    raw, m = mf.raw, mf.mapping
    return FileImport(source=raw.source, format=raw.format, encoding=raw.encoding, delimiter=raw.delimiter,
                      sheet=raw.sheet, rows=raw.rows, columns=m.columns, unmapped=m.unmapped,
                      not_found=m.not_found, hints=m.hints, ignored=m.ignored, date_order=m.date_order,
                      reused_saved_mapping=m.reused, key=m.key)  # fmt: skip


def load_sources(
    sources: Sequence[Source],
    profile: Profile,
    *,
    spec: MappingSpec | None = None,
    saved: SavedLookup | None = None,
    keep_records: bool = False,
) -> LoadedPortfolio:
    """One portfolio from a JSON file, or from CSV / Excel exports joined on the account id."""
    if _check_sources(sources, spec):
        name, data = sources[0]
        return load_bytes(data, profile, name, keep_records=keep_records)
    with gc_paused(), ThreadPoolExecutor(max_workers=WORKERS) as pool:
        reading = start_reading(sources, pool, spec, saved)
        table, report = join_files(reading, profile, pool)  # a file's values checked once it is read
        loaded = LoadedPortfolio(table, report, {}, records_from_table(table) if keep_records else None)
    loaded.imports = [file_import(future.result()) for future in reading]
    return loaded


# --------------------------------------------------------------------------- inspect


def _issues(raw: RawTable, mf: MappedFile) -> list[str]:
    issues = []
    if "customer_id" not in mf.mapping.by_field():
        issues.append("no column holds the account id: map one, or this file cannot be joined")
    for match in mf.mapping.columns:
        rule = field_rule(match.field)
        if rule is None:
            continue
        percent = normalise_header(match.header).percent
        parsed = parse_column(raw.columns[match.index], rule, match.header, percent_header=percent,
                              ratio=is_ratio(match.field), date_order=mf.mapping.date_order)  # fmt: skip
        if parsed.date_question:
            issues.append(parsed.date_question)
        if parsed.problems:
            rec, reason = parsed.problems[0]
            values = plural(len(parsed.problems), "value")
            issues.append(f'column "{match.header}" ({match.field}): {values} would '
                          f"be rejected; first, row {raw.row_of(rec)}: {reason}")  # fmt: skip
    for row, reason in raw.malformed[:3]:
        issues.append(f"row {row} {reason}")
    return issues


def inspect_sources(
    sources: Sequence[Source], *, spec: MappingSpec | None = None, saved: SavedLookup | None = None
) -> list[ExportInspection]:
    """What each export holds and how it would be mapped, without loading anything."""
    if _check_sources(sources, spec):
        raise InputError(f"{sources[0][0]} is a JSON portfolio, which needs no mapping; load or validate it")
    out = []
    for mf in read_sources(sources, spec, saved, convert_numbers=False):
        base = file_import(mf).model_dump()
        out.append(ExportInspection(**base, headers=mf.raw.headers, sample=mf.raw.sample(SAMPLE_ROWS),
                                    issues=_issues(mf.raw, mf)))  # fmt: skip
    return out


# --------------------------------------------------------------------------- records for the store


def records_from_table(table: AccountTable) -> list[dict[str, Any]]:
    """The accepted accounts in the JSON contract's shape, supplied fields only (what a snapshot stores)."""
    pairs = zip(table.ids, table.names, strict=True)
    out: list[dict[str, Any]] = [{"customer_id": cid, "name": name} for cid, name in pairs]
    for record, segment, source in zip(out, table.segments, table.segment_source, strict=True):
        if source == "input":
            record["segment"] = segment
    for rule in (*TOP_RULES, *SECTION_RULES):
        given = np.flatnonzero(table.present[rule.path])
        rows = given.tolist()
        if not rows:
            continue
        values: list[Any]
        if rule.path in table.lists:
            values = list(take_rows(table.lists[rule.path], given))
        elif rule.path in table.labels:
            values = list(take_rows(table.labels[rule.path], given))
        else:
            col = table.values[rule.path][rows]
            if rule.kind == "date":
                values = [dt.date.fromordinal(int(v)).isoformat() for v in col]
            elif rule.kind == "flag":
                values = [bool(v) for v in col]
            elif rule.kind == "integer":
                values = [int(v) for v in col]
            else:
                values = col.tolist()
        for r, value in zip(rows, values, strict=True):
            target = out[r] if rule.section is None else out[r].setdefault(rule.section, {})
            target[rule.name] = value
    for record, usage in zip(out, table.modules.per_account(), strict=True):
        if usage:
            record["product_usage"] = usage
    return out


def load_file(path: str | Path, profile: Profile, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> LoadedPortfolio:
    """Read and validate a portfolio file: JSON in the reference format, or one CSV or Excel export.

    The file is read through `fileio.read_regular_file`: a regular file under `max_bytes`, never a pipe
    or device."""
    path = Path(path)
    try:
        data = read_regular_file(path, max_bytes, "raise the size limit to read it")
    except FileReadError as exc:
        raise InputError(str(exc)) from None
    if source_format(path.name, data) != "json":
        return load_sources([(path.name, data)], profile)
    return load_bytes(data, profile, str(path))
