"""One process, many clinicians: answers from 16 threads at once equal the answers given one by one."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from assistant.answering.chain import AnswerChain

pytestmark = pytest.mark.model

QUESTIONS = (
    "What is the tocilizumab dose for grade 2 CRS?",
    "How is grade 3 ICANS treated?",
    "Is there evidence for emapalumab in adult IEC-HS after CAR-T?",
    "What is the ICE score?",
    "Which patients should get levetiracetam seizure prophylaxis?",
    "How is CRS graded under ASTCT?",
    "What is the dexamethasone dose for ICANS?",
    "What are the IEC-HS diagnostic criteria?",
    "How long should patients stay near the treating centre after CAR-T?",
    "What is the anakinra dose for steroid-refractory ICANS?",
    "What is the boxed warning about T-cell malignancies?",
    "What prophylaxis against PJP is recommended after CAR-T?",
    "How is ICAHT graded?",
    "What was the rate of grade 3 CRS with axi-cel in ZUMA-1?",
    "Was the REMS for CAR-T products removed?",
    "What is the capital of Australia?",
)


def comparable(chain: AnswerChain, question: str) -> dict[str, Any]:
    """The answer without its timings, which legitimately differ between runs."""
    data = chain.invoke(question).to_json_dict()
    del data["timings_ms"]
    return data


def test_sixteen_threads_answer_as_one_does(chain: AnswerChain) -> None:
    serial = [comparable(chain, q) for q in QUESTIONS]
    with ThreadPoolExecutor(max_workers=len(QUESTIONS)) as pool:
        parallel = list(pool.map(lambda q: comparable(chain, q), QUESTIONS))
    assert parallel == serial
    assert sum(not a["abstained"] for a in serial) >= len(QUESTIONS) // 2  # the comparison covers real answers
