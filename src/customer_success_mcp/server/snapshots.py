"""Snapshots over time: compare two of a portfolio, and one account's scores across all of them.

Orchestration only: the snapshots come from the service (scored under the current profile, cached),
the comparison from the engine (`scoring.compare`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from customer_success_mcp.server.errors import UserError
from customer_success_mcp.server.models import AccountHistory, HistoryPoint, SnapshotComparison
from customer_success_mcp.server.service import PortfolioService, snapshot_ref
from customer_success_mcp.store import SnapshotInfo

if TYPE_CHECKING:
    from customer_success_mcp.scoring.compare import ScoredSide


def _side(service: PortfolioService, info: SnapshotInfo) -> ScoredSide:
    from customer_success_mcp.scoring.compare import ScoredSide

    p = service.scored_snapshot(info)
    return ScoredSide(p.table, p.health, p.churn, p.as_of)


def compare_snapshots(
    service: PortfolioService, portfolio: str | None, before: str | None = None, after: str | None = None
) -> SnapshotComparison:
    """Two snapshots compared: `after` defaults to the latest, `before` to the latest with an earlier as_of
    (else the load before it)."""
    from customer_success_mcp.scoring.compare import compare_scores

    to = service.snapshot_of(portfolio, after)
    if before is not None:
        frm = service.snapshot_of(to.portfolio, before)
    else:
        others = [s for s in service.store.snapshots(to.portfolio) if s.id != to.id]
        earlier = [s for s in others if s.as_of < to.as_of] or [s for s in others if s.id < to.id]
        if not earlier:
            raise UserError(
                f"Portfolio {to.portfolio!r} has one snapshot only: load the next export under the same name "
                "(load_portfolio with name=...) and compare again."
            )
        frm = max(earlier, key=lambda s: (s.as_of, s.id))
    if frm.id == to.id:
        raise UserError("Both references name the same snapshot; give two different snapshots.")
    result = compare_scores(_side(service, frm), _side(service, to))
    return SnapshotComparison(
        portfolio=to.portfolio,
        from_snapshot=snapshot_ref(frm),
        to_snapshot=snapshot_ref(to),
        comparison=result,
    )


def account_history(service: PortfolioService, account: str, portfolio: str | None) -> AccountHistory:
    """One account's ARR, health and risk in every snapshot of its portfolio, oldest as_of first."""
    from customer_success_mcp.pipeline import AccountNotFound, find_account, score_records
    from customer_success_mcp.scoring.compare import ScoredSide, history_row

    latest = service.snapshot_of(portfolio)
    current = service.scored_snapshot(latest)
    try:
        row = find_account(current.table, account)
    except AccountNotFound as exc:
        raise UserError(f"{exc} Use find_accounts with text=... to search.") from None
    cid = current.table.ids[row]
    points = []
    for info in sorted(service.store.snapshots(latest.portfolio), key=lambda s: (s.as_of, s.id)):
        # One account needs no rescoring of the whole snapshot: score its stored record alone.
        record = next((r for r in service.store.accounts(info.id) if str(r.get("customer_id")) == cid), None)
        scored = None if record is None else score_records([record], info.as_of, service.profile)
        if scored is None or scored.table.size == 0:
            points.append(HistoryPoint(snapshot_id=info.id, as_of=info.as_of, present=False, arr=None,
                                       health=None, health_class=None, risk=None,
                                       risk_tier=None))  # fmt: skip
            continue
        side = ScoredSide(scored.table, scored.health, scored.churn, scored.as_of)
        points.append(
            HistoryPoint(snapshot_id=info.id, as_of=info.as_of, present=True, **history_row(side, 0))
        )
    return AccountHistory(
        portfolio=latest.portfolio, customer_id=cid, name=current.table.names[row], points=points
    )
