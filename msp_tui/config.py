"""The TOML config file: located, parsed and fully validated before anything else starts.

The file is hand-edited, so the useful part is the error text: every problem names the file,
the dotted key, what was expected and what was found, and all problems are reported at once.
Validation is driven by the section dataclasses' type hints and field metadata so adding a
setting is one line here plus one documented line in `config.example.toml`.

Secrets (IMAP/SMTP passwords) never live in this file; they go in the system keyring.
This module must stay importable without Textual or SQLAlchemy (the CLI loads it first).
"""

from __future__ import annotations

import difflib
import functools
import json
import os
import re
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Literal, get_args, get_origin, get_type_hints
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs

APP_NAME = "msp-tui"
CONFIG_ENV_VAR = "MSP_TUI_CONFIG"
DEFAULT_DATABASE_FILE = "msp-tui.sqlite3"

TlsMode = Literal["implicit", "starttls", "none"]
Priority = Literal["P1", "P2", "P3", "P4"]


class ConfigError(Exception):
    """A user mistake in the config file; `str()` is ready to print (one line per problem)."""

    def __init__(self, path: Path, problems: Iterable[str]) -> None:
        self.path = path
        self.problems = tuple(problems)
        super().__init__("\n".join(f"{path}: {problem}" for problem in self.problems))


def default_config_path() -> Path:
    """Where the config lives when neither `--config` nor `MSP_TUI_CONFIG` says otherwise."""
    return platformdirs.user_config_path(APP_NAME) / "config.toml"


def default_database_path() -> Path:
    """The SQLite file used when `[database] url` is empty; nothing is created here."""
    return platformdirs.user_data_path(APP_NAME) / DEFAULT_DATABASE_FILE


def _is_database_url(value: str) -> bool:
    return value == "" or "://" in value or Path(value).expanduser().is_absolute()


def _is_timezone(value: str) -> bool:
    if value == "":
        return True
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


# Field metadata understood by the validator:
#   min / max: inclusive bounds; gt: exclusive lower bound (also rejects nan)
#   check + expected: a predicate on the typed value and how to describe what it accepts
#   required_if: name of a bool field in the same section; when true, this one must be non-empty


@dataclass(frozen=True)
class DatabaseConfig:
    """Where tickets live: empty means a SQLite file in the user data dir."""

    url: str = field(
        default="",
        metadata={
            "check": _is_database_url,
            "expected": 'a SQLAlchemy URL (e.g. "postgresql+psycopg://user@host/db"), '
            'an absolute SQLite file path, or "" for the default file',
        },
    )


@dataclass(frozen=True)
class MeConfig:
    """Who "me" is in this console; empty values fall back to the demo technician / local zone."""

    email: str = ""
    timezone: str = field(
        default="",
        metadata={
            "check": _is_timezone,
            "expected": 'an IANA time zone name (e.g. "America/New_York") or "" for the '
            "system zone",
        },
    )


@dataclass(frozen=True)
class UiConfig:
    theme: str = "textual-dark"
    refresh_seconds: float = field(default=2.0, metadata={"gt": 0})
    show_closed: bool = False


@dataclass(frozen=True)
class DemoConfig:
    seed_on_first_start: bool = True


@dataclass(frozen=True)
class MailboxConfig:
    """Inbound email (IMAP) that turns messages into tickets and replies."""

    enabled: bool = False
    host: str = field(default="", metadata={"required_if": "enabled"})
    port: int = field(default=993, metadata={"min": 1, "max": 65535})
    tls: TlsMode = "implicit"
    user: str = field(default="", metadata={"required_if": "enabled"})
    folder: str = "INBOX"
    processed_folder: str = ""
    poll_seconds: int = field(default=60, metadata={"min": 5})
    max_attachment_bytes: int = field(default=10 * 1024 * 1024, metadata={"min": 0})
    default_priority: Priority = "P3"
    ticket_prefix: str = "MSP"
    our_addresses: tuple[str, ...] = ()


@dataclass(frozen=True)
class SmtpConfig:
    """Outbound email for replies and notifications."""

    enabled: bool = False
    host: str = field(default="", metadata={"required_if": "enabled"})
    port: int = field(default=587, metadata={"min": 1, "max": 65535})
    tls: TlsMode = "starttls"
    user: str = ""
    from_address: str = field(default="", metadata={"required_if": "enabled"})


@dataclass(frozen=True)
class SchedulerConfig:
    sla_tick_seconds: int = field(default=30, metadata={"min": 1})
    lease_seconds: int = field(default=60, metadata={"min": 5})
    auto_close_hours: int = field(default=24, metadata={"min": 1})


def _is_hhmm(value: str) -> bool:
    match = re.fullmatch(r"([01]\d|2[0-3]):([0-5]\d)", value)
    return match is not None


_EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")


def _are_emails(value: tuple[str, ...]) -> bool:
    return all(_EMAIL.fullmatch(item) for item in value)


@dataclass(frozen=True)
class ReportsConfig:
    """The morning SLA digest: when it is sent (local time) and to whom."""

    digest_time: str = field(
        default="07:30",
        metadata={"check": _is_hhmm, "expected": 'a 24-hour local time "HH:MM" (e.g. "07:30")'},
    )
    digest_timezone: str = field(
        default="",
        metadata={
            "check": _is_timezone,
            "expected": 'an IANA time zone name (e.g. "Europe/London") or "" for the first '
            "business calendar's zone",
        },
    )
    digest_recipients: tuple[str, ...] = field(
        default=(),
        metadata={
            "check": _are_emails,
            "expected": 'a list of email addresses (e.g. ["ops@your-msp.example"])',
        },
    )


class Keymap(Mapping[str, str]):
    """Binding id -> key string; read-only and hashable so `Config` stays a frozen value."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        self._items: dict[str, str] = dict(items)

    def __getitem__(self, key: str) -> str:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(frozenset(self._items.items()))

    def __repr__(self) -> str:
        return f"Keymap({self._items!r})"


@dataclass(frozen=True)
class Config:
    """The whole validated config; every section defaults, so `Config()` is "no file"."""

    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    me: MeConfig = field(default_factory=MeConfig)
    ui: UiConfig = field(default_factory=UiConfig)
    demo: DemoConfig = field(default_factory=DemoConfig)
    mailbox: MailboxConfig = field(default_factory=MailboxConfig)
    smtp: SmtpConfig = field(default_factory=SmtpConfig)
    scheduler: SchedulerConfig = field(default_factory=SchedulerConfig)
    reports: ReportsConfig = field(default_factory=ReportsConfig)
    keymap: Keymap = field(default_factory=Keymap)

    def database_url(self) -> str:
        """The SQLAlchemy URL to open: the configured one, or the default SQLite file."""
        url = self.database.url
        if not url:
            return f"sqlite:///{default_database_path()}"
        if "://" in url:
            return url
        return f"sqlite:///{Path(url).expanduser()}"


def load_config(path: Path | None = None) -> Config:
    """Read and validate the config from `path`, else `$MSP_TUI_CONFIG`, else the default.

    Only a missing file at the default location means "all defaults": a file the user named
    explicitly must exist, so a typo in the path is not silently ignored.
    """
    explicit = path is not None
    if path is None:
        from_env = os.environ.get(CONFIG_ENV_VAR, "")
        explicit = bool(from_env)
        path = Path(from_env) if from_env else default_config_path()
    path = path.expanduser()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if not explicit:
            return Config()
        raise ConfigError(path, ["config file not found"]) from None
    except IsADirectoryError:
        raise ConfigError(path, ["is a directory, not a config file"]) from None
    except PermissionError:
        raise ConfigError(path, ["cannot read config file: permission denied"]) from None
    except OSError as exc:
        raise ConfigError(path, [f"cannot read config file: {exc.strerror or exc}"]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(path, [f"not UTF-8 text (bad byte at offset {exc.start})"]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # its message ends "(at line L, column C)"
        raise ConfigError(path, [f"invalid TOML: {exc}"]) from None
    return config_from_dict(data, path)


def config_from_dict(data: Mapping[str, Any], path: Path) -> Config:
    """Validate parsed TOML; `path` is only used to label errors."""
    problems: list[str] = []
    sections = _section_types()
    built: dict[str, Any] = {}
    for name, table in data.items():
        if name not in sections:
            problems.append(_unknown_top_level(name, table))
        elif not isinstance(table, dict):
            problems.append(f"{_dotted(name)}: expected a table [{name}], got {_describe(table)}")
        elif sections[name] is Keymap:
            built[name] = _build_keymap(name, table, problems)
        else:
            built[name] = _build_section(sections[name], name, table, problems)
    if problems:
        raise ConfigError(path, problems)
    return Config(**built)


def _build_keymap(section: str, table: dict[str, Any], problems: list[str]) -> Keymap:
    for key, value in table.items():
        if not isinstance(value, str):
            problems.append(
                f"{_dotted(section, key)}: expected a key string "
                f'(e.g. "enter" or "j,down"), got {_describe(value)}'
            )
    return Keymap({k: v for k, v in table.items() if isinstance(v, str)})


def _build_section(cls: type, section: str, table: dict[str, Any], problems: list[str]) -> Any:
    hints = get_type_hints(cls)
    known = {f.name: f for f in fields(cls)}
    values: dict[str, Any] = {}
    for key, value in table.items():
        spec = known.get(key)
        if spec is None:
            hint = _suggest(key, known)
            problems.append(f'unknown key "{_dotted(section, key)}"{_did_you_mean(section, hint)}')
            continue
        converted, expected = _convert(hints[key], value)
        if expected is None:
            expected = _rule_violation(spec.metadata, converted)
        if expected is not None:
            problems.append(f"{_dotted(section, key)}: expected {expected}, got {_describe(value)}")
        else:
            values[key] = converted
    for key, spec in known.items():
        flag = spec.metadata.get("required_if")
        if key in table and key not in values:
            continue  # already reported as invalid
        if flag and values.get(flag) is True and not values.get(key, spec.default):
            problems.append(
                f"{_dotted(section, key)}: required when {_dotted(section, flag)} = true"
            )
    return cls(**values)


def _convert(hint: Any, value: Any) -> tuple[Any, str | None]:
    """Return (typed value, None) or (None, what was expected) for one TOML value."""
    origin = get_origin(hint)
    if origin is Literal:
        allowed = get_args(hint)
        if isinstance(value, str) and value in allowed:
            return value, None
        return None, "one of " + ", ".join(json.dumps(a) for a in allowed)
    if origin is tuple:  # tuple[str, ...]: a TOML array of strings
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return tuple(value), None
        return None, "a list of strings"
    if hint is bool:
        return (value, None) if isinstance(value, bool) else (None, "a boolean (true or false)")
    if hint is int:  # TOML booleans are Python ints: `port = true` must still be an error
        ok = isinstance(value, int) and not isinstance(value, bool)
        return (value, None) if ok else (None, "an integer")
    if hint is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return (float(value), None) if ok else (None, "a number")
    if hint is str:
        return (value, None) if isinstance(value, str) else (None, "a string")
    raise TypeError(f"config.py: no validator for type {hint!r}")  # a bug here, not user error


def _rule_violation(meta: Mapping[str, Any], value: Any) -> str | None:
    """Describe what is expected if `value` breaks a declared bound or check, else None."""
    check: Callable[[Any], bool] | None = meta.get("check")
    if check is not None and not check(value):
        return str(meta["expected"])
    kind = "an integer" if isinstance(value, int) else "a number"
    low, high, above = meta.get("min"), meta.get("max"), meta.get("gt")
    if above is not None and not value > above:  # `not >` so nan is rejected too
        return f"{kind} > {above}"
    if (low is not None and value < low) or (high is not None and value > high):
        if low is not None and high is not None:
            return f"{kind} from {low} to {high}"
        return f"{kind} >= {low}" if low is not None else f"{kind} <= {high}"
    return None


@functools.cache
def _section_types() -> dict[str, type]:
    """Section name -> its dataclass (or Keymap), from `Config`'s type hints."""
    return get_type_hints(Config)


def _unknown_top_level(name: str, value: Any) -> str:
    if isinstance(value, dict):
        hint = _suggest(name, _section_types())
        return f'unknown section "[{name}]"' + (f' (did you mean "[{hint}]"?)' if hint else "")
    # A bare key above the first [section]: point at the section that owns that key.
    owners = [
        section
        for section, cls in _section_types().items()
        if cls is not Keymap and name in {f.name for f in fields(cls)}
    ]
    if owners:
        return f'unknown key "{_dotted(name)}" (did you mean "{_dotted(owners[0], name)}"?)'
    return f'unknown key "{_dotted(name)}" (keys belong under a [section])'


def _suggest(name: str, candidates: Iterable[str]) -> str | None:
    matches = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else None


def _did_you_mean(section: str, hint: str | None) -> str:
    return f' (did you mean "{_dotted(section, hint)}"?)' if hint else ""


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _dotted(*parts: str) -> str:
    """A TOML dotted key, quoting parts that are not bare keys (`keymap."queue.open"`)."""
    return ".".join(p if _BARE_KEY.fullmatch(p) else json.dumps(p) for p in parts)


def _describe(value: Any) -> str:
    """Name a TOML value's type and show it, as the "got ..." half of an error."""
    if isinstance(value, dict):
        return "a table"
    kinds = [
        (bool, "boolean"),
        (int, "integer"),
        (float, "float"),
        (str, "string"),
        (list, "array"),
        (datetime, "date-time"),
        (date, "date"),
        (time, "time"),
    ]
    kind = next((name for cls, name in kinds if isinstance(value, cls)), type(value).__name__)
    shown = _literal(value)
    return f"{kind} {shown if len(shown) <= 60 else shown[:57] + '...'}"


def _literal(value: Any) -> str:
    """Render a value roughly as it was written in TOML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_literal(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{...}"
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)
