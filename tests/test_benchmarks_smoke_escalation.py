"""The escalation benchmark runs end to end at a tiny size, so it cannot rot."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_escalation.py"


def test_escalation_benchmark_tiny(capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("bench_escalation", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    numbers = module.main(["--tickets", "300", "--open", "200", "--ticks", "4", "--step", "3600"])
    out = capsys.readouterr().out
    assert "tick + escalation median:" in out and numbers["median_ms"] > 0
    assert numbers["alerts"] > 0 and numbers["idle"] > 0  # four hours: crossings and idlers
