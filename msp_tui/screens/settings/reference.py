"""Reference data (`r` in settings): categories, statuses, priorities, resolution codes.

One tab per list, the same keys on each: n new, e / enter edit, x deactivate or
reactivate (asks first), shift+↑/↓ move a row where order matters (statuses, resolution
codes). Forms are small `RecordDialog`s that make the desk call themselves, so a refusal
is shown (toast and dialog line) while everything typed stays to fix and save again.

`AdminTabsScreen` and `RecordDialog` are shared with the people screen (`g`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import (
    Button,
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

from msp_tui.engine.vocabulary import Level, StatusCategory
from msp_tui.screens.dialogs import DIALOG_CSS, ConfirmDialog, say_problem
from msp_tui.screens.form_dialog import FormDialog
from msp_tui.services import reference_admin as ref
from msp_tui.services.desk import Desk
from msp_tui.services.tickets import ServiceError
from msp_tui.widgets.measured_table import MeasuredTable

# ---------------------------------------------------------------- the form


@dataclass(frozen=True)
class FieldSpec:
    """One row of a `RecordDialog`: a text input, or a choice when `options` is given."""

    name: str
    label: str
    value: str = ""
    options: Sequence[tuple[str, str]] | None = None  # (shown, value)
    placeholder: str = ""
    disabled: bool = False


Values = dict[str, str]


class RecordDialog(FormDialog[Values]):
    """Edit a few fields of one record. `submit` makes the desk call and returns what to
    say on success (or None); a `ServiceError` keeps the dialog open with the input."""

    DEFAULT_CSS = DIALOG_CSS.format(name="RecordDialog") + """
    RecordDialog > Vertical { width: 84; }
    RecordDialog .row { height: auto; }
    RecordDialog .hint { margin-bottom: 1; }
    RecordDialog .row > Label { width: 18; padding: 1 1 0 0; text-align: right; }
    RecordDialog .row > Input, RecordDialog .row > Select { width: 1fr; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="settings.record.cancel")]

    def __init__(
        self,
        title: str,
        fields: Sequence[FieldSpec],
        submit: Callable[[Values], str | None],
        *,
        hint: str = "",
        ok: str = "Save",
        on_change: Callable[[Values], Values] | None = None,
    ) -> None:
        super().__init__()
        self.heading = title
        self.fields = list(fields)
        self.submit = submit
        self.hint = hint
        self.ok = ok
        self.on_change = on_change  # a choice changed: values to set in other fields

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.heading, classes="title", markup=False)
            if self.hint:
                yield Label(self.hint, classes="hint", markup=False)
            for f in self.fields:
                with Horizontal(classes="row"):
                    yield Label(f.label, markup=False)
                    if f.options is not None:
                        yield Select(list(f.options), value=f.value, allow_blank=False,
                                     id=f"f-{f.name}", disabled=f.disabled)
                    else:
                        yield Input(f.value, placeholder=f.placeholder, id=f"f-{f.name}",
                                    disabled=f.disabled)
            yield Label("", id="error", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(self.ok, id="ok", variant="primary")

    def on_mount(self) -> None:
        first = next((w for w in self.query("Input, Select") if not w.disabled), None)
        if first is not None:
            first.focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        if self.on_change is None:
            return
        for name, value in self.on_change(self.values()).items():
            widget = self.query_one(f"#f-{name}")
            if isinstance(widget, Select | Input) and widget.value != value:
                widget.value = value

    def values(self) -> Values:
        out: Values = {}
        for f in self.fields:
            widget = self.query_one(f"#f-{f.name}")
            if isinstance(widget, Select):
                out[f.name] = "" if widget.value is Select.BLANK else str(widget.value)
            elif isinstance(widget, Input):
                out[f.name] = widget.value
        return out

    def _submit(self) -> None:
        answer = self.values()
        try:
            said = self.submit(answer)
        except ServiceError as exc:
            say_problem(self, str(exc))
            self.notify(str(exc), title="Not saved", severity="error", timeout=8)
            return
        if said:
            self.notify(said)
        self.dismiss(answer)


# ---------------------------------------------------------------- the tabbed screen


@dataclass(frozen=True)
class Tab:
    id: str
    title: str
    hint: str
    columns: tuple[str, ...]
    ordered: bool = False  # shift+↑/↓ move rows
    toggles: bool = True  # x (de)activates
    short: bool = False  # a few rows: the table takes their height, what is below follows


Cell = str | Text


def tab_bindings(prefix: str, tabs: Sequence[Tab], extra: Iterable[Binding] = ()) -> list[Binding]:
    return [
        Binding("escape", "app.pop_screen", "Back", id=f"{prefix}.back"),
        Binding("n", "new", "New", tooltip="Add a row to this tab", id=f"{prefix}.new"),
        Binding("e", "edit", "Edit", tooltip="Edit the selected row (or enter)",
                id=f"{prefix}.edit"),
        Binding("x", "toggle", "(De)activate", tooltip="Deactivate or reactivate (asks first)",
                id=f"{prefix}.toggle"),
        Binding("shift+up", "move(-1)", "Move up", id=f"{prefix}.move_up"),
        Binding("shift+down", "move(1)", "Move down", id=f"{prefix}.move_down"),
        *extra,
        Binding("ctrl+r", "reload", "Reload", show=False, id=f"{prefix}.reload"),
        *(
            Binding(str(i), f"show_tab('{t.id}')", t.title, show=False, id=f"{prefix}.tab{i}")
            for i, t in enumerate(tabs, start=1)
        ),
    ]


class AdminTabsScreen(Screen[None]):
    """Tabs of DataTables over settings lists. Subclasses give `TABS`, `read()` (in a
    worker thread: plain values), `rows(tab, data)` (cells by key) and per tab
    `new_<tab>`, `edit_<tab>`, `toggle_<tab>`, `move_<tab>` handlers."""

    TABS: ClassVar[tuple[Tab, ...]] = ()
    DEFAULT_CSS = """
    AdminTabsScreen TabPane { padding: 0 1; }
    AdminTabsScreen .tab-hint { color: $text-muted; width: 100%; height: auto; margin-bottom: 1; }
    AdminTabsScreen DataTable { height: 1fr; }
    AdminTabsScreen .below { height: auto; margin-top: 1; }
    AdminTabsScreen DataTable.-short { height: auto; max-height: 1fr; }
    """

    def __init__(self, desk: Desk) -> None:
        super().__init__()
        self.desk = desk
        self.data: Any = None
        self.keys: dict[str, list[str]] = {t.id: [] for t in self.TABS}

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(id="tabs"):
            for tab in self.TABS:
                with TabPane(tab.title, id=tab.id):
                    yield Label(tab.hint, classes="tab-hint", markup=False)
                    table: DataTable[Cell] = MeasuredTable(
                        id=f"{tab.id}-table", cursor_type="row", zebra_stripes=True,
                        classes="-short" if tab.short else "",
                    )
                    table.add_columns(*tab.columns)
                    yield table
                    yield from self.below(tab)
        yield Footer()

    def below(self, tab: Tab) -> ComposeResult:
        """Anything shown under a tab's table (e.g. the priority matrix)."""
        yield from ()

    def on_mount(self) -> None:
        self.reload()

    # ------------------------------------------------------------ data

    @work(thread=True, exclusive=True, group="settings-tabs", exit_on_error=False)
    def reload(self, focus: tuple[str, str] | None = None) -> None:
        try:
            data = self.read()
        except ServiceError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        self.app.call_from_thread(self._show, data, focus)

    def read(self) -> Any:
        raise NotImplementedError

    def rows(self, tab: str, data: Any) -> list[tuple[str, list[Cell]]]:
        raise NotImplementedError

    def _show(self, data: Any, focus: tuple[str, str] | None) -> None:
        self.data = data
        for tab in self.TABS:
            table = self.table(tab.id)
            keep = self.current_key(tab.id)
            if focus is not None and focus[0] == tab.id:
                keep = focus[1]
            table.clear()
            rows = self.rows(tab.id, data)
            self.keys[tab.id] = [key for key, _ in rows]
            for key, cells in rows:
                table.add_row(*cells, key=key)
            if keep in self.keys[tab.id]:
                table.move_cursor(row=self.keys[tab.id].index(keep), animate=False)
        self.after_show(data)
        self.table(self.active_tab).focus()

    def after_show(self, data: Any) -> None:
        """Update anything besides the tables."""

    # ------------------------------------------------------------ where the cursor is

    @property
    def active_tab(self) -> str:
        return self.query_one(TabbedContent).active or self.TABS[0].id

    def tab(self, tab_id: str | None = None) -> Tab:
        wanted = tab_id or self.active_tab
        return next(t for t in self.TABS if t.id == wanted)

    def table(self, tab_id: str) -> DataTable[Cell]:
        return self.query_one(f"#{tab_id}-table", DataTable)

    def current_key(self, tab_id: str | None = None) -> str | None:
        tab_id = tab_id or self.active_tab
        keys = self.keys.get(tab_id, [])
        row = self.table(tab_id).cursor_row
        return keys[row] if keys and 0 <= row < len(keys) else None

    # ------------------------------------------------------------ keys

    @on(TabbedContent.TabActivated)
    def _tab_changed(self) -> None:
        self.refresh_bindings()
        self.table(self.active_tab).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.is_mounted or not self.TABS:
            return True
        try:
            tab = self.tab()
        except NoMatches:  # not composed yet
            return True
        if action == "move":
            return tab.ordered
        if action == "toggle":
            return tab.toggles
        return True

    def action_show_tab(self, tab_id: str) -> None:
        self.query_one(TabbedContent).active = tab_id

    def action_reload(self) -> None:
        self.reload()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """The table takes enter itself (as select): selecting a row edits it."""
        event.stop()
        self.action_edit()

    def _dispatch(self, verb: str, *args: Any) -> None:
        if self.data is None:  # still loading
            return
        handler = getattr(self, f"{verb}_{self.active_tab}", None)
        if handler is not None:
            handler(*args)

    def action_new(self) -> None:
        self._dispatch("new")

    def action_edit(self) -> None:
        if self.current_key() is not None:
            self._dispatch("edit", self.current_key())

    def action_toggle(self) -> None:
        if self.current_key() is not None:
            self._dispatch("toggle", self.current_key())

    def action_move(self, delta: int) -> None:
        key = self.current_key()
        if key is None:
            return
        handler = getattr(self, f"move_{self.active_tab}", None)
        if handler is None:
            return
        try:
            handler(key, delta)
        except ServiceError as exc:
            self.notify(str(exc), severity="error")
            return
        self.reload((self.active_tab, key))

    # ------------------------------------------------------------ helpers for handlers

    def form(
        self,
        title: str,
        fields: Sequence[FieldSpec],
        submit: Callable[[Values], str | None],
        *,
        hint: str = "",
        ok: str = "Save",
        focus_key: Callable[[], str | None] | None = None,
        on_change: Callable[[Values], Values] | None = None,
    ) -> None:
        """Open a form; after a successful save, reload (keeping or moving the cursor)."""
        tab = self.active_tab

        def saved(answer: Values | None) -> None:
            if answer is None:
                return
            key = focus_key() if focus_key else None
            self.reload((tab, key) if key else None)

        dialog = RecordDialog(title, fields, submit, hint=hint, ok=ok, on_change=on_change)
        self.app.push_screen(dialog, saved)

    def confirm(self, question: str, detail: str, yes: str, act: Callable[[], str | None],
                *, severity: Callable[[], str] | None = None) -> None:
        """Ask first; then act, say the outcome (or the refusal) and reload."""
        tab, key = self.active_tab, self.current_key()

        def answered(ok: bool | None) -> None:
            if not ok:
                return
            try:
                said = act()
            except ServiceError as exc:
                self.notify(str(exc), severity="error", timeout=8)
                return
            if said:
                level = severity() if severity else "information"
                self.notify(said, severity=level, timeout=10)  # type: ignore[arg-type]
            self.reload((tab, key) if key else None)

        self.app.push_screen(ConfirmDialog(question, detail, yes=yes), answered)


def active_cell(active: bool) -> Text:
    return Text("active", style="green") if active else Text("inactive", style="dim italic")


def dim_if(text: str, active: bool) -> Text:
    return Text(text, style="" if active else "dim")


# ---------------------------------------------------------------- reference data


@dataclass(frozen=True)
class ReferenceData:
    categories: list[ref.CategoryRow]
    statuses: list[ref.StatusRow]
    priorities: list[ref.PriorityRow]
    matrix: list[ref.MatrixCell]
    codes: list[ref.ResolutionCodeRow]


_CATEGORY_CHOICES = [(f"{c.value} — {ref.SLA_EFFECT[c]}", c.value) for c in StatusCategory]
_LEVELS = [(level.value, level.value) for level in Level]


class ReferenceScreen(AdminTabsScreen):
    BINDING_GROUP_TITLE = "Reference data"
    TABS = (
        Tab("categories", "Categories",
            "Sub-categories go one level deep; a rule on a category also matches its "
            "sub-categories. Inactive ones leave the pickers, tickets keep them.",
            ("Category", "Tickets", "State")),
        Tab("statuses", "Statuses",
            "The category decides what SLA clocks do in a status. Statuses with a key are "
            "the ones rules rely on: rename them freely, their category stays.",
            ("#", "Status", "Category", "SLA clocks", "Key", "Tickets in it", "State"),
            ordered=True),
        Tab("priorities", "Priorities",
            "Codes are fixed at P1–P4 (SLA targets and reports use them); e edits the label, "
            "the typical trigger and the default urgency.",
            ("Code", "Label", "Default urgency", "Typical trigger"), toggles=False, short=True),
        Tab("codes", "Resolution codes",
            "Why a ticket was resolved, in the order the resolve dialog lists them. The code "
            "is the stable key reports count by; the label can change.",
            ("#", "Code", "Label", "Tickets", "State"), ordered=True),
    )
    BINDINGS = tab_bindings("reference", TABS, [
        Binding("m", "matrix", "Matrix", tooltip="Which priority an impact and urgency give",
                id="reference.matrix"),
    ])

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "matrix" and self.is_mounted:
            return self.active_tab == "priorities"
        return super().check_action(action, parameters)

    def on_mount(self) -> None:
        self.title = "Settings · Reference data"
        super().on_mount()

    def below(self, tab: Tab) -> ComposeResult:
        if tab.id == "priorities":
            yield Static(id="matrix", classes="below")

    def read(self) -> ReferenceData:
        return ReferenceData(ref.categories(self.desk), ref.statuses(self.desk),
                             ref.priorities(self.desk), ref.priority_matrix(self.desk),
                             ref.resolution_codes(self.desk))

    def rows(self, tab: str, data: ReferenceData) -> list[tuple[str, list[Cell]]]:
        if tab == "categories":
            return _category_rows(data.categories)
        if tab == "statuses":
            return [
                (str(r.id), [str(i), dim_if(r.name, r.active), r.category, r.sla_effect,
                             Text(r.key or "—", style="dim"), str(r.tickets),
                             active_cell(r.active)])
                for i, r in enumerate(data.statuses, start=1)
            ]
        if tab == "priorities":
            return [
                (p.code, [Text(p.code, style="bold"), p.label, p.default_urgency,
                          Text(p.typical_trigger, overflow="ellipsis", no_wrap=True)])
                for p in data.priorities
            ]
        return [
            (str(r.id), [str(i), dim_if(r.code, r.active), dim_if(r.label, r.active),
                         str(r.tickets), active_cell(r.active)])
            for i, r in enumerate(data.codes, start=1)
        ]

    def after_show(self, data: ReferenceData) -> None:
        self.query_one("#matrix", Static).update(_matrix_text(data.matrix))

    def _find(self, rows: Iterable[Any], key: str) -> Any:
        return next(r for r in rows if str(getattr(r, "id", getattr(r, "code", None))) == key)

    # ------------------------------------------------------------ categories

    def _parent_choices(self, exclude: int | None = None) -> list[tuple[str, str]]:
        tops = [c for c in self.data.categories
                if c.parent_id is None and c.active and c.id != exclude]
        return [("(top level)", "")] + [(c.name, str(c.id)) for c in tops]

    def new_categories(self) -> None:
        here = self._current_category()
        parent = "" if here is None else str(here.parent_id or here.id)
        added: list[int] = []

        def submit(v: Values) -> str:
            added.append(ref.add_category(self.desk, v["name"], _id_or_none(v["parent"])))
            return f"category {v['name'].strip()} added"

        self.form("New category", [FieldSpec("name", "Name", placeholder="e.g. Telephony"),
                                   FieldSpec("parent", "Under", parent, self._parent_choices())],
                  submit, ok="Add", focus_key=lambda: str(added[0]) if added else None)

    def _current_category(self) -> ref.CategoryRow | None:
        key = self.current_key("categories")
        return self._find(self.data.categories, key) if key and self.data else None

    def edit_categories(self, key: str) -> None:
        row: ref.CategoryRow = self._find(self.data.categories, key)

        def submit(v: Values) -> None:
            ref.edit_category(self.desk, row.id, name=v["name"],
                              parent_id=_id_or_none(v["parent"]))

        self.form(f"Category · {row.name}",
                  [FieldSpec("name", "Name", row.name),
                   FieldSpec("parent", "Under", str(row.parent_id or ""),
                             self._parent_choices(exclude=row.id))],
                  submit, hint="Rename it, or move it under another category.")

    def toggle_categories(self, key: str) -> None:
        row: ref.CategoryRow = self._find(self.data.categories, key)
        verb = "Deactivate" if row.active else "Reactivate"
        detail = (f"It leaves the pickers; {row.tickets} tickets filed under it keep it."
                  if row.active else "It comes back in the pickers.")
        self.confirm(f"{verb} category {row.name!r}?", detail, verb,
                     lambda: ref.set_category_active(self.desk, row.id, not row.active))

    # ------------------------------------------------------------ statuses

    def new_statuses(self) -> None:
        added: list[int] = []

        def submit(v: Values) -> str:
            added.append(ref.add_status(self.desk, v["name"], v["category"]))
            return f"status {v['name'].strip()} added"

        self.form("New status",
                  [FieldSpec("name", "Name", placeholder="e.g. On Site"),
                   FieldSpec("category", "Category", StatusCategory.OPEN.value,
                             _CATEGORY_CHOICES)],
                  submit, ok="Add", focus_key=lambda: str(added[0]) if added else None,
                  hint="The category gives the new status its transitions and SLA behaviour.")

    def edit_statuses(self, key: str) -> None:
        row: ref.StatusRow = self._find(self.data.statuses, key)
        locked = bool(row.key) or row.tickets > 0
        why = (f"Key {row.key!r}: rules rely on it, so its category is fixed."
               if row.key else
               f"{row.tickets} tickets are in it, so its category is fixed."
               if row.tickets else "Changing the category changes what SLA clocks do in it.")

        def submit(v: Values) -> None:
            ref.edit_status(self.desk, row.id, name=v["name"], category=v["category"])

        self.form(f"Status · {row.name}",
                  [FieldSpec("name", "Name", row.name),
                   FieldSpec("category", "Category", row.category, _CATEGORY_CHOICES,
                             disabled=locked)],
                  submit, hint=why)

    def toggle_statuses(self, key: str) -> None:
        row: ref.StatusRow = self._find(self.data.statuses, key)
        verb = "Deactivate" if row.active else "Reactivate"
        detail = "It leaves the status pickers." if row.active else "It comes back in the pickers."
        self.confirm(f"{verb} status {row.name!r}?", detail, verb,
                     lambda: ref.set_status_active(self.desk, row.id, not row.active))

    def move_statuses(self, key: str, delta: int) -> None:
        ref.move_status(self.desk, int(key), delta)

    # ------------------------------------------------------------ priorities

    def new_priorities(self) -> None:
        self.notify(ref.CODES_FIXED[0].upper() + ref.CODES_FIXED[1:] + ".", severity="warning")

    def edit_priorities(self, key: str) -> None:
        row: ref.PriorityRow = self._find(self.data.priorities, key)

        def submit(v: Values) -> None:
            ref.edit_priority(self.desk, row.code, label=v["label"],
                              typical_trigger=v["trigger"], default_urgency=v["urgency"])

        self.form(f"Priority {row.code}",
                  [FieldSpec("code", "Code", row.code, disabled=True),
                   FieldSpec("label", "Label", row.label),
                   FieldSpec("trigger", "Typical trigger", row.typical_trigger,
                             placeholder="When to use it, in the words of the desk"),
                   FieldSpec("urgency", "Default urgency", row.default_urgency, _LEVELS)],
                  submit, hint="The code is fixed; SLA targets are set per code in profiles.")

    def action_matrix(self) -> None:
        if self.data is None:
            return
        grid = {(c.impact, c.urgency): c.priority for c in self.data.matrix}
        here = (Level.HIGH.value, Level.HIGH.value)
        shown = [here]

        def show_cell(v: Values) -> Values:
            """Another cell chosen: show its priority (a changed priority stays)."""
            cell = (v["impact"], v["urgency"])
            if cell == shown[0]:
                return {}
            shown[0] = cell
            return {"priority": grid.get(cell, v["priority"])}

        def submit(v: Values) -> str | None:
            ref.set_matrix_cell(self.desk, v["impact"], v["urgency"], v["priority"])
            if grid.get((v["impact"], v["urgency"])) == v["priority"]:
                return None
            return f"{v['impact']} impact, {v['urgency']} urgency → {v['priority']}"

        codes = [(f"{p.code} {p.label}", p.code) for p in self.data.priorities]
        self.form("Priority matrix",
                  [FieldSpec("impact", "Impact", here[0], _LEVELS),
                   FieldSpec("urgency", "Urgency", here[1], _LEVELS),
                   FieldSpec("priority", "Priority", grid.get(here, "P1"), codes)],
                  submit, hint="The new-ticket form proposes this priority; people can "
                               "still choose another.", on_change=show_cell)

    # ------------------------------------------------------------ resolution codes

    def new_codes(self) -> None:
        added: list[int] = []

        def submit(v: Values) -> str:
            added.append(ref.add_resolution_code(self.desk, v["code"].strip(), v["label"]))
            return f"resolution code {v['code'].strip()} added"

        self.form("New resolution code",
                  [FieldSpec("code", "Code", placeholder="e.g. remote_fix (stable key)"),
                   FieldSpec("label", "Label", placeholder="e.g. Fixed remotely")],
                  submit, ok="Add", focus_key=lambda: str(added[0]) if added else None,
                  hint="Lower-case letters, digits and _; the code never changes later.")

    def edit_codes(self, key: str) -> None:
        row: ref.ResolutionCodeRow = self._find(self.data.codes, key)

        def submit(v: Values) -> None:
            ref.edit_resolution_code(self.desk, row.id, label=v["label"])

        self.form(f"Resolution code · {row.code}",
                  [FieldSpec("code", "Code", row.code, disabled=True),
                   FieldSpec("label", "Label", row.label)],
                  submit, hint="The code is a stable key; only the label changes.")

    def toggle_codes(self, key: str) -> None:
        row: ref.ResolutionCodeRow = self._find(self.data.codes, key)
        verb = "Deactivate" if row.active else "Reactivate"
        detail = ("It is no longer offered when resolving; tickets resolved with it keep it."
                  if row.active else "It is offered again when resolving.")
        self.confirm(f"{verb} resolution code {row.code!r}?", detail, verb,
                     lambda: ref.set_resolution_code_active(self.desk, row.id, not row.active))

    def move_codes(self, key: str, delta: int) -> None:
        ref.move_resolution_code(self.desk, int(key), delta)


def _id_or_none(value: str) -> int | None:
    return int(value) if value else None


def _category_rows(rows: list[ref.CategoryRow]) -> list[tuple[str, list[Cell]]]:
    out: list[tuple[str, list[Cell]]] = []
    for i, r in enumerate(rows):
        if r.depth == 0:
            name = Text(r.name, style="bold" if r.active else "dim")
        else:
            last = i + 1 >= len(rows) or rows[i + 1].depth < r.depth
            branch = "  " * (r.depth - 1) + (" └─ " if last else " ├─ ")
            name = Text.assemble((branch, "dim"), (r.name, "" if r.active else "dim"))
        out.append((str(r.id), [name, str(r.tickets), active_cell(r.active)]))
    return out


def _matrix_text(cells: list[ref.MatrixCell]) -> Table:
    grid = {(c.impact, c.urgency): c.priority for c in cells}
    levels = [level.value for level in Level]
    table = Table(title="Impact × urgency → the priority the new-ticket form proposes",
                  title_justify="left", title_style="bold", box=None, padding=(0, 2),
                  header_style="dim")
    table.add_column("")
    for urgency in levels:
        table.add_column(f"urgency {urgency}")
    for impact in levels:
        table.add_row(Text(f"impact {impact}", style="dim"),
                      *(grid.get((impact, urgency), "—") for urgency in levels))
    return table
