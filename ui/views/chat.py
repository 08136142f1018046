"""Chat: questions in, cited answers out; follow-ups use the conversation so far."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import common
import streamlit as st

from assistant import rendering
from assistant.answer import Answer
from assistant.answering.chain import AnswerChain
from assistant.conversation import Turn
from assistant.errors import CartaError
from assistant.grading.chat import is_graded

MESSAGES = "messages"
#: Set by the "More on this" button; asked on the next run as if typed.
PENDING = "pending_question"
#: What the button asks: a follow-up the chain answers with what the last answer left out.
MORE_QUESTION = "Tell me more"


def history(messages: list[dict[str, Any]]) -> list[Turn]:
    """The conversation in the chain's format: questions, and answers as their text."""
    return [Turn(role=m["role"], content=m["content"] if m["role"] == "user" else m["answer"].answer) for m in messages]


def new_conversation() -> None:
    st.session_state[MESSAGES] = []


def ask_for_more() -> None:
    st.session_state[PENDING] = MORE_QUESTION


def could_not_answer(status: Any, slot: Any, message: str) -> None:
    status.update(label="Could not answer", state="error")
    slot.error(message)


def ask(loaded: AnswerChain, question: str, messages: list[dict[str, Any]]) -> None:
    """One question: a status while searching, the answer streamed as composed, then the verified answer."""
    with st.chat_message("user"):
        st.markdown(question)
    with st.chat_message("assistant"):
        status = st.status("Searching the indexed documents…", expanded=False)
        slot = st.empty()
        final: list[Answer] = []

        def text() -> Iterator[str]:
            for piece in common.filtered(loaded).stream(question, history(messages)):
                if isinstance(piece, Answer):
                    final.append(piece)
                else:
                    yield piece

        try:
            with slot.container():
                st.write_stream(text())
        except CartaError as exc:  # a question Carta refuses (empty, too long), with its one-line reason
            could_not_answer(status, slot, str(exc))
            return
        except Exception as exc:  # the UI boundary: e.g. a Chroma server that stopped answering
            common.log.exception("answering failed")
            could_not_answer(status, slot, f"Carta could not answer ({type(exc).__name__}: {exc}).")
            return
        answer = final[0]
        with status:
            st.write(f"{len(answer.citations)} sources cited; {answer.timings_ms.get('total', 0):.0f} ms.")
            if answer.parsed is not None:  # how Carta read the question, so a misreading is visible
                st.write(f"Read as: {answer.parsed.summary()}")
        searched = (
            f"Searched for “{answer.query}”" if answer.query != answer.question else "Searched the indexed documents"
        )
        status.update(label=searched, state="complete")
        answer_id = uuid.uuid4().hex
        answered = date.today()
        common.render_answer(answer, answer_id, answered, slot)
        grade_link(answer)
    with st.container(key="carta-scroll"):  # hidden: it only runs its script
        st.html(common.SHOW_ANSWER_START, unsafe_allow_javascript=True)
    messages += [
        {"role": "user", "content": question},
        {"role": "assistant", "answer": answer, "id": answer_id, "answered": answered},
    ]


def grade_link(answer: Answer) -> None:
    """Under an answer graded by a scale: a link to the Grade page, where the whole table and form are."""
    if is_graded(answer):
        st.page_link("views/grade.py", label="Open the Grade page for this scale", icon=":material/calculate:")


def example_buttons() -> str | None:
    """Clickable example questions for an empty chat, and what Carta will not do; returns the one clicked."""
    st.markdown("#### Ask about CAR-T cell therapy toxicity")
    clicked = None
    for number, example in enumerate(common.EXAMPLE_QUESTIONS):
        if st.button(example, key=f"example-{number}", icon=":material/arrow_forward:"):
            clicked = example
    st.caption(common.LIMITS_NOTICE)
    st.caption(rendering.DISCLAIMER)
    return clicked


def answers(messages: list[dict[str, Any]]) -> list[tuple[Answer, date]]:
    """The conversation's answers with the dates they were given, for the export."""
    return [(m["answer"], m["answered"]) for m in messages if m["role"] == "assistant"]


loaded = common.chain(quiet=True)
messages: list[dict[str, Any]] = st.session_state.setdefault(MESSAGES, [])
toolbar = st.container()

for message in messages:
    with st.chat_message(message["role"]):
        if message["role"] == "user":
            st.markdown(message["content"])
        else:
            common.render_answer(message["answer"], message["id"], message["answered"])
            grade_link(message["answer"])

intro = st.empty()
clicked = None
if not messages and loaded is not None:
    with intro.container():
        clicked = example_buttons()
if common.filters().active:
    st.caption(common.FILTERED_NOTICE)
typed = st.chat_input("Ask about CAR-T toxicity, e.g. a dose, a grade or the evidence", disabled=loaded is None)
question = typed or clicked or st.session_state.pop(PENDING, None)
if question and loaded is not None:
    intro.empty()
    ask(loaded, question, messages)

with toolbar, st.container(horizontal=True):
    st.button("New conversation", icon=":material/add_comment:", on_click=new_conversation, disabled=not messages)
    answered = bool(messages) and not messages[-1]["answer"].abstained
    st.button(
        "More on this",
        icon=":material/expand_more:",
        on_click=ask_for_more,
        disabled=not answered or loaded is None,
        help="Quote what the last answer left out, from the same search.",
    )
    st.download_button(
        "Export conversation",
        data=rendering.conversation_text(answers(messages)),
        file_name="carta-conversation.txt",
        mime="text/plain",
        icon=":material/download:",
        disabled=not messages,
    )
