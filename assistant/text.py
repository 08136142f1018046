"""The text conventions every part of Carta reads the same way: sentences, `[n]` citation marks, and
numbers with their units.

Composers, the verifier, the eval's scoring, the PDF loader and the UI all split, strip and match
with these definitions, so a sentence or a number is the same thing wherever it is counted.

>>> split_sentences("Give 8 mg/kg IV. Repeat after 8 h. (Max 800 mg.)")
['Give 8 mg/kg IV.', 'Repeat after 8 h.', '(Max 800 mg.)']
>>> citation_numbers("Give 8 mg/kg [1][3]. Repeat [2].")
[1, 3, 2]
>>> strip_citations("Tocilizumab is given IV [1].")
'Tocilizumab is given IV.'
>>> numbers_in("8 mg/kg, at most 800 mg, ≥38 °C [2]")
['8 mg/kg', '800 mg', '≥38 °C']
"""

from __future__ import annotations

import re

#: The day of a patient's course after infusion ("day +45", "d+12", "day 20 after carvykti"), its number the group
#: that matched: a time in the course, not a subject the answer is about.
COURSE_DAY = re.compile(r"\b(?:day|d)\s*\+\s*(\d{1,3})\b|\bday\s+(\d{1,3})\b", re.IGNORECASE)


def course_days(text: str) -> frozenset[str]:
    """The numbers of the days of a patient's course a text names ('5' of "seizure ppx still needed on day 5?")."""
    return frozenset(number for match in COURSE_DAY.finditer(text) for number in match.groups() if number)


#: The steps of the CAR-T course that times are given against ("before lymphodepletion", "after infusion").
COURSE_STEPS = r"(?:lymphodepletion|infusion|apheresis|leukapheresis)"
#: The step a question dates from ("after a Kymriah infusion", "post-infusion", "since lymphodepletion"), its step the
#: group that matched: every source's times run from it, so it says when, not what is asked.
SINCE_STEP = re.compile(
    rf"\b(?:after|post|since|following)[\s-]+(?:(?:the|a|an|her|his|their)\s+)?(?:[\w-]+\s+)?({COURSE_STEPS})\b",
    re.IGNORECASE,
)


#: What ends the words before a step when the step anchors the time asked ("how long after infusion", "how many days
#: post-infusion"): the sources write that time with the step ("about 3 months after infusion").
TIME_FROM = re.compile(r"\b(?:long|soon|hours?|days?|weeks?|months?)\s*$", re.IGNORECASE)


def course_steps(text: str) -> frozenset[str]:
    """The words of the course steps a text dates from ('infusion' of "after a Kymriah infusion, how long before
    driving?", 'post-infusion' of "post-infusion, ..."), as tokenized for matching; not a step the time asked runs
    from ("how long after infusion did parkinsonism start?")."""
    steps = (
        (match[0].lower(), match.group(1).lower())
        for match in SINCE_STEP.finditer(text)
        if not TIME_FROM.search(text[: match.start()])
    )
    return frozenset(word for said, step in steps for word in re.findall(rf"[\w-]*{step}", said))


#: Where one sentence of a quoted text ends and the next begins: after . ! ? (or a citation mark's
#: closing bracket) and before a capital, an opening bracket or a quote, so "e.g. tocilizumab" and
#: "p. 4" stay whole.
SENTENCE_BREAK = re.compile(r"(?<=[.!?\]])\s+(?=[A-Z(\"'])")
#: Where an answer's lead sentence ends, for the eval's wrong-setting check: as SENTENCE_BREAK, but a
#: number may open the next sentence too.
LEAD_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'])")
#: The same in a user's own typing, where a new sentence may start in lower case.
LOOSE_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+")
#: A line that ends a sentence (a PDF line after which the paragraph may continue or not).
SENTENCE_END = re.compile(r"[.!?:;][\"')\]]*$")
#: A list item's marker at the start of a line: "- ", "* ", "+ ", "1. ", "2) ".
BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")

#: One citation mark, `[n]`; group 1 is the number.
CITATION_MARK = re.compile(r"\[(\d+)\]")
#: A run of marks closing a statement, with the spaces before them: " [1][3]".
CITATION_RUN = re.compile(r"(?:\s*\[\d+\])+")

#: Units a number may carry, matched case-insensitively (the longer spelling before its prefix). 'h' also reads
#: "hours" ('48 hours' is '48 h'); 'g' is no gram before a letter ('the 2021 guideline').
UNITS = (
    "mg/kg", "mg/m²", "mg/m2", "g/kg", "mg/dl", "mg", "µg/kg", "mcg", "g(?![a-z])", "ml", "l/min", "%",
    "h", "days?", "weeks?", "kg", "°c",
)  # fmt: skip
#: The units of an amount given as a dose (what `carta corpus check` looks for outside tables).
DOSE_UNITS = ("mg/kg", "mg/m²", "mg/m2", "g/kg", "mg", "l/min", "%")
_AMOUNT = r"(?<![\w.])\d+(?:[.,]\d+)*"
#: A number with its comparison sign and unit when it has them: '≥38 °C', '8 mg/kg', '2'.
NUMBER = re.compile(rf"(?<![\w.])[<>≤≥]?\d+(?:[.,]\d+)*(?:\s*(?:{'|'.join(UNITS)}))?", re.IGNORECASE)
#: An amount with a dose unit and nothing glued after it: '8 mg/kg', '1,000 mg', '50%'.
DOSE = re.compile(rf"{_AMOUNT}\s*(?:{'|'.join(DOSE_UNITS)})(?![A-Za-z])", re.IGNORECASE)
#: A sentence that gives or discusses a dose: an amount with a dose unit, or the word itself.
DOSE_TALK = re.compile(r"\bdos(e|es|ing|age)\b|\bregimen\b|\d\s*(mg|g|µg|mcg|mL|units?)\b", re.IGNORECASE)
#: A line on who is at risk of something: "high risk of hematotoxicity", "predisposing factors", "a risk factor".
RISK_TALK = re.compile(r"\brisks?\b|\bpredict\w*|\bpredispos\w*", re.IGNORECASE)
#: A CAR-T product's dose, given in cells: "100 × 10⁶ CAR+ T cells", "2 × 10⁶ cells/kg".
CELL_DOSE = re.compile(r"×\s*10\S*\s*(?:CAR\+|cells)|\bCAR\+\s*(?:viable\s+)?T[- ]cells\b|\bcells/kg\b", re.IGNORECASE)
#: A question asking for cells ("cell dose", "how many CAR+ T cells"), not a drug's dose.
CELLS_ASKED = re.compile(r"\bcells?\b|\bCAR\+", re.IGNORECASE)
#: A dose asked for in a unit ("in CAR+ cells/kg", "in mg"): an answer in other units does not answer it.
ASKED_UNIT = re.compile(
    r"\bin\s+(?:car\+?\s*)?(cells?/kg|cells|mg/kg|mg/m2|mg/m²|µg/kg|mcg/kg|mg)(?![\w/])", re.IGNORECASE
)


def split_sentences(text: str, *, loose: bool = False) -> list[str]:
    """The sentences of one line of text, stripped; ``loose`` also breaks before a lower-case word."""
    pattern = LOOSE_SENTENCE_BREAK if loose else SENTENCE_BREAK
    return [sentence.strip() for sentence in pattern.split(text) if sentence.strip()]


def citation_numbers(text: str) -> list[int]:
    """The numbers of the `[n]` marks in ``text``, in order, repeats kept."""
    return [int(n) for n in CITATION_MARK.findall(text)]


def strip_citations(text: str) -> str:
    """``text`` without its `[n]` marks or the spaces before them ('IV [1].' -> 'IV.')."""
    return CITATION_RUN.sub("", text)


def numbers_in(text: str) -> list[str]:
    """The numbers of ``text`` with their signs and units, citation marks left out."""
    return [m.group(0) for m in NUMBER.finditer(strip_citations(text))]


def bare_numbers(text: str) -> set[str]:
    """The numbers of a text without their comparison signs: '<0.5' in a row is '0.5' in a sentence."""
    return {n.lstrip("<>≤≥~ ") for n in numbers_in(text)}
