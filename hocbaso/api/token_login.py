"""The login behind ``POST /api/v1/auth/token``: the same checks as the web login, in the same
order, with the same people functions (security.md F1, F2, F5).

1. The brute-force limits (people/login_throttle.py) before the password: a locked (username,
   IP) pair, username or address gets exactly the wrong-password answer, after the same password
   hashing, and is audited as a failed login (not counted again, as on the form).
2. The password (Django's ``authenticate``); a failure is counted and audited, a success clears
   its pair.
3. The second factor (people/second_factor.py, DEMO waiver included): an account with one must
   send a current code or an unused recovery code in ``otp``, checked by the web step's own
   action (replay refused, audited ``account.mfa_verified`` / ``account.mfa_failed``) under the
   web step's own throttle counters; an account that needs one but has none must enrol on the
   web first."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.hashers import make_password
from django.http import HttpRequest
from django.utils.translation import gettext as _

from hocbaso.api import tokens
from hocbaso.api.errors import ApiRefusal
from hocbaso.people import login_throttle
from hocbaso.people.actions.accounts import record_failed_login
from hocbaso.people.actions.second_factor import verify_second_factor
from hocbaso.people.second_factor import throttle_name
from hocbaso.people.views.accounts import client_ip


def _wrong_password() -> ApiRefusal:
    return ApiRefusal(401, "invalid_credentials", _("Tên đăng nhập hoặc mật khẩu không đúng."))


def password_login(request: HttpRequest, username: str, password: str) -> Any:
    """The user whose password this is, or ApiRefusal 401 ``invalid_credentials``."""
    ip = client_ip(request)
    if not login_throttle.check_allowed(username, ip).allowed:
        make_password(password)  # the time a password check takes
        record_failed_login(username)
        raise _wrong_password()
    user = authenticate(request, username=username, password=password)
    if user is None:
        login_throttle.record_failure(username, ip)
        record_failed_login(username)
        raise _wrong_password()
    login_throttle.record_success(user.get_username(), ip)
    return user


def prove_second_factor(request: HttpRequest, user: Any, otp: str | None) -> None:
    """Return when ``user`` may have a token; otherwise ApiRefusal: 403
    ``second_factor_enrolment_required`` or ``second_factor_required``, 401
    ``second_factor_invalid`` (wrong, replayed or expired code, or too many wrong codes)."""
    step = tokens.second_factor_step(user)
    if step is None:
        return
    if step == "enrol":
        raise ApiRefusal(
            403,
            "second_factor_enrolment_required",
            _(
                "Tài khoản này cần xác thực hai bước nhưng chưa đăng kí ứng dụng xác thực: "
                "hãy đăng nhập trên trang web để đăng kí trước."
            ),
        )
    if not otp:
        raise ApiRefusal(
            403,
            "second_factor_required",
            _(
                "Tài khoản này cần xác thực hai bước: gửi mã trên ứng dụng xác thực "
                "(hoặc một mã khôi phục) trong trường otp."
            ),
        )
    name, ip = throttle_name(user), client_ip(request)
    if not login_throttle.check_allowed(name, ip).allowed:
        raise ApiRefusal(
            401,
            "second_factor_invalid",
            _("Mã không đúng hoặc đã nhập sai nhiều lần: hãy chờ vài phút rồi thử lại."),
        )
    if not verify_second_factor(otp, acting_user=user):
        login_throttle.record_failure(name, ip)
        raise ApiRefusal(
            401,
            "second_factor_invalid",
            _("Mã không đúng, đã dùng rồi hoặc đã hết hạn. Hãy nhập mã mới trên ứng dụng."),
        )
    login_throttle.record_success(name, ip)
