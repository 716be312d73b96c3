"""The command line: version, help, database commands, demo seeding, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from keyring.backends import fail

from msp_tui import __version__
from msp_tui.cli import main
from msp_tui.store import migrate
from msp_tui.store.db import Database, url_for
from tests.memory_keyring import MemoryKeyring, use_keyring


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


# --- mailbox set-password ------------------------------------------------------------------

MAIL_CONFIG = """\
[mailbox]
host = "imap.msp.example"
user = "desk@msp.example"

[smtp]
host = "smtp.msp.example"
user = "mailer@msp.example"
"""


def answer_prompts(monkeypatch: pytest.MonkeyPatch, *answers: str) -> list[str]:
    """Feed getpass these answers in order; returns the prompts it was shown."""
    prompts: list[str] = []
    remaining = list(answers)

    def fake_getpass(prompt: str = "Password: ") -> str:
        prompts.append(prompt)
        return remaining.pop(0)

    monkeypatch.setattr("getpass.getpass", fake_getpass)
    return prompts


@pytest.fixture
def mail_config(tmp_path: Path) -> Path:
    cfg = tmp_path / "config.toml"
    cfg.write_text(MAIL_CONFIG)
    return cfg


@pytest.mark.parametrize(
    ("flags", "key", "who"),
    [
        ((), "imap:desk@msp.example@imap.msp.example", "IMAP password for desk@msp.example@imap"),
        (("--smtp",), "smtp:mailer@msp.example@smtp.msp.example", "SMTP password for mailer@"),
    ],
)
def test_set_password_stores_in_the_keyring(
    mail_config: Path,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    flags: tuple[str, ...],
    key: str,
    who: str,
) -> None:
    prompts = answer_prompts(monkeypatch, "s3cret", "s3cret")
    code, out, err = run(capsys, "--config", str(mail_config), "mailbox", "set-password", *flags)
    assert (code, err) == (0, "")
    assert len(prompts) == 2 and all(who in prompt for prompt in prompts)
    assert memory_keyring.passwords == {("msp-tui", key): "s3cret"}
    assert "tests.memory_keyring.MemoryKeyring" in out and who in out


def test_set_password_mismatch_stores_nothing(
    mail_config: Path,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    answer_prompts(monkeypatch, "s3cret", "s3cert")
    code, _, err = run(capsys, "--config", str(mail_config), "mailbox", "set-password")
    assert code == 2 and "differ" in err and "Traceback" not in err
    assert memory_keyring.passwords == {}


def test_set_password_refuses_an_empty_password(
    mail_config: Path,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    answer_prompts(monkeypatch, "", "")
    code, _, err = run(capsys, "--config", str(mail_config), "mailbox", "set-password")
    assert code == 2 and "empty IMAP password" in err
    assert memory_keyring.passwords == {}


@pytest.mark.parametrize(
    ("content", "flags", "expected"),
    [
        ("", (), "mailbox.host and mailbox.user not set"),
        ('[mailbox]\nhost = "imap.msp.example"\n', (), "mailbox.user not set"),
        ('[smtp]\nhost = "smtp.msp.example"\n', ("--smtp",), "smtp.user not set"),
    ],
)
def test_set_password_needs_host_and_user_configured(
    tmp_path: Path,
    memory_keyring: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    content: str,
    flags: tuple[str, ...],
    expected: str,
) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(content)
    prompts = answer_prompts(monkeypatch)
    code, _, err = run(capsys, "--config", str(cfg), "mailbox", "set-password", *flags)
    assert code == 2 and expected in err and str(cfg) in err
    assert prompts == [] and memory_keyring.passwords == {}


def test_set_password_without_a_keyring_explains_the_options(
    mail_config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    prompts = answer_prompts(monkeypatch)
    with use_keyring(fail.Keyring()):
        code, _, err = run(capsys, "--config", str(mail_config), "mailbox", "set-password")
    assert prompts == []  # told before typing a password for nothing
    assert code == 2 and err.startswith("msp-tui: error: cannot store the IMAP password")
    assert "keyrings.alt" in err and "MSP_TUI_IMAP_PASSWORD" in err and "Traceback" not in err


def test_mailbox_needs_an_action_and_lists_them(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "mailbox")
    assert code == 2 and "ACTION" in err
    code, out, _ = run(capsys, "mailbox", "--help")
    assert code == 0 and "set-password" in out
    code, out, _ = run(capsys, "mailbox", "set-password", "--help")
    assert code == 0 and "--smtp" in out
