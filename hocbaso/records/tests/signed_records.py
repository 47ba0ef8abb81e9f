"""Signed year pages for the verification tests, built once per test process (no database).

Version 1 and version 2 of the sample page (records/tests/samples.py), each rendered with its
verification link, given the three empty signature fields and signed in D8 order with the DEMO
PKI and the local TSA: homeroom teacher (certification) → principal → school seal. Also the
same page signed out of order, and by a CA nobody trusts. `register` writes the matching
`RecordPage` rows (the test's database).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from io import BytesIO

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from django.utils import timezone
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from hocbaso.assessment.models import BienBan, CorrectionRequest, Sheet
from hocbaso.audit.actors import SEED
from hocbaso.org.models import Period
from hocbaso.people.tests.world import World
from hocbaso.records.models import RecordFile, RecordPage
from hocbaso.records.render import SIGNATURE_BOXES, render_page
from hocbaso.records.tests.samples import sample_snapshot
from hocbaso.records.verification import SIGNATURE_FIELDS
from hocbaso.records.verify_links import verify_url
from hocbaso.records.xml_record import sha256_of, to_xml
from hocbaso.signing import demo_pki
from hocbaso.signing.certificates import register_certificate
from hocbaso.signing.demo_pki import IssuedCertificate
from hocbaso.signing.models import SigningCertificate
from hocbaso.signing.pades import SignatureFieldSpec, prepare_fields, sign_pdf
from hocbaso.signing.signers import Pkcs12Signer
from hocbaso.signing.timestamps import LocalTimestamper

NOW = dt.datetime(2026, 11, 30, 3, 0, tzinfo=dt.UTC)
PASSPHRASE = b"demo-pass"
CODE = sample_snapshot().record_code
SCHOOL = "Trường Tiểu học Đô Vinh"
HOMEROOM, PRINCIPAL, SEAL = SIGNATURE_FIELDS
TITLES = {HOMEROOM: "Giáo viên chủ nhiệm", PRINCIPAL: "Hiệu trưởng", SEAL: SCHOOL}


def _rect(role: str) -> tuple[int, int, int, int]:
    x1, y1, x2, y2 = SIGNATURE_BOXES[role].rect
    return (round(x1), round(y1), round(x2), round(y2))


FIELDS = [
    SignatureFieldSpec(HOMEROOM, page=-1, box=_rect("homeroom")),
    SignatureFieldSpec(PRINCIPAL, page=-1, box=_rect("principal")),
    SignatureFieldSpec(SEAL, page=-1, box=_rect("seal")),
]


@dataclass(frozen=True)
class Pki:
    ca: IssuedCertificate
    teacher: IssuedCertificate
    principal: IssuedCertificate
    seal: IssuedCertificate
    tsa: IssuedCertificate
    other_ca: IssuedCertificate
    stranger: IssuedCertificate

    @property
    def roots(self) -> list[x509.Certificate]:
        return [self.ca.certificate]

    def signer(self, who: IssuedCertificate) -> Pkcs12Signer:
        issuer = self.other_ca if who is self.stranger else self.ca
        return Pkcs12Signer(who.pkcs12(PASSPHRASE, [issuer.certificate]), PASSPHRASE)

    def who(self, field: str) -> IssuedCertificate:
        return {HOMEROOM: self.teacher, PRINCIPAL: self.principal, SEAL: self.seal}[field]


@cache
def pki() -> Pki:
    ca = demo_pki.create_ca(now=NOW)
    other = demo_pki.create_ca(now=NOW, name="Một CA lạ")
    return Pki(
        ca=ca,
        teacher=demo_pki.issue_personal(ca, full_name="Nguyễn Thị Hoa", now=NOW),
        principal=demo_pki.issue_personal(ca, full_name="Trần Văn Bình", now=NOW),
        seal=demo_pki.issue_seal(ca, school_name=SCHOOL, now=NOW),
        tsa=demo_pki.issue_tsa(ca, now=NOW),
        other_ca=other,
        stranger=demo_pki.issue_personal(other, full_name="Người Lạ", now=NOW),
    )


@dataclass(frozen=True)
class SignedPage:
    xml: bytes
    sha256: str
    version: int
    prepared: bytes
    after_homeroom: bytes
    after_principal: bytes
    final: bytes


def xml_of(version: int) -> bytes:
    return to_xml(sample_snapshot(version=version))


def rendered(version: int) -> bytes:
    xml = xml_of(version)
    return render_page(xml, record_id=CODE, verify_url=verify_url(CODE, version, sha256_of(xml)))


def sign_in_order(
    prepared: bytes, order: list[str], *, stranger_first: bool = False, keys: Pki | None = None
) -> list[bytes]:
    """Every state of ``prepared`` signed field by field in ``order`` (the first certifies)."""
    keys = keys or pki()
    timestamper = LocalTimestamper(keys.tsa.certificate, keys.tsa.private_key)  # type: ignore[arg-type]
    states = []
    pdf = prepared
    for index, field in enumerate(order):
        who = keys.stranger if stranger_first and index == 0 else keys.who(field)
        pdf = sign_pdf(
            pdf,
            field=field,
            signer=keys.signer(who),
            certify=index == 0,
            title=TITLES[field],
            timestamper=timestamper,
            reason="Phát hành học bạ",
        )
        states.append(pdf)
    return states


@cache
def signed_page(version: int = 1) -> SignedPage:
    xml = xml_of(version)
    prepared = prepare_fields(rendered(version), FIELDS)
    one, two, three = sign_in_order(prepared, list(SIGNATURE_FIELDS))
    return SignedPage(xml, sha256_of(xml), version, prepared, one, two, three)


@cache
def out_of_order() -> bytes:
    """Principal (certifying) → homeroom → seal: every signature valid, the order wrong."""
    return sign_in_order(signed_page(1).prepared, [PRINCIPAL, HOMEROOM, SEAL])[-1]


@cache
def untrusted() -> bytes:
    """The homeroom teacher's signature made with a certificate of an unknown CA."""
    return sign_in_order(signed_page(1).prepared, list(SIGNATURE_FIELDS), stranger_first=True)[-1]


def tamper_replace_xml(pdf: bytes) -> bytes:
    """An incremental update replacing the attached hocba.xml with an edited one."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    names = writer.root["/Names"]["/EmbeddedFiles"]["/Names"]
    filespec = names[1]
    ref = filespec["/EF"].raw_get("/F")
    old = ref.get_object()
    data = old.data.replace(b"<diemktdk>9</diemktdk>", b"<diemktdk>10</diemktdk>")
    assert data != old.data
    new = generic.StreamObject(
        {k: v for k, v in old.items() if k not in ("/Length", "/Filter", "/DecodeParms")},
        stream_data=data,
    )
    writer.mark_update(ref)
    writer.objects[(ref.generation, ref.idnum)] = new
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def tamper_replace_link(pdf: bytes) -> bytes:
    """An incremental update pointing the QR's link at another (valid-looking) record."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    page = writer.root["/Pages"]["/Kids"][0]
    for annot_ref in page["/Annots"]:
        annot = annot_ref.get_object()
        if annot.get("/Subtype") == "/Link":
            action = annot["/A"]
            action["/URI"] = generic.TextStringObject(verify_url(CODE, 1, "0" * 64))
            writer.update_container(action)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def embedded_xml(pdf: bytes) -> bytes:
    reader = PdfFileReader(BytesIO(pdf), strict=False)
    names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
    data: bytes = names[1]["/EF"]["/F"].data
    return data


def bien_ban(world: World) -> BienBan:
    """An approved correction's biên bản on 4A's Toán sheet (rows only, no file)."""
    period = Period.objects.get(school_year=world.year, code="CN")
    sheet, _ = Sheet.objects.get_or_create(class_group=world.class_4a, period=period, key="toan")
    now = timezone.now()
    request = CorrectionRequest.objects.create(
        sheet=sheet,
        school=world.school,
        reason="Nhập nhầm điểm kiểm tra",
        requested_by=world.user("homeroom_4a"),
        requested_at=now,
    )
    return BienBan.objects.create(
        request=request,
        source=BienBan.Source.GENERATED,
        sha256="0" * 64,
        content_type="application/pdf",
        size=1,
        created_by=world.user("homeroom_4a"),
        created_at=now,
    )


def register(
    world: World,
    version: int,
    state: str = RecordPage.State.SEALED,
    *,
    supersedes: RecordPage | None = None,
    reason: str = "",
    bien_ban: BienBan | None = None,
) -> RecordPage:
    xml = xml_of(version)
    return RecordPage.objects.create(
        record_code=CODE,
        student=world.pupil_a,
        class_group=world.class_4a,
        version=version,
        state=state,
        xml=xml,
        sha256=sha256_of(xml),
        supersedes=supersedes,
        superseded_reason=reason,
        bien_ban=bien_ban,
    )


def record_signers(world: World, page: RecordPage, pki_: Pki | None = None) -> None:
    """The signing chain's record of who signed ``page``: each step's file row with the
    registered certificate (the teacher's, the principal's, the school's seal)."""
    keys = pki_ or pki()
    owners = [
        (RecordFile.Step.HOMEROOM, keys.teacher, {"user_id": world.user("homeroom_4a").pk}),
        (RecordFile.Step.PRINCIPAL, keys.principal, {"user_id": world.user("principal").pk}),
        (RecordFile.Step.SEAL, keys.seal, {"school_id": world.school.pk}),
    ]
    for step, issued, owner in owners:
        certificate = SigningCertificate.objects.filter(
            fingerprint_sha256=issued.certificate.fingerprint(hashes.SHA256()).hex()
        ).first() or register_certificate(
            issued.cert_pem(), acting_user=SEED, trust_roots=keys.roots, at=NOW, **owner
        )
        RecordFile.objects.create(
            page=page, step=step, sha256="0" * 64, size=1, certificate=certificate
        )
