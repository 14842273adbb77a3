"""What moved between two scorings of a book: migrations, accounts added and lost, retention, movers.

Pure and vectorised: the two sides are aligned on the account id, every aggregate is an array
operation, and words (attributions) are built only for the movers shown. A mover's change is split
exactly into the parts that caused it: for health, each dimension and sub-metric's share of the
weighted mean (plus the rounding of the scores to 0.1); for churn risk, each signal's points through
its category weight and the urgency multiplier, the change of the multiplier itself, and the
rounding and 0-100 bounds. The parts always add up to the change shown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from customer_success_mcp.scoring.churn import ChurnScores
from customer_success_mcp.scoring.compare_models import AccountMove, Cell, Comparison, Mover, Part
from customer_success_mcp.scoring.health import HealthScores
from customer_success_mcp.scoring.table import AccountTable
from customer_success_mcp.scoring.vocabulary import HEALTH_CLASSES, RISK_TIERS

TOP_MOVERS = 10
TOP_LISTED = 10
MIN_PART = 0.05  # parts smaller than this (in points) are folded into "other parts" when shown


@dataclass(frozen=True)
class ScoredSide:
    """One scoring of the book: its accounts and their health and churn scores."""

    table: AccountTable
    health: HealthScores
    churn: ChurnScores
    as_of: dt.date


def _align(old: AccountTable, new: AccountTable) -> tuple[np.ndarray, np.ndarray]:
    """Rows of the accounts present in both, as (rows in old, rows in new), in the new table's order."""
    index = {cid: i for i, cid in enumerate(old.ids)}
    pairs = [(index[cid], j) for j, cid in enumerate(new.ids) if cid in index]
    if not pairs:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    a, b = zip(*pairs, strict=True)
    return np.asarray(a, dtype=np.intp), np.asarray(b, dtype=np.intp)


def _cells(names: tuple[str, ...], before: np.ndarray, after: np.ndarray, arr: np.ndarray) -> list[Cell]:
    k = len(names)
    codes = before.astype(np.intp) * k + after.astype(np.intp)
    counts = np.bincount(codes, minlength=k * k)
    money = np.bincount(codes, weights=arr, minlength=k * k)
    return [
        Cell(before=names[c // k], after=names[c % k], accounts=int(counts[c]), arr=float(money[c]))
        for c in np.flatnonzero(counts).tolist()
    ]


def _moves(table: AccountTable, rows: np.ndarray, top: int) -> list[AccountMove]:
    arr = table.values["arr"]
    order = rows[np.argsort(-arr[rows], kind="stable")][:top]
    return [
        AccountMove(customer_id=table.ids[r], name=table.names[r], arr=float(arr[r])) for r in order.tolist()
    ]


def _shown(parts: dict[str, float], total: float) -> list[Part]:
    """Parts worth showing; small ones are folded together so the list still adds up to the total."""
    big = {k: v for k, v in parts.items() if abs(v) >= MIN_PART}
    rest = total - sum(big.values())
    out = [Part(part=k, change=round(v, 2)) for k, v in sorted(big.items(), key=lambda kv: -abs(kv[1]))]
    if abs(rest) >= 0.005:
        out.append(Part(part="other parts and rounding", change=round(rest, 2)))
    # Fix the last cent of rounding so the shown parts add up to the shown change exactly.
    drift = round(round(total, 2) - sum(p.change for p in out), 2)
    if out and drift:
        out[-1] = Part(part=out[-1].part, change=round(out[-1].change + drift, 2))
    return out


def _grouped(parts: dict[str, float], total: float) -> list[Part]:
    """The parts added up by what comes before the dot (a dimension or a churn category)."""
    groups: dict[str, float] = {}
    for name, value in parts.items():
        key = name.split(".", 1)[0]
        groups[key] = groups.get(key, 0.0) + value
    return _shown(groups, total)


def _nan_to_zero(value: float) -> float:
    return 0.0 if value != value else value


Weighted = dict[str, tuple[float, float]]  # name -> (value, weight), present values only


def _mean(items: Weighted) -> float:
    total = sum(w for _, w in items.values())
    return sum(v * w for v, w in items.values()) / total if total else 0.0


def _split(before: Weighted, after: Weighted) -> tuple[dict[str, float], dict[str, float]]:
    """mean(after) - mean(before), split into (membership parts, value parts) that add up to it exactly.

    Names that joined or left carry the effect of the change of membership (their weight's share of it,
    measured at the old values); names in both carry their change of value at the new weights.
    """
    both = [k for k in after if k in before]  # in the profile's order, never a set's: the parts come out
    changed = [k for k in before if k not in after] + [k for k in after if k not in before]  # the same way
    middle = {k: (before[k][0] if k in both else after[k][0], after[k][1]) for k in after}
    membership: dict[str, float] = {}
    if changed:
        effect = (_mean(middle) if middle else 0.0) - (_mean(before) if before else 0.0)
        weights = {k: (after.get(k) or before[k])[1] for k in changed}
        total = sum(weights.values()) or 1.0
        membership = {k: effect * w / total for k, w in weights.items()}
    weight_after = sum(w for _, w in after.values()) or 1.0
    values = {k: after[k][1] / weight_after * (after[k][0] - before[k][0]) for k in both}
    return membership, values


def _health_parts(old: ScoredSide, new: ScoredSide, i: int, j: int) -> dict[str, float]:
    """The change of the weighted mean by dimension (a dimension gaining or losing all its data) and by
    sub-metric (the rest), computed without the engine's rounding (which the caller adds back)."""

    def levels(side: ScoredSide, row: int) -> tuple[Weighted, dict[str, Weighted]]:
        h = side.health
        dims: Weighted = {}
        metrics: dict[str, Weighted] = {}
        for d in h.profile.health.dimensions:
            found = {m.name: (float(h.subscores[m.name][row]), m.weight) for m in d.metrics}
            found = {k: vw for k, vw in found.items() if vw[0] == vw[0]}
            if found:
                metrics[d.name] = found
                dims[d.name] = (_mean(found), d.weight)
        return dims, metrics

    dims0, metrics0 = levels(old, i)
    dims1, metrics1 = levels(new, j)
    membership, values = _split(dims0, dims1)
    parts = dict(membership)
    weight_after = sum(w for _, w in dims1.values()) or 1.0
    for dim in values:
        inner_membership, inner_values = _split(metrics0[dim], metrics1[dim])
        share = dims1[dim][1] / weight_after
        for name, change in (inner_membership | inner_values).items():
            parts[f"{dim}.{name}"] = share * change
    return parts


def _risk_parts(old: ScoredSide, new: ScoredSide, i: int, j: int) -> dict[str, float]:
    """Each signal's points through its weights at today's multiplier, and the multiplier's own change."""
    c0, c1 = old.churn, new.churn
    m1 = float(c1.multiplier[j])
    parts: dict[str, float] = {}
    for category in c1.profile.churn.categories:
        for signal in category.signals:
            weight = signal.weight if category.combine == "weighted" and signal.weight is not None else 1.0
            moved = float(c1.points[signal.name][j]) - float(c0.points[signal.name][i])
            parts[f"{category.name}.{signal.name}"] = category.weight * weight * moved * m1
    parts["renewal urgency"] = float(c0.raw[i]) * (m1 - float(c0.multiplier[i]))
    return parts


def _health_movers(old: ScoredSide, new: ScoredSide, a: np.ndarray, b: np.ndarray, top: int) -> list[Mover]:
    change = new.health.overall[b] - old.health.overall[a]
    known = np.flatnonzero(~np.isnan(change))
    order = known[np.argsort(-np.abs(change[known]), kind="stable")][:top]
    movers = []
    for k in order.tolist():
        i, j = int(a[k]), int(b[k])
        total = float(change[k])
        parts = _health_parts(old, new, i, j)
        movers.append(Mover(
            customer_id=new.table.ids[j], name=new.table.names[j], arr=float(new.table.values["arr"][j]),
            before=float(old.health.overall[i]), after=float(new.health.overall[j]), change=round(total, 1),
            class_before=old.health.classification(i), class_after=new.health.classification(j),
            groups=_grouped(parts, round(total, 1)), parts=_shown(parts, round(total, 1)),
        ))  # fmt: skip
    return movers


def _risk_movers(old: ScoredSide, new: ScoredSide, a: np.ndarray, b: np.ndarray, top: int) -> list[Mover]:
    change = new.churn.risk[b] - old.churn.risk[a]
    order = np.argsort(-np.abs(change), kind="stable")[:top]
    movers = []
    for k in order.tolist():
        i, j = int(a[k]), int(b[k])
        total = float(change[k])
        parts = _risk_parts(old, new, i, j)
        movers.append(Mover(
            customer_id=new.table.ids[j], name=new.table.names[j], arr=float(new.table.values["arr"][j]),
            before=float(old.churn.risk[i]), after=float(new.churn.risk[j]), change=round(total, 1),
            class_before=old.churn.tier(i), class_after=new.churn.tier(j),
            groups=_grouped(parts, round(total, 1)), parts=_shown(parts, round(total, 1)),
        ))  # fmt: skip
    return movers


def compare_scores(old: ScoredSide, new: ScoredSide, *, top: int = TOP_MOVERS) -> Comparison:
    """Compare two scorings of one book (both under the same profile)."""
    a, b = _align(old.table, new.table)
    arr0, arr1 = old.table.values["arr"], new.table.values["arr"]
    in_old = np.zeros(old.table.size, dtype=bool)
    in_old[a] = True
    in_new = np.zeros(new.table.size, dtype=bool)
    in_new[b] = True
    lost, added = np.flatnonzero(~in_old), np.flatnonzero(~in_new)
    delta = arr1[b] - arr0[a]
    start = float(arr0.sum())
    expansion = float(delta[delta > 0].sum())
    contraction = float(-delta[delta < 0].sum())
    churned = float(arr0[lost].sum())
    return Comparison(
        from_as_of=old.as_of,
        to_as_of=new.as_of,
        accounts_before=old.table.size,
        accounts_after=new.table.size,
        accounts_in_both=int(a.size),
        added=int(added.size),
        added_arr=float(arr1[added].sum()),
        lost=int(lost.size),
        lost_arr=churned,
        added_accounts=_moves(new.table, added, TOP_LISTED),
        lost_accounts=_moves(old.table, lost, TOP_LISTED),
        start_arr=start,
        expansion_arr=expansion,
        contraction_arr=contraction,
        churned_arr=churned,
        nrr=round((start + expansion - contraction - churned) / start, 4) if start else None,
        grr=round((start - contraction - churned) / start, 4) if start else None,
        health_migration=_cells(tuple(HEALTH_CLASSES), old.health.classes[a], new.health.classes[b], arr1[b]),
        risk_migration=_cells(tuple(RISK_TIERS), old.churn.tiers[a], new.churn.tiers[b], arr1[b]),
        health_movers=_health_movers(old, new, a, b, top),
        risk_movers=_risk_movers(old, new, a, b, top),
    )


def history_row(side: ScoredSide, row: int) -> dict[str, float | str | None]:
    """One account's headline scores in one scoring (for an account's history across snapshots)."""
    overall = float(side.health.overall[row])
    return {
        "health": None if overall != overall else overall,
        "health_class": side.health.classification(row),
        "risk": float(side.churn.risk[row]),
        "risk_tier": side.churn.tier(row),
        "arr": _nan_to_zero(float(side.table.values["arr"][row])),
    }
