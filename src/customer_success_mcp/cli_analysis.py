"""`csm backtest`, `what-if`, `what-if-profile` and `plan`: the follow-up questions from a terminal.

The same answers as the MCP tools of the same names (`query.analysis`); text output is the result's
headline and its whole structure written compactly (`server.compact`), JSON the structure itself.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from customer_success_mcp import cli_common
from customer_success_mcp.scoring.outcomes import TARGET_HELP

TARGETS = ("churned", "churned_or_downgraded")


def _show(args: argparse.Namespace, result: Any, headline: str) -> int:
    from customer_success_mcp.server.compact import compact_text

    if args.format == "json":
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
    else:
        print(compact_text(result, headline))
    return 0


def _outcomes(path: str, max_bytes: int) -> Any:
    """The outcomes in a file, with a line on stderr when rows were rejected."""
    from customer_success_mcp.ingest.load import InputError
    from customer_success_mcp.ingest.outcomes import load_outcomes

    [(name, data)] = cli_common.read_inputs([path], max_bytes)
    try:
        loaded = load_outcomes(name, data)
    except InputError as exc:
        raise cli_common.CliError(str(exc)) from None
    if loaded.rejected:
        first = loaded.rejected[0]
        print(f"csm: {len(loaded.rejected)} of {loaded.total} outcome rows rejected (first: row {first.row} "
              f"{first.field} {cli_common.printable_text(first.reason)})", file=sys.stderr)  # fmt: skip
    if not loaded.accepted:
        raise cli_common.CliError(f"{path}: no usable outcome in {loaded.total} rows")
    return loaded.outcomes


def _portfolio_name(args: argparse.Namespace) -> str:
    return " + ".join(Path(f).name for f in args.files)


def cmd_backtest(args: argparse.Namespace) -> int:
    from customer_success_mcp.query.analysis import backtest
    from customer_success_mcp.render.analysis import backtest_headline

    scored = cli_common.scored_portfolio(args)
    outcomes = _outcomes(args.outcomes, cli_common.max_read_bytes(args))
    try:
        report = backtest(scored, outcomes, target=args.target, target_recall=args.target_recall,
                          detail=args.detail)  # fmt: skip
    except ValueError as exc:
        raise cli_common.CliError(str(exc)) from None
    return _show(args, report, backtest_headline(report, _portfolio_name(args)))


def cmd_what_if(args: argparse.Namespace) -> int:
    from customer_success_mcp.ingest.changes import ChangeError, parse_assignments
    from customer_success_mcp.query.analysis import what_if
    from customer_success_mcp.render.analysis import what_if_headline

    try:
        changes = parse_assignments(args.changes)
    except ChangeError as exc:
        raise cli_common.CliError(str(exc)) from None
    args.files = [args.file]
    scored = cli_common.scored_portfolio(args)
    row = cli_common.account_row_of(args, scored)
    try:
        result = what_if(scored, scored.table.ids[row], changes)
    except ChangeError as exc:
        raise cli_common.CliError(str(exc)) from None
    return _show(args, result, what_if_headline(result))


def _nested(assignments: dict[str, Any]) -> dict[str, Any]:
    """{"health.dimensions.usage.weight": 0.4} -> {"health": {"dimensions": {"usage": {"weight": 0.4}}}}."""
    out: dict[str, Any] = {}
    for path, value in assignments.items():
        *heads, last = path.split(".")
        node = out
        for key in heads:
            node = node.setdefault(key, {})
            if not isinstance(node, dict):
                raise cli_common.CliError(f"--override {path}: {key} is given a value and sub-keys at once")
        node[last] = value
    return out


def cmd_what_if_profile(args: argparse.Namespace) -> int:
    from customer_success_mcp.ingest.changes import ChangeError, parse_assignments
    from customer_success_mcp.profiles import changed_profile, overrides_from_toml
    from customer_success_mcp.query.analysis import what_if_profile
    from customer_success_mcp.query.models import QueryError
    from customer_success_mcp.render.analysis import profile_headline
    from customer_success_mcp.scoring.profile import ProfileError

    if bool(args.override) == bool(args.profile_change):
        raise cli_common.CliError("give --override KEY=VALUE (one or more) or --profile-change FILE.toml")
    scored = cli_common.scored_portfolio(args)
    try:
        if args.profile_change:
            [(name, data)] = cli_common.read_inputs([args.profile_change], cli_common.max_read_bytes(args))
            overrides, source = overrides_from_toml(data.decode("utf-8", errors="replace"), name), name
        else:
            overrides, source = _nested(parse_assignments(args.override)), "--override"
        profile = changed_profile(scored.profile, overrides, source)
        outcomes = _outcomes(args.outcomes, cli_common.max_read_bytes(args)) if args.outcomes else None
        result = what_if_profile(scored, profile, outcomes, target=args.target)
    except (ProfileError, ChangeError, QueryError) as exc:
        raise cli_common.CliError(str(exc)) from None
    return _show(args, result, profile_headline(result, _portfolio_name(args)))


def cmd_plan(args: argparse.Namespace) -> int:
    from customer_success_mcp.query.analysis import plan_week
    from customer_success_mcp.query.models import QueryError
    from customer_success_mcp.render.analysis import plan_headline

    scored = cli_common.scored_portfolio(args)
    try:
        plan = plan_week(scored, args.hours, args.owner)
    except QueryError as exc:
        raise cli_common.CliError(str(exc)) from None
    return _show(args, plan, plan_headline(plan))


_hours = cli_common.above_zero_up_to(168, "a number of hours", " (a week)")
_recall = cli_common.above_zero_up_to(1)


def _scoring_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    p.add_argument("--as-of", type=cli_common.iso_date, metavar="YYYY-MM-DD",
                   help="score as of this date (default: the file's as_of, else today)")  # fmt: skip
    p.add_argument("--profile", metavar="NAME|FILE", help=cli_common.PROFILE_HELP)


def add_analysis_commands(sub: Any) -> None:
    """Register backtest, what-if, what-if-profile and plan on the `csm` subcommands."""
    p = sub.add_parser(
        "backtest",
        help="how well the scores separated the accounts that churned: ROC AUC, average precision, KS, "
        "deciles, churn per tier and class, lead time, per segment, best inputs, cut-offs",
        description="Backtest the scores against outcomes (renewed, churned or downgraded).",
    )
    cli_common.add_files(p)
    p.add_argument("--outcomes", required=True, metavar="FILE",
                   help="outcomes file (CSV, Excel or JSON): customer_id, outcome, date, arr_after",
                   )  # fmt: skip
    p.add_argument("--target", choices=TARGETS, default="churned", help=TARGET_HELP)
    p.add_argument("--target-recall", type=_recall, metavar="R",
                   help="recall the suggested cut-offs must reach (default: the profile's)")  # fmt: skip
    p.add_argument("--detail", choices=("summary", "full"), default="summary",
                   help="full adds deciles per segment")  # fmt: skip
    _scoring_options(p)
    p.set_defaults(handler=cmd_backtest)

    p = sub.add_parser(
        "what-if",
        help="one account before and after changes to its inputs (field=value), the change attributed to "
        "what moved; nothing is stored",
        description="What if an account's inputs changed? e.g. relationship_signals.champion_left=false",
    )
    p.add_argument("account", help="account id or name")
    p.add_argument("file", metavar="FILE", help="portfolio file (JSON, CSV or Excel)")
    p.add_argument("changes", nargs="+", metavar="FIELD=VALUE",
                   help="a contract field and its new value (JSON where it is JSON; null removes it)",
                   )  # fmt: skip
    p.add_argument("--mapping", metavar="FILE", help="TOML column mapping for a CSV/Excel export")
    p.add_argument(
        "--date-order", choices=("MDY", "DMY"), help="order of slash dates when the values cannot tell"
    )
    _scoring_options(p)
    p.set_defaults(handler=cmd_what_if)

    p = sub.add_parser(
        "what-if-profile",
        help="the whole book under a changed scoring profile: accounts and ARR that change class or tier, "
        "and with --outcomes the backtest before and after; nothing is stored",
        description="What if the scoring profile changed? --override KEY=VALUE or --profile-change FILE.",
    )
    cli_common.add_files(p)
    p.add_argument("--override", action="append", metavar="KEY=VALUE",
                   help="a profile key and its value, e.g. health.dimensions.usage.weight=0.35 (repeat)",
                   )  # fmt: skip
    p.add_argument("--profile-change", metavar="FILE", help="a TOML file of profile changes")
    p.add_argument("--outcomes", metavar="FILE", help="outcomes file: adds the backtest before and after")
    p.add_argument("--target", choices=TARGETS, default="churned", help=TARGET_HELP)
    _scoring_options(p)
    p.set_defaults(handler=cmd_what_if_profile)

    p = sub.add_parser(
        "plan",
        help="the week's plan within the hours given: renewals at stake first, ended contracts to confirm, "
        "playbook steps with effort, expansion on healthy accounts; what did not fit",
        description="Plan the week's account work within the hours available.",
    )
    cli_common.add_files(p)
    p.add_argument("--hours", type=_hours, required=True, metavar="H", help="hours available this week")
    p.add_argument("--owner", metavar="NAME", help="only this account owner's (CSM's) accounts")
    _scoring_options(p)
    p.set_defaults(handler=cmd_plan)
