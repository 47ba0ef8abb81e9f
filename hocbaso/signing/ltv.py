"""Long-term validation of a signed PDF: PAdES B-LT and B-LTA (issue 5, spec §9, D9).

* `make_lt`: one incremental update adding a Document Security Store (DSS) with, for every
  signature already in the file (and its timestamp tokens), the certificates of its path and
  the CRLs / OCSP responses held by ``validation_context`` → PAdES B-LT.
* `make_lta`: the same DSS and, in the same incremental update, a document timestamp
  (``/DocTimeStamp``, RFC 3161, covering the whole file including the DSS) → PAdES B-LTA.
  A later renewal adds another DSS + document timestamp in a new update.
* `extend_sealed`: the policy of the seal step (`records.signing_chain.record_step`): B-LTA
  when the installation has revocation data covering every certificate of every signature
  (`revocation.revocation_source`) and a TSA is configured (`trust.configured_timestamper`);
  otherwise the file is returned unchanged (B-T) with the reason. (`make_lt` stays available
  for a B-LT without TSA; the seal step does not use it: without signature timestamps the
  signing time, which revocation is judged at, is not proven.)

Not covered: the revocation status of the *document timestamp's* TSA certificate is not
embedded after it (as usual for B-LTA, that is for the next renewal: `make_lta` again adds the
data and another document timestamp), and `verify_pdf` does not check it.

The validation contexts made here never fetch anything: the revocation data is handed in.
The DSS holds whatever the context holds; whether that data really *covers* the signatures
(CRL signed by the right issuer, fresh, certificate not revoked) is decided separately by
`revocation_status.check_revocation` — in `extend_sealed` before extending, and again by
`verify_pdf` on the result.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.general import extract_certificate_info
from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.validation import DocumentSecurityStore
from pyhanko.sign.validation.generic_cms import extract_tst_data_iter
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.path import ValidationPath

from hocbaso.signing.revocation_status import RevocationData, check_revocation
from hocbaso.signing.signers import to_asn1

logger = logging.getLogger(__name__)

DOC_TIMESTAMP_FIELD = "dau_thoi_gian_tai_lieu"
DOC_TIMESTAMP_BYTES_RESERVED = 12288


def ltv_validation_context(
    trust_roots: Sequence[x509.Certificate], revocation: RevocationData
) -> ValidationContext:
    """A context holding ``trust_roots`` and ``revocation`` for building the DSS.

    Revocation is not enforced here (mode ``none``): paths are only *collected*; the data is
    judged by `check_revocation`."""
    return ValidationContext(
        trust_roots=[to_asn1(cert) for cert in trust_roots],
        crls=list(revocation.crls),
        ocsps=list(revocation.ocsps),
        allow_fetching=False,
        revocation_mode="none",
    )


async def _signature_paths(
    sig: EmbeddedPdfSignature, validation_context: ValidationContext
) -> list[ValidationPath]:
    """The certificate paths of a signature and of its timestamp tokens (what pyHanko's
    ``collect_validation_info`` does, without its revocation-mode warning)."""
    paths = []
    tokens = [
        *extract_tst_data_iter(sig.signer_info, signed=False),
        *extract_tst_data_iter(sig.signer_info, signed=True),
    ]
    for signed_data in [sig.signed_data, *tokens]:
        info = extract_certificate_info(signed_data)
        validator = CertificateValidator(
            info.signer_cert,
            intermediate_certs=info.other_certs,
            validation_context=validation_context,
        )
        paths.append(await validator.async_validate_usage(key_usage=set()))
    return paths


def _add_dss(
    writer: IncrementalPdfFileWriter,
    validation_context: ValidationContext,
    timestamper: TimeStamper | None = None,
) -> None:
    reader = writer.prev
    for sig in reader.embedded_signatures:
        paths = asyncio.run(_signature_paths(sig, validation_context))
        DocumentSecurityStore.supply_dss_in_writer(
            writer,
            None,  # no /VRI: optional in PAdES, and a renewal re-adding one is a "change"
            paths=paths,
            validation_context=validation_context,
        )
    if timestamper is not None:

        async def tsa_paths() -> list[object]:
            return [p async for p in timestamper.validation_paths(validation_context)]

        DocumentSecurityStore.supply_dss_in_writer(
            writer,
            None,
            paths=asyncio.run(tsa_paths()),
            validation_context=validation_context,
        )


def _write(writer: IncrementalPdfFileWriter) -> bytes:
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def make_lt(pdf: bytes, *, validation_context: ValidationContext) -> bytes:
    """``pdf`` with validation data for every signature embedded (PAdES B-LT)."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    _add_dss(writer, validation_context)
    return _write(writer)


def make_lta(
    pdf: bytes, *, validation_context: ValidationContext, timestamper: TimeStamper
) -> bytes:
    """``pdf`` with validation data embedded and a document timestamp (PAdES B-LTA)."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    existing = sum(1 for _ in writer.prev.embedded_timestamp_signatures)
    _add_dss(writer, validation_context, timestamper)
    name = DOC_TIMESTAMP_FIELD if not existing else f"{DOC_TIMESTAMP_FIELD}_{existing + 1}"
    out = PdfTimeStamper(timestamper, field_name=name).timestamp_pdf(
        writer,
        "sha256",
        bytes_reserved=DOC_TIMESTAMP_BYTES_RESERVED,
        output=BytesIO(),
    )
    return bytes(out.getvalue())


def signature_certificates(
    pdf: bytes,
) -> list[tuple[asn1_x509.Certificate, list[asn1_x509.Certificate], dt.datetime | None]]:
    """For each signature of ``pdf`` (and each of its timestamp tokens): the signing
    certificate, the other certificates it carries and the time to check it at (the
    signature's own timestamp; the token's time for a token; None if unknown)."""
    reader = PdfFileReader(BytesIO(pdf), strict=False)
    found: list[tuple[asn1_x509.Certificate, list[asn1_x509.Certificate], dt.datetime | None]] = []
    for sig in reader.embedded_signatures:
        tokens = list(extract_tst_data_iter(sig.signer_info, signed=False))
        token_time = _token_time(tokens[0]) if tokens else None
        info = extract_certificate_info(sig.signed_data)
        found.append((info.signer_cert, list(info.other_certs), token_time))
        for token in tokens:
            token_info = extract_certificate_info(token)
            found.append((token_info.signer_cert, list(token_info.other_certs), _token_time(token)))
    return found


def _token_time(signed_data: Any) -> dt.datetime | None:
    try:
        content = signed_data["encap_content_info"]["content"].parsed
        return content["gen_time"].native
    except Exception:  # noqa: BLE001 — unreadable token: time unknown
        return None


@dataclass(frozen=True)
class LtvOutcome:
    pdf: bytes
    level: str  # "B-T" (unchanged), "B-LT" or "B-LTA"
    reason: str = ""


def extend_sealed(
    pdf: bytes,
    *,
    trust_roots: Sequence[x509.Certificate],
    revocation: RevocationData,
    timestamper: TimeStamper | None,
    now: dt.datetime,
) -> LtvOutcome:
    """B-LTA when a TSA is given and ``revocation`` covers every certificate of every
    signature, none revoked before it was used; else ``pdf`` unchanged (B-T) and why."""
    if timestamper is None:
        return LtvOutcome(pdf, "B-T", "no TSA configured")
    if not revocation:
        return LtvOutcome(pdf, "B-T", "no revocation data available")
    roots = [to_asn1(cert) for cert in trust_roots]
    # One check per distinct certificate (the TSA's signs three tokens): at its latest use;
    # a certificate found revoked at all is then judged at each of its uses.
    uses: dict[bytes, list[tuple[asn1_x509.Certificate, list[Any], dt.datetime]]] = {}
    for cert, others, at in signature_certificates(pdf):
        uses.setdefault(cert.dump(), []).append((cert, others, at or now))
    for group in uses.values():
        cert, others, latest = max(group, key=lambda use: use[2])
        status = check_revocation(
            cert,
            trust_roots=roots,
            crls=revocation.crls,
            ocsps=revocation.ocsps,
            others=others,
            at=latest,
        )
        name = cert.subject.human_friendly
        if not status.checked:
            return LtvOutcome(pdf, "B-T", f"revocation data does not cover {name}")
        if status.revoked_at is not None and any(status.revoked_at <= at for _, _, at in group):
            return LtvOutcome(pdf, "B-T", f"{name} was revoked at {status.revoked_at}")
    context = ltv_validation_context(trust_roots, revocation)
    return LtvOutcome(make_lta(pdf, validation_context=context, timestamper=timestamper), "B-LTA")


def extend_for_installation(pdf: bytes, *, now: dt.datetime) -> LtvOutcome:
    """`extend_sealed` with this installation's trust roots, revocation source and TSA.

    Never fails the caller: an error while extending (a TSA or CRL server down, …) leaves the
    file B-T, with the reason (logged)."""
    from hocbaso.signing.revocation import revocation_source
    from hocbaso.signing.trust import configured_timestamper, trust_roots

    try:
        certs = [
            x509.load_der_x509_certificate(c.dump()) for c, _, _ in signature_certificates(pdf)
        ]
        return extend_sealed(
            pdf,
            trust_roots=trust_roots(),
            revocation=revocation_source(certs, now=now),
            timestamper=configured_timestamper(),
            now=now,
        )
    except Exception as exc:  # noqa: BLE001 — the signed file stays valid at B-T
        logger.warning("PAdES LT/LTA extension failed: %s", exc)
        return LtvOutcome(pdf, "B-T", f"extension failed: {exc}")
