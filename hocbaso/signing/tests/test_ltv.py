"""PAdES B-LT / B-LTA (`hocbaso.signing.ltv`) and how `verify_pdf` judges them: validation
data embedded, document timestamps, revocation checked at signing time."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import pytest
from cryptography import x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields as sig_fields
from pyhanko.sign.signers.pdf_signer import PdfTimeStamper

from hocbaso.signing import demo_pki
from hocbaso.signing.ltv import (
    DOC_TIMESTAMP_FIELD,
    extend_sealed,
    ltv_validation_context,
    make_lt,
    make_lta,
)
from hocbaso.signing.pades import sign_pdf
from hocbaso.signing.revocation import issue_crl
from hocbaso.signing.revocation_status import RevocationData
from hocbaso.signing.tests.conftest import NOW, Pki, Signed
from hocbaso.signing.tests.test_fast_paths import _off_then_on
from hocbaso.signing.tests.test_pades import (
    TAMPERS,
    tamper_page_content,
    tamper_remove_last_signature,
)
from hocbaso.signing.timestamps import LocalTimestamper
from hocbaso.signing.verify_pdf import REVOCATION_NOTE, verify_pdf

LATER = dt.datetime.now(dt.UTC)  # the signatures' timestamps: the real clock


def crl(pki: Pki, revoked: list[tuple[x509.Certificate, dt.datetime]] = ()) -> RevocationData:  # type: ignore[assignment]
    entries = [(cert.serial_number, when) for cert, when in revoked]
    return RevocationData(crls=(issue_crl(pki.ca, entries, now=LATER),))


@dataclass(frozen=True)
class Lta:
    lt: bytes
    lta: bytes


@pytest.fixture(scope="module")
def lta(pki: Pki, signed: Signed) -> Lta:
    context = ltv_validation_context([pki.ca.certificate], crl(pki))
    return Lta(
        lt=make_lt(signed.final, validation_context=context),
        lta=make_lta(signed.final, validation_context=context, timestamper=pki.timestamper()),
    )


def test_b_lta_verifies_with_ltv_and_revocation_checked(pki: Pki, lta: Lta) -> None:
    report = verify_pdf(lta.lta, trust_roots=[pki.ca.certificate])
    json.dumps(report.as_dict())
    assert report.valid, report.as_dict()
    assert report.ltv
    assert report.revocation_checked
    assert report.pades_level == "B-LTA"
    assert report.notes[0] != REVOCATION_NOTE
    assert "revocation checked" in report.notes[0]
    assert report.unsigned_fields == []
    assert [s.field for s in report.signatures] == ["gvcn", "hieu_truong", "con_dau"]
    assert [s.revocation for s in report.signatures] == ["good", "good", "good"]
    # The seal's revision is followed by validation data only (DSS + document timestamp).
    assert [s.modification_level for s in report.signatures] == [
        "form_filling",
        "form_filling",
        "validation_data",
    ]
    (stamp,) = report.document_timestamps
    assert stamp.field == DOC_TIMESTAMP_FIELD
    assert stamp.valid
    assert stamp.trusted
    assert stamp.intact
    assert stamp.coverage == "entire_file"
    assert stamp.modification_level == "none"
    assert stamp.tsa_common_name.startswith("hocbaso DEMO TSA")


def test_b_lt_verifies_with_ltv_and_no_document_timestamp(pki: Pki, lta: Lta) -> None:
    report = verify_pdf(lta.lt, trust_roots=[pki.ca.certificate])
    assert report.valid, report.as_dict()
    assert report.ltv
    assert report.revocation_checked
    assert report.pades_level == "B-LT"
    assert report.document_timestamps == []


def test_b_t_without_embedded_data_is_unchanged(pki: Pki, signed: Signed) -> None:
    report = verify_pdf(signed.final, trust_roots=[pki.ca.certificate])
    assert report.valid
    assert not report.revocation_checked
    assert not report.ltv
    assert report.pades_level == "B-T"
    assert report.notes == [REVOCATION_NOTE]
    assert {s.revocation for s in report.signatures} == {"not_checked"}
    # With revocation data handed in: checked, but the file itself is not LTV.
    checked = verify_pdf(signed.final, trust_roots=[pki.ca.certificate], revocation=crl(pki))
    assert checked.valid
    assert checked.revocation_checked
    assert not checked.ltv
    assert checked.pades_level == "B-T"


def test_revocation_data_of_another_ca_checks_nothing(pki: Pki, signed: Signed) -> None:
    foreign = RevocationData(crls=(issue_crl(pki.other_ca, [], now=LATER),))
    report = verify_pdf(signed.final, trust_roots=[pki.ca.certificate], revocation=foreign)
    assert report.valid
    assert not report.revocation_checked


def test_a_certificate_revoked_before_signing_invalidates(pki: Pki, signed: Signed) -> None:
    before = NOW + dt.timedelta(hours=1)  # before the signatures' timestamps (the real clock)
    revoked = crl(pki, [(pki.teacher.certificate, before)])
    context = ltv_validation_context([pki.ca.certificate], revoked)
    pdf = make_lta(signed.final, validation_context=context, timestamper=pki.timestamper())
    report = verify_pdf(pdf, trust_roots=[pki.ca.certificate])
    assert not report.valid
    assert report.revocation_checked
    first = report.signatures[0]
    assert first.revocation == "revoked"
    assert not first.valid
    assert any("đã bị thu hồi" in p and "trước thời điểm kí" in p for p in first.problems)
    assert all(s.valid for s in report.signatures[1:])
    # The same CRL handed to the verifier of the B-T file.
    plain = verify_pdf(signed.final, trust_roots=[pki.ca.certificate], revocation=revoked)
    assert not plain.valid
    assert plain.signatures[0].revocation == "revoked"
    # And the seal step's policy refuses to extend such a file.
    outcome = extend_sealed(
        signed.final,
        trust_roots=[pki.ca.certificate],
        revocation=revoked,
        timestamper=pki.timestamper(),
        now=LATER,
    )
    assert outcome.level == "B-T"
    assert outcome.pdf == signed.final
    assert "revoked" in outcome.reason


def test_a_certificate_revoked_after_signing_keeps_the_signature(pki: Pki, signed: Signed) -> None:
    # five minutes after the principal's signature as timestamped (the fixture signs with the
    # real clock, possibly minutes after this module was imported, so not LATER)
    plain = verify_pdf(signed.final, trust_roots=[pki.ca.certificate])
    stamped = plain.signatures[1].timestamp_time
    assert stamped is not None
    after = dt.datetime.fromisoformat(stamped) + dt.timedelta(minutes=5)
    revoked = crl(pki, [(pki.principal.certificate, after)])
    report = verify_pdf(signed.final, trust_roots=[pki.ca.certificate], revocation=revoked)
    assert report.valid, report.as_dict()
    assert report.revocation_checked
    assert report.signatures[1].revocation == "revoked_after_signing"
    assert report.signatures[1].revoked_at
    assert any("sau thời điểm kí" in note for note in report.notes)


def test_extend_sealed_policy(pki: Pki, signed: Signed) -> None:
    roots = [pki.ca.certificate]
    none = extend_sealed(
        signed.final,
        trust_roots=roots,
        revocation=RevocationData(),
        timestamper=pki.timestamper(),
        now=LATER,
    )
    assert (none.level, none.pdf) == ("B-T", signed.final)
    no_tsa = extend_sealed(
        signed.final, trust_roots=roots, revocation=crl(pki), timestamper=None, now=LATER
    )
    assert (no_tsa.level, no_tsa.pdf) == ("B-T", signed.final)
    assert "TSA" in no_tsa.reason
    full = extend_sealed(
        signed.final,
        trust_roots=roots,
        revocation=crl(pki),
        timestamper=pki.timestamper(),
        now=LATER,
    )
    assert full.level == "B-LTA"
    assert verify_pdf(full.pdf, trust_roots=[pki.ca.certificate]).pades_level == "B-LTA"


@pytest.mark.parametrize(
    "tamper",
    [t for t in TAMPERS if t is not tamper_remove_last_signature],
    ids=lambda f: f.__name__,
)
def test_tamper_after_the_document_timestamp_is_rejected(tamper, pki: Pki, lta: Lta) -> None:
    changed = tamper(lta.lta)
    assert changed != lta.lta
    report = verify_pdf(changed, trust_roots=[pki.ca.certificate])
    assert not report.valid, report.as_dict()


def test_cutting_revisions_off(pki: Pki, lta: Lta, signed: Signed) -> None:
    """Without the document timestamp the file is the sealed B-T file (a valid record, not
    LTV); cutting the seal away leaves an unsigned field."""
    reader = PdfFileReader(BytesIO(lta.lta), strict=False)
    seal = reader.embedded_regular_signatures[-1]
    without_stamp = lta.lta[: int(seal.byte_range[2]) + int(seal.byte_range[3])]
    assert without_stamp == signed.final
    report = verify_pdf(without_stamp, trust_roots=[pki.ca.certificate])
    assert report.valid
    assert not report.ltv
    cut = verify_pdf(tamper_remove_last_signature(signed.final), trust_roots=[pki.ca.certificate])
    assert not cut.valid


def test_page_content_after_the_document_timestamp_is_named(pki: Pki, lta: Lta) -> None:
    report = verify_pdf(tamper_page_content(lta.lta), trust_roots=[pki.ca.certificate])
    (stamp,) = report.document_timestamps
    assert not stamp.valid
    assert stamp.intact  # the timestamp itself still holds: the update is what fails
    assert any("sau dấu thời gian tài liệu" in p for p in stamp.problems)


def test_validation_data_and_a_renewal_after_the_timestamp_are_allowed(pki: Pki, lta: Lta) -> None:
    fresh = RevocationData(crls=(issue_crl(pki.ca, [], now=LATER + dt.timedelta(hours=1)),))
    context = ltv_validation_context([pki.ca.certificate], fresh)
    more = make_lt(lta.lta, validation_context=context)
    report = verify_pdf(more, trust_roots=[pki.ca.certificate])
    assert report.valid, report.as_dict()
    assert report.document_timestamps[0].modification_level == "validation_data"
    renewed = make_lta(lta.lta, validation_context=context, timestamper=pki.timestamper())
    again = verify_pdf(renewed, trust_roots=[pki.ca.certificate])
    assert again.valid, again.as_dict()
    assert [t.field for t in again.document_timestamps] == [
        DOC_TIMESTAMP_FIELD,
        f"{DOC_TIMESTAMP_FIELD}_2",
    ]


def test_a_document_timestamp_by_an_untrusted_tsa_is_rejected(pki: Pki, signed: Signed) -> None:
    stranger_tsa = demo_pki.issue_tsa(pki.other_ca, now=NOW)
    timestamper = LocalTimestamper(stranger_tsa.certificate, stranger_tsa.private_key)  # type: ignore[arg-type]
    context = ltv_validation_context([pki.ca.certificate, pki.other_ca.certificate], crl(pki))
    pdf = make_lta(signed.final, validation_context=context, timestamper=timestamper)
    report = verify_pdf(pdf, trust_roots=[pki.ca.certificate])
    assert not report.valid
    assert not report.document_timestamps[0].trusted
    assert all(s.valid for s in report.signatures)


def test_a_document_timestamp_before_the_last_signature_is_rejected(
    pki: Pki, signed: Signed
) -> None:
    context = ltv_validation_context([pki.ca.certificate], crl(pki))
    stamped = make_lta(
        signed.after_principal, validation_context=context, timestamper=pki.timestamper()
    )
    sealed = sign_pdf(
        stamped,
        field="con_dau",
        signer=pki.signer(pki.seal),
        certify=False,
        title="Trường Tiểu học Đô Vinh",
        timestamper=pki.timestamper(),
    )
    report = verify_pdf(sealed, trust_roots=[pki.ca.certificate])
    assert not report.valid
    assert any("sau chữ kí cuối cùng" in p for p in report.document_timestamps[0].problems)


def test_a_visible_document_timestamp_is_rejected(pki: Pki, signed: Signed) -> None:
    """A document timestamp in a new field with a box on the page: its appearance could
    cover the page's content, so it is refused although the TSA is trusted."""
    writer = IncrementalPdfFileWriter(BytesIO(signed.final), strict=False)
    sig_fields.append_signature_field(
        writer, sig_fields.SigFieldSpec("hien_thi", on_page=0, box=(72, 72, 400, 200))
    )
    out = PdfTimeStamper(pki.timestamper(), field_name="hien_thi").timestamp_pdf(
        writer, "sha256", bytes_reserved=12288, output=BytesIO()
    )
    report = verify_pdf(out.getvalue(), trust_roots=[pki.ca.certificate])
    assert not report.valid
    (stamp,) = report.document_timestamps
    assert stamp.trusted
    assert any("không được hiển thị" in p for p in stamp.problems)


def test_verify_reports_identical_without_fast_paths(pki: Pki, lta: Lta) -> None:
    for pdf in [lta.lt, lta.lta, *[tamper(lta.lta) for tamper in TAMPERS[:3]]]:
        before, after = _off_then_on(
            lambda pdf=pdf: verify_pdf(pdf, trust_roots=[pki.ca.certificate]).as_dict()
        )
        assert before == after


@pytest.mark.skipif(not shutil.which("pdfsig"), reason="poppler-utils (pdfsig) not installed")
@pytest.mark.skipif(not shutil.which("certutil"), reason="libnss3-tools (certutil) not installed")
def test_pdfsig_validates_every_signature_of_the_b_lta_file(
    pki: Pki, lta: Lta, tmp_path: Path
) -> None:
    nss = tmp_path / "nss"
    nss.mkdir()
    (tmp_path / "ca.pem").write_bytes(pki.ca.cert_pem())
    (tmp_path / "record.pdf").write_bytes(lta.lta)
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
    # The three signatures validate; poppler lists the document timestamp (RFC 3161) as a
    # fourth entry it cannot validate ("Unimplemented Feature"), which is poppler's limit.
    assert out.count("Signature Validation: Signature is Valid.") == 3, out
    assert out.count("Certificate Validation: Certificate is Trusted.") == 3, out
    assert f"Signature Field Name: {DOC_TIMESTAMP_FIELD}" in out
    assert "Total document signed" in out
