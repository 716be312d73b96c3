"""CSV import of clients, contacts, assets and tickets from another PSA: all or nothing.

Every row of every file is validated first (the engine parses, this module resolves
names against the database and against the other files of the same import); any error
and nothing is written, and the caller gets every error with its row and column. Only
then does one transaction write everything (bulk inserts in chunks), record an
`ImportBatch` row per file and one audit row per batch.

Imported tickets are history, not new work:
- they keep their exported status, dates (read in the chosen zone, stored UTC), priority
  and assignee; assignment rules, the priority policy and notifications do not run, and
  no mail or survey is sent (`tickets.create_ticket` would do all of that, so the rows are
  written here with the same numbering counter, opening message and audit trail);
- closed and resolved tickets get no SLA clocks (nothing is left to measure);
- open and waiting tickets start fresh SLA clocks at the moment of the import, on their
  client's profile, as if they had arrived now: the old PSA's clock cannot be carried over,
  and a clock backdated to the original creation would breach on the spot.
The external number is kept in the subject ("[ConnectWise #284113] …"), so it is
searchable; a tickets file must have one (the column is required), and a number already
imported (under any preset: the number alone is compared) or repeated in another file of
the same import is refused as a duplicate.
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlmodel import SQLModel, select

from msp_tui.engine import csv_import as eng
from msp_tui.engine.vocabulary import Channel, Direction, StatusCategory, TicketType
from msp_tui.services import sla
from msp_tui.services.admin_access import require_admin
from msp_tui.services.desk import Desk
from msp_tui.services.sla_admin import name_key
from msp_tui.services.tickets import Actor, ServiceError, audit, refresh_idle_check
from msp_tui.store.db import TICKET_NUMBER, bump_change_seq
from msp_tui.store.models import (
    Asset,
    AuditEvent,
    Client,
    ClientDomain,
    Contact,
    Counter,
    ImportBatch,
    Message,
    SlaProfile,
    Status,
    Technician,
    Ticket,
)

Progress = Callable[[int, int], None]
CHUNK = 1000  # rows per bulk insert (and per progress step while writing)
MAX_FILE_BYTES = 200 * 1024 * 1024
_timer: Callable[[], float] = time.perf_counter  # wall time of an import; tests pin it


@dataclass(frozen=True)
class ImportRequest:
    """One file: what it holds, which product wrote it, how its columns map (None: the
    preset and fuzzy matching decide), the zone its dates are local to, and how
    "04/05/2026" reads: "DMY" (day first), "MDY" (month first) or "ISO" (only
    2026-05-04 style); None: the preset's order (`eng.DATE_ORDER`)."""

    entity: str
    path: str
    preset: str = "custom"
    mapping: Mapping[str, str | None] | None = None
    zone: str = "UTC"
    date_order: str | None = None

    @property
    def order(self) -> str:
        """The date order the rows are read in."""
        return self.date_order or eng.DATE_ORDER.get(self.preset, "MDY")


@dataclass(frozen=True)
class Preview:
    headers: tuple[str, ...]
    mapping: dict[str, str | None]
    rows: list[dict[str, str]]  # the first rows, field -> value
    total_rows: int
    encoding: str
    delimiter: str
    problems: list[eng.RowError]  # missing required columns
    row_numbers: tuple[int, ...] = ()  # of `rows`, as a spreadsheet (and the errors) count


@dataclass(frozen=True)
class ImportResult:
    counts: dict[str, int]  # entity -> rows written
    batch_ids: tuple[int, ...]
    seconds: float

    def summary(self) -> str:
        parts = [f"{n:,} {entity}" for entity, n in self.counts.items()]
        return f"Imported {', '.join(parts)} in {self.seconds:.1f} s"


class ImportFailed(ServiceError):
    """Nothing was imported; `errors` lists every problem with its row and column."""

    def __init__(self, errors: Sequence[eng.RowError]) -> None:
        self.errors = list(errors)
        lines = "\n".join(str(e) for e in self.errors)
        super().__init__(f"{len(self.errors)} problem(s); nothing was imported:\n{lines}")


# ---------------------------------------------------------------- reading


def read_table(path: str) -> eng.CsvTable:
    """The file as a table; `ImportFailed` (row 0) when no mapping could help."""
    file = Path(path).expanduser()
    if not path.strip():
        raise ImportFailed([eng.RowError(0, "", "choose a file to import")])
    if not file.is_file():
        raise ImportFailed([eng.RowError(0, "", f"there is no file {str(file)!r}")])
    if file.stat().st_size > MAX_FILE_BYTES:
        raise ImportFailed([eng.RowError(0, "", "the file is larger than 200 MB; split it")])
    try:
        return eng.parse_csv(file.read_bytes())
    except OSError as exc:
        raise ImportFailed([eng.RowError(0, "", f"cannot read {file.name}: {exc}")]) from exc
    except eng.CsvFileError as exc:
        raise ImportFailed([eng.RowError(0, "", f"{file.name}: {exc}")]) from exc


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name.strip() or "UTC")
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ImportFailed([eng.RowError(0, "", f"unknown time zone {name!r}")]) from exc


def _check_request(request: ImportRequest) -> None:
    if request.entity not in eng.ENTITIES:
        raise ImportFailed([eng.RowError(0, "", f"unknown kind of data {request.entity!r}")])
    if request.preset not in eng.PRESETS:
        raise ImportFailed([eng.RowError(0, "", f"unknown preset {request.preset!r}")])
    if request.date_order is not None and request.date_order not in eng.DATE_ORDERS:
        known = ", ".join(f"{k} ({v})" for k, v in eng.DATE_ORDER_LABELS.items())
        raise ImportFailed([eng.RowError(0, "", f"unknown date order {request.date_order!r} "
                                                f"(one of {known})")])


def _mapping(request: ImportRequest, table: eng.CsvTable) -> dict[str, str | None]:
    auto = eng.auto_mapping(request.entity, request.preset, table.headers)
    if request.mapping is None:
        return auto
    return {f.key: request.mapping.get(f.key) or None for f in eng.target_fields(request.entity)}


def preview(desk: Desk, request: ImportRequest) -> Preview:
    """Headers, the mapping the preset and matching propose, and the first rows mapped."""
    require_admin(desk)
    _check_request(request)
    table = read_table(request.path)
    mapping = _mapping(request, table)
    return Preview(
        headers=table.headers,
        mapping=mapping,
        rows=eng.mapped_rows(table, mapping, eng.PREVIEW_ROWS),
        total_rows=len(table.rows),
        encoding=table.encoding,
        delimiter=table.delimiter,
        problems=eng.missing_columns(request.entity, request.preset, mapping)
        + _date_problems(request, table, mapping),
        row_numbers=tuple(table.number(i) for i in range(min(len(table.rows),
                                                             eng.PREVIEW_ROWS))),
    )


def _date_problems(request: ImportRequest, table: eng.CsvTable,
                   mapping: Mapping[str, str | None]) -> list[eng.RowError]:
    """The file's dates against the order they would be read in (see
    `eng.date_order_problems`): a file in the other order is refused whole, never read
    with days and months swapped."""
    scan = eng.scan_dates(request.entity, table, mapping)
    return eng.date_order_problems(scan, request.order, request.preset,
                                   chosen=request.date_order is not None)


# ---------------------------------------------------------------- what the desk knows


@dataclass
class _Known:
    """Names already in the database plus those the earlier files of this import add;
    ids are filled in while writing (None until then)."""

    clients: dict[str, int | None] = field(default_factory=dict)  # name_key -> id
    client_names: dict[str, str] = field(default_factory=dict)  # name_key -> as stored
    domains: set[str] = field(default_factory=set)
    profiles: dict[str, int] = field(default_factory=dict)  # name_key -> id
    profile_names: list[str] = field(default_factory=list)  # as stored, for the error
    contacts: dict[str, str] = field(default_factory=dict)  # email -> client name_key
    # (client name_key, contact name_key) -> the contact's email (None: it has none)
    contact_names: dict[tuple[str, str], str | None] = field(default_factory=dict)
    assets: set[tuple[str, str]] = field(default_factory=set)
    statuses: dict[str, tuple[int, str]] = field(default_factory=dict)  # lower name -> id, cat
    status_keys: dict[str, tuple[int, str]] = field(default_factory=dict)
    techs: dict[str, int] = field(default_factory=dict)  # lower email or name_key -> id
    # external number (lower) -> the tag it was imported under ("[ConnectWise #123]"):
    # one number is one ticket whichever preset brought it in
    ticket_tags: dict[str, str] = field(default_factory=dict)
    # external number (lower) -> "row 4 of tickets.csv", for the files of this import
    ticket_rows: dict[str, str] = field(default_factory=dict)


def _load_known(s: Any) -> _Known:
    k = _Known()
    for cid, name in s.execute(sa.select(Client.id, Client.name)):
        k.clients[name_key(name)] = cid
        k.client_names[name_key(name)] = name
    cname = {cid: name_key(name) for cid, name in s.execute(sa.select(Client.id, Client.name))}
    k.domains = {d.lower() for d in s.execute(sa.select(ClientDomain.domain)).scalars()}
    for pid, pname in s.execute(sa.select(SlaProfile.id, SlaProfile.name)):
        k.profiles[name_key(pname)] = pid
        k.profile_names.append(pname)
    for client_id, name, email in s.execute(
        sa.select(Contact.client_id, Contact.name, Contact.email)
    ):
        client = cname.get(client_id, "")
        if email:
            k.contacts[email.lower()] = client
        k.contact_names.setdefault((client, name_key(name)), email.lower() if email else None)
    for client_id, host in s.execute(sa.select(Asset.client_id, Asset.hostname)):
        k.assets.add((cname.get(client_id, ""), host.lower()))
    for st in s.exec(select(Status)).all():
        k.statuses[st.name.lower()] = (st.id, st.category)
        if st.key:
            k.status_keys[st.key] = (st.id, st.category)
    for tid, name, email in s.execute(sa.select(Technician.id, Technician.name,
                                                 Technician.email)):
        k.techs[email.lower()] = tid
        k.techs.setdefault(name_key(name), tid)
    subjects = s.execute(sa.select(Ticket.subject).where(Ticket.subject.like("[%#%]%")))  # type: ignore[attr-defined]
    for (subject,) in subjects:
        match = _TAG.match(subject)
        if match:
            k.ticket_tags.setdefault(match.group(1).strip().lower(), match.group(0))
    return k


_TAG = re.compile(r"^\[[^\]#]+ #([^\]]+)\]")


# ---------------------------------------------------------------- validation


@dataclass
class _Plan:
    """One validated file: its records and what each one resolved to."""

    request: ImportRequest
    table: eng.CsvTable
    mapping: dict[str, str | None]
    records: list[Any]
    resolved: dict[int, dict[str, Any]] = field(default_factory=dict)  # row -> resolved refs


def _col(mapping: Mapping[str, str | None], key: str) -> str:
    return mapping.get(key) or key


def _resolve(plan: _Plan, k: _Known, errors: list[eng.RowError]) -> None:
    """Check every record against the desk (and the earlier files); record new names."""
    m = plan.mapping
    entity = plan.request.entity
    first_row: dict[Any, int] = {}
    pending: dict[str, str] = {}
    name = Path(plan.request.path).name

    def err(row: int, key: str, message: str) -> None:
        errors.append(eng.RowError(row, _col(m, key), message))

    def client_of(row: int, name: str) -> str | None:
        low = name_key(name)
        if low not in k.clients:
            err(row, "client", f"there is no client '{name}' (import clients first)")
            return None
        return low

    for rec in plan.records:
        r = rec.row
        out: dict[str, Any] = {}
        if entity == "tickets" and rec.external_id:
            # Seen only after this file: later files of the import then find it.
            pending.setdefault(rec.external_id.lower(), f"row {r} of {name}")
        if entity == "clients":
            low = name_key(rec.name)
            if low in first_row:
                err(r, "name", f"'{rec.name}' is already on row {first_row[low]}")
            elif low in k.clients:
                err(r, "name", f"a client named '{k.client_names[low]}' already exists")
            first_row.setdefault(low, r)
            for domain in rec.domains:
                if domain in k.domains:
                    key = "website" if m.get("website") else "email"
                    err(r, key, f"the domain {domain} already belongs to another client")
                k.domains.add(domain)
            if rec.sla_profile is not None:
                pid = k.profiles.get(name_key(rec.sla_profile))
                if pid is None:
                    known = ", ".join(sorted(k.profile_names, key=name_key)) or "none yet"
                    err(r, "sla_profile", f"there is no SLA profile '{rec.sla_profile}' "
                                          f"(known: {known})")
                out["profile_id"] = pid
            k.clients.setdefault(low, None)
            k.client_names.setdefault(low, rec.name)
        elif entity == "contacts":
            client = client_of(r, rec.client)
            if rec.email:
                if rec.email in first_row:
                    err(r, "email", f"'{rec.email}' is already on row {first_row[rec.email]}")
                elif rec.email in k.contacts:
                    err(r, "email", f"a contact with email '{rec.email}' already exists")
                first_row.setdefault(rec.email, r)
                if client:
                    k.contacts.setdefault(rec.email, client)
            if client:
                k.contact_names.setdefault((client, name_key(rec.name)), rec.email)
            out["client"] = client
        elif entity == "assets":
            client = client_of(r, rec.client)
            if client:
                key = (client, rec.hostname.lower())
                if key in first_row:
                    err(r, "hostname", f"'{rec.hostname}' is already on row {first_row[key]}")
                elif key in k.assets:
                    err(r, "hostname", f"'{rec.hostname}' already exists at {rec.client}")
                first_row.setdefault(key, r)
                k.assets.add(key)
                upn = rec.user
                if upn and "@" not in upn:
                    email = k.contact_names.get((client, name_key(upn)))
                    if email is None:
                        err(r, "user", f"'{upn}' is not a contact of {rec.client} with an email")
                    upn = email or ""
                out["upn"] = upn.lower()
            out["client"] = client
        else:
            _resolve_ticket(plan, rec, k, out, err, first_row)
        plan.resolved[r] = out
    for key, where in pending.items():
        k.ticket_rows.setdefault(key, where)


def _resolve_ticket(plan: _Plan, rec: eng.TicketRecord, k: _Known, out: dict[str, Any],
                    err: Callable[[int, str, str], None], first_row: dict[Any, int]) -> None:
    r = rec.row
    low = name_key(rec.client)
    client = low if low in k.clients else None
    if client is None:
        err(r, "client", f"there is no client '{rec.client}' (import clients first)")
    out["client"] = client
    if rec.external_id:
        tag = eng.ticket_tag(plan.request.preset, rec.external_id)
        key = rec.external_id.lower()
        if key in first_row:
            err(r, "external_id", f"'{rec.external_id}' is already on row {first_row[key]}")
        elif key in k.ticket_tags:
            before = k.ticket_tags[key]
            err(r, "external_id", f"{tag} was imported before" if before.lower() == tag.lower()
                else f"#{rec.external_id} was imported before as {before}")
        elif key in k.ticket_rows:
            err(r, "external_id", f"'{rec.external_id}' is also on {k.ticket_rows[key]}")
        first_row.setdefault(key, r)
        out["tag"] = tag
    email: str | None = None
    if rec.contact:
        if "@" in rec.contact:
            email = rec.contact.lower()
            owner = k.contacts.get(email)
            if owner is None:
                err(r, "contact", f"there is no contact with email '{rec.contact}'")
            elif client and owner != client:
                err(r, "contact", f"'{rec.contact}' is a contact of "
                                  f"{k.client_names.get(owner, owner)}, not {rec.client}")
        elif client:
            named = (client, name_key(rec.contact))
            email = k.contact_names.get(named)
            if named not in k.contact_names:
                err(r, "contact", f"'{rec.contact}' is not a contact of {rec.client}")
    out["contact_email"] = email
    out["contact_name"] = rec.contact if email is None or "@" not in rec.contact else ""
    status = k.statuses.get(rec.status.lower())
    if status is None:
        hint = eng.status_hint(rec.status)
        status = k.status_keys.get(hint) if hint else None
    if status is None:
        known = ", ".join(sorted(n.title() for n in k.statuses))
        err(r, "status", f"'{rec.status}' is not a status we can map (ours: {known})")
    out["status"] = status
    if rec.assignee:
        who = rec.assignee
        tech = k.techs.get(who.lower() if "@" in who else name_key(who))
        if tech is None:
            err(r, "assignee", f"there is no technician '{rec.assignee}'")
        out["assignee_id"] = tech


def _validate(desk: Desk, tables: Sequence[tuple[ImportRequest, eng.CsvTable]],
              tick: Callable[[int], None]) -> list[_Plan]:
    errors: list[eng.RowError] = []
    plans: list[_Plan] = []
    with desk.db.session() as s:
        known = _load_known(s)
    now = desk.clock.now()
    order = {e: i for i, e in enumerate(eng.ENTITIES)}
    done = 0
    for request, table in sorted(tables, key=lambda t: order[t[0].entity]):
        prefix = f"{Path(request.path).name}: " if len(tables) > 1 else ""
        file_errors: list[eng.RowError] = []
        mapping = _mapping(request, table)
        missing = eng.missing_columns(request.entity, request.preset, mapping)
        # Either refuses the whole file: rows read with the wrong mapping or date order
        # would only bury the one message that matters under an error per row.
        refused = missing or _date_problems(request, table, mapping)
        if refused:
            errors.extend(_prefixed(refused, prefix))
            done += len(table.rows)
            continue
        options = eng.ParseOptions(zone=_zone(request.zone), date_order=request.order,
                                   now=now, preset=request.preset)
        base = done
        parsed = eng.parse_rows(request.entity, table, mapping, options,
                                on_row=lambda i, base=base: tick(base + i))  # type: ignore[misc]
        done += len(table.rows)
        file_errors.extend(parsed.errors)
        plan = _Plan(request, table, mapping, parsed.records)
        _resolve(plan, known, file_errors)
        errors.extend(_prefixed(file_errors, prefix))
        plans.append(plan)
    if errors:
        errors.sort(key=lambda e: (e.row, e.column))
        raise ImportFailed(errors)
    return plans


def _prefixed(errors: list[eng.RowError], prefix: str) -> list[eng.RowError]:
    if not prefix:
        return errors
    return [eng.RowError(e.row, e.column, prefix + e.message) for e in errors]


# ---------------------------------------------------------------- writing


_DEFAULTS: dict[type[SQLModel], dict[str, Any]] = {}


def _row_dict(model: type[SQLModel], **values: Any) -> dict[str, Any]:
    """Column values with the model's defaults filled in: Core inserts skip Python-side
    defaults such as `default_factory=list`, and building a model per row is ~30x slower.
    (Shared default lists are fine: Core serialises them, nothing mutates them.)"""
    template = _DEFAULTS.get(model)
    if template is None:
        template = {}
        for name, info in model.model_fields.items():
            if name == "id":
                continue
            if info.default_factory is not None:
                template[name] = info.default_factory()  # type: ignore[call-arg]
            elif not info.is_required():
                template[name] = info.default
        _DEFAULTS[model] = template
    return {**template, **values}


def run_import(desk: Desk, requests: Sequence[ImportRequest] | ImportRequest,
               progress: Progress | None = None) -> ImportResult:
    """Validate every row of every file, then write all of it in one transaction.

    `progress(done, total)`: the first half of `total` is validation, the second writing.
    Raises `ImportFailed` (nothing written) listing every problem with row and column."""
    require_admin(desk)
    if isinstance(requests, ImportRequest):
        requests = [requests]
    if not requests:
        raise ImportFailed([eng.RowError(0, "", "choose a file to import")])
    started = _timer()
    report: Progress = progress or (lambda done, total: None)
    state = {"total": 0}

    def tick(done: int) -> None:
        if state["total"] and (done % 200 == 0 or done == state["total"] // 2):
            report(done, state["total"])

    tables: list[tuple[ImportRequest, eng.CsvTable]] = []
    for request in requests:
        _check_request(request)
        tables.append((request, read_table(request.path)))
    state["total"] = 2 * sum(len(t.rows) for _r, t in tables)
    report(0, state["total"])
    plans = _validate(desk, tables, tick)
    half = state["total"] // 2
    report(half, state["total"])
    now = desk.clock.now()
    actor = desk.actor()
    counts: dict[str, int] = {}
    batch_ids: list[int] = []
    written = half

    def step(n: int) -> None:
        nonlocal written
        written += n
        report(written, state["total"])

    try:
        _write_all(desk, plans, now=now, actor=actor, counts=counts, batch_ids=batch_ids,
                   step=step)
    except sa.exc.DBAPIError as exc:
        # Checks ran in an earlier transaction: another console (or the mail worker) may
        # have added a clashing contact or client since. The transaction rolled back.
        reason = str(exc.orig).strip() if exc.orig is not None else type(exc).__name__
        raise ImportFailed([eng.RowError(
            0, "", f"the database refused the import ({reason}); nothing was imported"
        )]) from exc
    report(state["total"], state["total"])
    return ImportResult(counts, tuple(batch_ids), _timer() - started)


def _write_all(desk: Desk, plans: Sequence[_Plan], *, now: Any, actor: Actor,
               counts: dict[str, int], batch_ids: list[int],
               step: Callable[[int], None]) -> None:
    """Every plan in one transaction (any database error rolls all of it back)."""
    with desk.db.session() as s:
        known = _load_known(s)  # afresh: ids only, the checks ran on the same data
        for plan in plans:
            entity = plan.request.entity
            batch = ImportBatch(entity=entity, preset=plan.request.preset,
                                filename=Path(plan.request.path).name[:255],
                                rows=len(plan.records), actor=actor.name[:200], created_at=now)
            s.add(batch)
            s.flush()
            batch_id: int = batch.id  # type: ignore[assignment]
            writer = _WRITERS[entity]
            writer(s, plan, known, now=now, actor=actor, batch_id=batch_id, step=step)
            audit(s, at=now, actor=actor, entity="import_batch", entity_id=batch_id,
                  field="imported", old=None,
                  new=f"{len(plan.records)} {entity} from {batch.filename} "
                      f"({eng.PRESET_LABELS[plan.request.preset]})")
            counts[entity] = counts.get(entity, 0) + len(plan.records)
            batch_ids.append(batch_id)
        bump_change_seq(s)


def _chunks(items: list[Any], size: int = CHUNK) -> Any:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _client_ids(s: Any, k: _Known) -> None:
    for cid, name in s.execute(sa.select(Client.id, Client.name)):
        k.clients[name_key(name)] = cid


def _write_clients(s: Any, plan: _Plan, k: _Known, *, now: Any, actor: Actor, batch_id: int,
                   step: Callable[[int], None]) -> None:
    for chunk in _chunks(plan.records):
        rows = [_row_dict(Client, name=rec.name, billing_type=rec.billing_type, vip=rec.vip,
                          sla_profile_id=plan.resolved[rec.row].get("profile_id"),
                          created_at=now)
                for rec in chunk]
        s.execute(sa.insert(Client), rows)
        step(len(chunk))
    _client_ids(s, k)
    domains = [{"client_id": k.clients[name_key(rec.name)], "domain": d}
               for rec in plan.records for d in rec.domains]
    if domains:
        s.execute(sa.insert(ClientDomain), domains)


def _write_contacts(s: Any, plan: _Plan, k: _Known, *, now: Any, actor: Actor, batch_id: int,
                    step: Callable[[int], None]) -> None:
    for chunk in _chunks(plan.records):
        rows = [_row_dict(Contact, client_id=k.clients[plan.resolved[rec.row]["client"]],
                          name=rec.name, email=rec.email, phone=rec.phone,
                          authorized=rec.authorized)
                for rec in chunk]
        s.execute(sa.insert(Contact), rows)
        step(len(chunk))


def _write_assets(s: Any, plan: _Plan, k: _Known, *, now: Any, actor: Actor, batch_id: int,
                  step: Callable[[int], None]) -> None:
    for chunk in _chunks(plan.records):
        rows = [_row_dict(Asset, client_id=k.clients[plan.resolved[rec.row]["client"]],
                          hostname=rec.hostname, kind=rec.kind,
                          user_upn=plan.resolved[rec.row].get("upn", ""))
                for rec in chunk]
        s.execute(sa.insert(Asset), rows)
        step(len(chunk))


def _reserve_numbers(s: Any, n: int) -> int:
    """The first of `n` consecutive ticket numbers, taken from the shared counter."""
    last = s.execute(
        sa.update(Counter).where(Counter.name == TICKET_NUMBER)  # type: ignore[arg-type]
        .values(value=Counter.value + n).returning(Counter.value)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    return int(last) - n + 1


def _write_tickets(s: Any, plan: _Plan, k: _Known, *, now: Any, actor: Actor, batch_id: int,
                   step: Callable[[int], None]) -> None:
    records: list[eng.TicketRecord] = plan.records
    if not records:
        return
    contacts = {email.lower(): (cid, name) for cid, name, email in s.execute(
        sa.select(Contact.id, Contact.name, Contact.email).where(Contact.email.is_not(None))  # type: ignore[union-attr]
    )}
    # A contact named without an email (a walk-in) is linked by name at its client when
    # exactly one contact there has that name.
    by_name: dict[tuple[int, str], tuple[int, str] | None] = {}
    for cid, client_id, name in s.execute(sa.select(Contact.id, Contact.client_id,
                                                    Contact.name)):
        key = (client_id, name_key(name))
        by_name[key] = None if key in by_name else (cid, name)
    first = _reserve_numbers(s, len(records))
    source = eng.PRESET_LABELS[plan.request.preset]
    live: list[int] = []
    for offset, chunk in enumerate(_chunks(records)):
        tickets: list[dict[str, Any]] = []
        extras: list[tuple[int, eng.TicketRecord, dict[str, Any]]] = []
        for i, rec in enumerate(chunk):
            number = first + offset * CHUNK + i
            res = plan.resolved[rec.row]
            status_id, category = res["status"]
            done = category in (StatusCategory.RESOLVED, StatusCategory.CLOSED)
            assert rec.created is not None and rec.priority is not None  # validated
            ended = (rec.closed or rec.created) if done else None
            contact = contacts.get(res["contact_email"] or "")
            if contact is None and res.get("contact_name"):
                contact = by_name.get((k.clients[res["client"]], name_key(res["contact_name"])))
            subject = f"{res['tag']} {rec.subject}" if res.get("tag") else rec.subject
            tickets.append(_row_dict(
                Ticket, number=number, subject=subject, type=TicketType.SUPPORT,
                channel=Channel.MANUAL, client_id=k.clients[res["client"]],
                contact_id=contact[0] if contact else None, priority=rec.priority,
                status_id=status_id, assignee_id=res.get("assignee_id"),
                requester_email=res["contact_email"], created_at=rec.created,
                updated_at=ended or rec.created, resolved_at=ended,
                closed_at=ended if category == StatusCategory.CLOSED else None,
                closed_by=f"import from {source}" if category == StatusCategory.CLOSED else None,
            ))
            extras.append((number, rec, {"contact": contact, "live": not done}))
        s.execute(sa.insert(Ticket), tickets)
        ids = dict(s.execute(sa.select(Ticket.number, Ticket.id).where(
            Ticket.number.between(first + offset * CHUNK,  # type: ignore[attr-defined]
                                  first + offset * CHUNK + len(chunk) - 1))).all())
        messages: list[dict[str, Any]] = []
        audits: list[dict[str, Any]] = []
        for number, rec, extra in extras:
            tid = ids[number]
            contact = extra["contact"]
            res = plan.resolved[rec.row]
            messages.append(_row_dict(
                Message, ticket_id=tid, direction=Direction.CUSTOMER, channel=Channel.MANUAL,
                author_contact_id=contact[0] if contact else None,
                author_name=(contact[1] if contact else res.get("contact_name") or "")[:200],
                author_email=res["contact_email"], subject=rec.subject[:500], body=rec.body,
                created_at=rec.created,
            ))
            why = f"imported from {source}" + (f" #{rec.external_id}" if rec.external_id else "")
            audits.append(_row_dict(
                AuditEvent, at=now, actor_id=actor.technician_id, actor=actor.name,
                entity="ticket", entity_id=tid, field="created", old_value=None,
                new_value=f"#{number}", reason=f"{why} (batch {batch_id})",
            ))
            if extra["live"]:
                live.append(tid)
        s.execute(sa.insert(Message), messages)
        s.execute(sa.insert(AuditEvent), audits)
        # Live tickets count as written once their clocks run (the slow part, ~10 ms each).
        step(sum(1 for _n, _r, extra in extras if not extra["live"]))
    _start_live_clocks(s, live, now, step)


def _start_live_clocks(s: Any, ids: list[int], now: Any, step: Callable[[int], None]) -> None:
    """Open and waiting tickets start their SLA clocks now (see the module docstring)."""
    for chunk in _chunks(ids, 100):
        for ticket in s.exec(select(Ticket).where(Ticket.id.in_(chunk))).all():  # type: ignore[union-attr]
            sla.start_clocks(s, ticket, now)
            refresh_idle_check(s, ticket, now)
            s.add(ticket)
        s.flush()
        step(len(chunk))


_WRITERS: dict[str, Callable[..., None]] = {
    "clients": _write_clients,
    "contacts": _write_contacts,
    "assets": _write_assets,
    "tickets": _write_tickets,
}


def error_report_csv(errors: Sequence[eng.RowError]) -> str:
    """The errors as CSV (row, column, problem) for the user to work through."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Row", "Column", "Problem"])
    for e in errors:
        writer.writerow([e.row or "", e.column, e.message])
    return buffer.getvalue()


def save_error_report(errors: Sequence[eng.RowError], path: str) -> Path:
    """Write the error report next to where the user asked; returns the path written."""
    target = Path(path).expanduser()
    try:
        target.write_text(error_report_csv(errors), encoding="utf-8-sig")
    except OSError as exc:
        raise ServiceError(f"cannot write {target}: {exc}") from exc
    return target
