"""What happened next to a generated book: renewed, churned or downgraded, from a hidden model.

The model is deliberately not the engine's: it reads a few raw inputs of each account (usage against
its segment's targets, NPS, renewal sentiment, a departed champion, budget cuts, falling logins, a
month-to-month contract) with its own weights, adds noise, and draws the outcome from the resulting
churn probability. So a backtest of the engine's scores has a real signal to find, and not a perfect
one. Each outcome is dated at the contract end (contracts already ended are settled within three
weeks of as_of). The same portfolio and seed give the same outcomes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import random
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from customer_success_mcp.generate.draws import noise
from customer_success_mcp.scoring.default_profiles import DEFAULT_PROFILE

# The hidden model's figures (log-odds per unit); see the module docstring.
BASE_LOG_ODDS = -3.7
USAGE_WEIGHT = -3.5  # per unit of usage against target (1 = on target), centred at 0.75
NPS_WEIGHT = -0.22  # per NPS point, centred at 7
SENTIMENT = {"negative": 0.9, "neutral": 0.1, "positive": -0.6}
CHAMPION_LEFT, BUDGET_CUTS, MONTH_TO_MONTH = 1.0, 0.6, 0.5
LOGIN_TREND_WEIGHT = -0.025  # per % of login change (a fall raises the odds)
NOISE_SD = 0.9
DOWNGRADE_SHIFT = 1.0  # a retained account downgrades with probability sigmoid(log-odds + this) / 2
SETTLE_DAYS = 21


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _section(account: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    section = account.get(name)
    return section if isinstance(section, Mapping) else {}


def churn_log_odds(account: Mapping[str, Any]) -> float:
    """The hidden model's log-odds of churn for one account, before noise (absent inputs: neutral)."""
    segment = DEFAULT_PROFILE.segments.get(
        str(account.get("segment")), DEFAULT_PROFILE.segments["mid-market"]
    )
    bench = segment.benchmarks
    usage = _section(account, "usage")
    parts = [
        usage.get("login_frequency", 0.75 * bench["login_frequency_target"])
        / bench["login_frequency_target"],
        usage.get("feature_adoption", 0.75 * bench["feature_adoption_target"])
        / bench["feature_adoption_target"],
    ]
    z = BASE_LOG_ODDS + USAGE_WEIGHT * (min(sum(parts) / 2, 1.3) - 0.75)
    z += NPS_WEIGHT * (_section(account, "engagement").get("nps_score", 7) - 7)
    z += SENTIMENT.get(str(_section(account, "relationship").get("renewal_sentiment")), 0.0)
    signals = _section(account, "relationship_signals")
    z += CHAMPION_LEFT * bool(signals.get("champion_left"))
    commercial = _section(account, "commercial_factors")
    z += BUDGET_CUTS * bool(commercial.get("budget_cuts_mentioned"))
    z += MONTH_TO_MONTH * (commercial.get("contract_type") == "month-to-month")
    z += LOGIN_TREND_WEIGHT * min(_section(account, "usage_decline").get("login_trend", 0), 0)
    return z


def generate_outcomes(data: Mapping[str, Any], seed: int, as_of: dt.date) -> list[dict[str, Any]]:
    """One outcome per account of a generated book: customer_id, outcome, date, arr_after."""
    rng = random.Random(f"{seed}:outcomes")
    out = []
    for account in data["customers"]:
        z = churn_log_odds(account) + noise(rng, NOISE_SD)
        arr = float(account.get("arr") or 0)
        end = (
            dt.date.fromisoformat(account["contract_end_date"]) if account.get("contract_end_date") else None
        )
        if end is None or end <= as_of:
            end = as_of + dt.timedelta(days=1 + int(rng.random() * SETTLE_DAYS))
        draw = rng.random()
        if draw < _sigmoid(z):
            outcome, after = "churned", 0.0
        elif rng.random() < _sigmoid(z + DOWNGRADE_SHIFT) / 2:
            outcome, after = "downgraded", round(arr * (0.6 + 0.3 * rng.random()), -2)
        else:
            outcome, after = "renewed", arr
        out.append({"customer_id": account["customer_id"], "outcome": outcome, "date": end.isoformat(),
                    "arr_after": after})  # fmt: skip
    return out


def outcomes_bytes(outcomes: list[dict[str, Any]], name: str) -> bytes:
    """Outcomes as a file: JSON (`{"outcomes": [...]}`) for a .json name, CSV otherwise."""
    if Path(name).suffix.lower() == ".json":
        return (json.dumps({"outcomes": outcomes}, indent=1) + "\n").encode("utf-8")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["customer_id", "outcome", "date", "arr_after"])
    for o in outcomes:
        writer.writerow([o["customer_id"], o["outcome"], o["date"], f"{o['arr_after']:.0f}"])
    return buffer.getvalue().encode("utf-8")
