"""The desk: what the console and jobs call; each call is one short transaction.

Screens hold a `Desk`, never a session: every method opens and closes its own, so the
UI thread, worker threads and the scheduler never share one.
"""

from __future__ import annotations

from dataclasses import dataclass

from msp_tui.engine.clock import Clock, SystemClock
from msp_tui.store import migrate
from msp_tui.store.db import Database, read_change_seq
from msp_tui.store.queries import TechnicianView, TicketRow, queue_rows, technician_by_email


@dataclass(frozen=True)
class StartupReport:
    """What opening the desk did, for the console to tell the user."""

    upgraded_from: str | None
    schema: str
    backup: str | None
    seeded_demo: bool


class Desk:
    def __init__(self, db: Database, clock: Clock | None = None, me_email: str = "") -> None:
        self.db = db
        self.clock: Clock = clock or SystemClock()
        self.me_email = me_email

    @classmethod
    def open(
        cls,
        url: str,
        *,
        clock: Clock | None = None,
        me_email: str = "",
        seed_demo_if_empty: bool = True,
    ) -> tuple[Desk, StartupReport]:
        """Open (creating if needed) and upgrade the database; seed the demo when empty."""
        from msp_tui.demo.seed import is_empty, seed_demo  # the demo is optional baggage

        db = Database(url)
        result = migrate.upgrade(db)
        desk = cls(db, clock, me_email)
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
        if not self.me_email:
            return None
        with self.db.session() as s:
            return technician_by_email(s, self.me_email)

    def queue(self, *, include_closed: bool = False, limit: int = 500) -> list[TicketRow]:
        with self.db.session() as s:
            return queue_rows(s, include_closed=include_closed, limit=limit)

    def change_seq(self) -> int:
        with self.db.session() as s:
            return read_change_seq(s)
