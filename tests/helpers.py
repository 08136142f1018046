"""Pure test helpers, one copy each: paths, a free port, the CLI harness, a passage factory, the
front-matter template for hand-written documents, starting a server that reports its death, scored eval
items and run folders, the Streamlit app under AppTest, and Debian's Chromium under Playwright.

Importing this module imports no LangChain, Chroma, Streamlit or model (only Carta's plain data modules),
so fast tests can use it freely: the eval-run and app helpers import what they drive when called.
Fixtures live in conftest.py.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from assistant.passage import Passage
from assistant.text import CITATION_RUN

if TYPE_CHECKING:
    from streamlit.testing.v1 import AppTest

    from assistant.evaluation.runner import ItemResult

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
#: A small question set in the eval's format, for run folders written by tests.
SAMPLE = REPO / "tests" / "data" / "qa-sample.yaml"
#: The Streamlit app, and how long AppTest waits (the first run in a test process loads the model and index).
APP = REPO / "ui" / "app.py"
APP_TIMEOUT = 180
#: How long one `carta` subprocess may run before a hang fails its test instead of stalling the suite.
CLI_TIMEOUT_S = 300
#: Lines of a dead server's log shown in the failure.
LOG_TAIL_LINES = 20

CompletedProcess = subprocess.CompletedProcess[str]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_carta(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None, cwd: Path = REPO
) -> CompletedProcess:
    """Run `carta ARGS...` in a subprocess, as a user would: the test's environment plus ``env``, in ``cwd``."""
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        input=stdin, capture_output=True, text=True, env={**os.environ, **(env or {})},
        cwd=cwd, timeout=CLI_TIMEOUT_S, check=False,
    )  # fmt: skip


class ServerDied(RuntimeError):
    """A server process ended, or never answered, before it was ready."""


def start_server(
    command: list[str],
    ready_url: str,
    log: Path,
    *,
    timeout_s: float,
    env: dict[str, str] | None = None,
    own_group: bool = False,
) -> subprocess.Popen[bytes]:
    """Start ``command`` (environment plus ``env``; in its own process group if ``own_group``) with its
    output in ``log``; return once ``ready_url`` answers 200.

    A process that exits first raises ServerDied with its exit code and the tail of its log (a crash
    such as SIGSEGV reads as 'exit code -11', not as a later connection error); one still silent
    after ``timeout_s`` is stopped and raises the same way.
    """
    with log.open("wb") as out:
        environment = {**os.environ, **(env or {})}
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env=environment, start_new_session=own_group
        )
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if httpx.get(ready_url, timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        died = death_report(process, log)
        if died:
            raise ServerDied(died)
        if time.monotonic() > deadline:
            process.kill()
            process.wait(timeout=30)
            raise ServerDied(f"the server did not answer within {timeout_s:.0f} s{log_tail(log)}")
        time.sleep(0.25)


def log_tail(log: Path) -> str:
    """The last lines of a server's log, to append to a failure."""
    lines = log.read_text(errors="replace").splitlines()[-LOG_TAIL_LINES:] if log.exists() else []
    return f"; last lines of {log}:\n" + "\n".join(lines)


def death_report(process: subprocess.Popen[bytes], log: Path) -> str | None:
    """'exited with exit code N' and the tail of its log, when the server process has ended; else None."""
    code = process.poll()
    return None if code is None else f"the server exited with exit code {code}{log_tail(log)}"


def make_passage(text: str, doc_id: str = "d", *, n: int = 0, **fields: Any) -> Passage:
    """A passage of document ``doc_id`` (chunk id ``doc_id:n``); ``fields`` override the plain defaults."""
    defaults: dict[str, Any] = {"section": "", "kind": "prose", "title": "", "doc_type": "review"}
    return Passage(chunk_id=f"{doc_id}:{n}", doc_id=doc_id, text=text, **{**defaults, **fields})


def _yaml_value(value: object) -> str:
    if isinstance(value, list | tuple):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


def document(doc_id: str, title: str, body: str, **fields: object) -> str:
    """A corpus-format markdown document: front matter (id, title, then ``fields``, with complete defaults)
    and ``body``. A field given as None is left out, to write a document that lacks it."""
    meta: dict[str, object] = {
        "id": doc_id, "title": title, "authors": [], "source": "Test Journal", "year": 2020,
        "doc_type": "guideline", **fields,
    }  # fmt: skip
    meta.setdefault("products", [])
    meta.setdefault("topics", ["CRS"])
    lines = [f"{key}: {_yaml_value(value)}" for key, value in meta.items() if value is not None]
    return "---\n" + "\n".join(lines) + "\n---\n\n" + body.strip() + "\n"


def quoted(answer: str) -> set[str]:
    """The sentences and rows an answer quotes, without list marks, labels or [n] markers (their
    numbers restart in every answer, so a repeated sentence may carry another one)."""
    pieces = (
        re.sub(r"^\s*(- )?([A-Z][\w ]*: )?", "", piece).strip()
        for piece in re.split(rf"{CITATION_RUN.pattern}|\n", answer)
    )
    return {piece for piece in pieces if len(piece.split()) >= 3}


def result(item_id: str, passed: bool = True, **changes: object) -> ItemResult:
    """A scored item as results.jsonl holds it, with every score filled in plausibly."""
    from assistant.evaluation.runner import ItemResult

    base = ItemResult(
        config="hybrid", id=item_id, category="dosing", difficulty=1, question=f"question {item_id}?",
        query=f"question {item_id}", answer=f"Answer to {item_id}. [1]", abstained=False, abstain=False,
        citations=[{"n": 1, "doc_id": "d1", "chunk_id": "c1", "title": "T", "year": 2021, "section": "S"}],
        passed=passed, grade="A" if passed else "F", points=1.0 if passed else 0.0, possible=1.0,
        fraction=1.0 if passed else 0.0, key_fact_coverage=1.0 if passed else 0.0,
        missed=[] if passed else ["a fact"], violated=[], gold_docs=["d1"], ranked_docs=["d1", "d2"],
        recall_at_1=1.0, recall_at_5=1.0, recall_at_10=1.0, mrr=1.0, ndcg_at_10=1.0, citation_problems=[],
        numbers=0, ungrounded_numbers=[], support=[1.0], words=4, latency_ms=50.0,
        reasons=[] if passed else ["missing fact: a fact"], verdict="pass" if passed else "fail",
        top_similarity=0.6, answer_hash=f"h-{item_id}",
    )  # fmt: skip
    return replace(base, **changes)


def write_run(folder: Path, results: list[ItemResult], corpus: str = "v1") -> Path:
    """A run folder (summary.json, results.jsonl, reports) of ``results`` over SAMPLE, as `carta eval` writes it."""
    from assistant.evaluation.report import build_summary, write_reports

    summary = build_summary(SAMPLE, {"hybrid": results}, runtime_s=1.0)
    summary["provenance"] = {
        "commit": "abc1234", "settings": {"k": 8}, "settings_hash": "s1", "corpus_version": corpus,
        "documents": {"d1": "x"}, "question_set": str(SAMPLE), "question_set_hash": "q1", "items_hash": "i1",
    }  # fmt: skip
    write_reports(folder, summary, {"hybrid": results})
    return folder


def start(page: str | None = None) -> AppTest:
    """The app run once under AppTest (and switched to ``page``), with no exception raised."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=APP_TIMEOUT)
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def labelled(elements: Iterable[Any], label: str) -> Any:
    """The one element whose label starts with ``label``."""
    found = [e for e in elements if e.label.startswith(label)]
    assert len(found) == 1, [e.label for e in elements]
    return found[0]


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: Generous waits (ms): the first page load also loads the model, on a busy two-core machine.
LOAD_MS = 180_000
STEP_MS = 60_000


@contextmanager
def chromium() -> Iterator[tuple[Any, Any]]:
    """Debian's Chromium driven by Playwright, closed after use: (Playwright's sync API, the browser), or a
    skip naming what is missing."""
    if not CHROMIUM.exists():
        pytest.skip(f"no browser at {CHROMIUM}: install Debian's chromium (`make test` does so when run as root)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is in the dev extra")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield sync_api, browser
        finally:
            browser.close()
