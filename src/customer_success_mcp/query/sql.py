"""Ask the scored portfolio anything, read-only: one SQL statement over DuckDB tables of the snapshot.

Why DuckDB: it is columnar and vectorised, so a grouped aggregate over 100,000 accounts answers in a
few milliseconds (SQLite, row by row, took 25 times as long here), the tables are built straight from
the engine's arrays through Arrow, and read-only is the engine's own rule: the tables are written once
to a private database file, which every query opens with `read_only` and with external access
(files, ATTACH, COPY, extensions) switched off and the configuration locked, so a write, an ATTACH, a
file read, an extension or a settings change is refused whatever the statement says. Each statement
runs on its own connection (temporary objects vanish with it) under a time limit; rows past the
limit are cut with a note.

Tables (units in the names or below): `accounts` (one row per account), `warnings`, `opportunities`,
`playbook_steps`; `query.schema.describe_schema()` writes them for the tool description and README.
"""

from __future__ import annotations

import atexit
import datetime as dt
import math
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from customer_success_mcp.pipeline import ScoredPortfolio
from customer_success_mcp.query.results import QueryResult
from customer_success_mcp.query.schema import OTHER_TABLES, account_columns, describe_schema
from customer_success_mcp.query.tables import (
    account_table,
    opportunity_table,
    playbook_step_table,
    warning_table_columns,
)

MAX_ROWS = 200  # rows returned by default
HARD_CAP = 10_000  # rows counted at most
MAX_CELLS_BYTES = 10_000  # result budget (the rows as text), so a reply stays small
TIME_LIMIT_MS = 2_000
READ_ONLY_CONFIG: dict[str, str | int | bool] = {
    "enable_external_access": False,
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
    "memory_limit": "1GB",
    "threads": 2,
    "lock_configuration": True,
}


class QueryRefused(ValueError):
    """A statement the engine will not run, or one that failed; the message says why and what to do."""


def _cell(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


_TYPES = {"TEXT": "string", "REAL": "float64", "INTEGER": "int64"}


def _arrow(columns: list[tuple[str, str, str]], data: dict[str, Any]) -> Any:
    import pyarrow as pa

    arrays = []
    for name, kind, _ in columns:
        values = data[name]
        if isinstance(values, np.ndarray) and values.dtype.kind == "f":
            arrays.append(pa.array(values, type=pa.float64(), from_pandas=True))  # NaN -> NULL
        else:
            plain = values.tolist() if isinstance(values, np.ndarray) else list(values)  # list, or coded
            arrays.append(pa.array(plain, type=getattr(pa, _TYPES[kind])()))
    return pa.table(arrays, names=[name for name, _, _ in columns])


_DIRECTORY: Path | None = None


def _private_directory() -> Path:
    """One private temporary directory for this process's database files, removed at exit."""
    global _DIRECTORY
    if _DIRECTORY is None:
        _DIRECTORY = Path(tempfile.mkdtemp(prefix="csm-sql-"))
        atexit.register(shutil.rmtree, _DIRECTORY, True)
    return _DIRECTORY


@dataclass
class PortfolioDatabase:
    """The scored portfolio as DuckDB tables in a private file, opened read-only; each query runs on its
    own cursor (a connection of its own, whose temporary state is dropped with it)."""

    path: Path
    schema: str
    lock: threading.Lock
    _reader: Any = None

    def _connection(self) -> Any:
        import duckdb

        if self._reader is None:
            self._reader = duckdb.connect(str(self.path), read_only=True, config=dict(READ_ONLY_CONFIG))
        return self._reader

    def query(self, sql: str, *, max_rows: int = MAX_ROWS, time_limit_ms: int = TIME_LIMIT_MS) -> QueryResult:
        """Run one read-only statement; refused statements and errors raise QueryRefused with the reason."""
        import duckdb

        statement = sql.strip().rstrip(";").strip()
        if not statement:
            raise QueryRefused("Give one SQL SELECT statement, e.g. SELECT segment, SUM(arr) FROM accounts "
                               "GROUP BY segment.")  # fmt: skip
        if "\x00" in statement:
            raise QueryRefused("The statement holds a NUL character; remove it.")
        started = time.perf_counter()
        with self.lock:
            conn = self._connection().cursor()
            timer = threading.Timer(time_limit_ms / 1000, conn.interrupt)
            timer.start()
            try:
                parsed = conn.extract_statements(statement)  # the engine's own parser says what it is
                if len(parsed) != 1:
                    raise QueryRefused("Run one statement at a time.")
                if parsed[0].type != duckdb.StatementType.SELECT:
                    raise QueryRefused(
                        f"Only reading is allowed (this statement is {parsed[0].type.name}); give one "
                        "SELECT, or WITH ... SELECT."
                    )
                cursor = conn.execute(statement)
                if cursor.description is None:
                    raise QueryRefused("Only statements that return rows (SELECT, WITH ... SELECT) can run.")
                columns = [d[0] for d in cursor.description]
                fetched = cursor.fetchmany(HARD_CAP + 1)
            except duckdb.InterruptException:
                raise QueryRefused(
                    f"The statement ran past {time_limit_ms / 1000:g} s and was stopped; narrow it or "
                    "aggregate."
                ) from None
            except duckdb.Error as exc:
                raise QueryRefused(_explain(exc, self.schema)) from None
            finally:
                timer.cancel()
                conn.close()
        over_cap = len(fetched) > HARD_CAP
        fetched = fetched[:HARD_CAP]
        kept: list[list[Any]] = []
        budget = MAX_CELLS_BYTES
        for row in fetched[:max_rows]:
            values = [_cell(v) for v in row]
            budget -= sum(len(str(v)) + 3 for v in values)
            if budget < 0 and kept:
                break
            kept.append(values)
        note = None
        if over_cap:
            note = (f"More than {HARD_CAP:,} rows: showing the first {len(kept)}. Aggregate, or add "
                    "WHERE/LIMIT.")  # fmt: skip
        elif len(kept) < len(fetched):
            note = (f"{len(fetched):,} rows: showing the first {len(kept)} (the reply is kept small). "
                    "Aggregate, narrow with WHERE, or page with LIMIT/OFFSET.")  # fmt: skip
        return QueryResult(
            sql=statement, columns=columns, rows=kept, total=len(fetched), truncated=len(kept) < len(fetched),
            note=note, elapsed_ms=round((time.perf_counter() - started) * 1000, 1),
        )  # fmt: skip

    def close(self) -> None:
        with self.lock:
            if self._reader is not None:
                self._reader.close()
                self._reader = None
        self.path.unlink(missing_ok=True)


def _explain(exc: Exception, schema: str) -> str:
    text = str(exc).split("\n")[0]
    lowered = text.lower()
    if any(w in lowered for w in ("read-only", "read only", "file system operations", "configuration",
                                  "permission", "extension", "in-memory database")):  # fmt: skip
        return (
            "Only reading is allowed: no INSERT, UPDATE, DELETE, CREATE, DROP, ATTACH, COPY, file access, "
            f"settings or extensions ({text})."
        )
    if "multiple statements" in lowered or "more than one statement" in lowered:
        return "Run one statement at a time."
    if "does not exist" in lowered or "not found" in lowered:
        return f"{text}. {schema}"
    return f"The statement failed: {text}."


_COUNTER = iter(range(1, 1 << 62))


def build_database(p: ScoredPortfolio) -> PortfolioDatabase:
    """Write the scored portfolio's tables to a private DuckDB file; queries open it read-only."""
    import duckdb

    path = _private_directory() / f"portfolio-{next(_COUNTER)}.duckdb"
    tables = {
        "accounts": (account_columns(p.profile), account_table(p)),
        "warnings": (list(OTHER_TABLES["warnings"]), warning_table_columns(p)),
        "opportunities": (list(OTHER_TABLES["opportunities"]), opportunity_table(p)),
        "playbook_steps": (list(OTHER_TABLES["playbook_steps"]), playbook_step_table(p)),
    }
    conn = duckdb.connect(str(path))
    try:
        for name, (columns, data) in tables.items():
            conn.register("incoming", _arrow(columns, data))
            conn.execute(f'CREATE TABLE "{name}" AS SELECT * FROM incoming')
            conn.unregister("incoming")
        conn.execute("CHECKPOINT")
    finally:
        conn.close()
    return PortfolioDatabase(path, describe_schema(p.profile), threading.Lock())
