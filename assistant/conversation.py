"""Conversation history and deterministic follow-up rewriting.

A follow-up such as "How high can it be escalated?" names no drug; the retrieval query carries the
drug, product, toxicity and grade of the earlier turns so that retrieval finds the right passages.

>>> history = [Turn(role="user", content="What is the emapalumab dose for primary HLH?")]
>>> rewrite("How high can it be escalated?", history)
'How high can it be escalated? (What is the emapalumab dose for primary HLH?)'
>>> rewrite("And for ICANS?", [Turn(role="user", content="tocilizumab for grade 3 CRS")])
'And for ICANS? (tocilizumab for grade 3)'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Literal

from pydantic import BaseModel

from assistant.lexicon import lexicon
from assistant.retrieval.synonyms import normalize, spell_out

#: A follow-up that asks for more of the last answer ("tell me more", "what else?"). It is answered
#: from the question it continues, leaving out what earlier answers already said.
MORE = re.compile(
    r"^\W*(?:(?:tell|show|give) me more|(?:any(?:thing)? )?more(?: details?| on (?:that|this|it))?|"
    r"what else|anything else|go on|continue|keep going)(?: please)?\W*$",
    re.IGNORECASE,
)
#: What a follow-up inherits, in the order it is appended to the query.
CARRY_ORDER = ("drug", "product", "toxicity", "grade")
#: The lexicon group of real-world data: a conversation on it stays on it, as on a named trial.
REAL_WORLD = "real-world"
GRADE = re.compile(r"\b(?:grade|g)\s*([1-5])\b", re.IGNORECASE)
#: The words of a follow-up that names only another subject ("and ICANS?", "what about in kids?", "same for G4?").
SUBJECT_ONLY = frozenset({"and", "what", "about", "how", "for", "in", "with", "the", "same", "then"})
#: The severity a rate was asked at ("grade ≥3", "grade 3 or 4", "severe", "any-grade"), spelled out: a follow-up
#: asking another outcome drops it with the toxicity it qualified.
MEASURED_GRADE = re.compile(
    r"\b(?:severe|any[- ]grade|grades?\s*(?:≥|>=)?\s*[1-5](?:\s*(?:-|–|or|to)\s*[1-5])?\+?)(?![\w-])", re.IGNORECASE
)
#: "without CRS" names CRS only to rule it out: it is not a toxicity the question is about.
NEGATED = re.compile(r"\b(?:without|no|not)\s+[\w-]+", re.IGNORECASE)


class Turn(BaseModel):
    """One message of a conversation, in the `ask --jsonl` history format."""

    role: Literal["user", "assistant"]
    content: str


def entities(text: str) -> dict[str, list[str]]:
    """Canonical entities named in ``text``, by kind, in order of first mention.

    The kinds (toxicity, product, drug) and their spellings are the lexicon's entity groups; a grade
    may be written in the lexicon's shorthand ("gr1", "G4").

    >>> entities("toci ok for gr1 CRS?")
    {'toxicity': ['crs'], 'drug': ['tocilizumab'], 'grade': ['grade 1']}
    """
    found = {kind: list(names) for kind, names in lexicon().named_entities(normalize(text))}
    grade = GRADE.search(spell_out(text))
    if grade:
        found["grade"] = [f"grade {grade.group(1)}"]
    return found


def present(text: str) -> dict[str, list[str]]:
    """The entities ``text`` names, less those it rules out: "G3 ICANS no CRS" names ICANS alone.

    >>> present("grade 2 ICANS without CRS")
    {'toxicity': ['icans'], 'grade': ['grade 2']}
    """
    return entities(NEGATED.sub(" ", text))


def ruled_out(text: str) -> frozenset[str]:
    """The toxicities ``text`` rules out: "G3 ICANS no CRS" rules out CRS.

    >>> sorted(ruled_out("grade 2 ICANS without CRS"))
    ['crs']
    """
    return frozenset(entities(" ".join(NEGATED.findall(text))).get("toxicity", []))


def asks_for_more(question: str, history: list[Turn]) -> bool:
    """Whether ``question`` asks for more of an earlier answer ("tell me more") rather than something new."""
    return bool(MORE.match(question)) and any(turn.role == "user" for turn in history)


def rewrite(question: str, history: list[Turn]) -> str:
    """The retrieval query: the question plus the entities it lacks from the latest earlier turns,
    as "question (carried)"."""
    own, carried = follow_up(question, history)
    return f"{own} ({carried})" if carried else own


def follow_up(question: str, history: list[Turn]) -> tuple[str, str]:
    """The question a query is built from, and the context it carries from earlier turns ('' if none).

    "Tell me more" searches again with the query of the question it continues. The two parts stay
    apart so that a user's own "(...)" at the end of a question is never taken for carried context.

    >>> follow_up("and in kids (under 30 kg)?", [Turn(role="user", content="tocilizumab for CRS")])
    ('and in kids (under 30 kg)?', 'tocilizumab for CRS')
    >>> follow_up("tocilizumab for CRS (adults)?", [Turn(role="user", content="anything")])
    ('tocilizumab for CRS (adults)?', '')
    >>> follow_up("what if they also have ICANS?", [Turn(role="user", content="toci for grade 1 CRS?")])
    ('what if they also have ICANS?', 'tocilizumab; crs; grade 1')
    >>> follow_up("how long do we continue the dex?", [Turn(role="user", content="G3 ICANS no CRS, steroid dose?")])
    ('how long do we continue the dex?', 'icans; grade 3')
    """
    if not history:
        return question, ""
    if asks_for_more(question, history):
        last = max(i for i, turn in enumerate(history) if turn.role == "user")
        return follow_up(history[last].content, history[:last])
    have = entities(question)
    if {"drug", "product", "toxicity"} <= have.keys():
        return question, ""
    if not {"drug", "product", "toxicity"} & have.keys():
        # Nothing to anchor the follow-up ("what cutoff do people use?", "what about grade 4?"): carry
        # the last question whole, with this question's grade in place of the old one.
        last = next((t.content for t in reversed(history) if t.role == "user"), None)
        if not last:
            return question, ""
        if "grade" in have:  # the old grade as typed too ("gr2 ICANS no CRS ..." -> "grade 3 ICANS no CRS ...")
            last = GRADE.sub(have["grade"][0], spell_out(last))
        if lexicon().instead_pattern.search(question):
            last = _not_wanted(last)
        if lexicon().usual_pattern.search(question):
            last = _without_conditions(last)
        context = [last]
        # The last question may be a follow-up itself ("and for kids under 30 kg?", "and OS?" after "TRANSFORM
        # EFS?"): then the trial, drug, product and toxicity come from the turns before it.
        if not {"drug", "product", "toxicity"} & entities(last).keys():
            missing = [kind for kind in CARRY_ORDER if kind not in have and kind not in entities(last)]
            context += [*_carried_trials(f"{question} {last}", history), *_carried(missing, history)]
        return question, "; ".join(_evidence_replaced(question, _measure_replaced(question, context)))
    if lexicon().adds_pattern.search(question):
        # "what if they also have ICANS?": the new subject joins the earlier one instead of replacing it.
        named = {name for names in have.values() for name in names}
        carried = [c for c in _carried(list(CARRY_ORDER), history) if c not in named]
        return question, "; ".join([*_carried_trials(question, history), *carried])
    again = _asked_again(question, have, history)
    if again:
        return question, again
    carried = _carried([kind for kind in CARRY_ORDER if kind not in have], history)
    return question, "; ".join([*_carried_trials(question, history), *carried])


def _not_wanted(text: str) -> str:
    """``text`` with each drug it names marked as the one not wanted: "alternative?" after "dex dose gr3 ICANS?"
    asks for another drug than dexamethasone, so the carried question reads "instead of dex dose gr3 icans?".

    >>> _not_wanted("dex dose gr3 ICANS?")
    'instead of dex dose gr3 icans?'
    """
    return _with_names_replaced(text, "drug", lambda name: f"instead of {name.group()}")


def _without_conditions(text: str) -> str:
    """``text`` without the patient conditions it names: "what's the usual dose then?" after "toci dose adjust for
    renal failure?" asks the dose of the patient without it.

    >>> _without_conditions("toci dose adjust for renal failure?")
    'toci dose adjust for ?'
    """
    return _with_names_replaced(text, "condition", lambda _: "")


def _with_names_replaced(text: str, kind: str, replace: Callable[[re.Match[str]], str]) -> str:
    """``text``, normalised, with every spelling of a name of ``kind`` (the lexicon's groups) replaced."""
    text = normalize(text)
    for _, pattern in lexicon().name_patterns[kind]:
        text = pattern.sub(replace, text)
    return text


def _asked_again(question: str, have: dict[str, list[str]], history: list[Turn]) -> str:
    """The last question, without what this one replaces, when this one only names another subject and asks
    nothing itself: "and ICANS?" after "FELIX severe CRS %?" asks FELIX's severe ICANS rate, so "FELIX severe %?"
    is carried. '' when the question asks something of its own or the last question does not name that kind.

    >>> _asked_again("and ICANS?", {"toxicity": ["icans"]}, [Turn(role="user", content="FELIX severe CRS %?")])
    'FELIX severe %?'
    """
    if set(re.findall(r"[\w-]+", _without(question, have).lower())) - SUBJECT_ONLY:
        return ""  # "improved to G1, how do we come off the steroids?" asks something of its own
    last = next((t.content for t in reversed(history) if t.role == "user"), "")
    named = present(last)
    if not last or not have.keys() <= named.keys() or all(have[k] == named[k] for k in have):
        return ""
    return _without(last, named, have.keys())


def _measure_replaced(question: str, context: list[str]) -> list[str]:
    """The ``context`` a follow-up carries, without what it measured when ``question`` names another outcome:
    "ORR?" after "ZUMA-2 gr3+ CRS?" asks ZUMA-2's response rate, so neither the CRS nor its grade is carried,
    "and OS?" after "TRANSFORM EFS?" drops the EFS, and "what about OS?" after "de Boer — how many pts?" drops what
    was asked (the lexicon's asking patterns). Kept whole when it measured and asked nothing, or the same outcome;
    a part left with no word is dropped.

    >>> _measure_replaced("and OS?", ["TRANSFORM EFS?"])
    ['TRANSFORM ?']
    >>> _measure_replaced("ORR?", ["and gr3+?", "ZUMA-2", "crs"])
    ['and ?', 'ZUMA-2']
    >>> _measure_replaced("what about OS?", ["de Boer — how many pts?"])
    ['de Boer —']
    """
    asked = lexicon().named_outcomes(normalize(question))
    joined = " ".join(context)
    named = {**entities(joined), "outcome": list(lexicon().named_outcomes(normalize(joined)))}
    measured = bool(named["outcome"]) or "toxicity" in named or _unasked(joined) != joined
    if not asked or set(asked) == set(named["outcome"]) or not measured:
        return context
    kept = (MEASURED_GRADE.sub(" ", _without(spell_out(part), named, ("outcome", "toxicity"))) for part in context)
    return _worded(map(_unasked, kept))


def _evidence_replaced(question: str, context: list[str]) -> list[str]:
    """The ``context`` a follow-up carries, without what it asked when ``question`` asks whether the treatment
    worked and the context did not: "any response?" after "what anakinra dose did Strati use?" asks for Strati's
    findings, not the dose. ("for how long?" after a dose question still carries the dose: it asks about it.)

    >>> _evidence_replaced("any response?", ["what anakinra dose did Strati use?"])
    ['what anakinra did Strati use?']
    >>> _evidence_replaced("and max?", ["toci dose for grade 2 CRS?"])
    ['toci dose for grade 2 CRS?']
    """
    evidence = lexicon().reading_patterns["asks.evidence"]
    if not evidence.search(question) or any(evidence.search(part) for part in context):
        return context
    return _worded(map(_unasked, context))


def _worded(parts: Iterable[str]) -> list[str]:
    """The ``parts`` with their spaces tidied, leaving out those no word is left in."""
    return [" ".join(part.split()) for part in parts if re.search(r"\w", part)]


def _unasked(text: str) -> str:
    """``text`` without what it asks ("how many pts", "what %", "how long"): every match of the lexicon's asking
    patterns, each found in the whole text (one pattern's match may hold another's: "how many patients")."""
    patterns = lexicon().reading_patterns_under("asks", "one_fact").values()
    asked = {i for pattern in patterns for match in pattern.finditer(text) for i in range(*match.span())}
    return "".join(" " if i in asked else char for i, char in enumerate(text))


def asks_one_outcome(question: str) -> bool:
    """Whether a follow-up asks one outcome and nothing else ("ORR?", "and OS?", "what about PFS?"): one figure."""
    named = lexicon().named_outcomes(normalize(question))
    rest = _without(question, {"outcome": list(named)}, ("outcome",))
    return len(named) == 1 and not set(re.findall(r"[\w-]+", rest.lower())) - SUBJECT_ONLY


def _without(text: str, named: dict[str, list[str]], kinds: Iterable[str] | None = None) -> str:
    """``text`` without the spellings of its ``named`` entities of ``kinds`` (all by default) nor, among them, its
    grade."""
    kinds = set(named if kinds is None else kinds)
    for group in lexicon().groups:
        if group.kind in kinds and set(group.terms) & set(named.get(group.kind, [])):
            for term in sorted(group.terms, key=len, reverse=True):
                text = re.sub(rf"(?<![\w-]){re.escape(term)}(?![\w-])", " ", text, flags=re.IGNORECASE)
    if "grade" in kinds:
        text = GRADE.sub(" ", text)
    return " ".join(text.split())


def _carried_trials(question: str, history: list[Turn]) -> list[str]:
    """The trials the conversation is on, when ``question`` names none: "and neuro?" after "ZUMA-1 severe CRS
    rate?" is about ZUMA-1, and "ICANS rate too?" after "real-world cilta-cel CRS rate?" about the real-world
    cohorts. They come from the latest user turn naming a trial or real-world data, looking past follow-ups that
    name nothing; a turn on another subject (a drug, product or toxicity and no trial) ends the search."""
    if studies_named(question):
        return []
    for turn in reversed(history):
        if turn.role != "user":
            continue
        if trials := studies_named(turn.content):
            return list(dict.fromkeys(trials))
        if entities(turn.content):
            return []
    return []


def studies_named(text: str) -> list[str]:
    """The trials ``text`` names, as typed with the numbered part that follows ("ZUMA-1 cohort 6": "and neuro?" after
    it is about cohort 6, not the pivotal cohort), and 'real-world' when it asks about real-world data in any spelling
    ("real world", "outside trials")."""
    normalized = normalize(text)
    real_world = any(
        group[0] == REAL_WORLD and pattern.search(normalized) for pattern, group in lexicon().synonym_patterns
    )
    trials = []
    for match in lexicon().trial_pattern.finditer(text):
        part = PART_AFTER.match(text, match.end())
        trials.append(match.group(1) + (part.group(0) if part else ""))
    return [*trials, *([REAL_WORLD] if real_world else [])]


#: A numbered part typed right after a trial's name: " cohort 6", " phase 1", ", arm 2".
PART_AFTER = re.compile(r",?\s+(?:cohort|phase|arm)\s+\d+\b", re.IGNORECASE)


def _carried(missing: list[str], history: list[Turn]) -> list[str]:
    """Entities of the ``missing`` kinds, each kind from the latest user turn that names it."""
    missing = list(missing)
    carried: list[str] = []
    for turn in reversed(history):
        if turn.role != "user":
            continue
        # "G3 ICANS no CRS" is about ICANS alone: a follow-up does not carry the CRS it ruled out.
        earlier = present(turn.content)
        for kind in [k for k in missing if k in earlier]:
            carried.extend(earlier[kind])
            missing.remove(kind)
    return carried
