"""The example client in the README runs as written against a live server."""

from __future__ import annotations

import datetime
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from coordination import services
from coordination.models import ActionItem
from tests.conftest import NOW

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.e2e]


def readme_example() -> str:
    text = (ROOT / "README.md").read_text()
    match = re.search(r"<!-- example-client -->\n```python\n(.*?)```", text, re.DOTALL)
    assert match, "the README lost its example client"
    return match.group(1)


def test_the_readme_example_client_lists_acknowledges_and_reports(live_server, world, token_for):
    overdue = services.action_item_create(
        actor=world.coordinator,
        department=world.department,
        title="Report on port access for allied ships",
        lead_agency=world.mod,
        due_date=datetime.date(2026, 5, 25),
        now=NOW,
    )
    services.action_item_transition(actor=world.coordinator, item=overdue, name="assign")
    env = {**os.environ, "TRACKER_URL": live_server.url, "TRACKER_TOKEN": token_for(world.lead_liaison)}
    result = subprocess.run(
        [sys.executable, "-c", readme_example()], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"#{overdue.pk} due 2026-05-25 [assigned] Report on port access for allied ships" in result.stdout
    assert f"#{overdue.pk} acknowledged; progress 30%" in result.stdout
    item = ActionItem.objects.get(pk=overdue.pk)
    assert (item.status, item.percent_complete) == (ActionItem.Status.IN_PROGRESS, 30)
    assert item.updates.get().author == world.lead_liaison
