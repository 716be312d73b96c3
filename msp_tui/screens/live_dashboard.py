"""The shell both dashboards share: one view read off the UI thread, read again when the
desk's change sequence moves (checked only while the dashboard is the screen on top),
and countdowns repainted each second from stored due instants without a query.

A subclass says how to read its view (`read`), how to show it (`show`) and which rows
carry the countdowns (`COUNTDOWNS`, `countdown_rows`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Generic, Protocol, TypeVar

from rich.text import Text
from textual import work
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable
from textual.worker import Worker, WorkerState, get_current_worker

from msp_tui.engine.badges import ClockInstants, badge_for, format_countdown
from msp_tui.services.desk import Desk
from msp_tui.services.tickets import ServiceError
from msp_tui.widgets.sla_badge import badge_text


class _View(Protocol):
    @property
    def seq(self) -> int: ...


class _Counted(Protocol):
    @property
    def clocks(self) -> Iterable[ClockInstants]: ...


ViewT = TypeVar("ViewT", bound=_View)
LOAD_GROUP = "dashboard-load"


class LiveDashboard(Screen[None], Generic[ViewT]):
    COUNTDOWNS = "#next"  # the table whose columns 0 and 1 are "Due in" and the badge
    NOT_LOADED = "Dashboard not loaded"  # the title of the toast when a read fails

    class Loaded(Message):
        def __init__(self, view: object) -> None:
            super().__init__()
            self.view = view

    def __init__(self, desk: Desk, *, refresh_seconds: float = 2.0) -> None:
        super().__init__()
        self.desk = desk
        self.refresh_seconds = refresh_seconds
        self.view: ViewT | None = None
        self.seq = -1  # the change sequence the shown view was read at

    def read(self) -> ViewT:
        """The view, read in a worker thread."""
        raise NotImplementedError

    def show(self, view: ViewT) -> None:
        raise NotImplementedError

    def countdown_rows(self, view: ViewT) -> Sequence[_Counted]:
        """The rows of the `COUNTDOWNS` table, in its order."""
        raise NotImplementedError

    def refused(self, why: str) -> None:
        """The desk refused to read the view (a ServiceError)."""
        self.notify(why, title=self.NOT_LOADED, severity="error")

    def on_mount(self) -> None:
        self.load()
        self.set_interval(1.0, self.tick)
        self.set_interval(self.refresh_seconds, self.poll_changes)

    @work(thread=True, exclusive=True, group=LOAD_GROUP, exit_on_error=False)
    def load(self, force: bool = True) -> None:
        """Read off the UI thread; unless forced, skip when nothing was written since."""
        if not force and self.desk.change_seq() == self.seq:
            return
        try:
            view = self.read()
        except ServiceError as exc:
            self.app.call_from_thread(self.refused, str(exc))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(self.Loaded(view))

    def on_worker_state_changed(self, event: Worker[None].StateChanged) -> None:
        if event.worker.group == LOAD_GROUP and event.state == WorkerState.ERROR:
            self.notify(str(event.worker.error), title=self.NOT_LOADED, severity="error")

    def on_live_dashboard_loaded(self, message: Loaded) -> None:
        view: ViewT = message.view  # type: ignore[assignment]
        self.view = view
        self.seq = view.seq
        self.show(view)

    def poll_changes(self) -> None:
        """Reload when something was written — only while shown: a ticket opened on top
        must not pay for a hidden dashboard's aggregates at every write. Back on top, the
        next poll still sees the sequence moved and reloads."""
        if self.is_current:
            self.load(force=False)

    def tick(self) -> None:
        """Repaint the countdowns from the stored due instants; no query."""
        if self.view is None:
            return
        table: DataTable[str | Text] = self.query_one(self.COUNTDOWNS, DataTable)
        now = self.desk.clock.now()
        for index, row in enumerate(self.countdown_rows(self.view)[: table.row_count]):
            result = badge_for(row.clocks, now)
            table.update_cell_at((index, 0), format_countdown(result.remaining))
            table.update_cell_at((index, 1), badge_text(result))

    async def open_ticket_at_cursor(self, table: DataTable[str | Text]) -> None:
        """Open the ticket whose id is the key of the row under the table's cursor."""
        if not table.row_count:
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if key is not None:
            await self.app.run_action(f"open_ticket({int(key)})")

    def action_reload(self) -> None:
        self.load()

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.dismiss(None)
