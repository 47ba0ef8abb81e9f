"""Test helpers: the installation's DEMO authority written once per test run and DEMO
certificates with server-held keys for given users (fixtures in the root conftest.py)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings

from hocbaso.audit.actors import SEED
from hocbaso.signing import demo_pki
from hocbaso.signing.certificates import register_certificate
from hocbaso.signing.demo_pki import issue_personal, issue_seal
from hocbaso.signing.demo_store import DemoAuthority, ensure_demo_authority, load_demo_authority
from hocbaso.signing.keystore import store_server_key
from hocbaso.signing.models import SigningCertificate

# RSA key generation is the slow part of giving a certificate (a quarter of a second each on the
# CI machine, four per signing-chain test). The keys of `give_certificate` and `give_seal` come
# from a pool kept for the test process: within one test each certificate still gets its own
# key (the n-th certificate given gets the n-th key), and every test starts again at the first
# key — a test's database is its own, so a key seen in an earlier test is never seen together
# with it. The DEMO CA and TSA, and certificates issued directly through `demo_pki`, keep fresh
# keys of their own.
_KEY_POOL: list[rsa.RSAPrivateKey] = []
_next_key = 0


def reset_key_pool() -> None:
    """The next certificate given starts at the pool's first key (root conftest, every test)."""
    set_key_position(0)


def key_position() -> int:
    return _next_key


def set_key_position(position: int) -> None:
    """Also where a replayed fixture (people/tests/world_snapshot.py) leaves the pool: as its
    real run did."""
    global _next_key
    _next_key = position


@contextmanager
def _pooled_key() -> Iterator[None]:
    global _next_key
    while len(_KEY_POOL) <= _next_key:
        _KEY_POOL.append(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    key = _KEY_POOL[_next_key]
    _next_key += 1
    with mock.patch.object(demo_pki, "_new_key", return_value=key):
        yield


def install_demo_authority(source: Path, now: Any) -> DemoAuthority:
    """Copy (or create once in ``source``) the DEMO CA/TSA into this test's private media."""
    ensure_demo_authority(now, source)
    target = Path(settings.PRIVATE_MEDIA_ROOT) / "demo-pki"
    target.mkdir(parents=True, exist_ok=True)
    for item in source.iterdir():
        shutil.copy2(item, target / item.name)
    return load_demo_authority(target)


def give_certificate(
    authority: DemoAuthority, user: Any, *, now: Any, pin: str | None = None
) -> SigningCertificate:
    """A registered DEMO personal certificate for ``user`` with its key on the server."""
    secret = (pin or settings.SIGNING_DEMO_PIN).encode()
    with _pooled_key():
        issued = issue_personal(
            authority.ca, full_name=getattr(user, "full_name", "") or user.username, now=now
        )
    row = register_certificate(
        issued.cert_pem(),
        acting_user=SEED,
        user_id=user.pk,
        trust_roots=[authority.ca.certificate],
        at=now,
    )
    store_server_key(row.pk, issued.pkcs12(secret), secret.decode(), acting_user=SEED)
    return row


def give_seal(
    authority: DemoAuthority, school: Any, *, now: Any, pin: str | None = None
) -> SigningCertificate:
    secret = (pin or settings.SIGNING_DEMO_PIN).encode()
    with _pooled_key():
        issued = issue_seal(authority.ca, school_name=school.name, now=now)
    row = register_certificate(
        issued.cert_pem(),
        acting_user=SEED,
        school_id=school.pk,
        trust_roots=[authority.ca.certificate],
        at=now,
    )
    store_server_key(row.pk, issued.pkcs12(secret), secret.decode(), acting_user=SEED)
    return row
