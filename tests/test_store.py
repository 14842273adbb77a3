"""SnapshotStore: one immutable snapshot per load, in SQLite (WAL), surviving a reopen."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from customer_success_mcp.store import SnapshotInfo, SnapshotStore

AS_OF = dt.date(2026, 11, 23)


def _accounts(prefix: str, n: int = 3) -> list[dict]:
    return [
        {
            "customer_id": f"{prefix}-{i}",
            "name": f"{prefix} Co {i}",
            "arr": 1000.0 * (i + 1),
            "nested": {"x": i},
        }
        for i in range(n)
    ]


def _report(total: int, accepted: int) -> dict:
    rejected = total - accepted
    return {
        "total": total,
        "accepted": accepted,
        "rejected": rejected,
        "rejections": [
            {"index": i, "customer_id": None, "problems": [{"field": "name", "reason": "is required"}]}
            for i in range(rejected)
        ],
        "notes": [],
    }


@pytest.fixture
def store(tmp_path: Path):
    s = SnapshotStore(tmp_path / "data")
    yield s
    s.close()


def test_add_then_read_back(store: SnapshotStore) -> None:
    accounts = _accounts("A")
    report = _report(4, 3)
    info = store.add("alpha", AS_OF, "/some/file.json", accounts, report, 6000.0)

    assert isinstance(info, SnapshotInfo)
    assert info.id > 0
    assert (info.portfolio, info.as_of, info.source) == ("alpha", AS_OF, "/some/file.json")
    assert (info.total, info.accepted, info.rejected, info.arr) == (4, 3, 1, 6000.0)
    assert dt.datetime.fromisoformat(info.loaded_at).tzinfo is not None

    assert store.latest("alpha") == info
    assert store.latest("nope") is None
    assert store.accounts(info.id) == accounts
    assert store.report(info.id) == report

    [entry] = store.portfolios()
    assert entry.latest == info
    assert entry.snapshots == 1


def test_unknown_snapshot_id_raises_key_error(store: SnapshotStore) -> None:
    with pytest.raises(KeyError):
        store.accounts(12345)
    with pytest.raises(KeyError):
        store.report(12345)


def test_second_load_adds_a_snapshot_and_keeps_the_first(store: SnapshotStore) -> None:
    first = store.add("alpha", AS_OF, "inline", _accounts("OLD", 2), _report(2, 2), 3000.0)
    second = store.add(
        "alpha", AS_OF + dt.timedelta(days=7), "inline", _accounts("NEW", 5), _report(5, 5), 15000.0
    )

    assert second.id != first.id
    [entry] = store.portfolios()
    assert entry.snapshots == 2
    assert entry.latest == second
    assert store.latest("alpha") == second
    # Nothing overwritten: the older snapshot is still readable, as it was.
    assert store.accounts(first.id) == _accounts("OLD", 2)
    assert store.report(first.id) == _report(2, 2)
    assert store.accounts(second.id) == _accounts("NEW", 5)


def test_data_survives_close_and_reopen(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    s1 = SnapshotStore(data_dir)
    info = s1.add("alpha", AS_OF, "inline", _accounts("A"), _report(3, 3), 6000.0)
    s1.add("beta", AS_OF, "inline", _accounts("B", 1), _report(1, 1), 1000.0)
    s1.close()

    s2 = SnapshotStore(data_dir)
    try:
        assert s2.latest("alpha") == info
        assert s2.accounts(info.id) == _accounts("A")
        assert s2.report(info.id) == _report(3, 3)
        assert [p.latest.portfolio for p in s2.portfolios()] == ["beta", "alpha"]
        # And it keeps adding after the reopen.
        again = s2.add("alpha", AS_OF, "inline", _accounts("A2"), _report(3, 3), 6000.0)
        assert again.id > info.id
        assert {p.latest.portfolio: p.snapshots for p in s2.portfolios()} == {"alpha": 2, "beta": 1}
    finally:
        s2.close()


def test_wal_mode_is_on(store: SnapshotStore) -> None:
    store.add("alpha", AS_OF, "inline", _accounts("A"), _report(3, 3), 6000.0)
    assert store.path.is_file()
    conn = sqlite3.connect(store.path)
    try:
        (mode,) = conn.execute("PRAGMA journal_mode").fetchone()
    finally:
        conn.close()
    assert mode.lower() == "wal"


def test_portfolios_most_recent_first(store: SnapshotStore) -> None:
    store.add("alpha", AS_OF, "inline", _accounts("A"), _report(3, 3), 1.0)
    store.add("beta", AS_OF, "inline", _accounts("B"), _report(3, 3), 2.0)
    store.add("gamma", AS_OF, "inline", _accounts("C"), _report(3, 3), 3.0)
    assert [p.latest.portfolio for p in store.portfolios()] == ["gamma", "beta", "alpha"]

    # Reloading alpha makes it the most recent.
    store.add("alpha", AS_OF, "inline", _accounts("A"), _report(3, 3), 4.0)
    listed = store.portfolios()
    assert [p.latest.portfolio for p in listed] == ["alpha", "gamma", "beta"]
    assert [p.snapshots for p in listed] == [2, 1, 1]
    assert listed[0].latest.arr == 4.0


def test_empty_store_lists_nothing(store: SnapshotStore) -> None:
    assert store.portfolios() == []
    assert store.latest("alpha") is None
