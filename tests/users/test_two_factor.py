"""Two-factor authentication: set up with an authenticator app, asked after the password, recovery codes that work
once; required of coordinators, directors and superusers where the setting says so, optional for liaisons, never
asked of a tool's account (its tokens are its only way in)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import DepartmentMemberFactory
from users.models import SecurityEvent
from users.two_factor import two_factor_enabled

LOGIN = reverse("admin:login")
INDEX = reverse("admin:index")
ENROL = reverse("admin:two_factor_enrol")
VERIFY = reverse("admin:two_factor_verify")
SECURITY = reverse("admin:account_security")
PASSWORD = "correct-horse-battery"


def code_for(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def sign_in(client, username):
    response = client.post(LOGIN, {"username": username, "password": PASSWORD, "next": INDEX}, REMOTE_ADDR="192.0.2.1")
    assert response.status_code == 302, response.text[:300]
    return response


def enrol(client) -> list[str]:
    page = client.get(ENROL)
    assert page.status_code == 200 and "<svg" in page.text
    device = TOTPDevice.objects.get(user_id=client.session["_auth_user_id"], confirmed=False)
    secret = re.search(r'class="otp-secret">([A-Z2-7 ]+)<', page.text).group(1)
    assert len(secret.replace(" ", "")) == 32  # the key, typed by hand when the QR code cannot be scanned
    done = client.post(ENROL, {"code": code_for(device)})
    assert done.status_code == 200 and "no-store" in done.headers["Cache-Control"]
    return re.findall(r"<li><code>([a-z2-7]+)</code></li>", done.text)


def test_a_liaison_sets_it_up_and_is_asked_for_a_code_at_the_next_sign_in(client, staff_world, time_machine):
    world = staff_world
    sign_in(client, "mod-liaison")
    codes = enrol(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert two_factor_enabled(world.lead_liaison)
    assert client.get(INDEX).status_code == 200  # this session gave its code while setting it up
    client.logout()

    sign_in(client, "mod-liaison")
    for page in (INDEX, reverse("admin:coordination_actionitem_changelist"), SECURITY, ENROL):
        response = client.get(page)
        assert response.status_code == 302 and response.url.startswith(VERIFY), page
    assert client.get("/api/v1/action-items/").status_code in (401, 403)  # the API's session: not yet
    wrong = client.post(VERIFY, {"code": "000000", "next": INDEX})
    assert wrong.status_code == 400 and "does not match" in wrong.text
    time_machine.shift(datetime.timedelta(seconds=31))
    device = TOTPDevice.objects.get(user=world.lead_liaison)
    response = client.post(VERIFY, {"code": code_for(device), "next": INDEX})
    assert response.status_code == 302 and response.url == INDEX
    assert client.get(INDEX).status_code == 200
    assert client.get("/api/v1/action-items/").status_code == 200
    assert [event.kind for event in SecurityEvent.objects.filter(user=world.lead_liaison).order_by("pk")] == [
        "login", "two_factor_enabled", "recovery_codes_created", "logout", "login", "two_factor_failed",
    ]  # fmt: skip


def test_a_code_works_once_and_a_recovery_code_once(client, staff_world, time_machine):
    world = staff_world
    sign_in(client, "mod-liaison")
    codes = enrol(client)
    device = TOTPDevice.objects.get(user=world.lead_liaison)
    client.logout()
    sign_in(client, "mod-liaison")
    used = code_for(device)  # the code that confirmed the set-up, in the same 30 seconds: not again
    assert client.post(VERIFY, {"code": used}).status_code == 400
    time_machine.shift(datetime.timedelta(seconds=2))  # django-otp's wait after a wrong code: 1 s, doubling
    assert client.post(VERIFY, {"code": codes[0].upper()}).status_code == 302
    assert SecurityEvent.objects.get(kind="recovery_code_used").detail == {"left": 9}
    client.logout()
    time_machine.shift(datetime.timedelta(minutes=2))  # past django-otp's wait after a wrong code
    sign_in(client, "mod-liaison")
    assert client.post(VERIFY, {"code": codes[0]}).status_code == 400
    assert StaticToken.objects.filter(device__user=world.lead_liaison).count() == 9


def test_wrong_codes_in_a_row_make_the_account_wait(client, staff_world, time_machine):
    sign_in(client, "mod-liaison")
    enrol(client)
    client.logout()
    sign_in(client, "mod-liaison")
    client.post(VERIFY, {"code": "111111"})
    response = client.post(VERIFY, {"code": "222222"})
    assert response.status_code == 429 and "wait" in response.text


def test_required_roles_must_set_it_up_before_anything_else(client, staff_world, settings):
    settings.TWO_FACTOR_REQUIRED = True
    world = staff_world
    for username in ("coordinator", "director", "admin"):
        sign_in(client, username)
        response = client.get(INDEX)
        assert response.status_code == 302 and response.url.startswith(ENROL), username
        assert client.get("/api/v1/action-items/").status_code in (401, 403)
        assert client.get(ENROL).status_code == 200
        client.logout()
    # A liaison may choose: the admin opens without it.
    sign_in(client, "mod-liaison")
    assert client.get(INDEX).status_code == 200
    client.logout()
    # Once set up, the role's own page says it stays on, and turning it off is refused.
    sign_in(client, "coordinator")
    enrol(client)
    assert "stays on" in client.get(SECURITY).text
    client.post(reverse("admin:two_factor_disable"))
    assert two_factor_enabled(world.coordinator)


def test_a_tools_account_is_never_asked_for_a_second_factor(client, world, settings, token_for):
    settings.TWO_FACTOR_REQUIRED = True
    key = token_for(world.integration)
    response = client.get("/api/v1/action-items/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200


def test_a_liaison_turns_it_off_and_a_superuser_resets_a_lost_phone(client, staff_world):
    world = staff_world
    sign_in(client, "mod-liaison")
    enrol(client)
    assert client.post(reverse("admin:two_factor_disable")).status_code == 302
    assert not two_factor_enabled(world.lead_liaison)

    enrol(client)
    liaison_session = client.cookies["sessionid"].value
    client.cookies.clear()
    client.force_login(world.superuser)
    users = reverse("admin:users_user_changelist")
    client.post(users, {"action": "reset_second_factor", "_selected_action": [world.lead_liaison.pk]})
    assert not two_factor_enabled(world.lead_liaison)
    reset = SecurityEvent.objects.filter(kind="two_factor_disabled").latest("pk")
    assert reset.actor == world.superuser and reset.user == world.lead_liaison
    client.cookies["sessionid"] = liaison_session  # the liaison's session ended with the reset
    assert client.get(INDEX).status_code == 302


@pytest.mark.parametrize("role", ["coordinator", "lead_liaison"])
def test_only_a_superuser_resets_someone_elses_second_factor(client, staff_world, role):
    world = staff_world
    client.force_login(world.director)
    enrol(client)
    client.force_login(getattr(world, role))
    client.post(
        reverse("admin:users_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [world.director.pk]},
    )
    assert two_factor_enabled(world.director)


def test_a_session_needing_nothing_more_is_asked_again_after_five_minutes_or_at_its_next_sign_in(
    client, staff_world, settings, time_machine
):
    settings.TWO_FACTOR_REQUIRED = True
    world = staff_world
    sign_in(client, "mod-liaison")
    assert client.get(INDEX).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(INDEX).status_code == 200
    assert not [query for query in queries if "otp_totp" in query["sql"]]  # not asked again on every page

    # Made a coordinator: the role requires a second factor, asked for within five minutes.
    DepartmentMemberFactory(department=world.department, user=world.lead_liaison)
    assert client.get(INDEX).status_code == 200
    time_machine.shift(datetime.timedelta(minutes=5, seconds=1))
    response = client.get(INDEX)
    assert response.status_code == 302 and response.url.startswith(ENROL)

    # Set up in another browser: this one is asked for a code as soon as it signs in again.
    other = Client()
    sign_in(other, "meti-liaison")
    assert other.get(INDEX).status_code == 200
    device = TOTPDevice.objects.create(user=world.unrelated_liaison, name="authenticator", confirmed=True)
    assert two_factor_enabled(device.user)
    sign_in(other, "meti-liaison")
    response = other.get(INDEX)
    assert response.status_code == 302 and response.url.startswith(VERIFY)
