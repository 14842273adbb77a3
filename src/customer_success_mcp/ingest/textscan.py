"""Whole-column shortcuts for text columns: find the few cells that need a closer look without a loop.

The cell checks in `ingest.cells` and `ingest.join` are exact but cost a pass of string work over every
cell. Most cells of a real export cannot fail them: plain printable ASCII with no stray spaces. Those are
found here by scanning the Arrow column's bytes with NumPy (a few milliseconds for 100,000 cells); the
checks then run, unchanged, on the other cells only. A column whose texts repeat (owners, dates, ARR
figures) is instead checked once per distinct text (`per_distinct`) and the results spread back to
every record.

Also here: number and flag columns read straight from the reader's buffers and bitmaps (`as_floats`,
`valid_rows`, `true_rows`), new arrays taken from Arrow's memory pool (`pooled`), and Python lists built a
piece at a time (`as_list`), so that the threads checking columns side by side do not stall each other;
and two questions answered from a column's offsets and bytes: its longest cell (`longest_bytes`) and
whether any text is there twice (`all_distinct`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

SPACE = 0x20
FIRST_NON_ASCII = 0x7F  # DEL (0x7f) is a control character; every byte from 0x80 on is part of non-ASCII text
DISTINCT_SAMPLE = 2048  # the cells looked at to judge whether a column's texts repeat


def plain_rows(col: pa.Array, min_bytes: int = 1, max_bytes: int | None = None) -> np.ndarray | None:
    """True for each cell that holds printable ASCII only (0x20-0x7e), without a space at either end or
    two spaces in a row, and is min_bytes to max_bytes long; False for empty cells and every other one.
    None when the column is not a plain Arrow `string` array (the caller then checks every cell)."""
    if col.type != pa.string():
        return None
    n = len(col)
    offsets, data_buffer = _offsets(col), col.buffers()[2] if n else None
    if offsets is None or data_buffer is None:
        return np.zeros(n, dtype=bool)
    base = int(offsets[0])
    data = np.frombuffer(data_buffer, dtype=np.uint8)[base : int(offsets[-1])]
    lengths = np.diff(offsets)
    lowest, highest = (int(data.min()), int(data.max())) if data.size else (SPACE + 1, SPACE + 1)
    printable = lowest >= SPACE and highest < FIRST_NON_ASCII
    plain = lengths >= max(min_bytes, 1)
    if max_bytes is not None:
        plain &= lengths <= max_bytes
    if col.null_count:
        plain &= valid_rows(col)
    elif printable and lowest > SPACE:  # ids, codes: no space, no odd byte; only the lengths can fail
        return plain
    starts, ends = offsets[:-1] - base, offsets[1:] - base
    space = np.equal(data, SPACE, out=pooled(data.size, np.bool_))  # scratch: no fresh pages
    doubled = np.logical_and(space[:-1], space[1:], out=pooled(max(data.size - 1, 0), np.bool_))
    # Bytes outside printable ASCII, and the first of two spaces in a row, mark the cell they are in.
    marked = [np.flatnonzero(doubled)]
    if not printable:
        marked.append(np.flatnonzero((data < SPACE) | (data >= FIRST_NON_ASCII)))
    for found in marked:
        if found.size:
            plain[np.searchsorted(ends, found, side="right")] = False  # the cell each marked byte lies in
    filled = lengths > 0
    if filled.all():
        plain &= ~(space[starts] | space[ends - 1])
    else:
        cells = np.flatnonzero(filled)
        plain[cells[space[starts[cells]] | space[ends[cells] - 1]]] = False
    return plain


def _offsets(col: pa.Array) -> np.ndarray | None:
    """A `string` column's n + 1 offsets into its bytes, as stored (None when it has no cell)."""
    offsets_buffer = col.buffers()[1] if len(col) else None
    if offsets_buffer is None:
        return None
    return np.frombuffer(offsets_buffer, dtype=np.int32, count=len(col) + 1, offset=4 * col.offset)


def longest_bytes(col: pa.Array) -> int:
    """The most UTF-8 bytes any cell of a `string` column holds, read from its offsets (0 when empty)."""
    offsets = _offsets(col)
    return 0 if offsets is None else int(np.diff(offsets).max())


HASHED_WIDTH = 64  # texts up to this many bytes are told apart by `all_distinct`'s NumPy hashes
_MIX = np.uint64(0x9E3779B97F4A7C15)  # odd: multiplying by it spreads each bit of a word over the higher ones
_LOW_BYTES = np.array([(1 << (8 * k)) - 1 for k in range(9)], dtype=np.uint64)  # a word's first k bytes


def all_distinct(col: pa.Array) -> bool:
    """True when no text of the column appears twice. Cells of up to HASHED_WIDTH bytes are hashed with NumPy,
    8 bytes at a time, and the hashes sorted: no hash twice means no text twice (for 100,000 ids, in a fresh
    process, under half the time of Arrow's hash table, which also builds the distinct texts). A hash seen
    twice (a repeated text, or two texts that happen to hash alike) is settled exactly by Arrow."""
    hashes = _text_hashes(col) if len(col) > 1 and col.type == pa.string() and not col.null_count else None
    if hashes is not None:
        hashes.sort()
        if not np.any(hashes[1:] == hashes[:-1]):
            return True
    return len(pc.unique(col)) == len(col)


def _text_hashes(col: pa.Array) -> np.ndarray | None:
    """A 64-bit hash of each cell's bytes and length (None when a cell is longer than HASHED_WIDTH bytes)."""
    offsets, data_buffer = _offsets(col), col.buffers()[2] if len(col) else None
    if offsets is None or data_buffer is None:
        return None
    lengths = np.diff(offsets)
    width = int(lengths.max())
    if width > HASHED_WIDTH:
        return None
    base, size = int(offsets[0]), int(offsets[-1]) - int(offsets[0])
    padded = pooled(size + width + 8, np.uint8)  # so that 8 bytes can be read from any byte of a cell
    padded[:size] = np.frombuffer(data_buffer, dtype=np.uint8, count=size, offset=base)
    padded[size:] = 0
    # The 8 bytes starting at each byte, as one little-endian word (overlapping views: no copy).
    words = np.ndarray((size + width + 1,), dtype="<u8", buffer=padded, strides=(1,))
    starts = offsets[:-1] - base
    hashes = lengths.astype(np.uint64)
    for at in range(0, width, 8):
        word = words[starts + at]
        left = lengths - at
        if left.min() < 8:  # bytes past a cell's end are not its own
            word &= _LOW_BYTES[np.clip(left, 0, 8)]
        hashes ^= word
        hashes *= _MIX
        hashes ^= hashes >> np.uint64(29)
    return hashes


def bits(buffer: pa.Buffer, offset: int, count: int) -> np.ndarray:
    """An Arrow bitmap as one NumPy bool per value."""
    unpacked = np.unpackbits(np.frombuffer(buffer, np.uint8), bitorder="little", count=offset + count)
    return unpacked[offset:].view(bool)


def valid_rows(col: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """True where the cell is not empty, read from the validity bitmap (about ten times faster than
    Arrow's `is_valid().to_numpy()`, which unpacks it a value at a time)."""
    if isinstance(col, pa.ChunkedArray):
        return _joined([valid_rows(chunk) for chunk in col.chunks], bool)
    validity = col.buffers()[0] if len(col) else None
    if not col.null_count or validity is None:
        return np.full(len(col), not col.null_count, dtype=bool)
    return bits(validity, col.offset, len(col))


def true_rows(col: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A boolean Arrow column as NumPy bools, False where empty (a piece at a time: no Arrow copy)."""
    if isinstance(col, pa.ChunkedArray):
        return _joined([true_rows(chunk) for chunk in col.chunks], bool)
    data_buffer = col.buffers()[1] if len(col) else None
    if data_buffer is None:
        return np.zeros(len(col), dtype=bool)
    data = bits(data_buffer, col.offset, len(col))
    return data & valid_rows(col) if col.null_count else data


def as_floats(col: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A float64 Arrow column as NumPy, NaN where empty: the reader's own memory (read-only) when it is in
    one piece and no cell is empty, else one new array copied from the reader's pieces."""
    chunks = col.chunks if isinstance(col, pa.ChunkedArray) else [col]
    if len(chunks) == 1 and not chunks[0].null_count:
        return chunks[0].to_numpy()
    values = pooled(len(col), np.float64)  # never the reader's memory: Arrow arrays are not written to
    if chunks:
        np.concatenate([_float_buffer(chunk) for chunk in chunks], out=values)
    return blank_gaps(values, valid_rows(col)) if col.null_count else values


def _float_buffer(chunk: pa.Array) -> np.ndarray:
    """A float64 Arrow array's values as stored (whatever an empty slot holds), without a copy."""
    data_buffer = chunk.buffers()[1] if len(chunk) else None
    if data_buffer is None:
        return np.zeros(len(chunk))
    return np.frombuffer(data_buffer, dtype=np.float64, count=len(chunk), offset=8 * chunk.offset)


def _joined(pieces: list[np.ndarray], dtype: type) -> np.ndarray:
    """Arrays read a piece at a time, as one."""
    if len(pieces) == 1:
        return pieces[0]
    if not pieces:
        return np.zeros(0, dtype=dtype)
    return np.concatenate(pieces, out=pooled(sum(map(len, pieces)), dtype))


def pooled(size: int, dtype: type) -> np.ndarray:
    """A new, writable array in Arrow's memory pool, which hands back memory the reader has finished with;
    NumPy would map fresh pages for each large array, which the kernel must first clear."""
    if not size:
        return np.zeros(0, dtype)
    return np.frombuffer(pa.allocate_buffer(size * np.dtype(dtype).itemsize), dtype=dtype, count=size)


def blank_gaps(values: np.ndarray, given: np.ndarray) -> np.ndarray:
    """NaN written into `values` (floats, writable) where not `given`; returns `values`. It multiplies by
    given / given, 1 or NaN: `np.where` or a masked copy on a mask with no pattern costs several times more,
    in branches. (Three whole-column calls, scratch from Arrow's pool: no fresh pages, and few GIL hand-offs
    for a thread checking columns beside others.)"""
    scale = pooled(len(values), np.float64)
    np.copyto(scale, given)
    with np.errstate(invalid="ignore"):  # 0 / 0: NaN, wanted
        np.divide(scale, scale, out=scale)
    return np.multiply(values, scale, out=values)


def as_arrow(values: np.ndarray) -> pa.Array:
    """A NumPy array of numbers as an Arrow array on the same memory. (`pa.array` would first import
    `numpy.ma` to look for a mask: a one-off 10 ms that a short import notices.)"""
    values = np.ascontiguousarray(values)
    return pa.Array.from_buffers(pa.from_numpy_dtype(values.dtype), len(values), [None, pa.py_buffer(values)])


# Arrow values made once, with their type: given a Python value alone, Arrow guesses its type, and the
# first guess in a process imports dateutil (about 16 ms, inside the first import that needs a guess).
NO_TEXT = pa.scalar("", pa.string())

LIST_PIECE = 16_384  # cells made Python objects at a time by `as_list`


def as_list(values: pa.Array | pa.ChunkedArray | np.ndarray) -> list[Any]:
    """Arrow or NumPy values as a Python list, built a piece at a time. One call over 100,000 cells holds the
    GIL for 5 to 10 ms, and each NumPy or Arrow call another thread makes in that time waits as long to
    come back; between pieces the GIL can change hands."""
    if isinstance(values, np.ndarray):
        return values.tolist() if len(values) <= LIST_PIECE else _in_pieces(values, np.ndarray.tolist)
    return values.to_pylist() if len(values) <= LIST_PIECE else _in_pieces(values, _arrow_list)


def _arrow_list(values: pa.Array | pa.ChunkedArray) -> list[Any]:
    return values.to_pylist()


def _in_pieces(values: Any, to_list: Callable[[Any], list[Any]]) -> list[Any]:
    out: list[Any] = []
    for start in range(0, len(values), LIST_PIECE):
        out.extend(to_list(values[start : start + LIST_PIECE]))
    return out


@dataclass
class Distinct:
    """A column's distinct texts (in order of first appearance) and each record's position among them."""

    texts: pa.Array
    indices: np.ndarray  # -1 where the cell is empty (read-only: it may be the reader's memory)


def encoded(col: pa.Array) -> Distinct:
    """The column by its distinct texts (as the reader encoded it, or encoded here)."""
    if not pa.types.is_dictionary(col.type):
        col = pc.dictionary_encode(col)
    indices = col.indices if not col.indices.null_count else pc.fill_null(col.indices, -1)
    return Distinct(col.dictionary, indices.to_numpy(zero_copy_only=False))  # no copy when none is empty


def repeating(col: pa.Array) -> Distinct | None:
    """The column by its distinct texts, when the reader encoded it so, or when they repeat enough for
    checking each once to pay: fewer than half of the first cells are distinct. None otherwise (names,
    ids, free-form figures)."""
    if pa.types.is_dictionary(col.type):
        return encoded(col)
    n = len(col)
    if n < 2 or not pa.types.is_string(col.type):
        return None
    head = col.slice(0, DISTINCT_SAMPLE)
    if len(pc.unique(head)) * 2 > len(head):
        return None
    return encoded(col)


Problem = TypeVar("Problem")


def spread_findings(found: list[tuple[int, Problem]], indices: np.ndarray) -> list[tuple[int, Problem]]:
    """Findings about distinct texts, as findings about every record holding that text (record order; a
    record's own findings keep the order they were found in)."""
    if not found:
        return []
    by_text: dict[int, list[Problem]] = {}
    for k, what in found:
        by_text.setdefault(k, []).append(what)
    hit = np.zeros(int(indices.max(initial=-1)) + 2, dtype=bool)
    hit[list(by_text)] = True
    records = np.flatnonzero(hit[indices])  # index -1 (empty) reads the last slot, always False
    return [(r, what) for r, k in zip(records.tolist(), indices[records].tolist(), strict=True)
            for what in by_text[k]]  # fmt: skip


def spread_values(values: np.ndarray, indices: np.ndarray, empty: float | object) -> np.ndarray:
    """Values of distinct texts as values per record (`empty` where the cell was empty)."""
    lookup = np.empty(len(values) + 1, dtype=values.dtype)
    lookup[:-1] = values
    lookup[-1] = empty
    return lookup[indices]


Parse = TypeVar("Parse")


def per_distinct(col: pa.Array, parse: Callable[[pa.Array], Parse], spread: Callable[[Parse, Distinct], Parse]
                 ) -> Parse:  # fmt: skip
    """`parse` run once per distinct text and spread back to the records; on every cell when the texts do
    not repeat."""
    distinct = repeating(col)
    if distinct is None:
        return parse(col)
    return spread(parse(distinct.texts), distinct)
