"""Library: index health and rebuild, the corpus coverage map, the indexed documents and their sections, uploads."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import common
import pandas as pd
import streamlit as st

from assistant import rendering
from assistant.coverage import KINDS, TOXICITIES, corpus_coverage
from assistant.documents import DocType, doc_type_label
from assistant.errors import CartaError
from assistant.ingest import IngestReport, ingest, remove_document
from assistant.loaders import LOADERS, load_paths, slugify
from assistant.passage import Passage
from assistant.settings import Settings

#: Where uploaded files are kept, under the data dir, so a rebuild can re-read them.
UPLOADS = "uploads"


def documents(passages: list[Passage]) -> dict[str, list[Passage]]:
    """doc_id -> its passages in index order; sorted by title."""
    by_doc: dict[str, list[Passage]] = {}
    for passage in passages:
        by_doc.setdefault(passage.doc_id, []).append(passage)
    return dict(sorted(by_doc.items(), key=lambda item: item[1][0].title.lower()))


def document_record(chunks: list[Passage]) -> dict[str, Any]:
    first = chunks[0]
    return {
        "Title": first.title,
        "Year": first.year,
        "Type": doc_type_label(first.doc_type),
        "Source": first.source,
        "Products": ", ".join(first.products),
        "Topics": ", ".join(first.topics),
        "Chunks": len(chunks),
        "Collection": first.collection,
        "Link": first.link,
    }


def run_ingest(config: Settings, paths: list[Path] | None = None, overrides: dict[str, Any] | None = None) -> None:
    """Ingest with a progress bar, report the outcome, and drop the cached chain so pages see the change."""
    bar = st.progress(0.0, text="Starting…")

    def progress(done: int, total: int, what: str) -> None:
        bar.progress(done / total if total else 1.0, text=f"{done}/{total} · {what}")

    try:
        report: IngestReport = ingest(config, paths, overrides=overrides, progress=progress)
    except CartaError as exc:
        st.error(str(exc))
        return
    finally:
        bar.empty()
    common.reset_chain()
    for error in report.errors:
        st.warning(f"Skipped {error}")
    st.success(report.summary(), icon=":material/check:")


def health(config: Settings, by_doc: dict[str, list[Passage]]) -> None:
    """Document and chunk counts, when the index was last built, and whether the corpus changed since."""
    built = config.manifest_path.stat().st_mtime if config.manifest_path.exists() else None
    columns = st.columns(4)
    columns[0].metric("Documents", len(by_doc))
    columns[1].metric("Chunks", sum(len(chunks) for chunks in by_doc.values()))
    columns[2].metric(
        "Last built",
        datetime.fromtimestamp(built).strftime("%d %b %H:%M") if built else "never",
        help=datetime.fromtimestamp(built).isoformat(" ", "seconds") if built else None,
    )
    columns[3].metric("Corpus changes", "pending" if built and common.is_stale(config, fresh=True) else "none")
    where = f"Chroma server {config.chroma_host}:{config.chroma_port}" if config.chroma_host else config.index_dir
    st.caption(f"Index: {where} · corpus folder: {config.corpus_dir}")
    if st.button(
        "Rebuild index", icon=":material/sync:", help="Re-read the corpus folder; unchanged documents are kept."
    ):
        run_ingest(config)


def upload_form(config: Settings) -> None:
    """A document with its metadata, saved under the data dir and ingested into the `local` collection."""
    types = sorted(suffix.lstrip(".") for suffix in LOADERS)
    with st.form("upload", clear_on_submit=True):
        file = st.file_uploader(f"Document ({', '.join(types)})", type=types)
        left, right = st.columns([3, 1])
        title = left.text_input("Title", placeholder="From the file when left empty")
        year = right.number_input("Year", min_value=1900, max_value=2100, value=None, step=1)
        doc_type = st.selectbox(
            "Type",
            [None, *(t.value for t in DocType)],
            format_func=lambda v: "as the file says (else local)" if v is None else doc_type_label(v),
        )
        labels = ("DOI", "PMID", "URL")
        doi, pmid, url = (column.text_input(label) for column, label in zip(st.columns(3), labels, strict=True))
        submitted = st.form_submit_button("Add to the index", icon=":material/upload:")
    if not submitted:
        return
    if file is None:
        st.warning("Choose a file to upload.")
        return
    folder = config.ensure_data_dir() / UPLOADS
    folder.mkdir(exist_ok=True)
    path = folder / f"{slugify(Path(file.name).stem)}{Path(file.name).suffix.lower()}"
    path.write_bytes(file.getvalue())
    given = {"title": title, "year": year, "doc_type": doc_type, "doi": doi, "pmid": pmid, "url": url}
    overrides = {k: v.strip() if isinstance(v, str) else v for k, v in given.items()}
    overrides = {k: v for k, v in overrides.items() if v not in (None, "")}
    run_ingest(config, [path], {**overrides, "collection": "local"})


def coverage_map(config: Settings) -> None:
    """What the corpus folder holds per toxicity, grade and source body (assistant/coverage.py), and what it
    declares absent."""
    if not config.corpus_dir.is_dir():
        return
    coverage = corpus_coverage(load_paths([config.corpus_dir]).documents)
    st.subheader("Coverage by grade and source body")
    st.caption(" · ".join(f"**{kind}** {meaning}" for kind, meaning in KINDS.items()) + " · **—** nothing")
    for toxicity in TOXICITIES:
        st.markdown(f"**{toxicity}**")
        st.dataframe(pd.DataFrame(coverage.rows(toxicity)), hide_index=True, width="stretch")
    with st.expander("Declared absent (the corpus says these are not captured)", icon=":material/block:"):
        for body, topics in coverage.absent.items():
            st.markdown(f"**{body}**: " + "; ".join(f"{topic} (`{doc_id}`)" for doc_id, topic in topics))


def open_document(config: Settings, by_doc: dict[str, list[Passage]]) -> None:
    """Pick a document and read it section by section, as it is chunked in the index."""
    doc_id = st.selectbox(
        "Open a document",
        list(by_doc),
        index=None,
        format_func=lambda d: by_doc[d][0].title,
        placeholder="Choose a document to read its sections",
        key="library_document",
    )
    if doc_id is None:
        return
    chunks = by_doc[doc_id]
    first = chunks[0]
    st.markdown(rendering.source_heading(first))
    st.caption(f"{first.source} · id `{doc_id}` · {len(chunks)} chunks · collection {first.collection}")
    if first.collection != "corpus" and st.button("Remove from the index", icon=":material/delete:"):
        try:
            removed = remove_document(config, doc_id)
        except CartaError as exc:
            st.error(str(exc))
        else:
            common.reset_chain()
            st.success(f"Removed {removed} chunks of {doc_id}.")
        return
    for chunk in chunks:
        with st.container(border=True):
            st.caption(rendering.where(chunk))
            st.markdown(rendering.highlighted(chunk.text, rendering.Quoted()), unsafe_allow_html=True)


st.title("Library")
config = common.settings(quiet=True)
if config is not None:
    loaded = common.chain(quiet=True)
    by_doc = documents(list(loaded.retriever.passages.values())) if loaded else {}
    health(config, by_doc)
    with st.expander("Upload a document", icon=":material/upload_file:"):
        upload_form(config)
    if by_doc:
        active = common.filters()
        shown = {d: chunks for d, chunks in by_doc.items() if active.allows(chunks[0])}
        st.subheader("Indexed documents")
        if active.active:
            st.caption(f"{len(shown)} of {len(by_doc)} documents match the sidebar filters.")
        st.dataframe(
            pd.DataFrame([document_record(chunks) for chunks in shown.values()]),
            hide_index=True,
            width="stretch",
            placeholder="–",
            column_config={
                "Title": st.column_config.TextColumn("Title", width="large"),
                "Link": st.column_config.LinkColumn("Link", display_text="open"),
                "Year": st.column_config.NumberColumn("Year", format="%d"),
            },
        )
        open_document(config, shown)
    coverage_map(config)
