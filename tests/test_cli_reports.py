"""`msp-tui report`: the daily digest printed and queued once a day, CSV exports, bad dates."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlmodel import select

from msp_tui.engine.billing import BillingError, parse_period
from msp_tui.engine.clock import FixedClock
from msp_tui.engine.vocabulary import PriorityCode
from msp_tui.services import tickets as svc
from msp_tui.store import migrate
from msp_tui.store.db import Database, url_for
from msp_tui.store.models import OutboxMail
from tests.services.gold_desk import MON, build_gold_desk, new_ticket, ny
from tests.test_cli import run

NOW = ny(2026, 11, 23, 11, 0)

SEND_CONFIG = """\
[smtp]
enabled = true
host = "smtp.msp.example"
from_address = "desk@msp.example"

[reports]
digest_recipients = ["ops@msp.example"]
"""


@pytest.fixture
def db_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small desk with one breached P1 assigned to Tess; the CLI's "now" is NOW."""
    path = tmp_path / "desk.sqlite3"
    db = Database(url_for(path))
    migrate.upgrade(db)
    d = build_gold_desk(db)
    with db.session() as s:
        t = new_ticket(s, d, priority=PriorityCode.P1)
        t.subject = "Serveur arrêté"
        svc.assign(s, t, technician_id=d.tech.technician_id, at=MON, actor=d.tech)
        svc.log_time(s, t, technician_id=d.tech.technician_id, minutes=45,  # type: ignore[arg-type]
                     billable=True, work_date=MON.date(), at=MON, note="Redémarrage")
    db.dispose()
    clock = FixedClock(NOW)
    monkeypatch.setattr("msp_tui.services.desk.SystemClock", lambda: clock)
    return path


def _config(tmp_path: Path, text: str) -> Path:
    cfg = tmp_path / "config.toml"
    cfg.write_text(text, encoding="utf-8")
    return cfg


def test_daily_prints_the_digest(db_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--db", str(db_file), "report", "daily")
    assert code == 0, err
    assert "SLA digest for Mon 23 Nov 2026 (America/New_York)" in out
    assert "Tess (1)" in out and "Breached" in out and "Serveur arrêté" in out


def test_daily_send_queues_once_per_day(
    db_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _config(tmp_path, SEND_CONFIG)
    code, out, err = run(capsys, "--config", str(cfg), "--db", str(db_file), "report", "daily",
                         "--send")
    assert code == 0, err
    assert "Queued the digest for ops@msp.example." in out
    code, out, _ = run(capsys, "--config", str(cfg), "--db", str(db_file), "report", "daily",
                       "--send")
    assert code == 0 and "already queued" in out and "Tess (1)" in out
    db = Database(url_for(db_file))
    with db.session() as s:
        (mail,) = s.exec(select(OutboxMail)).all()
        assert mail.to_addrs == ["ops@msp.example"] and "Serveur arrêté" in mail.body
    db.dispose()


def test_daily_send_needs_smtp_and_recipients(
    db_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "--db", str(db_file), "report", "daily", "--send")
    assert code == 2 and "outbound mail is off" in err and "Traceback" not in err
    cfg = _config(tmp_path, SEND_CONFIG.split("[reports]")[0])
    code, _, err = run(capsys, "--config", str(cfg), "--db", str(db_file), "report", "daily",
                       "--send")
    assert code == 2 and "digest_recipients" in err


def test_csv_to_a_file_and_stdout(
    db_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "time.csv"
    code, _, err = run(capsys, "--db", str(db_file), "report", "csv", "time",
                       "--from", "2026-11-23", "--to", "2026-11-23", "--out", str(out_file))
    assert code == 0 and "Wrote 1 time rows" in err
    rows = list(csv.reader(out_file.read_text(encoding="utf-8").splitlines()))
    assert rows[0][:3] == ["ticket", "technician", "date"]
    assert rows[1][1:] == ["Tess", "2026-11-23", "45", "true", "false", "Redémarrage"]

    code, out, _ = run(capsys, "--db", str(db_file), "report", "csv", "tickets",
                       "--from", "2026-11-23", "--to", "2026-11-24")
    rows = list(csv.reader(out.splitlines()))
    assert code == 0 and rows[0][0] == "number" and len(rows) == 2
    assert rows[1][1] == "2026-11-23T15:00:00Z"  # 10:00 New York


@pytest.mark.parametrize(
    ("dates", "message"),
    [
        (("2026-11-31", "2026-12-01"), "--from date '2026-11-31' is not a date YYYY-MM-DD"),
        (("2026-11-01", "20261201"), "--to date '20261201' is not a date YYYY-MM-DD"),
        (("2026-12-01", "2026-11-01"),
         "the period ends (2026-11-01) before it starts (2026-12-01)"),
        (("11/01/2026", ""), "--from date '11/01/2026' is not a date YYYY-MM-DD (e.g. "
                             "2026-11-01); enter the --to date as YYYY-MM-DD"),
    ],
)
def test_csv_bad_dates_are_one_clear_error(
    db_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    dates: tuple[str, str], message: str,
) -> None:
    out_file = tmp_path / "never.csv"
    code, out, err = run(capsys, "--db", str(db_file), "report", "csv", "kpi",
                         "--from", dates[0], "--to", dates[1], "--out", str(out_file))
    assert code == 2 and message in err and err.count("\n") == 1 and out == ""
    assert not out_file.exists()
    # The CLI reads dates with the billing screen's parser, not a copy of it.
    with pytest.raises(BillingError) as caught:
        parse_period(*dates, start_name="--from", end_name="--to")
    assert err == f"msp-tui: error: {caught.value}\n"


def test_reports_config_is_validated(
    db_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = _config(tmp_path, '[reports]\ndigest_time = "7:30"\ndigest_timezone = "Mars/Base"\n'
                            'digest_recipients = ["not-an-address"]\n')
    code, _, err = run(capsys, "--config", str(cfg), "report", "daily")
    assert code == 2
    assert 'reports.digest_time: expected a 24-hour local time "HH:MM"' in err
    assert "reports.digest_timezone: expected an IANA time zone name" in err
    assert "reports.digest_recipients: expected a list of email addresses" in err
