"""`carta eval`: run the graded question set through every configuration, report, and gate.

Exit codes: 0 done (and, with --check, every gate met); 1 a figure misses its threshold;
2 a bad question set, thresholds file or option.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from assistant.answering.chain import AnswerChain
from assistant.cli import app, err_console
from assistant.cli.common import progress_bar, settings_from
from assistant.errors import UsageError
from assistant.evaluation.baselines import CONFIGURATIONS, DEFAULT
from assistant.evaluation.questions import CATEGORIES, SPLITS, check_gold_docs, in_split, load_question_set
from assistant.evaluation.report import FIGURES, build_summary, fmt, write_reports
from assistant.evaluation.runner import run
from assistant.evaluation.thresholds import load_thresholds, set_shortfalls

console = Console()


def comparison_table(summary: dict) -> Table:
    """The configurations side by side, as in the report's first table."""
    table = Table(title=f"carta eval: {summary['items']} items")
    table.add_column("figure")
    for name in summary["configs"]:
        table.add_column(name, justify="right", style="bold" if name == summary["default"] else None)
    for key, label, _ in FIGURES:
        table.add_row(label, *(fmt(key, c["metrics"].get(key)) for c in summary["configs"].values()))
    return table


@app.command("eval")
def eval_command(
    set_path: Annotated[Path, typer.Option("--set", help="The question set (see evals/SCHEMA.md).")] = Path(
        "evals/qa.yaml"
    ),
    out: Annotated[Path, typer.Option(help="Where results.jsonl, summary.json and the reports go.")] = Path(
        "evals/out"
    ),
    only: Annotated[str | None, typer.Option(help=f"Only this category: {', '.join(CATEGORIES)}.")] = None,
    split: Annotated[
        str | None, typer.Option(help=f"Only this split: {', '.join(SPLITS)} (tune on dev; test is only reported).")
    ] = None,
    config: Annotated[
        list[str] | None,
        typer.Option(help=f"Configurations to run (repeatable; default all): {', '.join(CONFIGURATIONS)}."),
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help=f"Exit 1 when a {DEFAULT} figure misses evals/thresholds.toml.")
    ] = False,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N items (after --only).")] = None,
    thresholds: Annotated[Path, typer.Option(help="The gates --check applies.")] = Path("evals/thresholds.toml"),
    data_dir: Annotated[Path | None, typer.Option(help="Where the index lives.")] = None,
) -> None:
    """Score answers, retrieval, citations and abstention on the graded set, for each configuration."""
    items = in_split(load_question_set(set_path), split)
    if only is not None:
        if only not in CATEGORIES:
            msg = f"--only {only}: unknown category; choose from {', '.join(CATEGORIES)}"
            raise UsageError(msg)
        items = [i for i in items if i.category == only]
    items = items[:limit] if limit else items
    if not items:
        msg = f"no items in {set_path} match --split {split} --only {only}"
        raise UsageError(msg)
    names = list(dict.fromkeys(config or CONFIGURATIONS))
    unknown = [n for n in names if n not in CONFIGURATIONS]
    if unknown:
        msg = f"--config {', '.join(unknown)}: unknown; choose from {', '.join(CONFIGURATIONS)}"
        raise UsageError(msg)
    if check and DEFAULT not in names:
        msg = f"--check gates the {DEFAULT} configuration; include it in --config"
        raise UsageError(msg)
    gates = load_thresholds(thresholds, {key for key, _, _ in FIGURES}) if check else None
    if check and (only or limit or split):
        err_console.print("[yellow]note:[/] the gates are set for the whole set; --split/--only/--limit run a subset")

    started = time.perf_counter()
    chain = AnswerChain.load(settings_from(data_dir=data_dir))
    check_gold_docs(set_path, items, {p.doc_id for p in chain.retriever.passages.values()})
    answerers = {name: CONFIGURATIONS[name].build(chain) for name in names}
    with progress_bar("eval") as update:
        results = run(answerers, items, update)
    summary = build_summary(set_path, results, time.perf_counter() - started)
    if gates is not None:
        known = {key for key, _, _ in FIGURES}
        summary["check"] = {
            "thresholds": str(thresholds),
            "shortfalls": set_shortfalls(thresholds, known, summary["configs"][DEFAULT]["sets"]),
        }
    paths = write_reports(out, summary, results)

    console.print(comparison_table(summary))
    failed = sum(not r.passed for r in results[summary["default"]])
    console.print(f"{summary['default']}: {failed} of {len(items)} items failed; runtime {summary['runtime_s']:.0f} s")
    console.print("wrote " + ", ".join(str(p) for p in paths), highlight=False)
    if gates is not None:
        for shortfall in summary["check"]["shortfalls"]:
            err_console.print(f"[bold red]threshold missed:[/] {shortfall}", highlight=False)
        if summary["check"]["shortfalls"]:
            sys.exit(1)
        console.print(f"[green]every {DEFAULT} figure meets {thresholds}[/]")
