"""Carta's clinical lexicon, as data: synonyms, entities, guideline bodies, shorthand and intent phrases.

The YAML files beside this module hold what Carta knows about how clinicians write: ``terms.yaml``
(synonym groups of toxicities, products, drugs, populations and other terms), ``sources.yaml``
(guideline bodies), ``shorthand.yaml`` (rewrites such as "G3" -> "grade 3") and ``intents.yaml`` (what
a question asks). Retrieval, conversation and the composer read them through ``lexicon()``. A hospital
extends the lexicon with one more YAML file of the same keys (setting ``lexicon_path``): its groups
join the group with the same first term or are appended, its other lists are appended.

>>> lex = lexicon()
>>> lex.group_of("tocilizumab")[:2]
('tocilizumab', 'actemra')
>>> "tocilizumab" in lex.entity_names("drug")
True
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, ValidationError

from assistant.errors import ConfigError

#: The built-in files, in the order they are read.
BUILT_IN = ("terms.yaml", "sources.yaml", "shorthand.yaml", "intents.yaml")
#: Group kinds that are entities: a follow-up inherits them and the verifier checks drugs.
ENTITY_KINDS = ("toxicity", "product", "drug")
#: Where an entity's spelling ends: not inside a longer word or hyphenated term, but "tisa-cel-treated" names tisa-cel.
NAME_END = r"(?:(?![\w-])|(?=-treated\b))"


def _in_order(patterns: Sequence[tuple[str, re.Pattern[str]]], text: str) -> tuple[str, ...]:
    """The names whose pattern ``text`` matches, in order of first mention."""
    hits = sorted((match.start(), name) for name, pattern in patterns if (match := pattern.search(text)))
    return tuple(name for _, name in hits)


class TermGroup(BaseModel):
    """Spellings of one thing; the first is its canonical name."""

    kind: Literal["toxicity", "product", "drug", "population", "outcome", "condition", "infection", "term"]
    terms: list[str] = Field(min_length=1)
    members: list[str] = Field(default_factory=list)  # the drugs a class stands for in dosing rows
    # A toxicity a drug is given to treat unless the question says it is to prevent it: "anakinra dose for CRS?" asks
    # a treatment dose, while "bactrim for PJP?" asks the usual prophylaxis.
    treated: bool = False


class Rewrite(BaseModel):
    """Shorthand spelled out before retrieval: a regular expression and its replacement."""

    pattern: str
    replace: str
    ignore_case: bool = False


class IntentRule(BaseModel):
    """An answer shape and the pattern that asks for it; ``confirm`` must match too unless a drug is named."""

    intent: str
    pattern: str
    confirm: str | None = None


class PhraseHint(BaseModel):
    """A phrase whose answer uses other words ("how long" -> "until", "tapered")."""

    pattern: str
    words: str


class Lexicon(BaseModel):
    """The whole lexicon, with its patterns compiled once (on first use)."""

    model_config = {"extra": "forbid"}

    groups: list[TermGroup] = Field(default_factory=list)
    sources: list[list[str]] = Field(default_factory=list)
    rewrites: list[Rewrite] = Field(default_factory=list)
    intents: list[IntentRule] = Field(default_factory=list)
    hints: dict[str, str] = Field(default_factory=dict)
    phrase_hints: list[PhraseHint] = Field(default_factory=list)
    asks: dict[str, str] = Field(default_factory=dict)
    ask_terms: dict[str, str] = Field(default_factory=dict)  # how the documents word an ask; retrieval adds them
    population: dict[str, str] = Field(default_factory=dict)
    line: dict[str, str] = Field(default_factory=dict)
    local: str = ""
    one_fact: dict[str, str] = Field(default_factory=dict)  # one fact asked: a maximum, an onset, a yes/no
    adds: str = ""  # a follow-up that adds to the earlier subject ("also", "too") rather than replacing it
    instead: str = ""  # a follow-up asking for another drug than the earlier turn's ("alternative?")
    usual: str = ""  # a follow-up asking the usual case, without the earlier turn's patient condition
    risk: str = ""  # a question asking who is at risk of a toxicity ("risk factors for severe CRS?")
    who_gets: str = ""  # who gets something: who is at risk when it is a toxicity ("who gets carHLH?"), not a drug
    occurrence: str = ""  # a question asking how common something is ("GBS rate?"), not an interval or a count
    workup: str = ""  # a question asking which tests to do ("ICANS workup?"), not how to treat
    indication: str = ""  # what a CAR-T product is approved or indicated for ("kymriah indications?")
    scale: str = ""  # a named score or scale ("ICE", "CAPD", "HScore", "CAR-HEMATOTOX")
    identify: str = ""  # findings and "what is it?": the syndrome they describe ("ferritin rising as CRS settles, dx?")
    patient_context: str = ""  # what else the patient has ("in a pt with cardiomyopathy", "hx of lupus"): no subject
    asking_only: str = ""  # words only asking, used otherwise in the documents ("count as grade 2", "how often")
    severe: str = ""  # words saying a toxicity is severe ("severe CRS", "high-grade neurotox"): grade ≥3
    trials: list[str] = Field(default_factory=list)
    domain: str = ""  # words that place a question in Carta's field by themselves ("CAR-T", "ICE score")

    def extended(self, other: Lexicon) -> Lexicon:
        """This lexicon with ``other``'s entries: a group whose first term is known gains its terms."""
        groups = [group.model_copy(deep=True) for group in self.groups]
        by_name = {group.terms[0]: group for group in groups}
        for group in other.groups:
            known = by_name.get(group.terms[0])
            if known is None:
                groups.append(group)
                by_name[group.terms[0]] = group
            else:
                known.terms += [t for t in group.terms if t not in known.terms]
                known.members += [m for m in group.members if m not in known.members]
                known.treated = known.treated or group.treated
        hints = dict(self.hints)
        for intent, words in other.hints.items():
            hints[intent] = f"{hints.get(intent, '')} {words}".strip()
        return Lexicon(
            groups=groups,
            sources=[*self.sources, *other.sources],
            rewrites=[*self.rewrites, *other.rewrites],
            intents=[*other.intents, *self.intents],  # a hospital's intent phrases are tried first
            hints=hints,
            phrase_hints=[*self.phrase_hints, *other.phrase_hints],
            asks=_merged(self.asks, other.asks),
            ask_terms={
                ask: " ".join(dict.fromkeys(f"{self.ask_terms.get(ask, '')} {other.ask_terms.get(ask, '')}".split()))
                for ask in {**self.ask_terms, **other.ask_terms}
            },
            population=_merged(self.population, other.population),
            line=_merged(self.line, other.line),
            local=_either(self.local, other.local),
            one_fact=_merged(self.one_fact, other.one_fact),
            adds=_either(self.adds, other.adds),
            instead=_either(self.instead, other.instead),
            usual=_either(self.usual, other.usual),
            risk=_either(self.risk, other.risk),
            who_gets=_either(self.who_gets, other.who_gets),
            occurrence=_either(self.occurrence, other.occurrence),
            workup=_either(self.workup, other.workup),
            identify=_either(self.identify, other.identify),
            patient_context=_either(self.patient_context, other.patient_context),
            asking_only=_either(self.asking_only, other.asking_only),
            scale=_either(self.scale, other.scale),
            indication=_either(self.indication, other.indication),
            severe=_either(self.severe, other.severe),
            trials=[*self.trials, *(t for t in other.trials if t not in self.trials)],
            domain="|".join(p for p in (self.domain, other.domain) if p),
        )

    @cached_property
    def synonym_groups(self) -> tuple[tuple[str, ...], ...]:
        """Groups of two or more spellings, in file order: what expands a query."""
        return tuple(tuple(g.terms) for g in self.groups if len(g.terms) > 1)

    @cached_property
    def source_groups(self) -> tuple[tuple[str, ...], ...]:
        return tuple(tuple(names) for names in self.sources)

    @cached_property
    def _groups_by_name(self) -> dict[str, tuple[str, ...]]:
        return {g.terms[0]: tuple(g.terms) for g in reversed(self.groups)}

    def group_of(self, canonical: str) -> tuple[str, ...]:
        """The spellings of the group whose first term is ``canonical`` (just the term when it has none)."""
        return self._groups_by_name.get(canonical, (canonical,))

    def entity_names(self, kind: str) -> tuple[str, ...]:
        """Canonical names of the groups of one entity ``kind`` ('drug' -> tocilizumab, ...)."""
        return tuple(g.terms[0] for g in self.groups if g.kind == kind)

    @cached_property
    def treated_toxicities(self) -> frozenset[str]:
        """Canonical names of the toxicities a drug is given to treat unless prevention is said (``treated``)."""
        return frozenset(g.terms[0] for g in self.groups if g.kind == "toxicity" and g.treated)

    def is_class(self, canonical: str) -> bool:
        """Whether ``canonical`` names a drug class ('corticosteroids'), which stands for the drugs it lists."""
        return self.members(canonical) != (canonical,)

    def members(self, canonical: str) -> tuple[str, ...]:
        """The drugs a class stands for ('corticosteroids' -> dexamethasone, ...); the drug itself otherwise."""
        group = next((g for g in self.groups if g.terms[0] == canonical and g.members), None)
        return tuple(group.members) if group else (canonical,)

    def with_members(self, drugs: Iterable[str]) -> frozenset[str]:
        """The drugs and, for a class among them, the drugs it stands for: a class named or asked for
        ("steroids") and any of its members speak of the same thing."""
        return frozenset(name for drug in drugs for name in (drug, *self.members(drug)))

    @cached_property
    def member_words(self) -> dict[str, frozenset[str]]:
        """For each word of a drug class's terms, the words of the drugs it stands for ('steroid' ->
        dexamethasone, ...): a source that names one of them speaks of the class."""
        found: dict[str, set[str]] = {}
        for group in (g for g in self.groups if g.members):
            words = {w for term in group.terms for w in re.findall(r"[\w-]+", term)}
            drugs = {w for member in group.members for w in re.findall(r"[\w-]+", member)}
            for word in words:
                found.setdefault(word, set()).update(drugs)
        return {word: frozenset(drugs) for word, drugs in found.items()}

    @cached_property
    def vocabulary(self) -> frozenset[str]:
        """Every word of every synonym term: words Carta understands even where the corpus never uses them."""
        return frozenset(w for group in self.synonym_groups for term in group for w in re.findall(r"[\w-]+", term))

    @cached_property
    def related(self) -> dict[str, frozenset[str]]:
        """For each vocabulary word, the words of every synonym term in the groups that contain it."""
        related: dict[str, set[str]] = {}
        for group in self.synonym_groups:
            words = {w for term in group for w in re.findall(r"[\w-]+", term)}
            for word in words:
                related.setdefault(word, set()).update(words)
        return {word: frozenset(words) for word, words in related.items()}

    @cached_property
    def synonym_patterns(self) -> tuple[tuple[re.Pattern[str], tuple[str, ...]], ...]:
        """One pattern per synonym group: any of its terms as a whole word (longest first)."""
        compiled = []
        for group in self.synonym_groups:
            alternatives = "|".join(re.escape(term) for term in sorted(group, key=len, reverse=True))
            compiled.append((re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])"), group))
        return tuple(compiled)

    @cached_property
    def source_patterns(self) -> tuple[tuple[re.Pattern[str], tuple[str, ...]], ...]:
        """One pattern per guideline body: any of its names as a whole word; '-' counts as a boundary."""
        return tuple(
            (re.compile(rf"(?<![a-z0-9])(?:{'|'.join(re.escape(term) for term in group)})(?![a-z0-9])"), group)
            for group in self.source_groups
        )

    @cached_property
    def name_patterns(self) -> dict[str, tuple[tuple[str, re.Pattern[str]], ...]]:
        """Per kind of named thing (the entities, outcomes, patient conditions, infections), each canonical name with
        one pattern for all its spellings, in normalised text; a spelling inside a longer hyphenated word does not count
        ("IL-6" in "anti-IL-6"), except before "-treated" ("tisa-cel-treated patients" names tisa-cel)."""
        return {kind: self._name_patterns(kind) for kind in (*ENTITY_KINDS, "outcome", "condition", "infection")}

    @cached_property
    def entity_patterns(self) -> tuple[tuple[str, tuple[tuple[str, re.Pattern[str]], ...]], ...]:
        """Per entity kind, each canonical name with one pattern for all its spellings (``name_patterns``)."""
        return tuple((kind, self.name_patterns[kind]) for kind in ENTITY_KINDS)

    def _name_patterns(self, kind: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
        """Each canonical name of ``kind`` with one pattern for all its spellings."""
        return tuple(
            (name, re.compile(rf"(?<![\w-])(?:{'|'.join(map(re.escape, self.group_of(name)))}){NAME_END}"))
            for name in self.entity_names(kind)
        )

    def _first_mentions(self, kind: str) -> Callable[[str], tuple[str, ...]]:
        """For a normalised text, the canonical names of ``kind`` it holds, in order of first mention, memoised like
        ``named_entities``: the composer asks it of every unit."""
        patterns = self.name_patterns[kind]
        return lru_cache(maxsize=65536)(lambda text: _in_order(patterns, text))

    @cached_property
    def named_outcomes(self) -> Callable[[str], tuple[str, ...]]:
        """The outcomes a normalised text names (response, survival, infections). Outcomes are no entities: a
        follow-up does not inherit them, it replaces them ("and OS?" after "TRANSFORM EFS?")."""
        return self._first_mentions("outcome")

    @cached_property
    def named_conditions(self) -> Callable[[str], tuple[str, ...]]:
        """The patient conditions a normalised text names (pregnancy, renal impairment): a question naming one is
        answered only from passages that name it too."""
        return self._first_mentions("condition")

    @cached_property
    def named_infections(self) -> Callable[[str], tuple[str, ...]]:
        """The infections a normalised text names (HBV, HCV, HIV, CMV): a line on another one than a question asks
        about is about that one ("hepatitis B status is checked" does not answer "HCV/HIV screening?")."""
        return self._first_mentions("infection")

    @cached_property
    def named_entities(self) -> Callable[[str], tuple[tuple[str, tuple[str, ...]], ...]]:
        """For a normalised text, the canonical entities it names by kind, in order of first mention.

        Memoised per lexicon: the composer asks this of every sentence of every answer, and the same
        corpus sentences come back question after question (a quarter of a warm answer's time went here).
        """

        @lru_cache(maxsize=65536)
        def named(text: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
            found = ((kind, _in_order(patterns, text)) for kind, patterns in self.entity_patterns)
            return tuple((kind, names) for kind, names in found if names)

        return named

    @cached_property
    def named_sources(self) -> Callable[[str], tuple[tuple[str, ...], ...]]:
        """For a normalised text, every source group it names; memoised per lexicon like ``named_entities``
        (the composer asks it of every unit's source description)."""

        @lru_cache(maxsize=65536)
        def named(text: str) -> tuple[tuple[str, ...], ...]:
            return tuple(group for pattern, group in self.source_patterns if pattern.search(text))

        return named

    @cached_property
    def compiled_rewrites(self) -> tuple[tuple[re.Pattern[str], str], ...]:
        return tuple((re.compile(r.pattern, re.IGNORECASE if r.ignore_case else 0), r.replace) for r in self.rewrites)

    @cached_property
    def intent_patterns(self) -> tuple[tuple[str, re.Pattern[str], re.Pattern[str] | None], ...]:
        return tuple(
            (
                rule.intent,
                re.compile(rule.pattern, re.IGNORECASE),
                re.compile(rule.confirm, re.IGNORECASE) if rule.confirm else None,
            )
            for rule in self.intents
        )

    @cached_property
    def phrase_patterns(self) -> tuple[tuple[re.Pattern[str], str], ...]:
        return tuple((re.compile(h.pattern, re.IGNORECASE), h.words) for h in self.phrase_hints)

    def reading_patterns_under(self, *parts: str) -> dict[str, re.Pattern[str]]:
        """The question-reading patterns of the named ``parts`` ("asks", "one_fact"), by name."""
        return {name: p for name, p in self.reading_patterns.items() if name.split(".", 1)[0] in parts}

    @cached_property
    def reading_patterns(self) -> dict[str, re.Pattern[str]]:
        """The question-reading patterns by name: 'asks.dose', 'population.weight', 'line.refractory', 'local',
        'one_fact.yes_no', 'risk', 'who_gets', 'occurrence', 'workup', 'identify',
        'indication', 'scale', 'patient_context', 'asking_only'."""
        named = {
            f"{part}.{key}": p
            for part in ("asks", "population", "line", "one_fact")
            for key, p in getattr(self, part).items()
        }
        flat = (
            "local",
            "risk",
            "who_gets",
            "occurrence",
            "workup",
            "identify",
            "indication",
            "scale",
            "patient_context",
            "asking_only",
        )
        named |= {name: getattr(self, name) or r"(?!)" for name in flat}
        return {name: re.compile(pattern, re.IGNORECASE) for name, pattern in named.items()}

    @cached_property
    def trial_number(self) -> re.Pattern[str]:
        """A named trial with its number run on or spaced ('zuma1', 'ZUMA 1'), as the documents never write it."""
        names = "|".join(re.escape(t) for t in self.trials) or "(?!)"
        return re.compile(rf"\b({names})\s?(\d{{1,3}})\b", re.IGNORECASE)

    @cached_property
    def severe_toxicity_pattern(self) -> re.Pattern[str]:
        """A toxicity said to be severe (``severe`` right before one of its names: "severe CRS", "high-grade
        neurotox"), which the trials, labels and the guidelines' grade 3 and 4 steps give as grade ≥3; not "severe
        hypotension", nor "moderate to severe"."""
        terms = sorted((t for g in self.groups if g.kind == "toxicity" for t in g.terms), key=len, reverse=True)
        names = "|".join(re.escape(t) for t in terms) or "(?!)"
        severe = self.severe or "(?!)"
        return re.compile(rf"(?<!to )\b(?:{severe})\s+(?:{names})\b", re.IGNORECASE)

    @cached_property
    def trial_pattern(self) -> re.Pattern[str]:
        """A named trial: one of ``trials`` with its number, if any ('ZUMA-1', 'TRANSCEND NHL 001')."""
        names = "|".join(re.escape(t) for t in self.trials) or "(?!)"
        return re.compile(rf"\b((?:{names})(?:[\s-]?\d+)?)\b", re.IGNORECASE)

    @cached_property
    def anchor_pattern(self) -> re.Pattern[str]:
        """What places a question in Carta's field: a toxicity, product or named drug, a trial, a domain word.

        A drug class with ``members`` ("steroids") is no anchor: it is given for toxicities of every field.
        """
        terms = sorted(
            (t for g in self.groups if g.kind in ENTITY_KINDS and not g.members for t in g.terms), key=len, reverse=True
        )
        names = "|".join(re.escape(t) for t in terms) or "(?!)"
        trials = "|".join(re.escape(t) for t in self.trials) or "(?!)"
        domain = self.domain or "(?!)"
        return re.compile(rf"(?<!\w)(?:{names})(?!\w)|\b(?:{trials})\b|{domain}", re.IGNORECASE)

    @cached_property
    def adds_pattern(self) -> re.Pattern[str]:
        return re.compile(self.adds or r"(?!)", re.IGNORECASE)

    @cached_property
    def instead_pattern(self) -> re.Pattern[str]:
        return re.compile(self.instead or r"(?!)", re.IGNORECASE)

    @cached_property
    def usual_pattern(self) -> re.Pattern[str]:
        return re.compile(self.usual or r"(?!)", re.IGNORECASE)

    @cached_property
    def rate_pattern(self) -> re.Pattern[str]:
        """A question asking how often something happens ('asks.rate'): answered by sentences giving a rate."""
        return self.reading_patterns.get("asks.rate") or re.compile(r"(?!)")


def _either(a: str, b: str) -> str:
    """Two alternative patterns as one."""
    return "|".join(p for p in (a, b) if p)


def _merged(a: dict[str, str], b: dict[str, str]) -> dict[str, str]:
    """Named patterns of two files: a name in both matches either."""
    return {key: _either(a.get(key, ""), b.get(key, "")) for key in {**a, **b}}


def read_lexicon(path: Path) -> Lexicon:
    """One lexicon file; a bad file is a ConfigError naming it."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        lexicon = Lexicon.model_validate(data)
        patterns = [r.pattern for r in lexicon.rewrites] + [i.pattern for i in lexicon.intents]
        patterns += [*lexicon.asks.values(), *lexicon.population.values(), *lexicon.line.values(), lexicon.local]
        for pattern in patterns:
            re.compile(pattern)
    except (OSError, yaml.YAMLError, ValidationError, re.error) as exc:
        msg = f"lexicon file {path}: {str(exc).splitlines()[0]}"
        raise ConfigError(msg) from exc
    return lexicon


def load_lexicon(extra: Path | None = None) -> Lexicon:
    """The built-in lexicon, extended by a hospital's file when ``extra`` names one."""
    here = Path(__file__).parent
    combined = Lexicon()
    for name in BUILT_IN:
        combined = combined.extended(read_lexicon(here / name))
    return combined.extended(read_lexicon(extra)) if extra is not None else combined


_active: dict[str, Lexicon] = {}


def lexicon() -> Lexicon:
    """The lexicon in use: the built-in one unless ``use_lexicon`` chose a hospital's extension."""
    if "current" not in _active:
        _active["current"] = load_lexicon()
    return _active["current"]


def use_lexicon(extra: Path | None) -> Lexicon:
    """Make the built-in lexicon extended by ``extra`` (None: the built-in alone) the one in use."""
    _active["current"] = load_lexicon(extra)
    return _active["current"]
