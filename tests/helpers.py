"""Pure test helpers, one copy each: paths, a free port, the CLI harnesses, a passage factory, and the
front-matter template for hand-written documents.

Nothing here imports LangChain, Chroma or the model (only Carta's plain data modules), so fast tests can use it freely; fixtures live in
conftest.py.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

from assistant.passage import Passage
from assistant.text import CITATION_RUN

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
#: How long one `carta` subprocess may run before a hang fails its test instead of stalling the suite.
CLI_TIMEOUT_S = 300

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
    pieces = (re.sub(r"^\s*(- )?([A-Z][\w ]*: )?", "", piece).strip() for piece in re.split(rf"{CITATION_RUN.pattern}|\n", answer))
    return {piece for piece in pieces if len(piece.split()) >= 3}
