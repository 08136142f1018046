"""The `carta` command: JSON output, JSON lines, and user errors as one line with an exit code."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import CompletedProcess, run_carta

from assistant.settings import Settings


def carta(*args: str, data_dir: Path, stdin: str | None = None) -> CompletedProcess:
    return run_carta(*args, env={"CARTA_DATA_DIR": str(data_dir)}, stdin=stdin)


def test_ask_json_cites_the_case_report(corpus_index: Settings) -> None:
    done = carta(
        "ask", "--json", "Is there evidence for emapalumab in adult IEC-HS after CAR-T?", data_dir=corpus_index.data_dir
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert any(c["doi"] == "10.3389/fimmu.2025.1563736" for c in data["citations"])


def test_ask_jsonl_answers_each_line_in_order(corpus_index: Settings) -> None:
    lines = [
        {"question": "What is the ICE score?"},
        {"question": "and how many points?", "history": [{"role": "user", "content": "ICE score for ICANS"}]},
        {"nope": 1},
        {"question": "What is the capital of Australia?"},
    ]
    done = carta("ask", "--jsonl", data_dir=corpus_index.data_dir, stdin="\n".join(json.dumps(x) for x in lines))
    assert done.returncode == 0, done.stderr
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert [o.get("question") for o in out] == [
        "What is the ICE score?",
        "and how many points?",
        None,
        "What is the capital of Australia?",
    ]
    assert "error" in out[2] and out[2]["line"] == 3
    assert out[3]["abstained"] is True


def test_empty_question_exits_2_without_traceback(tmp_path: Path) -> None:
    done = carta("ask", "   ", data_dir=tmp_path)
    assert done.returncode == 2
    assert "empty" in done.stderr and "Traceback" not in done.stderr


def test_missing_index_is_one_clear_line(tmp_path: Path) -> None:
    done = carta("ask", "tocilizumab dose", data_dir=tmp_path / "empty")
    assert done.returncode == 1
    assert "carta ingest" in done.stderr and "Traceback" not in done.stderr
