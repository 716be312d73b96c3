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

Unlinking (no parent) is always allowed. Tickets are named by their number here, so the
messages can say which ticket is at fault; any unique integer identity works the same.
"""

from __future__ import annotations

from collections.abc import Sequence


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
