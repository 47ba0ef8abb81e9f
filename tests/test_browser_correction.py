"""Issue 4, a correction after the lock, in real Chromium: the teacher files it from the locked
sheet through the form and signs the generated biên bản with the PIN of a DEMO certificate, the
principal logs in, re-enters the password, countersigns with their PIN and approves; the biên
bản then verifies with both signatures and the cell's history shows the old and the new value
with the biên bản's number."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from hocbaso.assessment.actions.locks import LockScope, lock_entry
from hocbaso.assessment.actions.save_sheet import CellInput, save_sheet
from hocbaso.assessment.bien_ban_files import read_bien_ban
from hocbaso.assessment.models import BienBan, CorrectionRequest, Entry
from hocbaso.people.testing import next_code
from hocbaso.people.tests.world import PASSWORD, World
from hocbaso.signing.demo_store import DemoAuthority
from hocbaso.signing.testing import give_certificate
from hocbaso.signing.trust import trust_roots
from hocbaso.signing.verify_pdf import verify_pdf
from tests.browser import chromium_browser, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(browser: Any, base_url: str, username: str) -> tuple[Any, list[str]]:
    context = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, base_url, username, PASSWORD)
    return page, errors


def _stored(world: World) -> tuple[str, int | None]:
    entry = Entry.objects.current().get(student=world.pupil_a, code="toan")
    return entry.level, entry.score


def test_teacher_files_a_correction_and_the_principal_approves_it_after_reentering_the_password(
    live_server: Any, world: World, demo_authority: DemoAuthority
) -> None:
    # given DEMO certificates for the teacher and the principal (PIN 123456), An's maths for
    # CHKI at H · 7, and the sheet locked by the principal
    for persona in ("homeroom_4a", "principal"):
        give_certificate(demo_authority, world.user(persona), now=timezone.now())
    save_sheet(
        world.class_4a.pk, "CHKI", "toan", [CellInput(world.pupil_a.pk, "toan", "H", 7)],
        base_version=0, idempotency_key="first", acting_user=world.user("homeroom_4a"),
    )  # fmt: skip
    lock_entry(
        LockScope(world.school.pk, "CHKI", class_id=world.class_4a.pk, key="toan"),
        acting_user=world.user("principal"),
    )
    grid = f"{live_server.url}/lop/{world.class_4a.pk}/so-diem/CHKI/toan/"
    field = f"{world.pupil_a.pk}-toan"
    with chromium_browser() as browser:
        # when the teacher opens the locked sheet and follows the banner's link
        teacher, teacher_errors = _login(browser, live_server.url, "homeroom_4a")
        teacher.goto(grid)
        assert teacher.is_visible("[data-testid=locked]")
        teacher.click("[data-testid=correction-new]")
        teacher.wait_for_selector("[data-testid=correction-form]")
        # and types the new level and score of An's cell, the reason, keeping the generated
        # biên bản, which they sign with their certificate's PIN
        assert teacher.input_value(f"input[name=level-{field}]") == "H"
        teacher.fill(f"input[name=level-{field}]", "T")
        teacher.fill(f"input[name=score-{field}]", "9")
        teacher.fill("#id_reason", "Cộng nhầm điểm bài kiểm tra của em An.")
        assert teacher.is_checked("input[name=bien_ban][value=generated]")
        teacher.fill("#id_pin", "123456")
        teacher.click("text=Gửi đề nghị sửa")
        # then the request is pending and nothing changed on the sheet yet
        teacher.wait_for_selector("[data-testid=correction-status][data-status=pending]")
        request = CorrectionRequest.objects.get()
        assert teacher.url == f"{live_server.url}/de-nghi-sua/{request.pk}/"
        assert _stored(world) == ("H", 7)
        assert teacher.inner_text("[data-signing=requester]") == "Người đề nghị đã kí số"

        # when the principal logs in, opens the request, re-enters the password and their
        # authenticator's code, types the PIN that countersigns the biên bản, and approves
        principal, principal_errors = _login(browser, live_server.url, "principal")
        principal.goto(f"{live_server.url}/de-nghi-sua/{request.pk}/")
        assert principal.is_checked("[data-testid=approve-form] input[name=cell]")
        principal.fill("#id_approve_pin", "123456")
        principal.fill("#id_approve_password", PASSWORD)
        principal.fill("#id_approve_code", next_code(world.user("principal")))
        principal.click("text=Duyệt và sửa sổ")
        # then the request is approved and the cell corrected
        principal.wait_for_selector("[data-testid=correction-status][data-status=approved]")
        assert _stored(world) == ("T", 9)
        # and the biên bản carries both digital signatures
        signed = principal.locator("[data-signing=complete]")
        assert signed.inner_text() == "Người đề nghị và Hiệu trưởng đã kí số"

        # and the cell's history shows both values, the reason and the biên bản number
        principal.goto(f"{grid}lich-su/{world.pupil_a.pk}/toan/")
        versions = principal.locator("[data-testid=version-value]").all_inner_texts()
        assert versions == ["H · 7", "T · 9"]
        correction = principal.inner_text("[data-testid=version-correction]")
        assert request.number in correction
        assert "Cộng nhầm điểm bài kiểm tra của em An." in correction
        assert teacher_errors == []
        assert principal_errors == []
    # (verified outside the browser block: Playwright's event loop runs in this thread)
    bien_ban = BienBan.objects.get(signing="complete")
    report = verify_pdf(read_bien_ban(bien_ban.sha256), trust_roots=trust_roots())
    assert report.valid, report.problems
    assert [s.field for s in report.signatures] == ["NguoiDeNghi", "HieuTruong"]
