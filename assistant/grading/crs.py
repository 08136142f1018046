"""ASTCT CRS grade (Lee 2019) from temperature, vasopressors and oxygen; rules in ``crs.yaml``.

The rules people get wrong are the ones this module is for: the worse of hypotension and hypoxia
sets the grade; fever is no longer needed once tocilizumab, steroids or antipyretics were given;
vasopressin does not count towards "multiple vasopressors"; a nasal cannula above 6 L/min is
high-flow. Organ toxicities are not in the table and do not change the grade.

>>> from assistant.grading.core import resolve
>>> rows = sample_passages()
>>> grade(CrsFindings(temp_c=39.4, vasopressors=0, oxygen_lpm=3), resolve("crs", rows)).grade
2
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from assistant.grading.core import (
    Assessment,
    Domain,
    FindingError,
    GradeResult,
    Rules,
    combine,
    index_passages,
    rule_file,
)

#: A temperature outside this range (°C) is a typo or the wrong unit, not a patient.
TEMP_RANGE_C = (25.0, 45.0)
#: The highest oxygen flow any device delivers (L/min): above it the value is a typo.
MAX_LPM = 80.0
MAX_VASOPRESSORS = 6


class Device(StrEnum):
    """How oxygen is given, in the words of the ASTCT table."""

    NONE = "none"
    NASAL_CANNULA = "nasal cannula"
    BLOW_BY = "blow-by"
    HIGH_FLOW = "high-flow nasal cannula"
    FACEMASK = "facemask"
    NON_REBREATHER = "non-rebreather"
    VENTURI = "venturi"
    CPAP = "cpap"
    BIPAP = "bipap"
    INTUBATION = "intubation"


class CrsFindings(BaseModel):
    """What a clinician knows at the bedside; None means not given (not assessed)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    temp_c: float | None = Field(default=None, ge=TEMP_RANGE_C[0], le=TEMP_RANGE_C[1])
    fever: bool | None = None  # "febrile" without a number
    treated: bool | None = None  # tocilizumab, steroids or antipyretics given
    hypotension: bool | None = None
    sbp: float | None = Field(default=None, ge=20, le=300)
    vasopressors: int | None = Field(default=None, ge=0, le=MAX_VASOPRESSORS)  # vasopressin not counted
    vasopressin: bool = False
    oxygen_lpm: float | None = Field(default=None, ge=0, le=MAX_LPM)
    device: Device | None = None
    organ_toxicity: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> CrsFindings:
        if self.device is Device.NONE and self.oxygen_lpm:
            msg = f"oxygen {self.oxygen_lpm:g} L/min with no oxygen device: give the device or 0 L/min"
            raise ValueError(msg)
        return self


def parse_temperature(text: str) -> tuple[float, str | None]:
    """A temperature in °C from '39.4', '39.4C' or '102.2F' (converted, with a notice).

    >>> parse_temperature("102.2 °F")
    (39.0, 'temperature 102.2 °F converted to 39.0 °C')
    """
    match = re.fullmatch(r"\s*(-?\d+(?:[.,]\d+)?)\s*°?\s*([CF])?\s*", str(text), re.IGNORECASE)
    if not match:
        msg = f"temperature '{text}' is not a number; give °C (39.4) or °F with its unit (102.2F)"
        raise FindingError(msg)
    value = float(match.group(1).replace(",", "."))
    if (match.group(2) or "C").upper() == "F":
        celsius = round((value - 32) * 5 / 9, 1)
        notice = f"temperature {value:g} °F converted to {celsius} °C"
    else:
        celsius, notice = value, None
    low, high = TEMP_RANGE_C
    if not low <= celsius <= high:
        unit = (match.group(2) or "C").upper()
        msg = f"temperature {value:g} °{unit} is impossible; give °C ({low:g}–{high:g}) or °F with its unit (102.2F)"
        raise FindingError(msg)
    return celsius, notice


def described(findings: CrsFindings) -> dict[str, str]:
    """The findings as given, for the result and the note."""
    out: dict[str, str] = {}
    if findings.temp_c is not None:
        out["temperature"] = f"{findings.temp_c:g} °C"
    elif findings.fever is not None:
        out["fever"] = "yes" if findings.fever else "no"
    if findings.treated is not None:
        out["tocilizumab, steroids or antipyretics given"] = "yes" if findings.treated else "no"
    if findings.sbp is not None:
        out["SBP"] = f"{findings.sbp:g} mmHg"
    if findings.hypotension is not None:
        out["hypotension"] = "yes" if findings.hypotension else "no"
    if findings.vasopressors is not None:
        out["vasopressors (besides vasopressin)"] = str(findings.vasopressors)
    if findings.vasopressin:
        out["vasopressin"] = "yes"
    if findings.device is not None:
        out["oxygen device"] = findings.device.value
    if findings.oxygen_lpm is not None:
        out["oxygen"] = f"{findings.oxygen_lpm:g} L/min"
    return out


def _grade_row(rules: Rules, grade: int) -> str:
    return next(row.id for row in rules.rows("grade-") if row["grade"] == grade)


def _hypotension(findings: CrsFindings, rules: Rules) -> Domain:
    """The hypotension domain: the vasopressors count, vasopressin apart; SBP below the cited cut-off."""
    count = findings.vasopressors
    if count is None and findings.vasopressin:
        count = 0
    below = rules["hypotension-defined"]["sbp_below"]
    hypotensive = findings.hypotension
    if hypotensive is None and findings.sbp is not None and findings.sbp < below:
        hypotensive = True
    rows = {row["grade"]: row for row in rules.rows("grade-")}
    if count is not None and (count >= 2 or count == 1 or findings.vasopressin):
        level = 4 if count >= 2 else 3
        finding = f"{count} vasopressor{'s' if count > 1 else ''}" + (
            " plus vasopressin" if findings.vasopressin else ""
        )
        if count == 0:
            finding = "vasopressin alone"
        return Domain("hypotension", level, level, rows[level].id, rows[level]["hypotension"], finding, column=3)
    if hypotensive:
        high = 2 if count == 0 else 4
        missing = () if count == 0 else ("vasopressors",)
        return Domain("hypotension", 2, high, rows[2].id, rows[2]["hypotension"], "hypotension", missing, 3)
    if count == 0:
        # No vasopressor: hypotension, if any, is grade 2 at most.
        high = 0 if hypotensive is False else 2
        missing = () if high == 0 else ("hypotension (SBP)",)
        return Domain("hypotension", 0, high, finding="no vasopressor", missing=missing)
    if hypotensive is False and findings.sbp is None:
        return Domain("hypotension", 0, 0, finding="no hypotension")
    return Domain("hypotension", 0, 4, missing=("vasopressors",))


def _device(findings: CrsFindings, rules: Rules) -> tuple[Device | None, list[str]]:
    """The device, with a nasal cannula classed by its flow (the cited low-flow cut-off)."""
    notices: list[str] = []
    device = findings.device
    lpm = findings.oxygen_lpm
    if device is None and lpm is not None:
        if lpm == 0:
            return Device.NONE, notices
        device = Device.NASAL_CANNULA
        notices.append("oxygen device not given: a nasal cannula is assumed")
    if device in (Device.NASAL_CANNULA, Device.HIGH_FLOW) and lpm is not None:
        device = Device.NASAL_CANNULA if lpm <= rules["flow-defined"]["low_flow_max_lpm"] else Device.HIGH_FLOW
    return device, notices


def _hypoxia(findings: CrsFindings, rules: Rules, device: Device | None) -> Domain:
    if device is None:
        return Domain("hypoxia", 0, 4, missing=("oxygen",))
    if device is Device.NONE:
        return Domain("hypoxia", 0, 0, finding="no oxygen")
    row = next(row for row in rules.rows("grade-") if device.value in row.get("devices", []))
    finding = device.value + (f" {findings.oxygen_lpm:g} L/min" if findings.oxygen_lpm is not None else "")
    return Domain("hypoxia", row["grade"], row["grade"], row.id, row.text.split("|")[4].strip(), finding, column=4)


def grade(findings: CrsFindings, rules: Rules) -> GradeResult:
    """The ASTCT CRS grade: fever (or prior tocilizumab/steroids/antipyretics) and the worse of
    hypotension and hypoxia."""
    assessment = Assessment()
    device, assessment.notices = _device(findings, rules)
    assessment.add(_hypotension(findings, rules))
    assessment.add(_hypoxia(findings, rules, device))
    fever_c = rules["grade-1"]["fever_c"]
    fever = findings.fever if findings.temp_c is None else findings.temp_c >= fever_c
    if sum(d.low > 0 for d in assessment.domains) > 1:
        assessment.used.append("worse-sets-grade")  # hypotension and hypoxia both met a criterion
    if findings.organ_toxicity:
        assessment.notices.append("organ toxicities are not in the ASTCT CRS table and do not change this grade")
    if fever or findings.treated:
        floor = None
        if fever:
            finding = f"{findings.temp_c:g} °C" if findings.temp_c is not None else "fever"
            floor = Domain("fever", 1, 1, "grade-1", f"fever ≥{fever_c:g} °C", finding)
            assessment.used.append("fever-not-attributable")
        else:
            assessment.used.append("fever-not-required")
        return combine(rules, assessment, described(findings), floor=floor)
    if fever is None:
        # Temperature not given: the grade holds only if there is (or was, before treatment) fever.
        assessment.notices.append(
            f"temperature not given: this grade needs fever ≥{fever_c:g} °C, or tocilizumab, steroids or "
            "antipyretics given"
        )
        assessment.used.append("fever-not-required")
        return combine(rules, assessment, described(findings), floor=None)
    # Afebrile: not CRS by this table, unless tocilizumab, steroids or antipyretics took the fever away.
    could = max(d.high for d in assessment.domains) if findings.treated is None else 0
    missing = ("whether antipyretics or anticytokine therapy were given",) if findings.treated is None else ()
    missing += tuple(m for d in assessment.domains if d.high > d.low for m in d.missing)
    gate = Domain("fever", 0, could, missing=missing)
    given = f"{findings.temp_c:g} °C" if findings.temp_c is not None else "afebrile"
    floor = Domain("fever", 0, 0, "grade-1", f"no fever ≥{fever_c:g} °C, so no CRS grade", given)
    return combine(
        rules, Assessment([gate], assessment.notices, ["fever-not-required"]), described(findings), floor=floor
    )


def sample_passages() -> Any:
    """The rows of ``crs.yaml`` as passages of one table chunk: for doctests only (tests use the real index)."""
    from assistant.passage import Passage

    file = rule_file("crs")
    text = "\n".join(row.text for row in file.rows.values())
    return index_passages([Passage("d:1", file.rows["grade-1"].doc_id, text, "", "table", "t", "consensus")])
