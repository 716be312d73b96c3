"""Who may change the desk's configuration: admins only (the role of "me").

Every settings service calls `require_admin` before it writes, so a console that skips a
screen check (or a script) still cannot change settings as a technician.
"""

from __future__ import annotations

from msp_tui.engine.vocabulary import Role
from msp_tui.services.desk import Desk
from msp_tui.services.tickets import ServiceError


def is_admin(desk: Desk) -> bool:
    me = desk.me()
    return me is not None and me.role == Role.ADMIN


def require_admin(desk: Desk) -> None:
    """Raise `ServiceError` naming who "me" is unless that is an admin."""
    if is_admin(desk):
        return
    me = desk.me()
    who = f"{me.name} ({me.role.replace('_', ' ')})" if me else "nobody signed in"
    raise ServiceError(f"only admins may change settings; this console is {who}")
