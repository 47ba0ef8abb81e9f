"""Staff session timeouts are settings (security.md F4): the idle limit and the absolute limit
apply to every staff role, the ones with a second factor included, and can be shortened.
An account that opens only the parents' portal has its own, longer limits (docs/parents.md)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from hocbaso.people.models import Role, StaffRole
from hocbaso.people.tests.world import World

pytestmark = pytest.mark.django_db

MORNING = dt.datetime(2026, 11, 30, 7, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
STAFF = ["principal", "vice_principal", "school_admin", "homeroom_4a", "group_head",
         "province_officer", "inspector", "sysadmin"]  # fmt: skip


@pytest.mark.parametrize("persona", STAFF)
def test_the_idle_limit_is_configurable_and_covers_every_staff_role(
    world: World, settings, persona: str
) -> None:
    settings.STAFF_IDLE_TIMEOUT_SECONDS = 10 * 60
    with time_machine.travel(MORNING, tick=False) as clock:
        client = Client()
        client.force_login(world.user(persona))
        assert client.get("/").status_code == 200
        clock.shift(dt.timedelta(minutes=9))
        assert client.get("/").status_code == 200
        clock.shift(dt.timedelta(minutes=11))
        response = client.get("/")
    assert (response.status_code, response["Location"]) == (302, "/dang-nhap/?next=/")


def test_the_absolute_limit_is_configurable(world: World, settings) -> None:
    settings.SESSION_MAX_AGE_SECONDS = 2 * 3600
    with time_machine.travel(MORNING, tick=False) as clock:
        client = Client()
        client.force_login(world.user("principal"))
        statuses = []
        for k in range(8):  # a request every 15 minutes: never idle
            clock.move_to(MORNING + k * dt.timedelta(minutes=15))
            statuses.append(client.get("/hoc-sinh/").status_code)
        clock.move_to(MORNING + dt.timedelta(hours=2))
        response = client.get("/hoc-sinh/")
    assert statuses == [200] * 8
    assert (response.status_code, response["Location"]) == (302, "/dang-nhap/?next=/hoc-sinh/")


def test_a_new_login_after_the_timeout_asks_for_the_second_factor_again(
    world: World, settings
) -> None:
    settings.STAFF_IDLE_TIMEOUT_SECONDS = 60
    with time_machine.travel(MORNING, tick=False) as clock:
        client = Client()
        client.force_login(world.user("principal"))
        assert client.get("/").status_code == 200
        clock.shift(dt.timedelta(minutes=2))
        assert client.get("/").status_code == 302
    assert "hocbaso_second_factor_at" not in client.session


DAY = dt.timedelta(days=1)


def _parent(world: World) -> Client:
    client = Client()
    client.force_login(world.user("parent_a"))
    assert client.get("/phu-huynh/").status_code == 200
    return client


def test_a_parent_stays_signed_in_past_the_staff_limits(world: World) -> None:
    with time_machine.travel(MORNING, tick=False) as clock:
        client = _parent(world)
        cookie = client.cookies["sessionid"]
        # the cookie lasts as long as the parents' idle limit, not the staff 12 h
        assert int(cookie["max-age"]) == 30 * 24 * 3600
        clock.shift(dt.timedelta(hours=2))  # idle four times the staff limit
        assert client.get("/phu-huynh/").status_code == 200
        clock.shift(20 * DAY)  # idle 20 days, and the session 20 days old
        assert client.get("/phu-huynh/").status_code == 200


def test_a_parent_session_ends_at_the_parents_idle_limit(world: World, settings) -> None:
    settings.PARENT_IDLE_TIMEOUT_SECONDS = 3 * 24 * 3600
    with time_machine.travel(MORNING, tick=False) as clock:
        client = _parent(world)
        clock.shift(2 * DAY)
        assert client.get("/phu-huynh/").status_code == 200
        clock.shift(3 * DAY + dt.timedelta(minutes=1))
        response = client.get("/phu-huynh/")
    assert (response.status_code, response["Location"]) == (
        302,
        "/phu-huynh/dang-nhap/?next=/phu-huynh/",
    )


def test_a_parent_session_ends_at_the_parents_absolute_limit(world: World, settings) -> None:
    settings.PARENT_SESSION_MAX_AGE_SECONDS = 10 * 24 * 3600
    with time_machine.travel(MORNING, tick=False) as clock:
        client = _parent(world)
        statuses = []
        for _ in range(9):  # every day: never idle
            clock.shift(DAY)
            statuses.append(client.get("/phu-huynh/").status_code)
        clock.shift(DAY)
        response = client.get("/phu-huynh/")
    assert statuses == [200] * 9
    assert (response.status_code, response["Location"]) == (
        302,
        "/phu-huynh/dang-nhap/?next=/phu-huynh/",
    )


@pytest.mark.parametrize("persona", ["homeroom_4a", "principal"])
def test_staff_still_expire_at_the_staff_limits_on_the_parents_pages(
    world: World, persona: str
) -> None:
    """A teacher using the portal (say, for their own child) keeps the staff limits."""
    with time_machine.travel(MORNING, tick=False) as clock:
        client = Client()
        client.force_login(world.user(persona))
        client.get("/phu-huynh/")
        assert int(client.cookies["sessionid"]["max-age"]) == 12 * 3600
        clock.shift(dt.timedelta(minutes=31))
        response = client.get("/phu-huynh/")
    assert (response.status_code, response["Location"]) == (
        302,
        "/phu-huynh/dang-nhap/?next=/phu-huynh/",
    )


def test_a_role_granted_during_a_parent_session_ends_it_at_the_staff_limit(
    world: World,
) -> None:
    """A long parent session never carries a staff role: once the account has one, the next
    request past the staff limits logs it out."""
    with time_machine.travel(MORNING, tick=False) as clock:
        client = _parent(world)
        clock.shift(2 * DAY)
        assert client.get("/phu-huynh/").status_code == 200
        StaffRole.objects.create(
            user=world.user("parent_a"), role=Role.TEACHER, school=world.school
        )
        response = client.get("/phu-huynh/")
    assert (response.status_code, response["Location"]) == (
        302,
        "/phu-huynh/dang-nhap/?next=/phu-huynh/",
    )
