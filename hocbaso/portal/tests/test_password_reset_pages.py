"""«Quên mật khẩu?» on the parents' portal: a code sent by SMS to a parent's account sets a new
password and ends every session the account had; the answer is the same for a number without an
account and for a staff member's number, which get no SMS (people/actions/password_reset.py)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from hocbaso.audit.models import AuditEvent
from hocbaso.notifications.models import Notification
from hocbaso.people.actions import assignments
from hocbaso.people.models import RegistrationChallenge, Role, User
from hocbaso.people.tests.world import PASSWORD, World

pytestmark = pytest.mark.django_db
PARENT = "0905123456"
STAFF = "0987654321"
UNKNOWN = "0912345678"
NEW_PASSWORD = "Me-quen-2026-hocba"
FORM = "/phu-huynh/quen-mat-khau/"
CONFIRM = "/phu-huynh/quen-mat-khau/dat-lai/"
LOGIN = "/phu-huynh/dang-nhap/"
SENT = "Nếu số điện thoại có tài khoản, mã xác nhận đã được gửi qua SMS."
BAD_CODE = "Mã xác minh không đúng hoặc đã hết hạn."
TOO_MANY = "Đã gửi quá nhiều mã trong một giờ qua; hãy thử lại sau."
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


@pytest.fixture
def parent(world: World) -> User:
    """Parent A, who signs in with the mobile number (as a self-registered parent does)."""
    user = world.user("parent_a")
    User.objects.filter(pk=user.pk).update(username=PARENT, phone=PARENT)
    user.refresh_from_db()
    return user


@pytest.fixture
def staff(world: World) -> User:
    """4A's homeroom teacher, whose username happens to be a mobile number too."""
    user = world.user("homeroom_4a")
    User.objects.filter(pk=user.pk).update(username=STAFF, phone=STAFF)
    user.refresh_from_db()
    return user


def _ask(phone: str, client: Client | None = None) -> tuple[Client, list[tuple[int, str, str]]]:
    """Send the number's form, then open the page it leads to: (status, Location, body)."""
    client = client or Client()
    steps = []
    response = client.post(FORM, {"phone": phone})
    steps.append((response.status_code, response.get("Location", ""), response.content.decode()))
    response = client.get(response["Location"])
    steps.append((response.status_code, "", CSRF.sub("", response.content.decode())))
    return client, steps


def _sms_code(phone: str) -> str:
    sms = Notification.objects.filter(address=phone).order_by("pk").last()
    assert sms is not None
    match = re.search(r"\b(\d{6})\b", sms.text)
    assert match is not None, sms.text
    return match.group(1)


def _reset(
    client: Client, code: str, password: str = NEW_PASSWORD, again: str | None = None
) -> Any:
    data = {"code": code, "password1": password, "password2": password if again is None else again}
    return client.post(CONFIRM, data)


def _wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def _password_of(user: User) -> str:
    return User.objects.get(pk=user.pk).password


def test_the_login_page_links_to_the_forgotten_password_form(world: World) -> None:
    body = Client().get(LOGIN).content.decode()
    assert f'<a href="{FORM}">Quên mật khẩu?</a>' in body
    form = Client().get(FORM)
    assert form.status_code == 200
    assert 'name="phone"' in form.content.decode()


def test_the_code_sets_a_new_password_and_ends_every_old_session(parent: User) -> None:
    # given the parent signed in on an old phone
    old_phone = Client()
    signed_in = old_phone.post(LOGIN, {"username": PARENT, "password": PASSWORD})
    assert signed_in.status_code == 302
    assert old_phone.get("/phu-huynh/").status_code == 200
    # when they ask for a code on a new phone and type it with a new password twice
    client, steps = _ask("+84 905 123 456")
    assert steps[0][:2] == (302, CONFIRM)
    assert SENT in steps[1][2]
    sms = Notification.objects.get()
    assert (sms.address, sms.channel, sms.topic) == (PARENT, "sms", "account.password_reset")
    code = _sms_code(PARENT)
    done = _reset(client, code)
    # then they are sent to sign in, with a success message
    assert (done.status_code, done["Location"]) == (302, LOGIN)
    login_page = client.get(LOGIN).content.decode()
    assert "Đã đặt lại mật khẩu. Hãy đăng nhập bằng mật khẩu mới." in login_page
    assert "hocbaso_password_reset" not in client.session
    # the new password works, the old one does not
    user = User.objects.get(pk=parent.pk)
    assert user.check_password(NEW_PASSWORD)
    assert not user.check_password(PASSWORD)
    # the old phone's session has ended
    kicked = old_phone.get("/phu-huynh/")
    assert kicked.status_code == 302
    assert "/dang-nhap/" in kicked["Location"]
    assert "_auth_user_id" not in old_phone.session
    fresh = Client()
    assert fresh.post(LOGIN, {"username": PARENT, "password": NEW_PASSWORD}).status_code == 302
    assert fresh.get("/phu-huynh/").status_code == 200
    # and the reset is audited, without the password or the code
    event = AuditEvent.objects.get(action="account.password_reset_by_sms")
    assert (event.actor_id, event.subject_id) == (parent.pk, str(parent.pk))
    assert event.data == {"new": {"method": "sms", "phone": "…456"}}
    assert AuditEvent.objects.filter(action="account.password_reset_requested").count() == 1
    for stored in AuditEvent.objects.values_list("data", flat=True):
        assert NEW_PASSWORD not in str(stored)
        assert code not in str(stored)


def test_an_unknown_and_a_staff_number_get_the_answer_of_a_parent_and_no_sms(
    parent: User, staff: User
) -> None:
    answers = {phone: _ask(phone)[1] for phone in (UNKNOWN, STAFF, PARENT)}
    assert answers[UNKNOWN] == answers[STAFF] == answers[PARENT]
    assert answers[UNKNOWN][0][:2] == (302, CONFIRM)
    assert SENT in answers[UNKNOWN][1][2]
    # only the parent's phone got a message; the same rows and events for all three
    assert list(Notification.objects.values_list("address", flat=True)) == [PARENT]
    assert RegistrationChallenge.objects.filter(purpose="password_reset").count() == 3
    assert AuditEvent.objects.filter(action="account.password_reset_requested").count() == 3


def test_a_staff_account_cannot_be_reset_whatever_code_is_typed(staff: User) -> None:
    before = _password_of(staff)
    client, _ = _ask(STAFF)
    for guess in ("000000", "123456", "999999"):
        response = _reset(client, guess)
        assert response.status_code == 400
        assert BAD_CODE in response.content.decode()
    assert _password_of(staff) == before
    assert not AuditEvent.objects.filter(action="account.password_reset_by_sms").exists()


def test_a_code_sent_to_a_parent_is_refused_once_the_account_holds_a_staff_role(
    world: World, parent: User
) -> None:
    client, _ = _ask(PARENT)
    code = _sms_code(PARENT)
    assignments.grant_role(
        user_id=parent.pk,
        role=Role.TEACHER,
        school_id=world.school.pk,
        acting_user=world.user("sysadmin"),
    )
    refused = _reset(client, code)
    assert refused.status_code == 400
    assert BAD_CODE in refused.content.decode()
    assert User.objects.get(pk=parent.pk).check_password(PASSWORD)


def test_a_wrong_code_is_refused_and_five_burn_the_code(parent: User) -> None:
    before = _password_of(parent)
    client, _ = _ask(PARENT)
    code = _sms_code(PARENT)
    for _try in range(5):
        response = _reset(client, _wrong(code))
        assert response.status_code == 400
        assert BAD_CODE in response.content.decode()
    assert RegistrationChallenge.objects.get().attempts == 5
    refused = _reset(client, code)  # the right code, too late
    assert refused.status_code == 400
    assert BAD_CODE in refused.content.decode()
    assert _password_of(parent) == before
    assert not AuditEvent.objects.filter(action="account.password_reset_by_sms").exists()


def test_an_expired_code_is_refused(parent: User) -> None:
    before = _password_of(parent)
    client, _ = _ask(PARENT)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=11)):
        refused = _reset(client, _sms_code(PARENT))
    assert refused.status_code == 400
    assert BAD_CODE in refused.content.decode()
    assert _password_of(parent) == before


def test_a_used_code_is_refused(parent: User) -> None:
    client, _ = _ask(PARENT)
    code = _sms_code(PARENT)
    challenge_id = client.session["hocbaso_password_reset"]
    assert _reset(client, code).status_code == 302
    after = _password_of(parent)
    # the same code again (its reset put back in the session, as a replaying attacker would)
    session = client.session
    session["hocbaso_password_reset"] = challenge_id
    session.save()
    replay = _reset(client, code, password="Ke-la-doi-2026-mk")
    assert replay.status_code == 400
    assert BAD_CODE in replay.content.decode()
    assert _password_of(parent) == after
    assert AuditEvent.objects.filter(action="account.password_reset_by_sms").count() == 1


@pytest.mark.parametrize(
    ("_case", "password", "again", "message"),
    [
        (
            "mismatch",
            NEW_PASSWORD,
            NEW_PASSWORD + "x",
            "Hai lần nhập mật khẩu mới không khớp nhau.",
        ),
        ("all digits", "20262026202620", "20262026202620", "Mật khẩu này hoàn toàn là số."),
        ("common", "password123", "password123", "Mật khẩu này quá phổ biến."),
    ],
)
def test_a_bad_new_password_is_refused_and_costs_no_try(
    parent: User, _case: str, password: str, again: str, message: str
) -> None:
    before = _password_of(parent)
    client, _ = _ask(PARENT)
    code = _sms_code(PARENT)
    refused = _reset(client, code, password=password, again=again)
    assert refused.status_code == 400
    assert message in refused.content.decode()
    assert _password_of(parent) == before
    assert RegistrationChallenge.objects.get().attempts == 0
    assert _reset(client, code).status_code == 302  # the code still works


def test_a_password_like_the_account_s_own_details_is_refused_after_the_code(
    parent: User,
) -> None:
    client, _ = _ask(PARENT)
    refused = _reset(client, _sms_code(PARENT), password=f"{PARENT}Ab")
    assert refused.status_code == 400
    assert "Mật khẩu quá giống với" in refused.content.decode()
    assert User.objects.get(pk=parent.pk).check_password(PASSWORD)


def test_an_invalid_number_gets_a_vietnamese_error_and_changes_nothing(world: World) -> None:
    response = Client().post(FORM, {"phone": "12345"})
    assert response.status_code == 400
    assert "Số điện thoại di động không hợp lệ" in response.content.decode()
    assert not RegistrationChallenge.objects.exists()
    assert not Notification.objects.exists()


@pytest.mark.parametrize("phone", [PARENT, UNKNOWN, STAFF])
def test_three_codes_a_number_an_hour_whatever_the_number(
    parent: User, staff: User, phone: str
) -> None:
    client, _ = _ask(phone)
    for _again in range(2):
        assert client.post(CONFIRM, {"action": "resend"}).status_code == 200
    sent = Notification.objects.count()
    rows = RegistrationChallenge.objects.count()
    refused = client.post(FORM, {"phone": phone})
    resent = client.post(CONFIRM, {"action": "resend"})
    for response in (refused, resent):
        assert response.status_code == 400
        assert TOO_MANY in response.content.decode()
    assert (Notification.objects.count(), RegistrationChallenge.objects.count()) == (sent, rows)
    assert sent == (3 if phone == PARENT else 0)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=61)):
        assert client.post(FORM, {"phone": phone}).status_code == 302


def test_registration_and_reset_share_a_number_s_hourly_limit(world: World) -> None:
    Client().post(
        "/phu-huynh/dang-ki/",
        {"phone": UNKNOWN, "full_name": "Trần Thị Mẹ", "password": "Me-2026-hocba"},
    )
    client, _ = _ask(UNKNOWN)
    assert client.post(CONFIRM, {"action": "resend"}).status_code == 200
    refused = Client().post(FORM, {"phone": UNKNOWN})
    assert refused.status_code == 400
    assert TOO_MANY in refused.content.decode()


def test_sixty_codes_an_address_an_hour(parent: User) -> None:
    for k in range(60):
        assert (
            Client(REMOTE_ADDR="203.0.113.7").post(FORM, {"phone": f"09123456{k:02d}"}).status_code
            == 302
        )
    refused = Client(REMOTE_ADDR="203.0.113.7").post(FORM, {"phone": PARENT})
    assert refused.status_code == 400
    assert TOO_MANY in refused.content.decode()
    assert not Notification.objects.exists()
    assert Client(REMOTE_ADDR="198.51.100.2").post(FORM, {"phone": PARENT}).status_code == 302
    assert Notification.objects.count() == 1


def test_a_registration_code_does_not_reset_a_password(world: World) -> None:
    """The registration's and the reset's codes are one mechanism, but a code opens only the
    form it was sent for."""
    client = Client()
    client.post(
        "/phu-huynh/dang-ki/",
        {"phone": UNKNOWN, "full_name": "Trần Thị Mẹ", "password": "Me-2026-hocba"},
    )
    code = _sms_code(UNKNOWN)
    # the number got a parent's account another way meanwhile
    User.objects.create_user(UNKNOWN, password=PASSWORD, phone=UNKNOWN)
    session = client.session
    session["hocbaso_password_reset"] = session["hocbaso_registration"]
    session.save()
    refused = _reset(client, code)
    assert refused.status_code == 400
    assert BAD_CODE in refused.content.decode()
    assert User.objects.get(username=UNKNOWN).check_password(PASSWORD)


def test_the_code_page_without_a_reset_sends_back_to_the_form(world: World) -> None:
    response = Client().get(CONFIRM)
    assert (response.status_code, response["Location"]) == (302, FORM)


def test_a_signed_in_parent_is_sent_home(parent: User) -> None:
    client = Client()
    client.force_login(parent)
    for url in (FORM, CONFIRM):
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, "/phu-huynh/")
