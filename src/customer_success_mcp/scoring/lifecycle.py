"""Where an account stands in its contract year, and when it is next due for review."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from customer_success_mcp.scoring.profile import DAYS_PER_YEAR, Profile

if TYPE_CHECKING:
    import numpy as np

DAYS_PER_CONTRACT_YEAR = DAYS_PER_YEAR
ENDED = "ended"  # the phase once the contract's end date has passed (renewed, or stale data?)


class Lifecycle(BaseModel):
    phase: str | None = Field(
        description="onboarding, adoption, optimisation, renewal, or ended once the end date has passed; "
        "None without dates"
    )
    days_since_start: int | None
    days_to_renewal: int | None = Field(description="Negative when the end date has passed")
    renewal_work_starts: dt.date | None
    review_every_days: int = Field(description="The segment's scoring and review cadence")
    touch_model: str


def lifecycle_of(
    profile: Profile, segment: str, start: dt.date | None, end: dt.date | None, as_of: dt.date
) -> Lifecycle:
    """The lifecycle phase as of a date: ended past the end date, renewal inside the lead window, else by
    day of contract year."""
    model = profile.lifecycle
    seg = profile.segments[segment]
    since = (as_of - start).days if start else None
    until = (end - as_of).days if end else None
    phase = None
    if until is not None and until < 0:
        phase = ENDED
    elif until is not None and until <= model.renewal_lead_days:
        phase = "renewal"
    elif since is not None and since >= 0:
        day = since % DAYS_PER_CONTRACT_YEAR
        phase = [name for name, first in model.phases if first <= day][-1]
    return Lifecycle(
        phase=phase,
        days_since_start=since,
        days_to_renewal=until,
        renewal_work_starts=end - dt.timedelta(days=model.renewal_lead_days) if end else None,
        review_every_days=seg.review_every_days,
        touch_model=seg.touch_model,
    )


def lifecycle_phases(
    start_ordinals: np.ndarray, end_ordinals: np.ndarray, profile: Profile, as_of: dt.date
) -> list[str | None]:
    """`lifecycle_of(...).phase` for every account at once (ordinals, NaN where no date)."""
    import numpy as np

    model = profile.lifecycle
    since = as_of.toordinal() - start_ordinals
    until = end_ordinals - as_of.toordinal()
    day = np.mod(since, DAYS_PER_CONTRACT_YEAR)
    names = [name for name, _ in model.phases]
    firsts = np.array([first for _, first in model.phases], dtype=float)
    by_day = np.searchsorted(firsts, day, side="right") - 1
    out: list[str | None] = [None] * start_ordinals.size
    ended = until < 0  # NaN compares false
    renewal = until <= model.renewal_lead_days
    started = ~np.isnan(since) & (since >= 0)
    for row in np.flatnonzero(renewal | started).tolist():
        out[row] = ENDED if ended[row] else "renewal" if renewal[row] else names[int(by_day[row])]
    return out
