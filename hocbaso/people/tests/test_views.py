"""Staff pages through the test client: the edit form, login and logout, session timeouts
(security.md F4), the home page and the pupil search."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from hocbaso.audit.actors import SEED
from hocbaso.audit.models import AuditEvent
from hocbaso.people.actions.photos import set_student_photo
from hocbaso.people.actions.students import (
    create_student,
    update_student_profile,
    verify_student_field,
)
from hocbaso.people.models import Student
from hocbaso.people.profile_fields import VERIFIABLE_FIELDS
from hocbaso.people.tests.world import PASSWORD, World, pupil_values, sample_photo

pytestmark = pytest.mark.django_db

PERSONAL_ID_A = "058216001234"  # a boy born 2016, registered in Ninh Thuận
MONDAY_MORNING = dt.datetime(2026, 10, 5, 7, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def _client(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(world.user(persona))
    return client


def _row(student_id: int) -> Mapping[str, object]:
    return Student.objects.filter(pk=student_id).values().get()


def _form(student: Student, **changes: str) -> dict[str, str]:
    """What the edit form posts: every field as shown, the personal ID left empty."""
    values = {
        "full_name": student.full_name,
        "gender": str(student.gender),
        "birth_date": student.birth_date.strftime("%d/%m/%Y"),
        "ethnicity": student.ethnicity,
        "nationality": student.nationality,
        "birth_place": student.birth_place,
        "hometown": student.hometown,
        "current_address": student.current_address,
        "father_name": student.father_name,
        "mother_name": student.mother_name,
        "guardian_name": student.guardian_name,
        "policy_group": student.policy_group,
        "personal_id": "",
    }
    values.update(changes)
    return values


# -- the edit form -------------------------------------------------------------------------------


def test_edit_with_errors_shows_them_and_changes_nothing(world: World) -> None:
    # given
    client = _client(world, "homeroom_4a")
    row_before = _row(world.pupil_a.pk)
    events_before = AuditEvent.objects.count()
    # when the form is posted with a bad date, no mother's name and a bad personal ID
    response = client.post(
        f"/hoc-sinh/{world.pupil_a.pk}/sua/",
        _form(
            world.pupil_a,
            birth_date="31/02/2016",
            mother_name="",
            personal_id="05821600123",
            hometown="Huế",
        ),
    )
    # then the form comes back with each message next to its field
    body = response.content.decode()
    assert response.status_code == 200
    assert "Ngày sinh: «31/02/2016» không phải ngày hợp lệ (dd/mm/yyyy)." in body
    assert "Họ tên mẹ: không được để trống. Ghi «không» nếu không có." in body
    assert "Số định danh cá nhân phải gồm đúng 12 chữ số." in body
    assert "Đã lưu hồ sơ học sinh." not in body
    # and nothing changed
    assert _row(world.pupil_a.pk) == row_before
    assert AuditEvent.objects.count() == events_before


def test_edit_with_another_pupils_personal_id_is_refused(world: World) -> None:
    # given pupil 5B holds a number
    update_student_profile(world.pupil_5b.pk, {"personal_id": "058316004321"}, acting_user=SEED)
    row_before = _row(world.pupil_a.pk)
    # when pupil A's teacher types that number (and a gender that agrees with it)
    response = _client(world, "homeroom_4a").post(
        f"/hoc-sinh/{world.pupil_a.pk}/sua/",
        _form(world.pupil_a, gender="2", personal_id="058316004321"),
    )
    # then
    assert response.status_code == 200
    assert "Số định danh cá nhân này đã thuộc về một học sinh khác." in response.content.decode()
    assert _row(world.pupil_a.pk) == row_before


def test_valid_edit_redirects_and_the_detail_page_shows_the_change(world: World) -> None:
    # given pupil A with a personal ID on file
    update_student_profile(world.pupil_a.pk, {"personal_id": PERSONAL_ID_A}, acting_user=SEED)
    client = _client(world, "homeroom_4a")
    # when the form is posted with a new address, the personal ID left empty, and fields that
    # are not on the form
    response = client.post(
        f"/hoc-sinh/{world.pupil_a.pk}/sua/",
        {
            **_form(world.pupil_a, current_address="45 Trần Phú, phường Đô Vinh"),
            "school": str(world.other_school.pk),
            "moet_code": "HACKED",
        },
    )
    # then
    assert (response.status_code, response["Location"]) == (302, f"/hoc-sinh/{world.pupil_a.pk}/")
    page = client.get(response["Location"]).content.decode()
    assert "Đã lưu hồ sơ học sinh." in page
    assert '<tr data-field="current_address"><th>Nơi ở hiện nay</th>\n<td>45 Trần Phú' in page
    # and only the address changed: the number on file is kept, extra fields are ignored
    row = _row(world.pupil_a.pk)
    assert (row["current_address"], row["personal_id"]) == (
        "45 Trần Phú, phường Đô Vinh",
        PERSONAL_ID_A,
    )
    assert (row["school_id"], row["moet_code"]) == (world.school.pk, None)
    assert "•••••••••234" in page
    event = AuditEvent.objects.get(
        action="student.profile_updated", actor=world.user("homeroom_4a")
    )
    assert event.data == {
        "old": {"current_address": "12 Lê Lợi, phường Đô Vinh"},
        "new": {"current_address": "45 Trần Phú, phường Đô Vinh"},
    }


# -- login and logout ----------------------------------------------------------------------------


def test_login_writes_an_event_and_rotates_the_session(world: World) -> None:
    # given an anonymous visitor with a session
    client = Client()
    session = client.session
    session["probe"] = 1
    session.save()
    key_before = session.session_key
    # when
    response = client.post("/dang-nhap/", {"username": "homeroom_4a", "password": PASSWORD})
    # then
    assert (response.status_code, response["Location"]) == (302, "/")
    assert key_before is not None
    assert client.session.session_key not in (None, key_before)
    event = AuditEvent.objects.get(action="account.login")
    assert (event.actor_id, event.subject_type, event.subject_id) == (
        world.user("homeroom_4a").pk,
        "people.user",
        str(world.user("homeroom_4a").pk),
    )
    assert client.get("/").status_code == 200


def test_failed_login_is_logged_without_the_password(world: World) -> None:
    # given
    wrong = "Sai-mat-khau-9137"
    # when
    response = Client().post("/dang-nhap/", {"username": "homeroom_4a", "password": wrong})
    # then
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.content.decode()
    assert wrong not in response.content.decode()
    event = AuditEvent.objects.get(action="account.login_failed")
    assert (event.actor_id, event.actor_label, event.subject_label, event.data) == (
        None,
        "hệ thống",
        "homeroom_4a",
        {"new": {"username": "homeroom_4a"}},
    )
    everything = json.dumps(list(AuditEvent.objects.values()), default=str, ensure_ascii=False)
    assert wrong not in everything
    assert AuditEvent.objects.filter(action="account.login").count() == 0


def test_logout_by_get_is_refused(world: World) -> None:
    # given
    client = _client(world, "homeroom_4a")
    # when
    response = client.get("/dang-xuat/")
    # then: still logged in, nothing logged
    assert response.status_code == 405
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(action="account.logout").count() == 0


def test_logout_by_post_ends_the_session(world: World) -> None:
    # given
    client = _client(world, "homeroom_4a")
    old_key = client.session.session_key
    # when
    response = client.post("/dang-xuat/")
    # then
    assert (response.status_code, response["Location"]) == (302, "/dang-nhap/")
    assert AuditEvent.objects.get(action="account.logout").actor_id == world.user("homeroom_4a").pk
    assert client.get("/").status_code == 302
    # and the old session key no longer works
    assert old_key is not None
    stale = Client()
    stale.cookies["sessionid"] = old_key
    assert stale.get("/").status_code == 302


# -- session timeouts (security.md F4) -----------------------------------------------------------


def test_staff_idle_for_31_minutes_is_logged_out(world: World) -> None:
    with time_machine.travel(MONDAY_MORNING, tick=False) as clock:
        # given a teacher active at 7:30 and again at 7:59
        client = _client(world, "homeroom_4a")
        assert client.get("/").status_code == 200
        clock.shift(dt.timedelta(minutes=29))
        assert client.get("/").status_code == 200
        # when the next request comes 31 minutes later
        clock.shift(dt.timedelta(minutes=31))
        response = client.get(f"/lop/{world.class_4a.pk}/")
        # then
        assert (response.status_code, response["Location"]) == (
            302,
            f"/dang-nhap/?next=/lop/{world.class_4a.pk}/",
        )
        assert client.get("/").status_code == 302


def test_session_last_seen_31_minutes_ago_is_logged_out(world: World) -> None:
    # given a session whose last request was 31 minutes ago
    client = _client(world, "homeroom_4a")
    session = client.session
    session["hocbaso_last_seen"] = int(dt.datetime.now(tz=dt.UTC).timestamp()) - 31 * 60
    session.save()
    # when
    response = client.get("/")
    # then
    assert (response.status_code, response["Location"]) == (302, "/dang-nhap/?next=/")


def test_requests_within_a_minute_do_not_rewrite_the_session_but_still_count(
    world: World,
) -> None:
    with time_machine.travel(MONDAY_MORNING, tick=False) as clock:
        # given a teacher whose grid saves every 20 s
        client = _client(world, "homeroom_4a")
        assert client.get("/").status_code == 200
        first = client.session["hocbaso_last_seen"]
        clock.shift(dt.timedelta(seconds=20))
        client.get("/")
        within_a_minute = client.session["hocbaso_last_seen"]
        clock.shift(dt.timedelta(seconds=45))
        client.get("/")
        after_a_minute = client.session["hocbaso_last_seen"]
        # when the next request comes 29 minutes after the last recorded one
        clock.shift(dt.timedelta(minutes=29))
        response = client.get(f"/lop/{world.class_4a.pk}/")
        # then the session row was written once a minute at most, and activity still counted
        assert within_a_minute == first
        assert after_a_minute == first + 65
        assert response.status_code == 200


def test_active_session_ends_after_12_hours(world: World) -> None:
    with time_machine.travel(MONDAY_MORNING, tick=False) as clock:
        # given a teacher who is never idle: a request every 29 minutes from 7:30 to 19:06
        client = _client(world, "homeroom_4a")
        statuses = []
        for k in range(25):
            clock.move_to(MONDAY_MORNING + k * dt.timedelta(minutes=29))
            statuses.append(client.get("/hoc-sinh/").status_code)
        # when the next request comes at 19:30, 12 hours after the first
        clock.move_to(MONDAY_MORNING + dt.timedelta(hours=12))
        response = client.get("/hoc-sinh/")
        # then the session has ended, however active it was
        assert statuses == [200] * 25
        assert (response.status_code, response["Location"]) == (
            302,
            "/dang-nhap/?next=/hoc-sinh/",
        )


# -- the home page -------------------------------------------------------------------------------


def test_home_page_counts_incomplete_profiles_of_the_homeroom_class(world: World) -> None:
    # given 4A with pupil A (no personal ID) and two more pupils, one of them complete
    principal = world.user("principal")
    day = dt.date(2026, 9, 5)
    complete = create_student(
        pupil_values("Đỗ Hoàn Chỉnh", personal_id="058216000001"),
        world.class_4a.pk,
        enrolled_on=day,
        acting_user=SEED,
    )
    create_student(
        pupil_values("Vũ Chưa Ảnh"), world.class_4a.pk, enrolled_on=day, acting_user=SEED
    )
    set_student_photo(complete.pk, sample_photo(), acting_user=SEED)
    for name in VERIFIABLE_FIELDS:
        verify_student_field(complete.pk, name, "birth_certificate", acting_user=principal)
    # when
    body = _client(world, "homeroom_4a").get("/").content.decode()
    # then
    assert "2 học sinh chưa đủ hoặc chưa xác minh hồ sơ" in body
    assert f'href="/lop/{world.class_4a.pk}/hoan-thien/"' in body


def test_home_page_says_when_every_profile_is_complete(world: World) -> None:
    # given pupil A made complete
    principal = world.user("principal")
    update_student_profile(world.pupil_a.pk, {"personal_id": PERSONAL_ID_A}, acting_user=principal)
    for name in VERIFIABLE_FIELDS:
        verify_student_field(world.pupil_a.pk, name, "parent_confirmation", acting_user=principal)
    # when
    body = _client(world, "homeroom_4a").get("/").content.decode()
    # then
    assert "hồ sơ 1 học sinh đã đầy đủ" in body
    assert "chưa đủ hoặc chưa xác minh" not in body


# -- the pupil search ----------------------------------------------------------------------------


# Each row: a label, what is typed, the names listed.
SEARCHES: list[tuple[str, str, list[str]]] = [
    ("full name", "Lê Minh An", ["Lê Minh An"]),
    ("part of the name", "Minh", ["Lê Minh An"]),
    ("ASCII letters in another case", "minh an", ["Lê Minh An"]),
    ("decomposed input (some Vietnamese keyboards)", "Le\u0302 Minh", ["Lê Minh An"]),
    ("padded, doubled space", "  Thu  Hà ", ["Phạm Thu Hà"]),
    ("MOET code, exactly", "HS-0042", ["Phạm Thu Hà"]),
    ("no match", "Nguyễn", []),
]


def test_pupil_search(world: World) -> None:
    # given a MOET code on pupil 5B
    Student.objects.filter(pk=world.pupil_5b.pk).update(moet_code="HS-0042")
    client = _client(world, "principal")
    failures = []
    for case, query, expected in SEARCHES:
        # when the principal searches
        response = client.get("/hoc-sinh/", {"q": query})
        # then
        found = [s.full_name for s in response.context["page"]]
        says_none = "Không có học sinh nào." in response.content.decode()
        if (found, says_none) != (expected, expected == []):
            failures.append(f"{case}: {found}")
    assert failures == []


def test_pupil_search_never_leaves_the_users_scope(world: World) -> None:
    # when the 5B subject teacher searches for a 4A pupil and for the other school's canary
    client = _client(world, "subject_teacher_5b")
    found = [
        [s.full_name for s in client.get("/hoc-sinh/", {"q": q}).context["page"]]
        for q in ("Lê Minh An", "Canary", "")
    ]
    # then
    assert found == [[], [], ["Phạm Thu Hà"]]
