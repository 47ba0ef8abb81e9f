"""The demo principals' DEMO authenticator and `manage.py demo_totp`."""

from __future__ import annotations

import io
import time

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from hocbaso.people.actions.second_factor import enrol_totp
from hocbaso.people.demo.totp import demo_code, enrol_demo_totp
from hocbaso.people.tests.world import PASSWORD, World
from hocbaso.people.totp import new_secret, totp

pytestmark = pytest.mark.django_db


def test_demo_totp_prints_a_code_the_login_accepts_once(world: World) -> None:
    # given the principal with the DEMO authenticator, half logged in
    enrol_demo_totp(world.user("principal"))
    client = Client()
    client.post("/dang-nhap/", {"username": "principal", "password": PASSWORD})
    # when the command prints the code
    out, err = io.StringIO(), io.StringIO()
    call_command("demo_totp", "principal", stdout=out, stderr=err)
    code = out.getvalue().strip()
    # then it is accepted, and the next run prints another one
    assert len(code) == 6
    assert "Khóa DEMO để thêm vào ứng dụng xác thực" in err.getvalue()
    assert client.post("/xac-thuc-hai-buoc/", {"code": code})["Location"] == "/"
    again = io.StringIO()
    call_command("demo_totp", "principal", stdout=again, stderr=io.StringIO())
    assert again.getvalue().strip() != code


def test_demo_totp_never_prints_a_real_authenticator(world: World) -> None:
    secret = new_secret()
    enrol_totp(secret, totp(secret, time.time()), acting_user=world.user("principal"))
    with pytest.raises(CommandError, match="không có ứng dụng xác thực DEMO"):
        call_command("demo_totp", "principal", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("demo_totp", "khong_co_ai", stdout=io.StringIO())


def test_reset_totp_needs_a_system_administrator_and_a_reason(world: World) -> None:
    enrol_demo_totp(world.user("principal"))
    with pytest.raises(CommandError, match="quản trị hệ thống"):
        call_command("reset_totp", "principal", by="school_admin", reason="Mất máy")
    out = io.StringIO()
    call_command("reset_totp", "principal", by="sysadmin", reason="Mất máy", stdout=out)
    assert "Đã hủy xác thực hai bước của principal" in out.getvalue()
    assert demo_code(world.user("principal")) is None
