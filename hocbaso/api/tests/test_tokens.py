"""Tokens: obtained with a username and password (audited, failures too), stored only as a
SHA-256, refused once revoked or expired or for an inactive account, revoked by their holder."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from hocbaso.api import actions
from hocbaso.api.models import ApiToken
from hocbaso.api.tests.fixtures import ApiClient, token_for
from hocbaso.audit.models import AuditEvent
from hocbaso.people.tests.world import PASSWORD, World

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/token"
NOT_AUTHENTICATED = {
    "detail": "Cần đăng nhập: gửi mã truy cập trong tiêu đề Authorization: Bearer.",
    "code": "not_authenticated",
}


def _obtain(username: str, password: str, **extra: object) -> Any:
    return ApiClient(None).post(URL, {"username": username, "password": password, **extra})


def test_a_parent_obtains_a_token_that_works_and_is_stored_hashed(world: World) -> None:
    # when parent_a posts their username and password
    response = _obtain("parent_a", PASSWORD, name="Điện thoại của bố")
    # then a token comes back once, and only its SHA-256 and prefix are stored
    assert response.status_code == 201
    body = response.json()
    secret = body["token"]
    token = ApiToken.objects.get()
    assert (body["token_type"], body["id"], body["name"], body["prefix"]) == (
        "Bearer",
        token.pk,
        "Điện thoại của bố",
        secret[:12],
    )
    assert secret.startswith("hbs_")
    assert len(secret) == 47
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in repr(list(ApiToken.objects.values()))
    assert token.expires_at - token.created_at == dt.timedelta(days=90)
    # and it opens the API as parent_a
    me = ApiClient(secret).get("/api/v1/me")
    assert me.json() == {
        "username": "parent_a",
        "full_name": "Persona parent_a",
        "is_parent": True,
        "is_staff_member": False,
    }
    event = AuditEvent.objects.get(action="api.token_issued")
    assert (event.actor_id, event.subject_id, event.data["new"]["prefix"]) == (
        world.user("parent_a").pk,
        str(token.pk),
        token.prefix,
    )
    assert secret not in str(event.data)


def test_a_wrong_password_is_refused_and_audited_like_the_login_form(world: World) -> None:
    events = AuditEvent.objects.count()
    response = _obtain("parent_a", "sai-mat-khau")
    assert (response.status_code, response.json()) == (
        401,
        {"detail": "Tên đăng nhập hoặc mật khẩu không đúng.", "code": "invalid_credentials"},
    )
    assert response["WWW-Authenticate"] == "Bearer"
    assert ApiToken.objects.count() == 0
    failed = AuditEvent.objects.get(action="account.login_failed")
    assert (failed.actor_id, failed.data) == (None, {"new": {"username": "parent_a"}})
    assert AuditEvent.objects.count() == events + 1
    assert "sai-mat-khau" not in str(failed.data)


def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(world: World) -> None:
    unknown = _obtain("khong-co-ai", "sai-mat-khau")
    wrong = _obtain("parent_a", "sai-mat-khau")
    assert (unknown.status_code, unknown.content) == (401, wrong.content)


def test_an_inactive_account_gets_no_token_and_its_tokens_stop_working(world: World) -> None:
    user = world.user("parent_a")
    secret = token_for(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert _obtain("parent_a", PASSWORD).status_code == 401
    response = ApiClient(secret).get("/api/v1/me")
    assert (response.status_code, response.json()) == (401, NOT_AUTHENTICATED)


def test_a_new_password_ends_every_token_issued_before_it(world: World) -> None:
    # as it ends every session: a parent who reset a forgotten password by SMS, or whose
    # password an admin set, cuts off whoever held the old tokens
    user = world.user("parent_a")
    old = token_for(user)
    assert ApiClient(old).get("/api/v1/me").status_code == 200
    user.set_password("mat-khau-moi-2026")
    user.save(update_fields=["password"])
    response = ApiClient(old).get("/api/v1/me")
    assert (response.status_code, response.json()) == (401, NOT_AUTHENTICATED)
    new = _obtain("parent_a", "mat-khau-moi-2026").json()["token"]
    assert ApiClient(new).get("/api/v1/me").status_code == 200


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Bearer hbs_khong-ton-tai", "Basic cGFyZW50X2E6eA==", "Token hbs_x"],
)
def test_missing_or_unknown_tokens_are_refused(world: World, header: str) -> None:
    client = ApiClient(None)
    response = client.client.get("/api/v1/children", headers={"Authorization": header})
    assert (response.status_code, response.json()) == (401, NOT_AUTHENTICATED)


def test_an_expired_token_is_refused(world: World) -> None:
    secret = token_for(world.user("parent_a"))  # 30 days
    with time_machine.travel(timezone.now() + dt.timedelta(days=30, minutes=1)):
        response = ApiClient(secret).get("/api/v1/me")
    assert (response.status_code, response.json()) == (401, NOT_AUTHENTICATED)


def test_revoking_the_current_token_logs_out(world: World) -> None:
    secret = token_for(world.user("parent_a"))
    client = ApiClient(secret)
    response = client.delete(URL)
    assert (response.status_code, response.content) == (204, b"")
    assert client.get("/api/v1/me").status_code == 401
    token = ApiToken.objects.get()
    assert token.revoked_at is not None
    event = AuditEvent.objects.get(action="api.token_revoked")
    assert (event.actor_id, event.subject_id) == (world.user("parent_a").pk, str(token.pk))


def test_a_holder_lists_and_revokes_their_own_tokens(world: World) -> None:
    user = world.user("parent_a")
    phone = token_for(user, name="Điện thoại")
    tablet = token_for(user, name="Máy tính bảng")
    token_for(world.user("parent_b"), name="Của người khác")
    listed = ApiClient(phone).get("/api/v1/auth/tokens").json()
    assert [(t["name"], t["current"], t["revoked_at"]) for t in listed["items"]] == [
        ("Máy tính bảng", False, None),
        ("Điện thoại", True, None),
    ]
    assert listed["count"] == 2
    tablet_id = listed["items"][0]["id"]
    assert ApiClient(phone).delete(f"/api/v1/auth/tokens/{tablet_id}").status_code == 204
    assert ApiClient(tablet).get("/api/v1/me").status_code == 401
    assert ApiClient(phone).get("/api/v1/me").status_code == 200
    # revoking again changes nothing and writes no second event
    assert ApiClient(phone).delete(f"/api/v1/auth/tokens/{tablet_id}").status_code == 204
    assert AuditEvent.objects.filter(action="api.token_revoked").count() == 1


def test_a_holder_cannot_hold_more_than_twenty_usable_tokens(world: World) -> None:
    user = world.user("parent_a")
    for _ in range(actions.MAX_USABLE_TOKENS):
        token_for(user)
    response = _obtain("parent_a", PASSWORD)
    assert (response.status_code, response.json()["code"]) == (409, "too_many_tokens")
    assert ApiToken.objects.filter(user=user).count() == actions.MAX_USABLE_TOKENS


def test_last_use_is_stamped_at_most_every_five_minutes(world: World) -> None:
    secret = token_for(world.user("parent_a"))
    client = ApiClient(secret)
    client.get("/api/v1/me")
    first = ApiToken.objects.get().last_used_at
    client.get("/api/v1/me")
    assert ApiToken.objects.get().last_used_at == first
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=6)):
        client.get("/api/v1/me")
    assert ApiToken.objects.get().last_used_at > first  # type: ignore[operator]


def test_a_staff_token_ends_with_the_staff_session_limit(world: World) -> None:
    response = _obtain("homeroom_4a", PASSWORD, lifetime_days=90)
    token = ApiToken.objects.get(pk=response.json()["id"])
    assert token.expires_at - token.created_at == dt.timedelta(hours=12)
    with time_machine.travel(timezone.now() + dt.timedelta(hours=12, minutes=1)):
        assert ApiClient(response.json()["token"]).get("/api/v1/me").status_code == 401
