"""API clients for each role of the world, each with a token of its own."""

import pytest
from rest_framework.test import APIClient

ROLES = [
    "coordinator",
    "director",
    "lead_liaison",
    "supporting_liaison",
    "unrelated_liaison",
    "ended_liaison",
    "integration",  # the department's tool: its coordinators' rights, by token only
    "readonly_integration",  # the department's read-only tool: reads as a coordinator, writes nothing
]
# Clients exist for these too, outside the matrix's default roles.
EXTRA_ROLES = ["superuser", "other_coordinator"]


@pytest.fixture
def api(world, token_for):
    """api(role) -> an APIClient sending that role's token; api(None) -> an anonymous client."""
    clients = {}

    def client_for(role):
        if role not in clients:
            client = APIClient()
            if role is not None:
                client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(getattr(world, role))}")
            clients[role] = client
        return clients[role]

    return client_for
