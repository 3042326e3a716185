"""The published contract: the schema validates, and generated requests to every operation get no server error
and no response that breaks the schema (schemathesis, a bounded number of examples per operation)."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.specs.openapi import checks

from coordination.models import ActionItem

# Loaded when the module is collected: serving the schema needs no database.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


@pytest.fixture
def connections_kept_open():
    """Calls go straight to the WSGI handler, whose end-of-request signal would close the test's database
    connection (and its transaction); Django's own test client holds the signal back the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def coordinator_key(world, token_for, move_to_status, connections_kept_open):
    move_to_status(world.item, ActionItem.Status.IN_PROGRESS)
    return token_for(world.coordinator)


@pytest.mark.serial  # schemathesis gives all its cases one node id, which a parallel run would collapse into one
@schema.parametrize()
@hypothesis_settings(
    max_examples=20, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)
def test_generated_requests_get_answers_that_match_the_schema(case, coordinator_key):
    # Every check but two: random ids and values are mostly refused by the workflow's rules (404, 403, 400), which
    # "schema-valid request rejected" would count, and a few lenient inputs (an empty filter is no filter) would
    # count as "schema-violating request accepted". Server errors and responses off the schema are all checked.
    case.call_and_validate(
        headers={"Authorization": f"Token {coordinator_key}"},
        excluded_checks=[checks.positive_data_acceptance, checks.negative_data_rejection],
    )


def test_the_contract_check_refuses_what_the_schema_does_not_document():
    """The check the matrix and the generated client's run apply can fail: an undocumented status, a wrong body."""
    from openapi_core.exceptions import OpenAPIError

    from tests.contract import check

    json_type = {"Content-Type": "application/json"}
    with pytest.raises(OpenAPIError):
        check("get", "http://testserver/api/v1/agencies/", {}, b"", 418, json_type, b"{}")
    with pytest.raises(OpenAPIError):
        check("get", "http://testserver/api/v1/agencies/", {}, b"", 200, json_type, b'{"results": "not a list"}')
    with pytest.raises(OpenAPIError):
        check("get", "http://testserver/api/v1/agencies/1/", {}, b"", 200, json_type, b'{"id": "one"}')
    page = b'{"next": null, "previous": null, "results": []}'
    check("get", "http://testserver/api/v1/agencies/", {}, b"", 200, json_type, page)


# The hostile inputs of tests/api/test_bad_input.py, sent through schemathesis so that its checks (no server
# error, every status and body documented) apply to them too.
ITEM_BODY = {"department": "NSS-SCD", "lead_agency": "MOD", "title": "Brief the minister", "due_date": "2026-06-30"}
EDGE_CASES = [
    ("/api/v1/action-items/", "POST", {**ITEM_BODY, "due_date": "9999-12-31"}),
    ("/api/v1/action-items/", "POST", {**ITEM_BODY, "due_date": "9999-12-30"}),
    ("/api/v1/action-items/", "POST", {**ITEM_BODY, "due_date": "0001-01-01"}),
    ("/api/v1/action-items/", "POST", {**ITEM_BODY, "due_date": "1900-01-01"}),
    ("/api/v1/action-items/", "POST", {**ITEM_BODY, "title": "Bell\x07 escape\x1b[2J"}),
    ("/api/v1/action-items/", "POST", {**ITEM_BODY, "title": "Line\r\nbreak"}),
    ("/api/v1/action-items/", "POST", {**ITEM_BODY, "title": "Reversed \u202etxt.exe"}),
    ("/api/v1/action-items/", "POST", {**ITEM_BODY, "description": "x" * 20_001}),
    ("/api/v1/action-items/", "POST", {**ITEM_BODY, "description": "x" * (2 * 1024 * 1024)}),
    ("/api/v1/action-items/{id}/", "PATCH", {"due_date": "9999-12-31"}),
    ("/api/v1/action-items/{id}/extension-requests/", "POST", {"requested_due_date": "9999-12-31", "reason": "Diet"}),
    ("/api/v1/meetings/", "POST", {"department": "NSS-SCD", "title": "T\r\nBcc: x", "held_on": "0001-01-01"}),
]


@pytest.mark.parametrize(("path", "method", "body"), EDGE_CASES, ids=lambda v: str(v)[:40])
def test_hostile_inputs_get_documented_4xx_answers(path, method, body, world, token_for, move_to_status,
                                                   connections_kept_open):  # fmt: skip
    item = move_to_status(world.item, ActionItem.Status.IN_PROGRESS)
    actor = world.lead_liaison if "extension" in path else world.coordinator
    before = (ActionItem.objects.count(), ActionItem.history.count())
    case = schema[path][method].Case(body=body, path_parameters={"id": item.pk} if "{id}" in path else {})
    response = case.call_and_validate(headers={"Authorization": f"Token {token_for(actor)}"})
    assert 400 <= response.status_code < 500, response.text[:300]
    assert (ActionItem.objects.count(), ActionItem.history.count()) == before
