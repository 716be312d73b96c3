"""The settings hub: every admin screen by one key, and the gate that keeps others out.

Sections are data (module, class) imported when opened, so the hub does not load every
settings screen at start-up and the checklist can jump straight to a fix by key.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, OptionList
from textual.widgets.option_list import Option

from msp_tui.services.admin_access import is_admin
from msp_tui.services.desk import Desk


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    what: str
    module: str
    screen: str


SECTIONS: tuple[Section, ...] = (
    Section("p", "SLA profiles", "targets per priority, pauses, alerts; what-if before saving",
            "msp_tui.screens.settings.profiles", "ProfilesScreen"),
    Section("c", "Business calendars", "weekly hours, holidays, zone; next 14 days at a glance",
            "msp_tui.screens.settings.calendars", "CalendarsScreen"),
    Section("l", "Clients", "profile, billing, VIP, domains, portal, contacts, assets; bulk SLA",
            "msp_tui.screens.settings.clients", "ClientsScreen"),
    Section("r", "Reference data", "categories, statuses, priorities, resolution codes",
            "msp_tui.screens.settings.reference", "ReferenceScreen"),
    Section("g", "Groups and technicians", "who works here, in which groups, which role",
            "msp_tui.screens.settings.people", "PeopleScreen"),
    Section("a", "Assignment rules", "categorise, assign, notify: ordered, first match wins",
            "msp_tui.screens.settings.rules", "AssignmentRulesScreen"),
    Section("e", "Escalation rules", "what happens at 75 / 90 / 100 %, near due and idle",
            "msp_tui.screens.settings.rules", "EscalationRulesScreen"),
    Section("i", "Import from CSV", "clients, contacts, assets, tickets from another PSA",
            "msp_tui.screens.settings.csv_import", "ImportScreen"),
    Section("k", "Checklist", "what is missing or unreachable, with the key to fix it",
            "msp_tui.screens.settings.checklist", "ChecklistScreen"),
)


def section(key: str) -> Section:
    return next(s for s in SECTIONS if s.key == key)


def open_section(app: App[object], desk: Desk, key: str) -> None:
    """Push the screen of one section (the hub and the checklist's jump keys use this)."""
    if not is_admin(desk):
        app.notify("Settings are for admins only.", severity="error")
        return
    entry = section(key)
    try:
        screen_cls = getattr(importlib.import_module(entry.module), entry.screen)
    except (ImportError, AttributeError) as exc:
        app.notify(f"{entry.title} is not available: {exc}", severity="error")
        return
    app.push_screen(screen_cls(desk))


class SettingsScreen(Screen[None]):
    BINDING_GROUP_TITLE = "Settings"
    DEFAULT_CSS = """
    SettingsScreen > Vertical { padding: 1 2; }
    SettingsScreen OptionList { height: auto; max-height: 1fr; border: none; }
    SettingsScreen #denied { color: $error; padding: 1 0; }
    SettingsScreen .hint { color: $text-muted; }
    """
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="settings.back"),
        *(
            Binding(s.key, f"open('{s.key}')", s.title, show=False, id=f"settings.{s.key}")
            for s in SECTIONS
        ),
    ]

    def __init__(self, desk: Desk) -> None:
        super().__init__()
        self.desk = desk

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical():
            if is_admin(self.desk):
                yield Label("Settings: press a section's key, or choose with ↑↓ and enter.",
                            classes="hint")
                yield OptionList(
                    *(Option(f"[b]{s.key}[/b]  {s.title:<24} [dim]{s.what}[/dim]", id=s.key)
                      for s in SECTIONS),
                    id="sections",
                )
            else:
                me = self.desk.me()
                who = f"{me.name} ({me.role.replace('_', ' ')})" if me else "nobody signed in"
                yield Label(f"Settings are for admins only; this console is {who}.",
                            id="denied")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Settings"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open":
            return is_admin(self.desk)
        return True

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.action_open(event.option.id)

    def action_open(self, key: str) -> None:
        open_section(self.app, self.desk, key)
