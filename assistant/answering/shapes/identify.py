"""The identify shape: a patient's findings and "what is it?" are answered by the syndrome they describe.

"Ferritin climbing as CRS settles — dx?" asks which toxicity this is: the lines that describe another syndrome than
the one the question names as over (IEC-HS, whose onset often comes as CRS resolves) answer it, not the best-scoring
lines on the words it shares with them ("96% of CRS events resolved").

>>> asks_identify("LFTs up + ferritin rising a week after CRS — which toxicity?", ("crs",))
True
>>> asks_identify("IEC-HS dx?", ("iec-hs",)), asks_identify("ICANS after CAR-T, what is it?", ("icans",))
(False, False)
>>> asks_identify("HBV prophylaxis post car-t — what's it based on?", ())
False
>>> asks_identify("ferritin over 10,000 with CRS — what is it?", ("crs",))
False
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answering.abstention import FIELD_WORDS, NEGATION
from assistant.answering.units import Unit
from assistant.conversation import entities, present
from assistant.lexicon import lexicon
from assistant.retrieval.keyword import tokenize

#: Words saying a toxicity is behind the patient ("CRS resolved", "as CRS settles"); not "over" nor "gone", which say
#: more often where a finding stands ("ferritin over 10,000", "fever gone").
BEHIND = re.compile(r"\b(?:resolv\w*|settl\w*|subsid\w*|recovered)\b", re.IGNORECASE)
#: ... or a toxicity the findings came after ("a week after CRS", "post-ICANS"): the word after is read by the lexicon.
AFTER = re.compile(r"\b(?:after|post)[\s-]+(?:the\s+)?([\w-]+)", re.IGNORECASE)
#: When the findings came ("day 10", "a week after"): no finding a syndrome's description shares.
WHEN = frozenset({"day", "days", "week", "weeks", "month", "months", "hour", "hours"})
#: A rate: "91% of neurologic events resolved" describes no syndrome.
PERCENT = re.compile(r"\d\s*%")


def asks_identify(question: str, toxicities: Sequence[str]) -> bool:
    """Whether the question asks which syndrome its findings describe (the lexicon's ``identify``): it names no
    toxicity, or names one as behind the patient."""
    return bool(lexicon().reading_patterns["identify"].search(question)) and (
        not toxicities or names_one_behind(question)
    )


def names_one_behind(question: str) -> bool:
    """Whether the question says a toxicity is over: resolved or settling, or the findings came after it."""
    after = (match.group(1) for match in AFTER.finditer(question))
    return bool(BEHIND.search(question)) or any(entities(word).get("toxicity") for word in after)


def syndrome_lines(
    question: str, toxicities: Sequence[str], scored: Sequence[tuple[float, Unit]]
) -> list[tuple[float, Unit]]:
    """The scored sentences naming a toxicity the question does not and one of its findings (a word but the
    toxicities, what is behind the patient and what is asked), best first; no table row, no rate ("91% of
    neurologic events resolved" is no description of a syndrome), no line on what a source lacks."""
    named = set(toxicities)
    asked = lexicon().reading_patterns["identify"].sub(" ", BEHIND.sub(" ", AFTER.sub(" ", question)))
    words = {t for t in tokenize(asked, parts=False) if t.isalpha() or "-" in t}
    findings = {t for t in words if not entities(t).get("toxicity")} - FIELD_WORDS - WHEN
    return [
        (value, unit)
        for value, unit in scored
        if value > 0
        and not unit.cells
        and not PERCENT.search(unit.text)
        and not NEGATION.search(unit.text)
        and set(present(unit.text).get("toxicity", [])) - named
        and findings & set(tokenize(unit.text, parts=False))
    ]
