"""The pupil actions: profile updates, verification, and who may call them (style.md habits 3–6;
security.md B5 and ASVS 8.3.2)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import partial

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client

from hocbaso.audit.actors import SEED
from hocbaso.audit.models import AuditEvent
from hocbaso.people.actions.assignments import assign_homeroom, assign_teacher
from hocbaso.people.actions.students import update_student_profile, verify_student_field
from hocbaso.people.completeness import completeness_for
from hocbaso.people.errors import ActionError
from hocbaso.people.models import Student
from hocbaso.people.tests.world import CANARY_PERSONAL_ID, World

pytestmark = pytest.mark.django_db

PERSONAL_ID_A = "058216001234"  # a boy born 2016, registered in Ninh Thuận


def _row(student_id: int) -> Mapping[str, object]:
    """The pupil as stored now, read back from the database."""
    return Student.objects.filter(pk=student_id).values().get()


def _all_audit_text() -> str:
    return json.dumps(
        list(AuditEvent.objects.values()), default=str, ensure_ascii=False, sort_keys=True
    )


def _unverified_labels(student_id: int) -> list[str]:
    entry = completeness_for([Student.objects.get(pk=student_id)])[0]
    return [str(label) for label in entry.unverified]


# -- a valid change ----------------------------------------------------------------------------


def test_valid_change_writes_one_event_with_old_and_new(world: World) -> None:
    # given
    teacher = world.user("homeroom_4a")
    before = AuditEvent.objects.count()
    # when
    update_student_profile(
        world.pupil_a.pk,
        {"mother_name": "Trần Thị Mai", "hometown": "Ninh Thuận", "personal_id": PERSONAL_ID_A},
        acting_user=teacher,
    )
    # then: the row changed, and exactly one event describes the change (the unchanged
    # hometown is not in it)
    row = _row(world.pupil_a.pk)
    assert row["mother_name"] == "Trần Thị Mai"
    assert row["personal_id"] == PERSONAL_ID_A
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.get(action="student.profile_updated")
    assert event.data == {
        "old": {"mother_name": "Trần Thị Mẹ", "personal_id": None},
        "new": {"mother_name": "Trần Thị Mai", "personal_id": "(đã nhập)"},
    }
    assert event.actor_id == teacher.pk
    assert event.actor_label == "Persona homeroom_4a (homeroom_4a)"
    assert (event.subject_type, event.subject_id) == ("people.student", str(world.pupil_a.pk))
    assert event.chain == f"school:{world.school.pk}"


def test_personal_id_is_never_in_clear_in_the_audit_log(world: World) -> None:
    # given a pupil whose personal ID is set, then corrected, then verified
    teacher = world.user("homeroom_4a")
    update_student_profile(world.pupil_a.pk, {"personal_id": "058216009999"}, acting_user=teacher)
    update_student_profile(world.pupil_a.pk, {"personal_id": PERSONAL_ID_A}, acting_user=teacher)
    verify_student_field(world.pupil_a.pk, "personal_id", "population_db", acting_user=teacher)
    # then: neither number appears anywhere in any event (B5), nor the seeded canary's
    events = list(AuditEvent.objects.filter(action="student.profile_updated").order_by("seq"))
    assert [e.data for e in events] == [
        {"old": {"personal_id": None}, "new": {"personal_id": "(đã nhập)"}},
        {"old": {"personal_id": "(đã nhập)"}, "new": {"personal_id": "(đã nhập)"}},
    ]
    text = _all_audit_text()
    assert "058216009999" not in text
    assert PERSONAL_ID_A not in text
    assert CANARY_PERSONAL_ID not in text
    assert "216001234" not in text  # not even the significant part


def test_unchanged_values_write_nothing(world: World) -> None:
    # given
    before = AuditEvent.objects.count()
    row_before = _row(world.pupil_a.pk)
    # when the form is saved without any change
    update_student_profile(
        world.pupil_a.pk,
        {"full_name": "Lê Minh An", "gender": "1", "birth_date": "15/03/2016"},
        acting_user=world.user("homeroom_4a"),
    )
    # then
    assert AuditEvent.objects.count() == before
    assert _row(world.pupil_a.pk) == row_before


# -- refused input -----------------------------------------------------------------------------


# Each row: a label, the raw input, the messages and the per-field messages expected. The rows
# share one world: a refused input changes nothing, so each row starts from the same pupil.
INVALID_INPUTS: list[tuple[str, dict[str, str], list[str], dict[str, list[str]]]] = [
    (
        "30 February",
        {"birth_date": "30/02/2016", "hometown": "Huế"},
        ["Ngày sinh: «30/02/2016» không phải ngày hợp lệ (dd/mm/yyyy)."],
        {"birth_date": ["Ngày sinh: «30/02/2016» không phải ngày hợp lệ (dd/mm/yyyy)."]},
    ),
    (
        "empty mother name",
        {"mother_name": "  ", "hometown": "Huế"},
        ["Họ tên mẹ: không được để trống. Ghi «không» nếu không có."],
        {"mother_name": ["Họ tên mẹ: không được để trống. Ghi «không» nếu không có."]},
    ),
    (
        "11-digit personal ID",
        {"personal_id": "05821600123", "hometown": "Huế"},
        ["Số định danh cá nhân phải gồm đúng 12 chữ số."],
        {"personal_id": ["Số định danh cá nhân phải gồm đúng 12 chữ số."]},
    ),
    (
        "a girl's personal ID for a boy",
        {"personal_id": "058316001234"},
        ["Số định danh cá nhân mã hóa giới tính khác hồ sơ (hồ sơ: nam)."],
        {"personal_id": ["Số định danh cá nhân mã hóa giới tính khác hồ sơ (hồ sơ: nam)."]},
    ),
    (
        "a personal ID of 2017 for a pupil born 2016",
        {"personal_id": "058217001234"},
        ["Số định danh cá nhân mã hóa năm sinh 2017, khác năm sinh trong hồ sơ (2016)."],
        {
            "personal_id": [
                "Số định danh cá nhân mã hóa năm sinh 2017, khác năm sinh trong hồ sơ (2016)."
            ]
        },
    ),
    (
        "another pupil's personal ID (the canary in the other school)",
        {"personal_id": CANARY_PERSONAL_ID, "hometown": "Huế"},
        ["Số định danh cá nhân này đã thuộc về một học sinh khác."],
        {"personal_id": ["Số định danh cá nhân này đã thuộc về một học sinh khác."]},
    ),
    (
        "changing the gender against the stored personal ID",
        {"gender": "Nữ"},
        ["Số định danh cá nhân mã hóa giới tính khác hồ sơ (hồ sơ: nữ)."],
        {"personal_id": ["Số định danh cá nhân mã hóa giới tính khác hồ sơ (hồ sơ: nữ)."]},
    ),
    (
        "changing the birth year against the stored personal ID",
        {"birth_date": "15/03/2017"},
        ["Số định danh cá nhân mã hóa năm sinh 2016, khác năm sinh trong hồ sơ (2017)."],
        {
            "personal_id": [
                "Số định danh cá nhân mã hóa năm sinh 2016, khác năm sinh trong hồ sơ (2017)."
            ]
        },
    ),
]


def test_invalid_input_is_refused_and_changes_nothing(world: World) -> None:
    # given pupil A with a personal ID on file
    teacher = world.user("homeroom_4a")
    update_student_profile(world.pupil_a.pk, {"personal_id": PERSONAL_ID_A}, acting_user=teacher)
    row_before = _row(world.pupil_a.pk)
    events_before = AuditEvent.objects.count()
    failures = []
    for case, raw, messages, field_errors in INVALID_INPUTS:
        # when
        try:
            update_student_profile(world.pupil_a.pk, raw, acting_user=teacher)
        except ActionError as refused:
            # then
            if (refused.messages, refused.field_errors) != (messages, field_errors):
                failures.append(f"{case}: {refused.messages} {refused.field_errors}")
        else:
            failures.append(f"{case}: accepted")
        if _row(world.pupil_a.pk) != row_before:
            failures.append(f"{case}: the pupil changed")
        if AuditEvent.objects.count() != events_before:
            failures.append(f"{case}: an audit event was written")
    assert failures == []


def test_correcting_gender_and_personal_id_together_is_accepted(world: World) -> None:
    # given pupil A recorded as a boy with a boy's number
    teacher = world.user("homeroom_4a")
    update_student_profile(world.pupil_a.pk, {"personal_id": PERSONAL_ID_A}, acting_user=teacher)
    # when both are corrected in one save
    update_student_profile(
        world.pupil_a.pk, {"gender": "Nữ", "personal_id": "058316001234"}, acting_user=teacher
    )
    # then
    row = _row(world.pupil_a.pk)
    assert (row["gender"], row["personal_id"]) == (2, "058316001234")


# -- who may call the action -------------------------------------------------------------------


# Each row: persona, pupil, the refusal. Hidden pupils answer 404 like missing ones; visible
# pupils the persona may not change answer 403.
REFUSED_CALLERS: list[tuple[str, str, type[Exception]]] = [
    ("subject_teacher_5b", "pupil_a", Http404),  # another class
    ("subject_teacher_5b", "pupil_5b", PermissionDenied),  # own class, not its homeroom teacher
    ("parent_a", "pupil_a", PermissionDenied),  # own child: read only
    ("parent_b", "pupil_a", Http404),
    ("group_head", "pupil_a", PermissionDenied),  # supervises grade 4: read only
    ("other_principal", "pupil_a", Http404),  # another school
    ("commune_officer", "pupil_a", PermissionDenied),  # oversight: read only
    ("principal", "canary", Http404),  # the canary is in the other school
]


def _refusal(call: Callable[[], object]) -> type[Exception] | None:
    try:
        call()
    except (Http404, PermissionDenied) as exc:
        return type(exc)
    return None


def test_refused_callers_change_nothing(world: World) -> None:
    failures = []
    for persona, pupil, expected in REFUSED_CALLERS:
        # given
        student: Student = getattr(world, pupil)
        user = world.user(persona)
        row_before = _row(student.pk)
        unverified_before = _unverified_labels(student.pk)
        events_before = AuditEvent.objects.count()
        # when they try to change the profile, then to verify a field
        refusals = (
            _refusal(
                partial(
                    update_student_profile,
                    student.pk,
                    {"mother_name": "Kẻ Lạ", "personal_id": PERSONAL_ID_A},
                    acting_user=user,
                )
            ),
            _refusal(
                partial(
                    verify_student_field,
                    student.pk,
                    "full_name",
                    "birth_certificate",
                    acting_user=user,
                )
            ),
        )
        # then both are refused and nothing changed
        if refusals != (expected, expected):
            failures.append(f"{persona} on {pupil}: {refusals}")
        if _row(student.pk) != row_before:
            failures.append(f"{persona} on {pupil}: the pupil changed")
        if _unverified_labels(student.pk) != unverified_before:
            failures.append(f"{persona} on {pupil}: a verification was recorded")
        if AuditEvent.objects.count() != events_before:
            failures.append(f"{persona} on {pupil}: an audit event was written")
    assert failures == []


# -- verification ------------------------------------------------------------------------------

UNVERIFIED_AT_START = [
    "Họ và tên",
    "Giới tính",
    "Ngày sinh",
    "Dân tộc",
    "Quốc tịch",
    "Nơi sinh",
    "Quê quán",
    "Họ tên cha",
    "Họ tên mẹ",
]


def test_verified_field_becomes_unverified_when_its_value_changes(world: World) -> None:
    # given pupil A: every field present, none verified yet (the personal ID is missing)
    teacher = world.user("homeroom_4a")
    assert _unverified_labels(world.pupil_a.pk) == UNVERIFIED_AT_START
    without_mother = [label for label in UNVERIFIED_AT_START if label != "Họ tên mẹ"]
    # when the mother's name is checked against the birth certificate
    verify_student_field(world.pupil_a.pk, "mother_name", "birth_certificate", acting_user=teacher)
    # then it counts as verified, and one event says so
    assert _unverified_labels(world.pupil_a.pk) == without_mother
    event = AuditEvent.objects.get(action="student.field_verified")
    assert event.data == {"new": {"field": "mother_name", "source": "birth_certificate"}}
    # when the value changes afterwards
    update_student_profile(world.pupil_a.pk, {"mother_name": "Trần Thị Mai"}, acting_user=teacher)
    # then the old verification no longer applies
    assert _unverified_labels(world.pupil_a.pk) == UNVERIFIED_AT_START
    # when the value goes back to the one on the birth certificate
    update_student_profile(world.pupil_a.pk, {"mother_name": "Trần Thị Mẹ"}, acting_user=teacher)
    # then that verification applies again: it is bound to the value, not to a moment
    assert _unverified_labels(world.pupil_a.pk) == without_mother


def test_every_verifiable_field_verified_makes_the_profile_complete(world: World) -> None:
    # given pupil A (who has a photo) with a personal ID
    teacher = world.user("homeroom_4a")
    update_student_profile(world.pupil_a.pk, {"personal_id": PERSONAL_ID_A}, acting_user=teacher)
    fields = [
        "full_name",
        "gender",
        "birth_date",
        "ethnicity",
        "nationality",
        "birth_place",
        "hometown",
        "father_name",
        "mother_name",
        "personal_id",
    ]
    # when
    for name in fields:
        verify_student_field(world.pupil_a.pk, name, "birth_certificate", acting_user=teacher)
    # then
    entry = completeness_for([Student.objects.get(pk=world.pupil_a.pk)])[0]
    assert (entry.missing, entry.unverified, entry.is_complete) == ([], [], True)


VERIFICATION_REFUSALS = [
    (
        "not a verifiable field",
        "current_address",
        "birth_certificate",
        "Trường «current_address» không thuộc danh sách cần xác minh.",
    ),
    ("unknown source", "full_name", "hearsay", "Nguồn xác minh «hearsay» không hợp lệ."),
    (
        "nothing to verify yet",
        "personal_id",
        "population_db",
        "Số định danh cá nhân: chưa có thông tin để xác minh.",
    ),
]


def test_verification_refused(world: World) -> None:
    # given
    events_before = AuditEvent.objects.count()
    failures = []
    for case, field, source, message in VERIFICATION_REFUSALS:
        # when
        try:
            verify_student_field(
                world.pupil_a.pk, field, source, acting_user=world.user("principal")
            )
        except ActionError as refused:
            # then
            if refused.messages != [message]:
                failures.append(f"{case}: {refused.messages}")
        else:
            failures.append(f"{case}: accepted")
    assert failures == []
    assert AuditEvent.objects.count() == events_before


# -- reassignment takes effect on the next request (ASVS 8.3.2, security.md A4) -----------------


def _client(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(world.user(persona))
    return client


def test_reassigned_subject_teacher_loses_the_class_at_once(world: World) -> None:
    # given both teachers logged in, the old one looking at 5B
    old_teacher = _client(world, "subject_teacher_5b")
    new_teacher = _client(world, "homeroom_4a")
    url = f"/lop/{world.class_5b.pk}/"
    assert old_teacher.get(url).status_code == 200
    assert new_teacher.get(url).status_code == 404
    # when the principal moves 5B's informatics to the 4A teacher
    assign_teacher(
        world.user("homeroom_4a").pk,
        world.class_5b.pk,
        "tin_hoc",
        acting_user=world.user("principal"),
    )
    # then the very next requests reflect it, without logging in again
    assert old_teacher.get(url).status_code == 404
    assert old_teacher.get(f"/hoc-sinh/{world.pupil_5b.pk}/").status_code == 404
    assert new_teacher.get(url).status_code == 200
    assert [
        (e.action, e.data)
        for e in AuditEvent.objects.filter(action__startswith="assignment.").order_by("seq")[3:]
    ] == [
        (
            "assignment.teaching_ended",
            {"old": {"user": world.user("subject_teacher_5b").pk, "subject": "tin_hoc"}},
        ),
        (
            "assignment.teaching_assigned",
            {"new": {"user": world.user("homeroom_4a").pk, "subject": "tin_hoc"}},
        ),
    ]


def test_reassigned_homeroom_teacher_loses_editing_at_once(world: World) -> None:
    # given the 4A homeroom teacher can edit pupil A; the 5B teacher cannot see them
    old = _client(world, "homeroom_4a")
    new = _client(world, "subject_teacher_5b")
    edit_url = f"/hoc-sinh/{world.pupil_a.pk}/sua/"
    assert old.get(edit_url).status_code == 200
    assert new.get(edit_url).status_code == 404
    # when the principal makes the 5B teacher homeroom teacher of 4A
    assign_homeroom(
        world.user("subject_teacher_5b").pk, world.class_4a.pk, acting_user=world.user("principal")
    )
    # then the old one still teaches maths in 4A (may read) but may no longer edit
    assert old.get(edit_url).status_code == 403
    assert old.get(f"/hoc-sinh/{world.pupil_a.pk}/").status_code == 200
    assert new.get(edit_url).status_code == 200
    with pytest.raises(PermissionDenied):
        update_student_profile(
            world.pupil_a.pk, {"hometown": "Huế"}, acting_user=world.user("homeroom_4a")
        )
    update_student_profile(
        world.pupil_a.pk, {"hometown": "Huế"}, acting_user=world.user("subject_teacher_5b")
    )
    assert _row(world.pupil_a.pk)["hometown"] == "Huế"


def test_seed_actor_may_update_any_pupil(world: World) -> None:
    # when the seed corrects the canary pupil
    update_student_profile(world.canary.pk, {"hometown": "Phan Rí"}, acting_user=SEED)
    # then the event is on the other school's chain and names no person
    event = AuditEvent.objects.get(action="student.profile_updated")
    assert (event.chain, event.actor_id, event.actor_label) == (
        f"school:{world.other_school.pk}",
        None,
        "hệ thống",
    )
    assert _row(world.canary.pk)["hometown"] == "Phan Rí"
