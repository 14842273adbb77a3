"""Several mapped exports -> one validated portfolio, joined on the account id.

Each file's mapped columns are read as contract values (`ingest.cells`); records are then joined on
their account id. An account present in some files gets the fields those files supply. Two files
giving different values for one field of one account reject that account, naming both files, rows
and values: nothing is resolved silently. (Names are the exception: a different spelling in another
system is noted and the first file's name kept, since the id, not the name, is the join key.)
Every account is accounted for: accepted + rejected = distinct ids + rows without a usable id.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np

from customer_success_mcp.ingest.cells import Parsed, parse_column, parse_text, shown
from customer_success_mcp.ingest.columns import (
    SECTION_RULES,
    TOP_RULES,
    FieldRule,
    Problems,
    derive_segments,
)
from customer_success_mcp.ingest.load import InputError
from customer_success_mcp.ingest.mapping import FileMapping, field_rule, is_ratio, normalise_header
from customer_success_mcp.ingest.report import DataNote, FieldProblem, LoadReport, Rejection
from customer_success_mcp.ingest.tabular import RawTable
from customer_success_mcp.scoring.profile import Profile, normalise_label
from customer_success_mcp.scoring.table import AccountTable

_ARRAY_KINDS = ("number", "integer", "flag", "date")


@dataclass
class MappedFile:
    raw: RawTable
    mapping: FileMapping


@dataclass
class _Column:
    """One file's values for one field."""

    file: int
    record_of: np.ndarray  # positions (records) of the supplied values
    header: str
    parsed: Parsed


class _Accounts:
    """The joined accounts: their ids, where each was first seen, and their problems."""

    def __init__(self) -> None:
        self.ids: list[str | None] = []
        self.first_seen: list[tuple[int, int]] = []  # (file, row)
        self.index: dict[str, int] = {}
        self.errors: dict[int, list[FieldProblem]] = defaultdict(list)
        self.notes: dict[int, list[tuple[str, str]]] = defaultdict(list)

    def add(self, cid: str | None, where: tuple[int, int]) -> int:
        self.ids.append(cid)
        self.first_seen.append(where)
        return len(self.ids) - 1

    def __len__(self) -> int:
        return len(self.ids)


def _date_questions(files: list[MappedFile], parsed: dict[tuple[int, str], _Column]) -> None:
    questions = [f"{files[c.file].raw.source}: {c.parsed.date_question}" for c in parsed.values()
                 if c.parsed.date_question]  # fmt: skip
    if questions:
        raise InputError(
            "; ".join(questions) + " (in a mapping file, or the date_order argument; "
            "`csm ... --mapping FILE` with date_order in it)"
        )


def _parse_files(files: list[MappedFile]) -> dict[tuple[int, str], _Column]:
    """Every mapped column of every file as contract values (identity fields apart)."""
    out: dict[tuple[int, str], _Column] = {}
    for f, mf in enumerate(files):
        for match in mf.mapping.columns:
            if match.field == "customer_id":
                continue  # read by _join_ids
            if match.field in ("name", "segment"):
                parsed = parse_text(mf.raw.columns[match.index])
            else:
                rule = field_rule(match.field)
                assert rule is not None
                percent = normalise_header(match.header).percent
                parsed = parse_column(mf.raw.columns[match.index], rule, match.header, percent_header=percent,
                                      ratio=is_ratio(match.field), date_order=mf.mapping.date_order)  # fmt: skip
            out[(f, match.field)] = _Column(f, np.arange(mf.raw.rows), match.header, parsed)
    return out


def _join_ids(files: list[MappedFile], accounts: _Accounts) -> list[np.ndarray]:
    """Each file's records -> account positions; rows without a usable id are accounts of their own."""
    positions = []
    for f, mf in enumerate(files):
        raw, match = mf.raw, mf.mapping.by_field().get("customer_id")
        if match is None:
            raise InputError(
                f"{raw.source}: no column holds the account id (headers: {', '.join(raw.headers[:12])}). "
                'Map one in a mapping file ([columns] "Your Header" = "customer_id") or the mapping argument.'
            )
        column, m = match
        cells = raw.columns[column].to_pylist()
        pos = np.empty(raw.rows, dtype=np.int64)
        seen: dict[str, list[int]] = {}
        for rec, cell in enumerate(cells):
            cid = cell.strip() if isinstance(cell, str) else ""
            where = (f, raw.row_of(rec))
            if not cid or not cid.isprintable():
                pos[rec] = a = accounts.add(None, where)
                reason = (
                    "is required and must be non-empty text"
                    if not cid
                    else "must not contain control characters"
                )
                accounts.errors[a].append(FieldProblem(field="customer_id", reason=reason, file=raw.source,
                                                       row=raw.row_of(rec), column=m.header))  # fmt: skip
                continue
            a = accounts.index.get(cid, -1)
            if a < 0:
                a = accounts.index[cid] = accounts.add(cid, where)
            pos[rec] = a
            seen.setdefault(cid, []).append(rec)
        for cid, recs in seen.items():
            if len(recs) > 1:
                rows = ", ".join(str(raw.row_of(r)) for r in recs)
                accounts.errors[accounts.index[cid]].append(
                    FieldProblem(field="customer_id", reason=f"{cid!r} appears more than once in {raw.source} "
                                 f"(rows {rows}); ids must be unique in each file", file=raw.source,
                                 row=raw.row_of(recs[1]), column=m.header)
                )  # fmt: skip
        for row, reason in raw.malformed:
            a = accounts.add(None, (f, row))
            accounts.errors[a].append(FieldProblem(field="(row)", reason=reason, file=raw.source, row=row))
        positions.append(pos)
    return positions


def _combine(
    path: str,
    columns: list[_Column],
    files: list[MappedFile],
    positions: list[np.ndarray],
    accounts: _Accounts,
) -> tuple[Any, np.ndarray]:
    """One field across files: values per account, with conflicts between files reported."""
    n = len(accounts)
    arrays = isinstance(columns[0].parsed.values, np.ndarray)
    values: Any = np.full(n, np.nan) if arrays else [None] * n
    have = np.zeros(n, dtype=bool)
    origin: dict[int, tuple[int, int]] = {}  # account -> (file, record) of the value kept
    for col in columns:
        raw = files[col.file].raw
        for rec, reason in col.parsed.problems:
            a = int(positions[col.file][rec])
            accounts.errors[a].append(FieldProblem(field=path, reason=reason, file=raw.source,
                                                   row=raw.row_of(rec), column=col.header))  # fmt: skip
        for rec, text in col.parsed.notes:
            accounts.notes[int(positions[col.file][rec])].append(
                (path, f"{_where(raw, rec, col.header)}{text}")
            )
        records = np.flatnonzero(col.parsed.present)
        accs = positions[col.file][records]
        if arrays:
            new = col.parsed.values[records]
            clash = have[accs] & (values[accs] != new)
            fresh = ~have[accs]
        else:
            new = [col.parsed.values[r] for r in records.tolist()]
            current = [values[a] for a in accs.tolist()]
            same = [_same(path, x, y) for x, y in zip(current, new, strict=True)]
            clash = have[accs] & ~np.array(same, dtype=bool)
            fresh = ~have[accs]
        for k in np.flatnonzero(clash).tolist():
            a, rec = int(accs[k]), int(records[k])
            _conflict(path, a, origin[a], (col.file, rec), col.header, files, accounts)
        for k in np.flatnonzero(fresh).tolist():
            origin.setdefault(int(accs[k]), (col.file, int(records[k])))
        if arrays:
            values[accs[fresh]] = new[fresh]
        else:
            for k in np.flatnonzero(fresh).tolist():
                values[int(accs[k])] = new[k]
        have[accs] = True
    return values, have


def _same(path: str, old: Any, new: Any) -> bool:
    if old is None or new is None:
        return True
    if path in ("name", "owner", "segment"):
        return bool(normalise_label(str(old)) == normalise_label(str(new)))
    return bool(old == new)


def _where(raw: RawTable, rec: int, header: str) -> str:
    return f'{raw.source} row {raw.row_of(rec)}, column "{header}": '


def _conflict(path: str, account: int, first: tuple[int, int], second: tuple[int, int], header: str,
              files: list[MappedFile], accounts: _Accounts) -> None:  # fmt: skip
    (f1, r1), (f2, r2) = first, second
    raw1, raw2 = files[f1].raw, files[f2].raw
    header1 = next(m.header for m in files[f1].mapping.columns if m.field == path)
    text1 = raw1.cell(next(m.index for m in files[f1].mapping.columns if m.field == path), r1)
    text2 = raw2.cell(next(m.index for m in files[f2].mapping.columns if m.field == path), r2)
    said = (f'{raw1.source} row {raw1.row_of(r1)} ("{header1}") says {shown(text1)}, '
            f'{raw2.source} row {raw2.row_of(r2)} ("{header}") says {shown(text2)}')  # fmt: skip
    if path == "name":
        accounts.notes[account].append((path, f"{said}; the first file's name is used"))
        return
    accounts.errors[account].append(FieldProblem(
        field=path, reason=f"the files disagree: {said}; correct one file (or leave one column out with "
        "'ignore' in the mapping) and load again", file=raw2.source, row=raw2.row_of(r2), column=header,
    ))  # fmt: skip


def _rules() -> list[FieldRule]:
    return [*TOP_RULES, *SECTION_RULES]


def join_files(files: list[MappedFile], profile: Profile) -> tuple[AccountTable, LoadReport]:
    """Validated accounts from mapped exports, and the report of every account read."""
    parsed = _parse_files(files)
    _date_questions(files, parsed)
    accounts = _Accounts()
    positions = _join_ids(files, accounts)
    n = len(accounts)
    by_field: dict[str, list[_Column]] = defaultdict(list)
    for (_, path), col in parsed.items():
        if path != "customer_id":
            by_field[path].append(col)
    combined: dict[str, tuple[Any, np.ndarray]] = {
        path: _combine(path, cols, files, positions, accounts) for path, cols in by_field.items()
    }
    names = combined.get("name", ([None] * n, np.zeros(n, dtype=bool)))[0]
    for a in range(n):
        if names[a] is None and accounts.ids[a] is not None:
            f, row = accounts.first_seen[a]
            accounts.errors[a].append(FieldProblem(
                field="name", reason="is required: no file gives this account a name (map a name column)",
                file=files[f].raw.source, row=row,
            ))  # fmt: skip
    segments_given = combined.get("segment", ([None] * n, np.zeros(n, dtype=bool)))[0]
    aliases = profile.segment_aliases()
    segments = [profile.default_segment] * n
    sources = ["default"] * n
    for a, text in enumerate(segments_given):
        if text is None:
            continue
        key = aliases.get(text) or aliases.get(normalise_label(text))
        if key is None:
            known = ", ".join(profile.segments)
            accounts.errors[a].append(FieldProblem(field="segment", reason=f"{shown(text)} is not a known segment "
                                                   f"({known})"))  # fmt: skip
        else:
            segments[a], sources[a] = key, "input"
    accepted = [a for a in range(n) if a not in accounts.errors]
    table = _table(accepted, accounts, combined, names, segments, sources, profile)
    return table, _report(accepted, accounts, n)


def _table(accepted: list[int], accounts: _Accounts, combined: dict[str, tuple[Any, np.ndarray]],
           names: list[Any], segments: list[str], sources: list[str], profile: Profile) -> AccountTable:  # fmt: skip
    keep = np.array(accepted, dtype=np.intp)
    size = len(accepted)
    values: dict[str, np.ndarray] = {}
    labels: dict[str, list[Any]] = {}
    present: dict[str, np.ndarray] = {}
    lists: dict[str, list[Any]] = {}
    for rule in _rules():
        got, have = combined.get(rule.path, (None, None))
        mask = np.zeros(size, dtype=bool) if have is None else have[keep]
        present[rule.path] = mask
        if rule.kind in _ARRAY_KINDS:
            col = np.full(size, np.nan) if got is None else np.asarray(got, dtype=float)[keep]
            if rule.fallback is not None and not mask.all():
                col = np.where(mask, col, float(rule.fallback))
            values[rule.path] = col
        elif rule.kind in ("tier_list", "text_list"):
            lists[rule.path] = [None] * size if got is None else [got[a] for a in accepted]
        else:
            picked = [None] * size if got is None else [got[a] for a in accepted]
            if rule.kind == "label":
                picked = [rule.fallback if v is None else v for v in picked]
            labels[rule.path] = picked
    modules = _modules(accepted, combined)
    present["product_usage"] = np.array([bool(m) for m in modules], dtype=bool)
    seg = [segments[a] for a in accepted]
    src = [sources[a] for a in accepted]
    found = Problems()
    derive_segments(np.where(present["arr"], values["arr"], np.nan), seg, src, profile, found)
    for i, items in found.notes.items():
        accounts.notes[accepted[i]].extend(items)
    records = [
        {"modules": m, "departments_current": c or [], "departments_potential": p or [], "available_tiers": t}
        for m, c, p, t in zip(modules, lists["departments.current"], lists["departments.potential"],
                              lists["contract.available_tiers"], strict=True)
    ]  # fmt: skip
    ids = [accounts.ids[a] or "" for a in accepted]
    return AccountTable(ids, [names[a] for a in accepted], seg, src, values, labels, present, records)


def _modules(accepted: list[int], combined: dict[str, tuple[Any, np.ndarray]]) -> list[dict[str, Any]]:
    """product_usage per account from `product_usage.<module>.adopted / usage_pct` columns."""
    out: list[dict[str, Any]] = [{} for _ in accepted]
    for path, (got, have) in combined.items():
        if not path.startswith("product_usage."):
            continue
        _, module, part = path.split(".")
        for i, a in enumerate(accepted):
            if have[a]:
                entry = out[i].setdefault(module, {"adopted": False, "usage_pct": 0.0})
                entry[part] = bool(got[a]) if part == "adopted" else float(got[a])
    return out


def _report(accepted: list[int], accounts: _Accounts, total: int) -> LoadReport:
    rejections = [Rejection(index=a, customer_id=accounts.ids[a], problems=problems)
                  for a, problems in sorted(accounts.errors.items())]  # fmt: skip
    notes = [DataNote(index=a, customer_id=accounts.ids[a], field=path, note=text)
             for a in accepted for path, text in accounts.notes.get(a, [])]  # fmt: skip
    return LoadReport(total=total, accepted=len(accepted), rejected=len(rejections), rejections=rejections,
                      notes=notes)  # fmt: skip
