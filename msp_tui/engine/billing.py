"""Billing arithmetic: invoice periods, totals and how money is rounded.

Rounding rules (one place, so the screen, the invoice row and the CSV always agree):

- Minutes are never rounded: an invoice sums the entries' exact minutes.
- The amount is priced once, on the summed billable minutes:
  `amount = billable_minutes × rate_cents / 60`, rounded half up to a whole cent.
  Rounding per entry first would drift by up to half a cent per line.
- Line amounts (for the CSV and the lines view) are the invoice amount shared out by the
  largest-remainder method: each line gets its exact share rounded down, then the cents
  left over go to the lines with the largest remainders (earlier lines first on a tie).
  So lines always add up to the invoice total to the cent.
- Hours are shown with two decimals, half up (45 min = 0.75 h, 20 min = 0.33 h); they are
  a display of the minutes, never used to price anything.

Periods are calendar days, both ends included, like `time_entry.work_date`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from msp_tui.engine.vocabulary import billing_label


class BillingError(ValueError):
    """Input the billing rules refuse; the message is meant for the user."""


class EntryState(StrEnum):
    """Where a time entry is on its way to an invoice."""

    UNAPPROVED = "unapproved"
    APPROVED = "approved"  # locked, not yet on an invoice
    INVOICED = "invoiced"  # locked, on an invoice draft


def entry_state(approved: bool, invoice_id: int | None) -> EntryState:
    if invoice_id is not None:
        return EntryState.INVOICED
    return EntryState.APPROVED if approved else EntryState.UNAPPROVED


# ---------------------------------------------------------------- periods


@dataclass(frozen=True)
class Period:
    """Calendar days from `start` to `end`, both included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise BillingError(f"the period ends ({self.end}) before it starts ({self.start})")

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def label(self) -> str:
        """"November 2026" for a whole month, else "2026-11-03 – 2026-11-17"."""
        if self.start.day == 1 and self.end == month_of(self.start).end:
            return f"{self.start:%B %Y}"
        return f"{self.start.isoformat()} – {self.end.isoformat()}"


def month_of(day: date) -> Period:
    """The calendar month `day` falls in."""
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return Period(first, following - timedelta(days=1))


def this_month(today: date) -> Period:
    return month_of(today)


def last_month(today: date) -> Period:
    return month_of(today.replace(day=1) - timedelta(days=1))


def _parse_day(text: str, what: str, problems: list[str]) -> date | None:
    """Strictly YYYY-MM-DD: `fromisoformat` alone would also take "20261101"."""
    raw = text.strip()
    if not raw:
        problems.append(f"enter the {what} date as YYYY-MM-DD")
        return None
    try:
        if len(raw) == 10 and raw[4] == raw[7] == "-":
            return date.fromisoformat(raw)
    except ValueError:
        pass
    problems.append(f"{what} date {raw!r} is not a date YYYY-MM-DD (e.g. 2026-11-01)")
    return None


def parse_period(
    start_text: str, end_text: str, *, start_name: str = "from", end_name: str = "to"
) -> Period:
    """A period as typed (the billing screen's custom period, the CLI's `--from/--to`);
    `BillingError` lists every problem at once, naming each field as the caller calls it."""
    problems: list[str] = []
    start = _parse_day(start_text, start_name, problems)
    end = _parse_day(end_text, end_name, problems)
    if start is not None and end is not None and end < start:
        problems.append(f"the period ends ({end}) before it starts ({start})")
    if problems or start is None or end is None:
        raise BillingError("; ".join(problems))
    return Period(start, end)


# ---------------------------------------------------------------- money


def price_cents(minutes: int, rate_cents: int) -> int:
    """`minutes` at an hourly rate, half up to the cent (the one place money is rounded)."""
    exact = Decimal(minutes) * Decimal(rate_cents) / Decimal(60)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def hours(minutes: int) -> str:
    """Minutes as decimal hours with two places, half up: 90 -> "1.50", 20 -> "0.33"."""
    value = (Decimal(minutes) / Decimal(60)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{value:.2f}"


def money(cents: int, *, grouped: bool = False) -> str:
    """Cents as a plain amount: 123456 -> "1234.56" ("1,234.56" grouped, for screens)."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole:,}.{part:02d}" if grouped else f"{sign}{whole}.{part:02d}"


@dataclass(frozen=True)
class Totals:
    """What an invoice draft copies from its entries."""

    billable_minutes: int
    non_billable_minutes: int
    rate_cents: int
    amount_cents: int
    entries: int

    @property
    def minutes(self) -> int:
        return self.billable_minutes + self.non_billable_minutes


def totals(entries: Iterable[tuple[int, bool]], rate_cents: int) -> Totals:
    """(minutes, billable) pairs priced at `rate_cents` an hour; non-billable time is
    listed (the client sees covered work) but never priced."""
    billable = non_billable = count = 0
    for minutes, is_billable in entries:
        if minutes < 0:
            raise BillingError("a time entry cannot have negative minutes")
        count += 1
        if is_billable:
            billable += minutes
        else:
            non_billable += minutes
    if rate_cents < 0:
        raise BillingError("an hourly rate cannot be negative")
    return Totals(billable, non_billable, rate_cents, price_cents(billable, rate_cents), count)


def line_amounts(entries: Sequence[tuple[int, bool]], rate_cents: int) -> list[int]:
    """Each entry's share of the invoice amount, in cents, adding up to it exactly
    (largest remainder; non-billable lines get 0)."""
    total = totals(entries, rate_cents).amount_cents
    exact = [Decimal(m) * rate_cents / 60 if b else Decimal(0) for m, b in entries]
    floors = [int(x) for x in exact]  # non-negative, so int() rounds down
    left = total - sum(floors)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order:
        if left <= 0:
            break
        if entries[i][1]:
            floors[i] += 1
            left -= 1
    return floors


def rate_problem(client: str, billing_type: str, billable_minutes: int,
                 rate_cents: int) -> str | None:
    """Why a draft cannot be priced, or None: billable time needs an agreed rate.

    Fixed-monthly drafts without billable time are fine at any rate: they list covered
    work at amount 0."""
    if billable_minutes > 0 and rate_cents <= 0:
        kind = billing_label(billing_type).lower()
        return (f"{client} ({kind}) has no hourly rate yet, so {hours(billable_minutes)} "
                "billable hours cannot be priced: set the rate under Settings → Clients")
    return None
