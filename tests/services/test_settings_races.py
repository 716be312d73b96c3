"""Two consoles saving settings at the same moment (review finding): each write reads,
checks, then writes, so both used to pass the same check on the same old state.

A barrier holds each console right after its read until the other has read too (or
for a short while, when the other is already waiting for the write lock). Without the
lock both check the old state and both write; with it the second runs after the first
commits. Which of the two wins is not the point: the invariant at the end is.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlmodel import select

from msp_tui.services import people_admin as people
from msp_tui.services import rule_admin as rules
from msp_tui.services.desk import Desk
from msp_tui.services.tickets import ServiceError
from msp_tui.store.db import Database
from msp_tui.store.models import AssignmentRule, Technician
from tests.conftest import DEMO_ADMIN

# Long enough for both threads to reach it unlocked; short, since with the lock the
# first thread waits this long for a second one that is queued behind it.
_MEET = 1.5


def _held_after(fn: Callable[..., Any], barrier: threading.Barrier) -> Callable[..., Any]:
    def wrapper(*args: Any) -> Any:
        result = fn(*args)
        if threading.current_thread() is not threading.main_thread():
            # Broken: the other console is queued behind our lock, so carry on alone.
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=_MEET)
        return result

    return wrapper


def _race(*calls: Callable[[], Any]) -> list[BaseException]:
    errors: list[BaseException] = []

    def run(call: Callable[[], Any]) -> None:
        try:
            call()
        except BaseException as exc:  # reported to the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return errors


@pytest.fixture
def second_console(admin: Desk) -> Iterator[Database]:
    """Another process's connection pool on the same file."""
    db = Database(admin.db.url)
    yield db
    db.dispose()


def test_two_admins_deactivating_each_other_leave_one_active_admin(
    admin: Desk, second_console: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    kim = people.add_technician(admin, name="Kim Admin", email="kim@demo-msp.example",
                                role="admin")
    jamie = Desk(admin.db, admin.clock, me_email=DEMO_ADMIN)
    kims = Desk(second_console, admin.clock, me_email="kim@demo-msp.example")
    jamie.me(), kims.me()  # looked up before the race, as a running console has
    barrier = threading.Barrier(2)
    monkeypatch.setattr(people, "_other_active_admins",
                        _held_after(people._other_active_admins, barrier))

    errors = _race(lambda: people.set_technician_active(jamie, kim, False),
                   lambda: people.set_technician_active(kims, 11, False))

    with admin.db.session() as s:
        active_admins = s.exec(select(Technician.name).where(
            Technician.role == "admin", Technician.active == True)).all()  # noqa: E712
    assert len(active_admins) == 1, (active_admins, errors)
    assert len(errors) == 1 and isinstance(errors[0], ServiceError), errors
    assert "is the only active admin" in str(errors[0])


def test_two_rule_moves_at_once_keep_positions_unique_and_contiguous(
    admin: Desk, second_console: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules.move_assignment_rule(admin, 6, -1)
    rules.move_assignment_rule(admin, 6, +1)  # the demo's 10..60 renumbered 1..6
    other = Desk(second_console, admin.clock, me_email=DEMO_ADMIN)
    other.me()
    barrier = threading.Barrier(2)
    monkeypatch.setattr(rules, "_ordered", _held_after(rules._ordered, barrier))

    errors = _race(lambda: rules.move_assignment_rule(admin, 3, -1),
                   lambda: rules.move_assignment_rule(other, 4, -1))

    assert errors == []
    with admin.db.session() as s:
        rows = s.exec(select(AssignmentRule).order_by(AssignmentRule.position)).all()  # type: ignore[arg-type]
    assert [r.position for r in rows] == list(range(1, len(rows) + 1))
    # Both moves happened, one after the other (3 up then 4 up, or 4 up then 3 up).
    assert [r.id for r in rows] in ([1, 3, 4, 2, 5, 6], [1, 2, 3, 4, 5, 6])
