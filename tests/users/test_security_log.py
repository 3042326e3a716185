"""The security log: sign-ins, refusals, tokens, exports and imports, who/when (UTC)/from where; read-only; seen
by a department's coordinators and directors for its people and items and by superusers; exportable."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from coordination.services import liaison_end_term
from coordination.sheets.imports import import_batch_create, import_batch_run
from users.models import SecurityEvent
from users.services import api_token_issue, api_token_revoke

LOGIN = reverse("admin:login")
INDEX = reverse("admin:index")
LOG = reverse("admin:users_securityevent_changelist")
ITEMS = reverse("admin:coordination_actionitem_changelist")
PASSWORD = "correct-horse-battery"


def test_a_sign_in_is_recorded_with_where_from_and_the_request_id(client, staff_world):
    response = client.post(
        LOGIN,
        {"username": "coordinator", "password": PASSWORD, "next": INDEX},
        REMOTE_ADDR="192.0.2.44",
        HTTP_USER_AGENT="Firefox/140",
    )
    event = SecurityEvent.objects.get(kind="login")
    assert event.user == staff_world.coordinator and event.address == "192.0.2.44"
    assert event.user_agent == "Firefox/140" and event.path == LOGIN
    assert event.request_id and event.request_id == response.headers["X-Request-ID"]
    assert str(event.at.tzinfo) == "UTC"
    client.post(reverse("admin:logout"))
    assert SecurityEvent.objects.filter(kind="logout", user=staff_world.coordinator).exists()


def test_a_sign_in_to_an_unknown_account_keeps_the_name_typed(client, db):
    client.post(LOGIN, {"username": "no-such-person", "password": "x"})
    event = SecurityEvent.objects.get(kind="login_failed")
    assert event.user is None and event.username == "no-such-person"


def test_tokens_issued_revoked_and_refused(client, world):
    token, key = api_token_issue(actor=world.coordinator, user=world.integration, name="sync")
    issued = SecurityEvent.objects.get(kind="token_issued")
    assert issued.user == world.integration and issued.actor == world.coordinator
    assert issued.detail["name"] == "sync" and key not in str(issued.detail)
    api_token_revoke(actor=world.coordinator, token=token)
    assert SecurityEvent.objects.get(kind="token_revoked").actor == world.coordinator
    assert client.get("/api/v1/action-items/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
    refused = SecurityEvent.objects.get(kind="token_refused")
    assert refused.user == world.integration and "revoked" in refused.detail["reason"]
    client.get("/api/v1/action-items/", HTTP_AUTHORIZATION="Token not-a-key")
    assert SecurityEvent.objects.filter(kind="token_refused", user=None).count() == 1


def test_a_refusal_is_recorded(client, staff_world):
    client.force_login(staff_world.lead_liaison)
    assert client.get(reverse("admin:coordination_department_add")).status_code == 403
    event = SecurityEvent.objects.get(kind="permission_refused")
    assert event.user == staff_world.lead_liaison and event.detail == {"method": "GET"}


def test_exports_and_imports_are_recorded_against_the_departments_whose_items_they_hold(
    client, staff_world, move_to_status
):
    world = staff_world
    move_to_status(world.item, "in_progress")
    client.force_login(world.lead_liaison)
    response = client.get(ITEMS, {"_export": "csv", "state": "all"})
    assert response.status_code == 200
    export = SecurityEvent.objects.get(kind="export")
    assert export.user == world.lead_liaison and export.detail["file"].endswith(".csv")
    assert list(export.departments.all()) == [world.department]

    rows = "Title,Department,Lead agency (OPR),Due date\nBrief the minister,NSS-SCD,MOD,2026-07-31\n"
    batch = import_batch_create(actor=world.coordinator, name="items.csv", content=rows.encode())
    assert import_batch_run(actor=world.coordinator, batch=batch, dry_run=False).imported
    imported = SecurityEvent.objects.get(kind="import")
    assert imported.detail["created"] == 1 and list(imported.departments.all()) == [world.department]


def test_deactivating_an_account_ends_its_sessions_and_tokens_for_good(client, staff_world, token_for):
    world = staff_world
    key = token_for(world.lead_liaison)
    client.force_login(world.lead_liaison)
    assert client.get(INDEX).status_code == 200
    world.lead_liaison.is_active = False
    world.lead_liaison.save()
    assert client.get(INDEX).status_code == 302
    assert client.get("/api/v1/action-items/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
    # Active again: the old session stays ended (a new sign-in is needed), the token works again.
    world.lead_liaison.is_active = True
    world.lead_liaison.save()
    assert client.get(INDEX).status_code == 302
    assert SecurityEvent.objects.get(kind="sessions_ended").detail == {"reason": "deactivated"}


def test_deactivating_through_the_admin_ends_the_sessions(client, staff_world):
    world = staff_world
    liaison = client.__class__()
    liaison.force_login(world.lead_liaison)
    client.force_login(world.superuser)
    page = client.get(reverse("admin:users_user_change", args=[world.lead_liaison.pk]))
    assert page.status_code == 200
    data = {
        "username": "mod-liaison",
        "first_name": "A",
        "last_name": "B",
        "email": "mod@example.go.jp",
        "preferred_language": "en",
        "is_staff": "on",
        "date_joined_0": "2026-06-01",
        "date_joined_1": "10:00:00",
    }  # fmt: skip  (is_active left out: unticked)
    response = client.post(reverse("admin:users_user_change", args=[world.lead_liaison.pk]), data)
    assert response.status_code == 302, response.text[:500]
    assert liaison.get(INDEX).status_code == 302


def test_ending_a_liaison_term_ends_their_sessions_at_once(client, staff_world):
    world = staff_world
    client.force_login(world.lead_liaison)
    assert client.get("/api/v1/action-items/").status_code == 200
    liaison_end_term(actor=world.superuser, liaison=world.lead_term)
    assert client.get("/api/v1/action-items/").status_code in (401, 403)
    assert client.get(INDEX).status_code == 302
    ended = SecurityEvent.objects.get(kind="sessions_ended")
    assert ended.user == world.lead_liaison and ended.actor == world.superuser


@pytest.fixture
def logged(staff_world, client):
    """Events about each kind of person: the department's coordinator, the other department's, a liaison, and a
    liaison's export of the department's items."""
    world = staff_world
    for user in (world.coordinator, world.other_coordinator, world.lead_liaison, world.integration):
        SecurityEvent.objects.record(kind=SecurityEvent.Kind.LOGIN_FAILED, user=user)
    export = SecurityEvent.objects.record(
        kind=SecurityEvent.Kind.EXPORT, user=world.lead_liaison, departments=[world.department.pk]
    )
    return world, export


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("coordinator", {"coordinator", "nss-sync", "mod-liaison:export"}),
        ("director", {"coordinator", "nss-sync", "mod-liaison:export"}),
        ("other_coordinator", {"stratcom-coordinator"}),
        ("superuser", {"coordinator", "stratcom-coordinator", "mod-liaison", "nss-sync", "mod-liaison:export"}),
        ("lead_liaison", None),
        ("staff", None),
    ],
)
def test_who_sees_which_events(client, logged, role, sees):
    world, _export = logged
    client.force_login(getattr(world, role))
    response = client.get(LOG, {"_export": "csv"})
    if sees is None:
        assert response.status_code in (302, 403)
        return
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    seen = {row["Username"] + (":export" if row["Event"] == "Export" else "") for row in rows}
    assert seen - {role_name(world, role)} == sees - {role_name(world, role)}


def role_name(world, role):
    return getattr(world, role).username


def test_the_log_is_read_only_and_its_times_are_utc(client, logged):
    world, export = logged
    client.force_login(world.superuser)
    change = reverse("admin:users_securityevent_change", args=[export.pk])
    page = client.get(change)
    assert page.status_code == 200 and 'name="_save"' not in page.text
    assert client.post(change, {"kind": "login"}).status_code == 403
    assert client.get(reverse("admin:users_securityevent_add")).status_code == 403
    export.refresh_from_db()
    assert export.kind == "export"
    listing = client.get(LOG)
    assert export.at.strftime("%Y-%m-%d %H:%M:%S") in listing.text  # the event's own zone is UTC
