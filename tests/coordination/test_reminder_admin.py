"""Coordinators edit their department's reminder policy; the ledger is visible to coordinators and read-only."""

from __future__ import annotations

import pytest

from coordination.models import Reminder, ReminderPolicy


@pytest.fixture
def staff(world):
    for user in (world.coordinator, world.other_coordinator, world.lead_liaison):
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return world


def policy_form(department, **changes):
    form = {
        "department": department.pk,
        "is_active": "on",
        "unacknowledged_remind_after": 1,
        "unacknowledged_escalate_after": 2,
        "due_soon_first": 3,
        "due_soon_second": 1,
        "remind_on_due_date": "on",
        "overdue_escalate_coordinator_after": 3,
        "overdue_escalate_director_after": 10,
        "stale_after": 10,
        "review_waiting_after": 2,
        "concurrence_before_due": 2,
    }
    form.update(changes)
    return form


def test_a_coordinator_sets_their_departments_policy(client, staff):
    client.force_login(staff.coordinator)
    response = client.post("/admin/coordination/reminderpolicy/add/", policy_form(staff.department, stale_after=5))
    assert response.status_code == 302
    policy = ReminderPolicy.objects.get(department=staff.department)
    assert policy.stale_after == 5 and policy.history.get().history_user == staff.coordinator


def test_a_policy_that_escalates_before_it_reminds_is_refused(client, staff):
    client.force_login(staff.coordinator)
    form = policy_form(staff.department, unacknowledged_escalate_after=1)
    response = client.post("/admin/coordination/reminderpolicy/add/", form)
    assert response.status_code == 200
    assert not ReminderPolicy.objects.exists()


def test_coordinators_cannot_set_another_departments_policy(client, staff):
    ReminderPolicy.objects.create(department=staff.department)
    client.force_login(staff.other_coordinator)
    assert client.get("/admin/coordination/reminderpolicy/").status_code == 200
    policy = ReminderPolicy.objects.get()
    assert client.get(f"/admin/coordination/reminderpolicy/{policy.pk}/change/").status_code == 302  # not visible
    response = client.post("/admin/coordination/reminderpolicy/add/", policy_form(staff.department))
    assert response.status_code == 200 and "department" in response.context["adminform"].form.errors


def test_the_ledger_is_read_only_and_hidden_from_liaisons(client, staff):
    Reminder.objects.create(
        action_item=staff.item,
        rule="overdue",
        recipient=staff.lead_liaison,
        occurrence="2026-06-01",
        due_on="2026-06-01",
    )
    client.force_login(staff.coordinator)
    listing = client.get("/admin/coordination/reminder/?state=pending")
    assert listing.status_code == 200 and "Draft a defense diplomacy strategy" in listing.text
    reminder = Reminder.objects.get()
    page = client.get(f"/admin/coordination/reminder/{reminder.pk}/change/")
    assert page.status_code == 200 and 'name="state"' not in page.text  # shown, not editable
    assert client.get("/admin/coordination/reminder/add/").status_code == 403
    # The ledger shows a liaison the rows addressed to them while they see the item: this draft was never
    # assigned, so MOD's liaison does not see it, nor the row about it (as in the API).
    client.force_login(staff.lead_liaison)
    mine = client.get("/admin/coordination/reminder/")
    assert mine.status_code == 200 and "Draft a defense diplomacy strategy" not in mine.text
    assert client.get(f"/admin/coordination/reminder/{reminder.pk}/change/").status_code == 302
    assert client.get("/admin/coordination/reminderpolicy/").status_code == 403


def test_a_coordinator_registers_a_webhook_and_a_liaison_cannot(client, staff, dns):
    from coordination.models import WebhookEndpoint

    dns["tracker.mod.example.go.jp"] = ["93.184.216.34"]
    client.force_login(staff.coordinator)
    form = {
        "department": staff.department.pk,
        "name": "MOD tracker",
        "url": "https://tracker.mod.example.go.jp/hooks",
        "events": ["assigned", "overdue"],
        "owner": staff.coordinator.pk,
        "is_active": "on",
    }
    created = client.post("/admin/coordination/webhookendpoint/add/", form)
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["assigned", "overdue"] and endpoint.history.get().history_user == staff.coordinator
    # The tracker generated the secret and shows it this once, on a page no cache keeps.
    assert created.status_code == 200 and len(endpoint.secret) >= 40 and endpoint.secret in created.text
    assert "no-store" in created["Cache-Control"]
    change_url = f"/admin/coordination/webhookendpoint/{endpoint.pk}/change/"
    assert endpoint.secret not in client.get(change_url).text
    history = client.get(f"/admin/coordination/webhookendpoint/{endpoint.pk}/history/")
    assert endpoint.secret not in history.text
    # Rotating: a new secret, shown once; an ordinary save keeps the secret and shows none.
    page = client.get(change_url).context["adminform"].form
    data = {**form, "rotate_secret": "on"}
    rotated = client.post(change_url, data)
    old, endpoint = endpoint.secret, WebhookEndpoint.objects.get()
    assert endpoint.secret != old and endpoint.secret in rotated.text and old not in rotated.text
    kept = client.post(change_url, {**form, "name": "MOD tracker (renamed)"})
    assert kept.status_code == 302 and WebhookEndpoint.objects.get().secret == endpoint.secret
    assert "secret" not in page.fields
    bad = client.post("/admin/coordination/webhookendpoint/add/", {**form, "url": "not a url", "events": ["nope"]})
    assert bad.status_code == 200 and set(bad.context["adminform"].form.errors) == {"url", "events"}
    client.force_login(staff.lead_liaison)
    assert client.get("/admin/coordination/webhookendpoint/").status_code == 403
    assert client.get("/admin/coordination/webhookdelivery/").status_code == 403
