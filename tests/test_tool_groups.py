"""Test groups needing outside programs are left out with a reason, or stop the run when CI requires them all."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def collect(tmp_path, **extra_env):
    """Collect the browser tests with a PATH holding only the Python in use, so no browser can be found."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env.pop("REQUIRE_ALL_TEST_GROUPS", None)
    env.update(PATH=str(bin_dir), **extra_env)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "tests/e2e/test_browser_admin.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_group_whose_programs_are_missing_is_left_out_with_the_reason(tmp_path):
    result = collect(tmp_path)
    assert result.returncode == 5, result.stdout + result.stderr  # pytest: no tests collected
    summary = "Test groups left out (install the programs to run them): browser (chromium, chromedriver, npm not found"
    assert summary in result.stdout
    assert "gettext (xgettext, msgmerge not found" in result.stdout
    assert "2 deselected" in result.stdout


def test_ci_fails_when_a_group_cannot_run(tmp_path):
    result = collect(tmp_path, REQUIRE_ALL_TEST_GROUPS="1")
    assert result.returncode == 4, result.stdout + result.stderr  # pytest: usage error
    assert "REQUIRE_ALL_TEST_GROUPS=1 but these test groups cannot run: browser" in result.stderr
