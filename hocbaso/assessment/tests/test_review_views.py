"""Rà soát trước khi khóa sổ (issue 4) through the test client: the panel on the grid and its
forms (htmx and without JavaScript), the marks on flagged cells, the teacher's to-do, the
board of open flags, and the lock refused with open flags then accepted with a reason."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client

from hocbaso.assessment.actions.locks import LOCAL_TZ
from hocbaso.assessment.actions.review import answer_flag, raise_flag, resolve_flag
from hocbaso.assessment.models import EntryLock, FlagMessage, ReviewFlag
from hocbaso.audit.models import AuditEvent
from hocbaso.people.tests.world import PASSWORD, World
from tests.browser import chromium_browser

pytestmark = pytest.mark.django_db

# Before the CHKI deadline of the world's year (20/01/2027): sheets are open.
TODAY = dt.datetime(2026, 12, 1, 9, 0, tzinfo=LOCAL_TZ)
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _december() -> Iterator[None]:
    with time_machine.travel(TODAY, tick=True):
        yield


def _client(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(world.user(persona))
    return client


def _sheet(world: World, key: str = "toan") -> str:
    return f"/lop/{world.class_4a.pk}/so-diem/CHKI/{key}/"


def _flag(world: World, persona: str = "group_head", **kw: object) -> ReviewFlag:
    values: dict[str, object] = {"student_id": world.pupil_a.pk, "code": "toan"} | kw
    return raise_flag(
        world.class_4a.pk,
        "CHKI",
        "toan",
        text="Điểm 9 mà mức H?",
        acting_user=world.user(persona),
        **values,  # type: ignore[arg-type]
    )


# -- the panel and its forms ---------------------------------------------------------------------


def test_the_group_head_raises_a_flag_with_htmx_and_gets_the_panel(world: World) -> None:
    # given the group head of grade 4 on 4A's Toán sheet
    head = _client(world, "group_head")
    # when they flag An's Toán cell through the panel
    response = head.post(
        _sheet(world) + "co/",
        {"student": world.pupil_a.pk, "code": "toan", "text": "Điểm 9 mà mức H?"},
        headers=HTMX,
    )
    # then the flag is recorded, with its message and one audit event
    assert response.status_code == 200
    flag = ReviewFlag.objects.get()
    assert (flag.student_id, flag.code, flag.status) == (world.pupil_a.pk, "toan", "open")
    assert flag.messages.get().text == "Điểm 9 mà mức H?"
    assert AuditEvent.objects.filter(action="review.flag_raised").count() == 1
    # and the response is the panel alone, listing it with author and Vietnam time
    body = response.content.decode()
    assert body.startswith('<section id="review-panel"')
    assert "<html" not in body
    assert "Lê Minh An — Toán" in body
    assert "Persona group_head" in body
    assert "01/12/2026 09:0" in body  # 09:00 Asia/Ho_Chi_Minh, not UTC
    assert "Đã gắn cờ rà soát." in body


def test_without_javascript_a_flag_is_raised_and_the_page_redirects_to_the_panel(
    world: World,
) -> None:
    head = _client(world, "vice_principal")
    response = head.post(_sheet(world) + "co/", {"student": "", "code": "", "text": "Cả sổ?"})
    assert response.status_code == 302
    assert response["Location"] == _sheet(world) + "#ra-soat"
    flag = ReviewFlag.objects.get()
    assert flag.student_id is None
    assert flag.code == ""
    page = head.get(_sheet(world)).content.decode()
    assert "Đã gắn cờ rà soát." in page
    assert "Cả sổ" in page


def test_a_refused_flag_shows_the_message_and_changes_nothing(world: World) -> None:
    head = _client(world, "group_head")
    # an empty comment (htmx): the panel with the message, the text kept
    response = head.post(
        _sheet(world) + "co/",
        {"student": world.pupil_a.pk, "code": "toan", "text": " "},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "Hãy nhập nội dung cần xem lại." in response.content.decode()
    # an item without a pupil (no JS): redirected with the message
    response = head.post(_sheet(world) + "co/", {"student": "", "code": "toan", "text": "x"})
    assert response.status_code == 302
    page = head.get(response["Location"]).content.decode()
    assert "Gắn cờ một ô cần chọn học sinh." in page
    assert not ReviewFlag.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="review.").exists()


def test_the_teacher_answers_and_the_reviewer_resolves_then_reopens(world: World) -> None:
    flag = _flag(world)
    teacher = _client(world, "homeroom_4a")
    # the teacher sees the flag and the answer form, not the reviewer's forms
    page = teacher.get(_sheet(world)).content.decode()
    assert 'data-testid="review-answer"' in page
    assert 'data-testid="review-resolve"' not in page
    assert 'name="text" id="review-raise-text"' not in page
    # when the teacher answers
    response = teacher.post(
        _sheet(world) + f"co/{flag.pk}/tra-loi/", {"text": "Đã sửa thành mức T."}, headers=HTMX
    )
    assert response.status_code == 200
    flag.refresh_from_db()
    assert flag.status == ReviewFlag.Status.ANSWERED
    assert "Đã sửa thành mức T." in response.content.decode()
    # then the group head closes it, and reopens it with a reason (no JS)
    head = _client(world, "group_head")
    response = head.post(_sheet(world) + f"co/{flag.pk}/dong/", {"text": ""})
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.status == ReviewFlag.Status.RESOLVED
    response = head.post(_sheet(world) + f"co/{flag.pk}/mo-lai/", {"text": "Chưa khớp điểm."})
    flag.refresh_from_db()
    assert flag.status == ReviewFlag.Status.OPEN
    kinds = list(flag.messages.values_list("kind", flat=True))
    assert kinds == ["raised", "answer", "resolved", "reopened"]
    # and a second close attempt on a resolved flag is refused with a message
    resolve_flag(flag.pk, acting_user=world.user("group_head"))
    response = head.post(_sheet(world) + f"co/{flag.pk}/dong/", {}, headers=HTMX)
    assert "Cờ này đã được đóng." in response.content.decode()
    assert FlagMessage.objects.filter(flag=flag).count() == 5


def test_wrong_personas_get_403_or_404(world: World) -> None:
    flag = _flag(world)
    url = _sheet(world)
    # the teacher may not raise, resolve or reopen (403); the school admin may not answer
    teacher = _client(world, "homeroom_4a")
    assert teacher.post(url + "co/", {"text": "x"}).status_code == 403
    assert teacher.post(url + f"co/{flag.pk}/dong/", {}).status_code == 403
    assert teacher.post(url + f"co/{flag.pk}/mo-lai/", {"text": "x"}).status_code == 403
    admin = _client(world, "school_admin")
    assert admin.post(url + f"co/{flag.pk}/tra-loi/", {"text": "x"}).status_code == 403
    # the teacher of 5B does not see 4A; the other school's principal neither (404)
    for persona in ("subject_teacher_5b", "other_principal"):
        client = _client(world, persona)
        assert client.post(url + "co/", {"text": "x"}).status_code == 404
        assert client.post(url + f"co/{flag.pk}/tra-loi/", {"text": "x"}).status_code == 404
    # a flag of another sheet is not found through this one
    other = _sheet(world, "tieng_viet")
    head = _client(world, "group_head")
    assert head.post(other + f"co/{flag.pk}/dong/", {}).status_code == 404
    # nothing changed
    flag.refresh_from_db()
    assert flag.status == ReviewFlag.Status.OPEN
    assert flag.messages.count() == 1


def test_the_group_head_of_another_grade_may_not_flag(world: World) -> None:
    head = _client(world, "group_head")  # grade 4 only
    response = head.post(
        f"/lop/{world.class_5b.pk}/so-diem/CHKI/tin_hoc/co/", {"text": "x"}, headers=HTMX
    )
    assert response.status_code == 404  # 5B is not visible to the head of grade 4
    assert not ReviewFlag.objects.exists()


# -- the marks in the grid -----------------------------------------------------------------------


def test_flagged_cells_are_marked_in_the_editable_and_read_only_grids(world: World) -> None:
    flag = _flag(world)
    # the teacher's editable grid: the td classed, the input described by the flag
    page = _client(world, "homeroom_4a").get(_sheet(world)).content.decode()
    assert page.count('class="cell level flagged"') == 1
    assert page.count('class="cell comment flagged"') == 1
    assert f'aria-describedby="flag-{flag.pk}"' in page
    assert f'id="flag-{flag.pk}"' in page
    assert 'title="Cờ rà soát: Điểm 9 mà mức H?"' in page
    # the reviewer's read-only grid the same
    page = _client(world, "group_head").get(_sheet(world)).content.decode()
    assert page.count('class="cell level flagged"') == 1
    assert f'aria-describedby="flag-{flag.pk}"' in page
    # once resolved, no mark
    resolve_flag(flag.pk, acting_user=world.user("group_head"))
    page = _client(world, "homeroom_4a").get(_sheet(world)).content.decode()
    assert "flagged" not in page.split('id="sheet-grid"')[1].split("</table>")[0]


def test_the_panel_links_the_chosen_cell_to_its_history(world: World) -> None:
    head = _client(world, "group_head")
    response = head.get(
        _sheet(world) + f"ra-soat/?student={world.pupil_a.pk}&code=toan&text=abc", headers=HTMX
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert ">abc</textarea>" in body
    history = f"/lop/{world.class_4a.pk}/so-diem/CHKI/toan/lich-su/{world.pupil_a.pk}/toan/"
    assert history in body
    # a code outside the sheet or a pupil outside the class chooses nothing
    body = head.get(
        _sheet(world) + "ra-soat/?student=999999&code=toan", headers=HTMX
    ).content.decode()
    assert "lich-su/" not in body
    # without htmx, the grid page at the panel
    response = head.get(_sheet(world) + f"ra-soat/?student={world.pupil_a.pk}&code=toan")
    assert response.status_code == 302
    assert response["Location"].endswith(f"?student={world.pupil_a.pk}&code=toan#ra-soat")


# -- the teacher's to-do -------------------------------------------------------------------------


def test_my_sheets_lists_the_open_flags_on_my_sheets(world: World) -> None:
    flag = _flag(world)
    closed = _flag(world, code="")
    resolve_flag(closed.pk, acting_user=world.user("group_head"))
    page = _client(world, "homeroom_4a").get("/so-diem/").content.decode()
    assert page.count('data-testid="review-todo-flag"') == 1
    assert f"{_sheet(world)}?student={world.pupil_a.pk}&amp;code=toan#flag-{flag.pk}" in page
    # the teacher of 5B has nothing to do
    page = _client(world, "subject_teacher_5b").get("/so-diem/").content.decode()
    assert 'data-testid="review-todo"' not in page


# -- the board -----------------------------------------------------------------------------------


def test_the_board_counts_open_and_resolved_flags_per_class(world: World) -> None:
    _flag(world)
    answered = _flag(world, code="")
    answer_flag(answered.pk, text="Đã xem.", acting_user=world.user("homeroom_4a"))
    resolved = _flag(world, student_id=None, code="")
    resolve_flag(resolved.pk, acting_user=world.user("vice_principal"))
    url = f"/truong/{world.school.pk}/ra-soat/CHKI/"
    page = _client(world, "principal").get(url).content.decode()
    assert (
        f'data-class="{world.class_4a.pk}" data-open="2" data-resolved="1"' in page
    )  # open and answered both count as open
    assert f'data-class="{world.class_5b.pk}" data-open="0" data-resolved="0"' in page
    assert f'href="{_sheet(world)}#ra-soat"' in page
    # the group head of grade 4 sees 4A only
    page = _client(world, "group_head").get(url).content.decode()
    assert f'data-class="{world.class_4a.pk}"' in page
    assert f'data-class="{world.class_5b.pk}"' not in page
    # teachers and the other school: 404
    for persona in ("homeroom_4a", "subject_teacher_5b", "other_principal", "parent_a"):
        assert _client(world, persona).get(url).status_code == 404
    # linked from the lock screen and the progress board
    principal = _client(world, "principal")
    for screen in ("khoa-so", "tien-do"):
        page = principal.get(f"/truong/{world.school.pk}/{screen}/CHKI/").content.decode()
        assert f'href="{url}"' in page


# -- the lock with open flags --------------------------------------------------------------------


def test_the_lock_is_refused_with_open_flags_then_accepted_with_a_reason(world: World) -> None:
    _flag(world)
    principal = _client(world, "principal")
    board = f"/truong/{world.school.pk}/khoa-so/CHKI/"
    decide = board + "quyet-dinh/"
    # the lock screen shows the open flags of 4A and of its Toán sheet
    page = principal.get(board).content.decode()
    assert 'data-testid="lock-class-flags" data-open="1"' in page
    assert 'data-testid="lock-sheet-flags"' in page
    # when the principal locks class 4A
    response = principal.post(decide, {"action": "lock", "class_id": world.class_4a.pk})
    # then it is refused, and the form asks for the override with a reason
    assert response.status_code == 200
    body = response.content.decode()
    assert "Còn 1 cờ rà soát chưa xử lí (lớp 4A: 1)" in body
    assert "Vẫn khóa dù còn cờ rà soát" in body
    assert f'name="class_id" value="{world.class_4a.pk}"' in body
    assert not EntryLock.objects.exists()
    # the override without a reason is refused again, on the same form
    response = principal.post(
        decide, {"action": "lock", "class_id": world.class_4a.pk, "override": "1"}
    )
    assert "phải ghi rõ lí do" in response.content.decode()
    assert 'data-testid="lock-override"' in response.content.decode()
    assert not EntryLock.objects.exists()
    # with a reason it is locked; the reason is recorded and listed in the history
    response = principal.post(
        decide,
        {
            "action": "lock",
            "class_id": world.class_4a.pk,
            "override": "1",
            "reason": "Cờ chỉ hỏi về nhận xét, đã trao đổi trực tiếp.",
        },
    )
    assert response.status_code == 302
    lock = EntryLock.objects.get()
    assert lock.locked
    assert lock.reason == "Cờ chỉ hỏi về nhận xét, đã trao đổi trực tiếp."
    event = AuditEvent.objects.get(action="assessment.entry_locked")
    assert event.data["open_flags_overridden"] == 1
    page = principal.get(board).content.decode()
    history = page.split('data-testid="lock-history"')[1]
    assert "Cờ chỉ hỏi về nhận xét, đã trao đổi trực tiếp." in history


def test_a_lock_without_open_flags_needs_no_override(world: World) -> None:
    flag = _flag(world)
    resolve_flag(flag.pk, acting_user=world.user("group_head"))
    principal = _client(world, "principal")
    response = principal.post(
        f"/truong/{world.school.pk}/khoa-so/CHKI/quyet-dinh/", {"action": "lock"}
    )
    assert response.status_code == 302
    assert EntryLock.objects.get().reason == ""
    event = AuditEvent.objects.get(action="assessment.entry_locked")
    assert event.data["open_flags_overridden"] == 0


# -- in real Chromium ----------------------------------------------------------------------------


def _browser_login(browser: Any, base_url: str, persona: str) -> tuple[Any, list[str]]:
    context = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{base_url}/dang-nhap/")
    page.fill("#id_username", persona)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/")
    return page, errors


def _htmx_idle(page: Any) -> None:
    """Wait until htmx has no request, swap or settle in progress (the panel is replaced by
    outerHTML: acting on the old element while it is being swapped loses the event)."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_group_head_flags_a_cell_and_the_teacher_answers_in_the_browser(
    live_server: Any, world: World
) -> None:
    grid = f"{live_server.url}{_sheet(world)}"
    with chromium_browser() as browser:
        # given the group head on 4A's Toán sheet (read-only for them)
        head, head_errors = _browser_login(browser, live_server.url, "group_head")
        head.goto(grid)
        # when they choose An's Toán cell (the panel follows, with the cell's history link)
        with head.expect_response(lambda r: "/ra-soat/" in r.url):
            head.select_option("#review-student", str(world.pupil_a.pk))
        _htmx_idle(head)  # the panel is swapped: the next select is the new one
        with head.expect_response(lambda r: "/ra-soat/" in r.url):
            head.select_option("#review-code", "toan")
        _htmx_idle(head)
        head.wait_for_selector("[data-testid=review-cell-history]")
        # and flag it with a comment
        head.fill("#review-raise-text", "Điểm 9 mà mức H?")
        head.click("[data-testid=review-raise-submit]")
        head.wait_for_selector("[data-testid=review-flag][data-status=open]")
        assert "Lê Minh An — Toán" in head.inner_text("[data-testid=review-panel]")
        assert head_errors == []
        flag = ReviewFlag.objects.get()
        # then the teacher sees the cell marked and answers in the panel
        teacher, teacher_errors = _browser_login(browser, live_server.url, "homeroom_4a")
        teacher.goto(grid)
        marked = teacher.locator(f"#sheet-grid td.level.flagged[data-flag='{flag.pk}']")
        assert marked.count() == 1
        assert marked.locator("input").get_attribute("aria-describedby") == f"flag-{flag.pk}"
        answer = teacher.locator("[data-testid=review-answer]")
        answer.locator("textarea").fill("Đã sửa thành mức T.")
        answer.locator("button").click()
        teacher.wait_for_selector("[data-testid=review-flag][data-status=answered]")
        assert "Đã sửa thành mức T." in teacher.inner_text("[data-testid=review-panel]")
        # and the grid still takes the keyboard: the flagged cell is entered and saved
        marked.locator("input").click()
        teacher.keyboard.type("T")
        teacher.click("#sheet-save-now")
        teacher.wait_for_selector("[data-testid=sheet-status][data-state=saved]", timeout=10_000)
        assert teacher_errors == []
    flag.refresh_from_db()
    assert flag.status == ReviewFlag.Status.ANSWERED
    assert [m.kind for m in flag.messages.all()] == ["raised", "answer"]
