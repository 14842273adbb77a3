"""Reading tabular exports: CSV (any common delimiter and encoding) and XLSX -> columns of text.

Every cell is kept as text (an empty cell is null); turning text into numbers, dates and labels is
`ingest.cells`' job, so both formats go through the same cleaning and the same contract checks.
CSV is parsed by Apache Arrow's multithreaded reader (`pyarrow.csv`); a file it cannot number
exactly (blank lines, rows with the wrong number of cells) is re-read by the standard library's
`csv` module, which is slower but reports every row where a spreadsheet would show it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from customer_success_mcp.ingest.errors import UTF8_BOM, InputError

SourceFormat = Literal["json", "csv", "xlsx"]
CSV_SUFFIXES = {".csv", ".tsv", ".txt"}
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
SNIFF_BYTES = 64 * 1024
ZIP_MAGIC = b"PK\x03\x04"


@dataclass
class RawTable:
    """One export as read: its headers and one text column per header (null where a cell is empty)."""

    source: str
    format: SourceFormat
    headers: list[str]
    columns: list[pa.Array]
    rows: int
    row_numbers: np.ndarray | None = None  # the file's row of each record (header = 1); None: record + 2
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    malformed: list[tuple[int, str]] = field(default_factory=list)  # (row, reason) of unusable rows
    flag_words: tuple[str, str] | None = None  # (yes, no) as spelled in the columns read as true/false
    listed: dict[int, list[Any]] = field(default_factory=dict)  # columns the reading thread made Python lists

    def row_of(self, record: int) -> int:
        """The row a spreadsheet shows for a record (the header is row 1)."""
        return record + 2 if self.row_numbers is None else int(self.row_numbers[record])

    def cell(self, column: int, record: int) -> str | None:
        return self._text(self.columns[column][record].as_py())

    def sample(self, count: int) -> list[dict[str, str | None]]:
        """The first rows, header -> cell text, as a person would look at them."""
        shown = min(count, self.rows)
        texts = [col.slice(0, shown).to_pylist() for col in self.columns]
        return [{h: self._text(texts[j][i]) for j, h in enumerate(self.headers)} for i in range(shown)]

    def _text(self, value: Any) -> str | None:
        """A cell as text: values the reader converted written back as the file has them (yes and no as it
        spells them, numbers as plainly as possible)."""
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, bool) and self.flag_words is not None:
            return self.flag_words[0] if value else self.flag_words[1]
        return f"{value:.15g}" if isinstance(value, float) else str(value)


def source_format(name: str, data: bytes) -> SourceFormat:
    """JSON, CSV or XLSX, by the file's extension, else by its first bytes."""
    suffix = PurePath(name).suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix in (".xls", ".numbers", ".ods"):
        raise InputError(f"{name}: {suffix} files cannot be read; save it as .xlsx or .csv and try again")
    if data.startswith(ZIP_MAGIC):
        return "xlsx"
    head = data[:256].lstrip(UTF8_BOM).lstrip()
    return "json" if head[:1] in (b"{", b"[") else "csv"


@dataclass(frozen=True)
class ColumnKinds:
    """What the mapping expects of some columns (by position), so the CSV reader can do part of the
    work while it parses."""

    numbers: set[int] = field(default_factory=set)  # read as float64 where the first rows are plain numbers
    repeating: set[int] = field(default_factory=set)  # texts checked once per distinct text: read encoded
    flags: set[int] = field(default_factory=set)  # true/false where the first rows spell yes/no one way
    yes_words: frozenset[str] = frozenset()  # what reads as yes and as no, compared case-insensitively
    no_words: frozenset[str] = frozenset()


PlanColumns = Callable[[list[str]], ColumnKinds]


def read_table(name: str, data: bytes, plan: PlanColumns | None = None, *, threads: bool = True) -> RawTable:
    """A CSV or XLSX export as text columns; InputError when it cannot be read as a table at all.

    `plan` says, from the headers, which columns should hold numbers and which hold texts that repeat.
    The CSV reader converts the first itself while parsing, where every value is a plain number (a column
    with one value that is not stays text for `ingest.cells` to clean), and dictionary-encodes the others
    (a column of distinct texts and, per cell, which one); the cells themselves are unchanged. `threads`:
    the CSV reader uses its own threads (off where the caller reads several files side by side)."""
    if source_format(name, data) == "xlsx":
        return read_xlsx(name, data)
    return read_csv(name, data, plan, threads=threads)


# --------------------------------------------------------------------------- CSV


Utf8 = bytes | memoryview  # a file's UTF-8 bytes, or a view of them (no copy of a large export)


def _decoded(name: str, data: bytes) -> tuple[Utf8, str]:
    """UTF-8 bytes for the reader, and the encoding the file was in (BOMs removed)."""
    if data.startswith(UTF8_BOM):
        return memoryview(data)[len(UTF8_BOM) :], "utf-8 with BOM"
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return _recoded(name, data, "utf-16"), "utf-16"
    head = data[:400]
    if len(head) >= 4 and head.count(0) >= len(head) // 3:  # UTF-16 without a BOM: every other byte zero
        order = "utf-16-le" if head[1] == 0 else "utf-16-be"
        return _recoded(name, data, order), order
    return data, "utf-8"


def _recoded(name: str, data: bytes, encoding: str) -> bytes:
    try:
        return data.decode(encoding).lstrip("\ufeff").encode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{name}: not readable as {encoding} text; save the export as UTF-8 CSV") from None


def _from_windows(data: Utf8) -> bytes:
    """Bytes that are not UTF-8 are read as Windows-1252 (Excel's default 'CSV' on Windows)."""
    try:
        return str(data, "cp1252").encode("utf-8")
    except UnicodeDecodeError:  # the five bytes cp1252 leaves undefined: Latin-1 maps every byte
        return str(data, "latin-1").encode("utf-8")


def _sniff(name: str, text: str) -> tuple[str, list[str]]:
    """The delimiter (the one that splits the first rows into the same, largest number of cells) and the
    header row."""
    if PurePath(name).suffix.lower() == ".tsv":
        candidates: tuple[str, ...] = ("\t",)
    else:
        candidates = DELIMITERS
    best: tuple[int, int, int] | None = None
    chosen, header = ",", []
    for rank, delimiter in enumerate(candidates):
        rows = [r for r in itertools.islice(csv.reader(io.StringIO(text), delimiter=delimiter), 30) if r]
        if len(rows) > 1 and not text.endswith("\n"):
            rows = rows[:-1]  # the sample may cut the last row short
        if not rows:
            continue
        width = len(rows[0])
        score = (sum(len(r) == width for r in rows) if width > 1 else 0, width, -rank)
        if best is None or score > best:
            best, chosen, header = score, delimiter, rows[0]
    if not header or not any(h.strip() for h in header):
        raise InputError(f"{name}: no header row; the first row of a CSV export must name its columns")
    return chosen, header


def _header_names(header: list[str]) -> list[str]:
    return [" ".join(h.split()) or f"(column {i + 1})" for i, h in enumerate(header)]


def _sample(utf8: Utf8) -> str:
    """The first rows of the file as text, cut at a line end (never inside a character)."""
    head = bytes(utf8[:SNIFF_BYTES])
    if len(utf8) > SNIFF_BYTES and b"\n" in head:
        head = head[: head.rindex(b"\n") + 1]
    return head.decode("utf-8", errors="replace")


def read_csv(name: str, data: bytes, plan: PlanColumns | None = None, *, threads: bool = True) -> RawTable:
    """A CSV export (comma, semicolon, tab or pipe; UTF-8, UTF-16 or Windows-1252) as text columns."""
    utf8, encoding = _decoded(name, data)
    if encoding == "utf-8" and "\ufffd" in _sample(utf8):
        utf8, encoding = _from_windows(utf8), "windows-1252"
    try:
        return _read_utf8(name, utf8, encoding, plan, threads)
    except _NotUtf8:
        if encoding != "utf-8":
            raise InputError(
                f"{name}: not readable as {encoding} text; save the export as UTF-8 CSV"
            ) from None
        return _read_utf8(name, _from_windows(utf8), "windows-1252", plan, threads)


def _read_utf8(name: str, utf8: Utf8, encoding: str, plan: PlanColumns | None, threads: bool) -> RawTable:
    delimiter, header = _sniff(name, _sample(utf8))
    headers = _header_names(header)
    kinds = plan(headers) if plan else ColumnKinds()
    head = _head(utf8, delimiter, len(headers)) if kinds.numbers or kinds.flags else None
    typed = _plain_numbers(head, kinds.numbers)
    flags, words = _one_spelling(head, kinds)
    encoded = kinds.repeating | (kinds.numbers - typed) | (kinds.flags - flags)
    try:
        try:
            table = _arrow_read(utf8, delimiter, len(headers), typed, encoded, flags, words, threads)
        except pa.ArrowInvalid as exc:
            if not (typed or flags) or "conversion error" not in str(exc).lower():
                raise
            # A later value is not a plain number, or spells yes or no another way: read those as text too.
            everything = encoded | typed | flags
            table = _arrow_read(utf8, delimiter, len(headers), set(), everything, threads=threads)
            words = None
    except _RowsMisnumbered:
        return _read_csv_exactly(name, utf8, encoding, delimiter, headers)
    except pa.ArrowInvalid as exc:
        if "UTF8" in str(exc) or "utf8" in str(exc).lower():
            raise _NotUtf8 from None
        raise InputError(f"{name}: not a readable CSV file ({_arrow_reason(exc)})") from None
    columns = [_column(table.column(i)) for i in range(len(headers))]
    blank = _blank_rows(columns, table.num_rows)
    if not blank.any():
        return RawTable(name, "csv", headers, columns, table.num_rows, encoding=encoding, delimiter=delimiter,
                        flag_words=words)  # fmt: skip
    keep = pa.array(~blank)
    numbers = np.flatnonzero(~blank) + 2
    return RawTable(name, "csv", headers, [c.filter(keep) for c in columns], len(numbers), numbers,
                    encoding, delimiter, flag_words=words)  # fmt: skip


def _column(read: pa.ChunkedArray) -> Any:
    """One column as read: text in one piece (the cell checks work on its bytes), dictionary-encoded text
    with one dictionary for the whole column; numbers and flags the reader converted stay in the reader's
    pieces (they are turned into one NumPy array, once, when checked)."""
    if pa.types.is_floating(read.type) or pa.types.is_boolean(read.type):
        return read
    if pa.types.is_dictionary(read.type):
        read = read.unify_dictionaries()
    return read.combine_chunks()


def _blank_rows(columns: list[pa.Array], rows: int) -> np.ndarray:
    """Rows with no cell filled in: blank lines, read as rows to keep the numbering right; no account."""
    blank = np.ones(rows, dtype=bool)
    for col in columns:
        if col.null_count == 0:
            return np.zeros(rows, dtype=bool)
        blank &= col.is_null().to_numpy(zero_copy_only=False)
    return blank


class _NotUtf8(Exception):
    """Bytes that are not UTF-8 where the reader expected it."""


class _RowsMisnumbered(Exception):
    """A row the fast reader would skip, which would shift every later row number."""


_ENCODED = pa.dictionary(pa.int32(), pa.string())


def arrow_options(
    delimiter: str,
    width: int,
    on_invalid: Any = None,
    numbers: set[int] | frozenset[int] = frozenset(),
    encoded: set[int] | frozenset[int] = frozenset(),
    flags: set[int] | frozenset[int] = frozenset(),
    words: tuple[str, str] | None = None,
    threads: bool = True,
) -> tuple[pa_csv.ReadOptions, pa_csv.ParseOptions, pa_csv.ConvertOptions]:
    """The reader's options: every column as text (but `numbers` as float64, `encoded` as dictionary-encoded
    text, `flags` as true/false spelled exactly as `words`), empty cells as null, quoted newlines allowed;
    with `threads`, the reader shares the file's parsing out over its own threads."""
    names = [f"c{i}" for i in range(width)]
    types = {n: pa.float64() if i in numbers else pa.bool_() if i in flags else _ENCODED if i in encoded
             else pa.string() for i, n in enumerate(names)}  # fmt: skip
    yes, no = words or ("", "")  # "": no cell may read as that value
    return (
        pa_csv.ReadOptions(column_names=names, skip_rows=1, use_threads=threads),
        # Blank lines are read as empty rows (then dropped): rows keep the numbers a spreadsheet shows.
        pa_csv.ParseOptions(delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=False,
                            invalid_row_handler=on_invalid),
        pa_csv.ConvertOptions(column_types=types, null_values=[""], strings_can_be_null=True,
                              quoted_strings_can_be_null=True, true_values=[yes] if yes else [],
                              false_values=[no] if no else []),
    )  # fmt: skip


def _head(utf8: Utf8, delimiter: str, width: int) -> pa.Table | None:
    """The first rows (`SNIFF_BYTES`) as text, to judge what the reader can convert itself."""
    read, parse, convert = arrow_options(delimiter, width, threads=False)  # a sample: no thread pool
    try:
        return pa_csv.read_csv(io.BytesIO(_sample(utf8).encode()), read_options=read, parse_options=parse,
                               convert_options=convert)  # fmt: skip
    except pa.ArrowInvalid:
        return None


def _plain_numbers(head: pa.Table | None, wanted: set[int]) -> set[int]:
    """Of the wanted columns, those whose first rows are all plain numbers (Arrow's parser reads them)."""
    plain: set[int] = set()
    if head is None:
        return plain
    for i in wanted:
        try:
            pc.cast(head.column(i), pa.float64())
        except pa.ArrowInvalid:
            continue
        plain.add(i)
    return plain


def _one_spelling(head: pa.Table | None, kinds: ColumnKinds) -> tuple[set[int], tuple[str, str] | None]:
    """The flag columns, and (yes, no) as they spell them, when their first rows hold at most one spelling
    of yes and one of no between them (a value read as true is then written back as the file had it); no
    columns otherwise. A later cell spelled another way makes the reader fail, and the file is read again
    with these columns as text."""
    if head is None or not kinds.flags:
        return set(), None
    seen = {v for i in kinds.flags for v in head.column(i).to_pylist() if v is not None}
    yes = {v for v in seen if v.casefold() in kinds.yes_words}
    no = {v for v in seen if v.casefold() in kinds.no_words}
    if not seen or len(yes) > 1 or len(no) > 1 or seen != yes | no:
        return set(), None
    return set(kinds.flags), (next(iter(yes), ""), next(iter(no), ""))


def _arrow_read(utf8: Utf8, delimiter: str, width: int, numbers: set[int], encoded: set[int],
                flags: set[int] | frozenset[int] = frozenset(), words: tuple[str, str] | None = None,
                threads: bool = True) -> pa.Table:  # fmt: skip
    skipped: list[int] = []

    def on_invalid(row: Any) -> str:
        skipped.append(1)
        return "skip"

    read, parse, convert = arrow_options(delimiter, width, on_invalid, numbers, encoded, flags, words,
                                         threads)  # fmt: skip
    source = pa.BufferReader(pa.py_buffer(utf8))  # the bytes as they are, not a copy
    table = pa_csv.read_csv(source, read_options=read, parse_options=parse, convert_options=convert)
    if skipped:  # a row with the wrong number of cells: skipping it would shift every later row number
        raise _RowsMisnumbered
    return table


def _arrow_reason(exc: Exception) -> str:
    return str(exc).split("\n")[0][:160]


def _read_csv_exactly(name: str, utf8: Utf8, encoding: str, delimiter: str, headers: list[str]) -> RawTable:
    """The standard library's reader, row by row: exact row numbers, blank rows skipped, bad rows named."""
    reader = csv.reader(io.StringIO(str(utf8, "utf-8"), newline=""), delimiter=delimiter)
    next(reader, None)
    width = len(headers)
    cells: list[list[str | None]] = [[] for _ in headers]
    numbers: list[int] = []
    malformed: list[tuple[int, str]] = []
    try:
        for row_number, row in enumerate(reader, start=2):
            if not any(c.strip() for c in row):
                continue
            if len(row) != width:
                malformed.append(
                    (row_number, f"has {len(row)} cells but the header has {width} "
                                 "(an unquoted delimiter inside a value?)")
                )  # fmt: skip
                continue
            for j, value in enumerate(row):
                cells[j].append(value or None)
            numbers.append(row_number)
    except csv.Error as exc:
        raise InputError(f"{name}: not a readable CSV file (row {reader.line_num}: {exc})") from None
    columns = [pa.array(col, type=pa.string()) for col in cells]
    return RawTable(name, "csv", headers, columns, len(numbers), np.array(numbers, dtype=np.int64),
                    encoding, delimiter, malformed=malformed)  # fmt: skip


# --------------------------------------------------------------------------- XLSX


def _cell_text(value: Any, number_format: str) -> str | None:
    """An Excel cell as the text an export would carry: dates ISO, percentages with their % sign."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float):
        if "%" in number_format:
            return f"{value * 100:.12g}%"
        return repr(value) if isinstance(value, float) else str(value)
    text = str(value)
    return text if text.strip() else None


def read_xlsx(name: str, data: bytes) -> RawTable:
    """The first worksheet of an Excel workbook: the first non-empty row names the columns."""
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError(f"{name}: not a readable .xlsx workbook ({type(exc).__name__})") from None
    try:
        sheet = book.worksheets[0]
        headers: list[str] | None = None
        cells: list[list[str | None]] = []
        numbers: list[int] = []
        for row_number, row in enumerate(sheet.iter_rows(), start=1):
            texts = [_cell_text(c.value, getattr(c, "number_format", "") or "") for c in row]
            if not any(t is not None for t in texts):
                continue
            if headers is None:
                headers = _header_names([t or "" for t in texts])
                cells = [[] for _ in headers]
                continue
            for j in range(len(headers)):
                cells[j].append(texts[j] if j < len(texts) else None)
            numbers.append(getattr(row[0], "row", None) or row_number)
        title = sheet.title
        sheets = len(book.worksheets)
    finally:
        book.close()
    if headers is None:
        raise InputError(f"{name}: the first worksheet is empty")
    columns = [pa.array(col, type=pa.string()) for col in cells]
    shown = title if sheets == 1 else f"{title} (first of {sheets} sheets)"
    return RawTable(name, "xlsx", headers, columns, len(numbers), np.array(numbers, dtype=np.int64),
                    sheet=shown)  # fmt: skip
