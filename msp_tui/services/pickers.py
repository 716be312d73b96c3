"""What the new-ticket form may offer: picker options and the priority matrix.

Each function opens one short session through the desk, so a screen never holds a
session or runs SQL; the matrix lookup itself is pure, so the form recomputes the
priority on every keystroke without touching the database.
"""

from __future__ import annotations

from dataclasses import dataclass

from msp_tui.engine.vocabulary import Level, PriorityCode
from msp_tui.services.desk import Desk
from msp_tui.store import picker_queries as q
from msp_tui.store.picker_queries import (
    AssetOption,
    CategoryOption,
    ClientOption,
    ContactOption,
    PriorityOption,
)

Matrix = dict[tuple[str, str], str]

__all__ = [
    "AssetOption",
    "CategoryOption",
    "ClientOption",
    "ContactOption",
    "FormChoices",
    "Matrix",
    "PriorityOption",
    "assets",
    "categories",
    "clients",
    "contacts",
    "form_choices",
    "lookup_priority",
    "priorities",
    "priority_for",
    "priority_matrix",
    "ticket_number",
]


@dataclass(frozen=True)
class FormChoices:
    """Everything the form needs before a client is chosen, read in one transaction."""

    clients: tuple[ClientOption, ...]
    categories: tuple[CategoryOption, ...]
    priorities: tuple[PriorityOption, ...]
    matrix: Matrix


def form_choices(desk: Desk) -> FormChoices:
    with desk.db.session() as s:
        return FormChoices(
            clients=tuple(q.client_options(s)),
            categories=tuple(q.category_options(s)),
            priorities=tuple(q.priority_options(s)),
            matrix=q.priority_matrix(s),
        )


def clients(desk: Desk) -> list[ClientOption]:
    with desk.db.session() as s:
        return q.client_options(s)


def contacts(desk: Desk, client_id: int) -> list[ContactOption]:
    with desk.db.session() as s:
        return q.contact_options(s, client_id)


def assets(desk: Desk, client_id: int) -> list[AssetOption]:
    with desk.db.session() as s:
        return q.asset_options(s, client_id)


def categories(desk: Desk) -> list[CategoryOption]:
    with desk.db.session() as s:
        return q.category_options(s)


def priorities(desk: Desk) -> list[PriorityOption]:
    with desk.db.session() as s:
        return q.priority_options(s)


def priority_matrix(desk: Desk) -> Matrix:
    with desk.db.session() as s:
        return q.priority_matrix(s)


def priority_for(matrix: Matrix, impact: Level | str, urgency: Level | str) -> PriorityCode | None:
    """The matrix cell for impact x urgency; None when the admin left that cell empty."""
    code = matrix.get((str(impact), str(urgency)))
    return PriorityCode(code) if code in PriorityCode.__members__.values() else None


def lookup_priority(desk: Desk, impact: Level | str, urgency: Level | str) -> PriorityCode | None:
    """`priority_for` on the stored matrix, for callers that do not keep it around."""
    return priority_for(priority_matrix(desk), impact, urgency)


def ticket_number(desk: Desk, ticket_id: int) -> int | None:
    """The number to tell the user after `Desk.create_ticket`, which returns the id."""
    with desk.db.session() as s:
        return q.ticket_number(s, ticket_id)
