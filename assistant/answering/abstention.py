"""When the sources cannot answer, and how an answer says what they lack.

Never inventing comes first: Carta abstains when the best passages cover too little of the question,
when a dose is asked in a unit or for a drug no passage gives, and when a dose answer would speak of no
dose. When a source declares the asked fact absent (its ``not_captured`` topics), that declaration leads, and
a gap line ("Carta's sources do not give a methylprednisolone dose for grade 4 ICANS") is worded here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from math import fsum

from assistant.answering.declared import Absence, Topic, asks_of, declarations, declared_absence, kinds_of, subject
from assistant.answering.draft import Draft, Statement, related
from assistant.answering.facets import facets_of, fit, other_product, statement_facets, statement_fit
from assistant.answering.question import (
    CLAUSE_BREAK,
    HAPPENS,
    Asked,
    Intent,
    ParsedQuestion,
    grades_in,
    names_product_or_trial,
)
from assistant.answering.rules import ComposerRules
from assistant.answering.scoring import CORPUS_NOTE, GIVES_RATE, Scorer, held_as, inflection_of_known
from assistant.answering.shapes.prose import asked_words, course_words
from assistant.answering.units import Unit
from assistant.conversation import entities, present
from assistant.documents import LOCAL_COLLECTION
from assistant.lexicon import lexicon
from assistant.passage import Passage
from assistant.retrieval.keyword import tokenize
from assistant.retrieval.synonyms import normalize, synonym_vocabulary
from assistant.text import ASKED_UNIT, CELL_DOSE, CELLS_ASKED, DOSE_TALK, RISK_TALK, bare_numbers

#: Why a request for more abstains: every unit the search found was already in an earlier answer.
ALL_SHOWN = "everything the search found for this question was already shown"
#: A sentence that says what a source lacks or rules out ("is not a grade 4 regimen", "holds no verified regimen",
#: "was not captured") never counts as another source's answer to a declared-absent topic; "if the maximum dose
#: has not been reached" is a condition of an answer, not a gap.
NEGATION = re.compile(
    r"\bnot (?:an?|the|captured|given|included|verified|stated|recorded|confirmed|reported|available)\b"
    r"|\bno\b|\bnever\b",
    re.IGNORECASE,
)
#: The kind of fact (``declared.ASK_KINDS``) another source may give in place of one source's declared gap.
TREATMENT = "treatment"
#: How a CAR-T product's short name ends ("axi-cel", "cilta-cel"): one no document uses is a product Carta lacks.
PRODUCT_SUFFIX = "-cel"
#: The words naming the field itself: every source is about CAR-T, so a passage not repeating "CAR-T" shares it all
#: the same ("ferritin over 10,000 after CAR-T?" and the CARTOX carHLH line).
FIELD_WORDS = frozenset({"car-t", "car-ts", "cart", "car19"})
#: What the answer's first line says when a question asks how to treat and the sources give only prevention.
ONLY_PROPHYLAXIS = "a treatment for what is asked, only prophylaxis"
#: How a gap names the route asked: "an oral dexamethasone dose for ICANS".
ROUTE_WORDS = {"intravenous": "IV", "oral": "oral", "subcutaneous": "subcutaneous"}
#: A line saying what a product is approved or indicated for: "the FDA approved Aucatzyl (...) for adults
#: with ...", "the Actemra approval for CAR-T-induced CRS"; not "the other approved CAR-T products" nor "the FDA
#: approval summary for Carvykti", nor "(indication not captured)".
INDICATION_TALK = re.compile(
    r"\bapproved\b[^.;]{0,80}?\bfor\b|\bapproval for\b|\bindicat(?:ed|ions?)\b(?! (?:was |were )?not\b)", re.IGNORECASE
)
#: What the answer's first line says when a question asks for the hospital's own protocol and none is indexed.
NO_LOCAL = "your hospital's own protocol: no local document is indexed (add one with `carta ingest PATH`)"


def cannot_answer(
    question: str, asked: Asked, passages: Sequence[Passage], scored: list[tuple[float, Unit]], scorer: Scorer
) -> str | None:
    """Why the passages cannot answer the question (Carta then abstains), or None."""
    rules = scorer.rules
    best_score, best = scored[0]
    core = set(asked.core)
    if unknown := unknown_study(question, scorer):
        return unknown
    if rules.condition_gap and (unnamed := unnamed_condition(question, passages, [u for _, u in scored])):
        return unnamed
    if rules.risk_gap and (unknown := unknown_risk(asked, scored, passages)):
        return unknown
    if rules.rate_gap and (unknown := unknown_rate(question, asked, scored, passages, scorer)):
        return unknown
    if rules.indication_gap and (unknown := unknown_indication(question, scored, passages)):
        return unknown
    if best_score <= 0:
        return "the best passage covers too little of the question"
    # The best-scoring unit may match the question's common words while a close runner-up holds its rare
    # ones ("G4 CRS, 2 pressors, on bipap - mgmt?": ASCO's grade 4 line, then the ASTCT grade 4 row).
    close = [u for value, u in scored[: rules.coverage_candidates] if value >= rules.relative_cutoff * best_score]
    best = max(close, key=lambda u: scorer.coverage(u, passages[u.passage], core))
    known, found = scorer.matched(best, passages[best.passage], core)
    found |= known & FIELD_WORDS  # every source speaks of CAR-T, whether or not this line repeats it
    # Only words of the subject are asked to match: "how many pts were in ZUMA-2?" has one ('zuma-2'), as the
    # words of the kind of fact asked ('many', 'pts') are no subject a passage must name; nor are the words asking
    # what a study found ("ZUMA-2 results?"), nor the day of the course a finding is on ("day 7, ferritin 15k — what
    # does that mean?" asks about ferritin).
    if len(found) < min(rules.min_matched_words, len(known - asked.asking - course_words(question))):
        # "outpt CAP empiric abx for a healthy 40 yo?" meets the corpus in 'empiric' alone.
        return "the best passage shares only one word with the question"
    return unknown_dose(question, asked, scored, scorer)


def unknown_risk(asked: Asked, scored: list[tuple[float, Unit]], passages: Sequence[Passage]) -> str | None:
    """Why a question asking who is at risk of a toxicity cannot be answered, or None: no line found speaks of
    that toxicity's risk ("risk factors for severe CRS?"; the seizure-prophylaxis table's risk factors are not CRS's).
    """
    if not (asked.risk and asked.toxicities):
        return None
    if found_line(
        scored,
        passages,
        lambda _, text: bool(RISK_TALK.search(text) and {*present(text).get("toxicity", [])} & asked.toxicities),
    ):
        return None
    return f"no passage says who is at risk of {', '.join(sorted(t.upper() for t in asked.toxicities))}"


def unknown_rate(
    question: str, asked: Asked, scored: list[tuple[float, Unit]], passages: Sequence[Passage], scorer: Scorer
) -> str | None:
    """Why a question asking how often something occurs cannot be answered, or None: no line found gives a rate and
    names any of what is asked ("GBS rate with cilta-cel?" is not answered by cilta-cel's CRS rate). What is asked is
    the question's subject words besides the products and trials it names and the words saying what kind of fact is
    asked."""
    # "how often does GBS happen?" asks a rate too: how often an event happens, not a dosing interval.
    occurs = lexicon().reading_patterns["occurrence"].search(question) or HAPPENS.search(question)
    if not (asked.wants_rate and occurs) or asked.intent is Intent.DOSING:
        return None
    named = {t for t in tokenize(question, parts=False) if names_product_or_trial(t)}
    # ... whose 'happen' says that it occurs, as every rate line does ("grade ≥3 CRS occurred in 5%").
    occur = set(lexicon().group_of("occur"))
    subject = scorer.weights(asked.core - asked.asking - FIELD_WORDS - named - occur)
    if not subject:
        return None
    members = lexicon().member_words
    spellings = {held for word in subject for held in {word, *held_as(word, members)}}
    if found_line(
        scored,
        passages,
        lambda unit, text: bool(GIVES_RATE.search(unit.text) and spellings & {*tokenize(text, parts=False)}),
    ):
        return None
    rarest = max(subject, key=lambda word: (subject[word], word))  # ties: by spelling
    typed = re.search(rf"{re.escape(rarest)}\w*", question, re.IGNORECASE)
    return f"no passage gives how often {typed.group(0) if typed else rarest} occurs"


def unknown_indication(question: str, scored: list[tuple[float, Unit]], passages: Sequence[Passage]) -> str | None:
    """Why a question asking what a CAR-T product is approved or indicated for cannot be answered, or None: no line
    found says what it is approved or indicated for ("what's kymriah indicated for?" is not answered by the Kymriah
    REMS removal, nor by its label's management table). Not a drug: "is toci indicated yet?" asks whether to give
    it."""
    subjects = set(entities(question).get("product", []))
    if not (subjects and lexicon().reading_patterns["indication"].search(question)):
        return None

    def states_indication(unit: Unit, text: str) -> bool:
        named = entities(unit.text).get("product", [])  # the line itself, not only its section, names it
        return bool(INDICATION_TALK.search(text) and subjects & set(named))

    if found_line(scored, passages, states_indication):
        return None
    return f"no passage says what {', '.join(sorted(subjects))} is approved or indicated for"


def found_line(
    scored: list[tuple[float, Unit]], passages: Sequence[Passage], holds: Callable[[Unit, str], bool]
) -> bool:
    """Whether a line the search found (scoring above zero) ``holds``, given the line and its text with its heading."""
    return any(value > 0 and holds(unit, f"{unit.text} {passages[unit.passage].section}") for value, unit in scored)


def unnamed_condition(question: str, passages: Sequence[Passage], lines: Sequence[Unit]) -> str | None:
    """Why a patient condition or indication the question names (the lexicon's ``condition`` groups) is not spoken
    of, or None: no passage names it, or, when the question names drugs, no line names it with one of them.

    "toci dose adjust for renal failure?" is not answered by the usual dose: the sources say nothing of renal failure;
    "cy dose for lymphodepletion?" is not answered by the antiviral rows that start at lymphodepletion.
    """
    named = lexicon().named_conditions
    asked = named(normalize(question))
    held = {condition for p in passages for condition in named(normalize(p.text))}
    if unnamed := next((condition for condition in asked if condition not in held), None):
        return f"no source found speaks of {unnamed}"
    drugs = lexicon().with_members(entities(question).get("drug", []))
    if not (asked and drugs):
        return None
    beside = {
        condition
        for line in lines
        if drugs & set(entities(line.text).get("drug", []))
        for condition in named(normalize(line.text))
    }
    if unnamed := next((condition for condition in asked if condition not in beside), None):
        return f"no line found gives {', '.join(sorted(drugs))} in {unnamed}"
    return None


def local_first(draft: Draft, parsed: ParsedQuestion, passages: Sequence[Passage], rules: ComposerRules) -> Draft:
    """A question asking for the hospital's own protocol ("per our SOP") with no local document among the
    passages: the first line says so, and what the other sources say follows labelled related. With nothing
    related found, the first line still says what is missing instead of a bare abstention."""
    if not (rules.local_gap and parsed.local_only) or draft.reason == ALL_SHOWN:
        return draft
    if any(p.collection == LOCAL_COLLECTION for p in passages):
        return draft
    if draft.abstained:
        return Draft(gap=NO_LOCAL)
    statements = [replace(s, label=s.label or "Related") for s in draft.statements]
    return replace(draft, statements=statements, gap=draft.gap or NO_LOCAL)


def treatment_first(draft: Draft, parsed: ParsedQuestion, passages: Sequence[Passage], rules: ComposerRules) -> Draft:
    """A question asking how to treat ("how do we treat HSV after car-t?") answered in sentences: lines giving a drug
    as prophylaxis do not answer it. Without them the others answer ("CMV reactivation — treat?": the CMV monitoring
    line, not the HBV prophylaxis rows); with nothing else, the first line says the sources give only prophylaxis
    and those lines follow labelled related. A dose answer says so in its own shape (``dosing.py``)."""
    if not (rules.treatment_gap and parsed.line.treating and not parsed.line.prophylaxis):
        return draft
    if draft.abstained or draft.table or draft.gap or not draft.statements:
        return draft
    preventing = [s for s in draft.statements if statement_facets(s, passages).use == "prophylaxis"]
    if not preventing:
        return draft
    treating = [s for s in draft.statements if s not in preventing]
    if treating:
        return replace(draft, statements=treating)
    return replace(draft, statements=related(preventing), gap=ONLY_PROPHYLAXIS)


def route_first(draft: Draft, parsed: ParsedQuestion, passages: Sequence[Passage], rules: ComposerRules) -> Draft:
    """A question asking a drug by one route ("toci subq ok?") answered in sentences: when no line gives the drug
    by that route and some give it by another, the first line says the sources do not give it so, and those lines
    follow labelled related. A dose answer says so in its own shape (the route is a facet of its rows)."""
    route = parsed.line.route
    if not (rules.route_gap and route and parsed.drugs) or draft.abstained or draft.table or draft.gap:
        return draft
    routes = [statement_facets(s, passages).routes for s in draft.statements]
    if any(route in given for given in routes) or not any(routes):
        return draft
    setting = f" for {parsed.toxicities[0].upper()}" if parsed.toxicities else ""
    gap = f"{ROUTE_WORDS[route]} {parsed.drugs[0]}{setting}"
    return replace(draft, statements=related(draft.statements), gap=gap)


def product_first(draft: Draft, parsed: ParsedQuestion, rules: ComposerRules) -> Draft:
    """A question naming a CAR-T product answered in sentences: a line on another product only ("bridging therapy
    before yescarta?" and cilta-cel's enhanced bridging) follows the others, labelled related; with nothing else,
    the first line says the sources do not give this for the product asked. A line naming no product, or the one
    asked among others, answers as it is."""
    if not (rules.other_product_related and parsed.products) or draft.abstained or draft.table or draft.gap:
        return draft
    other = [s for s in draft.statements if other_product(s.text, parsed)]
    if not other:
        return draft
    own = [s for s in draft.statements if not other_product(s.text, parsed)]
    gap = "" if own else f"this for {', '.join(parsed.products)}"
    return replace(draft, statements=[*own, *related(other)], gap=gap)


def unknown_asked(
    question: str, asked: Asked, scored: list[tuple[float, Unit]], passages: Sequence[Passage], scorer: Scorer
) -> str | None:
    """Why the question asks about what no passage can give (a trial or product, a dose, a product's indication:
    ``unknown_study``, ``unknown_dose``, ``unknown_indication``), or None; no source's declared absence answers such
    a question either ("what's kymriah indicated for?" is not the label's missing methylprednisolone dose)."""
    return (
        unknown_study(question, scorer)
        or unknown_dose(question, asked, scored, scorer)
        or (unknown_indication(question, scored, passages) if scorer.rules.indication_gap else None)
    )


def unknown_study(question: str, scorer: Scorer) -> str | None:
    """Why the question cannot be answered when it names a trial or CAR-T product no indexed document mentions
    (``rules.unknown_studies``), or None.

    A trial is a name of the lexicon's ``trials``, alone or numbered ("ZUMA-7" where only ZUMA-1, -2, -3 and -5
    are indexed; "ELARA"); a product is a short name ending in ``PRODUCT_SUFFIX`` ("anito-cel"). Another trial's
    or product's figures must not stand in for it.
    """
    if not scorer.rules.unknown_studies:
        return None
    trials = lexicon().trials
    for token in tokenize(question, parts=False):
        family, _, number = token.partition("-")
        named = family in trials and (not number or number.isdigit())
        if (named or token.endswith(PRODUCT_SUFFIX)) and token not in scorer.idf and token not in synonym_vocabulary():
            typed = re.search(re.escape(token), question, re.IGNORECASE)
            return f"no indexed document reports {typed.group(0) if typed else token}"
    return None


def unknown_dose(question: str, asked: Asked, scored: list[tuple[float, Unit]], scorer: Scorer) -> str | None:
    """Why a dose question asks for what no passage can give (a dose in a unit no passage uses, or for a drug
    Carta does not know), or None; no declared absence answers such a question either."""
    if asked.intent is not Intent.DOSING:
        return None
    asked_unit = ASKED_UNIT.search(question)
    if asked_unit and not any(asked_unit.group(1).lower() in u.text.lower() for value, u in scored if value > 0):
        return f"no passage gives a dose in {asked_unit.group(1)}"
    # "carvykti dose range, CAR+ cells/kg?" is not answered by anakinra's mg/kg rows nor by Carvykti's rates.
    cells = scorer.rules.cell_doses and asked.product_dose and bool(CELLS_ASKED.search(question))
    if cells and not any(CELL_DOSE.search(u.text) for value, u in scored if value > 0):
        return f"no passage gives a cell dose for {', '.join(sorted(asked.products))}"
    if not entities(question).get("drug") and not asked.product_dose:
        # A dose for a drug Carta does not know must not be answered with another drug's rows; a dose question
        # naming a CAR-T product and no drug asks the product's own dose ("breyanzi — which dose level was taken
        # forward?" names no drug 'forward').
        # Phrases the lexicon reads as what is asked or where the patient is ("no better after") are no drug.
        text = question
        for pattern in lexicon().reading_patterns_under("asks", "line").values():
            text = pattern.sub(" ", text)
        # "when do we replace IgG?": a form of an indexed word ("replacing") is no drug's name either.
        shortest, known = scorer.rules.min_foreign_drug_length, set(scorer.idf) | synonym_vocabulary()
        foreign = [
            t for t in tokenize(text, parts=False)
            if t.isalpha() and len(t) >= shortest and t not in known and not inflection_of_known(t, known)
        ]  # fmt: skip
        if foreign:
            return f"no indexed document gives a dose for '{foreign[0]}'"
    return None


def unspoken_dose(
    statements: list[Statement], parsed: ParsedQuestion, passages: Sequence[Passage], rules: ComposerRules
) -> Draft | None:
    """An answer to a dose question with no dosing row must at least speak of a dose; None when it does.

    A drug and toxicity the corpus knows get "Carta's sources do not give ..." and what fits, as
    related; otherwise Carta abstains.
    """
    if any(DOSE_TALK.search(s.text) or CELL_DOSE.search(s.text) for s in statements):
        return None
    if not (rules.say_gaps and parsed.drugs and parsed.toxicities):
        return Draft(abstained=True, reason="no passage gives the dose asked for")
    fitting = [s for s in statements if not statement_fit(parsed, s, passages).mismatches and not bare_numbers(s.text)]
    return Draft(statements=related(fitting[:2]), gap=gap_of(parsed, {}))


def absence_first(
    draft: Draft,
    asked: Asked,
    parsed: ParsedQuestion,
    passages: Sequence[Passage],
    scored: list[tuple[float, Unit]],
    scorer: Scorer,
) -> Draft:
    """The draft led by a source's declaration that what was asked is absent, when it asked for one.

    "IEC-HS dx criteria?" must first read that the Hines IEC-HS criteria were not included, not the
    HLH-2004 criteria as if they answered it; the draft's statements that contradict none of the question's
    facets keep their place after it, labelled related (an absence must not push out what does answer,
    "early ICAHT is days 0-30" under the missing ANC thresholds), and only the dosing rows that fit. The
    topic is one a document declares absent (``not_captured``), read as a question would be (``declared.py``).
    A dose answer whose first row fits the setting asked (grade, toxicity, study part) already answers, and
    keeps its shape; so does a draft whose passages hold another source's answer (``answered_elsewhere``), where
    the declaration, if quoted, comes last.
    """
    answered = draft.table and not draft.gap and not asked.about_another(draft.table[0].text)
    if draft.abstained or answered:
        return draft
    declared = declarations([u for _, u in scored], passages)
    absence = asked_absence(asked, parsed, declared, passages, scorer)
    if absence is None and scorer.rules.narrower_absence_last:
        # "what's in the UF Health CRS pathway?" is not led by its missing grade 4 regimen, a narrower topic.
        # A sentence declaring several topics keeps its place if one of them is not narrower ("the CAPD items and
        # points ...; the score range for grades 1 and 2 ..." for "CAPD items + scoring?").
        narrow = {topic: Topic.read(topic).narrower_than(parsed) for topic, _ in declared}
        narrower = {u.text for t, u in declared if narrow[t]} - {u.text for t, u in declared if not narrow[t]}
        return replace(draft, statements=sorted(draft.statements, key=lambda s: s.text in narrower))  # stable
    if absence is None or led_by(draft, absence):
        return draft
    if scorer.rules.absence_elsewhere and answered_elsewhere(absence, asked, parsed, passages, scored, scorer):
        # What another source gives leads; the declaration, if the draft quotes it, follows.
        gap = [s for s in draft.statements if s.text == absence.unit.text]
        return replace(draft, statements=[*(s for s in draft.statements if s.text != absence.unit.text), *gap])
    lead = Statement(absence.unit.text, [absence.unit.passage])
    fitting = [
        s for s in draft.statements
        if s.text != lead.text and not statement_fit(parsed, s, passages).mismatches and not s.label
    ]  # fmt: skip
    if scorer.rules.related_on_subject:
        # "CAPD items and points?" told the CAPD items are missing gains nothing from the ICE's points.
        about = set(subject(scorer.weights(asked.core - asked.asking)))
        fitting = [s for s in fitting if asked_words(s.text, about)] if about else fitting
    rows = [row for row in draft.table if not statement_fit(parsed, row, passages).mismatches]
    rows = [row for row in rows if not asked.about_another(row.text)]
    return replace(draft, statements=[lead, *related(fitting)[: scorer.rules.max_statements - 1]], table=rows)


def led_by(draft: Draft, absence: Absence) -> bool:
    """Whether the draft already leads with the declaration and labels the rest related (a named study whose results
    were not captured, ``unreported_results``): it keeps what it says of the study."""
    lead, *rest = draft.statements or [None]
    return lead is not None and lead.text == absence.unit.text and all(s.label == "Related" for s in rest)


def answered_elsewhere(
    absence: Absence,
    asked: Asked,
    parsed: ParsedQuestion,
    passages: Sequence[Passage],
    scored: list[tuple[float, Unit]],
    scorer: Scorer,
) -> bool:
    """Whether a retrieved unit of another document than the one declaring ``absence`` gives a treatment for the
    setting asked: one source's missing regimen is not the corpus's ("How is grade 4 CRS managed?": UF Health
    lacks its grade 4 regimen, ASCO gives one). The unit is about the toxicity and grade asked with no facet
    against the question, holds as much of the question's subject as the declared topic does, and says what a
    source gives, not what it lacks (``NEGATION``). Only a treatment is answered so: criteria and grading scales
    belong to their source ("IEC-HS criteria" are not answered by HLH-2004's). A question
    naming a guideline body or trial asks that source: its gap leads."""
    if parsed.bodies or asked.trials or not parsed.toxicities or TREATMENT not in kinds_of(parsed):
        return False
    declaring = passages[absence.unit.passage].doc_id
    weights = subject(scorer.weights(asked.core))
    total = fsum(weights.values())
    for value, unit in scored:
        passage = passages[unit.passage]
        if value <= 0 or passage.doc_id == declaring or NEGATION.search(unit.text) or CORPUS_NOTE.search(unit.text):
            continue
        facets = facets_of(unit, passage.doc_type, passage.year)
        if facets.toxicity not in parsed.toxicities or fit(parsed, facets).mismatches:
            continue
        if len(parsed.grades) == 1 and parsed.grades[0] not in facets.grades:
            continue
        if len(parsed.grades) == 1 and not unit.is_dosing_row and not names_setting(unit.text, parsed):
            continue  # "... grade 1 ICANS with CRS; the grade 4 CRS recommendations ..." gives no grade 4 ICANS step
        if TREATMENT not in asks_of(unit.text):
            continue
        _, found = scorer.matched(unit, passage, set(weights))
        if total and fsum(weights[w] for w in found) / total >= absence.coverage:
            return True
    return False


def names_setting(text: str, parsed: ParsedQuestion) -> bool:
    """Whether one clause of ``text`` names the toxicity asked at the grade asked (the question names one grade)."""
    return any(
        set(parsed.toxicities) & set(entities(clause).get("toxicity", []))
        and parsed.grades[0] in {int(g) for g in grades_in(clause, targets=False)}
        for clause in CLAUSE_BREAK.split(text)
    )


def asked_absence(
    asked: Asked,
    parsed: ParsedQuestion,
    declared: Sequence[tuple[str, Unit]],
    passages: Sequence[Passage],
    scorer: Scorer,
) -> Absence | None:
    """The declared-absent topic (of ``declared``, the ``declarations`` of ``passages``) the question asks for,
    with the sentence that declares it; None for a question with a word Carta does not know ("ipi/nivo
    pneumonitis steroid dose?" asks for nothing a CAR-T source lacks)."""
    if scorer.unknown(asked.core):
        return None
    # "how many days" says what kind of fact is asked (matched by the topic's kinds), not what it is about.
    weights = scorer.weights(asked.core - asked.asking)
    return declared_absence(parsed, weights, asked.trials, declared, passages, scorer.rules)


def gap_of(parsed: ParsedQuestion, row: Mapping[str, str]) -> str:
    """What the sources do not give, in the question's own terms: 'a methylprednisolone dose for grade 4 ICANS'."""
    drug = row.get("drug", "") or (parsed.drugs[0] if parsed.drugs else "")
    setting = " ".join([*(f"grade {g}" for g in parsed.grades[:1]), *(t.upper() for t in parsed.toxicities[:1])])
    band = parsed.population.weight_band or parsed.population.age_band or ""
    who = f" in {'patients ' if 'kg' in band else ''}{band}{' patients' if band in ('adult', 'pediatric') else ''}"
    route = ROUTE_WORDS.get(parsed.line.route or "", "")
    named = f"{route} {drug}".strip()
    article = "an" if named[:1].lower() in "aeiou" else "a"
    setting = setting or ("treatment" if parsed.line.treating else "the setting asked")
    return f"{article} {named} dose for {setting}{who if band else ''}".replace("  ", " ")
