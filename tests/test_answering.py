"""The answer chain on the real corpus: cited, grounded answers; abstention; the JSON schema."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pytest
from helpers import quoted

from assistant.answer import Answer
from assistant.answering.chain import AnswerChain, asked_intent, clean_question
from assistant.answering.draft import Draft, Statement, joined
from assistant.answering.prompts import ABSTAIN_MESSAGE, CASE_REPORTS_NOTICE, NOTHING_MORE_MESSAGE
from assistant.answering.question import Ask, Intent, classify
from assistant.answering.rules import ComposerRules
from assistant.answering.verify import Claim, check
from assistant.errors import UsageError
from assistant.passage import Passage
from assistant.retrieval.synonyms import spell_out
from assistant.settings import Settings
from assistant.text import citation_numbers, numbers_in

CITATION_KEYS = {
    "n", "doc_id", "chunk_id", "title", "authors", "source", "year", "doc_type", "doi", "pmid", "url", "section",
    "page", "text", "effective", "superseded",
}  # fmt: skip


def test_seed_question_cites_the_case_report_with_day_and_outcome(chain: AnswerChain) -> None:
    answer = chain.invoke("Is there evidence for emapalumab in adult IEC-HS after CAR-T?")
    assert not answer.abstained
    cited = {c.doc_id: c for c in answer.citations}
    assert cited["manghisi-2025-emapalumab-case"].doi == "10.3389/fimmu.2025.1563736"
    assert "day +11" in answer.answer
    assert re.search(r"recover", answer.answer)
    assert CASE_REPORTS_NOTICE in answer.notices


def test_json_schema(chain: AnswerChain) -> None:
    data = chain.invoke("What is the ICE score?").to_json_dict()
    assert {"question", "answer", "abstained", "citations", "timings_ms", "query", "verification"} <= set(data)
    assert {"retrieve", "compose", "total"} <= set(data["timings_ms"])
    assert data["citations"] and all(set(c) == CITATION_KEYS for c in data["citations"])
    assert sorted(c["n"] for c in data["citations"]) == list(range(1, len(data["citations"]) + 1))


def test_every_marker_resolves_and_every_citation_is_used(chain: AnswerChain) -> None:
    answer = chain.invoke("How is grade 2 CRS defined?")
    markers = set(citation_numbers(answer.answer))
    assert markers == {c.n for c in answer.citations}


@pytest.mark.parametrize(
    "question",
    [
        "What is the capital of Australia?",
        "How do I manage diabetic ketoacidosis?",
        "Write me a poem about the sea.",
    ],
)
def test_out_of_scope_questions_abstain_and_cite_nothing(chain: AnswerChain, question: str) -> None:
    answer = chain.invoke(question)
    assert answer.abstained
    assert answer.citations == []
    assert answer.answer == ABSTAIN_MESSAGE


@pytest.mark.parametrize(
    ("question", "answered"),
    [
        pytest.param("breyanzi — when can they drive again?", "2 weeks", id="product"),
        pytest.param("gr 3 CRS on one pressor, what do we do?", "dexamethasone 10 mg", id="emergency-by-toxicity"),
        pytest.param("toci redose?", "8 h", id="drug"),
    ],
)
def test_a_terse_question_naming_a_product_toxicity_or_drug_is_in_scope_though_the_model_reads_it_poorly(
    chain: AnswerChain, question: str, answered: str
) -> None:
    """Its nearest passage is below the out-of-scope similarity (the embedding reads bedside words poorly), but the
    product, toxicity or drug the lexicon reads puts the question in scope."""
    assert chain.retriever.search(spell_out(question)).best_similarity < chain.settings.abstain_threshold
    answer = chain.invoke(question)
    assert not answer.abstained and answered in answer.answer


@pytest.mark.parametrize(
    ("question", "disease"),
    [
        ("grade 3 myocarditis from checkpoint inhibitors — IV methylpred how much?", "myocarditis"),
        ("methylpred pulse for lupus nephritis?", "nephritis"),
        ("solumedrol dose for a sarcoid flare?", "sarcoid"),  # an unknown word before "flare" names a disease
        ("actemra for RA flare — dosing?", "ra"),
    ],
)
def test_a_known_drug_asked_for_a_disease_the_corpus_never_names_abstains(
    chain: AnswerChain, question: str, disease: str
) -> None:
    """The drug alone does not place the question in the field: no CAR-T steroid dose stands in for the disease."""
    answer = chain.invoke(question)
    assert answer.abstained and answer.citations == []
    assert disease in (answer.abstain_reason or "")
    assert not chain.with_rules(ComposerRules.ablated("foreign_condition")).invoke(question).abstained


def test_a_disease_the_patient_also_has_keeps_a_car_t_toxicity_question_in_scope(chain: AnswerChain) -> None:
    question = "gr 3 CRS in a pt with cardiomyopathy — toci dose?"
    answer = chain.invoke(question)
    assert not answer.abstained and "8 mg/kg" in answer.answer
    assert chain.with_rules(ComposerRules.ablated("patient_context")).invoke(question).abstained


def test_the_bedside_names_of_a_virus_and_its_test_find_the_documents_spelled_out_names(chain: AnswerChain) -> None:
    """ "CMV PCR": the Stanford protocol writes "cytomegalovirus (CMV) by weekly qPCR"."""
    answer = chain.invoke("how often do they test CMV PCR?")
    assert not answer.abstained and "weekly qPCR" in answer.answer.splitlines()[0]


def test_every_number_in_an_answer_is_in_a_passage_it_cites(chain: AnswerChain) -> None:
    for question in ["What dose of tocilizumab for grade 2 CRS?", "Methylprednisolone for grade 4 CRS?"]:
        answer = chain.invoke(question)
        texts = " ".join(c.text for c in answer.citations).replace(",", "")
        for number in numbers_in(answer.answer.split("| Source |")[0]):
            digits = re.sub(r"[^\d.]", "", number)
            assert digits in texts, (question, number)


def test_dosing_question_gets_a_table_of_source_rows(chain: AnswerChain) -> None:
    answer = chain.invoke("What dose of tocilizumab for grade 2 CRS?")
    assert answer.intent == "dosing"
    assert "| Drug | Dose | Route | Frequency | Maximum |" in answer.answer
    assert "8 mg/kg" in answer.answer


def test_each_sentence_of_a_studys_line_carries_its_own_citation(chain: AnswerChain) -> None:
    answer = chain.invoke("Is there evidence for emapalumab in adult IEC-HS after CAR-T?")
    line = answer.answer.splitlines()[0]
    sentences = re.split(r"(?<=\])\s+(?=[A-Z])", line)
    assert len(sentences) > 1
    assert all(re.search(r"\[\d+\]$", sentence) for sentence in sentences)


class OneLineOfTwoSentences:
    """A composer that joins the first passage's first sentence with an invented one citing the second."""

    def run(self, question: str, passages: Sequence[Passage], intent: Intent) -> Draft:
        true = Statement(passages[0].text.split(". ")[0] + ".", [0])
        invented = Statement("Emapalumab was given at 987 mg/kg.", [1])
        return Draft(statements=[joined([true, invented], label="Case report")])


def test_verification_removes_a_failing_sentence_from_a_line_and_keeps_the_rest(chain: AnswerChain) -> None:
    answer = AnswerChain(chain.retriever, OneLineOfTwoSentences()).invoke("emapalumab in adult IEC-HS")
    assert not answer.abstained
    assert "987" not in answer.answer and answer.answer.startswith("Case report: ")
    assert answer.verification.statements == 2 and answer.verification.removed == 1


def test_a_dose_question_reads_the_dosing_tables_of_every_document_it_found(chain: AnswerChain) -> None:
    found = chain.retrieve("grade 3 ICANS, no CRS. steroid dose?")
    hit_docs = {hit.passage.doc_id for hit in found.hits}
    tables = {p.doc_id for p in found.passages if p.kind == "table"}
    assert "santomasso-2021-asco-icans" in hit_docs & tables
    answer = chain.invoke("grade 3 ICANS, no CRS. steroid dose?")
    assert "ICANS grade 3 without CRS" in answer.answer


def test_an_evidence_question_reads_every_section_of_every_study_it_found(chain: AnswerChain) -> None:
    # Each study gets a line of its own, and its best sentence may sit in a section that was not a hit.
    found = chain.retrieve("what's the evidence for anakinra in steroid-refractory ICANS?")
    read = {p.chunk_id for p in found.passages}
    for doc_id in {hit.passage.doc_id for hit in found.hits}:
        assert {p.chunk_id for p in chain.retriever.document_passages(doc_id)} <= read
    assert "gazeau-2023-anakinra-refractory" in {hit.passage.doc_id for hit in found.hits[2:]}


def test_asking_for_more_pages_through_the_evidence_without_repeating_a_sentence(chain: AnswerChain) -> None:
    question = "what is the evidence for anakinra in steroid-refractory ICANS?"
    history: list[dict[str, str]] = []
    seen: list[str] = []
    # Nine pages hold every anakinra line the search finds (since lines on other drugs count half); ten asks.
    for ask in [question, "tell me more", "more", "what else?", *["more"] * 6]:
        answer = chain.invoke(ask, history)
        if answer.answer == NOTHING_MORE_MESSAGE:
            break
        assert answer.query == question and not answer.abstained
        sentences = quoted(answer.answer)
        assert not sentences & set(seen), "a 'more' answer repeated an earlier sentence"
        seen += sentences
        history += [{"role": "user", "content": ask}, {"role": "assistant", "content": answer.answer}]
    else:
        pytest.fail("asking for more never ran out")
    assert len(history) >= 4  # at least one 'more' gave new sentences
    assert answer.abstained and not answer.citations


def test_follow_up_carries_the_drug_from_history(chain: AnswerChain) -> None:
    history = [{"role": "user", "content": "What is the tocilizumab dose for CRS?"}]
    answer = chain.invoke("and in children under 30 kg?", history)
    assert "tocilizumab" in answer.query
    assert "12 mg/kg" in answer.answer


def test_a_follow_up_asking_one_outcome_is_answered_with_that_figure(chain: AnswerChain) -> None:
    """ "ORR?" after a ZUMA-2 CRS question is one fact: the response rate, not five lines on the trial."""
    history = [
        {"role": "user", "content": "ZUMA-2 gr3+ CRS?"},
        {"role": "assistant", "content": "In ZUMA-2 (brexu-cel, MCL), grade ≥3 CRS occurred in 15% of patients."},
    ]
    answer = chain.invoke("ORR?", history)
    assert answer.parsed is not None and answer.parsed.one_fact == "number"
    assert "85%" in answer.statements[0].text and len(answer.statements) <= 2


@pytest.mark.parametrize("question", ["", "   \n\t ", "?!?!"])
def test_empty_questions_are_refused(question: str) -> None:
    with pytest.raises(UsageError):
        clean_question(question, 2000)


def test_over_long_questions_are_refused() -> None:
    with pytest.raises(UsageError, match="2,001 characters"):
        clean_question("a" * 2001, 2000)


def test_control_characters_are_stripped() -> None:
    assert clean_question("dose\x00 of\x07 tocilizumab", 2000) == "dose of tocilizumab"


def test_verifier_removes_invented_numbers_and_drugs() -> None:
    cited = (Passage("c", "d", "Tocilizumab 8 mg/kg IV.", section="", kind="prose", title="", doc_type="label"),)
    support = Settings().min_support
    assert check(Claim("Tocilizumab 8 mg/kg IV.", cited), support) is None
    assert "number" in (check(Claim("Tocilizumab 12 mg/kg IV.", cited), support) or "")
    assert "drug" in (check(Claim("Siltuximab 8 mg/kg IV.", cited), support) or "")
    assert check(Claim("Tocilizumab 8 mg/kg IV.", ()), support) == "cites no passage"


def test_verifier_removes_a_statement_below_the_support_share() -> None:
    cited = (Passage("c", "d", "Tocilizumab 8 mg/kg IV.", section="", kind="prose", title="", doc_type="label"),)
    claim = Claim("Tocilizumab 8 mg/kg IV over one long hour.", cited)  # 5 of its 9 words are cited
    assert check(claim, 0.5) is None
    assert "support score" in (check(claim, Settings().min_support) or "")


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("What dose of tocilizumab for grade 2 CRS?", Intent.DOSING),
        ("fever, 2 L/min oxygen, no pressors: which grade?", Intent.GRADING),
        ("Is there evidence for emapalumab in IEC-HS?", Intent.EVIDENCE),
        ("How do I manage grade 3 ICANS?", Intent.MANAGEMENT),
        ("patient on high-dose steroids for ICANS: antifungal prophylaxis?", Intent.MONITORING),
        ("how often do we give toci for CRS?", Intent.DOSING),
        ("how often does carHLH respond to anakinra in the published series?", Intent.EVIDENCE),
        ("case reports of emapalumab in IEC-HS?", Intent.EVIDENCE),  # not a dose: it ends on the drug and toxicity
        ("anakinra prophylaxis — does it reduce CRS or ICANS?", Intent.EVIDENCE),
        ("ZUMA-1 prophylactic steroids — outcome?", Intent.EVIDENCE),
        ("did prophylactic dexamethasone with yescarta lower severe CRS?", Intent.EVIDENCE),
        ("has anakinra been shown to help steroid-refractory ICANS?", Intent.EVIDENCE),
        ("is ppx kineret effective for neurotox after car-t?", Intent.EVIDENCE),
        ("do we lower the dex dose once better?", Intent.DOSING),  # "we" lower it: an order, not a finding
        ("CRS grade 3 — what's the plan?", Intent.MANAGEMENT),
        ("gr 3 ICANS — plan?", Intent.MANAGEMENT),
        ("HBV monitoring plan?", Intent.MONITORING),  # the plan of a monitoring, not what to do
    ],
)
def test_intent_classification(question: str, intent: Intent) -> None:
    assert classify(question) is intent


def test_the_chain_scans_the_index_when_built_and_a_chain_with_other_rules_shares_the_scans(chain: AnswerChain) -> None:
    # The declared-absent topics and the table documents are read off the index once, not on the first question.
    scans = chain.scans
    assert {topic for topic, _ in scans.declared} <= {t for p in scans.catalogue for t in p.not_captured}
    assert scans.declared and all(p.not_captured for p in scans.catalogue)
    assert "santomasso-2021-asco-icans" in scans.table_documents
    assert chain.with_rules(ComposerRules.ablated("ladder")).scans is scans
    assert chain.with_retriever(chain.retriever.variant(use_synonyms=False)).scans is scans
    answer = chain.invoke("keppra ppx how long?")  # answered by CARTOX's statement that it lacks the duration
    assert not answer.abstained and re.search(r"not (captured|given)|lack", answer.answer, re.IGNORECASE)


def test_a_follow_ups_own_words_decide_what_it_asks() -> None:
    """A follow-up "did it work?" after a dose question asks for the evidence; "and in kids?" asks what came before."""
    carried = "did it work? (what anakinra dose did Strati use with axi-cel?)"
    assert asked_intent("did it work?", carried) is Intent.EVIDENCE
    assert asked_intent("and in kids?", "and in kids? (tocilizumab dose for CRS)") is Intent.DOSING


def test_how_a_toxicity_is_managed_reads_every_section_on_managing_it(chain: AnswerChain) -> None:
    """ "approach to cytokine release syndrome?" finds two emapalumab cohorts first; the answer is ASCO's line on CRS
    as a whole and its steps by grade, from the sections on managing CRS the chain reads though the search missed them.
    """
    assert any(p.doc_id == "santomasso-2021-asco-crs" for p in chain.scans.managing["crs"])
    question = "approach to cytokine release syndrome?"
    answer = chain.invoke(question)
    lead, *steps = answer.statements
    assert "tocilizumab" in lead.text and answer.citations[lead.citations[0] - 1].doc_id == "santomasso-2021-asco-crs"
    assert any(re.search(r"\bgrade 1 CRS\b", s.text) for s in steps)
    plain = chain.with_rules(ComposerRules.ablated("management_overview")).invoke(question)
    assert not any(re.search(r"\bgrade 1 CRS\b", s.text) for s in plain.statements)


def test_how_a_range_of_grades_is_managed_is_one_sources_steps_for_those_grades(chain: AnswerChain) -> None:
    """ "gr3 or 4 CRS, how do we treat?": ASCO's grade 3 step, then its grade 4 step; no grade 1 or 2 step."""
    question = "gr3 or 4 CRS, how do we treat?"
    answer = chain.invoke(question)
    first, second = (re.search(r"\bgrade (\d) CRS\b", s.text) for s in answer.statements[:2])
    assert first and second and (first.group(1), second.group(1)) == ("3", "4")
    assert not any(re.search(r"\bgrade [12] CRS is", s.text) for s in answer.statements)
    plain = chain.with_rules(ComposerRules.ablated("management_overview")).invoke(question)
    assert [s.text for s in plain.statements[:2]] != [s.text for s in answer.statements[:2]]


@pytest.mark.parametrize(
    ("question", "by_product"),
    [
        ("how often does CRS happen?", True),  # "how often" and "happen" ask how common it is
        ("high-grade neurotox — how often?", True),
        ("ICANS starting after 2 weeks — how often does it happen?", False),  # the late cases only
    ],
)
def test_how_often_a_toxicity_happens_is_each_products_rate_unless_a_time_is_said(
    chain: AnswerChain, question: str, by_product: bool
) -> None:
    answer = chain.invoke(question)
    sources = [answer.citations[s.citations[0] - 1] for s in answer.statements[:3]]
    products = {
        p for s in answer.statements[:3] for p in re.findall(r"\b(?:axi|tisa|liso|obe|brexu|ide|cilta)-cel\b", s.text)
    }
    assert (all(c.doc_type in {"label", "regulatory", "trial"} for c in sources) and len(products) >= 3) is by_product


def test_an_answer_led_by_a_finding_is_not_padded_with_where_a_document_comes_from(chain: AnswerChain) -> None:
    """ "when do B cells come back after CAR-T?" ends without "the facts in this document come from the abstract"."""
    question = "when do B cells come back after CAR-T?"

    def where_from(answer: Answer) -> list[str]:
        return [c.section for c in answer.citations if c.section.lower().startswith("source of")]

    answer = chain.invoke(question)
    assert "B cells" in answer.statements[0].text and not where_from(answer)
    assert where_from(chain.with_rules(ComposerRules.ablated("provenance_after_lead")).invoke(question))


def test_how_common_a_severe_toxicity_is_gives_each_products_rate_of_those_grades(chain: AnswerChain) -> None:
    """ "how common is severe CRS after CAR-T?": each product's grade ≥3 CRS rate, not its any-grade rate."""
    answer = chain.invoke("how common is severe CRS after CAR-T?")
    leads = answer.statements[:3]
    assert all(re.search(r"grade (?:≥\s*)?3", s.text) and re.search(r"\d%", s.text) for s in leads)
    assert len({answer.citations[s.citations[0] - 1].doc_id for s in leads}) == 3


def test_how_common_a_toxicity_is_reads_every_label_and_trial_section_on_it(chain: AnswerChain) -> None:
    """ "what % of pts get CRS after car-t?" finds two emapalumab cohorts first; the answer gives the products' CRS
    rates from the label and trial sections on CRS the chain reads though the search missed them."""
    assert any(p.doc_id == "yescarta-axi-cel-label" for p in chain.scans.occurring["crs"])
    answer = chain.invoke("what % of pts get CRS after car-t?")
    lead = answer.statements[0]
    assert re.search(r"\d%", lead.text) and "Zhang" not in lead.text
    assert answer.citations[lead.citations[0] - 1].doc_type in {"label", "regulatory", "trial"}


def test_a_named_mold_active_azole_is_told_the_sources_do_not_name_one(chain: AnswerChain) -> None:
    """ "posaconazole ppx dose?" on steroids: the ASH table's missing azole and dose lead, not fluconazole's row."""
    answer = chain.invoke("pt on dex >3 days post car-t, posaconazole ppx dose?")
    assert "mold-active azole" in answer.statements[0].text and "not captured" in answer.statements[0].text
    assert not any("200 mg" in s.text for s in answer.statements)


def test_labs_asked_at_the_bedside_find_the_guidelines_laboratory_tests(chain: AnswerChain) -> None:
    """ "labs to send for new ICANS?": ASCO's laboratory tests for ICANS, not the late-onset ICANS rates."""
    answer = chain.invoke("labs to send for new ICANS?")
    assert "laboratory tests for ICANS" in answer.statements[0].text


def test_a_follow_up_asking_which_tests_does_not_ask_the_treatment_asked_before(chain: AnswerChain) -> None:
    """ "imaging?" after "gr3 ICANS tx?": ASCO's brain imaging lines for that grade, not its steroid doses."""
    history = [
        {"role": "user", "content": "gr3 ICANS tx?"},
        {"role": "assistant", "content": "- In the ASCO 2021 guideline, grade 3 ICANS is treated with dexamethasone."},
    ]
    answer = chain.invoke("imaging?", history)
    assert Ask.MANAGE not in answer.parsed.asks
    assert "imaging" in answer.statements[0].text
    assert not any("dexamethasone" in s.text or "ICU" in s.text for s in answer.statements)


def test_a_work_up_asked_bare_is_what_the_guideline_assesses_and_obtains(chain: AnswerChain) -> None:
    """ "ICANS workup?": ASCO's laboratory tests and ICE assessments, not the ASTCT grading's exclusions."""
    answer = chain.invoke("ICANS workup?")
    leads = " ".join(s.text for s in answer.statements[:2])
    assert "laboratory tests" in leads and "ICE score" in leads
