"""Automation rules and round robin: each condition and action, validation messages,
ordering and first match per phase, and fairness over a thousand tickets."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from typing import Any

import pytest

from msp_tui.engine.assignment import (
    Candidate,
    RuleSpec,
    TicketFacts,
    first_match,
    matches,
    pick_round_robin,
)
from msp_tui.engine.vocabulary import RulePhase

NETWORK, VPN, SECURITY, PHISHING = 1, 2, 3, 4  # category ids: VPN under Network, ...

FACTS = TicketFacts(
    client_id=7,
    client_name="Northwind Health",
    profile="Platinum",
    vip=True,
    priority="P1",
    category_id=VPN,
    parent_category_id=NETWORK,
    ticket_type="support",
    channel="email",
    subject="Cannot connect to VPN from home",
    body="Hello,\n\nThe VPN client says 'server unreachable'.\n\nThanks",
)


def rule(
    conditions: dict[str, Any] | None = None,
    actions: dict[str, Any] | None = None,
    *,
    phase: str = RulePhase.ASSIGN,
    position: int = 10,
    name: str = "r",
    id: int | None = None,
    active: bool = True,
) -> RuleSpec:
    return RuleSpec(
        id=id, position=position, name=name, phase=phase, conditions=conditions or {},
        actions=actions if actions is not None else {"group": 1}, active=active,
    )


# ---------------------------------------------------------------- conditions


def test_no_conditions_match_every_ticket() -> None:
    assert matches(rule({}), FACTS)
    assert matches(rule({}), replace(FACTS, client_id=None, client_name=None, profile=None))


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        ({"sla_profile": "Platinum"}, True),
        ({"sla_profile": "platinum"}, True),  # names are case-insensitive
        ({"sla_profile": ["Gold", "Platinum"]}, True),
        ({"sla_profile": "Gold"}, False),
        ({"client": 7}, True),
        ({"client": "northwind health"}, True),
        ({"client": [8, "Contoso Legal"]}, False),
        ({"priority": "P1"}, True),
        ({"priority": ["P2", "P3"]}, False),
        ({"category": VPN}, True),
        ({"category": NETWORK}, True),  # a parent matches its sub-categories
        ({"category": [SECURITY, PHISHING]}, False),
        ({"ticket_type": "support"}, True),
        ({"ticket_type": "implementation"}, False),
        ({"channel": ["phone", "email"]}, True),
        ({"channel": "portal"}, False),
        ({"vip": True}, True),
        ({"vip": False}, False),
        ({"keywords": "vpn"}, True),  # subject, any case
        ({"keywords": "server unreachable"}, True),  # a phrase, in the body
        ({"keywords": ["ransomware", "connect to   VPN"]}, True),  # inner spaces are loose
        ({"keywords": "connect VPN"}, False),  # a phrase is contiguous
        ({"keywords": "unreach"}, False),  # whole words only
        ({"keywords": "'server"}, True),  # punctuation is literal
    ],
)
def test_each_condition_kind(conditions: dict[str, Any], expected: bool) -> None:
    assert matches(rule(conditions), FACTS) is expected


def test_all_conditions_must_hold() -> None:
    assert matches(rule({"sla_profile": "Platinum", "priority": "P1"}), FACTS)
    assert not matches(rule({"sla_profile": "Platinum", "priority": "P1"}),
                       replace(FACTS, priority="P2"))


def test_unmatched_tickets_meet_no_client_conditions() -> None:
    bare = replace(FACTS, client_id=None, client_name=None, profile=None, vip=False)
    assert not matches(rule({"sla_profile": "Platinum"}), bare)
    assert not matches(rule({"client": 7}), bare)
    assert matches(rule({"vip": False}), bare)


def test_a_category_rule_on_a_top_level_category_ticket() -> None:
    top = replace(FACTS, category_id=NETWORK, parent_category_id=None)
    assert matches(rule({"category": NETWORK}), top)
    assert not matches(rule({"category": VPN}), top)  # a sub-category never matches its parent
    uncategorised = replace(FACTS, category_id=None, parent_category_id=None)
    assert not matches(rule({"category": NETWORK}), uncategorised)


def test_an_unknown_condition_never_matches() -> None:
    assert not matches(rule({"priorty": "P1"}), FACTS)


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (rule({"priorty": "P1"}), "unknown condition 'priorty'; known conditions: sla_profile"),
        (rule({"priority": "P5"}), "condition 'priority': unknown value 'P5'"),
        (rule({"priority": []}), "condition 'priority' is an empty list"),
        (rule({"category": "Network"}), "condition 'category' must be a category id"),
        (rule({"vip": "yes"}), "condition 'vip' must be true or false, not 'yes'"),
        (rule({"channel": "fax"}), "condition 'channel': unknown value 'fax'"),
        (rule({"keywords": [""]}), "condition 'keywords' must be a word or phrase"),
        (rule({"client": 1.5}), "condition 'client' must be a client id or name"),
        (rule(phase="later"), "unknown phase 'later'; expected one of categorize, assign, notify"),
        (rule(actions={"group": "Network Team"}), "action 'group' must be an id"),
        (rule(actions={"assign_to": 3}), "unknown action 'assign_to'; known actions:"),
        (rule(actions={"group": 1, "notify": [2]}),
         "action 'notify' belongs to a notify rule, not a assign rule (one job per rule)"),
        (rule(actions={}), "a assign rule needs an action: group or round_robin or technician"),
        (rule(actions={"round_robin": True}), "action 'round_robin' needs a 'group'"),
        (rule(actions={"group": 1, "round_robin": "yes"}), "'round_robin' must be true or false"),
        (rule(actions={"group": 1, "technician": 2, "round_robin": True}),
         "either 'technician' or 'round_robin'"),
        (rule(actions={"set_type": "project"}, phase=RulePhase.CATEGORIZE),
         "action 'set_type': unknown type 'project'; expected one of support, implementation"),
        (rule(actions={"set_category": True}, phase=RulePhase.CATEGORIZE),
         "action 'set_category' must be an id"),
        (rule(actions={"notify": ["boss"]}, phase=RulePhase.NOTIFY),
         "action 'notify': 'boss' is neither a technician id nor one of assignee, group_lead"),
        (rule(actions={"notify": []}, phase=RulePhase.NOTIFY), "action 'notify' names nobody"),
        (rule(actions={"message": "hi"}, phase=RulePhase.NOTIFY),
         "a notify rule needs an action: notify"),
        (rule(name="  "), "a rule needs a name"),
    ],
)
def test_bad_rules_get_a_clear_message(spec: RuleSpec, message: str) -> None:
    problems = spec.validate()
    assert any(message in p for p in problems), problems


def test_good_rules_have_no_problems() -> None:
    good = [
        rule({"sla_profile": "Platinum", "priority": "P1"}, {"group": 1, "round_robin": True}),
        rule({"keywords": ["phishing", "spoofed"]}, {"technician": 5}),
        rule({"category": [1, 2], "vip": False}, {"group": 1, "technician": 5}),
        rule({"ticket_type": "support", "channel": "portal", "client": [3, "Acme"]},
             {"set_category": 4, "set_type": "implementation"}, phase=RulePhase.CATEGORIZE),
        rule({"priority": "P1"}, {"notify": [5, "group_lead", "assignee"], "message": "P1!"},
             phase=RulePhase.NOTIFY),
        rule({}, {"notify": "group_lead"}, phase=RulePhase.NOTIFY),
    ]
    for spec in good:
        assert spec.validate() == [], spec


def test_all_problems_are_listed_at_once() -> None:
    problems = rule({"priorty": "P1", "vip": 1}, {"group": "x", "colour": "red"}).validate()
    assert len(problems) == 4, problems


# ---------------------------------------------------------------- ordering and phases


def test_first_match_by_position_not_by_list_order() -> None:
    late = rule({"priority": "P1"}, position=30, name="late")
    early = rule({"sla_profile": "Platinum"}, position=10, name="early")
    catch_all = rule({}, position=99, name="else")
    assert first_match([catch_all, late, early], FACTS, RulePhase.ASSIGN) == early
    assert first_match([catch_all, late, early], replace(FACTS, profile="Gold"),
                       RulePhase.ASSIGN) == late
    assert first_match([catch_all, late, early], replace(FACTS, profile="Gold", priority="P3"),
                       RulePhase.ASSIGN) == catch_all


def test_equal_positions_fall_back_to_id() -> None:
    a = rule({}, position=10, id=2, name="second")
    b = rule({}, position=10, id=1, name="first")
    assert first_match([a, b], FACTS, RulePhase.ASSIGN) == b


def test_inactive_rules_are_skipped() -> None:
    off = rule({}, position=1, name="off", active=False)
    on = rule({}, position=2, name="on")
    assert first_match([off, on], FACTS, RulePhase.ASSIGN) == on
    assert first_match([off], FACTS, RulePhase.ASSIGN) is None


def test_each_phase_picks_its_own_first_match() -> None:
    rules = [
        rule({}, {"set_type": "support"}, phase=RulePhase.CATEGORIZE, position=1, name="cat"),
        rule({}, {"group": 1}, position=2, name="assign"),
        rule({}, {"notify": [1]}, phase=RulePhase.NOTIFY, position=3, name="notify"),
    ]
    assert [first_match(rules, FACTS, p).name for p in RulePhase] == [  # type: ignore[union-attr]
        "cat", "assign", "notify"
    ]
    assert first_match(rules[1:], FACTS, RulePhase.CATEGORIZE) is None


def test_no_rule_no_match() -> None:
    assert first_match([rule({"priority": "P4"})], FACTS, RulePhase.ASSIGN) is None
    assert first_match([], FACTS, RulePhase.ASSIGN) is None


# ---------------------------------------------------------------- round robin


def test_least_load_wins_over_the_pointer() -> None:
    team = [Candidate(1, True, 3), Candidate(2, True, 1), Candidate(3, True, 2)]
    assert pick_round_robin(team, last_id=1) == 2
    assert pick_round_robin(team, last_id=2) == 2  # even right after its own turn


def test_ties_go_to_the_next_after_the_pointer_cyclically() -> None:
    team = [Candidate(30, True, 0), Candidate(10, True, 0), Candidate(20, True, 0)]
    assert pick_round_robin(team, None) == 10
    assert pick_round_robin(team, 10) == 20
    assert pick_round_robin(team, 20) == 30
    assert pick_round_robin(team, 30) == 10  # wraps around
    assert pick_round_robin(team, 15) == 20  # the pointer's technician left the group
    assert pick_round_robin(team, 99) == 10


def test_inactive_technicians_are_skipped() -> None:
    team = [Candidate(1, False, 0), Candidate(2, True, 5), Candidate(3, False, 0)]
    assert pick_round_robin(team, None) == 2
    assert pick_round_robin([Candidate(1, False, 0)], None) is None
    assert pick_round_robin([], 4) is None


def _run(team: dict[int, bool], tickets: int, rng: random.Random | None,
         close_chance: float = 0.0) -> tuple[Counter[int], dict[int, int]]:
    """Hand out `tickets` turns; with `rng`, the odd open ticket gets closed between."""
    load = dict.fromkeys(team, 0)
    given: Counter[int] = Counter()
    last: int | None = None
    for _ in range(tickets):
        cands = [Candidate(t, active, load[t]) for t, active in team.items()]
        picked = pick_round_robin(cands, last)
        assert picked is not None
        assert team[picked], "an inactive technician got a ticket"
        assert load[picked] == min(c.open_load for c in cands if c.active)
        given[picked] += 1
        load[picked] += 1
        last = picked
        if rng is not None and rng.random() < close_chance:
            busy = [t for t in team if load[t]]
            load[rng.choice(busy)] -= 1
    return given, load


def test_fairness_1000_tickets_over_five_with_one_inactive() -> None:
    team = {11: True, 12: True, 13: False, 14: True, 15: True}
    given, _ = _run(team, 1000, None)
    assert 13 not in given
    assert sum(given.values()) == 1000
    assert max(given.values()) - min(given.values()) <= 1
    assert sorted(given.values()) == [250, 250, 250, 250]


def test_fairness_holds_at_every_step_not_only_at_the_end() -> None:
    team = {1: True, 2: True, 3: True, 4: False, 5: True}
    for n in range(1, 60):
        given, _ = _run(team, n, None)
        counts = [given[t] for t in (1, 2, 3, 5)]
        assert max(counts) - min(counts) <= 1, (n, given)


def test_with_tickets_closing_the_least_loaded_always_wins() -> None:
    team = {1: True, 2: True, 3: True, 4: False, 5: True}
    given, load = _run(team, 1000, random.Random(7), close_chance=0.6)
    assert 4 not in given and sum(given.values()) == 1000
    # picking the least loaded keeps open loads level however tickets close
    assert max(load[t] for t in (1, 2, 3, 5)) - min(load[t] for t in (1, 2, 3, 5)) <= 3
