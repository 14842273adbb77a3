"""The churn model as data: categories of signals, each with its rule, wording and warning.

One table says everything about churn risk: which inputs are read, how each becomes points, how
points make a category score and categories the raw risk, what each signal is called and what it
means, and the warning it raises. The engine (`scoring.churn`), the model documentation
(`render.model_doc`), the contract check (`profiles`) and the warnings all read it; nothing lists
signals by hand. Signal rules (v is the input value, b the baseline, default 0; points are 0-100):

- `fall`: clamp((b - v) x scale), points for a value below the baseline (a decline);
- `rise`: clamp((v - b) x scale), points for a value above the baseline; with `step_at`, a value at
  or above it scores a flat `step_points` instead;
- `flag`: `points` when the input is true;
- `mapping`: points per vocabulary value (`mapping`), `mapping_other` for any other value.

An input with neither a value nor a contract default scores 0 points.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import Field, PrivateAttr, field_validator, model_validator

from customer_success_mcp.scoring.profile_base import (
    SEVERITY_ORDER,
    ProfileError,
    Severity,
    StrictModel,
    check_weights,
    deep_merge,
    normalise_label,
)

RuleKind = Literal["fall", "rise", "flag", "mapping"]
# rule kind -> (parameters it needs, parameters it may take)
RULE_PARAMETERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "fall": (("scale",), ("baseline",)),
    "rise": (("scale",), ("baseline", "step_at", "step_points")),
    "flag": (("points",), ()),
    "mapping": (("mapping",), ("mapping_other",)),
}
PARAMETER_NAMES = tuple(dict.fromkeys(p for need, may in RULE_PARAMETERS.values() for p in (*need, *may)))
COMPARISONS = ("<=", "<", ">=", ">")
# Which warning-level operators make sense for each rule kind's input.
LEVEL_OPS: dict[str, tuple[str, ...]] = {
    "fall": (*COMPARISONS, "=="),
    "rise": (*COMPARISONS, "=="),
    "flag": ("true",),
    "mapping": ("==",),
}


class WarningLevel(StrictModel):
    """One level of a warning: `op` compares the input with `value` ("true": the flag is set)."""

    op: Literal["<=", "<", ">=", ">", "==", "true"]
    value: float | str | None = None
    severity: Severity

    @field_validator("value")
    @classmethod
    def _normalised(cls, value: float | str | None) -> float | str | None:
        """Vocabulary inputs arrive normalised ('Month_to_Month' -> 'month-to-month'); so do these."""
        return normalise_label(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _value_fits_op(self) -> WarningLevel:
        if self.op == "true" and self.value is not None:
            raise ValueError("a 'true' level takes no value")
        if self.op in COMPARISONS and not isinstance(self.value, float | int):
            raise ValueError(f"a '{self.op}' level needs a number as its value, got {self.value!r}")
        if self.op == "==" and self.value is None:
            raise ValueError("a '==' level needs a value")
        return self


class SignalWarning(StrictModel):
    """The warning a signal raises: the first level that matches (most severe first) applies.

    `text` may use {value} and {abs} (the value without its sign), with a format such as {abs:g}.
    """

    text: str = Field(min_length=1)
    levels: list[WarningLevel] = Field(min_length=1)

    @model_validator(mode="after")
    def _most_severe_first(self) -> SignalWarning:
        ranks = [SEVERITY_ORDER.index(level.severity) for level in self.levels]
        if ranks != sorted(ranks):
            order = ", ".join(level.severity for level in self.levels)
            raise ValueError(f"warning levels must run from the most severe down, got {order}")
        return self


class WarningRule(StrictModel):
    """A warning on one input, as `ChurnModel.warning_rules()` yields it (a signal's warning and field)."""

    field: str
    levels: list[WarningLevel]
    text: str


class ChurnSignal(StrictModel):
    """One churn signal: the input it reads, how that becomes 0-100 points, its wording and warning."""

    name: str = Field(min_length=1)
    field: str = Field(min_length=1, description="Input path, section.field")
    rule: RuleKind
    label: str = Field(min_length=1, description="Plain-language name, e.g. 'Logins falling'")
    description: str = Field(min_length=1, description="What the signal says about the account")
    weight: float | None = Field(None, ge=0, le=1, description="Share of a weighted category's score")
    scale: float | None = Field(None, ge=0, allow_inf_nan=False, description="fall, rise: points per unit")
    baseline: float | None = Field(
        None, allow_inf_nan=False, description="fall, rise: the value that scores 0 (default 0)"
    )
    step_at: float | None = Field(
        None, allow_inf_nan=False, description="rise: from this value on, a flat step_points instead"
    )
    step_points: float | None = Field(None, ge=0, le=100)
    points: float | None = Field(None, ge=0, le=100, description="flag: points when true")
    mapping: dict[str, float] | None = Field(None, description="mapping: points per input value")
    mapping_other: float | None = Field(
        None, ge=0, le=100, description="mapping: any other value (default 0)"
    )
    warning: SignalWarning | None = None

    @field_validator("mapping")
    @classmethod
    def _mapping_keys_normalised(cls, mapping: dict[str, float] | None) -> dict[str, float] | None:
        return None if mapping is None else {normalise_label(k): v for k, v in mapping.items()}

    @model_validator(mode="after")
    def _rule_parameters(self) -> ChurnSignal:
        need, may = RULE_PARAMETERS[self.rule]
        given = [p for p in PARAMETER_NAMES if getattr(self, p) is not None]
        missing = [p for p in need if p not in given]
        if missing:
            raise ValueError(f"signal {self.name}: a {self.rule} signal needs {' and '.join(missing)}")
        stray = [p for p in given if p not in need and p not in may]
        if stray:
            takes = ", ".join((*need, *may))
            raise ValueError(
                f"signal {self.name}: {', '.join(stray)} does not apply to a {self.rule} signal "
                f"(it takes {takes})"
            )
        if (self.step_at is None) != (self.step_points is None):
            raise ValueError(f"signal {self.name}: step_at and step_points go together")
        bad = [k for k, v in (self.mapping or {}).items() if not (math.isfinite(v) and 0 <= v <= 100)]
        if bad:
            raise ValueError(f"signal {self.name}: mapping points must be 0-100: {', '.join(bad)}")
        if self.warning is not None:
            self._check_warning(self.warning)
        return self

    def _check_warning(self, warning: SignalWarning) -> None:
        ops = LEVEL_OPS[self.rule]
        odd = [level.op for level in warning.levels if level.op not in ops]
        if odd:
            raise ValueError(
                f"signal {self.name}: a {self.rule} signal's warning levels use {' or '.join(ops)}, "
                f"not {odd[0]} (give it warning levels of its own, or warning = false for none)"
            )
        wants_text = self.rule == "mapping"
        if any(isinstance(lv.value, str) != wants_text for lv in warning.levels if lv.op != "true"):
            wanted = "text values" if wants_text else "numbers"
            raise ValueError(f"signal {self.name}: its warning levels compare with {wanted}")
        sample: float | str = "value" if wants_text else 1.0
        try:
            warning.text.format(value=sample, abs=sample)
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(
                f"signal {self.name}: warning text {warning.text!r} cannot be filled in ({exc}); "
                "it may use {value} and {abs}"
            ) from None


class ChurnCategory(StrictModel):
    """A group of signals with its share of the raw risk.

    `weighted`: round(sum(points x signal weight), 1); `summed`: round(min(sum(points), 100), 1).
    """

    name: str = Field(min_length=1)
    label: str = Field(min_length=1)
    weight: float = Field(ge=0, le=1)
    combine: Literal["weighted", "summed"]
    signals: list[ChurnSignal] = Field(min_length=1)

    @model_validator(mode="after")
    def _signal_weights(self) -> ChurnCategory:
        if self.combine == "weighted":
            unweighted = [s.name for s in self.signals if s.weight is None]
            if unweighted:
                raise ValueError(
                    f"churn category {self.name} is weighted: signal {unweighted[0]} needs a weight"
                )
            check_weights(
                {s.name: s.weight or 0.0 for s in self.signals}, f"churn category {self.name} signal"
            )
        else:
            weighted = [s.name for s in self.signals if s.weight is not None]
            if weighted:
                raise ValueError(
                    f"churn category {self.name} adds its signals' points: signal {weighted[0]} "
                    "takes no weight (make the category weighted to weigh its signals)"
                )
        return self


class ChurnModel(StrictModel):
    """Churn risk: categories of signals (in the order they add up), renewal urgency and tiers."""

    categories: list[ChurnCategory] = Field(min_length=1)
    renewal_multipliers: list[tuple[int, float]] = Field(
        description="(max days to renewal, multiplier), ascending; beyond the last one, 1.0"
    )
    ended_contract_multiplier: float | None = Field(
        None,
        ge=0,
        description="Urgency multiplier for a contract whose end date has passed; null counts it as "
        "0 days to renewal (the reference scripts' rule)",
    )
    tier_floors: dict[str, float] = Field(description="Lowest score of each tier above low")
    absent_signals: Literal["fallback", "omit"] = Field(
        "fallback",
        description="'fallback': a signal the account did not supply scores its contract default (the "
        "reference rule: a missing satisfaction trend counts as 'stable'); 'omit': it adds nothing",
    )
    _warning_rules: tuple[WarningRule, ...] = PrivateAttr(default=())

    def model_post_init(self, context: Any) -> None:
        self._warning_rules = tuple(
            WarningRule(field=s.field, levels=s.warning.levels, text=s.warning.text)
            for _, s in self.signals
            if s.warning is not None
        )

    @model_validator(mode="after")
    def _valid(self) -> ChurnModel:
        for kind, names in (
            ("category", [c.name for c in self.categories]),
            ("signal", [s.name for _, s in self.signals]),
        ):
            twice = sorted({n for n in names if names.count(n) > 1})
            if twice:
                raise ValueError(f"churn {kind} names must be unique: {', '.join(twice)} used more than once")
        check_weights({c.name: c.weight for c in self.categories}, "churn category")
        days = [d for d, _ in self.renewal_multipliers]
        if days != sorted(days):
            raise ValueError("renewal_multipliers must be ordered by days, ascending")
        missing = [t for t in SEVERITY_ORDER[:3] if t not in self.tier_floors]
        if missing:
            raise ValueError(f"tier_floors needs critical, high and medium (missing {', '.join(missing)})")
        floors = [self.tier_floors[t] for t in SEVERITY_ORDER[:3]]
        if floors != sorted(floors, reverse=True):
            raise ValueError("tier_floors must satisfy critical >= high >= medium")
        return self

    @property
    def signals(self) -> list[tuple[ChurnCategory, ChurnSignal]]:
        """Every signal with its category, in the order they add up."""
        return [(c, s) for c in self.categories for s in c.signals]

    @property
    def input_fields(self) -> list[str]:
        """The inputs the signals read, each once, in table order."""
        return list(dict.fromkeys(s.field for _, s in self.signals))

    def warning_rules(self) -> tuple[WarningRule, ...]:
        """The warning rules (field, levels most severe first, text), one per signal that has a warning.

        The one accessor for warning rules, in table order (built once, with the model): the engine's
        per-account warnings read them here, and so should anything else that lists or cites them.
        """
        return self._warning_rules


# --------------------------------------------------------------------------- overrides


# kind -> (the key that marks a table as a new entry, what a new entry must give)
NEW_ENTRY = {
    "signal": ("field", "its field, rule, label, description and the rule's parameters"),
    "category": ("signals", "its label, weight, combine and signals"),
}


def _table(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ProfileError(f"{where}: must be a table, got {value!r}")
    return value


def _new_entry(name: str, patch: Any, where: str, kind: str, known: list[str]) -> dict[str, Any]:
    """A key that names no existing category or signal adds one, and must then give all its fields."""
    patch = _table(patch, where)
    marker, needs = NEW_ENTRY[kind]
    if marker not in patch:
        raise ProfileError(f"{where}: no such {kind} (known: {', '.join(known)}); to add one, give {needs}")
    if patch.get("name", name) != name:
        raise ProfileError(f"{where}.name: {patch['name']!r} differs from the table's key {name!r}")
    return {**patch, "name": name}


def _merge_signal(signal: dict[str, Any], patch: Any, where: str) -> dict[str, Any]:
    patch = dict(_table(patch, where))
    if patch.get("warning") is False:  # `warning = false` drops the signal's warning
        patch.pop("warning")
        signal = {**signal, "warning": None}
    if "rule" in patch and patch["rule"] != signal["rule"]:
        # A new rule kind brings its own parameters; the old kind's do not carry over.
        signal = {k: v for k, v in signal.items() if k not in PARAMETER_NAMES}
    return deep_merge(signal, patch)


def _merge_signals(base: list[dict[str, Any]], override: Any, where: str) -> list[dict[str, Any]]:
    if isinstance(override, list):
        return override
    override = _table(override, where)
    names = [s["name"] for s in base]
    merged = [
        _merge_signal(s, override[s["name"]], f"{where}.{s['name']}") if s["name"] in override else s
        for s in base
    ]
    for name, patch in override.items():
        if name not in names:
            merged.append(_new_entry(name, patch, f"{where}.{name}", "signal", names))
    return merged


def merge_churn_categories(base: list[dict[str, Any]], override: Any) -> list[dict[str, Any]]:
    """TOML writes churn categories and their signals as tables keyed by name; merge them onto the base.

    A key naming an existing category or signal changes only what it gives; a new key adds one
    (after the existing ones, in the order written) and must give all its fields. A list replaces
    the base list whole.
    """
    where = "churn.categories"
    if isinstance(override, list):
        return override
    if not isinstance(override, dict):
        raise ProfileError(f"{where} must be a table of categories keyed by name")
    names = [c["name"] for c in base]
    merged = []
    for cat in base:
        if cat["name"] not in override:
            merged.append(cat)
            continue
        here = f"{where}.{cat['name']}"
        patch = dict(_table(override[cat["name"]], here))
        signals = patch.pop("signals", None)
        cat = deep_merge(cat, patch)
        if signals is not None:
            cat["signals"] = _merge_signals(cat["signals"], signals, f"{here}.signals")
        merged.append(cat)
    for name, patch in override.items():
        if name in names:
            continue
        here = f"{where}.{name}"
        cat = _new_entry(name, patch, here, "category", names)
        if "signals" in cat:
            cat["signals"] = _merge_signals([], cat["signals"], f"{here}.signals")
        merged.append(cat)
    return merged
