"""Reading a portfolio: file or inline data -> accepted accounts and a rejection report."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydantic_core import from_json

from customer_success_mcp.fileio import MB
from customer_success_mcp.ingest.columns import validate_records
from customer_success_mcp.ingest.errors import UTF8_BOM, InputError
from customer_success_mcp.ingest.report import DataNote, FieldProblem, FileImport, LoadReport, Rejection
from customer_success_mcp.scoring.profile import Profile
from customer_success_mcp.scoring.table import AccountTable


class LoadedPortfolio:
    """Validated accounts ready for scoring, and the report of what was kept."""

    def __init__(
        self,
        table: AccountTable,
        report: LoadReport,
        extras: dict[str, Any],
        accepted_records: list[Any] | None = None,
    ) -> None:
        self.table = table
        self.report = report
        self.extras = extras
        self.accepted_records = accepted_records  # the accepted inputs as read, when asked to keep them
        self.imports: list[FileImport] = []  # how each CSV or Excel export was read and mapped


@contextmanager
def gc_paused() -> Iterator[None]:
    """Building millions of small containers triggers the cyclic GC over and over; none are cycles. On the
    way out, what was built goes straight to the oldest generation (`gc.freeze` then `gc.unfreeze`): the
    young collection that would follow at once walks every one of the table's 100,000-item lists only to
    find them alive (8 ms for 100,000 accounts). Garbage cycles are still collected, by the next full
    collection. Not when the application has frozen objects of its own: unfreezing would thaw them too."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if not gc.get_freeze_count():
                gc.freeze()
                gc.unfreeze()
            gc.enable()


DEFAULT_MAX_FILE_BYTES = 256 * MB


def parse_json(data: bytes, source: str) -> Any:
    if data.startswith(UTF8_BOM):  # Excel and PowerShell exports often start with one
        data = data[len(UTF8_BOM) :]
    try:
        with gc_paused():
            return from_json(data, allow_inf_nan=True)
    except ValueError as exc:
        raise InputError(f"{source}: not valid JSON: {exc}") from None


def accounts_of(document: Any, source: str) -> tuple[list[Any], dict[str, Any]]:
    """The list of accounts in a document, and the document's other top-level keys."""
    if isinstance(document, list):
        records, extras = document, {}
    elif isinstance(document, dict) and "customers" in document:
        records = document["customers"]
        extras = {k: v for k, v in document.items() if k != "customers"}
    else:
        raise InputError(f'{source}: expected an object with a "customers" list (or a list of accounts)')
    if not isinstance(records, list):
        raise InputError(f'{source}: "customers" must be a list of accounts')
    if not records:
        raise InputError(f"{source}: no customers in the file")
    return records, extras


def load_records(
    records: list[Any], profile: Profile, extras: dict[str, Any] | None = None, *, keep_records: bool = False
) -> LoadedPortfolio:
    """Validate account mappings; the report accounts for every one of them.

    `keep_records` keeps the accepted inputs as read (for storing a snapshot); off by default so a
    one-shot run can free the parsed document as soon as its table is built.
    """
    checked = validate_records(records, profile)
    ids = checked.ids_by_row
    rejections = [
        Rejection(index=i, customer_id=ids[i],
                  problems=[FieldProblem(field=f, reason=r) for f, r in errs])
        for i, errs in sorted(checked.problems.errors.items())
    ]  # fmt: skip
    notes = [
        DataNote(index=i, customer_id=ids[i], field=f, note=text)
        for i, found in sorted(checked.problems.notes.items())
        if i not in checked.problems.errors
        for f, text in found
    ]
    report = LoadReport(
        total=checked.total,
        accepted=len(checked.accepted_rows),
        rejected=len(rejections),
        rejections=rejections,
        notes=notes,
    )
    kept = [records[i] for i in checked.accepted_rows] if keep_records else None
    return LoadedPortfolio(checked.table, report, extras or {}, kept)


def load_bytes(
    data: bytes, profile: Profile, source: str = "input", *, keep_records: bool = False
) -> LoadedPortfolio:
    """Parse and validate a JSON document, with the cyclic GC paused from the first byte to the table."""
    with gc_paused():
        document = parse_json(data, source)
        records, extras = accounts_of(document, source)
        return load_records(records, profile, extras, keep_records=keep_records)
