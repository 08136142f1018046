"""The Streamlit app, page by page, through Streamlit's AppTest over the real session index and model."""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import APP, labelled, quoted, start
from streamlit.testing.v1 import AppTest

from assistant.feedback import FeedbackStore
from assistant.ingest import ingest
from assistant.rendering import chart_text, reference
from assistant.settings import Settings

QUESTION = "What dose of tocilizumab for grade 2 CRS?"


def ask(at: AppTest, question: str) -> Any:
    at.chat_input[0].set_value(question).run()
    assert not at.exception, at.exception
    return at.session_state["messages"][-1]


def test_question_gives_a_cited_answer_with_passages(on_index: Settings) -> None:
    at = start()
    answer = ask(at, QUESTION)["answer"]
    assert not answer.abstained
    assert "8 mg/kg" in answer.answer
    assert "| Drug | Dose |" in answer.answer
    # The dose table is drawn once as a table and once as cards; the stylesheet shows one by width.
    table = next(h.proto.body for h in at.get("html") if "carta-rows" in h.proto.body)
    assert table.count('class="carta-card-title"') == answer.answer.count("\n| tocilizumab")
    assert "carta-table" in table
    sources = labelled(at.expander, "Sources")
    assert sources.label == f"Sources ({len(answer.citations)})"
    shown = " ".join(m.value for m in sources.markdown)
    assert "carta-quoted" in shown  # the quoted rows are marked in the passage
    assert answer.citations[0].title in shown
    assert "https://doi.org/" in shown or "https://pubmed.ncbi.nlm.nih.gov/" in shown
    copy = labelled(at.expander, "Copy for the chart")
    assert copy.code[0].value.strip() == chart_text(answer, date.today()).strip()
    assert all(reference(c) in copy.code[0].value for c in answer.citations)


def test_follow_up_carries_the_drug(on_index: Settings) -> None:
    at = start()
    ask(at, QUESTION)
    follow = ask(at, "And the maximum dose?")["answer"]
    assert "tocilizumab" in follow.query.lower()
    assert any(status.label.startswith("Searched for") and "tocilizumab" in status.label for status in at.status)
    assert len(at.chat_message) == 4


def test_more_on_this_continues_the_last_answer_without_repeating_it(on_index: Settings) -> None:
    at = start()
    assert labelled(at.button, "More on this").proto.disabled  # nothing to continue yet
    first = ask(at, "what is the evidence for anakinra in steroid-refractory ICANS?")["answer"]
    labelled(at.button, "More on this").click().run()
    assert not at.exception, at.exception
    messages = at.session_state["messages"]
    assert messages[-2]["content"] == "Tell me more"
    more = messages[-1]["answer"]
    assert more.query == first.query and not more.abstained
    assert not quoted(more.answer) & quoted(first.answer)


def test_example_question_is_clickable_and_new_conversation_clears(on_index: Settings) -> None:
    at = start()
    assert len([b for b in at.button if (b.key or "").startswith("example-")]) == 4
    assert any("will not invent" in c.value for c in at.caption)
    example = at.button(key="example-0")
    example.click().run()
    assert not at.exception
    messages = at.session_state["messages"]
    assert messages[0]["content"] == example.label
    assert len(messages) == 2 and messages[1]["answer"].citations
    export = labelled(at.get("download_button"), "Export conversation")
    assert export.proto.disabled is False
    labelled(at.button, "New conversation").click().run()
    assert at.session_state["messages"] == []
    assert at.button(key="example-0")  # the examples are back on the empty chat


def test_feedback_is_stored(on_index: Settings) -> None:
    at = start()
    message = ask(at, QUESTION)
    at.feedback[-1].set_value(0).run()
    at.text_input(key=f"comment-{message['id']}").set_value("Missing the paediatric dose").run()
    assert not at.exception
    rows = [r for r in FeedbackStore.for_settings(on_index).rows() if r["answer_id"] == message["id"]]
    assert len(rows) == 1
    assert (rows[0]["rating"], rows[0]["comment"]) == (0, "Missing the paediatric dose")
    assert rows[0]["question"] == QUESTION
    assert json.loads(rows[0]["history"]) == []  # the first question has no earlier turns
    follow = ask(at, "And the maximum dose?")
    at.feedback[-1].set_value(0).run()
    (row,) = [r for r in FeedbackStore.for_settings(on_index).rows() if r["answer_id"] == follow["id"]]
    history = json.loads(row["history"])  # kept, so a test item drafted from it keeps the context
    assert [t["role"] for t in history] == ["user", "assistant"] and history[0]["content"] == QUESTION


def test_sidebar_filter_restricts_retrieval(on_index: Settings) -> None:
    at = start()
    at.sidebar.multiselect(key="filter_types").set_value(["label"]).run()
    answer = ask(at, QUESTION)["answer"]
    assert answer.citations
    assert {c.doc_type for c in answer.citations} == {"label"}


def test_filters_show_only_on_the_pages_they_act_on(on_index: Settings) -> None:
    at = start()
    at.sidebar.multiselect(key="filter_types").set_value(["label"]).run()
    at.switch_page("views/library.py").run()
    assert not at.sidebar.multiselect
    at.switch_page("views/dosing.py").run()
    assert at.sidebar.multiselect(key="filter_types").value == ["label"]  # kept across the Library page


def test_page_switches_never_reload_the_chain(on_index: Settings) -> None:
    at = start()
    loads: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: loads.append(record.getMessage())  # type: ignore[method-assign]
    logger = logging.getLogger("carta.ui")
    logger.addHandler(handler)
    try:
        for page in ("views/dosing.py", "views/library.py", "views/evaluation.py", "views/chat.py"):
            at.switch_page(page).run()
            assert not at.exception
    finally:
        logger.removeHandler(handler)
    assert not [line for line in loads if "chain loaded" in line]


def test_dosing_table_for_tocilizumab(on_index: Settings) -> None:
    at = start("views/dosing.py")
    assert at.selectbox(key="dosing_drug").value == "tocilizumab"
    table = at.dataframe[0].value
    assert len(table) > 0
    assert table["Drug"].str.contains("tocilizumab", case=False).all()
    assert {"Dose", "Route", "Frequency", "Maximum", "Population", "Setting", "Use", "Source", "Link"} <= set(table)
    at.multiselect(key="dosing_uses").set_value(["label"]).run()
    labelled_rows = at.dataframe[0].value
    assert 0 < len(labelled_rows) < len(table)
    assert set(labelled_rows["Use"]) == {"label"}
    at.text_input(key="dosing_text").set_value("30 kg").run()
    assert at.dataframe[0].value["Population"].str.contains("30 kg").all()
    assert labelled(at.get("download_button"), "Download CSV")


def test_library_lists_the_corpus_and_opens_a_document(on_index: Settings) -> None:
    at = start("views/library.py")
    documents = at.dataframe[0].value
    assert len(documents) >= 40
    assert {"Title", "Year", "Type", "Chunks", "Link"} <= set(documents)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Documents"] == str(len(documents))
    assert metrics["Corpus changes"] == "none"
    at.selectbox(key="library_document").set_value("santomasso-2021-asco-crs").run()
    assert not at.exception
    assert any("8 mg/kg" in m.value for m in at.markdown)


def test_library_shows_the_coverage_map(on_index: Settings) -> None:
    at = start("views/library.py")
    crs, icans = (frame.value for frame in at.dataframe[1:3])
    assert list(crs["grade"]) == ["grade 1", "grade 2", "grade 3", "grade 4"]
    assert {"ASTCT", "ASCO", "NCCN", "EBMT/EHA", "CARTOX", "labels", "institutional"} <= set(crs)
    assert "—" not in set(crs["ASCO"]) | set(icans["ASCO"])  # issue 12: no empty ASCO cell for CRS or ICANS
    assert "A" in icans.set_index("grade").loc["grade 4", "ASCO"]  # the grade 4 regimen is declared absent
    absent = labelled(at.expander, "Declared absent")
    assert any("grade 4 ICANS regimen" in m.value for m in absent.markdown)


def test_evaluation_page_without_a_report(on_index: Settings, tmp_path: Path) -> None:
    at = start("views/evaluation.py")
    at.text_input(key="eval_root").set_value(str(tmp_path / "no-runs")).run()
    assert not at.exception
    assert any("No evaluation run" in i.value for i in at.info)
    assert labelled(at.get("download_button"), "Download feedback CSV")


def test_evaluation_page_runs_the_set_and_shows_the_report(on_index: Settings, tmp_path: Path) -> None:
    question_set = tmp_path / "qa.yaml"
    items = [
        {
            "id": "dosing-toci-crs-g2",
            "question": QUESTION,
            "category": "dosing",
            "difficulty": 1,
            "gold_docs": ["santomasso-2021-asco-crs"],
            "must_include": [{"pattern": r"8\s*mg/kg", "points": 3, "fact": "tocilizumab 8 mg/kg"}],
            "abstain": False,
            "reference": "Tocilizumab 8 mg/kg IV (ASCO 2021).",
        },
        {
            "id": "out-of-scope-capital",
            "question": "What is the capital of France?",
            "category": "out-of-scope",
            "difficulty": 1,
            "gold_docs": [],
            "abstain": True,
            "reference": "Not covered.",
        },
    ]
    question_set.write_text(yaml.safe_dump({"version": 1, "items": items}), encoding="utf-8")
    root = tmp_path / "out"
    at = start("views/evaluation.py")
    at.text_input(key="eval_root").set_value(str(root))
    at.text_input(key="eval_set").set_value(str(question_set))
    at.multiselect(key="eval_configs").set_value(["hybrid", "naive-rag"]).run()
    labelled(at.button, "Run").click().run()
    assert not at.exception, at.exception
    (run,) = root.iterdir()  # a new timestamped run folder, now the one shown
    assert (run / "summary.json").is_file() and (run / "report.html").is_file()
    assert at.selectbox(key="eval_run").value == str(run)
    assert labelled(at.metric, "pass rate").value.endswith("%")
    assert set(at.dataframe[0].value.columns) == {"figure", "hybrid", "naive-rag"}
    assert len(at.dataframe[1].value) == 2  # the default configuration's items
    at.multiselect(key="eval_verdicts").set_value(["pass"]).run()
    assert set(at.dataframe[1].value["verdict"]) == {"pass"}
    labelled(at.selectbox, "Open an item").set_value("dosing-toci-crs-g2").run()
    assert not at.exception
    assert any(QUESTION in m.value for m in at.markdown)


def test_missing_index_shows_a_banner_not_a_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARTA_DATA_DIR", str(tmp_path / "empty"))
    for page in (None, "views/dosing.py", "views/evaluation.py", "views/library.py"):
        at = start(page)
        assert any("carta ingest" in e.value for e in at.error), [e.value for e in at.error]
    assert labelled(at.button, "Rebuild index")


@pytest.mark.model  # the page's own ingest embeds with the real model
def test_library_rebuilds_and_uploads_into_a_small_index(
    small_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CARTA_CORPUS_DIR", str(small_settings.corpus_dir))  # the data dir is already isolated
    ingest(small_settings)
    at = start("views/library.py")
    assert len(at.dataframe[0].value) == 3
    labelled(at.button, "Rebuild index").click().run()
    assert any("3 unchanged" in s.value for s in at.success), [s.value for s in at.success]

    text = b"# Hospital CRS protocol\n\n## Tocilizumab at our centre\n\nOur centre gives tocilizumab for grade 2 CRS.\n"
    at.file_uploader[0].set_value(("crs-protocol.md", text, "text/markdown"))
    labelled(at.text_input, "Title").set_value("Our CRS protocol")
    labelled(at.number_input, "Year").set_value(2026)
    labelled(at.button, "Add to the index").click().run()
    assert not at.exception, at.exception
    assert any("1 added" in s.value for s in at.success), [s.value for s in at.success]
    assert (small_settings.data_dir / "uploads" / "crs-protocol.md").is_file()
    at.run()
    documents = at.dataframe[0].value
    upload = documents[documents["Title"] == "Our CRS protocol"]
    assert list(upload["Collection"]) == ["local"]
    assert list(upload["Year"]) == [2026]


def test_abstention_is_noticed(on_index: Settings) -> None:
    at = start()
    answer = ask(at, "What is the capital of France?")["answer"]
    assert answer.abstained and not answer.citations
    assert any(i.value.startswith("Abstained") for i in at.info)
    assert not [e for e in at.expander if e.label.startswith("Sources")]


def removed_statements_app(ui_dir: str) -> None:
    """An answer from which the verifier removed a statement, drawn by the shared notice helper."""
    import sys

    sys.path.insert(0, ui_dir)
    import common

    from assistant.answer import Answer, Verification

    reason = "Tocilizumab 12 mg/kg for adults: number '12 mg/kg' is not in its cited passages"
    verification = Verification(statements=3, removed=1, reasons=[reason])
    common.render_notices(Answer(question="q", query="q", answer="a", abstained=False, verification=verification))


def test_removed_statements_are_noticed_with_reasons() -> None:
    at = AppTest.from_function(removed_statements_app, args=(str(APP.parent),))
    at.run()
    assert not at.exception
    assert "removed 1 statement" in at.warning[0].value
    assert "is not in its cited passages" in labelled(at.expander, "Why they were removed").markdown[0].value
