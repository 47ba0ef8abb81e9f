"""The parents' pages (issue 6): released results only, the signed học bạ download (logged),
no data about a child not linked to the account, the app's files, and the first page's
weight."""

from __future__ import annotations

import gzip
import hashlib
import json
import re

import pytest
from django.test import Client
from django.utils import timezone

from hocbaso.assessment.models import Entry, PeriodRelease
from hocbaso.assessment.tests.test_year_end import Marks, fill
from hocbaso.org.models import Period
from hocbaso.people.models import Student, User
from hocbaso.people.tests.world import CANARY_NAME, World
from hocbaso.records.models import RecordAccess, RecordFile, RecordPage
from hocbaso.records.storage import store_pdf

pytestmark = pytest.mark.django_db
COMMENT = "Em đọc to, rõ ràng; cần luyện viết chữ hoa."


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _ghki(world: World) -> Period:
    return Period.objects.get(school_year=world.year, code="GHKI")


def _release(world: World, *, fill_pupils: bool = True) -> Period:
    period = _ghki(world)
    if fill_pupils:
        fill(world.class_4a, {world.pupil_a: Marks(grade=4, period="GHKI")}, period="GHKI")
        Entry.objects.current().filter(code="tieng_viet").update(comment=COMMENT)
    PeriodRelease.objects.create(
        school=world.school,
        period=period,
        released_at=timezone.now(),
        released_by=world.user("principal"),
    )
    return period


def _sealed(world: World, student: Student, *, state: str = "sealed", code: str = "HB-1") -> int:
    xml = b"<hocba/>"
    page = RecordPage.objects.create(
        record_code=code, student=student, class_group=world.class_4a, version=1,
        state=state, xml=xml, sha256=hashlib.sha256(xml).hexdigest(),
    )  # fmt: skip
    pdf = b"%PDF-1.7\n%portal\n%%EOF\n"
    RecordFile.objects.create(page=page, step="seal", sha256=store_pdf(pdf), size=len(pdf))
    return page.pk


def _missing_student_id() -> int:
    return (Student.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000


def test_children_list_shows_only_the_linked_child(world: World) -> None:
    body = _client(world.user("parent_a")).get("/phu-huynh/").content.decode()
    assert "Lê Minh An" in body
    assert "Phạm Thu Hà" not in body
    other = _client(world.user("parent_b")).get("/phu-huynh/").content.decode()
    assert "Tài khoản chưa liên kết với học sinh nào." in other


def test_anonymous_goes_to_the_portal_login(world: World) -> None:
    response = Client().get(f"/phu-huynh/con/{world.pupil_a.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/phu-huynh/dang-nhap/?next=")


def test_nothing_is_shown_before_the_release(world: World) -> None:
    fill(world.class_4a, {world.pupil_a: Marks(grade=4, period="GHKI")}, period="GHKI")
    client = _client(world.user("parent_a"))
    body = client.get(f"/phu-huynh/con/{world.pupil_a.pk}/").content.decode()
    assert "Nhà trường chưa công bố kết quả kì đánh giá nào." in body
    assert "Hoàn thành tốt" not in body
    response = client.get(f"/phu-huynh/con/{world.pupil_a.pk}/ket-qua/{_ghki(world).pk}/")
    assert response.status_code == 404


def test_released_results_with_comments(world: World) -> None:
    period = _release(world)
    client = _client(world.user("parent_a"))
    response = client.get(f"/phu-huynh/con/{world.pupil_a.pk}/ket-qua/{period.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Kết quả Giữa học kì I" in body
    assert COMMENT in body
    assert "Hoàn thành tốt" in body
    assert "điểm 10" in body  # Toán and Tiếng Việt are tested at GHKI in grade 4
    assert response["X-Portal-Offline"] == "1"
    assert response["Cache-Control"] == "no-store"
    child = client.get(f"/phu-huynh/con/{world.pupil_a.pk}/").content.decode()
    assert COMMENT in child  # the latest released period on the child's page


def test_the_signed_record_download_is_logged(world: World) -> None:
    page_id = _sealed(world, world.pupil_a)
    parent = world.user("parent_a")
    client = _client(parent)
    child = client.get(f"/phu-huynh/con/{world.pupil_a.pk}/").content.decode()
    assert f"/phu-huynh/con/{world.pupil_a.pk}/hoc-ba/{page_id}.pdf" in child
    response = client.get(f"/phu-huynh/con/{world.pupil_a.pk}/hoc-ba/{page_id}.pdf")
    assert response.status_code == 200
    assert response.content == b"%PDF-1.7\n%portal\n%%EOF\n"
    assert response["Content-Disposition"] == 'attachment; filename="HB-1-v1.pdf"'
    access = RecordAccess.objects.get()
    assert (access.kind, access.actor, access.page_id) == ("download", parent, page_id)


@pytest.mark.parametrize("state", ["verified", "superseded", "signed_by_principal"])
def test_pages_not_issued_or_not_current_are_404_for_parents(world: World, state: str) -> None:
    page_id = _sealed(world, world.pupil_a, state=state)
    client = _client(world.user("parent_a"))
    response = client.get(f"/phu-huynh/con/{world.pupil_a.pk}/hoc-ba/{page_id}.pdf")
    assert response.status_code == 404
    assert client.get(f"/hoc-ba/trang/{page_id}/tai-ve.pdf").status_code == 404
    assert RecordAccess.objects.count() == 0


def test_the_records_route_answers_a_parent_of_another_child_like_a_missing_page(
    world: World,
) -> None:
    page_id = _sealed(world, world.pupil_5b)
    client = _client(world.user("parent_a"))
    hidden = client.get(f"/hoc-ba/trang/{page_id}/tai-ve.pdf")
    missing = client.get(f"/hoc-ba/trang/{page_id + 1000}/tai-ve.pdf")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    own = _sealed(world, world.pupil_a, code="HB-2")
    assert client.get(f"/hoc-ba/trang/{own}/tai-ve.pdf").status_code == 200


def _child_routes(world: World, student_id: int, period_id: int, page_id: int) -> list[str]:
    return [
        f"/phu-huynh/con/{student_id}/",
        f"/phu-huynh/con/{student_id}/ket-qua/{period_id}/",
        f"/phu-huynh/con/{student_id}/hoc-ba/{page_id}.pdf",
    ]


def test_every_child_route_answers_a_non_linked_parent_like_a_missing_child(
    world: World,
) -> None:
    """parent_b, not linked to pupil A: each child-scoped route gives exactly the 404 of a
    missing pupil, with nothing of the child in it; nothing is logged as read."""
    period = _release(world)
    page_id = _sealed(world, world.pupil_a)
    canary_page = _sealed(world, world.canary, code="HB-CANARY")
    client = _client(world.user("parent_b"))
    missing = _missing_student_id()
    for real, absent in zip(
        _child_routes(world, world.pupil_a.pk, period.pk, page_id)
        + _child_routes(world, world.canary.pk, period.pk, canary_page),
        _child_routes(world, missing, period.pk, page_id)
        + _child_routes(world, missing, period.pk, canary_page),
        strict=True,
    ):
        hidden, gone = client.get(real), client.get(absent)
        assert (real, hidden.status_code) == (real, 404)
        assert hidden.content == gone.content, real
        assert sorted(hidden.headers) == sorted(gone.headers), real
        body = hidden.content.decode()
        for secret in ("Lê Minh An", CANARY_NAME, COMMENT):
            assert secret not in body
    assert RecordAccess.objects.count() == 0


def test_a_linked_parent_cannot_reach_a_sibling_route_of_another_child(world: World) -> None:
    """parent_a's own child id with another child's page id, or another period: 404."""
    period = _release(world)
    other_page = _sealed(world, world.pupil_5b)
    client = _client(world.user("parent_a"))
    assert (
        client.get(f"/phu-huynh/con/{world.pupil_a.pk}/hoc-ba/{other_page}.pdf").status_code == 404
    )
    chki = Period.objects.get(school_year=world.year, code="CHKI")
    assert client.get(f"/phu-huynh/con/{world.pupil_a.pk}/ket-qua/{chki.pk}/").status_code == 404
    assert client.get(f"/phu-huynh/con/{world.pupil_a.pk}/ket-qua/{period.pk}/").status_code == 200


def test_logout_clears_the_browser_caches(world: World) -> None:
    client = _client(world.user("parent_a"))
    response = client.post("/phu-huynh/dang-xuat/")
    assert response.status_code == 200
    assert response["Clear-Site-Data"] == '"cache", "storage"'
    assert "data-logged-out" in response.content.decode()
    assert client.get("/phu-huynh/").status_code == 302


def test_login_with_a_phone_number_written_loosely(world: World) -> None:
    User.objects.create_user("0905123456", password="Hoa-2026-hb", phone="0905123456")
    response = Client().post(
        "/phu-huynh/dang-nhap/", {"username": "+84 905 123 456", "password": "Hoa-2026-hb"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/phu-huynh/"


def test_register_then_link_through_the_pages(world: World) -> None:
    from hocbaso.people.actions.guardian_links import create_class_invitations

    issued = create_class_invitations(world.class_4a.pk, acting_user=world.user("homeroom_4a"))
    from hocbaso.notifications.models import Notification

    client = Client()
    response = client.post(
        "/phu-huynh/dang-ki/",
        {"phone": "0912345678", "full_name": "Trần Thị Mẹ", "password": "Me-2026-hocba"},
    )
    assert (response.status_code, response["Location"]) == (302, "/phu-huynh/dang-ki/xac-minh/")
    sms = re.search(r"\b(\d{6})\b", Notification.objects.get(address="0912345678").text)
    assert sms is not None
    response = client.post("/phu-huynh/dang-ki/xac-minh/", {"code": sms.group(1)})
    assert (response.status_code, response["Location"]) == (302, "/phu-huynh/lien-ket/")
    bad = client.post("/phu-huynh/lien-ket/", {"code": "AAAA-AAAA-AAAA", "relation": "me"})
    assert bad.status_code == 400
    assert "Mã mời không đúng, đã dùng hoặc đã hết hạn." in bad.content.decode()
    good = client.post("/phu-huynh/lien-ket/", {"code": issued[0].grouped, "relation": "me"})
    assert (good.status_code, good["Location"]) == (302, f"/phu-huynh/con/{world.pupil_a.pk}/")


def test_class_letters_print_one_page_per_pupil_with_its_code(world: World) -> None:
    client = _client(world.user("homeroom_4a"))
    assert (
        "Tạo mã và in thư"
        in client.get(f"/lop/{world.class_4a.pk}/thu-moi-phu-huynh/").content.decode()
    )
    response = client.post(f"/lop/{world.class_4a.pk}/thu-moi-phu-huynh/")
    body = response.content.decode()
    assert "no-store" in response["Cache-Control"]
    codes = re.findall(r'data-testid="code">([0-9A-Z-]{14})<', body)
    assert len(codes) == body.count('class="letter"') == 1
    assert "Lê Minh An" in body
    assert "<svg" in body  # the QR code to the linking page
    assert "http://testserver/phu-huynh/lien-ket/" in body
    assert codes[0].replace("-", "") not in body.split("<svg", 1)[1].split("</svg>", 1)[0]


def test_manifest_service_worker_and_icons(world: World) -> None:
    client = Client()
    manifest = json.loads(client.get("/phu-huynh/manifest.webmanifest").content)
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == (
        "/phu-huynh/",
        "/phu-huynh/",
        "standalone",
    )
    assert [i["sizes"] for i in manifest["icons"]] == ["192x192", "512x512"]
    for size in (192, 512):
        png = client.get(f"/phu-huynh/icon-{size}.png")
        assert png["Content-Type"] == "image/png"
        assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert client.get("/phu-huynh/icon-64.png").status_code == 404
    sw = client.get("/phu-huynh/sw.js")
    assert sw["Service-Worker-Allowed"] == "/phu-huynh/"
    assert b"__VERSION__" not in sw.content


def _transferred(client: Client, url: str) -> int:
    response = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200, url
    body = response.content
    if response.get("Content-Encoding") == "gzip":
        assert gzip.decompress(body)
    return len(body) + sum(len(k) + len(v) + 4 for k, v in response.headers.items())


def test_first_page_is_under_100_kb_with_everything_it_loads(world: World) -> None:
    """The results page and every subresource it references (style, script, icon, manifest),
    as transferred (gzip where served), headers included."""
    period = _release(world)
    client = _client(world.user("parent_a"))
    url = f"/phu-huynh/con/{world.pupil_a.pk}/ket-qua/{period.pk}/"
    html = client.get(url).content.decode()
    subresources = re.findall(
        r'(?:href|src)="(/phu-huynh/[^"]+\.(?:css|js|png|webmanifest))"', html
    )
    assert sorted(set(subresources)) == [
        "/phu-huynh/icon-192.png",
        "/phu-huynh/manifest.webmanifest",
        "/phu-huynh/portal.css",
        "/phu-huynh/portal.js",
    ]
    total = _transferred(client, url) + sum(_transferred(client, u) for u in set(subresources))
    assert total < 100_000
    assert total < 20_000  # what it is today: keep it light


def test_a_change_after_the_release_shows_at_once_despite_the_cache(world: World) -> None:
    period = _release(world)
    client = _client(world.user("parent_a"))
    url = f"/phu-huynh/con/{world.pupil_a.pk}/ket-qua/{period.pk}/"
    assert COMMENT in client.get(url).content.decode()
    assert COMMENT in client.get(url).content.decode()  # served from the cache
    fill(world.class_4a, {world.pupil_a: Marks(grade=4, period="GHKI", level="H")}, "GHKI")
    body = client.get(url).content.decode()
    assert COMMENT not in body  # the new rows carry no comment
    assert "Hoàn thành</span>" in body or "Hoàn thành <small>" in body
    # another pupil's page is never the cached one
    other = User.objects.create_user("me-ha", password="x")
    from hocbaso.people.models import Guardian

    Guardian.objects.create(student=world.pupil_5b, relation="me", full_name="Mẹ Hà", user=other)
    other_body = _client(other).get(f"/phu-huynh/con/{world.pupil_5b.pk}/ket-qua/{period.pk}/")
    assert other_body.status_code == 200
    assert "Lê Minh An" not in other_body.content.decode()
    assert "Lớp 5B" in other_body.content.decode()
