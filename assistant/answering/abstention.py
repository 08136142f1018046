"""When the sources cannot answer, and how an answer says what they lack.

Never inventing comes first: Carta abstains when the best passage covers too little of the question,
when a dose is asked in a unit or for a drug no passage gives, and when a dose answer would speak of no
dose. When the sources say outright that the asked fact is absent, that statement leads, and a gap
line ("Carta's sources do not give a methylprednisolone dose for grade 4 ICANS") is worded here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

from assistant.answering.draft import Draft, Statement, related
from assistant.answering.facets import facets_of, fit, statement_fit
from assistant.answering.question import Asked, Intent, ParsedQuestion
from assistant.answering.rules import ComposerRules
from assistant.answering.scoring import Scorer
from assistant.answering.units import Unit
from assistant.conversation import entities
from assistant.lexicon import lexicon
from assistant.passage import Passage
from assistant.retrieval.keyword import tokenize
from assistant.retrieval.synonyms import synonym_vocabulary
from assistant.text import ASKED_UNIT, DOSE_TALK, bare_numbers

#: Why a request for more abstains: every unit the search found was already in an earlier answer.
ALL_SHOWN = "everything the search found for this question was already shown"
#: What the answer's first line says when a question asks for the hospital's own protocol and none is indexed.
NO_LOCAL = "your hospital's own protocol: no local document is indexed (add one with `carta ingest PATH`)"
#: A source's statement that something is left out of it ("... were not verified and are not included
#: here"): what may lead an answer as the source's own gap. Narrower than corpus_check's DECLARED_ABSENT,
#: which the corpus check and coverage map use and which also counts "not stated", "not reported" and the like.
SOURCE_OMITS = re.compile(
    r"\bnot (?:captured|verified|included)\b|\bdeliberately absent\b|\bare included in this corpus\b", re.IGNORECASE
)
#: What a source can say it lacks, by the words that name it; plurals and synonyms count as one.
ABSENT_SUBJECTS = {
    "criteria": "criteria", "criterion": "criteria", "definition": "criteria", "defined": "criteria",
    "threshold": "threshold", "cutoff": "threshold", "cut-off": "threshold",
    "dose": "treatment", "dosing": "treatment", "regimen": "treatment", "algorithm": "treatment",
    "duration": "duration", "scale": "scale",
}  # fmt: skip


def cannot_answer(
    question: str, asked: Asked, passages: Sequence[Passage], scored: list[tuple[float, Unit]], scorer: Scorer
) -> str | None:
    """Why the passages cannot answer the question (Carta then abstains), or None."""
    rules = scorer.rules
    best_score, best = scored[0]
    core = set(asked.core)
    if best_score <= 0 or scorer.coverage(best, passages[best.passage], core) < rules.min_coverage:
        return "the best passage covers too little of the question"
    known, found = scorer.matched(best, passages[best.passage], core)
    if len(found) < min(rules.min_matched_words, len(known)):
        # "outpt CAP empiric abx for a healthy 40 yo?" meets the corpus in 'empiric' alone.
        return "the best passage shares only one word with the question"
    if asked.intent is not Intent.DOSING:
        return None
    asked_unit = ASKED_UNIT.search(question)
    if asked_unit and not any(asked_unit.group(1).lower() in u.text.lower() for value, u in scored if value > 0):
        return f"no passage gives a dose in {asked_unit.group(1)}"
    if not entities(question).get("drug"):
        # A dose for a drug Carta does not know must not be answered with another drug's rows.
        # Phrases the lexicon reads as what is asked or where the patient is ("no better after") are no drug.
        text = question
        for name, pattern in lexicon().reading_patterns.items():
            if name.startswith(("asks.", "line.")):
                text = pattern.sub(" ", text)
        foreign = [
            t for t in tokenize(text, parts=False)
            if t.isalpha() and len(t) >= 5 and t not in scorer.idf and t not in synonym_vocabulary()
        ]  # fmt: skip
        if foreign:
            return f"no indexed document gives a dose for '{foreign[0]}'"
    return None


def unspoken_dose(
    statements: list[Statement], parsed: ParsedQuestion, passages: Sequence[Passage], rules: ComposerRules
) -> Draft | None:
    """An answer to a dose question with no dosing row must at least speak of a dose; None when it does.

    A drug and toxicity the corpus knows get "Carta's sources do not give ..." and what fits, as
    related; otherwise Carta abstains.
    """
    if any(DOSE_TALK.search(s.text) for s in statements):
        return None
    if not (rules.say_gaps and parsed.drugs and parsed.toxicities):
        return Draft(abstained=True, reason="no passage gives the dose asked for")
    fitting = [s for s in statements if not statement_fit(parsed, s, passages).mismatches and not bare_numbers(s.text)]
    return Draft(statements=related(fitting[:2]), gap=gap_of(parsed, {}))


def absence_first(
    draft: Draft,
    asked: Asked,
    parsed: ParsedQuestion,
    passages: Sequence[Passage],
    scored: list[tuple[float, Unit]],
    scorer: Scorer,
) -> Draft:
    """The draft led by the source's own statement that what was asked is absent, when there is one.

    "IEC-HS dx criteria?" must first read that the Hines IEC-HS criteria were not included, not the
    HLH-2004 criteria as if they answered it; what follows is labelled related. The statement must be
    about the toxicity asked, contradict none of the question's facets, and cover most of its words.
    """
    if draft.abstained or not parsed.toxicities:
        return draft
    core = set(asked.core)
    for value, unit in scored:
        if value <= 0 or unit.cells or not SOURCE_OMITS.search(unit.text):
            continue
        passage = passages[unit.passage]
        facets = facets_of(unit, passage.doc_type, passage.year)
        about = facets.toxicity or next(iter(entities(f"{passage.title} {passage.section}").get("toxicity", [])), None)
        if about not in parsed.toxicities or fit(parsed, facets).mismatches:
            continue
        if scorer.coverage(unit, passage, core) < scorer.rules.absence_coverage:
            continue
        if not subjects(unit.text) & subjects(" ".join(core)):
            continue  # absent is something else than asked ("the grading system" for a rate question)
        lead = Statement(unit.text, [unit.passage])
        rest = related([s for s in draft.statements if s.text != unit.text])
        return replace(draft, statements=[lead, *rest[: scorer.rules.max_statements - 1]])
    return draft


def gap_of(parsed: ParsedQuestion, row: Mapping[str, str]) -> str:
    """What the sources do not give, in the question's own terms: 'a methylprednisolone dose for grade 4 ICANS'."""
    drug = row.get("drug", "") or (parsed.drugs[0] if parsed.drugs else "")
    setting = " ".join([*(f"grade {g}" for g in parsed.grades[:1]), *(t.upper() for t in parsed.toxicities[:1])])
    band = parsed.population.weight_band or parsed.population.age_band or ""
    who = f" in {'patients ' if 'kg' in band else ''}{band}{' patients' if band in ('adult', 'pediatric') else ''}"
    article = "an" if drug[:1].lower() in "aeiou" else "a"
    return f"{article} {drug} dose for {setting or 'the setting asked'}{who if band else ''}".replace("  ", " ")


def subjects(text: str) -> set[str]:
    """The absent-subject names a text uses: 'IEC-HS diagnosis criteria' -> {'criteria'}."""
    words = {w.removesuffix("s") if len(w) > 4 else w for w in tokenize(text, parts=False)}
    return {ABSENT_SUBJECTS[w] for w in words if w in ABSENT_SUBJECTS}
