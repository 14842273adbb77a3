"""The SQL tables of a scored portfolio, described once: columns, types and what each holds.

Cheap to import (no engine): the server puts `describe_schema()` in the query tool's description.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from customer_success_mcp.scoring.vocabulary import ARR_AT_RISK_DEFINITION

if TYPE_CHECKING:
    from customer_success_mcp.scoring.profile import Profile

# (column, SQL type, what it holds) for the fixed columns; per-dimension and per-category columns are
# added from the profile (see `_account_columns`).
ACCOUNT_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("customer_id", "TEXT", "account id (primary key)"),
    ("name", "TEXT", "account name"),
    ("segment", "TEXT", "enterprise, mid-market, smb (or a profile's own)"),
    ("owner", "TEXT", "account owner (CSM), when the export gives one"),
    ("arr", "REAL", "annual recurring revenue, currency units"),
    ("contract_start_date", "TEXT", "YYYY-MM-DD"),
    ("contract_end_date", "TEXT", "YYYY-MM-DD"),
    ("days_to_renewal", "INTEGER", "signed days from as_of to the contract end (negative once ended)"),
    ("contract_status", "TEXT", "active, renewing, ended or no_end_date"),
    ("health", "REAL", "overall health 0-100 (NULL: no health data)"),
    ("health_previous", "REAL", "last period's overall, as the trend reads it"),
    ("health_change", "REAL", "health - health_previous, points (negative: worse)"),
    ("health_class", "TEXT", "green, yellow, red or insufficient_data"),
    ("health_trend", "TEXT", "improving, stable, declining or no_data"),
    ("health_coverage", "REAL", "share of the health model's weight supplied, 0-1"),
    ("risk", "REAL", "churn risk 0-100, after renewal urgency"),
    ("risk_raw", "REAL", "churn risk before renewal urgency"),
    ("risk_tier", "TEXT", "critical, high, medium or low"),
    ("playbook_tier", "TEXT", "the tier whose playbook applies (escalated by a critical warning)"),
    ("urgency_multiplier", "REAL", "renewal urgency multiplier"),
    ("churn_coverage", "REAL", "share of the churn inputs supplied, 0-1"),
    ("thin_data", "INTEGER", "1 when the scores rest on thin data (data_quality counts these), else 0"),
    ("expansion_gross", "REAL", "every expansion estimate added up, currency units (they overlap)"),
    ("expansion_net", "REAL", "gross without the seat/tier overlap, currency units"),
    ("expansion_weighted", "REAL", "net x the likelihood for the health class, currency units"),
    ("opportunity_count", "INTEGER", "expansion opportunities"),
    ("lifecycle_phase", "TEXT", "onboarding, adoption, optimisation, renewal, ended, or NULL without dates"),
)
OTHER_TABLES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "warnings": (
        ("customer_id", "TEXT", "the account"),
        ("severity", "TEXT", "critical, high, medium or low"),
        ("signal", "TEXT", "the warning in words"),
        ("field", "TEXT", "the input it reads, section.field"),
    ),
    "opportunities": (
        ("customer_id", "TEXT", "the account"),
        ("category", "TEXT", "seat_expansion, tier_upgrade, module_cross_sell or department_expansion"),
        ("subject", "TEXT", "the tier, module or department, where there is one"),
        ("estimated_revenue", "REAL", "the estimate, currency units"),
        ("counted_in_net", "INTEGER", "1, or 0 for the smaller of a seat and tier estimate on one account"),
        ("priority", "REAL", "priority score"),
        ("effort", "TEXT", "low, medium or high"),
    ),
    "playbook_steps": (
        ("tier", "TEXT", "the playbook's tier (join accounts.playbook_tier)"),
        ("step", "INTEGER", "order, from 1"),
        ("text", "TEXT", "the step"),
        ("owner", "TEXT", "who does it"),
        ("within_days", "INTEGER", "due this many days after as_of"),
    ),
}


def account_columns(profile: Profile) -> list[tuple[str, str, str]]:
    """The accounts table's columns: the fixed ones, one set per health dimension and churn category."""
    columns = list(ACCOUNT_COLUMNS)
    at = [c[0] for c in columns].index("health_coverage") + 1
    per_dimension = []
    for d in profile.health.dimensions:
        per_dimension += [
            (d.name, "REAL", f"{d.label} dimension 0-100 (NULL: no data)"),
            (f"{d.name}_previous", "REAL", f"last period's {d.label.lower()} score"),
            (f"{d.name}_change", "REAL", f"{d.name} - {d.name}_previous, points"),
        ]
    columns[at:at] = per_dimension
    at = [c[0] for c in columns].index("churn_coverage") + 1
    columns[at:at] = [(f"churn_{c.name}", "REAL", f"churn category {c.label}, 0-100")
                      for c in profile.churn.categories]  # fmt: skip
    return columns


# Short hints for the tool description: enumerations and units a query needs to be written right.
HINTS = {
    "arr": "currency",
    "days_to_renewal": "signed; negative once ended",
    "contract_status": "active|renewing|ended|no_end_date",
    "health": "0-100, NULL no data",
    "health_change": "points vs previous",
    "health_class": "green|yellow|red|insufficient_data",
    "health_trend": "improving|stable|declining|no_data",
    "health_coverage": "0-1",
    "risk": "0-100",
    "risk_tier": "critical|high|medium|low",
    "playbook_tier": "tier whose playbook applies",
    "expansion_weighted": "currency, net x likelihood",
    "lifecycle_phase": "onboarding|adoption|optimisation|renewal|ended",
}


def describe_schema(profile: Profile | None = None) -> str:
    """The tables and columns in a few lines (per-dimension columns named from the profile)."""
    if profile is None:
        accounts = "; ".join(f"{n} ({HINTS[n]})" if n in HINTS else n for n, _, _ in ACCOUNT_COLUMNS)
        accounts += "; plus <dimension>, <dimension>_previous, <dimension>_change per health dimension "
        accounts += "(usage, engagement, support, relationship) and churn_<category> per churn category"
    else:
        accounts = "; ".join(n for n, _, _ in account_columns(profile))
    others = " ".join(f"{t}({', '.join(n for n, _, _ in cols)})." for t, cols in OTHER_TABLES.items())
    return (
        f"Tables: accounts({accounts}). {others} Money in currency units; scores 0-100; shares 0-1; dates "
        f"YYYY-MM-DD. {ARR_AT_RISK_DEFINITION}: risk_tier IN ('critical','high')."
    )


START, END = "<!-- sql-schema:start -->", "<!-- sql-schema:end -->"


def schema_markdown(profile: Profile) -> str:
    """The tables as markdown for the README: every column with its type and what it holds."""
    out = []
    tables = {"accounts": account_columns(profile), **{t: list(c) for t, c in OTHER_TABLES.items()}}
    for table, columns in tables.items():
        out += [f"`{table}`", "", "| Column | Type | What it holds |", "|---|---|---|"]
        out += [f"| `{name}` | {kind} | {about} |" for name, kind, about in columns]
        out.append("")
    return "\n".join(out)


def with_schema_reference(readme: str, profile: Profile) -> str:
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{schema_markdown(profile)}{END}{tail}"


if __name__ == "__main__":  # python -m customer_success_mcp.query.schema README.md
    import sys
    from pathlib import Path

    from customer_success_mcp.scoring.default_profiles import DEFAULT_PROFILE

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "README.md")
    target.write_text(
        with_schema_reference(target.read_text(encoding="utf-8"), DEFAULT_PROFILE), encoding="utf-8"
    )
