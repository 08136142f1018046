"""Grading scales over the real indexed corpus: every row of each cited table, the rules people get wrong,
properties (Hypothesis), impossible findings, refusals, and `carta grade` as a user runs it.

The expected grades are written from the published tables as corpus/guidelines/lee-2019-astct-grading.md
and corpus/guidelines/ash-t-icaht-platelet-grading.md state them, row by row, not from the code.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from helpers import run_carta
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.embeddings import LazyEmbeddings
from assistant.grading import crs, icaht, icans
from assistant.grading.core import (
    FindingError,
    RuleFile,
    Rules,
    ScaleUnavailableError,
    resolve,
    rule_file,
    squash,
)
from assistant.grading.scales import grade
from assistant.index import ChunkIndex
from assistant.passage import Passage
from assistant.settings import Settings

PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def indexed(corpus_index: Settings) -> dict[str, list[Passage]]:
    """The indexed passages of the documents the scales cite, read from Chroma as `carta grade` reads them."""
    index = ChunkIndex.open(corpus_index, LazyEmbeddings(corpus_index.model_path))
    docs = ("lee-2019-astct-grading", "ash-t-icaht-platelet-grading", "lee-2019-astct-pediatric-icans-capd")
    return {doc: index.document_passages(doc) for doc in docs}


@pytest.fixture(scope="module")
def rules(indexed: dict[str, list[Passage]]) -> dict[str, Rules]:
    def passages_of(doc_id: str) -> list[Passage]:
        return indexed.get(doc_id, [])

    return {name: resolve(name, passages_of) for name in ("crs", "icans", "icaht-platelets", "capd")}


def assert_cites_indexed_rows(result: Any, indexed: dict[str, list[Passage]]) -> None:
    assert result.citations, result
    for cited in result.citations:
        chunk = next(p for p in indexed[cited.doc_id] if p.chunk_id == cited.chunk_id)
        assert squash(cited.text) in squash(chunk.text)


# --- ASTCT CRS: every row of the table, then the rules stated under it -----------------------------------
CRS_ROWS = [
    # grade 1: fever ≥38 °C, no hypotension, no hypoxia
    ({"temp_c": 38.0, "hypotension": False, "device": "none"}, 1),
    ({"temp_c": 40.1, "vasopressors": 0, "hypotension": False, "oxygen_lpm": 0}, 1),
    # grade 2: hypotension not requiring vasopressors; low-flow nasal cannula (≤6 L/min) or blow-by
    ({"temp_c": 38.5, "hypotension": True, "vasopressors": 0, "device": "none"}, 2),
    ({"temp_c": 38.5, "hypotension": False, "device": "nasal cannula", "oxygen_lpm": 6}, 2),
    ({"temp_c": 38.5, "hypotension": False, "device": "nasal cannula", "oxygen_lpm": 1}, 2),
    ({"temp_c": 38.5, "hypotension": False, "device": "blow-by"}, 2),
    # grade 3: one vasopressor with or without vasopressin; high-flow NC (>6 L/min), facemask, NRB, Venturi
    ({"temp_c": 39.0, "vasopressors": 1, "device": "none"}, 3),
    ({"temp_c": 39.0, "vasopressors": 1, "vasopressin": True, "device": "none"}, 3),
    ({"temp_c": 39.0, "hypotension": False, "device": "nasal cannula", "oxygen_lpm": 7}, 3),
    ({"temp_c": 39.0, "hypotension": False, "device": "high-flow nasal cannula"}, 3),
    ({"temp_c": 39.0, "hypotension": False, "device": "facemask"}, 3),
    ({"temp_c": 39.0, "hypotension": False, "device": "non-rebreather"}, 3),
    ({"temp_c": 39.0, "hypotension": False, "device": "venturi"}, 3),
    # grade 4: multiple vasopressors (excluding vasopressin); positive pressure
    ({"temp_c": 39.0, "vasopressors": 2, "device": "none"}, 4),
    ({"temp_c": 39.0, "vasopressors": 3, "vasopressin": True, "device": "none"}, 4),
    ({"temp_c": 39.0, "hypotension": False, "device": "cpap"}, 4),
    ({"temp_c": 39.0, "hypotension": False, "device": "bipap"}, 4),
    ({"temp_c": 39.0, "hypotension": False, "device": "intubation"}, 4),
]
CRS_RULES = [
    # the worse of hypotension and hypoxia: fever + one vasopressor + low-flow nasal cannula = grade 3
    ({"fever": True, "vasopressors": 1, "device": "nasal cannula", "oxygen_lpm": 2}, 3),
    ({"temp_c": 38.2, "hypotension": True, "vasopressors": 0, "device": "bipap"}, 4),
    # fever no longer required after tocilizumab, steroids or antipyretics
    ({"temp_c": 37.0, "treated": True, "vasopressors": 1, "device": "none"}, 3),
    ({"temp_c": 36.8, "treated": True, "hypotension": False, "device": "nasal cannula", "oxygen_lpm": 4}, 2),
    # ... and required before: afebrile and untreated is no CRS grade, whatever the pressure and oxygen
    ({"temp_c": 37.2, "treated": False, "vasopressors": 2, "device": "bipap"}, 0),
    # vasopressin is not counted towards "multiple": one vasopressor plus vasopressin is grade 3
    ({"temp_c": 39.0, "vasopressors": 1, "vasopressin": True, "hypotension": True, "device": "none"}, 3),
    # hypotension is SBP <90
    ({"temp_c": 38.4, "sbp": 85, "vasopressors": 0, "device": "none"}, 2),
    ({"temp_c": 38.4, "sbp": 95, "vasopressors": 0, "hypotension": False, "device": "none"}, 1),
]


@pytest.mark.parametrize(("values", "expected"), CRS_ROWS + CRS_RULES)
def test_crs_table_rows_and_rules(values: dict[str, Any], expected: int, rules: dict[str, Rules], indexed) -> None:
    result = crs.grade(crs.CrsFindings(**values), rules["crs"])
    assert result.grade == expected, result.deciding
    assert not result.at_least, result.missing
    assert_cites_indexed_rows(result, indexed)


def test_crs_cites_the_rules_it_applied(rules: dict[str, Rules]) -> None:
    treated = crs.grade(crs.CrsFindings(temp_c=37.0, treated=True, vasopressors=1, device="none"), rules["crs"])
    assert any("no longer required" in c.text for c in treated.citations)
    worse = crs.grade(crs.CrsFindings(fever=True, vasopressors=1, oxygen_lpm=2, device="nasal cannula"), rules["crs"])
    assert worse.deciding.startswith("hypotension") and any("more severe" in c.text for c in worse.citations)


def test_crs_missing_findings_give_at_least(rules: dict[str, Rules]) -> None:
    result = crs.grade(crs.CrsFindings(temp_c=39.2, vasopressors=0, hypotension=True), rules["crs"])
    assert (result.grade, result.at_least, result.missing) == (2, True, ["oxygen"])
    assert "at least grade 2; oxygen not given" in result.headline


def test_organ_toxicity_does_not_change_the_crs_grade(rules: dict[str, Rules]) -> None:
    base = {"temp_c": 39.0, "vasopressors": 0, "hypotension": True, "device": "none"}
    plain = crs.grade(crs.CrsFindings(**base), rules["crs"])
    organ = crs.grade(crs.CrsFindings(**base, organ_toxicity=True), rules["crs"])
    assert plain.grade == organ.grade == 2 and any("organ" in n for n in organ.notices)


# --- ASTCT ICANS with ICE: every cell of the table ------------------------------------------------------
NONE = {"seizure": "none", "motor": "none", "edema": "none"}
ICANS_ROWS = [
    *[({"ice": ice, "consciousness": "awake", **NONE}, 1) for ice in (7, 8, 9)],
    *[({"ice": ice, "consciousness": "awake", **NONE}, 2) for ice in (3, 4, 5, 6)],
    *[({"ice": ice, "consciousness": "awake", **NONE}, 3) for ice in (0, 1, 2)],
    ({"ice": 0, "consciousness": "unarousable", **NONE}, 4),
    ({"ice": 10, "consciousness": "awake", **NONE}, 0),
    ({"ice": 10, "consciousness": "spontaneously", **NONE}, 1),
    ({"ice": 10, "consciousness": "voice", **NONE}, 2),
    ({"ice": 10, "consciousness": "tactile", **NONE}, 3),
    ({"consciousness": "unarousable", **NONE}, 4),
    ({"ice": 10, "consciousness": "awake", **{**NONE, "seizure": "rapid"}}, 3),
    ({"ice": 10, "consciousness": "awake", **{**NONE, "seizure": "prolonged"}}, 4),
    ({"ice": 10, "consciousness": "awake", **{**NONE, "motor": "weakness"}}, 4),
    ({"ice": 10, "consciousness": "awake", **{**NONE, "edema": "focal"}}, 3),
    ({"ice": 10, "consciousness": "awake", **{**NONE, "edema": "diffuse"}}, 4),
    # the worst domain sets the grade
    ({"ice": 8, "consciousness": "voice", **{**NONE, "edema": "focal"}}, 3),
    # ICE 0 awake with global aphasia is grade 3, not 4
    ({"ice": 0, "consciousness": "awake", **NONE}, 3),
    # tremor and myoclonus do not change the grade
    ({"ice": 8, "consciousness": "awake", "tremor": True, **NONE}, 1),
    # ICE from its five tasks: 4 + 3 + 1 + 1 + 0 = 9
    ({"orientation": 4, "naming": 3, "commands": 1, "writing": 1, "counting": 0, "consciousness": "awake", **NONE}, 1),
]


@pytest.mark.parametrize(("values", "expected"), ICANS_ROWS)
def test_icans_table_cells(values: dict[str, Any], expected: int, rules: dict[str, Rules], indexed) -> None:
    result = icans.grade(icans.IcansFindings(**values), rules["icans"])
    assert result.grade == expected, result.deciding
    assert not result.at_least, result.missing
    assert_cites_indexed_rows(result, indexed)


def test_ice_zero_without_consciousness_is_at_least_grade_3(rules: dict[str, Rules]) -> None:
    result = icans.grade(icans.IcansFindings(ice=0, **NONE), rules["icans"])
    assert (result.grade, result.at_least) == (3, True)
    assert "level of consciousness" in result.missing


def test_global_aphasia_cites_its_rule(rules: dict[str, Rules]) -> None:
    result = icans.grade(icans.IcansFindings(ice=0, consciousness="awake", **NONE), rules["icans"])
    assert any("global aphasia" in c.text for c in result.citations)


# --- CAPD (children under 12): every row of the paediatric table (lee-2019-astct-pediatric-icans-capd) -----
@pytest.fixture(scope="module")
def capd_rules(rules: dict[str, Rules]) -> Rules:
    return rules["capd"]


CAPD_ROWS = [
    ({"capd": 5, "consciousness": "spontaneously", **NONE}, 1),  # below 9, awakens spontaneously
    ({"capd": 5, "consciousness": "voice", **NONE}, 2),  # below 9, awakens to voice
    ({"capd": 9, "consciousness": "awake", **NONE}, 3),  # 9 or higher
    ({"capd": 4, "consciousness": "tactile", **NONE}, 3),
    ({"capd": 4, "consciousness": "awake", **{**NONE, "seizure": "rapid"}}, 3),
    ({"capd": 4, "consciousness": "awake", **{**NONE, "edema": "focal"}}, 3),
    ({"capd_unable": True, "consciousness": "awake", **NONE}, 4),  # unable to perform the CAPD
    ({"capd": 4, "consciousness": "unarousable", **NONE}, 4),
    ({"capd": 4, "consciousness": "awake", **{**NONE, "seizure": "prolonged"}}, 4),
    ({"capd": 4, "consciousness": "awake", **{**NONE, "motor": "weakness"}}, 4),
    ({"capd": 4, "consciousness": "awake", **{**NONE, "edema": "diffuse"}}, 4),
]


@pytest.mark.parametrize(("values", "expected"), CAPD_ROWS)
def test_capd_table_rows(values: dict[str, Any], expected: int, capd_rules: Rules, indexed) -> None:
    result = icans.grade(icans.IcansFindings(age=6, **values), capd_rules)
    assert result.grade == expected, result.deciding
    assert result.scale == "capd"
    assert_cites_indexed_rows(result, indexed)


def test_capd_below_9_alone_sets_no_grade_and_the_age_limit_is_the_cited_one(capd_rules: Rules) -> None:
    result = icans.grade(icans.IcansFindings(age=6, capd=5, **NONE), capd_rules)
    assert result.grade == 0 and result.at_least and "level of consciousness" in result.missing
    assert rule_file("capd").rows["capd-population"]["under_age"] == icans.ICE_MIN_AGE
    assert rule_file("icans").rows["ice-maximum"]["min_age"] == icans.ICE_MIN_AGE


def test_a_child_is_never_graded_with_ice(indexed) -> None:
    with pytest.raises(FindingError, match="ICE is not used"):
        grade("icans", {"age": 7, "ice": 5}, lambda doc_id: indexed.get(doc_id, []))


# --- T-ICAHT platelets: both phases of every row ----------------------------------------------------------
ICAHT_ROWS = [
    ("early", [45] * 3, 1),  # <50 for 1–6 days
    ("early", [45] * 6, 1),
    ("early", [45] * 7, 2),  # <50 for ≥7 days
    ("early", [15] * 1, 3),  # <20 for 1–13 days
    ("early", [15] * 13, 3),
    ("early", [15] * 14, 4),  # <20 for ≥14 days
    ("early", [120, 90, 60], 0),
    ("late", [80, 90], 1),  # <100
    ("late", [40, 45], 2),  # <50
    ("late", [15] * 5, 3),  # <20 for 1–13 days
    ("late", [15] * 14, 4),  # <20 for ≥14 days
    ("late", [150, 160], 0),
]


@pytest.mark.parametrize(("phase", "counts", "expected"), ICAHT_ROWS)
def test_platelet_icaht_rows(phase: str, counts: list[float], expected: int, rules, indexed) -> None:
    result = icaht.grade(icaht.IcahtFindings(phase=phase, counts=tuple(counts)), rules["icaht-platelets"])
    assert result.grade == expected, result.deciding
    assert_cites_indexed_rows(result, indexed)


def test_late_platelets_need_two_tests_and_day_sets_the_phase(rules: dict[str, Rules]) -> None:
    one = icaht.grade(icaht.IcahtFindings(phase="late", counts=(40,)), rules["icaht-platelets"])
    assert one.grade == 0 and one.at_least
    assert icaht.grade(icaht.IcahtFindings(day=45, counts=(40, 45)), rules["icaht-platelets"]).grade == 2
    with pytest.raises(FindingError, match="outside"):
        icaht.grade(icaht.IcahtFindings(day=150, counts=(40,)), rules["icaht-platelets"])


# --- Properties -----------------------------------------------------------------------------------------
DEVICE_ORDER = ["none", "nasal cannula", "blow-by", "high-flow nasal cannula", "facemask", "non-rebreather", "venturi"]
DEVICE_ORDER += ["cpap", "bipap", "intubation"]
maybe = st.none() | st.booleans()
crs_findings = st.fixed_dictionaries(
    {},
    optional={
        "temp_c": st.floats(35.0, 41.5).map(lambda t: round(t, 1)),
        "fever": st.booleans(),
        "treated": st.booleans(),
        "hypotension": st.booleans(),
        "sbp": st.integers(60, 140),
        "vasopressors": st.integers(0, 4),
        "vasopressin": st.booleans(),
        "oxygen_lpm": st.floats(0.5, 15).map(lambda x: round(x, 1)),
        "device": st.sampled_from(DEVICE_ORDER[1:]),
    },
)


def crs_worse(values: dict[str, Any], which: str) -> dict[str, Any] | None:
    """The same findings with one made worse (None when that one cannot get worse)."""
    out = dict(values)
    if which == "temp_c":
        out["temp_c"] = min(41.5, values.get("temp_c", 36.5) + 1.5)
    elif which in ("fever", "treated", "hypotension", "vasopressin"):
        if values.get(which) is True:
            return None
        out[which] = True
    elif which == "sbp":
        out["sbp"] = max(60, values.get("sbp", 120) - 30)
    elif which == "vasopressors":
        out["vasopressors"] = values.get("vasopressors", 0) + 1
    elif which == "oxygen_lpm":
        # A high-flow cannula with no flow given runs above the 6 L/min cut-off: 3 L/min more than nothing
        # would be a low-flow rate, a better finding, since a stated flow classes the cannula.
        implied = 7 if values.get("device") == "high-flow nasal cannula" else 0
        out["oxygen_lpm"] = (values.get("oxygen_lpm") or implied) + 3
    elif which == "device":
        position = DEVICE_ORDER.index(values.get("device", "none"))
        rank = {"none": 0, "nasal cannula": 1, "blow-by": 1, "high-flow nasal cannula": 2, "facemask": 2}
        rank |= {"non-rebreather": 2, "venturi": 2, "cpap": 3, "bipap": 3, "intubation": 3}
        worse = [d for d in DEVICE_ORDER[position:] if rank[d] > rank[DEVICE_ORDER[position]]]
        if not worse:
            return None
        out["device"] = worse[0]
    return out


@PROPERTY
@given(values=crs_findings, which=st.sampled_from(sorted(crs.CrsFindings.model_fields.keys() - {"organ_toxicity"})))
def test_worsening_one_crs_finding_never_lowers_the_grade(values, which, rules, indexed) -> None:
    worse = crs_worse(values, which)
    if worse is None:
        return
    before = crs.grade(crs.CrsFindings(**values), rules["crs"])
    after = crs.grade(crs.CrsFindings(**worse), rules["crs"])
    assert after.grade >= before.grade, (values, worse)
    assert_cites_indexed_rows(before, indexed)


icans_findings = st.fixed_dictionaries(
    {},
    optional={
        "ice": st.integers(0, 10),
        "consciousness": st.sampled_from(list(icans.Consciousness)),
        "seizure": st.sampled_from(list(icans.Seizure)),
        "motor": st.sampled_from(list(icans.Motor)),
        "edema": st.sampled_from(list(icans.Edema)),
        "tremor": st.booleans(),
    },
)


def icans_worse(values: dict[str, Any], which: str) -> dict[str, Any] | None:
    out = dict(values)
    if which == "ice":
        if values.get("ice", 10) == 0:
            return None
        out["ice"] = values.get("ice", 10) - 1
        return out
    levels = {"consciousness": icans.Consciousness, "seizure": icans.Seizure, "motor": icans.Motor}
    levels["edema"] = icans.Edema
    if which == "tremor":
        out["tremor"] = True
        return out
    order = list(levels[which])
    position = order.index(values[which]) if which in values else 0
    if position + 1 >= len(order):
        return None
    out[which] = order[position + 1]
    return out


@PROPERTY
@given(values=icans_findings, which=st.sampled_from(["ice", "consciousness", "seizure", "motor", "edema", "tremor"]))
def test_worsening_one_icans_finding_never_lowers_the_grade(values, which, rules, indexed) -> None:
    worse = icans_worse(values, which)
    if worse is None:
        return
    before = icans.grade(icans.IcansFindings(**values), rules["icans"])
    after = icans.grade(icans.IcansFindings(**worse), rules["icans"])
    assert after.grade >= before.grade, (values, worse)
    assert_cites_indexed_rows(after, indexed)


@PROPERTY
@given(
    phase=st.sampled_from(["early", "late"]),
    counts=st.lists(st.integers(0, 200), min_size=1, max_size=30),
    which=st.integers(0, 29),
    drop=st.integers(1, 100),
)
def test_a_lower_platelet_count_never_lowers_the_grade(phase, counts, which, drop, rules, indexed) -> None:
    worse = list(counts)
    worse[which % len(counts)] = max(0, worse[which % len(counts)] - drop)
    table = rules["icaht-platelets"]
    before = icaht.grade(icaht.IcahtFindings(phase=phase, counts=tuple(counts)), table)
    after = icaht.grade(icaht.IcahtFindings(phase=phase, counts=tuple(worse)), table)
    longer = icaht.grade(icaht.IcahtFindings(phase=phase, counts=(*counts, min(counts))), table)
    assert after.grade >= before.grade and longer.grade >= before.grade
    assert_cites_indexed_rows(after, indexed)


@PROPERTY
@given(values=crs_findings, seed=st.integers(0, 1000))
def test_the_order_findings_are_given_in_does_not_matter(values, seed, indexed) -> None:
    def passages_of(doc_id: str) -> list[Passage]:
        return indexed.get(doc_id, [])

    items = list(values.items())
    random.Random(seed).shuffle(items)
    assert grade("crs", dict(items), passages_of) == grade("crs", values, passages_of)


# --- Bad input and refusals -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "celsius", "notice"),
    [("39.4", 39.4, None), ("39,4 °C", 39.4, None), ("102.9F", 39.4, "converted"), ("101 °F", 38.3, "converted")],
)
def test_temperature_units(text: str, celsius: float, notice: str | None) -> None:
    value, note = crs.parse_temperature(text)
    assert value == celsius and (note is None if notice is None else notice in note)


@pytest.mark.parametrize("text", ["80", "15", "120F", "hot", ""])
def test_impossible_temperatures_are_one_line_errors(text: str) -> None:
    with pytest.raises(FindingError) as error:
        crs.parse_temperature(text)
    assert "\n" not in str(error.value) and error.value.exit_code == 2


@pytest.mark.parametrize(
    ("scale", "values", "named"),
    [
        ("crs", {"oxygen_lpm": -1}, "oxygen lpm -1"),
        ("crs", {"vasopressors": -1}, "vasopressors"),
        ("crs", {"device": "none", "oxygen_lpm": 4}, "no oxygen device"),
        ("icans", {"ice": 12}, "ice 12"),
        ("icans", {"naming": 5, "orientation": 4, "commands": 1, "writing": 1, "counting": 1}, "naming 5"),
        ("icans", {"orientation": 4}, "all five"),
        ("icans", {"consciousness": "sleepy"}, "consciousness"),
        ("icaht", {"phase": "early", "counts": (-5,)}, "counts"),
    ],
)
def test_impossible_findings_are_one_line_errors(scale: str, values: dict, named: str, indexed) -> None:
    def passages_of(doc_id: str) -> list[Passage]:
        return indexed.get(doc_id, [])

    with pytest.raises(FindingError) as error:
        grade(scale, values, passages_of)
    assert named in str(error.value) and "\n" not in str(error.value)


def test_a_scale_whose_source_is_not_indexed_refuses_naming_it() -> None:
    with pytest.raises(ScaleUnavailableError, match="lee-2019-astct-grading is not indexed"):
        resolve("crs", lambda doc_id: [])


@pytest.mark.parametrize(
    ("scale", "values", "named"),
    [
        ("icaht", {"lineage": "neutrophils", "phase": "early", "counts": (300,)}, "Rejeski 2023"),
        ("hematotox", {"anc": 900}, "cut-offs"),
    ],
)
def test_scales_the_corpus_lacks_refuse_in_one_line(scale: str, values: dict, named: str, indexed) -> None:
    with pytest.raises(ScaleUnavailableError) as error:
        grade(scale, values, lambda doc_id: indexed.get(doc_id, []))
    assert named in str(error.value) and "\n" not in str(error.value)


def test_a_rule_with_a_number_its_row_lacks_fails_at_load(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        'scale: x\ntitle: X\ndoc_id: d\nrows:\n  grade-2:\n    text: "| 2 | low-flow (≤6 L/min) |"\n    max_lpm: 8\n'
    )
    with pytest.raises(ValueError, match=r"grade-2.*8"):
        RuleFile.load(path)


# --- carta grade ------------------------------------------------------------------------------------------
def test_grade_commands_of_the_issue(corpus_index: Settings, indexed) -> None:
    env = {"CARTA_DATA_DIR": str(corpus_index.data_dir)}
    for args in (
        ["crs", "--temp", "39.4", "--vasopressors", "0", "--oxygen-lpm", "3", "--json"],
        ["icans", "--ice", "4", "--consciousness", "voice", "--json"],
    ):
        done = run_carta("grade", *args, env=env)
        assert done.returncode == 0, done.stderr
        data = json.loads(done.stdout)
        assert {"scale", "grade", "deciding", "missing", "citations"} <= data.keys()
        assert data["grade"] == 2 and data["scale"] == args[0]
        chunk_ids = {p.chunk_id for passages in indexed.values() for p in passages}
        assert data["citations"] and all(c["chunk_id"] in chunk_ids for c in data["citations"])


def test_grade_help_lists_every_finding() -> None:
    flags = {
        "crs": "--temp --fever --treated --hypotension --sbp --vasopressors --vasopressin --oxygen-lpm --device "
        "--organ-toxicity --json",
        "icans": "--ice --orientation --naming --commands --writing --counting --consciousness --seizure --motor "
        "--edema --tremor --age --capd --capd-unable --json",
        "icaht": "--lineage --phase --day --counts --platelets --days --json",
        "hematotox": "--anc --hemoglobin --platelets --crp --ferritin --json",
    }
    for scale, expected in flags.items():
        done = run_carta("grade", scale, "--help", env={"COLUMNS": "200"})
        assert done.returncode == 0
        assert all(flag in done.stdout for flag in expected.split()), (scale, done.stdout)


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["crs", "--temp", "80"], "temperature 80"),
        (["crs", "--oxygen-lpm", "-3"], "-3 L/min"),
        (["icans", "--ice", "12"], "ice 12"),
    ],
)
def test_grade_rejects_impossible_values_in_one_line(tmp_path: Path, args: list[str], said: str) -> None:
    done = run_carta("grade", *args, env={"CARTA_DATA_DIR": str(tmp_path)})
    assert done.returncode == 2
    assert said in done.stderr and "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_grade_converts_fahrenheit_with_a_notice(corpus_index: Settings) -> None:
    done = run_carta("grade", "crs", "--temp", "102.9F", "--vasopressors", "1", "--json", env={
        "CARTA_DATA_DIR": str(corpus_index.data_dir)})  # fmt: skip
    data = json.loads(done.stdout)
    assert data["grade"] == 3 and any("°F converted to 39.4 °C" in n for n in data["notices"])
