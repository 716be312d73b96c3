"""The README opens with the two commands, and CI runs the README's test command."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# ")
    start = lines.index("```sh")
    assert start <= 2, "the README must open with the commands"
    end = lines.index("```", start)
    return lines[start + 1 : end]


def test_readme_opens_with_exactly_two_commands() -> None:
    run, test = readme_commands()
    assert "venv" in run and "pip install" in run and run.endswith("msp-tui")
    assert "venv" in test and "pytest" in test


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    _run, test = readme_commands()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test in ci
