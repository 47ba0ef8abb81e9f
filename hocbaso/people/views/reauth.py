"""Step-up authentication (security.md F5): the logged-in user re-enters their password before a
sensitive step (approving a correction); the time is kept in the session for 5 minutes."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from hocbaso.people import login_throttle
from hocbaso.people.actions.accounts import reauthenticate


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
        # the login's brute-force limits apply: a stolen session must not guess the password
        name, ip = request.user.get_username(), str(request.META.get("REMOTE_ADDR") or "")
        if not login_throttle.check_allowed(name, ip).allowed:
            error = _("Mật khẩu không đúng. Nếu đã nhập sai nhiều lần, hãy chờ vài phút.")
        elif reauthenticate(
            request.user, request.POST.get("password", ""), session=request.session
        ):
            login_throttle.record_success(name, ip)
            return redirect(next_url)
        else:
            login_throttle.record_failure(name, ip)
            error = _("Mật khẩu không đúng.")
    return render(
        request,
        "people/reauthenticate.html",
        {"next": next_url, "error": error},
        status=200,
    )
