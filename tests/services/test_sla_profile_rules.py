"""SLA profiles and the assignment rules that name them by name (review findings): a
rename follows into the rules in the same transaction, and a rule naming no profile is
refused instead of silently never matching."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from msp_tui.engine.vocabulary import Channel, PriorityCode, RulePhase
from msp_tui.services import assignment, sla_admin
from msp_tui.services import tickets as svc
from msp_tui.services.desk import Desk
from msp_tui.store.models import AssignmentRule, AuditEvent, Client, SlaProfile, TechGroup, Ticket
from tests.conftest import FIXED_NOW


def _contoso_p1(s: Session) -> Ticket:
    """A new Platinum (Contoso Legal) P1 ticket, through intake and its rules."""
    client = s.exec(select(Client).where(Client.name == "Contoso Legal")).one()
    return svc.create_ticket(s, at=FIXED_NOW, subject="Server down", body="help",
                             channel=Channel.EMAIL, priority=PriorityCode.P1,
                             client_id=client.id)


def test_renaming_a_profile_renames_it_in_the_assignment_rules_naming_it(
    admin: Desk,
) -> None:
    """Rules name profiles by name: a rename must not silently orphan them (review)."""
    with admin.db.session() as s:
        s.add(AssignmentRule(position=70, name="Gold or Platinum P2", phase="assign",
                             conditions={"sla_profile": ["Gold", "PLATINUM"], "priority": "P2"},
                             actions={"group": 1}, created_at=FIXED_NOW))
    actor = admin.actor()
    with admin.db.session() as s:
        platinum = s.exec(select(SlaProfile).where(SlaProfile.name == "Platinum")).one()
        assert assignment.rules(s)[0].conditions["sla_profile"] == "Platinum"  # now cached
        sla_admin.update_profile(s, platinum.id, name="Platinum 2027", at=FIXED_NOW,  # type: ignore[arg-type]
                                 actor=actor)
        # the transaction's rule cache was dropped: intake right after sees the new name
        assert assignment.rules(s)[0].conditions["sla_profile"] == "Platinum 2027"
    with admin.db.session() as s:
        conditions = {r.name: r.conditions for r in s.exec(select(AssignmentRule))}
        assert conditions["Platinum P1 to Senior Tech"]["sla_profile"] == "Platinum 2027"
        assert conditions["Platinum P1: tell the team lead"]["sla_profile"] == "Platinum 2027"
        assert conditions["Gold or Platinum P2"]["sla_profile"] == ["Gold", "Platinum 2027"]
        audits = s.exec(select(AuditEvent).where(AuditEvent.entity == "assignment_rule",
                                                 AuditEvent.field == "conditions")).all()
        assert len(audits) == 3
        assert {(a.actor, a.reason) for a in audits} == {
            (actor.name, "SLA profile 'Platinum' renamed to 'Platinum 2027'")}
        assert all('"Platinum 2027"' in (a.new_value or "") for a in audits)
        assert all('"Platinum"' in (a.old_value or "") or '"PLATINUM"' in (a.old_value or "")
                   for a in audits)
        ticket = _contoso_p1(s)
        assert s.get(TechGroup, ticket.group_id).name == "Senior Tech"  # type: ignore[union-attr]


def test_a_rule_naming_no_profile_is_refused(admin: Desk) -> None:
    with admin.db.session() as s, pytest.raises(svc.ServiceError) as err:
        assignment.add_rule(s, name="typo", phase=RulePhase.ASSIGN,
                            conditions={"sla_profile": ["gold", "Platnum"]},
                            actions={"group": 1}, at=FIXED_NOW, actor=svc.SYSTEM)
    assert str(err.value) == ("rule 'typo': sla_profile 'Platnum': no SLA profile has that "
                              "name")
    with admin.db.session() as s:  # any case matches, as intake does
        assignment.add_rule(s, name="fine", phase=RulePhase.ASSIGN,
                            conditions={"sla_profile": "PLATINUM"}, actions={"group": 1},
                            at=FIXED_NOW, actor=svc.SYSTEM)
