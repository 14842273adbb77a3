"""Column mapping: which header of an export feeds which field of the data contract.

Headers are compared in a normalised form (case, spacing, punctuation and currency units ignored,
"%" noted, time windows such as "(30d)" kept because they change the meaning) against one table of
synonyms per contract field. An exact normalised match is proposed with high confidence, a close
spelling with less; a header whose meaning differs from every field is left unmapped and said so.
An explicit mapping (a dict, or a TOML file) overrides everything; a mapping that worked is saved
per source by the caller and passed back in as `saved`.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from customer_success_mcp.ingest.columns import MODULE_RULES, SECTION_RULES, TOP_RULES, FieldRule
from customer_success_mcp.ingest.contract import is_scored
from customer_success_mcp.ingest.errors import InputError
from customer_success_mcp.ingest.report import ColumnMatch

DateOrder = Literal["MDY", "DMY"]
IDENTITY = ("customer_id", "name", "segment")
IGNORE = "ignore"  # the mapping target that leaves a column out on purpose
EXACT, CLOSE, FUZZY_CUTOFF = 0.95, 0.7, 0.88

# Per contract field, the headers exports use for it, in normalised form (see `normalise_header`), one
# field per line ("field: header | header", continued on indented lines). After "~" come close synonyms:
# nearly the same meaning, proposed with lower confidence and a note. The field's own name and its
# section.field path are added automatically.
_SYNONYM_TABLE = """
customer_id: account id | acct id | customer id | cust id | account number | acct number | account no
    | company id | client id | org id | organization id | organisation id | crm id | salesforce id | sfdc id
    | account key | id
name: account name | account | company | company name | customer | customer name | client | client name
    | organization | organisation | organization name | org name
segment: segment | tier | customer segment | account segment | market segment | customer tier | account tier
owner: csm | account owner | owner | csm name | customer success manager | success manager | assigned csm
    | csm owner ~ account manager
arr: arr | annual recurring revenue | current arr | arr amount | total arr
contract_start_date: contract start | contract start date | start date | subscription start
    | subscription start date | term start | term start date
contract_end_date: renewal date | contract end | contract end date | end date | renewal | next renewal
    | next renewal date | subscription end | subscription end date | term end | term end date | expiry date
    | expiration date
usage.login_frequency: login frequency | login rate | logins vs expected
usage.feature_adoption: feature adoption | adoption | adoption rate | feature adoption rate
usage.dau_mau_ratio: dau mau | dau mau ratio | dau to mau | stickiness
usage.logins_30d: logins 30d | login count 30d | logins in 30d | total logins 30d
engagement.support_ticket_volume: ticket volume | support ticket volume | tickets | support tickets
    | tickets raised | tickets 30d | tickets 90d | ticket volume 30d | ticket volume 90d | tickets created
engagement.meeting_attendance: meeting attendance | meetings attended | attendance rate
    | meeting attendance rate
engagement.nps_score: nps | nps score | net promoter score | likelihood to recommend | nps rating
engagement.csat_score: csat | csat score | customer satisfaction | satisfaction score | csat rating | avg csat
    | average csat
support.open_tickets: open tickets | open ticket count | tickets open | open cases | open support tickets
support.escalation_rate: escalation rate | escalated
support.avg_resolution_hours: avg resolution hours | average resolution hours | avg resolution time hours
    | average resolution time hours | mean time to resolve hours | resolution time hours
    | avg time to resolve hours | mttr hours ~ avg resolution time | average resolution time
relationship.executive_sponsor_engagement: executive sponsor engagement | exec sponsor engagement
    | sponsor engagement
relationship.multi_threading_depth: multi threading depth | multithreading depth | contacts engaged
    | engaged contacts | stakeholders engaged
relationship.renewal_sentiment: renewal sentiment | sentiment | customer sentiment
support_issues.open_escalations: open escalations | escalations open | active escalations | escalations
support_issues.unresolved_critical: unresolved critical | unresolved critical tickets | open critical tickets
    | critical tickets open
support_issues.satisfaction_trend: satisfaction trend | csat trend
relationship_signals.champion_left: champion left | champion departed | lost champion
relationship_signals.sponsor_change: sponsor change | sponsor changed | exec sponsor change
    | executive sponsor change | executive sponsor changed
relationship_signals.competitor_mentions: competitor mentions | competitors mentioned | competitive mentions
commercial_factors.contract_type: contract type | contract term | term type
commercial_factors.pricing_complaints: pricing complaints | price complaints | pricing complaint
commercial_factors.budget_cuts_mentioned: budget cuts mentioned | budget cuts | budget cut
contract.licensed_seats: licensed seats | seats | licenses | licences | seats purchased | purchased seats
    | paid seats | license count | seat count
contract.active_seats: active seats | seats used | seats in use | used seats | active licenses
    | active licences ~ active users
contract.plan_tier: plan | plan tier | plan name | edition | subscription plan | product tier
contract.available_tiers: upgrade options | available plans | upgrade tiers
usage_decline.login_trend: login trend | login change | logins change | change in logins
usage_decline.feature_adoption_change: feature adoption change | adoption change
engagement_drop.meeting_cancellations: meeting cancellations | meetings cancelled | meetings canceled
    | cancelled meetings | canceled meetings
engagement_drop.response_time_days: response time days | days to respond | reply time days
engagement_drop.nps_change: nps change | change in nps | nps delta
outcomes.goals_met_pct: goals met | success plan goals met
outcomes.time_to_value_days: time to value days | ttv days | days to value
departments.current: departments | current departments | departments using | teams using
departments.potential: potential departments | expansion departments | departments not using
"""
_PREVIOUS = {"usage": "usage", "engagement": "engagement", "support": "support",
             "relationship": "relationship", "outcomes": "outcomes",
             "overall": "health | overall"}  # fmt: skip


def _synonym_table() -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """The table above as field -> (synonyms, close synonyms); last period's scores by rule."""
    text = _SYNONYM_TABLE.replace("\n    |", " |")
    for dim, labels in _PREVIOUS.items():
        names = [f"{when} {label.strip()} score" for when in ("previous", "prior", "last period")
                 for label in labels.split("|")]  # fmt: skip
        text += f"previous_period.{dim}_score: {' | '.join(names)}\n"
    table = {}
    for line in filter(None, text.splitlines()):
        path, _, rest = line.partition(":")
        exact, _, close = rest.partition("~")
        table[path.strip()] = (tuple(h.strip() for h in exact.split("|") if h.strip()),
                               tuple(h.strip() for h in close.split("|") if h.strip()))  # fmt: skip
    return table


SYNONYMS = _synonym_table()
CLOSE_NOTES = {
    "account manager": "an account manager is often, not always, the CSM",
    "active users": "read as seats in use; active users over a period can differ from assigned seats",
    "avg resolution time": "no unit in the header: read as hours",
    "average resolution time": "no unit in the header: read as hours",
}

AMBIGUOUS_LEAVES = ("previous_period.", "departments.")
RULES: dict[str, FieldRule] = {r.path: r for r in (*TOP_RULES, *SECTION_RULES)}
FIELDS: tuple[str, ...] = (*IDENTITY, *RULES)
_MODULE_PATH = re.compile(r"^product_usage\.([^.]+)\.(adopted|usage_pct)$")


def field_rule(path: str) -> FieldRule | None:
    """The contract rule of a mappable field (None for the identity fields, checked on their own)."""
    rule = RULES.get(path)
    if rule is None and (match := _MODULE_PATH.match(path)):
        base = MODULE_RULES[match.group(2)]
        return FieldRule(path, "product_usage", base.name, base.kind, base.low, base.high, base.fallback)
    return rule


# --------------------------------------------------------------------------- headers

_CURRENCY = re.compile(r"[$€£¥]|\b(?:usd|eur|gbp|cad|aud|in usd|in eur)\b")
_PERCENT = re.compile(r"%|\b(?:pct|percent|percentage)\b")
_WINDOW = re.compile(r"\b(?:last |past )?(\d+)\s*(?:d|day|days)\b")
_HOURS = re.compile(r"\b(?:hrs|hr|h|hours)\b")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_LEADING_COUNT = re.compile(r"^(?:number of|no of|num of|count of|# of|#)\s*")


@dataclass(frozen=True)
class Header:
    """A header in comparable form: its words, and whether it says its values are percentages."""

    key: str
    percent: bool


MAX_CACHED_HEADER = 200  # characters: a longer header is normalised each time, never kept


def normalise_header(text: str) -> Header:
    """'ARR (USD)' -> 'arr'; 'Logins (last 30 days)' -> 'logins 30d'; 'Escalation %' -> 'escalation' (%).
    Remembered per process (a load asks about each header three or four times), headers of a sensible
    length only: a server keeps what it remembers, whatever an export's first row holds."""
    return _remembered_header(text) if len(text) <= MAX_CACHED_HEADER else _header(text)


@functools.lru_cache(maxsize=4096)
def _remembered_header(text: str) -> Header:
    return _header(text)


def _header(text: str) -> Header:
    text = unicodedata.normalize("NFKC", text)
    text = _CAMEL.sub(" ", text).casefold().replace("_", " ").strip()
    text = _LEADING_COUNT.sub("", text)
    text = text.replace("#", " number ").replace("/", " ")
    percent = bool(_PERCENT.search(text))
    text = _PERCENT.sub(" ", text)
    text = _CURRENCY.sub(" ", text)
    text = re.sub(r"[^\w\s]", " ", text)
    text = _WINDOW.sub(lambda m: f" {m.group(1)}d ", text)
    text = _HOURS.sub(" hours ", text)
    return Header(" ".join(text.split()), percent)


def _synonym_index() -> dict[str, tuple[str, float]]:
    """Normalised header -> (field, confidence); a header claimed by two fields is a bug in the table."""
    index: dict[str, tuple[str, float]] = {}

    def add(text: str, path: str, confidence: float) -> None:
        key = normalise_header(text).key
        if key in index and index[key][0] != path:
            raise AssertionError(f"header {key!r} is a synonym of both {index[key][0]} and {path}")
        index.setdefault(key, (path, confidence))

    for path, (exact, close) in SYNONYMS.items():
        for text in exact:
            add(text, path, EXACT)
        for text in close:
            add(text, path, CLOSE)
    for path in FIELDS:
        add(path, path, EXACT)
        if not path.startswith(AMBIGUOUS_LEAVES):  # "usage_score" alone could be this period's
            add(path.rpartition(".")[2], path, EXACT)
    return index


SYNONYM_INDEX = _synonym_index()


def accepts_percent(path: str) -> bool:
    """Fields whose values are percentages or ratios, where a '%' header keeps its meaning."""
    rule = field_rule(path)
    if rule is None:
        return False
    return (rule.high in (1, 100) and rule.low in (0, -1, -100)) or rule.name in (
        "login_trend",
        "kpi_improvement_pct",
    )


def is_ratio(path: str) -> bool:
    """0-1 fields, where '45%' means 0.45."""
    rule = field_rule(path)
    return rule is not None and rule.high == 1


# --------------------------------------------------------------------------- explicit mappings


@dataclass
class MappingSpec:
    """An explicit mapping: header -> field (or 'ignore'), the slash-date order, per-file overrides."""

    columns: dict[str, str] = field(default_factory=dict)
    date_order: DateOrder | None = None
    files: dict[str, MappingSpec] = field(default_factory=dict)

    def for_file(self, source: str) -> MappingSpec:
        """This file's mapping: its own section (by file name) over the shared one."""
        own = self.files.get(source) or self.files.get(source.rsplit("/", 1)[-1])
        if own is None:
            return self
        return MappingSpec({**self.columns, **own.columns}, own.date_order or self.date_order)


def resolve_field(target: str, where: str) -> str:
    """A mapping target as a contract path: a full path, a unique field name, or 'ignore'."""
    text = target.strip()
    if text.casefold() in (IGNORE, ""):
        return IGNORE
    if text in FIELDS or _MODULE_PATH.match(text):
        return text
    leaf = [p for p in FIELDS if p.rpartition(".")[2] == text]
    if len(leaf) == 1:
        return leaf[0]
    hint = difflib.get_close_matches(
        text, [*FIELDS, *(p.rpartition(".")[2] for p in FIELDS)], n=3, cutoff=0.6
    )
    suggestion = f" Did you mean {', '.join(hint)}?" if hint else ""
    raise InputError(
        f"{where}: {target!r} is not a contract field.{suggestion} Use a field path such as "
        "usage.login_frequency (the README's input format lists them), or 'ignore' to leave the column out."
    )


def parse_date_order(value: Any, where: str) -> DateOrder | None:
    if value is None:
        return None
    text = str(value).strip().upper().replace("/", "").replace("-", "")
    if text in ("MDY", "DMY"):
        return text  # type: ignore[return-value]
    raise InputError(f'{where}: date_order must be "MDY" (month first) or "DMY" (day first), got {value!r}')


def _columns(table: Any, where: str) -> dict[str, str]:
    if not isinstance(table, Mapping):
        raise InputError(f'{where}: expected a table of "Header" = "field" pairs')
    out = {}
    for header, target in table.items():
        if not isinstance(target, str):
            raise InputError(f"{where}: the field for {header!r} must be text, got {target!r}")
        out[str(header)] = resolve_field(target, f"{where} {header!r}")
    return out


def mapping_from_data(data: Mapping[str, Any], where: str = "mapping") -> MappingSpec:
    """A mapping from a parsed TOML document, or from a plain dict of header -> field."""
    known = {"columns", "date_order", "files"}
    if not set(data) & known:  # a plain {"Acct Id": "customer_id"} dict
        return MappingSpec(_columns(data, where))
    unknown = set(data) - known
    if unknown:
        raise InputError(
            f"{where}: unknown keys {', '.join(sorted(unknown))}; use columns, date_order and files"
        )
    files = {}
    for name, section in (data.get("files") or {}).items():
        if not isinstance(section, Mapping):
            raise InputError(f"{where}: files.{name} must be a table with columns and date_order")
        columns = _columns(section.get("columns", {}), f"{where} files.{name}.columns")
        order = parse_date_order(section.get("date_order"), f"{where} files.{name}")
        files[name] = MappingSpec(columns, order)
    return MappingSpec(
        _columns(data.get("columns", {}), f"{where} columns"),
        parse_date_order(data.get("date_order"), where),
        files,
    )


def mapping_from_toml(text: str, where: str) -> MappingSpec:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{where}: not valid TOML: {exc}") from None
    return mapping_from_data(data, where)


# --------------------------------------------------------------------------- proposing


def source_key(headers: list[str]) -> str:
    """A stable key for 'the same export again': its normalised headers, in any order."""
    keys = sorted(normalise_header(h).key for h in headers)
    return "headers:" + hashlib.sha256("\n".join(keys).encode()).hexdigest()[:16]


@dataclass
class FileMapping:
    """The mapping chosen for one file, column by column, with what was left over."""

    columns: list[ColumnMatch]
    unmapped: list[str]
    not_found: list[str]
    date_order: DateOrder | None
    key: str
    reused: bool
    hints: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def by_field(self) -> dict[str, tuple[int, ColumnMatch]]:
        return {m.field: (m.index, m) for m in self.columns}


KEY_FIELDS = ("customer_id", "name", "arr", "contract_end_date")


def _proposal(header: str) -> tuple[str, float, str, str | None] | str | None:
    """(field, confidence, origin, note) for a header from the synonym table; a reason when a field looks
    close but means something else; None when nothing fits."""
    if _MODULE_PATH.match(header.strip()):
        return header.strip(), EXACT, "synonym", None
    norm = normalise_header(header)
    if not norm.key:
        return None
    hit = SYNONYM_INDEX.get(norm.key)
    origin = "synonym"
    note: str | None
    if hit is None:
        close = difflib.get_close_matches(norm.key, list(SYNONYM_INDEX), n=1, cutoff=FUZZY_CUTOFF)
        if not close:
            return None
        path, _ = SYNONYM_INDEX[close[0]]
        ratio = difflib.SequenceMatcher(None, norm.key, close[0]).ratio()
        hit, origin = (path, round(min(0.85, ratio * 0.9), 2)), "similar"
        note = f"spelled like {close[0]!r}; check it"
    else:
        note = CLOSE_NOTES.get(norm.key)
    path, confidence = hit
    if norm.percent and not accepts_percent(path):  # "CSAT %" is a share of happy replies, not the 0-5 rating
        return f"{header!r} holds percentages and {path} does not; not mapped (map it explicitly if it fits)"
    if norm.percent and is_ratio(path):
        note = "values are percentages: 45 is read as 0.45"
    return path, confidence, origin, note


def propose_mapping(
    source: str, headers: list[str], spec: MappingSpec | None = None, saved: Mapping[str, Any] | None = None
) -> FileMapping:
    """The mapping for one file: explicit entries first, then a saved mapping, then the synonym table."""
    spec = (spec or MappingSpec()).for_file(source)
    explicit = {normalise_header(h).key: f for h, f in spec.columns.items()}
    explicit.update(spec.columns)
    remembered = {str(h): str(f) for h, f in ((saved or {}).get("columns") or {}).items()}
    chosen: dict[str, ColumnMatch] = {}
    ignored: list[str] = []
    hints: list[str] = []
    took_saved = False
    for index, header in enumerate(headers):
        target = explicit.get(header) or explicit.get(normalise_header(header).key)
        if target is not None:
            if target == IGNORE:
                ignored.append(header)
                continue
            candidate = ColumnMatch(
                index=index, header=header, field=target, confidence=1.0, origin="explicit"
            )
        elif header in remembered:
            took_saved = True
            if remembered[header] == IGNORE:
                ignored.append(header)
                continue
            candidate = ColumnMatch(index=index, header=header, field=remembered[header], confidence=1.0,
                                    origin="saved")  # fmt: skip
        else:
            found = _proposal(header)
            if isinstance(found, str):
                hints.append(found)
            if found is None or isinstance(found, str):
                continue
            path, confidence, origin, note = found
            candidate = ColumnMatch(index=index, header=header, field=path, confidence=confidence,
                                    origin=origin, note=note)  # fmt: skip
        if not is_scored(candidate.field):
            extra = "kept and shown, not scored"
            candidate.note = f"{candidate.note}; {extra}" if candidate.note else extra
        current = chosen.get(candidate.field)
        if current is None or candidate.confidence > current.confidence:  # one column per field
            chosen[candidate.field] = candidate
    used = {m.index for m in chosen.values()}
    unmapped = [h for i, h in enumerate(headers) if i not in used and h not in ignored]
    columns = sorted(chosen.values(), key=lambda m: m.index)
    not_found = [f for f in KEY_FIELDS if f not in chosen]
    date_order = spec.date_order or parse_date_order((saved or {}).get("date_order"), "saved mapping")
    reused = took_saved or bool(saved and not spec.date_order and date_order)
    return FileMapping(columns, unmapped, not_found, date_order, source_key(headers), reused, hints, ignored)
