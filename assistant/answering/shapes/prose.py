"""The prose shape: the best-scoring sentences and rows in order, twins merged, within the word budget.

Every other shape ends in it (the sentence beside a dosing table, an evidence line's sentences), so
the budget (``max_statements``, ``max_words``) and what counts as saying the same thing are decided here.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from assistant.answering.draft import Statement
from assistant.answering.facets import facets_of, fit
from assistant.answering.question import ParsedQuestion, named_sources
from assistant.answering.rules import ComposerRules
from assistant.answering.scoring import Scorer, describe, held_as, inflections
from assistant.answering.units import Unit, stated
from assistant.conversation import entities
from assistant.lexicon import lexicon
from assistant.passage import Passage
from assistant.retrieval.keyword import tokenize
from assistant.retrieval.synonyms import group_of, related_words
from assistant.text import bare_numbers, course_days

#: A year, as a sentence names its source ('the ASCO 2021 guideline').
YEAR = re.compile(r"(?:19|20)\d\d")

#: The cells that say what is given, how and how often: a row whose cells these are all said adds nothing.
RESTATED_CELLS = ("drug", "dose", "route", "frequency")

#: A line saying what a setting is treated with: "grade 2 ICANS without CRS is managed with supportive care", "grade 3
#: CRS is also treated with dexamethasone".
TREATED_WITH = re.compile(r"\b(?:is|are) (?:\w+ )?(?:managed|treated) with\b", re.IGNORECASE)

#: A line saying how a toxicity is graded or what a source covers ("ICAHT is graded by the depth and duration of
#: neutropenia", "the consensus covers ..."): no step.
DEFINES = re.compile(r"\b(?:is|are) (?:graded|defined|classified)\b|\bcovers\b", re.IGNORECASE)
#: ... nor one saying what the toxicity is: its name followed by "is" and no participle ("late ICAHT is hematotoxicity
#: after day +30"; not "grade 3 CRS is also treated with ...", "steroids for grade 3 ICANS are continued until ...").
TOXICITY_IS = r"\b{name}\s+(?:is|are)\s+(?!(?:\w+\s+)?\w+(?:ed|en)\b)"

#: A sentence saying which grade a patient's findings are ("... needing one vasopressor has grade 3 CRS"): a
#: criterion, as a grading row is, not what to do ("managed as grade 4" is a step, so "as" is not among these).
GRADE_CRITERION = re.compile(r"\b(?:has|is|are|means|call|called|considered)\s+grade\s*[1-5]\b", re.IGNORECASE)


def select(
    candidates: Sequence[tuple[float, Unit]],
    rules: ComposerRules,
    asked: frozenset[str] = frozenset(),
    documents: Sequence[str] = (),
) -> list[Statement]:
    """Statements from the candidates in order, twins merged, within ``max_statements`` and ``max_words``;
    ``asked`` (the question's words) says which cells of a table row answer it (``restated``); ``documents``, each
    passage's document id, lets one source's restatement of another's sentence add a source, not a line
    (``subsumed``)."""
    chosen: list[tuple[set[str], Statement]] = []
    words = 0
    for _, unit in candidates:
        if len(chosen) >= rules.max_statements:
            break
        tokens = unit_tokens(unit)
        if merged_into(chosen, unit, tokens, rules, asked) or (rules.restated_rows and restated(chosen, unit, asked)):
            continue
        if (
            rules.subsumed_sentences
            and documents
            and not unit.cells
            and subsumed(chosen, unit, tokens, asked, documents)
        ):
            words = sum(len(s.text.split()) for _, s in chosen)
            continue
        length = len(unit.text.split())
        if chosen and words + length > rules.max_words:
            continue
        chosen.append((tokens, Statement(unit.said, [unit.passage], unit.cells)))
        words += length
    return [s for _, s in chosen]


def restated(chosen: Sequence[tuple[set[str], Statement]], unit: Unit, asked: frozenset[str] = frozenset()) -> bool:
    """Whether the table row ``unit`` only restates the statements ``chosen`` together, though it is no one
    statement's twin. A dosing row does when every word and number of its drug, dose, route and frequency
    cells is stated there ("IgG every 4 weeks" and "IVIG 400-500 mg/kg at IgG ≤400 mg/dL" give all the IVIG
    row gives). A row of rates does when every number of its rates under a heading holding a word ``asked``
    is stated there: "JULIET neuro events %?" answered by its 21% and 12% sentences gains nothing from the
    trial's whole row of CRS and neurologic figures (a grading row's "Grade: 3" is no rate, and says which
    row it is). A sentence is never judged so: one word it adds ("neurologic", "non-relapse") can make it
    another fact."""
    if not unit.cells or not chosen:
        return False
    numbers = set().union(*(bare_numbers(s.text) for _, s in chosen))
    if not unit.is_dosing_row:
        answering = [value for name, value in unit.cells.items() if "%" in value and asked_words(name, asked)]
        figures = bare_numbers(" ".join(answering))
        return bool(figures) and figures <= numbers
    cells = [unit.cells.get(name, "") for name in RESTATED_CELLS]
    tokens = set(tokenize(" ".join(value for value in cells if stated(value))))
    if not tokens:
        return False
    said = set().union(*(toks for toks, _ in chosen))
    return bare_numbers(" ".join(cells)) <= numbers and tokens <= said


def subsumed(
    chosen: list[tuple[set[str], Statement]],
    unit: Unit,
    tokens: set[str],
    asked: frozenset[str],
    documents: Sequence[str],
) -> bool:
    """Whether the sentence ``unit`` restates what another document's sentences already ``chosen`` say, or the other
    way round (``says_all_of``). A chosen sentence saying all the unit says then cites it too; a unit saying all that
    two or more chosen sentences say takes the place of the first, citing their sources, and the others go. JULIET's
    primary paper gives "neurologic events in 21% ... grade 3 or 4 in 12%" in one sentence; eviQ's "neurologic
    events in 21%" and "grade 3-4 neurologic events in 12%" add a source, not lines. One document's two sentences
    are two statements: "grade 2 ICANS without CRS" and "with CRS" give the same dose."""
    document = documents[unit.passage]

    def elsewhere(statement: Statement) -> bool:
        return statement.cells is None and documents[statement.sources[0]] != document  # the text's own source

    host = next((s for _, s in chosen if elsewhere(s) and says_all_of(s.text, unit.text, asked)), None)
    if host is not None:
        if unit.passage not in host.sources:
            host.sources.append(unit.passage)
        return True
    inside = [pair for pair in chosen if elsewhere(pair[1]) and says_all_of(unit.text, pair[1].text, asked)]
    if len(inside) < 2:
        return False
    sources = list(dict.fromkeys([unit.passage, *(p for _, s in inside for p in s.sources)]))
    chosen[chosen.index(inside[0])] = (tokens, Statement(unit.said, sources, unit.cells))
    for pair in inside[1:]:
        chosen.remove(pair)
    return True


def says_all_of(text: str, other: str, asked: frozenset[str]) -> bool:
    """Whether the sentence ``text`` gives every figure of ``other`` (a number with its unit: '12%', not the '3' of
    'grade 3'; it must have one) and every question word ``other`` holds, a hyphenated word's parts included."""
    figures = bare_numbers(other)
    if all(n.isdigit() for n in figures) or not figures <= bare_numbers(text):
        return False
    return _held(other, asked) <= _held(text, asked)


def _held(text: str, asked: frozenset[str]) -> set[str]:
    """The question words ``text`` holds, itself, by a synonym, or as part of a hyphenated word ('tisa-cel-treated')."""
    tokens = set(tokenize(text, parts=True))
    return {
        word for word in asked
        if word in tokens or related_words(word) & tokens or any(t.startswith(f"{word}-") for t in tokens)
    }  # fmt: skip


def unit_tokens(unit: Unit) -> set[str]:
    """The words a unit is compared on for twins: a row's cells, or the sentence."""
    return set(tokenize(" ".join(unit.cells.values()) if unit.cells else unit.text))


def merged_into(
    chosen: Sequence[tuple[set[str], Statement]],
    unit: Unit,
    tokens: set[str],
    rules: ComposerRules,
    asked: frozenset[str] = frozenset(),
) -> bool:
    """Whether ``unit`` says the same as a statement already ``chosen`` (its words ``tokens``); if so, that
    statement now cites the unit's passage too. A unit holding a word ``asked`` that the statement lacks says
    something else, however alike the two read ("EEG is obtained from grade 2 ICANS" beside "MRI is obtained
    from grade 2 ICANS" for "gr2 ICANS w/u: MRI? EEG?")."""
    numbers = bare_numbers(unit.text)
    adds = asked_words(unit.text, asked) if rules.twins_answer_alike else set()
    twin = next(
        (
            s for toks, s in chosen
            if bare_numbers(s.text) == numbers and twins(toks, tokens, numbers, rules)
            and not adds - asked_words(s.text, asked)
        ),
        None,
    )  # fmt: skip
    if twin is not None and unit.passage not in twin.sources:
        twin.sources.append(unit.passage)
    return twin is not None


def spells_out(row: Statement, sentence: Statement, rules: ComposerRules, asked: frozenset[str]) -> bool:
    """Whether ``sentence`` only spells out the dosing ``row``: every number of it is the row's, it gives at
    least ``merge_numbers`` of them, ``merge_contained`` of its words are the row's cells' (or a synonym's),
    and it holds no word ``asked`` that the row lacks ("the Gamifant starting dose is 1 mg/kg IV over 1 hour,
    twice weekly (every 3-4 days)" beside the row giving 1 mg/kg, IV over 1 h, twice weekly, every 3-4 days
    and its escalation to 10 mg/kg). A number the row lacks ("8 mg/kg for 30 kg or more" beside the 12 mg/kg
    row) or words of its own ("pharmacist caution: in a grown patient ...") make it another fact."""
    # The year of the guideline the sentence names ("In the ASCO 2021 guideline, ...") is no number of the dose.
    numbers = bare_numbers(sentence.text)
    years = {n for n in numbers if YEAR.fullmatch(n)}
    numbers -= years
    if not row.cells or len(numbers) < rules.merge_numbers or not numbers <= bare_numbers(row.text):
        return False
    row_tokens = set(tokenize(" ".join(row.cells.values())))
    tokens = set(tokenize(sentence.text)) - years
    inside = {t for t in tokens if t in row_tokens or (related_words(t) | inflections(t)) & row_tokens}
    adds = asked_words(sentence.text, asked) - asked_words(row.text, asked)
    return not adds and len(inside) >= rules.merge_contained * len(tokens)


def asked_words(text: str, core: Collection[str]) -> set[str]:
    """The question's words that ``text`` holds, itself or by a synonym ('gamifant' in "emapalumab ...")."""
    tokens = set(tokenize(text, parts=False))
    return {word for word in core if word in tokens or related_words(word) & tokens}


def twins(a: set[str], b: set[str], values: set[str], rules: ComposerRules) -> bool:
    """Two statements with the same number ``values`` say the same when their words mostly agree, one's
    words lie within the other's, or they share several numbers and most of the shorter one's words (a
    table row and the sentence that spells it out)."""
    if not a or not b:
        return False
    shared = len(a & b)
    smaller = min(len(a), len(b))
    return (
        shared / len(a | b) >= rules.merge_similarity
        or shared / smaller >= rules.merge_contained
        or (len(values) >= rules.merge_numbers and shared / smaller >= rules.merge_with_numbers)
    )


def novel_first(candidates: list[tuple[float, Unit]], core: set[str], scorer: Scorer) -> list[tuple[float, Unit]]:
    """The candidates reordered greedily so each next one adds question words the ones before it lack.

    "ZUMA-2 vs real world?" wants one sentence on each: once ZUMA-2 is covered, a sentence matching
    only the words already covered counts ``novelty_floor`` of its score, one adding new words more.
    A drug or product named in a spelling the corpus never uses ("keppra") is held in its others ("levetiracetam"):
    literally, no sentence could add it.
    """
    members = lexicon().member_words
    spellings = {t: held_as(t, members) if t not in scorer.idf and t in scorer.spellings else frozenset() for t in core}
    matched = []
    for _, unit in candidates:
        tokens = set(tokenize(unit.text, parts=False))
        matched.append({t for t in core if t in tokens or spellings[t] & tokens})
    order: list[tuple[float, Unit]] = []
    covered: set[str] = set()
    left = list(range(len(candidates)))
    while left:
        best = max(left, key=lambda i: candidates[i][0] * scorer.novelty(matched[i], covered))
        left.remove(best)
        order.append(candidates[best])
        covered |= matched[best]
    return order


def facet_lead(
    candidates: list[tuple[float, Unit]],
    scored: Sequence[tuple[float, Unit]],
    parsed: ParsedQuestion,
    passages: Sequence[Passage],
    facet_leads: int,
    acting: bool = False,
) -> list[tuple[float, Unit]]:
    """The candidates led by the best scored units (up to ``facet_leads``) that say what to do for the setting asked.

    "gr4 CRS on 2 pressors + BiPAP, what do we do?" shares most words with the grade 4 row of the grading
    table, and "gr1 CRS tx?" with the refractory-fever step; the lead is the best unit that names the
    toxicity and the grade asked, whose facets (drug, population) contradict none of the question's, on the
    line asked (first line unless the question is on a later step; any line on the way down), and that is
    no grading row. With none, the order stays.
    """
    grade = parsed.grades[0] if len(parsed.grades) == 1 else None
    fitting: list[tuple[bool, float, Unit]] = []
    for value, unit in scored:
        if value <= 0 or grades_a_patient(unit):
            continue  # a grading row or criterion says what the grade is, not what to do
        passage = passages[unit.passage]
        facets = facets_of(unit, passage.doc_type, passage.year)
        if facets.toxicity not in parsed.toxicities or (grade is not None and grade not in facets.grades):
            continue
        placed = fit(parsed, facets)
        if not placed.mismatches and (not placed.off_line or parsed.line.improving):
            # A unit on the grade asked alone comes before one that spans grades ("grade 3 and grade 4 ...");
            # with ``acting``, one saying what to do before one saying what the toxicity is or how it is graded.
            idle = acting and defines(unit.text, parsed)
            fitting.append((grade is not None and facets.grades != {grade}, idle, value, unit))
    fitting.sort(key=lambda item: item[:2])  # stable: score order within each
    leads = [(value, unit) for _, _, value, unit in fitting[:facet_leads]]
    chosen = {id(unit) for _, unit in leads}
    return [*leads, *((v, u) for v, u in candidates if id(u) not in chosen)]


def criterion_lead(
    candidates: list[tuple[float, Unit]],
    scored: Sequence[tuple[float, Unit]],
    parsed: ParsedQuestion,
    passages: Sequence[Passage],
) -> list[tuple[float, Unit]]:
    """The candidates led by the best scored criterion of the one grade and toxicity asked (a grading table's row or
    a criterion sentence, ``grades_a_patient``), of the guideline body named if any; with none, the order stays.

    "when does CRS count as grade 4?" shares as many words with ASCO's grade 4 steps as with the ASTCT row for grade
    4; the row says what the grade is, the steps what to do at it.
    """
    if len(parsed.grades) != 1 or not parsed.toxicities:
        return candidates

    def criterion(unit: Unit) -> bool:
        passage = passages[unit.passage]
        facets = facets_of(unit, passage.doc_type, passage.year)
        return (
            grades_a_patient(unit)
            # "SITC gr2 CRS criteria?": the body named grades, not the ASTCT row.
            and (not parsed.bodies or bool(set(parsed.bodies) & named_sources(describe(passage))))
            and facets.toxicity in parsed.toxicities
            and facets.grades == set(parsed.grades)
            and not fit(parsed, facets).mismatches
        )

    criteria = [(value, unit) for value, unit in scored if value > 0 and criterion(unit)]
    if not criteria:
        return candidates
    # The grading table's row before a sentence grading one patient's findings ("a patient with fever ... has grade 3").
    value, unit = min(criteria, key=lambda scored_unit: not scored_unit[1].cells)
    return [(value, unit), *((v, u) for v, u in candidates if u is not unit)]


def defines(text: str, parsed: ParsedQuestion) -> bool:
    """Whether ``text`` says what a toxicity asked is, how it is graded or what a source covers, not what to do."""
    names = [name for toxicity in parsed.toxicities for name in group_of(toxicity)]
    return bool(DEFINES.search(text)) or any(
        re.search(TOXICITY_IS.format(name=re.escape(name)), text, re.IGNORECASE) for name in names
    )


def asks_whether_at_grade(question: str, parsed: ParsedQuestion) -> bool:
    """Whether the question asks yes or no on giving a drug at one grade of a toxicity ("should we give toci for
    grade 1 CRS?", "steroids for gr 2 CRS — yes or no?")."""
    one_grade = len(parsed.grades) == 1 and bool(parsed.toxicities) and bool(parsed.drugs)
    return one_grade and bool(lexicon().reading_patterns["one_fact.yes_no"].search(question))


def on_drug_at_grade(
    candidates: Sequence[tuple[float, Unit]], parsed: ParsedQuestion, passages: Sequence[Passage]
) -> list[tuple[float, Unit]]:
    """The candidates that say something of a drug asked at the toxicity and grade asked, contradicting nothing of
    the question: whether tocilizumab is given at grade 1 CRS is answered by each source's grade 1 condition
    (persistent fever; not with ICANS), not by the label's doses, which name no grade. No grading row: it says
    what the grade is. Each source's best unit comes first, in score order: the sources' conditions differ."""
    grade = parsed.grades[0]
    asked = lexicon().with_members(parsed.drugs)
    firsts: list[tuple[float, Unit]] = []
    rest: list[tuple[float, Unit]] = []
    documents: set[str] = set()
    for value, unit in candidates:
        passage = passages[unit.passage]
        facets = facets_of(unit, passage.doc_type, passage.year)
        if (
            facets.toxicity in parsed.toxicities
            and grade in facets.grades
            and lexicon().with_members(facets.drugs) & asked
            and not grades_a_patient(unit)
            and not fit(parsed, facets).mismatches
        ):
            (rest if passage.doc_id in documents else firsts).append((value, unit))
            documents.add(passage.doc_id)
    return [*firsts, *rest]


def grades_a_patient(unit: Unit) -> bool:
    """Whether ``unit`` says which grade findings are (a grading table's row, or a criterion sentence), not what
    to do at a grade."""
    return bool(unit.cells and not unit.is_dosing_row) or bool(GRADE_CRITERION.search(unit.text))


def fitting_first(
    candidates: list[tuple[float, Unit]], parsed: ParsedQuestion, passages: Sequence[Passage]
) -> list[tuple[float, Unit]]:
    """The candidates with those written for another patient than asked (age or weight band), or lines of another
    score than the one asked, moved behind the others, each group in its own order.

    "CAPD cut-offs in a 4 yo" is not led by an adult ICE row, nor "gr3 ICANS criteria in a 55 yo" by the
    CAPD threshold for children, nor "HScore — which threshold?" by HLH-2004's ferritin threshold. Another toxicity
    or grade is already weighed down by the score.
    """
    patient = patient_and_scales(parsed)
    flags = [for_another_patient_or_scale(unit, patient, passages) for _, unit in candidates]
    return [c for c, bad in zip(candidates, flags, strict=True) if not bad] + [
        c for c, bad in zip(candidates, flags, strict=True) if bad
    ]


#: The words of a day of the course ("day 20", "days").
DAY_WORDS = frozenset({"day", "days"})


def naming_first(
    candidates: list[tuple[float, Unit]],
    products: Collection[str],
    core: Collection[str],
    passages: Sequence[Passage],
    unheld_is_gap: bool = True,
) -> list[tuple[float, Unit]]:
    """The candidates about an asked CAR-T product (naming it in any spelling, or in a document whose title names
    it) and holding another of the question's ``core`` words moved ahead of the others, each group in its own order;
    those about it that hold no other question word are left out, as padding ("aucatzyl — REMS needed?" gains
    nothing from its CRS rates). When every candidate is about the product and none holds the question's other
    words ("carvykti how many bags?"), none is left (``unheld_is_gap``): the product's safety lines do not answer.

    "obe-cel: does the 2 week monitoring rule apply?" is led by what is said of obe-cel, not by the rule for the
    other products, nor by obe-cel's CRS rates.
    """
    products = set(products)
    rest = [word for word in core if not set(entities(word).get("product", [])) & products]

    def about(unit: Unit) -> bool:
        named = {*entities(unit.text).get("product", []), *entities(passages[unit.passage].title).get("product", [])}
        return bool(named & products)

    flags = [(about(unit), bool(asked_words(unit.text, rest))) for _, unit in candidates]
    first = [c for c, (named, asked) in zip(candidates, flags, strict=True) if named and asked]
    others = [c for c, (named, asked) in zip(candidates, flags, strict=True) if not named]
    return [*first, *others] or ([] if rest and unheld_is_gap else candidates)


def course_words(question: str) -> frozenset[str]:
    """The words naming a day of the patient's course when the question names one ("day 20 after carvykti, IgG 300 —
    IVIG?"; its number is no question word at all, ``Asked.core``): they say when, not what is asked, so a product's
    line sharing only them ("CRS onset ... on day 4") is not what is said of the product on the question's subject."""
    return DAY_WORDS if course_days(question) else frozenset()


def patient_and_scales(parsed: ParsedQuestion) -> ParsedQuestion:
    """The question's patient (age and weight band) and the scores it names, alone, for
    ``for_another_patient_or_scale``: built once per answer."""
    return ParsedQuestion(population=parsed.population, scales=parsed.scales)


def for_another_patient_or_scale(unit: Unit, patient: ParsedQuestion, passages: Sequence[Passage]) -> bool:
    """Whether ``unit`` is written for another age or weight band than ``patient`` (``patient_and_scales``), or is a
    line of another score or criteria set than it names (an HLH-2004 criterion for an HScore question)."""
    passage = passages[unit.passage]
    return fit(patient, facets_of(unit, passage.doc_type, passage.year)).mismatches > 0


#: The section of a document saying where it comes from ("Source of the FICM educational pages", "ZUMA-1
#: publication", "How the EHA/EBMT ICAHT consensus was developed").
PROVENANCE = re.compile(
    r"^source of\b|^source and\b|^methods of\b|\bsources?\s*$|\bpublication\s*$|\bwas developed\b", re.IGNORECASE
)

#: A line that only says where content is ("the UF Health guide has a management row for grade 4 CRS", "FICM
#: publishes pages", "the detailed recommendations are in the separate documents on ..."): in a management answer, no
#: step. Not "covers": a boxed warning covers a toxicity.
POINTER = re.compile(
    r"\b(?:has|have|includes?) an? (?:[\w-]+ ){0,3}(?:row|table|section|page)s?\b|\bpublishes\b"
    r"|\b(?:is|are) in (?:the )?(?:separate|other|companion) documents?\b",
    re.I,
)


def says_where_from(statement: Statement, passages: Sequence[Passage]) -> bool:
    """Whether a statement only says where content comes from or where it is: every passage it cites is from a
    provenance section ("Source of the Manghisi 2025 case report"), or it says only where content is."""
    sections = [passages[n].section for n in statement.sources]
    return all(PROVENANCE.search(section) for section in sections) or bool(POINTER.search(statement.text))


def where_from(unit: Unit, passages: Sequence[Passage]) -> bool:
    """``says_where_from`` for a unit not yet quoted: its own passage's section, or its text."""
    return says_where_from(Statement(unit.text, [unit.passage]), passages)
