"""A parent's self-registration (issue 6), proved by a one-time code sent to the phone.

The answer never tells whether a phone number already has an account (ASVS 6.3.x, account
enumeration): `start_registration` checks the form, then does the same work either way — the
password hashed, a `RegistrationChallenge` written, one SMS queued, one audit event — and the
page says "if this number can be registered, a code has been sent". For a new number the SMS
carries the code; for a number that has an account it is a notice (sign in, or ignore this) and no
code exists anywhere, so the confirmation step can only fail, with the same message as a wrong
code. Limits: 5 tries per code, 3 codes per phone and 60 per address an hour (an anonymous form
that sends SMS), counted the same way whether or not the phone has an account."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from hocbaso.audit import context
from hocbaso.audit.log import log
from hocbaso.people import guardian_links as rules
from hocbaso.people.actions.phone_links import Sender
from hocbaso.people.errors import ActionError
from hocbaso.people.models import RegistrationChallenge, User

CODE_TTL = dt.timedelta(minutes=10)
MAX_ATTEMPTS = 5
SENDS_PER_PHONE_PER_HOUR = 3
# an address is often shared: a school's Wi-Fi during a parents' meeting, a carrier's NAT
SENDS_PER_IP_PER_HOUR = 60
KEEP = dt.timedelta(days=1)
MSG_SENT = (
    "Nếu số điện thoại này có thể đăng kí, một mã xác minh gồm 6 chữ số vừa được gửi bằng tin "
    "nhắn SMS (hiệu lực 10 phút). Nếu số này đã có tài khoản, tin nhắn sẽ hướng dẫn bạn đăng nhập."
)
MSG_BAD_CODE = "Mã xác minh không đúng hoặc đã hết hạn."
MSG_TOO_MANY = "Đã gửi quá nhiều mã trong một giờ qua; hãy thử lại sau."


def _check_form(phone: str, full_name: str, password: str) -> tuple[str, str]:
    """The form's own errors, which never depend on whether the phone has an account."""
    errors: dict[str, list[str]] = {}
    number = rules.normalise_phone(phone)
    name = " ".join((full_name or "").split())
    if number is None:
        errors["phone"] = [_("Số điện thoại di động không hợp lệ (10 chữ số, bắt đầu bằng 0).")]
    if not name:
        errors["full_name"] = [_("Hãy nhập họ và tên.")]
    elif len(name) > 200:
        errors["full_name"] = [_("Họ và tên dài quá 200 kí tự.")]
    candidate = User(username=number or "", full_name=name, phone=number or "")
    try:
        validate_password(password, candidate)
    except ValidationError as exc:
        errors["password"] = [str(m) for m in exc.messages]
    if errors:
        raise ActionError([m for ms in errors.values() for m in ms], errors)
    assert number is not None
    return number, name


def _refuse_if_too_many(phone: str, ip: str | None, now: dt.datetime) -> None:
    since = now - rules.FAILURE_WINDOW
    recent = RegistrationChallenge.objects.filter(created_at__gte=since)
    by_phone = recent.filter(phone=phone).count()
    by_ip = recent.filter(ip=ip).count() if ip else 0
    if by_phone >= SENDS_PER_PHONE_PER_HOUR or by_ip >= SENDS_PER_IP_PER_HOUR:
        raise ActionError(_(MSG_TOO_MANY))


def _challenge(
    phone: str, name: str, password_hash: str, *, send: Sender, acting_user: Any
) -> RegistrationChallenge:
    """Write the challenge and queue its SMS: the code for a new number, a notice for a number
    that has an account (the same writes either way)."""
    now = timezone.now()
    ip = context.current().ip
    _refuse_if_too_many(phone, ip, now)
    RegistrationChallenge.objects.filter(created_at__lt=now - KEEP).delete()
    code = f"{secrets.randbelow(10**6):06d}"
    challenge = RegistrationChallenge.objects.create(
        phone=phone,
        full_name=name,
        password_hash=password_hash,
        code_hash=rules.registration_code_hash(phone, code),
        ip=ip,
        created_at=now,
        expires_at=now + CODE_TTL,
    )
    if User.objects.filter(username=phone).exists():
        send(
            phone,
            _(
                "Học bạ số: số điện thoại này đã có tài khoản, hãy đăng nhập bằng mật khẩu của "
                "mình. Nếu bạn không đăng kí, hãy bỏ qua tin nhắn này."
            ),
        )
    else:
        send(
            phone,
            _("Mã đăng kí Học bạ số: %(code)s (hiệu lực 10 phút). Không đưa mã này cho ai.")
            % {"code": code},
        )
    log(
        "guardian.registration_code_sent",
        actor=acting_user,
        subject=challenge,
        data={"new": {"phone": f"…{phone[-3:]}"}},
    )
    return challenge


@transaction.atomic
def start_registration(
    *, phone: str, full_name: str, password: str, send: Sender, acting_user: Any = None
) -> RegistrationChallenge:
    """Check the form (Vietnamese errors that change nothing), then send the code, or the
    notice when the number has an account; the caller answers the same either way."""
    number, name = _check_form(phone, full_name, password)
    return _challenge(number, name, make_password(password), send=send, acting_user=acting_user)


@transaction.atomic
def resend_registration_code(
    challenge_id: int, *, send: Sender, acting_user: Any = None
) -> RegistrationChallenge:
    """A new code for the same registration (the phone, name and password already given)."""
    previous = RegistrationChallenge.objects.filter(
        pk=challenge_id, completed_at__isnull=True
    ).first()
    if previous is None:
        raise ActionError(_("Phiên đăng kí đã hết hạn; hãy đăng kí lại."))
    return _challenge(
        previous.phone,
        previous.full_name,
        previous.password_hash,
        send=send,
        acting_user=acting_user,
    )


class _BadCode(Exception):
    def __init__(self, challenge_id: int | None = None) -> None:
        self.challenge_id = challenge_id


@transaction.atomic
def _confirm(challenge_id: int, code: str) -> User:
    now = timezone.now()
    challenge = (
        RegistrationChallenge.objects.select_for_update()
        .filter(pk=challenge_id, completed_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if challenge is None or challenge.attempts >= MAX_ATTEMPTS:
        raise _BadCode
    expected = rules.registration_code_hash(challenge.phone, code)
    if not hmac.compare_digest(challenge.code_hash, expected):
        raise _BadCode(challenge.pk)  # counted after the rollback, in confirm_registration
    if User.objects.filter(username=challenge.phone).exists():
        raise _BadCode(challenge.pk)  # registered meanwhile: the code proves nothing more
    try:
        with transaction.atomic():
            user = User.objects.create(
                username=challenge.phone,
                phone=challenge.phone,
                full_name=challenge.full_name,
                password=challenge.password_hash,
            )
    except IntegrityError:  # the same number confirmed at the same moment
        raise _BadCode(challenge.pk) from None
    challenge.completed_at = now
    challenge.user = user
    challenge.password_hash = ""
    challenge.save(update_fields=["completed_at", "user", "password_hash"])
    log(
        "guardian.parent_registered",
        actor=user,
        subject=user,
        data={"new": {"username": user.username, "full_name": user.full_name}},
    )
    return user


def confirm_registration(challenge_id: int | None, raw_code: str) -> User:
    """Create the account once the code sent to its phone is typed (5 tries per code)."""
    code = "".join(c for c in (raw_code or "") if c.isdigit())
    try:
        if challenge_id is None or len(code) != 6:
            raise _BadCode(challenge_id)
        return _confirm(challenge_id, code)
    except _BadCode as bad:
        if bad.challenge_id is not None:
            with transaction.atomic():
                RegistrationChallenge.objects.filter(pk=bad.challenge_id).update(
                    attempts=F("attempts") + 1
                )
        raise ActionError(_(MSG_BAD_CODE), {"code": [_(MSG_BAD_CODE)]}) from None
