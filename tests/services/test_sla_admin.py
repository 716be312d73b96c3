"""Editing SLA calendars and profiles: running clocks keep consumed time, what-if rolls back.

Expectations are computed by hand on a Monday-Friday 09:00-17:00 New York calendar;
2026-11-23 is a Monday, 2026-11-24 a Tuesday.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from msp_tui.engine.vocabulary import Direction, PriorityCode
from msp_tui.services import escalation, sla
from msp_tui.services import sla_admin as admin
from msp_tui.services import tickets as svc
from msp_tui.services.sla_admin import TargetSpec
from msp_tui.store.db import Database, read_change_seq
from msp_tui.store.models import (
    AssignmentRule,
    AuditEvent,
    BusinessCalendarRow,
    CalendarHoliday,
    Client,
    SlaClock,
    SlaClockEvent,
    SlaProfile,
    SlaProfilePauseStatus,
    SlaTarget,
    Status,
    Ticket,
)
from tests.services.gold_desk import FIXED, MON, NY, Desk, ny
from tests.services.gold_desk import new_ticket as _new

NOON = datetime(2026, 11, 23, 12, 0, tzinfo=NY)
TUE = date(2026, 11, 24)


def _status(s: Session, key: str) -> Status:
    return s.exec(select(Status).where(Status.key == key)).one()


def _clocks(s: Session, ticket_id: int | None) -> dict[str, SlaClock]:
    """The newest clock of each kind."""
    rows = s.exec(select(SlaClock).where(SlaClock.ticket_id == ticket_id).order_by(SlaClock.id))
    return {c.kind: c for c in rows}


def _snapshot(db: Database) -> dict[str, Any]:
    """Everything an edit could have written."""
    with db.session() as s:
        return {
            "seq": read_change_seq(s),
            "events": len(s.exec(select(SlaClockEvent)).all()),
            "audit": len(s.exec(select(AuditEvent)).all()),
            "dues": [(c.id, c.due_at, c.state) for c in s.exec(select(SlaClock))],
            "calendars": [c.model_dump() for c in s.exec(select(BusinessCalendarRow))],
            "holidays": len(s.exec(select(CalendarHoliday)).all()),
            "targets": [t.model_dump() for t in s.exec(select(SlaTarget))],
        }


def _audit(s: Session, entity: str) -> dict[str, tuple[str | None, str | None]]:
    rows = s.exec(select(AuditEvent).where(AuditEvent.entity == entity).order_by(AuditEvent.id))
    return {a.field: (a.old_value, a.new_value) for a in rows}


SHORT_DAYS = {d: [("11:00", "15:00")] for d in range(5)}


def _shorten(d: Desk) -> Any:
    """Open 11:00-15:00 from noon on, and close on Tuesday."""

    def edit(s: Session) -> list[sla.DueShift]:
        return admin.update_calendar(
            s, d.calendar_id, at=NOON, actor=d.tech, weekly=SHORT_DAYS, holidays=[TUE]
        )

    return edit


# ---------------------------------------------------------------- calendars


def test_calendar_edit_moves_running_clocks_keeping_consumed_time(desk: Desk) -> None:
    with desk.db.session() as s:
        tid = _new(s, desk).id  # P3: response 4 h (due 14:00), resolution 2bd = 16 h
    with desk.db.session() as s:
        seq = read_change_seq(s)
    with desk.db.session() as s:
        shifts = _shorten(desk)(s)
        c = _clocks(s, tid)
        resp, res = c["response"], c["resolution"]
        # 2 h used 10:00-12:00 on the old hours (the new ones would count only 1 h)
        assert resp.consumed_seconds == res.consumed_seconds == 2 * 3600
        assert resp.running_since == res.running_since == NOON
        # response: 2 h left from noon, 12:00-14:00 -> unchanged
        assert resp.due_at == ny(2026, 11, 23, 14, 0)
        # resolution: 2bd is now two 4 h days = 8 h; 6 h left: 3 Mon, Tue closed, 3 Wed
        assert res.target_seconds == 8 * 3600
        assert res.due_at == ny(2026, 11, 25, 14, 0)
        assert shifts == [
            sla.DueShift(resp.id, tid, ny(2026, 11, 23, 14, 0), ny(2026, 11, 23, 14, 0)),  # type: ignore[arg-type]
            sla.DueShift(res.id, tid, ny(2026, 11, 25, 10, 0), ny(2026, 11, 25, 14, 0)),  # type: ignore[arg-type]
        ]
        events = s.exec(select(SlaClockEvent).where(SlaClockEvent.event == "recalculated")).all()
        assert [(e.clock_id, e.consumed_seconds) for e in events] == [
            (resp.id, 7200),
            (res.id, 7200),
        ]
        assert s.get(Ticket, tid).next_due_at == ny(2026, 11, 23, 14, 0)  # type: ignore[union-attr]
        assert s.exec(select(CalendarHoliday.day)).all() == [TUE]
        row = s.get(BusinessCalendarRow, desk.calendar_id)
        assert row is not None and row.weekly == {str(d): [["11:00", "15:00"]] for d in range(5)}
        audited = _audit(s, "business_calendar")
        assert audited["holidays"] == ("none", "2026-11-24")
        assert audited["weekly"][1] == ", ".join(
            f"{d} 11:00-15:00" for d in ("Mon", "Tue", "Wed", "Thu", "Fri")
        )
        assert set(audited) == {"weekly", "holidays"}
    with desk.db.session() as s:
        assert read_change_seq(s) == seq + 1


def test_paused_clock_gets_no_due_but_resumes_on_the_new_calendar(desk: Desk) -> None:
    with desk.db.session() as s:
        t = _new(s, desk)
        svc.add_message(
            s,
            t,
            at=ny(2026, 11, 23, 10, 30),
            direction=Direction.PUBLIC,
            body="Which printer?",
            actor=desk.tech,
        )
        svc.change_status(s, t, "waiting_on_customer", at=ny(2026, 11, 23, 11, 0), actor=desk.tech)
        tid = t.id
    with desk.db.session() as s:
        shifts = admin.update_calendar(
            s,
            desk.calendar_id,
            at=NOON,
            actor=desk.tech,
            weekly={d: [("09:00", "19:00")] for d in range(5)},
        )
        res = _clocks(s, tid)["resolution"]
        assert shifts == [sla.DueShift(res.id, tid, None, None)]  # type: ignore[arg-type]
        assert res.state == "paused" and res.due_at is None
        assert res.consumed_seconds == 3600  # 10:00-11:00
        assert res.target_seconds == 20 * 3600  # 2bd of 10 h days
    with desk.db.session() as s:
        t = s.get(Ticket, tid)
        assert t is not None
        svc.change_status(s, t, "in_progress", at=ny(2026, 11, 24, 9, 0), actor=desk.tech)
        res = _clocks(s, tid)["resolution"]
        # 19 h left on the new hours: 10 Tue, 9 Wed (the old hours would say Wed 16:00)
        assert res.state == "running" and res.due_at == ny(2026, 11, 25, 18, 0)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"weekly": {0: [("09:00", "17:00"), ("16:00", "18:00")]}},
            "calendar BH: overlapping windows: Mon 09:00-17:00 and Mon 16:00-18:00",
        ),
        ({"tz": "Mars/Olympus_Mons"}, "unknown time zone 'Mars/Olympus_Mons'"),
        ({"weekly": {0: [("9am", "5pm")]}}, "bad time '9am'"),
        ({"weekly": {}}, "no opening hours"),
        ({"country": "XX"}, "unknown holiday country"),
        ({"name": " "}, "needs a name"),
        ({"name": "24/7"}, "already a calendar named '24/7'"),
    ],
)
def test_invalid_calendar_is_refused_and_changes_nothing(
    desk: Desk, changes: dict[str, Any], message: str
) -> None:
    with desk.db.session() as s:
        _new(s, desk)
    before = _snapshot(desk.db)
    with desk.db.session() as s:
        with pytest.raises(svc.ServiceError, match=message.replace("(", r"\(")):
            admin.update_calendar(
                s, desk.calendar_id, at=NOON, actor=desk.tech, holidays=[TUE], **changes
            )
        assert not s.new and not s.deleted  # refused before anything was written
    assert _snapshot(desk.db) == before  # the session committed: still nothing changed


def test_rename_only_recalculates_nothing_and_a_no_op_writes_nothing(desk: Desk) -> None:
    with desk.db.session() as s:
        _new(s, desk)
    before = _snapshot(desk.db)
    with desk.db.session() as s:
        same = admin.update_calendar(
            s,
            desk.calendar_id,
            at=NOON,
            actor=desk.tech,
            weekly={d: [("9:00", "17:00")] for d in range(5)},
            holidays=[],
            country=None,
        )
        assert same == []
    assert _snapshot(desk.db) == before
    with desk.db.session() as s:
        assert (
            admin.update_calendar(
                s, desk.calendar_id, at=NOON, actor=desk.tech, name="Office hours"
            )
            == []
        )
        assert _audit(s, "business_calendar") == {"name": ("BH", "Office hours")}
    after = _snapshot(desk.db)
    assert after["events"] == before["events"] and after["seq"] == before["seq"] + 1


def test_preview_returns_the_real_shifts_and_leaves_the_database_untouched(desk: Desk) -> None:
    with desk.db.session() as s:
        _new(s, desk)
        _new(s, desk, priority=PriorityCode.P1)  # on the 24/7 calendar: not affected
    before = _snapshot(desk.db)

    what_if = admin.preview(desk.db, _shorten(desk))
    assert _snapshot(desk.db) == before  # dues, events, audit, holidays, change_seq

    def and_commit(s: Session) -> list[sla.DueShift]:
        shifts = _shorten(desk)(s)
        s.commit()  # even a commit inside the preview does not persist
        return shifts

    assert admin.preview(desk.db, and_commit) == what_if
    assert _snapshot(desk.db) == before

    with desk.db.session() as s:
        real = _shorten(desk)(s)
    assert real == what_if and len(real) == 2
    summary = admin.summarize(what_if)
    assert summary == admin.WhatIf(
        recalculated=2, moved=1, tickets=1, later=timedelta(hours=4), earlier=timedelta(0)
    )
    assert summary.describe() == "1 due instant moves: up to 4 h later"
    after = _snapshot(desk.db)
    assert after["seq"] == before["seq"] + 1 and after["events"] == before["events"] + 2


def test_preview_rolls_back_when_the_edit_is_refused(desk: Desk) -> None:
    before = _snapshot(desk.db)
    with pytest.raises(svc.ServiceError):
        admin.preview(
            desk.db,
            lambda s: admin.update_calendar(
                s, desk.calendar_id, at=NOON, actor=desk.tech, tz="Nowhere/Special"
            ),
        )
    assert _snapshot(desk.db) == before


# ---------------------------------------------------------------- profiles


def test_profile_target_edit_recalculates_clocks_on_the_profile(desk: Desk) -> None:
    with desk.db.session() as s:
        p3 = _new(s, desk).id
        p2 = _new(s, desk, priority=PriorityCode.P2).id
    at = ny(2026, 11, 23, 11, 0)
    with desk.db.session() as s:
        shifts = admin.update_profile(
            s,
            desk.profile_id,
            at=at,
            actor=desk.tech,
            targets={"P3": TargetSpec(response="2H ", resolution="2bd")},
        )
        c3, c2 = _clocks(s, p3), _clocks(s, p2)
        # P3 response: 1 h used of the new 2 h -> due noon instead of 14:00
        assert c3["response"].due_at == NOON and c3["response"].consumed_seconds == 3600
        assert c3["resolution"].due_at == ny(2026, 11, 25, 10, 0)  # unchanged target
        # P2 clocks are recalculated too, to the same instants (their targets are equal)
        assert c2["response"].due_at == at  # 1 h target, 1 h used
        assert c2["resolution"].due_at == ny(2026, 11, 24, 10, 0)  # 7 h Mon + 1 h Tue
        assert len(shifts) == 4
        assert admin.summarize(shifts) == admin.WhatIf(
            recalculated=4, moved=1, tickets=1, later=timedelta(0), earlier=timedelta(hours=2)
        )
        assert admin.profile_targets(s, desk.profile_id)["P3"] == TargetSpec("2h", "2bd")
        assert _audit(s, "sla_profile") == {"P3 response": ("4h", "2h")}
        events = s.exec(select(SlaClockEvent.event)).all()
        assert events.count("recalculated") == 4


def test_profile_calendar_change_moves_clocks_to_the_new_calendar(desk: Desk) -> None:
    with desk.db.session() as s:
        tid = _new(s, desk, at=ny(2026, 11, 23, 16, 0)).id  # response due Tue 12:00
    at = ny(2026, 11, 23, 17, 0)  # 1 h used, 3 h left
    with desk.db.session() as s:
        [shift, _] = admin.update_profile(
            s, desk.profile_id, at=at, actor=desk.tech, calendar_id=desk.always_id
        )
        resp = _clocks(s, tid)["response"]
        assert resp.calendar_id == desk.always_id
        assert shift == sla.DueShift(resp.id, tid, ny(2026, 11, 24, 12, 0), ny(2026, 11, 23, 20, 0))  # type: ignore[arg-type]
        assert _audit(s, "sla_profile") == {"calendar": ("BH", "24/7")}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"targets": {"P2": TargetSpec("1h", "abc")}},
            "P2 resolution: cannot read SLA target 'abc'",
        ),
        ({"targets": {"P1": TargetSpec("0m", "4h")}}, "P1 response: SLA target '0m' must be"),
        ({"targets": {"P4": TargetSpec("1h", "4h", "soon")}}, "P4 update interval: cannot read"),
        ({"targets": {"P5": TargetSpec("1h", "4h")}}, "unknown priority 'P5'"),
        ({"targets": {"P1": TargetSpec("1h", "4h", calendar_id=999)}}, "P1 calendar: no business"),
        ({"calendar_id": 999}, "calendar: no business calendar with id 999"),
        ({"alert_thresholds": [90, 75]}, "alert thresholds: 90, 75 must be strictly ascending"),
        ({"alert_thresholds": [0, 50]}, "alert thresholds: 0 is not a whole percentage"),
        ({"alert_thresholds": [50, 101]}, "alert thresholds: 101 is not"),
        ({"near_due_margin_minutes": -5}, "near-due margin: -5"),
        ({"business_day_minutes": 0}, "business day: 0"),
        ({"name": ""}, "a profile needs a name"),
    ],
)
def test_invalid_profile_edit_is_refused_naming_the_field(
    desk: Desk, changes: dict[str, Any], message: str
) -> None:
    with desk.db.session() as s:
        _new(s, desk)
    before = _snapshot(desk.db)
    with desk.db.session() as s:
        with pytest.raises(svc.ServiceError, match=message):
            admin.update_profile(s, desk.profile_id, at=NOON, actor=desk.tech, **changes)
        assert not s.new and not s.deleted
    assert _snapshot(desk.db) == before


def test_pause_statuses_must_be_open_or_paused(desk: Desk) -> None:
    with desk.db.session() as s:
        resolved = _status(s, "resolved").id
        with pytest.raises(
            svc.ServiceError, match="Resolved is a resolved status; resolved and closed"
        ):
            admin.update_profile(
                s, desk.profile_id, at=NOON, actor=desk.tech, pause_status_ids=[resolved]
            )


def test_thresholds_are_stored_ascending_ending_at_the_breach(desk: Desk) -> None:
    with desk.db.session() as s:
        admin.update_profile(
            s, desk.profile_id, at=NOON, actor=desk.tech, alert_thresholds=[50, 80]
        )
        profile = s.get(SlaProfile, desk.profile_id)
        assert profile is not None and profile.alert_thresholds == [50, 80, 100]
        assert _audit(s, "sla_profile") == {"alert_thresholds": ("75, 90, 100", "50, 80, 100")}


def test_removing_a_priority_is_refused_while_its_clocks_run(desk: Desk) -> None:
    with desk.db.session() as s:
        _new(s, desk)
    with desk.db.session() as s:
        with pytest.raises(svc.ServiceError, match="P3: 1 ticket on Gold has SLA clocks"):
            admin.update_profile(s, desk.profile_id, at=NOON, actor=desk.tech, targets={"P3": None})
        admin.update_profile(s, desk.profile_id, at=NOON, actor=desk.tech, targets={"P4": None})
        assert set(admin.profile_targets(s, desk.profile_id)) == {"P1", "P2", "P3"}


def test_dropping_the_update_interval_ends_running_update_clocks(desk: Desk) -> None:
    with desk.db.session() as s:
        t = _new(s, desk, priority=PriorityCode.P2)
        svc.add_message(
            s,
            t,
            at=ny(2026, 11, 23, 10, 20),
            direction=Direction.PUBLIC,
            body="On it",
            actor=desk.tech,
        )
        tid = t.id
        assert _clocks(s, tid)["update"].due_at == ny(2026, 11, 23, 12, 20)
    with desk.db.session() as s:
        shifts = admin.update_profile(
            s,
            desk.profile_id,
            at=ny(2026, 11, 23, 11, 0),
            actor=desk.tech,
            targets={"P2": TargetSpec("1h", "8h", update_interval=None)},
        )
        c = _clocks(s, tid)
        assert c["update"].state == "cancelled"
        assert sla.DueShift(c["update"].id, tid, ny(2026, 11, 23, 12, 20), None) in shifts  # type: ignore[arg-type]
        summary = admin.summarize(shifts)
        assert summary.cleared == 1 and summary.moved == 0
        assert summary.describe() == "1 due instant cleared"
        t = s.get(Ticket, tid)
        assert t is not None and t.next_due_at == c["resolution"].due_at


def test_pause_status_edit_pauses_and_resumes_tickets_sitting_in_it(desk: Desk) -> None:
    with desk.db.session() as s:
        t = _new(s, desk)
        svc.change_status(s, t, "provisioning", at=ny(2026, 11, 23, 10, 30), actor=desk.tech)
        tid = t.id
        provisioning = _status(s, "provisioning").id
        pending = _status(s, "pending_approval").id
    with desk.db.session() as s:
        shifts = admin.update_profile(
            s,
            desk.profile_id,
            at=ny(2026, 11, 23, 11, 0),
            actor=desk.tech,
            pause_status_ids=[pending, provisioning],
        )
        c = _clocks(s, tid)
        assert c["resolution"].state == "paused" and c["resolution"].consumed_seconds == 3600
        assert c["response"].state == "running"  # a response is never paused
        # only the paused clock: a pause-status edit moves no other due instant
        res_id: int = c["resolution"].id  # type: ignore[assignment]
        assert shifts == [sla.DueShift(res_id, tid, ny(2026, 11, 25, 10, 0), None)]  # type: ignore[arg-type]
        assert _audit(s, "sla_profile") == {
            "pause_statuses": ("Pending Approval", "Pending Approval, Provisioning")
        }
    with desk.db.session() as s:
        admin.update_profile(
            s,
            desk.profile_id,
            at=ny(2026, 11, 23, 13, 0),
            actor=desk.tech,
            pause_status_ids=[pending],
        )
        res = _clocks(s, tid)["resolution"]
        # 15 h left from Mon 13:00: 4 Mon, 8 Tue, 3 Wed
        assert res.state == "running" and res.due_at == ny(2026, 11, 25, 12, 0)
        events = s.exec(select(SlaClockEvent.event).where(SlaClockEvent.clock_id == res.id)).all()
        assert events == ["started", "paused", "resumed"]  # no recalculation: dues unchanged


def test_create_and_clone_profile(desk: Desk) -> None:
    with desk.db.session() as s:
        silver = admin.create_profile(
            s,
            name=" Silver ",
            calendar_id=desk.calendar_id,
            at=NOON,
            actor=desk.tech,
            targets={"P3": TargetSpec("1H", "1bd")},
            alert_thresholds=[80],
        )
        assert silver.name == "Silver" and silver.alert_thresholds == [80, 100]
        assert admin.profile_targets(s, silver.id) == {"P3": TargetSpec("1h", "1bd")}  # type: ignore[arg-type]
        with pytest.raises(svc.ServiceError, match="already a profile named 'Gold'"):
            admin.clone_profile(s, silver.id, "Gold", at=NOON, actor=desk.tech)  # type: ignore[arg-type]

        copy = admin.clone_profile(s, desk.profile_id, "Gold (2027)", at=NOON, actor=desk.tech)
        cid: int = copy.id  # type: ignore[assignment]
        assert admin.profile_targets(s, cid) == admin.profile_targets(s, desk.profile_id)
        assert admin.profile_targets(s, cid)["P1"].calendar_id == desk.always_id
        pauses = s.exec(
            select(SlaProfilePauseStatus.status_id).where(SlaProfilePauseStatus.profile_id == cid)
        ).all()
        assert pauses == [_status(s, "pending_approval").id]
        assert copy.calendar_id == desk.calendar_id
        created = s.exec(
            select(AuditEvent.field, AuditEvent.new_value).where(AuditEvent.entity_id == cid)
        ).all()
        assert ("cloned_from", "Gold") in created and ("created", "Gold (2027)") in created


def test_delete_is_refused_while_in_use_and_allowed_once_unused(desk: Desk) -> None:
    with desk.db.session() as s:
        tid = _new(s, desk).id
        for name in ("Beta", "Delta", "Gamma"):
            s.add(
                Client(
                    name=name, sla_profile_id=desk.profile_id, billing_type="hybrid", created_at=MON
                )
            )
    with desk.db.session() as s:
        with pytest.raises(svc.ServiceError) as err:
            admin.delete_profile(s, desk.profile_id, at=NOON, actor=desk.tech)
        assert str(err.value) == (
            "Gold is used by 4 clients (Acme, Beta, Delta, …) and 1 ticket not yet closed"
        )
        for client in s.exec(select(Client)).all():
            admin.set_client_profile(
                s,
                client.id,
                None,
                at=NOON,
                actor=desk.tech,  # type: ignore[arg-type]
                reapply_to_open_tickets=False,
            )
        with pytest.raises(svc.ServiceError, match=r"^Gold is used by 1 ticket not yet closed$"):
            admin.delete_profile(s, desk.profile_id, at=NOON, actor=desk.tech)
        ticket = s.get(Ticket, tid)
        assert ticket is not None
        svc.change_status(s, ticket, "closed", at=NOON, actor=desk.tech, closure=FIXED)
        admin.delete_profile(s, desk.profile_id, at=NOON, actor=desk.tech)
    with desk.db.session() as s:
        assert s.get(SlaProfile, desk.profile_id) is None
        assert s.exec(select(SlaTarget)).all() == []
        ticket = s.get(Ticket, tid)
        assert ticket is not None and ticket.sla_profile_id is None  # detached, clocks kept
        assert {c.state for c in _clocks(s, tid).values()} == {"met"}  # closed at noon
        deleted = s.exec(select(AuditEvent).where(AuditEvent.field == "deleted")).one()
        assert (deleted.old_value, deleted.reason) == ("Gold", "1 closed ticket detached")


def test_a_profile_rules_still_name_is_not_deleted(desk: Desk) -> None:
    """An escalation rule on it (a foreign key) or an assignment rule naming it would
    break: the refusal names them, and nothing is deleted."""
    with desk.db.session() as s:
        clone = admin.clone_profile(s, desk.profile_id, "Gold copy", at=NOON, actor=desk.tech)
        escalation.add_rule(s, trigger="90", actions={"status": "escalated"}, at=NOON,
                            actor=desk.tech, profile_id=clone.id, position=1)
        s.add(AssignmentRule(position=1, name="Copy P1 to seniors", phase="assign",
                             conditions={"sla_profile": ["gold COPY"]},
                             actions={"group_round_robin": 1}, created_at=NOON))
    with desk.db.session() as s:
        with pytest.raises(svc.ServiceError, match=r"^Gold copy is used by escalation rule 1 "
                           r"\(90\), assignment rule 'Copy P1 to seniors'$"):
            admin.delete_profile(s, clone.id, at=NOON, actor=desk.tech)  # type: ignore[arg-type]
        assert s.get(SlaProfile, clone.id) is not None


# ---------------------------------------------------------------- clients


def test_set_client_profile_without_and_with_reapply(desk: Desk) -> None:
    with desk.db.session() as s:
        open_id = _new(s, desk, client=desk.bare_client_id).id
        done = _new(s, desk, client=desk.bare_client_id)
        svc.change_status(s, done, "resolved", at=ny(2026, 11, 23, 10, 30),
                          actor=desk.tech, closure=FIXED)
        done_id = done.id
    with desk.db.session() as s:
        n = admin.set_client_profile(
            s,
            desk.bare_client_id,
            desk.profile_id,
            at=NOON,
            actor=desk.tech,
            reapply_to_open_tickets=False,
        )
        # Not re-applied: nothing moves, but a ticket that never had an SLA starts now
        # (otherwise it would show "No SLA" for ever).
        assert n == 0
        c = _clocks(s, open_id)
        assert c["response"].started_at == NOON  # from now, not from intake
        assert c["response"].due_at == ny(2026, 11, 23, 16, 0)
        assert _clocks(s, done_id) == {}  # resolved: left alone
        client = s.get(Client, desk.bare_client_id)
        assert client is not None and client.sla_profile_id == desk.profile_id
        assert _audit(s, "client") == {"sla_profile": (None, "Gold")}
    with desk.db.session() as s:
        # re-applying the same profile: already on it, nothing to do
        assert (
            admin.set_client_profile(
                s,
                desk.bare_client_id,
                desk.profile_id,
                at=NOON,
                actor=desk.tech,
                reapply_to_open_tickets=True,
            )
            == 0
        )
        assert _clocks(s, open_id)["response"].started_at == NOON


def test_reapply_moves_open_tickets_keeping_consumed_time(desk: Desk) -> None:
    with desk.db.session() as s:
        tid = _new(s, desk).id
        silver = admin.create_profile(
            s,
            name="Silver",
            calendar_id=desk.calendar_id,
            at=MON,
            actor=desk.tech,
            targets={"P3": TargetSpec("1h", "1bd")},
        )
        sid: int = silver.id  # type: ignore[assignment]
    at = ny(2026, 11, 23, 10, 30)
    with desk.db.session() as s:
        n = admin.bulk_set_client_profile(
            s,
            [desk.client_id, desk.bare_client_id],
            sid,
            at=at,
            actor=desk.tech,
            reapply_to_open_tickets=True,
        )
        assert n == 1
        rows = s.exec(
            select(SlaClock)
            .where(SlaClock.ticket_id == tid, SlaClock.kind == "response")
            .order_by(SlaClock.id)
        ).all()
        assert [r.state for r in rows] == ["cancelled", "running"]
        assert rows[1].consumed_seconds == 1800 and rows[1].due_at == ny(2026, 11, 23, 11, 0)
        ticket = s.get(Ticket, tid)
        assert ticket is not None and ticket.sla_profile_id == sid
        assert _audit(s, "ticket")["sla_profile"] == ("Gold", "Silver")
        clients = s.exec(select(Client.sla_profile_id)).all()
        assert clients == [sid, sid]


def test_removing_a_clients_profile_with_reapply_stops_the_sla(desk: Desk) -> None:
    with desk.db.session() as s:
        tid = _new(s, desk).id
    with desk.db.session() as s:
        n = admin.set_client_profile(
            s, desk.client_id, None, at=NOON, actor=desk.tech, reapply_to_open_tickets=True
        )
        assert n == 1
        assert {c.state for c in _clocks(s, tid).values()} == {"cancelled"}
        ticket = s.get(Ticket, tid)
        assert ticket is not None and ticket.sla_profile_id is None and ticket.next_due_at is None


# ---------------------------------------------------------------- summary


def test_summarize_counts_and_measures_moves() -> None:
    at = ny(2026, 11, 23, 10, 0)
    shifts = [
        sla.DueShift(1, 10, at, at + timedelta(hours=2, minutes=15)),
        sla.DueShift(2, 10, at, at - timedelta(minutes=30)),
        sla.DueShift(3, 11, at, at),  # recalculated, same instant
        sla.DueShift(4, 12, None, None),  # paused
        sla.DueShift(5, 13, at, None),  # paused or ended by the edit
        sla.DueShift(6, 14, None, at),  # resumed by the edit
        sla.DueShift(7, 13, at, at + timedelta(days=1, hours=3)),
    ]
    summary = admin.summarize(shifts)
    assert summary == admin.WhatIf(
        recalculated=7,
        moved=3,
        tickets=3,
        later=timedelta(days=1, hours=3),
        earlier=timedelta(minutes=30),
        cleared=1,
        appeared=1,
    )
    assert summary.describe() == (
        "3 due instants move: up to 1 d 3 h later, up to 30 min earlier; "
        "1 due instant cleared; 1 new due instant"
    )
    assert admin.summarize(shifts[:2]).describe() == (
        "2 due instants move: up to 2 h 15 min later, up to 30 min earlier"
    )
    assert admin.summarize([]).describe() == "No due instant moves"
    assert admin.format_span(timedelta(seconds=45)) == "45 s"
