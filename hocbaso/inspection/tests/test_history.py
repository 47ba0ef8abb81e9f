"""A pupil's history: profile events, and every version of every assessment value with who,
when, the source of the save, the correction behind it and the void."""

from __future__ import annotations

import pytest
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from hocbaso.assessment.actions.save_sheet import CellInput, save_sheet
from hocbaso.assessment.models import QC_SHEET, BienBan, CorrectionRequest, Entry
from hocbaso.inspection.history import student_history
from hocbaso.inspection.tests.helpers import client_for
from hocbaso.people.actions.students import update_student_profile
from hocbaso.people.tests.world import World
from hocbaso.regulation import catalogue

pytestmark = pytest.mark.django_db


def _save(world: World, cells: list[CellInput], *, version: int, key: str = "toan") -> None:
    save_sheet(
        world.class_4a.pk, "CHKI", key, cells, base_version=version,
        idempotency_key=f"{key}-{version}", acting_user=world.user("homeroom_4a"),
    )  # fmt: skip


def _url(world: World) -> str:
    return f"/hoc-sinh/{world.pupil_a.pk}/lich-su/"


def test_a_replaced_value_shows_both_versions_with_who_and_when(world: World) -> None:
    # given the maths teacher saved H·7, then replaced it by T·9
    _save(world, [CellInput(world.pupil_a.pk, "toan", "H", 7, "Cần cố gắng")], version=0)
    _save(world, [CellInput(world.pupil_a.pk, "toan", "T", 9, "Tiến bộ")], version=1)
    old, new = Entry.objects.filter(student=world.pupil_a, code="toan").order_by("pk")
    # when the principal opens the pupil's history
    response = client_for("principal").get(_url(world))
    body = response.content.decode()
    assert response.status_code == 200
    # then both versions are there, the old one voided by the teacher, with the reason
    assert f'data-entry="{old.pk}" class="voided"' in body
    assert f'data-entry="{new.pk}" class="current"' in body
    assert "Cần cố gắng" in body
    assert "Tiến bộ" in body
    assert "Persona homeroom_4a (homeroom_4a)" in body
    assert "Sửa khi nhập sổ" in body
    assert "Nhập trên sổ điểm" in body
    assert "Năm học 2026-2027" in body
    assert "Cuối học kì I" in body
    assert timezone.localtime(new.created_at).strftime("%d/%m/%Y %H:%M") in body
    # and the structured history says the same
    history = student_history(world.pupil_a)
    (year,) = history.years
    versions = year.periods["CHKI"].sheets["toan"].codes["toan"].versions
    assert [(v.entry.level, v.is_current) for v in versions] == [("H", False), ("T", True)]
    assert versions[0].voided_by == "Persona homeroom_4a (homeroom_4a)"
    assert versions[0].voided_at
    assert versions[1].entered_by == "Persona homeroom_4a (homeroom_4a)"
    assert versions[1].source == "grid"


def test_a_version_from_a_correction_names_its_biên_bản_reason_and_approver(world: World) -> None:
    _save(world, [CellInput(world.pupil_a.pk, "toan", "H", 7)], version=0)
    _save(world, [CellInput(world.pupil_a.pk, "toan", "T", 9)], version=1)
    new = (
        Entry.objects.current()
        .select_related("save_record")
        .get(student=world.pupil_a, code="toan")
    )
    record = new.save_record
    assert record is not None
    record.source = "correction"
    record.save(update_fields=["source"])
    now = timezone.now()
    request = CorrectionRequest.objects.create(
        sheet=new.sheet, school=world.school, reason="Nhập nhầm điểm bài kiểm tra",
        status=CorrectionRequest.Status.APPROVED, requested_by=world.user("homeroom_4a"),
        requested_at=now, decided_by=world.user("principal"), decided_at=now,
        applied_save=record,
    )  # fmt: skip
    BienBan.objects.create(
        request=request, source=BienBan.Source.GENERATED, sha256="0" * 64,
        content_type="application/pdf", size=10, created_by=world.user("principal"),
        created_at=now,
    )  # fmt: skip
    body = client_for("inspector").get(_url(world)).content.decode()
    assert request.number in body
    assert "Nhập nhầm điểm bài kiểm tra" in body
    assert "Persona principal (principal)" in body
    assert "Sửa sau khóa sổ" in body
    assert "Lập trên hệ thống" in body


def test_profile_edits_are_listed_with_before_and_after(world: World) -> None:
    update_student_profile(
        world.pupil_a.pk, {"hometown": "Khánh Hòa"}, acting_user=world.user("homeroom_4a")
    )
    body = client_for("vice_principal").get(_url(world)).content.decode()
    assert "Sửa hồ sơ học sinh" in body
    assert "Khánh Hòa" in body
    assert "Tạo hồ sơ học sinh" in body


def test_parents_never_see_the_history(world: World) -> None:
    assert client_for("parent_a").get(_url(world)).status_code == 404
    assert client_for("parent_b").get(_url(world)).status_code == 404


HISTORY_QUERIES = 17  # session, user, session limits (first request), scope (x2), pupil, ...


@pytest.mark.parametrize("saves", [1, 12])
def test_the_history_costs_the_same_queries_for_many_versions(
    world: World, django_assert_max_num_queries: DjangoAssertNumQueries, saves: int
) -> None:
    # given `saves` saves of the maths sheet and of the qualities-and-competencies sheet
    for version in range(saves):
        level, score = ("T", 9) if version % 2 else ("H", 6)
        _save(world, [CellInput(world.pupil_a.pk, "toan", level, score)], version=version)
        qc = [
            CellInput(world.pupil_a.pk, code, "T" if version % 2 else "Đ", None)
            for code in (*catalogue.QUALITIES, *catalogue.COMPETENCIES)
        ]
        _save(world, qc, version=version, key=QC_SHEET)
    client = client_for("principal")
    # then the page's queries do not grow with the versions
    with django_assert_max_num_queries(HISTORY_QUERIES):
        response = client.get(_url(world))
    assert response.status_code == 200
    assert response.content.decode().count('class="voided"') == (saves - 1) * 16
