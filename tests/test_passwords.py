"""Passwords: keyring round trip, env override, and messages a headless user can act on."""

from __future__ import annotations

import pytest
from keyring.backends import fail

from msp_tui import passwords
from msp_tui.passwords import PasswordError
from tests.memory_keyring import MemoryKeyring, use_keyring

USER, HOST = "servicedesk@msp.example", "imap.msp.example"


def test_round_trip_through_the_keyring(memory_keyring: MemoryKeyring) -> None:
    passwords.set_password("imap", USER, HOST, "s3cret")
    passwords.set_password("smtp", USER, HOST, "other")
    assert passwords.get_password("imap", USER, HOST) == "s3cret"
    assert passwords.get_password("smtp", USER, HOST) == "other"
    assert memory_keyring.passwords == {
        ("msp-tui", "imap:servicedesk@msp.example@imap.msp.example"): "s3cret",
        ("msp-tui", "smtp:servicedesk@msp.example@imap.msp.example"): "other",
    }


def test_account_key_names_kind_user_and_host() -> None:
    assert passwords.account_key("smtp", "me", "smtp.example") == "smtp:me@smtp.example"


@pytest.mark.parametrize("kind", ["imap", "smtp"])
def test_the_environment_wins_over_the_keyring(
    memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch, kind: passwords.Kind
) -> None:
    passwords.set_password(kind, USER, HOST, "from-keyring")
    monkeypatch.setenv(f"MSP_TUI_{kind.upper()}_PASSWORD", "from-env")
    assert passwords.get_password(kind, USER, HOST) == "from-env"
    monkeypatch.setenv(f"MSP_TUI_{kind.upper()}_PASSWORD", "")  # empty counts as unset
    assert passwords.get_password(kind, USER, HOST) == "from-keyring"


def test_the_environment_works_without_any_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MSP_TUI_IMAP_PASSWORD", "from-env")
    with use_keyring(fail.Keyring()):
        assert passwords.get_password("imap", USER, HOST) == "from-env"


@pytest.mark.parametrize(
    ("kind", "command"),
    [("imap", "`msp-tui mailbox set-password`"), ("smtp", "`msp-tui mailbox set-password --smtp`")],
)
def test_a_missing_password_says_how_to_store_one(
    memory_keyring: MemoryKeyring, kind: passwords.Kind, command: str
) -> None:
    with pytest.raises(PasswordError) as caught:
        passwords.get_password(kind, USER, HOST)
    assert str(caught.value) == (
        f"no {kind.upper()} password stored for {USER}@{HOST}; run {command}"
    )


def test_no_keyring_backend_lists_the_options(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MSP_TUI_IMAP_PASSWORD", raising=False)
    with use_keyring(fail.Keyring()):
        with pytest.raises(PasswordError) as reading:
            passwords.get_password("imap", USER, HOST)
        with pytest.raises(PasswordError) as storing:
            passwords.set_password("imap", USER, HOST, "s3cret")
    for message in (str(reading.value), str(storing.value)):
        assert "no usable system keyring" in message and f"{USER}@{HOST}" in message
        assert "keyrings.alt" in message
        assert "PYTHON_KEYRING_BACKEND=keyrings.alt.file.PlaintextKeyring" in message
        assert "unencrypted" in message
        assert "MSP_TUI_IMAP_PASSWORD" in message
        assert "Secret Service" in message
    assert str(reading.value).startswith("cannot read") and "cannot store" in str(storing.value)


def test_an_empty_password_is_refused(memory_keyring: MemoryKeyring) -> None:
    with pytest.raises(PasswordError, match="empty SMTP password"):
        passwords.set_password("smtp", USER, HOST, "")
    assert memory_keyring.passwords == {}


def test_backend_description_names_the_keyring(memory_keyring: MemoryKeyring) -> None:
    assert passwords.backend_description() == "tests.memory_keyring.MemoryKeyring"
