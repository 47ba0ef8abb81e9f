"""A parent's self-registration (issue 6), proved by a one-time code sent to the phone.

The answer never tells whether a phone number already has an account (ASVS 6.3.x, account
enumeration): `start_registration` checks the form, then does the same work either way — the
password hashed, a `RegistrationChallenge` written, one SMS queued, one audit event — and the
page says "if this number can be registered, a code has been sent". For a new number the SMS
carries the code; for a number that has an account it is a notice (sign in, or ignore this) and no
code exists anywhere, so the confirmation step can only fail, with the same message as a wrong
code. The code, its limits (5 tries per code, 3 codes per phone and 60 per address an hour, counted
the same way whether or not the phone has an account) and its check are people/phone_codes.py,
shared with the forgotten password's reset."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from hocbaso.audit.log import log
from hocbaso.people import guardian_links as rules
from hocbaso.people import phone_codes
from hocbaso.people.actions.phone_links import Sender
from hocbaso.people.errors import ActionError
from hocbaso.people.models import RegistrationChallenge, User
from hocbaso.people.phone_codes import BadCode

REGISTRATION = RegistrationChallenge.Purpose.REGISTRATION
MSG_SENT = (
    "Nếu số điện thoại này có thể đăng kí, một mã xác minh gồm 6 chữ số vừa được gửi bằng tin "
    "nhắn SMS (hiệu lực 10 phút). Nếu số này đã có tài khoản, tin nhắn sẽ hướng dẫn bạn đăng nhập."
)


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


def _challenge(
    phone: str, name: str, password_hash: str, *, send: Sender, acting_user: Any
) -> RegistrationChallenge:
    """Write the challenge and queue its SMS: the code for a new number, a notice for a number
    that has an account (the same writes either way)."""
    challenge, code = phone_codes.new_challenge(
        phone, purpose=REGISTRATION, full_name=name, password_hash=password_hash
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
    previous = phone_codes.open_challenge(challenge_id, purpose=REGISTRATION)
    if previous is None:
        raise ActionError(_("Phiên đăng kí đã hết hạn; hãy đăng kí lại."))
    return _challenge(
        previous.phone,
        previous.full_name,
        previous.password_hash,
        send=send,
        acting_user=acting_user,
    )


def _create_account(challenge: RegistrationChallenge) -> User:
    """The code matched (phone_codes.confirm, in its transaction): the account, unless the
    number was registered meanwhile (then the code proves nothing more)."""
    if User.objects.filter(username=challenge.phone).exists():
        raise BadCode(challenge.pk)
    try:
        with transaction.atomic():
            user = User.objects.create(
                username=challenge.phone,
                phone=challenge.phone,
                full_name=challenge.full_name,
                password=challenge.password_hash,
            )
    except IntegrityError:  # the same number confirmed at the same moment
        raise BadCode(challenge.pk) from None
    phone_codes.complete(challenge, user)
    log(
        "guardian.parent_registered",
        actor=user,
        subject=user,
        data={"new": {"username": user.username, "full_name": user.full_name}},
    )
    return user


def confirm_registration(challenge_id: int | None, raw_code: str) -> User:
    """Create the account once the code sent to its phone is typed (5 tries per code)."""
    return phone_codes.confirm(challenge_id, raw_code, purpose=REGISTRATION, then=_create_account)
