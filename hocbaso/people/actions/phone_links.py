"""Linking a parent's account through the phone number the school recorded (issue 6): the
parent proves the phone with a one-time code sent by SMS, then the account is linked to every
pupil whose recorded parent phone it is. Codes are stored as keyed hashes; 5 tries per code,
3 codes an hour, and failed tries count towards the same lock as invitation codes."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from hocbaso.audit.log import log
from hocbaso.people import guardian_links as rules
from hocbaso.people.actions.guardian_links import link_row, record_attempt, refuse_if_locked
from hocbaso.people.errors import ActionError
from hocbaso.people.models import Guardian, LinkAttempt, PhoneChallenge

Sender = Callable[[str, str], None]
"""``send(phone, text)``: given by the caller (the portal passes the notifications outbox, which
people may not import); called inside the action's transaction, so nothing is sent if it rolls
back."""

OTP_TTL = dt.timedelta(minutes=10)
OTP_MAX_ATTEMPTS = 5
OTP_SENDS_PER_HOUR = 3
MSG_SENT = (
    "Nếu số điện thoại này đã được nhà trường ghi trong hồ sơ học sinh, một mã xác minh gồm "
    "6 chữ số vừa được gửi bằng tin nhắn SMS (hiệu lực 10 phút)."
)
MSG_BAD_OTP = "Mã xác minh không đúng hoặc đã hết hạn."


def _recorded_guardians(phone: str, *, lock: bool = False) -> list[Guardian]:
    """Guardians whose recorded phone is ``phone`` and who have no account yet."""
    rows = Guardian.objects.filter(phone__endswith=phone[-3:]).filter(
        models.Q(user__isnull=True) | models.Q(unlinked_at__isnull=False)
    )
    if lock:
        rows = rows.select_for_update()
    return [
        g
        for g in rows.select_related("student__school").order_by("pk")
        if rules.normalise_phone(g.phone) == phone
    ]


def _account_phone(user: Any) -> str:
    phone = rules.normalise_phone(user.phone or "") or rules.normalise_phone(user.username)
    if phone is None:
        raise ActionError(_("Tài khoản chưa có số điện thoại di động hợp lệ."))
    return phone


@transaction.atomic
def start_phone_link(*, acting_user: Any, send: Sender) -> PhoneChallenge:
    """Send a one-time code to the account's phone, if the school recorded that phone for a
    pupil's parent (the answer does not tell whether it did)."""
    if not getattr(acting_user, "is_authenticated", False):
        raise PermissionDenied
    refuse_if_locked(acting_user)
    phone = _account_phone(acting_user)
    now = timezone.now()
    recent = PhoneChallenge.objects.filter(
        user=acting_user, created_at__gte=now - rules.FAILURE_WINDOW
    ).count()
    if recent >= OTP_SENDS_PER_HOUR:
        raise ActionError(
            _("Đã gửi %(n)d mã trong một giờ qua; hãy thử lại sau.") % {"n": OTP_SENDS_PER_HOUR}
        )
    code = f"{secrets.randbelow(10**6):06d}"
    challenge = PhoneChallenge.objects.create(
        user=acting_user,
        phone=phone,
        code_hash=rules.otp_hash(acting_user.pk, code),
        created_at=now,
        expires_at=now + OTP_TTL,
    )
    matched = bool(_recorded_guardians(phone))
    if matched:
        send(
            phone,
            _("Mã xác minh Học bạ số: %(code)s (hiệu lực 10 phút). Không đưa mã này cho ai.")
            % {"code": code},
        )
    log(
        "guardian.phone_challenge_sent",
        actor=acting_user,
        subject=acting_user,
        data={"new": {"phone": f"…{phone[-3:]}", "sent": matched}},
    )
    return challenge


class _BadOtp(Exception):
    def __init__(self, challenge_id: int | None = None) -> None:
        self.challenge_id = challenge_id


@transaction.atomic
def _confirm(code: str, user: Any) -> list[Guardian]:
    now = timezone.now()
    challenge = (
        PhoneChallenge.objects.select_for_update()
        .filter(user=user, confirmed_at__isnull=True, expires_at__gt=now)
        .order_by("-created_at")
        .first()
    )
    if challenge is None or challenge.attempts >= OTP_MAX_ATTEMPTS:
        raise _BadOtp
    if not hmac.compare_digest(challenge.code_hash, rules.otp_hash(user.pk, code)):
        raise _BadOtp(challenge.pk)  # counted after the rollback, in confirm_phone_link
    challenge.confirmed_at = now
    challenge.save(update_fields=["confirmed_at"])
    guardians = [
        g
        for g in _recorded_guardians(challenge.phone, lock=True)
        if not Guardian.objects.filter(
            student_id=g.student_id, user=user, unlinked_at__isnull=True
        ).exists()
    ]
    if not guardians:
        raise ActionError(
            _(
                "Không có học sinh nào chưa liên kết mà nhà trường ghi số điện thoại này. "
                "Hãy dùng mã mời trong thư của nhà trường."
            )
        )
    linked = [link_row(g, user, "phone", now) for g in guardians]
    record_attempt(user, succeeded=True, method=LinkAttempt.Method.PHONE)
    return linked


def confirm_phone_link(raw_code: str, *, acting_user: Any) -> list[Guardian]:
    """Check the one-time code (5 tries per code) and link the account to every pupil whose
    recorded parent phone is the account's. A wrong code counts as a failed attempt."""
    if not getattr(acting_user, "is_authenticated", False):
        raise PermissionDenied
    refuse_if_locked(acting_user)
    code = "".join(c for c in (raw_code or "") if c.isdigit())
    try:
        if len(code) != 6:
            raise _BadOtp
        return _confirm(code, acting_user)
    except _BadOtp as bad:
        with transaction.atomic():
            if bad.challenge_id is not None:
                PhoneChallenge.objects.filter(pk=bad.challenge_id).update(
                    attempts=F("attempts") + 1
                )
            record_attempt(acting_user, succeeded=False, method=LinkAttempt.Method.PHONE)
        raise ActionError(_(MSG_BAD_OTP), {"otp": [_(MSG_BAD_OTP)]}) from None
