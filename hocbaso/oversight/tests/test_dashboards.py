"""The dashboards: province → commune → school → class, with the plan's indicators, and the
.xlsx export of each table."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from hocbaso.people.tests.world import World

pytestmark = pytest.mark.django_db


def _client(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(world.user(persona))
    return client


def test_province_officer_sees_a_row_per_commune(world: World) -> None:
    # when the Sở officer opens the province dashboard
    response = _client(world, "province_officer").get(f"/so/{world.province.pk}/dieu-hanh/")
    # then there is one row per commune, each linking to its commune's dashboard
    assert response.status_code == 200
    rows = {r.label: r for r in response.context["board"].rows}
    assert set(rows) == {world.commune.name, world.other_commune.name}
    assert rows[world.commune.name].url == f"/xa/{world.commune.pk}/dieu-hanh/"
    assert rows[world.commune.name].schools == 1
    assert rows[world.commune.name].pupils == world.school.students.count()


def test_drill_down_reaches_a_class_row_per_pupil(world: World) -> None:
    client = _client(world, "province_officer")
    commune = client.get(f"/xa/{world.commune.pk}/dieu-hanh/")
    school = client.get(f"/truong/{world.school.pk}/dieu-hanh/")
    klass = client.get(f"/lop/{world.class_4a.pk}/dieu-hanh/")
    assert [r.label for r in commune.context["board"].rows] == [world.school.name]
    assert [r.label for r in school.context["board"].rows] == ["4A", "5B"]
    names = [cells[0] for _, cells in klass.context["table"]["rows"]]
    assert names == ["Lê Minh An"]


@pytest.mark.parametrize(
    ("url", "rows"),
    [("so/{province}", 2), ("xa/{commune}", 1), ("truong/{school}", 2), ("lop/{class_4a}", 1)],
)
def test_each_table_exports_to_xlsx(world: World, url: str, rows: int) -> None:
    path = url.format(
        province=world.province.pk,
        commune=world.commune.pk,
        school=world.school.pk,
        class_4a=world.class_4a.pk,
    )
    response = _client(world, "province_officer").get(f"/{path}/dieu-hanh/?format=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    assert sheet.max_row == 1 + rows
