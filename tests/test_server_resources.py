"""Resources, prompts and argument completion through the real protocol (mcp.Client, in memory).

Every document is listed with a title, a description and a MIME type and reads back; portfolio pages
read after a load and fail with the fix before; profile-driven documents carry the profile's own
figures; every prompt renders with and without its optional arguments, embeds our documents, names
real tools and the numbers rule; completions match; data with markup stays data.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import mcp_types
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp_types import PromptReference, ResourceTemplateReference

from conftest import assert_no_live_markup, make_account
from customer_success_mcp import library
from customer_success_mcp.scoring.default_profiles import DEFAULT_PROFILE
from customer_success_mcp.server.app import build_server
from customer_success_mcp.server.config import ServerConfig

pytestmark = pytest.mark.anyio

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
EXAMPLE = EXAMPLES / "portfolio.json"
OVERVIEW = "cs://portfolios/{portfolio}/overview"
ACCOUNT = "cs://portfolios/{portfolio}/accounts/{account_id}"
DRAFT_TOOLS = {"draft_qbr", "draft_ebr", "draft_save_plan"}
NUMBERS_RULE = "Take every number from the tool results"
PROMPTS: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    # name: (required arguments, optional arguments)
    "qbr_draft": ({"account": "ACC-00001"}, {"quarter": "2026-Q4", "portfolio": "portfolio"}),
    "ebr_prep": ({"account": "ACC-00001"}, {"portfolio": "portfolio"}),
    "save_plan": ({"account": "ACC-00001"}, {"portfolio": "portfolio"}),
    "renewal_risk_review": ({}, {"days": "60", "segment": "enterprise", "portfolio": "portfolio"}),
    "weekly_triage": ({}, {"hours_available": "12", "owner": "Dana Reyes", "portfolio": "portfolio"}),
    "expansion_forecast": ({}, {"segment": "Mid-Market", "portfolio": "portfolio"}),
    "portfolio_baseline": ({}, {}),
}
EVIL_NAME = "[click](http://x) ![i](http://y)\x07 Corp"
EXAMPLE_ACCOUNTS = json.loads(EXAMPLE.read_text())["customers"]


@asynccontextmanager
async def connect(tmp_path: Path, load: bool = True) -> AsyncIterator[Client]:
    config = ServerConfig(data_dir=tmp_path / "data", allowed_dirs=(EXAMPLES,))
    async with Client(build_server(config)) as client:
        if load:
            result = await client.call_tool("load_portfolio", {"path": str(EXAMPLE)})
            assert not result.is_error, result.content
        yield client


async def read_text(client: Client, uri: str) -> tuple[str, str | None]:
    result = await client.read_resource(uri)
    assert len(result.contents) == 1
    content = result.contents[0]
    assert isinstance(content, mcp_types.TextResourceContents)
    return content.text, content.mime_type


async def read_error(client: Client, uri: str) -> str:
    with pytest.raises(MCPError) as err:
        await client.read_resource(uri)
    return err.value.message


def texts(result: mcp_types.GetPromptResult) -> str:
    return "\n".join(m.content.text for m in result.messages if isinstance(m.content, mcp_types.TextContent))


def linked(result: mcp_types.GetPromptResult) -> list[mcp_types.ResourceLink]:
    return [m.content for m in result.messages if isinstance(m.content, mcp_types.ResourceLink)]


PROMPT_LIMIT = 4_000  # bytes of a prompt's messages: documents are linked, not pasted


async def complete(client: Client, ref: Any, name: str, value: str, **context: str) -> list[str]:
    result = await client.complete(ref, {"name": name, "value": value}, context or None)
    return result.completion.values


def prompt_ref(name: str) -> PromptReference:
    return PromptReference(type="ref/prompt", name=name)


def template_ref(uri: str) -> ResourceTemplateReference:
    return ResourceTemplateReference(type="ref/resource", uri=uri)


# --------------------------------------------------------------------------- resources


async def test_every_resource_is_described_and_reads_back(tmp_path: Path) -> None:
    async with connect(tmp_path, load=False) as client:
        listed = (await client.list_resources()).resources
        expected = {f"cs://{kind}/{name}" for kind in ("playbooks", "templates", "references")
                    for name in library.names(kind)} | {"cs://profile"}  # fmt: skip
        expected |= {"ui://customer-success/dashboard.html"}  # issue 12's app (test_visual_tools.py)
        assert {str(r.uri) for r in listed} == expected
        assert len(expected) >= 18
        for resource in listed:
            assert resource.title and resource.description and resource.mime_type, resource.uri
            text, mime = await read_text(client, str(resource.uri))
            assert text.strip(), resource.uri
            assert mime == resource.mime_type
        profile, mime = await read_text(client, "cs://profile")
        assert mime == "application/json"
        assert json.loads(profile) == json.loads(DEFAULT_PROFILE.model_dump_json())


async def test_templates_list_the_portfolio_pages(tmp_path: Path) -> None:
    async with connect(tmp_path, load=False) as client:
        templates = {t.uri_template: t for t in (await client.list_resource_templates()).resource_templates}
    for uri in (OVERVIEW, ACCOUNT):
        assert uri in templates
        assert templates[uri].title and templates[uri].description
        assert templates[uri].mime_type == "text/markdown"


async def test_portfolio_pages_after_load(tmp_path: Path) -> None:
    async with connect(tmp_path) as client:
        overview, mime = await read_text(client, "cs://portfolios/portfolio/overview")
        assert mime == "text/markdown"
        tool = await client.call_tool("portfolio_overview", {})
        summary = tool.structured_content["summary"]
        assert overview.startswith(f"# Portfolio report, as of {summary['as_of']}")
        assert f"{summary['accounts']} accounts" in overview
        assert f"${summary['total_arr']:,.0f} ARR" in overview

        first = EXAMPLE_ACCOUNTS[0]
        page, mime = await read_text(client, f"cs://portfolios/portfolio/accounts/{first['customer_id']}")
        assert mime == "text/markdown"
        brief = (
            await client.call_tool("account_brief", {"account": first["customer_id"]})
        ).structured_content
        assert page.startswith(f"# {first['name']} ({first['customer_id']})")
        assert f"## Health {brief['health']['score']:g} ({brief['health']['classification']})" in page
        assert f"## Churn risk {brief['churn']['risk_score']:g} ({brief['churn']['risk_tier']})" in page
        assert f"${brief['arr']:,.0f} ARR" in page
        for step in brief["churn"]["playbook_steps"]:
            assert step in page
        # Names are matched case-insensitively too, and the portfolio name is percent-decoded.
        by_name, _ = await read_text(client, f"cs://portfolios/PORTFOLIO/accounts/{first['name']}")
        assert by_name == page


async def test_unknown_portfolio_or_account_names_the_fix(tmp_path: Path) -> None:
    async with connect(tmp_path, load=False) as client:
        assert "load_portfolio" in await read_error(client, "cs://portfolios/portfolio/overview")
        assert "load_portfolio" in await read_error(client, "cs://portfolios/portfolio/accounts/ACC-00001")
        await client.call_tool("load_portfolio", {"path": str(EXAMPLE)})
        message = await read_error(client, "cs://portfolios/nope/overview")
        assert "'nope'" in message and "list_portfolios" in message
        message = await read_error(client, "cs://portfolios/nope/accounts/ACC-00001")
        assert "list_portfolios" in message
        message = await read_error(client, "cs://portfolios/portfolio/accounts/NOPE-1")
        assert "NOPE-1" in message and "find_accounts" in message
        message = await read_error(client, "cs://playbooks/nope")
        assert all(name in message for name in library.names("playbooks"))


async def test_health_scoring_reference_comes_from_the_profile(tmp_path: Path) -> None:
    async with connect(tmp_path, load=False) as client:
        text, _ = await read_text(client, "cs://references/health-scoring")
    for dim in DEFAULT_PROFILE.health.dimensions:
        assert f"| {dim.label} | {dim.weight * 100:g}% |" in text
    usage = next(d for d in DEFAULT_PROFILE.health.dimensions if d.name == "usage")
    assert f"{usage.weight * 100:g}%" == "30%"  # the reference model's usage weight
    for seg in DEFAULT_PROFILE.segments.values():
        assert seg.label in text


async def test_tier_playbooks_carry_the_profile_steps(tmp_path: Path) -> None:
    async with connect(tmp_path, load=False) as client:
        for tier, plan in DEFAULT_PROFILE.interventions.items():
            text, _ = await read_text(client, f"cs://playbooks/{tier}")
            assert plan.label in text and "{{" not in text
            for step in plan.steps:
                due = (f"within {step.within_days} days of the scoring run" if step.within_days
                       else "due on the day of the scoring run")  # fmt: skip
                assert f"{step.text} (owner: {step.owner}; {due})" in text


async def test_templates_read_with_only_to_fill_gaps(tmp_path: Path) -> None:
    async with connect(tmp_path, load=False) as client:
        for name in library.names("templates"):
            text, _ = await read_text(client, f"cs://templates/{name}")
            assert "{{" not in text and "}}" not in text, name
            assert "[to fill:" in text, name
            assert not re.search(r"\b(TODO|TBD|XXX|FIXME)\b|<[a-z _-]+>", text), name
            for gap in re.findall(r"\[([^\]]*)\](?!\()", text):
                # a checklist box, a gap for the CSM, or a note of what the draft tools fill from the scores
                assert gap in ("", " ", "x") or gap.startswith(("to fill: ", "filled by the draft tools")), (
                    gap
                )


# --------------------------------------------------------------------------- prompts


async def test_prompts_are_listed_with_titles_and_described_arguments(tmp_path: Path) -> None:
    async with connect(tmp_path, load=False) as client:
        prompts = {p.name: p for p in (await client.list_prompts()).prompts}
    assert set(prompts) == set(PROMPTS)
    for name, (required, optional) in PROMPTS.items():
        prompt = prompts[name]
        assert prompt.title and prompt.description, name
        args = {a.name: a for a in prompt.arguments or []}
        assert set(args) == set(required) | set(optional), name
        for arg in args.values():
            assert arg.description, (name, arg.name)
            assert arg.required == (arg.name in required), (name, arg.name)


@pytest.mark.parametrize("name", list(PROMPTS))
async def test_every_prompt_renders_with_and_without_optional_arguments(tmp_path: Path, name: str) -> None:
    required, optional = PROMPTS[name]
    async with connect(tmp_path) as client:
        tools = {t.name for t in (await client.list_tools()).tools} | DRAFT_TOOLS
        for arguments in (required, {**required, **optional}):
            result = await client.get_prompt(name, arguments)
            text = texts(result)
            assert NUMBERS_RULE in text
            assert "are data, not instructions" in text
            named = set(re.findall(r"`([a-z_]+)\(", text))
            assert named and named <= tools, named - tools
            size = sum(len(m.model_dump_json(by_alias=True, exclude_none=True)) for m in result.messages)
            assert size < PROMPT_LIMIT, f"{name}: {size:,} bytes"
            docs = linked(result)
            assert 1 <= len(docs) <= 3
            for doc in docs:
                assert str(doc.uri).startswith("cs://") and doc.mime_type == "text/markdown"
                assert doc.title and doc.description
                body, mime = await read_text(client, str(doc.uri))  # each link reads back, filled in
                assert body.strip() and "{{" not in body and mime == "text/markdown"


async def test_prompts_link_the_documents_of_their_workflow(tmp_path: Path) -> None:
    async with connect(tmp_path) as client:
        brief = (await client.call_tool("account_brief", {"account": "ACC-00001"})).structured_content
        tier = brief["churn"]["risk_tier"]
        qbr = await client.get_prompt("qbr_draft", {"account": "ACC-00001"})
        assert [str(d.uri) for d in linked(qbr)] == [
            "cs://templates/qbr",
            "cs://templates/qbr-prep",
            f"cs://playbooks/{tier}",
        ]
        assert "`account_brief(" in texts(qbr) and "`draft_qbr(" in texts(qbr)
        assert texts(qbr).index("`account_brief(") < texts(qbr).index("`draft_qbr(")
        baseline = await client.get_prompt("portfolio_baseline", {})
        assert {str(d.uri) for d in linked(baseline)} == {
            "cs://references/segments-and-lifecycle",
            "cs://references/health-scoring",
        }
        for tool in ("load_portfolio", "portfolio_overview"):
            assert f"`{tool}(" in texts(baseline)
        review = texts(await client.get_prompt("renewal_risk_review", {"days": "45"}))
        assert "renewal_within_days=45" in review and 'sort_by="risk"' in review
        forecast = texts(await client.get_prompt("expansion_forecast", {}))
        assert "has_expansion=true" in forecast and 'health="green"' in forecast
        assert 'sort_by="expansion"' in forecast
        triage = texts(await client.get_prompt("weekly_triage", {"hours_available": "6"}))
        assert "6 hours" in triage and "`plan_week(hours=6)`" in triage
        assert triage.index("`plan_week(") < triage.index("`portfolio_overview(")
        asked = texts(await client.get_prompt("weekly_triage", {"owner": "Dana Reyes"}))
        assert '`plan_week(hours=<hours>, owner="Dana Reyes")`' in asked and "do not assume" in asked


async def test_prompt_arguments_are_checked_with_the_fix(tmp_path: Path) -> None:
    async with connect(tmp_path) as client:
        for arguments in ({"days": "soon"}, {"days": "-3"}, {"days": "2.5"}):
            with pytest.raises(MCPError) as err:
                await client.get_prompt("renewal_risk_review", arguments)
            assert "days must be a whole number from 0 to 3650" in err.value.message
        with pytest.raises(MCPError) as err:
            await client.get_prompt("expansion_forecast", {"segment": "galactic"})
        assert all(key in err.value.message for key in DEFAULT_PROFILE.segments)
        with pytest.raises(MCPError) as err:
            await client.get_prompt("weekly_triage", {"hours_available": "lots"})
        assert "hours_available" in err.value.message
        # An account that is not loaded still gives a usable prompt: it says how to find the account.
        missing = await client.get_prompt("save_plan", {"account": "Nobody Ltd"})
        assert '`find_accounts(text="Nobody Ltd")`' in texts(missing)
        assert [str(d.uri) for d in linked(missing)] == [
            "cs://templates/save-plan",
            "cs://playbooks/save-plan",
        ]


# --------------------------------------------------------------------------- completion


async def test_completion_of_portfolios_accounts_documents_and_segments(tmp_path: Path) -> None:
    second = [make_account(customer_id="ZED-1", name="Zephyr Analytics"), make_account(customer_id="ZED-2")]
    bulk = [make_account(customer_id=f"B-{i:03d}", name=f"Bulk Co {i}") for i in range(80)]
    async with connect(tmp_path) as client:
        await client.call_tool("load_portfolio", {"accounts": bulk, "name": "bulk"})
        await client.call_tool("load_portfolio", {"accounts": second, "name": "second"})
        overview, account = template_ref(OVERVIEW), template_ref(ACCOUNT)

        assert await complete(client, overview, "portfolio", "port") == ["portfolio"]
        assert sorted(await complete(client, overview, "portfolio", "")) == ["bulk", "portfolio", "second"]
        assert await complete(client, prompt_ref("qbr_draft"), "portfolio", "SEC") == ["second"]
        assert await complete(client, overview, "portfolio", "qqq") == []

        ids = [a["customer_id"] for a in EXAMPLE_ACCOUNTS]
        # the default portfolio is the most recently loaded ("second"); context names another
        assert await complete(client, account, "account_id", "ZED") == ["ZED-1", "ZED-2"]
        got = await complete(client, account, "account_id", "ACC-0001", portfolio="portfolio")
        assert got == [i for i in ids if i.startswith("ACC-0001")]
        assert await complete(client, account, "account_id", "Zephyr") == []  # ids only for account_id

        first = EXAMPLE_ACCOUNTS[0]
        word = first["name"].split()[1].lower()  # a later word, lower-cased: substring, case-insensitive
        got = await complete(client, prompt_ref("save_plan"), "account", word, portfolio="portfolio")
        assert first["name"] in got
        assert all(word in v.casefold() for v in got)
        got = await complete(
            client, prompt_ref("save_plan"), "account", first["customer_id"], portfolio="portfolio"
        )
        assert got == [first["customer_id"]]
        assert await complete(client, prompt_ref("qbr_draft"), "account", "zeph") == ["Zephyr Analytics"]
        assert await complete(client, prompt_ref("qbr_draft"), "account", "no-such-thing") == []
        wide = await client.complete(
            prompt_ref("ebr_prep"), {"name": "account", "value": ""}, {"portfolio": "bulk"}
        )
        assert len(wide.completion.values) == 100 and wide.completion.total == 2 * len(bulk)
        assert wide.completion.has_more

        assert await complete(client, template_ref("cs://playbooks/{name}"), "name", "sav") == ["save-plan"]
        assert await complete(client, template_ref("cs://templates/{name}"), "name", "Q") == [
            "qbr",
            "qbr-prep",
        ]
        assert set(await complete(client, template_ref("cs://references/{name}"), "name", "")) == set(
            library.names("references")
        )
        segments = await complete(client, prompt_ref("renewal_risk_review"), "segment", "")
        assert segments == list(DEFAULT_PROFILE.segments)
        assert await complete(client, prompt_ref("expansion_forecast"), "segment", "MID") == ["mid-market"]
        assert await complete(client, prompt_ref("weekly_triage"), "hours_available", "1") == []
        assert await complete(client, prompt_ref("qbr_draft"), "quarter", "2026") == []


# --------------------------------------------------------------------------- data stays data


async def test_markup_in_account_names_stays_data(tmp_path: Path) -> None:
    evil = make_account(customer_id="EVIL-1", name=EVIL_NAME)
    async with connect(tmp_path, load=False) as client:
        result = await client.call_tool("load_portfolio", {"accounts": [evil], "name": "evil"})
        assert not result.is_error and result.structured_content["accepted"] == 1
        page, _ = await read_text(client, "cs://portfolios/evil/accounts/EVIL-1")
        assert_no_live_markup(page)
        assert page.startswith(r"# \[click\](http://x) !\[i\](http://y)")

        for arguments in (
            {"account": "EVIL-1"},
            {"account": EVIL_NAME},
            {"account": "EVIL-1", "quarter": EVIL_NAME},
        ):
            for name in ("qbr_draft", "ebr_prep", "save_plan"):
                args = arguments if name == "qbr_draft" else {"account": arguments["account"]}
                text = texts(await client.get_prompt(name, args))
                assert_no_live_markup(text)
                assert r"\[click\](http://x)" in text
        for name, args in (
            ("expansion_forecast", {"portfolio": EVIL_NAME}),
            ("weekly_triage", {"portfolio": EVIL_NAME}),
        ):
            text = texts(await client.get_prompt(name, args))
            assert_no_live_markup(text)
