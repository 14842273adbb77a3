"""How CSV and Excel exports were read and mapped, as text (for `csm inspect` and the tools' text blocks)."""

from __future__ import annotations

from collections.abc import Callable

from customer_success_mcp.ingest.report import ExportInspection, FileImport, ImportSummary

Clean = Callable[[str], str]
SAMPLE_WIDTH = 240


def _how_read(e: FileImport) -> str:
    if e.format == "xlsx":
        return f"Excel, sheet {e.sheet}"
    delimiter = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}.get(
        e.delimiter or ",", e.delimiter
    )
    return f"CSV, {e.encoding}, {delimiter}-separated"


def inspection_lines(e: ExportInspection, clean: Clean) -> list[str]:
    """One export: how it was read, every mapped column with its confidence, what is left, a sample."""
    lines = [f"{clean(e.source)}: {_how_read(e)}; {e.rows} rows, {len(e.headers)} columns"]
    if e.reused_saved_mapping:
        lines.append("Reused the mapping saved when this export (same headers) last loaded.")
    lines.append("Mapping (header -> contract field, confidence, origin):")
    for m in e.columns:
        note = f"; {m.note}" if m.note else ""
        lines.append(f"  {clean(m.header)} -> {m.field} ({m.confidence:g}, {m.origin}{note})")
    if e.unmapped:
        lines.append("Unmapped (left out): " + ", ".join(clean(h) for h in e.unmapped))
    if e.ignored:
        lines.append("Ignored by the mapping: " + ", ".join(clean(h) for h in e.ignored))
    lines += [f"Not mapped: {clean(hint)}" for hint in e.hints]
    if e.not_found:
        lines.append("Key fields no column supplies: " + ", ".join(e.not_found))
    if e.date_order:
        lines.append(f"Slash dates read as {e.date_order}.")
    lines += [f"Needs attention: {clean(issue)}" for issue in e.issues]
    if e.sample:
        lines.append(f"Sample (first {len(e.sample)} rows):")
        for row in e.sample:
            text = " | ".join(f"{h}={v}" for h, v in row.items() if v is not None)
            lines.append("  " + clean(text if len(text) <= SAMPLE_WIDTH else text[: SAMPLE_WIDTH - 1] + "…"))
    return lines


def import_lines(imports: list[ImportSummary], clean: Clean) -> list[str]:
    """A line per imported export for a load's summary."""
    lines = []
    for i in imports:
        parts = [f"{clean(i.source)}: {i.rows} rows, {i.mapped} columns mapped"]
        if i.reused_saved_mapping:
            parts.append("reused the saved mapping")
        if i.check:
            parts.append("check " + "; ".join(clean(c) for c in i.check))
        if i.unmapped:
            parts.append(
                "unmapped "
                + ", ".join(clean(h) for h in i.unmapped[:8])
                + (" …" if len(i.unmapped) > 8 else "")
            )
        lines.append(" · ".join(parts))
    return lines
