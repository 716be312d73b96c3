"""The business-hours benchmark still runs (tiny size), so it cannot silently rot."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_business_hours.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_business_hours", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_runs_and_reports_rates(capsys: pytest.CaptureFixture[str]) -> None:
    result = _load().main(["--calls", "200", "--seed", "3", "--calendars", "4"])
    assert set(result) == {"add_per_s", "elapsed_per_s"}
    assert all(rate > 0 for rate in result.values())
    out = capsys.readouterr().out
    assert "add()" in out and "elapsed()" in out
