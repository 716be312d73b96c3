"""Every pair of status categories: allowed with its clock effect, or refused with why."""

from __future__ import annotations

import itertools

import pytest

from msp_tui.engine.lifecycle import TRANSITIONS, ClockEffect, TransitionError, transition
from msp_tui.engine.vocabulary import StatusCategory as C

E = ClockEffect

# The whole table written out by hand, so a change to it is a deliberate test change.
EXPECTED: dict[tuple[C, C], ClockEffect | None] = {
    (C.OPEN, C.OPEN): E.NONE,
    (C.OPEN, C.PAUSED): E.PAUSE,
    (C.OPEN, C.RESOLVED): E.RESOLVE,
    (C.OPEN, C.CLOSED): E.CLOSE,
    (C.PAUSED, C.OPEN): E.RESUME,
    (C.PAUSED, C.PAUSED): E.NONE,
    (C.PAUSED, C.RESOLVED): E.RESOLVE,
    (C.PAUSED, C.CLOSED): E.CLOSE,
    (C.RESOLVED, C.OPEN): E.REOPEN,  # a reply reopens the same ticket; the clock resumes
    (C.RESOLVED, C.PAUSED): None,  # reopen first, then wait
    (C.RESOLVED, C.RESOLVED): E.NONE,
    (C.RESOLVED, C.CLOSED): E.CLOSE,  # auto-close after the grace period
    (C.CLOSED, C.OPEN): None,
    (C.CLOSED, C.PAUSED): None,
    (C.CLOSED, C.RESOLVED): None,
    (C.CLOSED, C.CLOSED): None,
}


def test_expected_covers_every_pair() -> None:
    assert set(EXPECTED) == set(itertools.product(C, C))


@pytest.mark.parametrize(
    ("old", "new"), [pair for pair, effect in EXPECTED.items() if effect is not None]
)
def test_allowed(old: C, new: C) -> None:
    assert transition(old, new) == EXPECTED[old, new]
    assert transition(str(old), str(new)) == EXPECTED[old, new]  # stored strings work too


@pytest.mark.parametrize(
    ("old", "new"), [pair for pair, effect in EXPECTED.items() if effect is None]
)
def test_refused(old: C, new: C) -> None:
    expected = "new ticket" if old == C.CLOSED else f"from {old} to {new}"
    with pytest.raises(TransitionError, match=expected):
        transition(old, new)


def test_table_has_nothing_else() -> None:
    assert {k: v for k, v in EXPECTED.items() if v is not None} == TRANSITIONS


def test_unknown_category_is_an_error() -> None:
    with pytest.raises(ValueError):
        transition("open", "archived")
