"""The backtest's statistics against their references (scikit-learn, SciPy) and hand-worked books."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from customer_success_mcp.scoring import metrics

sklearn_metrics = pytest.importorskip("sklearn.metrics")
scipy_stats = pytest.importorskip("scipy.stats")


def reference(y: np.ndarray, s: np.ndarray) -> tuple[float, float, float]:
    with (
        warnings.catch_warnings()
    ):  # SciPy's p-value of a one-element sample divides by zero; not the statistic
        warnings.simplefilter("ignore", RuntimeWarning)
        ks = float(scipy_stats.ks_2samp(s[y], s[~y]).statistic)
    return (
        float(sklearn_metrics.roc_auc_score(y, s)),
        float(sklearn_metrics.average_precision_score(y, s)),
        ks,
    )


def ours(y: np.ndarray, s: np.ndarray) -> tuple[float, float, float]:
    auc, ap, ks = metrics.roc_auc(y, s), metrics.average_precision(y, s), metrics.ks_statistic(y, s)
    assert auc is not None and ap is not None and ks is not None
    return auc, ap, ks


@st.composite
def labelled_scores(draw: st.DrawFn, tie_heavy: bool) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(2, 120))
    y = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    if y.all() or not y.any():
        y[0] = not y[0]
    if tie_heavy:  # few distinct values, as churn points and rounded scores are
        values = draw(st.lists(st.integers(0, 4), min_size=n, max_size=n))
        s = np.array(values, dtype=float) * 12.5
    else:
        values = draw(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=n, max_size=n))
        s = np.array(values)
    return y, s


@settings(max_examples=80, deadline=None)
@given(labelled_scores(tie_heavy=False))
def test_metrics_agree_with_scikit_learn_and_scipy(case: tuple[np.ndarray, np.ndarray]) -> None:
    y, s = case
    assert ours(y, s) == pytest.approx(reference(y, s), abs=1e-9)


@settings(max_examples=80, deadline=None)
@given(labelled_scores(tie_heavy=True))
def test_metrics_agree_with_the_references_when_scores_tie(case: tuple[np.ndarray, np.ndarray]) -> None:
    y, s = case
    assert ours(y, s) == pytest.approx(reference(y, s), abs=1e-9)


def test_a_perfect_score_a_reversed_one_and_all_ties() -> None:
    y = np.array([True, True, False, False, False])
    perfect = np.array([90.0, 80, 30, 20, 10])
    assert metrics.roc_auc(y, perfect) == 1.0
    assert metrics.average_precision(y, perfect) == 1.0
    assert metrics.ks_statistic(y, perfect) == 1.0
    assert metrics.roc_auc(y, -perfect) == 0.0
    assert metrics.ks_statistic(y, -perfect) == 1.0  # fully apart, the wrong way round
    flat = np.full(5, 50.0)
    assert metrics.roc_auc(y, flat) == 0.5
    assert metrics.average_precision(y, flat) == pytest.approx(2 / 5)  # one threshold: precision 2/5
    assert metrics.ks_statistic(y, flat) == 0.0


def test_hand_worked_auc_with_a_tie() -> None:
    # Churners score 80 and 50; the others 50 and 10. Pairs (churner, other): 80>50, 80>10, 50=50 (half),
    # 50>10: (1 + 1 + 0.5 + 1) / 4.
    y = np.array([True, True, False, False])
    s = np.array([80.0, 50, 50, 10])
    assert metrics.roc_auc(y, s) == 3.5 / 4


def test_hand_worked_average_precision() -> None:
    # Ranked: 0.9 churner, 0.8 not, 0.7 churner, 0.1 not. Thresholds add recall 1/2 at precision 1/1 and
    # recall 1/2 at precision 2/3: AP = 0.5 x 1 + 0.5 x 2/3.
    y = np.array([True, False, True, False])
    s = np.array([0.9, 0.8, 0.7, 0.1])
    assert metrics.average_precision(y, s) == pytest.approx(0.5 + 0.5 * 2 / 3)
    # Tied 0.8s enter together: one threshold with 2 flagged, 1 churner: recall 1/2 at precision 1/2.
    y2 = np.array([True, False, True, False])
    s2 = np.array([0.8, 0.8, 0.5, 0.1])
    assert metrics.average_precision(y2, s2) == pytest.approx(0.5 * 0.5 + 0.5 * 2 / 3)


def test_hand_worked_ks() -> None:
    # Churners 3, 4; others 1, 2, 3. Above 2: churners 2/2, others 1/3 -> gap 2/3 (the largest).
    y = np.array([True, True, False, False, False])
    s = np.array([3.0, 4, 1, 2, 3])
    assert metrics.ks_statistic(y, s) == pytest.approx(2 / 3)


def test_without_both_groups_there_is_no_figure() -> None:
    s = np.array([1.0, 2.0, 3.0])
    assert metrics.roc_auc(np.zeros(3, bool), s) is None
    assert metrics.roc_auc(np.ones(3, bool), s) is None
    assert metrics.average_precision(np.zeros(3, bool), s) is None
    assert metrics.ks_statistic(np.ones(3, bool), s) is None
    with pytest.raises(ValueError, match="NaN"):
        metrics.roc_auc(np.array([True, False]), np.array([1.0, np.nan]))


def test_deciles_keep_ties_together_and_add_up() -> None:
    # 20 accounts, decile = floor(position x 10 / 20) + 1. The top 3 tie at 99 (positions 0-2, middle 1):
    # all in decile 1, which leaves decile 2 only position 3; the rest are distinct.
    score = np.array([99.0, 99, 99, *range(17, 0, -1)])
    deciles = metrics.decile_of(score)
    assert deciles[:3].tolist() == [1, 1, 1]
    assert deciles[3:].tolist() == [2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10]
    y = np.zeros(20, bool)
    y[[0, 1, 5]] = True
    rows = metrics.decile_table(y, score)
    assert sum(r.accounts for r in rows) == 20 and sum(r.positives for r in rows) == 3
    first = rows[0]
    assert (first.decile, first.accounts, first.positives) == (1, 3, 2)
    assert first.rate == pytest.approx(2 / 3) and first.lift == pytest.approx((2 / 3) / (3 / 20))
    assert first.cumulative_capture == pytest.approx(2 / 3)
    assert rows[-1].cumulative_capture == pytest.approx(1.0)
    # Every account tied: one group in the middle decile, nothing else.
    flat = metrics.decile_table(y, np.full(20, 5.0))
    assert [(r.decile, r.accounts, r.lift) for r in flat] == [(5, 20, pytest.approx(1.0))]


def test_threshold_for_a_target_recall_flags_the_fewest_accounts() -> None:
    y = np.array([True, False, True, False, True, False])
    s = np.array([90.0, 80, 70, 60, 50, 40])
    t = metrics.thresholds(y, s)
    at = metrics.threshold_for_recall(t, 2 / 3)
    assert t.score[at] == 70.0 and t.flagged[at] == 3  # 90 and 70 caught, 80 a false alarm
    assert t.score[metrics.threshold_for_recall(t, 1.0)] == 50.0
