"""Phone-keyboard typos in a question's clinical words, put right before the question is read.

"tocilizumsb", "dexametasone", "certificaton": a word that neither the corpus, the lexicon nor everyday English
knows, one slip (a letter wrong, missing, extra, or two swapped) from exactly one word the corpus or the lexicon
uses, is read as that word. Short words are left alone (too many words lie one slip from "vanc"), and so is a
word with two candidates: guessing between them would be inventing.

>>> fix_typos("tocilizumsb dose for gr2 CRS?", frozenset({"tocilizumab", "dose", "crs"}), frozenset())
'tocilizumab dose for gr2 CRS?'
>>> fix_typos("pembrolizumab colitis", frozenset({"tocilizumab"}), frozenset())
'pembrolizumab colitis'
"""

from __future__ import annotations

import re
from collections.abc import Collection

#: Words shorter than this are never corrected: a slip in a short word is as likely another short word.
MIN_TYPO_LENGTH = 6
#: A word as a clinician types it: letters, maybe hyphenated ("tisa-cel").
WORD = re.compile(r"[A-Za-z][A-Za-z-]+")


def one_slip(typed: str, word: str) -> bool:
    """Whether ``typed`` is ``word`` with one slip: a letter replaced, dropped, added, or two neighbours swapped."""
    if typed == word or abs(len(typed) - len(word)) > 1:
        return False
    start = next((i for i, (a, b) in enumerate(zip(typed, word, strict=False)) if a != b), min(len(typed), len(word)))
    rest_typed, rest_word = typed[start:], word[start:]
    return (
        rest_typed[1:] == rest_word[1:]  # replaced
        or rest_typed == rest_word[1:]  # dropped
        or rest_typed[1:] == rest_word  # added
        or (len(rest_typed) > 1 and rest_typed[:2] == rest_word[1::-1] and rest_typed[2:] == rest_word[2:])  # swapped
    )


def fix_typos(question: str, domain: Collection[str], everyday: Collection[str]) -> str:
    """``question`` with each unknown word of at least ``MIN_TYPO_LENGTH`` letters that is one slip from exactly one
    ``domain`` word (the corpus's and the lexicon's) replaced by it; ``everyday`` words are known as typed."""

    def fixed(match: re.Match[str]) -> str:
        typed = match.group(0)
        word = typed.lower()
        if len(word) < MIN_TYPO_LENGTH or word in domain or word in everyday:
            return typed
        candidates = [known for known in domain if known[:1] == word[:1] and one_slip(word, known)]
        return candidates[0] if len(candidates) == 1 else typed

    return WORD.sub(fixed, question)
