"""The `carta` command. Each sub-module adds one group of commands; this one turns user errors
into one clear line and an exit code, never a traceback.

    carta ingest [PATH ...]       build or update the index (your own PDF, markdown, text, HTML too)
    carta docs list|remove ID     the indexed documents; remove one
    carta corpus check|stats      validate the corpus folder; its figures
    carta ask "QUESTION"          answer with sources (--json, --jsonl)
    carta chat                    a terminal conversation
    carta ui                      serve the Streamlit app
    carta eval [--check]          score the graded question set, baselines side by side
    carta grade crs|icans|icaht|hematotox [findings]  a grade from findings, cited to its rows
    carta serve-index [--port N]  share the index as a Chroma server (clients set CARTA_CHROMA_HOST)
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from assistant.errors import CartaError

app = typer.Typer(
    name="carta",
    help="Carta: cited answers on CAR-T cell therapy toxicity, from guidelines, labels, trials and case reports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err_console = Console(stderr=True, soft_wrap=True)  # one line per message, for logs and scripts


def main() -> None:
    """Entry point for the console script and `python -m assistant`."""
    from assistant.cli import ask, corpus, docs, eval, grade, index_server, ingest, serve  # noqa: F401  (registers the commands)

    try:
        app()
    except CartaError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
