"""CSV and Excel exports in: messy files built here, read, mapped, checked and joined on the account id.

Expected values are worked out by hand from the cells written in each test.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import numpy as np
import pytest
from openpyxl import Workbook

from customer_success_mcp.generate import example_portfolio
from customer_success_mcp.generate.exports import write_exports
from customer_success_mcp.ingest import mapping as ingest_mapping
from customer_success_mcp.ingest.load import InputError, load_bytes, load_records
from customer_success_mcp.ingest.mapping import mapping_from_data, mapping_from_toml, normalise_header
from customer_success_mcp.ingest.sources import inspect_sources, load_sources
from customer_success_mcp.pipeline import score_loaded
from customer_success_mcp.scoring.default_profiles import DEFAULT_PROFILE, FIVE_DIMENSION_PROFILE

AS_OF = dt.date(2026, 11, 23)


def csv_bytes(rows: list[list[str]], delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    """Rows written as an export would: fields quoted only where they must be."""
    lines = []
    for row in rows:
        cells = [f'"{c}"' if (delimiter in c or '"' in c or "\n" in c) else c for c in row]
        lines.append(delimiter.join(cells))
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(rows: list[list[Any]], formats: dict[int, str] | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=c, value=value)
            if formats and r > 1 and c in formats:
                cell.number_format = formats[c]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def load(*sources: tuple[str, bytes], mapping: dict[str, Any] | None = None, profile=DEFAULT_PROFILE):
    spec = mapping_from_data(mapping) if mapping is not None else None
    return load_sources(list(sources), profile, spec=spec)


def problems_of(loaded, customer_id: str | None) -> list[Any]:
    return [p for r in loaded.report.rejections if r.customer_id == customer_id for p in r.problems]


CRM = [
    ["Acct Id", "Company", "ARR (USD)", "Renewal Date", "Tier", "Account Owner", "Internal Notes"],
    ["A-1", "Acme, Inc.", "$120,000", "03/25/2027", "Enterprise", "Dana Whitfield", "call back, Monday"],
    ["A-2", "Beta LLC", "45,500.50", "04/01/2027", "", "marco ruiz", ""],
    ["A-3", "Gamma", "$8,000", "2027-02-30", "SMB", "", ""],
]
PRODUCT = [
    ["account_id", "Logins (30d)", "Feature Adoption %", "DAU/MAU", "Active Seats"],
    ["A-1", "1,204", "45%", "35%", "80"],
    ["A-2", "310", "72.5", "0.21", "12"],
]


def support_xlsx(arr_for_a1: float = 120_000) -> bytes:
    return xlsx_bytes(
        [
            ["Account ID", "Open Tickets", "CSAT", "Escalation Rate", "Contract End", "ARR"],
            ["A-1", 3, 4.5, 0.12, dt.datetime(2027, 3, 25), arr_for_a1],
            ["A-2", 0, 5, 0.05, dt.datetime(2027, 4, 1), 45_500.5],
        ],
        formats={4: "0%"},
    )


# --------------------------------------------------------------------------- three sources joined


def test_three_sources_with_their_own_headers_join_on_the_account_id() -> None:
    loaded = load(
        ("crm.csv", csv_bytes(CRM)),
        ("product.csv", csv_bytes(PRODUCT, ";", "cp1252")),
        ("support.xlsx", support_xlsx()),
    )
    report = loaded.report
    assert (report.total, report.accepted, report.rejected) == (3, 2, 1)  # A-3's 30 February is rejected
    t = loaded.table
    assert t.ids == ["A-1", "A-2"]
    assert t.names == ["Acme, Inc.", "Beta LLC"]  # a quoted comma stays inside the name
    assert t.values["arr"].tolist() == [120_000.0, 45_500.5]  # "$120,000" and "45,500.50"
    assert t.segments == ["enterprise", "mid-market"]  # given, then derived from 45,500.5 of ARR
    assert t.segment_source == ["input", "arr"]
    assert t.labels["owner"] == ["Dana Whitfield", "marco ruiz"]
    assert t.values["usage.logins_30d"].tolist() == [
        1204.0,
        310.0,
    ]  # a count, kept apart from login_frequency
    assert not t.present["usage.login_frequency"].any()
    assert t.values["usage.feature_adoption"].tolist() == [45.0, 72.5]  # "45%" of a 0-100 field is 45
    assert t.values["usage.dau_mau_ratio"].tolist() == [0.35, 0.21]  # "35%" of a 0-1 field is 0.35
    assert t.values["support.escalation_rate"].tolist() == [0.12, 0.05]  # Excel percent cells
    assert t.values["engagement.csat_score"].tolist() == [4.5, 5.0]
    assert t.values["support.open_tickets"].tolist() == [3.0, 0.0]
    # Both files give the renewal date (03/25/2027 in one, an Excel date in the other): they agree.
    assert [dt.date.fromordinal(int(d)) for d in t.values["contract_end_date"]] == [
        dt.date(2027, 3, 25),
        dt.date(2027, 4, 1),
    ]
    [bad] = problems_of(loaded, "A-3")
    assert (bad.field, bad.file, bad.row, bad.column) == ("contract_end_date", "crm.csv", 4, "Renewal Date")
    assert "'2027-02-30'" in bad.reason


def test_an_account_in_only_some_files_gets_only_their_fields() -> None:
    loaded = load(("crm.csv", csv_bytes(CRM[:3])), ("product.csv", csv_bytes(PRODUCT[:2])))
    t = loaded.table
    assert t.ids == ["A-1", "A-2"]
    assert t.present["usage.feature_adoption"].tolist() == [True, False]
    assert t.values["usage.feature_adoption"].tolist() == [
        45.0,
        0.0,
    ]  # the contract's fallback, not given


def test_conflicting_values_reject_the_account_naming_both_files_and_values() -> None:
    loaded = load(("crm.csv", csv_bytes(CRM[:3])), ("support.xlsx", support_xlsx(arr_for_a1=125_000)))
    assert (loaded.report.total, loaded.report.accepted, loaded.report.rejected) == (2, 1, 1)
    [conflict] = problems_of(loaded, "A-1")
    assert conflict.field == "arr"
    assert "crm.csv row 2" in conflict.reason and "'$120,000'" in conflict.reason
    assert "support.xlsx row 2" in conflict.reason and "125000" in conflict.reason
    assert loaded.table.ids == ["A-2"]


def test_a_different_spelling_of_the_name_is_noted_not_rejected() -> None:
    crm = [["Account ID", "Account Name", "ARR"], ["A-1", "Acme Inc", "1000"]]
    product = [["Account ID", "Company", "NPS"], ["A-1", "ACME Incorporated", "9"]]
    loaded = load(("crm.csv", csv_bytes(crm)), ("product.csv", csv_bytes(product)))
    assert loaded.report.accepted == 1
    assert loaded.table.names == ["Acme Inc"]
    [note] = loaded.report.notes
    assert note.field == "name" and "ACME Incorporated" in note.note and "first file's name" in note.note


def test_every_row_is_accounted_for() -> None:
    crm = [
        ["Account ID", "Name", "ARR"],
        ["A-1", "One", "100"],
        ["", "No id", "200"],
        ["A-2", "Two", "300"],
        ["A-2", "Two again", "300"],
        ["A-3", "Three", "400", "extra cell"],
    ]
    loaded = load(("crm.csv", csv_bytes(crm)))
    report = loaded.report
    # A-1, the row without an id, A-2 (twice: rejected once, as one id), and the malformed row.
    assert report.total == 4
    assert report.accepted + report.rejected == report.total
    assert loaded.table.ids == ["A-1"]
    [dup] = problems_of(loaded, "A-2")
    assert "rows 4, 5" in dup.reason
    no_id = [p for r in report.rejections if r.customer_id is None for p in r.problems]
    assert {(p.field, p.row) for p in no_id} == {("customer_id", 3), ("(row)", 6)}


# --------------------------------------------------------------------------- headers


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Account ID", "customer_id"), ("Acct Id", "customer_id"), ("account_id", "customer_id"),
        ("AccountId", "customer_id"), ("Account Name", "name"), ("Company", "name"), ("ARR", "arr"),
        ("ARR (USD)", "arr"), ("Annual Recurring Revenue", "arr"), ("Renewal Date", "contract_end_date"),
        ("Contract End", "contract_end_date"), ("Segment", "segment"), ("Tier", "segment"), ("CSM", "owner"),
        ("Account Owner", "owner"), ("NPS", "engagement.nps_score"), ("CSAT", "engagement.csat_score"),
        ("Open Tickets", "support.open_tickets"), ("# Open Tickets", "support.open_tickets"),
        ("Logins (30d)", "usage.logins_30d"), ("Logins (last 30 days)", "usage.logins_30d"),
        ("usage.login_frequency", "usage.login_frequency"),
        ("Avg Resolution Time (hrs)", "support.avg_resolution_hours"),
    ],
)  # fmt: skip
def test_common_headers_map_without_help(header: str, field: str) -> None:
    headers = [header] if field == "customer_id" else ["Account ID", header]
    [found] = inspect_sources([("x.csv", csv_bytes([headers, ["A-1", "1"][: len(headers)]]))])
    mapped = {m.header: m.field for m in found.columns}
    assert mapped[header] == field
    assert next(m for m in found.columns if m.header == header).confidence >= 0.9


def test_normalised_headers_ignore_case_spacing_punctuation_and_currency_but_keep_windows() -> None:
    assert normalise_header("  ARR  (USD) ").key == normalise_header("arr").key
    assert normalise_header("Logins (30d)").key == normalise_header("logins_last_30_days").key
    assert normalise_header("Logins (30d)").key != normalise_header("Logins (90d)").key
    assert normalise_header("Escalation Rate (%)").percent


def test_a_header_is_remembered_once_normalised_unless_it_is_long() -> None:
    # A server process keeps what it remembers: an export's first row could hold a header of any length.
    remembered = ingest_mapping._remembered_header
    remembered.cache_clear()
    assert normalise_header("ARR (USD)") == normalise_header("ARR (USD)")
    assert (remembered.cache_info().hits, remembered.cache_info().currsize) == (1, 1)
    long = "Renewal " * 30
    assert len(long) > ingest_mapping.MAX_CACHED_HEADER
    assert normalise_header(long).key == " ".join(["renewal"] * 30)
    assert remembered.cache_info().currsize == 1


def test_an_unmapped_column_is_reported_and_a_misspelling_is_proposed_with_lower_confidence() -> None:
    [found] = inspect_sources([("crm.csv", csv_bytes([["Account ID", "Internal Notes", "Renewl Date"],
                                                      ["A-1", "x", "2027-01-05"]]))])  # fmt: skip
    assert found.unmapped == ["Internal Notes"]
    [guess] = [m for m in found.columns if m.header == "Renewl Date"]
    assert guess.field == "contract_end_date" and guess.origin == "similar" and guess.confidence < 0.9
    assert "name" in found.not_found and "arr" in found.not_found


def test_a_percentage_header_is_not_forced_onto_a_rating() -> None:
    # "CSAT %" is a share of satisfied replies; csat_score is a 0-5 rating: never mapped onto it.
    [found] = inspect_sources([("s.csv", csv_bytes([["Account ID", "CSAT %"], ["A-1", "92"]]))])
    assert "CSAT %" in found.unmapped
    assert any("CSAT %" in hint for hint in found.hints)


def test_an_explicit_mapping_overrides_and_can_ignore_a_column() -> None:
    rows = [["Ref", "Client", "Revenue", "Tier"], ["A-1", "Acme", "5000", "Professional"]]
    mapping = {"Ref": "customer_id", "Client": "name", "Revenue": "arr", "Tier": "plan_tier"}
    loaded = load(("x.csv", csv_bytes(rows)), mapping=mapping)
    t = loaded.table
    assert (t.ids, t.names, t.values["arr"].tolist()) == (["A-1"], ["Acme"], [5000.0])
    assert t.labels["contract.plan_tier"] == ["professional"]  # "Tier" here is the plan, not the segment
    ignored = load(
        ("x.csv", csv_bytes(rows)), mapping={"Ref": "customer_id", "Client": "name", "Tier": "ignore"}
    )
    assert ignored.imports[0].ignored == ["Tier"]
    assert ignored.table.segment_source == ["default"]


def test_a_mapping_file_with_per_file_sections() -> None:
    spec = mapping_from_toml(
        'date_order = "DMY"\n[columns]\n"Ref" = "customer_id"\n[files."b.csv".columns]\n"Ref" = "ignore"\n'
        '"Key" = "customer_id"\n',
        "map.toml",
    )
    assert spec.for_file("a.csv").columns == {"Ref": "customer_id"}
    assert spec.for_file("b.csv").columns == {"Ref": "ignore", "Key": "customer_id"}
    assert spec.for_file("b.csv").date_order == "DMY"
    with pytest.raises(InputError, match=r"login_frequncy.*not a contract field.*login_frequency"):
        mapping_from_toml('[columns]\n"X" = "login_frequncy"\n', "map.toml")


def test_the_readme_mapping_example_reads_as_documented() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0] for b in readme.split("```toml\n")[1:]]
    (example,) = [b for b in blocks if "[columns]" in b]
    spec = mapping_from_toml(example, "README")
    assert spec.date_order == "DMY"
    assert spec.columns == {
        "Acct Ref": "customer_id",
        "Logins (30d)": "usage.logins_30d",
        "Internal Notes": "ignore",
    }
    assert spec.for_file("survey.csv").columns["Name"] == "ignore"


# --------------------------------------------------------------------------- dates


def dates_of(cells: list[str], mapping: dict[str, Any] | None = None) -> list[Any]:
    rows = [["Account ID", "Name", "Renewal Date"]] + [[f"A-{i}", f"N{i}", c] for i, c in enumerate(cells)]
    loaded = load(("d.csv", csv_bytes(rows)), mapping=mapping)
    got = loaded.table.values["contract_end_date"]
    return [None if np.isnan(v) else dt.date.fromordinal(int(v)) for v in got]


def test_dates_in_every_common_form() -> None:
    assert dates_of(["2027-03-04", "04.03.2027", "46450", "2027-03-04T10:00:00"]) == [dt.date(2027, 3, 4)] * 4


def test_slash_dates_take_their_order_from_the_values() -> None:
    assert dates_of(["03/25/2027", "04/01/2027"]) == [
        dt.date(2027, 3, 25),
        dt.date(2027, 4, 1),
    ]  # month first
    assert dates_of(["25/03/2027", "04/01/2027"]) == [dt.date(2027, 3, 25), dt.date(2027, 1, 4)]  # day first


def test_an_ambiguous_date_order_is_asked_about_not_guessed() -> None:
    rows = [
        ["Account ID", "Name", "Renewal Date"],
        ["A-1", "One", "03/04/2027"],
        ["A-2", "Two", "05/06/2027"],
    ]
    with pytest.raises(InputError, match=r'"Renewal Date".*date_order.*"MDY".*"DMY"'):
        load(("d.csv", csv_bytes(rows)))
    [found] = inspect_sources([("d.csv", csv_bytes(rows))])
    assert any("date_order" in issue for issue in found.issues)
    assert dates_of(["03/04/2027", "05/06/2027"], {"columns": {}, "date_order": "DMY"}) == [
        dt.date(2027, 4, 3),
        dt.date(2027, 6, 5),
    ]


# --------------------------------------------------------------------------- encodings and cells


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_encodings_and_byte_order_marks(encoding: str) -> None:
    rows = [["Account ID", "Account Name", "ARR"], ["A-1", "Café Zürich", "1000"]]
    loaded = load(("e.csv", csv_bytes(rows, ";", encoding)))
    assert loaded.table.names == ["Café Zürich"]
    assert loaded.table.ids == ["A-1"]  # a BOM does not stick to the first header


def test_quoted_fields_keep_delimiters_and_line_breaks_and_rows_keep_their_numbers() -> None:
    rows = [
        ["Account ID", "Account Name", "ARR", "Notes"],
        ["A-1", "Smith; Jones", "1000", "line one\nline two"],
        ["", "", "", ""],
        ["A-2", "Two", "-5", ""],
    ]
    data = csv_bytes(rows, ";").replace(b";;;\r\n", b"\r\n")  # a truly blank line
    loaded = load(("q.csv", data))
    assert loaded.table.names == ["Smith; Jones"]
    [bad] = problems_of(loaded, "A-2")
    assert (bad.field, bad.row, bad.column) == ("arr", 4, "ARR")  # row 3 is the blank line
    assert bad.reason == "must be 0 or more, got '-5'"


def test_flags_numbers_and_vocabularies_are_read_as_people_write_them() -> None:
    rows = [
        [
            "Account ID",
            "Name",
            "Champion Left",
            "Budget Cuts",
            "Competitor Mentions",
            "Renewal Sentiment",
            "ARR",
        ],
        ["A-1", "One", "Yes", "n", "2", "Positive", "USD 1,500"],
        ["A-2", "Two", "maybe", "0", "2.5", "mixed", "€2,000"],
    ]
    loaded = load(("f.csv", csv_bytes(rows)))
    t = loaded.table
    assert t.values["relationship_signals.champion_left"].tolist() == [1.0]
    assert t.values["commercial_factors.budget_cuts_mentioned"].tolist() == [0.0]
    assert t.values["arr"].tolist() == [1500.0]
    reasons = {p.field: p.reason for p in problems_of(loaded, "A-2")}
    assert reasons["relationship_signals.champion_left"].startswith("must be yes or no")
    assert reasons["relationship_signals.competitor_mentions"] == "must be a whole number, got '2.5'"


def test_values_are_checked_by_the_same_contract_as_json() -> None:
    rows = [["Account ID", "Name", "NPS", "DAU/MAU", "Licensed Seats"], ["A-1", "One", "11", "140%", "-3"]]
    loaded = load(("r.csv", csv_bytes(rows)))
    got = {p.field: p.reason for p in problems_of(loaded, "A-1")}
    assert got == {
        "engagement.nps_score": "must be between 0 and 10, got '11'",
        "usage.dau_mau_ratio": "must be between 0 and 1, got '140%'",
        "contract.licensed_seats": "must be 0 or more, got '-3'",
    }
    as_json = load_records(
        [{"customer_id": "A-1", "name": "One", "engagement": {"nps_score": 11}}], DEFAULT_PROFILE
    )
    assert as_json.report.rejections[0].problems[0].reason.startswith("must be between 0 and 10")


def test_a_value_that_is_not_a_number_far_down_a_numeric_column_is_still_reported_where_it_is() -> None:
    # The first rows are plain numbers, so the reader converts the column itself; row 3002 then is not.
    rows = [["Account ID", "Name", "Licensed Seats"]]
    rows += [[f"A-{i}", f"N{i}", str(i % 50)] for i in range(3000)] + [["A-x", "X", "lots"]]
    loaded = load(("n.csv", csv_bytes(rows)))
    assert loaded.report.accepted == 3000
    [problem] = problems_of(loaded, "A-x")
    assert (problem.row, problem.reason) == (3002, "must be a number, got 'lots'")
    assert loaded.table.values["contract.licensed_seats"][:3].tolist() == [0.0, 1.0, 2.0]


def test_inspect_shows_cells_as_the_file_writes_them() -> None:
    [found] = inspect_sources([("s.csv", csv_bytes([["Account ID", "ARR"], ["A-1", "45.50"]]))])
    assert found.sample == [{"Account ID": "A-1", "ARR": "45.50"}]


def test_a_single_export_loads_through_load_file(tmp_path) -> None:
    from customer_success_mcp.ingest.sources import load_file

    path = tmp_path / "crm.csv"
    path.write_bytes(csv_bytes(CRM))
    loaded = load_file(path, DEFAULT_PROFILE)
    assert loaded.table.ids == ["A-1", "A-2"] and loaded.report.rejected == 1


def test_a_decimal_comma_is_reported_with_the_fix() -> None:
    rows = [["Account ID", "Name", "CSAT"], ["A-1", "One", "4,5"]]
    [problem] = problems_of(load(("c.csv", csv_bytes(rows, ";"))), "A-1")
    assert "write decimals with a point" in problem.reason


def test_excel_percent_and_date_cells() -> None:
    data = xlsx_bytes(
        [["Account ID", "Name", "Feature Adoption", "Escalation Rate", "Renewal Date"],
         ["A-1", "One", 0.45, 0.3, dt.datetime(2027, 5, 6)],
         ["A-2", "Two", 0.6, 0.1, 46450]],
        formats={3: "0%", 4: "0%"},
    )  # fmt: skip
    loaded = load(("w.xlsx", data))
    t = loaded.table
    assert t.values["usage.feature_adoption"].tolist() == [45.0, 60.0]  # 45% of a 0-100 field
    assert t.values["support.escalation_rate"].tolist() == [0.3, 0.1]
    assert [dt.date.fromordinal(int(v)) for v in t.values["contract_end_date"]] == [
        dt.date(2027, 5, 6),
        dt.date(2027, 3, 4),  # Excel serial 46450
    ]


def test_json_cannot_be_joined_and_unknown_old_excel_is_refused() -> None:
    with pytest.raises(InputError, match="cannot be joined"):
        load(("p.json", b'{"customers": []}'), ("crm.csv", csv_bytes(CRM)))
    with pytest.raises(InputError, match=r"\.xls files cannot be read"):
        load(("old.xls", b"\xd0\xcf\x11\xe0"))


# --------------------------------------------------------------------------- the CSV and its JSON twin


@pytest.fixture(scope="module")
def twin(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], list[tuple[str, bytes]]]:
    data = example_portfolio()
    paths = write_exports(data, tmp_path_factory.mktemp("exports"))
    return data, [(p.name, p.read_bytes()) for p in paths]


@pytest.mark.parametrize(
    "profile", [DEFAULT_PROFILE, FIVE_DIMENSION_PROFILE], ids=["default", "five_dimension"]
)
def test_exports_and_their_json_twin_give_identical_scores(twin, profile) -> None:
    data, sources = twin
    from_csv = score_loaded(load_sources(sources, profile), profile, AS_OF)
    from_json = score_loaded(load_bytes(json.dumps(data).encode(), profile), profile, AS_OF)
    assert from_csv.report.accepted == from_json.report.accepted == 50
    assert from_csv.table.ids == from_json.table.ids
    for a, b in ((from_csv.health, from_json.health), (from_csv.churn, from_json.churn),
                 (from_csv.expansion, from_json.expansion)):  # fmt: skip
        for name, value in vars(a).items():
            if isinstance(value, np.ndarray):
                assert np.array_equal(value, vars(b)[name], equal_nan=True), name
    for path, column in from_json.table.present.items():
        if path != "owner":  # the exports name an owner for every account; the generated JSON has none
            assert np.array_equal(from_csv.table.present[path], column), path


def test_an_import_stored_as_records_reads_back_to_the_same_table(twin) -> None:
    _, sources = twin
    loaded = load_sources(sources, DEFAULT_PROFILE, keep_records=True)
    again = load_records(json.loads(json.dumps(loaded.accepted_records)), DEFAULT_PROFILE)
    assert again.table.ids == loaded.table.ids
    assert again.table.labels == loaded.table.labels  # the owner included
    for path, values in loaded.table.values.items():
        assert np.array_equal(again.table.values[path], values, equal_nan=True), path
        assert np.array_equal(again.table.present[path], loaded.table.present[path]), path
    assert again.table.lists == loaded.table.lists
    assert again.table.modules == loaded.table.modules


def test_the_owner_field_filters_in_json_too() -> None:
    from customer_success_mcp.pipeline import score_records
    from customer_success_mcp.query.accounts import find_accounts
    from customer_success_mcp.query.models import AccountFilter

    accounts = [
        {"customer_id": "A-1", "name": "One", "owner": "  Dana   Whitfield ", "arr": 5000},
        {"customer_id": "A-2", "name": "Two", "owner": "Marco Ruiz", "arr": 9000},
        {"customer_id": "A-3", "name": "Three", "arr": 7000},
    ]
    scored = score_records(accounts, AS_OF)
    found = find_accounts(scored, AccountFilter(owner="dana whitfield"))
    assert [(a.customer_id, a.owner) for a in found.accounts] == [("A-1", "Dana Whitfield")]
    everyone = find_accounts(scored, AccountFilter())
    owners = {a.customer_id: a.owner for a in everyone.accounts}
    assert owners == {"A-1": "Dana Whitfield", "A-2": "Marco Ruiz", "A-3": None}
