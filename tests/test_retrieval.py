"""Hybrid retrieval over the real corpus, and its parts on hand-checkable inputs."""

from __future__ import annotations

import pytest

from assistant.passage import Passage
from assistant.retrieval.fusion import ReciprocalRankFusion, diversify
from assistant.retrieval.keyword import KeywordRetriever, tokenize
from assistant.retrieval.retriever import Filters, HybridRetriever, Mode
from assistant.retrieval.synonyms import expand, expansions
from assistant.settings import Settings


def passage(chunk_id: str, text: str, doc_type: str = "review", **meta: object) -> Passage:
    return Passage(chunk_id, chunk_id, text, section="", kind="prose", title="", doc_type=doc_type, **meta)  # type: ignore[arg-type]


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


def test_keyword_retriever_ranks_the_matching_passage_first() -> None:
    passages = [passage("x", "fever and hypotension"), passage("y", "emapalumab for IEC-HS"), passage("z", "ICE score")]
    ranked = KeywordRetriever(passages).run("emapalumab", top_k=3)
    assert ranked[0][0] == 1
    assert len(ranked) == 1  # passages without a matching word are not returned


def test_tokenize_keeps_hyphenated_terms_and_their_parts() -> None:
    assert tokenize("Axi-cel for the patient") == ["axi-cel", "axi", "cel"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Gamifant for IEC-HS", {"emapalumab", "hlh-like"}),
        ("Yescarta neurotoxicity", {"axi-cel", "axicabtagene ciloleucel", "icans"}),
        ("Actemra max dose", {"tocilizumab"}),
        ("cytokine release syndrome", {"crs"}),
    ],
)
def test_synonyms_expand_brands_and_abbreviations(query: str, expected: set[str]) -> None:
    assert expected <= set(expansions(query))


def test_expand_leaves_unrelated_questions_alone() -> None:
    assert expand("capital of France") == "capital of France"


def test_filters_check_type_product_and_year() -> None:
    label = passage("l", "t", doc_type="label", year=2017, products=("axi-cel",))
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
