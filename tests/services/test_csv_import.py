"""CSV import against a real demo database: good files land, a bad row lands nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import select

from msp_tui.services import csv_import as svc
from msp_tui.services.csv_import import ImportFailed, ImportRequest
from msp_tui.services.desk import Desk
from msp_tui.services.tickets import ServiceError
from msp_tui.store.models import (
    Asset,
    AuditEvent,
    Client,
    ClientDomain,
    Contact,
    CsatSurvey,
    ImportBatch,
    Notification,
    OutboxMail,
    SlaClock,
    SlaProfile,
    Status,
    Technician,
    Ticket,
)
from tests.conftest import FIXED_NOW

DATA = Path(__file__).resolve().parents[1] / "data" / "csv"
ADMIN = "jamie.fox@demo-msp.example"
TABLES = (Client, ClientDomain, Contact, Asset, Ticket, ImportBatch, SlaClock, AuditEvent)




def counts(desk: Desk) -> dict[str, int]:
    with desk.db.session() as s:
        return {t.__tablename__: s.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()  # type: ignore[attr-defined]
                for t in TABLES}


def req(entity: str, path: Path | str, preset: str = "custom", zone: str = "America/New_York",
        **kw: object) -> ImportRequest:
    return ImportRequest(entity=entity, path=str(path), preset=preset, zone=zone, **kw)  # type: ignore[arg-type]


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# ---------------------------------------------------------------- good imports


def test_connectwise_file_set_lands_in_one_go(admin: Desk) -> None:
    """Companies, their contacts and configurations in one import: contacts and assets
    find the clients the companies file adds in the same transaction."""
    cw = DATA / "connectwise"
    seen: list[tuple[int, int]] = []
    result = svc.run_import(admin, [
        req("contacts", cw / "contacts.csv", "connectwise"),
        req("clients", cw / "companies.csv", "connectwise"),
        req("assets", cw / "configurations.csv", "connectwise"),
    ], progress=lambda done, total: seen.append((done, total)))
    assert result.counts == {"clients": 3, "contacts": 4, "assets": 4}
    assert seen[-1][0] == seen[-1][1] == 22
    assert [d for d, _t in seen] == sorted(d for d, _t in seen)
    with admin.db.session() as s:
        coho = s.exec(select(Client).where(Client.name == "Coho Winery")).one()
        assert coho.billing_type == "time_and_materials" and coho.created_at == FIXED_NOW
        domains = set(s.exec(select(ClientDomain.domain)).all())
        assert {"blueyonder-air.example", "coho-winery.example", "woodgrove.example"} <= domains
        amelia = s.exec(select(Contact).where(Contact.name == "Amelia Stone")).one()
        assert amelia.email == "amelia.stone@blueyonder-air.example"  # lower-cased
        laptop = s.exec(select(Asset).where(Asset.hostname == "BYA-LT-ASTONE")).one()
        assert laptop.kind == "laptop" and laptop.user_upn == amelia.email  # name -> UPN
        batches = s.exec(select(ImportBatch).order_by(ImportBatch.id)).all()  # type: ignore[arg-type]
        assert [(b.entity, b.rows, b.preset) for b in batches] == [
            ("clients", 3, "connectwise"), ("contacts", 4, "connectwise"),
            ("assets", 4, "connectwise")]
        assert all(b.actor == "Jamie Fox" for b in batches)
        trail = s.exec(select(AuditEvent).where(AuditEvent.entity == "import_batch")).all()
        assert len(trail) == 3 and "3 clients from companies.csv" in (trail[0].new_value or "")


def test_halo_clients_map_vip_billing_and_profile(admin: Desk) -> None:
    result = svc.run_import(admin, req("clients", DATA / "halo" / "clients.csv", "halo"))
    assert result.counts == {"clients": 3}
    assert result.summary().startswith("Imported 3 clients in ")
    with admin.db.session() as s:
        gold = s.exec(select(SlaProfile).where(SlaProfile.name == "Gold")).one()
        gdi = s.exec(select(Client).where(Client.name == "Graphic Design Institute")).one()
        assert (gdi.vip, gdi.billing_type, gdi.sla_profile_id) == (True, "fixed_monthly", gold.id)
        hum = s.exec(select(Client).where(Client.name == "Humongous Insurance")).one()
        assert (hum.vip, hum.billing_type) == (False, "hybrid")
        trey = s.exec(select(Client).where(Client.name == "Trey Research")).one()
        assert trey.sla_profile_id is None
        assert s.exec(select(ClientDomain).where(ClientDomain.client_id == trey.id)).one() \
            .domain == "treyresearch.example"


def test_connectwise_tickets_keep_history_and_only_open_ones_get_clocks(admin: Desk) -> None:
    before = counts(admin)
    with admin.db.session() as s:
        outbox = s.execute(sa.select(sa.func.count()).select_from(OutboxMail)).scalar_one()
        surveys = s.execute(sa.select(sa.func.count()).select_from(CsatSurvey)).scalar_one()
        notes = s.execute(sa.select(sa.func.count()).select_from(Notification)).scalar_one()
        top = s.execute(sa.select(sa.func.max(Ticket.number))).scalar_one()
    result = svc.run_import(admin, req("tickets", DATA / "connectwise" / "service_tickets.csv",
                                       "connectwise"))
    assert result.counts == {"tickets": 5}
    with admin.db.session() as s:
        rows = {t.subject: t for t in s.exec(select(Ticket).where(Ticket.number > top)).all()}
        assert sorted(t.number for t in rows.values()) == list(range(top + 1, top + 6))
        statuses = {st.id: st.key for st in s.exec(select(Status)).all()}
        closed = rows["[ConnectWise #284101] Outlook keeps asking for password"]
        assert statuses[closed.status_id] == "closed"
        # 10/02/2026 9:12 AM in New York is 13:12 UTC (EDT)
        assert closed.created_at.isoformat() == "2026-10-02T13:12:00+00:00"
        assert closed.closed_at is not None and closed.closed_at.hour == 15
        hannah = s.exec(select(Contact).where(Contact.name == "Hannah Cole")).one()
        priya = s.exec(select(Technician).where(Technician.name == "Priya Shah")).one()
        assert (closed.contact_id, closed.assignee_id, closed.priority) == (
            hannah.id, priya.id, "P3")
        switch = rows["[ConnectWise #284117] Core switch rebooting"]
        assert statuses[switch.status_id] == "completed" and switch.priority == "P1"
        laptop = rows["[ConnectWise #284140] New starter laptop"]
        waiting = rows["[ConnectWise #284152] Printer offline in reception"]
        assert statuses[waiting.status_id] == "waiting_on_customer"

        def clocks(t: Ticket) -> list[SlaClock]:
            return list(s.exec(select(SlaClock).where(SlaClock.ticket_id == t.id)).all())

        assert clocks(closed) == [] and clocks(switch) == []  # history: nothing to measure
        live = clocks(laptop)
        assert {c.kind for c in live} == {"response", "resolution"}
        assert all(c.started_at == FIXED_NOW for c in live)  # from the import, not 11/20
        assert laptop.next_due_at is not None and laptop.next_due_at > FIXED_NOW
        assert {c.state for c in clocks(waiting) if c.kind == "resolution"} == {"paused"}
        # no mail, no survey, no notification for history
        assert s.execute(sa.select(sa.func.count()).select_from(OutboxMail)).scalar_one() == outbox
        assert s.execute(sa.select(sa.func.count()).select_from(CsatSurvey)).scalar_one() \
            == surveys
        assert s.execute(sa.select(sa.func.count()).select_from(Notification)).scalar_one() \
            == notes
        created = s.exec(select(AuditEvent).where(AuditEvent.entity == "ticket",
                                                  AuditEvent.entity_id == closed.id)).all()
        assert [a.field for a in created] == ["created"]
        assert "imported from ConnectWise Manage #284101" in created[0].reason
    after = counts(admin)
    assert after["ticket"] == before["ticket"] + 5
    assert after["import_batch"] == before["import_batch"] + 1


def test_imported_tickets_are_searchable_by_external_number(admin: Desk) -> None:
    from msp_tui.store.search import search_ticket_ids

    svc.run_import(admin, req("tickets", DATA / "halo" / "tickets.csv", "halo",
                              zone="Europe/London"))
    with admin.db.session() as s:
        ids = search_ticket_ids(s, "50240")
        assert len(ids) == 1
        ticket = s.get(Ticket, ids[0])
        assert ticket is not None and ticket.subject.startswith("[Halo #50240] Scanner")
        # 23/11/2026 13:10 in London (GMT) is 13:10 UTC: day first for Halo
        assert ticket.created_at.isoformat() == "2026-11-23T13:10:00+00:00"


def test_autotask_set_and_tickets_against_the_demo(admin: Desk) -> None:
    at = DATA / "autotask"
    result = svc.run_import(admin, [
        req("clients", at / "accounts.csv", "autotask"),
        req("contacts", at / "contacts.csv", "autotask"),
        req("assets", at / "configuration_items.csv", "autotask"),
        req("tickets", at / "tickets.csv", "autotask"),
    ])
    assert result.counts == {"clients": 2, "contacts": 2, "assets": 2, "tickets": 3}
    with admin.db.session() as s:
        pos = s.exec(select(Ticket).where(Ticket.subject.like("[Autotask #T20261121.0031]%"))  # type: ignore[attr-defined]
                     ).one()
        sam = s.exec(select(Technician).where(Technician.email == "sam.lee@demo-msp.example")
                     ).one()
        assert (pos.priority, pos.assignee_id) == ("P2", sam.id)


# ---------------------------------------------------------------- refusals


def test_a_bad_row_imports_nothing_and_names_row_and_column(admin: Desk) -> None:
    before = counts(admin)
    with pytest.raises(ImportFailed) as caught:
        svc.run_import(admin, req("contacts", DATA / "edge" / "contacts_bad_row.csv",
                                  "connectwise"))
    assert [str(e) for e in caught.value.errors] == [
        "row 4, column 'Email': 'bob@' is not an email address"]
    assert "nothing was imported" in str(caught.value)
    assert counts(admin) == before


def test_a_bad_row_among_good_files_rolls_back_every_file(admin: Desk, tmp_path: Path) -> None:
    """Validation covers every file before anything is written."""
    cw = DATA / "connectwise"
    bad = write(tmp_path, "tickets.csv", (cw / "service_tickets.csv").read_text()
                .replace("Priority 4 - Low", "Whenever"))
    before = counts(admin)
    with pytest.raises(ImportFailed) as caught:
        svc.run_import(admin, [req("clients", cw / "companies.csv", "connectwise"),
                               req("tickets", bad, "connectwise")])
    assert [(e.row, e.column) for e in caught.value.errors] == [(4, "Priority")]
    assert "tickets.csv: 'Whenever' is not a priority" in caught.value.errors[0].message
    assert counts(admin) == before


def test_every_error_is_reported_not_just_the_first(admin: Desk, tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv",
                 "Ticket #,Summary,Company,Contact,Priority,Status,Date Entered,Closed Date,"
                 "Assigned To\n"
                 "1,Ok,Contoso Legal,,P2,New,11/01/2026 9:00 AM,,\n"
                 "2,,Nowhere Inc,,P9x,Limbo,13/45/2026,,Nobody Here\n"
                 "1,Dup,Contoso Legal,zed@nowhere.example,Low,New,12/01/2026 9:00 AM,,\n"
                 "3,Late,Contoso Legal,greg.owens@fabrikam.example,High,Closed,"
                 "11/02/2026 9:00 AM,11/01/2026 9:00 AM,\n")
    with pytest.raises(ImportFailed) as caught:
        svc.run_import(admin, req("tickets", path, "connectwise"))
    got = {(e.row, e.column) for e in caught.value.errors}
    assert {(3, "Summary"), (3, "Priority"), (3, "Date Entered"), (3, "Company"),
            (3, "Status"), (3, "Assigned To"), (4, "Ticket #"), (4, "Date Entered"),
            (4, "Contact"), (5, "Closed Date"), (5, "Contact")} <= got
    messages = [str(e) for e in caught.value.errors]
    assert "row 4, column 'Ticket #': '1' is already on row 2" in messages
    assert "row 4, column 'Date Entered': '12/01/2026 9:00 AM' is in the future" in messages
    assert any("greg.owens@fabrikam.example' is a contact of Fabrikam Manufacturing"
               in m for m in messages)


def test_duplicate_emails_in_the_file_and_in_the_desk(admin: Desk, tmp_path: Path) -> None:
    path = write(tmp_path, "contacts.csv",
                 "First Name,Last Name,Company,Email,Phone\n"
                 "Ann,One,Contoso Legal,ann@contoso-legal.example,555 0101\n"
                 "Ann,Two,Contoso Legal,ANN@contoso-legal.example,555 0102\n"
                 "Hannah,Cole,Contoso Legal,hannah.cole@contoso-legal.example,555 0103\n")
    before = counts(admin)
    with pytest.raises(ImportFailed) as caught:
        svc.run_import(admin, req("contacts", path, "connectwise"))
    assert [str(e) for e in caught.value.errors] == [
        "row 3, column 'Email': 'ann@contoso-legal.example' is already on row 2",
        "row 4, column 'Email': a contact with email 'hannah.cole@contoso-legal.example' "
        "already exists",
    ]
    assert counts(admin) == before


def test_duplicate_clients_domains_and_unknown_profile(admin: Desk, tmp_path: Path) -> None:
    path = write(tmp_path, "clients.csv",
                 "Client Name,Website,SLA\n"
                 "Contoso Legal,contoso-new.example,Gold\n"
                 "New One,fabrikam.example,Diamond\n"
                 "new one,newone.example,\n")
    with pytest.raises(ImportFailed) as caught:
        svc.run_import(admin, req("clients", path, "halo"))
    assert [str(e) for e in caught.value.errors] == [
        "row 2, column 'Client Name': a client named 'Contoso Legal' already exists",
        "row 3, column 'SLA': there is no SLA profile 'Diamond' "
        "(known: Gold, Platinum, Standard)",
        "row 3, column 'Website': the domain fabrikam.example already belongs to another client",
        "row 4, column 'Client Name': 'new one' is already on row 3",
    ]


def test_reimporting_the_same_tickets_is_refused(admin: Desk) -> None:
    path = DATA / "halo" / "tickets.csv"
    svc.run_import(admin, req("tickets", path, "halo", zone="Europe/London"))
    with pytest.raises(ImportFailed) as caught:
        svc.run_import(admin, req("tickets", path, "halo", zone="Europe/London"))
    assert str(caught.value.errors[0]) == (
        "row 2, column 'Ticket ID': [Halo #50211] was imported before")


def test_cp1252_and_semicolons_are_read(admin: Desk) -> None:
    result = svc.run_import(admin, req("clients", DATA / "edge" /
                                       "accounts_cp1252_semicolon.csv", "autotask"))
    assert result.counts == {"clients": 2}
    with admin.db.session() as s:
        names = set(s.exec(select(Client.name)).all())
    assert {"Café Olé S.à r.l.", "Müller & Söhne GmbH"} <= names


@pytest.mark.parametrize(("content", "message"), [
    (b"", "empty.csv: the file is empty"),
    (b"Company Name,Website\n", "empty.csv: the file has a header but no rows"),
    (b"\x81\x8d\x8f\x90\x9d,x\n1,2\n", "neither UTF-8 nor Windows-1252"),
])
def test_unreadable_files_say_why(admin: Desk, tmp_path: Path, content: bytes,
                                  message: str) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(ImportFailed) as caught:
        svc.run_import(admin, req("clients", path, "connectwise"))
    assert message in str(caught.value.errors[0])


def test_missing_required_column_is_named_as_the_preset_names_it(admin: Desk,
                                                                 tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", "Website,Phone\nacme.example,1\n")
    with pytest.raises(ImportFailed) as caught:
        svc.run_import(admin, req("clients", path, "connectwise"))
    assert str(caught.value.errors[0]) == (
        "the file has no column for 'Company Name' (clients.name)")


def test_custom_mapping_and_preview(admin: Desk, tmp_path: Path) -> None:
    path = write(tmp_path, "odd.csv", "Org;Mail domain;Plan\nBrightside Ltd;brightside.example;"
                                      "Time & Materials\nGlowline;glowline.example;Retainer\n")
    request = req("clients", path, "custom",
                  mapping={"name": "Org", "website": "Mail domain", "billing_type": "Plan"})
    shown = svc.preview(admin, request)
    assert shown.delimiter == ";" and shown.total_rows == 2 and shown.problems == []
    assert shown.rows[1] == {"name": "Glowline", "website": "glowline.example",
                             "billing_type": "Retainer"}
    svc.run_import(admin, request)
    with admin.db.session() as s:
        glow = s.exec(select(Client).where(Client.name == "Glowline")).one()
    assert glow.billing_type == "hybrid"


def test_technicians_may_not_import(demo_desk: Desk) -> None:
    with pytest.raises(ServiceError, match="only admins"):
        svc.run_import(demo_desk, req("clients", DATA / "halo" / "clients.csv", "halo"))


def test_error_report_csv(tmp_path: Path) -> None:
    from msp_tui.engine.csv_import import RowError

    out = svc.save_error_report([RowError(7, "Email", "'bob@' is not an email address")],
                                str(tmp_path / "errors.csv"))
    assert out.read_text(encoding="utf-8-sig").splitlines() == [
        "Row,Column,Problem", "7,Email,'bob@' is not an email address"]


# ---------------------------------------------------------------- hostile files (review)


def test_a_contact_added_meanwhile_fails_the_import_cleanly(admin: Desk,
                                                            tmp_path: Path) -> None:
    """Another console adds the same email between the checks and the write: the UNIQUE
    conflict becomes a clear ImportFailed and nothing of the file lands."""
    path = write(tmp_path, "contacts.csv", "First Name,Last Name,Company,Email\r\n"
                 "Ann,One,Contoso Legal,ann.one@contoso-legal.example\r\n")
    before = counts(admin)

    added: list[bool] = []

    def progress(done: int, total: int) -> None:
        if total and done == total // 2 and not added:
            added.append(True)
            with admin.db.session() as s:  # e.g. the mail worker creating a contact
                cid = s.exec(select(Client.id).where(Client.name == "Contoso Legal")).one()
                s.add(Contact(client_id=cid, name="Ann", email="ann.one@contoso-legal.example"))

    with pytest.raises(ImportFailed) as caught:
        svc.run_import(admin, req("contacts", path, "connectwise"), progress=progress)
    message = str(caught.value.errors[0])
    assert message.startswith("the database refused the import (UNIQUE constraint failed")
    assert message.endswith("; nothing was imported")
    after = counts(admin)
    after["contact"] -= 1  # the one the other console added
    assert after == before


def test_a_dotnet_empty_date_is_a_row_error(admin: Desk, tmp_path: Path) -> None:
    path = write(tmp_path, "tickets.csv",
                 "Ticket #,Summary,Company,Priority,Status,Date Entered,Closed Date\r\n"
                 "99002,Old,Contoso Legal,Low,Closed,10/02/2026 9:12 AM,"
                 "01/01/0001 12:00:00 AM\r\n")
    before = counts(admin)
    with pytest.raises(ImportFailed) as caught:
        svc.run_import(admin, req("tickets", path, "connectwise", zone="Australia/Sydney"))
    assert [(e.row, e.column) for e in caught.value.errors] == [(2, "Closed Date")]
    assert "is not a date we can read" in caught.value.errors[0].message
    assert counts(admin) == before


def test_an_unterminated_quote_imports_nothing(admin: Desk, tmp_path: Path) -> None:
    path = write(tmp_path, "companies.csv", 'Company Name,Website,Territory\r\n'
                 'Acme Widgets,acme-widgets.example,"West\r\n'
                 "Globex,globex.example,East\r\nInitech,initech.example,North\r\n")
    before = counts(admin)
    with pytest.raises(ImportFailed) as caught:
        svc.run_import(admin, req("clients", path, "connectwise"))
    assert str(caught.value.errors[0]).startswith(
        "companies.csv: the file is not valid CSV at line 4: unexpected end of data")
    assert counts(admin) == before


def test_errors_and_preview_number_rows_as_the_spreadsheet(admin: Desk, tmp_path: Path) -> None:
    path = write(tmp_path, "contacts.csv", "First Name,Last Name,Company,Email\r\n"
                 "Ann,One,Contoso Legal,ann.one@contoso-legal.example\r\n,,,\r\n"
                 "Bob,Two,Contoso Legal,bob@\r\n")
    with pytest.raises(ImportFailed) as caught:
        svc.run_import(admin, req("contacts", path, "connectwise"))
    assert [e.row for e in caught.value.errors] == [4]
    assert svc.preview(admin, req("contacts", path, "connectwise")).row_numbers == (2, 4)


def test_negated_status_and_priority_never_close_or_escalate(admin: Desk,
                                                            tmp_path: Path) -> None:
    """"Incomplete"/"Unresolved" stay open (clocks start); "Non-Urgent" is reported."""
    head = "Ticket #,Summary,Company,Priority,Status,Date Entered,Closed Date\r\n"
    path = write(tmp_path, "tickets.csv", head +
                 "99003,Still open,Contoso Legal,High,Incomplete,10/02/2026 9:12 AM,\r\n"
                 "99004,Also open,Contoso Legal,High,Unresolved,10/02/2026 9:12 AM,\r\n"
                 "99005,Wallpaper,Contoso Legal,Non-Urgent,New,10/02/2026 9:12 AM,\r\n")
    with pytest.raises(ImportFailed) as caught:
        svc.run_import(admin, req("tickets", path, "connectwise"))
    assert [str(e) for e in caught.value.errors] == [
        "row 4, column 'Priority': 'Non-Urgent' is not a priority we can map to P1-P4 "
        "(use Critical, High, Medium, Low or P1-P4)"]
    path.write_text(path.read_text().replace("Non-Urgent", "Low"))
    svc.run_import(admin, req("tickets", path, "connectwise"))
    with admin.db.session() as s:
        for tag in ("99003", "99004"):
            t = s.exec(select(Ticket).where(Ticket.subject.like(f"[ConnectWise #{tag}]%"))).one()
            status = s.get(Status, t.status_id)
            assert status is not None and status.key == "in_progress"
            assert t.resolved_at is None and t.closed_at is None
            assert s.exec(select(SlaClock).where(SlaClock.ticket_id == t.id)).first()
        low = s.exec(select(Ticket).where(Ticket.subject.like("[ConnectWise #99005]%"))).one()
        assert low.priority == "P4"


def test_the_same_tickets_twice_in_one_import_are_refused(admin: Desk) -> None:
    path = DATA / "halo" / "tickets.csv"
    before = counts(admin)
    with pytest.raises(ImportFailed) as caught:
        svc.run_import(admin, [req("tickets", path, "halo", zone="Europe/London"),
                               req("tickets", path, "halo", zone="Europe/London")])
    assert "tickets.csv: '50211' is also on row 2 of tickets.csv" in \
        [e.message for e in caught.value.errors]
    assert counts(admin) == before


def test_reimporting_under_another_preset_is_refused(admin: Desk) -> None:
    path = DATA / "connectwise" / "service_tickets.csv"
    svc.run_import(admin, req("tickets", path, "connectwise"))
    before = counts(admin)
    with pytest.raises(ImportFailed) as caught:
        svc.run_import(admin, req("tickets", path, "custom"))
    first = caught.value.errors[0]
    assert (first.row, first.column) == (2, "Ticket #")
    assert " was imported before as [ConnectWise #" in first.message
    assert counts(admin) == before


def test_a_tickets_file_without_ticket_numbers_is_refused(admin: Desk, tmp_path: Path) -> None:
    path = write(tmp_path, "tickets.csv",
                 "Summary,Company,Priority,Status,Date Entered,Closed Date\r\n"
                 "Printer jam,Contoso Legal,Low,Closed,10/02/2026 9:12 AM,10/02/2026 11:40 AM\r\n")
    before = counts(admin)
    with pytest.raises(ImportFailed) as caught:
        svc.run_import(admin, req("tickets", path, "connectwise"))
    assert [str(e) for e in caught.value.errors] == [
        "the file has no column for 'Ticket #' (tickets.external_id): the ticket number is "
        "what keeps a second import of the same tickets from duplicating them"]
    assert counts(admin) == before


def test_a_too_long_subject_is_reported_not_cut(admin: Desk, tmp_path: Path) -> None:
    subject = "S" * 480 + "END-OF-SUBJECT"
    path = write(tmp_path, "tickets.csv",
                 "Ticket #,Summary,Company,Priority,Status,Date Entered,Closed Date\r\n"
                 f"99001,{subject},Contoso Legal,Low,Closed,10/02/2026 9:12 AM,"
                 "10/02/2026 11:40 AM\r\n")
    before = counts(admin)
    with pytest.raises(ImportFailed) as caught:
        svc.run_import(admin, req("tickets", path, "connectwise"))
    assert [(e.row, e.column) for e in caught.value.errors] == [(2, "Summary")]
    assert "at most 479 fit" in caught.value.errors[0].message
    assert counts(admin) == before


def test_a_ticket_names_a_contact_without_email(admin: Desk, tmp_path: Path) -> None:
    contacts = write(tmp_path, "contacts.csv", "First Name,Last Name,Company,Email\r\n"
                     "Walk,In,Contoso Legal,\r\n")
    tickets = write(tmp_path, "tickets.csv",
                    "Ticket #,Summary,Company,Contact,Priority,Status,Date Entered,Closed Date\r\n"
                    "99010,Phone call,Contoso Legal,Walk In,Low,Closed,10/02/2026 9:12 AM,"
                    "10/02/2026 9:40 AM\r\n")
    svc.run_import(admin, [req("contacts", contacts, "connectwise"),
                           req("tickets", tickets, "connectwise")])
    with admin.db.session() as s:
        walk = s.exec(select(Contact).where(Contact.name == "Walk In")).one()
        ticket = s.exec(select(Ticket).where(Ticket.subject.like("[ConnectWise #99010]%"))).one()
    assert ticket.contact_id == walk.id


# ---------------------------------------------------------------- date order

DAY_FIRST = DATA / "edge" / "tickets_day_first.csv"
DEFAULT_REFUSED = ("row 3, column 'Date Logged': the file writes dates day first; choose 'day "
                   "first' ('13/04/2026 08:30' cannot be month first, which Custom mapping "
                   "assumes)")


def created_of(desk: Desk, number: str) -> object:
    with desk.db.session() as s:
        return s.exec(select(Ticket.created_at).where(
            Ticket.subject.like(f"[% #{number}]%"))).one()  # type: ignore[attr-defined]


def test_a_custom_file_read_day_first(admin: Desk) -> None:
    """03/04/2026 is 3 April once the admin says the file is day first; ISO rows too."""
    result = svc.run_import(admin, req("tickets", DAY_FIRST, zone="Europe/London",
                                       date_order="DMY"))
    assert result.counts == {"tickets": 3}
    assert created_of(admin, "71001") == datetime(2026, 4, 3, 8, 15, tzinfo=UTC)  # BST, stored UTC
    assert created_of(admin, "71002") == datetime(2026, 4, 13, 7, 30, tzinfo=UTC)
    assert created_of(admin, "71003") == datetime(2026, 11, 20, 14, 0, tzinfo=UTC)  # ISO, GMT


def test_a_month_first_file_imports_month_first(admin: Desk, tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", "Ticket ID,Summary,Client Name,Priority,Status,Date Logged\n"
                 "71101,A,Contoso Legal,Low,New,03/04/2026 09:15\n"
                 "71102,B,Contoso Legal,Low,New,04/13/2026 09:15\n")
    svc.run_import(admin, req("tickets", path, zone="UTC", date_order="MDY"))
    assert created_of(admin, "71101") == datetime(2026, 3, 4, 9, 15, tzinfo=UTC)
    with pytest.raises(ImportFailed) as caught:  # the same file read day first: refused
        svc.run_import(admin, req("tickets", path, "halo", zone="UTC"))
    assert [str(e) for e in caught.value.errors] == [
        "row 3, column 'Date Logged': the file writes dates month first; choose 'month "
        "first' ('04/13/2026 09:15' cannot be day first, which HaloPSA assumes)"]


def test_a_contradicting_date_order_refuses_the_file(admin: Desk) -> None:
    before = counts(admin)
    with pytest.raises(ImportFailed) as caught:
        svc.run_import(admin, req("tickets", DAY_FIRST, date_order="MDY"))
    assert [str(e) for e in caught.value.errors] == [
        "row 3, column 'Date Logged': '13/04/2026 08:30' only reads day-first; "
        "choose 'day first'"]
    # Left at the custom preset's month-first default: the error says what the file uses.
    with pytest.raises(ImportFailed) as caught:
        svc.run_import(admin, req("tickets", DAY_FIRST))
    assert [str(e) for e in caught.value.errors] == [DEFAULT_REFUSED]
    # Several files: the message names the file.
    with pytest.raises(ImportFailed) as caught:
        svc.run_import(admin, [req("tickets", DAY_FIRST, date_order="ISO"),
                               req("clients", DATA / "halo" / "clients.csv", "halo")])
    assert [str(e) for e in caught.value.errors] == [
        "row 3, column 'Date Logged': tickets_day_first.csv: the dates are not ISO "
        "(2026-04-13); choose 'day first' ('13/04/2026 08:30')"]
    assert counts(admin) == before
    shown = svc.preview(admin, req("tickets", DAY_FIRST))
    assert [str(p) for p in shown.problems] == [DEFAULT_REFUSED]
    assert svc.preview(admin, req("tickets", DAY_FIRST, date_order="DMY")).problems == []


def test_iso_dates_import_in_every_order(admin: Desk, tmp_path: Path) -> None:
    for i, order in enumerate(("DMY", "MDY", "ISO")):
        path = write(tmp_path, f"{order}.csv",
                     "Ticket ID,Summary,Client Name,Priority,Status,Date Logged,Date Closed\n"
                     f"7120{i},A,Contoso Legal,Low,Closed,2026-04-13 08:30,2026-04-14T10:00Z\n")
        svc.run_import(admin, req("tickets", path, "halo", zone="UTC", date_order=order))
        assert created_of(admin, f"7120{i}") == datetime(2026, 4, 13, 8, 30, tzinfo=UTC)


def test_an_unknown_date_order_is_refused(admin: Desk) -> None:
    with pytest.raises(ImportFailed) as caught:
        svc.run_import(admin, req("tickets", DAY_FIRST, date_order="YMD"))
    assert str(caught.value.errors[0]) == (
        "unknown date order 'YMD' (one of DMY (day first), MDY (month first), ISO (ISO only))")


# ---------------------------------------------------------------- one set of rules


def test_the_import_refuses_what_the_client_form_refuses(admin: Desk, tmp_path: Path) -> None:
    """`a@b.c` (one-letter top-level domain), a phone without digits and a hostname with a
    space are refused by the import with row and column, as the client settings form
    refuses them: nothing imported cannot be saved again from that form."""
    from msp_tui.services import client_admin as ca

    contacts = write(tmp_path, "contacts.csv",
                     "First Name,Last Name,Company,Email,Phone\n"
                     "Abe,Bee,Contoso Legal,a@b.c,555 0101\n"
                     "Cy,Dee,Contoso Legal,cy.dee@contoso-legal.example,call me\n")
    assets = write(tmp_path, "assets.csv",
                   "Configuration Name,Company,Configuration Type\n"
                   "front desk!,Contoso Legal,Workstation\n")
    before = counts(admin)
    with pytest.raises(ImportFailed) as caught:
        svc.run_import(admin, req("contacts", contacts, "connectwise"))
    assert [str(e) for e in caught.value.errors] == [
        "row 2, column 'Email': 'a@b.c' is not an email address",
        "row 3, column 'Phone': phone 'call me' is not a number like +1 212 555 0100",
    ]
    with pytest.raises(ImportFailed) as caught:
        svc.run_import(admin, req("assets", assets, "connectwise"))
    assert [str(e) for e in caught.value.errors] == [
        "row 2, column 'Configuration Name': hostname 'front desk!' may hold only letters, "
        "digits, '-' and '.'",
    ]
    assert counts(admin) == before
    with admin.db.session() as s:
        cid = s.exec(select(Client.id).where(Client.name == "Contoso Legal")).one()
    for bad in (ca.ContactInput("Abe Bee", "a@b.c"), ca.ContactInput("Cy Dee", phone="call me")):
        with pytest.raises(ServiceError):
            ca.add_contact(admin, cid, bad)  # type: ignore[arg-type]
    with pytest.raises(ServiceError, match="may hold only letters"):
        ca.add_asset(admin, cid, ca.AssetInput("front desk!", "workstation"))  # type: ignore[arg-type]
    # the client file: a website whose domain the form refuses has no domain in it
    clients = write(tmp_path, "clients.csv", "Company Name,Web Site\nNew Co,b.c\n")
    with pytest.raises(ImportFailed) as caught:
        svc.run_import(admin, req("clients", clients, "connectwise"))
    assert [str(e) for e in caught.value.errors] == [
        "row 2, column 'Web Site': 'b.c' has no domain name in it"]


def test_client_names_match_as_the_settings_form_compares_them(admin: Desk,
                                                               tmp_path: Path) -> None:
    """"Acme  Corp" on the desk and "acme corp" in a file are one client (name_key: case
    and runs of spaces do not count), for new clients, contacts, assets and tickets."""
    with admin.db.session() as s:
        acme = Client(name="Acme  Corp", billing_type="time_and_materials", created_at=FIXED_NOW)
        s.add(acme)
        s.flush()
        acme_id = acme.id
    dup = write(tmp_path, "clients.csv", "Company Name\nACME CORP\n")
    with pytest.raises(ImportFailed) as caught:
        svc.run_import(admin, req("clients", dup, "connectwise"))
    assert [str(e) for e in caught.value.errors] == [
        "row 2, column 'Company Name': a client named 'Acme  Corp' already exists"]
    contacts = write(tmp_path, "contacts.csv",
                     "First Name,Last Name,Company,Email,Phone\n"
                     "Ann,Acme,acme corp,ann@acme-corp.example,555 0101\n")
    assets = write(tmp_path, "assets.csv",
                   "Configuration Name,Company,Configuration Type\n"
                   "ACME-PC1, Acme Corp ,Workstation\n")
    result = svc.run_import(admin, [req("contacts", contacts, "connectwise"),
                                    req("assets", assets, "connectwise")])
    assert result.counts == {"contacts": 1, "assets": 1}
    with admin.db.session() as s:
        ann = s.exec(select(Contact).where(Contact.email == "ann@acme-corp.example")).one()
        pc = s.exec(select(Asset).where(Asset.hostname == "ACME-PC1")).one()
        assert ann.client_id == pc.client_id == acme_id
