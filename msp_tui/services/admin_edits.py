"""The small steps every settings write takes the same way, written once.

The settings services (clients, people, reference data, rules, SLA profiles) all check a
whole form before writing, so the admin sees every problem at once and nothing is half
written; this module holds the pieces they share, so a refusal reads the same on every
screen.
"""

from __future__ import annotations

from collections.abc import Sequence

from msp_tui.services.tickets import ServiceError


def fail_if(problems: Sequence[str], sep: str = "; ") -> None:
    """Refuse with one `ServiceError` listing every problem, in the order they were found
    (nothing when there is none). `sep` "\\n" puts each on its own line, for forms whose
    problems are long enough to need it."""
    if problems:
        raise ServiceError(sep.join(problems))
