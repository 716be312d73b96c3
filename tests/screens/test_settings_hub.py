"""The settings hub (`C`): admins reach every section by one key; anyone else is told the
screens are for admins, and the services refuse them too."""

from __future__ import annotations

import pytest
from textual.widgets import Label, OptionList

from msp_tui.screens.settings.hub import SECTIONS, SettingsScreen
from msp_tui.services import client_admin
from msp_tui.services.desk import Desk
from msp_tui.services.tickets import ServiceError
from tests.console_app import TERMINAL_SIZE, make_app
from tests.pilot_wait import settle

ADMIN = "jamie.fox@demo-msp.example"


@pytest.mark.parametrize("section", SECTIONS, ids=[s.key for s in SECTIONS])
async def test_every_section_opens_by_its_key(demo_desk: Desk, section) -> None:  # type: ignore[no-untyped-def]
    demo_desk.me_email = ADMIN
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await pilot.press("C")
        await settle(pilot)
        assert isinstance(app.screen, SettingsScreen)
        await pilot.press(section.key)
        await settle(pilot)
        assert type(app.screen).__name__ == section.screen
        assert not [n for n in app._notifications if n.severity == "error"]


async def test_enter_on_a_section_opens_it(demo_desk: Desk) -> None:
    demo_desk.me_email = ADMIN
    app = make_app(demo_desk)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await pilot.press("C")
        await settle(pilot)
        assert app.screen.query_one(OptionList).option_count == len(SECTIONS)
        await pilot.press("down", "enter")  # the second section: calendars
        await settle(pilot)
        assert type(app.screen).__name__ == SECTIONS[1].screen


async def test_a_technician_is_kept_out(demo_desk: Desk) -> None:
    app = make_app(demo_desk)  # me: Alex Morgan, technician
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await pilot.press("C")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SettingsScreen)
        denied = str(screen.query_one("#denied", Label).render())
        assert denied == "Settings are for admins only; this console is Alex Morgan (technician)."
        assert not screen.query(OptionList)
        await pilot.press("p")  # a section key does nothing here
        await settle(pilot)
        assert app.screen is screen
    with pytest.raises(ServiceError, match="only admins may change settings"):
        client_admin.create_client(
            demo_desk, client_admin.ClientInput(name="Sneaky Ltd", billing_type="hybrid")
        )


def test_hub_snapshot(demo_desk: Desk, snap_compare) -> None:  # type: ignore[no-untyped-def]
    demo_desk.me_email = ADMIN
    assert snap_compare(make_app(demo_desk), press=["C"], terminal_size=TERMINAL_SIZE)


def test_hub_denied_snapshot(demo_desk: Desk, snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(make_app(demo_desk), press=["C"], terminal_size=TERMINAL_SIZE)
