"""How the Evaluation page and `carta eval --compare` hold up on a large run (issue 14: 2,000 items).

    .venv/bin/python -m bench.eval_page RUN [--items 2000] [--data-dir .carta]

Makes two runs of ``--items`` items each by repeating the items of RUN (a real run folder) under new
ids, then prints: reading a run, comparing the two (every configuration, 1,000 bootstrap resamples),
and the page through Streamlit's AppTest: opening on the latest run (after the chain is loaded),
filtering, turning a page and opening an item. The data dir must hold an index (the page loads it).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from assistant.evaluation.compare import compare_runs
from assistant.evaluation.runs import Run

APP = Path(__file__).resolve().parents[1] / "ui" / "app.py"


def grow(source: Path, target: Path, items: int, flip: int) -> Path:
    """A copy of ``source`` with ``items`` items per configuration; every ``flip``-th copy changes verdict."""
    rows = [json.loads(line) for line in (source / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    by_config: dict[str, list[dict]] = {}
    for row in rows:
        by_config.setdefault(row["config"], []).append(row)
    target.mkdir(parents=True)
    with (target / "results.jsonl").open("w", encoding="utf-8") as out:
        for config_rows in by_config.values():
            for n in range(items):
                row = dict(config_rows[n % len(config_rows)], id=f"{config_rows[n % len(config_rows)]['id']}-{n}")
                if flip and n % flip == 0:
                    row["passed"] = not row["passed"]
                    row["verdict"] = "pass" if row["passed"] else "fail"
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
    summary = json.loads((source / "summary.json").read_text(encoding="utf-8"))
    summary["items"] = items
    (target / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    return target


def timed(what: str, step: object) -> object:
    started = time.perf_counter()
    value = step() if callable(step) else step
    print(f"{what:<48} {1000 * (time.perf_counter() - started):8.0f} ms")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", type=Path, help="a run folder to grow (e.g. evals/out/20261202-063630)")
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--data-dir", type=Path, default=Path(".carta"))
    args = parser.parse_args()
    os.environ["CARTA_DATA_DIR"] = str(args.data_dir.resolve())
    with tempfile.TemporaryDirectory(prefix="carta-eval-page-") as tmp:
        root = Path(tmp) / "runs"
        old = grow(args.run, root / "20260101-000000", args.items, flip=0)
        new = grow(args.run, root / "20260102-000000", args.items, flip=17)
        size = (new / "results.jsonl").stat().st_size / 2**20
        print(f"{args.items} items per configuration; results.jsonl {size:.1f} MiB")
        before = timed("read a run (Run.load)", lambda: Run.load(old))
        after = Run.load(new)
        total = sum(len(rs) for rs in after.results.values())
        print(f"{total} results in {len(after.results)} configurations")
        timed("compare, every configuration (1,000 resamples)", lambda: compare_runs(before, after))
        timed("compare, default configuration only", lambda: compare_runs(before, after, configs=[after.default]))

        from streamlit.testing.v1 import AppTest

        at = AppTest.from_file(str(APP), default_timeout=600)
        timed("app: first run (loads the model and index)", at.run)
        at.switch_page("views/evaluation.py").run()
        timed("page: open on the latest run (cold read)", at.text_input(key="eval_root").set_value(str(root)).run)
        reruns = []
        for _ in range(5):
            started = time.perf_counter()
            at.run()
            reruns.append(1000 * (time.perf_counter() - started))
        print(f"{'page: rerun, cached (median of 5)':<48} {statistics.median(reruns):8.0f} ms")
        timed("page: filter dosing + fail", at.multiselect(key="eval_categories").set_value(["dosing"]).run)
        timed("page: verdict filter", at.multiselect(key="eval_verdicts").set_value(["fail"]).run)
        at.multiselect(key="eval_categories").set_value([]).run()
        at.multiselect(key="eval_verdicts").set_value([]).run()
        timed("page: turn to page 20", at.number_input(key="eval_page").set_value(20).run)
        first = at.dataframe[1].value["item"].iloc[0]
        timed("page: open an item", at.selectbox(key="eval_item").set_value(first).run)
        assert not at.exception, at.exception


if __name__ == "__main__":
    main()
