"""Carta's Streamlit app, served by `carta ui` (and `make run`): Chat, Dosing, Grade, Evaluation, Library.

This entry point sets the page up, loads the chain once per process (cached), draws the sidebar
filters on the pages they act on (Chat and Dosing), and hands over to the chosen page. The pages live
in views/, not pages/: Streamlit treats a pages/ folder as the older multipage layout, and its AppTest
then runs a page without this entry point on reruns.
"""

from __future__ import annotations

from pathlib import Path

import common
import streamlit as st

from assistant import rendering

#: The favicon: Carta's "C", so the browser tab says Carta even where the title is cut short.
ICON = Path(__file__).with_name("carta-icon.png")
ABOUT = f"**Carta** answers questions on CAR-T cell therapy toxicity from cited sources. {rendering.DISCLAIMER}"

# "auto": the sidebar (filters) is open on a desk and collapsed on a phone.
st.set_page_config(
    page_title="Carta",
    page_icon=str(ICON),
    layout="wide",
    initial_sidebar_state="auto",
    menu_items={"Get help": None, "Report a bug": None, "About": ABOUT},
)

PAGES = [
    st.Page("views/chat.py", title="Chat", icon=":material/chat:", default=True),
    st.Page("views/dosing.py", title="Dosing", icon=":material/medication:"),
    st.Page("views/grade.py", title="Grade", icon=":material/calculate:"),
    st.Page("views/evaluation.py", title="Evaluation", icon=":material/fact_check:"),
    st.Page("views/library.py", title="Library", icon=":material/library_books:"),
]
#: The pages whose search or rows the sidebar filters narrow; the others get no sidebar.
FILTERED_PAGES = {"Chat", "Dosing"}

#: Rendering's tables, cards and marks; a scroll margin so a question brought into view is not hidden
#: under the app's header; example questions that wrap on a phone read from the left.
LAYOUT = """
[data-testid="stChatMessage"]{scroll-margin-top:4.5rem}
[class*="st-key-example-"] button{justify-content:flex-start;text-align:left}
"""
st.html(f"<style>{rendering.STYLE}{LAYOUT}</style>")
page = st.navigation(PAGES, position="top")
common.keep_filters()
config = common.settings()
if config is not None:
    common.stale_banner(config)
    loaded = common.chain()
    if loaded is not None and page.title in FILTERED_PAGES:
        common.sidebar_filters(loaded)
        with st.sidebar:
            st.caption(rendering.DISCLAIMER)
page.run()
