"""Logins and logouts are audited writes too (issue 4 lists them)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hocbaso.audit.log import log
from hocbaso.people import login_throttle
from hocbaso.people.errors import ActionError
from hocbaso.people.models import HomeroomAssignment, StaffRole, TeachingAssignment
from hocbaso.people.second_factor import consume_totp_code, step_up_factor, throttle_name


def _school_of(user: Any) -> int | None:
    """The school whose audit chain records this person's logins (the system chain for
    province and commune staff and for parents)."""
    role = StaffRole.objects.active().filter(user=user, school__isnull=False).first()
    if role is not None:
        return role.school_id
    for model in (HomeroomAssignment, TeachingAssignment):
        assignment = model.objects.active().filter(user=user).select_related("class_group").first()
        if assignment is not None:
            return assignment.class_group.school_id
    return None


@transaction.atomic
def record_login(user: Any) -> None:
    log("account.login", actor=user, subject=user, school_id=_school_of(user))


@transaction.atomic
def record_logout(user: Any) -> None:
    log("account.logout", actor=user, subject=user, school_id=_school_of(user))


@transaction.atomic
def record_failed_login(username: str) -> None:
    """The username tried is kept (truncated); the password never is."""
    log(
        "account.login_failed",
        actor=None,
        subject_type="people.user",
        subject_label=username[:150],
        data={"new": {"username": username[:150]}},
    )


# -- step-up authentication (security.md F5, ASVS 7.5.3) ----------------------------------------

REAUTH_SESSION_KEY = "reauthenticated_at"
REAUTH_MAX_AGE = dt.timedelta(minutes=5)


def reauthentication_is_fresh(at: dt.datetime | None, *, now: dt.datetime | None = None) -> bool:
    """Whether a step-up at `at` still counts (within the last 5 minutes)."""
    if at is None:
        return False
    now = now or timezone.now()
    return dt.timedelta(0) <= now - at <= REAUTH_MAX_AGE


class ReauthenticationRequired(ActionError):
    """The user must re-authenticate (password, and code when they have a second factor): the
    last step-up is over 5 minutes old."""


def require_fresh_reauthentication(at: dt.datetime | None) -> None:
    if not reauthentication_is_fresh(at):
        raise ReauthenticationRequired(
            "Hãy nhập lại mật khẩu (và mã xác thực hai bước nếu tài khoản đã đăng ký) để xác nhận "
            "(cần xác thực lại trong vòng 5 phút)."
        )


def reauthenticated_at(session: Any) -> dt.datetime | None:
    raw = session.get(REAUTH_SESSION_KEY) if session is not None else None
    if not raw:
        return None
    try:
        return dt.datetime.fromisoformat(raw)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Reauthentication:
    """The outcome of `reauthenticate`: true when it succeeded, else the Vietnamese message for
    the form."""

    ok: bool
    error: str = ""

    def __bool__(self) -> bool:
        return self.ok


WRONG_PASSWORD = _("Mật khẩu không đúng.")
THROTTLED = _("Mật khẩu hoặc mã xác thực không đúng. Nếu đã nhập sai nhiều lần, hãy chờ vài phút.")
WRONG_CODE = _(
    "Mã xác thực không đúng, đã dùng rồi hoặc đã hết hạn. Hãy nhập mã mới trên ứng dụng xác thực."
)
NO_FACTOR = _(
    "Tài khoản của bạn cần xác thực hai bước nhưng chưa đăng ký ứng dụng xác thực: "
    "hãy đăng ký trước khi làm thao tác này."
)


def _reauth_failed(user: Any, school_id: int | None, factor: str) -> Reauthentication:
    """Audited with the factor that failed (never what was typed)."""
    log(
        "account.reauth_failed",
        actor=user,
        subject=user,
        school_id=school_id,
        data={"new": {"factor": factor}},
    )
    errors = {"password": WRONG_PASSWORD, "totp": WRONG_CODE, "totp_not_enrolled": NO_FACTOR}
    return Reauthentication(False, str(errors[factor]))


@transaction.atomic
def reauthenticate(
    user: Any, password: str, *, session: Any, code: str = "", ip: str | None = None
) -> Reauthentication:
    """Re-check the logged-in user before a sensitive step (approving or rejecting a correction,
    unlocking): the password, and a current TOTP code when the login would ask for one
    (people/second_factor.py `step_up_factor`: enrolled users, and users who must have a factor
    unless the DEMO waiver applies). A code works once, as at the login. On success the time is
    stored in the session; both outcomes are audited.

    The login's brute-force limits apply (people/login_throttle.py; a stolen session must not
    guess the password or the code forever): a wrong password counts against the username, a
    wrong code against the second factor's own counters, as at the login. A locked attempt is
    neither checked nor counted nor audited, as at the login, and changes nothing."""
    if not user.is_authenticated:
        return Reauthentication(False, str(WRONG_PASSWORD))
    name, mfa_name = user.get_username(), throttle_name(user)
    if not (
        login_throttle.check_allowed(name, ip).allowed
        and login_throttle.check_allowed(mfa_name, ip).allowed
    ):
        return Reauthentication(False, str(THROTTLED))
    school_id = _school_of(user)
    if not (password and user.check_password(password)):
        login_throttle.record_failure(name, ip)
        return _reauth_failed(user, school_id, "password")
    factor = step_up_factor(user)
    if factor == "enrol":
        return _reauth_failed(user, school_id, "totp_not_enrolled")
    if factor == "totp" and not consume_totp_code(user, code):
        login_throttle.record_failure(mfa_name, ip)
        return _reauth_failed(user, school_id, "totp")
    login_throttle.record_success(name, ip)
    if factor == "totp":
        login_throttle.record_success(mfa_name, ip)
    now = timezone.now()
    session[REAUTH_SESSION_KEY] = now.isoformat()
    factors = ["password", "totp"] if factor == "totp" else ["password"]
    log(
        "account.reauthenticated",
        actor=user,
        subject=user,
        school_id=school_id,
        data={"new": {"factors": factors}},
    )
    return Reauthentication(True)
