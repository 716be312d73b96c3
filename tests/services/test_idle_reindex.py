"""Idle escalation rules reach tickets that are already open: a rule added, edited,
enabled, disabled or deleted in settings re-computes `idle_check_at` of the open, assigned
tickets on the profiles whose idle window it changes, and the escalation job then acts on
them. Real demo database (Gold: New York business hours 08:00-18:00, Mon-Fri)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from msp_tui.engine.clock import FixedClock
from msp_tui.engine.vocabulary import Channel, Direction, PriorityCode, StatusCategory
from msp_tui.services import escalation
from msp_tui.services import rule_admin as ra
from msp_tui.services import tickets as svc
from msp_tui.services.desk import Desk
from msp_tui.store.models import (
    BusinessCalendarRow,
    Client,
    EscalationEvent,
    EscalationRule,
    SlaProfile,
    Status,
    Technician,
    Ticket,
)
from tests.conftest import FIXED_NOW

# FIXED_NOW is Tuesday 24 Nov 2026, 10:30 in New York. The history below happens on
# Monday afternoon; the last technician touch is at 17:30 New York, half an hour before
# closing.
CREATED = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)  # Mon 15:00 NY
ASSIGNED = datetime(2026, 11, 23, 21, 0, tzinfo=UTC)  # Mon 16:00 NY
WORKED = datetime(2026, 11, 23, 22, 30, tzinfo=UTC)  # Mon 17:30 NY: a technician's note
CHASED = datetime(2026, 11, 23, 22, 50, tzinfo=UTC)  # Mon 17:50 NY: the customer writes
IDLE_4H: dict[str, Any] = {"reassign": "available", "after_minutes": 240,
                           "alert": ["previous_assignee"]}


def _id(s: Session, model: Any, **where: Any) -> int:
    query = select(model.id).where(*(getattr(model, k) == v for k, v in where.items()))
    return int(s.exec(query).one())


def _demo_idle_rule(desk: Desk) -> int:
    with desk.db.session() as s:
        return _id(s, EscalationRule, trigger="idle", profile_id=None)


def _gold(desk: Desk) -> int:
    with desk.db.session() as s:
        return _id(s, SlaProfile, name="Gold")


def _worked_ticket(desk: Desk) -> tuple[int, int]:
    """A Gold ticket opened, assigned and worked on Monday afternoon, then chased by the
    customer (which is not technician activity); returns (ticket id, assignee id)."""
    with desk.db.session() as s:
        tech = s.exec(select(Technician).where(Technician.role == "technician",
                                               Technician.active == True)  # noqa: E712
                      .order_by(Technician.id)).first()
        assert tech is not None
        ticket = svc.create_ticket(
            s, at=CREATED, subject="Printer offline", body="The office printer is gone.",
            channel=Channel.EMAIL, priority=PriorityCode.P3,
            client_id=_id(s, Client, name="Fabrikam Manufacturing"),
        )
        svc.assign(s, ticket, technician_id=tech.id, at=ASSIGNED, actor=svc.SYSTEM)
        svc.add_message(s, ticket, at=WORKED, direction=Direction.INTERNAL,
                        body="Driver reinstalled, waiting for a test page.",
                        actor=svc.Actor.of(tech))
        svc.add_message(s, ticket, at=CHASED, direction=Direction.CUSTOMER, body="Any news?")
        assert ticket.sla_profile_id == _id(s, SlaProfile, name="Gold")
        return int(ticket.id), int(tech.id)  # type: ignore[arg-type]


def _idle_at(desk: Desk, ticket_id: int) -> datetime | None:
    with desk.db.session() as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None
        return ticket.idle_check_at


def _indexed(desk: Desk) -> dict[int, datetime]:
    with desk.db.session() as s:
        rows = s.exec(select(Ticket.id, Ticket.idle_check_at)
                      .where(Ticket.idle_check_at != None)).all()  # noqa: E711
        return {int(i): at for i, at in rows}  # type: ignore[misc]


def _ids(desk: Desk, profile: str, category: StatusCategory, *, assigned: bool) -> set[int]:
    with desk.db.session() as s:
        query = (
            select(Ticket.id)
            .join(Status, Status.id == Ticket.status_id)  # type: ignore[arg-type]
            .join(SlaProfile, SlaProfile.id == Ticket.sla_profile_id)  # type: ignore[arg-type]
            .where(SlaProfile.name == profile, Status.category == category,
                   Ticket.assignee_id.is_not(None) if assigned  # type: ignore[union-attr]
                   else Ticket.assignee_id.is_(None))  # type: ignore[union-attr]
        )
        return {int(i) for i in s.exec(query).all()}  # type: ignore[arg-type]


def test_a_new_idle_rule_reaches_an_open_ticket_and_the_job_acts_on_it(admin: Desk) -> None:
    ra.set_escalation_rule_active(admin, _demo_idle_rule(admin), False)
    ticket_id, tess = _worked_ticket(admin)
    assert _idle_at(admin, ticket_id) is None  # no idle rule while it was worked

    rule_id = ra.add_escalation_rule(admin, profile_id=_gold(admin), trigger="idle",
                                     actions=IDLE_4H)

    # Last technician activity (17:30) + 4 business hours: 30 min on Monday, 3 h 30 on
    # Tuesday from 08:00 -> Tuesday 11:30 New York. Not wall time (Tue 02:30 UTC) and not
    # the customer's chase (17:50 -> Tue 11:50 NY).
    assert _idle_at(admin, ticket_id) == datetime(2026, 11, 24, 16, 30, tzinfo=UTC)

    clock = FixedClock(FIXED_NOW)  # 10:30 New York: an hour before it counts as idle
    escalation.run(admin.db, clock, owner="test")
    with admin.db.session() as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None and ticket.assignee_id == tess
        assert ticket.idle_check_at == datetime(2026, 11, 24, 16, 30, tzinfo=UTC)

    clock.advance(seconds=3600 + 60)  # 11:31 New York
    result = escalation.run(admin.db, clock, owner="test")
    assert any(a.startswith("#") and "idle" in a for a in result.actions)
    with admin.db.session() as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None
        assert ticket.assignee_id not in (None, tess)  # handed to whoever is free
        key = f"idle:{ticket_id}:2026-11-24T16:30:00+00:00"
        assert s.exec(select(EscalationEvent).where(EscalationEvent.key == key)).one()
        # The new owner gets a whole window, from the reassignment
        assert ticket.idle_check_at is not None and ticket.idle_check_at > clock.now()

    ra.set_escalation_rule_active(admin, rule_id, False)
    assert _idle_at(admin, ticket_id) is None
    assert _indexed(admin) == {}  # no idle rule at all: nothing left for the job to re-check


def test_only_open_assigned_tickets_on_the_changed_profile_are_indexed(admin: Desk) -> None:
    # The demo seeds its rules after its history, so nothing is indexed yet.
    assert _indexed(admin) == {}
    open_gold = _ids(admin, "Gold", StatusCategory.OPEN, assigned=True)
    assert open_gold

    ra.add_escalation_rule(admin, profile_id=_gold(admin), trigger="idle", actions=IDLE_4H)

    indexed = _indexed(admin)
    assert set(indexed) == open_gold  # Standard and Platinum keep the all-profiles window
    for untouched in (
        _ids(admin, "Gold", StatusCategory.PAUSED, assigned=True),
        _ids(admin, "Gold", StatusCategory.CLOSED, assigned=True),
        _ids(admin, "Gold", StatusCategory.OPEN, assigned=False),
        _ids(admin, "Standard", StatusCategory.OPEN, assigned=True),
    ):
        assert untouched and not untouched & set(indexed)
    with admin.db.session() as s:
        for ticket_id, due in indexed.items():
            ticket = s.get(Ticket, ticket_id)
            assert ticket is not None
            assert due > max(t for t in (ticket.created_at, ticket.last_tech_activity_at) if t)


def test_editing_deleting_and_disabling_recompute_the_window(admin: Desk) -> None:
    all_profiles = _demo_idle_rule(admin)
    ticket_id, _ = _worked_ticket(admin)
    # Worked with the demo's 2 h rule active: 17:30 + 2 business hours = Tue 09:30 NY.
    two_hours = datetime(2026, 11, 24, 14, 30, tzinfo=UTC)
    assert _idle_at(admin, ticket_id) == two_hours

    rule_id = ra.add_escalation_rule(admin, profile_id=_gold(admin), trigger="idle",
                                     actions=IDLE_4H)
    assert _idle_at(admin, ticket_id) == datetime(2026, 11, 24, 16, 30, tzinfo=UTC)

    ra.edit_escalation_rule(admin, rule_id, profile_id=_gold(admin), trigger="idle",
                            actions={**IDLE_4H, "after_minutes": 60}, active=True)
    # 30 min on Monday, 30 min from Tuesday's opening
    assert _idle_at(admin, ticket_id) == datetime(2026, 11, 24, 13, 30, tzinfo=UTC)

    ra.delete_escalation_rule(admin, rule_id)  # Gold falls back to the all-profiles rule
    assert _idle_at(admin, ticket_id) == two_hours

    ra.set_escalation_rule_active(admin, all_profiles, False)
    assert _idle_at(admin, ticket_id) is None
    ra.set_escalation_rule_active(admin, all_profiles, True)  # enabling reaches it again
    assert _idle_at(admin, ticket_id) == two_hours


def test_a_rule_change_that_moves_no_idle_window_touches_no_ticket(admin: Desk) -> None:
    ticket_id, _ = _worked_ticket(admin)
    with admin.db.session() as s:  # a value the reindex would overwrite if it ran
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None
        ticket.idle_check_at = marker = datetime(2026, 12, 1, tzinfo=UTC)
        s.add(ticket)
    ra.add_escalation_rule(admin, profile_id=_gold(admin), trigger="90",
                           actions={"alert": ["team_lead"]})
    ra.add_escalation_rule(admin, profile_id=_gold(admin), trigger="idle", actions=IDLE_4H,
                           active=False)
    assert _idle_at(admin, ticket_id) == marker


def test_the_last_reassignment_counts_as_activity(admin: Desk) -> None:
    """A ticket the job (or anyone) just handed on is not idle again at once."""
    ra.set_escalation_rule_active(admin, _demo_idle_rule(admin), False)
    ticket_id, tess = _worked_ticket(admin)
    handed = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)  # Tue 09:00 NY
    with admin.db.session() as s:
        other = s.exec(select(Technician.id).where(Technician.id != tess,
                                                   Technician.role == "technician")).first()
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None and other is not None
        svc.assign(s, ticket, technician_id=other, at=handed, actor=svc.Actor("escalation"))
    ra.add_escalation_rule(admin, profile_id=_gold(admin), trigger="idle", actions=IDLE_4H)
    assert _idle_at(admin, ticket_id) == handed + timedelta(hours=4)  # all within Tuesday


@pytest.mark.parametrize("chunk", [1, 3, 1000])
def test_chunks_give_the_same_index(admin: Desk, chunk: int) -> None:
    with admin.db.session() as s:
        windows = svc.idle_windows(s)
        changed = svc.reindex_idle_checks(s, dict.fromkeys(windows), chunk=chunk)
    indexed = _indexed(admin)
    every_open = set().union(*(_ids(admin, p, StatusCategory.OPEN, assigned=True)
                               for p in ("Gold", "Standard", "Platinum")))
    assert changed == len(indexed) and every_open <= set(indexed)
    with admin.db.session() as s:
        svc.reindex_idle_checks(s, dict.fromkeys(windows), chunk=10_000)
    assert _indexed(admin) == indexed


def test_idle_window_uses_the_jobs_rule_loader(admin: Desk) -> None:
    """A rule broken by hand is skipped by both the job and the idle index."""
    with admin.db.session() as s:
        s.add(EscalationRule(profile_id=_gold(admin), trigger="idle", position=0,
                             actions={"after_minutes": "soon"}))
    with admin.db.session() as s:
        assert svc.idle_window(s, _gold(admin)) == timedelta(minutes=120)
        assert [r.id for r in escalation.load_rules(s) if r.trigger == "idle"] == [
            _demo_idle_rule(admin)]


def test_a_run_reads_the_business_calendars_once(admin: Desk) -> None:
    ra.add_escalation_rule(admin, profile_id=_gold(admin), trigger="idle", actions=IDLE_4H)
    with admin.db.session() as s:
        calendars = len(s.exec(select(BusinessCalendarRow.id)).all())
    reads: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "FROM business_calendar " in statement or statement.endswith("business_calendar"):
            reads.append(statement)

    clock = FixedClock(FIXED_NOW + timedelta(hours=2))  # 12:30 NY: the demo's Gold tickets idle
    state = escalation.EscalationState(checked_at=clock.now() - timedelta(minutes=1))
    sa.event.listen(admin.db.engine, "before_cursor_execute", count)
    try:
        result = escalation.run(admin.db, clock, owner="test", state=state, batch=5)
    finally:
        sa.event.remove(admin.db.engine, "before_cursor_execute", count)
    assert result.idle > 5  # several idle batches, each its own transaction
    assert len(reads) == 1 + calendars  # the ids, then each row once


def test_moving_one_profile_idle_rule_above_another_recomputes(admin: Desk) -> None:
    """Within one scope the lower position wins, so a move can change the window."""
    ticket_id, _ = _worked_ticket(admin)
    ra.add_escalation_rule(admin, profile_id=_gold(admin), trigger="idle", actions=IDLE_4H)
    hour = ra.add_escalation_rule(admin, profile_id=_gold(admin), trigger="idle",
                                  actions={**IDLE_4H, "after_minutes": 60})
    assert _idle_at(admin, ticket_id) == datetime(2026, 11, 24, 16, 30, tzinfo=UTC)
    ra.move_escalation_rule(admin, hour, -1)
    assert _idle_at(admin, ticket_id) == datetime(2026, 11, 24, 13, 30, tzinfo=UTC)
