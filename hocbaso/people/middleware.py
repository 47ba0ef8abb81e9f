from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse

from hocbaso.people.second_factor import is_done, next_step
from hocbaso.people.session_limits import portal_only

_LAST_SEEN = "hocbaso_last_seen"
_STARTED = "hocbaso_session_started"
LAST_SEEN_RESOLUTION_SECONDS = 60


class StaffIdleTimeoutMiddleware:
    """Log out a user idle for STAFF_IDLE_TIMEOUT_SECONDS (30 min by default), and any session
    SESSION_MAX_AGE_SECONDS (12 h) after it started, however active (security.md F4): requests
    write `_LAST_SEEN` (once a minute at most), and every write pushes the session's own expiry
    forward, so the absolute limit is kept here, from `_STARTED` (set at the first request
    after login).

    An account that opens only the parents' portal (`session_limits.portal_only`) has the
    parents' longer limits instead (PARENT_IDLE_TIMEOUT_SECONDS, PARENT_SESSION_MAX_AGE_SECONDS)
    and a session cookie as long as their idle limit. Whether it does is read at the first
    request and again at every request past the staff limits, so a role granted meanwhile ends
    the session as soon as the staff limits would have."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            session = request.session
            last_seen = session.get(_LAST_SEEN)
            first = _STARTED not in session
            started = session.setdefault(_STARTED, now)
            idle = now - last_seen if isinstance(last_seen, int) else 0
            age = now - started if isinstance(started, int) else 0
            within_staff_limits = (
                idle <= settings.STAFF_IDLE_TIMEOUT_SECONDS
                and age < settings.SESSION_MAX_AGE_SECONDS
            )
            if within_staff_limits and not first:
                if not isinstance(last_seen, int) or idle >= LAST_SEEN_RESOLUTION_SECONDS:
                    # Once a minute at most: each write is an UPDATE of the session row, and a
                    # teacher's grid saves every few seconds. Idle is measured to the minute.
                    session[_LAST_SEEN] = now
            elif (
                idle <= settings.PARENT_IDLE_TIMEOUT_SECONDS
                and age < settings.PARENT_SESSION_MAX_AGE_SECONDS
                and portal_only(user)
            ):
                session[_LAST_SEEN] = now
                session.set_expiry(settings.PARENT_IDLE_TIMEOUT_SECONDS)
            elif within_staff_limits:  # first request of a staff session
                session[_LAST_SEEN] = now
            else:
                logout(request)
        return self.get_response(request)


# Pages a logged-in user reaches before proving the second factor.
SECOND_FACTOR_EXEMPT = frozenset(
    {"second_factor_verify", "second_factor_enrol", "logout", "login", "set_language"}
)


class SecondFactorRequiredMiddleware:
    """Until the session has proved its second factor (or enrolled one, for the roles that must
    have one: people/second_factor.py), every page redirects to that step, `next` kept."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not is_done(request.session)
            and not _exempt(request)
        ):
            step = next_step(user, request.session)
            if step is not None:
                target = reverse(
                    "second_factor_verify" if step == "verify" else "second_factor_enrol"
                )
                query = urlencode({"next": request.get_full_path()})
                return HttpResponseRedirect(f"{target}?{query}")
        return self.get_response(request)


def _exempt(request: HttpRequest) -> bool:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return match.url_name in SECOND_FACTOR_EXEMPT
