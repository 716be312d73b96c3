"""The new-ticket form: a technician opens a ticket by hand (a call, a walk-in, a chat).

The screen dismisses with the new ticket's id, or None when cancelled. Pickers depend on
each other (contacts and assets on the client, sub-categories on the category). The
priority comes live from the impact x urgency matrix; an explicit priority, when chosen,
wins over the matrix. A validation error or a refused create keeps every field as typed.
Reads go through `services.pickers`; they are a few indexed rows, so they run inline
and the form is complete on its first paint. An optional parent number files the ticket under
a known master incident; it is checked on submit and created with the ticket in one go.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Button, Footer, Header, Input, Label, Select, Static, TextArea

from msp_tui.engine.links import LinkError, parse_ticket_number
from msp_tui.engine.vocabulary import Channel, Level, PriorityCode, TicketType
from msp_tui.services import pickers
from msp_tui.services.desk import Desk
from msp_tui.services.pickers import ClientOption, ContactOption
from msp_tui.services.tickets import ServiceError

T = TypeVar("T")

# A client-picker value no client id takes: "we do not know who this is yet".
UNKNOWN_CLIENT = -1

LEVELS: list[tuple[str, Level]] = [
    ("High", Level.HIGH),
    ("Medium", Level.MEDIUM),
    ("Low", Level.LOW),
]
# Phone first: a hand-made ticket is most often a call.
CHANNELS: list[tuple[str, Channel]] = [
    ("Phone", Channel.PHONE),
    ("Manual", Channel.MANUAL),
    ("Email", Channel.EMAIL),
    ("Chat", Channel.CHAT),
    ("Portal", Channel.PORTAL),
    ("SMS", Channel.SMS),
]
TYPES: list[tuple[str, TicketType]] = [
    ("Support", TicketType.SUPPORT),
    ("Implementation", TicketType.IMPLEMENTATION),
]

# What an untouched form holds; anything else is worth a "discard?" question.
DEFAULTS: dict[str, object] = {
    "impact": Level.MEDIUM,
    "urgency": Level.MEDIUM,
    "channel": Channel.PHONE,
    "type": TicketType.SUPPORT,
}


def client_label(client: ClientOption) -> Text:
    """E.g. "Contoso Legal · Platinum": the tier decides the SLA, so it shows while picking."""
    parts = [client.name, client.profile_name or "no SLA profile"]
    if client.vip:
        parts.append("★ VIP")
    return Text(" · ".join(parts))


def contact_label(contact: ContactOption) -> Text:
    """Terminated and not-authorized contacts stay pickable but say so in the list."""
    label = Text(contact.name)
    if contact.terminated:
        label.append(" · ⚠ terminated", style="bold")
    elif not contact.authorized:
        label.append(" · not authorized")
    return label


def _is_text(character: str | None) -> bool:
    return character is not None and character.isprintable()


class PickerSelect(Select[T]):
    """A Select that opens on the first typed letter and searches with it, so typing a
    name on a closed picker behaves like a combo box."""

    def check_consume_key(self, key: str, character: str | None = None) -> bool:
        return _is_text(character) and character != " "

    def on_key(self, event: events.Key) -> None:
        char = event.character
        if self.expanded or char is None or not event.is_printable or char == " ":
            return
        event.stop()
        event.prevent_default()
        self.action_show_overlay()
        overlay = self.query_one("SelectOverlay")  # Textual keeps the class private
        # After the overlay has taken focus (which resets its search), feed it the letter.
        self.call_after_refresh(overlay.post_message, events.Key(event.key, char))


class DiscardDialog(ModalScreen[bool]):
    """Asks before throwing away a form with something in it."""

    DEFAULT_CSS = """
    DiscardDialog { align: center middle; }
    DiscardDialog > Vertical {
        width: 56; height: auto; padding: 1 2; border: thick $warning; background: $surface;
    }
    DiscardDialog Horizontal { height: auto; align-horizontal: right; margin-top: 1; }
    DiscardDialog Button { margin-left: 1; }
    """
    BINDINGS = [
        Binding("escape", "keep", "Keep editing", id="new_ticket.keep_editing"),
        Binding("d", "discard", "Discard", id="new_ticket.discard"),
    ]

    def check_consume_key(self, key: str, character: str | None = None) -> bool:
        """App letter keys (`l` list, `n` new, …) must not act behind this question."""
        return _is_text(character)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("[b]Discard this new ticket?[/b]")
            yield Label("What you entered will be lost.")
            yield Label("[dim]esc keeps editing · d discards[/dim]")
            with Horizontal():
                yield Button("Keep editing", id="keep", variant="primary")
                yield Button("Discard", id="discard", variant="error")

    def on_mount(self) -> None:
        self.query_one("#keep", Button).focus()  # enter keeps: the safe default

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "discard")

    def action_keep(self) -> None:
        self.dismiss(False)

    def action_discard(self) -> None:
        self.dismiss(True)


@dataclass(frozen=True)
class FormValues:
    """What the form holds, read in one place for validation, create and dirty checks."""

    client: int | None  # UNKNOWN_CLIENT for an explicit unknown client
    contact: int | None
    asset: int | None
    caller_name: str
    caller_email: str
    category: int | None
    subcategory: int | None
    impact: str | None
    urgency: str | None
    priority: str | None  # an explicit choice; None: from the matrix
    channel: str | None
    type: str | None
    subject: str
    description: str
    parent: str = ""  # a master ticket's number as typed; empty: none


def _field(
    label: str, control: Widget, *, extra: Widget | None = None, hidden: bool = False
) -> Horizontal:
    """Label left of the control (three lines a field, so a 40-line terminal fits the
    form); under the control, hint and error lines that show only when set. The
    control's id names the field."""
    name = control.id
    field = Horizontal(
        Label(label, classes="field-label"),
        Vertical(
            control,
            *([extra] if extra else []),
            Static("", id=f"{name}-hint", classes="hint"),
            Static("", id=f"{name}-error", classes="error"),
            classes="field-body",
        ),
        id=f"{name}-field",
        classes="field",
    )
    field.display = not hidden
    return field


class NewTicketScreen(Screen[int | None]):
    BINDING_GROUP_TITLE = "New ticket"
    TITLE = "New ticket"
    AUTO_FOCUS = "#client"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS = [
        Binding("ctrl+s", "submit", "Create", tooltip="Create the ticket",
                id="new_ticket.submit"),
        Binding("escape", "cancel", "Cancel", tooltip="Discard the form (asks first if filled)",
                id="new_ticket.cancel"),
    ]
    DEFAULT_CSS = """
    NewTicketScreen #form { padding: 0 1; }
    NewTicketScreen #fields { grid-size: 1; grid-rows: auto; grid-gutter: 0 2; height: auto; }
    NewTicketScreen.-wide #fields { grid-size: 2; }
    NewTicketScreen .field { height: auto; }
    NewTicketScreen .field-label { width: 15; padding: 1 1 0 1; color: $text-muted; }
    NewTicketScreen .field-body { height: auto; width: 1fr; }
    NewTicketScreen .hint, NewTicketScreen .error { padding: 0 1; height: auto; display: none; }
    NewTicketScreen .hint { color: $text-muted; }
    NewTicketScreen .hint.-warning { color: $text-warning; }
    NewTicketScreen .error { color: $text-error; }
    NewTicketScreen .-shown { display: block; }
    NewTicketScreen #priority-line { padding: 0 1; text-style: bold; }
    NewTicketScreen #description { height: 8; }
    NewTicketScreen.-narrow #description { height: 6; }
    NewTicketScreen Input.-invalid, NewTicketScreen TextArea.-invalid,
    NewTicketScreen Select.-invalid > SelectCurrent { border: tall $error; }
    NewTicketScreen #summary { padding: 0 1; color: $text-error; height: auto; }
    NewTicketScreen #buttons { height: auto; align-horizontal: right; }
    NewTicketScreen #buttons Button { margin-left: 1; }
    """

    def __init__(self, desk: Desk) -> None:
        super().__init__()
        self.desk = desk
        self._contacts: dict[int, ContactOption] = {}
        self._clients: dict[int, ClientOption] = {}
        self._errors: dict[str, str] = {}

    def check_consume_key(self, key: str, character: str | None = None) -> bool:
        """Letters on this form are text, never app shortcuts: with a button or the
        background focused, `l` (list) or `n` (new) would otherwise drop or stack a
        half-filled form. Textual then leaves such app bindings out of the chain."""
        return _is_text(character)

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        choices = pickers.form_choices(self.desk)
        self._clients = {c.id: c for c in choices.clients}
        self._matrix = choices.matrix
        self._priority_labels = {p.code: p.label for p in choices.priorities}
        self._subcategories: dict[int, list[tuple[Text, int]]] = {}
        for cat in choices.categories:
            if cat.parent_id is not None:
                self._subcategories.setdefault(cat.parent_id, []).append((Text(cat.name), cat.id))
        client_options: list[tuple[Text, int]] = [
            (Text("? Unknown client — match it later"), UNKNOWN_CLIENT)
        ]
        client_options += [(client_label(c), c.id) for c in choices.clients]
        top_categories = [(Text(c.name), c.id) for c in choices.categories if c.parent_id is None]
        priorities = [(Text(f"{p.code} {p.label}"), p.code) for p in choices.priorities]

        yield Header()
        with VerticalScroll(id="form"):
            with Grid(id="fields"):
                yield _field("Client *", PickerSelect(
                    client_options, id="client", prompt="Choose a client (type to search)"
                ))
                yield _field("Contact", PickerSelect[int](
                    [], id="contact", prompt="Choose a client first", disabled=True
                ))
                yield _field("Caller name", Input(
                    id="caller_name", placeholder="Who is calling", max_length=200
                ), hidden=True)
                yield _field("Caller email", Input(
                    id="caller_email", placeholder="name@example.com", max_length=254
                ), hidden=True)
                yield _field("Asset", PickerSelect[int](
                    [], id="asset", prompt="Choose a client first", disabled=True
                ))
                yield _field("Channel", PickerSelect(
                    CHANNELS, id="channel", allow_blank=False, value=DEFAULTS["channel"]
                ))
                yield _field("Category", PickerSelect(
                    top_categories, id="category", prompt="No category"
                ))
                yield _field("Sub-category", PickerSelect[int](
                    [], id="subcategory", prompt="Choose a category first", disabled=True
                ))
                yield _field("Impact", PickerSelect(
                    LEVELS, id="impact", allow_blank=False, value=DEFAULTS["impact"]
                ))
                yield _field("Urgency", PickerSelect(
                    LEVELS, id="urgency", allow_blank=False, value=DEFAULTS["urgency"]
                ))
                yield _field("Priority", PickerSelect(
                    priorities, id="priority", prompt="From impact × urgency"
                ), extra=Static(id="priority-line"))
                yield _field("Type", PickerSelect(
                    TYPES, id="type", allow_blank=False, value=DEFAULTS["type"]
                ))
                yield _field("Parent", Input(
                    id="parent", placeholder="Master incident # (optional)", max_length=20
                ))
            yield _field("Subject *", Input(
                id="subject", placeholder="One line: what is wrong", max_length=500
            ))
            yield _field("Description *", TextArea(id="description"))
            yield Static("", id="summary")
            with Horizontal(id="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Create ticket", id="submit", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self._show_priority()

    # ------------------------------------------------------------------ reading the form

    def _select_value(self, widget_id: str) -> Any:
        value = self.query_one(f"#{widget_id}", Select).value
        return None if value is Select.NULL else value

    def values(self) -> FormValues:
        def text(widget_id: str) -> str:
            return self.query_one(f"#{widget_id}", Input).value

        return FormValues(
            client=self._select_value("client"),
            contact=self._select_value("contact"),
            asset=self._select_value("asset"),
            caller_name=text("caller_name"),
            caller_email=text("caller_email"),
            category=self._select_value("category"),
            subcategory=self._select_value("subcategory"),
            impact=self._select_value("impact"),
            urgency=self._select_value("urgency"),
            priority=self._select_value("priority"),
            channel=self._select_value("channel"),
            type=self._select_value("type"),
            subject=text("subject"),
            description=self.query_one("#description", TextArea).text,
            parent=text("parent"),
        )

    def is_dirty(self) -> bool:
        """Anything chosen or typed beyond the defaults."""
        for name, value in vars(self.values()).items():
            if value != DEFAULTS.get(name, "" if isinstance(value, str) else None):
                return True
        return False

    def priority(self, form: FormValues) -> tuple[PriorityCode | None, PriorityCode | None]:
        """(the priority the ticket gets, what the matrix says): an explicit choice wins."""
        matrix = (
            pickers.priority_for(self._matrix, form.impact, form.urgency)
            if form.impact and form.urgency
            else None
        )
        explicit = PriorityCode(form.priority) if form.priority else None
        return explicit or matrix, matrix

    # ------------------------------------------------------------------ hints and errors

    def _hint(self, name: str, text: str | Text, *, warning: bool = False) -> None:
        hint = self.query_one(f"#{name}-hint", Static)
        hint.update(text)
        hint.set_class(bool(text), "-shown")
        hint.set_class(warning, "-warning")

    def _show_errors(self, errors: dict[str, str]) -> None:
        self._errors = dict(errors)
        for field in self.query(".field"):
            name = (field.id or "").removesuffix("-field")
            message = errors.get(name, "")
            error = field.query_one(".error", Static)
            error.update(Text(message))
            error.set_class(bool(message), "-shown")
            self.query_one(f"#{name}").set_class(bool(message), "-invalid")
        self._show_summary()

    def _clear_error(self, name: str) -> None:
        if name in self._errors:
            del self._errors[name]
            self._show_errors(self._errors)

    def _show_summary(self, problem: str = "") -> None:
        if not problem and self._errors:
            names = [name.replace("_", " ").capitalize() for name in self._errors]
            problem = "check " + ", ".join(names) + "."
        summary = self.query_one("#summary", Static)
        summary.update(Text(f"Not created: {problem}") if problem else "")

    def _show_priority(self) -> None:
        form = self.values()
        final, matrix = self.priority(form)
        line = Text("Priority: ")
        if final is None:
            line.append("— no matrix cell for this impact × urgency: choose one")
        else:
            line.append(f"{final} {self._priority_labels.get(final, '')}".rstrip())
            if form.priority:
                says = f"{matrix} {self._priority_labels.get(matrix, '')}" if matrix else "none"
                line.append(f" (explicit; matrix: {says.rstrip()})", style="not bold")
            else:
                line.append(" (from impact × urgency)", style="not bold")
        self.query_one("#priority-line", Static).update(line)

    # ------------------------------------------------------------------ dependent pickers

    @on(Select.Changed, "#client")
    def _client_changed(self, event: Select.Changed) -> None:
        value = None if event.value is Select.NULL else event.value
        unknown = value == UNKNOWN_CLIENT
        known = value is not None and not unknown
        contacts = pickers.contacts(self.desk, value) if known else []
        assets = pickers.assets(self.desk, value) if known else []
        self._contacts = {c.id: c for c in contacts}

        contact = self.query_one("#contact", Select)
        contact.set_options([(contact_label(c), c.id) for c in contacts])
        contact.disabled = not contacts
        asset = self.query_one("#asset", Select)
        asset.set_options([(Text(f"{a.hostname} · {a.kind}"), a.id) for a in assets])
        asset.disabled = not assets
        if known:
            contact.prompt = "No contact" if contacts else "No contacts on file"
            asset.prompt = "No asset" if assets else "No assets on file"
        else:
            contact.prompt = asset.prompt = (
                "Unknown client: none to pick" if unknown else "Choose a client first"
            )
        for name in ("caller_name", "caller_email"):
            self.query_one(f"#{name}-field").display = unknown

        if unknown:
            self._hint(
                "client",
                "⚠ Created unmatched: no SLA clock runs until it is matched to a client.",
                warning=True,
            )
        else:
            client = self._clients.get(value) if known else None
            no_profile = client is not None and client.profile_name is None
            self._hint(
                "client", "No SLA profile: the ticket will show No SLA." if no_profile else "",
                warning=True,
            )
        self._clear_error("client")

    @on(Select.Changed, "#contact")
    def _contact_changed(self, event: Select.Changed) -> None:
        contact = self._contacts.get(event.value) if event.value is not Select.NULL else None
        if contact is None:
            self._hint("contact", "")
        elif contact.terminated:
            self._hint(
                "contact",
                Text(f"⚠ {contact.name} no longer works there: verify who is calling."),
                warning=True,
            )
        elif not contact.authorized:
            self._hint("contact", "Not authorized to approve work or changes.")
        else:
            self._hint("contact", Text(contact.email or ""))
        self._clear_error("contact")

    @on(Select.Changed, "#category")
    def _category_changed(self, event: Select.Changed) -> None:
        subs = [] if event.value is Select.NULL else self._subcategories.get(event.value, [])
        sub = self.query_one("#subcategory", Select)
        sub.set_options(subs)
        sub.disabled = not subs
        if event.value is Select.NULL:
            sub.prompt = "Choose a category first"
        else:
            sub.prompt = "No sub-category" if subs else "None in this category"

    @on(Select.Changed, "#impact, #urgency, #priority")
    def _priority_inputs_changed(self) -> None:
        self._show_priority()
        self._clear_error("priority")

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        self._clear_error(event.input.id or "")

    @on(TextArea.Changed)
    def _description_changed(self) -> None:
        self._clear_error("description")

    # ------------------------------------------------------------------ submit and cancel

    def validate(self, form: FormValues) -> dict[str, str]:
        """Field name -> what is wrong, in the order the fields appear."""
        errors: dict[str, str] = {}
        if form.client is None:
            errors["client"] = "Choose a client, or “Unknown client” to create it unmatched."
        if form.contact is not None and form.contact not in self._contacts:
            errors["contact"] = "Choose one of this client's contacts."
        email = form.caller_email.strip()
        if form.client == UNKNOWN_CLIENT and email and "@" not in email:
            errors["caller_email"] = "Not an email address."
        if self.priority(form)[0] is None:
            errors["priority"] = "The matrix has no priority for this impact × urgency."
        if not form.subject.strip():
            errors["subject"] = "A subject is required: one line saying what is wrong."
        if not form.description.strip():
            errors["description"] = "A description is required: what was reported."
        problem = self._parent_problem(form.parent)
        if problem:
            errors["parent"] = problem
        return errors

    def _parent_problem(self, typed: str) -> str:
        """Why the typed parent cannot take a new child ("" when it can, or is empty)."""
        try:
            number = parse_ticket_number(typed)
            if number is not None:
                self.desk.check_parent(number)
        except (LinkError, ServiceError) as exc:
            return str(exc)
        return ""

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "submit":
            self.action_submit()
        elif event.button.id == "cancel":
            self.action_cancel()

    def action_submit(self) -> None:
        form = self.values()
        errors = self.validate(form)
        self._show_errors(errors)
        if errors:
            first = next(iter(errors))
            self.query_one(f"#{first}").focus()
            return
        priority, _ = self.priority(form)
        assert priority is not None  # validate() refused a form without one
        unknown = form.client == UNKNOWN_CLIENT
        contact = None if unknown or form.contact is None else self._contacts[form.contact]
        if unknown:
            requester_name = form.caller_name.strip()
            requester_email = form.caller_email.strip() or None
        else:
            requester_name = contact.name if contact else ""
            requester_email = contact.email if contact else None
        try:
            # One short transaction: run inline, so a second ctrl+s cannot race it.
            ticket_id = self.desk.create_ticket(
                subject=form.subject.strip(),
                body=form.description,
                priority=priority,
                client_id=None if unknown else form.client,
                channel=Channel(form.channel),
                contact_id=contact.id if contact else None,
                asset_id=None if unknown else form.asset,
                category_id=form.subcategory or form.category,
                ticket_type=TicketType(form.type),
                requester_name=requester_name,
                requester_email=requester_email,
                parent_number=parse_ticket_number(form.parent),
            )
        except ServiceError as exc:
            self._show_summary(str(exc))
            self.notify(str(exc), title="Ticket not created", severity="error")
            return
        number = pickers.ticket_number(self.desk, ticket_id)
        self.notify(f"Created #{number}")
        self.dismiss(ticket_id)

    def action_cancel(self) -> None:
        if not self.is_dirty():
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(DiscardDialog(), answered)
