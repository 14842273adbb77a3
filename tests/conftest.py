"""Shared builders: accounts in the reference format, scored through the real pipeline."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from customer_success_mcp.pipeline import ScoredPortfolio, score_records

AS_OF = dt.date(2026, 11, 23)
# Every tool the server lists (tests check the listing against it; add a tool here when you add one).
EXPECTED_TOOLS = (
    "load_portfolio", "list_portfolios", "portfolio_overview", "find_accounts", "account_brief",
    "score_health", "score_churn_risk", "score_expansion", "draft_qbr", "draft_ebr", "draft_save_plan",
    "inspect_export", "compare_snapshots", "account_history", "query_portfolio",
    "backtest", "what_if", "what_if_profile", "plan_week", "show_dashboard", "chart", "export_accounts",
)  # fmt: skip

# A complete, unremarkable mid-market account; tests override only what they are about.
BASE_ACCOUNT: dict[str, Any] = {
    "customer_id": "T-1",
    "name": "Test Co",
    "segment": "mid-market",
    "arr": 50_000,
    "contract_end_date": "2027-09-30",
    "usage": {"login_frequency": 80, "feature_adoption": 70, "dau_mau_ratio": 0.4},
    "engagement": {"support_ticket_volume": 0, "meeting_attendance": 85, "nps_score": 8, "csat_score": 4.0},
    "support": {"open_tickets": 0, "escalation_rate": 0.0, "avg_resolution_hours": 0},
    "relationship": {"executive_sponsor_engagement": 75, "multi_threading_depth": 3,
                     "renewal_sentiment": "positive"},
    "usage_decline": {"login_trend": 0, "feature_adoption_change": 0, "dau_mau_change": 0},
    "engagement_drop": {"meeting_cancellations": 0, "response_time_days": 1, "nps_change": 0},
    "support_issues": {"open_escalations": 0, "unresolved_critical": 0, "satisfaction_trend": "stable"},
    "relationship_signals": {"champion_left": False, "sponsor_change": False, "competitor_mentions": 0},
    "commercial_factors": {"contract_type": "annual", "pricing_complaints": False,
                           "budget_cuts_mentioned": False},
}  # fmt: skip


def make_account(**sections: Any) -> dict[str, Any]:
    """BASE_ACCOUNT with top-level keys replaced and sections merged: make_account(usage={...})."""
    account = copy.deepcopy(BASE_ACCOUNT)
    for key, value in sections.items():
        if isinstance(value, dict) and isinstance(account.get(key), dict):
            account[key] = {**account[key], **value}
        elif value is None:
            account.pop(key, None)
        else:
            account[key] = value
    return account


def score(*accounts: dict[str, Any], as_of: dt.date = AS_OF, profile=None) -> ScoredPortfolio:
    return score_records(list(accounts), as_of, profile)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True, scope="session")
def _output_schemas_compiled_once_per_worker():  # type: ignore[no-untyped-def]
    """The SDK client compiles and meta-checks each tool's output schema once per client session, which
    is most of a short test's time: the suite opens hundreds of sessions on the same two dozen schemas.
    Here each distinct schema is compiled once per test worker and shared; every result is still
    validated against its tool's schema, by the SDK's own validator."""
    import json

    from mcp.client.session import ClientSession

    original = ClientSession._output_schema_validator
    compiled: dict[str, Any] = {}

    def shared(self: ClientSession, name: str, output_schema: dict[str, Any]) -> Any:
        key = json.dumps(output_schema, sort_keys=True)
        if key not in compiled:
            compiled[key] = original(self, name, output_schema)
        self._tool_output_validators[name] = compiled[key]
        return compiled[key]

    ClientSession._output_schema_validator = shared  # type: ignore[method-assign]
    yield
    ClientSession._output_schema_validator = original  # type: ignore[method-assign]


# --------------------------------------------------------------------------- text block = structured content

TEXT_BLOCK_LIMIT = 12_000  # bytes, for the text block and for the structured content, each
MARKDOWN_ESCAPES = ("\\(", "\\)", "\\$", "\\_", "\\*", "\\[", "\\]", "\\#", "\\|")


def _leaves(value: Any, path: str = "") -> Any:
    """Every scalar in a JSON value, with where it sits."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _leaves(item, f"{path}[{i}]")
    else:
        yield path, value


def _plain(text: str) -> str:
    """A string as a reader sees it on one line: unprintable characters as spaces, runs of space as one."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


def text_of_result(result: Any) -> str:
    return "".join(b.text for b in result.content if getattr(b, "type", None) == "text")


def assert_text_carries_structure(result: Any, limit: int = TEXT_BLOCK_LIMIT) -> str:
    """Hosts that show only the text block see every fact of the structured content, and no more noise.

    Every id, figure, date and sentence in the structured content appears in the text (figures written
    exactly: 4206900, not $4.2M); the text is not a JSON dump, carries no markdown escapes a reader
    would see, and each of the two stays within `limit` bytes.
    """
    import json

    text = text_of_result(result)
    structured = result.structured_content
    assert text.strip(), "no text block"
    assert not text.lstrip().startswith(("{", "[")), "the text block is JSON"
    data_strings = json.dumps(structured, ensure_ascii=False)
    for escape in MARKDOWN_ESCAPES:
        assert escape not in text or escape in data_strings, f"markdown escape {escape!r} in the text"
    flat = _plain(text)
    missing = []
    for path, value in _leaves(structured):
        if value is None or isinstance(value, bool) or value == "":
            continue
        if isinstance(value, int):
            wanted = [str(value)]
        elif isinstance(value, float):
            wanted = [str(int(value)) if value.is_integer() else repr(value)]
        else:
            wanted = [_plain(value), _plain(json.dumps(value, ensure_ascii=False)[1:-1])]
        if not any(w in flat for w in wanted):
            missing.append(f"{path} = {value!r}")
    assert not missing, f"{len(missing)} fact(s) of the structured content not in the text: {missing[:5]}"
    assert len(text.encode()) <= limit, f"text block is {len(text.encode()):,} bytes"
    assert len(json.dumps(structured).encode()) <= limit, "structured content over the limit"
    return text


def assert_no_live_markup(text: str) -> None:
    """Markdown built from hostile data: no link, image or HTML tag survives, and no control character."""
    import re

    assert not re.search(r"(?<!\\)\]\(", text), "a markdown link or image survived"
    assert "![" not in text, "a markdown image survived"
    assert not re.search(r"(?<!\\)<(?:script|img|a|b|i|iframe)\b", text, re.I), "raw HTML survived"
    assert not [ch for ch in text if ch != "\n" and not ch.isprintable()], "control characters survived"
