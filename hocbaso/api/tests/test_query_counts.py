"""Every API list costs the same number of queries for 3 rows and for 30 (style.md habit 15):
token and holder (1), the holder's scope or child (a few), COUNT and the page, and prefetches."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hocbaso.api.models import ApiToken
from hocbaso.api.tests.fixtures import (
    ApiClient,
    ApiWorld,
    client_for,
    link_parent,
    received_page,
    sealed_page,
)
from hocbaso.org.models import ClassGroup
from hocbaso.people.models import Enrolment, Student
from hocbaso.people.tests.world import World

pytestmark = pytest.mark.django_db


def _pupils(world: World, class_group: ClassGroup, n: int) -> list[Student]:
    """``n`` pupils enrolled in ``class_group`` (test data, written directly)."""
    pupils = Student.objects.bulk_create(
        Student(
            school=class_group.school,
            full_name=f"Học Sinh {i:02d}",
            gender=1 + i % 2,
            birth_date=dt.date(2016, 1, 1),
            ethnicity="01",
            birth_place="Ninh Thuận",
            hometown="Ninh Thuận",
            current_address="Đô Vinh",
            father_name="không",
            mother_name="không",
            guardian_name="không",
            policy_group="không",
        )
        for i in range(n)
    )
    Enrolment.objects.bulk_create(
        Enrolment(student=p, class_group=class_group, enrolled_on=dt.date(2026, 9, 5))
        for p in pupils
    )
    return pupils


def _count(client: ApiClient, url: str) -> tuple[int, int]:
    """(queries, items) of one GET, after a warm-up request (the token's last use stamped)."""
    client.get("/api/v1/me")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, limit="100")
    assert response.status_code == 200, response.content
    return len(queries), len(response.json()["items"])


def _same_for_3_and_30(make: Callable[[int], tuple[ApiClient, str]], expected_queries: int) -> None:
    counts = {}
    for n in (3, 30):
        client, url = make(n)
        counts[n] = _count(client, url)
    assert counts == {3: (expected_queries, 3), 30: (expected_queries, 30)}


def test_children(world: World) -> None:
    user = world.user("parent_b")

    def make(n: int) -> tuple[ApiClient, str]:
        have = Student.objects.filter(guardians__user=user).count()
        for pupil in _pupils(world, world.class_5b, n - have):
            link_parent(user, pupil)
        return client_for(user), "/api/v1/children"

    _same_for_3_and_30(make, expected_queries=4)


def test_child_records(api_world: ApiWorld) -> None:
    """Issued and received pages alike (half each): the child (1), the issued pages (1), the
    parent's scope read by `parents_imported_pages` (4) and the received pages (1)."""
    w = api_world.world

    def make(n: int) -> tuple[ApiClient, str]:
        have = w.pupil_a.record_pages.count() + w.pupil_a.imported_pages.count()
        for i in range(have, n):
            if i % 2:
                received_page(w.pupil_a, f"HB-QN-{i}", school_year=f"{2000 + i}-{2001 + i}")
            else:
                sealed_page(w.pupil_a, w.class_4a, f"HB-Q-{i}")
        return client_for(w.user("parent_a")), f"/api/v1/children/{w.pupil_a.pk}/records"

    _same_for_3_and_30(make, expected_queries=8)


def test_classes(world: World) -> None:
    from hocbaso.audit.actors import SEED
    from hocbaso.org import actions as org_actions

    def make(n: int) -> tuple[ApiClient, str]:
        have = ClassGroup.objects.filter(school=world.school).count()
        for i in range(have, n):
            org_actions.create_class(
                school=world.school,
                school_year=world.year,
                grade=1 + i % 5,
                name=f"L{i}",
                acting_user=SEED,
            )
        return client_for(world.user("principal")), "/api/v1/classes"

    _same_for_3_and_30(make, expected_queries=7)


def test_class_pupils(world: World) -> None:
    def make(n: int) -> tuple[ApiClient, str]:
        have = Enrolment.objects.filter(class_group=world.class_4a).count()
        _pupils(world, world.class_4a, n - have)
        return client_for(world.user("homeroom_4a")), f"/api/v1/classes/{world.class_4a.pk}/pupils"

    _same_for_3_and_30(make, expected_queries=8)


def test_class_results(api_world: ApiWorld) -> None:
    w = api_world.world

    def make(n: int) -> tuple[ApiClient, str]:
        have = Enrolment.objects.filter(class_group=w.class_4a).count()
        _pupils(w, w.class_4a, n - have)
        url = f"/api/v1/classes/{w.class_4a.pk}/periods/{api_world.ghki.pk}/results"
        return client_for(w.user("homeroom_4a")), url

    _same_for_3_and_30(make, expected_queries=13)


def test_tokens(world: World) -> None:
    user = world.user("parent_a")

    def make(n: int) -> tuple[ApiClient, str]:
        client = client_for(user)
        have = ApiToken.objects.filter(user=user).count()
        now = dt.datetime.now(dt.UTC)
        ApiToken.objects.bulk_create(
            ApiToken(
                user=user,
                name=f"cũ {i}",
                prefix="hbs_cu",
                digest=f"{i:064d}",
                expires_at=now,
                revoked_at=now,
                password_stamp=user.get_session_auth_hash(),
            )
            for i in range(have, n)
        )
        return client, "/api/v1/auth/tokens"

    # (the client's own token is one of the n)
    _same_for_3_and_30(make, expected_queries=3)


@pytest.mark.parametrize(
    ("persona", "path", "queries"),
    [
        # a school year has four periods at most: no 30-row case exists; the counts are fixed
        ("homeroom_4a", "/api/v1/classes/{class_4a}/periods", 8),
        ("parent_a", "/api/v1/children/{pupil_a}/periods", 4),
        ("parent_a", "/api/v1/children/{pupil_a}", 4),
        ("parent_a", "/api/v1/children/{pupil_a}/periods/{ghki}/results", 6),
    ],
)
def test_fixed_size_answers(api_world: ApiWorld, persona: str, path: str, queries: int) -> None:
    w = api_world.world
    url = path.format(class_4a=w.class_4a.pk, pupil_a=w.pupil_a.pk, ghki=api_world.ghki.pk)
    client = client_for(w.user(persona))
    client.get("/api/v1/me")
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    assert len(captured) == queries
