"""IMAP and SMTP passwords: in the system keyring, never in the config file.

The config is a hand-edited file that gets copied around and committed, so it only names
the host and user; the password is looked up per (kind, user, host). Containers and CI have
no keyring, hence the environment variable override, checked first. Every failure is a
`PasswordError` whose text tells the user what to do, because on a headless server the
keyring's own errors do not.
"""

from __future__ import annotations

import os
from typing import Literal

import keyring
from keyring.errors import KeyringError, NoKeyringError

SERVICE = "msp-tui"

Kind = Literal["imap", "smtp"]

ENV_VARS: dict[Kind, str] = {
    "imap": "MSP_TUI_IMAP_PASSWORD",
    "smtp": "MSP_TUI_SMTP_PASSWORD",
}
_SET_PASSWORD_COMMAND: dict[Kind, str] = {
    "imap": "msp-tui mailbox set-password",
    "smtp": "msp-tui mailbox set-password --smtp",
}


class PasswordError(Exception):
    """A password is missing or cannot be stored or read; `str()` is meant for the user."""


def account_key(kind: Kind, user: str, host: str) -> str:
    """The keyring username under SERVICE, e.g. "imap:servicedesk@example.com@imap.host"."""
    return f"{kind}:{user}@{host}"


def env_override(kind: Kind) -> str | None:
    """The password from the environment, if set (an empty variable counts as unset)."""
    return os.environ.get(ENV_VARS[kind]) or None


def get_password(kind: Kind, user: str, host: str) -> str:
    """The password to log in with: the environment override, else the keyring."""
    from_env = env_override(kind)
    if from_env is not None:
        return from_env
    try:
        password = keyring.get_password(SERVICE, account_key(kind, user, host))
    except KeyringError as exc:
        raise PasswordError(_no_keyring(kind, "read", user, host, exc)) from exc
    if not password:
        raise PasswordError(
            f"no {kind.upper()} password stored for {user}@{host}; "
            f"run `{_SET_PASSWORD_COMMAND[kind]}`"
        )
    return password


def set_password(kind: Kind, user: str, host: str, password: str) -> None:
    """Store the password in the keyring; an empty one is refused, not stored."""
    if not password:
        raise PasswordError(f"refusing to store an empty {kind.upper()} password")
    try:
        keyring.set_password(SERVICE, account_key(kind, user, host), password)
    except KeyringError as exc:
        raise PasswordError(_no_keyring(kind, "store", user, host, exc)) from exc


def check_keyring(kind: Kind, user: str, host: str) -> None:
    """Fail before the user types a password if there is nowhere to store it (a harmless read)."""
    try:
        keyring.get_password(SERVICE, account_key(kind, user, host))
    except KeyringError as exc:
        raise PasswordError(_no_keyring(kind, "store", user, host, exc)) from exc


def backend_description() -> str:
    """Which keyring passwords go to, for telling the user where theirs was stored."""
    backend = keyring.get_keyring()
    # The dotted class name is what PYTHON_KEYRING_BACKEND takes, so users can relate it.
    name = f"{type(backend).__module__}.{type(backend).__qualname__}"
    where = getattr(backend, "file_path", None)  # keyrings.alt file backends
    return f"{name} ({where})" if where else name


def _no_keyring(kind: Kind, action: str, user: str, host: str, exc: Exception) -> str:
    # NoKeyringError's own text only points at keyring's docs; other errors say what broke.
    problem = (
        "no usable system keyring"
        if isinstance(exc, NoKeyringError)
        else f"the system keyring failed ({exc})"
    )
    return (
        f"cannot {action} the {kind.upper()} password for {user}@{host}: {problem}. "
        "Options:\n"
        "  - install keyrings.alt (`pip install keyrings.alt`) and set "
        "PYTHON_KEYRING_BACKEND=keyrings.alt.file.PlaintextKeyring; the password is then "
        "stored unencrypted in a file in your user data dir;\n"
        f"  - set {ENV_VARS[kind]} in msp-tui's environment (containers, CI);\n"
        "  - run under a desktop session with a Secret Service keyring "
        "(GNOME Keyring, KWallet)."
    )
