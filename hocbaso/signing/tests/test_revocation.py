"""The installation's revocation data (`hocbaso.signing.revocation`): the DEMO CA's CRL made
from the register, the fetch hook, and a revoked certificate failing verification."""

from __future__ import annotations

import datetime as dt
import http.server
import threading
from collections.abc import Iterator

import pytest
from cryptography import x509
from django.conf import settings
from django.utils import timezone

from hocbaso.people.tests.world import World
from hocbaso.signing import demo_pki
from hocbaso.signing.demo_store import DemoAuthority
from hocbaso.signing.keystore import signer_for
from hocbaso.signing.ltv import ltv_validation_context, make_lta
from hocbaso.signing.models import SigningCertificate
from hocbaso.signing.pades import prepare_fields, sign_pdf
from hocbaso.signing.revocation import crl_urls, demo_crl, issue_crl, revocation_source
from hocbaso.signing.revocation_status import check_revocation
from hocbaso.signing.signers import to_asn1
from hocbaso.signing.testing import give_certificate, give_seal
from hocbaso.signing.tests.conftest import FIELDS, bien_ban
from hocbaso.signing.trust import configured_timestamper, trust_roots
from hocbaso.signing.verify_pdf import verify_pdf

pytestmark = pytest.mark.django_db


def _crl(data: bytes) -> x509.CertificateRevocationList:
    return x509.load_der_x509_crl(data)


def test_issue_crl_lists_the_given_serials(demo_authority: DemoAuthority) -> None:
    now = timezone.now()
    data = issue_crl(demo_authority.ca, [(1234, now - dt.timedelta(days=1))], now=now)
    crl = _crl(data)
    assert crl.issuer == demo_authority.ca.certificate.subject
    assert crl.is_signature_valid(demo_authority.ca.certificate.public_key())  # type: ignore[arg-type]
    entry = crl.get_revoked_certificate_by_serial_number(1234)
    assert entry is not None
    assert entry.revocation_date_utc == (now - dt.timedelta(days=1)).replace(microsecond=0)
    assert crl.next_update_utc is not None
    assert crl.next_update_utc > now
    assert crl.get_revoked_certificate_by_serial_number(99) is None


def test_demo_crl_lists_the_certificates_revoked_in_the_register(
    world: World, demo_authority: DemoAuthority
) -> None:
    kept = give_certificate(demo_authority, world.user("principal"), now=timezone.now())
    withdrawn = give_certificate(demo_authority, world.user("homeroom_4a"), now=timezone.now())
    when = timezone.now().replace(microsecond=0)
    SigningCertificate.objects.filter(pk=withdrawn.pk).update(revoked_at=when)
    data = demo_crl()
    assert data is not None
    crl = _crl(data)
    serial = x509.load_der_x509_certificate(bytes(withdrawn.der)).serial_number
    entry = crl.get_revoked_certificate_by_serial_number(serial)
    assert entry is not None
    assert entry.revocation_date_utc == when
    kept_serial = x509.load_der_x509_certificate(bytes(kept.der)).serial_number
    assert crl.get_revoked_certificate_by_serial_number(kept_serial) is None
    assert len(revocation_source().crls) == 1


def test_no_revocation_data_outside_a_demo_installation(
    world: World, demo_authority: DemoAuthority, settings
) -> None:
    settings.SIGNING_DEMO_PKI = False  # (a demo file left on disk changes nothing)
    assert demo_crl() is None
    assert not revocation_source()


def test_a_certificate_revoked_in_the_register_fails_verification(
    world: World, demo_authority: DemoAuthority
) -> None:
    """Revoked in the register (here: dated an hour back, as when a lost token is reported
    late) → the DEMO CRL lists it → a file signed with it after that moment and carrying that
    CRL as validation data fails, with the Vietnamese reason."""
    now = timezone.now()
    teacher = give_certificate(demo_authority, world.user("homeroom_4a"), now=now)
    principal = give_certificate(demo_authority, world.user("principal"), now=now)
    seal = give_seal(demo_authority, world.school, now=now)
    SigningCertificate.objects.filter(pk=teacher.pk).update(revoked_at=now - dt.timedelta(hours=1))
    timestamper = configured_timestamper()
    assert timestamper is not None
    pdf = prepare_fields(bien_ban(), FIELDS)
    steps = (("gvcn", teacher, True), ("hieu_truong", principal, False), ("con_dau", seal, False))
    # Signed outside the chain (the chain refuses a revoked certificate): the rows in memory
    # predate the revocation.
    for field, row, certify in steps:
        pdf = sign_pdf(
            pdf,
            field=field,
            signer=signer_for(row, settings.SIGNING_DEMO_PIN),
            certify=certify,
            title="T",
            timestamper=timestamper,
        )
    source = revocation_source()
    assert source.crls
    context = ltv_validation_context(trust_roots(), source)
    lta = make_lta(pdf, validation_context=context, timestamper=timestamper)
    report = verify_pdf(lta, trust_roots=trust_roots())
    assert not report.valid
    assert report.revocation_checked
    assert report.signatures[0].revocation == "revoked"
    assert any(
        "Chứng thư số của người kí đã bị thu hồi" in p for p in report.signatures[0].problems
    )
    assert report.signatures[1].valid
    assert report.signatures[2].valid
    # Without any revocation data the same B-T file passes, and says revocation was not checked.
    plain = verify_pdf(pdf, trust_roots=trust_roots())
    assert plain.valid
    assert not plain.revocation_checked


def test_check_revocation_at_a_moment(demo_authority: DemoAuthority) -> None:
    now = timezone.now()
    cert = demo_pki.issue_personal(demo_authority.ca, full_name="X", now=now).certificate
    revoked_at = now - dt.timedelta(minutes=10)
    crls = (issue_crl(demo_authority.ca, [(cert.serial_number, revoked_at)], now=now),)
    roots = [to_asn1(demo_authority.ca.certificate)]
    before = check_revocation(to_asn1(cert), trust_roots=roots, crls=crls, at=now)
    assert before.checked
    assert before.revoked_before
    earlier = check_revocation(
        to_asn1(cert), trust_roots=roots, crls=crls, at=now - dt.timedelta(hours=1)
    )
    assert earlier.checked
    assert not earlier.revoked_before
    assert earlier.revoked_at == revoked_at.replace(microsecond=0)
    nothing = check_revocation(to_asn1(cert), trust_roots=roots, crls=(), at=now)
    assert not nothing.checked


@pytest.fixture
def crl_server(demo_authority: DemoAuthority) -> Iterator[tuple[str, bytes]]:
    body = issue_crl(demo_authority.ca, [], now=timezone.now())

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 — http.server's name
            self.send_response(200)
            self.send_header("Content-Type", "application/pkix-crl")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/demo-ca.crl", body
    finally:
        server.shutdown()
        server.server_close()


def test_the_fetch_hook_downloads_crl_distribution_points(
    demo_authority: DemoAuthority, crl_server: tuple[str, bytes], settings
) -> None:
    url, body = crl_server
    settings.SIGNING_DEMO_PKI = False  # production-like: only fetched data
    cert = demo_pki.issue_personal(
        demo_authority.ca, full_name="Y", now=timezone.now(), crl_url=url
    ).certificate
    assert crl_urls(cert) == [url]
    assert not revocation_source([cert])  # the hook is off by default
    settings.SIGNING_REVOCATION_FETCH = True
    assert revocation_source([cert]).crls == (body,)
    unreachable = demo_pki.issue_personal(
        demo_authority.ca, full_name="Z", now=timezone.now(), crl_url="http://127.0.0.1:9/x.crl"
    ).certificate
    assert not revocation_source([unreachable])
