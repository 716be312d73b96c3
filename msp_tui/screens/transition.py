"""The one path every status change takes (board, ticket detail, command palette).

A move that ends the work opens `TransitionDialog` first, and the dialog makes the desk
call itself, so a refusal is shown in the dialog with everything typed kept:

- resolving asks for a resolution code (for trend reports) and a summary, and for a
  time check: the ticket's logged time (total, billable and not, line by line, a
  warning when there is none), missing time can be logged right there (billable as
  the client's contract says), and "Time is correct" must be ticked;
- closing records my sign-off, closure notes and follow-on work (a replacement ordered,
  a license true-up, a change request); closing a ticket that was never resolved asks
  for the resolution as well.

Resolving or closing a master with open children then asks whether they follow
(default no; they inherit the master's resolution); resolved or closed children are
never touched.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static, TextArea

from msp_tui.engine.vocabulary import FollowOn, StatusCategory
from msp_tui.screens.dialogs import DIALOG_CSS, ConfirmDialog, clear_problem, say_problem
from msp_tui.screens.form_dialog import FormDialog
from msp_tui.services import ticket_view
from msp_tui.services.desk import Desk
from msp_tui.services.ticket_view import FOLLOW_ON_LABEL, ClosingContext, format_minutes
from msp_tui.services.tickets import Closure, ServiceError
from msp_tui.store.queries import StatusView

# The time check lists at most this many entries (the newest), then says how many more.
MAX_TIME_LINES = 8


@dataclass(frozen=True)
class TransitionInput:
    reason: str
    closure: Closure | None = None


def time_check_renderable(context: ClosingContext) -> RenderableType:
    """The time check: totals, then one line per entry (approved ones marked locked)."""
    billable = context.billable_minutes
    totals = Text.assemble(
        ("Logged ", "dim"),
        (format_minutes(context.total_minutes), "bold"),
        ("  ·  billable ", "dim"),
        (format_minutes(billable), "bold"),
        ("  ·  non-billable ", "dim"),
        (format_minutes(context.total_minutes - billable), "bold"),
    )
    if not context.entries:
        warning = Text(
            "⚠ No time is logged on this ticket. Log it below, or tick “Time is correct” "
            "if none was spent.",
            style="bold yellow",
        )
        return Group(totals, warning)
    table = Table(box=None, pad_edge=False, expand=True, show_header=False, padding=(0, 1))
    table.add_column("Date", no_wrap=True)
    table.add_column("Technician", no_wrap=True, max_width=18)
    table.add_column("Time", no_wrap=True, justify="right")
    table.add_column("Billable", no_wrap=True)
    table.add_column("Note", ratio=1, no_wrap=True, overflow="ellipsis")
    shown = context.entries[-MAX_TIME_LINES:]
    for e in shown:
        note = f"{e.note} (approved)" if e.approved else e.note
        table.add_row(
            e.work_date.strftime("%a %d %b"),
            e.technician,
            format_minutes(e.minutes),
            "billable" if e.billable else "non-billable",
            note,
        )
    more = len(context.entries) - len(shown)
    parts: list[RenderableType] = [totals, table]
    if more:
        parts.append(Text(f"… and {more} earlier entr{'y' if more == 1 else 'ies'}", "dim"))
    return Group(*parts)


class TransitionDialog(FormDialog[TransitionInput]):
    """Asks what resolving or closing needs; `submit` makes the desk call (and raises
    `ServiceError` to keep the dialog open), `add_time` logs a missing entry."""

    DEFAULT_CSS = DIALOG_CSS.format(name="TransitionDialog").replace(
        "TransitionDialog > Vertical", "TransitionDialog > VerticalScroll"
    ) + """
    TransitionDialog > VerticalScroll { width: 88; }
    TransitionDialog .section { margin-top: 1; text-style: bold; color: $accent; }
    TransitionDialog .row { height: auto; }
    TransitionDialog .row-label { width: 13; padding: 1 1 0 0; color: $text-muted; }
    TransitionDialog .row > Select, TransitionDialog .row > Input { width: 1fr; }
    TransitionDialog #time-lines { height: auto; }
    TransitionDialog #minutes { width: 13; }
    TransitionDialog #time-note { width: 1fr; }
    TransitionDialog #billable { width: auto; }
    TransitionDialog #add { min-width: 12; }
    TransitionDialog #notes { height: 4; width: 1fr; }
    TransitionDialog #follow-on { layout: grid; grid-size: 2; grid-rows: 1; height: auto;
        width: 1fr; padding-top: 1; }
    TransitionDialog #follow-on Checkbox { width: 1fr; }
    """
    BINDINGS = [
        Binding("ctrl+s", "confirm", "Confirm", id="transition.confirm"),
        Binding("escape", "cancel", "Cancel", id="transition.cancel"),
    ]

    def __init__(
        self,
        ticket_number: int,
        target: StatusView,
        *,
        context: ClosingContext,
        submit: Callable[[TransitionInput], None],
        add_time: Callable[[int, bool, str], ClosingContext] | None = None,
    ) -> None:
        super().__init__()
        self.ticket_number = ticket_number
        self.target = target
        self.context = context
        self.submit = submit
        self.add_time = add_time
        self.closing = target.category == StatusCategory.CLOSED
        # Closing a ticket nobody resolved asks for the resolution too.
        self.resolving = not self.closing or context.resolution_label is None

    # ------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        verb = "Sign off and close" if self.closing else f"Move to {self.target.name}"
        with VerticalScroll():
            yield Label(f"#{self.ticket_number} → {self.target.name}", classes="title")
            yield Label("ctrl+s confirms · tab next field · esc cancels", classes="hint")
            if self.resolving:
                yield from self._resolution_fields()
                yield from self._time_check()
            if self.closing:
                yield from self._sign_off()
            yield Label("", id="error", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(verb, id="ok", variant="primary")

    def _resolution_fields(self) -> ComposeResult:
        yield Label("Resolution", classes="section")
        with Horizontal(classes="row"):
            yield Label("Code *", classes="row-label")
            # A move within the resolved family starts from what the ticket has.
            codes = [(c.label, c.code) for c in self.context.codes]
            current = self.context.resolution_code
            yield Select(
                codes,
                prompt="Pick what resolved it",
                id="code",
                value=current if current in {code for _, code in codes} else Select.NULL,
            )
        with Horizontal(classes="row"):
            yield Label("Summary *", classes="row-label")
            yield Input(self.context.resolution_summary, id="summary",
                        placeholder="What fixed it, in a sentence")

    def _time_check(self) -> ComposeResult:
        yield Label("Time check", classes="section")
        yield Static(time_check_renderable(self.context), id="time-lines")
        if self.add_time is not None:
            with Horizontal(classes="row"):
                yield Label("Add time", classes="row-label")
                yield Input(id="minutes", placeholder="Minutes", type="integer")
                yield Input(id="time-note", placeholder="What was done")
                yield Checkbox("Billable", self.context.billable_default, id="billable")
                yield Button("Add", id="add")
            yield Label(self.context.billing_hint, classes="hint", markup=False,
                        id="billing-hint")
        yield Checkbox("Time is correct *", id="time-ok")

    def _sign_off(self) -> ComposeResult:
        yield Label("Sign-off", classes="section")
        if not self.resolving:
            resolution = self.context.resolution_label or ""
            if self.context.resolution_summary:
                resolution += f" — {self.context.resolution_summary}"
            yield Label(f"Resolution: {resolution}", markup=False)
        yield Label(f"Signed off by {self.context.signer}", id="signer", markup=False)
        with Horizontal(classes="row"):
            yield Label("Notes", classes="row-label")
            yield TextArea(id="notes", soft_wrap=True, tab_behavior="focus",
                           placeholder="What is left to do: parts ordered, licenses, changes")
        with Horizontal(classes="row"):
            yield Label("Follow-on", classes="row-label")
            with Vertical(id="follow-on"):
                for kind in FollowOn:
                    yield Checkbox(FOLLOW_ON_LABEL[kind], id=f"follow-{kind.value}",
                                   compact=True)

    def on_mount(self) -> None:
        first = "#code" if self.resolving else "#notes"
        self.query_one(first).focus()

    # ------------------------------------------------------------ actions

    def on_input_submitted(self, event: Input.Submitted) -> None:  # type: ignore[override]
        """Enter in the add-time row logs the time; anywhere else it confirms."""
        event.stop()
        event.prevent_default()  # not FormDialog's handler as well
        if event.input.id in ("minutes", "time-note"):
            self._add_time()
        else:
            self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        event.prevent_default()  # FormDialog's handler runs only through super()
        if event.button.id == "add":
            self._add_time()
        else:
            super().on_button_pressed(event)

    def action_confirm(self) -> None:
        self._submit()

    def _add_time(self) -> None:
        if self.add_time is None:
            return
        minutes_input = self.query_one("#minutes", Input)
        raw = minutes_input.value.strip()
        try:
            minutes = int(raw)
        except ValueError:
            say_problem(self, "Minutes must be a whole number, e.g. 45.")
            minutes_input.focus()
            return
        note = self.query_one("#time-note", Input)
        try:
            self.context = self.add_time(
                minutes, self.query_one("#billable", Checkbox).value, note.value
            )
        except ServiceError as exc:
            say_problem(self, str(exc))
            return
        self.query_one("#time-lines", Static).update(time_check_renderable(self.context))
        minutes_input.value = ""
        note.value = ""
        clear_problem(self)
        self.notify(f"#{self.ticket_number}: logged {format_minutes(minutes)}")
        self.query_one("#time-ok", Checkbox).focus()

    def _submit(self) -> None:
        problems: list[str] = []
        code: str | None = None
        summary = ""
        time_ok = False
        if self.resolving:
            value = self.query_one("#code", Select).value
            code = value if isinstance(value, str) else None
            summary = self.query_one("#summary", Input).value.strip()
            time_ok = self.query_one("#time-ok", Checkbox).value
            if code is None:
                problems.append("pick a resolution code")
            if not summary:
                problems.append("say what fixed it (resolution summary)")
            if not time_ok:
                problems.append("check the logged time and tick “Time is correct”")
        notes = ""
        follow_on: tuple[str, ...] = ()
        if self.closing:
            notes = self.query_one("#notes", TextArea).text.strip()
            follow_on = tuple(
                kind.value
                for kind in FollowOn
                if self.query_one(f"#follow-{kind.value}", Checkbox).value
            )
        if problems:
            say_problem(self, f"Not yet: {'; '.join(problems)}.")
            return
        answer = TransitionInput(
            reason=summary,
            closure=Closure(code=code, summary=summary, notes=notes, follow_on=follow_on,
                            time_checked=time_ok),
        )
        try:
            self.submit(answer)
        except ServiceError as exc:
            say_problem(self, str(exc))
            self.notify(str(exc), title="Status not changed", severity="error")
            return
        self.dismiss(answer)



def needs_input(target: StatusView) -> bool:
    """Moves that end the work ask first (resolution, time check, sign-off)."""
    return target.category in (StatusCategory.RESOLVED, StatusCategory.CLOSED)


def request_status_change(
    screen: Screen[object],
    desk: Desk,
    ticket_id: int,
    ticket_number: int,
    target: StatusView,
    on_done: Callable[[bool], None] | None = None,
) -> None:
    """Change a ticket's status, asking first when the move needs input."""

    def change(answer: TransitionInput) -> None:
        desk.change_status(ticket_id, target.key or "", reason=answer.reason,
                           closure=answer.closure)

    def done(answer: TransitionInput | None) -> None:
        if answer is None:
            if on_done:
                on_done(False)
            return
        screen.notify(f"#{ticket_number} is now {target.name}")
        offer_cascade(screen, desk, ticket_id, ticket_number, target, answer.reason,
                      on_done=on_done)

    if not needs_input(target):
        try:
            change(TransitionInput(""))
        except ServiceError as exc:
            screen.notify(str(exc), title="Status not changed", severity="error")
            if on_done:
                on_done(False)
            return
        done(TransitionInput(""))
        return

    def add_time(minutes: int, billable: bool, note: str) -> ClosingContext:
        ticket_view.log_time(desk, ticket_id, minutes=minutes, billable=billable, note=note)
        return ticket_view.closing_context(desk, ticket_id)

    try:
        context = ticket_view.closing_context(desk, ticket_id)
    except ServiceError as exc:
        screen.notify(str(exc), title="Status not changed", severity="error")
        if on_done:
            on_done(False)
        return
    screen.app.push_screen(
        TransitionDialog(
            ticket_number,
            target,
            context=context,
            submit=change,
            add_time=add_time if desk.me() is not None else None,
        ),
        callback=done,
    )


CASCADING = (StatusCategory.RESOLVED, StatusCategory.CLOSED)
_VERB = {StatusCategory.RESOLVED: "resolve", StatusCategory.CLOSED: "close"}


def offer_cascade(
    screen: Screen[object],
    desk: Desk,
    ticket_id: int,
    ticket_number: int,
    target: StatusView,
    reason: str,
    on_done: Callable[[bool], None] | None = None,
) -> None:
    """After a master moved to resolved or closed: "Also resolve the N open children?"

    Asked after the master's own move succeeded, so a refused move never asks; no is the
    default. `on_done(True)` follows the answer, so the caller reloads once, children
    included.
    """
    count = desk.open_children(ticket_id) if target.category in CASCADING else 0
    if not count:
        if on_done:
            on_done(True)
        return
    verb = _VERB[StatusCategory(target.category)]
    noun = "child" if count == 1 else "children"

    def answered(yes: bool | None) -> None:
        if yes:
            try:
                results = desk.cascade_status(ticket_id, target.key or "", reason)
            except ServiceError as exc:
                screen.notify(str(exc), title="Children not changed", severity="error")
            else:
                moved = [r.number for r in results if r.done]
                refused = [r for r in results if not r.done]
                if moved:
                    said = ", ".join(f"#{n}" for n in moved)
                    screen.notify(f"Also {target.name}: {said}")
                for r in refused:
                    screen.notify(r.error or "", title=f"#{r.number} not changed",
                                  severity="warning")
        if on_done:
            on_done(True)

    screen.app.push_screen(
        ConfirmDialog(
            f"Also {verb} the {count} open {noun} of #{ticket_number}?",
            f"Each moves to {target.name} with this reason and the master's resolution; "
            "resolved or closed children are left as they are.",
            yes=f"{verb.capitalize()} {noun}",
        ),
        callback=answered,
    )
