"""How well a score separates two groups (churned or not): the statistics a backtest reports.

NumPy only, vectorised, and defined to agree with the usual references (the tests compare them to
1e-9): `roc_auc` with `sklearn.metrics.roc_auc_score`, `average_precision` with
`sklearn.metrics.average_precision_score`, `ks_statistic` with `scipy.stats.ks_2samp(...).statistic`.
Every function takes `positive` (True for an account that churned) and `score` (higher = more likely
to churn; pass a health score negated), with no NaN in either: callers leave unscored accounts out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DECILES = 10


def _checked(positive: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(positive, dtype=bool)
    s = np.asarray(score, dtype=float)
    if y.shape != s.shape or y.ndim != 1:
        raise ValueError(f"positive and score must be 1-D and the same length ({y.shape} vs {s.shape})")
    if np.isnan(s).any():
        raise ValueError("score holds NaN: leave unscored accounts out first")
    return y, s


@dataclass(frozen=True)
class Thresholds:
    """Every distinct score, highest first, with the positives and negatives at or above it."""

    score: np.ndarray
    true_positives: np.ndarray
    false_positives: np.ndarray
    positives: int

    @property
    def flagged(self) -> np.ndarray:
        return self.true_positives + self.false_positives

    @property
    def recall(self) -> np.ndarray:
        return self.true_positives / self.positives if self.positives else np.zeros(self.score.size)

    @property
    def precision(self) -> np.ndarray:
        return self.true_positives / self.flagged


def thresholds(positive: np.ndarray, score: np.ndarray) -> Thresholds:
    """Cumulative counts at each distinct score, from the highest down (ties enter together)."""
    y, s = _checked(positive, score)
    order = np.argsort(s)[::-1]  # tie order is irrelevant: ties are counted as groups
    s, y = s[order], y[order]
    last_of_group = np.r_[np.flatnonzero(s[1:] != s[:-1]), s.size - 1] if s.size else np.zeros(0, np.intp)
    tps = np.cumsum(y)[last_of_group]
    fps = last_of_group + 1 - tps
    return Thresholds(s[last_of_group], tps.astype(np.int64), fps.astype(np.int64), int(y.sum()))


def roc_auc(positive: np.ndarray, score: np.ndarray) -> float | None:
    """Area under the ROC curve: the chance that a random churner scores above a random non-churner, a
    tie counting one half. Computed as the Mann-Whitney U over P x N, counted per group of tied scores
    (each non-churner in a group adds the churners above it plus half the churners tied with it); the
    counts are whole and half numbers, exact in floating point. None without both groups."""
    return auc_of(thresholds(positive, score))


def auc_of(t: Thresholds) -> float | None:
    """ROC AUC from a threshold table (see `roc_auc`)."""
    p = t.positives
    n = int(t.false_positives[-1]) if t.score.size else 0
    if p == 0 or n == 0:
        return None
    tp_group = np.diff(t.true_positives, prepend=0)
    fp_group = np.diff(t.false_positives, prepend=0)
    above = t.true_positives - tp_group
    return float(np.sum(fp_group * (above + tp_group / 2.0)) / (p * n))


def average_precision(positive: np.ndarray, score: np.ndarray) -> float | None:
    """Average precision (the step-wise area under the precision-recall curve): the precision at each
    distinct threshold, highest first, weighted by the recall it adds. None without churners."""
    return average_precision_of(thresholds(positive, score))


def average_precision_of(t: Thresholds) -> float | None:
    if t.positives == 0:
        return None
    return float(np.sum(np.diff(t.recall, prepend=0.0) * t.precision))


def ks_statistic(positive: np.ndarray, score: np.ndarray) -> float | None:
    """Kolmogorov-Smirnov statistic: the largest gap between the score distributions (cumulative) of
    churners and of the others, 0 (the same) to 1 (fully apart). None without both groups."""
    return ks_of(thresholds(positive, score))


def ks_of(t: Thresholds) -> float | None:
    """KS from a threshold table: at each distinct score x, the share of churners scoring above x minus
    the share of the others scoring above x (1 - each cumulative distribution at x)."""
    p = t.positives
    n = int(t.false_positives[-1]) if t.score.size else 0
    if p == 0 or n == 0:
        return None
    tp_above = t.true_positives - np.diff(t.true_positives, prepend=0)
    fp_above = t.false_positives - np.diff(t.false_positives, prepend=0)
    return float(np.max(np.abs(tp_above / p - fp_above / n)))


@dataclass(frozen=True)
class DecileRow:
    decile: int  # 1 = the highest scores
    accounts: int
    positives: int
    rate: float
    lift: float | None
    cumulative_capture: float | None
    cumulative_accounts_share: float
    score_low: float
    score_high: float


def decile_of(score: np.ndarray) -> np.ndarray:
    """Each account's decile, 1 (highest scores) to 10: accounts sorted highest first, each tie group
    placed by the mean of the positions it spans (so tied accounts always share a decile, and deciles
    are as equal as the ties allow; some may be empty)."""
    n = score.size
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(-score)
    ordered = -score[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], n]
    middle = np.repeat((starts + ends - 1) / 2.0, ends - starts)
    deciles = np.empty(n, dtype=np.int64)
    deciles[order] = np.floor(middle * DECILES / n).astype(np.int64) + 1
    return deciles


def decile_table(positive: np.ndarray, score: np.ndarray, shown: np.ndarray | None = None) -> list[DecileRow]:
    """Churn rate, lift and cumulative capture per decile (highest scores first), empty deciles left
    out; `shown` is the score as people read it (health rather than negated health) for the ranges."""
    y, s = _checked(positive, score)
    shown = s if shown is None else np.asarray(shown, dtype=float)
    deciles = decile_of(s)
    total_pos = int(y.sum())
    base = total_pos / y.size if y.size else 0.0
    counts = np.bincount(deciles, minlength=DECILES + 1)
    pos = np.bincount(deciles, weights=y, minlength=DECILES + 1).astype(np.int64)
    rows, cum_pos, cum_n = [], 0, 0
    for d in range(1, DECILES + 1):
        if counts[d] == 0:
            continue
        cum_pos += int(pos[d])
        cum_n += int(counts[d])
        rate = int(pos[d]) / int(counts[d])
        inside = shown[deciles == d]
        rows.append(DecileRow(
            decile=d, accounts=int(counts[d]), positives=int(pos[d]), rate=rate,
            lift=rate / base if base else None,
            cumulative_capture=cum_pos / total_pos if total_pos else None,
            cumulative_accounts_share=cum_n / y.size,
            score_low=float(inside.min()), score_high=float(inside.max()),
        ))  # fmt: skip
    return rows


def threshold_for_recall(t: Thresholds, target: float) -> int | None:
    """Index (into `t`) of the highest threshold whose recall reaches `target`: the fewest accounts
    flagged for that recall. None without churners."""
    if t.positives == 0:
        return None
    reached = np.flatnonzero(t.recall >= target - 1e-12)
    return int(reached[0]) if reached.size else None
