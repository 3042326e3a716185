"""Links among items (parent, dependencies, the previous occurrence) never reveal an item the reader cannot see:
not its id, not its title, not in an error message; the reader learns only that such a link exists."""

import pytest

from coordination import services
from coordination.models import ActionItem
from tests.conftest import DUE


@pytest.fixture
def linked(world, move_to_status):
    """The world's item (MOD leads, MOFA supports) sits under a METI-only parent and depends on a METI-only item."""

    def meti_item(title):
        item = services.action_item_create(
            actor=world.coordinator, department=world.department, title=title, lead_agency=world.meti, due_date=DUE
        )
        services.action_item_transition(actor=world.coordinator, item=item, name="assign")
        return item

    parent = meti_item("METI export-control review (parent)")
    dependency = meti_item("METI licence statistics (dependency)")
    item = move_to_status(world.item, ActionItem.Status.ASSIGNED)
    services.action_item_update(
        actor=world.coordinator, item=item, changes={"parent": parent, "dependencies": [dependency]}
    )
    return item, parent, dependency


def test_a_liaison_learns_that_a_link_exists_but_not_what_it_points_to(api, world, linked):
    item, parent, dependency = linked
    response = api("supporting_liaison").get(f"/api/v1/action-items/{item.pk}/")
    body = response.json()
    assert body["parent"] is None and body["parent_hidden"] is True
    assert body["dependencies"] == [] and body["hidden_dependencies"] == 1
    listing = api("supporting_liaison").get("/api/v1/action-items/").content.decode()
    for hidden in (parent, dependency):
        assert hidden.title not in response.content.decode() and hidden.title not in listing
    assert f'"parent":{parent.pk}' not in listing


def test_the_coordinator_sees_every_link(api, world, linked):
    item, parent, dependency = linked
    body = api("coordinator").get(f"/api/v1/action-items/{item.pk}/").json()
    assert body["parent"] == parent.pk and body["parent_hidden"] is False
    assert body["dependencies"] == [dependency.pk] and body["hidden_dependencies"] == 0


def test_an_id_the_writer_cannot_see_is_refused_exactly_as_an_id_that_does_not_exist(api, world, linked):
    _item, parent, _dependency = linked
    own = services.action_item_create(
        actor=world.other_coordinator, department=world.other_department, title="Stratcom lines",
        lead_agency=world.mod, due_date=DUE,
    )  # fmt: skip
    path = f"/api/v1/action-items/{own.pk}/"
    etag = api("other_coordinator").get(path)["ETag"]
    answers = []
    for candidate in (parent.pk, 987654):
        response = api("other_coordinator").patch(
            path, {"parent": candidate, "dependencies": [candidate]}, format="json", HTTP_IF_MATCH=etag
        )
        assert response.status_code == 400
        answers.append(response.content.decode().replace(str(candidate), "N"))
    assert answers[0] == answers[1]
    assert parent.title not in answers[0]


def test_the_admin_shows_a_hidden_link_as_an_item_you_cannot_see(client, world, linked):
    item, parent, dependency = linked
    world.supporting_liaison.is_staff = True
    world.supporting_liaison.save(update_fields=["is_staff"])
    client.force_login(world.supporting_liaison)
    page = client.get(f"/admin/coordination/actionitem/{item.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "an item you cannot see" in text
    for hidden in (parent, dependency):
        assert hidden.title not in text and f"/admin/coordination/actionitem/{hidden.pk}/change/" not in text
