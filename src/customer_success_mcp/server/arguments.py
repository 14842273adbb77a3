"""The tools' argument types and annotations: one description per argument, shared by the tools taking it.

The account filters take their descriptions from the query layer's `AccountFilter`, so `find_accounts`,
`export_accounts` and `csm find` describe a filter in the same words.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, ListRoots, Resolve
from mcp_types import ListRootsResult, ToolAnnotations
from pydantic import Field

from customer_success_mcp.query.models import AccountFilter
from customer_success_mcp.server.models import Detail

READ_ONLY = ToolAnnotations(
    read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False
)
DRAFTS = ToolAnnotations(  # writes only a new file, and only when save_to is given
    read_only_hint=False, destructive_hint=False, idempotent_hint=True, open_world_hint=False
)
WRITES_SNAPSHOT = ToolAnnotations(
    read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=False
)

PortfolioArg = Annotated[
    str | None,
    Field(description="Loaded portfolio name (default: the most recently loaded; see list_portfolios)"),
]
AccountsArg = Annotated[
    list[dict[str, Any]] | None,
    Field(
        description="Accounts in the reference format: each an object with customer_id and name, plus any of "
        "arr, segment, contract_end_date and the sections usage, engagement, support, relationship, "
        "previous_period, usage_decline, engagement_drop, support_issues, relationship_signals, "
        "commercial_factors, contract, product_usage, departments, outcomes",
    ),
]
MappingArg = Annotated[
    dict[str, str] | str | None,
    Field(
        description='Column mapping for CSV/Excel: {"Export header": "contract field"} (e.g. '
        '"usage.logins_30d", "ignore"), or the path of a TOML mapping file; overrides automatic and saved'
    ),
]
DateOrderArg = Annotated[
    Literal["MDY", "DMY"] | None,
    Field(description="Order of slash dates such as 03/04/2027 when the values cannot tell: MDY or DMY"),
]
DetailArg = Annotated[Detail, Field(description="'summary' (compact, default) or 'full' (every breakdown)")]
LimitArg = Annotated[int, Field(ge=1, le=100, description="Page size (max 100)")]
CursorArg = Annotated[str | None, Field(description="next_cursor from the previous page")]


def _about(name: str) -> str | None:
    """A filter's description, as the query layer's AccountFilter gives it (one source for tools and CLI)."""
    return AccountFilter.model_fields[name].description


# The account filters, shared by find_accounts and export_accounts (a test holds them to AccountFilter).
SegmentFilter = Annotated[str | None, Field(description=_about("segment"))]
HealthFilter = Annotated[str | None, Field(description=_about("health"))]
RiskTierFilter = Annotated[str | None, Field(description=_about("risk_tier"))]
RenewalWithinFilter = Annotated[int | None, Field(ge=0, description=_about("renewal_within_days"))]
MinArrFilter = Annotated[float | None, Field(ge=0, description=_about("min_arr"))]
HasExpansionFilter = Annotated[bool | None, Field(description=_about("has_expansion"))]
TextFilter = Annotated[str | None, Field(description=_about("text"))]
OwnerFilter = Annotated[str | None, Field(description=_about("owner"))]
TrendFilter = Annotated[str | None, Field(description=_about("trend"))]
MinHealthDropFilter = Annotated[float | None, Field(ge=0, description=_about("min_health_drop"))]
CoverageBelowFilter = Annotated[float | None, Field(ge=0, le=1, description=_about("coverage_below"))]
ContractStatusFilter = Annotated[str | None, Field(description=_about("contract_status"))]
ThinDataFilter = Annotated[bool | None, Field(description=_about("thin_data"))]


def client_roots(ctx: Context) -> ListRoots | None:
    """Ask for the client's roots when it offers them: they narrow the configured directories (never widen
    them), or are the allowed directories when none is configured (server/files.py)."""
    caps = ctx.client_capabilities
    if caps is None or caps.roots is None:
        return None
    return ListRoots()


RootsArg = Annotated[ListRootsResult | None, Resolve(client_roots)]
AccountArg = Annotated[str, Field(description="Account id, or name (case-insensitive)")]
SaveToArg = Annotated[
    str | None, Field(description="Also write it to this new file (.md, or per format) in an allowed dir")
]
AudienceArg = Annotated[Literal["customer", "internal"], Field(description="internal: the CSM's prep brief")]
