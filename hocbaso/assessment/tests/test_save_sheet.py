from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from hocbaso.assessment.actions.save_sheet import CellInput, SheetConflict, save_sheet
from hocbaso.assessment.models import QC_SHEET, Entry, Sheet
from hocbaso.audit.actors import SEED
from hocbaso.audit.models import AuditEvent
from hocbaso.people.actions.assignments import assign_teacher
from hocbaso.people.errors import ActionError

pytestmark = pytest.mark.django_db


def _save(world, cells, *, version=0, key="toan", period="CHKI", persona="homeroom_4a", idem="k1"):
    return save_sheet(
        world.class_4a.pk, period, key, cells, base_version=version, idempotency_key=idem,
        acting_user=world.user(persona),
    )  # fmt: skip


def test_a_save_writes_the_cells_one_event_and_a_new_version(world) -> None:
    # when the maths teacher of 4A saves a level and a score for pupil A
    outcome = _save(world, [CellInput(world.pupil_a.pk, "toan", "t", "9", "Tiến bộ")])
    # then
    assert (outcome.version, outcome.changed) == (1, 1)
    entry = Entry.objects.current().get(student=world.pupil_a, code="toan")
    assert (entry.level, entry.score, entry.comment) == ("T", 9, "Tiến bộ")
    event = AuditEvent.objects.get(action="assessment.sheet_saved")
    assert event.data["cells"] == [
        {
            "student": world.pupil_a.pk,
            "code": "toan",
            "old": {"level": "", "score": None, "comment": ""},
            "new": {"level": "T", "score": 9, "comment": "Tiến bộ"},
        }
    ]


def test_a_change_voids_the_old_value_and_keeps_it(world) -> None:
    _save(world, [CellInput(world.pupil_a.pk, "toan", "H", 7)])
    _save(world, [CellInput(world.pupil_a.pk, "toan", "T", 9)], version=1, idem="k2")
    rows = list(Entry.objects.filter(student=world.pupil_a, code="toan").order_by("pk"))
    assert [(r.level, r.score, r.voided_at is not None) for r in rows] == [
        ("H", 7, True),
        ("T", 9, False),
    ]
    assert rows[1].replaces_id == rows[0].pk


def test_a_retried_request_applies_once(world) -> None:
    cells = [CellInput(world.pupil_a.pk, "toan", "T", 9)]
    first = _save(world, cells, idem="same")
    again = _save(world, cells, idem="same")
    assert (again.version, again.replayed) == (first.version, True)
    assert Entry.objects.filter(student=world.pupil_a, code="toan").count() == 1
    assert AuditEvent.objects.filter(action="assessment.sheet_saved").count() == 1


def test_a_stale_tab_gets_a_conflict_with_both_values_and_nothing_changes(world) -> None:
    # given tab 1 saved version 1
    _save(world, [CellInput(world.pupil_a.pk, "toan", "T", 9)], idem="tab1")
    # when tab 2, still on version 0, saves another value for the same cell
    with pytest.raises(SheetConflict) as excinfo:
        _save(world, [CellInput(world.pupil_a.pk, "toan", "H", 6)], idem="tab2")
    # then the conflict names both values and the stored value is tab 1's
    (conflict,) = excinfo.value.conflicts
    assert conflict.message() == (
        "Lê Minh An — Toán: đã được sửa ở nơi khác thành «T · 9», bạn nhập «H · 6»."
    )
    assert excinfo.value.version == 1
    assert Entry.objects.current().get(student=world.pupil_a, code="toan").score == 9


@pytest.mark.parametrize(
    ("_case", "cell", "message"),
    [
        ("TT27 Art. 7 cl. 1a: subject levels are T/H/C", ("X", 9),
         "Lê Minh An — Toán: mức đạt được «X» không hợp lệ (chỉ nhận T, H, C)"),
        ("TT27 Art. 7 cl. 1d: no decimals", ("T", "8.5"),
         "Lê Minh An — Toán: điểm kiểm tra «8.5» không hợp lệ (cần số nguyên, không nhập số thập phân)"),
        ("TT27 Art. 7 cl. 1d: 10-point scale", ("T", 11),
         "Lê Minh An — Toán: điểm kiểm tra «11» không hợp lệ (cần số nguyên từ 0 đến 10)"),
    ],
)  # fmt: skip
def test_invalid_cells_are_refused_and_nothing_is_written(world, _case, cell, message) -> None:
    before = AuditEvent.objects.count()
    with pytest.raises(ActionError) as excinfo:
        _save(world, [CellInput(world.pupil_a.pk, "toan", *cell)])
    assert excinfo.value.messages == [message]
    assert Entry.objects.count() == 0
    assert AuditEvent.objects.count() == before


def test_a_score_on_a_never_tested_unit_is_refused(world) -> None:
    # given the homeroom teacher also teaches Đạo đức (D4: never tested)
    assign_teacher(world.user("homeroom_4a").pk, world.class_4a.pk, "dao_duc", acting_user=SEED)
    # when a score is typed, then the rule's message
    with pytest.raises(ActionError, match="Đạo đức: không có bài kiểm tra định kì"):
        _save(world, [CellInput(world.pupil_a.pk, "dao_duc", "T", 9)], key="dao_duc")
    assert Entry.objects.count() == 0


def test_only_the_assigned_teacher_writes_a_subject_sheet(world) -> None:
    with pytest.raises(PermissionDenied):
        _save(world, [CellInput(world.pupil_a.pk, "toan", "T", 9)], persona="principal")
    with pytest.raises(Http404):
        _save(world, [CellInput(world.pupil_a.pk, "toan", "T", 9)], persona="subject_teacher_5b")
    assert not Sheet.objects.exists() or Entry.objects.count() == 0


def test_the_homeroom_teacher_writes_qualities_and_competencies(world) -> None:
    outcome = _save(
        world,
        [
            CellInput(world.pupil_a.pk, "yeu_nuoc", "d"),
            CellInput(world.pupil_a.pk, "tinh_toan", "T"),
        ],
        key=QC_SHEET,
    )
    assert outcome.changed == 2
    levels = dict(
        Entry.objects.current().filter(student=world.pupil_a).values_list("code", "level")
    )
    assert levels == {"yeu_nuoc": "Đ", "tinh_toan": "T"}


def test_a_pupil_of_another_class_cannot_be_written(world) -> None:
    with pytest.raises(ActionError, match="không thuộc lớp 4A"):
        _save(world, [CellInput(world.pupil_5b.pk, "toan", "T", 9)])
