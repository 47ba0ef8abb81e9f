"""The DEMO PKI's public routes (CA certificate, CRL, OCSP responder answering from the
register) and the pre-signing revocation check asking OCSP first, the CRL as fallback — all
through the Django test client behind the fetch hook (no network)."""

from __future__ import annotations

import base64
import datetime as dt
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import time_machine
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509 import ocsp
from django.test import Client
from django.utils import timezone

from hocbaso.audit.actors import SEED
from hocbaso.people.tests.world import World
from hocbaso.records.certificate_checks import certificate_problems
from hocbaso.signing import demo_pki, revocation_fetch
from hocbaso.signing.certificates import register_certificate
from hocbaso.signing.demo_store import DemoAuthority
from hocbaso.signing.models import SigningCertificate
from hocbaso.signing.pades import prepare_fields, sign_pdf
from hocbaso.signing.revocation import revocation_source
from hocbaso.signing.revocation_status import check_revocation
from hocbaso.signing.signers import Pkcs12Signer, to_asn1
from hocbaso.signing.tests.conftest import FIELDS, bien_ban

pytestmark = pytest.mark.django_db
BASE = "http://testserver"


def _request(cert: x509.Certificate, issuer: x509.Certificate, *, nonce: bytes = b"") -> bytes:
    builder = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1())  # noqa: S303 — what most clients send
    if nonce:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    return builder.build().public_bytes(serialization.Encoding.DER)


def _ask(request: bytes) -> ocsp.OCSPResponse:
    response = Client().post("/pki/ocsp", request, content_type="application/ocsp-request")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ocsp-response"
    return ocsp.load_der_ocsp_response(response.content)


def _registered(world: World, authority: DemoAuthority, persona: str) -> tuple[Any, Any]:
    crl_url, ocsp_url = BASE + demo_pki.CRL_PATH, BASE + demo_pki.OCSP_PATH
    issued = demo_pki.issue_personal(
        authority.ca, full_name=persona, now=timezone.now(), crl_url=crl_url, ocsp_url=ocsp_url
    )
    row = register_certificate(
        issued.cert_pem(), acting_user=SEED, user_id=world.user(persona).pk,
        trust_roots=[authority.ca.certificate], at=timezone.now(),
    )  # fmt: skip
    return issued, row


def test_the_ca_and_its_crl_are_published_only_in_a_demo_installation(
    world: World, demo_authority: DemoAuthority, settings: Any
) -> None:
    client = Client()
    pem = client.get("/pki/demo-ca.pem")
    assert pem.status_code == 200
    assert pem.content == demo_authority.ca.cert_pem()
    crl = client.get("/pki/demo-ca.crl")
    assert crl.status_code == 200
    assert crl["Content-Type"] == "application/pkix-crl"
    parsed = x509.load_der_x509_crl(crl.content)
    assert parsed.is_signature_valid(demo_authority.ca.certificate.public_key())  # type: ignore[arg-type]
    settings.SIGNING_DEMO_PKI = False
    assert client.get("/pki/demo-ca.pem").status_code == 404
    assert client.get("/pki/demo-ca.crl").status_code == 404
    assert client.post("/pki/ocsp", b"", content_type="application/ocsp-request").status_code == 404


def test_the_responder_answers_from_the_register(
    world: World, demo_authority: DemoAuthority
) -> None:
    ca = demo_authority.ca.certificate
    issued, row = _registered(world, demo_authority, "homeroom_4a")
    # a registered certificate: good, signed by the CA, the nonce echoed
    answer = _ask(_request(issued.certificate, ca, nonce=b"0123456789abcdef"))
    assert answer.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    assert answer.certificate_status == ocsp.OCSPCertStatus.GOOD
    assert answer.serial_number == issued.certificate.serial_number
    public = ca.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    assert answer.signature_hash_algorithm is not None
    public.verify(  # raises when the CA did not sign the answer
        answer.signature,
        answer.tbs_response_bytes,
        padding.PKCS1v15(),
        answer.signature_hash_algorithm,
    )
    nonce = answer.extensions.get_extension_for_class(x509.OCSPNonce).value
    assert nonce.nonce == b"0123456789abcdef"
    # withdrawn in the register: revoked, at that moment
    when = timezone.now().replace(microsecond=0) - dt.timedelta(hours=1)
    SigningCertificate.objects.filter(pk=row.pk).update(revoked_at=when)
    revoked = _ask(_request(issued.certificate, ca))
    assert revoked.certificate_status == ocsp.OCSPCertStatus.REVOKED
    assert revoked.revocation_time_utc == when
    # the GET form (RFC 6960 A.1) gives the same answer
    encoded = base64.b64encode(_request(issued.certificate, ca)).decode()
    by_get = ocsp.load_der_ocsp_response(Client().get(f"/pki/ocsp/{encoded}").content)
    assert by_get.certificate_status == ocsp.OCSPCertStatus.REVOKED
    # never registered here: unknown
    stranger = demo_pki.issue_personal(demo_authority.ca, full_name="X", now=timezone.now())
    assert _ask(_request(stranger.certificate, ca)).certificate_status == (
        ocsp.OCSPCertStatus.UNKNOWN
    )
    # another CA's certificate: unauthorized; garbage: malformed
    other = demo_pki.create_ca(now=timezone.now(), name="CA khác")
    theirs = demo_pki.issue_personal(other, full_name="Y", now=timezone.now())
    assert _ask(_request(theirs.certificate, other.certificate)).response_status == (
        ocsp.OCSPResponseStatus.UNAUTHORIZED
    )
    assert _ask(b"not ocsp").response_status == ocsp.OCSPResponseStatus.MALFORMED_REQUEST


@pytest.fixture
def fetched(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The fetch hook served by the test client: every URL asked, in order."""
    asked: list[str] = []

    def fetch(url: str, body: bytes | None, content_type: str) -> bytes:
        asked.append(url)
        assert url.startswith(BASE)
        path = url.removeprefix(BASE)
        client = Client()
        response = client.get(path) if body is None else client.post(path, body, content_type)
        if response.status_code != 200:
            raise OSError(f"HTTP {response.status_code}")
        return bytes(response.content)

    monkeypatch.setattr(revocation_fetch, "http_fetch", fetch)
    return asked


def test_signing_checks_revocation_by_ocsp_first(
    world: World, demo_authority: DemoAuthority, settings: Any, fetched: list[str]
) -> None:
    settings.SIGNING_REVOCATION_FETCH = True
    issued, row = _registered(world, demo_authority, "homeroom_4a")
    assert certificate_problems(row, timezone.now()) == []
    assert fetched == [BASE + demo_pki.OCSP_PATH]  # answered by OCSP: no CRL needed
    data = revocation_source([issued.certificate])
    assert len(data.ocsps) == 1
    # the CA withdraws it: the OCSP answer says revoked, and the check sees it
    when = timezone.now() - dt.timedelta(minutes=5)
    SigningCertificate.objects.filter(pk=row.pk).update(revoked_at=when)
    answer = revocation_fetch.fetch_revocation(
        [issued.certificate], issuers=[demo_authority.ca.certificate]
    )
    assert answer.crls == ()
    status = check_revocation(
        to_asn1(issued.certificate), trust_roots=[to_asn1(demo_authority.ca.certificate)],
        crls=answer.crls, ocsps=answer.ocsps, at=timezone.now(),
    )  # fmt: skip
    assert (status.checked, status.revoked_before) == (True, True)


def test_an_unreachable_responder_falls_back_to_the_crl(
    world: World, demo_authority: DemoAuthority, settings: Any, fetched: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    settings.SIGNING_REVOCATION_FETCH = True
    served = revocation_fetch.http_fetch

    def no_ocsp(url: str, body: bytes | None, content_type: str) -> bytes:
        if body is not None:
            fetched.append(url)
            raise OSError("connection refused")
        return served(url, body, content_type)

    monkeypatch.setattr(revocation_fetch, "http_fetch", no_ocsp)
    _issued, row = _registered(world, demo_authority, "principal")
    assert certificate_problems(row, timezone.now()) == []
    assert fetched == [BASE + demo_pki.OCSP_PATH, BASE + demo_pki.CRL_PATH]
    # neither reachable: signing waits
    monkeypatch.setattr(revocation_fetch, "http_fetch", _refuse)
    assert certificate_problems(row, timezone.now()) == [
        "Không lấy được danh sách thu hồi của tổ chức cấp chứng thư: chưa thể kí; hãy thử lại sau."
    ]


def _refuse(url: str, body: bytes | None, content_type: str) -> bytes:
    raise OSError("connection refused")


def _real_now() -> dt.datetime:
    return dt.datetime.fromtimestamp(time_machine.escape_hatch.time.time(), tz=dt.UTC)


def _pdfsig(pdf: bytes, ca_pem: bytes, tmp: Path) -> list[str]:
    nss = tmp / "nss"
    nss.mkdir(exist_ok=True)
    (tmp / "ca.pem").write_bytes(ca_pem)
    (tmp / "signed.pdf").write_bytes(pdf)
    if not (nss / "cert9.db").exists():
        subprocess.run(["certutil", "-N", "--empty-password", "-d", f"sql:{nss}"], check=True)  # noqa: S607
        subprocess.run(  # noqa: S603
            ["certutil", "-A", "-n", "demo", "-t", "CT,C,C", "-i", str(tmp / "ca.pem")]  # noqa: S607
            + ["-d", f"sql:{nss}"],
            check=True,
        )
    done = subprocess.run(  # noqa: S603
        ["pdfsig", "-nssdir", f"sql:{nss}", str(tmp / "signed.pdf")],  # noqa: S607
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    return [line.strip() for line in done.stdout.splitlines() if "Validation" in line]


def test_outside_verifiers_reach_the_responder_over_http(
    world: World, demo_authority: DemoAuthority, live_server: Any, settings: Any, tmp_path: Path
) -> None:
    """A DEMO certificate naming this installation's responder (``HOCBASO_PUBLIC_URL``):
    poppler's pdfsig (NSS) asks it on its own and sees good, then revoked; our own fetcher
    (real HTTP, `urllib_fetch`) gets the same answers. pdfsig judges the OCSP answer by the real
    clock, so this test runs on it, not on the suite's fixed calendar day (an answer made on that
    day is stale 12 hours later: RESPONSE_VALIDITY)."""
    with time_machine.travel(_real_now(), tick=True):
        settings.HOCBASO_PUBLIC_URL = live_server.url
        settings.SIGNING_REVOCATION_FETCH = True
        crl_url, ocsp_url = demo_pki.demo_pki_urls()
        assert ocsp_url == live_server.url + "/pki/ocsp"
        issued = demo_pki.issue_personal(
            demo_authority.ca, full_name="Nguyễn Thị Hoa", now=timezone.now(), crl_url=crl_url,
            ocsp_url=ocsp_url,
        )  # fmt: skip
        row = register_certificate(
            issued.cert_pem(), acting_user=SEED, user_id=world.user("homeroom_4a").pk,
            trust_roots=[demo_authority.ca.certificate], at=timezone.now(),
        )  # fmt: skip
        assert certificate_problems(row, timezone.now()) == []  # OCSP over real HTTP
        assert len(revocation_source([issued.certificate]).ocsps) == 1
        if shutil.which("pdfsig") is None or shutil.which("certutil") is None:
            pytest.skip("poppler-utils / libnss3-tools not installed: pdfsig's check not run")
        signer = Pkcs12Signer.from_key(issued.private_key, issued.certificate)
        pdf = sign_pdf(
            prepare_fields(bien_ban(), FIELDS), field="gvcn", signer=signer, certify=True,
            title="Giáo viên chủ nhiệm",
        )  # fmt: skip
        ca_pem = demo_authority.ca.cert_pem()
        assert _pdfsig(pdf, ca_pem, tmp_path) == [
            "- Signature Validation: Signature is Valid.",
            "- Certificate Validation: Certificate is Trusted.",
        ]
        SigningCertificate.objects.filter(pk=row.pk).update(revoked_at=timezone.now())
        assert _pdfsig(pdf, ca_pem, tmp_path) == [
            "- Signature Validation: Signature is Valid.",
            "- Certificate Validation: Certificate has been Revoked.",
        ]
