"""The accounts a filter selects, with every column of the `accounts` table, as CSV or Excel bytes.

`export_accounts` and `csm export` both call `export_table`, so a filter, a sort and a column mean the
same as in `find_accounts` and `query_portfolio`. Text cells that a spreadsheet would read as a formula
(starting with =, +, -, @, a tab or a carriage return) are written as text: in CSV behind a leading
apostrophe (the convention spreadsheets honour), in Excel as typed string cells, so an account named
`=HYPERLINK(...)` stays a name.
"""

from __future__ import annotations

import csv
import io
import math
from typing import Any, Literal

import numpy as np

from customer_success_mcp.pipeline import ScoredPortfolio
from customer_success_mcp.query.accounts import matching_rows, sort_rows
from customer_success_mcp.query.models import AccountExportSummary, AccountFilter, ExportPreview, SortKey
from customer_success_mcp.query.schema import account_columns
from customer_success_mcp.query.tables import account_table
from customer_success_mcp.scoring.coded import take_rows

ExportFormat = Literal["csv", "xlsx"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("csv", "xlsx")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PREVIEW_ROWS = 5
INLINE_CSV_BYTES = 8 * 1024  # a CSV this small may come back in the reply as well


def export_table(
    scored: ScoredPortfolio, filters: AccountFilter | None = None, sort_by: str = "arr"
) -> tuple[list[str], list[list[Any]]]:
    """The selected accounts in sort order: column names and one row of plain values per account."""
    rows = sort_rows(scored, matching_rows(scored, filters or AccountFilter()), sort_by)
    data = account_table(scored)
    names = [name for name, _, _ in account_columns(scored.profile)]
    picked = []
    for name in names:
        values = data[name]
        column = values[rows].tolist() if isinstance(values, np.ndarray) else list(take_rows(values, rows))
        picked.append([_plain(v) for v in column])
    return names, [list(row) for row in zip(*picked, strict=True)] if picked and rows.size else []


def _plain(value: Any) -> Any:
    """NaN as empty; everything else as it is (numbers stay numbers)."""
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def as_text(value: Any) -> Any:
    """A text cell a spreadsheet would evaluate, made literal with a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _csv_cell(value: Any) -> Any:
    """A cell as CSV text: empty for none, whole numbers without '.0', formula-like text made literal."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    return as_text(value)


def to_csv(columns: list[str], rows: list[list[Any]]) -> bytes:
    """UTF-8 CSV with a header row; formula-like text cells made literal."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
    return out.getvalue().encode("utf-8")


def to_xlsx(columns: list[str], rows: list[list[Any]], sheet: str = "accounts") -> bytes:
    """An .xlsx workbook, one sheet, a header row; every text cell typed as a string (never a formula)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet(sheet)

    def cell(value: Any) -> WriteOnlyCell:
        c = WriteOnlyCell(ws, value=value)
        if isinstance(value, str):
            c.data_type = "s"  # openpyxl would store "=..." as a formula otherwise
        return c

    ws.append([cell(name) for name in columns])
    for row in rows:
        ws.append([cell(v) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def encode(fmt: ExportFormat, columns: list[str], rows: list[list[Any]]) -> bytes:
    return to_csv(columns, rows) if fmt == "csv" else to_xlsx(columns, rows)


def export_summary(
    fmt: ExportFormat,
    columns: list[str],
    rows: list[list[Any]],
    data: bytes,
    *,
    filters: AccountFilter,
    sort_by: SortKey,
    saved_to: str | None,
) -> AccountExportSummary:
    """What was written, with the first rows and, for a small CSV, the file itself."""
    small_csv = fmt == "csv" and len(data) <= INLINE_CSV_BYTES
    return AccountExportSummary(
        format=fmt, saved_to=saved_to, accounts=len(rows), bytes=len(data), sorted_by=sort_by,
        filters=filters.model_dump(exclude_none=True),
        preview=ExportPreview(columns=columns, rows=rows[:PREVIEW_ROWS]),
        csv=data.decode("utf-8") if small_csv else None,
    )  # fmt: skip
