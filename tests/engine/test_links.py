"""Master/child links: each rule on its own, and the ticket number as people type it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from msp_tui.engine.links import (
    ChildFacts,
    LinkError,
    cascade_targets,
    open_children,
    parse_ticket_number,
    parse_ticket_numbers,
    validate_duplicate,
    validate_parent,
)


@pytest.mark.parametrize(
    ("typed", "number"),
    [("1234", 1234), ("#1234", 1234), ("  # 1234 ", 1234), ("", None), ("   ", None)],
)
def test_ticket_numbers_as_typed(typed: str, number: int | None) -> None:
    assert parse_ticket_number(typed) == number


@pytest.mark.parametrize("typed", ["abc", "#", "12a", "-5", "1.5", "##12", "0", "#0"])
def test_what_is_not_a_ticket_number(typed: str) -> None:
    with pytest.raises(LinkError):
        parse_ticket_number(typed)


def test_unlinking_is_always_allowed() -> None:
    validate_parent(1301, None, [], False)
    validate_parent(1301, None, [], True, child_has_children=True)


def test_a_ticket_under_an_open_master() -> None:
    validate_parent(1301, 1234, [], False)


def test_not_its_own_parent() -> None:
    with pytest.raises(LinkError, match="#1301 cannot be its own parent"):
        validate_parent(1301, 1301, [], False)


def test_no_loops() -> None:
    # #1302 is a child of #1301: #1301 may not go under #1302.
    with pytest.raises(LinkError, match="loop"):
        validate_parent(1301, 1302, [1301], False)
    # further up too (data from before the one-level rule, or imported)
    with pytest.raises(LinkError, match="loop"):
        validate_parent(1301, 1303, [1302, 1301], False)


def test_a_loop_is_named_before_any_other_rule() -> None:
    with pytest.raises(LinkError, match="loop"):
        validate_parent(1301, 1302, [1301], True, child_has_children=True)


def test_a_closed_ticket_cannot_become_a_parent() -> None:
    with pytest.raises(LinkError, match="#1234 is closed"):
        validate_parent(1301, 1234, [], True)


def test_one_level_only_the_parent_must_be_a_master() -> None:
    with pytest.raises(LinkError, match="#1234 is itself a child of #1200"):
        validate_parent(1301, 1234, [1200], False)


def test_one_level_only_a_master_cannot_become_a_child() -> None:
    with pytest.raises(LinkError, match="#1301 is a master"):
        validate_parent(1301, 1234, [], False, child_has_children=True)


def test_link_error_is_a_value_error() -> None:
    assert issubclass(LinkError, ValueError)


@given(
    child=st.integers(1, 50),
    parent=st.integers(1, 50),
    ancestors=st.lists(st.integers(1, 50), max_size=4, unique=True),
    closed=st.booleans(),
    has_children=st.booleans(),
)
def test_allowed_exactly_when_every_rule_holds(
    child: int, parent: int, ancestors: list[int], closed: bool, has_children: bool
) -> None:
    allowed = (
        parent != child
        and child not in ancestors
        and not closed
        and not ancestors
        and not has_children
    )
    try:
        validate_parent(child, parent, ancestors, closed, child_has_children=has_children)
    except LinkError:
        assert not allowed
    else:
        assert allowed


# ---------------------------------------------------------------- several numbers


def test_children_numbers_as_typed() -> None:
    assert parse_ticket_numbers("1301, #1302 -1303,,1301") == ([1301, 1302], [1303])
    assert parse_ticket_numbers("  ") == ([], [])
    with pytest.raises(LinkError, match="'x12' is not a ticket number"):
        parse_ticket_numbers("1301 x12")
    with pytest.raises(LinkError):
        parse_ticket_numbers("-")


# ---------------------------------------------------------------- cascades

CHILDREN = [
    ChildFacts(1301, "open"),
    ChildFacts(1302, "paused"),
    ChildFacts(1303, "resolved"),
    ChildFacts(1304, "closed"),
]


@pytest.mark.parametrize("target", ["resolved", "closed"])
def test_resolving_or_closing_cascades_to_open_and_paused_children(target: str) -> None:
    assert cascade_targets(CHILDREN, target) == [1301, 1302]


@pytest.mark.parametrize("target", ["open", "paused"])
def test_other_moves_do_not_cascade(target: str) -> None:
    assert cascade_targets(CHILDREN, target) == []


def test_no_children_no_cascade() -> None:
    assert cascade_targets([], "resolved") == []
    assert open_children([ChildFacts(1, "resolved"), ChildFacts(2, "closed")]) == []


def test_a_reply_goes_to_the_open_children() -> None:
    assert open_children(CHILDREN) == [1301, 1302]


@given(st.lists(st.sampled_from(["open", "paused", "resolved", "closed"]), max_size=8))
def test_finished_children_are_never_touched(categories: list[str]) -> None:
    children = [ChildFacts(i + 1, c) for i, c in enumerate(categories)]
    moved = set(cascade_targets(children, "closed"))
    for child in children:
        assert (child.number in moved) == (child.status_category in ("open", "paused"))


# ---------------------------------------------------------------- duplicates


def dup(ticket: int, original: int | None, *, of: int | None = None,
        original_of: int | None = None, duplicates: tuple[int, ...] = ()) -> None:
    validate_duplicate(ticket, original, ticket_duplicate_of=of,
                       original_duplicate_of=original_of, duplicates_of_ticket=duplicates)


def test_a_plain_duplicate_is_allowed() -> None:
    dup(1301, 1200)
    dup(1301, 1200, of=1200)  # already so: nothing to refuse
    dup(1301, None, of=1200, duplicates=(1400,))  # unmarking is always allowed


def test_not_a_duplicate_of_itself() -> None:
    with pytest.raises(LinkError, match="#1301 cannot be a duplicate of itself"):
        dup(1301, 1301)


def test_an_original_cannot_itself_be_a_duplicate() -> None:
    with pytest.raises(LinkError, match=r"#1200 is itself a duplicate of #1100: "
                       r"mark #1301 a duplicate of #1100 instead \(no chains\)"):
        dup(1301, 1200, original_of=1100)


def test_a_ticket_others_duplicate_cannot_become_a_duplicate() -> None:
    with pytest.raises(LinkError, match=r"#1301 is the original of #1400, #1401: "
                       r"an original cannot itself be a duplicate"):
        dup(1301, 1200, duplicates=(1401, 1400))


def test_one_original_at_a_time() -> None:
    with pytest.raises(LinkError, match="#1301 is already a duplicate of #1100: unmark it first"):
        dup(1301, 1200, of=1100)


def test_no_cycles() -> None:
    with pytest.raises(LinkError, match="would make a cycle"):
        dup(1301, 1200, original_of=1301)
    with pytest.raises(LinkError, match="would make a cycle"):
        dup(1301, 1200, duplicates=(1200,))


@given(
    ticket=st.integers(1, 6),
    original=st.integers(1, 6),
    of=st.none() | st.integers(1, 6),
    original_of=st.none() | st.integers(1, 6),
    duplicates=st.lists(st.integers(1, 6), max_size=3, unique=True),
)
def test_duplicate_allowed_exactly_when_no_rule_is_broken(
    ticket: int, original: int, of: int | None, original_of: int | None, duplicates: list[int]
) -> None:
    allowed = (
        ticket != original
        and of in (None, original)
        and original_of is None
        and not duplicates
    )
    try:
        dup(ticket, original, of=of, original_of=original_of, duplicates=tuple(duplicates))
    except LinkError:
        assert not allowed
    else:
        assert allowed
