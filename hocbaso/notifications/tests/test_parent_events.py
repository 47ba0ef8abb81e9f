"""Messages to linked parents when results are released or a record is issued: one per parent
per event, Vietnamese, no grades; the channel follows the preference and the consent."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from hocbaso.audit.models import AuditEvent
from hocbaso.notifications import parent_events
from hocbaso.notifications.actions import set_preferences
from hocbaso.notifications.models import Notification, Preference
from hocbaso.people.actions.consent import give_consent, withdraw_consent
from hocbaso.people.errors import ActionError
from hocbaso.people.models import User
from hocbaso.people.tests.world import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def contactable(world: World) -> World:
    User.objects.filter(pk=world.user("parent_a").pk).update(
        email="bo.an@example.vn", phone="0912345678"
    )
    world.users["parent_a"].refresh_from_db()
    return world


def _release(w: World) -> list[Notification]:
    return parent_events.period_released(
        period_id=7, period_label="Giữa học kì I", class_id=w.class_4a.pk, class_name="4A",
        school_year="2026-2027", student_ids=[w.pupil_a.pk, w.pupil_5b.pk],
    )  # fmt: skip


def test_a_release_sends_one_email_to_each_linked_parent(
    contactable: World, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.HOCBASO_NOTIFICATION_BACKENDS = {"email": "email"}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        (row,) = _release(contactable)
    assert (row.channel, row.address, row.user, row.topic, row.school_id) == (
        "email",
        "bo.an@example.vn",
        contactable.user("parent_a"),
        "period.released",
        contactable.school.pk,
    )
    assert row.dedupe_key == (
        f"period.released:period:7:class:{contactable.class_4a.pk}:user:"
        f"{contactable.user('parent_a').pk}"
    )
    (message,) = mail.outbox
    assert message.body == (
        "Học bạ số: kết quả Giữa học kì I năm học 2026-2027 của lớp 4A đã được công bố, "
        "xem tại http://127.0.0.1:8000/phu-huynh/"
    )
    assert contactable.pupil_a.full_name not in message.body
    # released again (a retried release): nothing more is sent
    with django_capture_on_commit_callbacks(execute=True):
        (again,) = _release(contactable)
    assert again.pk == row.pk
    assert len(mail.outbox) == 1
    assert AuditEvent.objects.filter(action="notification.sent").count() == 1


def test_no_address_no_message(world: World) -> None:
    assert _release(world) == []
    assert Notification.objects.count() == 0


def test_zalo_needs_the_parents_consent(contactable: World) -> None:
    parent = contactable.user("parent_a")
    set_preferences(channel="zalo", non_essential=True, acting_user=parent)
    # without consent: e-mail instead, never Zalo
    (first,) = _release(contactable)
    assert (first.channel, first.address) == ("email", "bo.an@example.vn")
    # with consent: Zalo to the parent's phone, with the template's parameters
    give_consent(contactable.pupil_a.pk, "notify_zalo", version=1, acting_user=parent)
    (issued,) = parent_events.record_issued(
        student_id=contactable.pupil_a.pk, record_code="HB-1", version=1, class_name="4A",
        school_year="2026-2027",
    )  # fmt: skip
    assert (issued.channel, issued.address, issued.params["lop"]) == ("zalo", "0912345678", "4A")
    # withdrawn: back to e-mail
    withdraw_consent(contactable.pupil_a.pk, "notify_zalo", acting_user=parent)
    (second,) = parent_events.record_issued(
        student_id=contactable.pupil_a.pk, record_code="HB-1", version=2, class_name="4A",
        school_year="2026-2027",
    )  # fmt: skip
    assert second.channel == "email"


def test_sms_text_has_no_grades_and_goes_to_the_phone(contactable: World) -> None:
    parent = contactable.user("parent_a")
    set_preferences(channel="sms", non_essential=True, acting_user=parent)
    give_consent(contactable.pupil_a.pk, "notify_sms", version=1, acting_user=parent)
    (row,) = _release(contactable)
    assert (row.channel, row.address) == ("sms", "0912345678")
    assert "đã được công bố, xem tại" in row.text
    for level in (" T ", " H ", " C ", "Hoàn thành tốt", "điểm"):
        assert level not in row.text


def test_an_opted_out_parent_gets_only_essential_messages(contactable: World) -> None:
    set_preferences(channel="email", non_essential=False, acting_user=contactable.user("parent_a"))
    assert _release(contactable) == []
    (issued,) = parent_events.record_issued(
        student_id=contactable.pupil_a.pk, record_code="HB-9", version=3, class_name="4A",
        school_year="2026-2027",
    )  # fmt: skip
    assert (issued.topic, issued.dedupe_key) == (
        "record.issued",
        f"record.issued:record:HB-9:v3:user:{contactable.user('parent_a').pk}",
    )
    assert issued.text == (
        "Học bạ số: học bạ năm học 2026-2027 (lớp 4A) của con anh/chị đã được nhà trường kí số "
        "và phát hành, xem tại http://127.0.0.1:8000/phu-huynh/"
    )


def test_preference_refusals_change_nothing(world: World) -> None:
    parent = world.user("parent_a")
    before = AuditEvent.objects.count()
    with pytest.raises(ActionError) as caught:
        set_preferences(channel="fax", non_essential=True, acting_user=parent)
    assert caught.value.messages == ["Kênh nhận thông báo không hợp lệ."]
    set_preferences(channel="sms", non_essential=True, acting_user=parent)
    with pytest.raises(ActionError) as caught:
        set_preferences(channel="sms", non_essential=True, acting_user=parent)
    assert caught.value.messages == ["Cách nhận thông báo không thay đổi."]
    assert Preference.objects.get(user=parent).channel == "sms"
    event = AuditEvent.objects.filter(action="notification.preferences_changed").get()
    assert event.data == {"old": None, "new": {"channel": "sms", "non_essential": True}}
    assert AuditEvent.objects.count() == before + 1


def test_releasing_a_period_notifies_each_class_after_commit(
    contactable: World, django_capture_on_commit_callbacks: Any
) -> None:
    from hocbaso.assessment.release import release_period
    from hocbaso.org.models import Period

    ghki = Period.objects.get(school_year=contactable.year, code="GHKI")
    with django_capture_on_commit_callbacks(execute=True):
        release_period(contactable.school, ghki, acting_user=contactable.user("principal"))
    row = Notification.objects.get()
    assert (row.topic, row.address, row.status) == ("period.released", "bo.an@example.vn", "sent")
    assert row.text == (
        "Học bạ số: kết quả Giữa học kì I năm học 2026-2027 của lớp 4A đã được công bố, "
        "xem tại http://127.0.0.1:8000/phu-huynh/"
    )
    # an unlinked parent hears nothing more
    from django.utils import timezone

    from hocbaso.people.models import Guardian

    Guardian.objects.filter(user=contactable.user("parent_a")).update(unlinked_at=timezone.now())
    assert parent_events.school_period_released(contactable.school.pk, ghki.pk) == []
