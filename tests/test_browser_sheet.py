"""Issue 3, grade entry, in real Chromium: a teacher fills the maths sheet of 4A with the
keyboard only, pastes a block from a spreadsheet, sees it saved, reloads and finds every value;
a second, stale login of the same teacher gets the conflict with both values."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from hocbaso.assessment.models import Entry, SheetSave
from hocbaso.audit.actors import SEED
from hocbaso.audit.models import AuditEvent
from hocbaso.people.actions.assignments import assign_teacher
from hocbaso.people.actions.students import create_student
from hocbaso.people.tests.world import PASSWORD, World, pupil_values
from tests.browser import chromium_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASTE = """(text) => {
  const data = new DataTransfer();
  data.setData("text/plain", text);
  document.activeElement.dispatchEvent(
    new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
}"""
# A teacher who only teaches (no homeroom, no management role): 4A's maths is given to them.
SUBJECT_TEACHER = "subject_teacher_5b"
BANK_T1 = "Hoàn thành tốt nội dung môn học."  # comment_bank: subject, level T, first comment


def _login(browser: Any, base_url: str, **context_options: Any) -> tuple[Any, list[str]]:
    context = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", **context_options)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{base_url}/dang-nhap/")
    page.fill("#id_username", SUBJECT_TEACHER)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/")
    return page, errors


def _input(page: Any, row: int, field: str) -> Any:
    return page.locator("#sheet-grid tbody tr").nth(row).locator(f"input[data-field={field}]")


def _message(page: Any, row: int, field: str) -> str:
    cell = page.locator("#sheet-grid tbody tr").nth(row).locator(f"td.{field} .cell-msg")
    return str(cell.inner_text())


def _focused(page: Any) -> tuple[str, str]:
    """(pupil row's student id, field) of the focused input."""
    found = page.evaluate(
        "() => [document.activeElement.closest('tr')?.dataset.student,"
        " document.activeElement.dataset.field]"
    )
    return (found[0], found[1])


def _wait_saved(page: Any) -> None:
    page.wait_for_selector("[data-testid=sheet-status][data-state=saved]", timeout=10_000)
    assert page.inner_text("[data-testid=sheet-status]").startswith("Đã lưu lúc ")


def _stored(pupil_id: int) -> tuple[str, int | None, str]:
    entry = Entry.objects.current().get(
        student_id=pupil_id, code="toan", sheet__period__code="CHKI"
    )
    return (entry.level, entry.score, entry.comment)


def test_teacher_fills_the_sheet_by_keyboard_and_paste_and_a_stale_tab_gets_a_conflict(
    live_server: Any, world: World
) -> None:
    # given 4A with four pupils (ordered by name) and its maths teacher, a subject teacher,
    # logged in
    assign_teacher(world.user(SUBJECT_TEACHER).pk, world.class_4a.pk, "toan", acting_user=SEED)
    day = dt.date(2026, 9, 5)
    binh, cuc, dung = (
        create_student(pupil_values(name), world.class_4a.pk, enrolled_on=day, acting_user=SEED)
        for name in ("Nguyễn Văn Bình", "Phan Thị Cúc", "Trần Văn Dũng")
    )
    an = world.pupil_a  # Lê Minh An
    ids = [str(p.pk) for p in (an, binh, cuc, dung)]
    with chromium_browser() as browser:
        page, errors = _login(browser, live_server.url)
        # when they open the maths sheet of 4A for CHKI from "Sổ điểm"
        page.click("header nav >> text=Sổ điểm")
        page.click(f"[data-testid=sheet-{world.class_4a.pk}-toan-CHKI]")
        page.wait_for_selector("#sheet-grid")
        assert page.locator("#sheet-grid tbody tr").count() == 4
        assert _focused(page) == (ids[0], "level")
        # and type, with the keyboard only: a wrong level first, shown next to the cell
        page.keyboard.press("x")
        assert (
            _message(page, 0, "level") == "Toán: mức đạt được «X» không hợp lệ (chỉ nhận T, H, C)"
        )
        assert _focused(page) == (ids[0], "level")
        page.keyboard.press("t")  # a valid level moves on to the score
        assert _message(page, 0, "level") == ""
        assert _focused(page) == (ids[0], "score")
        page.keyboard.type("11")
        assert _message(page, 0, "score") == (
            "Toán: điểm kiểm tra «11» không hợp lệ (cần số nguyên từ 0 đến 10)"
        )
        page.keyboard.press("Backspace")
        page.keyboard.press("Backspace")
        page.keyboard.type("9")
        page.keyboard.press("Tab")
        assert _focused(page) == (ids[0], "comment")
        page.keyboard.press("Alt+1")  # the comment bank, for the row's level T
        assert _input(page, 0, "comment").input_value() == BANK_T1
        page.keyboard.press("Enter")  # down, back to the column where typing began
        assert _focused(page) == (ids[1], "level")
        page.keyboard.press("c")
        page.keyboard.type("0")  # accepted, with a warning (D3)
        assert _message(page, 1, "score") == "Điểm 0: hãy kiểm tra lại (vẫn được lưu)."
        page.keyboard.press("Enter")
        assert _focused(page) == (ids[2], "level")
        # and paste a block copied from a spreadsheet at Cúc's level
        page.evaluate(PASTE, "T\t9\nH\t7\n")
        assert page.inner_text("#sheet-notice") == "Đã dán 4 ô."
        page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        assert _focused(page) == (ids[3], "comment")
        page.keyboard.type("Cần luyện đọc thêm.")
        page.keyboard.press("Shift+Tab")
        assert _focused(page) == (ids[3], "score")
        # then the sheet is saved
        _wait_saved(page)
        expected = {
            an.pk: ("T", 9, BANK_T1),
            binh.pk: ("C", 0, ""),
            cuc.pk: ("T", 9, ""),
            dung.pk: ("H", 7, "Cần luyện đọc thêm."),
        }
        assert {pk: _stored(pk) for pk in expected} == expected
        # and after a reload every value is back in its cell
        page.reload()
        page.wait_for_selector("#sheet-grid")
        shown = [
            tuple(_input(page, row, f).input_value() for f in ("level", "score", "comment"))
            for row in range(4)
        ]
        assert shown == [
            ("T", "9", BANK_T1),
            ("C", "0", ""),
            ("T", "9", ""),
            ("H", "7", "Cần luyện đọc thêm."),
        ]

        # given a second login of the same teacher, on a phone-sized screen, opened now
        stale, stale_errors = _login(
            browser, live_server.url, viewport={"width": 360, "height": 740}
        )
        stale.goto(page.url)
        stale.wait_for_selector("#sheet-grid")
        scroller = stale.evaluate(
            "() => { const s = document.querySelector('.sheet-scroll');"
            " return [s.clientWidth, s.scrollWidth]; }"
        )
        assert scroller[0] <= 360 < scroller[1]  # the table scrolls sideways, the page does not
        # when the first page changes An's score to 8 and saves
        assert _focused(page) == (ids[0], "level")
        page.keyboard.press("ArrowRight")
        page.keyboard.type("8")
        _wait_saved(page)
        assert _stored(an.pk) == ("T", 8, BANK_T1)
        # and the stale page types 5 in the same cell
        assert _focused(stale) == (ids[0], "level")
        stale.keyboard.press("ArrowRight")
        stale.keyboard.type("5")
        # then it is told, with both values, and nothing is overwritten
        stale.wait_for_selector("[data-testid=sheet-conflicts]:visible", timeout=10_000)
        assert stale.inner_text(".conflict-message") == (
            f"Lê Minh An — Toán: đã được sửa ở nơi khác thành «T · 8 · {BANK_T1}», "
            f"bạn nhập «T · 5 · {BANK_T1}»."
        )
        assert stale.get_attribute("[data-testid=sheet-status]", "data-state") == "conflict"
        assert "conflict" in (_input(stale, 0, "score").evaluate("i => i.parentElement.className"))
        assert _stored(an.pk) == ("T", 8, BANK_T1)
        # and choosing the saved value shows it and writes nothing
        stale.click("text=Dùng giá trị đã lưu")
        assert _input(stale, 0, "score").input_value() == "8"
        assert stale.locator("[data-testid=sheet-conflicts]").is_hidden()
        assert _stored(an.pk) == ("T", 8, BANK_T1)
        assert errors == []
        assert stale_errors == []


def test_a_save_whose_answer_is_lost_is_retried_with_the_same_key_and_applied_once(
    live_server: Any, world: World
) -> None:
    assign_teacher(world.user(SUBJECT_TEACHER).pk, world.class_4a.pk, "toan", acting_user=SEED)
    with chromium_browser() as browser:
        page, errors = _login(browser, live_server.url)
        sent: list[str] = []

        def lose_the_first_answer(route: Any) -> None:
            sent.append(json.loads(route.request.post_data)["idempotency_key"])
            if len(sent) == 1:
                route.fetch()  # the server applies the save…
                route.abort("connectionreset")  # …and the answer never arrives
            else:
                route.continue_()

        page.route("**/luu/", lose_the_first_answer)
        page.goto(f"{live_server.url}/lop/{world.class_4a.pk}/so-diem/CHKI/toan/")
        page.wait_for_selector("#sheet-grid")
        # when the teacher types a level and a score
        page.keyboard.press("h")
        page.keyboard.type("6")
        # then the page says it will retry, retries the same batch, and it is saved once
        page.wait_for_selector("[data-testid=sheet-status][data-state=offline]", timeout=20_000)
        _wait_saved(page)
        assert len(sent) == 2
        assert sent[0] == sent[1]
        assert _stored(world.pupil_a.pk) == ("H", 6, "")
        assert SheetSave.objects.get().idempotency_key == sent[0]
        assert AuditEvent.objects.filter(action="assessment.sheet_saved").count() == 1
        assert errors == []
