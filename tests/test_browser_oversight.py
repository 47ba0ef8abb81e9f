"""Issue 7 (oversight), done when: a Sở officer in the browser sees the province's indicators,
drills down province → commune → school → class and exports the class table to .xlsx, which
opens with openpyxl and has a row per pupil."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from openpyxl import load_workbook

from hocbaso.audit.models import AuditEvent
from hocbaso.oversight import actions
from hocbaso.people.tests.world import PASSWORD, World
from tests.browser import chromium_browser, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_so_officer_drills_down_to_a_class_and_exports_it(
    live_server: Any, world: World, tmp_path: Any
) -> None:
    # given a Quy chế in the world's school and a Sở training attended by the homeroom teacher
    actions.upload_regulation(
        world.school,
        title="Quy chế học bạ số",
        adopted_on=dt.date(2026, 9, 1),
        data=b"%PDF-1.4 demo",
        acting_user=world.user("principal"),
    )
    officer = world.user("province_officer")
    session = actions.create_training_session(
        held_on=dt.date(2026, 9, 2), topic="Tập huấn", province=world.province, acting_user=officer
    )
    actions.mark_attendance(session, {world.user("homeroom_4a").pk: True}, acting_user=officer)
    with chromium_browser() as browser:
        context = browser.new_context(  # type: ignore[attr-defined]
            locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", accept_downloads=True
        )
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        log_in(page, live_server.url, "province_officer", PASSWORD)
        # when the officer follows the home page's link (one province: straight to it)
        page.click("[data-testid=oversight]")
        page.wait_for_url(f"{live_server.url}/so/{world.province.pk}/dieu-hanh/")
        # then the plan's indicators are drawn, and the table has a row per commune
        targets = page.inner_text("[data-testid=targets]")
        assert "Trường có Quy chế" in targets
        assert "50 %" in targets  # one of the province's two schools has its Quy chế
        assert page.locator("[data-testid=targets] svg rect").count() == 14
        board = page.inner_text("[data-testid=board]")
        assert world.commune.name in board
        assert world.other_commune.name in board
        # when they drill down: commune, school, class
        page.click(f"[data-testid=board] a:has-text('{world.commune.name}')")
        page.wait_for_url(f"{live_server.url}/xa/{world.commune.pk}/dieu-hanh/")
        assert "Quy chế học bạ số (01/09/2026)" in page.inner_text("[data-testid=board]")
        page.click(f"[data-testid=board] a:has-text('{world.school.name}')")
        page.wait_for_url(f"{live_server.url}/truong/{world.school.pk}/dieu-hanh/")
        assert "Đã tập huấn" in page.inner_text("[data-testid=staff]")
        page.click("[data-testid=board] a:has-text('4A')")
        page.wait_for_url(f"{live_server.url}/lop/{world.class_4a.pk}/dieu-hanh/")
        assert "Lê Minh An" in page.inner_text("[data-testid=board]")
        # and export the class table
        with page.expect_download() as download_info:
            page.click("[data-testid=export]")
        path = tmp_path / "lop.xlsx"
        download_info.value.save_as(path)
        context.close()
    sheet = load_workbook(path).active
    assert sheet is not None
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ["Họ và tên", "Hồ sơ đầy đủ", "Có ảnh", "Có số định danh",
                       "Học bạ đã phát hành"]  # fmt: skip
    assert rows[1:] == [["Lê Minh An", "Chưa", "Có", "Chưa", "Chưa"]]  # the world gives A a photo
    assert AuditEvent.objects.filter(action="oversight.table_exported").count() == 1
    assert errors == []
