"""Master/child links: each rule on its own, and the ticket number as people type it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from msp_tui.engine.links import LinkError, parse_ticket_number, validate_parent


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
