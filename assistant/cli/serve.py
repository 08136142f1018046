"""`carta ui`: serve the Streamlit app (bound to 127.0.0.1 unless told otherwise)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from assistant.cli import app

UI_APP = Path(__file__).resolve().parents[2] / "ui" / "app.py"


@app.command("ui")
def ui_command(
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8501,
    address: Annotated[str, typer.Option(help="Address to bind; 0.0.0.0 exposes Carta to the network.")] = "127.0.0.1",
) -> None:
    """Serve the Streamlit app at http://ADDRESS:PORT."""
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(UI_APP),
        "--server.port",
        str(port),
        "--server.address",
        address,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    raise typer.Exit(subprocess.call(command, env={**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}))
