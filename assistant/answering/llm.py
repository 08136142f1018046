"""The optional LLM composer: a local model writes the answer from numbered passages.

Never the default and never trusted: its sentences go through the same grounding verifier as the
extractive composer's, so an invented dose is removed before anyone sees it. An offline guard
refuses endpoints off this site unless ``allow_remote`` is set, and every request has a timeout.

>>> settings = Settings(llm_backend="openai", llm_base_url="http://127.0.0.1:8080/v1")  # doctest: +SKIP
>>> composer = LLMComposer(chat_model(settings))                                      # doctest: +SKIP
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Sequence
from urllib.parse import urlparse

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from assistant.answering.draft import Draft, Statement
from assistant.answering.prompts import ABSTAIN_SENTINEL, LLM_SYSTEM_PROMPT, LLM_USER_TEMPLATE
from assistant.answering.question import Intent
from assistant.errors import ConfigError
from assistant.passage import Passage
from assistant.settings import Settings
from assistant.text import BULLET, citation_numbers, split_sentences, strip_citations


def check_endpoint(url: str, *, allow_remote: bool) -> None:
    """Refuse an LLM endpoint off this machine or the site's private network, unless allowed."""
    host = urlparse(url).hostname
    if not host:
        msg = f"llm_base_url '{url}' has no host"
        raise ConfigError(msg)
    if allow_remote or host == "localhost":
        return
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is None or not (address.is_loopback or address.is_private):
        msg = (
            f"llm_base_url host '{host}' is not a loopback or private address; questions would leave the site. "
            "Use an IP address on your network, or set allow_remote = true if that is intended"
        )
        raise ConfigError(msg)


def chat_model(settings: Settings) -> BaseChatModel:
    """The configured chat model, with a timeout on every request and no retries."""
    if settings.llm_backend == "none" or not settings.llm_base_url:
        msg = "no LLM is configured (set llm_backend and llm_base_url)"
        raise ConfigError(msg)
    check_endpoint(settings.llm_base_url, allow_remote=settings.allow_remote)
    if settings.llm_backend == "openai":
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(
            base_url=settings.llm_base_url,
            api_key=settings.llm_api_key,
            model=settings.llm_model,
            temperature=0,
            max_tokens=settings.llm_max_tokens,  # type: ignore[call-arg]
            timeout=settings.llm_timeout_s,
            max_retries=0,
        )
    from langchain_ollama import ChatOllama

    return ChatOllama(
        base_url=settings.llm_base_url,
        model=settings.llm_model,
        temperature=0,
        num_predict=settings.llm_max_tokens,
        client_kwargs={"timeout": settings.llm_timeout_s},
    )


def build_messages(question: str, passages: Sequence[Passage]) -> list[BaseMessage]:
    numbered = "\n\n".join(f"[{n}] ({p.title}; {p.section})\n{p.text}" for n, p in enumerate(passages, start=1))
    return [
        SystemMessage(LLM_SYSTEM_PROMPT),
        HumanMessage(LLM_USER_TEMPLATE.format(passages=numbered, question=question)),
    ]


def parse(text: str, passage_count: int) -> Draft:
    """Sentences with their [n] markers as statements; the sentinel means the model abstained."""
    if ABSTAIN_SENTINEL.lower() in text.lower() and len(text.strip()) < 3 * len(ABSTAIN_SENTINEL):
        return Draft(abstained=True, reason="the LLM said the passages do not answer the question")
    statements = []
    for line in text.splitlines():
        line = BULLET.sub("", line).strip()
        for sentence in split_sentences(line):
            sources = [n - 1 for n in citation_numbers(sentence) if 1 <= n <= passage_count]
            body = strip_citations(sentence).strip()
            if len(body.split()) >= 2:
                statements.append(Statement(body, list(dict.fromkeys(sources))))
    if not statements:
        return Draft(abstained=True, reason="the LLM wrote nothing usable")
    return Draft(statements=statements)


class LLMComposer:
    """Compose with a chat model; same ``run`` interface as the extractive composer."""

    def __init__(self, model: BaseChatModel, passages: int = 6) -> None:
        self.model = model
        self.passages = passages

    def run(self, question: str, passages: Sequence[Passage], intent: Intent) -> Draft:
        shown = list(passages[: self.passages])
        reply = self.model.invoke(build_messages(question, shown))
        return parse(str(reply.content), len(shown))

    def stream(self, question: str, passages: Sequence[Passage]) -> Iterator[str]:
        """The model's text as it arrives (for the UI and `carta chat`); verification follows."""
        for chunk in self.model.stream(build_messages(question, list(passages[: self.passages]))):
            if chunk.content:
                yield str(chunk.content)
