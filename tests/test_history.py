"""Snapshots over time (issue 9, items 3-5): derived history, comparisons, an account's history, the store.

Comparisons are checked on hand-built books whose migrations, retention and movers are known, and
every mover's parts are checked to add up to its change.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mcp import Client

from conftest import make_account, score
from customer_success_mcp.cli import main
from customer_success_mcp.scoring.compare import ScoredSide, compare_scores
from customer_success_mcp.scoring.history import derive_from_earlier
from customer_success_mcp.server.app import build_server
from customer_success_mcp.server.config import ServerConfig
from customer_success_mcp.server.service import PortfolioService
from customer_success_mcp.server.snapshots import account_history, compare_snapshots
from customer_success_mcp.store import SCHEMA_VERSION, SnapshotStore

JAN, FEB = dt.date(2026, 1, 31), dt.date(2026, 2, 28)
RED = {"usage": {"login_frequency": 0, "feature_adoption": 0, "dau_mau_ratio": 0},
       "relationship": {"executive_sponsor_engagement": 0, "multi_threading_depth": 0,
                        "renewal_sentiment": "negative"},
       "engagement": {"meeting_attendance": 0, "nps_score": 0, "csat_score": 0}}  # fmt: skip


def side(*accounts: dict[str, Any], as_of: dt.date) -> ScoredSide:
    s = score(*accounts, as_of=as_of)
    assert s.report.accepted == len(accounts), s.report
    return ScoredSide(s.table, s.health, s.churn, s.as_of)


def book(as_of: dt.date, **changes: dict[str, Any]) -> list[dict[str, Any]]:
    """Three accounts A (100k), B (50k), C (30k), all green; `changes` patch an account by id."""
    accounts = {
        "A": make_account(customer_id="A", name="Alpha", arr=100_000, contract_end_date="2027-12-31"),
        "B": make_account(customer_id="B", name="Beta", arr=50_000, contract_end_date="2027-12-31"),
        "C": make_account(customer_id="C", name="Gamma", arr=30_000, contract_end_date="2027-12-31"),
    }
    for cid, patch in changes.items():
        if patch is None:
            del accounts[cid]
        else:
            accounts[cid] = make_account(customer_id=cid, **{**{"name": accounts[cid]["name"],
                                         "arr": accounts[cid]["arr"],
                                         "contract_end_date": "2027-12-31"}, **patch})  # fmt: skip
    return list(accounts.values())


# --------------------------------------------------------------------------- compare


def test_migration_added_lost_and_retention_by_hand():
    before = side(*book(JAN), as_of=JAN)
    # A grows to 120k and turns red; B shrinks to 40k; C is lost; D (10k) is new.
    after_accounts = book(FEB, A={"arr": 120_000, **RED}, B={"arr": 40_000}, C=None)
    after_accounts.append(make_account(customer_id="D", name="Delta", arr=10_000))
    c = compare_scores(before, side(*after_accounts, as_of=FEB))
    assert (c.accounts_before, c.accounts_after, c.accounts_in_both, c.added, c.lost) == (3, 3, 2, 1, 1)
    assert (c.added_arr, c.lost_arr) == (10_000, 30_000)
    # start 180k; expansion 20k (A); contraction 10k (B); churned 30k (C)
    assert (c.start_arr, c.expansion_arr, c.contraction_arr, c.churned_arr) == (
        180_000,
        20_000,
        10_000,
        30_000,
    )
    assert c.nrr == pytest.approx((180_000 + 20_000 - 10_000 - 30_000) / 180_000, abs=1e-4)  # 0.8889
    assert c.grr == pytest.approx((180_000 - 10_000 - 30_000) / 180_000, abs=1e-4)  # 0.7778
    cells = {(x.before, x.after): (x.accounts, x.arr) for x in c.health_migration}
    assert cells == {("green", "red"): (1, 120_000), ("green", "green"): (1, 40_000)}
    assert [a.customer_id for a in c.lost_accounts] == ["C"] and [
        a.customer_id for a in c.added_accounts
    ] == ["D"]
    top = c.health_movers[0]
    assert (top.customer_id, top.class_before, top.class_after) == ("A", "green", "red")
    assert top.change < -50
    assert {p.part for p in top.groups} >= {"usage", "engagement", "relationship"}


def test_an_account_whose_support_becomes_no_data_is_attributed_to_support():
    before = side(*book(JAN, A={"support": {"open_tickets": 14, "escalation_rate": 0.28,
                                            "avg_resolution_hours": 90}}), as_of=JAN)  # fmt: skip
    after = side(*book(FEB, A={"support": None}), as_of=FEB)
    mover = next(m for m in compare_scores(before, after).health_movers if m.customer_id == "A")
    # support was near its maxima (about 7/100): leaving it out lifts the renormalised overall
    assert mover.change > 0
    assert mover.groups[0].part == "support"


TIED_PARTS = """
import datetime as dt, json, sys
sys.path.insert(0, ".")
from conftest import make_account, score
from customer_success_mcp.scoring.compare import ScoredSide, compare_scores

def side(account, as_of):
    s = score(account, as_of=as_of)
    return ScoredSide(s.table, s.health, s.churn, s.as_of)

before = make_account(customer_id="A", name="Alpha", arr=100_000, contract_end_date="2027-12-31")
after = make_account(customer_id="A", name="Alpha", arr=100_000, contract_end_date="2027-12-31")
after["engagement"].update(nps_score=2, csat_score=1)
[mover] = compare_scores(side(before, dt.date(2026, 1, 31)), side(after, dt.date(2026, 2, 28))).health_movers
print(json.dumps([[p.part, p.change] for p in mover.parts]))
"""


def test_parts_that_tie_come_out_in_the_profiles_order_whatever_the_hash_seed():
    # NPS 8 -> 2 and CSAT 4 -> 1 each take 75 points off a sub-score weighted 0.25 in engagement (0.25 of
    # the whole): 0.25 * 0.25 * 75 = 4.6875 points each. Equal parts keep the profile's order (NPS, then
    # CSAT); they used to come out in a set's order, which changes with PYTHONHASHSEED.
    runs = {
        subprocess.run([sys.executable, "-c", TIED_PARTS], capture_output=True, text=True, check=True,
                       cwd=Path(__file__).parent, env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout
        for seed in range(4)
    }  # fmt: skip
    [only] = runs
    assert json.loads(only)[:2] == [["engagement.nps_score", -4.69], ["engagement.csat_score", -4.69]]


def _health_book(draw: st.DrawFn, n: int, prefix: str) -> list[dict[str, Any]]:
    accounts = []
    for i in range(n):
        acct = make_account(customer_id=f"{prefix}{i}", name=f"Acct {i}", arr=draw(st.integers(0, 500_000)))
        acct["usage"]["login_frequency"] = draw(st.floats(0, 80))
        acct["engagement"]["nps_score"] = draw(st.floats(0, 10))
        acct["support"]["open_tickets"] = draw(st.integers(0, 30))
        acct["usage_decline"]["login_trend"] = draw(st.floats(-60, 20))
        acct["relationship_signals"]["champion_left"] = draw(st.booleans())
        if draw(st.booleans()):
            acct.pop("relationship")
        acct["contract_end_date"] = (FEB + dt.timedelta(days=draw(st.integers(-40, 400)))).isoformat()
        accounts.append(acct)
    return accounts


@st.composite
def two_books(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    n = draw(st.integers(1, 6))
    return _health_book(draw, n, "X"), _health_book(draw, n, "X")


@settings(max_examples=40, deadline=None)
@given(two_books())
def test_every_movers_parts_add_up_to_its_change(books):
    before, after = books
    c = compare_scores(side(*before, as_of=JAN), side(*after, as_of=FEB), top=10)
    for mover in [*c.health_movers, *c.risk_movers]:
        assert sum(p.change for p in mover.parts) == pytest.approx(mover.change, abs=1e-9)
        assert sum(p.change for p in mover.groups) == pytest.approx(mover.change, abs=1e-9)
    arr_after = sum(a["arr"] for a in after)
    assert sum(x.arr for x in c.health_migration) == pytest.approx(arr_after)
    assert sum(x.accounts for x in c.risk_migration) == c.accounts_in_both


# --------------------------------------------------------------------------- history derived from a snapshot


def test_previous_scores_and_declines_are_derived_from_the_earlier_snapshot():
    jan = side(*book(JAN, A={"usage": {"login_frequency": 80}, "engagement": {"nps_score": 8}}), as_of=JAN)
    feb_accounts = book(FEB, A={"usage": {"login_frequency": 60}, "engagement": {"nps_score": 5}})
    for acct in feb_accounts:
        acct.pop("usage_decline")
        acct["engagement_drop"].pop("nps_change")
    feb = score(*feb_accounts, as_of=FEB)
    found = derive_from_earlier(feb.table, jan.table, jan.health)
    a = feb.table.index_of("A")
    # login 80 -> 60: -25%; NPS 8 -> 5: -3; previous usage score = January's
    assert found.table.values["usage_decline.login_trend"][a] == pytest.approx(-25.0)
    assert found.table.values["engagement_drop.nps_change"][a] == pytest.approx(-3.0)
    assert found.table.values["previous_period.usage_score"][a] == float(jan.health.dimensions["usage"][0])
    assert found.counts["usage_decline.login_trend"] == 3 and found.counts["previous_period.usage_score"] == 3
    # what the file gave is never overwritten: B kept its own response days, and nothing for a new account
    assert "engagement_drop.response_time_days" not in found.counts


@pytest.fixture
def service(tmp_path: Path) -> PortfolioService:
    return PortfolioService(ServerConfig(data_dir=tmp_path / "data", allowed_dirs=(tmp_path,)))


def test_a_second_load_says_what_it_derived_and_compares_in_one_call(service):
    jan_accounts = book(JAN, A={"usage": {"login_frequency": 80}})
    first = service.load(accounts=jan_accounts, name="book", as_of=JAN)
    assert first.derived is None
    feb_accounts = book(FEB, A={"usage": {"login_frequency": 40}, **{"support": None}}, C=None)
    for acct in feb_accounts:
        acct.pop("usage_decline")
        acct.pop("previous_period", None)
    second = service.load(accounts=feb_accounts, name="book", as_of=FEB)
    assert second.derived is not None and second.derived.snapshot_id == first.snapshot.snapshot_id
    assert second.derived.fields["usage_decline.login_trend"] == 2
    brief = service.account_brief("A", "book")
    login = next(s for c in brief.churn_breakdown.categories for s in c.signals if s.signal == "login") \
        if brief.churn_breakdown else None  # fmt: skip
    assert login is None  # summary detail has no breakdown; the warning shows the derived decline
    assert any(w.signal == "Logins down 50%" for w in brief.churn.warning_signals)
    result = compare_snapshots(service, "book")
    assert (result.from_snapshot.as_of, result.to_snapshot.as_of) == (JAN, FEB)
    assert result.comparison.lost == 1 and result.comparison.lost_accounts[0].customer_id == "C"
    by_id = compare_snapshots(service, "book", str(first.snapshot.snapshot_id), "2026-02-28")
    assert by_id.comparison == result.comparison
    history = account_history(service, "Alpha", "book")
    assert [(p.as_of, p.present) for p in history.points] == [(JAN, True), (FEB, True)]
    assert history.points[1].health is not None and history.points[0].health is not None
    listing = service.list_portfolios().portfolios[0]
    assert [s.as_of for s in listing.history] == [FEB, JAN]


def test_comparing_with_one_snapshot_names_the_fix(service):
    from customer_success_mcp.server.errors import UserError

    service.load(accounts=book(JAN), name="book", as_of=JAN)
    with pytest.raises(UserError, match="one snapshot only: load the next export under the same name"):
        compare_snapshots(service, "book")
    with pytest.raises(UserError, match="has no snapshot '2025-01-01'"):
        compare_snapshots(service, "book", "2025-01-01")
    for odd in ("²", "٣", "1²"):  # digits to str.isdigit; '²' is not a number to int()
        with pytest.raises(UserError, match="is neither a snapshot id nor a date as YYYY-MM-DD"):
            compare_snapshots(service, "book", None, odd)


@pytest.mark.anyio
async def test_compare_snapshots_and_account_history_through_the_protocol(tmp_path):
    config = ServerConfig(data_dir=tmp_path / "data", allowed_dirs=(tmp_path,))
    async with Client(build_server(config)) as client:
        for as_of, accounts in ((JAN, book(JAN)), (FEB, book(FEB, B={"arr": 45_000}))):
            result = await client.call_tool(
                "load_portfolio", {"accounts": accounts, "name": "book", "as_of": as_of.isoformat()}
            )
            assert not result.is_error
        result = await client.call_tool("compare_snapshots", {"portfolio": "book"})
        assert not result.is_error
        data = result.structured_content
        assert data["comparison"]["contraction_arr"] == 5_000
        text = result.content[0].text
        assert "contraction_arr: 5000" in text and "nrr:" in text
        history = await client.call_tool("account_history", {"account": "B"})
        assert [p["arr"] for p in history.structured_content["points"]] == [50_000, 45_000]


def test_csm_diff_compares_two_exports(tmp_path, capsys):
    old, new = tmp_path / "jan.json", tmp_path / "feb.json"
    old.write_text(json.dumps({"as_of": JAN.isoformat(), "customers": book(JAN)}))
    new.write_text(json.dumps({"as_of": FEB.isoformat(), "customers": book(FEB, C=None)}))
    assert main(["diff", str(old), str(new)]) == 0
    out = capsys.readouterr().out
    assert "2026-01-31 -> 2026-02-28" in out and "lost 1 account ($30,000)" in out
    assert "NRR 83.3%" in out  # (180k - 30k) / 180k
    assert max(len(line) for line in out.splitlines()) <= 80
    assert main(["diff", str(old), str(new), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["churned_arr"] == 30_000


# --------------------------------------------------------------------------- the store keeps its word

FIRST_RELEASE_SCHEMA = """
CREATE TABLE snapshots (
    id INTEGER PRIMARY KEY AUTOINCREMENT, portfolio TEXT NOT NULL, as_of TEXT NOT NULL,
    loaded_at TEXT NOT NULL, source TEXT NOT NULL, total INTEGER NOT NULL, accepted INTEGER NOT NULL,
    rejected INTEGER NOT NULL, arr REAL NOT NULL, accounts BLOB NOT NULL, report TEXT NOT NULL
);
CREATE INDEX snapshots_by_portfolio ON snapshots (portfolio, id);
"""


def test_a_store_written_by_the_first_release_opens_and_is_migrated(tmp_path):
    path = tmp_path / SnapshotStore.FILENAME
    conn = sqlite3.connect(path)
    conn.executescript(FIRST_RELEASE_SCHEMA)
    accounts = [make_account(customer_id="A", name="Alpha")]
    report = {"total": 1, "accepted": 1, "rejected": 0, "rejections": [], "notes": []}
    conn.execute(
        "INSERT INTO snapshots (portfolio, as_of, loaded_at, source, total, accepted, rejected, arr,"
        " accounts, report) VALUES ('old', '2026-01-31', '2026-02-01T00:00:00+00:00', 'inline', 1, 1, 0,"
        " 50000, ?, ?)",
        (zlib.compress(json.dumps(accounts).encode()), json.dumps(report)),
    )
    conn.commit()
    conn.close()
    store = SnapshotStore(tmp_path)
    assert [p.latest.portfolio for p in store.portfolios()] == ["old"]
    assert store.accounts(1)[0]["customer_id"] == "A"
    version = store._connection().execute("PRAGMA user_version").fetchone()[0]
    assert version == SCHEMA_VERSION
    store.save_mapping("k", "crm.csv", {"columns": {"Acct": "customer_id"}})  # the newer table exists
    assert store.saved_mapping("k") is not None


def test_a_store_from_a_newer_version_is_refused_with_the_fix(tmp_path):
    conn = sqlite3.connect(tmp_path / SnapshotStore.FILENAME)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(Exception, match=r"newer version of customer-success-mcp .*choose another --data-dir"):
        SnapshotStore(tmp_path).portfolios()


def test_rescoring_under_another_profile_counts_what_it_rejects(tmp_path):
    """A snapshot loaded under a profile with a 'strategic' segment, reread under the default profile:
    those accounts are rejected now, with reasons, and accepted + rejected = total still holds."""
    profile = tmp_path / "strategic.toml"
    seg = "\n".join(f"{k} = {v}" for k, v in {"label": '"Strategic"', "arr_floor": 1_000_000,
                    "green_min": 80, "yellow_min": 55, "seat_expansion_factor": 0.3,
                    "review_every_days": 7}.items())  # fmt: skip
    bench = "[segments.strategic.benchmarks]\n" + "\n".join(
        f"{k} = {v}" for k, v in PortfolioService(ServerConfig(data_dir=tmp_path / "x")).profile.segments[
            "enterprise"].benchmarks.items()
    )  # fmt: skip
    profile.write_text(f"[segments.strategic]\n{seg}\n{bench}\n")
    data = tmp_path / "data"
    first = PortfolioService(ServerConfig(data_dir=data, profile_path=profile))
    accounts = [make_account(customer_id="S", name="Big", segment="strategic"), make_account()]
    loaded = first.load(accounts=accounts, name="book", as_of=JAN)
    assert (loaded.accepted, loaded.rejected) == (2, 0)
    again = PortfolioService(ServerConfig(data_dir=data))  # default profile: no strategic segment
    overview = again.overview("book", detail="full")
    q = overview.summary.data_quality
    assert (q.total, q.accepted, q.rejected) == (2, 1, 1)
    assert overview.rejections[0].customer_id == "S"
    assert "(under the current profile)" in overview.rejections[0].problems[0].reason
    assert np.isfinite(overview.summary.total_arr)
