"""Reminders go out once, as far as mail allows, through crashes and a slow mail server: real Celery workers send a
demo sweep to a real SMTP server started here (tests/e2e/servers.py), on both legs, with a claim that runs out in
15 s (conftest's `delivery_env`)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.e2e.conftest import SWEEP_AT, child_query, delivery_env
from tests.e2e.processes import ROOT, beat, stop_all, wait_for, worker

pytestmark = [pytest.mark.e2e]
SWEPT = "FROM coordination_reminder WHERE message_id NOT IN ('demo-data')"  # the demo's past notices count as sent
KILLS = 3


def states(env) -> dict[str, int]:
    return dict(child_query(env, f"SELECT state, COUNT(*) {SWEPT} GROUP BY state"))


def sweep(env) -> int:
    """The demo day's sweep, recorded and handed to the broker; returns how many rows it recorded."""
    subprocess.run(
        [sys.executable, "manage.py", "send_reminders", "--at", SWEEP_AT],
        cwd=ROOT, env=env, check=True, text=True, capture_output=True, timeout=180,
    )  # fmt: skip
    recorded = sum(states(env).values())
    assert recorded >= 15 and states(env) == {"pending": recorded}  # the demo day: 19 rows
    return recorded


def wait_until_sent(env, recorded: int, processes) -> None:
    explain = lambda: f"{states(env)}\n" + "\n".join(process.log() for process in processes)  # noqa: E731
    wait_for(lambda: states(env) == {"sent": recorded}, 90, explain)


def digests(env) -> set[str]:
    """The Message-IDs the ledger holds for the sweep's rows: one per digest."""
    return {message_id for (message_id,) in child_query(env, f"SELECT DISTINCT message_id {SWEPT}")}


def assert_each_row_recorded_once(env) -> None:
    twice = child_query(
        env,
        f"SELECT action_item_id, rule, recipient_id, occurrence, COUNT(*) {SWEPT} "
        "GROUP BY action_item_id, rule, recipient_id, occurrence HAVING COUNT(*) > 1",
    )
    assert twice == []


def test_workers_killed_while_the_server_accepts_resend_only_those_digests_under_the_same_message_id(
    seeded_env, tmp_path, mail_server
):
    env = delivery_env(seeded_env, mail_server)
    recorded = sweep(env)
    killed: list[str] = []  # the Message-IDs being accepted when their worker died
    current = {"worker": worker(env, tmp_path, "worker-1")}
    processes = [current["worker"]]

    def kill_the_sender(message_id: str) -> None:
        # The message has reached the server, which will accept it; its sender dies before hearing so.
        if len(killed) < KILLS:
            current["worker"].kill()
            killed.append(message_id)

    mail_server.on_data = kill_the_sender
    try:
        for kill in range(1, KILLS + 1):
            wait_for(lambda kill=kill: len(killed) >= kill, 60, lambda: "\n".join(p.log() for p in processes))
            current["worker"] = worker(env, tmp_path, f"worker-{kill + 1}")
            processes.append(current["worker"])
        processes.append(beat(env, tmp_path))  # frees the dead workers' claims once they run out, and requeues
        wait_until_sent(env, recorded, processes)
    finally:
        stop_all(processes)

    assert_each_row_recorded_once(env)
    accepted = mail_server.message_ids()
    assert set(accepted) == digests(env)  # every digest reached the server under the Message-ID its rows hold
    copies = {message_id: count for message_id, count in accepted.items() if count > 1}
    # A copy only of a digest accepted while its worker died, and one each, with the same Message-ID.
    assert len(killed) == KILLS and copies == dict.fromkeys(killed, 2)
    assert sum(accepted.values()) == len(accepted) + KILLS
    print(f"rows {recorded}, digests {len(accepted)}, kills {len(killed)}, copies {len(copies)} (same Message-ID)")


def test_a_slow_mail_server_without_crashes_gets_every_digest_once(seeded_env, tmp_path, mail_server):
    env = delivery_env(seeded_env, mail_server)
    mail_server.reply_delay = 0.3  # every answer slow, each inside EMAIL_TIMEOUT
    # And one longer than a claim: a client without a timeout would still be waiting when the claim ran out and a
    # second worker sent the rows, and would then send them again. This one gives up after EMAIL_TIMEOUT.
    mail_server.stall_rcpt = [20.0]
    recorded = sweep(env)
    processes = [worker(env, tmp_path, "worker-1"), worker(env, tmp_path, "worker-2"), beat(env, tmp_path)]
    try:
        wait_until_sent(env, recorded, processes)
    finally:
        stop_all(processes)

    assert_each_row_recorded_once(env)
    accepted = mail_server.message_ids()
    assert set(accepted) == digests(env) and set(accepted.values()) == {1}  # no digest twice
    timed_out = child_query(env, f"SELECT COUNT(*) {SWEPT} AND attempts > 1")[0][0]
    assert timed_out >= 1  # the stalled send was given up and sent again, under its Message-ID, once
    assert any("timed out" in process.log(100000) for process in processes)
    print(f"rows {recorded}, digests {len(accepted)}, each accepted once; rows sent on a second try {timed_out}")
