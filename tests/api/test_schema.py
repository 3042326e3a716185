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
