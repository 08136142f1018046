"""What every page shares: settings, the chain (loaded once per process), sidebar filters, banners, and
where an answer, its sources and its feedback go on the page. What they say (markdown, HTML, plain text)
comes from `assistant.rendering`; pages hold layout only.
"""

from __future__ import annotations

import html
import json
import logging
import sys
import time
from datetime import date
from typing import Any

import streamlit as st

from assistant import rendering
from assistant.answer import Answer
from assistant.answering.chain import AnswerChain
from assistant.documents import doc_type_label
from assistant.errors import CartaError
from assistant.feedback import Feedback, FeedbackStore
from assistant.ingest import index_is_stale
from assistant.retrieval.retriever import Filters
from assistant.settings import Settings, load_settings

# ---------------------------------------------------------------------------------------------
# Texts a clinician could question, in one place.
# ---------------------------------------------------------------------------------------------
#: Offered on an empty chat, one of each kind a fellow asks: a dose, a grade from findings, a next step,
#: the evidence. Each is answered from the corpus (checked with `carta ask`).
EXAMPLE_QUESTIONS = (
    "What dose of tocilizumab for grade 2 CRS?",
    "Fever 39 °C and hypotension needing one vasopressor: what CRS grade?",
    "Grade 2 ICANS not improving on dexamethasone: what next?",
    "Is there evidence for emapalumab in adult IEC-HS?",
)
#: Under the examples: what Carta will not do.
LIMITS_NOTICE = (
    "Carta quotes its indexed guidelines, labels and studies and cites each statement; it will not invent "
    "a dose or answer beyond those sources, and says so when they hold no answer."
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
log = logging.getLogger("carta.ui")
if not log.handlers:
    _handler = logging.StreamHandler(sys.stderr)
    _handler.setFormatter(logging.Formatter("%(asctime)s carta.ui %(message)s"))
    log.addHandler(_handler)
    log.setLevel(logging.INFO)
    log.propagate = False

FILTERS_KEY = "carta_filters"
#: The sidebar's filter widgets.
FILTER_KEYS = ("filter_types", "filter_products", "filter_years")
#: How long the stale-index banner trusts its last check: the check hashes the corpus (~0.25 s), too
#: slow for every rerun; the Library page always checks afresh.
STALE_CHECK_TTL_S = 600
#: Run once under a new answer. The app keeps a chat scrolled to its end, so a long answer (a dose
#: table) would open on its last lines. This brings the question and the start of the answer into view
#: once the page has stopped scrolling (a scroll right after the app's own is undone by it) and tells
#: the app's scroll handler at once (else it can scroll back to the end first), checks for
#: five seconds that the app has not scrolled back while the answer settles, and gives up as soon as
#: the reader scrolls or touches the page.
SHOW_ANSWER_START = """<script>
(() => {
  const box = document.querySelector('[data-testid="stAppScrollToBottomContainer"]');
  let last = Date.now(), tries = 34;
  const moved = () => { last = Date.now(); };
  const stop = () => { tries = 0; };
  for (const name of ["wheel", "touchstart", "keydown", "mousedown"]) {
    window.addEventListener(name, stop, {once: true, capture: true});
  }
  if (box) box.addEventListener("scroll", moved, {passive: true});
  const show = () => {
    const turns = document.querySelectorAll('[data-testid="stChatMessage"]');
    const question = turns[turns.length - 2];
    if (!question || tries-- <= 0) {
      if (box) box.removeEventListener("scroll", moved);
      return;
    }
    const top = question.getBoundingClientRect().top;
    if ((top < 0 || top > 120) && Date.now() - last > 200) {
      question.scrollIntoView({block: "start", behavior: "instant"});
      // Tell the app at once that the reader is no longer at the end, before it scrolls back there.
      if (box) box.dispatchEvent(new Event("scroll"));
    }
    setTimeout(show, 150);
  };
  setTimeout(show, 300);
})();
</script>"""


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
def sidebar_filters(loaded: AnswerChain) -> Filters:
    """Document type, product and year filters, drawn in the sidebar and kept for every page."""
    passages = loaded.retriever.passages.values()
    doc_types = sorted({p.doc_type for p in passages})
    products = sorted({product for p in passages for product in p.products})
    years = sorted({p.year for p in passages if p.year})
    with st.sidebar:
        st.subheader("Filters")
        chosen_types = st.multiselect(
            "Document type",
            doc_types,
            format_func=doc_type_label,
            key="filter_types",
            placeholder="All types",
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


def keep_filters() -> None:
    """Keep the filter choices while a page without the sidebar shows: Streamlit forgets the value of a
    widget that a run does not draw, unless the value is set again as session state."""
    for key in FILTER_KEYS:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


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
def render_sources(answer: Answer) -> None:
    """An expander listing each cited source with the passage and its quoted text highlighted."""
    if not answer.citations:
        return
    quoted = rendering.quoted_by(answer)
    with st.expander(f"Sources ({len(answer.citations)})", icon=":material/menu_book:"):
        for citation in answer.citations:
            st.markdown(rendering.source_heading(citation, citation.n))
            st.caption(rendering.where(citation))
            for line in citation.superseded:
                st.warning(line.capitalize(), icon=":material/history:")
            with st.container(border=True):
                st.markdown(rendering.highlighted(citation.text, quoted[citation.n]), unsafe_allow_html=True)


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


def render_text(answer: Answer) -> None:
    """The answer's statements, and its dose table as a table on a wide screen and cards on a phone."""
    parts = rendering.body(answer)
    table = rendering.answer_table(answer, parts)
    if table is None:
        st.markdown(answer.answer)
        return
    if parts.lines:
        st.markdown(parts.lead)
    st.html(table)


def render_answer(answer: Answer, answer_id: str, answered: date, text_slot: Any = None) -> None:
    """An assistant turn: the answer, notices, sources, the text to copy into a chart, and feedback.

    ``text_slot`` is the placeholder a new answer was streamed into; the verified answer replaces
    what was streamed there (the same text for the extractive composer, not for an LLM's).
    """
    with (text_slot or st).container():
        render_text(answer)
    render_notices(answer)
    render_sources(answer)
    with st.expander("Copy for the chart", icon=":material/content_copy:"):
        st.caption("Plain text with the references and today's date; the copy button is at the box's top right.")
        st.code(rendering.chart_text(answer, answered), language=None)
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
