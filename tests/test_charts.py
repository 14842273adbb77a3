"""Charts: the numbers of each kind worked out by hand on small portfolios, and the drawings (PNG under
100 KB that decodes at 900 x 500, SVG that is self-contained, byte-stable and keeps names as data)."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest
from PIL import Image

from conftest import AS_OF, make_account, score
from customer_success_mcp.generate import generate_portfolio
from customer_success_mcp.pipeline import score_file, score_records, summarise
from customer_success_mcp.render import charts
from customer_success_mcp.render.chart_data import (
    ChartUnavailable,
    breakdown,
    chart_data,
    renewals_by_month,
    risk_vs_arr,
)
from customer_success_mcp.render.chart_models import CHART_KINDS, HealthMigration, MigrationCell

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "portfolio.json"
PNG_LIMIT = 100_000
DRAWN_KINDS = [k for k in CHART_KINDS if k != "health_migration"]
ONLY_W3 = re.compile(r"https?://(?!www\.w3\.org/)")


@pytest.fixture(scope="module")
def example():
    scored = score_file(EXAMPLE, AS_OF)
    return scored, summarise(scored)


def decoded(png: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(png)) as image:
        image.load()  # decodes every pixel: a truncated file fails here
        return image.size


# --------------------------------------------------------------------------- numbers, by hand


def test_breakdown_by_segment_adds_arr_and_accounts() -> None:
    scored = score(
        make_account(customer_id="E", segment="enterprise", arr=200_000),
        make_account(customer_id="M", segment="mid-market", arr=50_000),
        make_account(customer_id="S1", segment="smb", arr=10_000),
        make_account(customer_id="S2", segment="smb", arr=5_000),
    )
    data = breakdown(summarise(scored), "arr_by_segment")
    got = {b.name: (b.accounts, b.arr, b.arr_share) for b in data.buckets}
    # 200,000 / 265,000 = 0.75472, 50,000 / 265,000 = 0.18868, 15,000 / 265,000 = 0.0566
    assert got == {
        "enterprise": (1, 200_000, 0.7547),
        "mid-market": (1, 50_000, 0.1887),
        "smb": (2, 15_000, 0.0566),
    }
    assert (data.accounts, data.total_arr, data.as_of) == (4, 265_000, AS_OF)


def test_renewals_by_month_counts_the_window_and_names_what_it_leaves_out() -> None:
    def ending(cid: str, end: str | None, arr: float) -> dict:
        return make_account(customer_id=cid, arr=arr, contract_end_date=end)

    scored = score(
        ending("today", "2026-11-23", 1_000),  # day 0: renews today, counted
        ending("nov", "2026-11-30", 2_000),
        ending("dec", "2026-12-31", 4_000),
        ending("jan", "2027-01-01", 8_000),
        ending("last", "2027-05-22", 16_000),  # day 180: the window's last day
        ending("after", "2027-05-23", 32_000),  # day 181: outside
        ending("ended", "2026-11-01", 64_000),  # already ended: not a renewal
        ending("open", None, 128_000),  # no end date
    )
    data = renewals_by_month(scored, 180)
    assert data.ends_on == dt.date(2027, 5, 22)
    assert [(m.month, m.accounts, m.arr) for m in data.months] == [
        ("2026-11", 2, 3_000),
        ("2026-12", 1, 4_000),
        ("2027-01", 1, 8_000),
        ("2027-02", 0, 0),
        ("2027-03", 0, 0),
        ("2027-04", 0, 0),
        ("2027-05", 1, 16_000),
    ]
    assert (data.accounts, data.arr) == (5, 31_000)
    for m in data.months:
        assert m.critical_arr + m.high_arr + m.medium_arr + m.low_arr == m.arr
    assert "1 contract already ended ($64,000)" in data.left_out
    assert "1 account without a contract end date" in data.left_out


def test_renewal_arr_lands_in_the_accounts_risk_tier(example) -> None:
    scored, _ = example
    data = renewals_by_month(scored, 180)
    # From the example's report: Quarryford Security Co ($575,000, high) renews 2026-11-26, alone in November.
    november = data.months[0]
    assert (november.month, november.accounts, november.high_arr, november.arr) == (
        "2026-11",
        1,
        575_000,
        575_000,
    )
    assert data.at_risk_arr == sum(m.critical_arr + m.high_arr for m in data.months)


def test_risk_vs_arr_names_the_largest_at_risk_accounts(example) -> None:
    scored, summary = example
    data = risk_vs_arr(scored, summary)
    # The example's five critical/high accounts, largest ARR first (see `csm report examples/portfolio.json`).
    assert [p.customer_id for p in data.labelled] == [
        "ACC-00003",
        "ACC-00018",
        "ACC-00008",
        "ACC-00001",
        "ACC-00016",
    ]
    assert (data.accounts, data.not_plotted, len(data.arr)) == (50, 0, 50)
    assert data.tier_floors == {"critical": 80, "high": 60, "medium": 40}
    numbers = data.numbers()
    assert "arr" not in numbers.model_dump() and numbers.labelled == data.labelled


def test_an_account_without_arr_is_counted_but_not_plotted() -> None:
    scored = score(make_account(customer_id="A", arr=0), make_account(customer_id="B", arr=10_000))
    data = risk_vs_arr(scored, summarise(scored))
    assert (data.accounts, data.not_plotted, data.arr) == (1, 1, [10_000])
    assert "1 account with no ARR not plotted" in charts.svg(data)


def test_health_migration_says_what_it_needs(example) -> None:
    scored, summary = example
    with pytest.raises(ChartUnavailable, match="two snapshots"):
        chart_data("health_migration", scored, summary)


# --------------------------------------------------------------------------- drawings


@pytest.mark.parametrize("kind", DRAWN_KINDS)
def test_every_kind_draws_a_small_png_of_the_right_size(example, kind: str) -> None:
    scored, summary = example
    png = charts.png(chart_data(kind, scored, summary))  # type: ignore[arg-type]
    assert png.startswith(b"\x89PNG") and len(png) < PNG_LIMIT
    assert decoded(png) == (900, 500)


def test_the_scatter_png_stays_small_for_a_large_book() -> None:
    scored = score_records(generate_portfolio(3_000, 7, AS_OF), AS_OF)  # one point per account is drawn
    data = risk_vs_arr(scored, summarise(scored))
    png = charts.png(data)
    assert len(png) < PNG_LIMIT and decoded(png) == (900, 500)
    svg = charts.svg(data)  # past 2,000 points the SVG embeds them as one picture, not a path each
    assert svg.count("<image") == 1 and 'href="data:image/png;base64,' in svg and len(svg) < 200_000


def test_drawings_are_byte_stable(example) -> None:
    scored, summary = example
    data = chart_data("risk_vs_arr", scored, summary)
    assert charts.png(data) == charts.png(data)
    assert charts.svg(data) == charts.svg(data)


def test_svg_is_inline_ready_self_contained_and_keeps_names_as_data() -> None:
    raw = json.loads(EXAMPLE.read_text())
    hostile = 'Dollar $5$ <b>Bold</b> & "Co"'
    records = copy.deepcopy(raw["customers"])
    next(r for r in records if r["customer_id"] == "ACC-00003")["name"] = (
        hostile  # a labelled, at-risk account
    )
    scored = score_records(records, AS_OF)
    svg = charts.svg(risk_vs_arr(scored, summarise(scored)), label="Risk <against> ARR")
    assert svg.startswith("<svg ") and "<?xml" not in svg and "<!DOCTYPE" not in svg
    assert 'aria-label="Risk &lt;against&gt; ARR"' in svg
    assert "Dollar $5$ &lt;b&gt;Bold&lt;/b&gt; &amp;" in svg  # literal dollars (no mathtext), escaped markup
    assert "<b>" not in svg
    assert not ONLY_W3.search(svg) and "<image" not in svg and "@import" not in svg


def test_health_migration_matrix_draws_counts_and_arr() -> None:
    classes = ["green", "yellow", "red", "insufficient_data"]
    cells = [
        MigrationCell(
            from_class=f,
            to_class=t,
            accounts=5 if f == t else (2 if (f, t) == ("green", "red") else 0),
            arr=100_000 if f == t else (40_000 if (f, t) == ("green", "red") else 0),
        )
        for f in classes
        for t in classes
    ]
    data = HealthMigration(
        title="Health migration",
        from_as_of=dt.date(2026, 10, 1),
        to_as_of=dt.date(2026, 11, 1),
        classes=classes,
        cells=cells,
        new_accounts=3,
        gone_accounts=1,
    )
    png = charts.png(data)
    assert len(png) < PNG_LIMIT and decoded(png) == (900, 500)
    svg = charts.svg(data)
    assert svg.count("5 accounts") == 4 and svg.count("$100k") == 4  # the diagonal: stayed put
    assert "2 accounts" in svg and "$40k" in svg  # green -> red
    assert "2026-10-01 → 2026-11-01" in svg and "new 3 accounts" in svg and "gone 1 account" in svg
