"""A database out of reach mid-request (a restart, a failover) is a clean 503 problem+json with Retry-After, in a
view or before one; the end-to-end test restarting a real PostgreSQL is tests/e2e/test_database_restart.py."""

from __future__ import annotations

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client

from coordination.api import views
from users import middleware


@pytest.mark.parametrize("error", [OperationalError("server closed the connection"), InterfaceError("closed")])
def test_an_api_view_meeting_an_unreachable_database_answers_503_with_retry_after(api, monkeypatch, error):
    def unreachable(*args, **kwargs):
        raise error

    monkeypatch.setattr(views.ActionItemViewSet, "visible_items", unreachable)
    response = api("coordinator").get("/api/v1/action-items/")
    assert response.status_code == 503 and response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"] == "5"
    body = response.json()
    assert body["type"] == "urn:coordination-tracker:problem:database-unavailable" and body["status"] == 503
    assert "Try again in a few seconds" in body["detail"]


@pytest.mark.parametrize(
    ("path", "content_type"),
    [("/api/v1/action-items/", "application/problem+json"), ("/admin/", "text/plain; charset=utf-8")],
)
def test_an_unreachable_database_met_in_a_middleware_answers_503_too(db, monkeypatch, path, content_type):
    def unreachable(self, request):
        raise OperationalError("the database system is starting up")

    monkeypatch.setattr(middleware.PreferredLanguageMiddleware, "__call__", unreachable)
    response = Client(raise_request_exception=False).get(path)
    assert (response.status_code, response["Content-Type"], response["Retry-After"]) == (503, content_type, "5")
    assert "The database could not be reached" in response.content.decode()


def test_a_create_that_met_an_unreachable_database_can_be_retried_with_its_key_at_once(api, world, monkeypatch):
    body = {"department": "NSS-SCD", "title": "Retried after a failover", "lead_agency": "MOFA"}
    real_create = views.services.action_item_create

    def unreachable(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(views.services, "action_item_create", unreachable)
    client = api("coordinator")
    failed = client.post("/api/v1/action-items/", body, format="json", headers={"Idempotency-Key": "failover-1"})
    assert failed.status_code == 503
    monkeypatch.setattr(views.services, "action_item_create", real_create)
    again = client.post("/api/v1/action-items/", body, format="json", headers={"Idempotency-Key": "failover-1"})
    assert again.status_code == 201 and "Idempotent-Replayed" not in again  # its claim went with the failure
    replayed = client.post("/api/v1/action-items/", body, format="json", headers={"Idempotency-Key": "failover-1"})
    assert replayed.status_code == 201 and replayed["Idempotent-Replayed"] == "true"
