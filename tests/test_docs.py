"""The README stays true: its model section, commands and profile example match the code."""

from __future__ import annotations

import re
from pathlib import Path

from customer_success_mcp.cli import build_parser
from customer_success_mcp.profiles import load_profile
from customer_success_mcp.render.model_doc import with_model_section
from customer_success_mcp.scoring.default_profiles import DEFAULT_PROFILE

README = Path(__file__).resolve().parents[1] / "README.md"


def readme() -> str:
    return README.read_text(encoding="utf-8")


def code_blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", text, flags=re.S)


def test_scoring_model_section_is_generated_from_the_default_profile():
    text = readme()
    assert with_model_section(text, DEFAULT_PROFILE) == text, (
        "README scoring model drifted; run: python -m customer_success_mcp.render.model_doc README.md"
    )


def test_quickstart_shows_the_two_commands_in_order_each_in_its_own_block():
    blocks = [b.strip() for b in code_blocks(readme(), "bash")]
    install = blocks.index("pip install -e . && csm report examples/portfolio.json")
    tests = blocks.index("pip install -e '.[test]' && pytest")
    assert install < tests


def toml_example(marker: str) -> str:
    (example,) = [block for block in code_blocks(readme(), "toml") if marker in block]
    return example


def test_profile_example_in_readme_loads_and_takes_effect(tmp_path):
    example = toml_example("# my-profile.toml")
    path = tmp_path / "my-profile.toml"
    path.write_text(example)
    profile = load_profile(path)
    weights = {d.name: d.weight for d in profile.health.dimensions}
    assert weights["usage"] == 0.35 and weights["engagement"] == 0.20
    assert profile.segments["enterprise"].green_min == 80
    assert profile.expansion.tier_multipliers["premium"] == 2.4


def test_churn_signal_example_in_readme_adds_a_scored_signal(tmp_path):
    path = tmp_path / "tickets.toml"
    path.write_text(toml_example("# tickets.toml"))
    profile = load_profile(path)
    support = next(c for c in profile.churn.categories if c.name == "support_issues")
    assert [s.name for s in support.signals][-1] == "open_tickets"
    assert {s.name: s.weight for s in support.signals} == {
        "critical": 0.30, "escalations": 0.30, "satisfaction": 0.30, "open_tickets": 0.10,
    }  # fmt: skip
    assert "support.open_tickets" in [r.field for r in profile.churn.warning_rules()]


def test_every_cli_command_is_in_the_readme_reference():
    subparsers = next(a for a in build_parser()._actions if a.dest == "command")
    text = readme()
    for name in subparsers.choices:
        assert f"`csm {name}" in text, f"csm {name} is not documented in the README"


def test_command_reference_is_generated_from_the_parser():
    from customer_success_mcp.cli_doc import with_command_reference

    text = readme()
    assert with_command_reference(text) == text, (
        "README command reference drifted; run: python -m customer_success_mcp.cli_doc README.md"
    )


def test_sql_schema_section_is_generated_from_the_query_layer():
    from customer_success_mcp.query.schema import with_schema_reference

    text = README.read_text(encoding="utf-8")
    assert with_schema_reference(text, DEFAULT_PROFILE) == text, (
        "README's SQL tables drifted; run: python -m customer_success_mcp.query.schema README.md"
    )
