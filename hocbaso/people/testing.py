"""Test support for the login's second step (used by the root conftest and browser tests)."""

from __future__ import annotations

import time
from typing import Any

from django.http import HttpRequest

from hocbaso.people.auth_models import TotpDevice
from hocbaso.people.second_factor import mark_done
from hocbaso.people.totp import hotp, new_secret, time_step, totp
from hocbaso.people.totp_seal import open_secret


def force_login_proves_second_factor(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """`user_logged_in` receiver for tests: `Client.force_login()` and `Client.login()` log in
    through a bare HttpRequest (a view's request is a WSGIRequest) and stand for a complete
    login, so they also mark the second factor as proved. Tests of the login's steps post the
    real forms and are not affected."""
    if type(request) is HttpRequest:
        mark_done(request.session)


def next_code(user: Any) -> str:
    """A TOTP code of the user's device that has not been used yet (the next step when the
    current one was used: it is still inside the ±1 window)."""
    device = TotpDevice.objects.get(user=user)
    secret = open_secret(device.sealed_secret)
    assert secret is not None
    step = time_step(time.time())
    if device.last_used_step is not None and device.last_used_step >= step:
        step = device.last_used_step + 1
    return hotp(secret, step)


def enrol_second_factor(user: Any) -> bytes:
    """Enrol an authenticator for `user` through the action (as the enrolment page does); the
    test then types `next_code(user)`. Returns the secret."""
    from hocbaso.people.actions.second_factor import enrol_totp  # noqa: PLC0415

    secret = new_secret()
    # confirmed with the previous step's code, so that the next two steps are still unused
    assert enrol_totp(secret, totp(secret, time.time() - 30), acting_user=user) is not None
    return secret
