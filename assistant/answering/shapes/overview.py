"""The overview shape: how a toxicity is managed, asked with no grade, drug or line of therapy.

"How is CRS treated?" is answered by what one source says of the toxicity as a whole ("prolonged or severe
CRS is treated with tocilizumab, with or without a corticosteroid"), then that source's steps grade by grade,
lowest first. What a study's patients were given is no recommendation: a trial, cohort or case line follows.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import NamedTuple

from assistant.answering.facets import facets_of, fit
from assistant.answering.question import (
    GRADE_MENTION,
    Ask,
    Intent,
    LineOfTherapy,
    ParsedQuestion,
    ask_words,
    asks_workup,
)
from assistant.answering.shapes.definition import THE_THERAPY
from assistant.answering.shapes.prose import TREATED_WITH, defines, grades_a_patient
from assistant.answering.units import Unit
from assistant.documents import SINGLE_STUDY_TYPES
from assistant.lexicon import lexicon
from assistant.passage import Passage
from assistant.retrieval.keyword import tokenize
from assistant.retrieval.synonyms import group_of, mentioned_groups, synonym_vocabulary
from assistant.text import DOSE


class Step(NamedTuple):
    """A line of guidance on the toxicity asked: its score, the unit, the grade it is about (None: the toxicity as a
    whole) and whether it is the step for when a first one did not work."""

    value: float
    unit: Unit
    grade: int | None
    refractory: bool


def asks_overview(question: str, parsed: ParsedQuestion, core: Collection[str], everyday: frozenset[str]) -> bool:
    """Whether the question asks how one toxicity is managed and nothing more: no drug, line of therapy, nor any
    other word (``says_nothing_else``), and no grade or a range of them ("grade 3-4 CRS?", "severe CRS?": one grade
    has its own answer). "ICANS workup?" asks for tests, not for the ladder."""
    managing = parsed.intent is Intent.MANAGEMENT or Ask.MANAGE in parsed.asks
    bare = managing and len(parsed.grades) != 1 and not (parsed.drugs or parsed.products or parsed.prior_drugs)
    # "how do we treat ICANS?" says the drug is to treat (``line.treating``): no line of therapy.
    line = parsed.line.model_copy(update={"treating": False})
    if not (bare and len(parsed.toxicities) == 1 and line == LineOfTherapy()):
        return False
    if asks_workup(question):
        return False
    return says_nothing_else(question, parsed.toxicities[0], core, everyday)


def says_nothing_else(question: str, toxicity: str, core: Collection[str], everyday: frozenset[str]) -> bool:
    """Whether the question's words (its ``core``) are only the toxicity's, the words asking (the lexicon's asks and
    one-fact phrases), the therapy's name, a grade or severity ("grade 3-4", "severe") and everyday filler ("in
    general", "overall"): no test, source, number or other term the lexicon knows ("ICANS management per ASCO: MRI,
    EEG?", "new ICANS after wk 2 — how common?")."""
    own = {word for name in group_of(toxicity) for word in tokenize(name, parts=False)}
    asking = ask_words(question)
    mentions = [*GRADE_MENTION.finditer(question), *lexicon().severe_toxicity_pattern.finditer(question)]
    graded = {word for match in mentions for word in tokenize(match.group(0), parts=False)}
    known = synonym_vocabulary()
    rest = {w for w in core if w not in own | asking | graded and w.upper() not in THE_THERAPY}
    return all(len(w) == 1 or severity(w) or (w in everyday and w not in known) for w in rest)


def severity(word: str) -> bool:
    """Whether ``word`` says how severe the toxicity is, as a grade ("severe" is the lexicon's "grade ≥3")."""
    return any(GRADE_MENTION.search(term) for group in mentioned_groups(word) for term in group)


def overview(
    candidates: list[tuple[float, Unit]],
    steps: Sequence[tuple[float, Unit]],
    parsed: ParsedQuestion,
    passages: Sequence[Passage],
) -> list[tuple[float, Unit]]:
    """The candidates led by one source's line on the toxicity asked as a whole and its best line for each
    grade, lowest grade first; ``steps`` are the scored units a management answer may quote.

    Only sentences of guidance (not a study's report) that say what to do qualify: a table row, a grading
    criterion or a line saying what the toxicity is does not. The source is that of the best line naming no
    grade (one from a source with steps by grade first), or of the best line when none does. The other candidates
    follow, a study's lines last. With no qualifying line the order stays.
    """
    found: list[Step] = []
    for value, unit in steps:
        passage = passages[unit.passage]
        if value <= 0 or unit.cells or passage.doc_type in SINGLE_STUDY_TYPES:
            continue
        facets = facets_of(unit, passage.doc_type, passage.year)
        if facets.toxicity != parsed.toxicities[0] or grades_a_patient(unit) or defines(unit.text, parsed):
            continue
        if not fit(parsed, facets).mismatches:
            # The grade a line is about is the first it names: "grade 4 CRS is treated ... as for grade 2 CRS".
            first = GRADE_MENTION.search(unit.text) if facets.grades else None
            found.append(Step(value, unit, int(first.group(2)) if first else None, facets.refractory))
    if not found:
        return candidates

    def source_of(step: Step) -> str:
        return passages[step.unit.passage].doc_id

    def idle(step: Step) -> bool:  # says what is done, but not what the toxicity is treated with
        return not TREATED_WITH.search(step.unit.text)

    def order(step: Step) -> tuple[bool, bool]:  # a grade's first step before the one for when it does not respond
        return step.refractory, idle(step)

    asked = set(parsed.grades)
    laddered: dict[str, set[int]] = {}
    for step in found:
        if step.grade is not None and (step.grade in asked or not asked):
            laddered.setdefault(source_of(step), set()).add(step.grade)
    if asked:
        # "grade 3-4 CRS?": the steps of the source giving most of those grades, one per grade, then the rest of them.
        if not laddered:
            return candidates
        source = max(laddered, key=lambda name: len(laddered[name]))
        graded = sorted((s for s in found if source_of(s) == source and s.grade in asked), key=lambda s: s.grade)
        ladder = [min((s for s in graded if s.grade == grade), key=order) for grade in sorted(laddered[source])]
        # A grade's further steps: the one giving a dose first ("dexamethasone 10 mg IV every 6 h").
        further = [s for s in graded if s not in ladder]
        leads = ladder + sorted(further, key=lambda s: (s.grade, *order(s), not DOSE.search(s.unit.text)))
    else:
        # The line on the whole toxicity that says what it is treated with first, from a source with steps by grade.
        whole = sorted((s for s in found if s.grade is None), key=lambda s: (idle(s), source_of(s) not in laddered))
        source = source_of((whole or found)[0])
        graded = [step for step in found if step.grade is not None and source_of(step) == source]
        leads = whole[:1]
        for grade in sorted({step.grade for step in graded}):
            # A grade's first step, one saying what it is treated with first.
            leads.append(min((s for s in graded if s.grade == grade), key=order))
    chosen = {id(step.unit) for step in leads}
    rest = [(v, u) for v, u in candidates if id(u) not in chosen]
    # What a study's patients were given follows every line of guidance.
    study = [passages[u.passage].doc_type in SINGLE_STUDY_TYPES for _, u in rest]
    return [
        *((step.value, step.unit) for step in leads),
        *(pair for pair, of_study in zip(rest, study, strict=True) if not of_study),
        *(pair for pair, of_study in zip(rest, study, strict=True) if of_study),
    ]
