"""Throughput under concurrent use: answers per second from 1, 4 and 16 threads of one process, and
eight simultaneous Streamlit sessions.

    .venv/bin/python -m bench.throughput [--data-dir DIR] [--sessions 8]

The chain part answers every eval question (bench/latency.py) from a thread pool and checks the
answers equal the one-thread answers. The UI part runs ``--sessions`` Streamlit AppTest sessions of
ui/app.py at once, in threads of this process, each asking one question: that is how one `carta ui`
server serves several browsers (one process, the chain cached once, a script run per session).
AppTest skips the browser and the websocket, so network and rendering time are not in the figure.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from assistant.answering.chain import AnswerChain
from assistant.conversation import Turn
from assistant.settings import Settings
from bench.common import corpus_index
from bench.latency import eval_items

THREADS = (1, 4, 16)
APP = Path(__file__).resolve().parents[1] / "ui" / "app.py"


def chain_throughput(chain: AnswerChain, items: list[tuple[str, list[Turn]]]) -> None:
    def answer(item: tuple[str, list[Turn]]) -> str:
        return chain.invoke(*item).answer

    reference = [answer(item) for item in items]  # also the warm-up
    print("| threads | answers/s | same answers as one thread |")
    print("|---|---|---|")
    for threads in THREADS:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            started = time.perf_counter()
            answers = list(pool.map(answer, items))
            seconds = time.perf_counter() - started
        print(f"| {threads} | {len(items) / seconds:.1f} | {'yes' if answers == reference else 'NO'} |", flush=True)


def ui_sessions(settings: Settings, questions: list[str]) -> None:
    from streamlit.testing.v1 import AppTest

    os.environ["CARTA_DATA_DIR"] = str(settings.data_dir)
    os.environ["CARTA_CORPUS_DIR"] = str(settings.corpus_dir)

    def session(question: str) -> tuple[float, bool]:
        started = time.perf_counter()
        app = AppTest.from_file(str(APP), default_timeout=600)
        app.run()
        app.chat_input[0].set_value(question).run()
        answered = not app.exception and bool(app.session_state["messages"][-1]["answer"].citations)
        return (time.perf_counter() - started) * 1000, answered

    first, _ = session(questions[0])  # puts the chain into the process's cache (the model is loaded already)
    alone, _ = session(questions[0])
    print(f"\nfirst session (loads the index): {first / 1000:.1f} s; one session alone, warm: {alone:.0f} ms")
    with ThreadPoolExecutor(max_workers=len(questions)) as pool:
        started = time.perf_counter()
        results = list(pool.map(session, questions))
        seconds = time.perf_counter() - started
    latencies = [ms for ms, _ in results]
    print(f"{len(questions)} sessions at once: all answered in {seconds:.1f} s; per session p50 "
          f"{statistics.median(latencies):.0f} ms, max {max(latencies):.0f} ms; "
          f"{sum(ok for _, ok in results)}/{len(results)} cited answers, no exceptions")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--sessions", type=int, default=8)
    args = parser.parse_args()
    with corpus_index(args.data_dir, prefix="carta-throughput-") as settings:
        items = eval_items()
        print(f"{len(items)} eval questions, index {settings.data_dir}\n")
        chain_throughput(AnswerChain.load(settings), items)
        questions = [question for question, history in items if not history][: args.sessions]
        ui_sessions(settings, questions)


if __name__ == "__main__":
    main()
