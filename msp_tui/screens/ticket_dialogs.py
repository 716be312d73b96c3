"""The ticket detail's modal dialogs: write a message, log time, change priority, pick a
status or an assignee, link to a parent or children, mark a duplicate, confirm a cascade,
hand off to Tier 2.

Each writing dialog is given the desk call to make (`submit`) and makes it itself, so a
refused request (a `ServiceError`) is shown inside the dialog and everything typed stays
there to fix and send again; the dialog closes only when the desk accepted it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import (
    Button,
    Checkbox,
    Input,
    Label,
    OptionList,
    RadioButton,
    RadioSet,
    TextArea,
)
from textual.widgets.option_list import Option

from msp_tui.engine.handoff import HandoffError, HandoffSummary
from msp_tui.engine.links import LinkError, parse_ticket_number, parse_ticket_numbers
from msp_tui.engine.vocabulary import StatusCategory
from msp_tui.screens.dialogs import dialog_css, say_problem
from msp_tui.screens.form_dialog import FormDialog
from msp_tui.services.tickets import ServiceError
from msp_tui.store.queries import NamedOption, StatusView
from msp_tui.store.ticket_queries import PriorityView

_CATEGORY_HINT = {
    StatusCategory.PAUSED: "  · pauses the SLA",
    StatusCategory.RESOLVED: "  · stops the SLA; asks the resolution code and to confirm the time",
    StatusCategory.CLOSED: "  · closes the ticket; you sign it off",
}


_T = TypeVar("_T")


@dataclass(frozen=True)
class MessageOutcome:
    """What a message dialog ended with: sent, or cancelled with a draft to keep."""

    sent: bool
    draft: str = ""
    children: int = 0  # open children the reply also went to


class MessageDialog(ModalScreen[MessageOutcome]):
    """A public reply (stops the response clock, meets the update clock) or an internal note."""

    DEFAULT_CSS = dialog_css(
        "MessageDialog",
        """
        MessageDialog TextArea { height: 10; margin-top: 1; }
        MessageDialog.-internal > Vertical { border: thick $warning; }
        """,
    )
    BINDINGS = [
        Binding("ctrl+s", "send", "Send", id="ticket.message.send"),
        Binding("escape", "cancel", "Cancel", id="ticket.message.cancel"),
    ]

    def __init__(
        self,
        ticket_number: int,
        *,
        internal: bool,
        submit: Callable[[str], None],
        recipient: str | None = None,
        draft: str = "",
        open_children: int = 0,
        submit_with_children: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(classes="-internal" if internal else "")
        self.ticket_number = ticket_number
        self.internal = internal
        self.submit = submit
        self.recipient = recipient
        self.draft = draft
        # A reply on a master may go to its open children too (one transaction, off by
        # default: the children's contacts may need different words).
        self.open_children = open_children if submit_with_children is not None else 0
        self.submit_with_children = submit_with_children

    def compose(self) -> ComposeResult:
        if self.internal:
            title = f"#{self.ticket_number} · Internal note"
            hint = "Only technicians see it; no SLA effect."
            send = "Add note"
        else:
            to = f" to {self.recipient}" if self.recipient else ""
            title = f"#{self.ticket_number} · Public reply{to}"
            hint = "Sent to the customer; stops the response clock."
            send = "Send reply"
        with Vertical():
            yield Label(title, classes="title", markup=False)
            yield Label(
                f"{hint}  ctrl+s sends · esc cancels (the draft is kept)",
                classes="hint",
                markup=False,
            )
            yield TextArea(self.draft, id="body", soft_wrap=True, tab_behavior="focus")
            if self.open_children:
                n = self.open_children
                yield Checkbox(
                    f"Also send to the {n} open child ticket{'s' if n != 1 else ''}"
                    " (each contact gets their own mail)",
                    False,
                    id="children",
                )
            yield Label("", id="error", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(send, id="send", variant="warning" if self.internal else "primary")

    def on_mount(self) -> None:
        area = self.query_one("#body", TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    @property
    def text(self) -> str:
        return self.query_one("#body", TextArea).text

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "send":
            self.action_send()
        else:
            self.action_cancel()

    def action_send(self) -> None:
        body = self.text
        if not body.strip():
            say_problem(self, "Write something first.")
            return
        cascade = self.with_children
        try:
            if cascade and self.submit_with_children is not None:
                self.submit_with_children(body)
            else:
                self.submit(body)
        except ServiceError as exc:
            _show_error(self, str(exc))
            return
        self.dismiss(MessageOutcome(sent=True, children=self.open_children if cascade else 0))

    @property
    def with_children(self) -> bool:
        boxes = self.query("#children")
        return bool(boxes) and boxes.first(Checkbox).value

    def action_cancel(self) -> None:
        self.dismiss(MessageOutcome(sent=False, draft=self.text))


@dataclass(frozen=True)
class TimeInput:
    minutes: int
    billable: bool
    note: str


class TimeDialog(FormDialog[TimeInput]):
    """Log time on the ticket; billable by default unless the client's contract is fixed."""

    DEFAULT_CSS = dialog_css(
        "TimeDialog",
        """
        TimeDialog Input, TimeDialog Checkbox { margin-top: 1; }
        """,
    )
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="ticket.time.cancel")]

    def __init__(
        self,
        ticket_number: int,
        *,
        billable: bool,
        billing_hint: str,
        submit: Callable[[TimeInput], None],
    ) -> None:
        super().__init__()
        self.ticket_number = ticket_number
        self.billable = billable
        self.billing_hint = billing_hint
        self.submit = submit

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"#{self.ticket_number} · Log time", classes="title")
            yield Label(self.billing_hint, classes="hint", markup=False)
            yield Input(id="minutes", placeholder="Minutes worked, e.g. 45", type="integer")
            yield Checkbox("Billable", self.billable, id="billable")
            yield Input(id="note", placeholder="What was done (optional)")
            yield Label("", id="error", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Log time", id="ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#minutes", Input).focus()

    def _submit(self) -> None:
        raw = self.query_one("#minutes", Input).value.strip()
        try:
            minutes = int(raw)
        except ValueError:
            say_problem(self, "Minutes must be a whole number, e.g. 45.")
            return
        answer = TimeInput(
            minutes=minutes,
            billable=self.query_one("#billable", Checkbox).value,
            note=self.query_one("#note", Input).value,
        )
        try:
            self.submit(answer)
        except ServiceError as exc:
            _show_error(self, str(exc))
            return
        self.dismiss(answer)


@dataclass(frozen=True)
class PriorityInput:
    priority: str
    reason: str


class PriorityDialog(FormDialog[PriorityInput]):
    """Change priority: SLA targets move with it, so the desk requires a reason."""

    DEFAULT_CSS = dialog_css(
        "PriorityDialog",
        """
        PriorityDialog RadioSet { width: 100%; margin-top: 1; }
        PriorityDialog Input { margin-top: 1; }
        """,
    )
    BINDINGS = [
        Binding("1", "choose(0)", "P1", show=False, id="ticket.priority.p1"),
        Binding("2", "choose(1)", "P2", show=False, id="ticket.priority.p2"),
        Binding("3", "choose(2)", "P3", show=False, id="ticket.priority.p3"),
        Binding("4", "choose(3)", "P4", show=False, id="ticket.priority.p4"),
        Binding("escape", "cancel", "Cancel", id="ticket.priority.cancel"),
    ]

    def __init__(
        self,
        ticket_number: int,
        *,
        current: str,
        options: Sequence[PriorityView],
        submit: Callable[[PriorityInput], None],
    ) -> None:
        super().__init__()
        self.ticket_number = ticket_number
        self.current = current
        self.options = list(options)
        self.submit = submit

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"#{self.ticket_number} · Change priority", classes="title")
            yield Label("1–4 choose · the SLA keeps the business time already used", classes="hint")
            with RadioSet(id="priority"):
                for option in self.options:
                    now = "  (current)" if option.code == self.current else ""
                    yield RadioButton(
                        f"{option.title}{now}", value=option.code == self.current, name=option.code
                    )
            yield Input(id="reason", placeholder="Reason (required), e.g. whole office down")
            yield Label("", id="error", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Change priority", id="ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#priority", RadioSet).focus()

    def action_choose(self, index: int) -> None:
        buttons = list(self.query(RadioButton))
        if 0 <= index < len(buttons):
            buttons[index].value = True

    @property
    def chosen(self) -> str | None:
        pressed = self.query_one("#priority", RadioSet).pressed_button
        return pressed.name if pressed is not None else None

    def _submit(self) -> None:
        chosen = self.chosen
        if chosen is None or chosen == self.current:
            say_problem(self, f"#{self.ticket_number} is already {self.current}: "
                              "choose another priority.")
            return
        answer = PriorityInput(chosen, self.query_one("#reason", Input).value)
        try:
            self.submit(answer)
        except ServiceError as exc:
            _show_error(self, str(exc))
            self.query_one("#reason", Input).focus()
            return
        self.dismiss(answer)


class FilterPicker(ModalScreen[_T | None]):
    """Pick one of a short list; typing filters it, enter takes the highlighted one.

    Subclasses say how an item reads (`label`) and what typing matches (`search_text`).
    """

    DEFAULT_CSS = dialog_css(
        "FilterPicker",
        """
        FilterPicker OptionList { height: auto; max-height: 14; margin-top: 1; }
        FilterPicker Input { margin-top: 1; }
        """,
    )
    LIST_ID = "choices"
    EMPTY_TEXT = "Nothing matches."

    def __init__(self, heading: str, items: Sequence[_T]) -> None:
        super().__init__()
        self.heading = heading
        self.items = list(items)
        self.shown: list[_T] = list(self.items)

    def label(self, item: _T) -> str:
        raise NotImplementedError

    def search_text(self, item: _T) -> str:
        return self.label(item)

    def option_id(self, item: _T) -> str | None:
        return None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.heading, classes="title", markup=False)
            yield Input(id="filter", placeholder="Type to filter, enter to choose")
            yield OptionList(id=self.LIST_ID)
            yield Label("", id="empty", classes="hint")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one("#filter", Input).focus()

    @property
    def _options(self) -> OptionList:
        return self.query_one(f"#{self.LIST_ID}", OptionList)

    def _fill(self, text: str) -> None:
        needle = text.strip().lower()
        self.shown = [i for i in self.items if needle in self.search_text(i).lower()]
        options = self._options
        options.clear_options()
        options.add_options(Option(self.label(i), id=self.option_id(i)) for i in self.shown)
        if self.shown:
            options.highlighted = 0
        empty = self.query_one("#empty", Label)
        empty.update(self.EMPTY_TEXT)
        empty.display = not self.shown

    @on(Input.Changed, "#filter")
    def _filter(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#filter")
    def _take_highlighted(self) -> None:
        index = self._options.highlighted
        if index is not None and 0 <= index < len(self.shown):
            self.dismiss(self.shown[index])

    @on(OptionList.OptionSelected)
    def _take_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.shown[event.option_index])

    def action_move(self, step: int) -> None:
        options = self._options
        if options.has_focus:
            (options.action_cursor_down if step > 0 else options.action_cursor_up)()
            return
        if self.shown:
            current = options.highlighted or 0
            options.highlighted = max(0, min(len(self.shown) - 1, current + step))

    def action_cancel(self) -> None:
        self.dismiss(None)


class StatusPicker(FilterPicker[StatusView]):
    """Pick the next status; typing filters the list, enter takes the highlighted one."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="ticket.status.cancel"),
        Binding("down", "move(1)", "Next", show=False, id="ticket.status.next"),
        Binding("up", "move(-1)", "Previous", show=False, id="ticket.status.previous"),
    ]
    LIST_ID = "statuses"
    EMPTY_TEXT = "No other status matches."

    def __init__(
        self, ticket_number: int, *, current_id: int, statuses: Sequence[StatusView]
    ) -> None:
        choices = [s for s in statuses if s.id != current_id and s.key]
        super().__init__(f"#{ticket_number} · Change status", choices)
        self.ticket_number = ticket_number
        self.current_id = current_id
        self.statuses = choices

    def label(self, item: StatusView) -> str:
        return f"{item.name}{_CATEGORY_HINT.get(item.category, '')}"

    def search_text(self, item: StatusView) -> str:
        return item.name

    def option_id(self, item: StatusView) -> str | None:
        return str(item.id)


@dataclass(frozen=True)
class AssigneeChoice:
    """Who to give the ticket to; `technician_id` None leaves it unassigned."""

    technician_id: int | None
    name: str


UNASSIGNED = AssigneeChoice(None, "Unassigned")


class AssigneePicker(FilterPicker[AssigneeChoice]):
    """Give the ticket to an active technician, or back to nobody; typing filters."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="ticket.assign.cancel"),
        Binding("down", "move(1)", "Next", show=False, id="ticket.assign.next"),
        Binding("up", "move(-1)", "Previous", show=False, id="ticket.assign.previous"),
    ]
    LIST_ID = "technicians"
    EMPTY_TEXT = "No other technician matches."

    def __init__(
        self,
        ticket_number: int,
        *,
        current_id: int | None,
        current: str | None,
        technicians: Sequence[NamedOption],
        me_id: int | None = None,
    ) -> None:
        # The current assignee is left out: choosing them would change nothing.
        choices = [AssigneeChoice(t.id, t.name) for t in technicians if t.id != current_id]
        if current_id is not None:
            choices.insert(0, UNASSIGNED)
        now = current if current_id is not None and current else "unassigned"
        super().__init__(f"#{ticket_number} · Assign (now {now})", choices)
        self.ticket_number = ticket_number
        self.current_id = current_id
        self.me_id = me_id

    def label(self, item: AssigneeChoice) -> str:
        if item.technician_id is None:
            return "— Unassigned"
        return f"{item.name}  (me)" if item.technician_id == self.me_id else item.name

    def search_text(self, item: AssigneeChoice) -> str:
        return item.name

    def option_id(self, item: AssigneeChoice) -> str | None:
        return "unassigned" if item.technician_id is None else str(item.technician_id)


@dataclass(frozen=True)
class TicketNumberInput:
    """A ticket number typed into a link dialog; None clears the link."""

    number: int | None


class TicketNumberDialog(FormDialog[TicketNumberInput]):
    """Set one ticket-number link (parent, duplicate-of) or clear it with empty input.

    Subclasses only name the link; parsing, "nothing to change" and keeping the typed
    number on a refusal are the same for every such link."""

    HEADING = ""  # "Link to a parent"
    NONE_TEXT = ""  # what the ticket is when not linked
    NOW_TEXT = ""  # "Now under" + " #1234 subject."
    HINT = ""
    INPUT_ID = ""
    PLACEHOLDER = ""
    OK_LABEL = "Save"
    SAME_TEXT = ("", "")  # (linked to #n already, not linked): "…: nothing to change."

    def __init__(
        self,
        ticket_number: int,
        *,
        current: int | None,
        current_subject: str = "",
        submit: Callable[[int | None], None],
    ) -> None:
        super().__init__()
        self.ticket_number = ticket_number
        self.current = current
        self.current_subject = current_subject
        self.submit = submit

    def compose(self) -> ComposeResult:
        if self.current is None:
            now = self.NONE_TEXT
        else:
            now = f"{self.NOW_TEXT} #{self.current} {self.current_subject}".rstrip() + "."
        with Vertical():
            yield Label(f"#{self.ticket_number} · {self.HEADING}", classes="title")
            yield Label(now, classes="hint", markup=False)
            yield Label(self.HINT, classes="hint")
            yield Input(id=self.INPUT_ID, placeholder=self.PLACEHOLDER)
            yield Label("", id="error", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button(self.OK_LABEL, id="ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one(f"#{self.INPUT_ID}", Input).focus()

    def _submit(self) -> None:
        try:
            number = parse_ticket_number(self.query_one(f"#{self.INPUT_ID}", Input).value)
        except LinkError as exc:
            say_problem(self, str(exc))
            return
        if number == self.current:
            said = self.SAME_TEXT[0].format(number=number) if number else self.SAME_TEXT[1]
            say_problem(self, f"#{self.ticket_number} is {said}: nothing to change.")
            return
        try:
            self.submit(number)
        except ServiceError as exc:
            _show_error(self, str(exc))
            return
        self.dismiss(TicketNumberInput(number))


class ParentDialog(TicketNumberDialog):
    """File the ticket under a master ticket by number, or unlink it (empty input)."""

    DEFAULT_CSS = dialog_css("ParentDialog", "ParentDialog Input { margin-top: 1; }")
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="ticket.link_parent.cancel")]
    HEADING = "Link to a parent"
    NONE_TEXT = "Not filed under a master ticket."
    NOW_TEXT = "Now under"
    HINT = "The master ticket's number (1234 or #1234); empty unlinks."
    INPUT_ID = "parent"
    PLACEHOLDER = "Parent ticket number, e.g. 1234"
    OK_LABEL = "Save link"
    SAME_TEXT = ("already under #{number}", "not filed under a master")


@dataclass(frozen=True)
class ChildrenInput:
    """Numbers to file under the master, and numbers to take out."""

    add: tuple[int, ...]
    remove: tuple[int, ...]


class ChildrenDialog(FormDialog[ChildrenInput]):
    """Make the ticket a master: file other tickets under it by number, or take them out
    ("-1303"). The desk takes the whole list or none of it, so a refusal names the ticket
    at fault and the list stays as typed."""

    DEFAULT_CSS = dialog_css(
        "ChildrenDialog",
        """
        ChildrenDialog Input { margin-top: 1; }
        """,
    )
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="ticket.link_children.cancel")]

    def __init__(
        self,
        ticket_number: int,
        *,
        children: Sequence[int],
        submit: Callable[[ChildrenInput], None],
    ) -> None:
        super().__init__()
        self.ticket_number = ticket_number
        self.current_children = list(children)
        self.submit = submit

    def compose(self) -> ComposeResult:
        if self.current_children:
            now = "Children now: " + ", ".join(f"#{n}" for n in self.current_children) + "."
        else:
            now = "No children yet: linking some makes this ticket a master."
        with Vertical():
            yield Label(f"#{self.ticket_number} · Link children", classes="title")
            yield Label(now, classes="hint", markup=False)
            yield Label(
                "Ticket numbers to file under it (1301, #1302); -1303 takes one out.",
                classes="hint",
            )
            yield Input(id="children", placeholder="Child ticket numbers, e.g. 1301, 1302")
            yield Label("", id="error", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Save children", id="ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#children", Input).focus()

    def _submit(self) -> None:
        try:
            add, remove = parse_ticket_numbers(self.query_one("#children", Input).value)
        except LinkError as exc:
            say_problem(self, str(exc))
            return
        add = [n for n in add if n not in self.current_children]
        if not add and not remove:
            say_problem(self, "Type the numbers of tickets to link (or -number to take one out).")
            return
        answer = ChildrenInput(tuple(add), tuple(remove))
        try:
            self.submit(answer)
        except ServiceError as exc:
            _show_error(self, str(exc))
            return
        self.dismiss(answer)


class DuplicateDialog(TicketNumberDialog):
    """Mark the ticket a duplicate of an original by number, or unmark it (empty input).
    Marking does not close it: the technician decides, maybe after replying."""

    DEFAULT_CSS = dialog_css("DuplicateDialog", "DuplicateDialog Input { margin-top: 1; }")
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="ticket.duplicate.cancel")]
    HEADING = "Duplicate of"
    NONE_TEXT = "Not marked as a duplicate."
    NOW_TEXT = "Now a duplicate of"
    HINT = ("The original ticket's number (1234 or #1234); empty unmarks. "
            "The ticket stays open until you close it.")
    INPUT_ID = "original"
    PLACEHOLDER = "Original ticket number, e.g. 1234"
    SAME_TEXT = ("already a duplicate of #{number}", "not a duplicate")


class HandoffDialog(FormDialog[HandoffSummary]):
    """Tier 1 → Tier 2: the four things Tier 2 needs so they do not start over.

    Only the symptom is required; the desk decides the group, the assignee and whether
    on-call is paged, and a refusal leaves every field as typed."""

    DEFAULT_CSS = dialog_css(
        "HandoffDialog",
        """
        HandoffDialog > Vertical { width: 80; overflow-y: auto; }
        HandoffDialog Input { margin-top: 1; }
        HandoffDialog TextArea { height: 5; }
        """,
    )
    BINDINGS = [
        Binding("ctrl+s", "submit", "Hand off", id="ticket.handoff.submit"),
        Binding("escape", "cancel", "Cancel", id="ticket.handoff.cancel"),
    ]
    AREAS = (
        ("reproduction", "Reproduction steps"),
        ("diagnostics", "Diagnostics run"),
        ("ruled_out", "Ruled out"),
    )

    def __init__(
        self,
        ticket_number: int,
        *,
        page_hint: str,
        submit: Callable[[HandoffSummary], None],
    ) -> None:
        super().__init__()
        self.ticket_number = ticket_number
        self.page_hint = page_hint
        self.submit = submit

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"#{self.ticket_number} · Hand off to Tier 2", classes="title")
            yield Label(
                "Saved as an internal note; the ticket goes to Tier 2's least-loaded member. "
                f"{self.page_hint}",
                classes="hint",
                markup=False,
            )
            yield Label("ctrl+s hands off · tab next field · esc cancels", classes="hint")
            symptom = Input(id="symptom", placeholder="e.g. Outlook crashes on start")
            symptom.border_title = "Symptom (required)"
            yield symptom
            for field, title in self.AREAS:
                area = TextArea(id=field, soft_wrap=True, tab_behavior="focus")
                area.border_title = title
                yield area
            yield Label("", id="error", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Hand off", id="ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#symptom", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the symptom moves on to the steps: a hand-off is rarely one line."""
        event.prevent_default()  # not FormDialog's submit-on-enter
        self.query_one("#reproduction", TextArea).focus()

    def action_submit(self) -> None:
        self._submit()

    def _submit(self) -> None:
        texts = {field: self.query_one(f"#{field}", TextArea).text for field, _ in self.AREAS}
        try:
            summary = HandoffSummary.of(self.query_one("#symptom", Input).value, **texts)
        except HandoffError as exc:
            say_problem(self, str(exc).capitalize() + ".")
            self.query_one("#symptom", Input).focus()
            return
        try:
            self.submit(summary)
        except ServiceError as exc:
            _show_error(self, str(exc))
            return
        self.dismiss(summary)


def _show_error(dialog: ModalScreen[object], text: str) -> None:
    """Say why the desk refused, in the dialog and as a toast; the input stays as typed."""
    say_problem(dialog, text)
    dialog.notify(text, title="Not saved", severity="error")
