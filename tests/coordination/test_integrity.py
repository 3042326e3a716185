"""The nightly integrity work: the chain heads written outside the database and emailed to the superusers, and the
verification whose failure is emailed to the superusers and to the coordinators of the department concerned."""

from __future__ import annotations

import json

import pytest
from django.core import mail
from django.db import connection

from audit.models import AuditCheck
from coordination import services
from coordination.models import ActionItem
from coordination.tasks import audit_anchor_task, audit_verify_task
from tests.factories import ActionItemFactory

pytestmark = pytest.mark.django_db

Item = ActionItem.history.model


@pytest.fixture
def anchors(settings, tmp_path):
    settings.AUDIT_ANCHOR_DIR = tmp_path / "anchors"
    return settings.AUDIT_ANCHOR_DIR


def tamper(history_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Item._meta.db_table} SET title = 'rewritten' WHERE history_id = %s", [history_id])


def test_the_nightly_anchor_is_a_file_outside_the_database_and_an_email_to_the_superusers(world, anchors):
    audit_anchor_task()
    [path] = anchors.iterdir()
    document = json.loads(path.read_text())
    assert document["chains"]["coordination.historicalactionitem"]["length"] >= 1
    assert [message.to for message in mail.outbox] == [[world.superuser.email]]
    message = mail.outbox[0]
    assert "Record chain heads" in message.subject
    [(name, content, kind)] = message.attachments
    assert name == path.name and json.loads(content) == document and kind == "application/json"
    assert "coordination.historicalactionitem:" in message.body
    audit_anchor_task()  # the next night's anchor is a new file: the earlier one is never overwritten
    assert len(list(anchors.iterdir())) == 2


def test_an_intact_record_is_checked_quietly(world, anchors):
    audit_anchor_task()
    mail.outbox.clear()
    audit_verify_task()
    check = AuditCheck.objects.get()
    assert check.ok and check.rows >= 5 and check.anchors >= 5 and check.problems == []
    assert mail.outbox == []


def test_a_break_is_emailed_to_the_superusers_and_to_the_coordinators_of_its_department_only(world, anchors):
    services.action_item_transition(actor=world.coordinator, item=world.item, name="assign")
    theirs = ActionItemFactory(department=world.other_department, lead_agency=world.mod)
    tamper(world.item.history.earliest("history_id").history_id)
    audit_verify_task()
    check = AuditCheck.objects.get()
    assert not check.ok and [problem["kind"] for problem in check.problems] == ["changed"]
    by_person = {message.to[0]: message for message in mail.outbox}
    assert set(by_person) == {world.superuser.email, world.coordinator.email}
    assert world.department.code in by_person[world.coordinator.email].subject
    assert "changed at place 1" in by_person[world.coordinator.email].body
    # The other department's break goes to its coordinator, not to this department's.
    mail.outbox.clear()
    tamper(theirs.history.earliest("history_id").history_id)
    audit_verify_task()
    by_person = {message.to[0]: message for message in mail.outbox}
    assert set(by_person) == {world.superuser.email, world.coordinator.email, world.other_coordinator.email}
    assert by_person[world.other_coordinator.email].body.count("changed at place") == 1
    assert by_person[world.superuser.email].body.count("changed at place") == 2


def test_an_unreadable_anchor_fails_the_check(world, anchors):
    anchors.mkdir()
    (anchors / "audit-anchor-20260601T000000000000Z.json").write_text("truncated {")
    audit_verify_task()
    check = AuditCheck.objects.get()
    assert not check.ok and check.problems[0]["kind"] == "unreadable"
    assert [message.to for message in mail.outbox] == [[world.superuser.email]]
