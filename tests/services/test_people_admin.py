"""Editing technicians and groups on the seeded demo desk: validation messages, audit
rows, the admin gate, and the guards (last admin, open tickets, group leads)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import select

from msp_tui.services import people_admin as people
from msp_tui.services import rule_admin as rules
from msp_tui.services.desk import Desk
from msp_tui.services.tickets import ServiceError
from msp_tui.store.models import AuditEvent, GroupMember, Status, TechGroup, Technician, Ticket

ADMIN = "jamie.fox@demo-msp.example"


@pytest.fixture
def desk(demo_desk: Desk) -> Desk:
    demo_desk.me_email = ADMIN
    demo_desk._me = None
    return demo_desk


def _tech(desk: Desk, name: str) -> Technician:
    with desk.db.session() as s:
        return s.exec(select(Technician).where(Technician.name == name)).one()


def _group(desk: Desk, name: str) -> TechGroup:
    with desk.db.session() as s:
        return s.exec(select(TechGroup).where(TechGroup.name == name)).one()


def _members(desk: Desk, group_id: int) -> set[str]:
    return {m.name for g in people.groups(desk) if g.id == group_id for m in g.members}


def _audits(desk: Desk, entity: str, entity_id: int) -> list[tuple[str, str | None, str | None]]:
    with desk.db.session() as s:
        rows = s.exec(select(AuditEvent).where(AuditEvent.entity == entity,
                                               AuditEvent.entity_id == entity_id)
                      .order_by(AuditEvent.id))  # type: ignore[arg-type]
        return [(r.field, r.old_value, r.new_value) for r in rows]


def _audit_count(desk: Desk) -> int:
    with desk.db.session() as s:
        return int(s.execute(sa.select(sa.func.count()).select_from(AuditEvent)).scalar_one())


def _refused(desk: Desk, call: Callable[[], Any], *expected: str) -> str:
    seq, audits = desk.change_seq(), _audit_count(desk)
    with pytest.raises(ServiceError) as caught:
        call()
    message = str(caught.value)
    for text in expected:
        assert text in message
    assert desk.change_seq() == seq
    assert _audit_count(desk) == audits
    return message


def _open_held(desk: Desk, technician_id: int) -> int:
    with desk.db.session() as s:
        return int(s.execute(
            sa.select(sa.func.count()).select_from(Ticket)
            .join(Status, Status.id == Ticket.status_id)  # type: ignore[arg-type]
            .where(Ticket.assignee_id == technician_id,
                   Status.category.in_(["open", "paused"]))  # type: ignore[attr-defined]
        ).scalar_one())


@pytest.mark.parametrize(
    "call",
    [
        lambda d: people.add_technician(d, name="Kim", email="kim@demo-msp.example"),
        lambda d: people.edit_technician(d, 2, tier="tier2"),
        lambda d: people.set_on_call(d, 2, True),
        lambda d: people.set_technician_active(d, 2, False),
        lambda d: people.add_group(d, "Night shift"),
        lambda d: people.edit_group(d, 1, name="Seniors"),
        lambda d: people.add_members(d, 1, [2]),
        lambda d: people.remove_member(d, 1, 5),
    ],
)
def test_only_admins_change_people(demo_desk: Desk, call: Callable[[Desk], Any]) -> None:
    _refused(demo_desk, lambda: call(demo_desk), "only admins may change settings",
             "this console is Alex Morgan (technician)")


# ---------------------------------------------------------------- technicians


def test_add_technician(desk: Desk) -> None:
    seq = desk.change_seq()
    tid = people.add_technician(desk, name=" Kim  Park ", email="Kim.Park@Demo-MSP.example",
                                role="team_lead", tier="tier2", timezone="Europe/London")
    assert desk.change_seq() == seq + 1
    row = next(t for t in people.technicians(desk) if t.id == tid)
    assert (row.name, row.email, row.role, row.tier, row.timezone, row.active, row.on_call) == (
        "Kim Park", "kim.park@demo-msp.example", "team_lead", "tier2", "Europe/London",
        True, False)
    assert _audits(desk, "technician", tid) == [
        ("created", None, "Kim Park"), ("email", None, "kim.park@demo-msp.example"),
        ("role", None, "team_lead"), ("tier", None, "tier2"),
        ("timezone", None, "Europe/London"),
    ]


def test_technician_validation_lists_every_problem(desk: Desk) -> None:
    message = _refused(
        desk,
        lambda: people.add_technician(desk, name="", email="not-an-address", role="boss",
                                      tier="tier9", timezone="Europe/Pariss"),
        "a name is required",
        "'not-an-address' is not an email address",
        "unknown role 'boss'; choose one of technician, team_lead, operations_manager, "
        "director, admin",
        "unknown tier 'tier9'; choose one of tier1, tier2, senior",
        "unknown time zone 'Europe/Pariss' (an IANA name, e.g. 'Europe/London')",
    )
    assert message.count(";") >= 4
    _refused(desk, lambda: people.add_technician(desk, name="Priya Two",
                                                 email="PRIYA.SHAH@demo-msp.example"),
             "priya.shah@demo-msp.example is already the email of Priya Shah")
    # the client form's and the CSV import's rule: a one-letter top-level domain is refused
    _refused(desk, lambda: people.add_technician(desk, name="Abe Bee", email="a@b.c"),
             "'a@b.c' is not an email address")


def test_edit_technician_audits_changed_fields_only(desk: Desk) -> None:
    priya = _tech(desk, "Priya Shah")
    people.edit_technician(desk, priya.id, name="Priya Shah", tier="tier2",  # type: ignore[arg-type]
                           timezone="America/Chicago")
    assert _audits(desk, "technician", priya.id) == [  # type: ignore[arg-type]
        ("tier", "tier1", "tier2"), ("timezone", "America/New_York", "America/Chicago"),
    ]
    people.edit_technician(desk, priya.id, timezone="")  # type: ignore[arg-type]
    assert _tech(desk, "Priya Shah").timezone is None
    _refused(desk, lambda: people.edit_technician(desk, priya.id, timezone="Mars/Olympus"),  # type: ignore[arg-type]
             "unknown time zone 'Mars/Olympus'")


def test_the_last_admin_stays_admin(desk: Desk) -> None:
    jamie = _tech(desk, "Jamie Fox")
    _refused(desk, lambda: people.edit_technician(desk, jamie.id, role="technician"),  # type: ignore[arg-type]
             "Jamie Fox is the only active admin; make someone else admin first")
    _refused(desk, lambda: people.set_technician_active(desk, jamie.id, False),  # type: ignore[arg-type]
             "you cannot deactivate yourself")
    riley = _tech(desk, "Riley Chen")
    people.edit_technician(desk, riley.id, role="admin")  # type: ignore[arg-type]
    people.edit_technician(desk, jamie.id, role="director")  # type: ignore[arg-type]
    assert desk.me() is not None and desk.me().role == "director"  # type: ignore[union-attr]


def test_deactivating_someone_with_open_tickets_says_how_many(desk: Desk) -> None:
    sam = _tech(desk, "Sam Lee")
    assert sam.on_call
    held = _open_held(desk, sam.id)  # type: ignore[arg-type]
    assert held > 1
    _refused(desk, lambda: people.set_technician_active(desk, sam.id, False),  # type: ignore[arg-type]
             "Sam Lee leads Tier 2: choose another lead first")
    people.edit_group(desk, _group(desk, "Tier 2").id, lead_id=_tech(desk, "Priya Shah").id)  # type: ignore[arg-type]
    result = people.set_technician_active(desk, sam.id, False)  # type: ignore[arg-type]
    assert (result.active, result.open_tickets, result.was_on_call) == (False, held, True)
    assert result.describe() == (f"Sam Lee is deactivated and off call; they still hold "
                                 f"{held} open tickets: reassign them")
    after = _tech(desk, "Sam Lee")
    assert (after.active, after.on_call) == (False, False)
    assert _audits(desk, "technician", sam.id) == [("active", "True", "False"),  # type: ignore[arg-type]
                                                    ("on_call", "True", "False")]
    row = next(t for t in people.technicians(desk) if t.id == sam.id)
    assert (row.active, row.open_tickets) == (False, held)
    assert "Sam Lee" not in [o.name for o in desk.technicians()]  # gone from the pickers
    _refused(desk, lambda: people.set_on_call(desk, sam.id, True),  # type: ignore[arg-type]
             "Sam Lee is inactive; reactivate them before putting them on call")
    back = people.set_technician_active(desk, sam.id, True)  # type: ignore[arg-type]
    assert back.describe() == "Sam Lee is active again"


def test_a_lead_or_someone_rules_name_is_not_deactivated(desk: Desk) -> None:
    """Their groups' lead alerts and the rules' tickets and notifications would go to
    someone who left (review): refused, naming every group and rule, until fixed."""
    taylor = _tech(desk, "Taylor Reed")
    tid: int = taylor.id  # type: ignore[assignment]
    toner = rules.add_assignment_rule(desk, name="Toner to Taylor", phase="assign",
                                      conditions={"keywords": ["toner"]},
                                      actions={"technician": tid})
    _refused(desk, lambda: people.set_technician_active(desk, tid, False),
             "Taylor Reed leads General Support and Senior Tech and is named by assignment "
             "rule 'Toner to Taylor': choose another lead and edit the rule first")
    tell = rules.add_assignment_rule(desk, name="Tell Taylor", phase="notify",
                                     conditions={"priority": "P1"},
                                     actions={"notify": ["assignee", tid]})
    message = _refused(desk, lambda: people.set_technician_active(desk, tid, False))
    assert message.endswith("is named by assignment rules 'Toner to Taylor' and "
                            "'Tell Taylor': choose another lead and edit the rules first")
    for group in ("Senior Tech", "General Support"):
        people.edit_group(desk, _group(desk, group).id, lead_id=_tech(desk, "Priya Shah").id)  # type: ignore[arg-type]
    rules.delete_assignment_rule(desk, toner)
    _refused(desk, lambda: people.set_technician_active(desk, tid, False),
             "Taylor Reed is named by assignment rule 'Tell Taylor': edit the rule first")
    rules.edit_assignment_rule(desk, tell, name="Tell Taylor", phase="notify",
                               conditions={"priority": "P1"}, actions={"notify": ["assignee"]},
                               active=True)
    held = _open_held(desk, tid)
    result = people.set_technician_active(desk, tid, False)
    assert result.describe() == (f"Taylor Reed is deactivated; they still hold {held} open "
                                 "tickets: reassign them")
    assert not _tech(desk, "Taylor Reed").active
    # and no rule may name them again while they are away
    _refused(desk, lambda: rules.add_assignment_rule(
        desk, name="Back to Taylor", phase="notify", conditions={},
        actions={"notify": [tid]}), f"notify {tid}: Taylor Reed is inactive")


def test_on_call_toggle(desk: Desk) -> None:
    priya = _tech(desk, "Priya Shah")
    people.set_on_call(desk, priya.id, True)  # type: ignore[arg-type]
    assert _tech(desk, "Priya Shah").on_call
    assert _audits(desk, "technician", priya.id) == [("on_call", "False", "True")]  # type: ignore[arg-type]


# ---------------------------------------------------------------- groups


def test_add_group_with_lead_makes_them_a_member(desk: Desk) -> None:
    priya = _tech(desk, "Priya Shah")
    gid = people.add_group(desk, "Night shift", lead_id=priya.id)
    row = next(g for g in people.groups(desk) if g.id == gid)
    assert (row.lead_name, [m.name for m in row.members]) == ("Priya Shah", ["Priya Shah"])
    assert _audits(desk, "tech_group", gid) == [("created", None, "Night shift"),
                                                ("member", None, "Priya Shah"),
                                                ("lead", None, "Priya Shah")]
    chris = _tech(desk, "Chris Old")
    _refused(desk, lambda: people.add_group(desk, "night SHIFT", lead_id=chris.id),
             "there is already a group named 'Night shift'", "Chris Old is inactive")


def test_set_lead_makes_them_a_member(desk: Desk) -> None:
    tier2 = _group(desk, "Tier 2")
    priya = _tech(desk, "Priya Shah")
    assert "Priya Shah" not in _members(desk, tier2.id)  # type: ignore[arg-type]
    people.edit_group(desk, tier2.id, lead_id=priya.id)  # type: ignore[arg-type]
    row = next(g for g in people.groups(desk) if g.id == tier2.id)
    assert row.lead_name == "Priya Shah" and "Priya Shah" in {m.name for m in row.members}
    assert _audits(desk, "tech_group", tier2.id) == [("member", None, "Priya Shah"),  # type: ignore[arg-type]
                                                     ("lead", "Sam Lee", "Priya Shah")]
    people.edit_group(desk, tier2.id, lead_id=None)  # type: ignore[arg-type]
    assert _group(desk, "Tier 2").lead_id is None


def test_group_rename_rules(desk: Desk) -> None:
    tier2 = _group(desk, "Tier 2")
    _refused(desk, lambda: people.edit_group(desk, tier2.id, name="Second line"),  # type: ignore[arg-type]
             "hand-off to Tier 2 finds the 'Tier 2' group by its name")
    security = _group(desk, "Security Team")
    _refused(desk, lambda: people.edit_group(desk, security.id, name="network team"),  # type: ignore[arg-type]
             "there is already a group named 'Network Team'")
    people.edit_group(desk, security.id, name="SecOps")  # type: ignore[arg-type]
    assert _audits(desk, "tech_group", security.id) == [("name", "Security Team", "SecOps")]  # type: ignore[arg-type]


def test_members_add_and_remove(desk: Desk) -> None:
    security = _group(desk, "Security Team")
    priya, alex = _tech(desk, "Priya Shah"), _tech(desk, "Alex Morgan")
    casey = _tech(desk, "Casey Nguyen")  # the lead
    _refused(desk, lambda: people.add_members(desk, security.id, [priya.id, casey.id,  # type: ignore[arg-type, list-item]
                                                                  _tech(desk, "Chris Old").id]),
             "Casey Nguyen is already in Security Team", "Chris Old is inactive")
    people.add_members(desk, security.id, [priya.id, alex.id])  # type: ignore[arg-type, list-item]
    assert {"Priya Shah", "Alex Morgan"} <= _members(desk, security.id)  # type: ignore[arg-type]
    _refused(desk, lambda: people.remove_member(desk, security.id, casey.id),  # type: ignore[arg-type]
             "Casey Nguyen leads Security Team; choose another lead (or none)")
    people.remove_member(desk, security.id, priya.id)  # type: ignore[arg-type]
    with desk.db.session() as s:
        assert s.get(GroupMember, (security.id, priya.id)) is None
    assert _audits(desk, "tech_group", security.id)[-1] == ("member", "Priya Shah", None)  # type: ignore[arg-type]
    _refused(desk, lambda: people.remove_member(desk, security.id, priya.id),  # type: ignore[arg-type]
             "Priya Shah is not in Security Team")
