"""The backtest, what-if and weekly-plan questions for the MCP tools, over `PortfolioService`.

Orchestration only: the portfolio and its snapshots come from the service and its store, files through
the service's allowed directories, the answers from `query.analysis`. Nothing here is stored.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from customer_success_mcp.formatting import plural
from customer_success_mcp.server.analysis_models import (
    BacktestResult,
    OutcomeRejection,
    OutcomesRead,
    ProfileWhatIfReply,
    WeekPlanReply,
    WhatIfReply,
)
from customer_success_mcp.server.errors import UserError
from customer_success_mcp.server.files import FileAccessError
from customer_success_mcp.server.service import PortfolioService, snapshot_ref

if TYPE_CHECKING:
    from customer_success_mcp.ingest.outcomes import LoadedOutcomes
    from customer_success_mcp.pipeline import ScoredPortfolio
    from customer_success_mcp.scoring.backtest import EarlierScoring
    from customer_success_mcp.scoring.outcomes import Outcomes, Target
    from customer_success_mcp.scoring.table import AccountTable
    from customer_success_mcp.store import SnapshotInfo

MAX_EARLIER_SCORINGS = 12  # earlier snapshots rescored for the lead time (the latest ones)
FIRST_REJECTIONS = 5


def _read(service: PortfolioService, path: str, roots: list[Path] | None) -> tuple[str, bytes]:
    try:
        [(file, data)] = service.read_files([path], roots)
    except FileAccessError as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"{path}: cannot be read ({exc.strerror}).") from None
    return file.name, data


def read_outcomes(
    service: PortfolioService, path: str, roots: list[Path] | None
) -> tuple[Outcomes, OutcomesRead]:
    """An outcomes file (CSV, Excel or JSON) inside an allowed directory, and what was read of it."""
    from customer_success_mcp.ingest.load import InputError
    from customer_success_mcp.ingest.outcomes import load_outcomes

    name, data = _read(service, path, roots)
    try:
        loaded = load_outcomes(name, data)
    except InputError as exc:
        raise UserError(str(exc)) from None
    if loaded.accepted == 0:
        first = "; ".join(f"row {p.row}: {p.field} {p.reason}" for p in loaded.rejected[:3])
        raise UserError(f"{name}: none of its {loaded.total} rows is a usable outcome ({first}).")
    return loaded.outcomes, _read_summary(loaded, path)


def _read_summary(loaded: LoadedOutcomes, source: str) -> OutcomesRead:
    rejections = [OutcomeRejection(row=p.row, customer_id=p.customer_id, field=p.field, reason=p.reason)
                  for p in loaded.rejected[:FIRST_REJECTIONS]]  # fmt: skip
    return OutcomesRead(source=source, rows=loaded.total, used=loaded.accepted, rejected=len(loaded.rejected),
                        first_rejections=rejections)  # fmt: skip


def _rescored(service: PortfolioService, info: SnapshotInfo) -> ScoredPortfolio:
    """An older snapshot scored with the server's profile (not cached: the cache keeps the latest)."""
    from customer_success_mcp.ingest.load import load_records
    from customer_success_mcp.ingest.report import LoadReport
    from customer_success_mcp.pipeline import score_table

    loaded = load_records(service.store.accounts(info.id), service.profile)
    report = LoadReport.model_validate(service.store.report(info.id))
    return score_table(loaded.table, report, service.profile, info.as_of)


def _earlier(service: PortfolioService, infos: list[SnapshotInfo]) -> list[EarlierScoring]:
    from customer_success_mcp.ingest.load import load_records
    from customer_success_mcp.scoring.backtest import EarlierScoring
    from customer_success_mcp.scoring.health import score_health

    out = []
    for info in infos[-MAX_EARLIER_SCORINGS:]:
        table = load_records(service.store.accounts(info.id), service.profile).table
        out.append(EarlierScoring(info.as_of, table.ids, score_health(table, service.profile).classes))
    return out


def _latest_per_day(infos: list[SnapshotInfo]) -> list[SnapshotInfo]:
    """One snapshot per as_of (the last loaded), in as_of order."""
    by_day: dict[Any, SnapshotInfo] = {}
    for info in sorted(infos, key=lambda i: i.id):
        by_day[info.as_of] = info
    return [by_day[d] for d in sorted(by_day)]


def _from_history(
    service: PortfolioService, portfolio: str | None
) -> tuple[ScoredPortfolio, SnapshotInfo, Outcomes, OutcomesRead, list[EarlierScoring]]:
    """The earliest snapshot scored, outcomes read from the snapshots after it, and their scorings."""
    from customer_success_mcp.ingest.load import load_records
    from customer_success_mcp.scoring.backtest import EarlierScoring
    from customer_success_mcp.scoring.health import score_health
    from customer_success_mcp.scoring.outcomes import Snapshot, outcomes_from_history

    name = service.resolve_name(portfolio).portfolio
    days = _latest_per_day(service.store.snapshots(name))
    if len(days) < 2:
        raise UserError(
            f"Outcomes from history need at least two snapshots of {name!r} with different as_of dates "
            f"(it has {len(days)}). Load a later export under the same name, or give an outcomes file."
        )
    base, later = days[0], days[1:]
    scored = _rescored(service, base)
    snaps, earlier = [], []
    for i, info in enumerate(later):
        table = load_records(service.store.accounts(info.id), service.profile).table
        snaps.append(Snapshot(info.as_of, table.ids, _supplied_arr(table)))
        if len(later) - 1 - MAX_EARLIER_SCORINGS <= i < len(later) - 1:  # the last one cannot be in time
            earlier.append(
                EarlierScoring(info.as_of, table.ids, score_health(table, service.profile).classes)
            )
    outcomes = outcomes_from_history(
        Snapshot(base.as_of, scored.table.ids, _supplied_arr(scored.table)), snaps
    )
    source = (f"snapshot history: the accounts of snapshot {base.id} (as of {base.as_of}) followed through "
              f"{plural(len(later), 'later snapshot')} to {later[-1].as_of}")  # fmt: skip
    read = OutcomesRead(source=source, rows=len(outcomes), used=len(outcomes), rejected=0)
    return scored, base, outcomes, read, earlier


def _supplied_arr(table: AccountTable) -> Any:
    """ARR where the account supplied it, NaN elsewhere (a missing ARR is not a downgrade to 0)."""
    import numpy as np

    return np.where(table.present["arr"], table.values["arr"], np.nan)


def backtest(
    service: PortfolioService,
    *,
    outcomes: str | None,
    from_history: bool,
    portfolio: str | None,
    target: Target,
    target_recall: float | None,
    detail: Any,
    roots: list[Path] | None,
) -> BacktestResult:
    """The portfolio's scores against outcomes from a file, or from its own snapshot history."""
    from customer_success_mcp.query.analysis import backtest as run

    if (outcomes is None) == (not from_history):
        raise UserError(
            "Give `outcomes` (an outcomes file), or from_history=true (the portfolio's snapshots)."
        )
    if from_history:
        scored, info, found, read, history = _from_history(service, portfolio)
    else:
        assert outcomes is not None
        cached = service.cached_portfolio(portfolio)
        scored, info = cached.scored, cached.info
        found, read = read_outcomes(service, outcomes, roots)
        earlier = [
            i for i in _latest_per_day(service.store.snapshots(info.portfolio)) if i.as_of < info.as_of
        ]
        history = _earlier(service, earlier)
    try:
        report = run(
            scored, found, target=target, history=history, target_recall=target_recall, detail=detail
        )
    except ValueError as exc:
        raise UserError(str(exc)) from None
    return BacktestResult.model_construct(**dict(report), snapshot=snapshot_ref(info), outcomes_read=read)


def what_if(
    service: PortfolioService, account: str, changes: dict[str, Any], portfolio: str | None
) -> WhatIfReply:
    """One account before and after changes to its inputs; nothing stored."""
    from customer_success_mcp.ingest.changes import ChangeError
    from customer_success_mcp.query.analysis import what_if as run

    cached, row = service.cached_account(account, portfolio)
    try:
        result = run(cached.scored, cached.scored.table.ids[row], changes)
    except ChangeError as exc:
        raise UserError(str(exc)) from None
    return WhatIfReply.model_construct(**dict(result), snapshot=snapshot_ref(cached.info))


def what_if_profile(
    service: PortfolioService,
    *,
    changes: dict[str, Any] | None,
    profile_file: str | None,
    portfolio: str | None,
    outcomes: str | None,
    target: Target,
    roots: list[Path] | None,
) -> ProfileWhatIfReply:
    """The book rescored under a changed profile; with outcomes, the backtest before and after."""
    from customer_success_mcp.profiles import changed_profile, overrides_from_toml
    from customer_success_mcp.query.analysis import what_if_profile as run
    from customer_success_mcp.query.models import QueryError
    from customer_success_mcp.scoring.profile import ProfileError

    if (changes is None) == (profile_file is None):
        raise UserError("Give `changes` (profile keys and values, as in a profile file) or `profile_file`.")
    cached = service.cached_portfolio(portfolio)
    try:
        if profile_file is not None:
            name, data = _read(service, profile_file, roots)
            overrides = overrides_from_toml(data.decode("utf-8", errors="replace"), name)
            source = name
        else:
            overrides, source = dict(changes or {}), "changes"
        profile = changed_profile(cached.scored.profile, overrides, source)
    except ProfileError as exc:
        raise UserError(str(exc)) from None
    found, read = read_outcomes(service, outcomes, roots) if outcomes is not None else (None, None)
    try:
        result = run(cached.scored, profile, found, target=target)
    except QueryError as exc:
        raise UserError(str(exc)) from None
    return ProfileWhatIfReply.model_construct(
        **dict(result), snapshot=snapshot_ref(cached.info), outcomes_read=read
    )


def plan_week(
    service: PortfolioService, hours: float, owner: str | None, portfolio: str | None
) -> WeekPlanReply:
    """The week's plan within the hours, for the book or one owner's accounts."""
    from customer_success_mcp.query.analysis import plan_week as run
    from customer_success_mcp.query.models import QueryError

    cached = service.cached_portfolio(portfolio)
    try:
        plan = run(cached.scored, hours, owner)
    except QueryError as exc:
        raise UserError(str(exc)) from None
    return WeekPlanReply.model_construct(**dict(plan), snapshot=snapshot_ref(cached.info))
