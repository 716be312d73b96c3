"""The command line: version, help, database commands, demo seeding, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from msp_tui import __version__
from msp_tui.cli import main
from msp_tui.store import migrate
from msp_tui.store.db import Database, url_for


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse exits for --help / --version / usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.strip() == f"msp-tui {__version__}"
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for word in ("--db", "--config", "demo", "db"):
        assert word in out


def test_db_status_and_upgrade(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db_file = tmp_path / "desk.sqlite3"
    code, out, _ = run(capsys, "--db", str(db_file), "db", "status")
    assert code == 0 and "none (empty)" in out
    code, out, _ = run(capsys, "--db", str(db_file), "db", "upgrade")
    assert code == 0 and f"-> {migrate.head_revision()}" in out
    code, out, _ = run(capsys, "--db", str(db_file), "db", "upgrade")
    assert code == 0 and "already at revision" in out
    code, out, _ = run(capsys, "--db", str(db_file), "db", "status")
    assert "up to date" in out


def test_demo_seeds_once_and_reset_reseeds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db_file = tmp_path / "demo.sqlite3"
    code, out, _ = run(capsys, "--db", str(db_file), "demo")
    assert code == 0 and "Seeded the demo MSP: 10 clients" in out
    code, _, err = run(capsys, "--db", str(db_file), "demo")
    assert code == 2 and "already holds" in err and "--reset" in err and "Traceback" not in err
    code, out, _ = run(capsys, "--db", str(db_file), "demo", "--reset")
    assert code == 0 and "Seeded" in out


def test_default_database_lives_in_the_user_data_dir(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "db", "status")
    assert code == 0
    from msp_tui.config import default_database_path

    assert str(default_database_path()) in out
    assert "xdg_data_home" in out  # the isolated test data dir, not the real one


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("[ui]\nthemes = 'nord'\n", "ui.themes"),
        ("[mailbox]\nport = 'abc'\n", "mailbox.port"),
        ("[ui\n", "line 1"),
    ],
)
def test_config_errors_are_one_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, expected: str
) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(content)
    code, _out, err = run(capsys, "--config", str(cfg), "db", "status")
    assert code == 2
    assert err.startswith("msp-tui: error: ") and str(cfg) in err and expected in err
    assert "Traceback" not in err


def test_missing_config_file_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.toml"
    code, _, err = run(capsys, "--config", str(missing), "db", "status")
    assert code == 2 and str(missing) in err


def test_a_newer_database_is_refused_with_advice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db_file = tmp_path / "future.sqlite3"
    db = Database(url_for(db_file))
    migrate.upgrade(db)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    db.dispose()
    code, _, err = run(capsys, "--db", str(db_file), "db", "upgrade")
    assert code == 2 and "newer version" in err and "Traceback" not in err
