"""What the composer reads from a question, once: its words, hints, grade, toxicities and named sources.

>>> asked = Asked.read("how long? (grade 3 ICANS without CRS)", Intent.MONITORING, "grade 3 ICANS without CRS")
>>> asked.grade, sorted(asked.toxicities)
('3', ['icans'])
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.answering.intent import Intent
from assistant.conversation import entities
from assistant.lexicon import lexicon
from assistant.retrieval.keyword import tokenize
from assistant.retrieval.synonyms import expansion_groups, mentioned_sources, related_words

#: Words that make the grade after them a goal, not the grade a sentence is about.
GRADE_TARGET = re.compile(r"\b(?:to|until|below|than|or lower)\s*(?:≤\s*)?$", re.IGNORECASE)
GRADE_MENTION = re.compile(r"\b(?:grades?|g)\s*:?\s*([1-5])(?:\s*(?:–|-|to|and)\s*([1-5]))?\b", re.IGNORECASE)

#: A numbered part of a study ("cohort 4", "phase 1"): a text naming the same part with another number
#: is about another part.
STUDY_PART = re.compile(r"\b(cohort|phase|arm)\s+(\d+)\b", re.IGNORECASE)

#: A text about a drug label ("per label"): a kind of source besides the bodies of SOURCE_GROUPS.
LABEL = re.compile(r"\blabel\b|\bprescribing information\b", re.IGNORECASE)

#: Source names for a kind of source rather than one body; "per label" boosts no document.
SOURCE_KINDS = frozenset({"label", "fda"})

#: "without CRS" names CRS only to rule it out: it is not a toxicity the question is about.
NEGATED = re.compile(r"\b(?:without|no|not)\s+[\w-]+", re.IGNORECASE)
#: "what's in the boxed warning besides CRS?" asks for everything but CRS: its word earns nothing.
BESIDES = re.compile(r"\b(?:besides|other than|apart from|aside from|except(?: for)?)\s+[\w-]+", re.IGNORECASE)


#: One concept a question names beyond its own words: the spellings (each a set of words) that count for it.
Concept = tuple[frozenset[str], ...]


@dataclass(frozen=True)
class Asked:
    """What the composer reads from a question, once: its words and how much each counts."""

    core: frozenset[str]
    extra: tuple[Concept, ...]  # synonym groups, hints and hyphen parts, each earning one word's credit
    carried: frozenset[str]  # words only in the context a follow-up carried from earlier turns
    grade: str | None
    toxicities: frozenset[str]
    intent: Intent
    wants_rate: bool = False
    sources: frozenset[str] = frozenset()  # guideline bodies the question names ("ASCO says ...")
    besides: frozenset[str] = frozenset()  # toxicities the question sets aside ("besides CRS")
    study_parts: frozenset[tuple[str, str]] = frozenset()  # numbered study parts it asks about ("cohort 4")

    @classmethod
    def read(cls, question: str, intent: Intent, carried: str = "") -> Asked:
        """``question`` is the whole retrieval query; ``carried`` the part of it taken from earlier turns."""
        besides = " ".join(BESIDES.findall(question))
        question, carried = BESIDES.sub(" ", question), BESIDES.sub(" ", carried)
        core = frozenset(tokenize(question, parts=False))
        lex = lexicon()
        hints = (
            lex.hints.get(intent.value, "")
            + " "
            + " ".join(words for pattern, words in lex.phrase_patterns if pattern.search(question))
        )
        groups = expansion_groups(question)
        extra = [tuple(frozenset(tokenize(term, parts=False)) - core for term in group) for group in groups]
        extra += [(frozenset({word}) - core,) for word in tokenize(hints, parts=False)]
        # "steroid-refractory" is also said "refractory to steroids": each part counts as a concept of its own.
        parts = {part for token in core if "-" in token for part in token.split("-") if len(part) > 2} - core
        extra += [tuple(frozenset({w}) for w in {part} | related_words(part)) for part in sorted(parts)]
        own = set(tokenize(question.replace(carried, " ") if carried else question, parts=False))
        grades = grades_in(question)
        return cls(
            core=core,
            extra=tuple(extra),
            carried=frozenset(core - own),
            grade=next(iter(grades)) if len(grades) == 1 else None,
            toxicities=frozenset(entities(NEGATED.sub(" ", question)).get("toxicity", [])),
            intent=intent,
            wants_rate=bool(lex.rate_pattern.search(question)),
            sources=frozenset(named_sources(question) - SOURCE_KINDS),
            besides=frozenset(entities(besides).get("toxicity", [])),
            study_parts=study_parts(question),
        )

    def about_another(self, text: str) -> bool:
        """Whether ``text`` is about another grade, or another numbered study part, than the one asked:
        "grade 2 ICANS" for a grade 3 question, "cohort 6" for a cohort 4 one."""
        if self.grade is not None:
            mentioned = grades_in(text, targets=False)
            if mentioned and self.grade not in mentioned:
                return True
        named = study_parts(text)
        kinds = {kind for kind, _ in named}
        return any(kind in kinds and (kind, number) not in named for kind, number in self.study_parts)

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


def study_parts(text: str) -> frozenset[tuple[str, str]]:
    """The numbered study parts a text names: 'ZUMA-1 cohort 4' -> {('cohort', '4')}."""
    return frozenset((kind.lower(), number) for kind, number in STUDY_PART.findall(text))


def named_sources(text: str) -> set[str]:
    """The bodies (retrieval's SOURCE_GROUPS) and source kinds a text names ('per ASCO' -> {'asco'})."""
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
        low, high = match.group(1), match.group(2) or match.group(1)
        found.update(str(g) for g in range(int(low), int(high) + 1))
    return found
