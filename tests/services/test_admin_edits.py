"""The shared steps of the settings writes: refusals, audit rows, positions."""

from __future__ import annotations

import pytest

from msp_tui.services.admin_edits import fail_if
from msp_tui.services.tickets import ServiceError


def test_no_problem_refuses_nothing() -> None:
    fail_if([])
    fail_if(())


def test_every_problem_is_listed_once_in_the_order_found() -> None:
    with pytest.raises(ServiceError) as exc:
        fail_if(["a client needs a name", "unknown billing type 'x'", "no SLA profile with id 9"])
    assert str(exc.value) == (
        "a client needs a name; unknown billing type 'x'; no SLA profile with id 9"
    )


def test_long_problems_can_go_one_per_line() -> None:
    with pytest.raises(ServiceError) as exc:
        fail_if(["P1 response: missing", "alert thresholds: 'x' is not a whole percentage"],
                sep="\n")
    assert str(exc.value).splitlines() == [
        "P1 response: missing", "alert thresholds: 'x' is not a whole percentage",
    ]
