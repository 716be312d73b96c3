"""The mail intake benchmark runs end to end at a tiny size against a real Dovecot, so it
cannot rot; without Dovecot it skips, or fails where integration is required (CI)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from tests.mailservers import require_dovecot

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_mail.py"


@pytest.mark.integration
def test_mail_benchmark_tiny(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    require_dovecot()
    spec = importlib.util.spec_from_file_location("bench_mail", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # its dataclasses look it up
    spec.loader.exec_module(module)
    numbers = module.main(["--messages", "30", "--batch", "7", "--tracemalloc"])
    out = capsys.readouterr().out
    for line in ("append: 30 msgs in", "ingest: 30 msgs in", "peak memory:", "outcomes:",
                 "accounted: 30 of 30"):
        assert line in out, out
    assert numbers["ingest_per_s"] > 0 and numbers["peak_mib"] > 0
    # Every mail was taken: a ticket, a reply on one, or an ignored auto-reply; none lost.
    assert numbers["tickets"] + numbers["replies"] + numbers["ignored"] == 30
    assert numbers["quarantined"] == 0 and numbers["tickets"] > 0 and numbers["replies"] > 0
