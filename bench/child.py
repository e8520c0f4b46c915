"""Running one benchmark's measuring step in a child process, on one database.

Each benchmark measures in a fresh Python process whose settings point at the database
under test (Django's settings are read once per process). The child prints its result as
JSON on the last line of its standard output; progress goes to standard error, straight to
the terminal.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def run_step(module: str, database_url: str, data_dir: Path, arguments: list[str]) -> Any:
    """`python -m <module> run <arguments>` with DATABASE_URL set; its JSON result."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "chorus.settings",
        "DATABASE_URL": database_url,
        "DATA_DIR": str(data_dir),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "testserver",
        "SECRET_KEY": "bench",
    }
    result = subprocess.run(
        [sys.executable, "-m", module, "run", *arguments],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{module} failed:\n{result.stdout}")
    return json.loads(result.stdout.strip().splitlines()[-1])
