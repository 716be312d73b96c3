"""Resolving and closing: resolution code and summary, time check, sign-off, follow-on
work, auto-close as the system's sign-off, reopening, and billable defaults for time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from msp_tui.engine.clock import FixedClock
from msp_tui.engine.vocabulary import BillingType, FollowOn
from msp_tui.services import tickets as svc
from msp_tui.services.auto_close import close_resolved
from msp_tui.services.tickets import Closure, ServiceError
from msp_tui.store.models import AuditEvent, Client, ResolutionCode, Status, Ticket, TimeEntry
from tests.services.gold_desk import MON, Desk, new_ticket

LATER = MON + timedelta(hours=1)


def _ticket(d: Desk) -> int:
    with d.db.session() as s:
        t = new_ticket(s, d)
        svc.change_status(s, t, "in_progress", at=MON + timedelta(minutes=5), actor=d.tech)
        return t.id  # type: ignore[return-value]


def _move(d: Desk, tid: int, key: str, closure: Closure | None = None, *,
          actor: svc.Actor | None = None, at=LATER) -> None:  # type: ignore[no-untyped-def]
    with d.db.session() as s:
        t = s.get(Ticket, tid)
        assert t is not None
        svc.change_status(s, t, key, at=at, actor=actor or d.tech, closure=closure)


def _state(d: Desk, tid: int) -> tuple[str, str | None, str]:
    """(status key, resolution code, summary)"""
    with d.db.session() as s:
        t = s.get(Ticket, tid)
        assert t is not None
        code = s.get(ResolutionCode, t.resolution_code_id) if t.resolution_code_id else None
        status = s.get(Status, t.status_id)
        assert status is not None
        return status.key or "", code.code if code else None, t.resolution_summary


def _audit(d: Desk, tid: int) -> dict[str, list[tuple[str | None, str | None, str]]]:
    with d.db.session() as s:
        rows = s.exec(
            select(AuditEvent).where(AuditEvent.entity == "ticket", AuditEvent.entity_id == tid)
            .order_by(AuditEvent.id)  # type: ignore[arg-type]
        ).all()
    out: dict[str, list[tuple[str | None, str | None, str]]] = {}
    for a in rows:
        out.setdefault(a.field, []).append((a.old_value, a.new_value, a.actor))
    return out


# ---------------------------------------------------------------- resolving


def test_resolving_without_code_or_summary_names_what_is_missing(desk: Desk) -> None:
    tid = _ticket(desk)
    with pytest.raises(ServiceError) as err:
        _move(desk, tid, "resolved")
    number = int(str(err.value).split("#")[1].split()[0])
    assert str(err.value) == (
        f"resolving #{number} needs a resolution code and a resolution summary"
    )
    with pytest.raises(ServiceError, match=r"needs a resolution summary$"):
        _move(desk, tid, "resolved", Closure("fixed", "  "))
    with pytest.raises(ServiceError, match=r"needs a resolution code$"):
        _move(desk, tid, "resolved", Closure(None, "Rebooted the print server"))
    # every problem at once, and nothing written
    with pytest.raises(ServiceError) as err:
        _move(desk, tid, "resolved", Closure("fixd", follow_on=("spare",)))
    message = str(err.value)
    assert "needs a resolution summary" in message
    assert "unknown resolution code 'fixd'" in message
    assert "unknown follow-on 'spare'" in message and "replacement_ordered" in message
    assert _state(desk, tid) == ("in_progress", None, "")
    # closing a ticket nobody resolved asks the same
    with pytest.raises(ServiceError, match=f"closing #{number} needs a resolution code"):
        _move(desk, tid, "closed")


def test_an_inactive_code_is_refused(desk: Desk) -> None:
    tid = _ticket(desk)
    with desk.db.session() as s:
        code = s.exec(select(ResolutionCode).where(ResolutionCode.code == "cancelled")).one()
        code.active = False
        s.add(code)
    with pytest.raises(ServiceError, match="resolution code 'Cancelled by customer' is no "
                                           "longer in use"):
        _move(desk, tid, "resolved", Closure("cancelled", "Customer withdrew the request"))
    assert _state(desk, tid)[0] == "in_progress"


def test_resolve_records_code_summary_and_time_check(desk: Desk) -> None:
    tid = _ticket(desk)
    with desk.db.session() as s:
        t = s.get(Ticket, tid)
        assert t is not None
        svc.log_time(s, t, technician_id=desk.tech.technician_id, minutes=45,  # type: ignore[arg-type]
                     work_date=MON.date(), at=MON + timedelta(minutes=30))
    _move(desk, tid, "resolved",
          Closure("hardware_replaced", " Swapped the fuser unit ", time_checked=True))
    assert _state(desk, tid) == ("resolved", "hardware_replaced", "Swapped the fuser unit")
    audit = _audit(desk, tid)
    assert audit["resolution_code"] == [(None, "hardware_replaced", "Tess")]
    assert audit["resolution_summary"] == [(None, "Swapped the fuser unit", "Tess")]
    assert audit["time_check"] == [(None, "confirmed: 45 min logged, 45 min billable", "Tess")]
    # a move within the resolved family keeps it; nothing is asked again
    _move(desk, tid, "noc_completed")
    assert _state(desk, tid) == ("noc_completed", "hardware_replaced", "Swapped the fuser unit")


def test_the_system_and_a_cascade_need_no_code(desk: Desk) -> None:
    tid = _ticket(desk)
    _move(desk, tid, "resolved", actor=svc.Actor("rule"))
    assert _state(desk, tid) == ("resolved", None, "")
    other = _ticket(desk)
    _move(desk, other, "resolved", Closure(from_master=True))  # a master without a code
    assert _state(desk, other) == ("resolved", None, "")
    # a technician closing a ticket the system resolved gives the resolution then
    with pytest.raises(ServiceError, match="needs a resolution code and a resolution summary"):
        _move(desk, tid, "closed", at=LATER + timedelta(hours=1))
    _move(desk, tid, "closed", Closure("workaround", "Print via the other tray"),
          at=LATER + timedelta(hours=1))
    assert _state(desk, tid) == ("closed", "workaround", "Print via the other tray")


# ---------------------------------------------------------------- closing


def test_close_records_sign_off_notes_and_follow_on(desk: Desk) -> None:
    tid = _ticket(desk)
    _move(desk, tid, "resolved", Closure("hardware_replaced", "Swapped the fuser"))
    with pytest.raises(ServiceError, match="follow-on 'other' needs closure notes"):
        _move(desk, tid, "closed", Closure(follow_on=(FollowOn.OTHER,)))
    _move(desk, tid, "closed",
          Closure(notes=" Spare fuser ordered, PO 4411 ",
                  follow_on=(FollowOn.LICENSE_TRUE_UP, FollowOn.REPLACEMENT_ORDERED)),
          at=LATER + timedelta(hours=2))
    with desk.db.session() as s:
        t = s.get(Ticket, tid)
        assert t is not None
        assert (t.closed_by, t.closed_by_id) == ("Tess", desk.tech.technician_id)
        assert t.closure_notes == "Spare fuser ordered, PO 4411"
        assert t.follow_on == ["replacement_ordered", "license_true_up"]  # vocabulary order
        assert t.closed_at == LATER + timedelta(hours=2)
    assert _state(desk, tid) == ("closed", "hardware_replaced", "Swapped the fuser")
    audit = _audit(desk, tid)
    assert audit["closed_by"] == [(None, "Tess", "Tess")]
    assert audit["closure_notes"] == [(None, "Spare fuser ordered, PO 4411", "Tess")]
    assert audit["follow_on"] == [(None, "replacement_ordered, license_true_up", "Tess")]


def test_notes_and_follow_on_belong_to_a_close(desk: Desk) -> None:
    tid = _ticket(desk)
    with pytest.raises(ServiceError, match="recorded when closing"):
        _move(desk, tid, "resolved",
              Closure("fixed", "Fixed", follow_on=(FollowOn.CHANGE_REQUEST,)))
    with pytest.raises(ServiceError, match="given when resolving or closing"):
        _move(desk, tid, "waiting_on_customer", Closure("fixed", "Fixed"))


def test_auto_close_signs_off_as_the_system(desk: Desk) -> None:
    tid = _ticket(desk)
    _move(desk, tid, "resolved", Closure("software_update", "Updated the driver"))
    clock = FixedClock(LATER + timedelta(hours=24))
    assert close_resolved(desk.db, clock, owner="me", after=timedelta(hours=24)) == 1
    with desk.db.session() as s:
        t = s.get(Ticket, tid)
        assert t is not None
        assert (t.closed_by, t.closed_by_id) == ("system", None)
        assert t.closure_notes == "auto-closed after 24 h without customer reply"
        assert t.follow_on == []
    assert _state(desk, tid) == ("closed", "software_update", "Updated the driver")
    assert _audit(desk, tid)["closed_by"] == [(None, "system", "auto-close")]


def test_reopening_clears_the_resolution_and_keeps_it_in_the_audit(desk: Desk) -> None:
    tid = _ticket(desk)
    _move(desk, tid, "resolved", Closure("fixed", "Cleared the queue"))
    _move(desk, tid, "in_progress", actor=svc.Actor("mail intake"),
          at=LATER + timedelta(hours=1))
    assert _state(desk, tid) == ("in_progress", None, "")
    audit = _audit(desk, tid)
    assert audit["resolution_code"][-1] == ("fixed", None, "mail intake")
    assert audit["resolution_summary"][-1] == ("Cleared the queue", None, "mail intake")
    # resolving again asks anew
    with pytest.raises(ServiceError, match="needs a resolution code"):
        _move(desk, tid, "resolved", at=LATER + timedelta(hours=2))


# ---------------------------------------------------------------- billable defaults


@pytest.mark.parametrize(
    ("billing", "hybrid_default", "billable"),
    [
        (BillingType.TIME_AND_MATERIALS, False, True),
        (BillingType.FIXED_MONTHLY, True, False),
        (BillingType.HYBRID, True, True),
        (BillingType.HYBRID, False, False),
    ],
)
def test_time_is_billable_as_the_contract_says(
    desk: Desk, billing: str, hybrid_default: bool, billable: bool
) -> None:
    with desk.db.session() as s:
        client = s.get(Client, desk.client_id)
        assert client is not None
        client.billing_type = billing
        client.hybrid_billable_default = hybrid_default
        s.add(client)
        t = new_ticket(s, desk)
        entry = svc.log_time(s, t, technician_id=desk.tech.technician_id, minutes=30,  # type: ignore[arg-type]
                             work_date=MON.date(), at=MON)
        explicit = svc.log_time(s, t, technician_id=desk.tech.technician_id, minutes=15,  # type: ignore[arg-type]
                                work_date=MON.date(), at=MON, billable=not billable)
        s.flush()
        entry_id, explicit_id = entry.id, explicit.id
    with desk.db.session() as s:
        assert s.get(TimeEntry, entry_id).billable is billable  # type: ignore[union-attr]
        assert s.get(TimeEntry, explicit_id).billable is (not billable)  # type: ignore[union-attr]
    assert svc.default_billable(billing, hybrid_default) is billable


def test_time_without_a_client_is_not_billable(desk: Desk) -> None:
    with desk.db.session() as s:
        t = new_ticket(s, desk, client=None)
        entry = svc.log_time(s, t, technician_id=desk.tech.technician_id, minutes=30,  # type: ignore[arg-type]
                             work_date=MON.date(), at=MON)
        assert entry.billable is False
    assert svc.default_billable(None) is False
