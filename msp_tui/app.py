"""The Textual application: screens, navigation, help, palette, theme and keymap."""

from __future__ import annotations

from collections.abc import Iterable

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from msp_tui import __version__
from msp_tui.config import Config
from msp_tui.screens.help import HelpScreen, key_help
from msp_tui.screens.queue import QueueScreen
from msp_tui.services import notifications
from msp_tui.services.desk import Desk
from msp_tui.services.mail_intake import IntakeSettings


class MspApp(App[None]):
    TITLE = "msp-tui"
    BINDINGS = [
        Binding("q", "quit_top", "Quit", tooltip="Leave the console (top-level screens)",
                id="app.quit"),
        Binding("question_mark,f1", "help", "Help", tooltip="Keys of this screen", id="app.help"),
        Binding("b", "board", "Board", tooltip="The kanban board", id="app.board"),
        Binding("l", "queue", "List", tooltip="The ticket list", id="app.list"),
        Binding("n", "new_ticket", "New", tooltip="Open a ticket by hand", id="app.new_ticket"),
        Binding("d", "dashboard", "Dashboard", show=False,
                tooltip="SLA dashboard: badges, next to breach, compliance and trends",
                id="app.dashboard"),
        Binding("w", "my_work", "My work", show=False,
                tooltip="My queue, compliance, resolution time and open escalations",
                id="app.my_work"),
        Binding("M", "quarantine", "Mail quarantine", show=False,
                tooltip="Mail that could not become tickets, and each mailbox's last poll",
                id="app.quarantine"),
        Binding("E", "escalations", "Escalations", show=False,
                tooltip="Every notification addressed to you: filter, open, mark read",
                id="app.escalations"),
        Binding("C", "settings", "Settings", show=False,
                tooltip="Admin settings: profiles, calendars, clients, rules, checklist",
                id="app.settings"),
        Binding("I", "billing", "Time & invoices", show=False,
                tooltip="Approve time entries and make invoice drafts per client and period",
                id="app.billing"),
    ]

    def __init__(
        self,
        desk: Desk,
        *,
        theme: str = "textual-dark",
        keymap: dict[str, str] | None = None,
        show_closed: bool = False,
        refresh_seconds: float = 2.0,
        startup_notes: list[str] | None = None,
        intake: IntakeSettings | None = None,
        config: Config | None = None,
    ) -> None:
        super().__init__()
        self.config = config  # what this console was started with (the checklist reads mail)
        self.desk = desk
        self._theme_name = theme
        self._keymap = dict(keymap or {})
        self._show_closed = show_closed
        self._refresh_seconds = refresh_seconds
        self._startup_notes = list(startup_notes or [])
        self.intake = intake
        self.queue_screen: QueueScreen | None = None

    def on_mount(self) -> None:
        if self._theme_name in self.available_themes:
            self.theme = self._theme_name
        else:
            self.notify(
                f"unknown theme {self._theme_name!r}; using the default", severity="warning"
            )
        if self._keymap:
            self.set_keymap(self._keymap)
        me = self.desk.me()
        who = f"{me.name} ({me.role.replace('_', ' ')})" if me else "not signed in"
        self.sub_title = f"v{__version__} · {who}"
        self.queue_screen = QueueScreen(
            self.desk, show_closed=self._show_closed, refresh_seconds=self._refresh_seconds
        )
        self.push_screen(self.queue_screen)
        for note in self._startup_notes:
            self.notify(note, timeout=8)
        self._last_notification = 0
        self.poll_notifications()
        self.set_interval(self._refresh_seconds, self.poll_notifications)

    # ---------------------------------------------------------------- toasts

    @work(thread=True, exclusive=True, group="notifications", exit_on_error=False)
    def poll_notifications(self) -> None:
        """Unread notifications for me, written by any process, become toasts once."""
        fresh = notifications.unread_for_me(self.desk, after_id=self._last_notification)
        if fresh:
            self.call_from_thread(self._toast, fresh)

    def _toast(self, fresh: list[notifications.NotificationView]) -> None:
        self._last_notification = max(self._last_notification, fresh[-1].id)
        severity = {"warning": "warning", "error": "error"}
        for note in fresh[-5:]:
            self.notify(notifications.toast_text(note),
                        severity=severity.get(note.level, "information"),  # type: ignore[arg-type]
                        timeout=10)
        if len(fresh) > 5:
            self.notify(f"{len(fresh) - 5} more unread notifications (E lists them)", timeout=10)

    # ---------------------------------------------------------------- navigation

    def _top_level(self) -> bool:
        return isinstance(self.screen, QueueScreen) or type(self.screen).__name__ == "BoardScreen"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide `q` below the top level, so the footer only offers what works."""
        if action == "quit_top":
            return self._top_level()
        return True

    def action_quit_top(self) -> None:
        """`q` quits only from the queue or the board; elsewhere `esc` goes back."""
        if self._top_level():
            self.exit()

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        title = getattr(self.screen, "BINDING_GROUP_TITLE", None) or type(self.screen).__name__
        self.push_screen(HelpScreen(str(title), key_help(self.screen)))

    def action_open_ticket(self, ticket_id: int) -> None:
        from msp_tui.screens.ticket import TicketScreen

        self.push_screen(
            TicketScreen(self.desk, int(ticket_id), refresh_seconds=self._refresh_seconds)
        )

    def action_board(self) -> None:
        from msp_tui.screens.board import BoardScreen

        if type(self.screen).__name__ == "BoardScreen":
            return
        self._back_to_queue()
        self.push_screen(
            BoardScreen(
                self.desk, show_closed=self._show_closed, refresh_seconds=self._refresh_seconds
            )
        )

    def action_queue(self) -> None:
        self._back_to_queue()

    def _back_to_queue(self) -> None:
        while len(self.screen_stack) > 1 and not isinstance(self.screen, QueueScreen):
            self.pop_screen()

    def action_new_ticket(self) -> None:
        from msp_tui.screens.new_ticket import NewTicketScreen

        def opened(ticket_id: int | None) -> None:
            if ticket_id is not None:
                self.action_open_ticket(ticket_id)

        self.push_screen(NewTicketScreen(self.desk), callback=opened)

    def action_dashboard(self) -> None:
        from msp_tui.screens.dashboard import DashboardScreen

        if not isinstance(self.screen, DashboardScreen):
            self.push_screen(DashboardScreen(self.desk, refresh_seconds=self._refresh_seconds))

    def action_my_work(self) -> None:
        from msp_tui.screens.my_dashboard import MyDashboardScreen

        if not isinstance(self.screen, MyDashboardScreen):
            self.push_screen(MyDashboardScreen(self.desk, refresh_seconds=self._refresh_seconds))

    def action_quarantine(self) -> None:
        from msp_tui.screens.mail_quarantine import QuarantineScreen

        if not isinstance(self.screen, QuarantineScreen):
            self.push_screen(QuarantineScreen(self.desk, self.intake))

    def action_escalations(self) -> None:
        from msp_tui.screens.escalation_log import EscalationLogScreen

        if not isinstance(self.screen, EscalationLogScreen):
            self.push_screen(
                EscalationLogScreen(self.desk, refresh_seconds=self._refresh_seconds)
            )

    def action_settings(self) -> None:
        from msp_tui.screens.settings.hub import SettingsScreen

        if not isinstance(self.screen, SettingsScreen):
            self.push_screen(SettingsScreen(self.desk))

    def action_billing(self) -> None:
        from msp_tui.screens.billing import BillingScreen

        if not isinstance(self.screen, BillingScreen):
            self.push_screen(BillingScreen(self.desk))

    # ---------------------------------------------------------------- command palette

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Every action of the current screen, by its description, plus Textual's own."""
        seen: set[str] = set()
        for entry in key_help(screen):
            if entry.description in seen:
                continue
            seen.add(entry.description)
            active = next(
                (a for a in screen.active_bindings.values()
                 if (a.binding.description or a.binding.action) == entry.description),
                None,
            )
            if active is None:
                continue
            node, action = active.node, active.binding.action
            help_text = f"{entry.tooltip} [{entry.key}]".strip()
            yield SystemCommand(
                entry.description, help_text,
                lambda node=node, action=action: self.call_later(self.run_action, action, node),
            )
        yield from super().get_system_commands(screen)
