"""The school's entry progress board: counts per class × sheet, who sees which classes, and a
query budget that does not grow with the school."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from hocbaso.assessment.actions.save_sheet import CellInput, save_sheet
from hocbaso.assessment.models import QC_SHEET
from hocbaso.assessment.progress import ClassProgress
from hocbaso.audit.actors import SEED
from hocbaso.org import actions as org_actions
from hocbaso.people.actions.enrolments import record_transfer_out
from hocbaso.people.actions.students import create_student
from hocbaso.people.models import Enrolment
from hocbaso.people.tests.world import World, pupil_values
from hocbaso.regulation import catalogue

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 9, 5)


def _save(class_id: int, key: str, cells: list[CellInput], idem: str) -> None:
    save_sheet(class_id, "CHKI", key, cells, base_version=0, idempotency_key=idem, acting_user=SEED)


def _board(world: World, persona: str, period: str = "CHKI") -> list[ClassProgress]:
    client = Client()
    client.force_login(world.user(persona))
    response = client.get(f"/truong/{world.school.pk}/tien-do/{period}/")
    assert response.status_code == 200
    board: list[ClassProgress] = response.context["board"]
    return board


def test_counts_levels_scores_and_missing_cells_per_sheet(world: World) -> None:
    # given 4A with pupil A and Bình; maths complete for A, Vietnamese with a level only,
    # two qualities rated; and a pupil who left 4A with a maths level (not counted)
    a = world.pupil_a.pk
    binh = create_student(pupil_values("Nguyễn Văn Bình"), world.class_4a.pk, enrolled_on=DAY,
                          acting_user=SEED).pk  # fmt: skip
    gone = create_student(pupil_values("Đỗ Chuyển Đi"), world.class_4a.pk, enrolled_on=DAY,
                          acting_user=SEED).pk  # fmt: skip
    _save(world.class_4a.pk, "toan", [CellInput(a, "toan", "T", 9), CellInput(gone, "toan", "H")],
          "p1")  # fmt: skip
    _save(world.class_4a.pk, "tieng_viet", [CellInput(a, "tieng_viet", "H")], "p2")
    _save(world.class_4a.pk, QC_SHEET,
          [CellInput(a, "yeu_nuoc", "T"), CellInput(binh, "nhan_ai", "Đ")], "p3")  # fmt: skip
    enrolment = Enrolment.objects.get(student_id=gone)
    record_transfer_out(enrolment.pk, transfer_out_on=dt.date(2026, 11, 1), destination="TH Khác",
                        acting_user=world.user("principal"))  # fmt: skip
    # when the principal opens the board at CHKI
    board = _board(world, "principal")
    # then
    assert [(c.class_group.name, c.pupils) for c in board] == [("4A", 2), ("5B", 1)]
    sheets = {s.key: s for s in board[0].sheets}
    assert list(sheets) == [*catalogue.subjects_for_grade(4), QC_SHEET]
    cells = len(catalogue.QUALITIES) + len(catalogue.COMPETENCIES)
    assert (sheets["toan"].levels, sheets["toan"].levels_expected) == (1, 2)
    assert (sheets["toan"].scores, sheets["toan"].scores_expected, sheets["toan"].missing) == (
        1, 2, 2,
    )  # fmt: skip
    assert (sheets["tieng_viet"].levels, sheets["tieng_viet"].scores) == (1, 0)
    assert sheets["tieng_viet"].missing == 1 + 2
    assert (sheets["dao_duc"].scores_expected, sheets["dao_duc"].missing) == (0, 2)
    assert (sheets[QC_SHEET].levels, sheets[QC_SHEET].levels_expected) == (2, 2 * cells)
    assert sheets["tieng_dan_toc"].optional is True
    assert (sheets["tieng_dan_toc"].levels_expected, sheets["tieng_dan_toc"].missing) == (0, 0)
    assert board[0].missing == sum(s.missing for s in board[0].sheets)
    tested = [k for k in catalogue.compulsory_subjects(4) if sheets[k].scores_expected]
    assert board[0].scores_expected == 2 * len(tested)


def test_a_group_head_sees_only_their_grades(world: World) -> None:
    board = _board(world, "group_head")
    assert [c.class_group.name for c in board] == ["4A"]


@pytest.mark.parametrize(
    ("persona", "status"),
    [("vice_principal", 200), ("school_admin", 200), ("commune_officer", 200),
     ("province_officer", 200), ("inspector", 200), ("sysadmin", 200),
     ("homeroom_4a", 403), ("subject_teacher_5b", 403),
     ("other_principal", 404), ("parent_a", 404)],
)  # fmt: skip
def test_who_may_see_the_board(world: World, persona: str, status: int) -> None:
    client = Client()
    client.force_login(world.user(persona))
    response = client.get(f"/truong/{world.school.pk}/tien-do/CHKI/")
    assert response.status_code == status


def test_an_unknown_period_is_404(world: World) -> None:
    client = Client()
    client.force_login(world.user("principal"))
    assert client.get(f"/truong/{world.school.pk}/tien-do/HK9/").status_code == 404


# Session and user (2), the viewer's scope twice: school access, then the board's role check
# (4 + 4), the school and its commune (2), the school year and its periods (2), the classes
# with their sizes (1), one aggregate of the entries (1), and the session save (3).
PROGRESS_BOARD = 20  # + the first request's session-limits read (people/session_limits.py)


@pytest.mark.parametrize("classes", [2, 12])
def test_the_board_costs_the_same_queries_at_two_sizes(
    world: World, django_assert_num_queries: DjangoAssertNumQueries, classes: int
) -> None:
    # given `classes` extra grade-3 classes of 5 pupils with maths and qualities saved
    for n in range(classes):
        group = org_actions.create_class(
            school=world.school, school_year=world.year, grade=3, name=f"3{n:02d}",
            acting_user=SEED,
        )  # fmt: skip
        pupils = [
            create_student(pupil_values(f"Học Sinh {n:02d}-{i}"), group.pk, enrolled_on=DAY,
                           acting_user=SEED).pk
            for i in range(5)
        ]  # fmt: skip
        _save(group.pk, "toan", [CellInput(p, "toan", "T", 8) for p in pupils], f"t{n}")
        _save(group.pk, QC_SHEET, [CellInput(p, "yeu_nuoc", "T") for p in pupils], f"q{n}")
    client = Client()
    client.force_login(world.user("principal"))
    # when / then
    with django_assert_num_queries(PROGRESS_BOARD):
        response = client.get(f"/truong/{world.school.pk}/tien-do/CHKI/")
    board = response.context["board"]
    assert len(board) == classes + 2
    grade_3 = [c for c in board if c.class_group.grade == 3]
    assert {(c.pupils, c.levels, c.scores) for c in grade_3} == {(5, 10, 5)}
    assert response.content.decode().count('data-testid="progress-class"') == classes + 2


@pytest.mark.parametrize(("persona", "shown"), [("principal", True), ("homeroom_4a", False)])
def test_the_school_page_links_to_the_board_for_its_managers(
    world: World, persona: str, shown: bool
) -> None:
    client = Client()
    client.force_login(world.user(persona))
    body = client.get(f"/truong/{world.school.pk}/").content.decode()
    assert (f"/truong/{world.school.pk}/tien-do/CHKI/" in body) is shown
