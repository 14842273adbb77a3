"""The server's logic, free of MCP: load and store portfolios, answer questions about them.

Every method returns a pydantic model from `server.models`, or raises `UserError` with a message
that says how to fix the problem. The engine is imported on first use, so starting the server
stays as cheap as the SDK allows.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from customer_success_mcp.ingest.report import LoadReport, Rejection
from customer_success_mcp.query.models import AccountFilter, QueryError
from customer_success_mcp.render.draft_facts import Audience, DraftFormat, default_audience
from customer_success_mcp.server.briefs import brief_of
from customer_success_mcp.server.config import ServerConfig
from customer_success_mcp.server.errors import UserError
from customer_success_mcp.server.files import AllowedDirs, FileAccessError, read_allowed, write_new
from customer_success_mcp.server.limits import check_inline_accounts, check_nesting
from customer_success_mcp.server.models import (
    AccountBrief,
    AccountPage,
    DerivedInputs,
    Detail,
    DraftResult,
    LoadResult,
    Overview,
    PortfolioList,
    PortfolioListing,
    QueryAnswer,
    SnapshotListing,
    SnapshotRef,
)
from customer_success_mcp.server.paging import MAX_LIMIT, check_limit, decode_cursor, page_bounds, query_key
from customer_success_mcp.store import SnapshotInfo, SnapshotStore

if TYPE_CHECKING:
    from customer_success_mcp.ingest.load import LoadedPortfolio
    from customer_success_mcp.ingest.mapping import MappingSpec
    from customer_success_mcp.ingest.report import ExportInspection
    from customer_success_mcp.pipeline import ScoredPortfolio
    from customer_success_mcp.query.sql import PortfolioDatabase
    from customer_success_mcp.scoring.models import PortfolioSummary
    from customer_success_mcp.scoring.profile import Profile

Progress = Callable[[int, int, str], None]
DraftKind = Literal["qbr", "ebr", "save-plan"]
ScoreKind = Literal["health", "churn", "expansion"]
FIRST_REJECTIONS = 5
HISTORY_LISTED = 10
MAX_FILES = 20  # exports joined in one load (each under the size cap)
NAME_PATTERN = re.compile(r"^[\w][\w .-]{0,63}$")


@dataclass
class CachedPortfolio:
    info: SnapshotInfo
    scored: ScoredPortfolio
    summaries: dict[int, PortfolioSummary] = field(default_factory=dict)
    database: PortfolioDatabase | None = None  # the SQL tables, built on the first query


def snapshot_ref(info: SnapshotInfo) -> SnapshotRef:
    """How a result names the stored snapshot it comes from."""
    return SnapshotRef(
        portfolio=info.portfolio,
        snapshot_id=info.id,
        as_of=info.as_of,
        loaded_at=info.loaded_at,
        source=info.source,
    )


class PortfolioService:
    """Portfolios loaded into this server, kept in the snapshot store and scored on demand."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.store = SnapshotStore(config.data_dir)
        self._profile: Profile | None = None
        self._cache: dict[int, CachedPortfolio] = {}
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ basics

    @property
    def profile(self) -> Profile:
        if self._profile is None:
            from customer_success_mcp.profiles import load_profile
            from customer_success_mcp.scoring.profile import ProfileError

            try:
                self._profile = load_profile(self.config.profile_path)
            except ProfileError as exc:
                raise UserError(f"The scoring profile cannot be used: {exc}") from None
        return self._profile

    def allowed_dirs(self, roots: list[Path]) -> AllowedDirs:
        """The configured directories, narrowed by the client's roots (or the roots alone when nothing is
        configured, over stdio); with neither, none: see server/files.py."""
        from customer_success_mcp.server.files import allowed_dirs

        configured = tuple(Path(os.path.realpath(d)) for d in self.config.allowed_dirs)
        return allowed_dirs(configured, roots, self.config.use_client_roots)

    def check_inline(self, accounts: list[Any]) -> None:
        check_inline_accounts(accounts, self.config.max_inline_accounts, self.config.max_inline_bytes)

    def resolve_name(self, portfolio: str | None) -> SnapshotInfo:
        """The latest snapshot of the portfolio named (the last loaded when None), or a UserError naming
        the loaded ones."""
        known = self.store.portfolios()
        if not known:
            raise UserError(
                "No portfolio is loaded yet. Call load_portfolio with a file path or inline accounts."
            )
        if portfolio is None:
            return known[0].latest
        for entry in known:
            if entry.latest.portfolio == portfolio:
                return entry.latest
        for entry in known:
            if entry.latest.portfolio.casefold() == portfolio.strip().casefold():
                return entry.latest
        names = ", ".join(e.latest.portfolio for e in known[:10])
        raise UserError(
            f"No portfolio named {portfolio!r}. Loaded: {names}. Call list_portfolios for details."
        )

    def _scored(self, info: SnapshotInfo) -> CachedPortfolio:
        with self._lock:
            cached = self._cache.get(info.id)
            if cached is not None:
                return cached
        from customer_success_mcp.ingest.load import load_records
        from customer_success_mcp.pipeline import score_table

        profile = self.profile
        loaded = load_records(self.store.accounts(info.id), profile)
        report = _rescored_report(LoadReport.model_validate(self.store.report(info.id)), loaded.report)
        scored = score_table(loaded.table, report, profile, info.as_of)
        return self._keep(CachedPortfolio(info, scored))

    def _keep(self, cached: CachedPortfolio) -> CachedPortfolio:
        """Cache a scored snapshot: each portfolio's latest stays, and one older one (for comparisons)."""
        portfolio = cached.info.portfolio
        with self._lock:
            self._cache[cached.info.id] = cached
            mine = sorted(sid for sid, c in self._cache.items() if c.info.portfolio == portfolio)
            latest = self.store.latest(portfolio)
            keep = {latest.id if latest else mine[-1], cached.info.id}
            for sid in mine:
                if sid not in keep:
                    del self._cache[sid]
        return cached

    def snapshot_of(self, portfolio: str | None, ref: str | int | None = None) -> SnapshotInfo:
        """A stored snapshot by id or by as_of date (YYYY-MM-DD); the latest when no reference is given."""
        latest = self.resolve_name(portfolio)
        if ref is None or str(ref).strip() == "":
            return latest
        text = str(ref).strip()
        snapshots = self.store.snapshots(latest.portfolio)
        if text.isascii() and text.isdigit():  # '²' is a digit to str.isdigit, not a number to int()
            found = [s for s in snapshots if s.id == int(text)]
        else:
            from customer_success_mcp.dates import parse_iso_day

            try:
                day = parse_iso_day(text)
            except ValueError:
                raise UserError(f"{text!r} is neither a snapshot id nor a date as YYYY-MM-DD.") from None
            found = [s for s in snapshots if s.as_of == day][-1:]  # the latest load of that date
        if not found:
            listed = ", ".join(f"{s.id} ({s.as_of})" for s in snapshots[-10:])
            raise UserError(
                f"Portfolio {latest.portfolio!r} has no snapshot {text!r}. Its snapshots (id, as_of): "
                f"{listed}."
            )
        return found[0]

    def scored_snapshot(self, info: SnapshotInfo) -> ScoredPortfolio:
        return self._scored(info).scored

    def cached_portfolio(self, portfolio: str | None) -> CachedPortfolio:
        """The latest snapshot of a portfolio, scored (from the cache when it is there)."""
        return self._scored(self.resolve_name(portfolio))

    def cached_account(self, account: str, portfolio: str | None) -> tuple[CachedPortfolio, int]:
        """A loaded portfolio and the row of one of its accounts, by id or name."""
        from customer_success_mcp.pipeline import AccountNotFound, find_account

        cached = self.cached_portfolio(portfolio)
        try:
            return cached, find_account(cached.scored.table, account)
        except AccountNotFound as exc:
            raise UserError(f"{exc} Use find_accounts with text=... to search.") from None

    def summary_of(self, cached: CachedPortfolio, window: int) -> PortfolioSummary:
        if window not in cached.summaries:
            from customer_success_mcp.pipeline import summarise

            cached.summaries[window] = summarise(cached.scored, renewal_window_days=window)
        return cached.summaries[window]

    # ------------------------------------------------------------------ load

    def read_files(self, paths: list[str], roots: list[Path] | None) -> list[tuple[Path, bytes]]:
        """Each file checked against the allowed directories and the size cap, then read."""
        allowed = self.allowed_dirs(roots or [])
        return [read_allowed(text, allowed, self.config.max_file_bytes) for text in paths]

    def _mapping_spec(
        self, mapping: dict[str, str] | str | None, date_order: str | None, roots: list[Path] | None
    ) -> MappingSpec | None:
        """An explicit mapping (a dict of header -> field, or a TOML mapping file's path) and date_order."""
        from customer_success_mcp.ingest.mapping import (
            MappingSpec,
            mapping_from_data,
            mapping_from_toml,
            parse_date_order,
        )

        if mapping is None and date_order is None:
            return None
        if isinstance(mapping, str):
            [(file, data)] = self.read_files([mapping], roots)
            try:
                spec = mapping_from_toml(data.decode("utf-8"), file.name)
            except UnicodeDecodeError:
                raise UserError(f"{file.name}: a mapping file is TOML text in UTF-8.") from None
        else:
            check_nesting(mapping, "mapping")
            spec = mapping_from_data(mapping) if mapping is not None else MappingSpec()
        if date_order is not None:
            spec.date_order = parse_date_order(date_order, "date_order")
        return spec

    def _saved_mapping(self, key: str) -> dict[str, Any] | None:
        saved = self.store.saved_mapping(key)
        return None if saved is None else saved.mapping

    def load(
        self,
        *,
        path: str | None = None,
        paths: list[str] | None = None,
        accounts: list[dict[str, Any]] | None = None,
        mapping: dict[str, str] | str | None = None,
        date_order: str | None = None,
        name: str | None = None,
        as_of: dt.date | None = None,
        roots: list[Path] | None = None,
        progress: Progress | None = None,
        today: dt.date | None = None,
    ) -> LoadResult:
        """Validate, score and store a portfolio: a file, several exports joined on the account id, or
        inline accounts."""
        from customer_success_mcp.ingest.load import InputError, load_records
        from customer_success_mcp.ingest.sources import load_sources
        from customer_success_mcp.pipeline import resolve_as_of, score_loaded

        def step(done: int, message: str) -> None:
            if progress is not None:
                progress(done, 4, message)

        if sum(x is not None for x in (path, paths, accounts)) != 1:
            raise UserError(
                "Give one of `path` (a JSON, CSV or Excel file), `paths` (several CSV or Excel exports, "
                "joined on the account id) or `accounts` (a list of accounts)."
            )
        if paths is not None and not paths:
            raise UserError("`paths` is empty; give at least one file.")
        if paths is not None and len(paths) > MAX_FILES:
            raise UserError(f"`paths` names {len(paths)} files; one load joins at most {MAX_FILES} exports.")
        profile = self.profile
        files = [path] if path is not None else paths
        try:
            if files is not None:
                spec = self._mapping_spec(mapping, date_order, roots)
                read = self.read_files(files, roots)
                step(0, f"reading {', '.join(f.name for f, _ in read)}")
                step(1, "mapping columns and checking accounts against the data contract")
                loaded = load_sources([(f.name, data) for f, data in read], profile, spec=spec,
                                      saved=self._saved_mapping, keep_records=True)  # fmt: skip
                source = " + ".join(str(f) for f, _ in read)
                default_name = read[0][0].stem
            else:
                step(1, "checking accounts against the data contract")
                if not accounts:
                    raise UserError("`accounts` is empty; give at least one account.")
                self.check_inline(accounts)
                loaded = load_records(list(accounts), profile, keep_records=True)
                source, default_name = "inline", "inline"
        except FileAccessError as exc:
            raise UserError(str(exc)) from None
        except InputError as exc:
            raise UserError(_without_quoted_values(str(exc))) from None
        except OSError as exc:
            raise UserError(f"{path}: cannot be read ({exc.strerror}).") from None
        report = loaded.report
        if report.accepted == 0 and accounts is not None:
            raise UserError(f"None of the {report.total} accounts could be used: {first_rejections(report)}")
        if report.accepted == 0:
            # Name fields only: this may not be a portfolio at all, and its content is not ours to echo.
            fields = sorted({p.field.split(".")[0] if p.field.startswith("product_usage") else p.field
                             for r in report.rejections[:20] for p in r.problems})[:5]  # fmt: skip
            check = (
                "Check the column mapping with inspect_export; "
                if loaded.imports
                else "Check that this is a portfolio export in the reference format; "
            )
            raise UserError(
                f"None of the {report.total} records in {source} could be used as an account (problems in: "
                f"{', '.join(fields)}). {check}`csm validate {' '.join(files or [])}` lists every problem."
            )
        name = (name or default_name).strip()
        if not NAME_PATTERN.match(name):
            raise UserError(
                f"Portfolio name {name!r} is not usable: use up to 64 letters, digits, spaces, "
                "'.', '-' or '_'."
            )
        try:
            when, loaded.report.as_of_source = resolve_as_of(as_of, loaded.extras, today)
        except ValueError as exc:
            raise UserError(str(exc)) from None
        derived = self._derive_from_history(name, when, loaded)
        step(2, f"scoring {report.accepted} accounts")
        scored = score_loaded(loaded, profile, when)
        step(3, "saving the snapshot")
        arr = float(scored.table.values["arr"].sum())
        info = self.store.add(
            name, when, source, loaded.accepted_records or [], report.model_dump(mode="json"), arr
        )
        for export in loaded.imports:  # it worked: offer the same mapping when this export comes back
            self.store.save_mapping(export.key, export.source, export.saved_form())
        cached = self._keep(CachedPortfolio(info, scored))
        step(4, "done")
        more = None
        if report.rejected > FIRST_REJECTIONS:
            more = (
                f"{report.rejected - FIRST_REJECTIONS} more rejected accounts: call portfolio_overview "
                f"with portfolio={name!r} and detail='full' to list them"
                + (f", or run `csm validate {' '.join(files)}`." if files else ".")
            )
        return LoadResult(
            snapshot=snapshot_ref(info),
            total=report.total,
            accepted=report.accepted,
            rejected=report.rejected,
            rejections=report.rejections[:FIRST_REJECTIONS],
            more_rejections=more,
            notes=len(report.notes),
            imports=[export.summary() for export in loaded.imports],
            derived=derived,
            overview=self.summary_of(cached, 90),
        )

    def _derive_from_history(self, name: str, when: dt.date, loaded: LoadedPortfolio) -> DerivedInputs | None:
        """Fill what the file leaves out (last period's scores, the decline inputs) from the latest
        earlier snapshot of the same portfolio; the stored records keep the derived values, and the
        result lists them."""
        from customer_success_mcp.scoring.history import derive_from_earlier

        earlier = [s for s in self.store.snapshots(name) if s.as_of < when]
        if not earlier:
            return None
        base = max(earlier, key=lambda s: (s.as_of, s.id))
        before = self._scored(base).scored
        found = derive_from_earlier(loaded.table, before.table, before.health)
        if not found.counts:
            return DerivedInputs(snapshot_id=base.id, as_of=base.as_of, fields={})
        records = loaded.accepted_records or []
        for path, rows in found.rows.items():
            section, field = path.split(".", 1)
            column = found.table.values[path]
            for row in rows.tolist():
                records[row].setdefault(section, {})
                if not isinstance(records[row][section], dict):
                    records[row][section] = {}
                records[row][section][field] = float(column[row])
        loaded.table = found.table
        return DerivedInputs(snapshot_id=base.id, as_of=base.as_of, fields=found.counts)

    def inspect_export(
        self,
        path: str,
        mapping: dict[str, str] | str | None = None,
        date_order: str | None = None,
        roots: list[Path] | None = None,
    ) -> ExportInspection:
        """An export's headers, a sample, the proposed mapping with confidence, and what is left unmapped."""
        from customer_success_mcp.ingest.load import InputError
        from customer_success_mcp.ingest.sources import inspect_sources

        try:
            spec = self._mapping_spec(mapping, date_order, roots)
            [(file, data)] = self.read_files([path], roots)
            [found] = inspect_sources([(file.name, data)], spec=spec, saved=self._saved_mapping)
        except FileAccessError as exc:
            raise UserError(str(exc)) from None
        except InputError as exc:
            raise UserError(str(exc)) from None
        except OSError as exc:
            raise UserError(f"{path}: cannot be read ({exc.strerror}).") from None
        return found

    # ------------------------------------------------------------------ drafts

    def draft(
        self,
        kind: DraftKind,
        account: str,
        portfolio: str | None = None,
        quarter: str | None = None,
        save_to: str | None = None,
        roots: list[Path] | None = None,
        audience: Audience | None = None,
        file_format: DraftFormat = "markdown",
    ) -> tuple[DraftResult, str]:
        """A QBR, EBR or save-plan draft for one account and one audience (a save plan is internal; the
        others default to the customer), and optionally a file: the markdown, the customer QBR deck or the
        save plan's Word document, created new inside an allowed directory."""
        from customer_success_mcp.render.drafts import (
            FILE_FORMATS,
            DraftError,
            DraftSource,
            draft_file,
            draft_for_account,
        )

        cached, row = self.cached_account(account, portfolio)
        p = cached.scored
        info = cached.info
        snapshot = f"snapshot {info.id} (loaded {info.loaded_at})"
        source = DraftSource(portfolio=info.portfolio, snapshot=snapshot,
                             as_of=p.as_of, profile=p.profile.name)  # fmt: skip
        suffix, what, _ = FILE_FORMATS[file_format]
        if file_format != "markdown" and save_to is None:
            raise UserError(
                f"format={file_format!r} writes a {what}: give save_to, the path of a new {suffix} file "
                "inside an allowed directory."
            )
        try:
            draft = draft_for_account(p, row, kind, source, quarter, audience or default_audience(kind))
            data = draft_file(draft, file_format) if save_to is not None else b""
        except DraftError as exc:
            raise UserError(f"{exc}.") from None
        saved = None
        if save_to is not None:
            try:
                target = write_new(save_to, self.allowed_dirs(roots or []), data, suffixes=(suffix,),
                                   what=what)  # fmt: skip
            except FileAccessError as exc:
                raise UserError(str(exc)) from None
            saved = str(target)
        markdown = draft.markdown
        result = DraftResult(snapshot=snapshot_ref(info), markdown=markdown, facts=draft.facts,
                             gaps_to_fill=len(draft.facts.gaps), characters=len(markdown), saved_to=saved,
                             saved_format=file_format if saved else None,
                             saved_bytes=len(data) if saved else None)  # fmt: skip
        return result, markdown

    # ------------------------------------------------------------------ questions

    def list_portfolios(self) -> PortfolioList:
        entries = self.store.portfolios()
        rows = [
            PortfolioListing(
                name=e.latest.portfolio,
                as_of=e.latest.as_of,
                loaded_at=e.latest.loaded_at,
                source=e.latest.source,
                accounts=e.latest.accepted,
                arr=e.latest.arr,
                snapshots=e.snapshots,
                history=[
                    SnapshotListing(snapshot_id=s.id, as_of=s.as_of, loaded_at=s.loaded_at,
                                    accounts=s.accepted, arr=s.arr)
                    for s in reversed(self.store.snapshots(e.latest.portfolio)[-HISTORY_LISTED:])
                ] if e.snapshots > 1 else [],
            )
            for e in entries
        ]  # fmt: skip
        return PortfolioList(portfolios=rows, total=len(rows), default=rows[0].name if rows else None)

    def overview(
        self, portfolio: str | None = None, renewal_window_days: int = 90, detail: Detail = "summary"
    ) -> Overview:
        if not 0 <= renewal_window_days <= 3650:
            raise UserError(f"renewal_window_days must be between 0 and 3650, got {renewal_window_days}.")
        cached = self.cached_portfolio(portfolio)
        rejections: list[Rejection] = []
        if detail == "full":
            rejections = cached.scored.report.rejections[:MAX_LIMIT]
        summary = self.summary_of(cached, renewal_window_days)
        return Overview(snapshot=snapshot_ref(cached.info), summary=summary, rejections=rejections)

    def find_accounts(
        self,
        portfolio: str | None = None,
        filters: AccountFilter | None = None,
        sort_by: str = "arr",
        limit: int = 20,
        cursor: str | None = None,
    ) -> AccountPage:
        """Accounts matching every filter given, sorted, one page at a time."""
        from customer_success_mcp.query.accounts import find_accounts

        check_limit(limit)
        cached = self.cached_portfolio(portfolio)
        filters = filters or AccountFilter()
        key = query_key(portfolio=cached.info.id, sort_by=sort_by, **filters.model_dump())
        offset = decode_cursor(cursor, key)
        try:
            found = find_accounts(cached.scored, filters, sort_by, offset, limit)
        except QueryError as exc:
            raise UserError(str(exc)) from None
        _, _, has_more, next_cursor = page_bounds(found.total, offset, limit, key)
        return AccountPage(snapshot=snapshot_ref(cached.info), sorted_by=found.sorted_by,
                           sort_field=found.sort_field, reason_kind=found.reason_kind,
                           accounts=found.accounts, total=found.total,
                           offset=offset, has_more=has_more, next_cursor=next_cursor)  # fmt: skip

    def query(self, sql: str, portfolio: str | None = None, max_rows: int = 200) -> QueryAnswer:
        """One read-only SQL statement over the portfolio's tables (built once per snapshot)."""
        from customer_success_mcp.query.sql import QueryRefused, build_database

        if not 1 <= max_rows <= 1000:
            raise UserError(f"max_rows must be between 1 and 1000, got {max_rows}.")
        cached = self.cached_portfolio(portfolio)
        with self._lock:
            if cached.database is None:
                cached.database = build_database(cached.scored)
            database = cached.database
        try:
            result = database.query(sql, max_rows=max_rows)
        except QueryRefused as exc:
            raise UserError(str(exc)) from None
        return QueryAnswer(snapshot=snapshot_ref(cached.info), result=result)

    def account_brief(
        self, account: str, portfolio: str | None = None, detail: Detail = "summary"
    ) -> AccountBrief:
        """Everything the engine knows about one account, found by id or name."""
        from customer_success_mcp.pipeline import account_lifecycle, explain_account

        cached, row = self.cached_account(account, portfolio)
        p = cached.scored
        return brief_of(explain_account(p, row), account_lifecycle(p, row), snapshot_ref(cached.info), detail)


def _rescored_report(stored: LoadReport, now: LoadReport) -> LoadReport:
    """The stored load report, plus the accounts the current profile rejects when it rescores the snapshot,
    so accepted + rejected = total still holds (a profile with other segments can reject stored accounts)."""
    if not now.rejected:
        return stored

    def marked(r: Rejection) -> Rejection:
        problems = [
            p.model_copy(update={"reason": f"{p.reason} (under the current profile)"}) for p in r.problems
        ]
        return r.model_copy(update={"problems": problems})

    extra = [marked(r) for r in now.rejections]
    return stored.model_copy(update={
        "accepted": stored.accepted - now.rejected,
        "rejected": stored.rejected + now.rejected,
        "rejections": [*stored.rejections, *extra],
    })  # fmt: skip


_QUOTED = re.compile(r",? got .*$")


def _without_quoted_values(reason: str) -> str:
    """A reason without the offending value, for messages about files that may not be portfolios."""
    return _QUOTED.sub("", reason)


def first_rejections(report: LoadReport, count: int = 3) -> str:
    """The first rejected inline accounts with their reasons (inline data is the caller's own)."""
    parts = [
        f"#{r.index} {r.customer_id or '(no id)'}: {r.problems[0].field} {r.problems[0].reason}"
        for r in report.rejections[:count]
    ]
    more = f"; and {report.rejected - count} more" if report.rejected > count else ""
    return "; ".join(parts) + more + "."
