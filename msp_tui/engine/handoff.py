"""The Tier 1 → Tier 2 hand-off summary: what Tier 2 needs so they never start over.

Kept as four named parts (not free text) so a hand-off without a symptom is refused
and every note reads the same way in the thread.
"""

from __future__ import annotations

from dataclasses import dataclass

NOTE_TITLE = "Tier 1 → Tier 2 hand-off"
NOT_RECORDED = "— none recorded"


class HandoffError(ValueError):
    """A summary Tier 2 could not work from."""


@dataclass(frozen=True)
class HandoffSummary:
    symptom: str
    reproduction: str = ""
    diagnostics: str = ""
    ruled_out: str = ""

    @classmethod
    def of(
        cls, symptom: str, reproduction: str = "", diagnostics: str = "", ruled_out: str = ""
    ) -> HandoffSummary:
        """Trimmed fields; raises `HandoffError` without a symptom."""
        summary = cls(symptom.strip(), reproduction.strip(), diagnostics.strip(),
                      ruled_out.strip())
        summary.validate()
        return summary

    def validate(self) -> None:
        if not self.symptom.strip():
            raise HandoffError("describe the symptom: Tier 2 starts from it")

    def sections(self) -> list[tuple[str, str]]:
        return [
            ("Symptom", self.symptom),
            ("Reproduction steps", self.reproduction),
            ("Diagnostics run", self.diagnostics),
            ("Ruled out", self.ruled_out),
        ]

    def render(self) -> str:
        """The internal note: a title, then each heading with its text indented below."""
        parts = [NOTE_TITLE]
        for heading, text in self.sections():
            body = text.strip() or NOT_RECORDED
            indented = "\n".join(f"  {line}".rstrip() for line in body.splitlines())
            parts.append(f"{heading}:\n{indented}")
        return "\n\n".join(parts)
