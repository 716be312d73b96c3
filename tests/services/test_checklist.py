"""The setup checklist on the demo database: each gap named with its fix key; the mail rows
from stored poll/outbox state and, live, against real Dovecot and aiosmtpd servers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlmodel import select

from msp_tui import passwords
from msp_tui.config import Config, MailboxConfig, SmtpConfig
from msp_tui.services import checklist
from msp_tui.services.checklist import CheckItem
from msp_tui.services.desk import Desk
from msp_tui.store.models import (
    AssignmentRule,
    Client,
    EscalationRule,
    MailboxState,
    OutboxMail,
    SlaProfile,
    SlaTarget,
    TechGroup,
)
from tests.conftest import FIXED_NOW
from tests.mailservers import ImapAccount
from tests.memory_keyring import MemoryKeyring
from tests.smtp_sink import SmtpSink


def item(desk: Desk, check_id: str, config: Config | None = None) -> CheckItem:
    return next(i for i in checklist.run_checks(desk, config) if i.id == check_id)


def mail_config(host: str = "imap.example.test", port: int = 993, user: str = "desk@example.test",
                smtp_port: int = 587, tls: str = "implicit", smtp_user: str = "") -> Config:
    return Config(
        mailbox=MailboxConfig(enabled=True, host=host, port=port, user=user, tls=tls),  # type: ignore[arg-type]
        smtp=SmtpConfig(enabled=True, host="127.0.0.1", port=smtp_port, tls="none",
                        user=smtp_user, from_address="desk@example.test"),
    )


def test_the_demo_desk_is_mostly_set_up(demo_desk: Desk) -> None:
    items = {i.id: i for i in checklist.run_checks(demo_desk)}
    assert [i.state for i in items.values()].count("fail") == 0
    for ok in ("profiles", "targets", "escalations", "assignment", "groups", "smtp"):
        assert items[ok].state == "ok", items[ok]
    assert items["assignment"].detail == "5 assign rules, the last a catch-all"


def test_clients_without_a_profile_are_named_with_the_clients_key(demo_desk: Desk) -> None:
    with demo_desk.db.session() as s:
        for name in ("Zeta Dental", "Acme Plumbing", "Mu Bakery"):
            s.add(Client(name=name, billing_type="hourly", created_at=FIXED_NOW))
    found = item(demo_desk, "clients")
    assert found.state == "warn" and found.fix_key == "l"
    # alphabetical, the first three named, the rest counted
    assert found.detail == ("4 clients without one: Acme Plumbing, Blue Yonder Consulting, "
                            "Mu Bakery and 1 more")


def test_gaps_in_profiles_rules_and_groups(demo_desk: Desk) -> None:
    with demo_desk.db.session() as s:
        gold = s.exec(select(SlaProfile).where(SlaProfile.name == "Gold")).one()
        p4 = s.exec(select(SlaTarget).where(SlaTarget.profile_id == gold.id,
                                            SlaTarget.priority == "P4")).one()
        s.delete(p4)
        catch_all = s.exec(select(AssignmentRule).where(
            AssignmentRule.name == "Everything else to General Support")).one()
        catch_all.active = False
        for rule in s.exec(select(EscalationRule)).all():
            s.delete(rule)
        s.add(TechGroup(name="Night Shift"))
    targets = item(demo_desk, "targets")
    assert (targets.state, targets.detail, targets.fix_key) == ("warn", "missing: Gold (no P4)",
                                                                "p")
    assignment = item(demo_desk, "assignment")
    assert assignment.state == "warn" and "no catch-all" in assignment.detail
    assert assignment.fix_key == "a"
    escalations = item(demo_desk, "escalations")
    assert (escalations.state, escalations.fix_key) == ("fail", "e")
    groups = item(demo_desk, "groups")
    assert groups.state == "fail" and groups.fix_key == "g"
    assert "nobody active in Night Shift" in groups.detail
    assert "no lead in Night Shift" in groups.detail


def test_a_catch_all_before_other_rules_is_flagged(demo_desk: Desk) -> None:
    with demo_desk.db.session() as s:
        catch_all = s.exec(select(AssignmentRule).where(
            AssignmentRule.name == "Everything else to General Support")).one()
        catch_all.position = 1
    found = item(demo_desk, "assignment")
    assert found.state == "warn" and "is not the last assign rule" in found.detail


def test_mailbox_state_not_configured_never_polled_failing_and_fine(demo_desk: Desk) -> None:
    assert item(demo_desk, "mailbox", Config()).detail == (
        "not configured: email does not become tickets")
    config = mail_config()
    label = "desk@example.test@imap.example.test/INBOX"
    never = item(demo_desk, "mailbox", config)
    assert never.state == "warn" and "never polled" in never.detail
    with demo_desk.db.session() as s:
        s.add(MailboxState(mailbox=label, last_poll_at=FIXED_NOW - timedelta(minutes=2),
                           last_error="IMAP login failed for desk@example.test"))
    failing = item(demo_desk, "mailbox", config)
    assert failing.state == "fail"
    assert failing.detail == (f"{label}: last poll 2 min ago failed: IMAP login failed for "
                              "desk@example.test")
    with demo_desk.db.session() as s:
        row = s.get(MailboxState, label)
        assert row is not None
        row.last_error = None
    fine = item(demo_desk, "mailbox", config)
    assert (fine.state, fine.detail) == ("ok", f"{label}: polled 2 min ago, no error")
    # without a config the stored row still tells
    assert item(demo_desk, "mailbox").state == "ok"
    with demo_desk.db.session() as s:
        row = s.get(MailboxState, label)
        assert row is not None
        row.last_poll_at = FIXED_NOW - timedelta(hours=3)
    assert "nothing polls now" in item(demo_desk, "mailbox", config).detail


def test_outbox_failures_show_with_the_last_error(demo_desk: Desk) -> None:
    with demo_desk.db.session() as s:
        for n, state in enumerate(("failed", "queued", "sent")):
            s.add(OutboxMail(kind="reply", to_addrs=["a@example.test"], subject="x", body="y",
                             header_message_id=f"<{n}@test>", state=state,
                             last_error="550 mailbox unknown" if state == "failed" else None,
                             created_at=FIXED_NOW))
    found = item(demo_desk, "smtp", mail_config())
    assert found.state == "fail"
    assert found.detail == "127.0.0.1:587: 1 failed, 1 queued; last error: 550 mailbox unknown"


def test_live_checks_against_real_servers(
    dovecot: ImapAccount, smtp_sink_factory: Callable[..., SmtpSink],
    memory_keyring: MemoryKeyring,
) -> None:
    sink = smtp_sink_factory(users={"desk": "s3cret"})
    config = mail_config(host=dovecot.host, port=dovecot.port, user=dovecot.user, tls="none",
                         smtp_port=sink.port, smtp_user="desk")
    passwords.set_password("imap", dovecot.user, dovecot.host, dovecot.password)
    passwords.set_password("smtp", "desk", "127.0.0.1", "s3cret")
    imap, smtp = checklist.live_mail_checks(config, timeout=3)
    assert (imap.state, imap.detail) == (
        "ok", f"logged in as {dovecot.user} at {dovecot.host}:{dovecot.port}")
    assert (smtp.state, smtp.detail) == ("ok", f"127.0.0.1:{sink.port} answered EHLO as desk")

    passwords.set_password("imap", dovecot.user, dovecot.host, "wrong")
    passwords.set_password("smtp", "desk", "127.0.0.1", "wrong")
    imap, smtp = checklist.live_mail_checks(config, timeout=3)
    assert imap.state == "fail" and "login as" in imap.detail
    assert smtp.state == "fail" and "535" in smtp.detail
    sink.down()
    smtp = checklist.check_smtp(config, timeout=3)
    assert smtp.state == "fail" and f"127.0.0.1:{sink.port}" in smtp.detail


def test_live_checks_say_not_configured() -> None:
    imap, smtp = checklist.live_mail_checks(Config())
    assert (imap.detail, smtp.detail) == ("not configured", "not configured")
