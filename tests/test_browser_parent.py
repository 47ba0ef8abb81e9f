"""Issue 6, done when: on a phone-sized Chromium (360 × 740) a parent registers (proving the
number with the code sent by SMS), links to their child with the invitation code the school
printed, sees the released results with the teacher's comments (and nothing of a period not
released), downloads the signed học bạ (logged as their download) and, with the feedback
routes, reports a profile error that then appears for the homeroom teacher."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from hocbaso.assessment.models import Entry
from hocbaso.assessment.release import release_period
from hocbaso.assessment.tests.test_year_end import Marks, fill
from hocbaso.notifications.models import Notification
from hocbaso.org.models import Period
from hocbaso.people.actions.guardian_links import create_class_invitations
from hocbaso.people.guardianship import children_of
from hocbaso.people.models import User
from hocbaso.people.tests.world import PASSWORD, World
from hocbaso.records.models import RecordAccess, RecordFile, RecordPage
from hocbaso.records.storage import store_pdf
from hocbaso.records.tests.signed_records import register, signed_page
from tests.browser import chromium_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = "0912345678"
PARENT_PASSWORD = "Me-cua-An-2026"
COMMENT = "Em đọc to, rõ ràng; cần luyện viết chữ hoa."
VIEWPORT = {"width": 360, "height": 740}


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    cache.clear()  # rendered results are cached per process (portal/views/pages.py)


def _school_side(world: World) -> tuple[str, RecordPage, bytes]:
    """GHKI filled (with a comment) and released; a letter's code for pupil A; pupil A's
    year page signed by the homeroom teacher, the principal and the school seal."""
    fill(world.class_4a, {world.pupil_a: Marks(grade=4, period="GHKI")}, period="GHKI")
    Entry.objects.current().filter(student=world.pupil_a, code="tieng_viet").update(comment=COMMENT)
    ghki = Period.objects.get(school_year=world.year, code="GHKI")
    release_period(world.school, ghki, acting_user=world.user("principal"))
    fill(world.class_4a, {world.pupil_a: Marks(grade=4, period="CHKI")}, period="CHKI")
    issued = create_class_invitations(world.class_4a.pk, acting_user=world.user("homeroom_4a"))
    page = register(world, 1)
    pdf = signed_page(1).final
    RecordFile.objects.create(
        page=page, step=RecordFile.Step.SEAL, sha256=store_pdf(pdf), size=len(pdf)
    )
    return issued[0].grouped, page, pdf


def _phone(browser: Any) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(
        viewport=VIEWPORT,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
        accept_downloads=True,
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page, errors


def _sms_code() -> str:
    text = Notification.objects.filter(address=PHONE, topic="guardian.registration").get().text
    match = re.search(r"\b(\d{6})\b", text)
    assert match is not None, text
    return match.group(1)


def _fits_the_screen(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORT["width"], f"horizontal scroll on {page.url}: {width} px"


def test_a_parent_links_sees_released_results_and_downloads_the_record(
    live_server: Any, world: World, tmp_path: Path
) -> None:
    code, record, pdf = _school_side(world)
    base = live_server.url
    downloaded = tmp_path / "hoc-ba.pdf"
    with chromium_browser() as browser:
        context, phone, errors = _phone(browser)
        # registers with a phone number from the login page
        phone.goto(f"{base}/phu-huynh/")
        phone.wait_for_url(re.compile(r".*/phu-huynh/dang-nhap/\?next=.*"))
        _fits_the_screen(phone)
        phone.click("text=Đăng kí bằng số điện thoại")
        phone.fill("#id_phone", PHONE)
        phone.fill("#id_full_name", "Trần Thị Mẹ")
        phone.fill("#id_password", PARENT_PASSWORD)
        phone.click("button[type=submit]")
        # the code sent by SMS (through the outbox) proves the number
        phone.wait_for_url(f"{base}/phu-huynh/dang-ki/xac-minh/")
        _fits_the_screen(phone)
        phone.fill("#id_code", _sms_code())
        phone.click("button[value=confirm]")
        phone.wait_for_url(f"{base}/phu-huynh/lien-ket/")
        _fits_the_screen(phone)
        # a mistyped code is refused in Vietnamese, then the letter's code links the child
        phone.fill("#id_code", "AAAA-BBBB-CCCC")
        phone.select_option("#id_relation", "me")
        phone.click("button[type=submit]")
        assert "Mã mời không đúng" in phone.inner_text("[role=alert]")
        phone.fill("#id_code", code.lower().replace("-", " "))
        phone.select_option("#id_relation", "me")
        phone.click("button[type=submit]")
        phone.wait_for_url(f"{base}/phu-huynh/con/{world.pupil_a.pk}/")
        assert phone.inner_text("h1") == "Lê Minh An"
        # the released GHKI results with the teacher's comment; CHKI (not released) absent
        results = phone.inner_text("[data-testid=results]")
        assert COMMENT in results
        assert "Hoàn thành tốt" in results
        tabs = phone.inner_text(".tabs")
        assert "Giữa học kì I" in tabs
        assert "Cuối học kì I" not in tabs
        _fits_the_screen(phone)
        # the signed học bạ
        with phone.expect_download() as info:
            phone.click("[data-testid=records] a")
        info.value.save_as(downloaded)
        # installable app: the service worker takes over and keeps the page for offline reading
        assert phone.evaluate("navigator.serviceWorker.ready.then(r => r.scope)") == (
            f"{base}/phu-huynh/"
        )
        child_url = f"{base}/phu-huynh/con/{world.pupil_a.pk}/"
        phone.reload()
        phone.wait_for_function(
            "url => caches.open('pages-v1').then(c => c.match(url)).then(Boolean)", arg=child_url
        )
        context.set_offline(True)
        phone.goto(child_url)
        assert COMMENT in phone.inner_text("[data-testid=results]")
        context.set_offline(False)
        # signing out empties every cache on the phone
        phone.goto(child_url)
        phone.click("[data-logout] button")
        phone.wait_for_url(f"{base}/phu-huynh/dang-xuat/")
        phone.wait_for_function("caches.keys().then(keys => keys.length === 0)")
        assert errors == []

    parent = User.objects.get(username=PHONE)
    assert list(children_of(parent)) == [world.pupil_a]
    assert downloaded.read_bytes() == pdf
    access = RecordAccess.objects.get()
    assert (access.kind, access.actor, access.page_id) == ("download", parent, record.pk)


FEEDBACK = importlib.util.find_spec("hocbaso.portal.views.profile") is not None


@pytest.mark.skipif(not FEEDBACK, reason="needs the feedback helper's profile routes (h/feedback)")
def test_a_profile_error_reported_by_the_parent_reaches_the_homeroom_teacher(
    live_server: Any, world: World
) -> None:
    base = live_server.url
    note = "Nơi sinh đúng là Bệnh viện Ninh Thuận, theo giấy khai sinh."
    with chromium_browser() as browser:
        _, phone, errors = _phone(browser)
        phone.goto(f"{base}/phu-huynh/dang-nhap/")
        phone.fill("#id_username", "parent_a")
        phone.fill("#id_password", PASSWORD)
        phone.click("button[type=submit]")
        phone.wait_for_url(f"{base}/phu-huynh/")
        phone.click(f"a[href='/phu-huynh/con/{world.pupil_a.pk}/']")
        phone.click("[data-testid=child-profile]")
        phone.click("[data-testid=report-birth_place]")
        phone.fill("#comment", note)
        phone.click("[data-testid=send-report]")
        phone.wait_for_url(f"{base}/phu-huynh/con/{world.pupil_a.pk}/ho-so/")
        _fits_the_screen(phone)
        assert errors == []

        teacher = browser.new_context(locale="vi-VN").new_page()
        teacher.goto(f"{base}/dang-nhap/")
        teacher.fill("#id_username", "homeroom_4a")
        teacher.fill("#id_password", PASSWORD)
        teacher.click("button[type=submit]")
        teacher.wait_for_url(f"{base}/")
        teacher.goto(f"{base}/lop/{world.class_4a.pk}/phan-anh/")
        row = teacher.inner_text("[data-testid=report-row]")
        assert "Lê Minh An" in row
        assert note in row
