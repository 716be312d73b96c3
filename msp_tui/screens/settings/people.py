"""Groups and technicians (`g` in settings): who works here, in which role and tier, who is
on call, and which groups they are in.

Same keys as the reference screen (n new, e / enter edit, x deactivate or reactivate),
plus o (on call) for technicians and a / d (add / remove a member) for groups. Deactivating
someone who still holds open tickets is allowed, and the toast says how many are left
to reassign.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding

from msp_tui.engine.vocabulary import Role, Tier
from msp_tui.screens.settings.reference import (
    AdminTabsScreen,
    Cell,
    FieldSpec,
    Tab,
    Values,
    active_cell,
    dim_if,
    tab_bindings,
)
from msp_tui.services import people_admin as people
from msp_tui.services.tickets import ServiceError

ROLE_CHOICES = [(r.value.replace("_", " "), r.value) for r in Role]
TIER_LABEL = {Tier.TIER1.value: "Tier 1", Tier.TIER2.value: "Tier 2", Tier.SENIOR.value: "Senior"}
TIER_CHOICES = [(TIER_LABEL[t.value], t.value) for t in Tier]


@dataclass(frozen=True)
class PeopleData:
    technicians: list[people.TechnicianRow]
    groups: list[people.GroupRow]


class PeopleScreen(AdminTabsScreen):
    BINDING_GROUP_TITLE = "Groups and technicians"
    TABS = (
        Tab("technicians", "Technicians",
            "Deactivated people leave the pickers and assignment; tickets they still hold stay "
            "theirs until reassigned. o puts someone on or off call (escalations page them).",
            ("Name", "Email", "Role", "Tier", "On call", "Time zone", "Open tickets", "State")),
        Tab("groups", "Groups",
            "The lead is always an active member (choosing someone else as lead adds them). "
            "a adds a member, d removes one.",
            ("Group", "Lead", "Size", "Members"), toggles=False),
    )
    BINDINGS = tab_bindings("people", TABS, [
        Binding("o", "on_call", "On call", tooltip="Put the selected technician on or off call",
                id="people.on_call"),
        Binding("a", "add_member", "Add member", id="people.add_member"),
        Binding("d", "remove_member", "Remove member", id="people.remove_member"),
    ])

    def on_mount(self) -> None:
        self.title = "Settings · Groups and technicians"
        super().on_mount()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.is_mounted and action in ("on_call", "add_member", "remove_member"):
            return self.active_tab == ("technicians" if action == "on_call" else "groups")
        return super().check_action(action, parameters)

    def read(self) -> PeopleData:
        return PeopleData(people.technicians(self.desk), people.groups(self.desk))

    def rows(self, tab: str, data: PeopleData) -> list[tuple[str, list[Cell]]]:
        if tab == "technicians":
            return [
                (str(t.id), [dim_if(t.name, t.active), dim_if(t.email, t.active),
                             t.role.replace("_", " "), TIER_LABEL.get(t.tier, t.tier),
                             Text("on call", style="bold yellow") if t.on_call else "",
                             t.timezone or Text("—", style="dim"),
                             Text(str(t.open_tickets),
                                  style="bold" if t.open_tickets and not t.active else ""),
                             active_cell(t.active)])
                for t in data.technicians
            ]
        return [
            (str(g.id), [Text(g.name, style="bold"), g.lead_name or Text("no lead", style="dim"),
                         str(len(g.members)), _member_list(g)])
            for g in data.groups
        ]

    def _tech(self, key: str) -> people.TechnicianRow:
        return next(t for t in self.data.technicians if str(t.id) == key)

    def _group(self, key: str) -> people.GroupRow:
        return next(g for g in self.data.groups if str(g.id) == key)

    # ------------------------------------------------------------ technicians

    def _tech_fields(self, row: people.TechnicianRow | None) -> list[FieldSpec]:
        return [
            FieldSpec("name", "Name", row.name if row else "", placeholder="Full name"),
            FieldSpec("email", "Email", row.email if row else "",
                      placeholder="name@your-msp.example"),
            FieldSpec("role", "Role", row.role if row else Role.TECHNICIAN.value, ROLE_CHOICES),
            FieldSpec("tier", "Tier", row.tier if row else Tier.TIER1.value, TIER_CHOICES),
            FieldSpec("timezone", "Time zone", (row.timezone or "") if row else "",
                      placeholder="IANA name, e.g. America/New_York (blank: UTC)"),
        ]

    def new_technicians(self) -> None:
        added: list[int] = []

        def submit(v: Values) -> str:
            added.append(people.add_technician(
                self.desk, name=v["name"], email=v["email"], role=v["role"], tier=v["tier"],
                timezone=v["timezone"]))
            return f"{v['name'].strip()} added"

        self.form("New technician", self._tech_fields(None), submit, ok="Add",
                  focus_key=lambda: str(added[0]) if added else None)

    def edit_technicians(self, key: str) -> None:
        row = self._tech(key)

        def submit(v: Values) -> None:
            people.edit_technician(self.desk, row.id, name=v["name"], email=v["email"],
                                   role=v["role"], tier=v["tier"], timezone=v["timezone"])

        self.form(f"Technician · {row.name}", self._tech_fields(row), submit)

    def toggle_technicians(self, key: str) -> None:
        row = self._tech(key)
        if row.active:
            held = (f"They hold {row.open_tickets} open ticket"
                    f"{'' if row.open_tickets == 1 else 's'}; these stay assigned to them "
                    "until you reassign them." if row.open_tickets
                    else "They hold no open tickets.")
            detail = held + (" They also go off call." if row.on_call else "")
        else:
            detail = "They come back in the pickers and in group assignment."
        verb = "Deactivate" if row.active else "Reactivate"
        outcome: list[people.ActiveChange] = []

        def act() -> str:
            outcome.append(people.set_technician_active(self.desk, row.id, not row.active))
            return outcome[0].describe()

        def severity() -> str:
            return "warning" if outcome and outcome[0].open_tickets and not outcome[0].active \
                else "information"

        self.confirm(f"{verb} {row.name}?", detail, verb, act, severity=severity)

    def action_on_call(self) -> None:
        key = self.current_key("technicians")
        if key is None:
            return
        row = self._tech(key)
        try:
            people.set_on_call(self.desk, row.id, not row.on_call)
        except ServiceError as exc:
            self.notify(str(exc), severity="error")
            return
        self.notify(f"{row.name} is {'off' if row.on_call else 'on'} call")
        self.reload(("technicians", key))

    # ------------------------------------------------------------ groups

    def _lead_choices(self, group: people.GroupRow | None) -> list[tuple[str, str]]:
        members = {m.id for m in group.members} if group else set()
        shown = [t for t in self.data.technicians
                 if t.active or (group is not None and t.id == group.lead_id)]
        return [("(no lead)", "")] + [
            (t.name + ("  (inactive)" if not t.active
                       else "" if t.id in members else "  (joins the group)"), str(t.id))
            for t in shown
        ]

    def new_groups(self) -> None:
        added: list[int] = []

        def submit(v: Values) -> str:
            lead = int(v["lead"]) if v["lead"] else None
            added.append(people.add_group(self.desk, v["name"], lead))
            return f"group {v['name'].strip()} added"

        self.form("New group",
                  [FieldSpec("name", "Name", placeholder="e.g. Night shift"),
                   FieldSpec("lead", "Lead", "", self._lead_choices(None))],
                  submit, ok="Add", focus_key=lambda: str(added[0]) if added else None)

    def edit_groups(self, key: str) -> None:
        row = self._group(key)

        def submit(v: Values) -> str | None:
            lead = int(v["lead"]) if v["lead"] else None
            people.edit_group(self.desk, row.id, name=v["name"], lead_id=lead)
            if lead is not None and lead != row.lead_id:
                name = next(t.name for t in self.data.technicians if t.id == lead)
                return f"{name} leads {v['name'].strip()}"
            return None

        self.form(f"Group · {row.name}",
                  [FieldSpec("name", "Name", row.name),
                   FieldSpec("lead", "Lead", str(row.lead_id or ""), self._lead_choices(row))],
                  submit, hint="A lead from outside the group becomes a member.")

    def action_add_member(self) -> None:
        key = self.current_key("groups")
        if key is None:
            return
        row = self._group(key)
        members = {m.id for m in row.members}
        choices = [(t.name, str(t.id)) for t in self.data.technicians
                   if t.active and t.id not in members]
        if not choices:
            self.notify(f"every active technician is already in {row.name}", severity="warning")
            return

        def submit(v: Values) -> str:
            people.add_members(self.desk, row.id, [int(v["who"])])
            return f"added to {row.name}"

        self.form(f"Add a member to {row.name}",
                  [FieldSpec("who", "Technician", choices[0][1], choices)], submit, ok="Add",
                  focus_key=lambda: key)

    def action_remove_member(self) -> None:
        key = self.current_key("groups")
        if key is None:
            return
        row = self._group(key)
        if not row.members:
            self.notify(f"{row.name} has no members", severity="warning")
            return
        choices = [(m.name + ("  (lead)" if m.id == row.lead_id else ""), str(m.id))
                   for m in row.members]
        first = next((c for c in choices if c[1] != str(row.lead_id)), choices[0])[1]

        def submit(v: Values) -> str:
            people.remove_member(self.desk, row.id, int(v["who"]))
            return f"removed from {row.name}"

        self.form(f"Remove a member from {row.name}",
                  [FieldSpec("who", "Technician", first, choices)], submit, ok="Remove",
                  focus_key=lambda: key)


def _member_list(group: people.GroupRow) -> Text:
    text = Text(overflow="ellipsis", no_wrap=True)
    for i, m in enumerate(group.members):
        if i:
            text.append(", ")
        if m.active:
            text.append(m.name, style="bold" if m.id == group.lead_id else "")
        else:
            text.append(f"{m.name} (inactive)", style="dim")
    return text
