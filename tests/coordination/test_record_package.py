"""An item's full record as one ZIP, from the API and the admin: unpacked, every checksum holds and the record says
what the database says; a liaison's package holds only the notices addressed to them; a restricted item's holds its
id, titles, due date and link alone; the export is on the security log."""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from coordination import services
from coordination.models import ActionItem, Attachment, Reminder
from coordination.selectors import action_item_history
from tests.factories import ActionItemFactory
from users.models import SecurityEvent

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n% the minutes of the second meeting\n"


@pytest.fixture
def recorded(staff_world, move_to_status):
    """The world's item worked on: acknowledged and in progress, an update, a decided extension, a concurrence,
    an attachment, and the notices its events recorded."""
    world = staff_world
    item = move_to_status(world.item, ActionItem.Status.IN_PROGRESS)
    services.progress_update_create(
        actor=world.lead_liaison, item=item, text="Drafting the outline", percent_complete=30
    )
    extension = services.extension_request_create(
        actor=world.lead_liaison, item=item, requested_due_date=datetime.date(2026, 7, 31), reason="Diet session"
    )
    services.extension_request_decide(
        actor=world.coordinator, extension_request=extension, approve=True, comment="Fine"
    )
    services.concurrence_record(
        actor=world.supporting_liaison, item=item, agency=world.mofa, state="concur", comment="Agreed"
    )
    services.attachment_create(
        actor=world.lead_liaison, item=item, upload=SimpleUploadedFile("minutes.pdf", PDF, "application/pdf")
    )
    world.item = ActionItem.objects.get(pk=item.pk)
    return world


def unpack(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        assert package.testzip() is None
        return {name: package.read(name) for name in package.namelist()}


def checked(content: bytes) -> dict[str, bytes]:
    """The package's files, once every line of SHA256SUMS matched its file and every file had a line."""
    files = unpack(content)
    sums = {}
    for line in files.pop("SHA256SUMS").decode().splitlines():
        digest, path = line.split("  ", 1)
        sums[path] = digest
    assert set(sums) == set(files)
    for path, content in files.items():
        assert hashlib.sha256(content).hexdigest() == sums[path], path
    return files


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_package_holds_the_whole_record_and_every_checksum_holds(recorded):
    item = recorded.item
    response = api_for(recorded.coordinator).get(f"/api/v1/action-items/{item.pk}/record/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert f'filename="record-{item.pk}-' in response["Content-Disposition"]
    files = checked(response.content)
    manifest = json.loads(files["manifest.json"])
    assert manifest["format"] == "tracker-record/1" and manifest["exported_by"] == "coordinator"
    assert manifest["items"] == [{"id": item.pk, "title": item.title, "folder": f"item-{item.pk}", "restricted": False}]
    record = json.loads(files[f"item-{item.pk}/record.json"])

    fields = record["item"]
    assert (fields["id"], fields["title"], fields["status"]) == (item.pk, item.title, item.status)
    assert fields["due_date"] == "2026-07-31" and fields["original_due_date"] == item.original_due_date.isoformat()
    assert (fields["lead_agency"], fields["department"]) == ("MOD", item.department.code)

    history = action_item_history(item)
    assert len(record["history"]) == len(history) >= 8
    assert [(entry["record"], entry["user"], entry["reason"]) for entry in record["history"]] == [
        (entry["record"], entry["user"], entry["reason"]) for entry in history
    ]
    assert [update["text"] for update in record["progress_updates"]] == ["Drafting the outline"]
    assert record["concurrences"] == [
        {
            "agency": "MOFA", "state": "concur", "comment": "Agreed", "answered_by": "mofa-liaison",
            "answered_at": record["concurrences"][0]["answered_at"], "noted_at": None, "noted_by": None,
        }
    ]  # fmt: skip
    [extension] = record["extension_requests"]
    assert (extension["decision"], extension["decided_by"], extension["requested_due_date"]) == (
        "approved",
        "coordinator",
        "2026-07-31",
    )
    attachment = Attachment.objects.get(action_item=item)
    [listed] = record["attachments"]
    assert listed["sha256"] == attachment.sha256 == hashlib.sha256(PDF).hexdigest()
    assert files[listed["file"]] == PDF
    notices = Reminder.objects.filter(action_item=item)
    assert len(record["reminders_and_notices"]) == notices.count() >= 2
    assert {row["to"] for row in record["reminders_and_notices"]} == set(
        notices.values_list("recipient__username", flat=True)
    )

    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.EXPORT)
    assert event.user == recorded.coordinator and event.detail == {"format": "record package", "items": [item.pk]}
    assert list(event.departments.all()) == [item.department]


def test_a_liaisons_package_holds_only_the_notices_addressed_to_them(recorded):
    item = recorded.item
    files = checked(api_for(recorded.lead_liaison).get(f"/api/v1/action-items/{item.pk}/record/").content)
    record = json.loads(files[f"item-{item.pk}/record.json"])
    assert record["reminders_and_notices"] and {row["to"] for row in record["reminders_and_notices"]} == {"mod-liaison"}
    assert record["webhook_deliveries"] == []


def test_a_restricted_item_leaves_with_its_id_titles_due_date_and_link_only(recorded):
    item = recorded.item
    ActionItem.objects.filter(pk=item.pk).update(marking=ActionItem.Marking.RESTRICTED)
    files = checked(api_for(recorded.coordinator).get(f"/api/v1/action-items/{item.pk}/record/").content)
    assert set(files) == {"manifest.json", f"item-{item.pk}/record.json"}  # no attachment leaves
    record = json.loads(files[f"item-{item.pk}/record.json"])
    assert set(record) == {"item", "link", "withheld"}
    assert set(record["item"]) == {"id", "title", "title_ja", "due_date"}
    assert record["link"].endswith(f"/admin/coordination/actionitem/{item.pk}/change/")
    assert json.loads(files["manifest.json"])["items"][0]["restricted"] is True


def test_several_records_in_one_package_and_what_is_refused(recorded):
    item = recorded.item
    second = ActionItemFactory(department=recorded.department, lead_agency=recorded.mod)
    theirs = ActionItemFactory(department=recorded.other_department, lead_agency=recorded.mod)
    coordinator = api_for(recorded.coordinator)
    response = coordinator.get("/api/v1/action-items/records/", {"ids": f"{item.pk},{second.pk}"})
    files = checked(response.content)
    assert {f"item-{item.pk}/record.json", f"item-{second.pk}/record.json"} <= set(files)
    # Another department's item does not exist for this coordinator, alone or among others.
    assert coordinator.get(f"/api/v1/action-items/{theirs.pk}/record/").status_code == 404
    refused = coordinator.get("/api/v1/action-items/records/", {"ids": f"{item.pk},{theirs.pk}"})
    assert refused.status_code == 404 and str(item.pk) not in refused.json()["detail"]
    for bad in ("", "1,x", ",".join(str(number) for number in range(1, 102)), "9" * 20):
        answer = coordinator.get("/api/v1/action-items/records/", {"ids": bad})
        assert answer.status_code == 400 and "ids" in answer.json()["errors"], bad
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EXPORT).count() == 1  # refusals export nothing


def test_the_admin_downloads_one_record_from_the_item_page_and_several_from_the_list(recorded, client):
    item = recorded.item
    second = ActionItemFactory(department=recorded.department, lead_agency=recorded.mod)
    client.force_login(recorded.lead_liaison)
    page = client.get(reverse("admin:coordination_actionitem_change", args=[item.pk]))
    link = reverse("admin:coordination_actionitem_record", args=[item.pk])
    assert link in page.text
    files = checked(client.get(link).content)
    assert f"item-{item.pk}/record.json" in files
    client.force_login(recorded.coordinator)
    listed = client.post(
        reverse("admin:coordination_actionitem_changelist"),
        {"action": "export_records", "_selected_action": [item.pk, second.pk], "select_across": "0", "index": "0"},
    )
    assert listed.status_code == 200 and listed["Content-Type"] == "application/zip"
    manifest = json.loads(checked(listed.content)["manifest.json"])
    assert [row["id"] for row in manifest["items"]] == sorted([item.pk, second.pk])
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EXPORT).count() == 2


def test_a_selection_larger_than_a_package_holds_is_refused_with_a_message(recorded, client, monkeypatch):
    monkeypatch.setattr("coordination.admin.exporting.MOST_ITEMS", 1)
    second = ActionItemFactory(department=recorded.department, lead_agency=recorded.mod)
    client.force_login(recorded.coordinator)
    answer = client.post(
        reverse("admin:coordination_actionitem_changelist"),
        {"action": "export_records", "_selected_action": [recorded.item.pk, second.pk], "index": "0"},
        follow=True,
    )
    assert answer.status_code == 200 and "at most 1 items" in answer.text
    assert not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EXPORT).exists()
