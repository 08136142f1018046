"""Evaluation: run the graded question set, or read the latest `carta eval` report, item by item; feedback CSV."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import common
import pandas as pd
import streamlit as st

from assistant.answering.chain import AnswerChain
from assistant.errors import CartaError
from assistant.evaluation.baselines import CONFIGURATIONS, DEFAULT
from assistant.evaluation.questions import check_gold_docs, load_question_set
from assistant.evaluation.report import FIGURES, build_summary, fmt, plots, write_reports
from assistant.evaluation.runner import ItemResult, run
from assistant.feedback import FeedbackStore

#: The same defaults as `carta eval`, relative to the folder Carta runs in.
EVAL_SET = "evals/qa.yaml"
EVAL_OUT = "evals/out"
#: The headline figures, from the report's figure keys.
HEADLINE = ("pass_rate", "key_fact_coverage", "recall_at_5", "citation_validity", "abstention_accuracy")


def run_eval(loaded: AnswerChain, set_path: Path, out: Path, names: list[str]) -> None:
    """Answer and score the set with each configuration over the loaded index, then write the reports."""
    started = time.perf_counter()
    try:
        items = load_question_set(set_path)
        retriever = loaded.retriever
        check_gold_docs(set_path, items, {p.doc_id for p in retriever.passages.values()})
        answerers = {name: CONFIGURATIONS[name].build(loaded) for name in names}
        bar = st.progress(0.0, text="Starting…")

        def progress(done: int, total: int, what: str) -> None:
            bar.progress(done / total, text=f"{done}/{total} · {what}")

        results = run(answerers, items, progress)
        bar.empty()
        write_reports(out, build_summary(set_path, results, time.perf_counter() - started), results)
    except CartaError as exc:
        st.error(str(exc))
        return
    st.success(
        f"Evaluated {len(items)} items with {len(names)} configuration(s) in {time.perf_counter() - started:.0f} s."
    )


@st.cache_data(show_spinner="Drawing the plots…")
def report_plots(summary_json: str, results_jsonl: str) -> list[tuple[str, bytes]]:
    """The report's plots as PNG bytes (cached on the report's text, so redrawn only for a new report)."""
    results: dict[str, list[ItemResult]] = {}
    for line in results_jsonl.splitlines():
        row = json.loads(line)
        results.setdefault(row["config"], []).append(ItemResult(**row))
    return [(caption, base64.b64decode(data)) for caption, data in plots(json.loads(summary_json), results)]


def figures_table(summary: dict[str, Any]) -> pd.DataFrame:
    """Every figure (rows) for every configuration (columns), formatted as in the report."""
    configs = summary["configs"]
    return pd.DataFrame(
        [
            {"figure": label, **{name: fmt(key, c["metrics"].get(key)) for name, c in configs.items()}}
            for key, label, _ in FIGURES
        ]
    )


def item_details(row: dict[str, Any]) -> None:
    """One item: outcome and why it failed, the question and search, the answer and its citations."""
    st.markdown(
        f"**{row['id']}** · {row['category']} · grade **{row['grade']}** ({row['points']:g}/{row['possible']:g} points)"
    )
    if row["passed"]:
        st.success("Passed", icon=":material/check:")
    for reason in row["reasons"]:
        st.error(reason, icon=":material/close:")
    for flag in row["flags"]:
        st.caption(f"Also: {flag}")
    st.markdown(f"**Question:** {row['question']}")
    if row["query"] != row["question"]:
        st.markdown(f"**Searched for:** {row['query']}")
    st.markdown(
        f"**Gold documents:** {', '.join(row['gold_docs']) or 'none (should abstain)'}  \n"
        f"**Retrieved:** {', '.join(row['ranked_docs'][:5]) or 'nothing'}"
    )
    with st.container(border=True):
        st.markdown(row["answer"])
    for citation in row["citations"]:
        st.caption(f"[{citation['n']}] {citation['doc_id']} · {citation['section']}")


def items_view(rows: list[dict[str, Any]], default: str) -> None:
    """Per-item results of one configuration, filterable by category and outcome; pick one to read it."""
    configs = list(dict.fromkeys(r["config"] for r in rows))
    left, middle, right = st.columns([1, 2, 1])
    config = left.selectbox("Configuration", configs, index=configs.index(default) if default in configs else 0)
    mine = [r for r in rows if r["config"] == config]
    categories = middle.multiselect("Category", list(dict.fromkeys(r["category"] for r in mine)), placeholder="All")
    outcome = right.segmented_control("Outcome", ["all", "passed", "failed"], default="all", key="eval_outcome")
    shown = [
        r
        for r in mine
        if (not categories or r["category"] in categories)
        and (outcome in (None, "all") or r["passed"] == (outcome == "passed"))
    ]
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "item": r["id"],
                    "category": r["category"],
                    "passed": r["passed"],
                    "grade": r["grade"],
                    "points": r["fraction"],
                    "recall@5": r["recall_at_5"],
                    "latency (ms)": r["latency_ms"],
                    "why it failed": "; ".join(r["reasons"]),
                }
                for r in shown
            ]
        ),
        hide_index=True,
        width="stretch",
        column_config={"points": st.column_config.ProgressColumn("points", min_value=0.0, max_value=1.0)},
    )
    by_id = {r["id"]: r for r in shown}
    picked = st.selectbox("Open an item", list(by_id), index=None, placeholder="Choose an item to read its answer")
    if picked is not None:
        item_details(by_id[picked])


def report_view(out: Path) -> None:
    """The latest report in ``out``: headline figures, configurations side by side, plots, items."""
    summary_path, results_path = out / "summary.json", out / "results.jsonl"
    if not summary_path.exists() or not results_path.exists():
        st.info(f"No evaluation report in `{out}` yet. Run the evaluation above, or `carta eval` in a terminal.")
        return
    try:
        summary_json, results_jsonl = summary_path.read_text(), results_path.read_text()
        summary = json.loads(summary_json)
        rows = [json.loads(line) for line in results_jsonl.splitlines() if line.strip()]
        default = summary["default"]
        headline = summary["configs"][default]["metrics"]
    except (OSError, ValueError, KeyError) as exc:
        st.error(f"The report in `{out}` cannot be read ({type(exc).__name__}: {exc}); run the evaluation again.")
        return
    st.caption(
        f"Set `{summary['set']}` · {summary['items']} items ({summary['unanswerable']} unanswerable) · "
        f"{summary['created']} · runtime {summary['runtime_s']:.0f} s · figures for **{default}**"
    )
    labels = {key: label for key, label, _ in FIGURES}
    for column, key in zip(st.columns(len(HEADLINE) + 1), (*HEADLINE, "latency_p50_ms"), strict=True):
        column.metric(labels[key], fmt(key, headline.get(key)))
    st.subheader("Configurations compared")
    st.dataframe(figures_table(summary), hide_index=True, width="stretch")
    for name, config in summary["configs"].items():
        st.caption(f"**{name}**: {config['what']}")
    with st.expander("Plots", icon=":material/bar_chart:"):
        try:
            for caption, png in report_plots(summary_json, results_jsonl):
                st.image(png, caption=caption)
        except CartaError as exc:
            st.warning(str(exc))
    st.subheader("Items")
    items_view(rows, default)
    report = out / "report.html"
    if report.exists():
        st.download_button("Download the HTML report", report.read_bytes(), "carta-eval-report.html", "text/html")


st.title("Evaluation")
config = common.settings(quiet=True)
out = Path(st.text_input("Report folder", EVAL_OUT, key="eval_out"))
loaded = common.chain(quiet=True)
with st.expander("Run the evaluation", icon=":material/play_arrow:"):
    set_path = Path(st.text_input("Question set", EVAL_SET, key="eval_set"))
    names = st.multiselect(
        "Configurations",
        list(CONFIGURATIONS),
        default=list(CONFIGURATIONS),
        format_func=lambda n: f"{n} (default)" if n == DEFAULT else n,
        key="eval_configs",
        help="\n".join(f"- **{n}**: {c.what}" for n, c in CONFIGURATIONS.items()),
    )
    if st.button("Run", icon=":material/play_arrow:", disabled=loaded is None or not names) and loaded is not None:
        run_eval(loaded, set_path, out, names)
report_view(out)

st.subheader("Feedback")
if config is not None:
    try:
        store = FeedbackStore.for_settings(config)
        feedback_csv, count = store.to_csv(), len(store.rows())
    except CartaError as exc:
        st.error(str(exc))
    else:
        st.caption(f"{count} answer(s) rated by users, with their comments.")
        st.download_button("Download feedback CSV", feedback_csv, "carta-feedback.csv", "text/csv", disabled=not count)
