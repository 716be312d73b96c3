"""Escalation rule rows turned into engine specs: the one loader.

Both the escalation job (`services/escalation.py`) and the ticket services' idle index
(`tickets.idle_window`) read rules through here, so they can never disagree about which
rules count (active and valid). It lives apart from the job because the job imports the
ticket services, which need the rules too.
"""

from __future__ import annotations

import logging

from sqlmodel import Session, select

from msp_tui.engine import escalation as esc
from msp_tui.store.models import EscalationRule

log = logging.getLogger(__name__)


def spec_of(row: EscalationRule) -> esc.EscalationSpec:
    return esc.EscalationSpec(row.id, row.profile_id, row.trigger, row.position,
                              dict(row.actions or {}), row.active)


def load_rules(s: Session, trigger: str | None = None) -> list[esc.EscalationSpec]:
    """Active, valid rules (of one trigger, if given); a row broken by hand is skipped
    (and logged), not fatal."""
    query = select(EscalationRule).where(EscalationRule.active == True)  # noqa: E712
    if trigger is not None:
        query = query.where(EscalationRule.trigger == trigger)
    out = []
    for row in s.exec(query).all():
        spec = spec_of(row)
        problems = spec.validate()
        if problems:
            log.warning("escalation rule %s skipped: %s", row.id, "; ".join(problems))
        else:
            out.append(spec)
    return out
