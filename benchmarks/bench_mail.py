"""Benchmark: mail intake from a real Dovecot on loopback.

Starts Dovecot (tests/mailservers.py), APPENDs N deterministic messages (default 10,000) to a
fresh account's INBOX in one IMAP session, then ingests them all with the real poller
(`mail_poll.poll_once`) into a fresh SQLite desk and prints both rates; only the ingest is
the number that matters, the APPEND is timed apart so it never flatters it. The mix: ~70 %
new mail from known contacts of a few clients, ~20 % replies threading by In-Reply-To onto
earlier mail, ~5 % unknown senders (unmatched tickets), ~5 % auto-replies (ignored); plain
text bodies of a few hundred characters, some with a small attachment. Afterwards the
receipts are counted and must add up to N, each outcome to what was generated.

Memory: by default the rise of the process's ru_maxrss during the ingest (cheap, but it
only shows growth past the peak reached while generating and appending). `--tracemalloc`
also gives tracemalloc's peak of what the ingest allocates, the better number, but it makes
the ingest ~3x slower, so its rate is then flagged and is not the one to quote.

    python benchmarks/bench_mail.py [--messages N] [--batch N] [--db PATH] [--tracemalloc]
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python benchmarks/bench_mail.py` puts benchmarks/ there
    sys.path.insert(0, str(ROOT))

from msp_tui.engine.clock import FixedClock  # noqa: E402
from msp_tui.engine.vocabulary import MailOutcome, PriorityCode  # noqa: E402
from msp_tui.services.mail_intake import IntakeSettings  # noqa: E402
from msp_tui.services.mail_poll import MailboxSettings, poll_once  # noqa: E402
from msp_tui.store import migrate  # noqa: E402
from msp_tui.store.db import Database, url_for  # noqa: E402
from msp_tui.store.models import (  # noqa: E402
    Client,
    ClientDomain,
    Contact,
    MailReceipt,
    Message,
    Ticket,
)
from tests.mailservers import ImapAccount, run_dovecot  # noqa: E402
from tests.services.gold_desk import add_mail_people, build_gold_desk  # noqa: E402

HELPDESK = "help@msp.example"
INTAKE = IntakeSettings(default_priority=PriorityCode.P3, our_addresses=(HELPDESK,),
                        own_id_domain="msp.example")
# Besides the gold desk's Acme (pat@acme.example): clients with a domain and a few contacts.
CLIENTS = {
    "Acme": ("acme.example", ["Sam Ortiz", "Kim Park", "Lou Chen"]),
    "Globex": ("globex.example", ["Hank Scorpio", "Mindy Lau", "Ravi Nair", "Jo Marsh"]),
    "Initech": ("initech.example", ["Bill Lumbergh", "Milton Waddams", "Joanna Ruiz"]),
    "Umbrella": ("umbrella.example", ["Alice Abernathy", "Carlos Oliveira", "Jill Valentine"]),
}
SUBJECTS = [
    "Printer offline", "Cannot log in to VPN", "Outlook keeps asking for password",
    "New starter needs a laptop", "Shared drive is slow", "Wi-Fi drops in meeting room",
    "Backup failed last night", "Phone system no dial tone", "Request: add user to Teams",
    "Laptop fan very loud", "MFA codes not arriving", "Website certificate warning",
]
TEXT = (
    "the printer on floor two shows an error since this morning and nobody can print "
    "we restarted it twice but the queue is still stuck please could you have a look "
    "the users in accounts are affected and need it for month end reports today "
    "it worked fine yesterday afternoon after the update was installed on the server "
    "let me know if you need remote access or someone on site to help with this issue"
)
WORDS = TEXT.split()


@dataclass(frozen=True)
class Thread:
    """An earlier mail a reply can answer: its Message-ID, sender and subject."""

    message_id: str
    sender: str
    subject: str
    references: tuple[str, ...]


@dataclass
class Expected:
    tickets: int = 0  # new mail from contacts and from unknown senders
    unknown: int = 0
    replies: int = 0
    ignored: int = 0
    attachments: int = 0


def build_desk(db: Database) -> list[str]:
    """The gold desk (SLA profile, Acme, an admin) plus a few clients; returns the senders."""
    desk = build_gold_desk(db)
    add_mail_people(desk)
    senders = ["Pat Lee <pat@acme.example>"]
    with db.session() as s:
        for name, (domain, people) in CLIENTS.items():
            if name == "Acme":
                client_id = desk.client_id
            else:
                client = Client(name=name, sla_profile_id=desk.profile_id, billing_type="hybrid",
                                created_at=datetime(2026, 1, 5, tzinfo=UTC))
                s.add(client)
                s.flush()
                client_id = client.id  # type: ignore[assignment]
                s.add(ClientDomain(client_id=client_id, domain=domain))
            for person in people:
                email = f"{person.split()[0].lower()}@{domain}"
                s.add(Contact(client_id=client_id, name=person, email=email))
                senders.append(f"{person} <{email}>")
    return senders


def _body(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(45, 80))]
    lines = [" ".join(words[i : i + 12]) for i in range(0, len(words), 12)]
    return "Hello,\n\n" + "\n".join(lines).capitalize() + ".\n\nThanks\n"


def generate(count: int, senders: list[str], seed: int = 7) -> tuple[list[bytes], Expected]:
    """N raw messages (CRLF, as a server stores them) and what each should become."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    threads: list[Thread] = []
    expected = Expected()
    raws: list[bytes] = []
    for i in range(count):
        msg = EmailMessage()
        roll = rng.random()
        mid = f"<bench-{seed}-{i}@mail.example>"
        body = _body(rng)
        if 0.70 <= roll < 0.90 and threads:  # a reply to an earlier ticket or reply
            parent = rng.choice(threads)
            sender, subject = parent.sender, parent.subject
            refs = (*parent.references, parent.message_id)[-10:]
            msg["Subject"] = f"Re: {subject}"
            msg["In-Reply-To"] = parent.message_id
            msg["References"] = " ".join(refs)
            body += "\nOn Monday you wrote:\n> Thanks, we are looking into it.\n"
            expected.replies += 1
            threads.append(Thread(mid, sender, subject, refs))
        elif roll >= 0.95:  # an out-of-office answer from a contact: ignored, no loop
            sender = rng.choice(senders)
            msg["Subject"] = "Automatic reply: out of office"
            msg["Auto-Submitted"] = "auto-replied"
            expected.ignored += 1
        else:
            if 0.90 <= roll < 0.95:
                sender = f"Someone {i} <someone{i}@unknown{i % 37}.example>"
                expected.unknown += 1
            else:
                sender = rng.choice(senders)
            subject = rng.choice(SUBJECTS)
            msg["Subject"] = subject
            expected.tickets += 1
            threads.append(Thread(mid, sender, subject, ()))
        msg["From"] = sender
        msg["To"] = HELPDESK
        msg["Date"] = format_datetime(now - timedelta(seconds=count - i))
        msg["Message-ID"] = mid
        msg.set_content(body)
        if rng.random() < 0.10:
            data = bytes(rng.getrandbits(8) for _ in range(rng.randint(512, 4096)))
            msg.add_attachment(data, maintype="application", subtype="octet-stream",
                               filename=f"diag-{i}.bin")
            if "Auto-Submitted" not in msg:
                expected.attachments += 1
        raws.append(msg.as_bytes(policy=SMTP))
    return raws, expected


def append_all(account: ImapAccount, raws: list[bytes]) -> None:
    """One logged-in session, one APPEND per message (as a delivery agent would)."""
    client = account.connect()
    try:
        for raw in raws:
            client.append("INBOX", raw)
    finally:
        client.logout()


def _maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _counts(db: Database) -> dict[str, int]:
    with db.engine.connect() as conn:
        receipts = dict(
            conn.execute(
                sa.select(MailReceipt.outcome, sa.func.count())  # type: ignore[call-overload]
                .group_by(MailReceipt.outcome)
            ).all()
        )
        tickets = conn.execute(sa.select(sa.func.count()).select_from(Ticket)).scalar_one()
        messages = conn.execute(sa.select(sa.func.count()).select_from(Message)).scalar_one()
        unmatched = conn.execute(
            sa.select(sa.func.count()).select_from(Ticket).where(Ticket.client_id.is_(None))  # type: ignore[union-attr]
        ).scalar_one()
        attachments = conn.execute(sa.text("SELECT count(*) FROM attachment")).scalar_one()
    return {
        "ticket": receipts.get(MailOutcome.TICKET.value, 0),
        "reply": receipts.get(MailOutcome.REPLY.value, 0),
        "ignored": receipts.get(MailOutcome.IGNORED.value, 0),
        "quarantined": receipts.get(MailOutcome.QUARANTINED.value, 0),
        "ticket_rows": tickets,
        "message_rows": messages,
        "unmatched": unmatched,
        "attachments": attachments,
    }


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=50, help="UIDs per IMAP FETCH")
    parser.add_argument("--db", type=Path, help="keep the SQLite file here (must not exist)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--tracemalloc", action="store_true",
                        help="trace the ingest's allocations (slows it ~3x)")
    args = parser.parse_args(argv)

    tmp = tempfile.TemporaryDirectory()
    path = args.db or Path(tmp.name) / "bench.sqlite3"
    if path.exists():
        parser.error(f"{path} exists; the benchmark needs a fresh desk")
    db = Database(url_for(path))
    try:
        migrate.upgrade(db)
        raws, expected = generate(args.messages, build_desk(db), seed=args.seed)
        n = len(raws)
        with run_dovecot(Path(tmp.name)) as server:
            account = server.new_account()
            t0 = time.perf_counter()
            append_all(account, raws)
            append_s = time.perf_counter() - t0
            print(f"append: {n:,} msgs in {append_s:.1f} s ({n / append_s:,.0f} msg/s)")
            del raws

            box = MailboxSettings(host=account.host, port=account.port, tls="none",
                                  user=account.user)
            clock = FixedClock(datetime.now(UTC))
            rss_before = _maxrss_mib()
            if args.tracemalloc:
                tracemalloc.start()
            t0 = time.perf_counter()
            result = poll_once(db, clock, box, INTAKE, lambda: account.password,
                               owner="bench", batch=args.batch)
            ingest_s = time.perf_counter() - t0
            peak_mib = 0.0
            if args.tracemalloc:
                peak_mib = tracemalloc.get_traced_memory()[1] / 2**20
                tracemalloc.stop()
            rss_after = _maxrss_mib()
        if result.error:
            raise RuntimeError(f"poll failed: {result.error}")
        rate = result.fetched / ingest_s
        note = " (tracemalloc on: slower than real)" if args.tracemalloc else ""
        print(f"ingest: {result.fetched:,} msgs in {ingest_s:.1f} s ({rate:,.0f} msg/s){note}")
        if args.tracemalloc:
            print(f"peak memory: {peak_mib:.1f} MiB (tracemalloc, allocated during ingest)")
        else:
            print(f"peak memory: +{rss_after - rss_before:.1f} MiB (ru_maxrss delta during "
                  "ingest; --tracemalloc for the allocation peak)")
        print(f"process max RSS: {rss_after:.0f} MiB (ru_maxrss, whole run)")

        c = _counts(db)
        print(f"outcomes: {c['ticket']:,} tickets ({c['unmatched']:,} unmatched), "
              f"{c['reply']:,} replies, {c['ignored']:,} ignored, "
              f"{c['quarantined']:,} quarantined; {c['attachments']:,} attachments")
        taken = c["ticket"] + c["reply"] + c["ignored"]
        print(f"accounted: {taken:,} of {n:,} (batch {args.batch})")
        want = {"ticket": expected.tickets, "reply": expected.replies,
                "ignored": expected.ignored, "quarantined": 0, "unmatched": expected.unknown,
                "ticket_rows": expected.tickets,
                "message_rows": expected.tickets + expected.replies,
                "attachments": expected.attachments}
        wrong = {k: (c[k], v) for k, v in want.items() if c[k] != v}
        if taken != n or result.fetched != n or wrong:
            raise RuntimeError(f"intake lost or misfiled mail: (got, wanted) {wrong}; "
                               f"fetched {result.fetched} of {n}")
        return {
            "messages": float(n),
            "append_s": append_s,
            "append_per_s": n / append_s,
            "ingest_s": ingest_s,
            "ingest_per_s": rate,
            "peak_mib": peak_mib,
            "maxrss_mib": rss_after,
            "maxrss_delta_mib": rss_after - rss_before,
            "tickets": float(c["ticket"]),
            "replies": float(c["reply"]),
            "ignored": float(c["ignored"]),
            "quarantined": float(c["quarantined"]),
        }
    finally:
        db.dispose()
        tmp.cleanup()


if __name__ == "__main__":
    main(sys.argv[1:])
