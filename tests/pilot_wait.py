"""Waiting in Pilot tests without sleeping blindly: a loaded CI machine runs workers and
message callbacks later than a laptop, so tests wait for what they expect, up to a limit."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot
from textual.widgets import DataTable
from textual.worker import WorkerCancelled


def _tables_pending(pilot: Pilot[Any]) -> bool:
    """Whether a DataTable on screen still owes its column widths: it measures new rows on
    its own idle, which can come after the app's, so a screenshot taken in between shows
    every column squeezed to its header (a CI snapshot failed that way)."""
    return any(
        table._require_update_dimensions or table._updated_cells
        for table in pilot.app.screen.query(DataTable)
    )


async def settle(pilot: Pilot[Any], rounds: int = 3) -> None:
    """Let running workers finish and their messages land, and tables finish measuring;
    an exclusive worker cancelled by a newer one (a fast refresh) is not an error here."""
    for _ in range(rounds):
        with contextlib.suppress(WorkerCancelled):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    for _ in range(100):
        if not _tables_pending(pilot):
            return
        await pilot.pause(0.02)


async def until(pilot: Pilot[Any], condition: Callable[[], bool], seconds: float = 10.0) -> None:
    """Settle until `condition()` holds; fail with a clear message after `seconds`."""
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await settle(pilot, 1)
        await pilot.pause(0.05)
    assert condition(), f"still waiting after {seconds} s"
