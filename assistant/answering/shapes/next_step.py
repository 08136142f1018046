"""The next-step shape: the following step of a source's ladder, not the step the patient is on.

"Grade 2 CRS still hypotensive after 2 doses of toci, next step?" is answered with a refractory row
of the same toxicity at the grade reached, or the first step of a higher grade (a grade 2 that does
not improve is managed as grade 3), from the body the question names first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from assistant.answering.draft import Draft, Statement
from assistant.answering.facets import Facets, facets_of, fit, statement_fit
from assistant.answering.question import Intent, ParsedQuestion, grades_in, named_sources
from assistant.answering.scoring import Scorer, describe
from assistant.answering.shapes.dosing import beside_table, lead_for
from assistant.answering.units import Unit, stated
from assistant.conversation import entities
from assistant.lexicon import lexicon
from assistant.passage import Passage
from assistant.retrieval.keyword import tokenize
from assistant.text import bare_numbers


class Rung(NamedTuple):
    """A treatment a step's setting can say was given before it ("after fluids and anti-IL-6 therapy")."""

    named: re.Pattern[str]  # how a setting names it
    drugs: frozenset[str]  # the lexicon's drugs that give it
    words: re.Pattern[str]  # other words saying it was given


#: The rungs of a ladder, lowest first: a step needing a rung not yet climbed is not the next one ("bolus given, still
#: hypotensive" is answered by CARTOX's second bolus and tocilizumab, not by its dexamethasone for hypotension
#: persisting after both), and a rung said climbed implies those below it (two doses of toci came after fluids).
ANTI_IL6 = re.compile(r"\banti-il-?6\b", re.I)
RUNGS = (
    Rung(re.compile(r"\bfluids?\b", re.I), frozenset(), re.compile(r"\b(?:fluids?|bolus\w*|ns|saline|ivf)\b", re.I)),
    Rung(ANTI_IL6, frozenset({"tocilizumab", "siltuximab"}), ANTI_IL6),
)
AFTER = re.compile(r"\b(?:after|despite|refractory to)\b(.*)", re.I)


def climbed(said: str, drugs: set[str]) -> int:
    """The highest rung ``said`` (the question and the answers before it, naming ``drugs``) says was climbed; -1 for
    none."""
    return max((n for n, rung in enumerate(RUNGS) if rung.drugs & drugs or rung.words.search(said)), default=-1)


def skips_a_rung(setting: str, top: int) -> bool:
    """Whether a step's setting names a rung above ``top`` (``climbed``) as given before it: "after fluids and
    anti-IL-6 therapy" when only a bolus was given."""
    before = AFTER.search(setting)
    return bool(before) and any(rung.named.search(before.group(1)) for rung in RUNGS[top + 1 :])


def next_step(
    question: str,
    parsed: ParsedQuestion,
    given: Sequence[str],
    passages: Sequence[Passage],
    scored: list[tuple[float, Unit]],
    scorer: Scorer,
) -> Draft | None:
    """The next step of the ladder: dosing rows for a refractory setting of the toxicity asked at the
    grade reached, or for a higher grade, best fitting first (from the body the question names, if any,
    then from the source of the step the conversation is on); None when there is none.

    The step the conversation is on is left out: a row of a drug the question or the last answer names
    whose dose they state too ("still not improving on the methylpred 500 q12"); a higher dose of the
    same drug is a step up. A ladder that names no toxicity ("NCSE") is that step's setting. With no
    dosing row on the ladder, its next step is the source's sentence on the refractory setting
    ("if carHLH does not improve within 48 h, etoposide may be considered").
    """
    said = " ".join([question, *given])
    said_values, on = bare_numbers(said), set(entities(said).get("drug", []))
    top = climbed(said, on)
    bodies, products = set(parsed.bodies), set(parsed.products)
    # The ladder climbs from the grade asked, or from the grade of the step the last answer gave.
    reached = [int(g) for g in grades_in(given[-1], targets=False)] if given else []
    asked_grade = parsed.grades[0] if len(parsed.grades) == 1 else None
    grade = max([*reached, *([asked_grade] if asked_grade else [])], default=None)
    # The grade is checked here (higher ones climb), and the next step may be another drug.
    ladder = parsed.model_copy(update={"grades": [], "drugs": []})
    current = _current_step(given, said_values, scored, passages)
    setting = _setting_words(current) if current is not None and not parsed.toxicities else frozenset()
    if not parsed.toxicities and not setting:
        return None
    source = passages[current.passage].doc_id if current is not None else None
    # "steroids if no better 24 h after toci": the drug the question asks to give (or a member of its class)
    # is the step wanted; another drug's row follows it.
    wanted = lexicon().with_members(parsed.drugs)
    given_drugs = lexicon().with_members(on)
    untried_first = scorer.rules.same_grade_untried
    steps: list[tuple[tuple[bool, bool, bool, bool, bool, int, bool, int, int, bool, int], Statement]] = []
    seen: set[tuple[str, ...]] = set()
    for value, unit in scored:
        if not unit.is_dosing_row or value <= 0 or unit.cells is None or not stated(unit.cells.get("dose")):
            continue
        passage = passages[unit.passage]
        facets = facets_of(unit, passage.doc_type, passage.year)
        placed = fit(ladder, facets)
        if parsed.toxicities and facets.toxicity not in parsed.toxicities:
            continue  # a ladder is one toxicity's: a row naming no toxicity is no step of it
        if setting and not setting <= _setting_words(unit):
            continue  # a ladder named by its setting ("non-convulsive status epilepticus") stays in it
        if grade is not None and facets.grades and min(facets.grades) < grade:
            continue
        climb = min(facets.grades) - grade if grade is not None and facets.grades else 0
        key = tuple(unit.cells.values())
        dose = bare_numbers(unit.cells.get("dose", ""))
        now = bool(dose) and dose <= said_values and (not facets.drugs or bool(facets.drugs & on))
        untried = untried_first and _untried_at_grade(facets, grade, given_drugs, top)
        if not (facets.refractory or climb > 0 or untried) or now or placed.mismatches or key in seen:
            continue
        seen.add(key)
        # "Kymriah label: what next ...?": the named body's or product's own ladder first.
        source_named = describe(passage)
        named = (not bodies or bool(bodies & named_sources(source_named))) and (
            not products or bool(products & set(entities(source_named).get("product", [])))
        )
        steps.append(
            (
                # On a higher grade the ladder starts at that grade's first step, not its refractory one.
                (
                    not named,
                    skips_a_rung(unit.cells.get("setting", ""), top),
                    not dose,  # a row whose dose was not captured follows those giving one, unless its source is named
                    bool(wanted) and not facets.drugs & wanted,
                    passage.doc_id != source if source else False,
                    placed.mismatches,
                    placed.narrow,  # a row for children only follows when the question names no patient
                    # At the grade reached: the step after what was given, then the rest of the grade's regimen,
                    # then its other refractory steps; a higher grade's first step after those.
                    _same_grade_order(unit, facets, given_drugs, top) if climb == 0 and untried_first else 2,
                    climb,
                    facets.refractory if climb else placed.off_line,
                    -placed.matches,
                ),
                Statement(unit.said, [unit.passage], unit.cells),
            )
        )
    any_drug = parsed.model_copy(update={"drugs": []})
    said_next = _refractory_sentences(any_drug, scored, passages, source, setting)
    steps.sort(key=lambda pair: pair[0])  # stable: score order within equal fits
    next_rung = [s for s in said_next if not skips_a_rung(s.text, top)]
    lead = steps[0][1] if steps else None
    if lead is not None and skips_a_rung((lead.cells or {}).get("setting", ""), top) and next_rung:
        # The row that would lead (the named body's first) is a rung too far: the best sentence and the source's own
        # on the step between answer; not the sentence whose numbers the last answer gave (the step the patient is
        # on: "a bolus of 500-1,000 mL").
        last = bare_numbers(given[-1]) if given else set()
        best = [
            s
            for s in beside_table(scored, scorer)
            if not skips_a_rung(s.text, top) and not (bare_numbers(s.text) and bare_numbers(s.text) <= last)
        ][:1]
        between = [*best, *(s for s in next_rung if all(s.text != b.text for b in best))]
        return Draft(statements=between[: scorer.rules.dosing_prose + 1])
    if not steps:
        # A dose question ("how high can it be escalated?") is answered by the dosing shape, not a sentence.
        if not said_next or parsed.intent is Intent.DOSING:
            return None
        return Draft(statements=said_next[: scorer.rules.dosing_prose + 1])
    table = [row for _, row in steps[: scorer.rules.max_dosing_rows]]
    lead_source = passages[table[0].sources[0]].doc_id
    # Beside the table: the best sentence, and the lead row's source's own sentence on the refractory setting.
    best = [s for s in beside_table(scored, scorer) if not statement_fit(any_drug, s, passages).mismatches]
    own = [s for s in said_next if passages[s.sources[0]].doc_id == lead_source][: scorer.rules.dosing_prose]
    beside = [*best, *(s for s in own if all(s.text != b.text for b in best))]
    return Draft(statements=[lead_for(table[0]), *beside], table=table)


def _same_grade_order(unit: Unit, facets: Facets, given: frozenset[str], top: int) -> int:
    """Where a step at the grade reached comes: 0 for a refractory step on what was given ("refractory after the
    first tocilizumab dose", "not improving within 24 h of starting tocilizumab" after toci), 1 for the rest of the
    grade's regimen, 2 for its other refractory steps."""
    if not facets.refractory:
        return 1
    setting = (unit.cells or {}).get("setting", "")
    before = AFTER.search(setting)
    names_given = bool(set(entities(setting).get("drug", [])) & given)
    after_a_rung = bool(before) and any(rung.named.search(before.group(1)) for rung in RUNGS[: top + 1])
    return 0 if names_given or after_a_rung else 2


def _untried_at_grade(facets: Facets, grade: int | None, given: frozenset[str], top: int) -> bool:
    """Whether a row is the rest of the regimen at the grade reached: at that grade, not refractory, for drugs none
    of which was given nor is on a rung climbed ("gr3 CRS, got 1 dose of toci": ASCO's grade 3 dexamethasone, not
    siltuximab, which is anti-IL-6 as tocilizumab is)."""
    if grade is None or not given or facets.refractory or facets.grades != frozenset({grade}) or not facets.drugs:
        return False
    climbed_drugs = {drug for rung in RUNGS[: top + 1] for drug in rung.drugs}
    return not facets.drugs & (given | climbed_drugs)


def _current_step(
    given: Sequence[str], said_values: set[str], scored: list[tuple[float, Unit]], passages: Sequence[Passage]
) -> Unit | None:
    """The dosing row the last answer gave: its drug named and its dose's numbers stated there."""
    if not given:
        return None
    last = given[-1]
    drugs, values = set(entities(last).get("drug", [])), bare_numbers(last)
    for _, unit in scored:
        if not unit.is_dosing_row or unit.cells is None:
            continue
        dose = bare_numbers(unit.cells.get("dose", ""))
        passage = passages[unit.passage]
        facets = facets_of(unit, passage.doc_type, passage.year)
        if dose and dose <= values and facets.drugs & drugs:
            return unit
    return None


def _setting_words(unit: Unit) -> frozenset[str]:
    """The words naming a row's setting before any qualifier: 'non-convulsive status epilepticus'."""
    text = (unit.cells or {}).get("setting", "") if unit.is_dosing_row else ""
    head = re.split(r"[(;,]|\b(?:with|without|after|during)\b", text, maxsplit=1)[0]
    return frozenset(w for w in tokenize(head, parts=False) if len(w) > 3 and not w.isdigit())


def _refractory_sentences(
    parsed: ParsedQuestion,
    scored: list[tuple[float, Unit]],
    passages: Sequence[Passage],
    source: str | None,
    setting: frozenset[str],
) -> list[Statement]:
    """Sentences on the refractory setting of the toxicity asked (or of the ladder's setting) that contradict
    none of the question's facets, best first, those of the current step's source before others."""
    found: list[tuple[bool, Statement]] = []
    for value, unit in scored:
        if value <= 0 or unit.cells:
            continue
        passage = passages[unit.passage]
        facets = facets_of(unit, passage.doc_type, passage.year)
        if not facets.refractory or fit(parsed, facets).mismatches:
            continue
        if parsed.toxicities and facets.toxicity not in parsed.toxicities:
            continue
        if setting and not setting <= set(tokenize(unit.text, parts=False)):
            continue
        found.append((passage.doc_id != source if source else False, Statement(unit.text, [unit.passage])))
    found.sort(key=lambda pair: pair[0])
    return [statement for _, statement in found]
