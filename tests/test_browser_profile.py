"""Issue 2, done-when: a homeroom teacher logs in, opens the class, edits a pupil's profile
and sees the change and the completeness board update — in real Chromium."""

from __future__ import annotations

from typing import Any

import pytest

from hocbaso.people.models import Student
from hocbaso.people.tests.world import PASSWORD, World
from tests.browser import chromium_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_homeroom_teacher_edits_profile_and_sees_completeness_update(
    live_server: Any, world: World
) -> None:
    with chromium_browser() as browser:
        page = browser.new_page(locale="vi-VN")  # type: ignore[attr-defined]
        # given the homeroom teacher of 4A logged in
        page.goto(f"{live_server.url}/dang-nhap/")
        page.fill("#id_username", "homeroom_4a")
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        # when they open the class from the home page, then the pupil
        page.click("text=Lớp 4A")
        page.wait_for_selector("[data-testid=complete-count]")
        assert page.inner_text("[data-testid=complete-count]") == "0/1 hồ sơ đầy đủ"
        page.click("text=Lê Minh An")
        row = page.locator("tr[data-field=personal_id]")
        assert "chưa có" in row.inner_text()
        assert "Thiếu: Số định danh cá nhân" in page.inner_text("[data-testid=completeness]")
        # and edit the profile: a wrong personal ID first, then the right one
        page.click("text=Sửa hồ sơ")
        page.fill("#id_personal_id", "05821600123")
        page.fill("#id_hometown", "Xã Phước Dân, Ninh Thuận")
        page.click("button:has-text('Lưu')")
        assert "Số định danh cá nhân phải gồm đúng 12 chữ số." in page.content()
        assert Student.objects.get(pk=world.pupil_a.pk).hometown == "Ninh Thuận"
        page.fill("#id_personal_id", "058216001234")
        page.fill("#id_hometown", "Xã Phước Dân, Ninh Thuận")
        page.click("button:has-text('Lưu')")
        # then the change is shown, masked, and the board moved the field from missing to
        # unverified
        page.wait_for_selector("text=Đã lưu hồ sơ học sinh.")
        assert "Xã Phước Dân, Ninh Thuận" in page.locator("tr[data-field=hometown]").inner_text()
        assert "•••••••••234" in row.inner_text()
        completeness = page.inner_text("[data-testid=completeness]")
        assert "Thiếu: Số định danh cá nhân" not in completeness
        assert "Chưa xác minh: Số định danh cá nhân" in completeness
        # and the class board says the same
        page.goto(f"{live_server.url}/lop/{world.class_4a.pk}/hoan-thien/")
        board_row = page.locator("[data-testid=completeness-row]", has_text="Lê Minh An")
        assert "Số định danh cá nhân" in board_row.locator("td").nth(2).inner_text()
        assert "Số định danh cá nhân" not in board_row.locator("td").nth(1).inner_text()
        stored = Student.objects.get(pk=world.pupil_a.pk)
        assert (stored.personal_id, stored.hometown) == ("058216001234", "Xã Phước Dân, Ninh Thuận")
