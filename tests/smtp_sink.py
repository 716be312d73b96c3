"""A real SMTP server on loopback for tests (pytest plugin): aiosmtpd in its own thread.

It keeps what it accepts and can be switched to fail the ways real servers do: gone
("down": the port refuses connections), deferring ("tempfail": 451 per recipient),
refusing a recipient ("reject": 550), or refusing a login (a real 535 from AUTH).
"""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Literal

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

Mode = Literal["ok", "tempfail", "reject"]

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)  # type: ignore[return-value]


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        sink = self.sink
        if sink.mode == "tempfail":
            return "451 4.3.0 Mailbox temporarily unavailable, try again later"
        if sink.mode == "reject" and (not sink.rejected or address in sink.rejected):
            return "550 5.1.1 mailbox unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.sink.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
        )
        return "250 2.0.0 Message accepted for delivery"


class _Authenticator:
    def __init__(self, users: dict[str, str]) -> None:
        self.users = users

    def __call__(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            user = auth_data.login.decode()
            if self.users.get(user) == auth_data.password.decode():
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)  # lets aiosmtpd answer 535


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


class SmtpSink:
    """One loopback SMTP server; `users` turns on AUTH (plain text, no TLS needed)."""

    def __init__(self, users: dict[str, str] | None = None) -> None:
        self.host = HOST
        self.port = free_port()
        self.users = users
        self.mode: Mode = "ok"
        self.rejected: set[str] = set()  # for "reject": these recipients; empty = all
        self.received: list[Received] = []
        self._controller: Controller | None = None

    def _make(self) -> Controller:
        kwargs: dict[str, Any] = {}
        if self.users is not None:
            kwargs = {"authenticator": _Authenticator(self.users), "auth_require_tls": False}
        return Controller(_Handler(self), hostname=self.host, port=self.port, **kwargs)

    @property
    def running(self) -> bool:
        return self._controller is not None

    def up(self) -> None:
        if self._controller is None:
            controller = self._make()
            controller.start()
            self._controller = controller

    def down(self) -> None:
        """Stop listening: clients get "connection refused"."""
        if self._controller is not None:
            controller, self._controller = self._controller, None
            controller.stop()

    def ok(self) -> None:
        self.mode, self.rejected = "ok", set()

    def tempfail(self) -> None:
        self.mode = "tempfail"

    def reject(self, *addresses: str) -> None:
        self.mode, self.rejected = "reject", set(addresses)


@pytest.fixture
def smtp_sink_factory() -> Iterator[Callable[..., SmtpSink]]:
    """Make running sinks (`users={"name": "password"}` for AUTH); all stop afterwards."""
    sinks: list[SmtpSink] = []

    def make(users: dict[str, str] | None = None) -> SmtpSink:
        sink = SmtpSink(users)
        sink.up()
        sinks.append(sink)
        return sink

    yield make
    for sink in sinks:
        sink.down()


@pytest.fixture
def smtp_sink(smtp_sink_factory: Callable[..., SmtpSink]) -> SmtpSink:
    """A running loopback SMTP server without AUTH."""
    return smtp_sink_factory()
