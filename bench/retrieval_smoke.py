"""Retrieval smoke table: for 15 questions across the topics, is the right document in the top 5?

CARTA_DATA_DIR=.carta .venv/bin/python -m bench.retrieval_smoke
"""

from __future__ import annotations

from assistant.retrieval.retriever import HybridRetriever
from assistant.settings import Settings

QUESTIONS = (
    ("emapalumab adult IEC-HS", "manghisi-2025-emapalumab-case"),
    ("ASTCT CRS grade with one vasopressor", "lee-2019-astct-grading"),
    ("ASCO tocilizumab dose CRS", "santomasso-2021-asco-crs"),
    ("grade 3 ICANS steroids ASCO", "santomasso-2021-asco-icans"),
    ("CARTOX levetiracetam seizure prophylaxis", "neelapu-2018-cartox"),
    ("HScore cut-off", "fardet-2014-hscore"),
    ("HLH-2004 ferritin criterion", "henter-2007-hlh-2004-criteria"),
    ("Gamifant Still's disease dosing", "gamifant-emapalumab-label"),
    ("REMS removal driving 2 weeks", "fda-2025-rems-removal"),
    ("T-cell malignancy boxed warning", "fda-2024-t-cell-malignancy-boxed-warning"),
    ("Yescarta ZUMA-1 neurologic toxicity", "yescarta-axi-cel-label"),
    ("CAR-HEMATOTOX high risk", "rejeski-2021-car-hematotox"),
    ("prophylactic anakinra ICANS phase 2", "park-2023-prophylactic-anakinra"),
    ("PJP prophylaxis atovaquone", "stanford-car19-supportive-care"),
    ("cilta-cel parkinsonism boxed warning", "carvykti-cilta-cel-label"),
)


def main() -> None:
    retriever = HybridRetriever.load(Settings())
    print("| question | expected document | rank |\n|---|---|---|")
    found = 0
    for question, expected in QUESTIONS:
        ranked = list(dict.fromkeys(hit.passage.doc_id for hit in retriever.search(question, k=10).hits))
        rank = ranked.index(expected) + 1 if expected in ranked[:5] else None
        found += rank is not None
        print(f"| {question} | {expected} | {rank or 'not in top 5'} |")
    print(f"\n{found}/{len(QUESTIONS)} in the top 5")


if __name__ == "__main__":
    main()
