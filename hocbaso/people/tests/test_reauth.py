"""Step-up authentication (security.md F5, ASVS 7.5.3): the logged-in user re-enters their
password, and a current code of their authenticator when they have one (or must have one, as at
the login); the time is kept in the session, both outcomes are audited, the login's brute-force
limits apply, and only a local `next` is followed."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from hocbaso.audit.models import AuditEvent
from hocbaso.people.actions.accounts import REAUTH_SESSION_KEY, reauthenticate, reauthenticated_at
from hocbaso.people.auth_models import LoginThrottle
from hocbaso.people.testing import enrol_second_factor, next_code
from hocbaso.people.tests.world import PASSWORD, World

pytestmark = pytest.mark.django_db


# a teacher: a second factor is optional for them, and they have not enrolled one
NO_FACTOR = "homeroom_4a"


def _client(world: World, persona: str = NO_FACTOR) -> Client:
    client = Client()
    client.force_login(world.user(persona))
    return client


def test_the_form_asks_for_the_password_of_the_logged_in_user(world: World) -> None:
    response = _client(world).get("/xac-thuc-lai/", {"next": "/de-nghi-sua/1/"})
    body = response.content.decode()
    assert response.status_code == 200
    assert f"Persona {NO_FACTOR}" in body
    assert 'name="password"' in body
    assert 'name="code"' not in body
    assert 'value="/de-nghi-sua/1/"' in body


def test_an_enrolled_user_is_also_asked_for_the_code(world: World) -> None:
    enrol_second_factor(world.user("principal"))
    body = _client(world, "principal").get("/xac-thuc-lai/").content.decode()
    assert 'name="password"' in body
    assert 'name="code" id="id_code" inputmode="numeric" autocomplete="one-time-code"' in body


def test_a_wrong_password_is_refused_and_audited(world: World) -> None:
    client = _client(world)
    response = client.post("/xac-thuc-lai/", {"password": "sai-roi", "next": "/so-diem/"})
    assert response.status_code == 200
    assert "Mật khẩu không đúng." in response.content.decode()
    assert REAUTH_SESSION_KEY not in client.session
    event = AuditEvent.objects.filter(action="account.reauth_failed").get()
    assert event.actor_id == world.user(NO_FACTOR).pk
    assert event.data["new"] == {"factor": "password"}
    assert "sai-roi" not in str(event.data)


def test_the_right_password_is_stored_in_the_session_and_next_is_followed(world: World) -> None:
    client = _client(world)
    response = client.post("/xac-thuc-lai/", {"password": PASSWORD, "next": "/so-diem/"})
    assert response.status_code == 302
    assert response["Location"] == "/so-diem/"
    assert reauthenticated_at(client.session) is not None
    event = AuditEvent.objects.get(action="account.reauthenticated")
    assert event.data["new"] == {"factors": ["password"]}


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


# -- the second factor (issue 7) ----------------------------------------------------------------


def _wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def test_an_enrolled_principal_needs_the_right_code_as_well(world: World) -> None:
    principal = world.user("principal")
    enrol_second_factor(principal)
    client = _client(world, "principal")
    code = next_code(principal)
    # when the right password comes with a wrong code, with none, or with a recovery-code shape
    for typed in (_wrong(code), "", "ABCD-EFGH-JKLM-NPQR"):
        response = client.post("/xac-thuc-lai/", {"password": PASSWORD, "code": typed})
        # then it is refused with a clear message and the session is not fresh
        assert response.status_code == 200
        assert "Mã xác thực không đúng, đã dùng rồi hoặc đã hết hạn." in response.content.decode()
        assert REAUTH_SESSION_KEY not in client.session
    failed = AuditEvent.objects.filter(action="account.reauth_failed")
    assert [e.data["new"] for e in failed] == [{"factor": "totp"}] * 3
    assert _wrong(code) not in str([e.data for e in failed])
    # a wrong password with the right code fails on the password, and keeps the code unused
    response = client.post("/xac-thuc-lai/", {"password": "sai-roi", "code": code})
    assert "Mật khẩu không đúng." in response.content.decode()
    assert failed.last().data["new"] == {"factor": "password"}  # type: ignore[union-attr]
    # with both right, the step-up is fresh and records both factors
    response = client.post("/xac-thuc-lai/", {"password": PASSWORD, "code": code, "next": "/"})
    assert response.status_code == 302
    assert reauthenticated_at(client.session) is not None
    event = AuditEvent.objects.get(action="account.reauthenticated")
    assert event.data["new"] == {"factors": ["password", "totp"]}


def test_a_code_used_once_is_refused_the_second_time(world: World) -> None:
    principal = world.user("principal")
    enrol_second_factor(principal)
    code = next_code(principal)
    first, second = {}, {}  # type: ignore[var-annotated]
    assert reauthenticate(principal, PASSWORD, code=code, session=first).ok
    again = reauthenticate(principal, PASSWORD, code=code, session=second)
    assert not again.ok
    assert "đã dùng rồi" in again.error
    assert REAUTH_SESSION_KEY not in second


def test_a_code_used_at_the_login_is_refused_at_the_step_up(world: World) -> None:
    principal = world.user("principal")
    enrol_second_factor(principal)
    client = Client()
    client.post("/dang-nhap/", {"username": "principal", "password": PASSWORD})
    code = next_code(principal)
    assert client.post("/xac-thuc-hai-buoc/", {"code": code}).status_code == 302
    response = client.post("/xac-thuc-lai/", {"password": PASSWORD, "code": code})
    assert "đã dùng rồi" in response.content.decode()
    assert REAUTH_SESSION_KEY not in client.session


def test_an_enrolled_teacher_is_asked_for_the_code_too(world: World) -> None:
    teacher = world.user(NO_FACTOR)
    enrol_second_factor(teacher)
    client = _client(world)
    refused = client.post("/xac-thuc-lai/", {"password": PASSWORD})
    assert "Mã xác thực không đúng" in refused.content.decode()
    ok = client.post("/xac-thuc-lai/", {"password": PASSWORD, "code": next_code(teacher)})
    assert ok.status_code == 302


def test_a_principal_without_a_factor_must_enrol_first_unless_the_demo_waiver_applies(
    world: World, settings: Any
) -> None:
    # (a principal's factor was reset by an administrator during the session)
    client = _client(world, "principal")
    page = client.get("/xac-thuc-lai/", {"next": "/so-diem/"}).content.decode()
    assert 'data-testid="reauth-enrol"' in page
    assert "/xac-thuc-hai-buoc/dang-ky/?next=/so-diem/" in page
    response = client.post("/xac-thuc-lai/", {"password": PASSWORD, "code": "123456"})
    assert "chưa đăng ký ứng dụng xác thực" in response.content.decode()
    assert REAUTH_SESSION_KEY not in client.session
    event = AuditEvent.objects.get(action="account.reauth_failed")
    assert event.data["new"] == {"factor": "totp_not_enrolled"}
    # the DEMO installation lets them in with the password alone, as its login does
    settings.MFA_DEMO_WAIVER = True
    assert 'name="code"' not in client.get("/xac-thuc-lai/").content.decode()
    assert client.post("/xac-thuc-lai/", {"password": PASSWORD}).status_code == 302
    assert reauthenticated_at(client.session) is not None


def test_wrong_codes_are_throttled_on_the_users_own_counters(world: World, settings: Any) -> None:
    principal = world.user("principal")
    enrol_second_factor(principal)
    client = _client(world, "principal")
    code = next_code(principal)
    for _ in range(settings.LOGIN_PAIR_LIMIT):
        client.post("/xac-thuc-lai/", {"password": PASSWORD, "code": _wrong(code)})
    # then the right password and code are not even checked for a while
    response = client.post("/xac-thuc-lai/", {"password": PASSWORD, "code": code})
    assert "Nếu đã nhập sai nhiều lần" in response.content.decode()
    assert REAUTH_SESSION_KEY not in client.session
    assert AuditEvent.objects.filter(action="account.reauth_failed").count() == (
        settings.LOGIN_PAIR_LIMIT
    )
    # the code's counters are the second factor's own: the password login is not locked
    locks = LoginThrottle.objects.filter(locked_until__isnull=False)
    assert set(locks.values_list("username", flat=True)) == {"mfa:principal"}
    # and the lock also holds from another address (the username tier, after more guesses)
    for _ in range(settings.LOGIN_USERNAME_LIMIT):
        reauthenticate(principal, PASSWORD, code=_wrong(code), session={}, ip=f"10.9.0.{_}")
    outcome = reauthenticate(principal, PASSWORD, code=code, session={}, ip="10.9.9.9")
    assert not outcome.ok
    assert "Nếu đã nhập sai nhiều lần" in outcome.error
