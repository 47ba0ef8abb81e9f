"""POST /api/v1/auth/token is as strong as the login form: the same brute-force limits (shared
counters, same answer for a locked attempt as for a wrong password) and the same second factor
(with the DEMO waiver), audited the same way (security.md F1, F2, F5)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client

from hocbaso.api.models import ApiToken
from hocbaso.api.tests.fixtures import ApiClient
from hocbaso.audit.actors import SEED
from hocbaso.audit.models import AuditEvent
from hocbaso.people.actions.assignments import create_account
from hocbaso.people.actions.second_factor import enrol_totp
from hocbaso.people.auth_models import LoginThrottle
from hocbaso.people.login_throttle import check_allowed
from hocbaso.people.testing import next_code
from hocbaso.people.tests.world import PASSWORD, World
from hocbaso.people.totp import new_secret, totp

pytestmark = pytest.mark.django_db

URL = "/api/v1/auth/token"
SCHOOL_NAT = "203.0.113.7"
ATTACKER = "198.51.100.66"
HOME = "192.0.2.10"
WRONG_PASSWORD = {
    "detail": "Tên đăng nhập hoặc mật khẩu không đúng.",
    "code": "invalid_credentials",
}
SECOND_FACTOR_REQUIRED = {
    "detail": "Tài khoản này cần xác thực hai bước: gửi mã trên ứng dụng xác thực "
    "(hoặc một mã khôi phục) trong trường otp.",
    "code": "second_factor_required",
}
ENROLMENT_REQUIRED = {
    "detail": "Tài khoản này cần xác thực hai bước nhưng chưa đăng kí ứng dụng xác thực: "
    "hãy đăng nhập trên trang web để đăng kí trước.",
    "code": "second_factor_enrolment_required",
}
WRONG_CODE = {
    "detail": "Mã không đúng, đã dùng rồi hoặc đã hết hạn. Hãy nhập mã mới trên ứng dụng.",
    "code": "second_factor_invalid",
}
TOO_MANY_CODES = {
    "detail": "Mã không đúng hoặc đã nhập sai nhiều lần: hãy chờ vài phút rồi thử lại.",
    "code": "second_factor_invalid",
}


def _obtain(username: str, password: str, ip: str = HOME, **extra: Any) -> tuple[int, Any]:
    response = Client().post(
        URL,
        {"username": username, "password": password, **extra},
        content_type="application/json",
        REMOTE_ADDR=ip,
    )
    return response.status_code, response.json()


def _enrol(user: Any) -> list[str]:
    secret = new_secret()
    codes = enrol_totp(secret, totp(secret, time.time()), acting_user=user)
    assert codes is not None
    return codes


def _actions(prefix: str) -> list[str]:
    return list(
        AuditEvent.objects.filter(action__startswith=prefix)
        .order_by("id")
        .values_list("action", flat=True)
    )


# -- the brute-force limits ----------------------------------------------------------------------


def test_five_wrong_passwords_from_one_address_lock_the_pair_for_the_api(world: World) -> None:
    for guess in range(5):
        assert _obtain("homeroom_4a", f"guess-{guess}", ATTACKER) == (401, WRONG_PASSWORD)
    # then the right password from that address gets exactly the wrong-password answer
    assert _obtain("homeroom_4a", PASSWORD, ATTACKER) == (401, WRONG_PASSWORD)
    assert ApiToken.objects.count() == 0
    assert check_allowed("homeroom_4a", ATTACKER).allowed is False
    # the locked attempt is audited as a failed login but not counted again
    assert AuditEvent.objects.filter(action="account.login_failed").count() == 6
    pair = LoginThrottle.objects.get(scope=LoginThrottle.Scope.PAIR, ip=ATTACKER)
    assert (pair.username, pair.lockouts, pair.failures) == ("homeroom_4a", 1, 0)
    # and the real teacher at home still gets a token
    status, body = _obtain("homeroom_4a", PASSWORD, HOME)
    assert status == 201
    assert ApiClient(body["token"]).get("/api/v1/me").json()["username"] == "homeroom_4a"


def test_a_lock_earned_on_the_login_form_holds_for_the_api(world: World) -> None:
    for guess in range(5):
        Client().post(
            "/dang-nhap/", {"username": "parent_a", "password": f"g{guess}"}, REMOTE_ADDR=ATTACKER
        )
    assert _obtain("parent_a", PASSWORD, ATTACKER) == (401, WRONG_PASSWORD)
    assert ApiToken.objects.count() == 0


def test_a_locked_attempt_costs_a_password_hashing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    for guess in range(5):
        _obtain("parent_a", f"guess-{guess}", ATTACKER)
    hashed: list[str] = []
    monkeypatch.setattr("hocbaso.api.token_login.make_password", hashed.append)
    assert _obtain("parent_a", PASSWORD, ATTACKER) == (401, WRONG_PASSWORD)
    assert hashed == [PASSWORD]


def test_thirty_users_behind_one_nat_with_typos_never_lock_each_other_out(db: None) -> None:
    names = [f"gv{i:02d}" for i in range(30)]
    for name in names:
        create_account(username=name, full_name=name, password=PASSWORD, acting_user=SEED)
    outcomes = []
    for name in names:
        for typo in range(2):
            assert _obtain(name, f"{PASSWORD}{typo}", SCHOOL_NAT) == (401, WRONG_PASSWORD)
        outcomes.append(_obtain(name, PASSWORD, SCHOOL_NAT)[0])
    assert outcomes == [201] * 30
    assert LoginThrottle.objects.filter(locked_until__isnull=False).count() == 0
    assert AuditEvent.objects.filter(action="account.login_failed").count() == 60


def test_a_username_attacked_from_many_addresses_is_locked_and_the_lock_audited(
    world: World,
) -> None:
    for i in range(10):
        _obtain("parent_a", f"guess-{i}", f"198.51.100.{i + 1}")
    assert _actions("account.login_locked") == ["account.login_locked"]
    assert _obtain("parent_a", PASSWORD, HOME) == (401, WRONG_PASSWORD)


def test_a_token_clears_its_own_pair(world: World) -> None:
    for guess in range(4):
        _obtain("parent_a", f"guess-{guess}", HOME)
    assert _obtain("parent_a", PASSWORD, HOME)[0] == 201
    for guess in range(4):
        _obtain("parent_a", f"again-{guess}", HOME)
    assert check_allowed("parent_a", HOME).allowed is True


# -- the second factor ---------------------------------------------------------------------------


def test_a_principal_who_has_not_enrolled_must_enrol_on_the_web_first(world: World) -> None:
    assert _obtain("principal", PASSWORD) == (403, ENROLMENT_REQUIRED)
    assert _obtain("principal", PASSWORD, otp="123456") == (403, ENROLMENT_REQUIRED)
    assert ApiToken.objects.count() == 0


def test_the_demo_waiver_lets_an_unenrolled_principal_in_but_not_an_enrolled_one(
    world: World, settings: Any
) -> None:
    settings.MFA_DEMO_WAIVER = True
    assert _obtain("principal", PASSWORD)[0] == 201
    _enrol(world.user("principal"))
    assert _obtain("principal", PASSWORD) == (403, SECOND_FACTOR_REQUIRED)


def test_an_enrolled_principal_sends_a_current_code_that_works_once(world: World) -> None:
    principal = world.user("principal")
    _enrol(principal)
    # without a code: asked for one, nothing audited as a second-factor attempt
    assert _obtain("principal", PASSWORD) == (403, SECOND_FACTOR_REQUIRED)
    # a wrong code is refused and audited
    assert _obtain("principal", PASSWORD, otp="000000x") == (401, WRONG_CODE)
    code = next_code(principal)
    status, body = _obtain("principal", PASSWORD, otp=code)
    assert status == 201
    assert ApiClient(body["token"]).get("/api/v1/me").json()["username"] == "principal"
    # the same code again is a replay
    assert _obtain("principal", PASSWORD, otp=code) == (401, WRONG_CODE)
    assert ApiToken.objects.filter(user=principal).count() == 1
    assert _actions("account.mfa_") == [
        "account.mfa_enrolled",
        "account.mfa_failed",
        "account.mfa_verified",
        "account.mfa_failed",
    ]


def test_a_wrong_password_is_refused_before_the_code_is_looked_at(world: World) -> None:
    principal = world.user("principal")
    _enrol(principal)
    assert _obtain("principal", "wrong", otp=next_code(principal)) == (401, WRONG_PASSWORD)
    assert _actions("account.mfa_") == ["account.mfa_enrolled"]


def test_a_recovery_code_gives_one_token(world: World) -> None:
    codes = _enrol(world.user("principal"))
    assert _obtain("principal", PASSWORD, otp=codes[0].lower())[0] == 201
    assert _obtain("principal", PASSWORD, otp=codes[0]) == (401, WRONG_CODE)
    assert _actions("account.mfa_")[1:] == ["account.mfa_recovery_used", "account.mfa_failed"]


def test_wrong_codes_are_throttled_with_the_web_steps_counters(world: World) -> None:
    principal = world.user("principal")
    _enrol(principal)
    for _ in range(5):
        assert _obtain("principal", PASSWORD, ATTACKER, otp="12345x") == (401, WRONG_CODE)
    # then even the right code waits, and is not even checked
    assert _obtain("principal", PASSWORD, ATTACKER, otp=next_code(principal)) == (
        401,
        TOO_MANY_CODES,
    )
    assert _actions("account.mfa_").count("account.mfa_failed") == 5
    assert ApiToken.objects.count() == 0
    # the wrong codes locked the second factor's counters, never the password login
    assert check_allowed("mfa:principal", ATTACKER).allowed is False
    assert check_allowed("principal", ATTACKER).allowed is True


def test_a_teacher_who_enrolled_is_asked_for_the_code_and_a_parent_is_not(world: World) -> None:
    teacher = world.user("homeroom_4a")
    _enrol(teacher)
    assert _obtain("homeroom_4a", PASSWORD) == (403, SECOND_FACTOR_REQUIRED)
    assert _obtain("homeroom_4a", PASSWORD, otp=next_code(teacher))[0] == 201
    assert _obtain("parent_a", PASSWORD)[0] == 201
    assert _obtain("parent_a", PASSWORD, otp="123456")[0] == 201
