"""A parent who forgot the password sets a new one with a code sent by SMS to the account's phone.

Only accounts that open nothing but the parents' portal (`session_limits.portal_only`), signing in
with their mobile number, can be reset this way; a staff member's password is reset by the
school's administrator. The answer never tells which kind a number is, nor whether it has an
account (ASVS 6.3.x, account enumeration): `start_password_reset` writes the same challenge and
the same audit event for every well-formed number, and the page says "if the number has an
account, a code has been sent". Only a parent's account gets the SMS; for any other number no
code exists anywhere, so the next step can only fail, with the message of a wrong code.

The code, its expiry, its tries and the limits per phone and per address are registration's
(people/phone_codes.py; the hourly limits count both forms together). The new password passes
Django's validators; setting it changes the account's session hash, so every session the account
had ends at its next request (django.contrib.auth.get_user, as after any password change)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from hocbaso.audit.log import log
from hocbaso.people import guardian_links as rules
from hocbaso.people import phone_codes
from hocbaso.people.actions.phone_links import Sender
from hocbaso.people.errors import ActionError
from hocbaso.people.models import RegistrationChallenge, User
from hocbaso.people.phone_codes import BadCode
from hocbaso.people.session_limits import portal_only

PASSWORD_RESET = RegistrationChallenge.Purpose.PASSWORD_RESET
# translated where shown (gettext_noop marks it for makemessages)
MSG_SENT = gettext_noop("Nếu số điện thoại có tài khoản, mã xác nhận đã được gửi qua SMS.")


def _resettable(phone: str, *, lock: bool = False) -> User | None:
    """The active parents' account that signs in with this number, or None (no account, a
    disabled one, or one that opens a staff page)."""
    users = User.objects.filter(username=phone, is_active=True)
    if lock:
        users = users.select_for_update()
    user = users.first()
    return user if user is not None and portal_only(user) else None


def _challenge(phone: str, *, send: Sender, acting_user: Any) -> RegistrationChallenge:
    """The same writes for every number; the SMS only to a parent's account."""
    challenge, code = phone_codes.new_challenge(phone, purpose=PASSWORD_RESET)
    if _resettable(phone) is not None:
        send(
            phone,
            _(
                "Mã đặt lại mật khẩu Học bạ số: %(code)s (hiệu lực 10 phút). Không đưa mã này "
                "cho ai. Nếu bạn không yêu cầu, hãy bỏ qua tin nhắn này."
            )
            % {"code": code},
        )
    log(
        "account.password_reset_requested",
        actor=acting_user,
        subject=challenge,
        data={"new": {"phone": f"…{phone[-3:]}"}},
    )
    return challenge


@transaction.atomic
def start_password_reset(
    *, phone: str, send: Sender, acting_user: Any = None
) -> RegistrationChallenge:
    """Check the number's form (a Vietnamese error that changes nothing), then write the
    challenge and send its code if the number is a parent's account; the caller answers the
    same either way."""
    number = rules.normalise_phone(phone)
    if number is None:
        message = _("Số điện thoại di động không hợp lệ (10 chữ số, bắt đầu bằng 0).")
        raise ActionError(message, {"phone": [message]})
    return _challenge(number, send=send, acting_user=acting_user)


@transaction.atomic
def resend_password_reset_code(
    challenge_id: int, *, send: Sender, acting_user: Any = None
) -> RegistrationChallenge:
    """A new code for the same number (within the same limits)."""
    previous = phone_codes.open_challenge(challenge_id, purpose=PASSWORD_RESET)
    if previous is None:
        raise ActionError(_("Phiên đặt lại mật khẩu đã hết hạn; hãy bắt đầu lại."))
    return _challenge(previous.phone, send=send, acting_user=acting_user)


def _password_errors(password: str, user: User) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return [str(m) for m in exc.messages]
    return []


def _check_passwords(password1: str, password2: str) -> None:
    """The new password's own errors, checked before the code (so they cost no try and tell
    nothing about the account)."""
    errors: dict[str, list[str]] = {}
    if not password1:
        errors["password1"] = [_("Hãy nhập mật khẩu mới.")]
    elif password1 != password2:
        errors["password2"] = [_("Hai lần nhập mật khẩu mới không khớp nhau.")]
    else:
        weak = _password_errors(password1, User())
        if weak:
            errors["password1"] = weak
    if errors:
        raise ActionError([m for ms in errors.values() for m in ms], errors)


def _set_password(password: str) -> Callable[[RegistrationChallenge], User]:
    def then(challenge: RegistrationChallenge) -> User:
        user = _resettable(challenge.phone, lock=True)
        if user is None:  # no parent's account (no code was sent), or no longer one
            raise BadCode(challenge.pk)
        weak = _password_errors(password, user)  # now also: not like the account's name
        if weak:
            raise ActionError(weak, {"password1": weak})
        user.set_password(password)
        user.save(update_fields=["password"])
        phone_codes.complete(challenge, user)
        log(
            "account.password_reset_by_sms",
            actor=user,
            subject=user,
            data={"new": {"method": "sms", "phone": f"…{challenge.phone[-3:]}"}},
        )
        return user

    return then


def reset_password_with_code(
    challenge_id: int | None, raw_code: str, *, password1: str, password2: str
) -> User:
    """Set the new password once the code sent to the account's phone is typed (single use,
    10 minutes, 5 tries; people/phone_codes.py), in one transaction with its audit event.
    Every other session of the account ends (its session hash changes)."""
    _check_passwords(password1, password2)
    return phone_codes.confirm(
        challenge_id, raw_code, purpose=PASSWORD_RESET, then=_set_password(password1)
    )
