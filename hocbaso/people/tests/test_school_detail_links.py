from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("persona", "shown"),
    [
        ("principal", True),
        ("group_head", True),
        ("province_officer", True),
        ("commune_officer", True),
        ("homeroom_4a", False),
        ("subject_teacher_5b", False),
    ],
)
def test_the_progress_board_is_linked_for_those_who_may_open_it(world, persona, shown) -> None:
    client = Client()
    client.force_login(world.user(persona))
    body = client.get(f"/truong/{world.school.pk}/").content.decode()
    assert ('data-testid="progress-links"' in body) is shown
    board = client.get(f"/truong/{world.school.pk}/tien-do/GHKI/")
    assert (board.status_code == 200) is shown
