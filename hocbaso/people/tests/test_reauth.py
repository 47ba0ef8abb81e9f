"""Step-up authentication (security.md F5): the logged-in user re-enters their password; the
time is kept in the session, both outcomes are audited, and only a local `next` is followed."""

from __future__ import annotations

import pytest
from django.test import Client

from hocbaso.audit.models import AuditEvent
from hocbaso.people.actions.accounts import REAUTH_SESSION_KEY, reauthenticated_at
from hocbaso.people.tests.world import PASSWORD, World

pytestmark = pytest.mark.django_db


def _client(world: World, persona: str = "principal") -> Client:
    client = Client()
    client.force_login(world.user(persona))
    return client


def test_the_form_asks_for_the_password_of_the_logged_in_user(world: World) -> None:
    response = _client(world).get("/xac-thuc-lai/", {"next": "/de-nghi-sua/1/"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Persona principal" in body
    assert 'name="password"' in body
    assert 'value="/de-nghi-sua/1/"' in body


def test_a_wrong_password_is_refused_and_audited(world: World) -> None:
    client = _client(world)
    response = client.post("/xac-thuc-lai/", {"password": "sai-roi", "next": "/so-diem/"})
    assert response.status_code == 200
    assert "Mật khẩu không đúng." in response.content.decode()
    assert REAUTH_SESSION_KEY not in client.session
    event = AuditEvent.objects.filter(action="account.reauth_failed").get()
    assert event.actor_id == world.user("principal").pk
    assert "sai-roi" not in str(event.data)


def test_the_right_password_is_stored_in_the_session_and_next_is_followed(world: World) -> None:
    client = _client(world)
    response = client.post("/xac-thuc-lai/", {"password": PASSWORD, "next": "/so-diem/"})
    assert response.status_code == 302
    assert response["Location"] == "/so-diem/"
    assert reauthenticated_at(client.session) is not None
    assert AuditEvent.objects.filter(action="account.reauthenticated").count() == 1


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", ""]
)
def test_only_a_local_next_is_followed(world: World, target: str) -> None:
    response = _client(world).post("/xac-thuc-lai/", {"password": PASSWORD, "next": target})
    assert response["Location"] == "/"


def test_anonymous_users_are_sent_to_the_login(db: None) -> None:
    response = Client().get("/xac-thuc-lai/")
    assert response.status_code == 302
    assert response["Location"].startswith("/dang-nhap/")
