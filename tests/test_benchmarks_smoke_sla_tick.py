"""The tick benchmark runs end to end at a tiny size, so it cannot rot."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_sla_tick.py"


def test_tick_benchmark_tiny(capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("bench_sla_tick", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    numbers = module.main(["--tickets", "600", "--open", "200", "--ticks", "5", "--step", "3600"])
    out = capsys.readouterr().out
    assert "tick median:" in out and numbers["median_ms"] > 0
    assert numbers["crossings"] > 0  # five hours of ticks on 400 running clocks cross some
