"""Test helpers: the installation's DEMO authority written once per test run and DEMO
certificates with server-held keys for given users (fixtures in the root conftest.py)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from django.conf import settings

from hocbaso.audit.actors import SEED
from hocbaso.signing.certificates import register_certificate
from hocbaso.signing.demo_pki import issue_personal, issue_seal
from hocbaso.signing.demo_store import DemoAuthority, ensure_demo_authority, load_demo_authority
from hocbaso.signing.keystore import store_server_key
from hocbaso.signing.models import SigningCertificate


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
