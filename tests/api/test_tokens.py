"""API tokens: hashed, named, several per user, optional expiry, revocable, shown once; Token or Bearer."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from coordination.models import ActionItem
from users.models import ApiToken
from users.services import api_token_issue, api_token_revoke

ITEMS = "/api/v1/action-items/"


def client_with(header: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    return client


def test_issue_token_prints_only_the_key_and_stores_only_its_hash(world):
    out, err = io.StringIO(), io.StringIO()
    call_command("issue_token", "mod-liaison", "--expires-days", "30", stdout=out, stderr=err)
    key = out.getvalue().strip()
    assert len(key) == 64 and "\n" not in key
    token = ApiToken.objects.get(user=world.lead_liaison)
    assert key not in (token.digest, token.token_key) and token.token_key == key[:15]
    assert token.expiry - datetime.timedelta(days=30) == pytest.approx(token.created, abs=datetime.timedelta(seconds=5))
    assert "shown only now" in err.getvalue()
    assert client_with(f"Token {key}").get(ITEMS).status_code == 200


@pytest.mark.parametrize(
    ("arguments", "message"),
    [(["nobody"], "No user named 'nobody'"), (["mod-liaison", "--expires-days", "0"], "1 to 3650 days")],
)
def test_issue_token_refuses_bad_input_clearly(world, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("issue_token", *arguments, stdout=io.StringIO(), stderr=io.StringIO())
    assert not ApiToken.objects.exists()


def test_bearer_is_accepted_and_a_user_may_hold_several_tokens(world, token_for):
    first, second = token_for(world.coordinator), token_for(world.coordinator)
    assert first != second
    assert client_with(f"Bearer {first}").get(ITEMS).status_code == 200
    assert client_with(f"token {second}").get(ITEMS).status_code == 200


@pytest.mark.parametrize(
    "header", ["Token", "Token a b", "Token 0000", "Token ünïcode", "Bearer " + "f" * 64, "Basic abc:def"]
)
def test_a_bad_header_is_refused_with_401(world, header):
    response = client_with(header).get(ITEMS)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response["Content-Type"] == "application/problem+json"


def test_an_expired_token_is_refused(world, token_for, time_machine):
    key = token_for(world.coordinator, expires_days=1)
    assert client_with(f"Token {key}").get(ITEMS).status_code == 200
    time_machine.move_to(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(days=1, seconds=1))
    response = client_with(f"Token {key}").get(ITEMS)
    assert response.status_code == 401 and response.json()["detail"] == "This token has expired."


def test_a_revoked_token_stops_working_at_once_and_stays_on_record(world):
    token, key = api_token_issue(actor=world.lead_liaison, user=world.lead_liaison, name="MOD tracker sync")
    client = client_with(f"Token {key}")
    assert client.get(ITEMS).status_code == 200
    api_token_revoke(actor=world.lead_liaison, token=token)
    response = client.get(ITEMS)
    assert response.status_code == 401 and response.json()["detail"] == "This token has been revoked."
    token.refresh_from_db()
    assert token.revoked_by == world.lead_liaison and token.revoked_at is not None
    assert token.created_by == world.lead_liaison and token.last_used_at is not None


def test_ending_the_term_refuses_the_token_the_liaison_already_holds(world, token_for, move_to_status):
    move_to_status(world.item, ActionItem.Status.ASSIGNED)
    client = client_with(f"Token {token_for(world.lead_liaison)}")
    assert client.get(f"{ITEMS}{world.item.pk}/").status_code == 200
    from coordination.services import liaison_end_term

    liaison_end_term(actor=world.superuser, liaison=world.lead_term)
    for path in (f"{ITEMS}{world.item.pk}/", ITEMS, "/api/v1/agencies/"):
        assert client.get(path).status_code == 401
    assert client.post(f"{ITEMS}{world.item.pk}/acknowledge/", {}).status_code == 401
    assert ActionItem.objects.get(pk=world.item.pk).status == ActionItem.Status.ASSIGNED


def test_an_inactive_user_is_refused(world, token_for):
    key = token_for(world.coordinator)
    world.coordinator.is_active = False
    world.coordinator.save()
    assert client_with(f"Token {key}").get(ITEMS).status_code == 401


def test_session_users_without_a_role_get_403_and_anonymous_get_401(client, world):
    assert client.get(ITEMS).status_code == 401
    client.force_login(world.staff)
    response = client.get(ITEMS)
    assert response.status_code == 403 and "no current role" in response.json()["detail"]


@pytest.mark.parametrize("actor", ["coordinator", "director", "other_coordinator", "supporting_liaison"])
def test_nobody_but_a_superuser_issues_or_revokes_a_token_for_someone_else(world, actor):
    from django.core.exceptions import PermissionDenied

    token, _key = api_token_issue(actor=world.lead_liaison, user=world.lead_liaison, name="own")
    with pytest.raises(PermissionDenied):
        api_token_issue(actor=getattr(world, actor), user=world.lead_liaison, name="to act as them")
    with pytest.raises(PermissionDenied):
        api_token_revoke(actor=getattr(world, actor), token=token)
    with pytest.raises(PermissionDenied):
        api_token_issue(actor=getattr(world, actor), user=world.superuser, name="escalation")
    assert ApiToken.objects.count() == 1 and ApiToken.objects.get().revoked_at is None
    api_token_issue(actor=world.superuser, user=world.lead_liaison, name="issued by an administrator")
    api_token_issue(actor=getattr(world, actor), user=getattr(world, actor), name="their own")
    assert ApiToken.objects.count() == 3


# --- In the admin ------------------------------------------------------------------------------------------------


@pytest.fixture
def coordinator_admin(client, world):
    world.coordinator.is_staff = True
    world.coordinator.save(update_fields=["is_staff"])
    client.force_login(world.coordinator)
    return client


def test_a_coordinator_issues_a_token_for_themselves_in_the_admin_and_sees_the_key_once(coordinator_admin, world):
    refused = coordinator_admin.post(
        "/admin/users/apitoken/add/", {"user": world.lead_liaison.pk, "name": "MOD tracker", "expires_days": "90"}
    )
    assert refused.status_code == 200 and "user" in refused.context["adminform"].form.errors
    assert not ApiToken.objects.exists()
    response = coordinator_admin.post(
        "/admin/users/apitoken/add/", {"user": world.coordinator.pk, "name": "SCD report", "expires_days": "90"}
    )
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    key = response.context["key"]
    assert key in response.text
    token = ApiToken.objects.get(name="SCD report")
    assert token.user == world.coordinator and token.created_by == world.coordinator
    assert client_with(f"Token {key}").get(ITEMS).status_code == 200
    listing = coordinator_admin.get("/admin/users/apitoken/")
    assert "SCD report" in listing.text and key[:8] not in listing.text
    detail = coordinator_admin.get(f"/admin/users/apitoken/{token.pk}/change/")
    assert detail.status_code == 200 and key[:8] not in detail.text


def test_a_coordinator_revokes_their_own_tokens_and_does_not_see_others(coordinator_admin, world, token_for):
    key = token_for(world.coordinator)
    token_for(world.lead_liaison)
    token = ApiToken.objects.get(user=world.coordinator)
    others = ApiToken.objects.get(user=world.lead_liaison)
    assert coordinator_admin.get(f"/admin/users/apitoken/{others.pk}/change/").status_code == 302  # does not exist
    response = coordinator_admin.post(
        "/admin/users/apitoken/", {"action": "revoke_tokens", "_selected_action": [token.pk, others.pk]}, follow=True
    )
    assert "1 tokens revoked." in response.text
    assert client_with(f"Token {key}").get(ITEMS).status_code == 401
    token.refresh_from_db()
    others.refresh_from_db()
    assert token.revoked_by == world.coordinator and others.revoked_at is None


def test_the_admin_form_refuses_bad_input_and_issues_nothing(coordinator_admin, world):
    response = coordinator_admin.post(
        "/admin/users/apitoken/add/", {"user": world.superuser.pk, "name": "", "expires_days": "0"}
    )
    assert response.status_code == 200
    assert set(response.context["adminform"].form.errors) == {"user", "name", "expires_days"}
    assert not ApiToken.objects.exists()


def test_a_liaison_manages_only_their_own_tokens_and_their_agencys_tools_in_the_admin(client, world, token_for):
    world.lead_liaison.is_staff = True
    world.lead_liaison.save(update_fields=["is_staff"])
    token_for(world.coordinator)
    client.force_login(world.lead_liaison)
    assert client.get("/admin/users/apitoken/").status_code == 200
    form = client.get("/admin/users/apitoken/add/").context["adminform"].form
    # Their own, and MOD's tool, which they manage as MOD's primary liaison; never another person.
    assert set(form.fields["user"].queryset) == {world.lead_liaison, world.agency_integration}
    assert "coordinator" not in client.get("/admin/users/apitoken/").text
