"""CSV import engine: presets find each product's headers, values map, rows validate."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from msp_tui.engine import csv_import as eng
from msp_tui.engine.vocabulary import BillingType, PriorityCode, WellKnownStatus

DATA = Path(__file__).resolve().parents[1] / "data" / "csv"


def table(text: str) -> eng.CsvTable:
    return eng.parse_csv(text.encode("utf-8"))


@pytest.mark.parametrize(("preset", "file", "entity", "expected"), [
    ("connectwise", "companies.csv", "clients", {"name": "Company Name", "website": "Website"}),
    ("connectwise", "contacts.csv", "contacts",
     {"client": "Company", "first_name": "First Name", "last_name": "Last Name",
      "email": "Email", "phone": "Phone", "name": None}),
    ("connectwise", "configurations.csv", "assets",
     {"client": "Company", "hostname": "Configuration Name", "kind": "Type",
      "user": "Contact"}),
    ("connectwise", "service_tickets.csv", "tickets",
     {"external_id": "Ticket #", "subject": "Summary", "client": "Company",
      "contact": "Contact", "priority": "Priority", "status": "Status",
      "created": "Date Entered", "closed": "Closed Date", "assignee": "Assigned To",
      "body": "Initial Description"}),
    ("autotask", "accounts.csv", "clients", {"name": "Account Name", "website": "Web"}),
    ("autotask", "contacts.csv", "contacts",
     {"client": "Account Name", "email": "Email Address", "first_name": "First Name"}),
    ("autotask", "configuration_items.csv", "assets",
     {"client": "Account", "hostname": "Reference Title",
      "kind": "Configuration Item Type"}),
    ("autotask", "tickets.csv", "tickets",
     {"external_id": "Ticket Number", "subject": "Title", "client": "Account",
      "created": "Created", "closed": "Complete Date", "assignee": "Primary Resource",
      "body": "Description"}),
    ("halo", "clients.csv", "clients",
     {"name": "Client Name", "website": "Website", "email": "Email Address",
      # not in the preset: found by close matches
      "vip": "Is VIP", "billing_type": "Contract Type", "sla_profile": "SLA"}),
    ("halo", "users.csv", "contacts",
     {"client": "Client Name", "name": "User Name", "email": "Email Address",
      "phone": "Phone Number"}),
    ("halo", "assets.csv", "assets",
     {"client": "Client Name", "hostname": "Inventory Number", "kind": "Asset Type",
      "user": "User"}),
    ("halo", "tickets.csv", "tickets",
     {"external_id": "Ticket ID", "subject": "Summary", "body": "Details",
      "client": "Client Name", "contact": "Email Address", "created": "Date Logged",
      "closed": "Date Closed", "assignee": "Agent"}),
])
def test_presets_map_their_product_headers(preset: str, file: str, entity: str,
                                           expected: dict[str, str | None]) -> None:
    t = eng.parse_csv((DATA / preset / file).read_bytes())
    mapping = eng.auto_mapping(entity, preset, t.headers)
    assert {k: mapping[k] for k in expected} == expected
    assert eng.missing_columns(entity, preset, mapping) == []
    used = [h for h in mapping.values() if h]
    assert len(used) == len(set(used))  # a column serves one field


def test_fuzzy_matching_and_other_presets_headers_help_a_custom_file() -> None:
    headers = ("Ticket Number", "Subjects", "Customer", "Priorty", "State", "Date Logged")
    mapping = eng.auto_mapping("tickets", "custom", headers)
    assert mapping["external_id"] == "Ticket Number"
    assert mapping["subject"] == "Subjects"
    assert mapping["client"] == "Customer"
    assert mapping["priority"] == "Priorty"  # a typo is close enough
    assert mapping["created"] == "Date Logged"
    assert mapping["status"] is None  # "State" is not close enough to guess
    assert [str(e) for e in eng.missing_columns("tickets", "custom", mapping)] == [
        "the file has no column for 'Status' (tickets.status)"]


def test_missing_columns_are_named_as_the_preset_names_them() -> None:
    mapping = eng.auto_mapping("contacts", "autotask", ("Title", "Phone"))
    assert [str(e) for e in eng.missing_columns("contacts", "autotask", mapping)] == [
        "the file has no column for 'Account Name' (contacts.client)",
        "the file has no column for 'First Name' or 'Full name' (contacts.name)",
    ]


@pytest.mark.parametrize(("text", "code"), [
    ("Priority 1 - Critical", "P1"), ("P1", "P1"), ("1", "P1"), ("1 - Critical", "P1"),
    ("Critical", "P1"), ("Urgent", "P1"), ("Priority 2 - High", "P2"), ("High", "P2"),
    ("Priority 3 - Normal Response", "P3"), ("Medium", "P3"), ("Normal", "P3"),
    ("Priority 4 - Low", "P4"), ("Low", "P4"), ("P5", "P4"), ("Priority 5 - Planning", "P4"),
])
def test_priorities_map_to_p1_p4(text: str, code: str) -> None:
    assert eng.map_priority(text) == PriorityCode(code)


@pytest.mark.parametrize("text", ["", "Whenever", "P0", "soonish"])
def test_unmappable_priorities(text: str) -> None:
    assert eng.map_priority(text) is None


@pytest.mark.parametrize(("text", "key"), [
    (">Closed", "closed"), ("Closed", "closed"), ("Complete", "closed"),
    ("Cancelled", "closed"), ("Resolved", "resolved"), ("Waiting Customer", "waiting_on_customer"),
    ("Waiting on Client", "waiting_on_customer"), ("On Hold", "waiting_on_customer"),
    ("With User", "waiting_on_customer"), ("Customer Responded", "in_progress"),
    ("In Progress", "in_progress"), ("Assigned", "in_progress"), ("New", "new"),
    ("Escalated to Tier 2", "escalated"),
])
def test_status_hints(text: str, key: str) -> None:
    assert eng.status_hint(text) == WellKnownStatus(key)


@pytest.mark.parametrize(("text", "kind"), [
    ("Managed", BillingType.FIXED_MONTHLY), ("Managed Services", BillingType.FIXED_MONTHLY),
    ("Fixed Monthly", BillingType.FIXED_MONTHLY), ("Block Hours", BillingType.HYBRID),
    ("Retainer", BillingType.HYBRID), ("T&M", BillingType.TIME_AND_MATERIALS),
    ("Time & Materials", BillingType.TIME_AND_MATERIALS),
    ("Break/Fix", BillingType.TIME_AND_MATERIALS), ("Gold", None),
])
def test_billing_words(text: str, kind: BillingType | None) -> None:
    assert eng.map_billing(text) == kind


def test_domains_and_kinds() -> None:
    assert eng.domain_of("https://www.Acme.example/about") == "acme.example"
    assert eng.domain_of("it@acme.example") == "acme.example"
    assert eng.domain_of("not a site") is None
    # the client settings form's rules (engine.contact_rules), not looser copies
    assert eng.domain_of("b.c") is None and eng.domain_of("-acme.example") is None
    assert not eng.is_email("a@b.c") and not eng.is_email("a@-b.example")
    assert eng.is_email("Amy.Adams@Acme.example")
    assert eng.map_kind("Managed Workstation") == "workstation"
    assert eng.map_kind("Managed Laptop") == "laptop"
    assert eng.map_kind("FortiGate Firewall") == "firewall"
    assert eng.map_kind("Coffee Machine") == "coffee_machine"
    assert eng.map_kind("") == "other"


def test_dates_are_read_in_the_zone_and_order_given() -> None:
    ny = ZoneInfo("America/New_York")
    assert eng.parse_instant("10/02/2026 9:12 AM", ny) == datetime(2026, 10, 2, 13, 12,
                                                                   tzinfo=UTC)
    assert eng.parse_instant("11/24/2026 08:45", ny) == datetime(2026, 11, 24, 13, 45,
                                                                 tzinfo=UTC)  # EST
    london = ZoneInfo("Europe/London")
    assert eng.parse_instant("05/11/2026 09:05", london, "DMY") == datetime(
        2026, 11, 5, 9, 5, tzinfo=UTC)
    assert eng.parse_instant("2026-07-01 12:00", london) == datetime(2026, 7, 1, 11, 0,
                                                                     tzinfo=UTC)  # BST
    assert eng.parse_instant("2026-07-01T12:00:00+02:00", london) == datetime(
        2026, 7, 1, 10, 0, tzinfo=UTC)
    assert eng.parse_instant("13/45/2026", ny) is None


def test_rows_validate_into_records_and_errors_name_row_and_column() -> None:
    t = table("First Name,Last Name,Company,Email,Phone\n"
              "Amy,Adams,Acme,AMY@Acme.example,555 0101\n"
              ",,Acme,x@acme.example,555 0102\n"
              "Bob,Brown,,bob@,555 0103\n")
    mapping = eng.auto_mapping("contacts", "connectwise", t.headers)
    result = eng.parse_rows("contacts", t, mapping)
    first = result.records[0]
    assert isinstance(first, eng.ContactRecord)
    assert (first.row, first.name, first.email) == (2, "Amy Adams", "amy@acme.example")
    assert [str(e) for e in result.errors] == [
        "row 3, column 'First Name': the name is empty",
        "row 4, column 'Company': the client is empty",
        "row 4, column 'Email': 'bob@' is not an email address",
    ]


def test_phones_and_hostnames_follow_the_client_form_rules() -> None:
    t = table("First Name,Company,Email,Phone\n"
              "Amy,Acme,,+1 (212) 555-0100 x12\n"
              "Bob,Acme,bob@b.c,12\n")
    result = eng.parse_rows("contacts", t, eng.auto_mapping("contacts", "connectwise",
                                                            t.headers))
    assert [str(e) for e in result.errors] == [
        "row 3, column 'Email': 'bob@b.c' is not an email address",
        "row 3, column 'Phone': phone '12' is not a number like +1 212 555 0100",
    ]
    t = table("Configuration Name,Company\nPC-01.acme.local,Acme\npc_02,Acme\n")
    result = eng.parse_rows("assets", t, eng.auto_mapping("assets", "connectwise", t.headers))
    assert [str(e) for e in result.errors] == [
        "row 3, column 'Configuration Name': hostname 'pc_02' may hold only letters, "
        "digits, '-' and '.'",
    ]


def test_ticket_rows() -> None:
    t = table("Ticket #,Summary,Company,Priority,Status,Date Entered,Closed Date\n"
              "7,Printer,Acme,Priority 2 - High,>Closed,11/01/2026 9:00 AM,11/01/2026 8:00 AM\n"
              "8,Mail,Acme,P3,New,2026-11-30 09:00,\n")
    mapping = eng.auto_mapping("tickets", "connectwise", t.headers)
    options = eng.ParseOptions(zone=ZoneInfo("UTC"),
                               now=datetime(2026, 11, 24, 15, 30, tzinfo=UTC))
    result = eng.parse_rows("tickets", t, mapping, options)
    assert [str(e) for e in result.errors] == [
        "row 2, column 'Closed Date': the ticket closed before it was created",
        "row 3, column 'Date Entered': '2026-11-30 09:00' is in the future",
    ]


@pytest.mark.parametrize(("data", "message"), [
    (b"", "the file is empty"),
    (b"\n\n  \n", "the file is empty"),
    (b"Name,Website\n", "the file has a header but no rows"),
    (b"Name,Name\nx,y\n", "the header names column 'Name' twice"),
])
def test_files_that_cannot_be_read(data: bytes, message: str) -> None:
    with pytest.raises(eng.CsvFileError, match=message):
        eng.parse_csv(data)


def test_encodings_and_delimiters() -> None:
    t = eng.parse_csv("Name;Web\r\nCafé Olé;cafe.example\r\n".encode("cp1252"))
    assert (t.encoding, t.delimiter, t.rows[0][0]) == ("cp1252", ";", "Café Olé")
    t = eng.parse_csv("\ufeffName\tWeb\nZoë\tzoe.example\n".encode())
    assert (t.encoding, t.delimiter, t.headers[0], t.rows[0][0]) == ("utf-8", "\t", "Name",
                                                                     "Zoë")


def test_a_row_wider_than_the_header_is_an_error() -> None:
    t = table("Company Name,Website\nAcme,acme.example,surplus\nBeta,beta.example\n")
    mapping = eng.auto_mapping("clients", "connectwise", t.headers)
    result = eng.parse_rows("clients", t, mapping)
    assert [str(e) for e in result.errors] == [
        "row 2: the row has 3 values but the header has 2 columns"]


def test_out_of_range_and_missing_local_times() -> None:
    sydney, new_york = ZoneInfo("Australia/Sydney"), ZoneInfo("America/New_York")
    assert eng.parse_instant("01/01/0001 12:00:00 AM", sydney) is None  # before year 1 UTC
    t = table("Ticket #,Summary,Company,Priority,Status,Date Entered,Closed Date\n"
              "7,A,Acme,Low,Closed,01/01/0001 12:00:00 AM,2026-03-08 02:30\n")
    mapping = eng.auto_mapping("tickets", "connectwise", t.headers)
    result = eng.parse_rows("tickets", t, mapping, eng.ParseOptions(zone=new_york))
    assert [str(e) for e in result.errors] == [
        "row 2, column 'Date Entered': '01/01/0001 12:00:00 AM' is not a real date "
        "(an empty-date placeholder?); leave the cell empty instead",
        "row 2, column 'Closed Date': '2026-03-08 02:30' does not exist in America/New_York "
        "(the clocks went forward over it): check the zone or correct the time",
    ]
    assert eng.local_time_missing("2026-11-01 01:30", new_york) is False  # ambiguous, exists


def test_an_unterminated_quote_is_a_file_error_naming_the_line() -> None:
    data = (b'Company Name,Website,Territory\r\nAcme Widgets,acme.example,"West\r\n'
            b"Globex,globex.example,East\r\nInitech,initech.example,North\r\n")
    with pytest.raises(eng.CsvFileError, match=r"not valid CSV at line 4: unexpected end "
                                               r"of data \(a quote opened and never closed"):
        eng.parse_csv(data)


def test_row_numbers_count_blank_rows_as_a_spreadsheet_does() -> None:
    t = table("First Name,Last Name,Company,Email\r\n"
              "Ann,One,Acme,ann@acme.example\r\n,,,\r\n\r\nBob,Two,Acme,bob@\r\n")
    mapping = eng.auto_mapping("contacts", "connectwise", t.headers)
    result = eng.parse_rows("contacts", t, mapping)
    assert [str(e) for e in result.errors] == ["row 5, column 'Email': 'bob@' is not an "
                                               "email address"]
    assert t.numbers == (2, 5)


def test_a_quoted_line_break_stays_in_its_row() -> None:
    t = table('Company Name,Website\n"Acme\nWidgets",acme.example\n,\nBeta,b@\n')
    assert t.numbers == (2, 4)


def test_utf16_excel_sep_line_and_one_column_files() -> None:
    t = eng.parse_csv("Company Name\tWebsite\r\nAcmé\tacme.example\r\n".encode("utf-16"))
    assert (t.encoding, t.delimiter, t.headers, t.rows) == (
        "utf-16", "\t", ("Company Name", "Website"), (("Acmé", "acme.example"),))
    t = eng.parse_csv(b"sep=;\r\nCompany Name;Website\r\nAcme, Inc.;acme.example\r\n")
    assert (t.delimiter, t.headers, t.rows, t.numbers) == (
        ";", ("Company Name", "Website"), (("Acme, Inc.", "acme.example"),), (2,))
    t = eng.parse_csv(b"Company Name\r\nAcme Widgets\r\nGlobex\r\n")
    assert (t.headers, t.rows) == (("Company Name",), (("Acme Widgets",), ("Globex",)))


def test_a_huge_field_is_read() -> None:
    t = table("Summary,Description\nLog," + "x" * 300_000 + "\n")
    assert len(t.rows[0][1]) == 300_000


def test_one_foreign_line_in_a_utf8_file_is_named_not_turned_into_mojibake() -> None:
    data = "Company Name,Website\r\nCafé Olé,cafe.example\r\n".encode()
    data += "Smith Caf\xe9,smith.example\r\n".encode("latin-1")
    with pytest.raises(eng.CsvFileError, match=r"line 3 has a byte \(0xE9\) that is not "
                                               "UTF-8, while the rest of the file is UTF-8"):
        eng.parse_csv(data)


@pytest.mark.parametrize(("text", "key"), [
    ("Incomplete", "in_progress"), ("Not Done", "in_progress"), ("Unresolved", "in_progress"),
    ("Not Completed", "in_progress"), ("Re-opened", "in_progress"), ("Completed", "closed"),
    ("Canceled", "closed"), ("Closed - Resolved", "closed"), ("Escalation", "escalated"),
    ("Unassigned", "new"), ("Newsletter", None), ("Holding area", None),
    ("Not Waiting", None), ("No longer new", None),
])
def test_status_words_are_whole_words_and_negations_are_not_closed(text: str,
                                                                   key: str | None) -> None:
    assert eng.status_hint(text) == (WellKnownStatus(key) if key else None)


@pytest.mark.parametrize("text", ["Non-Urgent", "Not urgent", "not critical", "No emergency",
                                  "Highlight", "Lowish"])
def test_negated_or_partial_priority_words_are_not_guessed(text: str) -> None:
    assert eng.map_priority(text) is None


def test_a_tickets_file_needs_its_ticket_number_column() -> None:
    t = table("Summary,Company,Priority,Status,Date Entered\nA,Acme,Low,New,2026-03-01\n")
    mapping = eng.auto_mapping("tickets", "connectwise", t.headers)
    assert [str(e) for e in eng.missing_columns("tickets", "connectwise", mapping)] == [
        "the file has no column for 'Ticket #' (tickets.external_id): the ticket number is "
        "what keeps a second import of the same tickets from duplicating them"]


def test_values_longer_than_their_columns_are_row_errors() -> None:
    subject = "S" * 480  # fits 500 alone, not after "[ConnectWise #99001] "
    t = table("Ticket #,Summary,Company,Priority,Status,Date Entered\n"
              f"99001,{subject},Acme,Low,New,2026-03-01\n{'9' * 41},Short,Acme,Low,New,"
              "2026-03-01\n")
    mapping = eng.auto_mapping("tickets", "connectwise", t.headers)
    result = eng.parse_rows("tickets", t, mapping, eng.ParseOptions(preset="connectwise"))
    assert [str(e) for e in result.errors] == [
        "row 2, column 'Summary': the subject (after the [ConnectWise #99001] prefix) has 480 "
        "characters; at most 479 fit",
        "row 3, column 'Ticket #': the ticket number has 41 characters; at most 40 fit",
    ]
    t = table(f"Full Name,Company,Email,Phone\n{'N' * 201},Acme,{'a' * 250}@acme.example,"
              f"{'1' * 41}\n")
    mapping = {"name": "Full Name", "client": "Company", "email": "Email", "phone": "Phone"}
    result = eng.parse_rows("contacts", t, mapping)
    assert sorted(str(e) for e in result.errors) == [
        "row 2, column 'Email': the email address has 263 characters; at most 254 fit",
        "row 2, column 'Full Name': the name has 201 characters; at most 200 fit",
        "row 2, column 'Phone': the phone number has 41 characters; at most 40 fit",
    ]


# ---------------------------------------------------------------- date order


def tickets(dates: str) -> tuple[eng.CsvTable, dict[str, str | None]]:
    """A tickets file whose created/closed columns hold `dates` ("created,closed" lines)."""
    rows = "".join(f"{i},S,Acme,Low,Closed,{line}\n"
                   for i, line in enumerate(dates.splitlines(), start=100))
    t = table(f"Ticket ID,Summary,Client,Priority,Status,Date Logged,Date Closed\n{rows}")
    return t, eng.auto_mapping("tickets", "custom", t.headers)


def test_the_scan_finds_which_order_the_dates_are_written_in() -> None:
    t, mapping = tickets("03/04/2026 09:15,03/04/2026 11:00\n"
                         "2026-11-20 14:00,\n"
                         "05/04/2026,13/04/2026 08:30\n")
    scan = eng.scan_dates("tickets", t, mapping)
    assert scan.order == "DMY"
    assert str(scan.day_first) == "row 4, column 'Date Closed': '13/04/2026 08:30'"
    assert scan.month_first is None
    assert str(scan.local) == "row 2, column 'Date Logged': '03/04/2026 09:15'"
    t, mapping = tickets("4/13/26 9:00 AM,\n12/12/2026,\n")
    scan = eng.scan_dates("tickets", t, mapping)
    assert scan.order == "MDY"
    assert str(scan.month_first) == "row 2, column 'Date Logged': '4/13/26 9:00 AM'"
    # Only ambiguous or ISO dates: nothing decides.
    assert eng.scan_dates("tickets", *tickets("03/04/2026,\n")).order is None
    iso = eng.scan_dates("tickets", *tickets("2026-04-13 08:30,2026-12-31\n"))
    assert iso == eng.DateScan()
    # Other entities have no date columns.
    t = table("Company Name,Website\n13/04/2026,x.example\n")
    assert eng.scan_dates("clients", t, {"name": "Company Name"}) == eng.DateScan()


def test_a_contradicting_order_is_a_file_level_error_naming_a_row() -> None:
    scan = eng.scan_dates("tickets", *tickets("03/04/2026,\n05/05/2026,\n2026-01-01,\n"
                                              "01/02/2026,\n06/06/2026,\n13/04/2026,\n"))
    assert eng.date_order_problems(scan, "DMY", "custom") == []
    assert [str(e) for e in eng.date_order_problems(scan, "MDY", "custom")] == [
        "row 7, column 'Date Logged': '13/04/2026' only reads day-first; choose 'day first'"]
    # Left at the preset's default: say which order the file uses, do not guess.
    assert [str(e) for e in eng.date_order_problems(scan, "MDY", "connectwise",
                                                    chosen=False)] == [
        "row 7, column 'Date Logged': the file writes dates day first; choose 'day first' "
        "('13/04/2026' cannot be month first, which ConnectWise Manage assumes)"]
    month = eng.scan_dates("tickets", *tickets("04/13/2026,\n"))
    assert [str(e) for e in eng.date_order_problems(month, "DMY", "halo")] == [
        "row 2, column 'Date Logged': '04/13/2026' only reads month-first; "
        "choose 'month first'"]
    assert eng.date_order_problems(month, "MDY", "halo") == []
    mixed = eng.scan_dates("tickets", *tickets("13/04/2026,\n04/13/2026,\n"))
    for order in eng.DATE_ORDERS:
        assert [str(e) for e in eng.date_order_problems(mixed, order, "custom")] == [
            "row 3, column 'Date Logged': the file mixes date orders: '04/13/2026' only "
            "reads month-first, but row 2 ('13/04/2026') only reads day-first; correct the "
            "rows written the other way"]


def test_iso_only_refuses_day_month_dates_and_iso_dates_read_in_any_order() -> None:
    london = ZoneInfo("Europe/London")
    for order in eng.DATE_ORDERS:
        assert eng.parse_instant("2026-04-13 08:30", london, order) == datetime(
            2026, 4, 13, 7, 30, tzinfo=UTC)
        scan = eng.scan_dates("tickets", *tickets("2026-04-13 08:30,2026-04-14\n"))
        assert eng.date_order_problems(scan, order, "halo") == []
    assert eng.parse_instant("03/04/2026", london, "ISO") is None
    assert eng.parse_instant("03/04/2026", london, "DMY") == datetime(2026, 4, 2, 23, 0,
                                                                      tzinfo=UTC)
    ambiguous = eng.scan_dates("tickets", *tickets("2026-01-01,03/04/2026\n"))
    assert [str(e) for e in eng.date_order_problems(ambiguous, "ISO", "custom")] == [
        "row 2, column 'Date Closed': the dates are not ISO (2026-04-13); choose 'day first' "
        "or 'month first' ('03/04/2026')"]
    decisive = eng.scan_dates("tickets", *tickets("03/04/2026,\n03/14/2026,\n"))
    assert [str(e) for e in eng.date_order_problems(decisive, "ISO", "custom")] == [
        "row 3, column 'Date Logged': the dates are not ISO (2026-04-13); choose 'month first' "
        "('03/14/2026')"]
    t, mapping = tickets("03/04/2026,\n")
    result = eng.parse_rows("tickets", t, mapping, eng.ParseOptions(date_order="ISO"))
    assert [str(e) for e in result.errors] == [
        "row 2, column 'Date Logged': '03/04/2026' is not a date we can read "
        "(e.g. 2026-03-14 09:30)"]


@pytest.mark.parametrize(("order", "created"), [
    ("DMY", datetime(2026, 4, 3, 9, 15, tzinfo=UTC)),
    ("MDY", datetime(2026, 3, 4, 9, 15, tzinfo=UTC)),
])
def test_rows_read_ambiguous_dates_in_the_order_given(order: str, created: datetime) -> None:
    t, mapping = tickets("03/04/2026 09:15,\n2026-11-20 14:00,\n")
    result = eng.parse_rows("tickets", t, mapping, eng.ParseOptions(date_order=order))
    assert result.errors == []
    assert [r.created for r in result.records] == [  # type: ignore[union-attr]
        created, datetime(2026, 11, 20, 14, 0, tzinfo=UTC)]
