"""What every `csm` command shares: reading and scoring the files named, one-line errors, new files only.

`cli` (the commands) and `cli_analysis` (backtest, what-if, plan) both build on it; it imports neither.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

PROFILE_HELP = (
    "built-in profile (reference, default, five_dimension) or a TOML profile file (default: default)"
)


def printable_text(text: str) -> str:
    """Data as data on a terminal: control characters (escape sequences, line breaks) become spaces."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in str(text)).split())


class CliError(Exception):
    """A failure to report as one line on stderr."""


def iso_date(text: str) -> dt.date:
    from customer_success_mcp.dates import parse_iso_day

    try:
        return parse_iso_day(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    """An argparse type for a whole number in [low, high]."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text!r} must be between {low} and {high}")
        return value

    return parse


def above_zero_up_to(high: float, noun: str = "a number", note: str = "") -> Callable[[str], float]:
    """An argparse type for a number in (0, high]: '0 < hours <= 168', '0 < recall <= 1'."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {noun}") from None
        if not 0 < value <= high:
            raise argparse.ArgumentTypeError(f"{text!r} must be above 0 and at most {high:g}{note}")
        return value

    return parse


def files_named(args: argparse.Namespace) -> str:
    """The files named on the command line, as one would type them again."""
    return " ".join(args.files)


def mapping_spec(args: argparse.Namespace) -> Any:
    """The --mapping file (TOML) and --date-order, as a mapping for CSV and Excel exports; None without."""
    from customer_success_mcp.ingest.load import InputError
    from customer_success_mcp.ingest.mapping import MappingSpec, mapping_from_toml, parse_date_order

    spec = None
    if args.mapping:
        from customer_success_mcp.fileio import MB, FileReadError, read_regular_file

        try:
            text = read_regular_file(args.mapping, 4 * MB, "a mapping is a short TOML file").decode("utf-8")
        except FileReadError as exc:
            raise CliError(f"cannot read the mapping file: {exc}") from None
        except UnicodeDecodeError:
            raise CliError(f"cannot read the mapping file {args.mapping}: not UTF-8 text") from None
        try:
            spec = mapping_from_toml(text, args.mapping)
        except InputError as exc:
            raise CliError(str(exc)) from None
    if args.date_order:
        spec = spec or MappingSpec()
        spec.date_order = parse_date_order(args.date_order, "--date-order")
    return spec


def read_inputs(paths: Sequence[str], max_bytes: int) -> list[tuple[str, bytes]]:
    """Each file read once through its descriptor: a regular file under the cap (a pipe or device is an
    error at once, never a hang)."""
    from customer_success_mcp.fileio import FileReadError, read_regular_file

    hint = "pass --max-file-mb N (or set CSM_MAX_FILE_MB) to raise the limit."
    try:
        return [(Path(text).name, read_regular_file(text, max_bytes, hint)) for text in paths]
    except FileReadError as exc:
        raise CliError(str(exc)) from None


def max_read_bytes(args: argparse.Namespace) -> int:
    """--max-file-mb, else CSM_MAX_FILE_MB, else the server's default, in bytes."""
    from customer_success_mcp.fileio import MB, megabytes
    from customer_success_mcp.server.config import DEFAULT_MAX_FILE_MB

    mb = getattr(args, "max_file_mb", None)
    if mb is None:
        try:
            mb = megabytes(os.environ.get("CSM_MAX_FILE_MB") or str(DEFAULT_MAX_FILE_MB), "CSM_MAX_FILE_MB")
        except ValueError as exc:
            raise CliError(str(exc)) from None
    return max(1, int(mb * MB))


def loaded_portfolio(args: argparse.Namespace, profile: Any) -> Any:
    """The portfolio in FILE (JSON, CSV or Excel), or in several exports joined on the account id."""
    from customer_success_mcp.ingest.load import InputError
    from customer_success_mcp.ingest.sources import load_sources

    try:
        return load_sources(read_inputs(args.files, max_read_bytes(args)), profile, spec=mapping_spec(args))
    except InputError as exc:
        raise CliError(str(exc)) from None


def profile_of(args: argparse.Namespace) -> Any:
    """The profile `--profile` names (built in, or a TOML file), or one error line."""
    from customer_success_mcp.profiles import load_profile
    from customer_success_mcp.scoring.profile import ProfileError

    try:
        return load_profile(args.profile)
    except ProfileError as exc:
        raise CliError(str(exc)) from None


def scored_portfolio(args: argparse.Namespace) -> Any:
    from customer_success_mcp.pipeline import resolve_as_of, score_loaded
    from customer_success_mcp.scoring.portfolio import as_of_notice

    profile = profile_of(args)
    loaded = loaded_portfolio(args, profile)
    if loaded.table.size == 0:
        raise CliError(
            f"{files_named(args)}: all {loaded.report.total} accounts were rejected; "
            f"run `csm validate {files_named(args)}`"
        )
    try:
        as_of, loaded.report.as_of_source = resolve_as_of(args.as_of, loaded.extras)
    except ValueError as exc:
        raise CliError(f"{files_named(args)}: {exc}") from None
    if loaded.report.rejected:
        print(
            f"csm: {loaded.report.rejected} of {loaded.report.total} accounts rejected; "
            f"see `csm validate {files_named(args)}`",
            file=sys.stderr,
        )
    notice = as_of_notice(as_of, loaded.report.as_of_source)
    if notice and getattr(args, "command", None) != "report":  # the report states its notices itself
        print(f"csm: NOTE: {notice}", file=sys.stderr)
    return score_loaded(loaded, profile, as_of)


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str, allow_nan=False))
    sys.stdout.write("\n")


def write_new(path: str, content: str | bytes) -> None:
    """Write text (UTF-8) or bytes to a new file (an existing file or link is never overwritten), or one
    error line."""
    from customer_success_mcp.fileio import FileWriteError, write_new_file

    try:
        write_new_file(path, content.encode("utf-8") if isinstance(content, str) else content)
    except FileWriteError as exc:
        raise CliError(str(exc)) from None


def account_row_of(args: argparse.Namespace, scored: Any) -> int:
    """The row of the account named on the command line, or one error line with the closest matches."""
    from customer_success_mcp.pipeline import AccountNotFound, find_account

    try:
        return find_account(scored.table, args.account)
    except AccountNotFound as exc:
        raise CliError(
            f"{files_named(args)}: {exc} List ids with `csm health {files_named(args)}`."
        ) from None


def yes_no(text: str) -> bool:
    answer = {"yes": True, "true": True, "no": False, "false": False}.get(text.strip().lower())
    if answer is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not yes or no")
    return answer


def megabytes_option(text: str) -> float:
    """An argparse type: a positive, finite number of megabytes."""
    from customer_success_mcp.fileio import megabytes

    try:
        return megabytes(text, "the size")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def non_negative(text: str) -> float:
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be 0 or more")
    return value


def add_files(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", metavar="FILE",
                   help='portfolio file: JSON ({"customers": [...]}), CSV or Excel; several CSV/Excel '
                   "exports are joined on the account id")  # fmt: skip
    p.add_argument(
        "--mapping", metavar="FILE", help="TOML column mapping for CSV/Excel exports (see the README)"
    )
    p.add_argument("--date-order", choices=("MDY", "DMY"),
                   help="order of slash dates such as 03/04/2027 when the values cannot tell")  # fmt: skip
    p.add_argument("--max-file-mb", type=megabytes_option, metavar="MB",
                   help="largest file read (env CSM_MAX_FILE_MB; default 256)")  # fmt: skip
