"""Servers of a test's own, on free loopback ports, to freeze, kill and restart without touching the ones the suite
and other tests share: a Redis, a PostgreSQL cluster run as the `postgres` user (CI runs as root, and PostgreSQL
refuses to run as root), and a mail server (aiosmtpd, in the test's own process) that keeps every message it
accepts (Message-ID, recipients, when); a test can slow its answers, stall one of them past the client's timeout,
or run something (kill a worker) at the moment a message has been taken."""

from __future__ import annotations

import asyncio
import email
import logging
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from aiosmtpd.controller import Controller

logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's line per command would drown the test's log


def free_port() -> int:
    """A loopback port nothing listens on now (for a server a test starts, or to be refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class RedisServer:
    """redis-server keeping nothing on disk; `freeze` stops it answering (SIGSTOP), `kill` takes it down, `start`
    brings it back, empty, on the same port."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.start()

    def url(self, database: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        _wait(self.answers, 30, f"Redis on port {self.port}")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as probe:
                probe.sendall(b"PING\r\n")
                return probe.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def freeze(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGCONT)
        self.process.kill()
        self.process.wait(timeout=15)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.kill()


class PostgresCluster:
    """A PostgreSQL cluster initialised in a folder of its own and run by the `postgres` user through `runuser`, on
    a free loopback port (its socket in the same folder). `restart` is a fast shutdown (every session ended, as a
    failover or a restart for an upgrade would) and a start."""

    def __init__(self):
        # Under /tmp, readable by the postgres user (a test's tmp_path sits in folders only root may enter).
        self.folder = Path(tempfile.mkdtemp(prefix="tracker-pg-", dir="/tmp"))
        os.chmod(self.folder, 0o755)
        owner = pwd.getpwnam("postgres")
        os.chown(self.folder, owner.pw_uid, owner.pw_gid)
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.port = free_port()
        self._as_postgres("initdb", "--pgdata", str(self.data), "--auth", "trust", "--username", "postgres",
                          "--no-sync", "--encoding", "UTF8", "--locale", "C")  # fmt: skip
        self.start()

    def _as_postgres(self, *command: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *command],
            cwd=self.folder, check=True, capture_output=True, timeout=120,
        )  # fmt: skip

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _pg_ctl(self, action: str, *options: str) -> None:
        settings = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres("pg_ctl", "--pgdata", str(self.data), "--log", str(self.log), "-w", "-o", settings,
                          *options, action)  # fmt: skip

    def start(self) -> None:
        self._pg_ctl("start")

    def restart(self) -> None:
        self._pg_ctl("restart", "-m", "fast")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._as_postgres("pg_ctl", "--pgdata", str(self.data), "-w", "-m", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


class MailServer:
    def __init__(self):
        self.accepted: list[dict] = []
        self.reply_delay = 0.0  # before each answer to MAIL, RCPT and the end of DATA
        self.stall_rcpt: list[float] = []  # each the delay of one RCPT answer, first come first used
        # Run (in a thread of its own) once a message has been taken, before the server says so to the client.
        self.on_data: Callable[[str], None] | None = None
        self._lock = threading.Lock()
        self.port = free_port()
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, ready_timeout=10)
        self.controller.start()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def message_ids(self) -> Counter:
        """How many times each Message-ID was accepted."""
        with self._lock:
            return Counter(message["message_id"] for message in self.accepted)

    def _accept(self, message_id: str, recipients: list[str]) -> None:
        with self._lock:
            self.accepted.append({"message_id": message_id, "to": recipients, "at": time.time()})

    def stop(self) -> None:
        self.controller.stop()


class _Handler:
    def __init__(self, server: MailServer):
        self.server = server

    async def _wait(self, seconds: float) -> None:
        if seconds:
            await asyncio.sleep(seconds)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        await self._wait(self.server.reply_delay)
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        stall = self.server.stall_rcpt.pop(0) if self.server.stall_rcpt else 0.0
        await self._wait(max(stall, self.server.reply_delay))
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message_id = email.message_from_bytes(envelope.content)["Message-ID"]
        await self._wait(self.server.reply_delay)
        # Taken (queued, as a real server would before answering), whatever becomes of the client from here on.
        self.server._accept(message_id, list(envelope.rcpt_tos))
        if self.server.on_data is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.server.on_data, message_id)
        return "250 Message accepted for delivery"
