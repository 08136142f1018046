"""The parsed question: the clinical facts Carta reads from bedside phrasing."""

from __future__ import annotations

import pytest

from assistant.answering.question import Ask, Asked, Intent, ParsedQuestion
from assistant.retrieval.synonyms import spell_out
from assistant.text import course_days, course_steps


def parse(question: str) -> ParsedQuestion:
    return ParsedQuestion.read(spell_out(question))


def test_a_dose_question_names_drug_toxicity_grade_and_weight_band() -> None:
    parsed = parse("toci dose for grade 2 CRS in a 22 kg kid")
    assert parsed.intent is Intent.DOSING
    assert parsed.asks == [Ask.DOSE]
    assert (parsed.drugs, parsed.toxicities, parsed.grades) == (["tocilizumab"], ["crs"], [2])
    assert parsed.population.model_dump() == {"age_band": "pediatric", "weight_kg": 22.0, "weight_band": "<30 kg"}


@pytest.mark.parametrize(
    ("question", "band"),
    [
        ("pt is 120 kg, toci dose?", "≥30 kg"),
        ("toci for CRS in a peds pt under 30 kg?", "<30 kg"),
        ("toci?", None),
        ("pt is 60 lbs, toci dose for CRS?", "<30 kg"),  # pounds read in kg: 27.2 kg
        ("toci dose, 70 lb kid with CRS", "≥30 kg"),  # 31.8 kg: a child from 30 kg takes the ≥30 kg dose
        ("25-kilo kid with CRS — toci at 8 mg/kg OK?", "<30 kg"),  # a hyphenated weight; mg/kg is no weight
        ("toci for a 45-lb child?", "<30 kg"),
    ],
)
def test_weight_bands(question: str, band: str | None) -> None:
    assert parse(question).population.weight_band == band


def test_a_next_step_question_reads_the_line_of_therapy() -> None:
    parsed = parse("CRS still hypotensive after 2 doses of toci, next step?")
    assert Ask.NEXT_STEP in parsed.asks and Ask.DOSE not in parsed.asks
    assert parsed.line.after_doses == 2
    # Managing a patient who has had doses asks what follows them; with none given, how to manage.
    assert Ask.NEXT_STEP in parse("grade 3 CRS on norepinephrine after one dose of tocilizumab — plan?").asks
    assert Ask.NEXT_STEP not in parse("grade 3 CRS on norepinephrine — plan?").asks
    later = parse("no better after 24 h on that, now what?")
    assert later.line.refractory and later.line.no_better_after == "24 h"


@pytest.mark.parametrize(
    ("question", "persisting", "next_step"),
    [
        ("still need to be w/in 2h of the center x4wks after axicel?", False, False),
        ("is REMS still required after kymriah?", False, False),
        ("do we still have to keep 2 doses of toci after infusion?", False, False),
        ("pt still needs 2 pressors after toci", True, True),
        ("still febrile after toci", True, True),
    ],
)
def test_still_before_an_obligation_is_no_patient_state(question: str, persisting: bool, next_step: bool) -> None:
    parsed = parse(question)
    assert parsed.line.persisting is persisting and (Ask.NEXT_STEP in parsed.asks) is next_step


def test_local_protocol_and_guideline_body() -> None:
    parsed = parse("per our protocol, what does ASCO say on dex for G3 ICANS?")
    assert parsed.local_only and parsed.bodies == ["asco"] and parsed.grades == [3]
    assert "local protocol" in parsed.summary() and "ICANS grade 3" in parsed.summary()


def test_a_negated_toxicity_is_not_asked_about() -> None:
    assert parse("grade 3 ICANS without CRS, what to give?").toxicities == ["icans"]


def test_a_named_trial_sets_aside_other_trials_and_side_cohorts() -> None:
    from assistant.answering.question import Asked

    asked = Asked.read("ZUMA-1 rates grade ≥3 CRS", Intent.PRODUCT)
    assert asked.about_another("In ZUMA-3, grade ≥3 CRS occurred in 24%.")
    assert asked.about_another("In ZUMA-1 cohort 4, grade ≥3 CRS occurred in 2%.")
    assert not asked.about_another("In ZUMA-1, grade ≥3 CRS occurred in 13%.")


@pytest.mark.parametrize(
    ("question", "risk"),
    [
        ("risk factors for severe CRS?", True),
        ("which pts are at high risk of severe CRS?", True),
        ("what predicts ICAHT?", True),
        ("seizure risk after car-t — who's high risk?", True),
        ("risk of CRS with yescarta?", False),  # how often, not who
        ("what risk of CRS after kymriah?", False),
        ("high-risk pts gr2 ICANS dex?", False),
        ("who gets carHLH?", True),  # who gets a toxicity: who is at risk of it
        ("which pts develop hematotoxicity after CAR-T?", True),
        ("who gets G-CSF after CAR-T?", False),  # who gets a drug: who it is for
    ],
)
def test_a_question_asking_who_is_at_risk_is_read_so(question: str, risk: bool) -> None:
    from assistant.answering.question import Asked

    assert Asked.read(question, Intent.GENERAL).risk is risk


def test_who_gets_a_toxicity_is_searched_with_the_documents_word_risk() -> None:
    """ "who gets carHLH?" finds the Lichtenstein heading "Risk factor for carHLH"."""
    from assistant.retrieval.synonyms import asked_terms

    assert "risk" in asked_terms("who gets carHLH?")
    assert "risk" not in asked_terms("carHLH ferritin cutoff?")
    assert "risk" not in asked_terms("who gets entecavir before CAR-T?")  # a drug: who it is for, not who is at risk


def test_a_child_by_age_alone_is_searched_with_the_documents_word_pediatric() -> None:
    """ "ICANS in a 10-month-old — what makes it grade 4?" finds the ASTCT paediatric grading; an adult adds nothing."""
    from assistant.retrieval.synonyms import asked_terms

    assert "pediatric" in asked_terms("ICANS in a 10-month-old — what makes it grade 4?")
    assert "pediatric" not in asked_terms("ICANS in a 55 yo — what makes it grade 4?")


def test_our_protocol_asks_for_local_documents() -> None:
    from assistant.answering.question import Asked

    assert Asked.read("per our protocol, dex for grade 3 ICANS?", Intent.DOSING).local
    assert not Asked.read("dex for grade 3 ICANS?", Intent.DOSING).local


@pytest.mark.parametrize(
    ("question", "drugs", "prior"),
    [
        ("steroid refractory ICANS, how much anakinra", ["anakinra"], ["corticosteroids"]),
        ("dex dose for grade 3 ICANS on toci?", ["dexamethasone"], ["tocilizumab"]),
        ("still G4 on the MP pulse, what next?", [], ["methylprednisolone"]),
        ("rux for steroid-refractory neurotox — dose?", ["ruxolitinib"], []),
        ("CRS no better after the first toci dose, next?", [], ["tocilizumab"]),
        ("sylvant instead of toci for persistent fever gr1 CRS — dose?", ["siltuximab"], ["tocilizumab"]),
        ("gr3 CRS, toci x1 given, on norepi.", [], ["tocilizumab"]),  # a drug given is the line
        ("CRS, toci contraindicated — what else?", [], ["tocilizumab"]),  # a drug not to be given is not asked
        ("gr2 ICANS, want to avoid dex — options?", [], ["dexamethasone"]),
        ("gr3 ICANS, something other than dex?", [], ["dexamethasone"]),
        ("can't give tocilizumab — alternative for CRS?", [], ["tocilizumab"]),  # nor one that cannot be
        ("2 doses of toci in, gr 3 CRS not improving — which steroid and dose?", ["corticosteroids"], ["tocilizumab"]),
        ("ICANS not responding to dex — anakinra how much?", ["anakinra"], ["dexamethasone"]),  # a treatment failing
        ("no better with toci x2, gr 3 CRS — steroid?", ["corticosteroids"], ["tocilizumab"]),
        ("gr3 CRS, got 1 dose of toci, now what?", [], ["tocilizumab"]),  # what the patient got, had, is s/p
        ("s/p toci, still hypotensive — dex dose?", ["dexamethasone"], ["tocilizumab"]),
        ("had two doses of tocilizumab, gr 3 CRS — next?", [], ["tocilizumab"]),
    ],
)
def test_a_drug_already_given_is_the_line_not_the_drug_asked(question: str, drugs: list, prior: list) -> None:
    parsed = parse(question)
    assert (parsed.drugs, parsed.prior_drugs) == (drugs, prior)


@pytest.mark.parametrize(
    ("question", "after_doses", "first_line", "asks_dose"),
    [
        ("CRS no better after the first toci dose, next?", 1, False, False),
        ("gr 2 CRS still hypotensive after 2 doses of toci, next step?", 2, False, False),
        ("kymriah: 2 toci doses on site still required?", None, False, False),
        ("initial dex dose for gr3 ICANS?", None, True, True),
        ("gr3 CRS, got 1 dose of toci, now what?", 1, False, False),
        ("had two doses of tocilizumab, gr 3 CRS — next?", 2, False, False),
        ("s/p 2 rounds of toci, next?", 2, False, False),
    ],
)
def test_doses_counted_as_given_are_the_line_not_a_dose_asked(
    question: str, after_doses: int | None, first_line: bool, asks_dose: bool
) -> None:
    parsed = parse(question)
    assert parsed.line.after_doses == after_doses and parsed.line.first_line is first_line
    assert (Ask.DOSE in parsed.asks) is asks_dose and (parsed.intent is Intent.DOSING) is asks_dose


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("gr2 crs toci?", Intent.DOSING),
        ("22 kg kid w/ CRS after kymriah — toci?", Intent.DOSING),
        ("zuma-1 cohort 4 early steroids — severe CRS?", Intent.GENERAL),  # the drug says who was treated
        ("zuma-1 cohort 6 — severe CRS with the ppx dex?", Intent.GENERAL),  # the drug the named trial gave
        ("ppx dex with axi-cel — did it reduce severe CRS?", Intent.EVIDENCE),  # ends on a toxicity: no dose
        ("toci given 6h ago, still febrile — repeat now?", Intent.DOSING),  # giving a drug again: its interval
        ("gr3 icans not settling — repeat MRI/CT?", Intent.GENERAL),  # no drug named: no dose asked
        ("dex for 15 kg kid ICANS gr3?", Intent.DOSING),  # a drug for a patient given by weight: how much
        ("keppra 20 kg child post car-t?", Intent.DOSING),
        ("15 kg kid with grade 3 ICANS — what do we do?", Intent.MANAGEMENT),  # a weight and no drug: no dose
    ],
)
def test_a_toxicity_question_ending_on_a_drug_asks_its_dose(question: str, intent: Intent) -> None:
    assert parse(question).intent is intent


def test_a_follow_up_ending_on_a_drug_asks_no_bare_rate() -> None:
    """A product, a toxicity and a grade ask how often it occurred ("ZUMA-2 gr3+ CRS?"), but not when the follow-up's
    own last clause names a drug ("what if it's after yescarta — dex?" carrying "(icans; grade 2)")."""
    assert parse("ZUMA-2 gr3+ CRS?").asks == [Ask.RATE]
    follow_up = ParsedQuestion.read("what if it's after yescarta — dex? (icans; grade 2)", carried="icans; grade 2")
    assert Ask.RATE not in follow_up.asks
    assert Ask.RATE in ParsedQuestion.read("what if it's after yescarta — dex? (icans; grade 2)").asks  # read whole


@pytest.mark.parametrize(
    "question",
    [
        "emapalumab for IEC-HS in adults — what's out there?",
        "anakinra in ICANS, literature?",
        "Wehrli anakinra series, how did the pts do?",
    ],
)
def test_asking_what_is_published_asks_for_the_evidence(question: str) -> None:
    assert parse(question).intent is Intent.EVIDENCE


def test_bedside_drug_shorthand_is_read() -> None:
    parsed = parse("IT hydrocort + MTX for refractory neurotox — doses?")
    assert parsed.drugs == ["hydrocortisone", "methotrexate"] and parsed.toxicities == ["icans"]
    assert parse("cytoxan for refractory ICANS?").drugs == ["cyclophosphamide"]
    assert parse("silt dose for refractory fever in gr1 CRS?").drugs == ["siltuximab"]
    assert spell_out("is IT safe?") == "is IT safe?"  # a capital IT before no drug is the pronoun


def test_data_on_a_drug_asks_about_that_drug() -> None:
    assert ParsedQuestion.read("any data on emapalumab for refractory CRS in kids?").drugs == ["emapalumab"]
    assert ParsedQuestion.read("still febrile on toci, add dex?").drugs == ["dexamethasone"]
    refractory_to = ParsedQuestion.read("kineret dose for ICANS refractory to steroids?")
    assert refractory_to.drugs == ["anakinra"] and refractory_to.prior_drugs == ["corticosteroids"]


def test_a_grade_named_as_the_one_to_manage_by_is_not_the_patients() -> None:
    """ "gr1 CRS febrile 4 days — treat as gr2?": the patient has grade 1; "or" names a range like "to" does."""
    from assistant.answering.question import grades_in

    assert grades_in("grade 1 CRS febrile 4 days — treat as grade 2 per ASCO?", targets=False) == {"1"}
    assert grades_in("grade 3 CRS that is refractory is managed as per grade 4 CRS", targets=False) == {"3"}
    assert grades_in("grade 3 or 4 CRS, how do we treat?") == {"3", "4"}


@pytest.mark.parametrize(
    ("question", "grades"),
    [
        ("severe CRS — what do we do?", [3, 4]),
        ("high-grade neurotox with axi-cel?", [3, 4]),
        ("high grade ICANS tx?", [3, 4]),
        ("how to manage moderate to severe ICANS?", []),  # a span the guidelines word so, not a grade
        ("CRS with severe hypotension, grade?", []),  # the finding is severe, not the toxicity
    ],
)
def test_a_severe_toxicity_is_read_as_grade_3_and_up(question: str, grades: list[int]) -> None:
    assert parse(question).grades == grades


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("ICE out of how many?", "number"),
        ("toci max per dose?", "number"),
        ("axi-cel median CRS onset?", "duration"),
        ("dex q6 or q12 for G3 CRS?", "interval"),
        ("How often should the ICE score be checked?", "interval"),
        ("ZUMA-2 gr≥3 CRS %?", "rate"),
        ("tecartus REMS still required?", "yes_no"),
        ("tecartus: is the REMS still in place?", "yes_no"),
        ("ICE score ok in a 9 year old?", "yes_no"),
        ("steroids for gr 2 CRS — yes or no?", "yes_no"),
        ("febrile only, gr1 CRS — toci now or wait?", "yes_no"),  # whether to give it yet
        ("L/min cutoff between low and high flow O2 in CRS grading?", "number"),  # one cutoff between two sides
        ("day 5 post CAR-T, keep the keppra ppx going?", "duration"),  # whether to keep it going: for how long
        ("emapalumab infusion time?", "infusion"),
        ("gamifant for HLH: infuse over how long?", "infusion"),
        ("How long is a tocilizumab infusion for CRS?", "infusion"),
        ("how long after infusion does CRS start?", "duration"),  # when something happens, not how long it runs
        ("at what weight does toci go from 12 to 8 mg/kg?", "number"),
        ("what SBP counts as hypotension for CRS grading?", "number"),
        ("what SBP defines hypotension in CRS grading?", "number"),  # a measure that defines a finding: its cutoff
        ("min age for ICE score?", "number"),
        ("from which age can the ICE score be used?", "number"),  # 'which' asks as 'what' does
        ("gr3 ICANS ICE range?", "number"),
        ("ICE score frequency w/ ICANS?", "interval"),
        ("gr3 icans not settling — repeat MRI/CT how often?", "interval"),  # something done, not how often it occurs
        ("liso-cel monitoring period still 4 wk?", "duration"),
        ("hypotension for CRS grading = SBP below what?", "number"),
        ("levaquin ppx post CAR-T, when do we stop?", "time"),
        ("bactrim after CAR-T, what day do we start?", "time"),
        ("vaccines again after CAR-T — when?", "time"),  # a bare "when?" asks a point in time
        ("axi-cel CRS onset, median?", "duration"),  # "median" says how the onset is summarised, not a 2nd ask
        ("ZUMA-1 neurotox: time to onset, median", "duration"),
        ("T-cell lymphoma after CAR-T — how early can it show up?", "duration"),  # an onset in everyday words
        ("liso-cel — driving restriction, how long?", "duration"),  # driving is what the time asked is of
        ("dex taper after ICANS, how long?", "duration"),
        ("ICANS onset, duration?", ""),  # two times: when it starts and how long it lasts
        ("PJP ppx post CD19 CAR-T: which drug, when to start?", ""),  # the agent and its start: two facts
        # More than one fact: two asks, criteria, a toxicity's rate with no grade, what to do.
        ("yescarta CRS rate & onset in ZUMA-1?", ""),
        ("toci dose for grade 2 CRS in an adult? max?", ""),
        ("toci dose, max?", ""),  # a maximum is a second fact; only a bare statistic qualifies the other part
        ("IEC-HS criteria / ferritin cutoff?", ""),
        ("how often does new CRS start after week 2?", ""),
        ("ELIANA neurotoxicity rate?", ""),
        ("ELIANA: neurologic events, how many, how bad?", ""),  # how bad asks their grades: a second fact
        ("how do you treat gr1 CRS?", ""),
        ("gr 2 CRS still hypotensive after 2 doses of toci, next step?", ""),
    ],
)
def test_a_question_asking_one_fact_says_which_kind(question: str, kind: str) -> None:
    parsed = parse(question)
    assert parsed.one_fact == kind
    assert ("one fact" in parsed.summary()) is bool(kind)


def test_a_named_product_sets_aside_other_products_figures() -> None:
    from assistant.answering.question import Asked

    asked = Asked.read("yescarta grade ≥3 CRS rate on the FDA label?", Intent.PRODUCT)
    assert asked.about_another("In the Abecma label safety set (ide-cel), grade ≥3 CRS occurred in 9%.")
    assert not asked.about_another("In ZUMA-1 (axi-cel), grade ≥3 CRS occurred in 13%, per the Yescarta label.")
    assert not asked.about_another("The boxed warnings on Abecma, Kymriah and Yescarta remain.")


def test_counted_doses_ask_for_no_dose() -> None:
    assert parse("still need 2 doses of toci on site per kymriah pt?").intent is not Intent.DOSING
    assert parse("toci doses for grade 2 CRS?").intent is Intent.DOSING


def test_when_is_it_grade_n_asks_for_the_criterion() -> None:
    parsed = parse("infant w/ ICANS — when is it gr4?")
    assert parsed.intent is Intent.GRADING and Ask.CLASSIFY in parsed.asks
    assert parsed.population.age_band == "pediatric"


@pytest.mark.parametrize("question", ["toci for CRS in an 18 month old?", "ok in a 9-month-old?", "1.5 yo w/ CRS"])
def test_an_age_in_months_or_under_two_years_is_a_child(question: str) -> None:
    assert parse(question).population.age_band == "pediatric"


@pytest.mark.parametrize(
    ("question", "local"),
    [
        ("our institutional guideline on toci for grade 1 CRS?", True),
        ("our dex dose for grade 3 ICANS?", True),
        ("what does our hospital's policy say on G-CSF?", True),
        ("our pt is 120 kg, toci dose?", False),  # the patient, not the hospital's practice
        ("gr4 CRS on 2 pressors, what do we do", False),
    ],
)
def test_the_hospitals_own_practice_is_read_as_local(question: str, local: bool) -> None:
    assert parse(question).local_only is local


@pytest.mark.parametrize("question", ["55 yo, what makes ICANS grade 3?", "ASTCT grade 4 CRS definition?"])
def test_what_makes_it_grade_n_asks_for_the_criterion(question: str) -> None:
    parsed = parse(question)
    assert parsed.intent is Intent.GRADING and Ask.CLASSIFY in parsed.asks


@pytest.mark.parametrize(
    ("question", "grades"),
    [("ICANS — when does it count as grade 2?", [2]), ("what qualifies as grade 3 CRS?", [3])],
)
def test_what_counts_as_grade_n_asks_that_grades_criterion_and_no_time(question: str, grades: list[int]) -> None:
    """ "count as" names the grade asked about, unlike "manage as grade 3"; "when does it" asks no time here."""
    parsed = parse(question)
    assert parsed.intent is Intent.GRADING and parsed.asks == [Ask.CLASSIFY]
    assert parsed.grades == grades


def test_unchanged_some_hours_after_a_drug_is_no_better_after_that_time() -> None:
    parsed = parse("gave toci 24 h ago, CRS unchanged — time for steroids?")
    assert Ask.NEXT_STEP in parsed.asks
    assert parsed.line.refractory and parsed.line.no_better_after == "24 h"


@pytest.mark.parametrize("question", ["keppra dose once NCSE is controlled?", "levetiracetam after status is broken?"])
def test_a_dose_once_the_event_is_controlled_is_the_maintenance_dose(question: str) -> None:
    assert parse(question).line.phase == "maintenance"


def test_a_local_question_is_weighed_without_its_local_words() -> None:
    from assistant.answering.question import Asked, without_local

    assert without_local("our unit's G-CSF policy post CAR-T?") == "G-CSF post CAR-T?"
    assert without_local("how often ICE checks per our SOP?") == "how often ICE checks ?"
    assert without_local("G-CSF policy post CAR-T?") == "G-CSF policy post CAR-T?"  # not asking for a local one
    asked = Asked.read("per our protocol, dex for grade 3 ICANS?", Intent.DOSING)
    assert asked.local and "protocol" not in asked.core


@pytest.mark.parametrize(
    ("question", "intent", "next_step"),
    [
        ("astct gr4 crs definition", Intent.GRADING, False),
        ("still febrile >3d, what do we do", Intent.MANAGEMENT, True),
        # The grade after the verb is the setting of what to do, not a grade asked.
        ("what do we do for grade 3 CRS?", Intent.MANAGEMENT, False),
        ("what to give for grade 2 CRS?", Intent.MANAGEMENT, False),
        ("gr2 CRS, what do we add?", Intent.MANAGEMENT, False),  # what to add is what to give
        ("anything to give for gr2 ICANS?", Intent.MANAGEMENT, False),
        ("what grade is this CRS?", Intent.GRADING, False),
        ("what's next after 2 doses of toci for gr2 CRS?", None, True),  # no definition asked
        ("fever persists day 4, now what", None, True),
        ("had the toci, BP still on the low side — now?", None, True),  # a state and "now?" ask what next
        ("do I still grade it as CRS w/o fever?", None, False),
        # A patient's state typed as a statement asks what to do; a span of grades with a product asks a rate.
        ("gr3 ICANS, no CRS.", Intent.MANAGEMENT, False),
        ("gr1 CRS, fever 39, day 2 after yescarta.", Intent.MANAGEMENT, False),
        ("ZUMA-2 gr3+ CRS", Intent.GENERAL, False),
        ("abecma gr3 CRS", Intent.GENERAL, False),  # typed as a search: no punctuation, no statement
        # Another option than a drug not wanted, at one grade: what to do at that grade.
        ("gr2 ICANS no CRS, want to avoid steroids — options?", Intent.MANAGEMENT, False),
        ("SITC: still call it CRS w/o fever once toci given?", Intent.GENERAL, False),  # ends on a drug given
    ],
)
def test_bedside_wording_of_a_grade_definition_and_a_next_step(
    question: str, intent: Intent | None, next_step: bool
) -> None:
    parsed = parse(question)
    assert intent is None or parsed.intent is intent
    assert (Ask.NEXT_STEP in parsed.asks) is next_step


def test_asking_what_to_add_asks_how_to_manage() -> None:
    for question in ("gr2 CRS, what do we add?", "anything to give for gr2 ICANS?", "gr3 CRS on toci — add anything?"):
        assert Ask.MANAGE in parse(question).asks


@pytest.mark.parametrize(
    ("question", "timing"),
    [
        ("gcsf post car t neutropenia when", True),
        ("pjp ppx after cd19 car-t drug + start", True),
        ("filgrastim after CAR-T for low ANC - when start", True),
        ("starting gamifant dose for primary hlh", False),
        ("kymriah CRS — when does it usually start?", True),
        ("seizure ppx still needed on day 5?", True),  # how long it goes on
        ("keppra ppx — still giving it on day 20?", True),
        ("still on acyclovir at day 90, keep going?", True),
        ("still hypotensive on day 3 after toci, next?", False),  # a finding that persists asks the next step
    ],
)
def test_a_terse_when_asks_for_timing(question: str, timing: bool) -> None:
    assert (Ask.TIMING in parse(question).asks) is timing


@pytest.mark.parametrize(
    ("question", "onset"),
    [
        ("yescarta neurotox usually starts what day?", True),
        ("when does CRS start after kymriah?", True),
        ("when do we start bactrim after CAR-T?", False),
    ],
)
def test_a_toxicity_that_starts_asks_for_its_onset(question: str, onset: bool) -> None:
    # The shorthand rewrites say "(median onset)", as the documents give it, before the question is read.
    asked = Asked.read(spell_out(question), Intent.GENERAL)
    assert ("onset" in asked.core) is onset


def test_a_spaced_plus_joins_two_asks() -> None:
    from assistant.answering.question import one_fact

    assert one_fact("early vs late ICAHT cutoff day, graded by what", Intent.GENERAL, [Ask.CLASSIFY]) == ""
    assert one_fact("gr2 CRS, toci max?", Intent.DOSING, [Ask.DOSE]) == "number"
    assert one_fact("zuma-1 crs incidence + time to onset yescarta", Intent.PRODUCT, [Ask.RATE]) == ""
    assert one_fact("T-ICAHT grade at day +30?", Intent.GRADING, [Ask.CLASSIFY]) == one_fact(
        "T-ICAHT grade at day 30?", Intent.GRADING, [Ask.CLASSIFY]
    )


@pytest.mark.parametrize(
    "question",
    [
        "Is tocilizumab recommended for grade 1 CRS?",
        "is actemra indicated in gr1 CRS?",
        "should we give toci for gr1 CRS?",
    ],
)
def test_whether_a_drug_is_recommended_for_a_grade_asks_how_it_is_managed(question: str) -> None:
    """Such a question is led by what the sources say at that grade (``facet_lead``), not the label's dose."""
    assert Ask.MANAGE in parse(question).asks
    assert Ask.MANAGE not in parse("tocilizumab dose for grade 1 CRS?").asks


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("n-icaht grading: anc cutoffs + how many days?", {Ask.CLASSIFY, Ask.TIMING}),
        ("how many pts had grade ≥3 CRS in ZUMA-1?", {Ask.RATE}),
        ("how to grade icans in a 4yo", {Ask.CLASSIFY}),
    ],
)
def test_how_many_days_asks_a_duration_and_how_to_grade_a_grade(question: str, asks: set[Ask]) -> None:
    assert set(parse(question).asks) == asks


@pytest.mark.parametrize(
    ("question", "rate"),
    [("ide-cel neurotoxicity %?", True), ("ELIANA neuro events % in kids", True), ("sat 88% on 2L, CRS grade?", False)],
)
def test_a_bare_percent_sign_asks_a_rate_and_a_measured_percent_does_not(question: str, rate: bool) -> None:
    from assistant.answering.question import Asked

    assert (Ask.RATE in parse(question).asks) is rate
    assert Asked.read(spell_out(question), Intent.GENERAL).wants_rate is rate


def test_every_spelling_of_at_least_a_grade_reads_alike() -> None:
    read = {
        parse(f"ide-cel {typed} CRS rate").model_dump_json() for typed in ("gr≥3", "≥G3", "grade 3+", "gr 3 or higher")
    }
    assert len(read) == 1


@pytest.mark.parametrize(
    ("question", "kind"),
    [("levaquin ppx post car-t until when?", "time"), ("acyclovir ppx until when?", "time")],
)
def test_until_when_asks_a_point_in_time(question: str, kind: str) -> None:
    assert parse(question).one_fact == kind


@pytest.mark.parametrize("question", ["CRS + ICANS, another dose of toci ok?", "more tocilizumab or not?"])
def test_asking_leave_at_the_end_hints_at_what_the_sources_caution(question: str) -> None:
    from assistant.answering.question import Asked

    asked = Asked.read(spell_out(question), Intent.GENERAL)
    assert "caution" in {word for concept in asked.extra for term in concept for word in term}


@pytest.mark.parametrize(
    ("question", "hinted"),
    [
        ("repeat toci with concurrent ICANS?", True),
        ("more tocilizumab or not?", True),
        ("repeat MRI how often?", False),
    ],
)
def test_giving_a_drug_again_is_searched_as_repeated_doses(question: str, hinted: bool) -> None:
    asked = Asked.read(spell_out(question), Intent.GENERAL)
    assert ("repeated" in {word for concept in asked.extra for term in concept for word in term}) is hinted


def test_coming_back_is_searched_as_recovery() -> None:
    """ "when do B cells come back?": the documents write "B-cell recovery"."""
    asked = Asked.read(spell_out("when do B cells come back after CAR-T?"), Intent.GENERAL)
    assert "recovery" in {word for concept in asked.extra for term in concept for word in term}


def test_at_least_a_grade_is_read_as_the_grades_it_spans() -> None:
    from assistant.answering.question import grades_in

    assert grades_in("grade ≥3 CRS occurred in 15%") == {"3", "4"}
    # ... and so is a grade a step starts from ("onwards"); "or higher" may be another toxicity's grade.
    assert grades_in("MRI (or CT) of the brain is obtained from grade 2 ICANS onwards.") == {"2", "3", "4"}
    assert grades_in("grade 2 ICANS with CRS of grade 2 or higher may warrant ICU care") == {"2"}
    assert grades_in("grade 2 CRS or grade 3 ICANS") == {"2", "3"}  # a grade named after no range
    assert parse("ZUMA-1 gr≥2 ICANS rate").grades == [2, 3, 4]


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("cilta-cel gr 3+ CRS?", "rate"),  # a product, a toxicity and its grade, nothing asked in words
        ("ZUMA-2 grade 4 ICANS", "rate"),  # a trial instead of a product
        ("ZUMA-3 tecartus adult ALL: gr≥3 CRS and neuro events?", ""),  # two facts: the rate, but not one
        ("gr3 CRS?", ""),  # no study or product: a grade's management or criteria, not how often it occurs
        ("tecartus gr3 CRS tx?", ""),  # asks how to treat
    ],
)
def test_a_study_a_toxicity_and_its_grade_alone_ask_how_often(question: str, kind: str) -> None:
    from assistant.answering.question import Asked

    parsed = parse(question)
    assert parsed.one_fact == kind
    assert Asked.read(spell_out(question), parsed.intent).wants_rate is (Ask.RATE in parsed.asks)


def test_the_words_of_what_is_asked_are_not_its_subject() -> None:
    from assistant.answering.question import Asked

    asked = Asked.read(spell_out("n-icaht grading: anc cutoffs + how many days?"), Intent.GENERAL)
    assert {"many", "days", "cutoff"} <= asked.asking
    assert not {"n-icaht", "anc"} & asked.asking


def test_an_intent_decided_by_the_caller_is_the_one_the_parse_reads_with() -> None:
    """A follow-up's own words may decide the intent: the one fact asked is then read with it, not with the query's."""
    question = spell_out("ZUMA-2 gr≥3 CRS %?")
    assert ParsedQuestion.read(question).one_fact == "rate"
    decided = ParsedQuestion.read(question, Intent.EVIDENCE)
    assert (decided.intent, decided.one_fact) == (Intent.EVIDENCE, "")


@pytest.mark.parametrize(
    ("question", "count"),
    [
        ("ZUMA-2 n?", True),
        ("gazeau anakinra cohort size?", True),
        ("how many kids in the zhang emapalumab CRS study?", True),  # a count asked of a study on CRS
        ("park ppx anakinra trial, how many pts in cohort 1?", True),
        ("carvykti label safety data — how many pts?", True),
        ("how many pts did de Boer use to validate CAR-HEMATOTOX?", True),
        ("how many pts got CRS in ZUMA-1?", False),  # patients with a toxicity: a rate
        ("ICE naming worth how many pts?", False),  # points
    ],
)
def test_how_many_patients_a_study_holds_is_one_count_not_a_rate(question: str, count: bool) -> None:
    parsed = parse(question)
    assert (parsed.one_fact == "count") is count
    assert (Ask.RATE in parsed.asks) is (not count and "CRS" in question)


def test_a_follow_up_asking_how_many_patients_asks_a_count_whatever_it_carries() -> None:
    """ "and how many pts?" after "ZUMA-2 ORR / CR?" is read with its carried context in brackets after its own words:
    it still asks how many patients the trial holds, not a rate."""
    from assistant.answering.question import asks_count

    assert asks_count("and how many patients? (ZUMA-2 ORR / CR?)")
    assert Ask.RATE not in parse("and how many patients? (ZUMA-2 ORR / CR?)").asks


@pytest.mark.parametrize(
    "question",
    [
        "rationale for ppx anakinra vs ICANS?",  # ends on a drug and a toxicity: no dose asked
        "mechanism actemra worsening neurotoxicity",
        "IEC-HS — what drives it?",  # not driving
        "why do people say toci can make neurotox worse?",
    ],
)
def test_asking_why_or_by_what_mechanism_asks_for_the_reason(question: str) -> None:
    assert parse(question).intent is Intent.GENERAL
    assert Ask.TIMING not in parse(question).asks  # "what drives it" asks no time (driving would)


@pytest.mark.parametrize(
    ("question", "evidence"),
    [
        ("which journal published TRANSCEND NHL 001, and its DOI?", False),
        ("where was ZUMA-1 published? PMID?", False),  # a DOI or PMID after "published"
        ("anything published on emapalumab in adult IEC-HS?", True),  # what is published on a drug is its evidence
    ],
)
def test_asking_where_a_study_was_published_asks_no_evidence(question: str, evidence: bool) -> None:
    """A journal, DOI or PMID is where the study is, not what it found: 'published' asks no evidence there."""
    parsed = parse(question)
    assert (parsed.intent is Intent.EVIDENCE) is evidence and (Ask.EVIDENCE in parsed.asks) is evidence


def test_a_question_mark_inside_a_question_ends_one_ask() -> None:
    """ "how to grade ...? CAPD cut off" asks two things: how to grade, and the cut-off; not one number."""
    assert parse("how to grade icans in 4yo cant do ICE? capd cut off").one_fact == ""
    assert parse("capd cut off in a 4yo?").one_fact == "number"
    assert parse("ICE score — max points?").one_fact == "number"  # the score named alone is what is asked about
    dexa = parse("gr3 CRS dexa every 6 or every 12 h?")
    assert (dexa.one_fact, dexa.drugs) == ("interval", ["dexamethasone"])  # a choice of two intervals
    assert parse("can't give tocilizumab — alternative for CRS?").one_fact == ""  # "can't" asks no yes/no
    assert Ask.DEFINITION in parse("tisagenlecleucel is sold as?").asks  # a brand name


@pytest.mark.parametrize(
    "question",
    [
        "HBV DNA monitoring on entecavir post car-t, how often?",
        "CMV PCR how often on steroids after CAR-T?",
        "on entecavir post CAR-T, HBV DNA monitoring frequency?",
        "how often does ASH-SAP check IgG post CAR-T?",  # the verb in its base form
        "how often do they recheck IgG after CAR-T?",
    ],
)
def test_how_often_a_test_is_done_is_a_monitoring_interval_not_a_rate_or_a_dose(question: str) -> None:
    parsed = ParsedQuestion.read(question)
    assert (parsed.intent, parsed.one_fact) == (Intent.MONITORING, "interval")
    assert Ask.RATE not in parsed.asks
    assert not Asked.read(question, parsed.intent).wants_rate


def test_how_often_a_drug_is_given_is_an_interval() -> None:
    for question in ("toci how often can we repeat?", "CHOP emapalumab series — how often was it given?"):
        parsed = ParsedQuestion.read(question)
        assert (parsed.one_fact, Ask.RATE in parsed.asks) == ("interval", False), question


def test_the_scores_a_question_names_are_read_one_name_each() -> None:
    assert ParsedQuestion.read("ICE score max? and CAR-HEMATOTOX, h-score, CAPD?").scales == [
        "capd", "hematotox", "hscore", "ice"]  # fmt: skip
    assert ParsedQuestion.read("T-ICAHT platelet cutoff, N-ICAHT too?").scales == ["nicaht", "ticaht"]
    assert ParsedQuestion.read("ICANS grade?").scales == []


def test_how_often_a_toxicity_happens_is_still_a_rate() -> None:
    assert Ask.RATE in ParsedQuestion.read("how often does CRS start after week 2?").asks
    assert Ask.RATE in ParsedQuestion.read("frequency of cranial nerve palsy after cilta-cel?").asks
    for done in ("frequency of toci dosing?", "frequency of ICE checks?"):
        assert Ask.RATE not in ParsedQuestion.read(done).asks


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("tisa-cel gr3+ CRS in ALL vs in DLBCL?", ""),  # a rate for each population
        ("weight cutoff for 8 vs 12 mg/kg toci?", "number"),  # one cutoff between two doses
        ("low flow vs high flow cutoff for CRS grading, L/min?", "number"),  # one cutoff between two sides
    ],
)
def test_two_settings_side_by_side_ask_two_facts_but_two_sides_of_a_cutoff_ask_one(question: str, kind: str) -> None:
    assert parse(question).one_fact == kind


@pytest.mark.parametrize(
    ("question", "ask"),
    [
        ("has anyone tried anakinra for steroid-refractory ICANS?", Ask.EVIDENCE),
        ("what's known about emapalumab in adults with IEC-HS?", Ask.EVIDENCE),
        ("who has used gamifant in pediatric CRS?", Ask.EVIDENCE),
        ("anakinra in adults w/ refractory CRS — any reports?", Ask.EVIDENCE),
        ("Gazeau anakinra — key results?", Ask.EVIDENCE),
        ("MD Anderson ppx anakinra pilot NCT04432506 — what did they find?", Ask.EVIDENCE),
        ("G-CSF for ICAHT — known to help?", Ask.EVIDENCE),
        ("McNerney HLH-like tox after kymriah — results?", Ask.EVIDENCE),  # what a named study found, typed short
        ("Lichtenstein CD22 carHLH findings?", Ask.EVIDENCE),
        ("manghisi emapalumab adult case — what happened?", Ask.EVIDENCE),
        ("ZUMA-1 c6 ppx dex — bottom line?", Ask.EVIDENCE),
        ("what did de Boer's hematotox validation show?", Ask.EVIDENCE),  # the study named in several words
        ("emapalumab in kids w/ CRS (Zhang) — did they survive?", Ask.EVIDENCE),
        ("who recommends keppra ppx after CAR-T, and what dose?", Ask.POSITIONS),
        ("levetiracetam ppx dose, and is it universally recommended?", Ask.POSITIONS),  # do all bodies agree
        ("keppra ppx — recommended by everyone?", Ask.POSITIONS),
    ],
)
def test_bedside_wordings_of_an_ask_are_read_as_it(question: str, ask: Ask) -> None:
    """What a treatment or study achieved asks for the evidence; who recommends a drug asks each body's position."""
    assert ask in parse(question).asks


def test_transform_names_the_trial_and_transformed_does_not() -> None:
    from assistant.answering.question import trials_in

    assert trials_in("TRANSFORM EFS?") == frozenset({"transform"})
    assert trials_in("transformed FL after axi-cel — CRS rate?") == frozenset()


def test_the_evidence_intent_and_ask_read_alike() -> None:
    """One pattern serves both: a question read as asking for evidence has the evidence shape, and the other way."""
    for question in ("any trial data on anakinra ppx?", "has anyone tried anakinra for refractory ICANS?"):
        parsed = parse(question)
        assert parsed.intent is Intent.EVIDENCE and Ask.EVIDENCE in parsed.asks
    parsed = parse("kymriah CRS outside trials — rates?")
    assert parsed.intent is not Intent.EVIDENCE and Ask.EVIDENCE not in parsed.asks


def test_what_one_study_found_is_the_evidence_asked_but_not_the_evidence_shape() -> None:
    """ "ZUMA-2 results?" is answered by ZUMA-2's own sentences, not by a line for each study (asks.findings)."""
    for question in ("ZUMA-2 results?", "ELIANA findings?", "JULIET — bottom line?"):
        parsed = parse(question)
        assert Ask.EVIDENCE in parsed.asks and parsed.intent is not Intent.EVIDENCE
    assert Ask.EVIDENCE not in parse("new T-cell lymphoma after CAR-T — where do we report?").asks


def test_a_next_step_asked_on_no_step_reads_as_what_to_do_at_that_grade() -> None:
    """ "CRS gr4 — next?" names no step the patient is on: the reading shown with the answer says it asks what to
    do. A step given earlier in the conversation, named, or failing to clear a finding keeps the next-step ask."""
    parsed = parse("CRS grade 4 — next?").on_no_step(stepped=False)
    assert Ask.MANAGE in parsed.asks and Ask.NEXT_STEP not in parsed.asks
    assert parsed.intent is Intent.MANAGEMENT
    assert Ask.NEXT_STEP in parse("CRS grade 4 — next?").on_no_step(stepped=True).asks
    for question in (
        "grade 2 CRS not improving after tocilizumab — next step?",
        "grade 2 CRS still hypotensive after a fluid bolus, next step?",
    ):
        assert Ask.NEXT_STEP in parse(question).on_no_step(stepped=False).asks, question


def test_the_day_of_the_patients_course_is_no_subject_word() -> None:
    """ "seizure ppx still needed on day 5?" is not about G-CSF's 5 µg/kg; '5 days' of a duration still counts."""
    assert course_days("day +45, plt 40 for 3 days") == {"45"} and course_days("d+12 fever") == {"12"}
    assert "5" not in Asked.read("seizure ppx still needed on day 5?", Intent.GENERAL).core
    assert "5" in Asked.read("dex for 5 days in gr3 ICANS?", Intent.GENERAL).core


def test_the_step_the_course_dates_from_is_no_subject_word() -> None:
    """ "after a Kymriah infusion, how long before driving?" is not about infusions: the step every source's times run
    from says when. An infusion asked of ("toci infusion time?") stays a subject word."""
    assert course_steps("after a Kymriah Infusion, how long?") == {"infusion"}
    assert course_steps("post-infusion, how long before she can drive?") == {"post-infusion"}
    assert course_steps("toci infusion time?") == set()
    assert course_steps("parkinsonism — how long after infusion?") == set()  # the time asked runs from it
    assert course_steps("how many days post-infusion does CRS begin?") == set()
    assert "infusion" not in Asked.read("after a Kymriah infusion, how long before driving?", Intent.MONITORING).core
    assert "infusion" in Asked.read("toci infusion time?", Intent.DOSING).core


def test_a_prophylaxis_said_not_asked_is_no_prophylaxis() -> None:
    """ "acyclovir dose to treat HSV after CAR-T (not ppx)?" asks the treatment dose, not the prophylaxis rows."""
    parsed = parse("acyclovir dose to treat HSV after CAR-T (not ppx)?")
    assert parsed.line.treating and not parsed.line.prophylaxis
    assert parse("acyclovir ppx dose?").line.prophylaxis
    assert not parse("no prophylaxis given, HSV reactivation — acyclovir dose?").line.prophylaxis


def test_a_share_of_patients_asks_a_rate() -> None:
    """ "what share of CAR-T patients get severe CRS?" asks how often it occurs, as "how common is severe CRS?" does."""
    for question in ("what share of CAR-T patients get severe CRS?", "what fraction of pts get ICANS?"):
        parsed = parse(question)
        assert parsed.intent is Intent.PRODUCT and Ask.RATE in parsed.asks, question


def test_a_bodys_guidance_or_advice_on_a_toxicity_asks_its_management() -> None:
    """ "summarize ASCO's CRS guidance" asks ASCO's steps for CRS as "ASCO CRS recs?" does; dosing guidance stays a
    dose question."""
    for question in ("summarize ASCO's CRS guidance", "EBMT advice on ICANS?", "ASCO CRS recs in brief?"):
        assert parse(question).intent is Intent.MANAGEMENT, question
    assert parse("dosing guidance for toci in CRS?").intent is Intent.DOSING


def test_keeping_a_drug_going_asks_for_how_long_and_keeps_the_drug_a_subject() -> None:
    """ "keep the keppra ppx going?" asks a duration; its drug stays a word of the subject, not of what is asked."""
    from assistant.answering.question import ask_words

    assert Ask.TIMING in ParsedQuestion.read("day 5 post CAR-T, keep the keppra ppx going?").asks
    assert "keppra" not in ask_words("day 5 post CAR-T, keep the keppra ppx going?")
    # ... as a course that runs on asks with its verb, not with what runs.
    asked = ask_words("how long should HSV/VZV prophylaxis run after CAR-T?")
    assert "run" in asked and "prophylaxis" not in asked


@pytest.mark.parametrize(
    "question", ["ICANS grading: does a tremor count?", "when does CRS count as grade 4?", "what counts as grade 2?"]
)
def test_the_verb_counting_a_finding_toward_a_grade_is_no_subject_word(question: str) -> None:
    """ "does a tremor count?" is not about the complete blood count."""
    from assistant.answering.question import Asked

    core = Asked.read(question, Intent.GRADING).core
    assert not {"count", "counts"} & core
    assert "count" in Asked.read("blood count before CAR-T?", Intent.GENERAL).core


def test_how_often_asks_with_often_and_names_no_subject() -> None:
    """ "CMV PCR how often?" is not about lines where patients "often respond" to G-CSF."""
    from assistant.answering.question import Asked

    assert "often" not in Asked.read("CMV PCR how often after CAR-T?", Intent.MONITORING).core
    assert "often" in Asked.read("is CRS often delayed?", Intent.GENERAL).core


@pytest.mark.parametrize("question", ["CAR-T neurotox — which drugs?", "ICANS: what meds?"])
def test_which_drugs_for_a_toxicity_asks_how_it_is_managed(question: str) -> None:
    parsed = parse(question)
    assert parsed.intent is Intent.MANAGEMENT and Ask.MANAGE in parsed.asks
    assert Ask.MANAGE not in parse("which drugs cause CRS after CAR-T?").asks


@pytest.mark.parametrize(
    "question",
    ["ruxolitinib dosing when neurotox doesn't respond to steroids?", "ICANS that didn't respond to dex — anakinra?"],
)
def test_a_drug_the_toxicity_did_not_respond_to_is_the_line_not_the_drug_asked(question: str) -> None:
    parsed = parse(question)
    assert len(parsed.drugs) == 1 and len(parsed.prior_drugs) == 1
    assert parsed.line.refractory


@pytest.mark.parametrize(
    "question",
    ["keppra ppx — still giving it on day 20?", "day 20 after CAR-T — do we still give levetiracetam prophylaxis?"],
)
def test_still_given_on_a_day_asks_how_long_whichever_comes_first(question: str) -> None:
    assert Ask.TIMING in parse(question).asks
