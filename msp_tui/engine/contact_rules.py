"""Syntax of email addresses, domains, phone numbers and hostnames, in one place.

The client settings form, the people form and the CSV import all check these values: one
set of rules means a file the import accepts is never refused later when the same client
is opened in its settings form. Each check returns why a value is refused (None if it is
fine), and the checks that normalise return the value as it is stored too.
"""

from __future__ import annotations

import re
from typing import Final

MAX_EMAIL: Final = 254
MAX_HOSTNAME: Final = 253
MAX_PHONE: Final = 40

_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_TLD = re.compile(r"^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")
_EMAIL = re.compile(r"^[^@\s]+@([^@\s]+)$")
_HOST = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$")
_PHONE = re.compile(r"^\+?[0-9 ()./-]+(?:\s*(?:x|ext\.?)\s*[0-9]+)?$", re.IGNORECASE)


def clean_domain(text: str) -> tuple[str, str | None]:
    """("example.com", None), or the text and why it is not a domain."""
    domain = text.strip().lower().lstrip("@").rstrip(".")
    labels = domain.split(".")
    if (
        len(domain) > MAX_HOSTNAME
        or len(labels) < 2
        or not all(_LABEL.match(label) for label in labels)
        or not _TLD.match(labels[-1])
    ):
        return domain, f"{text.strip()!r} is not a domain like example.com"
    return domain, None


def email_problem(text: str, what: str) -> tuple[str, str | None]:
    """The address lower-cased, and why it is refused; `what` names the owner for the
    empty case ("a contact needs an email address")."""
    email = text.strip().lower()
    match = _EMAIL.match(email)
    if not email:
        return email, f"{what} needs an email address"
    if len(email) > MAX_EMAIL or match is None or clean_domain(match.group(1))[1] is not None:
        return email, f"{text.strip()!r} is not an email address like name@example.com"
    return email, None


def is_email(text: str) -> bool:
    """True when `email_problem` accepts the text (case and outer spaces do not count)."""
    return bool(text.strip()) and email_problem(text, "")[1] is None


def phone_problem(phone: str) -> str | None:
    """Why a (stripped, non-empty) phone number is refused; None if it is fine."""
    if len(phone) > MAX_PHONE:
        return f"phone {phone!r} is longer than {MAX_PHONE} characters"
    if not _PHONE.match(phone) or sum(c.isdigit() for c in phone) < 3:
        return f"phone {phone!r} is not a number like +1 212 555 0100"
    return None


def hostname_problem(host: str) -> str | None:
    """Why a (stripped, non-empty) asset hostname is refused; None if it is fine."""
    if len(host) > MAX_HOSTNAME or not _HOST.match(host):
        return f"hostname {host!r} may hold only letters, digits, '-' and '.'"
    return None
