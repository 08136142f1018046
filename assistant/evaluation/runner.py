"""Answer every item with each configuration and score it: retrieval, rubric, citations, abstention.

Each item goes through the configuration's ``invoke`` exactly as a user's question would, with its
history; retrieval is scored separately on the top documents for the query that answer searched.
"""

from __future__ import annotations

import hashlib
import statistics
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from assistant.answer import Answer
from assistant.answering.prompts import LLM_FALLBACK
from assistant.errors import CartaError
from assistant.evaluation import scoring
from assistant.evaluation.baselines import Answerer
from assistant.evaluation.questions import Item
from assistant.stats import percentile

#: Passages retrieved for the retrieval metrics (recall@10 and nDCG@10 need ten).
RETRIEVAL_K = 10
Progress = Callable[[int, int, str], None]


@dataclass
class ItemResult:
    """One item answered by one configuration: the answer, every score, and why it failed."""

    config: str
    id: str
    category: str
    difficulty: int
    question: str
    query: str
    answer: str
    abstained: bool
    abstain: bool
    citations: list[dict[str, Any]]
    passed: bool
    grade: str
    points: float
    possible: float
    fraction: float
    key_fact_coverage: float | None
    missed: list[str]
    violated: list[str]
    gold_docs: list[str]
    ranked_docs: list[str]
    recall_at_1: float | None
    recall_at_5: float | None
    recall_at_10: float | None
    mrr: float | None
    ndcg_at_10: float | None
    citation_problems: list[str]
    numbers: int
    ungrounded_numbers: list[str]
    support: list[float]
    words: int
    latency_ms: float
    reasons: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # what the user was told beside the answer
    fallback: bool = False  # a configured LLM did not answer: the extractive composer did
    split: str = "dev"
    # What the Evaluation page shows and compares (absent from runs written before issue 14).
    history: list[dict[str, str]] = field(default_factory=list)
    verdict: str = ""  # "pass", "fail", or "unsafe" (a must_not_include statement matched)
    facts: list[dict[str, Any]] = field(default_factory=list)  # {fact, pattern, points, found} per key fact
    gold_ranks: dict[str, int | None] = field(default_factory=dict)  # each gold document's rank, None if absent
    abstain_reason: str | None = None
    removed: list[str] = field(default_factory=list)  # why the verifier removed each statement it removed
    top_similarity: float | None = None  # what the abstention threshold is compared with; None if never searched
    answer_hash: str = ""  # the answer and what it cites: a human grade holds while this holds
    item_hash: str = ""  # the item as graded: a comparison tells an edited item from a changed answer
    failure_class: str | None = None  # the issue-17 failure class the item tests
    known_gap: str | None = None  # why the item is known to fail: reported in set "gaps", not gated
    paraphrase_of: str | None = None
    lead: str = ""  # the answer's lead line (scoring.lead_line)
    checks_lead: bool = False  # the item lists wrong_lead patterns
    wrong_lead: list[str] = field(default_factory=list)  # the wrong-lead facts the lead matched

    def to_json_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json_dict(cls, row: dict[str, Any]) -> ItemResult:
        """One line of results.jsonl; keys this version does not know (a newer run's) are left out, and a
        run written before verdicts were recorded gets its verdict from its scores."""
        known = cls.__dataclass_fields__
        result = cls(**{key: value for key, value in row.items() if key in known})
        result.verdict = result.verdict or verdict(result.passed, result.violated)
        return result


def verdict(passed: bool, violated: Collection[str]) -> str:
    """The automatic verdict: "unsafe" when a harmful statement matched, else "pass" or "fail"."""
    return "unsafe" if violated else ("pass" if passed else "fail")


def answer_hash(answer: Answer) -> str:
    """A short hash of the answer text and the chunks it cites: equal hashes mean the reader saw the same answer."""
    cited = "\n".join(c.chunk_id for c in answer.citations)
    return hashlib.sha256(f"{answer.answer}\n\x00{cited}".encode()).hexdigest()[:16]


def item_hash(item: Item) -> str:
    """A short hash of the item's whole definition (question, history, facts, gold documents, split)."""
    return hashlib.sha256(item.model_dump_json().encode()).hexdigest()[:16]


def _answer(answerer: Answerer, item: Item) -> tuple[Answer, float]:
    """The answer and its wall-clock latency; a refused question is an abstention with no query (never searched)."""
    started = time.perf_counter()
    try:
        answer = answerer.invoke(item.question, item.history)
    except CartaError as exc:
        answer = Answer(question=item.question, query="", answer=f"error: {exc}", abstained=True)
    return answer, (time.perf_counter() - started) * 1000


def score(
    config: str,
    item: Item,
    answer: Answer,
    ranked: list[str],
    indexed: Collection[str],
    ms: float,
    top_similarity: float | None = None,
) -> ItemResult:
    """Every score of one answer; ``ranked`` is the retriever's top documents for the item's query and
    ``top_similarity`` the best question-passage similarity that search found (None: never searched)."""
    points = scoring.score_points(answer.answer, item.must_include, item.must_not_include)
    lead = "" if answer.abstained else scoring.lead_line(answer.answer)
    wrong = scoring.wrong_leads(lead, item.wrong_lead) if lead else []
    words = 0 if answer.abstained else scoring.answer_words(answer.answer)
    padded = (words, item.max_words) if item.max_words is not None and words > item.max_words else None
    reasons = scoring.failure_reasons(points, answer.abstained, item.abstain, len(answer.citations), wrong, padded)
    fraction = scoring.points_fraction(points, passed=not reasons)
    by_number = {c.n: c for c in answer.citations}
    found = [] if answer.abstained else scoring.sentences(answer.answer)
    numbers, ungrounded = scoring.ungrounded_numbers(found, by_number)
    problems = scoring.citation_problems(answer.answer, {c.n: c.chunk_id for c in answer.citations}, indexed)
    gold = item.gold_docs
    retrieval = {
        "recall_at_1": scoring.recall_at(ranked, gold, 1),
        "recall_at_5": scoring.recall_at(ranked, gold, 5),
        "recall_at_10": scoring.recall_at(ranked, gold, RETRIEVAL_K),
        "mrr": scoring.reciprocal_rank(ranked, gold),
        "ndcg_at_10": scoring.ndcg_at(ranked, gold, RETRIEVAL_K),
    }
    flags = [*problems, *(f"number not in its cited passages: {n}" for n in ungrounded)]
    if gold and not retrieval["recall_at_10"]:
        flags.append(f"no gold document in the top {RETRIEVAL_K}")
    fallback = any(notice.startswith(LLM_FALLBACK) for notice in answer.notices)
    if fallback:
        flags.append("the LLM did not answer: this is the extractive fallback")
    return ItemResult(
        config=config,
        id=item.id,
        category=item.category,
        difficulty=item.difficulty,
        question=item.question,
        query=answer.query,
        answer=answer.answer,
        abstained=answer.abstained,
        abstain=item.abstain,
        citations=[c.model_dump(exclude={"text"}) for c in answer.citations],  # the text stays in the index
        passed=not reasons,
        grade=scoring.grade(fraction),
        points=points.scored,
        possible=points.possible,
        fraction=round(fraction, 4),
        key_fact_coverage=points.key_fact_coverage,
        missed=list(points.missed),
        violated=list(points.violated),
        gold_docs=list(gold),
        ranked_docs=ranked,
        **{name: (value if gold else None) for name, value in retrieval.items()},
        citation_problems=problems,
        numbers=numbers,
        ungrounded_numbers=ungrounded,
        support=[round(s, 4) for s in scoring.token_overlap_support(found, by_number)],
        words=words,
        latency_ms=round(ms, 2),
        reasons=reasons,
        flags=flags,
        notices=list(answer.notices),
        fallback=fallback,
        split=item.split,
        history=[turn.model_dump() for turn in item.history],
        verdict=verdict(not reasons, points.violated),
        facts=[
            {"fact": f.fact, "pattern": f.pattern, "points": f.points, "found": f.fact in points.matched}
            for f in item.must_include
        ],
        gold_ranks={doc: (ranked.index(doc) + 1 if doc in ranked else None) for doc in gold},
        abstain_reason=answer.abstain_reason,
        removed=list(answer.verification.reasons),
        top_similarity=None if top_similarity is None else round(top_similarity, 4),
        answer_hash=answer_hash(answer),
        item_hash=item_hash(item),
        failure_class=item.failure_class,
        known_gap=item.known_gap,
        paraphrase_of=item.paraphrase_of,
        lead=lead,
        checks_lead=bool(item.wrong_lead),
        wrong_lead=wrong,
    )


def evaluate(
    config: str,
    answerer: Answerer,
    items: Sequence[Item],
    progress: Callable[[str], None] | None = None,
) -> list[ItemResult]:
    """Answer and score every item with one configuration, after one untimed warm-up question."""
    indexed = answerer.retriever.passages
    _answer(answerer, items[0])
    results = []
    for item in items:
        answer, ms = _answer(answerer, item)
        # Retrieval is scored on the query the chain searched (screened, rewritten with the history, spelled out).
        found = answerer.retriever.search(answer.query, k=RETRIEVAL_K) if answer.query else None
        ranked = scoring.document_ranking(hit.passage.doc_id for hit in found.hits) if found else []
        similarity = found.best_similarity if found else None
        results.append(score(config, item, answer, ranked, indexed, ms, similarity))
        if progress:
            progress(f"{config}: {item.id}")
    return results


def run(
    answerers: Mapping[str, Answerer], items: Sequence[Item], progress: Progress | None = None
) -> dict[str, list[ItemResult]]:
    """Every configuration over every item; ``progress`` hears (done, total, what) after each answer."""
    total = len(answerers) * len(items)
    done = 0

    def step(what: str) -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, total, what)

    return {name: evaluate(name, answerer, items, step) for name, answerer in answerers.items()}


def _mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.fmean(present) if present else None


def _share(value: float | None) -> tuple[float, float]:
    """A mean's part: the value over one item, or nothing when the item has no value."""
    return (0.0, 0.0) if value is None else (float(value), 1.0)


#: The figures that are one ratio over items (a mean counts one per item that has a value); the
#: others are spreads().
RATIO_FIGURES = (
    "pass_rate", "points", "key_fact_coverage", "recall_at_1", "recall_at_5", "recall_at_10", "mrr", "ndcg_at_10",
    "citation_validity", "number_grounding", "token_overlap_support", "abstention_accuracy", "abstention_precision",
    "abstention_recall", "words_mean", "wrong_setting_lead", "fallback_rate",
)  # fmt: skip
LATENCY_FIGURES = {"latency_p50_ms": 50, "latency_p95_ms": 95}
RETRIEVAL_FIGURES = ("recall_at_1", "recall_at_5", "recall_at_10", "mrr", "ndcg_at_10")


def parts(r: ItemResult) -> dict[str, tuple[float, float]]:
    """One result's (numerator, denominator) in each ratio figure: the one definition of those figures,
    which metrics() sums and a comparison's bootstrap resamples."""
    answered = not r.abstained
    none = (0.0, 0.0)
    return {
        "pass_rate": _share(float(r.passed)),
        "points": _share(r.fraction),
        "key_fact_coverage": _share(r.key_fact_coverage),
        **{name: _share(getattr(r, name)) for name in RETRIEVAL_FIGURES},
        "citation_validity": _share(float(not r.citation_problems)) if answered else none,
        "number_grounding": (float(r.numbers - len(r.ungrounded_numbers)), float(r.numbers)) if answered else none,
        "token_overlap_support": (sum(r.support), float(len(r.support))) if answered else none,
        **scoring.abstention_parts(r.abstain, r.abstained),
        "words_mean": _share(float(r.words)) if answered else none,
        "wrong_setting_lead": _share(float(bool(r.wrong_lead))) if answered and r.checks_lead else none,
        "fallback_rate": _share(float(r.fallback)),
    }


def paraphrase_groups(results: Iterable[ItemResult]) -> dict[str, list[ItemResult]]:
    """The results grouped by original (an original with its paraphrases), keyed by the original's id."""
    groups: dict[str, list[ItemResult]] = {}
    for result in results:
        groups.setdefault(result.paraphrase_of or result.id, []).append(result)
    return groups


def consistency(groups: Iterable[Sequence[ItemResult]]) -> float | None:
    """Paraphrase consistency of the groups: the share of groups with paraphrases whose items all pass."""
    return scoring.paraphrase_consistency([r.passed for r in group] for group in groups)


def metrics(results: Sequence[ItemResult]) -> dict[str, float | None]:
    """The figures of one configuration over a list of item results (the thresholds' keys)."""
    return {"items": len(results), **scoring.ratios((parts(r) for r in results), RATIO_FIGURES), **spreads(results)}


def spreads(results: Sequence[ItemResult]) -> dict[str, float | None]:
    """The figures that are not one ratio over items: the median answer length, paraphrase consistency
    (over groups of items) and the latency percentiles."""
    answered = [r.words for r in results if not r.abstained]
    latencies = [r.latency_ms for r in results]
    return {
        "words_median": float(statistics.median(answered)) if answered else None,
        "paraphrase_consistency": consistency(paraphrase_groups(results).values()),
        **{key: percentile(latencies, q) for key, q in LATENCY_FIGURES.items()},
    }


def by_category(results: Sequence[ItemResult], key: str = "category") -> dict[str, dict[str, float | None]]:
    """Pass rate, points, key-fact coverage and recall@5 for each category (or other ``key`` of a result,
    such as "failure_class"), in the set's order; results whose key is None are left out."""
    groups: dict[str, list[ItemResult]] = {}
    for result in results:
        if (value := getattr(result, key)) is not None:
            groups.setdefault(value, []).append(result)
    return {
        category: {
            "items": len(group),
            "pass_rate": _mean(float(r.passed) for r in group),
            "points": _mean(r.fraction for r in group),
            "key_fact_coverage": _mean(r.key_fact_coverage for r in group),
            "recall_at_5": _mean(r.recall_at_5 for r in group),
        }
        for category, group in groups.items()
    }


#: The item sets reported (and gated) apart, by what an item result is (evals/SCHEMA.md). "base" holds the
#: items of no issue-17 class and no paraphrase: the items the long-standing gates were set on. "dev" and
#: "test" are the two splits' originals; the paraphrases of both splits form their own set. "gaps" holds the
#: dev items marked ``known_gap`` (written before the code that will answer them, still failing): they are
#: reported there and left out of every other set, so a gate measures what Carta already does.
ITEM_SETS: dict[str, Callable[[ItemResult], bool]] = {
    "base": lambda r: r.known_gap is None and r.failure_class is None and r.paraphrase_of is None,
    "dev": lambda r: r.known_gap is None and r.split == "dev" and r.paraphrase_of is None,
    "test": lambda r: r.split == "test" and r.paraphrase_of is None,
    "new": lambda r: r.known_gap is None and r.failure_class is not None and r.paraphrase_of is None,
    "paraphrases": lambda r: r.known_gap is None and r.paraphrase_of is not None,
    "gaps": lambda r: r.known_gap is not None,
}


def by_item_set(results: Sequence[ItemResult]) -> dict[str, dict[str, float | None]]:
    """The figures of each item set that holds at least one of the results.

    A set's paraphrase consistency is measured over the groups that have a member in the set (for
    "test", its originals with their paraphrases), since a group needs its original. Outside "gaps", a
    group's known gaps are left out of it, as they are left out of the set: a paraphrase written before the
    code that answers it does not lower the gate on what Carta already does (the figure over every item
    keeps them).
    """
    groups = paraphrase_groups(results).values()
    out = {}
    for name, member in ITEM_SETS.items():
        subset = [r for r in results if member(r)]
        if subset:
            kept = groups if name == "gaps" else [[r for r in group if r.known_gap is None] for group in groups]
            touched = [group for group in kept if any(member(r) for r in group)]
            out[name] = {**metrics(subset), "paraphrase_consistency": consistency(touched)}
    return out
