"""The rule screens (C then a / e): reorder by moving rows, enable, edit, delete.

The reordering test goes all the way: keys on the screen, positions in the database, the
audit trail, and the routing of the next ticket."""

from __future__ import annotations

from sqlmodel import select
from textual.widgets import Button, DataTable, Label, Select, TextArea

from msp_tui.engine.vocabulary import Channel, PriorityCode
from msp_tui.screens.dialogs import ConfirmDialog
from msp_tui.screens.settings.rules import (
    AssignmentRuleForm,
    AssignmentRulesScreen,
    EscalationRuleForm,
    EscalationRulesScreen,
)
from msp_tui.services import tickets as svc
from msp_tui.services.desk import Desk
from msp_tui.store.models import (
    AssignmentRule,
    AuditEvent,
    Category,
    Client,
    EscalationRule,
    TechGroup,
)
from tests.conftest import FIXED_NOW
from tests.console_app import TERMINAL_SIZE, make_app
from tests.pilot_wait import settle, until

ADMIN = "jamie.fox@demo-msp.example"




async def open_section(pilot, key: str) -> None:  # type: ignore[no-untyped-def]
    await settle(pilot)
    await pilot.press("C", key)
    await settle(pilot)


def names_on_screen(table: DataTable) -> list[str]:  # type: ignore[type-arg]
    return [str(table.get_row_at(i)[2]) for i in range(table.row_count)]


def phishing_p1_group(desk: Desk) -> str:
    with desk.db.session() as s:
        client_id = s.exec(select(Client.id).where(Client.name == "Contoso Legal")).one()
        category_id = s.exec(select(Category.id).where(Category.name == "Phishing")).one()
        ticket = svc.create_ticket(
            s, at=FIXED_NOW, subject="Suspicious mail", body="Clicked a link.",
            channel=Channel.EMAIL, priority=PriorityCode.P1, client_id=client_id,
            category_id=category_id,
        )
        group = s.get(TechGroup, ticket.group_id)
        assert group is not None
        return group.name


async def test_rule_reordering(admin: Desk) -> None:
    assert phishing_p1_group(admin) == "Senior Tech"  # rule 1 matches first today
    app = make_app(admin)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await open_section(pilot, "a")
        screen = app.screen
        assert isinstance(screen, AssignmentRulesScreen)
        table = screen.query_one(DataTable)
        moved = names_on_screen(table)[2]
        assert moved == "Cybersecurity incidents to Security Team"
        await pilot.press("down", "down")
        await pilot.press("shift+up")
        await pilot.press("shift+up")
        await settle(pilot)
        assert names_on_screen(table)[0] == moved
        assert table.cursor_row == 0  # the moved rule stays selected
        assert [str(table.get_row_at(i)[0]) for i in range(table.row_count)] == [
            "1", "2", "3", "4", "5", "6"]
    with admin.db.session() as s:
        rows = s.exec(select(AssignmentRule).order_by(AssignmentRule.position)).all()  # type: ignore[arg-type]
        assert [r.position for r in rows] == [1, 2, 3, 4, 5, 6]
        assert rows[0].name == moved
        audits = s.exec(select(AuditEvent).where(AuditEvent.entity == "assignment_rule",
                                                 AuditEvent.entity_id == rows[0].id,
                                                 AuditEvent.field == "position")
                        .order_by(AuditEvent.id)).all()  # type: ignore[arg-type]
        assert [(a.actor, a.old_value, a.new_value) for a in audits] == [
            ("Jamie Fox", "30", "2"), ("Jamie Fox", "2", "1")]
    # the next ticket matching both rules now takes the moved rule's action
    assert phishing_p1_group(admin) == "Security Team"


async def test_brackets_move_and_space_disables_an_escalation_rule(admin: Desk) -> None:
    app = make_app(admin)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await open_section(pilot, "e")
        screen = app.screen
        assert isinstance(screen, EscalationRulesScreen)
        table = screen.query_one(DataTable)
        last = screen.rows[-1]
        assert last.profile == "Platinum"
        await pilot.press(*["down"] * 5, "left_square_bracket")
        await settle(pilot)
        assert screen.rows[-2].id == last.id and table.cursor_row == len(screen.rows) - 2
        await pilot.press("space")
        await settle(pilot)
        assert str(table.get_row_at(table.cursor_row)[3]) == "off"
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert screen.rows[-1].id == last.id
    with admin.db.session() as s:
        row = s.get(EscalationRule, last.id)
        assert row is not None and row.active is False and row.position == 6


async def test_the_form_pickers_write_the_json_and_errors_keep_the_input(admin: Desk) -> None:
    app = make_app(admin)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await open_section(pilot, "a")
        screen = app.screen
        assert isinstance(screen, AssignmentRulesScreen)
        await pilot.press("down", "down", "enter")  # the security rule
        await settle(pilot)
        form = app.screen
        assert isinstance(form, AssignmentRuleForm)
        form.query_one("#pick-priority", Select).value = "P2"
        await pilot.pause()
        conditions = form.query_one("#conditions", TextArea)
        assert '"priority": "P2"' in conditions.text
        # a typo in the JSON: named, nothing saved, the dialog keeps what was typed
        conditions.text = conditions.text.replace('"priority"', '"priorty"')
        form.query_one("#ok", Button).press()  # not a click: a loaded machine may still be
        await settle(pilot)  # laying the dialog out, and a click lands where it was
        assert app.screen is form
        error = str(form.query_one("#error", Label).render())
        assert "unknown condition 'priorty'" in error
        conditions.text = conditions.text.replace('"priorty"', '"priority"')
        form.query_one("#ok", Button).press()
        await until(pilot, lambda: app.screen is screen)
        assert "priority P2" in str(screen.query_one(DataTable).get_row_at(2)[4])
    with admin.db.session() as s:
        rule = s.exec(select(AssignmentRule).where(
            AssignmentRule.name == "Cybersecurity incidents to Security Team")).one()
        assert rule.conditions["priority"] == "P2"


async def test_delete_asks_first(admin: Desk) -> None:
    app = make_app(admin)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await open_section(pilot, "a")
        screen = app.screen
        assert isinstance(screen, AssignmentRulesScreen)
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await pilot.pause()
        assert len(screen.rows) == 6
        await pilot.press("x", "y")
        await settle(pilot)
        assert len(screen.rows) == 5
        assert names_on_screen(screen.query_one(DataTable))[0] == "Platinum P1: tell the team lead"


def test_assignment_rules_snapshot(admin: Desk, snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await open_section(pilot, "a")
        await pilot.press("down", "down", "shift+up")
        await settle(pilot)

    assert snap_compare(make_app(admin), terminal_size=TERMINAL_SIZE, run_before=run_before)


def test_escalation_rules_snapshot(admin: Desk, snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await open_section(pilot, "e")

    assert snap_compare(make_app(admin), terminal_size=TERMINAL_SIZE, run_before=run_before)


def test_assignment_rule_form_snapshot(admin: Desk, snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await open_section(pilot, "a")
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(make_app(admin), terminal_size=TERMINAL_SIZE, run_before=run_before)


async def test_escalation_form_pickers_and_profile_save(admin: Desk) -> None:
    app = make_app(admin)
    async with app.run_test(size=TERMINAL_SIZE) as pilot:
        await open_section(pilot, "e")
        screen = app.screen
        assert isinstance(screen, EscalationRulesScreen)
        first = screen.rows[0]
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, EscalationRuleForm)
        form.query_one("#pick-tier", Select).value = "tier2"
        form.query_one("#profile", Select).value = screen.choices.profiles[0][0]  # Gold
        await pilot.pause()
        assert '"escalate_to": "tier2"' in form.query_one("#actions", TextArea).text
        form.query_one("#ok", Button).press()
        await until(pilot, lambda: app.screen is screen)
        row = screen.rows[0]
        assert row.id == first.id
        assert row.summary == ("Gold · at 75 % → notify team lead, reassign to tier2, "
                               "add a secondary")
