"""Which status changes are allowed, and what each one does to the SLA clocks.

One table for every status, keyed by *category*, so a status added later (a row with a
category) inherits both its transitions and its clock behaviour without code.
"""

from __future__ import annotations

from enum import StrEnum

from msp_tui.engine.vocabulary import StatusCategory as C


class ClockEffect(StrEnum):
    """What a transition means for the ticket's clocks."""

    NONE = "none"  # e.g. New -> In Progress, or one pause status to another
    PAUSE = "pause"  # work waits on someone else: resolution and update clocks pause
    RESUME = "resume"  # back to work: paused clocks resume
    RESOLVE = "resolve"  # resolution met (or stopped late); response too if unanswered
    REOPEN = "reopen"  # the stopped resolution clock counts on from where it stopped
    CLOSE = "close"  # everything still active stops


class TransitionError(ValueError):
    """A status change the desk does not allow; the message says why."""


# (from, to) -> effect; a pair that is missing is not allowed.
TRANSITIONS: dict[tuple[C, C], ClockEffect] = {
    (C.OPEN, C.OPEN): ClockEffect.NONE,
    (C.OPEN, C.PAUSED): ClockEffect.PAUSE,
    (C.OPEN, C.RESOLVED): ClockEffect.RESOLVE,
    (C.OPEN, C.CLOSED): ClockEffect.CLOSE,
    (C.PAUSED, C.OPEN): ClockEffect.RESUME,
    (C.PAUSED, C.PAUSED): ClockEffect.NONE,
    (C.PAUSED, C.RESOLVED): ClockEffect.RESOLVE,
    (C.PAUSED, C.CLOSED): ClockEffect.CLOSE,
    (C.RESOLVED, C.OPEN): ClockEffect.REOPEN,
    (C.RESOLVED, C.RESOLVED): ClockEffect.NONE,
    (C.RESOLVED, C.CLOSED): ClockEffect.CLOSE,
    # Closed is final: a customer writing again opens a new, related ticket.
}


def effective_category(category: C | str, *, profile_pauses: bool = False) -> C:
    """An open status that the ticket's profile lists as a pause status acts as paused."""
    cat = C(category)
    return C.PAUSED if profile_pauses and cat == C.OPEN else cat


def transition(old: C | str, new: C | str) -> ClockEffect:
    """The clock effect of moving between two (effective) status categories."""
    old_c, new_c = C(old), C(new)
    effect = TRANSITIONS.get((old_c, new_c))
    if effect is None:
        if old_c == C.CLOSED:
            raise TransitionError("a closed ticket cannot change status; open a new ticket")
        raise TransitionError(f"cannot move a ticket from {old_c} to {new_c}")
    return effect
