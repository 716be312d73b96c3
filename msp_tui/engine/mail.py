"""Inbound support mail, parsed into plain facts the intake can act on.

Mail from customers arrives in every shape: old clients with unknown charsets, HTML-only
bodies, broken MIME, out-of-office replies and bounces. Intake must never crash on a message
(a crash would block the mailbox behind it), so :func:`parse_message` never raises: it reads
what it can and lists every problem in ``ParsedMail.problems`` in words a technician can act on.

The helpers answer the questions intake asks next: does the subject name a ticket
(:func:`ticket_token`), did we send this ourselves (:func:`is_own_address`, refusing mail loops),
and what did the customer actually write above the quoted history (:func:`strip_quoted_reply`).
Stdlib only, like the rest of the engine.
"""

from __future__ import annotations

import codecs
import email
import email.policy
import email.utils
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.header import decode_header
from email.message import Message
from html.parser import HTMLParser

__all__ = [
    "Attachment",
    "ParsedMail",
    "html_to_text",
    "is_own_address",
    "parse_message",
    "strip_quoted_reply",
    "ticket_token",
]

DEFAULT_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Attachment:
    """One attached file; ``data`` is None when it was skipped (``skipped_reason`` says why)."""

    filename: str
    content_type: str
    size: int
    skipped_reason: str | None = None
    data: bytes | None = None


@dataclass(frozen=True)
class ParsedMail:
    """What intake needs from one inbound message, already decoded and normalised."""

    message_id: str | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    subject: str = ""
    from_name: str = ""
    from_email: str = ""
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    date: datetime | None = None
    text: str = ""
    attachments: tuple[Attachment, ...] = ()
    auto_reply: bool = False
    auto_reply_reason: str = ""
    problems: tuple[str, ...] = ()


# --------------------------------------------------------------------------- helpers: text


def _collapse(text: str) -> str:
    """Single-space a header value: folding and tabs carry no meaning in a subject."""
    return " ".join(text.split())


def _defect_words(defect: object) -> str:
    """``MissingHeaderBodySeparatorDefect`` -> ``missing header body separator``."""
    name = type(defect).__name__.removesuffix("Defect")
    return re.sub(r"(?<!^)(?=[A-Z])", " ", name).lower()


def _known_charset(charset: str) -> bool:
    try:
        codecs.lookup(charset)
    except (LookupError, ValueError):
        return False
    return True


def _decode_bytes(data: bytes, charset: str | None, where: str, problems: list[str]) -> str:
    """Decode a body; unknown charsets fall back to latin-1, which never fails."""
    charset = (charset or "us-ascii").strip().strip('"').lower()
    if not _known_charset(charset):
        problems.append(f"charset {charset!r} not known; decoded as latin-1 ({where})")
        return data.decode("latin-1")
    try:
        return data.decode(charset)
    except UnicodeDecodeError:
        # Declared ASCII/latin mail is very often really UTF-8; try that before mangling.
        if charset not in ("utf-8", "utf8"):
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                problems.append(f"body declared {charset!r} but is UTF-8 ({where})")
                return text
        problems.append(f"body not valid {charset!r}; bad bytes replaced ({where})")
        return data.decode(charset, errors="replace")
    except (LookupError, TypeError, ValueError):
        problems.append(f"charset {charset!r} not usable; decoded as latin-1 ({where})")
        return data.decode("latin-1")


# --------------------------------------------------------------------------- helpers: headers


def _raw_header(msg: Message, name: str) -> str | None:
    """The header as it was on the wire, for when the structured parse fails."""
    try:
        for key, value in msg.raw_items():  # type: ignore[attr-defined]
            if key.lower() == name.lower():
                return str(value)
    except Exception:
        return None
    return None


def _fallback_decode(raw: str, name: str, problems: list[str]) -> str:
    """Decode RFC 2047 words by hand, tolerating unknown charsets and stray bytes."""
    raw = raw.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    try:
        parts = decode_header(raw)
    except Exception:
        return raw
    out: list[str] = []
    for chunk, charset in parts:
        if isinstance(chunk, str):
            out.append(chunk)
        else:
            out.append(_decode_bytes(chunk, charset, f"header {name}", problems))
    return "".join(out)


def _header(msg: Message, name: str, problems: list[str]) -> str | None:
    """A decoded header value, or None when absent; problems are recorded, never raised."""
    raw = _raw_header(msg, name)
    try:
        value = msg.get(name)
        if value is None:
            return None
        text = str(value)
    except Exception:
        problems.append(f"undecodable header {name}")
        return None if raw is None else _fallback_decode(raw, name, problems)
    for defect in getattr(value, "defects", ()):
        if type(defect).__name__ in ("UndecodableBytesDefect", "CharsetError"):
            problems.append(f"undecodable header {name}")
        else:
            problems.append(f"header {name}: {_defect_words(defect)}")
    if raw is not None:
        # The default policy silently drops encoded words in unknown charsets; say so.
        for charset in re.findall(r"=\?([^?*]+)(?:\*[^?]*)?\?[bBqQ]\?", raw):
            if not _known_charset(charset):
                problems.append(f"charset {charset.lower()!r} not known in header {name}")
                text = _fallback_decode(raw, name, problems)
    if "\ufffd" in text or re.search(r"[\udc80-\udcff]", text):
        problems.append(f"undecodable header {name}")
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return text


_MSGID = re.compile(r"<[^<>\s]+>")


def _msg_ids(value: str | None) -> tuple[str, ...]:
    """Every ``<id>`` in a header; bare ids (seen from some clients) get brackets added."""
    if not value:
        return ()
    found = _MSGID.findall(value)
    if found:
        return tuple(found)
    return tuple(f"<{token.strip('<>')}>" for token in value.split() if "@" in token)


def _addresses(value: str | None) -> list[tuple[str, str]]:
    if not value:
        return []
    try:
        pairs = email.utils.getaddresses([value])
    except Exception:
        return []
    return [(_collapse(name), addr.strip().lower()) for name, addr in pairs if "@" in addr]


def _parse_date(value: str | None, problems: list[str]) -> datetime | None:
    if not value or not value.strip():
        return None
    try:
        when = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        problems.append(f"unparseable Date {value.strip()!r}")
        return None
    if when.tzinfo is None:  # "-0000": RFC 5322 says UTC, origin unknown
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


# --------------------------------------------------------------------------- auto replies

_BOUNCE_LOCALS = frozenset({"mailer-daemon", "postmaster"})


def _auto_reply_reason(msg: Message, from_email: str, problems: list[str]) -> str:
    """Why this looks machine-sent (empty if it does not): replying to it risks a mail loop."""
    auto = _header(msg, "Auto-Submitted", problems)
    if auto is not None and auto.split(";")[0].strip().lower() not in ("", "no"):
        return f"Auto-Submitted: {_collapse(auto)}"
    precedence = (_header(msg, "Precedence", problems) or "").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond", "List-Id", "List-Unsubscribe"):
        if _raw_header(msg, name) is not None:
            return f"{name} header present"
    return_path = _raw_header(msg, "Return-Path")
    if return_path is not None and return_path.strip() in ("<>", ""):
        return "bounce: empty Return-Path"
    senders = [from_email] + [addr for _, addr in _addresses(return_path)]
    for addr in senders:
        if addr and addr.split("@")[0] in _BOUNCE_LOCALS:
            return f"bounce: sent by {addr}"
    try:
        if msg.get_content_type() == "multipart/report":
            return "bounce: delivery report"
    except Exception:
        pass
    return ""


# --------------------------------------------------------------------------- HTML to text

_SKIP_TAGS = frozenset({"script", "style", "head", "title", "noscript", "template"})
_PARAGRAPH_TAGS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "ul", "ol", "pre", "hr"}
)
# Block boundaries are marked first and merged later, so "</li><li>" is one break, not two.
_LINE, _PARA = "\x00L", "\x00P"
_BREAKS = re.compile(r"(?:[ \t]*\x00[LP][ \t]*)+")
_LINE_TAGS = frozenset({"br", "div", "li", "tr", "dt", "dd", "section", "article", "header"})


class _TextExtractor(HTMLParser):
    """Collects visible text, turning block elements into line and paragraph breaks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self.skip_depth += 1
        elif tag == "br":
            self.chunks.append("\n")  # explicit: <br><br> is a deliberate blank line
        elif tag in _PARAGRAPH_TAGS:
            self.chunks.append(_PARA)
        elif tag == "li":
            self.chunks.append(_LINE + "- ")
        elif tag in _LINE_TAGS:
            self.chunks.append(_LINE)
        elif tag in ("td", "th"):
            self.chunks.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _SKIP_TAGS:  # <script/> must not open a skipped region
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag in _PARAGRAPH_TAGS:
            self.chunks.append(_PARA)
        elif tag in _LINE_TAGS and tag != "br":
            self.chunks.append(_LINE)

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            self.chunks.append(re.sub(r"\s+", " ", data.replace("\x00", "")))


def html_to_text(html: str) -> str:
    """Readable text from an HTML body: tags stripped, breaks kept, scripts and styles gone."""
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
        text = _BREAKS.sub(lambda m: "\n\n" if _PARA in m.group() else "\n", "".join(parser.chunks))
    except Exception:  # malformed beyond what HTMLParser tolerates: crude but readable
        text = re.sub(r"<[^>]*>", " ", html)
    lines = [line.strip() for line in text.replace("\xa0", " ").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# --------------------------------------------------------------------------- MIME walking


def _leaves(part: Message, depth: int = 0) -> Iterator[Message]:
    """Non-container parts in order; attached messages count as one leaf (an attachment)."""
    payload = part.get_payload()
    if depth > 50 or not isinstance(payload, list) or part.get_content_maintype() == "message":
        yield part
        return
    for child in payload:
        if isinstance(child, Message):
            yield from _leaves(child, depth + 1)


def _is_attachment(part: Message) -> bool:
    try:
        disposition = (part.get_content_disposition() or "").lower()
        filename = part.get_filename()
    except Exception:
        return True
    if disposition == "attachment" or filename:
        return True
    return part.get_content_maintype() not in ("text", "multipart")


def _safe_filename(name: str | None, index: int) -> str:
    """Basename only, no control characters: the name is later used on disk and in the UI."""
    name = re.split(r"[/\\]", name or "")[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip().strip(".")
    return name or f"attachment-{index}"


def _part_bytes(part: Message) -> bytes:
    if part.get_content_maintype() == "message":
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            return inner[0].as_bytes()
        return b""
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _attachment(part: Message, index: int, limit: int, problems: list[str]) -> Attachment:
    try:
        raw_name = part.get_filename()
    except Exception:
        raw_name = None
        problems.append(f"undecodable filename of attachment {index}")
    filename = _safe_filename(raw_name, index)
    content_type = part.get_content_type()
    try:
        data = _part_bytes(part)
    except Exception:
        problems.append(f"attachment {filename!r} could not be decoded")
        return Attachment(filename, content_type, 0, "could not be decoded")
    if len(data) > limit:
        return Attachment(filename, content_type, len(data), f"larger than {limit} bytes")
    return Attachment(filename, content_type, len(data), None, data)


def _body_text(part: Message, problems: list[str]) -> str:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        payload = part.get_payload()
        return payload if isinstance(payload, str) else ""
    try:
        charset = part.get_content_charset()
    except Exception:
        charset = None
    text = _decode_bytes(data, charset, part.get_content_type(), problems)
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --------------------------------------------------------------------------- entry point


def parse_message(
    raw: bytes, *, max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES
) -> ParsedMail:
    """Parse one raw RFC 5322 message; never raises, problems are listed instead."""
    problems: list[str] = []
    try:
        return _parse(raw, max_attachment_bytes, problems)
    except Exception as exc:  # last resort: intake must keep going on the next mail
        problems.append(f"message could not be parsed: {type(exc).__name__}: {exc}")
        text = bytes(raw or b"").decode("utf-8", errors="replace")
        return ParsedMail(text=text, problems=_unique(problems))


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _parse(raw: bytes, limit: int, problems: list[str]) -> ParsedMail:
    msg = email.message_from_bytes(bytes(raw), policy=email.policy.default)

    subject = _collapse(_header(msg, "Subject", problems) or "")
    senders = _addresses(_header(msg, "From", problems))
    from_name, from_email = senders[0] if senders else ("", "")
    if not from_email:
        problems.append("no sender address")
    to = tuple(addr for _, addr in _addresses(_header(msg, "To", problems)))
    cc = tuple(addr for _, addr in _addresses(_header(msg, "Cc", problems)))
    message_ids = _msg_ids(_header(msg, "Message-ID", problems))
    in_reply_to = _msg_ids(_header(msg, "In-Reply-To", problems))
    references = _msg_ids(_header(msg, "References", problems))
    date = _parse_date(_raw_header(msg, "Date"), problems)

    plain: Message | None = None
    html: Message | None = None
    attachments: list[Attachment] = []
    for part in _leaves(msg):
        try:
            if _is_attachment(part):
                attachments.append(_attachment(part, len(attachments) + 1, limit, problems))
            elif part.get_content_type() == "text/plain" and plain is None:
                plain = part
            elif part.get_content_type() == "text/html" and html is None:
                html = part
        except Exception as exc:
            problems.append(f"unreadable MIME part: {type(exc).__name__}")

    text = ""
    if plain is not None:
        text = _body_text(plain, problems)
    if not text.strip() and html is not None:
        text = html_to_text(_body_text(html, problems))
    text = text.strip("\n")

    for part in msg.walk():
        problems.extend(f"malformed message: {_defect_words(d)}" for d in part.defects)

    reason = _auto_reply_reason(msg, from_email, problems)
    return ParsedMail(
        message_id=message_ids[0] if message_ids else None,
        in_reply_to=in_reply_to[0] if in_reply_to else None,
        references=references,
        subject=subject,
        from_name=from_name,
        from_email=from_email,
        to=to,
        cc=cc,
        date=date,
        text=text,
        attachments=tuple(attachments),
        auto_reply=bool(reason),
        auto_reply_reason=reason,
        problems=_unique(problems),
    )


# --------------------------------------------------------------------------- intake helpers


def ticket_token(subject: str, prefix: str = "MSP") -> int | None:
    """The ticket number in a subject token like ``[MSP#1234]``; None if there is none.

    Only the bracketed form counts: a bare ``MSP1234`` may be a customer's own reference.
    """
    pattern = rf"\[\s*{re.escape(prefix)}\s*#\s*(\d+)\s*\]"
    match = re.search(pattern, subject or "", flags=re.IGNORECASE)
    return int(match.group(1)) if match else None


def is_own_address(email: str, our_addresses: Iterable[str]) -> bool:
    """True when mail comes from one of our own mailboxes; intake refuses it to avoid loops."""
    wanted = email.strip().strip("<>").strip().lower()
    if not wanted:
        return False
    return any(wanted == ours.strip().strip("<>").strip().lower() for ours in our_addresses)


_WROTE = re.compile(r"^\s*(on|am|le|el|op)\b.*\b(wrote|schrieb|a écrit|escribió|schreef)\s*:\s*$")
_WROTE_END = re.compile(r"\b(wrote|schrieb|a écrit|escribió|schreef)\s*:\s*$", re.IGNORECASE)
_ORIGINAL = re.compile(r"^\s*-{2,}\s*(original message|ursprüngliche nachricht)\s*-{2,}\s*$")
_FROM = re.compile(r"^\s*\*?(from|von|de)\s*:\*?\s", re.IGNORECASE)
_SENT = re.compile(r"^\s*\*?(sent|date|gesendet|datum|envoyé)\s*:", re.IGNORECASE)
_RULE = re.compile(r"^\s*_{10,}\s*$")


def _quote_start(lines: list[str]) -> int | None:
    """Index of the first line of quoted history, or None when none is recognised."""
    for i, line in enumerate(lines):
        lowered = line.lower()
        if _WROTE.match(lowered) or _ORIGINAL.match(lowered):
            return i
        # Gmail wraps long attributions: "On Mon, ... Jane Doe" / "<jane@x.com> wrote:"
        if (
            lowered.lstrip().startswith("on ")
            and i + 1 < len(lines)
            and _WROTE_END.search(lines[i + 1])
        ):
            return i
        if _FROM.match(line) and any(_SENT.match(nxt) for nxt in lines[i + 1 : i + 5]):
            return i - 1 if i > 0 and _RULE.match(lines[i - 1]) else i
        if line.lstrip().startswith(">") and all(
            rest.lstrip().startswith(">") or not rest.strip() for rest in lines[i:]
        ):
            # Only a trailing block of ">" lines: inline answers between quotes are kept.
            return i
    return None


def strip_quoted_reply(text: str) -> str:
    """The new part of a reply, with the quoted history below it removed (best effort).

    Conservative on purpose: if nothing would be left above the quote, the text is returned
    unchanged, since losing the customer's words is worse than keeping some history.
    """
    lines = text.splitlines()
    cut = _quote_start(lines)
    if cut is None:
        return text
    kept = "\n".join(lines[:cut]).rstrip()
    return kept if kept.strip() else text
