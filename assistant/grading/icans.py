"""ASTCT ICANS grade with the ICE score (Lee 2019); rules in ``icans.yaml``.

The worst domain sets the grade (ICE, consciousness, seizure, motor findings, raised intracranial
pressure or cerebral edema). ICE 0 is grade 4 only when the patient is unarousable; awake with global
aphasia it is grade 3. Tremor and myoclonus do not change the grade. Children under 12 are graded with
CAPD instead (``capd.yaml``, the same domains with the CAPD in place of ICE).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from assistant.grading.core import (
    Assessment,
    Domain,
    FindingError,
    GradeResult,
    PassagesOf,
    RuleRow,
    Rules,
    combine,
    resolve,
)

#: Below this age ICE is not used; ASTCT grades young children with CAPD (the rows 'ice-maximum' of
#: icans.yaml and 'capd-population' of capd.yaml state the same age; a test holds them equal). A child
#: is never graded with adult ICE: without the CAPD rows indexed, the CAPD scale refuses.
ICE_MIN_AGE = 12
ICE_TASKS = ("orientation", "naming", "commands", "writing", "counting")


class Consciousness(StrEnum):
    """Level of consciousness, mildest first (the order of the table's rows)."""

    AWAKE = "awake"
    SPONTANEOUSLY = "spontaneously"
    VOICE = "voice"
    TACTILE = "tactile"
    UNAROUSABLE = "unarousable"


class Seizure(StrEnum):
    NONE = "none"
    RAPID = "rapid"  # resolves rapidly, or non-convulsive on EEG resolving with intervention
    PROLONGED = "prolonged"  # >5 min, or repetitive without return to baseline


class Motor(StrEnum):
    NONE = "none"
    WEAKNESS = "weakness"  # deep focal motor weakness (hemiparesis, paraparesis)


class Edema(StrEnum):
    NONE = "none"
    FOCAL = "focal"
    DIFFUSE = "diffuse"  # or posturing, CN VI palsy, papilledema, Cushing's triad


class IcansFindings(BaseModel):
    """ICANS findings; None means not assessed. ICE may be given as its total or its five tasks."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ice: int | None = Field(default=None, ge=0, le=10)
    orientation: int | None = Field(default=None, ge=0, le=4)
    naming: int | None = Field(default=None, ge=0, le=3)
    commands: int | None = Field(default=None, ge=0, le=1)
    writing: int | None = Field(default=None, ge=0, le=1)
    counting: int | None = Field(default=None, ge=0, le=1)
    consciousness: Consciousness | None = None
    seizure: Seizure | None = None
    motor: Motor | None = None
    edema: Edema | None = None
    tremor: bool = False
    age: float | None = Field(default=None, ge=0, le=120)
    capd: int | None = Field(default=None, ge=0, le=32)  # CAPD score, children under 12
    capd_unable: bool = False  # unable to perform the CAPD


def ice_score(findings: IcansFindings, rules: Rules) -> int | None:
    """The ICE total: as given, or the sum of its five tasks (each within its cited points)."""
    tasks = {name: getattr(findings, name) for name in ICE_TASKS}
    given = {name: value for name, value in tasks.items() if value is not None}
    if not given:
        return findings.ice
    if len(given) < len(ICE_TASKS):
        msg = f"ICE tasks: give all five ({', '.join(ICE_TASKS)}) or the ICE total"
        raise FindingError(msg)
    for name, value in given.items():
        if value > rules[f"ice-{name}"]["points"]:
            msg = f"ICE {name} {value}: this task scores at most {rules[f'ice-{name}']['points']}"
            raise FindingError(msg)
    total = sum(given.values())
    if findings.ice is not None and findings.ice != total:
        msg = f"ICE {findings.ice} does not match its tasks, which add up to {total}"
        raise FindingError(msg)
    return total


def _ranked(rules: Rules, key: str) -> list[RuleRow]:
    """The grade rows that state a criterion for ``key``, mildest first."""
    return sorted((row for row in rules.rows("grade-") if key in row.values), key=lambda row: row["grade"])


#: Each domain's column in the grade rows of icans.yaml: | grade | ICE | consciousness | seizure | motor | edema |
EDEMA = "raised intracranial pressure or cerebral edema"
COLUMNS = {"ICE score": 2, "consciousness": 3, "seizure": 4, "motor findings": 5, EDEMA: 6}


def _level(rules: Rules, name: str, key: str, value: StrEnum | None, levels: list[StrEnum]) -> Domain:
    """A domain whose levels (after 'none') map in order onto the rows that state it."""
    rows = _ranked(rules, key)
    if value is None:
        return Domain(name, 0, rows[-1]["grade"], missing=(name,))
    step = levels.index(value) - (len(levels) - len(rows))
    if step < 0:
        return Domain(name, 0, 0, finding=value.value)
    row = rows[step]
    return Domain(name, row["grade"], row["grade"], row.id, row[key], value.value, column=COLUMNS[name])


def _ice(rules: Rules, ice: int | None, consciousness: Consciousness | None) -> Domain:
    if ice is None:
        return Domain("ICE score", 0, 4, missing=("ICE score",))
    if ice >= rules["ice-maximum"]["maximum"]:
        return Domain("ICE score", 0, 0, finding=f"ICE {ice}")
    rows = [row for row in _ranked(rules, "ice") if row["ice"][0] <= ice <= row["ice"][1]]
    mildest, worst = rows[0], rows[-1]
    finding = f"ICE {ice}"
    if worst is mildest:
        criterion = f"ICE {mildest.text.split('|')[2].strip()}"
        return Domain("ICE score", mildest["grade"], mildest["grade"], mildest.id, criterion, finding, column=2)
    # ICE 0: grade 4 only when unarousable; awake (e.g. global aphasia) it is grade 3.
    if consciousness is Consciousness.UNAROUSABLE:
        return Domain(
            "ICE score", worst["grade"], worst["grade"], worst.id, f"ICE 0 ({worst['ice_when']})", finding, column=2
        )
    if consciousness is None:
        return Domain(
            "ICE score",
            mildest["grade"],
            worst["grade"],
            mildest.id,
            "ICE 0–2",
            finding,
            ("level of consciousness",),
            2,
        )
    aphasia = rules["global-aphasia"]
    return Domain("ICE score", aphasia["grade"], aphasia["grade"], aphasia.id, aphasia.text, finding)


def described(findings: IcansFindings, ice: int | None) -> dict[str, str]:
    out = {"ICE score": str(ice)} if ice is not None else {}
    if findings.capd is not None or findings.capd_unable:
        out["CAPD score"] = "unable to perform" if findings.capd_unable else str(findings.capd)
    for name in ("consciousness", "seizure", "motor", "edema"):
        value = getattr(findings, name)
        if value is not None:
            out[name] = value.value
    if findings.age is not None:
        out["age"] = f"{findings.age:g} years"
    return out


def grade(findings: IcansFindings, rules: Rules) -> GradeResult:
    """The ASTCT ICANS grade: the worst of its five domains."""
    ice = ice_score(findings, rules)
    assessment = Assessment(used=[r for r in ("not-attributable",) if r in rules.file.rows])
    if rules.file.scale == "capd":
        assessment.used.append("capd-population")
        assessment.add(_capd(rules, findings))
    else:
        assessment.add(_ice(rules, ice, findings.consciousness))
    assessment.add(_level(rules, "consciousness", "consciousness", findings.consciousness, list(Consciousness)))
    assessment.add(_level(rules, "seizure", "seizure", findings.seizure, list(Seizure)))
    assessment.add(_level(rules, "motor findings", "motor", findings.motor, list(Motor)))
    assessment.add(_level(rules, EDEMA, "edema", findings.edema, list(Edema)))
    if "worst-domain" in rules.file.rows and sum(d.low > 0 for d in assessment.domains) > 1:
        assessment.used.insert(0, "worst-domain")  # the worst of several findings: with one, nothing to weigh
    if findings.tremor:
        assessment.used.append("tremor-apart")
        assessment.notices.append("tremor and myoclonus are graded with CTCAE and do not change the ICANS grade")
    return combine(rules, assessment, described(findings, ice))


def _capd(rules: Rules, findings: IcansFindings) -> Domain:
    """The CAPD domain (children under 12): unable to perform it is grade 4, 9 or higher grade 3; below 9 the
    source sets no grade by itself (grades 1 and 2 both say "below 9"), so consciousness decides."""
    rows = {row["grade"]: row for row in rules.rows("grade-")}
    if findings.capd_unable:
        return Domain("CAPD score", 4, 4, rows[4].id, rows[4]["capd_unable"], "unable to perform", column=2)
    if findings.capd is None:
        return Domain("CAPD score", 0, 4, missing=("CAPD score",))
    if findings.capd >= rows[3]["capd_at_least"]:
        return Domain("CAPD score", 3, 3, rows[3].id, f"CAPD {rows[3].text.split('|')[2].strip()}",
                      f"CAPD {findings.capd}", column=2)  # fmt: skip
    return Domain("CAPD score", 0, 2, finding=f"CAPD {findings.capd}", missing=("level of consciousness",))


def rules_for(findings: IcansFindings, passages_of: PassagesOf) -> Rules:
    """The ICE-based rules, or for a child under ``ICE_MIN_AGE`` (or given a CAPD score) the CAPD rules,
    which refuse while their document is not indexed; a child is never graded with the adult ICE."""
    child = findings.age is not None and findings.age < ICE_MIN_AGE
    if child or findings.capd is not None or findings.capd_unable:
        if findings.ice is not None or findings.orientation is not None:
            msg = "ICE is not used for children under 12: give the CAPD score (or that the child cannot perform it)"
            raise FindingError(msg)
        return resolve("capd", passages_of)
    return resolve("icans", passages_of)
