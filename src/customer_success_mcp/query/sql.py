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
from customer_success_mcp.scoring.churn import RENEWAL_FIELD
from customer_success_mcp.scoring.expansion import CATEGORIES, EFFORTS
from customer_success_mcp.scoring.lifecycle import lifecycle_phases
from customer_success_mcp.scoring.profile import SEVERITY_ORDER
from customer_success_mcp.scoring.vocabulary import CONTRACT_STATUSES, HEALTH_CLASSES, RISK_TIERS, TRENDS

MAX_ROWS = 200  # rows returned by default
HARD_CAP = 10_000  # rows counted at most
MAX_CELLS_BYTES = 10_000  # result budget (the rows as text), so a reply stays small
TIME_LIMIT_MS = 2_000
READ_ONLY_CONFIG = {
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


def _nullable(values: np.ndarray, digits: int = 1) -> np.ndarray:
    """Rounded, with NaN kept (Arrow turns it into NULL)."""
    return np.round(values.astype(float), digits)


def _dates(ordinals: np.ndarray) -> list[str | None]:
    return [None if v != v else dt.date.fromordinal(int(v)).isoformat() for v in ordinals.tolist()]


def _names(codes: np.ndarray, values: tuple[Any, ...]) -> np.ndarray:
    return np.asarray([v.value for v in values], dtype=object)[codes.astype(np.intp)]


def _account_columns(p: ScoredPortfolio) -> dict[str, Any]:
    """The accounts table as columns (arrays where the engine has them), in the schema's order."""
    t, h, c, e = p.table, p.health, p.churn, p.expansion
    days = c.days
    data: dict[str, Any] = {
        "customer_id": t.ids, "name": t.names, "segment": t.segments,
        "owner": t.labels.get("owner", [None] * t.size), "arr": t.values["arr"],
        "contract_start_date": _dates(t.values["contract_start_date"]),
        "contract_end_date": _dates(t.values[RENEWAL_FIELD]),
        "days_to_renewal": [None if v != v else int(v) for v in days.tolist()],
        "contract_status": _names(c.contract_status, CONTRACT_STATUSES),
        "health": _nullable(h.overall), "health_previous": _nullable(h.previous_overall),
        "health_change": _nullable(h.change),
        "health_class": _names(h.classes, HEALTH_CLASSES), "health_trend": _names(h.trend, TRENDS),
        "health_coverage": _nullable(h.coverage, 3),
    }  # fmt: skip
    for d in p.profile.health.dimensions:
        now = h.dimensions[d.name]
        before = t.values.get(d.previous_field, np.full(t.size, np.nan))
        data |= {d.name: now, f"{d.name}_previous": before, f"{d.name}_change": _nullable(now - before)}
    data |= {
        "risk": c.risk, "risk_raw": _nullable(c.raw), "risk_tier": _names(c.tiers, RISK_TIERS),
        "playbook_tier": _names(c.playbook_tiers, RISK_TIERS), "urgency_multiplier": c.multiplier,
        "churn_coverage": _nullable(c.coverage, 3),
    }  # fmt: skip
    data |= {f"churn_{cat.name}": c.categories[cat.name] for cat in p.profile.churn.categories}
    data |= {
        "expansion_gross": e.total_revenue, "expansion_net": e.net_revenue,
        "expansion_weighted": e.weighted_revenue, "opportunity_count": e.counts,
        "lifecycle_phase": lifecycle_phases(t.values["contract_start_date"], t.values[RENEWAL_FIELD],
                                            p.profile, p.as_of),
    }  # fmt: skip
    return data


def _warning_columns(p: ScoredPortfolio) -> dict[str, Any]:
    from customer_success_mcp.scoring.churn import warning_table

    rows, severities, texts, fields = warning_table(p.table, p.profile.churn)
    rank = {s: i for i, s in enumerate(SEVERITY_ORDER)}
    order = sorted(range(len(rows)), key=lambda k: (rows[k], rank[severities[k]]))
    ids = p.table.ids
    return {
        "customer_id": [ids[rows[k]] for k in order],
        "severity": [severities[k] for k in order],
        "signal": [texts[k] for k in order],
        "field": [fields[k] for k in order],
    }


def _opportunity_columns(p: ScoredPortfolio) -> dict[str, Any]:
    e = p.expansion
    ids = np.asarray(p.table.ids, dtype=object)
    return {
        "customer_id": ids[e.rows] if e.rows.size else [],
        "category": _names_of(e.categories, CATEGORIES),
        "subject": e.subjects,
        "estimated_revenue": e.revenue,
        "counted_in_net": e.in_net.astype(np.int64),
        "priority": e.priority,
        "effort": _names_of(e.categories, EFFORTS),
    }


def _names_of(codes: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    return np.asarray(names, dtype=object)[codes.astype(np.intp)] if codes.size else np.asarray([], object)


def _step_columns(p: ScoredPortfolio) -> dict[str, Any]:
    steps = [(tier, i, step.text, step.owner, step.within_days)
             for tier, plan in p.profile.interventions.items()
             for i, step in enumerate(plan.steps, 1)]  # fmt: skip
    return {name: [row[k] for row in steps] for k, name in enumerate(("tier", "step", "text", "owner",
                                                                       "within_days"))}  # fmt: skip


_TYPES = {"TEXT": "string", "REAL": "float64", "INTEGER": "int64"}


def _arrow(columns: list[tuple[str, str, str]], data: dict[str, Any]) -> Any:
    import pyarrow as pa

    arrays = []
    for name, kind, _ in columns:
        values = data[name]
        if isinstance(values, np.ndarray) and values.dtype.kind == "f":
            arrays.append(pa.array(values, type=pa.float64(), from_pandas=True))  # NaN -> NULL
        else:
            arrays.append(pa.array(values.tolist() if isinstance(values, np.ndarray) else values,
                                   type=getattr(pa, _TYPES[kind])()))  # fmt: skip
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
        "accounts": (account_columns(p.profile), _account_columns(p)),
        "warnings": (list(OTHER_TABLES["warnings"]), _warning_columns(p)),
        "opportunities": (list(OTHER_TABLES["opportunities"]), _opportunity_columns(p)),
        "playbook_steps": (list(OTHER_TABLES["playbook_steps"]), _step_columns(p)),
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
