"""Filter the queue: status, priority, assignee, client, SLA badge and date ranges.

Every field combines with the others (AND); inside a field the choices are OR-ed.
Dates are typed as YYYY-MM-DD in the technician's zone and stored as UTC instants.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, SelectionList

from msp_tui.engine.badges import Badge
from msp_tui.services.desk import Desk
from msp_tui.services.local_zone import my_zone, zone_or_utc
from msp_tui.store.queue_queries import MINE, UNASSIGNED, QueueFilter

PRIORITIES = ("P1", "P2", "P3", "P4")


def _zone(desk: Desk) -> ZoneInfo:
    """The days typed here are days where I work (the dashboards' and billing's zone)."""
    return zone_or_utc(my_zone(desk))


def parse_day(text: str, zone: ZoneInfo) -> datetime | None:
    """'2026-11-24' -> that local midnight as an aware instant; '' -> None."""
    text = text.strip()
    if not text:
        return None
    day = date.fromisoformat(text)  # raises ValueError with a clear message
    return datetime(day.year, day.month, day.day, tzinfo=zone)


def describe_filter(f: QueueFilter, desk: Desk) -> str:
    """One line for the queue's summary bar."""
    parts: list[str] = []
    if f.search:
        parts.append(f'"{f.search}"')
    if f.status_ids:
        names = {s.id: s.name for s in desk.statuses()}
        parts.append("status " + "/".join(names.get(i, str(i)) for i in f.status_ids))
    if f.priorities:
        parts.append("/".join(f.priorities))
    if f.assignee == MINE:
        parts.append("mine")
    elif f.assignee == UNASSIGNED:
        parts.append("unassigned")
    elif isinstance(f.assignee, int):
        names = {t.id: t.name for t in desk.technicians()}
        parts.append(f"assignee {names.get(f.assignee, f.assignee)}")
    if f.client_ids:
        names = {c.id: c.name for c in desk.clients()}
        parts.append("client " + "/".join(names.get(i, str(i)) for i in f.client_ids))
    if f.badges:
        parts.append("/".join(f.badges))
    for label, low, high in (
        ("created", f.created_from, f.created_to),
        ("updated", f.updated_from, f.updated_to),
    ):
        if low or high:
            lo = low.date().isoformat() if low else "…"
            hi = (high - timedelta(days=1)).date().isoformat() if high else "…"
            parts.append(f"{label} {lo}–{hi}")
    return ", ".join(parts)


class FilterDialog(ModalScreen[QueueFilter | None]):
    DEFAULT_CSS = """
    FilterDialog { align: center middle; }
    FilterDialog > Vertical {
        width: 90%; max-width: 110; height: 90%; border: thick $accent; background: $surface;
        padding: 0 1;
    }
    FilterDialog #grid { height: auto; }
    FilterDialog .col { width: 1fr; height: auto; padding: 0 1 0 0; }
    FilterDialog SelectionList { height: auto; max-height: 12; }
    FilterDialog Input { width: 1fr; }
    FilterDialog #buttons { height: auto; align-horizontal: right; }
    FilterDialog #error { color: $error; height: auto; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="filter.cancel"),
        Binding("ctrl+s", "apply", "Apply", id="filter.apply"),
    ]

    def __init__(self, desk: Desk, current: QueueFilter) -> None:
        super().__init__()
        self.desk = desk
        self.current = current
        self.zone = _zone(desk)

    def compose(self) -> ComposeResult:
        f = self.current
        techs = self.desk.technicians()
        assignee_options = [("Anyone", "any"), ("Mine", MINE), ("Unassigned", UNASSIGNED)] + [
            (t.name, str(t.id)) for t in techs
        ]
        assignee_value = "any" if f.assignee is None else str(f.assignee)

        def day(value: datetime | None, end: bool = False) -> str:
            if value is None:
                return ""
            local = value.astimezone(self.zone)
            return (local - timedelta(days=1) if end else local).date().isoformat()

        with Vertical():
            yield Label("[b]Filter the queue[/b]  (ctrl+s apply · esc cancel)")
            with VerticalScroll():
                with Horizontal(id="grid"):
                    with Vertical(classes="col"):
                        yield Label("Status")
                        yield SelectionList[int](
                            *[(s.name, s.id, s.id in f.status_ids) for s in self.desk.statuses()],
                            id="statuses",
                        )
                        yield Label("Priority")
                        yield SelectionList[str](
                            *[(p, p, p in f.priorities) for p in PRIORITIES], id="priorities"
                        )
                    with Vertical(classes="col"):
                        yield Label("SLA badge")
                        yield SelectionList[str](
                            *[(b.value, b.value, b.value in f.badges) for b in Badge], id="badges"
                        )
                        yield Label("Assignee")
                        yield Select(assignee_options, value=assignee_value, allow_blank=False,
                                     id="assignee")
                    with Vertical(classes="col"):
                        yield Label("Client")
                        yield SelectionList[int](
                            *[(c.name, c.id, c.id in f.client_ids) for c in self.desk.clients()],
                            id="clients",
                        )
                yield Label(f"Created from / to (YYYY-MM-DD, {self.zone.key})")
                with Horizontal():
                    yield Input(day(f.created_from), placeholder="from", id="created_from")
                    yield Input(day(f.created_to, end=True), placeholder="to", id="created_to")
                yield Label("Updated from / to")
                with Horizontal():
                    yield Input(day(f.updated_from), placeholder="from", id="updated_from")
                    yield Input(day(f.updated_to, end=True), placeholder="to", id="updated_to")
                yield Label("", id="error")
            with Horizontal(id="buttons"):
                yield Button("Clear all", id="clear")
                yield Button("Cancel", id="cancel")
                yield Button("Apply", id="apply", variant="primary")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "apply":
            self.action_apply()
        elif event.button.id == "clear":
            self.dismiss(QueueFilter(include_closed=self.current.include_closed,
                                     search=self.current.search))
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_apply(self) -> None:
        try:
            result = self._read()
        except ValueError as exc:
            self.query_one("#error", Label).update(f"⚠ {exc}")
            return
        self.dismiss(result)

    def _read(self) -> QueueFilter:
        def chosen(widget_id: str) -> tuple[object, ...]:
            return tuple(self.query_one(f"#{widget_id}", SelectionList).selected)

        assignee_raw = self.query_one("#assignee", Select).value
        assignee: str | int | None
        if assignee_raw in (MINE, UNASSIGNED):
            assignee = str(assignee_raw)
        elif assignee_raw in ("any", Select.BLANK, None):
            assignee = None
        else:
            assignee = int(str(assignee_raw))
        dates: dict[str, datetime | None] = {}
        for name in ("created_from", "created_to", "updated_from", "updated_to"):
            text = self.query_one(f"#{name}", Input).value
            try:
                value = parse_day(text, self.zone)
            except ValueError:
                raise ValueError(f"{name.replace('_', ' ')}: {text!r} is not a date "
                                 "like 2026-11-24") from None
            if value is not None and name.endswith("_to"):
                value += timedelta(days=1)  # "to" includes that whole day
            dates[name] = value
        for field in ("created", "updated"):
            low, high = dates[f"{field}_from"], dates[f"{field}_to"]
            if low and high and high <= low:
                raise ValueError(f"{field}: the 'to' date is before the 'from' date")
        return replace(
            self.current,
            status_ids=chosen("statuses"),  # type: ignore[arg-type]
            priorities=chosen("priorities"),  # type: ignore[arg-type]
            badges=chosen("badges"),  # type: ignore[arg-type]
            client_ids=chosen("clients"),  # type: ignore[arg-type]
            assignee=assignee,
            **dates,
        )
