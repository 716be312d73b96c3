"""CSV import from another PSA: presets, header mapping and row validation (no database).

Exports of ConnectWise Manage, Autotask and HaloPSA name their columns differently; a
preset lists, per target field, the headers those products write (the first one is the
one named when a column is missing). Anything else is found by fuzzy header matching or
mapped by hand. Rows become plain records; every problem becomes a `RowError` naming the
row as a spreadsheet shows it (the header is row 1) and the column header, so a user can
fix the file and try again: the service writes nothing while any error remains.

Header names come from the products' list-view exports as we know them (not verified
against live systems); custom mapping covers whatever a particular export differs in.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from msp_tui.engine import contact_rules as rules
from msp_tui.engine.vocabulary import BillingType, PriorityCode, WellKnownStatus

ENTITIES: tuple[str, ...] = ("clients", "contacts", "assets", "tickets")
PRESETS: tuple[str, ...] = ("connectwise", "autotask", "halo", "custom")
PRESET_LABELS: dict[str, str] = {
    "connectwise": "ConnectWise Manage",
    "autotask": "Autotask",
    "halo": "HaloPSA",
    "custom": "Custom mapping",
}
# How an external ticket number is kept in the subject: "[ConnectWise #284113] …".
SOURCE_TAGS: dict[str, str] = {
    "connectwise": "ConnectWise", "autotask": "Autotask", "halo": "Halo", "custom": "Import",
}
PREVIEW_ROWS = 5
# Column sizes of the tables rows land in (msp_tui/store/models.py): a longer value is a
# row error, never cut short silently.
MAX_NAME = 200
MAX_EMAIL = 254
MAX_HOST = 253
MAX_PHONE = 40
MAX_SUBJECT = 500
MAX_EXTERNAL_ID = 40


def ticket_tag(preset: str, external_id: str) -> str:
    """How an external number is kept in the subject: "[ConnectWise #284113]"."""
    return f"[{SOURCE_TAGS.get(preset, 'Import')} #{external_id}]" if external_id else ""


class CsvFileError(Exception):
    """The file as a whole cannot be read (encoding, empty, no rows); message for users."""


@dataclass(frozen=True)
class RowError:
    """One problem: `row` counts the header as row 1 (0: the file as a whole)."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.row == 0:
            return self.message
        where = f"row {self.row}, column '{self.column}'" if self.column else f"row {self.row}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class TargetField:
    key: str
    label: str
    required: bool = False
    aliases: tuple[str, ...] = ()  # extra words fuzzy matching accepts


FIELDS: dict[str, tuple[TargetField, ...]] = {
    "clients": (
        TargetField("name", "Name", True, ("company", "client", "account", "customer")),
        TargetField("billing_type", "Billing type", aliases=("billing", "agreement type",
                                                              "contract type")),
        TargetField("vip", "VIP", aliases=("is vip",)),
        TargetField("website", "Website", aliases=("web", "url", "web address")),
        TargetField("email", "Email (domain)", aliases=("email address", "main email")),
        TargetField("sla_profile", "SLA profile", aliases=("sla", "service level")),
    ),
    "contacts": (
        TargetField("client", "Client", True, ("company", "account", "customer")),
        TargetField("name", "Full name", aliases=("contact name", "user name", "full name")),
        TargetField("first_name", "First name", aliases=("firstname", "given name")),
        TargetField("last_name", "Last name", aliases=("lastname", "surname")),
        TargetField("email", "Email", aliases=("email address", "e-mail")),
        TargetField("phone", "Phone", aliases=("phone number", "telephone", "direct")),
        TargetField("authorized", "Authorized", aliases=("approver", "can approve")),
    ),
    "assets": (
        TargetField("client", "Client", True, ("company", "account", "customer")),
        TargetField("hostname", "Hostname", True, ("device name", "computer name", "asset name")),
        TargetField("kind", "Kind", aliases=("type", "asset type", "device type")),
        TargetField("user", "User", aliases=("contact", "user name", "assigned user", "upn")),
    ),
    "tickets": (
        # Required: the external number is what tells a re-import from new tickets.
        TargetField("external_id", "External number", True, ("ticket number", "ticket id",
                                                              "ticket #", "id")),
        TargetField("subject", "Subject", True, ("summary", "title")),
        TargetField("body", "Body", aliases=("description", "details", "initial description")),
        TargetField("client", "Client", True, ("company", "account", "customer")),
        TargetField("contact", "Contact", aliases=("contact email", "requester", "user")),
        TargetField("priority", "Priority", True),
        TargetField("status", "Status", True),
        TargetField("created", "Created", True, ("date entered", "date created", "opened",
                                                 "date logged", "create date")),
        TargetField("closed", "Closed", aliases=("closed date", "date closed", "completed",
                                                 "complete date", "resolved")),
        TargetField("assignee", "Assignee", aliases=("assigned to", "agent", "technician",
                                                     "resource", "owner")),
    ),
}

# Per preset and entity: target field -> the headers that product's export uses.
PRESET_HEADERS: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "connectwise": {
        "clients": {
            "name": ("Company Name", "Company"),
            "website": ("Website", "Web Site"),
        },
        "contacts": {
            "client": ("Company", "Company Name"),
            "first_name": ("First Name",),
            "last_name": ("Last Name",),
            "email": ("Email", "Default Email"),
            "phone": ("Phone", "Default Phone", "Direct"),
        },
        "assets": {
            "client": ("Company", "Company Name"),
            "hostname": ("Configuration Name",),
            "kind": ("Type", "Configuration Type"),
            "user": ("Contact",),
        },
        "tickets": {
            "external_id": ("Ticket #", "Ticket Number", "ID"),
            "subject": ("Summary",),
            "body": ("Initial Description", "Description"),
            "client": ("Company", "Company Name"),
            "contact": ("Contact Email", "Contact"),
            "priority": ("Priority",),
            "status": ("Status",),
            "created": ("Date Entered", "Entered"),
            "closed": ("Closed Date", "Date Closed"),
            "assignee": ("Assigned To", "Resources", "Owner"),
        },
    },
    "autotask": {
        "clients": {
            "name": ("Account Name", "Account"),
            "website": ("Web", "Web Address", "Website"),
        },
        "contacts": {
            "client": ("Account Name", "Account"),
            "first_name": ("First Name",),
            "last_name": ("Last Name",),
            "email": ("Email Address", "Email"),
            "phone": ("Phone", "Phone Number"),
        },
        "assets": {
            "client": ("Account", "Account Name"),
            "hostname": ("Reference Title", "Configuration Item Name"),
            "kind": ("Configuration Item Type", "Product Category"),
            "user": ("Contact",),
        },
        "tickets": {
            "external_id": ("Ticket Number",),
            "subject": ("Title",),
            "body": ("Description",),
            "client": ("Account", "Account Name"),
            "contact": ("Contact Email", "Contact"),
            "priority": ("Priority",),
            "status": ("Status",),
            "created": ("Created", "Create Date"),
            "closed": ("Complete Date", "Completed Date"),
            "assignee": ("Primary Resource", "Resource"),
        },
    },
    "halo": {
        "clients": {
            "name": ("Client Name", "Customer", "Client"),
            "website": ("Website",),
            "email": ("Email Address", "Main Email"),
        },
        "contacts": {
            "client": ("Client Name", "Customer", "Client"),
            "name": ("User Name", "Name"),
            "email": ("Email Address", "Email"),
            "phone": ("Phone Number", "Telephone", "Phone"),
        },
        "assets": {
            "client": ("Client Name", "Customer", "Client"),
            "hostname": ("Inventory Number", "Asset Tag"),
            "kind": ("Asset Type", "Type"),
            "user": ("User", "User Name"),
        },
        "tickets": {
            "external_id": ("Ticket ID", "Request ID"),
            "subject": ("Summary",),
            "body": ("Details",),
            "client": ("Client Name", "Customer", "Client"),
            "contact": ("Email Address", "User Email", "User Name", "User"),
            "priority": ("Priority",),
            "status": ("Status",),
            "created": ("Date Logged", "Date Occurred"),
            "closed": ("Date Closed",),
            "assignee": ("Agent",),
        },
    },
    "custom": {entity: {} for entity in ENTITIES},
}
# How "04/05/2026" is read: day first, month first, or not at all (ISO dates only).
# ISO dates (2026-05-04) read the same whatever the order.
DATE_ORDERS: tuple[str, ...] = ("DMY", "MDY", "ISO")
DATE_ORDER_LABELS: dict[str, str] = {"DMY": "day first", "MDY": "month first",
                                     "ISO": "ISO only"}
# The order a preset reads by default: US products export month first; Halo (a UK
# product) day first; a custom file month first unless the admin says otherwise.
DATE_ORDER: dict[str, str] = {"connectwise": "MDY", "autotask": "MDY", "halo": "DMY",
                              "custom": "MDY"}
# Fields holding dates, per entity (the ones the date-order scan looks at).
DATE_FIELDS: dict[str, tuple[str, ...]] = {"tickets": ("created", "closed")}


def target_fields(entity: str) -> tuple[TargetField, ...]:
    if entity not in FIELDS:
        raise ValueError(f"unknown entity {entity!r}; expected one of {', '.join(ENTITIES)}")
    return FIELDS[entity]


def expected_header(preset: str, entity: str, key: str) -> str:
    """The header a user of this preset looks for when the column is missing."""
    names = PRESET_HEADERS.get(preset, {}).get(entity, {}).get(key)
    if names:
        return names[0]
    return next(f.label for f in target_fields(entity) if f.key == key)


# ---------------------------------------------------------------- reading the file


@dataclass(frozen=True)
class CsvTable:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]  # each padded to the header's width
    encoding: str
    delimiter: str
    # (row number, values found) for rows wider than the header
    ragged: tuple[tuple[int, int], ...] = ()
    # each row's number as a spreadsheet shows it (blank rows skipped still count)
    numbers: tuple[int, ...] = ()

    def number(self, index: int) -> int:
        return self.numbers[index] if self.numbers else index + 2


# Exports carry descriptions of several MB (pasted logs); the csv module's default field
# limit (128 KiB) would reject the whole file. The limit is process-wide, so only raise it.
FIELD_LIMIT = 16 * 1024 * 1024
csv.field_size_limit(max(csv.field_size_limit(), FIELD_LIMIT))


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode(data: bytes) -> tuple[str, str]:
    """UTF-16 with a BOM (Excel's "Unicode Text"), UTF-8 (with or without a BOM), else
    Windows-1252 (Excel's "CSV" on Windows). A UTF-8 file with one hand-edited
    Windows-1252 line is refused naming that line: read as Windows-1252, every other
    accented letter would become mojibake ("CafÃ©")."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise CsvFileError(f"the file starts as UTF-16 text but byte {exc.start} is "
                               "not; save it as CSV UTF-8 and try again") from exc
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        bad = exc
    lenient = data.decode("utf-8", errors="replace")
    if any(ord(c) > 127 and c != "\ufffd" for c in lenient):
        line = _line_of(data, bad.start)
        raise CsvFileError(
            f"line {line} has a byte (0x{data[bad.start]:02X}) that is not UTF-8, while the "
            "rest of the file is UTF-8: that line was saved in another encoding; retype its "
            "accented letters or save the file as CSV UTF-8"
        ) from bad
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        raise CsvFileError(
            f"the file is neither UTF-8 nor Windows-1252 text (byte {exc.start}, line "
            f"{_line_of(data, exc.start)}); save it as CSV UTF-8 and try again"
        ) from exc


_DELIMITERS = ",;\t|"


def sniff_delimiter(text: str) -> str:
    sample = text[:16384]
    try:
        return csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        first = sample.splitlines()[0] if sample else ""
        counts = {d: first.count(d) for d in _DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


_SEP_LINE = re.compile(r"^sep=(.)\r?\n", re.IGNORECASE)


def parse_csv(data: bytes) -> CsvTable:
    """Bytes of a CSV export -> header and rows; raises `CsvFileError` for what no mapping
    can fix (encoding, broken quoting, nothing in it, no header)."""
    text, encoding = decode(data)
    if not text.strip():
        raise CsvFileError("the file is empty")
    # Excel's "sep=;" first line names the delimiter; Excel hides it, so rows count after it.
    sep = _SEP_LINE.match(text)
    if sep:
        text = text[sep.end():]
        delimiter = sep.group(1)
    else:
        delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    numbered: list[tuple[int, list[str]]] = []
    try:
        # A record's spreadsheet row is its position (a quoted line break stays in its row).
        for number, record in enumerate(reader, start=1):
            if any(c.strip() for c in record):
                numbered.append((number, record))
    except csv.Error as exc:
        raise CsvFileError(f"the file is not valid CSV at line {reader.line_num}: {exc} "
                           "(a quote opened and never closed?)") from exc
    if not numbered:
        raise CsvFileError("the file is empty")
    headers = tuple(h.strip() for h in numbered[0][1])
    if len(headers) < 2 and any(d in headers[0] for d in _DELIMITERS if d != delimiter):
        raise CsvFileError(
            "the file has a single column: is it really comma, semicolon or tab separated?"
        )
    seen: set[str] = set()
    for h in headers:
        if h and h.lower() in seen:
            raise CsvFileError(f"the header names column '{h}' twice")
        seen.add(h.lower())
    rows: list[tuple[str, ...]] = []
    ragged: list[tuple[int, int]] = []
    width = len(headers)
    for number, record in numbered[1:]:
        if len(record) > width and any(c.strip() for c in record[width:]):
            ragged.append((number, len(record)))
        rows.append(tuple((list(record) + [""] * width)[:width]))
    if not rows:
        raise CsvFileError("the file has a header but no rows")
    return CsvTable(headers, tuple(rows), encoding, delimiter, tuple(ragged),
                    tuple(n for n, _r in numbered[1:]))


# ---------------------------------------------------------------- header mapping


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9#]+", " ", text.lower()).strip()


def auto_mapping(entity: str, preset: str, headers: Sequence[str]) -> dict[str, str | None]:
    """Target field -> CSV header: the preset's names first, then any preset's names,
    then close matches to the field's label and aliases. A header serves one field."""
    fields = target_fields(entity)
    by_norm = {_norm(h): h for h in headers if h.strip()}
    used: set[str] = set()
    result: dict[str, str | None] = {f.key: None for f in fields}

    def take(key: str, header: str | None) -> bool:
        if header is None or header in used or result[key] is not None:
            return False
        result[key] = header
        used.add(header)
        return True

    own = PRESET_HEADERS.get(preset, {}).get(entity, {})
    for f in fields:
        for name in own.get(f.key, ()):
            if take(f.key, by_norm.get(_norm(name))):
                break
    for other in PRESETS:
        for f in fields:
            for name in PRESET_HEADERS[other].get(entity, {}).get(f.key, ()):
                if take(f.key, by_norm.get(_norm(name))):
                    break
    for f in fields:
        if result[f.key] is not None:
            continue
        wanted = [_norm(f.label), _norm(f.key.replace("_", " ")), *(_norm(a) for a in f.aliases)]
        for w in wanted:
            if take(f.key, by_norm.get(w)):
                break
        else:
            free = [n for n, h in by_norm.items() if h not in used]
            best: tuple[float, str] | None = None
            for w in wanted:
                for n in difflib.get_close_matches(w, free, n=1, cutoff=0.85):
                    score = difflib.SequenceMatcher(None, w, n).ratio()
                    if best is None or score > best[0]:
                        best = (score, n)
            if best is not None:
                take(f.key, by_norm[best[1]])
    return result


def missing_columns(entity: str, preset: str, mapping: Mapping[str, str | None]) -> list[RowError]:
    errors: list[RowError] = []
    for f in target_fields(entity):
        if f.required and not mapping.get(f.key):
            why = (": the ticket number is what keeps a second import of the same tickets "
                   "from duplicating them" if f.key == "external_id" else "")
            errors.append(RowError(0, "", f"the file has no column for "
                                          f"'{expected_header(preset, entity, f.key)}' "
                                          f"({entity}.{f.key}){why}"))
    if entity == "contacts" and not mapping.get("name") and not (
        mapping.get("first_name") or mapping.get("last_name")
    ):
        errors.append(RowError(0, "", "the file has no column for "
                                      f"'{expected_header(preset, entity, 'first_name')}' or "
                                      f"'{expected_header(preset, entity, 'name')}' "
                                      "(contacts.name)"))
    return errors


# ---------------------------------------------------------------- value mapping

def is_email(text: str) -> bool:
    """The client settings form's rule (engine.contact_rules), so what is imported can be
    saved again from that form."""
    return rules.is_email(text)


def domain_of(text: str) -> str | None:
    """ "https://www.acme.com/about" or "it@acme.com" -> "acme.com"; None if none (a
    domain the client settings form would refuse counts as none)."""
    value = text.strip().lower()
    if not value:
        return None
    if "@" in value:
        value = value.rsplit("@", 1)[1]
    value = re.sub(r"^[a-z]+://", "", value).split("/")[0].split(":")[0]
    if value.startswith("www."):
        value = value[4:]
    domain, problem = rules.clean_domain(value)
    return None if problem else domain


_BILLING: tuple[tuple[tuple[str, ...], BillingType], ...] = (
    (("block", "retainer", "prepaid", "pre paid", "hybrid", "bank"), BillingType.HYBRID),
    (("t&m", "t & m", "t and m", "time and material", "time & material", "hourly",
      "break fix", "break/fix", "ad hoc", "adhoc", "pay as you go", "time_and_materials"),
     BillingType.TIME_AND_MATERIALS),
    (("managed", "fixed", "flat", "monthly", "all inclusive", "all-inclusive", "msp",
      "contract", "fixed_monthly"), BillingType.FIXED_MONTHLY),
)


def map_billing(text: str) -> BillingType | None:
    """ "Managed Services" -> fixed monthly, "Block Hours" -> hybrid, "T&M" -> T&M."""
    value = text.strip().lower()
    for words, kind in _BILLING:
        if any(w in value for w in words):
            return kind
    return None


_TRUE = {"yes", "y", "true", "1", "x", "vip", "on", "t"}
_FALSE = {"no", "n", "false", "0", "off", "f", "-", ""}


def map_bool(text: str) -> bool | None:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return None


_PRIORITY_WORDS: tuple[tuple[tuple[str, ...], PriorityCode], ...] = (
    (("critical", "emergency", "urgent", "outage", "highest", "severity 1", "sev 1"),
     PriorityCode.P1),
    (("high",), PriorityCode.P2),
    (("medium", "normal", "moderate", "standard"), PriorityCode.P3),
    (("low", "lowest", "planning", "minor", "scheduled"), PriorityCode.P4),
)
# "Non-Urgent", "Not Done", "no longer open": a negation flips a word's meaning, so a
# value holding one is never read by its other words.
_NEGATIONS = ("not", "non", "no", "never", "isnt", "isn t")


def _has_phrase(value: str, phrase: str) -> bool:
    """`phrase` as whole words of `value` (both normalised): "done" is in "not done"
    but "complete" is not in "incomplete"."""
    return f" {phrase} " in f" {value} "


def _negated(value: str) -> bool:
    return any(_has_phrase(value, n) for n in _NEGATIONS)


def map_priority(text: str) -> PriorityCode | None:
    """ "Priority 1 - Critical", "P1", "1", "Critical" -> P1; "High" -> P2; … "Low" -> P4.

    A leading number wins over words ("Priority 3 - Normal Response" is P3); 5 and
    beyond are the lowest we have. Negated words ("Non-Urgent", "not critical") are not
    guessed at: None, so the row is reported and the user writes what they mean."""
    value = text.strip().lower()
    if not value:
        return None
    number = re.match(r"^(?:priority|p|prio|sev(?:erity)?)?\s*[-:]?\s*(\d)\b", value)
    if number:
        n = int(number.group(1))
        return None if n == 0 else PriorityCode(f"P{min(n, 4)}")
    words = _norm(value)
    if _negated(words):
        return None
    for phrases, code in _PRIORITY_WORDS:
        if any(_has_phrase(words, w) for w in phrases):
            return code
    return None


_STATUS_WORDS: tuple[tuple[tuple[str, ...], WellKnownStatus], ...] = (
    # Still open, whatever else the words say (checked first).
    (("incomplete", "not done", "not complete", "not completed", "not resolved", "unresolved",
      "not closed", "unfinished", "not finished", "not fixed", "unsolved", "not solved",
      "reopened", "re opened", "customer responded", "client responded"),
     WellKnownStatus.IN_PROGRESS),
    (("closed", "close", "cancelled", "canceled", "cancel", "complete", "completed", "done",
      "finished", "rejected"), WellKnownStatus.CLOSED),
    (("resolved", "fixed", "solved"), WellKnownStatus.RESOLVED),
    (("waiting customer", "waiting on customer", "waiting for customer", "customer reply",
      "awaiting customer", "pending customer", "with user", "waiting on client",
      "waiting client", "on hold", "hold", "waiting", "awaiting", "pending"),
     WellKnownStatus.WAITING_ON_CUSTOMER),
    (("escalated", "escalate", "escalation"), WellKnownStatus.ESCALATED),
    (("new", "unassigned", "logged", "received", "open", "opened"), WellKnownStatus.NEW),
    (("progress", "in progress", "assigned", "scheduled", "working", "in work", "responded",
      "acknowledged", "update", "updated"), WellKnownStatus.IN_PROGRESS),
)


def status_hint(text: str) -> WellKnownStatus | None:
    """The status an exported one most likely means, by its whole words (">Closed" and
    "Completed" close, "Waiting Customer" waits, "In Progress" works, "Incomplete" and
    "Not Done" are still open). Any other negation ("Not Waiting", "No Longer New") is
    not guessed at: None, so the row is reported until the status is mapped by name."""
    value = _norm(text.replace(">", " "))
    if not value:
        return None
    for phrases, key in _STATUS_WORDS[:1]:
        if any(_has_phrase(value, w) for w in phrases):
            return key
    if _negated(value):
        return None
    for phrases, key in _STATUS_WORDS[1:]:
        if any(_has_phrase(value, w) for w in phrases):
            return key
    return None


_DATE_FORMATS = {
    "MDY": ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M",
            "%m/%d/%Y", "%m/%d/%y %I:%M %p", "%m/%d/%y %H:%M", "%m/%d/%y"),
    "DMY": ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y %I:%M %p", "%d/%m/%Y",
            "%d/%m/%y %H:%M", "%d/%m/%y", "%d-%m-%Y %H:%M", "%d.%m.%Y %H:%M", "%d.%m.%Y"),
}
_ISO_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M",
                "%Y-%m-%d", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d")


def _parse_written(text: str, order: str) -> datetime | None:
    """The date/time as written: aware if it carries an offset, else naive local time."""
    value = " ".join(text.strip().split())
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None:
        for fmt in (*_ISO_FORMATS, *_DATE_FORMATS.get(order, ())):
            try:
                parsed = datetime.strptime(value.upper() if "%p" in fmt else value, fmt)
                break
            except ValueError:
                continue
    return parsed


def _to_utc(parsed: datetime, zone: ZoneInfo) -> datetime | None:
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    try:
        # .NET's "no date" (01/01/0001 12:00 AM) east of UTC falls before year 1.
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def parse_instant(text: str, zone: ZoneInfo, order: str = "MDY") -> datetime | None:
    """A local date/time as exports write it -> an aware UTC instant (None if unreadable
    or out of range). ISO with an offset keeps its offset; everything else is read in
    `zone`."""
    parsed = _parse_written(text, order)
    return None if parsed is None else _to_utc(parsed, zone)


def local_time_missing(text: str, zone: ZoneInfo, order: str = "MDY") -> bool:
    """True for a wall-clock time skipped by a DST change in `zone` (02:30 on the
    spring-forward night): no instant matches it, so reading it would guess."""
    parsed = _parse_written(text, order)
    if parsed is None or parsed.tzinfo is not None:
        return False
    instant = _to_utc(parsed, zone)
    if instant is None:
        return False
    try:
        back = instant.astimezone(zone).replace(tzinfo=None)
    except (OverflowError, ValueError):
        return False
    return back != parsed


_KINDS = (
    ("laptop", "laptop"), ("notebook", "laptop"), ("macbook", "laptop"),
    ("server", "server"), ("firewall", "firewall"), ("router", "router"),
    ("switch", "switch"), ("access point", "access_point"), ("wap", "access_point"),
    ("printer", "printer"), ("nas", "nas"), ("phone", "phone"), ("mobile", "phone"),
    ("tablet", "tablet"), ("ups", "ups"), ("desktop", "workstation"),
    ("workstation", "workstation"), ("pc", "workstation"), ("virtual", "server"),
)


def map_kind(text: str) -> str:
    """ "Managed Workstation" -> workstation; unknown words pass through, slugged."""
    value = _norm(text)
    if not value:
        return "other"
    words = f" {value} "
    for needle, kind in _KINDS:
        if f" {needle} " in words or (len(needle) > 3 and needle in value):
            return kind
    return re.sub(r"\s+", "_", value)[:40]


# ---------------------------------------------------------------- records


@dataclass(frozen=True)
class ClientRecord:
    row: int
    name: str
    billing_type: BillingType
    vip: bool
    domains: tuple[str, ...]
    sla_profile: str | None


@dataclass(frozen=True)
class ContactRecord:
    row: int
    client: str
    name: str
    email: str | None
    phone: str
    authorized: bool


@dataclass(frozen=True)
class AssetRecord:
    row: int
    client: str
    hostname: str
    kind: str
    user: str  # an email (UPN) or a contact's name, resolved by the service


@dataclass(frozen=True)
class TicketRecord:
    row: int
    external_id: str
    subject: str
    body: str
    client: str
    contact: str
    priority: PriorityCode | None  # None only on rows with errors (nothing is written then)
    status: str  # as exported; the service resolves it (exact name, then `status_hint`)
    created: datetime | None
    closed: datetime | None
    assignee: str


Record = ClientRecord | ContactRecord | AssetRecord | TicketRecord


@dataclass(frozen=True)
class ParseOptions:
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    date_order: str = "MDY"
    now: datetime | None = None  # dates after this are refused (a wrong zone or format)
    preset: str = "custom"  # names the subject's tag, which counts towards its length


@dataclass
class ParseResult:
    """Records for every row (rows with errors included, so the service can check their
    references too and report everything at once) and the errors."""

    records: list[Record]
    errors: list[RowError]


class _Row:
    """One CSV row seen through the mapping; errors name the mapped header."""

    def __init__(self, number: int, values: Mapping[str, str], mapping: Mapping[str, str | None],
                 errors: list[RowError]) -> None:
        self.number = number
        self.values = values
        self.mapping = mapping
        self.errors = errors

    def get(self, key: str) -> str:
        header = self.mapping.get(key)
        return self.values.get(header, "").strip() if header else ""

    def column(self, key: str) -> str:
        return self.mapping.get(key) or key

    def error(self, key: str, message: str) -> None:
        self.errors.append(RowError(self.number, self.column(key), message))

    def at_most(self, key: str, value: str, limit: int, what: str) -> None:
        if len(value) > limit:
            self.error(key, f"{what} has {len(value)} characters; at most {limit} fit")

    def required(self, key: str, what: str) -> str:
        value = self.get(key)
        if not value:
            self.error(key, f"{what} is empty")
        return value


def mapped_rows(table: CsvTable, mapping: Mapping[str, str | None],
                limit: int | None = None) -> list[dict[str, str]]:
    """Field -> value for the first `limit` rows (the preview)."""
    index = {h: i for i, h in enumerate(table.headers)}
    out: list[dict[str, str]] = []
    for values in table.rows[:limit]:
        out.append({k: values[index[h]].strip() if h in index else ""
                    for k, h in mapping.items() if h})
    return out


def parse_rows(entity: str, table: CsvTable, mapping: Mapping[str, str | None],
               options: ParseOptions | None = None,
               on_row: Callable[[int], None] | None = None) -> ParseResult:
    """Validate every row into records; `on_row(i)` (if callable) after each row."""
    options = options or ParseOptions()
    errors: list[RowError] = [
        RowError(n, "", f"the row has {count} values but the header has "
                        f"{len(table.headers)} columns")
        for n, count in table.ragged
    ]
    for header in mapping.values():
        if header and header not in table.headers:
            errors.append(RowError(0, "", f"the mapping names column '{header}', "
                                          "which the file does not have"))
    if errors and any(e.row == 0 for e in errors):
        return ParseResult([], errors)
    parse = _PARSERS[entity]
    records: list[Record] = []
    for i, values in enumerate(table.rows):
        row = _Row(table.number(i), dict(zip(table.headers, values, strict=True)), mapping,
                   errors)
        record = parse(row, options)
        if record is not None:  # kept even with errors: the service checks its references
            records.append(record)
        if on_row is not None:
            on_row(i + 1)
    return ParseResult(records, errors)


def _client(row: _Row, options: ParseOptions) -> ClientRecord | None:
    name = row.required("name", "the client name")
    billing_text = row.get("billing_type")
    billing = BillingType.TIME_AND_MATERIALS
    if billing_text:
        mapped = map_billing(billing_text)
        if mapped is None:
            row.error("billing_type", f"'{billing_text}' is not a billing type we know "
                                      "(Managed/Fixed, Block/Retainer, T&M/Hourly)")
        else:
            billing = mapped
    vip_text = row.get("vip")
    vip = map_bool(vip_text)
    if vip is None:
        row.error("vip", f"'{vip_text}' is not yes or no")
    domains: list[str] = []
    for key in ("website", "email"):
        for part in re.split(r"[;,\s]+", row.get(key)):
            if not part:
                continue
            domain = domain_of(part)
            if domain is None:
                row.error(key, f"'{part}' has no domain name in it")
            elif domain not in domains:
                domains.append(domain)
    profile = row.get("sla_profile") or None
    row.at_most("name", name, MAX_NAME, "the name")
    for domain in domains:
        row.at_most("website" if row.mapping.get("website") else "email", domain, MAX_HOST,
                    "a domain")
    return ClientRecord(row.number, name, billing, bool(vip), tuple(domains), profile)


def _contact(row: _Row, options: ParseOptions) -> ContactRecord | None:
    client = row.required("client", "the client")
    name = row.get("name") or " ".join(
        p for p in (row.get("first_name"), row.get("last_name")) if p
    )
    if not name:
        row.error("name" if row.mapping.get("name") else "first_name", "the name is empty")
    email = row.get("email").lower() or None
    if email is not None and len(email) <= MAX_EMAIL and not is_email(email):
        row.error("email", f"'{row.get('email')}' is not an email address")
    authorized_text = row.get("authorized")
    authorized = True if not authorized_text else map_bool(authorized_text)
    if authorized is None:
        row.error("authorized", f"'{authorized_text}' is not yes or no")
    phone = row.get("phone")
    row.at_most("phone", phone, MAX_PHONE, "the phone number")
    if phone and len(phone) <= MAX_PHONE and (problem := rules.phone_problem(phone)):
        row.error("phone", problem)
    row.at_most("name" if row.mapping.get("name") else "first_name", name, MAX_NAME,
                "the name")
    if email is not None:
        row.at_most("email", email, MAX_EMAIL, "the email address")
    return ContactRecord(row.number, client, name, email, phone, bool(authorized))


def _asset(row: _Row, options: ParseOptions) -> AssetRecord | None:
    client = row.required("client", "the client")
    hostname = row.required("hostname", "the hostname")
    row.at_most("hostname", hostname, MAX_HOST, "the hostname")
    if hostname and len(hostname) <= MAX_HOST and (problem := rules.hostname_problem(hostname)):
        row.error("hostname", problem)
    user = row.get("user")
    row.at_most("user", user, MAX_EMAIL if "@" in user else MAX_NAME, "the user")
    if "@" in user and len(user) <= MAX_EMAIL and not is_email(user):
        row.error("user", f"'{user}' is not an email address")
    return AssetRecord(row.number, client, hostname, map_kind(row.get("kind")), user)


def _instant(row: _Row, key: str, options: ParseOptions, required: bool) -> datetime | None:
    text = row.get(key)
    if not text:
        if required:
            row.error(key, "the date is empty")
        return None
    value = parse_instant(text, options.zone, options.date_order)
    if value is None:
        example = {"MDY": "03/14/2026 09:30 AM or ", "DMY": "14/03/2026 09:30 or "}.get(
            options.date_order, "")
        row.error(key, f"'{text}' is not a date we can read (e.g. {example}2026-03-14 09:30)")
    elif value.year < 1900:
        row.error(key, f"'{text}' is not a real date (an empty-date placeholder?); "
                       "leave the cell empty instead")
        return None
    elif local_time_missing(text, options.zone, options.date_order):
        row.error(key, f"'{text}' does not exist in {options.zone.key} (the clocks "
                       "went forward over it): check the zone or correct the time")
        return None
    elif options.now is not None and value > options.now:
        row.error(key, f"'{text}' is in the future")
    return value


def _ticket(row: _Row, options: ParseOptions) -> TicketRecord | None:
    subject = row.required("subject", "the subject")
    client = row.required("client", "the client")
    priority_text = row.required("priority", "the priority")
    priority = map_priority(priority_text) if priority_text else None
    if priority_text and priority is None:
        row.error("priority", f"'{priority_text}' is not a priority we can map to P1-P4 "
                              "(use Critical, High, Medium, Low or P1-P4)")
    status = row.required("status", "the status")
    created = _instant(row, "created", options, required=True)
    closed = _instant(row, "closed", options, required=False)
    if created is not None and closed is not None and closed < created:
        row.error("closed", "the ticket closed before it was created")
    external_id = row.required("external_id", "the ticket number")
    row.at_most("external_id", external_id, MAX_EXTERNAL_ID, "the ticket number")
    tag = ticket_tag(options.preset, external_id)
    limit = MAX_SUBJECT - (len(tag) + 1 if tag else 0)
    row.at_most("subject", subject, limit,
                f"the subject (after the {tag} prefix)" if tag else "the subject")
    contact = row.get("contact")
    row.at_most("contact", contact, MAX_EMAIL if "@" in contact else MAX_NAME, "the contact")
    return TicketRecord(row.number, external_id, subject, row.get("body"), client,
                        row.get("contact"), priority, status, created, closed,
                        row.get("assignee"))


_PARSERS = {"clients": _client, "contacts": _contact, "assets": _asset, "tickets": _ticket}


# ---------------------------------------------------------------- date order

# "13/04/2026", "4-13-26", "13.04.2026 09:30": two small numbers, then the year. ISO
# (2026-04-13) starts with four digits and never matches.
_LOCAL_DATE = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?!\d)")


@dataclass(frozen=True)
class DateSample:
    """One value of a date column, where the file has it."""

    row: int
    column: str
    value: str

    def __str__(self) -> str:
        return f"row {self.row}, column '{self.column}': '{self.value}'"


@dataclass(frozen=True)
class DateScan:
    """What the mapped date columns say about their order: the first value that only
    reads day first (its first field is over 12), the first that only reads month first
    (its second field is), and the first written day/month-style at all."""

    day_first: DateSample | None = None
    month_first: DateSample | None = None
    local: DateSample | None = None

    @property
    def order(self) -> str | None:
        """"DMY" or "MDY" when the file shows one order and not the other, else None."""
        if self.day_first and not self.month_first:
            return "DMY"
        if self.month_first and not self.day_first:
            return "MDY"
        return None


def scan_dates(entity: str, table: CsvTable, mapping: Mapping[str, str | None]) -> DateScan:
    """Look at every mapped date value once (cheap: a regex per cell), so a file in the
    other order is refused as a whole instead of importing 04/05 as the wrong month."""
    index = {h: i for i, h in enumerate(table.headers)}
    columns = [(h, index[h]) for k in DATE_FIELDS.get(entity, ())
               if (h := mapping.get(k)) and h in index]
    day: DateSample | None = None
    month: DateSample | None = None
    local: DateSample | None = None
    for i, values in enumerate(table.rows):
        for header, col in columns:
            match = _LOCAL_DATE.match(values[col])
            if match is None:
                continue
            sample = DateSample(table.number(i), header, values[col].strip())
            local = local or sample
            first, second = int(match.group(1)), int(match.group(2))
            if day is None and first > 12 >= second:
                day = sample
            if month is None and second > 12 >= first:
                month = sample
            if day and month:
                return DateScan(day, month, local)
    return DateScan(day, month, local)


def _choose(order: str) -> str:
    return f"choose '{DATE_ORDER_LABELS[order]}'"


def _only(order: str) -> str:
    return f"only reads {DATE_ORDER_LABELS[order].replace(' ', '-')}"


def date_order_problems(scan: DateScan, order: str, preset: str,
                        chosen: bool = True) -> list[RowError]:
    """Why the whole file is refused when its dates contradict `order` (or each other):
    one error, placed on the row and column of the value that proves it, so the message
    itself stays short enough for the error table. `chosen`: the admin picked the order;
    otherwise it is the preset's default, and the message says which order the file
    uses (never switching silently: a wrong guess would shift every date)."""
    if scan.day_first and scan.month_first:
        first, later = sorted((scan.day_first, scan.month_first), key=lambda d: d.row)
        first_order, later_order = ("DMY", "MDY") if first is scan.day_first else ("MDY",
                                                                                   "DMY")
        return [RowError(later.row, later.column,
                         f"the file mixes date orders: '{later.value}' {_only(later_order)}, "
                         f"but row {first.row} ('{first.value}') {_only(first_order)}; "
                         "correct the rows written the other way")]
    found = scan.order
    if order == "ISO" and scan.local is not None:
        sample = scan.day_first or scan.month_first or scan.local
        advice = _choose(found) if found else "choose 'day first' or 'month first'"
        return [RowError(sample.row, sample.column,
                         f"the dates are not ISO (2026-04-13); {advice} "
                         f"('{sample.value}')")]
    if found is None or found == order:
        return []
    sample = scan.day_first or scan.month_first
    assert sample is not None  # `found` says one of them is there
    if chosen:
        message = f"'{sample.value}' {_only(found)}; {_choose(found)}"
    else:
        # The advice first: the error table and the status line cut long messages.
        message = (f"the file writes dates {DATE_ORDER_LABELS[found]}; {_choose(found)} "
                   f"('{sample.value}' cannot be {DATE_ORDER_LABELS[order]}, which "
                   f"{PRESET_LABELS.get(preset, preset)} assumes)")
    return [RowError(sample.row, sample.column, message)]
