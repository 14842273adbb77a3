"""Reading outcomes (renewed, churned, downgraded) from a CSV, Excel or JSON file.

One row per account: its id, the outcome, the date and optionally the ARR after. CSV and Excel go
through the same reader and cell cleaning as portfolio exports (`ingest.tabular`, `ingest.cells`), so
dates may be written YYYY-MM-DD, MM/DD/YYYY, DD.MM.YYYY or as Excel serials, and money as '$1,200'.
JSON is a list of objects, or `{"outcomes": [...]}`. A row that cannot be used is rejected with its
row, id, field and reason, never dropped silently; duplicate ids are rejected, not merged.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
from pydantic import ValidationError

from customer_success_mcp.ingest.cells import parse_dates, parse_numbers, parse_text, shown
from customer_success_mcp.ingest.columns import FieldRule
from customer_success_mcp.ingest.contract import MAX_AMOUNT
from customer_success_mcp.ingest.load import InputError, accounts_of, parse_json
from customer_success_mcp.ingest.mapping import normalise_header
from customer_success_mcp.ingest.tabular import read_table, source_format
from customer_success_mcp.scoring.outcomes import OUTCOME_KINDS, OutcomeKind, OutcomeRecord, Outcomes

# Normalised headers (see `normalise_header`) that name each column of an outcomes file.
HEADERS = {
    "customer_id": ("customer id", "account id", "id", "account", "customer", "acct id", "client id"),
    "outcome": ("outcome", "status", "result", "renewal outcome", "renewal status"),
    "date": ("date", "outcome date", "churn date", "renewal date", "effective date", "closed date",
             "close date", "end date"),
    "arr_after": ("arr after", "new arr", "arr after renewal", "renewed arr", "arr"),
}  # fmt: skip
# Spellings of each outcome (normalised to lower case, '_' and '-' as spaces).
SPELLINGS = {
    "renewed": OutcomeKind.RENEWED, "renew": OutcomeKind.RENEWED, "retained": OutcomeKind.RENEWED,
    "churned": OutcomeKind.CHURNED, "churn": OutcomeKind.CHURNED, "lost": OutcomeKind.CHURNED,
    "cancelled": OutcomeKind.CHURNED, "canceled": OutcomeKind.CHURNED,
    "downgraded": OutcomeKind.DOWNGRADED, "downgrade": OutcomeKind.DOWNGRADED,
    "contracted": OutcomeKind.DOWNGRADED, "contraction": OutcomeKind.DOWNGRADED,
}  # fmt: skip
_ARR_RULE = FieldRule("arr_after", None, "arr_after", "number", 0, MAX_AMOUNT)
FIRST_PROBLEMS = 5


@dataclass(frozen=True)
class OutcomeProblem:
    row: int  # as a spreadsheet shows it (header = 1) for CSV/Excel; the list position from 0 for JSON
    customer_id: str | None
    field: str
    reason: str


@dataclass
class LoadedOutcomes:
    """The usable outcomes of a file, and every row that was rejected."""

    source: str
    outcomes: Outcomes
    total: int
    rejected: list[OutcomeProblem] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return len(self.outcomes)


def outcome_of(text: str) -> OutcomeKind | None:
    return SPELLINGS.get(" ".join(text.replace("_", " ").replace("-", " ").casefold().split()))


def load_outcomes(name: str, data: bytes, date_order: str | None = None) -> LoadedOutcomes:
    """Outcomes from a file's bytes (CSV, XLSX or JSON, told apart by name and content)."""
    if source_format(name, data) == "json":
        return _from_json(name, data)
    return _from_table(name, data, date_order)


def _from_json(name: str, data: bytes) -> LoadedOutcomes:
    document = parse_json(data, name)
    if isinstance(document, dict) and "outcomes" in document:
        document = {"customers": document["outcomes"]}
    try:
        rows, _ = accounts_of(document, name)
    except InputError:
        raise InputError(
            f'{name}: expected a list of outcomes, or an object with an "outcomes" list'
        ) from None
    records: list[OutcomeRecord] = []
    rows_kept: list[int] = []
    problems: list[OutcomeProblem] = []
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            problems.append(OutcomeProblem(i, None, "(row)", f"must be an object, got {type(row).__name__}"))
            continue
        cid = row.get("customer_id") if isinstance(row.get("customer_id"), str) else None
        kind = outcome_of(row["outcome"]) if isinstance(row.get("outcome"), str) else None
        try:
            records.append(
                OutcomeRecord.model_validate({**row, "outcome": kind.value if kind else row.get("outcome")})
            )
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "(row)"
            reason = first["msg"]
            if where == "outcome":
                reason = f"must be one of {', '.join(OUTCOME_KINDS)}, got {shown(row.get('outcome'))}"
            problems.append(OutcomeProblem(i, cid, where, reason))
            continue
        rows_kept.append(i)
    records, problems = _unique(records, problems, rows_kept)
    return LoadedOutcomes(name, Outcomes.from_records(records), len(rows), problems)


def _unique(
    records: list[OutcomeRecord], problems: list[OutcomeProblem], rows: list[int]
) -> tuple[list[OutcomeRecord], list[OutcomeProblem]]:
    """Every copy of an id that appears more than once is rejected (outcomes are not merged)."""
    counts = Counter(r.customer_id for r in records)
    twice = {cid for cid, c in counts.items() if c > 1}
    if not twice:
        return records, problems
    where: dict[str, list[int]] = {}
    for record, row in zip(records, rows, strict=True):
        if record.customer_id in twice:
            where.setdefault(record.customer_id, []).append(row)
    for cid, found in where.items():
        rows_text = ", ".join(map(str, found))
        problems += [
            OutcomeProblem(r, cid, "customer_id", f"appears more than once (rows {rows_text})") for r in found
        ]
    return [r for r in records if r.customer_id not in twice], sorted(problems, key=lambda p: p.row)


def _columns(name: str, headers: list[str]) -> dict[str, int]:
    wanted = {normalise_header(h).key: f for f, names in HEADERS.items() for h in names}
    found: dict[str, int] = {}
    for i, header in enumerate(headers):
        f = wanted.get(normalise_header(header).key)
        if f is not None and f not in found:
            found[f] = i
    missing = [f for f in ("customer_id", "outcome", "date") if f not in found]
    if missing:
        raise InputError(
            f"{name}: no column for {', '.join(missing)} (headers: {', '.join(headers[:12])}); an outcomes "
            "file has the columns customer_id, outcome (renewed, churned or downgraded), date and optionally "
            "arr_after"
        )
    return found


def _from_table(name: str, data: bytes, date_order: str | None) -> LoadedOutcomes:
    raw = read_table(name, data)
    cols = _columns(name, raw.headers)
    n = raw.rows
    ids = parse_text(raw.columns[cols["customer_id"]])
    outcome_col: pa.Array = raw.columns[cols["outcome"]]
    dates = parse_dates(raw.columns[cols["date"]], raw.headers[cols["date"]], date_order)
    if dates.date_question:
        raise InputError(f"{name}: {dates.date_question}")
    arr = parse_numbers(raw.columns[cols["arr_after"]], _ARR_RULE) if "arr_after" in cols else None
    problems: dict[int, tuple[str, str]] = {}

    def reject(i: int, where: str, reason: str) -> None:
        problems.setdefault(i, (where, reason))

    for i in np.flatnonzero(~ids.present).tolist():
        reject(i, "customer_id", "is required")
    texts = outcome_col.to_pylist()
    kinds = np.full(n, -1, dtype=np.int8)
    for i, text in enumerate(texts):
        kind = outcome_of(str(text)) if text is not None else None
        if kind is None:
            got = "nothing" if text is None else shown(text)
            reject(i, "outcome", f"must be one of {', '.join(OUTCOME_KINDS)}, got {got}")
        else:
            kinds[i] = kind.code
    for i, reason in dates.problems:
        reject(i, "date", reason)
    for i in np.flatnonzero(~dates.present).tolist():
        reject(i, "date", "is required")
    if arr is not None:
        for i, reason in arr.problems:
            reject(i, "arr_after", reason)
    ok = np.ones(n, dtype=bool)
    ok[list(problems)] = False
    id_values: Sequence[Any] = ids.values  # a list, or coded where ids repeat
    counts = Counter(id_values[i] for i in np.flatnonzero(ok).tolist())
    twice = {cid for cid, c in counts.items() if c > 1}
    if twice:
        rows_of: dict[str, list[int]] = {}
        for i in np.flatnonzero(ok).tolist():
            if id_values[i] in twice:
                rows_of.setdefault(id_values[i], []).append(i)
        for found in rows_of.values():
            where = ", ".join(str(raw.row_of(r)) for r in found)
            for r in found:
                reject(r, "customer_id", f"appears more than once (rows {where})")
                ok[r] = False
    keep = np.flatnonzero(ok)
    arr_after = arr.values[keep] if arr is not None else np.full(keep.size, np.nan)
    outcomes = Outcomes(
        ids=[id_values[i] for i in keep.tolist()],
        kind=kinds[keep],
        date=dates.values[keep],
        arr_after=np.asarray(arr_after, dtype=float),
    )
    rejected = [
        OutcomeProblem(raw.row_of(i), id_values[i], where, reason)
        for i, (where, reason) in sorted(problems.items())
    ]
    rejected += [OutcomeProblem(row, None, "(row)", reason) for row, reason in raw.malformed]
    return LoadedOutcomes(name, outcomes, n + len(raw.malformed), rejected)
