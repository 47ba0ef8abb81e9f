"""Bearer tokens of /api/v1: their format, how a presented token is recognised, and which
second-factor step a token request must pass (issue 7).

A token is ``hbs_`` followed by 43 URL-safe characters (32 random bytes). Only the SHA-256 of the
whole string is stored, so a database leak yields no usable token; the secret has 256 bits, so an
unkeyed hash cannot be reversed by trying values (unlike the personal ID, people.models).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from ninja.security import HttpBearer

from hocbaso.api.models import ApiToken
from hocbaso.people.second_factor import Step, next_step

TOKEN_PREFIX = "hbs_"  # noqa: S105 -- a public marker, not a secret
VISIBLE_CHARS = 12  # "hbs_" and 8 characters of the secret
LIFETIME = dt.timedelta(days=90)
MAX_LIFETIME_DAYS = 90
# A token's last use is stamped at most this often: one small UPDATE instead of one per request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=5)


def new_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def visible_prefix(secret: str) -> str:
    return secret[:VISIBLE_CHARS]


def second_factor_step(user: Any) -> Step | None:
    """What ``user`` must do about a second factor before a token is issued: prove the one they
    have (``"verify"``), enrol one on the web first (``"enrol"``), or nothing (None).

    Exactly the web login's rule (people.second_factor.next_step, with the DEMO waiver): a token
    request is a fresh login whose session holds no earlier proof, so it is asked of an empty
    one."""
    return next_step(user, {})


def token_for_secret(secret: str) -> ApiToken | None:
    """The usable token ``secret`` of an active user whose password has not changed since it
    was issued, or None. One query (token and user together), plus an occasional UPDATE of the
    token's last use."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    token = (
        ApiToken.objects.usable()
        .select_related("user")
        .filter(digest=digest_of(secret), user__is_active=True)
        .first()
    )
    if token is None or not constant_time_compare(
        token.password_stamp, token.user.get_session_auth_hash()
    ):
        return None  # unknown, or issued before the user's password last changed
    _stamp_last_use(token)
    return token


def _stamp_last_use(token: ApiToken) -> None:
    """Bookkeeping, not an audited change: the time a token was last presented, at most every
    LAST_USED_RESOLUTION, so a list of tokens can show which ones are still in use."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now


class BearerToken(HttpBearer):
    """``Authorization: Bearer hbs_…``: ``request.auth`` is the ApiToken, and its holder is put on
    ``request.user`` so that everything reading the user (access checks, actions) sees them."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = token_for_secret(token.strip())
        if found is None:
            return None
        request.user = found.user
        return found
