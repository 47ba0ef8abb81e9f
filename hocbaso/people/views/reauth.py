"""Step-up authentication (security.md F5, ASVS 7.5.3): the logged-in user re-enters their
password, and a current code of their authenticator app when they have one (or must), before a
sensitive step (deciding a correction, unlocking); the time is kept in the session for 5
minutes."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache

from hocbaso.people.actions.accounts import reauthenticate
from hocbaso.people.second_factor import step_up_factor
from hocbaso.people.views.accounts import client_ip


def safe_next(request: HttpRequest, raw: str | None) -> str:
    """`raw` when it is a local URL of this site, else the home page."""
    if raw and url_has_allowed_host_and_scheme(
        raw, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return raw
    return reverse("home")


@login_required
@never_cache
def reauthenticate_view(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    error = ""
    if request.method == "POST":
        # the login's brute-force limits apply inside the action
        outcome = reauthenticate(
            request.user,
            request.POST.get("password", ""),
            code=request.POST.get("code", ""),
            session=request.session,
            ip=client_ip(request),
        )
        if outcome:
            return redirect(next_url)
        error = outcome.error
    factor = step_up_factor(request.user)
    return render(
        request,
        "people/reauthenticate.html",
        {
            "next": next_url,
            "error": error,
            "asks_code": factor == "totp",
            "must_enrol": factor == "enrol",
        },
        status=200,
    )
