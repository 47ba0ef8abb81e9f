"""Exports of the trail: same filtered set, parse back, formula-safe, capped, logged."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from hocbaso.audit.models import AuditEvent
from hocbaso.inspection import actions
from hocbaso.inspection.tests.helpers import client_for, write_events
from hocbaso.inspection.trail import EXPORT_HEADER
from hocbaso.people.tests.world import World

pytestmark = pytest.mark.django_db


def _seed(world: World) -> None:
    write_events(world.school.pk, 3, action="student.photo_viewed", subject_label="=HYPERLINK(1)",
                 data={"new": "+cmd"})  # fmt: skip
    write_events(world.school.pk, action="student.created", subject_label="Lê Minh An")
    write_events(world.other_school.pk, action="student.photo_viewed", subject_label="other")


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_csv_export_parses_back_formula_safe_and_logs(world: World) -> None:
    _seed(world)
    response = client_for("principal").get(
        f"/nhat-ki/truong/{world.school.pk}/xuat.csv", {"action": "student.photo_viewed"}
    )
    assert response.status_code == 200
    assert response.streaming
    raw = _body(response)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert tuple(rows[0]) == EXPORT_HEADER
    assert len(rows) == 4
    assert {r[6] for r in rows[1:]} == {"'=HYPERLINK(1)"}
    assert {r[2] for r in rows[1:]} == {"Xem ảnh học sinh"}
    assert rows[1][12] == '{"new": "+cmd"}'
    event = AuditEvent.objects.get(action="export.audit_trail")
    assert event.chain == f"school:{world.school.pk}"
    assert event.data["rows"] == 3
    assert event.data["format"] == "csv"
    assert event.data["filter"] == {"action": "student.photo_viewed"}


def test_xlsx_export_parses_back_as_text(world: World) -> None:
    _seed(world)
    response = client_for("inspector").get(
        f"/nhat-ki/tinh/{world.province.pk}/xuat.xlsx", {"action": "student.photo_viewed"}
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(_body(response))).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert tuple(rows[0]) == EXPORT_HEADER
    assert sorted(r[6] for r in rows[1:]) == ["=HYPERLINK(1)"] * 3 + ["other"]
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
    assert all(c.data_type == "s" for c in cells if c.value is not None)
    event = AuditEvent.objects.get(action="export.audit_trail")
    assert event.chain == "system"
    assert event.data["rows"] == 4


def test_an_export_over_the_cap_is_refused_with_a_message(world, monkeypatch) -> None:
    _seed(world)
    monkeypatch.setattr(actions, "EXPORT_CAP", 2)
    response = client_for("principal").get(
        f"/nhat-ki/truong/{world.school.pk}/xuat.csv", {"action": "student.photo_viewed"}
    )
    assert response.status_code == 302
    assert "action=student.photo_viewed" in response["Location"]
    page = client_for("principal").get(response["Location"])
    assert page.status_code == 200
    # the message is on the session of the client that exported
    assert not AuditEvent.objects.filter(action="export.audit_trail").exists()


def test_the_cap_message_is_shown(world, monkeypatch) -> None:
    _seed(world)
    monkeypatch.setattr(actions, "EXPORT_CAP", 2)
    client = client_for("principal")
    response = client.get(f"/nhat-ki/truong/{world.school.pk}/xuat.xlsx", follow=True)
    body = response.content.decode()
    assert "mỗi lần chỉ xuất được tối đa 2 dòng" in body


def test_an_unknown_format_is_404(world: World) -> None:
    response = client_for("principal").get(f"/nhat-ki/truong/{world.school.pk}/xuat.pdf")
    assert response.status_code == 404
