"""Corrections after the lock through the screens (issue 4): the teacher files from the locked
sheet, the principal re-enters the password and decides; the biên bản is served with safe
headers and its reading is audited."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from hocbaso.assessment.actions.locks import LockScope, lock_entry
from hocbaso.assessment.actions.save_sheet import CellInput, save_sheet
from hocbaso.assessment.models import BienBan, CorrectionRequest, Entry, SheetSave
from hocbaso.assessment.tests.test_bien_ban_files import make_pdf
from hocbaso.audit.actors import SEED
from hocbaso.audit.models import AuditEvent
from hocbaso.people.actions.assignments import assign_teacher
from hocbaso.people.testing import enrol_second_factor, next_code
from hocbaso.people.tests.world import PASSWORD, World, sample_photo
from hocbaso.signing.demo_store import DemoAuthority
from hocbaso.signing.testing import give_certificate

pytestmark = pytest.mark.django_db

PERIOD = "CHKI"


PIN = "123456"


@pytest.fixture
def locked(world: World, demo_authority: DemoAuthority) -> World:
    """4A's maths for CHKI holds An's H · 7, then the principal locks the sheet; the teacher
    and the principal hold DEMO certificates (PIN 123456)."""
    for persona in ("homeroom_4a", "principal"):
        give_certificate(demo_authority, world.user(persona), now=timezone.now())
    save_sheet(
        world.class_4a.pk, PERIOD, "toan", [CellInput(world.pupil_a.pk, "toan", "H", 7)],
        base_version=0, idempotency_key="first", acting_user=world.user("homeroom_4a"),
    )  # fmt: skip
    scope = LockScope(world.school.pk, PERIOD, class_id=world.class_4a.pk, key="toan")
    lock_entry(scope, acting_user=world.user("principal"))
    # principals always have a second factor (security.md F5): the step-up asks its code too
    enrol_second_factor(world.user("principal"))
    return world


def _step_up(world: World) -> dict[str, str]:
    """The principal's password and an unused code of their authenticator."""
    return {"password": PASSWORD, "code": next_code(world.user("principal"))}


def _client(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(world.user(persona))
    return client


def _new_url(world: World) -> str:
    return f"/lop/{world.class_4a.pk}/so-diem/{PERIOD}/toan/de-nghi-sua/"


def _cell_fields(world: World, level: str, score: str, comment: str = "") -> dict[str, str]:
    name = f"{world.pupil_a.pk}-toan"
    return {f"level-{name}": level, f"score-{name}": score, f"comment-{name}": comment}


def _file(world: World, persona: str = "homeroom_4a", **extra: object) -> CorrectionRequest:
    data: dict[str, object] = {
        **_cell_fields(world, "T", "9"),
        "reason": "Chấm nhầm bài kiểm tra của em An.",
        "bien_ban": "generated",
        "pin": PIN,
        **extra,
    }
    response = _client(world, persona).post(_new_url(world), data)
    request = CorrectionRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/de-nghi-sua/{request.pk}/"
    return request


def _current(world: World) -> tuple[str, int | None]:
    entry = Entry.objects.current().get(student=world.pupil_a, code="toan")
    return entry.level, entry.score


# -- filing --------------------------------------------------------------------------------------


def test_the_locked_grid_links_the_teacher_to_the_form_which_shows_every_cell(
    locked: World,
) -> None:
    teacher = _client(locked, "homeroom_4a")
    grid = teacher.get(f"/lop/{locked.class_4a.pk}/so-diem/{PERIOD}/toan/").content.decode()
    assert _new_url(locked) in grid
    principal_grid = _client(locked, "principal").get(
        f"/lop/{locked.class_4a.pk}/so-diem/{PERIOD}/toan/"
    )
    assert _new_url(locked) not in principal_grid.content.decode()
    page = teacher.get(_new_url(locked))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Lê Minh An" in body
    assert "H · 7" in body  # the current value, read-only
    assert 'value="H"' in body
    assert 'value="7"' in body
    assert "Hệ thống lập biên bản từ đề nghị" in body
    assert _client(locked, "principal").get(_new_url(locked)).status_code == 403


def test_an_open_sheet_sends_the_teacher_back_to_the_grid(world: World) -> None:
    response = _client(world, "homeroom_4a").get(_new_url(world))
    assert response.status_code == 302
    assert response["Location"] == f"/lop/{world.class_4a.pk}/so-diem/{PERIOD}/toan/"


def test_only_changed_cells_are_sent_and_unchanged_or_missing_reason_keeps_the_form(
    locked: World,
) -> None:
    teacher = _client(locked, "homeroom_4a")
    unchanged = teacher.post(
        _new_url(locked), {**_cell_fields(locked, "H", "7"), "reason": "Nhầm", "bien_ban": ""}
    )
    assert unchanged.status_code == 200
    assert "Hãy chọn ít nhất một ô cần sửa." in unchanged.content.decode()
    no_reason = teacher.post(_new_url(locked), {**_cell_fields(locked, "T", "9"), "reason": " "})
    body = no_reason.content.decode()
    assert "Hãy ghi lí do cần sửa." in body
    assert 'value="T"' in body
    assert 'value="9"' in body
    bad = teacher.post(_new_url(locked), {**_cell_fields(locked, "X", "9"), "reason": "Nhầm"})
    assert "mức đạt được «X» không hợp lệ" in bad.content.decode()
    assert CorrectionRequest.objects.count() == 0
    assert BienBan.objects.count() == 0


def test_file_then_approve_with_reauthentication_end_to_end(locked: World) -> None:
    # given the teacher's request, with a generated biên bản
    request = _file(locked)
    cell = request.cells.get()
    assert (cell.old_level, cell.old_score, cell.new_level, cell.new_score) == ("H", 7, "T", 9)
    assert BienBan.objects.get(request=request).source == BienBan.Source.GENERATED
    detail = f"/de-nghi-sua/{request.pk}/"
    teacher_page = _client(locked, "homeroom_4a").get(detail).content.decode()
    assert "Chờ Hiệu trưởng duyệt" in teacher_page
    assert "H · 7" in teacher_page
    assert "T · 9" in teacher_page
    assert "Rút đề nghị" in teacher_page
    assert "Duyệt và sửa sổ" not in teacher_page
    # when the principal approves without a fresh re-authentication
    principal = _client(locked, "principal")
    page = principal.get(detail).content.decode()
    assert "Duyệt và sửa sổ" in page
    assert "Rút đề nghị" not in page
    refused = principal.post(f"{detail}duyet/", {"pin": PIN, "cell": [cell.pk]})
    # then they are sent to re-enter the password, and nothing changed
    assert refused.status_code == 302
    assert refused["Location"] == f"/xac-thuc-lai/?next={quote(detail, safe='')}"
    assert _current(locked) == ("H", 7)
    request.refresh_from_db()
    assert request.status == CorrectionRequest.Status.PENDING
    # when they re-enter it and approve again
    wrong = principal.post("/xac-thuc-lai/", {"password": "sai", "next": detail})
    assert "Mật khẩu không đúng." in wrong.content.decode()
    no_code = principal.post("/xac-thuc-lai/", {"password": PASSWORD, "next": detail})
    assert "Mã xác thực không đúng" in no_code.content.decode()
    ok = principal.post("/xac-thuc-lai/", {**_step_up(locked), "next": detail})
    assert ok["Location"] == detail
    approved = principal.post(f"{detail}duyet/", {"pin": PIN, "cell": [cell.pk], "note": "Đồng ý."})
    # then the cell is corrected as a new sheet version
    assert approved["Location"] == detail
    assert _current(locked) == ("T", 9)
    request.refresh_from_db()
    assert request.status == CorrectionRequest.Status.APPROVED
    assert request.decided_by == locked.user("principal")
    assert SheetSave.objects.filter(source="correction").count() == 1
    after = principal.get(detail).content.decode()
    assert "Đã duyệt, đã sửa" in after
    assert "Được duyệt" in after
    assert "Đồng ý." in after
    assert "Duyệt và sửa sổ" not in after


def test_the_password_in_the_decision_form_reauthenticates_in_the_same_request(
    locked: World,
) -> None:
    request = _file(locked)
    principal = _client(locked, "principal")
    url = f"/de-nghi-sua/{request.pk}/duyet/"
    wrong = principal.post(url, {"cell": [request.cells.get().pk], "password": "sai"})
    assert wrong["Location"] == f"/de-nghi-sua/{request.pk}/"
    assert _current(locked) == ("H", 7)
    assert AuditEvent.objects.filter(action="account.reauth_failed").count() == 1
    principal.post(url, {"cell": [request.cells.get().pk], **_step_up(locked), "pin": PIN})
    assert _current(locked) == ("T", 9)
    assert AuditEvent.objects.filter(action="account.reauthenticated").count() == 1


def test_the_decision_form_asks_an_enrolled_principal_for_the_code_too(locked: World) -> None:
    # given a pending request and a principal with an authenticator (the fixture enrols one)
    request = _file(locked)
    principal = _client(locked, "principal")
    detail = f"/de-nghi-sua/{request.pk}/"
    page = principal.get(detail).content.decode()
    for form in ("approve", "reject"):
        assert (
            f'name="code" id="id_{form}_code" inputmode="numeric" autocomplete="one-time-code"'
            in page
        )
    cell = [request.cells.get().pk]
    code = next_code(locked.user("principal"))
    wrong_code = "000000" if code != "000000" else "111111"
    # when the right password comes with a wrong code, or none
    for typed in (wrong_code, ""):
        refused = principal.post(
            f"{detail}duyet/", {"cell": cell, "password": PASSWORD, "code": typed, "pin": PIN}
        )
        # then nothing is approved, the session is not fresh, and the failure names the factor
        assert refused["Location"] == detail
        assert _current(locked) == ("H", 7)
        request.refresh_from_db()
        assert request.status == CorrectionRequest.Status.PENDING
        assert "reauthenticated_at" not in principal.session
    shown = principal.get(detail).content.decode()
    assert "Mã xác thực không đúng, đã dùng rồi hoặc đã hết hạn." in shown
    failures = AuditEvent.objects.filter(action="account.reauth_failed")
    assert [e.data["new"] for e in failures] == [{"factor": "totp"}, {"factor": "totp"}]
    assert wrong_code not in str([e.data for e in AuditEvent.objects.all()])
    # the same refusal on the reject form
    principal.post(f"{detail}tu-choi/", {"note": "Không", "password": PASSWORD, "code": wrong_code})
    request.refresh_from_db()
    assert request.status == CorrectionRequest.Status.PENDING
    # with the right code the approval goes through, and that code never works again
    principal.post(
        f"{detail}duyet/", {"cell": cell, "password": PASSWORD, "code": code, "pin": PIN}
    )
    assert _current(locked) == ("T", 9)
    event = AuditEvent.objects.get(action="account.reauthenticated")
    assert event.data["new"] == {"factors": ["password", "totp"]}
    assert code not in str(event.data)


def test_a_used_code_is_refused_at_the_next_step_up(locked: World) -> None:
    request = _file(locked)
    principal = _client(locked, "principal")
    detail = f"/de-nghi-sua/{request.pk}/"
    code = next_code(locked.user("principal"))
    ok = principal.post("/xac-thuc-lai/", {"password": PASSWORD, "code": code, "next": detail})
    assert ok["Location"] == detail
    # a session that lost its freshness (or a thief who watched the code typed) tries it again
    session = principal.session
    del session["reauthenticated_at"]
    session.save()
    replay = principal.post("/xac-thuc-lai/", {"password": PASSWORD, "code": code, "next": detail})
    assert replay.status_code == 200
    assert "Mã xác thực không đúng, đã dùng rồi" in replay.content.decode()
    assert "reauthenticated_at" not in principal.session
    principal.post(f"{detail}tu-choi/", {"note": "Không"})
    request.refresh_from_db()
    assert request.status == CorrectionRequest.Status.PENDING


def test_codes_guessed_in_the_decision_form_are_throttled(locked: World, settings: Any) -> None:
    request = _file(locked)
    principal = _client(locked, "principal")
    detail = f"/de-nghi-sua/{request.pk}/"
    cell = [request.cells.get().pk]
    code = next_code(locked.user("principal"))
    wrong_code = "000000" if code != "000000" else "111111"
    for _ in range(settings.LOGIN_PAIR_LIMIT):
        principal.post(
            f"{detail}duyet/", {"cell": cell, "password": PASSWORD, "code": wrong_code, "pin": PIN}
        )
    # then even the right code is not checked for a while, and nothing is approved
    refused = principal.post(
        f"{detail}duyet/", {"cell": cell, "password": PASSWORD, "code": code, "pin": PIN}
    )
    assert refused["Location"] == detail
    assert "Nếu đã nhập sai nhiều lần" in principal.get(detail).content.decode()
    assert _current(locked) == ("H", 7)
    assert "reauthenticated_at" not in principal.session
    assert AuditEvent.objects.filter(action="account.reauth_failed").count() == (
        settings.LOGIN_PAIR_LIMIT
    )


def test_reject_needs_a_note_and_changes_nothing(locked: World) -> None:
    request = _file(locked)
    principal = _client(locked, "principal")
    url = f"/de-nghi-sua/{request.pk}/tu-choi/"
    no_note = principal.post(url, {"note": "", **_step_up(locked)}, follow=True)
    assert "Hãy ghi lí do từ chối." in no_note.content.decode()
    request.refresh_from_db()
    assert request.status == CorrectionRequest.Status.PENDING
    principal.post(url, {"note": "Không có căn cứ."})  # re-authenticated a moment ago
    request.refresh_from_db()
    assert request.status == CorrectionRequest.Status.REJECTED
    assert request.decision_note == "Không có căn cứ."
    assert _current(locked) == ("H", 7)
    assert SheetSave.objects.filter(source="correction").count() == 0


def test_the_principal_cannot_approve_their_own_request(locked: World) -> None:
    assign_teacher(locked.user("principal").pk, locked.class_4a.pk, "toan", acting_user=SEED)
    request = _file(locked, persona="principal")
    principal = _client(locked, "principal")
    page = principal.get(f"/de-nghi-sua/{request.pk}/").content.decode()
    assert "không thể tự duyệt" in page
    assert "Duyệt và sửa sổ" not in page
    response = principal.post(
        f"/de-nghi-sua/{request.pk}/duyet/",
        {"pin": PIN, "cell": [request.cells.get().pk], **_step_up(locked)},
        follow=True,
    )
    assert "Người duyệt không được là người đề nghị" in response.content.decode()
    request.refresh_from_db()
    assert request.status == CorrectionRequest.Status.PENDING
    assert _current(locked) == ("H", 7)


def test_others_cannot_decide_or_withdraw(locked: World) -> None:
    request = _file(locked)
    vice = _client(locked, "vice_principal")
    assert (
        vice.post(
            f"/de-nghi-sua/{request.pk}/duyet/", {"pin": PIN, "password": PASSWORD}
        ).status_code
        == 403
    )
    assert vice.post(f"/de-nghi-sua/{request.pk}/rut/").status_code == 403
    assert _client(locked, "principal").post(f"/de-nghi-sua/{request.pk}/rut/").status_code == 403
    other = _client(locked, "other_principal")
    assert other.get(f"/de-nghi-sua/{request.pk}/").status_code == 404
    assert AuditEvent.objects.filter(action="account.reauthenticated").count() == 0


# -- the biên bản --------------------------------------------------------------------------------


def test_an_uploaded_signed_scan_is_accepted_and_a_disguised_file_refused(locked: World) -> None:
    page = SimpleUploadedFile("trang.html", b"<html><script>alert(1)</script></html>")
    refused = _client(locked, "homeroom_4a").post(
        _new_url(locked),
        {
            **_cell_fields(locked, "T", "9"),
            "reason": "Nhầm",
            "bien_ban": "uploaded",
            "bien_ban_file": SimpleUploadedFile("bien_ban.pdf", page.read()),
        },
    )
    assert refused.status_code == 200
    assert "Biên bản phải là tệp PDF hoặc ảnh JPEG/PNG." in refused.content.decode()
    assert CorrectionRequest.objects.count() == 0
    missing = _client(locked, "homeroom_4a").post(
        _new_url(locked),
        {**_cell_fields(locked, "T", "9"), "reason": "Nhầm", "bien_ban": "uploaded"},
    )
    assert "Hãy chọn tệp biên bản đã kí" in missing.content.decode()
    request = _file(
        locked, bien_ban="uploaded", bien_ban_file=SimpleUploadedFile("bb.png", sample_photo())
    )
    bien_ban = BienBan.objects.get(request=request)
    assert (bien_ban.source, bien_ban.content_type) == ("uploaded", "image/png")


def test_the_requester_replaces_the_bien_ban_or_withdraws(locked: World) -> None:
    request = _file(locked)
    teacher = _client(locked, "homeroom_4a")
    pdf = make_pdf()
    teacher.post(
        f"/de-nghi-sua/{request.pk}/bien-ban/",
        {"bien_ban_file": SimpleUploadedFile("da_ki.pdf", pdf)},
    )
    assert BienBan.objects.filter(request=request).count() == 2
    latest = BienBan.objects.filter(request=request).last()
    assert latest is not None
    assert latest.source == "uploaded"
    # an uploaded PDF is downloaded, never opened in the site's own origin
    served = teacher.get(f"/bien-ban/{latest.pk}/")
    assert served["Content-Disposition"].startswith("attachment;")
    assert served.content == pdf
    page = teacher.get(f"/de-nghi-sua/{request.pk}/").content.decode()
    assert "da_ki.pdf" in page
    assert "bản đang dùng" in page
    teacher.post(f"/de-nghi-sua/{request.pk}/rut/")
    request.refresh_from_db()
    assert request.status == CorrectionRequest.Status.WITHDRAWN
    again = teacher.post(
        f"/de-nghi-sua/{request.pk}/bien-ban/",
        {"bien_ban_file": SimpleUploadedFile("da_ki.pdf", pdf)},
        follow=True,
    )
    assert "Đề nghị đã được xử lí" in again.content.decode()


def test_the_bien_ban_file_is_served_inline_with_safe_headers_and_the_read_is_audited(
    locked: World,
) -> None:
    request = _file(locked)
    bien_ban = BienBan.objects.get(request=request)
    before = AuditEvent.objects.filter(action="correction.bien_ban_viewed").count()
    response = _client(locked, "group_head").get(f"/bien-ban/{bien_ban.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert response["Content-Disposition"] == (
        f'inline; filename="bien-ban-{request.pk}-{bien_ban.pk}.pdf"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert "Content-Security-Policy" not in response  # the system's own PDF opens in place
    events = AuditEvent.objects.filter(action="correction.bien_ban_viewed")
    assert events.count() == before + 1
    assert events.last().actor_id == locked.user("group_head").pk  # type: ignore[union-attr]
    # a teacher of another class sees nothing, and nothing is recorded
    hidden = _client(locked, "subject_teacher_5b").get(f"/bien-ban/{bien_ban.pk}/")
    assert hidden.status_code == 404
    assert events.count() == before + 1


# -- the school's list ---------------------------------------------------------------------------


def test_the_school_list_shows_pending_first_and_filters_by_status(locked: World) -> None:
    first = _file(locked)
    principal = _client(locked, "principal")
    principal.post(
        f"/de-nghi-sua/{first.pk}/tu-choi/", {"note": "Không đủ căn cứ.", **_step_up(locked)}
    )
    response = _client(locked, "homeroom_4a").post(
        _new_url(locked), {**_cell_fields(locked, "T", "8"), "reason": "Lần hai."}
    )
    second = CorrectionRequest.objects.exclude(pk=first.pk).get()
    assert response["Location"] == f"/de-nghi-sua/{second.pk}/"
    url = f"/truong/{locked.school.pk}/de-nghi-sua/"
    body = principal.get(url).content.decode()
    assert body.index(second.number) < body.index(first.number)
    rejected = principal.get(url, {"status": "rejected"}).content.decode()
    assert first.number in rejected
    assert second.number not in rejected
    # a teacher of another class sees an empty list
    other = _client(locked, "subject_teacher_5b").get(url).content.decode()
    assert first.number not in other
    assert "Chưa có đề nghị sửa nào." in other
    progress = principal.get(f"/truong/{locked.school.pk}/tien-do/{PERIOD}/").content.decode()
    assert url in progress


def test_the_qualities_sheet_reads_d_as_đ_and_sends_only_the_changed_item(world: World) -> None:
    # given the homeroom teacher's qualities sheet with An's "yêu nước" at Đ, locked
    key = "pham_chat_nang_luc"
    save_sheet(
        world.class_4a.pk, PERIOD, key, [CellInput(world.pupil_a.pk, "yeu_nuoc", "Đ")],
        base_version=0, idempotency_key="qc", acting_user=world.user("homeroom_4a"),
    )  # fmt: skip
    lock_entry(
        LockScope(world.school.pk, PERIOD, class_id=world.class_4a.pk),
        acting_user=world.user("principal"),
    )
    url = f"/lop/{world.class_4a.pk}/so-diem/{PERIOD}/{key}/de-nghi-sua/"
    teacher = _client(world, "homeroom_4a")
    page = teacher.get(url).content.decode()
    assert f'name="level-{world.pupil_a.pk}-nhan_ai"' in page
    assert f'name="score-{world.pupil_a.pk}-yeu_nuoc"' not in page  # no score for qualities
    # when "d" is typed for yêu nước (unchanged) and T for nhân ái
    a = world.pupil_a.pk
    teacher.post(
        url,
        {f"level-{a}-yeu_nuoc": "d", f"level-{a}-nhan_ai": "T", "reason": "Bỏ sót."},
    )
    # then only nhân ái is in the request
    cell = CorrectionRequest.objects.get().cells.get()
    assert (cell.code, cell.old_level, cell.new_level) == ("nhan_ai", "", "T")


def test_an_unsigned_biên_bản_is_signed_from_the_request_page_before_approval(
    locked: World,
) -> None:
    request = _file(locked, pin="")
    detail = f"/de-nghi-sua/{request.pk}/"
    teacher = _client(locked, "homeroom_4a")
    page = teacher.get(detail).content.decode()
    assert "Chưa kí số" in page
    assert "Kí số biên bản" in page
    principal = _client(locked, "principal")
    principal.post("/xac-thuc-lai/", {**_step_up(locked), "next": detail})
    refused = principal.post(f"{detail}duyet/", {"cell": [request.cells.get().pk], "pin": PIN})
    assert refused["Location"] == detail
    assert _current(locked) == ("H", 7)
    assert "Biên bản chưa được kí" in principal.get(detail).content.decode()
    wrong = teacher.post(f"{detail}ki-bien-ban/", {"pin": "000000"}, follow=True)
    assert "Mã PIN không đúng" in wrong.content.decode()
    signed = teacher.post(f"{detail}ki-bien-ban/", {"pin": PIN}, follow=True)
    assert "Đã kí số biên bản." in signed.content.decode()
    assert "Người đề nghị đã kí số" in principal.get(detail).content.decode()
    principal.post(f"{detail}duyet/", {"cell": [request.cells.get().pk], "pin": PIN})
    assert _current(locked) == ("T", 9)
    assert "Người đề nghị và Hiệu trưởng đã kí số" in principal.get(detail).content.decode()
