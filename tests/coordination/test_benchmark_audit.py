"""The benchmark command that times verify_audit runs end to end at a small size (the figures in the repository
come from the full-size run, `manage.py benchmark_audit`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_benchmark_fills_a_scratch_database_verifies_it_and_writes_its_figures(tmp_path):
    output = tmp_path / "verify_audit.json"
    output.write_text(json.dumps({"verify_audit": [{"database": "elsewhere", "items": 1}]}))
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    env["CELERY_BROKER_DIR"] = str(tmp_path / "broker")
    result = subprocess.run(
        [sys.executable, "manage.py", "benchmark_audit", "--items", "100", "--output", str(output)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    entries = json.loads(output.read_text())["verify_audit"]
    assert entries[0] == {"database": "elsewhere", "items": 1}  # other engines' figures are kept
    figures = entries[1]
    engine = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    assert figures["database"] == engine and figures["items"] >= 100
    assert figures["sealed_rows"] > figures["items"] and figures["verify_seconds"] >= 0
    assert "verify_audit:" in result.stdout and "rows/s" in result.stdout
