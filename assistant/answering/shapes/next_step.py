"""The next-step shape: the following step of a source's ladder, not the step the patient is on.

"Grade 2 CRS still hypotensive after 2 doses of toci, next step?" is answered with a refractory row
of the same toxicity at the grade reached, or the first step of a higher grade (a grade 2 that does
not improve is managed as grade 3), from the body the question names first.
"""

from __future__ import annotations

from collections.abc import Sequence

from assistant.answering.draft import Draft, Statement
from assistant.answering.facets import facets_of, fit, statement_fit
from assistant.answering.question import ParsedQuestion, grades_in, named_sources
from assistant.answering.scoring import Scorer, describe
from assistant.answering.shapes.dosing import beside_table, lead_for
from assistant.answering.units import Unit, stated
from assistant.conversation import entities
from assistant.passage import Passage
from assistant.text import bare_numbers


def next_step(
    question: str,
    parsed: ParsedQuestion,
    given: Sequence[str],
    passages: Sequence[Passage],
    scored: list[tuple[float, Unit]],
    scorer: Scorer,
) -> Draft | None:
    """The next step of the ladder: dosing rows for a refractory setting of the toxicity asked at the
    grade reached, or for a higher grade, best fitting first (from the body the question names, if any);
    None when there is none.

    The step the conversation is on is left out: a row of a drug the question or the last answer names
    whose dose they state too ("still not improving on the methylpred 500 q12"); a higher dose of the
    same drug is a step up.
    """
    said = " ".join([question, *given])
    said_values, on = bare_numbers(said), set(entities(said).get("drug", []))
    bodies = set(parsed.bodies)
    # The ladder climbs from the grade asked, or from the grade of the step the last answer gave.
    reached = [int(g) for g in grades_in(given[-1], targets=False)] if given else []
    asked_grade = parsed.grades[0] if len(parsed.grades) == 1 else None
    grade = max([*reached, *([asked_grade] if asked_grade else [])], default=None)
    ladder = parsed.model_copy(update={"grades": []})  # the grade is checked here: higher ones climb
    steps: list[tuple[tuple[bool, int, int, bool, int], Statement]] = []
    seen: set[tuple[str, ...]] = set()
    for value, unit in scored:
        if not unit.is_dosing_row or value <= 0 or unit.cells is None or not stated(unit.cells.get("dose")):
            continue
        passage = passages[unit.passage]
        facets = facets_of(unit, passage.doc_type, passage.year)
        placed = fit(ladder, facets)
        if parsed.toxicities and facets.toxicity not in parsed.toxicities:
            continue  # a ladder is one toxicity's: a row naming no toxicity is no step of it
        if grade is not None and facets.grades and min(facets.grades) < grade:
            continue
        climb = min(facets.grades) - grade if grade is not None and facets.grades else 0
        key = tuple(unit.cells.values())
        dose = bare_numbers(unit.cells.get("dose", ""))
        current = bool(dose) and dose <= said_values and (not facets.drugs or bool(facets.drugs & on))
        if not (facets.refractory or climb > 0) or current or placed.mismatches or key in seen:
            continue
        seen.add(key)
        named = not bodies or bool(bodies & named_sources(describe(passage)))
        steps.append(
            (
                # On a higher grade the ladder starts at that grade's first step, not its refractory one.
                (not named, placed.mismatches, climb, facets.refractory if climb else placed.off_line, -placed.matches),
                Statement(unit.text, [unit.passage], unit.cells),
            )
        )
    if not steps:
        return None
    steps.sort(key=lambda pair: pair[0])  # stable: score order within equal fits
    table = [row for _, row in steps[: scorer.rules.max_dosing_rows]]
    beside = [s for s in beside_table(scored, scorer) if not statement_fit(parsed, s, passages).mismatches]
    return Draft(statements=[lead_for(table[0]), *beside], table=table)
