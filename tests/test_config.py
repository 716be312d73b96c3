"""Config loading: path resolution, defaults, and error messages that name file, key and type.

The autouse fixture in conftest points XDG_* into a temp dir and unsets MSP_TUI_CONFIG, so
the "default location" here is always an empty temp dir.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from msp_tui import config as config_module
from msp_tui.config import (
    Config,
    ConfigError,
    Keymap,
    MailboxConfig,
    UiConfig,
    default_config_path,
    default_database_path,
    load_config,
)

EXAMPLE = Path(__file__).resolve().parent.parent / "config.example.toml"


def write(tmp_path: Path, text: str, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_for(tmp_path: Path, text: str) -> tuple[Path, str]:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return path, str(info.value)


# --- path resolution -----------------------------------------------------------------------


def test_missing_default_file_gives_all_defaults() -> None:
    assert not default_config_path().exists()
    assert load_config() == Config()


def test_default_path_is_under_xdg_config_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert default_config_path() == tmp_path / "msp-tui" / "config.toml"
    (tmp_path / "msp-tui").mkdir()
    write(tmp_path / "msp-tui", "[ui]\nshow_closed = true\n")
    assert load_config().ui.show_closed is True


def test_default_path_can_be_monkeypatched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, '[ui]\ntheme = "nord"\n')
    monkeypatch.setattr(config_module, "default_config_path", lambda: path)
    assert load_config().ui.theme == "nord"


def test_explicit_missing_file_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as info:
        load_config(missing)
    assert str(missing) in str(info.value)
    assert "not found" in str(info.value)


def test_env_var_overrides_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "[scheduler]\nsla_tick_seconds = 5\n", "env.toml")
    monkeypatch.setenv("MSP_TUI_CONFIG", str(path))
    assert load_config().scheduler.sla_tick_seconds == 5


def test_argument_beats_env_var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MSP_TUI_CONFIG", str(write(tmp_path, "[ui]\nrefresh_seconds = 9\n", "e")))
    arg = write(tmp_path, "[ui]\nrefresh_seconds = 3\n", "a")
    assert load_config(arg).ui.refresh_seconds == 3.0


def test_env_var_pointing_at_missing_file_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "gone.toml"
    monkeypatch.setenv("MSP_TUI_CONFIG", str(missing))
    with pytest.raises(ConfigError, match="not found") as info:
        load_config()
    assert str(missing) in str(info.value)


def test_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="directory") as info:
        load_config(tmp_path)
    assert str(tmp_path) in str(info.value)


@pytest.mark.parametrize(
    ("error", "message_part"),
    [
        (PermissionError(13, "Permission denied"), "permission denied"),
        (OSError(5, "Input/output error"), "cannot read config file: Input/output error"),
    ],
)
def test_unreadable_file_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: OSError, message_part: str
) -> None:
    path = write(tmp_path, "")

    def fail(self: Path) -> bytes:
        raise error

    monkeypatch.setattr(Path, "read_bytes", fail)
    with pytest.raises(ConfigError, match=message_part) as info:
        load_config(path)
    assert str(path) in str(info.value)


def test_non_utf8_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'[ui]\ntheme = "\xff"\n')
    with pytest.raises(ConfigError, match="UTF-8"):
        load_config(path)


# --- values --------------------------------------------------------------------------------


def test_values_are_read_and_typed(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [ui]
        refresh_seconds = 1          # an int is fine for a float field
        [mailbox]
        tls = "starttls"
        our_addresses = ["desk@msp.example", "noc@msp.example"]
        default_priority = "P1"
        [me]
        timezone = "Europe/Berlin"
        [keymap]
        "queue.open" = "enter"
        """,
    )
    cfg = load_config(path)
    assert cfg.ui.refresh_seconds == 1.0
    assert isinstance(cfg.ui.refresh_seconds, float)
    assert cfg.mailbox.tls == "starttls"
    assert cfg.mailbox.our_addresses == ("desk@msp.example", "noc@msp.example")
    assert cfg.mailbox.default_priority == "P1"
    assert cfg.me.timezone == "Europe/Berlin"
    assert dict(cfg.keymap) == {"queue.open": "enter"}
    assert cfg.keymap["queue.open"] == "enter"
    hash(cfg)  # frozen all the way down


def test_config_is_frozen() -> None:
    cfg = Config()
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.ui = UiConfig()  # type: ignore[misc]
    with pytest.raises(TypeError):
        cfg.keymap["x"] = "y"  # type: ignore[index]


def test_enabled_mailbox_needs_host_and_user(tmp_path: Path) -> None:
    path, message = error_for(tmp_path, "[mailbox]\nenabled = true\n")
    assert f"{path}: mailbox.host: required when mailbox.enabled = true" in message
    assert "mailbox.user: required" in message
    cfg = load_config(write(tmp_path, '[mailbox]\nenabled = true\nhost = "h"\nuser = "u"\n'))
    assert cfg.mailbox == MailboxConfig(enabled=True, host="h", user="u")


# --- errors --------------------------------------------------------------------------------


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    path, message = error_for(tmp_path, '[mailbox]\nhots = "imap.example"\n')
    assert message == f'{path}: unknown key "mailbox.hots" (did you mean "mailbox.host"?)'


def test_unknown_section_suggests_the_right_one(tmp_path: Path) -> None:
    path, message = error_for(tmp_path, "[mailbx]\nport = 993\n")
    assert message == f'{path}: unknown section "[mailbx]" (did you mean "[mailbox]"?)'


def test_unknown_section_without_a_close_match(tmp_path: Path) -> None:
    path, message = error_for(tmp_path, "[frobnicate]\n")
    assert message == f'{path}: unknown section "[frobnicate]"'


def test_top_level_key_points_at_its_section(tmp_path: Path) -> None:
    _, message = error_for(tmp_path, 'theme = "nord"\n')
    assert 'unknown key "theme" (did you mean "ui.theme"?)' in message


def test_password_is_not_a_key(tmp_path: Path) -> None:
    _, message = error_for(tmp_path, '[smtp]\npassword = "hunter2"\n')
    assert 'unknown key "smtp.password"' in message


@pytest.mark.parametrize(
    ("toml", "key", "expected", "found"),
    [
        ('[mailbox]\nport = "abc"\n', "mailbox.port", "expected an integer", 'got string "abc"'),
        ("[mailbox]\nport = true\n", "mailbox.port", "expected an integer", "got boolean true"),
        ("[mailbox]\nport = 99.5\n", "mailbox.port", "expected an integer", "got float 99.5"),
        ("[ui]\nshow_closed = 1\n", "ui.show_closed", "expected a boolean", "got integer 1"),
        ("[ui]\nrefresh_seconds = true\n", "ui.refresh_seconds", "expected a number", "boolean"),
        ("[ui]\ntheme = 5\n", "ui.theme", "expected a string", "got integer 5"),
        (
            '[mailbox]\nour_addresses = ["a@b.example", 5]\n',
            "mailbox.our_addresses",
            "expected a list of strings",
            'got array ["a@b.example", 5]',
        ),
        (
            '[mailbox]\nour_addresses = "a@b.example"\n',
            "mailbox.our_addresses",
            "expected a list of strings",
            "got string",
        ),
        (
            '[keymap]\n"queue.open" = 13\n',
            'keymap."queue.open"',
            "expected a key string",
            "got integer 13",
        ),
        ("ui = 3\n", "ui", "expected a table", "got integer 3"),
        (
            "[demo]\nseed_on_first_start = 2026-01-01\n",
            "demo.seed_on_first_start",
            "expected a boolean",
            "got date 2026-01-01",
        ),
    ],
)
def test_wrong_type_names_file_key_and_expected_type(
    tmp_path: Path, toml: str, key: str, expected: str, found: str
) -> None:
    path, message = error_for(tmp_path, toml)
    assert message.startswith(f"{path}: {key}: {expected}")
    assert found in message
    assert "\n" not in message


def test_literal_violation_names_allowed_values(tmp_path: Path) -> None:
    path, message = error_for(tmp_path, '[smtp]\ntls = "ssl"\n')
    assert message == (
        f'{path}: smtp.tls: expected one of "implicit", "starttls", "none", got string "ssl"'
    )
    _, message = error_for(tmp_path, '[mailbox]\ndefault_priority = "P5"\n')
    assert 'expected one of "P1", "P2", "P3", "P4", got string "P5"' in message


@pytest.mark.parametrize(
    ("toml", "message_part"),
    [
        ("[mailbox]\npoll_seconds = 4\n", "mailbox.poll_seconds: expected an integer >= 5, got"),
        ("[scheduler]\nsla_tick_seconds = 0\n", "scheduler.sla_tick_seconds: expected an integer"),
        ("[scheduler]\nlease_seconds = 1\n", "scheduler.lease_seconds: expected an integer >= 5"),
        ("[scheduler]\nauto_close_hours = 0\n", "scheduler.auto_close_hours: expected an integer"),
        ("[ui]\nrefresh_seconds = 0\n", "ui.refresh_seconds: expected a number > 0, got integer"),
        ("[ui]\nrefresh_seconds = nan\n", "ui.refresh_seconds: expected a number > 0, got float"),
        ("[smtp]\nport = 70000\n", "smtp.port: expected an integer from 1 to 65535"),
    ],
)
def test_bounds(tmp_path: Path, toml: str, message_part: str) -> None:
    _, message = error_for(tmp_path, toml)
    assert message_part in message


def test_one_auto_close_hour_is_allowed(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, "[scheduler]\nauto_close_hours = 1\n")).scheduler == (
        dataclasses.replace(Config().scheduler, auto_close_hours=1)
    )


def test_bad_timezone(tmp_path: Path) -> None:
    path, message = error_for(tmp_path, '[me]\ntimezone = "Mars/Olympus_Mons"\n')
    assert message.startswith(f"{path}: me.timezone: expected an IANA time zone name")
    assert 'got string "Mars/Olympus_Mons"' in message


@pytest.mark.parametrize("zone", ["../etc/passwd", "America", "/etc/localtime"])
def test_odd_timezones_are_errors_not_crashes(tmp_path: Path, zone: str) -> None:
    _, message = error_for(tmp_path, f'[me]\ntimezone = "{zone}"\n')
    assert "me.timezone" in message


def test_toml_syntax_error_gives_line_and_column(tmp_path: Path) -> None:
    path, message = error_for(tmp_path, '[ui]\ntheme = "nord"\nshow_closed = \n')
    assert message.startswith(f"{path}: invalid TOML:")
    assert "line 3" in message
    assert "column" in message


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    path, message = error_for(
        tmp_path,
        '[ui]\nrefresh_seconds = "fast"\n[mailbox]\nhots = "x"\nport = true\n[nope]\n',
    )
    lines = message.splitlines()
    assert len(lines) == 4
    assert all(line.startswith(f"{path}: ") for line in lines)
    assert "ui.refresh_seconds" in lines[0]
    assert "mailbox.hots" in lines[1]
    assert "mailbox.port" in lines[2]
    assert "[nope]" in lines[3]


def test_config_error_carries_path_and_problems(tmp_path: Path) -> None:
    path = write(tmp_path, "[ui]\ntheme = 1\nshow_closed = 2\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.path == path
    assert len(info.value.problems) == 2


# --- the example file ----------------------------------------------------------------------


def test_example_file_loads_and_equals_the_defaults() -> None:
    assert load_config(EXAMPLE) == Config()


def test_example_file_documents_every_key() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    for section in dataclasses.fields(Config):
        assert f"[{section.name}]" in text, section.name
        if section.name == "keymap":
            continue
        for key in dataclasses.fields(getattr(Config(), section.name)):
            assert f"# {key.name} (" in text, f"{section.name}.{key.name} is not documented"
            assert f"{key.name} =" in text, f"{section.name}.{key.name} has no sample line"
    assert "keyring" in text
    assert "password =" not in text


def test_example_keymap_samples_are_valid_when_uncommented(tmp_path: Path) -> None:
    """The commented-out [keymap] samples must themselves be valid config."""
    lines = EXAMPLE.read_text(encoding="utf-8").split("[keymap]", 1)[1].splitlines()
    samples = [line[2:] for line in lines if line.startswith('# "')]
    assert samples
    cfg = load_config(write(tmp_path, "[keymap]\n" + "\n".join(samples) + "\n"))
    assert len(cfg.keymap) == len(samples)


# --- database url --------------------------------------------------------------------------


def test_default_database_url_is_under_xdg_data_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    expected = tmp_path / "data" / "msp-tui" / "msp-tui.sqlite3"
    assert default_database_path() == expected
    assert Config().database_url() == f"sqlite:///{expected}"
    assert not (tmp_path / "data").exists()  # resolving the default creates nothing


def test_custom_database_url_passes_through(tmp_path: Path) -> None:
    url = "postgresql+psycopg://msp@db.example.internal/msp_tui"
    cfg = load_config(write(tmp_path, f'[database]\nurl = "{url}"\n'))
    assert cfg.database_url() == url


def test_absolute_database_path_becomes_sqlite_url(tmp_path: Path) -> None:
    db = tmp_path / "desk.sqlite3"
    cfg = load_config(write(tmp_path, f"[database]\nurl = '{db}'\n"))
    assert cfg.database_url() == f"sqlite:///{db}"


def test_relative_database_path_is_an_error(tmp_path: Path) -> None:
    _, message = error_for(tmp_path, '[database]\nurl = "desk.sqlite3"\n')
    assert "database.url: expected a SQLAlchemy URL" in message


def test_keymap_is_hashable_mapping() -> None:
    a = Keymap({"x": "y"})
    assert a == Keymap([("x", "y")]) == {"x": "y"}
    assert hash(a) == hash(Keymap({"x": "y"}))
