"""Whether a registered certificate may sign a record page now (`signing_chain`)."""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from django.conf import settings

from hocbaso.signing.certificates import check_certificate
from hocbaso.signing.models import SigningCertificate
from hocbaso.signing.revocation_fetch import crl_urls, fetch_revocation, ocsp_urls
from hocbaso.signing.revocation_status import check_revocation
from hocbaso.signing.signers import to_asn1
from hocbaso.signing.trust import trust_roots


def certificate_problems(row: SigningCertificate, at: dt.datetime) -> list[str]:
    """Why ``row`` may not sign now (Vietnamese; empty when it may): revoked in the register,
    dates, key usage, chain to the trust roots — and, where the CA's revocation data is
    reachable (`HOCBASO_REVOCATION_FETCH`: the OCSP responder named in the certificate, else
    the CRLs it names), revoked by the CA. (A demo installation's CRL and OCSP responder
    mirror the register, checked first.)"""
    if row.revoked_at is not None:
        return ["Chứng thư số này đã bị thu hồi."]
    cert = x509.load_der_x509_certificate(bytes(row.der))
    roots = trust_roots()
    problems = check_certificate(cert, trust_roots=roots, at=at, kind=row.kind)
    if not problems and settings.SIGNING_REVOCATION_FETCH:
        data = fetch_revocation([cert], issuers=roots)
        status = check_revocation(
            to_asn1(cert),
            trust_roots=[to_asn1(root) for root in roots],
            crls=data.crls,
            ocsps=data.ocsps,
            at=at,
        )
        if status.revoked_before:
            problems.append(
                f"Chứng thư số đã bị tổ chức cấp thu hồi (lúc {status.revoked_at:%d/%m/%Y %H:%M} "
                "UTC)."
            )
        elif (crl_urls(cert) or ocsp_urls(cert)) and not status.checked:
            problems.append(
                "Không lấy được danh sách thu hồi của tổ chức cấp chứng thư: chưa thể kí; hãy "
                "thử lại sau."
            )
    return problems
