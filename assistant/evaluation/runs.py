"""Evaluation runs: make one (``run_evaluation``, shared by `carta eval` and the Evaluation page) and read them back.

A run is a folder, by default a new timestamped one under ``evals/out/``, holding results.jsonl,
summary.json, report.md and report.html. summary.json records what the run depended on (the commit,
the answer-shaping settings and their hash, the corpus version, the question set's hash) so that a
comparison of two runs can say what differs between them. "The latest" run is the newest folder,
"the previous" the one before it.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.answering.chain import AnswerChain
from assistant.errors import UsageError
from assistant.evaluation.baselines import CONFIGURATIONS, DEFAULT
from assistant.evaluation.human import GradeStore
from assistant.evaluation.questions import CATEGORIES, Item, check_gold_docs, in_split, load_question_set
from assistant.evaluation.report import FIGURES, build_summary, write_reports
from assistant.evaluation.runner import ItemResult, Progress, item_hash, run
from assistant.evaluation.thresholds import Thresholds, load_thresholds, set_shortfalls
from assistant.settings import Settings

#: Where runs go, relative to the folder Carta runs in (as `carta eval` and the page both default).
RUNS_ROOT = Path("evals/out")
EVAL_SET = Path("evals/qa.yaml")
THRESHOLDS = Path("evals/thresholds.toml")
#: Settings that say where things are, not how answers are made: left out of the settings hash.
LOCATION_SETTINGS = frozenset(
    {"data_dir", "corpus_dir", "chroma_host", "chroma_port", "chroma_timeout_s", "llm_api_key", "max_file_mb"}
)
RUN_FILES = ("summary.json", "results.jsonl")


def short_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def answer_settings(settings: Settings) -> dict[str, Any]:
    """The settings that shape answers, as JSON values (locations and secrets left out)."""
    return settings.model_dump(mode="json", exclude=set(LOCATION_SETTINGS))


def commit() -> str | None:
    """The code's git commit (short), with "+dirty" when the work tree has changes; None outside git."""
    here = Path(__file__).resolve().parent
    try:
        head = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=10
        )
        status = subprocess.run(
            ["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if head.returncode:
        return None
    return head.stdout.strip() + ("+dirty" if status.stdout.strip() else "")


def corpus_version(chunk_ids_by_doc: Mapping[str, Collection[str]]) -> tuple[str, dict[str, str]]:
    """The index's version (a hash of every chunk id; chunk ids hash chunk contents) and each document's."""
    documents = {doc: short_hash("\n".join(sorted(chunks))) for doc, chunks in sorted(chunk_ids_by_doc.items())}
    return short_hash(json.dumps(documents, sort_keys=True)), documents


def provenance(settings: Settings, chain: AnswerChain, set_path: Path, items: Sequence[Item]) -> dict[str, Any]:
    """What a run depended on: commit, settings (and their hash), corpus version, question set."""
    by_doc: dict[str, list[str]] = {}
    for passage in chain.retriever.passages.values():
        by_doc.setdefault(passage.doc_id, []).append(passage.chunk_id)
    version, documents = corpus_version(by_doc)
    shaping = answer_settings(settings)
    return {
        "commit": commit(),
        "settings": shaping,
        "settings_hash": short_hash(json.dumps(shaping, sort_keys=True)),
        "corpus_version": version,
        "documents": documents,
        "question_set": str(set_path),
        "question_set_hash": short_hash(set_path.read_text(encoding="utf-8")),
        "items_hash": short_hash("\n".join(item_hash(item) for item in items)),
    }


def new_run_folder(root: Path) -> Path:
    """A new folder under ``root`` named by the UTC time (a suffix when two runs start in one second)."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    folder, n = root / stamp, 1
    while folder.exists():
        n += 1
        folder = root / f"{stamp}-{n}"
    return folder


def is_run(folder: Path) -> bool:
    return all((folder / name).is_file() for name in RUN_FILES)


def list_runs(root: Path) -> list[Path]:
    """Every run in ``root``, oldest first: its subfolders, and ``root`` itself if a run was written there."""
    if not root.is_dir():
        return []
    found = [folder for folder in root.iterdir() if folder.is_dir() and is_run(folder)]
    if is_run(root):
        found.append(root)
    return sorted(found, key=lambda folder: ((folder / "summary.json").stat().st_mtime, folder.name))


def previous_run(folder: Path, root: Path | None = None) -> Path | None:
    """The run before ``folder`` among the runs of ``root`` (default: its parent folder)."""
    runs = list_runs(root or folder.parent)
    resolved = [r.resolve() for r in runs]
    if folder.resolve() not in resolved:
        return runs[-1] if runs else None
    at = resolved.index(folder.resolve())
    return runs[at - 1] if at else None


def resolve_run(name: str, root: Path = RUNS_ROOT) -> Path:
    """A run folder from a path, or "latest" / "previous" among the runs of ``root``; UsageError if none."""
    if name in ("latest", "previous"):
        runs = list_runs(root)
        wanted = runs[-1:] if name == "latest" else runs[-2:-1]
        if not wanted:
            msg = f"no {name} run in {root}"
            raise UsageError(msg)
        return wanted[0]
    folder = Path(name)
    if not is_run(folder):
        msg = f"{folder} is not an evaluation run (it needs {' and '.join(RUN_FILES)})"
        raise UsageError(msg)
    return folder


@dataclass
class Run:
    """One run read back: its folder, summary.json and every configuration's item results."""

    path: Path
    summary: dict[str, Any]
    results: dict[str, list[ItemResult]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Run:
        """Read a run folder; UsageError naming the file when it is missing or unreadable."""
        try:
            summary = json.loads((path / "summary.json").read_text(encoding="utf-8"))
            results: dict[str, list[ItemResult]] = {}
            with (path / "results.jsonl").open(encoding="utf-8") as lines:
                for line in lines:
                    if line.strip():
                        result = ItemResult.from_json_dict(json.loads(line))
                        results.setdefault(result.config, []).append(result)
        except (OSError, ValueError, TypeError) as exc:
            msg = f"the run in {path} cannot be read ({type(exc).__name__}: {exc})"
            raise UsageError(msg) from exc
        return cls(path, summary, results)

    @property
    def default(self) -> str:
        return self.summary.get("default") or next(iter(self.results), DEFAULT)

    @property
    def provenance(self) -> dict[str, Any]:
        return self.summary.get("provenance", {})


def select_items(
    items: list[Item], split: str | None, only: str | None, limit: int | None, set_path: Path
) -> list[Item]:
    """The items of one split and one category (``only``), then the first ``limit``; UsageError when none is left."""
    items = in_split(items, split)
    if only is not None:
        if only not in CATEGORIES:
            msg = f"--only {only}: unknown category; choose from {', '.join(CATEGORIES)}"
            raise UsageError(msg)
        items = [i for i in items if i.category == only]
    items = items[:limit] if limit else items
    if not items:
        msg = f"no items in {set_path} match --split {split} --only {only}"
        raise UsageError(msg)
    return items


def configuration_names(config: Sequence[str] | None) -> list[str]:
    """The configurations asked for, in order without repeats (all when none); UsageError for unknown ones."""
    names = list(dict.fromkeys(config or CONFIGURATIONS))
    unknown = [n for n in names if n not in CONFIGURATIONS]
    if unknown:
        msg = f"--config {', '.join(unknown)}: unknown; choose from {', '.join(CONFIGURATIONS)}"
        raise UsageError(msg)
    return names


def gates(path: Path, scope: str = "full") -> Thresholds:
    """The thresholds --check applies, read from ``path``."""
    return load_thresholds(path, {key for key, _, _ in FIGURES}, scope)


def run_evaluation(
    chain: AnswerChain | Callable[[], AnswerChain],
    set_path: Path = EVAL_SET,
    *,
    out: Path | None = None,
    root: Path = RUNS_ROOT,
    config: Sequence[str] | None = None,
    split: str | None = None,
    only: str | None = None,
    limit: int | None = None,
    check: bool = False,
    thresholds_path: Path = THRESHOLDS,
    progress: Progress | None = None,
) -> Run:
    """Answer and score the set with each configuration over ``chain``'s index, and write the run.

    ``chain`` may be a loader, called once the set and options are found valid, so that a bad set is
    reported at once rather than after the model and index load. The run goes into ``out`` when
    given, else into a new timestamped folder under ``root``. With ``check`` (the gates),
    summary.json records the default configuration's shortfalls, item set by item set. Bad input (set, category,
    configuration) is a UsageError raised before anything is answered.
    """
    started = time.perf_counter()
    items = select_items(load_question_set(set_path), split, only, limit, set_path)
    names = configuration_names(config)
    if check and DEFAULT not in names:
        msg = f"--check gates the {DEFAULT} configuration; include it in --config"
        raise UsageError(msg)
    if check:
        gates(thresholds_path)  # a bad thresholds file is reported before anything is answered
    chain = chain if isinstance(chain, AnswerChain) else chain()
    check_gold_docs(set_path, items, {p.doc_id for p in chain.retriever.passages.values()})
    answerers = {name: CONFIGURATIONS[name].build(chain) for name in names}
    results = run(answerers, items, progress)
    summary = build_summary(set_path, results, time.perf_counter() - started)
    summary["provenance"] = provenance(chain.settings, chain, set_path, items)
    if check:
        known = {key for key, _, _ in FIGURES}
        summary["check"] = {
            "thresholds": str(thresholds_path),
            "shortfalls": set_shortfalls(thresholds_path, known, summary["configs"][DEFAULT]["sets"]),
        }
    folder = out or new_run_folder(root)
    grades = GradeStore.for_settings(chain.settings).grades()
    write_reports(folder, summary, results, grades)
    return Run(folder, summary, results)
