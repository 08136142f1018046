"""The extractive composer: answers made only of sentences and table rows quoted from passages.

It never writes a fact of its own. It splits the retrieved passages into units (sentences, table
rows), scores each against the question (``scoring.py``), abstains when they cannot answer
(``abstention.py``), and otherwise gives the answer in the shape its question asks for, one module
each under ``shapes/``: next step of a ladder, dosing table, whole table, evidence lines by study, or
the best sentences. This module only reads the question and picks the shape.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from assistant.answering.abstention import (
    ALL_SHOWN,
    absence_first,
    asked_absence,
    cannot_answer,
    local_first,
    product_first,
    route_first,
    treatment_first,
    unknown_asked,
    unspoken_dose,
)
from assistant.answering.declared import declarations
from assistant.answering.draft import Draft, Statement, related
from assistant.answering.facets import statement_fit
from assistant.answering.question import (
    SOURCE_KINDS,
    Ask,
    Asked,
    Intent,
    ParsedQuestion,
    names_product_or_trial,
    own_words,
)
from assistant.answering.rules import ComposerRules
from assistant.answering.scoring import GIVES_RATE, Scorer
from assistant.answering.shapes.definition import asked_products, product_names, spelled_out, spells_out_asked
from assistant.answering.shapes.dosing import dosing_answer, how_given
from assistant.answering.shapes.evidence import (
    by_evidence_strength,
    by_study,
    findings,
    other_studies,
    unreported_results,
    whole_studies,
)
from assistant.answering.shapes.identify import asks_identify, syndrome_lines
from assistant.answering.shapes.next_step import next_step
from assistant.answering.shapes.one_fact import names_asked_toxicity, one_fact
from assistant.answering.shapes.overview import asks_overview, overview
from assistant.answering.shapes.positions import asks_positions, positions
from assistant.answering.shapes.prose import (
    asks_whether_at_grade,
    course_words,
    criterion_lead,
    facet_lead,
    fitting_first,
    grades_a_patient,
    naming_first,
    novel_first,
    on_drug_at_grade,
    says_where_from,
    select,
    where_from,
)
from assistant.answering.shapes.rates import asks_rates_across_products, rates_by_product
from assistant.answering.shapes.tables import COMPOSITION, whole_table
from assistant.answering.units import Unit, stated, units_of
from assistant.conversation import entities
from assistant.documents import study_named
from assistant.lexicon import lexicon
from assistant.passage import Passage
from assistant.retrieval.keyword import tokenize
from assistant.retrieval.synonyms import synonym_vocabulary
from assistant.text import CELL_DOSE


class ExtractiveComposer:
    """Quote the units that best answer the question; ``idf`` weights terms by rarity, ``rules`` holds
    every tunable constant (``assistant/answering/rules.py``)."""

    def __init__(
        self, idf: Mapping[str, float], rules: ComposerRules | None = None, everyday: frozenset[str] = frozenset()
    ) -> None:
        self.idf = idf
        self.rules = rules or ComposerRules()
        self.scorer = Scorer(idf, self.rules, everyday)

    def run(
        self,
        question: str,
        passages: Sequence[Passage],
        intent: Intent,
        carried: str = "",
        shown: Sequence[str] = (),
        given: Sequence[str] = (),
        parsed: ParsedQuestion | None = None,
    ) -> Draft:
        """Compose from ``passages`` (best first); abstain when nothing answers the question.

        ``carried`` is the part of ``question`` a follow-up took from earlier turns; its words count less.
        ``shown`` holds earlier answers when the user asked for more: what they quote is not quoted again.
        ``given`` holds what the conversation already gave (the last answer's lead line): a next step is not it.
        "Per our protocol" with no local document found is told so first; the rest is related (``local_first``).
        ``parsed`` is the question as the chain read it (read here when not given).
        """
        if parsed is None:  # the chain reads it so; a direct call reads it here
            parsed = ParsedQuestion.read(question, intent, carried).on_no_step(bool(given))
            intent = parsed.intent
        draft = self._draft(question, parsed, passages, intent, carried, shown, given)
        draft = treatment_first(draft, parsed, passages, self.rules)
        draft = route_first(draft, parsed, passages, self.rules)
        draft = product_first(draft, parsed, self.rules)
        return local_first(draft, parsed, passages, self.rules)

    def _draft(
        self,
        question: str,
        parsed: ParsedQuestion,
        passages: Sequence[Passage],
        intent: Intent,
        carried: str,
        shown: Sequence[str],
        given: Sequence[str],
    ) -> Draft:
        """The draft of ``run``, before a local-protocol question is told that no local document was found."""
        asked = Asked.read(question, intent, carried)
        if Ask.POSITIONS in parsed.asks and carried and not asks_positions(own_words(question, carried)):
            # "and the Italians?" after "do the guidelines recommend seizure ppx?" asks one body, not all of them.
            parsed = parsed.model_copy(update={"asks": [a for a in parsed.asks if a is not Ask.POSITIONS]})
        core = set(asked.core)
        units = units_of(passages)
        if shown:
            units = [u for u in units if not _quoted_in(u, shown)]
            if not units:
                return Draft(abstained=True, reason=ALL_SHOWN)
        named = same_study(named_documents(question, {p.doc_id for p in passages}), passages)
        if parsed.drugs:
            # A named study declaring none of the drugs asked is not what is asked about: "CHOP kids w/ refractory CRS —
            # max anakinra per day?" names the centre of an emapalumab series; CHOP's anakinra doses are elsewhere.
            drugs = lexicon().with_members(parsed.drugs)
            named = {d for d in named if any(p.doc_id == d and (not p.drugs or drugs & set(p.drugs)) for p in passages)}
        if self.rules.named_study_only and any(passages[u.passage].doc_id in named for u in units):
            # A question about one named study is answered from that study only.
            units = [u for u in units if passages[u.passage].doc_id in named]
        if not units or not core:
            return Draft(abstained=True, reason="no passage text matches the question")
        scored = sorted(
            ((self.scorer.score(u, passages[u.passage], asked, u.passage), u) for u in units), key=lambda pair: -pair[0]
        )
        reason = cannot_answer(question, asked, passages, scored, self.scorer)
        if reason:
            draft = Draft(abstained=True, reason=reason)
        else:
            draft = self._shaped(question, intent, asked, parsed, given, passages, units, scored, named, carried)
        if draft.abstained and not unknown_asked(question, asked, scored, passages, self.scorer):
            # "N-ICAHT grade cutoffs?" is answered by the source's own statement that it lacks them.
            declared = declarations(units, passages) if self.rules.absence_rescues else []
            absence = asked_absence(asked, parsed, declared, passages, self.scorer)
            if absence is None:
                return draft
            lead = [Statement(absence.unit.text, [absence.unit.passage])]
            return Draft(statements=how_given(lead, parsed, passages, scored) if self.rules.how_given else lead)
        # A dose table led by a row that fits every facet asked is no absence: the source's note that
        # something else is missing ("the grade 4 regimen was not captured") must not lead it.
        answered = (
            bool(draft.table) and not draft.gap and not statement_fit(parsed, draft.table[0], passages).mismatches
        )
        # "what is ICAHT?" answered by its full name is no absence, though a detail of ICAHT is missing.
        defined = bool(draft.statements) and spells_out_asked(question, draft)
        if self.rules.absence_leads and not answered and not defined:
            draft = absence_first(draft, asked, parsed, passages, scored, self.scorer)
        return draft

    def declaring(
        self,
        question: str,
        parsed: ParsedQuestion,
        intent: Intent,
        carried: str,
        declared: Sequence[tuple[str, Unit]],
        catalogue: Sequence[Passage],
    ) -> Passage | None:
        """Of the ``declared`` topics of the index (``declarations`` of ``catalogue``), the passage declaring
        absent the one the question (read as ``parsed``) asks for, so the reading includes it though the search
        missed it."""
        if not (self.rules.absence_leads or self.rules.absence_rescues):
            return None
        asked = Asked.read(question, intent, carried)
        absence = asked_absence(asked, parsed, declared, catalogue, self.scorer)
        return catalogue[absence.unit.passage] if absence else None

    def _shaped(
        self,
        question: str,
        intent: Intent,
        asked: Asked,
        parsed: ParsedQuestion,
        given: Sequence[str],
        passages: Sequence[Passage],
        units: list[Unit],
        scored: list[tuple[float, Unit]],
        named: set[str],
        carried: str = "",
    ) -> Draft:
        """The answer in the shape its question asks for: next step, dosing table, whole table, evidence
        lines by study, or the best sentences; ``named`` holds the documents the question names by author, ``carried``
        what a follow-up carries from the conversation."""
        rules = self.rules
        core = set(asked.core)
        best_score = scored[0][0]
        line = parsed.line
        # A next step follows a step the patient is on: an earlier answer, or one the question names. One whose dose
        # the question asks by name is the step chosen (``names_its_step``).
        climbing = (
            Ask.NEXT_STEP in parsed.asks
            and bool(given or parsed.names_a_step)
            and not line.improving
            and not names_its_step(question, carried)
        )
        if rules.ladder and climbing and intent is not Intent.EVIDENCE:
            step = next_step(question, parsed, given, passages, scored, self.scorer)
            if step is not None:
                return step
        # "back to grade 1, what next with the steroids?" asks how a drug is stepped down, not its dose table.
        weaning = line.improving and Ask.DOSE not in parsed.asks
        if intent is Intent.DOSING and entities(question).get("drug") and not weaning:
            dosing = dosing_answer(question, asked, parsed, passages, scored, self.scorer)
            if dosing is not None:
                return dosing
        # ... but "aucatzyl — what is it?" names a product, no findings: what the product is answers it.
        if rules.syndrome_from_findings and asks_identify(question, parsed.toxicities) and not asked_products(question):
            # "ferritin rising as CRS settles, dx?": the lines on IEC-HS, not those on CRS resolving.
            syndromes = syndrome_lines(question, parsed.toxicities, scored)
            if syndromes:
                return Draft(statements=select(syndromes, rules)[: rules.definition_statements])
        if rules.spelled_out_definitions:  # "what is ICAHT?": its full name; "what's obe-cel?": its other names
            spelled = spelled_out(question, scored) or product_names(question, scored)
            if spelled:
                return Draft(statements=select(spelled, rules)[: rules.definition_statements])
        # "grade 1 CRS definition?" asks one row of the grading table, which criterion_lead puts first, not all of it.
        one_grade = rules.criterion_lead and Ask.CLASSIFY in parsed.asks and len(parsed.grades) == 1
        if intent is not Intent.DOSING and COMPOSITION.search(question) and not one_grade:
            whole = whole_table(core, passages, units, scored, self.scorer)
            if whole:
                return Draft(statements=whole)
        # What to do: a management question, or one on a patient getting better ("back to grade 1, what next?").
        managing = intent is Intent.MANAGEMENT or Ask.MANAGE in parsed.asks or parsed.line.improving
        answering = scored
        if rules.management_without_provenance and managing:
            # "How is grade 4 CRS managed?" is not answered by "FICM publishes a page 'How is CRS managed'".
            answering = [(v, u) for v, u in scored if not where_from(u, passages)] or scored
            best_score = answering[0][0]
        if rules.management_without_criteria and managing and parsed.grades and Ask.CLASSIFY not in parsed.asks:
            # "CRS gr 4, two pressors and on bipap — what now?": the grade is known; its criteria are no step.
            answering = [(v, u) for v, u in answering if not grades_a_patient(u)] or answering
            best_score = answering[0][0]
        if rules.unwanted_drug_rows and parsed.prior_drugs and lexicon().instead_pattern.search(question):
            # "want to avoid steroids — options?": no row of the drug to avoid is an option, nor leads a step.
            unwanted = lexicon().with_members(parsed.prior_drugs)
            answering = [(v, u) for v, u in answering if not gives_only(u, unwanted)] or answering
            best_score = answering[0][0]
        candidates = [(value, unit) for value, unit in answering if value >= rules.relative_cutoff * best_score]
        if rules.named_trial_only and (asked.trials or asked.products):
            # A named trial's or product's answer never quotes another trial's, product's or side cohort's figures.
            kept = [
                (v, u)
                for v, u in candidates
                if not (GIVES_RATE.search(u.text) and (asked.about_another(u.text) or asked.another_part_of(u.text)))
            ]
            candidates = kept or candidates
        if rules.toxicity_rates_only and asked.wants_rate and parsed.toxicities and not parsed.drugs:
            # A drug named asks how often treating the toxicity works (a response rate), not how often it occurs.
            # "breyanzi neuro tox rate?" is not led by the response rates of the trial that gives it.
            candidates = [(v, u) for v, u in candidates if names_asked_toxicity(u.text, parsed)] or candidates
        if intent is Intent.EVIDENCE and parsed.one_fact != "count":  # "how many pts in the trial?" is one fact
            # A study's line says what was found: a dosing row that gives no dose only restates who was treated.
            if rules.doseless_evidence_rows:
                candidates = [
                    (v, u) for v, u in candidates if not (u.is_dosing_row and not stated(u.cells.get("dose")))
                ]
            found = findings(candidates, asked, parsed, passages, rules)
            if rules.fitting_first:
                found = fitting_first(found, parsed, passages)
            statements = select(found, rules)
            if rules.evidence_every_study:
                wider = [(v, u) for v, u in scored if v >= rules.evidence_study_cutoff * best_score]
                found = findings(wider, asked, parsed, passages, rules)
                statements = other_studies(statements, found, parsed, passages, rules)
            if rules.evidence_whole_studies:
                statements = whole_studies(statements, scored, parsed, passages, rules)
            unreported = unreported_results(named, units, passages) if rules.evidence_unreported_results else None
            if unreported is not None:
                statements = [s for s in statements if s.text != unreported.text]
            lines = by_evidence_strength(by_study(statements, passages), passages, rules)
            if unreported is not None:  # the rest is related: what the study is, not what it found
                return Draft(statements=[unreported, *related(lines)])
            return Draft(statements=lines)
        if rules.cell_doses and asked.product_dose:  # "liso-cel dose in TRANSFORM?": the cells infused
            candidates = [(v, u) for v, u in candidates if CELL_DOSE.search(u.text)] or candidates
        if intent is not Intent.DOSING:  # a dose answer keeps its best-scoring sentences
            candidates = novel_first(candidates, core | asked.compounds, self.scorer)
        steps = answering
        if rules.management_without_rates and managing and not asked.wants_rate:
            candidates = [(v, u) for v, u in candidates if not GIVES_RATE.search(u.text)] or candidates
            steps = [(v, u) for v, u in answering if not GIVES_RATE.search(u.text)]
        criteria = Ask.CLASSIFY in parsed.asks and not (asked.wants_rate or asked.trials or asked.products)
        if rules.criteria_without_trials and criteria:
            # "what defines grade 3 ICANS in an adult?" is not answered by what a trial of adults found: no criterion of
            # a grade names a product or trial.
            candidates = [(v, u) for v, u in candidates if not names_product_or_trial(u.text)] or candidates
        if rules.criterion_lead and criteria:
            candidates = criterion_lead(candidates, scored, parsed, passages)
        if rules.management_facets and managing and parsed.toxicities:
            candidates = facet_lead(candidates, steps, parsed, passages, rules.facet_leads, rules.acting_lead)
        if rules.management_overview and asks_overview(question, parsed, core, self.scorer.everyday):
            candidates = overview(candidates, steps, parsed, passages)  # "how is CRS treated?": a ladder by grade
        if rules.fitting_first:
            candidates = fitting_first(candidates, parsed, passages)
        # A patient's product is no subject of what to do for the grade asked ("gr1 CRS, day 2 after yescarta."):
        # the product's CRS rates do not go before the facet lead.
        on_product = managing and rules.management_facets and bool(parsed.toxicities and parsed.grades)
        if rules.named_product_first and asked.products and not asked.product_dose and not on_product:
            about = core - course_words(question)
            candidates = naming_first(candidates, asked.products, about, passages, rules.product_subject_gap)
            if not candidates:
                return Draft(abstained=True, reason="no line on the product asked speaks of what is asked")
        # "should we give toci for grade 1 CRS?": what the sources say of that drug at that grade, in a few lines.
        whether = rules.whether_at_grade and asks_whether_at_grade(question, parsed)
        at_grade = on_drug_at_grade(answering, parsed, passages) if whether else []
        candidates = at_grade or candidates
        if rules.rates_by_product and asks_rates_across_products(question, parsed, asked, self.scorer.everyday):
            # "what % of pts get CRS after CAR-T?": each product's rate, not the lines sharing "after CAR-T".
            candidates = rates_by_product(candidates, scored, passages, parsed, rules.products_listed)
        # "ICE out of how many?" is answered in a line, not filled up to five statements.
        single = (
            one_fact(question, candidates, parsed, passages, core, self.scorer)
            if rules.one_fact and parsed.one_fact and not at_grade
            else []
        )
        statements = single or select(candidates, rules, frozenset(core), [p.doc_id for p in passages])
        if at_grade:
            statements = statements[: rules.whether_statements]
        if Ask.POSITIONS in parsed.asks:  # "is 750 bid for everyone what all guidelines say?": each body's line
            said = positions(scored, passages, rules.society_positions)
            statements = [*said, *(s for s in statements if s.text not in {p.text for p in said})]
            statements = statements[: max(rules.max_statements, len(said))]
        if rules.provenance_after_lead and statements and not says_where_from(statements[0], passages):
            # "when do B cells come back?" is not padded with "the facts in this document come from the abstract".
            statements = [s for s in statements if not says_where_from(s, passages)] or statements
        if intent is Intent.DOSING:
            if rules.how_given:
                statements = how_given(statements, parsed, passages, scored)[: rules.max_statements]
            unanswered = unspoken_dose(statements, parsed, passages, rules)
            if unanswered is not None:
                return unanswered
        return Draft(statements=statements)


#: A ClinicalTrials.gov registration number, as tokenized ('nct04432506').
REGISTRATION = re.compile(r"nct\d{8}")


def named_documents(question: str, doc_ids: set[str]) -> set[str]:
    """Documents the question names by first author ('the Manghisi case' -> its id).

    A dose question about one named study must be answered from that study, or not with a table:
    label doses shown for "the dose used in the Manghisi case" would read as the case's dose.
    """
    words = set(tokenize(question, parts=False))
    vocabulary = synonym_vocabulary()  # 'anakinra-2022-…' is named for a drug, not an author
    # 'fda-2025-…' is named for the agency that approves every label: "in the FDA summary" asks for a kind
    # of source (labels, approval summaries), not for that one document. A guideline body ('nccn-2026-…')
    # is one source: "per NCCN" is answered from its documents.
    # A trial registration number ("NCT04432506") names the document whose id carries it.
    registered = {w for w in words if REGISTRATION.fullmatch(w)}
    return {
        d for d in doc_ids
        if study_named(d) in words - vocabulary - SOURCE_KINDS or any(number in d for number in registered)
    }  # fmt: skip


def gives_only(unit: Unit, drugs: frozenset[str]) -> bool:
    """Whether ``unit`` is a dosing row whose drug cell names drugs Carta knows, all of them among ``drugs``."""
    named = set(entities((unit.cells or {}).get("drug", "")).get("drug", []))
    return unit.is_dosing_row and bool(named) and named <= drugs


def names_its_step(question: str, carried: str = "") -> bool:
    """Whether the question, in its own words (not what a follow-up carries), asks the dose of a drug it names, not a
    class: that drug is the next step chosen ("ICANS not responding to dex — anakinra how much?"), so no ladder is
    climbed; "still hypotensive after 2 doses of that, next step?" after "toci dose?" chooses none."""
    own = ParsedQuestion.read(own_words(question, carried))
    return Ask.DOSE in own.asks and any(not lexicon().is_class(drug) for drug in own.drugs)


def same_study(named: set[str], passages: Sequence[Passage]) -> set[str]:
    """The ``named`` documents and those whose title names the same study: "JULIET infections?" names
    juliet-2019-…, and the primary paper (schuster-2019-…) says JULIET in its title."""
    studies = {study_named(d) for d in named} - {None}
    return named | {p.doc_id for p in passages if studies & set(tokenize(p.title, parts=False))}


def _quoted_in(unit: Unit, answers: Sequence[str]) -> bool:
    """Whether one of the ``answers`` already quotes the unit: as a sentence, or as a table row's cells."""
    row = " | ".join(unit.cells.values()) if unit.cells else None
    return any(unit.text in answer or unit.said in answer or (row is not None and row in answer) for answer in answers)
