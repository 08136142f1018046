"""Carta's Streamlit app, served by `carta ui` (and `make run`): Chat, Dosing, Grade, Evaluation, Library.

This entry point sets the page up, loads the chain once per process (cached), draws the sidebar
filters every page uses, and hands over to the chosen page. The pages live in views/, not pages/:
Streamlit treats a pages/ folder as the older multipage layout, and its AppTest then runs a page
without this entry point on reruns.
"""

from __future__ import annotations

import common
import streamlit as st

st.set_page_config(page_title="Carta", page_icon=":material/medical_information:", layout="wide")

PAGES = [
    st.Page("views/chat.py", title="Chat", icon=":material/chat:", default=True),
    st.Page("views/dosing.py", title="Dosing", icon=":material/medication:"),
    st.Page("views/grade.py", title="Grade", icon=":material/calculate:"),
    st.Page("views/evaluation.py", title="Evaluation", icon=":material/fact_check:"),
    st.Page("views/library.py", title="Library", icon=":material/library_books:"),
]

#: A soft highlight for the quoted sentences and rows of a source passage, and markdown tables that
#: scroll sideways on a narrow screen instead of being cut off (a dose's maximum must stay readable).
STYLE = """
mark{background:#fdeeb0;color:inherit;padding:0 .15em;border-radius:.2em}
[data-testid="stMarkdownContainer"] table{display:block;overflow-x:auto;max-width:100%}
"""
st.html(f"<style>{STYLE}</style>")
page = st.navigation(PAGES, position="top")
config = common.settings()
if config is not None:
    common.stale_banner(config)
    loaded = common.chain()
    if loaded is not None:
        common.sidebar_filters(loaded)
with st.sidebar:
    st.caption(common.DISCLAIMER)
page.run()
