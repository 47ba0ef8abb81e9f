"""The parents' profile and consent pages, the teacher's report list, and the rule that a
parent sees only their own children: every child-scoped route answers a parent who is not
linked exactly like a missing pupil, without the pupil's data."""

from __future__ import annotations

import pytest
from django.test import Client

from hocbaso.audit.models import AuditEvent
from hocbaso.notifications.models import Preference
from hocbaso.people.models import ConsentRecord, FieldVerification, ProfileReport
from hocbaso.people.tests.world import CANARY_NAME, World

pytestmark = pytest.mark.django_db

MISSING = 987654321
CHILD_ROUTES = [
    ("get", "/phu-huynh/con/{id}/ho-so/", {}),
    ("post", "/phu-huynh/con/{id}/ho-so/xac-nhan/", {"field": "full_name"}),
    ("get", "/phu-huynh/con/{id}/ho-so/phan-anh/", {}),
    ("post", "/phu-huynh/con/{id}/ho-so/phan-anh/", {"field": "full_name", "comment": "Sai"}),
    ("get", "/phu-huynh/con/{id}/dong-y/", {}),
    ("post", "/phu-huynh/con/{id}/dong-y/cho-phep/", {"purpose": "notify_sms", "version": "1"}),
    ("post", "/phu-huynh/con/{id}/dong-y/rut-lai/", {"purpose": "notify_sms"}),
]


def _client(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(world.user(persona))
    return client


def _rows() -> tuple[int, int, int, int]:
    return (
        AuditEvent.objects.count(),
        FieldVerification.objects.count(),
        ProfileReport.objects.count(),
        ConsentRecord.objects.count(),
    )


@pytest.mark.parametrize(("method", "url", "data"), CHILD_ROUTES)
def test_an_unlinked_parent_gets_the_missing_pupils_404(
    world: World, method: str, url: str, data: dict[str, str]
) -> None:
    client = _client(world, "parent_b")
    before = _rows()
    call = client.post if method == "post" else client.get
    hidden = call(url.format(id=world.pupil_a.pk), data)
    missing = call(url.format(id=MISSING), data)
    parent_a = _client(world, "parent_a")
    canary = (parent_a.post if method == "post" else parent_a.get)(
        url.format(id=world.canary.pk), data
    )
    assert (hidden.status_code, missing.status_code, canary.status_code) == (404, 404, 404)
    assert hidden.content == missing.content
    assert world.pupil_a.full_name not in hidden.content.decode()
    assert CANARY_NAME not in canary.content.decode()
    assert _rows() == before


def test_the_parent_confirms_and_reports_then_reads_the_teachers_answer(world: World) -> None:
    parent = _client(world, "parent_a")
    page = parent.get(f"/phu-huynh/con/{world.pupil_a.pk}/ho-so/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "Hồ sơ học bạ của Lê Minh An" in body
    assert body.count('data-testid="confirm-') == 9  # verifiable fields with a value
    assert page["Cache-Control"].startswith("max-age=0")
    # confirm one field
    done = parent.post(
        f"/phu-huynh/con/{world.pupil_a.pk}/ho-so/xac-nhan/", {"field": "ethnicity"}, follow=True
    )
    assert "Cảm ơn anh/chị đã xác nhận thông tin." in done.content.decode()
    assert "Anh/chị đã xác nhận" in done.content.decode()
    assert FieldVerification.objects.get(student=world.pupil_a).source == "parent_confirmation"
    # an empty comment is refused in Vietnamese and writes nothing
    before = _rows()
    bad = parent.post(
        f"/phu-huynh/con/{world.pupil_a.pk}/ho-so/phan-anh/", {"field": "hometown", "comment": ""}
    )
    assert bad.status_code == 400
    assert "Quê quán: vui lòng ghi rõ thông tin đúng hoặc điểm sai." in bad.content.decode()
    assert _rows() == before
    # a report
    sent = parent.post(
        f"/phu-huynh/con/{world.pupil_a.pk}/ho-so/phan-anh/",
        {"field": "hometown", "comment": "Quê ở Khánh Hòa"},
        follow=True,
    )
    assert "Đã gửi phản ánh tới giáo viên chủ nhiệm." in sent.content.decode()
    assert "Đã báo sai, đang chờ xử lí" in sent.content.decode()
    report = ProfileReport.objects.get()
    # the homeroom teacher sees the badge and the task, and rejects it with a reason
    teacher = _client(world, "homeroom_4a")
    home = teacher.get("/").content.decode()
    assert 'data-testid="open-reports">1</span>' in home
    roster = teacher.get(f"/lop/{world.class_4a.pk}/").content.decode()
    assert 'data-testid="open-reports">1</span>' in roster
    tasks = teacher.get(f"/lop/{world.class_4a.pk}/phan-anh/").content.decode()
    assert tasks.count('data-testid="report-row"') == 1
    assert "Quê ở Khánh Hòa" in tasks
    answered = teacher.post(
        f"/phan-anh/{report.pk}/xu-li/",
        {"decision": "reject", "note": "Giấy khai sinh ghi Ninh Thuận"},
        follow=True,
    )
    assert "Đã trả lời phản ánh; phụ huynh sẽ thấy kết quả." in answered.content.decode()
    assert 'data-testid="open-reports"' not in teacher.get("/").content.decode()
    # the parent reads the decision
    final = parent.get(f"/phu-huynh/con/{world.pupil_a.pk}/ho-so/").content.decode()
    assert "Không sửa</strong> — Giấy khai sinh ghi Ninh Thuận" in final


def test_a_teachers_decision_without_a_note_is_refused(world: World) -> None:
    report = ProfileReport.objects.create(
        student=world.pupil_a, field="hometown", reported_value="Ninh Thuận", comment="Sai",
        reporter=world.user("parent_a"), reported_at=world.pupil_a.created_at,
    )  # fmt: skip
    before = _rows()
    answer = _client(world, "homeroom_4a").post(
        f"/phan-anh/{report.pk}/xu-li/", {"decision": "resolve", "note": ""}, follow=True
    )
    assert "Vui lòng ghi chú cách đã xử lí." in answer.content.decode()
    assert _rows() == before


def test_consent_page_gives_and_withdraws(world: World) -> None:
    parent = _client(world, "parent_a")
    url = f"/phu-huynh/con/{world.pupil_a.pk}/dong-y/"
    page = parent.get(url).content.decode()
    assert "Học bạ và đánh giá học sinh" in page
    assert "Học sinh từ đủ 7 tuổi: cần cả sự đồng ý của học sinh." in page
    given = parent.post(
        f"{url}cho-phep/",
        {"purpose": "photo_publication", "version": "1", "child_too": "1"},
        follow=True,
    ).content.decode()
    assert "Đã ghi nhận sự đồng ý." in given
    assert "Học sinh đã đồng ý." in given
    assert list(ConsentRecord.objects.order_by("pk").values_list("subject", "decision")) == [
        ("parent", "granted"),
        ("child", "granted"),
    ]
    stale = parent.post(
        f"{url}cho-phep/", {"purpose": "notify_sms", "version": "0"}, follow=True
    ).content.decode()
    assert "Văn bản đồng ý đã được cập nhật" in stale
    withdrawn = parent.post(
        f"{url}rut-lai/", {"purpose": "photo_publication"}, follow=True
    ).content.decode()
    assert "Đã rút lại sự đồng ý." in withdrawn
    assert ConsentRecord.objects.count() == 3
    # the class's consent status for staff
    status = _client(world, "homeroom_4a").get(f"/lop/{world.class_4a.pk}/dong-y/")
    assert status.content.decode().count('data-testid="consent-row"') == 1
    assert "Chưa đồng ý" in status.content.decode()


def test_notification_preferences(world: World) -> None:
    parent = _client(world, "parent_a")
    page = parent.get("/phu-huynh/thong-bao/").content.decode()
    assert '<option value="email" selected>' in page
    saved = parent.post("/phu-huynh/thong-bao/", {"channel": "zalo"}, follow=True).content.decode()
    assert "Đã lưu cách nhận thông báo." in saved
    preference = Preference.objects.get(user=world.user("parent_a"))
    assert (preference.channel, preference.non_essential) == ("zalo", False)
