"""Fixtures shared by the service tests."""

from __future__ import annotations

import pytest

from msp_tui.store.db import Database
from tests.services.gold_desk import Desk, build_gold_desk


@pytest.fixture
def desk(empty_db: Database) -> Desk:
    return build_gold_desk(empty_db)
