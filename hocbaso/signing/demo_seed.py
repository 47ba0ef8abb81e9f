"""DEMO certificates for a demo school: every staff member gets a personal DEMO certificate
whose key the server keeps as a PKCS#12 archive opened by the published demo PIN, and the
school gets a DEMO seal. Each names the DEMO CA's CRL and OCSP responder at this
installation's public address (`demo_pki.demo_pki_urls`), so outside verifiers can check
revocation. Registered and stored through the ordinary actions (so each leaves
its audit events), chained to the installation's DEMO CA (`demo_store`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from hocbaso.audit.actors import SEED
from hocbaso.org.models import School
from hocbaso.people.models import HomeroomAssignment, StaffRole, TeachingAssignment, User
from hocbaso.signing.certificates import register_certificate
from hocbaso.signing.demo_pki import demo_pki_urls, issue_personal, issue_seal
from hocbaso.signing.demo_store import ensure_demo_authority
from hocbaso.signing.keystore import store_server_key
from hocbaso.signing.models import SigningCertificate


@dataclass(frozen=True)
class SeedResult:
    personal: int
    seal: int


def school_staff(school: School) -> list[User]:
    """Users holding a school role at ``school`` or teaching one of its classes now."""
    ids = set(StaffRole.objects.active().filter(school=school).values_list("user_id", flat=True))
    for model in (HomeroomAssignment, TeachingAssignment):
        ids.update(
            model.objects.active()
            .filter(class_group__school=school)
            .values_list("user_id", flat=True)
        )
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("username"))


@transaction.atomic
def seed_school_certificates(school: School, *, now: dt.datetime) -> SeedResult:
    """Certificates and server-held keys for ``school``'s staff and seal (skips who has one)."""
    authority = ensure_demo_authority(now)
    crl_url, ocsp_url = demo_pki_urls()
    pin = settings.SIGNING_DEMO_PIN.encode("utf-8")
    roots = [authority.ca.certificate]
    personal = 0
    holders = set(
        SigningCertificate.objects.filter(user__isnull=False).values_list("user_id", flat=True)
    )
    for user in school_staff(school):
        if user.pk in holders:
            continue
        name = getattr(user, "full_name", "") or user.username
        issued = issue_personal(
            authority.ca, full_name=name, now=now, email=user.email, crl_url=crl_url,
            ocsp_url=ocsp_url,
        )  # fmt: skip
        row = register_certificate(
            issued.cert_pem(), acting_user=SEED, user_id=user.pk, trust_roots=roots, at=now
        )
        store_server_key(
            row.pk, issued.pkcs12(pin, [authority.ca.certificate]), pin.decode(), acting_user=SEED
        )
        personal += 1
    seal = 0
    if not SigningCertificate.objects.filter(school=school).exists():
        issued = issue_seal(
            authority.ca, school_name=school.name, now=now, crl_url=crl_url, ocsp_url=ocsp_url
        )
        row = register_certificate(
            issued.cert_pem(), acting_user=SEED, school_id=school.pk, trust_roots=roots, at=now
        )
        store_server_key(
            row.pk, issued.pkcs12(pin, [authority.ca.certificate]), pin.decode(), acting_user=SEED
        )
        seal = 1
    return SeedResult(personal=personal, seal=seal)
