"""Client administration on the demo data: every validation message, audits, the admin
gate, and the bulk SLA profile change with and without re-applying to open tickets."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from msp_tui.services import client_admin as ca
from msp_tui.services.desk import Desk
from msp_tui.services.tickets import ServiceError
from msp_tui.store.db import read_change_seq
from msp_tui.store.models import (
    AuditEvent,
    Client,
    ClientDomain,
    Contact,
    EscalationContact,
    SlaClock,
    SlaProfile,
    Status,
    Ticket,
)

ADMIN = "jamie.fox@demo-msp.example"




def _client_id(desk: Desk, name: str) -> int:
    with desk.db.session() as s:
        cid = s.exec(select(Client.id).where(Client.name == name)).one()
        assert cid is not None
        return cid


def _profile_id(desk: Desk, name: str) -> int:
    with desk.db.session() as s:
        pid = s.exec(select(SlaProfile.id).where(SlaProfile.name == name)).one()
        assert pid is not None
        return pid


def _audits(s: Session, entity: str, entity_id: int) -> dict[str, tuple[str | None, str | None]]:
    rows = s.exec(
        select(AuditEvent).where(AuditEvent.entity == entity, AuditEvent.entity_id == entity_id)
    ).all()
    return {r.field: (r.old_value, r.new_value) for r in rows}


def _seq(desk: Desk) -> int:
    with desk.db.session() as s:
        return read_change_seq(s)


def _refused(fn, *args, **kwargs) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(ServiceError) as err:
        fn(*args, **kwargs)
    return str(err.value)


# ---------------------------------------------------------------- reads and the gate


def test_list_shows_profile_billing_counts_and_domains(admin: Desk) -> None:
    rows = {r.name: r for r in ca.list_clients(admin)}
    assert len(rows) == 10
    fab = rows["Fabrikam Manufacturing"]
    assert (fab.profile, fab.billing_type, fab.vip, fab.contacts) == (
        "Gold", "fixed_monthly", False, 3)
    assert fab.domains == ("fabrikam-mfg.example", "fabrikam.example")
    assert rows["Northwind Health"].vip and rows["Blue Yonder Consulting"].profile is None
    with admin.db.session() as s:
        open_ids = s.exec(
            select(Ticket.id).join(Status, Status.id == Ticket.status_id)  # type: ignore[arg-type]
            .where(Ticket.client_id == fab.id,
                   Status.category.in_(("open", "paused")))  # type: ignore[attr-defined]
        ).all()
    assert fab.open_tickets == len(open_ids) > 0
    assert rows["Tailspin Logistics"].contacts == 1  # Victor Shaw left: not counted
    assert [r.name for r in ca.list_clients(admin, "  WIN ")] == [
        "Northwind Health", "Wingtip Architects"]


def test_a_technician_may_read_but_not_change(demo_desk: Desk) -> None:
    cid = _client_id(demo_desk, "Alpine Bakery")
    assert ca.get_client(demo_desk, cid).name == "Alpine Bakery"
    before = _seq(demo_desk)
    message = _refused(ca.add_domain, demo_desk, cid, "alpine.example")
    assert message == (
        "only admins may change settings; this console is Alex Morgan (technician)"
    )
    for call in (
        lambda: ca.update_client(demo_desk, cid, ca.ClientInput("X", "hybrid")),
        lambda: ca.create_client(demo_desk, ca.ClientInput("New", "hybrid")),
        lambda: ca.add_contact(demo_desk, cid, ca.ContactInput("A")),
        lambda: ca.bulk_set_profile(demo_desk, [cid], None, reapply_to_open_tickets=False),
        lambda: ca.preview_bulk_profile(demo_desk, [cid], None, reapply_to_open_tickets=False),
    ):
        with pytest.raises(ServiceError, match="only admins"):
            call()
    assert _seq(demo_desk) == before
    assert ca.get_client(demo_desk, cid).domains[0].domain == "alpine-bakery.example"


# ---------------------------------------------------------------- client fields


def test_create_client_with_profile_audits_and_bumps(admin: Desk) -> None:
    gold = _profile_id(admin, "Gold")
    before = _seq(admin)
    cid = ca.create_client(admin, ca.ClientInput(
        " Coho Winery ", "hybrid", gold, hourly_rate="$1,149.5", vip=True,
        hybrid_billable_default=False))
    d = ca.get_client(admin, cid)
    assert (d.name, d.profile, d.hourly_rate_cents, d.vip, d.hybrid_billable_default) == (
        "Coho Winery", "Gold", 114950, True, False)
    assert ca.rate_text(d.hourly_rate_cents) == "1149.50"
    with admin.db.session() as s:
        assert _audits(s, "client", cid) == {
            "created": (None, "Coho Winery"), "sla_profile": (None, "Gold")}
    assert _seq(admin) > before


def test_client_validation_lists_every_problem(admin: Desk) -> None:
    message = _refused(ca.create_client, admin, ca.ClientInput(
        "  ", "monthly", 999, hourly_rate="12,x"))
    assert message == (
        "a client needs a name; unknown billing type 'monthly'; expected fixed_monthly, "
        "time_and_materials, hybrid; no SLA profile with id 999; "
        "hourly rate '12,x' is not an amount like 150 or 149.50"
    )
    assert _refused(ca.create_client, admin, ca.ClientInput("alpine bakery", "hybrid")) == (
        "there is already a client named 'Alpine Bakery'")
    assert _refused(ca.create_client, admin, ca.ClientInput("x" * 201, "hybrid")) == (
        "client names are at most 200 characters")
    assert _refused(ca.create_client, admin, ca.ClientInput(
        "A", "hybrid", hourly_rate="-5")) == "the hourly rate cannot be negative"
    assert _refused(ca.create_client, admin, ca.ClientInput(
        "A", "hybrid", hourly_rate="1.005")) == (
        "hourly rate '1.005' is not an amount like 150 or 149.50")
    assert _refused(ca.create_client, admin, ca.ClientInput(
        "A", "hybrid", hourly_rate="250000")) == "hourly rate '250000' is implausibly high"
    with admin.db.session() as s:
        assert s.exec(select(Client).where(Client.name == "A")).first() is None


def test_update_client_audits_only_changed_fields(admin: Desk) -> None:
    cid = _client_id(admin, "Alpine Bakery")
    d = ca.get_client(admin, cid)
    ca.update_client(admin, cid, ca.ClientInput(
        name=d.name, billing_type="hybrid", sla_profile_id=d.sla_profile_id,
        hourly_rate="95", hybrid_billable_default=d.hybrid_billable_default,
        csat_enabled=False, vip=d.vip, portal_enabled=d.portal_enabled, notes=" bread ",
        active=d.active))
    with admin.db.session() as s:
        assert _audits(s, "client", cid) == {
            "billing_type": ("time_and_materials", "hybrid"),
            "hourly_rate_cents": ("15000", "9500"),  # the demo T&M rate, then the new one
            "csat_enabled": ("True", "False"),
            "notes": ("", "bread"),
        }
    # renaming onto another client is refused, nothing changes
    assert _refused(ca.update_client, admin, cid, ca.ClientInput("Litware Dental", "hybrid")) \
        == "there is already a client named 'Litware Dental'"
    assert ca.get_client(admin, cid).name == "Alpine Bakery"


# ---------------------------------------------------------------- domains and portal


def test_domains_are_validated_unique_and_named(admin: Desk) -> None:
    cid = _client_id(admin, "Alpine Bakery")
    did = ca.add_domain(admin, cid, " @Alpine-Bakery.CO.uk. ")
    assert "alpine-bakery.co.uk" in [d.domain for d in ca.get_client(admin, cid).domains]
    for bad in ("alpine", "-bad.example", "bad_.example", "a..example", "x.c0m", ""):
        assert _refused(ca.add_domain, admin, cid, bad) == (
            f"{bad.strip()!r} is not a domain like example.com")
    assert _refused(ca.add_domain, admin, cid, "TAILSPIN.example") == (
        "tailspin.example already belongs to Tailspin Logistics")
    assert _refused(ca.add_domain, admin, cid, "alpine-bakery.example") == (
        "alpine-bakery.example already belongs to this client")
    ca.remove_domain(admin, did)
    with admin.db.session() as s:
        assert s.get(ClientDomain, did) is None
        rows = s.exec(select(AuditEvent).where(AuditEvent.field == "domain")).all()
        assert [(r.old_value, r.new_value) for r in rows] == [
            (None, "alpine-bakery.co.uk"), ("alpine-bakery.co.uk", None)]
    assert _refused(ca.remove_domain, admin, did) == "that domain was already removed"


def test_portal_logins_are_emails_unique_across_clients(admin: Desk) -> None:
    cid = _client_id(admin, "Alpine Bakery")
    lid = ca.add_portal_login(admin, cid, "Tom.Becker@alpine-bakery.example")
    assert [p.email for p in ca.get_client(admin, cid).portal_logins] == [
        "tom.becker@alpine-bakery.example"]
    assert _refused(ca.add_portal_login, admin, cid, "tom") == (
        "'tom' is not an email address like name@example.com")
    assert _refused(ca.add_portal_login, admin, cid, " ") == "a portal login needs an email address"
    assert _refused(ca.add_portal_login, admin, cid, "hannah.cole@contoso-legal.example") == (
        "hannah.cole@contoso-legal.example already signs in to the portal for Contoso Legal")
    ca.remove_portal_login(admin, lid)
    assert ca.get_client(admin, cid).portal_logins == ()


# ---------------------------------------------------------------- contacts


def test_contacts_add_edit_terminate(admin: Desk) -> None:
    cid = _client_id(admin, "Alpine Bakery")
    contact = ca.add_contact(admin, cid, ca.ContactInput(
        "Mia Becker", "Mia@Alpine-Bakery.example", "+1 845 555 0182", authorized=False))
    view = next(c for c in ca.get_client(admin, cid).contacts if c.id == contact)
    assert (view.email, view.authorized, view.terminated) == (
        "mia@alpine-bakery.example", False, False)
    ca.update_contact(admin, contact, ca.ContactInput(
        "Mia Becker", "mia@alpine-bakery.example", "+1 845 555 0183 ext 2", authorized=True))
    ca.set_contact_terminated(admin, contact, True)
    with admin.db.session() as s:
        row = s.get(Contact, contact)
        assert row is not None and row.terminated and row.phone == "+1 845 555 0183 ext 2"
        assert _audits(s, "contact", contact) == {
            "created": (None, "Mia Becker <mia@alpine-bakery.example>"),
            "phone": ("+1 845 555 0182", "+1 845 555 0183 ext 2"),
            "authorized": ("False", "True"),
            "terminated": ("False", "True"),
        }
    ca.set_contact_terminated(admin, contact, False)
    assert not next(c for c in ca.get_client(admin, cid).contacts if c.id == contact).terminated


def test_contact_validation_and_unique_email(admin: Desk) -> None:
    cid = _client_id(admin, "Alpine Bakery")
    assert _refused(ca.add_contact, admin, cid, ca.ContactInput(
        "", "nope@", "call me")) == (
        "a contact needs a name; 'nope@' is not an email address like name@example.com; "
        "phone 'call me' is not a number like +1 212 555 0100")
    assert _refused(ca.add_contact, admin, cid, ca.ContactInput(
        "Imposter", "HANNAH.COLE@contoso-legal.example")) == (
        "hannah.cole@contoso-legal.example is already the email of Hannah Cole (Contoso Legal)")
    assert _refused(ca.add_contact, admin, cid, ca.ContactInput(
        "Long", phone="1" * 41)) == f"phone {'1' * 41!r} is longer than 40 characters"
    tom = next(c for c in ca.get_client(admin, cid).contacts if c.name == "Tom Becker")
    # editing keeps its own email without clashing with itself
    ca.update_contact(admin, tom.id, ca.ContactInput("Tom Becker", tom.email or "", tom.phone))
    assert _refused(ca.update_contact, admin, tom.id, ca.ContactInput(
        "Tom Becker", "ada.brooks@wingtip-arch.example")) == (
        "ada.brooks@wingtip-arch.example is already the email of Ada Brooks (Wingtip Architects)")


# ---------------------------------------------------------------- assets


def test_assets_validation_and_removal(admin: Desk) -> None:
    cid = _client_id(admin, "Alpine Bakery")
    aid = ca.add_asset(admin, cid, ca.AssetInput("ALP-LT02", " Laptop ", "Tom.Becker@x.example"))
    asset = next(a for a in ca.get_client(admin, cid).assets if a.id == aid)
    assert (asset.kind, asset.user_upn) == ("laptop", "tom.becker@x.example")
    assert _refused(ca.add_asset, admin, cid, ca.AssetInput("bad host!", "", "tom")) == (
        "hostname 'bad host!' may hold only letters, digits, '-' and '.'; "
        "an asset needs a kind (workstation, laptop, server, firewall, ...); "
        "user: 'tom' is not an email address like name@example.com")
    assert _refused(ca.add_asset, admin, cid, ca.AssetInput("alp-pc01", "desktop")) == (
        "this client already has an asset named ALP-PC01")
    assert _refused(ca.add_asset, admin, cid, ca.AssetInput("", "x" * 41)) == (
        "an asset needs a hostname; asset kinds are at most 40 characters")
    ca.update_asset(admin, aid, ca.AssetInput("ALP-LT03", "laptop", "tom.becker@x.example"))
    with admin.db.session() as s:
        ticket = s.exec(select(Ticket).where(Ticket.client_id == cid)).first()
        assert ticket is not None
        ticket.asset_id = aid
        s.add(ticket)
    assert _refused(ca.remove_asset, admin, aid) == (
        "ALP-LT03 is named on 1 ticket; edit it instead")
    with admin.db.session() as s:
        ticket = s.get(Ticket, ticket.id)
        assert ticket is not None
        ticket.asset_id = None
        s.add(ticket)
    ca.remove_asset(admin, aid)
    with admin.db.session() as s:
        assert _audits(s, "asset", aid) == {
            "created": (None, "ALP-LT02"), "hostname": ("ALP-LT02", "ALP-LT03"),
            "deleted": ("ALP-LT03", None)}


# ---------------------------------------------------------------- escalation contacts


def test_call_windows_text_round_trip_and_every_problem() -> None:
    windows = ca.parse_windows_text(
        "Mon-Fri 08:00-18:00 America/New_York; sat,sun 9:00-12:00 Europe/Paris")
    assert windows == (
        {"days": [0, 1, 2, 3, 4], "start": "08:00", "end": "18:00", "tz": "America/New_York"},
        {"days": [5, 6], "start": "9:00", "end": "12:00", "tz": "Europe/Paris"},
    )
    assert ca.windows_text(windows) == (
        "Mon-Fri 08:00-18:00 America/New_York; Sat-Sun 9:00-12:00 Europe/Paris")
    assert ca.parse_windows_text("daily 00:00-24:00 UTC")[0]["days"] == list(range(7))
    assert ca.parse_windows_text("") == ()
    with pytest.raises(ServiceError) as err:
        ca.parse_windows_text("Mon-Fri 8-18; Funday 08:00-10:00 UTC; Fri-Mon 08:00-10:00 UTC")
    assert str(err.value) == (
        "window 1 'Mon-Fri 8-18': write days, hours and zone like "
        "'Mon-Fri 08:00-18:00 America/New_York'; "
        "window 2: 'Funday' is not a day (Mon, Tue, ... Sun, a range Mon-Fri, or Daily); "
        "window 3: 'Fri-Mon' is not a day range from an earlier day to a later one")
    with pytest.raises(ServiceError) as err:
        ca.parse_windows_text("Mon 08:00-25:00 UTC; Tue 08:00-18:00 Europe/Pariss; "
                              "Wed 09:00-09:00 UTC; Thu 8am-5pm UTC")
    assert str(err.value) == (
        "window 1: time '25:00' is not HH:MM between 00:00 and 24:00; "
        "window 2: unknown time zone 'Europe/Pariss'; window 3: starts and ends at 09:00; "
        "window 4: start '8am' is not HH:MM; window 4: end '5pm' is not HH:MM")


def test_escalation_contacts_order_validation_and_audit(admin: Desk) -> None:
    cid = _client_id(admin, "Alpine Bakery")
    first = ca.add_escalation_contact(admin, cid, ca.EscalationInput(
        "Tom mobile", ("+1 845 555 0181",), (),
        ca.parse_windows_text("Mon-Sat 5:00-14:00 America/New_York")))
    second = ca.add_escalation_contact(admin, cid, ca.EscalationInput(
        "Owner", (), ("owner@alpine-bakery.example",)))
    assert _refused(ca.add_escalation_contact, admin, cid, ca.EscalationInput(
        " ", ("phone",), ("x@",),
        ({"days": [], "start": "08:00", "end": "18:00", "tz": "UTC"},
         {"days": [9], "start": "08:00", "end": "18:00", "tz": "UTC"}))) == (
        "an escalation contact needs a name; phone 'phone' is not a number like "
        "+1 212 555 0100; 'x@' is not an email address like name@example.com; "
        "window 1: no days; window 2: days [9] must be weekday numbers 0 (Mon) to 6 (Sun)")
    assert _refused(ca.add_escalation_contact, admin, cid, ca.EscalationInput("Nobody")) == (
        "an escalation contact needs a phone number or an email")
    view = ca.get_client(admin, cid).escalation_contacts
    assert [(e.position, e.name) for e in view] == [
        (0, "Tom Becker"), (1, "Tom mobile"), (2, "Owner")]
    assert view[-2].call_windows == (
        {"days": [0, 1, 2, 3, 4, 5], "start": "05:00", "end": "14:00",
         "tz": "America/New_York"},)
    ca.move_escalation_contact(admin, second, -1)
    names = [e.name for e in ca.get_client(admin, cid).escalation_contacts]
    assert names == ["Tom Becker", "Owner", "Tom mobile"]
    positions = [e.position for e in ca.get_client(admin, cid).escalation_contacts]
    assert positions == list(range(1, len(positions) + 1))
    ca.update_escalation_contact(admin, first, ca.EscalationInput(
        "Tom mobile", ("+1 845 555 0181", "+1 845 555 0199"), ("tom.becker@alpine-bakery.example",),
        ca.parse_windows_text("Mon-Fri 05:00-14:00 America/New_York")))
    ca.remove_escalation_contact(admin, second)
    with admin.db.session() as s:
        assert s.get(EscalationContact, second) is None
        audits = _audits(s, "escalation_contact", first)
        assert audits["phones"] == ("+1 845 555 0181", "+1 845 555 0181, +1 845 555 0199")
        assert audits["call_windows"] == (
            "Mon-Sat 05:00-14:00 America/New_York", "Mon-Fri 05:00-14:00 America/New_York")
        assert "position" in audits
    positions = [e.position for e in ca.get_client(admin, cid).escalation_contacts]
    assert positions == list(range(1, len(positions) + 1))


# ---------------------------------------------------------------- bulk SLA profile


def _open_state(desk: Desk, client_ids: list[int]) -> dict[int, tuple[int | None, tuple]]:
    """Each open ticket's profile and its active clocks' due instants."""
    with desk.db.session() as s:
        tickets = s.exec(
            select(Ticket).join(Status, Status.id == Ticket.status_id)  # type: ignore[arg-type]
            .where(Ticket.client_id.in_(client_ids),  # type: ignore[union-attr]
                   Status.category.in_(("open", "paused")))  # type: ignore[attr-defined]
        ).all()
        out = {}
        for t in tickets:
            clocks = s.exec(
                select(SlaClock.kind, SlaClock.due_at)
                .where(SlaClock.ticket_id == t.id,
                       SlaClock.state.in_(("running", "paused")))  # type: ignore[attr-defined]
                .order_by(SlaClock.kind)
            ).all()
            out[t.id] = (t.sla_profile_id, tuple(clocks))
        return out  # type: ignore[return-value]


def test_bulk_without_reapply_moves_clients_only(admin: Desk) -> None:
    ids = [_client_id(admin, n) for n in ("Alpine Bakery", "Litware Dental", "Adatum Finance")]
    platinum = _profile_id(admin, "Platinum")
    before = _open_state(admin, ids)
    preview = ca.preview_bulk_profile(admin, ids, platinum, reapply_to_open_tickets=False)
    assert (preview.clients, preview.changing, preview.reapplied) == (3, 3, 0)
    assert preview.open_tickets == len(before)
    assert preview.what_if.moved == 0
    assert _open_state(admin, ids) == before  # the preview wrote nothing
    result = ca.bulk_set_profile(admin, ids, platinum, reapply_to_open_tickets=False)
    assert (result.clients, result.changed, result.reapplied) == (3, 3, 0)
    after = _open_state(admin, ids)
    moved = [tid for tid in before if before[tid][1] and before[tid] != after[tid]]
    assert moved == []  # tickets keep the profile and due instants their clocks run on
    with admin.db.session() as s:
        assert {c.sla_profile_id for c in s.exec(select(Client).where(
            Client.id.in_(ids))).all()} == {platinum}  # type: ignore[union-attr]
        for cid in ids:
            assert _audits(s, "client", cid)["sla_profile"][1] == "Platinum"


def test_bulk_with_reapply_moves_open_tickets_as_previewed(admin: Desk) -> None:
    ids = [_client_id(admin, n) for n in ("Alpine Bakery", "Litware Dental", "Northwind Health")]
    platinum = _profile_id(admin, "Platinum")
    before = _open_state(admin, ids)
    running = [tid for tid, (_, clocks) in before.items() if clocks]
    assert running
    preview = ca.preview_bulk_profile(admin, ids, platinum, reapply_to_open_tickets=True)
    assert (preview.clients, preview.changing) == (3, 2)  # Northwind is on Platinum already
    assert preview.reapplied > 0 and preview.what_if.moved > 0
    assert preview.what_if.earlier > preview.what_if.later  # Platinum is the faster tier
    text = preview.describe()
    assert text.startswith("3 clients to Platinum: 2 change profile, 1 already on it\n")
    assert f"{preview.open_tickets} open tickets; {preview.reapplied} re-applied" in text
    assert _open_state(admin, ids) == before
    result = ca.bulk_set_profile(admin, ids, platinum, reapply_to_open_tickets=True)
    assert result.reapplied == preview.reapplied
    after = _open_state(admin, ids)
    assert all(after[tid][0] == platinum for tid in running)
    def dues(clocks: tuple) -> tuple:  # a paused clock has no due instant to move
        return tuple(c for c in clocks if c[1] is not None)

    changed_due = [tid for tid in running if dues(before[tid][1]) != dues(after[tid][1])]
    assert len(changed_due) == preview.what_if.tickets
    with admin.db.session() as s:
        reapplied = s.exec(select(AuditEvent).where(
            AuditEvent.entity == "ticket", AuditEvent.field == "sla_profile")).all()
        assert len(reapplied) == len(
            [t for t in running if before[t][0] != platinum])
        client_rows = s.exec(select(AuditEvent).where(
            AuditEvent.entity == "client", AuditEvent.field == "sla_profile")).all()
        assert sorted(r.entity_id for r in client_rows) == sorted(ids[:2])


def test_bulk_refusals(admin: Desk) -> None:
    assert _refused(ca.bulk_set_profile, admin, [], None, reapply_to_open_tickets=False) == (
        "mark at least one client first")
    assert _refused(ca.preview_bulk_profile, admin, [9999], 777,
                    reapply_to_open_tickets=True) == (
        "no client with id 9999; no SLA profile with id 777")
