"""Module usage as arrays (`scoring.table.ModuleColumns`) reads back as each account's own mapping.

The engine keeps every account's `product_usage` as one entry per (account, module) with the account's
row and the module's rank in its list; `of`, `per_account` and `take` must give back exactly the
mappings the accounts were built from, in their own order, whichever way `take` finds the entries.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from customer_success_mcp.scoring.table import ModuleColumns

MODULES = ["sso", "api", "audit", "zeta", "alpha"]
percent = st.one_of(st.integers(0, 100), st.floats(0, 100))
entry = st.fixed_dictionaries({}, optional={"adopted": st.booleans(), "usage_pct": percent})
usage = st.one_of(st.none(), st.dictionaries(st.sampled_from(MODULES), entry, max_size=5))


def as_read(mapping: dict[str, dict[str, Any]] | None) -> dict[str, dict[str, Any]]:
    """What the arrays give back: the same modules in the same order, numbers as floats."""
    return {module: {k: float(v) if k == "usage_pct" else v for k, v in e.items()}
            for module, e in (mapping or {}).items()}  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(usage, max_size=40), st.data())
def test_module_usage_reads_back_per_account_whatever_rows_are_taken(accounts, data) -> None:
    columns = ModuleColumns.from_dicts(accounts)
    expected = [as_read(m) for m in accounts]
    assert columns.per_account() == expected
    assert columns.counts.tolist() == [len(m or {}) for m in accounts]
    n = len(accounts)
    picked = data.draw(st.lists(st.integers(0, n - 1), max_size=2 * n) if n else st.just([]))
    in_order = sorted(set(data.draw(st.lists(st.integers(0, n - 1), max_size=n) if n else st.just([]))))
    fresh = ModuleColumns.from_dicts(accounts)  # no index built yet: most accounts in order use a mask
    for source, rows in ((columns, picked), (fresh, in_order), (columns, in_order)):
        taken = source.take(np.asarray(rows, dtype=np.int64))
        assert taken.accounts == len(rows)
        assert taken.per_account() == [expected[r] for r in rows]


def test_the_same_modules_listed_in_another_order_are_not_the_same_usage() -> None:
    # The order an account lists its modules in breaks ties between equal cross-sells: equality keeps it.
    sso, api = {"adopted": False}, {"usage_pct": 5}
    assert ModuleColumns.from_dicts([{"sso": sso, "api": api}]) == ModuleColumns.from_dicts(
        [{"sso": sso, "api": api}]
    )
    assert ModuleColumns.from_dicts([{"sso": sso, "api": api}]) != ModuleColumns.from_dicts(
        [{"api": api, "sso": sso}]
    )


def test_a_module_name_with_an_unpaired_surrogate_is_kept_as_given() -> None:
    # A command-line argument with a byte that is not UTF-8 reaches Python as an unpaired surrogate; a
    # what-if on such a module name once crashed building the arrays.
    odd = "mod\udcff"
    columns = ModuleColumns.from_dicts([{odd: {"adopted": True}}, None])
    assert columns.per_account() == [{odd: {"adopted": True}}, {}]
