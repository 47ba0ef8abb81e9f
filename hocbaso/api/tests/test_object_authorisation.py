"""Object-level authorisation of /api/v1 (security.md A2), one row per operation of the served
OpenAPI document: each parent (parent_a linked to pupil_a, parent_b to pupil_5b) gets, for every
path naming one of the other child's objects, a 404 whose bytes equal the answer for a missing
id, while that child's parent (or a reader of its class) gets a 2xx on the very same request. An operation added later without a row here fails
`test_every_operation_has_a_row`; an api URL pattern that is not an operation of the document
fails `test_every_api_url_pattern_is_an_operation` (and tests/test_access_matrix.py, which
leaves /api/ routes to this module, reads API_ROUTE_NAMES from here)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver

from hocbaso.api import urls as api_urls
from hocbaso.api.models import ApiToken
from hocbaso.api.tests.fixtures import ApiClient, ApiWorld, client_for, token_for
from hocbaso.api.v1 import NAMESPACE, api
from hocbaso.audit.models import AuditEvent
from hocbaso.records.models import RecordAccess

pytestmark = pytest.mark.django_db

MISSING = 987_654_321


@dataclass(frozen=True)
class Side:
    """One child's objects, who reaches them, and the other parent."""

    name: str
    parent: str  # the linked parent
    staff: str  # a reader of the child's class
    intruder: str  # the other parent, linked to another child only

    def pupil(self, a: ApiWorld) -> int:
        return (a.world.pupil_a if self.name == "a" else a.world.pupil_5b).pk

    def page(self, a: ApiWorld) -> int:
        return (a.page_a if self.name == "a" else a.page_5b).pk

    def imported(self, a: ApiWorld) -> int:
        return (a.imported_a if self.name == "a" else a.imported_5b).pk

    def class_group(self, a: ApiWorld) -> int:
        return (a.world.class_4a if self.name == "a" else a.world.class_5b).pk


SIDES = (
    Side("a", parent="parent_a", staff="homeroom_4a", intruder="parent_b"),
    Side("5b", parent="parent_b", staff="subject_teacher_5b", intruder="parent_a"),
)


@dataclass(frozen=True)
class ObjectRoute:
    """A path naming objects: ``ids`` fills it with one child's objects (or its class's); the
    child's parent (or, ``staff``, a reader of the class) uses it; the other parent must get the
    missing-id 404."""

    ids: Callable[[ApiWorld, Side], dict[str, int]]
    staff: bool = False
    body: dict[str, Any] | None = None


@dataclass(frozen=True)
class ScopedList:
    """A path without ids: parent_b's answer must not show pupil_a (or parent_a's tokens)."""


@dataclass(frozen=True)
class OwnTokenRoute:
    """/auth/tokens/{token_id}: parent_b cannot revoke parent_a's token (404, token still works)."""


@dataclass(frozen=True)
class Public:
    """Needs no token (obtaining one); or acts only on the caller's own token."""


def _child(a: ApiWorld, side: Side) -> dict[str, int]:
    return {"child_id": side.pupil(a)}


def _class(a: ApiWorld, side: Side) -> dict[str, int]:
    return {"class_id": side.class_group(a)}


V1 = "/api/v1"
ROUTES: dict[str, ObjectRoute | ScopedList | OwnTokenRoute | Public] = {
    f"POST {V1}/auth/token": Public(),
    f"DELETE {V1}/auth/token": Public(),
    f"GET {V1}/auth/tokens": ScopedList(),
    f"DELETE {V1}/auth/tokens/{{token_id}}": OwnTokenRoute(),
    f"GET {V1}/me": ScopedList(),
    f"GET {V1}/children": ScopedList(),
    f"GET {V1}/children/{{child_id}}": ObjectRoute(_child),
    f"GET {V1}/children/{{child_id}}/periods": ObjectRoute(_child),
    f"GET {V1}/children/{{child_id}}/periods/{{period_id}}/results": ObjectRoute(
        lambda a, side: {**_child(a, side), "period_id": a.ghki.pk}
    ),
    f"GET {V1}/children/{{child_id}}/records": ObjectRoute(_child),
    f"GET {V1}/children/{{child_id}}/records/{{record_id}}.pdf": ObjectRoute(
        lambda a, side: {**_child(a, side), "record_id": side.page(a)}
    ),
    f"GET {V1}/children/{{child_id}}/records/{{record_id}}.xml": ObjectRoute(
        lambda a, side: {**_child(a, side), "record_id": side.page(a)}
    ),
    f"GET {V1}/children/{{child_id}}/records/imported/{{imported_id}}.pdf": ObjectRoute(
        lambda a, side: {**_child(a, side), "imported_id": side.imported(a)}
    ),
    f"POST {V1}/children/{{child_id}}/profile/confirmations": ObjectRoute(
        _child, body={"field": "full_name"}
    ),
    f"POST {V1}/children/{{child_id}}/profile/reports": ObjectRoute(
        _child, body={"field": "hometown", "comment": "Quê quán đúng là Khánh Hòa."}
    ),
    f"GET {V1}/children/{{child_id}}/profile/reports": ObjectRoute(_child),
    f"GET {V1}/classes": ScopedList(),
    f"GET {V1}/classes/{{class_id}}": ObjectRoute(_class, staff=True),
    f"GET {V1}/classes/{{class_id}}/pupils": ObjectRoute(_class, staff=True),
    f"GET {V1}/classes/{{class_id}}/periods": ObjectRoute(_class, staff=True),
    f"GET {V1}/classes/{{class_id}}/periods/{{period_id}}/results": ObjectRoute(
        lambda a, side: {**_class(a, side), "period_id": a.ghki.pk}, staff=True
    ),
}

# URL patterns of the api app that are not operations of the document.
EXTRA_ROUTE_NAMES = {
    "api_index",  # GET /api/v1/: title, version and the document's address (public)
    "api_not_found",  # any other /api/ path: the JSON 404 (public)
    f"{NAMESPACE}:openapi-json",  # the OpenAPI document (public)
    f"{NAMESPACE}:api-root",  # django-ninja's root (shadowed by api_index)
}


def _api_route_names() -> set[str]:
    """Names of the api app's URL patterns under /api/ (its web page is in the access matrix)."""
    names: set[str] = set()

    def walk(patterns: list[URLPattern | URLResolver], namespace: str | None, prefix: str) -> None:
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, p.namespace or namespace, route)
            elif route.lstrip("^").startswith("api/"):
                name = p.name or repr(p.pattern)
                names.add(f"{namespace}:{name}" if namespace else name)

    walk(api_urls.urlpatterns, None, "")
    return names


API_ROUTE_NAMES = frozenset(_api_route_names())


def _operations() -> dict[str, str]:
    """'METHOD path' → operationId, from the served document."""
    document = api.get_openapi_schema()
    return {
        f"{method.upper()} {path}": op["operationId"]
        for path, methods in document["paths"].items()
        for method, op in methods.items()
    }


def test_every_operation_has_a_row() -> None:
    assert set(_operations()) == set(ROUTES)


def test_every_api_url_pattern_is_an_operation() -> None:
    operation_ids = {f"{NAMESPACE}:{op}" for op in _operations().values()}
    assert operation_ids == API_ROUTE_NAMES - EXTRA_ROUTE_NAMES


def _url(label: str, ids: dict[str, int]) -> str:
    path = label.split(" ", 1)[1]
    for name, value in ids.items():
        path = path.replace("{" + name + "}", str(value))
    assert "{" not in path, path
    return path


def _send(client: ApiClient, label: str, url: str, body: dict[str, Any] | None) -> Any:
    method = label.split(" ", 1)[0]
    if method == "GET":
        return client.get(url)
    if method == "POST":
        return client.post(url, body or {})
    return client.delete(url)


def _object_labels() -> list[str]:
    return sorted(label for label, r in ROUTES.items() if isinstance(r, ObjectRoute))


@pytest.mark.parametrize("side", SIDES, ids=lambda side: side.name)
@pytest.mark.parametrize("label", _object_labels())
def test_the_other_parent_gets_the_missing_id_answer(
    api_world: ApiWorld, label: str, side: Side
) -> None:
    route = ROUTES[label]
    assert isinstance(route, ObjectRoute)
    ids = route.ids(api_world, side)
    url = _url(label, ids)
    # given the child's parent (or a reader of its class) reaches the object with this request
    owner = side.staff if route.staff else side.parent
    answer = _send(client_for(api_world.world.user(owner)), label, url, route.body)
    assert 200 <= answer.status_code < 300, (label, answer.status_code, answer.content)
    intruder = client_for(api_world.world.user(side.intruder))
    events, accesses = AuditEvent.objects.count(), RecordAccess.objects.count()
    # when the other parent sends it, and the same request with every id missing
    denied = _send(intruder, label, url, route.body)
    missing = _send(intruder, label, _url(label, dict.fromkeys(ids, MISSING)), route.body)
    # then both are the same 404, byte for byte, and nothing was written or logged
    assert (denied.status_code, denied.content) == (404, missing.content)
    assert denied.json() == {"detail": "Không tìm thấy.", "code": "not_found"}
    assert (AuditEvent.objects.count(), RecordAccess.objects.count()) == (events, accesses)


def test_parent_b_lists_show_nothing_of_pupil_a(api_world: ApiWorld) -> None:
    token_for(api_world.world.user("parent_a"))
    parent_a_token = ApiToken.objects.get(user=api_world.world.user("parent_a"))
    parent_b = client_for(api_world.world.user("parent_b"))
    bodies = {
        label: _send(parent_b, label, _url(label, {}), None)
        for label, r in ROUTES.items()
        if isinstance(r, ScopedList)
    }
    assert {label: r.status_code for label, r in bodies.items()} == dict.fromkeys(bodies, 200)
    text = "".join(r.content.decode() for r in bodies.values())
    assert api_world.world.pupil_a.full_name not in text
    assert parent_a_token.prefix not in text
    assert api_world.world.pupil_5b.full_name in text  # parent_b's own child is there


def test_parent_b_cannot_revoke_parent_a_token(api_world: ApiWorld) -> None:
    # given parent_a's working token
    secret = token_for(api_world.world.user("parent_a"))
    token = ApiToken.objects.filter(user=api_world.world.user("parent_a")).latest("pk")
    parent_b = client_for(api_world.world.user("parent_b"))
    # when parent_b revokes it, and a missing id
    denied = parent_b.delete(f"{V1}/auth/tokens/{token.pk}")
    missing = parent_b.delete(f"{V1}/auth/tokens/{MISSING}")
    # then the same 404, and parent_a's token still works
    assert (denied.status_code, denied.content) == (404, missing.content)
    assert ApiClient(secret).get(f"{V1}/me").status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is None
