"""Choosing the scoring profile: a built-in one, or a user's TOML file applied to its base.

This is the layer above the engine: it reads files and checks that every input a profile names
is a field of the data contract (`ingest.contract`), which the pure engine cannot know about.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from customer_success_mcp.fileio import MB, FileReadError, read_regular_file
from customer_success_mcp.ingest.columns import SECTION_RULES, TOP_RULES, FieldRule
from customer_success_mcp.ingest.contract import input_paths
from customer_success_mcp.scoring.churn_model import ChurnSignal
from customer_success_mcp.scoring.default_profiles import build_profile
from customer_success_mcp.scoring.profile import Profile, ProfileError, with_overrides

MAX_PROFILE_BYTES = 4 * MB
# The kinds of input each churn rule can read (kinds as the bulk validator stores them).
_RULE_INPUT_KINDS = {
    "fall": ("number", "integer"),
    "rise": ("number", "integer"),
    "flag": ("flag",),
    "mapping": ("label",),
}


def check_input_paths(profile: Profile, source: str) -> None:
    """Every input a profile reads must be a field of the data contract."""
    known = input_paths()
    for dim in profile.health.dimensions:
        for m in dim.metrics:
            for what, path in (("field", m.field), ("target_field", m.target_field)):
                if path is not None and path not in known:
                    raise ProfileError(
                        f"{source}: health.dimensions.{dim.name}.metrics.{m.name}.{what}: {path!r} is not an "
                        "input field (see the README's input format)"
                    )
        if dim.previous_field not in known:
            where = f"health.dimensions.{dim.name}.previous_field"
            raise ProfileError(f"{source}: {where}: {dim.previous_field!r} is not an input field")
    rules = {r.path: r for r in (*TOP_RULES, *SECTION_RULES)}
    for category, signal in profile.churn.signals:
        where = f"{source}: churn.categories.{category.name}.signals.{signal.name}"
        _check_signal_input(signal, rules.get(signal.field), where)
    for tier, plan in profile.interventions.items():
        for i, step in enumerate(plan.steps):
            unknown = [f for f in step.answers if f not in known]
            if unknown:
                raise ProfileError(
                    f"{source}: interventions.{tier}.steps[{i}].answers: {unknown[0]!r} is not an input "
                    "field (see the README's input format)"
                )


def _check_signal_input(signal: ChurnSignal, rule: FieldRule | None, where: str) -> None:
    """A churn signal reads a contract field of a kind its rule understands, with values it can take."""
    if rule is None:
        raise ProfileError(
            f"{where}.field: {signal.field!r} is not an input field (see the README's input format)"
        )
    kinds = _RULE_INPUT_KINDS[signal.rule]
    if rule.kind not in kinds:
        raise ProfileError(
            f"{where}.rule: a {signal.rule} signal reads {' or '.join(kinds)} inputs; "
            f"{signal.field} is {'a' if rule.kind != 'integer' else 'an'} {rule.kind} input"
        )
    if rule.kind != "label":
        return
    levels = signal.warning.levels if signal.warning else []
    values = [*(signal.mapping or {}), *(str(level.value) for level in levels)]
    unknown = [v for v in values if v not in rule.vocabulary]
    if unknown:
        raise ProfileError(
            f"{where}: {unknown[0]!r} is not a value of {signal.field} ({', '.join(rule.vocabulary)})"
        )


def profile_from_overrides(overrides: dict[str, Any], source: str = "profile") -> Profile:
    """Overrides (as read from TOML) applied to their base, validated, and checked against the contract."""
    profile = build_profile(overrides, source)
    check_input_paths(profile, source)
    return profile


def changed_profile(profile: Profile, overrides: dict[str, Any], source: str = "overrides") -> Profile:
    """`profile` with overrides applied (a `base` key starts from that built-in profile instead), validated
    and checked against the contract: what-if questions about the model."""
    if "base" in overrides:
        return profile_from_overrides(overrides, source)
    changed = with_overrides(profile, overrides, source)
    check_input_paths(changed, source)
    if "name" not in overrides:  # say it is not the profile it started from
        changed = changed.model_copy(update={"name": f"{profile.name} with {source}"})
    return changed


def overrides_from_toml(text: str, source: str) -> dict[str, Any]:
    """Profile overrides written as TOML (the same keys as a profile file), not yet applied."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{source}: not valid TOML: {exc}") from None


def load_profile(path: str | Path | None) -> Profile:
    """The default profile, a built-in one by name (reference, default, five_dimension), or a TOML
    override file applied to its `base` profile."""
    from customer_success_mcp.scoring.default_profiles import BUILTIN_PROFILES, DEFAULT_PROFILE

    if path is None:
        return DEFAULT_PROFILE
    if isinstance(path, str) and path in BUILTIN_PROFILES and not Path(path).exists():
        return BUILTIN_PROFILES[path]
    path = Path(path)
    try:
        if not path.exists():
            names = ", ".join(BUILTIN_PROFILES)
            raise ProfileError(f"profile file not found: {path} (built-in profiles by name: {names})")
        text = read_regular_file(path, MAX_PROFILE_BYTES, "a profile is a short TOML file").decode("utf-8")
    except FileReadError as exc:
        raise ProfileError(f"cannot read profile {path}: {exc}") from None
    except UnicodeDecodeError:
        raise ProfileError(f"{path}: not a text file (a profile is TOML, in UTF-8)") from None
    try:
        overrides = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path}: not valid TOML: {exc}") from None
    overrides.setdefault("name", path.stem)
    return profile_from_overrides(overrides, source=str(path))
