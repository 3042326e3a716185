"""Password reset by email: the same answer whatever was typed, the email sent by a worker in the reader's
language with a link on SITE_URL, the link working once, and the new password lifting a lockout."""

from __future__ import annotations

import datetime
import re

from axes.models import AccessAttempt
from django.core import mail
from django.urls import reverse

from users.models import SecurityEvent
from users.tasks import password_reset_email_task

RESET = reverse("admin_password_reset")
LOGIN = reverse("admin:login")


def ask(client, email, queued):
    response = client.post(RESET, {"email": email}, HTTP_HOST="127.0.0.1")
    assert response.status_code == 302 and response.url == reverse("password_reset_done")
    return queued()


def test_the_sign_in_page_links_to_the_reset(client, db):
    page = client.get(LOGIN)
    assert RESET in page.text
    form = client.get(RESET)
    assert form.status_code == 200 and "Interagency coordination tracker" in form.text


def test_a_reset_link_by_email_sets_a_new_password_once(client, world, settings, queued, time_machine):
    settings.SITE_URL = "https://tracker.example.go.jp"
    world.lead_liaison.preferred_language = "ja"
    world.lead_liaison.save()
    AccessAttempt.objects.create(
        username="mod-liaison", ip_address="192.0.2.1", user_agent="x", failures_since_start=5,
        get_data="", post_data="", http_accept="", path_info="/admin/login/", attempt_time=world.item.created_at,
    )  # fmt: skip
    assert ask(client, world.lead_liaison.email.upper(), queued) == [
        (password_reset_email_task.name, (world.lead_liaison.pk,))
    ]  # the email is queued for a worker, not sent in the request
    assert mail.outbox == []
    password_reset_email_task(world.lead_liaison.pk)
    message = mail.outbox[0]
    assert message.to == [world.lead_liaison.email] and "パスワード" in message.subject
    link = re.search(r"https://tracker\.example\.go\.jp(/reset/\S+)", message.body).group(1)

    form = client.get(link, follow=True)
    assert form.status_code == 200 and "new_password1" in form.text
    new = "a-fresh-passphrase-2026"
    done = client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302 and done.url == reverse("password_reset_complete")
    world.lead_liaison.refresh_from_db()
    assert world.lead_liaison.check_password(new)
    assert not AccessAttempt.objects.filter(username="mod-liaison").exists()
    assert SecurityEvent.objects.filter(kind="password_reset_done", user=world.lead_liaison).exists()
    again = client.get(link, follow=True)
    assert "new_password1" not in again.text  # the link worked once


def test_no_email_for_an_unknown_address_a_tool_or_an_inactive_account(client, world, queued):
    world.integration.email = "sync@example.go.jp"
    world.integration.save()
    world.unrelated_liaison.is_active = False
    world.unrelated_liaison.save()
    for email in ("nobody@example.go.jp", "sync@example.go.jp", world.unrelated_liaison.email):
        assert ask(client, email, queued) == []
    assert SecurityEvent.objects.filter(kind="password_reset_requested", detail__sent=False).count() == 3


def test_asking_again_within_minutes_sends_nothing_more(client, world, queued, time_machine):
    assert len(ask(client, world.coordinator.email, queued)) == 1
    assert ask(client, world.coordinator.email, queued) == []
    time_machine.shift(datetime.timedelta(minutes=6))
    assert len(ask(client, world.coordinator.email, queued)) == 1


def test_the_link_is_built_on_site_url_whatever_host_asked(client, world, settings, queued):
    settings.SITE_URL = "https://tracker.example.go.jp"
    settings.ALLOWED_HOSTS = ["*"]
    client.post(RESET, {"email": world.coordinator.email}, HTTP_HOST="evil.example.com")
    password_reset_email_task(world.coordinator.pk)
    assert (
        "evil.example.com" not in mail.outbox[0].body and "https://tracker.example.go.jp/reset/" in mail.outbox[0].body
    )
