"""Rule administration on the demo database: order is meaning, so moves must keep positions
contiguous, be audited, and change what the next ticket gets; edits validate like add_rule."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from msp_tui.engine.vocabulary import Channel, PriorityCode
from msp_tui.services import rule_admin as ra
from msp_tui.services import tickets as svc
from msp_tui.services.desk import Desk
from msp_tui.store.models import (
    AssignmentRule,
    AuditEvent,
    Category,
    Client,
    EscalationRule,
    SlaProfile,
    TechGroup,
    Technician,
    Ticket,
)
from tests.conftest import FIXED_NOW

ADMIN = "jamie.fox@demo-msp.example"




def _positions(desk: Desk, model: type[AssignmentRule] | type[EscalationRule]) -> list[int]:
    with desk.db.session() as s:
        return [r.position for r in s.exec(select(model).order_by(model.position)).all()]  # type: ignore[arg-type]


def _audits(desk: Desk, entity: str, rule_id: int) -> list[tuple[str, str, str | None, str | None]]:
    with desk.db.session() as s:
        rows = s.exec(select(AuditEvent).where(AuditEvent.entity == entity,
                                               AuditEvent.entity_id == rule_id)
                      .order_by(AuditEvent.id)).all()  # type: ignore[arg-type]
        return [(a.actor, a.field, a.old_value, a.new_value) for a in rows]


def _phishing_p1_group(desk: Desk) -> str:
    """Group a new Platinum P1 phishing ticket lands in (both rule 1 and rule 3 match)."""
    with desk.db.session() as s:
        client_id = s.exec(select(Client.id).where(Client.name == "Contoso Legal")).one()
        category_id = s.exec(select(Category.id).where(Category.name == "Phishing")).one()
        ticket = svc.create_ticket(
            s, at=FIXED_NOW, subject="Suspicious mail", body="Someone clicked a link.",
            channel=Channel.EMAIL, priority=PriorityCode.P1, client_id=client_id,
            category_id=category_id,
        )
        group = s.get(TechGroup, ticket.group_id)
        assert group is not None
        return group.name


def test_lists_the_rules_in_order_with_names_not_ids(admin: Desk) -> None:
    rows = ra.assignment_rules(admin)
    assert [(r.position, r.phase, r.active) for r in rows][:2] == [(10, "assign", True),
                                                                  (20, "notify", True)]
    assert rows[0].summary == "profile Platinum · priority P1 → round robin in Senior Tech"
    assert rows[1].summary == ('profile Platinum · priority P1 → tell the group lead; '
                               '"Platinum P1 opened"')
    assert rows[2].summary == ("category Cybersecurity Incidents → round robin in "
                               "Security Team")
    assert rows[-1].summary == "every ticket → round robin in General Support"
    escalations = ra.escalation_rules(admin)
    assert escalations[1].summary == ("All profiles · at 90 % → notify operations manager, "
                                      "reassign to senior, status Escalated")
    assert escalations[-1].summary == ("Platinum · at 75 % → notify team lead, operations "
                                       "manager, add a senior secondary")
    assert escalations[4].summary.startswith("All profiles · idle 120 min →")


def test_moving_rule_three_to_the_top_changes_routing(admin: Desk) -> None:
    assert _phishing_p1_group(admin) == "Senior Tech"  # rule 1 wins today
    rows = ra.assignment_rules(admin)
    security = rows[2]
    assert ra.move_assignment_rule(admin, security.id, -1) == 2
    assert ra.move_assignment_rule(admin, security.id, -1) == 1
    assert ra.move_assignment_rule(admin, security.id, -1) == 1  # already first: stays
    after = ra.assignment_rules(admin)
    assert [r.name for r in after][:3] == [security.name, rows[0].name, rows[1].name]
    assert _positions(admin, AssignmentRule) == [1, 2, 3, 4, 5, 6]
    assert _audits(admin, ra.ASSIGNMENT, security.id)[-2:] == [
        ("Jamie Fox", "position", "30", "2"),
        ("Jamie Fox", "position", "2", "1"),
    ]
    assert ("Jamie Fox", "position", "1", "2") in _audits(admin, ra.ASSIGNMENT, rows[0].id)
    # a new session reads the new order: the moved rule's action wins now
    assert _phishing_p1_group(admin) == "Security Team"
    # and back down again
    assert ra.move_assignment_rule(admin, security.id, 1) == 2
    assert _phishing_p1_group(admin) == "Senior Tech"


def test_disable_delete_and_edit_keep_the_list_consistent(admin: Desk) -> None:
    rows = ra.assignment_rules(admin)
    ra.set_assignment_rule_active(admin, rows[0].id, False)
    assert _phishing_p1_group(admin) == "Security Team"  # disabled rules never match
    assert _audits(admin, ra.ASSIGNMENT, rows[0].id)[-1] == ("Jamie Fox", "active", "True",
                                                              "False")
    ra.delete_assignment_rule(admin, rows[1].id)
    assert _positions(admin, AssignmentRule) == [1, 2, 3, 4, 5]
    with admin.db.session() as s:
        senior = s.exec(select(TechGroup.id).where(TechGroup.name == "Senior Tech")).one()
        sam = s.exec(select(Technician).where(Technician.active == True)).first()  # noqa: E712
        assert sam is not None
    ra.edit_assignment_rule(admin, rows[2].id, name="Security to a person", phase="assign",
                            conditions={"category": rows[2].conditions["category"]},
                            actions={"technician": sam.id, "group": senior},
                            active=True)
    edited = next(r for r in ra.assignment_rules(admin) if r.id == rows[2].id)
    assert edited.summary == (f"category Cybersecurity Incidents → technician {sam.name}; "
                              "group Senior Tech")
    fields = [a[1] for a in _audits(admin, ra.ASSIGNMENT, rows[2].id)]
    assert fields[-2:] == ["name", "actions"]
    new_id = ra.add_assignment_rule(admin, name="VIPs first", phase="notify",
                                    conditions={"vip": True}, actions={"notify": ["assignee"]})
    assert ra.assignment_rules(admin)[-1].id == new_id
    assert _positions(admin, AssignmentRule) == [1, 2, 3, 4, 5, 6]


def test_a_bad_edit_names_every_problem_and_writes_nothing(admin: Desk) -> None:
    rule = ra.assignment_rules(admin)[0]
    with pytest.raises(svc.ServiceError) as err:
        ra.edit_assignment_rule(admin, rule.id, name="", phase="assign",
                                conditions={"priorty": "P1"}, actions={"group": 999},
                                active=True)
    message = str(err.value)
    assert "a rule needs a name" in message
    assert "unknown condition 'priorty'" in message
    with pytest.raises(svc.ServiceError, match="group 999: no such tech group"):
        ra.edit_assignment_rule(admin, rule.id, name="x", phase="assign",
                                conditions={}, actions={"group": 999}, active=True)
    assert ra.assignment_rules(admin)[0] == rule


def test_only_admins_change_rules(demo_desk: Desk) -> None:
    rule = ra.assignment_rules(demo_desk)[0]
    with pytest.raises(svc.ServiceError, match="only admins"):
        ra.move_assignment_rule(demo_desk, rule.id, 1)
    with pytest.raises(svc.ServiceError, match="only admins"):
        ra.set_escalation_rule_active(demo_desk, ra.escalation_rules(demo_desk)[0].id, False)


def _escalation_order(s: Session) -> list[tuple[int | None, str]]:
    return [(r.profile_id, r.trigger) for r in s.exec(
        select(EscalationRule).order_by(EscalationRule.position)).all()]  # type: ignore[arg-type]


def test_escalation_rules_reorder_disable_edit(admin: Desk) -> None:
    rules = ra.escalation_rules(admin)
    platinum = rules[-1]
    assert ra.move_escalation_rule(admin, platinum.id, -1) == len(rules) - 1
    assert _positions(admin, EscalationRule) == list(range(1, len(rules) + 1))
    assert _audits(admin, ra.ESCALATION, platinum.id)[-1][1:3] == ("position", "60")
    ra.set_escalation_rule_active(admin, rules[1].id, False)
    with admin.db.session() as s:
        assert s.get(EscalationRule, rules[1].id).active is False  # type: ignore[union-attr]
        gold = s.exec(select(SlaProfile.id).where(SlaProfile.name == "Gold")).one()
    ra.edit_escalation_rule(admin, rules[1].id, profile_id=gold, trigger="90",
                            actions={"alert": ["team_lead"], "status": "escalated"},
                            active=True)
    edited = next(r for r in ra.escalation_rules(admin) if r.id == rules[1].id)
    assert edited.summary == "Gold · at 90 % → notify team lead, status Escalated"
    with pytest.raises(svc.ServiceError) as err:
        ra.edit_escalation_rule(admin, rules[1].id, profile_id=999, trigger="95x",
                                actions={"alert": ["nobody"]}, active=True)
    assert "unknown trigger '95x'" in str(err.value)
    assert "alert 'nobody'" in str(err.value)
    assert "profile 999: no such SLA profile" in str(err.value)
    new_id = ra.add_escalation_rule(admin, profile_id=None, trigger="50",
                                    actions={"alert": ["assignee"]})
    ra.delete_escalation_rule(admin, rules[0].id)
    after = ra.escalation_rules(admin)
    assert after[-1].id == new_id
    assert [r.position for r in after] == list(range(1, len(after) + 1))
    with admin.db.session() as s:
        assert s.exec(select(Ticket).limit(1)).first() is not None  # nothing else touched


def test_an_edit_may_not_name_an_inactive_technician(admin: Desk) -> None:
    """Chris Old left (inactive in the demo): a rule naming him would hand tickets or
    notifications to nobody, so the edit is refused naming him."""
    with pytest.raises(svc.ServiceError) as err:
        ra.edit_assignment_rule(admin, 6, name="Everything else to Chris", phase="assign",
                                conditions={}, actions={"technician": 12}, active=True)
    assert str(err.value) == ("rule 'Everything else to Chris': technician 12: Chris Old is "
                              "inactive")
    with admin.db.session() as s:
        assert s.get(AssignmentRule, 6).actions == {"group": 6, "round_robin": True}  # type: ignore[union-attr]
