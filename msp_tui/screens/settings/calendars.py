"""Settings › Business calendars (`c` in the hub): weekly hours, zone and holidays.

The list says who uses each calendar, so a delete that would be refused is no surprise.
The edit form keeps the hours as text ("09:00-12:00, 13:00-17:30", "22:00-06:00" runs
past midnight) and shows the next 14 days as the calendar would run them, so an admin
sees a DST night or a holiday before saving. Save checks the whole form (every problem
listed, the form kept as typed), then shows the what-if (how far running clocks' due
instants move) and applies only when the admin says so.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.validation import Function
from textual.widgets import (
    Button,
    DataTable,
    Footer,
    Header,
    Input,
    Label,
    Static,
    Switch,
    TextArea,
)

from msp_tui.engine.calendar_edit import DAY_NAMES, CalendarForm, TimelineDay, zone_problem
from msp_tui.screens.dialogs import ConfirmDialog, dialog_css
from msp_tui.services import calendar_admin
from msp_tui.services.calendar_admin import CalendarSummary
from msp_tui.services.desk import Desk
from msp_tui.services.sla_admin import WhatIf
from msp_tui.services.tickets import ServiceError
from msp_tui.widgets.row_action_table import RowActionTable

TIMELINE_DAYS = 14
HOUR_SCALE = "0     6     12    18    "  # over the 24-cell bar


class CalendarsScreen(Screen[None]):
    BINDING_GROUP_TITLE = "Business calendars"
    AUTO_FOCUS = "#calendars"
    DEFAULT_CSS = """
    CalendarsScreen #summary { height: 1; padding: 0 1; background: $boost; }
    CalendarsScreen DataTable { height: auto; max-height: 1fr; }
    CalendarsScreen #detail { height: auto; padding: 1 1 0 1; }
    CalendarsScreen #detail-title { text-style: bold; }
    CalendarsScreen #detail-body { text-wrap: nowrap; text-overflow: ellipsis; }
    """
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="calendars.back"),
        Binding("e", "edit", "Edit", tooltip="Hours, zone and holidays of the calendar",
                show=False, id="calendars.edit"),
        Binding("n", "new", "New", tooltip="A new calendar (Mon-Fri 09:00-17:00 to start)",
                id="calendars.new"),
        Binding("x", "delete", "Delete",
                tooltip="Delete the calendar (asks first; refused while profiles use it)",
                id="calendars.delete"),
        Binding("j", "cursor_down", "Down", show=False, id="calendars.down"),
        Binding("k", "cursor_up", "Up", show=False, id="calendars.up"),
        Binding("ctrl+r", "reload", "Reload", tooltip="Read the calendars again",
                id="calendars.reload"),
    ]

    class Loaded(Message):
        def __init__(self, rows: list[CalendarSummary], keep_id: int | None) -> None:
            super().__init__()
            self.rows = rows
            self.keep_id = keep_id

    class Detail(Message):
        def __init__(self, calendar_id: int, days: list[TimelineDay] | None,
                     error: str = "") -> None:
            super().__init__()
            self.calendar_id = calendar_id
            self.days = days
            self.error = error

    def __init__(self, desk: Desk) -> None:
        super().__init__()
        self.desk = desk
        self.rows: list[CalendarSummary] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loading calendars…", id="summary")
        table = RowActionTable(enter="Edit", tooltip="Edit the calendar under the cursor",
                               binding_id="calendars.open", id="calendars")
        table.add_column("Name", key="name")
        table.add_column("Zone", key="zone")
        table.add_column("Hours", key="hours")
        table.add_column("Holidays", key="holidays")
        table.add_column("Used by", key="used")
        yield table
        with Vertical(id="detail"):
            yield Label("", id="detail-title", markup=False)
            yield Static("", id="detail-body")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Settings › Business calendars"
        self.reload()

    @property
    def table(self) -> DataTable[str | Text]:
        return self.query_one("#calendars", RowActionTable)

    def reload(self, keep_id: int | None = None) -> None:
        current = self.current()
        self._load(keep_id if keep_id is not None else current.id if current else None)

    @work(thread=True, exclusive=True, group="calendars", exit_on_error=False)
    def _load(self, keep_id: int | None) -> None:
        self.post_message(self.Loaded(calendar_admin.list_calendars(self.desk), keep_id))

    def on_calendars_screen_loaded(self, message: Loaded) -> None:
        self.rows = message.rows
        table = self.table
        with self.app.batch_update():
            table.clear()
            for row in self.rows:
                table.add_row(
                    Text(row.name, style="bold"),
                    row.tz,
                    Text(row.hours, overflow="ellipsis", no_wrap=True),
                    row.holidays,
                    Text(", ".join(row.used_by) or "— (unused)",
                         style="" if row.used_by else "dim", overflow="ellipsis", no_wrap=True),
                    key=str(row.id),
                )
        ids = [r.id for r in self.rows]
        if message.keep_id in ids:
            table.move_cursor(row=ids.index(message.keep_id), animate=False)
        unused = sum(1 for r in self.rows if not r.used_by)
        self.query_one("#summary", Static).update(
            f"{len(self.rows)} calendars, {unused} unused · enter edit · n new · x delete"
        )
        self._show_detail()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        row = self.current()
        if row is None:
            self.query_one("#detail-title", Label).update("No calendars yet: n adds one.")
            self.query_one("#detail-body", Static).update("")
            return
        self.query_one("#detail-title", Label).update(
            f"Next {TIMELINE_DAYS} days of {row.name} · {row.tz}")
        self._load_detail(row.id)

    @work(thread=True, exclusive=True, group="calendar-detail", exit_on_error=False)
    def _load_detail(self, calendar_id: int) -> None:
        try:
            form = calendar_admin.read_calendar(self.desk, calendar_id)
            days = calendar_admin.next_days(self.desk, form, TIMELINE_DAYS)
        except ServiceError as exc:  # stored data the form checks now reject
            self.post_message(self.Detail(calendar_id, None, str(exc)))
            return
        self.post_message(self.Detail(calendar_id, days))

    def on_calendars_screen_detail(self, message: Detail) -> None:
        row = self.current()
        if row is None or row.id != message.calendar_id:
            return  # the cursor moved on
        body = self.query_one("#detail-body", Static)
        if message.days is None:
            body.update(Text(f"Cannot show it: {message.error}", style="red"))
        else:
            body.update(render_timeline(message.days))

    def current(self) -> CalendarSummary | None:
        table = self.table
        if not self.rows or table.cursor_row < 0 or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    # ---------------------------------------------------------------- actions

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_edit()

    def action_cursor_down(self) -> None:
        self.table.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.table.action_cursor_up()

    def action_reload(self) -> None:
        self.reload()

    def action_edit(self) -> None:
        row = self.current()
        if row is None:
            return
        try:
            form = calendar_admin.read_calendar(self.desk, row.id)
        except ServiceError as exc:
            self.notify(str(exc), severity="error")
            return
        self.app.push_screen(CalendarEditScreen(self.desk, row.id, form, row.used_by),
                             callback=lambda saved: self._after_edit(saved, row.id))

    def action_new(self) -> None:
        form = calendar_admin.new_form(self.desk)
        self.app.push_screen(CalendarEditScreen(self.desk, None, form),
                             callback=lambda saved: self._after_edit(saved, None))

    def _after_edit(self, saved: int | None, calendar_id: int | None) -> None:
        self.reload(keep_id=saved or calendar_id)

    def action_delete(self) -> None:
        row = self.current()
        if row is None:
            return
        if row.used_by:  # say why now rather than after a confirmation
            self.notify(f"{row.name} is used by {', '.join(row.used_by)}; move them first",
                        severity="error")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._delete(row)

        self.app.push_screen(ConfirmDialog(f"Delete the calendar {row.name}?"), answered)

    def _delete(self, row: CalendarSummary) -> None:
        try:
            calendar_admin.delete_calendar(self.desk, row.id)
        except ServiceError as exc:
            self.notify(str(exc), severity="error")
            return
        self.notify(f"Deleted {row.name}")
        self.reload()


# ---------------------------------------------------------------- the edit form


class CalendarWhatIfDialog(ModalScreen[bool]):
    """The last word before an edit recalculates running clocks."""

    DEFAULT_CSS = dialog_css("CalendarWhatIfDialog",
                             "CalendarWhatIfDialog > Vertical { width: 76; }")
    BINDINGS = [
        Binding("a", "answer(True)", "Apply", id="calendars.whatif.apply"),
        Binding("escape", "answer(False)", "Back to the form", id="calendars.whatif.back"),
    ]

    def __init__(self, name: str, what_if: WhatIf) -> None:
        super().__init__()
        self.calendar_name = name
        self.what_if = what_if

    def compose(self) -> ComposeResult:
        w = self.what_if
        with Vertical():
            yield Label(f"Save {self.calendar_name}?", classes="title", markup=False)
            yield Label(f"{w.describe()}.", id="whatif", markup=False)
            yield Label(
                f"{w.recalculated} running clock{'s' if w.recalculated != 1 else ''} on this "
                "calendar keep the business time they used and count the rest on the new "
                "hours from now." if w.recalculated else "No running SLA clock is on this "
                "calendar: only future tickets see the change.",
                markup=False,
            )
            with Horizontal(classes="buttons"):
                yield Button("Apply", id="apply", variant="primary")
                yield Button("Back", id="back")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "apply")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class CalendarEditScreen(Screen[int | None]):
    """Edit (calendar_id set) or create a calendar; dismisses with the id when saved."""

    BINDING_GROUP_TITLE = "Edit calendar"
    AUTO_FOCUS = "#name"
    DEFAULT_CSS = """
    CalendarEditScreen #body { height: 1fr; }
    CalendarEditScreen #form { width: 56; padding: 0 1; }
    CalendarEditScreen #side { width: 1fr; padding: 0 1; border-left: vkey $panel-lighten-2; }
    CalendarEditScreen .row { height: 1; margin-bottom: 1; }
    CalendarEditScreen .day { margin-bottom: 0; }
    CalendarEditScreen .row > Label { width: 12; }
    CalendarEditScreen .row > Input { width: 1fr; }
    CalendarEditScreen .section { text-style: bold; color: $accent; margin-top: 1; }
    CalendarEditScreen .hint { color: $text-muted; }
    CalendarEditScreen #zone-hint { color: $text-error; height: auto; }
    CalendarEditScreen Switch { height: 1; border: none; padding: 0; width: 8; }
    CalendarEditScreen #always-hint { width: 1fr; padding-left: 1; color: $text-muted; }
    CalendarEditScreen #country { width: 10; }
    CalendarEditScreen #subdivision-label { width: auto; padding: 0 1 0 2; }
    CalendarEditScreen #subdivision { width: 10; }
    CalendarEditScreen #holidays { height: 6; }
    CalendarEditScreen #problems {
        color: $text-error; text-style: bold; height: auto; display: none; margin-top: 1;
    }
    CalendarEditScreen #problems.-shown { display: block; }
    CalendarEditScreen #buttons { height: auto; margin-top: 1; }
    CalendarEditScreen #buttons Button { margin-right: 1; }
    CalendarEditScreen #timeline-title { text-style: bold; }
    CalendarEditScreen #timeline { text-wrap: nowrap; text-overflow: ellipsis; }
    CalendarEditScreen #used { color: $text-muted; margin-top: 1; height: auto; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", tooltip="Leave without saving",
                id="calendars.edit.cancel"),
        Binding("ctrl+s", "save", "Save", tooltip="Check, show the what-if, then apply",
                id="calendars.edit.save"),
        Binding("ctrl+t", "timeline", "Timeline", tooltip="Redraw the next 14 days from the form",
                id="calendars.edit.timeline"),
    ]

    class Previewed(Message):
        def __init__(self, what_if: WhatIf | None, error: str | None) -> None:
            super().__init__()
            self.what_if = what_if
            self.error = error

    class Saved(Message):
        def __init__(self, form: CalendarForm, what_if: WhatIf | None,
                     error: str | None) -> None:
            super().__init__()
            self.form = form
            self.what_if = what_if
            self.error = error

    def __init__(
        self,
        desk: Desk,
        calendar_id: int | None,
        form: CalendarForm,
        used_by: tuple[str, ...] = (),
    ) -> None:
        super().__init__()
        self.desk = desk
        self.calendar_id = calendar_id
        self.initial = form
        self.used_by = used_by

    def compose(self) -> ComposeResult:
        f = self.initial
        yield Header()
        with Horizontal(id="body"):
            with VerticalScroll(id="form"):
                with Horizontal(classes="row"):
                    yield Label("Name")
                    yield Input(f.name, id="name", compact=True, max_length=100)
                with Horizontal(classes="row day"):
                    yield Label("Time zone")
                    yield Input(f.tz, id="tz", compact=True, placeholder="America/New_York",
                                validators=[Function(lambda v: zone_problem(v) is None,
                                                     "unknown time zone")],
                                valid_empty=False)
                yield Label("", id="zone-hint", markup=False)
                with Horizontal(classes="row"):
                    yield Label("Open 24/7")
                    yield Switch(f.always_open, id="always", animate=False)
                    yield Label("", id="always-hint")
                yield Label("Weekly hours", classes="section")
                yield Label("09:00-12:00, 13:00-17:30 · 22:00-06:00 is overnight",
                            classes="hint")
                for i, day in enumerate(DAY_NAMES):
                    with Horizontal(classes="row day"):
                        yield Label(day)
                        yield Input(f.days[i], id=f"day-{i}", compact=True, placeholder="closed")
                yield Label("Holidays", classes="section")
                with Horizontal(classes="row day"):
                    yield Label("Country")
                    yield Input(f.country, id="country", compact=True, placeholder="US")
                    yield Label("Subdivision", id="subdivision-label")
                    yield Input(f.subdivision, id="subdivision", compact=True,
                                placeholder="NY")
                yield Label("One date a line: 2026-12-24 Christmas Eve", classes="hint")
                yield TextArea(f.holidays, id="holidays", compact=True, show_line_numbers=False)
                yield Static("", id="problems", markup=False)
                with Horizontal(id="buttons"):
                    yield Button("Save", id="save", variant="primary", compact=True)
                    yield Button("Timeline", id="preview", compact=True)
                    yield Button("Cancel", id="cancel", compact=True)
            with Vertical(id="side"):
                yield Label("", id="timeline-title", markup=False)
                yield Static("", id="timeline")
                used = ", ".join(self.used_by) if self.used_by else "nothing yet"
                yield Label(f"Used by: {used}", id="used", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.title = ("Settings › Business calendars › "
                      + (self.initial.name if self.calendar_id else "New calendar"))
        self._sync_always()
        self._zone_hint()
        self.action_timeline()

    # ---------------------------------------------------------------- reading the form

    def form(self) -> CalendarForm:
        return CalendarForm(
            name=self.query_one("#name", Input).value,
            tz=self.query_one("#tz", Input).value,
            always_open=self.query_one("#always", Switch).value,
            days=tuple(self.query_one(f"#day-{i}", Input).value for i in range(7)),
            country=self.query_one("#country", Input).value,
            subdivision=self.query_one("#subdivision", Input).value,
            holidays=self.query_one("#holidays", TextArea).text,
        )

    @on(Switch.Changed, "#always")
    def _sync_always(self) -> None:
        """A 24/7 calendar has no weekly hours: grey them out (kept, in case)."""
        always = self.query_one("#always", Switch).value
        for i in range(7):
            self.query_one(f"#day-{i}", Input).disabled = always
        self.query_one("#always-hint", Label).update(
            "on: round the clock, holidays still close it" if always
            else "off: open in the weekly hours below")

    @on(Input.Changed, "#tz")
    def _zone_hint(self) -> None:
        problem = zone_problem(self.query_one("#tz", Input).value)
        self.query_one("#zone-hint", Label).update(problem or "")

    # ---------------------------------------------------------------- timeline

    def action_timeline(self) -> None:
        title = self.query_one("#timeline-title", Label)
        pane = self.query_one("#timeline", Static)
        try:
            days = calendar_admin.next_days(self.desk, self.form(), TIMELINE_DAYS)
        except ServiceError as exc:
            title.update(f"Next {TIMELINE_DAYS} days")
            pane.update(Text("Fix the form to see the timeline:\n" + str(exc), style="dim"))
            return
        tz = self.form().tz.strip()
        title.update(f"Next {TIMELINE_DAYS} days · {tz} · ctrl+t redraws")
        pane.update(render_timeline(days))

    # ---------------------------------------------------------------- saving

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        elif event.button.id == "preview":
            self.action_timeline()
        elif event.button.id == "cancel":
            self.action_cancel()

    def action_cancel(self) -> None:
        if self.form() == self.initial:
            self.dismiss(None)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.dismiss(None)

        what = self.initial.name if self.calendar_id else "the new calendar"
        self.app.push_screen(ConfirmDialog(f"Discard your changes to {what}?"), answered)

    def action_save(self) -> None:
        form = self.form()
        self.action_timeline()
        if self.calendar_id is None:
            try:
                new_id = calendar_admin.create_calendar(self.desk, form)
            except ServiceError as exc:
                self._show_problems(str(exc))
                return
            self.notify(f"Created {form.name.strip()}")
            self.dismiss(new_id)
            return
        self._show_problems("")
        self._preview(self.calendar_id, form)

    @work(thread=True, exclusive=True, group="calendar-preview", exit_on_error=False)
    def _preview(self, calendar_id: int, form: CalendarForm) -> None:
        try:
            what_if = calendar_admin.preview_update(self.desk, calendar_id, form)
        except ServiceError as exc:
            self.post_message(self.Previewed(None, str(exc)))
            return
        self.post_message(self.Previewed(what_if, None))

    def on_calendar_edit_screen_previewed(self, message: Previewed) -> None:
        if message.error is not None or message.what_if is None:
            self._show_problems(message.error or "could not preview the edit")
            return
        form = self.form()

        def answered(apply: bool | None) -> None:
            if apply:
                self._apply(form)

        self.app.push_screen(CalendarWhatIfDialog(form.name.strip(), message.what_if), answered)

    @work(thread=True, exclusive=True, group="calendar-save", exit_on_error=False)
    def _apply(self, form: CalendarForm) -> None:
        """Recalculating every running clock on the calendar may take a moment."""
        assert self.calendar_id is not None
        try:
            moved = calendar_admin.update_calendar(self.desk, self.calendar_id, form)
        except ServiceError as exc:
            self.post_message(self.Saved(form, None, str(exc)))
            return
        self.post_message(self.Saved(form, moved, None))

    def on_calendar_edit_screen_saved(self, message: Saved) -> None:
        if message.error is not None or message.what_if is None:
            self._show_problems(message.error or "could not save the calendar")
            return
        self.notify(f"Saved {message.form.name.strip()}: {message.what_if.describe()}")
        self.dismiss(self.calendar_id)

    def _show_problems(self, text: str) -> None:
        box = self.query_one("#problems", Static)
        box.update(text)
        box.set_class(bool(text), "-shown")
        if text:
            self.notify(text, severity="error", title="Not saved")
            box.scroll_visible()


def render_timeline(days: list[TimelineDay]) -> Text:
    """One line a day: date, a 24-hour bar (green open, red-tinted on holidays), hours;
    then a legend."""
    out = Text(no_wrap=True, overflow="ellipsis")
    out.append(f"{'':10} {HOUR_SCALE}\n", style="dim")
    for day in days:
        weekend = day.day.weekday() >= 5
        out.append(f"{day.day:%a %d %b} ", style="dim" if weekend else "")
        for cell in day.bar():
            if cell == "·":
                out.append(cell, style="red dim" if day.holiday is not None else "dim")
            else:
                out.append(cell, style="green")
        style = "red" if day.holiday is not None else "dim" if not day.spans else ""
        out.append(f" {day.text}", style=style)
        out.append("\n")
    out.append(f"{'':10} ", style="dim")
    out.append("█", style="green")
    out.append(" open  · closed  ", style="dim")
    out.append("red", style="red")
    out.append(": holiday · one cell an hour, local time", style="dim")
    return out
