"""`carta ask` and `carta chat`: questions in, cited answers out."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markdown import Markdown

from assistant.answer import Answer
from assistant.answering.chain import AnswerChain, clean_question
from assistant.cli import app, err_console
from assistant.cli.common import settings_from
from assistant.conversation import Turn
from assistant.errors import CartaError, UsageError

console = Console()


def print_answer(answer: Answer) -> None:
    """The answer as markdown, then each source with its link and the cited passage."""
    console.print(Markdown(answer.answer))
    for notice in answer.notices:
        console.print(f"[yellow]{notice}[/]")
    for citation in answer.citations:
        link = f" {citation.link}" if citation.link else ""
        console.print(f"\n[bold][{citation.n}][/] {citation.label}{link}", highlight=False)
        console.print(f"    [dim]{citation.section}[/]", highlight=False)


def answer_lines(chain: AnswerChain, lines: list[str]) -> list[dict]:
    """One JSON object per input line, in order; a bad line gets an ``error`` object, not a crash."""
    out: list[dict] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            if not isinstance(request, dict) or "question" not in request:
                msg = 'each line must be a JSON object with a "question"'
                raise UsageError(msg)
            out.append(chain.invoke(request["question"], request.get("history")).to_json_dict())
        except (ValueError, CartaError) as exc:
            reason = str(exc).splitlines()[0]
            out.append({"line": number, "error": reason})
    return out


@app.command("ask")
def ask_command(
    question: Annotated[str | None, typer.Argument(help="The question, in quotes.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    jsonl: Annotated[
        bool, typer.Option("--jsonl", help="Read JSON lines from stdin; write one answer per line.")
    ] = False,
    data_dir: Annotated[Path | None, typer.Option(help="Where the index lives.")] = None,
) -> None:
    """Answer one question from the indexed documents, with numbered sources."""
    settings = settings_from(data_dir=data_dir)
    if jsonl:
        chain = AnswerChain.load(settings)
        for result in answer_lines(chain, sys.stdin.read().splitlines()):
            sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
            sys.stdout.flush()
        return
    question = clean_question(question or "", settings.max_question_chars)  # fail before loading the model
    chain = AnswerChain.load(settings)
    answer = chain.invoke(question)
    if as_json:
        sys.stdout.write(json.dumps(answer.to_json_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        print_answer(answer)


@app.command("chat")
def chat_command(data_dir: Annotated[Path | None, typer.Option(help="Where the index lives.")] = None) -> None:
    """A terminal conversation: follow-up questions use the earlier turns. Ctrl-D or 'exit' ends it."""
    chain = AnswerChain.load(settings_from(data_dir=data_dir))
    history: list[Turn] = []
    console.print("[dim]Carta supports, and does not replace, clinical judgment and local protocols.[/]")
    while True:
        try:
            question = console.input("[bold cyan]you>[/] ")
        except EOFError:
            break
        if question.strip().lower() in {"exit", "quit"}:
            break
        try:
            answer = chain.invoke(question, history)
        except CartaError as exc:
            err_console.print(f"[red]{exc}[/]")
            continue
        if answer.query != answer.question:
            console.print(f"[dim]searched for: {answer.query}[/]")
        print_answer(answer)
        history += [Turn(role="user", content=question), Turn(role="assistant", content=answer.answer)]
