"""Tools act as accounts of their own: created by the people who answer for them, by token only, read-only if asked,
and named in the history for what they wrote."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from agencies.models import Liaison
from coordination import services
from coordination.models import ActionItem, DepartmentMember, IntegrationAccount
from tests.conftest import DUE
from tests.factories import UserFactory
from users.models import ApiToken


def client_with(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def issue(api, role: str, **body) -> dict:
    response = api(role).post("/api/v1/tokens/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_the_departments_tool_writes_with_its_coordinators_rights_and_the_history_names_the_tool(api, world):
    token = issue(api, "coordinator", name="Cabinet sync", username="nss-sync")
    assert token["username"] == "nss-sync" and token["created_by"] == "coordinator"
    tool = client_with(token["key"])

    body = {"title": "Brief the cabinet office", "lead_agency": "MOD", "department": "NSS-SCD", "due_date": str(DUE)}
    created = tool.post("/api/v1/action-items/", body, format="json")
    assert created.status_code == 201, created.content
    item = ActionItem.objects.get(pk=created.json()["id"])
    assert item.coordinator is None  # a tool coordinates nothing itself
    assert item.history.earliest().history_user == world.integration
    entries = api("coordinator").get(f"/api/v1/action-items/{item.pk}/history/").json()
    assert {entry["user"] for entry in entries} == {"nss-sync"}


def test_a_tool_never_signs_in_to_the_admin(client, world):
    assert not world.integration.has_usable_password()
    assert not client.login(username="nss-sync", password="")
    world.integration.set_password("a-password-someone-set-by-mistake")
    world.integration.is_staff = True
    world.integration.save()
    assert not client.login(username="nss-sync", password="a-password-someone-set-by-mistake")
    client.force_login(world.integration)  # even holding a session, the admin's door stays shut
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_a_read_only_token_reads_and_changes_nothing(api, world, token_for):
    key = issue(api, "coordinator", name="Dashboard feed", read_only=True)["key"]
    reader = client_with(key)
    assert reader.get(f"/api/v1/action-items/{world.item.pk}/").status_code == 200
    before = ActionItem.history.count()
    for method, path, body in [
        ("patch", f"/api/v1/action-items/{world.item.pk}/", {"title": "Renamed"}),
        ("post", f"/api/v1/action-items/{world.item.pk}/assign/", {}),
        ("post", "/api/v1/tokens/", {"name": "another"}),
    ]:
        response = getattr(reader, method)(path, body, format="json")
        assert response.status_code == 403, (path, response.content)
        assert "read-only" in response.json()["detail"]
    assert ActionItem.history.count() == before
    assert ActionItem.objects.get(pk=world.item.pk).title == world.item.title


def test_the_read_only_tool_reads_the_departments_items_and_writes_none(world, token_for):
    reader = client_with(token_for(world.readonly_integration))
    assert [row["id"] for row in reader.get("/api/v1/action-items/").json()["results"]] == [world.item.pk]
    response = reader.post(f"/api/v1/action-items/{world.item.pk}/assign/", {}, format="json")
    assert response.status_code == 403


def test_deactivating_a_tool_refuses_its_tokens_at_once_and_is_on_record(api, world):
    key = issue(api, "coordinator", name="Cabinet sync", username="nss-sync")["key"]
    account = world.integration.integration_account
    response = api("director").patch(f"/api/v1/integration-accounts/{account.pk}/", {"is_active": False}, format="json")
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert client_with(key).get("/api/v1/agencies/").status_code == 401
    latest = account.history.latest()
    assert latest.history_user == world.director and "is_active" in latest.history_change_reason


def test_the_agencys_tool_sees_its_agencys_assigned_items_and_never_a_draft(world, token_for, move_to_status):
    tool = client_with(token_for(world.agency_integration))
    assert tool.get("/api/v1/action-items/").json()["results"] == []  # the world's item is still a draft
    move_to_status(world.item, ActionItem.Status.ASSIGNED)
    assert [row["id"] for row in tool.get("/api/v1/action-items/").json()["results"]] == [world.item.pk]
    # It may acknowledge for its agency, as a liaison of MOD would.
    response = tool.post(f"/api/v1/action-items/{world.item.pk}/acknowledge/", {}, format="json")
    assert response.status_code == 200, response.content


def test_a_tool_manages_no_tokens_and_no_accounts(world, token_for):
    tool = client_with(token_for(world.integration))
    assert tool.post("/api/v1/tokens/", {"name": "more"}, format="json").status_code == 403
    body = {"username": "nss-other", "department": "NSS-SCD"}
    assert tool.post("/api/v1/integration-accounts/", body, format="json").status_code == 403
    assert tool.get("/api/v1/integration-accounts/").json()["results"] == []
    assert not IntegrationAccount.objects.filter(user__username="nss-other").exists()


def test_who_creates_a_tools_account_for_whom(world):
    other = world.other_department
    with pytest.raises(ValidationError) as refused:
        services.integration_account_create(actor=world.coordinator, username="x-sync", department=other)
    assert "department" in refused.value.message_dict
    with pytest.raises(ValidationError):
        services.integration_account_create(actor=world.supporting_liaison, username="x-sync", agency=world.mod)
    with pytest.raises(ValidationError) as both:
        services.integration_account_create(
            actor=world.superuser, username="x-sync", department=world.department, agency=world.mod
        )
    assert "department" in both.value.message_dict
    with pytest.raises(ValidationError) as taken:
        services.integration_account_create(actor=world.coordinator, username="nss-sync", department=world.department)
    assert "username" in taken.value.message_dict
    account = services.integration_account_create(actor=world.superuser, username="stratcom-feed", department=other)
    assert account.user.is_integration and not account.user.is_staff and account.created_by == world.superuser


def test_a_tool_or_a_liaison_cannot_also_hold_a_department_role(world):
    for user in (world.integration, world.lead_liaison):
        membership = DepartmentMember(department=world.department, user=user)
        with pytest.raises(ValidationError) as refused:
            membership.full_clean()
        assert "user" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.liaison_appoint(actor=world.superuser, user=world.integration, agency=world.mod)
    assert "user" in refused.value.message_dict


def test_the_token_list_shows_no_part_of_any_key_and_the_issue_answer_is_not_cached(api, world):
    response = api("coordinator").post("/api/v1/tokens/", {"name": "Script"}, format="json")
    assert response["Cache-Control"] == "no-store"
    key = response.json()["key"]
    listing = api("coordinator").get("/api/v1/tokens/")
    assert key[:8] not in listing.content.decode()
    token = ApiToken.objects.get(public_id=response.json()["id"])
    assert token.digest not in listing.content.decode()
    revoked = api("coordinator").post(f"/api/v1/tokens/{token.public_id}/revoke/")
    assert revoked.status_code == 200 and revoked.json()["revoked_by"] == "coordinator"
    assert client_with(key).get("/api/v1/agencies/").status_code == 401
    assert api("coordinator").get("/api/v1/tokens/not-a-uuid/").status_code == 404


def test_issue_token_records_the_operator(world):
    out, err = io.StringIO(), io.StringIO()
    call_command("issue_token", "nss-sync", "--operator", "admin", "--read-only", stdout=out, stderr=err)
    token = ApiToken.objects.get(user=world.integration)
    assert token.created_by == world.superuser and token.read_only
    assert token.issued_from.startswith("manage.py issue_token by ")
    assert out.getvalue().strip() not in err.getvalue()
    with pytest.raises(CommandError, match="active superuser"):
        call_command("issue_token", "nss-sync", "--operator", "coordinator", stdout=out, stderr=err)


def test_a_primary_liaison_appoints_an_alternate_through_the_api_and_nobody_appoints_themselves(api, world):
    UserFactory(username="mod-newcomer")
    body = {"username": "mod-newcomer", "agency": "MOD", "role": "alternate"}
    response = api("lead_liaison").post("/api/v1/liaisons/", body, format="json")
    assert response.status_code == 201, response.content
    term = Liaison.objects.get(pk=response.json()["id"])
    assert term.history.earliest().history_user == world.lead_liaison
    assert api("coordinator").post("/api/v1/liaisons/", body, format="json").status_code == 403
    own = {"username": "mod-liaison", "agency": "MOD", "role": "alternate"}
    assert api("lead_liaison").post("/api/v1/liaisons/", own, format="json").status_code == 403
    coordinator = {"username": "coordinator", "agency": "MOD", "role": "alternate"}
    refused = api("superuser").post("/api/v1/liaisons/", coordinator, format="json")
    assert refused.status_code == 400 and "user" in refused.json()["errors"]


def test_names_that_reach_headers_and_lists_are_one_line(api, world):
    body = {"username": "nss-feed", "department": "NSS-SCD", "display_name": "Feed\r\nBcc: x"}
    refused = api("coordinator").post("/api/v1/integration-accounts/", body, format="json")
    assert refused.status_code == 400 and "display_name" in refused.json()["errors"]
    account = world.integration.integration_account
    patched = api("coordinator").patch(
        f"/api/v1/integration-accounts/{account.pk}/", {"display_name": "Sync\x1b[2J"}, format="json"
    )
    assert patched.status_code == 400 and "display_name" in patched.json()["errors"]
    token = api("coordinator").post("/api/v1/tokens/", {"name": "Script\nsecond line"}, format="json")
    assert token.status_code == 400 and "name" in token.json()["errors"]
    assert not IntegrationAccount.objects.filter(user__username="nss-feed").exists()
