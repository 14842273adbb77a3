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
import logging
import os
import sqlite3
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# The schema, as migrations: a store at version N has run migrations 1..N (PRAGMA user_version says N).
# Version 1 is the first release's store (snapshots only); a store written by it opens and is brought up.
MIGRATIONS: tuple[str, ...] = (
    """
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
""",
    """
CREATE TABLE IF NOT EXISTS mappings (
    source_key  TEXT PRIMARY KEY,
    source      TEXT NOT NULL,
    mapping     TEXT NOT NULL,
    saved_at    TEXT NOT NULL
);
""",
    """
CREATE INDEX IF NOT EXISTS snapshots_by_portfolio_as_of ON snapshots (portfolio, as_of, id);
""",
)
SCHEMA_VERSION = len(MIGRATIONS)


def _stored_version(conn: sqlite3.Connection) -> int:
    found = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if found == 0 and conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'snapshots'").fetchone():
        found = 1  # written by the first release, before the store carried a version
    if found > SCHEMA_VERSION:
        raise StoreVersionError(
            f"the store was written by a newer version of customer-success-mcp (schema {found}, this one "
            f"reads up to {SCHEMA_VERSION}); upgrade, or choose another --data-dir"
        )
    return found


def check_version(conn: sqlite3.Connection) -> None:
    """A read-only store must already be at this version: it cannot be migrated."""
    found = _stored_version(conn)
    if found < SCHEMA_VERSION:
        raise StoreError(
            f"the store is read-only and from an earlier version (schema {found}, this one needs "
            f"{SCHEMA_VERSION}); open it once with write access to upgrade it, or choose another --data-dir"
        )


def migrate(conn: sqlite3.Connection) -> int:
    """Bring a store up to SCHEMA_VERSION, one migration per transaction; returns the version found."""
    found = _stored_version(conn)
    for version in range(found + 1, SCHEMA_VERSION + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in MIGRATIONS[version - 1].split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return found


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


def _rollback(conn: sqlite3.Connection) -> None:
    """Undo a failed write; an error here (the transaction may be gone already) never hides the first one."""
    try:
        conn.execute("ROLLBACK")
    except sqlite3.Error as exc:
        log.warning("rollback after a failed write also failed: %s", exc)


def _info(row: tuple) -> SnapshotInfo:
    sid, portfolio, as_of, loaded_at, source, total, accepted, rejected, arr = row
    return SnapshotInfo(sid, portfolio, dt.date.fromisoformat(as_of), loaded_at, source, total, accepted,
                        rejected, arr)  # fmt: skip


# --------------------------------------------------------------------------- opening and errors


class StoreError(RuntimeError):
    """The store cannot do what was asked; the message names the cause and what to do about it."""


class StoreVersionError(StoreError):
    """The store was written by a newer version of this software."""


DATA_DIR_HINT = "start the server with --data-dir DIR (or CSM_DATA_DIR) naming another directory"


def store_error(exc: BaseException, path: Path, doing: str) -> StoreError:
    """A SQLite or OS error while `doing` something, as the cause a user can act on, and the fix."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = f"{exc} {name}".lower()
    if any(s in text for s in ("not a database", "malformed", "corrupt", "notadb")) or isinstance(
        exc, zlib.error | json.JSONDecodeError
    ):
        return StoreError(
            f"The portfolio store {path} is damaged ({exc}) and could not be used for {doing}. Move it aside "
            f"(for example rename it to {path.name}.broken) and load your portfolios again, or "
            f"{DATA_DIR_HINT}."
        )
    if "locked" in text or "busy" in text:
        return StoreError(
            f"The portfolio store {path} is locked by another program (another server or csm using the same "
            f"data directory) and could not be used for {doing}. Try again in a moment, close the other "
            f"program, or {DATA_DIR_HINT}."
        )
    if "readonly" in text or "read-only" in text:
        return StoreError(
            f"The portfolio store {path} is read-only, so {doing} is not possible: portfolios already stored "
            f"can be listed and read, but loading needs a writable data directory; {DATA_DIR_HINT}."
        )
    if "full" in text or "no space" in text or getattr(exc, "errno", None) == 28:
        return StoreError(
            f"The disk holding the portfolio store {path} is full, so {doing} failed and nothing was saved. "
            f"Free some space, or {DATA_DIR_HINT}."
        )
    if "unable to open" in text or "cantopen" in text:
        return StoreError(
            f"The portfolio store {path} cannot be opened ({exc}) for {doing}; check that {path.parent} "
            f"exists and can be read, or {DATA_DIR_HINT}."
        )
    if "i/o" in text or "ioerr" in text:
        return StoreError(
            f"A disk error stopped {doing} in the portfolio store {path} ({exc}). Check the disk; if it "
            f"keeps happening, move the store aside and load your portfolios again, or {DATA_DIR_HINT}."
        )
    return StoreError(
        f"The portfolio store {path} failed during {doing} ({exc}); {DATA_DIR_HINT} if it persists."
    )


def _can_write(path: Path) -> bool:
    """Whether the store file and its directory (where SQLite keeps its -wal and -shm files) are writable."""
    directory_ok = os.access(path.parent, os.W_OK | os.X_OK)
    return directory_ok and (not path.exists() or os.access(path, os.W_OK))


def _read_only_connection(path: Path) -> sqlite3.Connection:
    """A read-only connection; `immutable` when SQLite cannot even make its shared-memory file (a read-only
    directory, where no other program can be writing either)."""
    uri = path.absolute().as_uri()
    for options in ("mode=ro", "mode=ro&immutable=1"):
        conn = sqlite3.connect(f"{uri}?{options}", uri=True, check_same_thread=False, isolation_level=None)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return conn
        except sqlite3.OperationalError as exc:
            conn.close()
            if "readonly" not in f"{exc} {getattr(exc, 'sqlite_errorname', '')}".lower():
                raise
    raise StoreError(f"The portfolio store {path} cannot be opened read-only; {DATA_DIR_HINT}.")


def check_integrity(conn: sqlite3.Connection, path: Path) -> None:
    """SQLite's quick check of every page; a damaged store is refused with the fix, before it is used."""
    rows = conn.execute("PRAGMA quick_check").fetchall()
    if rows != [("ok",)]:
        first = "; ".join(str(r[0]) for r in rows[:2])
        raise store_error(
            sqlite3.DatabaseError(f"database disk image is malformed: {first}"), path, "opening"
        )


def open_connection(path: Path, busy_seconds: float = 5.0) -> tuple[sqlite3.Connection, bool]:
    """A checked connection to the store at `path`, and whether it is read-only (the file or its directory
    cannot be written: it can still be listed and read). Raises StoreError with the cause and the fix."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        if not path.is_file():
            raise StoreError(
                f"The data directory {path.parent} cannot be created ({exc.strerror}); {DATA_DIR_HINT}, "
                "one you can write to."
            ) from None
    read_only = not _can_write(path)
    if read_only and not path.is_file():
        raise StoreError(
            f"The data directory {path.parent} is read-only and holds no portfolio store yet; "
            f"{DATA_DIR_HINT}, "
            "one you can write to."
        )
    conn: sqlite3.Connection | None = None
    try:
        if read_only:
            conn = _read_only_connection(path)
        else:
            conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=busy_seconds)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
        check_integrity(conn, path)
    except (sqlite3.Error, StoreError) as exc:
        if conn is not None:
            conn.close()
        if isinstance(exc, StoreError):
            raise
        raise store_error(exc, path, "opening") from None
    if read_only:
        log.warning("portfolio store %s is read-only: listing and reading only", path)
    return conn, read_only


class SnapshotStore:
    """Snapshots of loaded portfolios in one SQLite file (WAL mode), safe to share between threads."""

    FILENAME = "portfolios.sqlite3"

    BUSY_SECONDS = 5.0  # how long to wait for another program's write to finish

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / self.FILENAME
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self.read_only = False

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            conn, self.read_only = open_connection(self.path, self.BUSY_SECONDS)
            try:
                if self.read_only:
                    check_version(conn)
                else:
                    migrate(conn)
            except BaseException:
                conn.close()
                raise
            self._conn = conn
        return self._conn

    @contextmanager
    def _guard(self, doing: str) -> Iterator[None]:
        """Any failure inside becomes a StoreError naming its cause and the fix."""
        try:
            yield
        except StoreError:
            raise
        except (sqlite3.Error, zlib.error, json.JSONDecodeError, OSError) as exc:
            raise store_error(exc, self.path, doing) from exc

    def _writable(self, doing: str) -> sqlite3.Connection:
        conn = self._connection()
        if self.read_only:
            raise store_error(sqlite3.OperationalError("readonly"), self.path, doing)
        return conn

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
        with self._lock, self._guard("saving the snapshot"):
            conn = self._writable("saving the snapshot")
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
                _rollback(conn)
                raise
        return SnapshotInfo(int(cur.lastrowid or 0), portfolio, as_of, loaded_at, source, report["total"],
                            report["accepted"], report["rejected"], arr)  # fmt: skip

    def portfolios(self) -> list[PortfolioInfo]:
        """Every portfolio's latest snapshot, most recently loaded first."""
        with self._lock, self._guard("listing portfolios"):
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
        with self._lock, self._guard("reading a snapshot"):
            row = (
                self._connection()
                .execute(
                    f"SELECT {_INFO_COLUMNS} FROM snapshots WHERE portfolio = ? ORDER BY id DESC LIMIT 1",
                    (portfolio,),
                )
                .fetchone()
            )
        return _info(row) if row else None

    def snapshots(self, portfolio: str) -> list[SnapshotInfo]:
        """Every snapshot of a portfolio, oldest load first."""
        with self._lock:
            rows = (
                self._connection()
                .execute(
                    f"SELECT {_INFO_COLUMNS} FROM snapshots WHERE portfolio = ? ORDER BY id", (portfolio,)
                )
                .fetchall()
            )
        return [_info(r) for r in rows]

    def snapshot(self, snapshot_id: int) -> SnapshotInfo | None:
        with self._lock:
            row = (
                self._connection()
                .execute(f"SELECT {_INFO_COLUMNS} FROM snapshots WHERE id = ?", (snapshot_id,))
                .fetchone()
            )
        return _info(row) if row else None

    def accounts(self, snapshot_id: int) -> list[dict[str, Any]]:
        """The accepted accounts of a snapshot, as they were read."""
        with self._lock, self._guard("reading a snapshot"):
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
        with self._lock, self._guard("saving the column mapping"):
            self._writable("saving the column mapping").execute(
                "INSERT INTO mappings (source_key, source, mapping, saved_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(source_key) DO UPDATE SET source = excluded.source, mapping = excluded.mapping,"
                " saved_at = excluded.saved_at",
                (key, source, json.dumps(mapping, sort_keys=True), when),
            )

    def saved_mapping(self, key: str) -> SavedMapping | None:
        """The mapping saved for an export with these headers, if any."""
        with self._lock, self._guard("reading saved column mappings"):
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
        with self._lock, self._guard("reading a snapshot"):
            row = (
                self._connection()
                .execute("SELECT report FROM snapshots WHERE id = ?", (snapshot_id,))
                .fetchone()
            )
            if row is None:
                raise KeyError(snapshot_id)
            return json.loads(row[0])
