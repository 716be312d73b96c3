"""Reports: the digest's content, order and once-per-day queueing; CSV exports' headers,
rows, date bounds and UTF-8; the scheduler's digest job."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from sqlmodel import select

from msp_tui.config import Config, ReportsConfig, SchedulerConfig, SmtpConfig
from msp_tui.engine.badges import badge_for
from msp_tui.engine.clock import FixedClock
from msp_tui.engine.vocabulary import Direction, PriorityCode
from msp_tui.jobs.scheduler import add_jobs
from msp_tui.services import reports
from msp_tui.services import tickets as svc
from msp_tui.services.mail_wiring import MailSetup
from msp_tui.services.outbox import OutboundSettings
from msp_tui.store.models import AppMeta, OutboxMail, Technician, Ticket
from msp_tui.store.queries import queue_rows
from tests.services.gold_desk import FIXED, MON, NY, Desk, new_ticket, ny

SETTINGS = OutboundSettings("Desk <desk@msp.example>", "MSP")
NOW = ny(2026, 11, 23, 11, 0)  # Monday 11:00 New York


def _urgent_desk(d: Desk) -> dict[str, int]:
    """P1 (response breached at 11:00), P3 (response due 14:00), P4 (due end of Tuesday),
    a P4 already answered (resolution due next week), a resolved P1 and a no-SLA ticket."""
    with d.db.session() as s:
        sam = Technician(name="Sam Øster", email="sam@x.example", role="technician",
                         tier="tier1")
        s.add(sam)
        s.flush()
        p1 = new_ticket(s, d, priority=PriorityCode.P1)
        p3 = new_ticket(s, d, priority=PriorityCode.P3)
        p4 = new_ticket(s, d, priority=PriorityCode.P4)
        later = new_ticket(s, d, priority=PriorityCode.P4)
        svc.add_message(s, later, at=MON + timedelta(minutes=1), direction=Direction.PUBLIC,
                        body="On it", actor=d.tech)
        done = new_ticket(s, d, priority=PriorityCode.P1)
        bare = new_ticket(s, d, client=d.bare_client_id)
        svc.assign(s, p1, technician_id=d.tech.technician_id, at=MON, actor=d.tech)
        svc.assign(s, p4, technician_id=d.tech.technician_id, at=MON, actor=d.tech)
        svc.assign(s, p3, technician_id=sam.id, at=MON, actor=d.tech)
        svc.change_status(s, done, "resolved", at=MON + timedelta(minutes=5),
                          actor=d.tech, closure=FIXED)
        return {name: t.number for name, t in
                dict(p1=p1, p3=p3, p4=p4, later=later, done=done, bare=bare).items()}


def test_digest_lists_due_and_breached_tickets_most_urgent_first_by_assignee(
    desk: Desk,
) -> None:
    n = _urgent_desk(desk)
    with desk.db.session() as s:
        digest = reports.build_digest(s, NOW)
    assert digest.zone.key == "America/New_York"  # the first business calendar's
    assert digest.horizon == ny(2026, 11, 24, 17, 0).astimezone(UTC)  # end of Tuesday
    groups = {name: [ln.number for ln in lines] for name, lines in digest.groups}
    assert list(groups) == ["Tess", "Sam Øster"]  # Tess holds the most urgent ticket
    assert groups == {"Tess": [n["p1"], n["p4"]], "Sam Øster": [n["p3"]]}
    first = digest.groups[0][1][0]
    assert (first.badge, first.priority, first.clock_kind, first.countdown) == (
        "Breached", "P1", "response", "-30m")
    assert first.due_at == ny(2026, 11, 23, 10, 30)
    text = reports.render_digest(digest)
    assert "SLA digest for Mon 23 Nov 2026 (America/New_York)" in text
    assert "due by Tue 24 Nov 17:00 EST or already breached: 3" in text
    assert f"#{n['p1']}" in text and "due Mon 23 Nov 10:30 EST (-30m)" in text
    assert text.index("Tess (2)") < text.index("Sam Øster (1)")
    for absent in ("later", "done", "bare"):
        assert f"#{n[absent]} " not in text
    # A configured zone changes how times read, not what is listed.
    with desk.db.session() as s:
        utc = reports.build_digest(s, NOW, "UTC")
    assert "due Mon 23 Nov 15:30 UTC" in reports.render_digest(utc)


def test_an_empty_digest_says_so(desk: Desk) -> None:
    with desk.db.session() as s:
        text = reports.render_digest(reports.build_digest(s, NOW))
    assert ": 0" in text and "Nothing is approaching" in text


def test_digest_is_queued_once_per_local_day(desk: Desk) -> None:
    _urgent_desk(desk)
    for at in (NOW, NOW + timedelta(hours=5)):  # 16:00 the same New York day
        with desk.db.session() as s:
            digest = reports.build_digest(s, at)
            queued = reports.queue_digest(s, digest, to=["ops@msp.example"], settings=SETTINGS)
        assert queued is (at == NOW)
    with desk.db.session() as s:
        (mail,) = s.exec(select(OutboxMail)).all()
        assert mail.to_addrs == ["ops@msp.example"] and "SLA digest 2026-11-23" in mail.subject
        assert "Tess (2)" in mail.body
        assert s.get(AppMeta, "digest_sent:2026-11-23") is not None
    with desk.db.session() as s:  # nobody to write to: no key is left behind
        digest = reports.build_digest(s, NOW + timedelta(days=1))
        assert not reports.queue_digest(s, digest, to=[], settings=SETTINGS)
    with desk.db.session() as s:
        assert s.get(AppMeta, "digest_sent:2026-11-24") is None


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _export(d: Desk, kind: reports.ExportKind, first: date, last: date) -> list[list[str]]:
    out = io.StringIO()
    with d.db.session() as s:
        count = reports.write_csv(s, kind, first, last, NY, out)
    rows = _rows(out.getvalue())
    assert count == len(rows) - 1
    return rows


def test_ticket_export_headers_rows_and_local_day_bounds(desk: Desk) -> None:
    with desk.db.session() as s:
        a = new_ticket(s, desk, at=ny(2026, 11, 23, 0, 0))  # first instant of the 23rd
        b = new_ticket(s, desk, at=ny(2026, 11, 23, 23, 59))
        new_ticket(s, desk, at=ny(2026, 11, 24, 0, 0))  # the `to` day itself: excluded
        new_ticket(s, desk, at=ny(2026, 11, 22, 23, 59))
        a.subject = "irrelevant"
        svc.assign(s, b, technician_id=desk.tech.technician_id, at=MON, actor=desk.tech)
        svc.change_status(s, b, "resolved", at=ny(2026, 11, 24, 9, 0),
                          actor=desk.tech, closure=FIXED)
    rows = _export(desk, "tickets", date(2026, 11, 23), date(2026, 11, 24))
    assert tuple(rows[0]) == reports.TICKET_HEADER
    assert [r[0] for r in rows[1:]] == [str(a.number), str(b.number)]
    row = dict(zip(rows[0], rows[2], strict=True))
    assert row["created"] == "2026-11-24T04:59:00Z"  # 23:59 EST in UTC
    assert row["client"] == "Acme" and row["priority"] == "P3"
    assert row["assignee"] == "Tess" and row["status"] == "Resolved"
    assert row["resolved"] == "2026-11-24T14:00:00Z" and row["closed"] == ""
    assert row["sla_breached"] in ("true", "false")


def test_kpi_export_lists_clock_events_in_range(desk: Desk) -> None:
    with desk.db.session() as s:
        t = new_ticket(s, desk, priority=PriorityCode.P1)
        svc.change_status(s, t, "resolved", at=ny(2026, 11, 23, 11, 0),
                          actor=desk.tech, closure=FIXED)
    rows = _export(desk, "kpi", date(2026, 11, 23), date(2026, 11, 24))
    assert tuple(rows[0]) == reports.KPI_HEADER
    body = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert body and all(r["ticket"] == str(t.number) for r in body)
    started = [r for r in body if r["event"] == "started"]
    assert {r["clock"] for r in started} >= {"response", "resolution"}
    assert all(r["at"].endswith("Z") for r in body)
    assert started[0]["at"] == "2026-11-23T15:00:00Z"
    assert _export(desk, "kpi", date(2026, 11, 24), date(2026, 11, 25)) == [rows[0]]


def test_time_export_is_inclusive_and_utf8(desk: Desk, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with desk.db.session() as s:
        t = new_ticket(s, desk)
        for day, note in ((22, "before"), (23, "Café réseau — naïve ✓"), (25, "last day"),
                          (26, "after")):
            svc.log_time(s, t, technician_id=desk.tech.technician_id, minutes=30,  # type: ignore[arg-type]
                         billable=day != 25, work_date=date(2026, 11, day), at=MON, note=note)
    path = tmp_path / "time.csv"
    with path.open("w", encoding="utf-8", newline="") as out, desk.db.session() as s:
        reports.write_csv(s, "time", date(2026, 11, 23), date(2026, 11, 25), NY, out)
    rows = _rows(path.read_bytes().decode("utf-8"))
    assert tuple(rows[0]) == reports.TIME_HEADER
    assert rows[1:] == [
        [str(t.number), "Tess", "2026-11-23", "30", "true", "false", "Café réseau — naïve ✓"],
        [str(t.number), "Tess", "2026-11-25", "30", "false", "false", "last day"],
    ]


def test_iso_z() -> None:
    assert reports.iso_z(datetime(2026, 11, 23, 10, 0, tzinfo=NY)) == "2026-11-23T15:00:00Z"
    assert reports.iso_z(None) == ""


def _mail(recipients: tuple[str, ...], **reports_kw: str) -> MailSetup:
    return MailSetup.from_config(Config(
        smtp=SmtpConfig(enabled=True, host="smtp.example", from_address="desk@msp.example"),
        reports=ReportsConfig(digest_recipients=recipients, **reports_kw),  # type: ignore[arg-type]
    ))


def test_digest_job_registered_at_the_local_time_and_sends_once(desk: Desk) -> None:
    _urgent_desk(desk)
    clock = FixedClock(ny(2026, 11, 24, 7, 30))
    none = BackgroundScheduler()
    add_jobs(none, desk.db, clock, SchedulerConfig(), "me", mail=_mail(()))
    assert none.get_job("daily_digest") is None  # nobody to send it to

    sched = BackgroundScheduler()
    add_jobs(sched, desk.db, clock, SchedulerConfig(), "me",
             mail=_mail(("ops@msp.example",), digest_time="06:45"))
    job = sched.get_job("daily_digest")
    assert job is not None
    fields = {f.name: str(f) for f in job.trigger.fields}
    assert (fields["hour"], fields["minute"]) == ("6", "45")
    assert job.trigger.timezone == ZoneInfo("America/New_York")
    job.func()
    job.func()  # a second run (another process, a restart): nothing more
    other = BackgroundScheduler()
    add_jobs(other, desk.db, clock, SchedulerConfig(), "other-process",
             mail=_mail(("ops@msp.example",)))
    other.get_job("daily_digest").func()  # lease held by "me": does nothing
    with desk.db.session() as s:
        assert len(s.exec(select(OutboxMail)).all()) == 1
        assert s.exec(select(Ticket)).first() is not None
    clock.advance(days=1)
    job.func()
    with desk.db.session() as s:
        assert len(s.exec(select(OutboxMail)).all()) == 2


def test_digest_badges_are_the_queues_badges(desk: Desk) -> None:
    """The digest reads its tickets' clocks with the queue's query (`clocks_by_ticket`), so a
    ticket wears the same badge in the morning mail as on the console."""
    _urgent_desk(desk)
    with desk.db.session() as s:
        digest = reports.build_digest(s, NOW)
        queue = {r.number: r for r in queue_rows(s)}
    lines = [ln for _name, group in digest.groups for ln in group]
    assert len(lines) == 3
    for ln in lines:
        assert ln.badge == str(badge_for(queue[ln.number].clocks, NOW).badge), ln.number
    assert {ln.badge for ln in lines} >= {"Breached"}
