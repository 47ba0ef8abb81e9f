"""The API's own writes: issuing and revoking tokens (audited, in one transaction each)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from hocbaso.api import tokens
from hocbaso.api.errors import ApiRefusal
from hocbaso.api.models import ApiToken
from hocbaso.audit.log import log
from hocbaso.people.scope import scope_for

MAX_USABLE_TOKENS = 20


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once, never stored


@transaction.atomic
def issue_token(*, name: str, lifetime_days: int, acting_user: Any) -> IssuedToken:
    """A new token for ``acting_user`` (who has just logged in: password and, when their
    account has or needs one, second factor — api/token_login.py), valid ``lifetime_days``
    (1–90) — for a staff member at most as long as a staff session (SESSION_COOKIE_AGE, 12 h).
    Refused when they already hold MAX_USABLE_TOKENS usable tokens."""
    # Lock the holder's row: two concurrent requests cannot both pass the count below.
    type(acting_user).objects.select_for_update().filter(pk=acting_user.pk).first()
    if ApiToken.objects.usable().filter(user=acting_user).count() >= MAX_USABLE_TOKENS:
        raise ApiRefusal(
            409,
            "too_many_tokens",
            _("Tài khoản đã có %(n)d mã truy cập đang dùng; hãy thu hồi bớt mã cũ.")
            % {"n": MAX_USABLE_TOKENS},
        )
    lifetime = dt.timedelta(days=max(1, min(lifetime_days, tokens.MAX_LIFETIME_DAYS)))
    if scope_for(acting_user).is_staff_member:
        # Staff tokens end with the staff session's absolute limit (security.md F4, 12 h).
        lifetime = min(lifetime, dt.timedelta(seconds=settings.SESSION_COOKIE_AGE))
    secret = tokens.new_secret()
    now = timezone.now()
    token = ApiToken.objects.create(
        user=acting_user,
        name=name.strip()[:100],
        prefix=tokens.visible_prefix(secret),
        digest=tokens.digest_of(secret),
        created_at=now,
        expires_at=now + lifetime,
        password_stamp=acting_user.get_session_auth_hash(),
    )
    log(
        "api.token_issued",
        actor=acting_user,
        subject=token,
        data={
            "new": {
                "name": token.name,
                "prefix": token.prefix,
                "expires_at": token.expires_at.isoformat(),
            }
        },
    )
    return IssuedToken(token=token, secret=secret)


@transaction.atomic
def revoke_token(token_id: int, *, acting_user: Any) -> ApiToken:
    """Revoke one of ``acting_user``'s own tokens (404 for anyone else's, like a missing one).
    Revoking a revoked token changes nothing and writes no event."""
    token = ApiToken.objects.select_for_update().filter(pk=token_id, user_id=acting_user.pk).first()
    if token is None:
        raise Http404
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    log(
        "api.token_revoked",
        actor=acting_user,
        subject=token,
        data={"old": {"revoked_at": None}, "new": {"revoked_at": token.revoked_at.isoformat()}},
    )
    return token
