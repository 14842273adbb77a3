"""`csm report --format html`: one self-contained page (charts inline, nothing to fetch), the report's
figures as formatting.py writes them, names escaped. Drawn and printed in a browser in test_browser.py."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from conftest import AS_OF
from customer_success_mcp.cli import main
from customer_success_mcp.pipeline import score_records, summarise
from customer_success_mcp.render.report_html import report_html

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "portfolio.json"
URL = re.compile(r"https?://[^\s\"'<>)]+")


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("report") / "report.html"
    assert main(["report", str(EXAMPLE), "--format", "html", "--output", str(out)]) == 0
    return out.read_text(encoding="utf-8")


def test_report_file_has_the_headline_figures_and_sections(written: str) -> None:
    assert written.startswith("<!doctype html>") and written.rstrip().endswith("</html>")
    # From `csm report examples/portfolio.json`: $4,206,900 ARR, $851,000 at risk, $2,487,557 weighted.
    for figure in ("$4,206,900", "$851,000", "$2,487,557", "$1,695,300"):
        assert figure in written
    for section in ("Top risks", "Renewals in the next 90 days", "Expansion pipeline", "Recommended actions",
                    "Against targets", "Data quality"):  # fmt: skip
        assert section in written
    assert "Logins down 46%, 3 meetings cancelled, Replies take 9 days" in written  # Pinebridge's reasons
    assert written.count("<svg ") == 4 and "<figure>" in written


def test_report_is_self_contained(written: str) -> None:
    assert set(URL.findall(written)) <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    for fetching in ("<script", "<link", "<img", "<iframe", "src=", "@import", "url(http", "@font-face"):
        assert fetching not in written, fetching
    ids = re.findall(r'\bid="([^"]+)"', written)
    assert len(ids) == len(set(ids)), "element ids repeat across the inline charts"


def test_report_without_output_goes_to_stdout(capsys: pytest.CaptureFixture[str], written: str) -> None:
    assert main(["report", str(EXAMPLE), "--format", "html"]) == 0
    out = capsys.readouterr().out
    assert out == written  # same input, same bytes


def test_names_are_data_in_the_html_report() -> None:
    records = copy.deepcopy(json.loads(EXAMPLE.read_text())["customers"])
    hostile = '<script>alert("x")</script> & Co'
    next(r for r in records if r["customer_id"] == "ACC-00016")["name"] = hostile  # the critical account
    scored = score_records(records, AS_OF)
    html = report_html(scored, summarise(scored))
    assert "<script" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in html


def test_unwritable_output_is_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "missing" / "report.html"
    assert main(["report", str(EXAMPLE), "--format", "html", "--output", str(target)]) == 2
    assert capsys.readouterr().err.startswith("csm: error: cannot write")
