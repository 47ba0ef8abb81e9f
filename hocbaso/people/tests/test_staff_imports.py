"""Importing staff: accounts with a first password shown once, school roles granted by the
school's managers for their school only, homeroom and teaching assignments."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command

from hocbaso.audit.actors import COMMAND
from hocbaso.audit.models import AuditEvent
from hocbaso.people.actions.imports import import_staff
from hocbaso.people.actions.school_roles import grant_school_role
from hocbaso.people.errors import ActionError
from hocbaso.people.models import (
    HomeroomAssignment,
    Role,
    StaffRole,
    TeachingAssignment,
    User,
)
from hocbaso.people.tests.corpus import STAFF_HEADER, csv_bytes, staff_row, xlsx
from hocbaso.people.tests.test_import_guards import counts

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 10, 1)
VALID_ROWS = [
    STAFF_HEADER,
    staff_row(1, "Nguyễn Thị Giáo", "gv_giao", "Giáo viên", phone="0912 345 678",
              teaching="4A:tieng_viet; 5B:Toán"),
    staff_row(2, "Trần Văn Tổ", "to_truong", "Tổ trưởng chuyên môn; Giáo viên", grades="4;5",
              homeroom="5B"),
    staff_row(3, "Lê Quản Trị", "qtri", "Quản trị nhà trường"),
]  # fmt: skip


def staff_counts() -> tuple[int, int, int, int]:
    return (
        User.objects.count(),
        StaffRole.objects.count(),
        HomeroomAssignment.objects.count(),
        TeachingAssignment.objects.count(),
    )


def run(world, data: bytes, filename: str = "can-bo.xlsx", *, persona: str = "principal",
        dry_run: bool = True):  # fmt: skip
    return import_staff(
        world.school.pk,
        data,
        filename,
        acting_user=world.user(persona) if persona else COMMAND,
        dry_run=dry_run,
        today=TODAY,
    )


def test_dry_run_plans_accounts_and_writes_nothing(world) -> None:
    # given
    before = (counts(), staff_counts())
    # when
    report = run(world, xlsx(VALID_ROWS))
    # then
    assert report.errors == []
    assert [(p.username, p.roles, p.grades, p.homeroom_class_name) for p in report.to_create] == [
        ("gv_giao", (Role.TEACHER,), (), ""),
        ("to_truong", (Role.GROUP_HEAD, Role.TEACHER), (4, 5), "5B"),
        ("qtri", (Role.SCHOOL_ADMIN,), (), ""),
    ]
    assert [(t.class_name, t.subject_code) for t in report.to_create[0].teaching] == [
        ("4A", "tieng_viet"),
        ("5B", "toan"),
    ]
    assert report.credentials == []
    assert (counts(), staff_counts()) == before


def test_apply_creates_accounts_roles_assignments_and_their_events(world) -> None:
    # given
    last_event = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    # when
    report = run(world, xlsx(VALID_ROWS), dry_run=False)
    # then
    assert report.errors == []
    assert report.applied is True
    users = {u.username: u for u in User.objects.filter(pk__in=report.created_ids)}
    assert sorted(users) == ["gv_giao", "qtri", "to_truong"]
    assert users["gv_giao"].phone == "0912345678"
    for credential in report.credentials:
        assert users[credential.username].check_password(credential.password)
    assert "password" not in repr(report.credentials[0])
    roles = StaffRole.objects.filter(user__in=users.values()).order_by("user__username", "role")
    assert [(r.user.username, r.role, r.school_id, r.grades) for r in roles] == [
        ("gv_giao", Role.TEACHER, world.school.pk, []),
        ("qtri", Role.SCHOOL_ADMIN, world.school.pk, []),
        ("to_truong", Role.GROUP_HEAD, world.school.pk, [4, 5]),
        ("to_truong", Role.TEACHER, world.school.pk, []),
    ]
    assert (
        HomeroomAssignment.objects.active().get(class_group=world.class_5b).user
        == users["to_truong"]
    )
    teaching = TeachingAssignment.objects.active().filter(user=users["gv_giao"])
    assert sorted(teaching.values_list("class_group__name", "subject_code")) == [
        ("4A", "tieng_viet"),
        ("5B", "toan"),
    ]
    events = AuditEvent.objects.filter(pk__gt=last_event).order_by("seq")
    assert list(events.values_list("action", flat=True)) == [
        "account.created",
        "role.granted",
        "assignment.teaching_assigned",
        "assignment.teaching_assigned",
        "account.created",
        "role.granted",
        "role.granted",
        "assignment.homeroom_assigned",
        "account.created",
        "role.granted",
        "import.staff_applied",
    ]
    assert events.last().data["new"]["created"] == 3  # type: ignore[union-attr]


def test_a_second_apply_skips_everyone_and_writes_nothing(world) -> None:
    # given
    data = csv_bytes(VALID_ROWS)
    run(world, data, "can-bo.csv", dry_run=False)
    before = (counts(), staff_counts())
    # when
    report = run(world, data, "can-bo.csv", dry_run=False)
    # then
    assert report.errors == []
    assert [s.row for s in report.skipped] == [2, 3, 4]
    assert report.applied is False
    assert (counts(), staff_counts()) == before


def test_each_row_error_is_reported_and_nothing_is_written(world) -> None:
    # given
    rows = [
        STAFF_HEADER,
        staff_row(1, "Hợp Lệ", "hop_le", "Giáo viên"),
        staff_row(2, "Tài Khoản Trường Khác", "other_principal", "Giáo viên"),
        staff_row(3, "Chủ Nhiệm Trùng", "cn_trung", "Giáo viên", homeroom="4A"),
        staff_row(4, "Dạy Trùng", "day_trung", "Giáo viên", teaching="4A:toan"),
        staff_row(5, "Vai Lạ", "vai_la", "Bảo vệ"),
        staff_row(6, "Tổ Trưởng", "tt", "Tổ trưởng chuyên môn"),
        staff_row(7, "Khối Thừa", "khoi_thua", "Giáo viên", grades="4"),
        staff_row(8, "Điện Thoại", "dien_thoai", "Giáo viên", phone="12ab"),
        staff_row(9, "Môn Lạ", "mon_la", "Giáo viên", teaching="4A:hoa_hoc;4A-toan"),
        staff_row(10, "Trùng Tên", "HOP_LE", "Giáo viên"),
        staff_row(11, "Có Dấu", "tên có dấu", "Giáo viên"),
        staff_row(12, "Hiệu Trưởng Mới", "ht_moi", "Hiệu trưởng"),
        staff_row(13, "", "", ""),
    ]
    before = (counts(), staff_counts())
    # when
    report = run(world, xlsx(rows), dry_run=False)
    # then
    assert [str(e) for e in report.errors] == [
        "Dòng 3: Tên đăng nhập «other_principal» đã được dùng cho một tài khoản khác.",
        "Dòng 4: Lớp chủ nhiệm: lớp 4A đã có giáo viên chủ nhiệm.",
        "Dòng 5: Phân công: lớp 4A môn Toán đã có giáo viên.",
        "Dòng 6: Vai trò: «Bảo vệ» không hợp lệ; chọn trong: Hiệu trưởng, Phó hiệu trưởng, "
        "Tổ trưởng chuyên môn, Quản trị nhà trường, Giáo viên.",
        "Dòng 7: Khối phụ trách: bắt buộc với Tổ trưởng chuyên môn.",
        "Dòng 8: Khối phụ trách: chỉ ghi cho Tổ trưởng chuyên môn.",
        "Dòng 9: Số điện thoại: «12ab» không hợp lệ.",
        "Dòng 10: Phân công: môn «hoa_hoc» không có trong chương trình khối 4.",
        "Dòng 10: Phân công: «4A-toan» phải có dạng lớp:môn, ví dụ «4A:toan».",
        "Dòng 11: Tên đăng nhập «HOP_LE» trùng với dòng 2.",
        "Dòng 12: Tên đăng nhập «tên có dấu» chỉ được gồm chữ, số và các kí tự @ . + - _.",
        "Dòng 13: Vai trò «Hiệu trưởng» do Sở GD&ĐT cấp, không nhập qua tệp được.",
        "Dòng 14: Họ và tên: không được để trống.",
        "Dòng 14: Tên đăng nhập: không được để trống.",
        "Dòng 14: Vai trò: không được để trống.",
    ]
    assert [p.username for p in report.to_create] == ["hop_le"]
    assert (counts(), staff_counts()) == before


def test_an_account_already_working_in_the_school_is_skipped(world) -> None:
    # when
    report = run(world, xlsx([STAFF_HEADER, staff_row(1, "GVCN 4A", "Homeroom_4A", "Giáo viên")]))
    # then
    assert report.errors == []
    assert [str(s) for s in report.skipped] == [
        "Dòng 2: GVCN 4A — đã có tài khoản làm việc tại trường, bỏ qua."
    ]


def test_only_a_command_may_name_a_principal_and_only_one(world) -> None:
    # given: the school already has its principal
    rows = [STAFF_HEADER, staff_row(1, "Hiệu Trưởng Mới", "ht_moi", "Hiệu trưởng")]
    # when
    report = run(world, xlsx(rows), persona="")
    # then
    assert [str(e) for e in report.errors] == ["Dòng 2: Trường đã có Hiệu trưởng."]


@pytest.mark.parametrize("persona", ["other_principal", "homeroom_4a", "group_head", "sysadmin"])
def test_refused_for_anyone_but_the_schools_managers(world, persona: str) -> None:
    # given
    before = (counts(), staff_counts())
    # when
    with pytest.raises(ActionError):
        run(world, xlsx(VALID_ROWS), persona=persona, dry_run=False)
    # then
    assert (counts(), staff_counts()) == before


def test_grant_school_role_is_limited_to_the_managers_own_school(world) -> None:
    # given
    teacher = world.user("subject_teacher_5b")
    before = AuditEvent.objects.count()
    # when / then: another school's principal may not grant here
    with pytest.raises(ActionError):
        grant_school_role(
            teacher.pk,
            Role.VICE_PRINCIPAL,
            world.school.pk,
            acting_user=world.user("other_principal"),
        )
    # when / then: a manager may not appoint a principal
    with pytest.raises(ActionError):
        grant_school_role(
            teacher.pk, Role.PRINCIPAL, world.school.pk, acting_user=world.user("vice_principal")
        )
    assert AuditEvent.objects.count() == before
    # when: the school's own vice-principal grants a group head role
    role = grant_school_role(
        teacher.pk,
        Role.GROUP_HEAD,
        world.school.pk,
        acting_user=world.user("vice_principal"),
        grades=[5],
    )
    # then
    assert (role.school_id, role.grades) == (world.school.pk, [5])
    assert AuditEvent.objects.count() == before + 1


def test_import_staff_command_applies_and_prints_each_first_password_once(
    world, tmp_path, capsys
) -> None:
    # given
    path = tmp_path / "can-bo.csv"
    path.write_bytes(
        csv_bytes([STAFF_HEADER, staff_row(1, "Phó Mới", "pho_moi", "Phó hiệu trưởng")])
    )
    # when
    with time_machine.travel(dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC)):
        call_command("import_staff", "--school", "TH-DV", str(path), "--apply")
    # then
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("  pho_moi\t"))
    password = line.split("\t")[1]
    user = User.objects.get(username="pho_moi")
    assert user.check_password(password)
    assert StaffRole.objects.active().get(user=user).role == Role.VICE_PRINCIPAL


def test_export_staff_command_writes_the_file(world, tmp_path) -> None:
    # given
    out = tmp_path / "can-bo.csv"
    # when
    with time_machine.travel(dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC)):
        call_command("export_staff", "--school", "TH-DV", "--out", str(out))
    # then
    assert out.read_bytes().decode("utf-8-sig").splitlines()[0] == ",".join(STAFF_HEADER)
