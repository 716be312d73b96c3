"""Editing categories, statuses, priorities and resolution codes on the seeded demo desk:
each validation says what is wrong, refusals write nothing, changes are audited per field
and move the change sequence."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import select

from msp_tui.services import reference_admin as ref
from msp_tui.services.desk import Desk
from msp_tui.services.tickets import ServiceError
from msp_tui.store.models import (
    AuditEvent,
    Category,
    Priority,
    PriorityMatrix,
    ResolutionCode,
    Status,
    Ticket,
)

ADMIN = "jamie.fox@demo-msp.example"


@pytest.fixture
def desk(demo_desk: Desk) -> Desk:
    demo_desk.me_email = ADMIN
    demo_desk._me = None
    return demo_desk


def _audits(desk: Desk, entity: str, entity_id: int) -> list[tuple[str, str | None, str | None]]:
    with desk.db.session() as s:
        rows = s.exec(select(AuditEvent).where(AuditEvent.entity == entity,
                                               AuditEvent.entity_id == entity_id)
                      .order_by(AuditEvent.id))  # type: ignore[arg-type]
        return [(r.field, r.old_value, r.new_value) for r in rows]


def _audit_count(desk: Desk) -> int:
    with desk.db.session() as s:
        return int(s.execute(sa.select(sa.func.count()).select_from(AuditEvent)).scalar_one())


def _category_id(desk: Desk, name: str) -> int:
    with desk.db.session() as s:
        return s.exec(select(Category.id).where(Category.name == name)).one()  # type: ignore[return-value]


def _status(desk: Desk, name: str) -> Status:
    with desk.db.session() as s:
        return s.exec(select(Status).where(Status.name == name)).one()


def _refused(desk: Desk, call: Callable[[], Any], *expected: str) -> str:
    """The call raises a ServiceError naming every expected problem and writes nothing."""
    seq, audits = desk.change_seq(), _audit_count(desk)
    with pytest.raises(ServiceError) as caught:
        call()
    message = str(caught.value)
    for text in expected:
        assert text in message
    assert desk.change_seq() == seq
    assert _audit_count(desk) == audits
    return message


# ---------------------------------------------------------------- admins only


@pytest.mark.parametrize(
    "call",
    [
        lambda d: ref.add_category(d, "Telephony"),
        lambda d: ref.edit_category(d, 1, name="Networking"),
        lambda d: ref.set_category_active(d, 2, False),
        lambda d: ref.add_status(d, "On Site", "open"),
        lambda d: ref.edit_status(d, 2, name="Working"),
        lambda d: ref.move_status(d, 2, -1),
        lambda d: ref.set_status_active(d, 2, False),
        lambda d: ref.edit_priority(d, "P1", label="Urgent"),
        lambda d: ref.set_matrix_cell(d, "low", "low", "P3"),
        lambda d: ref.add_resolution_code(d, "remote_fix", "Remote fix"),
        lambda d: ref.edit_resolution_code(d, 1, label="Repaired"),
        lambda d: ref.move_resolution_code(d, 2, -1),
        lambda d: ref.set_resolution_code_active(d, 2, False),
    ],
)
def test_only_admins_change_reference_data(demo_desk: Desk, call: Callable[[Desk], Any]) -> None:
    assert demo_desk.me() is not None and demo_desk.me().role == "technician"  # type: ignore[union-attr]
    _refused(demo_desk, lambda: call(demo_desk), "only admins may change settings",
             "Alex Morgan (technician)")


# ---------------------------------------------------------------- categories


def test_add_category_and_subcategory_in_tree_order(desk: Desk) -> None:
    seq = desk.change_seq()
    top = ref.add_category(desk, "  Telephony  ")
    sub = ref.add_category(desk, "Desk phones", parent_id=top)
    assert desk.change_seq() == seq + 2
    rows = ref.categories(desk)
    names = [(r.name, r.depth) for r in rows]
    i = names.index(("Telephony", 0))
    assert names[i + 1] == ("Desk phones", 1)
    assert next(r for r in rows if r.id == sub).parent_name == "Telephony"
    assert _audits(desk, "category", top) == [("created", None, "Telephony")]
    assert _audits(desk, "category", sub) == [("created", None, "Desk phones"),
                                              ("parent", None, "Telephony")]


def test_category_names_are_unique_among_siblings_only(desk: Desk) -> None:
    network = _category_id(desk, "Network & Connectivity")
    _refused(desk, lambda: ref.add_category(desk, "vpn ACCESS issue", parent_id=network),
             "there is already a category 'VPN access issue' under 'Network & Connectivity'")
    _refused(desk, lambda: ref.add_category(desk, "end-user support"),
             "there is already a category 'End-User Support' at the top level")
    # The same name under another parent is fine.
    ref.add_category(desk, "VPN access issue", parent_id=_category_id(desk, "End-User Support"))


def test_every_problem_is_listed_at_once(desk: Desk) -> None:
    message = _refused(desk, lambda: ref.add_category(desk, "   ", parent_id=999),
                       "a category name is required", "no category with id 999")
    assert message.count(";") == 1


def test_moving_a_category_refuses_cycles_and_depth(desk: Desk) -> None:
    network = _category_id(desk, "Network & Connectivity")
    vpn = _category_id(desk, "VPN access issue")
    _refused(desk, lambda: ref.edit_category(desk, network, parent_id=vpn),
             "cannot move 'Network & Connectivity' under 'VPN access issue', which is inside it")
    _refused(desk, lambda: ref.edit_category(desk, network, parent_id=network),
             "cannot move 'Network & Connectivity' under itself")
    cloud = _category_id(desk, "Cloud & Server Management")
    _refused(desk, lambda: ref.edit_category(desk, cloud, parent_id=network),
             "'Cloud & Server Management' has sub-categories, so it cannot become one itself")
    hardware = _category_id(desk, "Hardware")
    _refused(desk, lambda: ref.edit_category(desk, hardware, parent_id=vpn),
             "'VPN access issue' is itself a sub-category; sub-categories go one level deep")


def test_rename_and_move_are_audited_per_field(desk: Desk) -> None:
    vpn = _category_id(desk, "VPN access issue")
    cloud = _category_id(desk, "Cloud & Server Management")
    ref.edit_category(desk, vpn, name="Remote access (VPN)", parent_id=cloud)
    with desk.db.session() as s:
        row = s.get(Category, vpn)
        assert row is not None and (row.name, row.parent_id) == ("Remote access (VPN)", cloud)
    assert _audits(desk, "category", vpn) == [
        ("name", "VPN access issue", "Remote access (VPN)"),
        ("parent", "Network & Connectivity", "Cloud & Server Management"),
    ]
    ref.edit_category(desk, vpn, parent_id=None)  # to the top level
    assert _audits(desk, "category", vpn)[-1] == ("parent", "Cloud & Server Management", None)
    seq = desk.change_seq()
    ref.edit_category(desk, vpn, name="Remote access (VPN)")  # nothing changes
    assert desk.change_seq() == seq


def test_deactivating_categories(desk: Desk) -> None:
    network = _category_id(desk, "Network & Connectivity")
    _refused(desk, lambda: ref.set_category_active(desk, network, False),
             "deactivate the sub-categories of 'Network & Connectivity' first: Firewall "
             "configuration, Internet outage, VPN access issue, Wireless connectivity")
    subs = [r.id for r in ref.categories(desk) if r.parent_id == network]
    for sub in subs:
        ref.set_category_active(desk, sub, False)
    ref.set_category_active(desk, network, False)
    assert not next(r for r in ref.categories(desk) if r.id == network).active
    assert _audits(desk, "category", network) == [("active", "True", "False")]
    _refused(desk, lambda: ref.set_category_active(desk, subs[0], True),
             "reactivate 'Network & Connectivity' first")
    _refused(desk, lambda: ref.add_category(desk, "Fibre", parent_id=network),
             "'Network & Connectivity' is inactive; reactivate it first")


# ---------------------------------------------------------------- statuses


def test_add_status_goes_after_its_category(desk: Desk) -> None:
    sid = ref.add_status(desk, "On Site", "open")
    rows = ref.statuses(desk)
    names = [r.name for r in rows]
    assert names.index("On Site") == names.index("Provisioning") + 1
    assert names.index("On Site") < names.index("Resolved")
    added = next(r for r in rows if r.id == sid)
    assert (added.category, added.key, added.active, added.tickets) == ("open", None, True, 0)
    assert added.sla_effect == "clocks run"
    assert _audits(desk, "status", sid) == [("created", None, "On Site"),
                                            ("category", None, "open")]


def test_add_status_validation(desk: Desk) -> None:
    _refused(desk, lambda: ref.add_status(desk, "in progress", "stalled"),
             "there is already a status named 'In Progress'",
             "unknown status category 'stalled'; choose one of open, paused, resolved, closed")
    _refused(desk, lambda: ref.add_status(desk, "x" * 61, "open"),
             "a status name is at most 60 characters (61 given)")


def test_rename_a_well_known_status_keeps_its_key(desk: Desk) -> None:
    wip = _status(desk, "In Progress")
    ref.edit_status(desk, wip.id, name="Working on it")  # type: ignore[arg-type]
    after = _status(desk, "Working on it")
    assert (after.key, after.category) == ("in_progress", "open")
    assert _audits(desk, "status", wip.id) == [("name", "In Progress", "Working on it")]  # type: ignore[arg-type]


def test_recategorising_is_refused_for_well_known_or_used_statuses(desk: Desk) -> None:
    wip = _status(desk, "In Progress")
    with desk.db.session() as s:
        in_wip = len(s.exec(select(Ticket.id).where(Ticket.status_id == wip.id)).all())
    assert in_wip > 0
    _refused(desk, lambda: ref.edit_status(desk, wip.id, category="paused"),  # type: ignore[arg-type]
             "'In Progress' is a well-known status (key 'in_progress')",
             f"cannot change the category of 'In Progress': {in_wip} tickets are in it")
    sid = ref.add_status(desk, "Parts on order", "open")
    with desk.db.session() as s:
        ticket = s.exec(select(Ticket).where(Ticket.status_id == wip.id)).first()
        assert ticket is not None
        ticket.status_id = sid
        s.add(ticket)
    _refused(desk, lambda: ref.edit_status(desk, sid, category="paused"),
             "cannot change the category of 'Parts on order': 1 ticket is in it")
    with desk.db.session() as s:
        ticket = s.get(Ticket, ticket.id)
        assert ticket is not None
        ticket.status_id = wip.id  # type: ignore[assignment]
        s.add(ticket)
    ref.edit_status(desk, sid, category="paused")
    assert _status(desk, "Parts on order").category == "paused"
    assert _audits(desk, "status", sid)[-1] == ("category", "open", "paused")


def test_deactivating_statuses(desk: Desk) -> None:
    new = _status(desk, "New")
    with desk.db.session() as s:
        n = len(s.exec(select(Ticket.id).where(Ticket.status_id == new.id)).all())
    _refused(desk, lambda: ref.set_status_active(desk, new.id, False),  # type: ignore[arg-type]
             "'New' is a well-known status (key 'new')",
             f"{n} tickets are in 'New'; move them to another status before deactivating it")
    sid = ref.add_status(desk, "On Site", "open")
    ref.set_status_active(desk, sid, False)
    assert not _status(desk, "On Site").active
    assert "On Site" not in [v.name for v in desk.statuses()]  # gone from the pickers
    ref.set_status_active(desk, sid, True)
    assert _audits(desk, "status", sid)[-2:] == [("active", "True", "False"),
                                                 ("active", "False", "True")]


def test_move_status_swaps_with_its_neighbour(desk: Desk) -> None:
    escalated, waiting = _status(desk, "Escalated"), _status(desk, "Waiting on Customer")
    ref.move_status(desk, escalated.id, -1)  # type: ignore[arg-type]
    names = [r.name for r in ref.statuses(desk)]
    assert names[:4] == ["New", "In Progress", "Escalated", "Waiting on Customer"]
    assert _audits(desk, "status", escalated.id) == [("sort_order", "40", "30")]  # type: ignore[arg-type]
    assert _audits(desk, "status", waiting.id) == [("sort_order", "30", "40")]  # type: ignore[arg-type]
    seq = desk.change_seq()
    ref.move_status(desk, _status(desk, "New").id, -1)  # type: ignore[arg-type]  # already first
    assert desk.change_seq() == seq


# ---------------------------------------------------------------- priorities


def test_edit_priority_audits_each_field(desk: Desk) -> None:
    seq = desk.change_seq()
    ref.edit_priority(desk, "P2", label="Urgent", typical_trigger="A team is blocked",
                      default_urgency="medium")
    assert desk.change_seq() == seq + 1
    p2 = next(p for p in ref.priorities(desk) if p.code == "P2")
    assert (p2.label, p2.typical_trigger, p2.default_urgency) == (
        "Urgent", "A team is blocked", "medium")
    fields = [(f, new) for f, _, new in _audits(desk, "priority", 2)]
    assert fields == [("label", "Urgent"), ("typical_trigger", "A team is blocked"),
                      ("default_urgency", "medium")]


def test_priority_codes_are_fixed(desk: Desk) -> None:
    _refused(desk, lambda: ref.edit_priority(desk, "P5", label="Whenever"),
             "there is no priority 'P5'", "priority codes are fixed at P1–P4")
    _refused(desk, lambda: ref.edit_priority(desk, "P3", label="critical",
                                             default_urgency="extreme"),
             "P1 is already labelled 'Critical'",
             "unknown urgency 'extreme'; choose one of high, medium, low")
    _refused(desk, lambda: ref.edit_priority(desk, "P3", label=" "), "a priority label is required")
    with desk.db.session() as s:
        assert [p.code for p in s.exec(select(Priority))] == ["P1", "P2", "P3", "P4"]


def test_priority_matrix_cell(desk: Desk) -> None:
    ref.set_matrix_cell(desk, "low", "high", "P2")
    with desk.db.session() as s:
        assert s.get(PriorityMatrix, ("low", "high")).priority == "P2"  # type: ignore[union-attr]
    assert _audits(desk, "priority_matrix", 0) == [("low impact / high urgency", "P3", "P2")]
    _refused(desk, lambda: ref.set_matrix_cell(desk, "huge", "high", "P0"),
             "unknown impact 'huge'", "unknown priority 'P0'")


# ---------------------------------------------------------------- resolution codes


def test_add_resolution_code_at_the_end(desk: Desk) -> None:
    rid = ref.add_resolution_code(desk, "remote_fix", "Fixed remotely")
    rows = ref.resolution_codes(desk)
    assert len(rows) == 11 and rows[-1].id == rid
    assert (rows[-1].code, rows[-1].label, rows[-1].sort_order) == ("remote_fix",
                                                                   "Fixed remotely", 11)
    assert _audits(desk, "resolution_code", rid) == [("created", None, "remote_fix"),
                                                     ("label", None, "Fixed remotely")]


@pytest.mark.parametrize(
    ("code", "label", "expected"),
    [
        ("Remote Fix", "Remote", "code 'Remote Fix' must be lower-case letters, digits and "
                                 "underscores, starting with a letter"),
        ("1st_line", "First line", "code '1st_line' must be lower-case letters"),
        ("", "Something", "a code is required"),
        ("x" * 41, "Long", "a code is at most 40 characters (41 given)"),
        ("fixed", "Fixed again", "there is already a resolution code 'fixed'"),
        ("mended", "fixed", "'fixed' is already labelled 'Fixed'"),
        ("mended", "", "a label is required"),
    ],
)
def test_resolution_code_validation(desk: Desk, code: str, label: str, expected: str) -> None:
    _refused(desk, lambda: ref.add_resolution_code(desk, code, label), expected)


def test_relabel_keeps_the_code(desk: Desk) -> None:
    ref.edit_resolution_code(desk, 1, label="Fixed (repaired)")
    _refused(desk, lambda: ref.edit_resolution_code(desk, 1, code="repaired"),
             "the code 'fixed' is a stable key that reports count by and cannot change")
    with desk.db.session() as s:
        row = s.get(ResolutionCode, 1)
        assert row is not None and (row.code, row.label) == ("fixed", "Fixed (repaired)")
    assert _audits(desk, "resolution_code", 1) == [("label", "Fixed", "Fixed (repaired)")]


def test_move_and_deactivate_resolution_codes(desk: Desk) -> None:
    rid = ref.add_resolution_code(desk, "remote_fix", "Fixed remotely")
    ref.move_resolution_code(desk, rid, -1)
    codes = [r.code for r in ref.resolution_codes(desk)]
    assert codes[-2:] == ["remote_fix", "cancelled"]
    assert _audits(desk, "resolution_code", rid)[-1] == ("sort_order", "11", "10")
    ref.set_resolution_code_active(desk, rid, False)
    assert not next(r for r in ref.resolution_codes(desk) if r.id == rid).active
    others = [r.id for r in ref.resolution_codes(desk) if r.active]
    for oid in others[:-1]:
        ref.set_resolution_code_active(desk, oid, False)
    _refused(desk, lambda: ref.set_resolution_code_active(desk, others[-1], False),
             "is the last active resolution code")
