"""The extractive composer on hand-made passages: what it quotes, and in what shape."""

from __future__ import annotations

import pytest
from helpers import make_passage

from assistant.answering.abstention import ALL_SHOWN, ONLY_PROPHYLAXIS, asked_absence
from assistant.answering.compose import ExtractiveComposer, named_documents, same_study
from assistant.answering.declared import Absence, Topic, declarations, declared_absence, kinds_of
from assistant.answering.draft import Draft
from assistant.answering.facets import facets_of
from assistant.answering.question import Asked, Intent, ParsedQuestion, grades_in, spaced_compounds
from assistant.answering.rules import ComposerRules
from assistant.answering.scoring import Scorer
from assistant.answering.shapes.next_step import climbed, skips_a_rung
from assistant.answering.shapes.overview import asks_overview
from assistant.answering.shapes.prose import select
from assistant.answering.units import Unit, row_sentence, units_of
from assistant.passage import Passage
from assistant.retrieval.keyword import tokenize
from assistant.retrieval.synonyms import spell_out


def passage(doc_id: str, text: str, doc_type: str = "cohort", n: int = 0) -> Passage:
    return make_passage(text, doc_id, n=n, section="Results", title=doc_id, doc_type=doc_type)


#: Every word weighs the same, so the tests read by eye: more shared words, higher score.
FLAT = ExtractiveComposer({})


def knowing(*texts: str) -> ExtractiveComposer:
    """A composer whose index holds every word of ``texts``, each weighing 1."""
    return ExtractiveComposer(dict.fromkeys(tokenize(" ".join(texts), parts=False), 1.0))


def compose(question: str, passages: list[Passage], intent: Intent = Intent.GENERAL) -> Draft:
    """The draft for ``question`` by a composer knowing every word of ``passages``."""
    return knowing(*(p.text for p in passages)).run(question, passages, intent)


#: The header of a dosing table in the corpus format, for hand-made dosing passages.
DOSING_HEADER_ROWS = (
    "| Drug | Dose | Route | Frequency | Maximum | Population | Setting | Use |\n|---|---|---|---|---|---|---|---|\n"
)


def dosing_table(doc_id: str, *rows: str, title: str = "ASCO") -> Passage:
    """A guideline's dosing table of ``rows``, each being its cells between pipes."""
    body = "\n".join(f"| {row} |" for row in rows)
    return Passage(f"{doc_id}:0", doc_id, f"{DOSING_HEADER_ROWS}{body}", "Dosing table", "table", title, "guideline")


@pytest.mark.parametrize(
    ("question", "intent", "other", "answer"),
    [
        pytest.param(
            "how long for grade 3 ICANS?", Intent.MONITORING,
            "For grade 3 ICANS, dexamethasone is given every 6 h.",
            "For grade 3 ICANS, steroids are continued until grade 1 and then tapered.",
            id="how-long-is-answered-by-until",
        ),
        pytest.param(
            "how common is carHLH in the CD22 cohort?", Intent.GENERAL,
            "In the CD22 cohort, carHLH was associated with low NK cells.",
            "In the CD22 cohort, 21 of the 52 patients with CRS developed carHLH.",
            id="how-common-prefers-a-rate",
        ),
        pytest.param(
            "do we follow them for secondary malignancies?", Intent.GENERAL,
            "Secondary malignancies may appear weeks after infusion.",
            "The 15-year follow-up for secondary malignancies is unchanged.",
            id="follow-looks-for-follow-up",
        ),
        pytest.param(
            "HEMATOTOX: which labs?", Intent.GENERAL,
            "The HEMATOTOX score predicts prolonged neutropenia.",
            "The HEMATOTOX score uses 5 markers measured before lymphodepletion: ANC, platelets and CRP.",
            id="labs-look-for-laboratory-markers",
        ),
        pytest.param(
            "results of the trial?", Intent.GENERAL,
            "The trial results were published in Blood in 2021 (volume 138, issue 1, page 11).",
            "In the trial, the response rate was 73%.",
            id="where-a-study-appeared-is-not-what-it-found",
        ),
        pytest.param(
            "why can toci make neurotox worse?", Intent.GENERAL,
            "CRES with concurrent CRS may be treated with tocilizumab.",
            "Tocilizumab may worsen ICANS by shifting IL-6 into the CSF.",
            id="worse-finds-worsen",
        ),
        pytest.param(
            "anakinra in steroid-refractory ICANS?", Intent.GENERAL,
            "Anakinra was given as prophylaxis of ICANS.",
            "Anakinra was given for ICANS refractory to corticosteroids.",
            id="each-part-of-a-hyphenated-word-counts",
        ),
        pytest.param(
            "tocilizumab for ICANS?", Intent.GENERAL,
            "The guide content captured for this corpus gives no tocilizumab dose for ICANS.",
            "The guideline advises caution with repeated tocilizumab doses for ICANS.",
            id="what-was-captured-for-the-corpus-is-a-note-about-it",
        ),
        pytest.param(  # a patient's state typed as a statement: the product is no subject of what to do
            "grade 1 CRS, fever 39, day 2 after yescarta.", Intent.MANAGEMENT,
            "In ZUMA-1 (axi-cel), the median time to CRS onset was day 2, per the Yescarta label.",
            "In the CARTOX recommendations, grade 1 CRS is managed with acetaminophen.",
            id="a-patients-product-does-not-lead-what-to-do-for-the-grade",
        ),
    ],
)  # fmt: skip
def test_the_sentence_that_answers_comes_first(question: str, intent: Intent, other: str, answer: str) -> None:
    passages = [passage("a", other), passage("a", answer, n=1)]
    assert compose(question, passages, intent).statements[0].text == answer


def test_a_note_about_the_corpus_loses_to_a_finding_that_matches_as_well() -> None:
    passages = [
        passage("trial-a", "The anakinra dose in the trial was not captured for this corpus."),
        passage("trial-a", "The anakinra dose in the trial was 100 mg daily.", n=1),
    ]
    draft = FLAT.run("anakinra dose in the trial", passages, Intent.GENERAL)
    assert draft.statements[0].text == "The anakinra dose in the trial was 100 mg daily."


@pytest.mark.parametrize(
    "note",
    [
        "The de Boer cohort results below were checked against the ASH abstract.",
        "The de Boer cohort results below were verified through an ASH abstract record.",
    ],
)
def test_a_note_on_how_the_corpus_read_a_source_loses_to_its_finding(note: str) -> None:
    finding = "In the de Boer cohort, a high-risk score had an odds ratio of 2.94 for neutropenia."
    passages = [passage("deboer", note), passage("deboer", finding, n=1)]
    assert FLAT.run("de Boer cohort results?", passages, Intent.GENERAL).statements[0].text == finding


def test_a_note_about_the_corpus_still_answers_when_nothing_else_does() -> None:
    passages = [passage("trial-a", "The anakinra dose in the trial was not captured for this corpus.")]
    draft = FLAT.run("anakinra dose in the trial", passages, Intent.GENERAL)
    assert [s.text for s in draft.statements] == [passages[0].text]


def test_evidence_answers_give_each_study_one_line_strongest_source_first() -> None:
    passages = [
        passage("case-b", "Emapalumab was started on day 11 in the case report.", doc_type="case-report"),
        passage("cohort-a", "Emapalumab in the cohort of 38 children lowered fever.", n=1),
        passage("cohort-a", "Emapalumab in the cohort did not impair expansion.", n=2),
    ]
    draft = FLAT.run("evidence for emapalumab in the cohort and the case report", passages, Intent.EVIDENCE)
    cohort, case = draft.statements
    assert (cohort.label, case.label) == ("Cohort study", "Case report")
    assert "38 children" in cohort.text and "expansion" in cohort.text
    assert sorted(cohort.sources) == [1, 2]
    assert sorted(part.sources[0] for part in cohort.sentences) == [1, 2]  # each sentence keeps its own citation
    assert case.text == passages[0].text and case.sentences == [case]


def test_words_typed_apart_match_the_hyphenated_word_of_the_documents() -> None:
    """ "ZUMA-2 vs real world?": the cohort that calls itself "real-world" answers the second half."""
    zuma = [
        "In ZUMA-2 (brexu-cel, MCL), grade 3 or higher neurologic events occurred in 31% of patients.",
        "In ZUMA-2 (brexu-cel, MCL), grade 3 or higher CRS occurred in 15% of patients.",
        "ZUMA-2 (brexu-cel, MCL) enrolled 74 patients, of whom 68 were infused.",
        "ZUMA-2 is the pivotal trial of brexu-cel in MCL, with grade 3 or higher events reported.",
        "In ZUMA-2 (brexu-cel, MCL), the overall response rate was 85%.",
    ]
    cohort = "In a real-world MCL cohort given brexu-cel, grade 3 or higher neurotoxicity occurred in 32%."
    passages = [*(passage("zuma-2", text, "trial", n=i) for i, text in enumerate(zuma)), passage("us", cohort)]
    assert spaced_compounds("ZUMA-2 vs real world?") >= {"real-world"}
    words = dict.fromkeys(tokenize(" ".join(p.text for p in passages), parts=False), 1.0)
    composer = ExtractiveComposer({**words, "zuma-2": 4.0, "real-world": 4.0})  # both rare in a real index
    answer = composer.run("brexu-cel in MCL: severe neurotox in ZUMA-2 vs real world?", passages, Intent.GENERAL)
    assert cohort in [s.text for s in answer.statements]


def test_a_number_alone_does_not_make_a_passage_relevant() -> None:
    passages = [passage("trial-a", "In the trial (n=40), CRS occurred in 80% of patients.")]
    draft = knowing(passages[0].text, "pneumonia").run("pneumonia in a 40 year old", passages, Intent.GENERAL)
    assert draft.abstained


def test_a_dose_question_is_not_answered_with_sentences_that_give_no_dose() -> None:
    passages = [
        passage("label-a", "Before 2025, axi-cel patients stayed near the center for 4 weeks after lymphodepletion.")
    ]
    draft = knowing(passages[0].text, "lymphodepletion doses").run(
        "lymphodepletion doses before axi-cel", passages, Intent.DOSING
    )
    assert draft.abstained and draft.reason == "no passage gives the dose asked for"


def test_a_patient_condition_no_passage_names_is_not_answered_with_the_usual_dose() -> None:
    dose = passage("label-a", "The Actemra label gives tocilizumab 8 mg/kg for CRS.", doc_type="label")
    composer = knowing(dose.text, "renal failure dialysis")
    for question in ("toci dose adjust for renal failure?", "CRS on dialysis, toci dose?"):
        draft = composer.run(question, [dose], Intent.DOSING)
        assert draft.abstained and draft.reason == "no source found speaks of renal impairment", question
    renal = passage("r", "In renal failure, the Actemra label gives tocilizumab 8 mg/kg for CRS.", n=1)
    assert not composer.run("toci dose adjust for renal failure?", [dose, renal], Intent.DOSING).abstained
    ablated = ExtractiveComposer(composer.idf, ComposerRules.ablated("condition_gap"))  # `carta eval --ablate`
    assert composer.run("toci dose for CRS in renal failure?", [dose], Intent.DOSING).abstained
    assert not ablated.run("toci dose for CRS in renal failure?", [dose], Intent.DOSING).abstained


def test_a_drug_asked_for_an_indication_is_answered_only_by_a_line_naming_both() -> None:
    """Lymphodepletion is an indication no source doses: a line dating another drug from it does not answer."""
    acyclovir = passage("ash", "Acyclovir 800 mg twice daily is given from lymphodepletion for 6 months.", "guideline")
    footnote = passage("asco", "ASCO gives no doses for cyclophosphamide in refractory ICANS.", "guideline", n=1)
    composer = knowing(acyclovir.text, footnote.text, "doses")
    for question in ("cy dose for lymphodepletion in kids?", "cytoxan for lymphodepleting chemo?"):
        draft = composer.run(question, [acyclovir, footnote], Intent.DOSING)
        assert draft.abstained and draft.reason.startswith("no line found gives cyclophosphamide"), question
    assert not composer.run("acyclovir from lymphodepletion how long?", [acyclovir, footnote], Intent.DOSING).abstained


def test_a_drug_the_question_wants_to_avoid_gives_no_row() -> None:
    """ "gr2 ICANS no CRS, want to avoid steroids — options?": dexamethasone's row is what is to be avoided."""
    supportive = passage("asco", "Grade 2 ICANS without CRS is managed with supportive care.", "guideline")
    table = dosing_table(
        "asco", "dexamethasone | 10 mg | IV | 2 doses | not stated | not stated | ICANS grade 2 without CRS | guideline"
    )
    question = "grade 2 ICANS no CRS, want to avoid steroids — options?"
    draft = compose(question, [supportive, table], Intent.MANAGEMENT)
    assert draft.statements and not any(s.cells for s in draft.statements), draft.statements
    ablated = ExtractiveComposer(knowing(supportive.text, table.text).idf, ComposerRules.ablated("unwanted_drug_rows"))
    assert any(s.cells for s in ablated.run(question, [supportive, table], Intent.MANAGEMENT).statements)


def test_a_line_on_another_infection_does_not_pad_the_answer() -> None:
    """ "HCV/HIV screening before CAR-T?" is answered by the HCV and HIV line, not by hepatitis B's beside it."""
    hcv = passage("ash", "Before CAR-T, HCV serology and an HIV antigen/antibody test are checked.", "guideline")
    hbv = passage("ash", "Before CAR-T, hepatitis B status is checked with HBsAg and HBcAb.", "guideline", n=1)
    composer = knowing(hcv.text, hbv.text)
    draft = composer.run("HCV/HIV screening before CAR-T?", [hcv, hbv], Intent.GENERAL)
    assert [s.text for s in draft.statements] == [hcv.text]
    ablated = ExtractiveComposer(composer.idf, ComposerRules.ablated("other_infection_factor"))
    assert len(ablated.run("HCV/HIV screening before CAR-T?", [hcv, hbv], Intent.GENERAL).statements) == 2


def test_the_words_asking_who_gets_a_toxicity_are_no_subject_a_line_must_share() -> None:
    """ "which patients develop carHLH?" asks who is at risk of carHLH: 'patients' and 'develop' say what is asked."""
    line = passage("lichtenstein", "In the Lichtenstein 2021 cohort, low NK-cell counts were a risk factor for carHLH.")
    composer = knowing(line.text, "patients who develop CRS")
    for question in ("which patients develop carHLH?", "who gets carHLH?"):
        assert not composer.run(question, [line], Intent.GENERAL).abstained, question


def test_what_a_product_is_indicated_for_is_answered_only_by_a_line_saying_so() -> None:
    rems = passage("fda", "The FDA removed the Kymriah REMS with those of the other approved CAR-T products.", "label")
    label = passage("kymriah", "The Kymriah label gives tocilizumab for CRS needing intervention.", "label", n=1)
    approval = passage("fda", "Kymriah is indicated for adults with r/r large B-cell lymphoma.", "label", n=2)
    composer = knowing(rems.text, label.text, approval.text)
    for question in (
        "what's kymriah indicated for?",
        "kymriah approved for which disease?",
        "kymriah for FL — approved?",
    ):
        draft = composer.run(question, [rems, label], Intent.PRODUCT)
        assert draft.abstained and draft.reason == "no passage says what tisa-cel is approved or indicated for"
    assert not composer.run("what's kymriah indicated for?", [rems, label, approval], Intent.PRODUCT).abstained
    # A line saying the indication was not captured does not state it.
    uncaptured = passage("dreyzin", "Anakinra was given for toxicity after tisa-cel (indication not captured).", n=3)
    with_it = knowing(rems.text, label.text, uncaptured.text)
    assert with_it.run("tisa-cel — approved for which indications?", [rems, uncaptured], Intent.PRODUCT).abstained
    ablated = ExtractiveComposer(composer.idf, ComposerRules.ablated("indication_gap"))
    assert ablated.run("what's kymriah indicated for?", [rems, label], Intent.PRODUCT).reason != draft.reason
    # Nor does a source's declared gap on the product answer it.
    gap = declaring("kymriah", "The Kymriah label's methylprednisolone dose was not captured.", "Kymriah dose", n=3)
    rescued = knowing(rems.text, label.text, approval.text, gap.text).run(
        "what's kymriah indicated for?", [rems, label, gap], Intent.PRODUCT
    )
    assert rescued.abstained
    # Whether a drug is indicated is whether to give it: "is toci indicated yet?" is no question on its approval.
    assert "approved or indicated" not in composer.run("is toci indicated yet?", [rems, label], Intent.GENERAL).reason


def test_whether_a_patient_may_get_car_t_is_not_answered_by_lines_on_another_subject() -> None:
    """Performance status and manufacturing time are lexicon conditions: no passage naming them, no answer."""
    lines = [
        passage("fda", "Under the revised labels, patients do not drive for 2 weeks after CAR-T infusion."),
        passage("label", "In ZUMA-1 (axi-cel), the median time to CRS onset was 2 days.", "label", n=1),
    ]
    composer = knowing(*(p.text for p in lines))
    for question, subject in (
        ("ecog 2 ok for car-t?", "performance status"),
        ("karnofsky cutoff for car-t eligibility?", "performance status"),
        ("vein to vein time for yescarta?", "manufacturing time"),
        ("how long from apheresis to infusion for cilta-cel?", "manufacturing time"),  # the same span, its ends named
    ):
        draft = composer.run(question, lines, Intent.GENERAL)
        assert draft.abstained and draft.reason == f"no source found speaks of {subject}", question


def test_a_disease_outside_car_t_care_is_not_answered_with_a_car_t_dose() -> None:
    dose = passage("label-a", "The Actemra label gives tocilizumab 8 mg/kg for CRS.", doc_type="label")
    approval = passage("letter", "Anakinra is approved for rheumatoid arthritis.", n=1)
    composer = knowing(dose.text, approval.text)
    draft = composer.run("toci dose for rheumatoid arthritis?", [dose], Intent.DOSING)
    assert draft.abstained and draft.reason == "no source found speaks of rheumatoid arthritis"
    assert not composer.run("anakinra for rheumatoid arthritis?", [dose, approval], Intent.GENERAL).abstained
    gca = composer.run("toci dose for GCA?", [dose], Intent.DOSING)  # giant cell arteritis, as typed
    assert gca.abstained and gca.reason == "no source found speaks of giant cell arteritis"


def test_a_dose_asked_in_one_unit_is_not_answered_in_another() -> None:
    passages = [passage("label-a", "The Kymriah label gives tocilizumab 8 mg/kg for CRS.", doc_type="label")]
    composer = knowing(passages[0].text, "cells")
    assert composer.run("kymriah dose in CAR+ cells/kg", passages, Intent.DOSING).reason == (
        "no passage gives a dose in cells/kg"
    )
    assert not composer.run("kymriah tocilizumab dose in mg/kg", passages, Intent.DOSING).abstained


def test_asked_what_a_score_is_made_of_it_answers_with_the_whole_table_headed_by_it() -> None:
    intro = Passage(
        "g:0", "g", "The ICE score has 10 points in the tasks below.", "ICE score", "prose", "Grading", "guideline"
    )
    table = Passage(
        "g:1", "g", "| ICE task | Points |\n|---|---|\n| Orientation | 4 |\n| Naming 3 objects | 3 |\n| Writing | 1 |",
        "ICE score", "table", "Grading", "guideline",
    )  # fmt: skip
    grading = Passage(
        "g:2", "g", "| ICANS grade | ICE score |\n|---|---|\n| 1 | 7–9 |\n| 2 | 3–6 |",
        "ICANS grading table", "table", "Grading", "guideline",
    )  # fmt: skip
    passages = [grading, intro, table]
    lines = [
        s.text
        for s in knowing(*(p.text for p in passages))
        .run("what's in the ICE score", passages, Intent.GRADING)
        .statements
    ]
    assert lines == [
        "The ICE score has 10 points in the tasks below.",
        "ICE task: Orientation; Points: 4",
        "ICE task: Naming 3 objects; Points: 3",
        "ICE task: Writing; Points: 1",
    ]


def test_a_dosing_table_comes_with_the_best_sentence_the_rows_cannot_say() -> None:
    row = "hydrocortisone | 50 mg | intrathecal | once | not stated | adults | refractory ICANS | guideline"
    rows = dosing_table("g", row, title="ICANS")
    note = Passage(
        "g:1",
        "g",
        "Experience with intrathecal hydrocortisone in refractory ICANS is limited.",
        "ICANS",
        "prose",
        "ICANS",
        "guideline",
    )
    passages = [rows, note]
    draft = knowing(rows.text, note.text).run(
        "intrathecal hydrocortisone dose for refractory ICANS", passages, Intent.DOSING
    )
    assert [s.text for s in draft.statements] == [
        "Hydrocortisone: 50 mg, intrathecal, once (adults; refractory ICANS).",
        "Experience with intrathecal hydrocortisone in refractory ICANS is limited.",
    ]
    assert len(draft.table) == 1


def test_what_the_composer_reads_from_a_follow_up() -> None:
    asked = Asked.read("how long? (grade 3 ICANS without CRS)", Intent.MONITORING, carried="grade 3 ICANS without CRS")
    assert asked.toxicities == {"icans"}  # "without CRS" rules CRS out
    assert asked.grade == "3"
    assert {"icans", "without"} <= asked.carried and "long" not in asked.carried
    assert (frozenset({"until"}),) in asked.extra  # "how long" is answered by "until ..."


def test_a_grade_named_as_a_goal_is_not_the_grade_a_sentence_is_about() -> None:
    text = "Grade 4 CRS is treated with methylprednisolone until CRS improves to grade 1 or lower."
    assert grades_in(text) == {"4", "1"}
    assert grades_in(text, targets=False) == {"4"}


def test_a_question_naming_a_guideline_is_answered_from_it_first() -> None:
    passages = [
        Passage(
            "e:0",
            "ebmt",
            "Grade 2 CRS is treated with tocilizumab.",
            "CRS",
            "prose",
            "EBMT recommendations",
            "guideline",
        ),
        Passage(
            "a:0", "asco", "Grade 2 CRS is treated with tocilizumab.", "CRS", "prose", "ASCO guideline", "guideline"
        ),
    ]
    draft = knowing(passages[0].text).run("what does ASCO say for grade 2 CRS?", passages, Intent.GENERAL)
    assert draft.statements[0].sources[0] == 1


def test_a_dose_asked_for_a_grade_no_row_covers_is_answered_first_with_how_that_grade_is_managed() -> None:
    passages = [
        dosing_table("a", "dexamethasone | 10 mg | IV | every 6 h | not stated | not stated | CRS grade 3 | guideline"),
        passage("a", "Grade 1 CRS is managed with supportive care such as antipyretics.", n=1),
    ]
    draft = compose("dexamethasone dose for grade 1 CRS?", passages, Intent.DOSING)
    # No line leads with the grade 3 dose as if it were the answer; the table still shows it, labelled.
    assert [s.text for s in draft.statements] == [passages[1].text]
    assert [row.cells["setting"] for row in draft.table] == ["CRS grade 3"]


def test_a_sentence_that_only_spells_out_the_lead_row_becomes_its_second_citation() -> None:
    """ "gamifant starting dose?": the label's sentence gives the row's 1 mg/kg, 1 h and every 3-4 days again."""
    passages = [
        dosing_table(
            "g",
            "emapalumab | 1 mg/kg (starting dose) | IV over 1 h | twice weekly (every 3–4 days) | up to 10 mg/kg"
            " | children and adults | primary HLH, starting dose | label",
        ),
        passage("g", "For primary HLH, the emapalumab starting dose is 1 mg/kg IV over 1 hour, twice weekly"
                " (every 3–4 days).", "label", n=1),
    ]  # fmt: skip
    composer = knowing(*(p.text for p in passages))
    draft = composer.run("emapalumab starting dose for primary HLH?", passages, Intent.DOSING)
    assert len(draft.statements) == 1
    assert draft.statements[0].sources == [0, 1]
    off = ExtractiveComposer(composer.idf, ComposerRules.ablated("row_spelled_out"))
    assert len(off.run("emapalumab starting dose for primary HLH?", passages, Intent.DOSING).statements) == 2
    # A number the row lacks makes the sentence another fact: it stays.
    other = [passages[0], passage("g", "For primary HLH, emapalumab is escalated to 3 mg/kg on day 3.", "label", n=1)]
    assert len(compose("emapalumab starting dose for primary HLH?", other, Intent.DOSING).statements) == 2
    # So do words of its own: a caution the row does not give.
    caution = passage(
        "g", "Emapalumab 1 mg/kg twice weekly (every 3–4 days): pharmacist caution, grown patients exceed label caps.",
        "label", n=1,
    )  # fmt: skip
    assert len(compose("emapalumab starting dose?", [passages[0], caution], Intent.DOSING).statements) == 2


def test_a_two_part_question_gets_a_sentence_on_each_part() -> None:
    passages = [
        passage("z", "In the trial of brexu-cel in MCL, severe neurotoxicity occurred in 31% of patients."),
        passage("z", "In the trial of brexu-cel in MCL, severe neurotoxicity lasted a median of 12 days.", n=1),
        passage("r", "In the brexu-cel registry cohort, severe neurotoxicity occurred in 32% of patients.", n=2),
    ]  # each sentence names its product, as the corpus writes them (a product named first leads: naming_first)
    question = "brexu-cel in MCL: severe neurotoxicity in the trial vs the registry cohort?"
    draft = compose(question, passages, Intent.PRODUCT)
    assert [s.text for s in draft.statements[:2]] == [passages[0].text, passages[2].text]


def test_a_question_word_the_corpus_never_uses_is_covered_by_its_spelling() -> None:
    """ "keppra ppx" is "levetiracetam ... prophylaxis" in the documents: the sentence holding them is no less new
    than one that only shares "CAR-T" with the question."""
    passages = [
        passage("s", "The Italian societies recommend levetiracetam seizure prophylaxis for all patients."),
        passage("e", "EHA does not recommend antibacterial prophylaxis for CAR-T recipients at low risk.", n=1),
    ]
    draft = compose("who should get keppra ppx after CAR-T?", passages)
    assert draft.statements[0].text == passages[0].text


def test_a_statement_inside_a_longer_one_merges_into_it_with_both_citations() -> None:
    passages = [
        passage("a", "Earlier corticosteroid use appears to reduce CRS, and is recommended for axi-cel.", "guideline"),
        passage("b", "Earlier corticosteroid use appears to reduce CRS.", "guideline", n=1),
    ]
    draft = compose("does earlier corticosteroid use reduce CRS?", passages)
    assert len(draft.statements) == 1
    assert sorted(draft.statements[0].sources) == [0, 1]


def test_a_table_row_and_the_sentence_that_spells_it_out_are_one_statement() -> None:
    row = (
        "G-CSF | not stated | not stated | consider if ANC <1.0; strongly consider if ANC <0.5 | not stated"
        " | CAR-T recipients with neutropenia | neutropenia | guideline"
    )
    passages = [
        dosing_table("s", row, title="Supportive care"),
        passage(
            "s",
            "G-CSF is considered for CAR-T recipients with neutropenia when ANC is below 1.0, strongly below 0.5.",
            n=1,
        ),
    ]
    draft = compose("G-CSF for neutropenia in CAR-T recipients?", passages)
    assert len(draft.statements) == 1
    assert sorted(draft.statements[0].sources) == [0, 1]


def test_numbers_and_single_letters_neither_earn_nor_dilute_coverage() -> None:
    note = passage("n", "The NCCN grade 4 ICANS regimen is not included because it could not be verified.", "guideline")
    composer = knowing(note.text, "methylpred 100 day")
    question = "NCCN says methylpred 1 g/day and anakinra 100 every 6 h for grade 4 ICANS?"
    assert composer.scorer.coverage(Unit(note.text, 0), note, set(tokenize(question, parts=False))) > 0.4


def test_a_table_answers_whole_only_when_its_heading_names_the_questions_subject() -> None:
    table = Passage(
        "f:0", "f", "| Date | Action |\n|---|---|\n| 2023 | communication |\n| 2024 | boxed warning |",
        "Boxed warning timeline", "table", "FDA boxed warning", "regulatory",
    )  # fmt: skip
    label = passage("c", "The Carvykti boxed warning also covers parkinsonism.", "label", n=1)
    passages = [table, label]
    rarest = ExtractiveComposer({**knowing(table.text, label.text).idf, "carvykti": 2.0})
    draft = rarest.run("what's in the carvykti boxed warning?", passages, Intent.PRODUCT)
    assert draft.statements[0].text == label.text


def test_a_registration_number_names_its_document() -> None:
    docs = {"anakinra-prophylaxis-axi-cel-pilot-nct04432506", "park-2023-prophylactic-anakinra"}
    assert named_documents("NCT04432506 pilot, what did they find?", docs) == {
        "anakinra-prophylaxis-axi-cel-pilot-nct04432506"
    }
    assert named_documents("Park ppx anakinra, results?", docs) == {"park-2023-prophylactic-anakinra"}


def test_a_study_named_on_another_drug_does_not_hold_the_answer_to_itself() -> None:
    """ "CHOP kids, max anakinra?": CHOP names an emapalumab series, and CHOP's anakinra doses are in another text."""
    series = make_passage(
        "In the CHOP series, 6 children received emapalumab for refractory CRS.", "chop-2023-series",
        doc_type="case_report", drugs=("emapalumab",),
    )  # fmt: skip
    doses = make_passage(
        "At CHOP, anakinra for refractory CRS in children goes up to 10 mg/kg/day.", "anakinra-2022-dosing",
        n=1, doc_type="case_report", drugs=("anakinra",),
    )  # fmt: skip
    draft = compose("CHOP kids w/ refractory CRS, anakinra max per day?", [series, doses], Intent.DOSING)
    assert [s.text for s in draft.statements][:1] == [doses.text]


def test_one_word_in_common_is_not_an_answer() -> None:
    passages = [
        passage(
            "g", "Empiric broad-spectrum antibiotics may be considered in grade 1 CRS with neutropenia.", "guideline"
        )
    ]
    composer = knowing(passages[0].text, "community pneumonia")
    draft = composer.run("empiric antibiotics for community pneumonia?", passages, Intent.GENERAL)
    assert not draft.abstained  # two words in common: empiric, antibiotics
    draft = composer.run("empiric choice for community pneumonia?", passages, Intent.GENERAL)
    assert draft.abstained and "one word" in draft.reason


def test_a_line_not_repeating_car_t_still_shares_it() -> None:
    """ "ferritin over 10,000 after CAR-T?": every source is about CAR-T, so the carHLH line shares two words."""
    carhlh = passage("cartox", "carHLH is defined by a peak ferritin >10,000 ng/mL during the CRS phase.", "guideline")
    composer = knowing(carhlh.text, "CAR-T")
    assert not composer.run("ferritin over 10,000 after CAR-T?", [carhlh], Intent.GENERAL).abstained


def test_another_topics_risk_factors_do_not_answer_who_is_at_risk_of_a_toxicity() -> None:
    """ "risk factors for carHLH?": the seizure table's risk factors are not carHLH's; with no line on CRS risk,
    "risk factors for severe CRS?" is not answered at all."""
    seizures = passage("ash", "Seizure prophylaxis is not recommended in patients without risk factors.", "guideline")
    nk_cells = make_passage(
        "carHLH was associated with low NK-cell counts.", "lichtenstein", n=1, section="Risk factor for carHLH"
    )
    grading = passage("astct", "The more severe of hypotension or hypoxia sets the severe CRS grade.", "guideline", n=2)
    composer = knowing(seizures.text, nk_cells.text, grading.text)
    draft = composer.run("risk factors for carHLH?", [seizures, nk_cells], Intent.GENERAL)
    assert [s.text for s in draft.statements] == [nk_cells.text]
    off = ExtractiveComposer(composer.idf, ComposerRules.ablated("others_risk_factor"))
    shown = off.run("risk factors for carHLH?", [seizures, nk_cells], Intent.GENERAL).statements
    assert seizures.text in [s.text for s in shown]
    draft = composer.run("risk factors for severe CRS?", [seizures, grading], Intent.GENERAL)
    assert draft.abstained and "risk of CRS" in draft.reason
    off = ExtractiveComposer(composer.idf, ComposerRules.ablated("risk_gap"))
    assert not off.run("risk factors for severe CRS?", [seizures, grading], Intent.GENERAL).abstained


def test_how_often_something_occurs_is_not_answered_with_another_things_rate() -> None:
    """ "GBS rate with cilta-cel?": cilta-cel's CRS rate is no answer, and with no line giving a GBS rate Carta
    abstains; a rate of the thing asked answers."""
    crs = passage("label", "With cilta-cel, CRS occurred in 95% of patients.", "label")
    gbs = passage("label", "Cilta-cel neurologic toxicities included Guillain-Barré syndrome.", "label", n=1)
    composer = knowing(crs.text, gbs.text)
    draft = composer.run("GBS rate with cilta-cel?", [crs, gbs], Intent.PRODUCT)
    assert draft.abstained and "how often" in draft.reason
    off = ExtractiveComposer(composer.idf, ComposerRules.ablated("rate_gap"))
    assert not off.run("GBS rate with cilta-cel?", [crs, gbs], Intent.PRODUCT).abstained
    assert not composer.run("CRS rate with cilta-cel?", [crs, gbs], Intent.PRODUCT).abstained
    # "how often does GBS happen?" asks the same, and its 'happen' is no subject every rate line holds ("occurred").
    assert composer.run("how often does GBS happen with cilta-cel?", [crs, gbs], Intent.GENERAL).abstained
    assert not composer.run("how often does CRS happen with cilta-cel?", [crs, gbs], Intent.GENERAL).abstained


def test_a_question_with_one_subject_word_needs_only_that_word_in_common() -> None:
    """ "how many pts were in ZUMA-2?": 'many' and 'pts' say what kind of fact is asked, not what about."""
    passages = [passage("z", "ZUMA-2 (brexu-cel, MCL) enrolled 74 subjects, of whom 68 were infused.", "trial")]
    composer = knowing(passages[0].text, "many pts patients")
    assert not composer.run("how many pts were in ZUMA-2?", passages, Intent.GENERAL).abstained
    assert composer.run("how many pts had pneumonia in ZUMA-2?", passages, Intent.GENERAL).abstained
    # Nor do the words asking what a study found ("results", "findings", "bottom line").
    composer = knowing(passages[0].text, "results findings bottom line")
    for question in ("ZUMA-2 results?", "ZUMA-2 findings?", "ZUMA-2 — bottom line?"):
        assert not composer.run(question, passages, Intent.GENERAL).abstained


def test_a_sentence_that_names_no_toxicity_yields_to_one_about_the_toxicity_asked() -> None:
    passages = [
        passage("k", "In the label, headache occurred in 37% of patients with DLBCL."),
        passage("k", "In the label, CRS occurred in 74% of patients with DLBCL.", n=1),
    ]
    composer = ExtractiveComposer({**knowing(*(p.text for p in passages)).idf, "headache": 1.5})
    draft = composer.run("CRS or headache in DLBCL per label?", passages, Intent.PRODUCT)
    assert draft.statements[0].text == passages[1].text


def test_a_rare_spelling_of_a_concept_earns_no_more_than_its_common_one() -> None:
    # 'neurotox' stands for ICANS and its rare old name CRES: a sentence saying CRES is not a better match.
    composer = ExtractiveComposer({"icans": 1.0, "cres": 4.0, "grade": 1.0, "managed": 1.0, "care": 1.0})
    asked = Asked.read("how is grade 1 neurotox managed?", Intent.MANAGEMENT)
    cres = passage("cartox", "Grade 1 CRES is managed with supportive care.")
    icans = passage("asco", "Grade 1 ICANS is managed with supportive care.")
    scorer = composer.scorer
    assert scorer.score(Unit(cres.text, 0), cres, asked, 0) == scorer.score(Unit(icans.text, 0), icans, asked, 0)


def test_a_dose_asked_for_a_toxicity_no_row_covers_is_answered_first_with_how_it_is_managed() -> None:
    # "toci for isolated ICANS": the rows are for CRS, and ICANS with CRS is ruled out by "isolated".
    passages = [
        dosing_table("a", "tocilizumab | 8 mg/kg | IV | not stated | 800 mg | adults | CRS grade 2 | guideline"),
        passage("a", "Grade 1 ICANS with concurrent CRS is treated with tocilizumab.", n=1),
        passage("a", "Grade 1 ICANS without CRS is managed with supportive care.", n=2),
        passage("f", "Tocilizumab has no role in isolated ICANS.", n=3),
    ]
    question = "tocilizumab dose for isolated ICANS?"
    draft = compose(question, passages, Intent.DOSING)
    assert [s.text for s in draft.statements] == [passages[2].text, passages[3].text]
    assert len(draft.table) == 1


def test_an_evidence_line_says_what_was_found_not_a_dosing_row_without_a_dose() -> None:
    row = "emapalumab | not stated | IV | not stated | not stated | children (n=38) | refractory CRS | evidence-only"
    passages = [
        dosing_table("z", row, title="Zhang cohort"),
        passage("z", "In the cohort of 38 children with refractory CRS, emapalumab lowered fever.", n=1),
    ]
    draft = compose("emapalumab for refractory CRS in children?", passages, Intent.EVIDENCE)
    assert [s.text for s in draft.statements] == [passages[1].text]


def test_besides_sets_a_toxicity_aside() -> None:
    passages = [
        passage("label", "The boxed warning covers cytokine release syndrome (CRS)."),
        passage("label", "The boxed warning covers HLH/MAS.", n=1),
        passage("label", "The boxed warning covers parkinsonism.", n=2),
    ]
    question = "what's in the boxed warning besides CRS?"
    asked = Asked.read(question, Intent.PRODUCT)
    assert "crs" not in asked.core and asked.besides == {"crs"} and not asked.toxicities
    texts = [s.text for s in compose(question, passages, Intent.PRODUCT).statements]
    assert texts[0] != passages[0].text and passages[1].text in texts


@pytest.mark.parametrize(
    "question",
    [
        "boxed warning besides CRS + neurotox?",
        "boxed warning other than CRS and ICANS?",
        "boxed warning besides CRS/ICANS?",
    ],
)
def test_besides_sets_a_list_of_toxicities_aside(question: str) -> None:
    asked = Asked.read(question, Intent.PRODUCT)
    assert asked.besides == {"crs", "icans"} and not asked.toxicities and "warning" in asked.core
    assert Asked.read("apart from CRS, what else is in the boxed warning?", Intent.PRODUCT).besides == {"crs"}


def test_a_sentence_about_another_grade_is_about_another_setting() -> None:
    asked = Asked.read("dexamethasone for grade 3 ICANS?", Intent.MANAGEMENT)
    assert asked.about_another("Grade 2 ICANS is treated with dexamethasone.")
    assert not asked.about_another("Grade 2–4 ICANS is treated with dexamethasone.")  # a range that holds 3
    assert grades_in("Grades 2-4 ICANS") == {"2", "3", "4"}  # the plural names a range too
    assert not asked.about_another("Steroids are continued until ICANS improves to grade 1.")  # a goal, not a setting


def test_a_sentence_about_another_cohort_of_the_study_counts_less() -> None:
    passages = [
        passage("c6", "In ZUMA-1 cohort 6, earlier corticosteroid use was combined with prophylactic dexamethasone."),
        passage("c4", "In ZUMA-1 cohort 4, the cumulative corticosteroid dose was lower.", n=1),
    ]
    asked = Asked.read("results of the ZUMA-1 earlier corticosteroid cohort (cohort 4)?", Intent.GENERAL)
    assert asked.study_parts == {("cohort", "4")}
    assert asked.about_another(passages[0].text) and not asked.about_another(passages[1].text)
    assert not asked.about_another("the pivotal ZUMA-1 cohorts")  # no numbered cohort named: not another one
    draft = compose("results of the ZUMA-1 earlier corticosteroid cohort (cohort 4)?", passages)
    assert draft.statements[0].text == passages[1].text


def test_asked_for_more_it_quotes_what_earlier_answers_did_not() -> None:
    passages = [
        passage("a", "Anakinra was given for ICANS refractory to corticosteroids in 40 patients."),
        passage("b", "Anakinra for refractory ICANS was feasible and safe.", n=1),
    ]
    composer = knowing(*(p.text for p in passages))
    first = composer.run("anakinra for refractory ICANS", passages, Intent.GENERAL)
    shown = [f"- {s.text} [1]" for s in first.statements[:1]]
    more = composer.run("anakinra for refractory ICANS", passages, Intent.GENERAL, shown=shown)
    assert [s.text for s in more.statements] == [s.text for s in first.statements[1:]]
    everything = [" ".join(p.text for p in passages)]
    assert composer.run("anakinra for refractory ICANS", passages, Intent.GENERAL, shown=everything).reason == ALL_SHOWN


def test_every_rule_can_be_turned_off_and_turning_one_off_changes_what_it_governs() -> None:
    assert "setting_lead" in ComposerRules.names() and "max_words" not in ComposerRules.names()
    for name in ComposerRules.names():
        assert ComposerRules.ablated(name) != ComposerRules(), name
    passages = [
        passage("g", "Grade 1 CRS is managed with supportive care and antipyretics.", "guideline"),
        dosing_table("a", "dexamethasone | 10 mg | IV | every 6 h | not stated | not stated | CRS grade 3 | guideline"),
    ]
    question = "dexamethasone dose for grade 1 CRS?"
    composer = knowing(*(p.text for p in passages))
    # With no row for grade 1, two rules keep the grade 3 dose from leading: the gap line and the setting lead.
    without = ExtractiveComposer(
        composer.idf, ComposerRules.ablated("setting_lead").model_copy(update={"say_gaps": False})
    )
    assert "supportive care" in composer.run(question, passages, Intent.DOSING).statements[0].text
    assert without.run(question, passages, Intent.DOSING).statements[0].text.startswith("Dexamethasone: 10 mg")


def test_a_dose_the_source_only_considers_follows_how_the_source_manages_the_setting() -> None:
    """ "gr2 ICANS, no CRS. dex? dose?": ASCO manages it with supportive care and only considers dexamethasone."""
    passages = [
        dosing_table(
            "asco",
            "dexamethasone | 10 mg | IV | 2 doses | not stated | high-risk patients"
            " | ICANS grade 2 without CRS (consider) | guideline",
        ),
        passage("asco", "In ASCO, grade 2 ICANS without CRS is managed with supportive care.", "guideline", n=1),
    ]
    question = "grade 2 ICANS, no CRS. dexamethasone? dose?"
    composer = knowing(*(p.text for p in passages))
    assert composer.run(question, passages, Intent.DOSING).statements[0].text == passages[1].text
    off = ExtractiveComposer(composer.idf, ComposerRules.ablated("considered_after_setting"))
    assert off.run(question, passages, Intent.DOSING).statements[0].text.startswith("Dexamethasone: 10 mg")
    # The step for grade 2 ICANS with CRS refractory to tocilizumab is on another line: it does not say how the
    # setting asked is managed, though it names the grade and says "treated with".
    refractory = passage(
        "asco",
        "In ASCO, grade 2 ICANS with CRS refractory after the first tocilizumab dose is treated with dexamethasone.",
        "guideline",
        n=2,
    )
    plain = "grade 2 ICANS, dexamethasone? dose?"
    both = [*passages, refractory]
    composer = knowing(*(p.text for p in both))
    assert composer.run(plain, both, Intent.DOSING).statements[0].text == passages[1].text
    off = ExtractiveComposer(composer.idf, ComposerRules.ablated("setting_on_line"))
    assert off.run(plain, both, Intent.DOSING).statements[0].text == refractory.text


def test_a_sentence_naming_its_guideline_year_still_only_spells_out_the_row() -> None:
    """ "In the ASCO 2021 guideline, ... may be considered": the year names the source and 'considered' is the row's
    'consider', so the sentence only restates the row and becomes its citation."""
    row = dosing_table(
        "asco",
        "dexamethasone | 10 mg | IV | 2 doses | not stated | high-risk patients | ICANS grade 2 (consider) | guideline",
    )
    sentence = passage(
        "asco",
        "In the ASCO 2021 guideline, for grade 2 ICANS in high-risk patients, dexamethasone 10 mg IV for 2 doses may be"
        " considered.",
        "guideline",
        n=1,
    )
    draft = compose("dexamethasone dose for grade 2 ICANS?", [row, sentence], Intent.DOSING)
    assert len(draft.statements) == 1 and draft.statements[0].sources == [0, 1]


def test_a_weight_band_picks_its_row_and_another_bands_row_never_leads() -> None:
    rows = (
        "tocilizumab | 12 mg/kg | IV | once | 800 mg | patients <30 kg | CRS | label",
        "tocilizumab | 8 mg/kg | IV | once | 800 mg | patients ≥30 kg | CRS | label",
    )
    table = Passage(
        "t:0", "t", DOSING_HEADER_ROWS + "\n".join(f"| {r} |" for r in rows), "Dosing", "table", "L", "label"
    )
    for question, dose in (
        ("toci dose for CRS, pt is 120 kg", "8 mg/kg"),
        ("toci dose for CRS in a 22 kg kid", "12 mg/kg"),
        ("toci dose for CRS?", "8 mg/kg"),  # no patient named: the row for children alone follows
    ):
        draft = compose(question, [table], Intent.DOSING)
        assert draft.statements[0].text.startswith(f"Tocilizumab: {dose}"), question
        assert draft.table[0].cells["dose"] == dose
        assert len(draft.table) == 2  # both bands stay in the table


def test_asked_for_an_alternative_the_drug_not_wanted_has_no_row() -> None:
    table = dosing_table(
        "t",
        "dexamethasone | 10 mg | IV | every 6 h | not stated | not stated | ICANS grade 3 | guideline",
        "methylprednisolone | 1 mg/kg | IV | every 12 h | | | ICANS grade 3 (alternative to dexamethasone) | guideline",
        "anakinra | 100 mg | SC | daily | not stated | not stated | ICANS grade 3 prophylaxis trial | guideline",
    )
    asked = compose("dex dose for grade 3 ICANS?", [table], Intent.DOSING)
    assert [row.cells["drug"] for row in asked.table] == ["dexamethasone"]
    # A follow-up as the conversation carries it; a drug that cannot be had, as the shorthand spells it out. Only a
    # row that says it stands in for the unwanted drug answers (not the anakinra trial's).
    for question in ("alternative? (instead of dex dose for grade 3 ICANS?)", "grade 3 ICANS dose, dex unavailable?"):
        draft = compose(spell_out(question), [table], Intent.DOSING)
        assert [row.cells["drug"] for row in draft.table] == ["methylprednisolone"], question


def test_a_childs_dose_with_no_row_written_for_children_says_so_and_the_rows_follow() -> None:
    """ "dex dose for a kid with grade 3 ICANS?": ASCO's 10 mg states no population; a label row for <30 kg does."""
    unstated = dosing_table(
        "a", "dexamethasone | 10 mg | IV | every 6 h | not stated | not stated | ICANS grade 3 | guideline"
    )
    draft = compose("dex dose for a kid with grade 3 ICANS?", [unstated], Intent.DOSING)
    assert draft.gap == "a dexamethasone dose for grade 3 ICANS in pediatric patients"
    assert draft.table[0].cells["dose"] == "10 mg"
    assert not compose("dex dose for grade 3 ICANS?", [unstated], Intent.DOSING).gap  # an adult's: as stated
    by_weight = compose("dex dose for a 20 kg child with grade 3 ICANS?", [unstated], Intent.DOSING).gap
    assert by_weight == draft.gap  # children, not "<30 kg": no cited passage holds that number
    off = ExtractiveComposer(knowing(unstated.text).idf, ComposerRules.ablated("child_dose_stated"))
    assert not off.run("dex dose for a kid with grade 3 ICANS?", [unstated], Intent.DOSING).gap
    label = dosing_table(
        "b", "tocilizumab | 12 mg/kg | IV | once | 800 mg | patients weighing <30 kg | CRS | label", title="Label"
    )
    assert not compose("toci dose for a 20 kg child with CRS?", [label], Intent.DOSING).gap
    # A row for patients from an age under 18, or under 30 kg, is a child's dose though no weight is asked.
    aged = dosing_table(
        "c", "tocilizumab | 8 mg/kg | IV | once | 800 mg | patients aged ≥2 years weighing ≥30 kg | CRS | label"
    )
    assert not compose("toci dose for kids with CRS?", [aged], Intent.DOSING).gap
    assert not compose("toci dose for kids with CRS?", [label], Intent.DOSING).gap


def test_with_no_row_for_the_grade_asked_the_answer_says_so_and_no_other_grades_dose_leads() -> None:
    table = dosing_table(
        "a", "methylprednisolone | 1 mg/kg | IV | every 12 h | not stated | not stated | ICANS grade 2 | guideline"
    )
    draft = compose("methylpred dose for grade 4 ICANS", [table], Intent.DOSING)
    assert draft.gap == "a methylprednisolone dose for grade 4 ICANS"
    assert not draft.statements and draft.table[0].cells["setting"] == "ICANS grade 2"


def test_a_next_step_question_gets_the_refractory_step_not_the_one_it_is_on() -> None:
    rows = (
        "tocilizumab | 8 mg/kg | IV | every 8 h | 800 mg | not stated | CRS grade 2 | guideline",
        "dexamethasone | 10 mg | IV | every 6 h | not stated | not stated"
        " | CRS grade 2 with hypotension persisting after anti-IL-6 therapy | guideline",
        "dexamethasone | 20 mg | IV | every 6 h | not stated | not stated | CRS grade 3, refractory | guideline",
    )
    table = dosing_table("a", *rows)
    draft = compose("grade 2 CRS still hypotensive after 2 doses of toci, next step?", [table], Intent.DOSING)
    assert draft.statements[0].text.startswith("Dexamethasone: 10 mg")
    assert [row.cells["dose"] for row in draft.table] == ["10 mg", "20 mg"]  # the ladder's next steps, in order
    # Once the last answer gave the grade 2 step, no better after 24 h climbs to the grade 3 refractory one.
    composer = knowing(table.text)
    last = "Dexamethasone: 10 mg, IV, every 6 h (CRS grade 2 with hypotension persisting after anti-IL-6 therapy)."
    question = "grade 2 CRS hypotension no better after 24 h on dexamethasone, now what?"
    later = composer.run(question, [table], Intent.DOSING, given=[last])
    assert later.statements[0].text.startswith("Dexamethasone: 20 mg")


def test_a_next_step_at_one_grade_gives_the_rest_of_that_grades_regimen_first() -> None:
    """ "gr3 CRS, got 1 dose of toci, now what?": the grade 3 regimen's dexamethasone, before the grade's refractory
    step; not siltuximab, which is anti-IL-6 as the tocilizumab given is."""
    rows = (
        "tocilizumab | 8 mg/kg | IV | every 8 h | 800 mg | not stated | CRS grade 3 | guideline",
        "siltuximab | 11 mg/kg | IV | once | not stated | not stated | CRS grade 3 | guideline",
        "dexamethasone | 20 mg | IV | every 6 h | not stated | not stated | CRS grade 3, refractory | guideline",
        "dexamethasone | 10 mg | IV | every 6 h | not stated | not stated | CRS grade 3 (with tocilizumab) | guideline",
    )
    table = dosing_table("a", *rows)
    draft = compose("grade 3 CRS, got 1 dose of toci, now what?", [table], Intent.GENERAL)
    assert draft.statements[0].text.startswith("Dexamethasone: 10 mg")
    assert [row.cells["dose"] for row in draft.table] == ["10 mg", "20 mg"]


def test_a_next_step_whose_drug_the_question_names_is_that_drugs_dose() -> None:
    """ "ICANS not responding to dex — anakinra how much?" has chosen its next step: anakinra's dose answers, not the
    ladder's next dexamethasone rung."""
    table = dosing_table(
        "a",
        "dexamethasone | 10 mg | IV | every 6–12 h | not stated | not stated"
        " | ICANS grade 2 with CRS, refractory after the first tocilizumab dose | guideline",
        "anakinra | 100 mg | SC | daily | not stated | not stated | ICANS after axi-cel, grade not stated | trial",
    )
    draft = compose("ICANS not responding to dex — anakinra how much?", [table], Intent.DOSING)
    assert draft.statements[0].text.startswith("Anakinra: 100 mg")
    # A follow-up carrying "toci dose?" from the conversation chooses no drug of its own: the ladder is climbed.
    from assistant.answering.compose import names_its_step

    carried = "grade 2 CRS, hypotensive, toci dose?"
    assert not names_its_step(f"still hypotensive after 2 doses of that, next step? ({carried})", carried)
    assert names_its_step("ICANS not responding to dex — anakinra how much?")


def test_what_defines_a_grade_is_not_answered_by_a_trials_rate() -> None:
    """ "adult pt: what defines grade 3 ICANS?" is answered by the grading row, not by how often adults in ZUMA-3 had
    grade ≥3 neurologic events; a question naming the trial keeps its lines."""
    trial = passage("zuma-3", "In ZUMA-3 (brexu-cel, adult B-ALL), grade 3 ICANS occurred in 38% of adult patients.")
    row = passage("astct", "Grade 3 ICANS is an ICE score of 0-2 or awakening only to touch.", "consensus", 1)
    composer = knowing(trial.text, row.text)
    draft = composer.run("adult pt: what defines grade 3 ICANS?", [trial, row], Intent.GRADING)
    assert [s.text for s in draft.statements] == [row.text]
    named = composer.run("how was grade 3 ICANS defined in ZUMA-3?", [trial, row], Intent.GRADING)
    assert trial.text in [s.text for s in named.statements]


def test_a_sentence_restating_its_documents_title_is_no_unit() -> None:
    """A reference line citing the document ("Cohen AD, ... Incidence and management of CAR-T neurotoxicity ...
    Blood Cancer J 2022") is no finding: the title's sentence is not quoted."""
    title = "Incidence and management of CAR-T neurotoxicity in CARTITUDE studies"
    text = f"Cohen AD, Jagannath S. {title}. Blood Cancer J 2022.\n- In CARTITUDE-1, 5% reported MNTs."
    cited = make_passage(text, "cohen", title=title)
    assert title + "." not in [u.text for u in units_of([cited])]
    assert "In CARTITUDE-1, 5% reported MNTs." in [u.text for u in units_of([cited])]


def test_the_day_of_the_course_is_no_subject_a_line_must_share() -> None:
    """ "day 7, ferritin 15k — what does that mean?" asks about ferritin; 'day' says when."""
    carhlh = passage("cartox", "In CARTOX, carHLH is defined by a peak ferritin >10,000 ng/mL.", "guideline")
    other = passage("asco", "On day 14, G-CSF may be considered.", "guideline", 1)
    draft = compose("day 7, ferritin 15k — what does that mean?", [carhlh, other])
    assert not draft.abstained and draft.statements[0].text == carhlh.text


def test_a_next_step_is_not_a_step_needing_a_rung_not_yet_climbed() -> None:
    """After a bolus only, the row for hypotension persisting after fluids and anti-IL-6 therapy is two rungs up: the
    source's sentence on fluid-refractory hypotension answers; once anti-IL-6 therapy was given, the row does."""
    rows = (
        "dexamethasone | 10 mg | IV | every 6 h | not stated | not stated"
        " | CRS grade 2 with hypotension persisting after fluids and anti-IL-6 therapy | guideline",
    )
    table = dosing_table("cartox", *rows)
    toci = passage("cartox", "Tocilizumab is given for fluid-refractory hypotension in grade 2 CRS.", "guideline", 1)
    assert facets_of(Unit("A second bolus is given if SBP remains <90.", 0), "guideline", 2018).refractory
    composer = knowing(table.text, toci.text)
    first = ["A normal saline bolus of 500-1,000 mL for hypotension in grade 2 CRS."]
    bolus = composer.run(
        "grade 2 CRS, bolus given, still hypotensive — next?", [table, toci], Intent.MANAGEMENT, given=first
    )
    assert bolus.statements[0].text == toci.text and not bolus.table
    after = composer.run(
        "grade 2 CRS, had the toci, still hypotensive — next?", [table, toci], Intent.MANAGEMENT, given=first
    )
    assert after.statements[0].text.startswith("Dexamethasone: 10 mg")
    # Two doses of toci came after fluids, though no one said so.
    said = "still hypotensive after 2 doses of toci"
    assert not skips_a_rung(rows[0], climbed(said, {"tocilizumab"}))


def test_two_drugs_asked_together_each_get_their_top_row_above_the_table() -> None:
    rows = (
        "methylprednisolone | 1 mg/kg | IV | every 12 h | not stated | not stated | ICANS grade 3 | guideline",
        "dexamethasone | 10 mg | IV | every 6–12 h | not stated | not stated | ICANS grade 3 | guideline",
    )
    table = dosing_table("a", *rows)
    both = compose("grade 3 ICANS: dexamethasone and methylprednisolone doses?", [table], Intent.DOSING)
    assert {s.text.split(":")[0] for s in both.statements[:2]} == {"Methylprednisolone", "Dexamethasone"}
    one = compose("grade 3 ICANS: dexamethasone dose?", [table], Intent.DOSING)
    assert [s.text.split(":")[0] for s in one.statements] == ["Dexamethasone"]


def test_a_next_step_gives_a_dose_and_is_for_the_patient_asked_about() -> None:
    """ "grade 3 CRS still on pressors after 2 doses of toci": a label row whose dose was not captured follows the rows
    giving one, and a row for children only follows one stating no population."""
    rows = (
        "methylprednisolone | not captured (cut off) | not captured | not captured | not captured | not stated"
        " | CRS not improving on tocilizumab | label",
        "anakinra | 2 mg/kg/day | IV | daily | 400 mg per day | children | CRS grade 3, refractory | guideline",
        "dexamethasone | 20 mg | IV | every 6 h | not stated | not stated | CRS grade 3, refractory | guideline",
    )
    table = dosing_table("a", *rows)
    draft = compose("grade 3 CRS still on pressors after 2 doses of toci, next step?", [table], Intent.DOSING)
    assert [row.cells["drug"] for row in draft.table] == ["dexamethasone", "anakinra", "methylprednisolone"]
    # A question naming the product goes up that product's label's ladder, though the label's dose was not captured.
    label = dosing_table("k", rows[0], title="Kymriah (tisagenlecleucel) label")
    steroids = dosing_table("g", rows[2], title="Guideline")
    asked = compose(
        "Kymriah label: CRS grade 3 still no better after toci, next step?", [steroids, label], Intent.DOSING
    )
    assert asked.table[0].cells["drug"] == "methylprednisolone"


def declaring(doc_id: str, text: str, topic: str, doc_type: str = "consensus", n: int = 0) -> Passage:
    """A passage of a document that declares ``topic`` absent (front matter ``not_captured``) in ``text``."""
    return make_passage(text, doc_id, n=n, section="Results", title=doc_id, doc_type=doc_type, not_captured=(topic,))


def test_the_sources_declaration_that_the_asked_criteria_are_absent_leads() -> None:
    hlh = passage(
        "h", "HLH-2004 criteria include fever, splenomegaly and cytopenias in at least 2 lineages.", "guideline"
    )
    hines = declaring(
        "i",
        "The Hines 2023 IEC-HS diagnostic criteria were not verified and are not included here.",
        "Hines 2023 IEC-HS diagnostic criteria",
    )
    draft = compose("IEC-HS diagnosis criteria?", [hlh, hines], Intent.GRADING)
    assert draft.statements[0].text == hines.text
    assert all(s.label == "Related" for s in draft.statements[1:])
    # A sentence that merely says "not verified", with no topic declared, is quoted like any other.
    plain = passage("i", hines.text, "consensus")
    assert not any(s.label for s in compose("IEC-HS diagnosis criteria?", [hlh, plain], Intent.GRADING).statements)
    # An absence of something else than asked ("grading system") does not lead a rate answer.
    rates = [
        passage("t", "In TRANSCEND, CRS occurred in 42% of patients.", "trial"),
        declaring(
            "t", "The grading system used for CRS in TRANSCEND was not captured.", "grading system", "trial", n=1
        ),
    ]
    assert compose("CRS rate in TRANSCEND?", rates, Intent.PRODUCT).statements[0].text == rates[0].text


def test_a_declared_topic_sharing_the_question_only_through_its_documents_title_does_not_lead() -> None:
    """ "HIV pt ok for car-t?" shares 'HIV' with the ASH table's title, not with its missing HBV DNA monitoring."""
    title = "ASH table: hepatitis B screening and entecavir prophylaxis, and HIV screening before CAR-T"
    gap = make_passage(
        "HBV DNA monitoring during entecavir was not captured.", "ash", section="Screening",
        title=title, not_captured=("HBV DNA monitoring during entecavir",),
    )  # fmt: skip
    hiv = make_passage(
        "An HIV antigen/antibody test is checked before CAR-T; a positive candidate sees infectious disease.",
        "ash", n=1, section="Screening", title=title,
    )  # fmt: skip
    composer = knowing(gap.text, hiv.text, title)
    draft = composer.run("HIV pt ok for car-t?", [gap, hiv], Intent.GENERAL)
    assert draft.statements[0].text == hiv.text
    ablated = ExtractiveComposer(composer.idf, ComposerRules.ablated("absence_own_words"))
    assert ablated.run("HIV pt ok for car-t?", [gap, hiv], Intent.GENERAL).statements[0].text == gap.text


def test_a_declared_topic_sharing_only_a_product_with_the_question_does_not_answer_its_toxicity() -> None:
    """ "cilta-cel ICANS rate?" is not answered by the missing frequency of cranial nerve palsy with cilta-cel, though
    the declaring paper's title names neurotoxicity: the topic shares only the product with the question."""
    title = "Incidence and management of CAR-T neurotoxicity with cilta-cel"
    gap = make_passage(
        "The frequency of cranial nerve palsy after cilta-cel was not captured.", "cohen", section="Neurotoxicity",
        title=title, doc_type="trial", not_captured=("frequency of cranial nerve palsy after cilta-cel",),
    )  # fmt: skip
    rate = make_passage(
        "In the real-world cilta-cel cohort, ICANS occurred in 14% of patients.", "rw", section="Results", title="rw"
    )
    composer = knowing(gap.text, rate.text, title)
    draft = composer.run("cilta-cel ICANS rate?", [gap, rate], Intent.PRODUCT)
    assert draft.statements[0].text == rate.text
    ablated = ExtractiveComposer(composer.idf, ComposerRules.ablated("absence_beyond_names"))
    assert ablated.run("cilta-cel ICANS rate?", [gap, rate], Intent.PRODUCT).statements[0].text == gap.text
    # A topic naming the toxicity in another spelling holds it: "abecma neurotoxicity %?" is told the rates are missing.
    rates = declaring(
        "abecma", "Any-grade neurologic toxicity rates for the Abecma label were not captured.",
        "any-grade neurologic toxicity rates for the Abecma label", doc_type="label",
    )  # fmt: skip
    severe = passage("abecma", "With Abecma, grade ≥3 neurologic toxicities occurred in 4% of patients.", "label", n=1)
    assert compose("abecma neurotoxicity %?", [rates, severe], Intent.PRODUCT).statements[0].text == rates.text


def test_a_line_on_secondary_hlh_in_general_answers_an_hlh_question_not_one_on_car_t_care() -> None:
    hlh = passage("uptodate", "For secondary HLH in general (not CAR-T IEC-HS), IVIG is given at 1 g/kg.", "review")
    ash = passage("ash", "IVIG is given to CAR-T recipients with low IgG.", "guideline", 1)
    assert compose("who needs IVIG after CAR-T?", [hlh, ash]).statements[0].text == ash.text
    assert compose("IVIG dose for sHLH in general?", [hlh, ash]).statements[0].text == hlh.text
    ablated = ExtractiveComposer(knowing(hlh.text, ash.text).idf, ComposerRules.ablated("non_car_t_factor"))
    assert ablated.run("who needs IVIG after CAR-T?", [hlh, ash], Intent.GENERAL).statements[0].text == hlh.text


def test_a_gap_in_a_sources_own_record_answers_only_a_question_on_who_wrote_it() -> None:
    gap = declaring(
        "ash-seizure",
        "The title, authors and year of the parent article of the ASH seizure prophylaxis table were not captured.",
        "title, authors and year of the parent article of the ASH seizure prophylaxis table",
        "guideline",
    )
    asco = passage("asco", "Seizure prophylaxis should be considered for high-risk patients.", "guideline", 1)
    assert compose("seizure prophylaxis table — who gets it?", [gap, asco]).statements[0].text == asco.text
    assert compose("who wrote the ASH seizure prophylaxis table?", [gap, asco]).statements[0].text == gap.text
    # Nor is it the declared absence of what the table says.
    composer = knowing(gap.text, asco.text)
    declared = declarations(units_of([gap]), [gap])
    for question, found in (("ASH seizure prophylaxis table?", False), ("ASH seizure prophylaxis authors?", True)):
        asked, parsed = Asked.read(question, Intent.GENERAL), ParsedQuestion.read(question)
        assert (asked_absence(asked, parsed, declared, [gap], composer.scorer) is not None) is found


def test_what_follows_a_declared_gap_is_about_the_question_subject_not_only_what_it_asks() -> None:
    hines = declaring(
        "i",
        "The Hines 2023 IEC-HS diagnostic criteria were not verified and are not included here.",
        "Hines 2023 IEC-HS diagnostic criteria",
    )
    onset = passage("o", "IEC-HS diagnosis criteria are met later than CRS, as CRS resolves.", "review")
    hlh = passage("h", "HLH-2004 diagnosis criteria include fever, splenomegaly and cytopenias.", "guideline")
    question, passages = "IEC-HS diagnosis criteria?", [hines, onset, hlh]
    texts = [s.text for s in compose(question, passages, Intent.GRADING).statements]
    assert texts == [hines.text, onset.text]  # HLH-2004 shares only what is asked: criteria for a diagnosis
    off = ExtractiveComposer(knowing(*(p.text for p in passages)).idf, ComposerRules.ablated("related_on_subject"))
    assert hlh.text in [s.text for s in off.run(question, passages, Intent.GRADING).statements]


def test_one_sources_declared_gap_does_not_lead_when_another_source_answers_the_setting() -> None:
    uf = declaring(
        "uf", "The UF Health grade 4 CRS regimen is not captured in this corpus.", "UF Health grade 4 CRS regimen"
    )
    asco = passage(
        "asco", "In ASCO 2021, grade 4 CRS is treated with methylprednisolone 500 mg IV every 12 h.", "guideline"
    )
    draft = compose("How is grade 4 CRS managed?", [uf, asco], Intent.MANAGEMENT)
    assert draft.statements[0].text == asco.text
    off = ExtractiveComposer(knowing(uf.text, asco.text).idf, ComposerRules.ablated("absence_elsewhere"))
    assert off.run("How is grade 4 CRS managed?", [uf, asco], Intent.MANAGEMENT).statements[0].text == uf.text
    # Another grade's regimen, or a sentence ruling the setting out, is no answer: the gap leads.
    grade3 = passage("asco", "In ASCO 2021, grade 3 CRS is treated with dexamethasone 10 mg IV every 6 h.", "guideline")
    ruled_out = passage("jcm", "The dexamethasone 10 mg row is not a grade 4 CRS regimen.", "review")
    for other in (grade3, ruled_out):
        assert compose("How is grade 4 CRS managed?", [uf, other], Intent.MANAGEMENT).statements[0].text == uf.text
    # ... nor one naming the grade asked for another toxicity than the one it treats.
    nccn = declaring("nccn", "The NCCN grade 4 ICANS regimen is not included here.", "NCCN grade 4 ICANS regimen")
    crs = passage(
        "asco", "In ASCO 2021, grade 1 ICANS with CRS is treated with tocilizumab; grade 4 CRS uses it as for grade 2.",
        "guideline",
    )  # fmt: skip
    assert compose("grade 4 ICANS, what do we do?", [nccn, crs], Intent.MANAGEMENT).statements[0].text == nccn.text
    # A question naming the declaring source asks for its regimen: its gap leads.
    named = compose("UF Health grade 4 CRS regimen?", [uf, asco], Intent.MANAGEMENT)
    assert named.statements[0].text == uf.text


def test_a_declared_gap_narrower_than_the_question_does_not_answer_it() -> None:
    """A gap naming a toxicity or grade the question does not is only part of what is asked; its document's title
    naming one (Gazeau's cohort of refractory ICANS) does not make it narrower."""
    for topic, title, questions in (
        (
            "ASH-SAP cautions about G-CSF during CRS",
            "ASH-SAP supportive care after CAR-T",
            {"G-CSF when after car-t?": False, "G-CSF during CRS — cautions?": True},
        ),
        (
            "UF Health grade 4 CRS regimen",
            "UF Health CRS/ICANS guide",
            {"UF Health CRS guide?": False, "UF Health grade 4 CRS regimen?": True},
        ),
        (  # ... nor one naming a score the question does not ask about
            "CAR-HEMATOTOX point cut-offs for each marker",
            "CAR-HEMATOTOX score for predicting hematotoxicity after CAR T-cell therapy",
            {"ICE score max points?": False, "CAR-HEMATOTOX point cutoffs?": True},
        ),
        (
            "absolute neutrophil count thresholds of early and late N-ICAHT grades",
            "EHA/EBMT consensus on ICAHT grading",
            {"T-ICAHT platelet cutoff?": False, "N-ICAHT grade thresholds?": True},
        ),
        (
            "anakinra doses used in the Gazeau 2023 cohort",
            "Anakinra for refractory CRS and ICANS after CAR-T (Gazeau 2023)",
            {"what anakinra dose did Gazeau use?": True},
        ),
    ):
        for question, answers in questions.items():
            assert Topic.read(topic, title).fits(ParsedQuestion.read(question)) is answers, question


def test_a_declared_schedule_answers_how_often_a_thing_is_done_or_given() -> None:
    """ "How often" of a check or a dose asks an interval, which a topic naming a schedule or frequency is; how often a
    drug is given is part of its treatment, so a missing regimen still answers it."""
    schedule = Topic.read("HBV DNA monitoring schedule during entecavir")
    assert schedule.kinds == {"interval"}
    checked = ParsedQuestion.read("on entecavir post CAR-T, how often to check HBV DNA?")
    given = ParsedQuestion.read("CHOP emapalumab series — how often was it given?")
    assert kinds_of(checked) == {"interval"} and kinds_of(given) == {"interval", "treatment"}
    assert schedule.fits(checked) and not schedule.fits(ParsedQuestion.read("who gets entecavir before CAR-T?"))
    regimen = Topic.read("NCCN grade 4 ICANS regimen")
    assert regimen.fits(ParsedQuestion.read("grade 4 ICANS dex how often can we give?"))


def test_a_question_for_a_declared_absent_topic_gets_the_declaration_unless_it_names_an_unknown_word() -> None:
    unrelated = passage("p", "Prophylactic dexamethasone was given before axi-cel infusion.", "trial")
    strati = declaring(
        "strati",
        "The anakinra dose and schedule in the Strati 2023 phase 1 trial were not captured for this corpus.",
        "anakinra dose and schedule in the Strati 2023 phase 1 trial",
        "trial",
    )
    composer = ExtractiveComposer({**knowing(unrelated.text).idf, "strati": 3.0, "anakinra": 2.0})
    draft = composer.run("strati anakinra dose?", [unrelated, strati], Intent.DOSING)
    assert [s.text for s in draft.statements] == [strati.text] and not draft.abstained
    # A word Carta does not know means the question asks about something else, not for what Strati lacks.
    question = "strati anakinra dose for pembrolizumab colitis?"
    asked, parsed = Asked.read(question, Intent.DOSING), ParsedQuestion.read(question)
    declared = declarations(units_of([strati]), [strati])
    assert asked_absence(asked, parsed, declared, [strati], composer.scorer) is None
    asked, parsed = Asked.read("strati anakinra dose?", Intent.DOSING), ParsedQuestion.read("strati anakinra dose?")
    assert asked_absence(asked, parsed, declared, [strati], composer.scorer) is not None


def test_what_one_named_study_lacks_answers_only_a_question_naming_that_study() -> None:
    chop = declaring(
        "chop-2023-emapalumab-series",
        "The outcomes of the CHOP patients given emapalumab for refractory CRS were not captured for this corpus.",
        "outcomes of the CHOP patients given emapalumab for refractory CRS",
        "case-series",
    )
    cohort = passage("zhang-2026-emapalumab", "Children given emapalumab for refractory CRS had fever fall.", "cohort")
    unnamed = "emapalumab refractory CRS outcomes?"
    assert compose(unnamed, [chop, cohort], Intent.EVIDENCE).statements[0].sources != [0]
    assert compose("CHOP emapalumab refractory CRS outcomes?", [chop, cohort], Intent.EVIDENCE).statements[0].text == (
        chop.text
    )
    off = ExtractiveComposer(knowing(chop.text, cohort.text).idf, ComposerRules.ablated("study_gaps_named_only"))
    assert off.run(unnamed, [chop, cohort], Intent.EVIDENCE).statements[0].text == chop.text


def test_an_evidence_answer_quotes_findings_not_the_corpus_notes_on_what_it_lacks() -> None:
    passages = [
        passage("z", "No emapalumab dose for CRS in children is established in this corpus.", "cohort"),
        passage("z", "In the cohort, children given emapalumab for CRS had their fever fall.", "cohort", n=1),
    ]
    question = "emapalumab for CRS in children, evidence?"
    assert [s.text for s in compose(question, passages, Intent.EVIDENCE).statements] == [passages[1].text]
    off = ExtractiveComposer(knowing(*(p.text for p in passages)).idf, ComposerRules.ablated("evidence_findings_only"))
    assert passages[0].text in off.run(question, passages, Intent.EVIDENCE).statements[0].text


def test_a_superseded_statement_does_not_lead_the_current_one() -> None:
    old = make_passage(
        "Before June 2025, patients were not to drive for 8 weeks after CAR-T.",
        "label",
        title="label",
        doc_type="label",
        supersessions='[{"statement": "were not to drive for 8 weeks", "by": "fda", "effective": "2025-06-26"}]',
    )
    new = passage("fda", "Since June 2025, patients do not drive for 2 weeks after CAR-T.", "regulatory")
    question, passages = "can patients drive 8 weeks after CAR-T?", [old, new]
    assert compose(question, passages, Intent.MONITORING).statements[0].text == new.text
    idf = knowing(old.text, new.text).idf
    off = ComposerRules.ablated("superseded_factor")
    assert ExtractiveComposer(idf, off).run(question, passages, Intent.MONITORING).statements[0].text == old.text


def test_our_protocol_with_no_local_document_says_so_first_and_labels_the_rest_related() -> None:
    other = passage("s", "The Samsung institutional protocol gives dexamethasone if CRS does not improve.", "guideline")
    draft = compose("per our protocol, dexamethasone if CRS does not improve?", [other])
    assert "no local document is indexed" in draft.gap
    assert [s.label for s in draft.statements] == ["Related"]


@pytest.mark.parametrize(
    ("question", "missing"),
    [
        ("ZUMA-7 grade 3 CRS rate with axi-cel?", "ZUMA-7"),  # a numbered trial of a family the index holds
        ("ELARA tisa-cel grade 3 CRS rate?", "ELARA"),  # a trial the lexicon names, in no document
        ("anito-cel grade 3 CRS rate?", "anito-cel"),  # a CAR-T product no document names
    ],
)
def test_a_trial_or_product_no_document_reports_is_not_answered_with_anothers_figures(
    question: str, missing: str
) -> None:
    passages = [
        passage("zuma-1", "In ZUMA-1 (axi-cel), grade 3 CRS occurred in 13% of patients.", "trial"),
        passage("juliet", "In JULIET (tisa-cel), grade 3 CRS occurred in 22% of patients.", "trial"),
    ]
    assert compose("ZUMA-1 grade 3 CRS rate with axi-cel?", passages).statements
    draft = compose(question, passages)
    assert draft.abstained and draft.reason == f"no indexed document reports {missing}"
    words = dict.fromkeys(tokenize(" ".join(p.text for p in passages), parts=False), 1.0)
    ablated = ExtractiveComposer(words, ComposerRules.ablated("unknown_studies"))
    assert not ablated.run(question, passages, Intent.GENERAL).abstained


def test_drugs_or_medications_asked_for_name_no_drug_carta_lacks() -> None:
    """ "which drugs + doses for gr3 ICANS?": 'drugs' is no foreign drug's name, so the dosing rows answer."""
    table = dosing_table(
        "a", "dexamethasone | 10 mg | IV | every 6 h | not stated | not stated | ICANS grade 3 | guideline"
    )
    for question in ("which drugs and doses for grade 3 ICANS?", "what medications and doses for grade 3 ICANS?"):
        assert not compose(question, [table], Intent.DOSING).abstained


def test_a_form_of_an_indexed_word_names_no_drug_carta_lacks() -> None:
    """ "when do we replace IgG?": 'replace' is another form of the indexed 'replacing', not a foreign drug."""
    table = dosing_table(
        "a", "ivig | 0.5 g/kg | IV | monthly | not stated | IgG <400 mg/dL | hypogammaglobulinemia | guideline"
    )
    note = passage("b", "IVIG is a way of replacing IgG after CAR-T.", "guideline")
    assert not compose("when do we replace IgG after CAR-T, what dose?", [table, note], Intent.DOSING).abstained
    draft = compose("insulin after CAR-T, what dose?", [table, note], Intent.DOSING)
    assert draft.abstained and draft.reason == "no indexed document gives a dose for 'insulin'"


def test_a_dose_question_on_a_product_names_no_drug_in_its_other_words() -> None:
    """ "breyanzi — which dose level was taken forward?" asks liso-cel's own dose: 'forward' is no drug."""
    trial = passage("transcend", "TRANSCEND chose dose level 2 of liso-cel, 100×10⁶ CAR+ T cells.", "trial")
    draft = compose("breyanzi — which dose level was taken forward?", [trial], Intent.DOSING)
    assert not draft.abstained


@pytest.mark.parametrize(
    ("question", "naming_the_drugs"),
    [
        ("benzo dose for agitation in grade 1 CRES?", "lorazepam dose for agitation in grade 1 CRES?"),
        ("antipsychotic dose for agitation in grade 1 CRES?", "haloperidol dose for agitation in grade 1 CRES?"),
        ("which anticonvulsants and doses for NCSE?", "which levetiracetam or lorazepam doses for NCSE?"),
    ],
)
def test_a_drug_named_by_its_class_is_answered_as_its_members_are(question: str, naming_the_drugs: str) -> None:
    """The lexicon's classes (benzodiazepines, antipsychotics, anticonvulsants) stand for the corpus's drugs."""
    rows = [
        "lorazepam | 0.5 mg | IV | every 8 h | not stated | adults | agitation in grade 1 CRES; NCSE | guideline",
        "haloperidol | 0.5 mg | IV | every 6 h | not stated | adults | agitation in grade 1 CRES | guideline",
        "levetiracetam | 500 mg | IV | bolus | not stated | adults | NCSE | guideline",
    ]
    tables = [dosing_table(row.split()[0], row) for row in rows]
    draft, named = compose(question, tables, Intent.DOSING), compose(naming_the_drugs, tables, Intent.DOSING)
    assert draft.table and draft.table == named.table and draft.statements[0] == named.statements[0]


def test_a_dose_the_sources_do_not_give_for_a_known_drug_is_said_so_not_abstained() -> None:
    note = passage("a", "Cerebral edema in grade 4 ICANS is treated in the ICU with neurosurgical input.", "guideline")
    draft = compose("mannitol dose for cerebral edema in ICANS?", [note], Intent.DOSING)
    assert not draft.abstained and draft.gap == "a mannitol dose for ICANS"


def test_an_improving_patient_does_not_climb_the_ladder() -> None:
    from assistant.answering.question import ParsedQuestion

    assert ParsedQuestion.read("she's back to grade 1 now, what next with the steroids?").line.improving
    assert not ParsedQuestion.read("grade 2 CRS no better after toci, next?").line.improving


def evidence_texts(question: str, passages: list[Passage], rules: ComposerRules | None = None) -> list[str]:
    """The texts an evidence answer quotes, by a composer knowing every word of ``passages``."""
    composer = ExtractiveComposer(dict.fromkeys(tokenize(" ".join(p.text for p in passages), parts=False), 1.0), rules)
    return [s.text for s in composer.run(question, passages, Intent.EVIDENCE).statements]


def test_an_evidence_answer_on_one_drug_quotes_no_other_drugs_findings() -> None:
    passages = [
        passage("zhang-2026", "In children with refractory CRS after CAR-T, emapalumab lowered the fever."),
        passage(
            "chop-2022", "In children with refractory CRS after CAR-T, anakinra was given daily for refractory CRS."
        ),
    ]
    question = "any data on emapalumab for refractory CRS in children after CAR-T?"
    assert not any("anakinra" in text for text in evidence_texts(question, passages))
    assert any(
        "anakinra" in text for text in evidence_texts(question, passages, ComposerRules(evidence_drug_only=False))
    )


def test_an_evidence_answer_on_one_drug_quotes_a_drugless_line_only_from_a_text_on_that_drug() -> None:
    passages = [
        passage("anakinra series", "In the series, severe ICANS after axi-cel improved in 4 of 6 patients."),
        passage("yescarta-label", "After axi-cel, severe ICANS occurred in 31% of patients.", "label"),
    ]
    question = "published data on anakinra for severe ICANS after axi-cel?"
    assert evidence_texts(question, passages) == [passages[0].text]
    assert passages[1].text in evidence_texts(question, passages, ComposerRules(evidence_drug_only=False))


def test_an_evidence_answer_quotes_what_a_study_found_not_where_it_was_published() -> None:
    source = make_passage(
        "The cohort 6 report on prophylactic dexamethasone with axi-cel was published in Br J Haematol 2021.",
        "cohort-6",
        section="Source of the cohort 6 report",
        title="cohort-6",
        doc_type="trial",
    )
    finding = passage(
        "cohort-6", "With prophylactic dexamethasone and axi-cel, no patient had grade 4 CRS.", "trial", 1
    )
    question = "prophylactic dexamethasone with axi-cel in cohort 6: grade 4 CRS?"
    kept = " ".join(evidence_texts(question, [source, finding]))
    assert finding.text in kept and source.text not in kept
    assert source.text in " ".join(
        evidence_texts(question, [source, finding], ComposerRules.ablated("provenance_after_lead"))
    )
    # A question on the source is led by it, and keeps it.
    asked = "where was the report on prophylactic dexamethasone with axi-cel published?"
    assert source.text in " ".join(evidence_texts(asked, [source, finding]))


def test_an_evidence_answer_on_a_drug_class_quotes_its_members_findings() -> None:
    passages = [
        passage("cohort 6", "In cohort 6, prophylactic dexamethasone was followed by no grade 3 or higher CRS."),
        passage("review", "Corticosteroids are given for ICANS of grade 2 or higher.", n=1),
    ]
    assert passages[0].text in evidence_texts("prophylactic steroids, outcomes?", passages)


def test_an_evidence_answer_on_a_product_quotes_no_finding_about_something_else() -> None:
    passages = [
        passage("mcnerney", "After commercial tisa-cel, children with HLH-like toxicity had lower 1-year survival."),
        passage("gamifant-label", "In pooled data on HLH-like MAS in children, 82% had a complete response.", "label"),
    ]
    question = "kymriah kids with HLH-like toxicity, outcomes data?"
    assert not any("82%" in text for text in evidence_texts(question, passages))
    assert any("82%" in text for text in evidence_texts(question, passages, ComposerRules(evidence_product_only=False)))


def test_whether_the_bodies_agree_is_answered_with_each_bodys_position_from_the_comparison() -> None:
    from assistant.answering.shapes.positions import asks_positions, positions

    table = "ash-comparison"
    passages = [
        passage(table, "In the comparison, CARTOX recommends levetiracetam 750 mg twice daily for all CRES products."),
        passage(table, "In the comparison, the Italian societies recommend 750 mg for all patients.", n=1),
        passage(table, "In the comparison, ASCO suggests considering it in high-risk patients.", n=2),
        passage(table, "In the comparison, EBMT does not recommend it except in high-risk cases.", n=3),
        passage("icaht", "EBMT does not recommend antibacterial prophylaxis at low ICAHT risk.", n=4),
    ]
    scored = [(1.0 - i / 10, Unit(p.text, i)) for i, p in enumerate(passages)]
    said = [s.text for s in positions(scored, passages, 4)]
    assert "ASCO" in said[0] and "CARTOX" in said[1]  # the best limited (high-risk only) position, then one for
    assert len(said) == 4 and not any("antibacterial" in text for text in said)  # one document, one line a body
    assert not positions(scored[4:], passages, 4)  # one body's line compares nothing
    assert asks_positions("keppra ppx dose, and do all the societies recommend it?")
    assert not asks_positions("and the Italians?") and not asks_positions("keppra ppx dose?")


def test_an_evidence_answer_to_how_often_gives_the_rates_first() -> None:
    passages = [
        passage("dosing", "The approval data give the emapalumab response dosing for Still's MAS: twice weekly."),
        passage("emapalumab outcomes", "In the approval data, 82% had a response."),  # a study of the drug
    ]
    question = "response rates for emapalumab in Still's MAS in the approval data?"
    assert "82%" in evidence_texts(question, passages)[0]
    assert "82%" not in evidence_texts(question, passages, ComposerRules(evidence_rates_first=False))[0]


def test_a_dose_the_named_study_lacks_is_followed_by_how_it_was_given() -> None:
    lacks = passage("park-2023", "The anakinra dose in the Park 2023 trial was not captured.", "trial")
    background = passage("park-2023", "The Park 2023 anakinra trial enrolled adults with lymphoma.", "trial", n=1)
    schedule = Passage(
        "park-2023:2",
        "park-2023",
        f"{DOSING_HEADER_ROWS}| anakinra | not stated | SC | from day 2 to day 10 | not stated | adults | ICANS | - |",
        "Anakinra schedule",
        "table",
        "park-2023",
        "trial",
    )
    question, passages = "anakinra dose in the Park 2023 trial?", [lacks, background, schedule]
    composer = knowing(*(p.text for p in passages))
    texts = [s.text for s in composer.run(question, passages, Intent.DOSING).statements]
    assert "not captured" in texts[0] and "from day 2" in texts[1]
    off = ExtractiveComposer(composer.idf, ComposerRules(how_given=False))
    assert not any("from day 2" in t for t in (s.text for s in off.run(question, passages, Intent.DOSING).statements))


def test_a_cohort_question_sets_aside_the_pivotal_trials_figures() -> None:
    asked = Asked.read("ZUMA-1 cohort 4 grade ≥3 CRS?", Intent.GENERAL)
    assert asked.another_part_of("Per the Yescarta label, grade ≥3 CRS occurred in 13% in ZUMA-1 (n=108).")
    assert not asked.another_part_of("In ZUMA-1 cohort 4 (n=41), grade ≥3 CRS occurred in 2%.")


def test_facets_a_row_for_another_drug_contradicts_and_the_patients_band_leads() -> None:
    from assistant.answering.facets import facets_of, fit
    from assistant.answering.question import ParsedQuestion

    def row(drug: str, population: str, setting: str = "CRS grade 3") -> Unit:
        return Unit("", 0, {"drug": drug, "dose": "x", "population": population, "setting": setting})

    child = ParsedQuestion.read("tocilizumab for a 25 kg child with grade 3 CRS")
    under_30, unstated = (fit(child, facets_of(row("tocilizumab", p), "label", 2018)) for p in ("<30 kg", ""))
    assert under_30.key < unstated.key  # the row for the patient's weight band before one that states none
    steroid = ParsedQuestion.read("steroid refractory ICANS, how much anakinra")
    assert fit(steroid, facets_of(row("dexamethasone", "", "ICANS"), "guideline", 2021)).mismatches
    assert not fit(steroid, facets_of(row("anakinra", "", "ICANS"), "guideline", 2021)).mismatches


def test_facets_a_line_on_a_grade_outside_a_range_asked_contradicts_it() -> None:
    """ "grade 3-4 CRS management?" is not answered by the grade 1 step; a line on grade 3 fits it."""
    from assistant.answering.facets import facets_of, fit
    from assistant.answering.question import ParsedQuestion

    parsed = ParsedQuestion.read("grade 3-4 CRS management?")

    def line(text: str) -> Unit:
        return Unit(text, 0)

    grade_1 = fit(parsed, facets_of(line("Grade 1 CRS is managed with supportive care."), "guideline", 2021))
    grade_3 = fit(parsed, facets_of(line("Grade 3 CRS is treated with dexamethasone 10 mg."), "guideline", 2021))
    assert grade_1.mismatches and not grade_3.mismatches and grade_3.matches


def test_facets_a_line_of_another_score_contradicts_a_score_asked_and_moves_behind() -> None:
    """ "HScore — which threshold?" is not answered by the HLH-2004 ferritin threshold before the HScore's cut-offs."""
    from assistant.answering.facets import facets_of, fit
    from assistant.answering.question import ParsedQuestion
    from assistant.answering.shapes.prose import fitting_first

    parsed = ParsedQuestion.read("HScore — which threshold?")
    hlh = Unit("HLH-2004 criterion: Ferritin; Threshold or finding: ≥500 ng/mL", 0)
    hscore = Unit("The best HScore cut-off was 169.", 0)
    assert parsed.scales == ["hscore"]
    assert fit(parsed, facets_of(hlh, "guideline", 2007)).mismatches
    assert not fit(parsed, facets_of(hscore, "trial", 2014)).mismatches
    passages = [make_passage("x", "fardet-2014-hscore", doc_type="trial")]
    assert fitting_first([(2.0, hlh), (1.0, hscore)], parsed, passages) == [(1.0, hscore), (2.0, hlh)]
    capd = Unit("In the ASTCT 2019 paediatric grading, a CAPD score of 9 or higher is grade 3 ICANS.", 0)
    assert not fit(ParsedQuestion.read("can we use ICE in a 9 yo?"), facets_of(capd, "guideline", 2019)).mismatches


def test_facets_a_row_for_another_cohort_contradicts_a_cohort_question() -> None:
    from assistant.answering.facets import facets_of, fit
    from assistant.answering.question import ParsedQuestion

    parsed = ParsedQuestion.read("what steroid doses did ZUMA-1 cohort 4 use?")
    cells = {"drug": "dexamethasone", "dose": "10 mg", "population": "LBCL (ZUMA-1 cohort 6, n=40)", "setting": "x"}
    assert parsed.study_parts == ["cohort 4"]
    assert fit(parsed, facets_of(Unit("", 0, cells), "trial", 2021)).mismatches


def test_a_named_trial_is_answered_from_its_own_report_first() -> None:

    paper = make_passage("FELIX: grade 3 or higher ICANS in 7.1%.", "roddie-2024-felix", doc_type="trial")
    label = make_passage("FELIX: grade 3 or higher ICANS in 7%.", "aucatzyl-label", doc_type="label")
    asked = Asked.read("obe-cel FELIX grade 3+ ICANS?", Intent.GENERAL)
    scores = {}
    for rules in (ComposerRules(), ComposerRules(trial_paper_first=False)):
        scorer = Scorer({}, rules)
        scores[rules.trial_paper_first] = [scorer.score(Unit(p.text, 0), p, asked, 0) for p in (paper, label)]
    assert scores[True][0] > scores[True][1] and scores[False][0] <= scores[False][1]


def test_a_question_word_inflected_otherwise_is_still_held_by_the_unit() -> None:
    from assistant.answering.scoring import inflections

    forms = inflections("infections") | inflections("monitor") | inflections("screen")
    assert {"infection", "monitoring", "screening"} <= forms
    assert inflections("doses") == {"dose"} and inflections("day") == {"days"}  # short words: number only
    assert {"certification", "certify"} <= inflections("certified")  # an -ify verb's family
    unit = Unit("Before starting, test for latent tuberculosis and monitor for infection.", 0)
    source = passage("gamifant", "x")
    known, found = Scorer({"infections": 2.0, "monitoring": 2.0, "tuberculosis": 3.0}, ComposerRules()).matched(
        unit, source, {"infections", "monitoring"}
    )
    assert found == known == {"infections", "monitoring"}
    checked = Unit("Patients with ICANS have ICE assessments at least twice daily.", 0)
    _, held = Scorer({"checked": 2.0, "assessments": 2.0}, ComposerRules()).matched(checked, source, {"checked"})
    assert held == {"checked"}  # 'checked' -> 'checks', a synonym of the documents' 'assessments'


def test_facets_a_maintenance_row_contradicts_a_loading_dose_question() -> None:
    from assistant.answering.facets import facets_of, fit
    from assistant.answering.question import ParsedQuestion

    def row(dose: str, setting: str) -> Unit:
        return Unit("", 0, {"drug": "phenobarbital", "dose": dose, "population": "", "setting": setting})

    loading = ParsedQuestion.read("NCSE after CAR-T, phenobarbital loading dose?")
    assert loading.line.phase == "loading" and ParsedQuestion.read("phenobarbital dose?").line.phase is None
    maintenance = fit(loading, facets_of(row("30 mg", "maintenance after NCSE"), "guideline", 2018))
    load = fit(loading, facets_of(row("60 mg loading dose", "NCSE with persisting seizures"), "guideline", 2018))
    assert maintenance.mismatches and not load.mismatches and load.key < maintenance.key


def test_facets_a_row_by_another_route_contradicts_a_route_asked_and_the_gap_names_it() -> None:
    from assistant.answering.facets import facets_of, fit
    from assistant.answering.question import ParsedQuestion

    def row(route: str) -> Unit:
        return Unit("", 0, {"drug": "dexamethasone", "dose": "10 mg", "route": route, "setting": "ICANS grade 3"})

    oral = ParsedQuestion.read("dex PO dose for icans?")
    assert oral.line.route == "oral" and ParsedQuestion.read("dex dose for icans?").line.route is None
    assert ParsedQuestion.read("anakinra IV or SC?").line.route is None  # two routes: neither is asked alone
    assert fit(oral, facets_of(row("IV"), "guideline", 2021)).mismatches
    assert not fit(oral, facets_of(row("oral"), "trial", 2021)).mismatches
    assert not fit(oral, facets_of(row("not stated"), "guideline", 2021)).mismatches  # unknown is no contradiction
    assert not fit(ParsedQuestion.read("dex subq dose?"), facets_of(row("IV or SC"), "cohort", 2022)).mismatches
    table = dosing_table(
        "asco", "dexamethasone | 10 mg | IV | every 6 h | not stated | not stated | ICANS grade 3 | guideline"
    )
    assert compose("dex PO dose for grade 3 ICANS?", [table], Intent.DOSING).gap == (
        "an oral dexamethasone dose for grade 3 ICANS"
    )


def test_a_drug_asked_by_a_route_no_line_gives_is_said_missing_first() -> None:
    """ "can we give dex PO for icans?" answered in sentences that give dexamethasone IV only."""
    iv = passage("jcm", "ICANS is treated with dexamethasone 10 mg IV every 6 h for 1-3 days.", "review")
    question = "can we give dexamethasone PO for ICANS?"
    draft = compose(question, [iv])
    assert draft.gap == "oral dexamethasone for ICANS" and draft.statements[0].text == iv.text
    assert not compose("can we give dexamethasone IV for ICANS?", [iv]).gap
    off = ExtractiveComposer(knowing(iv.text).idf, ComposerRules.ablated("route_gap"))
    assert not off.run(question, [iv], Intent.GENERAL).gap
    # A line saying nothing of a route cannot say the route asked is not given.
    quiet = passage("asco", "ASCO advises caution with repeated dexamethasone courses in ICANS.", "guideline")
    assert not compose(question, [quiet]).gap


def test_facets_a_prophylaxis_row_contradicts_a_refractory_question_and_back() -> None:
    from assistant.answering.facets import facets_of, fit
    from assistant.answering.question import ParsedQuestion

    def row(setting: str) -> Unit:
        return Unit("", 0, {"drug": "anakinra", "dose": "100 mg", "population": "adults", "setting": setting})

    prophylaxis = facets_of(row("ICANS prophylaxis from day 0"), "trial", 2023)
    refractory = facets_of(row("ICANS that did not improve despite high-dose corticosteroids"), "cohort", 2023)
    neither = facets_of(row("ICANS after axi-cel"), "case-series", 2022)
    treating = ParsedQuestion.read("anakinra for steroid-refractory ICANS?")
    preventing = ParsedQuestion.read("does anakinra ppx prevent ICANS?")
    assert preventing.line.prophylaxis and not treating.line.prophylaxis
    assert fit(treating, prophylaxis).mismatches and not fit(treating, refractory).mismatches
    assert fit(preventing, refractory).mismatches and not fit(preventing, prophylaxis).mismatches
    # A unit on neither use, or a question asking neither, contradicts nothing.
    assert not fit(treating, neither).mismatches and not fit(preventing, neither).mismatches
    assert not fit(ParsedQuestion.read("anakinra for ICANS?"), prophylaxis).mismatches
    # A dose asked for CRS or ICANS, with no word of prevention, is a treatment dose; one for PJP is the usual
    # prophylaxis, and neither opens a gap of its own.
    assert fit(ParsedQuestion.read("anakinra dose for ICANS?"), prophylaxis).mismatches
    assert not fit(ParsedQuestion.read("anakinra ppx dose for ICANS?"), prophylaxis).mismatches
    pjp = facets_of(Unit("", 0, {"drug": "TMP-SMX", "setting": "PJP prophylaxis"}), "guideline", 2023)
    assert not fit(ParsedQuestion.read("bactrim dose for PJP?"), pjp).mismatches


def test_a_treatment_dose_is_not_answered_by_a_prophylaxis_row() -> None:
    """ "acyclovir treatment dose?" where the sources give acyclovir only to prevent HSV: the first line says so."""
    row = "acyclovir | 800 mg | not stated | twice daily | not stated | CAR-T recipients | HSV prophylaxis | guideline"
    ppx = dosing_table("ash", row)
    for question in ("HSV reactivation, acyclovir treatment dose?", "acyclovir dose to treat VZV?"):
        draft = compose(question, [ppx], Intent.DOSING)
        assert draft.gap == "an acyclovir dose for treatment", question
    asked = compose("acyclovir ppx dose?", [ppx], Intent.DOSING)
    assert not asked.gap and asked.table[0].cells["dose"] == "800 mg"
    # "treated with" says who was studied, not what the drug is given for.
    assert not ParsedQuestion.read("CRS rate in patients treated with axi-cel?").line.treating


def test_how_to_treat_is_not_answered_by_prophylaxis_lines() -> None:
    """ "how do we treat HSV?" where the sources give acyclovir only to prevent it: they say so first."""
    ppx = passage("ash", "Acyclovir 800 mg twice daily is given as HSV prophylaxis from lymphodepletion.", "guideline")
    draft = compose("how do we treat HSV?", [ppx], Intent.MANAGEMENT)
    assert draft.gap == ONLY_PROPHYLAXIS and [s.label for s in draft.statements] == ["Related"]
    # A line on the subject that is no prophylaxis answers instead ("CMV reactivation — treat?").
    monitoring = passage("stanford", "HSV is monitored by weekly PCR in patients on corticosteroids.", n=1)
    answered = compose("how do we treat HSV?", [ppx, monitoring], Intent.MANAGEMENT)
    assert not answered.gap and [s.text for s in answered.statements] == [monitoring.text]
    ablated = ExtractiveComposer(knowing(ppx.text).idf, ComposerRules.ablated("treatment_gap"))
    assert not ablated.run("how do we treat HSV?", [ppx], Intent.MANAGEMENT).gap
    assert not compose("HSV prophylaxis?", [ppx], Intent.MANAGEMENT).gap


def test_a_line_on_another_product_only_is_related_to_a_question_naming_a_product() -> None:
    """ "bridging therapy before yescarta?" is not answered by cilta-cel's bridging line as if it were axi-cel's."""
    cilta = passage("cohen", "Enhanced bridging therapy was used to reduce tumour burden before cilta-cel.", "trial")
    draft = compose("bridging therapy before yescarta?", [cilta])
    assert draft.gap == "this for axi-cel" and [s.label for s in draft.statements] == ["Related"]
    axicel = passage("zuma", "Bridging therapy before axi-cel was not allowed in the pivotal cohort.", "trial", n=1)
    both = compose("bridging therapy before yescarta?", [cilta, axicel])
    assert not both.gap and both.statements[0].text == axicel.text
    assert all(s.label == "Related" for s in both.statements if s.text == cilta.text)
    assert not compose("bridging therapy before carvykti?", [cilta]).gap
    ablated = ExtractiveComposer(knowing(cilta.text).idf, ComposerRules.ablated("other_product_related"))
    assert not ablated.run("bridging therapy before yescarta?", [cilta], Intent.GENERAL).gap


def test_a_product_typed_as_the_patients_history_does_not_lead_with_that_products_lines() -> None:
    """ "day 20 after carvykti, IgG 300 — IVIG?": cilta-cel's onset line shares only the day of the course."""
    onset = passage("carvykti", "The median CRS onset after cilta-cel was 7 days, most starting on day 4.", "label")
    ivig = passage("ash", "IVIG 400 mg/kg is given to CAR-T recipients with IgG at or below 400 mg/dL.", n=1)
    draft = compose("day 20 after carvykti, IgG 300 — IVIG?", [onset, ivig])
    assert draft.statements[0].text == ivig.text
    # What is said of the product on the question's subject still leads.
    cilta = passage("carvykti", "After cilta-cel, IVIG is given when IgG falls below 400 mg/dL.", "label", n=2)
    assert compose("carvykti IgG low — IVIG?", [onset, ivig, cilta]).statements[0].text == cilta.text


def test_a_product_question_no_line_speaks_to_is_not_answered_with_the_products_other_lines() -> None:
    """ "yescarta cost?": every line found is about axi-cel and none speaks of cost: Carta abstains."""
    lines = [
        passage("label", "The Yescarta label reports serious and fatal cerebral edema after axi-cel.", "label"),
        passage("label", "In ZUMA-1 (axi-cel, n=108), CRS occurred in 94% of patients.", "label", n=1),
    ]
    composer = knowing(*(p.text for p in lines))  # "cost" is a word the corpus never uses
    assert composer.run("yescarta cost?", lines, Intent.GENERAL).abstained
    assert not composer.run("yescarta cerebral edema?", lines, Intent.GENERAL).abstained
    assert not composer.run("yescarta?", lines, Intent.GENERAL).abstained  # the product alone: what is said of it
    ablated = ExtractiveComposer(composer.idf, ComposerRules.ablated("product_subject_gap"))
    assert not ablated.run("yescarta cost?", lines, Intent.GENERAL).abstained


def test_an_evidence_answer_quotes_no_study_of_another_use_than_asked() -> None:
    passages = [
        passage(
            "pilot", "In the pilot, prophylactic anakinra from day 0 was followed by grade 3 ICANS in 10%.", "trial"
        ),
        passage("cohort", "In the cohort, anakinra for ICANS refractory to corticosteroids was feasible and safe."),
    ]
    treating, preventing = "anakinra for refractory ICANS, data?", "anakinra ppx for ICANS, data?"
    assert evidence_texts(treating, passages) == [passages[1].text]
    assert evidence_texts(preventing, passages) == [passages[0].text]
    assert len(evidence_texts(treating, passages, ComposerRules.ablated("evidence_setting_only"))) == 2
    # A prophylaxis study's line is prophylaxis though it does not say so: its title does.
    unsaid = make_passage(
        "In cohort 1 of the trial, anakinra was given from day 2 until day 10.",
        "park",
        section="Results",
        title="Prophylactic anakinra with CD19 CAR-T in relapsed or refractory lymphoma",
        doc_type="trial",
    )
    assert evidence_texts(treating, [unsaid, passages[1]]) == [passages[1].text]


def test_a_one_fact_question_gets_the_statement_carrying_it_and_stops() -> None:
    passages = [
        passage("l", "In the trial of liso-cel in CLL, the median time to CRS onset was 4 days."),
        passage("l", "In the trial of liso-cel in CLL, CRS occurred in 85% of patients.", n=1),
        passage("l", "In the trial of liso-cel in CLL, grade 3 CRS occurred in 9% of patients.", n=2),
        passage("o", "In the trial of obe-cel, the median time to CRS onset was 8 days.", n=3),
    ]
    question = "liso-cel CLL median CRS onset?"
    draft = compose(question, passages)
    assert [s.text for s in draft.statements] == [passages[0].text]
    # With the rule off, the prose shape fills up with the trial's other figures.
    composer = knowing(*(p.text for p in passages))
    prose = ExtractiveComposer(composer.idf, ComposerRules.ablated("one_fact")).run(question, passages, Intent.GENERAL)
    assert len(prose.statements) > 1


def test_when_to_stop_a_prophylaxis_is_answered_by_the_sentence_that_says_until_when() -> None:
    passages = [
        passage("a", "Levofloxacin prophylaxis after CAR-T is given while the ANC stays below 500.", "guideline"),
        passage("a", "Levofloxacin after CAR-T is chosen for its activity against gram-negative bacteria.", n=1),
        passage("a", "Levofloxacin prophylaxis after CAR-T is one of several antibacterial options.", n=2),
    ]
    draft = compose("levofloxacin prophylaxis after CAR-T, when do we stop?", passages)
    assert [s.text for s in draft.statements] == [passages[0].text]


@pytest.mark.parametrize(
    ("question", "texts", "doc_type"),
    [
        # One toxicity asked: its own line, not one that also gives another toxicity's figure.
        (
            "ZUMA-1 median onset of neurologic toxicities?",
            [
                "In ZUMA-1, the median onset was 2 days for CRS and 4 days for neurologic toxicities.",
                "In ZUMA-1, the median onset of neurologic toxicities was 4 days.",
            ],
            "label",
        ),
        # A duration asked: the line giving one, when the best line gives only a start day.
        (
            "PJP prophylaxis after CAR-T, how long?",
            [
                "The protocol gives atovaquone daily from day 14 as PJP prophylaxis after CAR-T.",
                "PJP prophylaxis after CAR-T goes on for 18 months.",
                "PJP prophylaxis after CAR-T uses TMP-SMX when counts allow.",
            ],
            "guideline",
        ),
        # One drug asked: the line naming it, not a line naming no drug that shares more words.
        (
            "levofloxacin prophylaxis after CAR-T infusion, until when?",
            [
                "Antiviral prophylaxis after CAR-T infusion goes on until 1 year after infusion.",
                "Levofloxacin prophylaxis after CAR-T infusion is given while the ANC is <500.",
                "Levofloxacin is a quinolone.",
                "Levofloxacin covers gram-negative bacteria.",
            ],
            "guideline",
        ),
    ],
)
def test_a_one_fact_is_led_by_the_line_on_what_is_asked_alone(question: str, texts: list[str], doc_type: str) -> None:
    passages = [passage("d", text, doc_type, n=n) for n, text in enumerate(texts)]
    assert [s.text for s in compose(question, passages).statements] == [passages[1].text]


def test_a_products_rate_comes_from_its_trial_before_a_real_world_cohort_unless_that_is_asked() -> None:
    passages = [
        passage(
            "cibmtr-2020-registry", "In the real-world cohort (brexu-cel, MCL), grade ≥3 CRS occurred in 8%.", "cohort"
        ),
        passage("z2", "In the ZUMA-2 trial (brexu-cel, MCL), grade ≥3 CRS occurred in 15% of patients.", "trial", n=1),
    ]
    assert compose("brexu-cel MCL grade ≥3 CRS?", passages).statements[0].text == passages[1].text
    assert compose("brexu-cel MCL grade ≥3 CRS in the real world?", passages).statements[0].text == passages[0].text
    assert compose("CIBMTR brexu-cel MCL grade ≥3 CRS?", passages).statements[0].text == passages[0].text


def test_a_trial_named_without_its_number_gets_each_of_its_trials_rate() -> None:
    """ "TRANSCEND gr3+ neurotox?" names TRANSCEND NHL 001 and TRANSCEND CLL 004 alike: one line each."""
    passages = [
        passage("cll", "In TRANSCEND CLL 004 (liso-cel), grade ≥3 neurologic events occurred in 19%.", "trial"),
        passage("nhl", "In TRANSCEND NHL 001 (liso-cel), grade ≥3 neurologic events occurred in 10%.", "trial", n=1),
    ]
    texts = [s.text for s in compose("TRANSCEND grade 3 neurologic events rate?", passages).statements]
    assert texts == [passages[0].text, passages[1].text]
    assert [s.text for s in compose("TRANSCEND NHL 001 grade 3 neurologic events rate?", passages).statements] == [
        passages[1].text
    ]
    off = ExtractiveComposer(knowing(*(p.text for p in passages)).idf, ComposerRules.ablated("one_fact_other_source"))
    assert len(off.run("TRANSCEND grade 3 neurologic events rate?", passages, Intent.GENERAL).statements) == 1


def test_a_duration_with_no_end_answers_how_long() -> None:
    """ "new cancer after car-t, how long do we monitor?": "lifelong" is the duration, not another line's 2 weeks."""
    passages = [
        passage("fda", "The FDA advises lifelong monitoring for new malignancies after CAR-T.", "regulatory"),
        passage("label", "After CAR-T, patients are monitored for at least 2 weeks after infusion.", "label", n=1),
    ]
    question = "new malignancies after CAR-T, how long do we monitor?"
    texts = [s.text for s in compose(question, passages, Intent.MONITORING).statements]
    assert texts == [passages[0].text]


def test_a_one_fact_that_two_sources_give_differently_gets_both() -> None:
    """ "G-CSF after CAR-T, when do we start?": one table says day +2 in high risk, another beyond day 14."""
    passages = [
        passage("eha", "The EHA table starts G-CSF after CAR-T from day +2 in high-risk patients.", "guideline"),
        passage("ash", "ASH starts G-CSF after CAR-T beyond day 14.", "guideline", n=1),
    ]
    question = "G-CSF after CAR-T, when do we start it?"
    assert [s.text for s in compose(question, passages).statements] == [passages[0].text, passages[1].text]
    off = ExtractiveComposer(knowing(*(p.text for p in passages)).idf, ComposerRules.ablated("one_fact_other_source"))
    assert len(off.run(question, passages, Intent.GENERAL).statements) == 1
    # A second source giving the same day says nothing new, though its other figures differ.
    same = passage("ash", "ASH starts G-CSF after CAR-T from day +2 if ANC is low.", "guideline", n=1)
    assert len(compose(question, [passages[0], same]).statements) == 1
    dosed = passage("ash", "ASH starts G-CSF 5 µg/kg after CAR-T from day +2.", "guideline", n=1)
    assert len(compose(question, [passages[0], dosed]).statements) == 1


def test_a_products_reference_rate_must_hold_what_the_best_line_holds_of_the_question() -> None:
    """ "axi-cel pts still gr3+ neutropenic at a year?": the label's grade 3 CRS is no answer for lacking 'year'."""
    passages = [
        passage("c", "In the axi-cel cohort, grade ≥3 neutropenia persisted at 1 year in 9.7% of patients.", "cohort"),
        passage("l", "In ZUMA-5 (axi-cel), grade 3 CRS occurred in 8% of patients, per the label.", "label", n=1),
    ]
    draft = compose("axi-cel patients still grade ≥3 neutropenic at a year — what %?", passages)
    assert draft.statements[0].text == passages[0].text


def test_the_rate_of_a_grade_is_led_by_a_line_giving_that_grade() -> None:
    from assistant.answering.question import Asked, ParsedQuestion
    from assistant.answering.shapes.one_fact import one_fact
    from assistant.answering.units import units_of

    question = "brexu-cel MCL grade ≥3 neurologic events %?"
    passages = [
        passage("t", "In MCL with brexu-cel, 91% of neurologic events resolved.", "trial"),
        passage("t", "In MCL with brexu-cel, grade ≥3 neurologic events occurred in 31%.", "trial", n=1),
    ]
    # The line naming no grade comes first, as the prose order may put it (it adds words the other lacks).
    candidates = [(1.0, unit) for unit in units_of(passages)]
    scorer = knowing(*(p.text for p in passages)).scorer
    core = set(Asked.read(question, Intent.GENERAL).core)
    said = one_fact(question, candidates, ParsedQuestion.read(question), passages, core, scorer)
    assert said[0].text == passages[1].text


def test_a_schedule_given_item_by_item_is_answered_with_every_item() -> None:
    schedule = (
        "The table restarts COVID-19 vaccines after CAR-T at 3 months. "
        "The table restarts inactivated vaccines after CAR-T at 6 months. "
        "The table restarts live vaccines after CAR-T after 1 year."
    )
    passages = [passage("ash", schedule, "guideline")]
    question = "vaccines after CAR-T, when restart?"
    assert len(compose(question, passages).statements) == 3
    # With the rule off, the one-fact shape answers with the first item alone.
    ablated = ExtractiveComposer(knowing(schedule).idf, ComposerRules.ablated("one_fact_tie"))
    assert len(ablated.run(question, passages, Intent.GENERAL).statements) == 1


def test_a_schedule_is_answered_with_its_items_and_no_other_line() -> None:
    schedule = (
        "The table restarts COVID-19 vaccines after CAR-T at 3 months. "
        "The table restarts inactivated vaccines after CAR-T at 6 months. "
        "The table restarts live vaccines after CAR-T after 1 year. "
        "The table on vaccines after CAR-T is a published recommendations table."
    )
    other = passage("b", "TMP-SMX after CAR-T restarts from day 30.", "guideline")
    passages = [passage("ash", schedule, "guideline"), other]
    question = "vaccines after CAR-T, when restart?"
    said = [s.text for s in compose(question, passages).statements]
    assert len(said) == 3 and all("vaccines after CAR-T at" in s or "after 1 year" in s for s in said)
    # With the rule off, the prose shape lists the items and fills up with the lines beside them.
    ablated = ExtractiveComposer(knowing(schedule, other.text).idf, ComposerRules.ablated("schedule_list"))
    assert len(ablated.run(question, passages, Intent.GENERAL).statements) > 3


def test_a_yes_no_dose_question_keeps_the_sentence_that_says_whether() -> None:
    row = "tocilizumab | 8 mg/kg | IV | every 8 h | 800 mg per dose | not stated | ICANS with CRS | guideline"
    table = dosing_table("a", row)
    caution = passage("a", "ASCO advises caution with repeated tocilizumab doses in ICANS.", "guideline", 1)
    draft = compose("can we give a 2nd dose of tocilizumab with ICANS?", [table, caution], Intent.DOSING)
    assert caution.text in [s.text for s in draft.statements]


def test_an_age_is_no_duration_and_how_long_to_continue_asks_a_duration() -> None:
    from assistant.answering.question import ParsedQuestion, ask_words
    from assistant.answering.shapes.one_fact import carries

    asked = ParsedQuestion.read("how long is tocilizumab given?")
    assert not carries("Tocilizumab 12 mg/kg in patients aged ≥2 years weighing <30 kg.", asked)
    assert not carries("Tocilizumab is approved for patients 2 years and older.", asked)
    assert carries("Entecavir is continued for 12 months.", asked)
    # How often a drug is given is no duration; when it stops is one, in words ("and the steroid duration?").
    assert not carries("Grade 3 CRS is treated with dexamethasone 10 mg IV every 6 h.", asked)
    assert not carries("Methylprednisolone 1 mg/kg IV q12h.", asked)
    assert carries("Dexamethasone for grade 3 CRS is tapered rapidly once the patient improves.", asked)
    assert ParsedQuestion.read("and the steroid duration?").one_fact == "duration"  # a follow-up's "and": one ask
    assert "continue" in ask_words("entecavir after CAR-T, how long do we continue?")
    # An onset given in words, without a figure, is a time too; "show up" (spelled out "appear (onset)") asks it.
    soon = spell_out("T-cell lymphoma after CAR-T — how early can it show up?")
    assert "show" not in soon
    assert carries("T-cell malignancies may appear as soon as weeks after CAR-T infusion.", ParsedQuestion.read(soon))
    assert not carries("The FDA asks that T-cell malignancies be reported to FDA MedWatch.", ParsedQuestion.read(soon))
    assert {"early", "appear", "onset"} <= ask_words(soon)
    # A point of the course is a time: "labs drawn when?" is answered by what is measured before lymphodepletion.
    drawn = ParsedQuestion.read("CAR-HEMATOTOX labs — drawn when?")
    assert drawn.one_fact == "time"
    assert carries("The score uses 5 markers measured before lymphodepletion.", drawn)
    assert not carries("The score uses 5 markers: ANC, hemoglobin, platelets, CRP and ferritin.", drawn)


def test_a_question_on_one_drug_is_not_led_by_a_line_on_another_drug() -> None:
    question = "levofloxacin prophylaxis after CAR-T infusion?"
    passages = [
        passage("a", "Valaciclovir prophylaxis after CAR-T infusion lasts until 1 year after it.", "guideline"),
        passage("b", "Levofloxacin prophylaxis is given during neutropenia.", "guideline", n=1),
    ]
    assert compose(question, passages).statements[0].text == passages[1].text
    # With the rule off, the line sharing more of the question's words leads.
    ablated = ExtractiveComposer(knowing(*(p.text for p in passages)).idf, ComposerRules.ablated("other_drug_factor"))
    assert ablated.run(question, passages, Intent.GENERAL).statements[0].text == passages[0].text


def test_a_one_fact_question_is_led_by_the_row_for_the_grade_asked_not_a_sentence_spanning_grades() -> None:
    passages = [
        passage("g", "A patient with an ICE score of 0 who is awake has grade 3 ICANS, not grade 4.", "guideline"),
        passage("g", "The ICE score has a maximum of 10 points and grades ICANS.", "guideline", n=1),
        Passage("g:2", "g", "| ICANS grade | ICE score |\n|---|---|\n| 3 | 0–2 |", "ICANS", "table", "g", "guideline"),
    ]
    draft = compose("ICE score for grade 3 ICANS?", passages)
    assert draft.statements[0].text == "ICANS grade: 3; ICE score: 0–2"


def test_a_cutoff_for_one_grade_is_answered_by_its_grading_row_not_a_treatment_trigger() -> None:
    passages = [
        passage("u", "Tocilizumab may be considered for grade 1 CRS when fever lasts >48 h.", "guideline"),
        Passage("g:1", "g", "| CRS grade | Fever |\n|---|---|\n| 1 | ≥38 °C |", "CRS", "table", "g", "guideline"),
    ]
    draft = compose("grade 1 CRS fever threshold?", passages)
    assert [s.text for s in draft.statements] == ["CRS grade: 1; Fever: ≥38 °C"]


def test_a_one_fact_answer_falls_back_to_prose_when_its_best_unit_does_not_give_the_kind_asked() -> None:
    passages = [
        passage("a", "Tocilizumab infusions for CRS must not exceed 800 mg.", "label"),
        passage("b", "Tocilizumab for CRS is infused over 1 h.", "guideline", n=1),
    ]
    draft = compose("how long is a tocilizumab infusion for CRS?", passages)
    assert any("over 1 h" in s.text for s in draft.statements)


def test_a_rate_asked_is_led_by_the_best_unit_giving_a_rate_not_the_best_unit() -> None:
    passages = [
        passage("w", "The cilta-cel boxed warning covers grade ≥3 CRS, which can be fatal.", "label"),
        passage("s", "In the cilta-cel approval summary, grade ≥3 CRS occurred in 5% of patients.", "review", n=1),
        passage("o", "In the obe-cel trial, grade ≥3 CRS occurred in 2% of patients.", "trial", n=2),
    ]
    draft = compose("cilta-cel grade ≥3 CRS %?", passages)
    assert [s.text for s in draft.statements] == [passages[1].text]


def test_an_age_asked_is_answered_by_a_unit_giving_an_age_not_any_number() -> None:
    passages = [
        Passage("g:0", "g", "| ICANS grade | ICE score |\n|---|---|\n| 4 | 0 |", "ICANS", "table", "g", "guideline"),
        passage("g", "The ICE score grades ICANS in adults and children aged 12 years and older.", "guideline", n=1),
    ]
    draft = compose("minimum age for the ICE score?", passages)
    assert [s.text for s in draft.statements] == [passages[1].text]


def test_a_one_fact_answer_adds_no_line_for_the_kind_asked_or_a_context_word() -> None:
    from assistant.answering.question import fact_words

    assert fact_words("ICE score frequency with ICANS?") == {"frequency"}
    assert "crs" not in fact_words("grade 3/4 CRS rate in JULIET?")  # the rate pattern spans the toxicity
    passages = [
        passage("a", "Patients with ICANS have ICE assessments at least twice daily.", "guideline"),
        passage("b", "For ICANS, dexamethasone 10 mg IV every 6 h at the frequency the grade needs.", "guideline", n=1),
    ]
    draft = compose("ICE score frequency with ICANS?", passages)
    assert [s.text for s in draft.statements] == [passages[0].text]


def test_fda_names_a_kind_of_source_not_one_study() -> None:
    from assistant.answering.compose import named_documents

    ids = {"fda-2025-rems-removal", "manghisi-2025-emapalumab-case", "nccn-2026-cart-toxicities"}
    assert named_documents("carvykti ≥grade 3 CRS in the FDA summary?", ids) == set()
    assert named_documents("emapalumab dose in the Manghisi case?", ids) == {"manghisi-2025-emapalumab-case"}
    assert named_documents("per NCCN, dex for grade 3 ICANS?", ids) == {"nccn-2026-cart-toxicities"}


def test_a_row_for_another_age_band_does_not_lead() -> None:
    adult = passage("lee", "The ICANS grade 3 score is an ICE score of 0-2.", "consensus")
    child = passage("lee-peds", "In a child, CAPD 9 or higher is grade 3 ICANS.", "consensus", n=1)
    question = "grade 3 ICANS score in a 6 yo?"
    assert compose(question, [adult, child], Intent.GRADING).statements[0].text == child.text
    idf = knowing(adult.text, child.text).idf
    off = ExtractiveComposer(idf, ComposerRules(fitting_first=False)).run(question, [adult, child], Intent.GRADING)
    assert off.statements[0].text == adult.text


def test_our_protocol_with_nothing_related_still_says_no_local_document() -> None:
    other = passage("s", "Hypogammaglobulinemia after CAR-T is treated with immunoglobulin.", "guideline")
    draft = compose("per our SOP, warfarin bridging?", [other])
    assert not draft.abstained and "no local document is indexed" in draft.gap and not draft.statements
    assert compose("warfarin bridging?", [other]).abstained


def test_a_dose_table_for_one_toxicity_lists_no_other_toxicitys_rows() -> None:
    icans = dosing_table("asco-icans", "dexamethasone | 10 mg | IV | every 6 h | | | ICANS grade 3 | guideline")
    hlh = dosing_table("gamifant", "dexamethasone | 10 mg/m² | | daily | | | primary HLH with Gamifant | label")
    hlh = Passage("gamifant:0", "gamifant", hlh.text, "Dosing table", "table", "Gamifant", "label")
    texts = [row.text for row in compose("dex dose for gr3 ICANS?", [icans, hlh], Intent.DOSING).table]
    assert len(texts) == 1 and "ICANS" in texts[0]


def test_a_runner_up_that_holds_the_questions_rare_words_keeps_it_answerable() -> None:
    """The best-scoring line matches the common words and the management hints; the grading row just
    below holds the rare ones ("bipap", "pressors"): the passages cover the question, so no abstention."""
    guideline = passage(
        "asco", "Grade 4 CRS is treated as recommended: managed first line with treatment in the ICU.", "guideline"
    )
    grading = passage("astct", "Grade 4 CRS: two pressors or bipap.", "guideline", n=1)
    idf = {"grade": 0.2, "crs": 0.2, "treated": 3.0, "managed": 3.0, "recommended": 3.0, "first": 3.0}
    idf |= {"line": 3.0, "icu": 3.0, "treatment": 3.0, "two": 1.0, "pressors": 2.0, "bipap": 2.0, "management": 0.5}
    composer = ExtractiveComposer(idf)
    draft = composer.run("grade 4 CRS, pressors, on bipap - management?", [guideline, grading], Intent.MANAGEMENT)
    assert not draft.abstained


def test_a_brand_earns_no_more_than_its_generic_name() -> None:
    """'Gamifant' is rarer in the corpus than 'emapalumab': a label line must not outrank a study for it."""

    scorer = Scorer({"gamifant": 5.0, "emapalumab": 2.0, "adult": 1.0}, ComposerRules())
    assert scorer.matched_weight("gamifant") == scorer.matched_weight("emapalumab") == 2.0
    assert scorer.matched_weight("adult") == 1.0
    assert (
        Scorer({"gamifant": 5.0, "emapalumab": 2.0}, ComposerRules.ablated("brand_as_generic")).matched_weight(
            "gamifant"
        )
        == 5.0
    )


@pytest.mark.parametrize(
    ("texts", "question"),
    [
        # A definition writes 'IEC-HS' and its full name; a line on treating it writes 'IEC-HS' once.
        (
            (
                "The panel named it immune effector cell-associated HLH-like syndrome (IEC-HS).",
                "Corticosteroids are the cornerstone of IEC-HS treatment.",
            ),
            "IEC-HS?",
        ),
        # A table row writes 'vaccines' and, in its setting cell, 'vaccination'; the sentence beside it, 'vaccines'.
        (
            ("Drug: live vaccines; Setting: vaccination; after 1 year.", "Live vaccines are given after 1 year."),
            "vaccines after CAR-T?",
        ),
    ],
)
def test_a_unit_holding_the_questions_own_word_earns_nothing_more_for_a_synonym_of_it(
    texts: tuple[str, str], question: str
) -> None:
    """Both units hold the question's word for a toxicity or a term, so the first's synonym of it (the full name,
    the setting cell) does not lift it above the second."""
    idf = dict.fromkeys(tokenize(" ".join(texts), parts=False), 1.0)
    asked = Asked.read(question, Intent.GENERAL)
    passages = [passage("a", texts[0]), passage("b", texts[1], n=1)]
    units = [Unit(text, i) for i, text in enumerate(texts)]

    def scores(rules: ComposerRules) -> list[float]:
        scorer = Scorer(idf, rules)
        return [scorer.score(u, passages[u.passage], asked, 0) for u in units]

    synonym, own = scores(ComposerRules())
    assert synonym <= own  # the longer unit costs more words for the same credit
    synonym, own = scores(ComposerRules.ablated("toxicity_once"))
    assert synonym > own


def test_a_drug_named_only_in_words_the_corpus_never_uses_earns_its_synonyms_in_full() -> None:
    """'romiplostim' is no corpus word: the class it belongs to ('thrombopoietin agonist') is all it can match, so it
    counts as a question word would, not at the discount of an added synonym; 'tpo agonist' shares 'agonist'."""

    idf = {"thrombopoietin": 3.0, "agonist": 2.0, "platelets": 1.0, "low": 1.0}
    unit, tpo = (
        Unit("A thrombopoietin agonist is suggested.", 0),
        passage("a", "A thrombopoietin agonist is suggested."),
    )
    asked = Asked.read("romiplostim for low platelets?", Intent.GENERAL)
    full = Scorer(idf, ComposerRules()).score(unit, tpo, asked, rank=5)
    half = Scorer(idf, ComposerRules.ablated("unindexed_words_in_full")).score(unit, tpo, asked, rank=5)
    assert full > half > 0
    indexed = Asked.read("thrombopoietin agonist for low platelets?", Intent.GENERAL)
    assert Scorer(idf, ComposerRules()).score(unit, tpo, indexed, rank=5) >= full


@pytest.mark.parametrize(
    ("question", "other", "answering"),
    [
        # "gr2 ICANS, no CRS": the line for ICANS with CRS is another patient's; the one without CRS answers.
        (
            "grade 2 ICANS, no CRS: dexamethasone?",
            "Grade 2 ICANS with CRS that is refractory is treated with dexamethasone 10 mg.",
            "Grade 2 ICANS without CRS is managed with supportive care or dexamethasone.",
        ),
        # ... and the other way: for ICANS with CRS, the line for ICANS without CRS is another patient's.
        (
            "grade 3 ICANS plus CRS: what do we give?",
            "Grade 3 ICANS without CRS is treated with dexamethasone 10 mg.",
            "Grade 3 ICANS with concurrent CRS is treated with tocilizumab.",
        ),
    ],
)
def test_a_line_for_another_patient_by_a_ruled_out_toxicity_does_not_answer(
    question: str, other: str, answering: str
) -> None:
    passages = [passage("asco", other, n=0), passage("asco", answering, n=1)]
    assert compose(question, passages).statements[0].text == answering
    off = ExtractiveComposer(knowing(other, answering).idf, ComposerRules.ablated("ruled_out_toxicities"))
    assert off.run(question, passages, Intent.GENERAL).statements[0].text == other


def test_a_line_that_also_speaks_of_the_ruled_out_toxicitys_absence_is_not_another_patients() -> None:
    """ "can ICANS happen without CRS?": "ICANS can occur ... after CRS, or without CRS" answers it, and leads."""
    row = passage("astct", "ICANS grade 4: repetitive seizures without return to baseline.", "guideline", n=0)
    warning = passage("label", "ICANS can occur before, during or after CRS, or without CRS.", "label", n=1)
    question = "can ICANS happen without CRS?"
    assert compose(question, [row, warning]).statements[0].text == warning.text
    # ... alone: the grade row naming ICANS only is no better fit for a question that speaks of CRS too.
    assert [s.text for s in compose("is ICANS possible without CRS?", [row, warning]).statements] == [warning.text]
    composer = knowing(row.text, warning.text)
    scorer = Scorer(composer.idf, ComposerRules())
    asked = Asked.read(question, Intent.GENERAL)
    unit = Unit(warning.text, 0)
    assert scorer.score(unit, warning, asked, rank=1) == Scorer(
        composer.idf, ComposerRules.ablated("ruled_out_toxicities")
    ).score(unit, warning, asked, rank=1)


def test_a_row_that_only_restates_the_sentences_chosen_before_it_is_left_out() -> None:
    row = (
        "IVIG | 400–500 mg/kg | IV | IgG checked every 4 weeks | not stated"
        " | CAR-T recipients with IgG ≤400 mg/dL | hypogammaglobulinemia | guideline"
    )
    passages = [
        passage("s", "IgG is checked every 4 weeks in CAR-T recipients.", "guideline"),
        passage(
            "s", "IVIG 400–500 mg/kg IV is given to CAR-T recipients with IgG at or below 400 mg/dL.", "guideline", n=1
        ),
        dosing_table("t", row, title="Supportive care"),
    ]
    first, second, unit = units_of(passages)
    both = select([(1.0, first), (1.0, second), (1.0, unit)], ComposerRules())
    assert [s.text for s in both] == [first.text, second.text]
    assert len(select([(1.0, first), (1.0, unit)], ComposerRules())) == 2  # the IVIG dose is new after the first
    assert len(select([(1.0, first), (1.0, second), (1.0, unit)], ComposerRules.ablated("restated_rows"))) == 3


def test_alike_sentences_answering_different_words_of_the_question_are_two_statements() -> None:
    """ "gr2 ICANS w/u: MRI? EEG?": the EEG line reads like the MRI line, but answers the other half."""
    passages = [
        passage("asco", "In the ASCO guideline, MRI of the brain is obtained from grade 2 ICANS onwards.", "guideline"),
        passage("asco", "In the ASCO guideline, EEG is obtained from grade 2 ICANS onwards.", "guideline", n=1),
    ]
    mri, eeg = units_of(passages)
    asked = frozenset({"icans", "workup", "mri", "eeg"})
    assert [s.text for s in select([(1.0, mri), (1.0, eeg)], ComposerRules(), asked)] == [mri.text, eeg.text]
    # Asked about neither test, they say the same of grade 2 ICANS: one statement.
    assert len(select([(1.0, mri), (1.0, eeg)], ComposerRules(), frozenset({"icans", "grade"}))) == 1
    assert len(select([(1.0, mri), (1.0, eeg)], ComposerRules.ablated("twins_answer_alike"), asked)) == 1


RATES_TABLE = (
    "| Trial | CRS any grade | Neurologic events any grade | Neurologic events grade 3–4 |\n"
    "|---|---|---|---|\n| JULIET | 58% | 21% | 12% |"
)


def test_a_rates_row_whose_asked_rates_the_sentences_give_is_left_out() -> None:
    """ "JULIET neuro events %?": the 21% and 12% sentences answer it; the trial's whole row adds CRS figures."""
    passages = [
        passage("e", "In JULIET, neurologic events occurred in 21% of patients.", "trial"),
        passage("e", "In JULIET, grade 3–4 neurologic events occurred in 12% of patients.", "trial", n=1),
        Passage("r:0", "r", RATES_TABLE, "Rates", "table", "Product rates", "review"),
    ]
    first, second, row = units_of(passages)
    asked = frozenset({"juliet", "neuro", "events"})
    assert [s.text for s in select([(1.0, first), (1.0, second), (1.0, row)], ComposerRules(), asked)] == [
        first.text,
        second.text,
    ]
    # The row stays when a rate it gives under an asked heading is not said yet, or nothing in it was asked.
    assert len(select([(1.0, first), (1.0, row)], ComposerRules(), asked)) == 2
    assert len(select([(1.0, first), (1.0, second), (1.0, row)], ComposerRules(), frozenset({"juliet"}))) == 3
    assert len(select([(1.0, first), (1.0, second), (1.0, row)], ComposerRules.ablated("restated_rows"), asked)) == 3


def test_a_row_that_adds_a_route_or_a_frequency_is_kept() -> None:
    row = "IVIG | 400–500 mg/kg | IV | every 4 weeks | not stated | CAR-T recipients | low IgG | guideline"
    passages = [
        passage("s", "IVIG 400–500 mg/kg is given to CAR-T recipients with low IgG.", "guideline"),
        dosing_table("t", row, title="Supportive care"),
    ]
    sentence, unit = units_of(passages)
    assert len(select([(1.0, sentence), (1.0, unit)], ComposerRules())) == 2  # the route and schedule are new


def test_a_management_answer_quotes_no_rate_unless_asked_how_often() -> None:
    passages = [
        passage("asco", "Grade 3 CRS is managed with vasopressors and ICU care.", "guideline"),
        passage("zuma", "In ZUMA-3, grade 3 CRS occurred in 33% of patients managed this way.", n=1),
    ]
    question = "How is grade 3 CRS managed?"
    composer = knowing(*(p.text for p in passages))
    texts = [s.text for s in composer.run(question, passages, Intent.MANAGEMENT).statements]
    assert texts == [passages[0].text]
    ablated = ExtractiveComposer(composer.idf, ComposerRules.ablated("management_without_rates"))
    assert passages[1].text in [s.text for s in ablated.run(question, passages, Intent.MANAGEMENT).statements]


def test_an_evidence_answer_gives_a_line_to_each_study_found_not_only_those_near_the_best_sentence() -> None:
    passages = [
        passage("wehrli", "Anakinra for steroid-refractory ICANS after CAR-T in 14 patients at one centre."),
        passage("gazeau", "Anakinra was feasible and safe in 43 patients with refractory toxicity.", n=1),
        passage("chop", "No anakinra dose for refractory toxicity is established in this corpus.", n=2),
    ]
    question = "evidence for anakinra in steroid-refractory ICANS after CAR-T?"
    texts = evidence_texts(question, passages)
    assert any("43 patients" in text for text in texts)
    assert not any("in this corpus" in text for text in texts)  # a note on the corpus is no study's finding
    assert not any(
        "43 patients" in text for text in evidence_texts(question, passages, ComposerRules(evidence_every_study=False))
    )


def test_a_dosing_row_quoted_in_prose_is_one_short_sentence_keeping_its_conditions() -> None:
    cells = {
        "drug": "fluconazole",
        "dose": "400 mg",
        "route": "not stated",
        "frequency": "daily from day 0 until ANC >1,000",
        "maximum": "not stated",
        "population": "CAR-T recipients with grade ≥3 mucositis",
        "setting": "antifungal prophylaxis",
        "use": "institutional",
    }
    assert row_sentence(cells) == (
        "Fluconazole: 400 mg, daily from day 0 until ANC >1,000"
        " (CAR-T recipients with grade ≥3 mucositis; antifungal prophylaxis)."
    )
    doseless = {**cells, "drug": "emapalumab", "dose": "not stated", "frequency": "not stated (started day +11)"}
    assert row_sentence(doseless).startswith("Emapalumab: frequency not stated (started day +11) (")
    cut = {**cells, "drug": "methylprednisolone", "dose": "not captured (cut off)"}
    assert row_sentence(cut).startswith("Methylprednisolone: dose not captured (cut off), daily")  # never the dose


def test_a_toxicity_rate_question_quotes_no_response_rate() -> None:
    study = passage(
        "t",
        "In the trial of liso-cel, the overall response rate was 73%. "
        "In the trial of liso-cel, neurologic events occurred in 30% of patients.",
    )
    draft = compose("liso-cel neurologic events rate in the trial?", [study], Intent.PRODUCT)
    assert [s.text for s in draft.statements] == [
        "In the trial of liso-cel, neurologic events occurred in 30% of patients."
    ]


def test_an_evidence_answer_puts_what_studies_found_before_what_a_label_says() -> None:
    from assistant.answering.draft import Statement
    from assistant.answering.shapes.evidence import by_evidence_strength

    passages = [
        passage("label", "Neither label indication is IEC-HS after CAR-T.", "label"),
        passage("case", "In the case report, the patient recovered from IEC-HS after emapalumab.", "case-report", n=1),
    ]
    lines = by_evidence_strength([Statement(p.text, [i]) for i, p in enumerate(passages)], passages, ComposerRules())
    assert [line.text for line in lines] == [passages[1].text, passages[0].text]
    assert [line.label for line in lines] == ["Case report", "Drug label"]


def test_an_evidence_line_gives_its_studys_size_and_endpoint() -> None:
    passages = [
        passage("gazeau", "In the cohort, 40 patients received anakinra for ICANS despite steroids."),
        passage("gazeau", "The cohort included 43 patients treated after CAR-T.", n=1),
        passage("gazeau", "The cohort concluded that the drug was feasible and safe.", n=2),
        passage("wehrli", "Anakinra for steroid-refractory ICANS at one centre.", doc_type="case-series", n=3),
    ]
    question = "evidence for anakinra in ICANS despite steroids?"
    study = " ".join(p.text for p in passages[:3])  # one study's line: what matched, then its size and endpoint
    assert evidence_texts(question, passages) == [study, passages[3].text]
    assert evidence_texts(question, passages, ComposerRules(evidence_whole_studies=False)) == [
        passages[0].text,
        passages[3].text,
    ]


def test_a_studys_endpoint_takes_the_place_of_a_dosing_row_within_the_word_budget() -> None:
    passages = [
        passage("gazeau", "In the cohort, 40 patients received anakinra for ICANS despite steroids."),
        passage("gazeau", "The cohort concluded that anakinra was feasible and safe.", n=1),
        dosing_table("cnh", "anakinra | 2 mg/kg | IV | every 6 h | 100 mg | children | ICANS despite steroids | x"),
    ]
    question = "evidence for anakinra in ICANS despite steroids?"
    tight = ComposerRules(evidence_max_words=28)  # the row or the endpoint (9 words), not both
    assert evidence_texts(question, passages, tight) == [f"{passages[0].text} {passages[1].text}"]
    assert evidence_texts(question, passages, tight.model_copy(update={"evidence_whole_studies": False}))[0].startswith(
        "Anakinra: 2 mg/kg"
    )


def test_a_named_study_whose_results_are_not_captured_is_answered_first_by_saying_so() -> None:
    passages = [
        declaring(
            "strati-2023-anakinra",
            "The Strati trial bases prophylactic anakinra on IL-1 and ICANS. "
            "The results of the Strati trial of prophylactic anakinra were not captured for this corpus.",
            "results of the Strati trial of prophylactic anakinra",
            doc_type="trial",
        ),
    ]
    question = "what did the Strati prophylactic anakinra trial show? evidence?"
    texts = evidence_texts(question, passages)
    assert texts[0].startswith("The results of the Strati trial")
    assert texts[1:] == ["The Strati trial bases prophylactic anakinra on IL-1 and ICANS."]  # what the trial is
    assert not evidence_texts(question, passages, ComposerRules(evidence_unreported_results=False))[0].startswith(
        "The results"
    )


def test_a_products_cell_dose_is_not_answered_by_a_drugs_dose() -> None:
    passages = [
        passage("lichtenstein", "After CAR-T, anakinra was given at 2.5 mg/kg per dose for carHLH.", "cohort"),
        passage("label", "With Carvykti, grade 3 or higher CRS occurred in 5% of patients.", "label", n=1),
    ]
    question = "carvykti dose range, CAR+ cells/kg?"
    idf = knowing(question, *(p.text for p in passages)).idf
    draft = ExtractiveComposer(idf).run(question, passages, Intent.DOSING)
    assert (draft.abstained, draft.reason) == (True, "no passage gives a cell dose for cilta-cel")
    assert not ExtractiveComposer(idf, ComposerRules(cell_doses=False)).run(question, passages, Intent.DOSING).abstained


def test_a_products_dose_is_answered_by_the_cells_infused() -> None:
    trial = passage(
        "transform",
        "In TRANSFORM, liso-cel dose levels were compared with standard care in 184 adults. "
        "In TRANSFORM, adults were randomised to liso-cel (100 × 10⁶ CAR+ T cells) or standard care.",
        "trial",
    )
    question = "liso-cel dose in TRANSFORM?"
    cells = "In TRANSFORM, adults were randomised to liso-cel (100 × 10⁶ CAR+ T cells) or standard care."
    assert [s.text for s in compose(question, [trial], Intent.DOSING).statements] == [cells]
    off = ExtractiveComposer(knowing(trial.text).idf, ComposerRules(cell_doses=False))
    assert off.run(question, [trial], Intent.DOSING).statements[0].text != cells


def test_a_studys_endpoint_does_not_take_the_place_of_another_studys_rate_row() -> None:
    rates = Passage(
        "reg:0", "reg",
        "| Product | n | CRS grade ≥3 |\n|---|---|---|\n| anakinra cohort registry | 40 | 11% |",
        "Rates", "table", "reg", "cohort",
    )  # fmt: skip
    passages = [
        passage("gazeau", "In the cohort, 40 patients received anakinra for ICANS despite steroids.", n=1),
        passage("gazeau", "The cohort concluded that anakinra was feasible and safe.", n=2),
        rates,
    ]
    question = "evidence for anakinra in ICANS despite steroids, CRS grade ≥3 registry rates?"
    texts = evidence_texts(question, passages, ComposerRules(evidence_max_words=20))
    assert any("11%" in text for text in texts)  # a row of rates is a finding, never dropped for an endpoint


def test_a_question_naming_a_product_is_led_by_what_is_said_of_that_product() -> None:
    """The general rule for the other products, and a study naming none, come after the product's own sentence;
    a sentence that only names the product (its CRS rate) does not jump ahead."""
    passages = [
        passage("monitoring-study", "In the monitoring study, one case of ICANS began after 2 weeks of monitoring."),
        passage("rems", "The 2 week monitoring rule applies to the six earlier CAR-T products.", "regulatory", n=1),
        make_passage(
            "The June 2025 monitoring rule named six earlier products and not Aucatzyl (obe-cel); check its label.",
            "aucatzyl", n=2, section="REMS", title="Aucatzyl approval", doc_type="label",
        ),
        make_passage(
            "With Aucatzyl, grade 3 CRS occurred in 3% of patients.",
            "aucatzyl", n=3, section="Rates", title="Aucatzyl approval", doc_type="label",
        ),
    ]  # fmt: skip
    question = "obe-cel: does the 2 week monitoring rule apply?"
    idf = knowing(question, *(p.text for p in passages)).idf
    lead = ExtractiveComposer(idf).run(question, passages, Intent.MONITORING).statements[0].text
    assert lead.startswith("The June 2025 monitoring rule")
    off = ExtractiveComposer(idf, ComposerRules(named_product_first=False))
    assert not off.run(question, passages, Intent.MONITORING).statements[0].text.startswith("The June 2025")


def test_a_sentence_about_the_asked_product_on_nothing_asked_is_padding() -> None:
    passages = [
        make_passage(text, "aucatzyl", n=n, section="Label", title="Aucatzyl approval", doc_type="label")
        for n, text in enumerate(["Aucatzyl was approved without a REMS.", "With Aucatzyl, CRS occurred in 75%."])
    ]
    question = "aucatzyl — REMS needed?"
    idf = knowing(question, *(p.text for p in passages)).idf
    said = [s.text for s in ExtractiveComposer(idf).run(question, passages, Intent.GENERAL).statements]
    assert said == ["Aucatzyl was approved without a REMS."]
    off = ExtractiveComposer(idf, ComposerRules(named_product_first=False)).run(question, passages, Intent.GENERAL)
    assert len(off.statements) == 2


def test_a_named_study_told_its_outcomes_are_missing_keeps_what_it_is() -> None:
    passages = [
        declaring(
            "wehrli-2022-anakinra",
            "The Wehrli series describes 14 patients given anakinra for refractory ICANS. "
            "The anakinra dose and outcomes in the Wehrli series were not captured for this corpus.",
            "anakinra dose and outcomes in the Wehrli series",
            doc_type="case-series",
        ),
    ]
    draft = compose("Wehrli anakinra series outcomes?", passages, Intent.EVIDENCE)
    assert [(s.text[:28], s.label) for s in draft.statements] == [
        ("The anakinra dose and outcom", ""),
        ("The Wehrli series describes ", "Related"),
    ]


def test_a_missing_dose_does_not_lead_a_question_on_what_a_study_found() -> None:
    gazeau = [
        declaring(
            "gazeau-2023-anakinra",
            "The anakinra doses used in the Gazeau cohort were not captured for this corpus.",
            "anakinra doses used in the Gazeau cohort",
            doc_type="cohort",
        ),
        passage(
            "gazeau-2023-anakinra", "The Gazeau cohort found anakinra for refractory ICANS feasible and safe.", "cohort"
        ),
    ]
    for question in ("Gazeau anakinra cohort, how did pts do?", "Gazeau anakinra cohort?"):
        assert compose(question, gazeau, Intent.EVIDENCE).statements[0].text.startswith(gazeau[1].text)
    # A dose question is told the dose is missing.
    assert compose("Gazeau anakinra dose?", gazeau, Intent.DOSING).statements[0].text == gazeau[0].text


def test_a_count_asked_is_the_sentence_giving_the_studys_size_and_no_unrelated_gap_leads() -> None:
    gazeau = [
        passage("gazeau-2023", "In the Gazeau cohort, 3 patients received anakinra for refractory CRS.", "cohort"),
        passage("gazeau-2023", "The Gazeau cohort included 43 patients treated with anakinra.", "cohort", n=1),
        declaring(
            "gazeau-2023",
            "The CAR-T products used in the Gazeau cohort were not captured for this corpus.",
            "CAR-T products used in the Gazeau cohort",
            "cohort",
            n=2,
        ),
    ]
    for question in ("Gazeau cohort size?", "Gazeau cohort, n=?"):
        assert [s.text for s in compose(question, gazeau).statements] == [gazeau[1].text]


def test_a_missing_dose_of_a_case_report_does_not_fit_a_question_on_how_the_patient_did() -> None:
    """The document's title ("Case report: ...") names a study; the topic lacks a dose, not what the case found."""
    topic = Topic.read("Manghisi emapalumab dose and schedule", "Case report: emapalumab in adult IEC-HS")
    outcome = ParsedQuestion.read("Manghisi emapalumab case, how did the pts do?", Intent.EVIDENCE)
    assert not topic.fits(outcome)
    assert topic.fits(ParsedQuestion.read("Manghisi emapalumab dose?", Intent.DOSING))
    # A topic whose own words name what a study found fits such a question.
    wehrli = ParsedQuestion.read("Wehrli anakinra case series, how did the pts do?", Intent.EVIDENCE)
    assert Topic.read("anakinra dose and outcomes in the Wehrli case series").fits(wehrli)


def test_a_drug_named_by_its_class_or_in_many_words_is_held_by_each_of_its_names() -> None:
    """The ASH table lacks "the agent and dose of mold-active azole prophylaxis for CAR-T recipients on steroids": a
    question naming posaconazole (a mold-active azole) and dex (a steroid) asks for just that."""
    topic = Topic.read("agent and dose of mold-active azole prophylaxis for CAR-T recipients on steroids")
    question = ParsedQuestion.read("pt on dex >3 days post car-t, posaconazole ppx dose?")
    assert topic.covers("posaconazole", question) and topic.covers("dex", question)
    assert not topic.covers("fluconazole", question) and not topic.covers("tocilizumab", question)


def test_a_unit_reporting_only_other_outcomes_than_asked_counts_less() -> None:
    """ "and PFS?" carried "de Boer — how many had significant neutropenia?": the neutropenia rate shares more
    carried words, but the question's own outcome is progression-free survival."""

    neutropenia = make_passage("In de Boer, significant neutropenia occurred in 21% of patients.", "deboer")
    survival = make_passage("In de Boer, a high-risk score was linked to worse progression-free survival.", "deboer")
    carried = "de Boer — how many had significant neutropenia?"
    asked = Asked.read(f"and PFS? ({carried})", Intent.GENERAL, carried)
    assert asked.outcomes == {"progression-free survival"}
    scores = {}
    for rules in (ComposerRules(), ComposerRules.ablated("other_outcome_factor")):
        scorer = Scorer({}, rules)
        scores[rules.other_outcome_factor] = [
            scorer.score(Unit(p.text, 0), p, asked, 0) for p in (neutropenia, survival)
        ]
    assert scores[0.4][0] < scores[0.4][1] and scores[1.0][0] > scores[1.0][1]


def test_a_document_whose_title_names_the_named_study_is_named_too() -> None:
    """ "JULIET infections?" names juliet-2019-…; the primary paper, filed under its first author, says JULIET in
    its title and holds the infection rate."""
    paper = make_passage(
        "grade 3 or 4 infections in 20%", "schuster-2019-juliet-paper", title="Tisa-cel in DLBCL (JULIET)"
    )
    summary = make_passage("CRS in 58%", "juliet-2019-tisa-cel", title="JULIET: tisa-cel")
    other = make_passage("CRS in 37%", "locke-2019-zuma-1", title="ZUMA-1 long-term")
    named = named_documents("JULIET infections?", {p.doc_id for p in (paper, summary, other)})
    assert named == {"juliet-2019-tisa-cel"}
    assert same_study(named, [paper, summary, other]) == {"juliet-2019-tisa-cel", "schuster-2019-juliet-paper"}


def test_a_sentence_saying_all_another_source_says_is_one_statement_citing_both() -> None:
    """eviQ's two JULIET sentences (21%; grade 3-4 in 12%) say nothing the primary paper's one sentence does not: the
    answer is that sentence, citing both documents, whichever came first. A sentence holding a question word the
    other lacks ("infections") is another fact, and so are two sentences of one document ("without CRS", "with CRS")."""
    any_grade = Unit("In JULIET, neurologic events occurred in 21% of patients, as cited by eviQ.", 0)
    severe = Unit("In JULIET, grade 3-4 neurologic events occurred in 12% of patients, as cited by eviQ.", 0)
    paper = Unit("In JULIET, neurologic events occurred in 21% within 8 weeks, and grade 3 or 4 in 12%.", 1)
    infections = Unit("In JULIET, grade 3 or 4 infections occurred in 12% of patients.", 1)
    asked, documents = frozenset({"juliet", "neurologic", "infections"}), ["eviq", "paper"]
    for order in ([any_grade, severe, paper], [paper, any_grade, severe]):
        chosen = select([(1.0, u) for u in order], ComposerRules(), asked, documents)
        assert [(s.text, sorted(s.sources)) for s in chosen] == [(paper.text, [0, 1])]
    assert len(select([(1.0, u) for u in (paper, infections)], ComposerRules(), asked, documents)) == 2
    assert len(select([(1.0, u) for u in (any_grade, severe, paper)], ComposerRules(), asked, ["one", "one"])) == 3
    ablated = ComposerRules.ablated("subsumed_sentences")
    assert len(select([(1.0, u) for u in (any_grade, severe, paper)], ablated, asked, documents)) == 3


def test_a_gap_of_a_study_that_is_no_finding_does_not_answer_what_the_study_showed() -> None:
    """ "what did it show?" asks for findings: the products a cohort did not capture are no answer, and a topic's
    "trial" says whose gap it is, not that a finding is missing; a study's missing results still are one."""
    showed = ParsedQuestion.read("de Boer hematotox validation — what did it show?")
    assert not Topic.read("CAR-T products used in the de Boer 2025 cohort").fits(showed)
    park = ParsedQuestion.read("what did the Park prophylactic anakinra trial show?", Intent.EVIDENCE)
    assert not Topic.read("anakinra dose in the Park 2023 trial").fits(park)
    strati = ParsedQuestion.read("Strati phase 1 — results?")
    assert Topic.read("results of the Strati 2023 phase 1 prophylactic anakinra trial").fits(strati)


def test_what_a_title_says_its_document_is_not_about_is_no_subject_of_its_lacking_topics() -> None:
    """UpToDate's secondary-HLH table lacks the ruxolitinib label limit; its title's "(not specific to CAR-T IEC-HS)"
    does not make that topic answer "ruxo for IEC-HS?"."""
    title = "UpToDate: dosing table for secondary HLH (not specific to CAR-T IEC-HS)"
    topic = Topic.read("ruxolitinib label limit", title)
    assert "iec-hs" not in topic.words and "hlh" in topic.words


def test_a_missing_frequency_of_an_event_answers_a_question_asking_how_common_it_is() -> None:
    """ "frequency of" an event is a rate, read alike in a topic and a question: the missing frequency of cranial
    nerve palsy answers "how common?"; a dose's frequency stays a treatment detail, and an interval."""
    palsy = Topic.read("frequency of cranial nerve palsy after cilta-cel")
    assert palsy.kinds == {"rate"}
    assert palsy.fits(ParsedQuestion.read("cranial nerve palsy w/ carvykti, how common?"))
    assert Topic.read("acyclovir dose and frequency").kinds == {"treatment", "interval"}


def test_a_studys_missing_results_lead_the_answer_to_what_it_found_though_the_question_names_more() -> None:
    """ "strati anakinra ppx phase 1 LBCL results?" asks for results: the sentence declaring them missing leads,
    though the topic does not hold every other word of the question ('lbcl')."""
    strati = [
        passage("strati-2023", "The Strati phase 1 trial gave prophylactic anakinra in LBCL.", "trial"),
        declaring(
            "strati-2023",
            "The results of the Strati phase 1 anakinra trial were not captured for this corpus.",
            "results of the Strati phase 1 anakinra trial",
            "trial",
            n=1,
        ),
    ]
    draft = compose("strati anakinra phase 1 LBCL results?", strati)
    assert draft.statements[0].text == strati[1].text


def test_the_words_asking_what_a_study_found_score_no_sentence() -> None:
    """ "ELIANA findings?" is about ELIANA, not about a sentence that says "findings"."""
    asked = Asked.read("ELIANA findings?", Intent.GENERAL)
    assert "eliana" in asked.core and "findings" not in asked.core
    assert "data" in Asked.read("any data on anakinra?", Intent.EVIDENCE).core  # evidence words name the subject


def test_a_next_step_asked_on_no_step_taken_is_answered_with_what_to_do_at_that_grade() -> None:
    passages = [
        passage("asco", "Grade 4 CRS is treated with methylprednisolone 500 mg IV every 12 h.", "guideline"),
        passage(
            "asco",
            "Next, grade 4 CRS refractory to this methylprednisolone regimen gets 1,000 mg.",
            "guideline",
            1,
        ),
    ]
    composer = knowing(*(p.text for p in passages))
    # "next?" with no step given, named or failed: what to do at grade 4, not what follows a step.
    lead = composer.run("CRS grade 4 — next?", passages, Intent.GENERAL).statements[0].text
    assert lead == passages[0].text
    # After the first step, the next one is the refractory step.
    given = [passages[0].text]
    after = composer.run("CRS grade 4 — next?", passages, Intent.GENERAL, given=given)
    assert after.statements[0].text == passages[1].text


def test_how_to_treat_a_toxicity_is_led_by_what_to_do_not_by_how_it_is_graded() -> None:
    graded = passage("eha", "In the consensus, ICAHT is graded by the depth and duration of neutropenia.", "consensus")
    step = passage("eha", "The ICAHT table gives G-CSF 5 µg/kg daily when the ANC stays below 500.", "guideline", 1)
    passages = [graded, step]
    question = "how do we treat ICAHT?"
    lead = knowing(graded.text, step.text).run(question, passages, Intent.MANAGEMENT).statements[0].text
    assert lead == step.text
    # The overview of how a toxicity is managed passes over what it is too: off here, to see this rule alone.
    rules = ComposerRules.ablated("acting_lead").model_copy(update={"management_overview": False})
    ablated = ExtractiveComposer(knowing(graded.text, step.text).idf, rules)
    assert ablated.run(question, passages, Intent.MANAGEMENT).statements[0].text == graded.text
    # Saying what the toxicity is, with its name as the subject of "is", is no step either.
    late = passage(
        "eha", "In the consensus, late ICAHT is hematotoxicity after day 30 of the CAR-T course.", "consensus"
    )
    passages = [late, step]
    lead = knowing(late.text, step.text).run(question, passages, Intent.MANAGEMENT).statements[0].text
    assert lead == step.text


@pytest.mark.parametrize(
    ("rule", "padding", "question"),
    [
        # The grade is given, not asked: its criterion is no step.
        (
            "management_without_criteria",
            passage(
                "astct", "A patient with fever and hypotension needing one vasopressor has grade 3 CRS.", "consensus"
            ),
            "grade 3 CRS on one vasopressor with fever and hypotension, what do we do?",
        ),
        # Who published a page on managing CRS is no step either.
        (
            "management_without_provenance",
            make_passage(
                "FICM publishes pages, including how grade 3 CRS is managed.", "ficm", section="Source of FICM"
            ),
            "How is grade 3 CRS managed?",
        ),
        # ... nor how a consensus was developed, however its section is titled.
        (
            "management_without_provenance",
            make_passage(
                "The grade 3 CRS consensus was developed by 36 experts.",
                "cons",
                section="How the grade 3 CRS consensus was developed",
            ),
            "How is grade 3 CRS managed?",
        ),
        # Nor a line saying only where a source's content is.
        (
            "management_without_provenance",
            passage("ufhealth", "The UF Health guide has a management row for grade 3 CRS.", "guideline"),
            "what do we give for grade 3 CRS",
        ),
    ],
)
def test_a_management_answer_quotes_no_criterion_of_a_grade_given_nor_a_sources_provenance(
    rule: str, padding: Passage, question: str
) -> None:
    step = passage("asco", "Grade 3 CRS is treated with dexamethasone 10 mg IV every 6 h.", "guideline", 1)
    passages = [padding, step]
    composer = knowing(*(p.text for p in passages))
    assert [s.text for s in composer.run(question, passages, Intent.MANAGEMENT).statements] == [step.text]
    # A provenance line after the lead is also kept out by ``provenance_after_lead``: both are turned off.
    also = ("provenance_after_lead",) if rule == "management_without_provenance" else ()
    ablated = ExtractiveComposer(composer.idf, ComposerRules.ablated(rule, *also))
    assert padding.text in [s.text for s in ablated.run(question, passages, Intent.MANAGEMENT).statements]


def test_an_evidence_answer_quotes_no_sources_statement_that_it_gives_no_doses() -> None:
    passages = [
        passage("asco", "The ASCO footnotes give no doses for anakinra in steroid-refractory ICANS.", "guideline"),
        passage("gazeau", "Anakinra for steroid-refractory ICANS was feasible and safe in 43 patients.", n=1),
    ]
    question = "evidence for anakinra in steroid-refractory ICANS?"
    texts = evidence_texts(question, passages)
    assert any("43 patients" in text for text in texts)
    assert not any("give no doses" in text for text in texts)
    assert any(
        "give no doses" in text
        for text in evidence_texts(question, passages, ComposerRules.ablated("evidence_findings_only"))
    )


def test_whether_to_give_a_drug_at_one_grade_is_answered_by_each_sources_line_on_it_at_that_grade() -> None:
    passages = [
        passage("label", "For CRS, the tocilizumab label dose is 8 mg/kg for patients of 30 kg or more.", "label"),
        passage("uf", "Tocilizumab should be avoided in grade 1 CRS if ICANS is present.", "guideline", 1),
        passage("uf", "Tocilizumab may be considered for grade 1 CRS when fever lasts more than 48 h.", "guideline", 1),
        passage("cartox", "Grade 1 CRS with persistent fever may be treated with tocilizumab.", "guideline", 2),
        passage("asco", "Grade 2 CRS is treated with tocilizumab 8 mg/kg IV.", "guideline", 3),
    ]
    question = "should we give toci for grade 1 CRS?"
    composer = knowing(*(p.text for p in passages))
    texts = [s.text for s in composer.run(question, passages, Intent.GENERAL).statements]
    # each source's grade 1 line, the best of each first: no label dose naming no grade, no grade 2 step
    assert texts == [passages[1].text, passages[3].text, passages[2].text]
    ablated = ExtractiveComposer(composer.idf, ComposerRules.ablated("whether_at_grade"))
    assert passages[0].text in [s.text for s in ablated.run(question, passages, Intent.GENERAL).statements]


def test_asked_how_long_a_drug_is_infused_the_row_giving_it_leads_the_dosing_answer() -> None:
    table = dosing_table(
        "label",
        "tocilizumab | 8 mg/kg | IV infusion | not stated | 800 mg | patients ≥30 kg | CRS | label",
        "tocilizumab | 8 mg/kg over 1 h | IV | every 8 h | 800 mg | patients ≥30 kg | CRS | label",
    )
    question = "toci infusion time for CRS?"
    composer = knowing(table.text)
    lead = composer.run(question, [table], Intent.DOSING).statements[0].text
    assert "over 1 h" in lead
    ablated = ExtractiveComposer(composer.idf, ComposerRules.ablated("one_fact"))
    assert "over 1 h" not in ablated.run(question, [table], Intent.DOSING).statements[0].text


def test_a_cutoff_is_given_by_a_number_not_by_a_year() -> None:
    passages = [
        passage("lee", "The Lee 2025 review of carHLH gives no ferritin thresholds.", "review"),
        passage("cartox", "CarHLH is defined by a peak ferritin above 10,000 ng/mL during CRS.", "guideline", 1),
    ]
    texts = [s.text for s in compose("carHLH ferritin cutoff?", passages).statements]
    assert texts == [passages[1].text]


def test_asked_what_an_abbreviation_is_the_sentence_spelling_it_out_answers() -> None:
    passages = [
        passage("rejeski", "ICAHT grades 1 to 4 are set by ICAHT ANC thresholds and ICAHT durations.", "guideline"),
        passage("eha", "Immune effector cell-associated hematotoxicity (ICAHT) follows CAR-T.", "guideline", 1),
    ]
    composer = knowing(*(p.text for p in passages))
    texts = [s.text for s in composer.run("what is ICAHT?", passages, Intent.DEFINITION).statements]
    assert texts == [passages[1].text]
    ablated = ExtractiveComposer(composer.idf, ComposerRules.ablated("spelled_out_definitions"))
    assert ablated.run("what is ICAHT?", passages, Intent.DEFINITION).statements[0].text == passages[0].text


def test_asked_what_a_product_is_the_line_naming_it_by_most_of_its_names_answers() -> None:
    passages = [
        passage("label", "Aucatzyl carried a boxed warning for CRS and ICANS at its approval.", "label"),
        passage(
            "fda", "The FDA approved Aucatzyl (obecabtagene autoleucel, obe-cel) for adults with B-ALL.", "label", 1
        ),
        passage("felix", "In FELIX (obe-cel), CRS occurred in 75% of patients.", "trial", 2),
    ]
    composer = knowing(*(p.text for p in passages))
    for question in ("what's obe-cel?", "obe-cel brand name?", "Aucatzyl = which CAR-T?"):
        assert composer.run(question, passages, Intent.DEFINITION).statements[0].text == passages[1].text, question
    # "X — what is it?" names a product, no findings: no syndrome the boxed warning names answers it.
    assert composer.run("aucatzyl — what is it?", passages, Intent.GENERAL).statements[0].text == passages[1].text
    # A question on something else about the product is no request for its names.
    rate = composer.run("what's the CRS rate with obe-cel?", passages, Intent.PRODUCT)
    assert rate.statements[0].text == passages[2].text
    ablated = ExtractiveComposer(composer.idf, ComposerRules.ablated("spelled_out_definitions"))
    assert [s.text for s in ablated.run("obe-cel brand name?", passages, Intent.DEFINITION).statements][:1] != [
        passages[1].text
    ]


def test_findings_and_what_is_it_are_answered_by_the_syndrome_they_describe() -> None:
    passages = [
        passage("zuma-3", "In ZUMA-3, 96% of CRS events resolved and ferritin fell.", "trial"),
        passage("hines", "IEC-HS features include a rapidly rising ferritin and new cytopenias.", "consensus", 1),
        passage("lee", "The Lee review gives no thresholds for ferritin in IEC-HS.", "review", 2),
    ]
    composer = knowing(*(p.text for p in passages))
    question = "ferritin rising after CRS resolved — what is it?"
    assert [s.text for s in composer.run(question, passages, Intent.GENERAL).statements] == [passages[1].text]
    ablated = ExtractiveComposer(composer.idf, ComposerRules.ablated("syndrome_from_findings"))
    assert ablated.run(question, passages, Intent.GENERAL).statements[0].text == passages[0].text


def test_a_one_fact_answer_starts_with_the_unit_its_lead_checks_passed_not_one_contradicting_the_question() -> None:
    passages = [
        passage("label", "ICANS onset median and ICANS onset range are given in the ICANS label.", "label"),
        passage("trial", "In CRS with ICANS, ICANS onset median was 4 days.", "trial", 1),  # about CRS first
        passage("trial", "Median ICANS onset was 6 days, after CRS onset.", "trial", 2),
    ]
    texts = [s.text for s in compose("ICANS onset median?", passages).statements]
    assert texts[0] == passages[2].text


def test_how_a_toxicity_is_managed_with_no_grade_is_one_sources_line_on_it_then_its_steps_by_grade() -> None:
    """ "how is CRS treated?": the guideline's line on CRS as a whole, then its steps from grade 1 up, not what one
    cohort's patients were given, which shares more of the question's words."""
    cohort = passage("zhang", "In the cohort, children with CRS were treated with emapalumab after CRS was treated.")
    whole = passage("asco", "Severe CRS is treated with tocilizumab, with or without a corticosteroid.", "guideline", 1)
    grade_3 = passage("asco", "Grade 3 CRS is treated with dexamethasone 10 mg every 6 h.", "guideline", 2)
    grade_1 = passage("asco", "Grade 1 CRS is managed with supportive care.", "guideline", 3)
    passages = [cohort, whole, grade_3, grade_1]
    question = "how is CRS treated?"
    texts = [p.text for p in passages]
    draft = knowing(*texts).run(question, passages, Intent.MANAGEMENT)
    assert [s.text for s in draft.statements[:3]] == [whole.text, grade_1.text, grade_3.text]
    ablated = ExtractiveComposer(knowing(*texts).idf, ComposerRules.ablated("management_overview"))
    assert ablated.run(question, passages, Intent.MANAGEMENT).statements[0].text == cohort.text
    # A grade asked is answered at that grade: no ladder.
    graded = knowing(*texts).run("how is grade 3 CRS treated?", passages, Intent.MANAGEMENT)
    assert graded.statements[0].text == grade_3.text


@pytest.mark.parametrize(
    ("question", "ladder"),
    [
        ("how is CRS treated after CAR-T?", True),
        ("approach to cytokine release syndrome?", True),
        ("CRS management in general?", True),  # "general": everyday filler
        ("how is grade 3 CRS treated?", False),  # a grade asked: that grade's steps
        ("how is CRS treated with tocilizumab?", False),  # a drug asked
        ("ICANS workup?", False),  # tests, not treatments
        ("ICANS management per ASCO: MRI, EEG?", False),  # words the lexicon or no everyday English knows
        ("how do we manage CRS and ICANS?", False),  # two toxicities: no one ladder
        ("CRS rate in general?", False),  # how common it is, not how it is managed
    ],
)
def test_only_a_bare_question_on_managing_one_toxicity_gets_the_ladder(question: str, ladder: bool) -> None:
    parsed = ParsedQuestion.read(question)
    core = Asked.read(question, parsed.intent, "").core
    assert asks_overview(question, parsed, core, frozenset({"general"})) is ladder


def test_what_one_product_lacks_answers_only_a_question_naming_a_product() -> None:
    """ "typical time to CRS onset?" is not answered by Aucatzyl's onset times, which were not captured."""
    aucatzyl = declaring(
        "aucatzyl-approval",
        "The median onset times for CRS with Aucatzyl were not captured in our sources.",
        "median onset times for CRS with Aucatzyl",
        "label",
    )
    declared = declarations(units_of([aucatzyl]), [aucatzyl])
    weights = {"median": 1.0, "onset": 1.0, "crs": 1.0}

    def absence(question: str, rules: ComposerRules) -> Absence | None:
        return declared_absence(ParsedQuestion.read(question), weights, frozenset(), declared, [aucatzyl], rules)

    assert absence("median CRS onset?", ComposerRules()) is None
    assert absence("aucatzyl median CRS onset?", ComposerRules()) is not None
    assert absence("median CRS onset?", ComposerRules.ablated("product_gaps_named_only")) is not None


def test_a_one_fact_asked_with_no_product_gets_each_products_line() -> None:
    """ "typical time to CRS onset?": the sources give it product by product; one product's figure is not the answer."""
    passages = [
        passage("yescarta", "In ZUMA-1 (axi-cel), the median time to CRS onset was 2 days.", "label"),
        passage("kymriah", "In the Kymriah label, the median time to CRS onset after tisa-cel was 3 days.", "label", 1),
        passage("breyanzi", "With liso-cel, the median time to CRS onset was 4 days; ICANS followed.", "trial", 2),
    ]
    question = "typical time to CRS onset?"
    texts = [s.text for s in compose(question, passages).statements]
    assert texts == [passages[0].text, passages[1].text]  # a line naming another toxicity (ICANS) is not added
    off = ExtractiveComposer(knowing(*(p.text for p in passages)).idf, ComposerRules.ablated("one_fact_by_product"))
    assert len(off.run(question, passages, Intent.GENERAL).statements) == 1
    # A product named is answered for that product alone.
    assert [s.text for s in compose("kymriah CRS onset?", passages).statements] == [passages[1].text]


def test_a_figure_the_corpus_marks_as_unchecked_does_not_lead_a_checked_one() -> None:
    recalled = passage(
        "abecma", "A median CRS onset of 1 day after ide-cel is reported only from recall; verify before quoting it."
    )
    checked = passage("yescarta", "In ZUMA-1 (axi-cel), the median time to CRS onset was 2 days.", "label", n=1)
    assert compose("median CRS onset?", [recalled, checked]).statements[0].text == checked.text


def test_how_common_a_toxicity_is_asked_with_no_product_is_led_by_each_products_rate() -> None:
    """ "what % of pts get CRS after CAR-T?": the labels' and trials' rates, one per product, before a cohort's
    survival figure that shares "after CAR-T" and "CRS"; a line saying its figure is no rate is none."""
    cohort = passage("zhang", "In the cohort of children with CRS after CAR-T, survival was 77%.", "cohort")
    timing = passage("kymriah", "With tisa-cel, 88% of CRS was within 8 weeks, not the incidence.", "label", 1)
    axicel = passage("yescarta", "In ZUMA-1 (axi-cel), CRS occurred in 94% of patients.", "label", 2)
    lisocel = passage("transcend", "With liso-cel, CRS occurred in 42% of patients.", "trial", 3)
    passages = [cohort, timing, axicel, lisocel]
    question = "what % of patients get CRS after CAR-T?"
    idf, everyday = knowing(*(p.text for p in passages)).idf, frozenset({"get"})
    lead = ExtractiveComposer(idf, ComposerRules(), everyday).run(question, passages, Intent.GENERAL).statements[:3]
    assert sorted(s.text for s in lead[:2]) == sorted([axicel.text, lisocel.text]) and timing.text not in {
        s.text for s in lead
    }
    off = ExtractiveComposer(idf, ComposerRules.ablated("rates_by_product"), everyday)
    assert off.run(question, passages, Intent.GENERAL).statements[0].text == cohort.text
    # A rate of something more particular ("after week 2") is not the products' overall rate.
    late = ExtractiveComposer(idf, ComposerRules(), everyday).run("CRS after week 2, what %?", passages, Intent.GENERAL)
    assert late.statements[0].text not in {axicel.text, lisocel.text}


def test_an_onset_given_against_another_event_answers_when_it_starts() -> None:
    """ "IEC-HS onset — with the CRS or after it?" is answered in words ("delayed, as CRS is resolving"), not by a
    trial row that gives a figure for another toxicity's onset."""
    words = passage("hines", "IEC-HS onset is often delayed, as CRS is resolving.", "consensus")
    row = passage(
        "transcend", "In TRANSCEND (liso-cel), median CRS onset was 4 days and IEC-HS occurred in 3%.", "trial", 1
    )
    assert compose("IEC-HS onset — with the CRS or after it?", [words, row]).statements[0].text == words.text


def test_the_digits_of_an_address_are_no_figure_asked() -> None:
    """ "platelet thresholds for T-ICAHT grading?" asks a figure: where the table lives online gives none."""
    from assistant.answering.question import ParsedQuestion
    from assistant.answering.shapes.one_fact import carries

    asked = ParsedQuestion.read("platelet thresholds for T-ICAHT grading?")
    assert asked.one_fact == "number"
    assert not carries("The T-ICAHT proposal comes from an ASH table at ash-sap.org (view-large/12809257).", asked)
    assert carries("T-ICAHT grade 2: platelets <50×10⁹/L for ≥7 days.", asked)


def test_a_cutoff_is_given_by_the_line_holding_the_measure_asked() -> None:
    """ "ferritin cutoff for carHLH?": the definition giving the ferritin leads, though it names CRS as its phase; the
    line on how often carHLH occurs, which names no other toxicity, gives no ferritin."""
    definition = passage("cartox", "carHLH is defined by a peak ferritin >10,000 ng/mL in the CRS phase.", "guideline")
    rate = passage("cartox", "carHLH occurs in about 1% of CAR T-cell-treated patients.", "guideline", 1)
    draft = compose("ferritin cutoff for carHLH?", [definition, rate])
    assert [s.text for s in draft.statements] == [definition.text]  # one fact, in a line


def test_a_declared_gap_not_asked_never_leads() -> None:
    """ "what's in the UF pathway for CRS?" is not led by the guide's missing grade 4 regimen, a narrower topic; a gap
    the question asks for still leads."""
    gap = declaring("uf", "The UF pathway grade 4 CRS regimen is not captured.", "UF pathway grade 4 CRS regimen")
    line = declaring("uf", "In the UF guide, tocilizumab is avoided in grade 1 CRS with ICANS.", "x", n=1)
    composer = knowing(gap.text, line.text)
    question = "what's in the UF pathway for CRS?"
    assert composer.run(question, [gap, line], Intent.GENERAL).statements[0].text == line.text
    ablated = ExtractiveComposer(composer.idf, ComposerRules.ablated("narrower_absence_last"))  # `carta eval --ablate`
    assert ablated.run(question, [gap, line], Intent.GENERAL).statements[0].text == gap.text
    asked = composer.run("UF pathway grade 4 CRS regimen?", [gap, line], Intent.GENERAL)
    assert asked.statements[0].text == gap.text


def test_a_question_on_what_makes_one_grade_is_led_by_that_grades_row_not_its_steps() -> None:
    """ "when does CRS count as grade 4?": ASCO's grade 4 step shares as many words as the ASTCT row for grade 4."""
    step = passage("asco", "Grade 4 CRS is treated with tocilizumab as for grade 2 CRS.", "guideline", 1)
    grading = Passage(
        "astct:0", "astct",
        "| CRS grade | Hypotension |\n|---|---|\n| 3 | one vasopressor |\n| 4 | multiple vasopressors |",
        "CRS grading table", "table", "ASTCT", "consensus",
    )  # fmt: skip
    passages = [step, grading]
    composer = knowing(step.text, grading.text)
    for question in ["when does CRS count as grade 4?", "what makes CRS grade 4?"]:
        lead = composer.run(question, passages, Intent.GRADING).statements[0].text
        assert lead == "CRS grade: 4; Hypotension: multiple vasopressors", question
    ablated = ExtractiveComposer(composer.scorer.idf, ComposerRules.ablated("criterion_lead"))
    assert ablated.run("when does CRS count as grade 4?", passages, Intent.GRADING).statements[0].text == step.text
    # A guideline body named grades by its own words, not by the ASTCT row.
    sitc = make_passage("Under SITC, hypotension without vasopressors is grade 2 CRS.", "sitc", title="SITC 2020")
    row = "CRS grade: 2; Hypotension: not requiring vasopressors"
    table = grading.text.replace("| 3 | one vasopressor |", "| 2 | not requiring vasopressors |")
    grading2 = Passage("astct:0", "astct", table, "CRS grading table", "table", "ASTCT", "consensus")
    both = [grading2, sitc]
    lines = [
        st.text
        for st in knowing(grading2.text, sitc.text).run("SITC grade 2 CRS criteria?", both, Intent.GRADING).statements
    ]
    assert lines[0] == sitc.text
    lines = [
        st.text
        for st in knowing(grading2.text, sitc.text).run("grade 2 CRS criteria?", both, Intent.GRADING).statements
    ]
    assert lines[0] == row


def test_the_word_asking_for_a_definition_names_no_table_to_answer_whole() -> None:
    """ "CRS definition?" is about CRS: a table headed by another syndrome's "definition" is not its answer."""
    other = Passage(
        "cartox:0", "cartox", "| Criterion | Finding |\n|---|---|\n| Liver | grade 3 |\n| Kidney | grade 3 |",
        "Definition of carHLH", "table", "CARTOX", "guideline",
    )  # fmt: skip
    crs = passage("astct", "The ASTCT definition of CRS is a supraphysiologic response to therapy.", "consensus", 1)
    passages = [other, crs]
    idf = dict.fromkeys(tokenize(f"{other.text} {crs.text}", parts=False), 1.0) | {"definition": 5.0}  # the rarer
    lines = [s.text for s in ExtractiveComposer(idf).run("CRS definition?", passages, Intent.GRADING).statements]
    assert lines and not any(line.startswith("Criterion:") for line in lines)
