"""Builds the console for Pilot and snapshot tests: demo data, frozen clock, fixed size."""

from __future__ import annotations

from msp_tui.app import MspApp
from msp_tui.services.desk import Desk

TERMINAL_SIZE = (140, 40)


def make_app(desk: Desk, **kwargs: object) -> MspApp:
    # A long refresh keeps the change poll out of the way of deterministic snapshots.
    kwargs.setdefault("refresh_seconds", 3600.0)
    return MspApp(desk, **kwargs)  # type: ignore[arg-type]
