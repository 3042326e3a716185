"""Hostile and careless input: a clear 4xx as problem+json, never a 500, and nothing saved."""

from __future__ import annotations

import json

import pytest

from coordination.models import ActionItem, ExtensionRequest, Meeting, ProgressUpdate

PROBLEM = "application/problem+json"


def snapshot() -> dict:
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (ActionItem, ExtensionRequest, ProgressUpdate, Meeting)
    } | {"history": ActionItem.history.count()}


def create_body(**fields) -> dict:
    return {"title": "Brief the minister", "department": "NSS-SCD", "lead_agency": "MOD", "due_date": "2026-06-30"} | (
        fields
    )


def assert_refused(response, status: int, field: str | None = None):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == PROBLEM
    if field is not None:
        assert field in response.json()["errors"], response.json()


OUT_OF_RANGE_DATES = ["9999-12-30", "9999-12-31", "0001-01-01", "1900-01-01", "1999-12-31", "2101-01-01"]


@pytest.mark.parametrize("day", OUT_OF_RANGE_DATES)
def test_dates_outside_2000_to_2100_are_a_field_error_on_create_patch_and_extension(api, world, move_to_status, day):
    item = move_to_status(world.item, ActionItem.Status.IN_PROGRESS)
    before = snapshot()
    assert_refused(
        api("coordinator").post("/api/v1/action-items/", create_body(due_date=day), format="json"), 400, "due_date"
    )
    etag = api("coordinator").get(f"/api/v1/action-items/{item.pk}/")["ETag"]
    patched = api("coordinator").patch(
        f"/api/v1/action-items/{item.pk}/", {"due_date": day}, format="json", HTTP_IF_MATCH=etag
    )
    assert_refused(patched, 400, "due_date")
    extension = api("lead_liaison").post(
        f"/api/v1/action-items/{item.pk}/extension-requests/",
        {"requested_due_date": day, "reason": "The Diet session"},
        format="json",
    )
    assert_refused(extension, 400, "requested_due_date")
    meeting = {"department": "NSS-SCD", "title": "Working-level meeting", "held_on": day}
    assert_refused(api("coordinator").post("/api/v1/meetings/", meeting, format="json"), 400, "held_on")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("character", "name"),
    [
        ("\x07", "BEL"),
        ("\x1b", "ESC"),
        ("\r\n", "CR/LF"),
        ("\n", "LF"),
        ("\u202e", "right-to-left override"),
        ("\u2028", "line separator"),
    ],  # fmt: skip
)
def test_control_characters_are_refused_in_one_line_fields(api, world, character, name):
    before = snapshot()
    title = f"Brief the{character}minister"
    response = api("coordinator").post("/api/v1/action-items/", create_body(title=title), format="json")
    assert_refused(response, 400, "title")
    meeting = {"department": "NSS-SCD", "title": title, "held_on": "2026-06-03"}
    assert_refused(api("coordinator").post("/api/v1/meetings/", meeting, format="json"), 400, "title")
    assert snapshot() == before


def test_multi_line_text_keeps_its_line_breaks_but_not_other_controls(api, world):
    text = "First paragraph.\r\n\r\nSecond paragraph,\twith a tab."
    created = api("coordinator").post("/api/v1/action-items/", create_body(description=text), format="json")
    assert created.status_code == 201 and created.json()["description"] == text
    before = snapshot()
    for bad in ("Hidden\x1b[31m escape", "Reversed \u202etext"):
        response = api("coordinator").post("/api/v1/action-items/", create_body(description=bad), format="json")
        assert_refused(response, 400, "description")
    assert snapshot() == before


def test_text_fields_have_length_limits(api, world, move_to_status):
    item = move_to_status(world.item, ActionItem.Status.IN_PROGRESS)
    before = snapshot()
    long_description = "説明" * 10_001  # 20,002 characters
    response = api("coordinator").post(
        "/api/v1/action-items/", create_body(description=long_description), format="json"
    )
    assert_refused(response, 400, "description")
    update = api("lead_liaison").post(
        f"/api/v1/action-items/{item.pk}/updates/", {"text": "x" * 10_001, "percent_complete": 10}, format="json"
    )
    assert_refused(update, 400, "text")
    assert_refused(
        api("coordinator").post("/api/v1/action-items/", create_body(title="t" * 201), format="json"), 400, "title"
    )
    assert snapshot() == before


def test_a_body_over_the_limit_is_413(api, world):
    before = snapshot()
    body = json.dumps(create_body(description="x" * (10 * 1024 * 1024)))
    response = api("coordinator").post("/api/v1/action-items/", body, content_type="application/json")
    assert_refused(response, 413)
    assert "larger than" in response.json()["detail"]
    assert snapshot() == before


def test_json_nested_too_deeply_is_400(api, world):
    before = snapshot()
    body = "[" * 50_000 + "]" * 50_000
    response = api("coordinator").post("/api/v1/action-items/", body, content_type="application/json")
    assert_refused(response, 400)
    assert "nested too deeply" in response.json()["detail"]
    assert snapshot() == before


def test_malformed_json_is_400(api, world):
    response = api("coordinator").post("/api/v1/action-items/", '{"title": ', content_type="application/json")
    assert_refused(response, 400)


def test_writes_take_json_only(api, world, move_to_status):
    item = move_to_status(world.item, ActionItem.Status.ASSIGNED)
    before = snapshot()
    form = api("coordinator").post("/api/v1/action-items/", create_body(), format="multipart")
    assert_refused(form, 415)
    encoded = api("coordinator").post(
        "/api/v1/action-items/", "title=x&department=NSS-SCD", content_type="application/x-www-form-urlencoded"
    )
    assert_refused(encoded, 415)
    patched = api("coordinator").patch(f"/api/v1/action-items/{item.pk}/", {"title": "x"}, format="multipart")
    assert_refused(patched, 415)
    assert snapshot() == before


def test_nul_characters_are_refused_in_bodies_and_addresses(api, world, client):
    """PostgreSQL cannot hold U+0000: refused up front, in a body, a key, a query parameter or an admin search."""
    before = snapshot()
    for body in (create_body(title="Brief\x00"), create_body(lead_agency="MO\x00D"), {"\x00": 1, **create_body()}):
        response = api("coordinator").post("/api/v1/action-items/", body, format="json")
        assert_refused(response, 400)
        assert "NUL" in response.json()["detail"]
    for query in ("search=a%00b", "lead_agency=MO%00D", "status=assigned%00"):
        assert_refused(api("coordinator").get(f"/api/v1/action-items/?{query}"), 400)
    world.coordinator.is_staff = True
    world.coordinator.save(update_fields=["is_staff"])
    client.force_login(world.coordinator)
    assert client.get("/admin/coordination/actionitem/?q=a%00b").status_code == 400
    assert snapshot() == before
