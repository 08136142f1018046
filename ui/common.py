"""What every page shares: settings, the chain (loaded once per process), sidebar filters, banners, and
how an answer, its sources and its feedback are drawn. Pages hold layout; all logic comes from `assistant`.
"""

from __future__ import annotations

import html
import json
import logging
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

from assistant.answer import Answer, Citation
from assistant.answering.chain import AnswerChain
from assistant.answering.units import split_cells, table_units
from assistant.errors import CartaError
from assistant.feedback import Feedback, FeedbackStore
from assistant.ingest import index_is_stale
from assistant.passage import Passage
from assistant.retrieval.retriever import Filters
from assistant.settings import Settings, load_settings

# ---------------------------------------------------------------------------------------------
# Texts a clinician could question, in one place.
# ---------------------------------------------------------------------------------------------
#: Shown on every page and in every export: the product's scope, as agreed in issue 2.
DISCLAIMER = "Carta supports, and does not replace, clinical judgment and local protocols."
#: Offered on an empty chat; each is answered from the corpus (checked against evals/qa.yaml topics).
EXAMPLE_QUESTIONS = (
    "What dose of tocilizumab for grade 2 CRS?",
    "Is there evidence for emapalumab in adult IEC-HS?",
    "How long should patients stay near the treatment centre after CAR-T?",
    "Which seizure prophylaxis is used after CAR-T?",
)
#: Under an answer where Carta declined to answer.
ABSTAINED_NOTICE = "Abstained: no indexed passage supports an answer, so Carta gives none rather than guess."
#: Under an answer from which the grounding verifier removed statements; {n} is how many.
REMOVED_NOTICE = "The grounding check removed {n} statement(s) that their cited passages do not support."
#: Above the chat input while sidebar filters narrow the search.
FILTERED_NOTICE = "Sidebar filters are on: only matching documents are searched."
#: How to build the index from a terminal, named in every index banner.
INGEST_COMMAND = "carta ingest"
STALE_NOTICE = (
    "The index is out of date with the corpus folder, so answers may miss recent changes. "
    f"Run `{INGEST_COMMAND}` or rebuild it on the Library page."
)
#: Badge text and colour for each document type, so a reader weighs a source at a glance.
DOC_TYPE_BADGES: dict[str, tuple[str, str]] = {
    "guideline": ("guideline", "green"),
    "consensus": ("consensus", "green"),
    "label": ("label", "blue"),
    "regulatory": ("regulatory", "blue"),
    "trial": ("trial", "violet"),
    "cohort": ("cohort", "orange"),
    "review": ("review", "gray"),
    "case-report": ("case report", "red"),
    "case-series": ("case series", "red"),
    "local": ("local", "primary"),
}

log = logging.getLogger("carta.ui")
if not log.handlers:
    _handler = logging.StreamHandler(sys.stderr)
    _handler.setFormatter(logging.Formatter("%(asctime)s carta.ui %(message)s"))
    log.addHandler(_handler)
    log.setLevel(logging.INFO)
    log.propagate = False

FILTERS_KEY = "carta_filters"
#: How long the stale-index banner trusts its last check: the check hashes the corpus (~0.25 s), too
#: slow for every rerun; the Library page always checks afresh.
STALE_CHECK_TTL_S = 600
CITATION_MARK = re.compile(r"\[(\d+)\]")


# ---------------------------------------------------------------------------------------------
# Settings, the chain and index health
# ---------------------------------------------------------------------------------------------
def settings(quiet: bool = False) -> Settings | None:
    """The process's settings (CARTA_* environment, carta.toml); a banner instead when they are invalid."""
    try:
        return load_settings()
    except CartaError as exc:
        if not quiet:
            st.error(f"Carta's settings are invalid: {exc}", icon=":material/error:")
        return None


@st.cache_resource(show_spinner="Loading the embedding model and the index…")
def _load_chain(key: str, _settings: Settings) -> AnswerChain:
    """One chain per process and settings; the log line proves page switches never reload it."""
    started = time.perf_counter()
    chain = AnswerChain.load(_settings)
    log.info(
        "chain loaded in %.2f s: %d passages from %s",
        time.perf_counter() - started,
        len(chain.retriever.passages),
        _settings.data_dir,
    )
    return chain


def chain(quiet: bool = False) -> AnswerChain | None:
    """The loaded chain, or None after showing why it cannot load (never a traceback).

    The entry point calls it first and shows the banner; pages call it ``quiet`` to get the same
    cached chain without repeating the banner.
    """
    config = settings(quiet)
    if config is None:
        return None
    try:
        return _load_chain(config.model_dump_json(), config)
    except CartaError as exc:
        reason = str(exc)
    except Exception as exc:  # the UI boundary: anything Chroma or the model raise becomes a banner
        log.exception("loading the chain failed")
        reason = f"the index or the embedding model could not be loaded ({type(exc).__name__}: {exc})"
    if not quiet:
        index_banner(reason)
    return None


def index_banner(reason: str) -> None:
    st.error(
        f"Carta cannot answer yet: {reason}.\n\nBuild the index with `{INGEST_COMMAND}` in a terminal, "
        "or with **Rebuild index** on the Library page.",
        icon=":material/database:",
    )


def reset_chain() -> None:
    """Forget the loaded chain and health figures, e.g. after an ingest changed the index."""
    _load_chain.clear()
    _stale.clear()


@st.cache_data(ttl=STALE_CHECK_TTL_S, show_spinner=False)
def _stale(key: str, _settings: Settings) -> bool:
    return index_is_stale(_settings)


def is_stale(config: Settings, fresh: bool = False) -> bool:
    """Whether the corpus folder holds changes the index lacks; cached, since it hashes the whole corpus."""
    if fresh:
        _stale.clear()
    return _stale(config.model_dump_json(), config)


def stale_banner(config: Settings) -> None:
    if config.manifest_path.exists() and is_stale(config):
        st.warning(STALE_NOTICE, icon=":material/update:")


# ---------------------------------------------------------------------------------------------
# Sidebar filters
# ---------------------------------------------------------------------------------------------
def badge(doc_type: str) -> str:
    """A coloured markdown badge for a document type."""
    text, color = DOC_TYPE_BADGES.get(doc_type, (doc_type, "gray"))
    return f":{color}-badge[{text}]"


def doc_type_label(doc_type: str) -> str:
    return DOC_TYPE_BADGES.get(doc_type, (doc_type, ""))[0]


def sidebar_filters(loaded: AnswerChain) -> Filters:
    """Document type, product and year filters, drawn in the sidebar and kept for every page."""
    passages = loaded.retriever.passages.values()
    doc_types = sorted({p.doc_type for p in passages})
    products = sorted({product for p in passages for product in p.products})
    years = sorted({p.year for p in passages if p.year})
    with st.sidebar:
        st.subheader("Filters")
        chosen_types = st.multiselect(
            "Document type", doc_types, format_func=doc_type_label, key="filter_types", placeholder="All types"
        )
        chosen_products = st.multiselect("CAR-T product", products, key="filter_products", placeholder="All products")
        low, high = years[0], years[-1]
        if low < high:
            low, high = st.slider("Year", years[0], years[-1], (years[0], years[-1]), key="filter_years")
    filters = Filters(
        doc_types=frozenset(chosen_types),
        products=frozenset(chosen_products),
        year_min=low if low > years[0] else None,
        year_max=high if high < years[-1] else None,
    )
    st.session_state[FILTERS_KEY] = filters
    return filters


def filters() -> Filters:
    """The filters the sidebar set on this run (none before it has drawn)."""
    return st.session_state.get(FILTERS_KEY, Filters())


def filtered(loaded: AnswerChain) -> AnswerChain:
    """The chain restricted to the sidebar's filters; a cheap view over the same loaded index and composer."""
    current = filters()
    return loaded.with_retriever(loaded.retriever.variant(filters=current)) if current.active else loaded


# ---------------------------------------------------------------------------------------------
# Sources
# ---------------------------------------------------------------------------------------------
def identifier_links(item: Citation | Passage) -> str:
    """DOI and PubMed links (and the URL when neither exists), as markdown."""
    links = []
    if item.doi:
        links.append(f"[DOI {item.doi}](https://doi.org/{item.doi})")
    if item.pmid:
        links.append(f"[PMID {item.pmid}](https://pubmed.ncbi.nlm.nih.gov/{item.pmid}/)")
    if not links and item.url:
        links.append(f"[link]({item.url})")
    return " · ".join(links)


def where(item: Citation | Passage) -> str:
    """Section, and page when the source has pages."""
    return item.section + (f" · p. {item.page}" if item.page is not None else "")


@dataclass(frozen=True)
class Quoted:
    """What an answer quotes from its sources: sentences, and table rows as their cells."""

    sentences: frozenset[str]
    rows: frozenset[tuple[str, ...]]


def quoted_by(answer: Answer) -> dict[int, Quoted]:
    """For each citation number, the sentences and dosing rows of the answer that cite it."""
    sentences: dict[int, set[str]] = {}
    rows: dict[int, set[tuple[str, ...]]] = {}
    for line in answer.answer.splitlines():
        text = line.strip()
        if text.startswith("|"):
            cells = split_cells(text)
            numbers = [int(n) for n in CITATION_MARK.findall(cells[-1])]
            for n in numbers:
                rows.setdefault(n, set()).add(tuple(cells[:-1]))
        elif text:
            numbers = [int(n) for n in CITATION_MARK.findall(text)]
            sentence = CITATION_MARK.sub("", text.removeprefix("- ")).strip()
            for n in numbers:
                sentences.setdefault(n, set()).add(sentence)
    return {c.n: Quoted(frozenset(sentences.get(c.n, ())), frozenset(rows.get(c.n, ()))) for c in answer.citations}


def highlighted(text: str, quoted: Quoted) -> str:
    """The passage as markdown (HTML escaped) with the quoted sentences and table rows marked."""
    rows = set(quoted.rows) | {
        tuple(unit.cells.values()) for unit in table_units(text, 0) if unit.cells and unit.text in quoted.sentences
    }
    marked = [html.escape(s, quote=False) for s in sorted(quoted.sentences, key=len, reverse=True)]
    lines = []
    for line in text.splitlines():
        if line.lstrip().startswith("|") and tuple(split_cells(line)) in rows:
            line = "| " + " | ".join(f"<mark>{html.escape(c, quote=False)}</mark>" for c in split_cells(line)) + " |"
        else:
            line = html.escape(line, quote=False)
            for sentence in marked:
                if sentence and sentence in line:
                    line = line.replace(sentence, f"<mark>{sentence}</mark>")
        lines.append(line)
    return "\n".join(lines)


def source_heading(item: Citation | Passage, number: int | None = None) -> str:
    """One markdown line: [n], title, year, "as of" date, type badge, DOI/PMID links."""
    parts = [f"**[{number}]**" if number is not None else "", f"**{item.title}**"]
    if item.year:
        parts.append(f"({item.year})")
    if item.effective:
        parts.append(f"· as of {item.effective}")
    parts.append(badge(item.doc_type))
    links = identifier_links(item)
    if links:
        parts.append(links)
    return " ".join(p for p in parts if p)


def render_sources(answer: Answer) -> None:
    """An expander listing each cited source with the passage and its quoted text highlighted."""
    if not answer.citations:
        return
    quoted = quoted_by(answer)
    with st.expander(f"Sources ({len(answer.citations)})", icon=":material/menu_book:"):
        for citation in answer.citations:
            st.markdown(source_heading(citation, citation.n))
            st.caption(where(citation))
            for line in citation.superseded:
                st.warning(line.capitalize(), icon=":material/history:")
            with st.container(border=True):
                st.markdown(highlighted(citation.text, quoted[citation.n]), unsafe_allow_html=True)


# ---------------------------------------------------------------------------------------------
# Answers
# ---------------------------------------------------------------------------------------------
def render_notices(answer: Answer) -> None:
    """One line each: abstention, statements the verifier removed (with reasons), other notices."""
    if answer.abstained:
        reason = f" ({answer.abstain_reason})" if answer.abstain_reason else ""
        st.info(f"{ABSTAINED_NOTICE}{reason}", icon=":material/block:")
    removed = answer.verification.removed
    if removed:
        st.warning(REMOVED_NOTICE.format(n=removed), icon=":material/rule:")
        with st.expander("Why they were removed"):
            st.markdown("\n".join(f"- {html.escape(reason, quote=False)}" for reason in answer.verification.reasons))
    for notice in answer.notices:
        st.caption(notice)


def render_answer(answer: Answer, answer_id: str, text_slot: Any = None) -> None:
    """An assistant turn: the answer, notices, sources, copy box and feedback.

    ``text_slot`` is the placeholder a new answer was streamed into; the verified text replaces
    what was streamed there (the same text for the extractive composer, not for an LLM's).
    """
    (text_slot or st).markdown(answer.answer)
    render_notices(answer)
    render_sources(answer)
    with st.expander("Copy answer with references", icon=":material/content_copy:"):
        st.code(answer.to_markdown(), language="markdown", wrap_lines=True)
    render_feedback(answer, answer_id)


# ---------------------------------------------------------------------------------------------
# Feedback
# ---------------------------------------------------------------------------------------------
def _history_before(answer_id: str) -> list[dict[str, str]]:
    """The chat's turns before the question of answer ``answer_id`` (the Chat page keeps them in "messages")."""
    turns: list[dict[str, str]] = []
    for message in st.session_state.get("messages", []):
        if message.get("id") == answer_id:
            return turns[:-1]  # the last turn is this answer's own question
        text = message["content"] if message["role"] == "user" else message["answer"].answer
        turns.append({"role": message["role"], "content": text})
    return []


def _save_feedback(answer: Answer, answer_id: str) -> None:
    config = settings(quiet=True)
    if config is None:
        return
    try:
        FeedbackStore.for_settings(config).record(
            Feedback(
                answer_id=answer_id,
                question=answer.question,
                query=answer.query,
                answer=answer.answer,
                rating=st.session_state.get(f"rating-{answer_id}"),
                comment=(st.session_state.get(f"comment-{answer_id}") or "").strip(),
                sources="; ".join(dict.fromkeys(c.doc_id for c in answer.citations)),
                abstained=answer.abstained,
                history=json.dumps(_history_before(answer_id)),
            )
        )
    except CartaError as exc:
        st.toast(f"Feedback not saved: {exc}", icon=":material/error:")
        return
    st.toast("Thank you: feedback saved.", icon=":material/check:")


def render_feedback(answer: Answer, answer_id: str) -> None:
    """Thumbs up/down, then an optional comment; each change updates the answer's row in SQLite."""
    left, right = st.columns([1, 4], vertical_alignment="center")
    with left:
        rating = st.feedback("thumbs", key=f"rating-{answer_id}", on_change=_save_feedback, args=(answer, answer_id))
    if rating is not None:
        with right:
            st.text_input(
                "Comment (optional)",
                key=f"comment-{answer_id}",
                placeholder="What was wrong or missing? Press Enter to send.",
                label_visibility="collapsed",
                on_change=_save_feedback,
                args=(answer, answer_id),
            )


# ---------------------------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------------------------
def conversation_markdown(turns: Sequence[dict[str, Any]]) -> str:
    """The conversation as Markdown: each question, each answer with its references, and the disclaimer."""
    parts = ["# Carta conversation", f"_{DISCLAIMER}_"]
    for turn in turns:
        if turn["role"] == "user":
            parts.append(f"## {turn['content']}")
        else:
            parts.append(turn["answer"].to_markdown())
    return "\n\n".join(parts) + "\n"
