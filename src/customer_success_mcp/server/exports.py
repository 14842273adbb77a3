"""export_accounts: the accounts a filter selects, written to a new CSV or Excel file (or inline)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from customer_success_mcp.formatting import plural
from customer_success_mcp.query.models import AccountFilter
from customer_success_mcp.server.errors import UserError
from customer_success_mcp.server.files import FileAccessError, write_new
from customer_success_mcp.server.models import AccountExport
from customer_success_mcp.server.service import PortfolioService, snapshot_ref

if TYPE_CHECKING:
    from customer_success_mcp.query.export import ExportFormat
    from customer_success_mcp.query.models import SortKey

SUFFIXES: dict[str, ExportFormat] = {".csv": "csv", ".xlsx": "xlsx"}


def filters_from(given: dict[str, Any] | None) -> AccountFilter:
    """The find_accounts filters from a tool argument; an unknown key or bad value names the fix."""
    try:
        return AccountFilter.model_validate(given or {})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'filters'}: {err['msg']}" for err in exc.errors()
        )
        allowed = ", ".join(AccountFilter.model_fields)
        raise UserError(f"Unusable filters ({problems}). The filters are: {allowed}.") from None


def _format(fmt: ExportFormat | None, save_to: str | None) -> ExportFormat:
    suffix = Path(save_to).suffix.lower() if save_to else ""
    if save_to and suffix not in SUFFIXES:
        raise UserError(f"{save_to}: an export is saved as .csv or .xlsx; give a path ending so.")
    chosen = fmt or SUFFIXES.get(suffix, "csv")
    if save_to and SUFFIXES[suffix] != chosen:
        raise UserError(
            f"format {chosen!r} does not match {save_to}; use a .{chosen} path or leave format out."
        )
    return chosen


def export_accounts(
    service: PortfolioService,
    *,
    portfolio: str | None,
    filters: dict[str, Any] | None,
    sort_by: SortKey,
    fmt: ExportFormat | None,
    save_to: str | None,
    roots: list[Path],
) -> AccountExport:
    """Write the selected accounts to `save_to` (a new file inside an allowed directory); a CSV under
    8 KB also comes back inline, and without save_to only such a CSV can be returned."""
    from customer_success_mcp.query.export import INLINE_CSV_BYTES, encode, export_summary, export_table
    from customer_success_mcp.query.models import QueryError

    chosen = _format(fmt, save_to)
    selected = filters_from(filters)
    cached = service.cached_portfolio(portfolio)
    try:
        columns, rows = export_table(cached.scored, selected, sort_by)
    except QueryError as exc:
        raise UserError(str(exc)) from None
    data = encode(chosen, columns, rows)
    saved = None
    if save_to is not None:
        try:
            saved = str(write_new(save_to, service.allowed_dirs(roots), data, suffixes=(f".{chosen}",),
                                  what=f"{chosen.upper()} export"))  # fmt: skip
        except FileAccessError as exc:
            raise UserError(str(exc)) from None
    elif chosen != "csv" or len(data) > INLINE_CSV_BYTES:
        raise UserError(
            f"The export is {plural(len(rows), 'account')}, {len(data):,} bytes as {chosen}: too large to "
            f"return inline (a CSV up to {INLINE_CSV_BYTES:,} bytes is). Give save_to, a new .csv or .xlsx "
            "path inside an allowed directory."
        )
    summary = export_summary(chosen, columns, rows, data, filters=selected, sort_by=sort_by, saved_to=saved)
    return AccountExport(snapshot=snapshot_ref(cached.info), **summary.model_dump())
