"""Import the app module in a fresh interpreter, as each ``reflex run`` process does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def import_app(db_url: str, tmp_path: Path, code: str = "import clerk_app.clerk_app"):
    """Run ``code`` (by default the app module's import) in local mode on ``db_url``,
    with no ``CLERK_``/``REFLEX_`` setting inherited; the completed process."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("CLERK_", "REFLEX_"))},
        "REFLEX_DB_URL": db_url,
        "CLERK_EMULATOR_DIR": str(tmp_path / "emulator"),
        "REFLEX_TELEMETRY_ENABLED": "false",
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
