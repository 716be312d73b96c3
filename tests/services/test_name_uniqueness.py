"""Names people tell apart by eye must be unique that way too (review): case in any
script (SQL lower() folds only ASCII) and runs of spaces do not make a new name."""

from __future__ import annotations

import dataclasses

import pytest
from sqlmodel import select

from msp_tui.services import calendar_admin as cal
from msp_tui.services import client_admin as ca
from msp_tui.services import sla_admin
from msp_tui.services.desk import Desk
from msp_tui.services.tickets import ServiceError
from msp_tui.store.models import BusinessCalendarRow, Client, SlaProfile
from tests.conftest import FIXED_NOW


def test_name_key_folds_case_in_any_script_and_spaces() -> None:
    assert sla_admin.name_key("  École   Rive ") == sla_admin.name_key("école rive")
    assert sla_admin.name_key("STRASSE") == sla_admin.name_key("straße")
    assert sla_admin.name_key("Gold") != sla_admin.name_key("Gold 2")


@pytest.mark.parametrize("name", ["PLATINUM", "platinum", "Platinum ", "pLaTiNuM"])
def test_a_profile_name_differing_only_in_case_is_taken(admin: Desk, name: str) -> None:
    with admin.db.session() as s, pytest.raises(ServiceError) as err:
        gold = s.exec(select(SlaProfile).where(SlaProfile.name == "Gold")).one()
        sla_admin.clone_profile(s, gold.id, name, at=FIXED_NOW, actor=admin.actor())  # type: ignore[arg-type]
    assert str(err.value) == "there is already a profile named 'Platinum'"
    with admin.db.session() as s, pytest.raises(ServiceError, match="named 'Platinum'"):
        sla_admin.update_profile(s, gold.id, name="platinum", at=FIXED_NOW,  # type: ignore[arg-type]
                                 actor=admin.actor())
    with admin.db.session() as s:
        assert sorted(s.exec(select(SlaProfile.name))) == ["Gold", "Platinum", "Standard"]
        # its own name in another case is a rename, not a clash
        sla_admin.update_profile(s, gold.id, name="GOLD", at=FIXED_NOW, actor=admin.actor())  # type: ignore[arg-type]
    with admin.db.session() as s:
        assert s.get(SlaProfile, gold.id).name == "GOLD"  # type: ignore[union-attr]


def test_client_names_are_unique_beyond_ascii_case(admin: Desk) -> None:
    first = ca.create_client(admin, ca.ClientInput(name="École Rive",
                                                   billing_type="fixed_monthly"))
    for clash in ("école rive", "ÉCOLE  RIVE"):
        with pytest.raises(ServiceError) as err:
            ca.create_client(admin, ca.ClientInput(name=clash, billing_type="fixed_monthly"))
        assert str(err.value) == "there is already a client named 'École Rive'"
    other = ca.create_client(admin, ca.ClientInput(name="Rive Sud", billing_type="fixed_monthly"))
    with pytest.raises(ServiceError, match="there is already a client named 'École Rive'"):
        ca.update_client(admin, other, ca.ClientInput(name="école rive",
                                                      billing_type="fixed_monthly"))
    ca.update_client(admin, first, ca.ClientInput(name="ÉCOLE RIVE",
                                                  billing_type="fixed_monthly"))
    with admin.db.session() as s:
        names = s.exec(select(Client.name).where(Client.id.in_([first, other]))).all()  # type: ignore[union-attr]
    assert sorted(names) == ["Rive Sud", "ÉCOLE RIVE"]


def test_calendar_names_are_unique_regardless_of_case(admin: Desk) -> None:
    form = cal.read_calendar(admin, 1)
    upper = dataclasses.replace(form, name="BUSINESS HOURS  (NEW YORK)")
    with pytest.raises(ServiceError) as err:
        cal.create_calendar(admin, upper)
    assert str(err.value).splitlines()[0] == ("There is already a calendar named "
                                              "'Business hours (New York)'")
    with pytest.raises(ServiceError, match="named 'Business hours \\(New York\\)'"):
        cal.update_calendar(admin, 2, dataclasses.replace(cal.read_calendar(admin, 2),
                                                          name="business hours (new york)"))
    with admin.db.session() as s, pytest.raises(ServiceError,
                                                match="already a calendar named '24/7 \\(UTC\\)'"):
        sla_admin.update_calendar(s, 3, name="24/7 (utc)", at=FIXED_NOW, actor=admin.actor())
    with admin.db.session() as s:
        assert len(s.exec(select(BusinessCalendarRow)).all()) == 3
