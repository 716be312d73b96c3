"""Filter the escalations log: level, client, technician (the ticket's assignee), unread.

The client and technician lists hold only those that occur in one's notifications, so
every choice can match something.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Label, Select

from msp_tui.services.notifications import FilterChoices, NotificationFilter
from msp_tui.store.notification_queries import UNASSIGNED

LEVELS = ("error", "warning", "info")
ANY = "any"


class EscalationFilterDialog(ModalScreen[NotificationFilter | None]):
    DEFAULT_CSS = """
    EscalationFilterDialog { align: center middle; }
    EscalationFilterDialog > Vertical {
        width: 70; height: auto; border: thick $accent; background: $surface; padding: 0 1;
    }
    EscalationFilterDialog Select { width: 1fr; }
    EscalationFilterDialog #buttons { height: auto; align-horizontal: right; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="escalation_filter.cancel"),
        Binding("ctrl+s", "apply", "Apply", id="escalation_filter.apply"),
    ]

    def __init__(self, current: NotificationFilter, choices: FilterChoices) -> None:
        super().__init__()
        self.current = current
        self.choices = choices

    def compose(self) -> ComposeResult:
        f = self.current

        def value(v: int | str | None) -> str:
            return ANY if v is None else str(v)

        with Vertical():
            yield Label("[b]Filter the escalations[/b]  (ctrl+s apply · esc cancel)")
            yield Label("Level")
            yield Select([("Any level", ANY)] + [(lv, lv) for lv in LEVELS],
                         value=value(f.level), allow_blank=False, id="level")
            yield Label("Client")
            yield Select([("Any client", ANY)] + [(n, str(i)) for i, n in self.choices.clients],
                         value=value(f.client_id), allow_blank=False, id="client")
            yield Label("Technician (the ticket's assignee)")
            yield Select(
                [("Anyone", ANY), ("Unassigned", str(UNASSIGNED))]
                + [(n, str(i)) for i, n in self.choices.assignees],
                value=value(f.assignee_id), allow_blank=False, id="assignee",
            )
            yield Checkbox("Unread only", f.unread_only, id="unread")
            with Horizontal(id="buttons"):
                yield Button("Clear all", id="clear")
                yield Button("Cancel", id="cancel")
                yield Button("Apply", id="apply", variant="primary")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "apply":
            self.action_apply()
        elif event.button.id == "clear":
            self.dismiss(NotificationFilter())
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_apply(self) -> None:
        def chosen(widget_id: str) -> str | None:
            raw = self.query_one(f"#{widget_id}", Select).value
            return None if raw in (ANY, Select.BLANK, None) else str(raw)

        client, assignee = chosen("client"), chosen("assignee")
        self.dismiss(NotificationFilter(
            level=chosen("level"),
            client_id=int(client) if client else None,
            assignee_id=int(assignee) if assignee else None,
            unread_only=self.query_one("#unread", Checkbox).value,
        ))
