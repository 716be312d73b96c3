"""The shared steps of the settings writes: refusals, audit rows, positions."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from msp_tui.services.admin_edits import (
    audit_changes,
    clean_text,
    existing,
    fail_if,
    moved,
    plural,
    renumber,
)
from msp_tui.services.desk import Desk
from msp_tui.services.tickets import Actor, ServiceError
from msp_tui.store.db import Database
from msp_tui.store.models import AssignmentRule, AuditEvent
from tests.conftest import FIXED_NOW


def test_no_problem_refuses_nothing() -> None:
    fail_if([])
    fail_if(())


def test_every_problem_is_listed_once_in_the_order_found() -> None:
    with pytest.raises(ServiceError) as exc:
        fail_if(["a client needs a name", "unknown billing type 'x'", "no SLA profile with id 9"])
    assert str(exc.value) == (
        "a client needs a name; unknown billing type 'x'; no SLA profile with id 9"
    )


def test_long_problems_can_go_one_per_line() -> None:
    with pytest.raises(ServiceError) as exc:
        fail_if(["P1 response: missing", "alert thresholds: 'x' is not a whole percentage"],
                sep="\n")
    assert str(exc.value).splitlines() == [
        "P1 response: missing", "alert thresholds: 'x' is not a whole percentage",
    ]


def _audit_rows(db: Database) -> list[tuple[str, int, str, str | None, str | None, str]]:
    with db.session() as s:
        rows = s.exec(select(AuditEvent).order_by(AuditEvent.id)).all()  # type: ignore[arg-type]
        return [(r.entity, r.entity_id, r.field, r.old_value, r.new_value, r.actor)
                for r in rows]


def test_one_audit_row_for_each_changed_field_in_the_order_given(empty_db: Database) -> None:
    who = Actor("Jamie Fox", None)
    with empty_db.session() as s:
        audit_changes(s, FIXED_NOW, who, "client", 7, [
            ("name", "Alpine", "Alpine Bakery"),
            ("vip", False, False),  # unchanged: no row
            ("hourly_rate_cents", 15000, 14950),
            ("notes", None, None),  # unchanged: no row
            ("sla_profile", "Gold", None),  # cleared: a row with no new value
            ("created", None, "x"),
        ])
    assert _audit_rows(empty_db) == [
        ("client", 7, "name", "Alpine", "Alpine Bakery", "Jamie Fox"),
        ("client", 7, "hourly_rate_cents", "15000", "14950", "Jamie Fox"),
        ("client", 7, "sla_profile", "Gold", None, "Jamie Fox"),
        ("client", 7, "created", None, "x", "Jamie Fox"),
    ]
    with empty_db.session() as s:
        assert {r.at for r in s.exec(select(AuditEvent))} == {FIXED_NOW}


def test_nothing_changed_writes_no_audit_row(empty_db: Database) -> None:
    with empty_db.session() as s:
        audit_changes(s, FIXED_NOW, Actor("system"), "status", 3,
                      [("name", "New", "New"), ("active", True, True)])
    assert _audit_rows(empty_db) == []


def _rules(s: Session) -> list[AssignmentRule]:
    by_position = AssignmentRule.position
    return list(s.exec(select(AssignmentRule).order_by(by_position)))  # type: ignore[arg-type]


def _rule_positions(desk: Desk) -> list[tuple[str, int]]:
    with desk.db.session() as s:
        return [(r.name, r.position) for r in _rules(s)]


def test_renumber_gives_1_to_n_in_the_order_given_and_reports_what_moved(
    demo_desk: Desk,
) -> None:
    before = _rule_positions(demo_desk)
    assert len(before) >= 3
    with demo_desk.db.session() as s:
        rows = _rules(s)
        wanted = [rows[-1], *rows[:-1]]  # the last rule first
        changed = renumber(s, wanted)
        reported = [(r.name, old, new) for r, old, new in changed]
    olds = dict(before)
    expected = [(r.name, olds[r.name], i) for i, r in enumerate(wanted, start=1)
                if olds[r.name] != i]
    assert reported == expected and reported
    after = _rule_positions(demo_desk)
    assert [name for name, _ in after] == [before[-1][0]] + [name for name, _ in before[:-1]]
    assert [position for _, position in after] == list(range(1, len(before) + 1))
    with demo_desk.db.session() as s:  # in place already: nothing to report or write
        assert renumber(s, _rules(s)) == []
        assert not s.dirty


@pytest.mark.parametrize(("index", "delta", "expected"), [
    (2, -1, "acbdef"),
    (0, 1, "bacdef"),
    (1, 3, "acdebf"),
    (4, -10, "eabcdf"),  # further than the top: it stops there
    (0, -1, "abcdef"),  # at the top already: nothing moves
    (5, 1, "abcdef"),  # at the bottom already
])
def test_moved_shifts_one_row_and_stops_at_either_end(index: int, delta: int,
                                                      expected: str) -> None:
    rows = list("abcdef")
    assert "".join(moved(rows, index, delta)) == expected
    assert rows == list("abcdef")  # a copy: the caller's list is left as it was


def test_clean_text_tidies_spaces_and_notes_what_is_missing_or_too_long() -> None:
    problems: list[str] = []
    assert clean_text("  Night   shift ", "a group name", 100, problems) == "Night shift"
    assert clean_text(None, "a name", 200, problems) == ""
    assert clean_text("x" * 41, "a label", 40, problems) == "x" * 41
    assert problems == ["a name is required", "a label is at most 40 characters (41 given)"]


def test_plural_counts_in_words() -> None:
    assert [plural(n, "open ticket") for n in (0, 1, 2)] == [
        "0 open tickets", "1 open ticket", "2 open tickets",
    ]


def test_existing_returns_the_row_or_refuses_naming_what_is_gone(demo_desk: Desk) -> None:
    with demo_desk.db.session() as s:
        first = _rules(s)[0]
        assert existing(s, AssignmentRule, first.id, "rule") is first  # type: ignore[arg-type]
        with pytest.raises(ServiceError) as exc:
            existing(s, AssignmentRule, 987654, "assignment rule")
    assert str(exc.value) == "no assignment rule with id 987654"
