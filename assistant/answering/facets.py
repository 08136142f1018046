"""Facets of a quotable unit, and whether they fit the parsed question.

A unit (sentence or table row) is about a toxicity, grades, drugs, a population or weight band and a
line of therapy; its passage gives the source type and year. Dose, grading and management answers
match these facets first and rank by score second, so a row for another grade, weight band or
toxicity than asked never leads while a row for the asked setting exists.

>>> row = Unit("", 0, {"drug": "tocilizumab", "dose": "12 mg/kg", "population": "patients <30 kg", "setting": "CRS"})
>>> facets = facets_of(row, "label", 2018)
>>> facets.toxicity, facets.weight_band
('crs', '<30 kg')
>>> fit(ParsedQuestion.read("toci dose for a 70 kg adult with CRS"), facets).mismatches
1
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from assistant.answering.draft import Statement
from assistant.answering.question import (
    Ask,
    ParsedQuestion,
    grades_in,
    phase_of,
    prophylactic,
    routes_in,
    scales_in,
    study_parts,
)
from assistant.answering.units import Unit
from assistant.conversation import entities
from assistant.lexicon import lexicon
from assistant.passage import Passage

UNDER_30 = re.compile(r"(?:<|under|less than|below)\s*30\s*kg|weigh\w* <\s*30", re.IGNORECASE)
FROM_30 = re.compile(r"(?:≥|>=|at least)\s*30\s*kg|30\s*kg or more|weigh\w* ≥\s*30", re.IGNORECASE)
#: Age bands, also read from the assessment a text grades with: the CAPD is the tool for children under 12,
#: the ICE score the one for adults and children from 12 (lee-2019-astct-grading), so its rows are adult.
PEDIATRIC = re.compile(r"\bp(a)?ediatric\b|\bchild(ren)?\b|\binfants?\b|\bCHOP\b|\bCAPD\b", re.IGNORECASE)
ADULT = re.compile(r"(?i:\badults?\b)|\bICE\b")  # "ICE" in capitals: not the word "ice"
#: An age from which a row applies ("patients aged ≥2 years"): under 18, its population includes children.
AGED_FROM = re.compile(r"\baged?\s*(?:≥|>=|>|from|over|older than)\s*(\d{1,2})\s*(?:years?|y)\b", re.IGNORECASE)
#: A setting later on a ladder: refractory, persisting or not improving after a first treatment.
REFRACTORY = re.compile(
    r"\brefractory\b|\bnot improving\b|\bpersist\w*\b|\bafter (?:the first|\d+(?:–\d+)?) \w*\s*doses?\b|"
    r"\bno (?:improvement|response)\b|\bworsen(?:ing|ed)\b|\b(?:does|do|did) not improve\b|\bdespite\b|\bfailed\b|"
    r"\bnot responding\b|\b(?:remains?|remaining) (?:[<>≤≥]|below|above|under|over|febrile|hypotensive|hypoxic)|"
    r"\blast(?:s|ing)? (?:more than|over|>|≥)|\bprolonged\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Facets:
    """What one unit is about."""

    toxicity: str | None  # the toxicity it names first ("grade 1 ICANS with concurrent CRS" is ICANS)
    grades: frozenset[int]
    drugs: frozenset[str]
    weight_band: str | None  # "<30 kg" or "≥30 kg"
    age_band: str | None  # "adult" or "pediatric"
    refractory: bool  # a step after a first treatment failed
    doc_type: str
    year: int | None
    study_parts: frozenset[str] = frozenset()  # numbered parts of a study it is about: "cohort 6"
    phase: str | None = None  # the phase of a regimen it gives: "loading" or "maintenance"
    prophylaxis: bool = False  # given before any toxicity, to prevent it
    children: bool = False  # its population includes children: written for them, under 30 kg, or from an age under 18
    routes: frozenset[str] = frozenset()  # the routes it gives a drug by: "IV", "IV or SC"
    scales: frozenset[str] = frozenset()  # the scores and criteria it is a line of: "hscore", "hlh2004"

    @property
    def use(self) -> str | None:
        """What the unit gives a drug for: to prevent a toxicity, to treat one a first treatment did not control,
        or either (None). A prophylaxis trial saying it was "not treatment of refractory CRS" is prophylaxis."""
        return "prophylaxis" if self.prophylaxis else "treatment" if self.refractory else None


@dataclass(frozen=True)
class Fit:
    """How a unit's facets fit a question: facets that contradict it, and facets that match it."""

    mismatches: int
    matches: int
    off_line: bool  # a refractory step for a first-line question, or a first step for a refractory one
    patient: int = 0  # of the matches, those on who the patient is (weight band, age band)
    narrow: bool = False  # written for children or <30 kg only, and the question names no patient

    @property
    def closeness(self) -> tuple[int, bool, int, int]:
        """How close the unit is to the question: fewest contradictions, then on the asked line, then written for the
        patient asked about (a 25 kg child's dose is the <30 kg row, before a row that states no weight), then most
        matches."""
        return (self.mismatches, self.off_line, -self.patient, -self.matches)

    @property
    def key(self) -> tuple[int, bool, int, int, bool]:
        """Sort key: ``closeness``; of equals, a row for children only follows ("toci dose for CRS?" leads with the
        ≥30 kg row)."""
        return (*self.closeness, self.narrow)


def facets_of(unit: Unit, doc_type: str, year: int | None) -> Facets:
    """The unit's facets; a dosing row is read from its setting, population and drug cells."""
    cells = unit.cells or {}
    setting = cells.get("setting", "") if unit.is_dosing_row else unit.text
    population = cells.get("population", "") if unit.is_dosing_row else unit.text
    drug = cells.get("drug", "") if unit.is_dosing_row else unit.text
    dose = f"{cells.get('dose', '')} {setting}" if unit.is_dosing_row else unit.text
    route = cells.get("route", "") if unit.is_dosing_row else unit.text
    return _facets(setting, population, drug, dose, route, doc_type, year)


@lru_cache(maxsize=8192)
def _facets(setting: str, population: str, drug: str, dose: str, route: str, doc_type: str, year: int | None) -> Facets:
    toxicities = entities(setting).get("toxicity", [])
    weight = "<30 kg" if UNDER_30.search(population) else "≥30 kg" if FROM_30.search(population) else None
    age = "pediatric" if PEDIATRIC.search(population) else "adult" if ADULT.search(population) else None
    return Facets(
        toxicity=toxicities[0] if toxicities else None,
        grades=frozenset(int(g) for g in grades_in(setting, targets=False)),
        drugs=frozenset(entities(drug).get("drug", [])),
        weight_band=weight,
        age_band=age,
        refractory=bool(REFRACTORY.search(setting)),
        doc_type=doc_type,
        year=year,
        study_parts=frozenset(f"{kind} {number}" for kind, number in study_parts(f"{setting} {population}")),
        phase=phase_of(dose),
        prophylaxis=prophylactic(setting),
        children=age == "pediatric" or weight == "<30 kg" or any(int(a) < 18 for a in AGED_FROM.findall(population)),
        routes=routes_in(route),
        scales=scales_in(setting),
    )


def asks_next_step(parsed: ParsedQuestion) -> bool:
    """Whether the question is about a step after a first treatment ("still hypotensive after 2 doses")."""
    line = parsed.line
    return Ask.NEXT_STEP in parsed.asks or line.refractory or bool(line.after_doses or line.no_better_after)


def fit(parsed: ParsedQuestion, facets: Facets) -> Fit:
    """Count the facets that contradict the question and those that match it; unknown facets are neither.

    A unit about another drug than the one asked contradicts it ("anakinra dose ..." is not answered by a
    dexamethasone line); a drug class, asked for or named ("steroids"), stands for its members.
    """
    mismatches = matches = 0
    if parsed.toxicities and facets.toxicity:
        hit = facets.toxicity in parsed.toxicities
        matches, mismatches = matches + hit, mismatches + (not hit)
    if parsed.grades and facets.grades:  # "grade 3-4 CRS" is not answered by the grade 1 step
        hit = bool(facets.grades & set(parsed.grades))
        matches, mismatches = matches + hit, mismatches + (not hit)
    if parsed.drugs and facets.drugs:
        # "corticosteroids" in a unit fits a dexamethasone question, and back
        hit = bool(lexicon().with_members(facets.drugs) & lexicon().with_members(parsed.drugs))
        matches, mismatches = matches + hit, mismatches + (not hit)
    kinds = {part.split()[0] for part in facets.study_parts}
    asked_parts = {part for part in parsed.study_parts if part.split()[0] in kinds}
    if asked_parts:  # "ZUMA-1 cohort 4" is not answered with cohort 6's regimen
        hit = bool(asked_parts & facets.study_parts)
        matches, mismatches = matches + hit, mismatches + (not hit)
    if parsed.line.phase and facets.phase:  # "phenobarb loading dose" is not the maintenance row
        hit = parsed.line.phase == facets.phase
        matches, mismatches = matches + hit, mismatches + (not hit)
    if parsed.line.route and facets.routes:  # "dex PO dose?" is not answered by an IV row as if it were
        hit = parsed.line.route in facets.routes
        matches, mismatches = matches + hit, mismatches + (not hit)
    if parsed.scales and facets.scales and not parsed.population.age_band:
        # "HScore threshold?" is not answered by an HLH-2004 criterion's; with a patient's age, the patient decides
        # the tool ("can we use ICE in a 9 yo?" is answered by the CAPD for children under 12).
        hit = bool(facets.scales & set(parsed.scales))
        matches, mismatches = matches + hit, mismatches + (not hit)
    wanted, use = asked_use(parsed), facets.use
    if wanted and use:  # "anakinra for steroid-refractory ICANS?" is not answered by a prophylaxis trial
        hit = wanted == use
        matches, mismatches = matches + hit, mismatches + (not hit)
    patient = 0
    band = parsed.population.weight_band or ("≥30 kg" if parsed.population.age_band == "adult" else None)
    if band and facets.weight_band:
        hit = band == facets.weight_band
        patient, mismatches = patient + hit, mismatches + (not hit)
    age = parsed.population.age_band
    if age and facets.age_band:
        hit = age == facets.age_band
        patient, mismatches = patient + hit, mismatches + (not hit)
    narrow = not (band or age) and (facets.weight_band == "<30 kg" or facets.age_band == "pediatric")
    return Fit(
        mismatches,
        matches + patient,
        off_line=facets.refractory != asks_next_step(parsed),
        patient=patient,
        narrow=narrow,
    )


def other_use(parsed: ParsedQuestion, facets: Facets) -> bool:
    """Whether the unit gives a drug for another use than the question asks (``use_of``, ``Facets.use``)."""
    asked = use_of(parsed)
    return bool(asked and facets.use and facets.use != asked)


def other_product(text: str, parsed: ParsedQuestion) -> bool:
    """Whether ``text`` names only products other than the one asked (obe-cel's rate for a cilta-cel question)."""
    named = set(entities(text).get("product", []))
    return bool(parsed.products and named and not named & set(parsed.products))


def use_of(parsed: ParsedQuestion) -> str | None:
    """What the question gives a drug for: to prevent a toxicity ("ppx"), to treat one ("treatment dose", or one
    that a first treatment did not control: "steroid-refractory", "after 2 doses"), or either (None)."""
    if parsed.line.prophylaxis:
        return "prophylaxis"
    return "treatment" if parsed.line.treating or asks_next_step(parsed) else None


def asked_use(parsed: ParsedQuestion) -> str | None:
    """The use a unit's drug must have to fit the question: the one it says (``use_of``), or treatment for a dose
    asked for a toxicity the lexicon marks ``treated`` ("anakinra dose for CRS?" is not led by a prophylaxis trial's
    dose given before any toxicity). Only an explicit use opens a gap ("no dose for treatment")."""
    said = use_of(parsed)
    if said or Ask.DOSE not in parsed.asks or not parsed.toxicities:
        return said
    return "treatment" if set(parsed.toxicities) <= lexicon().treated_toxicities else None


def statement_facets(statement: Statement, passages: Sequence[Passage]) -> Facets:
    """The facets of a statement already chosen, read from its first passage's unit."""
    passage = passages[statement.sources[0]]
    return facets_of(Unit(statement.text, statement.sources[0], statement.cells), passage.doc_type, passage.year)


def statement_fit(parsed: ParsedQuestion, statement: Statement, passages: Sequence[Passage]) -> Fit:
    """How a statement already chosen fits the question."""
    return fit(parsed, statement_facets(statement, passages))
