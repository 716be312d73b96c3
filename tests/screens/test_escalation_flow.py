"""The escalation story end to end in the console: a P1 Platinum ticket under a fake clock
crosses 75 %, 90 % and its breach; the jobs act, the operations manager's console toasts
each step, and the audit log and alerts record what happened."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import select

from msp_tui.app import MspApp
from msp_tui.engine.vocabulary import PriorityCode
from msp_tui.services import escalation
from msp_tui.services.desk import Desk
from msp_tui.services.tick import tick
from msp_tui.services.tickets import SYSTEM
from msp_tui.store.models import (
    AuditEvent,
    Client,
    Notification,
    SlaAlert,
    SlaClockEvent,
    SlaProfile,
    Status,
    Technician,
    Ticket,
)
from tests.console_app import TERMINAL_SIZE, make_app
from tests.pilot_wait import until

OPS = "riley.chen@demo-msp.example"  # the demo's operations manager


def run_jobs(desk: Desk) -> escalation.EscalationResult:
    """What the lease holder's scheduler does each tick (here: on demand, no sleeping)."""
    tick(desk.db, desk.clock, owner="worker")
    return escalation.run(desk.db, desk.clock, owner="worker")


def toasts(app: MspApp) -> list[tuple[str, str]]:
    return [(str(n.message), n.severity) for n in app._notifications]


async def wait_for_toast(pilot, app: MspApp, words: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    try:
        await until(pilot, lambda: any(words in t[0] for t in toasts(app)))
    except AssertionError:
        raise AssertionError(f"no toast with {words!r}; toasts: {toasts(app)}") from None
    return [t for t in toasts(app) if words in t[0]][-1]


def ticket_state(desk: Desk, ticket_id: int) -> tuple[str, str | None, str | None, bool]:
    with desk.db.session() as s:
        t = s.get(Ticket, ticket_id)
        assert t is not None
        status = s.get(Status, t.status_id)
        names = {tech.id: tech.name for tech in s.exec(select(Technician)).all()}
        return (status.key, names.get(t.assignee_id), names.get(t.secondary_id),  # type: ignore[union-attr,arg-type,return-value]
                t.sla_breached)


def prepare(desk: Desk) -> int:
    """Settle the demo's own overdue clocks first, so only the new ticket's steps toast;
    Platinum breaches also go to the operations manager (rules are data)."""
    run_jobs(desk)
    with desk.db.session() as s:
        s.execute(sa.update(Notification).values(read_at=desk.clock.now()))
        platinum = s.exec(select(SlaProfile).where(SlaProfile.name == "Platinum")).one()
        escalation.add_rule(
            s, trigger="100", profile_id=platinum.id, at=desk.clock.now(), actor=SYSTEM,
            actions={"flag_breached": True, "notify_client": True,
                     "alert": ["director", "operations_manager"]},
        )
        client_id = s.exec(select(Client.id).where(Client.name == "Contoso Legal")).one()
    return desk.create_ticket(subject="Core switch down in head office",
                              body="Nothing on floor 3 can reach the network.",
                              priority=PriorityCode.P1, client_id=client_id)


async def test_p1_platinum_crosses_75_90_100_and_the_console_sees_each_step(
    demo_desk: Desk,
) -> None:
    demo_desk.me_email = OPS
    ticket_id = prepare(demo_desk)
    status, assignee, secondary, breached = ticket_state(demo_desk, ticket_id)
    assert (status, breached) == ("new", False) and assignee is not None  # Senior Tech's turn
    app = make_app(demo_desk, refresh_seconds=0.2)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await pilot.pause(0.3)
        assert toasts(app) == []

        demo_desk.clock.advance(minutes=23)  # type: ignore[attr-defined]  # 30-min response: 75 %
        run_jobs(demo_desk)
        _, severity = await wait_for_toast(pilot, app, "75 %")
        assert severity == "warning"
        _, _, secondary, _ = ticket_state(demo_desk, ticket_id)
        assert secondary is not None and secondary != assignee

        demo_desk.clock.advance(minutes=5)  # type: ignore[attr-defined]  # 28 min: 90 %
        run_jobs(demo_desk)
        _, severity = await wait_for_toast(pilot, app, "90 %")
        assert severity == "error"
        status, now_assigned, _, _ = ticket_state(demo_desk, ticket_id)
        assert status == "escalated"
        with demo_desk.db.session() as s:
            senior = s.exec(select(Technician).where(Technician.name == now_assigned)).one()
            assert senior.tier == "senior"

        demo_desk.clock.advance(minutes=2, seconds=2)  # type: ignore[attr-defined]  # breach
        run_jobs(demo_desk)
        _, severity = await wait_for_toast(pilot, app, "breach")
        assert severity == "error"
        assert ticket_state(demo_desk, ticket_id)[3] is True

    with demo_desk.db.session() as s:
        alerts = s.exec(select(SlaAlert).where(SlaAlert.ticket_id == ticket_id)).all()
        assert {a.threshold for a in alerts} >= {75, 90, 100}
        assert all(a.handled_at is not None for a in alerts)
        fields = {a.field for a in s.exec(
            select(AuditEvent).where(AuditEvent.entity == "ticket",
                                     AuditEvent.entity_id == ticket_id)).all()}
        assert {"secondary", "assignee", "status"} <= fields
        events = {e.event for e in s.exec(
            select(SlaClockEvent).where(SlaClockEvent.ticket_id == ticket_id)).all()}
        assert "breached" in events
