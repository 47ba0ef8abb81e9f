"""In real Chromium at 360 px wide: parent A confirms a field and reports an error on a phone
screen (nothing wider than the screen), the homeroom teacher sees the task and answers, and the
parent reads the answer."""

from __future__ import annotations

from typing import Any

import pytest

from hocbaso.people.models import ProfileReport
from hocbaso.people.tests.world import PASSWORD, World
from tests.browser import chromium_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


def _login(browser: Any, base: str, username: str, viewport: dict[str, int] | None) -> Any:
    context = browser.new_context(
        locale="vi-VN", viewport=viewport or {"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.goto(f"{base}/dang-nhap/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def _fits(page: Any) -> bool:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width <= PHONE["width"]


def test_parent_checks_the_profile_on_a_phone(world: World, live_server: Any) -> None:
    base = live_server.url
    pupil = world.pupil_a.pk
    with chromium_browser() as browser:
        parent = _login(browser, base, "parent_a", PHONE)
        parent.goto(f"{base}/phu-huynh/con/{pupil}/ho-so/")
        assert _fits(parent)
        parent.click("[data-testid=confirm-ethnicity]")
        parent.wait_for_selector("text=Cảm ơn anh/chị đã xác nhận thông tin.")
        parent.click("[data-testid=report-hometown]")
        parent.fill("#comment", "Quê ở Cam Ranh, Khánh Hòa")
        assert _fits(parent)
        parent.click("[data-testid=send-report]")
        parent.wait_for_selector("text=Đã báo sai, đang chờ xử lí")
        assert _fits(parent)

        teacher = _login(browser, base, "homeroom_4a", None)
        assert teacher.inner_text("[data-testid=open-reports]") == "1"
        teacher.click("[data-testid=class-reports]")
        teacher.fill("textarea[name=note]", "Đã sửa theo giấy khai sinh")
        teacher.click("button[value=resolve]")
        teacher.wait_for_selector("text=Đã trả lời phản ánh; phụ huynh sẽ thấy kết quả.")

        parent.goto(f"{base}/phu-huynh/con/{pupil}/ho-so/")
        assert "Đã sửa — Đã sửa theo giấy khai sinh" in parent.inner_text("[data-testid=report]")
        parent.goto(f"{base}/phu-huynh/con/{pupil}/dong-y/")
        assert _fits(parent)
    assert ProfileReport.objects.get(voided_at__isnull=True).status == "resolved"
