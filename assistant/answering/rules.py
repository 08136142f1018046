"""Every tunable constant of the extractive composer, in one typed object, each with why it is there.

A rule's ``off`` value (in the field's ``json_schema_extra``) turns it off: a factor becomes 1, a weight
0, a gate opens. ``carta eval --ablate`` turns each rule off in turn and reports what changes, so a
rule that does not pay for itself can be found and deleted.

>>> ComposerRules().other_grade_factor
0.4
>>> ComposerRules.ablated("other_grade_factor").other_grade_factor
1.0
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from assistant.answering.question import Intent


def rule(default: Any, off: Any, why: str) -> Any:
    """A composer setting: its value, the value that turns the rule off, and one line on why."""
    return Field(default=default, description=why, json_schema_extra={"off": off})


def budget(default: Any, why: str) -> Any:
    """A size limit of the answer; not a rule to ablate."""
    return Field(default=default, description=why)


class ComposerRules(BaseModel):
    """The composer's constants. Defaults are the shipped behaviour."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # Reading: which passages beyond the hits the composer reads.
    read_whole_top: int = rule(
        2, 0, "The best hits whose whole documents are read: the answer often sits in a sibling section."
    )
    table_intents: frozenset[Intent] = rule(
        frozenset({Intent.DOSING, Intent.GRADING}),
        frozenset(),
        "Dose and grading questions read the tables of every document found: doses and grade criteria sit there.",
    )
    ladder_tables: int = rule(
        200,
        0,
        "A next step may sit in a dosing table the search missed: read them all in an index with up to this many"
        " table documents (the corpus has 30; at 50k chunks reading all cost p95 3 s an answer).",
    )
    # Scoring: how a unit's score is built from the question's words.
    carried_weight: float = rule(0.75, 1.0, "Words a follow-up carried from earlier turns count less than its own.")
    expansion_weight: float = rule(0.5, 0.0, "Synonyms and intent hints count half a question word.")
    unindexed_words_in_full: bool = rule(
        True,
        False,
        "A synonym counts in full for a question word the corpus never uses ('romiplostim': 'thrombopoietin agonist').",
    )
    brand_as_generic: bool = rule(
        True, False, "A drug's or product's name earns no more than its commonest spelling: brands rank as generics."
    )
    toxicity_once: bool = rule(
        True,
        False,
        "A unit holding the question's word for a toxicity or a term earns nothing more for a synonym of it.",
    )
    context_weight: float = rule(0.3, 0.0, "A question word in the unit's section or title counts a little.")
    other_grade_factor: float = rule(
        0.4, 1.0, "A unit about another grade, toxicity or study part than asked counts much less."
    )
    non_car_t_factor: float = rule(
        0.5, 1.0, "A line on secondary HLH in general (not CAR-T) answers an HLH question, not one on CAR-T care."
    )
    condition_gap: bool = rule(
        True,
        False,
        "A question naming a patient condition no passage names (pregnancy, renal impairment) is not answered with the"
        " usual dose: the answer says no source speaks of it.",
    )
    risk_gap: bool = rule(
        True,
        False,
        "A question asking who is at risk of a toxicity that no passage speaks of the risk of ('risk factors for severe"
        " CRS?') is not answered with another topic's risk factors: the answer says no source gives them.",
    )
    rate_gap: bool = rule(
        True,
        False,
        "A question asking how often something occurs that no line found gives a rate for ('GBS rate with cilta-cel?')"
        " is not answered with another toxicity's rate: Carta abstains.",
    )
    indication_gap: bool = rule(
        True,
        False,
        "A question asking what a CAR-T product is approved or indicated for, with no line found saying so of it"
        " ('what's kymriah indicated for?'), is not answered with its REMS or management lines: Carta abstains.",
    )
    others_risk_factor: float = rule(
        0.1,
        1.0,
        "A line on risk naming no toxicity (the seizure-prophylaxis table's 'risk factors') is another topic's risk,"
        " not the asked toxicity's: it hardly counts.",
    )
    other_drug_factor: float = rule(
        0.5, 1.0, "A unit naming only other drugs than the one asked is about them ('levaquin?': no valaciclovir row)."
    )
    other_outcome_factor: float = rule(
        0.4, 1.0, "A unit reporting only other outcomes than a follow-up names ('and PFS?': not the neutropenia rate)."
    )
    other_infection_factor: float = rule(
        0.4, 1.0, "A unit on other infections than the question names ('HCV/HIV screening?': not hepatitis B's lines)."
    )
    ruled_out_toxicities: bool = rule(
        True, False, "A unit with a toxicity the question rules out ('no CRS') counts as another setting's."
    )
    unnamed_toxicity_factor: float = rule(
        0.7, 1.0, "A unit naming no toxicity when the question names one is probably about something else."
    )
    corpus_note_factor: float = rule(
        0.6, 1.0, "Notes about the corpus itself ('not captured') answer only when nothing else does."
    )
    superseded_factor: float = rule(
        0.3,
        1.0,
        "A statement a later source replaced (its document's superseded_by) is history: the current one leads.",
    )
    rate_factor: float = rule(1.5, 1.0, "A question about how often is answered by a sentence that gives a rate.")
    named_source_factor: float = rule(1.5, 1.0, "'Per ASCO' is answered from ASCO's documents first.")
    trial_paper_first: bool = rule(
        True, False, "A named trial is answered from its own report first, as 'per ASCO' is (named_source_factor)."
    )
    rank_bonus: float = rule(
        0.1, 0.0, "A unit of a better-ranked passage gets up to this share more: the search's order breaks near-ties."
    )
    length_penalty: float = rule(
        0.01, 0.0, "Each word of a unit costs this share: a focused sentence beats a long one sharing the same words."
    )
    min_weight: float = budget(0.05, "No word weighs less than this: even the commonest corpus word says something.")
    # Selection: which scored units join the answer.
    relative_cutoff: float = rule(0.45, 0.0, "A unit far below the best one adds noise, not an answer.")
    novelty_floor: float = rule(
        0.5, 1.0, "A sentence adding no question word the earlier ones lack counts this share of its score."
    )
    merge_similarity: float = rule(0.6, 1.01, "Units this alike (Jaccard) are one statement with several citations.")
    merge_contained: float = rule(0.9, 1.01, "A unit this much inside another is the same statement.")
    merge_numbers: int = budget(2, "Two units sharing this many numbers may be a row and its sentence.")
    merge_with_numbers: float = rule(
        0.5, 1.01, "... and then merge when they share this share of the shorter one's words."
    )
    twins_answer_alike: bool = rule(
        True, False, "Two alike units are one statement only if neither holds a question word the other lacks."
    )
    restated_rows: bool = rule(
        True,
        False,
        "A table row whose drug, dose, route and frequency (a rates row: whose asked rates) the statements chosen"
        " all give adds nothing.",
    )
    subsumed_sentences: bool = rule(
        True,
        False,
        "A sentence whose figures and question words another source's sentence gives is one statement with it.",
    )
    # Abstention: when Carta says the sources do not answer.
    unknown_studies: bool = rule(
        True, False, "A question naming a trial or CAR-T product no indexed document mentions is not answered."
    )
    min_matched_words: int = rule(2, 0, "The best unit must hold this many question words: one in common is no answer.")
    coverage_candidates: int = budget(
        5, "... the best unit being the best-covering of the best few within relative_cutoff of the best."
    )
    max_unknown_share: float = rule(
        0.35, 1.01, "Abstain when this share of the question's weight is words the corpus never uses."
    )
    min_specialised_length: int = budget(
        8, "... counting unknown words this long (a drug or disease name), not shorthand ('ncse', 'norepi')."
    )
    min_foreign_drug_length: int = budget(
        5, "An unknown word this long in a dose question names a drug Carta does not know: no other drug's dose."
    )
    min_foreign_length: int = budget(
        3, "... and an unknown word naming a subject is this long: shorter ones ('yo', 'sz', 'nc') are shorthand."
    )
    foreign_subject: bool = rule(
        True, False, "A question naming no CAR-T anchor and a subject word Carta does not know is out of scope."
    )
    foreign_condition: bool = rule(
        True,
        False,
        "... and one naming a drug but no CAR-T toxicity, product or trial is when it names a disease the corpus"
        " never uses ('grade 3 myocarditis from checkpoint inhibitors — methylpred?'): no CAR-T dose stands in.",
    )
    patient_context: bool = rule(
        True,
        False,
        "A disease named as what else the patient has ('gr 3 CRS in a pt with cardiomyopathy') is no unknown subject.",
    )
    absence_leads: bool = rule(
        True, False, "A topic the corpus declares absent (not_captured) that was asked leads; the rest is related."
    )
    absence_coverage: float = budget(0.5, "... when the topic covers this share of the question's weight.")
    narrower_absence_last: bool = rule(
        True, False, "A declared gap naming a grade or toxicity the question does not ('grade 4 regimen') never leads."
    )
    absence_elsewhere: bool = rule(
        True, False, "... but not when another source's retrieved unit answers the setting asked: one gap is not all."
    )
    # "HIV pt ok for car-t?" shares 'HIV' with the ASH table's title alone: its HBV DNA schedule gap is no answer.
    absence_own_words: bool = rule(
        True, False, "... and only when the topic itself, not just its document's title, holds a question word."
    )
    # "cilta-cel ICANS rate?" is not answered by the missing frequency of cranial nerve palsy with cilta-cel, whose
    # document's title names neurotoxicity: the topic itself shares only the product with the question.
    absence_beyond_names: bool = rule(
        True, False, "... and when it shares only a product or trial with the question, only if that is all asked."
    )
    treatment_gap: bool = rule(
        True, False, "A question on how to treat is not answered by prophylaxis lines; with only those, it is told so."
    )
    study_gaps_named_only: bool = rule(
        True, False, "What one named study lacks ('outcomes of the 6 CHOP patients') answers only a question naming it."
    )
    product_gaps_named_only: bool = rule(
        True, False, "... and what is lacking for one product ('onset times with Aucatzyl') only one naming a product."
    )
    related_on_subject: bool = rule(
        True,
        False,
        "... and a line following it as related holds a word of what the question is about, not only of what it asks.",
    )
    absence_rescues: bool = rule(
        True, False, "A question asking for a declared-absent topic is told so instead of meeting an abstention."
    )
    local_gap: bool = rule(
        True, False, "'Per our protocol' with no local document indexed says so first; the rest is related."
    )
    # Shapes.
    dosing_prose: int = rule(1, 0, "The one sentence beside a dosing table says what the rows cannot.")
    row_spelled_out: bool = rule(
        True,
        False,
        "... so a sentence that only spells out the lead row (its numbers, mostly its words) is the row's citation.",
    )
    society_positions: int = rule(
        4, 0, "A dose question asking whether the bodies agree gets up to this many positions, one per body."
    )
    setting_lead: bool = rule(
        True, False, "When no dosing row is for the setting asked, lead with how that setting is managed."
    )
    considered_after_setting: bool = rule(
        True, False, "A dose the source only considers for the setting follows how the setting is managed."
    )
    setting_on_line: bool = rule(
        True,
        False,
        "... and the sentence saying how is on the line asked (no refractory step for a first-line question).",
    )
    whole_table_rows: int = rule(10, 0, "'What's in the ICE score?' gets the whole table, up to this many rows.")
    min_heading_coverage: float = budget(0.5, "A table is answered whole when its heading covers this much.")
    whole_table_leads: int = budget(2, "Sentences above a table answered whole.")
    doseless_evidence_rows: bool = rule(
        True, False, "An evidence line leaves out dosing rows that give no dose (they only restate who was treated)."
    )
    evidence_drug_only: bool = rule(
        True,
        False,
        "An evidence answer on a named drug quotes no unit that names only other drugs, or none outside a text on it.",
    )
    evidence_product_only: bool = rule(
        True, False, "An evidence answer on a CAR-T product (no drug asked) quotes no unit whose document lacks it."
    )
    evidence_strength_first: bool = rule(
        True, False, "Evidence lines put the strongest kind of source first: a guideline weighs more than a case."
    )
    evidence_setting_only: bool = rule(
        True, False, "An evidence answer quotes no unit on another use (prophylaxis, refractory) than asked."
    )
    evidence_findings_only: bool = rule(
        True, False, "An evidence answer quotes what studies found, not the corpus's notes on what it lacks."
    )
    evidence_rates_first: bool = rule(
        True, False, "An evidence answer to 'how often' quotes the sentences that give a rate first."
    )
    evidence_every_study: bool = rule(
        True, False, "An evidence answer gives each study it found a line, not only those near the best sentence."
    )
    evidence_study_cutoff: float = rule(
        0.25, 1.0, "... a study whose best unit scores this share of the best one is a study found."
    )
    evidence_extra_studies: int = budget(3, "... and this many studies join beyond those the prose budget chose.")
    evidence_max_words: int = budget(180, "... and the answer with them stays within this many words.")
    evidence_unreported_results: bool = rule(
        True, False, "A named study whose results the corpus lacks is answered first by the sentence saying so."
    )
    evidence_whole_studies: bool = rule(
        True, False, "A study's line gains its size, efficacy and safety findings if it lacks them, before dosing rows."
    )
    facet_first: bool = rule(
        True, False, "Dosing rows whose toxicity, grade, weight band and line fit the question come first."
    )
    asked_toxicity_rows: bool = rule(
        True, False, "A dose table for a toxicity lists no other toxicity's rows while it has rows for the one asked."
    )
    how_given: bool = rule(
        True, False, "A dose answer giving no amount quotes its source's dosing row on route and schedule second."
    )
    say_gaps: bool = rule(
        True, False, "When no dosing row fits the setting asked, say so first; another setting's dose never leads."
    )
    child_dose_stated: bool = rule(
        True,
        False,
        "A child's dose question whose rows state no population (ASCO's dexamethasone 10 mg) first says that no dose"
        " for children is given; the rows follow, as the source states them.",
    )
    toxicity_rates_only: bool = rule(
        True, False, "A question on how often a toxicity occurs (no drug named) quotes only lines naming it."
    )
    fitting_first: bool = rule(
        True, False, "In a prose answer, units written for another age or weight band, or another score, come after."
    )
    management_facets: bool = rule(
        True, False, "A management answer leads with what to do for the setting asked, not a grading row."
    )
    acting_lead: bool = rule(
        True,
        False,
        "... a line on what to do before one saying what the toxicity is or how it is graded ('how to treat ICAHT?').",
    )
    management_overview: bool = rule(
        True,
        False,
        "How a toxicity is managed, asked with no grade, drug or line: one guidance source's line on the whole"
        " toxicity, then its steps grade by grade ('how is CRS treated?').",
    )
    management_without_rates: bool = rule(
        True, False, "A management answer quotes no rate ('grade 3 CRS in 33%') unless asked how often: it is no step."
    )
    criteria_without_trials: bool = rule(
        True, False, "A question on what defines a grade quotes no line of a trial or product it does not name."
    )
    criterion_lead: bool = rule(
        True,
        False,
        "... and one on what makes one grade of a toxicity is led by that grade's criterion, not its steps.",
    )
    provenance_after_lead: bool = rule(
        True,
        False,
        "An answer led by what a source says quotes no line from a document's 'Source of ...' section after it, nor a"
        " line saying only where content is: who published what pads it (a question on the source is led by one).",
    )
    management_without_provenance: bool = rule(
        True,
        False,
        "A management answer quotes nothing from a document's 'Source of ...' section, nor a line saying only where"
        " content is ('the guide has a management row for grade 4 CRS'): who published what is no step.",
    )
    management_without_criteria: bool = rule(
        True,
        False,
        "A management answer on a grade the question names quotes no grading row or criterion: the grade was given.",
    )
    facet_leads: int = budget(2, "Units leading a management answer: two sources agreeing, or one source's two steps.")
    spelled_out_definitions: bool = rule(
        True,
        False,
        "'what is ICAHT?' is answered by the sentence spelling the term out, not by a note on what of it is missing.",
    )
    syndrome_from_findings: bool = rule(
        True,
        False,
        "Findings and 'what is it?' are answered by lines on another syndrome than the question names as over"
        " ('ferritin rising as CRS settles, dx?': IEC-HS), not by lines sharing its words ('CRS resolved').",
    )
    definition_statements: int = budget(2, "... in at most this many statements.")
    whether_at_grade: bool = rule(
        True,
        False,
        "Whether to give a drug at one grade ('should we give toci for grade 1 CRS?') is answered by what sources say"
        " of that drug at that grade, not by its doses naming no grade.",
    )
    whether_statements: int = budget(3, "... in at most this many statements: the conditions, not every restatement.")
    ladder: bool = rule(
        True, False, "A 'next step' question gets the refractory step with a drug not yet given, not the last one."
    )
    same_grade_untried: bool = rule(
        True,
        False,
        "... and when the patient had one drug of the grade's regimen ('gr3 CRS, got 1 dose of toci'), its other drug"
        " at that grade (ASCO's dexamethasone) comes before the grade's refractory step.",
    )
    unwanted_drug_rows: bool = rule(
        True,
        False,
        "A drug the question wants to avoid ('want to avoid steroids — options?') gives no dosing row of its own.",
    )
    named_trial_only: bool = rule(
        True, False, "A question naming a trial gets no rate of another trial or side cohort, even below the best."
    )
    named_product_first: bool = rule(
        True,
        False,
        "A question naming a CAR-T product is led by what is said of it, not by the others' rule; what is said of it"
        " on nothing asked (its CRS rates for a REMS question) is padding.",
    )
    product_subject_gap: bool = rule(
        True, False, "... and when no line holds the question's other words ('carvykti how many bags?'), it abstains."
    )
    route_gap: bool = rule(
        True,
        False,
        "A drug asked by a route no line gives it by: the gap is said first, the other routes' lines after.",
    )
    other_product_related: bool = rule(
        True, False, "... and a line on another product only is related; with only such lines, the gap is said first."
    )
    named_study_only: bool = rule(True, False, "A question naming one study is answered from that study only.")
    cell_doses: bool = rule(
        True, False, "A dose question naming a CAR-T product and no drug is answered by a dose in cells, or not at all."
    )
    one_fact: bool = rule(
        True, False, "A question asking for one fact (a maximum, onset, rate, yes/no) gets the statement carrying it."
    )
    one_fact_statements: int = rule(2, 1, "... and a second only for a word of the question the first leaves open.")
    one_fact_other_source: float = rule(
        0.95,
        2.0,
        "... or another source's line, scoring this share of the lead, giving the fact with other values: they differ.",
    )
    one_fact_by_product: bool = rule(
        True,
        False,
        "... and, asked with no product, each product's line giving it ('typical time to CRS onset?').",
    )
    rates_by_product: bool = rule(
        True,
        False,
        "How common a toxicity is, asked with no product: each product's rate first ('what % get CRS after CAR-T?').",
    )
    one_fact_tie: float = rule(
        0.98, 2.0, "... unless another sentence of its passage scores as high with another value: a list, item by item."
    )
    schedule_list: bool = rule(
        True, False, "... and those sentences, with no other line, answer: the schedule the source gives, item by item."
    )
    one_fact_coverage: float = rule(
        0.75, 0.0, "... when it covers this much of what the question is about (its words less the ask's)."
    )
    # Budgets.
    max_statements: int = budget(5, "Statements in a prose answer: fewer, relevant ones beat five.")
    max_words: int = budget(120, "Words those statements share (the first always fits).")
    max_dosing_rows: int = budget(8, "Rows in a dosing table.")
    products_listed: int = budget(4, "Products given a line each when a fact or rate is asked with no product.")
    graded_management: int = budget(
        1, "Statements on what to do under a grade computed from findings: the grade was asked, not the plan."
    )

    @classmethod
    def names(cls) -> list[str]:
        """The rules that can be turned off, in declaration order."""
        return [
            name
            for name, field in cls.model_fields.items()
            if isinstance(field.json_schema_extra, dict) and "off" in field.json_schema_extra
        ]

    @classmethod
    def ablated(cls, *names: str) -> ComposerRules:
        """The default rules with each rule of ``names`` turned off (two rules that guard against the same thing are
        each tested with the other off)."""
        off = {}
        for name in names:
            extra = cls.model_fields[name].json_schema_extra
            assert isinstance(extra, dict)
            off[name] = extra["off"]
        return cls.model_validate(off)
