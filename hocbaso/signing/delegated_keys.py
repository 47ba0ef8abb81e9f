"""A `DocumentSigner` seen as a `cryptography` private key, so that libraries which sign with a
key object (signxml's XAdES signer) sign with whatever backend holds the key — a server-held
PKCS#12 key or a key that never leaves its PKCS#11 token — through the signer's own
``sign_raw`` (one signing path per backend).

Only what a signer needs is implemented: ``sign`` with RSA PKCS#1 v1.5 / SHA-256 (RSA keys) or
ECDSA / SHA-256 (EC keys, DER output as cryptography gives), ``public_key`` and ``key_size``
(from the signing certificate). Everything that would need the private key's material
(``private_numbers``, ``private_bytes``, ``decrypt``, ``exchange``) raises: the key may be on a
token that never gives it out.
"""

from __future__ import annotations

import asyncio
from typing import Any, NoReturn

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric import padding as rsa_padding
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

from hocbaso.signing.signers import DocumentSigner

__all__ = ["DelegatedKeyError", "delegated_key"]


class DelegatedKeyError(TypeError):
    """The operation needs the private key itself, or an algorithm the signer does not do."""


def _raw_signature(signer: DocumentSigner, data: bytes) -> bytes:
    sign_raw = getattr(signer, "sign_raw", None)
    if sign_raw is not None:
        return bytes(sign_raw(data, "sha256"))
    return asyncio.run(signer.async_sign_raw(data, "sha256"))


def _no_material() -> NoReturn:
    raise DelegatedKeyError("the private key is held by its signer and is never exported")


def _check_hash(algorithm: Any) -> None:
    if isinstance(algorithm, Prehashed) or not isinstance(algorithm, hashes.SHA256):
        raise DelegatedKeyError("only SHA-256 over the whole data is supported")


class DelegatedRsaKey(rsa.RSAPrivateKey):
    """An RSA key whose signatures are made by ``signer`` (PKCS#1 v1.5, SHA-256)."""

    def __init__(self, signer: DocumentSigner) -> None:
        public = signer.certificate.public_key()
        if not isinstance(public, rsa.RSAPublicKey):
            raise DelegatedKeyError("the signing certificate is not an RSA certificate")
        self._signer = signer
        self._public = public

    def sign(
        self,
        data: bytes,
        padding: rsa_padding.AsymmetricPadding,
        algorithm: Any,
    ) -> bytes:
        if not isinstance(padding, rsa_padding.PKCS1v15):
            raise DelegatedKeyError("only PKCS#1 v1.5 padding is supported")
        _check_hash(algorithm)
        return _raw_signature(self._signer, bytes(data))

    def public_key(self) -> rsa.RSAPublicKey:
        return self._public

    @property
    def key_size(self) -> int:
        return self._public.key_size

    def decrypt(self, ciphertext: bytes, padding: rsa_padding.AsymmetricPadding) -> bytes:
        _no_material()

    def private_numbers(self) -> rsa.RSAPrivateNumbers:
        _no_material()

    def private_bytes(self, *args: Any, **kwargs: Any) -> bytes:
        _no_material()

    def __copy__(self) -> DelegatedRsaKey:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> DelegatedRsaKey:
        return self


class DelegatedEcKey(ec.EllipticCurvePrivateKey):
    """An EC key whose signatures are made by ``signer`` (ECDSA with SHA-256, DER)."""

    def __init__(self, signer: DocumentSigner) -> None:
        public = signer.certificate.public_key()
        if not isinstance(public, ec.EllipticCurvePublicKey):
            raise DelegatedKeyError("the signing certificate is not an EC certificate")
        self._signer = signer
        self._public = public

    def sign(self, data: bytes, signature_algorithm: ec.EllipticCurveSignatureAlgorithm) -> bytes:
        if not isinstance(signature_algorithm, ec.ECDSA):
            raise DelegatedKeyError("only ECDSA is supported")
        _check_hash(signature_algorithm.algorithm)
        return _raw_signature(self._signer, bytes(data))

    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self._public

    @property
    def curve(self) -> ec.EllipticCurve:
        return self._public.curve

    @property
    def key_size(self) -> int:
        return self._public.key_size

    def exchange(self, algorithm: ec.ECDH, peer_public_key: ec.EllipticCurvePublicKey) -> bytes:
        _no_material()

    def private_numbers(self) -> ec.EllipticCurvePrivateNumbers:
        _no_material()

    def private_bytes(self, *args: Any, **kwargs: Any) -> bytes:
        _no_material()

    def __copy__(self) -> DelegatedEcKey:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> DelegatedEcKey:
        return self


def delegated_key(signer: DocumentSigner) -> DelegatedRsaKey | DelegatedEcKey:
    """``signer`` as an RSA or EC private key object, by its certificate's key type."""
    if isinstance(signer.certificate.public_key(), ec.EllipticCurvePublicKey):
        return DelegatedEcKey(signer)
    return DelegatedRsaKey(signer)
