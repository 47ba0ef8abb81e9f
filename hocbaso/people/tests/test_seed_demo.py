from __future__ import annotations

import hashlib
import io
import unicodedata

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from hocbaso.audit.models import AuditEvent
from hocbaso.org.models import ClassGroup, School
from hocbaso.people.completeness import completeness_for
from hocbaso.people.demo.logins import DEMO_PASSWORD, DEMO_USERNAMES
from hocbaso.people.models import Guardian, Student, StudentPhoto, User
from hocbaso.people.personal_id import personal_id_errors
from hocbaso.people.scope import scope_for

pytestmark = pytest.mark.django_db

SMALL = ("--schools", "2", "--classes-per-grade", "1", "--students-per-class", "4")


class _Rollback(Exception):
    """Raised to undo a seed inside the test's transaction."""


def _seed(*extra: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *SMALL, *extra, stdout=out)
    return out.getvalue()


def _pupils_digest() -> str:
    rows = Student.objects.order_by(
        "school__code", "enrolments__class_group__name", "enrolments__register_number"
    ).values_list(
        "school__code",
        "enrolments__class_group__name",
        "full_name",
        "gender",
        "birth_date",
        "personal_id",
        "father_name",
        "mother_name",
        "current_address",
    )
    staff = User.objects.order_by("username").values_list("username", "full_name", "phone")
    return hashlib.sha256(repr((list(rows), list(staff))).encode()).hexdigest()


def _digest_of_seed(seed: int) -> str:
    digest = ""
    try:
        with transaction.atomic():
            _seed("--seed", str(seed))
            digest = _pupils_digest()
            raise _Rollback
    except _Rollback:
        pass
    return digest


def test_same_seed_gives_same_people_and_another_seed_does_not() -> None:
    # when: the same small province is seeded twice into an empty database, then another seed
    first = _digest_of_seed(2026)
    second = _digest_of_seed(2026)
    other = _digest_of_seed(7)

    # then
    assert first == second
    assert other != first
    assert School.objects.count() == 0


def test_seed_builds_schools_classes_and_pupils_with_valid_ids_and_nfc_names() -> None:
    # when
    _seed()

    # then: 2 schools × 5 grades × 1 class × 4 pupils
    assert School.objects.count() == 2
    assert sorted(
        ClassGroup.objects.filter(school__code="TH001").values_list("name", flat=True)
    ) == [
        "1A",
        "2A",
        "3A",
        "4A",
        "5A",
    ]
    pupils = list(Student.objects.all())
    assert len(pupils) == 40
    with_id = [p for p in pupils if p.personal_id]
    assert len({p.personal_id for p in with_id}) == len(with_id)
    for pupil in with_id:
        assert (
            personal_id_errors(
                pupil.personal_id or "", birth_date=pupil.birth_date, gender=pupil.gender
            )
            == []
        )
    names = [p.full_name for p in pupils] + list(
        Guardian.objects.values_list("full_name", flat=True)
    )
    assert [n for n in names if unicodedata.normalize("NFC", n) != n] == []
    # something for the completeness board: pupils still missing or unverified fields
    incomplete = [c for c in completeness_for(pupils) if not c.is_complete]
    assert 0 < len(incomplete) < 40


def test_every_pupil_has_one_created_event_and_each_chain_is_consecutive() -> None:
    # when
    _seed()

    # then
    created = AuditEvent.objects.filter(action="student.created")
    assert created.count() == Student.objects.count() == 40
    assert AuditEvent.objects.filter(action="guardian.added").count() == Guardian.objects.count()
    assert AuditEvent.objects.filter(action="student.photo_set").count() == (
        StudentPhoto.objects.count()
    )
    chains = sorted(set(AuditEvent.objects.values_list("chain", flat=True)))
    schools = School.objects.order_by("pk").values_list("pk", flat=True)
    assert chains == sorted(["system", *(f"school:{pk}" for pk in schools)])
    for chain in chains:
        events = list(AuditEvent.objects.filter(chain=chain).order_by("seq"))
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]


def test_if_empty_does_nothing_on_a_seeded_database() -> None:
    # given
    _seed()
    events = AuditEvent.objects.count()

    # when
    out = _seed("--if-empty")

    # then
    assert out == "Cơ sở dữ liệu đã có dữ liệu (2 trường): không tạo dữ liệu mẫu.\n"
    assert AuditEvent.objects.count() == events
    assert Student.objects.count() == 40


def test_seeding_a_seeded_database_without_if_empty_is_refused() -> None:
    # given
    _seed()

    # when / then
    with pytest.raises(CommandError, match="Cơ sở dữ liệu đã có 2 trường"):
        _seed()


def test_demo_logins_exist_with_the_roles_they_are_named_for() -> None:
    # given
    _seed()
    users = {u.username: u for u in User.objects.filter(username__in=DEMO_USERNAMES)}
    class_4a = ClassGroup.objects.get(school__code="TH001", name="4A")

    # then
    assert sorted(users) == sorted(DEMO_USERNAMES)
    assert users["gvcn4a"].check_password(DEMO_PASSWORD)
    assert users["admin"].is_superuser
    assert scope_for(users["gvcn4a"]).homeroom_class_ids == frozenset({class_4a.pk})
    assert scope_for(users["totruong"]).group_head_grades == {class_4a.school_id: frozenset({4, 5})}
    teaching = scope_for(users["gvbomon"]).teaching_subjects
    assert sorted(ClassGroup.objects.get(pk=class_id).name for class_id, _ in teaching) == [
        "3A",
        "4A",
        "5A",
    ]
    assert {subject for _, subject in teaching} == {"tin_hoc"}
    pupils_of_parent = scope_for(users["phuhuynh"]).guardian_student_ids
    assert len(pupils_of_parent) == 1
    assert Student.objects.get(pk=next(iter(pupils_of_parent))).enrolments.get().class_group == (
        class_4a
    )
    assert scope_for(users["hieutruong"]).principal_school_ids == frozenset({class_4a.school_id})


def test_demo_logins_prints_every_demo_username_and_the_password() -> None:
    # given
    _seed()
    out = io.StringIO()

    # when
    call_command("demo_logins", stdout=out)

    # then
    lines = out.getvalue().splitlines()
    assert lines[0] == f"Tài khoản dùng thử — mật khẩu chung: {DEMO_PASSWORD}"
    for username in DEMO_USERNAMES:
        assert [line for line in lines if f"  {username}  " in line] != [], username
    assert "Chưa có" not in out.getvalue()
