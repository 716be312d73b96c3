"""Escalation rules as values: validation, which rule applies, whom to pick, when to fire."""

from __future__ import annotations

from datetime import timedelta

import pytest

from msp_tui.engine import escalation as esc


@pytest.mark.parametrize(
    ("trigger", "actions"),
    [
        ("75", {"assign_secondary": True, "alert": ["team_lead"]}),
        ("90", {"escalate_to": "senior", "status": "escalated", "alert": ["operations_manager"]}),
        ("100", {"flag_breached": True, "notify_client": True, "alert": ["director"]}),
        ("near_due", {"escalate_to": "senior", "status": "escalated"}),
        ("idle", {"reassign": "available", "after_minutes": 90, "alert": ["previous_assignee"]}),
        ("80", {"assign_secondary": "tier2"}),
    ],
)
def test_valid_rules_have_no_problems(trigger: str, actions: dict[str, object]) -> None:
    assert esc.action_problems(trigger, actions) == []


def test_every_problem_is_named() -> None:
    problems = esc.action_problems("soon", {
        "escalate_to": "boss", "status": "panic", "alert": ["cto"], "after_minutes": 5,
        "flag_breached": "yes", "pager": True,
    })
    text = "; ".join(problems)
    for part in ("unknown trigger 'soon'", "unknown action 'pager'", "escalate_to 'boss'",
                 "status 'panic'", "alert 'cto'", "after_minutes only applies",
                 "flag_breached must be true or false"):
        assert part in text
    assert esc.action_problems("idle", {"after_minutes": 0})[0].startswith("after_minutes must")
    assert esc.action_problems("75", []) == ["actions must be an object"]


def test_profile_rule_wins_over_the_all_profiles_rule() -> None:
    everyone = esc.EscalationSpec(1, None, "75", 10, {"alert": ["team_lead"]})
    gold = esc.EscalationSpec(2, 7, "75", 20, {"alert": ["director"]})
    off = esc.EscalationSpec(3, 8, "75", 0, {}, active=False)
    rules = [everyone, gold, off]
    assert esc.rule_for(rules, 7, "75") is gold
    assert esc.rule_for(rules, 8, "75") is everyone  # its own rule is inactive
    assert esc.rule_for(rules, None, "75") is everyone
    assert esc.rule_for(rules, 7, "90") is None


def test_idle_window_defaults_to_two_hours() -> None:
    assert esc.EscalationSpec(1, None, "idle").idle_after == esc.IDLE_AFTER == timedelta(hours=2)
    assert esc.EscalationSpec(1, None, "idle", actions={"after_minutes": 30}).idle_after == (
        timedelta(minutes=30))


def test_choose_least_load_never_the_assignee_and_group_first() -> None:
    staff = [
        esc.Staff(1, "technician", "tier1", True, 0, in_group=True),  # the assignee
        esc.Staff(2, "technician", "senior", True, 5, in_group=True),
        esc.Staff(3, "technician", "senior", True, 1),
        esc.Staff(4, "team_lead", "senior", True, 1),
        esc.Staff(5, "director", "senior", True, 0),  # told, never assigned
        esc.Staff(6, "technician", "senior", False, 0),  # inactive
    ]
    assert esc.choose(staff, tier="senior", exclude=[1]) == 3  # ties by id
    assert esc.choose(staff, tier="senior", exclude=[1], prefer_group=True) == 2
    assert esc.choose(staff, exclude=[1, 2, 3, 4]) is None
    assert esc.choose(staff, tier="tier2") is None


def test_fires_only_while_the_calendar_is_open_and_levels() -> None:
    assert esc.fires_now(True) and not esc.fires_now(False)
    assert esc.level_for("75") == "warning"
    assert esc.level_for("90") == esc.level_for("100") == esc.level_for("near_due") == "error"
    assert esc.level_for("idle") == "warning"
