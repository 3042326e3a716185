"""A write answers with the item as a read right after it shows it: the same fields and the same ETag, whether the
answer comes from the item the service changed in place (a transition, a PATCH of the item's own fields, a route)
or from reading it again (a PATCH of what it holds), and for each reader's view of the items it links to."""

from __future__ import annotations

import pytest

from coordination import services
from tests.conftest import DUE, NOW
from tests.factories import LiaisonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked_item(world, move_to_status):
    """The world's item, assigned, depending on an item of its department and on one of another department (which
    neither its coordinator nor its liaison sees)."""
    mine = services.action_item_create(
        actor=world.coordinator,
        department=world.department,
        title="Ours",
        lead_agency=world.mofa,
        due_date=DUE,
        now=NOW,
    )
    theirs = services.action_item_create(
        actor=world.other_coordinator, department=world.other_department, title="Theirs", lead_agency=world.meti,
        due_date=DUE, now=NOW,
    )  # fmt: skip
    services.action_item_update(actor=world.coordinator, item=world.item, changes={"dependencies": [mine, theirs]})
    return move_to_status(world.item, "assigned")


def answers_as_read(client, url, response) -> None:
    """Assert the write's answer is what a read now shows."""
    assert response.status_code == 200, response.content
    read = client.get(url)
    assert response.json() == read.json()
    assert response["ETag"] == read["ETag"]


def test_each_write_answers_with_what_a_read_then_shows(api, world, linked_item):
    url = f"/api/v1/action-items/{linked_item.pk}/"
    liaison, coordinator = api("lead_liaison"), api("coordinator")
    answered = liaison.post(f"{url}acknowledge/", {}, format="json")
    assert answered.json()["hidden_dependencies"] == 2  # a draft of another agency's, and the other department's
    answers_as_read(liaison, url, answered)

    etag = coordinator.get(url)["ETag"]
    answered = coordinator.patch(url, {"title": "Revised"}, format="json", HTTP_IF_MATCH=etag)
    assert len(answered.json()["dependencies"]) == 1 and answered.json()["hidden_dependencies"] == 1
    answers_as_read(coordinator, url, answered)
    answers_as_read(coordinator, url, coordinator.patch(url, {"priority": "high"}, format="json"))
    parent = services.action_item_create(
        actor=world.coordinator, department=world.department, title="Parent", lead_agency=world.mod, now=NOW
    )
    answered = coordinator.patch(url, {"parent": parent.pk}, format="json", HTTP_IF_MATCH=coordinator.get(url)["ETag"])
    assert answered.json()["parent"] == parent.pk
    answers_as_read(coordinator, url, answered)
    answered = coordinator.patch(url, {"dependencies": []}, format="json")
    assert answered.json()["dependencies"] == [] and answered.json()["hidden_dependencies"] == 0
    answers_as_read(coordinator, url, answered)
    answered = coordinator.patch(url, {"supporting_agencies": ["MOFA", "METI"]}, format="json")
    assert [row["agency"] for row in answered.json()["supporting_agencies"]] == ["METI", "MOFA"]
    answers_as_read(coordinator, url, answered)

    other_term = LiaisonFactory(agency=world.mod)
    answers_as_read(liaison, url, liaison.post(f"{url}route/", {"assigned_liaison": other_term.pk}, format="json"))
    answers_as_read(liaison, url, liaison.post(f"{url}start/", {}, format="json"))
    answered = liaison.post(f"{url}block/", {"reason": "Waiting for the budget"}, format="json")
    assert answered.json()["status"] == "blocked" and answered.json()["status_reason"] == "Waiting for the budget"
    answers_as_read(liaison, url, answered)


def test_a_refused_write_changes_nothing_and_leaves_no_history(api, world, linked_item):
    url = f"/api/v1/action-items/{linked_item.pk}/"
    before = api("coordinator").get(url)
    history = linked_item.history.count()
    assert api("supporting_liaison").post(f"{url}acknowledge/", {}, format="json").status_code == 403
    assert api("lead_liaison").post(f"{url}block/", {"reason": "Not yet"}, format="json").status_code == 403
    assert api("coordinator").patch(url, {"title": " "}, format="json").status_code == 400
    # Refused by the service once the item is locked and changed in memory: the transaction is rolled back whole.
    refused = api("coordinator").patch(url, {"title": "Renamed", "lead_agency": "MOFA"}, format="json")
    assert refused.status_code == 400 and "supporting_agencies" in refused.json()["errors"]
    after = api("coordinator").get(url)
    assert after.json() == before.json() and after["ETag"] == before["ETag"]
    assert linked_item.history.count() == history
