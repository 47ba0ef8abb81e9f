"""MFA coverage (security.md F5): until the second factor is proved, every route of the access
matrix (the admin's included) redirects a staff session to that step and changes nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from hocbaso.audit.models import AuditEvent
from hocbaso.people.middleware import SECOND_FACTOR_EXEMPT
from hocbaso.people.second_factor import SESSION_DONE
from hocbaso.people.tests.world import World
from tests.test_access_matrix import ADMIN_ROUTE, MATRIX, Route

pytestmark = pytest.mark.django_db


def _half_logged_in(world: World, persona: str) -> Client:
    """A session past the password step only."""
    client = Client()
    client.force_login(world.user(persona))
    session = client.session
    del session[SESSION_DONE]
    session.save()
    return client


def _routes() -> list[tuple[str, Route]]:
    found = [(name, r) for name, routes in MATRIX.items() for r in routes]
    return [*found, ("admin:index", ADMIN_ROUTE)]


def test_the_exempt_pages_are_only_the_login_steps() -> None:
    assert {
        "second_factor_verify", "second_factor_enrol", "logout", "login", "set_language",
    } == SECOND_FACTOR_EXEMPT  # fmt: skip


@pytest.mark.parametrize("persona", ["principal", "sysadmin"])
def test_every_route_waits_for_the_second_factor(world: World, persona: str) -> None:
    client = _half_logged_in(world, persona)
    events = AuditEvent.objects.count()
    failures = []
    for name, route in _routes():
        if name in SECOND_FACTOR_EXEMPT:
            continue
        data = route.data(world) if route.data else {}
        url = route.url(world)
        if route.method == "post" and route.json:
            response = client.post(url, data, content_type="application/json")
        elif route.method == "post":
            response = client.post(url, data)
        else:
            response = client.get(url)
        location = response.get("Location", "")
        if response.status_code != 302 or not location.startswith("/xac-thuc-hai-buoc/dang-ky/"):
            failures.append(f"{route.method} {url}: {response.status_code} {location}")
    assert failures == []
    assert AuditEvent.objects.count() == events
