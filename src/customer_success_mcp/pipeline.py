"""The whole job in one call: load, validate and score a portfolio with all three scorers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from customer_success_mcp.dates import parse_iso_day
from customer_success_mcp.formatting import plural
from customer_success_mcp.ingest.load import LoadedPortfolio, LoadReport
from customer_success_mcp.ingest.sources import load_file
from customer_success_mcp.profiles import load_profile
from customer_success_mcp.scoring.churn import ChurnScores, score_churn
from customer_success_mcp.scoring.expansion import ExpansionScores, score_expansion
from customer_success_mcp.scoring.health import HealthScores, score_health
from customer_success_mcp.scoring.lifecycle import Lifecycle
from customer_success_mcp.scoring.models import AccountExplanation
from customer_success_mcp.scoring.portfolio import PortfolioSummary, summarise_portfolio
from customer_success_mcp.scoring.profile import Profile
from customer_success_mcp.scoring.table import AccountTable


@dataclass(frozen=True)
class ScoredPortfolio:
    """Every accepted account scored three ways, with the load report beside it."""

    table: AccountTable
    report: LoadReport
    profile: Profile
    as_of: dt.date
    health: HealthScores
    churn: ChurnScores
    expansion: ExpansionScores


def score_table(table: AccountTable, report: LoadReport, profile: Profile, as_of: dt.date) -> ScoredPortfolio:
    """Score validated accounts three ways: the one place a ScoredPortfolio is built."""
    health = score_health(table, profile)
    return ScoredPortfolio(
        table=table,
        report=report,
        profile=profile,
        as_of=as_of,
        health=health,
        churn=score_churn(table, profile, as_of),
        expansion=score_expansion(table, profile, health.classes),
    )


def score_loaded(loaded: LoadedPortfolio, profile: Profile, as_of: dt.date) -> ScoredPortfolio:
    return score_table(loaded.table, loaded.report, profile, as_of)


def score_file(path: str | Path, as_of: dt.date, profile: Profile | None = None) -> ScoredPortfolio:
    """Load a portfolio file and score it as of the given date."""
    profile = profile or load_profile(None)
    return score_loaded(load_file(path, profile), profile, as_of)


def resolve_as_of(
    explicit: dt.date | None, extras: dict[str, Any], today: dt.date | None = None
) -> tuple[dt.date, str]:
    """The scoring date and where it came from: the one asked for ("argument"), else the file's
    documented `as_of` ("file"), else today ("today", which every summary then says out loud)."""
    if explicit is not None:
        return explicit, "argument"
    documented = extras.get("as_of")
    if documented is not None:
        try:
            return parse_iso_day(documented), "file"
        except ValueError as exc:
            raise ValueError(f'the file\'s "as_of": {exc}') from None
    return today or dt.date.today(), "today"


def summarise(scored: ScoredPortfolio, renewal_window_days: int = 90) -> PortfolioSummary:
    """The portfolio summary of a scored portfolio, data-quality notes included."""
    report = scored.report
    notes = []
    if report.rejected:
        first = ", ".join(f"#{r.index} {r.customer_id or '(no id)'}" for r in report.rejections[:3])
        notes.append(
            f"{plural(report.rejected, 'account')} rejected and not scored ({first}"
            f"{', …' if report.rejected > 3 else ''}); run `csm validate` for the reasons"
        )
    if report.notes:
        notes.append(
            f"{plural(len(report.notes), 'value')} worth a second look (unrecognised labels, "
            "segments without ARR); run `csm validate` to list them"
        )
    return summarise_portfolio(
        scored.table, scored.profile, scored.as_of, scored.health, scored.churn, scored.expansion,
        renewal_window_days=renewal_window_days, rejected=report.rejected, total=report.total,
        notes=notes, as_of_source=report.as_of_source or "argument",
    )  # fmt: skip


def score_records(
    records: list[Any] | dict[str, Any], as_of: dt.date, profile: Profile | None = None
) -> ScoredPortfolio:
    """Validate and score accounts given inline: a list of account mappings or a `{"customers": [...]}`."""
    from customer_success_mcp.ingest.load import accounts_of, load_records

    if not isinstance(as_of, dt.date):
        raise TypeError(f"as_of must be a datetime.date, got {type(as_of).__name__}")
    accounts, _ = accounts_of(records if isinstance(records, dict | list) else None, "accounts")
    profile = profile or load_profile(None)
    loaded = load_records(accounts, profile)
    loaded.report.as_of_source = "argument"
    return score_loaded(loaded, profile, as_of)


class AccountNotFound(LookupError):
    """No account matches; `suggestions` holds the closest ids and names."""

    def __init__(self, query: str, suggestions: list[str], ambiguous: bool = False) -> None:
        if ambiguous:
            message = f"{query!r} names {len(suggestions)} accounts: {', '.join(suggestions)}. Use the id."
        else:
            hint = f" Closest: {', '.join(suggestions)}." if suggestions else ""
            message = f"no account {query!r}.{hint}"
        super().__init__(message)
        self.query = query
        self.suggestions = suggestions
        self.ambiguous = ambiguous


def find_account(table: AccountTable, query: str) -> int:
    """The row of an account by exact id, else by case-insensitive name; raises AccountNotFound."""
    row = table.index_of(query)
    if row is not None:
        return row
    wanted = query.strip().casefold()
    matches = [i for i, name in enumerate(table.names) if name.casefold() == wanted]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise AccountNotFound(
            query, [f"{table.ids[i]} ({table.names[i]})" for i in matches[:5]], ambiguous=True
        )
    raise AccountNotFound(query, closest_accounts(table, query))


def closest_accounts(table: AccountTable, query: str, limit: int = 5) -> list[str]:
    """Ids (with names) that look like the query: names containing it, then similar names or ids."""
    import difflib

    wanted = query.strip().casefold()
    rows = [i for i, name in enumerate(table.names) if wanted and wanted in name.casefold()][:limit]
    if len(rows) < limit:
        words: dict[str, list[int]] = {}
        for i, name in enumerate(table.names):
            for word in {name.casefold(), *name.casefold().split()}:
                words.setdefault(word, []).append(i)
        for word in difflib.get_close_matches(wanted, list(words), n=limit, cutoff=0.6):
            rows += [i for i in words[word] if i not in rows]
        for cid in difflib.get_close_matches(query, table.ids, n=limit, cutoff=0.6):
            row = table.index_of(cid)
            if row is not None and row not in rows:
                rows.append(row)
    return [f"{table.ids[i]} ({table.names[i]})" for i in rows[:limit]]


def explain_account(scored: ScoredPortfolio, row: int) -> AccountExplanation:
    """The full breakdown of one account: health, churn risk and expansion."""
    t = scored.table
    return AccountExplanation(
        customer_id=t.ids[row],
        name=t.names[row],
        segment=t.segments[row],
        segment_source=t.segment_source[row],
        arr=float(t.values["arr"][row]),
        as_of=scored.as_of,
        health=scored.health.explain(row),
        churn=scored.churn.explain(row),
        expansion=scored.expansion.explain(row),
    )


def account_lifecycle(scored: ScoredPortfolio, row: int) -> Lifecycle:
    """Where one account stands in its contract year, as of the portfolio's scoring date."""
    from customer_success_mcp.scoring.lifecycle import lifecycle_of

    def day(field: str) -> dt.date | None:
        ordinal = scored.table.value(field, row)
        return None if ordinal is None else dt.date.fromordinal(int(ordinal))

    return lifecycle_of(scored.profile, scored.table.segments[row], day("contract_start_date"),
                        day("contract_end_date"), scored.as_of)  # fmt: skip
