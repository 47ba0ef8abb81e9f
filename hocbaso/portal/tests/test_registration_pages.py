"""The portal's registration never tells whether a number already has an account: the same
redirect and the same page either way; the code from the SMS creates the account."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from hocbaso.notifications.models import Notification
from hocbaso.people.models import User
from hocbaso.people.tests.world import World

pytestmark = pytest.mark.django_db
NEW = "0912345678"
TAKEN = "0905123456"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def _register(phone: str) -> tuple[Client, list[tuple[int, str, str]]]:
    """Fill the form, then open the page it leads to: (status, Location, body) of each."""
    client = Client()
    steps = []
    response = client.post(
        "/phu-huynh/dang-ki/",
        {"phone": phone, "full_name": "Trần Thị Mẹ", "password": "Me-2026-hocba"},
    )
    steps.append((response.status_code, response.get("Location", ""), response.content.decode()))
    response = client.get(response["Location"])
    body = CSRF.sub("", response.content.decode())
    steps.append((response.status_code, response.get("Location", ""), body))
    return client, steps


def test_a_number_with_an_account_gets_exactly_the_answer_of_a_new_one(world: World) -> None:
    taken = User.objects.create_user(
        TAKEN, password="Cu-2026-matkhau", phone=TAKEN, full_name="Lê Thị Hoa"
    )
    before = User.objects.values().get(pk=taken.pk)
    _, for_new = _register(NEW)
    _, for_taken = _register(TAKEN)
    assert for_new == for_taken
    assert for_new[0][:2] == (302, "/phu-huynh/dang-ki/xac-minh/")
    assert "Nếu số điện thoại này có thể đăng kí, một mã xác minh gồm 6 chữ số" in for_new[1][2]
    # the account is unchanged; its owner got a notice, the new number a code
    assert User.objects.values().get(pk=taken.pk) == before
    messages = {m.address: m for m in Notification.objects.all()}
    assert set(messages) == {NEW, TAKEN}
    assert {m.topic for m in messages.values()} == {"guardian.registration"}
    assert re.search(r"\b\d{6}\b", messages[NEW].text)
    assert not re.search(r"\d{6}", messages[TAKEN].text)
    assert "đã có tài khoản" in messages[TAKEN].text


def test_the_wrong_code_answer_is_the_same_too(world: World) -> None:
    User.objects.create_user(TAKEN, password="Cu-2026-matkhau", phone=TAKEN)
    answers = []
    for phone in (NEW, TAKEN):
        client, _ = _register(phone)
        response = client.post("/phu-huynh/dang-ki/xac-minh/", {"code": "000000"})
        answers.append((response.status_code, CSRF.sub("", response.content.decode())))
    assert answers[0] == answers[1]
    assert answers[0][0] == 400
    assert "Mã xác minh không đúng hoặc đã hết hạn." in answers[0][1]


def test_register_confirm_with_the_sms_code_and_land_on_linking(world: World) -> None:
    client, _ = _register(NEW)
    assert not User.objects.filter(username=NEW).exists()
    resent = client.post("/phu-huynh/dang-ki/xac-minh/", {"action": "resend"})
    assert resent.status_code == 200
    code = re.search(r"\b(\d{6})\b", Notification.objects.order_by("pk").last().text)  # type: ignore[union-attr]
    assert code is not None
    done = client.post("/phu-huynh/dang-ki/xac-minh/", {"code": code.group(1)})
    assert (done.status_code, done["Location"]) == (302, "/phu-huynh/lien-ket/")
    assert client.get("/phu-huynh/lien-ket/").status_code == 200
    user = User.objects.get(username=NEW)
    assert (user.full_name, user.phone) == ("Trần Thị Mẹ", NEW)
    assert "hocbaso_registration" not in client.session


def test_the_code_page_without_a_registration_sends_back_to_the_form(world: World) -> None:
    response = Client().get("/phu-huynh/dang-ki/xac-minh/")
    assert (response.status_code, response["Location"]) == (302, "/phu-huynh/dang-ki/")
