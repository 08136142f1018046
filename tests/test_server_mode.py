"""Server mode: a real `carta serve-index` shared by separate processes, and a dead server failing fast."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from helpers import ServerDied, free_port, run_carta, start_server

from assistant.errors import IndexUnavailableError
from assistant.index import HEARTBEAT_PATH, make_client
from assistant.ingest import ingest
from assistant.settings import Settings

pytestmark = pytest.mark.server

#: Seconds a fresh `chroma run` gets to answer its heartbeat before the test gives up.
SERVER_START_S = 60.0


@pytest.fixture
def server(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A `carta serve-index` subprocess on a free port; yields the client environment, then stops it by PID."""
    port = free_port()
    log = tmp_path / "server.log"
    command = [sys.executable, "-m", "assistant", "serve-index", "--port", str(port), "--data-dir", str(tmp_path)]
    try:
        process = start_server(command, f"http://127.0.0.1:{port}{HEARTBEAT_PATH}", log, timeout_s=SERVER_START_S)
    except ServerDied as exc:
        pytest.fail(f"chroma server did not start: {exc}")
    try:
        yield {"CARTA_CHROMA_HOST": "127.0.0.1", "CARTA_CHROMA_PORT": str(port)}
    finally:
        os.kill(process.pid, 15)  # serve-index execs chroma, so this PID is the server itself
        process.wait(timeout=30)


def test_two_processes_share_one_server(server: dict[str, str], small_corpus: Path, tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path / "ingester",
        corpus_dir=small_corpus,
        chroma_host=server["CARTA_CHROMA_HOST"],
        chroma_port=int(server["CARTA_CHROMA_PORT"]),
    )
    report = ingest(settings)
    assert sorted(report.added) == ["case", "grading", "label"]
    assert not settings.index_dir.exists(), "server mode must not write an embedded index"

    question = "Is there evidence for emapalumab in adult IEC-HS after brexu-cel?"
    askers = [
        subprocess.Popen(
            [sys.executable, "-m", "assistant", "ask", "--json", question],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **server, "CARTA_DATA_DIR": str(tmp_path / f"asker-{n}")},
        )
        for n in range(2)
    ]
    for asker in askers:
        out, err = asker.communicate(timeout=300)
        assert asker.returncode == 0, err
        answer = json.loads(out)
        assert not answer["abstained"]
        assert {c["doc_id"] for c in answer["citations"]} == {"case"}


def test_dead_server_is_one_clear_line() -> None:
    port = free_port()  # nothing listens there
    done = run_carta(
        "ask", "What is CRS?", env={"CARTA_CHROMA_HOST": "127.0.0.1", "CARTA_CHROMA_PORT": str(port)}
    )  # run_carta's own timeout turns a hang into a failure
    assert done.returncode == 1
    assert f"127.0.0.1:{port}" in done.stderr
    assert "serve-index" in done.stderr
    assert "Traceback" not in done.stderr


def test_silent_server_times_out_instead_of_hanging() -> None:
    """A host that accepts the connection but never replies is bounded by chroma_timeout_s."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # the kernel completes the handshake; nobody ever reads or answers
        port = silent.getsockname()[1]
        settings = Settings(chroma_host="127.0.0.1", chroma_port=port, chroma_timeout_s=0.5)
        raised: list[BaseException] = []
        worker = threading.Thread(target=lambda: _capture(lambda: make_client(settings), raised), daemon=True)
        worker.start()
        worker.join(timeout=60)
        assert not worker.is_alive(), "make_client hung on a silent server"
    assert len(raised) == 1 and isinstance(raised[0], IndexUnavailableError)
    assert f"127.0.0.1:{port}" in str(raised[0])


def _capture(call: Callable[[], object], raised: list[BaseException]) -> None:
    try:
        call()
    except BaseException as exc:  # the test inspects whatever happened
        raised.append(exc)
