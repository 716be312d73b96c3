"""Seed the demo MSP: reference data, then a few hundred tickets replayed as history.

Tickets are not inserted as finished rows: each one's story (opened, assigned, replied,
waited, resolved, closed …) is replayed event by event through the ticket services at
its own instant, so every audit row, stamp and (later) SLA clock is what the real
services would have produced. Everything is relative to the clock's "now" and driven by
a fixed random seed, so the same "now" always yields the same database.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

import sqlalchemy as sa
from sqlmodel import Session, select

from msp_tui.demo import data
from msp_tui.engine.clock import Clock
from msp_tui.engine.vocabulary import (
    Channel,
    Direction,
    FollowOn,
    PriorityCode,
    RulePhase,
    StatusCategory,
    TicketType,
)
from msp_tui.services import assignment, escalation
from msp_tui.services import tickets as svc
from msp_tui.services.csat import suspended as csat_suspended
from msp_tui.services.priority_policy import suspended as policy_suspended
from msp_tui.store.db import CHANGE_SEQ, TICKET_NUMBER, Database
from msp_tui.store.models import (
    AppMeta,
    Asset,
    BusinessCalendarRow,
    Category,
    Client,
    ClientDomain,
    Contact,
    Counter,
    CsatSurvey,
    EscalationContact,
    GroupMember,
    PortalLogin,
    Priority,
    PriorityMatrix,
    ResolutionCode,
    SlaProfile,
    SlaProfilePauseStatus,
    SlaTarget,
    Status,
    TechGroup,
    Technician,
    Ticket,
    metadata,
)

T = TypeVar("T")
RANDOM_SEED = 20261124
TICKET_COUNT = 320
AUTO_CLOSE_DAYS = 3  # the demo history's grace; live desks use [scheduler] auto_close_hours
# Tables the schema revisions fill for every desk; a demo reset keeps them.
REFERENCE_TABLES = {
    Priority.__tablename__,
    PriorityMatrix.__tablename__,
    Status.__tablename__,
    ResolutionCode.__tablename__,
}


class DemoError(Exception):
    """The demo cannot be seeded here; the message says why."""


@dataclass(frozen=True)
class SeedSummary:
    clients: int
    technicians: int
    tickets: int
    messages: int


def is_empty(db: Database) -> bool:
    """True when the desk holds no clients and no tickets (a fresh database)."""
    with db.session() as s:
        return (
            s.exec(select(Client.id).limit(1)).first() is None
            and s.exec(select(Ticket.id).limit(1)).first() is None
        )


def wipe(s: Session) -> None:
    """Delete every row except the reference data, children before parents."""
    for table in reversed(metadata.sorted_tables):
        if table.name not in REFERENCE_TABLES:
            s.execute(table.delete())
    s.add(Counter(name=CHANGE_SEQ, value=0))
    s.add(Counter(name=TICKET_NUMBER, value=1000))
    s.flush()


def seed_demo(db: Database, clock: Clock, *, reset: bool = False) -> SeedSummary:
    """Fill the database with the demo MSP as of `clock.now()`, in one transaction."""
    if not reset and not is_empty(db):
        raise DemoError(
            "the database already holds clients or tickets; use `msp-tui demo --reset` "
            "to replace everything with demo data"
        )
    now = clock.now()
    with db.session() as s:
        if reset:
            wipe(s)
        cast = _seed_cast(s, now)
        # The stories are history people already triaged: no policy bumps or routing, and
        # no survey mail to customers about tickets that closed "weeks ago".
        with policy_suspended(s), csat_suspended(s):
            summary = _seed_tickets(s, cast, now)
        _seed_csat(s, now)  # answers to surveys "sent" when the history closed its tickets
        _seed_rules(s, cast, now)  # after the history: its assignments are explicit
        _seed_escalation_rules(s, now)  # likewise: history tickets keep idle_check_at unset
        s.add(AppMeta(key="demo_seeded_at", value=now.isoformat()))
    return summary


# ---------------------------------------------------------------- reference cast


@dataclass
class _Cast:
    statuses: dict[str, Status]
    techs: dict[str, Technician]
    groups: dict[str, TechGroup]
    clients: list[Client]
    contacts: dict[int, list[Contact]]
    assets: dict[int, list[Asset]]
    subcategories: list[tuple[Category, Category]]  # (parent, sub)


def _seed_cast(s: Session, now: datetime) -> _Cast:
    statuses = {st.key: st for st in s.exec(select(Status)).all() if st.key}
    calendars: dict[str, BusinessCalendarRow] = {}
    for name, (tz, always, weekly, country) in data.CALENDARS.items():
        cal = BusinessCalendarRow(
            name=name, tz=tz, always_open=always, weekly=weekly, holiday_country=country
        )
        s.add(cal)
        calendars[name] = cal
    s.flush()

    profiles: dict[str, SlaProfile] = {}
    for name, (cal_name, description, targets) in data.PROFILES.items():
        profile = SlaProfile(
            name=name, description=description, calendar_id=calendars[cal_name].id  # type: ignore[arg-type]
        )
        s.add(profile)
        s.flush()
        profiles[name] = profile
        for prio, (response, resolution, update, override) in targets.items():
            s.add(
                SlaTarget(
                    profile_id=profile.id,  # type: ignore[arg-type]
                    priority=prio,
                    response=response,
                    resolution=resolution,
                    update_interval=update,
                    calendar_id=calendars[override].id if override else None,
                )
            )
    # Standard clients' clocks also stop while a change waits for their approval.
    s.add(
        SlaProfilePauseStatus(
            profile_id=profiles["Standard"].id,  # type: ignore[arg-type]
            status_id=statuses["pending_approval"].id,  # type: ignore[arg-type]
        )
    )

    subcategories: list[tuple[Category, Category]] = []
    for parent_name, subs in data.CATEGORIES.items():
        parent = Category(name=parent_name)
        s.add(parent)
        s.flush()
        for sub_name in subs:
            sub = Category(name=sub_name, parent_id=parent.id)
            s.add(sub)
            subcategories.append((parent, sub))

    techs: dict[str, Technician] = {}
    for name, email, role, tier, on_call, active, _groups in data.TECHNICIANS:
        tech = Technician(
            name=name, email=email, role=role, tier=tier, on_call=on_call, active=active,
            timezone="America/New_York",
        )
        s.add(tech)
        techs[name] = tech
    s.flush()
    groups: dict[str, TechGroup] = {}
    for group_name, lead in data.GROUPS.items():
        group = TechGroup(name=group_name, lead_id=techs[lead].id if lead else None)
        s.add(group)
        groups[group_name] = group
    s.flush()
    for name, *_rest, member_of in data.TECHNICIANS:
        for group_name in member_of:
            s.add(GroupMember(group_id=groups[group_name].id, technician_id=techs[name].id))  # type: ignore[arg-type]

    clients: list[Client] = []
    contacts: dict[int, list[Contact]] = {}
    assets: dict[int, list[Asset]] = {}
    for (name, profile_name, billing, vip, portal, domains, people, kit) in data.CLIENTS:
        client = Client(
            name=name,
            sla_profile_id=profiles[profile_name].id if profile_name else None,
            billing_type=billing,
            vip=vip,
            portal_enabled=portal,
            hourly_rate_cents=data.HOURLY_RATE_CENTS[billing],
            created_at=now - timedelta(days=400),
        )
        s.add(client)
        s.flush()
        cid: int = client.id  # type: ignore[assignment]
        clients.append(client)
        for domain in domains:
            s.add(ClientDomain(client_id=cid, domain=domain))
        contacts[cid] = []
        for person, local, phone, authorized, terminated in people:
            contact = Contact(
                client_id=cid, name=person, email=f"{local}@{domains[0]}", phone=phone,
                authorized=authorized, terminated=terminated,
            )
            s.add(contact)
            contacts[cid].append(contact)
            if portal and authorized and not terminated:
                s.add(PortalLogin(client_id=cid, email=f"{local}@{domains[0]}"))
        assets[cid] = []
        for host, upn_local, kind in kit:
            asset = Asset(
                client_id=cid, hostname=host,
                user_upn=f"{upn_local}@{domains[0]}" if upn_local else "", kind=kind,
            )
            s.add(asset)
            assets[cid].append(asset)
        first = people[0]
        s.add(
            EscalationContact(
                client_id=cid, position=0, name=first[0], phones=[first[2]],
                emails=[f"{first[1]}@{domains[0]}"],
                call_windows=[{"days": [0, 1, 2, 3, 4], "start": "08:00", "end": "18:00",
                               "tz": "America/New_York"}],
            )
        )
        if vip or profile_name == "Platinum":
            s.add(
                EscalationContact(
                    client_id=cid, position=1, name=f"{name} IT on-call",
                    phones=["+1 800 555 0199"], emails=[f"it-oncall@{domains[0]}"],
                    call_windows=[{"days": [0, 1, 2, 3, 4, 5, 6], "start": "00:00",
                                   "end": "24:00", "tz": "America/New_York"}],
                )
            )
    s.flush()
    return _Cast(statuses, techs, groups, clients, contacts, assets, subcategories)


def _seed_rules(s: Session, cast: _Cast, now: datetime) -> None:
    """The starter rules, with the names in `data.RULES` turned into ids."""
    categories = {parent.name: parent.id for parent, _sub in cast.subcategories}
    for position, (name, phase, conditions, actions) in enumerate(data.RULES, start=1):
        conditions = dict(conditions)
        actions = dict(actions)
        if "category" in conditions:
            conditions["category"] = categories[str(conditions["category"])]
        if "group" in actions:
            actions["group"] = cast.groups[str(actions["group"])].id
        assignment.add_rule(s, name=name, phase=RulePhase(phase), conditions=conditions,
                            actions=actions, at=now, position=position * 10, actor=svc.SYSTEM)


def _seed_csat(s: Session, now: datetime) -> None:
    """Surveys of the closed demo tickets that had a contact, about 60 % answered within
    two days of closing, so the dashboards show satisfaction from the first start. The
    history itself queued none (it is replayed with surveys suspended)."""
    rng = random.Random(RANDOM_SEED + 1)
    closed = s.exec(
        select(Ticket)
        .join(Status, Status.id == Ticket.status_id)  # type: ignore[arg-type]
        .where(Status.category == StatusCategory.CLOSED, Ticket.contact_id.is_not(None))  # type: ignore[union-attr]
        .order_by(Ticket.number)  # type: ignore[arg-type]
    ).all()
    for ticket in closed:
        contact = s.get(Contact, ticket.contact_id)
        assert contact is not None and ticket.closed_at is not None
        answered = rng.random() < data.CSAT_ANSWER_SHARE
        rating = _pick(rng, data.CSAT_RATINGS) if answered else None
        at = min(ticket.closed_at + timedelta(hours=rng.uniform(1, 48)), now)
        comments = data.CSAT_COMMENTS[rating] if rating is not None else []
        comment = rng.choice(comments) if comments and rng.random() < 0.5 else ""
        s.add(CsatSurvey(
            ticket_id=ticket.id,  # type: ignore[arg-type]
            client_id=ticket.client_id,
            technician_id=ticket.assignee_id,
            recipient=contact.email,
            token=f"{rng.getrandbits(64):016x}",
            state="answered" if answered else "sent",
            rating=rating,
            comment=comment,
            created_at=ticket.closed_at,
            sent_at=ticket.closed_at,
            answered_at=at if answered else None,
        ))


def _seed_escalation_rules(s: Session, now: datetime) -> None:
    """The starter escalation rules, profile names turned into ids."""
    profiles = {p.name: p.id for p in s.exec(select(SlaProfile)).all()}
    for position, (profile, trigger, actions) in enumerate(data.ESCALATION_RULES, start=1):
        escalation.add_rule(s, trigger=trigger, actions=actions, at=now, actor=svc.SYSTEM,
                            profile_id=profiles[profile] if profile else None,
                            position=position * 10)


# ---------------------------------------------------------------- ticket stories

# How the demo's tickets end up (weights), and how old each kind is (hours, min-max):
# a believable desk, mostly on time, with a few late answers and overdue tickets.
_OUTCOMES: list[tuple[str, int]] = [
    ("closed", 44), ("resolved", 10), ("noc_completed", 3), ("new", 7), ("in_progress", 13),
    ("waiting_on_customer", 8), ("escalated", 4), ("info_needed", 3), ("unmatched", 3),
    ("pending_approval", 2), ("provisioning", 2), ("completed", 1),
]
_AGE_HOURS: dict[str, tuple[float, float]] = {
    "new": (0.1, 1.2), "unmatched": (0.2, 30), "in_progress": (0.5, 14), "escalated": (1, 20),
    "waiting_on_customer": (2, 120), "info_needed": (2, 72), "pending_approval": (4, 96),
    "provisioning": (4, 30), "resolved": (3, 70), "noc_completed": (3, 70),
    "completed": (24, 70), "closed": (75, 45 * 24),
}
_IMPLEMENTATION_OUTCOMES = {"pending_approval", "provisioning", "completed"}
_PRIORITIES = [(PriorityCode.P1, 5), (PriorityCode.P2, 18), (PriorityCode.P3, 52),
               (PriorityCode.P4, 25)]
_GROUP_OF = {
    "Network & Connectivity": "Network Team",
    "Cybersecurity Incidents": "Security Team",
    "Billing & Account Queries": "Account Managers",
}


def _pick(rng: random.Random, weighted: list[tuple[T, int]]) -> T:
    items, weights = zip(*weighted, strict=True)
    return rng.choices(items, weights=weights)[0]


def _seed_tickets(s: Session, cast: _Cast, now: datetime) -> SeedSummary:
    rng = random.Random(RANDOM_SEED)
    members: dict[str, list[Technician]] = {}
    for group_name, group in cast.groups.items():
        ids = set(
            s.execute(
                sa.select(GroupMember.technician_id).where(GroupMember.group_id == group.id)  # type: ignore[arg-type]
            ).scalars()
        )
        members[group_name] = [t for t in cast.techs.values() if t.id in ids and t.active]
    messages = 0
    stories: list[tuple[datetime, int, str]] = []
    for i in range(TICKET_COUNT):
        outcome = _pick(rng, _OUTCOMES)
        low, high = _AGE_HOURS[outcome]
        stories.append((now - timedelta(hours=rng.uniform(low, high)), i, outcome))
    stories.sort()  # replay in time order, so ticket numbers follow creation time
    for created, i, outcome in stories:
        messages += _replay_story(s, cast, members, rng, created, now, i, outcome)
    return SeedSummary(
        clients=len(cast.clients), technicians=len(cast.techs), tickets=TICKET_COUNT,
        messages=messages,
    )


def _replay_story(
    s: Session,
    cast: _Cast,
    members: dict[str, list[Technician]],
    rng: random.Random,
    created: datetime,
    now: datetime,
    index: int,
    outcome: str,
) -> int:
    """Play one ticket's life through the services; returns how many messages it has."""
    implementation = outcome in _IMPLEMENTATION_OUTCOMES or (
        outcome == "closed" and rng.random() < 0.05
    )
    unmatched = outcome == "unmatched"
    final = "new" if unmatched else outcome
    client = None if unmatched else rng.choice(cast.clients)
    parent, sub = rng.choice(cast.subcategories)
    subject = rng.choice(data.SUBJECTS[sub.name])
    if implementation:
        subject = rng.choice(["Onboard new employee", "Deploy new firewall",
                              "Migrate mailboxes to Microsoft 365", "Set up new branch office"])
    priority = _pick(rng, _PRIORITIES)
    if parent.name == "Cybersecurity Incidents" and priority == PriorityCode.P4:
        priority = PriorityCode.P3

    contact = None
    asset = None
    if client is not None:
        people = cast.contacts[client.id]  # type: ignore[index]
        contact = rng.choice(people)
        kit = cast.assets[client.id]  # type: ignore[index]
        asset = rng.choice(kit) if kit and rng.random() < 0.6 else None
    sender_email = contact.email if contact else f"someone{index}@unknown-{index % 7}.example"
    sender_name = contact.name if contact else f"Unknown sender {index}"
    channel = Channel.EMAIL if rng.random() < 0.8 else Channel.PHONE
    ticket = svc.create_ticket(
        s,
        at=created,
        subject=subject,
        body=f"Hello,\n\n{subject}. {_detail(rng)}\n\nThanks,\n{sender_name}",
        channel=channel,
        priority=priority,
        client_id=client.id if client else None,
        contact_id=contact.id if contact else None,
        asset_id=asset.id if asset else None,
        category_id=sub.id,
        ticket_type=TicketType.IMPLEMENTATION if implementation else TicketType.SUPPORT,
        requester_name=sender_name,
        requester_email=sender_email,
        message_id=f"<demo-{index}-0@mail.example>" if channel == Channel.EMAIL else None,
    )
    if contact is not None and contact.terminated:
        ticket.possible_social_engineering = True
    count = 1
    if final == "new":
        return count

    # The story's instants: a first reply within minutes (now and then hours late),
    # then the rest of the work spread over the ticket's life so far.
    span = (now - created).total_seconds()
    slow = rng.random() < 0.1
    first = min(rng.expovariate(1 / (5 * 3600 if slow else 900)) + 60, span * 0.3)
    end = span * 0.97
    if final in ("resolved", "noc_completed", "completed", "closed"):
        # fixed within hours as a rule, within days for the odd hard one
        work = rng.expovariate(1 / (30 * 3600 if rng.random() < 0.08 else 5 * 3600))
        end = min(end, first + 600 + work)
    rest = sorted(rng.uniform(first, end) for _ in range(6))
    at = [created + timedelta(seconds=x) for x in [first * 0.6, first, *rest]]

    group_name = _GROUP_OF.get(parent.name, "General Support")
    if priority == PriorityCode.P1 and client is not None and client.vip:
        group_name = "Senior Tech"
    tech = rng.choice(members[group_name])
    actor = svc.Actor.of(tech)
    svc.assign(s, ticket, technician_id=tech.id, group_id=cast.groups[group_name].id,
               at=at[0], actor=svc.SYSTEM, reason=f"routed to {group_name}")
    svc.change_status(s, ticket, "in_progress", at=at[0], actor=actor)
    svc.add_message(s, ticket, at=at[1], direction=Direction.PUBLIC, actor=actor,
                    body=f"Hi {_first_name(sender_name)},\n\nThanks for reporting this - "
                         f"I'm looking into it now.\n\n{tech.name}")
    count += 1
    if rng.random() < 0.7:
        svc.add_message(s, ticket, at=at[2], direction=Direction.INTERNAL, actor=actor,
                        body=_note(rng))
        count += 1
    for k in range(rng.randint(1, 3)):  # billable as the client's contract says
        svc.log_time(s, ticket, technician_id=tech.id, minutes=rng.choice([15, 30, 45, 60, 90]),  # type: ignore[arg-type]
                     work_date=at[2 + k].date(), at=at[2 + k], note="Diagnosis and remediation")

    if final in ("waiting_on_customer", "info_needed", "pending_approval"):
        svc.add_message(s, ticket, at=at[5], direction=Direction.PUBLIC, actor=actor,
                        body="Could you confirm the details below so we can continue?")
        svc.change_status(s, ticket, final, at=at[5], actor=actor)
        return count + 1
    if final == "escalated":
        senior = rng.choice(members["Senior Tech"])
        svc.add_message(s, ticket, at=at[5], direction=Direction.INTERNAL, actor=actor,
                        body="Escalating: beyond tier 1 scope, see diagnostics above.")
        svc.assign(s, ticket, technician_id=senior.id, group_id=cast.groups["Senior Tech"].id,
                   at=at[5], actor=actor, reason="escalated to senior")
        svc.change_status(s, ticket, "escalated", at=at[5], actor=actor)
        return count + 1
    if final in ("in_progress", "provisioning"):
        if final == "provisioning":
            svc.change_status(s, ticket, "pending_approval", at=at[3], actor=actor)
            svc.change_status(s, ticket, "provisioning", at=at[5], actor=actor,
                              reason="approved by client")
        if rng.random() < 0.5:
            svc.add_message(s, ticket, at=at[6], direction=Direction.CUSTOMER,
                            author_contact_id=contact.id if contact else None,
                            author_name=sender_name, author_email=sender_email,
                            body="Any update on this?")
            count += 1
        return count

    # Resolved family (resolved / NOC completed / completed), possibly then closed.
    done = {"closed": "resolved"}.get(final, final)
    if implementation and final == "closed":
        done = "completed"
    svc.add_message(s, ticket, at=at[6], direction=Direction.PUBLIC, actor=actor,
                    body="This is fixed now. Reply to this message if anything is still wrong.")
    code, summary = _IMPLEMENTED if implementation else _RESOLUTIONS[index % len(_RESOLUTIONS)]
    svc.change_status(s, ticket, done, at=at[6], actor=actor, reason=summary,
                      closure=svc.Closure(code, summary, time_checked=True))
    count += 1
    grace = timedelta(days=AUTO_CLOSE_DAYS)
    if done == "resolved" and at[6] + grace < now:
        hours = AUTO_CLOSE_DAYS * 24
        svc.change_status(s, ticket, "closed", at=at[6] + grace, actor=svc.SYSTEM,
                          reason="auto-closed after the resolution grace period",
                          closure=svc.Closure(
                              notes=f"auto-closed after {hours} h without customer reply"))
    elif final == "closed":
        notes, follow_on = _SIGN_OFFS.get(index % 5, ("Customer confirmed the fix.", ()))
        svc.change_status(s, ticket, "closed", at=at[7], actor=actor,
                          reason="customer confirmed the fix",
                          closure=svc.Closure(notes=notes, follow_on=follow_on))
    return count


# How the demo's tickets were resolved (a rotation by story, so the seed stays
# deterministic without drawing from its random stream), and the odd follow-on work.
_RESOLUTIONS = [
    ("fixed", "Found the fault and fixed it; tested with the user."),
    ("configuration_change", "Corrected the misconfigured setting and confirmed it works."),
    ("software_update", "Installed the pending updates and rebooted; the problem is gone."),
    ("user_training", "Walked the user through the right steps; they can do it now."),
    ("fixed", "Cleared the stuck jobs and restarted the service."),
    ("hardware_replaced", "Swapped the faulty part from stock; working again."),
    ("workaround", "Set up a workaround while the vendor investigates."),
    ("third_party", "The provider fixed it on their side; confirmed with the user."),
    ("configuration_change", "Reset the permissions to the documented baseline."),
    ("no_fault_found", "Could not reproduce; monitored for a day, no further reports."),
]
_IMPLEMENTED = ("fixed", "Delivered as planned; the client signed off the handover.")
_SIGN_OFFS: dict[int, tuple[str, tuple[str, ...]]] = {
    0: ("Ordered a spare unit to keep in stock.", (FollowOn.REPLACEMENT_ORDERED,)),
    2: ("One more seat to add at the next license true-up.", (FollowOn.LICENSE_TRUE_UP,)),
    4: ("Raise a change request to make the fix permanent.", (FollowOn.CHANGE_REQUEST,)),
}


_DETAILS = [
    "It started this morning and affects several people.",
    "Rebooting did not help.",
    "We need this working before our client meeting.",
    "Error code 0x80070005 shows up.",
    "It happens intermittently, mostly in the afternoon.",
    "Screenshot attached.",
]
_NOTES = [
    "Checked event logs: repeated auth failures from the user's laptop.",
    "Remote session: cleared cached credentials, issue persists.",
    "Vendor case opened, reference VND-4471.",
    "Ruled out DNS; ping to gateway fine.",
    "Customer confirmed the issue began after the weekend update.",
]


def _first_name(full: str) -> str:
    """"Dr. Elena Ruiz" -> "Elena": titles end with a dot."""
    words = [w for w in full.split() if not w.endswith(".")]
    return words[0] if words else full


def _detail(rng: random.Random) -> str:
    return rng.choice(_DETAILS)


def _note(rng: random.Random) -> str:
    return rng.choice(_NOTES)
