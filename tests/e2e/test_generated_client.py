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
from tests.contract import check_httpx

pytestmark = [pytest.mark.e2e]
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


def test_the_whole_workflow_through_the_generated_client_with_every_answer_as_documented(
    live_server, world, token_for, generated_client
):
    """Create, clear a nullable field and empty a list, assign, acknowledge, start, update, ask for and approve an
    extension, concur, submit and close, each as the role that does it, through the generated client alone. Every
    answer is checked against the schema (openapi-core) and each change against the database."""
    from tracker_client import AuthenticatedClient
    from tracker_client.api.action_items import action_items_create, action_items_partial_update, action_items_retrieve
    from tracker_client.api.concurrence import action_items_concurrences_create
    from tracker_client.api.extensions import action_items_extension_requests_create, extension_requests_approve_create
    from tracker_client.api.progress import action_items_updates_create
    from tracker_client.api.reference import initiatives_create
    from tracker_client.api.workflow import (
        action_items_acknowledge,
        action_items_assign,
        action_items_close,
        action_items_start,
        action_items_submit,
    )
    from tracker_client.models import (
        ActionItemWriteRequest,
        ConcurrenceInputRequest,
        ConcurrenceInputStateEnum,
        ExtensionDecisionRequest,
        ExtensionRequestInputRequest,
        InitiativeWriteRequest,
        PatchedActionItemUpdateRequest,
        ProgressUpdateInputRequest,
        TransitionRequest,
    )

    def client_for(user):
        hooks = {"response": [check_httpx]}  # every answer, as the schema documents it
        return AuthenticatedClient(
            base_url=live_server.url, token=token_for(user), prefix="Token", httpx_args={"event_hooks": hooks}
        )

    coordinator, lead, supporting = (
        client_for(world.coordinator),
        client_for(world.lead_liaison),
        client_for(world.supporting_liaison),
    )
    initiative = initiatives_create.sync(
        client=coordinator, body=InitiativeWriteRequest(code="P4", department="NSS-SCD", title_en="Port access")
    )
    created = action_items_create.sync(
        client=coordinator,
        body=ActionItemWriteRequest(
            department="NSS-SCD",
            lead_agency="MOD",
            title="Survey port access for allied ships",
            supporting_agencies=["MOFA"],
            initiative=initiative.id,
            due_date=datetime.date(2026, 6, 26),
        ),  # fmt: skip
    )
    item = ActionItem.objects.get(pk=created.id)
    assert item.initiative_id == initiative.id and list(item.concurrences.values_list("agency__code", flat=True)) == [
        "MOFA"
    ]

    # Clearing a nullable field and emptying a list are sent as JSON null and [] and take effect.
    etag = action_items_retrieve.sync_detailed(id=item.pk, client=coordinator).headers["ETag"]
    cleared = action_items_partial_update.sync_detailed(
        id=item.pk,
        client=coordinator,
        body=PatchedActionItemUpdateRequest(initiative=None, due_date=None, supporting_agencies=[]),
        if_match=etag,
    )
    assert cleared.status_code == 200, cleared.content
    item.refresh_from_db()
    assert (item.initiative_id, item.due_date, item.concurrences.count()) == (None, None, 0)
    restored = action_items_partial_update.sync_detailed(
        id=item.pk,
        client=coordinator,
        body=PatchedActionItemUpdateRequest(supporting_agencies=["MOFA"], due_date=datetime.date(2026, 6, 26)),
    )
    assert restored.status_code == 200, restored.content

    def step(client, operation, expected_status, **kwargs):
        answer = operation.sync(id=item.pk, client=client, **kwargs)
        assert answer.status.value == expected_status, answer
        assert ActionItem.objects.get(pk=item.pk).status == expected_status
        return answer

    step(coordinator, action_items_assign, "assigned", body=TransitionRequest())
    step(lead, action_items_acknowledge, "acknowledged", body=TransitionRequest())
    step(lead, action_items_start, "in_progress", body=TransitionRequest())
    update = action_items_updates_create.sync(
        id=item.pk,
        client=lead,
        body=ProgressUpdateInputRequest(text="Two of three ports surveyed", percent_complete=60),
    )
    assert update.percent_complete == 60 and ActionItem.objects.get(pk=item.pk).percent_complete == 60
    extension = action_items_extension_requests_create.sync(
        id=item.pk,
        client=lead,
        body=ExtensionRequestInputRequest(requested_due_date=datetime.date(2026, 7, 10), reason="Third port closed"),
    )
    decided = extension_requests_approve_create.sync(
        id=extension.id, client=coordinator, body=ExtensionDecisionRequest()
    )
    assert decided.state.value == "approved"
    item.refresh_from_db()
    assert (item.due_date, item.original_due_date) == (datetime.date(2026, 7, 10), datetime.date(2026, 6, 26))
    concurrence = action_items_concurrences_create.sync(
        id=item.pk, client=supporting, body=ConcurrenceInputRequest(state=ConcurrenceInputStateEnum.CONCUR)
    )
    assert concurrence.state.value == "concur" and item.concurrences.get().state == "concur"
    step(lead, action_items_submit, "submitted", body=TransitionRequest())
    closed = step(coordinator, action_items_close, "closed", body=TransitionRequest())
    assert closed.closed_at is not None
