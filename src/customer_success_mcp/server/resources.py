"""MCP resources: our playbooks, templates and references, the active profile, and live portfolio pages.

Each document is its own static resource (so `resources/list` shows them all, with a title, a
description and a MIME type); `cs://playbooks/{name}`, `cs://templates/{name}` and
`cs://references/{name}` are also templates, for argument completion and a clear error on an unknown
name. Portfolio pages are templates read from the loaded snapshots. Nothing here imports the engine
at module level: pages import what they need when they are read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, get_args
from urllib.parse import quote

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError
from mcp_types import TextResourceContents

from customer_success_mcp import library
from customer_success_mcp.formatting import contract_end, score, share
from customer_success_mcp.formatting import money as _money
from customer_success_mcp.render.markdown import escape_markdown as esc
from customer_success_mcp.scoring.profile import Profile
from customer_success_mcp.server.models import AccountBrief
from customer_success_mcp.server.service import PortfolioService, UserError
from customer_success_mcp.store import StoreError

MARKDOWN = "text/markdown"
JSON = "application/json"
KINDS: tuple[library.Kind, ...] = get_args(library.Kind)
SINGULAR = {"playbooks": "playbook", "templates": "template", "references": "reference"}
PROFILE_URI = "cs://profile"
OVERVIEW_TEMPLATE = "cs://portfolios/{portfolio}/overview"
ACCOUNT_TEMPLATE = "cs://portfolios/{portfolio}/accounts/{account_id}"
PAGE_WARNINGS = 8
PAGE_OPPORTUNITIES = 5
T = TypeVar("T")


def document_uri(kind: library.Kind, name: str) -> str:
    return f"cs://{kind}/{name}"


def document_template(kind: library.Kind) -> str:
    return f"cs://{kind}/{{name}}"


def active_profile(service: PortfolioService) -> Profile:
    """The service's profile; a profile that cannot be used is a resource error with the reason."""
    try:
        return service.profile
    except UserError as exc:
        raise ResourceError(str(exc)) from None


def document_contents(kind: library.Kind, name: str, profile: Profile) -> TextResourceContents:
    """A document as embedded resource contents (for prompts)."""
    return TextResourceContents(
        uri=document_uri(kind, name), mime_type=MARKDOWN, text=library.document(kind, name, profile)
    )


def register_resources(mcp: MCPServer, service: PortfolioService) -> None:
    """Register every resource of the server, and the argument completion for them and the prompts."""
    from customer_success_mcp.server.completion import register_completion

    for kind in KINDS:
        for name in library.names(kind):
            _register_document(mcp, service, kind, name)
        _register_document_template(mcp, service, kind)

    @mcp.resource(
        PROFILE_URI,
        name="profile",
        title="Active scoring profile",
        description="The scoring profile in use, as JSON: health dimensions, weights and benchmarks by "
        "segment, churn weights and tier floors, expansion factors, playbook steps, targets and lifecycle.",
        mime_type=JSON,
    )
    def profile() -> str:
        return active_profile(service).model_dump_json(indent=2)

    @mcp.resource(
        OVERVIEW_TEMPLATE,
        name="portfolio-overview",
        title="Portfolio overview",
        description="The portfolio report of a loaded portfolio as markdown: health, risk and segment mix "
        "by ARR, renewals in the next 90 days, top at-risk and expansion-ready accounts, recommended "
        "actions, targets and data quality.",
        mime_type=MARKDOWN,
    )
    def portfolio_overview(portfolio: str) -> str:
        from customer_success_mcp.render.report import report_markdown

        active_profile(service)
        overview = _lookup(lambda: service.overview(portfolio))
        title, _, rest = report_markdown(overview.summary).partition("\n")
        snap = overview.snapshot
        return (
            f"{title}\n\n_Portfolio {esc(snap.portfolio)}, snapshot {snap.snapshot_id}, loaded "
            f"{snap.loaded_at}. Account pages: cs://portfolios/{quote(snap.portfolio, safe='')}/accounts/"
            "<account id>._\n"
            f"{rest}"
        )

    @mcp.resource(
        ACCOUNT_TEMPLATE,
        name="account-page",
        title="Account page",
        description="One account of a loaded portfolio as markdown: health by dimension, churn risk with "
        "warnings and the tier's playbook steps, renewal, expansion opportunities, adoption and lifecycle.",
        mime_type=MARKDOWN,
    )
    def account_page(portfolio: str, account_id: str) -> str:
        active_profile(service)
        return account_markdown(_lookup(lambda: service.account_brief(account_id, portfolio)))

    register_completion(mcp, service)


def _lookup(fn: Callable[[], T]) -> T:
    """A service answer; an unknown portfolio or account becomes a not-found error carrying the fix."""
    try:
        return fn()
    except UserError as exc:
        raise ResourceNotFoundError(str(exc)) from None
    except StoreError as exc:
        raise ResourceError(str(exc)) from None


def _register_document(mcp: MCPServer, service: PortfolioService, kind: library.Kind, name: str) -> None:
    def read() -> str:
        return library.document(kind, name, active_profile(service))

    mcp.resource(
        document_uri(kind, name),
        name=f"{SINGULAR[kind]}-{name}",
        title=library.title_of(kind, name),
        description=library.summary_of(kind, name),
        mime_type=MARKDOWN,
    )(read)


def _register_document_template(mcp: MCPServer, service: PortfolioService, kind: library.Kind) -> None:
    def read(name: str) -> str:
        known = library.names(kind)
        if name not in known:
            raise ResourceNotFoundError(
                f"No {SINGULAR[kind]} named {name!r}. Known {kind}: {', '.join(known)} "
                f"(each is listed by resources/list as {document_uri(kind, '<name>')})."
            )
        return library.document(kind, name, active_profile(service))

    mcp.resource(
        document_template(kind),
        name=f"{SINGULAR[kind]}-by-name",
        title=f"{kind.capitalize()} by name",
        description=f"Any of our {kind} by name ({', '.join(library.names(kind))}); each is also listed "
        "as its own resource.",
        mime_type=MARKDOWN,
    )(read)


# --------------------------------------------------------------------------- the account page


def _renewal(b: AccountBrief) -> str:
    return contract_end(b.churn.renewal_date, b.churn.days_to_renewal)


def account_markdown(b: AccountBrief) -> str:
    """A compact, readable page for one account; names and other free text from the data are escaped."""
    h, c, e, life = b.health, b.churn, b.expansion, b.lifecycle
    segment = b.segment + ("" if b.segment_source == "input" else f" (from {b.segment_source})")
    out = [
        f"# {esc(b.name)} ({esc(b.customer_id)})",
        "",
        f"{esc(segment)} · {_money(b.arr)} ARR · {_renewal(b)} · scored as of {b.snapshot.as_of.isoformat()}",
        "",
        f"## Health {score(h.score)} ({h.classification.replace('_', ' ')})",
        "",
        f"Trend {h.trend.replace('_', ' ')}, trend priority {h.trend_priority}. In this segment green starts "
        f"at {h.green_min:g} and yellow at {h.yellow_min:g}.",
        "",
        "| Dimension | Score | Class | Previous | Trend | Weight |",
        "|---|---:|---|---:|---|---:|",
    ]
    for d in h.dimensions:
        prev = "—" if d.previous_score is None else f"{d.previous_score:g}"
        out.append(
            f"| {d.label} | {score(d.score)} | {d.classification.replace('_', ' ')} | {prev} | "
            f"{d.trend.replace('_', ' ')} | "
            f"{share(d.weight)} |"
        )
    if h.not_supplied:
        out += ["", f"Not on file, left out of the score: {esc(', '.join(h.not_supplied))}."]
    if h.previous_score_mismatch and h.previous_score_supplied is not None:
        note = (
            f"Data note: the file's previous overall {h.previous_score_supplied:g} disagrees with its own "
            f"previous dimension scores ({score(h.previous_score)}); the trend uses the dimensions."
        )
        out += ["", note]
    if h.recommendations:
        out += ["", "What to do:", *[f"- {r}" for r in h.recommendations]]
    out += [
        "",
        f"## Churn risk {c.risk_score:g} ({c.risk_tier})",
        "",
        f"Raw {c.raw_score:g} × {c.urgency_multiplier:g} renewal urgency. "
        + ", ".join(f"{k.replace('_', ' ')} {v:g}" for k, v in c.categories.items())
        + ".",
        "",
    ]
    if c.warning_signals:
        out += [
            "Warning signals:",
            *[f"- **{w.severity}**: {w.signal}" for w in c.warning_signals[:PAGE_WARNINGS]],
        ]
        more = len(c.warning_signals) - PAGE_WARNINGS
        out += [f"- and {more} more"] if more > 0 else []
    else:
        out.append("No warning signals in this period's data.")
    out += [
        "",
        f"Playbook: **{c.intervention}**, led by {c.owner}, first response within {c.respond_within_days} "
        f"days (cs://playbooks/{c.playbook_tier})"
        + (f", escalated from {c.risk_tier}: {esc('; '.join(c.escalated_by))}" if c.escalated_by else "")
        + ":",
        "",
    ]
    as_of = b.snapshot.as_of
    out += [f"{i}. {step}" for i, step in enumerate(c.playbook_steps, 1)]
    s = e.adoption_summary
    out += [
        "",
        f"## Expansion: weighted {_money(e.weighted_estimated_revenue)} (net "
        f"{_money(e.net_estimated_revenue)}, gross {_money(e.total_estimated_revenue)}) across "
        f"{e.opportunity_count} opportunities",
        "",
    ]
    if e.opportunities:
        out += ["| Opportunity | Estimated ARR | Effort | Priority |", "|---|---:|---|---:|"]
        out += [
            f"| {esc(o.rationale)} | {_money(o.estimated_revenue)} | {o.effort} | {o.priority_score:g} |"
            for o in e.opportunities[:PAGE_OPPORTUNITIES]
        ]
        out.append("")
    out += [
        f"Seat utilisation {'not known' if s.seat_utilisation is None else f'{s.seat_utilisation:g}%'} · "
        f"modules adopted {s.adopted_modules} of "
        f"{s.total_modules} ({s.adoption_rate:g}%) · plan tier {esc(s.current_tier or 'not recorded')} · "
        f"departments using the product {s.departments_covered}, named as potential "
        f"{s.departments_potential}.",
    ]
    if s.enablement_needed:
        out.append(f"Adopted but barely used (enablement first): {esc(', '.join(s.enablement_needed))}.")
    work = life.renewal_work_starts.isoformat() if life.renewal_work_starts else "not known (no end date)"
    out += [
        "",
        "## Lifecycle",
        "",
        f"Phase {life.phase or 'unknown (no contract dates)'} · renewal work starts {work} · reviewed every "
        f"{life.review_every_days} days ({esc(life.touch_model)}).",
        "",
        f"Inputs supplied: health {share(h.coverage)}, churn risk {share(c.coverage)}, "
        f"expansion {share(e.coverage)}.",
        "",
        "---",
        "",
        f"_Portfolio {esc(b.snapshot.portfolio)}, snapshot {b.snapshot.snapshot_id}, scored as of "
        f"{as_of.isoformat()}. Every figure comes from the scoring engine; `account_brief` with "
        "detail='full' gives every breakdown._",
    ]
    return "\n".join(out) + "\n"


__all__ = [
    "ACCOUNT_TEMPLATE",
    "OVERVIEW_TEMPLATE",
    "PROFILE_URI",
    "account_markdown",
    "document_contents",
    "document_uri",
    "register_resources",
]
