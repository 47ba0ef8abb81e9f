"""A parent's self-registration, proved by a code sent to the phone, and never telling whether a
number already has an account (people/actions/registration.py)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.auth.hashers import identify_hasher
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hocbaso.audit.context import request_context
from hocbaso.audit.models import AuditEvent
from hocbaso.people.actions.registration import (
    confirm_registration,
    resend_registration_code,
    start_registration,
)
from hocbaso.people.errors import ActionError
from hocbaso.people.models import RegistrationChallenge, User
from hocbaso.people.tests.world import World

pytestmark = pytest.mark.django_db
NEW = "0912345678"
TAKEN = "0905123456"
PASSWORD = "Hoa-2026-hb"
BAD_CODE = ["Mã xác minh không đúng hoặc đã hết hạn."]


class Outbox(list[tuple[str, str]]):
    def __call__(self, phone: str, text: str) -> None:
        self.append((phone, text))

    def code(self) -> str:
        match = re.search(r"\b(\d{6})\b", self[-1][1])
        assert match is not None, self[-1][1]
        return match.group(1)


@pytest.fixture
def taken(world: World) -> User:
    return User.objects.create_user(
        TAKEN, password="Cu-2026-matkhau", phone=TAKEN, full_name="Lê Thị Hoa"
    )


def _start(phone: str, outbox: Outbox, *, name: str = "Lê Thị Hoa") -> RegistrationChallenge:
    return start_registration(phone=phone, full_name=name, password=PASSWORD, send=outbox)


def test_the_code_sent_to_a_new_number_creates_the_account(world: World) -> None:
    outbox = Outbox()
    challenge = start_registration(
        phone="+84 912 345 678", full_name="  Lê  Thị Hoa ", password=PASSWORD, send=outbox
    )
    assert [p for p, _ in outbox] == [NEW]
    code = outbox.code()
    assert code not in challenge.code_hash
    assert PASSWORD not in challenge.password_hash
    assert not User.objects.filter(username=NEW).exists()  # nothing before the code
    user = confirm_registration(challenge.pk, code)
    assert (user.username, user.phone, user.full_name) == (NEW, NEW, "Lê Thị Hoa")
    assert user.check_password(PASSWORD)
    challenge.refresh_from_db()
    assert (challenge.user, challenge.password_hash) == (user, "")
    assert challenge.completed_at is not None
    assert AuditEvent.objects.filter(action="guardian.registration_code_sent").count() == 1
    assert AuditEvent.objects.filter(action="guardian.parent_registered").count() == 1
    with pytest.raises(ActionError) as again:  # single use
        confirm_registration(challenge.pk, code)
    assert again.value.messages == BAD_CODE


def test_a_number_with_an_account_gets_a_notice_and_no_code(world: World, taken: User) -> None:
    before = User.objects.values().get(pk=taken.pk)
    outbox = Outbox()
    challenge = _start(TAKEN, outbox, name="Kẻ Lạ")
    assert [p for p, _ in outbox] == [TAKEN]
    notice = outbox[0][1]
    assert "đã có tài khoản" in notice
    assert re.search(r"\d{6}", notice) is None  # no code exists for this number
    # the same rows as for a new number
    assert RegistrationChallenge.objects.filter(pk=challenge.pk, phone=TAKEN).exists()
    assert AuditEvent.objects.filter(action="guardian.registration_code_sent").count() == 1
    for guess in ("000000", "123456", "999999"):
        with pytest.raises(ActionError) as refused:
            confirm_registration(challenge.pk, guess)
        assert refused.value.messages == BAD_CODE
    assert User.objects.values().get(pk=taken.pk) == before
    assert User.objects.filter(username=TAKEN).count() == 1


def test_the_code_is_refused_if_the_number_was_registered_meanwhile(world: World) -> None:
    outbox = Outbox()
    challenge = _start(NEW, outbox)
    User.objects.create_user(NEW, password="x", phone=NEW)
    with pytest.raises(ActionError) as refused:
        confirm_registration(challenge.pk, outbox.code())
    assert refused.value.messages == BAD_CODE
    assert User.objects.get(username=NEW).full_name == ""


def test_new_and_taken_numbers_do_the_same_work(world: World, taken: User) -> None:
    """The timing's shape: the same queries, and both hash the password (Argon2 in production,
    the dominant cost)."""
    shapes = []
    for phone in (NEW, TAKEN):
        with CaptureQueriesContext(connection) as queries:
            _start(phone, Outbox())
        shapes.append([re.sub(r"'[^']*'|\d+", "?", q["sql"]) for q in queries.captured_queries])
    assert shapes[0] == shapes[1]
    hashes = RegistrationChallenge.objects.values_list("password_hash", flat=True)
    assert len({identify_hasher(h).algorithm for h in hashes}) == len(hashes) - 1 == 1


def test_form_errors_are_in_vietnamese_and_change_nothing(world: World, taken: User) -> None:
    outbox = Outbox()
    with pytest.raises(ActionError) as refused:
        start_registration(phone="12345", full_name="", password=PASSWORD, send=outbox)
    assert refused.value.field_errors == {
        "phone": ["Số điện thoại di động không hợp lệ (10 chữ số, bắt đầu bằng 0)."],
        "full_name": ["Hãy nhập họ và tên."],
    }
    # a weak password is refused alike for a new and a taken number
    answers = []
    for phone in (NEW, TAKEN):
        with pytest.raises(ActionError) as weak:
            start_registration(phone=phone, full_name="Lê Thị Hoa", password="123", send=outbox)
        answers.append(weak.value.field_errors)
    assert answers[0] == answers[1]
    assert set(answers[0]) == {"password"}
    assert outbox == []
    assert not RegistrationChallenge.objects.exists()


def test_five_wrong_codes_burn_the_registration(world: World) -> None:
    outbox = Outbox()
    challenge = _start(NEW, outbox)
    code = outbox.code()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(ActionError):
            confirm_registration(challenge.pk, wrong)
    with pytest.raises(ActionError) as refused:
        confirm_registration(challenge.pk, code)
    assert refused.value.messages == BAD_CODE
    assert not User.objects.filter(username=NEW).exists()


def test_an_expired_code_is_refused(world: World) -> None:
    outbox = Outbox()
    challenge = _start(NEW, outbox)
    later = timezone.now() + dt.timedelta(minutes=11)
    with time_machine.travel(later), pytest.raises(ActionError):
        confirm_registration(challenge.pk, outbox.code())
    assert not User.objects.filter(username=NEW).exists()


def test_a_code_sent_again_replaces_nothing_but_works(world: World) -> None:
    outbox = Outbox()
    first = _start(NEW, outbox)
    second = resend_registration_code(first.pk, send=outbox)
    assert len(outbox) == 2
    user = confirm_registration(second.pk, outbox.code())
    assert user.check_password(PASSWORD)
    assert user.full_name == "Lê Thị Hoa"


@pytest.mark.parametrize("phone", [NEW, TAKEN])
def test_three_messages_a_phone_an_hour_whether_or_not_it_has_an_account(
    world: World, taken: User, phone: str
) -> None:
    outbox = Outbox()
    for _ in range(3):
        _start(phone, outbox)
    with pytest.raises(ActionError) as refused:
        _start(phone, outbox)
    assert refused.value.messages == ["Đã gửi quá nhiều mã trong một giờ qua; hãy thử lại sau."]
    assert len(outbox) == 3
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=61)):
        _start(phone, outbox)
    assert len(outbox) == 4


def test_sixty_messages_an_address_an_hour(world: World) -> None:
    outbox = Outbox()
    with request_context("test", ip="203.0.113.7"):
        for k in range(60):
            _start(f"09123456{k:02d}", outbox)
        with pytest.raises(ActionError):
            _start("0912345699", outbox)
    _start("0912345699", outbox)  # another address
    assert len(outbox) == 61


def test_registrations_are_deleted_after_a_day(world: World) -> None:
    _start(NEW, Outbox())
    with time_machine.travel(timezone.now() + dt.timedelta(days=1, minutes=1)):
        _start("0987654321", Outbox())
    assert list(RegistrationChallenge.objects.values_list("phone", flat=True)) == ["0987654321"]
