"""The action-item endpoints for tool authors: filters, ordering, pages, ETags, idempotent retries, upsert, errors."""

from __future__ import annotations

import datetime

import pytest

from coordination import services
from coordination.models import ActionItem, IdempotencyRecord
from tests.conftest import NOW
from tests.factories import ActionItemFactory, AgencyFactory

ITEMS = "/api/v1/action-items/"
Status = ActionItem.Status


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["title"] for item in response.json()["results"]]


@pytest.fixture
def catalogue(world, move_to_status):
    """Items of several statuses, agencies and due dates in the world's department."""
    move_to_status(world.item, Status.ACKNOWLEDGED)  # due 30 June, MOD lead, MOFA supporting

    def make(title, lead, status, due, supporting=(), **fields):
        item = services.action_item_create(
            actor=world.coordinator,
            department=world.department,
            title=title,
            lead_agency=lead,
            supporting_agencies=supporting,
            due_date=due,
            now=NOW,
            **fields,
        )
        if status != Status.DRAFT:
            services.action_item_transition(actor=world.coordinator, item=item, name="assign")
        return ActionItem.objects.get(pk=item.pk)

    make("Overdue port survey", world.mofa, Status.ASSIGNED, datetime.date(2026, 5, 20), priority=40)
    make("Coast guard exercise", world.mofa, Status.ASSIGNED, datetime.date(2026, 6, 10), [world.mod], priority=10)
    make("Draft export rules", world.meti, Status.DRAFT, None)
    return world


def test_status_filter_takes_comma_separated_values(api, catalogue):
    client = api("coordinator")
    assert sorted(titles(client.get(ITEMS, {"status": "assigned"}))) == ["Coast guard exercise", "Overdue port survey"]
    assert len(titles(client.get(ITEMS, {"status": "assigned,draft"}))) == 3
    response = client.get(ITEMS, {"status": "assigned,finished"})
    assert response.status_code == 400
    assert response.json()["errors"] == {"status": ["Unknown value: finished."]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"lead_agency": "MOFA"}, {"Overdue port survey", "Coast guard exercise"}),
        ({"lead_agency": "MOD,METI"}, {"Draft a defense diplomacy strategy", "Draft export rules"}),
        ({"supporting_agency": "MOD"}, {"Coast guard exercise"}),
        ({"supporting_agency": "MOFA"}, {"Draft a defense diplomacy strategy"}),
        ({"department": "NSS-SCD", "overdue": "true"}, {"Overdue port survey"}),
        ({"unacknowledged": "true"}, {"Overdue port survey", "Coast guard exercise"}),
        ({"due_before": "2026-06-15"}, {"Overdue port survey", "Coast guard exercise"}),
        ({"due_after": "2026-06-15"}, {"Draft a defense diplomacy strategy"}),
        ({"search": "coast"}, {"Coast guard exercise"}),
    ],
)
def test_filters(api, catalogue, query, expected):
    assert set(titles(api("coordinator").get(ITEMS, query))) == expected


def test_initiative_filter(api, catalogue):
    initiative = services.initiative_create(
        actor=catalogue.coordinator, department=catalogue.department, code="P4", title_en="Maritime security"
    )
    services.action_item_update(actor=catalogue.coordinator, item=catalogue.item, changes={"initiative": initiative})
    assert titles(api("coordinator").get(ITEMS, {"initiative": initiative.pk})) == [
        "Draft a defense diplomacy strategy"
    ]


def test_assigned_liaison_and_updated_since_filters(api, catalogue, time_machine):
    client = api("coordinator")
    mine = titles(client.get(ITEMS, {"assigned_liaison": catalogue.lead_term.pk}))
    assert mine == ["Draft a defense diplomacy strategy"]
    time_machine.move_to(NOW + datetime.timedelta(hours=2))
    since = (NOW + datetime.timedelta(hours=1)).isoformat()
    assert titles(client.get(ITEMS, {"updated_since": since})) == []
    services.action_item_transition(actor=catalogue.lead_liaison, item=catalogue.item, name="start")
    assert titles(client.get(ITEMS, {"updated_since": since})) == ["Draft a defense diplomacy strategy"]
    assert client.get(ITEMS, {"updated_since": "yesterday"}).status_code == 400


OVERDUE, COAST, DIPLOMACY, EXPORT = (
    "Overdue port survey",
    "Coast guard exercise",
    "Draft a defense diplomacy strategy",
    "Draft export rules",
)


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("due_date", [OVERDUE, COAST, DIPLOMACY, EXPORT]),  # no due date (a draft) comes last
        ("-due_date", [EXPORT, DIPLOMACY, COAST, OVERDUE]),
        ("-priority", [OVERDUE, EXPORT, DIPLOMACY, COAST]),  # urgent first; equal priorities by id, descending
    ],
)
def test_ordering(api, catalogue, ordering, expected):
    assert titles(api("coordinator").get(ITEMS, {"ordering": ordering})) == expected


@pytest.mark.parametrize("query", [{"assigned_liaison": "-1.07e248"}, {"initiative": "abc"}, {"page_size": "0"}])
def test_out_of_range_ids_and_sizes_are_clear_errors(api, world, query):
    response = api("coordinator").get(ITEMS, query)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == set(query)


def test_ordering_by_anything_else_is_an_error(api, catalogue):
    response = api("coordinator").get(ITEMS, {"ordering": "title"})
    assert response.status_code == 400
    assert "ordering" in response.json()["errors"]


def test_a_liaison_lists_only_items_of_their_agency(api, catalogue):
    assert set(titles(api("lead_liaison").get(ITEMS))) == {"Draft a defense diplomacy strategy", "Coast guard exercise"}
    # METI leads only a draft that was never assigned: the department's own working copy, not METI's yet.
    assert titles(api("unrelated_liaison").get(ITEMS)) == []


def test_pages_follow_the_cursor_and_stay_stable_while_items_are_added(api, world):
    ActionItemFactory.create_batch(7, department=world.department, lead_agency=world.mofa)
    client = api("coordinator")
    first = client.get(ITEMS, {"page_size": 3}).json()
    assert len(first["results"]) == 3 and first["next"]
    # Items added after the sync started come after everything already listed (ordering by updated_at).
    ActionItemFactory.create_batch(2, department=world.department, lead_agency=world.mofa, title="Late")
    seen = [item["id"] for item in first["results"]]
    page = first
    while page["next"]:
        page = client.get(page["next"]).json()
        seen += [item["id"] for item in page["results"]]
    assert len(seen) == len(set(seen)) == 10
    assert seen == sorted(seen, key=lambda pk: ActionItem.objects.get(pk=pk).updated_at)


def test_page_size_is_capped_at_200(api, world):
    ActionItemFactory.create_batch(3, department=world.department, lead_agency=world.mofa)
    response = api("coordinator").get(ITEMS, {"page_size": 1000})
    assert response.status_code == 200 and len(response.json()["results"]) == 4


def test_the_list_costs_the_same_number_of_queries_at_10_and_100_items_a_page(
    api, world, django_assert_num_queries, django_assert_max_num_queries
):
    for index in range(100):
        item = ActionItemFactory(
            department=world.department, lead_agency=world.mod, title=f"Item {index}", status=Status.ASSIGNED
        )
        item.concurrences.create(agency=world.mofa)
        item.dependencies.add(world.item)
    client = api("lead_liaison")
    client.get(ITEMS)  # the token's last-used time is written once; not part of the list's cost
    with django_assert_max_num_queries(30) as small:
        assert len(client.get(ITEMS, {"page_size": 10}).json()["results"]) == 10
    with django_assert_num_queries(len(small.captured_queries)):
        assert len(client.get(ITEMS, {"page_size": 100}).json()["results"]) == 100


# --- ETag and If-Match --------------------------------------------------------------------------------------------


def test_a_stale_if_match_gets_412_and_changes_nothing(api, world):
    client = api("coordinator")
    url = f"{ITEMS}{world.item.pk}/"
    etag = client.get(url)["ETag"]
    assert client.patch(url, {"title": "Changed by someone else"}, format="json").status_code == 200
    for method, path, body in [
        ("patch", url, {"title": "My change"}),
        ("post", f"{url}assign/", {}),
        ("post", f"{url}cancel/", {"reason": "Overtaken"}),
    ]:
        response = getattr(client, method)(path, body, format="json", headers={"If-Match": etag})
        assert response.status_code == 412
        assert response["Content-Type"] == "application/problem+json"
    item = ActionItem.objects.get(pk=world.item.pk)
    assert (item.title, item.status) == ("Changed by someone else", Status.DRAFT)


def test_a_current_if_match_lets_the_change_through_and_returns_the_new_etag(api, world):
    client = api("coordinator")
    url = f"{ITEMS}{world.item.pk}/"
    etag = client.get(url)["ETag"]
    response = client.post(f"{url}assign/", {}, format="json", headers={"If-Match": etag})
    assert response.status_code == 200 and response.json()["status"] == "assigned"
    assert response["ETag"] != etag
    assert client.get(url, headers={"If-None-Match": response["ETag"]}).status_code == 304
    # A weak tag never matches (strong comparison).
    weak = "W/" + response["ETag"]
    assert client.patch(url, {"title": "x"}, format="json", headers={"If-Match": weak}).status_code == 412


# --- Idempotency-Key ----------------------------------------------------------------------------------------------


def test_a_retried_create_returns_the_first_result_and_creates_nothing_more(api, world):
    client = api("coordinator")
    body = {"department": "NSS-SCD", "title": "Brief the minister", "lead_agency": "MOFA"}
    first = client.post(ITEMS, body, format="json", headers={"Idempotency-Key": "4e0c-create-1"})
    again = client.post(ITEMS, body, format="json", headers={"Idempotency-Key": "4e0c-create-1"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Location"] == first["Location"]
    assert again["Idempotent-Replayed"] == "true"
    assert ActionItem.objects.filter(title="Brief the minister").count() == 1


def test_a_retried_transition_is_not_made_twice(api, world, move_to_status):
    move_to_status(world.item, Status.IN_PROGRESS)
    client = api("lead_liaison")
    url = f"{ITEMS}{world.item.pk}/updates/"
    body = {"text": "Sent to the cabinet office", "percent_complete": 50}
    for _attempt in range(3):
        assert client.post(url, body, format="json", headers={"Idempotency-Key": "upd-1"}).status_code == 201
    assert world.item.updates.count() == 1


def test_a_key_reused_for_another_request_is_refused(api, world):
    client = api("coordinator")
    client.post(
        ITEMS, {"department": "NSS-SCD", "title": "One", "lead_agency": "MOFA"}, headers={"Idempotency-Key": "k"}
    )
    response = client.post(
        ITEMS, {"department": "NSS-SCD", "title": "Two", "lead_agency": "MOFA"}, headers={"Idempotency-Key": "k"}
    )
    assert response.status_code == 422
    assert not ActionItem.objects.filter(title="Two").exists()


def test_a_key_still_being_processed_gets_409(api, world):
    client = api("coordinator")
    body = {"department": "NSS-SCD", "title": "One", "lead_agency": "MOFA"}
    first = client.post(ITEMS, body, format="json", headers={"Idempotency-Key": "slow"})
    # As if the first request were still running: its record has no answer yet.
    IdempotencyRecord.objects.filter(key="slow").update(status_code=None, response_body=None)
    response = client.post(ITEMS, body, format="json", headers={"Idempotency-Key": "slow"})
    assert first.status_code == 201 and response.status_code == 409
    assert ActionItem.objects.filter(title="One").count() == 1


def test_a_claim_never_answered_is_released_after_ten_minutes(api, world, time_machine):
    client = api("coordinator")
    body = {"department": "NSS-SCD", "title": "After a crash", "lead_agency": "MOFA"}
    client.post(ITEMS, body, format="json", headers={"Idempotency-Key": "crashed"})
    # As if the process had died after claiming the key and before recording the answer.
    IdempotencyRecord.objects.filter(key="crashed").update(status_code=None, response_body=None)
    assert client.post(ITEMS, body, format="json", headers={"Idempotency-Key": "crashed"}).status_code == 409
    time_machine.move_to(NOW + datetime.timedelta(minutes=11))
    assert client.post(ITEMS, body, format="json", headers={"Idempotency-Key": "crashed"}).status_code == 201


def test_old_keys_are_forgotten_by_the_hourly_purge(api, world, time_machine):
    from coordination.tasks import idempotency_records_purge

    body = {"department": "NSS-SCD", "title": "Yesterday", "lead_agency": "MOFA"}
    api("coordinator").post(ITEMS, body, format="json", headers={"Idempotency-Key": "old"})
    time_machine.move_to(NOW + datetime.timedelta(hours=23))
    api("coordinator").post(ITEMS, {**body, "title": "Today"}, format="json", headers={"Idempotency-Key": "new"})
    time_machine.move_to(NOW + datetime.timedelta(hours=24, minutes=1))
    assert idempotency_records_purge() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


def test_keys_belong_to_their_user(api, world):
    body = {"department": "NSS-SCD", "title": "Same key", "lead_agency": "MOFA"}
    assert api("coordinator").post(ITEMS, body, headers={"Idempotency-Key": "shared"}).status_code == 201
    assert api("director").post(ITEMS, body, headers={"Idempotency-Key": "shared"}).status_code == 201
    assert ActionItem.objects.filter(title="Same key").count() == 2


def test_a_refusal_is_replayed_too(api, world):
    client = api("lead_liaison")
    body = {"department": "NSS-SCD", "title": "Not mine to create", "lead_agency": "MOFA"}
    first = client.post(ITEMS, body, format="json", headers={"Idempotency-Key": "no"})
    again = client.post(ITEMS, body, format="json", headers={"Idempotency-Key": "no"})
    assert first.status_code == again.status_code == 403
    assert again["Content-Type"] == "application/problem+json" and again.json() == first.json()


# --- Upsert by external id ----------------------------------------------------------------------------------------


def test_upsert_creates_then_updates_by_external_id(api, world):
    client = api("coordinator")
    body = {"department": "NSS-SCD", "external_id": "MOD-2026-17", "title": "Port access", "lead_agency": "MLIT"}
    AgencyFactory(code="MLIT")
    created = client.post(f"{ITEMS}upsert/", body, format="json")
    assert created.status_code == 201, created.content
    updated = client.post(f"{ITEMS}upsert/", {**body, "title": "Port access for allied ships"}, format="json")
    assert updated.status_code == 200
    assert updated.json()["id"] == created.json()["id"]
    assert ActionItem.objects.get(external_id="MOD-2026-17").title == "Port access for allied ships"


def test_external_ids_are_unique_per_department(api, world):
    body = {"department": "NSS-SCD", "title": "One", "lead_agency": "MOFA", "external_id": "X-1"}
    assert api("coordinator").post(ITEMS, body, format="json").status_code == 201
    response = api("coordinator").post(ITEMS, {**body, "title": "Two"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "external_id": ["Another item of this department already has this external id."]
    }
    other = {**body, "department": "NSS-STRATCOM"}
    assert api("coordinator").post(ITEMS, other, format="json").status_code == 403


# --- No mass assignment --------------------------------------------------------------------------------------------

COORDINATOR_FIELD_VALUES = {
    "title": "Renamed",
    "description": "New scope",
    "department": "NSS-STRATCOM",
    "coordinator": "director",
    "lead_agency": "MOFA",
    "supporting_agencies": ["METI"],
    "priority": "urgent",
    "due_date": "2026-09-30",
    "marking": "restricted",
    "external_id": "MINE-1",
    "parent": None,
    "dependencies": [],
    "recurrence": "monthly",
}


@pytest.mark.parametrize(("field", "value"), COORDINATOR_FIELD_VALUES.items())
def test_a_liaison_cannot_set_a_coordinator_field_by_any_route(api, world, move_to_status, field, value):
    move_to_status(world.item, Status.IN_PROGRESS)
    before = ActionItem.objects.filter(pk=world.item.pk).values().get()
    client = api("lead_liaison")
    patched = client.patch(f"{ITEMS}{world.item.pk}/", {field: value}, format="json")
    upserted = client.post(
        f"{ITEMS}upsert/",
        {"department": "NSS-SCD", "external_id": "MOD-1", "lead_agency": "MOD", "title": "x", field: value},
        format="json",
    )
    created = client.post(ITEMS, {"department": "NSS-SCD", "lead_agency": "MOD", "title": "x", field: value})
    if value in (None, []) and field in ("parent", "dependencies"):
        assert patched.status_code == 200  # unchanged value: nothing to refuse
    else:
        assert patched.status_code in (400, 403), patched.content
    assert upserted.status_code in (400, 403) and created.status_code in (400, 403)
    assert ActionItem.objects.filter(pk=world.item.pk).values().get() == before
    assert ActionItem.objects.count() == 1


@pytest.mark.parametrize("field", ["status", "percent_complete", "original_due_date", "closed_at", "id"])
def test_fields_the_tracker_keeps_are_never_writable(api, world, field):
    response = api("coordinator").patch(f"{ITEMS}{world.item.pk}/", {field: "closed"}, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert ActionItem.objects.get(pk=world.item.pk).status == Status.DRAFT


# --- Errors ----------------------------------------------------------------------------------------------------------


def test_validation_errors_are_problem_json_with_errors_by_field(api, world):
    response = api("coordinator").post(ITEMS, {"department": "NOPE", "lead_agency": "MOFA", "due_date": "31/12"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith("validation-error") and body["title"] == "Bad Request" and body["status"] == 400
    assert set(body["errors"]) == {"department", "due_date"}


def test_malformed_json_is_a_clear_400(api, world):
    response = api("coordinator").generic("POST", ITEMS, "{not json", content_type="application/json")
    assert response.status_code == 400 and "JSON parse error" in response.json()["detail"]


def test_a_service_refusal_keeps_its_message(api, world):
    response = api("coordinator").post(f"{ITEMS}{world.item.pk}/cancel/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"reason": ["Give a reason for “Cancel”."]}


def test_due_dates_on_closed_days_roll_to_the_next_business_day(api, world):
    body = {"department": "NSS-SCD", "title": "Over new year", "lead_agency": "MOFA", "due_date": "2026-12-30"}
    response = api("coordinator").post(ITEMS, body, format="json")
    assert response.json()["due_date"] == "2027-01-04"


def test_allowed_transitions_are_those_of_the_reader(api, world, move_to_status):
    move_to_status(world.item, Status.ASSIGNED)
    url = f"{ITEMS}{world.item.pk}/"
    assert api("lead_liaison").get(url).json()["allowed_transitions"] == ["decline", "acknowledge"]
    assert api("coordinator").get(url).json()["allowed_transitions"] == ["cancel"]
    assert api("supporting_liaison").get(url).json()["allowed_transitions"] == []


def test_the_business_days_endpoint_answers_as_the_tracker_computes(api, world):
    client = api("lead_liaison")
    answer = client.get("/api/v1/calendar/business-days/", {"start": "2026-09-18", "add": 1}).json()
    assert answer == {"start": "2026-09-18", "add": 1, "date": "2026-09-24"}  # Silver Week 21-23 September
    assert (
        client.get("/api/v1/calendar/business-days/", {"start": "2027-01-04", "add": -1}).json()["date"] == "2026-12-28"
    )
    assert (
        client.get("/api/v1/calendar/business-days/", {"start": "2026-05-03", "add": 0}).json()["date"] == "2026-05-07"
    )
    bad = client.get("/api/v1/calendar/business-days/", {"start": "2026-02-30", "add": "x"})
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"start", "add"}
