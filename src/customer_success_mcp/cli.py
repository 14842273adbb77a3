"""`csm`: the scoring engine from a terminal, compatible with the reference scripts' commands."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from customer_success_mcp.cli_common import (
    PROFILE_HELP,
    CliError,
    account_row_of,
    add_files,
    bounded_int,
    emit_json,
    files_named,
    iso_date,
    loaded_portfolio,
    mapping_spec,
    max_read_bytes,
    non_negative,
    printable_text,
    profile_of,
    read_inputs,
    scored_portfolio,
    write_new,
    yes_no,
)

EXIT_OK, EXIT_REJECTIONS, EXIT_UNUSABLE, EXIT_CRASH = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad option as one line, like every other csm failure."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_UNUSABLE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def cmd_scorer(args: argparse.Namespace) -> int:
    from customer_success_mcp.render import reference_json, text

    scored = scored_portfolio(args)
    renderers: dict[str, tuple[Callable[..., Any], Callable[..., str]]] = {
        "health": (reference_json.health_report, text.health_text),
        "churn": (reference_json.churn_report, text.churn_text),
        "expansion": (reference_json.expansion_report, text.expansion_text),
    }
    as_json, as_text = renderers[args.command]
    if args.format == "json":
        emit_json(as_json(scored))
    else:
        print(as_text(scored, limit=args.limit))
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    from customer_success_mcp.pipeline import summarise
    from customer_success_mcp.render.report import report_markdown, report_text

    scored = scored_portfolio(args)
    summary = summarise(scored, renewal_window_days=args.renewal_window)
    if args.format == "json":
        text = summary.model_dump_json(indent=2) + "\n"
    elif args.format == "markdown":
        text = report_markdown(summary)
    elif args.format == "html":
        from customer_success_mcp.render.report_html import report_html

        text = report_html(scored, summary, " + ".join(Path(f).name for f in args.files))
    else:
        text = report_text(summary) + "\n"
    if not args.output:
        sys.stdout.write(text)
        return EXIT_OK
    write_new(args.output, text)
    print(f"wrote the {args.format} report to {args.output}", file=sys.stderr)
    return EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    from customer_success_mcp.pipeline import explain_account
    from customer_success_mcp.render.account import account_text

    scored = scored_portfolio(args)
    row = account_row_of(args, scored)
    explanation = explain_account(scored, row)
    if args.format == "json":
        sys.stdout.write(explanation.model_dump_json(indent=2) + "\n")
    else:
        print(account_text(explanation))
    return EXIT_OK


def cmd_draft(args: argparse.Namespace) -> int:
    from customer_success_mcp.render.draft_facts import default_audience
    from customer_success_mcp.render.drafts import (
        FILE_FORMATS,
        KIND_NAMES,
        DraftError,
        DraftSource,
        draft_file,
        draft_for_account,
    )

    audience = args.audience or default_audience(args.kind)
    suffix = Path(args.output).suffix.lower() if args.output else ""
    file_format = next((fmt for fmt, (end, _, made) in FILE_FORMATS.items() if made and end == suffix), None)
    if file_format and args.format == "json":
        raise CliError(f"--format json prints the draft's facts, but {args.output} names a file: drop one")
    scored = scored_portfolio(args)
    row = account_row_of(args, scored)
    portfolio = " + ".join(Path(f).name for f in args.files)
    source = DraftSource(portfolio=portfolio, snapshot="read from the file", as_of=scored.as_of,
                         profile=scored.profile.name)  # fmt: skip
    try:
        draft = draft_for_account(scored, row, args.kind, source, args.quarter, audience)
        data = draft_file(draft, file_format) if file_format else b""
    except DraftError as exc:
        raise CliError(str(exc)) from None
    name = scored.table.names[row]
    if file_format:
        write_new(args.output, data)
        what = FILE_FORMATS[file_format][1]
        kind = KIND_NAMES[args.kind]
        print(f"wrote the {what} of the {audience} {kind} for {name} to {args.output}", file=sys.stderr)
        return EXIT_OK
    text = draft.markdown if args.format == "markdown" else draft.facts.model_dump_json(indent=2) + "\n"
    if args.output:
        write_new(args.output, text)
        print(f"wrote the {args.kind} draft for {name} to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    """Two scorings of a book compared (each file scored as of its own as_of, under one profile)."""
    from customer_success_mcp.render.diff_text import diff_text
    from customer_success_mcp.scoring.compare import ScoredSide, compare_scores

    sides = []
    for path in (args.old, args.new):
        scored = scored_portfolio(argparse.Namespace(**{**vars(args), "files": [path], "as_of": None}))
        sides.append(ScoredSide(scored.table, scored.health, scored.churn, scored.as_of))
    result = compare_scores(sides[0], sides[1])
    if args.format == "json":
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
    else:
        print(diff_text(result))
    return EXIT_OK


def cmd_query(args: argparse.Namespace) -> int:
    """One read-only SQL statement over the scored portfolio (the same tables as query_portfolio)."""
    from customer_success_mcp.query.sql import QueryRefused, build_database
    from customer_success_mcp.render.text import query_text

    scored = scored_portfolio(args)
    try:
        result = build_database(scored).query(args.sql, max_rows=args.limit)
    except QueryRefused as exc:
        raise CliError(str(exc)) from None
    if args.format == "json":
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
    else:
        print(query_text(result))
    return EXIT_OK


def cmd_find(args: argparse.Namespace) -> int:
    from customer_success_mcp.query.accounts import find_accounts
    from customer_success_mcp.query.models import AccountFilter, QueryError
    from customer_success_mcp.render.text import accounts_text

    scored = scored_portfolio(args)
    filters = AccountFilter(**{name: getattr(args, name) for name in AccountFilter.model_fields})
    try:
        found = find_accounts(scored, filters, args.sort_by, args.offset, args.limit)
    except QueryError as exc:
        raise CliError(str(exc)) from None
    if args.format == "json":
        head = {"as_of": scored.as_of.isoformat(), "sort_by": args.sort_by,
                "filters": filters.model_dump(exclude_none=True)}  # fmt: skip
        emit_json({**head, **found.model_dump(mode="json")})
    else:
        print(accounts_text(scored, found, args.sort_by))
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from customer_success_mcp.query.export import ExportFormat, encode, export_table
    from customer_success_mcp.query.models import AccountFilter, QueryError

    suffix = Path(args.output).suffix.lower() if args.output else ""
    fmt: ExportFormat = args.format or ("xlsx" if suffix == ".xlsx" else "csv")
    if args.output and suffix != f".{fmt}":
        raise CliError(f"--output {args.output}: a {fmt} export ends in .{fmt}")
    if fmt == "xlsx" and not args.output:
        raise CliError("an Excel export needs --output FILE.xlsx (a terminal cannot show it)")
    scored = scored_portfolio(args)
    filters = AccountFilter(**{name: getattr(args, name) for name in AccountFilter.model_fields})
    try:
        columns, rows = export_table(scored, filters, args.sort_by)
    except QueryError as exc:
        raise CliError(str(exc)) from None
    data = encode(fmt, columns, rows)
    if not args.output:
        sys.stdout.write(data.decode("utf-8"))
        return EXIT_OK
    from customer_success_mcp.fileio import FileWriteError, write_new_file
    from customer_success_mcp.formatting import plural

    try:
        write_new_file(args.output, data)
    except FileWriteError as exc:
        raise CliError(str(exc)) from None
    print(f"wrote {plural(len(rows), 'account')} to {args.output} ({len(data):,} bytes)", file=sys.stderr)
    return EXIT_OK


def _add_filter_options(p: argparse.ArgumentParser) -> None:
    """One option per query filter, read from the query layer's model (the MCP tool takes the same)."""
    from customer_success_mcp.query.models import AccountFilter

    for name, info in AccountFilter.model_fields.items():
        flag = "--" + name.replace("_", "-")
        kind = info.annotation
        if kind == bool | None:
            p.add_argument(flag, type=yes_no, metavar="yes|no", help=info.description)
        elif kind == int | None:
            p.add_argument(flag, type=bounded_int(0, 36_500), metavar="N", help=info.description)
        elif kind == float | None:
            p.add_argument(flag, type=non_negative, metavar="N", help=info.description)
        else:
            p.add_argument(flag, metavar="TEXT", help=info.description)


def cmd_validate(args: argparse.Namespace) -> int:
    from customer_success_mcp.ingest.report import where

    profile = profile_of(args)
    loaded = loaded_portfolio(args, profile)
    report = loaded.report
    if args.format == "json":
        sys.stdout.write(report.model_dump_json(indent=2, exclude_none=True) + "\n")
    else:
        print(
            f"{files_named(args)}: {report.total} accounts, {report.accepted} accepted, "
            f"{report.rejected} rejected"
        )
        for rej in report.rejections:
            who = printable_text(rej.customer_id or "(no id)")
            for problem in rej.problems:
                at = printable_text(where(problem)) + " " if problem.file else ""
                print(f"  rejected #{rej.index} {who}: {at}{problem.field} {printable_text(problem.reason)}")
        for note in report.notes:
            print(f"  note #{note.index} {note.customer_id}: {note.field}: {printable_text(note.note)}")
    if report.accepted == 0:
        return EXIT_UNUSABLE
    return EXIT_REJECTIONS if report.rejected else EXIT_OK


def cmd_inspect(args: argparse.Namespace) -> int:
    from customer_success_mcp.ingest.load import InputError
    from customer_success_mcp.ingest.sources import inspect_sources
    from customer_success_mcp.render.imports import inspection_lines

    try:
        found = inspect_sources(read_inputs(args.files, max_read_bytes(args)), spec=mapping_spec(args))
    except InputError as exc:
        raise CliError(str(exc)) from None
    if args.format == "json":
        emit_json([e.model_dump(mode="json") for e in found])
    else:
        print("\n\n".join("\n".join(inspection_lines(e, printable_text)) for e in found))
    return EXIT_OK


def cmd_profile(args: argparse.Namespace) -> int:
    from customer_success_mcp.render.model_doc import scoring_model_markdown

    profile = profile_of(args)
    if args.format == "json":
        sys.stdout.write(profile.model_dump_json(indent=2) + "\n")
    else:
        sys.stdout.write(scoring_model_markdown(profile))
    return EXIT_OK


def cmd_generate(args: argparse.Namespace) -> int:
    from customer_success_mcp.generate import COMPACT_JSON_ABOVE, generate_portfolio, portfolio_json

    as_of = args.as_of or dt.date.today()
    try:
        data = generate_portfolio(args.accounts, args.seed, as_of, missing_sections_share=args.missing_share)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    if args.outcomes:
        from customer_success_mcp.generate.outcomes import generate_outcomes, outcomes_bytes

        write_new(args.outcomes, outcomes_bytes(generate_outcomes(data, args.seed, as_of), args.outcomes))
        print(f"wrote the outcomes of {args.accounts} accounts to {args.outcomes}", file=sys.stderr)
    if args.exports:
        from customer_success_mcp.fileio import FileWriteError
        from customer_success_mcp.generate.exports import write_exports

        try:
            written = write_exports(data, Path(args.exports))
        except FileWriteError as exc:
            raise CliError(str(exc)) from None
        except OSError as exc:
            raise CliError(f"cannot write to {args.exports}: {exc.strerror}") from None
        names = ", ".join(p.name for p in written)
        print(f"wrote {args.accounts} accounts as {len(written)} exports in {args.exports} "
              f"(seed {args.seed}, as of {as_of}): {names}", file=sys.stderr)  # fmt: skip
        return EXIT_OK
    data = {"as_of": as_of.isoformat(), **data}
    if args.output:
        write_new(args.output, portfolio_json(data, compact=len(data["customers"]) > COMPACT_JSON_ABOVE))
        print(
            f"wrote {args.accounts} accounts to {args.output} (seed {args.seed}, as of {as_of})",
            file=sys.stderr,
        )
    else:
        sys.stdout.buffer.write(portfolio_json(data, compact=args.accounts > 1000))
    return EXIT_OK


def _add_common(p: argparse.ArgumentParser, formats: Sequence[str]) -> None:
    add_files(p)
    p.add_argument("--format", choices=formats, default="text", help="output format (default: text)")
    p.add_argument("--as-of", type=iso_date, metavar="YYYY-MM-DD",
                   help="score as of this date (default: the file's as_of, else today)")  # fmt: skip
    p.add_argument("--profile", metavar="NAME|FILE", help=PROFILE_HELP)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="csm",
        description="Deterministic health, churn-risk and expansion scoring for customer success teams.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    helps = {
        "health": "health score per account (0-100, higher is healthier); JSON in the reference "
        "script's shape (customer_health_scores)",
        "churn": "churn risk per account (0-100, higher is riskier), riskiest first; JSON in the "
        "reference shape (churn_risk_analysis)",
        "expansion": "expansion opportunities per account, largest first; JSON in the reference shape "
        "(expansion_opportunities)",
    }
    for name, text in helps.items():
        p = sub.add_parser(name, help=text, description=text)
        _add_common(p, ("text", "json"))
        p.add_argument(
            "--limit",
            type=bounded_int(0, 10_000_000),
            metavar="N",
            help="text output: show only the first N accounts",
        )
        p.set_defaults(handler=cmd_scorer)
    p = sub.add_parser(
        "report",
        help="the one-page portfolio report: mix by ARR, renewals, ARR at risk, top risks, expansion, "
        "actions, targets, data quality",
        description="One-page portfolio report.",
    )
    _add_common(p, ("text", "markdown", "json", "html"))
    p.add_argument(
        "--output",
        "-o",
        metavar="FILE",
        help="write the report here instead of stdout (html: one self-contained page)",
    )
    p.add_argument("--renewal-window", type=bounded_int(0, 3650), default=90, metavar="DAYS",
                   help="renewals counted within this many days of as_of (default: 90)")  # fmt: skip
    p.set_defaults(handler=cmd_report)
    from customer_success_mcp.query.models import SORT_HELP, SORT_KEYS

    p = sub.add_parser(
        "find",
        help="filter and rank accounts (the same filters and sort keys as the find_accounts tool)",
        description="Filter and rank accounts: every filter given must match.",
    )
    _add_common(p, ("text", "json"))
    _add_filter_options(p)
    p.add_argument("--sort-by", choices=SORT_KEYS, default="arr", help=SORT_HELP + " (default: arr)")
    p.add_argument("--limit", type=bounded_int(1, 100), default=20, metavar="N",
                   help="rows to show, 1-100 (default: 20)")  # fmt: skip
    p.add_argument("--offset", type=bounded_int(0, 10_000_000), default=0, metavar="N",
                   help="skip this many rows first (default: 0)")  # fmt: skip
    p.set_defaults(handler=cmd_find)
    p = sub.add_parser(
        "export",
        help="the filtered accounts with every column of the accounts table, as CSV (stdout or a file) or "
        "Excel (a file)",
        description="Export the accounts the filters select (the find_accounts filters) to CSV or Excel; "
        "text that a spreadsheet would run as a formula is kept as text.",
    )
    add_files(p)
    p.add_argument("--format", choices=("csv", "xlsx"), default=None,
                   help="csv or xlsx (default: from --output's ending, else csv)")  # fmt: skip
    _add_filter_options(p)
    p.add_argument("--sort-by", choices=SORT_KEYS, default="arr", help=SORT_HELP + " (default: arr)")
    p.add_argument("--output", "-o", metavar="FILE", help="write to this new file (never overwritten)")
    p.add_argument("--as-of", type=iso_date, metavar="YYYY-MM-DD",
                   help="score as of this date (default: the file's as_of, else today)")  # fmt: skip
    p.add_argument("--profile", metavar="NAME|FILE", help=PROFILE_HELP)
    p.set_defaults(handler=cmd_export)
    p = sub.add_parser(
        "query",
        help="one read-only SQL statement over the scored portfolio (tables accounts, warnings, "
        "opportunities, playbook_steps; see the README)",
        description="Run one read-only SQL statement (DuckDB, close to PostgreSQL) over the scored "
        "portfolio's tables.",
    )
    _add_common(p, ("text", "json"))
    p.add_argument(
        "sql", metavar="SQL", help='e.g. "SELECT segment, SUM(arr) FROM accounts GROUP BY segment"'
    )
    p.add_argument("--limit", type=bounded_int(1, 10_000), default=200, metavar="N",
                   help="rows to show at most (default: 200)")  # fmt: skip
    p.set_defaults(handler=cmd_query)
    p = sub.add_parser(
        "diff",
        help="what moved between two exports of the same book: migration, added and lost, NRR and GRR, the "
        "biggest movers with the change split by cause",
        description="Compare two scorings of a book (each file as of its own as_of).",
    )
    p.add_argument("old", metavar="OLD", help="the earlier export (JSON, CSV or Excel)")
    p.add_argument("new", metavar="NEW", help="the later export")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    p.add_argument("--profile", metavar="NAME|FILE", help=PROFILE_HELP)
    p.add_argument("--mapping", metavar="FILE", help="TOML column mapping for CSV/Excel exports")
    p.add_argument("--date-order", choices=("MDY", "DMY"), help="order of slash dates")
    p.set_defaults(handler=cmd_diff)
    p = sub.add_parser(
        "explain",
        help="one account (by id, or name ignoring case) with every input, benchmark and sub-score behind "
        "its scores, its warnings, playbook steps and opportunities",
        description="Explain one account (by id, or by name ignoring case).",
    )
    p.add_argument("account", help="account id or name")
    _add_common(p, ("text", "json"))
    p.set_defaults(handler=cmd_explain)
    p = sub.add_parser(
        "draft",
        help="a meeting-ready draft for one account, for the customer or internal: every figure from the "
        "engine, what the data cannot know marked [to fill: ...]; markdown, a .pptx deck or a .docx plan",
        description="Draft a QBR, EBR or save plan, for the customer or internal: figures from the engine, "
        "gaps marked [to fill: ...]; a QBR deck (.pptx) or a save-plan document (.docx) with --output.",
    )
    p.add_argument("kind", choices=("qbr", "ebr", "save-plan"), help="which document")
    p.add_argument("account", help="account id or name")
    add_files(p)
    p.add_argument("--quarter", metavar="Q", help="the quarter a QBR covers, e.g. 'Q4 2026'")
    p.add_argument("--audience", choices=("customer", "internal"),
                   help="customer (default for a QBR or EBR: no internal score) or internal (the prep brief; "
                   "a save plan is always internal)")  # fmt: skip
    p.add_argument("--as-of", type=iso_date, metavar="YYYY-MM-DD", help="score as of this date")
    p.add_argument("--profile", metavar="NAME|FILE", help=PROFILE_HELP)
    p.add_argument("--output", "-o", metavar="FILE",
                   help="write the draft to this new file instead of stdout (never overwrites); a .pptx name "
                   "writes the customer QBR deck, a .docx name the save plan document")  # fmt: skip
    p.add_argument("--format", choices=("markdown", "json"), default="markdown",
                   help="markdown (default), or json: the facts the draft states")  # fmt: skip
    p.set_defaults(handler=cmd_draft)
    p = sub.add_parser(
        "validate",
        help="every rejected account with its index, id, field path and reason; exit 0 all accepted, "
        "1 some rejected, 2 unusable",
        description="Check a file; exit 0 all accepted, 1 some rejected, 2 unusable.",
    )
    add_files(p)
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--profile", metavar="NAME|FILE", help=PROFILE_HELP)
    p.set_defaults(handler=cmd_validate)
    p = sub.add_parser(
        "inspect",
        help="how CSV or Excel exports would be imported: headers, a sample, each column's contract field "
        "with its confidence, what is left unmapped, values that would be rejected",
        description="Inspect CSV or Excel exports before loading them: nothing is scored or stored.",
    )
    add_files(p)
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(handler=cmd_inspect)
    from customer_success_mcp.cli_analysis import add_analysis_commands

    add_analysis_commands(sub)
    p = sub.add_parser(
        "serve",
        help="run the MCP server for Claude Desktop and Claude Code (same as customer-success-mcp); "
        "see 'Use it from Claude'",
        description="Run the MCP server (same as the customer-success-mcp command).",
    )
    from customer_success_mcp.server.main import add_server_arguments, serve

    add_server_arguments(p)
    p.set_defaults(handler=serve)
    p = sub.add_parser(
        "profile",
        help="the active scoring model: every weight, threshold, benchmark and churn signal",
        description="Show the active scoring profile (the built-in one, or --profile FILE applied to it).",
    )
    p.add_argument("--profile", metavar="NAME|FILE", help=PROFILE_HELP)
    p.add_argument("--format", choices=("markdown", "json"), default="markdown")
    p.set_defaults(handler=cmd_profile)
    p = sub.add_parser("generate", help="a realistic synthetic portfolio, the same for the same seed")
    p.add_argument(
        "--accounts",
        type=bounded_int(0, 10_000_000),
        default=50,
        metavar="N",
        help="how many accounts (default: 50)",
    )
    p.add_argument("--seed", type=int, default=1, metavar="N", help="random seed (default: 1)")
    p.add_argument("--as-of", type=iso_date, metavar="YYYY-MM-DD", help="renewals are spread after this date")
    p.add_argument(
        "--missing-share", type=float, default=0.0, metavar="SHARE",
        help="share of accounts (0-1) that drop one to three optional sections (default: 0)",
    )  # fmt: skip
    p.add_argument("--output", "-o", metavar="FILE", help="write to this new file (never overwritten)")
    p.add_argument("--exports", metavar="DIR",
                   help="write the portfolio as CRM, product, support-desk (.xlsx) and survey exports into "
                   "DIR, each with its own headers, instead of JSON")  # fmt: skip
    p.add_argument("--outcomes", metavar="FILE",
                   help="also write what happened next to each account (renewed, churned, downgraded; CSV, "
                   "or JSON for a .json name), drawn from a hidden model with noise: for `csm backtest`",
                   )  # fmt: skip
    p.set_defaults(handler=cmd_generate)
    return parser


class _VisibleOutput:
    """stdout and stderr for everything but `csm serve`: a control or bidi character from the data (a
    terminal escape sequence, a text direction override) is written as a visible \\uXXXX escape, never
    executed."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        from customer_success_mcp.render.text import escape_hidden

        return self._stream.write(escape_hidden(text))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    stdout, stderr = sys.stdout, sys.stderr
    if args.command != "serve":
        sys.stdout, sys.stderr = _VisibleOutput(stdout), _VisibleOutput(stderr)
    try:
        return args.handler(args)
    except CliError as exc:
        print(f"csm: error: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug: say so in one line; CSM_DEBUG=1 shows the traceback
        if os.environ.get("CSM_DEBUG"):
            raise
        print(
            f"csm: error: unexpected {type(exc).__name__}: {exc} (set CSM_DEBUG=1 for details)",
            file=sys.stderr,
        )
        return EXIT_CRASH
    finally:
        sys.stdout, sys.stderr = stdout, stderr


if __name__ == "__main__":
    sys.exit(main())
