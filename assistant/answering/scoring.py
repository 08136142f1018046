"""How well a quotable unit answers the question: IDF-weighted overlap, coverage and novelty.

Every answer shape ranks units with these figures, and abstention asks how much of the question the
best unit covers, so they are computed in one place with one set of weights (``ComposerRules``).
``unknown_share`` weighs the words the corpus never uses, for the chain's out-of-scope check.

Every sum over a set of words is an ``fsum``, so a score never depends on the set's iteration order.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from math import fsum

from assistant.answering.declared import BIBLIOGRAPHIC, asks_of, superseded
from assistant.answering.facets import facets_of
from assistant.answering.question import Asked, Concept, Intent, findings_words, named_sources, trials_in
from assistant.answering.rules import ComposerRules
from assistant.answering.units import Unit
from assistant.conversation import entities, present, ruled_out
from assistant.documents import LOCAL_COLLECTION
from assistant.lexicon import lexicon
from assistant.passage import Passage
from assistant.retrieval.keyword import tokenize
from assistant.retrieval.synonyms import group_of, normalize, related_words, synonym_vocabulary
from assistant.text import RISK_TALK

#: Sentences about the corpus itself ("... was not captured for this corpus") say what is missing,
#: not what is known; provenance ones ("the results below were checked against the ASH abstract") how
#: it was read; figures it marks as unchecked ("reported only from recall", "verify ... before quoting it") are
#: not to lean on; and bibliographic ones (volume, DOI) say where a study appeared: they answer only when
#: nothing else does, so they count this much less.
CORPUS_NOTE = re.compile(
    r"captured for this corpus|\bnot verified\b|\bunconfirmed\b|not confirmed in our sources|"
    r"\bonly from (?:recall|a scraped)\b|\bbefore quoting\b|"
    r"consult the primary|verified against|(?<!not )checked against|verified (?:through|via)\b|"
    rf"\(volume \d|\bPMC\d|\bDOI\b|\bPMID\b|{BIBLIOGRAPHIC.pattern}[^.]{{0,100}}\bnot captured\b",
    re.IGNORECASE,
)


#: A line on another setting than CAR-T's ("for secondary HLH in general (not CAR-T IEC-HS)"), and the toxicities of
#: the questions it answers; "sHLH", the lexicon's one-word spelling of secondary HLH, names one too.
NOT_CAR_T = re.compile(r"\bnot CAR-T\b|\bnot specific to CAR-T\b|\bsecondary HLH\b", re.IGNORECASE)
HLH = frozenset({"hlh", "iec-hs"})


def entity_spellings() -> dict[str, tuple[str, ...]]:
    """Each one-word spelling of a drug or product, in the lexicon in use, with all the spellings of its group."""
    lex = lexicon()
    return {
        term: tuple(group.terms)
        for group in lex.groups
        if group.kind in ("drug", "product")
        for term in group.terms
        if " " not in term
    }


#: The source types that report a trial itself (not a label or review quoting it).
TRIAL_REPORTS = frozenset({"trial", "cohort"})
#: A sentence that gives a rate ("12%", "3 of 20").
GIVES_RATE = re.compile(r"\d\s*%|\b\d+ of (the )?\d+\b|\b\d+/\d+\b")


class Scorer:
    """Scores units against a question; ``idf`` weights terms by rarity, ``rules`` holds the weights."""

    def __init__(self, idf: Mapping[str, float], rules: ComposerRules, everyday: frozenset[str] = frozenset()) -> None:
        self.idf = idf
        self.rules = rules
        self.everyday = everyday  # everyday English words (``embeddings.common_words``): known though not indexed
        self.default_idf = max(idf.values(), default=1.0)
        self.spellings = entity_spellings()

    def weight(self, token: str) -> float:
        """A term's IDF; a word the corpus never uses weighs as much as its rarest word."""
        return max(self.idf.get(token, self.default_idf), self.rules.min_weight)

    def score(self, unit: Unit, passage: Passage, asked: Asked, rank: int) -> float:
        """IDF-weighted overlap with the question; a unit about another grade or toxicity counts less."""
        tokens = set(tokenize(unit.text, parts=False))
        context = set(tokenize(f"{passage.title} {passage.section}", parts=False))
        # Sums over sets use fsum (exactly rounded, so independent of the order the terms come in): a plain
        # sum follows the set's iteration order, which moves with PYTHONHASHSEED, and its last bit then
        # decided ties between units that match the same words, so answers changed from run to run.
        value = fsum(
            self.matched_weight(t) * (self.rules.carried_weight if t in asked.carried else 1.0)
            for t in asked.core & tokens
        )
        # One synonym group earns at most one word's credit: spelling ICANS out in full is not five matches.
        # ... and a unit holding the question's own word for a toxicity has earned it: spelling it out beside it
        # ("IEC-HS" and "immune effector cell-associated HLH-like syndrome") is a definition, not more of an answer.
        value += fsum(
            self.concept_weight(spoken) * self.concept_credit(concept, tokens)
            for concept, spoken, said in zip(asked.extra, asked.spoken, asked.said, strict=True)
            if not (self.rules.toxicity_once and any(term <= tokens for term in said))
        )
        grading_row = bool(unit.cells) and asked.intent is Intent.GRADING
        value += self.rules.context_weight * fsum(self.weight(t) for t in (asked.core - tokens) & context)
        if asked.about_another(unit.text):
            value *= self.rules.other_grade_factor
        named = (
            entities(f"{unit.text} {passage.section}").get("toxicity", []) if asked.toxicities | asked.besides else []
        )
        if asked.toxicities:
            # A unit naming no toxicity in a document about only others is about those ("HLH-2004 criterion:
            # Fever" in the HLH-2004 criteria does not answer a CRS question).
            titled = set(entities(passage.title).get("toxicity", [])) if not named else set()
            if (named and not set(named) & asked.toxicities) or (titled and not titled & asked.toxicities):
                value *= self.rules.other_grade_factor
            elif not named:
                # "risk factors for carHLH?": the seizure-prophylaxis table's "risk factors" are another topic's risk.
                another_risk = asked.risk and RISK_TALK.search(unit.text)
                value *= self.rules.others_risk_factor if another_risk else self.rules.unnamed_toxicity_factor
        if named and named[0] in asked.besides:
            value *= self.rules.other_grade_factor
        has, without = set(present(unit.text).get("toxicity", [])), ruled_out(unit.text)
        other_patient = (asked.ruled_out & has - without) or (asked.toxicities & without - has)
        if self.rules.ruled_out_toxicities and other_patient:
            # "gr2 ICANS, no CRS": "grade 2 ICANS with CRS that is refractory ..." is another patient's line; one
            # that also speaks of its absence ("ICANS can occur before, during or after CRS, or without CRS") is not.
            # So, for "gr3 ICANS plus gr2 CRS", is "grade 3 ICANS without CRS is treated with ...".
            value *= self.rules.other_grade_factor
        reports = lexicon().named_outcomes(normalize(unit.text)) if asked.outcomes else ()
        if reports and not asked.outcomes & set(reports):
            value *= self.rules.other_outcome_factor
        infections = lexicon().named_infections(normalize(unit.text)) if asked.infections else ()
        if infections and not asked.infections & set(infections):
            value *= self.rules.other_infection_factor
        if asked.about_other_drugs(facets_of(unit, passage.doc_type, passage.year).drugs):
            value *= self.rules.other_drug_factor
        if NOT_CAR_T.search(unit.text) and not (asked.toxicities & HLH or asked.core & set(group_of("secondary hlh"))):
            value *= self.rules.non_car_t_factor  # "who needs IVIG after CAR-T?": not the secondary-HLH IVIG row
        if CORPUS_NOTE.search(unit.text):
            value *= self.rules.corpus_note_factor
        if superseded(unit, passage):
            value *= self.rules.superseded_factor
        if asked.wants_rate and GIVES_RATE.search(unit.text):
            value *= self.rules.rate_factor
        if asked.sources & named_sources(describe(passage)):
            value *= self.rules.named_source_factor
        if self.rules.trial_paper_first and self._reports_named_trial(passage, asked):
            value *= self.rules.named_source_factor  # "FELIX grade ≥3 ICANS": the trial's own report first
        if asked.local and passage.collection == LOCAL_COLLECTION:
            value *= self.rules.named_source_factor  # "per our protocol": the hospital's own documents first
        length = len(tokens) / 2 if grading_row else len(tokens)
        return value * (1.0 + self.rules.rank_bonus / (1 + rank)) / (1.0 + self.rules.length_penalty * length)

    @staticmethod
    def _reports_named_trial(passage: Passage, asked: Asked) -> bool:
        """Whether the passage is a trial's own report (not a label quoting it) of a trial the question names."""
        if not asked.trials or passage.doc_type not in TRIAL_REPORTS:
            return False
        return bool(asked.trials & trials_in(f"{passage.doc_id} {passage.title}"))

    def matched_weight(self, token: str) -> float:
        """What a question word earns where a unit holds it: its weight, but a drug's or product's name earns
        no more than its commonest spelling ('Gamifant' as 'emapalumab'), so a brand typed at the bedside does
        not rank its label's lines above the studies that use the generic name."""
        if not self.rules.brand_as_generic:
            return self.weight(token)
        spellings = self.spellings.get(token)
        if not spellings:
            return self.weight(token)
        commonest = min(max(self.weight(w) for w in tokenize(term, parts=False) or [term]) for term in spellings)
        return min(self.weight(token), commonest)

    def concept_weight(self, spoken: frozenset[str]) -> float:
        """How much a concept of ``Asked.extra`` counts: ``rules.expansion_weight``, or in full when the question's own
        words for it (``spoken``) hold one the corpus never uses ("romiplostim", "toci"): such a word earns nothing
        itself, so the concept is all it can match, as its corpus spelling would."""
        if self.rules.unindexed_words_in_full and any(word not in self.idf for word in spoken):
            return 1.0
        return self.rules.expansion_weight

    def concept_credit(self, concept: Concept, tokens: set[str]) -> float:
        """The weight of the concept's rarest word in ``tokens``, at most that of its commonest spelling.

        A concept is at least as common as any of its spellings, so 'CRES' (rare) standing for the
        'neurotox' of a question earns no more than 'ICANS' (common) would.
        """
        found = max((self.weight(t) for term in concept for t in term & tokens), default=0.0)
        if not found:
            return 0.0
        return min(found, min(max(self.weight(t) for t in term) for term in concept if term))

    def matched(self, unit: Unit, passage: Passage, core: set[str]) -> tuple[set[str], set[str]]:
        """The question's words that count for coverage, and those the unit or its section and title hold.

        Words the corpus never uses ('toci', 'australia') are left out: they can neither support
        nor refute a passage, and their synonyms (if any) are matched through the expansion. So are
        bare numbers and single letters ('40' of "a 40 yo", 'g' of "1 g/day"): they say nothing
        about the subject. A drug class ('steroid') is held where one of its drugs is named ('dexamethasone').
        """
        known = self.known(core)
        text = set(tokenize(f"{unit.text} {passage.title} {passage.section}", parts=False))
        members = lexicon().member_words
        return known, {t for t in known if t in text or held_as(t, members) & text}

    def known(self, core: set[str] | frozenset[str]) -> set[str]:
        """The question's words that say what it is about: known to the corpus or the lexicon, no bare number."""
        return {t for t in core if not t.isdigit() and len(t) > 1 and (t in self.idf or related_words(t))}

    def unknown(self, core: set[str] | frozenset[str]) -> set[str]:
        """The question's words that neither the corpus, the lexicon nor everyday English knows, and that do not
        say what is asked ('pembro', 'lymphodepletion'; not 'keep' or 'cutoffs')."""
        known = synonym_vocabulary() | self.everyday
        return {
            t for t in core
            if t.isalpha() and len(t) > 2 and t not in self.idf and t not in known and not asks_of(t)
        }  # fmt: skip

    def weights(self, core: set[str] | frozenset[str]) -> dict[str, float]:
        """Each ``known`` question word with its weight."""
        return {t: self.weight(t) for t in self.known(core)}

    def coverage(self, unit: Unit, passage: Passage, core: set[str]) -> float:
        """Share of the question's weight (of the words ``matched`` counts) found in the unit or its heading."""
        known, found = self.matched(unit, passage, core)
        if not known:
            return 0.0
        return fsum(self.weight(t) for t in found) / fsum(self.weight(t) for t in known)

    def novelty(self, matched: set[str], covered: set[str]) -> float:
        """Score factor from ``novelty_floor`` (adds no new question word) to 1 (every matched word is new)."""
        weight = fsum(self.weight(t) for t in matched)
        share = fsum(self.weight(t) for t in matched - covered) / weight if weight else 0.0
        return self.rules.novelty_floor + (1 - self.rules.novelty_floor) * share


def describe(passage: Passage) -> str:
    """What names a passage's source: its id, title, source and section ('per ASCO' is matched against it)."""
    return f"{passage.doc_id} {passage.title} {passage.source} {passage.section}"


def unknown_share(
    question: str,
    idf: Mapping[str, float],
    common_words: frozenset[str],
    rules: ComposerRules,
    context: Collection[str] = (),
) -> float:
    """Share of the question's weight carried by specialised words the corpus never uses (``specialised_words``).

    Such words weigh as much as the rarest indexed word, because they say what is really asked;
    other unknown words weigh nothing either way. The words asking what a study found are no subject, known or not
    ("TRANSFORM takeaways?" asks about TRANSFORM), and nor are the ``context`` words, which say what else the patient
    has ("gr 3 CRS in a pt with cardiomyopathy": the question asks about CRS).
    """
    tokens = set(tokenize(question, parts=False))
    if not tokens:
        return 1.0
    rarest = max(idf.values(), default=1.0)
    known = set(idf) | synonym_vocabulary()
    unknown = rarest * len(set(specialised_words(question, idf, common_words, rules)) - set(context))
    total = unknown + fsum(max(idf.get(t, rarest), rules.min_weight) for t in tokens if t in known)
    return unknown / total if total else 1.0


def specialised_words(
    question: str, idf: Mapping[str, float], common_words: frozenset[str], rules: ComposerRules
) -> list[str]:
    """The question's words naming a drug or disease the corpus never uses, in the order typed.

    A word counts as specialised when neither the corpus, nor the synonym table, nor everyday English
    (the embedding model's whole-word vocabulary) knows it, and it is long enough to be a drug or
    disease name (``rules.min_specialised_length``) rather than shorthand ('pembrolizumab', 'warfarin',
    'cytosorb', 'myocarditis'; not 'ncse', '2l'). The words asking what a study found are none.
    """
    asking = findings_words(question)
    known = set(idf) | synonym_vocabulary()

    def specialised(token: str) -> bool:
        return (
            any(
                len(p) >= rules.min_specialised_length
                and p not in known
                and p not in common_words
                and p.isalpha()
                and not inflection_of_known(p, known)
                and not inflections(p) & common_words  # "qualifies" is everyday English inflected
                for p in token.split("-")
            )
            and token not in known
            and token not in asking
        )

    return list(dict.fromkeys(t for t in tokenize(question, parts=False) if specialised(t)))


#: Word endings a question and the documents may differ by ("escalate" and "escalated").
INFLECTION = re.compile(r"(?:ing|ions?|ed|es|e|s|d)$")
ENDINGS = ("", "e", "s", "es", "d", "ed", "ing", "ion", "ions")
#: The shortest stem whose other endings ``inflections`` reads: 'used' is not a form of 'us'.
MIN_STEM = 4
#: An -ify verb's family ("certified", "certification", "classify", "verifies"), whose stem the endings above miss.
IFY_ENDINGS = ("y", "ies", "ied", "ying", "ication", "ications")
IFY_FAMILY = re.compile(rf"(\w{{3,}}if)(?:{'|'.join(IFY_ENDINGS)})$")


def held_as(word: str, members: Mapping[str, frozenset[str]]) -> frozenset[str]:
    """The words a unit may hold ``word`` as: its synonyms, the drugs of a class it names, its other inflected
    forms and their synonyms ('checked' -> 'checks' -> 'assessments')."""
    forms = inflections(word)
    return frozenset(
        related_words(word) | members.get(word, frozenset()) | forms | {r for f in forms for r in related_words(f)}
    )


def inflections(word: str) -> frozenset[str]:
    """Other forms of a word: its plural or singular, and for a stem of at least ``MIN_STEM`` letters its other
    endings ('infections' -> 'infection', 'monitor' -> 'monitoring', 'certified' -> 'certification'), so a question
    and a passage that inflect one word differently still share it."""
    if not word.isalpha():
        return frozenset()
    # Any word's plural or singular ('day' / 'days', 'dose' / 'doses'); other endings on longer stems only.
    number = {word[:-1]} if word.endswith("s") and not word.endswith("ss") and len(word) > 3 else {word + "s"}
    stem = INFLECTION.sub("", word)
    forms = {stem + ending for ending in ENDINGS} if len(stem) >= MIN_STEM else set()
    if family := IFY_FAMILY.fullmatch(word):
        forms |= {family.group(1) + ending for ending in IFY_ENDINGS}
    return frozenset(forms | number) - {word}


def inflection_of_known(word: str, known: set[str]) -> bool:
    """Whether ``word`` is another form of a word in ``known`` ('escalate' of 'escalated'): not a foreign subject."""
    stem = INFLECTION.sub("", word)
    return any(stem + ending in known for ending in ENDINGS)
