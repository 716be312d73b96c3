"""The desk: what the console and jobs call; each call is one short transaction.

Screens hold a `Desk`, never a session: every method opens and closes its own, so the
UI thread, worker threads and the scheduler never share one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from msp_tui.engine.clock import Clock, SystemClock
from msp_tui.engine.handoff import HandoffSummary
from msp_tui.engine.vocabulary import Channel, Direction, PriorityCode
from msp_tui.services import handoff, links, outbox, priority_policy, tickets
from msp_tui.services.handoff import HandoffResult
from msp_tui.services.links import CascadeResult
from msp_tui.services.outbox import OutboundSettings
from msp_tui.services.tickets import SYSTEM, Actor, Closure, ServiceError
from msp_tui.store import migrate
from msp_tui.store.db import Database, read_change_seq
from msp_tui.store.models import Ticket
from msp_tui.store.queries import (
    NamedOption,
    StatusView,
    TechnicianView,
    TicketRow,
    client_options,
    queue_rows,
    statuses,
    technician_by_email,
    technician_options,
)


@dataclass(frozen=True)
class StartupReport:
    """What opening the desk did, for the console to tell the user."""

    upgraded_from: str | None
    schema: str
    backup: str | None
    seeded_demo: bool


class Desk:
    """`outbound` set means public replies are emailed (queued in the outbox with the
    reply); None records them only, as when SMTP is off."""

    def __init__(
        self,
        db: Database,
        clock: Clock | None = None,
        me_email: str = "",
        *,
        outbound: OutboundSettings | None = None,
    ) -> None:
        self.db = db
        self.clock: Clock = clock or SystemClock()
        self.me_email = me_email
        self.outbound = outbound
        self._me: TechnicianView | None = None

    @classmethod
    def open(
        cls,
        url: str,
        *,
        clock: Clock | None = None,
        me_email: str = "",
        seed_demo_if_empty: bool = True,
        outbound: OutboundSettings | None = None,
    ) -> tuple[Desk, StartupReport]:
        """Open (creating if needed) and upgrade the database; seed the demo when empty."""
        from msp_tui.demo.seed import is_empty, seed_demo  # the demo is optional baggage

        db = Database(url)
        result = migrate.upgrade(db)
        desk = cls(db, clock, me_email, outbound=outbound)
        seeded = False
        if seed_demo_if_empty and is_empty(db):
            seed_demo(db, desk.clock)
            seeded = True
        return desk, StartupReport(
            upgraded_from=result.before if result.changed else None,
            schema=result.after,
            backup=str(result.backup) if result.backup else None,
            seeded_demo=seeded,
        )

    def close(self) -> None:
        self.db.dispose()

    def me(self) -> TechnicianView | None:
        """The technician this console acts as (looked up once)."""
        if not self.me_email:
            return None
        if self._me is None:
            with self.db.session() as s:
                self._me = technician_by_email(s, self.me_email)
        return self._me

    def queue(self, *, include_closed: bool = False, limit: int = 500) -> list[TicketRow]:
        with self.db.session() as s:
            return queue_rows(s, include_closed=include_closed, limit=limit)

    def technicians(self) -> list[NamedOption]:
        with self.db.session() as s:
            return technician_options(s)

    def clients(self) -> list[NamedOption]:
        with self.db.session() as s:
            return client_options(s)

    def statuses(self) -> list[StatusView]:
        with self.db.session() as s:
            return statuses(s)

    def change_seq(self) -> int:
        with self.db.session() as s:
            return read_change_seq(s)

    # ------------------------------------------------------------ writes (one transaction each)

    def actor(self) -> Actor:
        """Who "me" is for audit purposes; the system when no technician is configured."""
        me = self.me()
        return Actor(me.name, me.id) if me else SYSTEM

    def _ticket(self, s: Session, ticket_id: int) -> Ticket:
        ticket = s.get(Ticket, ticket_id)
        if ticket is None:
            raise ServiceError(f"no ticket with id {ticket_id}")
        return ticket

    def create_ticket(
        self,
        *,
        subject: str,
        body: str,
        priority: PriorityCode,
        client_id: int | None,
        channel: Channel = Channel.MANUAL,
        parent_number: int | None = None,
        **details: Any,
    ) -> int:
        """Open a ticket by hand (or for an intake channel); returns its id. With
        `parent_number` it is filed under that master in the same transaction, so a
        refused link creates nothing."""
        with self.db.session() as s:
            ticket = tickets.create_ticket(
                s,
                at=self.clock.now(),
                subject=subject,
                body=body,
                priority=priority,
                client_id=client_id,
                channel=channel,
                actor=self.actor(),
                **details,
            )
            if parent_number is not None:
                tickets.link_parent(
                    s, ticket, parent_number, at=self.clock.now(), actor=self.actor()
                )
            return ticket.id  # type: ignore[return-value]

    def reply(self, ticket_id: int, body: str) -> None:
        """A public reply to the customer (stops the response clock, meets the update one),
        queued for email in the same transaction when outbound mail is configured."""
        self._message(ticket_id, body, Direction.PUBLIC)

    def note(self, ticket_id: int, body: str) -> None:
        """An internal note: no SLA effect, never sent."""
        self._message(ticket_id, body, Direction.INTERNAL)

    def _message(self, ticket_id: int, body: str, direction: Direction) -> None:
        at = self.clock.now()
        with self.db.session() as s:
            ticket = self._ticket(s, ticket_id)
            if direction == Direction.PUBLIC:
                links.public_reply(s, ticket, body, at=at, actor=self.actor(),
                                   outbound=self.outbound)
            else:
                tickets.add_message(s, ticket, at=at, direction=direction, body=body,
                                    actor=self.actor())

    def retry_email(self, outbox_id: int) -> None:
        """Send a failed (or waiting) reply again at the sender's next run."""
        with self.db.session() as s:
            outbox.retry_now(s, outbox_id, self.clock.now())

    def change_status(
        self,
        ticket_id: int,
        status_key: str,
        reason: str = "",
        *,
        closure: Closure | None = None,
    ) -> None:
        """Move a ticket; resolving needs `closure` with a code and a summary, closing
        records my sign-off with its notes and follow-on work (see `tickets.Closure`)."""
        with self.db.session() as s:
            tickets.change_status(
                s,
                self._ticket(s, ticket_id),
                status_key,
                at=self.clock.now(),
                actor=self.actor(),
                reason=reason,
                closure=closure,
            )

    def change_priority(self, ticket_id: int, priority: PriorityCode, reason: str) -> None:
        with self.db.session() as s:
            tickets.change_priority(
                s,
                self._ticket(s, ticket_id),
                priority,
                at=self.clock.now(),
                actor=self.actor(),
                reason=reason,
            )

    def assign(
        self, ticket_id: int, technician_id: int | None, group_id: int | None = None
    ) -> None:
        with self.db.session() as s:
            tickets.assign(
                s,
                self._ticket(s, ticket_id),
                technician_id=technician_id,
                group_id=group_id,
                at=self.clock.now(),
                actor=self.actor(),
            )

    def match_client(self, ticket_id: int, client_id: int, contact_id: int | None = None) -> None:
        with self.db.session() as s:
            tickets.match_client(
                s,
                self._ticket(s, ticket_id),
                client_id,
                at=self.clock.now(),
                actor=self.actor(),
                contact_id=contact_id,
            )

    def link_parent(self, ticket_id: int, parent_number: int | None) -> None:
        """File the ticket under the master ticket with that number; None unlinks it."""
        with self.db.session() as s:
            tickets.link_parent(
                s,
                self._ticket(s, ticket_id),
                parent_number,
                at=self.clock.now(),
                actor=self.actor(),
            )

    def accept_suggestion(self, ticket_id: int) -> None:
        """Take the priority policy's keyword suggestion (a reasoned priority change)."""
        with self.db.session() as s:
            priority_policy.accept_suggestion(
                s, self._ticket(s, ticket_id), at=self.clock.now(), actor=self.actor()
            )

    def dismiss_suggestion(self, ticket_id: int) -> None:
        """Override the keyword suggestion: keep the priority, audit that it was kept."""
        with self.db.session() as s:
            priority_policy.dismiss_suggestion(
                s, self._ticket(s, ticket_id), at=self.clock.now(), actor=self.actor()
            )

    # ------------------------------------------------------------ links (services/links.py)

    def check_parent(self, parent_number: int) -> None:
        """Raise `ServiceError` when a new ticket could not be filed under that number."""
        with self.db.session() as s:
            links.check_parent(s, parent_number)

    def open_children(self, ticket_id: int) -> int:
        """How many open or paused children a cascade from this ticket would reach."""
        with self.db.session() as s:
            return links.open_child_count(s, ticket_id)

    def unlink_parent(self, ticket_id: int) -> None:
        """Take the ticket out from under its master."""
        with self.db.session() as s:
            links.unlink_parent(s, self._ticket(s, ticket_id), at=self.clock.now(),
                                actor=self.actor())

    def link_children(
        self, ticket_id: int, numbers: list[int], unlink: list[int] | None = None
    ) -> None:
        """File the numbered tickets under this one (making it a master), take `unlink`
        out; all or nothing."""
        with self.db.session() as s:
            links.link_children(s, self._ticket(s, ticket_id), numbers, unlink=unlink or [],
                                at=self.clock.now(), actor=self.actor())

    def mark_duplicate(self, ticket_id: int, original_number: int) -> None:
        """Mark the ticket a duplicate of another; it stays open until someone closes it."""
        with self.db.session() as s:
            links.mark_duplicate(s, self._ticket(s, ticket_id), original_number,
                                 at=self.clock.now(), actor=self.actor())

    def unmark_duplicate(self, ticket_id: int) -> None:
        with self.db.session() as s:
            links.unmark_duplicate(s, self._ticket(s, ticket_id), at=self.clock.now(),
                                   actor=self.actor())

    def cascade_status(
        self, ticket_id: int, status_key: str, reason: str = ""
    ) -> list[CascadeResult]:
        """Resolve or close the master's open children too; a refusal is reported per child."""
        with self.db.session() as s:
            return links.cascade_status(s, self._ticket(s, ticket_id), status_key,
                                        at=self.clock.now(), actor=self.actor(), reason=reason)

    def cascade_reply(self, ticket_id: int, body: str, *, with_master: bool = False) -> list[int]:
        """The same public reply on every open child (emailed like any reply), and first on
        the master itself with `with_master`, all in one transaction; the children's numbers."""
        at = self.clock.now()
        with self.db.session() as s:
            master = self._ticket(s, ticket_id)
            if with_master:
                links.public_reply(s, master, body, at=at, actor=self.actor(),
                                   outbound=self.outbound)
            return links.cascade_reply(s, master, body, at=at, actor=self.actor(),
                                       outbound=self.outbound)

    # ------------------------------------------------------------ hand-off (services/handoff.py)

    def hand_off(self, ticket_id: int, summary: HandoffSummary) -> HandoffResult:
        """Tier 1 → Tier 2: the summary as a note, the ticket to Tier 2, and for a P1/P2
        whose response is at risk or breached a page to on-call, all in one transaction."""
        with self.db.session() as s:
            return handoff.hand_off(s, self._ticket(s, ticket_id), summary,
                                    at=self.clock.now(), actor=self.actor(),
                                    outbound=self.outbound)
