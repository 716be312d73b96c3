"""The SLA profiles settings services on the demo desk: admin gate, the what-if against
what applying really moves, the form's text with every problem named, clone and delete."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from msp_tui.services import profile_admin as pa
from msp_tui.services.desk import Desk
from msp_tui.services.tickets import ServiceError
from msp_tui.store.db import read_change_seq
from msp_tui.store.models import (
    AuditEvent,
    Client,
    SlaClock,
    SlaProfile,
    SlaTarget,
    Status,
)

ADMIN = "jamie.fox@demo-msp.example"


def as_admin(desk: Desk) -> Desk:
    desk.me_email, desk._me = ADMIN, None
    return desk


def profile_id(desk: Desk, name: str) -> int:
    with desk.db.session() as s:
        return s.exec(select(SlaProfile.id).where(SlaProfile.name == name)).one()  # type: ignore[return-value]


def dues(desk: Desk) -> dict[int, datetime | None]:
    with desk.db.session() as s:
        return {c.id: c.due_at for c in s.exec(select(SlaClock))}  # type: ignore[misc]


def audit_rows(desk: Desk) -> list[tuple[str, str, int, str, str | None, str | None]]:
    with desk.db.session() as s:
        return [(a.actor, a.entity, a.entity_id, a.field, a.old_value, a.new_value)
                for a in s.exec(select(AuditEvent).order_by(AuditEvent.id))]  # type: ignore[arg-type]


def seq_now(desk: Desk) -> int:
    with desk.db.session() as s:
        return read_change_seq(s)


def with_target(form: pa.ProfileForm, priority: str, **changes: object) -> pa.ProfileForm:
    rows = tuple(replace(t, **changes) if t.priority == priority else t  # type: ignore[arg-type]
                 for t in form.targets)
    return replace(form, targets=rows)


def test_a_technician_may_read_but_not_change_profiles(demo_desk: Desk) -> None:
    gold = profile_id(demo_desk, "Gold")
    form = pa.profile_form(demo_desk, gold)  # reading is harmless
    before = audit_rows(demo_desk)
    refusal = "only admins may change settings; this console is Alex Morgan (technician)"
    for attempt in (
        lambda: pa.preview_save(demo_desk, with_target(form, "P2", resolution="1bd")),
        lambda: pa.save(demo_desk, with_target(form, "P2", resolution="1bd")),
        lambda: pa.clone(demo_desk, gold, "Gold 2"),
        lambda: pa.check_delete(demo_desk, gold),
        lambda: pa.delete(demo_desk, gold),
    ):
        with pytest.raises(ServiceError, match=refusal.replace("(", r"\(").replace(")", r"\)")):
            attempt()
    assert audit_rows(demo_desk) == before
    assert pa.profile_form(demo_desk, gold) == form


def test_list_shows_targets_calendar_clients_and_open_tickets(demo_desk: Desk) -> None:
    rows = {r.name: r for r in pa.profiles(demo_desk)}
    assert list(rows) == ["Gold", "Platinum", "Standard"]
    gold = rows["Gold"]
    assert gold.calendar == "Business hours (New York)"
    assert gold.clients == ("Adatum Finance", "Fabrikam Manufacturing", "Tailspin Logistics")
    p1, p2 = gold.target("P1"), gold.target("P2")
    assert p1 is not None and (p1.response, p1.resolution, p1.calendar) == (
        "1h", "8h", "24/7 on-call (New York)")
    assert p2 is not None and (p2.resolution, p2.update_interval, p2.calendar) == (
        "2bd", "4h", None)
    assert rows["Standard"].pause_statuses == ("Pending Approval",)
    with demo_desk.db.session() as s:  # tickets that are not closed, or still have clocks
        from msp_tui.services.sla_admin import profile_usage
        assert gold.open_tickets == profile_usage(s, gold.id).open_tickets > 0


def test_form_round_trip_saves_nothing(demo_desk: Desk) -> None:
    as_admin(demo_desk)
    form = pa.profile_form(demo_desk, profile_id(demo_desk, "Gold"))
    assert form.target("P1") == pa.TargetRow("P1", "1h", "8h", "1h", form.target("P1").calendar_id)
    assert form.target("P4").update_interval == "" and form.thresholds == "75, 90, 100"
    preview = pa.preview_save(demo_desk, form)
    assert preview.changes == () and preview.what_if.recalculated == 0


def test_what_if_matches_what_applying_moves(demo_desk: Desk) -> None:
    as_admin(demo_desk)
    gold = profile_id(demo_desk, "Gold")
    form = with_target(pa.profile_form(demo_desk, gold), "P2", resolution="1bd")
    with demo_desk.db.session() as s:
        seq = read_change_seq(s)
    before, audit_before = dues(demo_desk), audit_rows(demo_desk)

    preview = pa.preview_save(demo_desk, form)
    assert dues(demo_desk) == before and audit_rows(demo_desk) == audit_before  # rolled back
    assert preview.changes == ("P2 resolution: 2bd → 1bd",)
    w = preview.what_if
    assert w.moved > 0 and w.earlier.total_seconds() > 0
    assert preview.headline.startswith(f"{w.moved} due instant")

    saved = pa.save(demo_desk, form)
    assert saved.profile_id == gold and saved.what_if == w  # the same clock, the same edit
    after = dues(demo_desk)
    moved = {cid: (before[cid], after[cid]) for cid in before if before[cid] != after[cid]}
    assert len(moved) == w.moved
    deltas = [after - before for before, after in moved.values() if before and after]
    assert max(-d for d in deltas) == w.earlier
    # Tightening a target only moves deadlines earlier (an overdue clock stays due when
    # it was), so nothing moves later.
    assert max(deltas) < timedelta(0) and w.later == timedelta(0)
    with demo_desk.db.session() as s:
        target = s.exec(select(SlaTarget).where(SlaTarget.profile_id == gold,
                                                SlaTarget.priority == "P2")).one()
        assert (target.response, target.resolution) == ("2h", "1bd")
        assert read_change_seq(s) == seq + 1
    new_rows = audit_rows(demo_desk)[len(audit_before):]
    assert new_rows == [("Jamie Fox", "sla_profile", gold, "P2 resolution", "2bd", "1bd")]


def test_every_problem_of_the_form_is_named_and_nothing_written(demo_desk: Desk) -> None:
    as_admin(demo_desk)
    form = pa.profile_form(demo_desk, profile_id(demo_desk, "Gold"))
    bad = replace(with_target(form, "P2", response="", resolution="4x"),
                  name=" ", thresholds="75, lots", near_due_margin="soon")
    before = audit_rows(demo_desk)
    with pytest.raises(ServiceError) as err:
        pa.preview_save(demo_desk, bad)
    assert str(err.value).splitlines() == [
        "a profile needs a name",
        "P2 response: missing (or clear the whole P2 row)",
        "P2 resolution: cannot read SLA target '4x': use minutes (30m), hours (4h), "
        "business days (2bd) or next business day (nbd)",
        "alert thresholds: 'lots' is not a whole percentage 1-100",
        "near-due margin: 'soon' is not a whole number of minutes",
    ]
    with pytest.raises(ServiceError, match="must be strictly ascending"):  # sla_admin's check
        pa.save(demo_desk, replace(form, thresholds="90, 75"))
    assert audit_rows(demo_desk) == before


def test_range_and_order_problems_are_named_together(demo_desk: Desk) -> None:
    """The reviewer's example: sla_admin alone stops at the first of these."""
    as_admin(demo_desk)
    gold = profile_id(demo_desk, "Gold")
    form = pa.profile_form(demo_desk, gold)
    bad = replace(form, thresholds="90, 75, 150", business_day="2000", near_due_margin="5")
    before, seq = audit_rows(demo_desk), seq_now(demo_desk)
    for attempt in (pa.preview_save, pa.save):
        with pytest.raises(ServiceError) as err:
            attempt(demo_desk, bad)
        assert str(err.value).splitlines() == [
            "alert thresholds: 150 is not a whole percentage 1-100",
            "alert thresholds: 90, 75, 150 must be strictly ascending",
            "business day: 2000 is not a whole number of minutes 1-1440",
        ]
    assert audit_rows(demo_desk) == before and seq_now(demo_desk) == seq
    assert pa.profile_form(demo_desk, gold) == form


def test_a_taken_name_is_named_with_the_other_problems(demo_desk: Desk) -> None:
    as_admin(demo_desk)
    gold = profile_id(demo_desk, "Gold")
    form = pa.profile_form(demo_desk, gold)
    with demo_desk.db.session() as s:  # closed statuses stop clocks, never pause them
        closed: int = s.exec(select(Status.id).where(Status.name == "Closed")).one()  # type: ignore[assignment]
    edit = replace(
        with_target(with_target(form, "P3", resolution="4x"), "P2", response="", resolution="",
                    update_interval=""),
        name=" PLATINUM ", pause_status_ids=form.pause_status_ids | {closed},
    )
    new = replace(with_target(pa.new_form(demo_desk), "P1", response="15m", resolution="4x"),
                  name="gold", thresholds="80, 50")
    bad_target = ("resolution: cannot read SLA target '4x': use minutes (30m), hours (4h), "
                  "business days (2bd) or next business day (nbd)")
    before, seq = audit_rows(demo_desk), seq_now(demo_desk)
    for attempt in (pa.preview_save, pa.save):
        with pytest.raises(ServiceError) as err:
            attempt(demo_desk, edit)
        assert str(err.value).splitlines() == [
            f"P3 {bad_target}",
            "there is already a profile named 'Platinum'",  # regardless of case and spaces
            "P2: 5 tickets on Gold have SLA clocks on these targets; change their priority first",
            "pause statuses: Closed is a closed status; resolved and closed statuses stop the "
            "clocks instead",
        ]
        with pytest.raises(ServiceError) as err:
            attempt(demo_desk, new)
        assert str(err.value).splitlines() == [
            f"P1 {bad_target}",
            "there is already a profile named 'Gold'",
            "alert thresholds: 80, 50 must be strictly ascending",
        ]
    assert audit_rows(demo_desk) == before and seq_now(demo_desk) == seq
    assert pa.profile_form(demo_desk, gold) == form
    assert [r.name for r in pa.profiles(demo_desk)] == ["Gold", "Platinum", "Standard"]
    # Gold's own name in another case is no clash: renaming it that way saves.
    pa.save(demo_desk, replace(form, name="GOLD"))
    assert pa.profile_form(demo_desk, gold).name == "GOLD"


def test_new_profile_with_pauses_thresholds_and_minutes(demo_desk: Desk) -> None:
    as_admin(demo_desk)
    blank = pa.new_form(demo_desk)
    choices = pa.form_choices(demo_desk)
    assert blank.id is None and blank.thresholds == "75, 90, 100"
    assert {c.category for c in choices.pause_statuses} == {"open", "paused"}
    provisioning = next(c.id for c in choices.pause_statuses if c.name == "Provisioning")
    form = replace(with_target(blank, "P1", response="15m", resolution="4H", update_interval="1h"),
                   name="Bronze", pause_status_ids=frozenset({provisioning}),
                   thresholds="50 80", near_due_margin="20", business_day="480")
    preview = pa.preview_save(demo_desk, form)
    assert preview.creates and preview.changes == ("new profile Bronze",)
    saved = pa.save(demo_desk, form)
    rows = {r.name: r for r in pa.profiles(demo_desk)}
    bronze = rows["Bronze"]
    assert bronze.id == saved.profile_id and bronze.targets[0].resolution == "4h"
    assert [t.priority for t in bronze.targets] == ["P1"]
    assert bronze.pause_statuses == ("Provisioning",) and bronze.thresholds == (50, 80, 100)
    assert (bronze.near_due_margin_minutes, bronze.business_day_minutes) == (20, 480)
    assert bronze.clients == () and bronze.open_tickets == 0


def test_clone_then_delete_is_allowed_while_unused_and_refused_in_use(demo_desk: Desk) -> None:
    as_admin(demo_desk)
    gold = profile_id(demo_desk, "Gold")
    with pytest.raises(ServiceError) as err:
        pa.check_delete(demo_desk, gold)
    assert str(err.value).startswith(
        "Gold is used by 3 clients (Adatum Finance, Fabrikam Manufacturing, Tailspin Logistics)"
        " and ")
    with pytest.raises(ServiceError, match="Gold is used by 3 clients"):
        pa.delete(demo_desk, gold)

    copy = pa.clone(demo_desk, gold, "Gold 2027")
    with pytest.raises(ServiceError, match="already a profile named 'Gold 2027'"):
        pa.clone(demo_desk, gold, "Gold 2027")
    assert pa.profile_form(demo_desk, copy).targets == pa.profile_form(demo_desk, gold).targets
    pa.check_delete(demo_desk, copy)  # unused: no refusal, and nothing written
    assert "Gold 2027" in {r.name for r in pa.profiles(demo_desk)}
    pa.delete(demo_desk, copy)
    with demo_desk.db.session() as s:
        assert s.get(SlaProfile, copy) is None
        assert s.exec(select(Client).where(Client.sla_profile_id == gold)).all()
    fields = [(r[3], r[4], r[5]) for r in audit_rows(demo_desk)
              if r[1] == "sla_profile" and r[2] == copy]
    assert fields == [("created", None, "Gold 2027"), ("cloned_from", None, "Gold"),
                      ("deleted", "Gold 2027", None)]


def test_headline_counts_tickets_and_spans() -> None:
    from datetime import timedelta

    from msp_tui.services.sla_admin import WhatIf

    w = WhatIf(10, 3, 2, later=timedelta(days=1, hours=3), earlier=timedelta(hours=2),
               cleared=1)
    assert pa.headline(w) == ("3 due instants on 2 tickets move: up to 1 d 3 h later, "
                              "up to 2 h earlier; 1 due instant cleared (paused or ended).")
    assert pa.headline(WhatIf(4, 0, 0, timedelta(0), timedelta(0))) == (
        "No due instant moves (4 clocks recalculated).")
