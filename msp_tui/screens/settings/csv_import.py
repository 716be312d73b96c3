"""Settings › Import from CSV (`i` in the hub): clients, contacts, assets, tickets.

Choose what the file holds, which product exported it, the file, the zone its dates
are local to and how "04/05/2026" reads (day first, month first or ISO dates only; each
preset proposes its product's order, and a file whose dates show the other order is
refused naming a row that proves it); Preview (F2) reads the file and proposes a column
per field (the preset's header names, then close matches), which the admin can change
field by field; Import (F5) checks every row first and writes all or nothing. Errors
come back as a table of row, column and problem (F6 saves it as CSV next to the file); a
long import shows its progress, checking then writing, in a worker thread so the console
stays live.
"""

from __future__ import annotations

import os
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.suggester import Suggester
from textual.widgets import (
    Button,
    DataTable,
    Footer,
    Header,
    Input,
    Label,
    ProgressBar,
    Select,
    Static,
)

from msp_tui.engine import csv_import as eng
from msp_tui.services import csv_import as svc
from msp_tui.services.desk import Desk
from msp_tui.services.local_zone import my_zone
from msp_tui.services.tickets import ServiceError
from msp_tui.widgets.measured_table import MeasuredTable

VALUE_WIDTH = 12  # five rows of values beside the mapping on a 140-column terminal
ENTITY_LABELS = {"clients": "Clients", "contacts": "Contacts", "assets": "Assets",
                 "tickets": "Tickets"}


def _cell(value: str) -> Text:
    if len(value) > VALUE_WIDTH:
        value = value[: VALUE_WIDTH - 1] + "…"
    return Text(value, no_wrap=True)


def _unexpected(exc: Exception) -> str:
    """An error no check foresaw, in one line (the type says what kind when the text
    alone would not)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class PathSuggester(Suggester):
    """Completes the file name being typed from what is on disk (first match, dirs end
    with a slash); cheap enough to run on every key."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        if not value:
            return None
        path = Path(os.path.expanduser(value))
        folder, stem = (path, "") if value.endswith("/") else (path.parent, path.name)
        try:
            names = sorted(e.name for e in os.scandir(folder) if e.name.startswith(stem)
                           and (stem.startswith(".") or not e.name.startswith(".")))
        except OSError:
            return None
        if not names or (len(names) == 1 and names[0] == stem):
            return None
        pick = names[0]
        suffix = "/" if (folder / pick).is_dir() else ""
        return value[: len(value) - len(stem)] + pick + suffix


class ImportScreen(Screen[None]):
    BINDING_GROUP_TITLE = "Import from CSV"
    DEFAULT_CSS = """
    ImportScreen #form { height: 3; padding: 0 1; }
    ImportScreen #form Select { width: 16; }
    ImportScreen #form #preset { width: 26; }
    ImportScreen #form #path { width: 1fr; }
    ImportScreen #form #zone { width: 22; }
    ImportScreen #form #date-order { width: 19; }
    ImportScreen #form Button { min-width: 12; margin-left: 1; }
    ImportScreen #status { height: 1; padding: 0 2; color: $text-muted; }
    ImportScreen #body { height: 1fr; }
    ImportScreen #mapping { width: 46; border: round $primary-darken-1; padding: 0 1; }
    ImportScreen #mapping .field { height: 1; margin-bottom: 1; }
    ImportScreen #mapping .field Label { width: 18; }
    ImportScreen #mapping .field Select { width: 1fr; }
    ImportScreen #right { width: 1fr; }
    ImportScreen #preview { height: 1fr; border: round $primary-darken-1; }
    ImportScreen #errors { height: 1fr; border: round $error; display: none; }
    ImportScreen #progress-row { height: 1; padding: 0 2; display: none; }
    ImportScreen #progress-row Label { width: 18; }
    ImportScreen #progress Bar { width: 80; }
    ImportScreen #result { height: auto; padding: 0 2; }
    ImportScreen #result.ok { color: $success; text-style: bold; }
    ImportScreen #result.failed { color: $error; text-style: bold; }
    ImportScreen #hint { color: $text-muted; padding: 1 1; }
    """
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="import.back"),
        Binding("f2", "preview", "Preview", tooltip="Read the file, map its columns, show the "
                "first rows", id="import.preview"),
        Binding("f5", "run_import", "Import", tooltip="Check every row, then write all of it "
                "(or nothing)", id="import.run"),
        Binding("f6", "save_errors", "Save errors", tooltip="Write the error report as CSV next "
                "to the file", id="import.save_errors"),
    ]

    def __init__(self, desk: Desk) -> None:
        super().__init__()
        self.desk = desk
        self.zone = my_zone(desk)  # mine; else the desk's home; an unknown name is skipped
        self.shown: svc.Preview | None = None
        self.mapping: dict[str, str | None] | None = None  # None: let the preset decide
        self.errors: list[eng.RowError] = []
        self.running = False

    # ------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="form"):
            yield Select([(label, key) for key, label in ENTITY_LABELS.items()],
                         value="clients", allow_blank=False, id="entity",
                         tooltip="What the file holds")
            yield Select([(label, key) for key, label in eng.PRESET_LABELS.items()],
                         value="connectwise", allow_blank=False, id="preset",
                         tooltip="The product that exported the file (or map by hand)")
            yield Input(placeholder="path to the .csv export (→ accepts the completion)",
                        id="path", suggester=PathSuggester())
            yield Input(self.zone, placeholder="time zone of the dates", id="zone",
                        tooltip="Dates in the file are local to this zone; stored as UTC")
            yield Select([(label.capitalize(), key)
                          for key, label in eng.DATE_ORDER_LABELS.items()],
                         value=eng.DATE_ORDER["connectwise"], allow_blank=False,
                         id="date-order",
                         tooltip="How 04/05/2026 reads: day first (4 May), month first "
                                 "(April 5) or only ISO dates (2026-05-04); the preset "
                                 "proposes its product's order")
            yield Button("Preview F2", id="do-preview")
            yield Button("Import F5", id="do-import", variant="primary")
        yield Label("Choose what to import, the exporting product and the file, then "
                    "Preview.", id="status")
        with Horizontal(id="body"):
            with VerticalScroll(id="mapping"):
                yield Label("Columns appear here after Preview: each field takes one "
                            "column of the file (* required).", id="hint")
            with Vertical(id="right"):
                table: DataTable[str | Text] = MeasuredTable(id="preview", zebra_stripes=True)
                table.border_title = "The first rows as they will be read"
                yield table
                errors: DataTable[str | Text] = MeasuredTable(id="errors", zebra_stripes=True,
                                                          cursor_type="row")
                errors.border_title = "Nothing was imported: fix these rows and try again"
                yield errors
        with Horizontal(id="progress-row"):
            yield Label("", id="phase")
            yield ProgressBar(total=100, show_eta=False, id="progress")
        yield Static("", id="result")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Settings › Import from CSV"
        errors = self.query_one("#errors", DataTable)
        errors.add_column("Row", width=5)
        errors.add_column("Column", width=20)
        errors.add_column("Problem")
        self.query_one("#path", Input).focus()

    # ------------------------------------------------------------ the form

    def _request(self) -> svc.ImportRequest:
        entity = self.query_one("#entity", Select).value
        preset = str(self.query_one("#preset", Select).value)
        order = str(self.query_one("#date-order", Select).value)
        return svc.ImportRequest(
            entity=str(entity), preset=preset,
            path=self.query_one("#path", Input).value.strip(),
            zone=self.query_one("#zone", Input).value.strip() or "UTC",
            mapping=self.mapping,
            # The preset's own order is sent as "not chosen": a file that contradicts it
            # is then told which order it uses rather than that the admin chose wrong.
            date_order=None if order == eng.DATE_ORDER.get(preset) else order,
        )

    @on(Select.Changed, "#entity, #preset")
    @on(Input.Changed, "#path")
    def _form_changed(self) -> None:
        """A new file or kind of data: the preset proposes the mapping afresh."""
        self.mapping = None

    @on(Select.Changed, "#preset")
    def _preset_changed(self, event: Select.Changed) -> None:
        """Each product writes dates its own way: propose that order (still changeable)."""
        order = eng.DATE_ORDER.get(str(event.value))
        if order is not None:
            self.query_one("#date-order", Select).value = order

    @on(Select.Changed, "#date-order")
    def _order_changed(self) -> None:
        """A shown preview re-checks the dates in the new order."""
        if self.shown is not None and not self.running:
            self._preview(self._request())

    @on(Input.Submitted, "#path")
    def _path_submitted(self) -> None:
        self.action_preview()

    @on(Button.Pressed, "#do-preview")
    def _preview_pressed(self) -> None:
        self.action_preview()

    @on(Button.Pressed, "#do-import")
    def _import_pressed(self) -> None:
        self.action_run_import()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "save_errors":
            return bool(self.errors) or None
        if action in ("preview", "run_import") and self.running:
            return None
        return True

    # ------------------------------------------------------------ preview

    def action_preview(self) -> None:
        self._preview(self._request())

    @work(thread=True, exclusive=True, group="import-preview", exit_on_error=False)
    def _preview(self, request: svc.ImportRequest) -> None:
        try:
            shown = svc.preview(self.desk, request)
        except svc.ImportFailed as exc:
            self.app.call_from_thread(self._show_errors, exc.errors, "Cannot preview")
            return
        except ServiceError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        except Exception as exc:  # a bug must not pass silently
            self.app.call_from_thread(self._failed, f"Cannot preview: {_unexpected(exc)}")
            return
        self.app.call_from_thread(self._show_preview, request.entity, shown)

    def _show_preview(self, entity: str, shown: svc.Preview) -> None:
        rebuild = self.shown is None or self.shown.headers != shown.headers or \
            set(self.shown.mapping) != set(shown.mapping) or self.mapping is None
        self.shown = shown
        self.mapping = dict(shown.mapping)
        self.errors = []
        self._set_result("", "")
        self.query_one("#errors").display = False
        self.query_one("#preview").display = True
        if rebuild:
            self._build_mapping(entity, shown)
        self._fill_preview(entity, shown)
        delimiter = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}.get(
            shown.delimiter, shown.delimiter)
        mapped = sum(1 for h in shown.mapping.values() if h)
        status = (f"{shown.total_rows:,} rows · {len(shown.headers)} columns, {mapped} mapped "
                  f"· {shown.encoding} · {delimiter}-separated")
        if shown.problems:
            status += " · " + "; ".join(str(p) for p in shown.problems)
        self.query_one("#status", Label).update(status)
        self.refresh_bindings()

    def _build_mapping(self, entity: str, shown: svc.Preview) -> None:
        box = self.query_one("#mapping", VerticalScroll)
        box.remove_children()
        box.border_title = f"{ENTITY_LABELS[entity]}: field ← column"
        options = [(h, h) for h in shown.headers if h]
        rows = []
        for f in eng.target_fields(entity):
            label = f"{f.label}{' *' if f.required else ''}"
            select: Select[str] = Select(options, prompt="(not mapped)", compact=True,
                                         value=shown.mapping.get(f.key) or Select.NULL,
                                         id=f"map-{f.key}")
            rows.append(Horizontal(Label(label), select, classes="field"))
        with self.prevent(Select.Changed):
            box.mount_all(rows)

    @on(Select.Changed, "#mapping Select")
    def _mapping_changed(self, event: Select.Changed) -> None:
        if self.mapping is None or event.select.id is None:
            return
        key = event.select.id.removeprefix("map-")
        value = event.value if isinstance(event.value, str) else None
        if self.mapping.get(key) == value:
            return
        self.mapping[key] = value
        self._preview(self._request())

    def _fill_preview(self, entity: str, shown: svc.Preview) -> None:
        """One line per mapped field, one column per file row (numbered as the error
        report numbers them), so every field fits without scrolling sideways."""
        table = self.query_one("#preview", DataTable)
        table.clear(columns=True)
        table.add_column("Field", width=15)
        for i in range(len(shown.rows)):
            number = shown.row_numbers[i] if i < len(shown.row_numbers) else i + 2
            table.add_column(f"Row {number}", width=VALUE_WIDTH)
        for f in eng.target_fields(entity):
            if not shown.mapping.get(f.key):
                continue
            table.add_row(f.label, *(_cell(row.get(f.key, "")) for row in shown.rows))

    # ------------------------------------------------------------ import

    def action_run_import(self) -> None:
        if self.running:
            return
        self.running = True
        self.errors = []
        self.query_one("#errors").display = False
        self.query_one("#progress-row").display = True
        self.query_one("#phase", Label).update("Checking rows…")
        self.query_one("#progress", ProgressBar).update(total=100, progress=0)
        self._set_result("", "")
        self.refresh_bindings()
        self._import(self._request())

    @work(thread=True, exclusive=True, group="import-run", exit_on_error=False)
    def _import(self, request: svc.ImportRequest) -> None:
        def progress(done: int, total: int) -> None:
            self.app.call_from_thread(self._progress, done, total)

        try:
            result = svc.run_import(self.desk, request, progress=progress)
        except svc.ImportFailed as exc:
            self.app.call_from_thread(self._show_errors, exc.errors, "Nothing was imported")
            return
        except ServiceError as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        except Exception as exc:  # never leave the screen "running"
            self.app.call_from_thread(
                self._failed, f"The import stopped: {_unexpected(exc)}; nothing was imported")
            return
        self.app.call_from_thread(self._done, result)

    def _progress(self, done: int, total: int) -> None:
        bar = self.query_one("#progress", ProgressBar)
        bar.update(total=max(total, 1), progress=done)
        phase = "Checking rows…" if done < total // 2 or total == 0 else "Writing…"
        self.query_one("#phase", Label).update("Done" if total and done >= total else phase)

    def _done(self, result: svc.ImportResult) -> None:
        self.running = False
        self.query_one("#phase", Label).update("Done")
        self._set_result(result.summary() + ".", "ok")
        self.notify(result.summary())
        self.refresh_bindings()

    def _failed(self, message: str) -> None:
        self.running = False
        self.query_one("#progress-row").display = False
        self._set_result(message, "failed")
        self.notify(message, severity="error")
        self.refresh_bindings()

    def _show_errors(self, errors: list[eng.RowError], what: str) -> None:
        self.running = False
        self.errors = list(errors)
        self.query_one("#progress-row").display = False
        table = self.query_one("#errors", DataTable)
        table.clear()
        for e in errors:
            table.add_row(str(e.row) if e.row else "—", e.column or "(file)",
                          Text(e.message, overflow="ellipsis", no_wrap=True))
        table.display = True
        self.query_one("#preview").display = False
        count = len(errors)
        self._set_result(f"{what}: {count} problem{'s' if count != 1 else ''} "
                         "(F6 saves them as CSV).", "failed")
        self.refresh_bindings()

    def _set_result(self, text: str, kind: str) -> None:
        result = self.query_one("#result", Static)
        result.update(text)
        result.set_class(kind == "ok", "ok")
        result.set_class(kind == "failed", "failed")

    def action_save_errors(self) -> None:
        if not self.errors:
            return
        source = Path(self._request().path or "import.csv").expanduser()
        target = source.with_name(f"{source.stem}.errors.csv")
        try:
            written = svc.save_error_report(self.errors, str(target))
        except ServiceError as exc:
            self.notify(str(exc), severity="error")
            return
        self.notify(f"Saved the error report to {written}")
