"""Repeated failed sign-ins lock an account (and, at a higher count, an address) out for a while; a superuser lifts
a lockout in the admin; every step is on the security log."""

from __future__ import annotations

import datetime

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from users.models import SecurityEvent

LOGIN = reverse("admin:login")
INDEX = reverse("admin:index")
PASSWORD = "correct-horse-battery"  # the factories' password
LOCKOUTS = reverse("admin:axes_accessattempt_changelist")


def sign_in(client, username, password, address="192.0.2.10"):
    return client.post(
        LOGIN, {"username": username, "password": password, "next": INDEX}, REMOTE_ADDR=address, HTTP_USER_AGENT="t"
    )


def kinds(username):
    return list(SecurityEvent.objects.filter(username=username).order_by("at", "pk").values_list("kind", flat=True))


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(client, staff_world, settings):
    world = staff_world
    for _attempt in range(settings.LOGIN_FAILURE_LIMIT):
        response = sign_in(client, "coordinator", "wrong-guess")
        assert "_auth_user_id" not in client.session
    response = sign_in(client, "coordinator", PASSWORD)
    assert response.status_code == 429
    assert "locked" in response.text and "15 minutes" in response.text
    assert "_auth_user_id" not in client.session
    # From another address too: the account itself is locked.
    assert sign_in(client, "coordinator", PASSWORD, address="198.51.100.7").status_code == 429
    events = kinds("coordinator")
    assert events[:6] == ["login_failed"] * 5 + ["locked_out"]
    assert events.count("locked_out") == 1  # the lockout's start, once; later tries are failures while locked
    failed = SecurityEvent.objects.filter(username="coordinator", kind="login_failed").earliest("pk")
    assert failed.user == world.coordinator and failed.address == "192.0.2.10" and failed.user_agent == "t"
    assert SecurityEvent.objects.filter(kind="login_failed", detail__while_locked_out=True).count() == 2


def test_the_lockout_ends_after_its_cool_off_time(client, staff_world, settings, time_machine):
    for _attempt in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(client, "coordinator", "wrong-guess")
    assert sign_in(client, "coordinator", PASSWORD).status_code == 429
    time_machine.shift(datetime.timedelta(minutes=16))
    response = sign_in(client, "coordinator", PASSWORD)
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(staff_world.coordinator.pk)


def test_a_right_password_forgets_the_failures_before_it(client, staff_world, settings):
    for _round in range(2):
        for _attempt in range(settings.LOGIN_FAILURE_LIMIT - 1):
            sign_in(client, "coordinator", "wrong-guess")
        assert sign_in(client, "coordinator", PASSWORD).status_code == 302
        client.logout()


def test_an_address_is_locked_only_after_many_failures_across_accounts(client, staff_world, settings):
    """A ministry's people may share one address: a few typos among them lock nobody else out."""
    names = [f"someone-{number}" for number in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT)]
    for name in names[:-1]:
        sign_in(client, name, "wrong-guess")
    assert sign_in(client, "director", PASSWORD).status_code == 302  # 29 failures from the address: still open
    client.logout()  # (a success forgets its own account's failures, not the address's)
    sign_in(client, names[-1], "wrong-guess")
    assert sign_in(client, "director", PASSWORD).status_code == 429  # the 30th: the address is locked
    assert sign_in(client, "director", PASSWORD, address="198.51.100.7").status_code == 302


def test_a_superuser_lifts_a_lockout_and_nobody_else_sees_or_lifts_them(client, staff_world, settings):
    world = staff_world
    for _attempt in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(client, "mod-liaison", "wrong-guess")
    assert sign_in(client, "mod-liaison", PASSWORD).status_code == 429
    attempt = AccessAttempt.objects.get(username="mod-liaison")

    for role in ("coordinator", "director", "supporting_liaison"):
        client.force_login(getattr(world, role))
        assert client.get(LOCKOUTS).status_code == 403
        client.post(LOCKOUTS, {"action": "lift", "_selected_action": [attempt.pk]})
        assert AccessAttempt.objects.filter(pk=attempt.pk).exists()

    client.force_login(world.superuser)
    page = client.get(LOCKOUTS)
    assert page.status_code == 200 and "mod-liaison" in page.text and 'alt="True"' in page.text
    response = client.post(LOCKOUTS, {"action": "lift", "_selected_action": [attempt.pk]})
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="mod-liaison").exists()
    lifted = SecurityEvent.objects.get(kind="unlocked")
    assert lifted.actor == world.superuser and lifted.username == "mod-liaison"
    client.logout()
    assert sign_in(client, "mod-liaison", PASSWORD).status_code == 302


def test_the_lockout_page_is_in_the_readers_language(client, staff_world, settings):
    for _attempt in range(settings.LOGIN_FAILURE_LIMIT):
        sign_in(client, "coordinator", "wrong-guess")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    response = sign_in(client, "coordinator", PASSWORD)
    assert response.status_code == 429 and 'lang="ja"' in response.text


@pytest.mark.parametrize("address", ["203.0.113.9", "2001:db8::9"])
def test_behind_a_proxy_the_address_is_the_last_forwarded_one(client, staff_world, settings, address):
    settings.BEHIND_PROXY = True
    client.post(
        LOGIN,
        {"username": "coordinator", "password": "wrong-guess"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR=f"1.2.3.4, {address}",
    )
    assert SecurityEvent.objects.get(kind="login_failed").address == address
    assert AccessAttempt.objects.get().ip_address == address
