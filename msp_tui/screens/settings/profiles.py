"""SLA profiles (settings `p`): the contract tiers, their targets per priority, and who
uses them; edit with a what-if before anything is written.

Editing a profile moves the due instants of every open ticket on it, so "Save" first
runs the edit in a rolled-back transaction and shows how many due instants would move
and by how much; only "Apply" writes. Few rows by nature, so a plain DataTable.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from rich.cells import cell_len
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import (
    Button,
    DataTable,
    Footer,
    Header,
    Input,
    Label,
    Select,
    SelectionList,
    Static,
)

from msp_tui.screens.dialogs import ConfirmDialog, dialog_css
from msp_tui.screens.form_dialog import FormDialog
from msp_tui.services import profile_admin
from msp_tui.services.desk import Desk
from msp_tui.services.profile_admin import (
    TARGET_SYNTAX,
    FormChoices,
    ProfileForm,
    ProfileRow,
    Saved,
    SavePreview,
    TargetRow,
)
from msp_tui.services.tickets import ServiceError
from msp_tui.widgets.row_action_table import RowActionTable

PRIORITIES = ("P1", "P2", "P3", "P4")
COLUMNS = (("Profile", "name"), ("Calendar", "calendar"), *((p, p) for p in PRIORITIES),
           ("Clients", "clients"), ("Open tickets", "tickets"))


def _is_text(character: str | None) -> bool:
    return character is not None and character.isprintable()


def _cell_width(cell: str | Text) -> int:
    return cell.cell_len if isinstance(cell, Text) else cell_len(cell)


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' if n != 1 else ''}"


# ---------------------------------------------------------------- the list


class ProfilesScreen(Screen[None]):
    BINDING_GROUP_TITLE = "SLA profiles"
    AUTO_FOCUS = "#profiles"
    DEFAULT_CSS = """
    ProfilesScreen #legend { height: 1; padding: 0 1; background: $boost; }
    ProfilesScreen #profiles { height: auto; max-height: 1fr; }
    ProfilesScreen #detail {
        height: 1fr; padding: 1 2; border-top: solid $primary-background;
    }
    """
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="profiles.back"),
        Binding("e", "edit", "Edit", show=False, tooltip="Edit the profile under the cursor",
                id="profiles.edit"),
        Binding("n", "new", "New", tooltip="A new profile", id="profiles.new"),
        Binding("c", "clone", "Clone", tooltip="Copy the profile under a new name",
                id="profiles.clone"),
        Binding("x", "delete", "Delete",
                tooltip="Delete the profile (asks first; refused while in use)",
                id="profiles.delete"),
        Binding("j", "cursor_down", "Down", show=False, id="profiles.down"),
        Binding("k", "cursor_up", "Up", show=False, id="profiles.up"),
        Binding("ctrl+r", "reload", "Reload", tooltip="Read the profiles again now",
                id="profiles.reload"),
    ]

    def __init__(self, desk: Desk) -> None:
        super().__init__()
        self.desk = desk
        self.rows: list[ProfileRow] = []
        self._keep_id: int | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(
            "Targets per priority: response / resolution (* on its own calendar)  ·  "
            "enter edit · n new · c clone · x delete · esc back",
            id="legend",
        )
        yield RowActionTable(enter="Edit", tooltip="Edit the profile under the cursor",
                             binding_id="profiles.open", id="profiles")
        yield Static(id="detail")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "SLA profiles"
        self.reload()

    @property
    def table(self) -> DataTable[str | Text]:
        return self.query_one("#profiles", RowActionTable)

    # ---------------------------------------------------------------- loading

    def reload(self, keep_id: int | None = None) -> None:
        current = self.current()
        self._keep_id = keep_id if keep_id is not None else (current.id if current else None)
        self._load()

    @work(thread=True, exclusive=True, group="profiles", exit_on_error=False)
    def _load(self) -> None:
        rows = profile_admin.profiles(self.desk)
        self.app.call_from_thread(self._show, rows)

    def _show(self, rows: list[ProfileRow]) -> None:
        self.rows = rows
        table = self.table
        cells = [self._cells(row) for row in rows]
        with self.app.batch_update():
            # Columns sized here, from the cells: a header sized later (on idle) can be
            # painted stale, narrower than its rows.
            table.clear(columns=True)
            for i, (label, key) in enumerate(COLUMNS):
                width = max([len(label), *(_cell_width(c[i]) for c in cells)])
                table.add_column(label, key=key, width=width)
            for row, row_cells in zip(rows, cells, strict=True):
                table.add_row(*row_cells, key=str(row.id))
        ids = [r.id for r in rows]
        if self._keep_id in ids:
            table.move_cursor(row=ids.index(self._keep_id), animate=False)
        self._show_detail()

    def _cells(self, row: ProfileRow) -> tuple[str | Text, ...]:
        cells: list[str | Text] = [Text(row.name, style="bold"), row.calendar]
        for p in PRIORITIES:
            t = row.target(p)
            if t is None:
                cells.append(Text("—", style="dim"))
            else:
                cell = Text(f"{t.response} / {t.resolution}")
                if t.calendar:
                    cell.append(" *", style="bold")  # on its own calendar (see the legend)
                cells.append(cell)
        cells.append(Text(str(len(row.clients)), justify="right"))
        cells.append(Text(str(row.open_tickets), justify="right"))
        return tuple(cells)

    def current(self) -> ProfileRow | None:
        if not self.is_mounted:
            return None
        table = self.table
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        detail = self.query_one("#detail", Static)
        row = self.current()
        if row is None:
            detail.update("No SLA profile yet: press n to create one." if not self.rows else "")
            return
        detail.update(detail_text(row))

    # ---------------------------------------------------------------- actions

    def action_reload(self) -> None:
        self.reload()

    def action_cursor_down(self) -> None:
        self.table.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.table.action_cursor_up()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_edit()

    def action_edit(self) -> None:
        row = self.current()
        if row is None:
            return
        try:
            form = profile_admin.profile_form(self.desk, row.id)
        except ServiceError as exc:
            self.notify(str(exc), severity="error")
            self.reload()
            return
        self._open_form(form)

    def action_new(self) -> None:
        self._open_form(profile_admin.new_form(self.desk))

    def _open_form(self, form: ProfileForm) -> None:
        choices = profile_admin.form_choices(self.desk)

        def done(saved: Saved | None) -> None:
            if saved is None:
                return
            self.reload(keep_id=saved.profile_id)

        self.app.push_screen(ProfileEditScreen(self.desk, form, choices), done)

    def action_clone(self) -> None:
        row = self.current()
        if row is None:
            return

        def submit(name: str) -> int:
            return profile_admin.clone(self.desk, row.id, name)

        def done(new_id: int | None) -> None:
            if new_id is not None:
                self.notify(f"{row.name} copied; the copy is not used by any client yet")
                self.reload(keep_id=new_id)

        self.app.push_screen(CloneDialog(row.name, submit), done)

    def action_delete(self) -> None:
        row = self.current()
        if row is None:
            return
        try:
            profile_admin.check_delete(self.desk, row.id)
        except ServiceError as exc:
            self.notify(f"Cannot delete: {exc}. Move them to another profile first.",
                        title="Not deleted", severity="error", timeout=10)
            return

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                profile_admin.delete(self.desk, row.id)
            except ServiceError as exc:
                self.notify(str(exc), title="Not deleted", severity="error", timeout=10)
                return
            self.notify(f"{row.name} deleted")
            self.reload()

        self.app.push_screen(ConfirmDialog(f"Delete the SLA profile {row.name}?"), answered)


def detail_text(row: ProfileRow) -> Text:
    """Everything about one profile the list has no room for."""
    out = Text()
    out.append(row.name, style="bold")
    if row.description:
        out.append(f" — {row.description}")
    margin = (f"{row.near_due_margin_minutes} min" if row.near_due_margin_minutes is not None
              else "default (the smaller of 30 min and 25 % of the target)")
    day = (f"{row.business_day_minutes} min" if row.business_day_minutes is not None
           else "the calendar's longest day")
    out.append(f"\nCalendar: {row.calendar} · alerts at "
               f"{', '.join(str(t) for t in row.thresholds)} %\n")
    out.append(f"Near-due margin: {margin} · a business day is {day}\n\n")
    out.append(f"{'':<4}{'Response':<10}{'Resolution':<12}{'Update every':<14}Calendar\n",
               style="dim")
    for p in PRIORITIES:
        t = row.target(p)
        if t is None:
            out.append(f"{p}  no targets: tickets at {p} get no SLA clock\n", style="dim")
            continue
        calendar = t.calendar or "the profile's"
        out.append(f"{p:<4}{t.response:<10}{t.resolution:<12}{t.update_interval or '—':<14}"
                   f"{calendar}\n")
    pauses = ", ".join(row.pause_statuses) or "none"
    out.append(f"\nAlso pauses in: {pauses} (besides every paused status)\n")
    clients = ", ".join(row.clients) or "none"
    out.append(f"Clients ({len(row.clients)}): {clients} · "
               f"{_plural(row.open_tickets, 'ticket')} not yet closed")
    return out


# ---------------------------------------------------------------- the edit form


class ProfileEditScreen(Screen[Saved | None]):
    """Every setting of one profile; Save shows the what-if, Apply writes."""

    BINDING_GROUP_TITLE = "SLA profile"
    DEFAULT_CSS = """
    ProfileEditScreen #form { padding: 1 2 0 2; }
    ProfileEditScreen .field { height: 1; margin-bottom: 1; }
    ProfileEditScreen .field > Label { width: 22; }
    ProfileEditScreen .field > Input { width: 1fr; }
    ProfileEditScreen .field > Select { width: 48; }
    ProfileEditScreen .field .note { width: 1fr; color: $text-muted; padding-left: 2; }
    ProfileEditScreen #targets {
        grid-size: 5; grid-columns: 6 16 16 16 44; grid-rows: 1; grid-gutter: 0 2;
        height: auto;
    }
    ProfileEditScreen #targets .head { color: $text-muted; text-style: bold; }
    ProfileEditScreen .hint { color: $text-muted; margin: 1 0; }
    ProfileEditScreen #lower { height: auto; }
    ProfileEditScreen #pauses-box { width: 48; height: auto; }
    ProfileEditScreen #pauses-box > Label { margin-bottom: 0; }
    ProfileEditScreen SelectionList { height: auto; width: 44; }
    ProfileEditScreen #numbers { width: 1fr; height: auto; padding-left: 2; }
    ProfileEditScreen #numbers .field > .note { width: 1fr; }
    ProfileEditScreen #numbers .field > Input { width: 16; }
    ProfileEditScreen #error { color: $text-error; text-style: bold; display: none; }
    ProfileEditScreen #error.-shown { display: block; }
    ProfileEditScreen #buttons { height: auto; align-horizontal: right; margin-top: 1; }
    ProfileEditScreen #buttons Button { margin-left: 1; }
    """
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", tooltip="Show the what-if first; nothing is written yet",
                id="profile_form.save"),
        Binding("escape", "cancel", "Cancel", tooltip="Leave without saving (asks if changed)",
                id="profile_form.cancel"),
    ]

    def __init__(self, desk: Desk, form: ProfileForm, choices: FormChoices) -> None:
        super().__init__()
        self.desk = desk
        self.form = form
        self.choices = choices
        self._busy = False  # a preview or save is running: a second ctrl+s waits

    def check_consume_key(self, key: str, character: str | None = None) -> bool:
        """Letters here are text, never app shortcuts (`n`, `l`, `q` would otherwise
        leave or stack screens with the form half filled)."""
        return _is_text(character)

    def compose(self) -> ComposeResult:
        f = self.form
        calendars = [(c.name, c.id) for c in self.choices.calendars]
        yield Header()
        with VerticalScroll(id="form"):
            with Horizontal(classes="field"):
                yield Label("Name")
                yield Input(f.name, id="name", placeholder="e.g. Gold", max_length=100,
                            compact=True)
            with Horizontal(classes="field"):
                yield Label("Description")
                yield Input(f.description, id="description", max_length=500, compact=True,
                            placeholder="What the contract promises, in a few words")
            with Horizontal(classes="field"):
                yield Label("Calendar")
                yield Select(calendars, id="calendar", value=_or_null(f.calendar_id),
                             prompt="Choose a calendar", compact=True)
                yield Label("business hours the targets count in", classes="note")
            with Grid(id="targets"):
                for head in ("", "Response", "Resolution", "Update every",
                             "Calendar (blank: the profile's)"):
                    yield Label(head, classes="head")
                for row in f.targets:
                    p = row.priority.lower()
                    yield Label(Text(row.priority, style="bold"))
                    yield Input(row.response, id=f"{p}-response", compact=True,
                                placeholder="e.g. 1h")
                    yield Input(row.resolution, id=f"{p}-resolution", compact=True,
                                placeholder="e.g. 2bd")
                    yield Input(row.update_interval, id=f"{p}-update", compact=True,
                                placeholder="optional")
                    yield Select(calendars, id=f"{p}-calendar", value=_or_null(row.calendar_id),
                                 prompt="the profile's", compact=True)
            yield Static(
                f"Targets: {TARGET_SYNTAX}. Update every is optional; clear a whole row "
                "for no SLA at that priority.",
                classes="hint",
            )
            with Horizontal(id="lower"):
                with Vertical(id="pauses-box"):
                    yield Label("Statuses that also pause the clocks")
                    yield SelectionList[int](
                        *(
                            (s.name + (" (pauses anyway)" if s.category == "paused" else ""),
                             s.id, s.id in f.pause_status_ids)
                            for s in self.choices.pause_statuses
                        ),
                        id="pauses",
                        compact=True,
                    )
                with Vertical(id="numbers"):
                    with Horizontal(classes="field"):
                        yield Label("Alert thresholds %")
                        yield Input(f.thresholds, id="thresholds", compact=True,
                                    placeholder="75, 90, 100")
                        yield Label("ascending; 100 always alerts", classes="note")
                    with Horizontal(classes="field"):
                        yield Label("Near-due margin min")
                        yield Input(f.near_due_margin, id="margin", compact=True,
                                    placeholder="default")
                        yield Label("blank: min(30 min, 25 % of target)", classes="note")
                    with Horizontal(classes="field"):
                        yield Label("Business day min")
                        yield Input(f.business_day, id="business-day", compact=True,
                                    placeholder="calendar")
                        yield Label("length of 1bd; blank: longest day", classes="note")
            yield Static("", id="error")
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Save…", id="save", variant="primary",
                             tooltip="Shows what moves before anything is written")
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"SLA profile · {self.form.name}" if self.form.id else "New SLA profile"
        self.sub_title = "ctrl+s save (what-if first) · esc cancel"
        self.query_one("#name", Input).focus()

    # ---------------------------------------------------------------- reading the form

    def values(self) -> ProfileForm:
        def text(widget_id: str) -> str:
            return self.query_one(f"#{widget_id}", Input).value

        def select(widget_id: str) -> int | None:
            value = self.query_one(f"#{widget_id}", Select).value
            return None if value is Select.NULL else value  # type: ignore[return-value]

        rows = tuple(
            TargetRow(p, text(f"{p.lower()}-response"), text(f"{p.lower()}-resolution"),
                      text(f"{p.lower()}-update"), select(f"{p.lower()}-calendar"))
            for p in PRIORITIES
        )
        return replace(
            self.form,
            name=text("name"),
            description=text("description"),
            calendar_id=select("calendar"),
            targets=rows,
            pause_status_ids=frozenset(self.query_one("#pauses", SelectionList).selected),
            thresholds=text("thresholds"),
            near_due_margin=text("margin"),
            business_day=text("business-day"),
        )

    def _problem(self, text: str) -> None:
        self._busy = False
        line = self.query_one("#error", Static)
        line.update(Text("✖ " + text.replace("\n", "\n✖ ")))
        line.add_class("-shown")
        self.notify(text, title="Not saved", severity="error", timeout=10)

    # ---------------------------------------------------------------- actions

    def on_input_submitted(self) -> None:
        self.action_save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_cancel()

    def action_save(self) -> None:
        if self._busy:
            return
        self._busy = True
        self._preview(self.values())

    @work(thread=True, exclusive=True, group="profile-save", exit_on_error=False)
    def _preview(self, form: ProfileForm) -> None:
        """Recalculating every clock on a big profile takes a while: off the UI thread."""
        try:
            preview = profile_admin.preview_save(self.desk, form)
        except ServiceError as exc:
            self.app.call_from_thread(self._problem, str(exc))
            return
        except Exception as exc:  # e.g. the database is locked: say so, keep the form
            self.app.call_from_thread(self._problem, f"{type(exc).__name__}: {exc}")
            return
        self.app.call_from_thread(self._previewed, form, preview)

    def _previewed(self, form: ProfileForm, preview: SavePreview) -> None:
        self._busy = False
        self.query_one("#error", Static).remove_class("-shown")
        if not preview.changes:
            self.notify("Nothing changed: nothing to save.")
            return

        def answered(apply: bool | None) -> None:
            if apply:
                self._busy = True
                self._apply(form)

        name = form.name.strip() or "the new profile"
        self.app.push_screen(ProfileWhatIfDialog(name, preview), answered)

    @work(thread=True, exclusive=True, group="profile-save", exit_on_error=False)
    def _apply(self, form: ProfileForm) -> None:
        try:
            saved = profile_admin.save(self.desk, form)
        except ServiceError as exc:
            self.app.call_from_thread(self._problem, str(exc))
            return
        except Exception as exc:  # e.g. the database is locked: say so, keep the form
            self.app.call_from_thread(self._problem, f"{type(exc).__name__}: {exc}")
            return
        self.app.call_from_thread(self._saved, form, saved)

    def _saved(self, form: ProfileForm, saved: Saved) -> None:
        self._busy = False
        what = "created" if form.id is None else "saved"
        moved = "" if form.id is None else f": {profile_admin.headline(saved.what_if)}"
        self.notify(f"{form.name.strip()} {what}{moved}", timeout=8)
        self.dismiss(saved)

    def action_cancel(self) -> None:
        if self.values() == self.form:
            self.dismiss(None)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.dismiss(None)

        self.app.push_screen(ConfirmDialog("Discard your changes to this profile?"), answered)


def _or_null(value: int | None) -> object:
    return Select.NULL if value is None else value


class ProfileWhatIfDialog(ModalScreen[bool]):
    """The what-if of a save: how many due instants move and by how much, then Apply
    (writes everything in one transaction) or Back (to the form, as typed)."""

    DEFAULT_CSS = dialog_css("ProfileWhatIfDialog", """
    ProfileWhatIfDialog > Vertical { width: 84; }
    ProfileWhatIfDialog Static { width: 100%; }
    ProfileWhatIfDialog #headline { margin-top: 1; text-style: bold; }
    ProfileWhatIfDialog #keys { margin-top: 1; }
    ProfileWhatIfDialog #changes { margin-top: 1; height: auto; max-height: 14; }
    """)
    BINDINGS = [
        Binding("a", "answer(True)", "Apply", tooltip="Write the changes now",
                id="profile_whatif.apply"),
        Binding("escape,b", "answer(False)", "Back", tooltip="Back to the form, as typed",
                id="profile_whatif.back"),
    ]

    def __init__(self, name: str, preview: SavePreview) -> None:
        super().__init__()
        self.profile_name = name
        self.preview = preview

    def check_consume_key(self, key: str, character: str | None = None) -> bool:
        return _is_text(character)

    def compose(self) -> ComposeResult:
        p, w = self.preview, self.preview.what_if
        with Vertical():
            yield Static(f"What-if: save {self.profile_name}?", classes="title", markup=False)
            yield Static(p.headline, id="headline", markup=False)
            if not p.creates:
                yield Static(
                    f"{_plural(w.recalculated, 'running clock')} recalculated from now; "
                    "business time already used is kept. Nothing is written yet.",
                    classes="hint", markup=False,
                )
            changes = Text()
            changes.append("Changes:", style="bold")
            for line in p.changes:
                changes.append(f"\n· {line}")
            with VerticalScroll(id="changes"):
                yield Static(changes)
            yield Static("a apply · b / esc back to the form", id="keys", classes="hint")
            with Horizontal(classes="buttons"):
                yield Button("Back", id="back")
                yield Button("Apply", id="apply", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#apply", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "apply")

    def action_answer(self, apply: bool) -> None:
        self.dismiss(apply)


class CloneDialog(FormDialog[int]):
    """Asks the copy's name; a refused name (taken, empty) keeps the dialog open."""

    DEFAULT_CSS = dialog_css("CloneDialog", """
    CloneDialog > Vertical { width: 64; }
    CloneDialog Static { width: 100%; }
    CloneDialog Input { margin-top: 1; }
    """)
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="profile_clone.cancel")]

    def __init__(self, source: str, submit: Callable[[str], int]) -> None:
        super().__init__()
        self.source = source
        self.submit = submit

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"Clone {self.source}", classes="title", markup=False)
            yield Static("Targets, pause statuses and alerts are copied; no client uses "
                        "the copy until you move one to it.", classes="hint", markup=False)
            yield Input(f"{self.source} (copy)", id="name", max_length=100)
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Clone", id="ok", variant="primary")

    def _submit(self) -> None:
        try:
            new_id = self.submit(self.query_one("#name", Input).value)
        except ServiceError as exc:
            self.notify(str(exc), title="Not cloned", severity="error")
            return
        self.dismiss(new_id)
