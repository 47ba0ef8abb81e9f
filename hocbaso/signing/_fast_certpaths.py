"""One certificate path validation per certificate within one verification, installed into pyHanko.

A sealed year page names the DEMO TSA's certificate four times (the timestamp token of each of
the three signatures and the document timestamp), and pyHanko validates its path to the trust
root each time, in the same validation context: same trust roots, same moment, same revocation
policy and data — the same computation, with the same result (about 1 ms each on the bench
machine, bench/bench_sign.py).

`PathCachingContext` is a ``ValidationContext`` that keeps the path found valid for each
certificate (by its DER encoding) for its own lifetime: `verify_pdf` makes one per file, so
nothing is shared between files. `find_valid_path` (installed in place of the function pyHanko's
CMS validation calls) answers from that record when the context is one of these and no extra
PKIX parameters are given; otherwise — another context, a certificate not seen yet, a path that
failed (failures are never recorded and are validated again) — it is pyhanko-certvalidator's
own ``find_valid_path``. What pyHanko checks after the path (key usage, the signature itself)
still runs every time.

hocbaso/signing/tests/test_fast_paths.py compares whole verification reports with and without
this module, on valid and tampered files.
"""

from __future__ import annotations

from typing import Any

from asn1crypto import x509
from pyhanko.sign.validation import generic_cms
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.path import ValidationPath

ORIGINAL = generic_cms.find_valid_path
_installed = False


class PathCachingContext(ValidationContext):
    """A validation context recording the path validated for each certificate."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.validated_paths: dict[bytes, ValidationPath] = {}


async def find_valid_path(
    certificate: x509.Certificate,
    paths: Any,
    validation_context: ValidationContext,
    pkix_validation_params: Any = None,
) -> ValidationPath:
    if not isinstance(validation_context, PathCachingContext) or pkix_validation_params:
        return await ORIGINAL(
            certificate,
            paths,
            validation_context=validation_context,
            pkix_validation_params=pkix_validation_params,
        )
    key = certificate.dump()
    path = validation_context.validated_paths.get(key)
    if path is not None:
        await paths.cancel()  # as pyHanko's function does with the candidates it leaves
        return path
    path = await ORIGINAL(certificate, paths, validation_context=validation_context)
    validation_context.validated_paths[key] = path
    return path


def install() -> None:
    global _installed
    if not _installed:
        generic_cms.find_valid_path = find_valid_path
        _installed = True


def uninstall() -> None:
    """Back to pyhanko-certvalidator's function (tests compare both)."""
    global _installed
    generic_cms.find_valid_path = ORIGINAL
    _installed = False
