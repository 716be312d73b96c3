"""Master/child ticket links: which parent a ticket may be filed under.

An MSP opens one master ticket for an incident that hits many users (the mail server is
down) and files each caller's ticket under it as a child, so the work is done and closed
once. The rules, checked before a link is written:

- a ticket cannot be its own parent;
- no loops: the child must not already be among the parent's ancestors;
- a closed ticket cannot become a parent (nothing is worked under it any more);
- one level only, master/child: the parent must not itself have a parent, and a ticket
  that is already a master (has children) cannot become a child. Deeper trees would
  make "close the master, then its children" ambiguous and the queue hard to read.

Resolving or closing a master may cascade to its open children (`cascade_targets`), and
a ticket may be marked a duplicate of one original (`validate_duplicate`: no chains, no
cycles). Unlinking (no parent) is always allowed. Tickets are named by their number here, so the
messages can say which ticket is at fault; any unique integer identity works the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from msp_tui.engine.vocabulary import StatusCategory


class LinkError(ValueError):
    """A parent link the desk does not allow; the message says why."""


def parse_ticket_number(text: str) -> int | None:
    """A ticket number as typed: "1234" or "#1234"; empty means none (unlink)."""
    typed = text.strip()
    if not typed:
        return None
    digits = typed.removeprefix("#").strip()
    if not digits.isdecimal():
        raise LinkError(f"{typed!r} is not a ticket number; type e.g. 1234 or #1234")
    number = int(digits)
    if number <= 0:
        raise LinkError("ticket numbers start at 1")
    return number


def validate_parent(
    child: int,
    parent: int | None,
    parent_ancestors: Sequence[int],
    parent_is_closed: bool,
    *,
    child_has_children: bool = False,
) -> None:
    """Raise `LinkError` unless `child` may be filed under `parent` (None unlinks).

    `parent_ancestors` lists the parent's own parent first, then its parent, and so on.
    """
    if parent is None:
        return
    if parent == child:
        raise LinkError(f"#{child} cannot be its own parent")
    if child in parent_ancestors:
        raise LinkError(f"#{parent} is already under #{child}: linking would make a loop")
    if parent_is_closed:
        raise LinkError(f"#{parent} is closed: a closed ticket cannot become a parent")
    if parent_ancestors:
        raise LinkError(
            f"#{parent} is itself a child of #{parent_ancestors[0]}: "
            "tickets nest one level only (master/child); link to the master instead"
        )
    if child_has_children:
        raise LinkError(
            f"#{child} is a master with children of its own: a master cannot become a child"
        )


# ---------------------------------------------------------------- several numbers at once


def parse_ticket_numbers(text: str) -> tuple[list[int], list[int]]:
    """Numbers typed for a master's children: "1301, #1302 -1303" -> ([1301, 1302], [1303]).

    A leading minus takes that child out; commas and spaces both separate. Each number is
    kept once, in the order typed, so one mistyped entry names itself in the error.
    """
    add: list[int] = []
    remove: list[int] = []
    for word in text.replace(",", " ").split():
        into = remove if word.startswith("-") else add
        number = parse_ticket_number(word.removeprefix("-"))
        if number is None:
            raise LinkError(f"{word!r} is not a ticket number; type e.g. 1301, #1302 or -1303")
        if number not in add and number not in remove:
            into.append(number)
    return add, remove


# ---------------------------------------------------------------- cascades

# Children still being worked: these follow the master; resolved and closed ones are done.
_OPEN_CATEGORIES = frozenset({StatusCategory.OPEN, StatusCategory.PAUSED})
# Master moves that offer to take the open children along.
_CASCADING_CATEGORIES = frozenset({StatusCategory.RESOLVED, StatusCategory.CLOSED})


@dataclass(frozen=True)
class ChildFacts:
    """A child ticket as a cascade sees it: who, and its status category."""

    number: int
    status_category: str


def open_children(children: Sequence[ChildFacts]) -> list[int]:
    """The children a reply on the master also goes to: open or paused, in given order."""
    return [c.number for c in children if c.status_category in _OPEN_CATEGORIES]


def cascade_targets(children: Sequence[ChildFacts], target_category: str) -> list[int]:
    """The children that follow the master into `target_category`.

    Only resolving or closing cascades (reopening a master says nothing about its
    children), and only open or paused children move: one already resolved or closed was
    finished on its own terms and is left as it is.
    """
    if target_category not in _CASCADING_CATEGORIES:
        return []
    return open_children(children)


# ---------------------------------------------------------------- duplicates


def validate_duplicate(
    ticket: int,
    original: int | None,
    *,
    ticket_duplicate_of: int | None,
    original_duplicate_of: int | None,
    duplicates_of_ticket: Sequence[int] = (),
) -> None:
    """Raise `LinkError` unless `ticket` may be marked a duplicate of `original` (None
    unmarks, always allowed).

    A duplicate points at one original, and an original is never itself a duplicate: no
    chains, so "what is the real ticket?" is always one step away, and no cycles.
    `duplicates_of_ticket` are the tickets already marked duplicates of `ticket`.
    """
    if original is None:
        return
    if original == ticket:
        raise LinkError(f"#{ticket} cannot be a duplicate of itself")
    if ticket_duplicate_of is not None and ticket_duplicate_of != original:
        raise LinkError(
            f"#{ticket} is already a duplicate of #{ticket_duplicate_of}: "
            "unmark it first (a ticket duplicates one original)"
        )
    if original_duplicate_of == ticket or original in duplicates_of_ticket:
        raise LinkError(
            f"#{original} is a duplicate of #{ticket}: marking #{ticket} a duplicate of "
            f"#{original} would make a cycle"
        )
    if original_duplicate_of is not None:
        raise LinkError(
            f"#{original} is itself a duplicate of #{original_duplicate_of}: "
            f"mark #{ticket} a duplicate of #{original_duplicate_of} instead (no chains)"
        )
    if duplicates_of_ticket:
        named = ", ".join(f"#{n}" for n in sorted(duplicates_of_ticket)[:5])
        more = len(duplicates_of_ticket) - 5
        named += f" +{more} more" if more > 0 else ""
        raise LinkError(
            f"#{ticket} is the original of {named}: an original cannot itself be a "
            "duplicate (no chains); unmark those first"
        )
