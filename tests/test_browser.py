"""End to end in a real browser: `carta ui` on a free port, driven by Debian's headless Chromium.

The browser is never downloaded: Playwright drives /usr/bin/chromium, which `make test` installs with
apt when it is missing and it runs as root. A phone (390 × 844) and a desk (1280 × 800) each ask for a
dose; with DOCS_SCREENSHOTS=1 their screenshots also go to docs/ for the README.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from helpers import LOAD_MS, STEP_MS, chromium

from assistant.answering.chain import AnswerChain
from assistant.rendering import reference

DOCS = Path(__file__).resolve().parents[1] / "docs"

QUESTION = "What dose of tocilizumab for grade 2 CRS?"
#: True once Streamlit has finished a rerun: no running-status widget and no stale element left.
IDLE = (
    "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
    " && !document.querySelector('[data-stale=\"true\"]')"
)
pytestmark = [pytest.mark.browser, pytest.mark.server]


#: Each page after Chat, and a text it always shows.
PAGE_TEXTS = (("dosing", "dosing row(s) for"), ("evaluation", "Runs folder"), ("library", "Indexed documents"))


def open_page(sync_api: Any, page: Any, url: str, text: str) -> None:
    """Go to a page, wait for its text, and check it shows no traceback."""
    page.goto(url)
    sync_api.expect(page.get_by_text(text, exact=False).first).to_be_visible(timeout=STEP_MS)
    assert page.get_by_test_id("stException").count() == 0, url


def test_ask_open_a_source_and_visit_every_page(ui_server: tuple[str, Path], tmp_path: Path) -> None:
    url, log = ui_server
    with chromium() as (sync_api, browser):
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(url)
        box = page.get_by_test_id("stChatInputTextArea")
        box.wait_for(timeout=LOAD_MS)
        sync_api.expect(box).to_be_enabled(timeout=LOAD_MS)
        box.fill(QUESTION)
        box.press("Enter")

        answer = page.get_by_test_id("stChatMessage").last
        sync_api.expect(answer).to_contain_text("8 mg/kg", timeout=STEP_MS)
        sources = answer.get_by_text("Sources (", exact=False)
        sources.click()
        passage = answer.locator("mark").first
        sync_api.expect(passage).to_be_visible(timeout=STEP_MS)
        sync_api.expect(answer).to_contain_text("ASCO 2021 guideline")
        page.screenshot(path=tmp_path / "chat.png")

        for slug, text in PAGE_TEXTS:
            open_page(sync_api, page, f"{url}/{slug}", text)
            page.screenshot(path=tmp_path / f"{slug}.png")
    assert (tmp_path / "chat.png").stat().st_size > 0
    # Every page view above was a new browser session; the model and index loaded once for all of them.
    assert log.read_text().count("chain loaded") == 1


VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
#: True when the last answer's first dose row shows its drug, dose, route and frequency on screen:
#: below the app's header, above the chat input, and not inside a hidden table or hidden cards.
FIRST_ROW_ON_SCREEN = """() => {
  const header = document.querySelector('[data-testid="stHeader"]');
  const input = document.querySelector('[data-testid="stChatInput"]');
  const top = header ? header.getBoundingClientRect().bottom : 0;
  const bottom = input ? input.getBoundingClientRect().top : innerHeight;
  const turns = document.querySelectorAll('[data-testid="stChatMessage"]');
  const answer = turns[turns.length - 1];
  return ["drug", "dose", "route", "frequency"].every(name => {
    const cell = Array.from(answer.querySelectorAll(`[data-cell="${name}"]`)).find(e => e.offsetParent !== null);
    if (!cell) return false;
    const box = cell.getBoundingClientRect();
    return box.top >= top && box.bottom <= bottom;
  });
}"""
#: Longer than the app's script that brings a new answer's start into view keeps checking (5 s).
SETTLE_MS = 6_000
NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth"
#: Menu and toolbar entries for developers, never for a clinician.
DEVELOPER_CHROME = ("Deploy", "Rerun", "Clear cache")


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_a_dose_reads_on_screen_copies_with_its_references_and_no_page_scrolls_sideways(
    ui_server: tuple[str, Path], chain: AnswerChain, tmp_path: Path, device: str
) -> None:
    url, _ = ui_server
    viewport = VIEWPORTS[device]
    expected = chain.invoke(QUESTION)  # the same index and settings as the app's: the same answer
    with chromium() as (sync_api, browser):
        context = browser.new_context(viewport=viewport)
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
        page = context.new_page()
        page.goto(url)
        box = page.get_by_test_id("stChatInputTextArea")
        box.wait_for(timeout=LOAD_MS)
        sync_api.expect(box).to_be_enabled(timeout=LOAD_MS)
        # The filters are open on a desk and folded away on a phone.
        collapsed = page.get_by_test_id("stSidebar").get_attribute("data-collapsed")
        assert collapsed == ("true" if device == "phone" else "false")
        box.fill(QUESTION)
        box.press("Enter")

        answer = page.get_by_test_id("stChatMessage").last
        sync_api.expect(answer).to_contain_text("8 mg/kg", timeout=STEP_MS)
        page.wait_for_function(FIRST_ROW_ON_SCREEN, timeout=STEP_MS)
        page.wait_for_timeout(SETTLE_MS)  # and it is still there once the page has settled
        assert page.evaluate(FIRST_ROW_ON_SCREEN)
        assert page.evaluate(NO_SIDEWAYS_SCROLL)
        shot = tmp_path / f"{device}-dosing.png"
        page.screenshot(path=shot)
        if os.environ.get("DOCS_SCREENSHOTS"):
            page.screenshot(path=DOCS / f"{device}-dosing.png")

        answer.get_by_text("Copy for the chart").click()
        code = answer.get_by_test_id("stCode")
        code.hover()
        answer.get_by_role("button", name="Copy to clipboard").click()
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied.startswith(f"Question: {QUESTION}")
        assert "Carta, answered " in copied
        missing = [reference(c) for c in expected.citations if reference(c) not in copied]
        assert not missing, missing

        answer.get_by_text("Sources (", exact=False).click()
        sync_api.expect(answer.locator(".carta-quoted:visible").first).to_be_visible(timeout=STEP_MS)
        assert page.evaluate(NO_SIDEWAYS_SCROLL), "the sources panel scrolls sideways"

        page.get_by_test_id("stMainMenu").click()
        menu = page.get_by_test_id("stMainMenuList")
        sync_api.expect(menu).to_be_visible()
        assert not [word for word in DEVELOPER_CHROME if word in menu.inner_text()]
        page.keyboard.press("Escape")

        for slug, text in (("", "Ask about CAR-T"), *PAGE_TEXTS):
            open_page(sync_api, page, f"{url}/{slug}", text)
            assert page.get_by_text("Deploy").count() == 0, slug
            assert page.evaluate(NO_SIDEWAYS_SCROLL), slug
            if slug == "dosing":
                # A phone gets one card per row instead of the table, the first one on screen.
                cards, table = page.locator(".carta-cards"), page.locator(".st-key-carta-wide")
                shown, hidden = (cards, table) if device == "phone" else (table, cards)
                sync_api.expect(shown).to_be_visible()
                sync_api.expect(hidden).to_be_hidden()
                if device == "phone":
                    sync_api.expect(cards.locator("[data-cell=frequency]").first).to_be_in_viewport()
    assert shot.stat().st_size > 0


def test_evaluation_page_opens_on_a_run_and_an_item_expands(ui_server: tuple[str, Path], tmp_path: Path) -> None:
    """The page opens on the newest run of the folder named in its URL; choosing an item shows its answer."""
    from helpers import result, write_run

    root = tmp_path / "runs"
    write_run(root / "20260101-000000", [result("dosing-a"), result("dosing-b")])
    write_run(root / "20260102-000000", [result("dosing-a"), result("dosing-b", passed=False)])
    url, _ = ui_server
    with chromium() as (sync_api, browser):
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(f"{url}/evaluation?runs={root}")
        sync_api.expect(page.get_by_text("20260102-000000", exact=False).first).to_be_visible(timeout=LOAD_MS)
        opener = page.get_by_role("combobox", name="Open an item")
        option = page.get_by_role("option", name="dosing-b")
        for _ in range(3):  # a rerun still finishing on a busy machine can close the list just opened
            page.wait_for_function(IDLE, timeout=STEP_MS)
            opener.click()
            try:
                option.wait_for(timeout=10_000)
                break
            except sync_api.TimeoutError:
                page.keyboard.press("Escape")
        option.click()
        sync_api.expect(page.get_by_text("Answer as the user saw it")).to_be_visible(timeout=STEP_MS)
        sync_api.expect(page.get_by_text("Answer to dosing-b.", exact=False).first).to_be_visible()
        assert page.get_by_test_id("stException").count() == 0
        page.screenshot(path=tmp_path / "evaluation.png", full_page=True)
    assert (tmp_path / "evaluation.png").stat().st_size > 0
