"""The dashboard benchmark runs end to end at a tiny size, so it cannot rot."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def test_dashboard_benchmark_tiny(capsys: pytest.CaptureFixture[str]) -> None:
    sys.path.insert(0, str(BENCHMARKS))
    try:
        spec = importlib.util.spec_from_file_location(
            "bench_dashboard", BENCHMARKS / "bench_dashboard.py"
        )
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        timings = module.main(["--open", "200", "--closed", "100", "--runs", "2"])
    finally:
        sys.path.remove(str(BENCHMARKS))
    out = capsys.readouterr().out
    assert "open tickets: 200" in out
    assert set(timings) == {
        "team dashboard", "my dashboard", "screen first paint", "UI lag during load"
    }
    assert all(v > 0 for v in timings.values())
