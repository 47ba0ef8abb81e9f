"""The certificate screens: a teacher registers their certificate (key on a token, or a
server-held PKCS#12 opened by a PIN), sees its status and the expiry warning; the principal
registers the school's seal; every refusal says why in Vietnamese and writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from hocbaso.audit.models import AuditEvent
from hocbaso.people.tests.world import World
from hocbaso.signing.demo_pki import create_ca, issue_personal, issue_seal
from hocbaso.signing.demo_store import DemoAuthority
from hocbaso.signing.models import SigningCertificate, SigningKey

pytestmark = pytest.mark.django_db


def _client(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(world.user(persona))
    return client


def _file(data: bytes, name: str = "gv.pem") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, "application/octet-stream")


def test_a_teacher_registers_a_token_certificate_and_sees_it(
    world: World, demo_authority: DemoAuthority
) -> None:
    issued = issue_personal(demo_authority.ca, full_name="Trần Thị Hoa", now=timezone.now())
    client = _client(world, "homeroom_4a")
    assert "Chứng thư số của tôi" in client.get("/").content.decode()
    response = client.post(
        "/chung-thu-so/",
        {"backend": "pkcs11", "token_label": "VGCA-Token", "key_label": "hoa",
         "file": _file(issued.cert_pem())},
    )  # fmt: skip
    assert response.status_code == 302
    row = SigningCertificate.objects.get(user=world.user("homeroom_4a"))
    assert SigningKey.objects.get(certificate=row).token_label == "VGCA-Token"
    page = client.get("/chung-thu-so/").content.decode()
    assert "Trần Thị Hoa" in page
    assert "Còn hiệu lực" in page
    assert "Thiết bị kí số (USB token, HSM) qua PKCS#11 (VGCA-Token)" in page
    assert [e.action for e in AuditEvent.objects.order_by("pk")][-2:] == [
        "certificate.registered",
        "certificate.key_stored",
    ]


def test_a_server_held_pkcs12_needs_its_pin(world: World, demo_authority: DemoAuthority) -> None:
    issued = issue_personal(demo_authority.ca, full_name="Lê Văn Nam", now=timezone.now())
    archive = issued.pkcs12(b"246810")
    client = _client(world, "homeroom_4a")
    wrong = client.post(
        "/chung-thu-so/", {"backend": "server_pkcs12", "pin": "000000", "file": _file(archive)}
    )
    assert "Không mở được tệp PKCS#12" in wrong.content.decode()
    assert not SigningCertificate.objects.exists()
    client.post(
        "/chung-thu-so/", {"backend": "server_pkcs12", "pin": "246810", "file": _file(archive)}
    )
    assert SigningKey.objects.get().backend == "server_pkcs12"


@pytest.mark.parametrize(
    ("post", "message"),
    [
        ({"backend": "pkcs11", "token_label": "T"}, "nhãn của khóa"),
        ({"backend": "", "token_label": "T", "key_label": "k"}, "Hãy chọn nơi giữ khóa"),
        ({"backend": "pkcs11", "token_label": "T", "key_label": "k", "untrusted": "1"},
         "không được cấp bởi tổ chức chứng thực tin cậy"),
    ],
)  # fmt: skip
def test_a_refused_registration_says_why_and_writes_nothing(
    world: World, demo_authority: DemoAuthority, post: dict[str, str], message: str
) -> None:
    ca = create_ca(now=timezone.now(), name="CA lạ") if post.pop("untrusted", "") else None
    issued = issue_personal(ca or demo_authority.ca, full_name="GV", now=timezone.now())
    events = AuditEvent.objects.count()
    page = _client(world, "homeroom_4a").post(
        "/chung-thu-so/", {**post, "file": _file(issued.cert_pem())}
    )
    assert message in page.content.decode()
    assert not SigningCertificate.objects.exists()
    assert AuditEvent.objects.count() == events


def test_a_certificate_expiring_within_30_days_is_flagged(
    world: World, demo_authority: DemoAuthority
) -> None:
    issued = issue_personal(demo_authority.ca, full_name="GV", now=timezone.now(), days=20)
    client = _client(world, "homeroom_4a")
    client.post(
        "/chung-thu-so/",
        {"backend": "pkcs11", "token_label": "T", "key_label": "k",
         "file": _file(issued.cert_pem())},
    )  # fmt: skip
    page = client.get("/chung-thu-so/").content.decode()
    assert 'data-testid="expiry-warning"' in page
    assert "Sắp hết hạn (còn 18 ngày)" in page or "Sắp hết hạn (còn 19 ngày)" in page


def test_the_principal_registers_the_seal_and_the_vice_principal_only_reads_it(
    world: World, demo_authority: DemoAuthority
) -> None:
    seal = issue_seal(demo_authority.ca, school_name=world.school.name, now=timezone.now())
    url = f"/truong/{world.school.pk}/con-dau/"
    vice = _client(world, "vice_principal")
    assert vice.post(url, {"backend": "pkcs11"}).status_code == 403
    principal = _client(world, "principal")
    principal.post(
        url,
        {"backend": "pkcs11", "token_label": "Con dấu", "key_label": "seal",
         "file": _file(seal.cert_pem())},
    )  # fmt: skip
    row = SigningCertificate.objects.get(school=world.school)
    assert row.kind == "seal"
    assert world.school.name in vice.get(url).content.decode()
    assert 'data-testid="register-form"' not in vice.get(url).content.decode()
    assert row.not_after > timezone.now() + dt.timedelta(days=365)
