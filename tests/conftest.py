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
