"""Building blocks shared by the profile models (`profile`, `churn_model`): strictness, weights, errors."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

Severity = Literal["critical", "high", "medium", "low"]
SEVERITY_ORDER: tuple[Severity, ...] = ("critical", "high", "medium", "low")
WEIGHT_TOLERANCE = 1e-6


class ProfileError(ValueError):
    """A profile file or override that cannot be used; the message names the bad key."""


class StrictModel(BaseModel):
    """Profile data: unknown keys are errors (they are typos), and a built profile never changes."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def check_weights(weights: dict[str, float], where: str) -> None:
    total = sum(weights.values())
    if abs(total - 1.0) > WEIGHT_TOLERANCE:
        parts = ", ".join(f"{k}={v:g}" for k, v in weights.items())
        raise ValueError(f"{where} weights must sum to 1, got {total:g} ({parts})")


def normalise_label(text: str) -> str:
    """'Mid_Market ' -> 'mid-market': lower case, single hyphens for spaces and underscores."""
    return "-".join(text.strip().lower().replace("_", " ").replace("-", " ").split())


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """`base` with `override` laid over it: tables merge key by key, anything else replaces."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = deep_merge(base[key], value)
        else:
            merged[key] = value
    return merged
