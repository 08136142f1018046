"""Hybrid retrieval: dense (Chroma), BM25 over passages and BM25 over whole documents, fused by reciprocal rank.

Each retriever searches the question with the canonical names of the synonyms it uses and the words the
documents write what it asks in (the lexicon's ``ask_terms``: "CRS grade?" also searches "grading"). A
question about one grade of one toxicity lifts the passages whose section is about that setting.

>>> retriever = HybridRetriever.load(Settings())                    # doctest: +SKIP
>>> retriever.invoke("emapalumab adult IEC-HS")[0].metadata["doc_id"]  # doctest: +SKIP
'manghisi-2025-emapalumab-case'
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, PrivateAttr

from assistant.answering.question import ParsedQuestion, grades_in, trials_in
from assistant.conversation import entities
from assistant.embeddings import query_embeddings
from assistant.errors import IndexUnavailableError
from assistant.index import ChunkIndex
from assistant.lexicon import use_lexicon
from assistant.passage import Passage
from assistant.retrieval.dense import DenseRetriever
from assistant.retrieval.fusion import DocumentFusion, ReciprocalRankFusion, deepen, diversify
from assistant.retrieval.keyword import DocumentRetriever, KeywordRetriever
from assistant.retrieval.synonyms import expand, mentioned_groups, mentioned_sources, with_asked_terms
from assistant.settings import Settings

#: What ``attach`` loads, which every ``variant`` of a retriever shares.
SHARED_STATE = tuple("_index _passages _order _by_doc _keyword _dense _documents _sources _trials".split())


class Mode(StrEnum):
    """Which retrievers run; everything but HYBRID exists for the eval's baselines."""

    HYBRID = "hybrid"
    DENSE = "dense"
    BM25 = "bm25"


@dataclass(frozen=True)
class Filters:
    """Restrictions a user sets in the UI sidebar; empty means no restriction."""

    doc_types: frozenset[str] = frozenset()
    products: frozenset[str] = frozenset()
    year_min: int | None = None
    year_max: int | None = None

    def allows(self, passage: Passage) -> bool:
        if self.doc_types and passage.doc_type not in self.doc_types:
            return False
        if self.products and not self.products.intersection(passage.products):
            return False
        year = passage.year
        if self.year_min is not None and (year is None or year < self.year_min):
            return False
        return not (self.year_max is not None and (year is None or year > self.year_max))

    @property
    def active(self) -> bool:
        return bool(self.doc_types or self.products or self.year_min or self.year_max)


@dataclass(frozen=True)
class ScoredPassage:
    """A retrieved passage with the scores that put it there."""

    passage: Passage
    fused: float
    similarity: float  # cosine similarity to the query, for abstention


@dataclass
class Retrieval:
    """What one search found, and the timings of its stages in milliseconds."""

    query: str
    expanded_query: str
    hits: list[ScoredPassage]
    timings_ms: dict[str, float] = field(default_factory=dict)
    nearest: float = 0.0  # similarity of the dense search's best passage, whether or not it made the hits

    @property
    def best_similarity(self) -> float:
        """How close the index comes to the question (abstention): the best hit's or nearest passage's similarity.

        The nearest passage counts even when the fusion ranked it below k, so that reordering the
        candidates by lexical evidence cannot make a covered question look uncovered.
        """
        return max([self.nearest, *(h.similarity for h in self.hits)])


class HybridRetriever(BaseRetriever):
    """A LangChain retriever over Carta's index; ``search`` also returns scores for the composer."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    settings: Settings
    mode: Mode = Mode.HYBRID
    use_synonyms: bool = True
    filters: Filters = Filters()

    _index: ChunkIndex = PrivateAttr()
    _passages: dict[str, Passage] = PrivateAttr()
    _order: list[str] = PrivateAttr()
    _by_doc: dict[str, list[Passage]] = PrivateAttr()
    _keyword: KeywordRetriever = PrivateAttr()
    _dense: DenseRetriever = PrivateAttr()
    _documents: DocumentRetriever = PrivateAttr()
    _sources: dict[str, frozenset[str]] = PrivateAttr()

    @classmethod
    def load(cls, settings: Settings, *, embeddings: Embeddings | None = None, **kwargs: Any) -> HybridRetriever:
        """Open the index and build the keyword side; raises if the index is empty.

        Questions are embedded by ``embeddings``, by default the ONNX export of the configured model. The
        settings' lexicon (the built-in one, or a hospital's extension) becomes the one in use.
        """
        use_lexicon(settings.lexicon_path)
        index = ChunkIndex.open(settings, embeddings or query_embeddings(settings))
        retriever = cls(settings=settings, **kwargs)
        retriever.attach(index)
        return retriever

    def attach(self, index: ChunkIndex) -> None:
        """(Re)read every passage from the index, e.g. after an ingest."""
        passages = index.passages()
        if not passages:
            msg = "the index is empty; run `carta ingest` first"
            raise IndexUnavailableError(msg)
        self._index = index
        self._passages = {p.chunk_id: p for p in passages}
        self._order = [p.chunk_id for p in passages]
        self._by_doc = {}
        for passage in passages:
            self._by_doc.setdefault(passage.doc_id, []).append(passage)
        self._keyword = KeywordRetriever(passages)
        self._dense = DenseRetriever(index)
        self._documents = DocumentRetriever(passages)
        self._sources = {
            doc_id: frozenset(group[0] for group in mentioned_sources(f"{doc_id} {first.title} {first.source}"))
            for doc_id, (first, *_) in self._by_doc.items()
        }
        self._trials = {doc_id: trials_in(f"{doc_id} {first.title}") for doc_id, (first, *_) in self._by_doc.items()}

    def variant(self, **changes: Any) -> HybridRetriever:
        """The same index with other options (mode, synonyms, filters), sharing loaded state."""
        other = self.model_copy(update=changes)
        for name in SHARED_STATE:
            setattr(other, name, getattr(self, name))
        return other

    @property
    def idf(self) -> dict[str, float]:
        return self._keyword.idf

    def document_passages(self, doc_id: str) -> list[Passage]:
        """Every passage of one document (the composer reads a top document whole)."""
        return list(self._by_doc.get(doc_id, []))

    @property
    def passages(self) -> dict[str, Passage]:
        return self._passages

    def search(self, query: str, k: int | None = None) -> Retrieval:
        """Top ``k`` passages for ``query``, best first, with cosine similarities."""
        import time

        k = k or self.settings.k
        timings: dict[str, float] = {}
        searched = with_asked_terms(query) if self.use_synonyms else query
        expanded = expand(searched) if self.use_synonyms else query
        pool = self.settings.candidates * (4 if self.filters.active else 1)
        deep = self.mode is Mode.HYBRID and bool(self.settings.document_weight)
        rankings: list[list[str]] = []
        similarity: dict[str, float] = {}
        nearest = 0.0

        started = time.perf_counter()
        vector = self._index.embeddings.embed_query(expanded)
        if self.mode in (Mode.HYBRID, Mode.DENSE):
            depth = max(pool, self.settings.dense_candidates) if deep else pool
            dense = [(cid, s) for cid, s in self._dense.run(vector, depth) if cid in self._passages]
            similarity.update(dense)
            rankings.append([cid for cid, _ in dense if self.filters.allows(self._passages[cid])])
            nearest = similarity[rankings[-1][0]] if rankings[-1] else 0.0
        timings["dense"] = (time.perf_counter() - started) * 1000

        started = time.perf_counter()
        groups = mentioned_groups(searched) if self.use_synonyms else []
        if self.mode in (Mode.HYBRID, Mode.BM25):
            keyword = [self._order[i] for i, _ in self._keyword.run_concepts(without_setting(searched), pool, groups)]
            rankings.append([cid for cid in keyword if self.filters.allows(self._passages[cid])])
        documents: list[str] = []
        if deep:
            ranked_documents = self._documents.run_concepts(searched, len(self._documents.doc_ids), groups)
            documents = [self._documents.doc_ids[i] for i, _ in ranked_documents]
            rankings[0] = [str(c) for c in deepen(rankings[0], pool, self._doc_of, frozenset(documents[:pool]))]
        timings["bm25"] = (time.perf_counter() - started) * 1000

        started = time.perf_counter()
        fused = ReciprocalRankFusion().run(rankings)
        if documents:
            fused = DocumentFusion(self.settings.document_weight).run(fused, self._doc_of, documents)
        # A source the question names ("per ASCO") or a trial ("the CARTITUDE program"): its documents first. The
        # embedding model does not know trial names, so a trial's report can be missing from the dense ranking.
        named, trials = {group[0] for group in mentioned_sources(query)}, trials_in(query)
        if (named or trials) and self.mode is Mode.HYBRID and self.settings.source_weight:
            order = documents or list(dict.fromkeys(self._doc_of(cid) for cid, _ in fused))
            sourced = [
                doc for doc in order
                if self._sources.get(doc, frozenset()) & named or self._trials.get(doc, frozenset()) & trials
            ]  # fmt: skip
            fused = DocumentFusion(self.settings.source_weight).run(fused, self._doc_of, sourced)
        setting = self._setting_ranking(query, fused) if self.mode is Mode.HYBRID else []
        if setting and self.settings.setting_weight:
            # Each passage is its own "document" here: those in the setting ranking gain weight / (60 + rank).
            fused = DocumentFusion(self.settings.setting_weight).run(fused, str, setting)
        scores = dict(fused)
        ranked = diversify(list(scores), lambda cid: self._passages[str(cid)].doc_id, self.settings.per_document)
        fused = [(cid, scores[cid]) for cid in ranked[:k]]
        missing = [str(cid) for cid, _ in fused if cid not in similarity]
        similarity.update(self._dense.similarities(vector, missing))
        # A chunk an ingest deleted a moment ago has no vector any more: it is answered from the
        # state this retriever loaded, with no similarity to vouch for it.
        hits = [ScoredPassage(self._passages[str(cid)], score, similarity.get(str(cid), 0.0)) for cid, score in fused]
        timings["fuse"] = (time.perf_counter() - started) * 1000
        return Retrieval(query=query, expanded_query=expanded, hits=hits, timings_ms=timings, nearest=nearest)

    def _setting_ranking(self, query: str, fused: Sequence[tuple[Hashable, float]]) -> list[str]:
        """The candidates whose section is about the toxicity and grade the question asks, in fused order.

        "G2 ICANS on axi-cel … how much dex?" names one grade of one toxicity; the section "Grade 2 ICANS
        management (ASCO 2021)" is about that setting, while a trial's dexamethasone prophylaxis or a table
        for ICANS of any grade shares more of the question's words. Empty unless the question names exactly
        one grade and a toxicity; the toxicity asked is the one it names first. A section led by another drug
        than the one asked ("Dexamethasone for grade 2 CRS after tocilizumab" for a tocilizumab dose) is
        not the setting asked.
        """
        parsed = ParsedQuestion.read(query)
        if not parsed.toxicities or len(parsed.grades) != 1:
            return []
        toxicity, grade, drugs = parsed.toxicities[0], parsed.grades[0], set(parsed.drugs)
        ranking = []
        for cid, _ in fused:
            about, grades, drug = section_setting(self._passages[str(cid)].section)
            if about == toxicity and grade in grades and not (drugs and drug and drug not in drugs):
                ranking.append(str(cid))
        return ranking

    def _doc_of(self, chunk_id: object) -> str:
        return self._passages[str(chunk_id)].doc_id

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        return [
            Document(
                id=hit.passage.chunk_id,
                page_content=hit.passage.text,
                metadata={**hit.passage.to_metadata(), "fused_score": hit.fused, "similarity": hit.similarity},
            )
            for hit in self.search(query).hits
        ]


#: "after CAR-T", "post-CAR-T therapy": the setting of every passage, said by most bedside questions.
AFTER_CAR_T = re.compile(
    r"\b(?:after|post|following)[\s-]+car[\s-]?t\b(?:[\s-]cells?)?(?:\s+(?:therapy|infusion))?", re.IGNORECASE
)


def without_setting(query: str) -> str:
    """The query without its "after CAR-T", for ranking passages by their words: every passage is about care after
    CAR-T, but few say so, and those that do outranked the answer ("CRS duration after CAR-T?" found the emapalumab
    cohorts' "CRS after CAR-T" before the labels' median CRS duration). Documents are still ranked with it."""
    rest = AFTER_CAR_T.sub(" ", query)
    return rest if rest.strip(" ?.") else query


@lru_cache(maxsize=8192)
def section_setting(section: str) -> tuple[str | None, frozenset[int], str | None]:
    """The toxicity a section heading names first, the grades it names and the drug it names first:
    'Dexamethasone for grade 2 CRS after tocilizumab' -> ('crs', {2}, 'dexamethasone'); a grade named as a
    goal ('until grade 1') does not count."""
    named = entities(section)
    toxicities, drugs = named.get("toxicity", []), named.get("drug", [])
    return (
        toxicities[0] if toxicities else None,
        frozenset(int(g) for g in grades_in(section, targets=False)),
        drugs[0] if drugs else None,
    )
