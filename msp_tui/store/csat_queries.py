"""Satisfaction results for the dashboards: answered surveys per window, by client,
technician (the assignee when the ticket closed) and priority, aggregated in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session

from msp_tui.store.kpi_queries import (
    BY_CLIENT,
    BY_PRIORITY,
    BY_TECHNICIAN,
    NO_CLIENT,
    UNASSIGNED,
)
from msp_tui.store.models import Client, CsatSurvey, Technician, Ticket

POSITIVE_FROM = 4  # ratings 4 and 5 count as satisfied


@dataclass(frozen=True)
class CsatCount:
    """Answers in one window: how many, the sum of ratings and how many were 4-5."""

    answers: int = 0
    rating_sum: int = 0
    positive: int = 0

    @property
    def average(self) -> float | None:
        return self.rating_sum / self.answers if self.answers else None

    @property
    def satisfied(self) -> float | None:
        return self.positive / self.answers if self.answers else None

    def __add__(self, other: CsatCount) -> CsatCount:
        return CsatCount(self.answers + other.answers, self.rating_sum + other.rating_sum,
                         self.positive + other.positive)


@dataclass(frozen=True)
class CsatResults:
    overall: tuple[CsatCount, ...]  # per window, in the order of `window_starts`
    groups: dict[str, dict[str, tuple[CsatCount, ...]]]  # group -> key -> per window


def csat_results(
    session: Session, window_starts: Sequence[datetime], *, technician_id: int | None = None
) -> CsatResults:
    """Ratings answered since each start (the windows nest: today, 7, 30 days).

    One grouped statement: each answer lands in the narrowest window holding it, and the
    wider windows are running sums of those buckets.
    """
    starts = sorted(window_starts, reverse=True)  # narrowest (latest) first
    order = [starts.index(w) for w in window_starts]
    tech = aliased(Technician)
    bucket = sa.case(
        *((CsatSurvey.answered_at >= start, i) for i, start in enumerate(starts)),  # type: ignore[operator]
        else_=len(starts),
    ).label("bucket")
    client = sa.func.coalesce(Client.name, NO_CLIENT).label("client")
    assignee = sa.func.coalesce(tech.name, UNASSIGNED).label("technician")
    stmt = (
        sa.select(
            bucket, client, assignee, Ticket.priority,
            sa.func.count(), sa.func.sum(CsatSurvey.rating),
            sa.func.sum(sa.case((CsatSurvey.rating >= POSITIVE_FROM, 1), else_=0)),  # type: ignore[operator]
        )
        .select_from(CsatSurvey)
        .join(Ticket, Ticket.id == CsatSurvey.ticket_id)
        .outerjoin(Client, Client.id == CsatSurvey.client_id)
        .outerjoin(tech, tech.id == CsatSurvey.technician_id)
        .where(
            CsatSurvey.answered_at >= starts[-1],  # type: ignore[operator]
            CsatSurvey.rating.is_not(None),  # type: ignore[union-attr]
        )
        .group_by(bucket, client, assignee, Ticket.priority)
    )
    if technician_id is not None:
        stmt = stmt.where(CsatSurvey.technician_id == technician_id)
    n = len(starts)
    overall = [CsatCount()] * n
    groups: dict[str, dict[str, list[CsatCount]]] = {
        BY_CLIENT: {}, BY_TECHNICIAN: {}, BY_PRIORITY: {}
    }
    for b, client_name, tech_name, priority, answers, total, positive in session.execute(stmt):
        count = CsatCount(int(answers), int(total or 0), int(positive or 0))
        for i in range(int(b), n):  # the bucket and every wider window
            overall[i] = overall[i] + count
            for group, key in ((BY_CLIENT, client_name), (BY_TECHNICIAN, tech_name),
                               (BY_PRIORITY, priority)):
                row = groups[group].setdefault(str(key), [CsatCount()] * n)
                row[i] = row[i] + count
    return CsatResults(
        overall=tuple(overall[i] for i in order),
        groups={g: {k: tuple(v[i] for i in order) for k, v in rows.items()}
                for g, rows in groups.items()},
    )
