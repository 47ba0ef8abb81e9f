"""Timestampers: the local in-process TSA for tests and the demo.

`LocalTimestamper` is pyHanko's `DummyTimeStamper` (acts as its own RFC 3161 TSA) with the TSA
key parsed once: the upstream class re-parses the key for every token (~50 ms each). A real TSA
is pyHanko's ``HTTPTimeStamper(url)``; both are `pyhanko.sign.timestamps.TimeStamper`.

The response is handed over as an HTTP TSA's would be: parsed from its DER bytes. pyHanko
builds it from Python values, and asn1crypto re-encodes such a value each time it (or anything
holding it) is dumped — the token was encoded several times per signature (see `_fast_cms`).
"""

from __future__ import annotations

from datetime import datetime

from asn1crypto import cms, core, tsp
from asn1crypto import keys as asn1_keys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pyhanko.sign import general
from pyhanko.sign.general import simple_cms_attribute
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from hocbaso.signing import _fast_cms
from hocbaso.signing.signers import to_asn1


class LocalTimestamper(DummyTimeStamper):
    """An in-process TSA signing with an RSA key kept in memory."""

    def __init__(
        self,
        tsa_cert: x509.Certificate,
        tsa_key: rsa.RSAPrivateKey,
        chain: list[x509.Certificate] | tuple[x509.Certificate, ...] = (),
        fixed_dt: datetime | None = None,
    ) -> None:
        if not isinstance(tsa_key, rsa.RSAPrivateKey):
            raise TypeError("The local TSA is RSA-only")
        key_info = asn1_keys.PrivateKeyInfo.load(
            tsa_key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        store = SimpleCertificateStore()
        store.register_multiple([to_asn1(c) for c in chain])
        super().__init__(to_asn1(tsa_cert), key_info, certs_to_embed=store, fixed_dt=fixed_dt)
        self._pyca_key = tsa_key
        # The constant signed attributes, encoded once (the ESS certificate id holds the issuer
        # name, which asn1crypto would otherwise re-encode for every token). A loaded value
        # dumps its original bytes.
        self._content_type_der = simple_cms_attribute("content_type", "tst_info").dump()
        self._signing_certificate_der = simple_cms_attribute(
            "signing_certificate", general.as_signing_certificate(self.tsa_cert)
        ).dump()

    def request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        response = super().request_tsa_response(req)
        return tsp.TimeStampResp.load(response.dump())

    def _sign_tst_info(
        self, tst_info_data: bytes, md_algorithm: str, dt: datetime
    ) -> tuple[bytes, cms.CMSAttributes]:
        md = hashes.Hash(get_pyca_cryptography_hash(md_algorithm))
        md.update(tst_info_data)
        # Each attribute encoded once and parsed back (asn1crypto re-encodes a value built from
        # Python data at every dump, see `_fast_cms`); the set is encoded from those bytes.
        signed_attrs = cms.CMSAttributes(
            [
                cms.CMSAttribute.load(self._content_type_der),
                _fast_cms.freeze(
                    simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)}))
                ),
                cms.CMSAttribute.load(self._signing_certificate_der),
                _fast_cms.freeze(simple_cms_attribute("message_digest", md.finalize())),
            ]
        )
        signed_der = signed_attrs.dump()
        signature = self._pyca_key.sign(
            signed_der,
            padding.PKCS1v15(),
            get_pyca_cryptography_hash(md_algorithm.upper()),
        )
        return signature, cms.CMSAttributes.load(signed_der)
