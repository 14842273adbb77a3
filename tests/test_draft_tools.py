"""The draft tools and `csm draft` (issue 4, items 4 to 6; issue 7, item 7; issue 14): the MCP tools
return the markdown as their text block and the draft's facts as structured content, both equal to the
library's, for each audience; `save_to` writes only new .md files in allowed directories (the deck and
the document: test_draft_files.py); unknown accounts name the closest match; the CLI prints the markdown,
or the facts with `--format json`.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import mcp_types
import pytest
from mcp import Client

from conftest import assert_text_carries_structure
from customer_success_mcp.cli import main
from customer_success_mcp.pipeline import find_account
from customer_success_mcp.render.draft_facts import DraftFacts
from customer_success_mcp.render.drafts import Draft, DraftSource
from customer_success_mcp.server.app import build_server
from customer_success_mcp.server.config import ServerConfig
from customer_success_mcp.server.service import PortfolioService
from draft_checks import (
    EXAMPLE,
    GREEN_EXPANDING,
    QUARTER,
    RECORDS,
    RED_CRITICAL,
    ROOT,
    check_draft,
    example,
    example_draft,
)

# --------------------------------------------------------------------------- 6. through the protocol


def text_of(result: mcp_types.CallToolResult) -> str:
    return "\n".join(b.text for b in result.content if isinstance(b, mcp_types.TextContent))


def assert_tool_error(result: mcp_types.CallToolResult, *needles: str) -> str:
    message = text_of(result)
    assert result.is_error, f"expected an error, got: {message[:300]}"
    assert "Traceback" not in message
    for needle in needles:
        assert needle.casefold() in message.casefold(), f"{needle!r} not in {message!r}"
    return message


def body(text: str) -> str:
    """A draft without its provenance footer (which names where the portfolio was read from)."""
    head, sep, _ = text.rpartition("\n---\n")
    assert sep, "no provenance footer"
    return head


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path, Path]:
    examples_dir, out_dir, elsewhere = tmp_path / "examples", tmp_path / "out", tmp_path / "elsewhere"
    for d in (examples_dir, out_dir, elsewhere):
        d.mkdir()
    shutil.copy(EXAMPLE, examples_dir / "portfolio.json")
    return examples_dir.resolve(), out_dir.resolve(), elsewhere.resolve()


DRAFT_LIMIT = 24_000
TOOL_KINDS = {"draft_qbr": "qbr", "draft_ebr": "ebr", "draft_save_plan": "save-plan"}
TOOL_AUDIENCES = {
    "draft_qbr": ("customer", "internal"),
    "draft_ebr": ("customer", "internal"),
    "draft_save_plan": ("internal",),
}


@pytest.mark.anyio
async def test_draft_tools_return_the_draft_and_its_facts(
    tmp_path: Path, dirs: tuple[Path, Path, Path]
) -> None:
    examples_dir, out_dir, _ = dirs
    config = ServerConfig(data_dir=tmp_path / "d", allowed_dirs=(examples_dir, out_dir))
    service = PortfolioService(config)
    async with Client(build_server(config, service)) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        loaded = await client.call_tool("load_portfolio", {"path": str(examples_dir / "portfolio.json")})
        assert not loaded.is_error, text_of(loaded)
        scored = example()
        for tool, kind in TOOL_KINDS.items():
            assert tools[tool].output_schema is not None
            assert "facts" in tools[tool].output_schema["properties"]
            assert ("audience" in tools[tool].input_schema["properties"]) == (kind != "save-plan")
            # Every account in its default audience; the prep brief of the red account too.
            cases = [(c, TOOL_AUDIENCES[tool][0]) for c in (RED_CRITICAL, "ACC-00050", GREEN_EXPANDING)]
            for cid, audience in cases + [(RED_CRITICAL, a) for a in TOOL_AUDIENCES[tool][1:]]:
                args: dict[str, Any] = {"account": cid}
                if kind == "qbr":
                    args["quarter"] = QUARTER
                if audience == "internal" and kind != "save-plan":
                    args["audience"] = audience
                result = await client.call_tool(tool, args)
                assert not result.is_error, text_of(result)
                assert len(result.content) == 1
                s = result.structured_content
                assert s is not None
                text = s["markdown"]
                _, expected = service.draft(kind, cid, quarter=args.get("quarter"), audience=audience)
                assert text == expected, f"{tool} {cid}: the structured draft is not the service's draft"
                # Text-only hosts get the draft first, then its facts (the same facts as the structure).
                assert text_of(result).startswith(expected.rstrip())
                # A draft is a document: its size follows the template, not the book (24 KB each at most).
                assert_text_carries_structure(result, limit=DRAFT_LIMIT)
                assert body(text) == body(example_draft(kind, cid, args.get("quarter"), audience).markdown), (
                    f"{tool} {cid}: differs from `csm draft`"
                )
                assert set(s) == {
                    "units",
                    "snapshot",
                    "markdown",
                    "facts",
                    "gaps_to_fill",
                    "characters",
                    "saved_to",
                    "saved_format",
                    "saved_bytes",
                }
                facts = DraftFacts.model_validate(s["facts"])
                snap = s["snapshot"]["snapshot_id"]
                source = DraftSource(
                    "portfolio",
                    f"snapshot {snap} (loaded {s['snapshot']['loaded_at']})",
                    scored.as_of,
                    "default",
                )
                check_draft(
                    Draft(text, facts),
                    kind,
                    audience,
                    scored,
                    find_account(scored.table, cid),
                    RECORDS[cid],
                    source,
                    args.get("quarter"),
                )
                assert s["gaps_to_fill"] == len(facts.gaps) == text.count("[to fill:") > 0
                assert s["characters"] == len(text)
                assert (s["saved_to"], s["saved_format"], s["saved_bytes"]) == (None, None, None)
                assert facts.audience == audience
        by_name = await client.call_tool("draft_save_plan", {"account": "pinebridge outfitters GROUP"})
        assert by_name.structured_content["markdown"] == service.draft("save-plan", RED_CRITICAL)[1]


@pytest.mark.anyio
async def test_save_to(tmp_path: Path, dirs: tuple[Path, Path, Path]) -> None:
    examples_dir, out_dir, elsewhere = dirs
    config = ServerConfig(data_dir=tmp_path / "d", allowed_dirs=(examples_dir, out_dir))
    async with Client(build_server(config)) as client:
        loaded = await client.call_tool("load_portfolio", {"path": str(examples_dir / "portfolio.json")})
        assert not loaded.is_error, text_of(loaded)
        target = out_dir / "qbr-cresthill.md"
        args = {"account": GREEN_EXPANDING, "quarter": QUARTER, "save_to": str(target)}
        saved = await client.call_tool("draft_qbr", args)
        assert not saved.is_error, text_of(saved)
        assert saved.structured_content is not None
        assert saved.structured_content["saved_to"] == str(target)
        assert target.read_text(encoding="utf-8") == saved.structured_content["markdown"]

        again = await client.call_tool("draft_qbr", args)
        assert_tool_error(again, str(target), "already exists", "another name")
        assert target.read_text(encoding="utf-8") == saved.structured_content["markdown"], (
            "the existing file was not touched"
        )

        outside = elsewhere / "plan.md"
        refused = await client.call_tool(
            "draft_save_plan", {"account": RED_CRITICAL, "save_to": str(outside)}
        )
        assert_tool_error(refused, "outside the allowed directories", str(out_dir), "--allow-dir")
        assert not outside.exists()

        escape = out_dir / "link"
        escape.symlink_to(elsewhere, target_is_directory=True)
        via_link = await client.call_tool(
            "draft_ebr", {"account": RED_CRITICAL, "save_to": str(escape / "x.md")}
        )
        assert_tool_error(via_link, "outside the allowed directories")
        assert not (elsewhere / "x.md").exists()

        not_md = out_dir / "plan.txt"
        wrong = await client.call_tool("draft_save_plan", {"account": RED_CRITICAL, "save_to": str(not_md)})
        assert_tool_error(wrong, ".md", "markdown")
        assert not not_md.exists()

        nowhere = await client.call_tool(
            "draft_ebr", {"account": RED_CRITICAL, "save_to": str(out_dir / "missing" / "x.md")}
        )
        assert_tool_error(nowhere, "no such directory")
        assert sorted(p.name for p in out_dir.iterdir()) == ["link", "qbr-cresthill.md"]


@pytest.mark.anyio
async def test_unknown_account_names_the_closest(tmp_path: Path, dirs: tuple[Path, Path, Path]) -> None:
    examples_dir, out_dir, _ = dirs
    config = ServerConfig(data_dir=tmp_path / "d", allowed_dirs=(examples_dir, out_dir))
    async with Client(build_server(config)) as client:
        before = await client.call_tool("draft_qbr", {"account": RED_CRITICAL})
        assert_tool_error(before, "no portfolio is loaded", "load_portfolio")
        loaded = await client.call_tool("load_portfolio", {"path": str(examples_dir / "portfolio.json")})
        assert not loaded.is_error, text_of(loaded)
        for tool in TOOL_KINDS:
            result = await client.call_tool(tool, {"account": "pinebridge"})
            assert_tool_error(result, "no account 'pinebridge'", "ACC-00016 (Pinebridge Outfitters Group)")
        typo = await client.call_tool("draft_ebr", {"account": "ACC-0016"})
        assert_tool_error(typo, "Closest:", "ACC-00016")
        other = await client.call_tool("draft_qbr", {"account": RED_CRITICAL, "portfolio": "nope"})
        assert_tool_error(other, "No portfolio named 'nope'", "list_portfolios")


# --------------------------------------------------------------------------- 7. the CLI


def run_main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_cli_draft_by_full_name(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    for account in ("Pinebridge Outfitters Group", "pinebridge outfitters group", RED_CRITICAL):
        rc, out, err = run_main(capsys, "draft", "save-plan", account, "examples/portfolio.json")
        assert (rc, err) == (0, "")
        assert out.startswith("# Save plan: Pinebridge Outfitters Group\n")
        assert out == example_draft("save-plan", RED_CRITICAL, None).markdown


def test_cli_draft_facts_as_json(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    rc, out, err = run_main(
        capsys,
        "draft",
        "qbr",
        GREEN_EXPANDING,
        "examples/portfolio.json",
        "--quarter",
        QUARTER,
        "--format",
        "json",
    )
    assert (rc, err) == (0, "")
    assert DraftFacts.model_validate_json(out) == example_draft("qbr", GREEN_EXPANDING).facts
    assert json.loads(out)["quarter"] == QUARTER


def test_cli_unknown_account(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    for account in ("pinebridge", "Nobody At All"):
        rc, out, err = run_main(capsys, "draft", "qbr", account, "examples/portfolio.json")
        assert rc == 2 and out == ""
        lines = err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("csm: error:"), err
        assert f"no account {account!r}" in lines[0]
    _, _, err = run_main(capsys, "draft", "qbr", "pinebridge", "examples/portfolio.json")
    assert "ACC-00016 (Pinebridge Outfitters Group)" in err


def test_cli_output_file(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(ROOT)
    target = tmp_path / "ebr.md"
    rc, out, err = run_main(
        capsys, "draft", "ebr", GREEN_EXPANDING, "examples/portfolio.json", "--output", str(target)
    )
    assert (rc, out) == (0, "")
    assert err == f"wrote the ebr draft for Cresthill Technologies to {target}\n"
    assert target.read_text(encoding="utf-8") == example_draft("ebr", GREEN_EXPANDING, None).markdown
    rc, out, err = run_main(
        capsys,
        "draft",
        "ebr",
        GREEN_EXPANDING,
        "examples/portfolio.json",
        "--output",
        str(tmp_path / "missing" / "ebr.md"),
    )
    assert rc == 2 and out == "" and err.startswith("csm: error: cannot write") and len(err.splitlines()) == 1
