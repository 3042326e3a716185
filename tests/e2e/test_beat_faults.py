"""Two beats started by mistake, the one sending stopped, then the next one killed and a third started, while changes
keep calling for notices and two sweeps of the same moment run at once: every notice and reminder goes out, once,
to a mail server started here, and none is recorded twice. (tests/e2e/test_beat_single.py shows the lease itself.)"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.e2e.conftest import SWEEP_AT, child_query, delivery_env
from tests.e2e.processes import ROOT, api_writes, assigned_notices, beat, stop_all, wait_for, worker

pytestmark = [pytest.mark.e2e, pytest.mark.services_leg]
SWEPT = "FROM coordination_reminder WHERE message_id <> 'demo-data'"


def lease_holder_pid(env) -> int | None:
    holders = child_query(env, "SELECT holder FROM coordination_beatlease WHERE expires_at > CURRENT_TIMESTAMP")
    return int(holders[0][0].split(":")[1]) if holders else None


def sweep_twice_at_once(env) -> None:
    command = [sys.executable, "manage.py", "send_reminders", "--at", SWEEP_AT]
    sweeps = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    for process in sweeps:
        assert process.wait(timeout=180) == 0


def test_beats_stopped_killed_and_doubled_lose_and_repeat_no_notice(seeded_env, tmp_path, mail_server):
    env = {**delivery_env(seeded_env, mail_server), "BEAT_LEASE_SECONDS": "6"}
    beats = {name: beat(env, tmp_path, name) for name in ("beat-1", "beat-2")}  # two, by mistake
    processes = [worker(env, tmp_path), *beats.values()]
    try:
        wait_for(lambda: lease_holder_pid(env) is not None, 60, lambda: "\n".join(p.log() for p in processes))
        api_writes(env, "two-beats")
        sweep_twice_at_once(env)

        # The sending beat stops (a deployment's restart): the other takes over; more changes meanwhile.
        holder = next(process for process in beats.values() if process.pid == lease_holder_pid(env))
        holder.stop()
        api_writes(env, "one-stopped")
        wait_for(
            lambda: lease_holder_pid(env) not in (None, holder.pid), 30, lambda: "\n".join(p.log() for p in processes)
        )

        # That one is killed (no chance to give the lease up) and a third is started, late.
        survivor = next(process for process in beats.values() if process is not holder)
        survivor.kill()
        api_writes(env, "none-left")
        third = beat(env, tmp_path, "beat-3")
        processes.append(third)
        wait_for(lambda: lease_holder_pid(env) == third.pid, 60, lambda: "\n".join(p.log() for p in processes))

        wait_for(
            lambda: (
                [state for state, _ in assigned_notices(env)] == ["sent"] * 12
                and dict(child_query(env, f"SELECT state, COUNT(*) {SWEPT} GROUP BY state")).keys() == {"sent"}
            ),
            120,
            lambda: f"{assigned_notices(env)}\n" + "\n".join(p.log() for p in processes),
        )
    finally:
        stop_all(processes)

    twice = child_query(
        env,
        f"SELECT action_item_id, rule, recipient_id, occurrence {SWEPT} "
        "GROUP BY action_item_id, rule, recipient_id, occurrence HAVING COUNT(*) > 1",
    )
    assert twice == []
    digests = {message_id for (message_id,) in child_query(env, f"SELECT DISTINCT message_id {SWEPT}")}
    accepted = mail_server.message_ids()
    assert digests <= set(accepted) and all(accepted[message_id] == 1 for message_id in digests)
    assert child_query(env, "SELECT COUNT(*) FROM coordination_outboxmessage") == [(0,)]
