"""Who signed which field of a PDF: the SHA-256 fingerprint of each embedded signature's
signing certificate, to compare with the registered certificates (`SigningCertificate`).
It reads, it does not judge: `verify_pdf` decides whether the signatures are valid."""

from __future__ import annotations

from io import BytesIO

from pyhanko.pdf_utils.reader import PdfFileReader


def signer_fingerprints(pdf: bytes) -> dict[str, str]:
    """Field name → hex SHA-256 of the signer's certificate; {} for an unreadable file."""
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        return {
            sig.field_name: sig.signer_cert.sha256.hex()
            for sig in reader.embedded_regular_signatures
        }
    except Exception:  # noqa: BLE001 — an unreadable file has no known signer
        return {}
