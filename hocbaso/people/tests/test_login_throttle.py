"""Brute-force protection by username and IP together (security.md finding 3, F1, F2)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from hocbaso.audit.actors import SEED
from hocbaso.audit.models import AuditEvent
from hocbaso.people.actions.assignments import create_account
from hocbaso.people.auth_models import LoginThrottle
from hocbaso.people.login_throttle import check_allowed, record_failure, record_success
from hocbaso.people.tests.world import PASSWORD, World

pytestmark = pytest.mark.django_db

SCHOOL_NAT = "203.0.113.7"
ATTACKER = "198.51.100.66"
HOME = "192.0.2.10"
WRONG_PASSWORD_MESSAGE = "Tên đăng nhập hoặc mật khẩu không đúng."


def _login(client: Client, username: str, password: str, ip: str) -> tuple[int, str]:
    response = client.post(
        "/dang-nhap/", {"username": username, "password": password}, REMOTE_ADDR=ip
    )
    return response.status_code, response.content.decode()


def test_thirty_teachers_behind_one_nat_making_typos_never_lock_each_other_out(
    db: None, settings
) -> None:
    # given 30 teachers of one school, all behind the school's single NAT address
    settings.MFA_DEMO_WAIVER = False
    names = [f"gv{i:02d}" for i in range(30)]
    for name in names:
        create_account(username=name, full_name=name, password=PASSWORD, acting_user=SEED)
    # when each makes 3 typos, then types the right password
    outcomes = []
    for name in names:
        client = Client()
        for typo in range(3):
            status, body = _login(client, name, f"{PASSWORD}{typo}", SCHOOL_NAT)
            assert (status, WRONG_PASSWORD_MESSAGE in body) == (200, True)
        response = client.post(
            "/dang-nhap/", {"username": name, "password": PASSWORD}, REMOTE_ADDR=SCHOOL_NAT
        )
        outcomes.append((response.status_code, response["Location"]))
    # then every one of them got in, and nothing is locked
    assert outcomes == [(302, "/")] * 30
    assert LoginThrottle.objects.filter(locked_until__isnull=False).count() == 0
    assert AuditEvent.objects.filter(action="account.login_failed").count() == 90


def test_an_attacker_guessing_one_account_from_one_address_is_locked_after_five(
    world: World,
) -> None:
    attacker = Client()
    # given five wrong guesses for the homeroom teacher from one address
    for guess in range(5):
        assert _login(attacker, "homeroom_4a", f"guess-{guess}", ATTACKER)[0] == 200
    # when the attacker then tries the right password from there
    status, body = _login(attacker, "homeroom_4a", PASSWORD, ATTACKER)
    # then it is refused with the wrong-password message, and the session stays anonymous
    assert status == 200
    assert WRONG_PASSWORD_MESSAGE in body
    assert "_auth_user_id" not in attacker.session
    assert check_allowed("homeroom_4a", ATTACKER).allowed is False


def test_the_lock_is_per_pair_the_real_user_elsewhere_still_gets_in(world: World) -> None:
    # given the homeroom teacher's username locked from the attacker's address
    for guess in range(5):
        _login(Client(), "homeroom_4a", f"guess-{guess}", ATTACKER)
    # when the teacher logs in from home
    response = Client().post(
        "/dang-nhap/", {"username": "homeroom_4a", "password": PASSWORD}, REMOTE_ADDR=HOME
    )
    # then they get in; and a colleague behind the attacker's address is not affected either
    assert (response.status_code, response["Location"]) == (302, "/")
    colleague = Client().post(
        "/dang-nhap/",
        {"username": "subject_teacher_5b", "password": PASSWORD},
        REMOTE_ADDR=ATTACKER,
    )
    assert colleague.status_code == 302


def test_a_locked_unknown_username_looks_exactly_like_a_locked_real_one(world: World) -> None:
    bodies = []
    for username in ("homeroom_4a", "khong_ton_tai"):
        for guess in range(6):
            status, body = _login(Client(), username, f"guess-{guess}", ATTACKER)
        bodies.append(re.sub(r'value="[A-Za-z0-9]{64}"', "CSRF", body.replace(username, "U")))
    assert status == 200
    assert bodies[0] == bodies[1]


def test_the_pair_lock_grows_with_each_lockout(db: None, settings) -> None:
    settings.LOGIN_PAIR_LIMIT = 5
    settings.LOGIN_LOCK_SECONDS = 60
    settings.LOGIN_USERNAME_LIMIT = 100
    start = timezone.now()
    # given five failures: the first lock, one minute
    for _ in range(5):
        record_failure("an", ATTACKER, now=start)
    assert check_allowed("an", ATTACKER, now=start + dt.timedelta(seconds=59)).allowed is False
    assert check_allowed("an", ATTACKER, now=start + dt.timedelta(seconds=61)).allowed is True
    # when five more fail after it
    later = start + dt.timedelta(seconds=61)
    for _ in range(5):
        record_failure("an", ATTACKER, now=later)
    # then the second lock lasts two minutes
    decision = check_allowed("an", ATTACKER, now=later + dt.timedelta(seconds=119))
    assert (decision.allowed, decision.retry_after_seconds) == (False, 2)
    assert check_allowed("an", ATTACKER, now=later + dt.timedelta(seconds=121)).allowed is True


def test_one_username_attacked_from_many_addresses_is_locked_after_ten_and_audited(
    world: World,
) -> None:
    # given ten failures for the principal, each from a different address
    for i in range(10):
        _login(Client(), "principal", f"guess-{i}", f"198.51.100.{i + 1}")
    # then the username is locked from any address for the window, the real user included
    status, body = _login(Client(), "principal", PASSWORD, HOME)
    assert (status, WRONG_PASSWORD_MESSAGE in body) == (200, True)
    event = AuditEvent.objects.get(action="account.login_locked")
    assert event.data["new"]["scope"] == "username"
    assert event.data["new"]["username"] == "principal"
    # and the lock ends with the 15-minute window
    later = timezone.now() + dt.timedelta(minutes=16)
    assert check_allowed("principal", HOME, now=later).allowed is True


def test_an_address_spraying_many_usernames_is_locked(world: World, settings) -> None:
    settings.LOGIN_IP_USERNAME_LIMIT = 5
    # given five different usernames failing from one address
    for i in range(5):
        _login(Client(), f"nguoi_{i}", "password", ATTACKER)
    # then any username, a real one with its right password included, is refused from there
    status, body = _login(Client(), "homeroom_4a", PASSWORD, ATTACKER)
    assert (status, WRONG_PASSWORD_MESSAGE in body) == (200, True)
    assert AuditEvent.objects.get(action="account.login_locked").data["new"]["scope"] == "address"
    # but not from elsewhere
    assert _login(Client(), "homeroom_4a", PASSWORD, HOME)[0] == 302


def test_usernames_are_compared_case_folded_and_empty_ones_never_count(db: None) -> None:
    for _ in range(5):
        record_failure("HieuTruong", ATTACKER)
    record_failure("", ATTACKER)
    record_failure("   ", ATTACKER)
    assert check_allowed("hieutruong", ATTACKER).allowed is False
    assert check_allowed("", ATTACKER).allowed is True
    assert LoginThrottle.objects.filter(username="").exclude(scope="address").count() == 0


def test_a_success_clears_only_its_own_pair(db: None) -> None:
    for _ in range(3):
        record_failure("an", ATTACKER)
        record_failure("an", HOME)
    record_success("an", HOME)
    pairs = dict(LoginThrottle.objects.filter(scope="pair").values_list("ip", "failures"))
    assert pairs == {ATTACKER: 3}
    assert LoginThrottle.objects.get(scope="username", username="an").failures == 6


def test_a_locked_attempt_is_not_counted(db: None) -> None:
    for _ in range(5):
        record_failure("an", ATTACKER)
    assert check_allowed("an", ATTACKER).allowed is False
    pair = LoginThrottle.objects.get(scope="pair", username="an", ip=ATTACKER)
    assert (pair.failures, pair.lockouts) == (0, 1)


def test_the_password_re_entry_is_throttled_too(world: World) -> None:
    client = Client()
    client.force_login(world.user("principal"))
    for guess in range(5):
        client.post("/xac-thuc-lai/", {"password": f"guess-{guess}"}, REMOTE_ADDR=ATTACKER)
    response = client.post("/xac-thuc-lai/", {"password": PASSWORD}, REMOTE_ADDR=ATTACKER)
    assert response.status_code == 200
    assert "Nếu đã nhập sai nhiều lần" in response.content.decode()
    assert "reauthenticated_at" not in client.session


def test_counters_idle_for_two_days_are_purged(db: None) -> None:
    old = timezone.now() - dt.timedelta(days=3)
    record_failure("quen_mat_khau", HOME, now=old)
    for _ in range(5):
        record_failure("bi_khoa", ATTACKER, now=old)
    record_failure("moi_sai", SCHOOL_NAT)
    out = io.StringIO()
    call_command("purge_login_counters", stdout=out)
    # the counters of three days ago are gone (their locks long over), today's stay
    assert out.getvalue().strip() == "Đã xóa 6 bộ đếm."
    assert sorted(LoginThrottle.objects.values_list("scope", "username", "ip")) == [
        ("address", "", SCHOOL_NAT),
        ("pair", "moi_sai", SCHOOL_NAT),
        ("username", "moi_sai", ""),
    ]
