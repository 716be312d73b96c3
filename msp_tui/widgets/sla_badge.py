"""How an SLA badge looks: a symbol and a word (readable without colour) plus a colour."""

from __future__ import annotations

from rich.text import Text

from msp_tui.engine.badges import Badge, BadgeResult, format_countdown

STYLE: dict[Badge, tuple[str, str]] = {
    Badge.BREACHED: ("✖", "bold white on red"),
    Badge.AT_RISK: ("▲", "bold black on yellow"),
    Badge.ON_TRACK: ("●", "green"),
    Badge.PAUSED: ("‖", "cyan"),
    Badge.MET: ("✔", "dim green"),
    Badge.NO_SLA: ("–", "dim"),
}


def badge_text(result: BadgeResult) -> Text:
    symbol, style = STYLE[result.badge]
    return Text(f"{symbol} {result.badge.value}", style=style)


def countdown_text(result: BadgeResult) -> Text:
    """Time to the nearest running deadline; overdue shows as a negative, in red."""
    text = format_countdown(result.remaining)
    if result.remaining is not None and result.remaining.total_seconds() < 0:
        return Text(text, style="bold red")
    return Text(text, style=STYLE[result.badge][1] if result.badge == Badge.AT_RISK else "")
