"""query_portfolio / csm query: one read-only SQL statement over the scored portfolio (issue 10, item 1)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from mcp import Client

from conftest import AS_OF, make_account, score
from customer_success_mcp.cli import main
from customer_success_mcp.query.sql import QueryRefused, build_database
from customer_success_mcp.server.app import build_server
from customer_success_mcp.server.config import ServerConfig

BOOK = [
    make_account(customer_id="A", name="Alpha", segment="enterprise", arr=300_000, owner="Ana",
                 relationship_signals={"champion_left": True}),
    make_account(customer_id="B", name="Beta", segment="enterprise", arr=200_000, owner="Ben"),
    # Every churn signal at its worst: C is critical under any weighting.
    make_account(customer_id="C", name="Gamma", segment="smb", arr=20_000, owner="Ana",
                 usage_decline={"login_trend": -50, "feature_adoption_change": -30, "dau_mau_change": -0.2},
                 engagement_drop={"meeting_cancellations": 4, "response_time_days": 10, "nps_change": -4},
                 support_issues={"unresolved_critical": 3, "satisfaction_trend": "critical",
                                 "open_escalations": 3},
                 relationship_signals={"champion_left": True, "sponsor_change": True,
                                       "competitor_mentions": 3},
                 commercial_factors={"contract_type": "month-to-month", "budget_cuts_mentioned": True,
                                     "pricing_complaints": True},
                 contract_end_date=(AS_OF + dt.timedelta(days=10)).isoformat()),
]  # fmt: skip


@pytest.fixture(scope="module")
def database():
    scored = score(*BOOK)
    assert scored.report.accepted == 3
    return scored, build_database(scored)


def test_grouped_aggregates_agree_with_the_engine(database):
    scored, db = database
    result = db.query(
        "SELECT segment, COUNT(*) AS n, SUM(arr) AS arr, "
        "SUM(CASE WHEN risk_tier IN ('critical','high') THEN arr ELSE 0 END) AS at_risk "
        "FROM accounts GROUP BY segment ORDER BY segment"
    )
    assert result.columns == ["segment", "n", "arr", "at_risk"]
    assert scored.churn.tier(scored.table.index_of("C")) == "critical"
    assert result.rows == [["enterprise", 2, 500_000.0, 0.0], ["smb", 1, 20_000.0, 20_000.0]]
    assert (result.total, result.truncated, result.note) == (2, False, None)


def test_the_tables_hold_what_the_engine_says(database):
    scored, db = database
    owners = db.query("SELECT owner, COUNT(*) FROM accounts GROUP BY owner ORDER BY owner").rows
    assert owners == [["Ana", 2], ["Ben", 1]]
    warnings = db.query("SELECT customer_id, severity, signal FROM warnings ORDER BY customer_id").rows
    expected = [
        [scored.table.ids[r], w.severity, w.signal] for r in range(3) for w in scored.churn.warnings(r)
    ]
    assert sorted(map(tuple, warnings)) == sorted(map(tuple, expected))
    playbook = db.query(
        "SELECT a.customer_id, a.playbook_tier, COUNT(s.step) FROM accounts a JOIN playbook_steps "
        "s ON s.tier = a.playbook_tier WHERE a.customer_id = 'A' GROUP BY 1, 2"
    ).rows
    # A's champion left: a critical warning escalates its playbook to the high tier's steps
    assert playbook == [["A", "high", len(scored.profile.interventions["high"].steps)]]
    status = db.query("SELECT days_to_renewal, contract_status FROM accounts WHERE customer_id = 'C'").rows
    assert status == [[10, "renewing"]]


def test_thin_data_is_the_accounts_the_overview_counts():
    """One account without a relationship section: a health dimension with no data, so its scores rest
    on thin data; the SQL column, find_accounts' filter and the overview's count agree."""
    from customer_success_mcp.pipeline import summarise
    from customer_success_mcp.query.accounts import find_accounts
    from customer_success_mcp.query.models import AccountFilter

    scored = score(make_account(customer_id="FULL"), make_account(customer_id="THIN", relationship=None))
    db = build_database(scored)
    rows = db.query("SELECT customer_id, thin_data FROM accounts ORDER BY customer_id").rows
    assert rows == [["FULL", 0], ["THIN", 1]]
    page = find_accounts(scored, AccountFilter(thin_data=True))
    assert [r.customer_id for r in page.accounts] == ["THIN"]
    assert page.reason_kind == "coverage"
    assert "no data for Relationship" in (page.accounts[0].top_reason or "")
    assert summarise(scored).data_quality.low_coverage_accounts == 1


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM accounts",
        "UPDATE accounts SET arr = 0",
        "INSERT INTO accounts (customer_id) VALUES ('x')",
        "CREATE TABLE t (a INTEGER)",
        "CREATE TEMP TABLE t AS SELECT 1",
        "DROP TABLE accounts",
        "ATTACH '/tmp/csm-outside.duckdb' AS outside",
        "COPY accounts TO '/tmp/csm-leak.csv'",
        "SELECT * FROM read_csv('/etc/passwd')",
        "INSTALL httpfs",
        "LOAD httpfs",
        "SET threads = 64",
        "PRAGMA enable_profiling",
        "SELECT 1; SELECT 2",
    ],
)
def test_anything_but_one_read_is_refused_by_the_engine(database, statement):
    _, db = database
    with pytest.raises(QueryRefused, match=r"Only reading is allowed|one statement at a time"):
        db.query(statement)
    assert db.query("SELECT COUNT(*) FROM accounts").rows == [[3]]  # nothing changed


def test_a_runaway_statement_is_stopped(database):
    _, db = database
    with pytest.raises(QueryRefused, match=r"ran past 0\.3 s and was stopped"):
        db.query("SELECT COUNT(*) FROM range(100000000000) a", time_limit_ms=300)


def test_rows_past_the_limit_are_cut_with_a_note(database):
    _, db = database
    result = db.query("SELECT * FROM range(5000) r", max_rows=10)
    assert (result.total, len(result.rows), result.truncated) == (5000, 10, True)
    assert "5,000 rows: showing the first 10" in (result.note or "")


def test_an_unknown_table_names_the_schema(database):
    _, db = database
    with pytest.raises(QueryRefused, match=r"nope.*Tables: accounts\(customer_id"):
        db.query("SELECT * FROM nope")


@pytest.mark.anyio
async def test_query_portfolio_through_the_protocol(tmp_path: Path):
    config = ServerConfig(data_dir=tmp_path / "data", allowed_dirs=(tmp_path,))
    async with Client(build_server(config)) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        description = tools["query_portfolio"].description or ""
        assert (
            "accounts(" in description and "health_class (green|yellow|red|insufficient_data)" in description
        )
        assert tools["query_portfolio"].annotations.read_only_hint is True
        loaded = await client.call_tool(
            "load_portfolio", {"accounts": BOOK, "name": "book", "as_of": "2026-11-23"}
        )
        assert not loaded.is_error
        result = await client.call_tool(
            "query_portfolio",
            {"sql": "SELECT owner, SUM(arr) AS arr FROM accounts GROUP BY owner ORDER BY owner"},
        )
        assert not result.is_error
        assert result.structured_content["result"]["rows"] == [["Ana", 320000.0], ["Ben", 200000.0]]
        text = result.content[0].text
        assert "Ana | 320000" in text and "Ben | 200000" in text
        refused = await client.call_tool("query_portfolio", {"sql": "DROP TABLE accounts"})
        assert refused.is_error and "Only reading is allowed" in refused.content[0].text


def test_csm_query(tmp_path: Path, capsys):
    path = tmp_path / "book.json"
    path.write_text(json.dumps({"as_of": "2026-11-23", "customers": BOOK}))
    assert main(["query", str(path), "SELECT customer_id, arr FROM accounts ORDER BY arr DESC LIMIT 2"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["customer_id", "arr"]
    assert "A            300000" in out or out.splitlines()[2].split() == ["A", "300000"]
    assert main(["query", str(path), "DELETE FROM accounts"]) == 2
    assert "Only reading is allowed" in capsys.readouterr().err
