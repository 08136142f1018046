"""Passage: a chunk together with its document's metadata, as stored in and read from the index."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

from assistant.chunking import Chunk
from assistant.documents import DocumentMeta, Supersession

#: List-valued metadata is stored as "|a|b|" because Chroma metadata values must be scalars.
LIST_FIELDS = ("authors", "products", "drugs", "topics", "not_captured")


def _join(values: tuple[str, ...]) -> str:
    return "|" + "|".join(values) + "|" if values else ""


def _split(value: Any) -> tuple[str, ...]:
    return tuple(v for v in str(value or "").split("|") if v)


@lru_cache(maxsize=256)
def _supersessions(stored: str) -> tuple[Supersession, ...]:
    """The superseded statements stored as JSON, parsed once (the composer asks for every sentence it scores)."""
    return tuple(Supersession.model_validate(e) for e in json.loads(stored)) if stored else ()


def best_link(doi: str | None, pmid: str | None, url: str | None) -> str | None:
    """The best link a reader can follow: DOI, then PubMed, then the URL."""
    if doi:
        return f"https://doi.org/{doi}"
    if pmid:
        return f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
    return url


@dataclass(frozen=True)
class Passage:
    """A retrievable, citable unit of text and where it comes from."""

    chunk_id: str
    doc_id: str
    text: str
    section: str
    kind: str
    title: str
    doc_type: str
    page: int | None = None
    year: int | None = None
    source: str = ""
    doi: str | None = None
    pmid: str | None = None
    url: str | None = None
    evidence: str | None = None
    collection: str = "corpus"
    doc_hash: str = ""
    authors: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    drugs: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    #: What the document declares absent (front matter ``not_captured``): answers say "the sources do not give" it.
    not_captured: tuple[str, ...] = ()
    #: When the source's content took effect or was published (ISO, as precise as the source gives it).
    effective: str | None = None
    #: The document's superseded statements as JSON (Chroma metadata values must be scalars).
    supersessions: str = ""

    @classmethod
    def from_chunk(cls, chunk: Chunk, meta: DocumentMeta, doc_hash: str) -> Passage:
        return cls(
            chunk_id=chunk.id,
            doc_id=chunk.doc_id,
            text=chunk.text,
            section=chunk.section,
            kind=chunk.kind,
            page=chunk.page,
            title=meta.title,
            doc_type=meta.doc_type.value,
            year=meta.year,
            source=meta.source,
            doi=meta.doi,
            pmid=meta.pmid,
            url=meta.url,
            evidence=meta.evidence,
            collection=meta.collection,
            doc_hash=doc_hash,
            authors=tuple(meta.authors),
            products=tuple(meta.products),
            drugs=tuple(meta.drugs),
            topics=tuple(meta.topics),
            not_captured=tuple(meta.not_captured),
            effective=meta.effective,
            supersessions=json.dumps([s.model_dump() for s in meta.superseded_by]) if meta.superseded_by else "",
        )

    @classmethod
    def from_record(cls, chunk_id: str, text: str, metadata: dict[str, Any]) -> Passage:
        """Rebuild a passage from a Chroma record (id, document, metadata)."""
        fields = {k: v for k, v in metadata.items() if k in cls.__dataclass_fields__}
        for name in LIST_FIELDS:
            fields[name] = _split(fields.get(name))
        return cls(chunk_id=chunk_id, text=text, **fields)

    def to_metadata(self) -> dict[str, str | int]:
        """Chroma metadata: scalars only, no None values."""
        data = asdict(self)
        del data["chunk_id"], data["text"]
        for name in LIST_FIELDS:
            data[name] = _join(data[name])
        return {k: v for k, v in data.items() if v is not None}

    @property
    def search_text(self) -> str:
        """What the retrievers see: title and section give context that the passage omits."""
        return f"{self.title}. {self.section}.\n{self.text}"

    @property
    def link(self) -> str | None:
        return best_link(self.doi, self.pmid, self.url)

    def supersessions_held(self, text: str) -> list[Supersession]:
        """The document's superseded statements that ``text`` (this passage, or one sentence of it) holds."""
        return [entry for entry in _supersessions(self.supersessions) if entry.applies_to(text)]

    @property
    def superseded(self) -> list[str]:
        """One line for each superseded statement this passage holds (its document's other ones are left out)."""
        return [entry.describe() for entry in self.supersessions_held(self.text)]
