"""`carta ui`: serve the Streamlit app (bound to 127.0.0.1 unless told otherwise)."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from assistant.cli import app
from assistant.cli.common import settings_from

UI_APP = Path(__file__).resolve().parents[2] / "ui" / "app.py"
#: Streamlit options for a local, offline product: no telemetry, no file watcher, no developer menu.
STREAMLIT_OPTIONS = {
    "server.headless": "true",
    "server.fileWatcherType": "none",
    "server.runOnSave": "false",
    "browser.gatherUsageStats": "false",
    "client.toolbarMode": "viewer",
}


@app.command("ui")
def ui_command(
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8501,
    address: Annotated[str, typer.Option(help="Address to bind; 0.0.0.0 exposes Carta to the network.")] = "127.0.0.1",
) -> None:
    """Serve the Streamlit app at http://ADDRESS:PORT."""
    settings = settings_from()  # invalid settings fail here, in one line, before the server starts
    options = {
        **STREAMLIT_OPTIONS,
        "server.port": str(port),
        "server.address": address,
        "server.maxUploadSize": str(math.ceil(settings.max_file_mb)),
    }
    command = [sys.executable, "-m", "streamlit", "run", str(UI_APP)]
    command += [part for name, value in options.items() for part in (f"--{name}", value)]
    raise typer.Exit(subprocess.call(command, env={**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}))
