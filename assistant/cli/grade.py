"""`carta grade crs|icans|icaht|hematotox [findings] [--json]`: a grade computed from findings, cited to the
indexed rows of its scale. A finding not given is 'not assessed' and listed when it could raise the grade."""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from assistant.cli import app
from assistant.cli.common import settings_from
from assistant.embeddings import LazyEmbeddings
from assistant.grading.core import FindingError, GradeResult, PassagesOf
from assistant.grading.crs import Device, parse_temperature
from assistant.grading.icaht import Lineage, Phase, parse_counts
from assistant.grading.icans import Consciousness, Edema, Motor, Seizure
from assistant.grading.scales import grade
from assistant.index import ChunkIndex
from assistant.passage import Passage

grade_app = typer.Typer(
    help="Grade a patient's findings on a scale (ASTCT CRS, ICANS, ICAHT, CAR-HEMATOTOX), cited to its rows.",
    no_args_is_help=True,
)
app.add_typer(grade_app, name="grade")
console = Console(soft_wrap=True)

AsJson = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
DataDir = Annotated[Path | None, typer.Option(help="Where the index lives.")]


def index_rows(data_dir: Path | None) -> PassagesOf:
    """Passages by document, read from the index on first use (findings are checked before it opens)."""
    settings = settings_from(data_dir=data_dir)

    @cache
    def index() -> ChunkIndex:
        return ChunkIndex.open(settings, LazyEmbeddings(settings.model_path))

    def passages_of(doc_id: str) -> list[Passage]:
        return index().document_passages(doc_id)

    return passages_of


def show(result: GradeResult, as_json: bool) -> None:
    """The result as JSON, or as lines: grade, deciding finding, what is missing, notices, cited rows."""
    if as_json:
        sys.stdout.write(json.dumps(result.to_json_dict(), ensure_ascii=False, indent=2) + "\n")
        return
    console.print(f"[bold]{result.headline}[/]", highlight=False)
    console.print(f"deciding: {result.deciding}", highlight=False)
    for notice in result.notices:
        console.print(f"[yellow]{notice}[/]", highlight=False)
    for n, cited in enumerate(result.citations, start=1):
        console.print(f"[{n}] {cited.doc_id} · {cited.chunk_id}\n    [dim]{cited.text}[/]", highlight=False)


def run(
    scale: str, values: dict[str, Any], data_dir: Path | None, as_json: bool, notices: list[str] | None = None
) -> None:
    show(grade(scale, values, index_rows(data_dir), notices), as_json)


@grade_app.command("crs")
def crs_command(
    temp: Annotated[
        str | None, typer.Option(help="Highest temperature: °C (39.4) or °F with its unit (102.9F).")
    ] = None,
    fever: Annotated[
        bool | None, typer.Option("--fever/--no-fever", help="Febrile ≥38 °C, when no number is at hand.")
    ] = None,
    treated: Annotated[
        bool | None,
        typer.Option(
            "--treated/--untreated", help="Tocilizumab, steroids or antipyretics already given (fever then not needed)."
        ),
    ] = None,
    hypotension: Annotated[
        bool | None, typer.Option("--hypotension/--no-hypotension", help="Hypotension (SBP <90).")
    ] = None,
    sbp: Annotated[float | None, typer.Option(help="Systolic blood pressure, mmHg.")] = None,
    vasopressors: Annotated[int | None, typer.Option(help="Vasopressors running, not counting vasopressin.")] = None,
    vasopressin: Annotated[bool, typer.Option("--vasopressin", help="Vasopressin running (counted apart).")] = False,
    oxygen_lpm: Annotated[float | None, typer.Option(help="Oxygen flow, L/min (0 = room air).")] = None,
    device: Annotated[Device | None, typer.Option(case_sensitive=False, help="Oxygen device.")] = None,
    organ_toxicity: Annotated[
        bool, typer.Option("--organ-toxicity", help="Organ toxicity present (graded apart; does not change the grade).")
    ] = False,
    as_json: AsJson = False,
    data_dir: DataDir = None,
) -> None:
    """ASTCT CRS grade (Lee 2019): fever, then the worse of hypotension and hypoxia."""
    temp_c, notice = parse_temperature(temp) if temp is not None else (None, None)
    if oxygen_lpm is not None and oxygen_lpm < 0:
        msg = f"oxygen {oxygen_lpm:g} L/min is impossible: give a flow of 0 or more"
        raise FindingError(msg)
    values = {
        "temp_c": temp_c, "fever": fever, "treated": treated, "hypotension": hypotension, "sbp": sbp,
        "vasopressors": vasopressors, "vasopressin": vasopressin, "oxygen_lpm": oxygen_lpm, "device": device,
        "organ_toxicity": organ_toxicity,
    }  # fmt: skip
    run("crs", values, data_dir, as_json, [notice] if notice else None)


@grade_app.command("icans")
def icans_command(
    ice: Annotated[int | None, typer.Option(help="ICE score, 0–10.")] = None,
    orientation: Annotated[
        int | None, typer.Option(help="ICE task: orientation (year, month, city, hospital), 0–4.")
    ] = None,
    naming: Annotated[int | None, typer.Option(help="ICE task: naming 3 objects, 0–3.")] = None,
    commands: Annotated[int | None, typer.Option(help="ICE task: following simple commands, 0–1.")] = None,
    writing: Annotated[int | None, typer.Option(help="ICE task: writing a standard sentence, 0–1.")] = None,
    counting: Annotated[int | None, typer.Option(help="ICE task: counting backwards from 100 by 10, 0–1.")] = None,
    consciousness: Annotated[
        Consciousness | None, typer.Option(case_sensitive=False, help="Level of consciousness: awakens how.")
    ] = None,
    seizure: Annotated[
        Seizure | None,
        typer.Option(case_sensitive=False, help="rapid: resolved rapidly; prolonged: >5 min or repetitive."),
    ] = None,
    motor: Annotated[
        Motor | None, typer.Option(case_sensitive=False, help="weakness: deep focal motor weakness.")
    ] = None,
    edema: Annotated[
        Edema | None, typer.Option(case_sensitive=False, help="Raised ICP / cerebral edema: focal or diffuse.")
    ] = None,
    tremor: Annotated[bool, typer.Option("--tremor", help="Tremor or myoclonus (graded apart).")] = False,
    age: Annotated[float | None, typer.Option(help="Age in years (under 12: CAPD, not ICE).")] = None,
    capd: Annotated[int | None, typer.Option(help="CAPD score, children under 12 (0–32).")] = None,
    capd_unable: Annotated[bool, typer.Option("--capd-unable", help="The child cannot perform the CAPD.")] = False,
    as_json: AsJson = False,
    data_dir: DataDir = None,
) -> None:
    """ASTCT ICANS grade with ICE (Lee 2019): the worst of ICE, consciousness, seizure, motor and edema."""
    values = {
        "ice": ice, "orientation": orientation, "naming": naming, "commands": commands, "writing": writing,
        "counting": counting, "consciousness": consciousness, "seizure": seizure, "motor": motor, "edema": edema,
        "tremor": tremor, "age": age, "capd": capd, "capd_unable": capd_unable,
    }  # fmt: skip
    run("icans", values, data_dir, as_json)


@grade_app.command("icaht")
def icaht_command(
    lineage: Annotated[Lineage, typer.Option(case_sensitive=False, help="Which count is graded.")] = Lineage.PLATELETS,
    phase: Annotated[Phase | None, typer.Option(case_sensitive=False, help="early (days 0–30) or late.")] = None,
    day: Annotated[int | None, typer.Option(help="Day after infusion (sets the phase).")] = None,
    counts: Annotated[str | None, typer.Option(help="Counts ×10⁹/L, one per day (or per test late): 45,40,18.")] = None,
    platelets: Annotated[float | None, typer.Option(help="One count ×10⁹/L, held for --days days.")] = None,
    days: Annotated[int | None, typer.Option(help="Days the --platelets count has held.")] = None,
    as_json: AsJson = False,
    data_dir: DataDir = None,
) -> None:
    """ICAHT grade: platelets (T-ICAHT, ASH proposal) early or late; neutrophils when the corpus holds them."""
    values: tuple[float, ...] = parse_counts(counts) if counts else ()
    if platelets is not None:
        if days is not None and not 1 <= days <= 120:
            msg = f"days {days}: give 1–120"
            raise FindingError(msg)
        values += (platelets,) * (days or 1)
    run("icaht", {"lineage": lineage, "phase": phase, "day": day, "counts": values}, data_dir, as_json)


@grade_app.command("hematotox")
def hematotox_command(
    anc: Annotated[float | None, typer.Option(help="ANC before lymphodepletion, /µL.")] = None,
    hemoglobin: Annotated[float | None, typer.Option(help="Hemoglobin, g/dL.")] = None,
    platelets: Annotated[float | None, typer.Option(help="Platelets, ×10⁹/L.")] = None,
    crp: Annotated[float | None, typer.Option(help="CRP, mg/dL.")] = None,
    ferritin: Annotated[float | None, typer.Option(help="Ferritin, ng/mL.")] = None,
    as_json: AsJson = False,
    data_dir: DataDir = None,
) -> None:
    """CAR-HEMATOTOX score (Rejeski 2021): refuses while the corpus lacks its cut-offs."""
    values = {"anc": anc, "hemoglobin": hemoglobin, "platelets": platelets, "crp": crp, "ferritin": ferritin}
    run("hematotox", values, data_dir, as_json)
