"""Nothing leaves the machine: ingest, ask, eval and the UI run with every non-loopback connection blocked.

The guard patches the socket module for the whole process (all threads): a connect, connect_ex,
create_connection or name lookup for anything but loopback is recorded and refused. The test then
asserts nothing was recorded. The model is loaded afresh under the guard, since loading is where a
hub lookup would happen. Chroma, Hugging Face, Streamlit and LangSmith are kept offline by
``assistant.settings.OFFLINE_ENVIRONMENT``; LangSmith tracing is switched on in the environment
here to show that this setting wins.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from helpers import REPO
from streamlit.testing.v1 import AppTest

from assistant.answering.chain import AnswerChain
from assistant.embeddings import load_embeddings
from assistant.evaluation.baselines import DEFAULT
from assistant.evaluation.questions import load_question_set
from assistant.evaluation.runner import evaluate
from assistant.ingest import ingest
from assistant.settings import Settings, apply_offline_environment

pytestmark = pytest.mark.model


def is_local(host: Any) -> bool:
    """Loopback addresses, 'localhost', no host at all, and Unix socket paths."""
    if host is None or isinstance(host, bytes) or host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture
def egress(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every attempted non-loopback connection or lookup, refused and recorded."""
    attempts: list[str] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_create, real_lookup = socket.create_connection, socket.getaddrinfo

    def check(what: str, address: Any) -> None:
        host = address[0] if isinstance(address, tuple) else None if isinstance(address, str | bytes) else address
        if not is_local(host):
            attempts.append(f"{what} {address!r}")
            msg = f"test_no_egress blocked {what} to {address!r}"
            raise OSError(msg)

    def connect(self: socket.socket, address: Any) -> None:
        check("connect", address)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check("connect_ex", address)
        return real_connect_ex(self, address)

    def create_connection(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        check("create_connection", address)
        return real_create(address, *args, **kwargs)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        check("getaddrinfo", (host,))
        return real_lookup(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield attempts


def test_the_guard_blocks_and_records(egress: list[str]) -> None:
    with pytest.raises(OSError, match="blocked"):
        socket.create_connection(("192.0.2.1", 443), timeout=1)  # TEST-NET-1: never routable
    assert egress == ["create_connection ('192.0.2.1', 443)"]


def test_ingest_ask_eval_and_ui_stay_local(
    egress: list[str], small_settings: Settings, corpus_index: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANGSMITH_TRACING", "true")  # as if the user's shell had it on
    monkeypatch.setenv("LANGSMITH_API_KEY", "not-a-key")
    apply_offline_environment()

    load_embeddings.__wrapped__(small_settings.model_path).embed_query("warm-up")  # a fresh load, not the cache
    assert ingest(small_settings).added
    assert AnswerChain.load(small_settings).invoke("tocilizumab dose for CRS").citations

    items = load_question_set(REPO / "evals" / "qa.yaml")[:3]
    assert evaluate(DEFAULT, AnswerChain.load(corpus_index), items)

    monkeypatch.setenv("CARTA_DATA_DIR", str(corpus_index.data_dir))
    monkeypatch.setenv("CARTA_CORPUS_DIR", str(corpus_index.corpus_dir))
    app = AppTest.from_file(str(REPO / "ui" / "app.py"), default_timeout=180)
    app.run()
    app.chat_input[0].set_value("What is the tocilizumab dose for grade 2 CRS?").run()
    assert not app.exception, app.exception
    assert app.session_state["messages"][-1]["answer"].citations

    assert egress == []
