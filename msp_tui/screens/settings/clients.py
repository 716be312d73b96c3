"""Clients (settings, admins): the list with marks for a bulk SLA change, and the editor
of one client (details, domains and portal logins, contacts, assets, escalation contacts).

Screens only present and dispatch: every check and write is in `services.client_admin`,
whose refusals name every problem; they are toasted and the form keeps what was typed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import (
    Button,
    Checkbox,
    DataTable,
    Footer,
    Header,
    Input,
    Label,
    Select,
    Static,
    TabbedContent,
    TabPane,
)

from msp_tui.screens.dialogs import ConfirmDialog, dialog_css
from msp_tui.screens.form_dialog import FormDialog
from msp_tui.services import client_admin as ca
from msp_tui.services.desk import Desk
from msp_tui.services.tickets import ServiceError
from msp_tui.store.client_queries import ClientDetail, ClientRow
from msp_tui.widgets.measured_table import MeasuredTable

MARK = "✓"
NO_SLA = "none"  # the Select value for "no SLA profile"


def _dialog_css(name: str, extra: str = "") -> str:
    """The shared modal look, wider, with label + input rows (class "field")."""
    return dialog_css(name, f"""
    {name} > Vertical {{ width: 84; }}
    {name} .field {{ height: auto; }}
    {name} .field Label {{ width: 16; padding: 1 1 0 0; }}
    {name} .field Input {{ width: 1fr; }}
    """ + extra)


def _profile_options(desk: Desk) -> list[tuple[str, str]]:
    return [("No SLA", NO_SLA)] + [(p.name, str(p.id)) for p in ca.profile_choices(desk)]


def _profile_value(raw: object) -> int | None:
    return None if raw in (NO_SLA, Select.NULL, None) else int(str(raw))


def _yes(flag: bool) -> str:
    return "yes" if flag else ""


# ---------------------------------------------------------------- a small record form


@dataclass(frozen=True)
class Field:
    id: str
    label: str
    value: str | bool = ""
    hint: str = ""


class ClientRecordDialog(FormDialog[bool]):
    """A contact, asset or escalation contact: text fields and check boxes. `submit`
    makes the desk call; a refusal is toasted and everything typed stays."""

    DEFAULT_CSS = _dialog_css("ClientRecordDialog")
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="clients.record.cancel")]

    def __init__(self, title: str, fields: Sequence[Field],
                 submit: Callable[[dict[str, Any]], None], hint: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.fields = list(fields)
        self.submit = submit
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="title", markup=False)
            if self.hint:
                yield Label(self.hint, classes="hint", markup=False)
            for f in self.fields:
                if isinstance(f.value, bool):
                    yield Checkbox(f.label, f.value, id=f.id)
                    continue
                with Horizontal(classes="field"):
                    yield Label(f.label, markup=False)
                    yield Input(f.value, placeholder=f.hint, id=f.id)
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Save", id="ok", variant="primary")

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in self.fields:
            widget = self.query_one(f"#{f.id}")
            out[f.id] = widget.value  # type: ignore[attr-defined]
        return out

    def _submit(self) -> None:
        try:
            self.submit(self.values())
        except ServiceError as exc:
            self.notify(str(exc), severity="error", timeout=10)
            return
        self.dismiss(True)


# ---------------------------------------------------------------- bulk SLA dialog


class BulkProfileDialog(ModalScreen[ca.BulkResult | None]):
    """Move the marked clients to one profile: preview first (a rolled-back run of the
    very same change), then Apply in one transaction."""

    DEFAULT_CSS = _dialog_css("BulkProfileDialog", """
    BulkProfileDialog Select { width: 1fr; margin-top: 1; }
    BulkProfileDialog #bulk_preview {
        height: auto; min-height: 3; margin-top: 1; padding: 0 1; background: $panel;
    }
    """)
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="clients.bulk.cancel")]

    def __init__(self, desk: Desk, clients: Sequence[ClientRow]) -> None:
        super().__init__()
        self.desk = desk
        self.clients = list(clients)
        self.previewed: tuple[int | None, bool] | None = None

    def compose(self) -> ComposeResult:
        names = ", ".join(c.name for c in self.clients[:4])
        if len(self.clients) > 4:
            names += f" and {len(self.clients) - 4} more"
        with Vertical():
            yield Label(f"Bulk SLA update: {len(self.clients)} marked clients",
                        classes="title", markup=False)
            yield Label(names, classes="hint", markup=False)
            yield Select(_profile_options(self.desk), allow_blank=True, prompt="Choose a profile",
                         id="bulk_profile")
            yield Checkbox("Also re-apply it to their open tickets (due instants move)", False,
                           id="bulk_reapply")
            yield Static("Choose a profile, then Preview.", id="bulk_preview")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Preview", id="preview")
                yield Button("Apply", id="apply", variant="primary", disabled=True)

    def _choice(self) -> tuple[int | None, bool] | None:
        raw = self.query_one("#bulk_profile", Select).value
        if raw is Select.NULL:
            return None
        return _profile_value(raw), self.query_one("#bulk_reapply", Checkbox).value

    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _choice_changed(self) -> None:
        """Another choice: the shown preview no longer describes it."""
        self.previewed = None
        self.query_one("#apply", Button).disabled = True
        if self._choice() is not None:
            self.query_one("#bulk_preview", Static).update("Preview to see what moves.")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "preview":
            self.action_preview()
        elif event.button.id == "apply":
            self.action_apply()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_preview(self) -> None:
        choice = self._choice()
        if choice is None:
            self.notify("Choose a profile first.", severity="error")
            return
        self.query_one("#bulk_preview", Static).update("Working out what moves…")
        self._preview(choice)

    @work(thread=True, exclusive=True, group="clients.bulk", exit_on_error=False)
    def _preview(self, choice: tuple[int | None, bool]) -> None:
        try:
            result = ca.preview_bulk_profile(self.desk, [c.id for c in self.clients], choice[0],
                                             reapply_to_open_tickets=choice[1])
        except ServiceError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.app.call_from_thread(self._show_preview, choice, result)

    def _show_preview(self, choice: tuple[int | None, bool], result: ca.BulkPreview) -> None:
        if choice != self._choice():
            return  # changed while it was computed
        self.previewed = choice
        self.query_one("#bulk_preview", Static).update(Text(result.describe()))
        self.query_one("#apply", Button).disabled = False

    def action_apply(self) -> None:
        choice = self._choice()
        if choice is None or choice != self.previewed:
            self.notify("Preview this choice first.", severity="error")
            return
        try:
            result = ca.bulk_set_profile(self.desk, [c.id for c in self.clients], choice[0],
                                         reapply_to_open_tickets=choice[1])
        except ServiceError as exc:
            self.notify(str(exc), severity="error", timeout=10)
            return
        self.dismiss(result)


# ---------------------------------------------------------------- the list


class ClientsScreen(Screen[None]):
    BINDING_GROUP_TITLE = "Clients"
    DEFAULT_CSS = """
    ClientsScreen #filter { margin: 0 1; }
    ClientsScreen #summary { padding: 0 2; color: $text-muted; }
    ClientsScreen DataTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("escape", "back", "Back", id="clients.back"),
        Binding("space", "toggle_mark", "Mark", tooltip="Mark or unmark the client",
                id="clients.mark"),
        Binding("a", "mark_all", "Mark all", tooltip="Mark every client shown (again: none)",
                id="clients.mark_all"),
        Binding("e", "edit", "Edit", tooltip="Open the client editor", id="clients.edit"),
        Binding("n", "new", "New client", id="clients.new"),
        Binding("B", "bulk", "Bulk SLA", tooltip="Put the marked clients on one SLA profile",
                id="clients.bulk"),
        Binding("slash", "filter", "Filter", tooltip="Filter by name", id="clients.filter"),
        Binding("ctrl+r", "reload", "Reload", id="clients.reload"),
    ]

    def __init__(self, desk: Desk) -> None:
        super().__init__()
        self.desk = desk
        self.loaded: list[ClientRow] = []  # every client, as last read
        self.rows: list[ClientRow] = []  # those the filter lets through, in table order
        self.marked: set[int] = set()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="Filter by name (/ to come here, enter to go back to the list)",
                    id="filter")
        yield Label("", id="summary")
        table: DataTable[str | Text] = MeasuredTable(cursor_type="row", zebra_stripes=True,
                                                 id="clients")
        table.add_column(MARK, key="mark", width=1)
        for label, key, width in (
            ("Client", "name", None), ("SLA profile", "profile", None),
            ("Billing", "billing", None), ("VIP", "vip", None), ("Portal", "portal", None),
            ("Contacts", "contacts", 8), ("Open", "open", 4), ("Domains", "domains", None),
        ):
            table.add_column(label, key=key, width=width)
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Settings · Clients"
        self.query_one(DataTable).focus()
        self.reload()

    @work(thread=True, exclusive=True, group="clients", exit_on_error=False)
    def reload(self) -> None:
        rows = ca.list_clients(self.desk)
        self.app.call_from_thread(self._loaded, rows)

    def _loaded(self, rows: list[ClientRow]) -> None:
        self.loaded = rows
        self._show()

    def _show(self) -> None:
        """The loaded clients whose name contains the filter (any case): typing filters in
        memory, so a keystroke never waits for the database."""
        needle = self.query_one("#filter", Input).value.strip().lower()
        rows = [r for r in self.loaded if needle in r.name.lower()]
        table = self.query_one(DataTable)
        current = self._current()
        table.clear()
        self.rows = rows
        for r in rows:
            name = Text(r.name)
            if not r.active:
                name.append(" (inactive)", style="dim")
            table.add_row(
                MARK if r.id in self.marked else "",
                name,
                r.profile or "No SLA",
                ca.BILLING_LABELS.get(r.billing_type, r.billing_type),
                Text("VIP", style="bold") if r.vip else "",
                _yes(r.portal_enabled),
                Text(str(r.contacts), justify="right"),
                Text(str(r.open_tickets), justify="right"),
                Text(", ".join(r.domains), overflow="ellipsis", no_wrap=True),
                key=str(r.id),
            )
        if current is not None:
            index = next((i for i, r in enumerate(rows) if r.id == current.id), None)
            if index is not None:
                table.move_cursor(row=index)
        self._summarise()

    def _summarise(self) -> None:
        shown = {r.id for r in self.rows}
        hidden = len(self.marked - shown)
        text = f"{len(self.rows)} clients shown · {len(self.marked)} marked"
        if hidden:
            text += f" ({hidden} hidden by the filter)"
        text += "   space marks · a marks all shown · B puts the marked on one SLA profile"
        self.query_one("#summary", Label).update(text)

    def _current(self) -> ClientRow | None:
        table = self.query_one(DataTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def action_back(self) -> None:
        if self.query_one("#filter", Input).has_focus:
            self.query_one(DataTable).focus()
            return
        self.app.pop_screen()

    def action_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self) -> None:
        self._show()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.query_one(DataTable).focus()

    def action_reload(self) -> None:
        self.reload()

    def _paint_mark(self, client_id: int) -> None:
        self.query_one(DataTable).update_cell(
            str(client_id), "mark", MARK if client_id in self.marked else ""
        )

    def action_toggle_mark(self) -> None:
        row = self._current()
        if row is None:
            return
        self.marked ^= {row.id}
        self._paint_mark(row.id)
        self._summarise()
        table = self.query_one(DataTable)
        if table.cursor_row < len(self.rows) - 1:
            table.move_cursor(row=table.cursor_row + 1)

    def action_mark_all(self) -> None:
        shown = {r.id for r in self.rows}
        if shown <= self.marked:
            self.marked -= shown
        else:
            self.marked |= shown
        for cid in shown:
            self._paint_mark(cid)
        self._summarise()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_edit()

    def action_edit(self) -> None:
        row = self._current()
        if row is not None:
            self.app.push_screen(ClientEditorScreen(self.desk, row.id))

    def action_new(self) -> None:
        self.app.push_screen(ClientEditorScreen(self.desk, None))

    def on_screen_resume(self) -> None:
        """Back from the editor (or any screen): counts and names may have changed."""
        if self.is_mounted and self.loaded:
            self.reload()

    def action_bulk(self) -> None:
        chosen = [r for r in self.rows if r.id in self.marked]
        if not self.marked:
            self.notify("Mark clients first (space, or a for all shown).", severity="error")
            return
        if len(chosen) < len(self.marked):
            self.notify("Some marked clients are hidden by the filter: clear it first.",
                        severity="error")
            return
        self.app.push_screen(BulkProfileDialog(self.desk, chosen), self._bulk_done)

    def _bulk_done(self, result: ca.BulkResult | None) -> None:
        if result is None:
            return
        text = (f"{result.changed} of {result.clients} clients moved to the new profile; "
                f"{result.reapplied} open tickets re-applied")
        self.notify(text)
        self.marked.clear()
        self.reload()


# ---------------------------------------------------------------- the editor


class ClientEditorScreen(Screen[None]):
    """One client in tabs. A new client has only Details until it is first saved."""

    BINDING_GROUP_TITLE = "Client"
    DEFAULT_CSS = """
    ClientEditorScreen TabbedContent { height: 1fr; }
    ClientEditorScreen .field { height: auto; }
    ClientEditorScreen .field > Label { width: 22; padding: 1 1 0 1; }
    ClientEditorScreen .field > Input, ClientEditorScreen .field > Select { width: 60; }
    ClientEditorScreen .checks { height: auto; padding: 1 0 0 22; }
    ClientEditorScreen .checks Checkbox { width: 60; height: 1; border: none; padding: 0 1; }
    ClientEditorScreen .hint { color: $text-muted; padding: 0 1; }
    ClientEditorScreen .buttons { height: auto; padding-left: 23; margin-top: 1; }
    ClientEditorScreen .column { width: 1fr; height: 1fr; padding: 0 1; }
    ClientEditorScreen .column Label { text-style: bold; }
    ClientEditorScreen DataTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="client.back"),
        Binding("ctrl+s", "save", "Save", tooltip="Save the Details tab", id="client.save"),
        Binding("n", "add", "Add", tooltip="Add to the current tab's list", id="client.add"),
        Binding("e", "edit", "Edit", id="client.edit"),
        Binding("x,delete", "remove", "Remove", tooltip="Remove (asks first)",
                id="client.remove"),
        Binding("t", "terminate", "Left / back", tooltip="A contact left the client, or is back",
                id="client.terminate"),
        Binding("left_square_bracket", "move(-1)", "Call earlier", id="client.move_up"),
        Binding("right_square_bracket", "move(1)", "Call later", id="client.move_down"),
    ]
    _TAB_ACTIONS = {
        "add": {"tab-contacts", "tab-assets", "tab-escalation"},
        "edit": {"tab-contacts", "tab-assets", "tab-escalation"},
        "remove": {"tab-domains", "tab-assets", "tab-escalation"},
        "terminate": {"tab-contacts"},
        "move": {"tab-escalation"},
        "save": {"tab-details"},
    }

    def __init__(self, desk: Desk, client_id: int | None) -> None:
        super().__init__()
        self.desk = desk
        self.client_id = client_id
        self.detail: ClientDetail | None = None

    # ------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Header()
        new = self.client_id is None
        with TabbedContent(id="tabs"):
            with TabPane("Details", id="tab-details"), VerticalScroll():
                yield from self._details()
            with TabPane("Domains & portal", id="tab-domains", disabled=new), Horizontal():
                with Vertical(classes="column"):
                    yield Label("Mail domains (mail from them matches this client)")
                    yield self._table("domains", ("Domain",))
                    yield Input(placeholder="add a domain: example.com, enter",
                                id="new_domain")
                with Vertical(classes="column"):
                    yield Label("Portal logins")
                    yield self._table("logins", ("Email",))
                    yield Input(placeholder="add a login: name@example.com, enter",
                                id="new_login")
            with TabPane("Contacts", id="tab-contacts", disabled=new):
                yield Label("n adds · e / enter edits · t marks as left (history kept) or back",
                            classes="hint")
                yield self._table("contacts", ("Name", "Email", "Phone", "Authorized", "Status"))
            with TabPane("Assets", id="tab-assets", disabled=new):
                yield Label("n adds · e / enter edits · x removes (not while tickets name it)",
                            classes="hint")
                yield self._table("assets", ("Hostname", "Kind", "User"))
            with TabPane("Escalation contacts", id="tab-escalation", disabled=new):
                yield Label("Called in this order when an escalation needs the client · "
                            "n adds · e edits · x removes · [ ] move", classes="hint")
                yield self._table("escalations", ("#", "Name", "Phones", "Emails",
                                                  "Call windows"))
        yield Footer()

    def _details(self) -> ComposeResult:
        def field(label: str, widget: Any) -> Horizontal:
            return Horizontal(Label(label), widget, classes="field")

        yield field("Name", Input(id="name"))
        yield field("SLA profile", Select(_profile_options(self.desk), allow_blank=False,
                                          value=NO_SLA, id="profile"))
        yield field("Billing", Select([(v, k) for k, v in ca.BILLING_LABELS.items()],
                                      allow_blank=False, value="time_and_materials",
                                      id="billing"))
        yield field("Hourly rate", Input(placeholder="150.00 (empty: no rate agreed yet)",
                                         id="rate"))
        yield field("Notes", Input(id="notes"))
        yield Vertical(
            Checkbox("Hybrid: new time entries are billable by default", True,
                     id="hybrid_billable"),
            Checkbox("Send a satisfaction survey when a ticket closes", True, id="csat"),
            Checkbox("VIP", False, id="vip"),
            Checkbox("Client portal enabled", False, id="portal"),
            Checkbox("Active", True, id="active"),
            Checkbox("Re-apply the SLA profile to open tickets on save", False, id="reapply"),
            classes="checks",
        )
        yield Horizontal(Button("Save (ctrl+s)", id="save", variant="primary"),
                         classes="buttons")

    @staticmethod
    def _table(table_id: str, columns: Sequence[str]) -> DataTable[str | Text]:
        table: DataTable[str | Text] = MeasuredTable(cursor_type="row", zebra_stripes=True,
                                                 id=table_id)
        table.add_columns(*columns)
        return table

    # ------------------------------------------------------------ data

    def on_mount(self) -> None:
        self.title = "Settings · New client" if self.client_id is None else "Settings · Client"
        if self.client_id is None:
            self.query_one("#name", Input).focus()
        else:
            self.reload(fill_form=True)

    def reload(self, fill_form: bool = False) -> None:
        if self.client_id is None:
            return
        try:
            self.detail = ca.get_client(self.desk, self.client_id)
        except ServiceError as exc:
            self.notify(str(exc), severity="error")
            return
        self._paint(fill_form)

    def _paint(self, fill_form: bool) -> None:
        d = self.detail
        assert d is not None
        self.title = f"Settings · Client · {d.name}"
        if fill_form:
            self.query_one("#name", Input).value = d.name
            self.query_one("#profile", Select).value = (
                str(d.sla_profile_id) if d.sla_profile_id is not None else NO_SLA)
            self.query_one("#billing", Select).value = d.billing_type
            self.query_one("#rate", Input).value = ca.rate_text(d.hourly_rate_cents)
            self.query_one("#notes", Input).value = d.notes
            for wid, value in (("hybrid_billable", d.hybrid_billable_default),
                               ("csat", d.csat_enabled), ("vip", d.vip),
                               ("portal", d.portal_enabled), ("active", d.active)):
                self.query_one(f"#{wid}", Checkbox).value = value
            self.query_one("#reapply", Checkbox).value = False
        self._fill("domains", [((x.domain,), x.id) for x in d.domains])
        self._fill("logins", [((x.email,), x.id) for x in d.portal_logins])
        self._fill("contacts", [
            ((Text(c.name, style="dim strike" if c.terminated else ""), c.email or "",
              c.phone, _yes(c.authorized),
              Text("left", style="bold red") if c.terminated else "active"), c.id)
            for c in d.contacts
        ])
        self._fill("assets", [((a.hostname, a.kind, a.user_upn), a.id) for a in d.assets])
        self._fill("escalations", [
            ((str(n), e.name, ", ".join(e.phones), ", ".join(e.emails),
              ca.windows_text(e.call_windows) or Text("none: never called", style="dim")), e.id)
            for n, e in enumerate(d.escalation_contacts, start=1)
        ])

    def _fill(self, table_id: str, rows: list[tuple[tuple[Any, ...], int]]) -> None:
        table = self.query_one(f"#{table_id}", DataTable)
        cursor = table.cursor_row
        table.clear()
        for cells, key in rows:
            table.add_row(*cells, key=str(key))
        if rows:
            table.move_cursor(row=min(max(cursor, 0), len(rows) - 1))

    def _selected(self, table_id: str) -> int | None:
        table = self.query_one(f"#{table_id}", DataTable)
        if table.row_count == 0 or not 0 <= table.cursor_row < table.row_count:
            return None
        key = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
        return int(key) if key is not None else None

    # ------------------------------------------------------------ actions

    @property
    def tab(self) -> str:
        return self.query_one("#tabs", TabbedContent).active

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        tabs = self._TAB_ACTIONS.get(action)
        if tabs is None:
            return True
        if not self.is_mounted:
            return False
        return self.tab in tabs

    @on(TabbedContent.TabActivated)
    def _tab_changed(self) -> None:
        self.refresh_bindings()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()

    def _form(self) -> ca.ClientInput:
        return ca.ClientInput(
            name=self.query_one("#name", Input).value,
            billing_type=str(self.query_one("#billing", Select).value),
            sla_profile_id=_profile_value(self.query_one("#profile", Select).value),
            hourly_rate=self.query_one("#rate", Input).value,
            hybrid_billable_default=self.query_one("#hybrid_billable", Checkbox).value,
            csat_enabled=self.query_one("#csat", Checkbox).value,
            vip=self.query_one("#vip", Checkbox).value,
            portal_enabled=self.query_one("#portal", Checkbox).value,
            notes=self.query_one("#notes", Input).value,
            active=self.query_one("#active", Checkbox).value,
        )

    def action_save(self) -> None:
        data = self._form()
        try:
            if self.client_id is None:
                self.client_id = ca.create_client(self.desk, data)
                for pane in self.query(TabPane):
                    pane.disabled = False
                self.notify(f"{data.name.strip()} created: add domains and contacts next")
            else:
                moved = ca.update_client(
                    self.desk, self.client_id, data,
                    reapply_to_open_tickets=self.query_one("#reapply", Checkbox).value)
                extra = f"; {moved} open tickets re-applied" if moved else ""
                self.notify(f"{data.name.strip()} saved{extra}")
        except ServiceError as exc:
            self.notify(str(exc), severity="error", timeout=10)
            return
        self.reload(fill_form=True)

    @on(Input.Submitted, "#new_domain")
    def _add_domain(self, event: Input.Submitted) -> None:
        self._add_line(event.input, ca.add_domain)

    @on(Input.Submitted, "#new_login")
    def _add_login(self, event: Input.Submitted) -> None:
        self._add_line(event.input, ca.add_portal_login)

    def _add_line(self, box: Input, call: Callable[[Desk, int, str], int]) -> None:
        assert self.client_id is not None
        try:
            call(self.desk, self.client_id, box.value)
        except ServiceError as exc:
            self.notify(str(exc), severity="error", timeout=10)
            return
        box.value = ""
        self.reload()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.data_table.id in ("contacts", "assets", "escalations"):
            self.action_edit()

    def _record(self, title: str, fields: Sequence[Field],
                submit: Callable[[dict[str, Any]], None], hint: str = "") -> None:
        def done(saved: bool | None) -> None:
            if saved:
                self.reload()
        self.app.push_screen(ClientRecordDialog(title, fields, submit, hint), done)

    def action_add(self) -> None:
        self._open_record(None)

    def action_edit(self) -> None:
        table = {"tab-contacts": "contacts", "tab-assets": "assets",
                 "tab-escalation": "escalations"}.get(self.tab)
        if table is None:
            return
        selected = self._selected(table)
        if selected is not None:
            self._open_record(selected)

    def _open_record(self, record_id: int | None) -> None:
        d, cid = self.detail, self.client_id
        if d is None or cid is None:
            return
        if self.tab == "tab-contacts":
            c = next((x for x in d.contacts if x.id == record_id), None)
            fields = [
                Field("name", "Name", c.name if c else ""),
                Field("email", "Email", (c.email or "") if c else "", "name@example.com"),
                Field("phone", "Phone", c.phone if c else "", "+1 212 555 0100"),
                Field("authorized", "May approve work and changes", c.authorized if c else True),
            ]

            def contact(v: dict[str, Any]) -> None:
                data = ca.ContactInput(v["name"], v["email"], v["phone"], v["authorized"])
                if record_id is None:
                    ca.add_contact(self.desk, cid, data)
                else:
                    ca.update_contact(self.desk, record_id, data)

            self._record(f"{'Edit' if c else 'New'} contact · {d.name}", fields, contact)
        elif self.tab == "tab-assets":
            a = next((x for x in d.assets if x.id == record_id), None)
            fields = [
                Field("hostname", "Hostname", a.hostname if a else ""),
                Field("kind", "Kind", a.kind if a else "", "workstation, laptop, server, ..."),
                Field("user_upn", "User (UPN)", a.user_upn if a else "", "name@example.com"),
            ]

            def asset(v: dict[str, Any]) -> None:
                data = ca.AssetInput(v["hostname"], v["kind"], v["user_upn"])
                if record_id is None:
                    ca.add_asset(self.desk, cid, data)
                else:
                    ca.update_asset(self.desk, record_id, data)

            self._record(f"{'Edit' if a else 'New'} asset · {d.name}", fields, asset)
        elif self.tab == "tab-escalation":
            e = next((x for x in d.escalation_contacts if x.id == record_id), None)
            fields = [
                Field("name", "Name", e.name if e else ""),
                Field("phones", "Phones", ", ".join(e.phones) if e else "", "comma-separated"),
                Field("emails", "Emails", ", ".join(e.emails) if e else "", "comma-separated"),
                Field("windows", "Call windows", ca.windows_text(e.call_windows) if e else "",
                      "Mon-Fri 08:00-18:00 America/New_York; Sat 09:00-12:00 ..."),
            ]

            def escalation(v: dict[str, Any]) -> None:
                data = ca.EscalationInput(v["name"], ca.split_list(v["phones"]),
                                          ca.split_list(v["emails"]),
                                          ca.parse_windows_text(v["windows"]))
                if record_id is None:
                    ca.add_escalation_contact(self.desk, cid, data)
                else:
                    ca.update_escalation_contact(self.desk, record_id, data)

            self._record(f"{'Edit' if e else 'New'} escalation contact · {d.name}", fields,
                         escalation, "Windows: days, hours and zone, several separated by ';'. "
                         "Days: Mon..Sun, ranges like Mon-Fri, or Daily; 24:00 ends the day.")

    def action_terminate(self) -> None:
        d = self.detail
        contact_id = self._selected("contacts")
        c = next((x for x in d.contacts if x.id == contact_id), None) if d else None
        if c is None:
            return

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                ca.set_contact_terminated(self.desk, c.id, not c.terminated)
            except ServiceError as exc:
                self.notify(str(exc), severity="error")
                return
            self.reload()

        question = (f"{c.name} is back at the client?" if c.terminated else
                    f"{c.name} left the client? Their tickets stay; their mail will be "
                    "flagged as suspicious.")
        self.app.push_screen(ConfirmDialog(question), answered)

    def action_remove(self) -> None:
        d = self.detail
        if d is None:
            return
        what: tuple[str, Callable[[Desk, int], None], int | None]
        if self.tab == "tab-domains":
            focused = self.focused
            if isinstance(focused, DataTable) and focused.id == "logins":
                lid = self._selected("logins")
                name = next((x.email for x in d.portal_logins if x.id == lid), "")
                what = (f"Remove portal login {name}?", ca.remove_portal_login, lid)
            else:
                did = self._selected("domains")
                name = next((x.domain for x in d.domains if x.id == did), "")
                what = (f"Remove {name}? Its mail will no longer match {d.name}.",
                        ca.remove_domain, did)
        elif self.tab == "tab-assets":
            aid = self._selected("assets")
            name = next((x.hostname for x in d.assets if x.id == aid), "")
            what = (f"Remove asset {name}?", ca.remove_asset, aid)
        else:
            eid = self._selected("escalations")
            name = next((x.name for x in d.escalation_contacts if x.id == eid), "")
            what = (f"Remove escalation contact {name}?", ca.remove_escalation_contact, eid)
        question, call, record_id = what
        if record_id is None:
            return

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                call(self.desk, record_id)
            except ServiceError as exc:
                self.notify(str(exc), severity="error", timeout=10)
                return
            self.reload()

        self.app.push_screen(ConfirmDialog(question), answered)

    def action_move(self, delta: int) -> None:
        eid = self._selected("escalations")
        if eid is None:
            return
        try:
            ca.move_escalation_contact(self.desk, eid, delta)
        except ServiceError as exc:
            self.notify(str(exc), severity="error")
            return
        self.reload()
        table = self.query_one("#escalations", DataTable)
        table.move_cursor(row=table.get_row_index(str(eid)))
