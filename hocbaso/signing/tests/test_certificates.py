from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from hocbaso.audit.actors import SEED
from hocbaso.audit.models import AuditEvent
from hocbaso.people.errors import ActionError
from hocbaso.people.tests.world import World
from hocbaso.signing import demo_pki
from hocbaso.signing.certificates import (
    check_certificate,
    expiring_soon,
    parse_certificate,
    register_certificate,
)
from hocbaso.signing.models import CertificateKind, SigningCertificate
from hocbaso.signing.tests.conftest import NOW, Pki


def test_a_good_certificate_has_no_problems(pki: Pki) -> None:
    roots = [pki.ca.certificate]
    for who in (pki.teacher, pki.principal, pki.seal):
        assert check_certificate(who.certificate, trust_roots=roots, at=NOW) == []
    assert check_certificate(pki.tsa.certificate, trust_roots=roots, at=NOW, kind="tsa") == []


def test_expired_and_not_yet_valid(pki: Pki) -> None:
    old = demo_pki.issue_personal(
        pki.ca, full_name="Cũ", now=NOW - dt.timedelta(days=400), days=365
    )
    problems = check_certificate(old.certificate, trust_roots=[pki.ca.certificate], at=NOW)
    assert any("đã hết hạn" in p for p in problems)
    early = check_certificate(
        pki.teacher.certificate, trust_roots=[pki.ca.certificate], at=NOW - dt.timedelta(days=3)
    )
    assert any("chưa có hiệu lực" in p for p in early)


def test_key_usage_and_chain_problems(pki: Pki) -> None:
    roots = [pki.ca.certificate]
    tsa_as_signer = check_certificate(pki.tsa.certificate, trust_roots=roots, at=NOW)
    assert tsa_as_signer == []  # the demo TSA has both usages; a CA certificate does not:
    ca_problems = check_certificate(pki.ca.certificate, trust_roots=roots, at=NOW)
    assert any("digitalSignature" in p for p in ca_problems)
    assert any("nonRepudiation" in p for p in ca_problems)
    assert any("(CA)" in p for p in ca_problems)
    stranger = check_certificate(pki.stranger.certificate, trust_roots=roots, at=NOW)
    assert stranger == ["Chứng thư số không được cấp bởi tổ chức chứng thực tin cậy đã cấu hình."]
    personal_as_tsa = check_certificate(
        pki.teacher.certificate, trust_roots=roots, at=NOW, kind="tsa"
    )
    assert any("timeStamping" in p for p in personal_as_tsa)


def test_expiring_soon(pki: Pki) -> None:
    cert = pki.teacher.certificate
    assert not expiring_soon(cert, NOW)
    assert expiring_soon(cert, cert.not_valid_after_utc - dt.timedelta(days=10))
    assert not expiring_soon(cert, cert.not_valid_after_utc + dt.timedelta(days=1))


def test_parse_pem_and_der(pki: Pki) -> None:
    assert parse_certificate(pki.teacher.cert_pem()) == pki.teacher.certificate
    assert parse_certificate(pki.teacher.cert_der()) == pki.teacher.certificate
    with pytest.raises(ActionError):
        parse_certificate(b"not a certificate")


@pytest.mark.django_db
def test_register_personal_by_self_and_by_school_admin(world: World, pki: Pki) -> None:
    teacher = world.user("homeroom_4a")
    row = register_certificate(
        pki.teacher.cert_pem(),
        acting_user=teacher,
        user_id=teacher.pk,
        trust_roots=[pki.ca.certificate],
        at=NOW,
    )
    assert row.kind == CertificateKind.PERSONAL
    assert row.user == teacher
    assert row.subject_cn == "Nguyễn Thị Hoa"
    assert row.school is None
    assert "digitalSignature" in row.key_usage
    assert "nonRepudiation" in row.key_usage
    assert bytes(row.der) == pki.teacher.cert_der()
    assert row.registered_by == teacher
    event = AuditEvent.objects.get(action="certificate.registered")
    assert event.subject_id == str(row.pk)
    assert event.chain == f"school:{world.school.pk}"
    assert event.data["fingerprint_sha256"] == row.fingerprint_sha256
    with pytest.raises(ActionError, match="đã được đăng kí"):
        register_certificate(pki.teacher.cert_pem(), acting_user=teacher, user_id=teacher.pk)
    admin = world.user("school_admin")
    register_certificate(pki.principal.cert_der(), acting_user=admin, user_id=teacher.pk)
    assert SigningCertificate.objects.filter(user=teacher).count() == 2


@pytest.mark.django_db
def test_register_refusals(world: World, pki: Pki) -> None:
    teacher = world.user("homeroom_4a")
    cases = [
        # another teacher may not register someone else's certificate
        dict(acting_user=world.user("subject_teacher_5b"), user_id=teacher.pk),
        # the other school's principal is not this teacher's school admin
        dict(acting_user=world.user("other_principal"), user_id=teacher.pk),
        # only the principal registers the seal
        dict(acting_user=world.user("school_admin"), school_id=world.school.pk),
        dict(acting_user=world.user("vice_principal"), school_id=world.school.pk),
        dict(acting_user=world.user("other_principal"), school_id=world.school.pk),
    ]
    for kwargs in cases:
        with pytest.raises(ActionError, match="Chỉ"):
            register_certificate(pki.seal.cert_pem(), **kwargs)  # type: ignore[arg-type]
    untrusted = pki.stranger.cert_pem()
    with pytest.raises(ActionError, match="tin cậy"):
        register_certificate(
            untrusted, acting_user=teacher, user_id=teacher.pk, trust_roots=[pki.ca.certificate]
        )
    with pytest.raises(ActionError, match="digitalSignature"):
        register_certificate(pki.ca.cert_pem(), acting_user=teacher, user_id=teacher.pk)
    with pytest.raises(ActionError, match="hết hạn"):
        register_certificate(
            pki.teacher.cert_pem(),
            acting_user=teacher,
            user_id=teacher.pk,
            at=NOW + dt.timedelta(days=3650),
        )
    assert not SigningCertificate.objects.exists()
    assert not AuditEvent.objects.filter(action="certificate.registered").exists()


@pytest.mark.django_db
def test_register_seal_by_principal_and_by_the_system(world: World, pki: Pki) -> None:
    row = register_certificate(
        pki.seal.cert_pem(), acting_user=world.user("principal"), school_id=world.school.pk
    )
    assert row.kind == CertificateKind.SEAL
    assert row.school == world.school
    assert row.user is None
    with transaction.atomic():
        other_seal = demo_pki.issue_seal(pki.ca, school_name="Trường khác", now=NOW)
        system_row = register_certificate(
            other_seal.cert_pem(), acting_user=SEED, school_id=world.other_school.pk
        )
    assert system_row.registered_by is None
    assert AuditEvent.objects.filter(action="certificate.registered").count() == 2


def test_a_der_certificate_ending_in_a_whitespace_byte_parses(pki: Pki) -> None:
    """A DER certificate's last byte is its signature's: it may be 0x20, 0x0a… (a regression:
    stripping "whitespace" once broke about 2 % of DER uploads)."""
    import datetime as dt

    from cryptography import x509 as cx509
    from cryptography.hazmat.primitives import hashes, serialization

    from hocbaso.signing.certificates import parse_certificate

    template = pki.teacher.certificate
    for _ in range(2000):
        cert = (
            cx509.CertificateBuilder()
            .subject_name(template.subject)
            .issuer_name(template.issuer)
            .public_key(template.public_key())
            .serial_number(cx509.random_serial_number())
            .not_valid_before(template.not_valid_before_utc)
            .not_valid_after(template.not_valid_before_utc + dt.timedelta(days=1))
            .sign(pki.ca.private_key, hashes.SHA256())
        )
        der = cert.public_bytes(serialization.Encoding.DER)
        if der[-1:] in (b" ", b"\t", b"\n", b"\r", b"\x0b", b"\x0c"):
            break
    else:  # pragma: no cover - about 1 in 43 signatures qualifies
        pytest.fail("no certificate ending in a whitespace byte was produced")
    assert parse_certificate(der) == cert
