"""ICAHT grade: platelets (T-ICAHT, ASH proposal; ``icaht-platelets.yaml``) for the early and late phase.

The findings are the platelet counts (×10⁹/L), one per day in the early phase (or one per test in the
late phase): a duration is the number of counts below a threshold, so worsening any count can only
raise the grade. Neutrophils (N-ICAHT) refuse until the corpus holds their thresholds
(``icaht-neutrophils.yaml``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from assistant.grading.core import (
    Assessment,
    Domain,
    FindingError,
    GradeResult,
    PassagesOf,
    Rules,
    combine,
    resolve,
)

#: The most counts one grading takes (one a day over the late window is about 70).
MAX_COUNTS = 120


class Lineage(StrEnum):
    PLATELETS = "platelets"
    NEUTROPHILS = "neutrophils"


class Phase(StrEnum):
    EARLY = "early"
    LATE = "late"


class IcahtFindings(BaseModel):
    """Counts of one lineage in one phase; the phase may be given as the day after infusion."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    lineage: Lineage = Lineage.PLATELETS
    phase: Phase | None = None
    day: int | None = Field(default=None, ge=0, le=3650)
    counts: tuple[Annotated[float, Field(ge=0, le=100_000)], ...] = Field(default=(), max_length=MAX_COUNTS)


def parse_counts(text: str) -> tuple[float, ...]:
    """'45, 40 18' -> (45.0, 40.0, 18.0); a one-line error for anything that is not a count."""
    try:
        return tuple(float(part) for part in text.replace(",", " ").split())
    except ValueError:
        msg = f"counts '{text}': give numbers separated by commas, e.g. 45,40,18"
        raise FindingError(msg) from None


def phase_of(findings: IcahtFindings, rules: Rules) -> tuple[Phase, str]:
    """The phase (as given, or from the day after infusion by the cited windows) and the rule that set it."""
    if findings.day is not None:
        for phase in Phase:
            low, high = rules[f"{phase.value}-phase"]["days"]
            if low <= findings.day <= high:
                if findings.phase not in (None, phase):
                    msg = f"day {findings.day} is in the {phase.value} phase, not the {findings.phase.value} phase"
                    raise FindingError(msg)
                return phase, f"{phase.value}-phase"
        msg = f"day {findings.day} is outside the graded windows (days 0–30 early, 31–100 late)"
        raise FindingError(msg)
    if findings.phase is None:
        msg = "give the phase (early or late) or the day after infusion"
        raise FindingError(msg)
    return findings.phase, f"{findings.phase.value}-phase"


def _meets(criterion: dict, counts: tuple[float, ...]) -> bool:
    """Whether enough counts are below the criterion's threshold; a longer duration meets the next row up,
    and the worst row met sets the grade, so only the lower bound of a duration matters."""
    below = sum(1 for count in counts if count < criterion["below"])
    return below >= criterion.get("days", [1])[0]


def grade(findings: IcahtFindings, rules: Rules) -> GradeResult:
    """The worst grade row whose depth-and-duration criterion the counts meet."""
    phase, phase_rule = phase_of(findings, rules)
    assessment = Assessment(used=[phase_rule])
    counts = findings.counts
    if not counts:
        assessment.add(Domain("platelets", 0, 4, missing=("platelet counts",)))
    elif phase is Phase.LATE and len(counts) < rules["late-tests"]["tests"]:
        assessment.used.append("late-tests")
        assessment.notices.append("late T-ICAHT grading needs at least 2 tests (or non-transient thrombocytopenia)")
        assessment.add(Domain("platelets", 0, 4, missing=("a second platelet count",)))
    else:
        if phase is Phase.LATE:
            assessment.used.append("late-tests")
        met = [row for row in rules.rows("grade-") if _meets(row[phase.value], counts)]
        if met:
            row = max(met, key=lambda r: r["grade"])
            column = 2 if phase is Phase.EARLY else 3  # | grade | early phase | late phase |
            criterion = row.text.split("|")[column].strip()
            finding = f"lowest {min(counts):g}×10⁹/L, {len(counts)} count(s)"
            assessment.add(Domain("platelets", row["grade"], row["grade"], row.id, criterion, finding, column=column))
        else:
            assessment.add(Domain("platelets", 0, 0, finding=f"lowest {min(counts):g}×10⁹/L"))
    findings_text = {"phase": phase.value, "platelet counts": ", ".join(f"{c:g}" for c in counts)}
    if findings.day is not None:
        findings_text["day after infusion"] = str(findings.day)
    floor = Domain("platelets", 0, 0, "grade-1", "no grade criterion met", findings_text["platelet counts"])
    return combine(rules, assessment, findings_text, floor=floor)


def rules_for(findings: IcahtFindings, passages_of: PassagesOf) -> Rules:
    """The platelet rules, or the neutrophil rules (refusing while the corpus lacks them)."""
    return resolve(f"icaht-{findings.lineage.value}", passages_of)
