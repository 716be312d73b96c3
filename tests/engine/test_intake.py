"""Pure intake decisions: reply effects, dedupe keys, domains, token trust."""

from __future__ import annotations

import pytest

from msp_tui.engine.intake import (
    ReplyEffect,
    TokenTicket,
    body_for_ticket,
    dedupe_key,
    domain_candidates,
    ignore_reason,
    quarantine_reason,
    reply_effect,
    token_counts,
)
from msp_tui.engine.mail import Attachment, ParsedMail
from msp_tui.engine.vocabulary import StatusCategory as C


@pytest.mark.parametrize(
    ("key", "category", "effect"),
    [
        ("new", C.OPEN, ReplyEffect.NONE),
        ("in_progress", C.OPEN, ReplyEffect.NONE),
        ("waiting_on_customer", C.PAUSED, ReplyEffect.RESUME),
        ("info_needed", C.PAUSED, ReplyEffect.RESUME),
        ("pending_approval", C.PAUSED, ReplyEffect.NONE),  # approval is not a plain reply
        ("resolved", C.RESOLVED, ReplyEffect.REOPEN),
        ("noc_completed", C.RESOLVED, ReplyEffect.REOPEN),
        ("closed", C.CLOSED, ReplyEffect.NEW_RELATED),
        (None, C.CLOSED, ReplyEffect.NEW_RELATED),
    ],
)
def test_reply_effect(key, category, effect):
    assert reply_effect(key, category) == effect


def test_dedupe_key_prefers_message_id_and_hashes_bytes_otherwise():
    assert dedupe_key("<a@b>", b"x") == "<a@b>"
    assert dedupe_key(None, b"x") == dedupe_key(None, b"x") != dedupe_key(None, b"y")
    assert dedupe_key(None, b"x").startswith("sha256:")


def test_domain_candidates_walk_up_but_never_to_a_bare_tld():
    assert domain_candidates("a@IT.Acme.Example.") == ["it.acme.example", "acme.example"]
    assert domain_candidates("a@localhost") == []
    assert domain_candidates("broken") == []


def test_token_counts_only_for_the_tickets_client():
    t = TokenTicket(client_id=1, requester_email="pat@acme.example",
                    client_domains=frozenset({"acme.example"}))
    assert token_counts(t, "PAT@acme.example", None)
    assert token_counts(t, "x@sub.acme.example", None)
    assert token_counts(t, "x@other.example", 1)  # a contact of the client, other domain
    assert not token_counts(t, "x@other.example", 2)
    unmatched = TokenTicket(client_id=None, requester_email="pat@home.example",
                            client_domains=frozenset())
    assert token_counts(unmatched, "pat@home.example", None)
    assert not token_counts(unmatched, "eve@home.example", None)


def test_quarantine_and_ignore_reasons():
    assert quarantine_reason(ParsedMail(from_email="")) is not None
    assert quarantine_reason(ParsedMail(from_email="a@b", problems=(
        "message could not be parsed: boom",))) == "message could not be parsed: boom"
    assert quarantine_reason(ParsedMail(from_email="a@b", problems=("odd charset",))) is None
    assert ignore_reason(ParsedMail(from_email="a@b", auto_reply=True,
                                    auto_reply_reason="Precedence: bulk"), ()) == "Precedence: bulk"
    assert ignore_reason(ParsedMail(from_email="Help@MSP.example"), ("help@msp.example",))
    assert ignore_reason(ParsedMail(from_email="a@b", message_id="<msp-tui.9.1@msp.example>"),
                         (), "msp.example")
    assert ignore_reason(ParsedMail(from_email="a@b", message_id="<x@msp.example>"),
                         (), "msp.example") is None


def test_body_for_ticket():
    quoted = "Thanks!\n\nOn Mon, Pat wrote:\n> old"
    assert body_for_ticket(ParsedMail(text=quoted), is_reply=True) == "Thanks!"
    assert body_for_ticket(ParsedMail(text=quoted), is_reply=False) == quoted
    assert body_for_ticket(ParsedMail(text="> only quote"), is_reply=True) == "> only quote"
    with_file = ParsedMail(attachments=(Attachment("a.png", "image/png", 3),))
    assert body_for_ticket(with_file, is_reply=False) == "(no text; attachments: a.png)"
    assert body_for_ticket(ParsedMail(), is_reply=False) == "(empty message)"
