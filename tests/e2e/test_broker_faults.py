"""Redis frozen (SIGSTOP) and Redis down, under a running worker and beat: every API write answers in under 2 s,
/health/ says the broker is degraded, and the notices of the writes made meanwhile go out once it is back, each
exactly once, to a mail server started here. Redis is one of the test's own (tests/e2e/servers.py), broker and
cache both, as in a deployment with one Redis."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import delivery_env
from tests.e2e.processes import api_writes, assigned_notices, beat, stop_all, wait_for, worker

pytestmark = [pytest.mark.e2e, pytest.mark.services_leg, pytest.mark.redis_server]


def assert_quick_writes_and_a_degraded_broker(answer: dict) -> None:
    for write in answer["writes"]:
        assert write["create"][0] == 201 and write["assign"][0] == 200, answer
        assert write["create"][1] < 2 and write["assign"][1] < 2, answer  # a bound on waiting, not a benchmark
    assert answer["health"]["status"] == "degraded" and answer["health"]["checks"]["broker"]["ok"] is False
    assert answer["health_seconds"] < 5


def test_writes_stay_quick_while_redis_is_frozen_or_down_and_their_notices_go_out_once_after(
    seeded_env, tmp_path, redis_server, mail_server
):
    env = {**delivery_env(seeded_env, mail_server), "REDIS_URL": redis_server.url(0)}
    processes = [worker(env, tmp_path), beat(env, tmp_path)]
    try:
        wait_for(lambda: "ready." in processes[0].log(), 60, lambda: processes[0].log())

        redis_server.freeze()
        try:
            frozen = api_writes(env, "frozen")
        finally:
            redis_server.thaw()
        assert_quick_writes_and_a_degraded_broker(frozen)

        redis_server.kill()
        try:
            down = api_writes(env, "down")
        finally:
            redis_server.start()  # empty: what it held is gone, the ledger and the outbox are not
        assert_quick_writes_and_a_degraded_broker(down)

        # Two notices per assignment (MLIT's liaison, JCG's), four assignments.
        wait_for(
            lambda: [state for state, _ in assigned_notices(env)] == ["sent"] * 8,
            90,
            lambda: f"{assigned_notices(env)}\n" + "\n".join(process.log() for process in processes),
        )
    finally:
        stop_all(processes)

    print("frozen:", frozen["writes"], frozen["health_seconds"], "down:", down["writes"], down["health_seconds"])
    sent = {message_id for _, message_id in assigned_notices(env)}
    accepted = mail_server.message_ids()
    assert all(accepted[message_id] == 1 for message_id in sent), accepted  # each went out exactly once
