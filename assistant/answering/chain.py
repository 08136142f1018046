"""The answer chain every consumer calls: question (+ history) -> rewrite -> retrieve -> compose -> verify.

It is a LangChain Runnable, so an LLM composer can replace the extractive one behind the same
interface.

>>> chain = AnswerChain.load(Settings())                                 # doctest: +SKIP
>>> chain.invoke("Is there evidence for emapalumab in adult IEC-HS?").abstained  # doctest: +SKIP
False
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from langchain_core.runnables import Runnable, RunnableLambda

from assistant.answer import Answer, AnswerStatement, Citation, Verification, render_markdown
from assistant.answering.abstention import local_first
from assistant.answering.compose import ExtractiveComposer
from assistant.answering.declared import Topic, declarations
from assistant.answering.draft import Draft, Statement, joined
from assistant.answering.guard import screen
from assistant.answering.prompts import (
    ABSTAIN_MESSAGE,
    ALL_REMOVED_NOTICE,
    CASE_REPORTS_NOTICE,
    LLM_FALLBACK_NOTICE,
    NOTHING_MORE_MESSAGE,
)
from assistant.answering.question import (
    TREATING,
    Ask,
    Asked,
    Intent,
    ParsedQuestion,
    asks_workup,
    classify,
    trials_in,
    without_local,
)
from assistant.answering.rules import ComposerRules
from assistant.answering.scope import diseases, flaring, foreign_subject, patient_context
from assistant.answering.scoring import specialised_words, unknown_share
from assistant.answering.shapes.evidence import STUDY_TYPES
from assistant.answering.shapes.overview import asks_overview
from assistant.answering.shapes.rates import REFERENCE_TYPES, asks_rates_across_products
from assistant.answering.spelling import fix_typos
from assistant.answering.units import Unit, units_of
from assistant.answering.verify import Claim, verify
from assistant.conversation import Turn, asks_for_more, asks_one_outcome, entities, follow_up, rewrite
from assistant.embeddings import common_words
from assistant.errors import CartaError, UsageError
from assistant.lexicon import lexicon
from assistant.passage import Passage
from assistant.retrieval.retriever import HybridRetriever, Retrieval, ScoredPassage, section_setting
from assistant.retrieval.synonyms import spell_out, synonym_vocabulary
from assistant.settings import Settings


@dataclass(frozen=True)
class IndexScans:
    """What the chain reads off the whole index once, when it is built, instead of on the first question
    that needs it: the passages declaring topics absent (``not_captured``) with their topics read, the
    documents that hold a table (a ladder's next step may sit in one the search did not reach), the sections on
    managing each toxicity and the label or trial sections on it with one product (a question on how one is managed,
    or how common it is, reads them all), and the words a typo is put right to (the index's and the lexicon's)."""

    catalogue: list[Passage]
    declared: list[tuple[str, Unit]]
    table_documents: list[str]
    vocabulary: frozenset[str]
    managing: dict[str, list[Passage]] = field(default_factory=dict)
    occurring: dict[str, list[Passage]] = field(default_factory=dict)

    @classmethod
    def of(cls, passages: Iterable[Passage], indexed_words: Iterable[str]) -> IndexScans:
        every = list(passages)
        catalogue = [p for p in every if p.not_captured]
        declared = declarations(units_of(catalogue), catalogue)
        for topic, unit in declared:
            Topic.read(topic, catalogue[unit.passage].title)  # cached: the first question does not read them
        tables = list(dict.fromkeys(p.doc_id for p in every if p.kind == "table"))
        manage = lexicon().reading_patterns["asks.manage"]
        managing: dict[str, list[Passage]] = {}
        occurring: dict[str, list[Passage]] = {}
        for passage in every:
            # "Grade 3 CRS management (ASCO 2021)": a section naming a toxicity first and how it is managed.
            first = section_setting(passage.section)[0]
            if first and manage.search(passage.section):
                managing.setdefault(first, []).append(passage)
            # "CRS with Yescarta (axi-cel) in ZUMA-1": a label's or trial's section on a toxicity with a product.
            named = entities(passage.section)
            if passage.doc_type in REFERENCE_TYPES and named.get("product"):
                for toxicity in named.get("toxicity", []):
                    occurring.setdefault(toxicity, []).append(passage)
        vocabulary = frozenset(indexed_words) | synonym_vocabulary()
        return cls(catalogue, declared, tables, vocabulary, managing, occurring)


@dataclass
class _State:
    """What flows between the chain's steps."""

    question: str
    history: list[Turn]
    query: str = ""
    carried: str = ""  # the part of the query a follow-up carried from earlier turns
    intent: Intent = Intent.GENERAL
    parsed: ParsedQuestion | None = None
    retrieval: Retrieval | None = None
    passages: list[Passage] = field(default_factory=list)
    draft: Draft | None = None
    shown: list[str] = field(default_factory=list)  # earlier answers, when the user asked for more
    out_of_scope: bool = False
    notices: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)


def clean_question(question: str, limit: int) -> str:
    """Strip control characters and surrounding space; refuse empty and over-long questions."""
    text = "".join(ch for ch in str(question) if unicodedata.category(ch) != "Cc" or ch in "\n\t")
    text = text.strip()
    if not text:
        msg = "the question is empty; ask about CAR-T toxicity, e.g. 'tocilizumab dose for grade 2 CRS'"
        raise UsageError(msg)
    if len(text) > limit:
        msg = f"the question is {len(text):,} characters long; the limit is {limit:,}"
        raise UsageError(msg)
    if not re.search(r"\w", text):
        msg = "the question has no words in it"
        raise UsageError(msg)
    return text


@dataclass(frozen=True)
class Found:
    """What the chain searched for a question and what it found, before any composing."""

    question: str
    query: str
    hits: list[ScoredPassage]
    passages: list[Passage]  # the hits, then sibling sections of the top documents: what composers read


class Composer(Protocol):
    """What the chain needs of a composer: passages in, a draft of cited statements out."""

    def run(self, question: str, passages: Sequence[Passage], intent: Intent) -> Draft: ...


class AnswerChain:
    """Retriever plus composer, wrapped as one Runnable that returns an ``Answer``.

    The extractive composer is the default and the fallback: when a configured LLM fails, the
    answer is composed extractively and carries a notice saying so.
    """

    def __init__(
        self,
        retriever: HybridRetriever,
        composer: Composer | None = None,
        notices: Sequence[str] = (),
        rules: ComposerRules | None = None,
        scans: IndexScans | None = None,
    ) -> None:
        self.retriever = retriever
        self.settings = retriever.settings
        self.extractive = ExtractiveComposer(retriever.idf, rules, common_words(self.settings.model_path))
        self.composer: Composer = composer or self.extractive
        self.notices = list(notices)
        self.scans = scans or IndexScans.of(retriever.passages.values(), retriever.idf)
        self.runnable: Runnable[dict[str, Any], Answer] = (
            RunnableLambda(self._prepare)
            | RunnableLambda(self._retrieve)
            | RunnableLambda(self._compose)
            | RunnableLambda(self._finish)
        )

    @classmethod
    def load(cls, settings: Settings, **retriever_options: Any) -> AnswerChain:
        """The chain for ``settings``: extractive, or the configured LLM behind the verifier.

        ``retriever_options`` go to ``HybridRetriever.load`` (``embeddings=``, ``mode=``, ...).
        """
        retriever = HybridRetriever.load(settings, **retriever_options)
        if settings.llm_backend == "none":
            return cls(retriever)
        from assistant.answering.llm import LLMComposer, chat_model

        try:
            return cls(retriever, LLMComposer(chat_model(settings), settings.llm_passages))
        except CartaError as exc:
            return cls(retriever, notices=[LLM_FALLBACK_NOTICE.format(reason=exc)])

    def with_retriever(self, retriever: HybridRetriever) -> AnswerChain:
        """The same composer over another retriever variant (filters, baselines); a variant of the same index
        keeps the chain's scans of it."""
        composer = None if self.composer is self.extractive else self.composer
        scans = self.scans if retriever.passages is self.retriever.passages else None
        return AnswerChain(retriever, composer, self.notices, self.extractive.rules, scans)

    def with_rules(self, rules: ComposerRules) -> AnswerChain:
        """The same retriever with other composer rules (``carta eval --ablate``)."""
        composer = None if self.composer is self.extractive else self.composer
        return AnswerChain(self.retriever, composer, self.notices, rules, self.scans)

    def invoke(self, question: str, history: Sequence[Turn | dict[str, str]] | None = None) -> Answer:
        graded = self._graded(question, history)
        if graded is not None:
            return graded
        return self.runnable.invoke({"question": question, "history": history or []})

    def _graded(self, question: str, history: Sequence[Turn | dict[str, str]] | None) -> Answer | None:
        """A question with findings that asks for a grade is answered by the grading scale (issue 13)."""
        from assistant.grading.chat import graded_answer

        turns = [t if isinstance(t, Turn) else Turn.model_validate(t) for t in history or []]
        return graded_answer(self, clean_question(question, self.settings.max_question_chars), turns)

    def retrieve(self, question: str, history: Sequence[Turn | dict[str, str]] | None = None) -> Found:
        """Screen, rewrite and search exactly as ``invoke`` does, without composing (baselines, tests)."""
        state = self._retrieve(self._prepare({"question": question, "history": history or []}))
        assert state.retrieval is not None
        return Found(state.question, state.query, state.retrieval.hits, self._reading(state))

    def stream(self, question: str, history: Sequence[Turn | dict[str, str]] | None = None) -> Iterator[str | Answer]:
        """Text as it is composed, then the verified ``Answer`` as the last item.

        With an LLM the text is the model's raw stream; the final Answer is what survived
        verification, and the UI replaces the streamed text with it.
        """
        graded = self._graded(question, history)
        if graded is not None:
            yield from (line + "\n" for line in graded.answer.splitlines())
            yield graded
            return
        state = self._retrieve(self._prepare({"question": question, "history": history or []}))
        stream = getattr(self.composer, "stream", None)
        if stream is None or self._out_of_scope(state):
            answer = self._finish(self._compose(state))
            yield from (line + "\n" for line in answer.answer.splitlines())
            yield answer
            return
        started = time.perf_counter()
        state.passages = self._reading(state)
        pieces: list[str] = []
        try:
            for piece in stream(state.query, state.passages):
                pieces.append(piece)
                yield piece
            from assistant.answering.llm import parse

            state.draft = parse("".join(pieces), min(len(state.passages), self.settings.llm_passages))
        except Exception as exc:  # any LLM failure falls back to the extractive answer
            state.draft = self._fallback(state, exc)
        state.timings["compose"] = (time.perf_counter() - started) * 1000
        yield self._finish(state)

    def _prepare(self, data: dict[str, Any]) -> _State:
        started = time.perf_counter()
        question = clean_question(data["question"], self.settings.max_question_chars)
        history = [t if isinstance(t, Turn) else Turn.model_validate(t) for t in data.get("history") or []]
        screened = screen(question)
        state = _State(question=question, history=history, notices=[*self.notices, *screened.notices])
        # "tocilizumsb" typed on a phone is read as "tocilizumab" by everything after.
        typed = fix_typos(screened.query, self.scans.vocabulary, common_words(self.settings.model_path))
        state.query = spell_out(rewrite(typed, history))
        state.carried = spell_out(follow_up(typed, history)[1])
        if asks_for_more(screened.query, history):
            state.shown = [turn.content for turn in history if turn.role == "assistant"]
        own = spell_out(typed)
        state.intent = asked_intent(own, state.query)
        # "CRS gr4 — next?" on no step the conversation gave is read as asking what to do (``on_no_step``).
        state.parsed = ParsedQuestion.read(state.query, state.intent, state.carried).on_no_step(
            bool(given_steps(history))
        )
        if history and state.parsed.intent in TREATMENT_INTENTS and asks_tests_only(own):
            # "imaging?" after "gr3 ICANS tx?" asks which tests in that setting, not the treatment asked before.
            state.parsed = state.parsed.model_copy(
                update={"intent": Intent.GENERAL, "asks": [a for a in state.parsed.asks if a not in TREATING]}
            )
        state.intent = state.parsed.intent
        if history and not state.parsed.one_fact and asks_one_outcome(own):
            state.parsed = state.parsed.model_copy(update={"one_fact": "number"})  # "and OS?": one figure
        state.timings["rewrite"] = (time.perf_counter() - started) * 1000
        return state

    def _retrieve(self, state: _State) -> _State:
        started = time.perf_counter()
        # "Per our SOP" is searched for what it asks about: the local words only say whose protocol is wanted.
        state.retrieval = self.retriever.search(without_local(state.query))
        state.timings["retrieve"] = (time.perf_counter() - started) * 1000
        for stage, ms in state.retrieval.timings_ms.items():
            state.timings[f"retrieve_{stage}"] = ms
        return state

    def _out_of_scope(self, state: _State) -> str | None:
        """Why the question is outside what the index covers, or None; decided before any composer runs."""
        assert state.retrieval is not None
        # A question naming a CAR-T product, trial or toxicity is in scope however few words it has ("breyanzi — when
        # can they drive again?", "gr 3 CRS on one pressor, what do we do?": the model reads bedside words poorly);
        # one naming a product none the index holds is told so by the composer (unknown_studies). So is one naming a
        # drug, not a class ("toci redose?"): a drug for another field is told by the gates below ("croup").
        parsed = state.parsed
        drugs = [drug for drug in parsed.drugs if not lexicon().is_class(drug)] if parsed else []
        named = bool(parsed and (parsed.products or parsed.toxicities or drugs or trials_in(state.query)))
        if (
            state.retrieval.best_similarity < self.settings.abstain_threshold
            and not named
            and not (self.extractive.rules.absence_rescues and self._declaring(state))
        ):  # "CAPD items and points?" is answered by the statement that they were not captured
            return "no passage is similar enough to the question"
        everyday = common_words(self.settings.model_path)
        rules = self.extractive.rules
        idf, query = self.retriever.idf, state.query
        context = patient_context(query) if rules.patient_context else frozenset()
        if unknown_share(query, idf, everyday, rules, context) >= rules.max_unknown_share:
            return "the question's key terms do not occur in the indexed documents"
        foreign = foreign_subject(query, idf, everyday, rules.min_foreign_length) if rules.foreign_subject else []
        # A CAR-T toxicity, product or trial places the question in the field whatever drug it names; a drug alone
        # does not when a disease the corpus never names is asked about ("methylpred pulse for lupus nephritis?").
        in_field = bool(parsed and (parsed.products or parsed.toxicities or trials_in(query)))
        if not (foreign or in_field) and rules.foreign_condition:
            # The patient's disease is the subject here.
            specialised = specialised_words(query, idf, everyday, rules)
            foreign = diseases(specialised, query) or flaring(query, self.scans.vocabulary)
        if foreign:
            return f"the question is about {', '.join(foreign)}, which the indexed documents do not cover"
        return None

    def _compose(self, state: _State) -> _State:
        started = time.perf_counter()
        state.passages = self._reading(state)
        reason = self._out_of_scope(state)
        if reason:
            state.out_of_scope = True
            draft = Draft(abstained=True, reason=reason)
            # "Our unit's ... protocol?" with no local document found still hears that first.
            parsed = state.parsed
            state.draft = local_first(draft, parsed, state.passages, self.extractive.rules) if parsed else draft
        else:
            try:
                if self.composer is self.extractive:
                    state.draft = self._extract(state)
                else:
                    state.draft = self.composer.run(state.query, state.passages, state.intent)
            except Exception as exc:  # any LLM failure falls back to the extractive answer
                if self.composer is self.extractive:
                    raise
                state.draft = self._fallback(state, exc)
        state.timings["compose"] = (time.perf_counter() - started) * 1000
        return state

    def _fallback(self, state: _State, exc: Exception) -> Draft:
        reason = f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}" if str(exc) else type(exc).__name__
        state.notices.append(LLM_FALLBACK_NOTICE.format(reason=reason))
        return self._extract(state)

    def _extract(self, state: _State) -> Draft:
        """The extractive draft, told which words of the query a follow-up carried from earlier turns."""
        return self.extractive.run(
            state.query,
            state.passages,
            state.intent,
            state.carried,
            state.shown,
            given_steps(state.history),
            state.parsed,
        )

    def _reading(self, state: _State) -> list[Passage]:
        """The hits, best first, then the other sections of the top documents (small-to-big).

        Corpus sections are short, so the sentence that answers a question often sits in a sibling
        section of the best-matching document; the composer may quote it, citing its own chunk. A
        dose question also reads the tables of every document it found: that is where doses are. An
        evidence question reads every document it found whole: each study gets a line of its own.
        A grading question reads the tables of the documents it found, as a dose question does.
        """
        assert state.retrieval is not None
        passages = [hit.passage for hit in state.retrieval.hits]
        seen = {p.chunk_id for p in passages}
        rules = self.extractive.rules
        top = passages if state.intent is Intent.EVIDENCE else passages[: rules.read_whole_top]
        whole = dict.fromkeys(p.doc_id for p in top)
        # Doses and grade criteria sit in tables: a dose or grading question reads the tables of every
        # document it found ("gr3 ICANS criteria" finds the ASTCT rules section; the grade 3 row is in its table).
        tables = dict.fromkeys(p.doc_id for p in passages) if state.intent in rules.table_intents else {}
        parsed = state.parsed
        if parsed is not None and Ask.NEXT_STEP in parsed.asks and (parsed.toxicities or state.history):
            # A ladder's next step may sit in a dosing table the search did not reach: read them all.
            every = self.scans.table_documents
            tables = dict.fromkeys(every if len(every) <= rules.ladder_tables else (p.doc_id for p in passages))
        for doc_id in {**whole, **tables}:
            for sibling in self.retriever.document_passages(doc_id):
                if sibling.chunk_id not in seen and (doc_id in whole or sibling.kind == "table"):
                    seen.add(sibling.chunk_id)
                    passages.append(sibling)
        for sibling in self._toxicity_sections(state):
            if sibling.chunk_id not in seen:
                seen.add(sibling.chunk_id)
                passages.append(sibling)
        declaring = self._declaring(state)
        if declaring is not None and declaring.chunk_id not in seen:
            passages.append(declaring)  # "keppra ppx how long?": CARTOX's statement that it lacks the duration
        return passages

    def _toxicity_sections(self, state: _State) -> list[Passage]:
        """The sections a question on one toxicity as a whole reads besides what the search found: every section on
        managing it for "how is CRS treated?" (``shapes/overview.py``: one source's steps grade by grade), every label
        or trial section on it for "what % get CRS after CAR-T?" (``shapes/rates.py``: product by product)."""
        parsed, rules = state.parsed, self.extractive.rules
        if parsed is None or len(parsed.toxicities) != 1:
            return []
        asked = Asked.read(state.query, state.intent, state.carried)
        everyday = common_words(self.settings.model_path)
        if rules.management_overview and asks_overview(state.query, parsed, asked.core, everyday):
            return self.scans.managing.get(parsed.toxicities[0], [])
        if rules.rates_by_product and asks_rates_across_products(state.query, parsed, asked, everyday):
            return self.scans.occurring.get(parsed.toxicities[0], [])
        return []

    def _declaring(self, state: _State) -> Passage | None:
        """The indexed passage declaring absent a topic the question asks for (front matter ``not_captured``)."""
        assert state.parsed is not None
        scans = self.scans
        return self.extractive.declaring(
            state.query, state.parsed, state.intent, state.carried, scans.declared, scans.catalogue
        )

    def _finish(self, state: _State) -> Answer:
        started = time.perf_counter()
        assert state.draft is not None
        passages = state.passages
        draft = state.draft
        verification = Verification()
        notices = state.notices
        if not draft.abstained:
            sentences = [part for s in [*draft.statements, *draft.table] for part in s.sentences]
            claims = [Claim(s.text, tuple(passages[i] for i in s.sources)) for s in sentences]
            keep, verification = verify(claims, self.settings.min_support)
            kept = dict(zip(map(id, sentences), keep, strict=True))

            def survivors(lines: list[Statement]) -> list[Statement]:
                """Each line with its failed sentences removed; a line left with none is dropped."""
                out = []
                for line in lines:
                    parts = [part for part in line.sentences if kept[id(part)]]
                    if parts:
                        out.append(joined(parts, line.label) if line.parts else line)
                return out

            draft = Draft(statements=survivors(draft.statements), table=survivors(draft.table), gap=draft.gap)
            if not draft.statements and not draft.table and not draft.gap:
                draft.abstained = True
                notices.append(ALL_REMOVED_NOTICE)
        lines, table, citations = ([], [], []) if draft.abstained else structure(draft, passages)
        # Asked for more of an answered question, with nothing left that answers it.
        exhausted = bool(state.shown) and state.shown[-1] != ABSTAIN_MESSAGE and not state.out_of_scope
        studies = {c.doc_type for c in citations if c.doc_type in STUDY_TYPES}
        if state.intent is Intent.EVIDENCE and studies == {"case-report"}:
            notices.append(CASE_REPORTS_NOTICE)
        state.timings["verify"] = (time.perf_counter() - started) * 1000
        state.timings["total"] = (time.perf_counter() - state.started) * 1000
        return Answer(
            question=state.question,
            query=state.query,
            gap=draft.gap or None,
            answer=render_markdown(lines, table, draft.gap) or (NOTHING_MORE_MESSAGE if exhausted else ABSTAIN_MESSAGE),
            abstained=draft.abstained,
            abstain_reason=(draft.reason or "every statement failed verification") if draft.abstained else None,
            intent=state.intent.value,
            parsed=state.parsed,
            statements=lines,
            table=table,
            citations=citations,
            verification=verification,
            timings_ms={k: round(v, 2) for k, v in state.timings.items()},
            notices=notices,
        )


def asked_intent(own: str, query: str) -> Intent:
    """What a question asks for: a follow-up's ``own`` words decide when they ask something ("did it work?" after
    "what anakinra dose did Strati use?" asks for the evidence, not a dose); else the ``query`` with what it carried."""
    intent = classify(own)
    return classify(query) if intent is Intent.GENERAL and query != own else intent


#: What a question asks when it asks how to treat, read from its words: a follow-up asking tests asks neither.
TREATMENT_INTENTS = frozenset({Intent.MANAGEMENT, Intent.DOSING})


def asks_tests_only(own: str) -> bool:
    """Whether a follow-up's ``own`` words ask which tests to do ("imaging?", "LP too?") and nothing they would be
    read as otherwise: not a next step ("still seizing on EEG — next?")."""
    return asks_workup(own) and classify(own) is Intent.GENERAL and not TREATING & set(ParsedQuestion.read(own).asks)


def given_steps(history: Sequence[Turn]) -> list[str]:
    """What the conversation has already given: the first line of each earlier answer."""
    return [t.content.strip().splitlines()[0] for t in history if t.role == "assistant" and t.content.strip()]


def structure(draft: Draft, passages: list[Any]) -> tuple[list[AnswerStatement], list[AnswerStatement], list[Citation]]:
    """The draft's lines and table rows as answer statements, their sources numbered by first use, and the
    matching citations."""
    numbers: dict[int, int] = {}

    def cited(statement: Statement) -> list[int]:
        for source in statement.sources:
            numbers.setdefault(source, len(numbers) + 1)
        return [numbers[s] for s in statement.sources]

    def line(statement: Statement) -> AnswerStatement:
        parts = [
            AnswerStatement(text=part.text, citations=cited(part), cells=dict(part.cells) if part.cells else None)
            for part in statement.sentences
        ]
        if not statement.parts:
            return parts[0].model_copy(update={"label": statement.label})
        merged = list(dict.fromkeys(n for part in parts for n in part.citations))
        return AnswerStatement(text=statement.text, citations=merged, label=statement.label, parts=parts)

    lines = [line(s) for s in draft.statements]
    table = [line(row) for row in draft.table]
    citations = [
        Citation.from_passage(n, passages[source]) for source, n in sorted(numbers.items(), key=lambda p: p[1])
    ]
    return lines, table, citations
