"""Inputs a file leaves out but an earlier snapshot can supply: last period's scores and the declines.

When a portfolio is loaded again with a later `as_of`, the earlier snapshot already holds what the new
export often lacks: last period's dimension and overall scores, and the values the churn-decline inputs
compare against (logins, feature adoption, DAU/MAU, NPS). Only inputs the new file did not supply are
derived, only for accounts in both snapshots that supplied the source values, and each derived value is
listed so the result can say so.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from customer_success_mcp.scoring.health import HealthScores
from customer_success_mcp.scoring.table import AccountTable

# (derived input, the input it compares across snapshots, how): the churn-decline inputs.
DECLINES: tuple[tuple[str, str, str], ...] = (
    ("usage_decline.login_trend", "usage.login_frequency", "percent change"),
    ("usage_decline.feature_adoption_change", "usage.feature_adoption", "difference"),
    ("usage_decline.dau_mau_change", "usage.dau_mau_ratio", "difference"),
    ("engagement_drop.nps_change", "engagement.nps_score", "difference"),
)


@dataclass(frozen=True)
class Derived:
    """The new table with derived inputs filled in, and which accounts got which input."""

    table: AccountTable
    rows: dict[str, np.ndarray]  # input path -> rows of the new table that received it

    @property
    def counts(self) -> dict[str, int]:
        return {path: int(rows.size) for path, rows in self.rows.items() if rows.size}


def derive_from_earlier(new: AccountTable, earlier: AccountTable, earlier_health: HealthScores) -> Derived:
    """Fill the new table's missing previous-period scores and decline inputs from an earlier scoring."""
    index = {cid: i for i, cid in enumerate(earlier.ids)}
    pairs = [(j, index[cid]) for j, cid in enumerate(new.ids) if cid in index]
    values = dict(new.values)
    present = dict(new.present)
    rows: dict[str, np.ndarray] = {}
    if not pairs:
        return Derived(new, rows)
    j_rows = np.asarray([p[0] for p in pairs], dtype=np.intp)
    i_rows = np.asarray([p[1] for p in pairs], dtype=np.intp)

    def fill(path: str, candidates: np.ndarray) -> None:
        """Set `path` from `candidates` (aligned with the pairs) where the new file lacks it."""
        want = ~present[path][j_rows] & ~np.isnan(candidates)
        target = j_rows[want]
        if not target.size:
            return
        column, given = values[path].copy(), present[path].copy()
        column[target], given[target] = candidates[want], True
        values[path], present[path] = column, given
        rows[path] = target

    profile = earlier_health.profile
    for dim in profile.health.dimensions:
        if dim.previous_field in values:
            fill(dim.previous_field, earlier_health.dimensions[dim.name][i_rows])
    if profile.health.previous_overall_field in values:
        fill(profile.health.previous_overall_field, earlier_health.overall[i_rows])
    for target, source, how in DECLINES:
        if target not in values or source not in values:
            continue
        before = np.where(earlier.present[source][i_rows], earlier.values[source][i_rows], np.nan)
        after = np.where(new.present[source][j_rows], new.values[source][j_rows], np.nan)
        if how == "percent change":
            with np.errstate(divide="ignore", invalid="ignore"):
                change = np.where(before > 0, (after - before) / before * 100, np.nan)
        else:
            change = after - before
        fill(target, np.round(change, 4))
    return Derived(replace(new, values=values, present=present), rows)
