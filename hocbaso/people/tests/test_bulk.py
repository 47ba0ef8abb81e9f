from __future__ import annotations

import io

import pytest
from django.contrib.auth.hashers import make_password
from PIL import Image

from hocbaso.audit.actors import SEED
from hocbaso.audit.models import AuditEvent
from hocbaso.people.actions.bulk import (
    GuardianRow,
    PupilRow,
    StoredPhoto,
    bulk_create_students,
    link_guardian_accounts,
)
from hocbaso.people.actions.bulk_staff import (
    AccountRow,
    ClassStaffing,
    assign_class_teachers,
    bulk_create_accounts,
)
from hocbaso.people.errors import ActionError
from hocbaso.people.models import FieldVerification, Guardian, Student, User
from hocbaso.people.photo_storage import normalise_photo, store_photo
from hocbaso.people.tests.world import CANARY_PERSONAL_ID, World, pupil_values

pytestmark = pytest.mark.django_db


def _stored_photo() -> StoredPhoto:
    png = io.BytesIO()
    Image.new("RGB", (30, 40), (200, 220, 240)).save(png, format="PNG")
    jpeg, width, height = normalise_photo(png.getvalue())
    return StoredPhoto(store_photo(jpeg), width, height)


def _row(
    name: str,
    personal_id: str = "",
    *,
    guardians: tuple[GuardianRow, ...] = (),
    photo: StoredPhoto | None = None,
    verified: dict[str, str] | None = None,
) -> PupilRow:
    profile = pupil_values(name, personal_id=personal_id)
    return PupilRow(profile, guardians=guardians, photo=photo, verified=verified or {})


def test_principal_creates_pupils_with_guardian_photo_and_verifications(world: World) -> None:
    # given
    principal = world.user("principal")
    row = _row(
        "Võ Ngọc Ánh",
        "058216000123",
        guardians=(GuardianRow("me", "Trần Thị Mẹ", "0905123456"),),
        photo=_stored_photo(),
        verified={"full_name": "birth_certificate", "personal_id": "population_db"},
    )
    before = AuditEvent.objects.count()

    # when
    created = bulk_create_students(
        [row], world.class_4a.pk, acting_user=principal, enrolled_on=world.year.starts_on
    )

    # then
    student = Student.objects.get(personal_id="058216000123")
    assert created[0].student == student
    assert student.enrolments.get().class_group == world.class_4a
    assert list(student.guardians.values_list("full_name", "phone")) == [
        ("Trần Thị Mẹ", "0905123456")
    ]
    assert sorted(
        FieldVerification.objects.filter(student=student).values_list("field", "verified_by")
    ) == [("full_name", principal.pk), ("personal_id", principal.pk)]
    events = AuditEvent.objects.order_by("pk")[before:]
    assert [e.action for e in events] == [
        "student.created",
        "guardian.added",
        "student.photo_set",
        "student.field_verified",
    ]
    assert events[0].data["new"]["personal_id"] == "(đã nhập)"


def test_rows_with_a_taken_personal_id_are_refused_and_nothing_is_written(world: World) -> None:
    # given
    before = (Student.objects.count(), AuditEvent.objects.count())
    rows = [_row("Lê Văn Một"), _row("Lê Văn Hai", CANARY_PERSONAL_ID)]

    # when
    with pytest.raises(ActionError) as refused:
        bulk_create_students(
            rows, world.class_4a.pk, acting_user=SEED, enrolled_on=world.year.starts_on
        )

    # then
    assert refused.value.messages == [
        "Dòng 2: Số định danh cá nhân này đã thuộc về một học sinh khác."
    ]
    assert (Student.objects.count(), AuditEvent.objects.count()) == before


def test_a_teacher_may_not_add_pupils_in_bulk(world: World) -> None:
    # when / then
    with pytest.raises(ActionError, match="Chỉ Ban giám hiệu hoặc quản trị nhà trường"):
        bulk_create_students(
            [_row("Lê Văn Một")],
            world.class_4a.pk,
            acting_user=world.user("homeroom_4a"),
            enrolled_on=world.year.starts_on,
        )
    assert not Student.objects.filter(full_name="Lê Văn Một").exists()


def test_staffing_a_subject_that_already_has_a_teacher_is_refused(world: World) -> None:
    # given: 4A already has a mathematics teacher (homeroom_4a)
    teacher = world.user("subject_teacher_5b")

    # when / then
    with pytest.raises(ActionError) as refused:
        assign_class_teachers(
            [ClassStaffing(world.class_4a.pk, None, {"toan": teacher.pk, "tin_hoc": teacher.pk})],
            acting_user=SEED,
        )
    assert refused.value.messages == ["Lớp 4A đã có giáo viên dạy môn «toan»."]
    assert not teacher.teaching_assignments.filter(class_group=world.class_4a).exists()


def test_bulk_accounts_need_a_system_admin_and_unique_usernames(world: World) -> None:
    # given
    rows = [
        AccountRow("moi", "Người Mới"),
        AccountRow("moi", "Người Mới"),
        AccountRow("principal", "X"),
    ]
    password_hash = make_password("mot-mat-khau-dai")

    # when / then
    with pytest.raises(ActionError, match="Chỉ quản trị hệ thống của Sở"):
        bulk_create_accounts(rows, password_hash=password_hash, acting_user=world.user("principal"))
    with pytest.raises(ActionError) as refused:
        bulk_create_accounts(rows, password_hash=password_hash, acting_user=SEED)
    assert refused.value.messages == [
        "Tên đăng nhập «moi» bị trùng trong danh sách.",
        "Tên đăng nhập «principal» đã tồn tại.",
    ]
    assert not User.objects.filter(username="moi").exists()


def test_a_guardian_linked_to_another_account_is_not_relinked(world: World) -> None:
    # given: pupil A's father is linked to parent_a
    guardian = Guardian.objects.get(student=world.pupil_a)
    parent_b = world.user("parent_b")

    # when / then
    with pytest.raises(ActionError, match="đã được liên kết với một tài khoản khác"):
        link_guardian_accounts([(guardian.pk, parent_b.pk)], acting_user=SEED)
    assert Guardian.objects.get(pk=guardian.pk).user == world.user("parent_a")
