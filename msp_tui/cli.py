"""`msp-tui` command line: the console by default, plus demo, database, mailbox and report
commands.

User errors (bad config, unusable database, refused demo seed, no keyring) print one clear
message and exit with status 2 — never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from msp_tui import __version__
from msp_tui.config import Config, ConfigError, load_config
from msp_tui.store.db import url_for

DEFAULT_ME = "alex.morgan@demo-msp.example"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="msp-tui",
        description="A keyboard-first service desk console for MSPs. "
        "With no command, starts the console.",
    )
    parser.add_argument("--version", action="version", version=f"msp-tui {__version__}")
    parser.add_argument(
        "--db",
        metavar="PATH_OR_URL",
        help="SQLite file or SQLAlchemy URL (default: [database] url in config, else a "
        "SQLite file under the user data dir)",
    )
    parser.add_argument("--config", metavar="FILE", type=Path, help="config file to read")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("run", help="start the console (the default)")
    demo = commands.add_parser("demo", help="seed the demo MSP into the database")
    demo.add_argument(
        "--reset", action="store_true", help="delete all data first, then seed the demo"
    )
    commands.add_parser(
        "worker",
        help="run the background jobs (SLA tick, mailbox poll, outbox) without a console, "
        "until interrupted",
    )
    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_commands.add_parser("upgrade", help="upgrade the schema to this version (keeps data)")
    db_commands.add_parser("status", help="show the database location and schema revision")
    mailbox = commands.add_parser("mailbox", help="the desk's mail accounts (IMAP in, SMTP out)")
    mailbox_commands = mailbox.add_subparsers(
        dest="mailbox_command", metavar="ACTION", required=True
    )
    set_password = mailbox_commands.add_parser(
        "set-password",
        help="store the IMAP password for [mailbox] host/user in the system keyring",
    )
    set_password.add_argument(
        "--smtp", action="store_true", help="the SMTP password for [smtp] host/user instead"
    )
    mailbox_commands.add_parser(
        "poll", help="take new mail from the [mailbox] folder once, then exit (cron friendly)"
    )
    mailbox_commands.add_parser(
        "send", help="send the queued outgoing mail that is due once, then exit"
    )
    _add_report_commands(commands)
    return parser


def _add_report_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    report = commands.add_parser("report", help="the morning SLA digest and CSV exports")
    actions = report.add_subparsers(dest="report_command", metavar="ACTION", required=True)
    daily = actions.add_parser(
        "daily", help="print the digest of open tickets due by the end of the next business "
        "day or already breached"
    )
    daily.add_argument(
        "--send", action="store_true",
        help="also mail it to [reports] digest_recipients (once per day; needs [smtp])",
    )
    export = actions.add_parser(
        "csv", help="export tickets created, SLA KPI events or time entries in a date range; "
        "dates are local days in the report zone, 'to' excluded (time entries: included)"
    )
    export.add_argument("kind", choices=["tickets", "kpi", "time"])
    export.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", required=True)
    export.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", required=True)
    export.add_argument("--out", metavar="FILE", type=Path, help="write here (default: stdout)")
    invoice = actions.add_parser(
        "invoice", help="export an invoice draft as CSV: its lines (date, ticket, technician, "
        "minutes, hours, billable, rate, amount), then totals"
    )
    invoice.add_argument("number", type=int, help="the invoice number")
    invoice.add_argument("--out", metavar="FILE", type=Path, help="write here (default: stdout)")


def _database_url(args: argparse.Namespace, config: Config) -> str:
    if args.db:
        return url_for(args.db)
    return config.database_url()


def _fail(message: str) -> int:
    print(f"msp-tui: error: {message}", file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from msp_tui.demo.seed import DemoError
    from msp_tui.passwords import PasswordError
    from msp_tui.store.migrate import SchemaError

    try:
        config = load_config(args.config)
        url = _database_url(args, config)
        if args.command == "demo":
            return _demo(url, reset=args.reset)
        if args.command == "db":
            return _db(url, args.db_command)
        if args.command == "worker":
            return _worker(url, config)
        if args.command == "mailbox":
            return _mailbox(args, config)
        if args.command == "report":
            return _report(args, url, config)
        return _run(url, config)
    except (ConfigError, SchemaError, DemoError, PasswordError) as exc:
        return _fail(str(exc))


def _demo(url: str, *, reset: bool) -> int:
    from msp_tui.demo.seed import seed_demo
    from msp_tui.services.desk import Desk

    desk, _report = Desk.open(url, seed_demo_if_empty=False)
    try:
        summary = seed_demo(desk.db, desk.clock, reset=reset)
    finally:
        desk.close()
    print(
        f"Seeded the demo MSP: {summary.clients} clients, {summary.technicians} technicians, "
        f"{summary.tickets} tickets, {summary.messages} messages."
    )
    return 0


def _db(url: str, action: str) -> int:
    from msp_tui.store import migrate
    from msp_tui.store.db import Database

    db = Database(url)
    try:
        shown = db.engine.url.render_as_string(hide_password=True)
        if action == "status":
            current = migrate.current_revision(db)
            head = migrate.head_revision()
            state = "up to date" if current == head else f"needs upgrade to {head}"
            print(f"database: {shown}\nschema revision: {current or 'none (empty)'} ({state})")
            return 0
        result = migrate.upgrade(db)
        if not result.changed:
            print(f"{shown}: schema already at revision {result.after}")
        else:
            print(f"{shown}: upgraded schema {result.before or 'empty'} -> {result.after}")
            if result.backup:
                print(f"backup of the previous file: {result.backup}")
        return 0
    finally:
        db.dispose()


def _mailbox(args: argparse.Namespace, config: Config) -> int:
    """One function per `mailbox` action; argparse only lets through the ones defined."""
    if args.mailbox_command == "set-password":
        return _set_password(config, _config_path(args), smtp=args.smtp)
    if args.mailbox_command in ("poll", "send"):
        return _mail_once(_database_url(args, config), config, args.mailbox_command)
    raise AssertionError(f"unhandled mailbox action {args.mailbox_command!r}")


def _mail_once(url: str, config: Config, action: str) -> int:
    """One mailbox poll or one outbox pass; exit 1 when the mail server said no."""
    from msp_tui.jobs.scheduler import process_owner
    from msp_tui.services.desk import Desk
    from msp_tui.services.mail_wiring import MailSetup

    setup = MailSetup.from_config(config)
    if action == "poll" and setup.mailbox is None:
        return _fail("mail intake is off: set [mailbox] enabled = true (and host, user)")
    if action == "send" and setup.outbound is None:
        return _fail("outbound mail is off: set [smtp] enabled = true (and host, from_address)")
    desk, _report = Desk.open(url, seed_demo_if_empty=False)
    try:
        if action == "poll":
            polled = setup.poll(desk.db, desk.clock, owner=process_owner())
            print(polled.summary())
            return 1 if polled.error else 0
        sent = setup.send(desk.db, desk.clock, owner=process_owner())
        if not sent.ran:
            print("another process is sending the outbox")
            return 0
        print(f"sent {sent.sent}, retrying {sent.retrying}, failed {sent.failed}, "
              f"left for later {sent.deferred}" + (f"; stopped: {sent.stopped}" if sent.stopped
                                                    else ""))
        return 1 if sent.stopped else 0
    finally:
        desk.close()


def _report(args: argparse.Namespace, url: str, config: Config) -> int:
    if args.report_command == "daily":
        return _report_daily(url, config, send=args.send)
    if args.report_command == "csv":
        return _report_csv(url, config, args)
    if args.report_command == "invoice":
        return _report_invoice(url, args.number, args.out)
    raise AssertionError(f"unhandled report action {args.report_command!r}")


def _report_daily(url: str, config: Config, *, send: bool) -> int:
    """Print the digest; with --send also queue it (at most once per local day)."""
    from msp_tui.services import reports
    from msp_tui.services.desk import Desk
    from msp_tui.services.mail_wiring import MailSetup

    outbound = MailSetup.from_config(config).outbound
    if send and outbound is None:
        return _fail("outbound mail is off: set [smtp] enabled = true (and host, from_address) "
                     "to send the digest")
    recipients = config.reports.digest_recipients
    if send and not recipients:
        return _fail("nobody to send the digest to: set [reports] digest_recipients")
    desk, _report = Desk.open(url, seed_demo_if_empty=False, outbound=outbound)
    try:
        with desk.db.session() as s:
            digest = reports.build_digest(s, desk.clock.now(), config.reports.digest_timezone)
            print(reports.render_digest(digest), end="")
            if send and outbound is not None:
                if reports.queue_digest(s, digest, to=recipients, settings=outbound):
                    print(f"Queued the digest for {', '.join(recipients)}.")
                else:
                    print(f"The digest for {digest.local_day()} was already queued; not sent "
                          "again.")
    finally:
        desk.close()
    return 0


def _report_csv(url: str, config: Config, args: argparse.Namespace) -> int:
    """One export, streamed to stdout or a UTF-8 file; the file is only created once the
    arguments are known to be good."""
    from msp_tui.engine.billing import BillingError, parse_period
    from msp_tui.services import reports
    from msp_tui.services.desk import Desk

    try:
        period = parse_period(args.date_from, args.date_to, start_name="--from",
                              end_name="--to")
    except BillingError as exc:
        return _fail(str(exc))
    first, last = period.start, period.end
    desk, _report = Desk.open(url, seed_demo_if_empty=False)
    try:
        with desk.db.session() as s:
            zone = reports.report_zone(s, config.reports.digest_timezone)
            if args.out is None:
                try:
                    reports.write_csv(s, args.kind, first, last, zone, sys.stdout)
                    sys.stdout.flush()
                except BrokenPipeError:  # `| head`: the reader has all it wanted
                    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                return 0
            try:
                with args.out.open("w", encoding="utf-8", newline="") as out:
                    count = reports.write_csv(s, args.kind, first, last, zone, out)
            except OSError as exc:
                return _fail(f"cannot write {args.out}: {exc.strerror or exc}")
        print(f"Wrote {count} {args.kind} rows to {args.out}.", file=sys.stderr)
        return 0
    finally:
        desk.close()


def _report_invoice(url: str, number: int, out_path: Path | None) -> int:
    """One invoice's CSV to stdout or a UTF-8 file (created only once the invoice is found)."""
    from msp_tui.services import billing
    from msp_tui.services.desk import Desk
    from msp_tui.services.tickets import ServiceError

    desk, _report = Desk.open(url, seed_demo_if_empty=False)
    try:
        with desk.db.session() as s:
            try:
                invoice_id = billing.invoice_id_for_number(s, number)
            except ServiceError as exc:
                return _fail(str(exc))
            if out_path is None:
                try:
                    billing.write_invoice_csv(s, invoice_id, sys.stdout)
                    sys.stdout.flush()
                except BrokenPipeError:  # `| head`: the reader has all it wanted
                    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                return 0
            try:
                with out_path.open("w", encoding="utf-8", newline="") as out:
                    count = billing.write_invoice_csv(s, invoice_id, out)
            except OSError as exc:
                return _fail(f"cannot write {out_path}: {exc.strerror or exc}")
        lines = f"{count} line{'s' if count != 1 else ''}"
        print(f"Wrote invoice {number} ({lines} and totals) to {out_path}.", file=sys.stderr)
        return 0
    finally:
        desk.close()


def _config_path(args: argparse.Namespace) -> Path:
    """The file `load_config` read (or would have), to name it in advice."""
    from msp_tui.config import CONFIG_ENV_VAR, default_config_path

    return args.config or Path(os.environ.get(CONFIG_ENV_VAR) or default_config_path())


def _set_password(config: Config, config_path: Path, *, smtp: bool) -> int:
    import getpass

    from msp_tui import passwords

    kind: passwords.Kind = "smtp" if smtp else "imap"
    section = "smtp" if smtp else "mailbox"
    account = config.smtp if smtp else config.mailbox
    host, user = account.host, account.user
    missing = [f"{section}.{key}" for key, value in (("host", host), ("user", user)) if not value]
    if missing:
        return _fail(
            f"{' and '.join(missing)} not set in {config_path}; the {kind.upper()} password is "
            "stored for that user on that host, so set them first"
        )
    passwords.check_keyring(kind, user, host)
    label = f"{kind.upper()} password for {user}@{host}"
    try:
        password = getpass.getpass(f"{label}: ")
        again = getpass.getpass(f"{label} (again): ")
    except (EOFError, KeyboardInterrupt):
        print(file=sys.stderr)
        return _fail("cancelled; nothing stored")
    if password != again:
        return _fail("the two passwords differ; nothing stored")
    passwords.set_password(kind, user, host, password)
    print(f"Stored the {label} in the system keyring: {passwords.backend_description()}.")
    if passwords.env_override(kind) is not None:
        print(f"Note: {passwords.ENV_VARS[kind]} is set here and is used instead of the keyring.")
    return 0


def _run(url: str, config: Config) -> int:
    from msp_tui.app import MspApp
    from msp_tui.services.desk import Desk
    from msp_tui.services.mail_wiring import MailSetup

    mail = MailSetup.from_config(config)
    desk, report = Desk.open(
        url,
        me_email=config.me.email or DEFAULT_ME,
        seed_demo_if_empty=config.demo.seed_on_first_start,
        outbound=mail.outbound,
    )
    notes = []
    if report.seeded_demo:
        notes.append("First start: seeded the demo MSP. `msp-tui demo --reset` starts it over.")
    if report.upgraded_from:
        notes.append(f"Upgraded the database schema {report.upgraded_from} -> {report.schema}.")
    from msp_tui.jobs import scheduler

    jobs = scheduler.background(desk.db, desk.clock, config.scheduler, mail=mail)
    try:
        MspApp(
            desk,
            theme=config.ui.theme,
            keymap=dict(config.keymap),
            show_closed=config.ui.show_closed,
            refresh_seconds=config.ui.refresh_seconds,
            startup_notes=notes,
            intake=mail.intake,
            config=config,
        ).run()
    finally:
        jobs.shutdown(wait=False)
        desk.close()
    return 0


def _worker(url: str, config: Config) -> int:
    import logging

    from msp_tui.jobs import scheduler
    from msp_tui.services.desk import Desk
    from msp_tui.services.mail_wiring import MailSetup

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    mail = MailSetup.from_config(config)
    desk, report = Desk.open(url, seed_demo_if_empty=False, outbound=mail.outbound)
    digest = mail.outbound is not None and bool(config.reports.digest_recipients)
    jobs_text = ", ".join(
        ["SLA tick"] + (["mailbox poll"] if mail.mailbox else []) + (["outbox"] if mail.outbound
                                                                     else [])
        + ([f"daily digest at {config.reports.digest_time}"] if digest else [])
    )
    print(f"msp-tui worker on schema {report.schema} ({jobs_text}); Ctrl-C to stop", flush=True)
    jobs = scheduler.blocking(desk.db, desk.clock, config.scheduler, mail=mail)
    try:
        jobs.start()
    except KeyboardInterrupt:
        pass
    finally:
        desk.close()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
