"""The CSV import finds SLA profiles, technicians and contacts by the settings' own name
key (`sla_admin.name_key`: casefold, runs of spaces ignored), so 'STRASSE' is 'Straße'
and 'ZOË' is 'Zoë' in a file just as the settings forms see them."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from msp_tui.services import csv_import as svc
from msp_tui.services.csv_import import ImportFailed
from msp_tui.services.desk import Desk
from msp_tui.services.sla_admin import name_key
from msp_tui.store.models import Asset, Client, Contact, SlaProfile, Technician, Ticket
from tests.services.test_csv_import import req, write

CONTOSO = "Contoso Legal"
TICKETS_HEAD = ("Ticket #,Summary,Company,Contact,Priority,Status,Date Entered,Closed Date,"
                "Assigned To\n")


def rename_profile(desk: Desk, old: str, new: str) -> int:
    with desk.db.session() as s:
        row = s.exec(select(SlaProfile).where(SlaProfile.name == old)).one()
        row.name = new
        s.add(row)
        s.flush()
        assert row.id is not None
        return row.id


def rename_technician(desk: Desk, email: str, new: str) -> int:
    with desk.db.session() as s:
        row = s.exec(select(Technician).where(Technician.email == email)).one()
        row.name = new
        s.add(row)
        s.flush()
        assert row.id is not None
        return row.id


def add_contact(desk: Desk, name: str, email: str | None) -> int:
    with desk.db.session() as s:
        cid = s.exec(select(Client.id).where(Client.name == CONTOSO)).one()
        row = Contact(client_id=cid, name=name, email=email)
        s.add(row)
        s.flush()
        assert row.id is not None
        return row.id


def test_name_key_folds_case_in_any_script() -> None:
    assert name_key("STRASSE") == name_key("Straße") == name_key(" strasse ")
    assert name_key("ZOË  GROSS") == name_key("Zoë Groß")
    assert "STRASSE".lower() != "Straße".lower()  # what the import compared before


def test_a_clients_sla_profile_is_found_by_its_name_key(admin: Desk, tmp_path: Path) -> None:
    profile_id = rename_profile(admin, "Gold", "Straße")
    path = write(tmp_path, "clients.csv", "Client Name,Website,SLA\n"
                 "Wiener Werkstatt,wiener-werkstatt.example,STRASSE\n")
    svc.run_import(admin, req("clients", path, "halo"))
    with admin.db.session() as s:
        client = s.exec(select(Client).where(Client.name == "Wiener Werkstatt")).one()
        assert client.sla_profile_id == profile_id


def test_an_unknown_profile_lists_the_names_as_stored(admin: Desk, tmp_path: Path) -> None:
    rename_profile(admin, "Gold", "Straße")
    path = write(tmp_path, "clients.csv", "Client Name,Website,SLA\n"
                 "Wiener Werkstatt,wiener-werkstatt.example,Strasse Gold\n")
    with pytest.raises(ImportFailed) as caught:
        svc.run_import(admin, req("clients", path, "halo"))
    assert [str(e) for e in caught.value.errors] == [
        "row 2, column 'SLA': there is no SLA profile 'Strasse Gold' "
        "(known: Platinum, Standard, Straße)"]


def test_tickets_find_technician_and_contact_by_name_key(admin: Desk, tmp_path: Path) -> None:
    tech_id = rename_technician(admin, "alex.morgan@demo-msp.example", "Jürgen Straße")
    contact_id = add_contact(admin, "Zoë Groß", None)  # a walk-in: linked by name
    path = write(tmp_path, "tickets.csv", TICKETS_HEAD +
                 f"77001,Printer jam,{CONTOSO},ZOË  GROSS,High,New,11/20/2026 9:00 AM,,"
                 "JÜRGEN STRASSE\n")
    svc.run_import(admin, req("tickets", path, "connectwise"))
    with admin.db.session() as s:
        ticket = s.exec(select(Ticket).where(Ticket.subject.like("%#77001]%"))).one()  # type: ignore[attr-defined]
        assert (ticket.assignee_id, ticket.contact_id) == (tech_id, contact_id)


def test_an_asset_user_is_found_by_the_contacts_name_key(admin: Desk, tmp_path: Path) -> None:
    add_contact(admin, "Zoë Groß", "zoe.gross@contoso-legal.example")
    path = write(tmp_path, "configurations.csv",
                 "Configuration Name,Type,Status,Company,Contact\n"
                 f"CL-LT-ZGROSS,Managed Laptop,Active,{CONTOSO},zoë gross\n")
    svc.run_import(admin, req("assets", path, "connectwise"))
    with admin.db.session() as s:
        asset = s.exec(select(Asset).where(Asset.hostname == "CL-LT-ZGROSS")).one()
        assert asset.user_upn == "zoe.gross@contoso-legal.example"
