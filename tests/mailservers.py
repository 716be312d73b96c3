"""Real mail servers for integration tests (a pytest plugin, registered in `conftest.py`).

`dovecot` gives each test its own IMAP account on one Dovecot per session: starting the
server is cheap (~25 ms) but stopping it takes ~1-3 s, so it runs once and tests are
isolated by user name instead. Each account has its own passwd-file (`passwd/%n`), because
Dovecot rereads a passwd-file at most once per second and appending users to a shared file
makes a fresh user's first login fail.

A missing `dovecot` binary skips, unless MSP_REQUIRE_INTEGRATION=1 (CI), where it fails.
`run_dovecot()` is the start-up without pytest, for the benchmarks.
"""

from __future__ import annotations

import grp
import itertools
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from imapclient import IMAPClient, imap_utf7

from tests.conftest import integration_required

HOST = "127.0.0.1"
DOMAIN = "example.test"
START_TIMEOUT = 5.0
STOP_TIMEOUT = 5.0

RECENT = b"\\Recent"
_APPENDUID = re.compile(rb"\[APPENDUID (\d+) (\d+)\]")

# Dovecot 2.3 (Debian bookworm). Paths and the port are filled in per session.
_CONFIG = """\
protocols = imap
listen = {host}
base_dir = {run}/run
state_dir = {run}/state
instance_name = msp-tui-test-{port}
log_path = /dev/stderr
info_log_path = /dev/stderr
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
first_valid_uid = 1
last_valid_uid = 0
mail_location = maildir:{data}/mail/%d/%n/Maildir
mail_fsync = never
{privileges}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {data}/passwd/%n
}}
userdb {{
  driver = static
  args = home={data}/mail/%d/%n
}}
# No auth penalty: failed logins would otherwise delay every later login from 127.0.0.1
# (good ones too) by up to 15 s, across tests, since the server is shared.
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = {host}
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""

# Started as root, mail processes drop to nobody (Dovecot refuses mail access as root).
_AS_ROOT = """\
mail_uid = nobody
mail_gid = nogroup
"""

# Started as an ordinary user, every process stays that user (this variant refuses root).
_ROOTLESS = """\
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
service imap-login {{
  chroot =
}}
service anvil {{
  chroot =
}}
"""


@dataclass(frozen=True)
class ImapAccount:
    """One test's mailbox on the session's Dovecot, plus helpers that arrange and inspect it.

    Every helper opens its own short session, so it never disturbs the connection state of
    the code under test.
    """

    host: str
    port: int
    user: str
    password: str
    maildir: Path = field(repr=False)  # on-disk Maildir, for recreate_folder()

    def connect(self) -> IMAPClient:
        """A logged-in client; the caller logs out."""
        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=10)
        try:
            client.login(self.user, self.password)
        except BaseException:
            client.shutdown()
            raise
        return client

    @contextmanager
    def _session(self) -> Iterator[IMAPClient]:
        client = self.connect()
        try:
            yield client
        finally:
            client.logout()

    def append(
        self, raw: bytes, folder: str = "INBOX", flags: Iterable[bytes | str] = ()
    ) -> int:
        """Store a message as a mail server would deliver it; returns its UID (APPENDUID)."""
        with self._session() as client:
            response = client.append(folder, raw, flags=tuple(flags))
        match = _APPENDUID.search(response)
        assert match, f"no APPENDUID in the APPEND response: {response!r}"
        return int(match.group(2))

    def uids(self, folder: str = "INBOX", criteria: str | list[str] = "ALL") -> list[int]:
        """UIDs matching an IMAP SEARCH, ascending (EXAMINE, so nothing changes)."""
        with self._session() as client:
            client.select_folder(folder, readonly=True)
            return sorted(client.search(criteria))

    def flags(self, uid: int, folder: str = "INBOX") -> set[bytes]:
        """The stored flags of one message, e.g. `{b"\\\\Seen"}`.

        Without `\\Recent`: that one belongs to whichever session saw the message first,
        often this helper's own, so it says nothing about the code under test.
        """
        with self._session() as client:
            client.select_folder(folder, readonly=True)
            found = client.fetch([uid], ["FLAGS"])
        if uid not in found:
            raise LookupError(f"no message with UID {uid} in {folder}")
        return set(found[uid][b"FLAGS"]) - {RECENT}

    def folders(self) -> list[str]:
        """Folder names, sorted."""
        with self._session() as client:
            return sorted(name for _flags, _delimiter, name in client.list_folders())

    def create_folder(self, name: str) -> None:
        with self._session() as client:
            client.create_folder(name)

    def uidvalidity(self, folder: str = "INBOX") -> int:
        with self._session() as client:
            return int(client.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"])

    def recreate_folder(self, name: str = "INBOX") -> int:
        """Make the server renumber a folder, as after an index loss or a migration.

        Deletes Dovecot's UID list and index for the folder on disk; on the next login
        Dovecot rescans the Maildir and gives the same messages (same bodies, flags and
        dates) a new UIDVALIDITY and fresh UIDs from 1. Works for INBOX too, which IMAP
        cannot delete. No session may have the folder selected meanwhile. Returns the new
        UIDVALIDITY (asserted to differ from the old one).
        """
        before = self.uidvalidity(name)
        if name.upper() == "INBOX":
            folder_dir = self.maildir
        else:  # Maildir++: ".Parent.Child", names in modified UTF-7
            folder_dir = self.maildir / ("." + imap_utf7.encode(name).decode("ascii"))
        # Keep dovecot-uidvalidity (the counter that makes the new value unique) and
        # dovecot.list.index* (the folder list).
        for path in [folder_dir / "dovecot-uidlist", *folder_dir.glob("dovecot.index*")]:
            path.unlink(missing_ok=True)
        after = self.uidvalidity(name)
        assert after != before, f"UIDVALIDITY of {name} stayed {before}"
        return after


@dataclass
class DovecotServer:
    """The session's Dovecot process; `new_account()` hands out isolated mailboxes."""

    port: int
    data: Path  # mail + passwd files
    log: Path  # Dovecot's stderr
    process: subprocess.Popen[bytes]
    _numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def new_account(self) -> ImapAccount:
        local = f"user{next(self._numbers)}"
        user = f"{local}@{DOMAIN}"
        password = secrets.token_hex(8)
        (self.data / "passwd" / local).write_text(f"{user}:{{PLAIN}}{password}\n")
        home = self.data / "mail" / DOMAIN / local
        return ImapAccount(HOST, self.port, user, password, maildir=home / "Maildir")

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if Dovecot has not exited within STOP_TIMEOUT."""
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _dovecot_binary() -> str | None:
    # /usr/sbin is often not on an ordinary user's PATH.
    path = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/usr/local/sbin"])
    return shutil.which("dovecot", path=path)


def require_dovecot() -> str:
    """The `dovecot` binary; skips without one, or fails when integration is required."""
    binary = _dovecot_binary()
    if binary is None:
        message = "dovecot not installed (Debian: apt-get install dovecot-imapd)"
        if integration_required():
            pytest.fail(f"MSP_REQUIRE_INTEGRATION=1 but {message}", pytrace=False)
        pytest.skip(message)
    return binary


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _privileges() -> str:
    if os.geteuid() == 0:
        return _AS_ROOT
    return _ROOTLESS.format(
        user=pwd.getpwuid(os.geteuid()).pw_name, group=grp.getgrgid(os.getegid()).gr_name
    )


def _wait_until_listening(server: DovecotServer) -> None:
    """Raises RuntimeError with Dovecot's stderr (after stopping it) if it never listens."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            socket.create_connection((HOST, server.port), timeout=0.5).close()
            return
        except OSError:
            pass
        exited = server.process.poll() is not None
        if exited or time.monotonic() > deadline:
            server.stop()
            if exited:
                state = f"exited with status {server.process.returncode} before listening"
            else:
                state = f"was not listening after {START_TIMEOUT:.0f} s"
            stderr = server.log.read_text(errors="replace")
            raise RuntimeError(f"Dovecot {state} on {HOST}:{server.port}; stderr:\n{stderr}")
        time.sleep(0.02)


@contextmanager
def run_dovecot(workdir: Path | None = None) -> Iterator[DovecotServer]:
    """A Dovecot on loopback for as long as the block runs; usable outside pytest (benchmarks).

    `workdir` holds the config and log (a temp dir, removed afterwards, when None). Raises
    RuntimeError when the binary is missing or the server does not start.
    """
    binary = _dovecot_binary()
    if binary is None:
        raise RuntimeError("dovecot not installed (Debian: apt-get install dovecot-imapd)")
    owned: list[Path] = []
    try:
        if workdir is None:
            workdir = Path(tempfile.mkdtemp(prefix="msp-tui-dovecot-run-"))
            owned.append(workdir)
        run = workdir
        if os.geteuid() == 0:
            # Mail and auth processes run as nobody/dovecot and cannot enter a 0700 dir
            # such as pytest's tmp root, so their files live in a traversable temp dir.
            data = Path(tempfile.mkdtemp(prefix="msp-tui-dovecot-"))
            owned.append(data)
            data.chmod(0o755)
        else:
            data = run
        (data / "passwd").mkdir()
        (data / "mail").mkdir()
        if os.geteuid() == 0:
            (data / "mail").chmod(0o1777)
        port = _free_port()
        conf = run / "dovecot.conf"
        conf.write_text(
            _CONFIG.format(host=HOST, port=port, run=run, data=data, privileges=_privileges())
        )
        log = run / "dovecot.stderr"
        with log.open("wb") as stderr:
            process = subprocess.Popen(
                [binary, "-F", "-c", str(conf)], stdin=subprocess.DEVNULL, stderr=stderr
            )
        server = DovecotServer(port=port, data=data, log=log, process=process)
        try:
            _wait_until_listening(server)
            yield server
        finally:
            server.stop()
    finally:
        for path in owned:
            shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def dovecot_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DovecotServer]:
    """One Dovecot for the whole session, started on first use."""
    require_dovecot()
    with ExitStack() as stack:
        try:
            server = stack.enter_context(run_dovecot(tmp_path_factory.mktemp("dovecot")))
        except RuntimeError as exc:
            failure = str(exc)
        else:
            failure = ""
        if failure:  # outside the except: the report shows Dovecot's stderr once
            pytest.fail(failure, pytrace=False)
        yield server


@pytest.fixture
def dovecot(dovecot_server: DovecotServer) -> ImapAccount:
    """A fresh, empty IMAP account (new user) on the session's Dovecot."""
    return dovecot_server.new_account()
