"""The load report: what happened to every input account (accepted + rejected = total)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class FieldProblem(BaseModel):
    field: str = Field(description="Field path, e.g. usage.login_frequency")
    reason: str
    file: str | None = Field(None, description="For CSV and Excel imports: the file the value came from")
    row: int | None = Field(None, description="Its row as a spreadsheet shows it (the header is row 1)")
    column: str | None = Field(None, description="Its column header")


class Rejection(BaseModel):
    index: int = Field(description="Position of the account in the input, from 0")
    customer_id: str | None
    problems: list[FieldProblem]


class DataNote(BaseModel):
    index: int
    customer_id: str | None
    field: str
    note: str


class LoadReport(BaseModel):
    """What happened to every input account: accepted + rejected = total."""

    total: int
    accepted: int
    rejected: int
    rejections: list[Rejection]
    notes: list[DataNote] = Field(description="Accepted accounts with values worth a second look")
    as_of_source: str | None = Field(
        None, description="Where the scoring date came from: argument, file (its as_of) or today"
    )


def where(problem: FieldProblem) -> str:
    """'crm.csv row 14, column "ARR (USD)": ' for an imported value; '' for JSON input."""
    if problem.file is None:
        return ""
    parts = [problem.file]
    if problem.row is not None:
        parts.append(f"row {problem.row}")
    text = " ".join(parts)
    if problem.column is not None:
        text += f', column "{problem.column}"'
    return text + ": "


class ColumnMatch(BaseModel):
    """One column of an export and the contract field it feeds."""

    index: int = Field(description="Position of the column in the file, from 0")
    header: str
    field: str = Field(description="Contract field path, e.g. usage.login_frequency")
    confidence: float = Field(
        description="1 explicit or saved; 0.95 a known header; lower for close spellings"
    )
    origin: Literal["explicit", "saved", "synonym", "similar"]
    note: str | None = Field(None, description="What to check about this match")


class FileImport(BaseModel):
    """How one CSV or Excel export was read and mapped."""

    source: str
    format: str = Field(description="csv or xlsx")
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    rows: int = Field(description="Data rows read (header and blank rows not counted)")
    columns: list[ColumnMatch] = Field(description="Mapped columns, in file order")
    unmapped: list[str] = Field(description="Headers left out: no contract field means the same")
    ignored: list[str] = Field(default_factory=list, description="Headers the mapping said to ignore")
    not_found: list[str] = Field(description="Key contract fields no column supplied")
    hints: list[str] = Field(default_factory=list, description="Why a header that looks close was not mapped")
    date_order: str | None = Field(None, description="MDY or DMY for slash dates, when given or saved")
    reused_saved_mapping: bool = Field(
        description="A mapping saved from an earlier load of this export was used"
    )
    key: str = Field(description="Identifies this export's header set; the saved mapping is stored under it")

    def saved_form(self) -> dict[str, object]:
        """What the store keeps for this export: header -> field ('ignore' included), and the date order."""
        columns = {m.header: m.field for m in self.columns} | dict.fromkeys(self.ignored, "ignore")
        return {"columns": columns, **({"date_order": self.date_order} if self.date_order else {})}

    def summary(self) -> ImportSummary:
        check = [f"{m.header} -> {m.field} ({m.confidence:g}{': ' + m.note if m.note else ''})"
                 for m in self.columns if m.confidence < 0.9]  # fmt: skip
        return ImportSummary(source=self.source, rows=self.rows, mapped=len(self.columns), check=check,
                             unmapped=self.unmapped,
                             reused_saved_mapping=self.reused_saved_mapping)  # fmt: skip


class ImportSummary(BaseModel):
    """One imported export in a few fields (inspect_export shows the whole mapping)."""

    source: str
    rows: int
    mapped: int = Field(description="Columns mapped to contract fields")
    check: list[str] = Field(
        description="Columns mapped with less than high confidence: header -> field (why)"
    )
    unmapped: list[str] = Field(description="Headers no contract field matched (left out)")
    reused_saved_mapping: bool = Field(
        description="A mapping saved from an earlier load of this export was used"
    )


class ExportInspection(FileImport):
    """An export before loading: its headers, a sample, the proposed mapping and what needs attention."""

    headers: list[str]
    sample: list[dict[str, str | None]] = Field(description="The first rows as read, header -> cell")
    issues: list[str] = Field(description="What would stop or reject accounts on load, column by column")
