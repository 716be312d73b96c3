"""Billing arithmetic: periods, pricing once on summed minutes, lines that add up."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from msp_tui.engine.billing import (
    BillingError,
    EntryState,
    Period,
    entry_state,
    hours,
    last_month,
    line_amounts,
    money,
    parse_period,
    price_cents,
    rate_problem,
    this_month,
    totals,
)


def test_months_around_a_day() -> None:
    assert this_month(date(2026, 11, 24)) == Period(date(2026, 11, 1), date(2026, 11, 30))
    assert last_month(date(2026, 11, 24)) == Period(date(2026, 10, 1), date(2026, 10, 31))
    assert last_month(date(2026, 1, 31)) == Period(date(2025, 12, 1), date(2025, 12, 31))
    assert this_month(date(2028, 2, 10)).end == date(2028, 2, 29)  # leap year
    assert this_month(date(2026, 11, 24)).label() == "November 2026"
    assert Period(date(2026, 11, 3), date(2026, 11, 17)).label() == "2026-11-03 – 2026-11-17"


def test_period_includes_both_ends() -> None:
    p = Period(date(2026, 11, 1), date(2026, 11, 30))
    assert date(2026, 11, 1) in p and date(2026, 11, 30) in p
    assert date(2026, 10, 31) not in p and date(2026, 12, 1) not in p
    assert p.days == 30


def test_custom_period_lists_every_problem() -> None:
    assert parse_period(" 2026-11-03 ", "2026-11-17") == Period(date(2026, 11, 3),
                                                                date(2026, 11, 17))
    with pytest.raises(BillingError) as caught:
        parse_period("20261101", "")
    assert str(caught.value) == ("from date '20261101' is not a date YYYY-MM-DD "
                                 "(e.g. 2026-11-01); enter the to date as YYYY-MM-DD")
    with pytest.raises(BillingError, match=r"ends \(2026-11-01\) before it starts"):
        parse_period("2026-11-30", "2026-11-01")
    with pytest.raises(BillingError, match="2026-02-30"):
        parse_period("2026-02-30", "2026-03-01")


def test_amount_is_priced_once_on_summed_minutes() -> None:
    # Three 20-minute entries at 100.00/h: 33.33 each if rounded per line (99.99),
    # exactly 100.00 priced on the hour they add up to.
    t = totals([(20, True), (20, True), (20, True), (45, False)], 10_000)
    assert (t.billable_minutes, t.non_billable_minutes, t.entries) == (60, 45, 4)
    assert t.amount_cents == 10_000
    assert t.minutes == 105


@pytest.mark.parametrize(
    ("minutes", "rate", "cents"),
    [
        (90, 12_000, 18_000),  # 1.5 h at 120.00
        (1, 12_345, 206),  # 205.75 -> 206
        (1, 9_030, 151),  # 150.5 exactly -> half up to 151
        (7, 10_000, 1_167),  # 1166.67
        (0, 12_000, 0),
        (600, 0, 0),  # no rate: nothing priced
    ],
)
def test_price_rounds_half_up_to_the_cent(minutes: int, rate: int, cents: int) -> None:
    assert price_cents(minutes, rate) == cents


def test_non_billable_time_is_listed_never_priced() -> None:
    t = totals([(60, False), (30, False)], 15_000)
    assert (t.billable_minutes, t.non_billable_minutes, t.amount_cents) == (0, 90, 0)


def test_bad_inputs_refused() -> None:
    with pytest.raises(BillingError):
        totals([(-5, True)], 100)
    with pytest.raises(BillingError):
        totals([(5, True)], -1)
    with pytest.raises(BillingError):
        Period(date(2026, 11, 2), date(2026, 11, 1))


def test_lines_share_the_total_to_the_cent() -> None:
    lines = [(20, True), (20, True), (20, True), (15, False)]
    assert line_amounts(lines, 10_000) == [3_334, 3_333, 3_333, 0]
    assert line_amounts([], 10_000) == []


@given(
    st.lists(st.tuples(st.integers(0, 600), st.booleans()), max_size=40),
    st.integers(0, 50_000),
)
def test_lines_always_add_up(entries: list[tuple[int, bool]], rate: int) -> None:
    amounts = line_amounts(entries, rate)
    assert sum(amounts) == totals(entries, rate).amount_cents
    for (minutes, billable), amount in zip(entries, amounts, strict=True):
        if not billable:
            assert amount == 0
        else:  # never more than a cent away from the exact share
            assert abs(amount * 60 - minutes * rate) < 60


def test_display_of_hours_and_money() -> None:
    assert [hours(m) for m in (90, 45, 20, 1, 0)] == ["1.50", "0.75", "0.33", "0.02", "0.00"]
    assert money(123_456) == "1234.56"
    assert money(123_456, grouped=True) == "1,234.56"
    assert money(5) == "0.05"
    assert money(-250) == "-2.50"


def test_entry_states() -> None:
    assert entry_state(False, None) == EntryState.UNAPPROVED
    assert entry_state(True, None) == EntryState.APPROVED
    assert entry_state(True, 3) == EntryState.INVOICED


def test_billable_time_needs_a_rate() -> None:
    problem = rate_problem("Tailspin", "time_and_materials", 90, 0)
    assert problem is not None and "Tailspin (time & materials) has no hourly rate" in problem
    assert "1.50 billable hours" in problem
    assert rate_problem("Northwind", "fixed_monthly", 0, 0) is None  # covered work only
    assert rate_problem("Tailspin", "time_and_materials", 90, 12_000) is None


def test_period_fields_are_named_as_the_caller_names_them() -> None:
    # The CLI's `--from/--to` use this parser; its messages name the flags.
    with pytest.raises(BillingError) as caught:
        parse_period("", "2026-1-5", start_name="--from", end_name="--to")
    assert str(caught.value) == ("enter the --from date as YYYY-MM-DD; --to date '2026-1-5' "
                                 "is not a date YYYY-MM-DD (e.g. 2026-11-01)")
