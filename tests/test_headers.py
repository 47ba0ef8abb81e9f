"""Header crawl (security.md G2): every route of the access matrix, requested over HTTPS by a
persona allowed on it, carries the CSP, HSTS, nosniff, Referrer-Policy, Permissions-Policy,
frame denial and `Cache-Control: no-store`; and no page has inline script or style, which the
CSP would block."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory

from hocbaso.config.security_headers import SecurityHeadersMiddleware, content_security_policy
from hocbaso.people.models import User
from hocbaso.people.tests.world import World
from tests.test_access_matrix import ADMIN_ROUTE, MATRIX, Route

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent / "hocbaso"
ONE_YEAR = 365 * 24 * 3600
EXPECTED = {
    "Strict-Transport-Security": f"max-age={ONE_YEAR}; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
INLINE = re.compile(
    # a JSON data block (json_script) is not run, so the CSP allows it
    r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>|<style\b|\sstyle=\"|\son[a-z]+=\"|javascript:",
    re.IGNORECASE,
)


def _persona(route: Route) -> str:
    return sorted(route.allowed)[0]


def _request(world: World, route: Route) -> HttpResponse:
    client = Client()
    client.force_login(User.objects.get(username=_persona(route)))
    data = route.data(world) if route.data else {}
    url = route.url(world)
    if route.method == "post" and route.json:
        return client.post(url, data, content_type="application/json", secure=True)
    if route.method == "post":
        return client.post(url, data, secure=True)
    return client.get(url, secure=True)


def _problems(response: HttpResponse) -> list[str]:
    problems = [
        f"{name}: {response.get(name)!r}"
        for name, value in EXPECTED.items()
        if response.get(name) != value
    ]
    csp = response.get("Content-Security-Policy")
    is_pdf = response.get("Content-Type", "").startswith("application/pdf")
    if csp != (None if is_pdf else content_security_policy()):
        problems.append(f"CSP: {csp!r}")
    if not response.get("Permissions-Policy", "").startswith("accelerometer=()"):
        problems.append("Permissions-Policy missing")
    if "no-store" not in response.get("Cache-Control", ""):
        problems.append(f"Cache-Control: {response.get('Cache-Control')!r}")
    if response.get("Content-Type", "").startswith("text/html") and not response.streaming:
        found = INLINE.search(response.content.decode(errors="replace"))
        if found:
            problems.append(f"inline code in the page: {found.group(0)!r}")
    return problems


@pytest.mark.parametrize("route_name", sorted(MATRIX))
def test_every_route_carries_the_security_headers(world: World, settings, route_name: str) -> None:
    settings.SECURE_HSTS_SECONDS = ONE_YEAR
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    failures = []
    for route in MATRIX[route_name]:
        response = _request(world, route)
        failures += [f"{route.method} {route.url(world)}: {p}" for p in _problems(response)]
    assert failures == []


def test_the_admin_carries_the_security_headers(world: World, settings) -> None:
    settings.SECURE_HSTS_SECONDS = ONE_YEAR
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    assert _problems(_request(world, ADMIN_ROUTE)) == []


def test_the_policy_is_strict() -> None:
    policy = content_security_policy()
    assert policy == (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    )
    assert "unsafe" not in policy


def test_no_template_has_inline_script_style_or_event_handlers() -> None:
    offenders = []
    for path in sorted(ROOT.rglob("templates/**/*.html")):
        text = re.sub(r"\{#.*?#\}", "", path.read_text(encoding="utf-8"))
        found = INLINE.search(text)
        if found:
            offenders.append(f"{path.relative_to(ROOT)}: {found.group(0)}")
    assert offenders == []


def _through_middleware(user: object, cache_control: str | None) -> HttpResponse:
    def view(request: HttpRequest) -> HttpResponse:
        response = HttpResponse("ok")
        if cache_control is not None:
            response["Cache-Control"] = cache_control
        return response

    request = RequestFactory().get("/")
    request.user = user  # type: ignore[assignment]
    return SecurityHeadersMiddleware(view)(request)


def test_only_an_anonymous_page_that_asks_for_it_may_be_cached(world: World) -> None:
    assert _through_middleware(AnonymousUser(), None)["Cache-Control"] == "no-store"
    public = _through_middleware(AnonymousUser(), "public, max-age=3600")
    assert public["Cache-Control"] == "public, max-age=3600"
    as_staff = _through_middleware(world.user("principal"), "public, max-age=3600")
    assert as_staff["Cache-Control"] == "no-store"
