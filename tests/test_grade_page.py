"""The Grade page: Streamlit's AppTest fills each form over the real session index; a real browser (Debian's
Chromium) fills the CRS form, sees the grade and saves docs/grade-page.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers import LOAD_MS, STEP_MS, chromium
from streamlit.testing.v1 import AppTest

from assistant.settings import Settings

APP = Path(__file__).resolve().parents[1] / "ui" / "app.py"
SCREENSHOT = Path(__file__).resolve().parents[1] / "docs" / "grade-page.png"
TIMEOUT = 180


@pytest.fixture
def grade_page(corpus_index: Settings, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("CARTA_DATA_DIR", str(corpus_index.data_dir))
    monkeypatch.setenv("CARTA_CORPUS_DIR", str(corpus_index.corpus_dir))
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    at.switch_page("views/grade.py").run()
    assert not at.exception, at.exception
    return at


def number(at: AppTest, label: str) -> Any:
    return next(widget for widget in at.number_input if widget.label == label)


def submit(at: AppTest, label: str) -> AppTest:
    next(button for button in at.button if button.label == label).click().run()
    assert not at.exception, at.exception
    return at


def test_crs_form_grades_highlights_the_deciding_row_and_gives_a_note(grade_page: AppTest) -> None:
    at = grade_page
    number(at, "Highest temperature").set_value(39.4)
    number(at, "Vasopressors running (not counting vasopressin)").set_value(0)
    number(at, "Oxygen flow, L/min").set_value(3.0)
    submit(at, "Grade CRS")
    assert any("ASTCT CRS grade (Lee 2019): grade 2" in s.value for s in at.subheader)
    deciding = next(e for e in at.expander if e.label.startswith("Deciding row"))
    table = deciding.markdown[0].value
    quoted = table.split('<tr class="carta-quoted">', 1)[1].split("</tr>", 1)[0]  # the highlighted row
    assert "low-flow nasal cannula (≤6 L/min) or blow-by" in quoted and "not requiring vasopressors" in quoted
    assert '<span data-cell="hypotension">none</span>' in table  # the neighbouring grade 1 row is shown too
    note = at.code[-1].value
    assert note.startswith("ASTCT CRS grade (Lee 2019): grade 2") and "Reference: ASTCT consensus grading" in note


def test_icans_form_states_what_was_not_assessed(grade_page: AppTest) -> None:
    at = grade_page
    number(at, "ICE score (0–10)").set_value(4)
    next(s for s in at.selectbox if s.label == "Level of consciousness").set_value("voice")
    submit(at, "Grade ICANS")
    assert any("at least grade 2" in s.value for s in at.subheader)
    assert any("Not assessed: seizure" in w.value for w in at.warning)


def test_impossible_values_and_missing_sources_are_one_line_errors(grade_page: AppTest) -> None:
    at = grade_page
    number(at, "Highest temperature").set_value(80.0)
    submit(at, "Grade CRS")
    assert any("temperature 80 °C is impossible" in e.value for e in at.error)
    submit(at, "Score CAR-HEMATOTOX")
    assert any("cut-offs" in e.value and "\n" not in e.value for e in at.error)


@pytest.mark.browser
@pytest.mark.server
def test_grade_page_in_a_real_browser(ui_server: tuple[str, Path]) -> None:
    url, _ = ui_server
    with chromium() as (sync_api, browser):
        page = browser.new_page(viewport={"width": 1280, "height": 1600})
        page.goto(f"{url}/grade")
        temperature = page.get_by_label("Highest temperature")
        temperature.wait_for(timeout=LOAD_MS)
        temperature.fill("39.4")
        page.get_by_label("Vasopressors running (not counting vasopressin)").fill("1")
        page.get_by_label("Oxygen flow, L/min").fill("3")
        page.get_by_role("button", name="Grade CRS").click()
        heading = page.get_by_text("ASTCT CRS grade (Lee 2019): grade 3")
        sync_api.expect(heading).to_be_visible(timeout=STEP_MS)
        sync_api.expect(page.locator("tr.carta-quoted").first).to_be_visible(timeout=STEP_MS)
        assert page.get_by_test_id("stException").count() == 0
        SCREENSHOT.parent.mkdir(exist_ok=True)
        page.screenshot(path=SCREENSHOT, full_page=True)
    assert SCREENSHOT.stat().st_size > 0


def test_a_graded_chat_answer_links_to_the_grade_page(corpus_index: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CARTA_DATA_DIR", str(corpus_index.data_dir))
    monkeypatch.setenv("CARTA_CORPUS_DIR", str(corpus_index.corpus_dir))
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    at.chat_input[0].set_value("fever 39.2, norepi 0.05, 2 L NC, grade?").run()
    assert not at.exception, at.exception
    assert any("Grade 3 CRS" in m.value for m in at.chat_message[-1].markdown)
    links = at.get("page_link")
    assert len(links) == 1 and "Grade page" in links[0].proto.label
