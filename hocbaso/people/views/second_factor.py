"""The second step of the login (security.md F5): prove the authenticator app's code, or enrol
one (QR code and the secret, shown while the enrolment is pending, then never again), and
receive the single-use recovery codes once."""

from __future__ import annotations

import base64
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from hocbaso.people import login_throttle
from hocbaso.people.actions.second_factor import enrol_totp, verify_second_factor
from hocbaso.people.second_factor import has_second_factor, is_done, mark_done, throttle_name
from hocbaso.people.totp import new_secret, provisioning_uri, to_base32
from hocbaso.people.totp_seal import open_secret, seal_secret
from hocbaso.people.views.accounts import client_ip
from hocbaso.people.views.reauth import safe_next

PENDING_SECRET = "hocbaso_totp_pending"  # noqa: S105 - a session key name


@login_required
@never_cache
def second_factor_verify(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if not has_second_factor(request.user):
        return redirect(f"{reverse('second_factor_enrol')}?{urlencode({'next': next_url})}")
    error = ""
    if request.method == "POST":
        name, ip = throttle_name(request.user), client_ip(request)
        if not login_throttle.check_allowed(name, ip).allowed:
            error = _("Mã không đúng hoặc đã nhập sai nhiều lần: hãy chờ vài phút rồi thử lại.")
        elif verify_second_factor(request.POST.get("code", ""), acting_user=request.user):
            login_throttle.record_success(name, ip)
            request.session.cycle_key()
            mark_done(request.session)
            return redirect(next_url)
        else:
            login_throttle.record_failure(name, ip)
            error = _("Mã không đúng, đã dùng rồi hoặc đã hết hạn. Hãy nhập mã mới trên ứng dụng.")
    return render(request, "people/second_factor_verify.html", {"next": next_url, "error": error})


def _pending_secret(request: HttpRequest) -> bytes:
    sealed = request.session.get(PENDING_SECRET)
    secret = open_secret(base64.b64decode(sealed)) if isinstance(sealed, str) else None
    if secret is None:
        secret = new_secret()
        request.session[PENDING_SECRET] = base64.b64encode(seal_secret(secret)).decode("ascii")
    return secret


@login_required
@never_cache
def second_factor_enrol(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if has_second_factor(request.user) and not is_done(request.session):
        # replacing the authenticator needs the current one first
        return redirect(f"{reverse('second_factor_verify')}?{urlencode({'next': next_url})}")
    secret = _pending_secret(request)
    error = ""
    if request.method == "POST":
        codes = enrol_totp(secret, request.POST.get("code", ""), acting_user=request.user)
        if codes is not None:
            request.session.pop(PENDING_SECRET, None)
            request.session.cycle_key()
            mark_done(request.session)
            return render(
                request, "people/second_factor_codes.html", {"codes": codes, "next": next_url}
            )
        error = _("Mã không đúng. Hãy kiểm tra giờ trên điện thoại và nhập mã đang hiện.")
    uri = provisioning_uri(
        secret, account=request.user.get_username(), issuer=str(settings.MFA_ISSUER)
    )
    qr_svg = segno.make(uri, error="m").svg_inline(scale=4, title=_("Mã QR đăng kí"))
    return render(
        request,
        "people/second_factor_enrol.html",
        {"qr_svg": qr_svg, "secret": to_base32(secret), "next": next_url, "error": error},
    )
