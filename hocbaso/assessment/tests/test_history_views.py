"""History screens: every version of a cell (who, when, how, and for a correction after the lock
its request, reason, approver and biên bản), and the saves of a sheet with the lock decisions;
whoever reads the sheet, parents excepted; a fixed number of queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from hocbaso.assessment.actions.corrections import Upload, approve_correction, file_correction
from hocbaso.assessment.actions.locks import LockScope, lock_entry, unlock_entry
from hocbaso.assessment.actions.save_sheet import CellInput, save_sheet
from hocbaso.assessment.models import CorrectionRequest, Sheet
from hocbaso.people.actions.accounts import reauthenticate, reauthenticated_at
from hocbaso.people.testing import enrol_second_factor, next_code
from hocbaso.people.tests.world import PASSWORD, World, sample_photo

pytestmark = pytest.mark.django_db

PERIOD = "CHKI"


def _save(world: World, level: str, score: int, key: str) -> None:
    version = (
        Sheet.objects.filter(class_group=world.class_4a, period__code=PERIOD, key="toan")
        .values_list("version", flat=True)
        .first()
    ) or 0
    save_sheet(
        world.class_4a.pk, PERIOD, "toan", [CellInput(world.pupil_a.pk, "toan", level, score)],
        base_version=version, idempotency_key=key, acting_user=world.user("homeroom_4a"),
    )  # fmt: skip


def _corrected(world: World) -> CorrectionRequest:
    """An's maths: H · 7, then T · 8 on the grid; locked; corrected to T · 9 by a request."""
    _save(world, "H", 7, "k1")
    _save(world, "T", 8, "k2")
    principal = world.user("principal")
    lock_entry(
        LockScope(world.school.pk, PERIOD, class_id=world.class_4a.pk, key="toan"),
        acting_user=principal,
    )
    request = file_correction(
        world.class_4a.pk, PERIOD, "toan", [CellInput(world.pupil_a.pk, "toan", "T", 9)],
        reason="Cộng nhầm điểm bài kiểm tra.", acting_user=world.user("homeroom_4a"),
        upload=Upload(sample_photo(), "bien_ban.png"),
    )  # fmt: skip
    session: dict[str, Any] = {}
    enrol_second_factor(principal)  # principals always have one (security.md F5)
    assert reauthenticate(principal, PASSWORD, code=next_code(principal), session=session)
    approve_correction(
        request.pk, acting_user=principal, reauthenticated_at=reauthenticated_at(session)
    )
    return request


def _client(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(world.user(persona))
    return client


def _cell_url(world: World) -> str:
    return f"/lop/{world.class_4a.pk}/so-diem/{PERIOD}/toan/lich-su/{world.pupil_a.pk}/toan/"


def _sheet_url(world: World) -> str:
    return f"/lop/{world.class_4a.pk}/so-diem/{PERIOD}/toan/lich-su/"


def test_the_cell_history_shows_every_version_with_who_how_and_the_correction(
    world: World,
) -> None:
    request = _corrected(world)
    response = _client(world, "group_head").get(_cell_url(world))
    body = response.content.decode()
    assert response.status_code == 200
    values = [body.index(v) for v in ("H · 7", "T · 8", "T · 9")]
    assert values == sorted(values)  # oldest first
    assert body.count("Nhập trên sổ") == 2
    assert "Sửa sau khóa sổ" in body
    assert "Persona homeroom_4a" in body
    assert "Persona principal" in body
    assert request.number in body
    assert f"/de-nghi-sua/{request.pk}/" in body
    assert "Cộng nhầm điểm bài kiểm tra." in body
    bien_ban = request.bien_bans.get()
    assert f"/bien-ban/{bien_ban.pk}/" in body
    assert f"Sửa theo biên bản {request.number}" in body  # why the previous row was replaced
    assert "30/11/2026" in body  # Vietnam time


def test_the_sheet_history_lists_the_saves_newest_first_with_the_lock(world: World) -> None:
    request = _corrected(world)
    body = _client(world, "principal").get(_sheet_url(world)).content.decode()
    assert body.index("Phiên bản 3") < body.index("Khóa sổ (sổ này)") < body.index("Phiên bản 2")
    assert body.index("Phiên bản 2") < body.index("Phiên bản 1")
    assert "Sửa sau khóa sổ" in body
    assert request.number in body
    assert "T · 8" in body
    assert "T · 9" in body
    assert _cell_url(world) in body
    grid = _client(world, "principal").get(f"/lop/{world.class_4a.pk}/so-diem/{PERIOD}/toan/")
    assert _sheet_url(world) in grid.content.decode()


@pytest.mark.parametrize("persona", ["parent_a", "subject_teacher_5b", "other_principal"])
def test_parents_and_outsiders_get_404(world: World, persona: str) -> None:
    _save(world, "H", 7, "k1")
    client = _client(world, persona)
    assert client.get(_cell_url(world)).status_code == 404
    assert client.get(_sheet_url(world)).status_code == 404


def test_an_unknown_code_or_pupil_is_404(world: World) -> None:
    client = _client(world, "principal")
    base = f"/lop/{world.class_4a.pk}/so-diem/{PERIOD}/toan/lich-su/"
    assert client.get(f"{base}{world.pupil_a.pk}/tieng_viet/").status_code == 404
    assert client.get(f"{base}{world.pupil_5b.pk}/toan/").status_code == 404


def test_the_history_pages_use_a_fixed_number_of_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    _corrected(world)
    client = _client(world, "principal")
    with django_assert_max_num_queries(30) as few:
        client.get(_sheet_url(world))
    with django_assert_max_num_queries(30) as few_cell:
        client.get(_cell_url(world))
    # reopened, and ten more saves later, the same number of queries
    unlock_entry(
        LockScope(world.school.pk, PERIOD, class_id=world.class_4a.pk, key="toan"),
        reason="Bổ sung nhận xét.",
        acting_user=world.user("principal"),
        reauthenticated_at=timezone.now(),
    )
    for n in range(10):
        _save(world, "TH"[n % 2], n, f"more-{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert "Phiên bản 13" in client.get(_sheet_url(world)).content.decode()
    with django_assert_max_num_queries(len(few_cell.captured_queries)):
        client.get(_cell_url(world))
