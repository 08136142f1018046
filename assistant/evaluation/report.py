"""What `carta eval` writes: results.jsonl, summary.json, report.md and a self-contained report.html.

The reports put the configurations side by side first, then what each part buys, then the default
configuration's failed items (with the reason and the answer), then the items that passed. The HTML
report is the markdown report rendered, plus plots embedded as base64 PNG, so it opens offline.
"""

from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.errors import ConfigError
from assistant.evaluation.baselines import CONFIGURATIONS, DEFAULT
from assistant.evaluation.human import HumanGrade, agreement
from assistant.evaluation.runner import ItemResult, by_category, by_item_set, metrics
from assistant.evaluation.stats import risk_coverage

#: The figures of a configuration, in report order: key (as in summary.json and thresholds.toml),
#: label, and kind ("share" prints as a percentage).
FIGURES: tuple[tuple[str, str, str], ...] = (
    ("pass_rate", "pass rate", "share"),
    ("points", "rubric points (share of possible)", "share"),
    ("key_fact_coverage", "key-fact coverage", "share"),
    ("recall_at_1", "recall@1", "share"),
    ("recall_at_5", "recall@5", "share"),
    ("recall_at_10", "recall@10", "share"),
    ("mrr", "MRR", "share"),
    ("ndcg_at_10", "nDCG@10", "share"),
    ("citation_validity", "citation validity", "share"),
    ("number_grounding", "number grounding", "share"),
    ("token_overlap_support", "token-overlap support", "share"),
    ("abstention_accuracy", "abstention accuracy", "share"),
    ("abstention_precision", "abstention precision", "share"),
    ("abstention_recall", "abstention recall", "share"),
    ("words_mean", "answer words (mean, no tables)", "count"),
    ("words_median", "answer words (median, no tables)", "count"),
    ("paraphrase_consistency", "paraphrase consistency", "share"),
    ("wrong_setting_lead", "wrong-setting lead", "share"),
    ("latency_p50_ms", "latency p50 (ms)", "count"),
    ("latency_p95_ms", "latency p95 (ms)", "count"),
    ("fallback_rate", "LLM fallbacks (extractive answers)", "share"),
)
#: The comparisons that say what each part buys: (part, configuration with it, configurations without it).
PARTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Fusion of BM25 and dense retrieval", DEFAULT, ("bm25", "dense")),
    ("Synonym expansion", DEFAULT, ("hybrid-no-synonyms",)),
    ("Composer, verifier and abstention", DEFAULT, ("naive-rag",)),
)
#: Read beside any comparison with naive-rag, whose answers are whole passages.
LENGTH_NOTE = (
    "Rubric points reward each fact stated and do not penalise length, so a configuration that quotes whole "
    "passages matches more patterns: read pass rate beside answer words and abstention."
)
PART_FIGURES = ("recall_at_5", "pass_rate", "key_fact_coverage", "abstention_accuracy", "words_mean")
#: The figures of each item set in the report (issue 17's "before" and "after").
SET_FIGURES = (
    "pass_rate",
    "paraphrase_consistency",
    "wrong_setting_lead",
    "abstention_accuracy",
    "citation_validity",
    "number_grounding",
    "words_median",
    "recall_at_5",
)
SET_NOTES = {
    "base": "items of no issue-17 class and no paraphrase: [minimum] and [maximum] gate these",
    "dev": "dev originals: tune on these",
    "test": "test originals: frozen, only reported",
    "new": "issue-17 bedside items (class set)",
    "paraphrases": "rewordings of an original (paraphrase_of)",
    "gaps": "dev items known to fail (known_gap): reported here only, in no other set",
}
LABELS = {key: label for key, label, _ in FIGURES}
KINDS = {key: kind for key, _, kind in FIGURES}


def severity(result: ItemResult) -> tuple[int, int, float, str]:
    """Sort key, worst first: harmful statements, then answers where Carta should have abstained, then points."""
    return (-len(result.violated), -(result.abstain and not result.abstained), result.fraction, result.id)


def focus_config(results: Mapping[str, Any]) -> str:
    """The configuration the detailed sections describe: the default when it ran."""
    return DEFAULT if DEFAULT in results else next(iter(results))


def build_summary(set_path: Path, results: Mapping[str, list[ItemResult]], runtime_s: float) -> dict[str, Any]:
    """summary.json: every configuration's figures, overall and by category."""
    first = next(iter(results.values()))
    return {
        "set": str(set_path),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "runtime_s": round(runtime_s, 1),
        "items": len(first),
        "unanswerable": sum(r.abstain for r in first),
        "default": focus_config(results),
        "configs": {
            name: {
                "what": CONFIGURATIONS[name].what,
                "metrics": metrics(rs),
                "categories": by_category(rs),
                "sets": by_item_set(rs),
                "classes": by_category([r for r in rs if r.paraphrase_of is None], "failure_class"),
            }
            for name, rs in results.items()
        },
    }


def fmt(key: str, value: float | None) -> str:
    if value is None:
        return "–"
    return f"{100 * value:.1f}%" if KINDS.get(key, "share") == "share" else f"{value:,.0f}"


def delta(key: str, value: float | None, base: float | None) -> str:
    if value is None or base is None:
        return "–"
    if KINDS.get(key, "share") == "share":
        return f"{round(100 * (value - base), 1) + 0.0:+.1f} pp"  # + 0.0 turns -0.0 into 0.0
    return f"{round(value - base) + 0:+,d}"


def cell(text: object) -> str:
    """Text safe inside a markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def overview_markdown(summary: Mapping[str, Any]) -> str:
    """Title, the configurations side by side, what each part buys, and the gate check."""
    configs = summary["configs"]
    focus = summary["default"]
    lines = [
        "# Carta evaluation",
        "",
        f"Set `{summary['set']}`: {summary['items']} items ({summary['unanswerable']} unanswerable) · "
        f"{summary['created']} · runtime {summary['runtime_s']:.0f} s",
        "",
        "## Configurations compared",
        "",
        "| figure | " + " | ".join(f"**{n}**" if n == focus else n for n in configs) + " |",
        "|---|" + "---:|" * len(configs),
    ]
    lines += [
        f"| {label} | " + " | ".join(fmt(key, c["metrics"].get(key)) for c in configs.values()) + " |"
        for key, label, _ in FIGURES
    ]
    lines += ["", *(f"- **{name}**: {c['what']}" for name, c in configs.items()), ""]
    parts = [(part, w, wo) for part, w, wo in PARTS if w in configs and any(o in configs for o in wo)]
    if parts:
        lines += [
            "## What each part buys",
            "",
            "| part | compared with | " + " | ".join(LABELS[k] for k in PART_FIGURES) + " |",
        ]
        lines.append("|---|---|" + "---:|" * len(PART_FIGURES))
        for part, with_part, without in parts:
            for other in (o for o in without if o in configs):
                mine, theirs = configs[with_part]["metrics"], configs[other]["metrics"]
                figures = " | ".join(delta(k, mine.get(k), theirs.get(k)) for k in PART_FIGURES)
                lines.append(f"| {part} | {with_part} vs {other} | {figures} |")
        lines += ["", LENGTH_NOTE, ""]
    lines += provenance_markdown(summary.get("provenance"))
    lines += human_markdown(summary.get("human"))
    check = summary.get("check")
    if check is not None:
        lines += [f"## Gate check ({check['thresholds']})", ""]
        lines += [f"- FAIL: {s}" for s in check["shortfalls"]] or ["All figures meet their thresholds."]
        lines.append("")
    return "\n".join(lines)


def provenance_markdown(provenance: Mapping[str, Any] | None) -> list[str]:
    """What the run depended on, for telling two runs apart."""
    if not provenance:
        return []
    return [
        "## What this run depended on",
        "",
        f"commit `{provenance.get('commit') or 'unknown'}` · settings `{provenance['settings_hash']}` · "
        f"corpus `{provenance['corpus_version']}` ({len(provenance.get('documents', {}))} documents) · "
        f"question set `{provenance['question_set']}` `{provenance['question_set_hash']}`",
        "",
    ]


def human_markdown(human: Mapping[str, Any] | None) -> list[str]:
    """Evaluators' grades of the default configuration's answers and their agreement, when any exist."""
    if not human or not human.get("grades"):
        return []
    verdicts = ", ".join(f"{name} {count}" for name, count in sorted(human["verdicts"].items()))
    lines = [
        "## Human grades",
        "",
        f"{human['graded']} answers graded ({human['grades']} grades by {', '.join(human['evaluators'])}: {verdicts}).",
        f"Agreement with the automatic verdict: {fmt('share', human['agreement'])}; "
        f"Cohen's kappa {kappa(human['kappa_automatic'])}.",
    ]
    if human.get("kappa_evaluators_answers"):
        first, second = human["kappa_evaluators_between"]
        lines.append(
            f"Between evaluators {first} and {second} ({human['kappa_evaluators_answers']} answers both graded): "
            f"Cohen's kappa {kappa(human['kappa_evaluators'])}."
        )
    return [*lines, ""]


def kappa(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def sets_markdown(summary: Mapping[str, Any]) -> list[str]:
    """The focus configuration's figures per item set and its pass rate per issue-17 failure class."""
    focus = summary["configs"][summary["default"]]
    sets, classes = focus.get("sets", {}), focus.get("classes", {})
    if not sets:
        return []
    lines = [
        f"## Item sets ({summary['default']})",
        "",
        "| set | items | " + " | ".join(LABELS[k] for k in SET_FIGURES) + " | what |",
        "|---|---:|" + "---:|" * len(SET_FIGURES) + "---|",
    ]
    lines += [
        f"| {name} | {m['items']} | " + " | ".join(fmt(k, m.get(k)) for k in SET_FIGURES) + f" | {SET_NOTES[name]} |"
        for name, m in sets.items()
    ]
    lines += [
        "",
        "A set's paraphrase consistency counts the groups (an original and its paraphrases) with a member in it.",
    ]
    if classes:
        lines += [
            "",
            "## By failure class (issue 17; originals only)",
            "",
            "| class | items | pass rate | points |",
            "|---|---:|---:|---:|",
        ]
        lines += [
            f"| {n} | {c['items']} | {fmt('pass_rate', c['pass_rate'])} | {fmt('points', c['points'])} |"
            for n, c in classes.items()
        ]
    return [*lines, ""]


def details_markdown(summary: Mapping[str, Any], results: Sequence[ItemResult]) -> str:
    """The focus configuration by item set, failure class and category, its failed items (reason and
    answer), then its passes."""
    focus = summary["default"]
    categories = summary["configs"][focus]["categories"]
    lines = [
        *sets_markdown(summary),
        f"## By category ({focus})",
        "",
        "| category | items | pass rate | points | key-fact coverage | recall@5 |",
    ]
    lines.append("|---|---:|---:|---:|---:|---:|")
    for name, c in categories.items():
        figures = " | ".join(fmt(k, c[k]) for k in ("pass_rate", "points", "key_fact_coverage", "recall_at_5"))
        lines.append(f"| {name} | {c['items']} | {figures} |")
    failed = sorted((r for r in results if not r.passed), key=severity)
    lines += ["", f"## Failed items ({focus}): {len(failed)} of {len(results)}", ""]
    for r in failed:
        lines += [
            f"### `{r.id}` · {r.category} · grade {r.grade} ({r.points:g}/{r.possible:g} points)",
            "",
            *(f"- **why:** {reason}" for reason in r.reasons),
            *(f"- also: {flag}" for flag in r.flags),
            "",
            f"**Question:** {r.question}" + (f"  \n**Searched for:** {r.query}" if r.query != r.question else ""),
            "",
            f"**Gold documents:** {', '.join(r.gold_docs) or 'none (should abstain)'} · "
            f"**retrieved:** {', '.join(r.ranked_docs[:5]) or 'nothing'}",
            "",
            "````text",
            r.answer,
            "````",
            "",
            *(f"[{c['n']}] {c['doc_id']} § {c['section']}  " for c in r.citations),
            "",
        ]
    passed = [r for r in results if r.passed]
    lines += [f"## Passed items ({focus}): {len(passed)} of {len(results)}", ""]
    lines += [
        "| item | category | grade | recall@5 | words | latency (ms) | notes |",
        "|---|---|---|---:|---:|---:|---|",
    ]
    lines += [
        f"| `{r.id}` | {r.category} | {r.grade} | {fmt('recall_at_5', r.recall_at_5)} | {r.words} | "
        f"{r.latency_ms:,.0f} | {cell('; '.join(r.flags))} |"
        for r in passed
    ]
    return "\n".join(lines) + "\n"


def _png(figure: Any) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def plots(summary: Mapping[str, Any], results: Mapping[str, list[ItemResult]]) -> list[tuple[str, str]]:
    """(caption, base64 PNG) for the baselines compared, pass rate by category, latency and risk–coverage."""
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:
        msg = "the HTML report needs matplotlib; install the eval extra: pip install -e '.[eval]'"
        raise ConfigError(msg) from exc
    configs = summary["configs"]
    names = list(configs)
    width = 0.8 / len(names)
    out = []

    keys = [k for k, _, kind in FIGURES if kind == "share" and k not in ("abstention_precision", "abstention_recall")]
    figure = Figure(figsize=(9, 0.45 * len(keys) * max(2, len(names)) / 2 + 1))
    axes = figure.subplots()
    for n, name in enumerate(names):
        values = [configs[name]["metrics"].get(k) or 0.0 for k in keys]
        axes.barh([i + n * width for i in range(len(keys))], values, height=width, label=name)
    axes.set_yticks([i + 0.4 - width / 2 for i in range(len(keys))], [LABELS[k] for k in keys])
    axes.invert_yaxis()
    axes.set_xlim(0, 1)
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.04), ncol=len(names), fontsize="small")
    axes.set_title("Configurations compared (share, higher is better)")
    out.append(("Configurations compared", _png(figure)))

    categories = list(configs[summary["default"]]["categories"])
    figure = Figure(figsize=(max(6, 1.1 * len(categories)), 4))
    axes = figure.subplots()
    for n, name in enumerate(names):
        rates = [configs[name]["categories"].get(c, {}).get("pass_rate") or 0.0 for c in categories]
        axes.bar([i + n * width for i in range(len(categories))], rates, width=width, label=name)
    axes.set_xticks([i + 0.4 - width / 2 for i in range(len(categories))], categories, rotation=30, ha="right")
    axes.set_ylim(0, 1)
    axes.set_ylabel("pass rate")
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=len(names), fontsize="small")
    axes.set_title("Pass rate by category")
    out.append(("Pass rate by category", _png(figure)))

    figure = Figure(figsize=(8, 3.5))
    axes = figure.subplots()
    longest = max(r.latency_ms for rs in results.values() for r in rs)
    for name in names:
        latencies = [r.latency_ms for r in results[name]]
        axes.hist(latencies, bins=30, range=(0, longest), histtype="step", linewidth=1.5, label=name)
    axes.set_xlabel("latency per item (ms)")
    axes.set_ylabel("items")
    axes.legend(fontsize="small")
    axes.set_title("Latency per item")
    out.append(("Latency per item", _png(figure)))

    figure = Figure(figsize=(7, 4))
    axes = figure.subplots()
    for name in names:
        curve = coverage_curve(results[name])
        axes.plot([p.coverage for p in curve], [p.risk or 0.0 for p in curve], marker=".", label=name)
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1)
    axes.set_xlabel("coverage: share of items answered")
    axes.set_ylabel("risk: share of answered items that fail")
    axes.legend(fontsize="small")
    axes.set_title("Risk–coverage as the abstention threshold rises")
    out.append(("Risk–coverage of abstention", _png(figure)))
    return out


def coverage_curve(results: Iterable[ItemResult]) -> list[Any]:
    """The risk–coverage points of one configuration's results (see stats.risk_coverage)."""
    return risk_coverage([(r.top_similarity, not r.abstained, not r.passed) for r in results])


STYLE = """
body{font:15px/1.45 system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .6em;vertical-align:top}
th{background:#f3f3f3}pre{background:#f7f7f7;padding:.6em;white-space:pre-wrap;font-size:13px}
h3{margin-top:1.6em;font-size:1.05em}img{max-width:100%}figure{margin:1em 0}
"""


def render_html(overview: str, details: str, figures: Sequence[tuple[str, str]]) -> str:
    """The markdown report as one HTML page with the plots embedded; no external files or scripts."""
    from markdown_it import MarkdownIt

    to_html = MarkdownIt("commonmark", {"html": False}).enable("table").render
    images = "".join(
        f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{data}">'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        for caption, data in figures
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Carta evaluation</title>'
        f"<style>{STYLE}</style></head><body>{to_html(overview)}<h2>Figures</h2>{images}{to_html(details)}"
        "</body></html>\n"
    )


def write_reports(
    out: Path,
    summary: dict[str, Any],
    results: Mapping[str, list[ItemResult]],
    grades: Iterable[HumanGrade] = (),
) -> list[Path]:
    """Write the four outputs into ``out``; returns their paths.

    ``grades`` are the evaluators' grades known so far: those that apply to the default
    configuration's answers go into summary.json and the reports as agreement figures.
    """
    corpus = summary.get("provenance", {}).get("corpus_version", "")
    summary["human"] = agreement(results[summary["default"]], grades, corpus)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / name for name in ("results.jsonl", "summary.json", "report.md", "report.html")]
    rows = (json.dumps(r.to_json_dict(), ensure_ascii=False) for rs in results.values() for r in rs)
    paths[0].write_text("".join(f"{row}\n" for row in rows), encoding="utf-8")
    paths[1].write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    overview = overview_markdown(summary)
    details = details_markdown(summary, results[summary["default"]])
    paths[2].write_text(f"{overview}\n{details}", encoding="utf-8")
    paths[3].write_text(render_html(overview, details, plots(summary, results)), encoding="utf-8")
    return paths
