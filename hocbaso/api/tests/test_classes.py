"""Staff integrations read classes, rosters and class results as far as people.access lets them."""

from __future__ import annotations

import pytest

from hocbaso.api.tests.fixtures import ApiWorld, client_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("persona", "classes"),
    [
        ("homeroom_4a", ["4A"]),
        ("subject_teacher_5b", ["5B"]),
        ("group_head", ["4A"]),
        ("principal", ["4A", "5B"]),
        ("other_principal", ["1A"]),
        ("province_officer", ["4A", "5B", "1A"]),
        ("parent_a", []),
    ],
)
def test_classes_are_scoped(api_world: ApiWorld, persona: str, classes: list[str]) -> None:
    body = client_for(api_world.world.user(persona)).get("/api/v1/classes").json()
    assert sorted(c["name"] for c in body["items"]) == sorted(classes)
    assert body["count"] == len(classes)


def test_a_roster_and_class_results(api_world: ApiWorld) -> None:
    w = api_world.world
    client = client_for(w.user("homeroom_4a"))
    pupils = client.get(f"/api/v1/classes/{w.class_4a.pk}/pupils").json()["items"]
    assert pupils == [
        {
            "id": w.pupil_a.pk,
            "full_name": "Lê Minh An",
            "gender": 1,
            "birth_date": "2016-03-15",
            "register_number": "",
            "moet_code": None,
        }
    ]
    results = client.get(
        f"/api/v1/classes/{w.class_4a.pk}/periods/{api_world.ghki.pk}/results"
    ).json()
    keys = [c["key"] for c in results["columns"]]
    assert keys[:5] == ["stt", "name", "birth", "female", "ethnicity"]
    row = results["items"][0]
    assert (row["student_id"], row["values"][1], row["values"][keys.index("score:toan")]) == (
        w.pupil_a.pk,
        "Lê Minh An",
        10,
    )
    assert len(row["values"]) == len(keys)
    assert results["period"]["code"] == "GHKI"


def test_a_class_or_period_out_of_scope_is_a_404(api_world: ApiWorld) -> None:
    w = api_world.world
    teacher = client_for(w.user("subject_teacher_5b"))
    missing = teacher.get("/api/v1/classes/987654321/pupils")
    for url in (
        f"/api/v1/classes/{w.class_4a.pk}/pupils",
        f"/api/v1/classes/{w.class_4a.pk}",
        f"/api/v1/classes/{w.class_4a.pk}/periods/{api_world.ghki.pk}/results",
    ):
        response = teacher.get(url)
        assert (response.status_code, response.content) == (404, missing.content), url
    # a period of another school year is not the class's
    other_year_period = 987654321
    own = client_for(w.user("subject_teacher_5b")).get(
        f"/api/v1/classes/{w.class_5b.pk}/periods/{other_year_period}/results"
    )
    assert (own.status_code, own.content) == (404, missing.content)
