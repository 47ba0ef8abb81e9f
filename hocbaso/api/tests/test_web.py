"""The web page of one's own API tokens."""

from __future__ import annotations

import pytest
from django.test import Client

from hocbaso.api.models import ApiToken
from hocbaso.api.tests.fixtures import ApiClient, token_for
from hocbaso.audit.models import AuditEvent
from hocbaso.people.tests.world import World

pytestmark = pytest.mark.django_db


def _logged_in(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(world.user(persona))
    return client


def test_the_page_lists_ones_own_tokens_and_revokes_them(world: World) -> None:
    secret = token_for(world.user("homeroom_4a"), name="Sổ điểm trên máy tính bảng")
    token_for(world.user("parent_a"), name="Điện thoại của bố")
    client = _logged_in(world, "homeroom_4a")
    page = client.get("/tai-khoan/ma-truy-cap-api/").content.decode()
    assert "Sổ điểm trên máy tính bảng" in page
    assert "Điện thoại của bố" not in page
    token = ApiToken.objects.get(user=world.user("homeroom_4a"))
    response = client.post(f"/tai-khoan/ma-truy-cap-api/{token.pk}/thu-hoi/")
    assert (response.status_code, response["Location"]) == (302, "/tai-khoan/ma-truy-cap-api/")
    assert ApiClient(secret).get("/api/v1/me").status_code == 401
    assert AuditEvent.objects.filter(action="api.token_revoked").count() == 1
    assert "đã thu hồi" in client.get("/tai-khoan/ma-truy-cap-api/").content.decode()


def test_another_persons_token_is_a_404(world: World) -> None:
    secret = token_for(world.user("parent_a"))
    token = ApiToken.objects.get()
    response = _logged_in(world, "parent_b").post(f"/tai-khoan/ma-truy-cap-api/{token.pk}/thu-hoi/")
    assert response.status_code == 404
    assert ApiClient(secret).get("/api/v1/me").status_code == 200


def test_the_admin_lists_tokens_without_their_digest(world: World) -> None:
    token_for(world.user("parent_a"), name="Điện thoại của bố")
    token = ApiToken.objects.get()
    client = _logged_in(world, "sysadmin")
    listing = client.get("/quan-tri/api/apitoken/").content.decode()
    detail = client.get(f"/quan-tri/api/apitoken/{token.pk}/change/").content.decode()
    assert token.prefix in listing
    assert "Điện thoại của bố" in detail
    assert token.digest not in listing + detail
