"""Module usage from an export's columns: `product_usage.<module>.adopted` and `.usage_pct`, one column
each, as the engine's `ModuleColumns` (one entry per account and module)."""

from __future__ import annotations

from typing import Any

import numpy as np

from customer_success_mcp.scoring.table import ENTRY_INT, ModuleColumns


def module_usage(n: int, combined: dict[str, tuple[Any, np.ndarray]]) -> tuple[ModuleColumns, np.ndarray]:
    """product_usage from `product_usage.<module>.adopted / usage_pct` columns, a module at a time: an
    account lists a module where either column has a value (the other read as 0), its modules ranked in
    name order. Also which accounts list any module. The entries are written straight into arrays of
    their final size."""
    names = sorted({p.split(".")[1] for p in combined if p.startswith("product_usage.")})
    anywhere = np.zeros(n, dtype=bool)
    if not names:
        return ModuleColumns.none(n), anywhere
    columns = []
    for module in names:
        flags, has_flags = combined.get(f"product_usage.{module}.adopted", (None, None))
        pcts, has_pcts = combined.get(f"product_usage.{module}.usage_pct", (None, None))
        given = [has for has in (has_flags, has_pcts) if has is not None]
        listed = given[0] if len(given) == 1 else given[0] | given[1]
        anywhere |= listed
        columns.append((listed, flags, pcts))
    sizes = [int(np.count_nonzero(listed)) for listed, _, _ in columns]
    rows = np.empty(sum(sizes), dtype=ENTRY_INT)
    adopted = np.zeros(rows.size, dtype=bool)
    usage_pct = np.zeros(rows.size)  # a module flagged without a usage figure: 0
    at = 0
    for (listed, flags, pcts), size in zip(columns, sizes, strict=True):
        entries = slice(at, at + size)
        rows[entries] = np.flatnonzero(listed)
        if flags is not None:
            np.compress(listed, flags > 0, out=adopted[entries])
        if pcts is not None:
            np.compress(listed, pcts, out=usage_pct[entries])
            np.copyto(usage_pct[entries], 0.0, where=np.isnan(usage_pct[entries]))
        at += size
    numbers = np.repeat(np.arange(len(names), dtype=ENTRY_INT), sizes)  # a module's number is its rank
    return ModuleColumns(tuple(names), n, rows, numbers, numbers, adopted.view(np.int8), usage_pct), anywhere
