"""Grade: a form per scale (ASTCT CRS, ICANS, ICAHT, CAR-HEMATOTOX); the grade, its deciding row highlighted in
the cited table, and the result as plain text for a clinical note. The scales live in assistant.grading."""

from __future__ import annotations

from typing import Any

import common
import streamlit as st

from assistant.errors import CartaError
from assistant.grading.core import Cited, GradeResult
from assistant.grading.crs import Device, parse_temperature
from assistant.grading.icaht import Lineage, Phase, parse_counts
from assistant.grading.icans import Consciousness, Edema, Motor, Seizure
from assistant.grading.scales import grade
from assistant.rendering import DISCLAIMER, Quoted, highlighted
from assistant.tables import split_cells

RESULT = "grade_result"
#: Choices shown as the table words them; None = not assessed.
CONSCIOUSNESS = {
    None: "not assessed",
    Consciousness.AWAKE: "awake, alert",
    Consciousness.SPONTANEOUSLY: "awakens spontaneously",
    Consciousness.VOICE: "awakens to voice",
    Consciousness.TACTILE: "awakens only to tactile stimulus",
    Consciousness.UNAROUSABLE: "unarousable / vigorous stimuli / stupor or coma",
}
SEIZURE = {
    None: "not assessed",
    Seizure.NONE: "none",
    Seizure.RAPID: "resolved rapidly (or EEG, resolved with intervention)",
    Seizure.PROLONGED: "prolonged >5 min, or repetitive without return to baseline",
}
MOTOR = {None: "not assessed", Motor.NONE: "none", Motor.WEAKNESS: "deep focal weakness (hemi- or paraparesis)"}
EDEMA = {
    None: "not assessed",
    Edema.NONE: "none",
    Edema.FOCAL: "focal or local edema on imaging",
    Edema.DIFFUSE: "diffuse edema, posturing, CN VI palsy, papilledema or Cushing's triad",
}


def crs_form() -> tuple[dict[str, Any], list[str]] | None:
    with st.form("grade-crs"):
        left, right = st.columns(2)
        temp = left.number_input("Highest temperature", min_value=0.0, max_value=120.0, value=None, step=0.1)
        unit = left.radio("Unit", ["°C", "°F"], horizontal=True)
        treated = left.checkbox("Tocilizumab, steroids or antipyretics already given")
        hypotension = left.checkbox("Hypotension (SBP <90)")
        vasopressors = right.number_input("Vasopressors running (not counting vasopressin)", 0, 6, value=None)
        vasopressin = right.checkbox("Vasopressin running")
        device = right.selectbox("Oxygen", list(Device), format_func=lambda d: d.value, index=None,
                                 placeholder="not assessed")  # fmt: skip
        lpm = right.number_input("Oxygen flow, L/min", min_value=0.0, max_value=80.0, value=None, step=0.5)
        if not st.form_submit_button("Grade CRS", type="primary"):
            return None
    notices: list[str] = []
    temp_c = None
    if temp is not None:
        temp_c, notice = parse_temperature(f"{temp}{'F' if unit == '°F' else 'C'}")
        notices += [notice] if notice else []
    values = {"temp_c": temp_c, "treated": treated, "hypotension": hypotension, "vasopressors": vasopressors,
              "vasopressin": vasopressin, "device": device, "oxygen_lpm": lpm}  # fmt: skip
    return values, notices


def icans_form() -> tuple[dict[str, Any], list[str]] | None:
    with st.form("grade-icans"):
        left, right = st.columns(2)
        ice = left.number_input("ICE score (0–10)", 0, 10, value=None)
        consciousness = left.selectbox("Level of consciousness", list(CONSCIOUSNESS), format_func=CONSCIOUSNESS.get)
        age = left.number_input("Age, years (under 12: CAPD)", 0, 120, value=None)
        capd = left.number_input("CAPD score (children under 12)", 0, 32, value=None)
        capd_unable = left.checkbox("Child cannot perform the CAPD")
        seizure = right.selectbox("Seizure", list(SEIZURE), format_func=SEIZURE.get)
        motor = right.selectbox("Motor findings", list(MOTOR), format_func=MOTOR.get)
        edema = right.selectbox("Raised ICP / cerebral edema", list(EDEMA), format_func=EDEMA.get)
        tremor = right.checkbox("Tremor or myoclonus")
        if not st.form_submit_button("Grade ICANS", type="primary"):
            return None
    values = {"ice": ice, "consciousness": consciousness, "seizure": seizure, "motor": motor, "edema": edema,
              "tremor": tremor, "age": age, "capd": capd, "capd_unable": capd_unable}  # fmt: skip
    return values, []


def icaht_form() -> tuple[dict[str, Any], list[str]] | None:
    with st.form("grade-icaht"):
        left, right = st.columns(2)
        lineage = left.radio("Lineage", list(Lineage), format_func=lambda x: x.value, horizontal=True)
        phase = left.radio("Phase", list(Phase), format_func=lambda x: f"{x.value}", horizontal=True)
        counts = right.text_input("Counts ×10⁹/L, one per day (late: one per test)", placeholder="45, 40, 18, 15")
        if not st.form_submit_button("Grade ICAHT", type="primary"):
            return None
    return {"lineage": lineage, "phase": phase, "counts": parse_counts(counts) if counts.strip() else ()}, []


def hematotox_form() -> tuple[dict[str, Any], list[str]] | None:
    with st.form("grade-hematotox"):
        columns = st.columns(5)
        names = ("anc", "hemoglobin", "platelets", "crp", "ferritin")
        labels = ("ANC /µL", "Hemoglobin g/dL", "Platelets ×10⁹/L", "CRP mg/dL", "Ferritin ng/mL")
        values = {
            n: col.number_input(label, min_value=0.0, value=None)
            for n, label, col in zip(names, labels, columns, strict=True)
        }
        if not st.form_submit_button("Score CAR-HEMATOTOX", type="primary"):
            return None
    return values, []


def show_cited(cited: Cited, role: str) -> None:
    """A cited rule: its role and source, and the chunk it sits in with the row highlighted."""
    quoted = Quoted(frozenset({cited.text}), frozenset({tuple(split_cells(cited.text))}))
    row = cited.text.strip().strip("|").replace(" | ", " · ").strip()
    with st.expander(f"{role}: {row[:110]}", expanded=role == "Deciding row"):
        st.markdown(highlighted(cited.chunk, quoted), unsafe_allow_html=True)
        source = f"{cited.title or cited.doc_id}" + (f" ({cited.year})" if cited.year else "")
        st.caption(f"{source} · {cited.chunk_id}" + (f" · {cited.link}" if cited.link else ""))


def show(result: GradeResult) -> None:
    """The grade, the deciding finding, what was not assessed, the cited rows and the note text."""
    st.subheader(result.headline)
    st.markdown(f"**Deciding:** {result.deciding}")
    if result.missing:
        st.warning(f"Not assessed: {', '.join(result.missing)}; the grade could be higher.", icon=":material/help:")
    for notice in result.notices:
        st.info(notice, icon=":material/info:")
    adjacent = {n.rule: n.grade for n in result.neighbours}
    for cited in result.citations:
        if cited.rule == result.deciding_rule:
            role = "Deciding row"
        elif cited.rule in adjacent:
            role = f"Adjacent grade {adjacent[cited.rule]}"
        else:
            role = "Rule applied"
        show_cited(cited, role)
    st.markdown("**Copy to note**")
    st.code(result.to_note(), language=None, wrap_lines=True)


FORMS = {"crs": ("CRS", crs_form), "icans": ("ICANS", icans_form), "icaht": ("ICAHT", icaht_form),
         "hematotox": ("CAR-HEMATOTOX", hematotox_form)}  # fmt: skip

st.title("Grade")
st.caption(
    "A grade computed from the findings you enter, each rule cited to the indexed table it comes from. "
    f"Leave a finding empty when it was not assessed. {DISCLAIMER}"
)
loaded = common.chain(quiet=True)
if loaded is not None:
    for tab, (scale, (_, form)) in zip(st.tabs([label for label, _ in FORMS.values()]), FORMS.items(), strict=True):
        with tab:
            try:
                submitted = form()
                if submitted is not None:
                    values, notices = submitted
                    st.session_state[RESULT] = (
                        scale,
                        grade(scale, values, loaded.retriever.document_passages, notices),
                    )
            except CartaError as exc:
                st.session_state.pop(RESULT, None)
                st.error(str(exc), icon=":material/error:")
            shown = st.session_state.get(RESULT)
            if shown is not None and shown[0] == scale:
                show(shown[1])
