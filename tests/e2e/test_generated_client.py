"""A client generated from the published schema alone (openapi-python-client) works against a running server."""

from __future__ import annotations

import datetime
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from coordination import services
from coordination.models import ActionItem
from tests.conftest import NOW

pytestmark = pytest.mark.e2e
GENERATOR = Path(sys.executable).parent / "openapi-python-client"


@pytest.fixture
def generated_client(tmp_path, client):
    """Generate a Python client package from /api/schema/ and import it."""
    schema = tmp_path / "openapi.json"
    schema.write_text(json.dumps(client.get("/api/schema/?format=json").json()))
    package = tmp_path / "tracker_client"
    env = {**os.environ, "PATH": f"{GENERATOR.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        [str(GENERATOR), "generate", "--path", str(schema), "--output-path", str(package), "--meta", "none"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout, result.stdout  # every operation and response was understood
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module("tracker_client")
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.startswith("tracker_client")]:
            del sys.modules[name]


def test_a_liaison_works_through_the_generated_client(live_server, world, token_for, generated_client):
    overdue = services.action_item_create(
        actor=world.coordinator,
        department=world.department,
        title="Report on port access for allied ships",
        lead_agency=world.mod,
        due_date=datetime.date(2026, 5, 25),
        now=NOW,
    )
    services.action_item_transition(actor=world.coordinator, item=overdue, name="assign")

    from tracker_client import AuthenticatedClient
    from tracker_client.api.action_items import action_items_list, action_items_retrieve
    from tracker_client.api.progress import action_items_updates_create
    from tracker_client.api.workflow import action_items_acknowledge
    from tracker_client.models import ProgressUpdateInputRequest, TransitionRequest

    client = AuthenticatedClient(base_url=live_server.url, token=token_for(world.lead_liaison), prefix="Token")
    page = action_items_list.sync(client=client, lead_agency="MOD", overdue=True)
    assert [item.title for item in page.results] == ["Report on port access for allied ships"]

    item = action_items_acknowledge.sync(id=page.results[0].id, client=client, body=TransitionRequest())
    assert item.status.value == "acknowledged"
    update = action_items_updates_create.sync(
        id=item.id,
        client=client,
        body=ProgressUpdateInputRequest(text="Survey of three ports done", percent_complete=30),
        idempotency_key="survey-1",
    )
    assert update.percent_complete == 30
    again = action_items_retrieve.sync(id=item.id, client=client)
    assert (again.status.value, again.percent_complete) == ("in_progress", 30)
    assert ActionItem.objects.get(pk=overdue.pk).updates.get().author == world.lead_liaison

    refused = action_items_retrieve.sync_detailed(id=world.item.pk + 1000, client=client)
    assert refused.status_code == 404 and refused.parsed.status == 404  # a Problem, parsed from problem+json
