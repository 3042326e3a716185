"""Run the processes of a Procfile together (web, Celery worker and beat for `make run`), their output in one stream,
and stop them all cleanly on Ctrl-C.

Each process runs in a process group of its own, so the terminal's Ctrl-C reaches this command only; it then asks
every process to stop (SIGTERM: Celery finishes the task in hand, the web server closes), waits, and exits 0. When
it runs in a terminal it also takes the terminal's foreground for the time it runs, so that Ctrl-C does not reach
`make` either (make would report the interrupt as an error), and gives it back before it exits.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

# Colours for the process names in a terminal (none when the output is a file or a pipe).
COLOURS = ("36", "33", "35", "32", "34", "31")


def read_procfile(path: Path) -> list[tuple[str, str]]:
    """The (name, command) pairs of a Procfile, in order; blank lines and comments skipped."""
    entries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, separator, command = line.partition(":")
        if not separator or not name.strip() or not command.strip():
            raise CommandError(f"{path}:{number}: expected “name: command”, found {line!r}.")
        entries.append((name.strip(), command.strip()))
    if not entries:
        raise CommandError(f"{path} names no process.")
    return entries


@contextlib.contextmanager
def terminal_foreground():
    """While inside, this process's own group is the terminal's foreground group (if there is a terminal)."""
    try:
        terminal = os.open("/dev/tty", os.O_RDWR)
    except OSError:
        yield
        return
    try:
        previous = os.tcgetpgrp(terminal)
    except OSError:
        os.close(terminal)
        yield
        return
    # Changing the foreground from what is now a background group would stop us with SIGTTOU: ignore it meanwhile.
    ttou = signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    try:
        os.setpgid(0, 0)
        os.tcsetpgrp(terminal, os.getpgrp())
    except OSError:
        signal.signal(signal.SIGTTOU, ttou)
        os.close(terminal)
        yield
        return
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.tcsetpgrp(terminal, previous)
        signal.signal(signal.SIGTTOU, ttou)
        os.close(terminal)


class Command(BaseCommand):
    help = "Run the processes of a Procfile together; Ctrl-C stops them all and exits 0."

    def add_arguments(self, parser):
        parser.add_argument("--procfile", default="Procfile")
        parser.add_argument(
            "--stop-timeout", type=float, default=30.0, help="Seconds each process has to stop before it is killed."
        )

    def handle(self, *args, procfile, stop_timeout, **options):
        path = Path(procfile)
        if not path.is_file():
            raise CommandError(f"No Procfile at {path}.")
        entries = read_procfile(path)
        width = max(len(name) for name, _command in [*entries, ("system", "")])
        self.width = width
        colour = sys.stdout.isatty()
        self.stopping = False
        with terminal_foreground():
            previous = {sig: signal.signal(sig, self._stop_requested) for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                code = self._run(entries, width, colour, stop_timeout)
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)
        if code:
            sys.exit(code)

    def _stop_requested(self, signum, frame):
        self.stopping = True

    def _run(self, entries, width, colour, stop_timeout) -> int:
        processes, labels = {}, {}
        selector = selectors.DefaultSelector()
        for index, (name, command) in enumerate(entries):
            process = subprocess.Popen(
                ["/bin/sh", "-c", f"exec {command}"],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                process_group=0,  # its own group: the terminal's Ctrl-C is not sent to it
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
            processes[name] = process
            label = f"{name.ljust(width)} | "
            labels[name] = f"\033[{COLOURS[index % len(COLOURS)]}m{label}\033[0m" if colour else label
            selector.register(process.stdout, selectors.EVENT_READ, name)
            self._say(f"started {name} (pid {process.pid})")

        failed = None
        while not self.stopping and failed is None:
            for key, _events in selector.select(timeout=0.5):
                self._relay(key, labels, selector)
            for name, process in processes.items():
                if process.poll() is not None:
                    failed = name
                    break
        if failed is not None:
            self._say(f"{failed} stopped by itself (exit {processes[failed].returncode}); stopping the others")
        else:
            self._say("stopping " + ", ".join(processes))

        # SIGTERM to each process itself (Celery's main process then stops its pool: a signal to the whole group
        # would kill the pool under it); once a process has gone, to whatever is left of its group (the web
        # server's reloader child, say).
        for process in processes.values():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + stop_timeout
        swept, killed = set(), []
        while selector.get_map():
            for key, _events in selector.select(timeout=0.2):
                self._relay(key, labels, selector)
            for name, process in processes.items():
                if process.poll() is not None and name not in swept:
                    swept.add(name)
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.killpg(process.pid, signal.SIGTERM)
            if time.monotonic() > deadline:
                for name, process in processes.items():
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.killpg(process.pid, signal.SIGKILL)
                    if name not in swept:
                        killed.append(name)
                deadline = float("inf")
        for process in processes.values():
            process.wait()
        if killed:
            self._say(f"killed {', '.join(killed)} after {stop_timeout:g} s")
            return 1
        if failed is not None:
            return processes[failed].returncode or 1
        self._say("all stopped")
        return 0

    def _relay(self, key, labels, selector) -> None:
        line = key.fileobj.readline()
        if not line:
            selector.unregister(key.fileobj)
            key.fileobj.close()
            return
        sys.stdout.write(labels[key.data] + line.decode("utf-8", "replace").rstrip("\n") + "\n")
        sys.stdout.flush()

    def _say(self, message: str) -> None:
        sys.stdout.write(f"{'system'.ljust(self.width)} | {message}\n")
        sys.stdout.flush()
