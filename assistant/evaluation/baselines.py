"""The configurations `carta eval` compares side by side, so a reader sees what each part buys.

All share one loaded model and index (``HybridRetriever.variant``); each chain configuration is the
``AnswerChain`` users get (``with_retriever`` keeps its composer), over a retriever variant.
``naive-rag`` skips the composer and the verifier: its answer is the top passages, quoted whole.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

from assistant.answer import Answer, Citation
from assistant.answering.chain import AnswerChain
from assistant.answering.prompts import ABSTAIN_MESSAGE
from assistant.conversation import Turn
from assistant.retrieval.retriever import HybridRetriever, Mode

#: Passages the naive baseline quotes: the common "stuff the top 3 chunks" RAG default.
NAIVE_TOP = 3
#: The configuration users get; thresholds gate this one.
DEFAULT = "hybrid"


class Answerer(Protocol):
    """What the runner needs: the retriever it searches with, and question + history -> Answer."""

    retriever: HybridRetriever

    def invoke(self, question: str, history: list[Turn] | None = None) -> Answer: ...


class NaiveRag:
    """Retrieval with no composer and no verifier: the top passages, each followed by its [n].

    It prepares and retrieves exactly as the chain does (screen, rewrite, spell out, search), so it
    searches the same query; it never abstains, so the comparison shows what abstention adds too.
    """

    def __init__(self, chain: AnswerChain) -> None:
        self.chain = chain
        self.retriever = chain.retriever

    def invoke(self, question: str, history: list[Turn] | None = None) -> Answer:
        started = time.perf_counter()
        found = self.chain.retrieve(question, history)
        passages = [hit.passage for hit in found.hits[:NAIVE_TOP]]
        ms = round((time.perf_counter() - started) * 1000, 2)
        return Answer(
            question=found.question,
            query=found.query,
            answer="\n\n".join(f"{p.text} [{n}]" for n, p in enumerate(passages, start=1)) or ABSTAIN_MESSAGE,
            abstained=not passages,
            citations=[Citation.from_passage(n, p) for n, p in enumerate(passages, start=1)],
            timings_ms={"retrieve": ms, "total": ms},
        )


@dataclass(frozen=True)
class Configuration:
    """One column of the comparison: which retrievers run, with or without synonyms and composer."""

    name: str
    what: str
    mode: Mode = Mode.HYBRID
    use_synonyms: bool = True
    naive: bool = False

    def build(self, chain: AnswerChain) -> Answerer:
        """This configuration over the loaded chain's index, keeping the chain's composer (extractive or LLM)."""
        variant = chain.with_retriever(chain.retriever.variant(mode=self.mode, use_synonyms=self.use_synonyms))
        return NaiveRag(variant) if self.naive else variant


CONFIGURATIONS: dict[str, Configuration] = {
    c.name: c
    for c in (
        Configuration("bm25", "BM25 keyword retrieval only (with synonyms), then composer and verifier", Mode.BM25),
        Configuration(
            "dense", "dense embedding retrieval only (with synonyms), then composer and verifier", Mode.DENSE
        ),
        Configuration("hybrid-no-synonyms", "BM25 + dense fused, no synonym expansion", use_synonyms=False),
        Configuration(DEFAULT, "the default: BM25 + dense fused, synonyms, composer, verifier"),
        Configuration(
            "naive-rag", f"hybrid retrieval, top {NAIVE_TOP} passages quoted whole as the answer", naive=True
        ),
    )
}
