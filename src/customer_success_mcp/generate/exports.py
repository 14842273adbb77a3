"""A generated portfolio written as the exports a CS team really gets: one file per system.

A CRM (accounts, ARR, renewal dates, owner, relationship and commercial fields), a product-analytics
tool (logins, adoption, seats, modules), a support desk (tickets, escalations, CSAT; an Excel
workbook) and a survey tool (NPS; semicolon-separated, Windows-1252), each with its own headers and
number formats, all keyed on the account id. Loading them together gives the same scores as the
JSON they came from (the owner column, which the JSON format has too but the generator leaves out, is
added here for every account).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

Format = Callable[[Any], str]
CSM_NAMES = ("Dana Whitfield", "Marco Ruiz", "Priya Natarajan", "Tom Becker", "Aiko Tanaka", "Lena Sorensen")


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _money(value: Any) -> str:
    return f"${value:,.0f}" if float(value).is_integer() else f"${value:,.2f}"


def _percent_of_ratio(value: Any) -> str:
    """0.12 -> '12%' when that reads back exactly; the plain ratio otherwise."""
    text = f"{value * 100:g}"
    return f"{text}%" if float(text) / 100 == value else _plain(value)


def _us_date(value: Any) -> str:
    day = dt.date.fromisoformat(value)
    return f"{day.month:02d}/{day.day:02d}/{day.year}"


def _listed(value: Any) -> str:
    return "; ".join(value) if value else "none"


Column = tuple[str, str, Format]  # header, contract path, how the system writes it

CRM: tuple[Column, ...] = (
    ("Account ID", "customer_id", _plain),
    ("Account Name", "name", _plain),
    ("Segment", "segment", _plain),
    ("Account Owner", "owner", _plain),
    ("ARR (USD)", "arr", _money),
    ("Contract Start", "contract_start_date", _plain),
    ("Renewal Date", "contract_end_date", _us_date),
    ("Contract Type", "commercial_factors.contract_type", _plain),
    ("Plan", "contract.plan_tier", _plain),
    ("Upgrade Options", "contract.available_tiers", _listed),
    ("Licensed Seats", "contract.licensed_seats", _plain),
    ("Exec Sponsor Engagement", "relationship.executive_sponsor_engagement", _plain),
    ("Contacts Engaged", "relationship.multi_threading_depth", _plain),
    ("Renewal Sentiment", "relationship.renewal_sentiment", _plain),
    ("Meeting Attendance %", "engagement.meeting_attendance", _plain),
    ("Meetings Cancelled", "engagement_drop.meeting_cancellations", _plain),
    ("Days to Respond", "engagement_drop.response_time_days", _plain),
    ("Champion Left", "relationship_signals.champion_left", _plain),
    ("Sponsor Change", "relationship_signals.sponsor_change", _plain),
    ("Competitor Mentions", "relationship_signals.competitor_mentions", _plain),
    ("Pricing Complaints", "commercial_factors.pricing_complaints", _plain),
    ("Budget Cuts", "commercial_factors.budget_cuts_mentioned", _plain),
    ("Departments", "departments.current", _listed),
    ("Potential Departments", "departments.potential", _listed),
    ("Goals Met %", "outcomes.goals_met_pct", _plain),
    ("ROI Promised", "outcomes.roi_promised", _plain),
    ("ROI Achieved", "outcomes.roi_achieved", _plain),
    ("KPI Improvement %", "outcomes.kpi_improvement_pct", _plain),
    ("Time to Value (days)", "outcomes.time_to_value_days", _plain),
    ("Previous Usage Score", "previous_period.usage_score", _plain),
    ("Previous Engagement Score", "previous_period.engagement_score", _plain),
    ("Previous Support Score", "previous_period.support_score", _plain),
    ("Previous Relationship Score", "previous_period.relationship_score", _plain),
    ("Previous Outcomes Score", "previous_period.outcomes_score", _plain),
    ("Previous Health Score", "previous_period.overall_score", _plain),
)
PRODUCT: tuple[Column, ...] = (
    ("account_id", "customer_id", _plain),
    ("login_rate_pct", "usage.login_frequency", _plain),
    ("feature_adoption_pct", "usage.feature_adoption", _plain),
    ("dau_mau", "usage.dau_mau_ratio", _plain),
    ("active_seats", "contract.active_seats", _plain),
    ("login_trend_pct", "usage_decline.login_trend", _plain),
    ("adoption_change", "usage_decline.feature_adoption_change", _plain),
    ("dau_mau_change", "usage_decline.dau_mau_change", _plain),
)
SUPPORT: tuple[Column, ...] = (
    ("Acct Id", "customer_id", _plain),
    ("Tickets (90d)", "engagement.support_ticket_volume", _plain),
    ("Open Tickets", "support.open_tickets", _plain),
    ("Escalation Rate", "support.escalation_rate", _percent_of_ratio),
    ("Avg Resolution Time (hrs)", "support.avg_resolution_hours", _plain),
    ("Open Escalations", "support_issues.open_escalations", _plain),
    ("Unresolved Critical", "support_issues.unresolved_critical", _plain),
    ("CSAT", "engagement.csat_score", _plain),
    ("Satisfaction Trend", "support_issues.satisfaction_trend", _plain),
)
SURVEY: tuple[Column, ...] = (
    ("Company ID", "customer_id", _plain),
    ("NPS", "engagement.nps_score", _plain),
    ("NPS Change", "engagement_drop.nps_change", _plain),
)
FILES: dict[str, tuple[Column, ...]] = {
    "crm_accounts.csv": CRM,
    "product_analytics.csv": PRODUCT,
    "support_desk.xlsx": SUPPORT,
    "nps_survey.csv": SURVEY,
}


def _value(account: Mapping[str, Any], path: str) -> Any:
    section, _, name = path.rpartition(".")
    holder = account.get(section) if section else account
    return holder.get(name) if isinstance(holder, Mapping) else None


def _modules(customers: list[Mapping[str, Any]]) -> list[str]:
    return sorted({m for c in customers for m in (c.get("product_usage") or {})})


def export_rows(data: Mapping[str, Any]) -> dict[str, tuple[list[str], list[list[str]]]]:
    """Per export file: its headers and its rows of cell text ('' for a value the account does not have)."""
    customers = list(data["customers"])
    owners = {c["customer_id"]: CSM_NAMES[i % len(CSM_NAMES)] for i, c in enumerate(customers)}
    tables = {}
    for name, columns in FILES.items():
        headers = [h for h, _, _ in columns]
        rows = []
        for c in customers:
            row = []
            for _, path, write in columns:
                value = owners[c["customer_id"]] if path == "owner" else _value(c, path)
                row.append("" if value is None else write(value))
            rows.append(row)
        tables[name] = (headers, rows)
    headers, rows = tables["product_analytics.csv"]
    for module in _modules(customers):
        headers += [f"product_usage.{module}.adopted", f"product_usage.{module}.usage_pct"]
        for c, row in zip(customers, rows, strict=True):
            entry = (c.get("product_usage") or {}).get(module)
            row += (
                ["", ""]
                if entry is None
                else [_plain(entry.get("adopted", False)), _plain(entry.get("usage_pct", 0))]
            )
    _dates_readable(tables["crm_accounts.csv"])
    return tables


def _dates_readable(table: tuple[list[str], list[list[str]]]) -> None:
    """US dates only where the values show the order (some day above 12); ISO otherwise, so loading never
    has to ask."""
    headers, rows = table
    j = headers.index("Renewal Date")
    if not any(r[j] and int(r[j][3:5]) > 12 for r in rows):
        for r in rows:
            if r[j]:
                month, day, year = r[j].split("/")
                r[j] = f"{year}-{month}-{day}"


def _csv_bytes(headers: list[str], rows: list[list[str]], delimiter: str, encoding: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode(encoding, errors="replace")


def _xlsx_bytes(headers: list[str], rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Tickets by account")
    sheet.append(headers)
    for row in rows:
        sheet.append([_typed(cell) for cell in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _typed(cell: str) -> Any:
    """Numbers as Excel numbers, as a support desk's workbook holds them; text stays text."""
    if cell == "":
        return None
    try:
        number = float(cell)
    except ValueError:
        return cell
    return int(number) if number.is_integer() and "." not in cell else number


def write_exports(data: Mapping[str, Any], directory: Path, *, excel: bool = True) -> list[Path]:
    """Write the four exports into `directory` (created if needed) as new files, all or none: when any
    of the four names is taken (a file or a link), nothing is written (FileWriteError), and a failure
    midway removes what was written. `excel=False` writes the support desk as CSV too. Returns the paths."""
    import contextlib

    from customer_success_mcp.fileio import FileWriteError, write_new_file

    files: list[tuple[Path, bytes]] = []
    for name, (headers, rows) in export_rows(data).items():
        if name.endswith(".xlsx") and not excel:
            name = name.replace(".xlsx", ".csv")
        if name.endswith(".xlsx"):
            content = _xlsx_bytes(headers, rows)
        elif name == "nps_survey.csv":
            content = _csv_bytes(headers, rows, ";", "cp1252")
        else:
            content = _csv_bytes(headers, rows, ",", "utf-8-sig")
        files.append((directory / name, content))
    taken = [path.name for path, _ in files if os.path.lexists(path)]
    if taken:
        raise FileWriteError(
            f"{directory} already holds {', '.join(taken)}; nothing is overwritten, so choose another folder."
        )
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    try:
        for path, content in files:
            write_new_file(path, content)
            written.append(path)
    except FileWriteError:
        for path in written:
            with contextlib.suppress(OSError):
                path.unlink()
        raise
    return written
