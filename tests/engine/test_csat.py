"""Reading a satisfaction rating out of what customers actually type back."""

from __future__ import annotations

import pytest

from msp_tui.engine.csat import (
    Answer,
    read_answer,
    survey_body,
    survey_subject,
    survey_token,
)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("5", Answer(5, "")),
        ("5/5\nThanks a lot", Answer(5, "Thanks a lot")),
        ("4 - good, thanks", Answer(4, "thanks")),
        ("  \n\nExcellent!\nSam was quick.", Answer(5, "Sam was quick.")),
        ("very poor: nobody called back", Answer(1, "nobody called back")),
        ("Poor", Answer(2, "")),
        ("ok", Answer(3, "")),
        ("3. It took two days", Answer(3, "It took two days")),
    ],
)
def test_a_rating_on_the_first_line(body: str, expected: Answer) -> None:
    assert read_answer(body) == expected


@pytest.mark.parametrize(
    "body",
    [
        "not good, the printer is broken again",  # a negation is a comment, not "good"
        "10 out of 10",  # not on our 1-5 scale: a person reads it
        "Goodness, that was fast",  # a word inside a word is not a rating
        "Good morning, the VPN is down again",  # a greeting, then a new problem
        "1 more thing: the printer on floor 2 still jams",
        "3rd floor printer is still broken",
        "Good job",  # praise, but not on the scale: kept as the comment
        "Thanks!",
        "6",
    ],
)
def test_no_rating_keeps_everything_as_the_comment(body: str) -> None:
    answer = read_answer(body)
    assert answer.rating is None
    assert answer.comment == body


def test_an_empty_answer() -> None:
    assert read_answer(" \n ") == Answer(None, "")


def test_the_quoted_survey_never_counts_as_an_answer() -> None:
    """Replies above a quote were already stripped by intake; a reply whose first line is
    the quote header must not pick "5 Excellent" out of the quoted list."""
    body = "On Tue, 24 Nov 2026 Acme Support wrote:\n> 5  Excellent\n> 4  Good"
    assert read_answer(body).rating is None


def test_the_subject_carries_the_token_back() -> None:
    subject = survey_subject("[MSP#1234]", "Printer offline", "a1b2c3d4e5f60718")
    assert subject == "How did we do? [MSP#1234] Printer offline [CSAT:a1b2c3d4e5f60718]"
    assert survey_token(f"Re: {subject}") == "a1b2c3d4e5f60718"
    assert survey_token("RE: AW: [csat: A1B2C3D4E5F60718 ]") == "a1b2c3d4e5f60718"
    assert survey_token("[MSP#1234] Printer offline") is None


def test_the_body_lists_the_scale_and_names_the_technician() -> None:
    body = survey_body(contact_name="Pat Lee", number=1234, subject="Printer offline",
                       technician="Sam Reed")
    assert body.startswith("Hello Pat Lee,")
    assert "Sam Reed closed your ticket #1234" in body
    assert "  5  Excellent" in body and "  1  Very poor" in body
