"""Columns of few distinct values (labels, tiers, owners, segments, department lists) held as codes.

An import reads such a column as its distinct texts and each row's position among them; the table keeps
it so instead of a Python object per row. `Coded` reads as a list does (index, iterate, `len`, `==` with
a list, `np.asarray`), so code that reads a row needs no change, and work done per value (a lookup, a
rule) is done once per distinct value with `per_row`, or once per distinct pair of columns with `pairs`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, Generic, TypeVar, overload

import numpy as np

T = TypeVar("T")
R = TypeVar("R")


class Coded(Sequence[T], Generic[T]):
    """Row i's value is `values[codes[i]]`; a code of -1 reads the last value (as in NumPy and Python).
    The values are shared between rows: read them, never change one in place. A value may be held by no
    row (after `take`, or a "not given" added for empty cells), and two may be equal (after
    `with_values`)."""

    __slots__ = ("codes", "values")

    def __init__(self, values: Sequence[T], codes: np.ndarray) -> None:
        self.values: tuple[T, ...] = tuple(values)
        self.codes = codes  # integers; may be the reader's read-only memory, never written

    @classmethod
    def encode(cls, values: Sequence[T] | np.ndarray) -> Coded[T]:
        """A list (or object array) of hashable values, coded in order of first appearance."""
        number: dict[T, int] = {}
        codes = np.fromiter((number.setdefault(v, len(number)) for v in values), np.intp, len(values))
        return cls(list(number), codes)

    def __len__(self) -> int:
        return len(self.codes)

    @overload
    def __getitem__(self, row: int) -> T: ...
    @overload
    def __getitem__(self, row: slice) -> list[T]: ...
    def __getitem__(self, row: int | slice) -> T | list[T]:
        if isinstance(row, slice):
            return list(map(self.values.__getitem__, self.codes[row].tolist()))
        return self.values[self.codes.item(row)]

    def __iter__(self) -> Iterator[T]:
        return map(self.values.__getitem__, self.codes.tolist())

    def __eq__(self, other: object) -> bool:
        """Equal to any list or coded column holding the same values in the same rows."""
        if isinstance(other, (Coded, list)):
            return len(self) == len(other) and list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Coded({list(self)!r})"

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        """The column as a NumPy object array (list values stay lists, never a second axis)."""
        out = objects(self.values)[self.codes]
        return out if dtype is None else out.astype(dtype)

    def positions(self) -> np.ndarray:
        """Each row's position among the values, never -1 (as int64)."""
        codes = self.codes.astype(np.int64)
        if codes.size and codes.min() < 0:
            return np.where(codes < 0, codes + len(self.values), codes)
        return codes

    def take(self, rows: np.ndarray) -> Coded[T]:
        """The given rows, in that order."""
        return Coded(self.values, self.codes[rows])

    def with_values(self, change: Callable[[T], R]) -> Coded[R]:
        """`change` applied to each distinct value, whether a row holds it or not (the rows keep their
        codes)."""
        return Coded([change(v) for v in self.values], self.codes)


def objects(values: Sequence[Any]) -> np.ndarray:
    """A list or coded column as a one-dimensional object array: `np.array` would read lists as a second
    axis."""
    if isinstance(values, Coded):
        return np.asarray(values)
    return np.fromiter(values, dtype=object, count=len(values))


def take_rows(column: Sequence[T], rows: np.ndarray) -> Sequence[T]:
    """column[rows] for a list or a coded column (a coded one stays coded)."""
    if isinstance(column, Coded):
        return column.take(rows)
    return [column[i] for i in np.asarray(rows, dtype=np.intp).tolist()]


def pairs(first: Sequence[T], second: Sequence[R]) -> tuple[list[tuple[T, R]], np.ndarray]:
    """The (first, second) pairs the rows hold, and each row's pair: for two coded columns, each distinct
    pair once (work per pair is then done once); otherwise every row is a pair of its own."""
    if not (isinstance(first, Coded) and isinstance(second, Coded)):
        return list(zip(first, second, strict=True)), np.arange(len(first))
    width = len(second.values)
    distinct, which = np.unique(first.positions() * width + second.positions(), return_inverse=True)
    held = [(first.values[k // width], second.values[k % width]) for k in distinct.tolist()]
    return held, which.reshape(-1)


def filled(column: Sequence[T | None], fallback: T) -> Sequence[T]:
    """The column with `fallback` where a row's value is None (a coded column stays coded)."""
    if isinstance(column, Coded):
        return column.with_values(lambda v: fallback if v is None else v)
    return [fallback if v is None else v for v in column]


def per_row(column: Sequence[T], value_of: Callable[[T], Any], dtype: Any) -> np.ndarray:
    """`value_of` of every row as an array of `dtype`: once per distinct value for a coded column, and only
    for the values some row holds (after `take`, a value may be left that no row holds any more: `value_of`
    need not know it)."""
    if isinstance(column, Coded):
        held = np.zeros(len(column.values), dtype=bool)
        held[column.codes] = True
        found = np.zeros(len(column.values), dtype=dtype)
        for k in np.flatnonzero(held).tolist():
            found[k] = value_of(column.values[k])
        return found[column.codes]
    return np.fromiter(map(value_of, column), dtype=dtype, count=len(column))
