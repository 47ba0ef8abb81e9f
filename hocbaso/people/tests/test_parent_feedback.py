"""Parents confirm fields or report errors; the homeroom teacher resolves or rejects. Each
refusal changes nothing and says why in Vietnamese."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.http import Http404
from django.test import Client
from django.urls import reverse

from hocbaso.audit.models import AuditEvent
from hocbaso.people.actions.parent_feedback import (
    confirm_profile_field,
    reject_profile_report,
    report_profile_error,
    resolve_profile_report,
)
from hocbaso.people.actions.students import update_student_profile
from hocbaso.people.errors import ActionError
from hocbaso.people.models import FieldVerification, ProfileReport, Student
from hocbaso.people.report_counts import open_report_counts, open_reports
from hocbaso.people.tests.promotion import promote_pupil_a
from hocbaso.people.tests.world import World

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, int, int]:
    return (
        AuditEvent.objects.count(),
        FieldVerification.objects.count(),
        ProfileReport.objects.count(),
    )


def _refused(call: Callable[[], Any], message: str) -> None:
    before = _counts()
    with pytest.raises(ActionError) as caught:
        call()
    assert caught.value.messages == [message]
    assert _counts() == before


def test_a_parent_confirms_a_field_as_it_is_now(world: World) -> None:
    parent = world.user("parent_a")
    verification = confirm_profile_field(world.pupil_a.pk, "birth_date", acting_user=parent)
    assert (verification.source, verification.verified_by) == ("parent_confirmation", parent)
    assert verification.value_hash == FieldVerification.hash_value(
        Student.objects.get(pk=world.pupil_a.pk).birth_date
    )
    event = AuditEvent.objects.filter(action="student.field_confirmed_by_parent").get()
    assert event.data == {"new": {"field": "birth_date", "source": "parent_confirmation"}}
    assert event.subject_id == str(world.pupil_a.pk)


def test_confirmation_refusals_change_nothing(world: World) -> None:
    parent = world.user("parent_a")
    pupil = world.pupil_a.pk
    _refused(
        lambda: confirm_profile_field(pupil, "current_address", acting_user=parent),
        "Thông tin này không thuộc danh sách cần cha mẹ xác nhận.",
    )
    _refused(
        lambda: confirm_profile_field(pupil, "personal_id", acting_user=parent),
        "Số định danh cá nhân: nhà trường chưa nhập thông tin này, chưa thể xác nhận.",
    )
    confirm_profile_field(pupil, "full_name", acting_user=parent)
    _refused(
        lambda: confirm_profile_field(pupil, "full_name", acting_user=parent),
        "Họ và tên: thông tin này đã được xác nhận.",
    )
    report_profile_error(pupil, "hometown", "Quê ở Khánh Hòa", acting_user=parent)
    _refused(
        lambda: confirm_profile_field(pupil, "hometown", acting_user=parent),
        "Quê quán: đang có phản ánh chưa được xử lí; chờ giáo viên chủ nhiệm trả lời.",
    )


def test_a_changed_value_can_be_confirmed_again(world: World) -> None:
    parent = world.user("parent_a")
    confirm_profile_field(world.pupil_a.pk, "hometown", acting_user=parent)
    update_student_profile(
        world.pupil_a.pk, {"hometown": "Khánh Hòa"}, acting_user=world.user("homeroom_4a")
    )
    again = confirm_profile_field(world.pupil_a.pk, "hometown", acting_user=parent)
    assert again.value_hash == FieldVerification.hash_value("Khánh Hòa")
    assert FieldVerification.objects.filter(student=world.pupil_a, field="hometown").count() == 2


@pytest.mark.parametrize("persona", ["parent_b", "homeroom_4a", "principal"])
def test_only_a_linked_parent_confirms_or_reports(world: World, persona: str) -> None:
    user = world.user(persona)
    before = _counts()
    with pytest.raises(Http404):
        confirm_profile_field(world.pupil_a.pk, "full_name", acting_user=user)
    with pytest.raises(Http404):
        report_profile_error(world.pupil_a.pk, "full_name", "Sai", acting_user=user)
    with pytest.raises(Http404):
        confirm_profile_field(world.canary.pk, "full_name", acting_user=world.user("parent_a"))
    assert _counts() == before


def test_a_report_snapshots_the_value_and_reaches_the_homeroom_list(world: World) -> None:
    # when parent A reports the birth place
    report = report_profile_error(
        world.pupil_a.pk, "birth_place", "  Sinh ở Ninh Hải  ", acting_user=world.user("parent_a")
    )
    # then the open report carries the value as shown and the comment
    assert (report.status, report.reported_value, report.comment) == (
        "open",
        "Phan Rang - Tháp Chàm, Ninh Thuận",
        "Sinh ở Ninh Hải",
    )
    assert open_report_counts([world.class_4a.pk, world.class_5b.pk]) == {world.class_4a.pk: 1}
    assert [r.pk for r in open_reports(world.class_4a.pk)] == [report.pk]
    event = AuditEvent.objects.filter(action="profile_report.created").get()
    assert event.data == {"new": {"report": report.pk, "field": "birth_place"}}


def test_report_refusals_change_nothing(world: World) -> None:
    parent = world.user("parent_a")
    pupil = world.pupil_a.pk
    _refused(
        lambda: report_profile_error(pupil, "grades", "x", acting_user=parent),
        "Thông tin được phản ánh không hợp lệ.",
    )
    _refused(
        lambda: report_profile_error(pupil, "father_name", "   ", acting_user=parent),
        "Họ tên cha: vui lòng ghi rõ thông tin đúng hoặc điểm sai.",
    )
    _refused(
        lambda: report_profile_error(pupil, "father_name", "x" * 1001, acting_user=parent),
        "Nội dung phản ánh dài quá 1000 kí tự.",
    )
    report_profile_error(pupil, "father_name", "Lê Văn Bố", acting_user=parent)
    _refused(
        lambda: report_profile_error(pupil, "father_name", "Lần hai", acting_user=parent),
        "Họ tên cha: đã có phản ánh đang chờ xử lí cho thông tin này.",
    )


def test_the_teacher_fixes_the_profile_then_resolves_by_void_and_replace(world: World) -> None:
    teacher = world.user("homeroom_4a")
    report = report_profile_error(
        world.pupil_a.pk, "father_name", "Cha tên Lê Văn Bố", acting_user=world.user("parent_a")
    )
    update_student_profile(world.pupil_a.pk, {"father_name": "Lê Văn Bố"}, acting_user=teacher)
    # when
    decided = resolve_profile_report(report.pk, "Đã sửa theo giấy khai sinh", acting_user=teacher)
    # then the open row is voided, never edited, and its successor holds the decision
    old = ProfileReport.objects.get(pk=report.pk)
    assert (old.status, old.resolver, old.voided_at is not None) == ("open", None, True)
    assert (decided.status, decided.resolver, decided.replaces) == ("resolved", teacher, old)
    assert (decided.comment, decided.reported_value) == (old.comment, old.reported_value)
    assert open_report_counts([world.class_4a.pk]) == {}
    assert list(
        AuditEvent.objects.filter(subject_id=str(world.pupil_a.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )[-3:] == ["profile_report.created", "student.profile_updated", "profile_report.resolved"]


def test_decision_refusals_change_nothing(world: World) -> None:
    report = report_profile_error(
        world.pupil_a.pk, "mother_name", "Sai tên mẹ", acting_user=world.user("parent_a")
    )
    teacher = world.user("homeroom_4a")
    _refused(
        lambda: reject_profile_report(report.pk, "  ", acting_user=teacher),
        "Vui lòng ghi lí do không sửa.",
    )
    _refused(
        lambda: resolve_profile_report(report.pk, "", acting_user=teacher),
        "Vui lòng ghi chú cách đã xử lí.",
    )
    reject_profile_report(report.pk, "Giấy khai sinh ghi đúng như hồ sơ", acting_user=teacher)
    _refused(
        lambda: resolve_profile_report(report.pk, "Sửa", acting_user=teacher),
        "Phản ánh này đã được xử lí.",
    )


def test_only_those_who_edit_the_pupil_decide(world: World) -> None:
    report = report_profile_error(
        world.pupil_a.pk, "mother_name", "Sai", acting_user=world.user("parent_a")
    )
    before = _counts()
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        resolve_profile_report(report.pk, "x", acting_user=world.user("group_head"))
    with pytest.raises(PermissionDenied):
        resolve_profile_report(report.pk, "x", acting_user=world.user("parent_a"))
    with pytest.raises(Http404):
        reject_profile_report(report.pk, "x", acting_user=world.user("other_principal"))
    assert _counts() == before
    decided = reject_profile_report(report.pk, "Đúng", acting_user=world.user("principal"))
    assert decided.status == "rejected"


def test_a_promoted_pupils_report_goes_to_the_current_class(world: World) -> None:
    # given pupil A, promoted from last year's 3A (left open) to 4A, and a parent's report
    promoted = promote_pupil_a(world)
    report = report_profile_error(
        world.pupil_a.pk, "hometown", "Quê ở Ninh Hải", acting_user=world.user("parent_a")
    )
    # then it is on 4A's list only, not on last year's 3A's
    assert open_report_counts([world.class_4a.pk, promoted.class_3a.pk]) == {world.class_4a.pk: 1}
    assert [r.pk for r in open_reports(world.class_4a.pk)] == [report.pk]
    assert open_reports(promoted.class_3a.pk) == []
    # when the principal decides it, the answer leads back to 4A's list
    client = Client()
    client.force_login(world.user("principal"))
    response = client.post(
        reverse("decide_report", args=[report.pk]), {"decision": "reject", "note": "Đúng"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("class_reports", args=[world.class_4a.pk])
