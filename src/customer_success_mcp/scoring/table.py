"""The engine's input: validated accounts as columns, one array per input field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class AccountTable:
    """Accepted accounts in column form.

    `values` holds numbers, flags (0/1) and dates (proleptic ordinals) with the contract's
    fallback already filled in (NaN where the contract has none); `present` says which
    inputs the account actually supplied. `labels` holds vocabulary fields (normalised
    text). `records` keeps each account's validated mapping for the list-shaped sections
    (modules, departments, tiers) that do not fit a column.
    """

    ids: list[str]
    names: list[str]
    segments: list[str]
    segment_source: list[str]
    values: dict[str, np.ndarray]
    labels: dict[str, list[Any]]
    present: dict[str, np.ndarray]
    records: list[dict[str, Any]]

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
            segments=[self.segments[i] for i in pick],
            segment_source=[self.segment_source[i] for i in pick],
            values={k: v[idx] for k, v in self.values.items()},
            labels={k: [v[i] for i in pick] for k, v in self.labels.items()},
            present={k: v[idx] for k, v in self.present.items()},
            records=[self.records[i] for i in pick],
        )

    def value(self, path: str, row: int) -> float | None:
        """One account's input (fallback included); None where there is neither."""
        v = float(self.values[path][row])
        return None if v != v else v

    def supplied(self, path: str, row: int) -> bool:
        return bool(self.present[path][row])

    def label(self, path: str, row: int) -> Any:
        return self.labels[path][row]

    def section(self, name: str, row: int) -> Any:
        return self.records[row].get(name)

    def index_of(self, customer_id: str) -> int | None:
        try:
            return self.ids.index(customer_id)
        except ValueError:
            return None
