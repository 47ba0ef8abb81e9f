"""Certificate extensions read once per certificate within one verification.

A sealed year page carries the same five certificates many times over: the DEMO CA's in every
CMS structure, the TSA's in the three timestamp tokens, the document timestamp and the
Document Security Store, each signer's in its signature and the DSS. asn1crypto parses each
copy on its own, and the first look at a copy's extensions (``Certificate._set_extensions``,
reached through key usage, basic constraints, policies…) decodes all of them: about a tenth
of a verification's CPU (bench/bench_sign.py, profiled).

`install` wraps ``_set_extensions``: while `verify_pdf` runs (`scope`, a context variable holding
one dictionary per call, so nothing is shared between files), the first copy of a certificate
is decoded by asn1crypto, and the attributes that call set on it (the decoded extension values,
the set of critical extensions) are given to every later copy with the same DER bytes — which
decode to the same values. Outside `scope`, asn1crypto's own method runs.

hocbaso/signing/tests/test_fast_paths.py compares whole verification reports with and without
this module, and a copy's attributes with a freshly decoded certificate's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from asn1crypto import x509

ORIGINAL = x509.Certificate._set_extensions
_installed = False
_decoded: ContextVar[dict[bytes, dict[str, Any]] | None] = ContextVar(
    "hocbaso_certificate_extensions", default=None
)


@contextmanager
def scope() -> Iterator[None]:
    """Certificates' extensions decoded once per DER encoding until the block ends."""
    token = _decoded.set({})
    try:
        yield
    finally:
        _decoded.reset(token)


def _set_extensions(self: x509.Certificate) -> None:
    decoded = _decoded.get()
    if decoded is None:
        return ORIGINAL(self)
    key = self.dump()
    values = decoded.get(key)
    if values is None:
        ORIGINAL(self)
        # exactly the attributes asn1crypto's method set (its own rule, on the decoded list)
        names = {
            f"_{extension['extn_id'].native}_value"
            for extension in self["tbs_certificate"]["extensions"]
        }
        values = {name: getattr(self, name) for name in names if hasattr(self, name)}
        values["_critical_extensions"] = self._critical_extensions
        values["_processed_extensions"] = True
        decoded[key] = values
        return None
    for name, value in values.items():
        setattr(self, name, set(value) if name == "_critical_extensions" else value)
    return None


def install() -> None:
    global _installed
    if not _installed:
        x509.Certificate._set_extensions = _set_extensions
        _installed = True


def uninstall() -> None:
    """Back to asn1crypto's own method (tests compare both)."""
    global _installed
    x509.Certificate._set_extensions = ORIGINAL
    _installed = False
