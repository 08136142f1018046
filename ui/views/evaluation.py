"""Evaluation: open the latest run without running anything, read it item by item, grade answers by hand,
turn failures into test items, compare with another run; or start a new run. Layout only: what is
computed comes from assistant.evaluation (runs, browse, compare, human, drafts)."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Any

import common
import pandas as pd
import streamlit as st

from assistant.answering.chain import AnswerChain
from assistant.errors import CartaError
from assistant.evaluation import browse
from assistant.evaluation.baselines import CONFIGURATIONS, DEFAULT
from assistant.evaluation.compare import Comparison, compare_runs, interval_text
from assistant.evaluation.drafts import draft_item, save_draft
from assistant.evaluation.human import VERDICTS, GradeStore, HumanGrade, agreement, grades_by_answer, grades_for
from assistant.evaluation.report import FIGURES, LABELS, delta, fmt, kappa
from assistant.evaluation.runner import ItemResult
from assistant.evaluation.runs import (
    EVAL_SET,
    RUNS_ROOT,
    THRESHOLDS,
    Run,
    gates,
    list_runs,
    previous_run,
    run_evaluation,
)
from assistant.feedback import FeedbackStore
from assistant.settings import Settings

#: The headline figures, from the report's figure keys.
HEADLINE = ("pass_rate", "key_fact_coverage", "recall_at_5", "citation_validity", "abstention_accuracy")
DRAFT = "eval_draft"
DRAFT_SOURCE = "eval_draft_source"
ITEM = "eval_item"


@st.cache_resource(max_entries=4, show_spinner="Reading the run…")
def load_run(path: str, stamp: float) -> Run:
    """A run folder, read once per change (``stamp`` is its results' modification time).

    A resource cache, not a data cache: st.cache_data would unpickle a copy of the run on every
    call, seconds for a 2,000-item run; the page never changes a run it has read.
    """
    return Run.load(Path(path))


def cached_run(path: Path) -> Run:
    return load_run(str(path), (path / "results.jsonl").stat().st_mtime)


@st.cache_data(max_entries=64, show_spinner=False)
def run_label(path: str, stamp: float) -> str:
    """How a run is named in the run pickers: folder, time, items and commit, from its summary.json alone."""
    summary = json.loads((Path(path) / "summary.json").read_text(encoding="utf-8"))
    commit = summary.get("provenance", {}).get("commit")
    return f"{Path(path).name} · {summary.get('created', '')} · {summary.get('items', '?')} items" + (
        f" · {commit}" if commit else ""
    )


def label(path: str) -> str:
    return run_label(path, (Path(path) / "summary.json").stat().st_mtime)


@st.cache_data(max_entries=8, show_spinner="Comparing the runs (bootstrap intervals)…")
def cached_comparison(old: str, new: str, stamps: tuple[float, float], config: str) -> Comparison:
    """The comparison `carta eval --compare OLD NEW` prints for one configuration, gated by
    evals/thresholds.toml when it is there (one configuration at a time: each takes a bootstrap)."""
    try:
        gated = gates(THRESHOLDS)
    except CartaError:
        gated = None  # no thresholds file where the app runs: the changes are shown without gates
    return compare_runs(cached_run(Path(old)), cached_run(Path(new)), gated, [config])


# ---------------------------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------------------------
def run_panel(loaded: AnswerChain | None, set_path: Path, root: Path) -> None:
    """Start a run (the same run_evaluation as `carta eval`); the new run is then the one shown."""
    with st.expander("Run the evaluation", icon=":material/play_arrow:"):
        names = st.multiselect(
            "Configurations",
            list(CONFIGURATIONS),
            default=list(CONFIGURATIONS),
            format_func=lambda n: f"{n} (default)" if n == DEFAULT else n,
            key="eval_configs",
            help="\n".join(f"- **{n}**: {c.what}" for n, c in CONFIGURATIONS.items()),
        )
        if not st.button("Run", icon=":material/play_arrow:", disabled=loaded is None or not names):
            return
        assert loaded is not None
        bar = st.progress(0.0, text="Starting…")

        def progress(done: int, total: int, what: str) -> None:
            bar.progress(done / total, text=f"{done}/{total} · {what}")

        try:
            made = run_evaluation(loaded, set_path, root=root, config=names, progress=progress)
        except CartaError as exc:
            st.error(str(exc))
            return
        finally:
            bar.empty()
        st.session_state["eval_run"] = str(made.path)
        st.success(f"Evaluated {made.summary['items']} items with {len(names)} configuration(s): `{made.path}`.")


# ---------------------------------------------------------------------------------------------
# Headline
# ---------------------------------------------------------------------------------------------
def headline(run: Run) -> None:
    summary = run.summary
    provenance = run.provenance
    st.caption(
        f"Run **{run.path.name}** · set `{summary['set']}` · {summary['items']} items "
        f"({summary['unanswerable']} unanswerable) · "
        f"{summary['created']} · runtime {summary['runtime_s']:.0f} s · commit `{provenance.get('commit', '?')}` · "
        f"corpus `{provenance.get('corpus_version', '?')}` · settings `{provenance.get('settings_hash', '?')}`"
    )
    figures = summary["configs"][run.default]["metrics"]
    for column, key in zip(st.columns(len(HEADLINE) + 1), (*HEADLINE, "latency_p50_ms"), strict=True):
        column.metric(LABELS[key], fmt(key, figures.get(key)))
    configs = summary["configs"]
    st.dataframe(
        pd.DataFrame(
            [
                {"figure": label, **{n: fmt(key, c["metrics"].get(key)) for n, c in configs.items()}}
                for key, label, _ in FIGURES
            ]
        ),
        hide_index=True,
        width="stretch",
        height=220,
    )


# ---------------------------------------------------------------------------------------------
# Items
# ---------------------------------------------------------------------------------------------
def open_selected_row(ids: list[str]) -> None:
    """The table's row selection opens that item (through the same key as the 'Open an item' box)."""
    rows = st.session_state["eval_table"].selection.rows
    if rows:
        st.session_state[ITEM] = ids[rows[0]]


def items_tab(run: Run, previous: Run | None, loaded: AnswerChain | None, set_path: Path, store: GradeStore) -> None:
    configs = list(run.results)
    results = [r for rs in run.results.values() for r in rs]
    first, second, third, fourth = st.columns([1, 2, 1, 2])
    config = first.selectbox("Configuration", configs, index=configs.index(run.default), key="eval_config")
    categories = second.multiselect(
        "Category", sorted({r.category for r in results}), placeholder="All", key="eval_categories"
    )
    splits = third.multiselect("Split", sorted({r.split for r in results}), placeholder="All", key="eval_splits")
    verdicts = fourth.multiselect("Verdict", browse.VERDICTS, placeholder="All", key="eval_verdicts")
    first, second, third = st.columns([2, 2, 1], vertical_alignment="bottom")
    text = first.text_input("Search", placeholder="id, question or answer text", key="eval_search")
    human = second.multiselect("Human verdict", [*VERDICTS, "ungraded"], placeholder="Any", key="eval_human")
    changed = third.toggle(
        "Changed since previous run",
        key="eval_changed",
        help=f"Verdict differs from {previous.path.name}" if previous else "No previous run: every item is new.",
    )
    grades = store.grades()
    grouped = grades_by_answer(grades)
    chosen = browse.ItemFilter(
        config=config,
        categories=categories,
        splits=splits,
        verdicts=verdicts,
        changed=browse.changed_since(run, previous) if changed else None,
        text=text,
        human=human,
    )
    shown = browse.select(run, chosen, grouped)
    corpus = run.provenance.get("corpus_version", "")
    count = len(shown)
    left, right = st.columns([1, 4], vertical_alignment="center")
    number = left.number_input("Page", min_value=1, max_value=browse.pages(count), value=1, key="eval_page")
    right.caption(f"{count} of {len(run.results[config])} items · {browse.PAGE_SIZE} a page · worst verdict first")
    page = browse.page_of(shown, int(number))
    ids = [r.id for r in page]
    st.dataframe(
        pd.DataFrame(browse.table_rows(page, corpus, grouped), columns=list(browse.COLUMNS)),
        hide_index=True,
        width="stretch",
        key="eval_table",
        on_select=lambda: open_selected_row(ids),
        selection_mode="single-row",
        column_config={"points": st.column_config.ProgressColumn("points", min_value=0.0, max_value=1.0)},
    )
    by_id = {r.id: r for r in shown}
    if st.session_state.get(ITEM) not in by_id:
        st.session_state.pop(ITEM, None)
    picked = st.selectbox(
        "Open an item", list(by_id), index=None, placeholder="Choose an item, or click its row", key=ITEM
    )
    if picked is not None:
        item_detail(by_id[picked], run, grades, loaded, store)
    draft_editor(set_path, loaded)


def answer_as_shown(result: ItemResult, loaded: AnswerChain | None) -> None:
    """The answer with its notices and sources, as the chat showed it; passages come from the index."""
    with st.container(border=True):
        st.markdown(result.answer)
        if result.abstained:
            reason = f" ({result.abstain_reason})" if result.abstain_reason else ""
            st.info(f"{common.ABSTAINED_NOTICE}{reason}", icon=":material/block:")
        if result.removed:
            st.warning(common.REMOVED_NOTICE.format(n=len(result.removed)), icon=":material/rule:")
        for notice in result.notices:
            st.caption(notice)
        passages = loaded.retriever.passages if loaded is not None else {}
        for citation in result.citations:
            title = citation.get("title") or citation["doc_id"]
            year = f" ({citation['year']})" if citation.get("year") else ""
            with st.expander(f"[{citation['n']}] {title}{year} · {citation.get('section', '')}"):
                passage = passages.get(citation["chunk_id"])
                st.markdown(passage.text if passage else "_This passage is no longer in the index._")


def item_detail(
    result: ItemResult, run: Run, grades: list[HumanGrade], loaded: AnswerChain | None, store: GradeStore
) -> None:
    """One item: outcome, question, the answer as shown, gold facts, gold ranks, removals; grading and drafting."""
    st.markdown(
        f"#### `{result.id}` · {result.category} · {result.split} · {result.config}\n"
        f"verdict **{result.verdict}** · grade **{result.grade}** ({result.points:g}/{result.possible:g} points)"
    )
    for reason in result.reasons:
        st.error(reason, icon=":material/close:")
    for flag in result.flags:
        st.caption(f"Also: {flag}")
    for turn in result.history:
        st.caption(f"Earlier {turn['role']}: {turn['content'][:300]}")
    st.markdown(f"**Question:** {result.question}")
    if result.query and result.query != result.question:
        st.caption(f"Searched for: {result.query}")
    left, right = st.columns([3, 2])
    with left:
        st.markdown("**Answer as the user saw it**")
        answer_as_shown(result, loaded)
    with right:
        st.markdown("**Gold facts** (found ones highlighted)")
        facts = browse.marked_facts(result)
        st.markdown(
            "\n".join(
                f"- <mark>✓ {fact}</mark> — “{matched}”" if found else f"- ✗ {fact} (missing)"
                for fact, found, matched in facts
            )
            or "_none: this item should abstain_",
            unsafe_allow_html=True,
        )
        for harm in result.violated:
            st.error(f"Harmful statement made: {harm}", icon=":material/dangerous:")
        st.markdown("**Gold documents, as retrieved**")
        st.markdown(
            "\n".join(
                f"- `{doc}`: rank {rank}" if rank else f"- `{doc}`: not in the top 10"
                for doc, rank in result.gold_ranks.items()
            )
            or "_none_"
        )
        st.caption(f"Top similarity {result.top_similarity}" if result.top_similarity is not None else "Never searched")
        if result.removed:
            st.markdown("**Removed by the verifier**")
            st.markdown("\n".join(f"- {reason}" for reason in result.removed))
    grade_form(result, run, grades, store)


def grade_form(result: ItemResult, run: Run, grades: list[HumanGrade], store: GradeStore) -> None:
    """Verdict and note for this answer; saving replaces this evaluator's earlier grade of it."""
    corpus = run.provenance.get("corpus_version", "")
    given = grades_for(result, corpus, grades_by_answer(grades))
    key = f"{result.config}-{result.id}"
    with st.container(border=True):
        st.markdown("**Your grade**")
        for grade in given:
            st.caption(f"{grade.evaluator}: {grade.verdict}" + (f" — {grade.note}" if grade.note else ""))
        evaluator = st.text_input("Evaluator", value=getpass.getuser(), key="eval_evaluator")
        verdict = st.radio("Verdict", VERDICTS, index=None, horizontal=True, key=f"verdict-{key}")
        note = st.text_area("Note", key=f"note-{key}", placeholder="What is wrong, missing or unsafe?", height=80)
        left, right = st.columns(2)
        if left.button("Save grade", key=f"save-{key}", disabled=verdict is None, icon=":material/save:"):
            grade = HumanGrade(
                result.id,
                result.answer_hash,
                corpus,
                evaluator,
                str(verdict),
                note.strip(),
                result.config,
                run.path.name,
            )
            try:
                store.record(grade)
            except CartaError as exc:
                st.error(str(exc))
            else:
                st.toast(f"Graded {result.id}: {verdict}", icon=":material/check:")
                st.rerun()
        last = given[-1] if given else None
        source = f"item {result.id} of run {run.path.name}" + (f", graded {last.verdict}" if last else "")
        right.button(
            "Make a test item",
            key=f"draft-{key}",
            icon=":material/post_add:",
            on_click=draft_from_result,
            args=(result, {r.id for r in run.results[result.config]}, source, f"note-{key}", last),
        )


def draft_from_result(result: ItemResult, taken: set[str], source: str, note_key: str, last: HumanGrade | None) -> None:
    """Draft from an item; the note typed (or the last grade's note) goes into the draft for the evaluator."""
    note = st.session_state.get(note_key) or (last.note if last else "")
    text = draft_item(
        result.question,
        history=result.history,
        cited_docs=[c["doc_id"] for c in result.citations],
        category=result.category,
        source=source,
        note=note,
        taken=taken,
    )
    start_draft(text, source)


def start_draft(text: str, source: str) -> None:
    st.session_state[DRAFT] = text
    st.session_state[DRAFT_SOURCE] = source


def draft_editor(set_path: Path, loaded: AnswerChain | None) -> None:
    """The drafted item, editable; saving appends it to the set's dev split (checked first)."""
    if DRAFT not in st.session_state:
        return
    with st.container(border=True):
        st.markdown(f"**New test item** from {st.session_state.get(DRAFT_SOURCE, 'a draft')}, for `{set_path}`")
        st.caption("Replace every FILL IN: the key facts as regular expressions, and the reference.")
        st.text_area("Draft (YAML)", key=DRAFT, height=320)
        left, right = st.columns(2)
        if left.button("Save to the dev split", icon=":material/save:", key="eval_draft_save"):
            known = {p.doc_id for p in loaded.retriever.passages.values()} if loaded is not None else None
            try:
                item = save_draft(set_path, st.session_state[DRAFT], known, st.session_state.get(DRAFT_SOURCE, ""))
            except CartaError as exc:
                st.error(str(exc))
            else:
                st.session_state["eval_saved"] = f"Saved `{item.id}` to `{set_path}` (dev split)."
                discard_draft()
                st.rerun()
        right.button("Discard", key="eval_draft_discard", on_click=discard_draft)


def discard_draft() -> None:
    st.session_state.pop(DRAFT, None)
    st.session_state.pop(DRAFT_SOURCE, None)


# ---------------------------------------------------------------------------------------------
# Curves, comparison, grades, feedback
# ---------------------------------------------------------------------------------------------
def curves_tab(run: Run) -> None:
    st.markdown(
        "**Risk–coverage of abstention**: raise the threshold on the top similarity and read "
        "how many items are still answered (coverage) and how many of those fail (risk)."
    )
    st.line_chart(pd.DataFrame(browse.coverage_rows(run)), x="coverage", y="risk", color="configuration")
    st.markdown("**Pass rate by category**")
    st.bar_chart(
        pd.DataFrame(browse.category_rows(run)), x="category", y="pass rate", color="configuration", stack=False
    )
    st.markdown("**Latency per item**")
    st.bar_chart(
        pd.DataFrame(browse.latency_rows(run)), x="latency (ms)", y="items", color="configuration", stack=False
    )


def compare_tab(run: Run, runs: list[Path]) -> None:
    others = [str(p) for p in reversed(runs) if p.resolve() != run.path.resolve()]
    if not others:
        st.info("There is no other run to compare with yet.")
        return
    before = previous_run(run.path)
    default = others.index(str(before)) if before is not None and str(before) in others else 0
    left, right = st.columns(2)
    old = left.selectbox("Compare with (old)", others, index=default, format_func=label, key="eval_compare_with")
    stamps = ((Path(old) / "results.jsonl").stat().st_mtime, (run.path / "results.jsonl").stat().st_mtime)
    names = [name for name in run.results if name in cached_run(Path(old)).results]
    if not names:
        st.info("The two runs share no configuration.")
        return
    config = right.selectbox(
        "Configuration", names, index=names.index(run.default) if run.default in names else 0, key="eval_compare_config"
    )
    comparison = cached_comparison(old, str(run.path), stamps, config)
    st.markdown("**What differs**")
    st.markdown(
        "\n".join(f"- {line.strip()}" for line in comparison.differences)
        or "Nothing: same commit, settings, corpus and question set."
    )
    if comparison.only_old or comparison.only_new:
        st.caption(
            f"Items only in the old run: {len(comparison.only_old)}; only in this run: {len(comparison.only_new)}."
        )
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "figure": f.label,
                    "old": fmt(f.key, f.old),
                    "new": fmt(f.key, f.new),
                    "change": delta(f.key, f.new, f.old),
                    "95% interval": interval_text(f.key, f.change),
                    "gate": ("fell" if f.fell else f.gate) or "",
                }
                for f in comparison.figures
                if f.config == config
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    changed = [c for c in comparison.changes if c.config == config]
    st.markdown(f"**{len(changed)} item(s) changed verdict**")
    if changed:
        st.dataframe(
            pd.DataFrame([{"item": c.id, "category": c.category, "old": c.old, "new": c.new} for c in changed]),
            hide_index=True,
            width="stretch",
        )


def grades_tab(run: Run, grades: list[HumanGrade]) -> None:
    corpus = run.provenance.get("corpus_version", "")
    figures = agreement(run.results[run.default], grades, corpus)
    columns = st.columns(4)
    columns[0].metric("Answers graded", figures["graded"])
    columns[1].metric("Agreement with automatic", fmt("share", figures["agreement"]))
    columns[2].metric("Kappa, automatic vs human", kappa(figures["kappa_automatic"]))
    columns[3].metric("Kappa between evaluators", kappa(figures["kappa_evaluators"]))
    grouped = grades_by_answer(grades)
    rows = [
        {
            "item": r.id,
            "configuration": r.config,
            "automatic": r.verdict,
            "evaluator": g.evaluator,
            "human": g.verdict,
            "note": g.note,
        }
        for rs in run.results.values()
        for r in rs
        for g in grades_for(r, corpus, grouped)
    ]
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    else:
        st.caption("No answer of this run has been graded yet: open an item and give it a verdict.")


def feedback_download(config: Settings) -> list[dict[str, Any]]:
    """Users' ratings as CSV; returns the rows (none when the store cannot be read, after saying why)."""
    try:
        store = FeedbackStore.for_settings(config)
        rows = store.rows()
        feedback_csv = store.to_csv()
    except CartaError as exc:
        st.error(str(exc))
        return []
    st.caption(f"{len(rows)} answer(s) rated by users, with their comments.")
    st.download_button("Download feedback CSV", feedback_csv, "carta-feedback.csv", "text/csv", disabled=not rows)
    return rows


def feedback_tab(run: Run, config: Settings) -> None:
    """Users' ratings; a thumbs-down answer can be drafted into a test item."""
    down = [r for r in feedback_download(config) if r["rating"] == 0]
    if not down:
        return
    by_id = {str(r["answer_id"]): r for r in down}
    picked = st.selectbox(
        "Thumbs-down answers",
        list(by_id),
        index=None,
        format_func=lambda i: f"{by_id[i]['question']} — {by_id[i]['comment'] or 'no comment'}",
        key="eval_feedback_pick",
    )
    if picked is not None:
        row = by_id[picked]
        st.markdown(str(row["answer"]))
        taken = {r.id for rs in run.results.values() for r in rs}
        st.button(
            "Make a test item",
            key="eval_feedback_draft",
            icon=":material/post_add:",
            on_click=start_draft,
            args=(
                draft_item(
                    str(row["question"]),
                    history=json.loads(str(row.get("history") or "[]")),
                    cited_docs=[d for d in str(row["sources"]).split("; ") if d],
                    source="a thumbs-down in chat",
                    note=str(row["comment"]),
                    taken=taken,
                ),
                "a thumbs-down in chat",
            ),
        )


# ---------------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------------
st.title("Evaluation")
settings = common.settings(quiet=True)
if settings is None:
    st.stop()  # the entry point has shown why the settings are invalid
grade_store = GradeStore.for_settings(settings)
loaded = common.chain(quiet=True)
top_left, top_right = st.columns(2)
root = Path(top_left.text_input("Runs folder", st.query_params.get("runs", str(RUNS_ROOT)), key="eval_root"))
set_path = Path(top_right.text_input("Question set", str(EVAL_SET), key="eval_set"))
run_panel(loaded, set_path, root)
if saved := st.session_state.pop("eval_saved", None):
    st.success(saved, icon=":material/check:")
runs = list_runs(root)
if not runs:
    st.info(f"No evaluation run in `{root}` yet. Run one above, or `carta eval` in a terminal.")
    st.subheader("Feedback")
    feedback_download(settings)
    st.stop()

choices = [str(p) for p in reversed(runs)]
wanted = st.query_params.get("run")
if wanted and st.session_state.get("eval_run") not in choices:
    st.session_state["eval_run"] = next((c for c in choices if Path(c).name == wanted), choices[0])
if st.session_state.get("eval_run") not in choices:
    st.session_state.pop("eval_run", None)
chosen = Path(st.selectbox("Run (newest first)", choices, format_func=label, key="eval_run"))
try:
    run = cached_run(chosen)
    before = previous_run(chosen, root)
    previous = cached_run(before) if before is not None else None
except CartaError as exc:
    st.error(str(exc))
    st.stop()
headline(run)
items, curves, comparison, human, feedback = st.tabs(["Items", "Curves", "Compare", "Human grades", "Feedback"])
with items:
    items_tab(run, previous, loaded, set_path, grade_store)
with curves:
    curves_tab(run)
with comparison:
    compare_tab(run, runs)
with human:
    grades_tab(run, grade_store.grades())
with feedback:
    feedback_tab(run, settings)
report = chosen / "report.html"
if report.exists():
    st.download_button("Download the HTML report", report.read_bytes(), "carta-eval-report.html", "text/html")
