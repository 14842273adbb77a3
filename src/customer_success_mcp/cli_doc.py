"""The README's command reference, written from the `csm` parser itself (so every default is real).

`python -m customer_success_mcp.cli_doc README.md` rewrites the block between
`<!-- cli-reference:start -->` and `<!-- cli-reference:end -->`; a test fails when they differ.
"""

from __future__ import annotations

import argparse

from customer_success_mcp.cli import build_parser

START, END = "<!-- cli-reference:start -->", "<!-- cli-reference:end -->"
COMMON = {"--as-of", "--profile"}  # listed once per row, after the command's own options
HELP = {"-h", "--help"}


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def _helps(parser: argparse.ArgumentParser) -> dict[str, str]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {choice.dest: choice.help or "" for choice in action._choices_actions}


def _option(action: argparse.Action) -> str:
    flag = max(action.option_strings, key=len)
    if action.choices is not None:
        value = "|".join(str(c) for c in action.choices)
    elif action.nargs == 0:
        value = ""
    else:
        value = action.metavar if isinstance(action.metavar, str) else action.dest.upper()
    text = f"`{flag} {value}`".replace(" `", "`") if value else f"`{flag}`"
    if action.nargs != 0 and action.default is not None and action.default not in (argparse.SUPPRESS, []):
        text += f" (default {action.default})"
    return text.replace("|", "\\|")


def _usage(name: str, parser: argparse.ArgumentParser) -> str:
    positionals = [
        (a.metavar if isinstance(a.metavar, str) else "|".join(a.choices) if a.choices else a.dest.upper())
        + (f" [{a.metavar} ...]" if a.nargs == "+" else "")
        for a in parser._actions
        if not a.option_strings
    ]
    return f"`csm {' '.join([name, *positionals])}`".replace("|", "\\|")


def command_reference_markdown() -> str:
    """One row per command: usage, what it does, and every option with its real default."""
    parser = build_parser()
    helps = _helps(parser)
    lines = ["| Command | What it does | Options |", "|---|---|---|"]
    for name, sub in _subcommands(parser).items():
        options = [
            _option(a)
            for a in sub._actions
            if a.option_strings and not set(a.option_strings) & (COMMON | HELP)
        ]
        common = sorted({f for a in sub._actions for f in a.option_strings} & COMMON)
        if common:
            options.append(", ".join(f"`{f}`" for f in common))
        help_text = helps.get(name, "")
        lines.append(
            f"| {_usage(name, sub)} | {help_text[:1].upper() + help_text[1:]} | {'; '.join(options)} |"
        )
    return "\n".join(lines) + "\n"


def with_command_reference(readme: str) -> str:
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{command_reference_markdown()}{END}{tail}"


if __name__ == "__main__":  # python -m customer_success_mcp.cli_doc README.md
    import sys
    from pathlib import Path

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "README.md")
    target.write_text(with_command_reference(target.read_text(encoding="utf-8")), encoding="utf-8")
