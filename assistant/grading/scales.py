"""The scales by name, for the CLI, the UI and the chat: findings in, a cited ``GradeResult`` out.

>>> sorted(SCALES)
['crs', 'hematotox', 'icaht', 'icans']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from assistant.grading import crs, hematotox, icaht, icans
from assistant.grading.core import GradeResult, PassagesOf, Rules, ScaleUnavailableError, resolve, validated


@dataclass(frozen=True)
class Scale:
    """One scale: its findings model, how it finds its rules, and how it grades."""

    name: str
    findings: type[BaseModel]
    rules_for: Callable[[Any, PassagesOf], Rules]
    grade: Callable[[Any, Rules], GradeResult] | None


def _unavailable(findings: BaseModel, rules: Rules) -> GradeResult:
    msg = f"{rules.file.title} has rules but no grading code yet"
    raise ScaleUnavailableError(msg)


SCALES: dict[str, Scale] = {
    "crs": Scale("crs", crs.CrsFindings, lambda _, p: resolve("crs", p), crs.grade),
    "icans": Scale("icans", icans.IcansFindings, icans.rules_for, icans.grade),
    "icaht": Scale("icaht", icaht.IcahtFindings, icaht.rules_for, icaht.grade),
    "hematotox": Scale("hematotox", hematotox.HematotoxFindings, hematotox.rules_for, None),
}


def grade(scale: str, values: dict[str, Any], passages_of: PassagesOf, notices: list[str] | None = None) -> GradeResult:
    """Validate the findings (one-line error on an impossible value), resolve the rules (one-line refusal
    when a cited row is not indexed), and grade."""
    spec = SCALES[scale]
    findings = validated(spec.findings, values)
    rules = spec.rules_for(findings, passages_of)
    result = (spec.grade or _unavailable)(findings, rules)
    if notices:
        result.notices[:0] = notices
    return result
