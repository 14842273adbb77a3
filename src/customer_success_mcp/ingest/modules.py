"""Module usage from an export's columns: `product_usage.<module>.adopted` and `.usage_pct`, one column
each, as the engine's `ModuleColumns` (one entry per account and module)."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from typing import Any

import numpy as np

from customer_success_mcp.ingest.cells import Parsed
from customer_success_mcp.ingest.textscan import pooled
from customer_success_mcp.scoring.table import ENTRY_INT, ModuleColumns

Usage = tuple[ModuleColumns, np.ndarray]  # every account's module usage, and which accounts list any


def module_usage(n: int, combined: dict[str, tuple[Any, np.ndarray]]) -> Usage:
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
    rows = pooled(sum(sizes), ENTRY_INT)  # in Arrow's pool: memory the reader gave back, not fresh pages
    adopted = pooled(rows.size, np.bool_)
    usage_pct = pooled(rows.size, np.float64)
    at = 0
    for (listed, flags, pcts), size in zip(columns, sizes, strict=True):
        entries = slice(at, at + size)
        where = np.flatnonzero(listed)  # taking these rows: half the time of compressing by `listed`
        rows[entries] = where
        if flags is not None:
            np.greater(flags.take(where), 0, out=adopted[entries])
        else:
            adopted[entries] = False
        if pcts is not None:
            np.take(pcts, where, out=usage_pct[entries])
            np.copyto(usage_pct[entries], 0.0, where=np.isnan(usage_pct[entries]))
        else:
            usage_pct[entries] = 0.0  # a module flagged without a usage figure: 0
        at += size
    numbers = pooled(rows.size, ENTRY_INT)  # a module's number is its rank
    at = 0
    for number, size in enumerate(sizes):
        numbers[at : at + size] = number
        at += size
    return ModuleColumns(tuple(names), n, rows, numbers, numbers, adopted.view(np.int8), usage_pct), anywhere


def usage_once_checked(rows: int, checks: dict[str, Future[Parsed]]) -> Future[Usage | None]:
    """One file's module usage, built by the thread that checks the last of its module columns (often
    while a larger file is still being read), in case the file's records turn out to be the accounts in
    order and it is the only file with module columns (`join_files` decides). None when the file has no
    module columns, or one failed its check or has something to report: the join builds usage then."""
    mine = [(path, check) for path, check in checks.items() if path.startswith("product_usage.")]
    built: Future[Usage | None] = Future()
    if not mine:
        built.set_result(None)
        return built
    left, lock = [len(mine)], threading.Lock()

    def build(_: Future[Parsed]) -> None:
        with lock:
            left[0] -= 1
            if left[0]:
                return
        try:
            built.set_result(_usage_if_clean(rows, mine))
        except Exception as exc:  # handed to whoever waits for the usage
            built.set_exception(exc)

    for _, check in mine:
        check.add_done_callback(build)
    return built


def _usage_if_clean(rows: int, mine: list[tuple[str, Future[Parsed]]]) -> Usage | None:
    given = {}
    for path, check in mine:
        if check.exception() is not None or not check.result().clean:
            return None
        given[path] = (check.result().values, check.result().present)
    return module_usage(rows, given)
