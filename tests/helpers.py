"""Pure test helpers, one copy each: paths, a free port, the CLI harness, a passage factory, the
front-matter template for hand-written documents, and starting a server that reports its death.

Nothing here imports LangChain, Chroma or the model (only Carta's plain data modules), so fast tests
can use it freely; fixtures live in conftest.py.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from assistant.passage import Passage
from assistant.text import CITATION_RUN

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
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
