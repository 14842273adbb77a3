"""What happened to accounts after they were scored: renewed, churned or downgraded.

An outcome names an account, what happened, when, and the ARR after. `align_outcomes` matches a list
of them to a scored table row by row and says what did not match: outcomes for accounts the portfolio
does not hold, accounts without an outcome, and outcomes dated on or before the scoring date (the
score cannot have predicted what had already happened, so they are left out and counted).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import repeat
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field


class OutcomeKind(StrEnum):
    RENEWED = "renewed"
    CHURNED = "churned"
    DOWNGRADED = "downgraded"

    @property
    def code(self) -> int:
        return OUTCOME_KINDS.index(self)


OUTCOME_KINDS: tuple[OutcomeKind, ...] = tuple(OutcomeKind)
NO_OUTCOME = -1

Target = Literal["churned", "churned_or_downgraded"]
TARGET_HELP = (
    "What counts as a churner: 'churned' (default; downgrades count as retained and are reported apart) "
    "or 'churned_or_downgraded'"
)


class OutcomeRecord(BaseModel):
    """One account's outcome."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)

    customer_id: str = Field(min_length=1, description="The account id, as in the portfolio")
    outcome: OutcomeKind = Field(description="renewed, churned or downgraded")
    date: dt.date = Field(description="When it happened (the renewal or the churn), YYYY-MM-DD")
    arr_after: float | None = Field(None, ge=0, le=1e13, description="ARR after the outcome (0 when churned)")


@dataclass(frozen=True)
class Outcomes:
    """Outcomes in column form (what a file or a snapshot history yields), one entry per account."""

    ids: list[str]
    kind: np.ndarray  # int8 codes into OUTCOME_KINDS
    date: np.ndarray  # proleptic ordinals
    arr_after: np.ndarray  # NaN where not given

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_records(cls, records: Sequence[OutcomeRecord]) -> Outcomes:
        return cls(
            ids=[r.customer_id for r in records],
            kind=np.array([r.outcome.code for r in records], dtype=np.int8),
            date=np.array([r.date.toordinal() for r in records], dtype=float),
            arr_after=np.array([np.nan if r.arr_after is None else r.arr_after for r in records], float),
        )

    def records(self) -> list[OutcomeRecord]:
        return [
            OutcomeRecord(customer_id=cid, outcome=OUTCOME_KINDS[int(k)], date=dt.date.fromordinal(int(d)),
                          arr_after=None if a != a else float(a))
            for cid, k, d, a in zip(self.ids, self.kind.tolist(), self.date.tolist(), self.arr_after.tolist(),
                                    strict=True)
        ]  # fmt: skip


@dataclass(frozen=True)
class AlignedOutcomes:
    """Outcomes matched to the rows of a table; NO_OUTCOME (-1) where an account has none that counts."""

    kind: np.ndarray  # int8 codes into OUTCOME_KINDS
    date: np.ndarray  # proleptic ordinals, NaN where none
    arr_after: np.ndarray  # NaN where none or not given
    unknown_ids: list[str]  # outcomes naming accounts the portfolio does not hold
    on_or_before_as_of: int  # outcomes left out: dated on or before the scoring date

    @property
    def known(self) -> np.ndarray:
        return self.kind != NO_OUTCOME

    def positive(self, target: Target) -> np.ndarray:
        """Which accounts count as churners for the target (only meaningful where `known`)."""
        churned = self.kind == OutcomeKind.CHURNED.code
        if target == "churned_or_downgraded":
            return churned | (self.kind == OutcomeKind.DOWNGRADED.code)
        return churned

    def count(self, kind: OutcomeKind) -> int:
        return int((self.kind == kind.code).sum())


def align_outcomes(ids: Sequence[str], outcomes: Outcomes, as_of: dt.date) -> AlignedOutcomes:
    """Match outcomes to accounts by id (exact), keeping those dated after `as_of`; one outcome per id."""
    if len(set(outcomes.ids)) != len(outcomes.ids):
        twice = next(cid for cid, n in Counter(outcomes.ids).items() if n > 1)
        raise ValueError(f"outcome ids must be unique: {twice!r} appears more than once")
    index = dict(zip(ids, range(len(ids)), strict=True))
    rows = np.fromiter(map(index.get, outcomes.ids, repeat(-1)), np.int64, len(outcomes))
    matched = rows >= 0
    unknown = [outcomes.ids[i] for i in np.flatnonzero(~matched).tolist()]
    later = outcomes.date > as_of.toordinal()
    use = matched & later
    n = len(ids)
    kind = np.full(n, NO_OUTCOME, dtype=np.int8)
    date = np.full(n, np.nan)
    arr_after = np.full(n, np.nan)
    kind[rows[use]] = outcomes.kind[use]
    date[rows[use]] = outcomes.date[use]
    arr_after[rows[use]] = outcomes.arr_after[use]
    return AlignedOutcomes(kind, date, arr_after, unknown, int((matched & ~later).sum()))


@dataclass(frozen=True)
class Snapshot:
    """One loaded snapshot of a book, as much as outcomes need: when, which accounts, their ARR."""

    as_of: dt.date
    ids: Sequence[str]
    arr: np.ndarray  # NaN where not supplied


def outcomes_from_history(base: Snapshot, later: Sequence[Snapshot]) -> Outcomes:
    """What happened to the accounts of `base` in the snapshots after it (in as_of order): gone from a
    snapshot -> churned at its as_of; ARR below the base's -> downgraded at that as_of (ARR after as
    loaded); still there with ARR not down at the last snapshot -> renewed (retained) at its as_of."""
    if not later:
        raise ValueError("outcomes from history need at least one snapshot after the base")
    later = sorted(later, key=lambda s: s.as_of)
    n = len(base.ids)
    kind = np.full(n, OutcomeKind.RENEWED.code, dtype=np.int8)
    date = np.full(n, float(later[-1].as_of.toordinal()))
    decided = np.zeros(n, dtype=bool)
    last = {cid: i for i, cid in enumerate(later[-1].ids)}
    arr_after = np.fromiter((later[-1].arr[last[c]] if c in last else np.nan for c in base.ids), float, n)
    for snap in later:
        where = dict(zip(snap.ids, range(len(snap.ids)), strict=True))
        rows = np.fromiter(map(where.get, base.ids, repeat(-1)), np.int64, n)
        present = rows >= 0
        now = np.full(n, np.nan)
        now[present] = snap.arr[rows[present]]
        day = float(snap.as_of.toordinal())
        gone = ~decided & ~present
        kind[gone], date[gone], arr_after[gone] = OutcomeKind.CHURNED.code, day, 0.0
        decided |= gone
        with np.errstate(invalid="ignore"):
            down = ~decided & present & (now < base.arr)
        kind[down], date[down], arr_after[down] = OutcomeKind.DOWNGRADED.code, day, now[down]
        decided |= down
    return Outcomes(list(base.ids), kind, date, arr_after)
