"""The backtest: did the scores on `as_of` tell apart the accounts that went on to churn?

Takes a scored table and the outcomes matched to it (`scoring.outcomes`) and reports, for churn risk
(higher = riskier) and health (lower = riskier; accounts with insufficient_data left out and counted):
ROC AUC, average precision and KS (`scoring.metrics`), lift and capture by decile, the observed churn
rate per risk tier and health class, the lead time (churners yellow or red at least `lead_days` before
churning, from every scoring available), each overall and per segment with counts. Then which inputs
separate churners best, and the risk cut-offs a target recall would need, with what they catch and cost.
A group with fewer outcomes than the profile's minimums gets a note instead of figures.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Literal

import numpy as np

from customer_success_mcp.formatting import plural
from customer_success_mcp.scoring import metrics
from customer_success_mcp.scoring.backtest_models import (
    BacktestReport,
    Cutoff,
    Decile,
    GroupRate,
    LeadTime,
    OutcomeCoverage,
    ScoreBacktest,
    SegmentBacktest,
    Separation,
    Separator,
)
from customer_success_mcp.scoring.churn import ChurnScores
from customer_success_mcp.scoring.coded import per_row
from customer_success_mcp.scoring.health import HealthScores
from customer_success_mcp.scoring.outcomes import AlignedOutcomes, OutcomeKind, Target
from customer_success_mcp.scoring.profile import Profile
from customer_success_mcp.scoring.table import AccountTable
from customer_success_mcp.scoring.vocabulary import (
    HEALTH_CLASSES,
    RISK_TIERS,
    HealthClass,
    RiskTier,
    in_classes,
)

FIRST_UNKNOWN = 10
SEPARATORS_SHOWN = 10  # with detail="summary"
SHARE_DIGITS = 4  # counts over counts (rates, lifts, shares) are shown to 4 decimals; AUC, AP and KS in full
FEWEST = "catches {recall:.0%} of churners with the fewest accounts flagged"
Detail = Literal["summary", "full"]


@dataclass(frozen=True)
class EarlierScoring:
    """The health classes of an earlier scoring of the same book (for the lead time)."""

    as_of: dt.date
    ids: Sequence[str]
    health_classes: np.ndarray


@dataclass(frozen=True)
class _Book:
    """What every part of the report reads: the scores, the outcomes and who counts as a churner."""

    table: AccountTable
    health: HealthScores
    churn: ChurnScores
    profile: Profile
    known: np.ndarray  # accounts with a usable outcome
    churner: np.ndarray  # per account: counts as a churner (meaningful where known)
    health_ok: np.ndarray  # accounts whose health can be tested (a colour, a number)
    arr: np.ndarray

    def enough(self, rows: np.ndarray) -> str | None:
        """None when a group of accounts has enough outcomes to say something; else why not."""
        rules = self.profile.backtest
        n, p = int(rows.sum()), int((rows & self.churner).sum())
        if n >= rules.min_outcomes and p >= rules.min_churned and n - p >= rules.min_churned:
            return None
        return (
            f"too few outcomes to say anything: {plural(n, 'account')} with an outcome, "
            f"{plural(p, 'churner')}; a backtest "
            f"needs at least {rules.min_outcomes} accounts and {rules.min_churned} churners and "
            f"{rules.min_churned} retained"
        )


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, SHARE_DIGITS)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, SHARE_DIGITS) if whole else None


def _separation(y: np.ndarray, score: np.ndarray) -> Separation:
    n, p = int(y.size), int(y.sum())
    t = metrics.thresholds(y, score)  # one sort for all three
    return Separation(
        accounts=n, churners=p, churn_rate=_share(p, n) or 0.0, roc_auc=metrics.auc_of(t),
        average_precision=metrics.average_precision_of(t), ks=metrics.ks_of(t),
    )  # fmt: skip


def _deciles(y: np.ndarray, score: np.ndarray, shown: np.ndarray) -> list[Decile]:
    return [
        Decile(decile=r.decile, accounts=r.accounts, churners=r.positives, churn_rate=_round(r.rate),
               lift=_round(r.lift), cumulative_capture=_round(r.cumulative_capture), score_low=r.score_low,
               score_high=r.score_high)
        for r in metrics.decile_table(y, score, shown)
    ]  # fmt: skip


def _rates(book: _Book, rows: np.ndarray, codes: np.ndarray, names: Sequence[str]) -> list[GroupRate]:
    out = []
    for code, name in enumerate(names):
        group = rows & (codes == code)
        churned = group & book.churner
        n, p = int(group.sum()), int(churned.sum())
        arr, arr_churned = float(book.arr[group].sum()), float(book.arr[churned].sum())
        out.append(GroupRate(group=name, accounts=n, churners=p, churn_rate=_share(p, n), arr=arr,
                             arr_churned=arr_churned))  # fmt: skip
    return out


def _score_backtest(book: _Book, rows: np.ndarray, kind: str, full: bool = True) -> ScoreBacktest:
    if kind == "health":
        used = rows & book.health_ok
        score, shown = -book.health.overall[used], book.health.overall[used]
        excluded = int((rows & ~book.health_ok).sum())
    else:
        used = rows
        score = shown = book.churn.risk[used]
        excluded = 0
    if book.enough(used) is not None:
        return ScoreBacktest(score=kind, overall=None, excluded=excluded)
    y = book.churner[used]
    deciles = _deciles(y, score, shown) if full else []
    return ScoreBacktest(score=kind, overall=_separation(y, score), excluded=excluded, deciles=deciles)


def _lead_time(
    book: _Book, as_of: dt.date, dates: np.ndarray, history: Sequence[EarlierScoring]
) -> tuple[LeadTime, np.ndarray, np.ndarray]:
    """The lead-time figure, and per account: scored in time, and caught (yellow or red then)."""
    lead = book.profile.backtest.lead_days
    churners = book.known & book.churner & ~np.isnan(dates)
    rows = np.flatnonzero(churners)
    deadline = dates[rows] - lead  # the latest scoring date that counts for each churner
    best = np.full(rows.size, -np.inf)  # as_of ordinal of the scoring used so far
    flagged = np.zeros(rows.size, dtype=bool)
    warning = [HealthClass.YELLOW.code, HealthClass.RED.code]
    scorings = [EarlierScoring(as_of, book.table.ids, book.health.classes), *history]
    used: set[dt.date] = set()
    for scoring in sorted(scorings, key=lambda s: s.as_of):
        day = scoring.as_of.toordinal()
        in_time = (day <= deadline) & (day >= best)
        if not in_time.any():
            continue
        where = dict(zip(scoring.ids, range(len(scoring.ids)), strict=True))
        ids = [book.table.ids[r] for r in rows.tolist()]
        found = np.fromiter(map(where.get, ids, repeat(-1)), np.int64, rows.size)
        take = in_time & (found >= 0)
        if not take.any():
            continue
        used.add(scoring.as_of)
        best[take] = day
        flagged[take] = np.isin(scoring.health_classes[found[take]], warning)
    scored = np.zeros(book.table.size, dtype=bool)
    caught = np.zeros(book.table.size, dtype=bool)
    scored[rows] = best > -np.inf
    caught[rows] = flagged & (best > -np.inf)
    n_scored, n_caught = int(scored.sum()), int(caught.sum())
    note = None
    if rows.size and not n_scored:
        note = (
            f"no churner was scored {lead} or more days before it churned: the lead time needs earlier "
            "scorings (load earlier snapshots of this portfolio, or outcomes dated further after as_of)"
        )
    elif not rows.size:
        note = "no churners to measure the lead time on"
    figure = LeadTime(lead_days=lead, churners=int(rows.size), scored_in_time=n_scored, caught=n_caught,
                      share_caught=_share(n_caught, n_scored), scorings_used=sorted(used),
                      note=note)  # fmt: skip
    return figure, scored, caught


def _separators(book: _Book) -> list[Separator]:
    rows, out = book.known, []
    for dim in book.profile.health.dimensions:
        values = book.health.dimensions[dim.name]
        use = rows & ~np.isnan(values)
        out.append(_separator(f"dimension:{dim.name}", dim.label, book.churner[use], -values[use]))
    for category in book.profile.churn.categories:
        values = book.churn.categories[category.name]
        out.append(_separator(f"category:{category.name}", category.label, book.churner[rows], values[rows]))
    for _, signal in book.profile.churn.signals:
        values = book.churn.points[signal.name]
        out.append(_separator(f"signal:{signal.name}", signal.label, book.churner[rows], values[rows]))
    return sorted(out, key=lambda s: -1.0 if s.roc_auc is None else s.roc_auc, reverse=True)


def _separator(name: str, label: str, y: np.ndarray, score: np.ndarray) -> Separator:
    return Separator(input=name, label=label, roc_auc=metrics.roc_auc(y, score), accounts=int(y.size))


def _cutoff(book: _Book, rows: np.ndarray, flagged: np.ndarray, rule: str, suggested: bool = False) -> Cutoff:
    churners = rows & book.churner
    hit, miss = flagged & churners, churners & ~flagged
    n_flag, n_churn = int((rows & flagged).sum()), int(churners.sum())
    return Cutoff(
        rule=rule, suggested=suggested, flagged=n_flag, flagged_arr=float(book.arr[rows & flagged].sum()),
        caught=int(hit.sum()), caught_arr=float(book.arr[hit].sum()), missed=int(miss.sum()),
        missed_arr=float(book.arr[miss].sum()), false_alarms=int((rows & flagged & ~book.churner).sum()),
        recall=_share(int(hit.sum()), n_churn), precision=_share(int(hit.sum()), n_flag),
    )  # fmt: skip


def _cutoffs(book: _Book, target_recall: float) -> list[Cutoff]:
    rows, risk = book.known, book.churn.risk
    out = []
    for tier in (RiskTier.CRITICAL, RiskTier.HIGH, RiskTier.MEDIUM):
        floor = book.profile.churn.tier_floors[tier.value]
        out.append(_cutoff(book, rows, risk >= floor, f"churn risk >= {floor:g} (the {tier} tier floor)"))
    t = metrics.thresholds(book.churner[rows], risk[rows])
    at = metrics.threshold_for_recall(t, target_recall)
    if at is not None:
        line = float(t.score[at])
        rule = f"churn risk >= {line:g} ({FEWEST.format(recall=target_recall)})"
        out.append(_cutoff(book, rows, risk >= line, rule, suggested=True))
    h_rows = rows & book.health_ok
    classes = book.health.classes
    out.append(_cutoff(book, h_rows, in_classes(classes, HealthClass.RED), "health class red"))
    out.append(_cutoff(book, h_rows, in_classes(classes, HealthClass.RED, HealthClass.YELLOW),
                       "health class red or yellow"))  # fmt: skip
    overall = book.health.overall
    t = metrics.thresholds(book.churner[h_rows], -overall[h_rows])
    at = metrics.threshold_for_recall(t, target_recall)
    if at is not None:
        line = -float(t.score[at])
        with np.errstate(invalid="ignore"):
            flagged = overall <= line
        rule = f"health <= {line:g} ({FEWEST.format(recall=target_recall)})"
        out.append(_cutoff(book, h_rows, flagged, rule, suggested=True))
    return out


def _coverage(table: AccountTable, outcomes: AlignedOutcomes) -> OutcomeCoverage:
    with_outcome = int(outcomes.known.sum())
    return OutcomeCoverage(
        accounts=table.size, with_outcome=with_outcome, without_outcome=table.size - with_outcome,
        renewed=outcomes.count(OutcomeKind.RENEWED), churned=outcomes.count(OutcomeKind.CHURNED),
        downgraded=outcomes.count(OutcomeKind.DOWNGRADED), unknown_ids=len(outcomes.unknown_ids),
        first_unknown_ids=outcomes.unknown_ids[:FIRST_UNKNOWN],
        on_or_before_as_of=outcomes.on_or_before_as_of,
    )  # fmt: skip


def backtest_scores(
    table: AccountTable,
    health: HealthScores,
    churn: ChurnScores,
    outcomes: AlignedOutcomes,
    *,
    target: Target = "churned",
    history: Sequence[EarlierScoring] = (),
    target_recall: float | None = None,
    detail: Detail = "summary",
) -> BacktestReport:
    """Test the scores against what happened (see the module docstring)."""
    profile = churn.profile
    recall = profile.backtest.target_recall if target_recall is None else target_recall
    if not 0 < recall <= 1:
        raise ValueError(f"target_recall must be above 0 and at most 1, got {recall}")
    health_ok = ~in_classes(health.classes, HealthClass.INSUFFICIENT_DATA) & ~np.isnan(health.overall)
    book = _Book(table, health, churn, profile, outcomes.known, outcomes.positive(target), health_ok,
                 np.nan_to_num(table.values["arr"]))  # fmt: skip
    notes = []
    why = book.enough(book.known)
    if why:
        notes.append(f"Overall: {why}.")
    lead, scored, caught = _lead_time(book, churn.as_of, outcomes.date, history)
    full = detail == "full"
    separators = _separators(book) if why is None else []
    segments = []
    keys = [s for s in profile.segments if s in set(table.segments)]
    codes = per_row(table.segments, {k: i for i, k in enumerate(keys)}.__getitem__, np.int64)
    for code, key in enumerate(keys):
        in_segment = book.known & (codes == code)
        seg_why = book.enough(in_segment)
        risk = _score_backtest(book, in_segment, "churn_risk", full=full)
        n_scored = int((scored & in_segment).sum())
        segments.append(SegmentBacktest(
            segment=key, accounts=int(in_segment.sum()), churners=int((in_segment & book.churner).sum()),
            churn_risk=risk.overall, health=_score_backtest(book, in_segment, "health", full=False).overall,
            risk_tiers=_rates(book, in_segment, churn.tiers, RISK_TIERS) if full else [],
            health_classes=_rates(book, in_segment, health.classes, HEALTH_CLASSES) if full else [],
            lead_time_share=_share(int((caught & in_segment).sum()), n_scored),
            deciles_churn_risk=risk.deciles, note=seg_why,
        ))  # fmt: skip
    if target == "churned" and outcomes.count(OutcomeKind.DOWNGRADED):
        notes.append("Downgraded accounts count as retained here; backtest with "
                     "target='churned_or_downgraded' to count them as churners.")  # fmt: skip
    if outcomes.unknown_ids:
        notes.append(
            f"{plural(len(outcomes.unknown_ids), 'outcome')} name accounts this portfolio does not hold; "
            "left out."
        )
    return BacktestReport(
        as_of=churn.as_of, profile=profile.name, target=target, outcomes=_coverage(table, outcomes),
        churn_risk=_score_backtest(book, book.known, "churn_risk"),
        health=_score_backtest(book, book.known, "health"),
        risk_tiers=_rates(book, book.known, churn.tiers, RISK_TIERS),
        health_classes=_rates(book, book.known, health.classes, HEALTH_CLASSES),
        lead_time=lead, segments=segments,
        separators=separators if full else separators[:SEPARATORS_SHOWN], separators_total=len(separators),
        cutoffs=_cutoffs(book, recall) if why is None else [],
        target_recall=recall, notes=notes,
    )  # fmt: skip
