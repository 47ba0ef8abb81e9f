"""The PKCS#11 backend against a real SoftHSM2 token holding demo PKI keys."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pkcs11
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from pkcs11 import exceptions as p11_errors
from pyhanko.sign.general import SigningError

# the records tests' world, ready for issuance (used by the end-to-end seal test below)
from hocbaso.records.tests.conftest import after_cn_deadline, ready  # noqa: F401, F811
from hocbaso.signing import demo_pki, pkcs11_signer
from hocbaso.signing.pades import prepare_fields, sign_pdf
from hocbaso.signing.pkcs11_signer import Pkcs11Signer, Pkcs11SigningError, translate_error
from hocbaso.signing.tests.conftest import FIELDS, NOW, Pki, bien_ban
from hocbaso.signing.tests.softhsm import SoftHsmToken, import_identity, softhsm_token
from hocbaso.signing.verify_pdf import verify_pdf

RSA_LABEL = "gvcn-rsa"
EC_LABEL = "gvcn-ec"


@pytest.fixture(scope="session")
def token(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SoftHsmToken]:
    for made in softhsm_token(tmp_path_factory.mktemp("softhsm")):
        import_identity(made, pki.teacher, RSA_LABEL, b"\x01")
        ec_teacher = demo_pki.issue_personal(
            pki.ca, full_name="Phạm Thu Hà", now=NOW, key_type="ec"
        )
        import_identity(made, ec_teacher, EC_LABEL, b"\x02")
        yield made


@pytest.fixture(scope="module")
def prepared() -> bytes:
    return prepare_fields(bien_ban(), FIELDS)


def open_signer(token: SoftHsmToken, pki: Pki, **overrides: Any) -> Pkcs11Signer:
    kwargs: dict[str, Any] = {
        "token_label": token.label,
        "pin": token.pin,
        "key_label": RSA_LABEL,
        "chain": [pki.ca.certificate],
        "module_path": token.module,
    }
    kwargs.update(overrides)
    return Pkcs11Signer(**kwargs)


def certify(pdf: bytes, signer: Pkcs11Signer) -> bytes:
    return sign_pdf(pdf, field="gvcn", signer=signer, certify=True, title="Giáo viên chủ nhiệm")


def assert_valid(pdf: bytes, pki: Pki, common_name: str) -> None:
    report = verify_pdf(pdf, trust_roots=[pki.ca.certificate], require_all_fields_signed=False)
    assert report.valid, report.as_dict()
    assert [s.signer_common_name for s in report.signatures] == [common_name]
    assert report.signatures[0].title == "Giáo viên chủ nhiệm"
    assert report.signatures[0].certification


def test_a_pdf_signed_on_the_token_verifies(token: SoftHsmToken, pki: Pki, prepared: bytes) -> None:
    with open_signer(token, pki) as signer:
        assert signer.certificate == pki.teacher.certificate
        assert signer.common_name == "Nguyễn Thị Hoa"
        pdf = certify(prepared, signer)
    assert not signer.is_open
    assert_valid(pdf, pki, "Nguyễn Thị Hoa")


def test_the_key_can_be_found_by_id(token: SoftHsmToken, pki: Pki, prepared: bytes) -> None:
    with open_signer(token, pki, key_label=None, key_id=b"\x01") as signer:
        assert_valid(certify(prepared, signer), pki, "Nguyễn Thị Hoa")


def test_an_ecdsa_key_signs_too(token: SoftHsmToken, pki: Pki, prepared: bytes) -> None:
    with open_signer(token, pki, key_label=EC_LABEL) as signer:
        assert isinstance(signer.certificate.public_key(), ec.EllipticCurvePublicKey)
        pdf = certify(prepared, signer)
    assert_valid(pdf, pki, "Phạm Thu Hà")


class CountingLib:
    """Wraps the PKCS#11 module, counting the sessions opened with a PIN (logins)."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.logins = 0

    def get_token(self, **kwargs: Any) -> Any:
        real_token = self.real.get_token(**kwargs)
        outer = self

        class Token:
            def open(self, **open_kwargs: Any) -> Any:
                if open_kwargs.get("user_pin") is not None:
                    outer.logins += 1
                return real_token.open(**open_kwargs)

        return Token()

    def reinitialize(self) -> None:
        self.real.reinitialize()


def test_one_login_signs_a_batch(
    token: SoftHsmToken, pki: Pki, prepared: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    counting = CountingLib(pkcs11.lib(token.module))
    monkeypatch.setattr(pkcs11_signer.pkcs11, "lib", lambda path: counting)
    with open_signer(token, pki) as signer:
        session = signer._session
        signed = [certify(prepared, signer) for _ in range(3)]
        assert signer._session is session
    assert counting.logins == 1
    assert len(set(signed)) == 3  # three distinct signatures (signing times/nonces differ)
    for pdf in signed:
        assert_valid(pdf, pki, "Nguyễn Thị Hoa")


def test_a_wrong_pin_is_refused_and_nothing_is_signed(
    token: SoftHsmToken, pki: Pki, prepared: bytes
) -> None:
    out = None
    with (
        pytest.raises(Pkcs11SigningError, match="Mã PIN không đúng"),
        open_signer(token, pki, pin="000000") as signer,
    ):
        out = certify(prepared, signer)
    assert out is None
    # The token is usable again with the right PIN.
    with open_signer(token, pki) as signer:
        assert signer.is_open


def test_a_missing_token_is_reported(token: SoftHsmToken, pki: Pki) -> None:
    with pytest.raises(Pkcs11SigningError, match=r"Không tìm thấy thiết bị kí số \(token\)"):
        open_signer(token, pki, token_label="không-có")


def test_a_missing_key_is_reported(token: SoftHsmToken, pki: Pki) -> None:
    with pytest.raises(Pkcs11SigningError, match="Không tìm thấy khóa bí mật"):
        open_signer(token, pki, key_label="không-có")
    with open_signer(token, pki) as signer:  # the failed attempt released the token
        assert signer.is_open


def test_a_token_in_use_is_not_opened_twice(token: SoftHsmToken, pki: Pki) -> None:
    # PKCS#11 could not even check this wrong PIN while logged in: refused, not accepted.
    with (
        open_signer(token, pki),
        pytest.raises(Pkcs11SigningError, match="đang được dùng"),
    ):
        open_signer(token, pki, pin="000000")
    with pytest.raises(Pkcs11SigningError, match="Mã PIN không đúng"):
        open_signer(token, pki, pin="000000")


def test_a_closed_signer_does_not_sign(token: SoftHsmToken, pki: Pki, prepared: bytes) -> None:
    signer = open_signer(token, pki)
    signer.close()
    signer.close()  # idempotent
    with pytest.raises(Pkcs11SigningError, match="đã đóng"):
        certify(prepared, signer)


def test_a_missing_module_is_reported(token: SoftHsmToken, pki: Pki, tmp_path: Path) -> None:
    with pytest.raises(Pkcs11SigningError, match="Không nạp được thư viện PKCS#11"):
        open_signer(token, pki, module_path=str(tmp_path / "none.so"))


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (p11_errors.PinIncorrect(), "Mã PIN không đúng"),
        (p11_errors.PinLocked(), "Mã PIN của token đã bị khóa"),
        (p11_errors.TokenNotPresent(), r"Không tìm thấy thiết bị kí số \(token\) “t”"),
        (p11_errors.DeviceRemoved(), "Không tìm thấy thiết bị kí số"),
        (p11_errors.SessionHandleInvalid(), "Phiên làm việc với token đã đóng"),
        (p11_errors.GeneralError(), "Lỗi thiết bị kí số"),
    ],
)
def test_token_errors_have_vietnamese_messages(error: Exception, message: str) -> None:
    translated = translate_error(error, token_label="t")
    assert translated.__class__ is Pkcs11SigningError
    with pytest.raises(Pkcs11SigningError, match=message):
        raise translated


def test_the_module_comes_from_the_setting(settings: Any) -> None:
    settings.SIGNING_PKCS11_MODULE = "/opt/vendor/libtoken.so"
    assert pkcs11_signer.configured_module() == "/opt/vendor/libtoken.so"


@pytest.mark.django_db
def test_a_registered_token_key_signs_through_the_key_store(
    token: SoftHsmToken, pki: Pki, prepared: bytes, settings: Any
) -> None:
    """A teacher's registered certificate whose key is on a token: `signer_for` opens the
    token with the PIN and signs; a wrong PIN or a key of another certificate is refused."""
    from hocbaso.audit.actors import SEED
    from hocbaso.people.errors import ActionError
    from hocbaso.people.models import User
    from hocbaso.signing.certificates import register_certificate
    from hocbaso.signing.keystore import record_external_key, signer_for

    settings.SIGNING_PKCS11_MODULE = token.module
    teacher = User.objects.create_user(username="gv-token", password="x")
    row = register_certificate(
        pki.teacher.cert_pem(), acting_user=SEED, user_id=teacher.pk,
        trust_roots=[pki.ca.certificate], at=NOW,
    )  # fmt: skip
    with pytest.raises(ActionError, match="nhãn của khóa"):
        record_external_key(row.pk, backend="pkcs11", token_label=token.label, acting_user=SEED)
    record_external_key(
        row.pk, backend="pkcs11", token_label=token.label, key_label=RSA_LABEL, acting_user=SEED
    )
    with pytest.raises(Pkcs11SigningError, match="PIN"):
        signer_for(row, "000000")
    signer = signer_for(row, token.pin)
    assert isinstance(signer, Pkcs11Signer)
    try:
        pdf = certify(prepared, signer)
    finally:
        signer.close()
    assert_valid(pdf, pki, "Nguyễn Thị Hoa")
    # the principal's certificate pointed at the teacher's key on the token: refused
    boss = User.objects.create_user(username="ht-token", password="x")
    other = register_certificate(
        pki.principal.cert_pem(), acting_user=SEED, user_id=boss.pk,
        trust_roots=[pki.ca.certificate], at=NOW,
    )  # fmt: skip
    record_external_key(
        other.pk, backend="pkcs11", token_label=token.label, key_label=RSA_LABEL, acting_user=SEED
    )
    with pytest.raises(SigningError, match="không khớp"):
        signer_for(other, token.pin)


# ---- the seal's XAdES signature with a key on the token (records.signing_chain.seal_xml) ----


@pytest.mark.parametrize("label", [RSA_LABEL, EC_LABEL])
def test_the_token_key_signs_the_xades_xml_of_a_page(
    token: SoftHsmToken, pki: Pki, label: str, tmp_path: Path
) -> None:
    """The seal step's own path: `seal_xml` with a `Pkcs11Signer` (the key never leaves the
    token, `signing.delegated_keys`); the page verifies, with xmlsec1 too."""
    import shutil
    import subprocess

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    from hocbaso.records.models import RecordPage
    from hocbaso.records.signing_chain import seal_xml
    from hocbaso.records.tests.samples import sample_snapshot
    from hocbaso.records.xades import verify_xml
    from hocbaso.records.xml_record import to_xml
    from hocbaso.signing.delegated_keys import DelegatedKeyError, DelegatedRsaKey, delegated_key

    xml = to_xml(sample_snapshot())
    with open_signer(token, pki, key_label=label) as signer:
        signed = seal_xml(RecordPage(record_code="HB-TOKEN", version=1, xml=xml), signer)
        key = delegated_key(signer)
        with pytest.raises(DelegatedKeyError):
            key.private_bytes()
        if isinstance(key, DelegatedRsaKey):
            with pytest.raises(DelegatedKeyError):
                key.sign(b"x", padding.PKCS1v15(), hashes.SHA1())  # noqa: S303 — refused
    result = verify_xml(signed, trust_roots_pem=pki.ca.cert_pem())
    assert result.valid, result.problems
    assert result.signed_xml == xml
    assert result.signer_fingerprint == signer.certificate.fingerprint(hashes.SHA256()).hex()
    if shutil.which("xmlsec1") is None:
        pytest.skip("xmlsec1 not installed: the independent check was not run")
    (tmp_path / "ca.pem").write_bytes(pki.ca.cert_pem())
    (tmp_path / "signed.xml").write_bytes(signed)
    done = subprocess.run(  # noqa: S603
        ["xmlsec1", "--verify", "--trusted-pem", str(tmp_path / "ca.pem"),  # noqa: S607
         str(tmp_path / "signed.xml")],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


@pytest.mark.django_db
def test_a_seal_on_the_token_seals_a_page_and_signs_its_xml(
    token: SoftHsmToken,
    ready: Any,  # noqa: F811 — the records fixture imported above
    demo_authority: Any,
    settings: Any,
) -> None:
    """End to end: the school's seal key on a PKCS#11 token (registered with
    `record_external_key`), the seal batch with the token's PIN: the sealed PDF and the
    XAdES-signed XML, both made on the token, verify against the DEMO CA."""
    from django.utils import timezone

    from hocbaso.audit.actors import SEED
    from hocbaso.records.batches import start_batch
    from hocbaso.records.models import RecordFile
    from hocbaso.records.storage import read_signed_xml
    from hocbaso.records.tests.chain_world import give_signers, verified_pages
    from hocbaso.records.tests.test_batches import IMMEDIATE
    from hocbaso.records.xades import verify_xml
    from hocbaso.signing.certificates import register_certificate
    from hocbaso.signing.keystore import record_external_key

    settings.TASKS = IMMEDIATE
    settings.SIGNING_PKCS11_MODULE = token.module
    give_signers(ready, demo_authority)  # the teacher and the principal: server-held keys
    seal = demo_pki.issue_seal(demo_authority.ca, school_name=ready.school.name, now=NOW)
    import_identity(token, seal, "con-dau", b"\x09")
    row = register_certificate(
        seal.cert_pem(), acting_user=SEED, school_id=ready.school.pk,
        trust_roots=[demo_authority.ca.certificate], at=timezone.now(),
    )  # fmt: skip
    record_external_key(
        row.pk, backend="pkcs11", token_label=token.label, key_label="con-dau", acting_user=SEED
    )
    (page,) = verified_pages(ready, 1)
    teacher, principal = ready.user("homeroom_4a"), ready.user("principal")
    start_batch(role="homeroom", class_id=ready.class_4a.pk, pin="123456", acting_user=teacher)
    start_batch(role="principal", school_id=ready.school.pk, pin="123456", acting_user=principal)
    batch = start_batch(
        role="seal", school_id=ready.school.pk, pin=token.pin, acting_user=principal
    )
    batch.refresh_from_db()
    assert (batch.certificate_id, batch.done, batch.failed) == (row.pk, 1, 0)
    assert pkcs11_signer._open_tokens == set()  # the worker released the token session
    stored = RecordFile.objects.get(page=page, step="seal_xml")
    assert stored.certificate_id == row.pk
    result = verify_xml(
        read_signed_xml(stored.sha256), trust_roots_pem=demo_authority.ca.cert_pem()
    )
    assert result.valid, result.problems
    assert result.signer_common_name == ready.school.name
    assert result.signed_xml == bytes(page.xml)
