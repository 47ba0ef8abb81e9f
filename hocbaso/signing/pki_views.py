"""Public routes of the DEMO PKI, so that verifiers outside the installation can reach the
DEMO CA's revocation data (issue 5: "revocation where reachable"). All of them answer 404 unless
the installation is a demo one (``SIGNING_DEMO_PKI``) and its DEMO CA exists.

* ``GET /pki/demo-ca.pem``: the DEMO CA certificate (to add as a trust root, e.g. xmlsec1's
  ``--trusted-pem`` or pdfsig's NSS database).
* ``GET /pki/demo-ca.crl``: the DEMO CA's CRL, fresh from the register (`revocation.demo_crl`),
  DER — the CRL distribution point of the DEMO certificates.
* ``POST /pki/ocsp`` (body: a DER OCSP request, ``application/ocsp-request``) and
  ``GET /pki/ocsp/<base64 request>`` (RFC 6960 appendix A.1): the DEMO OCSP responder
  (`demo_ocsp`) — the OCSP URL in the DEMO certificates' Authority Information Access.

No login, no personal data: a certificate's status by serial number only. No CSRF token: OCSP
clients post raw DER, and nothing is written.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from hocbaso.signing.demo_ocsp import ocsp_response
from hocbaso.signing.demo_pki import CRL_PATH, OCSP_PATH
from hocbaso.signing.demo_store import DemoAuthority, demo_authority_exists, load_demo_authority
from hocbaso.signing.revocation import demo_crl

MAX_OCSP_REQUEST_BYTES = 16 * 1024


def _authority() -> DemoAuthority:
    if not settings.SIGNING_DEMO_PKI or not demo_authority_exists():
        raise Http404
    return load_demo_authority()


def _public(response: HttpResponse, max_age: int = 300) -> HttpResponse:
    response["Cache-Control"] = f"public, max-age={max_age}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def demo_ca_pem(request: HttpRequest) -> HttpResponse:
    authority = _authority()
    response = HttpResponse(authority.ca.cert_pem(), content_type="application/x-pem-file")
    response["Content-Disposition"] = 'attachment; filename="demo-ca.pem"'
    return _public(response, 3600)


@require_GET
def demo_ca_crl(request: HttpRequest) -> HttpResponse:
    _authority()
    crl = demo_crl(timezone.now())
    if crl is None:  # pragma: no cover - _authority() checked the same conditions
        raise Http404
    response = HttpResponse(crl, content_type="application/pkix-crl")
    response["Content-Disposition"] = 'attachment; filename="demo-ca.crl"'
    return _public(response)


def _answer(request_der: bytes) -> HttpResponse:
    authority = _authority()
    body = ocsp_response(request_der, ca=authority.ca, now=timezone.now())
    response = HttpResponse(body, content_type="application/ocsp-response")
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@csrf_exempt  # raw DER from OCSP clients; the responder writes nothing
@require_http_methods(["POST"])
def demo_ocsp_post(request: HttpRequest) -> HttpResponse:
    _authority()
    if len(request.body) > MAX_OCSP_REQUEST_BYTES:
        return HttpResponse(status=413)
    return _answer(request.body)


@require_GET
def demo_ocsp_get(request: HttpRequest, encoded: str) -> HttpResponse:
    _authority()
    text = unquote(encoded)
    if len(text) > MAX_OCSP_REQUEST_BYTES * 2:
        return HttpResponse(status=413)
    try:
        der = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        der = b""
    return _answer(der)


urlpatterns = [
    path("pki/demo-ca.pem", demo_ca_pem, name="demo_ca_pem"),
    path(CRL_PATH.lstrip("/"), demo_ca_crl, name="demo_ca_crl"),
    path(OCSP_PATH.lstrip("/"), demo_ocsp_post, name="demo_ocsp"),
    path("pki/ocsp/<path:encoded>", demo_ocsp_get, name="demo_ocsp_get"),
]
