"""The one-fact shape: a question that asks for one fact gets the statement that carries it, and stops.

"ICE out of how many?", "axi-cel median CRS onset?", "tecartus REMS still required?" (``ParsedQuestion.
one_fact``) are answered in a line. The prose shape would fill up to five statements with the other rows
of the same table, another product's rate or the sentence around it; here the lead is the best unit
whose facets fit the question (a grade 3 question is led by the grade 3 row, not by a sentence naming no
grade), other sources saying the same join it as citations, and another statement follows only when it
answers a word of the question the lead leaves open and is about the same setting and product.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answering.draft import Statement
from assistant.answering.facets import facets_of, fit, other_product, statement_fit
from assistant.answering.question import Ask, ParsedQuestion, ask_words, fact_words
from assistant.answering.rules import ComposerRules
from assistant.answering.scoring import Scorer, inflections
from assistant.answering.shapes.prose import asked_words, merged_into, unit_tokens
from assistant.answering.units import Unit
from assistant.conversation import entities, ruled_out
from assistant.documents import SINGLE_STUDY_TYPES, study_named
from assistant.lexicon import lexicon
from assistant.passage import Passage
from assistant.retrieval.keyword import tokenize
from assistant.text import COURSE_STEPS, bare_numbers


def one_fact(
    question: str,
    candidates: Sequence[tuple[float, Unit]],
    parsed: ParsedQuestion,
    passages: Sequence[Passage],
    core: set[str],
    scorer: Scorer,
) -> list[Statement]:
    """The statement carrying the one fact asked, its twins merged, and at most ``one_fact_statements`` in all;
    none when the best unit does not give the kind of fact asked (the prose shape answers then)."""
    rules = scorer.rules
    if not candidates:
        return []
    grade = parsed.grades[0] if len(parsed.grades) == 1 else None
    classifying = grade is not None and Ask.CLASSIFY in parsed.asks

    facets = {id(u): facets_of(u, passages[u.passage].doc_type, passages[u.passage].year) for _, u in candidates}
    # What a unit contradicts of what is asked: a facet (grade, toxicity, population ...) or another product.
    mismatches = {id(u): fit(parsed, facets[id(u)]).mismatches + other_product(u.text, parsed) for _, u in candidates}

    asked_drugs = lexicon().with_members(parsed.drugs)

    # "brexu-cel MCL gr3+ CRS?" asks the product's reference rate: its trial's or label's before a real-world cohort's,
    # unless the question asks for real-world data or names a study ("CIBMTR tisa-cel gr3+ CRS?").
    named = set(tokenize(question, parts=False)) & {study_named(passages[u.passage].doc_id) for _, u in candidates}
    reference_rate = (
        parsed.one_fact == "rate" and bool(parsed.products) and not REAL_WORLD_ASKED.search(question) and not named
    )
    # ... but not over what the question is about: "axi-cel pts still gr3+ neutropenic at a year?" is answered by the
    # cohort giving neutropenia at a year, not the label's grade 3 CRS. A reference rate holds every question word the
    # best-scoring unit holds.
    top = max(candidates, key=lambda pair: pair[0])[1]
    held = asked_words(top.text, core)
    # A cutoff is that of the measure asked ("ferritin cutoff for carHLH?", "platelet thresholds for T-ICAHT?").
    measures = [{word, *inflections(word)} for word in MEASURED.findall(question.lower()) if word in core]

    # "can ICANS happen without CRS?" speaks of CRS too: a line naming both names no other toxicity.
    spoken_of = set(parsed.toxicities) | ruled_out(question)

    def names_others(unit: Unit) -> bool:
        """Whether the unit names a toxicity the question does not speak of."""
        return bool(parsed.toxicities) and bool(set(entities(unit.text).get("toxicity", [])) - spoken_of)

    def key(unit: Unit) -> tuple[int, bool, bool, bool, bool, bool, bool, bool, bool, bool, bool, bool]:
        """Fewest contradictions (another product counts as one; a toxicity asked that the unit names after
        another does not), then a unit naming the toxicity asked before one naming none (the HLH-2004 fever
        row for "fever cutoff for CRS?"), then for a count a sentence before a dosing row (whose "n=38" says who
        was given the drug), then one naming the drug asked ("levaquin ppx until when?": the
        levofloxacin row, not antiviral prophylaxis's end), then for the rate of a grade one naming that grade
        (not "91% of neurologic events resolved"), then for a product's rate a line holding the question words
        the best-scoring unit holds (``held``), then its trial's or label's line, then
        one naming no other toxicity ("neurotox onset?": the neurologic onset's own line, not "2 days for CRS
        and 4 days for neurologic toxicities"), then for a cutoff of one grade its grading row, then a unit on
        the grade asked alone, then one naming no grade, then one spanning grades ("ICE 0 ... grade 3 ICANS,
        not grade 4")."""
        about = facets[id(unit)]
        contradictions = mismatches[id(unit)]
        named = names_asked_toxicity(unit.text, parsed)
        if about.toxicity not in (None, *parsed.toxicities) and named:
            contradictions -= 1
        spans = grade is not None and len(about.grades) > 1
        # "gr1 CRS temp threshold?" is answered by the grade 1 row, not a treatment trigger for grade 1.
        not_a_grade_row = classifying and not (unit.cells and not unit.is_dosing_row)
        others = names_others(unit)
        return (
            contradictions,
            bool(parsed.toxicities) and not named,
            parsed.one_fact == "count" and unit.is_dosing_row,
            bool(asked_drugs) and not lexicon().with_members(about.drugs) & asked_drugs,
            parsed.one_fact == "rate" and bool(parsed.grades) and not set(parsed.grades) & about.grades,
            reference_rate and bool(held - asked_words(unit.text, held)),
            reference_rate and about.doc_type in SECONDARY_SOURCES,
            # ... so the line giving the ferritin answers, though it names CRS too ("during the CRS phase"), not
            # carHLH's 1% rate; nor the late phase's "≥2 laboratory tests" a platelet question.
            any(not forms & set(tokenize(unit.text, parts=False)) for forms in measures),
            others,
            not_a_grade_row,
            spans,
            grade not in about.grades,
        )

    keys = {id(u): key(u) for _, u in candidates}
    ordered = sorted(candidates, key=lambda pair: keys[id(pair[1])])  # stable: score order within each
    # The lead is the best unit if it gives what is asked. A rate or a number is given only in figures, so for
    # those the best unit that gives it, fits as well and contradicts nothing leads ("cilta-cel grade ≥3 CRS %?":
    # the approval summary's rate, not the boxed warning naming CRS above it). A time may be given in words
    # ("tapered once the patient improves"): another unit's figures stand in for it only when the best unit
    # gives no time at all ("PJP ppx, how long?": the protocol's duration, not its start day). A yes/no is
    # answered by the best unit.
    best = ordered[0][1].text
    best_fit = keys[id(ordered[0][1])][:2]
    in_figures = parsed.one_fact in ("rate", "number", "count") or (
        parsed.one_fact in ("duration", "time") and not TIME_IN_WORDS.search(best)
    )
    lead = next(
        (
            u for _, u in ordered
            if carries(u.text, parsed, question)
            and (u is ordered[0][1] or (in_figures and keys[id(u)][:2] == best_fit and not mismatches[id(u)]))
        ),
        None,
    )  # fmt: skip
    if lead is None:
        return []  # no unit as fitting gives what is asked (a time for "how long"): no one-fact answer
    items = schedule_items(lead, candidates, keys, parsed, question, rules.one_fact_tie)
    if items:  # parallel sentences of one source give one answer each ("vaccines, when?"): a list of them
        return schedule([lead, *items], candidates, rules, core) if rules.schedule_list else []
    subject = core - ask_words(question)
    if scorer.known(subject) and scorer.coverage(lead, passages[lead.passage], subject) < rules.one_fact_coverage:
        return []  # the best unit leaves much of what the question is about open: the prose shape answers
    # Only a unit giving what is asked (a time for "how long", a number for "out of how many") answers it; lead first.
    ordered = sorted(
        (pair for pair in ordered if carries(pair[1].text, parsed, question)), key=lambda pair: pair[1] is not lead
    )
    chosen: list[tuple[set[str], Statement]] = []
    covered: set[str] = set()
    lead_score = next(value for value, unit in candidates if unit is lead)
    # "typical time to CRS onset?" names no product, and the sources give it product by product: each product's line.
    by_product = rules.one_fact_by_product and not parsed.products and bool(products_of(lead))
    shown: set[str] = set()
    for value, unit in ordered:
        if chosen and any(keys[id(unit)][:2]):
            continue  # what follows the lead contradicts nothing asked and names the toxicity asked
        tokens = unit_tokens(unit)
        if merged_into(chosen, unit, tokens, scorer.rules, frozenset(core)):
            continue  # another source saying the same: one statement, both citations
        words = asked_words(unit.text, core - fact_words(question))  # "frequency" opens no second line
        # A yes/no keeps the sentence its source gives beside the answer (the reason; a table's next row is none).
        reason = (
            parsed.one_fact == "yes_no" and bool(chosen) and not unit.cells and unit.passage == chosen[0][1].sources[0]
        )
        # A line adding a word is on the lead's subject too: it holds the rarest word of the question the lead
        # holds ("ferritin" of "ferritin threshold for HLH after CAR-T?"), not only a context word ("CAR-T").
        rarest = max(covered, key=lambda word: (scorer.weight(word), word), default="")  # ties: by spelling
        on_subject = not chosen or rarest in words
        # "G-CSF after CAR-T, when do we start?": EHA says day +2 in high risk, ASH beyond day 14; the sources differ.
        # So do two trials of a family named without its number ("TRANSCEND gr3+ neurotox?": NHL 001, CLL 004).
        differs = (
            bool(chosen)
            and value >= rules.one_fact_other_source * lead_score
            and keys[id(unit)] == keys[id(lead)]
            and passages[unit.passage].doc_id not in {passages[p].doc_id for _, s in chosen for p in s.sources}
            and asked_words(unit.text, core) >= asked_words(chosen[0][1].text, core)
            and not given(unit.text, parsed) & given(chosen[0][1].text, parsed)
        )
        # Another product's line giving the fact, naming no other toxicity, when the question names no product.
        products = products_of(unit)
        another_product = by_product and not names_others(unit) and bool(products) and not products & shown
        if (another_product and len(chosen) < rules.products_listed) or (
            len(chosen) < rules.one_fact_statements
            and (not chosen or (words - covered and on_subject) or reason or differs)
        ):
            chosen.append((tokens, Statement(unit.said, [unit.passage], unit.cells)))
            covered |= words
            shown |= products
    return [s for _, s in chosen]


def products_of(unit: Unit) -> set[str]:
    """The CAR-T products a unit names ("In ZUMA-1 (axi-cel), ..." -> {'axi-cel'})."""
    return set(entities(unit.text).get("product", []))


def given(text: str, parsed: ParsedQuestion) -> set[str]:
    """The values of the kind of fact asked that ``text`` gives ('day +2', '14 days', '12–18 months')."""
    pattern = CARRIES.get(parsed.one_fact)
    if pattern is None:
        return set()
    # A pattern may stop at a number's first digit ('day 1' of 'day 14'): each value runs to the number's end.
    return {(m.group(0) + NUMBER_REST.match(text, m.end()).group(0)).lower() for m in pattern.finditer(text)}


def schedule_items(
    lead: Unit,
    candidates: Sequence[tuple[float, Unit]],
    keys: dict[int, tuple[int | bool, ...]],
    parsed: ParsedQuestion,
    question: str,
    tie: float,
) -> list[Unit]:
    """The other sentences of the lead's passage that, as fitting and scoring within ``tie`` of it, give another
    time: the source gives a schedule item by item ("COVID-19 vaccines at 3 months", "inactivated vaccines at 6
    months", "live vaccines after 1 year" for "vaccines after CAR-T, when?"). A number is one fact however many
    sentences give it ("ICE from age 12" beside "CAPD under 12" for "min age for ICE?"). A row's items are the
    other rows of its table. Items giving a time the lead gives too are alternatives with one answer
    ("atovaquone ... for 18 months" beside "TMP-SMX ... for 18 months" for "PJP ppx, how long?")."""
    if parsed.one_fact not in ("time", "duration"):
        return []
    score = next(value for value, unit in candidates if unit is lead)
    values, times = bare_numbers(lead.text), given(lead.text, parsed)
    return [
        unit for value, unit in candidates
        if unit is not lead
        and bool(unit.cells) == bool(lead.cells)  # a table's rows, or a passage's sentences
        and value >= tie * score
        and unit.passage == lead.passage
        and keys[id(unit)] == keys[id(lead)]
        and carries(unit.text, parsed, question)
        and bare_numbers(unit.text) != values
        and not given(unit.text, parsed) & times
    ]  # fmt: skip


def schedule(
    items: Sequence[Unit], candidates: Sequence[tuple[float, Unit]], rules: ComposerRules, core: set[str]
) -> list[Statement]:
    """The items of a source's schedule in score order, another source saying the same as one of them merged
    into it as a citation; no other line: the meta-statement about the table or another drug's start day
    ("TMP-SMX from day 30") is no item of the schedule asked."""
    members, asked = {id(unit) for unit in items}, frozenset(core)
    chosen: list[tuple[set[str], Statement]] = []
    for _, unit in candidates:
        tokens = unit_tokens(unit)
        if merged_into(chosen, unit, tokens, rules, asked) or id(unit) not in members:
            continue
        chosen.append((tokens, Statement(unit.said, [unit.passage], unit.cells)))
    return [s for _, s in chosen][: rules.max_statements]


def one_fact_beside(
    lead: Statement, beside: Sequence[Statement], parsed: ParsedQuestion, passages: Sequence[Passage], core: set[str]
) -> list[Statement]:
    """Of the sentences beside a dosing table, those answering a word of a one-fact question its lead lacks; for a
    yes/no also the best of them, which says whether ("can we give a 2nd dose with ICANS?": the row says how, the
    source's caution on repeated doses says whether)."""
    covered = asked_words(lead.text, core)
    return [
        s for i, s in enumerate(beside)
        if (asked_words(s.text, core) - covered or (i == 0 and parsed.one_fact == "yes_no"))
        and carries(s.text, parsed)
        and not statement_fit(parsed, s, passages).mismatches
        and not other_product(s.text, parsed)
    ]  # fmt: skip


def names_asked_toxicity(text: str, parsed: ParsedQuestion) -> bool:
    """Whether ``text`` names a toxicity the question asks about ("grade ≥3 CRS 2.4% and ICANS 7.1%" names ICANS)."""
    return bool(set(entities(text).get("toxicity", [])) & set(parsed.toxicities))


#: Sources that report a product's rates second hand or outside its pivotal trial, and the words asking for them.
SECONDARY_SOURCES = (SINGLE_STUDY_TYPES - {"trial"}) | {"review"}
REAL_WORLD_ASKED = re.compile(r"\breal[- ](?:world|life)\b|\bregistry\b|\bcohort\b", re.IGNORECASE)

#: A point of the CAR-T course a time is given against ("before lymphodepletion", "prior to infusion").
COURSE_STEP = rf"\b(?:before|prior to|at|from)\s+(?:the\s+)?{COURSE_STEPS}\b"

#: What a statement must give to answer each kind of one fact (a yes/no is answered by any statement).
CARRIES = {
    # How many patients a study holds: "n=31", "included 43 patients", "127 of 153 enrolled", "cohort of 38 children",
    # "of the 127 patients who received"; not "3 patients received anakinra for CRS" (a part of it).
    "count": re.compile(
        r"\bn\s*[=:]\s*\d|\b(?:included|enrolled|infused|recruited|comprised)\s+\d|\b\d+ of \d+ enrolled|"
        r"\b(?:cohort|group|series|pool|set|study|trial) of \d+|\bof the \d+ patients\b|"
        r"\b\d+ (?:were )?(?:enrolled|infused)\b",
        re.IGNORECASE,
    ),
    # A duration in figures, one in words ("as soon as weeks after infusion", "within days"), or one with no end:
    # "lifelong", "indefinitely", "for life".
    "duration": re.compile(
        r"\d\s*(?:h|hours?|min(?:utes?)?|days?|weeks?|months?|years?)\b|\blifelong\b|\bindefinitely\b|\bfor life\b|"
        r"\b(?:as soon as|as early as|within|after) (?:a few |several )?(?:hours|days|weeks|months|years)\b",
        re.IGNORECASE,
    ),
    # When something starts or stops: a day, a time after something, the condition it lasts until, or a step of
    # the course ("measured before lymphodepletion").
    "time": re.compile(
        r"\bday\s*\+?\d|\d\s*(?:h|hours?|days?|weeks?|months?|years?)\b|\buntil\b|\bwhile\b|\bonce\b|"
        rf"{COURSE_STEP}",
        re.IGNORECASE,
    ),
    # How long an infusion runs: "IV over 1 h", "over 30 minutes".
    "infusion": re.compile(r"\bover \d+(?:[.,]\d+)?\s*(?:h|hours?|min(?:utes?)?)\b", re.IGNORECASE),
    # A number, but not a year ("the Lee 2025 review gives no thresholds" gives no number) nor part of a name ("CD4").
    # A figure, not a year nor the digits of an address or identifier ("ash-sap.org (view-large/12809257)").
    "number": re.compile(r"(?<![\w./])(?!(?:19|20)\d\d\b)\d"),
    "interval": re.compile(r"\bevery\b|\bdaily\b|\bq\d+|\bper (?:day|week)\b", re.IGNORECASE),
    "rate": re.compile(r"\d\s*%|\b\d+ of (?:the )?\d+\b|\b\d+/\d+\b"),
}


#: The rest of a number a pattern stopped inside of.
NUMBER_REST = re.compile(r"[\d.,]*")

#: The measure a cutoff or threshold is asked of, the word before it ("ferritin cutoff", "platelet thresholds").
MEASURED = re.compile(r"([\w-]+)\s+(?:cut-?offs?|thresholds?)\b")
#: A time given in words: how long something lasts or when it stops, without a figure, or when it starts against
#: another event ("often delayed, as CRS is resolving", "overlaps with CRS").
TIME_IN_WORDS = re.compile(
    rf"\buntil\b|\bwhile\b|\bonce\b|\bas long as\b|\blifelong\b|\bindefinitely\b|\bfor life\b|{COURSE_STEP}|"
    r"\bdelayed\b|\bresolving\b|\boverlaps?\b",
    re.IGNORECASE,
)

#: How often a drug is given ("every 6–12 h", "q12h"), which is no duration.
INTERVAL = re.compile(
    r"\bevery\s+\d+(?:[.,]\d+)?(?:\s*(?:–|-|to|or)\s*\d+(?:[.,]\d+)?)?\s*(?:h|hours?|days?|weeks?|months?)\b|\bq\d+\s*h\b",
    re.IGNORECASE,
)
#: An age ("aged ≥2 years", "2 years and older"), which is no duration or time.
AGE = re.compile(
    r"\baged?\s*[≥≤<>]?\s*\d+\s*(?:years?|months?)|\d+\s*(?:years?|months?)\s*(?:old|and older|or older|of age)",
    re.IGNORECASE,
)

#: A number asked as an age or a weight ("min age for ICE?", "at what weight ...?") is given as one: a grading
#: row's "ICE score: 0" is a number, but no age.
AGE_OR_WEIGHT_ASKED = (  # (asked in the question, given in the statement)
    (re.compile(r"\bage\b", re.IGNORECASE), re.compile(r"\d\s*(?:years?|months?|yo)\b|\bage[ds]?\b", re.IGNORECASE)),
    (re.compile(r"\bweight\b", re.IGNORECASE), re.compile(r"\d\s*kg\b", re.IGNORECASE)),
)


def carries(text: str, parsed: ParsedQuestion, question: str = "") -> bool:
    """Whether ``text`` gives the kind of fact the question asks for (an age for a number asked as an age; for a
    duration, one in figures that is no interval, or when it stops: "continued until grade 1", "tapered once
    improved")."""
    pattern = CARRIES.get(parsed.one_fact)
    if parsed.one_fact in ("duration", "time"):
        text = AGE.sub("", text)
    if parsed.one_fact == "duration":
        text = INTERVAL.sub("", text)
        return bool(pattern and pattern.search(text)) or bool(TIME_IN_WORDS.search(text))
    if pattern is not None and not pattern.search(text):
        return False
    if parsed.one_fact == "number":
        return all(given.search(text) for asked, given in AGE_OR_WEIGHT_ASKED if asked.search(question))
    return True
