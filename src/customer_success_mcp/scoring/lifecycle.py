"""Where an account stands in its contract year, and when it is next due for review."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from customer_success_mcp.scoring.profile import DAYS_PER_YEAR, Profile

DAYS_PER_CONTRACT_YEAR = DAYS_PER_YEAR


class Lifecycle(BaseModel):
    phase: str | None = Field(description="onboarding, adoption, optimisation or renewal; None without dates")
    days_since_start: int | None
    days_to_renewal: int | None = Field(description="Negative when the end date has passed")
    renewal_work_starts: dt.date | None
    review_every_days: int = Field(description="The segment's scoring and review cadence")
    touch_model: str


def lifecycle_of(
    profile: Profile, segment: str, start: dt.date | None, end: dt.date | None, as_of: dt.date
) -> Lifecycle:
    """The lifecycle phase as of a date: renewal inside the lead window, else by day of contract year."""
    model = profile.lifecycle
    seg = profile.segments[segment]
    since = (as_of - start).days if start else None
    until = (end - as_of).days if end else None
    phase = None
    if until is not None and until <= model.renewal_lead_days:
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
