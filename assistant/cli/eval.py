"""`carta eval`: run the graded question set through every configuration, report, and gate; or compare two runs.

Exit codes: 0 done (and, with --check, every gate met and, with --compare, no gated figure fell);
1 a figure misses its threshold or a gated figure fell; 2 a bad question set, thresholds file, run or option.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from assistant.answering.chain import AnswerChain
from assistant.answering.rules import ComposerRules
from assistant.cli import app, err_console
from assistant.cli.common import progress_bar, settings_from
from assistant.errors import UsageError
from assistant.evaluation.ablation import FIGURES as ABLATION_FIGURES
from assistant.evaluation.ablation import SETS as ABLATION_SETS
from assistant.evaluation.ablation import Ablation, ablate, ablation_items
from assistant.evaluation.baselines import CONFIGURATIONS, DEFAULT
from assistant.evaluation.compare import Comparison, compare_runs, interval_text
from assistant.evaluation.questions import CATEGORIES, SPLITS, Item, in_split, load_question_set
from assistant.evaluation.report import FIGURES, delta, fmt
from assistant.evaluation.runs import EVAL_SET, RUNS_ROOT, THRESHOLDS, Run, gates, resolve_run, run_evaluation

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


def report_ablation(chain: AnswerChain, items: list[Item], out: Path, names: list[str] | None = None) -> None:
    """Print (and write to ``out``/ablation.json) what turning each composer rule (or each of ``names``) off
    changes on the dev originals and on the paraphrases."""
    with progress_bar("ablate") as update:
        done = [0]
        total = len(items) * (len(names or ComposerRules.names()) + 1)

        def step(what: str) -> None:
            done[0] += 1
            update(done[0], total, what)

        out.mkdir(parents=True, exist_ok=True)
        partial = out / "ablation.jsonl"
        partial.write_text("")

        def measured(row: Ablation) -> None:
            with partial.open("a") as file:
                file.write(json.dumps(asdict(row)) + "\n")

        base, rows = ablate(chain, items, step, measured, names)
    title = f"carta eval --ablate: {len(items)} items (dev split and every paraphrase); each rule off in turn"
    table = Table(title=title)
    table.add_column("rule off", no_wrap=True)
    columns = [(name, key) for name in ABLATION_SETS for key, _ in ABLATION_FIGURES]
    labels = dict(ABLATION_FIGURES)
    for name, key in columns:
        table.add_column(f"{name} {labels[key]}", justify="right")
    for heading in ("answers changed", "dev passes lost", "dev passes gained", "pays"):
        table.add_column(heading, justify="right")
    table.add_row("(none: the default)", *(fmt(key, base[name][key]) for name, key in columns), "", "", "", "")
    for row in rows:
        cells = [delta(key, row.figures[name][key], base[name][key]) for name, key in columns]
        verdict = "yes" if row.pays(base) else "no"
        table.add_row(row.rule, *cells, str(row.changed), str(len(row.lost)), str(len(row.gained)), verdict)
    console.print(table)
    for row in rows:
        if row.lost or row.gained:
            console.print(f"{row.rule}: lost {', '.join(row.lost) or '-'}; gained {', '.join(row.gained) or '-'}")
    path = out / "ablation.json"
    path.write_text(
        json.dumps({"default": base, "rules": [{**asdict(r), "pays": r.pays(base)} for r in rows]}, indent=2)
    )
    console.print(f"wrote {path}", highlight=False)


def changes_table(comparison: Comparison, config: str) -> Table:
    """One configuration's figures in both runs, the change and its bootstrap 95% interval."""
    table = Table(title=f"{config}: new − old, with bootstrap 95% intervals over the items both runs hold")
    for column in ("figure", "old", "new", "change", "95% interval", "gate"):
        table.add_column(column, justify="left" if column in ("figure", "gate") else "right")
    for figure in (f for f in comparison.figures if f.config == config):
        gate = "" if figure.gate is None else ("[bold red]fell[/]" if figure.fell else figure.gate)
        table.add_row(
            figure.label,
            fmt(figure.key, figure.old),
            fmt(figure.key, figure.new),
            delta(figure.key, figure.new, figure.old),
            interval_text(figure.key, figure.change),
            gate,
        )
    return table


def print_comparison(comparison: Comparison, config: str) -> None:
    console.print(f"old: {comparison.old}\nnew: {comparison.new}", highlight=False)
    console.print("What differs: " + ("nothing recorded" if not comparison.differences else ""), highlight=False)
    for line in comparison.differences:
        console.print(f"  {line}", highlight=False)
    if comparison.only_old or comparison.only_new:
        console.print(
            f"  items only in old: {len(comparison.only_old)}; only in new: {len(comparison.only_new)}", highlight=False
        )
    console.print(changes_table(comparison, config))
    changed = [c for c in comparison.changes if c.config == config]
    console.print(f"{len(changed)} item(s) of {config} changed verdict", highlight=False)
    for change in changed:
        console.print(f"  {change.id} ({change.category}): {change.old} → {change.new}", highlight=False)


def compare(old: str, new: str, config: list[str] | None, check: bool, thresholds: Path, runs: Path) -> None:
    """`--compare OLD NEW`: print the comparison; with --check exit 1 when a gated figure fell."""
    before, after = Run.load(resolve_run(old, runs)), Run.load(resolve_run(new, runs))
    shown = [n for n in (config or [after.default]) if n in after.results and n in before.results]
    gated = gates(thresholds) if check else None
    comparison = compare_runs(before, after, gated, shown)  # only what is shown: each takes a bootstrap
    for name in shown:
        print_comparison(comparison, name)
    if check:
        for figure in comparison.fallen:
            err_console.print(
                f"[bold red]gated figure fell:[/] {figure.key} {fmt(figure.key, figure.old)} → "
                f"{fmt(figure.key, figure.new)} ({delta(figure.key, figure.new, figure.old)}, "
                f"95% interval {interval_text(figure.key, figure.change)})",
                highlight=False,
            )
        if comparison.fallen:
            sys.exit(1)
        console.print(f"[green]no gated {after.default} figure fell[/]")


@app.command("eval")
def eval_command(
    set_path: Annotated[Path, typer.Option("--set", help="The question set (see evals/SCHEMA.md).")] = EVAL_SET,
    out: Annotated[
        Path | None,
        typer.Option(help="The run's folder (results.jsonl, summary.json, reports); default: a new one under --runs."),
    ] = None,
    runs: Annotated[Path, typer.Option(help="Where runs go, one timestamped folder each.")] = RUNS_ROOT,
    only: Annotated[str | None, typer.Option(help=f"Only this category: {', '.join(CATEGORIES)}.")] = None,
    split: Annotated[
        str | None, typer.Option(help=f"Only this split: {', '.join(SPLITS)} (tune on dev; test is only reported).")
    ] = None,
    config: Annotated[
        list[str] | None,
        typer.Option(help=f"Configurations to run (repeatable; default all): {', '.join(CONFIGURATIONS)}."),
    ] = None,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help=f"Exit 1 when a {DEFAULT} figure misses its threshold (with --compare: when a gated figure fell).",
        ),
    ] = False,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N items (after --only).")] = None,
    thresholds: Annotated[Path, typer.Option(help="The gates --check applies.")] = THRESHOLDS,
    data_dir: Annotated[Path | None, typer.Option(help="Where the index lives.")] = None,
    compare_with: Annotated[
        tuple[str, str] | None,
        typer.Option(
            "--compare",
            metavar="OLD NEW",
            help="Compare two run folders (or 'previous' 'latest' under --runs) instead of running.",
        ),
    ] = None,
    ablate: Annotated[
        bool,
        typer.Option(
            "--ablate",
            help="Turn each composer rule off in turn; report the change on the dev split and the paraphrases.",
        ),
    ] = False,
    rule: Annotated[
        list[str] | None, typer.Option("--rule", help="With --ablate: only this rule (repeatable).")
    ] = None,
) -> None:
    """Score answers, retrieval, citations and abstention on the graded set, for each configuration."""
    if compare_with is not None:
        compare(*compare_with, config, check, thresholds, runs)
        return
    if ablate:
        unknown = sorted(set(rule or ()) - set(ComposerRules.names()))
        if unknown:
            msg = f"no composer rule named {', '.join(unknown)}; the rules: {', '.join(ComposerRules.names())}"
            raise UsageError(msg)
        items = in_split(load_question_set(set_path), split)
        report_ablation(
            AnswerChain.load(settings_from(data_dir=data_dir)),
            ablation_items(items[:limit] if limit else items),
            out or runs / "ablation",
            rule,
        )
        return
    if check and (only or limit or split):
        err_console.print("[yellow]note:[/] the gates are set for the whole set; --split/--only/--limit run a subset")
    with progress_bar("eval") as update:
        result = run_evaluation(
            lambda: AnswerChain.load(settings_from(data_dir=data_dir)),
            set_path,
            out=out,
            root=runs,
            config=config,
            split=split,
            only=only,
            limit=limit,
            check=check,
            thresholds_path=thresholds,
            progress=update,
        )
    summary = result.summary
    console.print(comparison_table(summary))
    failed = sum(not r.passed for r in result.results[summary["default"]])
    console.print(
        f"{summary['default']}: {failed} of {summary['items']} items failed; runtime {summary['runtime_s']:.0f} s"
    )
    console.print(f"wrote {result.path}/ (results.jsonl, summary.json, report.md, report.html)", highlight=False)
    if check:
        for shortfall in summary["check"]["shortfalls"]:
            err_console.print(f"[bold red]threshold missed:[/] {shortfall}", highlight=False)
        if summary["check"]["shortfalls"]:
            sys.exit(1)
        console.print(f"[green]every {DEFAULT} figure meets {thresholds}[/]")
