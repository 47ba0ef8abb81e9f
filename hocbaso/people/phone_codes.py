"""One-time codes sent by SMS to prove a phone number on the portal's anonymous forms: a
parent's self-registration (people/actions/registration.py) and a forgotten password's reset
(people/actions/password_reset.py). One mechanism for both.

Each code is a `RegistrationChallenge` row whose `purpose` says which form it answers; only a
keyed hash of the code is stored. A code lasts 10 minutes and allows 5 tries, and is used once.
At most 3 codes per phone and 60 per address an hour, counted over both forms (what one phone
may receive from anonymous forms) and whether or not the number has an account, so neither the
answer nor the limit tells. The callers write the row the same way either way; only the SMS
differs, and the confirmation step fails with one message for every reason."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from collections.abc import Callable
from typing import TypeVar

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from hocbaso.audit import context
from hocbaso.people import guardian_links as rules
from hocbaso.people.errors import ActionError
from hocbaso.people.models import RegistrationChallenge, User

Purpose = RegistrationChallenge.Purpose
T = TypeVar("T")

CODE_TTL = dt.timedelta(minutes=10)
CODE_LENGTH = 6
MAX_ATTEMPTS = 5
SENDS_PER_PHONE_PER_HOUR = 3
# an address is often shared: a school's Wi-Fi during a parents' meeting, a carrier's NAT
SENDS_PER_IP_PER_HOUR = 60
KEEP = dt.timedelta(days=1)
# translated where raised (gettext_noop marks them for makemessages)
MSG_BAD_CODE = gettext_noop("Mã xác minh không đúng hoặc đã hết hạn.")
MSG_TOO_MANY = gettext_noop("Đã gửi quá nhiều mã trong một giờ qua; hãy thử lại sau.")


class BadCode(Exception):
    """The code does not open the challenge; with its id, the try is counted on it."""

    def __init__(self, challenge_id: int | None = None) -> None:
        self.challenge_id = challenge_id


def refuse_if_too_many(phone: str, ip: str | None, now: dt.datetime) -> None:
    since = now - rules.FAILURE_WINDOW
    recent = RegistrationChallenge.objects.filter(created_at__gte=since)
    by_phone = recent.filter(phone=phone).count()
    by_ip = recent.filter(ip=ip).count() if ip else 0
    if by_phone >= SENDS_PER_PHONE_PER_HOUR or by_ip >= SENDS_PER_IP_PER_HOUR:
        raise ActionError(_(MSG_TOO_MANY))


def new_challenge(
    phone: str, *, purpose: str, full_name: str = "", password_hash: str = ""
) -> tuple[RegistrationChallenge, str]:
    """Within the caller's transaction: refuse past the limits, forget day-old rows, write a
    challenge for a fresh code; returns it with the code (which the caller sends or drops)."""
    now = timezone.now()
    ip = context.current().ip
    refuse_if_too_many(phone, ip, now)
    RegistrationChallenge.objects.filter(created_at__lt=now - KEEP).delete()
    code = f"{secrets.randbelow(10**CODE_LENGTH):0{CODE_LENGTH}d}"
    challenge = RegistrationChallenge.objects.create(
        purpose=purpose,
        phone=phone,
        full_name=full_name,
        password_hash=password_hash,
        code_hash=rules.registration_code_hash(phone, code),
        ip=ip,
        created_at=now,
        expires_at=now + CODE_TTL,
    )
    return challenge, code


def open_challenge(challenge_id: int, *, purpose: str) -> RegistrationChallenge | None:
    """A challenge still waiting for its code (not used, not expired), or None."""
    return RegistrationChallenge.objects.filter(
        pk=challenge_id, purpose=purpose, completed_at__isnull=True
    ).first()


def complete(challenge: RegistrationChallenge, user: User) -> None:
    """Use the code up: it opens nothing again, and no password hash stays behind."""
    challenge.completed_at = timezone.now()
    challenge.user = user
    challenge.password_hash = ""
    challenge.save(update_fields=["completed_at", "user", "password_hash"])


@transaction.atomic
def _confirm(
    challenge_id: int, code: str, purpose: str, then: Callable[[RegistrationChallenge], T]
) -> T:
    challenge = (
        RegistrationChallenge.objects.select_for_update()
        .filter(
            pk=challenge_id,
            purpose=purpose,
            completed_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .first()
    )
    if challenge is None or challenge.attempts >= MAX_ATTEMPTS:
        raise BadCode
    expected = rules.registration_code_hash(challenge.phone, code)
    if not hmac.compare_digest(challenge.code_hash, expected):
        raise BadCode(challenge.pk)  # counted after the rollback, below
    return then(challenge)


def confirm(
    challenge_id: int | None,
    raw_code: str,
    *,
    purpose: str,
    then: Callable[[RegistrationChallenge], T],
) -> T:
    """Run ``then`` on the challenge, locked in one transaction, once ``raw_code`` is its code.
    A wrong, expired, used or over-tried code (or ``then`` raising `BadCode`) changes nothing
    but the count of tries, and raises the one Vietnamese error."""
    code = "".join(c for c in (raw_code or "") if c.isdigit())
    try:
        if challenge_id is None or len(code) != CODE_LENGTH:
            raise BadCode(challenge_id)
        return _confirm(challenge_id, code, purpose, then)
    except BadCode as bad:
        if bad.challenge_id is not None:
            with transaction.atomic():
                RegistrationChallenge.objects.filter(pk=bad.challenge_id).update(
                    attempts=F("attempts") + 1
                )
        raise ActionError(_(MSG_BAD_CODE), {"code": [_(MSG_BAD_CODE)]}) from None
