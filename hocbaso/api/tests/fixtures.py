"""API test helpers: a token for a persona, and a client that sends it."""

from __future__ import annotations

from typing import Any

from django.test import Client

from hocbaso.api.actions import issue_token


def token_for(user: Any, *, name: str = "Kiểm thử") -> str:
    return issue_token(name=name, lifetime_days=30, acting_user=user).secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


class ApiClient:
    """A Django test client that sends ``Authorization: Bearer <token>`` on every request."""

    def __init__(self, secret: str | None) -> None:
        self.client = Client()
        self.headers = bearer(secret) if secret else {}

    def get(self, url: str, **query: Any) -> Any:
        return self.client.get(url, query, headers=self.headers)

    def post(self, url: str, body: dict[str, Any]) -> Any:
        return self.client.post(url, body, content_type="application/json", headers=self.headers)

    def delete(self, url: str) -> Any:
        return self.client.delete(url, headers=self.headers)


def client_for(user: Any) -> ApiClient:
    return ApiClient(token_for(user))
