"""Cold start: a new process's time to its first answer, for `carta ask` and for the app.

    .venv/bin/python -m bench.cold_start [--data-dir DIR] [--runs 3]

`carta ask`: wall time of the whole command (interpreter start, imports, model and index load,
answer), ``runs`` times; the operating system's file cache is warm after the first run, as it is on
a machine in use. The app: `carta ui` on a free port until /_stcore/health answers, then, in another
fresh process, the app script's first run and first answer through Streamlit's AppTest (model, index,
answer; no browser or websocket). A browser's first answer on a fresh server costs about the sum.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

from assistant.embeddings import prepare_query_embeddings
from bench.common import corpus_index
from tests.helpers import free_port

QUESTION = "What is the tocilizumab dose for grade 2 CRS?"
APP = Path(__file__).resolve().parents[1] / "ui" / "app.py"
#: Run in a fresh interpreter: the app's first run and first answer, timed from interpreter start.
APPTEST_SCRIPT = f"""
import time
from streamlit.testing.v1 import AppTest
app = AppTest.from_file({str(APP)!r}, default_timeout=600)
app.run()
app.chat_input[0].set_value({QUESTION!r}).run()
assert not app.exception and app.session_state["messages"][-1]["answer"].citations
"""


def timed_run(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def server_health_s(env: dict[str, str]) -> float:
    """Seconds from `carta ui` to a healthy server."""
    port = free_port()
    started = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "assistant", "ui", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).status_code == 200:
                    return time.perf_counter() - started
            except httpx.HTTPError:
                time.sleep(0.05)
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # `carta ui` and the streamlit process it started
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with corpus_index(args.data_dir, prefix="carta-cold-") as settings:
        prepare_query_embeddings(settings)  # as `carta ingest` does: the export is not part of a cold start
        env = {**os.environ, "CARTA_DATA_DIR": str(settings.data_dir.resolve())}
        ask = [timed_run([sys.executable, "-m", "assistant", "ask", QUESTION], env) for _ in range(args.runs)]
        health = [server_health_s(env) for _ in range(args.runs)]
        first = [timed_run([sys.executable, "-c", APPTEST_SCRIPT], env) for _ in range(args.runs)]
    print("| what | runs (s) | median (s) |")
    print("|---|---|---|")
    for name, values in (
        ("`carta ask` end to end", ask),
        ("`carta ui` until /_stcore/health answers", health),
        ("app script: first run + first answer (AppTest, fresh process)", first),
    ):
        print(f"| {name} | {', '.join(f'{v:.1f}' for v in values)} | {statistics.median(values):.1f} |")
    print(f"\nfresh server to first answer, estimated: {statistics.median(health) + statistics.median(first):.1f} s")


if __name__ == "__main__":
    main()
