"""The engine's input: validated accounts as columns, one array per input field."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import repeat
from typing import Any

import numpy as np
import pyarrow as pa

from customer_success_mcp.scoring.coded import take_rows

LIST_FIELDS = ("departments.current", "departments.potential", "contract.available_tiers")
ENTRY_INT = np.int32  # rows, ranks and module numbers of module entries: half the memory of int64


@dataclass(frozen=True, eq=False)
class ModuleColumns:
    """Every account's `product_usage` as flat arrays, one entry per (account, module), in no set order.

    `rows` says whose entry it is and `rank` where the account lists that module: an account's modules in
    rank order are its own order (which breaks ties between equal opportunities). `adopted` is 1 or 0, or
    -1 where the entry does not say (read as not adopted); `usage_pct` is NaN where it does not say (read
    as 0). The per-account index that `of` reads is built the first time it is needed.
    """

    names: tuple[str, ...]  # the distinct module names; `module` indexes them
    accounts: int
    rows: np.ndarray  # ENTRY_INT per entry
    rank: np.ndarray  # ENTRY_INT per entry
    module: np.ndarray  # ENTRY_INT per entry
    adopted: np.ndarray  # int8 per entry
    usage_pct: np.ndarray  # float64 per entry

    @classmethod
    def none(cls, accounts: int) -> ModuleColumns:
        """No account names a module."""
        empty = np.zeros(0, ENTRY_INT)
        return cls((), accounts, empty, empty, empty, empty.astype(np.int8), empty.astype(float))

    @classmethod
    def from_dicts(cls, per_account: Sequence[dict[str, dict[str, Any]] | None]) -> ModuleColumns:
        """From each account's checked `product_usage` mapping (None: the account gave none)."""
        filled = [m for m in per_account if m]
        counts = np.fromiter((len(m) if m else 0 for m in per_account), np.int64, len(per_account))
        keys = [k for m in filled for k in m]
        entries = [e for m in filled for e in m.values()]
        names = tuple(dict.fromkeys(keys))  # any text a key may hold, unpaired surrogates included
        number = {name: i for i, name in enumerate(names)}
        adopted = pa.array(list(map(dict.get, entries, repeat("adopted"))), pa.bool_())
        usage = pa.array(list(map(dict.get, entries, repeat("usage_pct"))), pa.float64())
        rows = np.repeat(np.arange(len(per_account), dtype=ENTRY_INT), counts)
        firsts = np.concatenate(([0], np.cumsum(counts)))[:-1].astype(ENTRY_INT)
        return cls(
            names=names,
            accounts=len(per_account),
            rows=rows,
            rank=np.arange(rows.size, dtype=ENTRY_INT) - np.repeat(firsts, counts),
            module=np.fromiter(map(number.__getitem__, keys), ENTRY_INT, len(keys)),
            adopted=np.where(adopted.is_null().to_numpy(zero_copy_only=False), -1,
                             adopted.fill_null(False).to_numpy(zero_copy_only=False)).astype(np.int8),
            usage_pct=usage.to_numpy(zero_copy_only=False).astype(float),
        )  # fmt: skip

    def __eq__(self, other: object) -> bool:
        """The same usage for every account, its modules in the same order, however the entries are stored
        and the names numbered."""
        mine, theirs = self.per_account(), other.per_account() if isinstance(other, ModuleColumns) else None
        return theirs is not None and [list(m.items()) for m in mine] == [list(m.items()) for m in theirs]

    __hash__ = None  # type: ignore[assignment]

    @property
    def counts(self) -> np.ndarray:
        """Modules named per account."""
        return np.bincount(self.rows, minlength=self.accounts)

    @cached_property
    def _by_account(self) -> tuple[np.ndarray, np.ndarray]:
        """(entries in account then rank order, where each account's entries start in it)."""
        order = np.lexsort((self.rank, self.rows))
        return order, np.searchsorted(self.rows[order], np.arange(self.accounts + 1))

    def of(self, row: int) -> dict[str, dict[str, Any]]:
        """One account's `product_usage` as the contract writes it: module -> the fields it gave."""
        order, starts = self._by_account
        out: dict[str, dict[str, Any]] = {}
        for i in order[int(starts[row]) : int(starts[row + 1])].tolist():
            entry: dict[str, Any] = {}
            if self.adopted[i] >= 0:
                entry["adopted"] = bool(self.adopted[i])
            if self.usage_pct[i] == self.usage_pct[i]:
                entry["usage_pct"] = float(self.usage_pct[i])
            out[self.names[int(self.module[i])]] = entry
        return out

    def per_account(self) -> list[dict[str, dict[str, Any]]]:
        """Every account's `product_usage` mapping (empty where it named none), built in one pass; equal
        entries are one shared dict (read them, do not change them)."""
        order, _ = self._by_account
        out: list[dict[str, dict[str, Any]]] = [{} for _ in range(self.accounts)]
        names = self.names
        columns = (self.rows[order].tolist(), self.module[order].tolist(), self.adopted[order].tolist(),
                   self.usage_pct[order].tolist())  # fmt: skip
        shared: dict[tuple[int, float], dict[str, Any]] = {}  # one entry per distinct (adopted, usage)
        for row, module, adopted, usage in zip(*columns, strict=True):
            entry = shared.get((adopted, usage))
            if entry is None:
                entry = shared[(adopted, usage)] = {}
                if adopted >= 0:
                    entry["adopted"] = adopted == 1
                if usage == usage:
                    entry["usage_pct"] = usage
            out[row][names[module]] = entry
        return out

    def take(self, rows: np.ndarray) -> ModuleColumns:
        """The entries of the given accounts, renumbered in that order."""
        rows = np.asarray(rows, dtype=np.int64)
        indexed = "_by_account" in self.__dict__ or rows.size * 16 < self.accounts  # a few: through the index
        if not indexed and rows.size and np.all(rows[1:] > rows[:-1]):  # most, in the same order: no sort
            position = np.full(self.accounts, -1, dtype=np.int64)
            position[rows] = np.arange(rows.size)
            new = position[self.rows]
            pick = np.flatnonzero(new >= 0)
            new_rows = new[pick].astype(ENTRY_INT)
        else:
            order, starts = self._by_account
            counts = starts[rows + 1] - starts[rows]
            firsts = np.concatenate(([0], np.cumsum(counts)))[:-1]
            pick = order[np.repeat(starts[rows] - firsts, counts) + np.arange(int(counts.sum()))]
            new_rows = np.repeat(np.arange(rows.size, dtype=ENTRY_INT), counts)
        return ModuleColumns(self.names, rows.size, new_rows, self.rank[pick], self.module[pick],
                             self.adopted[pick], self.usage_pct[pick])  # fmt: skip


@dataclass(frozen=True)
class AccountTable:
    """Accepted accounts in column form.

    `values` holds numbers, flags (0/1) and dates (proleptic ordinals) with the contract's
    fallback already filled in (NaN where the contract has none); `present` says which
    inputs the account actually supplied. `labels` holds vocabulary fields (normalised
    text); `lists` the list-shaped fields of `LIST_FIELDS` (None where not given); `modules`
    every account's module usage. Segments, labels and lists are lists, or `Coded` columns
    (as an import reads them): read them as sequences.
    """

    ids: list[str]
    names: list[str]
    segments: Sequence[str]
    segment_source: list[str]
    values: dict[str, np.ndarray]
    labels: dict[str, Sequence[Any]]
    present: dict[str, np.ndarray]
    lists: dict[str, Sequence[list[str] | None]]
    modules: ModuleColumns

    @property
    def size(self) -> int:
        return len(self.ids)

    def __len__(self) -> int:
        return len(self.ids)

    def take(self, rows: np.ndarray | list[int]) -> AccountTable:
        """A new table of the given rows, in that order."""
        idx = np.asarray(rows, dtype=np.intp)
        pick = idx.tolist()
        return AccountTable(
            ids=[self.ids[i] for i in pick],
            names=[self.names[i] for i in pick],
            segments=take_rows(self.segments, idx),
            segment_source=[self.segment_source[i] for i in pick],
            values={k: v[idx] for k, v in self.values.items()},
            labels={k: take_rows(v, idx) for k, v in self.labels.items()},
            present={k: v[idx] for k, v in self.present.items()},
            lists={k: take_rows(v, idx) for k, v in self.lists.items()},
            modules=self.modules.take(idx),
        )

    def value(self, path: str, row: int) -> float | None:
        """One account's input (fallback included); None where there is neither."""
        v = float(self.values[path][row])
        return None if v != v else v

    def supplied(self, path: str, row: int) -> bool:
        return bool(self.present[path][row])

    def label(self, path: str, row: int) -> Any:
        return self.labels[path][row]

    def listed(self, path: str, row: int) -> list[str]:
        """One account's list field; empty where it gave none."""
        return self.lists[path][row] or []

    def index_of(self, customer_id: str) -> int | None:
        try:
            return self.ids.index(customer_id)
        except ValueError:
            return None
