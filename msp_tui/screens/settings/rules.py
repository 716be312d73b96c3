"""Assignment rules (`a`) and escalation rules (`e`): ordered lists an admin reorders by
moving rows, plus a form per rule.

Order is what a rule list means (first match wins), so moving is a first-class key
(shift+↑/↓ or [ and ]) that keeps the moved rule selected. The form's source of truth is
the JSON of the conditions and actions, which may say anything the engine accepts; the
pickers above it write the common keys into that JSON, so nobody types ids by hand.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import (
    Button,
    Checkbox,
    DataTable,
    Footer,
    Header,
    Input,
    Label,
    Select,
    Static,
    TextArea,
)

from msp_tui.engine.escalation import TRIGGERS
from msp_tui.engine.vocabulary import RulePhase, Tier
from msp_tui.screens.dialogs import DIALOG_CSS, ConfirmDialog, say_problem
from msp_tui.screens.form_dialog import FormDialog
from msp_tui.services import rule_admin as ra
from msp_tui.services.desk import Desk
from msp_tui.services.rule_admin import AssignmentRuleRow, EscalationRuleRow, RuleChoices
from msp_tui.services.tickets import ServiceError
from msp_tui.widgets.row_action_table import RowActionTable

RowT = TypeVar("RowT", AssignmentRuleRow, EscalationRuleRow)

# ---------------------------------------------------------------- the form


def _pretty(value: Mapping[str, Any]) -> str:
    return json.dumps(dict(value), ensure_ascii=False, indent=2)


def _parse(label: str, text: str, problems: list[str]) -> dict[str, Any]:
    """The JSON object typed in a TextArea; a problem is noted (with line and column)."""
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        problems.append(f"{label}: not valid JSON: {exc}")
        return {}
    if not isinstance(value, dict):
        problems.append(f"{label} must be a JSON object such as {{\"priority\": \"P1\"}}")
        return {}
    return value


def _scalar(value: Any) -> Any:
    """A picker can show one value: a plain one, or a list of exactly one."""
    if isinstance(value, list) and len(value) == 1:
        return value[0]
    return value


@dataclass(frozen=True)
class Helper:
    """A picker that writes one key of the conditions or actions JSON."""

    widget_id: str
    area: str  # "conditions" or "actions"
    key: str


_FORM_CSS = """
{name} > Vertical {{ width: 120; }}
{name} .row {{ height: auto; }}
{name} .row > * {{ width: 1fr; margin-right: 1; }}
{name} .row > Checkbox {{ width: auto; }}
{name} TextArea {{ height: 8; }}
{name} .areas > Vertical {{ width: 1fr; height: auto; margin-right: 1; }}
{name} .caption {{ color: $text-muted; margin-top: 1; }}
"""


class RuleForm(FormDialog[bool]):
    """Shared plumbing: JSON areas, helper pickers that edit them, submit with errors kept."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="rules.form.cancel")]
    HELPERS: tuple[Helper, ...] = ()

    def __init__(self) -> None:
        super().__init__()
        self._ready = False

    def on_mount(self) -> None:
        # Pickers announce their initial values once mounted; only the user's changes count.
        self.call_after_refresh(self._arm)

    def _arm(self) -> None:
        self._ready = True

    def _area(self, name: str) -> TextArea:
        return self.query_one(f"#{name}", TextArea)

    def _edit_json(self, area: str, key: str, value: Any) -> None:
        """Set (or with None remove) one key in an area's JSON, keeping the rest."""
        problems: list[str] = []
        data = _parse(area, self._area(area).text, problems)
        if problems:
            say_problem(self, f"{problems[0]} — fix it before using the pickers")
            return
        if value is None:
            data.pop(key, None)
        elif _scalar(data.get(key)) == value:
            return
        else:
            data[key] = value
        self._area(area).text = _pretty(data)

    def _helper_value(self, helper: Helper, widget: Any) -> Any:
        if isinstance(widget, Select):
            return None if widget.is_blank() else widget.value
        if isinstance(widget, Checkbox):
            return True if widget.value else None
        if isinstance(widget, Input):
            words = [w.strip() for w in widget.value.split(",") if w.strip()]
            return None if not words else words[0] if len(words) == 1 else words
        return None

    def _helper_changed(self, widget_id: str | None) -> None:
        if not self._ready or widget_id is None:
            return
        helper = next((h for h in self.HELPERS if h.widget_id == widget_id), None)
        if helper is not None:
            widget = self.query_one(f"#{widget_id}")
            self._edit_json(helper.area, helper.key, self._helper_value(helper, widget))

    def on_select_changed(self, event: Select.Changed) -> None:
        self._helper_changed(event.select.id)

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        self._helper_changed(event.checkbox.id)

    def on_input_changed(self, event: Input.Changed) -> None:
        self._helper_changed(event.input.id)

    def _areas(self) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
        problems: list[str] = []
        conditions = (_parse("conditions", self._area("conditions").text, problems)
                      if self.query("#conditions") else {})
        actions = _parse("actions", self._area("actions").text, problems)
        return conditions, actions, problems

    def _save(self, call: Callable[[], None]) -> None:
        try:
            call()
        except ServiceError as exc:
            say_problem(self, str(exc))
            self.notify(str(exc), title="Not saved", severity="error")
            return
        self.dismiss(True)


def _options(pairs: Sequence[tuple[Any, str]]) -> list[tuple[str, Any]]:
    return [(name, ident) for ident, name in pairs]


def _select(options: list[tuple[str, Any]], current: Any, *, prompt: str, id: str) -> Select[Any]:
    values = {v for _, v in options}
    value = current if current in values else Select.NULL
    return Select(options, prompt=prompt, value=value, id=id)


class AssignmentRuleForm(RuleForm):
    DEFAULT_CSS = DIALOG_CSS.format(name="AssignmentRuleForm") + _FORM_CSS.format(
        name="AssignmentRuleForm")
    HELPERS = (
        Helper("pick-profile", "conditions", "sla_profile"),
        Helper("pick-client", "conditions", "client"),
        Helper("pick-priority", "conditions", "priority"),
        Helper("pick-category", "conditions", "category"),
        Helper("pick-keywords", "conditions", "keywords"),
        Helper("pick-group", "actions", "group"),
        Helper("pick-technician", "actions", "technician"),
        Helper("pick-round-robin", "actions", "round_robin"),
    )

    def __init__(self, desk: Desk, choices: RuleChoices,
                 rule: AssignmentRuleRow | None = None) -> None:
        super().__init__()
        self.desk = desk
        self.choices = choices
        self.rule = rule

    def compose(self) -> ComposeResult:
        rule, c = self.rule, self.choices
        cond = dict(rule.conditions) if rule else {}
        acts = dict(rule.actions) if rule else {"round_robin": True}
        keywords = _scalar(cond.get("keywords", ""))
        keywords = ", ".join(keywords) if isinstance(keywords, list) else str(keywords)
        with Vertical():
            title = f"Edit rule “{rule.name}”" if rule else "New assignment rule"
            yield Label(title, classes="title")
            with VerticalScroll():
                with Horizontal(classes="row"):
                    yield Input(rule.name if rule else "", placeholder="Name, e.g. VIPs to Tier 2",
                                id="name")
                    yield Select([(p.value, p.value) for p in RulePhase], allow_blank=False,
                                 value=rule.phase if rule else RulePhase.ASSIGN.value, id="phase")
                    yield Checkbox("Active", rule.active if rule else True, id="active")
                yield Label("When (all must hold; leave a picker on 'any'):", classes="caption")
                with Horizontal(classes="row"):
                    profiles = [(n, n) for _, n in c.profiles]
                    yield _select(profiles, _scalar(cond.get("sla_profile")),
                                  prompt="any profile", id="pick-profile")
                    yield _select(_options(c.clients), _scalar(cond.get("client")),
                                  prompt="any client", id="pick-client")
                    yield _select([(p, p) for p in c.priorities], _scalar(cond.get("priority")),
                                  prompt="any priority", id="pick-priority")
                    yield _select(_options(c.categories), _scalar(cond.get("category")),
                                  prompt="any category", id="pick-category")
                yield Input(keywords, placeholder="Keywords, comma separated (subject or body)",
                            id="pick-keywords")
                yield Label("Then (assign: group / technician; notify and categorise "
                            "actions in the JSON):", classes="caption")
                with Horizontal(classes="row"):
                    yield _select(_options(c.groups), acts.get("group"), prompt="no group",
                                  id="pick-group")
                    yield _select(_options(c.technicians), acts.get("technician"),
                                  prompt="no technician", id="pick-technician")
                    yield Checkbox("Round robin in the group", bool(acts.get("round_robin")),
                                   id="pick-round-robin")
                with Horizontal(classes="areas"):
                    with Vertical():
                        yield Label("Conditions (JSON)", classes="caption")
                        yield TextArea(_pretty(cond), id="conditions", language=None,
                                       tab_behavior="focus")
                    with Vertical():
                        yield Label("Actions (JSON)", classes="caption")
                        yield TextArea(_pretty(acts), id="actions", language=None,
                                       tab_behavior="focus")
                yield Label(f"{ra.CONDITION_HINT}\n{ra.ACTION_HINT}", classes="hint",
                            markup=False)
            yield Label("", id="error", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Save", id="ok", variant="primary")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#name", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        # Enter in the keywords field only confirms the words; in the name it saves.
        if event.input.id == "name":
            self._submit()

    def _submit(self) -> None:
        conditions, actions, problems = self._areas()
        if problems:
            say_problem(self, "; ".join(problems))
            return
        name = self.query_one("#name", Input).value
        phase = str(self.query_one("#phase", Select).value)
        active = self.query_one("#active", Checkbox).value
        if self.rule is None:
            self._save(lambda: ra.add_assignment_rule(
                self.desk, name=name, phase=phase, conditions=conditions, actions=actions,
                active=active))
        else:
            rule_id = self.rule.id
            self._save(lambda: ra.edit_assignment_rule(
                self.desk, rule_id, name=name, phase=phase, conditions=conditions,
                actions=actions, active=active))


_TRIGGER_NAMES = {"75": "at 75 %", "90": "at 90 %", "100": "at 100 % (breach)",
                  "near_due": "near due", "idle": "idle (after_minutes)"}


class EscalationRuleForm(RuleForm):
    DEFAULT_CSS = DIALOG_CSS.format(name="EscalationRuleForm") + _FORM_CSS.format(
        name="EscalationRuleForm")
    HELPERS = (
        Helper("pick-tier", "actions", "escalate_to"),
        Helper("pick-status", "actions", "status"),
    )

    def __init__(self, desk: Desk, choices: RuleChoices,
                 rule: EscalationRuleRow | None = None) -> None:
        super().__init__()
        self.desk = desk
        self.choices = choices
        self.rule = rule

    def compose(self) -> ComposeResult:
        rule, c = self.rule, self.choices
        acts = dict(rule.actions) if rule else {"alert": ["team_lead"]}
        triggers = list(TRIGGERS)
        if rule and rule.trigger not in triggers:
            triggers.append(rule.trigger)
        with Vertical():
            yield Label(f"Edit escalation rule: {rule.profile}, "
                        f"{ra.trigger_label(rule.trigger, rule.actions)}" if rule
                        else "New escalation rule", classes="title")
            with VerticalScroll():
                with Horizontal(classes="row"):
                    yield _select(_options(c.profiles), rule.profile_id if rule else None,
                                  prompt="All profiles", id="profile")
                    yield Select([(_TRIGGER_NAMES.get(t, f"at {t} %"), t) for t in triggers],
                                 allow_blank=False, value=rule.trigger if rule else "75",
                                 id="trigger")
                    yield Checkbox("Active", rule.active if rule else True, id="active")
                yield Label("Then:", classes="caption")
                with Horizontal(classes="row"):
                    yield _select([(t.value, t.value) for t in Tier], acts.get("escalate_to"),
                                  prompt="no escalation to a tier", id="pick-tier")
                    yield _select(_options(c.statuses), acts.get("status"),
                                  prompt="keep the status", id="pick-status")
                yield Label("Actions (JSON)", classes="caption")
                yield TextArea(_pretty(acts), id="actions", language=None, tab_behavior="focus")
                yield Label(ra.ESCALATION_ACTION_HINT, classes="hint", markup=False)
            yield Label("", id="error", classes="problem")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Save", id="ok", variant="primary")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#profile", Select).focus()

    def _submit(self) -> None:
        _, actions, problems = self._areas()
        if problems:
            say_problem(self, "; ".join(problems))
            return
        profile = self.query_one("#profile", Select)
        profile_id = None if profile.is_blank() else int(profile.value)  # type: ignore[arg-type]
        trigger = str(self.query_one("#trigger", Select).value)
        active = self.query_one("#active", Checkbox).value
        if self.rule is None:
            self._save(lambda: ra.add_escalation_rule(
                self.desk, profile_id=profile_id, trigger=trigger, actions=actions,
                active=active))
        else:
            rule_id = self.rule.id
            self._save(lambda: ra.edit_escalation_rule(
                self.desk, rule_id, profile_id=profile_id, trigger=trigger, actions=actions,
                active=active))


# ---------------------------------------------------------------- the lists


class RulesScreen(Screen[None], Generic[RowT]):
    """A rule list; subclasses say which rules, which columns and which form."""

    BINDING_GROUP_TITLE = "Rules"
    AUTO_FOCUS = "#rules"
    DEFAULT_CSS = """
    RulesScreen #summary { height: auto; padding: 0 1; background: $boost; }
    RulesScreen #empty { padding: 1 2; color: $text-muted; }
    RulesScreen DataTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="rules.back"),
        Binding("shift+up,left_square_bracket", "move(-1)", "Move up",
                tooltip="Move the rule up: it is tried earlier", id="rules.up"),
        Binding("shift+down,right_square_bracket", "move(1)", "Move down",
                tooltip="Move the rule down: it is tried later", id="rules.down"),
        Binding("n", "new", "New", tooltip="Add a rule at the end of the list", id="rules.new"),
        Binding("e", "edit", "Edit", show=False, tooltip="Edit the rule under the cursor",
                id="rules.edit"),
        Binding("space", "toggle", "On/off", tooltip="Enable or disable the rule",
                id="rules.toggle"),
        Binding("x", "delete", "Delete", tooltip="Delete the rule (asks first)",
                id="rules.delete"),
        Binding("ctrl+r", "reload", "Reload", show=False, tooltip="Read the rules again",
                id="rules.reload"),
    ]
    TITLE_TEXT = ""
    EXPLAIN = ""
    COLUMNS: tuple[tuple[str, str], ...] = ()

    class Loaded(Message):
        def __init__(self, rows: list[Any], choices: RuleChoices, keep_id: int | None) -> None:
            super().__init__()
            self.rows = rows
            self.choices = choices
            self.keep_id = keep_id

    def __init__(self, desk: Desk) -> None:
        super().__init__()
        self.desk = desk
        self.rows: list[RowT] = []
        self.choices = RuleChoices()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(self.EXPLAIN, id="summary")
        yield Label("", id="empty")
        table = RowActionTable(enter="Edit", tooltip="Edit the rule under the cursor",
                               binding_id="rules.edit_enter", id="rules")
        for label, key in self.COLUMNS:
            table.add_column(label, key=key)
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self.title = self.TITLE_TEXT
        self.reload()

    @property
    def table(self) -> DataTable[str | Text]:
        return self.query_one(DataTable)

    # ---------------------------------------------------------------- subclass hooks

    def _read(self) -> list[RowT]:
        raise NotImplementedError

    def _cells(self, row: RowT) -> tuple[str | Text, ...]:
        raise NotImplementedError

    def _form(self, row: RowT | None) -> RuleForm:
        raise NotImplementedError

    def _move(self, rule_id: int, step: int) -> None:
        raise NotImplementedError

    def _set_active(self, rule_id: int, active: bool) -> None:
        raise NotImplementedError

    def _delete(self, rule_id: int) -> None:
        raise NotImplementedError

    def _describe(self, row: RowT) -> str:
        raise NotImplementedError

    # ---------------------------------------------------------------- loading

    def reload(self, keep_id: int | None = None) -> None:
        if keep_id is None:
            current = self._current()
            keep_id = current.id if current else None
        self._load(keep_id)

    @work(thread=True, exclusive=True, group="rules", exit_on_error=False)
    def _load(self, keep_id: int | None) -> None:
        self.post_message(self.Loaded(self._read(), ra.choices(self.desk), keep_id))

    def on_rules_screen_loaded(self, message: Loaded) -> None:
        self.choices = message.choices
        self._show(message.rows, message.keep_id)

    def _show(self, rows: list[RowT], keep_id: int | None) -> None:
        self.rows = list(rows)
        table = self.table
        with self.app.batch_update():
            table.clear()
            for row in self.rows:
                table.add_row(*self._cells(row), key=str(row.id))
        ids = [r.id for r in self.rows]
        if keep_id in ids:
            table.move_cursor(row=ids.index(keep_id), animate=False)
        empty = self.query_one("#empty", Label)
        empty.update("No rules yet: n adds one.")
        empty.display = not self.rows

    def _current(self) -> RowT | None:
        table = self.table
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    # ---------------------------------------------------------------- actions

    def _act(self, call: Callable[[], object], keep_id: int | None) -> None:
        """Write, then read the (short) list at once: the next key press, e.g. a second
        shift+up, must find the moved rule where it now is."""
        try:
            call()
        except ServiceError as exc:
            self.notify(str(exc), severity="error")
        try:
            rows = self._read()
        except ServiceError as exc:
            self.notify(str(exc), severity="error")
            return
        self._show(rows, keep_id)

    def action_reload(self) -> None:
        self.reload()

    def action_move(self, step: int) -> None:
        row = self._current()
        if row is None:
            return
        self._act(lambda: self._move(row.id, step), row.id)

    def action_toggle(self) -> None:
        row = self._current()
        if row is not None:
            self._act(lambda: self._set_active(row.id, not row.active), row.id)

    def action_new(self) -> None:
        self._open_form(None)

    def action_edit(self) -> None:
        row = self._current()
        if row is not None:
            self._open_form(row)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_edit()

    def _open_form(self, row: RowT | None) -> None:
        def saved(done: bool | None) -> None:
            if done:
                self.notify("Rule saved")
                self.reload(keep_id=row.id if row else None)

        self.app.push_screen(self._form(row), saved)

    def action_delete(self) -> None:
        row = self._current()
        if row is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._act(lambda: self._delete(row.id), None)

        self.app.push_screen(
            ConfirmDialog(f"Delete {self._describe(row)}?",
                          "Tickets already routed keep what it did; new ones will not see it.",
                          yes="Delete"),
            answered,
        )


def _on(active: bool) -> Text:
    return Text("on", style="bold green") if active else Text("off", style="dim")


def _summary(text: str, problems: Sequence[str], active: bool) -> Text:
    if problems:
        return Text(f"⚠ skipped, invalid: {'; '.join(problems)}", style="bold red")
    return Text(text, style="" if active else "dim")


class AssignmentRulesScreen(RulesScreen[AssignmentRuleRow]):
    TITLE_TEXT = "Assignment rules"
    EXPLAIN = ("New tickets run categorize, then assign, then notify rules; per phase the first "
               "active match wins. shift+↑↓ or [ ] move a rule.")
    COLUMNS = (("#", "position"), ("Phase", "phase"), ("Name", "name"), ("On", "active"),
               ("When → then", "summary"))

    def _read(self) -> list[AssignmentRuleRow]:
        return ra.assignment_rules(self.desk)

    def _cells(self, row: AssignmentRuleRow) -> tuple[str | Text, ...]:
        return (str(row.position), row.phase, Text(row.name), _on(row.active),
                _summary(row.summary, row.problems, row.active))

    def _form(self, row: AssignmentRuleRow | None) -> RuleForm:
        return AssignmentRuleForm(self.desk, self.choices, row)

    def _move(self, rule_id: int, step: int) -> None:
        ra.move_assignment_rule(self.desk, rule_id, step)

    def _set_active(self, rule_id: int, active: bool) -> None:
        ra.set_assignment_rule_active(self.desk, rule_id, active)

    def _delete(self, rule_id: int) -> None:
        ra.delete_assignment_rule(self.desk, rule_id)

    def _describe(self, row: AssignmentRuleRow) -> str:
        return f"rule {row.position} “{row.name}”"


class EscalationRulesScreen(RulesScreen[EscalationRuleRow]):
    TITLE_TEXT = "Escalation rules"
    EXPLAIN = ("A profile's own rule beats the all-profiles one at the same trigger; among "
               "equals the higher one wins. shift+↑↓ or [ ] move a rule.")
    COLUMNS = (("#", "position"), ("Profile", "profile"), ("When", "trigger"),
               ("On", "active"), ("Does", "summary"))

    def _read(self) -> list[EscalationRuleRow]:
        return ra.escalation_rules(self.desk)

    def _cells(self, row: EscalationRuleRow) -> tuple[str | Text, ...]:
        does = row.summary.split(" → ", 1)[-1]
        return (str(row.position), Text(row.profile), ra.trigger_label(row.trigger, row.actions),
                _on(row.active), _summary(does, row.problems, row.active))

    def _form(self, row: EscalationRuleRow | None) -> RuleForm:
        return EscalationRuleForm(self.desk, self.choices, row)

    def _move(self, rule_id: int, step: int) -> None:
        ra.move_escalation_rule(self.desk, rule_id, step)

    def _set_active(self, rule_id: int, active: bool) -> None:
        ra.set_escalation_rule_active(self.desk, rule_id, active)

    def _delete(self, rule_id: int) -> None:
        ra.delete_escalation_rule(self.desk, rule_id)

    def _describe(self, row: EscalationRuleRow) -> str:
        return f"the {row.profile} rule {ra.trigger_label(row.trigger, row.actions)}"
