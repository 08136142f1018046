"""Query expansion with the domain synonyms and abbreviations the embedding model does not know.

Each synonym group of the clinical lexicon (``assistant/lexicon/terms.yaml``) lists terms a clinician
uses for the same thing; a query naming one is expanded with the others, so "Gamifant" finds passages
that say "emapalumab" and "ICANS" finds "neurotoxicity". The groups, guideline bodies and shorthand
are data; this module is how retrieval and the composer use them.
"""

from __future__ import annotations

import re

from assistant.lexicon import lexicon


def mentioned_sources(text: str) -> list[tuple[str, ...]]:
    """Every source group ``text`` names ('NCCN says …' -> the NCCN group); '-' counts as a word boundary."""
    return list(lexicon().named_sources(normalize(text)))


def group_of(canonical: str) -> tuple[str, ...]:
    """The synonym group whose first term is ``canonical`` (just the term when it has none)."""
    return lexicon().group_of(canonical)


def synonym_vocabulary() -> frozenset[str]:
    """Every word of every synonym term: words Carta understands even where the corpus never uses them."""
    return lexicon().vocabulary


def related_words(word: str) -> frozenset[str]:
    """Words of every synonym term in the groups that contain ``word`` ('toci' -> tocilizumab, actemra, …)."""
    return lexicon().related.get(word, frozenset())


def spell_out(text: str) -> str:
    """The text with clinical shorthand written out, so both retrievers and the composer can match it;
    a named trial's number is joined with a hyphen ('zuma1' -> 'zuma-1'), as the documents write it."""
    lex = lexicon()
    for pattern, replacement in lex.compiled_rewrites:
        text = pattern.sub(replacement, text)
    return lex.trial_number.sub(r"\1-\2", text)


def normalize(text: str) -> str:
    """Lower case with typographic dashes folded, so 'IEC‑HS' and 'iec-hs' match."""
    return re.sub(r"[‐‑‒–—]", "-", text.lower())


def expansion_groups(query: str) -> list[tuple[list[str], list[str]]]:
    """For every group the query mentions, the group's terms the query does not already use, and those it uses."""
    text = normalize(query)
    groups: list[tuple[list[str], list[str]]] = []
    for pattern, group in lexicon().synonym_patterns:
        if pattern.search(text):
            used = [term for term in group if re.search(rf"(?<![\w-]){re.escape(term)}(?![\w-])", text)]
            missing = [term for term in group if term not in used]
            if missing:
                groups.append((missing, used))
    return groups


def expansions(query: str) -> list[str]:
    """Terms to add to ``query``: the other members of every group the query mentions."""
    return [term for missing, _ in expansion_groups(query) for term in missing]


def canonical_additions(query: str) -> list[str]:
    """The canonical (first) term of each group the query mentions only by another name."""
    missing = set(expansions(query))
    return [group[0] for group in lexicon().synonym_groups if group[0] in missing]


def expand(query: str) -> str:
    """The query with the canonical names it lacks ('Gamifant' -> 'Gamifant (emapalumab)').

    The dense side gets only canonical names: a full list of synonyms drags the embedding towards
    whatever the synonyms have in common (measured: 'emapalumab adult IEC-HS' then ranked the
    general IEC-HS consensus above the emapalumab case report). BM25 gets the full expansion.
    """
    extra = canonical_additions(query)
    return f"{query} ({'; '.join(extra)})" if extra else query


def asks_risk(question: str) -> bool:
    """Whether a question asks who is at risk of something: in the lexicon's ``risk`` words ("risk factors for severe
    CRS?"), or as who gets or develops a toxicity (``who_gets``: "who gets carHLH?"; "who gets G-CSF?" asks who a
    drug is for)."""
    lex = lexicon()
    if lex.reading_patterns["risk"].search(question):
        return True
    names = dict(lex.named_entities(normalize(question)))
    return bool(lex.reading_patterns["who_gets"].search(question) and names.get("toxicity"))


#: Readings that are more than one pattern, by the ``ask_terms`` key they answer to.
READINGS = {"risk": asks_risk}


def asked_terms(query: str) -> list[str]:
    """How the documents word what ``query`` asks ('CRS grade?' -> ['grading']), minus words it already uses.

    A bedside question asks for a grade in words that every management row also holds (the findings,
    the toxicity); the word the grading tables are written under is what sets them apart.
    """
    lex = lexicon()
    used = set(re.findall(r"[\w-]+", normalize(query)))
    terms: list[str] = []
    for ask, words in lex.ask_terms.items():
        # A key is an ask ('classify'), another reading pattern ('line.improving') or a reading of ``READINGS``.
        pattern = lex.reading_patterns.get(f"asks.{ask}") or lex.reading_patterns.get(ask)
        if READINGS[ask](query) if ask in READINGS else bool(pattern and pattern.search(query)):
            terms += [word for word in words.split() if word.lower() not in used and word not in terms]
    return terms


def with_asked_terms(query: str) -> str:
    """The query with the words its ask is written in ('… CRS grade?' -> '… CRS grade? (grading)')."""
    terms = asked_terms(query)
    return f"{query} ({' '.join(terms)})" if terms else query


def mentioned_groups(query: str) -> list[tuple[str, ...]]:
    """Every synonym group the query mentions, whole (the query's own term included)."""
    text = normalize(query)
    return [group for pattern, group in lexicon().synonym_patterns if pattern.search(text)]
