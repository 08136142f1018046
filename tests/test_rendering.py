"""assistant/rendering.py: an answer read back into statements and rows, drawn as HTML and as plain text."""

from __future__ import annotations

import re
from datetime import date

from assistant.answer import Answer, Citation
from assistant.answering.chain import AnswerChain
from assistant.rendering import (
    DISCLAIMER,
    TEXT_WIDTH,
    Quoted,
    aligned,
    answer_table,
    body,
    cards_html,
    chart_text,
    conversation_text,
    highlighted,
    quoted_by,
    reference,
    references,
    short_reference,
)

ANSWERED = date(2026, 12, 2)
DOSING = (
    "- Tocilizumab: 8 mg/kg over 1 h, IV, repeat in 8 h if no improvement (CRS grade 2). [1]\n"
    "- The label dose is 8 mg/kg for patients who weigh 30 kg or more. [2]\n\n"
    "| Drug | Dose | Route | Frequency | Maximum | Population | Setting | Use | Source |\n"
    "|---|---|---|---|---|---|---|---|---|\n"
    "| tocilizumab | 12 mg/kg | IV infusion | not stated | 800 mg per infusion | weighing <30 kg "
    "| severe or life-threatening CAR-T-induced CRS | label | [2] |\n"
    "| tocilizumab | 8 mg/kg over 1 h | IV | repeat in 8 h if no improvement | 800 mg per dose; 3 doses in 24 h "
    "| not stated | CRS grade 2 | guideline | [1] |"
)


def citation(n: int, **fields: object) -> Citation:
    base = {
        "n": n, "doc_id": f"doc-{n}", "chunk_id": f"chunk-{n}", "title": f"Title {n}", "year": 2021,
        "doc_type": "guideline", "doi": None, "pmid": None, "url": None, "section": "Doses", "text": "passage",
    }  # fmt: skip
    return Citation(**{**base, **fields})


def dosing_answer() -> Answer:
    return Answer(
        question="What dose of tocilizumab for grade 2 CRS?",
        query="tocilizumab dose grade 2 CRS",
        answer=DOSING,
        abstained=False,
        intent="dosing",
        citations=[
            citation(1, authors=["Santomasso BD", "Nastoupil LJ"], doi="10.1200/JCO.21.01992", pmid="34724386"),
            citation(2, source="Genentech; U.S. Food and Drug Administration", year=2017, doc_type="label",
                     url="https://www.fda.gov"),
        ],
    )  # fmt: skip


def test_body_reads_statements_and_rows_with_their_citations() -> None:
    parts = body(dosing_answer())
    assert [line.refs for line in parts.lines] == [[1], [2]]
    assert parts.lines[0].sentence.startswith("Tocilizumab: 8 mg/kg")
    assert parts.header == ["Drug", "Dose", "Route", "Frequency", "Maximum", "Population", "Setting", "Use"]
    assert [(row.cells["Dose"], row.refs) for row in parts.rows] == [("12 mg/kg", [2]), ("8 mg/kg over 1 h", [1])]
    assert "|" not in parts.lead and parts.lead.startswith("- Tocilizumab")


def test_reference_names_author_or_body_year_title_and_doi_or_pmid() -> None:
    first, label = dosing_answer().citations
    assert reference(first) == "Santomasso BD et al. 2021, Title 1, DOI 10.1200/JCO.21.01992"
    assert reference(label) == "Genentech 2017, Title 2, https://www.fda.gov"
    assert reference(citation(3, authors=["Wehrli M"], pmid="123")) == "Wehrli M 2021, Title 3, PMID 123"
    assert (short_reference(first), short_reference(label)) == ("Santomasso 2021", "Genentech 2017")


def test_chart_text_is_plain_with_every_reference_the_date_and_aligned_rows() -> None:
    answer = dosing_answer()
    text = chart_text(answer, ANSWERED)
    assert "answered 2 December 2026" in text
    assert all(f"[{c.n}] {reference(c)}" in text for c in answer.citations)  # two sources, two lines
    assert "- Tocilizumab: 8 mg/kg over 1 h, IV, repeat in 8 h if no improvement (CRS grade 2). [1]" in text
    assert "|" not in text and "**" not in text  # plain text, not markdown
    assert text.rstrip().endswith(DISCLAIMER)
    # The dose rows: every line at most TEXT_WIDTH wide, each column starting where its header does.
    table = text[text.index("Drug ") : text.index("References")].rstrip().splitlines()
    assert max(len(line) for line in table) <= TEXT_WIDTH
    starts = [table[0].index(name) for name in ("Dose", "Route", "Frequency", "Use", "Source")]
    first_row = next(line for line in table[1:] if line.startswith("tocilizumab"))
    assert [first_row[s:].split("  ")[0] for s in starts[:2]] == ["12 mg/kg", "IV infusion"]
    assert first_row.rstrip().endswith("[2]")


def test_aligned_wraps_long_cells_inside_their_column() -> None:
    long = "severe or life-threatening CAR-T-induced cytokine release syndrome in adults and children"
    text = aligned(["Drug", "Setting", "Use"], [["tocilizumab", long, "label"]], width=40)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 40
    column = lines[0].index("Setting")
    wrapped = " ".join(line[column:].split("  ")[0].strip() for line in lines[2:] if line.strip())
    assert wrapped == long
    assert lines[2][lines[0].index("Use") :].strip() == "label"


def test_abstention_copies_its_message_and_no_references() -> None:
    answer = Answer(question="capital of France?", query="q", answer="The indexed documents hold no answer.",
                    abstained=True)  # fmt: skip
    text = chart_text(answer, ANSWERED)
    assert "The indexed documents hold no answer." in text and "References" not in text


def test_references_name_a_source_once_with_all_its_numbers() -> None:
    answer = dosing_answer()
    same = answer.citations[0].model_copy(update={"n": 3, "chunk_id": "another"})
    assert references([*answer.citations, same])[0] == f"[1, 3] {reference(same)}"


def test_conversation_text_holds_each_answer_in_order() -> None:
    first, second = dosing_answer(), dosing_answer().model_copy(update={"question": "And in children?"})
    text = conversation_text([(first, ANSWERED), (second, date(2026, 12, 3))])
    assert text.index(first.question) < text.index("And in children?")
    assert "answered 3 December 2026" in text


def test_answer_table_draws_each_row_as_a_card_that_leads_with_drug_and_dose() -> None:
    html = answer_table(dosing_answer())
    assert html is not None and "\n\n" not in html
    cards = re.findall(r'<div class="carta-card">(.*?)</dl></div>', html)
    assert len(cards) == 2
    order = re.findall(r'data-cell="(\w+)"', cards[0])
    assert order == ["drug", "dose", "route", "frequency", "maximum", "population", "setting", "use", "source"]
    assert "[2] Genentech 2017" in cards[0]
    assert "weighing &lt;30 kg" in html  # cell text is escaped
    assert answer_table(Answer(question="q", query="q", answer="No table here. [1]", abstained=False)) is None


def test_cards_of_another_table_lead_with_its_first_column() -> None:
    html = cards_html(["CRS grade", "Fever"], [["2", "≥38 °C"]], quoted=[True])
    assert 'class="carta-card carta-quoted"' in html
    assert "CRS grade: <span" in html


def test_highlighted_marks_quoted_sentences_and_rows_and_escapes_html() -> None:
    text = (
        "Tocilizumab is given for CRS. Dexamethasone <b>is</b> given for ICANS.\n\n"
        "| Drug | Dose |\n|---|---|\n| tocilizumab | 8 mg/kg |\n| anakinra | 100 mg |"
    )
    quoted = Quoted(frozenset({"Tocilizumab is given for CRS."}), frozenset({("tocilizumab", "8 mg/kg")}))
    shown = highlighted(text, quoted)
    assert "<mark>Tocilizumab is given for CRS.</mark> Dexamethasone &lt;b&gt;is&lt;/b&gt;" in shown
    assert '<tr class="carta-quoted"><td><span data-cell="drug">tocilizumab</span>' in shown
    assert '<tr><td><span data-cell="drug">anakinra</span>' in shown
    assert '\n\n<div class="carta-rows">' in shown  # the table is an HTML block of its own for markdown


def test_quoted_by_maps_each_citation_to_its_statements(chain: AnswerChain) -> None:
    answer = chain.invoke("What dose of tocilizumab for grade 2 CRS?")
    quoted = quoted_by(answer)
    assert set(quoted) == {c.n for c in answer.citations}
    first = quoted[1]
    assert first.rows or first.sentences
    assert all(len(row) == 8 for q in quoted.values() for row in q.rows)
    for n, q in quoted.items():
        passage = next(c.text for c in answer.citations if c.n == n)
        assert all(any(" | ".join(row) in line for line in passage.splitlines()) for row in q.rows)
    text = chart_text(answer, ANSWERED)
    assert all(reference(c) in text for c in answer.citations)


def test_a_number_takes_a_unit_only_where_the_unit_ends_the_word() -> None:
    from assistant.text import numbers_in

    assert numbers_in("the ASCO 2021 guideline gives 2 g IV, 1 g/day and 48 hours") == ["2021", "2 g", "1 g", "48 h"]
