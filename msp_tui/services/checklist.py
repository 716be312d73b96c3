"""The setup checklist: what is missing or unreachable, each with the settings key to fix it.

A new desk fails quietly: a client without an SLA profile gets no clocks, a ticket no rule
matches sits unassigned, a mailbox with a wrong password turns no mail into tickets. Each
check here reads stored state only (one transaction), so the list is cheap to show; the
live mail check (`live_mail_checks`) logs in to IMAP and greets SMTP with short timeouts,
and is run on request, off the UI thread.

The mail checks need the config (which mailbox, which SMTP server); without one they say
what the stored poll and outbox rows show.
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import sqlalchemy as sa
from imapclient import IMAPClient
from sqlmodel import Session, select

from msp_tui import passwords
from msp_tui.config import Config
from msp_tui.engine.assignment import RuleSpec
from msp_tui.engine.escalation import THRESHOLD_TRIGGERS
from msp_tui.engine.vocabulary import OutboxState, PriorityCode, RulePhase
from msp_tui.services.admin_edits import plural
from msp_tui.services.desk import Desk
from msp_tui.services.outbox import SmtpTransport
from msp_tui.store.models import (
    AssignmentRule,
    BusinessCalendarRow,
    Client,
    EscalationRule,
    GroupMember,
    MailboxState,
    OutboxMail,
    SlaProfile,
    SlaTarget,
    TechGroup,
    Technician,
)

State = Literal["ok", "warn", "fail"]
LIVE_TIMEOUT = 5.0
NAMED = 3  # how many names a detail lists before "and N more"
# A poll older than this many poll intervals (at least STALE_MIN) means nobody polls.
STALE_POLLS = 5
STALE_MIN = timedelta(minutes=10)


@dataclass(frozen=True)
class CheckItem:
    id: str
    title: str
    state: State
    detail: str
    fix: str = ""  # what to do, in a few words
    fix_key: str | None = None  # the settings hub key of the screen that fixes it


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(names[:NAMED])
    more = len(names) - NAMED
    return f"{shown} and {more} more" if more > 0 else shown


def _ago(now: datetime, then: datetime) -> str:
    minutes = int((now - then).total_seconds() // 60)
    if minutes < 1:
        return "just now"
    if minutes < 120:
        return f"{minutes} min ago"
    if minutes < 48 * 60:
        return f"{minutes // 60} h ago"
    return f"{minutes // 1440} days ago"


# ---------------------------------------------------------------- desk setup


def _profiles(s: Session) -> list[CheckItem]:
    profiles = s.exec(select(SlaProfile).order_by(SlaProfile.name)).all()
    calendars = s.exec(select(sa.func.count()).select_from(BusinessCalendarRow)).one()
    if not calendars or not profiles:
        missing = [w for w, n in (("business calendar", calendars), ("SLA profile",
                                                                      len(profiles))) if not n]
        return [CheckItem("profiles", "SLA profiles and calendars", "fail",
                          "no " + " and no ".join(missing) + ": tickets get no SLA clocks",
                          "add a calendar (c), then a profile", "c" if not calendars else "p")]
    items = [CheckItem("profiles", "SLA profiles and calendars", "ok",
                       f"{plural(len(profiles), 'profile')} on "
                       f"{plural(calendars, 'calendar')}", fix_key="p")]
    have: dict[int, set[str]] = {}
    for profile_id, priority in s.exec(select(SlaTarget.profile_id, SlaTarget.priority)).all():
        have.setdefault(profile_id, set()).add(priority)
    gaps = [
        f"{p.name} (no {', '.join(m)})" for p in profiles
        if (m := [c.value for c in PriorityCode if c.value not in have.get(p.id or 0, set())])
    ]
    items.append(CheckItem(
        "targets", "Targets for every priority", "warn" if gaps else "ok",
        f"missing: {_names(gaps)}" if gaps else "every profile has P1-P4 targets",
        "add the targets, or those tickets run without clocks" if gaps else "", "p"))
    return items


def _clients(s: Session) -> CheckItem:
    names = list(s.exec(
        select(Client.name).where(Client.active == True, Client.sla_profile_id == None)  # noqa: E711, E712
        .order_by(Client.name)
    ).all())
    if names:
        return CheckItem("clients", "Clients with an SLA profile", "warn",
                         f"{plural(len(names), 'client')} without one: {_names(names)}",
                         "give them a profile: their tickets get no clocks", "l")
    count = s.exec(select(sa.func.count()).select_from(Client).where(Client.active == True)).one()  # noqa: E712
    return CheckItem("clients", "Clients with an SLA profile", "ok",
                     f"all {plural(count, 'active client')} have one", fix_key="l")


def _escalations(s: Session) -> CheckItem:
    triggers = sorted(
        set(s.exec(select(EscalationRule.trigger).where(EscalationRule.active == True)).all()),  # noqa: E712
        key=lambda t: (not t.isdigit(), int(t) if t.isdigit() else 0, t),
    )
    if not triggers:
        return CheckItem("escalations", "Escalation rules", "fail",
                         "no active rule: crossing 75/90/100 % alerts nobody",
                         "add rules for 75, 90 and 100 %", "e")
    missing = [t for t in THRESHOLD_TRIGGERS if t not in triggers]
    shown = ", ".join(f"{t} %" if t.isdigit() else t.replace("_", " ") for t in triggers)
    if missing:
        return CheckItem("escalations", "Escalation rules", "warn",
                         f"rules at {shown}; none at {', '.join(m + ' %' for m in missing)}",
                         "add the missing thresholds", "e")
    return CheckItem("escalations", "Escalation rules", "ok", f"rules at {shown}", fix_key="e")


def _assignment(s: Session) -> CheckItem:
    rows = s.exec(select(AssignmentRule).where(AssignmentRule.active == True)  # noqa: E712
                  .order_by(AssignmentRule.position, AssignmentRule.id)).all()  # type: ignore[arg-type]
    specs = [RuleSpec(r.id, r.position, r.name, r.phase, dict(r.conditions or {}),
                      dict(r.actions or {})) for r in rows]
    broken = [sp.name for sp in specs if sp.validate()]
    assign = [sp for sp in specs if sp.phase == RulePhase.ASSIGN and not sp.validate()]
    title = "Assignment rules"
    if not assign:
        return CheckItem("assignment", title, "fail",
                         "no active assign rule: every new ticket waits unassigned",
                         "add one, ending with a catch-all", "a")
    if broken:
        return CheckItem("assignment", title, "warn",
                         f"invalid, skipped by intake: {_names(broken)}", "fix or delete them",
                         "a")
    if not any(not sp.conditions for sp in assign):
        return CheckItem("assignment", title, "warn",
                         f"{plural(len(assign), 'assign rule')} but no catch-all: a ticket "
                         "none matches stays unassigned", "add a last rule with no conditions",
                         "a")
    catch_all = next(sp for sp in assign if not sp.conditions)
    if catch_all is not assign[-1]:
        return CheckItem("assignment", title, "warn",
                         f"catch-all {catch_all.name!r} is not the last assign rule: the ones "
                         "after it never match", "move it to the end", "a")
    return CheckItem("assignment", title, "ok",
                     f"{plural(len(assign), 'assign rule')}, the last a catch-all", fix_key="a")


def _groups(s: Session) -> CheckItem:
    groups = s.exec(select(TechGroup).order_by(TechGroup.name)).all()
    title = "Groups and leads"
    if not groups:
        return CheckItem("groups", title, "fail", "no groups: rules have nowhere to route",
                         "add groups and members", "g")
    active: dict[int, int] = {}
    for group_id, n in s.execute(
        sa.select(GroupMember.group_id, sa.func.count())
        .join(Technician, Technician.id == GroupMember.technician_id)  # type: ignore[arg-type]
        .where(Technician.active == True)  # noqa: E712
        .group_by(GroupMember.group_id)
    ).all():
        active[int(group_id)] = int(n)
    leads = {t.id for t in s.exec(select(Technician).where(Technician.active == True)).all()}  # noqa: E712
    empty = [g.name for g in groups if not active.get(g.id or 0)]
    leaderless = [g.name for g in groups if g.lead_id not in leads]
    if empty:
        detail = f"nobody active in {_names(empty)}"
        if leaderless:
            detail += f"; no lead in {_names(leaderless)}"
        return CheckItem("groups", title, "fail", detail,
                         "add active members: round robin there assigns nobody", "g")
    if leaderless:
        return CheckItem("groups", title, "warn", f"no active lead in {_names(leaderless)}",
                         "name a lead: 'tell the group lead' rules reach nobody", "g")
    return CheckItem("groups", title, "ok",
                     f"{plural(len(groups), 'group')}, each with active members and a lead",
                     fix_key="g")


# ---------------------------------------------------------------- mail (stored state)

_MAIL_FIX = "[mailbox] in config.toml, then msp-tui mailbox set-password"
_SMTP_FIX = "[smtp] in config.toml, then msp-tui mailbox set-password --smtp"


def _mailbox(s: Session, now: datetime, config: Config | None) -> CheckItem:
    title = "Mailbox (intake)"
    rows = {r.mailbox: r for r in s.exec(select(MailboxState)).all()}
    if config is not None and not config.mailbox.enabled:
        return CheckItem("mailbox", title, "warn",
                         "not configured: email does not become tickets", _MAIL_FIX)
    if config is not None:
        box = config.mailbox
        label = f"{box.user}@{box.host}/{box.folder}"
        row = rows.get(label)
        stale_after = max(STALE_MIN, timedelta(seconds=box.poll_seconds * STALE_POLLS))
    else:
        label = "the mailbox"
        row = max(rows.values(), key=lambda r: r.last_poll_at or datetime.min.replace(
            tzinfo=now.tzinfo), default=None)
        stale_after = STALE_MIN
        if row is not None:
            label = row.mailbox
    if row is None or row.last_poll_at is None:
        detail = (f"{label}: never polled (is a console or `msp-tui worker` running?)"
                  if config is not None else "no poll recorded (intake not set up here?)")
        return CheckItem("mailbox", title, "warn", detail, _MAIL_FIX)
    when = _ago(now, row.last_poll_at)
    if row.last_error:
        return CheckItem("mailbox", title, "fail",
                         f"{label}: last poll {when} failed: {row.last_error}", _MAIL_FIX)
    if now - row.last_poll_at > stale_after:
        return CheckItem("mailbox", title, "warn",
                         f"{label}: last poll {when}; nothing polls now?",
                         "start a console or `msp-tui worker`")
    return CheckItem("mailbox", title, "ok", f"{label}: polled {when}, no error")


def _smtp(s: Session, now: datetime, config: Config | None) -> CheckItem:
    title = "Outgoing mail (SMTP)"
    counts = dict(s.execute(
        sa.select(OutboxMail.state, sa.func.count()).group_by(OutboxMail.state)
    ).all())
    failed = int(counts.get(OutboxState.FAILED, 0))
    queued = int(counts.get(OutboxState.QUEUED, 0))
    last = s.exec(
        select(OutboxMail).where(OutboxMail.last_error != None)  # noqa: E711
        .where(OutboxMail.state != OutboxState.SENT)
        .order_by(OutboxMail.id.desc())  # type: ignore[union-attr]
    ).first()
    error = f"; last error: {last.last_error}" if last is not None else ""
    tally = f"{failed} failed, {queued} queued"
    if config is not None and not config.smtp.enabled:
        return CheckItem("smtp", title, "warn" if not (failed or queued) else "fail",
                         "not configured: replies are recorded, not mailed"
                         + (f" ({tally})" if failed or queued else ""), _SMTP_FIX)
    where = f"{config.smtp.host}:{config.smtp.port}: " if config is not None else ""
    if failed:
        return CheckItem("smtp", title, "fail", f"{where}{tally}{error}",
                         "fix the server or password, then retry from the ticket")
    if last is not None:
        return CheckItem("smtp", title, "warn", f"{where}{tally}, retrying{error}", _SMTP_FIX)
    oldest = s.exec(select(sa.func.min(OutboxMail.created_at))
                    .where(OutboxMail.state == OutboxState.QUEUED)).one()
    if oldest is not None and now - oldest > STALE_MIN:
        return CheckItem("smtp", title, "warn",
                         f"{where}{tally}, oldest {_ago(now, oldest)}: nothing sends?",
                         "start a console or `msp-tui worker`")
    return CheckItem("smtp", title, "ok", f"{where}{tally}")


def run_checks(desk: Desk, config: Config | None = None) -> list[CheckItem]:
    """Every stored-state check, in the order a new desk is set up."""
    now = desk.clock.now()
    with desk.db.session() as s:
        return [
            *_profiles(s),
            _clients(s),
            _escalations(s),
            _assignment(s),
            _groups(s),
            _mailbox(s, now, config),
            _smtp(s, now, config),
        ]


# ---------------------------------------------------------------- mail (live)


def check_imap(config: Config, timeout: float = LIVE_TIMEOUT) -> CheckItem:
    """Log in to the configured mailbox and log out; nothing is read."""
    title = "Mailbox login (live)"
    box = config.mailbox
    if not box.enabled:
        return CheckItem("imap_live", title, "warn", "not configured", _MAIL_FIX)
    where = f"{box.user} at {box.host}:{box.port}"
    try:
        client = IMAPClient(box.host, port=box.port, ssl=box.tls == "implicit",
                            ssl_context=ssl.create_default_context(), timeout=timeout)
    except Exception as exc:
        return CheckItem("imap_live", title, "fail", f"cannot connect to {where}: {exc}",
                         _MAIL_FIX)
    try:
        if box.tls == "starttls":
            client.starttls(ssl.create_default_context())
        client.login(box.user, passwords.get_password("imap", box.user, box.host))
    except Exception as exc:
        return CheckItem("imap_live", title, "fail", f"login as {where} failed: {exc}",
                         _MAIL_FIX)
    finally:
        with contextlib.suppress(Exception):
            client.logout()
    return CheckItem("imap_live", title, "ok", f"logged in as {where}")


def check_smtp(config: Config, timeout: float = LIVE_TIMEOUT) -> CheckItem:
    """Connect, EHLO (STARTTLS as configured) and log in when a user is set; no mail."""
    title = "SMTP greeting (live)"
    smtp = config.smtp
    if not smtp.enabled:
        return CheckItem("smtp_live", title, "warn", "not configured", _SMTP_FIX)
    where = f"{smtp.host}:{smtp.port}"

    def password() -> str:
        return passwords.get_password("smtp", smtp.user, smtp.host)

    transport = SmtpTransport(smtp.host, smtp.port, tls=smtp.tls, user=smtp.user,
                              password=password if smtp.user else None, timeout=timeout)
    try:
        conn = transport.connect()
    except Exception as exc:  # OSError, SMTP replies, PasswordError, DeliveryError: all say why
        return CheckItem("smtp_live", title, "fail", f"{where}: {exc}", _SMTP_FIX)
    with contextlib.suppress(Exception):
        conn.quit()
    who = f" as {smtp.user}" if smtp.user else ""
    return CheckItem("smtp_live", title, "ok", f"{where} answered EHLO{who}")


def live_mail_checks(config: Config, timeout: float = LIVE_TIMEOUT) -> list[CheckItem]:
    return [check_imap(config, timeout), check_smtp(config, timeout)]
