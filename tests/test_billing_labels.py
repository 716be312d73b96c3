"""One spelling of each billing type (`engine.vocabulary.BILLING_LABELS`) wherever it is
shown: the client list and form, the time dialogs' hint, billing's refusals. A second label
map anywhere in the package fails `test_no_other_copy_of_the_labels`."""

from __future__ import annotations

import ast
from pathlib import Path

import msp_tui
from msp_tui.engine.billing import rate_problem
from msp_tui.engine.vocabulary import BILLING_LABELS, BillingType, billing_label
from msp_tui.services import client_admin, ticket_view

PACKAGE = Path(msp_tui.__file__).parent
HOME = PACKAGE / "engine" / "vocabulary.py"


def test_every_billing_type_has_one_label() -> None:
    assert set(BILLING_LABELS) == set(BillingType)
    assert billing_label("fixed_monthly") == "Fixed monthly"
    assert billing_label(BillingType.TIME_AND_MATERIALS) == "Time & materials"
    assert billing_label("barter") == "barter"  # an unknown stored code reads as itself


def test_every_place_that_shows_a_billing_type_uses_the_map() -> None:
    assert client_admin.BILLING_LABELS is BILLING_LABELS  # the client list and form
    for kind, label in BILLING_LABELS.items():
        hint = ticket_view.billing_hint("Acme", kind.value, billable=True)
        assert hint == f"Acme: {label} contract, so billable by default."
        problem = rate_problem("Acme", kind.value, 60, 0)
        assert problem is not None and problem.startswith(f"Acme ({label.lower()}) has no")


def _string_constants(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def test_no_other_copy_of_the_labels() -> None:
    spellings = {label.lower() for label in BILLING_LABELS.values() if label != "Hybrid"}
    spellings |= {"time and materials", "fixed-monthly"}
    found = [f"{path.relative_to(PACKAGE)}:{line}: {text!r}"
             for path in sorted(PACKAGE.rglob("*.py")) if path != HOME
             for line, text in _string_constants(path) if text.strip().lower() in spellings]
    assert found == []
