"""Loaded portfolios, kept on disk: one immutable snapshot per load, in SQLite (standard library).

A snapshot holds the portfolio's name, `as_of`, load time, source, the accepted accounts as they
were read (compressed JSON) and the rejection report. Loading the same name again adds a snapshot;
nothing is overwritten. Scores are not stored: they are recomputed from the accounts, which is
fast and keeps them in step with the profile in use. Column mappings that worked for a CSV or Excel
export are kept too, one per export (keyed by its set of headers), and offered when it comes back.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS snapshots (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    portfolio   TEXT NOT NULL,
    as_of       TEXT NOT NULL,
    loaded_at   TEXT NOT NULL,
    source      TEXT NOT NULL,
    total       INTEGER NOT NULL,
    accepted    INTEGER NOT NULL,
    rejected    INTEGER NOT NULL,
    arr         REAL NOT NULL,
    accounts    BLOB NOT NULL,
    report      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS snapshots_by_portfolio ON snapshots (portfolio, id);
CREATE TABLE IF NOT EXISTS mappings (
    source_key  TEXT PRIMARY KEY,
    source      TEXT NOT NULL,
    mapping     TEXT NOT NULL,
    saved_at    TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class SnapshotInfo:
    """A snapshot's description, without its accounts."""

    id: int
    portfolio: str
    as_of: dt.date
    loaded_at: str
    source: str
    total: int
    accepted: int
    rejected: int
    arr: float


@dataclass(frozen=True)
class SavedMapping:
    """A column mapping that worked for an export: header -> field (and date_order), and when it was saved."""

    source_key: str
    source: str
    mapping: dict[str, Any]
    saved_at: str


@dataclass(frozen=True)
class PortfolioInfo:
    """The latest snapshot of a portfolio, and how many it has."""

    latest: SnapshotInfo
    snapshots: int


_INFO_COLUMNS = "id, portfolio, as_of, loaded_at, source, total, accepted, rejected, arr"


def _info(row: tuple) -> SnapshotInfo:
    sid, portfolio, as_of, loaded_at, source, total, accepted, rejected, arr = row
    return SnapshotInfo(sid, portfolio, dt.date.fromisoformat(as_of), loaded_at, source, total, accepted,
                        rejected, arr)  # fmt: skip


class SnapshotStore:
    """Snapshots of loaded portfolios in one SQLite file (WAL mode), safe to share between threads."""

    FILENAME = "portfolios.sqlite3"

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / self.FILENAME
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.executescript(SCHEMA)
            self._conn = conn
        return self._conn

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def add(
        self,
        portfolio: str,
        as_of: dt.date,
        source: str,
        accounts: list[dict[str, Any]],
        report: dict[str, Any],
        arr: float,
    ) -> SnapshotInfo:
        """Write a new snapshot in one transaction and return its description."""
        loaded_at = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        blob = zlib.compress(json.dumps(accounts, separators=(",", ":"), default=str).encode(), 6)
        with self._lock:
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                cur = conn.execute(
                    "INSERT INTO snapshots (portfolio, as_of, loaded_at, source, total, accepted, rejected,"
                    " arr, accounts, report) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (portfolio, as_of.isoformat(), loaded_at, source, report["total"], report["accepted"],
                     report["rejected"], arr, blob, json.dumps(report, default=str)),
                )  # fmt: skip
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return SnapshotInfo(int(cur.lastrowid or 0), portfolio, as_of, loaded_at, source, report["total"],
                            report["accepted"], report["rejected"], arr)  # fmt: skip

    def portfolios(self) -> list[PortfolioInfo]:
        """Every portfolio's latest snapshot, most recently loaded first."""
        with self._lock:
            rows = (
                self._connection()
                .execute(
                    f"SELECT {_INFO_COLUMNS},"
                    " (SELECT COUNT(*) FROM snapshots s2 WHERE s2.portfolio = s.portfolio)"
                    " FROM snapshots s WHERE id IN (SELECT MAX(id) FROM snapshots GROUP BY portfolio)"
                    " ORDER BY id DESC"
                )
                .fetchall()
            )
        return [PortfolioInfo(_info(r[:-1]), r[-1]) for r in rows]

    def latest(self, portfolio: str) -> SnapshotInfo | None:
        with self._lock:
            row = (
                self._connection()
                .execute(
                    f"SELECT {_INFO_COLUMNS} FROM snapshots WHERE portfolio = ? ORDER BY id DESC LIMIT 1",
                    (portfolio,),
                )
                .fetchone()
            )
        return _info(row) if row else None

    def history(self, portfolio: str) -> list[SnapshotInfo]:
        """Every snapshot of one portfolio, in the order they were loaded (read-only; for backtests)."""
        with self._lock:
            rows = (
                self._connection()
                .execute(
                    f"SELECT {_INFO_COLUMNS} FROM snapshots WHERE portfolio = ? ORDER BY id", (portfolio,)
                )
                .fetchall()
            )
        return [_info(r) for r in rows]

    def accounts(self, snapshot_id: int) -> list[dict[str, Any]]:
        """The accepted accounts of a snapshot, as they were read."""
        with self._lock:
            row = (
                self._connection()
                .execute("SELECT accounts FROM snapshots WHERE id = ?", (snapshot_id,))
                .fetchone()
            )
        if row is None:
            raise KeyError(snapshot_id)
        return json.loads(zlib.decompress(row[0]))

    def save_mapping(self, key: str, source: str, mapping: dict[str, Any]) -> None:
        """Keep the column mapping that worked for an export (keyed by its headers), replacing older ones."""
        when = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        with self._lock:
            self._connection().execute(
                "INSERT INTO mappings (source_key, source, mapping, saved_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(source_key) DO UPDATE SET source = excluded.source, mapping = excluded.mapping,"
                " saved_at = excluded.saved_at",
                (key, source, json.dumps(mapping, sort_keys=True), when),
            )

    def saved_mapping(self, key: str) -> SavedMapping | None:
        """The mapping saved for an export with these headers, if any."""
        with self._lock:
            row = (
                self._connection()
                .execute(
                    "SELECT source_key, source, mapping, saved_at FROM mappings WHERE source_key = ?", (key,)
                )
                .fetchone()
            )
        return None if row is None else SavedMapping(row[0], row[1], json.loads(row[2]), row[3])

    def report(self, snapshot_id: int) -> dict[str, Any]:
        """The load report of a snapshot (counts, rejections, notes)."""
        with self._lock:
            row = (
                self._connection()
                .execute("SELECT report FROM snapshots WHERE id = ?", (snapshot_id,))
                .fetchone()
            )
        if row is None:
            raise KeyError(snapshot_id)
        return json.loads(row[0])
