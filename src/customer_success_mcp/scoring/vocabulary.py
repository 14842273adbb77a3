"""The engine's named values: health classes, trends, risk tiers and contract status.

Scores are held as small integer codes in arrays (one per account, for speed); the code of a
value is its position in its enum. Code that compares codes uses the names and predicates here,
never bare integers, and definitions shown to people ("ARR at risk") are written once, here.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np


class HealthClass(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"
    INSUFFICIENT_DATA = "insufficient_data"  # too little supplied to say (a dimension: no data at all)

    @property
    def code(self) -> int:
        return HEALTH_CLASSES.index(self)


class Trend(StrEnum):
    IMPROVING = "improving"
    STABLE = "stable"
    DECLINING = "declining"
    NO_DATA = "no_data"

    @property
    def code(self) -> int:
        return TRENDS.index(self)


class RiskTier(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def code(self) -> int:
        return RISK_TIERS.index(self)


class ContractStatus(StrEnum):
    """Where a contract stands on the scoring date."""

    ACTIVE = "active"
    RENEWING = "renewing"  # ends within the renewal window (the profile's renewal lead days)
    ENDED = "ended"  # the end date has passed: renewed, or stale data?
    NO_END_DATE = "no_end_date"

    @property
    def code(self) -> int:
        return CONTRACT_STATUSES.index(self)


HEALTH_CLASSES: tuple[HealthClass, ...] = tuple(HealthClass)
TRENDS: tuple[Trend, ...] = tuple(Trend)
RISK_TIERS: tuple[RiskTier, ...] = tuple(RiskTier)
CONTRACT_STATUSES: tuple[ContractStatus, ...] = tuple(ContractStatus)

AT_RISK_TIERS: tuple[RiskTier, ...] = (RiskTier.CRITICAL, RiskTier.HIGH)
ARR_AT_RISK_DEFINITION = "ARR at risk = ARR of accounts in the critical and high churn-risk tiers"
UNITS = (
    "Money in the export's currency (ARR, revenue, pipeline); scores 0-100 (health: higher is healthier; "
    "risk: higher is riskier); shares and coverage 0-1; days signed from as_of (negative: already past). "
    + ARR_AT_RISK_DEFINITION
    + "."
)
DAYS_TO_RENEWAL_DEFINITION = (
    "days_to_renewal = signed days from as_of to the contract end date (negative once the contract has ended)"
)
ENDED_QUESTION = "renewed, or stale data?"  # what every output asks of a contract past its end date
CONTRACT_STATUS_DEFINITION = (
    f"active, renewing (ends within the renewal window), ended (past its end date: {ENDED_QUESTION}) "
    "or no_end_date"
)


def is_at_risk(tier_codes: np.ndarray) -> np.ndarray:
    """Which accounts count towards ARR at risk (critical and high tiers)."""
    import numpy as np  # here, not at the top: the server imports this module before the engine

    return np.isin(tier_codes, [t.code for t in AT_RISK_TIERS])


def in_tiers(tier_codes: np.ndarray, *tiers: RiskTier) -> np.ndarray:
    import numpy as np

    return np.isin(tier_codes, [t.code for t in tiers])


def in_classes(class_codes: np.ndarray, *classes: HealthClass) -> np.ndarray:
    import numpy as np

    return np.isin(class_codes, [c.code for c in classes])


def contract_status_codes(days: np.ndarray, renewal_window_days: int) -> np.ndarray:
    """Status per account from signed days to the contract end (NaN where there is no end date)."""
    import numpy as np

    status = np.full(days.shape, ContractStatus.ACTIVE.code, dtype=np.int8)
    status[days <= renewal_window_days] = ContractStatus.RENEWING.code
    status[days < 0] = ContractStatus.ENDED.code
    status[np.isnan(days)] = ContractStatus.NO_END_DATE.code
    return status
