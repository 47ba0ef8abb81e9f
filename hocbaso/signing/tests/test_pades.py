from __future__ import annotations

import json
import shutil
import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields as sig_fields
from pyhanko.sign.general import SigningError

from hocbaso.signing import demo_pki
from hocbaso.signing.pades import prepare_fields, sign_pdf, signature_field_names
from hocbaso.signing.signers import Pkcs12Signer
from hocbaso.signing.tests.conftest import FIELDS, NOW, PASSPHRASE, Pki, Signed, bien_ban
from hocbaso.signing.verify_pdf import verify_pdf


def test_demo_pki_round_trip(pki: Pki) -> None:
    ca = pki.ca.certificate
    assert ca.subject.rfc4514_string().startswith("CN=hocbaso DEMO CA — KHÔNG DÙNG THẬT")
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = ca.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign
    assert usage.crl_sign
    assert ca.not_valid_before_utc == NOW.replace(day=29)  # deterministic window
    key, cert, others = pkcs12.load_key_and_certificates(
        pki.teacher.pkcs12(PASSPHRASE, [ca]), PASSPHRASE
    )
    assert cert == pki.teacher.certificate
    assert others == [ca]
    assert key is not None
    assert x509.load_pem_x509_certificate(pki.teacher.cert_pem()) == pki.teacher.certificate
    teacher_usage = pki.teacher.certificate.extensions.get_extension_for_class(x509.KeyUsage)
    assert teacher_usage.value.digital_signature
    assert teacher_usage.value.content_commitment
    tsa_eku = pki.tsa.certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert tsa_eku.critical
    assert list(tsa_eku.value) == [x509.ExtendedKeyUsageOID.TIME_STAMPING]
    seal_o = pki.seal.certificate.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)
    assert seal_o[0].value == "Trường Tiểu học Đô Vinh"
    pki.teacher.certificate.verify_directly_issued_by(ca)
    assert pki.signer(pki.teacher).common_name == "Nguyễn Thị Hoa"
    assert demo_pki.demo_pki_dir().name == "demo-pki"


def test_wrong_passphrase_is_refused(pki: Pki) -> None:
    with pytest.raises(Exception, match="PKCS#12"):
        Pkcs12Signer(pki.teacher.pkcs12(PASSPHRASE), b"wrong")


def test_fields_come_before_the_first_signature(signed: Signed) -> None:
    assert signature_field_names(signed.prepared) == ["gvcn", "hieu_truong", "con_dau"]
    with pytest.raises(ValueError, match="duplicate"):
        prepare_fields(bien_ban(), [FIELDS[0], FIELDS[0]])


def test_three_signatures_verify(pki: Pki, signed: Signed) -> None:
    report = verify_pdf(signed.final, trust_roots=[pki.ca.certificate])
    data = report.as_dict()
    json.dumps(data)  # JSON-serialisable
    assert report.valid, data
    assert not report.revocation_checked
    assert "revocation not checked" in report.notes[0]
    sigs = report.signatures
    assert [s.field for s in sigs] == ["gvcn", "hieu_truong", "con_dau"]
    assert [s.signer_common_name for s in sigs] == [
        "Nguyễn Thị Hoa",
        "Trần Văn Bình",
        "Trường Tiểu học Đô Vinh",
    ]
    assert [s.title for s in sigs] == [
        "Giáo viên chủ nhiệm",
        "Hiệu trưởng",
        "Trường Tiểu học Đô Vinh",
    ]
    assert [s.certification for s in sigs] == [True, False, False]
    assert sigs[0].docmdp_level == 2
    assert sigs[1].docmdp_level is None
    assert [s.coverage for s in sigs] == ["entire_revision", "entire_revision", "entire_file"]
    assert [s.modification_level for s in sigs] == ["form_filling", "form_filling", "none"]
    for s in sigs:
        assert s.intact
        assert s.crypto_valid
        assert s.chain_valid
        assert s.bottom_line
        assert s.valid
        assert s.timestamp_present
        assert s.timestamp_valid
        assert s.timestamp_time
        assert s.signing_time
        assert s.problems == []


def test_a_partly_signed_record_is_not_a_finished_one(pki: Pki, signed: Signed) -> None:
    partial = verify_pdf(signed.after_principal, trust_roots=[pki.ca.certificate])
    assert not partial.valid
    assert partial.unsigned_fields == ["con_dau"]
    in_progress = verify_pdf(
        signed.after_principal, trust_roots=[pki.ca.certificate], require_all_fields_signed=False
    )
    assert in_progress.valid


def test_an_approval_signature_first_is_not_a_record(pki: Pki, signed: Signed) -> None:
    pdf = sign_pdf(
        signed.prepared, field="gvcn", signer=pki.signer(pki.teacher), certify=False, title="GV"
    )
    report = verify_pdf(pdf, trust_roots=[pki.ca.certificate], require_all_fields_signed=False)
    assert not report.valid
    assert report.signatures[0].valid


def test_untrusted_ca_is_rejected(pki: Pki, signed: Signed) -> None:
    pdf = sign_pdf(
        signed.prepared,
        field="gvcn",
        signer=pki.signer(pki.stranger),
        certify=True,
        title="Giáo viên chủ nhiệm",
    )
    report = verify_pdf(pdf, trust_roots=[pki.ca.certificate], require_all_fields_signed=False)
    assert not report.valid
    assert report.signatures[0].intact
    assert not report.signatures[0].chain_valid
    # The whole signed record against a trust store without the DEMO CA: nothing passes.
    assert not verify_pdf(signed.final, trust_roots=[pki.other_ca.certificate]).valid


@pytest.mark.skipif(not shutil.which("pdfsig"), reason="poppler-utils (pdfsig) not installed")
@pytest.mark.skipif(not shutil.which("certutil"), reason="libnss3-tools (certutil) not installed")
def test_pdfsig_validates_every_signature(pki: Pki, signed: Signed, tmp_path: Path) -> None:
    nss = tmp_path / "nss"
    nss.mkdir()
    (tmp_path / "ca.pem").write_bytes(pki.ca.cert_pem())
    (tmp_path / "record.pdf").write_bytes(signed.final)
    run = {"check": True, "capture_output": True, "text": True}
    subprocess.run(["certutil", "-N", "--empty-password", "-d", f"sql:{nss}"], **run)  # type: ignore[call-overload]
    subprocess.run(
        ["certutil", "-A", "-n", "demo", "-t", "CT,C,C", "-i", str(tmp_path / "ca.pem")]
        + ["-d", f"sql:{nss}"],
        **run,  # type: ignore[call-overload]
    )
    out = subprocess.run(
        ["pdfsig", "-nssdir", f"sql:{nss}", str(tmp_path / "record.pdf")],
        capture_output=True,
        text=True,
    ).stdout
    assert out.count("Signature Validation: Signature is Valid.") == 3, out
    assert out.count("Certificate Validation: Certificate is Trusted.") == 3, out
    assert "Signature Type: ETSI.CAdES.detached" in out


# --- the tamper corpus: every case must make the report invalid -----------------------------


def _write(writer: IncrementalPdfFileWriter) -> bytes:
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def tamper_byte_edit(pdf: bytes) -> bytes:
    """One byte changed inside the signed range: a digit of the seal signature's /M year."""
    at = pdf.rindex(b"/M (D\\072") + len(b"/M (D\\072")
    data = bytearray(pdf)
    data[at + 3] = ord("7") if data[at + 3] != ord("7") else ord("8")
    return bytes(data)


def tamper_page_content(pdf: bytes) -> bytes:
    """An incremental update drawing text on page 1."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    font = writer.add_object(
        generic.DictionaryObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/Font"),
                generic.NameObject("/Subtype"): generic.NameObject("/Type1"),
                generic.NameObject("/BaseFont"): generic.NameObject("/Helvetica"),
            }
        )
    )
    stream = writer.add_object(
        generic.StreamObject(stream_data=b"BT /FTamper 24 Tf 72 72 Td (Diem: 10) Tj ET")
    )
    resources = generic.DictionaryObject(
        {
            generic.NameObject("/Font"): generic.DictionaryObject(
                {generic.NameObject("/FTamper"): font}
            )
        }
    )
    writer.add_stream_to_page(0, stream, resources=resources)
    return _write(writer)


def tamper_annotation(pdf: bytes) -> bytes:
    """A FreeText annotation laid over the page after signing."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    page = writer.root["/Pages"]["/Kids"][0]
    annot = writer.add_object(
        generic.DictionaryObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/Annot"),
                generic.NameObject("/Subtype"): generic.NameObject("/FreeText"),
                generic.NameObject("/Rect"): generic.ArrayObject(
                    [generic.NumberObject(n) for n in (72, 400, 400, 440)]
                ),
                generic.NameObject("/Contents"): generic.TextStringObject("Điểm: 10"),
                generic.NameObject("/DA"): generic.TextStringObject("/Helv 18 Tf 0 g"),
            }
        )
    )
    annots = page["/Annots"]
    annots.append(annot)
    writer.update_container(annots)
    writer.update_container(page)
    return _write(writer)


def tamper_new_text_field(pdf: bytes) -> bytes:
    """A new (text) form field added after signing."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    page_ref = writer.root["/Pages"]["/Kids"].raw_get(0)
    page = page_ref.get_object()
    field = writer.add_object(
        generic.DictionaryObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/Annot"),
                generic.NameObject("/Subtype"): generic.NameObject("/Widget"),
                generic.NameObject("/FT"): generic.NameObject("/Tx"),
                generic.NameObject("/T"): generic.TextStringObject("ghi_chu"),
                generic.NameObject("/V"): generic.TextStringObject("Điểm: 10"),
                generic.NameObject("/Rect"): generic.ArrayObject(
                    [generic.NumberObject(n) for n in (72, 300, 300, 330)]
                ),
                generic.NameObject("/P"): page_ref,
            }
        )
    )
    form = writer.root["/AcroForm"]
    for array in (form["/Fields"], page["/Annots"]):
        array.append(field)
        writer.update_container(array)
    writer.update_container(form)
    writer.update_container(page)
    return _write(writer)


def tamper_new_signature_field(pdf: bytes) -> bytes:
    """A new (empty) signature field added after the last signature."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    sig_fields.append_signature_field(writer, sig_fields.SigFieldSpec("them"))
    return _write(writer)


def tamper_remove_last_signature(pdf: bytes) -> bytes:
    """The file cut back to the revision before the seal signature."""
    reader = PdfFileReader(BytesIO(pdf), strict=False)
    previous = reader.embedded_signatures[-2]
    ranges = previous.byte_range  # the principal's signature ends its revision
    return pdf[: int(ranges[2]) + int(ranges[3])]


def tamper_unset_signature_value(pdf: bytes) -> bytes:
    """An incremental update removing the seal signature's value from its field."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    for ref in writer.root["/AcroForm"]["/Fields"]:
        field = ref.get_object()
        if field.get("/T") == "con_dau":
            del field["/V"]
            writer.mark_update(ref)
    return _write(writer)


def tamper_truncate(pdf: bytes) -> bytes:
    return pdf[: len(pdf) - 2000]


TAMPERS = [
    tamper_byte_edit,
    tamper_page_content,
    tamper_annotation,
    tamper_new_text_field,
    tamper_new_signature_field,
    tamper_remove_last_signature,
    tamper_unset_signature_value,
    tamper_truncate,
]


@pytest.mark.parametrize("tamper", TAMPERS, ids=lambda f: f.__name__)
def test_tamper_corpus_is_rejected(tamper, pki: Pki, signed: Signed) -> None:
    changed = tamper(signed.final)
    assert changed != signed.final
    report = verify_pdf(changed, trust_roots=[pki.ca.certificate])
    assert not report.valid, report.as_dict()
    assert report.problems or any(s.problems for s in report.signatures)


def test_a_signature_in_a_field_added_after_certification_is_rejected(
    pki: Pki, signed: Signed
) -> None:
    extra = sign_pdf(
        tamper_new_signature_field(signed.final),
        field="them",
        signer=pki.signer(pki.principal),
        certify=False,
        title="Hiệu trưởng",
    )
    report = verify_pdf(extra, trust_roots=[pki.ca.certificate])
    assert all(s.valid for s in report.signatures)
    assert len(report.signatures) == 4
    assert not report.valid
    assert "them" in report.problems[0]


def test_page_content_after_signing_leaves_each_signature_intact(pki: Pki, signed: Signed) -> None:
    """Why "intact" is not enough: the drawn text leaves every signature intact."""
    report = verify_pdf(tamper_page_content(signed.final), trust_roots=[pki.ca.certificate])
    assert all(s.intact and s.chain_valid for s in report.signatures)
    assert {s.modification_level for s in report.signatures} == {"other"}
    assert not report.valid


def test_misuse_is_refused(pki: Pki, signed: Signed) -> None:
    signer = pki.signer(pki.principal)
    with pytest.raises(ValueError, match="no empty signature field"):
        sign_pdf(signed.prepared, field="khac", signer=signer, certify=True, title="HT")
    with pytest.raises(ValueError, match="no empty signature field"):
        sign_pdf(signed.after_teacher, field="gvcn", signer=signer, certify=False, title="HT")
    with pytest.raises(SigningError):
        sign_pdf(signed.after_teacher, field="hieu_truong", signer=signer, certify=True, title="HT")


def test_ecdsa_p256_signer(pki: Pki, signed: Signed) -> None:
    ec_teacher = demo_pki.issue_personal(pki.ca, full_name="Phạm Thu", now=NOW, key_type="ec")
    pdf = sign_pdf(
        signed.prepared,
        field="gvcn",
        signer=pki.signer(ec_teacher),
        certify=True,
        title="Giáo viên chủ nhiệm",
        timestamper=pki.timestamper(),
    )
    report = verify_pdf(pdf, trust_roots=[pki.ca.certificate], require_all_fields_signed=False)
    assert report.valid, report.as_dict()
    assert report.signatures[0].signer_common_name == "Phạm Thu"
