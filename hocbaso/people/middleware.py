from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

_LAST_SEEN = "hocbaso_last_seen"
_STARTED = "hocbaso_session_started"


class StaffIdleTimeoutMiddleware:
    """Log out a staff member idle for STAFF_IDLE_TIMEOUT_SECONDS (30 min by default), and any
    session SESSION_COOKIE_AGE (12 h) after it started, however active (security.md F4): each
    request writes `_LAST_SEEN`, and every write pushes the session's own expiry forward."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(_LAST_SEEN)
            started = request.session.setdefault(_STARTED, now)
            idle = now - last_seen if isinstance(last_seen, int) else 0
            age = now - started if isinstance(started, int) else 0
            if idle > settings.STAFF_IDLE_TIMEOUT_SECONDS or age >= settings.SESSION_COOKIE_AGE:
                logout(request)
            else:
                request.session[_LAST_SEEN] = now
        return self.get_response(request)
