"""The whole job in one call: load, validate and score a portfolio with all three scorers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from customer_success_mcp.ingest.load import LoadedPortfolio, LoadReport, load_file
from customer_success_mcp.scoring.churn import ChurnScores, score_churn
from customer_success_mcp.scoring.expansion import ExpansionScores, score_expansion
from customer_success_mcp.scoring.health import HealthScores, score_health
from customer_success_mcp.scoring.profile import Profile, load_profile
from customer_success_mcp.scoring.table import AccountTable


@dataclass(frozen=True)
class ScoredPortfolio:
    """Every accepted account scored three ways, with the load report beside it."""

    table: AccountTable
    report: LoadReport
    profile: Profile
    as_of: dt.date
    health: HealthScores
    churn: ChurnScores
    expansion: ExpansionScores


def score_loaded(loaded: LoadedPortfolio, profile: Profile, as_of: dt.date) -> ScoredPortfolio:
    table = loaded.table
    return ScoredPortfolio(
        table=table,
        report=loaded.report,
        profile=profile,
        as_of=as_of,
        health=score_health(table, profile),
        churn=score_churn(table, profile, as_of),
        expansion=score_expansion(table, profile),
    )


def score_file(path: str | Path, as_of: dt.date, profile: Profile | None = None) -> ScoredPortfolio:
    """Load a portfolio file and score it as of the given date."""
    profile = profile or load_profile(None)
    return score_loaded(load_file(path, profile), profile, as_of)
