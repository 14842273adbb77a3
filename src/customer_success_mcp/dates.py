"""One rule for dates everywhere (contract fields, the file's as_of, --as-of): ISO 8601 calendar dates."""

from __future__ import annotations

import datetime as dt
import re

ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
FIRST_YEAR, LAST_YEAR = 1900, 2200  # a scoring date or contract date outside this is a typo, not a plan


def parse_iso_day(text: str) -> dt.date:
    """YYYY-MM-DD, or an ISO 8601 date-time starting with one (its date is kept); ValueError otherwise."""
    if not isinstance(text, str) or not ISO_DAY.match(text) or (len(text) > 10 and text[10] not in "T "):
        raise ValueError(f"{text!r} is not a date as YYYY-MM-DD")
    try:
        day = dt.date.fromisoformat(text) if len(text) == 10 else dt.datetime.fromisoformat(text).date()
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a date as YYYY-MM-DD ({exc})") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValueError(f"{text!r} is outside the years {FIRST_YEAR}-{LAST_YEAR}")
    return day
