"""The ticket detail screen: snapshots on the demo, and each action driven by keys."""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select
from textual.geometry import Region
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Label

from msp_tui.app import MspApp
from msp_tui.engine.badges import Badge, badge_for
from msp_tui.engine.vocabulary import Channel, ClockKind, ClockState, Direction, PriorityCode
from msp_tui.screens.ticket import MessageBox, TicketScreen
from msp_tui.screens.ticket_dialogs import MessageDialog, PriorityDialog, StatusPicker, TimeDialog
from msp_tui.services.desk import Desk
from msp_tui.services.outbox import OutboundSettings, send_due
from msp_tui.services.ticket_view import (
    default_billable,
    format_duration,
    format_minutes,
    format_target,
    log_time,
    ticket_detail,
)
from msp_tui.services.tickets import ServiceError, create_ticket
from msp_tui.store.models import (
    AuditEvent,
    Client,
    Contact,
    Message,
    OutboxMail,
    Status,
    Ticket,
    TimeEntry,
)
from msp_tui.store.ticket_queries import ClockEventView, PausedSpan, TicketDetail, paused_spans
from tests.conftest import FIXED_NOW
from tests.console_app import TERMINAL_SIZE, make_app
from tests.pilot_wait import settle, until

SMALL = (80, 24)
OUTBOUND = OutboundSettings(from_address="Demo MSP <help@demo-msp.example>", ticket_prefix="MSP")
HANNAH = "hannah.cole@contoso-legal.example"


# ---------------------------------------------------------------- helpers


def waiting_ticket_id(desk: Desk) -> int:
    """The lowest-numbered ticket Waiting on Customer with a note and logged time."""
    with desk.db.session() as s:
        has_note = (
            sa.select(Message.id)
            .where(Message.ticket_id == Ticket.id, Message.direction == Direction.INTERNAL)
            .exists()
        )
        has_time = sa.select(TimeEntry.id).where(TimeEntry.ticket_id == Ticket.id).exists()
        return s.exec(
            select(Ticket.id)
            .join(Status, Status.id == Ticket.status_id)  # type: ignore[arg-type]
            .where(Status.key == "waiting_on_customer", has_note, has_time)
            .order_by(Ticket.number)  # type: ignore[arg-type]
        ).first()  # type: ignore[return-value]


def flagged_ticket_id(desk: Desk) -> int:
    """The lowest-numbered open ticket flagged as possible social engineering."""
    with desk.db.session() as s:
        return s.exec(
            select(Ticket.id)
            .join(Status, Status.id == Ticket.status_id)  # type: ignore[arg-type]
            .where(Ticket.possible_social_engineering, Status.category != "closed")
            .order_by(Ticket.number)  # type: ignore[arg-type]
        ).first()  # type: ignore[return-value]


def fresh_ticket(desk: Desk, client: str = "Contoso Legal") -> int:
    with desk.db.session() as s:
        client_id = s.exec(select(Client.id).where(Client.name == client)).one()
    return desk.create_ticket(
        subject="Laptop will not boot",
        body="Black screen after the update.",
        priority=PriorityCode.P2,
        client_id=client_id,
    )


def hannahs_ticket(desk: Desk) -> int:
    """A fresh Contoso Legal ticket mailed in by Hannah, whose address replies go to."""
    with desk.db.session() as s:
        contact = s.exec(select(Contact).where(Contact.email == HANNAH)).one()
        ticket = create_ticket(
            s,
            at=desk.clock.now(),
            subject="Scanner sends blank pages",
            body="Every scan to email arrives blank.",
            channel=Channel.EMAIL,
            priority=PriorityCode.P3,
            client_id=contact.client_id,
            contact_id=contact.id,
            requester_name=contact.name,
            requester_email=HANNAH,
            message_id="<scan-1@contoso-legal.example>",
        )
        return ticket.id  # type: ignore[return-value]


class ScriptedTransport:
    """Answers each mail by its body: the exception listed for it, else accepted."""

    def __init__(self, outcomes: dict[str, Exception]) -> None:
        self.outcomes = outcomes

    def send(self, msg, to: list[str]) -> None:  # type: ignore[no-untyped-def]
        error = self.outcomes.get(msg.get_content().strip())
        if error is not None:
            raise error

    def close(self) -> None:
        pass


def send(desk: Desk, **outcomes: Exception) -> None:
    assert send_due(
        desk.db, desk.clock, ScriptedTransport(outcomes), owner="test", settings=OUTBOUND
    ).ran


def emailed_replies(desk: Desk) -> int:
    """Hannah's ticket with one reply sent, one refused and one waiting for a retry."""
    desk.outbound = OUTBOUND
    ticket_id = hannahs_ticket(desk)
    tick = desk.clock.advance  # type: ignore[attr-defined]
    tick(minutes=5)
    desk.reply(ticket_id, "Which scanner is it?")
    tick(minutes=1)
    send(desk)
    tick(minutes=4)
    desk.reply(ticket_id, "Try the copy room one.")
    send(desk, **{"Try the copy room one.": smtplib.SMTPRecipientsRefused(
        {HANNAH: (550, b"5.1.1 mailbox unknown")})})
    tick(minutes=5)
    desk.reply(ticket_id, "Fixed the scan profile.")
    down = {"Fixed the scan profile.": ConnectionRefusedError()}
    send(desk, **down)
    tick(minutes=1)
    send(desk, **down)
    return ticket_id


async def open_ticket(app: MspApp, pilot: Pilot[None], ticket_id: int) -> TicketScreen:
    await settle(pilot)
    screen = TicketScreen(app.desk, ticket_id, refresh_seconds=3600.0)
    await app.push_screen(screen)
    await settle(pilot)
    assert app.screen is screen and screen.detail is not None
    return screen


async def type_text(pilot: Pilot[None], text: str) -> None:
    await pilot.press(*text)


async def open_dialog_with(pilot: Pilot[None], key: str, kind: type[Screen[object]]) -> None:
    """Press the key and wait for the dialog and its focus: letters typed earlier are lost."""
    app = pilot.app
    await pilot.press(key)
    await until(pilot, lambda: isinstance(app.screen, kind) and app.screen.focused is not None)


async def back_to(pilot: Pilot[None], screen: Screen[object]) -> None:
    """Wait for the dialog to close, then for the reload it started."""
    await until(pilot, lambda: pilot.app.screen is screen)
    await settle(pilot)


def shown(widget: Widget) -> str:
    """What the widget shows on screen, as plain text."""
    width, height = widget.outer_size
    lines = widget.render_lines(Region(0, 0, width, height))
    return "\n".join(strip.text for strip in lines)


def flat(box: Widget) -> str:
    """A bordered box's text as one line: borders gone, wrapped lines joined."""
    return " ".join(shown(box).translate(str.maketrans("┃│━─┏┓┗┛╭╮╰╯", " " * 12)).split())


def active(detail: TicketDetail, kind: ClockKind):  # type: ignore[no-untyped-def]
    return next(c for c in detail.clocks if c.kind == kind and not c.cancelled)


# ---------------------------------------------------------------- snapshots


def test_ticket_snapshot(snap_compare, demo_desk: Desk) -> None:  # type: ignore[no-untyped-def]
    ticket_id = waiting_ticket_id(demo_desk)
    detail = ticket_detail(demo_desk, ticket_id)
    directions = {m.direction for m in detail.messages}
    assert {Direction.PUBLIC, Direction.INTERNAL} <= directions
    assert detail.time_entries and detail.clocks

    async def run_before(pilot: Pilot[None]) -> None:
        await open_ticket(pilot.app, pilot, ticket_id)  # type: ignore[arg-type]

    app = make_app(demo_desk)
    assert snap_compare(app, terminal_size=TERMINAL_SIZE, run_before=run_before)


def test_ticket_snapshot_small_terminal(snap_compare, demo_desk: Desk) -> None:  # type: ignore[no-untyped-def]
    ticket_id = flagged_ticket_id(demo_desk)

    async def run_before(pilot: Pilot[None]) -> None:
        await open_ticket(pilot.app, pilot, ticket_id)  # type: ignore[arg-type]

    app = make_app(demo_desk)
    assert snap_compare(app, terminal_size=SMALL, run_before=run_before)


def test_ticket_snapshot_email_states(snap_compare, demo_desk: Desk) -> None:  # type: ignore[no-untyped-def]
    ticket_id = emailed_replies(demo_desk)

    async def run_before(pilot: Pilot[None]) -> None:
        await open_ticket(pilot.app, pilot, ticket_id)  # type: ignore[arg-type]

    app = make_app(demo_desk)
    assert snap_compare(app, terminal_size=TERMINAL_SIZE, run_before=run_before)


# ---------------------------------------------------------------- reads


def test_detail_of_a_demo_ticket(demo_desk: Desk) -> None:
    detail = ticket_detail(demo_desk, waiting_ticket_id(demo_desk))
    assert detail.me_id is not None and detail.zone == "America/New_York"
    assert [m.at for m in detail.messages] == sorted(m.at for m in detail.messages)
    resolution = active(detail, ClockKind.RESOLUTION)
    assert resolution.state == ClockState.PAUSED
    assert resolution.paused_spans and resolution.paused_spans[-1].end is None
    assert resolution.target_label.endswith("business days")
    assert resolution.used_seconds == resolution.consumed_seconds  # paused: nothing runs
    assert {e.clock_id for e in detail.clock_events} == {c.id for c in detail.clocks}
    flagged = ticket_detail(demo_desk, flagged_ticket_id(demo_desk))
    assert flagged.contact_terminated and flagged.possible_social_engineering


def test_running_clock_counts_business_time_to_now(demo_desk: Desk) -> None:
    ticket_id = fresh_ticket(demo_desk)
    demo_desk.clock.advance(minutes=20)  # type: ignore[attr-defined]
    response = active(ticket_detail(demo_desk, ticket_id), ClockKind.RESPONSE)
    assert response.state == ClockState.RUNNING
    assert response.used_seconds == 20 * 60  # Platinum runs 24/7
    assert response.target_label == "1 h"


def test_paused_spans_pair_pauses_with_what_ends_them() -> None:
    t = [FIXED_NOW + timedelta(hours=h) for h in range(5)]

    def ev(event: str, at: int) -> ClockEventView:
        return ClockEventView(0, 1, "resolution", event, t[at], 0, None, None, "")

    events = [ev("started", 0), ev("paused", 1), ev("resumed", 2), ev("paused", 3)]
    assert paused_spans(events, paused_now=True) == (
        PausedSpan(t[1], t[2]),
        PausedSpan(t[3], None),
    )
    # opened already paused (a retarget while waiting): paused since its first event
    assert paused_spans([ev("retargeted", 4)], paused_now=True) == (PausedSpan(t[4], None),)
    assert paused_spans([ev("paused", 1), ev("met", 2)], paused_now=False) == (
        PausedSpan(t[1], t[2]),
    )


def test_formatting() -> None:
    assert format_minutes(90) == "1 h 30 min"
    assert format_minutes(45) == "45 min"
    assert format_duration(4 * 3600) == "4 h"
    assert format_target(72000, 36000) == "2 business days"
    assert format_target(36000, 36000) == "1 business day"
    assert format_target(4 * 3600, None) == "4 h"
    assert default_billable("time_and_materials") and default_billable("hybrid")
    assert not default_billable("fixed_monthly") and not default_billable(None)


def test_log_time_is_mine_and_dated_in_my_zone(demo_desk: Desk) -> None:
    ticket_id = fresh_ticket(demo_desk)
    seq = demo_desk.change_seq()
    log_time(demo_desk, ticket_id, minutes=30, billable=True, note=" remote session ")
    assert demo_desk.change_seq() == seq + 1
    entry = ticket_detail(demo_desk, ticket_id).time_entries[-1]
    assert (entry.technician, entry.minutes, entry.billable) == ("Alex Morgan", 30, True)
    assert entry.note == "remote session" and entry.work_date == FIXED_NOW.date()


# ---------------------------------------------------------------- actions


async def test_reply_meets_the_response_clock(demo_desk: Desk) -> None:
    ticket_id = fresh_ticket(demo_desk)
    assert active(ticket_detail(demo_desk, ticket_id), ClockKind.RESPONSE).state == "running"
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_ticket(app, pilot, ticket_id)
        demo_desk.clock.advance(minutes=10)  # type: ignore[attr-defined]
        await open_dialog_with(pilot, "r", MessageDialog)
        await type_text(pilot, "Hi Hannah, can you hold the power button for 30 s?")
        await pilot.press("ctrl+s")
        await back_to(pilot, screen)
        detail = ticket_detail(demo_desk, ticket_id)
        assert active(detail, ClockKind.RESPONSE).state == ClockState.MET
        assert detail.messages[-1].direction == Direction.PUBLIC
        sla = shown(screen.query_one("#sla"))
        response_line = next(line for line in sla.splitlines() if "Response" in line)
        assert "Met" in response_line
        assert "Public reply" in str(screen.query(MessageBox).last().border_title)


async def test_each_reply_says_how_its_email_went(demo_desk: Desk) -> None:
    ticket_id = emailed_replies(demo_desk)
    detail = ticket_detail(demo_desk, ticket_id)
    states = [m.delivery.state if m.delivery else None for m in detail.messages]
    assert states == [None, "sent", "failed", "queued"]
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_ticket(app, pilot, ticket_id)
        boxes = [flat(box) for box in screen.query(MessageBox)]
        assert "✉" not in boxes[0]  # the customer's message
        assert f"✉ sent 10:36 to {HANNAH}" in boxes[1]
        assert f"✉ failed: 550 5.1.1 mailbox unknown ({HANNAH})" in boxes[2]
        assert "✉ queued (attempt 2, next try 10:48: connection refused by" in boxes[3]
        # a new reply shows as queued at once; on a ticket without address, as not emailed
        await open_dialog_with(pilot, "r", MessageDialog)
        await pilot.press(*"One more thing", "ctrl+s")
        await back_to(pilot, screen)
        await until(pilot, lambda: "One more thing" in flat(screen.query(MessageBox).last()))
        assert f"✉ queued for {HANNAH}" in flat(screen.query(MessageBox).last())
    nobody = fresh_ticket(demo_desk)  # no contact, no requester address
    demo_desk.reply(nobody, "Hello?")
    async with make_app(demo_desk).run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_ticket(pilot.app, pilot, nobody)  # type: ignore[arg-type]
        last = flat(screen.query(MessageBox).last())
        assert "✉ not emailed: the ticket has no contact address" in last


async def test_e_retries_the_stuck_reply_email(demo_desk: Desk) -> None:
    ticket_id = emailed_replies(demo_desk)  # the last reply waits for a retry after a refusal
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_ticket(app, pilot, ticket_id)
        stuck = screen.detail.messages[-1].delivery  # type: ignore[union-attr]
        assert stuck is not None and stuck.next_attempt_at > demo_desk.clock.now()  # type: ignore[operator]
        def next_attempt() -> object:
            with demo_desk.db.session() as s:
                row = s.get(OutboxMail, stuck.outbox_id)
                assert row is not None
                return row.next_attempt_at

        await pilot.press("e")
        await until(pilot, lambda: next_attempt() == demo_desk.clock.now())
        await settle(pilot)
        send(demo_desk)  # the server is back
        await pilot.press("ctrl+r")
        await until(pilot, lambda: "✉ sent" in flat(screen.query(MessageBox).last()))


async def test_priority_change_needs_a_reason_and_moves_the_deadline(demo_desk: Desk) -> None:
    ticket_id = fresh_ticket(demo_desk)
    before = active(ticket_detail(demo_desk, ticket_id), ClockKind.RESOLUTION)
    seq = demo_desk.change_seq()
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_ticket(app, pilot, ticket_id)
        await open_dialog_with(pilot, "p", PriorityDialog)
        dialog = app.screen
        assert isinstance(dialog, PriorityDialog)
        await pilot.press("1", "tab", "enter")  # P1, but no reason
        await until(pilot, lambda: "needs a reason" in str(
            dialog.query_one("#error", Label).render()))
        assert demo_desk.change_seq() == seq  # nothing written
        assert ticket_detail(demo_desk, ticket_id).priority == "P2"
        await type_text(pilot, "whole legal team blocked")
        await pilot.press("enter")
        await back_to(pilot, screen)
        assert screen.detail is not None and screen.detail.priority == "P1"
        assert "P1 Critical" in shown(screen.query_one("#ticket-header"))
    after = active(ticket_detail(demo_desk, ticket_id), ClockKind.RESOLUTION)
    assert after.due_at is not None and before.due_at is not None
    assert after.due_at < before.due_at
    with demo_desk.db.session() as s:
        audit = s.exec(
            select(AuditEvent).where(
                AuditEvent.entity == "ticket",
                AuditEvent.entity_id == ticket_id,
                AuditEvent.field == "priority",
            )
        ).one()
        assert (audit.old_value, audit.new_value) == ("P2", "P1")
        assert audit.reason == "whole legal team blocked" and audit.actor == "Alex Morgan"


async def test_internal_note_shows_as_internal(demo_desk: Desk) -> None:
    ticket_id = fresh_ticket(demo_desk)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_ticket(app, pilot, ticket_id)
        await open_dialog_with(pilot, "i", MessageDialog)
        await type_text(pilot, "Probably the BIOS update")
        await pilot.press("ctrl+s")
        await back_to(pilot, screen)
        await until(pilot, lambda: "Probably the BIOS update" in shown(
            screen.query(MessageBox).last()))
        last = screen.query(MessageBox).last()
        assert last.has_class("-internal")
        assert "Internal note" in str(last.border_title)
        assert "Probably the BIOS update" in shown(last)
    detail = ticket_detail(demo_desk, ticket_id)
    assert detail.messages[-1].direction == Direction.INTERNAL
    # a note is no reply: the response clock still runs
    assert active(detail, ClockKind.RESPONSE).state == ClockState.RUNNING


async def test_refused_message_keeps_the_text(
    demo_desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket_id = fresh_ticket(demo_desk)
    real_reply, tries = demo_desk.reply, []

    def flaky_reply(ticket_id: int, body: str) -> None:
        tries.append(body)
        if len(tries) == 1:
            raise ServiceError("the database is busy, try again")
        real_reply(ticket_id, body)

    monkeypatch.setattr(demo_desk, "reply", flaky_reply)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_ticket(app, pilot, ticket_id)
        await open_dialog_with(pilot, "r", MessageDialog)
        dialog = app.screen
        assert isinstance(dialog, MessageDialog)
        await type_text(pilot, "Still there?")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "database is busy" in str(
            dialog.query_one("#error", Label).render()))
        assert app.screen is dialog
        assert dialog.text == "Still there?"
        await pilot.press("ctrl+s")  # send again: nothing was retyped
        await back_to(pilot, screen)
    assert tries == ["Still there?", "Still there?"]
    assert ticket_detail(demo_desk, ticket_id).messages[-1].body == "Still there?"


async def test_cancelled_reply_keeps_a_draft(demo_desk: Desk) -> None:
    ticket_id = fresh_ticket(demo_desk)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_ticket(app, pilot, ticket_id)
        await open_dialog_with(pilot, "r", MessageDialog)
        await pilot.press(*"Half a thought", "escape")
        await until(pilot, lambda: app.screen is screen)
        await open_dialog_with(pilot, "r", MessageDialog)
        dialog = app.screen
        assert isinstance(dialog, MessageDialog) and dialog.text == "Half a thought"


async def test_log_time_adds_to_the_billable_total(demo_desk: Desk) -> None:
    ticket_id = fresh_ticket(demo_desk)  # Contoso Legal is Hybrid: billable by default
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_ticket(app, pilot, ticket_id)
        assert screen.detail is not None and screen.detail.billable_minutes == 0
        await open_dialog_with(pilot, "t", TimeDialog)
        await type_text(pilot, "45")
        await pilot.press("enter")
        await back_to(pilot, screen)
        await until(pilot, lambda: screen.detail is not None
                    and screen.detail.billable_minutes == 45)
        assert "Billable 45 min" in shown(screen.query_one("#time"))
        await open_dialog_with(pilot, "t", TimeDialog)
        await pilot.press(*"90", "enter")
        await back_to(pilot, screen)
        await until(pilot, lambda: "Billable 2 h 15 min" in shown(screen.query_one("#time")))
    detail = ticket_detail(demo_desk, ticket_id)
    assert [e.minutes for e in detail.time_entries] == [45, 90]
    assert detail.non_billable_minutes == 0


async def test_waiting_on_customer_pauses_the_sla(demo_desk: Desk) -> None:
    ticket_id = fresh_ticket(demo_desk)
    demo_desk.reply(ticket_id, "Can you send a photo of the screen?")
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_ticket(app, pilot, ticket_id)
        assert "On Track" in str(screen.query_one("#sla").border_title)
        await open_dialog_with(pilot, "s", StatusPicker)
        await type_text(pilot, "waiting on")
        await pilot.press("enter")
        await back_to(pilot, screen)
        await until(pilot, lambda: screen.detail is not None
                    and screen.detail.status == "Waiting on Customer")
        assert "Paused" in str(screen.query_one("#sla").border_title)
    detail = ticket_detail(demo_desk, ticket_id)
    assert badge_for(detail.clocks, demo_desk.clock.now()).badge == Badge.PAUSED


async def test_take_assigns_to_me_and_escape_goes_back(demo_desk: Desk) -> None:
    ticket_id = fresh_ticket(demo_desk)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        queue = app.screen
        screen = await open_ticket(app, pilot, ticket_id)
        await pilot.press("a")
        await until(pilot, lambda: screen.detail is not None
                    and screen.detail.assignee == "Alex Morgan")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is queue)


async def test_a_write_elsewhere_reloads_and_a_quiet_poll_does_not(demo_desk: Desk) -> None:
    ticket_id = fresh_ticket(demo_desk)
    app = make_app(demo_desk)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_ticket(app, pilot, ticket_id)
        assert screen.has_class("-narrow")
        demo_desk.note(ticket_id, "from another console")
        screen.poll_changes()
        await until(pilot, lambda: screen.detail is not None and len(screen.detail.messages) == 2)
        seq, detail = screen.seq, screen.detail
        screen.poll_changes()
        await settle(pilot)
        assert screen.seq == seq and screen.detail is detail


async def test_the_app_opens_a_ticket_by_id(demo_desk: Desk) -> None:
    ticket_id = fresh_ticket(demo_desk)
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await settle(pilot)
        app.action_open_ticket(ticket_id)
        await until(pilot, lambda: isinstance(app.screen, TicketScreen)
                    and app.screen.detail is not None)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TicketScreen) and screen.detail is not None
        assert screen.detail.id == ticket_id
        assert "Laptop will not boot" in shown(screen.query_one("#ticket-header"))
