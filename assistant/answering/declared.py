"""What the sources say about themselves: topics a document declares absent, and statements a later source replaced.

A corpus document lists what it lacks in its front matter (``not_captured: [ASCO 2021 grade 4 ICANS regimen]``)
and says so in a sentence of its body (``carta corpus check`` enforces both), and it lists the statements a later
source replaced (``superseded_by``). The composer reads that structure instead of guessing from wording:

- a question that asks for a declared-absent topic is answered first by the sentence declaring it absent;
- a sentence holding a superseded statement never leads an answer (the current one does).

A topic answers a question when it is read the same way (``ParsedQuestion``: toxicity, grade, drug, product,
guideline body and what is asked agree) and its words cover most of the question's weight.

>>> topic = Topic.read("ASCO 2021 grade 4 ICANS regimen")
>>> topic.fits(ParsedQuestion.read("grade 4 ICANS regimen?")), topic.fits(ParsedQuestion.read("grade 2 CRS regimen?"))
(True, False)
>>> same_word("points", "point"), same_word("diagnosed", "diagnostic")
(True, False)
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from math import fsum

from assistant.answering.question import (
    EVENT_FREQUENCY,
    Ask,
    Intent,
    ParsedQuestion,
    named_sources,
    names_product_or_trial,
    trials_in,
)
from assistant.answering.rules import ComposerRules
from assistant.answering.units import Unit
from assistant.conversation import entities
from assistant.corpus_check import DECLARED_ABSENT, words
from assistant.documents import SINGLE_STUDY_TYPES, study_named
from assistant.lexicon import lexicon
from assistant.passage import Passage
from assistant.retrieval.keyword import tokenize

#: What is asked, read alike: a regimen answers "tx" and "dose" questions; criteria answer "definition" ones. A
#: study's missing detail does not answer "is there evidence?": evidence is no kind of absent topic.
ASK_KINDS = {
    Ask.DOSE: "treatment", Ask.MANAGE: "treatment", Ask.NEXT_STEP: "treatment",
    Ask.CLASSIFY: "criteria", Ask.DEFINITION: "criteria",
    Ask.TIMING: "duration", Ask.RATE: "rate",
}  # fmt: skip
#: What a question asks when its words say nothing of it, read from its intent: a dose question asks a treatment.
#: A question asking no kind at all ("Gazeau — how did pts do?") is not answered by a missing dose; one asking what
#: a study found is, when the missing topic is what it found too ("Wehrli anakinra dose and outcomes", ``studied``).
INTENT_KINDS = {
    Intent.DOSING: frozenset({"treatment"}), Intent.MANAGEMENT: frozenset({"treatment"}),
    Intent.GRADING: frozenset({"criteria"}),
}  # fmt: skip
#: A gap in a source's own record ("title, authors and year of the parent article", "DOI and PMID of the case report"):
#: it answers a question on who wrote the source or where it was published, never one on what the source says.
BIBLIOGRAPHIC = re.compile(r"\b(?:title|authors?|doi|pmid|journal|citation)\b", re.IGNORECASE)
#: A topic naming how often a thing is done or given ("HBV DNA monitoring schedule during entecavir", "acyclovir dose
#: and frequency") answers a question asking that interval ("how often to check HBV DNA?").
INTERVAL = re.compile(r"\b(?:schedules?|frequency|intervals?)\b", re.IGNORECASE)
#: A topic naming "drug doses" covers whichever drug a dose question names.
ANY_DRUG = frozenset({"drug", "drugs"})
#: A title's aside saying what the document is not about ("secondary HLH (not specific to CAR-T IEC-HS)"): its words
#: are no subject of the document's lacking topics.
NOT_ABOUT = re.compile(r"\((?:not|no)\b[^)]*\)", re.IGNORECASE)


@lru_cache(maxsize=4096)
def synonyms(word: str) -> frozenset[str]:
    """The one-word spellings of the lexicon's concept that ``word`` spells ('keppra' -> 'levetiracetam'); the words
    of a many-word spelling are not synonyms of it ('immune' does not spell 'ice')."""
    return frozenset(t for group in lexicon().synonym_groups if word in group for t in group if " " not in t)


def kinds_of(parsed: ParsedQuestion) -> frozenset[str]:
    """What a parsed text asks for, read alike: {'treatment'} for 'tx', 'dose' and 'regimen'; how often a drug is
    given is part of its treatment too ("toci how often can we repeat?")."""
    fact = frozenset({"count"}) if parsed.one_fact == "count" else frozenset()
    if parsed.one_fact == "interval" and Ask.RATE not in parsed.asks:  # "frequency of palsy" asks how common
        fact = frozenset({"interval"}) | INTENT_KINDS.get(parsed.intent, frozenset())
    return frozenset(ASK_KINDS[a] for a in parsed.asks if a in ASK_KINDS) | fact


def studied(parsed: ParsedQuestion) -> frozenset[str]:
    """{'evidence'} when a parsed text asks or names what a study found ("how did pts do?", "outcomes"), else none."""
    return frozenset({"evidence"}) if Ask.EVIDENCE in parsed.asks else frozenset()


#: A declared-absent topic that is what a study found: "results of the Strati 2023 phase 1 trial", "outcomes of the 6
#: CHOP patients". The words naming a kind of study ("trial", "cohort") say whose gap a topic is, not that it is a
#: finding: "anakinra dose in the Park 2023 trial" does not answer "what did the Park trial show?".
RESULTS = re.compile(r"\b(?:results?|outcomes?|findings?)\b", re.IGNORECASE)


def studies_of(text: str) -> frozenset[str]:
    """``studied`` for a topic's own words: {'evidence'} when it is a study's results or outcomes, else none."""
    return frozenset({"evidence"}) if RESULTS.search(text) else frozenset()


@lru_cache(maxsize=4096)
def asks_of(text: str) -> frozenset[str]:
    """What a text (a topic, or one question word) asks for, read alike."""
    return kinds_of(ParsedQuestion.read(text))


@lru_cache(maxsize=1024)
def bodies_of(source: str) -> frozenset[str]:
    """The guideline bodies a declaring document's id and title name, read once per document."""
    return frozenset(named_sources(source))


@lru_cache(maxsize=1024)
def trials_of(text: str) -> frozenset[str]:
    """The trials a topic and its document name, read once per topic."""
    return trials_in(text)


@lru_cache(maxsize=1024)
def own_reading(text: str) -> ParsedQuestion:
    """A topic's own words read as a question would be, once per topic (it is asked of every topic found)."""
    return ParsedQuestion.read(text)


def beyond(topic: str, held: Mapping[str, float], weights: Mapping[str, float]) -> list[str]:
    """The question's subject words that a topic's own words do not hold, as a word (``held``) or as a toxicity named
    in any spelling ('neurotoxicity' is held by "neurologic toxicity rates")."""
    named = set(own_reading(topic).toxicities)
    return [w for w in subject(weights) if w not in held and not set(entities(w).get("toxicity", [])) & named]


def same_word(a: str, b: str) -> bool:
    """Whether two words are one for matching: equal, or a plural of the other."""
    return a == b or a.removesuffix("s") == b.removesuffix("s")


@dataclass(frozen=True)
class Topic:
    """A declared-absent topic, read as a question would be."""

    text: str
    parsed: ParsedQuestion
    words: frozenset[str]

    @classmethod
    @lru_cache(maxsize=1024)
    def read(cls, text: str, title: str = "") -> Topic:
        """The topic ``text`` of the document titled ``title``: the title's words are the topic's subject too
        ("anakinra dose and schedule" of "Prophylactic anakinra ... (Strati 2023)"), but what it says the document is
        not about (``NOT_ABOUT``)."""
        title = NOT_ABOUT.sub(" ", title)
        words = frozenset(tokenize(f"{text} {title}", parts=False)) | frozenset(tokenize(f"{text} {title}"))
        return cls(text, ParsedQuestion.read(f"{text} {title}" if title else text), words)

    @property
    def kinds(self) -> frozenset[str]:
        """What the topic is, read alike; one naming a schedule or frequency is an interval too."""
        interval = INTERVAL.search(self.text) and not EVENT_FREQUENCY.search(self.text)  # not "frequency of palsy"
        return asks_of(self.text) | (frozenset({"interval"}) if interval else frozenset())

    def fits(self, question: ParsedQuestion, trials: frozenset[str] = frozenset(), source: str = "") -> bool:
        """Whether the topic is about what the question names: each fact both name agrees, and a toxicity or grade
        the question names is named by the topic too (or the question names the topic's guideline body), and so is a
        guideline body and a trial (``trials``) the question names; ``source`` describes the declaring document
        (its id and title), whose body counts as the topic's."""
        topic = self.parsed
        body = bool(set(question.bodies) & (set(topic.bodies) | bodies_of(source)))
        if question.bodies and not body:
            return False  # "per CARTOX" is not answered by what Hines lacks
        if question.toxicities and not set(question.toxicities) & set(topic.toxicities) and not body:
            return False
        if len(question.grades) == 1 and topic.grades and question.grades[0] not in topic.grades:
            return False
        if question.grades and not topic.grades and topic.toxicities:
            return False  # "grade 2 CRS" is not answered by a topic about CRS at no grade
        if self.narrower_than(question):
            return False
        if question.drugs and topic.drugs and not set(question.drugs) & set(topic.drugs):
            return False
        if question.products and topic.products and not set(question.products) & set(topic.products):
            return False
        if trials and not trials & trials_of(f"{self.text} {source}"):
            return False  # what KarMMa's paper lacks says nothing of ELIANA
        asked = kinds_of(question) or INTENT_KINDS.get(question.intent) or studied(question)
        findings_only = bool(asked) and asked == studied(question)  # it asks what a study found, and nothing else
        if findings_only and not (self.kinds or studies_of(self.text)):
            return False  # "de Boer — what did it show?" is not answered by the products it did not capture
        return not (self.kinds and not asked & (self.kinds | studies_of(self.text)))

    def narrower_than(self, question: ParsedQuestion) -> bool:
        """Whether the topic's own words (not its document's title) name a toxicity or grade the question does not:
        "G-CSF when?" is not answered by the missing cautions about G-CSF during CRS, nor "UF Health CRS guide?" by
        its missing grade 4 regimen; nor a question naming a score ("ICE score max points?") by what is missing of
        another (the CAR-HEMATOTOX cut-offs)."""
        own = own_reading(self.text)
        other_scale = bool(question.scales and set(own.scales) - set(question.scales))
        more_specific = bool(own.toxicities and not question.toxicities) or bool(own.grades and not question.grades)
        return more_specific or other_scale

    def covers(self, word: str, question: ParsedQuestion, anchored: bool = False) -> bool:
        """Whether the topic holds a question word: itself, a synonym, or, for a dose question about the topic's
        toxicity or guideline body (``anchored``), a drug its 'drug doses' cover. A drug the topic names in many words
        or by its class holds each of its names ('posaconazole' a "mold-active azole", 'dex' the "steroids")."""
        if any(same_word(word, w) for w in self.words) or synonyms(word) & self.words:
            return True
        named = lexicon().with_members([*self.parsed.drugs, *self.parsed.prior_drugs])
        if set(entities(word).get("drug", [])) & named:
            return True
        dose = anchored and "treatment" in self.kinds & kinds_of(question)
        drugs = {s for drug in question.drugs for s in (drug, *synonyms(drug))}
        return dose and bool(self.words & ANY_DRUG) and word in drugs

    def held(self, weights: Mapping[str, float], question: ParsedQuestion, anchored: bool = False) -> dict[str, float]:
        """The question's subject words (the words the corpus knows, with their weight by rarity, but those that
        only say what is asked: 'tx', 'dose', 'cutoffs', 'how long') that the topic holds; what is asked is
        matched by ``fits``."""
        return {word: w for word, w in subject(weights).items() if self.covers(word, question, anchored)}


@dataclass(frozen=True)
class Absence:
    """A declared-absent topic that answers the question, and the sentence (unit) that declares it."""

    topic: str
    unit: Unit
    coverage: float


def subject(weights: Mapping[str, float]) -> dict[str, float]:
    """The question's words and weights but those that only say what is asked."""
    return {word: w for word, w in weights.items() if not asks_of(word)}


def declarations(units: Sequence[Unit], passages: Sequence[Passage]) -> list[tuple[str, Unit]]:
    """Each declared-absent topic of the passages' documents with the sentence declaring it, as the corpus check
    finds it: an absence sentence holding all the topic's words."""
    found: list[tuple[str, Unit]] = []
    for unit in units:
        passage = passages[unit.passage]
        if unit.cells or not passage.not_captured or not DECLARED_ABSENT.search(unit.text):
            continue
        held = words(unit.text)
        for topic in passage.not_captured:
            if words(topic) <= held and all(t != topic for t, _ in found):
                found.append((topic, unit))
    return found


def declared_absence(
    question: ParsedQuestion,
    weights: Mapping[str, float],
    trials: frozenset[str],
    declared: Sequence[tuple[str, Unit]],
    passages: Sequence[Passage],
    rules: ComposerRules,
) -> Absence | None:
    """Of the ``declared`` topics (``declarations`` of ``passages``), the one that best answers the question (which
    names ``trials``), with its declaring sentence; None when none fits it and holds ``rules.absence_coverage`` of
    its subject's weight in at least ``rules.min_matched_words`` words (one word in common is no answer; what is
    asked counts)."""
    total = fsum(subject(weights).values())  # fsum: the share never depends on the words' (set) order
    best: Absence | None = None
    for text, unit in declared:
        passage = passages[unit.passage]
        topic = Topic.read(text, passage.title)
        source = f"{passage.doc_id} {passage.title}"
        if not topic.fits(question, trials, source):
            continue
        if kinds_of(question) and not topic.kinds:
            continue  # "when can my pt drive?" is not answered by a lacking title, authors and year
        if BIBLIOGRAPHIC.search(text) and not any(BIBLIOGRAPHIC.search(word) for word in weights):
            continue  # nor "seizure ppx — who gets it?" by the lacking authors of the seizure prophylaxis table
        # What one study's report lacks is that study's gap; a guideline's or a consensus's is the field's.
        study = study_named(passage.doc_id) if passage.doc_type in SINGLE_STUDY_TYPES else None
        if rules.study_gaps_named_only and study in words(text) and study not in weights:
            continue  # "emapalumab peds CRS outcomes?" is not answered by what the CHOP series lacks
        # A question that says nothing of what is asked ("CAPD items and points?") must match word for word; one asking
        # what a study found says it, when the topic is that study's results ("Strati ppx phase 1 LBCL results?").
        results = bool(studied(question) & studies_of(text))
        if rules.product_gaps_named_only and topic.parsed.products and not (question.products or results):
            continue  # nor "typical time to CRS onset?" by Aucatzyl's onset times, which were not captured
        floor = rules.absence_coverage if kinds_of(question) or results else max(rules.absence_coverage, 0.99)
        bodies = set(topic.parsed.bodies) | bodies_of(source)
        anchored = bool(set(question.toxicities) & set(topic.parsed.toxicities) or set(question.bodies) & bodies)
        held = topic.held(weights, question, anchored)
        own = Topic.read(text).held(weights, question, anchored)
        if rules.absence_own_words and not own:
            continue  # its document's title alone holds the question's words
        if rules.absence_beyond_names and own and all(map(names_product_or_trial, own)) and beyond(text, own, weights):
            continue  # it shares only a name with a question asking more ("cilta-cel ICANS rate?")
        share = fsum(held.values()) / total if total else 0.0
        asked_held = bool(kinds_of(question) & topic.kinds) or results
        if len(held) + asked_held < rules.min_matched_words or share < floor:
            continue  # what is asked counts as one word held: "IEC-HS dx criteria" holds IEC-HS and criteria
        if best is None or share > best.coverage:  # ties: the first, best-scored unit
            best = Absence(text, unit, share)
    return best


def superseded(unit: Unit, passage: Passage) -> bool:
    """Whether the unit holds a statement its document marks as replaced by a later source."""
    return bool(passage.supersessions_held(unit.text))
