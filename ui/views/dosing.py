"""Dosing: every dosing row the indexed documents hold for one drug, with its source, as a table and CSV.

On a phone the rows show as cards instead of the table (the stylesheet switches by screen width).
"""

from __future__ import annotations

import common
import pandas as pd
import streamlit as st

from assistant import rendering
from assistant.dosing import dosing_rows, drug_names, rows_for
from assistant.tables import USES

#: Offered first when the corpus holds it: the question a pharmacist asks most.
DEFAULT_DRUG = "tocilizumab"
#: Rows tall enough for five wrapped lines in columns wide enough that no dose, maximum or setting is cut off.
ROW_HEIGHT = 110
COLUMN_WIDTHS = {
    "Drug": 120,
    "Dose": 170,
    "Route": 90,
    "Frequency": 240,
    "Maximum": 200,
    "Population": 200,
    "Setting": 240,
    "Use": 100,
    "Source": 280,
    "Type": 90,
    "Section": 220,
}
#: A card's lines after drug and dose, in the table's order, then the source.
CARD_FIELDS = ("Drug", "Dose", "Route", "Frequency", "Maximum", "Population", "Setting", "Use", "Source")

st.title("Dosing")
st.caption(
    f"Every row of every dosing table in the indexed documents, exactly as the source gives it. {rendering.DISCLAIMER}"
)

loaded = common.chain(quiet=True)
if loaded is not None:
    active = common.filters()
    rows = [row for row in dosing_rows(loaded.retriever.passages.values()) if active.allows(row.passage)]
    drugs = drug_names(rows)
    if not drugs:
        st.info("No dosing rows match the sidebar filters.")
    else:
        left, middle, right = st.columns([2, 2, 3])
        drug = left.selectbox(
            "Drug", drugs, index=drugs.index(DEFAULT_DRUG) if DEFAULT_DRUG in drugs else 0, key="dosing_drug"
        )
        uses = middle.multiselect("Use", USES, key="dosing_uses", placeholder="Any use")
        text = right.text_input("Contains", key="dosing_text", placeholder="e.g. grade 3, children, 30 kg")
        shown = [
            row
            for row in rows_for(rows, drug)
            if (not uses or row.use.lower() in uses) and (not text.strip() or row.mentions(text.strip()))
        ]
        st.markdown(f"**{len(shown)}** dosing row(s) for **{drug}**")
        records = [row.record() for row in shown]
        table = pd.DataFrame(records)
        with st.container(key="carta-wide"):  # hidden on a phone, where the cards show instead
            st.dataframe(
                table,
                hide_index=True,
                width="stretch",
                placeholder="–",
                row_height=ROW_HEIGHT,
                column_config={
                    **{name: st.column_config.TextColumn(name, width=px) for name, px in COLUMN_WIDTHS.items()},
                    "Link": st.column_config.LinkColumn("Link", display_text="open", width=60),
                    "Year": st.column_config.NumberColumn("Year", format="%d", width=60),
                },
            )
        cards = [
            [*(str(record[name]) for name in CARD_FIELDS[:-1]), rendering.reference(row.passage)]
            for record, row in zip(records, shown, strict=True)
        ]
        st.html(rendering.cards_html(CARD_FIELDS, cards))
        st.download_button(
            "Download CSV",
            data=table.to_csv(index=False),
            file_name=f"carta-dosing-{drug.replace(' ', '-')}.csv",
            mime="text/csv",
            icon=":material/download:",
            disabled=table.empty,
        )
