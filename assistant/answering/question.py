"""How Carta reads a question, once: its answer shape (``Intent``), the clinical facts it names
(``ParsedQuestion``: toxicities, grades, drugs, product, population, guideline body, what is asked,
line of therapy) and what the composer weighs (``Asked``: words, hints, grade, named sources).

The phrases are the clinical lexicon's (``assistant/lexicon/intents.yaml``); this module is the code.

>>> parsed = ParsedQuestion.read("toci dose for grade 2 CRS in a 22 kg kid")
>>> parsed.intent.value, parsed.toxicities, parsed.grades, parsed.drugs, parsed.population.weight_band
('dosing', ['crs'], [2], ['tocilizumab'], '<30 kg')
>>> asked = Asked.read("how long? (grade 3 ICANS without CRS)", Intent.MONITORING, "grade 3 ICANS without CRS")
>>> asked.grade, sorted(asked.toxicities)
('3', ['icans'])
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

from assistant.conversation import NEGATED, entities, present, ruled_out
from assistant.lexicon import lexicon
from assistant.retrieval.keyword import tokenize
from assistant.retrieval.synonyms import asks_risk, expansion_groups, mentioned_sources, normalize, related_words
from assistant.text import course_days, course_steps


class Intent(StrEnum):
    """The shape of the answer a question gets (dosing table, grading rows, evidence lines, prose)."""

    DOSING = "dosing"
    GRADING = "grading"
    MANAGEMENT = "management"
    EVIDENCE = "evidence"
    PRODUCT = "product"
    MONITORING = "monitoring"
    DEFINITION = "definition"
    GENERAL = "general"


def classify(question: str) -> Intent:
    """The question's type, from the lexicon's intent patterns (no model, so it is the same every time).

    A question about a toxicity that asks nothing else and ends on a drug ("gr2 crs toci?", "22 kg kid
    w/ CRS after kymriah — toci?") asks how that drug is given for it: a dose question. A drug before the last
    clause break says who was treated ("ZUMA-1 cohort 4 early steroids — severe CRS?" asks a rate).
    """
    named = entities(question)
    question = without_given_doses(question)
    for name, pattern, confirm in lexicon().intent_patterns:
        if not pattern.search(question):
            continue
        if confirm is not None and not (confirm.search(question) or named.get("drug")):
            continue
        return Intent(name)
    # "dex for 15 kg kid ICANS gr3?": a drug for a patient given by weight asks how much of it.
    if named.get("drug") and lexicon().reading_patterns["population.weight"].search(question):
        return Intent.DOSING
    # The drug must be in the last clause: "cohort 4 early steroids — severe CRS?" names who was treated; so does a
    # drug a named trial gave ("zuma-1 cohort 6 — severe CRS with the ppx dex?" asks what the trial found).
    if named.get("toxicity") and ends_on_drug(question) and not trials_in(question):
        return Intent.DOSING
    if states_a_patient(question) or wants_another_at_a_grade(question):
        return Intent.MANAGEMENT
    return Intent.GENERAL


def wants_another_at_a_grade(question: str) -> bool:
    """Whether the question asks what else to do at one grade of a toxicity than give a drug it does not want
    ("gr2 ICANS no CRS, want to avoid steroids — options?"): what to do at that grade is asked."""
    return bool(lexicon().instead_pattern.search(question)) and one_graded_toxicity(question)


def states_a_patient(question: str) -> bool:
    """Whether the question is a patient's state typed as a statement ("gr3 ICANS, no CRS.", "gr1 CRS, fever 39,
    day 2 after yescarta."): no question mark but a full stop or a clause break, no word asking a kind of fact, and
    one grade of a toxicity named. What to do is asked. "ZUMA-2 gr3+ CRS?" spans grades and asks how often; "abecma
    gr3 CRS" typed as a search, with no punctuation at all, is left to the other readings."""
    return (
        "?" not in question
        and bool(STATEMENT.search(question))
        and one_graded_toxicity(question)
        and not ask_words(question)
    )


def one_graded_toxicity(question: str) -> bool:
    """Whether the question names a toxicity and exactly one grade ("grade ≥3" spans two): a patient's setting."""
    return bool(present(question).get("toxicity")) and len(grades_in(question, targets=False)) == 1


#: Doses counted as kept or given ("2 toci doses on site"); those given after a count ("after the first toci
#: dose") are the lexicon's ``line.after_doses``.
COUNTED_DOSES = re.compile(r"\b(?:\d+|one|two|three|four|both) [\w-]+ doses\b", re.IGNORECASE)


def without_given_doses(question: str) -> str:
    """``question`` without the doses it counts as given or kept, which ask for no dose ("still need 2 toci doses
    on site?", "no better after the first toci dose")."""
    after_doses = lexicon().reading_patterns.get("line.after_doses")
    question = after_doses.sub(" ", question) if after_doses else question
    return COUNTED_DOSES.sub(" ", question)


#: A full stop or a clause break: what makes a question with no question mark a statement ("gr3 ICANS, no CRS.").
STATEMENT = re.compile(r"[.,;]")
#: The last words of a question: "gr2 crs toci?" ends on a drug.
TRAILING_WORDS = re.compile(r"(?:[\w-]+\W+){0,2}[\w-]+\W*$")


#: The highest grade a toxicity is graded with short of death: "grade ≥3" spans grades 3 and 4.
HIGHEST_GRADE = 4
#: Words that make the grade after them a goal, not the grade a sentence is about ("manage as grade 2": the
#: patient's grade is another); what counts or is classed as a grade is that grade ("when does it count as grade 2?").
GRADE_TARGET = re.compile(
    r"\b(?:to|until|below|than|or lower|(?<!count )(?<!counts )(?<!qualify )(?<!qualifies )(?<!classed )"
    r"(?<!classified )as(?: per)?)\s*(?:≤\s*)?$",
    re.IGNORECASE,
)
GRADE_MENTION = re.compile(
    r"\b(?:grades?|g)\s*:?\s*(≥|>=)?\s*([1-5])(?:\s*(?:–|-|to|and|or)\s*([1-5]))?\b", re.IGNORECASE
)

#: A grade (and the toxicity's name) the documents write as where a step starts: "from grade 2 ICANS onwards". Not
#: "grade 3 or higher", which in "ICANS with CRS of grade 2 or higher" is the other toxicity's grade.
ONWARDS = re.compile(r"(?:\s+[\w-]+)?\s+onwards?\b", re.IGNORECASE)

#: A numbered part of a study ("cohort 4", "phase 1"): a text naming the same part with another number
#: is about another part.
STUDY_PART = re.compile(r"\b(cohort|phase|arm)\s+(\d+)\b", re.IGNORECASE)

#: A text about a drug label ("per label"): a kind of source besides the lexicon's guideline bodies.
LABEL = re.compile(r"\blabel\b|\bprescribing information\b", re.IGNORECASE)

#: Source names for a kind of source rather than one body; "per label" boosts no document.
SOURCE_KINDS = frozenset({"label", "fda"})

#: A treatment the patient already had ("steroid-refractory", "despite high-dose steroids", "after 2 doses
#: of toci", "got 1 dose of toci", "s/p toci", "on the methylpred", "not responding to dex", "doesn't respond to
#: steroids", "no better with toci") or one replaced ("sylvant instead of toci"): the drug it names is the line of
#: therapy, not the drug asked about.
#: "Data on emapalumab" asks about the drug: "on" after a word for what is known is not a treatment given.
PRIOR = re.compile(
    r"\b[\w-]+[- ](?:refractory|resistant|dependent)\b(?!\s+to\b)"  # "ICANS refractory to steroids": the steroids
    r"|\b[\w-]+\s+(?:is\s+|are\s+)?(?:contraindicated|allergy)\b"  # "toci contraindicated": another drug is asked
    r"|\b(?:refractory to|despite|after|got|had|s/p|failed|failing|instead of|rather than|other than|in place of|"
    r"avoid(?:ing)?|"
    r"(?:not|non-?|(?:does|did|do)n['’]?t)\s?respon(?:ds?|ding|sive) to|unresponsive to|no response to|"
    r"(?:not improving|no better|worse) (?:on|with)|"
    r"sparing|allergic to|allergy to|out of|(?:can['’]?t|cannot|unable to) (?:give|use|get)|"
    r"(?<!data )(?<!evidence )(?<!studies )(?<!literature )(?<!guidance )(?<!experience )on)\s+"
    r"(?:(?:the|that|high-dose|\d+|one|two|three|first|1st|second|2nd|initial|doses?|of)\s+){0,4}[\w-]+"
    r"|\b[\w-]+(?:\s+x\s*\d)?\s+(?:given|started|administered|received)\b"  # "toci x1 given", "dex started"
    r"|\b(?:\d+|one|two|three)\s+doses?\s+of\s+[\w-]+\s+(?:in|done|so far|already)\b",  # "2 doses of toci in"
    re.IGNORECASE,
)


def asked_drugs(question: str) -> list[str]:
    """The drugs ``question`` asks about: not one named only as a treatment already given or ruled out."""
    return entities(NEGATED.sub(" ", PRIOR.sub(" ", question))).get("drug", [])


#: Words that, in a question asking for the hospital's own protocol, only say whose it is ("our unit's
#: G-CSF policy"): with no local document indexed they would pull in other institutions' protocols.
LOCAL_NOUNS = re.compile(
    r"\b(?:protocols?|units?|sops?|polic(?:y|ies)|institutions?|institutional|hospitals?|guidance|guidelines?)\b(?:'s)?",
    re.IGNORECASE,
)
#: "what's in the boxed warning besides CRS?" asks for everything but CRS: its word earns nothing; so do the others
#: of a list set aside ("besides CRS + neurotox", "other than CRS and ICANS").
BESIDES = re.compile(
    r"\b(?:besides|other than|apart from|aside from|except(?: for)?)\s+[\w-]+(?:\s*(?:\+|&|/|\band\b)\s*[\w-]+)*",
    re.IGNORECASE,
)


#: One concept a question names beyond its own words: the spellings (each a set of words) that count for it.
Concept = tuple[frozenset[str], ...]


@dataclass(frozen=True)
class Asked:
    """What the composer reads from a question, once: its words and how much each counts."""

    core: frozenset[str]
    extra: tuple[Concept, ...]  # synonym groups, hints and hyphen parts, each earning one word's credit
    # For each concept of ``extra``, the question's own words for it when it is a drug or product group
    # ("romiplostim" for the TPO agonists); empty for the other concepts.
    spoken: tuple[frozenset[str], ...]
    # For each concept of ``extra``, the question's own terms for it, each as its words, when it is a toxicity or a
    # term group ("iec-hs", "t-cell lymphoma"): a unit holding all words of one has earned the concept already; empty
    # for the other concepts.
    said: tuple[tuple[frozenset[str], ...], ...]
    carried: frozenset[str]  # words only in the context a follow-up carried from earlier turns
    grade: str | None
    toxicities: frozenset[str]
    intent: Intent
    wants_rate: bool = False
    sources: frozenset[str] = frozenset()  # guideline bodies the question names ("ASCO says ...")
    besides: frozenset[str] = frozenset()  # toxicities the question sets aside ("besides CRS")
    ruled_out: frozenset[str] = frozenset()  # toxicities the patient does not have ("gr2 ICANS, no CRS")
    study_parts: frozenset[tuple[str, str]] = frozenset()  # numbered study parts it asks about ("cohort 4")
    trials: frozenset[str] = frozenset()  # named trials ("ZUMA-1")
    products: frozenset[str] = frozenset()  # named products, canonical ("Yescarta" -> axi-cel)
    local: bool = False  # "our protocol": the hospital's own documents first
    risk: bool = False  # "risk factors for severe CRS?": who is at risk of its toxicities
    drugs: frozenset[str] = frozenset()  # drugs asked about, not those already given, with a class's members
    # Words of what kind of fact is asked ("how many days", "results"), not its subject; "data on X" stays a subject
    # word, as the evidence pattern spans its subject ("does cytosorb help?") and evidence is no kind of
    # declared-absent topic (declared.ASK_KINDS).
    asking: frozenset[str] = frozenset()
    # Neighbouring words joined as the documents may write them ("real world" -> 'real-world'); one concept each.
    compounds: frozenset[str] = frozenset()
    # Outcomes a follow-up's own words name ("and PFS?"), not those of the context it carried; none for a question
    # that carried nothing, whose words all count as its own.
    outcomes: frozenset[str] = frozenset()
    infections: frozenset[str] = frozenset()  # viruses it names ("HCV/HIV screening?")

    @classmethod
    def read(cls, question: str, intent: Intent, carried: str = "") -> Asked:
        """``question`` is the whole retrieval query; ``carried`` the part of it taken from earlier turns."""
        besides = " ".join(BESIDES.findall(question))
        local = bool(lexicon().reading_patterns["local"].search(question))
        question, carried = without_local(BESIDES.sub(" ", question)), without_local(BESIDES.sub(" ", carried))
        # "ELIANA findings?" is about ELIANA: the words asking what a study found score no sentence ("one of these
        # findings", "data show"), as no document words a finding with them. Nor does the number of the day of the
        # patient's course: "seizure ppx still needed on day 5?" is not about G-CSF's 5 µg/kg; nor the step it dates
        # from: "after a Kymriah infusion, how long before driving?" is not about infusions; nor words only asking,
        # which the documents use otherwise: "does a tremor count?" is not about the complete blood count.
        core = (
            frozenset(tokenize(question, parts=False))
            - findings_words(question)
            - course_days(question)
            - course_steps(question)
            - matched_words(lexicon().reading_patterns["asking_only"], question)
        )
        lex = lexicon()
        hints = (
            lex.hints.get(intent.value, "")
            + " "
            + " ".join(words for pattern, words in lex.phrase_patterns if pattern.search(question))
        )
        groups = expansion_groups(question)
        extra = [tuple(frozenset(tokenize(term, parts=False)) - core for term in missing) for missing, _ in groups]
        # Each group's own terms in the question, as words, and the group's terms (whose canonical name says its kind).
        owns = [
            (tuple(frozenset(tokenize(term, parts=False)) for term in used), {*missing, *used})
            for missing, used in groups
        ]
        names = {*lex.entity_names("drug"), *lex.entity_names("product")}
        spoken = [frozenset().union(*own) if names & terms else frozenset() for own, terms in owns]
        # A toxicity, an infection or an everyday term the unit holds in the question's own word has earned it
        # (``toxicity_once``).
        once = {*lex.entity_names("toxicity"), *lex.entity_names("infection"), *lex.entity_names("term")}
        said = [tuple(t for t in own if t and t <= core) if once & terms else () for own, terms in owns]
        extra += [(frozenset({word}) - core,) for word in tokenize(hints, parts=False)]
        # "steroid-refractory" is also said "refractory to steroids": each part counts as a concept of its own.
        parts = {part for token in core if "-" in token for part in token.split("-") if len(part) > 2} - core
        extra += [tuple(frozenset({w}) for w in sorted({part} | related_words(part))) for part in sorted(parts)]
        # ... and "real world" typed apart is the documents' "real-world": the joined pair counts as one concept.
        compounds = frozenset(spaced_compounds(question)) - core
        extra += [(frozenset({compound}),) for compound in sorted(compounds)]
        own_text = own_words(question, carried)
        own = set(tokenize(own_text, parts=False))
        grades = grades_in(question)
        return cls(
            core=core,
            extra=tuple(extra),
            spoken=(*spoken, *[frozenset()] * (len(extra) - len(spoken))),  # hints, parts, compounds: none
            said=(*said, *[()] * (len(extra) - len(said))),
            carried=frozenset(core - own),
            grade=next(iter(grades)) if len(grades) == 1 else None,
            toxicities=frozenset(present(question).get("toxicity", [])),
            intent=intent,
            wants_rate=(
                bool(lex.rate_pattern.search(question)) and not asks_count(question) and not asks_interval(question)
            )
            or asks_bare_rate(question, intent, own_text),
            sources=frozenset(named_sources(question) - SOURCE_KINDS),
            besides=frozenset(entities(besides).get("toxicity", [])),
            ruled_out=ruled_out(question),
            study_parts=study_parts(question),
            trials=trials_in(question),
            products=frozenset(entities(question).get("product", [])),
            local=local,
            risk=asks_risk(question),
            drugs=lex.with_members(asked_drugs(question)),
            asking=frozenset(ask_words(question, besides=("asks.evidence",))),
            compounds=compounds,
            outcomes=frozenset(lex.named_outcomes(normalize(own_text)) if carried else ()),
            infections=frozenset(lex.named_infections(normalize(question))),
        )

    @property
    def product_dose(self) -> bool:
        """Whether a dose question names a CAR-T product and no drug: the dose asked is the product's own, in cells
        ("liso-cel dose in TRANSFORM?"), not a drug's given with it."""
        return self.intent is Intent.DOSING and bool(self.products) and not self.drugs

    def about_other_drugs(self, named: Iterable[str]) -> bool:
        """Whether a unit naming the drugs ``named`` (its facet) names none of those asked about (a valaciclovir
        row for a levofloxacin question; a class named or asked, "steroids", counts its members)."""
        named = lexicon().with_members(named)
        return bool(self.drugs and named and not named & self.drugs)

    def about_another(self, text: str) -> bool:
        """Whether ``text`` is about another grade, numbered study part, trial or product than the one asked:
        "grade 2 ICANS" for a grade 3 question, "cohort 6" for a cohort 4 one, "ZUMA-3" for a ZUMA-1
        one, "Abecma" for a Yescarta one; a text on a numbered cohort is not the named trial's main
        result unless a cohort is asked."""
        if self.grade is not None:
            mentioned = grades_in(text, targets=False)
            if mentioned and self.grade not in mentioned:
                return True
        named = study_parts(text)
        kinds = {kind for kind, _ in named}
        if any(kind in kinds and (kind, number) not in named for kind, number in self.study_parts):
            return True
        if self.trials:
            mentioned = trials_in(text)
            if mentioned and not mentioned & self.trials:
                return True
            if not self.study_parts and "cohort" in kinds:
                return True
        if self.products:
            mentioned = set(entities(text).get("product", []))
            if mentioned and not mentioned & self.products:
                return True
        return False

    def another_part_of(self, text: str) -> bool:
        """Whether ``text`` is about another part of the trial than the one asked: for "ZUMA-1 cohort 4", a
        ZUMA-1 text naming no cohort is the pivotal cohort's (its figures are not cohort 4's)."""
        return bool(self.study_parts and trials_in(text) & self.trials and not study_parts(text))

    def setting_of(self, text: str) -> bool:
        """Whether ``text`` is about the toxicity asked, at the grade asked if one is ("grade 1 CRS");
        True if no toxicity is asked.

        The toxicity a text is about is the one it names first: "grade 1 ICANS with concurrent CRS"
        is about ICANS.
        """
        if not self.toxicities:
            return True
        named = entities(text).get("toxicity", [])
        if not named or named[0] not in self.toxicities:
            return False
        return self.grade is None or self.grade in grades_in(text, targets=False)


def ask_words(question: str, besides: tuple[str, ...] = ()) -> set[str]:
    """The words that say what kind of fact is asked ("cutoff", "max", "median onset", "how many days", "what does
    that mean", "which patients develop"), not what it is about: the lexicon's ask, one-fact, identify and who-gets
    phrases, but those named in ``besides``."""
    words: set[str] = set()
    lex = lexicon()
    for name, pattern in [
        *lex.reading_patterns_under("asks", "one_fact").items(),
        ("identify", lex.reading_patterns["identify"]),
        ("who_gets", lex.reading_patterns["who_gets"]),
    ]:
        if name not in besides:
            words |= matched_words(pattern, question)
    return words


def findings_words(question: str) -> set[str]:
    """The words asking what one study found ("results", "bottom line", "show"): the lexicon's ``asks.findings``."""
    pattern = lexicon().reading_patterns.get("asks.findings")
    return matched_words(pattern, question) if pattern else set()


def matched_words(pattern: re.Pattern[str], text: str) -> set[str]:
    """The words of every match of ``pattern`` in ``text``, as tokenized for matching, and of the group named ``ask``
    a lookahead captured: "how long should HSV prophylaxis run?" asks with "how long" and "run", not with what runs."""
    return {
        t
        for match in pattern.finditer(text)
        for part in (match.group(0), match.groupdict().get("ask"))
        if part
        for t in tokenize(part, parts=False)
    }


#: What follows "how many pts had / got / developed ..." (a toxicity there asks a rate, not a count).
HAD = re.compile(
    r"\bhow many \w+ (?:actually |really )?(?:got|get|had|have|has|developed|develop|experienced|with)\b(.*)",
    re.IGNORECASE,
)


def asks_count(question: str) -> bool:
    """Whether the question asks how many patients a study, cohort or label set holds ("ZUMA-2 n?", "FELIX, how many
    pts got obe-cel?"), not how many had a toxicity ("how many pts got CRS?" asks a rate)."""
    count = lexicon().reading_patterns.get("one_fact.count")
    had = HAD.search(question)
    return bool(count and count.search(question)) and not (had and entities(had.group(1)).get("toxicity"))


def asks_workup(question: str) -> bool:
    """Whether the question asks which tests to do ("ICANS workup?", "which labs?", "imaging?", "LP too?")."""
    return bool(lexicon().reading_patterns["workup"].search(question))


#: "how often does CRS start after week 2?": how often something happens, a rate, though the words ask an interval.
HAPPENS = re.compile(
    r"\bhow (?:often|frequently) (?:does|do|did|is|are|was|were)\b(?! (?:we|you|i)\b)"
    r"(?![^?.;]{0,20}\b(?:given|dos(?:e|ed|ing)|redos\w*|repeat\w*|administer\w*|(?:re-?)?check\w*|test\w*|monitor\w*"
    r"|draw\w*|measur\w*)\b)",
    re.IGNORECASE,
)
#: "frequency of cranial nerve palsy after cilta-cel": how often an event happens, a rate; not "frequency of toci
#: dosing" nor "frequency of ICE checks", an interval.
EVENT_FREQUENCY = re.compile(
    r"\bfrequency of (?!(?:[\w-]+ ){0,2}"
    r"(?:dos\w*|administ\w*|monitor\w*|checks?|assess\w*|testing|measur\w*|infusions?)\b)",
    re.IGNORECASE,
)


def asks_interval(question: str) -> bool:
    """Whether "how often" asks how often something is done ("HBV DNA monitoring on entecavir, how often?", "CMV PCR
    how often?"), an interval, rather than how often a toxicity happens (a rate)."""
    interval = lexicon().reading_patterns.get("one_fact.interval")
    happens = HAPPENS.search(question) or EVENT_FREQUENCY.search(question)
    return bool(interval and interval.search(question)) and not happens


def asks_bare_rate(question: str, intent: Intent, own: str) -> bool:
    """Whether the question names only a study or product, a toxicity and its grade, and asks nothing in words
    ("ZUMA-2 gr3+ CRS?", "cilta-cel grade 4 ICANS?"): it asks how often that grade occurred."""
    if intent is not Intent.GENERAL or ask_words(question):
        return False
    # "what if it's after yescarta — dex?" asks about the drug, not how often: its ``own`` words (not the context a
    # follow-up carries) end on it.
    if ends_on_drug(own):
        return False
    found = present(question)
    named = bool(found.get("product") or trials_in(question))
    return named and bool(found.get("toxicity")) and bool(grades_in(question, targets=False))


def own_words(question: str, carried: str) -> str:
    """A follow-up's own words: ``question`` without the ``carried`` context it took from earlier turns."""
    return question.replace(carried, " ") if carried else question


def ends_on_drug(text: str) -> bool:
    """Whether the last clause of ``text`` names a drug asked about ("gr2 crs toci?", "... after yescarta — dex?"; not
    "... once toci given?")."""
    ending = TRAILING_WORDS.search(CLAUSE_BREAK.split(text)[-1])
    return bool(ending and asked_drugs(ending.group(0)))


def fact_words(question: str) -> set[str]:
    """The words of the one-fact phrases ("frequency", "cutoff", "median onset"): the kind of fact asked, less the
    grade and the toxicity, drug or product they may span ("grade 3/4 CRS rate"), which say what it is about."""
    others = tuple(name for name in lexicon().reading_patterns if not name.startswith("one_fact."))
    named = {t for names in entities(question).values() for name in names for t in tokenize(name, parts=False)}
    return ask_words(question, besides=others) - named - {"grade", "grades"}


def without_local(question: str) -> str:
    """The question without the words that ask for the hospital's own protocol ("per our SOP, how often
    ICE?" -> "how often ICE?"): what it asks about, for the search and for weighing sentences.
    The question is unchanged when it does not ask for a local protocol."""
    pattern = lexicon().reading_patterns["local"]
    if not pattern.search(question):
        return question
    text = LOCAL_NOUNS.sub(" ", pattern.sub(" ", question))
    return re.sub(r"\s+", " ", re.sub(r"(?:^|\s)'s\b", " ", text)).strip()  # "our unit's" leaves no "'s"


def scales_in(text: str) -> frozenset[str]:
    """The scores and scales a text names, one name each: 'ICE score' -> 'ice', 'CAR-HEMATOTOX' -> 'hematotox'."""
    found = lexicon().reading_patterns["scale"].findall(text)
    return frozenset(re.sub(r"^car-?|-", "", name.lower().removesuffix(" score")) for name in found)


def trials_in(text: str) -> frozenset[str]:
    """The trials a text names, normalised: 'ZUMA 1' -> 'zuma-1'."""
    return frozenset(re.sub(r"[\s-]+", "-", t.lower()).strip("-") for t in lexicon().trial_pattern.findall(text))


def names_product_or_trial(text: str) -> bool:
    """Whether ``text`` names a CAR-T product or a trial ("In ZUMA-3 (brexu-cel, adult B-ALL) ...", 'cilta-cel'): a
    name, which a line may share with a question while speaking of anything else."""
    return bool(entities(text).get("product") or trials_in(text))


def study_parts(text: str) -> frozenset[tuple[str, str]]:
    """The numbered study parts a text names: 'ZUMA-1 cohort 4' -> {('cohort', '4')}."""
    return frozenset((kind.lower(), number) for kind, number in STUDY_PART.findall(text))


def named_sources(text: str) -> set[str]:
    """The guideline bodies (assistant/lexicon/sources.yaml) and source kinds a text names ('per ASCO' -> {'asco'})."""
    names = {group[0] for group in mentioned_sources(text)}
    return names | {"label"} if LABEL.search(text) else names


def grades_in(text: str, targets: bool = True) -> set[str]:
    """Grades a text names: 'grade 3' -> {'3'}, 'grades 2–4' -> {'2', '3', '4'}.

    With ``targets=False`` a grade named as a goal is left out: "grade 4 CRS ... until CRS improves to
    grade 1" is about grade 4 only.
    """
    found: set[str] = set()
    for match in GRADE_MENTION.finditer(text):
        if not targets and GRADE_TARGET.search(text[: match.start()]):
            continue
        at_least, low, high = match.group(1), match.group(2), match.group(3) or match.group(2)
        if at_least or (not match.group(3) and ONWARDS.match(text, match.end())):
            high = str(max(int(low), HIGHEST_GRADE))
        found.update(str(g) for g in range(int(low), int(high) + 1))
    return found


def severe_grades(question: str) -> set[str]:
    """The grades a severe toxicity is ("severe CRS" -> {'3', '4'}); none when the question names none."""
    severe = lexicon().severe_toxicity_pattern.search(question)
    return {str(grade) for grade in range(3, HIGHEST_GRADE + 1)} if severe else set()


class Ask(StrEnum):
    """What a question asks for; several may hold at once ("dose and max")."""

    DOSE = "dose"
    CLASSIFY = "classify"
    MANAGE = "manage"
    NEXT_STEP = "next_step"
    EVIDENCE = "evidence"
    RATE = "rate"
    TIMING = "timing"
    DEFINITION = "definition"
    POSITIONS = "positions"  # whether the guideline bodies agree ("do all the societies recommend it?")


#: What a question asking how to treat asks: a follow-up asking which tests to do ("imaging?") asks none of these.
TREATING = frozenset({Ask.MANAGE, Ask.DOSE, Ask.NEXT_STEP})


#: The weight that splits tocilizumab's label doses (12 mg/kg below it, 8 mg/kg from it on).
WEIGHT_CUT_KG = 30
#: Words before a weight that make it a bound ("under 30 kg") rather than the patient's weight.
BELOW = re.compile(r"(?:under|below|less than|<|lighter than)\s*$", re.IGNORECASE)
ABOVE = re.compile(r"(?:over|above|more than|at least|>|≥|>=|heavier than)\s*$", re.IGNORECASE)
NUMBER_WORDS = {
    **{"one": 1, "two": 2, "three": 3, "four": 4},
    **{"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3},
}


#: Asks that want more than one fact: how to manage, what follows, the evidence.
SEVERAL_FACT_ASKS = frozenset({Ask.MANAGE, Ask.NEXT_STEP, Ask.EVIDENCE})
#: A question joining two asks ("CRS rate & onset?", "dose and max?", "criteria / ferritin cutoff?", "crs
#: incidence + time to onset", two question marks), asking for criteria (a list) or which drug beside what else
#: ("PJP ppx: which drug, when to start?": each source's agent and its start) wants more than one fact.
TWO_ASKS = re.compile(
    r"\band\b|&|\bplus\b|\s\+\s|\balso\b|\bas well\b|\s/\s|\bcriteri(?:a|on)\b|\?.*\?"
    r"|\b(?:which|what) (?:drug|agent)s?\b",
    re.IGNORECASE | re.DOTALL,
)
#: A follow-up's opening "and" ("and the steroid duration?"): it joins the question to the conversation, not two asks.
FOLLOW_UP_AND = re.compile(r"^\W*(?:and|&|\+)(?:\s+also)?\s+", re.IGNORECASE)
#: The two sides a cutoff lies between ("cutoff between low and high flow"): one fact, not two asks.
SIDES = re.compile(r"\bbetween\s+[\w-]+(?:\s+[\w-]+)?\s+and\b", re.IGNORECASE)
#: Two settings set side by side ("gr3+ CRS in ALL vs DLBCL?") ask one fact for each; two values set side by side ("8
#: vs 12 mg/kg", "q6 vs q12") or the two sides of a cutoff ("low flow vs high flow cutoff") ask one fact between them.
COMPARED = re.compile(r"(?<!\d )(?<!\d)\b(?:vs|versus)\b(?!\.?\s*q?\d)|\bcompared (?:with|to)\b", re.IGNORECASE)
BETWEEN = re.compile(r"\bcut-?offs?\b|\bthresholds?\b", re.IGNORECASE)
#: Where a question typed as a list of asks splits ("early vs late cutoff day, graded by what", "how to grade in a
#: 4 yo? CAPD cut off"): each part may ask.
CLAUSE_BREAK = re.compile(r"[,;]|\s[—–-]\s|\?(?=\s*\w)")
#: A part of such a list that names only a statistic ("CRS onset, median?") says how the other part's fact is
#: summarised: it asks nothing of its own.
STATISTIC_ONLY = re.compile(r"^\W*(?:the\s+)?(?:median|mean|average)\W*$", re.IGNORECASE)
#: The kinds of one fact a question can ask for (the lexicon's ``one_fact`` patterns), in the order tried.
#: A count of patients ("ZUMA-2 n?") is decided apart (``asks_count``): its pattern alone would read "how many pts
#: got CRS?" as one.
FactKind = Literal["", "count", "infusion", "duration", "time", "number", "interval", "rate", "yes_no"]
FACT_KINDS: tuple[FactKind, ...] = ("infusion", "duration", "time", "number", "interval", "rate", "yes_no")
#: The one-fact patterns asking a time: a part asking only when or how long beside one of them asks nothing more.
TIME_FACTS = frozenset({"one_fact.duration", "one_fact.time"})


def one_fact(
    question: str, intent: Intent, asks: list[Ask], bare_rate: bool = False, counting: bool = False
) -> FactKind:
    """The kind of the one fact the question asks for ('' when it asks more, also as two asking parts of a list:
    "cutoff day, graded by what"): a time ("axi-cel median CRS onset?"), a number ("ICE out of how many?"), an
    interval ("dex q6 or q12?"), the rate of one grade (also asked bare: ``asks_bare_rate``), or a yes/no
    ("tecartus REMS still required?"), or how many patients a study holds (``counting``: ``asks_count``)."""
    patterns = lexicon().reading_patterns
    # "how many pts in the Park trial?": a study named beside a count asked says what the count is of.
    several = SEVERAL_FACT_ASKS - ({Ask.EVIDENCE} if counting else set())
    if intent is Intent.MANAGEMENT or (intent is Intent.EVIDENCE and not counting) or several.intersection(asks):
        return ""
    evidence = {"asks.evidence"} if counting else set()  # "label safety data — how many pts?" asks one thing
    asking = {
        name: p for name, p in patterns.items() if name.startswith(("asks.", "one_fact.")) and name not in evidence
    }
    # ... nor does a part naming only a score ("ICE score — max points?"): it is what the other part asks about.
    named_only = patterns["scale"]
    parts = [
        part
        for part in CLAUSE_BREAK.split(question)
        if not STATISTIC_ONLY.match(part) and not named_only.fullmatch(part.strip(" ?"))
    ]
    asked = [names for part in parts if (names := {name for name, p in asking.items() if p.search(part)})]
    # A part asking only a time beside a part asking a duration or a point in time names what the time is of:
    # "liso-cel — driving restriction, how long?" asks one time (driving is a timing topic); "ICANS onset,
    # duration?" asks two.
    timed = any(names & TIME_FACTS for names in asked)
    clauses = sum(1 for names in asked if not (timed and names == {"asks.timing"}))
    compared = bool(COMPARED.search(question)) and not BETWEEN.search(question)
    joined = FOLLOW_UP_AND.sub("", SIDES.sub(" ", question) if BETWEEN.search(question) else question)
    if TWO_ASKS.search(joined) or clauses > 1 or compared:
        return ""
    if bare_rate:
        return "rate"
    if counting:
        return "count"
    return next(
        (k for k in FACT_KINDS if f"one_fact.{k}" in patterns and patterns[f"one_fact.{k}"].search(question)), ""
    )


class Population(BaseModel):
    """Who the patient is: age band and weight, with the weight band the label doses use."""

    age_band: Literal["adult", "pediatric"] | None = None
    weight_kg: float | None = None
    weight_band: Literal["≥30 kg", "<30 kg"] | None = None


class LineOfTherapy(BaseModel):
    """Where the patient is on a line of treatment."""

    first_line: bool = False
    refractory: bool = False
    after_doses: int | None = None  # "still hypotensive after 2 doses of toci"
    no_better_after: str | None = None  # "no better after 24 h on that"
    improving: bool = False  # "she's back to grade 1": a step down (taper), not up
    persisting: bool = False  # "still hypotensive after a fluid bolus": a step did not clear a finding
    phase: Literal["loading", "maintenance"] | None = None  # of a regimen: "phenobarb loading dose"
    route: Route | None = None  # the one route a dose is asked for: "dex PO dose?"
    prophylaxis: bool = False  # given to prevent a toxicity ("anakinra ppx"), not to treat one
    treating: bool = False  # given to treat what the patient has ("acyclovir treatment dose?"), not to prevent it
    instead: bool = False  # another drug than the one named is wanted ("alternative to dex?", "toci shortage")


class ParsedQuestion(BaseModel):
    """The clinical facts a question names, typed; shown with the answer so a user sees how Carta read it."""

    intent: Intent = Intent.GENERAL
    asks: list[Ask] = Field(default_factory=list)
    toxicities: list[str] = Field(default_factory=list)
    grades: list[int] = Field(default_factory=list)
    drugs: list[str] = Field(default_factory=list)
    prior_drugs: list[str] = Field(default_factory=list)  # already given: "steroid-refractory", "after toci"
    products: list[str] = Field(default_factory=list)
    population: Population = Field(default_factory=Population)
    bodies: list[str] = Field(default_factory=list)  # guideline bodies named ("per ASCO")
    line: LineOfTherapy = Field(default_factory=LineOfTherapy)
    local_only: bool = False  # "our protocol": the hospital's own documents first
    study_parts: list[str] = Field(default_factory=list)  # numbered parts of a study asked about: "cohort 4"
    scales: list[str] = Field(default_factory=list)  # scores or scales named: "ICE score max points?" -> ice
    one_fact: FactKind = ""  # the kind of one fact asked ("ICE out of how many?": number); '' if more

    @classmethod
    def read(cls, question: str, intent: Intent | None = None, carried: str = "") -> ParsedQuestion:
        """Parse ``question`` (shorthand already spelled out, a follow-up's carried context included); ``intent``,
        when the caller has decided it (a follow-up's own words), is used instead of the one ``question`` reads as;
        ``carried`` is the part of ``question`` a follow-up took from earlier turns."""
        patterns = lexicon().reading_patterns
        found = present(question)

        def has(name: str) -> bool:
            pattern = patterns.get(name)
            return bool(pattern and pattern.search(question))

        drugs = asked_drugs(question)

        intent = classify(question) if intent is None else intent
        asking = without_given_doses(question)
        asks = [ask for ask in Ask if (pattern := patterns.get(f"asks.{ask.value}")) and pattern.search(asking)]
        findings = patterns.get("asks.findings")
        if Ask.EVIDENCE not in asks and findings and findings.search(asking):  # "ZUMA-2 results?": what a study found
            asks.append(Ask.EVIDENCE)
        counting = asks_count(question)
        # "how many pts in cohort 1?" asks a count and "CMV PCR how often?" an interval, neither a rate.
        if counting or asks_interval(question):
            asks = [ask for ask in asks if ask is not Ask.RATE]
        bare_rate = asks_bare_rate(question, intent, own_words(question, carried))
        line = line_of(question)
        # "grade 3 CRS after one dose of toci — plan?": managing a patient who has had doses asks what follows them.
        if Ask.MANAGE in asks and line.after_doses and Ask.NEXT_STEP not in asks:
            asks.append(Ask.NEXT_STEP)
        return cls(
            intent=intent,
            asks=[Ask.RATE] if bare_rate else asks,
            toxicities=found.get("toxicity", []),
            grades=sorted(int(g) for g in grades_in(question, targets=False) or severe_grades(question)),
            drugs=drugs,
            prior_drugs=[d for d in found.get("drug", []) if d not in drugs],
            products=found.get("product", []),
            population=population_of(question, has("population.adult"), has("population.pediatric")),
            bodies=sorted(named_sources(question) - SOURCE_KINDS),
            line=line,
            local_only=has("local"),
            study_parts=sorted(f"{kind} {number}" for kind, number in study_parts(question)),
            scales=sorted(scales_in(question)),
            one_fact=one_fact(question, intent, asks, bare_rate, counting),
        )

    @property
    def names_a_step(self) -> bool:
        """Whether the question names a step the patient is on: "after 2 doses of toci", "toci x2, next?",
        "steroid-refractory"."""
        line = self.line
        return bool(self.drugs or self.prior_drugs or line.after_doses or line.no_better_after or line.refractory)

    def on_no_step(self, stepped: bool) -> ParsedQuestion:
        """This reading, with a next step asked on no step read as the management ask: "CRS gr4 — next?" names no
        step the patient is on, says none failed to clear a finding ("still ...") and follows no earlier answer
        (``stepped``), so it asks what to do at that grade; a general question so read is a management question."""
        if Ask.NEXT_STEP not in self.asks or stepped or self.names_a_step or self.line.persisting:
            return self
        asks = list(dict.fromkeys(Ask.MANAGE if a is Ask.NEXT_STEP else a for a in self.asks))
        intent = Intent.MANAGEMENT if self.intent is Intent.GENERAL else self.intent
        return self.model_copy(update={"asks": asks, "intent": intent})

    def summary(self) -> str:
        """One line for the chat's status: 'dose · CRS grade 2 · tocilizumab · adult, ≥30 kg'."""
        setting = " ".join(
            [", ".join(t.upper() for t in self.toxicities), *(f"grade {g}" for g in self.grades[:1])]
        ).strip()
        if len(self.grades) > 1:
            setting += f"–{self.grades[-1]}"
        people = ", ".join(
            p
            for p in (
                self.population.age_band,
                f"{self.population.weight_kg:g} kg" if self.population.weight_kg else None,
                self.population.weight_band if not self.population.weight_kg else None,
            )
            if p
        )
        line = [
            "first line" if self.line.first_line else "",
            "refractory" if self.line.refractory else "",
            f"after {self.line.after_doses} doses" if self.line.after_doses else "",
            f"no better after {self.line.no_better_after}" if self.line.no_better_after else "",
            f"{self.line.phase} phase" if self.line.phase else "",
            self.line.route or "",
            "prophylaxis" if self.line.prophylaxis else "",
            "treatment" if self.line.treating else "",
        ]
        parts = [
            " + ".join(a.value.replace("_", " ") for a in self.asks) or self.intent.value,
            setting,
            ", ".join(self.drugs + self.products),
            people,
            ", ".join(b.upper() for b in self.bodies),
            ", ".join(p for p in line if p),
            "local protocol" if self.local_only else "",
            f"one fact: {self.one_fact.replace('_', '/')}" if self.one_fact else "",
        ]
        return " · ".join(p for p in parts if p)


#: A body weight typed in pounds ("45 lb child") is read in kg, the unit of the weight bands.
KG_PER_POUND = 0.45359237


def population_of(question: str, adult: bool, pediatric: bool) -> Population:
    """Age band and weight: '22 kg kid' -> pediatric, 22 kg, <30 kg; '45 lb child' -> pediatric, 20.4 kg, <30 kg;
    'under 30 kg' -> <30 kg."""
    weight: float | None = None
    band: Literal["≥30 kg", "<30 kg"] | None = None
    match = lexicon().reading_patterns.get("population.weight")
    hit = match.search(question) if match else None
    if hit:
        pounds = (hit.group(2) if (hit.lastindex or 0) >= 2 else "kg").lower().startswith(("lb", "pound"))
        value = round(float(hit.group(1)) * (KG_PER_POUND if pounds else 1.0), 1)
        before = question[: hit.start()]
        if BELOW.search(before):
            band = "<30 kg" if value <= WEIGHT_CUT_KG else None
        elif ABOVE.search(before):
            band = "≥30 kg" if value >= WEIGHT_CUT_KG else None
        else:
            weight = value
            band = "<30 kg" if value < WEIGHT_CUT_KG else "≥30 kg"
    age = "pediatric" if pediatric and not adult else "adult" if adult and not pediatric else None
    return Population(age_band=age, weight_kg=weight, weight_band=band)


#: Two words with only spaces between them, found at every word start so that pairs overlap ("a b c": a b, b c).
SPACED_PAIR = re.compile(r"\b(?=([a-z0-9]+)\s+([a-z0-9]+)\b)")


def spaced_compounds(text: str) -> set[str]:
    """Each two neighbouring words of ``text`` joined by a hyphen ("real world" -> 'real-world', "steroid
    refractory" -> 'steroid-refractory'): the documents write many such pairs as one word."""
    return {f"{a}-{b}" for a, b in SPACED_PAIR.findall(text.lower())}


def line_of(question: str) -> LineOfTherapy:
    """First line, refractory, after how many doses, no better after how long."""
    patterns = lexicon().reading_patterns
    doses = patterns["line.after_doses"].search(question) if "line.after_doses" in patterns else None
    after = patterns["line.no_better_after"].search(question) if "line.no_better_after" in patterns else None
    count = None
    if doses:
        word = doses.group(1).lower()
        count = int(word) if word.isdigit() else NUMBER_WORDS.get(word)
    return LineOfTherapy(
        first_line=bool(patterns.get("line.first_line") and patterns["line.first_line"].search(question)),
        refractory=bool(patterns.get("line.refractory") and patterns["line.refractory"].search(question)),
        after_doses=count,
        improving=bool(patterns.get("line.improving") and patterns["line.improving"].search(question)),
        persisting=bool(patterns.get("line.persisting") and patterns["line.persisting"].search(question)),
        no_better_after=next((g for g in after.groups() if g), None) if after else None,
        phase=phase_of(question),
        route=next(iter(named), None) if len(named := routes_in(question)) == 1 else None,
        prophylaxis=prophylactic(question),
        treating=bool(patterns.get("line.treating") and patterns["line.treating"].search(question)),
        instead=bool(lexicon().instead_pattern.search(question)),
    )


def prophylactic(text: str) -> bool:
    """Whether a text is on giving a drug to prevent a toxicity ('prophylactic anakinra', 'seizure ppx')."""
    pattern = lexicon().reading_patterns.get("line.prophylaxis")
    return bool(pattern and pattern.search(text))


#: The routes a dose is given by, as the lexicon's ``line`` patterns name them.
Route = Literal["intravenous", "oral", "subcutaneous"]
ROUTES: tuple[Route, ...] = ("intravenous", "oral", "subcutaneous")


def routes_in(text: str) -> frozenset[Route]:
    """The routes a text names ('IV or SC' -> intravenous and subcutaneous; 'dex PO' -> oral)."""
    patterns = lexicon().reading_patterns
    return frozenset(r for r in ROUTES if f"line.{r}" in patterns and patterns[f"line.{r}"].search(text))


def phase_of(text: str) -> Literal["loading", "maintenance"] | None:
    """The phase of a regimen a text names ('loading dose', 'maintenance'); None for neither or both."""
    patterns = lexicon().reading_patterns
    named = [p for p in ("loading", "maintenance") if f"line.{p}" in patterns and patterns[f"line.{p}"].search(text)]
    return named[0] if len(named) == 1 else None  # type: ignore[return-value]
