"""API clients for each role of the world, each with a token of its own."""

import pytest
from rest_framework.test import APIClient

from users.services import api_token_issue

ROLES = ["coordinator", "director", "lead_liaison", "supporting_liaison", "unrelated_liaison", "ended_liaison"]


@pytest.fixture
def token_for(world):
    """Issue a token for a user (as the command line does) and return its key."""

    def issue(user, **kwargs):
        return api_token_issue(actor=None, user=user, name="test", **kwargs)[1]

    return issue


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
