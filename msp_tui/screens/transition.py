"""The one path every status change takes (board, ticket detail, command palette).

A move that needs input opens `TransitionDialog` first; the answer then goes to the
same desk call. Resolving or closing a master with open children then asks whether they
follow (default no); resolved or closed children are never touched.
A later issue (resolution codes, time check) only extends the dialog's
fields here, and every caller gets it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Input, Label

from msp_tui.engine.vocabulary import StatusCategory
from msp_tui.screens.form_dialog import FormDialog
from msp_tui.screens.ticket_dialogs import ConfirmDialog
from msp_tui.services.desk import Desk
from msp_tui.services.tickets import ServiceError
from msp_tui.store.queries import StatusView


@dataclass(frozen=True)
class TransitionInput:
    reason: str


class TransitionDialog(FormDialog[TransitionInput]):
    """Asks what a status change needs (for now: a resolution summary or a reason)."""

    DEFAULT_CSS = """
    TransitionDialog { align: center middle; }
    TransitionDialog > Vertical {
        width: 64; height: auto; padding: 1 2; border: thick $accent; background: $surface;
    }
    TransitionDialog Horizontal { height: auto; align-horizontal: right; margin-top: 1; }
    TransitionDialog Button { margin-left: 1; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="transition.cancel")]

    def __init__(self, ticket_number: int, target: StatusView, *, required: bool) -> None:
        super().__init__()
        self.ticket_number = ticket_number
        self.target = target
        self.required = required

    def compose(self) -> ComposeResult:
        prompt = (
            "Resolution summary (what fixed it)"
            if self.target.category == StatusCategory.RESOLVED
            else "Reason (optional)"
        )
        with Vertical():
            yield Label(f"#{self.ticket_number} → [b]{self.target.name}[/b]")
            yield Label(prompt)
            yield Input(id="reason", placeholder=prompt)
            yield Label("", id="error")
            with Horizontal():
                yield Button("Cancel", id="cancel")
                yield Button(f"Move to {self.target.name}", id="ok", variant="primary")

    def _submit(self) -> None:
        reason = self.query_one("#reason", Input).value.strip()
        if self.required and not reason:
            self.query_one("#error", Label).update("[red]Please say what fixed it.[/red]")
            return
        self.dismiss(TransitionInput(reason))


def needs_input(target: StatusView) -> bool:
    """Moves that stop the resolution clock ask for a summary; the others go straight."""
    return target.category == StatusCategory.RESOLVED


def request_status_change(
    screen: Screen[object],
    desk: Desk,
    ticket_id: int,
    ticket_number: int,
    target: StatusView,
    on_done: Callable[[bool], None] | None = None,
) -> None:
    """Change a ticket's status, asking first when the move needs input."""

    def apply(answer: TransitionInput | None) -> None:
        if answer is None:
            if on_done:
                on_done(False)
            return
        try:
            desk.change_status(ticket_id, target.key or "", reason=answer.reason)
        except ServiceError as exc:
            screen.notify(str(exc), title="Status not changed", severity="error")
            if on_done:
                on_done(False)
            return
        screen.notify(f"#{ticket_number} is now {target.name}")
        offer_cascade(screen, desk, ticket_id, ticket_number, target, answer.reason,
                      on_done=on_done)

    if needs_input(target):
        screen.app.push_screen(
            TransitionDialog(ticket_number, target, required=True), callback=apply
        )
    else:
        apply(TransitionInput(""))


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
            f"Each moves to {target.name} with this reason; resolved or closed children "
            "are left as they are.",
            yes=f"{verb.capitalize()} {noun}",
        ),
        callback=answered,
    )
