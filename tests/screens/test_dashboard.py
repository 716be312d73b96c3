"""The SLA dashboard (d) and My work (w) screens: what they show, the alarm line, enter
opens a ticket, breakdown toggles, countdown ticks without queries, and snapshots."""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Sparkline, Static

from msp_tui.engine.clock import FixedClock
from msp_tui.screens.dashboard import DashboardScreen
from msp_tui.screens.my_dashboard import MyDashboardScreen
from msp_tui.screens.ticket import TicketScreen
from msp_tui.services import dashboard as dashboard_service
from msp_tui.services.desk import Desk
from msp_tui.store.db import Database
from tests.console_app import TERMINAL_SIZE, make_app
from tests.pilot_wait import settle as _settle
from tests.pilot_wait import until
from tests.store.kpi_fixture import ANN, NOW, build


@pytest.fixture
def kpi_desk(empty_db: Database) -> Desk:
    build(empty_db)
    return Desk(empty_db, FixedClock(NOW), me_email=ANN)


def _text(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def test_team_dashboard_shows_the_alarm_and_opens_the_next_to_breach(
    kpi_desk: Desk,
) -> None:
    app = make_app(kpi_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await pilot.press("d")
        await _settle(pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        alarm = _text(screen, "#alarm")
        assert "ALARM: compliance under 85 %" in alarm
        assert "7 days 77.8 %" in alarm and "30 days 81.8 %" in alarm and "goal 90 %" in alarm
        assert "At Risk" in _text(screen, "#badges")
        rates = _text(screen, "#rates")
        assert "77.8 %" in rates and "ALARM" in rates and "20m" in rates  # today's median
        assert len(screen.query_one("#compliance-trend", Sparkline).data or []) == 30
        table = screen.query_one("#next", DataTable)
        assert table.row_count == 5
        assert [str(c) for c in table.get_row_at(0)[:3]] == ["30m", "▲ At Risk", "3"]
        breakdown = screen.query_one("#breakdown", DataTable)
        assert [str(r[0]) for r in (breakdown.get_row_at(i) for i in range(2))] == [
            "Acme", "Birch"
        ]
        await pilot.press("v")  # by technician
        assert str(breakdown.get_row_at(1)[0]) == "Bob"
        await pilot.press("t")  # window wraps to today
        assert str(breakdown.get_row_at(0)[1]) == "100.0 %"  # Ann today: 4 of 4

        kpi_desk.clock.advance(minutes=31)  # type: ignore[attr-defined]
        screen.tick()  # a repaint from stored instants: T3 is now overdue
        assert str(table.get_row_at(0)[0]) == "-1m"
        assert str(table.get_row_at(0)[1]) == "✖ Breached"

        table.focus()
        await pilot.press("enter")
        await _settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        assert app.screen.ticket_id == screen.view.next_to_breach[0].id  # type: ignore[union-attr]


async def test_dashboard_reloads_when_the_change_sequence_moves(
    kpi_desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(kpi_desk)
    calls: list[int] = []
    real = dashboard_service.team_dashboard

    def counting(desk: Desk) -> dashboard_service.TeamDashboard:
        calls.append(1)
        return real(desk)

    monkeypatch.setattr("msp_tui.screens.dashboard.team_dashboard", counting)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await pilot.press("d")
        await _settle(pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        assert len(calls) == 1
        screen.poll_changes()  # nothing written: no read
        await _settle(pilot)
        assert len(calls) == 1
        kpi_desk.note(screen.view.next_to_breach[0].id, "looking")  # type: ignore[union-attr]
        screen.poll_changes()
        await _settle(pilot)
        assert len(calls) == 2
        await pilot.press("ctrl+r")
        await _settle(pilot)
        assert len(calls) == 3


async def test_my_work_lists_my_queue_and_escalations(kpi_desk: Desk) -> None:
    app = make_app(kpi_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await pilot.press("w")
        await _settle(pilot)
        screen = app.screen
        assert isinstance(screen, MyDashboardScreen)
        queue = screen.query_one("#queue", DataTable)
        assert [str(queue.get_row_at(i)[2]) for i in range(queue.row_count)] == [
            "3", "11", "5", "6"
        ]
        escalations = screen.query_one("#escalations", DataTable)
        assert [str(escalations.get_row_at(i)[2]) for i in range(2)] == [
            "✉ 1 unread alert", "▲ Escalated"
        ]
        assert "2h10m" in _text(screen, "#resolution")  # 7 days: (4800 + 10800) / 2 s
        assert "Compliance at or above 85 %" in _text(screen, "#alarm")
        await pilot.press("tab")  # to the escalations
        await pilot.press("down", "enter")
        await _settle(pilot)
        assert isinstance(app.screen, TicketScreen)


async def test_my_work_without_a_technician_says_so(kpi_desk: Desk) -> None:
    kpi_desk.me_email = ""
    app = make_app(kpi_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await pilot.press("w")
        await _settle(pilot)
        assert "no technician" in _text(app.screen, "#alarm")


async def _push(key: str, pilot: Pilot[Any]) -> None:
    await pilot.press(key)
    await until(pilot, lambda: getattr(pilot.app.screen, "view", None) is not None)
    await _settle(pilot)
    pilot.app.clear_notifications()  # toasts of unread notifications come and go
    await pilot.pause()


async def _push_dashboard(pilot: Pilot[Any]) -> None:
    await _push("d", pilot)


async def _push_my_work(pilot: Pilot[Any]) -> None:
    await _push("w", pilot)


def test_dashboard_snapshot(snap_compare, demo_desk: Desk) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(demo_desk), terminal_size=TERMINAL_SIZE,
                        run_before=_push_dashboard)


def test_dashboard_alarm_snapshot(snap_compare, kpi_desk: Desk) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(kpi_desk), terminal_size=TERMINAL_SIZE,
                        run_before=_push_dashboard)


def test_my_work_snapshot(snap_compare, demo_desk: Desk) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(demo_desk), terminal_size=TERMINAL_SIZE,
                        run_before=_push_my_work)
