"""One ticket: who and what it is, its SLA clocks and their history, the thread, the time.

The screen holds a frozen `TicketDetail` (never a session): a thread worker reads it
through `services.ticket_view` after every action and whenever the change sequence
moves, and a one-second timer repaints only the countdowns from the stored instants.
Every write goes through the desk (status changes through `request_status_change`),
one transaction each, from a dialog that keeps what was typed if the desk refuses.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.events import Resize
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, Static
from textual.worker import get_current_worker

from msp_tui.engine.badges import Badge, badge_for
from msp_tui.engine.handoff import HandoffSummary
from msp_tui.engine.vocabulary import (
    ClockKind,
    ClockState,
    Direction,
    OutboxState,
    PriorityCode,
    WellKnownStatus,
)
from msp_tui.screens.queue import format_age
from msp_tui.screens.ticket_dialogs import (
    AssigneeChoice,
    AssigneePicker,
    ChildrenDialog,
    ChildrenInput,
    DuplicateDialog,
    HandoffDialog,
    MessageDialog,
    MessageOutcome,
    ParentDialog,
    PriorityDialog,
    PriorityInput,
    StatusPicker,
    TicketNumberInput,
    TimeDialog,
    TimeInput,
)
from msp_tui.screens.transition import request_status_change
from msp_tui.services import handoff, ticket_view
from msp_tui.services.desk import Desk
from msp_tui.services.handoff import ContactView
from msp_tui.services.local_zone import zone_or_utc
from msp_tui.services.ticket_view import (
    delivery_text,
    format_duration,
    format_instant,
    format_minutes,
    zone_abbreviation,
)
from msp_tui.services.tickets import ServiceError
from msp_tui.store.queries import NamedOption, StatusView
from msp_tui.store.ticket_queries import (
    ClockView,
    LinkedTicketView,
    MessageView,
    PriorityView,
    TicketDetail,
)
from msp_tui.widgets.sla_badge import badge_text, countdown_text

# Below this many columns the panes stack and the whole body scrolls as one.
NARROW_WIDTH = 120

# The links line names at most this many children (a master of more says "+N more") and
# cuts the master's subject to this width, so the children still fit on the line.
MAX_CHILDREN_SHOWN = 8
PARENT_SUBJECT_WIDTH = 40

# Label and border per thread entry: told apart by words and border style, not only colour.
MESSAGE_LABEL = {
    Direction.CUSTOMER: "◀ Customer",
    Direction.PUBLIC: "▶ Public reply",
    Direction.INTERNAL: "✎ Internal note (not sent)",
}


def _short(at: datetime | None, zone: str) -> str:
    return format_instant(at, zone, with_zone=False)


def _compact(at: datetime | None, zone: str) -> str:
    """For the KPI log, where width is scarce: "24 Nov 14:00"."""
    return at.astimezone(zone_or_utc(zone)).strftime("%d %b %H:%M") if at else "—"


def _compact_duration(seconds: int) -> str:
    """Business time in a narrow column: "7h19m", "45m"."""
    hours, minutes = divmod(max(0, seconds) // 60, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m"


# ---------------------------------------------------------------- renderers (pure)


def header_renderable(d: TicketDetail, now: datetime, *, width: int) -> RenderableType:
    """Title line, then label/value pairs in a grid of 2, 3 or 4 pairs a row by width."""
    narrow = width < NARROW_WIDTH
    opened, updated = format_age(d.created_at, now), format_age(d.updated_at, now)
    meta = (
        f"opened {opened} · updated {updated} ago"
        if narrow
        else f"{d.type} · {d.channel} · opened {opened} ago · updated {updated} ago"
    )
    # Separators stay unstyled: styled runs that start with a space render badly in SVG.
    title = Text.assemble((f"#{d.number} {d.subject}", "bold"), "   ", (meta, "dim"))
    if d.client is None:
        client = Text("⚠ Unmatched client", style="bold yellow")
    else:
        client = Text.assemble(d.client, " · ", (d.client_profile or "No SLA profile", "bold"))
        if d.client_vip:
            client.append_text(Text.assemble(" · ", ("VIP", "bold")))
        if d.unmatched_client:
            client.append_text(Text.assemble(" ", ("⚠ Unmatched client", "bold yellow")))
    contact = Text(d.contact or d.requester_email or "—")
    if d.contact_terminated:
        contact.append_text(Text.assemble(" ", ("⚠ terminated", "bold red")))
    elif d.contact_authorized is False:
        contact.append_text(Text.assemble(" ", ("⚠ not authorized", "bold yellow")))
    # Narrow: the sub-category alone says most; the full path would crowd out the SLA tier.
    path = (d.sub_category or d.category,) if narrow else (d.category, d.sub_category)
    category = " › ".join(c for c in path if c) or "—"
    assignee = d.assignee or "— unassigned"
    if d.secondary:
        assignee += f" (+ {d.secondary})"
    pairs: list[tuple[str, Text | str]] = [
        ("Client", client),
        ("Contact", contact),
        ("Asset", d.asset or "—"),
        ("Category", category),
        ("Priority", priority_text(d)),
        ("Status", d.status),
        ("Assignee", assignee),
        ("Group", d.group or "—"),
    ]
    per_row = 2 if narrow else 3 if width < 150 else 4
    grid = Table.grid(padding=(0, 1))
    for i in range(per_row):
        if i:
            grid.add_column(width=1)  # a gutter between pairs
        grid.add_column(style="dim", no_wrap=True, min_width=8)
        grid.add_column(no_wrap=True, overflow="ellipsis")
    for start in range(0, len(pairs), per_row):
        cells: list[Text | str] = []
        for i, (label, value) in enumerate(pairs[start : start + per_row]):
            cells.extend(("", label, value) if i else (label, value))
        grid.add_row(*cells)
    lines: list[RenderableType] = [title, grid]
    lines += [line for line in (suggestion_text(d), links_text(d)) if line is not None]
    return Group(*lines)


def priority_text(d: TicketDetail) -> Text:
    """The priority, and beside it the policy's suggestion while one waits for an answer."""
    text = Text(f"{d.priority} {d.priority_label}")
    if d.suggested_priority:
        text.append_text(Text.assemble(" · ", (f"suggested {d.suggested_priority}", "bold yellow")))
    return text


def suggestion_text(d: TicketDetail) -> Text | None:
    """"Suggested P1 — 'outage' in subject   P accept · D keep P3"; None without one.

    Keywords only suggest: the priority changes when a technician accepts (P).
    """
    if not d.suggested_priority:
        return None
    why = f" — {d.suggestion_reason}" if d.suggestion_reason else ""
    line = Text.assemble(
        (f"Suggested {d.suggested_priority}{why}", "bold yellow"),
        "   ",
        (f"P accept · D keep {d.priority}", "dim"),
    )
    line.no_wrap, line.overflow = True, "ellipsis"
    return line


def _subject(linked: LinkedTicketView, width: int = PARENT_SUBJECT_WIDTH) -> str:
    subject = linked.subject
    return subject if len(subject) <= width else subject[: width - 1].rstrip() + "…"


def links_text(d: TicketDetail) -> Text | None:
    """The master this ticket is filed under and its own children; None when it has neither.

    Labels are padded to the grid's label column so the line reads as one more row. Spaces
    end runs, never start them: styled runs that start with a space render badly in SVG.
    """
    if d.parent is None and not d.children:
        return None
    runs: list[tuple[str, str]] = []
    if d.parent is not None:
        p = d.parent
        runs.append(("Parent".ljust(9), "dim"))
        if p.open:
            runs.append((f"#{p.number} {_subject(p)}", ""))
        else:
            runs += [(f"#{p.number} {_subject(p)} ", ""), (f"({p.status})", "dim")]
    if d.children:
        if runs:
            runs[-1] = (runs[-1][0] + "   ", runs[-1][1])
        still_open = sum(1 for c in d.children if c.open)
        numbers = ", ".join(f"#{c.number}" for c in d.children[:MAX_CHILDREN_SHOWN])
        more = len(d.children) - MAX_CHILDREN_SHOWN
        if more > 0:
            numbers += f" +{more} more"
        runs += [
            ("Children ", "dim"),
            (f"{numbers} ", ""),
            (f"({len(d.children)}, {still_open} open)", "dim"),
        ]
    line = Text.assemble(*runs)
    line.no_wrap, line.overflow = True, "ellipsis"
    return line


def links_renderable(d: TicketDetail) -> RenderableType:
    """The links pane: one row per linked ticket (kind, number, status, subject), so a
    master's children can be checked off at a glance; finished ones are dimmed."""
    rows: list[tuple[str, LinkedTicketView]] = []
    if d.parent is not None:
        rows.append(("Parent", d.parent))
    rows += [("Child", c) for c in d.children]
    if d.duplicate_of is not None:
        rows.append(("Duplicate of", d.duplicate_of))
    rows += [("Duplicate", t) for t in d.duplicates]
    rows += [("Related", t) for t in d.related]
    # The gap is each column's right padding, styled with the cell before it, so no run
    # starts with a space (those render badly in SVG).
    table = Table(box=None, pad_edge=False, expand=True, show_header=False,
                  padding=(0, 1, 0, 0))
    table.add_column("Kind", style="dim", no_wrap=True)
    table.add_column("Number", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    table.add_column("Subject", ratio=1, no_wrap=True, overflow="ellipsis")
    for kind, t in rows:
        style = "" if t.open else "dim"
        table.add_row(kind, *(Text(cell, style=style) for cell in (
            f"#{t.number}", t.status, t.subject)))
    return table


def links_title(d: TicketDetail) -> str:
    if d.children:
        return f"Links · master of {len(d.children)} ({d.open_children} open)"
    return "Links"


def warnings_text(d: TicketDetail) -> Text:
    """What a technician must not miss before acting on the request."""
    parts: list[str] = []
    if d.possible_social_engineering:
        parts.append("⚠ terminated contact — possible social engineering: verify by phone")
    elif d.contact_terminated:
        parts.append(f"⚠ {d.contact} has left {d.client}: verify before acting")
    if d.contact_authorized is False and not d.contact_terminated:
        parts.append(f"⚠ {d.contact} is not authorized to approve work or changes")
    if d.unmatched_client:
        parts.append("⚠ Unmatched client: no SLA until a client is matched")
    return Text("   ".join(parts), style="bold")


def sla_title(d: TicketDetail, now: datetime) -> Text:
    result = badge_for(d.clocks, now)
    title = Text("SLA  ")
    title.append_text(badge_text(result))
    countdown = countdown_text(result)
    if countdown.plain:
        title.append("  ")
        title.append_text(countdown)
    return title


def sla_renderable(
    d: TicketDetail, now: datetime, *, show_cancelled: bool, narrow: bool
) -> RenderableType:
    """One line per clock: kind, target, state, due, business time used, pauses, badge."""
    clocks = [c for c in d.clocks if show_cancelled or not c.cancelled]
    if not clocks:
        if d.client is None:
            return Text("No SLA: the ticket has no client yet; clocks start when one is matched.")
        if not d.clocks:
            return Text(f"No SLA: {d.client} has no SLA profile.")
        return Text("Only cancelled clocks (c shows them).")
    # Narrow terminals drop the header row; the cells then say "due …", "used …".
    table = Table(
        box=None, pad_edge=False, header_style="dim", padding=(0, 1), show_header=not narrow
    )
    table.add_column("Clock", no_wrap=True)
    table.add_column("SLA", no_wrap=True)
    table.add_column("Target", no_wrap=True)
    if not narrow:
        table.add_column("State", no_wrap=True)
    table.add_column(f"Due ({zone_abbreviation(d.zone, now)})", no_wrap=not narrow)
    table.add_column("Used", no_wrap=True)
    if not narrow:
        table.add_column("Paused")
    for c in clocks:
        table.add_row(*_clock_cells(c, d.zone, now, narrow=narrow))
    return table


def _clock_cells(c: ClockView, zone: str, now: datetime, *, narrow: bool) -> list[Text | str]:
    result = badge_for([c], now)
    sla = badge_text(result)
    countdown = countdown_text(result)
    if countdown.plain:
        sla.append(" ")
        sla.append_text(countdown)
    if c.cancelled:
        sla = Text("– cancelled", style="dim")
    open_pause = next((p for p in c.paused_spans if p.end is None), None)
    if c.state == ClockState.PAUSED and open_pause is not None:
        # The badge beside it already says Paused.
        due = f"since {_compact(open_pause.start, zone)}" if narrow else "— (paused)"
    else:
        due = (_compact if narrow else _short)(c.due_at, zone)
    cells: list[Text | str] = [c.kind.capitalize(), sla, c.target_label]
    if not narrow:
        cells.append(c.state)
    used = format_duration(c.used_seconds)
    if narrow:
        due, used = (due if due.startswith("since") else f"due {due}"), f"used {used}"
    cells.extend([due, used])
    if not narrow:
        spans = [
            f"{_short(p.start, zone)} → {_short(p.end, zone) if p.end else 'now'}"
            for p in c.paused_spans
        ]
        cells.append("\n".join(spans) or "—")
    return cells


def time_renderable(d: TicketDetail, zone: str) -> RenderableType:
    totals = Text.assemble(
        ("Billable ", "dim"),
        (format_minutes(d.billable_minutes), "bold"),
        ("   ", ""),
        ("Non-billable ", "dim"),
        (format_minutes(d.non_billable_minutes), "bold"),
    )
    if not d.time_entries:
        return Group(totals, Text("No time logged yet (t logs time).", style="dim"))
    table = Table(box=None, pad_edge=False, expand=True, header_style="dim", padding=(0, 1))
    table.add_column("Date", no_wrap=True)
    table.add_column("Technician", no_wrap=True)
    table.add_column("Time", no_wrap=True, justify="right")
    table.add_column("Billable", no_wrap=True)
    table.add_column("Note", ratio=1)
    for e in d.time_entries:
        note = Text(e.note)
        if e.approved:  # locked for invoicing: nothing here changes it
            note.append(" (approved, locked)" if e.note else "(approved, locked)", style="dim")
        table.add_row(
            e.work_date.strftime("%a %d %b"),
            e.technician,
            format_minutes(e.minutes),
            "✔ yes" if e.billable else "– no",
            note,
        )
    return Group(totals, table)


def resolution_renderable(d: TicketDetail) -> RenderableType | None:
    """Why it was resolved and, once closed, who signed it off and what work it leaves;
    None while the ticket has neither."""
    if d.resolution_label is None and not d.resolution_summary and d.closed_by is None:
        return None
    table = Table.grid(padding=(0, 1), expand=True)
    table.add_column(style="dim", no_wrap=True)
    table.add_column(ratio=1)
    if d.resolution_label is not None:
        table.add_row("Code", Text(d.resolution_label, style="bold"))
    if d.resolution_summary:
        table.add_row("Summary", d.resolution_summary)
    if d.closed_by is not None:
        table.add_row("Signed off", f"{d.closed_by} · {format_instant(d.closed_at, d.zone)}")
    if d.closure_notes:
        table.add_row("Notes", d.closure_notes)
    if d.follow_on:
        labels = [ticket_view.FOLLOW_ON_LABEL.get(k, k) for k in d.follow_on]
        table.add_row("Follow-on", Text(", ".join(labels), style="bold yellow"))
    return table


def kpi_renderable(d: TicketDetail) -> RenderableType:
    """Every clock event of the ticket, cancelled instances included (the KPI log)."""
    if not d.clock_events:
        return Text("No SLA clock events.", style="dim")
    table = Table(box=None, pad_edge=False, expand=True, header_style="dim", padding=(0, 1))
    table.add_column("At", no_wrap=True)
    table.add_column("Clock · event (note)", ratio=1)
    table.add_column("Used", no_wrap=True, justify="right")
    table.add_column("Due before → after")
    for e in d.clock_events:
        if e.due_before == e.due_after:
            due = _compact(e.due_after, d.zone)
        else:
            due = f"{_compact(e.due_before, d.zone)} → {_compact(e.due_after, d.zone)}"
        what = Text(f"{e.kind} {e.event}")
        if e.note:
            what.append(f"\n{e.note}", style="dim italic")
        table.add_row(
            _compact(e.at, d.zone),
            what,
            _compact_duration(e.consumed_seconds),
            due,
            style="red" if e.event in ("breached", "stopped late") else "",
        )
    return table


def needs_client(d: TicketDetail, now: datetime) -> bool:
    """Escalation contacts matter once the ticket is escalated or a clock is slipping."""
    if d.status_key == WellKnownStatus.ESCALATED:
        return True
    return badge_for(d.clocks, now).badge in (Badge.AT_RISK, Badge.BREACHED)


def page_hint(d: TicketDetail, now: datetime) -> str:
    """What the hand-off dialog warns of: a P1/P2 whose response is slipping pages on-call."""
    response = [c for c in d.clocks if c.kind == ClockKind.RESPONSE]
    badge = badge_for(response, now).badge
    if d.priority in handoff.PAGED_PRIORITIES and badge in handoff.PAGE_BADGES:
        return f"{d.priority} with the response {badge.value.lower()}: on-call will be paged."
    return ""


def contacts_renderable(
    d: TicketDetail, contacts: list[ContactView], now: datetime
) -> RenderableType:
    """Whom to call at the client, in call order; the first with an open window is marked.

    Marked at paint time from the stored windows, so "call now" moves with the clock."""
    if d.client is None:
        return Text("No client matched: no escalation contacts.", style="dim")
    if not contacts:
        return Text(f"No escalation contacts for {d.client}.", style="dim")
    # The marker goes right of the contact: a wrapped line must not start with the blank
    # of an empty cell (runs that start with spaces render badly in SVG).
    table = Table(box=None, pad_edge=False, expand=True, show_header=False,
                  padding=(0, 1, 0, 0))
    table.add_column("Contact", ratio=1)
    table.add_column("Call", no_wrap=True, justify="right")
    for c in handoff.mark(contacts, now):
        marker = Text("☎ call now", style="bold green") if c.call_now else Text("")
        who = Text.assemble((c.name, "bold"))
        reach = " · ".join((*c.phones, *c.emails))
        if reach:
            who.append(f"\n{reach}")
        windows = "; ".join(w.describe(now) for w in c.windows) or "no call window"
        if c.next_open is not None:
            when = c.next_open.strftime("%a %H:%M %Z")
            windows += f" · no window open — next: {when}"
        who.append(f"\n{windows}", style="dim")
        table.add_row(who, marker)
    return table


# ---------------------------------------------------------------- widgets


# How a public reply's email line looks, by state; the words carry the meaning, colour helps.
DELIVERY_STYLE = {
    OutboxState.SENT: "dim",
    OutboxState.QUEUED: "yellow",
    OutboxState.FAILED: "bold red",
}


def message_text(view: MessageView, zone: str) -> Text:
    """The body, then for a public reply one line on its email ("✉ sent 15:31 to …")."""
    text = Text(view.body.strip())
    for a in view.attachments:
        text.append("\n")
        line = f"📎 {a.filename} ({_file_size(a.size)})"
        if a.skipped_reason:
            text.append(f"{line} — not kept: {a.skipped_reason}", style="yellow")
        else:
            text.append(line, style="bold")
    d = view.delivery
    if d is not None:
        first_try = d.state == OutboxState.QUEUED and not d.attempts
        style = "dim" if first_try else DELIVERY_STYLE.get(d.state, "yellow")  # not emailed
        text.append("\n")
        text.append(f"✉ {delivery_text(d, zone, view.at)}", style=style)
    return text


def _file_size(n: int) -> str:
    for unit, size in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"


class MessageBox(Static):
    """One thread entry; direction decides its border, label and indent."""

    def __init__(self, view: MessageView, zone: str) -> None:
        direction = view.direction if view.direction in MESSAGE_LABEL else Direction.CUSTOMER
        super().__init__(message_text(view, zone), classes=f"message -{direction}")
        self.message_view = view
        # Text, not markup: author names are data.
        self.border_title = Text(f"{MESSAGE_LABEL[Direction(direction)]} · {view.author or '—'}")
        self.border_subtitle = Text(f"{format_instant(view.at, zone)} · {view.channel}")


# ---------------------------------------------------------------- the screen


class TicketScreen(Screen[None]):
    """The detail of one ticket, with the keys to work it."""

    BINDING_GROUP_TITLE = "Ticket"
    BINDINGS = [
        Binding("r", "reply", "Reply", tooltip="Public reply to the customer (stops the "
                "response clock)", id="ticket.reply"),
        Binding("i", "note", "Note", tooltip="Internal note, only technicians see it",
                id="ticket.note"),
        Binding("t", "log_time", "Time", tooltip="Log time on this ticket", id="ticket.log_time"),
        Binding("s", "change_status", "Status", tooltip="Move the ticket to another status",
                id="ticket.status"),
        Binding("p", "change_priority", "Priority", tooltip="Change priority (needs a reason)",
                id="ticket.priority"),
        Binding("a", "take", "Take", tooltip="Assign this ticket to me", id="ticket.take"),
        Binding("e", "retry_email", "Retry email", show=False,
                tooltip="Send the latest failed or waiting reply email again now",
                id="ticket.retry_email"),
        Binding("c", "toggle_cancelled", "Cancelled clocks", show=False,
                tooltip="Show or hide cancelled SLA clocks", id="ticket.toggle_cancelled"),
        Binding("ctrl+r", "reload", "Refresh", show=False, tooltip="Reload the ticket now",
                id="ticket.reload"),
        Binding("escape", "back", "Back", tooltip="Back to the queue", id="ticket.back"),
        # After Back, so an 80-column footer still shows it; ? lists every key.
        Binding("A", "assign", "Assign", tooltip="Assign to a technician, or unassign",
                id="ticket.assign"),
        Binding("L", "link_parent", "Parent", tooltip="File under a master ticket, or unlink",
                id="ticket.link_parent"),
        Binding("K", "link_children", "Children", show=False,
                tooltip="File tickets under this one (it becomes a master), or take them out",
                id="ticket.link_children"),
        Binding("O", "mark_duplicate", "Duplicate of", show=False,
                tooltip="Mark as a duplicate of an original ticket, or unmark",
                id="ticket.mark_duplicate"),
        # Shown in the header beside the suggestion itself, so the footer stays as it was.
        Binding("P", "accept_suggestion", "Accept suggestion", show=False,
                tooltip="Take the suggested priority (SLA targets move with it)",
                id="ticket.accept_suggestion"),
        Binding("D", "dismiss_suggestion", "Keep priority", show=False,
                tooltip="Override the suggestion: keep the priority as it is",
                id="ticket.dismiss_suggestion"),
        Binding("H", "hand_off", "Hand off", show=False,
                tooltip="Hand off to Tier 2 with a summary (pages on-call for a slipping "
                "P1/P2)", id="ticket.handoff"),
    ]

    DEFAULT_CSS = """
    TicketScreen #ticket-header { height: auto; padding: 0 1; background: $boost; }
    TicketScreen #warnings {
        height: auto; padding: 0 1; color: $text-error; background: $error-muted;
    }
    TicketScreen #warnings.-empty { display: none; }
    TicketScreen #sla { height: auto; padding: 0 1; border: round $primary; }
    TicketScreen #body { height: 1fr; layout: horizontal; overflow: hidden hidden; }
    TicketScreen #thread {
        width: 1fr; height: 1fr; padding: 0 1; border: round $panel-lighten-2;
    }
    TicketScreen #side { width: 76; max-width: 55%; height: 1fr; }
    TicketScreen .pane { height: auto; padding: 0 1; border: round $panel-lighten-2; }
    TicketScreen #links.-empty, TicketScreen #contacts.-empty,
    TicketScreen #resolution.-empty { display: none; }
    TicketScreen .message { height: auto; padding: 0 1; margin-bottom: 1; }
    TicketScreen .message.-customer { border: round $secondary; margin-right: 6; }
    TicketScreen .message.-public { border: heavy $success; margin-left: 6; }
    TicketScreen .message.-internal {
        border: dashed $warning; background: $warning 12%; margin-left: 6;
    }
    TicketScreen.-narrow Header { display: none; }
    TicketScreen.-narrow #body { layout: vertical; overflow-y: auto; }
    TicketScreen.-narrow #thread, TicketScreen.-narrow #side {
        width: 1fr; height: auto; overflow-y: hidden;
    }
    TicketScreen.-narrow .message.-customer { margin-right: 2; }
    TicketScreen.-narrow .message.-public, TicketScreen.-narrow .message.-internal {
        margin-left: 2;
    }
    """

    class Loaded(Message):
        """A fresh read of the ticket (from a worker thread)."""

        def __init__(
            self,
            detail: TicketDetail,
            statuses: list[StatusView],
            priorities: list[PriorityView],
            technicians: list[NamedOption],
            seq: int,
            contacts: list[ContactView] | None = None,
        ) -> None:
            super().__init__()
            self.detail = detail
            self.statuses = statuses
            self.priorities = priorities
            self.technicians = technicians
            self.seq = seq
            self.contacts = contacts or []

    class LoadFailed(Message):
        def __init__(self, error: str) -> None:
            super().__init__()
            self.error = error

    def __init__(self, desk: Desk, ticket_id: int, *, refresh_seconds: float = 2.0) -> None:
        super().__init__()
        self.desk = desk
        self.ticket_id = ticket_id
        self.refresh_seconds = refresh_seconds
        self.seq = -1
        self.detail: TicketDetail | None = None
        self.statuses: list[StatusView] = []
        self.priorities: list[PriorityView] = []
        self.technicians: list[NamedOption] = []
        self.contacts: list[ContactView] = []
        self.show_cancelled = False
        self.narrow = False
        self._fit_width = 0
        self._drafts: dict[str, str] = {}
        self._follow_thread = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Loading ticket {self.ticket_id}…", id="ticket-header")
        yield Static(id="warnings", classes="-empty")
        sla = Static(id="sla")
        sla.border_title = "SLA"
        yield sla
        with VerticalScroll(id="body", can_focus=False):
            thread = VerticalScroll(id="thread")
            thread.border_title = "Conversation"
            yield thread
            with VerticalScroll(id="side"):
                contacts = Static(id="contacts", classes="pane -empty")
                contacts.border_title = "Escalation contacts"
                contacts.border_subtitle = "H hands off to Tier 2"
                yield contacts
                links = Static(id="links", classes="pane -empty")
                links.border_title = "Links"
                links.border_subtitle = "K children · L parent · O duplicate of"
                yield links
                resolution = Static(id="resolution", classes="pane -empty")
                resolution.border_title = "Resolution"
                yield resolution
                time = Static(id="time", classes="pane")
                time.border_title = "Time"
                yield time
                kpi = Static(id="kpi", classes="pane")
                kpi.border_title = "KPI history"
                yield kpi
        yield Footer()

    def on_mount(self) -> None:
        self._fit(self.app.size.width)
        self.load()
        self.set_interval(1.0, self.tick)
        self.set_interval(self.refresh_seconds, self.poll_changes)

    def on_resize(self, event: Resize) -> None:
        self._fit(event.size.width)

    def _fit(self, width: int) -> None:
        """Side by side when wide; stacked in one scroll when narrow (e.g. 80×24)."""
        self._fit_width = width
        self.narrow = width < NARROW_WIDTH
        self.set_class(self.narrow, "-narrow")
        self.query_one("#body").can_focus = self.narrow
        for pane in self.query("#thread, #side"):
            pane.can_focus = not self.narrow
        self._paint()

    # ------------------------------------------------------------ loading

    @work(thread=True, exclusive=True, group="ticket-load", exit_on_error=False)
    def load(self, force: bool = True) -> None:
        """Read the ticket off the UI thread; skip when nothing was written since."""
        worker = get_current_worker()
        try:
            seq = self.desk.change_seq()
            if not force and seq == self.seq:
                return
            detail = ticket_view.ticket_detail(self.desk, self.ticket_id)
            statuses = self.desk.statuses()
            priorities = ticket_view.priority_options(self.desk)
            technicians = self.desk.technicians()
            contacts = handoff.escalation_contacts(self.desk, self.ticket_id)
        except ServiceError as exc:
            if not worker.is_cancelled:
                self.post_message(self.LoadFailed(str(exc)))
            return
        if not worker.is_cancelled:
            self.post_message(
                self.Loaded(detail, statuses, priorities, technicians, seq, contacts)
            )

    async def on_ticket_screen_loaded(self, message: Loaded) -> None:
        old = self.detail
        self.seq = message.seq
        self.detail = message.detail
        self.statuses = message.statuses
        self.priorities = message.priorities
        self.technicians = message.technicians
        self.contacts = message.contacts
        self._paint()
        if old is None or old.messages != message.detail.messages or old.zone != self.detail.zone:
            await self._rebuild_thread(message.detail)

    def on_ticket_screen_load_failed(self, message: LoadFailed) -> None:
        self.notify(message.error, title="Ticket not loaded", severity="error")
        if self.detail is None:
            self.query_one("#ticket-header", Static).update(Text(f"⚠ {message.error}"))

    async def _rebuild_thread(self, d: TicketDetail) -> None:
        thread = self.query_one("#thread", VerticalScroll)
        thread.border_title = f"Conversation ({len(d.messages)})"
        with self.app.batch_update():
            await thread.remove_children()
            await thread.mount_all([MessageBox(m, d.zone) for m in d.messages])
        if self._follow_thread and d.messages:
            self._follow_thread = False
            last = thread.children[-1]
            self.call_after_refresh(last.scroll_visible, animate=False)

    def poll_changes(self) -> None:
        """Other consoles and the worker write too: reload when the sequence moved."""
        self.load(force=False)

    # ------------------------------------------------------------ painting

    def _paint(self) -> None:
        d = self.detail
        if d is None:
            return
        now = self.desk.clock.now()
        self.query_one("#ticket-header", Static).update(
            header_renderable(d, now, width=self._fit_width)
        )
        warnings = warnings_text(d)
        box = self.query_one("#warnings", Static)
        box.update(warnings)
        box.set_class(not warnings.plain, "-empty")
        self._paint_sla(now)
        resolution = self.query_one("#resolution", Static)
        shown = resolution_renderable(d)
        resolution.set_class(shown is None, "-empty")
        if shown is not None:
            resolution.update(shown)
            resolution.border_title = "Resolution · closed" if d.closed_by else "Resolution"
        time = self.query_one("#time", Static)
        time.update(time_renderable(d, d.zone))
        time.border_title = f"Time ({len(d.time_entries)})"
        self._paint_contacts(now)
        links = self.query_one("#links", Static)
        links.set_class(not d.has_links, "-empty")
        if d.has_links:
            links.update(links_renderable(d))
            links.border_title = links_title(d)
        kpi = self.query_one("#kpi", Static)
        kpi.update(kpi_renderable(d))
        kpi.border_title = f"KPI history ({len(d.clock_events)} events)"

    def _paint_sla(self, now: datetime) -> None:
        d = self.detail
        if d is None:
            return
        sla = self.query_one("#sla", Static)
        sla.update(
            sla_renderable(d, now, show_cancelled=self.show_cancelled, narrow=self.narrow)
        )
        sla.border_title = sla_title(d, now)
        parts = [f"times in {zone_abbreviation(d.zone, now)}"]
        hidden = sum(1 for c in d.clocks if c.cancelled)
        if hidden:
            shown = "c hides them" if self.show_cancelled else "c shows them"
            parts.append(f"{hidden} cancelled · {shown}")
        sla.border_subtitle = " · ".join(parts)

    def _paint_contacts(self, now: datetime) -> None:
        d = self.detail
        if d is None:
            return
        pane = self.query_one("#contacts", Static)
        shown = needs_client(d, now)
        pane.set_class(not shown, "-empty")
        if shown:
            pane.update(contacts_renderable(d, self.contacts, now))
            pane.border_title = f"Escalation contacts · {d.client}" if d.client else (
                "Escalation contacts")

    def tick(self) -> None:
        """Every second: countdowns and ages from the stored instants; no database."""
        d = self.detail
        if d is None:
            return
        now = self.desk.clock.now()
        self._paint_sla(now)
        self._paint_contacts(now)  # a clock turning At Risk, a call window opening
        self.query_one("#ticket-header", Static).update(
            header_renderable(d, now, width=self._fit_width)
        )

    # ------------------------------------------------------------ actions

    def _ready(self) -> TicketDetail | None:
        if self.detail is None:
            self.notify("The ticket is still loading.", severity="warning")
        return self.detail

    def _changed(self, text: str, *, follow_thread: bool = False) -> None:
        """After a write: say so and read the ticket again."""
        self.notify(text)
        self._follow_thread = follow_thread
        self.load()

    def action_reply(self) -> None:
        self._write_message(internal=False)

    def action_note(self) -> None:
        self._write_message(internal=True)

    def _write_message(self, *, internal: bool) -> None:
        d = self._ready()
        if d is None:
            return
        key = "note" if internal else "reply"
        send: Callable[[int, str], None] = self.desk.note if internal else self.desk.reply

        def done(outcome: MessageOutcome | None) -> None:
            if outcome is None:
                return
            if outcome.sent:
                self._drafts.pop(key, None)
                said = "Internal note added" if internal else "Reply sent"
                if outcome.children:
                    said += f", and to {outcome.children} open children"
                self._changed(f"#{d.number}: {said}", follow_thread=True)
            elif outcome.draft.strip():
                self._drafts[key] = outcome.draft
                self.notify("Draft kept: press the key again to go on", timeout=3)
            else:
                self._drafts.pop(key, None)

        self.app.push_screen(
            MessageDialog(
                d.number,
                internal=internal,
                submit=partial(send, d.id),
                recipient=None if internal else (d.contact or d.requester_email),
                draft=self._drafts.get(key, ""),
                open_children=0 if internal else d.open_children,
                submit_with_children=partial(self.desk.cascade_reply, d.id, with_master=True),
            ),
            callback=done,
        )

    def action_log_time(self) -> None:
        d = self._ready()
        if d is None:
            return
        billable = ticket_view.default_billable(d.client_billing_type, d.client_hybrid_billable)
        hint = ticket_view.billing_hint(d.client, d.client_billing_type, billable)

        def submit(answer: TimeInput) -> None:
            ticket_view.log_time(
                self.desk, d.id, minutes=answer.minutes, billable=answer.billable,
                note=answer.note,
            )

        def done(answer: TimeInput | None) -> None:
            if answer is not None:
                kind = "billable" if answer.billable else "non-billable"
                self._changed(f"#{d.number}: logged {format_minutes(answer.minutes)} ({kind})")

        self.app.push_screen(
            TimeDialog(d.number, billable=billable, billing_hint=hint, submit=submit),
            callback=done,
        )

    def action_change_priority(self) -> None:
        d = self._ready()
        if d is None:
            return

        def submit(answer: PriorityInput) -> None:
            self.desk.change_priority(d.id, PriorityCode(answer.priority), answer.reason)

        def done(answer: PriorityInput | None) -> None:
            if answer is not None:
                self._changed(f"#{d.number} is now {answer.priority}; SLA targets moved")

        self.app.push_screen(
            PriorityDialog(d.number, current=d.priority, options=self.priorities, submit=submit),
            callback=done,
        )

    def action_accept_suggestion(self) -> None:
        self._answer_suggestion(accept=True)

    def action_dismiss_suggestion(self) -> None:
        self._answer_suggestion(accept=False)

    def _answer_suggestion(self, *, accept: bool) -> None:
        d = self._ready()
        if d is None:
            return
        if not d.suggested_priority:
            self.notify(f"#{d.number} has no suggested priority")
            return
        try:
            if accept:
                self.desk.accept_suggestion(d.id)
            else:
                self.desk.dismiss_suggestion(d.id)
        except ServiceError as exc:
            self.notify(str(exc), title="Suggestion not changed", severity="error")
            return
        if accept:
            self._changed(f"#{d.number} is now {d.suggested_priority}; SLA targets moved")
        else:
            self._changed(f"#{d.number} keeps {d.priority}; suggestion dismissed")

    def action_change_status(self) -> None:
        d = self._ready()
        if d is None:
            return

        def picked(target: StatusView | None) -> None:
            if target is not None:
                request_status_change(
                    self, self.desk, d.id, d.number, target, on_done=self._status_done
                )

        self.app.push_screen(
            StatusPicker(d.number, current_id=d.status_id, statuses=self.statuses),
            callback=picked,
        )

    def _status_done(self, changed: bool) -> None:
        # request_status_change has already said what happened.
        if changed:
            self.load()

    def action_retry_email(self) -> None:
        d = self._ready()
        if d is None:
            return
        stuck = [m.delivery for m in d.messages
                 if m.delivery is not None and m.delivery.outbox_id is not None
                 and m.delivery.state in (OutboxState.FAILED, OutboxState.QUEUED)]
        if not stuck:
            self.notify("No reply email is waiting or failed on this ticket")
            return
        try:
            self.desk.retry_email(stuck[-1].outbox_id)  # type: ignore[arg-type]
        except ServiceError as exc:
            self.notify(str(exc), title="Not retried", severity="error")
            return
        self._changed("The reply email goes out again at the outbox's next run")

    def action_take(self) -> None:
        d = self._ready()
        if d is None:
            return
        if d.me_id is None:
            self.notify("No technician is configured as me ([me] email)", severity="error")
            return
        if d.assignee_id == d.me_id:
            self.notify(f"#{d.number} is already yours")
            return
        try:
            self.desk.assign(d.id, d.me_id)
        except ServiceError as exc:
            self.notify(str(exc), title="Not assigned", severity="error")
            return
        self._changed(f"#{d.number} assigned to you")

    def action_assign(self) -> None:
        d = self._ready()
        if d is None:
            return

        def picked(choice: AssigneeChoice | None) -> None:
            if choice is None:
                return
            try:
                self.desk.assign(d.id, choice.technician_id)
            except ServiceError as exc:
                self.notify(str(exc), title="Not assigned", severity="error")
                return
            if choice.technician_id is None:
                self._changed(f"#{d.number} is unassigned")
            else:
                self._changed(f"#{d.number} assigned to {choice.name}")

        self.app.push_screen(
            AssigneePicker(
                d.number,
                current_id=d.assignee_id,
                current=d.assignee,
                technicians=self.technicians,
                me_id=d.me_id,
            ),
            callback=picked,
        )

    def action_link_parent(self) -> None:
        d = self._ready()
        if d is None:
            return

        def done(answer: TicketNumberInput | None) -> None:
            if answer is None:
                return
            if answer.number is None:
                old = f" from #{d.parent.number}" if d.parent else ""
                self._changed(f"#{d.number} unlinked{old}")
            else:
                self._changed(f"#{d.number} is now a child of #{answer.number}")

        self.app.push_screen(
            ParentDialog(
                d.number,
                current=d.parent.number if d.parent else None,
                current_subject=d.parent.subject if d.parent else "",
                submit=partial(self.desk.link_parent, d.id),
            ),
            callback=done,
        )

    def action_link_children(self) -> None:
        d = self._ready()
        if d is None:
            return
        if d.parent is not None:
            self.notify(
                f"#{d.number} is a child of #{d.parent.number}: only a master has children "
                "(L unlinks it first)",
                severity="warning",
            )
            return

        def submit(answer: ChildrenInput) -> None:
            self.desk.link_children(d.id, list(answer.add), list(answer.remove))

        def done(answer: ChildrenInput | None) -> None:
            if answer is None:
                return
            said = []
            if answer.add:
                said.append("linked " + ", ".join(f"#{n}" for n in answer.add))
            if answer.remove:
                said.append("took out " + ", ".join(f"#{n}" for n in answer.remove))
            self._changed(f"#{d.number}: " + "; ".join(said))

        self.app.push_screen(
            ChildrenDialog(d.number, children=[c.number for c in d.children], submit=submit),
            callback=done,
        )

    def action_mark_duplicate(self) -> None:
        d = self._ready()
        if d is None:
            return

        def submit(number: int | None) -> None:
            if number is None:
                self.desk.unmark_duplicate(d.id)
            else:
                self.desk.mark_duplicate(d.id, number)

        def done(answer: TicketNumberInput | None) -> None:
            if answer is None:
                return
            if answer.number is None:
                self._changed(f"#{d.number} is no longer a duplicate")
            else:
                self._changed(
                    f"#{d.number} is a duplicate of #{answer.number}; it stays open until "
                    "you close it"
                )

        original = d.duplicate_of
        self.app.push_screen(
            DuplicateDialog(
                d.number,
                current=original.number if original else None,
                current_subject=original.subject if original else "",
                submit=submit,
            ),
            callback=done,
        )

    def action_hand_off(self) -> None:
        d = self._ready()
        if d is None:
            return
        said: list[str] = []

        def submit(summary: HandoffSummary) -> None:
            result = self.desk.hand_off(d.id, summary)
            to = result.assignee or f"{result.group} (no active member: left for the group)"
            said.append(f"#{d.number} handed off to {to}")
            if result.paged:
                mail = " and emailed" if result.emailed else ""
                said.append(f"paged{mail} {', '.join(result.paged)}")

        def done(summary: HandoffSummary | None) -> None:
            if summary is not None:
                self._changed("; ".join(said), follow_thread=True)

        self.app.push_screen(
            HandoffDialog(d.number, page_hint=page_hint(d, self.desk.clock.now()),
                          submit=submit),
            callback=done,
        )

    def action_toggle_cancelled(self) -> None:
        self.show_cancelled = not self.show_cancelled
        self._paint_sla(self.desk.clock.now())

    def action_reload(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.dismiss(None)

