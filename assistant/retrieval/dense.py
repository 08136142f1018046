"""Dense search: cosine similarity between the query and passage vectors, through langchain-chroma."""

from __future__ import annotations

from langchain_chroma import Chroma

from assistant.index import ChunkIndex


class DenseRetriever:
    """Nearest passages by embedding; ``run`` returns (chunk id, cosine similarity) best first."""

    def __init__(self, index: ChunkIndex) -> None:
        self.index = index
        self.store = Chroma(
            client=index.client,
            collection_name=index.collection.name,
            embedding_function=index.embeddings,
        )

    def run(self, query_vector: list[float], top_k: int) -> list[tuple[str, float]]:
        if top_k < 1:
            msg = f"top_k must be at least 1, got {top_k}"
            raise ValueError(msg)
        hits = self.store.similarity_search_by_vector_with_relevance_scores(query_vector, k=top_k)
        # The collection uses cosine distance: similarity = 1 - distance.
        return [(str(doc.id), 1.0 - float(distance)) for doc, distance in hits]

    def similarities(self, query_vector: list[float], chunk_ids: list[str]) -> dict[str, float]:
        """Cosine similarity of the query to given passages (those found by BM25 alone)."""
        if not chunk_ids:
            return {}
        records = self.index.collection.get(ids=chunk_ids, include=["embeddings"])
        return {
            cid: float(sum(q * v for q, v in zip(query_vector, vector, strict=True)))
            for cid, vector in zip(records["ids"], records["embeddings"], strict=True)  # type: ignore[arg-type]
        }
