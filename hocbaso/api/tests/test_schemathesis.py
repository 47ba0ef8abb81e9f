"""schemathesis against /api/v1, in process (WSGI), as parent_a (linked to pupil_a) and parent_b
(linked to pupil_5b only): no 5xx, every response conforms to the OpenAPI document, and parent_b
never gets a 2xx for a path naming one of pupil_a's objects (security.md A2).

Two passes per operation and persona: generated values everywhere (fuzz), then the world's real
ids in the path, so that the 200 answers are checked against their schemas too. Bounded and
derandomized: a few examples per operation, seconds in all. A token-revoking operation gets a
fresh token per example, so the persona's working token survives.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.openapi.checks import JsonSchemaError
from schemathesis.specs.openapi.schemas import OpenApiSchema

from hocbaso.api.tests.fixtures import ApiWorld, bearer, token_for
from hocbaso.api.v1 import api

pytestmark = pytest.mark.django_db

FUZZ_EXAMPLES = 4
KNOWN_ID_EXAMPLES = 2
FUZZ = settings(
    max_examples=FUZZ_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
KNOWN = settings(FUZZ, max_examples=KNOWN_ID_EXAMPLES)
# Operations that revoke the token they are called with.
REVOKING = {"revoke_current_token", "revoke_token"}


@pytest.fixture(autouse=True)
def _same_connection_across_requests() -> Iterator[None]:
    """As Django's test client does: the WSGI handler must not close the test's database
    connection at the end of each request (its transaction holds the world)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def load_schema() -> OpenApiSchema:
    schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
    schema.app = WSGIHandler()
    return schema


def known_ids(a: ApiWorld) -> dict[str, int]:
    """pupil_a's objects: parent_a's own, a stranger's for parent_b."""
    w = a.world
    return {
        "child_id": w.pupil_a.pk,
        "period_id": a.ghki.pk,
        "record_id": a.page_a.pk,
        "imported_id": a.imported_a.pk,
        "class_id": w.class_4a.pk,
    }


def _checker(
    operation: Any,
    user: Any,
    token: str,
    fixed: dict[str, int] | None,
    config: settings,
    seen: list[tuple[str, int, str]],
) -> Callable[[], None]:
    """A hypothesis test of one operation: each generated case is sent and validated."""
    names = {p.name for p in operation.path_parameters}
    revoking = operation.definition.raw.get("operationId") in REVOKING
    own_token_id = revoking and "token_id" in names and bool(fixed)

    @given(case=operation.as_strategy(path_parameters=fixed or None))
    @config
    def check(case: Any) -> None:
        secret = token
        if revoking:
            secret = token_for(user, name="schemathesis, revoked")
            if own_token_id:
                case.path_parameters["token_id"] = user.api_tokens.latest("pk").pk
        response = case.call_and_validate(headers=bearer(secret))
        seen.append((operation.label, response.status_code, response.text))

    return check


def _run(
    schema: OpenApiSchema,
    user: Any,
    path_parameters: Callable[[str], dict[str, int]] | None,
    config: settings,
    seen: list[tuple[str, int, str]],
) -> None:
    token = token_for(user, name="schemathesis")
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]
        names = {p.name for p in operation.path_parameters}
        fixed = (
            {k: v for k, v in path_parameters(operation.label).items() if k in names}
            if path_parameters is not None
            else None
        )
        _checker(operation, user, token, fixed, config, seen)()


def test_parents_get_no_5xx_only_conforming_answers_and_no_other_childs_objects(
    api_world: ApiWorld, settings: Any
) -> None:
    settings.ALLOWED_HOSTS = ["localhost"]
    schema = load_schema()
    seen: dict[tuple[str, str], list[tuple[str, int, str]]] = {}
    for persona in ("parent_a", "parent_b"):
        user = api_world.world.user(persona)
        # when schemathesis calls every operation with generated values, then with pupil_a's ids
        _run(schema, user, None, FUZZ, seen.setdefault((persona, "fuzz"), []))
        _run(
            schema,
            user,
            lambda label: known_ids(api_world),
            KNOWN,
            seen.setdefault((persona, "known"), []),
        )
    # then (call_and_validate raised on any failed check: 5xx, status, content type, schema)
    statuses = {status for calls in seen.values() for _, status, _ in calls}
    assert {s for s in statuses if s >= 500} == set()
    # parent_a reached pupil_a's real objects: 200s, validated against their schemas
    assert {label for label, status, _ in seen[("parent_a", "known")] if status == 200} >= {
        "GET /api/v1/children/{child_id}",
        "GET /api/v1/children/{child_id}/periods/{period_id}/results",
        "GET /api/v1/children/{child_id}/records",
        "GET /api/v1/children/{child_id}/records/imported/{imported_id}.pdf",
    }
    # parent_b: every operation whose path names one of pupil_a's objects answered 404
    with_ids = {(label, status) for label, status, _ in seen[("parent_b", "known")] if "{" in label}
    own_token_ops = {label for label, _ in with_ids if "{token_id}" in label}
    assert {(label, status) for label, status in with_ids if label not in own_token_ops} == {
        (label, 404) for label, _ in with_ids if label not in own_token_ops
    }
    parent_b_bodies = [text for key in seen if key[0] == "parent_b" for _, _, text in seen[key]]
    assert [b for b in parent_b_bodies if api_world.world.pupil_a.full_name in b] == []


def test_the_harness_fails_on_an_answer_that_breaks_the_schema(
    api_world: ApiWorld, settings: Any
) -> None:
    # given a document claiming /me's full_name is an integer
    settings.ALLOWED_HOSTS = ["localhost"]
    document = api.get_openapi_schema()
    document["components"]["schemas"]["MeOut"]["properties"]["full_name"] = {"type": "integer"}
    schema = schemathesis.openapi.from_dict(document)
    schema.app = WSGIHandler()
    operation = schema["/api/v1/me"]["GET"]
    token = token_for(api_world.world.user("parent_a"))

    @given(case=operation.as_strategy())
    @KNOWN
    def check(case: Any) -> None:
        case.call_and_validate(headers=bearer(token))

    # then the check fails
    with pytest.raises(BaseExceptionGroup) as failure:
        check()
    assert failure.group_contains(JsonSchemaError)
