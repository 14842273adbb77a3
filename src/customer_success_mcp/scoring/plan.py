"""The week's plan: playbook work that fits the hours available, renewals at stake first.

Candidates come in four sections, filled in this order:

1. renewals: live contracts ending within `planning.renewal_window_days`: every step of the account's
   playbook (due by the renewal date), ranked by ARR x risk/100 x urgency, urgency = 1 + (W - days to
   renewal) / W for a window of W days (2 on the day, 1 at the window's edge);
2. confirm_status: contracts past their end date, one check each (`planning.confirm_status_hours`),
   largest ARR first: renewed, or stale data?;
3. at_risk: other live accounts with playbook steps due within `planning.week_days`, ranked by
   ARR x risk/100;
4. expansion: green accounts not at risk with a net expansion estimate, one conversation each
   (`planning.expansion_hours`), largest weighted estimate first.

Each account's steps are taken in playbook order while they fit the hours left (the rest deferred, and
said so); an account whose first step does not fit is listed as not fitting, with the hours it needs.
Hours are added exactly (as fractions), so the plan never exceeds the budget. Efforts are the profile's
(`interventions.<tier>.steps[].effort_hours`, `planning.*`): planning figures, not measurements.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from functools import partial
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

from customer_success_mcp.formatting import money, plural, renewal
from customer_success_mcp.scoring.churn import ChurnScores
from customer_success_mcp.scoring.expansion import ExpansionScores
from customer_success_mcp.scoring.health import HealthScores
from customer_success_mcp.scoring.table import AccountTable
from customer_success_mcp.scoring.vocabulary import ContractStatus, HealthClass, is_at_risk

Section = Literal["renewals", "confirm_status", "at_risk", "expansion"]
SECTIONS: tuple[Section, ...] = ("renewals", "confirm_status", "at_risk", "expansion")
MAX_HOURS = 168.0
NOT_FIT_SHOWN = 20


class PlannedStep(BaseModel):
    text: str
    owner: str
    due: dt.date
    hours: float


class PlanItem(BaseModel):
    rank: int = Field(description="Order in the plan, from 1")
    section: Section
    customer_id: str
    name: str
    account_owner: str | None
    arr: float
    risk_score: float
    risk_tier: str
    playbook_tier: str
    health_class: str
    days_to_renewal: int | None
    priority: float = Field(description="The ranking figure of its section (see `ranking`)")
    why: str
    steps: list[PlannedStep]
    hours: float = Field(description="Hours of the steps planned")
    deferred_steps: int = Field(0, description="Steps of this week's work that did not fit")
    deferred_hours: float = 0.0


class NotFitted(BaseModel):
    section: Section
    customer_id: str
    name: str
    arr: float
    priority: float
    hours_needed: float = Field(description="Hours of the work left out")
    reason: str


class WeekPlan(BaseModel):
    as_of: dt.date
    week_ends: dt.date = Field(
        description="The week's last day: steps due by then are planned, except that a renewal inside the "
        "window brings its whole playbook, each step due by the renewal date (it may fall later)"
    )
    account_owner: str | None = Field(description="Only this owner's accounts, when given")
    hours_available: float
    hours_planned: float = Field(description="Never more than hours_available")
    hours_left: float
    ranking: str = Field(description="How candidates were ordered and filled")
    renewals: list[PlanItem]
    confirm_status: list[PlanItem]
    at_risk: list[PlanItem]
    expansion: list[PlanItem]
    candidates: dict[str, int] = Field(description="Accounts with work this week, per section")
    did_not_fit: list[NotFitted] = Field(description=f"The first {NOT_FIT_SHOWN} left out, in rank order")
    did_not_fit_total: int
    did_not_fit_hours: float
    notes: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class _Step:
    text: str | Callable[[], str]  # put into words only when the step is shown
    owner: str
    due: dt.date
    hours: float

    def planned(self) -> PlannedStep:
        text = self.text if isinstance(self.text, str) else self.text()
        return PlannedStep(text=text, owner=self.owner, due=self.due, hours=self.hours)


@dataclass(frozen=True)
class _Candidate:
    section: Section
    row: int
    priority: float
    steps: list[_Step]


def _ranking(w: int, week: int, confirm: float, expand: float) -> str:
    return (
        f"Renewals within {w} days first (every step of the account's playbook, due by the renewal date), "
        f"ranked by ARR x risk/100 x urgency, urgency = 1 + ({w} - days to renewal)/{w}; then contracts "
        f"past their end date to confirm ({confirm:g} h each, largest ARR first); then other accounts with "
        f"playbook steps due within {week} days, ranked by ARR x risk/100; then expansion conversations with "
        f"green accounts not at risk ({expand:g} h each, largest weighted estimate first). Each account's "
        "steps are taken in playbook order while they fit the hours left."
    )


class _Planner:
    def __init__(self, health: HealthScores, churn: ChurnScores, expansion: ExpansionScores) -> None:
        self.table: AccountTable = churn.table
        self.health, self.churn, self.expansion = health, churn, expansion
        self.profile = churn.profile
        self.as_of = churn.as_of
        self.arr = np.nan_to_num(self.table.values["arr"])
        self.week_end = self.as_of + dt.timedelta(days=self.profile.planning.week_days)
        self._days: dict[int, dt.date] = {}

    def playbook_steps(self, row: int, every_step: bool) -> list[_Step]:
        """The account's playbook steps due this week (or all, for a renewal in the window), due dates
        brought forward to a contract end ahead, as the drafts date them."""
        plan = self.profile.interventions[self.churn.playbook_tier(row)]
        end = self.churn.days[row]  # days from as_of to the contract end (NaN: none)
        week = self.profile.planning.week_days
        out = []
        for step in plan.steps:
            due = step.within_days
            if 0 <= end < due:  # False for NaN
                due = int(end)
            if every_step or due <= week:
                out.append(_Step(step.text, step.owner, self.day(due), step.effort_hours))
        return out

    def day(self, offset: int) -> dt.date:
        """as_of + offset days (a few distinct offsets, computed once each)."""
        found = self._days.get(offset)
        if found is None:
            found = self._days[offset] = self.as_of + dt.timedelta(days=offset)
        return found

    def candidates(self, rows: np.ndarray) -> list[_Candidate]:
        c, planning = self.churn, self.profile.planning
        window = planning.renewal_window_days
        days = c.days
        live = (c.contract_status != ContractStatus.ENDED.code) & ~np.isnan(days)
        mask = np.zeros(self.table.size, dtype=bool)
        mask[rows] = True
        risk = c.risk / 100.0
        with np.errstate(invalid="ignore"):
            renewing = mask & live & (days >= 0) & (days <= window)
            urgency = 1.0 + (window - days) / window if window else np.full(days.shape, 2.0)
        out: list[_Candidate] = []
        found = np.flatnonzero(renewing)
        score = self.arr[found] * risk[found] * urgency[found]
        for r, p in self._ordered(found, score):
            out.append(_Candidate("renewals", r, p, self.playbook_steps(r, every_step=True)))
        ended = np.flatnonzero(mask & (c.contract_status == ContractStatus.ENDED.code))
        for r, p in self._ordered(ended, self.arr[ended]):
            ago = plural(-int(days[r]), "day")
            text = (f"Confirm whether the contract that ended {ago} ago renewed, and update the end date "
                    "(or record the churn)")  # fmt: skip
            step = _Step(text, "CSM", self.week_end, planning.confirm_status_hours)
            out.append(_Candidate("confirm_status", r, p, [step]))
        others = np.flatnonzero(mask & ~renewing & (c.contract_status != ContractStatus.ENDED.code))
        for r, p in self._ordered(others, self.arr[others] * risk[others]):
            steps = self.playbook_steps(r, every_step=False)
            if steps:
                out.append(_Candidate("at_risk", r, p, steps))
        taken = {cand.row for cand in out}
        e = self.expansion
        ready = np.flatnonzero(
            mask & live & (self.health.classes == HealthClass.GREEN.code) & ~is_at_risk(c.playbook_tiers)
            & (e.net_revenue > 0)
        )  # fmt: skip
        for r, p in self._ordered(ready, e.weighted_revenue[ready]):
            if r not in taken:
                words = partial(self._expansion_text, r)
                step = _Step(words, "CSM with the account executive", self.week_end, planning.expansion_hours)
                out.append(_Candidate("expansion", r, p, [step]))
        return out

    def _ordered(self, rows: np.ndarray, priority: np.ndarray) -> list[tuple[int, float]]:
        """Highest priority first; ties: sooner renewal, then larger ARR, then table order."""
        days = np.nan_to_num(self.churn.days[rows], nan=np.inf)
        order = np.lexsort((rows, -self.arr[rows], days, -priority))
        return [(int(rows[i]), float(priority[i])) for i in order.tolist()]

    def _expansion_text(self, row: int) -> str:
        e = self.expansion
        top = e.top(row)
        lead = f" starting with the {top.category.replace('_', ' ')}" if top is not None else ""
        if top is not None and top.subject:
            lead += f" ({top.subject})"
        return (
            f"Open an expansion conversation{lead}: {money(float(e.net_revenue[row]))} net estimate, "
            f"{money(float(e.weighted_revenue[row]))} weighted by health"
        )

    def why(self, cand: _Candidate) -> str:
        r, c = cand.row, self.churn
        arr = money(float(self.arr[r]))
        if cand.section == "renewals":
            return f"{arr} {renewal(c.days_left(r))}; churn risk {c.risk[r]:g} ({c.tier(r)})"
        if cand.section == "confirm_status":
            ago = plural(-(c.days_left(r) or 0), "day")
            return f"{arr}: the contract ended {ago} ago and no renewal is on file"
        if cand.section == "at_risk":
            tier = c.playbook_tier(r)
            return f"{arr}; churn risk {c.risk[r]:g} ({c.tier(r)}), {tier} playbook steps due this week"
        return f"{arr}; green and not at risk, with an expansion estimate"

    def item(self, cand: _Candidate, rank: int, steps: list[_Step], deferred: list[_Step]) -> PlanItem:
        r, t, c = cand.row, self.table, self.churn
        return PlanItem(
            rank=rank, section=cand.section, customer_id=t.ids[r], name=t.names[r],
            account_owner=t.labels["owner"][r], arr=float(self.arr[r]), risk_score=float(c.risk[r]),
            risk_tier=c.tier(r), playbook_tier=c.playbook_tier(r), health_class=self.health.classification(r),
            days_to_renewal=c.days_left(r), priority=round(cand.priority, 2), why=self.why(cand),
            steps=[s.planned() for s in steps],
            hours=math.fsum(s.hours for s in steps), deferred_steps=len(deferred),
            deferred_hours=math.fsum(s.hours for s in deferred),
        )  # fmt: skip


def plan_week(
    health: HealthScores,
    churn: ChurnScores,
    expansion: ExpansionScores,
    hours: float,
    rows: np.ndarray | None = None,
    account_owner: str | None = None,
) -> WeekPlan:
    """The week's plan for the accounts in `rows` (default: all), within `hours` (see the module)."""
    if not (0 < hours <= MAX_HOURS):
        raise ValueError(f"hours must be above 0 and at most {MAX_HOURS:g}, got {hours:g}")
    planner = _Planner(health, churn, expansion)
    planning = churn.profile.planning
    table = churn.table
    rows = np.arange(table.size) if rows is None else np.asarray(rows, dtype=np.intp)
    exact = functools.lru_cache(maxsize=None)(Fraction)  # efforts are few distinct numbers
    budget = Fraction(hours)
    used = Fraction(0)
    efforts = [s.effort_hours for plan in churn.profile.interventions.values() for s in plan.steps]
    smallest = min([planning.confirm_status_hours, planning.expansion_hours, *efforts])
    sections: dict[Section, list[PlanItem]] = {s: [] for s in SECTIONS}
    not_fit: list[NotFitted] = []
    not_fit_total, not_fit_hours = 0, 0.0
    rank = 0
    candidates = planner.candidates(rows)
    for cand in candidates:
        taken: list[_Step] = []
        if budget - used >= exact(smallest):  # else nothing more can fit: skip the arithmetic
            for step in cand.steps:
                if used + exact(step.hours) > budget:
                    break
                used += exact(step.hours)
                taken.append(step)
        deferred = cand.steps[len(taken) :]
        if taken:
            rank += 1
            sections[cand.section].append(planner.item(cand, rank, taken, deferred))
        if deferred:
            need = math.fsum(s.hours for s in deferred)
            not_fit_total += 1
            not_fit_hours += need
            if len(not_fit) < NOT_FIT_SHOWN:
                left = float(budget - used)
                what = (f"{len(deferred)} of its {len(cand.steps)} steps ({need:g} h) did not fit"
                        if taken else f"its work ({need:g} h) did not fit")  # fmt: skip
                not_fit.append(NotFitted(
                    section=cand.section, customer_id=table.ids[cand.row], name=table.names[cand.row],
                    arr=float(planner.arr[cand.row]), priority=round(cand.priority, 2),
                    hours_needed=need,
                    reason=f"{what}: the next step takes {deferred[0].hours:g} h and {left:g} h are left",
                ))  # fmt: skip
    counts = {s: sum(1 for c in candidates if c.section == s) for s in SECTIONS}
    notes = [
        "Efforts are planning figures from the profile (interventions.<tier>.steps[].effort_hours, "
        "planning.confirm_status_hours, planning.expansion_hours), not measurements of this team's time."
    ]
    if not candidates:
        notes.append("Nothing is due this week for these accounts: no renewal in the window, no ended "
                     "contract, no playbook step due and no expansion-ready account.")  # fmt: skip
    return WeekPlan(
        as_of=churn.as_of, week_ends=planner.week_end, account_owner=account_owner, hours_available=hours,
        hours_planned=float(used), hours_left=float(budget - used),
        ranking=_ranking(planning.renewal_window_days, planning.week_days, planning.confirm_status_hours,
                         planning.expansion_hours),
        renewals=sections["renewals"], confirm_status=sections["confirm_status"],
        at_risk=sections["at_risk"], expansion=sections["expansion"], candidates=counts, did_not_fit=not_fit,
        did_not_fit_total=not_fit_total, did_not_fit_hours=round(not_fit_hours, 6), notes=notes,
    )  # fmt: skip
