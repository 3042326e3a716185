"""Every endpoint, for every role: the status code, and that a refused request changed nothing.

The world: an item of the security cooperation department, led by MOD (the lead liaison) with MOFA supporting
(the supporting liaison); METI's liaison is unrelated; a former MOD liaison's term has ended.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from agencies.models import Liaison
from coordination import services
from coordination.models import (
    ActionItem,
    Attachment,
    Concurrence,
    ExtensionRequest,
    IdempotencyRecord,
    Initiative,
    IntegrationAccount,
    Meeting,
    ProgressUpdate,
    Reminder,
)
from tests.conftest import TODAY
from tests.contract import check_django
from tests.factories import UserFactory
from users.models import ApiToken, User
from users.services import api_token_issue

from .conftest import ROLES

ALL_ROLES = [*ROLES, "anonymous"]
Status = ActionItem.Status


@dataclass
class Endpoint:
    name: str
    method: str
    path: str
    expected: dict[str, int]
    status: str = Status.ASSIGNED
    body: dict | None = None
    multipart: bool = False
    upload: tuple[str, bytes, str] = ("note.pdf", b"%PDF-1.7 a note", "application/pdf")
    prepare: str = ""
    defaults: dict[str, int] = field(default_factory=lambda: {"ended_liaison": 401, "anonymous": 401})

    def expected_for(self, role: str) -> int:
        if role == "readonly_integration" and role not in self.expected:
            # Reads as the department's coordinators do; any write is refused before anything is looked up.
            return self.expected_for("integration") if self.method == "get" else 403
        return {**self.defaults, **self.expected}[role]


def everyone(code: int) -> dict[str, int]:
    return {role: code for role in ROLES if role not in ("ended_liaison", "readonly_integration")}


def item_roles(coordinating: int, lead: int, supporting: int, unrelated: int = 404) -> dict[str, int]:
    """The department's tool has its coordinators' rights, so it answers as they do unless a row says otherwise."""
    return {
        "coordinator": coordinating,
        "director": coordinating,
        "integration": coordinating,
        "lead_liaison": lead,
        "supporting_liaison": supporting,
        "unrelated_liaison": unrelated,
    }


def people_only(expected: dict[str, int]) -> dict[str, int]:
    """Tools' accounts manage no account, term or token: refused whatever the people's answer."""
    return {**expected, "integration": 403}


ITEM = "/api/v1/action-items/{item}/"
REFERENCE = ["agencies", "org-units", "liaisons", "departments", "meetings", "initiatives"]

ENDPOINTS = [
    *[Endpoint(f"list {name}", "get", f"/api/v1/{name}/", everyone(200)) for name in REFERENCE],
    Endpoint("read agency", "get", "/api/v1/agencies/{mod}/", everyone(200)),
    Endpoint("read org unit", "get", "/api/v1/org-units/{mod_unit}/", everyone(200)),
    # Liaisons see the departments and initiatives of the items they see.
    Endpoint("read department", "get", "/api/v1/departments/{department}/", item_roles(200, 200, 200)),
    Endpoint(
        "read initiative", "get", "/api/v1/initiatives/{initiative}/", item_roles(200, 200, 200), prepare="reference"
    ),
    Endpoint("read liaison term", "get", "/api/v1/liaisons/{lead_term}/", item_roles(200, 200, 404, unrelated=404)),
    Endpoint(
        "read meeting",
        "get",
        "/api/v1/meetings/{meeting}/",
        item_roles(200, 200, 404, unrelated=404),
        prepare="reference",
    ),
    Endpoint(
        "create meeting",
        "post",
        "/api/v1/meetings/",
        {**everyone(403), "coordinator": 201, "director": 201, "integration": 201},
        body={"department": "NSS-SCD", "title": "Working-level meeting", "held_on": "2026-06-02", "agencies": ["MOD"]},
    ),
    Endpoint(
        "change meeting",
        "patch",
        "/api/v1/meetings/{meeting}/",
        item_roles(200, 403, 404, unrelated=404),
        body={"notes": "MOD to circulate a draft"},
        prepare="reference",
    ),
    Endpoint(
        "create initiative",
        "post",
        "/api/v1/initiatives/",
        {**everyone(403), "coordinator": 201, "director": 201, "integration": 201},
        body={"department": "NSS-SCD", "code": "P9", "title_en": "Maritime domain awareness"},
    ),
    Endpoint(
        "change initiative",
        "patch",
        "/api/v1/initiatives/{initiative}/",
        item_roles(200, 403, 403),
        body={"is_active": False},
        prepare="reference",
    ),
    Endpoint(
        "end liaison term",
        "post",
        "/api/v1/liaisons/{lead_term}/end-term/",
        item_roles(403, 403, 404),  # coordinators never; nobody their own term; superusers: test_reference.py
    ),
    Endpoint("business days", "get", "/api/v1/calendar/business-days/?start=2026-12-28&add=1", everyone(200)),
    Endpoint("list items", "get", "/api/v1/action-items/", everyone(200)),
    Endpoint("read item", "get", ITEM, item_roles(200, 200, 200)),
    Endpoint(
        "create item",
        "post",
        "/api/v1/action-items/",
        {**everyone(403), "coordinator": 201, "director": 201, "integration": 201},
        body={"department": "NSS-SCD", "title": "Brief the minister", "lead_agency": "MOFA"},
    ),
    Endpoint(
        "upsert item",
        "post",
        "/api/v1/action-items/upsert/",
        {**everyone(403), "coordinator": 201, "director": 201, "integration": 201},
        body={"department": "NSS-SCD", "external_id": "MOD-7", "title": "Brief the minister", "lead_agency": "MOFA"},
    ),
    Endpoint("edit title", "patch", ITEM, item_roles(200, 403, 403), body={"title": "A clearer title"}),
    Endpoint("route by patch", "patch", ITEM, item_roles(200, 200, 403), body={"org_unit": "{mod_unit}"}),
    Endpoint("route", "post", ITEM + "route/", item_roles(200, 200, 403), body={"assigned_liaison": None}),
    # A draft never assigned is the department's own: the agencies do not see it yet.
    Endpoint("assign", "post", ITEM + "assign/", item_roles(200, 404, 404), status=Status.DRAFT),
    Endpoint("decline", "post", ITEM + "decline/", item_roles(403, 200, 403), body={"reason": "Not ours: MOFA's"}),
    Endpoint("acknowledge", "post", ITEM + "acknowledge/", item_roles(403, 200, 403)),
    Endpoint("start", "post", ITEM + "start/", item_roles(403, 200, 403), status=Status.ACKNOWLEDGED),
    Endpoint(
        "block",
        "post",
        ITEM + "block/",
        item_roles(200, 200, 403),
        status=Status.IN_PROGRESS,
        body={"reason": "Budget"},
    ),
    Endpoint(
        "unblock", "post", ITEM + "unblock/", item_roles(200, 200, 403), status=Status.BLOCKED, body={"reason": "Done"}
    ),
    Endpoint("submit", "post", ITEM + "submit/", item_roles(403, 200, 403), status=Status.IN_PROGRESS),
    Endpoint(
        "return", "post", ITEM + "return/", item_roles(200, 403, 403), status=Status.SUBMITTED, body={"reason": "More"}
    ),
    Endpoint(
        "close",
        "post",
        ITEM + "close/",
        item_roles(200, 403, 403),
        status=Status.SUBMITTED,
        body={"override_reason": "MOFA agreed by phone"},
    ),
    Endpoint(
        "cancel", "post", ITEM + "cancel/", item_roles(200, 403, 403), status=Status.IN_PROGRESS, body={"reason": "X"}
    ),
    Endpoint(
        "reopen", "post", ITEM + "reopen/", item_roles(200, 403, 403), status=Status.CLOSED, body={"reason": "Again"}
    ),
    Endpoint("list updates", "get", ITEM + "updates/", item_roles(200, 200, 200), status=Status.IN_PROGRESS),
    Endpoint(
        "post update",
        "post",
        ITEM + "updates/",
        item_roles(403, 201, 403),
        status=Status.IN_PROGRESS,
        body={"text": "Draft sent to the cabinet office", "percent_complete": 40},
    ),
    Endpoint("list extensions of item", "get", ITEM + "extension-requests/", item_roles(200, 200, 200)),
    Endpoint(
        "request extension",
        "post",
        ITEM + "extension-requests/",
        item_roles(403, 201, 403),
        status=Status.IN_PROGRESS,
        body={"requested_due_date": "2026-07-31", "reason": "Waiting for the Diet session"},
    ),
    Endpoint("list concurrences", "get", ITEM + "concurrences/", item_roles(200, 200, 200)),
    Endpoint(
        "record concurrence",
        "post",
        ITEM + "concurrences/",
        item_roles(403, 403, 200),
        status=Status.IN_PROGRESS,
        body={"state": "concur"},
    ),
    Endpoint(
        "appoint liaison",
        "post",
        "/api/v1/liaisons/",
        people_only(item_roles(403, 201, 403, unrelated=403)),  # MOD's primary liaison appoints a MOD alternate
        body={"username": "new-alternate", "agency": "MOD", "role": "alternate"},
        prepare="newcomer",
    ),
    # Accounts and tokens: a person manages their own tokens and those of the tools' accounts they manage.
    Endpoint("list tokens", "get", "/api/v1/tokens/", everyone(200)),
    Endpoint(
        "read token of the department's tool",
        "get",
        "/api/v1/tokens/{tool_token}/",
        {**item_roles(200, 404, 404), "readonly_integration": 404},  # a tool sees its own tokens only
    ),
    Endpoint(
        "issue own token",
        "post",
        "/api/v1/tokens/",
        people_only(everyone(201)),
        body={"name": "My script", "expires_days": 30},
    ),
    Endpoint(
        "issue token for the department's tool",
        "post",
        "/api/v1/tokens/",
        people_only(item_roles(201, 400, 400, unrelated=400)),  # outside their reach the account is unknown
        body={"name": "Cabinet sync", "username": "nss-sync", "read_only": True},
    ),
    Endpoint(
        "revoke token of the department's tool",
        "post",
        "/api/v1/tokens/{tool_token}/revoke/",
        item_roles(200, 404, 404),  # the tool may revoke its own (a leaked key), never issue one
    ),
    Endpoint("list integration accounts", "get", "/api/v1/integration-accounts/", everyone(200)),
    Endpoint(
        "read integration account",
        "get",
        "/api/v1/integration-accounts/{tool}/",
        {**item_roles(200, 404, 404), "integration": 404},
    ),
    Endpoint(
        "create integration account for the department",
        "post",
        "/api/v1/integration-accounts/",
        people_only(item_roles(201, 400, 400, unrelated=400)),  # primary liaisons manage their agency's only
        body={"username": "nss-dashboard", "department": "NSS-SCD", "read_only": True},
    ),
    Endpoint(
        "create integration account for MOD",
        "post",
        "/api/v1/integration-accounts/",
        people_only(item_roles(400, 201, 400, unrelated=400)),  # coordinators manage their department's only
        body={"username": "mod-reporting", "agency": "MOD"},
    ),
    Endpoint(
        "change integration account",
        "patch",
        "/api/v1/integration-accounts/{tool}/",
        {**item_roles(200, 404, 404), "integration": 404},  # a tool does not see its own account's record
        body={"read_only": True},
    ),
    Endpoint("history", "get", ITEM + "history/", item_roles(200, 200, 200)),
    # The record package: whoever sees the item (a download, on the security log, not a change).
    Endpoint("record package", "get", ITEM + "record/", item_roles(200, 200, 200)),
    Endpoint("record packages", "get", "/api/v1/action-items/records/?ids={item}", item_roles(200, 200, 200)),
    Endpoint("list attachments", "get", ITEM + "attachments/", item_roles(200, 200, 200)),
    Endpoint(
        "upload attachment",
        "post",
        ITEM + "attachments/",
        item_roles(201, 201, 201),
        multipart=True,
    ),
    Endpoint(
        "download attachment",
        "get",
        ITEM + "attachments/{attachment}/",
        item_roles(200, 200, 200),
        prepare="attachment",
    ),
    Endpoint(
        "import items",
        "post",
        "/api/v1/action-items/import/",
        item_roles(200, 403, 403, unrelated=403),
        multipart=True,
        upload=("items.csv", b"External id,Title (English),Lead agency (OPR)\nM-1,Matrix row,MOD\n", "text/csv"),
    ),
    Endpoint("list extension requests", "get", "/api/v1/extension-requests/", everyone(200)),
    Endpoint("list reminders", "get", "/api/v1/reminders/", everyone(200)),
    Endpoint(
        "read reminder",
        "get",
        "/api/v1/reminders/{reminder}/",
        item_roles(200, 200, 404, unrelated=404),
        prepare="reminder",
    ),
    Endpoint(
        "read extension request",
        "get",
        "/api/v1/extension-requests/{extension}/",
        item_roles(200, 200, 200),
        status=Status.IN_PROGRESS,
        prepare="extension",
    ),
    Endpoint(
        "approve extension",
        "post",
        "/api/v1/extension-requests/{extension}/approve/",
        item_roles(200, 403, 403),
        status=Status.IN_PROGRESS,
        prepare="extension",
    ),
    Endpoint(
        "deny extension",
        "post",
        "/api/v1/extension-requests/{extension}/deny/",
        item_roles(200, 403, 403),
        status=Status.IN_PROGRESS,
        body={"comment": "The date is fixed by the cabinet"},
        prepare="extension",
    ),
]


def snapshot() -> dict:
    """Everything a request could change, row by row."""
    tracked = [
        ActionItem,
        Concurrence,
        ProgressUpdate,
        ExtensionRequest,
        Attachment,
        IdempotencyRecord,
        Liaison,
        Meeting,
        Initiative,
        Reminder,
        IntegrationAccount,
        User,
    ]
    rows = {model.__name__: list(model.objects.order_by("pk").values()) for model in tracked}
    rows["ApiToken"] = list(ApiToken.objects.order_by("pk").values(*TOKEN_FIELDS))
    rows["history"] = [ActionItem.history.count(), Concurrence.history.count(), ExtensionRequest.history.count()]
    return rows


TOKEN_FIELDS = ("digest", "user_id", "name", "read_only", "expiry", "revoked_at", "revoked_by_id", "created_by_id")


def prepare(endpoint: Endpoint, world, move_to_status) -> dict:
    """Bring the world's item to the endpoint's status and create what its URL names."""
    item = move_to_status(world.item, endpoint.status)
    names = {
        "item": item.pk,
        "mod": world.mod.pk,
        "mod_unit": world.mod_unit.pk,
        "lead_term": world.lead_term.pk,
        "department": world.department.pk,
        "tool": world.integration.integration_account.pk,
        "tool_token": api_token_issue(actor=world.coordinator, user=world.integration, name="sync")[0].public_id,
    }
    if endpoint.prepare == "newcomer":
        UserFactory(username="new-alternate")
    if endpoint.prepare == "reference":
        meeting = Meeting.objects.create(department=world.department, title="Director-level meeting", held_on=TODAY)
        meeting.agencies.add(world.mod)
        names["meeting"] = meeting.pk
        names["initiative"] = Initiative.objects.create(
            code="P1", department=world.department, title_en="Defense diplomacy strategy"
        ).pk
        ActionItem.objects.filter(pk=item.pk).update(initiative=names["initiative"])
    if endpoint.prepare == "extension":
        extension = services.extension_request_create(
            actor=world.lead_liaison, item=item, requested_due_date=datetime.date(2026, 7, 31), reason="Diet"
        )
        names["extension"] = extension.pk
    if endpoint.prepare == "reminder":  # an overdue reminder addressed to the lead liaison
        names["reminder"] = Reminder.objects.create(
            action_item=item, rule="overdue", recipient=world.lead_liaison, occurrence="2026-07-01", due_on=TODAY
        ).pk
    if endpoint.prepare == "attachment":
        upload = SimpleUploadedFile("minutes.txt", b"Minutes of the meeting", content_type="text/plain")
        names["attachment"] = services.attachment_create(actor=world.coordinator, item=item, upload=upload).pk
    return names


def fill(value, names):
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return names[value[1:-1]]
    return value


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda endpoint: endpoint.name)
def test_every_endpoint_for_every_role(api, world, move_to_status, endpoint, role):
    names = prepare(endpoint, world, move_to_status)
    client = api(None if role == "anonymous" else role)
    path = endpoint.path.format(**names)
    before = snapshot()
    if endpoint.multipart:
        name, content, content_type = endpoint.upload
        upload = SimpleUploadedFile(name, content, content_type=content_type)
        response = client.post(path, {"file": upload}, format="multipart")
    elif endpoint.method == "get":
        response = client.get(path)
    else:
        body = {key: fill(value, names) for key, value in (endpoint.body or {}).items()}
        response = getattr(client, endpoint.method)(path, body, format="json")

    expected = endpoint.expected_for(role)
    assert response.status_code == expected, response.content[:500]
    check_django(response)  # status, headers and body are what the published schema says
    if expected >= 400:
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["status"] == expected
    if expected >= 400 or endpoint.method == "get":
        # Last-used times of tokens are the one thing a request may write; they are not in the snapshot.
        assert snapshot() == before


def test_the_matrix_covers_every_route_of_the_api():
    """A new endpoint cannot be added without its row in the matrix."""
    from coordination.api.urls import router

    names = {name: 1 for name in ("item", "extension", "attachment", "mod", "mod_unit", "lead_term", "department")}
    names.update(tool=1, tool_token="0b8c6a52-9f4e-4d0a-9d7e-0f1f3c1e2a4b")
    names["reminder"] = 1
    names.update(meeting=1, initiative=1)
    paths = [endpoint.path.format(**names).split("?")[0].removeprefix("/api/v1/") for endpoint in ENDPOINTS]
    routes = [url for url in router.urls if url.name != "api-root" and "format" not in str(url.pattern)]
    assert routes
    missing = [str(url.pattern) for url in routes if not any(url.pattern.match(path) for path in paths)]
    assert missing == []


def test_a_token_whose_user_ended_their_term_is_refused_even_on_reference_data(api, world):
    response = api("ended_liaison").get("/api/v1/agencies/")
    assert response.status_code == 401
    assert "no current role" in response.json()["detail"]
    assert ApiToken.objects.filter(user=world.ended_liaison).exists()
