"""Staff session timeouts are settings (security.md F4): the idle limit and the absolute limit
apply to every staff role, the ones with a second factor included, and can be shortened."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

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
