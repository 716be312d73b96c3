"""A small hand-built desk for the dashboard tests; every expected number is worked out
by hand in the tests from the comments here.

"Now" is Tue 24 Nov 2026 10:30 New York (15:30 UTC). Days are New York days: today is
24 Nov, 7 days = 18-24 Nov, 30 days = 26 Oct-24 Nov (26 Oct is still EDT, UTC-4, so the
30-day window starts at 04:00 UTC — a DST check). Clients A(cme) and B(irch); Ann (me)
and Bob. "m"/"b" = met/breached instance, with the New York instant it ended.

 T1  A Ann P1 resolved  resp m 24 Nov 09:00, res m 24 Nov 10:00; created 08:40, resolved 10:00
 T2  A Bob P2 open      resp running, breached 23 Nov 12:00; res running (due later) -> Breached
 T3  B Ann P3 open      resp m 20 Nov 10:00 (created 09:00); res running, at risk -> At Risk
 T4  B Bob P3 paused    resp m 28 Oct 10:00 (created 09:20); res paused -> Paused
 T5  A Ann P2 open      resp #1 cancelled, resp #2 m 24 Nov 10:10 (created 09:00);
                        update #1 m 21 Nov, #2 m 23 Nov, #3 cancelled; res running -> On Track
 T6  B Ann P4 open      resp m 5 Nov 10:00 (created 09:00); res reopened (running) -> On Track
 T7  A Bob P3 closed    resp m 20 Oct (before 30 d); res breached 25 Oct 23:30, stopped 27 Oct
 T8  B Bob P1 resolved  resp m 23 Nov 07:30 (created 07:00); res breached 23 Nov 20:00,
                        stopped 24 Nov 09:30
 T9  - --- P3 new       no clocks -> No SLA
 T10 A --- P2 new       resp and res running -> On Track
 T11 A Ann P1 escalated resp m 24 Nov 07:00 (created 06:50); res running -> On Track
 T12 B Ann P4 closed    no clocks; created 19 Nov 09:00, resolved 19 Nov 12:00

Satisfaction answers (technician = the survey's, i.e. the assignee at close):
 T1  Ann rating 4 answered 24 Nov 10:15 (today)        T12 Ann rating 5 answered 20 Nov 09:00
 T7  Bob rating 2 answered 27 Oct 12:00 (30 days only) T8  Bob sent, never answered
 T4  Bob rating 1 answered 25 Oct 23:00 EDT = 26 Oct 03:00 UTC: just before the 30 days

Notifications: unread warning to Ann on T3 (counts), unread info on T5, read error on
T10, unread error on T1 (resolved), unread warning to Bob on T2 (none count for Ann but T3).
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlmodel import select

from msp_tui.store.db import Database
from msp_tui.store.models import (
    BusinessCalendarRow,
    Client,
    CsatSurvey,
    Notification,
    SlaClock,
    Status,
    Technician,
    Ticket,
)

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)
ANN = "ann@kpi.example"
BOB = "bob@kpi.example"


def ny(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=NY).astimezone(UTC)


def build(db: Database) -> dict[str, int]:
    """Rows as above; returns ticket ids by name ("T1"...) and "ann"/"bob" ids."""
    with db.session() as s:
        status = {st.key: st.id for st in s.exec(select(Status)).all()}
        cal = BusinessCalendarRow(name="NY 24/7", tz="America/New_York", always_open=True)
        a = Client(name="Acme", billing_type="hybrid", created_at=NOW)
        b = Client(name="Birch", billing_type="hybrid", created_at=NOW)
        ann = Technician(name="Ann", email=ANN, role="team_lead", tier="senior",
                         timezone="America/New_York")
        bob = Technician(name="Bob", email=BOB, role="technician", tier="tier1",
                         timezone="Europe/Berlin")
        s.add_all([cal, a, b, ann, bob])
        s.flush()
        ids: dict[str, int] = {"ann": ann.id, "bob": bob.id}  # type: ignore[dict-item]

        def ticket(name: str, client: Client | None, tech: Technician | None, prio: str,
                   key: str, created: datetime, **extra: object) -> int:
            number = int(name[1:])
            t = Ticket(number=number, subject=f"{name} subject", channel="email",
                       client_id=client.id if client else None,
                       assignee_id=tech.id if tech else None, priority=prio,
                       status_id=status[key], created_at=created, updated_at=created,
                       **extra)  # type: ignore[arg-type]
            s.add(t)
            s.flush()
            ids[name] = t.id  # type: ignore[assignment]
            return t.id  # type: ignore[return-value]

        def clock(tid: int, kind: str, state: str, started: datetime, *,
                  stopped: datetime | None = None, breached: datetime | None = None,
                  due: datetime | None = None, at_risk: datetime | None = None) -> None:
            s.add(SlaClock(ticket_id=tid, kind=kind, state=state, calendar_id=cal.id,
                           target_seconds=3600, started_at=started, stopped_at=stopped,
                           breached_at=breached, due_at=due, at_risk_at=at_risk,
                           running_since=started if state == "running" else None))
            s.flush()

        t = ticket("T1", a, ann, "P1", "resolved", ny(11, 24, 8, 40),
                   first_response_at=ny(11, 24, 9), resolved_at=ny(11, 24, 10))
        clock(t, "response", "met", ny(11, 24, 8, 40), stopped=ny(11, 24, 9))
        clock(t, "resolution", "met", ny(11, 24, 8, 40), stopped=ny(11, 24, 10))

        t = ticket("T2", a, bob, "P2", "in_progress", ny(11, 23, 10),
                   next_due_at=ny(11, 23, 11, 59), sla_breached=True)
        clock(t, "response", "running", ny(11, 23, 10), due=ny(11, 23, 11, 59),
              breached=ny(11, 23, 12), at_risk=ny(11, 23, 11))
        clock(t, "resolution", "running", ny(11, 23, 10), due=ny(11, 26, 10),
              at_risk=ny(11, 26, 9))

        t = ticket("T3", b, ann, "P3", "in_progress", ny(11, 20, 9),
                   first_response_at=ny(11, 20, 10), next_due_at=ny(11, 24, 11))
        clock(t, "response", "met", ny(11, 20, 9), stopped=ny(11, 20, 10))
        clock(t, "resolution", "running", ny(11, 20, 9), due=ny(11, 24, 11),
              at_risk=ny(11, 24, 10, 15))

        t = ticket("T4", b, bob, "P3", "waiting_on_customer", ny(10, 28, 9, 20),
                   first_response_at=ny(10, 28, 10))
        clock(t, "response", "met", ny(10, 28, 9, 20), stopped=ny(10, 28, 10))
        clock(t, "resolution", "paused", ny(10, 28, 9, 20))

        t = ticket("T5", a, ann, "P2", "in_progress", ny(11, 24, 9),
                   first_response_at=ny(11, 24, 10, 10), next_due_at=ny(11, 25, 9))
        clock(t, "response", "cancelled", ny(11, 24, 9), stopped=ny(11, 24, 9, 30))
        clock(t, "response", "met", ny(11, 24, 9, 30), stopped=ny(11, 24, 10, 10))
        clock(t, "update", "met", ny(11, 20, 9), stopped=ny(11, 21, 9))
        clock(t, "update", "met", ny(11, 21, 9), stopped=ny(11, 23, 9))
        clock(t, "update", "cancelled", ny(11, 23, 9), stopped=ny(11, 24, 9))
        clock(t, "resolution", "running", ny(11, 24, 9), due=ny(11, 25, 9),
              at_risk=ny(11, 25, 8))

        t = ticket("T6", b, ann, "P4", "in_progress", ny(11, 5, 9),
                   first_response_at=ny(11, 5, 10), next_due_at=ny(11, 28, 9))
        clock(t, "response", "met", ny(11, 5, 9), stopped=ny(11, 5, 10))
        clock(t, "resolution", "running", ny(11, 5, 9), due=ny(11, 28, 9),
              at_risk=ny(11, 28, 8))

        t = ticket("T7", a, bob, "P3", "closed", ny(10, 20, 8),
                   first_response_at=ny(10, 20, 9), resolved_at=ny(10, 27, 9))
        clock(t, "response", "met", ny(10, 20, 8), stopped=ny(10, 20, 9))
        clock(t, "resolution", "breached", ny(10, 20, 8), stopped=ny(10, 27, 9),
              breached=ny(10, 25, 23, 30))

        t = ticket("T8", b, bob, "P1", "resolved", ny(11, 23, 7),
                   first_response_at=ny(11, 23, 7, 30), resolved_at=ny(11, 24, 9, 30))
        clock(t, "response", "met", ny(11, 23, 7), stopped=ny(11, 23, 7, 30))
        clock(t, "resolution", "breached", ny(11, 23, 7), stopped=ny(11, 24, 9, 30),
              breached=ny(11, 23, 20))

        ticket("T9", None, None, "P3", "new", ny(11, 24, 8))

        t = ticket("T10", a, None, "P2", "new", ny(11, 24, 10), next_due_at=ny(11, 24, 12, 30))
        clock(t, "response", "running", ny(11, 24, 10), due=ny(11, 24, 12, 30),
              at_risk=ny(11, 24, 12))
        clock(t, "resolution", "running", ny(11, 24, 10), due=ny(11, 25, 10),
              at_risk=ny(11, 25, 9))

        t = ticket("T11", a, ann, "P1", "escalated", ny(11, 24, 6, 50),
                   first_response_at=ny(11, 24, 7), next_due_at=ny(11, 24, 14))
        clock(t, "response", "met", ny(11, 24, 6, 50), stopped=ny(11, 24, 7))
        clock(t, "resolution", "running", ny(11, 24, 6, 50), due=ny(11, 24, 14),
              at_risk=ny(11, 24, 13))

        ticket("T12", b, ann, "P4", "closed", ny(11, 19, 9), resolved_at=ny(11, 19, 12))

        for name, tech, rating, answered in (
            ("T1", ann, 4, ny(11, 24, 10, 15)),
            ("T12", ann, 5, ny(11, 20, 9)),
            ("T7", bob, 2, ny(10, 27, 12)),
            ("T8", bob, None, None),
            ("T4", bob, 1, ny(10, 25, 23)),
        ):
            row = s.get(Ticket, ids[name])
            assert row is not None
            s.add(CsatSurvey(ticket_id=row.id, client_id=row.client_id, technician_id=tech.id,
                             recipient="someone@client.example", token=f"tok{name.lower()}",
                             state="answered" if rating else "sent", rating=rating,
                             created_at=ny(10, 20, 9), sent_at=ny(10, 20, 9),
                             answered_at=answered))

        for recipient, level, name, read in (
            (ann, "warning", "T3", None),
            (ann, "info", "T5", None),
            (ann, "error", "T10", NOW),
            (ann, "error", "T1", None),
            (bob, "warning", "T2", None),
        ):
            s.add(Notification(recipient_id=recipient.id, level=level, text=f"about {name}",
                               ticket_id=ids[name], created_at=NOW, read_at=read))
        s.commit()
    return ids
