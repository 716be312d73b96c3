"""The priority policy: suggestions never apply themselves; escalations only go up."""

from __future__ import annotations

import pytest

from msp_tui.engine import priority_policy as pp
from msp_tui.engine.vocabulary import PriorityCode as P

# ---------------------------------------------------------------- suggestions


@pytest.mark.parametrize(
    ("subject", "body", "priority", "reason"),
    [
        ("Server down", "", P.P1, "'down' in subject"),
        ("Email OUTAGE at HQ", "", P.P1, "'outage' in subject"),
        ("Odd files", "Looks like ransomware hit the share", P.P1, "'ransomware' in body"),
        ("VPN", "It is not working for everyone", P.P1, "'not working for everyone' in body"),
        ("Site down", "full outage", P.P1, "'down' in subject; 'outage' in body"),
        ("Printer", "urgent please", P.P2, "'urgent' in body"),
        ("Locked out of Outlook", "", P.P2, "'locked out' in subject"),
        ("Can't work, ASAP", "", P.P2, "'asap', 'can't work' in subject"),
    ],
)
def test_suggestion_names_the_keyword(subject: str, body: str, priority: P, reason: str) -> None:
    s = pp.suggest(subject, body)
    assert s is not None and s.priority == priority and s.reason == reason


def test_p1_words_win_over_p2_words() -> None:
    s = pp.suggest("Urgent: file server down", "")
    assert s is not None and s.priority == P.P1 and s.keywords == ("down",)


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        ("Download folder is full", "Please clean the downloads"),  # whole words only
        ("Breaches in the fence report", ""),  # plural is another word
        ("Printer jam", "Tray 2 again"),
        ("", ""),
    ],
)
def test_no_suggestion_without_a_whole_word(subject: str, body: str) -> None:
    assert pp.suggest(subject, body) is None


def test_phrases_match_across_line_breaks_and_case() -> None:
    s = pp.suggest("VPN", "It is NOT WORKING\nfor everyone")
    assert s is not None and s.priority == P.P1


# ---------------------------------------------------------------- escalations


def _esc(current: P, **kw: object) -> pp.Escalation | None:
    args: dict[str, object] = {"vip": False, "recent_from_client": 1, "spike_threshold": 5}
    args.update(kw)
    return pp.escalate(current, **args)  # type: ignore[arg-type]


@pytest.mark.parametrize("current", [P.P3, P.P4])
def test_vip_lifts_p3_and_p4_to_p2(current: P) -> None:
    e = _esc(current, vip=True)
    assert e == pp.Escalation(P.P2, "VIP client")


@pytest.mark.parametrize("current", [P.P1, P.P2])
@pytest.mark.parametrize(
    "trigger",
    [{"vip": True}, {"recent_from_client": 50}, {"security_hit": True},
     {"vip": True, "recent_from_client": 9, "security_hit": ("ransomware",)}],
)
def test_never_touches_p1_or_p2(current: P, trigger: dict[str, object]) -> None:
    assert _esc(current, **trigger) is None


@pytest.mark.parametrize("current", list(P))
def test_never_downgrades(current: P) -> None:
    e = _esc(current, vip=True, recent_from_client=99, security_hit=True)
    assert e is None or pp.is_higher(e.priority, current)


def test_nothing_to_escalate_without_a_trigger() -> None:
    assert _esc(P.P4) is None


@pytest.mark.parametrize(("count", "bumped"), [(1, False), (4, False), (5, True), (6, True)])
def test_spike_threshold_edge(count: int, bumped: bool) -> None:
    e = _esc(P.P3, recent_from_client=count, spike_window_minutes=60)
    assert (e is not None) is bumped
    if e is not None:
        assert e.reason == f"spike: {count} tickets from this client within 60 min"


def test_spike_threshold_zero_disables_the_spike_rule() -> None:
    assert _esc(P.P3, recent_from_client=100, spike_threshold=0) is None


def test_security_keywords_escalate_and_are_named() -> None:
    words = pp.security_keywords("Phishing mail", "I clicked it, account compromised")
    assert words == ("phishing", "compromised")
    e = _esc(P.P4, security_hit=words)
    assert e == pp.Escalation(P.P2, "security keyword 'phishing', 'compromised'")


def test_all_reasons_together() -> None:
    e = _esc(P.P3, vip=True, recent_from_client=5, security_hit=True)
    assert e is not None
    assert e.reason == "VIP client; spike: 5 tickets from this client; security keyword"


def test_rank_order() -> None:
    assert pp.is_higher(P.P1, P.P2) and pp.is_higher("P3", "P4")
    assert not pp.is_higher(P.P2, P.P2) and not pp.is_higher(P.P4, P.P1)


# ---------------------------------------------------------------- implementation routing


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        ("I need a new laptop", ""),
        ("Please set up a shared mailbox", ""),
        ("Onboard Jane Doe on Monday", ""),
        ("New user: Sam Lee", "Starts next week"),
        ("Request", "Onboarding for two new starters"),
    ],
)
def test_implementation_requests(subject: str, body: str) -> None:
    assert pp.is_implementation_request(subject, body)


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        ("Printer jam", "Tray 2"),
        ("I need this fixed now", "The file server is down"),  # an incident wins
        ("Set up looks hacked", ""),  # a security word wins
        ("Upsetup", "needful"),  # whole words only
    ],
)
def test_not_implementation_requests(subject: str, body: str) -> None:
    assert not pp.is_implementation_request(subject, body)
