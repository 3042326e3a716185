"""The schema and the interactive docs are served from the tracker itself; session use of the API needs CSRF."""

from __future__ import annotations

import re

from django.contrib.staticfiles import finders
from rest_framework.test import APIClient

from coordination.models import ActionItem


def test_the_schema_is_published_without_signing_in(client, db):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/action-items/{id}/acknowledge/" in schema["paths"]
    assert schema["components"]["securitySchemes"]["tokenAuth"]["name"] == "Authorization"


def test_the_docs_load_only_bundled_assets(client, db):
    assert client.get("/api/redoc/").status_code == 404  # ReDoc's page loads web fonts from the internet: not offered
    for path in ("/api/docs/",):
        page = client.get(path).text
        assets = re.findall(r'(?:src|href)="([^"]+)"', page)
        assert assets, path
        assert not [url for url in assets if url.startswith(("http:", "https:", "//"))], path
        for url in assets:
            if url.startswith("/static/"):
                assert finders.find(url.removeprefix("/static/")), url
        script = re.search(r'<script src="([^"]+\?script=)"', page).group(1)  # no inline script: the CSP allows none
        assert '"validatorUrl": null' in client.get(script).text  # else Swagger UI fetches a validator's badge


def test_a_session_write_without_the_csrf_token_is_refused(world, move_to_status):
    move_to_status(world.item, ActionItem.Status.ASSIGNED)
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.lead_liaison)
    url = f"/api/v1/action-items/{world.item.pk}/acknowledge/"
    assert client.get(f"/api/v1/action-items/{world.item.pk}/").status_code == 200
    response = client.post(url, {}, format="json")
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
    assert ActionItem.objects.get(pk=world.item.pk).status == ActionItem.Status.ASSIGNED


def test_the_browsable_api_renders_for_a_signed_in_user(client, world):
    client.force_login(world.coordinator)
    page = client.get("/api/v1/action-items/", headers={"accept": "text/html"})
    assert page.status_code == 200 and "Draft a defense diplomacy strategy" in page.text
