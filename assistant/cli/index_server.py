"""`carta serve-index`: run the index as a Chroma server, so several processes and machines share it.

Clients find it through CARTA_CHROMA_HOST and CARTA_CHROMA_PORT; ingest, ask, eval and the UI then
use an HttpClient instead of the embedded store.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from assistant.cli import app, err_console
from assistant.cli.common import settings_from
from assistant.errors import ConfigError

#: Loopback only: the server has no authentication, so exposing it is a deliberate step (a proxy).
SERVER_HOST = "127.0.0.1"


def chroma_command(index_dir: Path, port: int) -> list[str]:
    """The `chroma run` command line, using the chroma CLI installed beside this Python."""
    chroma = Path(sys.executable).with_name("chroma")
    if not chroma.is_file():
        msg = f"the chroma command is missing beside {sys.executable}; reinstall Carta with `make`"
        raise ConfigError(msg)
    return [str(chroma), "run", "--path", str(index_dir), "--host", SERVER_HOST, "--port", str(port)]


@app.command("serve-index")
def serve_index_command(
    port: Annotated[int | None, typer.Option(help="Port to serve on; default CARTA_CHROMA_PORT (8000).")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Where the index lives.")] = None,
) -> None:
    """Serve the index at http://127.0.0.1:PORT until Ctrl-C (set CARTA_CHROMA_HOST/PORT in clients)."""
    settings = settings_from(data_dir=data_dir, chroma_port=port)
    settings.ensure_data_dir()
    err_console.print(
        f"serving {settings.index_dir} at {SERVER_HOST}:{settings.chroma_port}; in clients set "
        f"CARTA_CHROMA_HOST={SERVER_HOST} CARTA_CHROMA_PORT={settings.chroma_port}",
        highlight=False,
    )
    command = chroma_command(settings.index_dir, settings.chroma_port)
    os.execv(command[0], command)  # the server takes this process over: its PID, its Ctrl-C
