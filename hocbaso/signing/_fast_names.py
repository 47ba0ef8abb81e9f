"""X.509 name comparison with a byte-equality fast path, installed into asn1crypto.

Verifying a signature compares distinguished names many times (the ESS certificate ids of the
signature and of its timestamp token against the certificates, issuer against subject while
building the certificate path). asn1crypto compares names as RFC 5280 §7.1 says: every
attribute value through the LDAP string preparation of RFC 4518 (Unicode mapping,
normalisation, space folding) — pure Python, about a sixth of the CPU of a verification
(bench/bench_sign.py, profiled). pyHanko's own byte comparison first does not help for the ESS
ids, whose issuer is a ``GeneralName`` (its bytes carry the ``[4]`` tag, the certificate's do
not).

`install` makes ``Name.__eq__`` compare the DER of the two ``RDNSequence`` values first: equal
bytes are equal names under any comparison rule, and only then answer True; different bytes
still go through asn1crypto's full comparison, so no pair of names compares differently — except
a byte-identical pair whose values the string preparation rejects (asn1crypto raises), which is
equal here, as pyHanko's own ``match_issuer_serial`` already treats it.

It also keeps ``Name.hashable`` (the prepared form the certificate registry indexes issuers by,
computed through the same string preparation at every lookup) per ``RDNSequence`` encoding, for
the life of the process (at most ``_CACHE_SIZE`` names): it is a function of those bytes alone.
"""

from __future__ import annotations

from typing import Any

from asn1crypto import x509

ORIGINAL_EQ = x509.Name.__eq__
ORIGINAL_HASHABLE = x509.Name.hashable
_installed = False
_CACHE_SIZE = 1024
_hashables: dict[bytes, str] = {}


def _name_eq(self: x509.Name, other: Any) -> bool:
    if isinstance(other, x509.Name) and self.chosen.dump() == other.chosen.dump():
        return True
    return bool(ORIGINAL_EQ(self, other))


def _hashable(self: x509.Name) -> str:
    key = self.chosen.dump()
    value = _hashables.get(key)
    if value is None:
        value = ORIGINAL_HASHABLE.fget(self)
        if len(_hashables) >= _CACHE_SIZE:
            _hashables.clear()
        _hashables[key] = value
    return value


def install() -> None:
    global _installed
    if not _installed:
        x509.Name.__eq__ = _name_eq
        x509.Name.hashable = property(_hashable)
        _installed = True


def uninstall() -> None:
    """Back to asn1crypto's own comparison (tests compare both)."""
    global _installed
    x509.Name.__eq__ = ORIGINAL_EQ
    x509.Name.hashable = ORIGINAL_HASHABLE
    _installed = False
