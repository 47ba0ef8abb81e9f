"""Response headers every page carries (security.md G2): a strict Content-Security-Policy (no
inline script or style anywhere: htmx and our JavaScript are static files; not on PDFs, below),
Permissions-Policy, Cross-Origin-Resource-Policy, and `Cache-Control: no-store` on every page a
logged-in user gets and on every other page that did not explicitly ask to be cached publicly.
HSTS, nosniff, Referrer-Policy and X-Frame-Options come from Django's SecurityMiddleware and
XFrameOptionsMiddleware (settings.py)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

CSP_DIRECTIVES = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
        "interest-cohort",
    )
)
NO_STORE = "no-store"
# A PDF shown in place gets no page CSP: Chromium's viewer does not run under one (object-src
# 'none' leaves it blank). Our PDFs carry no JavaScript (records/, assessment/ build them) and
# uploaded ones are served as attachments.
PDF = "application/pdf"


def content_security_policy() -> str:
    directives = list(CSP_DIRECTIVES)
    report_uri = getattr(settings, "CSP_REPORT_URI", "")
    if report_uri:
        directives.append(f"report-uri {report_uri}")
    return "; ".join(directives)


def _publicly_cacheable(request: HttpRequest, response: HttpResponse) -> bool:
    """Only an anonymous response whose view said `public` may be cached."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    return "public" in response.get("Cache-Control", "")


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.csp = content_security_policy()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.get("Content-Type", "").startswith(PDF):
            response.setdefault("Content-Security-Policy", self.csp)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        cache_control = response.get("Cache-Control", "")
        if NO_STORE not in cache_control and not _publicly_cacheable(request, response):
            response["Cache-Control"] = NO_STORE
        return response
