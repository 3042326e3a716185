"""The benchmark commands' child processes: `manage.py` run with another environment (a scratch database), its last
line of output returned, its error shown when it fails."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError


def manage_py(env: dict, *arguments: str) -> str:
    """Run `manage.py *arguments` with `env`; its last line of output (the figures, as JSON)."""
    result = subprocess.run(
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *arguments],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise CommandError(f"manage.py {' '.join(arguments)} failed:\n{result.stderr[-3000:]}")
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
