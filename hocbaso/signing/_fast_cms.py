"""CMS assembly without asn1crypto's repeated re-encoding, installed into pyHanko.

asn1crypto marks a value built from Python data as *mutated* and never clears the mark: every
``dump()`` of it, and of every structure holding it, encodes the whole subtree again, at every
level of nesting. pyHanko builds the signed attributes that way and then dumps them several
times (to sign them, to retag them into the ``SignerInfo``, to write the ``SignedData``), so the
``signing-certificate-v2`` attribute alone — five levels deep, with the issuer's name — was
encoded about ten times per signature: more than half of the CPU of a signature
(bench/bench_sign.py, profiled).

`install` wraps three pyHanko seams so that each built value is encoded **once** and replaced by
the value parsed back from those bytes (``X.load(x.dump())``), which asn1crypto dumps from its
stored bytes from then on:

* ``CMSAttributeProvider.get_attribute`` (one signed or unsigned attribute, including the
  timestamp token);
* ``pdf_cms.format_attributes`` (the signed / unsigned attribute set);
* ``Signer.signer_info`` (the ``SignerInfo``).

The ``signing-certificate-v2`` attribute (hash, issuer and serial number of the signer's
certificate: a function of the certificate alone) is moreover kept per certificate, as bytes,
for the life of the process (at most ``_CACHE_SIZE`` certificates): a batch signs hundreds of
pages with the same certificate.

A DER value parsed back from its own encoding encodes to the same bytes, so the CMS written is
byte for byte what pyHanko writes without this module — what is signed is what is embedded
(hocbaso/signing/tests/test_fast_paths.py compares both). Apart from the signing-certificate
attribute, nothing is kept between signatures.
"""

from __future__ import annotations

from typing import Any, TypeVar

from asn1crypto import cms
from asn1crypto.core import Asn1Value
from pyhanko.sign import attributes
from pyhanko.sign.signers import pdf_cms

T = TypeVar("T", bound=Asn1Value)

_installed = False
ORIGINAL_GET_ATTRIBUTE = attributes.CMSAttributeProvider.get_attribute
ORIGINAL_FORMAT_ATTRIBUTES = pdf_cms.format_attributes
ORIGINAL_SIGNER_INFO = pdf_cms.Signer.signer_info


def freeze(value: T) -> T:
    """``value`` parsed back from its DER encoding: later dumps reuse the bytes."""
    return type(value).load(value.dump())


async def _get_attribute(self: Any, dry_run: bool = False) -> cms.CMSAttribute | None:
    attr = await ORIGINAL_GET_ATTRIBUTE(self, dry_run=dry_run)
    return freeze(attr) if attr is not None else None


async def _format_attributes(*args: Any, **kwargs: Any) -> cms.CMSAttributes:
    attrs = await ORIGINAL_FORMAT_ATTRIBUTES(*args, **kwargs)
    # an empty set stays as built (pyHanko tests ``attrs or None``)
    return freeze(attrs) if len(attrs) else attrs


_CACHE_SIZE = 256
_signing_certificate_attrs: dict[bytes, bytes] = {}


async def _signing_certificate_attribute(self: Any, dry_run: bool = False) -> cms.CMSAttribute:
    key = self.signing_cert.dump()
    der = _signing_certificate_attrs.get(key)
    if der is None:
        attr = await ORIGINAL_GET_ATTRIBUTE(self, dry_run=dry_run)
        assert attr is not None  # the provider always has a value
        der = attr.dump()
        if len(_signing_certificate_attrs) >= _CACHE_SIZE:
            _signing_certificate_attrs.clear()
        _signing_certificate_attrs[key] = der
    return cms.CMSAttribute.load(der)


def _signer_info(self: Any, digest_algorithm: str, signed_attrs: Any, signature: Any) -> Any:
    return freeze(ORIGINAL_SIGNER_INFO(self, digest_algorithm, signed_attrs, signature))


def install() -> None:
    global _installed
    if _installed:
        return
    attributes.CMSAttributeProvider.get_attribute = _get_attribute  # type: ignore[method-assign]
    attributes.SigningCertificateV2Provider.get_attribute = _signing_certificate_attribute  # type: ignore[method-assign]
    pdf_cms.format_attributes = _format_attributes
    pdf_cms.Signer.signer_info = _signer_info  # type: ignore[method-assign]
    _installed = True


def uninstall() -> None:
    """Back to pyHanko's own functions (tests compare both)."""
    global _installed
    if not _installed:
        return
    attributes.CMSAttributeProvider.get_attribute = ORIGINAL_GET_ATTRIBUTE  # type: ignore[method-assign]
    del attributes.SigningCertificateV2Provider.get_attribute
    pdf_cms.format_attributes = ORIGINAL_FORMAT_ATTRIBUTES
    pdf_cms.Signer.signer_info = ORIGINAL_SIGNER_INFO  # type: ignore[method-assign]
    _installed = False
