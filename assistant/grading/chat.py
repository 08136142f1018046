"""A chat question that states findings and asks for a grade is answered by the scale, not by sentence matching.

The first line names the grade and the deciding criterion with its citation; then the rules applied and
the deciding domain's criteria at the adjacent grades, each quoted and cited; then what the sources say
to do at that grade (the answer chain asked the management question for that grade and toxicity). A
follow-up that only changes a finding ("and if she needs BiPAP?") re-grades with the findings of the
earlier turns. The chain calls ``graded_answer`` first and answers as usual when it returns None.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from assistant.answer import Answer, Citation
from assistant.answering.question import Ask, Intent, ParsedQuestion, classify, grades_in
from assistant.answering.verify import Claim, verify
from assistant.conversation import Turn, rewrite
from assistant.grading.core import FindingError, GradeResult, ScaleUnavailableError
from assistant.grading.findings import asks_grade, merge, read
from assistant.grading.scales import grade
from assistant.lexicon import lexicon
from assistant.retrieval.synonyms import spell_out

if TYPE_CHECKING:
    from assistant.answering.chain import AnswerChain

#: How each scale names its toxicity in an answer and in the management question.
TOXICITY = {"crs": "CRS", "icans": "ICANS", "capd": "ICANS", "icaht": "ICAHT", "hematotox": "hematotoxicity"}
SOURCE = {
    "crs": "ASTCT", "icans": "ASTCT, ICE", "capd": "ASTCT, CAPD", "icaht": "T-ICAHT, ASH proposal",
    "hematotox": "CAR-HEMATOTOX",
}  # fmt: skip
#: A follow-up that continues the same patient ("and if ...", "what if ...", "now ...").
FOLLOW_UP = re.compile(r"^\W*(?:and|what if|if|now|but|then|what about|how about)\b", re.IGNORECASE)
#: A question about the scale itself ("low vs high flow cutoff for CRS grading?"), not about a patient.
#: So is one asking what a grade requires ("still need fever to grade CRS once toci's been given?", "fever still
#: needed for CRS grade?", "does fever have to be present to grade CRS?"); not "needs 2 pressors, what grade?".
ABOUT_THE_SCALE = re.compile(
    r"\b(?:cut-?offs?|criteria|criterion|defin\w+|thresholds?|what makes)\b"
    r"|\b(?:need(?:ed)?|requires?|required|ha(?:ve|s) to be (?:present|there))\b[^?.;]{0,30}"
    r"\b(?:to grade|for (?:the )?(?:[\w-]+ )?grad(?:e|ing))\b"
    r"|\bgrad(?:e|ing)\s+(?:still\s+)?(?:need|require)s?\b",  # "does CRS grading still need a fever?"
    re.IGNORECASE,
)
#: Carried in the answer's notices; the chat shows a link to the Grade page beside it.
GRADED_NOTICE = "Graded by the {title} from the findings given; the Grade page shows the whole table."
#: The question the management part answers, asked as a clinician would: "How is grade 4 CRS managed?" drew lines
#: on how a source says CRS is managed over ASCO's grade 4 regimen.
MANAGEMENT_QUESTION = "grade {grade} {toxicity}: what do we do?"
#: ... and when the question names what was already given and asks what next ("got toci x2 and dex, still on 1
#: pressor — next?"): the step after it on the sources' ladder, not the first step again.
NEXT_STEP_QUESTION = "grade {grade} {toxicity}, no better after {given}: next step?"
#: Above the management part: a heading, so that it states nothing (no number) of its own.
MANAGEMENT_HEADING = "What the sources say to do at this grade"


def is_graded(answer: Answer) -> bool:
    """Whether a grading scale computed this answer (the chat links it to the Grade page)."""
    prefix = GRADED_NOTICE.split("{", 1)[0]
    return any(notice.startswith(prefix) for notice in answer.notices)


def findings_so_far(question: str, history: Sequence[Turn]) -> tuple[str, dict[str, Any], list[str]] | None:
    """(scale, findings, notices) for this question, with earlier turns' findings of the same patient, or None."""
    state: tuple[str, dict[str, Any]] | None = None
    texts = [t.content for t in history if t.role == "user"] + [question]
    for position, text in enumerate(texts):
        found = read(text)
        updated = False
        if found.scale is not None:
            if state and state[0] == found.scale and (FOLLOW_UP.match(text) or not asks_grade(text)):
                state, updated = (found.scale, merge(state[1], found.values)), True
            elif asks_grade(text):
                state, updated = (found.scale, found.values), True
        if position == len(texts) - 1 and updated and state:
            return state[0], state[1], found.notices
    return None


#: Findings that only say what was given ("after toci"): they change how a finding counts, but are none.
TREATMENT_ONLY = frozenset({"treated"})


def findings_to_act_on(question: str) -> tuple[str, dict[str, Any], list[str]] | None:
    """(scale, findings, notices) for a question that states findings, names no grade and asks what to do
    ("CRS on norepi + epi and BiPAP, what now?"): the grade the findings give picks what the sources say to
    do, and the answer shows that grade and its deciding criterion first. None for any other question."""
    if not asks_what_to_do(question) or grades_in(spell_out(question)):
        return None
    found = read(question)
    # A treatment already given grades nothing by itself: "CRS not improving after toci — next?" states no finding.
    if not found.scale or not set(found.values) - TREATMENT_ONLY:
        return None
    return found.scale, found.values, found.notices


def asks_what_to_do(question: str) -> bool:
    """Whether the question asks how to manage or what comes next ("what now?", "tx?"), not only the grade."""
    patterns = lexicon().reading_patterns
    return any(patterns[name].search(question) for name in ("asks.manage", "asks.next_step") if name in patterns)


def graded_answer(chain: AnswerChain, question: str, history: Sequence[Turn]) -> Answer | None:
    """The grade answer for a question with findings, or None when the question is not one."""
    started = time.perf_counter()
    if classify(question) is Intent.DOSING or ABOUT_THE_SCALE.search(question):
        return None
    # A follow-up that asks what to do ("SBP still 85, next?") is on a ladder the conversation started.
    found = findings_so_far(question, history) or (None if history else findings_to_act_on(question))
    if found is None:
        return None
    scale, values, notices = found
    try:
        result = grade(scale, values, chain.retriever.document_passages, notices)
    except FindingError:
        return None  # findings the scale cannot use (no phase, an impossible value): answered as any question
    except ScaleUnavailableError as exc:
        return Answer(question=question, query=question, answer=str(exc), abstained=True,
                      abstain_reason=str(exc), intent=Intent.GRADING.value)  # fmt: skip
    # The query the chain would have searched with (a follow-up carries the earlier turns), for the eval's
    # retrieval figures and the chat's "searched for" line.
    query = spell_out(rewrite(question, list(history)))
    return _answer(chain, question, query, result, started)


def _answer(chain: AnswerChain, question: str, query: str, result: GradeResult, started: float) -> Answer:
    passages = chain.retriever.passages
    toxicity = TOXICITY[result.scale]
    by_rule = {c.rule: c for c in result.citations}
    numbers: dict[str, int] = {}

    def mark(rule: str) -> str:
        chunk = by_rule[rule].chunk_id
        numbers.setdefault(chunk, len(numbers) + 1)
        return f"[{numbers[chunk]}]"

    claims: list[tuple[str, tuple[str, ...]]] = []  # (text, the rules it cites)
    if result.grade == 0:  # the tables state grades 1-4: "grade 0" is a number no source holds
        head = f"No {toxicity} grade{' yet' if result.at_least else ''} ({SOURCE[result.scale]})"
    else:
        head = f"{'At least grade' if result.at_least else 'Grade'} {result.grade} {toxicity} ({SOURCE[result.scale]})"
    gap = f"; not given: {', '.join(result.missing)}" if result.missing else ""
    neighbours = {n.rule: n for n in result.neighbours}
    met = {m.rule: m for m in result.met if m.rule not in neighbours and m.rule != result.deciding_rule}
    apart = {*neighbours, *met, result.deciding_rule}
    applied = [c.rule for c in result.citations if c.rule not in apart]
    if result.deciding_rule:
        # The headline rests on the deciding row and on the rules applied (fever, the worse domain ...).
        criterion = result.deciding_criterion or by_rule[result.deciding_rule].text
        cites = tuple(dict.fromkeys([result.deciding_rule, *applied]))
        claims.append((f"{head}: {result.deciding_domain}: {criterion}{gap}", cites))
    for rule in applied:
        claims.append((by_rule[rule].text[0].upper() + by_rule[rule].text[1:], (rule,)))
    for m in met.values():  # another finding, graded lower: "Grade 2 (ICE score): ICE 3–6"
        claims.append((f"Grade {m.grade} ({m.domain}): {m.criterion}", (m.rule,)))
    for n in sorted(result.neighbours, key=lambda n: n.grade):
        claims.append((f"Grade {n.grade} ({result.deciding_domain}): {n.criterion}", (n.rule,)))
    keep, verification = verify(
        [Claim(text, tuple(passages[by_rule[rule].chunk_id] for rule in rules)) for text, rules in claims],
        chain.settings.min_support,
    )
    lines = [
        f"{text.rstrip('.')} {''.join(dict.fromkeys(mark(rule) for rule in rules))}"
        for (text, rules), ok in zip(claims, keep, strict=True)
        if ok
    ]
    if not claims or not keep[0]:  # the headline failed verification: the grade stands, uncited
        lines.insert(0, head + gap)
    text = f"**{lines[0]}**" + "".join(f"\n- {line}" for line in lines[1:])
    citations = [Citation.from_passage(n, passages[chunk]) for chunk, n in numbers.items()]
    graded_ms = round((time.perf_counter() - started) * 1000, 2)
    management = _management(chain, result, question)
    if management is not None and not management.abstained:
        shift = len(citations)
        moved = {c.n: c.n + shift for c in management.citations}
        body = re.sub(r"\[(\d+)\]", lambda m: f"[{moved.get(int(m.group(1)), m.group(1))}]", management.answer)
        text += f"\n\n#### {MANAGEMENT_HEADING}\n\n{body}"
        citations += [c.model_copy(update={"n": moved[c.n]}) for c in management.citations]
        verification.statements += management.verification.statements
        verification.removed += management.verification.removed
        verification.reasons += management.verification.reasons
    return Answer(
        question=question,
        query=query,
        answer=text,
        abstained=False,
        intent=Intent.GRADING.value,
        citations=citations,
        verification=verification,
        timings_ms={"grade": graded_ms, "total": round((time.perf_counter() - started) * 1000, 2)},
        notices=[*result.notices, GRADED_NOTICE.format(title=result.title)],
    )


def _management(chain: AnswerChain, result: GradeResult, question: str) -> Answer | None:
    """What the sources say to do at this grade: the chain's own answer to the management question, in
    full when the question asks what to do, else only its lead lines (``graded_management``); the next step
    after the drugs the question says were given, when it asks what next."""
    if result.grade < 1:
        return None
    if not asks_what_to_do(question):
        rules = chain.extractive.rules
        chain = chain.with_rules(rules.model_copy(update={"max_statements": rules.graded_management}))
    toxicity = TOXICITY[result.scale]
    if given := given_drugs(question):
        return chain.invoke(NEXT_STEP_QUESTION.format(grade=result.grade, toxicity=toxicity, given=" and ".join(given)))
    return chain.invoke(MANAGEMENT_QUESTION.format(grade=result.grade, toxicity=toxicity))


def given_drugs(question: str) -> list[str]:
    """The drugs a question asking what next says were already given ("got toci x2 and dex 10 q6, still on 1
    pressor — next?": tocilizumab, dexamethasone); none when it asks no next step or names no step taken."""
    parsed = ParsedQuestion.read(spell_out(question))
    line = parsed.line
    if Ask.NEXT_STEP not in parsed.asks or not (line.persisting or line.refractory or line.after_doses):
        return []
    return list(dict.fromkeys([*parsed.prior_drugs, *parsed.drugs]))
