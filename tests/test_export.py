"""export_accounts / csm export: the filtered accounts as a spreadsheet, with formulas kept as text."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from conftest import AS_OF, assert_text_carries_structure, make_account
from customer_success_mcp.cli import main
from customer_success_mcp.server.app import build_server
from customer_success_mcp.server.config import ServerConfig

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "portfolio.json"
HOSTILE_NAMES = ['=HYPERLINK("http://x","click")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "Plain Co"]
RED = {"usage": {"login_frequency": 5, "feature_adoption": 5, "dau_mau_ratio": 0.02},
       "engagement": {"support_ticket_volume": 30, "meeting_attendance": 5, "nps_score": 1,
                      "csat_score": 1.0},
       "support": {"open_tickets": 40, "escalation_rate": 0.9, "avg_resolution_hours": 400},
       "relationship": {"executive_sponsor_engagement": 5, "multi_threading_depth": 1,
                        "renewal_sentiment": "negative"}}  # fmt: skip
BOOK = [make_account(customer_id=f"H-{i}", name=name, arr=10_000 * (i + 1), **RED)
        for i, name in enumerate(HOSTILE_NAMES)]  # fmt: skip
BOOK.append(make_account(customer_id="G-1", name="Green Co"))


def ok(result: Any) -> dict[str, Any]:
    assert not result.is_error, result.content[0].text
    return result.structured_content


def error(result: Any, *needles: str) -> str:
    assert result.is_error
    text = result.content[0].text
    assert "Traceback" not in text and all(n in text for n in needles), text
    return text


@pytest.fixture
def allowed(tmp_path: Path) -> Path:
    d = tmp_path / "out"
    d.mkdir()
    return d


@pytest.fixture
async def client(tmp_path: Path, allowed: Path):  # type: ignore[no-untyped-def]
    config = ServerConfig(data_dir=tmp_path / "data", allowed_dirs=(allowed,))
    async with Client(build_server(config)) as c:
        ok(
            await c.call_tool(
                "load_portfolio", {"accounts": BOOK, "name": "book", "as_of": AS_OF.isoformat()}
            )
        )
        yield c


@pytest.mark.anyio
async def test_the_red_accounts_as_a_csv_in_one_call_with_formulas_as_text(client: Client) -> None:
    red = ok(await client.call_tool("find_accounts", {"health": "red", "limit": 100}))
    result = await client.call_tool("export_accounts", {"filters": {"health": "red"}})
    export = ok(result)
    assert_text_carries_structure(result)
    assert export["accounts"] == red["total"] == len(HOSTILE_NAMES)  # the green account is not in it
    table = list(csv.reader(io.StringIO(export["csv"])))
    header, rows = table[0], table[1:]
    columns = ok(await client.call_tool("query_portfolio", {"sql": "SELECT * FROM accounts LIMIT 0"}))
    assert header == columns["result"]["columns"]  # every column of the SQL accounts table, same order
    names = [row[header.index("name")] for row in rows]
    # Largest ARR first (the default sort); every formula-like name behind an apostrophe, the rest as is.
    expected = ["'" + n if n[0] in "=+-@" else n for n in reversed(HOSTILE_NAMES)]
    assert names == expected
    assert [row[header.index("health_class")] for row in rows] == ["red"] * len(rows)
    assert [float(row[header.index("arr")]) for row in rows] == [
        50_000.0,
        40_000.0,
        30_000.0,
        20_000.0,
        10_000.0,
    ]
    assert export["preview"]["rows"][0][header.index("customer_id")] == "H-4"
    assert rows[0][header.index("arr")] == "50000"  # whole numbers as a spreadsheet writes them, no ".0"
    assert export["saved_to"] is None and export["bytes"] == len(export["csv"].encode("utf-8"))
    # A text-only host reads the same file: the CSV's lines, one per line of the text, in order.
    text = result.content[0].text
    csv_lines = export["csv"].splitlines()
    assert f"csv ({len(csv_lines)} lines):" in text
    start = text.splitlines().index(f"csv ({len(csv_lines)} lines):") + 1
    assert [line.strip() for line in text.splitlines()[start : start + len(csv_lines)]] == csv_lines


@pytest.mark.anyio
async def test_an_excel_file_is_written_new_with_text_cells_never_formulas(
    client: Client, allowed: Path
) -> None:
    from openpyxl import load_workbook

    target = allowed / "red.xlsx"
    export = ok(
        await client.call_tool("export_accounts", {"filters": {"health": "red"}, "save_to": str(target)})
    )
    assert (
        export["format"] == "xlsx" and export["saved_to"] == str(target.resolve()) and export["csv"] is None
    )
    assert target.stat().st_size == export["bytes"]
    sheet = load_workbook(target).active
    header = [c.value for c in sheet[1]]
    cells = {row[header.index("customer_id")].value: row for row in sheet.iter_rows(min_row=2)}
    assert len(cells) == len(HOSTILE_NAMES)
    formula = cells["H-0"][header.index("name")]
    assert formula.data_type == "s" and formula.value == HOSTILE_NAMES[0]  # text, not a formula
    assert cells["H-1"][header.index("arr")].value == 20_000  # numbers stay numbers
    again = await client.call_tool("export_accounts", {"save_to": str(target)})
    error(again, "already exists")
    assert load_workbook(target).active.max_row == len(HOSTILE_NAMES) + 1  # untouched


@pytest.mark.anyio
async def test_exports_go_only_to_new_files_in_allowed_directories(client: Client, tmp_path: Path) -> None:
    error(await client.call_tool("export_accounts", {"save_to": str(tmp_path / "elsewhere.csv")}), "allowed")
    assert not (tmp_path / "elsewhere.csv").exists()
    error(await client.call_tool("export_accounts", {"filters": {"colour": "red"}}), "colour", "health")
    error(await client.call_tool("export_accounts", {"filters": {"health": "purple"}}), "green")
    error(await client.call_tool("export_accounts", {"format": "xlsx"}), "save_to")
    error(await client.call_tool("export_accounts", {"save_to": "/x/report.pdf"}), ".csv or .xlsx")


@pytest.mark.anyio
async def test_a_large_csv_asks_for_a_file_instead_of_flooding_the_reply(
    tmp_path: Path, allowed: Path
) -> None:
    import shutil

    shutil.copy(EXAMPLE, allowed / "portfolio.json")
    config = ServerConfig(data_dir=tmp_path / "data2", allowed_dirs=(allowed,))
    async with Client(build_server(config)) as c:
        ok(await c.call_tool("load_portfolio", {"path": str(allowed / "portfolio.json")}))
        error(await c.call_tool("export_accounts", {}), "50 accounts", "save_to")
        saved = ok(
            await c.call_tool("export_accounts", {"save_to": str(allowed / "all.csv"), "sort_by": "risk"})
        )
    assert saved["accounts"] == 50 and saved["csv"] is None and len(saved["preview"]["rows"]) == 5
    rows = list(csv.DictReader(io.StringIO((allowed / "all.csv").read_text(encoding="utf-8"))))
    risks = [float(r["risk"]) for r in rows]
    assert len(rows) == 50 and risks == sorted(risks, reverse=True)


def test_csm_export_matches_csm_find(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["find", str(EXAMPLE), "--segment", "smb", "--format", "json", "--limit", "100"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert main(["export", str(EXAMPLE), "--segment", "smb"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["customer_id"] for r in rows] == [a["customer_id"] for a in found["accounts"]]
    assert main(["export", str(EXAMPLE), "--format", "xlsx"]) == 2
    assert "--output" in capsys.readouterr().err
    target = tmp_path / "smb.xlsx"
    assert main(["export", str(EXAMPLE), "--segment", "smb", "-o", str(target)]) == 0
    assert target.exists() and "wrote 16 accounts" in capsys.readouterr().err
    assert main(["export", str(EXAMPLE), "-o", str(target)]) == 2  # never overwritten
    assert "already exists" in capsys.readouterr().err
