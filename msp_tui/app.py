"""The Textual application: screens, bindings, theme and the keymap from config."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding

from msp_tui import __version__
from msp_tui.screens.queue import QueueScreen
from msp_tui.services.desk import Desk


class MspApp(App[None]):
    TITLE = "msp-tui"
    BINDINGS = [
        Binding("q", "quit", "Quit", tooltip="Leave the console", id="app.quit"),
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
    ) -> None:
        super().__init__()
        self.desk = desk
        self._theme_name = theme
        self._keymap = dict(keymap or {})
        self._show_closed = show_closed
        self._refresh_seconds = refresh_seconds
        self._startup_notes = list(startup_notes or [])

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
        self.push_screen(
            QueueScreen(
                self.desk, show_closed=self._show_closed, refresh_seconds=self._refresh_seconds
            )
        )
        for note in self._startup_notes:
            self.notify(note, timeout=8)
