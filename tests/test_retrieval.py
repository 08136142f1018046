"""Hybrid retrieval over the real corpus, and its parts on hand-checkable inputs."""

from __future__ import annotations

import pytest
from helpers import make_passage

from assistant.passage import Passage
from assistant.retrieval.fusion import DocumentFusion, ReciprocalRankFusion, deepen, diversify
from assistant.retrieval.keyword import B, DocumentRetriever, KeywordRetriever, tokenize
from assistant.retrieval.retriever import Filters, HybridRetriever, Mode, Retrieval, ScoredPassage, section_setting
from assistant.retrieval.synonyms import (
    asked_terms,
    expand,
    expansions,
    mentioned_groups,
    mentioned_sources,
    spell_out,
    with_asked_terms,
)
from assistant.settings import Settings


def test_rrf_rewards_agreement_between_rankings() -> None:
    fused = ReciprocalRankFusion(k=60).run([["a", "b", "c"], ["b", "c", "a"]])
    assert [item for item, _ in fused] == ["b", "a", "c"]
    assert fused[0][1] == pytest.approx(1 / 62 + 1 / 61)


def test_diversify_moves_a_documents_extra_passages_behind_the_others() -> None:
    ranked = ["a1", "a2", "a3", "b1", "a4", "c1"]
    assert diversify(ranked, lambda item: item[0], per_document=2) == ["a1", "a2", "b1", "c1", "a3", "a4"]
    assert diversify(ranked, lambda item: item[0], per_document=9) == ranked
    with pytest.raises(ValueError, match="per_document"):
        diversify(ranked, lambda item: item[0], per_document=0)


def test_deepen_keeps_the_head_and_only_on_topic_documents_behind_it() -> None:
    ranked = ["x1", "a1", "y1", "b1", "x2", "a2"]
    assert deepen(ranked, 2, lambda item: item[0], {"a", "b"}) == ["x1", "a1", "b1", "a2"]
    assert deepen(ranked, 6, lambda item: item[0], set()) == ranked
    assert deepen(ranked, 0, lambda item: item[0], {"y"}) == ["y1"]
    with pytest.raises(ValueError, match="head"):
        deepen(ranked, -1, lambda item: item[0], {"a"})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NCCN says methylpred 1 g/day for grade 4 ICANS?", {"nccn"}),
        ("What toci and steroid doses does EBMT/JACIE recommend?", {"ebmt", "jacie"}),
        ("VP-16 dose for secondary HLH per uptodate?", {"uptodate"}),
        ("santomasso-2021-asco-crs ASCO 2021 guideline J Clin Oncol", {"asco"}),
        ("Yescarta US prescribing information", {"fda"}),
        ("rash and fever after CAR-T", set()),  # 'ash' only as a word of its own
        ("National guidance on rheumatoid arthritis", set()),  # a full name only when whole
    ],
)
def test_mentioned_sources_finds_named_bodies(text: str, expected: set[str]) -> None:
    assert {group[0] for group in mentioned_sources(text)} == expected


def test_keyword_retriever_ranks_the_matching_passage_first() -> None:
    passages = [
        make_passage("fever and hypotension", "x"),
        make_passage("emapalumab for IEC-HS", "y"),
        make_passage("ICE score", "z"),
    ]
    ranked = KeywordRetriever(passages).run("emapalumab", top_k=3)
    assert ranked[0][0] == 1
    assert len(ranked) == 1  # passages without a matching word are not returned


def test_document_fusion_lifts_passages_of_the_best_ranked_documents() -> None:
    fused = [("x1", 0.0300), ("y1", 0.0295), ("z1", 0.0294)]
    boosted = DocumentFusion(weight=1.0).run(fused, lambda item: item[0], ["z", "y"])
    assert [item for item, _ in boosted] == ["z1", "y1", "x1"]  # x is not ranked: it gains nothing
    assert dict(boosted)["z1"] == pytest.approx(0.0294 + 1 / 61)
    assert DocumentFusion(weight=0.0).run(fused, lambda item: item[0], ["z"]) == fused
    with pytest.raises(ValueError, match="weight"):
        DocumentFusion(weight=-1.0)


def test_a_synonym_group_counts_once_however_many_of_its_terms_a_passage_uses() -> None:
    passages = [
        make_passage("ICANS, neurotoxicity and neurologic events: ICANS neurotoxicity overview", "many"),
        make_passage("ICANS: ICE score rounds every 8 h by nursing", "once"),
        make_passage("fever and hypotension", "other"),
    ]
    query = "ICANS ICE rounds"
    groups = mentioned_groups(query)
    concepts = [i for i, _ in KeywordRetriever(passages).run_concepts(query, 3, groups)]
    summed = [i for i, _ in KeywordRetriever(passages).run(query, 3, " ".join(t for g in groups for t in g))]
    assert concepts[0] == 1  # the passage that also matches "ICE rounds"
    assert summed[0] == 0  # summing every synonym ranked the synonym-heavy passage first


def test_a_hyphenated_word_counts_once_not_once_per_part() -> None:
    """A hyphenated word is one word: summing "car-t", "car" and "t" gave a passage that only says CAR-T three
    times the weight of the drug the question asks about."""
    passages = [
        make_passage("Monitoring after CAR-T infusion at the treatment centre for two weeks", "car-t"),
        make_passage("Lorazepam for status epilepticus", "drug"),
        *(make_passage(f"fever and hypotension {n}", f"other-{n}") for n in range(4)),
    ]
    ranked = [i for i, _ in KeywordRetriever(passages).run_concepts("lorazepam after CAR-T", 2, [])]
    assert ranked == [1, 0]


def test_document_retriever_ranks_whole_documents() -> None:
    passages = [
        Passage("a:1", "a", "tocilizumab 8 mg/kg every 4 weeks", "dosing", "prose", "Rheumatoid arthritis", "review"),
        Passage("b:1", "b", "tocilizumab 8 mg/kg", "dosing", "prose", "CRS guideline", "guideline"),
        Passage("b:2", "b", "grade 2 CRS after CAR-T", "grading", "prose", "CRS guideline", "guideline"),
        Passage("c:1", "c", "fever and hypotension", "care", "prose", "Sepsis", "review"),
        Passage("d:1", "d", "ICE score every 8 h", "monitoring", "prose", "ICANS", "review"),
        Passage("e:1", "e", "IgG checks monthly", "monitoring", "prose", "Supportive care", "review"),
    ]
    retriever = DocumentRetriever(passages)
    ranked = retriever.run_concepts("tocilizumab for CRS", 5, mentioned_groups("tocilizumab for CRS"))
    assert [retriever.doc_ids[i] for i, _ in ranked] == ["b", "a"]


def test_document_ranking_does_not_bury_a_long_document_on_the_subject() -> None:
    """A label that names tocilizumab for CRS in each of its four sections outranks a short note that names
    it once; at passages' length normalisation (B) the note came first."""
    filler = "fever hypotension oxygen fluids monitoring vasopressor ferritin"
    passages = [
        *(make_passage(f"tocilizumab for CRS: {filler} {filler}", "label", n=n) for n in range(4)),
        make_passage(f"tocilizumab for CRS {filler}", "note"),
        *(make_passage(f"sepsis {filler}", f"x{n}") for n in range(6)),
    ]
    retriever = DocumentRetriever(passages)
    assert retriever.length_normalisation < B
    ranked = retriever.run_concepts("tocilizumab CRS", 5, [])
    assert [retriever.doc_ids[i] for i, _ in ranked] == ["label", "note"]


def test_best_similarity_counts_the_nearest_passage_even_below_k() -> None:
    hit = ScoredPassage(make_passage("t", "x"), fused=0.03, similarity=0.30)
    assert Retrieval("q", "q", [hit], nearest=0.40).best_similarity == pytest.approx(0.40)
    assert Retrieval("q", "q", [hit]).best_similarity == pytest.approx(0.30)


def test_spell_out_reads_pt_as_patient_but_not_pt_inr() -> None:
    assert spell_out("when can my pt drive? Pts w/o fever") == "when can my patient drive? patients without fever"
    assert spell_out("PT/INR and PT prolonged") == "PT/INR and PT prolonged"


def test_spell_out_reads_a_numbered_trials_c6_as_its_cohort() -> None:
    assert spell_out("zuma-1 c6 results?") == "zuma-1 cohort 6 results?"
    assert spell_out("ZUMA1 C4 ORR") == "ZUMA-1 cohort 4 ORR"
    assert spell_out("day 3 C5 level") == "day 3 C5 level"  # no trial before it


def test_spell_out_reads_how_high_can_as_a_maximum() -> None:
    assert spell_out("how high can a single toci dose go?") == "what maximum can a single toci dose go?"
    assert spell_out("kymriah outside of trials, severe CRS?") == "kymriah real-world, severe CRS?"


def test_spell_out_reads_cytokine_release_as_crs_once() -> None:
    assert spell_out("GM-CSF during cytokine release?") == "GM-CSF during cytokine release syndrome?"
    assert spell_out("Cytokine release syndrome grade 2") == "Cytokine release syndrome grade 2"


def test_tokenize_keeps_hyphenated_terms_and_their_parts() -> None:
    assert tokenize("Axi-cel for the patient") == ["axi-cel", "axi", "cel"]


def test_tokenize_drops_the_ending_of_a_contraction_or_possessive() -> None:
    assert tokenize("who's at risk of prolonged cytopenias?") == ["risk", "prolonged", "cytopenias"]
    assert tokenize("Still's disease, the label's dose") == ["stills", "disease", "label", "dose"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Gamifant for IEC-HS", {"emapalumab", "hlh-like"}),
        ("Yescarta neurotoxicity", {"axi-cel", "axicabtagene ciloleucel", "icans"}),
        ("Actemra max dose", {"tocilizumab"}),
        ("cytokine release syndrome", {"crs"}),
        ("the sCD25 cutoff", {"soluble cd25", "soluble il-2 receptor"}),
        ("why does toci make it worse", {"worsen", "worsening"}),
        ("romiplostim for low plts?", {"thrombopoietin agonist"}),  # the corpus names the class only
        ("how accurate is the HScore?", {"sensitivity", "specificity"}),  # what the studies report accuracy as
        ("CAPD components?", {"items", "markers"}),  # a score's parts, as the documents call them
    ],
)
def test_synonyms_expand_brands_and_abbreviations(query: str, expected: set[str]) -> None:
    assert expected <= set(expansions(query))


def test_expand_leaves_unrelated_questions_alone() -> None:
    assert expand("capital of France") == "capital of France"


@pytest.mark.parametrize(
    ("query", "terms"),
    [
        ("SBP 85 on norepi — CRS grade?", ["grading"]),
        ("IEC-HS diagnosis criteria — what are they based on?", ["grading"]),
        ("what grading system does the ASTCT use for ICANS?", []),  # it already says "grading"
        ("tocilizumab dose for grade 2 CRS", []),  # a grade named, not asked
    ],
)
def test_a_question_asking_for_a_grade_also_searches_the_word_grading(query: str, terms: list[str]) -> None:
    assert asked_terms(query) == terms
    assert with_asked_terms(query) == (f"{query} (grading)" if terms else query)


@pytest.mark.parametrize(
    ("query", "terms"),
    [
        ("she's back to gr 1 now. what next with the steroids?", ["taper"]),
        ("wean dex how?", ["taper"]),
        ("still not improving after 2 doses of toci, next?", []),  # a step up, not down
        ("steroid taper after grade 3 ICANS?", []),  # it already says "taper"
    ],
)
def test_a_patient_getting_better_also_searches_the_word_taper(query: str, terms: list[str]) -> None:
    assert asked_terms(query) == terms


@pytest.mark.parametrize(
    ("section", "setting"),
    [
        ("Grade 2 ICANS management (ASCO 2021)", ("icans", {2}, None)),
        ("Grade 1 ICANS with concurrent CRS", ("icans", {1}, None)),
        ("Corticosteroids for ICANS (J Clin Med 2023 table): grade not captured", ("icans", set(), "corticosteroids")),
        ("Dexamethasone for grade 2 CRS after tocilizumab", ("crs", {2}, "dexamethasone")),
        ("Source of the ASTCT consensus grading", (None, set(), None)),
    ],
)
def test_a_section_heading_names_its_setting(section: str, setting: tuple[str | None, set[int], str | None]) -> None:
    assert section_setting(section) == setting


def test_filters_check_type_product_and_year() -> None:
    label = make_passage("t", "l", doc_type="label", year=2017, products=("axi-cel",))
    assert Filters(doc_types=frozenset({"label"})).allows(label)
    assert not Filters(doc_types=frozenset({"trial"})).allows(label)
    assert not Filters(products=frozenset({"tisa-cel"})).allows(label)
    assert not Filters(year_min=2020).allows(label)
    assert Filters(year_max=2020).allows(label)


@pytest.fixture(scope="module")
def retriever(corpus_index: Settings) -> HybridRetriever:
    return HybridRetriever.load(corpus_index)


def test_hybrid_ranks_the_emapalumab_case_report_first(retriever: HybridRetriever) -> None:
    hits = retriever.search("emapalumab adult IEC-HS").hits
    assert hits[0].passage.doc_id == "manghisi-2025-emapalumab-case"


def test_brand_name_finds_the_generic_documents(retriever: HybridRetriever) -> None:
    docs = [h.passage.doc_id for h in retriever.search("Gamifant dosing for HLH").hits[:5]]
    assert "gamifant-emapalumab-label" in docs


def test_modes_and_filters_restrict_what_is_returned(retriever: HybridRetriever) -> None:
    labels_only = retriever.variant(filters=Filters(doc_types=frozenset({"label"})))
    assert {h.passage.doc_type for h in labels_only.search("tocilizumab dose").hits} == {"label"}
    bm25 = retriever.variant(mode=Mode.BM25)
    assert bm25.search("zzzz qqqq").hits == []


def test_it_is_a_langchain_retriever(retriever: HybridRetriever) -> None:
    documents = retriever.invoke("ICE score")
    assert documents and documents[0].metadata["doc_id"] and documents[0].page_content


def test_no_document_holds_more_than_its_share_of_the_top_k(retriever: HybridRetriever) -> None:
    docs = [h.passage.doc_id for h in retriever.search("tocilizumab dose for CRS").hits]
    assert max(docs.count(d) for d in docs) <= retriever.settings.per_document


def test_a_named_source_ranks_its_documents_first(retriever: HybridRetriever) -> None:
    query = "NCCN says methylpred 1 g/day + anakinra 100 every 6 h for grade 4 ICANS right?"
    unboosted = retriever.variant(settings=retriever.settings.model_copy(update={"source_weight": 0.0}))
    assert retriever.search(query).hits[0].passage.doc_id == "nccn-2026-cart-toxicities"
    assert unboosted.search(query).hits[0].passage.doc_id != "nccn-2026-cart-toxicities"


def test_a_named_trial_ranks_its_documents_first(retriever: HybridRetriever) -> None:
    # The embedding model does not know trial names: without the boost the cilta-cel programme's report ranks sixth.
    query = "how long did the CARTITUDE program keep watching for neurotox?"
    unboosted = retriever.variant(settings=retriever.settings.model_copy(update={"source_weight": 0.0}))
    assert retriever.search(query).hits[0].passage.doc_id == "cohen-2022-cilta-cel-movement-neurocognitive-teae"
    assert unboosted.search(query).hits[0].passage.doc_id != "cohen-2022-cilta-cel-movement-neurocognitive-teae"


def test_after_car_t_is_the_setting_of_every_passage_and_ranks_none_by_its_words(retriever: HybridRetriever) -> None:
    """ "CRS duration after CAR-T?" asks what "CRS duration?" asks: the label's median CRS duration, not the
    emapalumab cohorts that happen to write "CRS after CAR-T"."""
    from assistant.retrieval.retriever import without_setting

    assert without_setting("CRS duration post-CAR-T therapy?") == "CRS duration  ?"
    assert without_setting("after CAR-T?") == "after CAR-T?"  # nothing else to rank by
    top = [h.passage.doc_id for h in retriever.search("CRS duration after CAR-T?").hits[:10]]
    assert "yescarta-axi-cel-label" in top


def test_a_bedside_grade_question_ranks_the_grading_table_first(retriever: HybridRetriever) -> None:
    query = "Tmax 102.6F, SBP 82 but fluid responsive, on room air — CRS grade?"
    assert retriever.search(query).hits[0].passage.doc_id == "lee-2019-astct-grading"
    assert retriever.variant(use_synonyms=False).search(query).hits[0].passage.doc_id != "lee-2019-astct-grading"


def test_a_question_on_one_grade_ranks_that_grades_section_first(retriever: HybridRetriever) -> None:
    query = "grade 2 ICANS on axi-cel, no CRS — steroids or just supportive? how much dex?"
    top = retriever.search(query).hits[0].passage
    assert (top.doc_id, section_setting(top.section)[:2]) == ("santomasso-2021-asco-icans", ("icans", frozenset({2})))
    unlifted = retriever.variant(settings=retriever.settings.model_copy(update={"setting_weight": 0.0}))
    assert unlifted.search(query).hits[0].passage.doc_id != "santomasso-2021-asco-icans"


def test_deeper_dense_ranking_leaves_dense_only_mode_alone(retriever: HybridRetriever) -> None:
    shallow = retriever.settings.model_copy(update={"dense_candidates": retriever.settings.candidates})
    dense, dense_shallow = retriever.variant(mode=Mode.DENSE), retriever.variant(mode=Mode.DENSE, settings=shallow)
    query = "how long do patients have to stay near the center after CAR-T now?"
    assert [h.passage.chunk_id for h in dense.search(query, k=50).hits] == [
        h.passage.chunk_id for h in dense_shallow.search(query, k=50).hits
    ]


def test_all_in_capitals_is_the_leukaemia_and_not_the_stopword() -> None:
    assert tokenize("CRS in r/r ALL vs adult B-ALL", parts=False) == ["crs", "r", "r", "b-all", "vs", "adult", "b-all"]
    assert "b-all" not in tokenize("all patients", parts=False)


def test_still_is_an_everyday_word_and_stills_disease_one_word() -> None:
    assert tokenize("gr 2 CRS still hypotensive", parts=False) == ["gr", "2", "crs", "hypotensive"]
    assert tokenize("HLH/MAS in Still's disease", parts=False) == ["hlh", "mas", "stills", "disease"]
    assert "stills" in tokenize("adult-onset Still disease")


def test_how_usually_a_thing_happens_names_no_subject() -> None:
    # "when does CRS usually start?" is not led by the one line saying IEC-HS "usually overlaps" with CRS.
    assert tokenize("when does CRS usually start, typically or generally?", parts=False) == ["crs", "start"]


def test_how_soon_asks_a_time_and_names_no_subject() -> None:
    # "soon" would lead with the one line saying "as soon as weeks" whatever the question is about.
    assert tokenize("covid vaccine after car-t, how soon?", parts=False) == ["covid", "vaccine", "car-t"]
