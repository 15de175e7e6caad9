import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from common.api import api_token_issue_integration
from tests.helpers import SHANGHAI, at  # noqa: F401 — the API tests import them from here


@pytest.fixture(autouse=True)
def _fresh_throttle():
    """DRF counts POST /api/token/ in the cache: each test starts with an empty count."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_as():
    """api_as(user) → an APIClient sending a token of that user (None → anonymous).

    The token is an integration token (fixed lifetime, not renewed), so the tests' time travel never expires it;
    personal tokens' idle expiry is tested in test_tokens.py. A leader needs an admin's grant for any token (B4):
    api_as grants it, and test_tokens.py tests the refusal.
    """

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            if user.role == "leader" and not user.api_token_allowed:
                user.api_token_allowed = True
                user.save(update_fields=["api_token_allowed"])
            _, token = api_token_issue_integration(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client

    return make
