"""Linking through the phone number the school recorded (issue 6): a one-time code by SMS."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from hocbaso.audit.models import AuditEvent
from hocbaso.people.actions.phone_links import confirm_phone_link, start_phone_link
from hocbaso.people.errors import ActionError
from hocbaso.people.guardianship import children_of
from hocbaso.people.models import Guardian, PhoneChallenge, User
from hocbaso.people.tests.world import World

pytestmark = pytest.mark.django_db
PHONE = "0905123456"


@pytest.fixture
def mother(world: World) -> User:
    """Pupil A's mother as the school recorded her (phone written with spaces), and her
    self-registered account."""
    Guardian.objects.create(
        student=world.pupil_a, relation="me", full_name="Trần Thị Mẹ", phone="0905 123 456"
    )
    return User.objects.create_user(PHONE, password="x", phone=PHONE, full_name="Trần Thị Mẹ")


def _send(world: World, user: User) -> str:
    sent: list[tuple[str, str]] = []
    start_phone_link(acting_user=user, send=lambda phone, text: sent.append((phone, text)))
    assert [p for p, _ in sent] == [PHONE]
    match = re.search(r"\b(\d{6})\b", sent[0][1])
    assert match is not None
    return match.group(1)


def test_the_code_sent_by_sms_links_the_recorded_parent(world: World, mother: User) -> None:
    code = _send(world, mother)
    assert PhoneChallenge.objects.get().code_hash != code
    linked = confirm_phone_link(code, acting_user=mother)
    assert [g.student for g in linked] == [world.pupil_a]
    assert list(children_of(mother)) == [world.pupil_a]
    assert linked[0].link_method == "phone"
    event = AuditEvent.objects.get(action="guardian.phone_challenge_sent")
    assert event.data == {"new": {"phone": "…456", "sent": True}}
    assert PHONE not in str(event.data)


def test_a_phone_the_school_did_not_record_gets_no_sms_and_the_same_answer(world: World) -> None:
    stranger = User.objects.create_user("0987654321", password="x", phone="0987654321")
    sent: list[str] = []
    start_phone_link(acting_user=stranger, send=lambda phone, text: sent.append(phone))
    assert sent == []
    assert (
        AuditEvent.objects.get(action="guardian.phone_challenge_sent").data["new"]["sent"] is False
    )


def test_a_wrong_code_counts_and_five_wrong_codes_burn_the_challenge(
    world: World, mother: User
) -> None:
    code = _send(world, mother)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(ActionError) as refused:
            confirm_phone_link(wrong, acting_user=mother)
        assert refused.value.messages == ["Mã xác minh không đúng hoặc đã hết hạn."]
    assert PhoneChallenge.objects.get().attempts == 5
    with pytest.raises(ActionError):  # locked: 5 failures of this account in the hour
        confirm_phone_link(code, acting_user=mother)
    assert list(children_of(mother)) == []


def test_an_expired_code_is_refused(world: World, mother: User) -> None:
    code = _send(world, mother)
    later = timezone.now() + dt.timedelta(minutes=11)
    with time_machine.travel(later), pytest.raises(ActionError):
        confirm_phone_link(code, acting_user=mother)


def test_three_codes_an_hour_at_most(world: World, mother: User) -> None:
    for _ in range(3):
        _send(world, mother)
    with pytest.raises(ActionError) as refused:
        start_phone_link(acting_user=mother, send=lambda phone, text: None)
    assert refused.value.messages == ["Đã gửi 3 mã trong một giờ qua; hãy thử lại sau."]


def test_the_portal_sends_the_code_through_the_outbox(world: World, mother: User) -> None:
    from hocbaso.notifications.models import Notification

    client = Client()
    client.force_login(mother)
    page = client.post("/phu-huynh/lien-ket/so-dien-thoai/", {"action": "send"})
    assert "một mã xác minh gồm 6 chữ số vừa được gửi" in page.content.decode()
    message = Notification.objects.get()
    assert (message.channel, message.address, message.topic) == ("sms", PHONE, "guardian.phone_otp")
    code = re.search(r"\b(\d{6})\b", message.text).group(1)  # type: ignore[union-attr]
    done = client.post("/phu-huynh/lien-ket/so-dien-thoai/", {"action": "confirm", "otp": code})
    assert (done.status_code, done["Location"]) == (302, "/phu-huynh/")
    assert list(children_of(mother)) == [world.pupil_a]
