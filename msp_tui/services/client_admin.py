"""Client administration (admins): contract fields, mail domains, portal logins, contacts,
assets, escalation contacts, and moving many clients to one SLA profile at once.

Each write is one transaction that first validates everything it was given and refuses
with one `ServiceError` naming every problem, so a form can be fixed in one go; then it
writes, audits each changed field and bumps the change sequence. SLA profile changes go
through `sla_admin.set_client_profile`, the one place that knows how a client's open
tickets follow a new profile.
Writes that check a name or a call order before writing take the write lock first
(`serialize_writes`), so two consoles at once cannot both pass the same check.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from msp_tui.engine.contact_rules import (
    clean_domain,
    email_problem,
    hostname_problem,
    phone_problem,
)
from msp_tui.engine.contacts import DAY_NAMES, CallWindow, WindowError
from msp_tui.engine.vocabulary import BILLING_LABELS  # the client screens read ca.BILLING_LABELS
from msp_tui.services import sla, sla_admin
from msp_tui.services.admin_access import require_admin
from msp_tui.services.admin_edits import audit_changes, existing, fail_if, moved, plural, renumber
from msp_tui.services.desk import Desk
from msp_tui.services.tickets import Actor, ServiceError, audit
from msp_tui.store.client_queries import (
    OPEN_CATEGORIES,
    ClientDetail,
    ClientRow,
    client_detail,
    client_rows,
)
from msp_tui.store.db import bump_change_seq, serialize_writes
from msp_tui.store.models import (
    Asset,
    Client,
    ClientDomain,
    Contact,
    EscalationContact,
    PortalLogin,
    SlaClock,
    SlaProfile,
    Status,
    Ticket,
)

_HHMM = re.compile(r"^\d{1,2}:\d{2}$")


# ---------------------------------------------------------------- reads


def list_clients(desk: Desk, name_contains: str = "") -> list[ClientRow]:
    with desk.db.session() as s:
        return client_rows(s, name_contains)


def get_client(desk: Desk, client_id: int) -> ClientDetail:
    with desk.db.session() as s:
        detail = client_detail(s, client_id)
    if detail is None:
        raise ServiceError(f"no client with id {client_id}")
    return detail


@dataclass(frozen=True)
class ProfileChoice:
    id: int
    name: str


def profile_choices(desk: Desk) -> list[ProfileChoice]:
    with desk.db.session() as s:
        rows = s.execute(sa.select(SlaProfile.id, SlaProfile.name).order_by(SlaProfile.name))
        return [ProfileChoice(*r) for r in rows.all()]


# ---------------------------------------------------------------- client fields


@dataclass(frozen=True)
class ClientInput:
    """The Details form as typed: the hourly rate is text ("150", "149.50", "" = none)."""

    name: str
    billing_type: str
    sla_profile_id: int | None = None
    hourly_rate: str = ""
    hybrid_billable_default: bool = True
    csat_enabled: bool = True
    vip: bool = False
    portal_enabled: bool = False
    notes: str = ""
    active: bool = True


def rate_text(cents: int) -> str:
    """Cents as the form shows them: "150.00", "" for no rate."""
    return f"{cents // 100}.{cents % 100:02d}" if cents else ""


def _check_client(s: Session, data: ClientInput, client_id: int | None) -> tuple[str, int]:
    problems: list[str] = []
    name = data.name.strip()
    if not name:
        problems.append("a client needs a name")
    elif len(name) > 200:
        problems.append("client names are at most 200 characters")
    elif (clash := sla_admin.name_taken(s, Client, name, client_id)) is not None:
        problems.append(f"there is already a client named {clash!r}")
    if data.billing_type not in BILLING_LABELS:
        problems.append(
            f"unknown billing type {data.billing_type!r}; expected "
            + ", ".join(BILLING_LABELS)
        )
    if data.sla_profile_id is not None and s.get(SlaProfile, data.sla_profile_id) is None:
        problems.append(f"no SLA profile with id {data.sla_profile_id}")
    cents = 0
    text = data.hourly_rate.strip().replace(",", "").lstrip("$")
    if text:
        try:
            amount = Decimal(text)
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
            problems.append(f"hourly rate {data.hourly_rate!r} is not an amount like 150 or 149.50")
        elif amount < 0:
            problems.append("the hourly rate cannot be negative")
        elif amount > 100_000:
            problems.append(f"hourly rate {data.hourly_rate!r} is implausibly high")
        else:
            cents = int(amount * 100)
    fail_if(problems)
    return name, cents


def create_client(desk: Desk, data: ClientInput) -> int:
    require_admin(desk)
    at, actor = desk.clock.now(), desk.actor()
    with desk.db.session() as s:
        serialize_writes(s)
        name, cents = _check_client(s, data, None)
        client = Client(
            name=name,
            billing_type=data.billing_type,
            sla_profile_id=None,
            hourly_rate_cents=cents,
            hybrid_billable_default=data.hybrid_billable_default,
            csat_enabled=data.csat_enabled,
            vip=data.vip,
            portal_enabled=data.portal_enabled,
            notes=data.notes.strip(),
            active=data.active,
            created_at=at,
        )
        s.add(client)
        s.flush()
        cid: int = client.id  # type: ignore[assignment]
        audit(s, at=at, actor=actor, entity="client", entity_id=cid, field="created",
              old=None, new=name)
        if data.sla_profile_id is not None:
            sla_admin.set_client_profile(s, cid, data.sla_profile_id, at=at, actor=actor,
                                         reapply_to_open_tickets=False)
        bump_change_seq(s)
        return cid


def update_client(desk: Desk, client_id: int, data: ClientInput, *,
                  reapply_to_open_tickets: bool = False) -> int:
    """Save the Details form; a profile change (or `reapply_to_open_tickets`) goes
    through `set_client_profile`. Returns how many open tickets were re-applied."""
    require_admin(desk)
    at, actor = desk.clock.now(), desk.actor()
    with desk.db.session() as s:
        serialize_writes(s)
        client = _client(s, client_id)
        name, cents = _check_client(s, data, client_id)
        new = {
            "name": name,
            "billing_type": data.billing_type,
            "hourly_rate_cents": cents,
            "hybrid_billable_default": data.hybrid_billable_default,
            "csat_enabled": data.csat_enabled,
            "vip": data.vip,
            "portal_enabled": data.portal_enabled,
            "notes": data.notes.strip(),
            "active": data.active,
        }
        _set_fields(s, client, "client", client_id, at, actor, new)
        reapplied = 0
        if data.sla_profile_id != client.sla_profile_id or reapply_to_open_tickets:
            reapplied = sla_admin.set_client_profile(
                s, client_id, data.sla_profile_id, at=at, actor=actor,
                reapply_to_open_tickets=reapply_to_open_tickets,
            )
        bump_change_seq(s)
        return reapplied


# ---------------------------------------------------------------- domains and portal


def add_domain(desk: Desk, client_id: int, text: str) -> int:
    require_admin(desk)
    at, actor = desk.clock.now(), desk.actor()
    with desk.db.session() as s:
        client = _client(s, client_id)
        domain, problem = clean_domain(text)
        fail_if([problem] if problem else [])
        owner = s.exec(
            select(Client.name, Client.id)
            .join(ClientDomain, ClientDomain.client_id == Client.id)  # type: ignore[arg-type]
            .where(ClientDomain.domain == domain)
        ).first()
        if owner is not None:
            who = "this client" if owner[1] == client_id else owner[0]
            raise ServiceError(f"{domain} already belongs to {who}")
        row = ClientDomain(client_id=client_id, domain=domain)
        s.add(row)
        s.flush()
        audit(s, at=at, actor=actor, entity="client", entity_id=client_id, field="domain",
              old=None, new=domain, reason=f"added to {client.name}")
        bump_change_seq(s)
        return row.id  # type: ignore[return-value]


def remove_domain(desk: Desk, domain_id: int) -> None:
    """Mail from the domain no longer matches the client (existing tickets stay)."""
    require_admin(desk)
    at, actor = desk.clock.now(), desk.actor()
    with desk.db.session() as s:
        row = s.get(ClientDomain, domain_id)
        if row is None:
            raise ServiceError("that domain was already removed")
        audit(s, at=at, actor=actor, entity="client", entity_id=row.client_id, field="domain",
              old=row.domain, new=None)
        s.delete(row)
        bump_change_seq(s)


def add_portal_login(desk: Desk, client_id: int, text: str) -> int:
    require_admin(desk)
    at, actor = desk.clock.now(), desk.actor()
    with desk.db.session() as s:
        _client(s, client_id)
        email, problem = email_problem(text, "a portal login")
        fail_if([problem] if problem else [])
        owner = s.exec(
            select(Client.name, Client.id)
            .join(PortalLogin, PortalLogin.client_id == Client.id)  # type: ignore[arg-type]
            .where(sa.func.lower(PortalLogin.email) == email)
        ).first()
        if owner is not None:
            who = "this client" if owner[1] == client_id else owner[0]
            raise ServiceError(f"{email} already signs in to the portal for {who}")
        row = PortalLogin(client_id=client_id, email=email)
        s.add(row)
        s.flush()
        audit(s, at=at, actor=actor, entity="client", entity_id=client_id,
              field="portal_login", old=None, new=email)
        bump_change_seq(s)
        return row.id  # type: ignore[return-value]


def remove_portal_login(desk: Desk, login_id: int) -> None:
    require_admin(desk)
    at, actor = desk.clock.now(), desk.actor()
    with desk.db.session() as s:
        row = s.get(PortalLogin, login_id)
        if row is None:
            raise ServiceError("that portal login was already removed")
        audit(s, at=at, actor=actor, entity="client", entity_id=row.client_id,
              field="portal_login", old=row.email, new=None)
        s.delete(row)
        bump_change_seq(s)


# ---------------------------------------------------------------- contacts


@dataclass(frozen=True)
class ContactInput:
    name: str
    email: str = ""
    phone: str = ""
    authorized: bool = True


def _check_contact(s: Session, data: ContactInput, contact_id: int | None
                   ) -> tuple[str, str | None, str]:
    problems: list[str] = []
    name = data.name.strip()
    if not name:
        problems.append("a contact needs a name")
    elif len(name) > 200:
        problems.append("contact names are at most 200 characters")
    email: str | None = None
    if data.email.strip():
        email, problem = email_problem(data.email, "a contact")
        if problem:
            problems.append(problem)
        else:
            other = s.exec(
                select(Contact.name, Client.name)
                .join(Client, Client.id == Contact.client_id)  # type: ignore[arg-type]
                .where(sa.func.lower(Contact.email) == email, Contact.id != (contact_id or -1))
            ).first()
            if other is not None:
                problems.append(f"{email} is already the email of {other[0]} ({other[1]})")
    phone = data.phone.strip()
    problem = phone_problem(phone)
    if phone and problem:
        problems.append(problem)
    fail_if(problems)
    return name, email, phone


def add_contact(desk: Desk, client_id: int, data: ContactInput) -> int:
    require_admin(desk)
    at, actor = desk.clock.now(), desk.actor()
    with desk.db.session() as s:
        client = _client(s, client_id)
        name, email, phone = _check_contact(s, data, None)
        row = Contact(client_id=client_id, name=name, email=email, phone=phone,
                      authorized=data.authorized)
        s.add(row)
        s.flush()
        audit(s, at=at, actor=actor, entity="contact", entity_id=row.id,  # type: ignore[arg-type]
              field="created", old=None, new=f"{name} <{email or 'no email'}>",
              reason=f"contact of {client.name}")
        bump_change_seq(s)
        return row.id  # type: ignore[return-value]


def update_contact(desk: Desk, contact_id: int, data: ContactInput) -> None:
    require_admin(desk)
    at, actor = desk.clock.now(), desk.actor()
    with desk.db.session() as s:
        row = _contact(s, contact_id)
        name, email, phone = _check_contact(s, data, contact_id)
        _set_fields(s, row, "contact", contact_id, at, actor,
                    {"name": name, "email": email, "phone": phone, "authorized": data.authorized})
        bump_change_seq(s)


def set_contact_terminated(desk: Desk, contact_id: int, terminated: bool = True) -> None:
    """A contact who left keeps their tickets and history; their mail is then treated
    as suspicious by intake. Reinstating is the same call with False."""
    require_admin(desk)
    at, actor = desk.clock.now(), desk.actor()
    with desk.db.session() as s:
        row = _contact(s, contact_id)
        _set_fields(s, row, "contact", contact_id, at, actor, {"terminated": terminated})
        bump_change_seq(s)


# ---------------------------------------------------------------- assets


@dataclass(frozen=True)
class AssetInput:
    hostname: str
    kind: str
    user_upn: str = ""


def _check_asset(s: Session, client_id: int, data: AssetInput, asset_id: int | None
                 ) -> tuple[str, str, str]:
    problems: list[str] = []
    host = data.hostname.strip()
    if not host:
        problems.append("an asset needs a hostname")
    elif (problem := hostname_problem(host)) is not None:
        problems.append(problem)
    else:
        clash = s.exec(
            select(Asset.hostname).where(
                Asset.client_id == client_id,
                sa.func.lower(Asset.hostname) == host.lower(),
                Asset.id != (asset_id or -1),
            )
        ).first()
        if clash:
            problems.append(f"this client already has an asset named {clash}")
    kind = data.kind.strip().lower()
    if not kind:
        problems.append("an asset needs a kind (workstation, laptop, server, firewall, ...)")
    elif len(kind) > 40:
        problems.append("asset kinds are at most 40 characters")
    upn = data.user_upn.strip().lower()
    if upn:
        upn, problem = email_problem(upn, "a user")
        if problem:
            problems.append(f"user: {problem}")
    fail_if(problems)
    return host, kind, upn


def add_asset(desk: Desk, client_id: int, data: AssetInput) -> int:
    require_admin(desk)
    at, actor = desk.clock.now(), desk.actor()
    with desk.db.session() as s:
        client = _client(s, client_id)
        host, kind, upn = _check_asset(s, client_id, data, None)
        row = Asset(client_id=client_id, hostname=host, kind=kind, user_upn=upn)
        s.add(row)
        s.flush()
        audit(s, at=at, actor=actor, entity="asset", entity_id=row.id,  # type: ignore[arg-type]
              field="created", old=None, new=host, reason=f"asset of {client.name}")
        bump_change_seq(s)
        return row.id  # type: ignore[return-value]


def update_asset(desk: Desk, asset_id: int, data: AssetInput) -> None:
    require_admin(desk)
    at, actor = desk.clock.now(), desk.actor()
    with desk.db.session() as s:
        row = _asset(s, asset_id)
        host, kind, upn = _check_asset(s, row.client_id, data, asset_id)
        _set_fields(s, row, "asset", asset_id, at, actor,
                    {"hostname": host, "kind": kind, "user_upn": upn})
        bump_change_seq(s)


def remove_asset(desk: Desk, asset_id: int) -> None:
    """Refused while tickets name the asset: their history must keep pointing at it."""
    require_admin(desk)
    at, actor = desk.clock.now(), desk.actor()
    with desk.db.session() as s:
        row = _asset(s, asset_id)
        used = s.exec(
            select(sa.func.count()).select_from(Ticket).where(Ticket.asset_id == asset_id)
        ).one()
        if used:
            raise ServiceError(
                f"{row.hostname} is named on {plural(int(used), 'ticket')}; edit it instead"
            )
        audit(s, at=at, actor=actor, entity="asset", entity_id=asset_id, field="deleted",
              old=row.hostname, new=None)
        s.delete(row)
        bump_change_seq(s)


# ---------------------------------------------------------------- escalation contacts


@dataclass(frozen=True)
class EscalationInput:
    """Phones and emails as lists; call windows in the stored JSON form (see
    `parse_windows_text` for the form's one-line syntax)."""

    name: str
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    call_windows: tuple[dict[str, Any], ...] = ()


def split_list(text: str) -> tuple[str, ...]:
    """"a, b; c" -> ("a", "b", "c")."""
    return tuple(p.strip() for p in re.split(r"[,;]", text) if p.strip())


def windows_text(windows: Iterable[dict[str, Any]]) -> str:
    """Stored windows as the form shows them: "Mon-Fri 08:00-18:00 America/New_York; ..."."""
    parts = []
    for w in windows:
        days = w.get("days", [])
        day_text = _day_text(days) if isinstance(days, list) else str(days)
        parts.append(f"{day_text} {w.get('start', '')}-{w.get('end', '')} {w.get('tz', 'UTC')}")
    return "; ".join(parts)


def _day_text(days: list[Any]) -> str:
    if sorted(days) == list(range(7)):
        return "Daily"
    runs: list[list[int]] = []
    for d in sorted(d for d in days if isinstance(d, int) and 0 <= d <= 6):
        if runs and runs[-1][-1] == d - 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    return ",".join(
        DAY_NAMES[r[0]] if len(r) == 1 else f"{DAY_NAMES[r[0]]}-{DAY_NAMES[r[-1]]}" for r in runs
    )


def parse_windows_text(text: str) -> tuple[dict[str, Any], ...]:
    """"Mon-Fri 08:00-18:00 America/New_York; Sat 09:00-12:00 America/New_York" -> the
    stored JSON windows. Every unreadable window is named in one ServiceError."""
    out: list[dict[str, Any]] = []
    problems: list[str] = []
    pieces = [p.strip() for p in text.split(";") if p.strip()]
    for n, piece in enumerate(pieces, start=1):
        parts = piece.split()
        if len(parts) != 3 or "-" not in parts[1]:
            problems.append(
                f"window {n} {piece!r}: write days, hours and zone like "
                "'Mon-Fri 08:00-18:00 America/New_York'"
            )
            continue
        days, problem = _parse_days(parts[0])
        start, _, end = parts[1].partition("-")
        if problem:
            problems.append(f"window {n}: {problem}")
            continue
        out.append({"days": days, "start": start, "end": end, "tz": parts[2]})
    if not problems:
        problems.extend(_window_problems(out))
    fail_if(problems)
    return tuple(out)


def _parse_days(text: str) -> tuple[list[int], str | None]:
    names = [d.lower() for d in DAY_NAMES]
    if text.lower() in ("daily", "every", "all"):
        return list(range(7)), None
    days: set[int] = set()
    for chunk in text.split(","):
        lo, _, hi = chunk.partition("-")
        try:
            a = names.index(lo.strip().lower()[:3]) if lo.strip() else -1
            b = names.index(hi.strip().lower()[:3]) if hi else a
        except ValueError:
            return [], f"{chunk!r} is not a day (Mon, Tue, ... Sun, a range Mon-Fri, or Daily)"
        if a < 0 or b < a:
            return [], f"{chunk!r} is not a day range from an earlier day to a later one"
        days.update(range(a, b + 1))
    return sorted(days), None


def _window_problems(windows: Sequence[dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    for i, raw in enumerate(windows):
        n = i + 1
        if not isinstance(raw, dict):
            problems.append(f"window {n} is not a window")
            continue
        days = raw.get("days", [])
        if isinstance(days, list) and not days:
            problems.append(f"window {n}: no days")
            continue
        for key in ("start", "end"):
            if not _HHMM.match(str(raw.get(key, ""))):
                problems.append(f"window {n}: {key} {raw.get(key, '')!r} is not HH:MM")
        if any(p.startswith(f"window {n}:") for p in problems):
            continue
        try:
            window = CallWindow.parse(raw)
        except WindowError as exc:
            problems.append(f"window {n}: {exc}")
            continue
        if window.start == window.end:
            problems.append(f"window {n}: starts and ends at {raw['start']}")
    return problems


def _check_escalation(data: EscalationInput) -> tuple[str, list[str], list[str],
                                                      list[dict[str, Any]]]:
    problems: list[str] = []
    name = data.name.strip()
    if not name:
        problems.append("an escalation contact needs a name")
    elif len(name) > 200:
        problems.append("names are at most 200 characters")
    phones = [p.strip() for p in data.phones if p.strip()]
    for phone in phones:
        problem = phone_problem(phone)
        if problem:
            problems.append(problem)
    emails: list[str] = []
    for text in data.emails:
        if not text.strip():
            continue
        email, problem = email_problem(text, "an escalation contact")
        if problem:
            problems.append(problem)
        emails.append(email)
    if not phones and not emails:
        problems.append("an escalation contact needs a phone number or an email")
    windows = [dict(w) for w in data.call_windows]
    problems.extend(_window_problems(windows))
    normalised = [
        {"days": sorted(set(w["days"])), "start": _pad(w["start"]), "end": _pad(w["end"]),
         "tz": w.get("tz") or "UTC"}
        for w in windows
    ] if not problems else []
    fail_if(problems)
    return name, phones, emails, normalised


def _pad(hhmm: str) -> str:
    h, m = hhmm.split(":")
    return f"{int(h):02d}:{m}"


def add_escalation_contact(desk: Desk, client_id: int, data: EscalationInput) -> int:
    """Added last in the call order."""
    require_admin(desk)
    at, actor = desk.clock.now(), desk.actor()
    with desk.db.session() as s:
        serialize_writes(s)
        client = _client(s, client_id)
        name, phones, emails, windows = _check_escalation(data)
        last = s.exec(
            select(sa.func.max(EscalationContact.position)).where(
                EscalationContact.client_id == client_id
            )
        ).one()
        row = EscalationContact(client_id=client_id, position=(last or 0) + 1, name=name,
                                phones=phones, emails=emails, call_windows=windows)
        s.add(row)
        s.flush()
        audit(s, at=at, actor=actor, entity="escalation_contact",
              entity_id=row.id, field="created", old=None,  # type: ignore[arg-type]
              new=name, reason=f"escalation contact of {client.name}")
        bump_change_seq(s)
        return row.id  # type: ignore[return-value]


def update_escalation_contact(desk: Desk, contact_id: int, data: EscalationInput) -> None:
    require_admin(desk)
    at, actor = desk.clock.now(), desk.actor()
    with desk.db.session() as s:
        row = _escalation(s, contact_id)
        name, phones, emails, windows = _check_escalation(data)
        changes = [
            ("name", row.name, name),
            ("phones", ", ".join(row.phones or []), ", ".join(phones)),
            ("emails", ", ".join(row.emails or []), ", ".join(emails)),
            ("call_windows", windows_text(row.call_windows or []), windows_text(windows)),
        ]
        audit_changes(s, at, actor, "escalation_contact", contact_id, changes)
        row.name, row.phones, row.emails, row.call_windows = name, phones, emails, windows
        s.add(row)
        bump_change_seq(s)


def remove_escalation_contact(desk: Desk, contact_id: int) -> None:
    require_admin(desk)
    at, actor = desk.clock.now(), desk.actor()
    with desk.db.session() as s:
        serialize_writes(s)
        row = _escalation(s, contact_id)
        audit(s, at=at, actor=actor, entity="escalation_contact", entity_id=contact_id,
              field="deleted", old=row.name, new=None)
        client_id = row.client_id
        s.delete(row)
        s.flush()
        _renumber(s, client_id, at, actor, [r for r in _escalations(s, client_id)])
        bump_change_seq(s)


def move_escalation_contact(desk: Desk, contact_id: int, delta: int) -> None:
    """Move up (delta < 0) or down the call order; positions stay 1..n."""
    require_admin(desk)
    at, actor = desk.clock.now(), desk.actor()
    with desk.db.session() as s:
        serialize_writes(s)
        row = _escalation(s, contact_id)
        rows = _escalations(s, row.client_id)
        i = next(k for k, r in enumerate(rows) if r.id == contact_id)
        _renumber(s, row.client_id, at, actor, moved(rows, i, delta))
        bump_change_seq(s)


def _escalations(s: Session, client_id: int) -> list[EscalationContact]:
    return list(s.exec(
        select(EscalationContact)
        .where(EscalationContact.client_id == client_id)
        .order_by(EscalationContact.position, EscalationContact.id)  # type: ignore[arg-type]
    ))


def _renumber(s: Session, client_id: int, at: datetime, actor: Actor,
              rows: list[EscalationContact]) -> None:
    """Positions 1..n in the order given; the call order is what the desk phones by, so
    every position that changes is audited."""
    for r, old, new in renumber(s, rows):
        audit(s, at=at, actor=actor, entity="escalation_contact",
              entity_id=r.id, field="position", old=old, new=new)  # type: ignore[arg-type]


# ---------------------------------------------------------------- bulk SLA profile


@dataclass(frozen=True)
class BulkPreview:
    """What moving `clients` to one profile does: `changing` of them change profile,
    `open_tickets` are theirs, `reapplied` of those move (only with re-apply), and the
    due instants that shift."""

    clients: int
    changing: int
    open_tickets: int
    reapplied: int
    what_if: sla_admin.WhatIf
    profile: str

    def describe(self) -> str:
        lines = [
            f"{plural(self.clients, 'client')} to {self.profile}: "
            f"{self.changing} change profile, {self.clients - self.changing} already on it",
            f"{plural(self.open_tickets, 'open ticket')}; "
            + (f"{self.reapplied} re-applied to {self.profile}" if self.reapplied
               else "none re-applied (they keep the profile their clocks run on)"),
            self.what_if.describe(),
        ]
        return "\n".join(lines)


@dataclass(frozen=True)
class BulkResult:
    clients: int
    changed: int
    reapplied: int


def preview_bulk_profile(desk: Desk, client_ids: Sequence[int], profile_id: int | None,
                         *, reapply_to_open_tickets: bool) -> BulkPreview:
    """The bulk change run in a transaction that is rolled back: exact numbers, no write."""
    require_admin(desk)
    at, actor = desk.clock.now(), desk.actor()

    def run(s: Session) -> BulkPreview:
        ids = _check_bulk(s, client_ids, profile_id)
        changing = sum(1 for cid in ids if _client(s, cid).sla_profile_id != profile_id)
        tickets = _open_ticket_ids(s, ids)
        before = _due_by_clock(s, tickets)
        reapplied = sla_admin.bulk_set_client_profile(
            s, ids, profile_id, at=at, actor=actor,
            reapply_to_open_tickets=reapply_to_open_tickets,
        )
        s.flush()
        after = _due_by_clock(s, tickets)
        shifts = [
            sla.DueShift(n, key[0], before.get(key), after.get(key))
            for n, key in enumerate(sorted(set(before) | set(after)))
        ]
        profile = s.get(SlaProfile, profile_id) if profile_id is not None else None
        name = profile.name if profile else "no SLA"
        return BulkPreview(len(ids), changing, len(tickets), reapplied,
                           sla_admin.summarize(shifts), name)

    return sla_admin.preview(desk.db, run)


def bulk_set_profile(desk: Desk, client_ids: Sequence[int], profile_id: int | None,
                     *, reapply_to_open_tickets: bool) -> BulkResult:
    """One transaction for all the clients: any refusal leaves every one as it was."""
    require_admin(desk)
    at, actor = desk.clock.now(), desk.actor()
    with desk.db.session() as s:
        ids = _check_bulk(s, client_ids, profile_id)
        changing = sum(1 for cid in ids if _client(s, cid).sla_profile_id != profile_id)
        reapplied = sla_admin.bulk_set_client_profile(
            s, ids, profile_id, at=at, actor=actor,
            reapply_to_open_tickets=reapply_to_open_tickets,
        )
        return BulkResult(len(ids), changing, reapplied)


def _check_bulk(s: Session, client_ids: Sequence[int], profile_id: int | None) -> list[int]:
    problems: list[str] = []
    ids = list(dict.fromkeys(client_ids))
    if not ids:
        problems.append("mark at least one client first")
    missing = [str(cid) for cid in ids if s.get(Client, cid) is None]
    if missing:
        problems.append(f"no client with id {', '.join(missing)}")
    if profile_id is not None and s.get(SlaProfile, profile_id) is None:
        problems.append(f"no SLA profile with id {profile_id}")
    fail_if(problems)
    return ids


def _open_ticket_ids(s: Session, client_ids: Sequence[int]) -> list[int]:
    return list(s.exec(
        select(Ticket.id)
        .join(Status, Status.id == Ticket.status_id)  # type: ignore[arg-type]
        .where(Ticket.client_id.in_(client_ids),  # type: ignore[union-attr]
               Status.category.in_(OPEN_CATEGORIES))  # type: ignore[attr-defined]
    ).all())  # type: ignore[arg-type]


def _due_by_clock(s: Session, ticket_ids: Sequence[int]) -> dict[tuple[int, str], datetime]:
    """The running due instant of each (ticket, clock kind): a re-applied clock is a new
    row, so instants are paired by ticket and kind, not by clock id."""
    if not ticket_ids:
        return {}
    rows = s.exec(
        select(SlaClock.ticket_id, SlaClock.kind, SlaClock.due_at).where(
            SlaClock.ticket_id.in_(ticket_ids),  # type: ignore[attr-defined]
            SlaClock.state.in_(sla.ACTIVE_STATES),  # type: ignore[attr-defined]
            SlaClock.due_at.is_not(None),  # type: ignore[union-attr]
        )
    ).all()
    return {(tid, kind): due for tid, kind, due in rows}


# ---------------------------------------------------------------- small helpers


def _client(s: Session, client_id: int) -> Client:
    return existing(s, Client, client_id, "client")


def _contact(s: Session, contact_id: int) -> Contact:
    return existing(s, Contact, contact_id, "contact")


def _asset(s: Session, asset_id: int) -> Asset:
    return existing(s, Asset, asset_id, "asset")


def _escalation(s: Session, contact_id: int) -> EscalationContact:
    return existing(s, EscalationContact, contact_id, "escalation contact")


def _set_fields(s: Session, row: Any, entity: str, entity_id: int, at: datetime,
                actor: Actor, values: dict[str, Any]) -> None:
    """Assign the changed fields, one audit row each."""
    changes = [(field, getattr(row, field), value) for field, value in values.items()]
    for field, old, value in changes:
        if old != value:
            setattr(row, field, value)
    audit_changes(s, at, actor, entity, entity_id, changes)
    s.add(row)
