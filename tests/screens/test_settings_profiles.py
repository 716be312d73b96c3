"""Settings → SLA profiles: the list, the edit form with its what-if, clone and delete.

Opened as the demo admin the way a user does: `C` (settings hub), then `p`.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select
from textual.widgets import DataTable, Input, Static

from msp_tui.screens.settings.profiles import (
    CloneDialog,
    ProfileEditScreen,
    ProfilesScreen,
    ProfileWhatIfDialog,
)
from msp_tui.services.desk import Desk
from msp_tui.store.models import AuditEvent, SlaClock, SlaProfile, SlaTarget, Ticket
from tests.console_app import TERMINAL_SIZE, make_app
from tests.pilot_wait import settle

ADMIN = "jamie.fox@demo-msp.example"


def as_admin(desk: Desk) -> Desk:
    desk.me_email, desk._me = ADMIN, None
    return desk


async def open_profiles(pilot) -> ProfilesScreen:  # type: ignore[no-untyped-def]
    await settle(pilot)
    pilot.app.clear_notifications()
    await pilot.press("C")
    await settle(pilot)
    await pilot.press("p")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ProfilesScreen)
    return screen


async def open_gold(pilot) -> ProfileEditScreen:  # type: ignore[no-untyped-def]
    screen = await open_profiles(pilot)
    assert [r.name for r in screen.rows] == ["Gold", "Platinum", "Standard"]
    await pilot.press("enter")  # the cursor starts on Gold
    await settle(pilot)
    form = pilot.app.screen
    assert isinstance(form, ProfileEditScreen) and form.form.name == "Gold"
    return form


async def retype(pilot, widget_id: str, text: str) -> None:  # type: ignore[no-untyped-def]
    field = pilot.app.screen.query_one(f"#{widget_id}", Input)
    field.focus()
    field.value = ""
    await pilot.press(*text)
    await pilot.pause()


def toasts(app) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(str(n.message), n.severity) for n in app._notifications]


def gold_dues(desk: Desk) -> dict[int, tuple[int, str, str, datetime | None]]:
    """Running clocks of open Gold tickets: id -> (ticket, priority, kind, due)."""
    with desk.db.session() as s:
        rows = s.exec(
            select(SlaClock, Ticket)
            .join(Ticket, Ticket.id == SlaClock.ticket_id)  # type: ignore[arg-type]
            .join(SlaProfile, SlaProfile.id == Ticket.sla_profile_id)  # type: ignore[arg-type]
            .where(SlaProfile.name == "Gold", SlaClock.state == "running")
        ).all()
        return {c.id: (t.id, t.priority, c.kind, c.due_at) for c, t in rows}  # type: ignore[misc]


def p2_resolution(desk: Desk) -> str:
    with desk.db.session() as s:
        return s.exec(
            select(SlaTarget.resolution)
            .join(SlaProfile, SlaProfile.id == SlaTarget.profile_id)  # type: ignore[arg-type]
            .where(SlaProfile.name == "Gold", SlaTarget.priority == "P2")
        ).one()


async def test_editing_a_profile_with_the_what_if_preview(demo_desk: Desk) -> None:
    as_admin(demo_desk)
    before = gold_dues(demo_desk)
    p2_res = {cid: v for cid, v in before.items() if v[1] == "P2" and v[2] == "resolution"}
    assert p2_res  # the demo has P2 Gold tickets with running resolution clocks
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_gold(pilot)
        await retype(pilot, "p2-resolution", "1bd")
        await pilot.press("ctrl+s")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ProfileWhatIfDialog)
        shown = str(dialog.query_one("#headline", Static).render())
        assert p2_resolution(demo_desk) == "2bd" and gold_dues(demo_desk) == before  # not yet
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ProfilesScreen)
        assert app.screen is not screen
    after = gold_dues(demo_desk)
    moved = [cid for cid in before if before[cid][3] != after[cid][3]]
    # the preview said how many due instants would move: exactly those moved
    assert shown.startswith(f"{len(moved)} due instants on ")
    assert p2_resolution(demo_desk) == "1bd"
    # every P2 resolution clock is due earlier now (one business day less), none later
    assert all(after[c][3] < before[c][3] for c in p2_res if before[c][3])  # type: ignore[operator]
    with demo_desk.db.session() as s:
        rows = s.exec(select(AuditEvent).where(AuditEvent.entity == "sla_profile")).all()
        assert [(a.actor, a.field, a.old_value, a.new_value) for a in rows] == [
            ("Jamie Fox", "P2 resolution", "2bd", "1bd")
        ]
    assert any("Gold saved: " in text for text, _ in toasts(app))


async def test_an_invalid_target_shows_the_error_and_keeps_the_form(demo_desk: Desk) -> None:
    as_admin(demo_desk)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        form = await open_gold(pilot)
        await retype(pilot, "p2-resolution", "4x")
        await retype(pilot, "description", "Changed words")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form  # no preview: the form stays
        errors = [text for text, severity in toasts(app) if severity == "error"]
        assert errors == [
            "P2 resolution: cannot read SLA target '4x': use minutes (30m), hours (4h), "
            "business days (2bd) or next business day (nbd)"
        ]
        line = form.query_one("#error", Static)
        assert line.display and "✖ P2 resolution: cannot read SLA target '4x'" in str(
            line.render())
        assert form.query_one("#p2-resolution", Input).value == "4x"
        assert form.query_one("#description", Input).value == "Changed words"
    assert p2_resolution(demo_desk) == "2bd"
    with demo_desk.db.session() as s:
        assert s.exec(select(AuditEvent).where(AuditEvent.entity == "sla_profile")).all() == []


async def test_every_problem_is_listed_at_once_and_the_form_kept(demo_desk: Desk) -> None:
    as_admin(demo_desk)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        form = await open_gold(pilot)
        await retype(pilot, "name", "platinum")
        await retype(pilot, "thresholds", "90, 75, 150")
        await retype(pilot, "business-day", "2000")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form  # no preview: the form stays
        wanted = [
            "there is already a profile named 'Platinum'",
            "alert thresholds: 150 is not a whole percentage 1-100",
            "alert thresholds: 90, 75, 150 must be strictly ascending",
            "business day: 2000 is not a whole number of minutes 1-1440",
        ]
        errors = [text for text, severity in toasts(app) if severity == "error"]
        assert errors == ["\n".join(wanted)]
        line = form.query_one("#error", Static)
        assert line.display and str(line.render()).splitlines() == [f"✖ {w}" for w in wanted]
        assert form.query_one("#name", Input).value == "platinum"
        assert form.query_one("#thresholds", Input).value == "90, 75, 150"
    with demo_desk.db.session() as s:
        assert s.exec(select(AuditEvent).where(AuditEvent.entity == "sla_profile")).all() == []
        assert sorted(p.name for p in s.exec(select(SlaProfile))) == [
            "Gold", "Platinum", "Standard"]


async def test_delete_in_use_is_refused_with_the_reason_and_clone_then_delete(
    demo_desk: Desk,
) -> None:
    as_admin(demo_desk)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_profiles(pilot)
        await pilot.press("x")
        await settle(pilot)
        assert app.screen is screen  # refused before asking
        [(text, severity)] = toasts(app)
        assert severity == "error" and text.startswith(
            "Cannot delete: Gold is used by 3 clients (Adatum Finance, Fabrikam Manufacturing, "
            "Tailspin Logistics) and ")
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CloneDialog)
        assert app.screen.query_one("#name", Input).value == "Gold (copy)"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        names = [r.name for r in screen.rows]
        assert names == ["Gold", "Gold (copy)", "Platinum", "Standard"]
        table = screen.query_one(DataTable)
        assert table.cursor_row == 1  # on the copy
        assert [str(c) for c in table.get_row_at(1)][-2:] == ["0", "0"]
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert [r.name for r in screen.rows] == ["Gold", "Platinum", "Standard"]
    with demo_desk.db.session() as s:
        fields = s.exec(select(AuditEvent.field).where(AuditEvent.entity == "sla_profile")
                        .order_by(AuditEvent.id)).all()  # type: ignore[arg-type]
        assert fields == ["created", "cloned_from", "deleted"]


def test_profiles_list_snapshot(demo_desk: Desk, snap_compare) -> None:  # type: ignore[no-untyped-def]
    as_admin(demo_desk)

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await open_profiles(pilot)
        await pilot.press("j")  # Platinum: the detail follows the cursor
        await settle(pilot)

    assert snap_compare(make_app(demo_desk), terminal_size=TERMINAL_SIZE, run_before=run_before)


def test_profile_form_snapshot(demo_desk: Desk, snap_compare) -> None:  # type: ignore[no-untyped-def]
    as_admin(demo_desk)

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await open_gold(pilot)

    assert snap_compare(make_app(demo_desk), terminal_size=TERMINAL_SIZE, run_before=run_before)


def test_profile_what_if_snapshot(demo_desk: Desk, snap_compare) -> None:  # type: ignore[no-untyped-def]
    as_admin(demo_desk)

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await open_gold(pilot)
        await retype(pilot, "p2-resolution", "1bd")
        await retype(pilot, "thresholds", "80, 95")
        await pilot.press("ctrl+s")
        await settle(pilot)

    assert snap_compare(make_app(demo_desk), terminal_size=TERMINAL_SIZE, run_before=run_before)


async def test_a_new_profile_through_the_form(demo_desk: Desk) -> None:
    as_admin(demo_desk)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_profiles(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ProfileEditScreen) and form.form.id is None
        await pilot.press("escape")  # nothing typed: leaves without asking
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("n")
        await settle(pilot)
        await retype(pilot, "name", "Bronze")
        await retype(pilot, "p3-response", "1bd")
        await retype(pilot, "p3-resolution", "nbd")
        await pilot.press("escape")  # something typed: asks first; n keeps the form
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ProfileEditScreen)
        assert form.query_one("#name", Input).value == "Bronze"
        await pilot.press("ctrl+s")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ProfileWhatIfDialog)
        assert str(dialog.query_one("#headline", Static).render()).startswith(
            "A new profile: no ticket runs on it yet")
        await pilot.press("a")
        await settle(pilot)
        assert app.screen is screen
        assert [r.name for r in screen.rows] == ["Bronze", "Gold", "Platinum", "Standard"]
        assert screen.query_one(DataTable).cursor_row == 0
        bronze = screen.rows[0]
        assert bronze.calendar == "Business hours (New York)"
        assert [(t.priority, t.response, t.resolution) for t in bronze.targets] == [
            ("P3", "1bd", "nbd")]
