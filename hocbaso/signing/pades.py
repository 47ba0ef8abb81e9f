"""PAdES signing of a PDF: empty fields first, then certification, then approvals (stack.md).

* `prepare_fields` adds every empty signature field (homeroom, principal, seal) **before** the
  first signature: adding a field after a DocMDP level-2 certification is an illegal change.
* `sign_pdf` signs one field in an incremental update: PAdES (``ETSI.CAdES.detached``), SHA-256.
  With ``certify=True`` it is the certification signature with DocMDP FILL_FORMS (P = 2: later
  signatures and form filling allowed); otherwise an approval signature.
* ``bytes_reserved`` is always passed so that pyHanko skips its size-estimation dry run. The
  defaults are 8192 bytes, 12288 with a timestamp token (stack.md suggested 16384/24576): our
  CMS measures ~4.6 kB with a token (signer + CA certificates, TSA certificate), and the reserved
  space is a hex string that pyHanko re-reads for every later signature and every verification,
  so half the padding is a measurable saving (bench/bench_sign.py). A longer production chain
  (intermediates, 4096-bit keys) may need more: pass ``bytes_reserved``; a CMS that does not fit
  makes pyHanko raise — never a silently truncated signature.

The signer's title (D8: "Hiệu trưởng", "Phó hiệu trưởng (được ủy quyền)"…) is recorded twice,
both inside the signed bytes: as a CAdES *claimed signer attribute* (``signer-attributes-v2``,
an X.509 ``role`` attribute whose role name is a directory name with the ``title`` attribute —
ETSI EN 319 122's place for a signer's role, read back by `verify_pdf`), and in the signature
dictionary's ``/Reason`` as "title — reason" so that PDF viewers show it.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields as sig_fields
from pyhanko.sign.ades.api import CAdESSignedAttrSpec, SignerAttrSpec
from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata, PdfSigner
from pyhanko.sign.timestamps.api import TimeStamper

from hocbaso.signing import _fast_hex
from hocbaso.signing.signers import DocumentSigner

_fast_hex.install()

BYTES_RESERVED = 8192
BYTES_RESERVED_WITH_TIMESTAMP = 12288


@dataclass(frozen=True)
class SignatureFieldSpec:
    """An empty signature field: ``page`` counts from 0; ``box`` (x1, y1, x2, y2 in points)
    ``None`` for an invisible field (the signature block is then drawn in the page itself)."""

    name: str
    page: int = 0
    box: tuple[int, int, int, int] | None = None


def signature_field_names(pdf: bytes) -> list[str]:
    reader = PdfFileReader(BytesIO(pdf), strict=False)
    return [name for name, _, _ in sig_fields.enumerate_sig_fields(reader)]


def prepare_fields(pdf: bytes, fields: list[SignatureFieldSpec]) -> bytes:
    """The PDF with all ``fields`` added as empty signature fields (one incremental update)."""
    names = [spec.name for spec in fields]
    if len(set(names)) != len(names):
        raise ValueError("duplicate signature field names")
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    for spec in fields:
        sig_fields.append_signature_field(
            writer,
            sig_fields.SigFieldSpec(sig_field_name=spec.name, on_page=spec.page, box=spec.box),
        )
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def title_attribute(title: str) -> cms.AttCertAttribute:
    """The claimed ``role`` attribute carrying the signer's title."""
    role = cms.RoleSyntax(
        {
            "role_name": asn1_x509.GeneralName(
                name="directory_name", value=asn1_x509.Name.build({"title": title})
            )
        }
    )
    return cms.AttCertAttribute({"type": "role", "values": [role]})


def sign_pdf(
    pdf: bytes,
    *,
    field: str,
    signer: DocumentSigner,
    certify: bool,
    title: str,
    timestamper: TimeStamper | None = None,
    reason: str = "",
    location: str = "",
    bytes_reserved: int | None = None,
) -> bytes:
    """``pdf`` with the empty signature field ``field`` signed, in a new incremental update.

    Raises ValueError when ``field`` is not an empty signature field of ``pdf``; pyHanko's
    SigningError when ``certify`` is asked of a document that already has a signature."""
    attr_spec = CAdESSignedAttrSpec(
        signer_attributes=SignerAttrSpec(claimed_attrs=[title_attribute(title)], certified_attrs=[])
    )
    shown_reason = f"{title} — {reason}" if reason else title
    meta = PdfSignatureMetadata(
        field_name=field,
        md_algorithm="sha256",
        subfilter=sig_fields.SigSeedSubFilter.PADES,
        certify=certify,
        docmdp_permissions=sig_fields.MDPPerm.FILL_FORMS,
        reason=shown_reason,
        location=location or None,
        cades_signed_attr_spec=attr_spec,
    )
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    empty = [
        name for name, value, _ in sig_fields.enumerate_sig_fields(writer.prev) if value is None
    ]
    if field not in empty:
        raise ValueError(f"no empty signature field {field!r}: prepare_fields first")
    pdf_signer = PdfSigner(meta, signer=signer, timestamper=timestamper)
    reserved = bytes_reserved or (
        BYTES_RESERVED_WITH_TIMESTAMP if timestamper is not None else BYTES_RESERVED
    )
    out = pdf_signer.sign_pdf(writer, bytes_reserved=reserved, output=BytesIO())
    return bytes(out.getvalue())
