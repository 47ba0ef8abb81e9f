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

Performance (issue 5: render + three timestamped signatures ≤ 250 × the raw RSA-2048 operation;
bench/bench_sign.py measures both in one run). Importing this module installs three
replacements into pyHanko, each producing exactly pyHanko's output (bytes, objects, errors —
hocbaso/signing/tests/test_fast_paths.py compares them with the library code) in less time:
`_fast_hex` (a signature's hex ``/Contents`` read in one slice), `_fast_cms` (the CMS built from
values encoded once instead of re-encoded at every dump: a signature went from ~16 to ~8 ms)
and `_fast_parse` (PDF tokens read in chunks). They are process-wide and also serve the other
signer backends (PKCS#11, remote) and anything else using pyHanko in the process. What remains
per signature (~30 × the RSA operation): pyHanko parsing the PDF's new objects, rewriting its
XMP metadata (needed: PDF/A requires XMP and the Info dictionary to agree), the CMS assembly
and, with the local TSA, building the timestamp token.
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
from pyhanko.stamp import BaseStampStyle

from hocbaso.signing import _fast_cms, _fast_hex, _fast_parse
from hocbaso.signing.signers import DocumentSigner

_fast_hex.install()
_fast_cms.install()
_fast_parse.install()

BYTES_RESERVED = 8192
BYTES_RESERVED_WITH_TIMESTAMP = 12288


@dataclass(frozen=True)
class SignatureFieldSpec:
    """An empty signature field: ``page`` counts from 0; ``box`` (x1, y1, x2, y2 in points)
    ``None`` for an invisible field (the signature block is then drawn in the page itself)."""

    name: str
    page: int = 0
    box: tuple[float, float, float, float] | None = None


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
            sig_fields.SigFieldSpec(
                sig_field_name=spec.name,
                on_page=spec.page,
                box=spec.box,  # type: ignore[arg-type]  # pyHanko writes (and rounds) floats
            ),
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


def signature_metadata(
    *, field: str, certify: bool, title: str, reason: str = "", location: str = ""
) -> PdfSignatureMetadata:
    """The signature settings of `sign_pdf` (also used by the two-phase remote signing)."""
    attr_spec = CAdESSignedAttrSpec(
        signer_attributes=SignerAttrSpec(claimed_attrs=[title_attribute(title)], certified_attrs=[])
    )
    shown_reason = f"{title} — {reason}" if reason else title
    return PdfSignatureMetadata(
        field_name=field,
        md_algorithm="sha256",
        subfilter=sig_fields.SigSeedSubFilter.PADES,
        certify=certify,
        docmdp_permissions=sig_fields.MDPPerm.FILL_FORMS,
        reason=shown_reason,
        location=location or None,
        cades_signed_attr_spec=attr_spec,
    )


def open_for_signing(pdf: bytes, field: str) -> IncrementalPdfFileWriter:
    """A writer on ``pdf``; ValueError when ``field`` is not an empty signature field."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    empty = [
        name for name, value, _ in sig_fields.enumerate_sig_fields(writer.prev) if value is None
    ]
    if field not in empty:
        raise ValueError(f"no empty signature field {field!r}: prepare_fields first")
    return writer


def reserved_size(bytes_reserved: int | None, timestamper: TimeStamper | None) -> int:
    return bytes_reserved or (
        BYTES_RESERVED_WITH_TIMESTAMP if timestamper is not None else BYTES_RESERVED
    )


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
    stamp_style: BaseStampStyle | None = None,
) -> bytes:
    """``pdf`` with the empty signature field ``field`` signed, in a new incremental update.
    ``stamp_style`` draws a visible field's appearance (`signing.stamp.appearance`).

    Raises ValueError when ``field`` is not an empty signature field of ``pdf``; pyHanko's
    SigningError when ``certify`` is asked of a document that already has a signature."""
    meta = signature_metadata(
        field=field, certify=certify, title=title, reason=reason, location=location
    )
    writer = open_for_signing(pdf, field)
    pdf_signer = PdfSigner(meta, signer=signer, timestamper=timestamper, stamp_style=stamp_style)
    reserved = reserved_size(bytes_reserved, timestamper)
    out = pdf_signer.sign_pdf(writer, bytes_reserved=reserved, output=BytesIO())
    return bytes(out.getvalue())
