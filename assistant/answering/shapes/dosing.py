"""The dosing shape: a line built from the top row's own cells, the sentence beside the table, and the
table of whole dosing rows for the drugs (and source) the question names.

Rows whose facets fit the question (toxicity, grade, weight band, age, line) come first; when none fits,
the answer says what the sources do not give, and another setting's dose never leads.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.answering.abstention import gap_of
from assistant.answering.draft import Draft, Statement, related
from assistant.answering.facets import facets_of, fit, statement_facets, statement_fit
from assistant.answering.question import Ask, Asked, ParsedQuestion, named_sources
from assistant.answering.rules import ComposerRules
from assistant.answering.scoring import Scorer, describe
from assistant.answering.shapes.one_fact import carries, one_fact_beside
from assistant.answering.shapes.positions import positions
from assistant.answering.shapes.prose import TREATED_WITH, select, spells_out
from assistant.answering.units import EMPTY_CELLS, Unit, row_sentence, stated
from assistant.conversation import entities
from assistant.lexicon import lexicon
from assistant.passage import Passage
from assistant.tables import use_rank
from assistant.text import DOSE

#: A dosing row's setting that only offers the dose as an option ("ICANS grade 2 without CRS (consider)").
CONSIDERED = re.compile(r"\(consider\b", re.IGNORECASE)


def off_line(unit: Unit, parsed: ParsedQuestion, passage: Passage) -> bool:
    """Whether the unit is a step on another line than the question's (a refractory step for a first-line question)."""
    return fit(parsed, facets_of(unit, passage.doc_type, passage.year)).off_line


def asks_for_child(parsed: ParsedQuestion) -> bool:
    """Whether the question's patient is a child: by age ("kid", "peds") or by weight (under 30 kg)."""
    return parsed.population.age_band == "pediatric" or parsed.population.weight_band == "<30 kg"


def dosing_answer(
    question: str,
    asked: Asked,
    parsed: ParsedQuestion,
    passages: Sequence[Passage],
    scored: list[tuple[float, Unit]],
    scorer: Scorer,
) -> Draft | None:
    """A line answering the question, the sentence beside the table, and the table; None with no row."""
    rules = scorer.rules
    # "alternative?" after a dexamethasone dose: any drug's rows but those of the drug not wanted.
    unwanted = parsed.prior_drugs if parsed.line.instead else []
    wanted = parsed.drugs or ([] if unwanted else parsed.prior_drugs)
    table = dosing_rows(question, wanted, scored, passages, rules.max_dosing_rows, unwanted)
    if not table:
        return None
    if rules.asked_toxicity_rows and any(not other_toxicity(row, parsed, passages) for row in table):
        # "dex for gr3 ICANS" lists no dexamethasone rows for CRS or for primary HLH beside the ICANS rows.
        table = [row for row in table if not other_toxicity(row, parsed, passages)]
    gap = ""
    if rules.facet_first:
        fits = {id(row): statement_fit(parsed, row, passages) for row in table}
        table.sort(key=lambda row: fits[id(row)].key)
        if fits[id(table[0])].mismatches and rules.say_gaps:
            gap = gap_of(parsed, table[0].cells or {})
        elif (
            rules.child_dose_stated
            and asks_for_child(parsed)
            and not any(fits[id(row)].patient or statement_facets(row, passages).children for row in table)
        ):
            # "dex dose for 15 kg kid with ICANS?": no row is written for children; those stating no population follow.
            # A row for "patients aged ≥2 years" or "<30 kg" is a child's dose though it names no age band.
            # The gap names children, not the weight band: "30 kg" is in no cited passage.
            child = parsed.population.model_copy(update={"weight_band": None, "age_band": "pediatric"})
            gap = gap_of(parsed.model_copy(update={"population": child}), table[0].cells or {})
    if rules.one_fact and parsed.one_fact:
        # "toci infusion time?": of rows fitting as well, one giving it leads, before a row written for children only.
        def giving_first(row: Statement) -> tuple[int | bool, ...]:
            gives = carries(row.text, parsed)
            if not rules.facet_first:
                return (not gives,)
            placed = fits[id(row)]
            return (*placed.closeness, not gives, placed.narrow)

        table.sort(key=giving_first)
    beside = beside_table(scored, scorer)
    if Ask.POSITIONS in parsed.asks:  # "keppra ppx dose, and do all the societies recommend it?"
        beside = positions(scored, passages, rules.society_positions) or beside
    if rules.one_fact and parsed.one_fact:  # "toci max per dose?": the row's line answers; a sentence only adds
        beside = one_fact_beside(lead_for(table[0]), beside, parsed, passages, set(asked.core))
    if gap:  # only what fits the setting asked may follow, labelled as related
        lead = related([s for s in beside if not statement_fit(parsed, s, passages).mismatches])
    else:
        rows = [lead_for(row) for row in first_of_each(table, parsed.drugs)]
        spelled = rules.row_spelled_out
        core = frozenset(asked.core)
        lead = [*rows, *(s for s in beside if not (spelled and any(cited_by(row, s, rules, core) for row in rows)))]
    unfit = not any(asked.setting_of((row.cells or {}).get("setting", "")) for row in table)
    # A dose the source only has one "consider" for ("dex? dose?" for grade 2 ICANS without CRS) follows how
    # that source manages the setting ("... is managed with supportive care"), so the option does not read as the rule.
    considered = (
        rules.considered_after_setting
        and not gap
        and asked.grade is not None
        and bool(asked.toxicities)
        and bool(CONSIDERED.search((table[0].cells or {}).get("setting", "")))
    )
    if rules.setting_lead and (unfit or considered):
        excluded = excluded_settings(question)
        # ... on the line asked: "gr 2 icans — dex dose?" is not led by the step for ICANS with CRS refractory to
        # tocilizumab, though it names grade 2 ICANS and is "treated with".
        said = [
            u for v, u in scored
            if v > 0 and not u.cells and asked.setting_of(u.text) and not any(p.search(u.text) for p in excluded)
            and not (rules.setting_on_line and off_line(u, parsed, passages[u.passage]))
        ]  # fmt: skip
        setting = next((u for u in said if TREATED_WITH.search(u.text)), None)
        if unfit:
            # No row is for the setting asked ("dex for every grade 1 CRS?", "toci for isolated ICANS?"):
            # say how that setting is managed, and keep only the sentence beside the table that is about it.
            if setting is None and asked.grade is not None:
                setting = next(iter(said), None)  # a sentence on the grade asked, though not "managed with"
            if setting is not None:
                about = [s for s in beside if asked.setting_of(s.text) and s.text != setting.text]
                lead = [Statement(setting.text, [setting.passage]), *about]
        elif setting is not None and passages[setting.passage].doc_id == passages[table[0].sources[0]].doc_id:
            lead = [Statement(setting.text, [setting.passage]), *(s for s in lead if s.text != setting.text)]
    if rules.facet_first:
        table.sort(key=lambda row: (bool(fits[id(row)].mismatches), use_rank((row.cells or {}).get("use", ""))))
    else:
        table.sort(key=lambda row: use_rank((row.cells or {}).get("use", "")))
    return Draft(statements=lead, table=table, gap=gap)


def cited_by(row: Statement, sentence: Statement, rules: ComposerRules, asked: frozenset[str]) -> bool:
    """Whether ``sentence`` only spells out ``row`` (``spells_out``); if so, the row now cites its passages too."""
    if not spells_out(row, sentence, rules, asked):
        return False
    row.sources.extend(p for p in sentence.sources if p not in row.sources)
    return True


def other_toxicity(row: Statement, parsed: ParsedQuestion, passages: Sequence[Passage]) -> bool:
    """Whether a dosing row is for another toxicity than the question names (its setting names one first)."""
    passage = passages[row.sources[0]]
    toxicity = facets_of(Unit(row.text, row.sources[0], row.cells), passage.doc_type, passage.year).toxicity
    return bool(parsed.toxicities and toxicity and toxicity not in parsed.toxicities)


def dosing_rows(
    question: str,
    asked: Sequence[str],
    scored: list[tuple[float, Unit]],
    passages: Sequence[Passage],
    limit: int,
    unwanted: Sequence[str] = (),
) -> list[Statement]:
    """Up to ``limit`` dosing rows for the drugs ``asked`` (and the source the question names), best first,
    none for an ``unwanted`` drug. Asked for another drug than an unwanted one, a row stands in only where it says
    so ("alternative to dexamethasone", "switch from atovaquone"): an antifungal row is no alternative to entecavir.

    "What does EBMT recommend?" must not be answered with another source's doses: when the
    question names a source and that source has no dosing row, there is no table. A drug the patient
    already had ("steroid-refractory ICANS, how much anakinra") is not asked: its rows are not shown.
    """
    # A class named in a question stands for its members (the lexicon's `members`).
    drugs = {name for drug in asked for name in lexicon().members(drug)}
    others = {name for drug in unwanted for name in lexicon().members(drug)}
    sources = named_sources(question)
    excluded = excluded_settings(question)
    rows: list[Statement] = []
    seen: set[tuple[str, ...]] = set()
    for value, unit in scored:
        if not unit.is_dosing_row or value <= 0 or unit.cells is None:
            continue
        passage = passages[unit.passage]
        if sources and not sources & named_sources(describe(passage)):
            continue
        if any(pattern.search(unit.text) for pattern in excluded):
            continue
        drug_cell = unit.cells.get("drug", "").lower()
        if (drugs and not any(d in drug_cell for d in drugs)) or any(d in drug_cell for d in others):
            continue
        if others and not lexicon().with_members(entities(unit.text).get("drug", [])) & others:
            continue
        key = tuple(unit.cells.values())
        if key in seen or unit.cells.get("dose", "").lower() in {"not stated", "not verified", ""}:
            continue
        seen.add(key)
        rows.append(Statement(unit.text, [unit.passage], unit.cells))
        if len(rows) >= limit:
            break
    return rows


def first_of_each(table: Sequence[Statement], drugs: Sequence[str]) -> list[Statement]:
    """The top row, and with two or more drugs named ("dex and methylpred doses for gr3 ICANS?") the top row of each,
    in table order: a pharmacist checking both expects both stated above the table. A class named ("steroid dose?")
    is one drug asked: its members' other rows (intrathecal hydrocortisone) would only pad the answer."""
    if len(drugs) < 2:
        return list(table[:1])
    left = [set(lexicon().members(drug)) for drug in drugs]  # each drug asked, as the rows may name it
    firsts = []
    for row in table:
        name = (row.cells or {}).get("drug", "").lower()
        if any(name in names for names in left):
            firsts.append(row)
            left = [names for names in left if name not in names]
    return firsts or list(table[:1])


def lead_for(row: Statement) -> Statement:
    """A one-line answer above the table, built only from the top row's own cells."""
    return Statement(row_sentence(row.cells or {}), list(row.sources), row.cells)


def beside_table(scored: list[tuple[float, Unit]], scorer: Scorer) -> list[Statement]:
    """The best sentences beside a dosing table: what the rows cannot say ("not recommended except
    in high-risk patients", "limited experience"), up to ``dosing_prose`` of them."""
    prose = [(value, u) for value, u in scored if not u.is_dosing_row]
    if not prose or prose[0][0] <= 0:
        return []
    floor = scorer.rules.relative_cutoff * prose[0][0]
    return select([(v, u) for v, u in prose if v >= floor][: scorer.rules.dosing_prose], scorer.rules)


def excluded_settings(question: str) -> list[re.Pattern[str]]:
    """Row patterns the question rules out.

    'IEC-HS-specific' rules out rows that say 'not CAR-T IEC-HS'; 'isolated ICANS' or 'without CRS'
    rules out rows for ICANS 'with concurrent CRS'.
    """
    patterns = [
        re.compile(rf"\bnot\b[^;|]{{0,30}}\b{re.escape(name)}\b", re.IGNORECASE)
        for name in entities(question).get("toxicity", [])
    ]
    if re.search(r"\bisolated\b|\bwithout crs\b|\bno crs\b", question, re.IGNORECASE):
        patterns.append(re.compile(r"\bwith (concurrent )?crs\b", re.IGNORECASE))
    return patterns


def how_given(
    statements: list[Statement], parsed: ParsedQuestion, passages: Sequence[Passage], scored: list[tuple[float, Unit]]
) -> list[Statement]:
    """``statements`` with, second, the dosing row of the lead's source that gives no dose but says how the drug
    asked was given, when no statement gives an amount.

    A source that lacks the dose ("the Park 2023 dose was not captured") still says what it knows of the drug's
    route and schedule ("SC from day 2 until at least day 10", "started day +11"); that belongs in the answer,
    not the study's background.
    """
    if not (statements and parsed.drugs) or Ask.DOSE not in parsed.asks or any(DOSE.search(s.text) for s in statements):
        return statements
    source, drug = passages[statements[0].sources[0]].doc_id, parsed.drugs[0]  # the drug the question names first
    for _, unit in scored:
        cells = unit.cells or {}
        how = [cells.get(name, "").strip().lower() for name in ("route", "frequency")]
        if (
            unit.is_dosing_row
            and passages[unit.passage].doc_id == source
            and not stated(cells.get("dose"))
            and drug in entities(cells.get("drug", "")).get("drug", [])
            and any(cell not in EMPTY_CELLS for cell in how)
        ):
            if any(s.text in {unit.text, unit.said} for s in statements):  # already quoted (as related, after absence)
                return statements
            return [statements[0], Statement(unit.said, [unit.passage], unit.cells), *statements[1:]]
    return statements
