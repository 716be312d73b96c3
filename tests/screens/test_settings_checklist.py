"""The setup checklist (C then k): rows with the key that fixes them, jumping there, the
mailbox's stored state, and the live mail test against real servers."""

from __future__ import annotations

import importlib.util
from datetime import timedelta
from pathlib import Path

import pytest
from textual.widgets import DataTable

from msp_tui import passwords
from msp_tui.screens.settings.checklist import ChecklistScreen
from msp_tui.screens.settings.hub import SettingsScreen
from msp_tui.screens.settings.rules import EscalationRulesScreen
from msp_tui.services.desk import Desk
from msp_tui.store.models import MailboxState
from tests.conftest import FIXED_NOW
from tests.console_app import TERMINAL_SIZE, make_app
from tests.mailservers import ImapAccount
from tests.memory_keyring import MemoryKeyring
from tests.pilot_wait import settle, until
from tests.smtp_sink import SmtpSink

ADMIN = "jamie.fox@demo-msp.example"




async def open_checklist(pilot) -> ChecklistScreen:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("C")
    await until(pilot, lambda: isinstance(pilot.app.screen, SettingsScreen))
    await pilot.press("k")
    await until(pilot, lambda: isinstance(pilot.app.screen, ChecklistScreen))
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ChecklistScreen)
    return screen


def rows(screen: ChecklistScreen) -> dict[str, tuple[str, ...]]:
    table = screen.query_one(DataTable)
    return {item.id: tuple(str(c) for c in table.get_row_at(i))
            for i, item in enumerate(screen.items)}


def write_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, host: str, port: int,
                 user: str, smtp_port: int) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"""
[mailbox]
enabled = true
host = "{host}"
port = {port}
tls = "none"
user = "{user}"

[smtp]
enabled = true
host = "127.0.0.1"
port = {smtp_port}
tls = "none"
from_address = "desk@example.test"
""")
    monkeypatch.setenv("MSP_TUI_CONFIG", str(path))


async def test_a_client_without_a_profile_and_enter_jumps_to_clients(admin: Desk) -> None:
    app = make_app(admin)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_checklist(pilot)
        shown = rows(screen)
        state, _, detail, fix = shown["clients"]
        assert state == "▲ check"
        assert "Blue Yonder Consulting" in detail
        assert fix.startswith("l ")
        assert shown["mailbox"][2] == "not configured: email does not become tickets"
        app.clear_notifications()
        await pilot.press(*["down"] * [i.id for i in screen.items].index("clients"), "enter")
        if importlib.util.find_spec("msp_tui.screens.settings.clients") is not None:
            await until(pilot, lambda: type(app.screen).__name__ == "ClientsScreen")
        else:  # the clients section is not written yet: the hub said so
            await until(pilot, lambda: any("Clients is not available" in str(n.message)
                                           for n in app._notifications))
            assert app.screen is screen


async def test_a_section_key_jumps_straight_to_its_screen(admin: Desk) -> None:
    app = make_app(admin)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_checklist(pilot)
        await pilot.press("e")
        await until(pilot, lambda: isinstance(app.screen, EscalationRulesScreen))
        await settle(pilot)
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen)


async def test_the_mailbox_error_is_shown_from_stored_state(
    admin: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(tmp_path, monkeypatch, host="imap.example.test", port=143,
                 user="desk@example.test", smtp_port=2525)
    with admin.db.session() as s:
        s.add(MailboxState(mailbox="desk@example.test@imap.example.test/INBOX",
                           last_poll_at=FIXED_NOW - timedelta(minutes=1),
                           last_error="cannot connect to IMAP server imap.example.test:143"))
    app = make_app(admin)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_checklist(pilot)
        state, _, detail, _ = rows(screen)["mailbox"]
        assert state == "✖ fix"
        assert detail.endswith("last poll 1 min ago failed: cannot connect to IMAP server "
                               "imap.example.test:143")


async def test_t_tests_the_mail_servers_live(
    admin: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dovecot: ImapAccount,
    smtp_sink: SmtpSink, memory_keyring: MemoryKeyring,
) -> None:
    write_config(tmp_path, monkeypatch, host=dovecot.host, port=dovecot.port,
                 user=dovecot.user, smtp_port=smtp_sink.port)
    passwords.set_password("imap", dovecot.user, dovecot.host, dovecot.password)
    with admin.db.session() as s:  # a reachable mailbox, polled a minute ago
        s.add(MailboxState(mailbox=f"{dovecot.user}@{dovecot.host}/INBOX",
                           last_poll_at=FIXED_NOW - timedelta(minutes=1)))
    app = make_app(admin)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        screen = await open_checklist(pilot)
        assert rows(screen)["mailbox"][0] == "✔ ok"
        await pilot.press("t")
        await until(pilot, lambda: {"imap_live", "smtp_live"} <= rows(screen).keys())
        await settle(pilot)
        shown = rows(screen)
        assert shown["imap_live"][:3] == (
            "✔ ok", "Mailbox login (live)",
            f"logged in as {dovecot.user} at {dovecot.host}:{dovecot.port}")
        assert shown["smtp_live"][0] == "✔ ok"
        # a check again keeps the live rows
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "imap_live" in rows(screen)


def test_checklist_snapshot(  # type: ignore[no-untyped-def]
    admin: Desk, snap_compare, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(tmp_path, monkeypatch, host="imap.example.test", port=143,
                 user="desk@example.test", smtp_port=2525)
    with admin.db.session() as s:
        s.add(MailboxState(mailbox="desk@example.test@imap.example.test/INBOX",
                           last_poll_at=FIXED_NOW - timedelta(minutes=3),
                           last_error="IMAP login failed for desk@example.test at "
                                      "imap.example.test:143: check the user name and the "
                                      "password (`msp-tui mailbox set-password`)"))

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await open_checklist(pilot)

    assert snap_compare(make_app(admin), terminal_size=TERMINAL_SIZE, run_before=run_before)
