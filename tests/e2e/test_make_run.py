"""`make run` as a person uses it: in a terminal, the three processes start quietly (no error, no email in the
terminal: it goes to the mailbox), and Ctrl-C stops them all and leaves `make` with exit status 0.

The test runs the real Makefile in a pseudo-terminal and types Ctrl-C into it, so the terminal delivers SIGINT to
its foreground process group exactly as it does for a person."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.conftest import SWEEP_AT
from tests.e2e.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.e2e]


class Terminal:
    """A child process in a pseudo-terminal of its own, and everything it printed."""

    def __init__(self, argv, env):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: a new session whose controlling terminal is the pty
            os.chdir(ROOT)
            os.execvpe(argv[0], argv, env)
        self.output = b""
        self.status: int | None = None

    def read(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ready, _, _ = select.select([self.fd], [], [], 0.2)
            if ready:
                try:
                    self.output += os.read(self.fd, 65536)
                except OSError:  # the child closed the terminal
                    return

    @property
    def text(self) -> str:
        return self.output.decode("utf-8", "replace")

    def exit_status(self, seconds: float) -> int | None:
        end = time.monotonic() + seconds
        while self.status is None and time.monotonic() < end:
            self.read(0.5)
            finished, status = os.waitpid(self.pid, os.WNOHANG)
            if finished:
                self.read(0.5)
                self.status = os.waitstatus_to_exitcode(status)
        return self.status

    def close(self) -> None:
        if self.exit_status(0.1) is None:
            os.killpg(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        os.close(self.fd)


def health(port: int) -> str:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=2) as response:
            return response.read().decode()
    except OSError:
        return ""


def test_make_run_is_quiet_and_ctrl_c_stops_everything_with_exit_status_0(seeded_env, tmp_path):
    port = free_port()
    mailbox = tmp_path / "mail"
    env = {key: value for key, value in seeded_env.items() if key not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    env.update({"PORT": str(port), "EMAIL_URL": f"filemail:///{mailbox}", "HEARTBEAT_INTERVAL_SECONDS": "2"})
    terminal = Terminal(["make", "run"], env)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            terminal.read(1)
            if '"status": "ok"' in health(port):  # web, database, broker, worker and beat all answering
                break
        else:
            pytest.fail("make run did not come up:\n" + terminal.text[-4000:])
        assert f"http://127.0.0.1:{port}/admin/" in terminal.text and "var/mail/" in terminal.text

        # A sweep's reminders are sent by the running worker: into the mailbox, not into the terminal.
        swept = subprocess.run(
            [sys.executable, "manage.py", "send_reminders", "--at", SWEEP_AT],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True,
        )  # fmt: skip
        assert "recorded" in swept.stdout
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not (mailbox.is_dir() and any(mailbox.iterdir())):
            terminal.read(1)
        assert mailbox.is_dir() and any(mailbox.iterdir()), terminal.text[-4000:]
        terminal.read(2)
        printed = terminal.text
        for noise in ("Subject:", "Content-Transfer-Encoding", "Traceback", " ERROR ", "CRITICAL"):
            assert noise not in printed, f"{noise!r} in the terminal:\n{printed[-4000:]}"

        os.write(terminal.fd, b"\x03")  # Ctrl-C, typed into the terminal
        status = terminal.exit_status(60)
    finally:
        terminal.close()
    after = terminal.text[len(printed) :]
    assert status == 0, after[-4000:]
    assert "all stopped" in after
    for noise in ("Traceback", "Error", "killed", "Interrupt"):
        assert noise not in after, f"{noise!r} after Ctrl-C:\n{after[-4000:]}"
    assert health(port) == ""  # nothing is left listening
