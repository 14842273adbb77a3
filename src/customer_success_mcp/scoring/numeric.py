"""Array arithmetic that matches the reference scripts' Python float semantics exactly."""

from __future__ import annotations

import numpy as np

# Values this close to a rounding boundary (after scaling) are re-rounded by Python itself.
_BOUNDARY_EPS = 1e-6


def clamp(values: np.ndarray, low: float = 0.0, high: float = 100.0) -> np.ndarray:
    """Bound to [low, high], like the reference's clamp."""
    return np.minimum(np.maximum(values, low), high)


def safe_ratio(num: np.ndarray, den: np.ndarray | float) -> np.ndarray:
    """num / den, or 0 where den is 0 (the reference's `ratio`)."""
    den = np.broadcast_to(np.asarray(den, dtype=float), np.shape(num))
    out = np.zeros(np.shape(num), dtype=float)
    np.divide(num, den, out=out, where=den != 0)
    return out


def py_round(values: np.ndarray, ndigits: int = 1) -> np.ndarray:
    """Round like Python's `round(x, ndigits)` (correctly rounded, half to even), elementwise.

    `np.round` agrees with Python except next to a .5 boundary, where binary representation
    decides; those few elements are re-rounded with Python's own `round`.
    """
    values = np.asarray(values, dtype=float)
    scale = 10.0**ndigits
    rounded = np.round(values, ndigits)
    scaled = values * scale
    near = np.abs(scaled - np.floor(scaled) - 0.5) < _BOUNDARY_EPS
    if near.any():
        idx = np.flatnonzero(near)
        flat = rounded.reshape(-1)
        src = values.reshape(-1)
        for i in idx.tolist():
            flat[i] = round(float(src[i]), ndigits)
    return rounded
