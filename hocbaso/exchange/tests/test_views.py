"""The exchange screens: a school's download page, the Sở's page, queueing and a job's attempts."""

from __future__ import annotations

import pytest
from django.test import Client

from hocbaso.audit.actors import SystemActor
from hocbaso.audit.models import AuditEvent
from hocbaso.exchange.models import PushJob
from hocbaso.exchange.push.runner import run_due
from hocbaso.exchange.standin import StandinServer
from hocbaso.exchange.tests.fixtures import issue_page
from hocbaso.people.tests.world import World

pytestmark = pytest.mark.django_db


def _client(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(world.user(persona))
    return client


def test_the_principal_downloads_the_csdl_pupils_file(world: World) -> None:
    client = _client(world, "principal")
    page = client.get(f"/truong/{world.school.pk}/trao-doi/")
    assert page.status_code == 200
    assert b'data-testid="download-hoc-sinh-xlsx"' in page.content
    response = client.get(f"/truong/{world.school.pk}/trao-doi/2026-2027/hoc-sinh.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="hoc-sinh-th-dv-2026-2027.xlsx"'
    assert response["Cache-Control"].startswith("no-store, private")
    event = AuditEvent.objects.get(action="exchange.exported")
    assert (event.actor_id, event.data["kind"], event.data["format"]) == (
        world.user("principal").pk,
        "pupils",
        "xlsx",
    )


def test_an_unknown_year_is_a_message_not_a_file(world: World) -> None:
    client = _client(world, "principal")
    response = client.get(f"/truong/{world.school.pk}/trao-doi/2030-2031/hoc-sinh.xml", follow=True)
    assert response.redirect_chain[-1][0] == f"/truong/{world.school.pk}/trao-doi/"
    assert "Không có năm học «2030-2031»." in response.content.decode()
    assert AuditEvent.objects.filter(action="exchange.exported").count() == 0


def test_the_sở_queues_and_sees_the_attempts(world: World, standin: StandinServer) -> None:
    issue_page(world)
    client = _client(world, "province_officer")
    response = client.post(f"/so/{world.province.pk}/trao-doi/gui/warehouse/", follow=True)
    assert "Đã đưa 1 trang học bạ vào hàng đợi gửi." in response.content.decode()
    job = PushJob.objects.get()
    standin.service.faults.fail_next = 1
    run_due(acting_user=SystemActor("test"), targets=("warehouse",))
    page = client.get(f"/so/{world.province.pk}/trao-doi/luot-gui/{job.pk}/").content.decode()
    assert "HTTP 500" in page
    assert job.idempotency_key in page
    summary = client.get(f"/so/{world.province.pk}/trao-doi/").content.decode()
    assert job.record_code in summary


def test_the_sở_reaches_the_province_page_from_a_school(world: World) -> None:
    officer = _client(world, "province_officer").get(f"/truong/{world.school.pk}/trao-doi/")
    principal = _client(world, "principal").get(f"/truong/{world.school.pk}/trao-doi/")
    link = f'href="/so/{world.province.pk}/trao-doi/"'
    assert link in officer.content.decode()
    assert link not in principal.content.decode()
