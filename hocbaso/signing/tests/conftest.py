"""Session-wide demo PKI and one fully signed biên bản (RSA key generation is the slow part)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from hocbaso.assessment.bien_ban_pdf import BienBanCell, BienBanContent, render_bien_ban
from hocbaso.signing import demo_pki
from hocbaso.signing.demo_pki import IssuedCertificate
from hocbaso.signing.pades import SignatureFieldSpec, prepare_fields, sign_pdf
from hocbaso.signing.signers import Pkcs12Signer
from hocbaso.signing.timestamps import LocalTimestamper

NOW = dt.datetime(2026, 11, 30, 3, 0, tzinfo=dt.UTC)
PASSPHRASE = b"demo-pass"
FIELDS = [
    SignatureFieldSpec("gvcn"),
    SignatureFieldSpec("hieu_truong"),
    SignatureFieldSpec("con_dau"),
]


@dataclass(frozen=True)
class Pki:
    ca: IssuedCertificate
    teacher: IssuedCertificate
    principal: IssuedCertificate
    seal: IssuedCertificate
    tsa: IssuedCertificate
    other_ca: IssuedCertificate
    stranger: IssuedCertificate  # issued by other_ca

    def signer(self, who: IssuedCertificate) -> Pkcs12Signer:
        return Pkcs12Signer(who.pkcs12(PASSPHRASE, [self.ca.certificate]), PASSPHRASE)

    def timestamper(self) -> LocalTimestamper:
        return LocalTimestamper(self.tsa.certificate, self.tsa.private_key)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def pki() -> Pki:
    ca = demo_pki.create_ca(now=NOW)
    other = demo_pki.create_ca(now=NOW, name="Một CA lạ")
    return Pki(
        ca=ca,
        teacher=demo_pki.issue_personal(
            ca, full_name="Nguyễn Thị Hoa", email="hoa@example.vn", now=NOW
        ),
        principal=demo_pki.issue_personal(ca, full_name="Trần Văn Bình", now=NOW),
        seal=demo_pki.issue_seal(ca, school_name="Trường Tiểu học Đô Vinh", now=NOW),
        tsa=demo_pki.issue_tsa(ca, now=NOW),
        other_ca=other,
        stranger=demo_pki.issue_personal(other, full_name="Người Lạ", now=NOW),
    )


def bien_ban() -> bytes:
    return render_bien_ban(
        BienBanContent(
            number="00012/2026/BB-ĐC",
            authority="UBND xã Đô Vinh",
            school_name="Trường Tiểu học Đô Vinh",
            place="Đô Vinh",
            created_at=NOW,
            school_year="2026-2027",
            period_label="Giữa học kì I",
            class_name="4A",
            sheet_label="Toán",
            requester=("Nguyễn Thị Hoa", "Giáo viên chủ nhiệm"),
            reason="Nhập nhầm điểm kiểm tra của học sinh.",
            cells=[BienBanCell("Lê Minh Anh", "Điểm kiểm tra định kì", "7", "9")],
            signers=[("Người đề nghị", "Nguyễn Thị Hoa"), ("Hiệu trưởng", "Trần Văn Bình")],
        )
    )


@dataclass(frozen=True)
class Signed:
    prepared: bytes
    after_teacher: bytes
    after_principal: bytes
    final: bytes


@pytest.fixture(scope="session")
def signed(pki: Pki) -> Signed:
    prepared = prepare_fields(bien_ban(), FIELDS)
    ts = pki.timestamper()
    one = sign_pdf(
        prepared,
        field="gvcn",
        signer=pki.signer(pki.teacher),
        certify=True,
        title="Giáo viên chủ nhiệm",
        timestamper=ts,
        reason="Lập biên bản",
        location="Đô Vinh",
    )
    two = sign_pdf(
        one,
        field="hieu_truong",
        signer=pki.signer(pki.principal),
        certify=False,
        title="Hiệu trưởng",
        timestamper=ts,
    )
    three = sign_pdf(
        two,
        field="con_dau",
        signer=pki.signer(pki.seal),
        certify=False,
        title="Trường Tiểu học Đô Vinh",
        timestamper=ts,
    )
    return Signed(prepared, one, two, three)
