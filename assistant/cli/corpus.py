"""`carta corpus check`, `stats` and `coverage`: the corpus folder's rules, figures and map (no model needed)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from assistant.chunking import Chunk
from assistant.cli import app, err_console
from assistant.cli.common import settings_from
from assistant.corpus_check import check_corpus, corpus_stats
from assistant.coverage import BODIES, KINDS, TOXICITIES, Coverage, corpus_coverage
from assistant.errors import CartaError
from assistant.loaders import load_paths
from assistant.settings import Settings

corpus_app = typer.Typer(
    help="Check the corpus against docs/corpus-format.md, or print its figures.", no_args_is_help=True
)
app.add_typer(corpus_app, name="corpus")
console = Console()

CorpusDir = Annotated[Path | None, typer.Option(help="The corpus folder; default: the configured corpus_dir.")]


def corpus_settings(corpus_dir: Path | None) -> Settings:
    """Settings whose corpus folder exists, or a one-line error."""
    settings = settings_from(corpus_dir=corpus_dir)
    if not settings.corpus_dir.is_dir():
        msg = f"corpus folder {settings.corpus_dir} does not exist"
        raise CartaError(msg)
    return settings


@corpus_app.command("check")
def check_command(corpus_dir: CorpusDir = None) -> None:
    """Validate every corpus file: schema, unique ids, sources, doses, bodies, dosing tables. Exit 1 on any problem."""
    root = corpus_settings(corpus_dir).corpus_dir
    report = check_corpus(root)
    for problem in report.problems:
        console.print(str(problem), highlight=False, soft_wrap=True)
    for identifier in report.unconfirmed:
        err_console.print(f"[yellow]unconfirmed identifier[/] {identifier}", highlight=False, soft_wrap=True)
    files = len({problem.path for problem in report.problems})
    if report.problems:
        err_console.print(f"{report.files} files checked: {len(report.problems)} problems in {files} files")
        raise typer.Exit(1)
    err_console.print(f"{report.files} files checked: no problems")


def counter_table(title: str, counts: Counter[str]) -> Table:
    """A two-column table of counts, largest first."""
    table = Table(title=title)
    table.add_column(title.split(" by ")[-1])
    table.add_column("documents", justify="right")
    for key, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        table.add_row(key, str(count))
    return table


def chunk_table(title: str, chunks: list[Chunk]) -> Table:
    """Chunks with their size, document and section."""
    table = Table(title=title)
    for column in ("chars", "kind", "document", "section"):
        table.add_column(column, justify="right" if column == "chars" else "left", overflow="fold")
    for chunk in chunks:
        table.add_row(str(len(chunk.text)), chunk.kind, chunk.doc_id, chunk.section)
    return table


@corpus_app.command("stats")
def stats_command(corpus_dir: CorpusDir = None) -> None:
    """Documents by type, product and year; chunk counts and sizes; the largest and smallest chunks."""
    settings = corpus_settings(corpus_dir)
    loaded = load_paths([settings.corpus_dir], max_bytes=int(settings.max_file_mb * 1e6))
    for error in loaded.errors:
        err_console.print(f"[yellow]skipped[/] {error}", highlight=False)
    stats = corpus_stats(loaded.documents)
    console.print(counter_table("Documents by type", stats.by_type))
    console.print(counter_table("Documents by product", stats.by_product))
    console.print(counter_table("Documents by year", stats.by_year))
    sizes = Table(title=f"{stats.documents} documents, {len(stats.chunks)} chunks")
    for column in ("prose", "table", *(f"{name} chars" for name in stats.sizes)):
        sizes.add_column(column, justify="right")
    sizes.add_row(
        str(stats.chunks_by_kind["prose"]), str(stats.chunks_by_kind["table"]), *map(str, stats.sizes.values())
    )
    console.print(sizes)
    console.print(chunk_table("Largest chunks", stats.largest))
    console.print(chunk_table("Smallest chunks", stats.smallest))


def coverage_table(coverage: Coverage, toxicity: str) -> Table:
    """One toxicity's grades × bodies, each cell the kinds the corpus holds or declares absent."""
    table = Table(title=f"{toxicity}: what the corpus holds by grade and source body")
    table.add_column("grade")
    for body in BODIES:
        table.add_column(body, justify="center")
    for row in coverage.rows(toxicity):
        table.add_row(*row.values())
    return table


@corpus_app.command("coverage")
def coverage_command(
    corpus_dir: CorpusDir = None,
    absent: Annotated[bool, typer.Option("--absent", help="Also list each body's declared-absent topics.")] = False,
) -> None:
    """Toxicity × grade × source body: grading (G), management (M), doses (D) held, or declared absent (A)."""
    settings = corpus_settings(corpus_dir)
    loaded = load_paths([settings.corpus_dir], max_bytes=int(settings.max_file_mb * 1e6))
    coverage = corpus_coverage(loaded.documents)
    for toxicity in TOXICITIES:
        console.print(coverage_table(coverage, toxicity))
    console.print(" · ".join(f"{kind} {meaning}" for kind, meaning in KINDS.items()) + " · — nothing", highlight=False)
    if absent:
        for body in BODIES:
            for doc_id, topic in coverage.absent.get(body, []):
                console.print(f"{body}: {topic} ({doc_id})", highlight=False, soft_wrap=True)
