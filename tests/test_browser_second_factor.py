"""Issue 7 in real Chromium: a principal's first login enrols the authenticator (QR code, key,
recovery codes) and the next login asks for its code; no page breaks the Content-Security-
Policy (no inline script or style anywhere), and the language switch works without an inline
handler."""

from __future__ import annotations

import time
from typing import Any

import pytest

from hocbaso.people.auth_models import TotpDevice
from hocbaso.people.testing import next_code
from hocbaso.people.tests.world import PASSWORD, World
from hocbaso.people.totp import from_base32, totp
from tests.browser import chromium_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _page(browser: Any) -> tuple[Any, list[str]]:
    context = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on(
        "console",
        lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return page, problems


def _password(page: Any, base: str, username: str, next_url: str = "") -> None:
    page.goto(f"{base}/dang-nhap/{'?next=' + next_url if next_url else ''}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_principal_enrols_then_proves_the_code_and_no_page_breaks_the_csp(
    live_server: Any, world: World
) -> None:
    base = live_server.url
    with chromium_browser() as browser:
        page, problems = _page(browser)
        # given the principal's first login: the enrolment, with a QR code and the key
        _password(page, base, "principal", f"/truong/{world.school.pk}/")
        assert "/xac-thuc-hai-buoc/dang-ky/" in page.url
        assert page.locator("[data-testid=totp-qr] svg").is_visible()
        assert (
            page.evaluate("() => getComputedStyle(document.querySelector('.card.narrow')).maxWidth")
            == "416px"
        )  # app.css, a static file, is applied
        secret = from_base32(page.inner_text("[data-testid=totp-secret]"))
        # when they type the app's code
        page.fill("#id_code", totp(secret, time.time()))
        page.click("[data-testid=mfa-enrol] button[type=submit]")
        # then ten recovery codes are shown once, and they continue where they were going
        assert page.locator("[data-testid=recovery-codes] li").count() == 10
        page.click("[data-testid=mfa-continue]")
        page.wait_for_url(f"{base}/truong/{world.school.pk}/")
        assert TotpDevice.objects.filter(user=world.user("principal")).count() == 1
        # and the pages with their own styles and scripts render under the CSP
        for url in (
            f"/nhat-ki/truong/{world.school.pk}/",
            f"/truong/{world.school.pk}/hoc-ba/",
            f"/hoc-sinh/{world.pupil_a.pk}/",
            f"/lop/{world.class_4a.pk}/so-diem/CHKI/toan/",
            "/xac-minh/",
        ):
            page.goto(f"{base}{url}")
            page.wait_for_load_state("networkidle")
        # and the language switch submits without an inline handler
        page.goto(f"{base}/")
        page.select_option("select[name=language]", "en")
        page.wait_for_selector("html[lang=en]")
        # the new page's <html> is there before its deferred app.js listens to the select
        page.wait_for_load_state("load")
        page.select_option("select[name=language]", "vi")
        page.wait_for_selector("html[lang=vi]")
        # when they log out and in again, the code is asked
        page.click("header .who button")
        page.wait_for_url(f"{base}/dang-nhap/")
        _password(page, base, "principal")
        assert "/xac-thuc-hai-buoc/" in page.url
        page.fill("#id_code", next_code(world.user("principal")))
        page.click("[data-testid=mfa-verify] button[type=submit]")
        page.wait_for_url(f"{base}/")
        assert problems == []


def test_the_grade_sheet_runs_under_the_csp(live_server: Any, world: World) -> None:
    base = live_server.url
    with chromium_browser() as browser:
        page, problems = _page(browser)
        _password(page, base, "homeroom_4a")
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/lop/{world.class_4a.pk}/so-diem/CHKI/toan/")
        page.wait_for_selector("#sheet-grid")
        page.wait_for_load_state("networkidle")
        assert problems == []
